/* judge.c - see judge.h.
 *
 * Where seccomp-guard and PSA differ, it is on purpose and written down in
 * docs/policy.md: an `unconfined` legacy annotation counts whatever the
 * cluster version; privileged: true is also judged as Unconfined and as
 * every capability, so relaxing `privileged` alone opens nothing; added
 * capabilities are judged by what the runtime grants, so no spelling slips
 * past the allow-list. */
#include "judge.h"

#include <fnmatch.h>
#include <string.h>

#include "buf.h"
#include "capability.h"
#include "field.h"
#include "fmt.h"

#define QUOTE_MAX  64 /* bytes of an untrusted value shown in a message */
#define NAME_BRIEF 40 /* bytes of a container name shown in a warning */

struct judge {
    const struct sg_pod *pod;
    const struct sg_effective *eff;
    struct sg_report *report;
    struct sg_path path;
};

static const char *list_noun(enum sg_list l)
{
    return l == SG_LIST_INIT        ? "init container"
           : l == SG_LIST_EPHEMERAL ? "ephemeral container"
                                    : "container";
}

/* `container "app"`, quoted safely, for messages and warnings. */
static void who(char *out, size_t cap, const struct sg_container *c, size_t max)
{
    const char *noun = list_noun(c->list);
    size_t n = strlen(noun);

    /* By hand: this runs for every container. The noun and a space always
     * fit; sg_quote bounds the rest to what is left. */
    memcpy(out, noun, n);
    out[n++] = ' ';
    sg_quote(out + n, cap - n < 128 ? cap - n : 128, c->name, max);
}

static void container_path(struct judge *j, const struct sg_container *c)
{
    sg_path_init(&j->path, j->pod->spec_path);
    sg_path_key(&j->path, sg_list_key(c->list));
    sg_path_index(&j->path, c->index);
}

static bool localhost_allowed(const struct sg_effective *eff, const char *path)
{
    for (size_t i = 0; i < eff->n_localhost_globs; i++) {
        if (fnmatch(eff->localhost_globs[i], path, 0) == 0)
            return true;
    }
    return false;
}

/* Judges what the profile at a valid Localhost path does, by the facts of
 * the policy's profiles folder: a permissive one is Unconfined in all but
 * name and is judged as Unconfined. */
static void judge_known(struct judge *j, const char *subject, const char *path, const char *q)
{
    const struct sg_known_profile *k = sg_known_find(j->eff->known, path);
    char brief[160];

    if (k == NULL) {
        sg_fmt_snprintf(brief, sizeof(brief), "%s: Localhost profile %s is unknown", subject, q);
        sg_report_add(j->report, SG_RULE_LOCALHOST_UNKNOWN,
                      j->eff->action[SG_RULE_LOCALHOST_UNKNOWN], sg_path_str(&j->path), brief,
                      "Localhost profile %s is not in the policy's profiles folder (%s), so "
                      "what it does cannot be judged; add it there (and to the nodes), or use "
                      "a known profile or RuntimeDefault",
                      q, sg_known_folder(j->eff->known));
        return;
    }
    if (k->kind != SG_KNOWN_ENFORCING) {
        sg_fmt_snprintf(brief, sizeof(brief), "%s: Localhost profile %s is %s", subject, q,
                        sg_known_kind_name(k->kind));
        sg_report_add(j->report, SG_RULE_SECCOMP_UNCONFINED,
                      j->eff->action[SG_RULE_SECCOMP_UNCONFINED], sg_path_str(&j->path), brief,
                      "Localhost profile %s is %s (%s): the container would run as if "
                      "Unconfined; use RuntimeDefault or an enforcing profile",
                      q, sg_known_kind_name(k->kind), k->why);
        return;
    }
    if (k->dangerous[0] != '\0') {
        sg_fmt_snprintf(brief, sizeof(brief),
                        "%s: Localhost profile %s allows dangerous syscalls: %s", subject, q,
                        k->dangerous);
        sg_report_add(j->report, SG_RULE_LOCALHOST_DANGEROUS,
                      j->eff->action[SG_RULE_LOCALHOST_DANGEROUS], sg_path_str(&j->path), brief,
                      "Localhost profile %s lets dangerous syscalls run: %s; remove them from "
                      "the profile unless the workload needs them",
                      q, k->dangerous);
    }
}

/* Judges a Localhost path found at j->path (a field or an annotation). */
static void judge_localhost(struct judge *j, const char *subject, const char *path)
{
    char q[QUOTE_MAX * 4 + 8];
    const char *problem;
    char brief[160];

    if (path == NULL) {
        sg_fmt_snprintf(brief, sizeof(brief), "%s: Localhost profile without localhostProfile",
                        subject);
        sg_report_add(j->report, SG_RULE_SECCOMP_INVALID, SG_ACTION_DENY, sg_path_str(&j->path),
                      brief,
                      "type Localhost needs localhostProfile, the path of a profile relative "
                      "to the kubelet's seccomp directory (for example "
                      "profiles/audit.json)");
        return;
    }
    sg_quote(q, sizeof(q), path, QUOTE_MAX);
    problem = sg_seccomp_localhost_problem(path, strlen(path));
    if (problem != NULL) {
        sg_fmt_snprintf(brief, sizeof(brief), "%s: localhostProfile %s", subject, problem);
        sg_report_add(j->report, SG_RULE_SECCOMP_INVALID, SG_ACTION_DENY, sg_path_str(&j->path),
                      brief,
                      "localhostProfile %s %s; Kubernetes refuses it: give a path relative to "
                      "the kubelet's seccomp directory (/var/lib/kubelet/seccomp), such as "
                      "profiles/audit.json",
                      q, problem);
        return;
    }
    if (!localhost_allowed(j->eff, path)) {
        sg_fmt_snprintf(brief, sizeof(brief), "%s: Localhost profile %s is not allowed", subject,
                        q);
        sg_report_add(j->report, SG_RULE_SECCOMP_LOCALHOST,
                      j->eff->action[SG_RULE_SECCOMP_LOCALHOST], sg_path_str(&j->path), brief,
                      "Localhost profile %s matches none of the policy's "
                      "seccomp.allowedLocalhostProfiles; use an allowed profile or "
                      "RuntimeDefault",
                      q);
    }
    if (j->eff->known != NULL)
        judge_known(j, subject, path, q);
}

/* Judges a seccompProfile field at j->path (which names the field). */
static void judge_profile(struct judge *j, const char *subject, const struct sg_profile *p)
{
    char q[QUOTE_MAX * 4 + 8];
    char brief[160];
    size_t mark;

    if (p->type == SG_SECCOMP_UNSET)
        return;
    /* Quoted only for a message: most profiles are fine. */
    if (p->type == SG_SECCOMP_BAD || (p->type != SG_SECCOMP_LOCALHOST && p->localhost != NULL))
        sg_quote(q, sizeof(q), p->type_str, QUOTE_MAX);
    if (p->type != SG_SECCOMP_LOCALHOST && p->localhost != NULL) {
        mark = sg_path_key(&j->path, "localhostProfile");
        sg_fmt_snprintf(brief, sizeof(brief), "%s: localhostProfile is only valid with Localhost",
                        subject);
        sg_report_add(j->report, SG_RULE_SECCOMP_INVALID, SG_ACTION_DENY, sg_path_str(&j->path),
                      brief,
                      "is set, but type is %s: Kubernetes accepts localhostProfile only with "
                      "type Localhost; remove it or set type: Localhost",
                      q);
        sg_path_pop(&j->path, mark);
    }
    mark = sg_path_key(&j->path, "type");
    switch (p->type) {
    case SG_SECCOMP_UNCONFINED:
        sg_fmt_snprintf(brief, sizeof(brief), "%s: seccomp Unconfined", subject);
        sg_report_add(j->report, SG_RULE_SECCOMP_UNCONFINED,
                      j->eff->action[SG_RULE_SECCOMP_UNCONFINED], sg_path_str(&j->path), brief,
                      "is \"Unconfined\", which runs without any seccomp filter; set it to "
                      "\"RuntimeDefault\" (or a Localhost profile)");
        break;
    case SG_SECCOMP_BAD:
        sg_fmt_snprintf(brief, sizeof(brief), "%s: unknown seccomp type %s", subject, q);
        sg_report_add(j->report, SG_RULE_SECCOMP_INVALID, SG_ACTION_DENY, sg_path_str(&j->path),
                      brief,
                      "is %s, which is not a seccomp profile type: use \"RuntimeDefault\" or "
                      "\"Localhost\" (the names are case-sensitive)",
                      q);
        break;
    case SG_SECCOMP_LOCALHOST:
        sg_path_pop(&j->path, mark);
        mark = sg_path_key(&j->path, "localhostProfile");
        judge_localhost(j, subject, p->localhost);
        break;
    case SG_SECCOMP_RUNTIME_DEFAULT:
    case SG_SECCOMP_UNSET:
        break;
    }
    sg_path_pop(&j->path, mark);
}

/* Judges a legacy annotation value at j->path. */
static void judge_annotation(struct judge *j, const char *subject, const char *value)
{
    char q[QUOTE_MAX * 4 + 8];
    char brief[160];
    const char *path = NULL;

    if (value == NULL)
        return;
    sg_quote(q, sizeof(q), value, QUOTE_MAX);
    switch (sg_seccomp_annotation_type(value, &path)) {
    case SG_SECCOMP_UNCONFINED:
        sg_fmt_snprintf(brief, sizeof(brief), "%s: seccomp annotation unconfined", subject);
        sg_report_add(j->report, SG_RULE_SECCOMP_UNCONFINED,
                      j->eff->action[SG_RULE_SECCOMP_UNCONFINED], sg_path_str(&j->path), brief,
                      "is \"unconfined\", which runs without any seccomp filter on clusters "
                      "that still read this annotation; remove it and set "
                      "securityContext.seccompProfile.type: RuntimeDefault");
        break;
    case SG_SECCOMP_LOCALHOST:
        judge_localhost(j, subject, path);
        break;
    case SG_SECCOMP_BAD:
    case SG_SECCOMP_UNSET:
        sg_fmt_snprintf(brief, sizeof(brief), "%s: bad seccomp annotation value", subject);
        sg_report_add(j->report, SG_RULE_SECCOMP_INVALID, SG_ACTION_DENY, sg_path_str(&j->path),
                      brief,
                      "is %s, which is not a seccomp annotation value (runtime/default, "
                      "docker/default or localhost/<path>); remove it and set "
                      "securityContext.seccompProfile instead",
                      q);
        break;
    case SG_SECCOMP_RUNTIME_DEFAULT:
        break;
    }
}

static void judge_pod_level(struct judge *j)
{
    const struct sg_pod *pod = j->pod;
    size_t mark;

    if (pod->psc != NULL) {
        sg_path_init(&j->path, pod->spec_path);
        sg_path_key(&j->path, "securityContext");
        sg_path_key(&j->path, "seccompProfile");
        judge_profile(j, "pod", &pod->seccomp);
    }
    if (pod->annotation != NULL) {
        sg_path_init(&j->path, pod->meta_path);
        sg_path_key(&j->path, "annotations");
        mark = sg_path_map_key(&j->path, SG_ANNOTATION_POD);
        judge_annotation(j, "pod", pod->annotation);
        sg_path_pop(&j->path, mark);
    }
}

/* A container with no profile of its own inherits the pod's field. The
 * legacy annotations give it none: the kubelet ignores them since 1.27. */
static void judge_unset(struct judge *j, const struct sg_container *c, const char *subject)
{
    char brief[160];

    if (c->seccomp.type != SG_SECCOMP_UNSET || j->pod->seccomp.type != SG_SECCOMP_UNSET ||
        j->pod->windows || j->eff->action[SG_RULE_SECCOMP_UNSET] == SG_ACTION_ALLOW)
        return;
    sg_fmt_snprintf(brief, sizeof(brief), "%s: no seccomp profile", subject);
    sg_report_add(j->report, SG_RULE_SECCOMP_UNSET, j->eff->action[SG_RULE_SECCOMP_UNSET],
                  sg_path_str(&j->path), brief,
                  "%s runs with no seccomp profile, because neither it nor the pod sets one%s; "
                  "set %s.securityContext.seccompProfile.type: RuntimeDefault",
                  subject,
                  (c->annotation != NULL || j->pod->annotation != NULL)
                      ? " (the legacy seccomp annotations are ignored by Kubernetes 1.27 and "
                        "later)"
                      : "",
                  j->pod->spec_path);
}

static void judge_privileged(struct judge *j, const struct sg_container *c, const char *subject)
{
    const struct sg_effective *eff = j->eff;
    enum sg_action priv = eff->action[SG_RULE_PRIVILEGED];
    enum sg_action unconfined = eff->action[SG_RULE_SECCOMP_UNCONFINED];
    enum sg_action add = eff->action[SG_RULE_CAP_ADD];
    bool all_allowed = (eff->allowed_add & SG_CAP_ALL_BIT) != 0 ||
                       (eff->allowed_add & SG_CAP_EVERY) == SG_CAP_EVERY;
    char brief[160];
    size_t mark;

    if (c->privileged != 1)
        return;
    mark = sg_path_key(&j->path, "securityContext");
    sg_path_key(&j->path, "privileged");
    sg_fmt_snprintf(brief, sizeof(brief), "%s: privileged", subject);
    sg_report_add(j->report, SG_RULE_PRIVILEGED, priv, sg_path_str(&j->path), brief,
                  "%s is privileged: it runs without a seccomp filter and with every "
                  "capability; remove privileged: true and add only the capabilities it needs",
                  subject);
    /* A privileged container is Unconfined and holds every capability: a
     * policy that relaxes `privileged` but not those rules still judges it
     * by them. Reported only where they are stricter, to keep one message
     * per problem. */
    if (unconfined > priv) {
        sg_fmt_snprintf(brief, sizeof(brief), "%s: privileged means seccomp Unconfined", subject);
        sg_report_add(j->report, SG_RULE_SECCOMP_UNCONFINED, unconfined, sg_path_str(&j->path),
                      brief,
                      "privileged: true runs %s without a seccomp filter, which is Unconfined; "
                      "remove privileged: true",
                      subject);
    }
    if (add > priv && !all_allowed) {
        sg_fmt_snprintf(brief, sizeof(brief), "%s: privileged grants every capability", subject);
        sg_report_add(j->report, SG_RULE_CAP_ADD, add, sg_path_str(&j->path), brief,
                      "privileged: true grants %s every capability, beyond "
                      "capabilities.allowedAdd; remove privileged: true and add only allowed "
                      "capabilities",
                      subject);
    }
    sg_path_pop(&j->path, mark);
}

static void allowed_list(char *out, size_t cap, uint64_t mask)
{
    size_t o = 0;

    out[0] = '\0';
    if (mask == 0) {
        sg_fmt_snprintf(out, cap, "none");
        return;
    }
    for (int c = 0; c <= SG_CAP_ALL && o < cap; c++) {
        if (mask & sg_cap_bit(c))
            o += (size_t)sg_fmt_snprintf(out + o, cap - o, "%s%s", o ? ", " : "", sg_cap_name(c));
    }
}

/* One entry of a capabilities list, as the runtime will read it. */
struct cap_entry {
    const char *value;              /* the entry as written */
    char quoted[QUOTE_MAX * 4 + 8]; /* value quoted for messages, once asked */
    bool have_quoted;
    int cap; /* sg_cap_resolve: -1 for no capability */
    enum sg_cap_spelling spelling;
};

/* The entry quoted for a message; quoted on first use, as most entries
 * need no message. */
static const char *entry_quoted(struct cap_entry *e)
{
    if (!e->have_quoted) {
        sg_quote(e->quoted, sizeof(e->quoted), e->value, QUOTE_MAX);
        e->have_quoted = true;
    }
    return e->quoted;
}

typedef void (*cap_judge)(struct judge *j, const char *subject, struct cap_entry *e, bool *state);

/* Calls `judge` for each string entry of `list` with j->path at the entry;
 * an entry that is not a string is reported unreadable. */
static void each_capability(struct judge *j, const cJSON *list, const char *subject,
                            cap_judge judge, bool *state)
{
    struct cap_entry e;
    size_t index = 0, mark;

    if (list == NULL)
        return;
    for (const cJSON *it = list->child; it != NULL; it = it->next, index++) {
        mark = sg_path_index(&j->path, index);
        if (sg_field_check(it, SG_FIELD_STRING, &j->path, j->report) == SG_FIELD_OK) {
            e.value = it->valuestring;
            e.have_quoted = false;
            /* cJSON strings end at the first NUL; the readers turned NULs
             * into U+FFFD, which no capability name contains. */
            e.cap = sg_cap_resolve(it->valuestring, strlen(it->valuestring), &e.spelling);
            judge(j, subject, &e, state);
        }
        sg_path_pop(&j->path, mark);
    }
}

static void judge_added(struct judge *j, const char *subject, struct cap_entry *e, bool *state)
{
    const struct sg_effective *eff = j->eff;
    const char *q;
    char brief[200], allowed[1024];
    bool allowed_cap;

    (void)state;
    if (e->cap < 0) {
        q = entry_quoted(e);
        sg_fmt_snprintf(brief, sizeof(brief), "%s: %s is not a capability", subject, q);
        sg_report_add(j->report, SG_RULE_CAP_UNKNOWN, eff->action[SG_RULE_CAP_UNKNOWN],
                      sg_path_str(&j->path), brief,
                      "%s is not a Linux capability; capabilities are written like "
                      "\"NET_BIND_SERVICE\" (upper case, no CAP_ prefix, no spaces)",
                      q);
        return;
    }
    if (e->spelling != SG_CAP_CANONICAL) {
        q = entry_quoted(e);
        sg_fmt_snprintf(brief, sizeof(brief), "%s: write %s as \"%s\"", subject, q,
                        sg_cap_name(e->cap));
        sg_report_add(j->report, SG_RULE_CAP_SPELLING, eff->action[SG_RULE_CAP_SPELLING],
                      sg_path_str(&j->path), brief,
                      "%s grants %s but is not its canonical name; write \"%s\"", q,
                      e->cap == SG_CAP_ALL ? "every capability" : sg_cap_name(e->cap),
                      sg_cap_name(e->cap));
    }
    allowed_cap = (eff->allowed_add & SG_CAP_ALL_BIT) != 0 ||
                  (e->cap != SG_CAP_ALL && (eff->allowed_add & sg_cap_bit(e->cap)) != 0);
    if (allowed_cap)
        return;
    q = entry_quoted(e);
    allowed_list(allowed, sizeof(allowed), eff->allowed_add);
    if (e->cap == SG_CAP_ALL) {
        sg_fmt_snprintf(brief, sizeof(brief), "%s: adds ALL capabilities", subject);
        sg_report_add(j->report, SG_RULE_CAP_ADD, eff->action[SG_RULE_CAP_ADD],
                      sg_path_str(&j->path), brief,
                      "%s grants every capability; add only the ones the container needs "
                      "(allowed: %s)",
                      q, allowed);
    } else {
        sg_fmt_snprintf(brief, sizeof(brief), "%s: capability %s is not allowed", subject,
                        sg_cap_name(e->cap));
        sg_report_add(j->report, SG_RULE_CAP_ADD, eff->action[SG_RULE_CAP_ADD],
                      sg_path_str(&j->path), brief,
                      "%s grants %s, which the policy does not allow; remove it (allowed: %s)", q,
                      sg_cap_name(e->cap), allowed);
    }
}

/* Judges one dropped name; sets *drops_all when the runtime reads it as ALL. */
static void judge_dropped(struct judge *j, const char *subject, struct cap_entry *e,
                          bool *drops_all)
{
    const struct sg_effective *eff = j->eff;
    const char *q;
    char brief[200];

    if (e->cap < 0) {
        q = entry_quoted(e);
        sg_fmt_snprintf(brief, sizeof(brief), "%s: drop %s is not a capability", subject, q);
        sg_report_add(j->report, SG_RULE_CAP_DROP_SPELLING, eff->action[SG_RULE_CAP_DROP_SPELLING],
                      sg_path_str(&j->path), brief,
                      "%s is not a Linux capability, so it drops nothing; write names like "
                      "\"ALL\" or \"NET_RAW\"",
                      q);
        return;
    }
    *drops_all = *drops_all || e->cap == SG_CAP_ALL;
    if (e->spelling != SG_CAP_CANONICAL) {
        q = entry_quoted(e);
        sg_fmt_snprintf(brief, sizeof(brief), "%s: write drop %s as \"%s\"", subject, q,
                        sg_cap_name(e->cap));
        sg_report_add(j->report, SG_RULE_CAP_DROP_SPELLING, eff->action[SG_RULE_CAP_DROP_SPELLING],
                      sg_path_str(&j->path), brief,
                      "%s drops %s, but write it \"%s\" (Pod Security Admission accepts only "
                      "the canonical name)",
                      q, sg_cap_name(e->cap), sg_cap_name(e->cap));
    }
}

/* The capabilities a list names, as the runtime resolves them. */
static uint64_t resolved(const cJSON *list)
{
    uint64_t mask = 0;

    for (const cJSON *it = list != NULL ? list->child : NULL; it != NULL; it = it->next) {
        if (cJSON_IsString(it) && it->valuestring != NULL) {
            int cap = sg_cap_resolve(it->valuestring, strlen(it->valuestring), NULL);
            if (cap >= 0)
                mask |= sg_cap_bit(cap);
        }
    }
    return mask;
}

/* Each capability the policy requires dropped that the container will
 * still hold. Runtimes drop ALL before they add and single names after
 * (so `add: [NET_RAW]` with `drop: [ALL]` keeps NET_RAW, with `drop:
 * [NET_RAW]` loses it); a privileged container holds every one, whatever
 * its lists say. */
static void judge_required_drop(struct judge *j, const struct sg_container *c, const char *subject)
{
    enum sg_action action = j->eff->action[SG_RULE_CAP_REQUIRED_DROP];
    uint64_t added, dropped, kept;
    char brief[160];

    if (j->eff->required_drop == 0 || action == SG_ACTION_ALLOW || j->pod->windows)
        return;
    added = resolved(c->add);
    dropped = resolved(c->drop);
    kept = j->eff->required_drop & ~dropped;
    if (dropped & SG_CAP_ALL_BIT)
        kept &= added;
    if (c->privileged == 1) /* runtimes apply no add or drop list to it */
        kept = j->eff->required_drop;
    for (int cap = 0; cap < SG_CAP_COUNT; cap++) {
        if (!(kept & sg_cap_bit(cap)))
            continue;
        sg_fmt_snprintf(brief, sizeof(brief), "%s: keeps %s", subject, sg_cap_name(cap));
        if (c->privileged == 1)
            sg_report_add(j->report, SG_RULE_CAP_REQUIRED_DROP, action, sg_path_str(&j->path),
                          brief,
                          "privileged: true grants %s every capability, %s too, which the "
                          "policy requires dropped; remove privileged: true",
                          subject, sg_cap_name(cap));
        else if (added & sg_cap_bit(cap))
            sg_report_add(j->report, SG_RULE_CAP_REQUIRED_DROP, action, sg_path_str(&j->path),
                          brief,
                          "%s adds %s, which the policy requires dropped; remove it from "
                          "capabilities.add",
                          subject, sg_cap_name(cap));
        else
            sg_report_add(j->report, SG_RULE_CAP_REQUIRED_DROP, action, sg_path_str(&j->path),
                          brief,
                          "%s keeps %s, which the policy requires dropped; add \"%s\" to "
                          "securityContext.capabilities.drop (or drop \"ALL\")",
                          subject, sg_cap_name(cap), sg_cap_name(cap));
    }
}

static void judge_capabilities(struct judge *j, const struct sg_container *c, const char *subject)
{
    char brief[160];
    size_t mark, cmark;
    bool drops_all = false;

    mark = sg_path_key(&j->path, "securityContext");
    cmark = sg_path_key(&j->path, "capabilities");
    sg_path_key(&j->path, "add");
    each_capability(j, c->add, subject, judge_added, NULL);
    sg_path_pop(&j->path, cmark);
    sg_path_key(&j->path, "capabilities");
    sg_path_key(&j->path, "drop");
    each_capability(j, c->drop, subject, judge_dropped, &drops_all);
    if (!drops_all && !j->pod->windows && j->eff->action[SG_RULE_CAP_DROP_ALL] != SG_ACTION_ALLOW) {
        sg_fmt_snprintf(brief, sizeof(brief), "%s: capabilities.drop lacks ALL", subject);
        sg_report_add(j->report, SG_RULE_CAP_DROP_ALL, j->eff->action[SG_RULE_CAP_DROP_ALL],
                      sg_path_str(&j->path), brief,
                      "%s keeps the runtime's default capabilities; set "
                      "securityContext.capabilities.drop: [\"ALL\"] and add back only what it "
                      "needs",
                      subject);
    }
    judge_required_drop(j, c, subject);
    sg_path_pop(&j->path, mark);
}

static void judge_escalation(struct judge *j, const struct sg_container *c, const char *subject)
{
    char brief[160];
    size_t mark;

    if (c->no_escalation == 1 || j->pod->windows ||
        j->eff->action[SG_RULE_PRIV_ESCALATION] == SG_ACTION_ALLOW)
        return;
    mark = sg_path_key(&j->path, "securityContext");
    sg_path_key(&j->path, "allowPrivilegeEscalation");
    sg_fmt_snprintf(brief, sizeof(brief), "%s: allowPrivilegeEscalation is not false", subject);
    sg_report_add(j->report, SG_RULE_PRIV_ESCALATION, j->eff->action[SG_RULE_PRIV_ESCALATION],
                  sg_path_str(&j->path), brief,
                  "is %s; set securityContext.allowPrivilegeEscalation: false so %s cannot gain "
                  "privileges (no_new_privs)",
                  c->no_escalation == 0 ? "true" : "not set", subject);
    sg_path_pop(&j->path, mark);
}

void sg_judge_pod(const struct sg_pod *pod, const struct sg_effective *eff,
                  struct sg_report *report)
{
    struct judge j = {.pod = pod, .eff = eff, .report = report};
    struct sg_effective ceff;
    char subject[160];
    size_t mark;

    if (pod->spec == NULL)
        return;
    judge_pod_level(&j);
    for (size_t i = 0; i < pod->n_containers; i++) {
        const struct sg_container *c = &pod->containers[i];
        /* An image exemption lifts rules for this container alone; the
         * pod-level settings above stay judged by the pod's rules. */
        j.eff = sg_policy_for_container(eff, c->name, c->image, &ceff) ? &ceff : eff;
        who(subject, sizeof(subject), c, NAME_BRIEF);
        container_path(&j, c);
        if (c->sc != NULL) {
            mark = sg_path_key(&j.path, "securityContext");
            sg_path_key(&j.path, "seccompProfile");
            judge_profile(&j, subject, &c->seccomp);
            sg_path_pop(&j.path, mark);
        }
        if (c->annotation != NULL) {
            char key[SG_PATH_MAX];
            sg_path_init(&j.path, pod->meta_path);
            sg_path_key(&j.path, "annotations");
            sg_fmt_snprintf(key, sizeof(key), "%s%s", SG_ANNOTATION_CONTAINER, c->name);
            sg_path_map_key(&j.path, key);
            judge_annotation(&j, subject, c->annotation);
            container_path(&j, c);
        }
        judge_unset(&j, c, subject);
        judge_privileged(&j, c, subject);
        judge_capabilities(&j, c, subject);
        judge_escalation(&j, c, subject);
    }
}
