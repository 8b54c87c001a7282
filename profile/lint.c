/* lint.c - see lint.h. */
#include "lint.h"

#include <stdio.h>
#include <string.h>

#include "filter.h"
#include "syscalls.h"

#define NAMES_TEXT_MAX 768 /* bytes of a list of names in one message */

/* How the profile treats one syscall in an env: the rule that decides it
 * (or the default), and whether that depends on arguments or on
 * includes/excludes the env cannot decide. */
struct treatment {
    enum sg_scmp_action action;
    bool by_default;
    size_t rule, name;
    bool on_args; /* only when the arguments match */
    bool maybe;   /* only when includes/excludes hold */
};

/* How libseccomp decides one syscall (measured with 2.5.4): the first rule
 * for it without argument conditions decides every call of it, whatever
 * comes before or after; without one, rules with conditions decide the
 * calls they match and the default the rest. Rules with the default's
 * action are skipped, as runc skips them. A rule whose includes/excludes
 * the env cannot decide counts when it lets the call through: containerd
 * applies it always. */
static struct treatment treat(const struct sg_seccomp_profile *p, const struct sg_profile_env *env,
                              const char *name)
{
    struct treatment t = {.action = p->default_action, .by_default = true}, allow = t;
    uint32_t def = sg_vocab_action_value(p->default_action, sg_profile_default_errno(p));
    bool have_allow = false;

    for (size_t i = 0; i < p->n_rules; i++) {
        const struct sg_profile_rule *r = &p->rules[i];
        enum sg_applies a = sg_profile_rule_applies(r, env);
        if (!r->ok || !r->has_action || a == SG_APPLIES_NO ||
            sg_vocab_action_value(r->action, sg_profile_rule_errno(r)) == def)
            continue;
        for (size_t j = 0; j < r->n_names; j++) {
            if (strcmp(r->names[j], name) != 0)
                continue;
            if (r->n_args == 0 && a == SG_APPLIES_YES) {
                /* Decided, unless a "maybe" rule before it lets it through. */
                if (have_allow && allow.maybe && !allow.on_args)
                    return allow;
                return (struct treatment){r->action, false, i, j, false, false};
            }
            if (sg_vocab_action_may_run(r->action) && !have_allow) {
                allow = (struct treatment){r->action, false,         i,
                                           j,         r->n_args > 0, a == SG_APPLIES_MAYBE};
                have_allow = true;
            }
        }
    }
    return have_allow ? allow : t;
}

static void rule_path(const struct sg_seccomp_profile *p, const struct treatment *t, char *out,
                      size_t cap)
{
    if (t->by_default)
        snprintf(out, cap, "defaultAction");
    else if (p->rules[t->rule].old_name)
        snprintf(out, cap, "syscalls[%zu].name", t->rule);
    else
        snprintf(out, cap, "syscalls[%zu].names[%zu]", t->rule, t->name);
}

/* Whether `name` is a syscall on some architecture of the filter. */
static bool exists(const struct sg_seccomp_profile *p, const struct sg_profile_env *env,
                   const char *name)
{
    uint32_t arches = sg_profile_arches(p, env);

    for (int i = 0; i < SG_ARCH_MAX; i++) {
        const struct sg_arch *a = sg_vocab_arch_get(i);
        if ((arches & (UINT32_C(1) << i)) != 0 && a != NULL && a->token != 0 &&
            seccomp_syscall_resolve_name_arch(a->token, name) >= 0)
            return true;
    }
    return false;
}

static void append_name(char *text, const char *name)
{
    size_t len = strlen(text);

    if (len + strlen(name) + 8 >= NAMES_TEXT_MAX) {
        if (strstr(text, ", ...") == NULL)
            snprintf(text + len, NAMES_TEXT_MAX - len, ", ...");
        return;
    }
    snprintf(text + len, NAMES_TEXT_MAX - len, "%s%s", len ? ", " : "", name);
}

static void keep(const char **list, size_t *n, const char *name)
{
    if (*n < SG_LINT_LIST_MAX)
        list[(*n)++] = name;
}

static void verdict(const struct sg_seccomp_profile *p, struct sg_lint *out, struct sg_findings *f)
{
    const char *def = p->has_default ? sg_vocab_action_name(p->default_action) : "";
    unsigned e = sg_profile_default_errno(p);

    out->verdict = SG_LINT_ENFORCING;
    if (sg_profile_no_filter(p)) {
        out->verdict = SG_LINT_UNCONFINED;
        snprintf(out->summary, sizeof(out->summary),
                 "no defaultAction and no syscalls: runc installs no filter");
        sg_findings_add(f, SG_SEV_WARNING, false, "unconfined", "",
                        "runc installs no seccomp filter for a profile without defaultAction and "
                        "syscalls: the container runs Unconfined");
        return;
    }
    if (!p->has_default) {
        snprintf(out->summary, sizeof(out->summary), "no valid defaultAction");
        return;
    }
    switch (p->default_action) {
    case SG_ACT_ALLOW:
    case SG_ACT_LOG:
        out->verdict = SG_LINT_PERMISSIVE;
        snprintf(out->summary, sizeof(out->summary), "%s: every syscall it does not list runs%s",
                 def, p->default_action == SG_ACT_LOG ? " (and is logged)" : "");
        sg_findings_add(f, SG_SEV_WARNING, false, "permissive", "defaultAction",
                        "%s lets every syscall the profile does not list through%s, new ones "
                        "included: Unconfined in all but name",
                        def, p->default_action == SG_ACT_LOG ? " (logging it)" : "");
        return;
    case SG_ACT_ERRNO:
        snprintf(out->summary, sizeof(out->summary), "unlisted syscalls fail with errno %u (%s)", e,
                 strerror((int)e));
        return;
    case SG_ACT_TRACE:
        out->verdict = SG_LINT_PERMISSIVE;
        snprintf(out->summary, sizeof(out->summary),
                 "%s: every syscall it does not list runs when a tracer lets it (ENOSYS with "
                 "none)",
                 def);
        sg_findings_add(f, SG_SEV_WARNING, false, "permissive", "defaultAction",
                        "%s hands every syscall the profile does not list to a tracer, which "
                        "lets it run: a process in the container that may call ptrace, or one "
                        "sharing its PID namespace, can be that tracer",
                        def);
        return;
    case SG_ACT_NOTIFY:
        snprintf(out->summary, sizeof(out->summary),
                 "unlisted syscalls wait for a seccomp agent, and fail with ENOSYS without one");
        return;
    case SG_ACT_TRAP:
        snprintf(out->summary, sizeof(out->summary),
                 "unlisted syscalls raise SIGSYS, which kills a program that does not catch it");
        return;
    case SG_ACT_KILL_THREAD:
    case SG_ACT_KILL_PROCESS:
    case SG_ACT_COUNT:
        break;
    }
    snprintf(out->summary, sizeof(out->summary), "the first unlisted syscall kills the %s",
             p->default_action == SG_ACT_KILL_PROCESS ? "process" : "thread");
}

static void dangerous(const struct sg_seccomp_profile *p, const struct sg_profile_env *env,
                      struct sg_lint *out, struct sg_findings *f)
{
    char by_default[NAMES_TEXT_MAX] = "", path[SG_FINDING_PATH_MAX];
    size_t n, defaults = 0;
    const struct sg_dangerous *list = sg_syscalls_dangerous(&n);

    for (size_t i = 0; i < n; i++) {
        const struct sg_dangerous *d = &list[i];
        struct treatment t;
        if (!exists(p, env, d->name))
            continue;
        t = treat(p, env, d->name);
        rule_path(p, &t, path, sizeof(path));
        if (t.action == SG_ACT_NOTIFY && !t.by_default) {
            sg_findings_add(f, SG_SEV_NOTE, false, "dangerous", path,
                            "%s is left to the seccomp agent at listenerPath: %s", d->name,
                            d->reason);
            continue;
        }
        if (!sg_vocab_action_may_run(t.action) || (t.on_args && d->args_ok))
            continue;
        keep(out->dangerous, &out->n_dangerous, d->name);
        if (t.by_default) {
            append_name(by_default, d->name);
            defaults++;
            continue;
        }
        sg_findings_add(f, SG_SEV_WARNING, false, "dangerous", path,
                        "lets %s through%s%s%s: %s; the runtime's default profile refuses it",
                        d->name, t.action == SG_ACT_TRACE ? " (to a tracer, which can run it)" : "",
                        t.on_args ? " when its arguments match" : "",
                        t.maybe ? " when includes/excludes hold (containerd ignores them and "
                                  "always does)"
                                : "",
                        d->reason);
    }
    if (defaults > 0)
        sg_findings_add(f, SG_SEV_WARNING, false, "dangerous", "defaultAction",
                        "lets through %zu syscalls the runtime's default profile refuses, since "
                        "the profile does not list them: %s",
                        defaults, by_default);
}

/* Whether a refused startup syscall stops the program: a kill always; an
 * errno only for the calls a program cannot do without. */
static bool stops(enum sg_scmp_action a, unsigned need)
{
    if (need == 0 || sg_vocab_action_lets_through(a))
        return false;
    if (a == SG_ACT_KILL_THREAD || a == SG_ACT_KILL_PROCESS || a == SG_ACT_TRAP)
        return true;
    return need == SG_NEED_ALWAYS;
}

static void startup(const struct sg_seccomp_profile *p, const struct sg_profile_env *env,
                    struct sg_lint *out, struct sg_findings *f)
{
    char stat_text[NAMES_TEXT_MAX] = "", dyn_text[NAMES_TEXT_MAX] = "";
    size_t n;
    const struct sg_startup *list = sg_syscalls_startup(&n);
    const struct sg_arch *native = sg_vocab_arch_get(env->arch);

    if (out->verdict != SG_LINT_ENFORCING || !p->has_default || native == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        struct treatment t;
        if (native->token == 0 ||
            seccomp_syscall_resolve_name_arch(native->token, list[i].name) < 0)
            continue; /* measured on x86_64: not a syscall here */
        t = treat(p, env, list[i].name);
        if (sg_vocab_action_lets_through(t.action) && !t.on_args && !t.maybe)
            continue;
        if (stops(t.action, list[i].static_need)) {
            append_name(stat_text, list[i].name);
            keep(out->missing, &out->n_missing, list[i].name);
        } else if (stops(t.action, list[i].dynamic_need)) {
            append_name(dyn_text, list[i].name);
            keep(out->missing, &out->n_missing, list[i].name);
        }
    }
    out->cannot_start = stat_text[0] != '\0';
    out->cannot_start_dynamic = out->cannot_start || dyn_text[0] != '\0';
    if (out->cannot_start)
        sg_findings_add(f, SG_SEV_ERROR, false, "cannot-start", "syscalls",
                        "no program can start under it: even a statically linked C program "
                        "makes %s before main(), and the profile refuses %s%s%s",
                        stat_text, strchr(stat_text, ',') ? "them" : "it",
                        dyn_text[0] ? "; a dynamically linked one also needs " : "", dyn_text);
    else if (dyn_text[0] != '\0')
        sg_findings_add(f, SG_SEV_WARNING, false, "cannot-start", "syscalls",
                        "a dynamically linked program cannot start under it: its loader makes "
                        "%s, which the profile refuses (a static program can start)",
                        dyn_text);
}

/* What libseccomp refuses, found by compiling; what this libseccomp merely
 * lacks (an architecture, a flag) is said, not held against the profile. */
static int compile(const struct sg_seccomp_profile *p, const struct sg_profile_env *env,
                   struct sg_findings *f, struct sg_error *err)
{
    struct sg_filter flt;
    struct sg_error why;
    size_t before = f->n + f->dropped;
    int rc;

    if (f->fatal || !p->has_default)
        return 0;
    sg_error_clear(&why);
    rc = sg_filter_build(p, env, SG_FILTER_EXACT, true, &flt, f, &why);
    if (rc == SG_ERR_NOMEM)
        return sg_error_set(err, rc, "out of memory");
    if (rc < 0 && f->n + f->dropped == before)
        sg_findings_add(f, SG_SEV_WARNING, false, "compile", "",
                        "seccomp-guard could not compile the profile here: %s", why.msg);
    sg_filter_release(&flt);
    return 0;
}

int sg_lint_run(const struct sg_seccomp_profile *p, const struct sg_profile_env *env,
                struct sg_lint *out, struct sg_findings *findings, struct sg_error *err)
{
    memset(out, 0, sizeof(*out));
    verdict(p, out, findings);
    if (p->uses_moby)
        sg_findings_add(findings, SG_SEV_NOTE, false, "moby-format", "",
                        "archMap, name, includes and excludes are Docker's and CRI-O's; "
                        "containerd's CRI reads a Localhost profile as runtime-spec JSON and "
                        "ignores them (rules then apply everywhere, archMap adds nothing)");
    if (out->verdict != SG_LINT_UNCONFINED && p->has_default) {
        dangerous(p, env, out, findings);
        startup(p, env, out, findings);
    }
    if (compile(p, env, findings, err) < 0)
        return err->code;
    out->refused = findings->fatal;
    return findings->nomem ? sg_error_set(err, SG_ERR_NOMEM, "out of memory") : 0;
}

const char *sg_lint_verdict_name(enum sg_lint_verdict v)
{
    static const char *const names[] = {[SG_LINT_ENFORCING] = "enforcing",
                                        [SG_LINT_PERMISSIVE] = "permissive",
                                        [SG_LINT_UNCONFINED] = "unconfined"};

    return (unsigned)v <= SG_LINT_UNCONFINED ? names[v] : "?";
}
