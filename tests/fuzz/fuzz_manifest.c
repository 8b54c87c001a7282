/* fuzz_manifest.c - manifests for `seccomp-guard check`: bytes ->
 * sg_manifest_parse, then each object kubectl would send (a list's items,
 * typed as kubectl types them: sg_kubelist_read) through the
 * steps sg_check_object takes (validate/check.c), each taken here one by
 * one: the engine in mutate mode, the planned patch applied with
 * sg_patch_apply, the engine in validate mode on the patched copy; and the
 * object written back as YAML (`check --mutate`).
 *
 * Invariants:
 *   - a failure is SG_ERR_INVALID or SG_ERR_LIMIT with a message;
 *   - an object written with sg_yaml_write reads back as one
 *     document equal to it (cJSON_Compare), for the object as read and
 *     as patched;
 *   - a patch the engine plans always applies; the patched object is no
 *     less readable than the original, and mutating it again plans
 *     nothing;
 *   - sg_check_object, the `check` command's path, gives the verdict and
 *     the patched object these steps give. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "check.h"
#include "engine.h"
#include "fuzz.h"
#include "kubelist.h"
#include "manifest.h"
#include "yaml_write.h"

#define YAML_OUT_MAX (64 * 1024 * 1024)

static const char *const groups[] = {"system:authenticated", "team-a"};

static const char *string_at(const cJSON *object, const char *key, const char *key2)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(object, key);

    if (key2 != NULL)
        v = cJSON_GetObjectItemCaseSensitive(v, key2);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void round_trip(const cJSON *object, const char *what)
{
    struct sg_manifest again;
    struct sg_error err;
    struct sg_buf b;
    int rc;

    /* Both readers refuse what the writer could not carry (a key given
     * twice, an inexact integer) and read invalid UTF-8 as U+FFFD, so every
     * object read prints back and reads back the same. */
    sg_buf_init(&b, YAML_OUT_MAX);
    rc = sg_yaml_write(object, &b);
    FUZZ_CHECK(rc == 0, "%s: sg_yaml_write failed with %d", what, rc);
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

/* check.h's one call against the steps above, taken one by one. */
static void same_as_check(const cJSON *object, const struct sg_request *req,
                          enum sg_verdict verdict, const cJSON *patched)
{
    const struct sg_check_subject subject = {
        .namespace = req->namespace,
        .username = req->username,
        .groups = req->groups,
        .n_groups = req->n_groups,
    };
    struct sg_check c;
    struct sg_error err;

    sg_error_clear(&err);
    FUZZ_CHECK(sg_check_object(fuzz_policy(), object, &subject, &c, &err) == 0,
               "sg_check_object failed: %s", err.msg);
    FUZZ_CHECK(c.judged && c.verdict == verdict, "sg_check_object says %s, the steps %s",
               sg_verdict_name(c.verdict), sg_verdict_name(verdict));
    FUZZ_CHECK(c.mutated != NULL && cJSON_Compare(c.mutated, patched, true),
               "sg_check_object patched the object differently");
    sg_check_release(&c);
}

/* One object, through the steps of sg_check_object (check.c). */
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
    rc = sg_engine_judge(fuzz_policy(), &req, SG_MODE_MUTATE, &mutated);
    FUZZ_CHECK(rc == 0, "sg_engine_judge (mutate) failed with %d", rc);
    if (mutated.verdict == SG_VERDICT_DENY) {
        FUZZ_CHECK(mutated.mutation.patch.n == 0, "a denied object has a patch");
        sg_outcome_release(&mutated);
        return;
    }
    FUZZ_CHECK(mutated.verdict == SG_VERDICT_ALLOW, "mutate mode gave %s",
               sg_verdict_name(mutated.verdict));
    sg_buf_init(&text, 1024 * 1024);
    sg_patch_write(&mutated.mutation.patch, &text);
    sg_mutate_describe(&mutated.mutation, &mutated.eff, &text);
    FUZZ_CHECK(!sg_buf_failed(&text), "the patch cannot be written");
    sg_buf_release(&text);

    copy = cJSON_Duplicate(object, true);
    FUZZ_CHECK(copy != NULL, "out of memory");
    sg_error_clear(&err);
    rc = sg_patch_apply(copy, &mutated.mutation.patch, &err);
    if (rc < 0) {
        char *o = cJSON_PrintUnformatted(object);
        sg_buf_init(&text, 1024 * 1024);
        sg_patch_write(&mutated.mutation.patch, &text);
        fuzz_fail("a patch the engine planned does not apply: %s\nobject: %s\npatch: %s", err.msg,
                  o, sg_buf_str(&text));
    }
    req.object = copy;
    rc = sg_engine_judge(fuzz_policy(), &req, SG_MODE_MUTATE, &again);
    FUZZ_CHECK(rc == 0, "sg_engine_judge (mutate again) failed with %d", rc);
    FUZZ_CHECK(again.verdict != SG_VERDICT_DENY, "the patched object cannot be read");
    if (again.mutation.patch.n != 0) {
        char *o = cJSON_PrintUnformatted(copy);
        sg_buf_init(&text, 1024 * 1024);
        sg_patch_write(&again.mutation.patch, &text);
        fuzz_fail("a mutated object is patched again\nobject: %s\npatch: %s", o, sg_buf_str(&text));
    }
    rc = sg_engine_judge(fuzz_policy(), &req, SG_MODE_VALIDATE, &judged);
    FUZZ_CHECK(rc == 0, "sg_engine_judge (validate) failed with %d", rc);
    if (sg_report_has(&judged.report, SG_RULE_UNREADABLE) && mutated.mutation.patch.n > 0) {
        /* Mutation reads less than validation (not drop's items): the
         * original may be unreadable already; the patch must not make it so. */
        struct sg_outcome before;
        req.object = object;
        rc = sg_engine_judge(fuzz_policy(), &req, SG_MODE_VALIDATE, &before);
        FUZZ_CHECK(rc == 0, "sg_engine_judge (validate) failed with %d", rc);
        FUZZ_CHECK(sg_report_has(&before.report, SG_RULE_UNREADABLE),
                   "the patch made the object unreadable");
        sg_outcome_release(&before);
    }
    if (mutated.mutation.patch.n > 0)
        round_trip(copy, "patched object");
    same_as_check(object, &req, judged.verdict, copy);
    sg_outcome_release(&judged);
    sg_outcome_release(&again);
    sg_outcome_release(&mutated);
    cJSON_Delete(copy);
}

static void judge_item(void *ctx, const struct sg_kubelist_item *item)
{
    (void)ctx;
    FUZZ_CHECK((item->object != NULL) != (item->why != NULL),
               "an item is neither sent nor refused with a reason");
    if (item->object != NULL) {
        round_trip(item->object, "list item");
        judge_object(item->object);
    }
}

/* cmd_check.c's check_document: what kubectl sends for the document. */
static void judge_document(const cJSON *object)
{
    struct sg_error err;
    bool is_list = false;
    int rc;

    sg_error_clear(&err);
    rc = sg_kubelist_read(object, judge_item, NULL, &is_list, &err);
    if (rc < 0) {
        FUZZ_CHECK(rc == SG_ERR_INVALID && err.msg[0] != '\0', "kubelist failed with %d", rc);
        return;
    }
    if (!is_list)
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
