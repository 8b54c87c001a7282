/* test_json.c - the parse entry behind every review and JSON manifest
 * (cJSON's parser, the scan before it, the walk after it): what it accepts
 * and refuses as Go's encoding/json does, where cJSON differs and what is
 * done about it, error offsets, findings with their paths, depth, and the
 * string writer. */
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

/* A whole document (trailing whitespace only), with `opt`. */
static cJSON *parse_with(const char *text, size_t len, const struct sg_json_options *opt, int *rc,
                         size_t *at, const char **why)
{
    cJSON *out = NULL;
    size_t end = 0;
    const char *reason = NULL;

    *rc = sg_json_parse(text, len, opt, &out, &end, &reason);
    if (*rc == 0) {
        assert_null(reason);
        while (end < len && strchr(" \t\r\n", text[end]) != NULL)
            end++;
        if (end != len) {
            cJSON_Delete(out);
            out = NULL;
            *rc = SG_ERR_INVALID;
            reason = "text after the value";
        }
    } else {
        assert_null(out);
        assert_non_null(reason);
    }
    if (at != NULL)
        *at = end;
    if (why != NULL)
        *why = reason;
    return out;
}

static void accepts(const char *text, const char *canonical)
{
    int rc;
    cJSON *v = parse_with(text, strlen(text), NULL, &rc, NULL, NULL);
    char *printed;

    if (rc != 0)
        fail_msg("refused valid JSON: %s", text);
    printed = cJSON_PrintUnformatted(v);
    if (strcmp(printed, canonical) != 0)
        fail_msg("%s read as %s, want %s", text, printed, canonical);
    cJSON_free(printed);
    cJSON_Delete(v);
}

/* Refused at byte `at` (-1: anywhere) with a reason containing `why`;
 * `len` 0 is strlen(text). */
static void refused_at(const char *text, size_t len, const struct sg_json_options *opt, int want_rc,
                       long at, const char *why)
{
    int rc;
    size_t got_at;
    const char *reason;
    cJSON *v = parse_with(text, len ? len : strlen(text), opt, &rc, &got_at, &reason);

    if (rc == 0)
        fail_msg("accepted: %s", text);
    assert_null(v);
    assert_int_equal(rc, want_rc);
    if (at >= 0 && got_at != (size_t)at)
        fail_msg("%s: refused at byte %zu (%s), want %ld", text, got_at, reason, at);
    if (why != NULL && strstr(reason, why) == NULL)
        fail_msg("%s: reason '%s' lacks '%s'", text, reason, why);
}

static void refuses(const char *text)
{
    refused_at(text, 0, NULL, SG_ERR_INVALID, -1, NULL);
}

static void grammar(void **state)
{
    (void)state;
    accepts(" {\"a\" : [1, -0, 0.5, 1e3, 1E-2, 2.5e+2, true, false, null, \"\"]}\n",
            "{\"a\":[1,-0,0.5,1000,0.01,250,true,false,null,\"\"]}");
    accepts("123456789012345678", "1.2345678901234568e+17");
    accepts("-1e308", "-1e+308");
    accepts("1e-400", "0"); /* an underflow is 0, as in Go */
    accepts("[[],{},[{}]]", "[[],{},[{}]]");
    accepts("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\ud83d\\ude00\"",
            "\"\\\" \\\\ / \\b \\f \\n \\r \\t \xC3\xA9 \xF0\x9F\x98\x80\"");
    accepts("\"\xC3\xA9\"", "\"\xC3\xA9\"");
    accepts("\"\xF0\x9F\x98\x80\"", "\"\xF0\x9F\x98\x80\"");
    /* "\\u0000" is a backslash and the text u0000. */
    accepts("\"\\\\u0000\"", "\"\\\\u0000\"");
    accepts("\"\\\\\\\\u0000\"", "\"\\\\\\\\u0000\"");

    const char *bad[] = {
        "",         " ",          "01",          "-01",          "+1",
        "1.",       ".5",         "-.5",         "1.e5",         "1e",
        "1e+",      "-",          "--1",         "0x10",         "1.2.3",
        "tru",      "nul",        "NaN",         "Infinity",     "-Infinity",
        "1e400",    "-1e400",     "[1,]",        "{\"a\":1,}",   "{\"a\" 1}",
        "{a:1}",    "{'a':1}",    "[1 2]",       "{\"a\"}",      "\"abc",
        "\"\\x\"",  "\"\\u12\"",  "\"\\u12g4\"", "\"\\u\"",      "[",
        "{",        "]",          "/*c*/1",      "[1]/",         "\"a\tb\"",
        "\"a\nb\"", "\"\\",       "{\"a\":",     "[true false]", "[1,\x01 2]",
        "\x0c[1]",  "{\"a\":1}}", "[1]]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        refuses(bad[i]);
}

/* Each place where cJSON reads differently from Go, and what is done. */
static void where_cjson_and_go_differ(void **state)
{
    (void)state;
    /* cJSON skips a byte order mark; Go refuses it. Refused. */
    refused_at("\xEF\xBB\xBF{}", 5, NULL, SG_ERR_INVALID, 0, "not a JSON value");
    /* cJSON takes any byte up to ' ' as space; Go only four. Refused. */
    refused_at("[1,\x01 2]", 7, NULL, SG_ERR_INVALID, 3, "control character");
    /* cJSON keeps a raw NUL, which ends the C string. Refused, as Go does. */
    refused_at("[\"a\0b\"]", 7, NULL, SG_ERR_INVALID, 3, "control character");
    /* cJSON's strtod takes leading zeros and bare dots. Refused, as Go does. */
    refused_at("[1, 007]", 8, NULL, SG_ERR_INVALID, 4, "leading zero");
    /* cJSON reads a bad \u escape as 0, a NUL. Refused, as Go does. */
    refused_at("[\"ab\\u00g0\"]", 12, NULL, SG_ERR_INVALID, 4, "bad escape");
    /* cJSON refuses lone surrogates, which Go reads as U+FFFD. Refused:
     * the API server never writes one. */
    refused_at("[\"x\\ud800\"]", 11, NULL, SG_ERR_INVALID, 3, "lone UTF-16 surrogate");
    refused_at("\"\\udc00x\"", 9, NULL, SG_ERR_INVALID, 1, "lone UTF-16 surrogate");
    refused_at("\"\\ud800\\u0041\"", 14, NULL, SG_ERR_INVALID, 1, "lone UTF-16 surrogate");
    /* cJSON reads 63 characters of a number and stops. Refused whole. */
    char num[SG_JSON_NUMBER_MAX + 2];
    memset(num, '1', SG_JSON_NUMBER_MAX);
    num[SG_JSON_NUMBER_MAX] = '\0';
    accepts(num, "1.1111111111111112e+62");
    memset(num, '1', SG_JSON_NUMBER_MAX + 1);
    refused_at(num, SG_JSON_NUMBER_MAX + 1, NULL, SG_ERR_INVALID, 0, "more than 63 characters");
    /* cJSON reads 1e400 as infinity, and prints it as null. Refused. */
    refused_at("{\"a\":[1,1e400]}", 15, NULL, SG_ERR_INVALID, 8, "beyond what a double holds");
    /* Invalid UTF-8: cJSON keeps the bytes, Go reads U+FFFD for each bad
     * byte (a stray continuation byte, a truncated sequence, an encoded
     * surrogate, a code point past U+10FFFF, an overlong form), in keys
     * too. Repaired as Go reads it. */
    accepts("\"\x80|\xE2\x82|\xED\xA0\x80|\xF4\x90\x80\x80|\xC0\xAF\"",
            "\"\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|"
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD\"");
    accepts("{\"k\xFF\":[\"\xC3\xA9\xFE\"]}", "{\"k\xEF\xBF\xBD\":[\"\xC3\xA9\xEF\xBF\xBD\"]}");
}

/* \u0000 ends a cJSON string: "SYS_ADMIN\u0000x" would read as SYS_ADMIN. */
static void nul_escapes_are_refused(void **state)
{
    static const char *const within[] = {"request", "object", NULL};
    struct sg_report findings;
    struct sg_json_options opt = {.findings = &findings, .within = within};
    const char *text =
        "{\"request\":{\"uid\":\"u\",\"object\":{\"spec\":{\"add\":[\"NET_RAW\",\"SYS_ADMIN"
        "\\u0000x\"],\"k\\u0000\":1}},\"oldObject\":{\"s\":\"\\u0000\"}}}";
    int rc;
    cJSON *v;
    (void)state;

    refused_at("[\"ok\",\"SYS_ADMIN\\u0000x\"]", 0, NULL, SG_ERR_INVALID, 16, "\\u0000");
    refused_at("{\"a\\u0000\":1}", 0, NULL, SG_ERR_INVALID, 3, "\\u0000");

    /* With findings the tree comes back, and each string is named. */
    sg_report_init(&findings);
    v = parse_with(text, strlen(text), &opt, &rc, NULL, NULL);
    assert_int_equal(rc, 0);
    assert_non_null(v);
    assert_int_equal(findings.n, 3);
    assert_string_equal(findings.items[0].path, "spec.add[1]");
    assert_non_null(strstr(findings.items[0].message, "holds \\u0000"));
    assert_string_equal(findings.items[1].path, "spec.k");
    assert_non_null(strstr(findings.items[1].message, "a key here holds \\u0000"));
    assert_string_equal(findings.items[2].path, "request.oldObject.s");
    assert_int_equal(findings.items[2].rule, SG_RULE_UNREADABLE);
    assert_int_equal(findings.items[2].action, SG_ACTION_DENY);
    cJSON_Delete(v);
    sg_report_release(&findings);
}

static void keys_given_twice(void **state)
{
    struct sg_json_options unique = {.unique_keys = true};
    struct sg_report findings;
    struct sg_json_options found = {.unique_keys = true, .findings = &findings};
    char *big;
    size_t n = 0, cap = 128 * 1024;
    int rc;
    cJSON *v;
    (void)state;

    /* Without the option both stay, as cJSON reads them. */
    v = parse_with("{\"a\":1,\"a\":2}", 13, NULL, &rc, NULL, NULL);
    assert_int_equal(rc, 0);
    assert_int_equal(cJSON_GetArraySize(v), 2);
    cJSON_Delete(v);
    refused_at("{\"a\":1,\"b\":{\"c\":2,\"c\":3}}", 25, &unique, SG_ERR_INVALID, 18, "given twice");
    /* Two spellings of one key are one key. */
    refused_at("{\"a\":1,\"\\u0061\":2}", 18, &unique, SG_ERR_INVALID, 7, "given twice");
    /* Keys are compared as Go decodes them: two bad bytes are two U+FFFD. */
    refused_at("{\"a\xFF\":1,\"a\xFE\":2}", 17, &unique, SG_ERR_INVALID, 8, "given twice");
    /* A long object goes through a hash table: 5,000 keys, the repeat last. */
    big = malloc(cap);
    n += (size_t)snprintf(big, cap, "{");
    for (int i = 0; i < 5000; i++)
        n += (size_t)snprintf(big + n, cap - n, "\"key%d\":%d,", i, i);
    size_t repeat_at = n;
    n += (size_t)snprintf(big + n, cap - n, "\"key4321\":0}");
    refused_at(big, n, &unique, SG_ERR_INVALID, (long)repeat_at, "given twice");
    big[repeat_at + 4] = 'X'; /* "keyX321": no repeat */
    v = parse_with(big, n, &unique, &rc, NULL, NULL);
    assert_int_equal(rc, 0);
    assert_int_equal(cJSON_GetArraySize(v), 5001);
    cJSON_Delete(v);
    free(big);
    /* Findings: each key given twice is named once, however often. */
    sg_report_init(&findings);
    const char *text = "{\"x\":[{\"a\":1,\"a\":2,\"a\":3,\"b\":0,\"b\":1}]}";
    v = parse_with(text, strlen(text), &found, &rc, NULL, NULL);
    assert_int_equal(rc, 0);
    assert_int_equal(findings.n, 2);
    assert_string_equal(findings.items[0].path, "x[0].a");
    assert_string_equal(findings.items[1].path, "x[0].b");
    assert_non_null(strstr(findings.items[0].message, "the key is given twice"));
    cJSON_Delete(v);
    sg_report_release(&findings);
    /* The same in a long object, which goes through the hash table. */
    sg_report_init(&findings);
    big = malloc(cap);
    n = (size_t)snprintf(big, cap, "{\"x\":{");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(big + n, cap - n, "\"k%d\":0,", i % 3 == 0 ? 7 : i);
    n += (size_t)snprintf(big + n, cap - n, "\"k38\":1}}");
    v = parse_with(big, n, &found, &rc, NULL, NULL);
    assert_int_equal(rc, 0);
    assert_int_equal(findings.n, 2);
    assert_string_equal(findings.items[0].path, "x.k7");
    assert_string_equal(findings.items[1].path, "x.k38");
    cJSON_Delete(v);
    sg_report_release(&findings);
    free(big);
}

/* tree.c's key_hash, copied: keys made to collide in its table. Should
 * tree.c's change, these keys would stop colliding and this test would go
 * through the table instead of the sort (and still pass): change both. */
static uint64_t key_hash(const char *s)
{
    size_t len = strlen(s);
    uint64_t h = len * 0x9E3779B97F4A7C15u, w;

    for (; len >= 8; s += 8, len -= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * 0x9E3779B97F4A7C15u;
        h ^= h >> 32;
    }
    w = 0;
    memcpy(&w, s, len);
    h ^= w; /* then MurmurHash3's finaliser: every bit of h moves the low ones */
    h = (h ^ h >> 33) * 0xFF51AFD7ED558CCDu;
    h = (h ^ h >> 33) * 0xC4CEB9FE1A85EC53u;
    return h ^ h >> 33;
}

/* Keys that all land in one slot of a long object's hash table make the
 * look-ups long: the sort settles it, with the same findings and offset. */
static void colliding_keys_are_sorted(void **state)
{
    struct sg_report findings;
    struct sg_json_options found = {.unique_keys = true, .findings = &findings};
    struct sg_json_options unique = {.unique_keys = true};
    char text[4096], key[16];
    size_t n = 0, count = 0, second = 0;
    int rc;
    cJSON *v;
    (void)state;

    n += (size_t)snprintf(text, sizeof(text), "{\"x\":{");
    for (unsigned i = 0; count < 40; i++) {
        snprintf(key, sizeof(key), "c%u", i);
        if ((key_hash(key) & 127) != 0) /* 40 keys: a table of 128 slots */
            continue;
        if (count == 30)
            second = n;
        n += (size_t)snprintf(text + n, sizeof(text) - n, "\"%s\":%zu,",
                              count == 30   ? "dup"
                              : count == 10 ? "dup"
                                            : key,
                              count);
        count++;
    }
    text[n - 1] = '}';
    text[n++] = '}';
    text[n] = '\0';
    sg_report_init(&findings);
    v = parse_with(text, n, &found, &rc, NULL, NULL);
    assert_int_equal(rc, 0);
    assert_int_equal(findings.n, 1);
    assert_string_equal(findings.items[0].path, "x.dup");
    cJSON_Delete(v);
    sg_report_release(&findings);
    refused_at(text, n, &unique, SG_ERR_INVALID, (long)second, "given twice");
}

static void exact_integers(void **state)
{
    struct sg_json_options exact = {.exact_integers = true};
    int rc;
    cJSON *v;
    (void)state;

    const char *fit = "[9007199254740992,-9007199254740992,1e20,9007199254740993.5]";
    v = parse_with(fit, strlen(fit), &exact, &rc, NULL, NULL);
    assert_int_equal(rc, 0);
    cJSON_Delete(v);
    refused_at("[1, 9007199254740993]", 0, &exact, SG_ERR_INVALID, 4, "beyond 2^53");
    refused_at("[1, -9007199254740993]", 0, &exact, SG_ERR_INVALID, 4, "beyond 2^53");
    /* Not asked: read, rounded. */
    v = parse_with("9007199254740993", 16, NULL, &rc, NULL, NULL);
    assert_int_equal(rc, 0);
    assert_true(v->valuedouble == 9007199254740992.0);
    cJSON_Delete(v);
}

static void depth_is_bounded(void **state)
{
    size_t deep = 10000;
    char *text = malloc(2 * deep);
    int rc;
    cJSON *v;
    (void)state;

    for (size_t depth = SG_JSON_MAX_DEPTH; depth <= SG_JSON_MAX_DEPTH + 1; depth++) {
        memset(text, '[', depth);
        memset(text + depth, ']', depth);
        v = parse_with(text, 2 * depth, NULL, &rc, NULL, NULL);
        if (depth == SG_JSON_MAX_DEPTH) {
            assert_int_equal(rc, 0);
            cJSON_Delete(v);
        } else {
            assert_int_equal(rc, SG_ERR_LIMIT);
        }
    }
    /* 10,000 deep: the scan stops at the first bracket too many, before
     * cJSON (whose own bound is 1000) recurses. */
    memset(text, '[', deep);
    memset(text + deep, ']', deep);
    refused_at(text, 2 * deep, NULL, SG_ERR_LIMIT, SG_JSON_MAX_DEPTH, "nested too deep");
    free(text);
}

/* Values and keys together are bounded, whatever their kind: a list of
 * SG_JSON_MAX_NODES - 1 items is read, one more is refused at that item,
 * before cJSON builds a tree for any of it. */
static void nodes_are_bounded(void **state)
{
    static const char *const items[] = {"0", "true", "\"\"", "[]", "{}", "null"};
    size_t n = SG_JSON_MAX_NODES, len;
    char *text = malloc(6 * n + 16); /* "null," the longest item */
    int rc;
    cJSON *v;
    (void)state;

    for (size_t k = 0; k < sizeof(items) / sizeof(items[0]); k++) {
        size_t item = strlen(items[k]);
        for (size_t count = n - 1; count <= n; count++) {
            len = 0;
            text[len++] = '[';
            for (size_t i = 0; i < count; i++) {
                memcpy(text + len, items[k], item);
                len += item;
                text[len++] = ',';
            }
            text[len - 1] = ']';
            if (count == n - 1) {
                v = parse_with(text, len, NULL, &rc, NULL, NULL);
                assert_int_equal(rc, 0);
                assert_int_equal(cJSON_GetArraySize(v), (int)count);
                cJSON_Delete(v);
            } else {
                refused_at(text, len, NULL, SG_ERR_LIMIT, (long)(1 + (n - 1) * (item + 1)),
                           "too many values and keys");
            }
        }
    }
    /* Keys count as well: {"a":0} is three. */
    len = 0;
    text[len++] = '[';
    for (size_t i = 0; i < n / 3 + 1; i++) {
        memcpy(text + len, "{\"a\":0},", 8);
        len += 8;
    }
    text[len - 1] = ']';
    refused_at(text, len, NULL, SG_ERR_LIMIT, -1, "too many values and keys");
    free(text);
}

/* A stream: each value ends where cJSON ends it, and the scan of one
 * value does not look at the next. */
static void values_in_a_stream(void **state)
{
    const char *text = "{\"a\":1} [2]\n\"s\" 3 {\"b\":";
    size_t at = 0, end;
    const char *want[] = {"{\"a\":1}", "[2]", "\"s\"", "3"};
    cJSON *v;
    (void)state;

    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(sg_json_parse(text + at, strlen(text) - at, NULL, &v, &end, NULL), 0);
        char *printed = cJSON_PrintUnformatted(v);
        assert_string_equal(printed, want[i]);
        cJSON_free(printed);
        cJSON_Delete(v);
        at += end;
    }
    const char *why = NULL;
    assert_int_equal(sg_json_parse(text + at, strlen(text) - at, NULL, &v, &end, &why),
                     SG_ERR_INVALID);
    assert_null(v);
    assert_string_equal(why, "the text ends before the value does");
}

/* cJSON's hooks, counting: every string the parse repairs is allocated and
 * freed through them, as the server's arena needs. */
static size_t hook_live;

static void *counting_malloc(size_t n)
{
    hook_live++;
    return malloc(n);
}

static void counting_free(void *p)
{
    if (p != NULL)
        hook_live--;
    free(p);
}

static void allocations_go_through_cjson_hooks(void **state)
{
    const char *text = "{\"k\xFF\":[\"a\xFE\",{\"x\":\"\xC3\xA9\xFF\"}],\"n\":1}";
    cJSON_Hooks hooks = {.malloc_fn = counting_malloc, .free_fn = counting_free};
    struct sg_json_options unique = {.unique_keys = true};
    int rc;
    cJSON *v;
    (void)state;

    cJSON_InitHooks(&hooks);
    hook_live = 0;
    v = parse_with(text, strlen(text), &unique, &rc, NULL, NULL);
    assert_int_equal(rc, 0);
    assert_true(hook_live > 0);
    cJSON_Delete(v);
    assert_int_equal(hook_live, 0);
    /* A refused parse leaves nothing behind. */
    refused_at("{\"a\xFF\":[1,2],\"a\xFE\":3}", 0, &unique, SG_ERR_INVALID, 12, "given twice");
    assert_int_equal(hook_live, 0);
    cJSON_InitHooks(NULL);
}

static void writer_escapes_and_keeps_utf8(void **state)
{
    struct sg_buf b;
    (void)state;

    sg_buf_init(&b, 4096);
    sg_json_write_string(&b, "a\"b\\c\nd\te\x01\x1f \xC3\xA9 \xF0\x9F\x98\x80");
    assert_string_equal(sg_buf_str(&b),
                        "\"a\\\"b\\\\c\\nd\\te\\u0001\\u001f \xC3\xA9 \xF0\x9F\x98\x80\"");
    sg_buf_release(&b);
    /* Bytes that are not UTF-8 (a message cut inside a character, say)
     * are written as U+FFFD, each: the response stays valid. */
    sg_buf_init(&b, 4096);
    sg_json_write_string(&b, "long enough to take the 16-byte path \xE2\x82 then \xFF\xC0\xAF!");
    assert_string_equal(sg_buf_str(&b),
                        "\"long enough to take the 16-byte path \xEF\xBF\xBD"
                        "\xEF\xBF\xBD then \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD!\"");
    sg_buf_release(&b);
}

/* Every review fixture reads as cJSON alone reads it. */
static void agrees_with_cjson_on_requests(void **state)
{
    const char *dir = getenv("SG_REVIEW_FIXTURES");
    const char *names[] = {"pod-unconfined",    "pod-missing-profile", "pod-capabilities",
                           "deployment-create", "cronjob-privileged",  "pod-privileged-debug"};
    struct sg_json_options unique = {.unique_keys = true};
    (void)state;

    if (dir == NULL)
        skip();
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char path[4096], *text;
        FILE *f;
        long n;
        int rc;
        snprintf(path, sizeof(path), "%s/%s.json", dir, names[i]);
        f = fopen(path, "rb");
        assert_non_null(f);
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fseek(f, 0, SEEK_SET);
        text = malloc((size_t)n + 1);
        assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
        text[n] = '\0';
        fclose(f);
        cJSON *ours = parse_with(text, (size_t)n, &unique, &rc, NULL, NULL),
              *theirs = cJSON_Parse(text);
        assert_int_equal(rc, 0);
        assert_non_null(theirs);
        if (!cJSON_Compare(ours, theirs, true))
            fail_msg("%s reads differently from cJSON", path);
        cJSON_Delete(ours);
        cJSON_Delete(theirs);
        free(text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grammar),
        cmocka_unit_test(where_cjson_and_go_differ),
        cmocka_unit_test(nul_escapes_are_refused),
        cmocka_unit_test(keys_given_twice),
        cmocka_unit_test(colliding_keys_are_sorted),
        cmocka_unit_test(exact_integers),
        cmocka_unit_test(depth_is_bounded),
        cmocka_unit_test(nodes_are_bounded),
        cmocka_unit_test(values_in_a_stream),
        cmocka_unit_test(allocations_go_through_cjson_hooks),
        cmocka_unit_test(writer_escapes_and_keeps_utf8),
        cmocka_unit_test(agrees_with_cjson_on_requests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
