/* file.c - see file.h. */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
