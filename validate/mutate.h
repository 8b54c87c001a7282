/* mutate.h - plans the JSON Patch (patch.h) that puts the policy's
 * defaults into a pod spec: a pod-level seccompProfile where some container
 * would run with none, the default capability drop list for containers
 * that drop nothing, and the capabilities the policy requires dropped
 * (appended to a drop list a container has). Every operation is an "add"
 * that creates missing parents, never replaces a value the user set, and
 * applies to the object it was planned from. */
#ifndef SG_MUTATE_H
#define SG_MUTATE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "error.h"
#include "patch.h"
#include "pod.h"
#include "policy.h"

/* A planned mutation: the patch, and what it injects, for the audit
 * annotation, the log and the metrics. */
struct sg_mutation {
    struct sg_patch patch;
    bool seccomp;          /* the pod-level profile was injected */
    size_t drop_count;     /* containers that got a drop list (default and required) */
    size_t required_count; /* containers whose drop list got required names appended */
};

void sg_mutation_init(struct sg_mutation *m);
void sg_mutation_release(struct sg_mutation *m);

/* Plans the patch for `pod` under `eff`. Nothing is planned for Windows
 * pods (the API server refuses seccomp and capabilities there). Returns 0,
 * or SG_ERR_NOMEM. */
int sg_mutate_plan(const struct sg_pod *pod, const struct sg_effective *eff,
                   struct sg_mutation *out);

/* One line saying what was injected, for the audit annotation and the log
 * ("seccompProfile=RuntimeDefault; capabilities.drop=[ALL] on 2 containers").
 * Appends to `b`; nothing when the patch is empty. */
void sg_mutate_describe(const struct sg_mutation *m, const struct sg_effective *eff,
                        struct sg_buf *b);

#endif
