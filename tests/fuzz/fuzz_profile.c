/* fuzz_profile.c - seccomp profiles: bytes -> sg_profile_parse, then what
 * `profile lint` and `profile run` do with the model: sg_lint_run, and the
 * filter compiled for this machine in both of run's modes (not loaded).
 *
 * Invariants:
 *   - a failure is SG_ERR_INVALID or SG_ERR_LIMIT with a message, and no
 *     profile;
 *   - every finding has a code and a message, a known severity, and a path
 *     that is empty or starts with a key of the format;
 *   - lint succeeds; its verdict follows the default action alone
 *     (unconfined exactly when runc installs no filter, permissive exactly
 *     when the default lets calls through); refused exactly when some
 *     finding is fatal; every dangerous name is in the dangerous table;
 *   - a profile with no fatal finding compiles, or fails only for what this
 *     libseccomp lacks (an architecture, a flag), with a message; an
 *     EXPLAIN filter hands over only names its rules give an ERRNO. */
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "fuzz.h"
#include "lint.h"
#include "profile.h"
#include "syscalls.h"

/* libseccomp 2.5.4 leaks inside seccomp_rule_add_array for some rules
 * with argument conditions on x86's multiplexed socket calls
 * (corpus/profile/libseccomp-socketcall-leak.json, and the same with plain
 * libseccomp calls): not ours to fix. LeakSanitizer's fast unwinder stops
 * at libseccomp's frames, so only the library can be named. Only this
 * target says so: the cmocka and CLI tests, which build and release our
 * filters, run with no suppression. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libseccomp.so\n";
}

static const char *const top_keys[] = {"defaultAction",    "defaultErrnoRet", "architectures",
                                       "archMap",          "flags",           "listenerPath",
                                       "listenerMetadata", "syscalls",        "comment"};

static void check_findings(const struct sg_findings *f)
{
    bool fatal = false;

    for (size_t i = 0; i < f->n; i++) {
        const struct sg_finding *it = &f->items[i];
        bool known = it->path[0] == '\0';
        FUZZ_CHECK(it->code != NULL && it->code[0] != '\0' && it->message[0] != '\0',
                   "a finding without code or message at '%s'", it->path);
        FUZZ_CHECK((unsigned)it->severity <= SG_SEV_ERROR, "severity %d", (int)it->severity);
        for (size_t k = 0; k < sizeof(top_keys) / sizeof(top_keys[0]) && !known; k++) {
            size_t n = strlen(top_keys[k]);
            known = strncmp(it->path, top_keys[k], n) == 0 &&
                    (it->path[n] == '\0' || it->path[n] == '.' || it->path[n] == '[');
        }
        FUZZ_CHECK(known, "finding %s at an unknown path '%s'", it->code, it->path);
        fatal = fatal || it->fatal;
    }
    FUZZ_CHECK(fatal == f->fatal || f->dropped > 0, "the fatal flag disagrees with the findings");
}

static void check_lint(const struct sg_seccomp_profile *p, const struct sg_lint *l,
                       const struct sg_findings *f)
{
    bool lets = p->has_default && sg_vocab_action_may_run(p->default_action);

    FUZZ_CHECK((l->verdict == SG_LINT_UNCONFINED) == sg_profile_no_filter(p),
               "unconfined verdict disagrees with no_filter");
    FUZZ_CHECK((l->verdict == SG_LINT_PERMISSIVE) == (lets && !sg_profile_no_filter(p)),
               "permissive verdict disagrees with the default action");
    FUZZ_CHECK(l->refused == f->fatal, "refused disagrees with the findings");
    FUZZ_CHECK(l->summary[0] != '\0', "no summary");
    for (size_t i = 0; i < l->n_dangerous; i++)
        FUZZ_CHECK(sg_syscalls_find_dangerous(l->dangerous[i]) != NULL,
                   "%s is no dangerous syscall", l->dangerous[i]);
}

static bool has_errno_rule(const struct sg_seccomp_profile *p, const char *name)
{
    for (size_t i = 0; i < p->n_rules; i++) {
        for (size_t j = 0; j < p->rules[i].n_names; j++) {
            if (p->rules[i].action == SG_ACT_ERRNO && strcmp(p->rules[i].names[j], name) == 0)
                return true;
        }
    }
    return false;
}

static void check_filter(const struct sg_seccomp_profile *p, const struct sg_profile_env *env,
                         enum sg_filter_mode mode)
{
    struct sg_findings f;
    struct sg_filter flt;
    struct sg_error err;
    int rc;

    sg_findings_init(&f);
    sg_error_clear(&err);
    rc = sg_filter_build(p, env, mode, false, &flt, &f, &err);
    if (rc < 0) {
        FUZZ_CHECK(rc == SG_ERR_INVALID && err.msg[0] != '\0', "compile failed with %d: %s", rc,
                   err.msg);
        /* Only what this libseccomp lacks, or what it refuses in a rule. */
        FUZZ_CHECK(f.n > 0 || strstr(err.msg, "libseccomp") != NULL ||
                       strstr(err.msg, "flags") != NULL,
                   "an unexplained compile failure: %s", err.msg);
        sg_findings_release(&f);
        return;
    }
    FUZZ_CHECK((flt.ctx == NULL) == sg_profile_no_filter(p), "a filter for no filter, or none");
    for (size_t i = 0; i < flt.n_answers; i++)
        FUZZ_CHECK(has_errno_rule(p, flt.answers[i].name), "%s handed over with no ERRNO rule",
                   flt.answers[i].name);
    FUZZ_CHECK(mode == SG_FILTER_EXPLAIN || !flt.notify || p->n_rules > 0,
               "an exact filter notifies with no rule");
    sg_filter_release(&flt);
    sg_findings_release(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sg_profile_env env = {.arch = sg_vocab_arch_native(),
                                 .kernel_known = true,
                                 .kernel = {5, 10},
                                 .caps_known = true,
                                 .caps = 1u << 21};
    struct sg_profile_env unknown = {.arch = sg_vocab_arch_native()};
    struct sg_seccomp_profile *p = NULL;
    struct sg_findings f;
    struct sg_error err;
    struct sg_lint l;
    int rc;

    if (size > FUZZ_PROFILE_MAX)
        size = FUZZ_PROFILE_MAX;
    sg_findings_init(&f);
    sg_error_clear(&err);
    rc = sg_profile_parse((const char *)data, size, &p, &f, &err);
    if (rc < 0) {
        FUZZ_CHECK(p == NULL, "a failed parse left a profile");
        FUZZ_CHECK(rc == SG_ERR_INVALID || rc == SG_ERR_LIMIT, "parse failed with %d: %s", rc,
                   err.msg);
        FUZZ_CHECK(err.msg[0] != '\0', "parse failed with no message");
        sg_findings_release(&f);
        return 0;
    }
    FUZZ_CHECK(p != NULL, "parse succeeded without a profile");
    rc = sg_lint_run(p, &unknown, &l, &f, &err);
    FUZZ_CHECK(rc == 0, "lint failed: %s", err.msg);
    check_findings(&f);
    check_lint(p, &l, &f);
    if (!f.fatal) {
        check_filter(p, &env, SG_FILTER_EXACT);
        check_filter(p, &env, SG_FILTER_EXPLAIN);
    }
    sg_profile_free(p);
    sg_findings_release(&f);
    return 0;
}
