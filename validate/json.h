/* json.h - JSON text in and out: the one entry that reads a body or a
 * manifest into a cJSON tree, the string writer every response uses, and
 * the names of JSON types for messages. Reading a tree's fields is
 * field.h's; naming where a field is, path.h's. */
#ifndef SG_JSON_H
#define SG_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "error.h"
#include "report.h"

#define SG_JSON_MAX_DEPTH 512 /* nesting; Kubernetes objects use about 20 */

/* How sg_json_parse reads: review bodies skip what the engine never reads;
 * manifests, which `check --mutate` prints back, are read whole and refuse
 * what could not be printed back the same (a key given twice, an integer a
 * double cannot hold exactly). Zeroes are the review defaults. */
struct sg_json_options {
    const char *const *skip; /* NULL-terminated keys; values checked, not built */
    bool unique_keys;        /* a key given twice in one object is an error */
    bool exact_integers;     /* an integer beyond 2^53 is an error */
};

/* Parses one JSON value at the start of text[0..len) (leading whitespace
 * allowed), as strictly as Go's encoding/json reads it (RFC 8259: no
 * leading zeros, no raw control characters in strings, nothing but true,
 * false and null as words). As Go does, each byte of invalid UTF-8 and each
 * lone surrogate becomes U+FFFD; so do NULs, escaped or raw, which a C
 * string cannot hold. The values of object members whose raw key is in
 * opt->skip are checked for syntax but not built (at most 64 keys are
 * looked at). `opt` may be NULL. The tree is allocated through cJSON's
 * hooks (cJSON_Delete frees it). Returns 0 with *out set and *end the
 * offset just after the value, or SG_ERR_INVALID (not JSON, or refused by
 * an option), SG_ERR_LIMIT (nested deeper than SG_JSON_MAX_DEPTH) or
 * SG_ERR_NOMEM, with *end the offset of the error and *why (may be NULL) a
 * static phrase saying what is wrong there. */
int sg_json_parse(const char *text, size_t len, const struct sg_json_options *opt, cJSON **out,
                  size_t *end, const char **why);

/* A tree read by sg_json_read. Its nodes and strings are carved from a few
 * blocks allocated through cJSON's hooks, so a review's tree costs a
 * handful of allocations and no walk to free. The tree is read-only: no
 * item of it may be freed, detached, replaced or added to, and nothing of
 * it (cJSON_Duplicate's copies of keys included) may outlive the doc. */
struct sg_json_block;
struct sg_json_doc {
    cJSON *root;
    struct sg_json_block *blocks; /* private */
};

/* sg_json_parse into `doc`: the same reading, errors and *end. On success
 * doc->root is the tree; release with sg_json_doc_release (never
 * cJSON_Delete). On error the doc holds nothing. */
int sg_json_read(const char *text, size_t len, const struct sg_json_options *opt,
                 struct sg_json_doc *doc, size_t *end, const char **why);
void sg_json_doc_release(struct sg_json_doc *doc); /* a zeroed doc is a no-op */

/* Appends `s` as a JSON string literal, quoted and escaped. */
void sg_json_write_string(struct sg_buf *b, const char *s);

/* "an object", "a string", ... for messages. */
const char *sg_json_type_name(const cJSON *item);

#endif
