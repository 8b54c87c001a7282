/* lint.h - what a seccomp profile really does, for `profile lint` and for
 * the engine: whether it enforces anything at all (its verdict), the
 * dangerous syscalls it lets through (syscalls.h has the list and the
 * reason for each), and whether a program can even start under it (the
 * syscalls a program makes before main, measured, also in syscalls.h).
 * It also compiles the profile with libseccomp, without loading it, so
 * that what libseccomp refuses (and so runc) is found before a node does.
 * Findings go to the same list as the reader's. No I/O. */
#ifndef SG_LINT_H
#define SG_LINT_H

#include <stdbool.h>
#include <stddef.h>

#include "finding.h"
#include "profile.h"

enum sg_lint_verdict {
    SG_LINT_ENFORCING,  /* unlisted syscalls fail or kill */
    SG_LINT_PERMISSIVE, /* unlisted syscalls run (SCMP_ACT_ALLOW, SCMP_ACT_LOG) */
    SG_LINT_UNCONFINED, /* runc installs no filter at all */
};

#define SG_LINT_LIST_MAX 64 /* names kept in each list below */

struct sg_lint {
    enum sg_lint_verdict verdict;
    /* Not usable as written (a fatal finding): runc refuses it, or reads it
     * otherwise than seccomp-guard can. Fail closed on such a profile. */
    bool refused;
    char summary[256];                       /* "unlisted syscalls fail with EPERM" */
    const char *dangerous[SG_LINT_LIST_MAX]; /* let through, maybe under conditions */
    size_t n_dangerous;
    const char *missing[SG_LINT_LIST_MAX]; /* needed before main, refused */
    size_t n_missing;
    bool cannot_start;         /* not even a static program starts */
    bool cannot_start_dynamic; /* a dynamically linked one does not */
};

/* Judges `p` in `env` (env->arch: the node's architecture). Adds findings
 * to `findings` (which should already hold the reader's: `refused` is
 * read from them). Strings in *out are static. Returns 0, or SG_ERR_NOMEM. */
int sg_lint_run(const struct sg_seccomp_profile *p, const struct sg_profile_env *env,
                struct sg_lint *out, struct sg_findings *findings, struct sg_error *err);

/* "enforcing", "permissive", "unconfined". */
const char *sg_lint_verdict_name(enum sg_lint_verdict v);

#endif
