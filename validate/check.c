/* check.c - see check.h. */
#include "check.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mutate.h"
#include "pod.h"

/* An API group longer than this is no group seccomp-guard judges. */
#define GROUP_MAX 253
/* What the patch injects, spelt out: a few names per container. */
#define INJECTED_MAX 4096

static const char *string_at(const cJSON *object, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(object, key);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *meta_string(const cJSON *object, const char *key)
{
    return string_at(cJSON_GetObjectItemCaseSensitive(object, "metadata"), key);
}

/* The kind as the engine knows it, from apiVersion's group ("apps/v1" ->
 * "apps", "v1" -> the core group "") and kind. */
static enum sg_kind kind_of(const cJSON *object, const char *kind)
{
    const char *api_version = string_at(object, "apiVersion");
    const char *slash = api_version != NULL ? strchr(api_version, '/') : NULL;
    char group[GROUP_MAX + 1];
    size_t n = slash != NULL ? (size_t)(slash - api_version) : 0;

    if (n > GROUP_MAX)
        return SG_KIND_OTHER;
    memcpy(group, api_version != NULL ? api_version : "", n);
    group[n] = '\0';
    return sg_kind_find(group, kind);
}

/* The patch /mutate would send, applied to a copy: the object the
 * validating webhook then sees. */
static int apply_mutation(const cJSON *object, const struct sg_outcome *mutated,
                          struct sg_check *out, struct sg_error *err)
{
    struct sg_buf injected;
    int rc;

    out->mutated = cJSON_Duplicate(object, true);
    if (out->mutated == NULL)
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    rc = sg_patch_apply(out->mutated, &mutated->mutation.patch, err);
    if (rc == SG_ERR_NOMEM)
        return rc;
    if (rc < 0) {
        sg_error_prefix(err, "the mutating webhook's patch does not apply (a bug)");
        if (err != NULL)
            err->code = SG_ERR_INTERNAL;
        return SG_ERR_INTERNAL;
    }
    sg_buf_init(&injected, INJECTED_MAX);
    sg_mutate_describe(&mutated->mutation, &mutated->eff, &injected);
    out->injected = sg_buf_steal(&injected);
    if (out->injected == NULL)
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    return 0;
}

int sg_check_object(const struct sg_policy *policy, const cJSON *object,
                    const struct sg_check_subject *subject, struct sg_check *out,
                    struct sg_error *err)
{
    struct sg_outcome mutated;
    struct sg_request req;
    bool have_mutated = false;
    int rc;

    memset(out, 0, sizeof(*out));
    sg_report_init(&out->outcome.report);
    out->kind = string_at(object, "kind") != NULL ? string_at(object, "kind") : "";
    out->namespace = meta_string(object, "namespace");
    if (out->namespace == NULL || out->namespace[0] == '\0')
        out->namespace = subject->namespace;
    out->name = meta_string(object, "name");
    if (out->name == NULL)
        out->name = meta_string(object, "generateName");
    if (out->name == NULL)
        out->name = "";
    out->verdict = SG_VERDICT_ALLOW;
    req = (struct sg_request){
        .op = SG_OP_CREATE,
        .kind = kind_of(object, out->kind),
        .namespace = out->namespace,
        .username = subject->username,
        .groups = subject->groups,
        .n_groups = subject->n_groups,
        .object = object,
    };
    if (req.kind == SG_KIND_OTHER)
        return 0;
    out->judged = true;

    rc = sg_engine_judge(policy, &req, SG_MODE_MUTATE, &mutated);
    have_mutated = true;
    if (rc < 0) {
        rc = sg_error_set(err, rc, "out of memory");
        goto out;
    }
    if (mutated.verdict == SG_VERDICT_DENY) {
        /* It cannot be read: mutation refuses it, as /mutate would, and
         * that refusal is the verdict. */
        out->outcome = mutated;
        have_mutated = false;
        out->verdict = SG_VERDICT_DENY;
        goto out;
    }
    rc = apply_mutation(object, &mutated, out, err);
    if (rc < 0)
        goto out;
    req.object = out->mutated;
    rc = sg_engine_judge(policy, &req, SG_MODE_VALIDATE, &out->outcome);
    if (rc < 0) {
        rc = sg_error_set(err, rc, "out of memory");
        goto out;
    }
    out->verdict = out->outcome.verdict;
out:
    if (have_mutated)
        sg_outcome_release(&mutated);
    return rc;
}

void sg_check_release(struct sg_check *c)
{
    if (c == NULL)
        return;
    sg_outcome_release(&c->outcome);
    cJSON_Delete(c->mutated);
    free(c->injected);
    memset(c, 0, sizeof(*c));
}
