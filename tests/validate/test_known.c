/* test_known.c - the facts about known profiles as the engine looks them
 * up: a pod's localhostProfile is cleaned as the kubelet's filepath.Join
 * cleans it, so a spelling of the same file finds the same facts and an
 * unknown path stays unknown; a key given twice and a set past its bound
 * are refused with the key named; strings are the set's own copies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "known.h"

static struct sg_known *set_of(const char *const *keys, const enum sg_known_kind *kinds, size_t n)
{
    struct sg_known *k = NULL;
    struct sg_error err;

    assert_int_equal(sg_known_new("/etc/seccomp-guard/profiles", &k, &err), 0);
    for (size_t i = 0; i < n; i++) {
        struct sg_known_profile p = {keys[i], kinds[i], "why", ""};
        if (sg_known_add(k, &p, &err) != 0)
            fail_msg("add '%s': %s", keys[i], err.msg);
    }
    sg_known_seal(k);
    return k;
}

/* Every way a pod can write profiles/audit.json that the kubelet opens as
 * that file finds it; near misses do not. */
static void keys_are_cleaned_as_the_kubelet_cleans_them(void **state)
{
    static const char *const keys[] = {"profiles/strict.json", "profiles/audit.json", "top.json",
                                       "profiles/team-a/app.json"};
    static const enum sg_known_kind kinds[] = {SG_KNOWN_ENFORCING, SG_KNOWN_PERMISSIVE,
                                               SG_KNOWN_ENFORCING, SG_KNOWN_UNCONFINED};
    static const char *const same[] = {
        "profiles/audit.json",       "./profiles/audit.json",   "profiles//audit.json",
        "profiles/audit.json/",      "./profiles//audit.json/", "profiles/./audit.json",
        ".//profiles/.//audit.json", "profiles///audit.json//",
    };
    static const char *const unknown[] = {
        "profiles/audit",
        "profiles/audit.json.bak",
        "audit.json",
        "Profiles/audit.json",
        "profiles/audit.jso",
        "profiles",
        "profiles/",
        "",
        ".",
        "profiles/team-a",
        "xprofiles/audit.json",
    };
    struct sg_known *k = set_of(keys, kinds, 4);
    (void)state;

    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        const struct sg_known_profile *p = sg_known_find(k, same[i]);
        if (p == NULL)
            fail_msg("'%s' is profiles/audit.json to the kubelet, but was not found", same[i]);
        assert_string_equal(p->key, "profiles/audit.json");
        assert_int_equal(p->kind, SG_KNOWN_PERMISSIVE);
    }
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        if (sg_known_find(k, unknown[i]) != NULL)
            fail_msg("'%s' found, but no file of the set is there", unknown[i]);
    }
    assert_int_equal(sg_known_find(k, "top.json")->kind, SG_KNOWN_ENFORCING);
    assert_int_equal(sg_known_find(k, "./profiles/team-a//app.json")->kind, SG_KNOWN_UNCONFINED);
    sg_known_free(k);
}

/* A path longer than any key can be is unknown, not truncated into a key. */
static void an_overlong_path_is_unknown(void **state)
{
    static const char *const keys[] = {"profiles/a.json"};
    static const enum sg_known_kind kinds[] = {SG_KNOWN_PERMISSIVE};
    struct sg_known *k = set_of(keys, kinds, 1);
    size_t n = SG_KNOWN_KEY_MAX + 64;
    char *path = malloc(n + 1);
    (void)state;

    /* "profiles/a.json" followed by enough "/." to overflow: cleaned it is
     * the key, but the cleaner must not need to fit it first. */
    snprintf(path, n + 1, "profiles/a.json");
    for (size_t i = strlen(path); i + 2 <= n; i += 2)
        memcpy(path + i, "/.", 3);
    assert_non_null(sg_known_find(k, path)); /* the dots vanish, the key fits */
    /* A file below it with a name too long to fit is not the key cut
     * short: it is unknown. */
    snprintf(path, n + 1, "profiles/a.json/");
    memset(path + strlen(path), 'b', n - strlen(path));
    path[n] = '\0';
    assert_null(sg_known_find(k, path));
    free(path);
    sg_known_free(k);
}

/* A set's keys are cleaned as a pod's path is: a nodeFolder written
 * "./profiles" (or "profiles/") must not make every profile unknown, which
 * would turn a permissive one's denial into an unknown one's warning. */
static void keys_added_are_cleaned_too(void **state)
{
    static const char *const keys[] = {"./profiles//audit.json", "profiles/./team/a.json"};
    static const enum sg_known_kind kinds[] = {SG_KNOWN_PERMISSIVE, SG_KNOWN_ENFORCING};
    struct sg_known *k = set_of(keys, kinds, 2);
    struct sg_known_profile empty = {"./", SG_KNOWN_ENFORCING, "x", ""};
    struct sg_error err;
    (void)state;

    assert_non_null(sg_known_find(k, "profiles/audit.json"));
    assert_int_equal(sg_known_find(k, "profiles/audit.json")->kind, SG_KNOWN_PERMISSIVE);
    assert_string_equal(sg_known_at(k, 0)->key, "profiles/audit.json");
    assert_non_null(sg_known_find(k, "profiles/team/a.json"));
    sg_known_free(k);
    assert_int_equal(sg_known_new("/f", &k, &err), 0);
    assert_int_equal(sg_known_add(k, &empty, &err), SG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "empty"));
    sg_known_free(k);
}

static void a_key_given_twice_is_refused_naming_it(void **state)
{
    struct sg_known *k = NULL;
    struct sg_error err;
    struct sg_known_profile p = {"profiles/a.json", SG_KNOWN_ENFORCING, "x", ""};
    (void)state;

    assert_int_equal(sg_known_new("/f", &k, &err), 0);
    assert_int_equal(sg_known_add(k, &p, &err), 0);
    sg_error_clear(&err);
    assert_int_equal(sg_known_add(k, &p, &err), SG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "'profiles/a.json' is given twice"));
    assert_non_null(strstr(err.msg, "/f"));
    assert_int_equal(sg_known_count(k), 1);
    sg_known_free(k);
}

static void the_set_is_bounded(void **state)
{
    struct sg_known *k = NULL;
    struct sg_error err;
    char key[64];
    (void)state;

    assert_int_equal(sg_known_new("/f", &k, &err), 0);
    for (int i = 0; i < SG_KNOWN_MAX; i++) {
        snprintf(key, sizeof(key), "profiles/%04d.json", i);
        assert_int_equal(sg_known_add(k, &(struct sg_known_profile){key, 0, "", ""}, &err), 0);
    }
    snprintf(key, sizeof(key), "profiles/one-too-many.json");
    sg_error_clear(&err);
    assert_int_equal(sg_known_add(k, &(struct sg_known_profile){key, 0, "", ""}, &err),
                     SG_ERR_LIMIT);
    assert_non_null(strstr(err.msg, "one-too-many.json"));
    sg_known_seal(k);
    assert_int_equal(sg_known_count(k), SG_KNOWN_MAX);
    /* Sealed: looked up by bisection, first, last and middle all found. */
    assert_non_null(sg_known_find(k, "profiles/0000.json"));
    assert_non_null(sg_known_find(k, "profiles/0511.json"));
    assert_non_null(sg_known_find(k, "profiles/1023.json"));
    assert_null(sg_known_find(k, "profiles/1024.json"));
    sg_known_free(k);
}

/* What the engine's messages quote is the set's own copy, in key order. */
static void strings_are_copied_and_listed_in_key_order(void **state)
{
    struct sg_known *k = NULL;
    struct sg_error err;
    char key[32] = "profiles/b.json", why[32] = "SCMP_ACT_LOG: runs", bad[32] = "mount";
    const struct sg_known_profile *p;
    (void)state;

    assert_int_equal(sg_known_new("/f", &k, &err), 0);
    assert_int_equal(
        sg_known_add(k, &(struct sg_known_profile){key, SG_KNOWN_PERMISSIVE, why, bad}, &err), 0);
    assert_int_equal(
        sg_known_add(k, &(struct sg_known_profile){"profiles/a.json", 0, NULL, NULL}, &err), 0);
    memset(key, 'x', sizeof(key) - 1);
    memset(why, 'x', sizeof(why) - 1);
    memset(bad, 'x', sizeof(bad) - 1);
    sg_known_seal(k);
    assert_string_equal(sg_known_folder(k), "/f");
    assert_string_equal(sg_known_at(k, 0)->key, "profiles/a.json");
    assert_string_equal(sg_known_at(k, 0)->why, "");
    assert_string_equal(sg_known_at(k, 0)->dangerous, "");
    p = sg_known_at(k, 1);
    assert_string_equal(p->key, "profiles/b.json");
    assert_string_equal(p->why, "SCMP_ACT_LOG: runs");
    assert_string_equal(p->dangerous, "mount");
    assert_null(sg_known_at(k, 2));
    assert_ptr_equal(sg_known_find(k, "profiles/b.json"), p);
    assert_string_equal(sg_known_kind_name(SG_KNOWN_ENFORCING), "enforcing");
    assert_string_equal(sg_known_kind_name(SG_KNOWN_PERMISSIVE), "permissive");
    assert_string_equal(sg_known_kind_name(SG_KNOWN_UNCONFINED), "unconfined");
    sg_known_free(k);
    sg_known_free(NULL);
}

/* An empty folder is a set: every profile a pod names is then unknown. */
static void an_empty_set_knows_nothing(void **state)
{
    struct sg_known *k = set_of(NULL, NULL, 0);
    (void)state;

    assert_int_equal(sg_known_count(k), 0);
    assert_null(sg_known_find(k, "profiles/audit.json"));
    sg_known_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys_are_cleaned_as_the_kubelet_cleans_them),
        cmocka_unit_test(an_overlong_path_is_unknown),
        cmocka_unit_test(keys_added_are_cleaned_too),
        cmocka_unit_test(a_key_given_twice_is_refused_naming_it),
        cmocka_unit_test(the_set_is_bounded),
        cmocka_unit_test(strings_are_copied_and_listed_in_key_order),
        cmocka_unit_test(an_empty_set_knows_nothing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
