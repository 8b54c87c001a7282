/* finding.h - what the profile reader and lint say about a profile: each
 * finding has a severity, a short stable code ("unknown-syscall"), the JSON
 * path it is about ("syscalls[3].args[0].op", "" for the whole profile) and
 * a message that says what was found and what to do.
 *
 * `fatal` marks a profile that is not usable as written: runc refuses to
 * load it (a container with it does not start), or runc reads it in a way
 * seccomp-guard does not follow (a key in another case, a number a double
 * cannot hold), so no verdict on it can be trusted; `profile run` stops.
 * Errors that runc only ignores (a syscall name it cannot resolve, an
 * errnoRet on an action that has none) are errors for lint but not fatal.
 *
 * Bounded: past SG_FINDINGS_MAX findings only counts are kept. */
#ifndef SG_FINDING_H
#define SG_FINDING_H

#include <stdbool.h>
#include <stddef.h>

#define SG_FINDINGS_MAX     256  /* findings kept in full */
#define SG_FINDING_MSG_MAX  1024 /* bytes of one message */
#define SG_FINDING_PATH_MAX 256  /* bytes of one path */

enum sg_severity {
    SG_SEV_NOTE,    /* worth knowing; nothing wrong */
    SG_SEV_WARNING, /* legal, but likely not what was meant, or risky */
    SG_SEV_ERROR,   /* wrong: lint exits 1 */
};

struct sg_finding {
    enum sg_severity severity;
    bool fatal;
    const char *code; /* static */
    char *path;       /* owns the one allocation that also holds message */
    char *message;
};

struct sg_findings {
    struct sg_finding *items;
    size_t n, cap;
    size_t dropped;                 /* past SG_FINDINGS_MAX: counted only */
    size_t count[SG_SEV_ERROR + 1]; /* by severity, dropped ones included */
    bool fatal;                     /* some finding, kept or dropped, is fatal */
    bool nomem;                     /* an allocation failed: the list is incomplete */
};

void sg_findings_init(struct sg_findings *f);
void sg_findings_release(struct sg_findings *f);

/* Adds a finding; `code` must be a static string. */
void sg_findings_add(struct sg_findings *f, enum sg_severity severity, bool fatal, const char *code,
                     const char *path, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* True when the list has an error (kept or dropped), or lost one to a
 * failed allocation: what was not kept cannot be shown to be harmless. */
bool sg_findings_has_error(const struct sg_findings *f);

/* "error", "warning", "note". */
const char *sg_severity_name(enum sg_severity s);

#endif
