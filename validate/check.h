/* check.h - one manifest object judged as the cluster judges its CREATE:
 * the mutating webhook's patch applied, then the validating webhook's
 * rules on the result, by the engine the server calls and in the order
 * the API server calls it. This is the `check` command's decision path
 * (review.h is the webhook's); the command only reads files and prints.
 * No I/O. */
#ifndef SG_CHECK_H
#define SG_CHECK_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "engine.h"
#include "error.h"
#include "policy.h"
#include "verdict.h"

/* Who asks, for exemptions and overrides, and the namespace an object that
 * names none is created in. Borrowed for the call. */
struct sg_check_subject {
    const char *namespace;
    const char *username;
    const char *const *groups;
    size_t n_groups;
};

struct sg_check {
    /* The object's kind, namespace (its own, else the subject's) and name
     * (metadata.name, else generateName): never NULL, "" when absent.
     * Borrowed from the object and the subject. */
    const char *kind, *namespace, *name;
    bool judged;               /* false: no pod template; allowed untouched */
    enum sg_verdict verdict;   /* SG_VERDICT_ALLOW when not judged */
    struct sg_outcome outcome; /* the validation, or the mutation's refusal
                                * of an object it cannot read */
    cJSON *mutated;            /* the object as the API server stores it (a copy with
                                * the patch applied); NULL when not judged or when
                                * mutation refused it. Owned. */
    char *injected;            /* what the patch injected, one line ("" for nothing);
                                * NULL when not judged or refused. Owned. */
};

/* Judges `object` as a CREATE under `policy`. Returns 0 with *out filled
 * (release with sg_check_release, also after an error), SG_ERR_NOMEM, or
 * SG_ERR_INTERNAL when the engine's own patch does not apply (a bug; err
 * says where). */
int sg_check_object(const struct sg_policy *policy, const cJSON *object,
                    const struct sg_check_subject *subject, struct sg_check *out,
                    struct sg_error *err);

void sg_check_release(struct sg_check *c);

#endif
