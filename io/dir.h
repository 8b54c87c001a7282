/* dir.h - a folder read as a set of files (the known seccomp profiles, a
 * ConfigMap mounted as a folder): listed recursively, bounded, sorted,
 * with each file's identity, so a reload can tell when anything in it
 * changed by listing it again.
 *
 * A ConfigMap mount holds `key -> ..data/key` symlinks beside dot-named
 * bookkeeping (`..data`, `..2026_12_05_...`), and `items[].path:
 * team-a/app.json` makes `team-a -> ..data/team-a`. Names starting with
 * '.' are skipped; a symlink to a file is followed; a symlink to a folder
 * is followed only when it resolves inside the top folder and not to a
 * folder above the link (a link to / must not make a reader walk the
 * host, nor a link to its parent loop). */
#ifndef SG_DIR_H
#define SG_DIR_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "file.h"

#define SG_DIR_MAX_FILES   1024  /* files listed */
#define SG_DIR_MAX_ENTRIES 16384 /* names read, over all folders */
#define SG_DIR_MAX_DEPTH   8     /* folders below the top */

struct sg_dir_entry {
    char *rel; /* path below the folder: "team-a/app.json" */
    struct sg_file_id id;
};

struct sg_dir_list {
    struct sg_dir_entry *items; /* sorted by rel */
    size_t n, cap;
};

/* Lists the regular files under `dir` whose names end with `suffix` (NULL:
 * every file). All or nothing: a name that cannot be looked at (other than
 * one gone since its folder was read) is an error, never a shorter list.
 * *out is owned by the caller (sg_dir_list_release), also on failure.
 * Errors: SG_ERR_IO naming the path and errno's text, SG_ERR_LIMIT past a
 * bound above, SG_ERR_NOMEM. */
int sg_dir_list(const char *dir, const char *suffix, struct sg_dir_list *out, struct sg_error *err);

/* A list built by hand (names read from a file, identities taken one by
 * one) starts as `{0}`. _add appends a copy of `rel` with `id` (NULL: none,
 * exists false), with no bound: the caller bounds what it adds. SG_ERR_NOMEM.
 * _sort sorts by rel and drops an entry whose rel is the one before it;
 * _has looks up a sorted list. */
int sg_dir_list_add(struct sg_dir_list *l, const char *rel, const struct sg_file_id *id,
                    struct sg_error *err);
void sg_dir_list_sort(struct sg_dir_list *l);
bool sg_dir_list_has(const struct sg_dir_list *l, const char *rel);

/* Same files, same identities. */
bool sg_dir_list_equal(const struct sg_dir_list *a, const struct sg_dir_list *b);

void sg_dir_list_release(struct sg_dir_list *l);

#endif
