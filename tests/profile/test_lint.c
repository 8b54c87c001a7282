/* test_lint.c - what lint says a profile does (verdict, dangerous syscalls,
 * start-up), and the filter the profile compiles to: what libseccomp
 * refuses, and which errnos `profile run` hands to its supervisor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "filter.h"
#include "lint.h"
#include "profile.h"
#include "syscalls.h"

struct judged {
    struct sg_seccomp_profile *p;
    struct sg_findings f;
    struct sg_lint l;
};

static struct sg_profile_env amd64(void)
{
    return (struct sg_profile_env){.arch = sg_vocab_arch("SCMP_ARCH_X86_64")};
}

static void judge(const char *json, struct judged *j)
{
    struct sg_profile_env env = amd64();
    struct sg_error err;

    sg_findings_init(&j->f);
    sg_error_clear(&err);
    if (sg_profile_parse(json, strlen(json), &j->p, &j->f, &err) != 0)
        fail_msg("did not parse: %s", err.msg);
    assert_int_equal(sg_lint_run(j->p, &env, &j->l, &j->f, &err), 0);
}

static void release(struct judged *j)
{
    sg_profile_free(j->p);
    sg_findings_release(&j->f);
}

static const struct sg_finding *find(const struct sg_findings *f, const char *code,
                                     const char *path)
{
    for (size_t i = 0; i < f->n; i++) {
        if (strcmp(f->items[i].code, code) == 0 &&
            (path == NULL || !strcmp(f->items[i].path, path)))
            return &f->items[i];
    }
    return NULL;
}

static bool listed(const char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i], name) == 0)
            return true;
    }
    return false;
}

/* Every startup syscall but `except` (may be NULL), as a JSON list's
 * items: allowed, so that only what a case is about shows. */
static void startup_names(char *out, size_t cap, const char *except)
{
    size_t n, len = 0;
    const struct sg_startup *s = sg_syscalls_startup(&n);

    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (except == NULL || strcmp(s[i].name, except) != 0)
            len += (size_t)snprintf(out + len, cap - len, "%s\"%s\"", len ? ", " : "", s[i].name);
    }
}

struct verdict_case {
    const char *json;
    enum sg_lint_verdict verdict;
    const char *summary_has;
};

static const struct verdict_case verdicts[] = {
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\"}", SG_LINT_PERMISSIVE, "every syscall"},
    {"{\"defaultAction\": \"SCMP_ACT_LOG\"}", SG_LINT_PERMISSIVE, "logged"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\"}", SG_LINT_ENFORCING, "errno 1"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38}", SG_LINT_ENFORCING,
     "errno 38"},
    {"{\"defaultAction\": \"SCMP_ACT_KILL_PROCESS\"}", SG_LINT_ENFORCING, "kills the process"},
    {"{\"defaultAction\": \"SCMP_ACT_KILL\"}", SG_LINT_ENFORCING, "kills the thread"},
    {"{\"defaultAction\": \"SCMP_ACT_TRAP\"}", SG_LINT_ENFORCING, "SIGSYS"},
    /* A tracer lets the call run, and a container can have one. */
    {"{\"defaultAction\": \"SCMP_ACT_TRACE\"}", SG_LINT_PERMISSIVE, "when a tracer lets it"},
    {"{\"defaultAction\": \"SCMP_ACT_NOTIFY\", \"listenerPath\": \"/s\"}", SG_LINT_ENFORCING,
     "ENOSYS"},
    {"{}", SG_LINT_UNCONFINED, "no filter"},
    {"null", SG_LINT_UNCONFINED, "no filter"},
};

static void verdict_by_default_action(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++) {
        struct judged j;
        judge(verdicts[i].json, &j);
        if (j.l.verdict != verdicts[i].verdict || !strstr(j.l.summary, verdicts[i].summary_has))
            fail_msg("case %zu: %s: %s", i, sg_lint_verdict_name(j.l.verdict), j.l.summary);
        if (verdicts[i].verdict == SG_LINT_PERMISSIVE)
            assert_non_null(find(&j.f, "permissive", "defaultAction"));
        if (verdicts[i].verdict == SG_LINT_UNCONFINED)
            assert_non_null(find(&j.f, "unconfined", ""));
        release(&j);
    }
}

static void refused_is_said(void **state)
{
    struct judged j;

    (void)state;
    judge("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
          "\"action\": \"SCMP_ACT_NOPE\"}]}",
          &j);
    assert_true(j.l.refused);
    release(&j);
    judge("{\"defaultAction\": \"SCMP_ACT_ERRNO\"}", &j);
    assert_false(j.l.refused);
    release(&j);
}

static void dangerous_syscalls(void **state)
{
    char json[8192], names[2048];
    struct judged j;

    (void)state;
    startup_names(names, sizeof(names), NULL);
    snprintf(
        json, sizeof(json),
        "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
        "{\"names\": [%s], \"action\": \"SCMP_ACT_ALLOW\"},"
        "{\"names\": [\"mount\", \"bpf\"], \"action\": \"SCMP_ACT_ALLOW\"},"
        "{\"names\": [\"keyctl\"], \"action\": \"SCMP_ACT_LOG\"},"
        "{\"names\": [\"unshare\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, "
        "\"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]},"
        "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": "
        "0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]},"
        "{\"names\": [\"setns\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": "
        "[\"CAP_SYS_ADMIN\"]}},"
        "{\"names\": [\"umount2\"], \"action\": \"SCMP_ACT_ERRNO\"},"
        "{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
        names);
    judge(json, &j);
    assert_int_equal(j.l.verdict, SG_LINT_ENFORCING);
    assert_false(j.l.cannot_start_dynamic);
    assert_non_null(find(&j.f, "dangerous", "syscalls[1].names[0]")); /* mount */
    assert_non_null(find(&j.f, "dangerous", "syscalls[1].names[1]")); /* bpf */
    assert_non_null(find(&j.f, "dangerous", "syscalls[2].names[0]")); /* LOG lets it through */
    assert_non_null(strstr(find(&j.f, "dangerous", "syscalls[3].names[0]")->message,
                           "when its arguments match"));
    assert_non_null(strstr(find(&j.f, "dangerous", "syscalls[5].names[0]")->message,
                           "containerd ignores them"));
    assert_null(find(&j.f, "dangerous", "syscalls[4].names[0]")); /* personality, restricted */
    assert_null(find(&j.f, "dangerous", "syscalls[6].names[0]")); /* refused */
    assert_null(find(&j.f, "dangerous", "defaultAction"));
    assert_true(listed(j.l.dangerous, j.l.n_dangerous, "mount"));
    assert_true(listed(j.l.dangerous, j.l.n_dangerous, "setns"));
    assert_false(listed(j.l.dangerous, j.l.n_dangerous, "umount2"));
    assert_false(listed(j.l.dangerous, j.l.n_dangerous, "getpid"));
    assert_false(sg_findings_has_error(&j.f)); /* dangerous is a warning */
    release(&j);

    /* A permissive profile lets every one it does not list through, in one finding. */
    judge("{\"defaultAction\": \"SCMP_ACT_LOG\", \"syscalls\": [{\"names\": [\"mount\"], "
          "\"action\": \"SCMP_ACT_ERRNO\"}]}",
          &j);
    assert_non_null(strstr(find(&j.f, "dangerous", "defaultAction")->message, "umount2"));
    assert_false(listed(j.l.dangerous, j.l.n_dangerous, "mount"));
    assert_true(listed(j.l.dangerous, j.l.n_dangerous, "bpf"));
    release(&j);

    /* A call handed to a tracer runs when the tracer lets it: mount under
     * SCMP_ACT_TRACE is let through, as a reviewer's program showed (a
     * child under TRACEME ran uname, which its parent got ENOSYS for). */
    judge("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"mount\"], "
          "\"action\": \"SCMP_ACT_TRACE\"}]}",
          &j);
    assert_int_equal(j.l.verdict, SG_LINT_ENFORCING);
    assert_true(listed(j.l.dangerous, j.l.n_dangerous, "mount"));
    assert_non_null(strstr(find(&j.f, "dangerous", "syscalls[0].names[0]")->message,
                           "to a tracer, which can run it"));
    release(&j);
}

/* lint judges a syscall as libseccomp compiles it: the first rule without
 * argument conditions decides it, over any rule with conditions; a rule
 * with the default's action is skipped (runc). */
static void libseccomp_order(void **state)
{
    struct judged j;

    (void)state;
    judge("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
          "{\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13},"
          "{\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ALLOW\"},"
          "{\"names\": [\"bpf\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, "
          "\"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]},"
          "{\"names\": [\"bpf\"], \"action\": \"SCMP_ACT_KILL\"},"
          "{\"names\": [\"setns\"], \"action\": \"SCMP_ACT_ERRNO\"},"
          "{\"names\": [\"setns\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
          &j);
    assert_false(listed(j.l.dangerous, j.l.n_dangerous, "mount")); /* EACCES rule first */
    assert_false(listed(j.l.dangerous, j.l.n_dangerous, "bpf"));   /* the kill overrides */
    assert_true(listed(j.l.dangerous, j.l.n_dangerous, "setns"));  /* ERRNO(1) is skipped */
    assert_non_null(find(&j.f, "ignored", "syscalls[1].names[0]"));
    assert_non_null(find(&j.f, "ignored", "syscalls[2].names[0]"));
    assert_non_null(find(&j.f, "same-as-default", "syscalls[4].action"));
    assert_null(find(&j.f, "ignored", "syscalls[5].names[0]"));
    release(&j);
}

static void dangerous_table_is_documented(void **state)
{
    static const char *const from_the_issue[] = {
        "mount",           "umount2",    "bpf",    "kexec_load", "init_module", "finit_module",
        "delete_module",   "setns",      "keyctl", "add_key",    "pivot_root",  "open_by_handle_at",
        "perf_event_open", "userfaultfd"};
    size_t n;
    const struct sg_dangerous *d = sg_syscalls_dangerous(&n);

    (void)state;
    for (size_t i = 0; i < sizeof(from_the_issue) / sizeof(from_the_issue[0]); i++)
        assert_non_null(sg_syscalls_find_dangerous(from_the_issue[i]));
    for (size_t i = 0; i < n; i++) {
        assert_true(strlen(d[i].reason) > 10);
        /* every entry is a name libseccomp knows, or lint could not match it */
        assert_int_not_equal(seccomp_syscall_resolve_name(d[i].name), __NR_SCMP_ERROR);
    }
}

static void startup(void **state)
{
    char json[8192], names[2048];
    struct judged j;

    (void)state;
    /* The textbook profile: nothing starts. */
    judge("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"execve\", "
          "\"openat\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
          &j);
    assert_true(j.l.cannot_start);
    assert_true(listed(j.l.missing, j.l.n_missing, "brk"));
    assert_true(listed(j.l.missing, j.l.n_missing, "mmap"));
    assert_false(listed(j.l.missing, j.l.n_missing, "rseq")); /* survives EPERM */
    assert_int_equal(find(&j.f, "cannot-start", "syscalls")->severity, SG_SEV_ERROR);
    release(&j);

    /* Everything needed; rseq and friends refused with ENOSYS: fine. */
    startup_names(names, sizeof(names), "rseq");
    snprintf(json, sizeof(json),
             "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [%s], "
             "\"action\": \"SCMP_ACT_ALLOW\"}, {\"names\": [\"rseq\"], \"action\": "
             "\"SCMP_ACT_ERRNO\", \"errnoRet\": 38}]}",
             names);
    judge(json, &j);
    assert_false(j.l.cannot_start_dynamic);
    assert_null(find(&j.f, "cannot-start", NULL));
    release(&j);

    /* ...but killed, they stop the program. */
    snprintf(json, sizeof(json),
             "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [%s], "
             "\"action\": \"SCMP_ACT_ALLOW\"}, {\"names\": [\"rseq\"], \"action\": "
             "\"SCMP_ACT_KILL_PROCESS\"}]}",
             names);
    judge(json, &j);
    assert_true(j.l.cannot_start);
    assert_true(listed(j.l.missing, j.l.n_missing, "rseq"));
    release(&j);

    /* Only the loader's calls missing: a static program starts, a warning. */
    judge("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"execve\", "
          "\"arch_prctl\", \"mprotect\", \"exit_group\", \"brk\"], \"action\": "
          "\"SCMP_ACT_ALLOW\"}]}",
          &j);
    assert_false(j.l.cannot_start);
    assert_true(j.l.cannot_start_dynamic);
    assert_int_equal(find(&j.f, "cannot-start", "syscalls")->severity, SG_SEV_WARNING);
    release(&j);

    /* Permissive: no start-up question. */
    judge("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}", &j);
    assert_null(find(&j.f, "cannot-start", NULL));
    release(&j);
}

/* libseccomp's refusals come out as findings at the rule's path. */
static void compile_refusals(void **state)
{
    struct judged j;

    (void)state;
    /* Two checks on one argument in one condition list is fine for runc
     * (split into rules); a conflict between a conditional and an
     * unconditional rule of different actions is libseccomp's to judge. */
    judge("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
          "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
          "{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"},"
          "{\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"}]}]}",
          &j);
    assert_null(find(&j.f, "libseccomp", NULL));
    release(&j);
    judge("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"flags\": "
          "[\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"]}",
          &j);
    assert_non_null(find(&j.f, "compile", "")); /* this libseccomp lacks it: said, not fatal */
    assert_false(j.l.refused);
    release(&j);
}

static struct sg_seccomp_profile *parse(const char *json, struct sg_findings *f)
{
    struct sg_seccomp_profile *p = NULL;
    struct sg_error err;

    sg_findings_init(f);
    assert_int_equal(sg_profile_parse(json, strlen(json), &p, f, &err), 0);
    return p;
}

/* `profile run` hands ERRNO to its supervisor only where the errno is
 * unambiguous, so the program sees what SCMP_ACT_ERRNO gives it. */
static void explain_answers(void **state)
{
    struct sg_profile_env env = amd64();
    struct sg_findings f;
    struct sg_filter flt;
    struct sg_error err;
    struct sg_seccomp_profile *p;
    unsigned e;
    size_t rule;

    (void)state;
    p = parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1, \"syscalls\": ["
              "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"},"
              "{\"names\": [\"clone3\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38}]}",
              &f);
    assert_int_equal(sg_filter_build(p, &env, SG_FILTER_EXPLAIN, false, &flt, &f, &err), 0);
    assert_true(flt.notify && flt.default_notify);
    assert_true(sg_filter_answer(&flt, "mount", &e, &rule));
    assert_int_equal(e, 1);
    assert_int_equal(rule, SIZE_MAX);
    sg_filter_release(&flt);
    sg_profile_free(p);
    sg_findings_release(&f);

    p = parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
              "{\"names\": [\"mount\", \"umount2\"], \"action\": \"SCMP_ACT_ERRNO\"},"
              "{\"names\": [\"unshare\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13, "
              "\"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]},"
              "{\"names\": [\"unshare\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 22, "
              "\"args\": [{\"index\": 0, \"value\": 2, \"op\": \"SCMP_CMP_EQ\"}]}]}",
              &f);
    assert_int_equal(sg_filter_build(p, &env, SG_FILTER_EXPLAIN, false, &flt, &f, &err), 0);
    assert_true(flt.notify);
    assert_false(flt.default_notify);
    assert_true(sg_filter_answer(&flt, "umount2", &e, &rule));
    assert_int_equal(e, 1);
    assert_int_equal(rule, 0);
    assert_false(sg_filter_answer(&flt, "unshare", &e, &rule)); /* 13 or 22: kept as ERRNO */
    assert_false(sg_filter_answer(&flt, "read", &e, &rule));
    sg_filter_release(&flt);

    assert_int_equal(sg_filter_build(p, &env, SG_FILTER_EXACT, false, &flt, &f, &err), 0);
    assert_false(flt.notify);
    assert_false(sg_filter_answer(&flt, "mount", &e, &rule));
    sg_filter_release(&flt);
    sg_profile_free(p);
    sg_findings_release(&f);
}

static void filter_builds(void **state)
{
    struct sg_profile_env env = amd64(), arm = {.arch = sg_vocab_arch("SCMP_ARCH_AARCH64")};
    struct sg_findings f;
    struct sg_filter flt;
    struct sg_error err;
    struct sg_seccomp_profile *p;

    (void)state;
    p = parse("{}", &f);
    assert_int_equal(sg_filter_build(p, &env, SG_FILTER_EXACT, false, &flt, &f, &err), 0);
    assert_null(flt.ctx); /* no filter, as runc */
    sg_profile_free(p);
    sg_findings_release(&f);

    p = parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": "
              "[\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\"], \"syscalls\": ["
              "{\"names\": [\"read\", \"socketcall\", \"arch_prctl\"], \"action\": "
              "\"SCMP_ACT_ALLOW\"},"
              "{\"names\": [\"opnat\"], \"action\": \"SCMP_ACT_ALLOW\"},"
              "{\"names\": [\"write\"], \"action\": \"SCMP_ACT_ERRNO\"}]}",
              &f);
    assert_int_equal(sg_filter_build(p, &env, SG_FILTER_EXACT, false, &flt, &f, &err), 0);
    assert_non_null(flt.ctx);
    assert_int_equal(seccomp_arch_exist(flt.ctx, SCMP_ARCH_X86), 0);
    sg_filter_release(&flt);
    /* For another machine: its native architecture in place of ours. */
    assert_int_equal(sg_filter_build(p, &arm, SG_FILTER_EXACT, false, &flt, &f, &err), 0);
    assert_int_equal(seccomp_arch_exist(flt.ctx, SCMP_ARCH_AARCH64), 0);
    sg_filter_release(&flt);
    sg_profile_free(p);
    sg_findings_release(&f);

    assert_int_equal(sg_filter_build_recorder(sg_vocab_arch_native(), &flt, &err), 0);
    assert_true(flt.notify);
    sg_filter_release(&flt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(verdict_by_default_action),
        cmocka_unit_test(refused_is_said),
        cmocka_unit_test(dangerous_syscalls),
        cmocka_unit_test(libseccomp_order),
        cmocka_unit_test(dangerous_table_is_documented),
        cmocka_unit_test(startup),
        cmocka_unit_test(compile_refusals),
        cmocka_unit_test(explain_answers),
        cmocka_unit_test(filter_builds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
