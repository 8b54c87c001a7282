/* error.h - the one error type of seccomp-guard.
 *
 * Fallible functions return 0 or a negative code from enum sg_err and fill a
 * struct sg_error whose message names the bad value and where it was found
 * ("unknown action 'block' at policy.yaml:12:9"). Outer layers add context in
 * front with sg_error_prefix; the most specific message is never lost. */
#ifndef SG_ERROR_H
#define SG_ERROR_H

#include <stddef.h>

enum sg_err {
    SG_OK = 0,
    SG_ERR_NOMEM = -1,    /* an allocation failed */
    SG_ERR_INVALID = -2,  /* input is not what it must be */
    SG_ERR_LIMIT = -3,    /* input is over a named bound */
    SG_ERR_IO = -4,       /* a file or socket could not be read or written */
    SG_ERR_TLS = -5,      /* certificate, key or TLS set-up */
    SG_ERR_INTERNAL = -6, /* a bug: an invariant did not hold */
    SG_ERR_EXISTS = -7,   /* a file that must not be replaced is there already */
};

#define SG_ERROR_MSG_MAX 1024

struct sg_error {
    int code;
    char msg[SG_ERROR_MSG_MAX];
};

/* Clears *err (code 0, empty message). NULL is allowed and ignored. */
void sg_error_clear(struct sg_error *err);

/* Sets code and a printf-style message; returns code so callers can write
 * `return sg_error_set(err, SG_ERR_INVALID, "...")`. err may be NULL. */
int sg_error_set(struct sg_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Puts context in front of the current message: "<context>: <message>".
 * Returns err->code. */
int sg_error_prefix(struct sg_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A short constant name for a code ("invalid input"). */
const char *sg_error_code_name(int code);

#endif
