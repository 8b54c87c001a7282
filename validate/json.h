/* json.h - reading a cJSON tree the way the API server's decoder reads an
 * object: JSON null is the same as an absent field, a field of the wrong
 * type is an error, and so is a key given twice (cJSON keeps both; Go would
 * keep the last, so the two readers could disagree). Every error is added
 * to a report as an `unreadable` violation with the field's path, so the
 * object is denied, never read differently from how the cluster reads it.
 *
 * Paths are the dotted form users know: spec.containers[0].securityContext. */
#ifndef SG_JSON_H
#define SG_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "error.h"
#include "report.h"

#define SG_PATH_MAX   512 /* bytes of a path's text */
#define SG_PATH_DEPTH 32  /* steps; the engine's own walks go at most 10 deep */

/* A field path as the steps taken to reach it. Walking a tree only records
 * steps; the text is spelled out by sg_path_str, when a report needs it,
 * which is rarely. Keys are borrowed: each must stay valid until its step
 * is popped or the path is initialised again. */
enum sg_path_kind {
    SG_PATH_KEY,     /* ".key", or "key" at the start */
    SG_PATH_INDEX,   /* "[i]" */
    SG_PATH_MAP_KEY, /* "[key]" */
};

struct sg_path {
    struct sg_path_step {
        const char *key;
        size_t index;
        enum sg_path_kind kind;
    } steps[SG_PATH_DEPTH];
    size_t n;              /* steps taken, even past SG_PATH_DEPTH */
    char buf[SG_PATH_MAX]; /* sg_path_str's text */
};

/* Starts a path at `start` (one step, as sg_path_key), or empty. */
void sg_path_init(struct sg_path *p, const char *start);

static inline size_t sg_path_step(struct sg_path *p, enum sg_path_kind kind, const char *key,
                                  size_t index)
{
    size_t before = p->n;

    /* The depth is bounded by the code that walks, not by the input. */
    if (p->n < SG_PATH_DEPTH)
        p->steps[p->n] = (struct sg_path_step){.key = key, .index = index, .kind = kind};
    p->n++;
    return before;
}

/* Appends a step; returns the mark to hand to sg_path_pop to undo it. */
static inline size_t sg_path_key(struct sg_path *p, const char *key)
{
    return sg_path_step(p, SG_PATH_KEY, key, 0);
}

static inline size_t sg_path_index(struct sg_path *p, size_t i)
{
    return sg_path_step(p, SG_PATH_INDEX, NULL, i);
}

static inline size_t sg_path_map_key(struct sg_path *p, const char *key)
{
    return sg_path_step(p, SG_PATH_MAP_KEY, key, 0);
}

static inline void sg_path_pop(struct sg_path *p, size_t mark)
{
    if (mark <= p->n)
        p->n = mark;
}

/* The path's text ("spec.containers[0].securityContext"), written into
 * p->buf: valid until the next sg_path_str. A text that would not fit in
 * SG_PATH_MAX is cut, with "..." where a piece was left out. */
const char *sg_path_str(struct sg_path *p);

enum sg_json_type {
    SG_JSON_OBJECT,
    SG_JSON_ARRAY,
    SG_JSON_STRING,
    SG_JSON_BOOL,
};

enum sg_json_got {
    SG_GOT_ABSENT, /* missing or null */
    SG_GOT_OK,     /* present with the right type: *out is set */
    SG_GOT_BAD,    /* wrong type or duplicate key: reported as unreadable */
};

/* Looks up `key` in `obj` (an object) and checks its type. On SG_GOT_BAD
 * an unreadable violation is added to `report` at path + key. */
enum sg_json_got sg_json_member(const cJSON *obj, const char *key, enum sg_json_type type,
                                struct sg_path *path, struct sg_report *report, const cJSON **out);

/* Checks a value's type (for array items); reports like sg_json_member. A
 * null item is SG_GOT_BAD: a list entry cannot be absent. */
enum sg_json_got sg_json_check(const cJSON *item, enum sg_json_type type, struct sg_path *path,
                               struct sg_report *report);

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
