/* profileset.c - see profileset.h. */
#include "profileset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "lint.h"
#include "profile.h"

/* The first finding that is fatal (`fatal`) or an error, as "path: message"
 * into out->note; false when there is none. */
static bool first_error(const struct sg_findings *f, bool fatal, struct sg_profileset_judged *out)
{
    for (size_t i = 0; i < f->n; i++) {
        const struct sg_finding *x = &f->items[i];
        if (fatal ? x->fatal : x->severity == SG_SEV_ERROR) {
            snprintf(out->note, sizeof(out->note), "%s%s%s", x->path, x->path[0] ? ": " : "",
                     x->message);
            return true;
        }
    }
    return false;
}

/* The first fatal finding, for the error: what makes runc refuse it. */
static int refuse(const char *name, const struct sg_findings *f, struct sg_profileset_judged *out,
                  struct sg_error *err)
{
    out->refused = true;
    if (first_error(f, true, out))
        return sg_error_set(err, SG_ERR_INVALID,
                            "%s: %s (the runtime would refuse this profile, or read it "
                            "otherwise than seccomp-guard)",
                            name, out->note);
    return sg_error_set(err, SG_ERR_INVALID, "%s: the runtime would refuse this profile", name);
}

static void list_dangerous(const struct sg_lint *lint, char *out, size_t cap)
{
    size_t n = 0;

    out[0] = '\0';
    for (size_t i = 0; i < lint->n_dangerous && n < cap; i++) {
        int w = snprintf(out + n, cap - n, "%s%s", i ? ", " : "", lint->dangerous[i]);
        if (w < 0 || (size_t)w >= cap - n) {
            snprintf(out + n, cap - n, ", ...");
            break;
        }
        n += (size_t)w;
    }
}

int sg_profileset_judge(const char *name, const char *text, size_t len,
                        struct sg_profileset_judged *out, struct sg_error *err)
{
    struct sg_profile_env env = {.arch = sg_vocab_arch_native()};
    struct sg_seccomp_profile *p = NULL;
    struct sg_findings f;
    struct sg_lint lint;
    int rc;

    memset(out, 0, sizeof(*out));
    sg_findings_init(&f);
    rc = sg_profile_parse(text, len, &p, &f, err);
    if (rc < 0) {
        sg_error_prefix(err, "%s", name);
        goto out;
    }
    rc = sg_lint_run(p, &env, &lint, &f, err);
    if (rc < 0)
        goto out;
    if (lint.refused || f.nomem) {
        rc =
            f.nomem ? sg_error_set(err, SG_ERR_NOMEM, "out of memory") : refuse(name, &f, out, err);
        goto out;
    }
    out->kind = lint.verdict == SG_LINT_PERMISSIVE   ? SG_KNOWN_PERMISSIVE
                : lint.verdict == SG_LINT_UNCONFINED ? SG_KNOWN_UNCONFINED
                                                     : SG_KNOWN_ENFORCING;
    snprintf(out->why, sizeof(out->why), "%s", lint.summary);
    list_dangerous(&lint, out->dangerous, sizeof(out->dangerous));
    first_error(&f, false, out);
out:
    sg_profile_free(p);
    sg_findings_release(&f);
    return rc;
}

static int load_one(struct sg_known *k, const char *folder, const char *node_folder,
                    const char *rel, size_t *budget, struct sg_error *err)
{
    char path[PATH_MAX], key[SG_KNOWN_KEY_MAX];
    struct sg_profileset_judged j;
    char *text = NULL;
    size_t len;
    int rc;

    if ((size_t)snprintf(path, sizeof(path), "%s/%s", folder, rel) >= sizeof(path) ||
        (size_t)snprintf(key, sizeof(key), "%s/%s", node_folder, rel) >= sizeof(key))
        return sg_error_set(err, SG_ERR_LIMIT, "%s/%s: the path is too long", folder, rel);
    rc = sg_file_read(path, SG_PROFILE_MAX_BYTES < *budget ? SG_PROFILE_MAX_BYTES : *budget, &text,
                      &len, NULL, err);
    if (rc == SG_ERR_LIMIT)
        sg_error_prefix(err, "the profiles hold more than %d bytes, or one is over %d",
                        SG_PROFILESET_MAX_BYTES, SG_PROFILE_MAX_BYTES);
    if (rc < 0)
        return rc;
    *budget -= len;
    rc = sg_profileset_judge(path, text, len, &j, err);
    free(text);
    if (rc < 0)
        return rc;
    return sg_known_add(k, &(struct sg_known_profile){key, j.kind, j.why, j.dangerous}, err);
}

int sg_profileset_list(const char *folder, struct sg_dir_list *out, struct sg_error *err)
{
    return sg_dir_list(folder, SG_PROFILESET_SUFFIX, out, err);
}

int sg_profileset_load(const char *folder, const char *node_folder, struct sg_known **out,
                       struct sg_dir_list *listing, struct sg_error *err)
{
    struct sg_dir_list files = {0};
    struct sg_known *k = NULL;
    size_t budget = SG_PROFILESET_MAX_BYTES;
    int rc;

    *out = NULL;
    rc = sg_profileset_list(folder, &files, err);
    if (rc < 0) {
        sg_error_prefix(err, "profiles folder");
        goto out;
    }
    rc = sg_known_new(folder, &k, err);
    for (size_t i = 0; rc == 0 && i < files.n; i++)
        rc = load_one(k, folder, node_folder, files.items[i].rel, &budget, err);
    if (rc < 0)
        goto out;
    sg_known_seal(k);
    *out = k;
    k = NULL;
    if (listing != NULL) {
        *listing = files;
        files = (struct sg_dir_list){0};
    }
out:
    sg_known_free(k);
    sg_dir_list_release(&files);
    return rc;
}

/* A relative folder is relative to the policy file's own folder: in a
 * cluster both are mounted side by side (/etc/seccomp-guard/policy and
 * /etc/seccomp-guard/profiles), in a checkout they sit in manifests/. */
static int resolve(const char *policy_path, const char *folder, char *out, size_t cap,
                   struct sg_error *err)
{
    const char *slash = policy_path ? strrchr(policy_path, '/') : NULL;
    int n;

    if (folder[0] == '/' || slash == NULL || strcmp(policy_path, "-") == 0)
        n = snprintf(out, cap, "%s", folder);
    else
        n = snprintf(out, cap, "%.*s/%s", (int)(slash - policy_path), policy_path, folder);
    if (n < 0 || (size_t)n >= cap)
        return sg_error_set(err, SG_ERR_LIMIT, "profiles folder '%s': the path is too long",
                            folder);
    return 0;
}

static void count(const struct sg_policy *policy, const struct sg_known *k,
                  struct sg_profileset_info *info)
{
    const char *injected;
    size_t iter = 0;

    for (size_t i = 0; i < sg_known_count(k); i++) {
        const struct sg_known_profile *p = sg_known_at(k, i);
        info->n++;
        info->n_permissive += p->kind != SG_KNOWN_ENFORCING;
        info->n_dangerous += p->kind == SG_KNOWN_ENFORCING && p->dangerous[0] != '\0';
    }
    while ((injected = sg_policy_next_injected(policy, &iter)) != NULL) {
        const struct sg_known_profile *p = sg_known_find(k, injected);
        if (p != NULL && p->kind != SG_KNOWN_ENFORCING)
            snprintf(info->warning, sizeof(info->warning),
                     "the policy injects Localhost profile '%s', which is %s (%s): mutation "
                     "injects nothing until it enforces",
                     injected, sg_known_kind_name(p->kind), p->why);
    }
}

int sg_profileset_attach(struct sg_policy *policy, const char *policy_path, const char *override,
                         struct sg_profileset_info *info, struct sg_error *err)
{
    struct sg_profileset_info scratch;
    const char *folder = override ? override : sg_policy_profiles_folder(policy);
    struct sg_known *k = NULL;
    int rc;

    if (info == NULL)
        info = &scratch;
    memset(info, 0, sizeof(*info));
    if (folder == NULL)
        return 0;
    rc = resolve(override ? NULL : policy_path, folder, info->folder, sizeof(info->folder), err);
    if (rc < 0)
        return rc;
    info->has_folder = true;
    rc = sg_profileset_load(info->folder, sg_policy_profiles_node_folder(policy), &k,
                            &info->listing, err);
    if (rc < 0)
        return rc;
    count(policy, k, info);
    sg_policy_set_known(policy, k);
    if (info == &scratch)
        sg_profileset_info_release(info);
    return 0;
}

void sg_profileset_info_release(struct sg_profileset_info *info)
{
    sg_dir_list_release(&info->listing);
}

int sg_profileset_policy(const char *path, const char *name, const char *yaml, size_t len,
                         const char *override, struct sg_policy **out,
                         struct sg_profileset_info *info, bool *in_profiles, struct sg_error *err)
{
    int rc = yaml ? sg_policy_parse(name, yaml, len, out, err) : sg_policy_default(out, err);

    if (in_profiles != NULL)
        *in_profiles = false;
    if (rc != 0)
        return rc;
    rc = sg_profileset_attach(*out, path, override, info, err);
    if (rc != 0) {
        if (in_profiles != NULL)
            *in_profiles = true;
        sg_policy_free(*out);
        *out = NULL;
    }
    return rc;
}
