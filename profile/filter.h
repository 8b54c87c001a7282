/* filter.h - a profile compiled into a libseccomp filter the way runc
 * compiles it (libcontainer/seccomp/seccomp_linux.go): the default action
 * with defaultErrnoRet (EPERM when absent), the architectures, flags, one
 * rule per name, a rule with the default's action skipped, a name
 * libseccomp cannot resolve skipped, argument conditions in one rule unless
 * two share an index (then one rule per condition: runc's old OR form).
 * Nothing is loaded here: sandbox.c loads it.
 *
 * SG_FILTER_EXPLAIN compiles the same filter but hands the calls it would
 * fail with an errno to a supervisor instead (SCMP_ACT_NOTIFY), which
 * answers with that same errno and says which call was refused and by
 * what. The program sees exactly what the ERRNO action gives it. Only
 * unambiguous errnos are handed over: the default's when the default is
 * SCMP_ACT_ERRNO, else each name whose ERRNO rules all give one errno.
 * One difference remains: a program that stacks a SCMP_ACT_NOTIFY filter
 * of its own gets those calls at its own supervisor, where ERRNO would
 * have won; SG_FILTER_EXACT is runc's filter for such a program. */
#ifndef SG_FILTER_H
#define SG_FILTER_H

#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>

#include "finding.h"
#include "profile.h"

enum sg_filter_mode {
    SG_FILTER_EXACT,   /* what runc loads */
    SG_FILTER_EXPLAIN, /* ERRNO answered by a supervisor, for `profile run` */
};

struct sg_filter_answer {
    const char *name; /* borrowed from the profile */
    unsigned errno_ret;
    size_t rule; /* index in syscalls[] */
};

struct sg_filter {
    scmp_filter_ctx ctx; /* NULL when the profile installs no filter */
    bool notify;         /* some action is SCMP_ACT_NOTIFY: needs a supervisor */
    bool default_notify; /* the default ERRNO was handed over */
    unsigned default_errno;
    struct sg_filter_answer *answers; /* by name, sorted; owned */
    size_t n_answers;
};

/* Compiles `p` for `env` (env->arch is the node's native architecture).
 * `maybe` says whether rules whose includes/excludes the env cannot decide
 * are compiled in. What libseccomp refuses goes to `findings` as fatal
 * errors at the rule's path, and the return is SG_ERR_INVALID. The profile
 * must outlive the filter. Returns 0 with *out set (ctx NULL when runc
 * would install no filter), or SG_ERR_INVALID / SG_ERR_NOMEM with err. */
int sg_filter_build(const struct sg_seccomp_profile *p, const struct sg_profile_env *env,
                    enum sg_filter_mode mode, bool maybe, struct sg_filter *out,
                    struct sg_findings *findings, struct sg_error *err);

/* The filter `profile record` loads: every call of the native
 * architecture `arch` (an sg_vocab index) and of its sub-architectures
 * handed to a supervisor. */
int sg_filter_build_recorder(int arch, struct sg_filter *out, struct sg_error *err);

void sg_filter_release(struct sg_filter *f);

/* For a notification of syscall `name` from an EXPLAIN filter: the errno
 * to answer and the rule it comes from (SIZE_MAX: the default action).
 * False when the filter hands `name` over for no errno. */
bool sg_filter_answer(const struct sg_filter *f, const char *name, unsigned *errno_ret,
                      size_t *rule);

#endif
