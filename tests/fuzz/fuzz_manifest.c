/* fuzz_manifest.c - manifests for `seccomp-guard check`: bytes ->
 * sg_manifest_parse, then each object (a *List's items too) through the
 * same steps as cli/cmd_check.c: the engine in mutate mode, the planned
 * patch applied with sg_patch_apply, the engine in validate mode on the
 * patched copy, and the object written back as YAML (`check --mutate`).
 *
 * Invariants:
 *   - a failure is SG_ERR_INVALID or SG_ERR_LIMIT with a message;
 *   - an object written with sg_manifest_write_yaml reads back as one
 *     document equal to it (cJSON_Compare), for the object as read and
 *     as patched;
 *   - a patch the engine plans always applies; the patched object is no
 *     less readable than the original, and mutating it again plans
 *     nothing. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "engine.h"
#include "fuzz.h"
#include "manifest.h"

#define YAML_OUT_MAX (64 * 1024 * 1024)

static const char *const groups[] = {"system:authenticated", "team-a"};

static const char *string_at(const cJSON *object, const char *key, const char *key2)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(object, key);

    if (key2 != NULL)
        v = cJSON_GetObjectItemCaseSensitive(v, key2);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* UTF-8 as libyaml's yaml_check_utf8 takes it: shortest form, no
 * surrogates, at most U+10FFFF. */
static bool valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    while (*p != '\0') {
        size_t n = *p < 0x80             ? 1
                   : (*p & 0xe0) == 0xc0 ? 2
                   : (*p & 0xf0) == 0xe0 ? 3
                   : (*p & 0xf8) == 0xf0 ? 4
                                         : 0;
        uint32_t c = n == 1 ? *p : n == 2 ? *p & 0x1fu : n == 3 ? *p & 0x0fu : *p & 0x07u;
        if (n == 0)
            return false;
        for (size_t i = 1; i < n; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return false;
            c = c << 6 | (p[i] & 0x3fu);
        }
        if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
            (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
            return false;
        p += n;
    }
    return true;
}

/* What the JSON reader admits and YAML cannot carry. Known, and left to a
 * design decision (tests/fuzz/README.md): text that is not UTF-8 (the
 * writer fails, or writes what the reader refuses), a key given twice in one object (the YAML
 * written has a duplicate key, which the reader refuses), a subnormal number (the YAML reader
 * refuses underflow). */
struct json_only {
    bool bad_utf8, duplicate_key, subnormal;
};

static void find_json_only(const cJSON *v, struct json_only *j)
{
    if (cJSON_IsString(v) && !valid_utf8(v->valuestring))
        j->bad_utf8 = true;
    if (cJSON_IsNumber(v) && fpclassify(v->valuedouble) == FP_SUBNORMAL)
        j->subnormal = true;
    for (const cJSON *it = v->child; it != NULL; it = it->next) {
        if (cJSON_IsObject(v)) {
            if (!valid_utf8(it->string))
                j->bad_utf8 = true;
            for (const cJSON *k = v->child; k != it; k = k->next) {
                if (strcmp(k->string, it->string) == 0)
                    j->duplicate_key = true;
            }
        }
        find_json_only(it, j);
    }
}

static void round_trip(const cJSON *object, const char *what)
{
    struct sg_manifest again;
    struct json_only j = {false, false, false};
    struct sg_error err;
    struct sg_buf b;
    int rc;

    find_json_only(object, &j);
    sg_buf_init(&b, YAML_OUT_MAX);
    rc = sg_manifest_write_yaml(object, &b);
    if (j.bad_utf8) {
        /* The writer fails, or (libyaml's emitter lets surrogates and code
         * points past U+10FFFF through) writes YAML the reader refuses. */
        sg_buf_release(&b);
        return;
    }
    FUZZ_CHECK(rc == 0, "%s: sg_manifest_write_yaml failed with %d", what, rc);
    if (j.duplicate_key || j.subnormal) {
        sg_buf_release(&b);
        return;
    }
    sg_error_clear(&err);
    rc = sg_manifest_parse("written.yaml", b.data, b.len, &again, &err);
    FUZZ_CHECK(rc == 0, "%s: the YAML written does not read back: %s\n---\n%s", what, err.msg,
               sg_buf_str(&b));
    FUZZ_CHECK(again.n == 1, "%s: the YAML written reads as %zu documents", what, again.n);
    if (!cJSON_Compare(object, again.docs[0].object, true)) {
        char *before = cJSON_PrintUnformatted(object);
        char *after = cJSON_PrintUnformatted(again.docs[0].object);
        fuzz_fail("%s: the YAML written reads back different\nbefore: %s\nafter:  %s\nyaml:\n%s",
                  what, before, after, sg_buf_str(&b));
    }
    sg_manifest_release(&again);
    sg_buf_release(&b);
}

/* One object, as cmd_check.c's check_object judges it. */
static void judge_object(const cJSON *object)
{
    const char *api = string_at(object, "apiVersion", NULL);
    const char *kind = string_at(object, "kind", NULL);
    const char *ns = string_at(object, "metadata", "namespace");
    const char *slash = api != NULL ? strchr(api, '/') : NULL;
    char group[128] = "";
    struct sg_outcome mutated, again, judged;
    struct sg_request req;
    struct sg_error err;
    struct sg_buf text;
    cJSON *copy;
    int rc;

    if (slash != NULL && (size_t)(slash - api) < sizeof(group)) {
        memcpy(group, api, (size_t)(slash - api));
        group[slash - api] = '\0';
    }
    req = (struct sg_request){
        .op = SG_OP_CREATE,
        .kind = sg_kind_find(group, kind != NULL ? kind : ""),
        .namespace = ns != NULL && ns[0] != '\0' ? ns : "default",
        .username = "alice",
        .groups = groups,
        .n_groups = 2,
        .object = object,
    };
    if (req.kind == SG_KIND_OTHER)
        return;
    rc = sg_engine_judge(fuzz_policy(), &req, SG_REVIEW_MUTATE, &mutated);
    FUZZ_CHECK(rc == 0, "sg_engine_judge (mutate) failed with %d", rc);
    if (mutated.verdict == SG_VERDICT_DENY) {
        FUZZ_CHECK(mutated.patch.n == 0, "a denied object has a patch");
        sg_outcome_release(&mutated);
        return;
    }
    FUZZ_CHECK(mutated.verdict == SG_VERDICT_ALLOW, "mutate mode gave %s",
               sg_verdict_name(mutated.verdict));
    sg_buf_init(&text, 1024 * 1024);
    sg_patch_write(&mutated.patch, &text);
    sg_patch_describe(&mutated.patch, &mutated.eff, &text);
    FUZZ_CHECK(!sg_buf_failed(&text), "the patch cannot be written");
    sg_buf_release(&text);

    copy = cJSON_Duplicate(object, true);
    FUZZ_CHECK(copy != NULL, "out of memory");
    sg_error_clear(&err);
    rc = sg_patch_apply(copy, &mutated.patch, &err);
    if (rc < 0) {
        char *o = cJSON_PrintUnformatted(object);
        sg_buf_init(&text, 1024 * 1024);
        sg_patch_write(&mutated.patch, &text);
        fuzz_fail("a patch the engine planned does not apply: %s\nobject: %s\npatch: %s", err.msg,
                  o, sg_buf_str(&text));
    }
    req.object = copy;
    rc = sg_engine_judge(fuzz_policy(), &req, SG_REVIEW_MUTATE, &again);
    FUZZ_CHECK(rc == 0, "sg_engine_judge (mutate again) failed with %d", rc);
    FUZZ_CHECK(again.verdict != SG_VERDICT_DENY, "the patched object cannot be read");
    if (again.patch.n != 0) {
        char *o = cJSON_PrintUnformatted(copy);
        sg_buf_init(&text, 1024 * 1024);
        sg_patch_write(&again.patch, &text);
        fuzz_fail("a mutated object is patched again\nobject: %s\npatch: %s", o, sg_buf_str(&text));
    }
    rc = sg_engine_judge(fuzz_policy(), &req, SG_REVIEW_VALIDATE, &judged);
    FUZZ_CHECK(rc == 0, "sg_engine_judge (validate) failed with %d", rc);
    if (sg_report_has(&judged.report, SG_RULE_UNREADABLE) && mutated.patch.n > 0) {
        /* Mutation reads less than validation (not drop's items): the
         * original may be unreadable already; the patch must not make it so. */
        struct sg_outcome before;
        req.object = object;
        rc = sg_engine_judge(fuzz_policy(), &req, SG_REVIEW_VALIDATE, &before);
        FUZZ_CHECK(rc == 0, "sg_engine_judge (validate) failed with %d", rc);
        FUZZ_CHECK(sg_report_has(&before.report, SG_RULE_UNREADABLE),
                   "the patch made the object unreadable");
        sg_outcome_release(&before);
    }
    if (mutated.patch.n > 0)
        round_trip(copy, "patched object");
    sg_outcome_release(&judged);
    sg_outcome_release(&again);
    sg_outcome_release(&mutated);
    cJSON_Delete(copy);
}

/* cmd_check.c's check_document: a *List with items is its items. */
static void judge_document(const cJSON *object)
{
    const char *kind = string_at(object, "kind", NULL);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(object, "items");
    size_t klen = kind != NULL ? strlen(kind) : 0;

    if (klen >= 4 && strcmp(kind + klen - 4, "List") == 0 && cJSON_IsArray(items)) {
        for (const cJSON *it = items->child; it != NULL; it = it->next) {
            if (cJSON_IsObject(it))
                judge_object(it);
        }
        return;
    }
    judge_object(object);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sg_manifest m;
    struct sg_error err;
    int rc;

    if (size > FUZZ_MANIFEST_MAX)
        size = FUZZ_MANIFEST_MAX;
    sg_error_clear(&err);
    rc = sg_manifest_parse("fuzz.yaml", (const char *)data, size, &m, &err);
    if (rc < 0) {
        FUZZ_CHECK(rc == SG_ERR_INVALID || rc == SG_ERR_LIMIT, "parse failed with %d: %s", rc,
                   err.msg);
        FUZZ_CHECK(err.code == rc && err.msg[0] != '\0', "parse failed with no message");
    }
    for (size_t i = 0; i < m.n; i++) {
        FUZZ_CHECK(cJSON_IsObject(m.docs[i].object), "document %zu is not an object", i + 1);
        round_trip(m.docs[i].object, "object");
        judge_document(m.docs[i].object);
    }
    sg_manifest_release(&m);
    return 0;
}
