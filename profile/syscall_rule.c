/* syscall_rule.c - see syscall_rule.h. */
#include "syscall_rule.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seccomp.h>

#include "capability.h"
#include "syscalls.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* --- includes / excludes ----------------------------------------------- */

/* moby compares each entry with the bounding set's names, which are
 * "CAP_" and the upper-case name: any other spelling never matches. */
static void read_cap_item(struct sg_read *r, const cJSON *v, size_t i, void *target)
{
    struct sg_profile_cond *c = target;
    const char *s = v->valuestring;
    int cap = -1;
    char q[128];

    (void)i;
    c->n_caps++;
    if (strncmp(s, "CAP_", 4) == 0) {
        enum sg_cap_spelling sp;
        cap = sg_cap_resolve(s + 4, strlen(s + 4), &sp);
        if (cap == SG_CAP_ALL || sp != SG_CAP_CANONICAL)
            cap = -1;
    }
    if (cap < 0) {
        int any = sg_cap_resolve(s, strlen(s), NULL);
        sg_read_quote(q, sizeof(q), s);
        c->caps_never = true;
        if (any >= 0 && any != SG_CAP_ALL)
            SG_READ_FIND(r, SG_SEV_WARNING, false, "cap-spelling",
                         "%s never matches: runtimes name capabilities CAP_%s in the bounding set",
                         q, sg_cap_name(any));
        else
            SG_READ_FIND(r, SG_SEV_WARNING, false, "cap-spelling",
                         "%s is no capability name, so it never matches", q);
        return;
    }
    c->caps |= sg_cap_bit(cap);
}

static void read_caps(struct sg_read *r, const cJSON *v, void *target)
{
    sg_read_list(r, v, SG_PROFILE_MAX_LIST, SG_READ_STRING, read_cap_item, target);
}

static void read_cond_arch_item(struct sg_read *r, const cJSON *v, size_t i, void *target)
{
    struct sg_profile_cond *c = target;
    int a = sg_vocab_arch_short(v->valuestring);
    char q[128];

    (void)i;
    c->n_arches++;
    if (a < 0) {
        sg_read_quote(q, sizeof(q), v->valuestring);
        c->arches_never = true;
        SG_READ_FIND(
            r, SG_SEV_WARNING, false, "cond-architecture",
            "%s never matches: here architectures have moby's short names (amd64, arm64, x86, "
            "s390x, ...)",
            q);
        return;
    }
    c->arches |= UINT32_C(1) << a;
}

static void read_cond_arches(struct sg_read *r, const cJSON *v, void *target)
{
    sg_read_list(r, v, SG_PROFILE_MAX_LIST, SG_READ_STRING, read_cond_arch_item, target);
}

/* moby's KernelVersion: "<kernel>.<major>", each 0..255, not "0.0". */
static void read_min_kernel(struct sg_read *r, const cJSON *v, void *target)
{
    struct sg_profile_cond *c = target;
    const char *s = v->valuestring;
    unsigned part[2] = {0, 0};
    size_t k = 0, digits = 0;
    bool ok = true;
    char q[128];

    if (s[0] == '\0')
        return; /* moby: empty is absent */
    for (const char *t = s; *t != '\0' && ok; t++) {
        if (*t == '.' && digits > 0 && k == 0) {
            k = 1;
            digits = 0;
        } else if (*t >= '0' && *t <= '9' && digits < 3) {
            part[k] = part[k] * 10 + (unsigned)(*t - '0');
            digits++;
        } else {
            ok = false;
        }
    }
    ok = ok && k == 1 && digits > 0 && part[0] <= 255 && part[1] <= 255 &&
         (part[0] > 0 || part[1] > 0);
    if (!ok) {
        sg_read_quote(q, sizeof(q), s);
        SG_READ_FIND(
            r, SG_SEV_ERROR, true, "min-kernel",
            "%s is not \"<kernel>.<major>\" (such as \"4.8\"): Docker and CRI-O refuse the "
            "profile",
            q);
        return;
    }
    c->has_min_kernel = true;
    c->min_kernel[0] = part[0];
    c->min_kernel[1] = part[1];
}

static const struct sg_read_field cond_fields[] = {
    {"caps", SG_READ_LIST, read_caps},
    {"arches", SG_READ_LIST, read_cond_arches},
    {"minKernel", SG_READ_STRING, read_min_kernel},
};

/* --- syscalls[] -------------------------------------------------------- */

struct rule_reader {
    struct sg_seccomp_profile *p;
    struct sg_profile_rule *rule;
};

static bool push_name(struct sg_read *r, struct sg_profile_rule *rule, const char *name)
{
    const char **grown;

    if (r->p->n_names == SG_PROFILE_MAX_NAMES) {
        r->rc = sg_error_set(r->err, SG_ERR_LIMIT, "%s: more than %d syscall names in the profile",
                             sg_path_str(&r->path), SG_PROFILE_MAX_NAMES);
        return false;
    }
    grown = realloc(rule->names, (rule->n_names + 1) * sizeof(*grown));
    if (grown == NULL) {
        r->rc = sg_error_set(r->err, SG_ERR_NOMEM, "out of memory");
        return false;
    }
    rule->names = grown;
    rule->names[rule->n_names++] = name;
    r->p->n_names++;
    return true;
}

/* runc resolves each name with libseccomp and skips, silently, a name it
 * cannot resolve: a typo allows or denies nothing. */
static void check_name(struct sg_read *r, struct sg_profile_rule *rule, const char *name)
{
    const char *since;
    char q[128];

    if (name[0] == '\0') {
        SG_READ_FIND(r, SG_SEV_ERROR, true, "empty-name",
                     "an empty syscall name: runc refuses the profile");
        rule->ok = false;
        return;
    }
    if (strlen(name) <= SG_PROFILE_NAME_MAX &&
        seccomp_syscall_resolve_name(name) != __NR_SCMP_ERROR)
        return;
    sg_read_quote(q, sizeof(q), name);
    since = sg_syscalls_newer(name);
    if (since != NULL)
        SG_READ_FIND(
            r, SG_SEV_WARNING, false, "newer-syscall",
            "%s (Linux %s) is newer than this libseccomp (%u.%u.%u): runtimes built with it "
            "skip the name, so the rule does nothing for it there",
            q, since, seccomp_version()->major, seccomp_version()->minor, seccomp_version()->micro);
    else
        SG_READ_FIND(
            r, SG_SEV_ERROR, false, "unknown-syscall",
            "%s is no syscall libseccomp knows: runtimes skip it without a word, so the rule "
            "does nothing for it (a typo?)",
            q);
}

static void read_name_item(struct sg_read *r, const cJSON *v, size_t i, void *target)
{
    struct sg_profile_rule *rule = target;

    (void)i;
    if (push_name(r, rule, v->valuestring))
        check_name(r, rule, v->valuestring);
}

static void read_names(struct sg_read *r, const cJSON *v, void *target)
{
    struct rule_reader *rr = target;

    if (rr->rule->old_name) {
        SG_READ_FIND(r, SG_SEV_ERROR, true, "name-and-names",
                     "both name and names: Docker and CRI-O refuse the profile; keep names");
        rr->rule->ok = false;
    }
    sg_read_list(r, v, SIZE_MAX, SG_READ_STRING, read_name_item, rr->rule);
}

static void read_old_name(struct sg_read *r, const cJSON *v, void *target)
{
    struct rule_reader *rr = target;

    rr->p->uses_moby = true;
    if (rr->rule->n_names > 0) {
        SG_READ_FIND(r, SG_SEV_ERROR, true, "name-and-names",
                     "both name and names: Docker and CRI-O refuse the profile; keep names");
        rr->rule->ok = false;
    }
    rr->rule->old_name = true;
    SG_READ_FIND(
        r, SG_SEV_WARNING, false, "old-name",
        "name is the old form: containerd reads Localhost profiles as runtime-spec JSON and "
        "ignores it, so there the rule names no syscall; write \"names\": [...]");
    if (push_name(r, rr->rule, v->valuestring))
        check_name(r, rr->rule, v->valuestring);
}

static void read_action(struct sg_read *r, const cJSON *v, void *target)
{
    struct rule_reader *rr = target;
    int a = sg_vocab_action(v->valuestring);
    char q[128];

    if (a < 0) {
        sg_read_quote(q, sizeof(q), v->valuestring);
        SG_READ_FIND(r, SG_SEV_ERROR, true, "unknown-action",
                     "unknown action %s: runc refuses the profile (SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, "
                     "SCMP_ACT_KILL_PROCESS, ... are the names)",
                     q);
        rr->rule->ok = false;
        return;
    }
    rr->rule->has_action = true;
    rr->rule->action = (enum sg_scmp_action)a;
}

static void read_rule_errno(struct sg_read *r, const cJSON *v, void *target)
{
    struct rule_reader *rr = target;

    rr->rule->has_errno = sg_read_errno(r, v, &rr->rule->errno_ret);
}

static void read_arg_index(struct sg_read *r, const cJSON *v, void *target)
{
    struct sg_profile_arg *a = target;
    uint64_t n;

    if (!sg_read_uint(r, v, &n)) {
        a->index = SG_PROFILE_ARG_INDEX_MAX + 1;
        return;
    }
    if (n > SG_PROFILE_ARG_INDEX_MAX) {
        SG_READ_FIND(r, SG_SEV_ERROR, true, "arg-index",
                     "argument index %llu: a syscall has six arguments, 0 to 5; runc refuses the "
                     "profile",
                     (unsigned long long)n);
        a->index = SG_PROFILE_ARG_INDEX_MAX + 1;
        return;
    }
    a->index = (unsigned)n;
}

static void read_arg_value(struct sg_read *r, const cJSON *v, void *target)
{
    struct sg_profile_arg *a = target;

    if (!sg_read_uint(r, v, &a->value))
        a->op = -1;
}

static void read_arg_value_two(struct sg_read *r, const cJSON *v, void *target)
{
    struct sg_profile_arg *a = target;

    if (!sg_read_uint(r, v, &a->value_two))
        a->op = -1;
}

static void read_arg_op(struct sg_read *r, const cJSON *v, void *target)
{
    struct sg_profile_arg *a = target;
    char q[128];

    a->op = sg_vocab_operator(v->valuestring);
    if (a->op < 0) {
        sg_read_quote(q, sizeof(q), v->valuestring);
        SG_READ_FIND(r, SG_SEV_ERROR, true, "unknown-operator",
                     "unknown operator %s: runc refuses the profile (SCMP_CMP_EQ, SCMP_CMP_NE, "
                     "SCMP_CMP_MASKED_EQ, ... are the names)",
                     q);
    }
}

static const struct sg_read_field arg_fields[] = {
    {"index", SG_READ_UINT, read_arg_index},
    {"value", SG_READ_UINT, read_arg_value},
    {"valueTwo", SG_READ_UINT, read_arg_value_two},
    {"op", SG_READ_STRING, read_arg_op},
};

static void read_arg_item(struct sg_read *r, const cJSON *v, size_t i, void *target)
{
    struct sg_profile_rule *rule = target;
    struct sg_profile_arg *a = &rule->args[i];
    bool has_op = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(v, "op"));

    *a = (struct sg_profile_arg){.op = -2};
    rule->n_args = i + 1;
    sg_read_object(r, v, arg_fields, COUNT(arg_fields), a);
    if (!has_op && a->op == -2)
        SG_READ_FIND(r, SG_SEV_ERROR, true, "unknown-operator",
                     "no op: runc refuses an argument condition without an operator");
    if (a->op < 0 || a->index > SG_PROFILE_ARG_INDEX_MAX) {
        a->op = -1;
        rule->ok = false;
    }
}

static void read_args(struct sg_read *r, const cJSON *v, void *target)
{
    struct rule_reader *rr = target;

    rr->rule->args = sg_read_alloc(r, v, SG_PROFILE_MAX_ARGS, sizeof(*rr->rule->args));
    if (rr->rule->args == NULL)
        return;
    sg_read_list(r, v, SG_PROFILE_MAX_ARGS, SG_READ_OBJECT, read_arg_item, rr->rule);
    for (size_t i = 0; i < rr->rule->n_args; i++) {
        if (rr->rule->args[i].op < 0)
            rr->rule->ok = false;
    }
}

static void read_cond(struct sg_read *r, const cJSON *v, struct sg_profile_cond *c,
                      struct rule_reader *rr)
{
    rr->p->uses_moby = true;
    c->present = true;
    sg_read_object(r, v, cond_fields, COUNT(cond_fields), c);
}

static void read_includes(struct sg_read *r, const cJSON *v, void *target)
{
    struct rule_reader *rr = target;

    read_cond(r, v, &rr->rule->includes, rr);
}

static void read_excludes(struct sg_read *r, const cJSON *v, void *target)
{
    struct rule_reader *rr = target;

    read_cond(r, v, &rr->rule->excludes, rr);
}

static const struct sg_read_field rule_fields[] = {
    {"names", SG_READ_LIST, read_names},         {"name", SG_READ_STRING, read_old_name},
    {"action", SG_READ_STRING, read_action},     {"errnoRet", SG_READ_UINT, read_rule_errno},
    {"args", SG_READ_LIST, read_args},           {"comment", SG_READ_STRING, NULL},
    {"includes", SG_READ_OBJECT, read_includes}, {"excludes", SG_READ_OBJECT, read_excludes},
};

static void check_rule(struct sg_read *r, const struct sg_seccomp_profile *p,
                       struct sg_profile_rule *rule)
{
    size_t mark = r->path.n;

    if (!rule->has_action) {
        if (rule->ok)
            SG_READ_FIND(r, SG_SEV_ERROR, true, "unknown-action",
                         "no action: runc refuses a rule without one");
        rule->ok = false;
    }
    if (rule->n_names == 0)
        SG_READ_FIND(r, SG_SEV_WARNING, false, "no-names",
                     "the rule names no syscall: it does nothing");
    if (!rule->has_action)
        return;
    sg_path_key(&r->path, "errnoRet");
    if (rule->has_errno && !sg_vocab_action_has_errno(rule->action))
        SG_READ_FIND(r, SG_SEV_ERROR, false, "errno-action",
                     "errnoRet on %s, which returns no errno: runc ignores it; only "
                     "SCMP_ACT_ERRNO and SCMP_ACT_TRACE carry one",
                     sg_vocab_action_name(rule->action));
    sg_path_pop(&r->path, mark);
    sg_path_key(&r->path, "action");
    if (rule->action == SG_ACT_NOTIFY && p->listener_path == NULL)
        SG_READ_FIND(r, SG_SEV_ERROR, true, "notify",
                     "SCMP_ACT_NOTIFY needs listenerPath, the seccomp agent's socket: runc "
                     "refuses the profile without one");
    if (p->has_default && rule->action == p->default_action &&
        (!sg_vocab_action_has_errno(rule->action) ||
         sg_profile_rule_errno(rule) == sg_profile_default_errno(p)))
        SG_READ_FIND(r, SG_SEV_NOTE, false, "same-as-default",
                     "%s is also the default action: runc skips the rule",
                     sg_vocab_action_name(rule->action));
    sg_path_pop(&r->path, mark);
    for (size_t i = 0; rule->action == SG_ACT_NOTIFY && i < rule->n_names; i++) {
        if (strcmp(rule->names[i], "write") != 0)
            continue;
        sg_path_key(&r->path, rule->old_name ? "name" : "names");
        if (!rule->old_name)
            sg_path_index(&r->path, i);
        SG_READ_FIND(r, SG_SEV_ERROR, true, "notify",
                     "SCMP_ACT_NOTIFY on write: runc refuses it (it writes the listener's "
                     "number to its parent after loading the filter)");
        sg_path_pop(&r->path, mark);
    }
}

static void read_rule_item(struct sg_read *r, const cJSON *v, size_t i, void *target)
{
    struct sg_seccomp_profile *p = target;
    struct sg_profile_rule *rule = &p->rules[i];
    struct rule_reader rr = {.p = p, .rule = rule};

    rule->index = i;
    rule->ok = true;
    p->n_rules = i + 1;
    sg_read_object(r, v, rule_fields, COUNT(rule_fields), &rr);
}

void sg_syscall_rule_read_all(struct sg_read *r, const cJSON *v, void *target)
{
    struct sg_seccomp_profile *p = target;

    p->rules = sg_read_alloc(r, v, SG_PROFILE_MAX_RULES, sizeof(*p->rules));
    if (p->rules != NULL)
        sg_read_list(r, v, SG_PROFILE_MAX_RULES, SG_READ_OBJECT, read_rule_item, p);
}

/* A name's place, for finding the same name given twice. */
struct name_ref {
    const char *name;
    size_t rule, j;
};

static int by_name(const void *a, const void *b)
{
    const struct name_ref *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    if (c != 0)
        return c;
    if (x->rule != y->rule)
        return x->rule < y->rule ? -1 : 1;
    return x->j < y->j ? -1 : x->j > y->j;
}

static bool same_action(const struct sg_profile_rule *a, const struct sg_profile_rule *b)
{
    return a->action == b->action && (!sg_vocab_action_has_errno(a->action) ||
                                      sg_profile_rule_errno(a) == sg_profile_rule_errno(b));
}

/* A rule that is part of every filter built from the profile: no
 * includes/excludes, an action, not the default's (runc skips those). */
static bool always_in(const struct sg_seccomp_profile *p, const struct sg_profile_rule *r)
{
    return r->ok && r->has_action && !r->includes.present && !r->excludes.present &&
           !(p->has_default && r->action == p->default_action &&
             (!sg_vocab_action_has_errno(r->action) ||
              sg_profile_rule_errno(r) == sg_profile_default_errno(p)));
}

static void find_at_name(struct sg_read *r, const struct sg_profile_rule *rule, size_t ri, size_t j,
                         enum sg_severity sev, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static void find_at_name(struct sg_read *r, const struct sg_profile_rule *rule, size_t ri, size_t j,
                         enum sg_severity sev, const char *code, const char *fmt, ...)
{
    char msg[SG_FINDING_MSG_MAX];
    size_t mark = sg_path_key(&r->path, "syscalls");
    va_list ap;

    sg_path_index(&r->path, ri);
    sg_path_key(&r->path, rule->old_name ? "name" : "names");
    if (!rule->old_name)
        sg_path_index(&r->path, j);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    SG_READ_FIND(r, sev, false, code, "%s", msg);
    sg_path_pop(&r->path, mark);
}

/* One name's entries (sorted by rule): libseccomp keeps the first rule
 * without argument conditions for a syscall and ignores every later one,
 * and such a rule also overrides every rule with conditions for it, in
 * whatever order (measured with libseccomp 2.5.4). Rules with conditions
 * legitimately share names (Docker's default gives socket and personality
 * several), and so do rules with includes/excludes. */
static void check_name_group(struct sg_read *r, const struct sg_seccomp_profile *p,
                             const struct name_ref *g, size_t n)
{
    const struct name_ref *winner = NULL;
    char q[128];

    sg_read_quote(q, sizeof(q), g[0].name);
    for (size_t k = 0; k < n; k++) {
        const struct sg_profile_rule *rule = &p->rules[g[k].rule];
        if (k > 0 && g[k].rule == g[k - 1].rule)
            find_at_name(r, rule, g[k].rule, g[k].j, SG_SEV_WARNING, "duplicate-syscall",
                         "%s is given twice in this rule", q);
        else if (winner == NULL && always_in(p, rule) && rule->n_args == 0)
            winner = &g[k];
    }
    for (size_t k = 0; winner != NULL && k < n; k++) {
        const struct sg_profile_rule *rule = &p->rules[g[k].rule], *w = &p->rules[winner->rule];
        if (g[k].rule == winner->rule || (k > 0 && g[k].rule == g[k - 1].rule) ||
            !always_in(p, rule))
            continue;
        if (same_action(rule, w))
            find_at_name(r, rule, g[k].rule, g[k].j, SG_SEV_WARNING, "duplicate-syscall",
                         "%s is given twice: syscalls[%zu] already gives it %s%s", q, winner->rule,
                         sg_vocab_action_name(w->action),
                         rule->n_args > 0 ? " whatever its arguments" : "");
        else
            find_at_name(r, rule, g[k].rule, g[k].j, SG_SEV_ERROR, "ignored",
                         "this rule is ignored for %s: syscalls[%zu] gives it %s without "
                         "argument conditions, and libseccomp keeps that rule for every call "
                         "of it",
                         q, winner->rule, sg_vocab_action_name(w->action));
    }
}

static void check_duplicates(struct sg_read *r, const struct sg_seccomp_profile *p)
{
    struct name_ref *refs = calloc(p->n_names ? p->n_names : 1, sizeof(*refs));
    size_t n = 0;

    if (refs == NULL) {
        r->rc = sg_error_set(r->err, SG_ERR_NOMEM, "out of memory");
        return;
    }
    for (size_t i = 0; i < p->n_rules; i++) {
        for (size_t j = 0; j < p->rules[i].n_names && n < p->n_names; j++) {
            if (p->rules[i].names[j][0] != '\0')
                refs[n++] = (struct name_ref){p->rules[i].names[j], i, j};
        }
    }
    qsort(refs, n, sizeof(*refs), by_name);
    for (size_t k = 0; k < n;) {
        size_t end = k + 1;
        while (end < n && strcmp(refs[end].name, refs[k].name) == 0)
            end++;
        if (end - k > 1)
            check_name_group(r, p, refs + k, end - k);
        k = end;
    }
    free(refs);
}

void sg_syscall_rule_check_all(struct sg_read *r, struct sg_seccomp_profile *p)
{
    for (size_t i = 0; i < p->n_rules; i++) {
        size_t mark = sg_path_key(&r->path, "syscalls");
        sg_path_index(&r->path, i);
        check_rule(r, p, &p->rules[i]);
        sg_path_pop(&r->path, mark);
    }
    check_duplicates(r, p);
}
