/* filter.c - see filter.h. */
#include "filter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* runc turns on libseccomp's binary tree above this many rules. */
#define OPTIMIZE_ABOVE_RULES 32

struct build {
    const struct sg_seccomp_profile *p;
    const struct sg_profile_env *env;
    enum sg_filter_mode mode;
    bool maybe;
    struct sg_filter *out;
    struct sg_findings *findings;
    struct sg_error *err;
    uint32_t default_value; /* the profile's, before any hand-over */
    int rc;
};

static void refuse(struct build *b, size_t rule, size_t name, const char *what, int code)
{
    char path[SG_FINDING_PATH_MAX];
    const struct sg_profile_rule *r = &b->p->rules[rule];

    if (r->old_name)
        snprintf(path, sizeof(path), "syscalls[%zu].name", rule);
    else
        snprintf(path, sizeof(path), "syscalls[%zu].names[%zu]", rule, name);
    sg_findings_add(b->findings, SG_SEV_ERROR, true, "libseccomp", path,
                    "libseccomp refuses the rule for this name: %s (%s); runc refuses the "
                    "profile",
                    what, strerror(code));
    b->rc = SG_ERR_INVALID;
}

static bool rule_included(const struct build *b, const struct sg_profile_rule *r)
{
    enum sg_applies a = sg_profile_rule_applies(r, b->env);

    return r->ok && (a == SG_APPLIES_YES || (a == SG_APPLIES_MAYBE && b->maybe));
}

/* libseccomp-golang's errors for seccomp_rule_add_array, in words. */
static const char *add_error(int rc)
{
    switch (rc) {
    case -EEXIST:
        return "another rule gives the same call a different action";
    case -EINVAL:
        return "two checks on the same syscall argument, or a condition libseccomp cannot "
               "compile";
    case -EACCES:
        return "the rule's action is the default's";
    case -EFAULT:
        return "libseccomp does not recognise the syscall";
    default:
        return "libseccomp refused the rule";
    }
}

/* One name of one rule, as runc's matchCall adds it. */
static void add_name(struct build *b, size_t ri, size_t j, uint32_t action)
{
    const struct sg_profile_rule *r = &b->p->rules[ri];
    struct scmp_arg_cmp cmp[SG_PROFILE_MAX_ARGS];
    unsigned per_index[SG_PROFILE_ARG_INDEX_MAX + 1] = {0};
    bool split = false;
    int nr = seccomp_syscall_resolve_name(r->names[j]), rc = 0;

    if (nr == __NR_SCMP_ERROR)
        return; /* runc: "unknown seccomp syscall ignored" */
    for (size_t k = 0; k < r->n_args; k++) {
        const struct sg_profile_arg *a = &r->args[k];
        cmp[k] = (struct scmp_arg_cmp){.arg = a->index,
                                       .op = (enum scmp_compare)a->op,
                                       .datum_a = a->value,
                                       .datum_b = a->value_two};
        split = split || ++per_index[a->index] > 1;
    }
    if (!split) {
        rc = seccomp_rule_add_array(b->out->ctx, action, nr, (unsigned)r->n_args, cmp);
    } else {
        for (size_t k = 0; k < r->n_args && rc == 0; k++)
            rc = seccomp_rule_add_array(b->out->ctx, action, nr, 1, &cmp[k]);
    }
    if (rc == -ENOMEM)
        b->rc = sg_error_set(b->err, SG_ERR_NOMEM, "out of memory");
    else if (rc < 0)
        refuse(b, ri, j, add_error(rc), -rc);
}

static int by_answer_name(const void *x, const void *y)
{
    return strcmp(((const struct sg_filter_answer *)x)->name,
                  ((const struct sg_filter_answer *)y)->name);
}

/* Explain mode with a default that is no ERRNO: which names' ERRNO rules
 * can be handed over, all giving one errno. Names whose rules disagree
 * keep their ERRNO actions. */
static int plan_answers(struct build *b)
{
    const struct sg_seccomp_profile *p = b->p;
    struct sg_filter *f = b->out;
    size_t k = 0;

    f->answers = calloc(p->n_names ? p->n_names : 1, sizeof(*f->answers));
    if (f->answers == NULL)
        return sg_error_set(b->err, SG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < p->n_rules; i++) {
        const struct sg_profile_rule *r = &p->rules[i];
        if (!rule_included(b, r) || r->action != SG_ACT_ERRNO)
            continue;
        for (size_t j = 0; j < r->n_names && k < p->n_names; j++)
            f->answers[k++] = (struct sg_filter_answer){r->names[j], sg_profile_rule_errno(r), i};
    }
    qsort(f->answers, k, sizeof(*f->answers), by_answer_name);
    /* Keep a name once, and only when every entry for it agrees. */
    f->n_answers = 0;
    for (size_t i = 0; i < k;) {
        size_t end = i + 1;
        bool agree = true;
        while (end < k && strcmp(f->answers[end].name, f->answers[i].name) == 0) {
            agree = agree && f->answers[end].errno_ret == f->answers[i].errno_ret;
            end++;
        }
        if (agree)
            f->answers[f->n_answers++] = f->answers[i];
        i = end;
    }
    return 0;
}

static uint32_t rule_action(const struct build *b, const struct sg_profile_rule *r)
{
    uint32_t value = sg_vocab_action_value(r->action, sg_profile_rule_errno(r));

    if (b->mode == SG_FILTER_EXPLAIN && r->action == SG_ACT_ERRNO && !b->out->default_notify) {
        unsigned e;
        size_t src;
        for (size_t j = 0; j < r->n_names; j++) {
            if (!sg_filter_answer(b->out, r->names[j], &e, &src))
                return value; /* names of one rule share the decision */
        }
        return r->n_names > 0 ? SCMP_ACT_NOTIFY : value;
    }
    return value;
}

static void add_rules(struct build *b)
{
    for (size_t i = 0; i < b->p->n_rules && b->rc == 0; i++) {
        const struct sg_profile_rule *r = &b->p->rules[i];
        uint32_t action;
        if (!rule_included(b, r))
            continue;
        /* runc compares with the default before anything is handed over. */
        if (sg_vocab_action_value(r->action, sg_profile_rule_errno(r)) == b->default_value)
            continue;
        action = rule_action(b, r);
        b->out->notify = b->out->notify || action == SCMP_ACT_NOTIFY;
        for (size_t j = 0; j < r->n_names && b->rc == 0; j++)
            add_name(b, i, j, action);
    }
}

static void add_arches(struct build *b)
{
    uint32_t arches = sg_profile_arches(b->p, b->env);
    const struct sg_arch *target = sg_vocab_arch_get(b->env->arch);

    for (int i = 0; i < SG_ARCH_MAX && b->rc == 0; i++) {
        const struct sg_arch *a = sg_vocab_arch_get(i);
        int rc;
        if ((arches & (UINT32_C(1) << i)) == 0 || a == NULL)
            continue;
        if (a->token == 0) {
            b->rc = sg_error_set(b->err, SG_ERR_INVALID,
                                 "%s: this libseccomp (%u.%u) cannot build filters for it", a->name,
                                 seccomp_version()->major, seccomp_version()->minor);
            return;
        }
        rc = seccomp_arch_add(b->out->ctx, a->token);
        if (rc < 0 && rc != -EEXIST) /* libseccomp-golang ignores EEXIST too */
            b->rc = sg_error_set(b->err, SG_ERR_INVALID, "%s: libseccomp cannot add it: %s",
                                 a->name, strerror(-rc));
    }
    /* Judging for another machine: its native architecture, not ours. */
    if (b->rc == 0 && target != NULL && target->token != seccomp_arch_native() &&
        seccomp_arch_remove(b->out->ctx, SCMP_ARCH_NATIVE) < 0)
        b->rc = sg_error_set(b->err, SG_ERR_INTERNAL, "cannot drop the native architecture");
}

/* runc's setFlag, and its default of SPEC_ALLOW when flags is absent. */
static void set_flags(struct build *b)
{
    uint32_t flags = b->p->flags;
    int rc = 0;

    if (!b->p->flags_given && seccomp_api_get() >= 4)
        flags |= UINT32_C(1) << SG_FLAG_SPEC_ALLOW;
    if (flags & (UINT32_C(1) << SG_FLAG_WAIT_KILLABLE_RECV)) {
        b->rc = sg_error_set(b->err, SG_ERR_INVALID,
                             "flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs libseccomp 2.6; "
                             "this is %u.%u.%u",
                             seccomp_version()->major, seccomp_version()->minor,
                             seccomp_version()->micro);
        return;
    }
    if (flags & (UINT32_C(1) << SG_FLAG_LOG))
        rc = seccomp_attr_set(b->out->ctx, SCMP_FLTATR_CTL_LOG, 1);
    if (rc == 0 && (flags & (UINT32_C(1) << SG_FLAG_SPEC_ALLOW)))
        rc = seccomp_attr_set(b->out->ctx, SCMP_FLTATR_CTL_SSB, 1);
    if (rc < 0)
        b->rc = sg_error_set(b->err, SG_ERR_INVALID,
                             "flags: this kernel or libseccomp cannot set them: %s", strerror(-rc));
    /* Not fatal in runc either: an older libseccomp just lacks it. */
    if (b->p->n_rules > OPTIMIZE_ABOVE_RULES)
        (void)seccomp_attr_set(b->out->ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
}

int sg_filter_build(const struct sg_seccomp_profile *p, const struct sg_profile_env *env,
                    enum sg_filter_mode mode, bool maybe, struct sg_filter *out,
                    struct sg_findings *findings, struct sg_error *err)
{
    struct build b = {p, env, mode, maybe, out, findings, err, 0, 0};
    uint32_t def;

    memset(out, 0, sizeof(*out));
    if (sg_profile_no_filter(p))
        return 0;
    if (!p->has_default)
        return sg_error_set(err, SG_ERR_INVALID, "defaultAction: missing or unknown");
    b.default_value = sg_vocab_action_value(p->default_action, sg_profile_default_errno(p));
    def = b.default_value;
    if (mode == SG_FILTER_EXPLAIN && p->default_action == SG_ACT_ERRNO) {
        out->default_notify = true;
        out->default_errno = sg_profile_default_errno(p);
        out->notify = true;
        def = SCMP_ACT_NOTIFY;
    } else if (mode == SG_FILTER_EXPLAIN && plan_answers(&b) < 0) {
        return err->code;
    }
    out->ctx = seccomp_init(def);
    if (out->ctx == NULL) {
        sg_filter_release(out);
        return sg_error_set(err, SG_ERR_INVALID, "libseccomp refuses the default action %s",
                            sg_vocab_action_name(p->default_action));
    }
    add_arches(&b);
    if (b.rc == 0)
        set_flags(&b);
    if (b.rc == 0)
        add_rules(&b);
    if (b.rc < 0 && err->msg[0] == '\0')
        sg_error_set(err, b.rc, "libseccomp refuses the profile (see the errors above)");
    if (b.rc < 0)
        sg_filter_release(out);
    return b.rc;
}

void sg_filter_release(struct sg_filter *f)
{
    if (f->ctx != NULL)
        seccomp_release(f->ctx);
    free(f->answers);
    memset(f, 0, sizeof(*f));
}

bool sg_filter_answer(const struct sg_filter *f, const char *name, unsigned *errno_ret,
                      size_t *rule)
{
    struct sg_filter_answer key = {.name = name};
    const struct sg_filter_answer *hit = NULL;

    if (f->n_answers > 0)
        hit = bsearch(&key, f->answers, f->n_answers, sizeof(key), by_answer_name);
    if (hit != NULL) {
        *errno_ret = hit->errno_ret;
        *rule = hit->rule;
        return true;
    }
    if (f->default_notify) {
        *errno_ret = f->default_errno;
        *rule = SIZE_MAX;
        return true;
    }
    return false;
}

int sg_filter_build_recorder(int arch, struct sg_filter *out, struct sg_error *err)
{
    const struct sg_arch *native = sg_vocab_arch_get(arch);
    int rc;

    memset(out, 0, sizeof(*out));
    out->ctx = seccomp_init(SCMP_ACT_NOTIFY);
    if (out->ctx == NULL)
        return sg_error_set(err, SG_ERR_INVALID,
                            "libseccomp cannot make a SCMP_ACT_NOTIFY filter here");
    out->notify = true;
    /* The ABIs a program of this machine can call through (int 0x80 from
     * x86_64): notified too, instead of killed as a foreign architecture. */
    for (int i = 0; native != NULL && i < SG_ARCH_MAX; i++) {
        const struct sg_arch *a = sg_vocab_arch_get(i);
        if ((native->sub & (UINT32_C(1) << i)) == 0 || a == NULL || a->token == 0)
            continue;
        rc = seccomp_arch_add(out->ctx, a->token);
        if (rc < 0 && rc != -EEXIST) {
            sg_filter_release(out);
            return sg_error_set(err, SG_ERR_INVALID, "%s: libseccomp cannot add it: %s", a->name,
                                strerror(-rc));
        }
    }
    return 0;
}
