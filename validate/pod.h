/* pod.h - finds the pod spec inside an object (a Pod, or the pod template
 * of a workload kind) and reads what seccomp-guard judges: the seccomp
 * settings and legacy annotations, spec.os, runtimeClassName, and each
 * container's privileged, allowPrivilegeEscalation, seccompProfile and
 * capabilities, in PSA's visiting order (initContainers, containers,
 * ephemeralContainers). What cannot be read goes to the report as
 * `unreadable`. The view borrows from the cJSON tree: it must not outlive it. */
#ifndef SG_POD_H
#define SG_POD_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "report.h"
#include "seccomp_api.h"

#define SG_MAX_CONTAINERS 1024 /* per object, over all three lists */

/* The kinds whose objects carry a pod spec. */
enum sg_kind {
    SG_KIND_POD,
    SG_KIND_POD_TEMPLATE,
    SG_KIND_REPLICATION_CONTROLLER,
    SG_KIND_DEPLOYMENT,
    SG_KIND_REPLICA_SET,
    SG_KIND_STATEFUL_SET,
    SG_KIND_DAEMON_SET,
    SG_KIND_JOB,
    SG_KIND_CRON_JOB,
    SG_KIND_COUNT,
    SG_KIND_OTHER = SG_KIND_COUNT, /* not ours: allowed untouched */
};

/* Finds a kind by API group ("" for core, "apps", "batch", "extensions")
 * and kind name, exactly; SG_KIND_OTHER when it carries no pod spec we know. */
enum sg_kind sg_kind_find(const char *group, const char *kind);
const char *sg_kind_name(enum sg_kind kind);

enum sg_list {
    SG_LIST_INIT,
    SG_LIST_REGULAR,
    SG_LIST_EPHEMERAL,
    SG_LIST_COUNT,
};
/* "initContainers", "containers", "ephemeralContainers" */
const char *sg_list_key(enum sg_list list);

struct sg_profile {
    enum sg_seccomp_type type; /* SG_SECCOMP_UNSET when absent */
    const char *type_str;      /* as written, when set */
    const char *localhost;     /* localhostProfile, or NULL */
};

struct sg_container {
    enum sg_list list;
    size_t index;
    const char *name;  /* "" when missing */
    const char *image; /* "" when missing */
    const cJSON *obj;
    const cJSON *sc;   /* securityContext, or NULL */
    int privileged;    /* -1 unset, 0 false, 1 true */
    int no_escalation; /* allowPrivilegeEscalation: -1 unset, 1 false, 0 true */
    struct sg_profile seccomp;
    const cJSON *caps;      /* capabilities, or NULL */
    const cJSON *add;       /* capabilities.add, or NULL */
    const cJSON *drop;      /* capabilities.drop, or NULL */
    const char *annotation; /* legacy container annotation value, or NULL */
};

struct sg_pod {
    enum sg_kind kind;
    const char *spec_path;    /* "spec", "spec.template.spec", ... */
    const char *meta_path;    /* "metadata", "spec.template.metadata", ... */
    const char *spec_pointer; /* "/spec", "/spec/template/spec", ... */
    const cJSON *spec;        /* NULL when the object has no pod spec */
    const cJSON *psc;         /* spec.securityContext, or NULL */
    struct sg_profile seccomp;
    const char *annotation;    /* legacy pod annotation value, or NULL */
    bool windows;              /* spec.os.name == "windows" */
    const char *runtime_class; /* or NULL */
    struct sg_container *containers;
    size_t n_containers;
};

/* Reads `object` of `kind` into `pod`. Problems go to `report` as
 * unreadable violations; the function itself fails only for memory
 * (SG_ERR_NOMEM). Release with sg_pod_release. */
int sg_pod_read(const cJSON *object, enum sg_kind kind, struct sg_pod *pod,
                struct sg_report *report);
void sg_pod_release(struct sg_pod *pod);

/* True when the two views differ in anything seccomp-guard judges, or in a
 * container's image or the number of containers (what PSA calls a
 * significant update). An UPDATE that changes none of it is allowed
 * unjudged, so old objects can still be relabelled. */
bool sg_pod_security_changed(const struct sg_pod *old_pod, const struct sg_pod *new_pod);

#endif
