/* test_policyfile.c - the policy in force as a reload leaves it: a changed
 * file is read and swapped in, an unchanged one is not read again, a bad
 * one is refused with file:line and the last good policy keeps serving
 * (also to a reader that took it before), and a ConfigMap's `..data`
 * symlink swap is seen. The same for the policy's profiles folder: a
 * changed, added or removed profile is read, a broken one keeps the last
 * good set and says the folder failed. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "scratch.h"

#include "policyfile.h"

#define RESTRICTED "rules:\n  privileged: deny\nbase: restricted\n"
#define BASELINE   "base: baseline\n"
/* A restricted policy cut short: the base, last in a policy, is lost. */
#define CUT "rules:\n  privileged: deny\n"

/* Writes `text` to a new file and renames it over `path`: a new inode, as
 * an editor or kubectl cp leaves it. */
static void replace(const char *path, const char *text)
{
    char tmp[PATH_MAX + 8];
    FILE *f;

    snprintf(tmp, sizeof(tmp), "%s.new", path);
    f = fopen(tmp, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(rename(tmp, path), 0);
}

/* The base a policy in force names, from its dump ("base: X" is last). */
static bool serves_base(struct sg_policyfile *pf, const char *base)
{
    struct sg_snapshot *snap = sg_policyfile_acquire(pf);
    char *dump, want[64];
    bool ok;

    assert_non_null(snap);
    dump = sg_policy_dump(sg_snapshot_value(snap));
    assert_non_null(dump);
    snprintf(want, sizeof(want), "base: %s\n", base);
    ok = strstr(dump, want) != NULL;
    free(dump);
    sg_snapshot_release(snap);
    return ok;
}

static void test_reload_only_what_changed(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_policyfile *pf = NULL;
    struct sg_error err;
    char p[PATH_MAX];
    bool reloaded = true;

    sg_scratch_path(d, "policy.yaml", p);
    replace(p, RESTRICTED);
    assert_int_equal(sg_policyfile_new(p, &pf, &err), 0);
    assert_true(serves_base(pf, "restricted"));
    assert_string_equal(sg_policyfile_path(pf), p);

    assert_int_equal(sg_policyfile_reload(pf, false, &reloaded, &err), 0);
    assert_false(reloaded); /* unchanged: not read again */

    replace(p, BASELINE);
    assert_int_equal(sg_policyfile_reload(pf, false, &reloaded, &err), 0);
    assert_true(reloaded);
    assert_true(serves_base(pf, "baseline"));

    assert_int_equal(sg_policyfile_reload(pf, true, &reloaded, &err), 0);
    assert_true(reloaded); /* SIGHUP: read again even when unchanged */
    sg_policyfile_free(pf);
}

static void test_bad_policy_keeps_the_last_good_one(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_policyfile *pf = NULL;
    struct sg_snapshot *before;
    struct sg_error err;
    char p[PATH_MAX], *dump;
    bool reloaded = true;

    sg_scratch_path(d, "policy.yaml", p);
    replace(p, RESTRICTED);
    assert_int_equal(sg_policyfile_new(p, &pf, &err), 0);
    before = sg_policyfile_acquire(pf);

    replace(p, CUT);
    assert_int_equal(sg_policyfile_reload(pf, false, &reloaded, &err), SG_ERR_INVALID);
    assert_false(reloaded);
    assert_non_null(strstr(err.msg, p)); /* file:line:column */
    assert_non_null(strstr(err.msg, "base"));
    assert_true(serves_base(pf, "restricted"));
    /* The same bad file is not refused again on every tick. */
    assert_int_equal(sg_policyfile_reload(pf, false, &reloaded, &err), 0);
    assert_false(reloaded);

    assert_int_equal(unlink(p), 0); /* gone, as in the middle of a swap */
    assert_int_equal(sg_policyfile_reload(pf, false, &reloaded, &err), SG_ERR_IO);
    assert_true(serves_base(pf, "restricted"));

    replace(p, BASELINE);
    assert_int_equal(sg_policyfile_reload(pf, false, &reloaded, &err), 0);
    assert_true(reloaded);
    assert_true(serves_base(pf, "baseline"));
    /* A reader that took the old policy still holds it whole. */
    dump = sg_policy_dump(sg_snapshot_value(before));
    assert_non_null(strstr(dump, "base: restricted\n"));
    free(dump);
    sg_snapshot_release(before);
    sg_policyfile_free(pf);
}

/* The kubelet updates a ConfigMap volume by writing a new folder and
 * renaming `..data` over the old link; policy.yaml -> ..data/policy.yaml. */
static void test_configmap_swap_is_seen(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_policyfile *pf = NULL;
    struct sg_error err;
    char v1[PATH_MAX], v2[PATH_MAX], data[PATH_MAX], tmp[PATH_MAX], p[PATH_MAX], f[PATH_MAX + 16];
    bool reloaded = false;

    sg_scratch_path(d, "..v1", v1);
    sg_scratch_path(d, "..v2", v2);
    sg_scratch_path(d, "..data", data);
    sg_scratch_path(d, "..data_tmp", tmp);
    sg_scratch_path(d, "policy.yaml", p);
    assert_int_equal(mkdir(v1, 0755), 0);
    assert_int_equal(mkdir(v2, 0755), 0);
    snprintf(f, sizeof(f), "%s/policy.yaml", v1);
    replace(f, RESTRICTED);
    snprintf(f, sizeof(f), "%s/policy.yaml", v2);
    replace(f, BASELINE);
    assert_int_equal(symlink("..v1", data), 0);
    assert_int_equal(symlink("..data/policy.yaml", p), 0);
    assert_int_equal(sg_policyfile_new(p, &pf, &err), 0);
    assert_true(serves_base(pf, "restricted"));

    assert_int_equal(symlink("..v2", tmp), 0);
    assert_int_equal(rename(tmp, data), 0);
    assert_int_equal(sg_policyfile_reload(pf, false, &reloaded, &err), 0);
    assert_true(reloaded);
    assert_true(serves_base(pf, "baseline"));
    sg_policyfile_free(pf);
}

static void test_no_server_without_a_good_policy(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_policyfile *pf = (struct sg_policyfile *)&pf;
    struct sg_error err;
    char p[PATH_MAX];

    sg_scratch_path(d, "missing.yaml", p);
    assert_int_equal(sg_policyfile_new(p, &pf, &err), SG_ERR_IO);
    assert_null(pf);
    assert_non_null(strstr(err.msg, p));
    sg_scratch_path(d, "empty.yaml", p);
    replace(p, "");
    assert_int_equal(sg_policyfile_new(p, &pf, &err), SG_ERR_INVALID);
    assert_null(pf);
    assert_non_null(strstr(err.msg, "empty"));
}

/* ---- the profiles folder, read and re-read with the policy -------------- */

#define WITH_FOLDER "profiles:\n  folder: profiles\nbase: default\n"
#define LOG         "{\"defaultAction\":\"SCMP_ACT_LOG\"}"
#define ERRNO       "{\"defaultAction\":\"SCMP_ACT_ERRNO\"}"
#define REFUSED     "{\"defaultAction\":\"SCMP_ACT_BOGUS\"}"

/* The kind the policy in force gives a localhostProfile: -1 unknown, -2
 * no profiles judged at all. */
static int kind_in_force(struct sg_policyfile *pf, const char *key)
{
    struct sg_snapshot *snap = sg_policyfile_acquire(pf);
    const struct sg_known *k = sg_policy_known(sg_snapshot_value(snap));
    const struct sg_known_profile *p = k ? sg_known_find(k, key) : NULL;
    int kind = k == NULL ? -2 : p == NULL ? -1 : (int)p->kind;

    sg_snapshot_release(snap);
    return kind;
}

static void make_folder(const struct sg_scratch *d, const char *name)
{
    char p[PATH_MAX];

    sg_scratch_path(d, name, p);
    assert_int_equal(mkdir(p, 0755), 0);
}

/* A policy beside its profiles folder, with profiles/app.json enforcing. */
static struct sg_policyfile *start_with_folder(const struct sg_scratch *d)
{
    struct sg_policyfile *pf = NULL;
    struct sg_error err;
    char p[PATH_MAX];

    make_folder(d, "profiles");
    sg_scratch_path(d, "profiles/app.json", p);
    replace(p, ERRNO);
    sg_scratch_path(d, "policy.yaml", p);
    replace(p, WITH_FOLDER);
    if (sg_policyfile_new(p, &pf, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(kind_in_force(pf, "profiles/app.json"), SG_KNOWN_ENFORCING);
    return pf;
}

/* A profile file replaced while the server runs is the next tick's: the
 * pod naming it is then judged by what it does now. */
static void a_changed_profile_is_read_again(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_policyfile *pf = start_with_folder(d);
    const struct sg_policyfile_status *st = sg_policyfile_status(pf);
    struct sg_error err;
    char p[PATH_MAX], folder[PATH_MAX];
    bool reloaded = true;

    sg_scratch_path(d, "profiles", folder);
    assert_true(st->has_folder);
    assert_string_equal(st->folder, folder); /* relative to the policy's folder */
    assert_int_equal(st->n_profiles, 1);
    assert_int_equal(st->n_permissive, 0);
    assert_int_equal(sg_policyfile_reload(pf, false, &reloaded, &err), 0);
    assert_false(reloaded); /* nothing changed: nothing read */

    sg_scratch_path(d, "profiles/app.json", p);
    replace(p, LOG);
    assert_int_equal(sg_policyfile_reload(pf, false, &reloaded, &err), 0);
    assert_true(reloaded);
    assert_int_equal(kind_in_force(pf, "profiles/app.json"), SG_KNOWN_PERMISSIVE);
    assert_int_equal(st->n_permissive, 1);

    sg_scratch_path(d, "profiles/new.json", p); /* a file added */
    replace(p, ERRNO);
    assert_int_equal(sg_policyfile_reload(pf, false, &reloaded, &err), 0);
    assert_true(reloaded);
    assert_int_equal(kind_in_force(pf, "profiles/new.json"), SG_KNOWN_ENFORCING);
    assert_int_equal(st->n_profiles, 2);
    assert_int_equal(unlink(p), 0); /* and removed: unknown again */
    assert_int_equal(sg_policyfile_reload(pf, false, &reloaded, &err), 0);
    assert_true(reloaded);
    assert_int_equal(kind_in_force(pf, "profiles/new.json"), -1);
    sg_policyfile_free(pf);
}

/* A profile the runtime would refuse keeps the last good set (and policy),
 * says the folder failed, and is not refused again on every tick. */
static void a_broken_profile_keeps_the_last_good_set(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_policyfile *pf = start_with_folder(d);
    const struct sg_policyfile_status *st = sg_policyfile_status(pf);
    struct sg_error err;
    char p[PATH_MAX], moved[PATH_MAX];
    bool reloaded = true;

    sg_scratch_path(d, "profiles/app.json", p);
    replace(p, REFUSED);
    sg_error_clear(&err);
    assert_int_equal(sg_policyfile_reload(pf, false, &reloaded, &err), SG_ERR_INVALID);
    assert_false(reloaded);
    assert_true(st->profiles_failed);
    assert_non_null(strstr(err.msg, p));
    assert_non_null(strstr(err.msg, "SCMP_ACT_BOGUS"));
    assert_int_equal(kind_in_force(pf, "profiles/app.json"), SG_KNOWN_ENFORCING);
    assert_int_equal(st->n_profiles, 1);
    assert_int_equal(sg_policyfile_reload(pf, false, &reloaded, &err), 0);
    assert_false(reloaded);

    replace(p, LOG); /* fixed (and permissive now) */
    assert_int_equal(sg_policyfile_reload(pf, false, &reloaded, &err), 0);
    assert_true(reloaded);
    assert_false(st->profiles_failed);
    assert_int_equal(kind_in_force(pf, "profiles/app.json"), SG_KNOWN_PERMISSIVE);

    /* The folder gone (a volume remounting): refused once, kept, and read
     * again when it is back. */
    sg_scratch_path(d, "profiles", p);
    sg_scratch_path(d, "profiles.away", moved);
    assert_int_equal(rename(p, moved), 0);
    sg_error_clear(&err);
    assert_int_equal(sg_policyfile_reload(pf, false, &reloaded, &err), SG_ERR_IO);
    assert_true(st->profiles_failed);
    assert_non_null(strstr(err.msg, p));
    assert_int_equal(kind_in_force(pf, "profiles/app.json"), SG_KNOWN_PERMISSIVE);
    assert_int_equal(sg_policyfile_reload(pf, false, &reloaded, &err), 0);
    assert_false(reloaded);
    assert_int_equal(rename(moved, p), 0);
    assert_int_equal(sg_policyfile_reload(pf, false, &reloaded, &err), 0);
    assert_true(reloaded);
    assert_false(st->profiles_failed);
    sg_policyfile_free(pf);
}

/* The profiles folder as a ConfigMap volume: the kubelet's ..data swap
 * is a change, and the keys stay the files' names. */
static void a_configmap_swap_of_the_profiles_is_seen(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_policyfile *pf = NULL;
    struct sg_error err;
    char p[PATH_MAX], data[PATH_MAX], tmp[PATH_MAX];
    bool reloaded = false;

    make_folder(d, "profiles");
    make_folder(d, "profiles/..v1");
    make_folder(d, "profiles/..v2");
    sg_scratch_path(d, "profiles/..v1/app.json", p);
    replace(p, ERRNO);
    sg_scratch_path(d, "profiles/..v2/app.json", p);
    replace(p, LOG);
    sg_scratch_path(d, "profiles/..data", data);
    sg_scratch_path(d, "profiles/..data_tmp", tmp);
    assert_int_equal(symlink("..v1", data), 0);
    sg_scratch_path(d, "profiles/app.json", p);
    assert_int_equal(symlink("..data/app.json", p), 0);
    sg_scratch_path(d, "policy.yaml", p);
    replace(p, WITH_FOLDER);
    assert_int_equal(sg_policyfile_new(p, &pf, &err), 0);
    assert_int_equal(kind_in_force(pf, "profiles/app.json"), SG_KNOWN_ENFORCING);
    assert_int_equal(sg_policyfile_status(pf)->n_profiles, 1); /* not ..v1/app.json too */

    assert_int_equal(symlink("..v2", tmp), 0);
    assert_int_equal(rename(tmp, data), 0);
    assert_int_equal(sg_policyfile_reload(pf, false, &reloaded, &err), 0);
    assert_true(reloaded);
    assert_int_equal(kind_in_force(pf, "profiles/app.json"), SG_KNOWN_PERMISSIVE);
    sg_policyfile_free(pf);
}

/* A policy that drops its profiles section stops judging by the folder,
 * and the folder's changes no longer reload anything. */
static void a_policy_without_the_section_forgets_the_folder(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_policyfile *pf = start_with_folder(d);
    struct sg_error err;
    char p[PATH_MAX];
    bool reloaded = false;

    sg_scratch_path(d, "policy.yaml", p);
    replace(p, BASELINE);
    assert_int_equal(sg_policyfile_reload(pf, false, &reloaded, &err), 0);
    assert_true(reloaded);
    assert_false(sg_policyfile_status(pf)->has_folder);
    assert_int_equal(kind_in_force(pf, "profiles/app.json"), -2);
    sg_scratch_path(d, "profiles/app.json", p);
    replace(p, LOG);
    assert_int_equal(sg_policyfile_reload(pf, false, &reloaded, &err), 0);
    assert_false(reloaded);
    sg_policyfile_free(pf);
}

/* The server does not start with a profile the runtime would refuse. */
static void no_server_with_a_broken_profile(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_policyfile *pf = (struct sg_policyfile *)&pf;
    struct sg_error err;
    char p[PATH_MAX];

    make_folder(d, "profiles");
    sg_scratch_path(d, "profiles/bad.json", p);
    replace(p, "not json");
    sg_scratch_path(d, "policy.yaml", p);
    replace(p, WITH_FOLDER);
    sg_error_clear(&err);
    assert_int_equal(sg_policyfile_new(p, &pf, &err), SG_ERR_INVALID);
    assert_null(pf);
    assert_non_null(strstr(err.msg, "profiles/bad.json"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reload_only_what_changed, sg_scratch_setup,
                                        sg_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_bad_policy_keeps_the_last_good_one, sg_scratch_setup,
                                        sg_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_configmap_swap_is_seen, sg_scratch_setup,
                                        sg_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_no_server_without_a_good_policy, sg_scratch_setup,
                                        sg_scratch_teardown),
        cmocka_unit_test_setup_teardown(a_changed_profile_is_read_again, sg_scratch_setup,
                                        sg_scratch_teardown),
        cmocka_unit_test_setup_teardown(a_broken_profile_keeps_the_last_good_set, sg_scratch_setup,
                                        sg_scratch_teardown),
        cmocka_unit_test_setup_teardown(a_configmap_swap_of_the_profiles_is_seen, sg_scratch_setup,
                                        sg_scratch_teardown),
        cmocka_unit_test_setup_teardown(a_policy_without_the_section_forgets_the_folder,
                                        sg_scratch_setup, sg_scratch_teardown),
        cmocka_unit_test_setup_teardown(no_server_with_a_broken_profile, sg_scratch_setup,
                                        sg_scratch_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
