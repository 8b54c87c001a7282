/* test_file.c - io/file.h as its users rely on it: a bounded read that
 * says what is wrong, a change seen when a ConfigMap's `..data` symlink is
 * swapped, and writes that leave the old file or the whole new one, with
 * the mode asked for from the start and no temporary file behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "scratch.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static size_t entries(const struct sg_scratch *d)
{
    DIR *dir = opendir(d->path);
    struct dirent *e;
    size_t n = 0;

    assert_non_null(dir);
    while ((e = readdir(dir)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    }
    closedir(dir);
    return n;
}

static void test_read_whole_file_with_nul_after(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_error err;
    struct sg_file_id id;
    char p[PATH_MAX], *text = NULL;
    size_t len = 0;

    sg_scratch_path(d, "policy.yaml", p);
    put(p, "base: restricted\n");
    assert_int_equal(sg_file_read(p, 1024, &text, &len, &id, &err), 0);
    assert_int_equal(len, 17);
    assert_string_equal(text, "base: restricted\n");
    assert_true(id.exists);
    assert_int_equal(id.size, 17);
    free(text);
}

static void test_read_refuses_with_the_reason(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_error err;
    char p[PATH_MAX], *text = (char *)"x";
    size_t len = 1;

    sg_scratch_path(d, "big", p);
    put(p, "0123456789");
    assert_int_equal(sg_file_read(p, 9, &text, &len, NULL, &err), SG_ERR_LIMIT);
    assert_null(text);
    assert_int_equal(len, 0);
    assert_non_null(strstr(err.msg, "10 bytes, more than the 9 allowed"));
    assert_int_equal(sg_file_read(p, 10, &text, &len, NULL, &err), 0);
    free(text);

    sg_scratch_path(d, "missing", p);
    assert_int_equal(sg_file_read(p, 9, &text, &len, NULL, &err), SG_ERR_IO);
    assert_non_null(strstr(err.msg, "cannot open"));
    assert_non_null(strstr(err.msg, "missing"));

    assert_int_equal(sg_file_read(d->path, 9, &text, &len, NULL, &err), SG_ERR_IO);
    assert_non_null(strstr(err.msg, "is not a regular file"));
}

/* A ConfigMap update writes a new folder and renames `..data` over the old
 * link: the path stays, what it names changes, and the identity shows it. */
static void test_identity_follows_a_symlink_swap(void **state)
{
    struct sg_scratch *d = *state;
    char v1[PATH_MAX], v2[PATH_MAX], data[PATH_MAX], tmp[PATH_MAX], p[PATH_MAX];
    struct sg_file_id before, after, again;

    sg_scratch_path(d, "v1", v1);
    sg_scratch_path(d, "v2", v2);
    sg_scratch_path(d, "..data", data);
    sg_scratch_path(d, "..data_tmp", tmp);
    sg_scratch_path(d, "policy.yaml", p);
    assert_int_equal(mkdir(v1, 0755), 0);
    assert_int_equal(mkdir(v2, 0755), 0);
    snprintf(v1 + strlen(v1), sizeof(v1) - strlen(v1), "/policy.yaml");
    snprintf(v2 + strlen(v2), sizeof(v2) - strlen(v2), "/policy.yaml");
    put(v1, "same size A\n");
    put(v2, "same size B\n");
    assert_int_equal(symlink("v1", data), 0);
    assert_int_equal(symlink("..data/policy.yaml", p), 0);

    sg_file_id_of(p, &before);
    sg_file_id_of(p, &again);
    assert_true(before.exists);
    assert_true(sg_file_id_equal(&before, &again));
    assert_int_equal(symlink("v2", tmp), 0);
    assert_int_equal(rename(tmp, data), 0);
    sg_file_id_of(p, &after);
    assert_true(after.exists);
    assert_false(sg_file_id_equal(&before, &after));

    assert_int_equal(unlink(data), 0);
    sg_file_id_of(p, &after);
    assert_false(after.exists);
    assert_false(sg_file_id_equal(&before, &after));
}

static void test_write_atomic_new_file_with_its_mode(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_error err;
    struct stat st;
    char p[PATH_MAX], *text = NULL;
    size_t len = 0;

    sg_scratch_path(d, "tls.key", p);
    assert_int_equal(sg_file_write_atomic(p, "secret", 6, 0600, false, &err), 0);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(sg_file_read(p, 64, &text, &len, NULL, &err), 0);
    assert_string_equal(text, "secret");
    free(text);
    assert_int_equal(entries(d), 1); /* no temporary file left behind */
}

static void test_write_atomic_refuses_or_replaces(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_error err;
    char p[PATH_MAX], *text = NULL;
    size_t len = 0;

    sg_scratch_path(d, "ca.crt", p);
    put(p, "old");
    assert_int_equal(sg_file_write_atomic(p, "new", 3, 0644, false, &err), SG_ERR_EXISTS);
    assert_non_null(strstr(err.msg, "already exists"));
    assert_int_equal(sg_file_read(p, 64, &text, &len, NULL, &err), 0);
    assert_string_equal(text, "old");
    free(text);
    assert_int_equal(entries(d), 1);

    assert_int_equal(sg_file_write_atomic(p, "new", 3, 0644, true, &err), 0);
    assert_int_equal(sg_file_read(p, 64, &text, &len, NULL, &err), 0);
    assert_string_equal(text, "new");
    free(text);
    assert_int_equal(entries(d), 1);
}

static void test_write_atomic_into_a_missing_folder_fails_cleanly(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_error err;
    char p[PATH_MAX];

    sg_scratch_path(d, "nowhere/tls.crt", p);
    assert_int_equal(sg_file_write_atomic(p, "x", 1, 0644, false, &err), SG_ERR_IO);
    assert_non_null(strstr(err.msg, "cannot create"));
    assert_int_equal(entries(d), 0);
}

static void test_make_dir(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_error err;
    struct stat st;
    char p[PATH_MAX];

    sg_scratch_path(d, "out", p);
    assert_int_equal(sg_file_make_dir(p, 0700, &err), 0);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(sg_file_make_dir(p, 0700, &err), 0); /* there already: fine */
    sg_scratch_path(d, "plain", p);
    put(p, "");
    assert_int_equal(sg_file_make_dir(p, 0700, &err), SG_ERR_IO);
    assert_non_null(strstr(err.msg, "is not a directory"));
}

/* The names sg_file_write_atomic gives its temporary files are known as
 * such, with the file they were for: a cleaner finds a killed run's. */
static void test_temporary_names(void **state)
{
    char base[64];
    (void)state;

    assert_true(sg_file_temporary_of(".audit.json.tmp-0123abcd", base, sizeof(base)));
    assert_string_equal(base, "audit.json");
    assert_true(sg_file_temporary_of("..record.tmp-ffffffff", base, sizeof(base)));
    assert_string_equal(base, ".record");
    assert_false(sg_file_temporary_of("audit.json.tmp-0123abcd", base, sizeof(base)));
    assert_false(sg_file_temporary_of(".audit.json.tmp-0123abcz", base, sizeof(base)));
    assert_false(sg_file_temporary_of(".audit.json.tmp-0123abc", base, sizeof(base)));
    assert_false(sg_file_temporary_of(".audit.json", base, sizeof(base)));
    assert_false(sg_file_temporary_of(".audit.json.tmp-0123abcd", base, 5)); /* does not fit */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_temporary_names),
        cmocka_unit_test_setup_teardown(test_read_whole_file_with_nul_after, sg_scratch_setup,
                                        sg_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_read_refuses_with_the_reason, sg_scratch_setup,
                                        sg_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_identity_follows_a_symlink_swap, sg_scratch_setup,
                                        sg_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_write_atomic_new_file_with_its_mode, sg_scratch_setup,
                                        sg_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_write_atomic_refuses_or_replaces, sg_scratch_setup,
                                        sg_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_write_atomic_into_a_missing_folder_fails_cleanly,
                                        sg_scratch_setup, sg_scratch_teardown),
        cmocka_unit_test_setup_teardown(test_make_dir, sg_scratch_setup, sg_scratch_teardown),
    };

    umask(022);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
