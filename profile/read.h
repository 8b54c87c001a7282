/* read.h - reading a cJSON tree the way Go's encoding/json decodes it into
 * the runtimes' structs, for the profile reader: each object is read
 * through a table of its fields; null is absent; a key matching a field
 * only in Go's case-insensitive way, or a value of the wrong type, is a
 * finding at its path; unknown keys are warned about. Internal to
 * profile/: the state is the reader's, not an API. */
#ifndef SG_READ_H
#define SG_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "error.h"
#include "finding.h"
#include "path.h"

struct sg_seccomp_profile;

struct sg_read {
    struct sg_seccomp_profile *p;
    struct sg_findings *f;
    struct sg_error *err;
    struct sg_path path;
    int rc; /* set (SG_ERR_LIMIT, SG_ERR_NOMEM) to stop reading */
};

enum sg_read_type { SG_READ_STRING, SG_READ_UINT, SG_READ_LIST, SG_READ_OBJECT };

struct sg_read_field {
    const char *key;
    enum sg_read_type type;
    void (*read)(struct sg_read *r, const cJSON *v, void *target); /* NULL: documentation */
};

/* A finding about the value at the current path. */
#define SG_READ_FIND(r, sev, fatal, code, ...)                                                     \
    sg_findings_add((r)->f, sev, fatal, code, sg_path_str(&(r)->path), __VA_ARGS__)

/* Reads the members of `obj` through `fields`, calling each field's read
 * with `target` and the field on the path. */
void sg_read_object(struct sg_read *r, const cJSON *obj, const struct sg_read_field *fields,
                    size_t n, void *target);

/* Calls `item` on each entry of `list` of the given type, with "[i]" on the
 * path. More than `max` entries stops the reading with SG_ERR_LIMIT; a null
 * or wrongly typed entry is a fatal finding (Go decodes null into a zero
 * value, which runc refuses in every list of the format). */
void sg_read_list(struct sg_read *r, const cJSON *list, size_t max, enum sg_read_type type,
                  void (*item)(struct sg_read *r, const cJSON *v, size_t i, void *target),
                  void *target);

/* A whole number as Go decodes it into uint64. False, with a fatal
 * finding, for what Go refuses or a double cannot hold exactly. */
bool sg_read_uint(struct sg_read *r, const cJSON *v, uint64_t *out);

/* An errnoRet: sg_read_uint, then what the kernel makes of it (the low 16
 * bits, capped at 4095), with a finding for 0 and for over 4095. */
bool sg_read_errno(struct sg_read *r, const cJSON *v, unsigned *out);

/* Allocates an array of n (>= 0) zeroed items of `size` for a list, or
 * stops the reading (limit, memory). */
void *sg_read_alloc(struct sg_read *r, const cJSON *list, size_t max, size_t size);

/* Go's case-insensitive key match (bytes.EqualFold); `field` is ASCII. */
bool sg_read_fold_equal(const char *key, const char *field);

/* A value quoted for a message: printable, cut at 80 bytes. */
void sg_read_quote(char *out, size_t cap, const char *s);

#endif
