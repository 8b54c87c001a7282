/* image.h - container image references as the runtime reads them, and
 * the image patterns of a policy's imageExemptions.
 *
 * A pod's `image` is normalised as containerd does (distribution/reference
 * ParseNormalizedNamed, then TagNameOnly): `busybox` is
 * docker.io/library/busybox:latest, `foo/bar` docker.io/foo/bar:latest, a
 * first component with '.' or ':' or named localhost is a registry, a tag
 * and a digest may come together. A reference the runtime would refuse
 * (upper case in the repository, a bad digest...) parses to nothing, so it
 * matches no pattern. Patterns must name registry and repository as they
 * are after normalisation, with a tag glob (`:*`, `:1.2*`), a digest
 * (`@sha256:...`) or both. No allocation, no I/O. */
#ifndef SG_IMAGE_H
#define SG_IMAGE_H

#include <stdbool.h>
#include <stddef.h>

#define SG_IMAGE_NAME_MAX   255 /* distribution/reference NameTotalLengthMax */
#define SG_IMAGE_TAG_MAX    128
#define SG_IMAGE_DIGEST_MAX 200 /* "sha512:" and 128 hex digits fit */

struct sg_image_ref {
    char name[SG_IMAGE_NAME_MAX + 1];     /* "docker.io/library/busybox" */
    char tag[SG_IMAGE_TAG_MAX + 1];       /* "latest"; "" with a digest alone */
    char digest[SG_IMAGE_DIGEST_MAX + 1]; /* "sha256:..." or "" */
};

/* Normalises `ref` as the runtime does. Returns false when the runtime
 * would refuse it. */
bool sg_image_parse(const char *ref, struct sg_image_ref *out);

struct sg_image_pattern {
    char name[SG_IMAGE_NAME_MAX + 1];
    char tag_glob[SG_IMAGE_TAG_MAX + 1];  /* fnmatch(3) glob; "" when none */
    char digest[SG_IMAGE_DIGEST_MAX + 1]; /* "" when none */
};

/* Reads a policy's image pattern. Returns NULL, or what is wrong with it
 * (a constant string; `hint`, when not empty afterwards, holds the
 * pattern as it should be written). */
const char *sg_image_pattern_parse(const char *text, struct sg_image_pattern *out, char *hint,
                                   size_t hint_cap);

/* True when `ref` is an image the pattern names: the same repository, the
 * pattern's digest if it has one, its tag glob if it has one (a glob of
 * "*" also matching a reference pinned by digest alone). */
bool sg_image_matches(const struct sg_image_pattern *p, const struct sg_image_ref *ref);

#endif
