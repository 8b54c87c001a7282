/* test_review.c - AdmissionReview in, response out: every rule on every
 * container list and template kind, inheritance, Windows, operations and
 * subresources, updates, unreadable input, exemptions and mutation.
 *
 * JSON is written with single quotes here for readability; q() turns them
 * into double quotes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "json.h"
#include "known.h"
#include "mutate.h"
#include "policy.h"
#include "review.h"

static const char restricted_yaml[] =
    "rules: {seccomp-unset: deny, capabilities-drop-all: deny, privilege-escalation: deny}\n"
    "capabilities: {allowedAdd: [NET_BIND_SERVICE]}\n"
    "seccomp: {defaultProfile: {type: None}}\n";

static char *q(const char *s)
{
    char *c = strdup(s);
    for (char *p = c; *p; p++) {
        if (*p == '\'')
            *p = '"';
    }
    return c;
}

/* The policies here give only what a test is about. What they leave out
 * is what an empty policy meant before a policy had to name its base: the
 * default level asking nothing beyond baseline and dropping nothing. Those
 * keys are merged into the test's flow mappings (or added), then the base. */
static void merge(char *text, size_t cap, const char *yaml, const char *key, const char *const *add,
                  size_t n_add)
{
    const char *at = strstr(yaml, key);
    char entries[512] = "";

    for (size_t i = 0; i < n_add; i++) {
        char id[64];
        snprintf(id, sizeof(id), "%.*s", (int)(strchr(add[i], ':') - add[i]), add[i]);
        if (strstr(yaml, id) == NULL)
            snprintf(entries + strlen(entries), sizeof(entries) - strlen(entries), "%s, ", add[i]);
    }
    if (at == NULL) {
        snprintf(text, cap, "%.*s {%.*s}\n%s", (int)(strlen(key) - 2), key,
                 (int)(strlen(entries) > 2 ? strlen(entries) - 2 : 0), entries, yaml);
        return;
    }
    at += strlen(key);
    snprintf(text, cap, "%.*s%s%s", (int)(at - yaml), yaml, entries, at);
}

static struct sg_policy *policy_of(const char *yaml)
{
    static const char *const rules[] = {"seccomp-unset: allow", "capabilities-drop-all: allow",
                                        "privilege-escalation: allow"};
    static const char *const caps[] = {"defaultDrop: []"};
    struct sg_policy *p = NULL;
    struct sg_error err;
    char a[4096], b[4096];

    merge(a, sizeof(a), yaml, "rules: {", rules, 3);
    merge(b, sizeof(b), a, "capabilities: {", caps, 1);
    snprintf(a, sizeof(a), "%sbase: default\n", b);
    if (sg_policy_parse("test", a, strlen(a), &p, &err) != 0)
        fail_msg("policy: %s\n%s", err.msg, a);
    return p;
}

/* An AdmissionReview for `object` (single-quoted JSON). */
static char *review(const char *api, const char *op, const char *group, const char *kind,
                    const char *sub, const char *object, const char *old)
{
    size_t n = strlen(object) + (old ? strlen(old) : 0) + 1024;
    char *body = malloc(n), *out;

    snprintf(body, n,
             "{'apiVersion':'admission.k8s.io/%s','kind':'AdmissionReview','request':{"
             "'uid':'u-1','kind':{'group':'%s','version':'v1','kind':'%s'},"
             "'resource':{'group':'%s','version':'v1','resource':'x'},'subResource':'%s',"
             "'name':'n','namespace':'prod','operation':'%s',"
             "'userInfo':{'username':'alice','groups':['dev','system:authenticated']},"
             "'object':%s,'oldObject':%s,'dryRun':false}}",
             api, group, kind, group, sub, op, object, old ? old : "null");
    out = q(body);
    free(body);
    return out;
}

struct result {
    int rc;
    char msg[SG_ERROR_MSG_MAX];
    cJSON *root;
    const cJSON *resp;
    char *bytes;
    bool patched;
    enum sg_verdict verdict;
    uint32_t hits;
};

static struct result run(const struct sg_policy *p, enum sg_mode mode, const char *body)
{
    struct result r = {0};
    struct sg_decision *d = NULL;
    struct sg_error err;
    size_t len;

    sg_error_clear(&err);
    r.rc = sg_review(p, mode, body, strlen(body), &d, &err);
    snprintf(r.msg, sizeof(r.msg), "%s", err.msg);
    if (r.rc != 0)
        return r;
    r.bytes = strdup(sg_decision_response(d, &len));
    assert_int_equal(strlen(r.bytes), len);
    r.patched = sg_decision_patched(d);
    r.verdict = sg_decision_verdict(d);
    r.hits = sg_decision_hits(d);
    r.root = cJSON_Parse(r.bytes);
    assert_non_null(r.root);
    r.resp = cJSON_GetObjectItem(r.root, "response");
    assert_non_null(r.resp);
    assert_string_equal(cJSON_GetObjectItem(r.resp, "uid")->valuestring, "u-1");
    sg_decision_free(d);
    return r;
}

static void done(struct result *r)
{
    cJSON_Delete(r->root);
    free(r->bytes);
}

static bool allowed(const struct result *r)
{
    return cJSON_IsTrue(cJSON_GetObjectItem(r->resp, "allowed"));
}

static const char *message(const struct result *r)
{
    const cJSON *status = cJSON_GetObjectItem(r->resp, "status");
    const cJSON *m = cJSON_GetObjectItem(status, "message");
    return cJSON_IsString(m) ? m->valuestring : "";
}

static void expect_in(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle) == NULL)
        fail_msg("'%s' not found in: %s", needle, haystack);
}

/* Judges a Pod CREATE under `policy_yaml` and checks allowed and, when
 * given, a piece of the denial message. */
static void pod_case(const char *policy_yaml, const char *pod, bool want_allowed,
                     const char *want_message)
{
    struct sg_policy *p = policy_of(policy_yaml);
    char *body = review("v1", "CREATE", "", "Pod", "", pod, NULL);
    struct result r = run(p, SG_MODE_VALIDATE, body);

    assert_int_equal(r.rc, 0);
    if (allowed(&r) != want_allowed)
        fail_msg("expected %s for %s: %s", want_allowed ? "allow" : "deny", pod, r.bytes);
    if (want_message != NULL)
        expect_in(message(&r), want_message);
    done(&r);
    free(body);
    sg_policy_free(p);
}

static void not_an_admission_review_is_an_error(void **state)
{
    struct sg_policy *p = policy_of("");
    const char *bodies[] = {
        "",
        "not json",
        "{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview','request':{'uid':'u'}} x",
        "[]",
        "{'apiVersion':'v1','kind':'AdmissionReview','request':{'uid':'u'}}",
        "{'apiVersion':'admission.k8s.io/v1','kind':'Pod','request':{'uid':'u'}}",
        "{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview'}",
        "{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview','request':{}}",
        "{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview','request':{'uid':''}}",
        "{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview','request':{'uid':7}}",
        "{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview','request':[]}",
        "{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview','request':{'uid':'u',",
        "{'apiVersion':'admission.k8s.io/v1','apiVersion':'admission.k8s.io/v1',"
        "'kind':'AdmissionReview','request':{'uid':'u'}}",
    };
    (void)state;

    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        char *b = q(bodies[i]);
        struct result r = run(p, SG_MODE_VALIDATE, b);
        if (r.rc != SG_ERR_INVALID)
            fail_msg("body %zu gave %d, want SG_ERR_INVALID", i, r.rc);
        assert_true(strlen(r.msg) > 0);
        free(b);
    }
    /* Over the size bound: refused before parsing. */
    size_t n = SG_REVIEW_MAX_BYTES + 1;
    char *big = malloc(n + 1);
    memset(big, ' ', n);
    big[n] = '\0';
    struct sg_decision *d = NULL;
    struct sg_error err;
    assert_int_equal(sg_review(p, SG_MODE_VALIDATE, big, n, &d, &err), SG_ERR_LIMIT);
    assert_null(d);
    free(big);
    sg_policy_free(p);
}

static const char unconfined_pod[] =
    "{'metadata':{'name':'web'},'spec':{'containers':[{'name':'app','image':'nginx',"
    "'securityContext':{'seccompProfile':{'type':'Unconfined'}}}]}}";

static void answers_in_the_version_asked(void **state)
{
    struct sg_policy *p = policy_of("");
    const char *versions[] = {"v1", "v1beta1"};
    (void)state;

    for (size_t i = 0; i < 2; i++) {
        char *body = review(versions[i], "CREATE", "", "Pod", "", unconfined_pod, NULL);
        struct result r = run(p, SG_MODE_VALIDATE, body);
        char want[64];
        snprintf(want, sizeof(want), "admission.k8s.io/%s", versions[i]);
        assert_string_equal(cJSON_GetObjectItem(r.root, "apiVersion")->valuestring, want);
        assert_string_equal(cJSON_GetObjectItem(r.root, "kind")->valuestring, "AdmissionReview");
        assert_false(allowed(&r));
        const cJSON *status = cJSON_GetObjectItem(r.resp, "status");
        assert_int_equal(cJSON_GetObjectItem(status, "code")->valueint, 403);
        expect_in(message(&r), "Pod \"n\" violates the seccomp-guard policy");
        expect_in(message(&r),
                  "spec.containers[0].securityContext.seccompProfile.type: is \"Unconfined\"");
        expect_in(message(&r), "[seccomp-unconfined]");
        done(&r);
        free(body);
    }
    sg_policy_free(p);
}

static void same_input_same_bytes(void **state)
{
    struct sg_policy *p = policy_of("rules: {capabilities-drop-all: warn}\n");
    char *body = review("v1", "CREATE", "", "Pod", "", unconfined_pod, NULL);
    struct result a = run(p, SG_MODE_VALIDATE, body);
    struct result b = run(p, SG_MODE_VALIDATE, body);
    (void)state;

    assert_string_equal(a.bytes, b.bytes);
    done(&a);
    done(&b);
    free(body);
    sg_policy_free(p);
}

static void seccomp_rules_on_every_list_and_annotation(void **state)
{
    (void)state;
    /* Explicit Unconfined anywhere is denied, with the field's path. */
    pod_case("",
             "{'spec':{'securityContext':{'seccompProfile':{'type':'Unconfined'}},"
             "'containers':[{'name':'a','securityContext':{'seccompProfile':"
             "{'type':'RuntimeDefault'}}}]}}",
             false, "spec.securityContext.seccompProfile.type");
    pod_case("",
             "{'spec':{'initContainers':[{'name':'i','securityContext':{'seccompProfile':"
             "{'type':'Unconfined'}}}],'containers':[{'name':'a'}]}}",
             false, "spec.initContainers[0].securityContext.seccompProfile.type");
    pod_case("",
             "{'spec':{'containers':[{'name':'a'}],'ephemeralContainers':[{'name':'d',"
             "'securityContext':{'seccompProfile':{'type':'Unconfined'}}}]}}",
             false, "spec.ephemeralContainers[0].securityContext.seccompProfile.type");
    pod_case("",
             "{'metadata':{'annotations':{'seccomp.security.alpha.kubernetes.io/pod':"
             "'unconfined'}},'spec':{'containers':[{'name':'a'}]}}",
             false, "metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]");
    /* An annotation for a container the pod does not have is ignored. */
    pod_case("",
             "{'metadata':{'annotations':{'container.seccomp.security.alpha.kubernetes.io/"
             "ghost':'unconfined'}},'spec':{'containers':[{'name':'a'}]}}",
             true, NULL);
    pod_case("",
             "{'metadata':{'annotations':{'seccomp.security.alpha.kubernetes.io/pod':"
             "'runtime/default'}},'spec':{'containers':[{'name':'a'}]}}",
             true, NULL);
    pod_case("",
             "{'metadata':{'annotations':{'seccomp.security.alpha.kubernetes.io/pod':"
             "'Unconfined'}},'spec':{'containers':[{'name':'a'}]}}",
             false, "[seccomp-invalid]");
    pod_case("",
             "{'spec':{'containers':[{'name':'a','securityContext':{'seccompProfile':"
             "{'type':'runtimedefault'}}}]}}",
             false, "not a seccomp profile type");
    /* Localhost: path checks and the allow-list. */
    pod_case("",
             "{'spec':{'securityContext':{'seccompProfile':{'type':'Localhost',"
             "'localhostProfile':'/path/to/seccomp/profile.json'}},'containers':[{'name':'a'}]}}",
             false, "is an absolute path");
    pod_case("",
             "{'spec':{'securityContext':{'seccompProfile':{'type':'Localhost',"
             "'localhostProfile':'profiles/../../etc/x'}},'containers':[{'name':'a'}]}}",
             false, "contains a '..' segment");
    pod_case("",
             "{'spec':{'securityContext':{'seccompProfile':{'type':'Localhost'}},"
             "'containers':[{'name':'a'}]}}",
             false, "type Localhost needs localhostProfile");
    pod_case("seccomp: {allowedLocalhostProfiles: ['profiles/*']}\n",
             "{'spec':{'securityContext':{'seccompProfile':{'type':'Localhost',"
             "'localhostProfile':'profiles/audit.json'}},'containers':[{'name':'a'}]}}",
             true, NULL);
    pod_case("seccomp: {allowedLocalhostProfiles: ['profiles/*']}\n",
             "{'metadata':{'annotations':{'container.seccomp.security.alpha.kubernetes.io/a':"
             "'localhost/other.json'}},'spec':{'containers':[{'name':'a'}]}}",
             false, "[seccomp-localhost]");
    pod_case("",
             "{'spec':{'containers':[{'name':'a','securityContext':{'seccompProfile':"
             "{'type':'RuntimeDefault','localhostProfile':'x.json'}}}]}}",
             false, "only with type Localhost");
}

static void inheritance_under_restricted(void **state)
{
    const char *ok_sc = "'allowPrivilegeEscalation':false,'capabilities':{'drop':['ALL']}";
    char pod[1024];
    (void)state;

    /* The pod's profile covers containers that set none. */
    snprintf(pod, sizeof(pod),
             "{'spec':{'securityContext':{'seccompProfile':{'type':'RuntimeDefault'}},"
             "'initContainers':[{'name':'i','securityContext':{%s}}],"
             "'containers':[{'name':'a','securityContext':{%s}}]}}",
             ok_sc, ok_sc);
    pod_case(restricted_yaml, pod, true, NULL);
    /* Each container covered by its own profile. */
    snprintf(pod, sizeof(pod),
             "{'spec':{'initContainers':[{'name':'i','securityContext':{%s,"
             "'seccompProfile':{'type':'Localhost','localhostProfile':'x'}}}],"
             "'containers':[{'name':'a','securityContext':{%s,'seccompProfile':"
             "{'type':'RuntimeDefault'}}}]}}",
             ok_sc, ok_sc);
    pod_case(restricted_yaml, pod, true, NULL);
    /* One container uncovered: named in the message. */
    snprintf(pod, sizeof(pod),
             "{'spec':{'initContainers':[{'name':'i','securityContext':{%s}}],"
             "'containers':[{'name':'a','securityContext':{%s,'seccompProfile':"
             "{'type':'RuntimeDefault'}}}]}}",
             ok_sc, ok_sc);
    pod_case(restricted_yaml, pod, false, "init container \"i\" runs with no seccomp profile");
    /* A legacy annotation gives no profile (ignored since 1.27). */
    snprintf(pod, sizeof(pod),
             "{'metadata':{'annotations':{'seccomp.security.alpha.kubernetes.io/pod':"
             "'runtime/default'}},'spec':{'containers':[{'name':'a','securityContext':{%s}}]}}",
             ok_sc);
    pod_case(restricted_yaml, pod, false, "the legacy seccomp annotations are ignored");
    /* A bad pod-level value is denied even if every container overrides it. */
    snprintf(pod, sizeof(pod),
             "{'spec':{'securityContext':{'seccompProfile':{'type':'Unconfined'}},"
             "'containers':[{'name':'a','securityContext':{%s,'seccompProfile':"
             "{'type':'RuntimeDefault'}}}]}}",
             ok_sc);
    pod_case(restricted_yaml, pod, false, "spec.securityContext.seccompProfile.type");
    /* allowPrivilegeEscalation unset and drop without ALL. */
    pod_case(
        restricted_yaml,
        "{'spec':{'securityContext':{'seccompProfile':{'type':'RuntimeDefault'}},"
        "'containers':[{'name':'a','securityContext':{'capabilities':{'drop':['NET_RAW']}}}]}}",
        false, "allowPrivilegeEscalation: is not set");
    pod_case(restricted_yaml,
             "{'spec':{'securityContext':{'seccompProfile':{'type':'RuntimeDefault'}},"
             "'containers':[{'name':'a','securityContext':{'allowPrivilegeEscalation':false,"
             "'capabilities':{'drop':['NET_RAW']}}}]}}",
             false, "[capabilities-drop-all]");
    /* drop: [all] drops everything: allowed, with a warning. */
    pod_case(restricted_yaml,
             "{'spec':{'securityContext':{'seccompProfile':{'type':'RuntimeDefault'}},"
             "'containers':[{'name':'a','securityContext':{'allowPrivilegeEscalation':false,"
             "'capabilities':{'drop':['all']}}}]}}",
             true, NULL);
}

static void capabilities_judged_as_granted(void **state)
{
    (void)state;
    const char *head = "{'spec':{'containers':[{'name':'a','securityContext':{'capabilities':"
                       "{'add':[";
    const struct {
        const char *add;
        bool allowed;
        const char *msg;
    } cases[] = {
        {"'CHOWN','NET_BIND_SERVICE'", true, NULL},
        {"'chown'", false, "write \"CHOWN\" [capabilities-spelling]"},
        {"'CAP_CHOWN'", false, "[capabilities-spelling]"},
        {"'NET_RAW'", false, "grants NET_RAW, which the policy does not allow"},
        {"'sys_admin'", false, "grants SYS_ADMIN, which the policy does not allow"},
        {"'CAP_SYS_ADMIN'", false, "add[0]: \"CAP_SYS_ADMIN\" grants SYS_ADMIN"},
        {"'ALL'", false, "grants every capability"},
        {"'CAP_CAP_SYS_ADMIN'", false, "is not a Linux capability"},
        {"' SYS_ADMIN'", false, "[capabilities-unknown]"},
        {"'SYS_ADMIN\\u0000'", false, "add[0]: holds \\u0000"},
        {"'\\u0130'", false, "[capabilities-unknown]"},
        {"'CHOWN','KILL','SYS_ADMIN'", false, "add[2]"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char pod[512];
        snprintf(pod, sizeof(pod), "%s%s]}}}]}}", head, cases[i].add);
        pod_case("", pod, cases[i].allowed, cases[i].msg);
    }
    /* Normalising never lets a spelling past the allow-list, even when the
     * spelling rule is relaxed. */
    pod_case("rules: {capabilities-spelling: allow}\n",
             "{'spec':{'containers':[{'name':'a','securityContext':{'capabilities':"
             "{'add':['sys_admin']}}}]}}",
             false, "grants SYS_ADMIN");
    pod_case("rules: {capabilities-spelling: allow}\n",
             "{'spec':{'containers':[{'name':'a','securityContext':{'capabilities':"
             "{'add':['chown']}}}]}}",
             true, NULL);
}

static void privileged_is_unconfined_and_every_capability(void **state)
{
    (void)state;
    const char *pod = "{'spec':{'containers':[{'name':'a','securityContext':"
                      "{'privileged':true}}]}}";
    pod_case("", pod, false, "[privileged]");
    /* Relaxing `privileged` alone opens nothing. */
    pod_case("rules: {privileged: allow}\n", pod, false, "[seccomp-unconfined]");
    pod_case("rules: {privileged: allow, seccomp-unconfined: allow}\n", pod, false,
             "privileged: true grants container \"a\" every capability");
    pod_case("rules: {privileged: allow, seccomp-unconfined: allow}\n"
             "capabilities: {allowedAdd: [ALL]}\n",
             pod, true, NULL);
    pod_case("", "{'spec':{'containers':[{'name':'a','securityContext':{'privileged':false}}]}}",
             true, NULL);
}

static void windows_pods(void **state)
{
    (void)state;
    /* Exempt from what requires something of Linux containers. */
    pod_case(restricted_yaml, "{'spec':{'os':{'name':'windows'},'containers':[{'name':'a'}]}}",
             true, NULL);
    /* Not exempt: exact lower case only. */
    pod_case(restricted_yaml, "{'spec':{'os':{'name':'Windows'},'containers':[{'name':'a'}]}}",
             false, "[seccomp-unset]");
    /* An explicit Unconfined or privileged is still denied. */
    pod_case(restricted_yaml,
             "{'spec':{'os':{'name':'windows'},'securityContext':{'seccompProfile':"
             "{'type':'Unconfined'}},'containers':[{'name':'a'}]}}",
             false, "[seccomp-unconfined]");
    pod_case(restricted_yaml,
             "{'spec':{'os':{'name':'windows'},'containers':[{'name':'a','securityContext':"
             "{'privileged':true}}]}}",
             false, "[privileged]");
}

/* Every template kind: the pod spec is found where the kind keeps it. */
static void template_kinds(void **state)
{
    static const struct {
        const char *group, *kind, *pre, *post, *path;
    } kinds[] = {
        {"", "Pod", "", "", "spec.containers[0]"},
        {"", "PodTemplate", "{'template':", "}", "template.spec.containers[0]"},
        {"", "ReplicationController", "{'spec':{'template':", "}}",
         "spec.template.spec.containers[0]"},
        {"apps", "Deployment", "{'spec':{'template':", "}}", "spec.template.spec.containers[0]"},
        {"extensions", "Deployment", "{'spec':{'template':", "}}",
         "spec.template.spec.containers[0]"},
        {"apps", "ReplicaSet", "{'spec':{'template':", "}}", "spec.template.spec.containers[0]"},
        {"apps", "StatefulSet", "{'spec':{'template':", "}}", "spec.template.spec.containers[0]"},
        {"apps", "DaemonSet", "{'spec':{'template':", "}}", "spec.template.spec.containers[0]"},
        {"batch", "Job", "{'spec':{'template':", "}}", "spec.template.spec.containers[0]"},
        {"batch", "CronJob", "{'spec':{'jobTemplate':{'spec':{'template':", "}}}}",
         "spec.jobTemplate.spec.template.spec.containers[0]"},
    };
    const char *pod = "{'metadata':{'name':'x'},'spec':{'containers':[{'name':'a',"
                      "'securityContext':{'privileged':true}}]}}";
    struct sg_policy *p = policy_of("");
    (void)state;

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        char object[1024], want[256];
        snprintf(object, sizeof(object), "%s%s%s", kinds[i].pre, pod, kinds[i].post);
        char *body = review("v1", "CREATE", kinds[i].group, kinds[i].kind, "", object, NULL);
        struct result r = run(p, SG_MODE_VALIDATE, body);
        if (allowed(&r))
            fail_msg("%s/%s allowed: %s", kinds[i].group, kinds[i].kind, r.bytes);
        snprintf(want, sizeof(want), "%s.securityContext.privileged", kinds[i].path);
        expect_in(message(&r), want);
        done(&r);
        free(body);
        /* A template kind without its template cannot be judged. */
        if (strcmp(kinds[i].kind, "Pod") != 0) {
            body = review("v1", "CREATE", kinds[i].group, kinds[i].kind, "", "{'spec':{}}", NULL);
            r = run(p, SG_MODE_VALIDATE, body);
            assert_false(allowed(&r));
            expect_in(message(&r), "[unreadable]");
            done(&r);
            free(body);
        }
    }
    /* The same kind name in another group is not ours. */
    char *body = review("v1", "CREATE", "example.com", "Deployment", "",
                        "{'spec':{'template':{'spec':{'containers':[{'securityContext':"
                        "{'privileged':true}}]}}}}",
                        NULL);
    struct result r = run(p, SG_MODE_VALIDATE, body);
    assert_true(allowed(&r));
    done(&r);
    free(body);
    sg_policy_free(p);
}

static void operations_and_subresources(void **state)
{
    struct sg_policy *p = policy_of("");
    (void)state;
    const struct {
        const char *op, *group, *kind, *sub;
        bool allowed;
    } cases[] = {
        {"DELETE", "", "Pod", "", true},
        {"CONNECT", "", "Pod", "", true},
        {"PATCH", "", "Pod", "", false},
        {"CREATE", "", "ConfigMap", "", true},
        {"CREATE", "", "Pod", "", false},
        {"UPDATE", "", "Pod", "status", true},
        {"UPDATE", "", "Pod", "binding", true},
        {"CREATE", "", "Pod", "exec", true},
        {"UPDATE", "", "Pod", "ephemeralcontainers", false},
        {"UPDATE", "", "Pod", "resize", false},
        {"UPDATE", "apps", "Deployment", "scale", true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *body = review("v1", cases[i].op, cases[i].group, cases[i].kind, cases[i].sub,
                            unconfined_pod, NULL);
        struct result r = run(p, SG_MODE_VALIDATE, body);
        if (allowed(&r) != cases[i].allowed)
            fail_msg("%s %s/%s: %s", cases[i].op, cases[i].kind, cases[i].sub, r.bytes);
        done(&r);
        free(body);
    }
    sg_policy_free(p);
}

static void updates_judged_only_when_significant(void **state)
{
    struct sg_policy *p = policy_of("");
    const char *old = "{'metadata':{'labels':{'a':'1'}},'spec':{'containers':[{'name':'app',"
                      "'image':'nginx:1','securityContext':{'privileged':true}}]}}";
    const char *relabel = "{'metadata':{'labels':{'a':'2'}},'spec':{'containers':[{'name':"
                          "'app','image':'nginx:1','securityContext':{'privileged':true}}]}}";
    const char *new_image = "{'metadata':{'labels':{'a':'1'}},'spec':{'containers':[{'name':"
                            "'app','image':'nginx:2','securityContext':{'privileged':true}}]}}";
    const char *debug = "{'metadata':{'labels':{'a':'1'}},'spec':{'containers':[{'name':'app',"
                        "'image':'nginx:1','securityContext':{'privileged':true}}],"
                        "'ephemeralContainers':[{'name':'dbg','image':'busybox'}]}}";
    (void)state;

    char *b1 = review("v1", "UPDATE", "", "Pod", "", relabel, old);
    char *b2 = review("v1", "UPDATE", "", "Pod", "", new_image, old);
    char *b3 = review("v1", "UPDATE", "", "Pod", "ephemeralcontainers", debug, old);
    char *b4 = review("v1", "UPDATE", "", "Pod", "", relabel, NULL);
    char *b5 =
        review("v1", "UPDATE", "apps", "Deployment", "",
               "{'spec':{'template':{'spec':"
               "{'containers':[{'name':'app','securityContext':{'privileged':true}}]}}},"
               "'metadata':{'labels':{'x':'2'}}}",
               "{'spec':{'template':{'spec':{'containers':[{'name':'app',"
               "'securityContext':{'privileged':true}}]}}},'metadata':{'labels':{'x':'1'}}}");
    struct result r1 = run(p, SG_MODE_VALIDATE, b1);
    struct result r2 = run(p, SG_MODE_VALIDATE, b2);
    struct result r3 = run(p, SG_MODE_VALIDATE, b3);
    struct result r4 = run(p, SG_MODE_VALIDATE, b4);
    struct result r5 = run(p, SG_MODE_VALIDATE, b5);
    assert_true(allowed(&r1));  /* relabelling an old pod */
    assert_false(allowed(&r2)); /* a new image: the whole pod is judged */
    assert_false(allowed(&r3)); /* kubectl debug on a violating pod */
    assert_false(allowed(&r4)); /* no oldObject: judged */
    assert_true(allowed(&r5));  /* relabelling an old Deployment */
    done(&r1);
    done(&r2);
    done(&r3);
    done(&r4);
    done(&r5);
    free(b1);
    free(b2);
    free(b3);
    free(b4);
    free(b5);
    sg_policy_free(p);
}

static void unreadable_input_is_denied(void **state)
{
    (void)state;
    const struct {
        const char *pod;
        const char *msg;
    } cases[] = {
        {"{'spec':{'containers':[{'name':'a','securityContext':'privileged'}]}}",
         "spec.containers[0].securityContext: must be an object, found a string"},
        {"{'spec':{'containers':{'name':'a'}}}", "spec.containers: must be a list"},
        {"{'spec':{'containers':['a']}}", "spec.containers[0]: must be an object"},
        {"{'spec':{'containers':[{'name':'a','securityContext':{'privileged':'true'}}]}}",
         "must be a boolean, found a string"},
        {"{'spec':{'containers':[{'name':'a','securityContext':{'privileged':false,"
         "'privileged':true}}]}}",
         "spec.containers[0].securityContext.privileged: the key is given twice"},
        {"{'spec':{'containers':[{'name':'a'}],'containers':[]}}", "given twice"},
        {"{'spec':{'containers':[{'name':'a','securityContext':{'capabilities':{'add':'ALL'}}}]}}",
         "capabilities.add: must be a list"},
        {"{'spec':{'containers':[{'name':'a','securityContext':{'capabilities':{'add':[1]}}}]}}",
         "capabilities.add[0]: must be a string, found a number"},
        {"{'spec':{'securityContext':{'seccompProfile':{}},'containers':[{'name':'a'}]}}",
         "[seccomp-invalid]"},
        {"{'spec':{'os':'windows','containers':[{'name':'a'}]}}", "spec.os: must be an object"},
        {"{'metadata':{'annotations':{'seccomp.security.alpha.kubernetes.io/pod':5}},"
         "'spec':{'containers':[{'name':'a'}]}}",
         "must be a string"},
        {"{'metadata':{'annotations':{'seccomp.security.alpha.kubernetes.io/pod':"
         "'runtime/default','seccomp.security.alpha.kubernetes.io/pod':'unconfined'}},"
         "'spec':{'containers':[{'name':'a'}]}}",
         "given twice"},
        {"{'metadata':{}}", "there is no pod spec"},
        {"[]", "must be an object"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        pod_case("", cases[i].pod, false, cases[i].msg);
    /* JSON null is an absent field, as Kubernetes reads it. */
    pod_case("",
             "{'metadata':null,'spec':{'securityContext':null,'containers':[{'name':'a',"
             "'securityContext':{'privileged':null,'seccompProfile':null,"
             "'capabilities':null}}]}}",
             true, NULL);
}

static void envelope_problems_after_the_uid_are_denials(void **state)
{
    struct sg_policy *p = policy_of("");
    const char *bodies[] = {
        "{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview','request':{'uid':'u-1'}}",
        "{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview','request':{'uid':'u-1',"
        "'kind':{'group':'','version':'v1','kind':'Pod'},'operation':'CREATE'}}",
        "{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview','request':{'uid':'u-1',"
        "'kind':{'group':'','version':'v1','kind':'ConfigMap'},'operation':'CREATE',"
        "'userInfo':{'username':'u','groups':'admins'},'object':{}}}",
        "{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview','request':{'uid':'u-1',"
        "'kind':{'group':'','version':'v1','kind':'Pod'},'operation':5,'object':{}}}",
    };
    (void)state;

    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        char *b = q(bodies[i]);
        struct result r = run(p, SG_MODE_VALIDATE, b);
        assert_int_equal(r.rc, 0);
        if (allowed(&r))
            fail_msg("body %zu allowed: %s", i, r.bytes);
        expect_in(message(&r), "[unreadable]");
        done(&r);
        free(b);
    }
    sg_policy_free(p);
}

static void warnings_and_audit(void **state)
{
    struct sg_policy *p = policy_of("rules: {capabilities-drop-all: warn, privilege-escalation: "
                                    "audit}\n");
    char pod[2048];
    (void)state;

    snprintf(pod, sizeof(pod), "{'spec':{'containers':[{'name':'%s','image':'x'}]}}",
             "a-container-name-that-is-very-long-indeed-and-goes-on-and-on-for-ever-and-ever");
    char *body = review("v1", "CREATE", "", "Pod", "", pod, NULL);
    struct result r = run(p, SG_MODE_VALIDATE, body);
    assert_true(allowed(&r));
    assert_int_equal(r.verdict, SG_VERDICT_WARN);
    const cJSON *warnings = cJSON_GetObjectItem(r.resp, "warnings");
    assert_int_equal(cJSON_GetArraySize(warnings), 1);
    const char *w = cJSON_GetArrayItem(warnings, 0)->valuestring;
    assert_true(strlen(w) < 120);
    expect_in(w, "[capabilities-drop-all]");
    const cJSON *audit = cJSON_GetObjectItem(r.resp, "auditAnnotations");
    expect_in(cJSON_GetObjectItem(audit, "violations")->valuestring,
              "audit: privilege-escalation spec.containers[0].securityContext."
              "allowPrivilegeEscalation");
    done(&r);
    free(body);
    sg_policy_free(p);
}

static void exemptions_from_user_info(void **state)
{
    struct sg_policy *p = policy_of("exemptions: {groups: [dev]}\n");
    char *body = review("v1", "CREATE", "", "Pod", "", unconfined_pod, NULL);
    struct result r = run(p, SG_MODE_VALIDATE, body);
    struct result m = run(p, SG_MODE_MUTATE, body);
    (void)state;

    assert_true(allowed(&r));
    const cJSON *audit = cJSON_GetObjectItem(r.resp, "auditAnnotations");
    assert_string_equal(cJSON_GetObjectItem(audit, "exempt")->valuestring, "group");
    assert_false(m.patched);
    done(&r);
    done(&m);
    free(body);
    sg_policy_free(p);
}

static char *patch_of(const struct result *r)
{
    const cJSON *pt = cJSON_GetObjectItem(r->resp, "patchType");
    const cJSON *patch = cJSON_GetObjectItem(r->resp, "patch");
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n, o = 0;
    char *out;

    if (patch == NULL)
        return NULL;
    assert_string_equal(pt->valuestring, "JSONPatch");
    n = strlen(patch->valuestring);
    out = calloc(n, 1);
    for (size_t i = 0; i + 3 < n; i += 4) {
        unsigned v = 0;
        for (int k = 0; k < 4; k++) {
            char c = patch->valuestring[i + (size_t)k];
            v = v << 6 | (c == '=' ? 0u : (unsigned)(strchr(alphabet, c) - alphabet));
        }
        out[o++] = (char)(v >> 16);
        if (patch->valuestring[i + 2] != '=')
            out[o++] = (char)(v >> 8 & 255);
        if (patch->valuestring[i + 3] != '=')
            out[o++] = (char)(v & 255);
    }
    return out;
}

static void mutation_patches(void **state)
{
    struct sg_policy *p = policy_of("capabilities: {defaultDrop: [ALL]}\n");
    (void)state;
    const struct {
        const char *op, *group, *kind, *sub, *object, *want;
    } cases[] = {
        {"CREATE", "", "Pod", "", "{'spec':{'containers':[{'name':'a'}]}}",
         "[{\"op\":\"add\",\"path\":\"/spec/securityContext\",\"value\":{\"seccompProfile\":"
         "{\"type\":\"RuntimeDefault\"}}},{\"op\":\"add\",\"path\":\"/spec/containers/0/"
         "securityContext\",\"value\":{\"capabilities\":{\"drop\":[\"ALL\"]}}}]"},
        {"CREATE", "", "Pod", "",
         "{'spec':{'securityContext':{'runAsNonRoot':true},'containers':[{'name':'a',"
         "'securityContext':{'capabilities':{'add':['NET_BIND_SERVICE']}}}]}}",
         "[{\"op\":\"add\",\"path\":\"/spec/securityContext/seccompProfile\",\"value\":"
         "{\"type\":\"RuntimeDefault\"}},{\"op\":\"add\",\"path\":\"/spec/containers/0/"
         "securityContext/capabilities/drop\",\"value\":[\"ALL\"]}]"},
        /* Explicit choices are kept: Unconfined, an empty drop list. */
        {"CREATE", "", "Pod", "",
         "{'spec':{'securityContext':{'seccompProfile':{'type':'Unconfined'}},"
         "'containers':[{'name':'a','securityContext':{'capabilities':{'drop':[]}}}]}}",
         NULL},
        /* Pods on UPDATE and the ephemeralcontainers subresource: no patch. */
        {"UPDATE", "", "Pod", "", "{'spec':{'containers':[{'name':'a'}]}}", NULL},
        {"UPDATE", "", "Pod", "ephemeralcontainers", "{'spec':{'containers':[{'name':'a'}]}}",
         NULL},
        /* Windows: nothing. */
        {"CREATE", "", "Pod", "", "{'spec':{'os':{'name':'windows'},'containers':[{'name':'a'}]}}",
         NULL},
        {"CREATE", "batch", "CronJob", "",
         "{'spec':{'jobTemplate':{'spec':{'template':{'spec':{'securityContext':{},"
         "'containers':[{'name':'a','securityContext':{'seccompProfile':{'type':"
         "'RuntimeDefault'},'privileged':true}}]}}}}}}",
         NULL},
        {"UPDATE", "apps", "Deployment", "",
         "{'spec':{'template':{'spec':{'initContainers':[{'name':'i','securityContext':{}}],"
         "'containers':[{'name':'a','securityContext':{'seccompProfile':{'type':"
         "'RuntimeDefault'},'capabilities':{'drop':['NET_RAW']}}}]}}}}",
         "[{\"op\":\"add\",\"path\":\"/spec/template/spec/securityContext\",\"value\":"
         "{\"seccompProfile\":{\"type\":\"RuntimeDefault\"}}},{\"op\":\"add\",\"path\":"
         "\"/spec/template/spec/initContainers/0/securityContext/capabilities\",\"value\":"
         "{\"drop\":[\"ALL\"]}}]"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *body = review("v1", cases[i].op, cases[i].group, cases[i].kind, cases[i].sub,
                            cases[i].object, NULL);
        struct result r = run(p, SG_MODE_MUTATE, body);
        char *patch = patch_of(&r);
        assert_true(allowed(&r));
        if (cases[i].want == NULL) {
            if (patch != NULL)
                fail_msg("case %zu: unexpected patch %s", i, patch);
            assert_false(r.patched);
        } else {
            if (patch == NULL)
                fail_msg("case %zu: no patch: %s", i, r.bytes);
            assert_string_equal(patch, cases[i].want);
            assert_true(r.patched);
            expect_in(
                cJSON_GetObjectItem(cJSON_GetObjectItem(r.resp, "auditAnnotations"), "injected")
                    ->valuestring,
                "capabilities.drop=[ALL]");
        }
        free(patch);
        done(&r);
        free(body);
    }
    sg_policy_free(p);
}

static void mutation_keeps_added_capabilities(void **state)
{
    struct sg_policy *p = policy_of("capabilities: {defaultDrop: [NET_RAW, SYS_CHROOT]}\n");
    char *body = review("v1", "CREATE", "", "Pod", "",
                        "{'spec':{'securityContext':{'seccompProfile':{'type':'RuntimeDefault'}},"
                        "'containers':[{'name':'a','securityContext':{'capabilities':{'add':"
                        "['net_raw']}}},{'name':'b','securityContext':{'capabilities':{'add':"
                        "['NET_RAW','SYS_CHROOT']}}},{'name':'c','securityContext':"
                        "{'capabilities':{'add':['ALL']}}}]}}",
                        NULL);
    struct result r = run(p, SG_MODE_MUTATE, body);
    char *patch = patch_of(&r);
    (void)state;

    /* a keeps NET_RAW (dropping it would undo its add); b adds both, c adds ALL. */
    assert_string_equal(patch, "[{\"op\":\"add\",\"path\":\"/spec/containers/0/securityContext/"
                               "capabilities/drop\",\"value\":[\"SYS_CHROOT\"]}]");
    free(patch);
    done(&r);
    free(body);
    sg_policy_free(p);
}

/* Names appended to a drop list the user wrote are an injection too: the
 * metrics and the decision log count them as inject-drop. */
static void appended_drops_count_as_injected(void **state)
{
    struct sg_policy *p = policy_of("capabilities: {requiredDrop: [NET_RAW]}\n");
    char *body = review("v1", "CREATE", "", "Pod", "",
                        "{'spec':{'securityContext':{'seccompProfile':{'type':'RuntimeDefault'}},"
                        "'containers':[{'name':'a','securityContext':{'capabilities':{'drop':"
                        "['SYS_CHROOT']}}}]}}",
                        NULL);
    struct result r = run(p, SG_MODE_MUTATE, body);
    char *patch = patch_of(&r);
    (void)state;

    assert_string_equal(patch, "[{\"op\":\"add\",\"path\":\"/spec/containers/0/securityContext/"
                               "capabilities/drop/-\",\"value\":\"NET_RAW\"}]");
    assert_true(r.hits & (1u << SG_HIT_INJECT_DROP));
    assert_false(r.hits & (1u << SG_HIT_INJECT_SECCOMP));
    free(patch);
    done(&r);
    free(body);
    sg_policy_free(p);
}

/* ---- Localhost profiles judged by what their files do (known.h) ---------- */

/* The facts profileset/ would read from manifests/profiles, and one file
 * runc installs no filter for. */
static struct sg_policy *known_policy(const char *yaml)
{
    static const struct sg_known_profile facts[] = {
        {"profiles/audit.json", SG_KNOWN_PERMISSIVE,
         "SCMP_ACT_LOG: every syscall it does not list runs (and is logged)", ""},
        {"profiles/deny-mount.json", SG_KNOWN_ENFORCING, "unlisted syscalls fail", ""},
        {"profiles/strict.json", SG_KNOWN_ENFORCING, "unlisted syscalls fail", "mount, umount2"},
        {"profiles/empty.json", SG_KNOWN_UNCONFINED,
         "no defaultAction and no syscalls: runc installs no filter", ""},
    };
    struct sg_policy *p = policy_of(yaml);
    struct sg_known *k = NULL;
    struct sg_error err;

    assert_int_equal(sg_known_new("/etc/seccomp-guard/profiles", &k, &err), 0);
    for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++)
        assert_int_equal(sg_known_add(k, &facts[i], &err), 0);
    sg_known_seal(k);
    sg_policy_set_known(p, k);
    return p;
}

/* The warnings of a response, joined. */
static void warnings_of(const struct result *r, char *out, size_t cap)
{
    const cJSON *w, *warnings = cJSON_GetObjectItem(r->resp, "warnings");

    out[0] = '\0';
    cJSON_ArrayForEach(w, warnings)
    {
        snprintf(out + strlen(out), cap - strlen(out), "%s\n", w->valuestring);
    }
}

/* A Pod CREATE (`kind` and `group` for templates) judged under `p`: the
 * verdict ("allow", "warn" or "deny") and, when given, a piece of the
 * denial or of a warning. */
static void known_case(const struct sg_policy *p, const char *group, const char *kind,
                       const char *object, const char *want, const char *needle)
{
    char *body = review("v1", "CREATE", group, kind, "", object, NULL);
    struct result r = run(p, SG_MODE_VALIDATE, body);
    char warnings[4096];
    const char *got;

    assert_int_equal(r.rc, 0);
    warnings_of(&r, warnings, sizeof(warnings));
    got = !allowed(&r) ? "deny" : warnings[0] != '\0' ? "warn" : "allow";
    if (strcmp(got, want) != 0)
        fail_msg("%s, want %s, for %s: %s", got, want, object, r.bytes);
    if (needle != NULL)
        expect_in(strcmp(got, "deny") == 0 ? message(&r) : warnings, needle);
    done(&r);
    free(body);
}

#define POD_LEVEL(profile)                                                                         \
    "{'metadata':{'name':'x'},'spec':{'securityContext':{'seccompProfile':{'type':'Localhost',"    \
    "'localhostProfile':'" profile "'}},'containers':[{'name':'a','image':'i'}]}}"
#define CONTAINER_LEVEL(profile)                                                                   \
    "{'metadata':{'name':'x'},'spec':{'containers':[{'name':'a','image':'i','securityContext':"    \
    "{'seccompProfile':{'type':'Localhost','localhostProfile':'" profile "'}}}]}}"

/* A permissive profile is Unconfined by another name, wherever a pod
 * names it: the pod or a container's field, either legacy annotation, a
 * template; the message names the profile and its default action. */
static void permissive_profile_is_judged_as_unconfined(void **state)
{
    struct sg_policy *p = known_policy("");
    (void)state;

    known_case(p, "", "Pod", POD_LEVEL("profiles/audit.json"), "deny",
               "spec.securityContext.seccompProfile.localhostProfile: Localhost profile "
               "\"profiles/audit.json\" is permissive (SCMP_ACT_LOG: every syscall");
    known_case(p, "", "Pod", POD_LEVEL("profiles/audit.json"), "deny", "[seccomp-unconfined]");
    known_case(p, "", "Pod", CONTAINER_LEVEL("profiles/audit.json"), "deny",
               "spec.containers[0].securityContext.seccompProfile.localhostProfile: Localhost "
               "profile \"profiles/audit.json\" is permissive (SCMP_ACT_LOG");
    known_case(p, "", "Pod",
               "{'spec':{'initContainers':[{'name':'i','securityContext':{'seccompProfile':"
               "{'type':'Localhost','localhostProfile':'profiles/audit.json'}}}],"
               "'containers':[{'name':'a'}]}}",
               "deny", "spec.initContainers[0].securityContext.seccompProfile.localhostProfile");
    known_case(p, "", "Pod",
               "{'spec':{'containers':[{'name':'a'}],'ephemeralContainers':[{'name':'d',"
               "'securityContext':{'seccompProfile':{'type':'Localhost','localhostProfile':"
               "'profiles/audit.json'}}}]}}",
               "deny", "spec.ephemeralContainers[0]");
    /* The kubelet opens the same file for these spellings. */
    known_case(p, "", "Pod", POD_LEVEL("./profiles//audit.json"), "deny", "SCMP_ACT_LOG");
    known_case(p, "", "Pod",
               "{'metadata':{'annotations':{'seccomp.security.alpha.kubernetes.io/pod':"
               "'localhost/profiles/audit.json'}},'spec':{'containers':[{'name':'a'}]}}",
               "deny",
               "metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: Localhost "
               "profile \"profiles/audit.json\" is permissive (SCMP_ACT_LOG");
    known_case(p, "", "Pod",
               "{'metadata':{'annotations':{'container.seccomp.security.alpha.kubernetes.io/a':"
               "'localhost/profiles/audit.json'}},'spec':{'containers':[{'name':'a'}]}}",
               "deny", "metadata.annotations[container.seccomp.security.alpha.kubernetes.io/a]");
    /* Containers that set RuntimeDefault do not excuse the pod's field,
     * as with Unconfined. */
    known_case(p, "", "Pod",
               "{'spec':{'securityContext':{'seccompProfile':{'type':'Localhost',"
               "'localhostProfile':'profiles/audit.json'}},'containers':[{'name':'a',"
               "'securityContext':{'seccompProfile':{'type':'RuntimeDefault'}}}]}}",
               "deny", "[seccomp-unconfined]");
    known_case(p, "apps", "Deployment",
               "{'spec':{'template':" POD_LEVEL("profiles/audit.json") "}}", "deny",
               "spec.template.spec.securityContext.seccompProfile.localhostProfile");
    /* {} or null: runc installs no filter at all. */
    known_case(p, "", "Pod", CONTAINER_LEVEL("profiles/empty.json"), "deny",
               "Localhost profile \"profiles/empty.json\" is unconfined (no defaultAction");
    sg_policy_free(p);
}

/* An enforcing profile passes; one that lets dangerous syscalls run warns
 * naming them; one the folder lacks warns naming the folder. */
static void enforcing_unknown_and_dangerous_profiles(void **state)
{
    struct sg_policy *p = known_policy("");
    (void)state;

    known_case(p, "", "Pod", POD_LEVEL("profiles/deny-mount.json"), "allow", NULL);
    known_case(p, "", "Pod", CONTAINER_LEVEL("profiles/deny-mount.json"), "allow", NULL);
    known_case(p, "", "Pod", POD_LEVEL("profiles/strict.json"), "warn",
               "Localhost profile \"profiles/strict.json\" allows dangerous syscalls: mount, "
               "umount2 [");
    known_case(p, "", "Pod", POD_LEVEL("profiles/strict.json"), "warn",
               "[seccomp-localhost-dangerous]");
    known_case(p, "", "Pod", POD_LEVEL("profiles/nope.json"), "warn",
               "Localhost profile \"profiles/nope.json\" is unknown");
    known_case(p, "", "Pod", POD_LEVEL("profiles/nope.json"), "warn",
               "[seccomp-localhost-unknown]");
    known_case(p, "", "Pod",
               "{'metadata':{'annotations':{'seccomp.security.alpha.kubernetes.io/pod':"
               "'localhost/profiles/nope.json'}},'spec':{'containers':[{'name':'a'}]}}",
               "warn", "[seccomp-localhost-unknown]");
    /* A path Kubernetes refuses is that, not an unknown profile as well. */
    known_case(p, "", "Pod", POD_LEVEL("profiles/../audit.json"), "deny", "[seccomp-invalid]");
    sg_policy_free(p);

    /* Each rule takes the policy's action; the full text names the folder
     * and the syscalls. */
    p = known_policy("rules: {seccomp-localhost-unknown: deny, seccomp-localhost-dangerous: "
                     "deny}\n");
    known_case(p, "", "Pod", POD_LEVEL("profiles/nope.json"), "deny",
               "is not in the policy's profiles folder (/etc/seccomp-guard/profiles)");
    known_case(p, "", "Pod", POD_LEVEL("profiles/strict.json"), "deny",
               "lets dangerous syscalls run: mount, umount2");
    known_case(p, "", "Pod", POD_LEVEL("profiles/deny-mount.json"), "allow", NULL);
    sg_policy_free(p);
    p = known_policy("rules: {seccomp-unconfined: warn}\n");
    known_case(p, "", "Pod", POD_LEVEL("profiles/audit.json"), "warn", "[seccomp-unconfined]");
    sg_policy_free(p);
}

/* Without a profiles folder nothing changes: the file is not judged. */
static void without_a_folder_localhost_is_not_judged(void **state)
{
    struct sg_policy *p = policy_of("");
    (void)state;

    known_case(p, "", "Pod", POD_LEVEL("profiles/audit.json"), "allow", NULL);
    known_case(p, "", "Pod", POD_LEVEL("profiles/nope.json"), "allow", NULL);
    sg_policy_free(p);
}

/* The policy injects a Localhost profile: not when the folder knows it as
 * permissive (the pod then stays as sent, judged seccomp-unset), still
 * when it enforces or is unknown. */
static void permissive_default_profile_is_not_injected(void **state)
{
    static const struct {
        const char *profile;
        bool known, injected;
    } cases[] = {
        {"profiles/audit.json", true, false}, {"./profiles/audit.json", true, false},
        {"profiles/empty.json", true, false}, {"profiles/deny-mount.json", true, true},
        {"profiles/nope.json", true, true},   {"profiles/audit.json", false, true},
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char yaml[256];
        snprintf(yaml, sizeof(yaml),
                 "seccomp: {defaultProfile: {type: Localhost, localhostProfile: '%s'}}\n",
                 cases[i].profile);
        struct sg_policy *p = cases[i].known ? known_policy(yaml) : policy_of(yaml);
        char *body =
            review("v1", "CREATE", "", "Pod", "", "{'spec':{'containers':[{'name':'a'}]}}", NULL);
        struct result r = run(p, SG_MODE_MUTATE, body);
        char *patch = patch_of(&r);
        bool injected = patch != NULL && strstr(patch, "seccompProfile") != NULL;
        if (injected != cases[i].injected)
            fail_msg("%s (%s folder): %s, want %s", cases[i].profile,
                     cases[i].known ? "with" : "no", injected ? "injected" : "not injected",
                     cases[i].injected ? "injected" : "not");
        if (injected)
            expect_in(patch, "\"localhostProfile\":\"");
        assert_true(allowed(&r));
        free(patch);
        done(&r);
        free(body);
        sg_policy_free(p);
    }
}

static void pointers_are_escaped_and_patches_apply(void **state)
{
    char pointer[SG_POINTER_MAX] = "";
    cJSON *doc = cJSON_Parse("{\"a/b~c\":{\"list\":[1,2]}}");
    struct sg_patch patch;
    struct sg_error err;
    char *out;
    (void)state;

    sg_patch_pointer_append(pointer, sizeof(pointer), "a/b~c");
    sg_patch_pointer_append(pointer, sizeof(pointer), "new");
    assert_string_equal(pointer, "/a~1b~0c/new");
    sg_patch_init(&patch);
    patch.ops = calloc(4, sizeof(*patch.ops));
    patch.n = 4;
    snprintf(patch.ops[0].path, SG_POINTER_MAX, "%s", pointer);
    patch.ops[0].value = cJSON_CreateTrue();
    snprintf(patch.ops[1].path, SG_POINTER_MAX, "/a~1b~0c/list/1");
    patch.ops[1].value = cJSON_CreateNumber(9);
    snprintf(patch.ops[2].path, SG_POINTER_MAX, "/a~1b~0c/list/-");
    patch.ops[2].value = cJSON_CreateNumber(3);
    snprintf(patch.ops[3].path, SG_POINTER_MAX, "/a~1b~0c/list/0");
    patch.ops[3].value = cJSON_CreateNumber(0);
    assert_int_equal(sg_patch_apply(doc, &patch, &err), 0);
    out = cJSON_PrintUnformatted(doc);
    assert_string_equal(out, "{\"a/b~c\":{\"list\":[0,1,9,2,3],\"new\":true}}");
    free(out);
    /* A target whose parent does not exist is an error, not a guess. */
    snprintf(patch.ops[0].path, SG_POINTER_MAX, "/missing/x");
    assert_int_equal(sg_patch_apply(doc, &patch, &err), SG_ERR_INVALID);
    expect_in(err.msg, "'missing' does not exist");
    sg_patch_release(&patch);
    cJSON_Delete(doc);
}

static void deep_nesting_is_an_error_not_a_crash(void **state)
{
    struct sg_policy *p = policy_of("");
    size_t depth = 100000, n = 0;
    char *body = malloc(depth * 2 + 256);
    (void)state;

    n += (size_t)sprintf(body, "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":"
                               "\"AdmissionReview\",\"request\":{\"uid\":\"u-1\",\"x\":");
    for (size_t i = 0; i < depth; i++)
        body[n++] = '[';
    for (size_t i = 0; i < depth; i++)
        body[n++] = ']';
    n += (size_t)sprintf(body + n, "}}");
    struct result r = run(p, SG_MODE_VALIDATE, body);
    assert_int_equal(r.rc, SG_ERR_INVALID);
    free(body);
    sg_policy_free(p);
}

/* What cJSON would read otherwise than the API server does: a key given
 * twice (Go keeps the last), \u0000 (cJSON ends the string there), escapes,
 * bytes that are not UTF-8, nesting, long numbers, text after the body. */
static void json_the_cluster_reads_otherwise(void **state)
{
    struct sg_policy *p = policy_of("");
    const struct {
        const char *pod;
        const char *msg;
    } denied[] = {
        {"{'spec':{'containers':[{'name':'a','securityContext':{'seccompProfile':{'type':"
         "'RuntimeDefault'},'seccompProfile':{'type':'Unconfined'}}}]}}",
         "(1) spec.containers[0].securityContext.seccompProfile: the key is given twice; "
         "Kubernetes would keep only the last one, so the object cannot be judged safely "
         "[unreadable]"},
        /* Go would read the last type, RuntimeDefault, and run it: denied. */
        {"{'spec':{'containers':[{'name':'a','securityContext':{'seccompProfile':{'type':"
         "'Unconfined','type':'RuntimeDefault'}}}]}}",
         "spec.containers[0].securityContext.seccompProfile.type: the key is given twice"},
        {"{'spec':{'securityContext':{'seccompProfile':{'type':'\\u0055nconfined'}},"
         "'containers':[{'name':'a'}]}}",
         "spec.securityContext.seccompProfile.type: is \"Unconfined\""},
        /* cJSON would read RuntimeDefault and profiles/ok.json. */
        {"{'spec':{'securityContext':{'seccompProfile':{'type':'RuntimeDefault\\u0000x'}},"
         "'containers':[{'name':'a'}]}}",
         "spec.securityContext.seccompProfile.type: holds \\u0000 (a NUL character)"},
        {"{'spec':{'securityContext':{'seccompProfile':{'type':'Localhost','localhostProfile':"
         "'profiles/ok.json\\u0000/../../../etc/x'}},'containers':[{'name':'a'}]}}",
         "spec.securityContext.seccompProfile.localhostProfile: holds \\u0000"},
        /* Nothing is skipped: a key given twice where no rule looks is
         * refused too, so a rule added later cannot read a field the
         * parser left out. */
        {"{'metadata':{'managedFields':[{'fieldsV1':{'f:spec':{},'f:spec':{}}}]},"
         "'spec':{'containers':[{'name':'a'}]}}",
         "metadata.managedFields[0].fieldsV1.f:spec: the key is given twice"},
    };
    const struct {
        const char *body;
        const char *msg;
    } refused[] = {
        {"{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview','request':{'uid':"
         "'u-1\\u0000x'}}",
         "the body cannot be read exactly: request.uid: holds \\u0000"},
        {"{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview','request':{'uid':"
         "'u-1'}} {}",
         "the body has data after the JSON object (at byte 86 of 88)"},
        {"{'apiVersion':'admission.k8s.io/v1','kind':'AdmissionReview','request':{'uid':"
         "'u-1','name':'x\\udc00'}}",
         "the body is not valid JSON: a lone UTF-16 surrogate"},
    };
    (void)state;

    for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++)
        pod_case("", denied[i].pod, false, denied[i].msg);
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        char *b = q(refused[i].body);
        struct result r = run(p, SG_MODE_VALIDATE, b);
        assert_int_equal(r.rc, SG_ERR_INVALID);
        expect_in(r.msg, refused[i].msg);
        free(b);
    }

    /* A number of 400 digits, which cJSON would read short. */
    char digits[401], object[600];
    memset(digits, '7', 400);
    digits[400] = '\0';
    snprintf(object, sizeof(object),
             "{'spec':{'terminationGracePeriodSeconds':%s,'containers':[{'name':'a'}]}}", digits);
    char *body = review("v1", "CREATE", "", "Pod", "", object, NULL);
    struct result r = run(p, SG_MODE_VALIDATE, body);
    assert_int_equal(r.rc, SG_ERR_INVALID);
    expect_in(r.msg, "the body is not valid JSON: a number of more than 63 characters, which "
                     "cJSON does not read whole at byte ");
    free(body);

    /* 10,000 nested lists inside the object: a depth error, not cJSON's
     * (its bound is 1000) nor a stack overflow. */
    size_t depth = 10000, n = 0;
    char *deep = malloc(2 * depth + 64);
    n += (size_t)sprintf(deep, "{'spec':{'x':");
    memset(deep + n, '[', depth);
    memset(deep + n + depth, ']', depth);
    n += 2 * depth;
    sprintf(deep + n, "}}");
    body = review("v1", "CREATE", "", "Pod", "", deep, NULL);
    r = run(p, SG_MODE_VALIDATE, body);
    assert_int_equal(r.rc, SG_ERR_INVALID);
    expect_in(r.msg, "the body is too big to read: nested too deep at byte ");
    free(body);
    free(deep);

    /* A list of more items than a body may hold: refused before cJSON
     * builds its tree, which would take 32 times the body's bytes. */
    size_t items = SG_JSON_MAX_NODES;
    char *many = malloc(2 * items + 64);
    n = (size_t)sprintf(many, "{'spec':{'x':[");
    for (size_t i = 0; i < items; i++) {
        many[n++] = '0';
        many[n++] = ',';
    }
    sprintf(many + n - 1, "]}}");
    body = review("v1", "CREATE", "", "Pod", "", many, NULL);
    r = run(p, SG_MODE_VALIDATE, body);
    assert_int_equal(r.rc, SG_ERR_INVALID);
    expect_in(r.msg, "the body is too big to read: too many values and keys at byte ");
    expect_in(r.msg, "hold 524288 values and keys");
    free(body);
    free(many);

    /* Bytes that are not UTF-8 read as U+FFFD, as Go reads them, so the
     * response that echoes them stays UTF-8. */
    body = review("v1", "CREATE", "", "Pod", "", unconfined_pod, NULL);
    char *name = strstr(body, "\"name\":\"n\"");
    assert_non_null(name);
    size_t at = (size_t)(name - body) + 8, len = strlen(body);
    char *bad = malloc(len + 2);
    memcpy(bad, body, at + 1);
    bad[at + 1] = (char)0xFF;
    memcpy(bad + at + 2, body + at + 1, len - at);
    r = run(p, SG_MODE_VALIDATE, bad);
    assert_int_equal(r.rc, 0);
    assert_false(allowed(&r));
    expect_in(message(&r), "Pod \"n\xEF\xBF\xBD\" violates");
    assert_null(strchr(r.bytes, (char)0xFF));
    done(&r);
    free(bad);
    free(body);
    sg_policy_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(not_an_admission_review_is_an_error),
        cmocka_unit_test(answers_in_the_version_asked),
        cmocka_unit_test(same_input_same_bytes),
        cmocka_unit_test(seccomp_rules_on_every_list_and_annotation),
        cmocka_unit_test(inheritance_under_restricted),
        cmocka_unit_test(capabilities_judged_as_granted),
        cmocka_unit_test(privileged_is_unconfined_and_every_capability),
        cmocka_unit_test(windows_pods),
        cmocka_unit_test(template_kinds),
        cmocka_unit_test(operations_and_subresources),
        cmocka_unit_test(updates_judged_only_when_significant),
        cmocka_unit_test(unreadable_input_is_denied),
        cmocka_unit_test(envelope_problems_after_the_uid_are_denials),
        cmocka_unit_test(warnings_and_audit),
        cmocka_unit_test(exemptions_from_user_info),
        cmocka_unit_test(mutation_patches),
        cmocka_unit_test(mutation_keeps_added_capabilities),
        cmocka_unit_test(appended_drops_count_as_injected),
        cmocka_unit_test(permissive_profile_is_judged_as_unconfined),
        cmocka_unit_test(enforcing_unknown_and_dangerous_profiles),
        cmocka_unit_test(without_a_folder_localhost_is_not_judged),
        cmocka_unit_test(permissive_default_profile_is_not_injected),
        cmocka_unit_test(pointers_are_escaped_and_patches_apply),
        cmocka_unit_test(deep_nesting_is_an_error_not_a_crash),
        cmocka_unit_test(json_the_cluster_reads_otherwise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
