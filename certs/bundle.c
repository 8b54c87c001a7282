/* bundle.c - see bundle.h. */
#include "bundle.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

/* The webhook configurations' names are fixed project-wide (manifests/). */
#define WEBHOOK_CONFIG_NAME "seccomp-guard"
#define VALIDATE_WEBHOOK    "validate.seccomp-guard.io"
#define MUTATE_WEBHOOK      "mutate.seccomp-guard.io"

/* A kustomize strategic-merge patch: admissionregistration webhooks merge
 * by `name`, so only caBundle changes in the base's objects. */
#define PATCH_FMT                                                                                  \
    "# Written by `seccomp-guard certs`: the CA that signed the webhook's serving\n"               \
    "# certificate, for the API server. List it under `patches:` in a\n"                           \
    "# kustomization; re-run `certs` to renew it rather than editing it.\n"                        \
    "apiVersion: admissionregistration.k8s.io/v1\n"                                                \
    "kind: ValidatingWebhookConfiguration\n"                                                       \
    "metadata:\n"                                                                                  \
    "  name: " WEBHOOK_CONFIG_NAME "\n"                                                            \
    "webhooks:\n"                                                                                  \
    "  - name: " VALIDATE_WEBHOOK "\n"                                                             \
    "    clientConfig:\n"                                                                          \
    "      caBundle: %s\n"                                                                         \
    "---\n"                                                                                        \
    "apiVersion: admissionregistration.k8s.io/v1\n"                                                \
    "kind: MutatingWebhookConfiguration\n"                                                         \
    "metadata:\n"                                                                                  \
    "  name: " WEBHOOK_CONFIG_NAME "\n"                                                            \
    "webhooks:\n"                                                                                  \
    "  - name: " MUTATE_WEBHOOK "\n"                                                               \
    "    clientConfig:\n"                                                                          \
    "      caBundle: %s\n"

char *sg_bundle_encode(const char *data, size_t len)
{
    size_t cap = 4 * ((len + 2) / 3) + 1;
    unsigned char *out;

    if (len > INT_MAX / 2)
        return NULL;
    out = malloc(cap);
    if (out == NULL)
        return NULL;
    EVP_EncodeBlock(out, (const unsigned char *)data, (int)len);
    return (char *)out;
}

char *sg_bundle_patch(const char *ca_bundle, size_t *len)
{
    int n = snprintf(NULL, 0, PATCH_FMT, ca_bundle, ca_bundle);
    char *out;

    if (n < 0)
        return NULL;
    out = malloc((size_t)n + 1);
    if (out == NULL)
        return NULL;
    snprintf(out, (size_t)n + 1, PATCH_FMT, ca_bundle, ca_bundle);
    *len = (size_t)n;
    return out;
}
