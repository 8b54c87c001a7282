/* test_dir.c - io/dir.h as the profiles folder relies on it: the files
 * under a folder, recursively, sorted, by the suffix asked for; a
 * ConfigMap's dot-named bookkeeping skipped and its `..data` swap seen as
 * a change; a symlink to a file followed, one to a folder not (a link to /
 * must not make the server walk the host); and every bound an error that
 * names the folder, never a silently shorter list. */
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

#include "dir.h"

static void link_at(const struct sg_scratch *d, const char *target, const char *name)
{
    char p[PATH_MAX];

    sg_scratch_path(d, name, p);
    assert_int_equal(symlink(target, p), 0);
}

/* The listing as "a, b/c" for one comparison that shows what differs. */
static void expect_listing(const struct sg_dir_list *l, const char *want)
{
    char got[4096] = "";

    for (size_t i = 0; i < l->n; i++)
        snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? ", " : "",
                 l->items[i].rel);
    assert_string_equal(got, want);
}

static void lists_matching_files_recursively_sorted(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_dir_list l;
    struct sg_error err;

    sg_scratch_folder(d, "team-b");
    sg_scratch_folder(d, "team-a");
    sg_scratch_folder(d, "team-a/deep");
    sg_scratch_folder(d, "folder.json"); /* a folder is entered, never listed */
    sg_scratch_put(d, "z.json", "{}");
    sg_scratch_put(d, "a.json", "{}");
    sg_scratch_put(d, "notes.txt", "not a profile");
    sg_scratch_put(d, "a.json.bak", "{}");
    sg_scratch_put(d, "json", "{}");
    sg_scratch_put(d, "team-b/x.json", "{}");
    sg_scratch_put(d, "team-a/deep/y.json", "{}");
    sg_scratch_put(d, "folder.json/inner.json", "{}");
    assert_int_equal(sg_dir_list(d->path, ".json", &l, &err), 0);
    expect_listing(&l, "a.json, folder.json/inner.json, team-a/deep/y.json, team-b/x.json, "
                       "z.json");
    assert_true(l.items[0].id.exists);
    assert_int_equal(l.items[0].id.size, 2);
    sg_dir_list_release(&l);
    assert_int_equal(l.n, 0);

    assert_int_equal(sg_dir_list(d->path, NULL, &l, &err), 0); /* every file */
    expect_listing(&l, "a.json, a.json.bak, folder.json/inner.json, json, notes.txt, "
                       "team-a/deep/y.json, team-b/x.json, z.json");
    sg_dir_list_release(&l);
}

/* Dot names are a ConfigMap's bookkeeping or hidden: never listed, their
 * folders never entered. A link to a file is the file; a dangling link
 * and a link to a folder are nothing. */
static void dot_names_skipped_links_to_folders_inside_followed(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_dir_list l;
    struct sg_error err;
    char outside[PATH_MAX];

    sg_scratch_put(d, ".hidden.json", "{}");
    sg_scratch_folder(d, ".git");
    sg_scratch_put(d, ".git/x.json", "{}");
    sg_scratch_folder(d, "real");
    sg_scratch_put(d, "real/in.json", "{}");
    link_at(d, "real", "alias");          /* a folder inside by another name: entered, as a
                                             ConfigMap's items[].path makes team-a -> ..data/team-a */
    link_at(d, "/", "root");              /* the host: not entered */
    link_at(d, "..", "real/up");          /* a folder above the link: not entered (a loop) */
    link_at(d, ".", "self");              /* the top folder itself: not entered */
    link_at(d, "real/in.json", "l.json"); /* a file by another name: listed */
    link_at(d, "missing.json", "dangling.json");
    assert_int_equal(sg_dir_list(d->path, ".json", &l, &err), 0);
    expect_listing(&l, "alias/in.json, l.json, real/in.json");
    /* A link's entry has the identity of the file it names. */
    assert_true(l.items[0].id.ino == l.items[2].id.ino);
    assert_true(l.items[1].id.ino == l.items[2].id.ino);
    sg_dir_list_release(&l);

    /* The top folder itself may be a link (a ConfigMap mount point is a
     * folder, a test's may be a link): it is what was asked for. */
    sg_scratch_path(d, "top-link", outside);
    assert_int_equal(symlink(d->path, outside), 0);
    assert_int_equal(sg_dir_list(outside, ".json", &l, &err), 0);
    expect_listing(&l, "alias/in.json, l.json, real/in.json");
    sg_dir_list_release(&l);
}

/* A list built by hand (the installer's record of what it put on a node):
 * sorted, a name given twice kept once, looked up by name. */
static void lists_built_by_hand(void **state)
{
    struct sg_dir_list l = {0};
    struct sg_file_id id = {.exists = true, .size = 7};
    struct sg_error err;
    (void)state;

    assert_int_equal(sg_dir_list_add(&l, "b/x.json", &id, &err), 0);
    assert_int_equal(sg_dir_list_add(&l, "a.json", NULL, &err), 0);
    assert_int_equal(sg_dir_list_add(&l, "b/x.json", NULL, &err), 0);
    sg_dir_list_sort(&l);
    expect_listing(&l, "a.json, b/x.json");
    assert_false(l.items[0].id.exists);
    assert_true(sg_dir_list_has(&l, "a.json"));
    assert_true(sg_dir_list_has(&l, "b/x.json"));
    assert_false(sg_dir_list_has(&l, "b"));
    assert_false(sg_dir_list_has(&l, "c.json"));
    sg_dir_list_release(&l);
    assert_int_equal(l.n, 0);
    assert_false(sg_dir_list_has(&l, "a.json"));
}

/* A ConfigMap volume with items[].path: team-a/app.json makes the folder
 * team-a a link into ..data; its files are listed under team-a/. */
static void configmap_item_paths_are_listed(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_dir_list l;
    struct sg_error err;

    sg_scratch_folder(d, "..2026_12_05_07_00_00.1");
    sg_scratch_folder(d, "..2026_12_05_07_00_00.1/team-a");
    sg_scratch_put(d, "..2026_12_05_07_00_00.1/team-a/app.json", "{}");
    sg_scratch_put(d, "..2026_12_05_07_00_00.1/top.json", "{}");
    link_at(d, "..2026_12_05_07_00_00.1", "..data");
    link_at(d, "..data/team-a", "team-a");
    link_at(d, "..data/top.json", "top.json");
    assert_int_equal(sg_dir_list(d->path, ".json", &l, &err), 0);
    expect_listing(&l, "team-a/app.json, top.json");
    sg_dir_list_release(&l);
}

/* A ConfigMap volume: key -> ..data/key, ..data -> ..<timestamp>/. The
 * listing shows the keys, and the kubelet's swap of ..data is a change. */
static void configmap_layout_and_its_swap(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_dir_list before, after, again;
    struct sg_error err;
    char data[PATH_MAX], tmp[PATH_MAX];

    sg_scratch_folder(d, "..2026_12_05_07_00_00.1");
    sg_scratch_put(d, "..2026_12_05_07_00_00.1/audit.json",
                   "{\"defaultAction\":\"SCMP_ACT_ERRNO\"}");
    sg_scratch_put(d, "..2026_12_05_07_00_00.1/strict.json", "{}");
    link_at(d, "..2026_12_05_07_00_00.1", "..data");
    link_at(d, "..data/audit.json", "audit.json");
    link_at(d, "..data/strict.json", "strict.json");
    assert_int_equal(sg_dir_list(d->path, ".json", &before, &err), 0);
    expect_listing(&before, "audit.json, strict.json");
    assert_int_equal(sg_dir_list(d->path, ".json", &again, &err), 0);
    assert_true(sg_dir_list_equal(&before, &again)); /* nothing changed: equal */
    sg_dir_list_release(&again);

    sg_scratch_folder(d, "..2026_12_05_07_01_00.2");
    sg_scratch_put(d, "..2026_12_05_07_01_00.2/audit.json", "{\"defaultAction\":\"SCMP_ACT_LOG\"}");
    sg_scratch_put(d, "..2026_12_05_07_01_00.2/strict.json", "{}");
    sg_scratch_path(d, "..data", data);
    sg_scratch_path(d, "..data_tmp", tmp);
    assert_int_equal(symlink("..2026_12_05_07_01_00.2", tmp), 0);
    assert_int_equal(rename(tmp, data), 0);
    assert_int_equal(sg_dir_list(d->path, ".json", &after, &err), 0);
    expect_listing(&after, "audit.json, strict.json");
    assert_false(sg_dir_list_equal(&before, &after));
    sg_dir_list_release(&before);
    sg_dir_list_release(&after);
}

/* Any file added, removed or rewritten makes the listing differ. */
static void changes_are_seen(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_dir_list a, b;
    struct sg_error err;
    char p[PATH_MAX];

    sg_scratch_put(d, "a.json", "{}");
    sg_scratch_put(d, "b.json", "{}");
    assert_int_equal(sg_dir_list(d->path, ".json", &a, &err), 0);

    sg_scratch_put(d, "c.json", "{}");
    assert_int_equal(sg_dir_list(d->path, ".json", &b, &err), 0);
    assert_false(sg_dir_list_equal(&a, &b));
    sg_dir_list_release(&b);
    sg_scratch_path(d, "c.json", p);
    assert_int_equal(unlink(p), 0);
    assert_int_equal(sg_dir_list(d->path, ".json", &b, &err), 0);
    assert_true(sg_dir_list_equal(&a, &b));
    sg_dir_list_release(&b);

    sg_scratch_put(d, "b.json", "{\"defaultAction\":\"SCMP_ACT_LOG\"}"); /* in place: size, mtime */
    assert_int_equal(sg_dir_list(d->path, ".json", &b, &err), 0);
    assert_false(sg_dir_list_equal(&a, &b));
    sg_dir_list_release(&b);

    sg_scratch_path(d, "a.json", p);
    assert_int_equal(unlink(p), 0);
    sg_scratch_put(d, "renamed.json", "{}");
    assert_int_equal(sg_dir_list(d->path, ".json", &b, &err), 0);
    assert_false(sg_dir_list_equal(&a, &b));
    sg_dir_list_release(&b);
    sg_dir_list_release(&a);
}

/* SG_DIR_MAX_DEPTH folders below the top are read; one more is an error
 * naming where, not a profile silently left out. */
static void depth_is_bounded(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_dir_list l;
    struct sg_error err;
    char rel[PATH_MAX] = "", file[PATH_MAX];

    for (int i = 1; i <= SG_DIR_MAX_DEPTH; i++) {
        snprintf(rel + strlen(rel), sizeof(rel) - strlen(rel), "%sd%d", i > 1 ? "/" : "", i);
        sg_scratch_folder(d, rel);
    }
    snprintf(file, sizeof(file), "%s/deep.json", rel);
    sg_scratch_put(d, file, "{}");
    assert_int_equal(sg_dir_list(d->path, ".json", &l, &err), 0);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.items[0].rel, file);
    sg_dir_list_release(&l);

    snprintf(rel + strlen(rel), sizeof(rel) - strlen(rel), "/too-deep");
    sg_scratch_folder(d, rel);
    sg_error_clear(&err);
    assert_int_equal(sg_dir_list(d->path, ".json", &l, &err), SG_ERR_LIMIT);
    if (strstr(err.msg, d->path) == NULL || strstr(err.msg, "nest more than 8 deep") == NULL ||
        strstr(err.msg, "too-deep") == NULL)
        fail_msg("depth error: %s", err.msg);
    sg_dir_list_release(&l);
}

static void file_count_is_bounded(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_dir_list l;
    struct sg_error err;
    char name[64];

    sg_scratch_folder(d, "sub");
    for (int i = 0; i < SG_DIR_MAX_FILES; i++) {
        snprintf(name, sizeof(name), "%s%04d.json", i % 2 ? "sub/" : "", i);
        sg_scratch_put(d, name, "");
    }
    sg_scratch_put(d, "not-counted.txt", ""); /* other names are read, not listed */
    assert_int_equal(sg_dir_list(d->path, ".json", &l, &err), 0);
    assert_int_equal(l.n, SG_DIR_MAX_FILES);
    sg_dir_list_release(&l);

    sg_scratch_put(d, "one-more.json", "");
    sg_error_clear(&err);
    assert_int_equal(sg_dir_list(d->path, ".json", &l, &err), SG_ERR_LIMIT);
    if (strstr(err.msg, d->path) == NULL || strstr(err.msg, "more than 1024 files") == NULL)
        fail_msg("count error: %s", err.msg);
    sg_dir_list_release(&l);
}

/* Names read are bounded too, whatever their suffix: a folder of many
 * files that are no profiles costs a bounded walk. */
static void names_read_are_bounded(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_dir_list l;
    struct sg_error err;
    char name[64];

    for (int i = 0; i < SG_DIR_MAX_ENTRIES; i++) {
        snprintf(name, sizeof(name), "%05d.txt", i);
        sg_scratch_put(d, name, "");
    }
    sg_error_clear(&err);
    assert_int_equal(sg_dir_list(d->path, ".json", &l, &err), SG_ERR_LIMIT);
    if (strstr(err.msg, "more than 16384 names") == NULL)
        fail_msg("names error: %s", err.msg);
    sg_dir_list_release(&l);
}

static void a_missing_folder_is_an_io_error_naming_it(void **state)
{
    struct sg_scratch *d = *state;
    struct sg_dir_list l;
    struct sg_error err;
    char p[PATH_MAX];

    sg_scratch_path(d, "nowhere", p);
    sg_error_clear(&err);
    assert_int_equal(sg_dir_list(p, ".json", &l, &err), SG_ERR_IO);
    assert_non_null(strstr(err.msg, p));
    assert_non_null(strstr(err.msg, "No such file or directory"));
    assert_int_equal(l.n, 0);
    sg_dir_list_release(&l);

    /* A file where the folder should be. */
    sg_scratch_put(d, "file", "x");
    sg_scratch_path(d, "file", p);
    assert_int_equal(sg_dir_list(p, ".json", &l, &err), SG_ERR_IO);
    assert_non_null(strstr(err.msg, "Not a directory"));
    sg_dir_list_release(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(lists_matching_files_recursively_sorted, sg_scratch_setup,
                                        sg_scratch_teardown),
        cmocka_unit_test(lists_built_by_hand),
        cmocka_unit_test_setup_teardown(configmap_item_paths_are_listed, sg_scratch_setup,
                                        sg_scratch_teardown),
        cmocka_unit_test_setup_teardown(dot_names_skipped_links_to_folders_inside_followed,
                                        sg_scratch_setup, sg_scratch_teardown),
        cmocka_unit_test_setup_teardown(configmap_layout_and_its_swap, sg_scratch_setup,
                                        sg_scratch_teardown),
        cmocka_unit_test_setup_teardown(changes_are_seen, sg_scratch_setup, sg_scratch_teardown),
        cmocka_unit_test_setup_teardown(depth_is_bounded, sg_scratch_setup, sg_scratch_teardown),
        cmocka_unit_test_setup_teardown(file_count_is_bounded, sg_scratch_setup,
                                        sg_scratch_teardown),
        cmocka_unit_test_setup_teardown(names_read_are_bounded, sg_scratch_setup,
                                        sg_scratch_teardown),
        cmocka_unit_test_setup_teardown(a_missing_folder_is_an_io_error_naming_it, sg_scratch_setup,
                                        sg_scratch_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
