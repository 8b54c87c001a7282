/* test_manifest.c - manifests read as kubectl (go-yaml v2) reads them, and
 * refused where they cannot be read the same way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "manifest.h"
#include "yaml_write.h"

static cJSON *one_doc(const char *yaml)
{
    struct sg_manifest m;
    struct sg_error err;
    cJSON *doc;

    sg_error_clear(&err);
    if (sg_manifest_parse("m.yaml", yaml, strlen(yaml), &m, &err) != 0)
        fail_msg("parse failed: %s", err.msg);
    assert_int_equal(m.n, 1);
    doc = m.docs[0].object;
    m.docs[0].object = NULL;
    sg_manifest_release(&m);
    return doc;
}

static void refused(const char *yaml, int code, const char *want)
{
    struct sg_manifest m;
    struct sg_error err;

    sg_error_clear(&err);
    assert_int_equal(sg_manifest_parse("m.yaml", yaml, strlen(yaml), &m, &err), code);
    if (strstr(err.msg, want) == NULL)
        fail_msg("message '%s' lacks '%s'", err.msg, want);
    sg_manifest_release(&m);
}

/* The value at key `k` of `yaml` ("v: <scalar>") printed as JSON. */
static void scalar_is(const char *scalar, const char *json)
{
    char yaml[256];
    cJSON *doc, *v;
    char *text;

    snprintf(yaml, sizeof(yaml), "v: %s\n", scalar);
    doc = one_doc(yaml);
    v = cJSON_GetObjectItem(doc, "v");
    text = cJSON_PrintUnformatted(v);
    if (strcmp(text, json) != 0)
        fail_msg("'%s' read as %s, want %s", scalar, text, json);
    free(text);
    cJSON_Delete(doc);
}

static void yaml_1_1_scalars(void **state)
{
    (void)state;
    /* go-yaml v2 booleans: what makes `privileged: yes` true. */
    const char *trues[] = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
    const char *falses[] = {"n",     "N",     "no",  "No",  "NO", "false",
                            "False", "FALSE", "off", "Off", "OFF"};
    for (size_t i = 0; i < sizeof(trues) / sizeof(trues[0]); i++)
        scalar_is(trues[i], "true");
    for (size_t i = 0; i < sizeof(falses) / sizeof(falses[0]); i++)
        scalar_is(falses[i], "false");
    scalar_is("\"yes\"", "\"yes\"");
    scalar_is("'on'", "\"on\"");
    scalar_is("!!str yes", "\"yes\"");
    scalar_is("yEs", "\"yEs\"");
    scalar_is("~", "null");
    scalar_is("null", "null");
    scalar_is("", "null");
    scalar_is("0777", "511");
    scalar_is("0o17", "15");
    scalar_is("0x1F", "31");
    scalar_is("-0x10", "-16");
    scalar_is("0b101", "5");
    scalar_is("1_000", "1000");
    scalar_is("+12", "12");
    scalar_is("08", "8"); /* not octal, so a float, as in go-yaml */
    scalar_is("1e3", "1000");
    scalar_is(".5", "0.5");
    scalar_is("-1.25", "-1.25");
    scalar_is("12:30", "\"12:30\""); /* no base-60 numbers */
    scalar_is("2001-12-14", "\"2001-12-14\"");
    scalar_is("1e400", "\"1e400\"");              /* ParseFloat fails: the text stays */
    scalar_is("1e-400", "0");                     /* an underflow rounds, in Go too */
    scalar_is("5e-324", "4.94065645841247e-324"); /* the smallest subnormal */
    scalar_is("_1", "\"_1\"");
    scalar_is("RuntimeDefault", "\"RuntimeDefault\"");
    scalar_is("\"a\\0b\"", "\"a\xEF\xBF\xBD"
                           "b\"");
    refused("v: .inf\n", SG_ERR_INVALID, "line 1, column 4");
    refused("v: .NaN\n", SG_ERR_INVALID, "JSON cannot carry");
    refused("v: 9007199254740993\n", SG_ERR_INVALID, "beyond 2^53");
    refused("v: !!binary aGVsbG8=\n", SG_ERR_INVALID, "tag 'tag:yaml.org,2002:binary'");
    refused("v: !!int 5\n", SG_ERR_INVALID, "not supported");
    refused("v: !custom x\n", SG_ERR_INVALID, "tag '!custom'");
}

static void keys(void **state)
{
    cJSON *doc = one_doc("yes: a\n1: b\n0x10: c\n\"no\": d\n");
    cJSON *n = one_doc("n: x\n");
    (void)state;

    /* YAML 1.1 makes the key `n` the boolean false: kubectl sends "false". */
    assert_string_equal(cJSON_GetObjectItem(n, "false")->valuestring, "x");
    cJSON_Delete(n);
    refused("yes: 1\ny: 2\n", SG_ERR_INVALID, "duplicate key 'true'");

    assert_string_equal(cJSON_GetObjectItem(doc, "true")->valuestring, "a");
    assert_string_equal(cJSON_GetObjectItem(doc, "1")->valuestring, "b");
    assert_string_equal(cJSON_GetObjectItem(doc, "16")->valuestring, "c");
    assert_string_equal(cJSON_GetObjectItem(doc, "no")->valuestring, "d");
    cJSON_Delete(doc);
    refused("a: 1\nb: 2\na: 3\n", SG_ERR_INVALID,
            "document 1, line 3, column 1: duplicate key 'a'");
    refused("~: 1\n", SG_ERR_INVALID, "not a string kubectl can use");
    refused("1.5: 1\n", SG_ERR_INVALID, "not a string kubectl can use");
    refused("? [a]\n: 1\n", SG_ERR_INVALID, "complex keys");
    refused("a: &x b\n*x : c\n", SG_ERR_INVALID, "aliases as mapping keys");
}

static void anchors_aliases_and_merges(void **state)
{
    cJSON *doc = one_doc("base: &b {x: 1, w: 2}\n"
                         "copy: *b\n"
                         "m: {<<: *b, w: 3}\n"
                         "merged: {<<: [*b, {x: 9, z: 1}]}\n"
                         "sc: &s {privileged: yes}\n"
                         "c:\n  securityContext: *s\n");
    char *m, *n, *c, *copy;
    (void)state;

    m = cJSON_PrintUnformatted(cJSON_GetObjectItem(doc, "m"));
    n = cJSON_PrintUnformatted(cJSON_GetObjectItem(doc, "merged"));
    c = cJSON_PrintUnformatted(cJSON_GetObjectItem(doc, "c"));
    copy = cJSON_PrintUnformatted(cJSON_GetObjectItem(doc, "copy"));
    assert_string_equal(copy, "{\"x\":1,\"w\":2}");
    assert_string_equal(m, "{\"w\":3,\"x\":1}");
    assert_string_equal(n, "{\"x\":1,\"w\":2,\"z\":1}");
    assert_string_equal(c, "{\"securityContext\":{\"privileged\":true}}");
    free(m);
    free(n);
    free(c);
    free(copy);
    cJSON_Delete(doc);
    /* go-yaml v2 lets a merge override a key given before it; the YAML
     * spec does not. Refused rather than guessed. */
    refused("b: &b {x: 1}\nm: {x: 2, <<: *b}\n", SG_ERR_INVALID,
            "the merge key (<<) would override 'x'");
    refused("m: {<<: [1, 2]}\n", SG_ERR_INVALID, "must be a mapping or a list of mappings");
    refused("m: {<<: {a: 1}, <<: {b: 1}}\n", SG_ERR_INVALID, "a second merge key");
    refused("a: *nothing\n", SG_ERR_INVALID, "names no anchor");
}

static void bounded(void **state)
{
    char *deep, *laughs;
    size_t n = 0;
    (void)state;

    /* Deeper than the bound. */
    deep = malloc(4 * (SG_MANIFEST_MAX_DEPTH + 10) + 16);
    for (int i = 0; i < SG_MANIFEST_MAX_DEPTH + 10; i++)
        n += (size_t)sprintf(deep + n, "[");
    deep[n] = '\0';
    char *doc = malloc(n + 8);
    sprintf(doc, "a: %s\n", deep);
    refused(doc, SG_ERR_LIMIT, "nested more than");
    free(doc);
    free(deep);
    /* Billion laughs: each level ten aliases of the last. */
    laughs = malloc(4096);
    n = (size_t)sprintf(laughs, "a: &a [x,x,x,x,x,x,x,x,x,x]\n");
    for (char c = 'b'; c <= 'j'; c++)
        n +=
            (size_t)sprintf(laughs + n, "%c: &%c [*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c]\n", c, c,
                            c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1);
    refused(laughs, SG_ERR_LIMIT, "excessive aliasing");
    free(laughs);
}

static void documents(void **state)
{
    const char *yaml = "# header\n---\napiVersion: v1\nkind: Pod\n---\n---\n# empty\n---\n"
                       "kind: Service\n...\n---\nkind: X\n";
    struct sg_manifest m;
    struct sg_error err;
    (void)state;

    assert_int_equal(sg_manifest_parse("m.yaml", yaml, strlen(yaml), &m, &err), 0);
    assert_int_equal(m.n, 3);
    assert_int_equal(m.docs[0].index, 1);
    assert_int_equal(m.docs[0].line, 2);
    assert_int_equal(m.docs[1].index, 4);
    assert_int_equal(m.docs[2].index, 5);
    sg_manifest_release(&m);
    /* A broken document: the ones before it are kept, the error names it. */
    const char *broken = "kind: A\n---\n- not\n- a mapping\n";
    assert_int_equal(sg_manifest_parse("m.yaml", broken, strlen(broken), &m, &err), SG_ERR_INVALID);
    assert_int_equal(m.n, 1);
    assert_non_null(strstr(err.msg, "m.yaml: document 2"));
    assert_non_null(strstr(err.msg, "a Kubernetes object is a mapping"));
    sg_manifest_release(&m);
    const char *bad = "kind: A\n---\nkind: [\n";
    assert_int_equal(sg_manifest_parse("m.yaml", bad, strlen(bad), &m, &err), SG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "document 2, line 4"));
    sg_manifest_release(&m);
}

static void json_streams(void **state)
{
    const char *json = "  {\"kind\":\"Pod\",\"v\":\"yes\"}\n{\"kind\":\"Pod\",\"n\":"
                       "\"SYS_ADMIN\\u00e9\"}\n";
    struct sg_manifest m;
    struct sg_error err;
    (void)state;

    assert_int_equal(sg_manifest_parse("m.json", json, strlen(json), &m, &err), 0);
    assert_int_equal(m.n, 2);
    assert_string_equal(cJSON_GetObjectItem(m.docs[0].object, "v")->valuestring, "yes");
    assert_string_equal(cJSON_GetObjectItem(m.docs[1].object, "n")->valuestring,
                        "SYS_ADMIN\xC3\xA9");
    assert_int_equal(m.docs[1].line, 2);
    sg_manifest_release(&m);
    /* cJSON would end the string at \u0000 and read SYS_ADMIN: refused. */
    const char *nul = "{\"kind\":\"Pod\",\"n\":\"SYS_ADMIN\\u0000\"}";
    assert_int_equal(sg_manifest_parse("m.json", nul, strlen(nul), &m, &err), SG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "\\u0000 (NUL) inside a string"));
    sg_manifest_release(&m);
    const char *bad = "{\"kind\":\"Pod\"}\n[1]\n";
    assert_int_equal(sg_manifest_parse("m.json", bad, strlen(bad), &m, &err), SG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "document 2 (line 2)"));
    sg_manifest_release(&m);
}

/* What `check --mutate` could not print back the same is refused in JSON
 * manifests too; invalid UTF-8 becomes U+FFFD, as Go reads it. */
static void json_manifests_print_back_the_same(void **state)
{
    const char *dup = "{\"kind\":\"Pod\",\"metadata\":{\"labels\":{\"a\":\"1\",\"a\":\"2\"}}}";
    const char *big = "{\"kind\":\"Pod\",\"n\":9007199254740993}";
    const char *ok = "{\"kind\":\"Pod\",\"n\":9007199254740992,\"s\":\"a\xff\xed\xa0\x80"
                     "b\"}";
    struct sg_manifest m;
    struct sg_error err;
    (void)state;

    assert_int_equal(sg_manifest_parse("m.json", dup, strlen(dup), &m, &err), SG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "a key given twice"));
    sg_manifest_release(&m);
    assert_int_equal(sg_manifest_parse("m.json", big, strlen(big), &m, &err), SG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "beyond 2^53"));
    sg_manifest_release(&m);
    assert_int_equal(sg_manifest_parse("m.json", ok, strlen(ok), &m, &err), 0);
    assert_string_equal(cJSON_GetObjectItem(m.docs[0].object, "s")->valuestring,
                        "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                        "b");
    sg_manifest_release(&m);
}

static void writes_yaml_that_reads_back_the_same(void **state)
{
    const char *json =
        "{\"s\":[\"yes\",\"0777\",\"null\",\"\",\"<<\",\"1e3\",\"a: b\",\"- x\","
        "\"#c\",\"on\",\"12:30\",\"multi\\nline\",\"\\u00e9t\\u00e9\"],"
        "\"n\":[1,-2.5,1e20,0,90071992547409940,-9007199254740994],\"b\":[true,false,null],"
        "\"o\":{\"yes\":{}},"
        "\"e\":[]}";
    cJSON *in = cJSON_Parse(json), *out;
    struct sg_buf b;
    (void)state;

    sg_buf_init(&b, 1 << 20);
    assert_int_equal(sg_yaml_write(in, &b), 0);
    out = one_doc(sg_buf_str(&b));
    if (!cJSON_Compare(in, out, true))
        fail_msg("round trip differs:\n%s", sg_buf_str(&b));
    sg_buf_release(&b);
    cJSON_Delete(in);
    cJSON_Delete(out);
}

/* cJSON reads 1e400 as infinity; kubectl refuses it, and so does the reader
 * (written back as YAML it would turn into the string "inf"). */
static void json_numbers_beyond_a_double_are_refused(void **state)
{
    const char *json =
        "{\"kind\":\"Pod\",\"a\":1.5}\n{\"kind\":\"Pod\",\"spec\":{\"n\":[-1e400]}}\n";
    struct sg_manifest m;
    struct sg_error err;
    (void)state;

    assert_int_equal(sg_manifest_parse("m.json", json, strlen(json), &m, &err), SG_ERR_INVALID);
    assert_int_equal(m.n, 1);
    assert_non_null(strstr(err.msg, "document 2 (line 2): a number beyond what a double holds"));
    sg_manifest_release(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(yaml_1_1_scalars),
        cmocka_unit_test(keys),
        cmocka_unit_test(anchors_aliases_and_merges),
        cmocka_unit_test(bounded),
        cmocka_unit_test(documents),
        cmocka_unit_test(json_streams),
        cmocka_unit_test(json_numbers_beyond_a_double_are_refused),
        cmocka_unit_test(json_manifests_print_back_the_same),
        cmocka_unit_test(writes_yaml_that_reads_back_the_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
