/* profile.c - see profile.h. The top level of the format is here;
 * syscall_rule.c reads the entries of syscalls[], read.c holds what reading
 * like Go's decoder takes. */
#include "profile.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "read.h"
#include "syscall_rule.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* --- top level --------------------------------------------------------- */

static void read_default_action(struct sg_read *r, const cJSON *v, void *target)
{
    struct sg_seccomp_profile *p = target;
    int a = sg_vocab_action(v->valuestring);
    char q[128];

    if (v->valuestring[0] == '\0')
        return; /* runc: the same as absent */
    p->default_given = true;
    if (a < 0) {
        sg_read_quote(q, sizeof(q), v->valuestring);
        SG_READ_FIND(r, SG_SEV_ERROR, true, "unknown-action",
                     "unknown action %s: runc refuses the profile (SCMP_ACT_ERRNO, SCMP_ACT_ALLOW, "
                     "SCMP_ACT_KILL_PROCESS, ... are the names)",
                     q);
        return;
    }
    p->has_default = true;
    p->default_action = (enum sg_scmp_action)a;
}

static void read_default_errno(struct sg_read *r, const cJSON *v, void *target)
{
    struct sg_seccomp_profile *p = target;

    p->has_default_errno = sg_read_errno(r, v, &p->default_errno);
}

static void read_arch_item(struct sg_read *r, const cJSON *v, size_t i, void *target)
{
    struct sg_seccomp_profile *p = target;
    int a = sg_vocab_arch(v->valuestring);
    char q[128];

    (void)i;
    p->n_architectures++;
    if (a < 0) {
        sg_read_quote(q, sizeof(q), v->valuestring);
        SG_READ_FIND(r, SG_SEV_ERROR, true, "unknown-architecture",
                     "unknown architecture %s: runc refuses the profile (SCMP_ARCH_X86_64, "
                     "SCMP_ARCH_AARCH64, ... are the names)",
                     q);
        return;
    }
    if (sg_vocab_arch_get(a)->token == 0)
        SG_READ_FIND(r, SG_SEV_WARNING, false, "architecture-support",
                     "%s needs libseccomp 2.6: runtimes built with an older one refuse the profile",
                     v->valuestring);
    p->architectures |= UINT32_C(1) << a;
}

static void read_architectures(struct sg_read *r, const cJSON *v, void *target)
{
    sg_read_list(r, v, SG_PROFILE_MAX_LIST, SG_READ_STRING, read_arch_item, target);
}

static void read_archmap_arch(struct sg_read *r, const cJSON *v, void *target)
{
    struct sg_profile_archmap *m = target;
    char q[128];

    m->arch = sg_vocab_arch(v->valuestring);
    if (m->arch < 0) {
        sg_read_quote(q, sizeof(q), v->valuestring);
        SG_READ_FIND(r, SG_SEV_ERROR, true, "unknown-architecture", "unknown architecture %s", q);
    }
}

static void read_subarch_item(struct sg_read *r, const cJSON *v, size_t i, void *target)
{
    struct sg_profile_archmap *m = target;
    int a = sg_vocab_arch(v->valuestring);
    char q[128];

    (void)i;
    if (a < 0) {
        sg_read_quote(q, sizeof(q), v->valuestring);
        SG_READ_FIND(r, SG_SEV_ERROR, true, "unknown-architecture", "unknown architecture %s", q);
        return;
    }
    m->sub |= UINT32_C(1) << a;
}

static void read_subarches(struct sg_read *r, const cJSON *v, void *target)
{
    sg_read_list(r, v, SG_PROFILE_MAX_LIST, SG_READ_STRING, read_subarch_item, target);
}

static const struct sg_read_field archmap_fields[] = {
    {"architecture", SG_READ_STRING, read_archmap_arch},
    {"subArchitectures", SG_READ_LIST, read_subarches},
};

static void read_archmap_item(struct sg_read *r, const cJSON *v, size_t i, void *target)
{
    struct sg_seccomp_profile *p = target;
    struct sg_profile_archmap *m = &p->archmap[i];

    m->arch = -1;
    p->n_archmap = i + 1;
    sg_read_object(r, v, archmap_fields, COUNT(archmap_fields), m);
}

static void read_archmap(struct sg_read *r, const cJSON *v, void *target)
{
    struct sg_seccomp_profile *p = target;

    p->uses_moby = true;
    p->archmap = sg_read_alloc(r, v, SG_PROFILE_MAX_LIST, sizeof(*p->archmap));
    if (p->archmap != NULL)
        sg_read_list(r, v, SG_PROFILE_MAX_LIST, SG_READ_OBJECT, read_archmap_item, p);
}

static void read_flag_item(struct sg_read *r, const cJSON *v, size_t i, void *target)
{
    struct sg_seccomp_profile *p = target;
    int fl = sg_vocab_flag(v->valuestring);
    char q[128];

    (void)i;
    if (fl < 0) {
        sg_read_quote(q, sizeof(q), v->valuestring);
        SG_READ_FIND(r, SG_SEV_ERROR, true, "unknown-flag",
                     "unknown flag %s: runc refuses the profile (SECCOMP_FILTER_FLAG_LOG, "
                     "SECCOMP_FILTER_FLAG_SPEC_ALLOW, ... are the names)",
                     q);
        return;
    }
    if (fl == SG_FLAG_WAIT_KILLABLE_RECV)
        SG_READ_FIND(r, SG_SEV_WARNING, false, "flag-support",
                     "%s needs libseccomp 2.6 and Linux 5.19: runc built with an older libseccomp "
                     "refuses the profile, and so does `profile run` here",
                     v->valuestring);
    p->flags |= UINT32_C(1) << fl;
}

static void read_flags(struct sg_read *r, const cJSON *v, void *target)
{
    struct sg_seccomp_profile *p = target;

    p->flags_given = true;
    sg_read_list(r, v, SG_PROFILE_MAX_LIST, SG_READ_STRING, read_flag_item, target);
}

static void read_listener_path(struct sg_read *r, const cJSON *v, void *target)
{
    struct sg_seccomp_profile *p = target;

    (void)r;
    p->listener_path = v->valuestring[0] != '\0' ? v->valuestring : NULL;
}

static void read_listener_metadata(struct sg_read *r, const cJSON *v, void *target)
{
    struct sg_seccomp_profile *p = target;

    (void)r;
    p->listener_metadata = v->valuestring;
}

/* "comment" is no runtime-spec key; runtimes ignore it, and seccomp-guard
 * reads it as the profile's documentation (moby has it on rules). */
static const struct sg_read_field top_fields[] = {
    {"defaultAction", SG_READ_STRING, read_default_action},
    {"defaultErrnoRet", SG_READ_UINT, read_default_errno},
    {"architectures", SG_READ_LIST, read_architectures},
    {"archMap", SG_READ_LIST, read_archmap},
    {"flags", SG_READ_LIST, read_flags},
    {"listenerPath", SG_READ_STRING, read_listener_path},
    {"listenerMetadata", SG_READ_STRING, read_listener_metadata},
    {"syscalls", SG_READ_LIST, sg_syscall_rule_read_all},
    {"comment", SG_READ_STRING, NULL},
};

/* What runc refuses, or gets wrong, about the profile as a whole. */
static void check_profile(struct sg_read *r, const struct sg_seccomp_profile *p)
{
    size_t mark;

    if (!p->default_given && p->n_rules > 0)
        SG_READ_FIND(r, SG_SEV_ERROR, true, "no-default",
                     "no defaultAction: runc refuses a profile that has rules but no default");
    mark = sg_path_key(&r->path, "defaultAction");
    if (p->has_default && p->default_action == SG_ACT_NOTIFY)
        SG_READ_FIND(r, SG_SEV_ERROR, true, "notify",
                     "SCMP_ACT_NOTIFY as the default action: runc refuses it (the calls it "
                     "makes after loading the filter would wait for an agent)");
    sg_path_pop(&r->path, mark);
    mark = sg_path_key(&r->path, "defaultErrnoRet");
    if (p->has_default_errno && p->has_default && !sg_vocab_action_has_errno(p->default_action))
        SG_READ_FIND(r, SG_SEV_ERROR, false, "errno-action",
                     "defaultErrnoRet with defaultAction %s, which returns no errno: runc ignores "
                     "it; only SCMP_ACT_ERRNO and SCMP_ACT_TRACE carry one",
                     sg_vocab_action_name(p->default_action));
    sg_path_pop(&r->path, mark);
    mark = sg_path_key(&r->path, "archMap");
    if (p->n_archmap > 0 && p->n_architectures > 0)
        SG_READ_FIND(r, SG_SEV_ERROR, true, "archmap-and-architectures",
                     "both architectures and archMap: Docker and CRI-O refuse the profile; keep "
                     "one (containerd reads only architectures)");
    sg_path_pop(&r->path, mark);
}

/* Where the JSON stops being JSON, for a person: line and column. */
static void locate(const char *text, size_t end, size_t *line, size_t *col)
{
    const char *nl = NULL;

    *line = 1;
    for (size_t i = 0; i < end; i++) {
        if (text[i] == '\n') {
            (*line)++;
            nl = text + i;
        }
    }
    *col = nl != NULL ? (size_t)(text + end - nl) : end + 1;
}

static int read_document(const char *text, size_t len, cJSON **root, struct sg_error *err)
{
    /* A key given twice: Go keeps the last, cJSON both; refused. The
     * parser also refuses \u0000, which Go keeps and a C string (runc's
     * way to libseccomp) would end at. */
    static const struct sg_json_options opt = {.unique_keys = true};
    const char *why = NULL;
    size_t end = 0, line, col;
    int rc;

    rc = sg_json_parse(text, len, &opt, root, &end, &why);
    if (rc == 0) {
        /* Go refuses anything but white space after the value. */
        while (end < len && strchr(" \t\r\n", text[end]) != NULL && text[end] != '\0')
            end++;
        if (end < len) {
            cJSON_Delete(*root);
            *root = NULL;
            rc = SG_ERR_INVALID;
            why = "more after the JSON value";
        }
    }
    if (rc < 0) {
        locate(text, end, &line, &col);
        return sg_error_set(err, rc, "line %zu, column %zu: %s", line, col,
                            why != NULL ? why : "not JSON");
    }
    if (!cJSON_IsObject(*root) && !cJSON_IsNull(*root)) {
        rc = sg_error_set(err, SG_ERR_INVALID, "a seccomp profile is a JSON object, not %s",
                          sg_json_type_name(*root));
        cJSON_Delete(*root);
        *root = NULL;
    }
    return rc;
}

int sg_profile_parse(const char *text, size_t len, struct sg_seccomp_profile **out,
                     struct sg_findings *findings, struct sg_error *err)
{
    struct sg_seccomp_profile *p;
    struct sg_read r;
    int rc;

    *out = NULL;
    if (len > SG_PROFILE_MAX_BYTES)
        return sg_error_set(err, SG_ERR_LIMIT, "more than %d bytes: no seccomp profile is that big",
                            SG_PROFILE_MAX_BYTES);
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    rc = read_document(text, len, &p->root, err);
    if (rc < 0)
        goto out;
    /* `null` decodes to nothing at all: no filter, like `{}`. */
    r = (struct sg_read){.p = p, .f = findings, .err = err};
    sg_path_init(&r.path, NULL);
    if (cJSON_IsObject(p->root))
        sg_read_object(&r, p->root, top_fields, COUNT(top_fields), p);
    if (r.rc == 0) {
        check_profile(&r, p);
        sg_syscall_rule_check_all(&r, p);
    }
    rc = r.rc;
    if (rc == 0) {
        *out = p;
        p = NULL;
    }
out:
    sg_profile_free(p);
    return rc;
}

void sg_profile_free(struct sg_seccomp_profile *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n_rules; i++) {
        free(p->rules[i].names);
        free(p->rules[i].args);
    }
    free(p->rules);
    free(p->archmap);
    cJSON_Delete(p->root);
    free(p);
}

bool sg_profile_no_filter(const struct sg_seccomp_profile *p)
{
    return !p->default_given && p->n_rules == 0;
}

static bool kernel_at_least(const struct sg_profile_env *env, const unsigned v[2])
{
    return env->kernel[0] > v[0] || (env->kernel[0] == v[0] && env->kernel[1] >= v[1]);
}

/* moby's setupSeccomp: an excludes that matches drops the rule, then each
 * part of includes must match. Capabilities are of the bounding set. */
enum sg_applies sg_profile_rule_applies(const struct sg_profile_rule *r,
                                        const struct sg_profile_env *env)
{
    const struct sg_profile_cond *ex = &r->excludes, *in = &r->includes;
    uint32_t native = env->arch >= 0 ? UINT32_C(1) << env->arch : 0;
    bool maybe = false;

    if (ex->present) {
        if (ex->n_arches > 0 && (ex->arches & native) != 0)
            return SG_APPLIES_NO;
        if (ex->caps != 0 && !env->caps_known)
            maybe = true;
        else if ((ex->caps & env->caps) != 0)
            return SG_APPLIES_NO;
        if (ex->has_min_kernel && !env->kernel_known)
            maybe = true;
        else if (ex->has_min_kernel && kernel_at_least(env, ex->min_kernel))
            return SG_APPLIES_NO;
    }
    if (in->present) {
        if (in->n_arches > 0 && (in->arches & native) == 0)
            return SG_APPLIES_NO;
        if (in->caps_never)
            return SG_APPLIES_NO;
        if (in->n_caps > 0 && !env->caps_known)
            maybe = true;
        else if ((in->caps & env->caps) != in->caps)
            return SG_APPLIES_NO;
        if (in->has_min_kernel && !env->kernel_known)
            maybe = true;
        else if (in->has_min_kernel && !kernel_at_least(env, in->min_kernel))
            return SG_APPLIES_NO;
    }
    return maybe ? SG_APPLIES_MAYBE : SG_APPLIES_YES;
}

uint32_t sg_profile_arches(const struct sg_seccomp_profile *p, const struct sg_profile_env *env)
{
    uint32_t bits = p->architectures;

    if (env->arch < 0)
        return bits;
    bits |= UINT32_C(1) << env->arch;
    for (size_t i = 0; i < p->n_archmap; i++) {
        if (p->archmap[i].arch == env->arch) {
            bits |= p->archmap[i].sub;
            break;
        }
    }
    return bits;
}

unsigned sg_profile_rule_errno(const struct sg_profile_rule *r)
{
    return r->has_errno ? r->errno_ret : SG_ERRNO_DEFAULT;
}

unsigned sg_profile_default_errno(const struct sg_seccomp_profile *p)
{
    return p->has_default_errno ? p->default_errno : SG_ERRNO_DEFAULT;
}
