/* file.h - the files the parts read and write: reading one bounded
 * (policy, certificates, keys, manifests), telling when one has changed on
 * disk, and writing one so that a crash leaves the old file or the whole
 * new one (the keys and certificates `certs` makes).
 *
 * Kubernetes updates a mounted ConfigMap or Secret by writing a new
 * directory and renaming the `..data` symlink over the old one, so a file's
 * path keeps its name while it comes to name a different inode. A file's
 * identity is therefore (device, inode, size, mtime) of what the path
 * resolves to now; comparing identities is a stat(2) a second. */
#ifndef SG_FILE_H
#define SG_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "error.h"

struct sg_file_id {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    bool exists;
};

/* The identity of what `path` names now; exists is false when it cannot be
 * stat'ed (a rename in progress, a deleted file). */
void sg_file_id_of(const char *path, struct sg_file_id *id);

bool sg_file_id_equal(const struct sg_file_id *a, const struct sg_file_id *b);

/* Reads a whole file of at most `max` bytes into a malloc'd buffer with a
 * NUL after the last byte (owned by the caller: free). `id` (may be NULL)
 * gets the identity of the file actually read. Errors: SG_ERR_IO naming
 * the path and errno's text, SG_ERR_LIMIT when it is bigger than max,
 * SG_ERR_NOMEM. */
int sg_file_read(const char *path, size_t max, char **out, size_t *len, struct sg_file_id *id,
                 struct sg_error *err);

/* Writes `len` bytes to `path` through a new temporary file beside it,
 * created with `mode` from the start (a key is never readable by others,
 * not even for a moment), synced, then moved into place: rename() when
 * `replace`, link() otherwise, which fails if `path` appeared meanwhile.
 * Either way `path` is the old file or the whole new one. The directory is
 * not synced: see sg_file_sync_dir. Errors: SG_ERR_EXISTS when `path`
 * exists and !replace, SG_ERR_IO naming the file and errno's text,
 * SG_ERR_LIMIT for a path too long to name its temporary file. */
/* Whether the file name `name` (no folder) is one sg_file_write_atomic
 * gives its temporary files (".<name>.tmp-1234abcd"), with the name of
 * the file it was for in `base` (cap bytes). For cleaning up after a writer
 * that was killed between creating and renaming. */
bool sg_file_temporary_of(const char *name, char *base, size_t cap);

int sg_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode, bool replace,
                         struct sg_error *err);

/* Makes `dir` with `mode` unless it exists; SG_ERR_IO when it cannot be
 * made or exists as something that is not a directory. */
int sg_file_make_dir(const char *dir, mode_t mode, struct sg_error *err);

/* fsync(2) of a directory, so that renames into it survive a crash. Best
 * effort: a directory that cannot be opened is left as it is. */
void sg_file_sync_dir(const char *dir);

#endif
