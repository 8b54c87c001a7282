/* file.c - see file.h. */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* Tries at a free temporary name before giving up: with 32 random bits a
 * clash is already a stale file of a crashed earlier run. */
#define TMP_ATTEMPTS 8

static void id_from_stat(const struct stat *st, struct sg_file_id *id)
{
    id->dev = st->st_dev;
    id->ino = st->st_ino;
    id->size = st->st_size;
    id->mtime = st->st_mtim;
    id->exists = true;
}

void sg_file_id_of(const char *path, struct sg_file_id *id)
{
    struct stat st;

    memset(id, 0, sizeof(*id));
    if (stat(path, &st) == 0)
        id_from_stat(&st, id);
}

bool sg_file_id_equal(const struct sg_file_id *a, const struct sg_file_id *b)
{
    return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

int sg_file_read(const char *path, size_t max, char **out, size_t *len, struct sg_file_id *id,
                 struct sg_error *err)
{
    struct stat st;
    char *buf = NULL;
    size_t have = 0;
    int fd = -1, rc;

    *out = NULL;
    *len = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = sg_error_set(err, SG_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) != 0) {
        rc = sg_error_set(err, SG_ERR_IO, "cannot stat '%s': %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = sg_error_set(err, SG_ERR_IO, "'%s' is not a regular file", path);
        goto out;
    }
    if (st.st_size < 0 || (unsigned long long)st.st_size > max) {
        rc = sg_error_set(err, SG_ERR_LIMIT, "'%s' is %lld bytes, more than the %zu allowed", path,
                          (long long)st.st_size, max);
        goto out;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        rc = sg_error_set(err, SG_ERR_NOMEM, "out of memory reading '%s'", path);
        goto out;
    }
    while (have < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + have, (size_t)st.st_size - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = sg_error_set(err, SG_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break; /* truncated while we read: take what is there */
        have += (size_t)n;
    }
    buf[have] = '\0';
    if (id != NULL)
        id_from_stat(&st, id);
    *out = buf;
    *len = have;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    if (fd >= 0)
        close(fd);
    return rc;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

#define TMP_SUFFIX     ".tmp-"
#define TMP_SUFFIX_LEN 13 /* TMP_SUFFIX and 8 hex digits */

bool sg_file_temporary_of(const char *name, char *base, size_t cap)
{
    size_t n = strlen(name), inner;
    const char *suffix;

    if (n < TMP_SUFFIX_LEN + 2 || name[0] != '.')
        return false;
    suffix = name + n - TMP_SUFFIX_LEN;
    if (strncmp(suffix, TMP_SUFFIX, 5) != 0 || strspn(suffix + 5, "0123456789abcdef") != 8)
        return false;
    inner = n - TMP_SUFFIX_LEN - 1;
    if (inner >= cap)
        return false;
    memcpy(base, name + 1, inner);
    base[inner] = '\0';
    return true;
}

/* Creates a new file "<dir>/.<name>.tmp-XXXXXXXX" beside path with O_EXCL;
 * its name goes to tmp and its descriptor to *fd. */
static int open_temporary(const char *path, mode_t mode, char *tmp, size_t tmp_size, int *fd,
                          struct sg_error *err)
{
    const char *slash = strrchr(path, '/');
    int dir_len = slash != NULL ? (int)(slash - path + 1) : 0;
    unsigned rnd = 0;
    int n;

    *fd = -1;
    for (int attempt = 0; attempt < TMP_ATTEMPTS; attempt++) {
        /* The name only has to be new, not secret: O_EXCL makes it safe. */
        if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd))
            rnd = (unsigned)getpid() * 2654435761u + (unsigned)attempt;
        n = snprintf(tmp, tmp_size, "%.*s.%s" TMP_SUFFIX "%08x", dir_len, path, path + dir_len,
                     rnd);
        if (n < 0 || (size_t)n >= tmp_size)
            return sg_error_set(err, SG_ERR_LIMIT, "path '%s' is too long", path);
        *fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
        if (*fd >= 0)
            return 0;
        if (errno != EEXIST)
            return sg_error_set(err, SG_ERR_IO, "cannot create '%s': %s", tmp, strerror(errno));
    }
    return sg_error_set(err, SG_ERR_IO, "cannot create a temporary file beside '%s'", path);
}

int sg_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode, bool replace,
                         struct sg_error *err)
{
    char tmp[PATH_MAX];
    bool made = false;
    int fd = -1, rc;

    rc = open_temporary(path, mode, tmp, sizeof(tmp), &fd, err);
    if (rc != 0)
        goto out;
    made = true;
    if (write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        rc = sg_error_set(err, SG_ERR_IO, "cannot write '%s': %s", tmp, strerror(errno));
        goto out;
    }
    rc = close(fd);
    fd = -1;
    if (rc != 0) {
        rc = sg_error_set(err, SG_ERR_IO, "cannot write '%s': %s", tmp, strerror(errno));
        goto out;
    }
    if (replace) {
        if (rename(tmp, path) != 0) {
            rc = sg_error_set(err, SG_ERR_IO, "cannot rename '%s' to '%s': %s", tmp, path,
                              strerror(errno));
            goto out;
        }
        made = false;
    } else if (link(tmp, path) != 0) {
        if (errno == EEXIST)
            rc = sg_error_set(err, SG_ERR_EXISTS, "'%s' already exists", path);
        else
            rc = sg_error_set(err, SG_ERR_IO, "cannot create '%s': %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (made)
        unlink(tmp);
    return rc;
}

int sg_file_make_dir(const char *dir, mode_t mode, struct sg_error *err)
{
    struct stat st;

    if (mkdir(dir, mode) == 0)
        return 0;
    if (errno != EEXIST)
        return sg_error_set(err, SG_ERR_IO, "cannot create directory '%s': %s", dir,
                            strerror(errno));
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return sg_error_set(err, SG_ERR_IO, "'%s' exists and is not a directory", dir);
    return 0;
}

void sg_file_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}
