/* policy.c - see policy.h: the three base levels every policy starts
 * from, resolving the rules in force for a request, and what an image
 * exemption lifts for one container. Reading the YAML is policy_read.c's
 * job, printing it policy_dump.c's; the data they share is in
 * policy_model.h. */
#include "policy.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "capability.h"
#include "policy_model.h"

/* One base level: what every key a policy omits means. Each agrees with
 * the shipped file of its name in manifests/policies/, which says only
 * `base: <name>`: baseline and restricted are PSA's levels for seccomp and
 * capabilities (tests/validate/conformance.py), default is what a new
 * cluster should run. */
struct base_level {
    const char *name;
    enum sg_action action[SG_RULE_CONFIGURABLE];
    const char *const *allowed_add;
    size_t n_allowed_add;
    enum sg_profile_type default_profile;
    const char *const *default_drop;
    size_t n_default_drop;
};

/* PSA baseline's capabilities_allowed_1_0: Docker's default set minus NET_RAW. */
static const char *const baseline_caps[] = {
    "AUDIT_WRITE",      "CHOWN",   "DAC_OVERRIDE", "FOWNER",  "FSETID", "KILL",       "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID",       "SETPCAP", "SETUID", "SYS_CHROOT",
};
static const char *const restricted_caps[] = {"NET_BIND_SERVICE"};
/* Raw sockets let a container forge packets on the node's network; almost
 * nothing but ping needs them. */
static const char *const default_drop[] = {"NET_RAW"};

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define D    SG_ACTION_DENY
#define W    SG_ACTION_WARN
#define A    SG_ACTION_AUDIT
#define OK   SG_ACTION_ALLOW

/* Columns in enum sg_rule order: seccomp-unconfined, seccomp-unset,
 * seccomp-localhost, privileged, capabilities-add, capabilities-spelling,
 * capabilities-drop-spelling, capabilities-unknown, capabilities-drop-all,
 * privilege-escalation, capabilities-required-drop, seccomp-localhost-unknown,
 * seccomp-localhost-dangerous. The last two judge only with a profiles
 * folder (known.h), so PSA's levels stay PSA's without one. Restricted
 * refuses a profile it cannot see; the others warn, as a node may get a
 * new profile before the webhook's folder does. */
static const struct base_level bases[SG_BASE_COUNT] = {
    [SG_BASE_BASELINE] = {"baseline",
                          {D, OK, D, D, D, D, W, D, OK, OK, D, W, W},
                          baseline_caps,
                          N(baseline_caps),
                          SG_PROFILE_NONE,
                          NULL,
                          0},
    [SG_BASE_RESTRICTED] = {"restricted",
                            {D, D, D, D, D, D, W, D, D, D, D, D, W},
                            restricted_caps,
                            N(restricted_caps),
                            SG_PROFILE_NONE,
                            NULL,
                            0},
    [SG_BASE_DEFAULT] = {"default",
                         {D, W, D, D, D, D, W, D, A, A, D, W, W},
                         baseline_caps,
                         N(baseline_caps),
                         SG_PROFILE_RUNTIME_DEFAULT,
                         default_drop,
                         N(default_drop)},
};

static const char *const all_localhost_globs[] = {"*"};

const char *sg_base_name(enum sg_base base)
{
    return (unsigned)base < SG_BASE_COUNT ? bases[base].name : "?";
}

int sg_base_find(const char *name)
{
    for (int b = 0; b < SG_BASE_COUNT; b++) {
        if (strcmp(bases[b].name, name) == 0)
            return b;
    }
    return -1;
}

/* ---- small helpers ---------------------------------------------------- */

void sg_policy_strlist_free(struct strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

void sg_policy_settings_free(struct settings *s)
{
    sg_policy_strlist_free(&s->localhost_globs);
    free(s->default_localhost);
    free(s->default_drop);
}

static void match_free(struct match *m)
{
    sg_policy_strlist_free(&m->namespaces);
    sg_policy_strlist_free(&m->usernames);
    sg_policy_strlist_free(&m->groups);
    sg_policy_strlist_free(&m->runtime_classes);
}

const char *sg_policy_profiles_folder(const struct sg_policy *policy)
{
    return policy->profiles.folder;
}

const char *sg_policy_profiles_node_folder(const struct sg_policy *policy)
{
    return policy->profiles.node_folder ? policy->profiles.node_folder
                                        : SG_POLICY_NODE_FOLDER_DEFAULT;
}

void sg_policy_set_known(struct sg_policy *policy, struct sg_known *known)
{
    sg_known_free(policy->known);
    policy->known = known;
}

const struct sg_known *sg_policy_known(const struct sg_policy *policy)
{
    return policy->known;
}

const char *sg_policy_next_injected(const struct sg_policy *policy, size_t *iter)
{
    while (*iter <= policy->n_overrides) {
        const struct settings *s =
            *iter == 0 ? &policy->settings : &policy->overrides[*iter - 1].settings;
        ++*iter;
        if (s->default_profile_set && s->default_profile == SG_PROFILE_LOCALHOST)
            return s->default_localhost;
    }
    return NULL;
}

void sg_policy_free(struct sg_policy *policy)
{
    if (policy == NULL)
        return;
    sg_policy_settings_free(&policy->settings);
    match_free(&policy->exemptions);
    for (size_t i = 0; i < policy->n_overrides; i++) {
        match_free(&policy->overrides[i].match);
        sg_policy_settings_free(&policy->overrides[i].settings);
    }
    free(policy->overrides);
    for (size_t i = 0; i < policy->n_images; i++) {
        free(policy->images[i].image);
        sg_policy_strlist_free(&policy->images[i].containers);
        sg_policy_strlist_free(&policy->images[i].namespaces);
    }
    free(policy->images);
    free(policy->profiles.folder);
    free(policy->profiles.node_folder);
    sg_known_free(policy->known);
    free(policy);
}

static int strlist_set(struct strlist *l, const char *const *items, size_t n)
{
    l->items = calloc(n ? n : 1, sizeof(char *));
    if (l->items == NULL)
        return SG_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        l->items[i] = strdup(items[i]);
        if (l->items[i] == NULL)
            return SG_ERR_NOMEM;
        l->n = i + 1;
    }
    return 0;
}

static uint64_t caps_mask(const char *const *names, size_t n)
{
    uint64_t mask = 0;

    for (size_t i = 0; i < n; i++)
        mask |= sg_cap_bit(sg_cap_resolve(names[i], strlen(names[i]), NULL));
    return mask;
}

int sg_policy_settings_of(enum sg_base base, struct settings *s)
{
    const struct base_level *b = &bases[base];

    memset(s, 0, sizeof(*s));
    for (int r = 0; r < SG_RULE_CONFIGURABLE; r++) {
        s->action[r] = b->action[r];
        s->action_set[r] = true;
    }
    s->allowed_add = caps_mask(b->allowed_add, b->n_allowed_add);
    s->allowed_add_set = true;
    s->default_profile = b->default_profile;
    s->default_profile_set = true;
    s->required_drop_set = true;
    s->localhost_globs_set = true;
    s->default_drop_set = true;
    s->default_drop = calloc(b->n_default_drop + 1, sizeof(int));
    if (s->default_drop == NULL)
        return SG_ERR_NOMEM;
    for (size_t i = 0; i < b->n_default_drop; i++)
        s->default_drop[i] = sg_cap_resolve(b->default_drop[i], strlen(b->default_drop[i]), NULL);
    s->n_default_drop = b->n_default_drop;
    return strlist_set(&s->localhost_globs, all_localhost_globs, N(all_localhost_globs));
}

int sg_policy_default(struct sg_policy **out, struct sg_error *err)
{
    struct sg_policy *p;

    *out = NULL;
    p = calloc(1, sizeof(*p));
    if (p == NULL || sg_policy_settings_of(SG_BASE_DEFAULT, &p->settings) < 0) {
        sg_policy_free(p);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    p->base = SG_BASE_DEFAULT;
    *out = p;
    return 0;
}

/* ---- resolving a request's rules -------------------------------------- */

static bool glob_any(const struct strlist *globs, const char *value)
{
    if (value == NULL || value[0] == '\0')
        return false;
    for (size_t i = 0; i < globs->n; i++) {
        if (fnmatch(globs->items[i], value, 0) == 0)
            return true;
    }
    return false;
}

static bool groups_any(const struct strlist *globs, const struct sg_subject *s)
{
    for (size_t i = 0; i < s->n_groups; i++) {
        if (glob_any(globs, s->groups[i]))
            return true;
    }
    return false;
}

/* An override applies when each selector it gives matches (and), each
 * selector matching when any of its globs does (or). */
static bool override_matches(const struct match *m, const struct sg_subject *s)
{
    if (m->namespaces.n > 0 && !glob_any(&m->namespaces, s->namespace))
        return false;
    if (m->usernames.n > 0 && !glob_any(&m->usernames, s->username))
        return false;
    if (m->groups.n > 0 && !groups_any(&m->groups, s))
        return false;
    if (m->runtime_classes.n > 0 && !glob_any(&m->runtime_classes, s->runtime_class))
        return false;
    return true;
}

static void apply_settings(const struct settings *s, struct sg_effective *e)
{
    for (int r = 0; r < SG_RULE_CONFIGURABLE; r++) {
        if (s->action_set[r])
            e->action[r] = s->action[r];
    }
    if (s->localhost_globs_set) {
        e->localhost_globs = (const char *const *)s->localhost_globs.items;
        e->n_localhost_globs = s->localhost_globs.n;
    }
    if (s->allowed_add_set)
        e->allowed_add = s->allowed_add;
    if (s->default_profile_set) {
        e->default_profile = s->default_profile;
        e->default_localhost = s->default_localhost;
    }
    if (s->default_drop_set) {
        e->default_drop = s->default_drop;
        e->n_default_drop = s->n_default_drop;
    }
    if (s->required_drop_set)
        e->required_drop = s->required_drop;
}

const char *sg_exemption_name(enum sg_exemption e)
{
    switch (e) {
    case SG_EXEMPT_NAMESPACE:
        return "namespace";
    case SG_EXEMPT_USERNAME:
        return "username";
    case SG_EXEMPT_GROUP:
        return "group";
    case SG_EXEMPT_RUNTIME_CLASS:
        return "runtimeClass";
    case SG_EXEMPT_NONE:
        break;
    }
    return "";
}

enum sg_exemption sg_policy_resolve(const struct sg_policy *policy,
                                    const struct sg_subject *subject, struct sg_effective *out)
{
    const struct match *ex = &policy->exemptions;

    memset(out, 0, sizeof(*out));
    for (int r = SG_RULE_CONFIGURABLE; r < SG_RULE_COUNT; r++)
        out->action[r] = SG_ACTION_DENY;
    out->policy = policy;
    out->known = policy->known;
    out->namespace = subject->namespace;
    apply_settings(&policy->settings, out);
    for (size_t i = 0; i < policy->n_overrides; i++) {
        if (override_matches(&policy->overrides[i].match, subject))
            apply_settings(&policy->overrides[i].settings, out);
    }
    if (glob_any(&ex->namespaces, subject->namespace))
        return SG_EXEMPT_NAMESPACE;
    if (glob_any(&ex->usernames, subject->username))
        return SG_EXEMPT_USERNAME;
    if (groups_any(&ex->groups, subject))
        return SG_EXEMPT_GROUP;
    if (glob_any(&ex->runtime_classes, subject->runtime_class))
        return SG_EXEMPT_RUNTIME_CLASS;
    return SG_EXEMPT_NONE;
}

/* ---- image exemptions ------------------------------------------------- */

static bool glob_any_or_none(const struct strlist *globs, const char *value)
{
    return globs->n == 0 || glob_any(globs, value);
}

bool sg_policy_for_container(const struct sg_effective *eff, const char *name, const char *image,
                             struct sg_effective *out)
{
    const struct sg_policy *p = eff->policy;
    struct sg_image_ref ref;
    bool lifted = false;

    /* Most policies have no image exemptions: *out is left alone then. */
    if (p == NULL || p->n_images == 0 || image == NULL || !sg_image_parse(image, &ref))
        return false;
    for (size_t i = 0; i < p->n_images; i++) {
        const struct image_exemption *x = &p->images[i];
        if (!sg_image_matches(&x->pattern, &ref) || !glob_any_or_none(&x->containers, name) ||
            !glob_any_or_none(&x->namespaces, eff->namespace))
            continue;
        if (!lifted)
            *out = *eff;
        for (int r = 0; r < SG_RULE_CONFIGURABLE; r++) {
            if (x->lifted & (UINT32_C(1) << r))
                out->action[r] = SG_ACTION_ALLOW;
        }
        out->allowed_add |= x->allowed_add;
        lifted = true;
    }
    return lifted;
}
