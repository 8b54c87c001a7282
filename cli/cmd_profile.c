/* cmd_profile.c - `seccomp-guard profile lint | run | record | install`:
 * seccomp profiles on a workstation. lint reads and judges profiles
 * (profile/lint), run runs a command under one, record writes one from what
 * a command does (profile/sandbox); install, which runs on nodes, is
 * cmd_profile_install.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capability.h"
#include "cmd_profile_install.h"
#include "commands.h"
#include "file.h"
#include "filter.h"
#include "input.h"
#include "json.h"
#include "lint.h"
#include "profile.h"
#include "recording.h"
#include "sandbox.h"

#define OUTPUT_MAX   (64 * 1024 * 1024)
#define PATH_BYTES   4096
#define SHOWN_MAX    256 /* refused calls `run` reports, each once */
#define COMMENT_ARGS 16  /* arguments of the command quoted in a recorded profile */

/* lint's exit status; run's and record's are their own (usage). */
enum lint_status {
    LINT_CLEAN = 0,
    LINT_ERRORS = 1,
    LINT_UNREADABLE = 2,
};

/* run: what the command did, or these, as env(1) and docker run say. */
enum run_status {
    RUN_FAILED = 125,      /* seccomp-guard could not set the command up */
    RUN_CANNOT_EXEC = 126, /* found, but execve failed */
    RUN_NOT_FOUND = 127,
};

static void usage(FILE *out)
{
    fprintf(out, "usage: seccomp-guard profile lint [--output text|json] [--arch ARCH] FILE...\n"
                 "       seccomp-guard profile run [--exact] FILE -- COMMAND [ARG...]\n"
                 "       seccomp-guard profile record [--output FILE] -- COMMAND [ARG...]\n"
                 "       seccomp-guard profile install --from DIR --to DIR [--watch]\n"
                 "           [--interval SECONDS] [--allow-permissive]\n\n"
                 "Seccomp profiles (the JSON a Localhost seccompProfile names) on this machine,\n"
                 "compiled with libseccomp as runc compiles them. No privileges needed.\n\n"
                 "lint    what each profile really does: enforcing, permissive or no filter at\n"
                 "        all; mistakes, each with its JSON path; the dangerous syscalls it lets\n"
                 "        through; whether a program can even start under it. --arch judges it\n"
                 "        for another architecture (SCMP_ARCH_AARCH64 or arm64; default: this\n"
                 "        machine's). Exit 0 clean, 1 errors found, 2 a file unreadable.\n"
                 "run     runs COMMAND under the profile (no_new_privs, the filter loaded, exec)\n"
                 "        and says which calls it refused with an errno, and by which rule;\n"
                 "        --exact loads exactly the filter runc would and says nothing. Exit:\n"
                 "        COMMAND's status, 128+N when a signal N killed it (SIGSYS is 31, the\n"
                 "        profile's kill), 125 seccomp-guard failed, 126 COMMAND could not be\n"
                 "        executed, 127 COMMAND not found.\n"
                 "record  runs COMMAND (its threads and children too) with every syscall handed\n"
                 "        to seccomp-guard, which lets each one run and notes it, then writes a\n"
                 "        profile that allows exactly those (to FILE, default standard output,\n"
                 "        where COMMAND's own output goes too).\n"
                 "        Exit 0 written, 1 written but COMMAND failed (the recording may lack\n"
                 "        what a successful run does), 2 nothing written.\n");
    sg_cmd_profile_install_usage(out);
}

/* --- lint ---------------------------------------------------------------- */

static void lint_text(const char *file, const struct sg_lint *l, const struct sg_findings *f)
{
    printf("%s: %s: %s%s\n", file, sg_lint_verdict_name(l->verdict), l->summary,
           l->refused ? "; runc refuses this profile, so a container using it does not start" : "");
    for (size_t i = 0; i < f->n; i++) {
        const struct sg_finding *it = &f->items[i];
        printf("    %-7s %s%s%s [%s]\n", sg_severity_name(it->severity), it->path,
               it->path[0] ? ": " : "", it->message, it->code);
    }
    if (f->dropped > 0)
        printf("    ... and %zu more\n", f->dropped);
}

static void json_names(struct sg_buf *b, const char *key, const char *const *names, size_t n)
{
    sg_buf_addf(b, ",\"%s\":[", key);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            sg_buf_addc(b, ',');
        sg_json_write_string(b, names[i]);
    }
    sg_buf_addc(b, ']');
}

static void lint_json(struct sg_buf *b, const char *file, const struct sg_lint *l,
                      const struct sg_findings *f, const char *error)
{
    sg_buf_adds(b, b->len > 1 ? ",\n  {\"file\":" : "\n  {\"file\":");
    sg_json_write_string(b, file);
    if (error != NULL) {
        sg_buf_adds(b, ",\"verdict\":\"unreadable\",\"error\":");
        sg_json_write_string(b, error);
        sg_buf_addc(b, '}');
        return;
    }
    sg_buf_addf(b,
                ",\"verdict\":\"%s\",\"refused\":%s,\"summary\":", sg_lint_verdict_name(l->verdict),
                l->refused ? "true" : "false");
    sg_json_write_string(b, l->summary);
    json_names(b, "dangerous", l->dangerous, l->n_dangerous);
    json_names(b, "missing", l->missing, l->n_missing);
    sg_buf_addf(b, ",\"errors\":%zu,\"warnings\":%zu,\"findings\":[", f->count[SG_SEV_ERROR],
                f->count[SG_SEV_WARNING]);
    for (size_t i = 0; i < f->n; i++) {
        const struct sg_finding *it = &f->items[i];
        sg_buf_addf(b,
                    "%s{\"severity\":\"%s\",\"code\":\"%s\",\"fatal\":%s,\"path\":", i ? "," : "",
                    sg_severity_name(it->severity), it->code, it->fatal ? "true" : "false");
        sg_json_write_string(b, it->path);
        sg_buf_adds(b, ",\"message\":");
        sg_json_write_string(b, it->message);
        sg_buf_addc(b, '}');
    }
    sg_buf_adds(b, "]}");
}

/* Reads and parses one profile file; on failure err says why. */
static int load(const char *file, struct sg_seccomp_profile **p, struct sg_findings *f,
                struct sg_error *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc;

    rc = sg_input_read(file, SG_PROFILE_MAX_BYTES, &text, &len, err);
    if (rc == 0)
        rc = sg_profile_parse(text, len, p, f, err);
    free(text);
    return rc;
}

static int lint_file(const char *file, const struct sg_profile_env *env, struct sg_buf *json)
{
    struct sg_seccomp_profile *p = NULL;
    struct sg_findings f;
    struct sg_error err;
    struct sg_lint l;
    int status = LINT_CLEAN;

    sg_findings_init(&f);
    sg_error_clear(&err);
    if (load(file, &p, &f, &err) < 0 || sg_lint_run(p, env, &l, &f, &err) < 0) {
        fprintf(stderr, "seccomp-guard profile lint: %s: %s\n", file, err.msg);
        if (json != NULL)
            lint_json(json, file, NULL, NULL, err.msg);
        status = LINT_UNREADABLE;
        goto out;
    }
    if (json != NULL)
        lint_json(json, file, &l, &f, NULL);
    else
        lint_text(file, &l, &f);
    if (sg_findings_has_error(&f))
        status = LINT_ERRORS;
out:
    sg_profile_free(p);
    sg_findings_release(&f);
    return status;
}

static int parse_arch(const char *name)
{
    int a = sg_vocab_arch(name);

    return a >= 0 ? a : sg_vocab_arch_short(name);
}

static int cmd_lint(int argc, char **argv)
{
    struct sg_profile_env env = {.arch = sg_vocab_arch_native()};
    struct sg_buf json;
    bool as_json = false;
    int status = LINT_CLEAN, first = argc;

    for (int i = 1; i < argc && first == argc; i++) {
        if (strcmp(argv[i], "--output") == 0 && i + 1 < argc &&
            (strcmp(argv[i + 1], "json") == 0 || strcmp(argv[i + 1], "text") == 0)) {
            as_json = strcmp(argv[++i], "json") == 0;
        } else if (strcmp(argv[i], "--arch") == 0 && i + 1 < argc && parse_arch(argv[i + 1]) >= 0) {
            env.arch = parse_arch(argv[++i]);
        } else if (strcmp(argv[i], "--") == 0) {
            first = i + 1;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "seccomp-guard profile lint: bad option or value at '%s'\n", argv[i]);
            return LINT_UNREADABLE;
        } else {
            first = i;
        }
    }
    if (first >= argc) {
        fprintf(stderr, "seccomp-guard profile lint: no FILE given\n");
        return LINT_UNREADABLE;
    }
    sg_buf_init(&json, OUTPUT_MAX);
    sg_buf_addc(&json, '[');
    for (int i = first; i < argc; i++) {
        int s = lint_file(argv[i], &env, as_json ? &json : NULL);
        if (s > status)
            status = s;
    }
    if (as_json) {
        sg_buf_adds(&json, "\n]\n");
        if (sg_buf_failed(&json)) {
            fprintf(stderr, "seccomp-guard profile lint: the JSON output is too big\n");
            status = LINT_UNREADABLE;
        } else {
            fputs(sg_buf_str(&json), stdout);
        }
    }
    sg_buf_release(&json);
    return status;
}

/* --- run and record: what they share --------------------------------------- */

/* Splits `[options] [FILE] -- COMMAND...`: *cmd is the index of COMMAND. */
static int split_command(int argc, char **argv, int *cmd)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            *cmd = i + 1;
            return i + 1 < argc ? 0 : -1;
        }
    }
    return -1;
}

/* This machine, as `profile run` judges includes/excludes: its kernel and
 * this process's capability bounding set, which the command inherits. */
static void this_machine(struct sg_profile_env *env)
{
    struct utsname u;

    *env = (struct sg_profile_env){.arch = sg_vocab_arch_native(), .caps_known = true};
    if (uname(&u) == 0 && sscanf(u.release, "%u.%u", &env->kernel[0], &env->kernel[1]) == 2)
        env->kernel_known = true;
    for (int cap = 0; cap < SG_CAP_COUNT; cap++) {
        if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
            env->caps |= sg_cap_bit(cap);
    }
}

static const char *signal_name(int sig)
{
    const char *abbrev = sigabbrev_np(sig);

    return abbrev != NULL ? abbrev : "?";
}

/* --- run ----------------------------------------------------------------- */

struct run {
    const char *file;
    struct sg_filter filter;
    char *owned[SHOWN_MAX]; /* names already reported */
    size_t n_shown;
    bool more;
};

/* Says, once per syscall, which call the profile refused and by what, and
 * answers with the errno the ERRNO action would have given. */
static int explain(void *ctx, const struct sg_sandbox_call *call)
{
    struct run *r = ctx;
    unsigned e = ENOSYS;
    size_t rule = SIZE_MAX;
    char by[64];

    /* Only handed-over names notify; ENOSYS is what a listener-less
     * notification would give, were one to come anyway. */
    (void)sg_filter_answer(&r->filter, call->name, &e, &rule);
    for (size_t i = 0; i < r->n_shown; i++) {
        if (strcmp(r->owned[i], call->name) == 0)
            return (int)e;
    }
    if (r->n_shown == SHOWN_MAX) {
        if (!r->more)
            fprintf(stderr, "seccomp-guard: more refused calls, not shown\n");
        r->more = true;
        return (int)e;
    }
    r->owned[r->n_shown] = strdup(call->name);
    if (r->owned[r->n_shown] != NULL)
        r->n_shown++;
    if (rule == SIZE_MAX)
        snprintf(by, sizeof(by), "defaultAction (the profile does not list it)");
    else
        snprintf(by, sizeof(by), "syscalls[%zu]", rule);
    fprintf(stderr, "seccomp-guard: refused %s(): %s (%s), by %s of %s\n", call->name,
            e ? strerrorname_np((int)e) : "0", e ? strerror((int)e) : "not made, returns 0", by,
            r->file);
    return (int)e;
}

/* The command's fate as an exit status, with a word when it is not its own. */
static int run_status(const char *cmd, const struct sg_sandbox_result *res)
{
    if (res->load_errno != 0) {
        fprintf(stderr, "seccomp-guard profile run: cannot load the filter: %s\n",
                strerror(res->load_errno));
        return RUN_FAILED;
    }
    if (res->exec_errno != 0) {
        fprintf(stderr, "seccomp-guard profile run: %s: execve under the profile failed: %s%s\n",
                cmd, strerror(res->exec_errno),
                res->exec_errno == EPERM || res->exec_errno == EACCES
                    ? " (every container starts with execve: the profile must allow it)"
                    : "");
        return res->exec_errno == ENOENT ? RUN_NOT_FOUND : RUN_CANNOT_EXEC;
    }
    if (WIFSIGNALED(res->status)) {
        int sig = WTERMSIG(res->status);
        fprintf(stderr, "seccomp-guard profile run: %s was killed by signal %d (SIG%s)%s\n", cmd,
                sig, signal_name(sig),
                sig == SIGSYS ? ": a call the profile kills (SCMP_ACT_KILL*, or SCMP_ACT_TRAP)"
                              : "");
        return 128 + sig;
    }
    return WEXITSTATUS(res->status);
}

/* Reads the profile and compiles it for this machine, saying on stderr
 * what is wrong with it; 0, or -1 when the command must not run. */
static int prepare(struct run *r, bool exact, struct sg_seccomp_profile **p, struct sg_findings *f)
{
    struct sg_profile_env env;
    struct sg_error err;

    sg_error_clear(&err);
    if (load(r->file, p, f, &err) < 0) {
        fprintf(stderr, "seccomp-guard profile run: %s: %s\n", r->file, err.msg);
        return -1;
    }
    for (size_t i = 0; i < f->n; i++) {
        const struct sg_finding *it = &f->items[i];
        if (it->severity >= SG_SEV_WARNING)
            fprintf(stderr, "seccomp-guard profile run: %s: %s %s%s%s\n", r->file,
                    it->fatal ? "fatal" : sg_severity_name(it->severity), it->path,
                    it->path[0] ? ": " : "", it->message);
    }
    if (f->fatal) {
        fprintf(stderr,
                "seccomp-guard profile run: %s: runc refuses this profile, or reads it otherwise "
                "than seccomp-guard can; not running\n",
                r->file);
        return -1;
    }
    this_machine(&env);
    if (!exact && !sg_sandbox_can_notify(&err)) {
        fprintf(stderr, "seccomp-guard profile run: %s; running without saying what is refused\n",
                err.msg);
        exact = true;
    }
    sg_error_clear(&err);
    if (sg_filter_build(*p, &env, exact ? SG_FILTER_EXACT : SG_FILTER_EXPLAIN, false, &r->filter, f,
                        &err) < 0) {
        fprintf(stderr, "seccomp-guard profile run: %s: %s\n", r->file, err.msg);
        for (size_t i = 0; i < f->n; i++) {
            if (strcmp(f->items[i].code, "libseccomp") == 0)
                fprintf(stderr, "seccomp-guard profile run: %s: %s: %s\n", r->file,
                        f->items[i].path, f->items[i].message);
        }
        return -1;
    }
    if (r->filter.ctx == NULL)
        fprintf(stderr,
                "seccomp-guard profile run: %s: no defaultAction and no syscalls: runc "
                "installs no filter, so neither does this\n",
                r->file);
    return 0;
}

static int cmd_run(int argc, char **argv)
{
    struct run r = {0};
    struct sg_seccomp_profile *p = NULL;
    struct sg_sandbox_result res;
    struct sg_findings f;
    struct sg_error err;
    char path[PATH_BYTES];
    bool exact = false;
    int cmd = 0, status = RUN_FAILED;

    if (split_command(argc, argv, &cmd) < 0) {
        fprintf(stderr, "seccomp-guard profile run: usage: profile run [--exact] FILE -- "
                        "COMMAND [ARG...]\n");
        return RUN_FAILED;
    }
    for (int i = 1; i < cmd - 1; i++) {
        if (strcmp(argv[i], "--exact") == 0) {
            exact = true;
        } else if (r.file == NULL && (argv[i][0] != '-' || argv[i][1] == '\0')) {
            r.file = argv[i];
        } else {
            fprintf(stderr, "seccomp-guard profile run: unexpected '%s'\n", argv[i]);
            return RUN_FAILED;
        }
    }
    if (r.file == NULL) {
        fprintf(stderr, "seccomp-guard profile run: no FILE given\n");
        return RUN_FAILED;
    }
    sg_findings_init(&f);
    sg_error_clear(&err);
    if (prepare(&r, exact, &p, &f) < 0)
        goto out;
    if (sg_sandbox_find(argv[cmd], path, sizeof(path), &err) < 0) {
        fprintf(stderr, "seccomp-guard profile run: %s\n", err.msg);
        status = err.code == SG_ERR_IO ? RUN_NOT_FOUND : RUN_CANNOT_EXEC;
        goto out;
    }
    if (sg_sandbox_run(r.filter.ctx, path, argv + cmd, r.filter.notify ? explain : NULL, &r, &res,
                       &err) < 0) {
        fprintf(stderr, "seccomp-guard profile run: %s\n", err.msg);
        goto out;
    }
    status = run_status(argv[cmd], &res);
out:
    for (size_t i = 0; i < r.n_shown; i++)
        free(r.owned[i]);
    sg_filter_release(&r.filter);
    sg_profile_free(p);
    sg_findings_release(&f);
    return status;
}

/* --- record -------------------------------------------------------------- */

static int note_call(void *ctx, const struct sg_sandbox_call *call)
{
    struct sg_recording *rec = ctx;

    /* Calls before the command's execve are seccomp-guard's own. */
    if (call->launched && sg_recording_add(rec, call->name, call->nr) < 0)
        fprintf(stderr, "seccomp-guard profile record: out of memory: %s not noted\n", call->name);
    return SG_SANDBOX_CONTINUE;
}

/* "recorded by ... from: busybox sh -c '...'", for the profile's comment:
 * the command as a shell would take it back. */
static void comment_for(struct sg_buf *b, char **cmd)
{
    sg_buf_adds(b, "recorded by `seccomp-guard profile record` from:");
    for (int i = 0; cmd[i] != NULL; i++) {
        const char *a = cmd[i];
        if (i == COMMENT_ARGS) {
            sg_buf_adds(b, " ...");
            break;
        }
        if (a[0] != '\0' && a[strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789-_./=:,+@%")] == '\0') {
            sg_buf_addf(b, " %s", a);
            continue;
        }
        sg_buf_adds(b, " '");
        for (; *a != '\0'; a++) {
            if (*a == '\'')
                sg_buf_adds(b, "'\\''");
            else
                sg_buf_addc(b, *a);
        }
        sg_buf_addc(b, '\'');
    }
}

/* Writes the text to `out` ("-": stdout). A regular file (or a new one)
 * is replaced whole, through a temporary file renamed over it, so a failed
 * run never leaves half a profile; anything else (/dev/null, /dev/stdout, a
 * FIFO, a symbolic link) is written into, as a shell's `>` does: renaming
 * over /dev/null would replace the device with a file. */
static int write_out(const char *out, const char *text, struct sg_error *err)
{
    size_t len = strlen(text), done = 0;
    struct stat st;
    int fd;

    if (strcmp(out, "-") != 0 && (lstat(out, &st) != 0 || S_ISREG(st.st_mode)))
        return sg_file_write_atomic(out, text, len, 0644, true, err);
    if (strcmp(out, "-") == 0) {
        if (fputs(text, stdout) < 0 || fflush(stdout) != 0)
            return sg_error_set(err, SG_ERR_IO, "standard output: %s", strerror(errno));
        return 0;
    }
    fd = open(out, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0)
        return sg_error_set(err, SG_ERR_IO, "%s: %s", out, strerror(errno));
    while (done < len) {
        ssize_t n = write(fd, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            sg_error_set(err, SG_ERR_IO, "%s: %s", out, strerror(n < 0 ? errno : EIO));
            close(fd);
            return err->code;
        }
        done += (size_t)n;
    }
    return close(fd) == 0 ? 0 : sg_error_set(err, SG_ERR_IO, "%s: %s", out, strerror(errno));
}

static void report_recording(const char *cmd, const struct sg_recording *rec,
                             const struct sg_sandbox_result *res)
{
    fprintf(stderr, "seccomp-guard profile record: %zu distinct syscalls in %zu calls\n", rec->n,
            rec->calls);
    for (size_t i = 0; i < rec->n_unnamed; i++)
        fprintf(stderr,
                "seccomp-guard profile record: %s made syscall %d, which libseccomp %u.%u.%u "
                "cannot name: no profile it writes can allow it\n",
                cmd, rec->unnamed[i], seccomp_version()->major, seccomp_version()->minor,
                seccomp_version()->micro);
    if (res->left_behind)
        fprintf(stderr,
                "seccomp-guard profile record: processes %s started outlived it by %d "
                "ms: what they did after that is not recorded\n",
                cmd, SG_SANDBOX_GRACE_MS);
}

static int cmd_record(int argc, char **argv)
{
    struct sg_recording rec;
    struct sg_filter filter = {0};
    struct sg_sandbox_result res;
    struct sg_error err;
    struct sg_buf text, comment;
    const char *out = "-";
    char path[PATH_BYTES];
    int cmd = 0, arch = sg_vocab_arch_native(), status = 2;

    sg_recording_init(&rec);
    sg_error_clear(&err);
    sg_buf_init(&text, OUTPUT_MAX);
    sg_buf_init(&comment, 4096);
    if (split_command(argc, argv, &cmd) < 0 ||
        !(cmd == 2 || (cmd == 4 && strcmp(argv[1], "--output") == 0))) {
        fprintf(stderr, "seccomp-guard profile record: usage: profile record [--output FILE] -- "
                        "COMMAND [ARG...]\n");
        goto out;
    }
    if (cmd == 4)
        out = argv[2];
    if (!sg_sandbox_can_notify(&err)) {
        fprintf(stderr, "seccomp-guard profile record: cannot record here: %s\n", err.msg);
        goto out;
    }
    if (sg_sandbox_find(argv[cmd], path, sizeof(path), &err) < 0 ||
        sg_filter_build_recorder(arch, &filter, &err) < 0 ||
        sg_sandbox_run(filter.ctx, path, argv + cmd, note_call, &rec, &res, &err) < 0) {
        fprintf(stderr, "seccomp-guard profile record: %s\n", err.msg);
        goto out;
    }
    if (res.load_errno != 0 || res.exec_errno != 0) {
        fprintf(stderr, "seccomp-guard profile record: %s: %s\n", argv[cmd],
                strerror(res.load_errno ? res.load_errno : res.exec_errno));
        goto out;
    }
    report_recording(argv[cmd], &rec, &res);
    comment_for(&comment, argv + cmd);
    sg_recording_write(&rec, sg_vocab_arch_get(arch)->sub | (UINT32_C(1) << arch),
                       sg_buf_str(&comment), &text);
    if (sg_buf_failed(&text) || write_out(out, sg_buf_str(&text), &err) < 0) {
        fprintf(stderr, "seccomp-guard profile record: %s\n",
                sg_buf_failed(&text) ? "out of memory" : err.msg);
        goto out;
    }
    status = 0;
    if (!WIFEXITED(res.status) || WEXITSTATUS(res.status) != 0) {
        fprintf(stderr,
                "seccomp-guard profile record: %s %s %d: the profile holds what this run did, "
                "which may be less than a successful run needs\n",
                argv[cmd], WIFEXITED(res.status) ? "exited with status" : "was killed by signal",
                WIFEXITED(res.status) ? WEXITSTATUS(res.status) : WTERMSIG(res.status));
        status = 1;
    }
out:
    sg_filter_release(&filter);
    sg_recording_release(&rec);
    sg_buf_release(&text);
    sg_buf_release(&comment);
    return status;
}

int sg_cmd_profile(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
    } subs[] = {{"lint", cmd_lint},
                {"run", cmd_run},
                {"record", cmd_record},
                {"install", sg_cmd_profile_install}};

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        (argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0))) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
        if (strcmp(argv[1], subs[i].name) == 0)
            return subs[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "seccomp-guard profile: unknown subcommand '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
