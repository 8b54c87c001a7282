/* patch.h - an RFC 6902 JSON Patch of "add" operations, as data: built an
 * operation at a time, written as the JSON array /mutate sends (base64'd
 * by review.c), and applied in place (the `check` command applies it to
 * judge the object as the cluster will see it). What goes into a patch is
 * mutate.h's business. */
#ifndef SG_PATCH_H
#define SG_PATCH_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "buf.h"
#include "error.h"

#define SG_POINTER_MAX 256

struct sg_patch_op {
    char path[SG_POINTER_MAX]; /* a JSON Pointer (RFC 6901) */
    cJSON *value;              /* owned by the patch */
};

struct sg_patch {
    struct sg_patch_op *ops;
    size_t n;
};

void sg_patch_init(struct sg_patch *p);
void sg_patch_release(struct sg_patch *p);

/* Adds {"op":"add","path":pointer,"value":value}; the patch owns value
 * from now on, even on failure. Returns 0 or SG_ERR_NOMEM (also for a
 * NULL value: the allocation that made it failed). */
int sg_patch_add(struct sg_patch *p, const char *pointer, cJSON *value);

/* Appends the patch as a JSON array of operations to `b`. */
void sg_patch_write(const struct sg_patch *p, struct sg_buf *b);

/* Applies the operations to `doc` in place. Fails with SG_ERR_INVALID
 * naming the operation whose target does not exist. */
int sg_patch_apply(cJSON *doc, const struct sg_patch *p, struct sg_error *err);

/* Appends `token` to a JSON Pointer with RFC 6901 escaping ('~' -> "~0",
 * '/' -> "~1"). */
void sg_patch_pointer_append(char *pointer, size_t cap, const char *token);

#endif
