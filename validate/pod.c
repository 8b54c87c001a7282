/* pod.c - see pod.h. */
#include "pod.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "field.h"
#include "json.h"

/* Where each kind keeps its pod template: the keys from the object's root
 * to the object holding `metadata` and `spec` (none for a Pod itself). */
static const struct {
    const char *group;
    const char *alt_group; /* an older group the kind was served under */
    const char *kind;
    const char *template_keys[4];
    const char *spec_path;
    const char *meta_path;
    const char *spec_pointer;
} kinds[SG_KIND_COUNT] = {
    [SG_KIND_POD] = {"", NULL, "Pod", {NULL}, "spec", "metadata", "/spec"},
    [SG_KIND_POD_TEMPLATE] = {"",
                              NULL,
                              "PodTemplate",
                              {"template", NULL},
                              "template.spec",
                              "template.metadata",
                              "/template/spec"},
    [SG_KIND_REPLICATION_CONTROLLER] = {"",
                                        NULL,
                                        "ReplicationController",
                                        {"spec", "template", NULL},
                                        "spec.template.spec",
                                        "spec.template.metadata",
                                        "/spec/template/spec"},
    [SG_KIND_DEPLOYMENT] = {"apps",
                            "extensions",
                            "Deployment",
                            {"spec", "template", NULL},
                            "spec.template.spec",
                            "spec.template.metadata",
                            "/spec/template/spec"},
    [SG_KIND_REPLICA_SET] = {"apps",
                             "extensions",
                             "ReplicaSet",
                             {"spec", "template", NULL},
                             "spec.template.spec",
                             "spec.template.metadata",
                             "/spec/template/spec"},
    [SG_KIND_STATEFUL_SET] = {"apps",
                              NULL,
                              "StatefulSet",
                              {"spec", "template", NULL},
                              "spec.template.spec",
                              "spec.template.metadata",
                              "/spec/template/spec"},
    [SG_KIND_DAEMON_SET] = {"apps",
                            "extensions",
                            "DaemonSet",
                            {"spec", "template", NULL},
                            "spec.template.spec",
                            "spec.template.metadata",
                            "/spec/template/spec"},
    [SG_KIND_JOB] = {"batch",
                     NULL,
                     "Job",
                     {"spec", "template", NULL},
                     "spec.template.spec",
                     "spec.template.metadata",
                     "/spec/template/spec"},
    [SG_KIND_CRON_JOB] = {"batch",
                          NULL,
                          "CronJob",
                          {"spec", "jobTemplate", "spec", "template"},
                          "spec.jobTemplate.spec.template.spec",
                          "spec.jobTemplate.spec.template.metadata",
                          "/spec/jobTemplate/spec/template/spec"},
};

static const char *const list_keys[SG_LIST_COUNT] = {
    [SG_LIST_INIT] = "initContainers",
    [SG_LIST_REGULAR] = "containers",
    [SG_LIST_EPHEMERAL] = "ephemeralContainers",
};

enum sg_kind sg_kind_find(const char *group, const char *kind)
{
    for (int k = 0; k < SG_KIND_COUNT; k++) {
        if (strcmp(kinds[k].kind, kind) != 0)
            continue;
        if (strcmp(kinds[k].group, group) == 0 ||
            (kinds[k].alt_group != NULL && strcmp(kinds[k].alt_group, group) == 0))
            return (enum sg_kind)k;
    }
    return SG_KIND_OTHER;
}

const char *sg_kind_name(enum sg_kind kind)
{
    return (unsigned)kind < SG_KIND_COUNT ? kinds[kind].kind : "object";
}

const char *sg_list_key(enum sg_list list)
{
    return (unsigned)list < SG_LIST_COUNT ? list_keys[list] : "?";
}

/* Reads a seccompProfile object at path (which names it). */
static void read_profile(const cJSON *sp, struct sg_path *path, struct sg_report *report,
                         struct sg_profile *out)
{
    const cJSON *type = NULL, *local = NULL;

    if (sg_field_member(sp, "type", SG_FIELD_STRING, path, report, &type) == SG_FIELD_OK) {
        out->type_str = type->valuestring;
        out->type = sg_seccomp_field_type(type->valuestring);
    } else {
        /* A seccompProfile without a type is refused by the API server;
         * treat it as a setting we cannot accept rather than as unset. */
        out->type = SG_SECCOMP_BAD;
        out->type_str = "";
    }
    if (sg_field_member(sp, "localhostProfile", SG_FIELD_STRING, path, report, &local) ==
        SG_FIELD_OK)
        out->localhost = local->valuestring;
}

/* Reads `securityContext.seccompProfile` of a securityContext object. */
static void read_sc_profile(const cJSON *sc, struct sg_path *path, struct sg_report *report,
                            struct sg_profile *out)
{
    const cJSON *sp = NULL;
    size_t mark;

    out->type = SG_SECCOMP_UNSET;
    if (sg_field_member(sc, "seccompProfile", SG_FIELD_OBJECT, path, report, &sp) != SG_FIELD_OK)
        return;
    mark = sg_path_key(path, "seccompProfile");
    read_profile(sp, path, report, out);
    sg_path_pop(path, mark);
}

static int read_bool(const cJSON *obj, const char *key, struct sg_path *path,
                     struct sg_report *report)
{
    const cJSON *b = NULL;

    if (sg_field_member(obj, key, SG_FIELD_BOOL, path, report, &b) != SG_FIELD_OK)
        return -1;
    return cJSON_IsTrue(b) ? 1 : 0;
}

static void read_container(struct sg_container *c, struct sg_path *path, struct sg_report *report)
{
    const cJSON *s = NULL;
    size_t mark;

    if (sg_field_member(c->obj, "name", SG_FIELD_STRING, path, report, &s) == SG_FIELD_OK)
        c->name = s->valuestring;
    if (sg_field_member(c->obj, "image", SG_FIELD_STRING, path, report, &s) == SG_FIELD_OK)
        c->image = s->valuestring;
    c->privileged = -1;
    c->no_escalation = -1;
    c->seccomp.type = SG_SECCOMP_UNSET;
    if (sg_field_member(c->obj, "securityContext", SG_FIELD_OBJECT, path, report, &c->sc) !=
        SG_FIELD_OK)
        return;
    mark = sg_path_key(path, "securityContext");
    c->privileged = read_bool(c->sc, "privileged", path, report);
    int ape = read_bool(c->sc, "allowPrivilegeEscalation", path, report);
    c->no_escalation = ape < 0 ? -1 : !ape;
    read_sc_profile(c->sc, path, report, &c->seccomp);
    if (sg_field_member(c->sc, "capabilities", SG_FIELD_OBJECT, path, report, &c->caps) ==
        SG_FIELD_OK) {
        size_t cmark = sg_path_key(path, "capabilities");
        sg_field_member(c->caps, "add", SG_FIELD_ARRAY, path, report, &c->add);
        sg_field_member(c->caps, "drop", SG_FIELD_ARRAY, path, report, &c->drop);
        sg_path_pop(path, cmark);
    }
    sg_path_pop(path, mark);
}

static int read_containers(struct sg_pod *pod, struct sg_path *path, struct sg_report *report)
{
    const cJSON *lists[SG_LIST_COUNT] = {NULL};
    size_t total = 0, n = 0;

    for (int l = 0; l < SG_LIST_COUNT; l++) {
        if (sg_field_member(pod->spec, list_keys[l], SG_FIELD_ARRAY, path, report, &lists[l]) ==
            SG_FIELD_OK)
            total += (size_t)cJSON_GetArraySize(lists[l]);
    }
    if (total > SG_MAX_CONTAINERS) {
        sg_report_add(report, SG_RULE_UNREADABLE, SG_ACTION_DENY, sg_path_str(path),
                      "too many containers to judge",
                      "has %zu containers; seccomp-guard judges at most %d per pod", total,
                      SG_MAX_CONTAINERS);
        return 0;
    }
    if (total == 0)
        return 0;
    pod->containers = calloc(total, sizeof(*pod->containers));
    if (pod->containers == NULL)
        return SG_ERR_NOMEM;
    for (int l = 0; l < SG_LIST_COUNT; l++) {
        size_t index = 0;
        if (lists[l] == NULL)
            continue;
        size_t lmark = sg_path_key(path, list_keys[l]);
        for (const cJSON *it = lists[l]->child; it != NULL && n < total; it = it->next, index++) {
            size_t imark = sg_path_index(path, index);
            if (sg_field_check(it, SG_FIELD_OBJECT, path, report) == SG_FIELD_OK) {
                struct sg_container *c = &pod->containers[n++];
                c->list = (enum sg_list)l;
                c->index = index;
                c->name = "";
                c->image = "";
                c->obj = it;
                read_container(c, path, report);
            }
            sg_path_pop(path, imark);
        }
        sg_path_pop(path, lmark);
    }
    pod->n_containers = n;
    return 0;
}

/* The legacy annotations: the pod's, and each container's by name.
 * Annotations naming containers the pod does not have are ignored, as the
 * kubelet and PSA ignore them. */
static void read_annotations(struct sg_pod *pod, const cJSON *meta, struct sg_path *path,
                             struct sg_report *report)
{
    static const size_t prefix_len = sizeof(SG_ANNOTATION_CONTAINER) - 1;
    const cJSON *ann = NULL;
    size_t mark;

    if (meta == NULL ||
        sg_field_member(meta, "annotations", SG_FIELD_OBJECT, path, report, &ann) != SG_FIELD_OK)
        return;
    mark = sg_path_key(path, "annotations");
    for (const cJSON *it = ann->child; it != NULL; it = it->next) {
        const char *key = it->string;
        const char **slot = NULL;
        if (key == NULL)
            continue;
        if (strcmp(key, SG_ANNOTATION_POD) == 0) {
            slot = &pod->annotation;
        } else if (strncmp(key, SG_ANNOTATION_CONTAINER, prefix_len) == 0) {
            for (size_t i = 0; i < pod->n_containers; i++) {
                if (strcmp(pod->containers[i].name, key + prefix_len) == 0)
                    slot = &pod->containers[i].annotation;
            }
        }
        if (slot == NULL)
            continue;
        size_t kmark = sg_path_map_key(path, key);
        if (*slot != NULL) {
            sg_report_add(report, SG_RULE_UNREADABLE, SG_ACTION_DENY, sg_path_str(path),
                          "a seccomp annotation is given twice",
                          "the annotation is given twice; the object cannot be judged safely");
        } else if (sg_field_check(it, SG_FIELD_STRING, path, report) == SG_FIELD_OK) {
            *slot = it->valuestring;
        }
        sg_path_pop(path, kmark);
    }
    sg_path_pop(path, mark);
}

/* Walks from the object's root to its pod template. */
static const cJSON *find_template(const cJSON *object, enum sg_kind kind, struct sg_path *path,
                                  struct sg_report *report)
{
    const cJSON *at = object;

    for (int i = 0; i < 4 && kinds[kind].template_keys[i] != NULL; i++) {
        const cJSON *next = NULL;
        const char *key = kinds[kind].template_keys[i];
        enum sg_field_got got = sg_field_member(at, key, SG_FIELD_OBJECT, path, report, &next);
        if (got == SG_FIELD_ABSENT) {
            sg_path_key(path, key);
            sg_report_add(report, SG_RULE_UNREADABLE, SG_ACTION_DENY, sg_path_str(path),
                          "the pod template is missing", "is missing: a %s needs a pod template",
                          kinds[kind].kind);
        }
        if (got != SG_FIELD_OK)
            return NULL;
        sg_path_key(path, key);
        at = next;
    }
    return at;
}

int sg_pod_read(const cJSON *object, enum sg_kind kind, struct sg_pod *pod,
                struct sg_report *report)
{
    struct sg_path path;
    const cJSON *tmpl, *meta = NULL, *os = NULL, *s = NULL;
    size_t mark;
    int rc;

    memset(pod, 0, sizeof(*pod));
    pod->kind = kind;
    pod->spec_path = kinds[kind].spec_path;
    pod->meta_path = kinds[kind].meta_path;
    pod->spec_pointer = kinds[kind].spec_pointer;
    pod->seccomp.type = SG_SECCOMP_UNSET;
    sg_path_init(&path, NULL);
    if (!cJSON_IsObject(object)) {
        sg_report_add(report, SG_RULE_UNREADABLE, SG_ACTION_DENY, "object",
                      "the object is not a JSON object", "must be an object, found %s",
                      sg_json_type_name(object));
        return 0;
    }
    tmpl = find_template(object, kind, &path, report);
    if (tmpl == NULL)
        return 0;
    sg_field_member(tmpl, "metadata", SG_FIELD_OBJECT, &path, report, &meta);
    if (sg_field_member(tmpl, "spec", SG_FIELD_OBJECT, &path, report, &pod->spec) != SG_FIELD_OK) {
        sg_report_add(report, SG_RULE_UNREADABLE, SG_ACTION_DENY, pod->spec_path,
                      "the pod spec is missing or unreadable",
                      "is missing or not an object: there is no pod spec to judge");
        return 0;
    }
    mark = sg_path_key(&path, "spec");
    if (sg_field_member(pod->spec, "securityContext", SG_FIELD_OBJECT, &path, report, &pod->psc) ==
        SG_FIELD_OK) {
        size_t smark = sg_path_key(&path, "securityContext");
        read_sc_profile(pod->psc, &path, report, &pod->seccomp);
        sg_path_pop(&path, smark);
    }
    if (sg_field_member(pod->spec, "os", SG_FIELD_OBJECT, &path, report, &os) == SG_FIELD_OK) {
        size_t omark = sg_path_key(&path, "os");
        if (sg_field_member(os, "name", SG_FIELD_STRING, &path, report, &s) == SG_FIELD_OK)
            pod->windows = strcmp(s->valuestring, "windows") == 0;
        sg_path_pop(&path, omark);
    }
    if (sg_field_member(pod->spec, "runtimeClassName", SG_FIELD_STRING, &path, report, &s) ==
        SG_FIELD_OK)
        pod->runtime_class = s->valuestring;
    rc = read_containers(pod, &path, report);
    if (rc < 0)
        return rc;
    sg_path_pop(&path, mark);
    if (meta != NULL) {
        mark = sg_path_key(&path, "metadata");
        read_annotations(pod, meta, &path, report);
        sg_path_pop(&path, mark);
    }
    return 0;
}

void sg_pod_release(struct sg_pod *pod)
{
    free(pod->containers);
    pod->containers = NULL;
    pod->n_containers = 0;
}

static bool same_json(const cJSON *a, const cJSON *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return cJSON_Compare(a, b, true);
}

static bool same_str(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

bool sg_pod_security_changed(const struct sg_pod *o, const struct sg_pod *n)
{
    if (o->spec == NULL || n->spec == NULL || o->n_containers != n->n_containers)
        return true;
    if (!same_json(o->psc, n->psc) || o->windows != n->windows ||
        !same_str(o->runtime_class, n->runtime_class) || !same_str(o->annotation, n->annotation))
        return true;
    for (size_t i = 0; i < n->n_containers; i++) {
        const struct sg_container *a = &o->containers[i], *b = &n->containers[i];
        if (a->list != b->list || a->index != b->index || strcmp(a->name, b->name) != 0 ||
            strcmp(a->image, b->image) != 0 || !same_json(a->sc, b->sc) ||
            !same_str(a->annotation, b->annotation))
            return true;
    }
    return false;
}
