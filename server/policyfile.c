/* policyfile.c - see policyfile.h. */
#include "policyfile.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dir.h"
#include "file.h"
#include "profileset.h"

struct sg_policyfile {
    char *path;
    struct sg_snapshot_slot slot;
    bool slot_ready;
    struct sg_file_id id;    /* the policy file the last attempt saw */
    struct sg_dir_list seen; /* the profiles the last attempt saw */
    bool seen_failed;        /* the last attempt could not list the folder */
    char folder[PATH_MAX];   /* the folder of the policy in force, or "" */
    char warning[512];
    struct sg_policyfile_status status;
};

static void policy_free(void *p)
{
    sg_policy_free(p);
}

int sg_policyfile_new(const char *path, struct sg_policyfile **out, struct sg_error *err)
{
    struct sg_policyfile *pf;
    bool reloaded;
    int rc;

    *out = NULL;
    pf = calloc(1, sizeof(*pf));
    if (pf == NULL)
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    pf->path = strdup(path);
    if (pf->path == NULL) {
        rc = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        goto out;
    }
    rc = sg_snapshot_slot_init(&pf->slot, policy_free);
    if (rc != 0) {
        sg_error_set(err, rc, "cannot create the policy slot");
        goto out;
    }
    pf->slot_ready = true;
    rc = sg_policyfile_reload(pf, true, &reloaded, err);
    if (rc != 0)
        goto out;
    *out = pf;
    pf = NULL;
out:
    sg_policyfile_free(pf);
    return rc;
}

/* Whether the profiles folder of the policy in force changed since the
 * last attempt: listing it is a stat(2) per file, once a second. A folder
 * that cannot be listed counts as a change once, not every second. */
static bool profiles_changed(struct sg_policyfile *pf)
{
    struct sg_dir_list now = {0};
    struct sg_error ignored;
    bool failed, changed;

    if (pf->folder[0] == '\0')
        return false;
    failed = sg_profileset_list(pf->folder, &now, &ignored) < 0;
    changed = failed != pf->seen_failed || (!failed && !sg_dir_list_equal(&now, &pf->seen));
    sg_dir_list_release(&pf->seen);
    pf->seen = now;
    pf->seen_failed = failed;
    return changed;
}

/* Reads the file and its folder into a new policy; *in_profiles says
 * whether an error came from the folder. */
static int load(struct sg_policyfile *pf, struct sg_policy **out, struct sg_profileset_info *info,
                bool *in_profiles, struct sg_error *err)
{
    char *yaml = NULL;
    size_t len;
    int rc;

    *in_profiles = false;
    rc = sg_file_read(pf->path, SG_POLICY_MAX_BYTES, &yaml, &len, NULL, err);
    if (rc == 0)
        rc = sg_profileset_policy(pf->path, pf->path, yaml, len, NULL, out, info, in_profiles, err);
    free(yaml);
    return rc;
}

static void adopt(struct sg_policyfile *pf, struct sg_profileset_info *info)
{
    snprintf(pf->folder, sizeof(pf->folder), "%s", info->has_folder ? info->folder : "");
    snprintf(pf->warning, sizeof(pf->warning), "%s", info->warning);
    /* What was read is what the next change is measured from. */
    sg_dir_list_release(&pf->seen);
    pf->seen = info->listing;
    pf->seen_failed = false;
    info->listing = (struct sg_dir_list){0};
    pf->status = (struct sg_policyfile_status){false,      info->has_folder,   pf->folder,
                                               info->n,    info->n_permissive, info->n_dangerous,
                                               pf->warning};
}

int sg_policyfile_reload(struct sg_policyfile *pf, bool force, bool *reloaded, struct sg_error *err)
{
    struct sg_profileset_info info = {0};
    struct sg_policy *policy = NULL;
    struct sg_file_id now;
    bool changed, in_profiles;
    int rc;

    *reloaded = false;
    sg_file_id_of(pf->path, &now);
    changed = force || !sg_file_id_equal(&now, &pf->id);
    /* Listed even when the file changed, so that a broken folder is
     * retried when it changes, not once a second. */
    changed = profiles_changed(pf) || changed;
    if (!changed)
        return 0;
    pf->id = now;
    rc = load(pf, &policy, &info, &in_profiles, err);
    pf->status.profiles_failed = rc != 0 && in_profiles;
    if (rc != 0)
        goto out;
    rc = sg_snapshot_slot_set(&pf->slot, policy);
    if (rc != 0) {
        sg_error_set(err, rc, "out of memory installing the policy from '%s'", pf->path);
        goto out;
    }
    adopt(pf, &info);
    *reloaded = true;
out:
    sg_profileset_info_release(&info);
    return rc;
}

const struct sg_policyfile_status *sg_policyfile_status(const struct sg_policyfile *pf)
{
    return &pf->status;
}

struct sg_snapshot *sg_policyfile_acquire(struct sg_policyfile *pf)
{
    return sg_snapshot_acquire(&pf->slot);
}

const char *sg_policyfile_path(const struct sg_policyfile *pf)
{
    return pf->path;
}

void sg_policyfile_free(struct sg_policyfile *pf)
{
    if (pf == NULL)
        return;
    if (pf->slot_ready)
        sg_snapshot_slot_release(&pf->slot);
    sg_dir_list_release(&pf->seen);
    free(pf->path);
    free(pf);
}
