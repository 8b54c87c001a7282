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
 *   - sg_json_parse, the body reader (cJSON with a scan before and a walk
 *     after), refuses exactly what a strict reading of the text (RFC 8259
 *     as Go's encoding/json reads it, written out plainly below) finds
 *     wrong: bad JSON, nesting past SG_JSON_MAX_DEPTH, \u0000, keys given
 *     twice, numbers past a double; refuses, as documented in json.h, the
 *     lone surrogates and long numbers Go would read; returns a tree
 *     otherwise, ending where the strict reading ends, and, with findings,
 *     returns a tree with findings exactly when the strict reading found
 *     \u0000, a repeated key or a number past a double. Where the text is
 *     ASCII the tree is cJSON's own.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "json.h"
#include "mutate.h"
#include "review.h"
#include "rule.h"

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

/* ---- a strict reading, for the differential check ----------------------
 * Plain recursive descent over RFC 8259, decoding strings as Go does (bad
 * UTF-8 and lone surrogates become U+FFFD) to compare keys. Slow and
 * simple on purpose: it is the reference, not the product. */

struct key {
    char *text;
    size_t len;
};

struct strict {
    const unsigned char *start, *p, *end;
    int depth;
    bool bad;         /* not JSON */
    bool deep;        /* nested past SG_JSON_MAX_DEPTH (reading stopped there) */
    bool nul;         /* a string holds \u0000 */
    bool dup;         /* an object holds a key twice */
    bool surrogate;   /* a lone surrogate (Go: U+FFFD; cJSON: refused) */
    bool long_number; /* a number cJSON would read short */
    bool overflow;    /* a number past a double (Go refuses it) */
};

static void strict_value(struct strict *s);

static bool strict_stopped(const struct strict *s)
{
    return s->bad || s->deep;
}

static void strict_space(struct strict *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

static void put(char **out, size_t *len, size_t *cap, const void *bytes, size_t n)
{
    if (*len + n + 1 > *cap) {
        *cap = (*len + n + 1) * 2;
        *out = realloc(*out, *cap);
        FUZZ_CHECK(*out != NULL, "out of memory");
    }
    memcpy(*out + *len, bytes, n);
    *len += n;
}

static void put_rune(char **out, size_t *len, size_t *cap, unsigned long r)
{
    unsigned char b[4];
    size_t n;

    if (r < 0x80) {
        b[0] = (unsigned char)r;
        n = 1;
    } else if (r < 0x800) {
        b[0] = (unsigned char)(0xC0 | r >> 6);
        b[1] = (unsigned char)(0x80 | (r & 0x3F));
        n = 2;
    } else if (r < 0x10000) {
        b[0] = (unsigned char)(0xE0 | r >> 12);
        b[1] = (unsigned char)(0x80 | (r >> 6 & 0x3F));
        b[2] = (unsigned char)(0x80 | (r & 0x3F));
        n = 3;
    } else {
        b[0] = (unsigned char)(0xF0 | r >> 18);
        b[1] = (unsigned char)(0x80 | (r >> 12 & 0x3F));
        b[2] = (unsigned char)(0x80 | (r >> 6 & 0x3F));
        b[3] = (unsigned char)(0x80 | (r & 0x3F));
        n = 4;
    }
    put(out, len, cap, b, n);
}

/* The rune of the UTF-8 sequence at p and its length, or 0 as Go's
 * utf8.DecodeRune judges it (overlong, surrogate, past U+10FFFF). */
static size_t strict_utf8(const unsigned char *p, const unsigned char *end, unsigned long *r)
{
    size_t n = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC0 ? 2 : 0;
    unsigned long v = n == 4 ? p[0] & 0x07u : n == 3 ? p[0] & 0x0Fu : p[0] & 0x1Fu;
    static const unsigned long min[] = {0, 0, 0x80, 0x800, 0x10000};

    if (n == 0 || p[0] > 0xF4 || (size_t)(end - p) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (p[i] & 0x3Fu);
    }
    if (v < min[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *r = v;
    return n;
}

static long strict_hex4(struct strict *s)
{
    long v = 0;

    if (s->end - s->p < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        int c = s->p[i], d = c >= '0' && c <= '9'   ? c - '0'
                             : c >= 'a' && c <= 'f' ? c - 'a' + 10
                             : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                    : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    s->p += 4;
    return v;
}

/* A string at its opening quote; its decoded bytes go to *out when asked. */
static void strict_string(struct strict *s, struct key *out)
{
    char *text = NULL;
    size_t len = 0, cap = 0;

    for (s->p++;;) {
        unsigned long r;
        size_t n;
        if (s->p == s->end || *s->p < 0x20) {
            s->bad = true;
            break;
        }
        if (*s->p == '"') {
            s->p++;
            break;
        }
        if (*s->p >= 0x80) {
            n = strict_utf8(s->p, s->end, &r);
            put_rune(&text, &len, &cap, n ? r : 0xFFFD);
            s->p += n ? n : 1;
            continue;
        }
        if (*s->p != '\\') {
            put(&text, &len, &cap, s->p++, 1);
            continue;
        }
        s->p++;
        if (s->p == s->end) {
            s->bad = true;
            break;
        }
        const char *simple = strchr("\"\\/bfnrt", *s->p), *to = "\"\\/\b\f\n\r\t";
        if (*s->p != 'u' && *s->p != '\0' && simple != NULL) {
            put(&text, &len, &cap, to + (simple - "\"\\/bfnrt"), 1);
            s->p++;
            continue;
        }
        if (*s->p++ != 'u' || (r = (unsigned long)strict_hex4(s)) > 0xFFFF) {
            s->bad = true;
            break;
        }
        if (r >= 0xD800 && r < 0xDC00 && s->end - s->p >= 6 && s->p[0] == '\\' && s->p[1] == 'u') {
            const unsigned char *at = s->p;
            long low;
            s->p += 2;
            low = strict_hex4(s);
            if (low >= 0xDC00 && low <= 0xDFFF)
                r = 0x10000 + ((r - 0xD800) << 10) + ((unsigned long)low - 0xDC00);
            else
                s->p = at; /* read again as an escape of its own */
        }
        if (r >= 0xD800 && r <= 0xDFFF) {
            s->surrogate = true;
            r = 0xFFFD;
        }
        s->nul |= r == 0;
        put_rune(&text, &len, &cap, r);
    }
    if (out != NULL) {
        put(&text, &len, &cap, "", 1);
        out->text = text;
        out->len = len - 1;
    } else {
        free(text);
    }
}

static void strict_number(struct strict *s)
{
    const unsigned char *start = s->p;
    char buf[512];

    s->p += *s->p == '-';
    if (s->p == s->end || *s->p < '0' || *s->p > '9') {
        s->bad = true;
        return;
    }
    if (*s->p == '0')
        s->p++;
    else
        while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
            s->p++;
    if (s->p < s->end && *s->p == '.') {
        s->p++;
        if (s->p == s->end || *s->p < '0' || *s->p > '9') {
            s->bad = true;
            return;
        }
        while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
            s->p++;
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        s->p++;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
            s->p++;
        if (s->p == s->end || *s->p < '0' || *s->p > '9') {
            s->bad = true;
            return;
        }
        while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
            s->p++;
    }
    /* Go's scanner refuses more of a number where one ends (01, 1.2.3). */
    if (s->p < s->end && strchr("0123456789.eE+-", *s->p) != NULL && *s->p != '\0') {
        s->bad = true;
        return;
    }
    size_t n = (size_t)(s->p - start);
    s->long_number |= n > SG_JSON_NUMBER_MAX;
    if (n < sizeof(buf)) {
        memcpy(buf, start, n);
        buf[n] = '\0';
        s->overflow |= isinf(strtod(buf, NULL));
    }
}

static int key_order(const void *a, const void *b)
{
    const struct key *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int d = memcmp(x->text, y->text, n);
    return d != 0 ? d : (x->len > y->len) - (x->len < y->len);
}

static void strict_container(struct strict *s, bool object)
{
    struct key *keys = NULL;
    size_t n = 0;

    if (++s->depth > SG_JSON_MAX_DEPTH) {
        s->deep = true;
        return;
    }
    s->p++;
    strict_space(s);
    if (s->p < s->end && *s->p == (object ? '}' : ']')) {
        s->p++;
        goto out;
    }
    for (;;) {
        if (object) {
            strict_space(s);
            if (s->p == s->end || *s->p != '"') {
                s->bad = true;
                break;
            }
            keys = realloc(keys, (n + 1) * sizeof(*keys));
            FUZZ_CHECK(keys != NULL, "out of memory");
            strict_string(s, &keys[n++]);
            strict_space(s);
            if (strict_stopped(s) || s->p == s->end || *s->p != ':') {
                s->bad |= !s->deep;
                break;
            }
            s->p++;
        }
        strict_value(s);
        if (strict_stopped(s))
            break;
        strict_space(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        if (s->p < s->end && *s->p == (object ? '}' : ']'))
            s->p++;
        else
            s->bad = true;
        break;
    }
out:
    if (n > 1)
        qsort(keys, n, sizeof(*keys), key_order);
    for (size_t i = 1; i < n; i++)
        s->dup |= key_order(&keys[i - 1], &keys[i]) == 0;
    for (size_t i = 0; i < n; i++)
        free(keys[i].text);
    free(keys);
    s->depth--;
}

static void strict_value(struct strict *s)
{
    static const char *const words[] = {"true", "false", "null"};

    strict_space(s);
    if (s->p == s->end) {
        s->bad = true;
        return;
    }
    if (*s->p == '{' || *s->p == '[') {
        strict_container(s, *s->p == '{');
        return;
    }
    if (*s->p == '"') {
        strict_string(s, NULL);
        return;
    }
    if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9')) {
        strict_number(s);
        return;
    }
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(words[i]);
        if ((size_t)(s->end - s->p) >= n && memcmp(s->p, words[i], n) == 0) {
            s->p += n;
            return;
        }
    }
    s->bad = true;
}

/* sg_json_parse against the strict reading, with and without findings. */
static void check_json_reader(const uint8_t *data, size_t size)
{
    struct strict s = {.start = data, .p = data, .end = data + size};
    struct sg_json_options unique = {.unique_keys = true};
    struct sg_report findings;
    struct sg_json_options found = {.unique_keys = true, .findings = &findings};
    const char *why = NULL;
    size_t end = 0, kinds;
    cJSON *tree = NULL;
    int rc;

    strict_value(&s);
    kinds = (size_t)s.bad + s.deep + s.nul + s.dup + s.surrogate + s.long_number + s.overflow;
    rc = sg_json_parse((const char *)data, size, &unique, &tree, &end, &why);
    if (kinds == 0) {
        FUZZ_CHECK(rc == 0, "sg_json_parse refused what a strict reading takes: %s at byte %zu",
                   why, end);
        FUZZ_CHECK(end == (size_t)(s.p - s.start), "sg_json_parse ends at %zu, strictly %zu", end,
                   (size_t)(s.p - s.start));
    } else {
        FUZZ_CHECK(rc != 0,
                   "sg_json_parse took what a strict reading refuses (bad %d, deep %d, "
                   "nul %d, dup %d, surrogate %d, long number %d, overflow %d)",
                   s.bad, s.deep, s.nul, s.dup, s.surrogate, s.long_number, s.overflow);
    }
    /* One thing wrong: sg_json_parse says that thing. */
    if (kinds == 1 && !s.bad) {
        const char *want = s.deep          ? "nested too deep"
                           : s.nul         ? "\\u0000"
                           : s.dup         ? "given twice"
                           : s.surrogate   ? "surrogate"
                           : s.long_number ? "more than 63 characters"
                                           : "beyond what a double holds";
        FUZZ_CHECK(strstr(why, want) != NULL, "sg_json_parse says '%s', strictly '%s'", why, want);
        FUZZ_CHECK((rc == SG_ERR_LIMIT) == s.deep, "depth refused with %d", rc);
    }
    /* Where the text is ASCII, the tree is cJSON's own. */
    if (rc == 0) {
        bool ascii = true;
        for (size_t i = 0; i < size && ascii; i++)
            ascii = data[i] < 0x80;
        cJSON *ref = ascii ? cJSON_ParseWithLength((const char *)data, end) : NULL;
        if (ref != NULL) {
            char *a = cJSON_PrintUnformatted(tree), *b = cJSON_PrintUnformatted(ref);
            FUZZ_CHECK(a != NULL && b != NULL, "out of memory");
            FUZZ_CHECK(strcmp(a, b) == 0, "the tree is not cJSON's\nours:  %s\ncJSON: %s", a, b);
            cJSON_free(a);
            cJSON_free(b);
        }
        cJSON_Delete(ref);
    }
    cJSON_Delete(tree);
    tree = NULL;

    /* With findings: a tree, with findings exactly for what the walk finds. */
    sg_report_init(&findings);
    rc = sg_json_parse((const char *)data, size, &found, &tree, &end, &why);
    if (!s.bad && !s.deep && !s.surrogate && !s.long_number) {
        FUZZ_CHECK(rc == 0, "with findings, sg_json_parse refused: %s at byte %zu", why, end);
        FUZZ_CHECK((findings.n > 0) == (s.nul || s.dup || s.overflow),
                   "%zu findings; strictly nul %d, dup %d, overflow %d", findings.n, s.nul, s.dup,
                   s.overflow);
    }
    cJSON_Delete(tree);
    sg_report_release(&findings);
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
    rc = sg_review(fuzz_policy(), SG_MODE_MUTATE, body, strlen(body), &d, &err);
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

static void check_decision(const struct sg_decision *d, enum sg_mode mode, const uint8_t *data,
                           size_t size)
{
    size_t len = 0;
    const char *text = sg_decision_response(d, &len);
    enum sg_verdict verdict = sg_decision_verdict(d);
    const uint32_t inject = 1u << SG_HIT_INJECT_SECCOMP | 1u << SG_HIT_INJECT_DROP;
    uint32_t hits;
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
    FUZZ_CHECK(!sg_decision_patched(d) || (mode == SG_MODE_MUTATE && verdict != SG_VERDICT_DENY),
               "a %s response carries a patch", sg_verdict_name(verdict));
    FUZZ_CHECK(sg_decision_patched(d) == (sg_decision_injected(d)[0] != '\0'),
               "injected text disagrees with the patch");
    hits = sg_decision_hits(d);
    FUZZ_CHECK((hits >> SG_HIT_COUNT) == 0, "hits past the last one: %#x", (unsigned)hits);
    FUZZ_CHECK(((hits & inject) != 0) == sg_decision_patched(d),
               "the inject-* hits disagree with the patch (hits %#x)", (unsigned)hits);
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
    static const enum sg_mode modes[] = {SG_MODE_VALIDATE, SG_MODE_MUTATE};

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
