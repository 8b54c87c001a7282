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
#include "json.h"

void sg_patch_init(struct sg_patch *p)
{
    memset(p, 0, sizeof(*p));
}

void sg_patch_release(struct sg_patch *p)
{
    for (size_t i = 0; i < p->n; i++)
        cJSON_Delete(p->ops[i].value);
    free(p->ops);
    sg_patch_init(p);
}

void sg_pointer_append(char *pointer, size_t cap, const char *token)
{
    size_t o = strlen(pointer);

    if (o + 1 >= cap)
        return;
    pointer[o++] = '/';
    for (const char *t = token; *t != '\0' && o + 2 < cap; t++) {
        if (*t == '~' || *t == '/') {
            pointer[o++] = '~';
            pointer[o++] = *t == '~' ? '0' : '1';
        } else {
            pointer[o++] = *t;
        }
    }
    pointer[o] = '\0';
}

static int add_op(struct sg_patch *p, const char *pointer, cJSON *value)
{
    struct sg_patch_op *ops;

    if (value == NULL)
        return SG_ERR_NOMEM;
    ops = realloc(p->ops, (p->n + 1) * sizeof(*ops));
    if (ops == NULL) {
        cJSON_Delete(value);
        return SG_ERR_NOMEM;
    }
    p->ops = ops;
    sg_snprintf(ops[p->n].path, sizeof(ops[p->n].path), "%s", pointer);
    ops[p->n].value = value;
    p->n++;
    return 0;
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
                        struct sg_patch *out)
{
    static const char *const sc_keys[] = {"seccompProfile"};
    char pointer[SG_POINTER_MAX];
    bool needed = false;
    cJSON *value;
    int rc;

    if (eff->default_profile == SG_PROFILE_NONE || pod->seccomp.type != SG_SECCOMP_UNSET)
        return 0;
    if (pod->annotation != NULL && !annotation_agrees(pod->annotation, eff))
        return 0;
    for (size_t i = 0; i < pod->n_containers && !needed; i++)
        needed = pod->containers[i].seccomp.type == SG_SECCOMP_UNSET;
    if (!needed)
        return 0;
    sg_snprintf(pointer, sizeof(pointer), "%s", pod->spec_pointer);
    sg_pointer_append(pointer, sizeof(pointer), "securityContext");
    value = profile_value(eff);
    if (pod->psc == NULL)
        value = wrap(value, sc_keys, 1);
    else
        sg_pointer_append(pointer, sizeof(pointer), "seccompProfile");
    rc = add_op(out, pointer, value);
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
                         struct sg_patch *out)
{
    char pointer[SG_POINTER_MAX], base[SG_POINTER_MAX], index[32];
    uint64_t dropped = caps_of(c->drop);
    int rc;

    if (dropped & SG_CAP_ALL_BIT)
        return 0;
    required &= ~dropped;
    if (required == 0)
        return 0;
    sg_snprintf(base, sizeof(base), "%s", pod->spec_pointer);
    sg_pointer_append(base, sizeof(base), sg_list_key(c->list));
    sg_snprintf(index, sizeof(index), "%zu", c->index);
    sg_pointer_append(base, sizeof(base), index);
    sg_pointer_append(base, sizeof(base), "securityContext");
    sg_pointer_append(base, sizeof(base), "capabilities");
    sg_pointer_append(base, sizeof(base), "drop");
    for (int cap = 0; cap < SG_CAP_COUNT; cap++) {
        if (!(required & sg_cap_bit(cap)))
            continue;
        sg_snprintf(pointer, sizeof(pointer), "%s/-", base);
        rc = add_op(out, pointer, cJSON_CreateString(sg_cap_name(cap)));
        if (rc < 0)
            return rc;
    }
    out->required_count++;
    return 0;
}

static int plan_drop(const struct sg_pod *pod, const struct sg_container *c,
                     const struct sg_effective *eff, struct sg_patch *out)
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
    sg_snprintf(pointer, sizeof(pointer), "%s", pod->spec_pointer);
    sg_pointer_append(pointer, sizeof(pointer), sg_list_key(c->list));
    sg_snprintf(index, sizeof(index), "%zu", c->index);
    sg_pointer_append(pointer, sizeof(pointer), index);
    /* Create only the parents that are missing. */
    depth = c->sc == NULL ? 0 : c->caps == NULL ? 1 : 2;
    for (size_t i = 0; i <= depth; i++)
        sg_pointer_append(pointer, sizeof(pointer), keys[i]);
    out->drop_count++;
    return add_op(out, pointer, wrap(list, keys + depth + 1, 2 - depth));
}

int sg_mutate_plan(const struct sg_pod *pod, const struct sg_effective *eff, struct sg_patch *out)
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

void sg_patch_write(const struct sg_patch *p, struct sg_buf *b)
{
    sg_buf_addc(b, '[');
    for (size_t i = 0; i < p->n; i++) {
        char *value = cJSON_PrintUnformatted(p->ops[i].value);
        if (value == NULL) {
            b->failed = true;
            return;
        }
        sg_buf_adds(b, i ? ",{\"op\":\"add\",\"path\":" : "{\"op\":\"add\",\"path\":");
        sg_json_write_string(b, p->ops[i].path);
        sg_buf_adds(b, ",\"value\":");
        sg_buf_adds(b, value);
        sg_buf_addc(b, '}');
        cJSON_free(value);
    }
    sg_buf_addc(b, ']');
}

void sg_patch_describe(const struct sg_patch *p, const struct sg_effective *eff, struct sg_buf *b)
{
    if (p->seccomp) {
        if (eff->default_profile == SG_PROFILE_LOCALHOST)
            sg_buf_addf(b, "seccompProfile=Localhost/%s", eff->default_localhost);
        else
            sg_buf_adds(b, "seccompProfile=RuntimeDefault");
    }
    if (p->drop_count > 0) {
        uint64_t listed = 0;
        size_t n = 0;
        sg_buf_adds(b, p->seccomp ? "; capabilities.drop=[" : "capabilities.drop=[");
        for (size_t i = 0; i < eff->n_default_drop; i++) {
            sg_buf_addf(b, "%s%s", n++ ? "," : "", sg_cap_name(eff->default_drop[i]));
            listed |= sg_cap_bit(eff->default_drop[i]);
        }
        /* The required names the list was given too (see plan_drop). */
        for (int cap = 0; cap < SG_CAP_COUNT && !(listed & SG_CAP_ALL_BIT); cap++) {
            if ((eff->required_drop & sg_cap_bit(cap)) && !(listed & sg_cap_bit(cap)))
                sg_buf_addf(b, "%s%s", n++ ? "," : "", sg_cap_name(cap));
        }
        sg_buf_addf(b, "] on %zu container%s", p->drop_count, p->drop_count == 1 ? "" : "s");
    }
    if (p->required_count > 0) {
        sg_buf_adds(b, p->seccomp || p->drop_count ? "; capabilities.drop+=["
                                                   : "capabilities.drop+=[");
        for (int cap = 0, n = 0; cap < SG_CAP_COUNT; cap++) {
            if (eff->required_drop & sg_cap_bit(cap))
                sg_buf_addf(b, "%s%s", n++ ? "," : "", sg_cap_name(cap));
        }
        sg_buf_addf(b, "] on %zu container%s", p->required_count,
                    p->required_count == 1 ? "" : "s");
    }
}

/* Reads the next reference token of a JSON Pointer into `out`, undoing
 * RFC 6901 escaping; returns the rest of the pointer. */
static const char *next_token(const char *pointer, char *out, size_t cap)
{
    size_t o = 0;
    const char *p = pointer + 1; /* skip '/' */

    while (*p != '\0' && *p != '/' && o + 1 < cap) {
        if (p[0] == '~' && (p[1] == '0' || p[1] == '1')) {
            out[o++] = p[1] == '0' ? '~' : '/';
            p += 2;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
    return p;
}

static bool parse_index(const char *token, size_t *out)
{
    size_t v = 0;

    if (token[0] == '\0' || (token[0] == '0' && token[1] != '\0'))
        return false;
    for (const char *t = token; *t; t++) {
        if (*t < '0' || *t > '9' || v > 100000000)
            return false;
        v = v * 10 + (size_t)(*t - '0');
    }
    *out = v;
    return true;
}

/* Inserts `item` before `at` in `array`. Debian's cJSON 1.7.15
 * cJSON_InsertItemInArray returns false without inserting, so this keeps
 * the list (and cJSON's rule that the first item's prev is the last item)
 * by hand. */
static void insert_before(cJSON *array, cJSON *at, cJSON *item)
{
    item->next = at;
    item->prev = at->prev;
    if (at == array->child) {
        array->child = item;
    } else {
        at->prev->next = item;
    }
    at->prev = item;
}

static int apply_add(cJSON *doc, const char *pointer, const cJSON *value, struct sg_error *err)
{
    char token[SG_POINTER_MAX];
    const char *rest = pointer;
    cJSON *parent = doc, *copy;
    size_t index;

    if (pointer[0] != '/')
        return sg_error_set(err, SG_ERR_INVALID, "patch path '%s' is not a JSON Pointer", pointer);
    for (;;) {
        rest = next_token(rest, token, sizeof(token));
        if (*rest == '\0')
            break;
        cJSON *child = NULL;
        if (cJSON_IsObject(parent))
            child = cJSON_GetObjectItemCaseSensitive(parent, token);
        else if (cJSON_IsArray(parent) && parse_index(token, &index) && index < INT32_MAX)
            child = cJSON_GetArrayItem(parent, (int)index);
        if (child == NULL)
            return sg_error_set(err, SG_ERR_INVALID, "patch path '%s': '%s' does not exist",
                                pointer, token);
        parent = child;
    }
    copy = cJSON_Duplicate(value, true);
    if (copy == NULL)
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    if (cJSON_IsObject(parent)) {
        if (cJSON_GetObjectItemCaseSensitive(parent, token) != NULL)
            cJSON_ReplaceItemInObjectCaseSensitive(parent, token, copy);
        else
            cJSON_AddItemToObject(parent, token, copy);
        return 0;
    }
    if (cJSON_IsArray(parent)) {
        int size = cJSON_GetArraySize(parent);
        if (strcmp(token, "-") == 0) {
            cJSON_AddItemToArray(parent, copy);
            return 0;
        }
        if (parse_index(token, &index) && index <= (size_t)size) {
            if (index == (size_t)size)
                cJSON_AddItemToArray(parent, copy);
            else
                insert_before(parent, cJSON_GetArrayItem(parent, (int)index), copy);
            return 0;
        }
    }
    cJSON_Delete(copy);
    return sg_error_set(err, SG_ERR_INVALID, "patch path '%s': cannot add '%s' there", pointer,
                        token);
}

int sg_patch_apply(cJSON *doc, const struct sg_patch *p, struct sg_error *err)
{
    for (size_t i = 0; i < p->n; i++) {
        int rc = apply_add(doc, p->ops[i].path, p->ops[i].value, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}
