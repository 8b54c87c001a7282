/* input.c - see input.h. */
#include "input.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "policy.h"
#include "profileset.h"

/* Reads a stream (stdin, a pipe) to its end, bounded by max. */
static int read_stream(const char *path, bool is_stdin, size_t max, char **out, size_t *len,
                       struct sg_error *err)
{
    const char *shown = is_stdin ? "standard input" : path;
    size_t used = 0, cap = 64 * 1024;
    char *buf = NULL, *grown;
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    int rc = 0;

    *out = NULL;
    *len = 0;
    if (fd < 0)
        return sg_error_set(err, SG_ERR_IO, "%s: %s", shown, strerror(errno));
    buf = malloc(cap + 1);
    if (buf == NULL) {
        rc = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (;;) {
        ssize_t n;
        if (used == cap) {
            if (cap > max) {
                rc = sg_error_set(err, SG_ERR_LIMIT, "%s: more than %zu bytes", shown, max);
                goto out;
            }
            cap *= 2;
            grown = realloc(buf, cap + 1);
            if (grown == NULL) {
                rc = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
                goto out;
            }
            buf = grown;
        }
        n = read(fd, buf + used, cap - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = sg_error_set(err, SG_ERR_IO, "%s: %s", shown, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        used += (size_t)n;
    }
    if (used > max) {
        rc = sg_error_set(err, SG_ERR_LIMIT, "%s: more than %zu bytes", shown, max);
        goto out;
    }
    buf[used] = '\0';
    *out = buf;
    *len = used;
    buf = NULL;
out:
    free(buf);
    if (!is_stdin)
        close(fd);
    return rc;
}

int sg_input_read(const char *path, size_t max, char **out, size_t *len, struct sg_error *err)
{
    bool is_stdin = strcmp(path, "-") == 0;
    struct stat st;

    /* Regular files as every part reads them; standard input, pipes and
     * process substitutions (`check <(kubectl get ...)`) as a stream. */
    if (!is_stdin && stat(path, &st) == 0 && S_ISREG(st.st_mode))
        return sg_file_read(path, max, out, len, NULL, err);
    return read_stream(path, is_stdin, max, out, len, err);
}

int sg_input_policy(const char *path, const char *profiles, struct sg_policy **out,
                    struct sg_error *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc;

    *out = NULL;
    if (path != NULL) {
        rc = sg_input_read(path, SG_POLICY_MAX_BYTES, &text, &len, err);
        if (rc < 0)
            return rc;
    }
    rc = sg_profileset_policy(path, path && strcmp(path, "-") == 0 ? "standard input" : path, text,
                              len, profiles, out, NULL, NULL, err);
    free(text);
    return rc;
}
