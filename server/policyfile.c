/* policyfile.c - see policyfile.h. */
#include "policyfile.h"

#include <stdlib.h>
#include <string.h>

#include "file.h"

struct sg_policyfile {
    char *path;
    struct sg_snapshot_slot slot;
    bool slot_ready;
    struct sg_file_id id; /* what the last attempt saw */
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

int sg_policyfile_reload(struct sg_policyfile *pf, bool force, bool *reloaded, struct sg_error *err)
{
    struct sg_file_id now;
    struct sg_policy *policy = NULL;
    char *yaml = NULL;
    size_t len;
    int rc;

    *reloaded = false;
    sg_file_id_of(pf->path, &now);
    if (!force && sg_file_id_equal(&now, &pf->id))
        return 0;
    pf->id = now;
    rc = sg_file_read(pf->path, SG_POLICY_MAX_BYTES, &yaml, &len, NULL, err);
    if (rc != 0)
        goto out;
    rc = sg_policy_parse(pf->path, yaml, len, &policy, err);
    if (rc != 0)
        goto out;
    rc = sg_snapshot_slot_set(&pf->slot, policy);
    if (rc != 0) {
        sg_error_set(err, rc, "out of memory installing the policy from '%s'", pf->path);
        goto out;
    }
    *reloaded = true;
out:
    free(yaml);
    return rc;
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
    free(pf->path);
    free(pf);
}
