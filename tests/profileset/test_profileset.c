/* test_profileset.c - a policy's profiles folder read into what the engine
 * judges by: each file judged by lint as runc would load it (the shipped
 * manifests/profiles among them), keyed by nodeFolder and its path below
 * the folder; one file the runtime would refuse fails the whole set with
 * an error naming it; a relative folder is the policy file's neighbour,
 * --profiles replaces it; a permissive profile the policy injects is
 * reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "scratch.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "profile.h"
#include "profileset.h"

/* A shipped profile's text, from manifests/profiles. */
static char *shipped(const char *name, size_t *len)
{
    char p[PATH_MAX], *text = NULL;
    struct sg_error err;

    snprintf(p, sizeof(p), "%s/manifests/profiles/%s", SG_SOURCE_DIR, name);
    if (sg_file_read(p, SG_PROFILE_MAX_BYTES, &text, len, NULL, &err) != 0)
        fail_msg("%s", err.msg);
    return text;
}

static void expect_in(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle) == NULL)
        fail_msg("'%s' not found in: %s", needle, haystack);
}

static struct sg_policy *policy_of(const char *yaml)
{
    struct sg_policy *p = NULL;
    struct sg_error err;

    if (sg_policy_parse("policy.yaml", yaml, strlen(yaml), &p, &err) != 0)
        fail_msg("%s", err.msg);
    return p;
}

/* What a file does decides its kind: a default that lets unlisted calls
 * run is permissive, no filter at all is unconfined. */
static void profiles_are_judged_as_runc_loads_them(void **state)
{
    static const struct {
        const char *text;
        enum sg_known_kind kind;
        const char *why;
    } cases[] = {
        {"{\"defaultAction\":\"SCMP_ACT_LOG\"}", SG_KNOWN_PERMISSIVE, "SCMP_ACT_LOG"},
        {"{\"defaultAction\":\"SCMP_ACT_ALLOW\"}", SG_KNOWN_PERMISSIVE, "SCMP_ACT_ALLOW"},
        {"{\"defaultAction\":\"SCMP_ACT_TRACE\"}", SG_KNOWN_PERMISSIVE, "SCMP_ACT_TRACE"},
        {"{}", SG_KNOWN_UNCONFINED, "runc installs no filter"},
        {"null", SG_KNOWN_UNCONFINED, "runc installs no filter"},
        {"{\"defaultAction\":\"SCMP_ACT_ERRNO\"}", SG_KNOWN_ENFORCING, ""},
        {"{\"defaultAction\":\"SCMP_ACT_KILL_PROCESS\"}", SG_KNOWN_ENFORCING, ""},
    };
    struct sg_profileset_judged j;
    struct sg_error err;
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (sg_profileset_judge("p.json", cases[i].text, strlen(cases[i].text), &j, &err) != 0)
            fail_msg("%s: %s", cases[i].text, err.msg);
        if (j.kind != cases[i].kind)
            fail_msg("%s: kind %s", cases[i].text, sg_known_kind_name(j.kind));
        expect_in(j.why, cases[i].why);
    }
}

/* The shipped profiles: audit.json is permissive, deny-mount.json clean,
 * strict.json lets mount and umount2 run (its script mounts), textbook
 * cannot start a program but runc loads it: enforcing, not refused. */
static void shipped_profiles(void **state)
{
    static const struct {
        const char *name;
        enum sg_known_kind kind;
        const char *dangerous;
    } cases[] = {
        {"audit.json", SG_KNOWN_PERMISSIVE, NULL},
        {"deny-mount.json", SG_KNOWN_ENFORCING, ""},
        {"strict.json", SG_KNOWN_ENFORCING, "mount, umount2"},
        {"textbook.json", SG_KNOWN_ENFORCING, ""},
    };
    struct sg_profileset_judged j;
    struct sg_error err;
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len;
        char *text = shipped(cases[i].name, &len);
        if (sg_profileset_judge(cases[i].name, text, len, &j, &err) != 0)
            fail_msg("%s: %s", cases[i].name, err.msg);
        if (j.kind != cases[i].kind)
            fail_msg("%s: kind %s", cases[i].name, sg_known_kind_name(j.kind));
        if (cases[i].dangerous != NULL)
            assert_string_equal(j.dangerous, cases[i].dangerous);
        free(text);
    }
}

/* What runc would refuse, or what is not JSON as runc reads it, is an
 * error naming the file and what is wrong: never judged by a guess. */
static void refused_profiles_are_errors_naming_the_file(void **state)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"not json", "team-a/bad.json: line 1, column 1"},
        {"{\"defaultAction\":\"SCMP_ACT_LOG\"", "team-a/bad.json"},
        {"{\"defaultAction\":\"SCMP_ACT_BOGUS\"}",
         "team-a/bad.json: defaultAction: unknown action \"SCMP_ACT_BOGUS\""},
        {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"mount\"],"
         "\"action\":\"SCMP_ACT_BOGUS\"}]}",
         "team-a/bad.json: syscalls[0].action: unknown action \"SCMP_ACT_BOGUS\""},
    };
    struct sg_profileset_judged j;
    struct sg_error err;
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sg_error_clear(&err);
        int rc =
            sg_profileset_judge("team-a/bad.json", cases[i].text, strlen(cases[i].text), &j, &err);
        if (rc != SG_ERR_INVALID)
            fail_msg("%s: rc %d, want SG_ERR_INVALID (%s)", cases[i].text, rc, err.msg);
        expect_in(err.msg, cases[i].want);
    }
}

/* Each file keyed by nodeFolder and its path below the folder: the
 * localhostProfile a pod writes for it. */
static void keys_are_node_folder_and_path(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_dir_list listing = {0};
    struct sg_known *k = NULL;
    struct sg_error err;

    sg_scratch_folder(d, "team-a");
    sg_scratch_put(d, "audit.json", "{\"defaultAction\":\"SCMP_ACT_LOG\"}");
    sg_scratch_put(d, "team-a/app.json", "{\"defaultAction\":\"SCMP_ACT_ERRNO\"}");
    sg_scratch_put(d, "README.md", "not a profile: not read");
    assert_int_equal(sg_profileset_load(d->path, "profiles", &k, &listing, &err), 0);
    assert_int_equal(sg_known_count(k), 2);
    assert_string_equal(sg_known_at(k, 0)->key, "profiles/audit.json");
    assert_string_equal(sg_known_at(k, 1)->key, "profiles/team-a/app.json");
    assert_int_equal(sg_known_find(k, "profiles/audit.json")->kind, SG_KNOWN_PERMISSIVE);
    assert_int_equal(sg_known_find(k, "profiles/team-a/app.json")->kind, SG_KNOWN_ENFORCING);
    assert_null(sg_known_find(k, "audit.json"));
    assert_string_equal(sg_known_folder(k), d->path);
    assert_int_equal(listing.n, 2);
    sg_dir_list_release(&listing);
    sg_known_free(k);

    assert_int_equal(sg_profileset_load(d->path, "operators/seccomp", &k, NULL, &err), 0);
    assert_non_null(sg_known_find(k, "operators/seccomp/team-a/app.json"));
    assert_null(sg_known_find(k, "profiles/team-a/app.json"));
    sg_known_free(k);
}

/* One bad file fails the set: no half-read set is ever judged by. */
static void one_bad_file_fails_the_set(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_known *k = (struct sg_known *)&k;
    struct sg_error err;
    char p[PATH_MAX], big[PATH_MAX];
    FILE *f;

    sg_scratch_folder(d, "team-a");
    sg_scratch_put(d, "audit.json", "{\"defaultAction\":\"SCMP_ACT_LOG\"}");
    sg_scratch_put(d, "team-a/broken.json", "{\"defaultAction\":\"SCMP_ACT_ERRNO\",");
    sg_error_clear(&err);
    assert_int_equal(sg_profileset_load(d->path, "profiles", &k, NULL, &err), SG_ERR_INVALID);
    assert_null(k);
    sg_scratch_path(d, "team-a/broken.json", p);
    expect_in(err.msg, p);

    sg_scratch_put(d, "team-a/broken.json", "{\"defaultAction\":\"SCMP_ACT_ERRNO\"}");
    sg_scratch_path(d, "huge.json", big);
    f = fopen(big, "w");
    assert_non_null(f);
    for (int i = 0; i < SG_PROFILE_MAX_BYTES / 8 + 1; i++)
        fputs("        ", f);
    assert_int_equal(fclose(f), 0);
    sg_error_clear(&err);
    assert_int_equal(sg_profileset_load(d->path, "profiles", &k, NULL, &err), SG_ERR_LIMIT);
    assert_null(k);
    expect_in(err.msg, big);

    assert_int_equal(unlink(big), 0);
    sg_scratch_path(d, "nowhere", p);
    sg_error_clear(&err);
    assert_int_equal(sg_profileset_load(p, "profiles", &k, NULL, &err), SG_ERR_IO);
    expect_in(err.msg, "profiles folder");
    expect_in(err.msg, p);
}

/* A relative folder is relative to the policy file's folder, not to where
 * the command runs; an absolute one is itself; --profiles replaces the
 * policy's and is relative to the working folder, like any argument. */
static void folder_resolution(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_profileset_info info;
    struct sg_policy *p;
    struct sg_error err;
    char pol[PATH_MAX], want[PATH_MAX];

    sg_scratch_folder(d, "policies");
    sg_scratch_folder(d, "profiles");
    sg_scratch_folder(d, "other");
    sg_scratch_put(d, "profiles/audit.json", "{\"defaultAction\":\"SCMP_ACT_LOG\"}");
    sg_scratch_put(d, "profiles/strict.json",
                   "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"mount\"],"
                   "\"action\":\"SCMP_ACT_ALLOW\"}]}");
    sg_scratch_put(d, "profiles/quiet.json", "{\"defaultAction\":\"SCMP_ACT_ERRNO\"}");
    sg_scratch_put(d, "other/quiet.json", "{\"defaultAction\":\"SCMP_ACT_ERRNO\"}");
    sg_scratch_path(d, "policies/policy.yaml", pol);
    assert_int_equal(chdir("/"), 0); /* nowhere near the policy */

    p = policy_of("profiles: {folder: ../profiles}\nbase: default\n");
    if (sg_profileset_attach(p, pol, NULL, &info, &err) != 0)
        fail_msg("%s", err.msg);
    snprintf(want, sizeof(want), "%s/policies/../profiles", d->path);
    assert_true(info.has_folder);
    assert_string_equal(info.folder, want);
    assert_int_equal(info.n, 3);
    assert_int_equal(info.n_permissive, 1);
    assert_int_equal(info.n_dangerous, 1);
    assert_int_equal(info.listing.n, 3);
    assert_string_equal(info.warning, "");
    assert_int_equal(sg_known_find(sg_policy_known(p), "profiles/audit.json")->kind,
                     SG_KNOWN_PERMISSIVE);
    sg_profileset_info_release(&info);

    /* --profiles wins over the policy's folder. */
    sg_scratch_path(d, "other", want);
    assert_int_equal(sg_profileset_attach(p, pol, want, &info, &err), 0);
    assert_string_equal(info.folder, want);
    assert_int_equal(info.n, 1);
    assert_null(sg_known_find(sg_policy_known(p), "profiles/audit.json"));
    assert_non_null(sg_known_find(sg_policy_known(p), "profiles/quiet.json"));
    sg_profileset_info_release(&info);
    sg_policy_free(p);

    /* An absolute folder is not moved under the policy's. */
    snprintf(want, sizeof(want), "profiles: {folder: '%s/profiles'}\nbase: default\n", d->path);
    p = policy_of(want);
    assert_int_equal(sg_profileset_attach(p, pol, NULL, &info, &err), 0);
    assert_int_equal(info.n, 3);
    sg_profileset_info_release(&info);
    sg_policy_free(p);

    /* Relative --profiles and a policy from standard input: the working
     * folder. */
    assert_int_equal(chdir(d->path), 0);
    p = policy_of("profiles: {folder: profiles}\nbase: default\n");
    assert_int_equal(sg_profileset_attach(p, "-", NULL, &info, &err), 0);
    assert_string_equal(info.folder, "profiles");
    assert_int_equal(info.n, 3);
    sg_profileset_info_release(&info);
    assert_int_equal(sg_profileset_attach(p, pol, "other", &info, &err), 0);
    assert_string_equal(info.folder, "other");
    assert_int_equal(info.n, 1);
    sg_profileset_info_release(&info);
    sg_policy_free(p);
}

/* No folder in the policy and no --profiles: nothing read, nothing judged;
 * with --profiles alone (the built-in policy), the folder is judged by. */
static void no_folder_nothing_attached(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_profileset_info info;
    struct sg_policy *p = policy_of("base: default\n");
    struct sg_error err;
    (void)d;

    assert_int_equal(sg_profileset_attach(p, "policy.yaml", NULL, &info, &err), 0);
    assert_false(info.has_folder);
    assert_null(sg_policy_known(p));
    sg_profileset_info_release(&info);

    sg_scratch_put(d, "a.json", "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}");
    assert_int_equal(sg_profileset_attach(p, NULL, d->path, NULL, &err), 0);
    assert_non_null(sg_known_find(sg_policy_known(p), "profiles/a.json"));
    sg_policy_free(p);
}

/* A failed read leaves the policy as it was and names the file. */
static void a_failed_attach_changes_nothing(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_profileset_info info;
    struct sg_policy *p = policy_of("base: default\n");
    struct sg_error err;
    char bad[PATH_MAX];

    sg_scratch_put(d, "a.json", "{\"defaultAction\":\"SCMP_ACT_BOGUS\"}");
    sg_scratch_path(d, "a.json", bad);
    sg_error_clear(&err);
    assert_int_equal(sg_profileset_attach(p, NULL, d->path, &info, &err), SG_ERR_INVALID);
    expect_in(err.msg, bad);
    expect_in(err.msg, "the runtime would refuse this profile");
    assert_null(sg_policy_known(p));
    sg_profileset_info_release(&info);
    sg_policy_free(p);
}

/* A policy that injects a profile the folder knows as permissive is told
 * so (mutation then injects nothing); an enforcing one is no warning. */
static void a_permissive_injected_profile_is_reported(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_profileset_info info;
    struct sg_policy *p;
    struct sg_error err;

    sg_scratch_put(d, "audit.json", "{\"defaultAction\":\"SCMP_ACT_LOG\"}");
    sg_scratch_put(d, "quiet.json", "{\"defaultAction\":\"SCMP_ACT_ERRNO\"}");
    p = policy_of("seccomp: {defaultProfile: {type: Localhost, localhostProfile: "
                  "profiles/quiet.json}}\n"
                  "overrides:\n  - match: {namespaces: [dev]}\n"
                  "    seccomp: {defaultProfile: {type: Localhost, localhostProfile: "
                  "./profiles/audit.json}}\n"
                  "base: default\n");
    assert_int_equal(sg_profileset_attach(p, NULL, d->path, &info, &err), 0);
    expect_in(info.warning, "injects Localhost profile './profiles/audit.json', which is "
                            "permissive (SCMP_ACT_LOG");
    sg_profileset_info_release(&info);
    sg_policy_free(p);

    p = policy_of("seccomp: {defaultProfile: {type: Localhost, localhostProfile: "
                  "profiles/quiet.json}}\nbase: default\n");
    assert_int_equal(sg_profileset_attach(p, NULL, d->path, &info, &err), 0);
    assert_string_equal(info.warning, "");
    sg_profileset_info_release(&info);
    sg_policy_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(profiles_are_judged_as_runc_loads_them),
        cmocka_unit_test(shipped_profiles),
        cmocka_unit_test(refused_profiles_are_errors_naming_the_file),
        cmocka_unit_test_setup_teardown(keys_are_node_folder_and_path, sg_scratch_setup,
                                        sg_scratch_teardown),
        cmocka_unit_test_setup_teardown(one_bad_file_fails_the_set, sg_scratch_setup,
                                        sg_scratch_teardown),
        cmocka_unit_test_setup_teardown(folder_resolution, sg_scratch_setup, sg_scratch_teardown),
        cmocka_unit_test_setup_teardown(no_folder_nothing_attached, sg_scratch_setup,
                                        sg_scratch_teardown),
        cmocka_unit_test_setup_teardown(a_failed_attach_changes_nothing, sg_scratch_setup,
                                        sg_scratch_teardown),
        cmocka_unit_test_setup_teardown(a_permissive_injected_profile_is_reported, sg_scratch_setup,
                                        sg_scratch_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
