/* engine.c - see engine.h. */
#include "engine.h"

#include <string.h>

#include "judge.h"

static const char *const op_names[] = {
    [SG_OP_CREATE] = "CREATE",
    [SG_OP_UPDATE] = "UPDATE",
    [SG_OP_DELETE] = "DELETE",
    [SG_OP_CONNECT] = "CONNECT",
};

enum sg_op sg_op_find(const char *name)
{
    for (int i = 0; i < SG_OP_UNKNOWN; i++) {
        if (strcmp(op_names[i], name) == 0)
            return (enum sg_op)i;
    }
    return SG_OP_UNKNOWN;
}

/* Pod subresources that carry no pod spec to judge (PSA's
 * ignoredPodSubresources). Every other one, ephemeralcontainers and resize
 * among them, is judged as an update of the pod. */
static const char *const ignored_pod_subresources[] = {
    "attach", "binding", "eviction", "exec", "log", "portforward", "proxy", "status",
};

static bool ignored_subresource(const struct sg_request *req)
{
    if (req->subresource == NULL || req->subresource[0] == '\0')
        return false;
    /* Workload subresources (scale, status) never change the template. */
    if (req->kind != SG_KIND_POD)
        return true;
    for (size_t i = 0; i < sizeof(ignored_pod_subresources) / sizeof(char *); i++) {
        if (strcmp(req->subresource, ignored_pod_subresources[i]) == 0)
            return true;
    }
    return false;
}

static void skip(struct sg_outcome *out, const char *reason)
{
    out->judged = false;
    out->skip_reason = reason;
    out->verdict = SG_VERDICT_ALLOW;
}

static enum sg_verdict verdict_of(const struct sg_report *report)
{
    switch (sg_report_strongest(report)) {
    case SG_ACTION_DENY:
        return SG_VERDICT_DENY;
    case SG_ACTION_WARN:
        return SG_VERDICT_WARN;
    case SG_ACTION_AUDIT: /* allowed silently; the rules still reach the log */
    case SG_ACTION_ALLOW:
        break;
    }
    return SG_VERDICT_ALLOW;
}

/* An UPDATE that changes nothing seccomp-guard judges (nor an image, nor
 * the number of containers) is allowed, as PSA allows it, so objects made
 * before a policy tightened can still be relabelled and scaled. */
static int update_is_significant(const struct sg_request *req, const struct sg_pod *pod,
                                 bool *significant)
{
    struct sg_report scratch;
    struct sg_pod old_pod;
    int rc;

    *significant = true;
    if (req->old_object == NULL)
        return 0;
    sg_report_init(&scratch);
    rc = sg_pod_read(req->old_object, req->kind, &old_pod, &scratch);
    if (rc == 0 && scratch.n == 0 && !scratch.nomem)
        *significant = sg_pod_security_changed(&old_pod, pod);
    sg_pod_release(&old_pod);
    sg_report_release(&scratch);
    return rc;
}

/* What is decided before the object is read: kinds, operations and
 * subresources that are not judged, and requests that cannot be. Returns
 * true when *out holds the outcome. */
static bool decided_before_reading(const struct sg_request *req, struct sg_outcome *out)
{
    if (req->kind == SG_KIND_OTHER) {
        skip(out, "kind not judged");
        return true;
    }
    if (req->op == SG_OP_DELETE || req->op == SG_OP_CONNECT) {
        skip(out, "operation not judged");
        return true;
    }
    if (ignored_subresource(req)) {
        skip(out, "subresource not judged");
        return true;
    }
    if (req->op == SG_OP_UNKNOWN) {
        sg_report_add(&out->report, SG_RULE_UNREADABLE, SG_ACTION_DENY, "request.operation",
                      "unknown operation",
                      "is not CREATE, UPDATE, DELETE or CONNECT; seccomp-guard cannot tell "
                      "what the request does");
        out->verdict = SG_VERDICT_DENY;
        return true;
    }
    if (req->object == NULL) {
        sg_report_add(&out->report, SG_RULE_UNREADABLE, SG_ACTION_DENY, "request.object",
                      "the request has no object",
                      "is missing: a %s %s carries the object to judge", sg_kind_name(req->kind),
                      req->op == SG_OP_CREATE ? "CREATE" : "UPDATE");
        out->verdict = SG_VERDICT_DENY;
        return true;
    }
    return false;
}

int sg_engine_judge(const struct sg_policy *policy, const struct sg_request *req, enum sg_mode mode,
                    struct sg_outcome *out)
{
    struct sg_pod pod;
    struct sg_subject subject;
    bool significant;
    int rc;

    memset(out, 0, sizeof(*out));
    sg_report_init(&out->report);
    sg_mutation_init(&out->mutation);
    memset(&pod, 0, sizeof(pod));
    out->judged = true;
    if (decided_before_reading(req, out))
        return 0;

    rc = sg_pod_read(req->object, req->kind, &pod, &out->report);
    if (rc < 0)
        goto out;
    subject = (struct sg_subject){
        .namespace = req->namespace,
        .username = req->username,
        .groups = req->groups,
        .n_groups = req->n_groups,
        .runtime_class = pod.runtime_class,
    };
    out->exemption = sg_policy_resolve(policy, &subject, &out->eff);
    if (out->exemption != SG_EXEMPT_NONE) {
        sg_report_release(&out->report);
        skip(out, "exempt");
        goto out;
    }
    if (sg_report_has(&out->report, SG_RULE_UNREADABLE) || out->report.nomem) {
        out->verdict = SG_VERDICT_DENY;
        goto out;
    }
    if (req->op == SG_OP_UPDATE) {
        rc = update_is_significant(req, &pod, &significant);
        if (rc < 0)
            goto out;
        if (!significant) {
            skip(out, "update changes nothing judged");
            goto out;
        }
    }
    if (mode == SG_MODE_MUTATE) {
        /* A pod's spec is immutable after creation, and the
         * ephemeralcontainers subresource takes no other change: patching
         * an UPDATE would only make the API server refuse it. */
        if (req->op == SG_OP_CREATE || req->kind != SG_KIND_POD)
            rc = sg_mutate_plan(&pod, &out->eff, &out->mutation);
        out->verdict = SG_VERDICT_ALLOW;
        goto out;
    }
    sg_judge_pod(&pod, &out->eff, &out->report);
    out->verdict = verdict_of(&out->report);
out:
    sg_pod_release(&pod);
    return rc;
}

void sg_outcome_release(struct sg_outcome *out)
{
    sg_report_release(&out->report);
    sg_mutation_release(&out->mutation);
}
