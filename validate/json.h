/* json.h - JSON text in and out: the one entry that reads a review body or
 * a manifest into a cJSON tree, the string writer every response uses, and
 * the names of JSON types for messages. Reading a tree's fields is
 * field.h's; naming where a field is, path.h's.
 *
 * The parser is cJSON's. What cJSON reads differently from Go's
 * encoding/json (how the API server and kubectl read the same text) is
 * refused, by a scan of the bytes before cJSON and a walk of its tree
 * after, or repaired where Go repairs it. Differences that remain, none of
 * which lets a value be read otherwise than Go reads it:
 *   - a lone UTF-16 surrogate (\ud800): Go reads U+FFFD, cJSON refuses it;
 *   - a number of more than SG_JSON_NUMBER_MAX characters: Go reads it,
 *     cJSON would read it short, so it is refused;
 *   - \u0000: Go reads a NUL, cJSON ends the string there: refused;
 *   - a key given twice: Go keeps the last, cJSON keeps both: refused
 *     with unique_keys (every caller asks for it);
 *   - cJSON cannot tell running out of memory from bad JSON: both are
 *     SG_ERR_INVALID.
 * Everything else (leading zeros, control characters, bad escapes, a byte
 * order mark, numbers past a double) is refused as Go refuses it, and
 * invalid UTF-8 becomes U+FFFD as Go reads it. */
#ifndef SG_JSON_H
#define SG_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "error.h"
#include "report.h"

/* Nesting. Kubernetes objects use about 20; cJSON's own bound
 * (CJSON_NESTING_LIMIT, 1000 in Debian's build) is never reached, so
 * cJSON's recursion stays shallow and the error says what is wrong. */
#define SG_JSON_MAX_DEPTH 512
/* Characters in one number: cJSON copies at most 63 into its buffer and
 * would read a longer one short. */
#define SG_JSON_NUMBER_MAX 63
/* Values and keys in one document. Each becomes a cJSON item (64 bytes)
 * or a key's copy, so this bounds a parsed tree at about 42 MiB whatever
 * the text holds: without it, a 4 MiB body of `[0,0,0,...` would take 128
 * MiB. The densest real review, a pod of env entries at the API server's
 * 1.5 MiB object limit, with its old object, has under 400,000. */
#define SG_JSON_MAX_NODES (512 * 1024)
/* Strings holding \u0000 whose paths one parse names (see findings);
 * there may be more, and the parse still refuses them. */
#define SG_JSON_NUL_NAMED 16

/* How sg_json_parse reads. Zeroes: keys given twice are kept (both),
 * integers are read rounded, and the first problem fails the parse. */
struct sg_json_options {
    bool unique_keys;    /* a key given twice in one object is refused */
    bool exact_integers; /* an integer beyond 2^53 (as written) is refused */
    /* When not NULL, what is wrong in a tree cJSON did read (a key given
     * twice, a string holding \u0000, a number beyond a double) does not
     * fail the parse: each is added to *findings as an `unreadable`
     * violation at its field path, and the tree is returned, so that a
     * review can answer its uid with a denial. Paths under the keys in
     * `within` (NULL-terminated, from the root; NULL for none) are named
     * from there: {"request", "object", NULL} names
     * request.object.spec.containers as the engine does, spec.containers. */
    struct sg_report *findings;
    const char *const *within;
};

/* Parses one JSON value at the start of text[0..len) (leading whitespace
 * allowed), with cJSON and through cJSON's hooks (cJSON_Delete frees the
 * tree), and refuses what the header's comment lists. Returns 0 with *out
 * set and *end the offset just after the value (the caller decides what
 * may follow it), or SG_ERR_INVALID (not JSON, or refused), SG_ERR_LIMIT
 * (nested deeper than SG_JSON_MAX_DEPTH, or more than SG_JSON_MAX_NODES
 * values and keys) or SG_ERR_NOMEM, with *out NULL,
 * *end the offset of the error and *why (may be NULL) a static phrase
 * saying what is wrong there. `opt` may be NULL. */
int sg_json_parse(const char *text, size_t len, const struct sg_json_options *opt, cJSON **out,
                  size_t *end, const char **why);

#define SG_JSON_REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD in UTF-8: what Go reads for a bad byte */

/* Appends `s` as a JSON string literal, quoted and escaped. Bytes that are
 * not UTF-8 are written as U+FFFD, one for each, as Go's encoder writes
 * them, so the output is valid UTF-8 whatever `s` holds. */
void sg_json_write_string(struct sg_buf *b, const char *s);

/* "an object", "a string", ... for messages. */
const char *sg_json_type_name(const cJSON *item);

#endif
