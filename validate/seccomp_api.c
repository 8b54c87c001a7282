/* seccomp_api.c - see seccomp_api.h. */
#include "seccomp_api.h"

#include <string.h>

enum sg_seccomp_type sg_seccomp_field_type(const char *type)
{
    if (strcmp(type, "RuntimeDefault") == 0)
        return SG_SECCOMP_RUNTIME_DEFAULT;
    if (strcmp(type, "Localhost") == 0)
        return SG_SECCOMP_LOCALHOST;
    if (strcmp(type, "Unconfined") == 0)
        return SG_SECCOMP_UNCONFINED;
    return SG_SECCOMP_BAD;
}

enum sg_seccomp_type sg_seccomp_annotation_type(const char *value, const char **path)
{
    static const char localhost[] = "localhost/";

    if (strcmp(value, "runtime/default") == 0 || strcmp(value, "docker/default") == 0)
        return SG_SECCOMP_RUNTIME_DEFAULT;
    if (strcmp(value, "unconfined") == 0)
        return SG_SECCOMP_UNCONFINED;
    if (strncmp(value, localhost, sizeof(localhost) - 1) == 0) {
        if (path != NULL)
            *path = value + sizeof(localhost) - 1;
        return SG_SECCOMP_LOCALHOST;
    }
    return SG_SECCOMP_BAD;
}

const char *sg_seccomp_localhost_problem(const char *path, size_t len)
{
    const char *seg = path;
    const char *end = path + len;

    if (len == 0)
        return "is empty";
    if (len > SG_LOCALHOST_PATH_MAX)
        return "is too long";
    if (memchr(path, '\0', len) != NULL)
        return "contains a NUL byte";
    if (path[0] == '/')
        return "is an absolute path";
    /* The kubelet joins it under its seccomp directory; a ".." segment would
     * climb out (validateLocalDescendingPath in the API server). */
    while (seg <= end) {
        const char *slash = memchr(seg, '/', (size_t)(end - seg));
        const char *stop = slash != NULL ? slash : end;
        if (stop - seg == 2 && seg[0] == '.' && seg[1] == '.')
            return "contains a '..' segment";
        seg = stop + 1;
    }
    return NULL;
}
