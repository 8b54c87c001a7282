/* seccomp_api.h - the seccomp vocabulary of the pod API: profile types, the
 * legacy annotation values, and the rule Kubernetes puts on a Localhost
 * profile's path. Closed lists, compared exactly as the API server does. */
#ifndef SG_SECCOMP_API_H
#define SG_SECCOMP_API_H

#include <stdbool.h>
#include <stddef.h>

#define SG_ANNOTATION_POD       "seccomp.security.alpha.kubernetes.io/pod"
#define SG_ANNOTATION_CONTAINER "container.seccomp.security.alpha.kubernetes.io/"
#define SG_LOCALHOST_PATH_MAX   4096

enum sg_seccomp_type {
    SG_SECCOMP_UNSET,           /* no profile said */
    SG_SECCOMP_RUNTIME_DEFAULT, /* RuntimeDefault, runtime/default, docker/default */
    SG_SECCOMP_LOCALHOST,       /* Localhost, localhost/<path> */
    SG_SECCOMP_UNCONFINED,      /* Unconfined, unconfined */
    SG_SECCOMP_BAD,             /* anything else: the API server refuses it */
};

/* The type named by a securityContext.seccompProfile.type value. */
enum sg_seccomp_type sg_seccomp_field_type(const char *type);

/* The type named by a legacy annotation value; *path is set to the part
 * after "localhost/" for SG_SECCOMP_LOCALHOST. */
enum sg_seccomp_type sg_seccomp_annotation_type(const char *value, const char **path);

/* Checks a localhostProfile the way the API server does: non-empty,
 * relative, no ".." segment, no NUL, at most SG_LOCALHOST_PATH_MAX bytes.
 * Returns NULL when valid, else why not ("is an absolute path"). */
const char *sg_seccomp_localhost_problem(const char *path, size_t len);

#endif
