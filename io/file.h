/* file.h - reading the files the parts read (policy, certificates, keys,
 * manifests), bounded, and telling when one has changed on disk.
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

#endif
