/* review.c - see review.h. Reads the AdmissionReview envelope, hands the
 * request to the engine and writes the response.
 *
 * The line between an error (HTTP 400) and a denial: without apiVersion,
 * kind, request and request.uid there is nobody to answer, so the body is
 * refused; once the uid is known, anything else that cannot be read is a
 * denial naming the field, so the API server always gets a verdict that
 * fails closed. */
#include "review.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "engine.h"
#include "field.h"
#include "json.h"
#include "pod.h"

#define MAX_GROUPS        1024 /* userInfo.groups read; more is denied, not guessed */
#define MAX_WARNINGS      20   /* warnings in one response; then a count */
#define MAX_RESPONSE      (1024 * 1024)
#define AUDIT_VALUE_MAX   4096 /* bytes in one audit annotation value */
#define MESSAGE_MAX_BYTES (64 * 1024)
/* First allocations, so that a common response is not grown five times:
 * a pod allowed with a few warnings answers in about 600 bytes; an audit
 * entry ("warn: seccomp-unset spec.containers[0]") takes about 40. */
#define RESPONSE_HINT   1024
#define AUDIT_ITEM_HINT 64

struct sg_decision {
    char *response;
    size_t response_len;
    enum sg_verdict verdict;
    bool patched;
    /* Copies of the request facts: the parsed body is gone by the time
     * the server writes its log line. */
    char *uid, *kind, *namespace, *name, *operation, *user;
    char *injected;
    uint32_t hits; /* bit h: hit h of rule.h */
};

_Static_assert(SG_HIT_COUNT <= 32, "a decision's hits are the bits of a uint32_t");

void sg_decision_free(struct sg_decision *d)
{
    if (d == NULL)
        return;
    free(d->response);
    free(d->uid);
    free(d->kind);
    free(d->namespace);
    free(d->name);
    free(d->operation);
    free(d->user);
    free(d->injected);
    free(d);
}

const char *sg_decision_response(const struct sg_decision *d, size_t *len)
{
    if (len != NULL)
        *len = d->response_len;
    return d->response;
}

enum sg_verdict sg_decision_verdict(const struct sg_decision *d)
{
    return d->verdict;
}

bool sg_decision_patched(const struct sg_decision *d)
{
    return d->patched;
}

const char *sg_decision_injected(const struct sg_decision *d)
{
    return d->injected != NULL ? d->injected : "";
}

const char *sg_decision_uid(const struct sg_decision *d)
{
    return d->uid;
}

const char *sg_decision_kind(const struct sg_decision *d)
{
    return d->kind;
}

const char *sg_decision_namespace(const struct sg_decision *d)
{
    return d->namespace;
}

const char *sg_decision_name(const struct sg_decision *d)
{
    return d->name;
}

const char *sg_decision_operation(const struct sg_decision *d)
{
    return d->operation;
}

const char *sg_decision_user(const struct sg_decision *d)
{
    return d->user;
}

uint32_t sg_decision_hits(const struct sg_decision *d)
{
    return d->hits;
}

/* ---- reading the envelope --------------------------------------------- */

struct envelope {
    const char *api_version;
    const char *uid;
    const char *group, *kind, *subresource, *operation;
    const char *namespace, *name, *username;
    const char **groups; /* MAX_GROUPS slots, the first n_groups set */
    size_t n_groups;
    const cJSON *object, *old_object;
    struct sg_report problems; /* fields after the uid that cannot be read */
};

static const char *string_or_empty(const cJSON *item)
{
    return item != NULL ? item->valuestring : "";
}

/* Reads request.<key> as a string; a wrong type becomes a problem. */
static const char *request_string(const cJSON *request, const char *key, struct sg_path *path,
                                  struct sg_report *problems)
{
    const cJSON *item = NULL;

    sg_field_member(request, key, SG_FIELD_STRING, path, problems, &item);
    return string_or_empty(item);
}

/* request.userInfo: the username and the groups, for exemptions and
 * overrides. */
static void read_user(const cJSON *request, struct sg_path *path, struct envelope *env)
{
    const cJSON *user = NULL, *groups = NULL, *item;
    size_t mark, gmark, index = 0;

    if (sg_field_member(request, "userInfo", SG_FIELD_OBJECT, path, &env->problems, &user) !=
        SG_FIELD_OK)
        return;
    mark = sg_path_key(path, "userInfo");
    env->username = request_string(user, "username", path, &env->problems);
    if (sg_field_member(user, "groups", SG_FIELD_ARRAY, path, &env->problems, &groups) !=
        SG_FIELD_OK) {
        sg_path_pop(path, mark);
        return;
    }
    gmark = sg_path_key(path, "groups");
    for (item = groups->child; item != NULL; item = item->next, index++) {
        size_t imark = sg_path_index(path, index);
        if (sg_field_check(item, SG_FIELD_STRING, path, &env->problems) == SG_FIELD_OK) {
            if (env->n_groups == MAX_GROUPS) {
                /* A group past the bound could be the one an override or
                 * exemption names: refuse to guess. */
                sg_report_add(&env->problems, SG_RULE_UNREADABLE, SG_ACTION_DENY, sg_path_str(path),
                              "too many groups", "the user has more than %d groups", MAX_GROUPS);
                sg_path_pop(path, imark);
                break;
            }
            env->groups[env->n_groups++] = item->valuestring;
        }
        sg_path_pop(path, imark);
    }
    sg_path_pop(path, gmark);
    sg_path_pop(path, mark);
}

static int read_envelope(const cJSON *root, struct envelope *env, struct sg_error *err)
{
    const cJSON *api = NULL, *kind = NULL, *request = NULL, *uid = NULL, *gvk = NULL;
    struct sg_report scratch;
    struct sg_path path;
    enum sg_field_got got;

    sg_report_init(&scratch);
    sg_path_init(&path, NULL);
    if (!cJSON_IsObject(root))
        return sg_error_set(err, SG_ERR_INVALID, "the body is %s, not an AdmissionReview object",
                            sg_json_type_name(root));
    sg_field_member(root, "apiVersion", SG_FIELD_STRING, &path, &scratch, &api);
    sg_field_member(root, "kind", SG_FIELD_STRING, &path, &scratch, &kind);
    got = sg_field_member(root, "request", SG_FIELD_OBJECT, &path, &scratch, &request);
    sg_report_release(&scratch);
    if (api == NULL || (strcmp(api->valuestring, "admission.k8s.io/v1") != 0 &&
                        strcmp(api->valuestring, "admission.k8s.io/v1beta1") != 0))
        return sg_error_set(err, SG_ERR_INVALID,
                            "apiVersion must be admission.k8s.io/v1 or admission.k8s.io/v1beta1");
    if (kind == NULL || strcmp(kind->valuestring, "AdmissionReview") != 0)
        return sg_error_set(err, SG_ERR_INVALID, "kind must be AdmissionReview");
    if (got != SG_FIELD_OK)
        return sg_error_set(err, SG_ERR_INVALID, "request is missing or not an object");
    env->api_version = api->valuestring;

    sg_path_init(&path, "request");
    got = sg_field_member(request, "uid", SG_FIELD_STRING, &path, &scratch, &uid);
    sg_report_release(&scratch);
    if (got != SG_FIELD_OK || uid->valuestring[0] == '\0')
        return sg_error_set(err, SG_ERR_INVALID, "request.uid is missing or not a string");
    env->uid = uid->valuestring;

    /* From here on there is a uid to answer: problems are denials. */
    if (sg_field_member(request, "kind", SG_FIELD_OBJECT, &path, &env->problems, &gvk) ==
        SG_FIELD_OK) {
        size_t mark = sg_path_key(&path, "kind");
        env->group = request_string(gvk, "group", &path, &env->problems);
        env->kind = request_string(gvk, "kind", &path, &env->problems);
        sg_path_pop(&path, mark);
    }
    if (env->kind == NULL || env->kind[0] == '\0') {
        env->group = env->kind = "";
        sg_report_add(&env->problems, SG_RULE_UNREADABLE, SG_ACTION_DENY, "request.kind",
                      "the request does not say its kind",
                      "is missing: seccomp-guard cannot tell what kind of object this is");
    }
    env->subresource = request_string(request, "subResource", &path, &env->problems);
    env->operation = request_string(request, "operation", &path, &env->problems);
    env->namespace = request_string(request, "namespace", &path, &env->problems);
    env->name = request_string(request, "name", &path, &env->problems);
    read_user(request, &path, env);
    if (env->username == NULL)
        env->username = "";
    sg_field_member(request, "object", SG_FIELD_OBJECT, &path, &env->problems, &env->object);
    sg_field_member(request, "oldObject", SG_FIELD_OBJECT, &path, &env->problems, &env->old_object);
    return 0;
}

/* The object's own name when the request has none (CREATE with a name set
 * in metadata), for messages and the log. */
static const char *object_name(const struct envelope *env)
{
    const cJSON *meta, *name;

    if (env->name[0] != '\0' || env->object == NULL)
        return env->name;
    meta = cJSON_GetObjectItemCaseSensitive(env->object, "metadata");
    name = cJSON_GetObjectItemCaseSensitive(meta, "name");
    if (cJSON_IsString(name))
        return name->valuestring;
    name = cJSON_GetObjectItemCaseSensitive(meta, "generateName");
    if (cJSON_IsString(name))
        return name->valuestring;
    return "";
}

/* ---- writing the response --------------------------------------------- */

/* "Pod \"web\" violates the seccomp-guard policy: (1) ...; (2) ..." */
static void write_denial(struct sg_buf *b, const char *kind, const char *name,
                         const struct sg_report *report)
{
    struct sg_buf m;
    size_t count = 0;

    sg_buf_init(&m, MESSAGE_MAX_BYTES);
    if (name[0] != '\0')
        sg_buf_addf(&m, "%s \"%s\" ", kind, name);
    else
        sg_buf_addf(&m, "%s ", kind);
    if (sg_report_has(report, SG_RULE_UNREADABLE))
        sg_buf_adds(&m, "cannot be judged safely, so it is refused:");
    else
        sg_buf_adds(&m, "violates the seccomp-guard policy:");
    for (size_t i = 0; i < report->n; i++) {
        if (report->items[i].action != SG_ACTION_DENY)
            continue;
        sg_buf_addf(&m, "%s (%zu) %s", count ? ";" : "", count + 1, report->items[i].message);
        count++;
    }
    if (report->dropped > 0)
        sg_buf_addf(&m, "; and %zu more problems", report->dropped);
    if (report->nomem)
        sg_buf_adds(&m, "; (out of memory while listing problems)");
    if (sg_buf_failed(&m)) {
        /* Too long to list: the first ones are still there, cut. */
        m.failed = false;
        sg_buf_adds(&m, " ... (message cut)");
    }
    sg_json_write_string(b, sg_buf_str(&m));
    sg_buf_release(&m);
}

static void write_warnings(struct sg_buf *b, const struct sg_report *report)
{
    size_t count = 0, more = 0;

    for (size_t i = 0; i < report->n; i++) {
        if (report->items[i].action != SG_ACTION_WARN)
            continue;
        if (count == MAX_WARNINGS) {
            more++;
            continue;
        }
        sg_buf_adds(b, count ? "," : ",\"warnings\":[");
        sg_json_write_string(b, report->items[i].brief);
        count++;
    }
    if (more > 0)
        sg_buf_addf(b, ",\"seccomp-guard: %zu more warnings\"", more);
    if (count > 0)
        sg_buf_addc(b, ']');
}

static void write_audit(struct sg_buf *b, const struct sg_report *report,
                        enum sg_exemption exemption, const char *injected)
{
    struct sg_buf v;
    bool any = false;

    sg_buf_init(&v, AUDIT_VALUE_MAX);
    if (report->n > 0)
        sg_buf_hint(&v, report->n * AUDIT_ITEM_HINT);
    for (size_t i = 0; i < report->n; i++) {
        const struct sg_violation *x = &report->items[i];
        if (i > 0)
            sg_buf_adds(&v, "; ");
        sg_buf_adds(&v, sg_action_name(x->action));
        sg_buf_adds(&v, ": ");
        sg_buf_adds(&v, sg_rule_id(x->rule));
        sg_buf_addc(&v, ' ');
        sg_buf_adds(&v, x->path);
    }
    if (sg_buf_failed(&v)) {
        v.failed = false;
        sg_buf_adds(&v, " ...");
    }
    if (v.len > 0 || exemption != SG_EXEMPT_NONE || injected[0] != '\0') {
        sg_buf_adds(b, ",\"auditAnnotations\":{");
        if (v.len > 0) {
            sg_buf_adds(b, "\"violations\":");
            sg_json_write_string(b, sg_buf_str(&v));
            any = true;
        }
        if (exemption != SG_EXEMPT_NONE) {
            sg_buf_addf(b, "%s\"exempt\":", any ? "," : "");
            sg_json_write_string(b, sg_exemption_name(exemption));
            any = true;
        }
        if (injected[0] != '\0') {
            sg_buf_addf(b, "%s\"injected\":", any ? "," : "");
            sg_json_write_string(b, injected);
        }
        sg_buf_addc(b, '}');
    }
    sg_buf_release(&v);
}

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void write_base64(struct sg_buf *b, const char *data, size_t len)
{
    char quad[4];

    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)(unsigned char)data[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)(unsigned char)data[i + 1] << 8;
        if (i + 2 < len)
            v |= (unsigned)(unsigned char)data[i + 2];
        quad[0] = b64_alphabet[(v >> 18) & 63];
        quad[1] = b64_alphabet[(v >> 12) & 63];
        quad[2] = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
        quad[3] = i + 2 < len ? b64_alphabet[v & 63] : '=';
        sg_buf_add(b, quad, 4);
    }
}

static int build_response(const struct envelope *env, const struct sg_outcome *oc,
                          const struct sg_report *report, struct sg_decision *d)
{
    struct sg_buf b, patch, injected;
    int rc = 0;

    sg_buf_init(&b, MAX_RESPONSE);
    sg_buf_hint(&b, RESPONSE_HINT);
    sg_buf_init(&patch, MAX_RESPONSE / 2);
    sg_buf_init(&injected, AUDIT_VALUE_MAX);
    if (oc->mutation.patch.n > 0) {
        sg_patch_write(&oc->mutation.patch, &patch);
        sg_mutate_describe(&oc->mutation, &oc->eff, &injected);
    }
    sg_buf_adds(&b, "{\"apiVersion\":");
    sg_json_write_string(&b, env->api_version);
    sg_buf_adds(&b, ",\"kind\":\"AdmissionReview\",\"response\":{\"uid\":");
    sg_json_write_string(&b, env->uid);
    if (d->verdict == SG_VERDICT_DENY) {
        sg_buf_adds(&b, ",\"allowed\":false,\"status\":{\"code\":403,\"reason\":\"Forbidden\","
                        "\"message\":");
        write_denial(&b, env->kind[0] ? env->kind : "object", d->name, report);
        sg_buf_addc(&b, '}');
    } else {
        sg_buf_adds(&b, ",\"allowed\":true");
    }
    write_warnings(&b, report);
    write_audit(&b, report, oc->exemption, sg_buf_str(&injected));
    if (patch.len > 0 && d->verdict != SG_VERDICT_DENY) {
        sg_buf_adds(&b, ",\"patchType\":\"JSONPatch\",\"patch\":\"");
        write_base64(&b, patch.data, patch.len);
        sg_buf_addc(&b, '"');
        d->patched = true;
    }
    sg_buf_adds(&b, "}}");
    if (sg_buf_failed(&b) || sg_buf_failed(&patch) || sg_buf_failed(&injected)) {
        rc = SG_ERR_NOMEM;
        goto out;
    }
    d->response_len = b.len;
    d->response = sg_buf_steal(&b);
    if (d->patched)
        d->injected = sg_buf_steal(&injected);
out:
    sg_buf_release(&b);
    sg_buf_release(&patch);
    sg_buf_release(&injected);
    return rc;
}

static uint32_t hits_of(const struct sg_outcome *oc)
{
    uint32_t hits = 0;

    for (unsigned r = 0; r < SG_RULE_COUNT; r++) {
        if (sg_report_has(&oc->report, (enum sg_rule)r))
            hits |= 1u << r;
    }
    if (oc->mutation.seccomp)
        hits |= 1u << SG_HIT_INJECT_SECCOMP;
    /* A new drop list and names appended to the user's own are both an
     * injected drop: each is a patch, and the metrics count patches. */
    if (oc->mutation.drop_count > 0 || oc->mutation.required_count > 0)
        hits |= 1u << SG_HIT_INJECT_DROP;
    return hits;
}

/* What the parse finds in a body cJSON read (a key given twice, a string
 * holding \u0000, a number past a double) denies the request, with the
 * field's path as the engine names it: spec..., not request.object.spec... */
static const char *const object_within[] = {"request", "object", NULL};

/* The fields that say what the body is and whom to answer: a finding in
 * one of them leaves nobody to answer, so the body is refused. */
static const char *const identity_paths[] = {"apiVersion", "kind", "request", "request.uid"};

static int refuse_unreadable_identity(const struct sg_report *findings, struct sg_error *err)
{
    for (size_t i = 0; i < findings->n; i++) {
        for (size_t k = 0; k < sizeof(identity_paths) / sizeof(identity_paths[0]); k++) {
            if (strcmp(findings->items[i].path, identity_paths[k]) == 0)
                return sg_error_set(err, SG_ERR_INVALID, "the body cannot be read exactly: %s",
                                    findings->items[i].message);
        }
    }
    return 0;
}

static char *dup_or_empty(const char *s)
{
    return strdup(s != NULL ? s : "");
}

/* Step 1: the body as JSON, whole and alone. Reading problems inside it
 * (a key given twice, \u0000) go to env->problems; what leaves no
 * AdmissionReview to answer is an error. */
static int parse_body(const char *body, size_t len, struct envelope *env, cJSON **root,
                      struct sg_error *err)
{
    struct sg_json_options json = {
        .unique_keys = true, .findings = &env->problems, .within = object_within};
    const char *why = NULL;
    size_t at = 0;
    int rc;

    if (len > SG_REVIEW_MAX_BYTES)
        return sg_error_set(err, SG_ERR_LIMIT, "the body has %zu bytes; at most %d are read", len,
                            SG_REVIEW_MAX_BYTES);
    rc = sg_json_parse(body, len, &json, root, &at, &why);
    if (rc == SG_ERR_NOMEM)
        return sg_error_set(err, rc, "out of memory");
    if (rc == SG_ERR_LIMIT)
        return sg_error_set(err, SG_ERR_INVALID,
                            "the body is too big to read: %s at byte %zu (a body may nest %d "
                            "deep and hold %d values and keys)",
                            why, at, SG_JSON_MAX_DEPTH, SG_JSON_MAX_NODES);
    if (rc < 0)
        return sg_error_set(err, SG_ERR_INVALID,
                            "the body is not valid JSON: %s at byte %zu of %zu", why, at, len);
    while (at < len &&
           (body[at] == ' ' || body[at] == '\t' || body[at] == '\n' || body[at] == '\r'))
        at++;
    if (at != len)
        return sg_error_set(err, SG_ERR_INVALID,
                            "the body has data after the JSON object (at byte %zu of %zu)", at,
                            len);
    return 0;
}

/* The decision and its copies of the request facts, before the response. */
static int new_decision(const struct envelope *env, enum sg_verdict verdict,
                        struct sg_decision **out)
{
    struct sg_decision *d = calloc(1, sizeof(*d));

    *out = NULL;
    if (d == NULL)
        return SG_ERR_NOMEM;
    d->verdict = verdict;
    d->uid = dup_or_empty(env->uid);
    d->kind = dup_or_empty(env->kind);
    d->namespace = dup_or_empty(env->namespace);
    d->name = dup_or_empty(object_name(env));
    d->operation = dup_or_empty(env->operation);
    d->user = dup_or_empty(env->username);
    if (!d->uid || !d->kind || !d->namespace || !d->name || !d->operation || !d->user) {
        sg_decision_free(d);
        return SG_ERR_NOMEM;
    }
    *out = d;
    return 0;
}

/* Step 3a: the envelope or the body could not be read exactly, so the
 * engine is not asked: the request is denied with what was found. An
 * unknown kind with an unreadable field is still unreadable, never "a
 * kind we do not judge". */
static int decide_unreadable(const struct envelope *env, struct sg_decision **out)
{
    const struct sg_outcome denied = {.verdict = SG_VERDICT_DENY};
    struct sg_decision *d = NULL;
    int rc;

    rc = new_decision(env, SG_VERDICT_DENY, &d);
    if (rc == 0)
        rc = build_response(env, &denied, &env->problems, d);
    if (rc == 0)
        d->hits = 1u << SG_RULE_UNREADABLE;
    if (rc == 0)
        *out = d;
    else
        sg_decision_free(d);
    return rc;
}

/* Step 3b: the engine's judgement of the request, as a response. */
static int decide(const struct sg_policy *policy, enum sg_mode mode, const struct envelope *env,
                  struct sg_decision **out)
{
    const struct sg_request req = {
        .op = sg_op_find(env->operation),
        .kind = sg_kind_find(env->group, env->kind),
        .subresource = env->subresource,
        .namespace = env->namespace,
        .username = env->username,
        .groups = env->groups,
        .n_groups = env->n_groups,
        .object = env->object,
        .old_object = env->old_object,
    };
    struct sg_outcome oc;
    struct sg_decision *d = NULL;
    int rc;

    rc = sg_engine_judge(policy, &req, mode, &oc);
    if (rc == 0)
        rc = new_decision(env, oc.verdict, &d);
    if (rc == 0)
        rc = build_response(env, &oc, &oc.report, d);
    if (rc == 0) {
        d->hits = hits_of(&oc);
        *out = d;
        d = NULL;
    }
    sg_decision_free(d);
    sg_outcome_release(&oc);
    return rc;
}

int sg_review(const struct sg_policy *policy, enum sg_mode mode, const char *body, size_t len,
              struct sg_decision **out, struct sg_error *err)
{
    struct envelope env;
    /* Outside env, so that zeroing env does not clear 8 KiB per request:
     * only the first n_groups slots are ever read. */
    const char *groups[MAX_GROUPS];
    cJSON *root = NULL;
    int rc;

    *out = NULL;
    memset(&env, 0, sizeof(env));
    env.groups = groups;
    sg_report_init(&env.problems);
    rc = parse_body(body, len, &env, &root, err);
    if (rc == 0)
        rc = read_envelope(root, &env, err);
    if (rc == 0)
        rc = refuse_unreadable_identity(&env.problems, err);
    if (rc < 0)
        goto out;
    if (env.problems.n > 0 || env.problems.nomem)
        rc = decide_unreadable(&env, out);
    else
        rc = decide(policy, mode, &env, out);
    if (rc < 0)
        rc = sg_error_set(err, rc, "out of memory");
out:
    sg_report_release(&env.problems);
    cJSON_Delete(root);
    return rc;
}
