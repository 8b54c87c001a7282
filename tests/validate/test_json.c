/* test_json.c - the strict JSON reader behind every review: what it
 * accepts and refuses (as Go's encoding/json does), NULs and surrogates,
 * skipped keys, depth, and agreement with cJSON on real requests. */
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

static cJSON *parse(const char *text, size_t len, const char *const *skip, int *rc)
{
    cJSON *out = NULL;
    size_t end = 0;
    const char *why = NULL;

    struct sg_json_options opt = {.skip = skip};

    *rc = sg_json_parse(text, len, &opt, &out, &end, &why);
    if (*rc == 0 && end != len) {
        /* Whole-document tests: trailing whitespace only. */
        while (end < len && strchr(" \t\r\n", text[end]) != NULL)
            end++;
        if (end != len) {
            cJSON_Delete(out);
            *rc = SG_ERR_INVALID;
            return NULL;
        }
    }
    if (*rc != 0)
        assert_non_null(why);
    return out;
}

static void accepts(const char *text, const char *canonical)
{
    int rc;
    cJSON *v = parse(text, strlen(text), NULL, &rc);
    char *printed;

    if (rc != 0)
        fail_msg("refused valid JSON: %s", text);
    printed = cJSON_PrintUnformatted(v);
    if (strcmp(printed, canonical) != 0)
        fail_msg("%s read as %s, want %s", text, printed, canonical);
    cJSON_free(printed);
    cJSON_Delete(v);
}

static void refuses(const char *text, size_t len)
{
    int rc;
    cJSON *v = parse(text, len ? len : strlen(text), NULL, &rc);

    if (rc == 0)
        fail_msg("accepted invalid JSON: %s", text);
    assert_null(v);
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
    /* Invalid UTF-8, byte by byte, as Go's decoder reads it: a stray
     * continuation byte, a truncated sequence, an encoded surrogate, a code
     * point past U+10FFFF, an overlong form. */
    accepts("\"\x80|\xE2\x82|\xED\xA0\x80|\xF4\x90\x80\x80|\xC0\xAF\"",
            "\"\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|"
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD\"");
    accepts("\"\xF0\x9F\x98\x80\"", "\"\xF0\x9F\x98\x80\"");

    const char *bad[] = {
        "",
        " ",
        "01",
        "+1",
        "1.",
        ".5",
        "1e",
        "-",
        "--1",
        "0x10",
        "tru",
        "nul",
        "NaN",
        "Infinity",
        "1e400",
        "-1e400",
        "[1,]",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{a:1}",
        "{'a':1}",
        "[1 2]",
        "{\"a\"}",
        "\"abc",
        "\"\\x\"",
        "\"\\u12\"",
        "\"\\u12g4\"",
        "[",
        "{",
        "]",
        "/*c*/1",
        "[1]/",
        "\"a\tb\"",
        "\"a\nb\"",
        "\"\\",
        "{\"a\":",
        "[true false]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        refuses(bad[i], 0);
}

static void nul_and_surrogates_become_replacement_characters(void **state)
{
    (void)state;
    accepts("\"SYS_ADMIN\\u0000x\"", "\"SYS_ADMIN\xEF\xBF\xBDx\"");
    accepts("\"\\ud800\"", "\"\xEF\xBF\xBD\"");
    accepts("\"\\udc00x\"", "\"\xEF\xBF\xBDx\"");
    accepts("\"\\ud800\\u0041\"", "\"\xEF\xBF\xBD"
                                  "A\"");
    /* "\\u0000" is a backslash and the text u0000. */
    accepts("\"\\\\u0000\"", "\"\\\\u0000\"");
    /* A raw NUL byte inside a string: not a terminator. */
    int rc;
    cJSON *v = parse("[\"a\0b\"]", 7, NULL, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(v->child->valuestring, "a\xEF\xBF\xBD"
                                               "b");
    cJSON_Delete(v);
}

static void skipped_keys_are_checked_not_built(void **state)
{
    static const char *const skip[] = {"managedFields", "env", NULL};
    const char *text = "{\"metadata\":{\"name\":\"x\",\"managedFields\":[{\"a\":[1,2,{}]}]},"
                       "\"env\":\"v\",\"\\u0065nv\":1,\"keep\":{\"env\":[]}}";
    int rc;
    cJSON *v = parse(text, strlen(text), skip, &rc);
    char *printed;
    (void)state;

    assert_int_equal(rc, 0);
    printed = cJSON_PrintUnformatted(v);
    /* A key written with escapes is not skipped: only keys nothing reads
     * are on the list, so building one costs time, never a verdict. */
    assert_string_equal(printed, "{\"metadata\":{\"name\":\"x\"},\"env\":1,\"keep\":{}}");
    cJSON_free(printed);
    cJSON_Delete(v);
    /* Bad JSON inside a skipped value is still bad JSON. */
    const char *bad = "{\"managedFields\":[1,]}";
    assert_null(parse(bad, strlen(bad), skip, &rc));
    assert_int_equal(rc, SG_ERR_INVALID);
}

static void depth_is_bounded(void **state)
{
    char *text = malloc(2 * SG_JSON_MAX_DEPTH + 4);
    int rc;
    cJSON *v;
    (void)state;

    for (size_t depth = SG_JSON_MAX_DEPTH; depth <= SG_JSON_MAX_DEPTH + 1; depth++) {
        memset(text, '[', depth);
        memset(text + depth, ']', depth);
        v = parse(text, 2 * depth, NULL, &rc);
        if (depth == SG_JSON_MAX_DEPTH) {
            assert_int_equal(rc, 0);
            cJSON_Delete(v);
        } else {
            assert_int_equal(rc, SG_ERR_LIMIT);
        }
    }
    free(text);
}

/* cJSON's hooks, counting what sg_json_read asks for: its blocks. */
static size_t hook_allocs;

static void *counting_malloc(size_t n)
{
    hook_allocs++;
    return malloc(n);
}

/* An object of `n` members whose values are escaped strings of about
 * `value_len` bytes each (every other one a \u escape), then `tail`. */
static char *many_members(size_t n, size_t value_len, const char *tail, size_t *len)
{
    size_t cap = n * (value_len * 4 + 64) + strlen(tail) + 16, o = 0;
    char *text = malloc(cap);

    text[o++] = '{';
    for (size_t i = 0; i < n; i++) {
        o += (size_t)snprintf(text + o, cap - o, "%s\"key%05zu\":\"", i > 0 ? "," : "", i);
        for (size_t k = 0; k < value_len; k++)
            o += (size_t)snprintf(text + o, cap - o, "%s", k % 2 == 0 ? "\\u00e9" : "x");
        text[o++] = '"';
    }
    o += (size_t)snprintf(text + o, cap - o, "%s", tail);
    *len = o;
    return text;
}

/* A tree bigger than the first block spans several, and every node and
 * string in them is whole: it reads as sg_json_parse reads it. A value
 * bigger than any block gets a block of its own. */
static void read_fills_several_blocks(void **state)
{
    size_t len, end = 0, end_parse = 0;
    char *text = many_members(3000, 40, "}", &len);
    struct sg_json_doc doc;
    cJSON *parsed = NULL;
    const char *why = "unset";
    char key[16], *big;
    (void)state;

    hook_allocs = 0;
    cJSON_Hooks hooks = {.malloc_fn = counting_malloc, .free_fn = free};
    cJSON_InitHooks(&hooks);
    assert_int_equal(sg_json_read(text, len, NULL, &doc, &end, &why), 0);
    cJSON_InitHooks(NULL);
    assert_true(hook_allocs >= 4); /* 3000 nodes, keys and values: well past 8 KiB */
    assert_int_equal(end, len);
    assert_null(why);
    assert_int_equal(sg_json_parse(text, len, NULL, &parsed, &end_parse, NULL), 0);
    assert_true(cJSON_Compare(doc.root, parsed, true));
    assert_int_equal(cJSON_GetArraySize(doc.root), 3000);
    snprintf(key, sizeof(key), "key%05d", 2999);
    const cJSON *last = cJSON_GetObjectItemCaseSensitive(doc.root, key);
    assert_non_null(last);
    assert_int_equal(strlen(last->valuestring), 20 * 2 + 20);
    assert_memory_equal(last->valuestring, "\xC3\xA9x\xC3\xA9x", 6);
    assert_ptr_equal(doc.root->child->prev, last); /* cJSON's list rule */
    cJSON_Delete(parsed);
    sg_json_doc_release(&doc);
    sg_json_doc_release(&doc); /* released twice: a zeroed doc is a no-op */
    free(text);

    /* One value of 300 KB: more than the largest block (256 KiB), so it
     * gets a block its own size. */
    text = many_members(1, 200 * 1000, "}", &len);
    assert_int_equal(sg_json_read(text, len, NULL, &doc, &end, &why), 0);
    big = doc.root->child->valuestring;
    assert_int_equal(strlen(big), 300 * 1000);
    assert_memory_equal(big + strlen(big) - 3, "\xC3\xA9x", 3);
    sg_json_doc_release(&doc);
    free(text);
}

/* A read that fails after filling several blocks frees them all (ASan
 * would report a leak) and gives the offset and message sg_json_parse
 * gives. */
static void read_failure_half_way_frees_blocks(void **state)
{
    static const char *const tails[] = {",\"bad\":[1,2,}", ",\"bad\":\"\\x\"}", ",\"k\":1"};
    (void)state;

    for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
        size_t len, end = 0, end_parse = 0;
        char *text = many_members(2000, 30, tails[i], &len);
        struct sg_json_doc doc;
        cJSON *parsed = NULL;
        const char *why = NULL, *why_parse = NULL;

        hook_allocs = 0;
        cJSON_Hooks hooks = {.malloc_fn = counting_malloc, .free_fn = free};
        cJSON_InitHooks(&hooks);
        assert_int_equal(sg_json_read(text, len, NULL, &doc, &end, &why), SG_ERR_INVALID);
        cJSON_InitHooks(NULL);
        assert_true(hook_allocs >= 3);
        assert_null(doc.root);
        assert_null(doc.blocks);
        assert_int_equal(sg_json_parse(text, len, NULL, &parsed, &end_parse, &why_parse),
                         SG_ERR_INVALID);
        assert_null(parsed);
        assert_int_equal(end, end_parse);
        assert_string_equal(why, why_parse);
        assert_true(end > len - strlen(tails[i]));
        sg_json_doc_release(&doc);
        free(text);
    }
}

/* Every review fixture reads as cJSON reads it. */
static void agrees_with_cjson_on_requests(void **state)
{
    const char *dir = getenv("SG_REVIEW_FIXTURES");
    const char *names[] = {"pod-unconfined",    "pod-missing-profile", "pod-capabilities",
                           "deployment-create", "cronjob-privileged",  "pod-privileged-debug"};
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
        cJSON *ours = parse(text, (size_t)n, NULL, &rc), *theirs = cJSON_Parse(text);
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
        cmocka_unit_test(nul_and_surrogates_become_replacement_characters),
        cmocka_unit_test(skipped_keys_are_checked_not_built),
        cmocka_unit_test(depth_is_bounded),
        cmocka_unit_test(agrees_with_cjson_on_requests),
        cmocka_unit_test(read_fills_several_blocks),
        cmocka_unit_test(read_failure_half_way_frees_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
