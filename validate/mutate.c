/* mutate.c - see mutate.h.
 *
 * What counts as a user's explicit choice, never overridden: any
 * seccompProfile on the pod or a container; a legacy pod annotation that
 * says something other than the default (injecting a field that disagrees
 * with it would make the API server refuse the pod); any capabilities.drop
 * list, even an empty one; privileged containers. */
#include "mutate.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "capability.h"
#include "fmt.h"

void sg_mutation_init(struct sg_mutation *m)
{
    memset(m, 0, sizeof(*m));
    sg_patch_init(&m->patch);
}

void sg_mutation_release(struct sg_mutation *m)
{
    sg_patch_release(&m->patch);
    sg_mutation_init(m);
}

/* {"type": "RuntimeDefault"} or {"type": "Localhost", "localhostProfile": ...} */
static cJSON *profile_value(const struct sg_effective *eff)
{
    cJSON *v = cJSON_CreateObject();

    if (v == NULL)
        return NULL;
    if (eff->default_profile == SG_PROFILE_LOCALHOST) {
        if (cJSON_AddStringToObject(v, "type", "Localhost") == NULL ||
            cJSON_AddStringToObject(v, "localhostProfile", eff->default_localhost) == NULL)
            goto fail;
    } else if (cJSON_AddStringToObject(v, "type", "RuntimeDefault") == NULL) {
        goto fail;
    }
    return v;
fail:
    cJSON_Delete(v);
    return NULL;
}

/* Wraps `value` in objects named by `keys` (innermost last): wrap(v, {"a",
 * "b"}) is {"a": {"b": v}}. Takes ownership of value. */
static cJSON *wrap(cJSON *value, const char *const *keys, size_t n)
{
    for (size_t i = n; i > 0 && value != NULL; i--) {
        cJSON *outer = cJSON_CreateObject();
        if (outer == NULL) {
            cJSON_Delete(value);
            return NULL;
        }
        cJSON_AddItemToObject(outer, keys[i - 1], value);
        value = outer;
    }
    return value;
}

/* The legacy pod annotation says the same as the default profile, so a
 * field with the default agrees with it. */
static bool annotation_agrees(const char *annotation, const struct sg_effective *eff)
{
    const char *path = NULL;
    enum sg_seccomp_type t = sg_seccomp_annotation_type(annotation, &path);

    if (eff->default_profile == SG_PROFILE_RUNTIME_DEFAULT)
        return t == SG_SECCOMP_RUNTIME_DEFAULT;
    return t == SG_SECCOMP_LOCALHOST && strcmp(path, eff->default_localhost) == 0;
}

static int plan_seccomp(const struct sg_pod *pod, const struct sg_effective *eff,
                        struct sg_mutation *out)
{
    static const char *const sc_keys[] = {"seccompProfile"};
    char pointer[SG_POINTER_MAX];
    bool needed = false;
    cJSON *value;
    int rc;

    if (eff->default_profile == SG_PROFILE_NONE || pod->seccomp.type != SG_SECCOMP_UNSET)
        return 0;
    /* A profile the folder now knows as permissive is never injected: the
     * pod is judged as it came (seccomp-unset), not made Unconfined in all
     * but name. The reload that learnt it says so (profileset.h). */
    if (eff->default_profile == SG_PROFILE_LOCALHOST && eff->known != NULL) {
        const struct sg_known_profile *k = sg_known_find(eff->known, eff->default_localhost);
        if (k != NULL && k->kind != SG_KNOWN_ENFORCING)
            return 0;
    }
    if (pod->annotation != NULL && !annotation_agrees(pod->annotation, eff))
        return 0;
    for (size_t i = 0; i < pod->n_containers && !needed; i++)
        needed = pod->containers[i].seccomp.type == SG_SECCOMP_UNSET;
    if (!needed)
        return 0;
    sg_fmt_snprintf(pointer, sizeof(pointer), "%s", pod->spec_pointer);
    sg_patch_pointer_append(pointer, sizeof(pointer), "securityContext");
    value = profile_value(eff);
    if (pod->psc == NULL)
        value = wrap(value, sc_keys, 1);
    else
        sg_patch_pointer_append(pointer, sizeof(pointer), "seccompProfile");
    rc = sg_patch_add(&out->patch, pointer, value);
    if (rc == 0)
        out->seccomp = true;
    return rc;
}

/* The capabilities a list names, as the runtime reads them. */
static uint64_t caps_of(const cJSON *list)
{
    uint64_t mask = 0;

    if (list == NULL)
        return 0;
    for (const cJSON *it = list->child; it != NULL; it = it->next) {
        if (cJSON_IsString(it) && it->valuestring != NULL) {
            int cap = sg_cap_resolve(it->valuestring, strlen(it->valuestring), NULL);
            if (cap >= 0)
                mask |= sg_cap_bit(cap);
        }
    }
    return mask;
}

/* Appends the capabilities of `mask` that `list` lacks, canonical names,
 * in kernel order. Returns the names added, or -1 out of memory. */
static int append_caps(cJSON *list, uint64_t mask, uint64_t present)
{
    int added = 0;

    for (int cap = 0; cap < SG_CAP_COUNT; cap++) {
        cJSON *name;
        if (!(mask & sg_cap_bit(cap)) || (present & sg_cap_bit(cap)))
            continue;
        name = cJSON_CreateString(sg_cap_name(cap));
        if (name == NULL)
            return -1;
        cJSON_AddItemToArray(list, name);
        added++;
    }
    return added;
}

/* A container that drops something already gets the names the policy
 * requires dropped that it lacks, each appended ("drop/-"): the list is
 * the user's choice and stays, it only grows. */
static int plan_required(const struct sg_pod *pod, const struct sg_container *c, uint64_t required,
                         struct sg_mutation *out)
{
    char pointer[SG_POINTER_MAX], base[SG_POINTER_MAX], index[32];
    uint64_t dropped = caps_of(c->drop);
    int rc;

    if (dropped & SG_CAP_ALL_BIT)
        return 0;
    required &= ~dropped;
    if (required == 0)
        return 0;
    sg_fmt_snprintf(base, sizeof(base), "%s", pod->spec_pointer);
    sg_patch_pointer_append(base, sizeof(base), sg_list_key(c->list));
    sg_fmt_snprintf(index, sizeof(index), "%zu", c->index);
    sg_patch_pointer_append(base, sizeof(base), index);
    sg_patch_pointer_append(base, sizeof(base), "securityContext");
    sg_patch_pointer_append(base, sizeof(base), "capabilities");
    sg_patch_pointer_append(base, sizeof(base), "drop");
    for (int cap = 0; cap < SG_CAP_COUNT; cap++) {
        if (!(required & sg_cap_bit(cap)))
            continue;
        sg_fmt_snprintf(pointer, sizeof(pointer), "%s/-", base);
        rc = sg_patch_add(&out->patch, pointer, cJSON_CreateString(sg_cap_name(cap)));
        if (rc < 0)
            return rc;
    }
    out->required_count++;
    return 0;
}

static int plan_drop(const struct sg_pod *pod, const struct sg_container *c,
                     const struct sg_effective *eff, struct sg_mutation *out)
{
    static const char *const keys[] = {"securityContext", "capabilities", "drop"};
    struct sg_effective ceff;
    const struct sg_effective *own;
    char pointer[SG_POINTER_MAX];
    char index[32];
    uint64_t adds, required, present = 0;
    cJSON *list;
    size_t depth;

    if (c->privileged == 1 || c->list == SG_LIST_EPHEMERAL)
        return 0;
    adds = caps_of(c->add);
    /* Runtimes drop ALL before they add, but drop single names after: a
     * name the container adds must not be dropped again, or the patch
     * would undo the user's choice. A container that adds ALL chose. */
    if (adds & SG_CAP_ALL_BIT)
        return 0;
    /* An image exemption that lifts the rule lifts the injection too. */
    own = sg_policy_for_container(eff, c->name, c->image, &ceff) ? &ceff : eff;
    required =
        own->action[SG_RULE_CAP_REQUIRED_DROP] == SG_ACTION_ALLOW ? 0 : eff->required_drop & ~adds;
    if (c->drop != NULL)
        return plan_required(pod, c, required, out);
    list = cJSON_CreateArray();
    if (list == NULL)
        return SG_ERR_NOMEM;
    for (size_t i = 0; i < eff->n_default_drop; i++) {
        int cap = eff->default_drop[i];
        if (cap != SG_CAP_ALL && (adds & sg_cap_bit(cap)))
            continue;
        cJSON *name = cJSON_CreateString(sg_cap_name(cap));
        if (name == NULL) {
            cJSON_Delete(list);
            return SG_ERR_NOMEM;
        }
        cJSON_AddItemToArray(list, name);
        present |= sg_cap_bit(cap);
    }
    if ((present & SG_CAP_ALL_BIT) == 0 && append_caps(list, required, present) < 0) {
        cJSON_Delete(list);
        return SG_ERR_NOMEM;
    }
    if (cJSON_GetArraySize(list) == 0) {
        cJSON_Delete(list);
        return 0;
    }
    sg_fmt_snprintf(pointer, sizeof(pointer), "%s", pod->spec_pointer);
    sg_patch_pointer_append(pointer, sizeof(pointer), sg_list_key(c->list));
    sg_fmt_snprintf(index, sizeof(index), "%zu", c->index);
    sg_patch_pointer_append(pointer, sizeof(pointer), index);
    /* Create only the parents that are missing. */
    depth = c->sc == NULL ? 0 : c->caps == NULL ? 1 : 2;
    for (size_t i = 0; i <= depth; i++)
        sg_patch_pointer_append(pointer, sizeof(pointer), keys[i]);
    out->drop_count++;
    return sg_patch_add(&out->patch, pointer, wrap(list, keys + depth + 1, 2 - depth));
}

int sg_mutate_plan(const struct sg_pod *pod, const struct sg_effective *eff,
                   struct sg_mutation *out)
{
    int rc;

    if (pod->spec == NULL || pod->windows)
        return 0;
    rc = plan_seccomp(pod, eff, out);
    if (rc < 0)
        return rc;
    if (eff->n_default_drop == 0 && eff->required_drop == 0)
        return 0;
    for (size_t i = 0; i < pod->n_containers; i++) {
        rc = plan_drop(pod, &pod->containers[i], eff, out);
        if (rc < 0)
            return rc;
    }
    return 0;
}

void sg_mutate_describe(const struct sg_mutation *m, const struct sg_effective *eff,
                        struct sg_buf *b)
{
    if (m->seccomp) {
        if (eff->default_profile == SG_PROFILE_LOCALHOST)
            sg_buf_addf(b, "seccompProfile=Localhost/%s", eff->default_localhost);
        else
            sg_buf_adds(b, "seccompProfile=RuntimeDefault");
    }
    if (m->drop_count > 0) {
        uint64_t listed = 0;
        size_t n = 0;
        sg_buf_adds(b, m->seccomp ? "; capabilities.drop=[" : "capabilities.drop=[");
        for (size_t i = 0; i < eff->n_default_drop; i++) {
            sg_buf_addf(b, "%s%s", n++ ? "," : "", sg_cap_name(eff->default_drop[i]));
            listed |= sg_cap_bit(eff->default_drop[i]);
        }
        /* The required names the list was given too (see plan_drop). */
        for (int cap = 0; cap < SG_CAP_COUNT && !(listed & SG_CAP_ALL_BIT); cap++) {
            if ((eff->required_drop & sg_cap_bit(cap)) && !(listed & sg_cap_bit(cap)))
                sg_buf_addf(b, "%s%s", n++ ? "," : "", sg_cap_name(cap));
        }
        sg_buf_addf(b, "] on %zu container%s", m->drop_count, m->drop_count == 1 ? "" : "s");
    }
    if (m->required_count > 0) {
        sg_buf_adds(b, m->seccomp || m->drop_count ? "; capabilities.drop+=["
                                                   : "capabilities.drop+=[");
        for (int cap = 0, n = 0; cap < SG_CAP_COUNT; cap++) {
            if (eff->required_drop & sg_cap_bit(cap))
                sg_buf_addf(b, "%s%s", n++ ? "," : "", sg_cap_name(cap));
        }
        sg_buf_addf(b, "] on %zu container%s", m->required_count,
                    m->required_count == 1 ? "" : "s");
    }
}
