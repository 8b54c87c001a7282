/* bundle.h - the CA as the API server takes it: the caBundle (base64 of
 * the CA certificate's PEM, one line) and the kustomize patch that puts it
 * into both webhook configurations of manifests/. */
#ifndef SG_BUNDLE_H
#define SG_BUNDLE_H

#include <stddef.h>

/* base64 of data[0..len), NUL-terminated and malloc'd (free it); NULL when
 * out of memory or len is absurd. */
char *sg_bundle_encode(const char *data, size_t len);

/* The strategic-merge patch setting caBundle in the Validating- and
 * MutatingWebhookConfiguration named in manifests/, malloc'd (free it),
 * its length in *len; NULL when out of memory. */
char *sg_bundle_patch(const char *ca_bundle, size_t *len);

#endif
