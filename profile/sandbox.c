/* sandbox.c - see sandbox.h.
 *
 * Handing the listener to the supervisor. The kernel creates the
 * notification listener when the child loads the filter, in the child's
 * file descriptor table; from then on every call the child makes that the
 * filter notifies waits for a supervisor. The usual hand-overs (sending the
 * fd over a socket, writing its number to a pipe) are themselves calls the
 * filter would hold, with no supervisor yet to answer them. So the child
 * is started with clone(CLONE_FILES): it shares this process's descriptor
 * table until its execve, so the listener the kernel installs there is in
 * our table the moment seccomp_load returns, with no call from the child.
 * The child only stores the number in a MAP_SHARED page (a memory write,
 * no syscall) and execs; execve gives it a table of its own, where the
 * listener (close-on-exec) is closed. Unlike pidfd_getfd this needs no
 * ptrace permission (Yama's ptrace_scope 2 would refuse it) and works on
 * every kernel that has notifications. */
#include "sandbox.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHILD_STACK_BYTES (1024 * 1024) /* libseccomp's load runs on it, under ASan too */
#define LOAD_TIMEOUT_MS   10000         /* the child loads its filter well within this */
#define POLL_MS           100
#define NOTIFY_API_LEVEL  5 /* libseccomp: SCMP_ACT_NOTIFY and a listener */

enum child_state { CHILD_STARTING, CHILD_LOADED, CHILD_FAILED };

/* The page the child and this process share; written by the child with
 * plain stores, read here after the state says they are done. */
struct shared {
    _Atomic int state;
    int listener;
    int load_errno;
    int exec_errno;
};

struct child_args {
    scmp_filter_ctx ctx;
    const char *path;
    char *const *argv;
    struct shared *sh;
};

/* The child runs unsanitized from loading the filter to its exec: an
 * instrumented build calls into the sanitizer runtime before any call that
 * does not return (ASan's __asan_handle_no_return asks sigaltstack), and
 * the runtime, refused such a call by the filter, reports, is refused the
 * memory to report in, and deadlocks on its own lock. */
#define CHILD_CODE __attribute__((no_sanitize("address", "undefined")))

/* The child's end, when it could not become the command: exit_group and
 * exit, raw, with no exit handlers; if the profile refuses both, an
 * illegal instruction, as glibc's _exit ends in that case. The parent
 * reads why from the shared page. */
CHILD_CODE static void child_exit(int status)
{
    syscall(SYS_exit_group, status);
    syscall(SYS_exit, status);
    for (;;)
        __builtin_trap();
}

/* The child: from here to execve only what the filter must let through, or
 * what the supervisor answers (it is already serving when the child can
 * make a notified call). */
CHILD_CODE static int child_main(void *arg)
{
    struct child_args *a = arg;
    sigset_t none;
    int rc = 0;

    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (a->ctx != NULL)
        rc = seccomp_load(a->ctx); /* sets no_new_privs first (libseccomp's default) */
    if (rc < 0) {
        a->sh->load_errno = -rc;
        atomic_store(&a->sh->state, CHILD_FAILED);
        child_exit(125);
    }
    a->sh->listener = a->ctx != NULL ? seccomp_notify_fd(a->ctx) : -1;
    atomic_store(&a->sh->state, CHILD_LOADED);
    execv(a->path, a->argv);
    a->sh->exec_errno = errno;
    child_exit(errno == ENOENT ? 127 : 126);
    return 126;
}

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* SIGTERM and SIGHUP sent to this process (timeout(1), a closed terminal)
 * are meant for the command: they are blocked while it runs and passed on
 * here, waiting for up to `ms` for one (SIGCHLD, also blocked, ends the
 * wait early). Blocked and collected, none can slip in between a check and
 * a wait. */
static void forward_signals(const sigset_t *set, pid_t pid, long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    int sig;

    while ((sig = sigtimedwait(set, NULL, &ts)) > 0) {
        if (sig != SIGCHLD)
            kill(pid, sig);
        ts = (struct timespec){0, 0};
    }
}

/* Waits for the child to have loaded its filter (or died), bounded. */
static int wait_loaded(struct shared *sh, pid_t pid, const sigset_t *fwd,
                       struct sg_sandbox_result *res, bool *reaped, struct sg_error *err)
{
    long deadline = now_ms() + LOAD_TIMEOUT_MS;

    while (atomic_load(&sh->state) == CHILD_STARTING) {
        if (waitpid(pid, &res->status, WNOHANG) == pid) {
            *reaped = true;
            return 0;
        }
        if (now_ms() > deadline)
            return sg_error_set(err, SG_ERR_IO, "the child did not load its filter in %d ms",
                                LOAD_TIMEOUT_MS);
        forward_signals(fwd, pid, 1);
    }
    return 0;
}

/* libseccomp turns every failed notification ioctl into -ECANCELED; the
 * kernel's errno is still in errno. ENOENT: the caller died (a signal, its
 * process exiting) before it was answered, which is no error here. */
static int gone(int rc)
{
    if (rc == 0 || (rc == -ECANCELED && (errno == ENOENT || errno == EINTR)))
        return 0;
    return rc == -ECANCELED ? -errno : rc;
}

static int answer(int fd, struct seccomp_notif *req, struct seccomp_notif_resp *resp,
                  sg_sandbox_handler handler, void *ctx, pid_t child, bool *launched)
{
    char fallback[32];
    struct sg_sandbox_call call;
    char *name;
    int rc, verdict;

    /* The kernel refuses a buffer that is not zeroed (room for
     * extensions); libseccomp 2.5.4 does not clear it. */
    memset(req, 0, sizeof(*req));
    rc = seccomp_notify_receive(fd, req);
    if (rc < 0)
        return gone(rc);
    name = seccomp_syscall_resolve_num_arch(req->data.arch, req->data.nr);
    if (name == NULL)
        snprintf(fallback, sizeof(fallback), "syscall-%d", req->data.nr);
    if (!*launched && (pid_t)req->pid == child && name != NULL &&
        (strcmp(name, "execve") == 0 || strcmp(name, "execveat") == 0))
        *launched = true;
    call = (struct sg_sandbox_call){(pid_t)req->pid, req->data.arch, req->data.nr,
                                    name != NULL ? name : fallback, *launched};
    verdict = handler(ctx, &call);
    free(name);
    memset(resp, 0, sizeof(*resp));
    resp->id = req->id;
    if (verdict == SG_SANDBOX_CONTINUE)
        resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    else
        resp->error = -verdict; /* 0: the call returns val, 0 */
    return gone(seccomp_notify_respond(fd, resp));
}

/* Serves notifications until no process uses the filter any more (the
 * listener hangs up), or the grace period after the command's exit ends. */
static int supervise(int fd, pid_t pid, const sigset_t *fwd, sg_sandbox_handler handler, void *ctx,
                     struct sg_sandbox_result *res, bool reaped, struct sg_error *err)
{
    struct seccomp_notif *req = NULL;
    struct seccomp_notif_resp *resp = NULL;
    bool launched = false;
    long grace_end = reaped ? now_ms() + SG_SANDBOX_GRACE_MS : 0;
    int rc;

    rc = seccomp_notify_alloc(&req, &resp);
    if (rc < 0)
        return sg_error_set(err, SG_ERR_IO, "cannot allocate notifications: %s", strerror(-rc));
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int n;
        forward_signals(fwd, pid, 0);
        n = poll(&pfd, 1, POLL_MS);
        if (n < 0 && errno != EINTR) {
            rc = sg_error_set(err, SG_ERR_IO, "poll on the listener: %s", strerror(errno));
            break;
        }
        if (n > 0 && (pfd.revents & POLLIN)) {
            rc = answer(fd, req, resp, handler, ctx, pid, &launched);
            if (rc < 0) {
                rc = sg_error_set(err, SG_ERR_IO, "serving a notification: %s", strerror(-rc));
                break;
            }
            continue;
        }
        if (!reaped && waitpid(pid, &res->status, WNOHANG) == pid) {
            reaped = true;
            grace_end = now_ms() + SG_SANDBOX_GRACE_MS;
        }
        if (n > 0 && (pfd.revents & (POLLHUP | POLLERR)) && reaped) {
            rc = 0;
            break;
        }
        if (reaped && now_ms() > grace_end) {
            res->left_behind = true;
            rc = 0;
            break;
        }
    }
    seccomp_notify_free(req, resp);
    return rc;
}

int sg_sandbox_run(scmp_filter_ctx ctx, const char *path, char *const argv[],
                   sg_sandbox_handler handler, void *handler_ctx, struct sg_sandbox_result *res,
                   struct sg_error *err)
{
    struct sigaction ignore = {.sa_handler = SIG_IGN}, old_int, old_quit;
    struct child_args args = {ctx, path, argv, NULL};
    sigset_t fwd, old_mask;
    struct shared *sh = MAP_FAILED;
    char *stack = MAP_FAILED;
    bool reaped = false;
    pid_t pid;
    int rc = 0;

    memset(res, 0, sizeof(*res));
    sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    stack = mmap(NULL, CHILD_STACK_BYTES, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (sh == MAP_FAILED || stack == MAP_FAILED) {
        rc = sg_error_set(err, SG_ERR_IO, "mmap: %s", strerror(errno));
        goto out;
    }
    atomic_store(&sh->state, CHILD_STARTING);
    sh->listener = -1;
    args.sh = sh;
    /* As system() does: ^C and ^\ are for the command, which gets them
     * from the terminal; this process waits for it. */
    sigaction(SIGINT, &ignore, &old_int);
    sigaction(SIGQUIT, &ignore, &old_quit);
    sigemptyset(&fwd);
    sigaddset(&fwd, SIGTERM);
    sigaddset(&fwd, SIGHUP);
    sigaddset(&fwd, SIGCHLD);
    sigprocmask(SIG_BLOCK, &fwd, &old_mask);
    pid = clone(child_main, stack + CHILD_STACK_BYTES, CLONE_FILES | SIGCHLD, &args);
    if (pid < 0) {
        rc = sg_error_set(err, SG_ERR_IO, "clone: %s", strerror(errno));
        goto restore;
    }
    if (handler != NULL) {
        rc = wait_loaded(sh, pid, &fwd, res, &reaped, err);
        if (rc == 0 && atomic_load(&sh->state) == CHILD_LOADED && sh->listener >= 0)
            rc = supervise(sh->listener, pid, &fwd, handler, handler_ctx, res, reaped, err);
        else if (rc == 0 && atomic_load(&sh->state) == CHILD_LOADED)
            rc = sg_error_set(err, SG_ERR_IO, "the filter has no notification listener");
        if (sh->listener >= 0)
            close(sh->listener);
        if (rc < 0)
            kill(pid, SIGKILL);
    }
    while (!reaped) {
        pid_t w = waitpid(pid, &res->status, WNOHANG);
        if (w == pid || (w < 0 && errno != EINTR))
            break;
        forward_signals(&fwd, pid, POLL_MS);
    }
    res->load_errno = sh->load_errno;
    res->exec_errno = sh->exec_errno;
restore:
    sigprocmask(SIG_SETMASK, &old_mask, NULL);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
out:
    if (sh != MAP_FAILED)
        munmap(sh, sizeof(*sh));
    if (stack != MAP_FAILED)
        munmap(stack, CHILD_STACK_BYTES);
    return rc;
}

static bool executable_file(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int sg_sandbox_find(const char *command, char *out, size_t cap, struct sg_error *err)
{
    const char *pathvar = getenv("PATH");
    const char *p;

    if (command[0] == '\0')
        return sg_error_set(err, SG_ERR_IO, "an empty command");
    if (strchr(command, '/') != NULL) {
        if ((size_t)snprintf(out, cap, "%s", command) >= cap || access(out, F_OK) != 0)
            return sg_error_set(err, SG_ERR_IO, "%s: no such file", command);
        if (!executable_file(out))
            return sg_error_set(err, SG_ERR_INVALID, "%s: not an executable file", command);
        return 0;
    }
    /* execvp's default when PATH is unset. */
    p = pathvar != NULL ? pathvar : "/bin:/usr/bin";
    for (;;) {
        const char *end = strchr(p, ':');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        int n = len == 0 ? snprintf(out, cap, "%s", command)
                         : snprintf(out, cap, "%.*s/%s", (int)len, p, command);
        if (n > 0 && (size_t)n < cap && executable_file(out))
            return 0;
        if (end == NULL)
            break;
        p = end + 1;
    }
    return sg_error_set(err, SG_ERR_IO, "%s: command not found", command);
}

bool sg_sandbox_can_notify(struct sg_error *err)
{
    struct utsname u;
    unsigned major = 0, minor = 0;
    int level = (int)seccomp_api_get();

    if (level < NOTIFY_API_LEVEL) {
        sg_error_set(err, SG_ERR_IO,
                     "libseccomp %u.%u.%u reports API level %d on this kernel: seccomp "
                     "notifications need level %d (libseccomp 2.5 and Linux 5.0)",
                     seccomp_version()->major, seccomp_version()->minor, seccomp_version()->micro,
                     level, NOTIFY_API_LEVEL);
        return false;
    }
    if (uname(&u) == 0 && sscanf(u.release, "%u.%u", &major, &minor) == 2 &&
        (major < 5 || (major == 5 && minor < 5))) {
        sg_error_set(err, SG_ERR_IO,
                     "Linux %s cannot let a notified call continue "
                     "(SECCOMP_USER_NOTIF_FLAG_CONTINUE needs Linux 5.5)",
                     u.release);
        return false;
    }
    return true;
}
