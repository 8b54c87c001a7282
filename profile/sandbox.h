/* sandbox.h - running a command under a libseccomp filter, for
 * `profile run` and `profile record`: the child sets no_new_privs, loads
 * the filter and execs the command, as runc does; when the filter hands
 * calls to a supervisor (SCMP_ACT_NOTIFY), this process is the supervisor
 * and asks a handler what to answer. Unprivileged throughout.
 *
 * This is the part of profile/ that forks, execs and waits; the reader,
 * lint and the filter compiler do no I/O. */
#ifndef SG_SANDBOX_H
#define SG_SANDBOX_H

#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define SG_SANDBOX_GRACE_MS                                                                        \
    2000 /* after the command exits, how long calls of                                             \
          * processes it left behind are still served */

/* One notified call. `launched` is false for the calls the child makes
 * between loading the filter and its execve of the command (none, unless a
 * sanitizer's runtime makes some): they are not the command's. */
struct sg_sandbox_call {
    pid_t pid;
    uint32_t arch; /* AUDIT_ARCH_*, the same values as SCMP_ARCH_* */
    int nr;
    const char *name; /* libseccomp's name for it, or "syscall-<nr>" */
    bool launched;
};

/* Answers a notified call: SG_SANDBOX_CONTINUE to let it run (the kernel
 * continues it, SECCOMP_USER_NOTIF_FLAG_CONTINUE), or an errno to fail it
 * with (0: not made, returns 0, as SCMP_ACT_ERRNO with errno 0 does). */
#define SG_SANDBOX_CONTINUE (-1)
typedef int (*sg_sandbox_handler)(void *ctx, const struct sg_sandbox_call *call);

struct sg_sandbox_result {
    int status;       /* waitpid status of the command */
    int load_errno;   /* the filter could not be loaded: the command never ran */
    int exec_errno;   /* execve failed (under the filter, possibly refused by it) */
    bool left_behind; /* processes outlived the command and the grace period */
};

/* Runs `path` with `argv` (NULL-terminated) under `ctx` (NULL: no filter).
 * With `handler`, the filter's notifications are served until the command
 * and every process it started have exited (or SG_SANDBOX_GRACE_MS after
 * the command itself did). Returns 0 with *res set once the command has
 * been waited for, or SG_ERR_IO (with err) when it could not be started or
 * supervised. */
int sg_sandbox_run(scmp_filter_ctx ctx, const char *path, char *const argv[],
                   sg_sandbox_handler handler, void *handler_ctx, struct sg_sandbox_result *res,
                   struct sg_error *err);

/* Finds a command as execvp would (a name with a slash is taken as is),
 * into out. SG_ERR_IO naming the command when it is not found,
 * SG_ERR_INVALID when the path names no executable file. */
int sg_sandbox_find(const char *command, char *out, size_t cap, struct sg_error *err);

/* Whether this kernel and libseccomp can notify a supervisor and let the
 * call continue (libseccomp API level 5, Linux 5.5); if not, err says
 * which is missing. */
bool sg_sandbox_can_notify(struct sg_error *err);

#endif
