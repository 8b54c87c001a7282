/* mutate.h - the JSON Patch that puts the policy's defaults into a pod spec:
 * a pod-level seccompProfile where some container would run with none, and
 * the default capability drop list for containers that drop nothing, and
 * the capabilities the policy requires dropped (appended to a drop list a
 * container has). Every operation is an RFC 6902 "add" that creates
 * missing parents, never replaces a value the user set, and applies to the object it was planned
 * from. A patch can be applied here too (the `check` command does, to
 * judge the object as the cluster will see it). */
#ifndef SG_MUTATE_H
#define SG_MUTATE_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "buf.h"
#include "error.h"
#include "pod.h"
#include "policy.h"

#define SG_POINTER_MAX 256

struct sg_patch_op {
    char path[SG_POINTER_MAX]; /* a JSON Pointer (RFC 6901) */
    cJSON *value;              /* owned by the patch */
};

struct sg_patch {
    struct sg_patch_op *ops;
    size_t n;
    bool seccomp;          /* the pod-level profile was injected */
    size_t drop_count;     /* containers that got a drop list (default and required) */
    size_t required_count; /* containers whose drop list got required names appended */
};

void sg_patch_init(struct sg_patch *p);
void sg_patch_release(struct sg_patch *p);

/* Plans the patch for `pod` under `eff`. Nothing is planned for Windows
 * pods (the API server refuses seccomp and capabilities there). Returns 0,
 * or SG_ERR_NOMEM. */
int sg_mutate_plan(const struct sg_pod *pod, const struct sg_effective *eff, struct sg_patch *out);

/* Appends the patch as a JSON array of operations to `b`. */
void sg_patch_write(const struct sg_patch *p, struct sg_buf *b);

/* One line saying what was injected, for the audit annotation and the log
 * ("seccompProfile=RuntimeDefault; capabilities.drop=[ALL] on 2 containers").
 * Appends to `b`; nothing when the patch is empty. */
void sg_patch_describe(const struct sg_patch *p, const struct sg_effective *eff, struct sg_buf *b);

/* Applies RFC 6902 "add" operations to `doc` in place. Fails with
 * SG_ERR_INVALID naming the operation whose target does not exist. */
int sg_patch_apply(cJSON *doc, const struct sg_patch *p, struct sg_error *err);

/* Appends `token` to a JSON Pointer with RFC 6901 escaping ('~' -> "~0",
 * '/' -> "~1"). */
void sg_pointer_append(char *pointer, size_t cap, const char *token);

#endif
