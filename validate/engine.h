/* engine.h - decides one admission request that has already been read:
 * which operations, kinds and subresources are judged, exemptions, the
 * significant-update test, then the rules (validate) or the patch (mutate).
 * review.c feeds it from an AdmissionReview; the `check` command feeds it
 * from manifests. Either way the same request gives the same outcome. */
#ifndef SG_ENGINE_H
#define SG_ENGINE_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "mutate.h"
#include "pod.h"
#include "policy.h"
#include "report.h"
#include "verdict.h"

enum sg_op {
    SG_OP_CREATE,
    SG_OP_UPDATE,
    SG_OP_DELETE,
    SG_OP_CONNECT,
    SG_OP_UNKNOWN,
};

/* "CREATE" ... -> enum; SG_OP_UNKNOWN for anything else. */
enum sg_op sg_op_find(const char *name);

struct sg_request {
    enum sg_op op;
    enum sg_kind kind;       /* SG_KIND_OTHER: allowed untouched */
    const char *subresource; /* NULL or "" for the object itself */
    const char *namespace;
    const char *username;
    const char *const *groups;
    size_t n_groups;
    const cJSON *object;     /* the new object (CREATE, UPDATE) */
    const cJSON *old_object; /* the old one (UPDATE), or NULL */
};

struct sg_outcome {
    enum sg_verdict verdict;
    bool judged;                 /* false: allowed without judging */
    const char *skip_reason;     /* why not judged, when !judged */
    enum sg_exemption exemption; /* SG_EXEMPT_NONE unless exempt */
    struct sg_report report;     /* violations whose action is not allow */
    struct sg_mutation mutation; /* mutate mode only */
    struct sg_effective eff;     /* the rules that were in force */
};

/* Decides `req` under `policy`. Returns 0 with *out filled (release with
 * sg_outcome_release), or SG_ERR_NOMEM. In mutate mode the outcome is
 * allow (with a patch, or none) unless the object cannot be read, which is
 * deny in both modes. */
int sg_engine_judge(const struct sg_policy *policy, const struct sg_request *req, enum sg_mode mode,
                    struct sg_outcome *out);
void sg_outcome_release(struct sg_outcome *out);

#endif
