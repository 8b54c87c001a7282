/* fuzz_review.c - AdmissionReview request bodies, as the server receives
 * them: bytes -> sg_review, in validate and in mutate mode, under
 * fuzz_policy().
 *
 * Invariants:
 *   - a failure is SG_ERR_INVALID or SG_ERR_LIMIT, with a message and no
 *     decision;
 *   - a decision's response is one JSON object, NUL-terminated at its
 *     length, answering the request's uid, `allowed` agreeing with the
 *     verdict; validate mode never patches, a patch is never denied;
 *   - a patch is a JSON array of "add" operations that applies to
 *     request.object (sg_patch_apply), and the patched object, reviewed
 *     again in mutate mode, gets no patch (docs/policy.md: "Mutating a
 *     mutated object gives no patch");
 *   - sg_json_parse, the body reader, builds the tree cJSON builds
 *     wherever both read the text (see check_json_reader). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "json.h"
#include "mutate.h"
#include "review.h"

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decodes padded base64; returns a malloc'd NUL-terminated text. */
static char *b64_decode(const char *s)
{
    size_t n = strlen(s), o = 0;
    char *out;

    FUZZ_CHECK(n % 4 == 0, "patch is not padded base64");
    out = malloc(n / 4 * 3 + 1);
    FUZZ_CHECK(out != NULL, "out of memory");
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        for (int k = 0; k < 4; k++) {
            v[k] = s[i + (size_t)k] == '=' ? 0 : b64_value(s[i + (size_t)k]);
            FUZZ_CHECK(v[k] >= 0, "patch is not base64");
        }
        unsigned bits =
            (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 | (unsigned)v[3];
        out[o++] = (char)(bits >> 16);
        if (s[i + 2] != '=')
            out[o++] = (char)(bits >> 8 & 0xff);
        if (s[i + 3] != '=')
            out[o++] = (char)(bits & 0xff);
    }
    out[o] = '\0';
    return out;
}

/* The body as sg_review reads it, every member built. */
static cJSON *parse_body(const uint8_t *data, size_t size)
{
    cJSON *root = NULL;
    const char *why = NULL;
    size_t end = 0;

    FUZZ_CHECK(sg_json_parse((const char *)data, size, NULL, &root, &end, &why) == 0,
               "sg_review read a body sg_json_parse does not: %s at byte %zu", why ? why : "", end);
    return root;
}

/* A run of number characters longer than cJSON's 63-byte number buffer,
 * which cuts such a number short. */
static bool long_number(const uint8_t *data, size_t size)
{
    size_t run = 0;

    for (size_t i = 0; i < size; i++) {
        bool num = (data[i] >= '0' && data[i] <= '9') || data[i] == '.' || data[i] == 'e' ||
                   data[i] == 'E' || data[i] == '+' || data[i] == '-';
        run = num ? run + 1 : 0;
        if (run > 60)
            return true;
    }
    return false;
}

/* cJSON ends strings at a NUL where sg_json_parse writes U+FFFD: give the
 * reference the same text (six bytes for six), so the trees compare. */
static char *defuse_nul(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);

    FUZZ_CHECK(copy != NULL, "out of memory");
    memcpy(copy, data, size);
    copy[size] = '\0';
    for (char *p = copy; (p = memmem(p, size - (size_t)(p - copy), "\\u0000", 6)) != NULL; p++) {
        size_t backslashes = 0;
        while (p - backslashes > copy && p[-(ptrdiff_t)backslashes - 1] == '\\')
            backslashes++;
        if (backslashes % 2 == 0)
            memcpy(p, "\\ufffd", 6);
    }
    return copy;
}

/* True when some byte is not ASCII: sg_json_parse turns invalid UTF-8 into
 * U+FFFD as Go does, cJSON keeps the bytes, so such texts are not compared. */
static bool has_non_ascii(const uint8_t *data, size_t size)
{
    for (size_t i = 0; i < size; i++) {
        if (data[i] >= 0x80)
            return true;
    }
    return false;
}

/* sg_json_parse against cJSON: where both read the text (cJSON after
 * escaped NULs are defused; a raw NUL, non-ASCII bytes or a long number,
 * which cJSON reads short, left out) and end at the same byte, they build
 * the same tree. */
static void check_json_reader(const uint8_t *data, size_t size)
{
    cJSON *ours = NULL, *ref;
    const char *why = NULL, *text, *ref_end = NULL;
    char *copy = NULL;
    size_t end = 0;

    if (memchr(data, '\0', size) != NULL || long_number(data, size) || has_non_ascii(data, size) ||
        sg_json_parse((const char *)data, size, NULL, &ours, &end, &why) != 0)
        return;
    copy = defuse_nul(data, size);
    text = copy;
    ref = cJSON_ParseWithLengthOpts(text, size, &ref_end, false);
    /* cJSON also takes leading zeros ("0096" as 96, where JSON reads 0 and
     * then junk): compare only when both read the same bytes. */
    if (ref != NULL && (size_t)(ref_end - text) == end) {
        /* Printed, not cJSON_Compare: that pairs a key given twice with its
         * first occurrence only. */
        char *a = cJSON_PrintUnformatted(ours), *b = cJSON_PrintUnformatted(ref);
        FUZZ_CHECK(a != NULL && b != NULL, "out of memory");
        FUZZ_CHECK(strcmp(a, b) == 0,
                   "sg_json_parse and cJSON read the text differently\nours:  %s\ncJSON: %s", a, b);
        cJSON_free(a);
        cJSON_free(b);
    }
    cJSON_Delete(ref);
    cJSON_Delete(ours);
    free(copy);
}

/* Applies the response's patch to request.object, then reviews the patched
 * request again: it must not be patched a second time. */
static void check_patch(const char *patch_b64, const uint8_t *data, size_t size)
{
    char *text = b64_decode(patch_b64);
    cJSON *ops = cJSON_Parse(text), *root = parse_body(data, size), *object;
    struct sg_patch patch;
    struct sg_decision *d = NULL;
    struct sg_error err;
    char *body;
    int rc;

    FUZZ_CHECK(cJSON_IsArray(ops) && cJSON_GetArraySize(ops) > 0, "patch is not a list: %s", text);
    sg_patch_init(&patch);
    patch.ops = calloc((size_t)cJSON_GetArraySize(ops), sizeof(*patch.ops));
    FUZZ_CHECK(patch.ops != NULL, "out of memory");
    for (const cJSON *op = ops->child; op != NULL; op = op->next) {
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(op, "op");
        const cJSON *path = cJSON_GetObjectItemCaseSensitive(op, "path");
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(op, "value");
        FUZZ_CHECK(cJSON_IsString(kind) && strcmp(kind->valuestring, "add") == 0,
                   "patch op is not add: %s", text);
        FUZZ_CHECK(cJSON_IsString(path) && strlen(path->valuestring) < SG_POINTER_MAX,
                   "patch path is not a short string: %s", text);
        FUZZ_CHECK(value != NULL, "patch op without value: %s", text);
        strcpy(patch.ops[patch.n].path, path->valuestring);
        patch.ops[patch.n].value = cJSON_Duplicate(value, true);
        patch.n++;
    }
    object = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "request"),
                                              "object");
    FUZZ_CHECK(cJSON_IsObject(object), "patched without an object");
    sg_error_clear(&err);
    rc = sg_patch_apply(object, &patch, &err);
    FUZZ_CHECK(rc == 0, "the response's patch does not apply: %s\npatch: %s", err.msg, text);

    body = cJSON_PrintUnformatted(root);
    FUZZ_CHECK(body != NULL, "out of memory");
    sg_error_clear(&err);
    rc = sg_review(fuzz_policy(), SG_REVIEW_MUTATE, body, strlen(body), &d, &err);
    FUZZ_CHECK(rc == 0, "the patched review is refused: %s\n%s", err.msg, body);
    FUZZ_CHECK(!sg_decision_patched(d), "a mutated object was patched again\nfirst patch: %s\n%s",
               text, sg_decision_response(d, NULL));
    sg_decision_free(d);
    cJSON_free(body);
    sg_patch_release(&patch);
    cJSON_Delete(root);
    cJSON_Delete(ops);
    free(text);
}

static void check_decision(const struct sg_decision *d, enum sg_review_mode mode,
                           const uint8_t *data, size_t size)
{
    size_t len = 0;
    const char *text = sg_decision_response(d, &len);
    enum sg_verdict verdict = sg_decision_verdict(d);
    cJSON *root, *response, *uid, *allowed, *patch;

    FUZZ_CHECK(text != NULL && strlen(text) == len, "response length is not its text's");
    root = cJSON_ParseWithLength(text, len);
    FUZZ_CHECK(cJSON_IsObject(root), "response is not a JSON object: %s", text);
    response = cJSON_GetObjectItemCaseSensitive(root, "response");
    uid = cJSON_GetObjectItemCaseSensitive(response, "uid");
    allowed = cJSON_GetObjectItemCaseSensitive(response, "allowed");
    patch = cJSON_GetObjectItemCaseSensitive(response, "patch");
    FUZZ_CHECK(cJSON_IsString(uid) && strcmp(uid->valuestring, sg_decision_uid(d)) == 0,
               "response uid is not the request's: %s", text);
    FUZZ_CHECK(cJSON_IsBool(allowed) && cJSON_IsTrue(allowed) == (verdict != SG_VERDICT_DENY),
               "allowed disagrees with the verdict %s: %s", sg_verdict_name(verdict), text);
    FUZZ_CHECK((patch != NULL) == sg_decision_patched(d), "patched disagrees with the response");
    FUZZ_CHECK(!sg_decision_patched(d) || (mode == SG_REVIEW_MUTATE && verdict != SG_VERDICT_DENY),
               "a %s response carries a patch", sg_verdict_name(verdict));
    FUZZ_CHECK(sg_decision_patched(d) == (sg_decision_injected(d)[0] != '\0'),
               "injected text disagrees with the patch");
    for (size_t i = 0; i < sg_decision_rule_count(d); i++)
        FUZZ_CHECK(sg_decision_rule(d, i) != NULL, "rule %zu is NULL", i);
    FUZZ_CHECK(sg_decision_kind(d) && sg_decision_namespace(d) && sg_decision_name(d) &&
                   sg_decision_operation(d) && sg_decision_user(d),
               "a request fact is NULL");
    if (patch != NULL) {
        FUZZ_CHECK(cJSON_IsString(patch), "patch is not a string");
        check_patch(patch->valuestring, data, size);
    }
    cJSON_Delete(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum sg_review_mode modes[] = {SG_REVIEW_VALIDATE, SG_REVIEW_MUTATE};

    if (size > FUZZ_REVIEW_MAX)
        size = FUZZ_REVIEW_MAX;
    check_json_reader(data, size);
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        struct sg_decision *d = NULL;
        struct sg_error err;
        int rc;

        sg_error_clear(&err);
        rc = sg_review(fuzz_policy(), modes[i], (const char *)data, size, &d, &err);
        if (rc < 0) {
            FUZZ_CHECK(d == NULL, "a failed review left a decision");
            FUZZ_CHECK(rc == SG_ERR_INVALID || rc == SG_ERR_LIMIT, "review failed with %d: %s", rc,
                       err.msg);
            FUZZ_CHECK(err.code == rc && err.msg[0] != '\0', "review failed with no message");
            continue;
        }
        FUZZ_CHECK(d != NULL, "review succeeded without a decision");
        check_decision(d, modes[i], data, size);
        sg_decision_free(d);
    }
    return 0;
}
