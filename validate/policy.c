/* policy.c - reads, checks, resolves and prints the policy (see policy.h and
 * docs/policy.md). Parsing is strict: an unknown key, a duplicate key, a
 * wrong type, a bad action or a capability that is not spelt canonically is
 * an error naming file, line and column, because a typo in a security
 * policy must never silently mean "the default". */
#include "policy.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "buf.h"
#include "capability.h"
#include "seccomp.h"

/* Named bounds on what a policy may hold. */
#define POLICY_MAX_LIST      1024 /* entries in any one list */
#define POLICY_MAX_OVERRIDES 256
#define POLICY_MAX_STRING    1024 /* bytes in a glob or name */
#define POLICY_DUMP_MAX      (4 * 1024 * 1024)
/* Bytes the list entries of a policy may hold, counted with aliases
 * expanded (a few KiB of YAML can name one anchored list from every
 * override, and would hold GiB) plus a pointer each. An eighth of a file:
 * its dump (at most 4 bytes per byte held, plus the keys) still reads back. */
#define POLICY_MAX_HELD (SG_POLICY_MAX_BYTES / 8)

struct strlist {
    char **items;
    size_t n;
};

/* The part of a policy an override may replace. `set` says which parts an
 * override gave; the base settings have every part set. */
struct settings {
    enum sg_action action[SG_RULE_CONFIGURABLE];
    bool action_set[SG_RULE_CONFIGURABLE];
    struct strlist localhost_globs;
    bool localhost_globs_set;
    enum sg_profile_type default_profile;
    char *default_localhost;
    bool default_profile_set;
    uint64_t allowed_add;
    bool allowed_add_set;
    int *default_drop;
    size_t n_default_drop;
    bool default_drop_set;
};

struct match {
    struct strlist namespaces;
    struct strlist usernames;
    struct strlist groups;
    struct strlist runtime_classes;
};

struct override {
    struct match match;
    struct settings settings;
};

struct sg_policy {
    struct settings base;
    struct match exemptions;
    struct override *overrides;
    size_t n_overrides;
};

/* Defaults: what an empty policy file means. Deny what is certainly unsafe
 * (Unconfined, privileged, capabilities outside PSA baseline, names that
 * are not what they seem) and inject RuntimeDefault; ask nothing more. */
static const enum sg_action default_actions[SG_RULE_CONFIGURABLE] = {
    [SG_RULE_SECCOMP_UNCONFINED] = SG_ACTION_DENY,
    [SG_RULE_SECCOMP_UNSET] = SG_ACTION_ALLOW,
    [SG_RULE_SECCOMP_LOCALHOST] = SG_ACTION_DENY,
    [SG_RULE_PRIVILEGED] = SG_ACTION_DENY,
    [SG_RULE_CAP_ADD] = SG_ACTION_DENY,
    [SG_RULE_CAP_SPELLING] = SG_ACTION_DENY,
    [SG_RULE_CAP_DROP_SPELLING] = SG_ACTION_WARN,
    [SG_RULE_CAP_UNKNOWN] = SG_ACTION_DENY,
    [SG_RULE_CAP_DROP_ALL] = SG_ACTION_ALLOW,
    [SG_RULE_PRIV_ESCALATION] = SG_ACTION_ALLOW,
};

/* PSA baseline's capabilities_allowed_1_0: Docker's default set minus NET_RAW. */
static const char *const baseline_caps[] = {
    "AUDIT_WRITE",      "CHOWN",   "DAC_OVERRIDE", "FOWNER",  "FSETID", "KILL",       "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID",       "SETPCAP", "SETUID", "SYS_CHROOT",
};

static const char *const default_localhost_globs[] = {"*"};

/* ---- small helpers ---------------------------------------------------- */

static void strlist_free(struct strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

static void settings_free(struct settings *s)
{
    strlist_free(&s->localhost_globs);
    free(s->default_localhost);
    free(s->default_drop);
}

static void match_free(struct match *m)
{
    strlist_free(&m->namespaces);
    strlist_free(&m->usernames);
    strlist_free(&m->groups);
    strlist_free(&m->runtime_classes);
}

void sg_policy_free(struct sg_policy *policy)
{
    if (policy == NULL)
        return;
    settings_free(&policy->base);
    match_free(&policy->exemptions);
    for (size_t i = 0; i < policy->n_overrides; i++) {
        match_free(&policy->overrides[i].match);
        settings_free(&policy->overrides[i].settings);
    }
    free(policy->overrides);
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

static int settings_defaults(struct settings *s)
{
    uint64_t mask = 0;

    memset(s, 0, sizeof(*s));
    for (int r = 0; r < SG_RULE_CONFIGURABLE; r++) {
        s->action[r] = default_actions[r];
        s->action_set[r] = true;
    }
    for (size_t i = 0; i < sizeof(baseline_caps) / sizeof(baseline_caps[0]); i++)
        mask |= sg_cap_bit(sg_cap_resolve(baseline_caps[i], strlen(baseline_caps[i]), NULL));
    s->allowed_add = mask;
    s->allowed_add_set = true;
    s->default_profile = SG_PROFILE_RUNTIME_DEFAULT;
    s->default_profile_set = true;
    s->default_drop_set = true;
    s->localhost_globs_set = true;
    return strlist_set(&s->localhost_globs, default_localhost_globs, 1);
}

/* ---- YAML reading ----------------------------------------------------- */

struct reader {
    const char *name;
    yaml_document_t *doc;
    struct sg_error *err;
    size_t held; /* bytes of list entries read so far; see POLICY_MAX_HELD */
};

static int fail_at(struct reader *r, const yaml_node_t *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(struct reader *r, const yaml_node_t *node, const char *fmt, ...)
{
    char what[SG_ERROR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return sg_error_set(r->err, SG_ERR_INVALID, "%s:%zu:%zu: %s", r->name,
                        node->start_mark.line + 1, node->start_mark.column + 1, what);
}

static const char *scalar(const yaml_node_t *node)
{
    return (const char *)node->data.scalar.value;
}

static bool is_null(const yaml_node_t *node)
{
    const char *v;

    if (node->type != YAML_SCALAR_NODE || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    v = scalar(node);
    return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
           strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

static const char *node_kind(const yaml_node_t *node)
{
    switch (node->type) {
    case YAML_SCALAR_NODE:
        return "a scalar";
    case YAML_SEQUENCE_NODE:
        return "a list";
    case YAML_MAPPING_NODE:
        return "a mapping";
    default:
        return "nothing";
    }
}

/* A string value: a scalar, not null, no NUL byte, bounded. */
static int read_string(struct reader *r, const yaml_node_t *node, const char *what,
                       const char **out)
{
    if (node->type != YAML_SCALAR_NODE || is_null(node))
        return fail_at(r, node, "%s must be a string, found %s", what,
                       is_null(node) ? "null" : node_kind(node));
    if (node->data.scalar.length > POLICY_MAX_STRING)
        return fail_at(r, node, "%s is longer than %d bytes", what, POLICY_MAX_STRING);
    if (strlen(scalar(node)) != node->data.scalar.length)
        return fail_at(r, node, "%s contains a NUL byte", what);
    *out = scalar(node);
    return 0;
}

typedef int (*key_handler)(struct reader *r, yaml_node_t *keynode, yaml_node_t *value, void *ctx);

/* Walks a mapping, refusing duplicate keys, handing each pair to `handler`.
 * A null value counts as an empty mapping. */
static int read_mapping(struct reader *r, yaml_node_t *node, const char *what, key_handler handler,
                        void *ctx)
{
    yaml_node_pair_t *pair, *prev;
    int rc;

    if (is_null(node))
        return 0;
    if (node->type != YAML_MAPPING_NODE)
        return fail_at(r, node, "%s must be a mapping, found %s", what, node_kind(node));
    for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
        yaml_node_t *key = yaml_document_get_node(r->doc, pair->key);
        yaml_node_t *value = yaml_document_get_node(r->doc, pair->value);
        if (key == NULL || value == NULL)
            return sg_error_set(r->err, SG_ERR_INTERNAL, "%s: broken YAML document", r->name);
        if (key->type != YAML_SCALAR_NODE)
            return fail_at(r, key, "keys in %s must be strings, found %s", what, node_kind(key));
        for (prev = node->data.mapping.pairs.start; prev < pair; prev++) {
            yaml_node_t *pk = yaml_document_get_node(r->doc, prev->key);
            if (pk != NULL && pk->type == YAML_SCALAR_NODE && strcmp(scalar(pk), scalar(key)) == 0)
                return fail_at(r, key, "duplicate key '%s' in %s", scalar(key), what);
        }
        rc = handler(r, key, value, ctx);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static bool mapping_has_key(struct reader *r, yaml_node_t *node, const char *key)
{
    if (node->type != YAML_MAPPING_NODE)
        return false;
    for (yaml_node_pair_t *pair = node->data.mapping.pairs.start;
         pair < node->data.mapping.pairs.top; pair++) {
        yaml_node_t *k = yaml_document_get_node(r->doc, pair->key);
        if (k != NULL && k->type == YAML_SCALAR_NODE && strcmp(scalar(k), key) == 0)
            return true;
    }
    return false;
}

/* A list of strings (a null value is an empty list). Each item is checked
 * by `check` when given, which may fail_at the item. */
typedef int (*item_check)(struct reader *r, yaml_node_t *item, const char *value, void *ctx);

static int read_string_list(struct reader *r, yaml_node_t *node, const char *what, item_check check,
                            void *ctx, struct strlist *out)
{
    yaml_node_item_t *it;
    size_t n;
    int rc;

    strlist_free(out);
    if (is_null(node))
        return 0;
    if (node->type != YAML_SEQUENCE_NODE)
        return fail_at(r, node, "%s must be a list, found %s", what, node_kind(node));
    n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
    if (n > POLICY_MAX_LIST)
        return fail_at(r, node, "%s has %zu entries; at most %d are allowed", what, n,
                       POLICY_MAX_LIST);
    out->items = calloc(n ? n : 1, sizeof(char *));
    if (out->items == NULL)
        return sg_error_set(r->err, SG_ERR_NOMEM, "out of memory");
    for (it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++) {
        yaml_node_t *item = yaml_document_get_node(r->doc, *it);
        const char *value;
        if (item == NULL)
            return sg_error_set(r->err, SG_ERR_INTERNAL, "%s: broken YAML document", r->name);
        rc = read_string(r, item, what, &value);
        if (rc < 0)
            return rc;
        if (value[0] == '\0')
            return fail_at(r, item, "an entry of %s is empty", what);
        r->held += strlen(value) + sizeof(char *);
        if (r->held > POLICY_MAX_HELD)
            return fail_at(r, item,
                           "the policy's lists hold more than %d bytes once aliases are "
                           "expanded",
                           POLICY_MAX_HELD);
        if (check != NULL) {
            rc = check(r, item, value, ctx);
            if (rc < 0)
                return rc;
        }
        out->items[out->n] = strdup(value);
        if (out->items[out->n] == NULL)
            return sg_error_set(r->err, SG_ERR_NOMEM, "out of memory");
        out->n++;
    }
    return 0;
}

/* A capability name in the policy must be canonical: the policy is where
 * the canonical form is taught, and an allow-list entry "chown" would read
 * as if PSA allowed that spelling. */
static int check_capability(struct reader *r, yaml_node_t *item, const char *value, void *ctx)
{
    enum sg_cap_spelling spelling;
    int cap = sg_cap_resolve(value, strlen(value), &spelling);
    int *out = ctx;

    if (cap < 0)
        return fail_at(r, item, "'%s' is not a Linux capability", value);
    if (spelling != SG_CAP_CANONICAL)
        return fail_at(r, item, "capability '%s' must be written '%s'", value, sg_cap_name(cap));
    *out = cap;
    return 0;
}

static int read_capability_list(struct reader *r, yaml_node_t *node, const char *what,
                                int **caps_out, size_t *n_out)
{
    struct strlist names = {0};
    int *caps = NULL;
    size_t n = 0;
    int rc, cap = -1;

    rc = read_string_list(r, node, what, NULL, NULL, &names);
    if (rc < 0)
        goto out;
    caps = calloc(names.n ? names.n : 1, sizeof(int));
    if (caps == NULL) {
        rc = sg_error_set(r->err, SG_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < names.n; i++) {
        yaml_node_t *item = yaml_document_get_node(r->doc, node->data.sequence.items.start[i]);
        rc = check_capability(r, item, names.items[i], &cap);
        if (rc < 0)
            goto out;
        caps[n++] = cap;
    }
    *caps_out = caps;
    *n_out = n;
    caps = NULL;
out:
    free(caps);
    strlist_free(&names);
    return rc;
}

static int check_glob(struct reader *r, yaml_node_t *item, const char *value, void *ctx)
{
    (void)ctx;
    /* fnmatch has no compile step; an unterminated bracket matches only
     * itself, which is never what was meant. */
    const char *open = strchr(value, '[');
    if (open != NULL && strchr(open, ']') == NULL)
        return fail_at(r, item, "glob '%s' has '[' without ']'", value);
    return 0;
}

/* ---- sections --------------------------------------------------------- */

static int rules_key(struct reader *r, yaml_node_t *keynode, yaml_node_t *value, void *ctx)
{
    const char *key = scalar(keynode);
    struct settings *s = ctx;
    const char *name = NULL; /* gcc 12 -O3 cannot see read_string set it */
    int rule = sg_rule_find(key), action, rc;

    if (rule < 0)
        return fail_at(r, keynode, "unknown rule '%s' in rules (see docs/policy.md)", key);
    if (rule >= SG_RULE_CONFIGURABLE)
        return fail_at(r, keynode, "rule '%s' is always denied and cannot be configured", key);
    rc = read_string(r, value, key, &name);
    if (rc < 0)
        return rc;
    action = sg_action_find(name);
    if (action < 0)
        return fail_at(r, value,
                       "unknown action '%s' for rule '%s': use deny, warn, audit or allow", name,
                       key);
    s->action[rule] = (enum sg_action)action;
    s->action_set[rule] = true;
    return 0;
}

static int profile_key(struct reader *r, yaml_node_t *keynode, yaml_node_t *value, void *ctx)
{
    const char *key = scalar(keynode);
    struct settings *s = ctx;
    const char *v, *problem;
    int rc;

    if (strcmp(key, "type") == 0) {
        rc = read_string(r, value, "seccomp.defaultProfile.type", &v);
        if (rc < 0)
            return rc;
        if (strcmp(v, "RuntimeDefault") == 0)
            s->default_profile = SG_PROFILE_RUNTIME_DEFAULT;
        else if (strcmp(v, "Localhost") == 0)
            s->default_profile = SG_PROFILE_LOCALHOST;
        else if (strcmp(v, "None") == 0)
            s->default_profile = SG_PROFILE_NONE;
        else
            return fail_at(r, value,
                           "seccomp.defaultProfile.type '%s' must be RuntimeDefault, Localhost "
                           "or None (Unconfined is never injected)",
                           v);
        return 0;
    }
    if (strcmp(key, "localhostProfile") == 0) {
        rc = read_string(r, value, "seccomp.defaultProfile.localhostProfile", &v);
        if (rc < 0)
            return rc;
        problem = sg_seccomp_localhost_problem(v, strlen(v));
        if (problem != NULL)
            return fail_at(r, value,
                           "seccomp.defaultProfile.localhostProfile '%s' %s; it must be a path "
                           "relative to the kubelet's seccomp directory",
                           v, problem);
        free(s->default_localhost);
        s->default_localhost = strdup(v);
        if (s->default_localhost == NULL)
            return sg_error_set(r->err, SG_ERR_NOMEM, "out of memory");
        return 0;
    }
    return fail_at(r, keynode, "unknown key '%s' in seccomp.defaultProfile", key);
}

static int seccomp_key(struct reader *r, yaml_node_t *keynode, yaml_node_t *value, void *ctx)
{
    const char *key = scalar(keynode);
    struct settings *s = ctx;
    int rc;

    if (strcmp(key, "allowedLocalhostProfiles") == 0) {
        rc = read_string_list(r, value, "seccomp.allowedLocalhostProfiles", check_glob, NULL,
                              &s->localhost_globs);
        s->localhost_globs_set = true;
        return rc;
    }
    if (strcmp(key, "defaultProfile") == 0) {
        s->default_profile = SG_PROFILE_NONE;
        free(s->default_localhost);
        s->default_localhost = NULL;
        if (is_null(value))
            return fail_at(r, value,
                           "seccomp.defaultProfile needs a type (RuntimeDefault, "
                           "Localhost or None)");
        rc = read_mapping(r, value, "seccomp.defaultProfile", profile_key, s);
        if (rc < 0)
            return rc;
        /* `{}` would otherwise mean None: injection off by omission. */
        if (!mapping_has_key(r, value, "type"))
            return fail_at(r, value,
                           "seccomp.defaultProfile needs a type (RuntimeDefault, "
                           "Localhost or None)");
        if (s->default_profile == SG_PROFILE_LOCALHOST && s->default_localhost == NULL)
            return fail_at(r, value,
                           "seccomp.defaultProfile of type Localhost needs "
                           "localhostProfile");
        if (s->default_profile != SG_PROFILE_LOCALHOST && s->default_localhost != NULL)
            return fail_at(r, value,
                           "seccomp.defaultProfile.localhostProfile is only valid "
                           "with type Localhost");
        s->default_profile_set = true;
        return 0;
    }
    return fail_at(r, keynode, "unknown key '%s' in seccomp", key);
}

static int capabilities_key(struct reader *r, yaml_node_t *keynode, yaml_node_t *value, void *ctx)
{
    const char *key = scalar(keynode);
    struct settings *s = ctx;
    int *caps = NULL;
    size_t n = 0;
    int rc;

    if (strcmp(key, "allowedAdd") == 0) {
        rc = read_capability_list(r, value, "capabilities.allowedAdd", &caps, &n);
        if (rc < 0)
            return rc;
        s->allowed_add = 0;
        for (size_t i = 0; i < n; i++)
            s->allowed_add |= sg_cap_bit(caps[i]);
        free(caps);
        s->allowed_add_set = true;
        return 0;
    }
    if (strcmp(key, "defaultDrop") == 0) {
        rc = read_capability_list(r, value, "capabilities.defaultDrop", &caps, &n);
        if (rc < 0)
            return rc;
        free(s->default_drop);
        s->default_drop = caps;
        s->n_default_drop = n;
        s->default_drop_set = true;
        return 0;
    }
    return fail_at(r, keynode, "unknown key '%s' in capabilities", key);
}

static int settings_key(struct reader *r, yaml_node_t *keynode, yaml_node_t *value,
                        struct settings *s, bool *handled)
{
    const char *key = scalar(keynode);

    *handled = true;
    if (strcmp(key, "rules") == 0)
        return read_mapping(r, value, "rules", rules_key, s);
    if (strcmp(key, "seccomp") == 0)
        return read_mapping(r, value, "seccomp", seccomp_key, s);
    if (strcmp(key, "capabilities") == 0)
        return read_mapping(r, value, "capabilities", capabilities_key, s);
    *handled = false;
    return 0;
}

static int match_key(struct reader *r, yaml_node_t *keynode, yaml_node_t *value, void *ctx)
{
    const char *key = scalar(keynode);
    struct match *m = ctx;

    if (strcmp(key, "namespaces") == 0)
        return read_string_list(r, value, "namespaces", check_glob, NULL, &m->namespaces);
    if (strcmp(key, "usernames") == 0)
        return read_string_list(r, value, "usernames", check_glob, NULL, &m->usernames);
    if (strcmp(key, "groups") == 0)
        return read_string_list(r, value, "groups", check_glob, NULL, &m->groups);
    if (strcmp(key, "runtimeClasses") == 0)
        return read_string_list(r, value, "runtimeClasses", check_glob, NULL, &m->runtime_classes);
    return fail_at(r, keynode,
                   "unknown key '%s': use namespaces, usernames, groups or "
                   "runtimeClasses",
                   key);
}

static int override_key(struct reader *r, yaml_node_t *keynode, yaml_node_t *value, void *ctx)
{
    const char *key = scalar(keynode);
    struct override *o = ctx;
    bool handled;
    int rc;

    if (strcmp(key, "match") == 0)
        return read_mapping(r, value, "overrides[].match", match_key, &o->match);
    rc = settings_key(r, keynode, value, &o->settings, &handled);
    if (rc < 0 || handled)
        return rc;
    return fail_at(r, keynode,
                   "unknown key '%s' in an override: use match, rules, seccomp or capabilities",
                   key);
}

static int read_overrides(struct reader *r, yaml_node_t *node, struct sg_policy *p)
{
    yaml_node_item_t *it;
    size_t n;
    int rc;

    if (is_null(node))
        return 0;
    if (node->type != YAML_SEQUENCE_NODE)
        return fail_at(r, node, "overrides must be a list, found %s", node_kind(node));
    n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
    if (n > POLICY_MAX_OVERRIDES)
        return fail_at(r, node, "overrides has %zu entries; at most %d are allowed", n,
                       POLICY_MAX_OVERRIDES);
    p->overrides = calloc(n ? n : 1, sizeof(*p->overrides));
    if (p->overrides == NULL)
        return sg_error_set(r->err, SG_ERR_NOMEM, "out of memory");
    for (it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++) {
        yaml_node_t *item = yaml_document_get_node(r->doc, *it);
        struct override *o = &p->overrides[p->n_overrides++];
        struct match *m = &o->match;
        if (item == NULL)
            return sg_error_set(r->err, SG_ERR_INTERNAL, "%s: broken YAML document", r->name);
        if (item->type != YAML_MAPPING_NODE)
            return fail_at(r, item, "each override must be a mapping, found %s", node_kind(item));
        rc = read_mapping(r, item, "an override", override_key, o);
        if (rc < 0)
            return rc;
        /* An override that matches everything is a second base policy,
         * hidden at the bottom of the file: make the author say so. */
        if (m->namespaces.n + m->usernames.n + m->groups.n + m->runtime_classes.n == 0)
            return fail_at(r, item,
                           "override has an empty match: give namespaces, usernames, "
                           "groups or runtimeClasses (use namespaces: [\"*\"] to "
                           "match everything)");
    }
    return 0;
}

static int top_key(struct reader *r, yaml_node_t *keynode, yaml_node_t *value, void *ctx)
{
    const char *key = scalar(keynode);
    struct sg_policy *p = ctx;
    bool handled;
    int rc;

    rc = settings_key(r, keynode, value, &p->base, &handled);
    if (rc < 0 || handled)
        return rc;
    if (strcmp(key, "exemptions") == 0)
        return read_mapping(r, value, "exemptions", match_key, &p->exemptions);
    if (strcmp(key, "overrides") == 0)
        return read_overrides(r, value, p);
    return fail_at(r, keynode,
                   "unknown key '%s': a policy has rules, seccomp, capabilities, exemptions and "
                   "overrides",
                   key);
}

/* What the lists of a parsed policy count towards POLICY_MAX_HELD, entry by
 * entry as its dump writes them (defaults spelt out, allowedAdd as the
 * names of its mask): the count the dump meets when it is read back. */
static size_t strlist_held(const struct strlist *l)
{
    size_t held = 0;

    for (size_t i = 0; i < l->n; i++)
        held += strlen(l->items[i]) + sizeof(char *);
    return held;
}

static size_t settings_held(const struct settings *s)
{
    size_t held = strlist_held(&s->localhost_globs);

    for (int cap = 0; s->allowed_add_set && cap <= SG_CAP_ALL; cap++) {
        if (s->allowed_add & sg_cap_bit(cap))
            held += strlen(sg_cap_name(cap)) + sizeof(char *);
    }
    for (size_t i = 0; i < s->n_default_drop; i++)
        held += strlen(sg_cap_name(s->default_drop[i])) + sizeof(char *);
    return held;
}

static size_t match_held(const struct match *m)
{
    return strlist_held(&m->namespaces) + strlist_held(&m->usernames) + strlist_held(&m->groups) +
           strlist_held(&m->runtime_classes);
}

static size_t policy_held(const struct sg_policy *p)
{
    size_t held = settings_held(&p->base) + match_held(&p->exemptions);

    for (size_t i = 0; i < p->n_overrides; i++)
        held += settings_held(&p->overrides[i].settings) + match_held(&p->overrides[i].match);
    return held;
}

int sg_policy_default(struct sg_policy **out, struct sg_error *err)
{
    struct sg_policy *p;

    *out = NULL;
    p = calloc(1, sizeof(*p));
    if (p == NULL || settings_defaults(&p->base) < 0) {
        sg_policy_free(p);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    *out = p;
    return 0;
}

static int parser_error(const yaml_parser_t *parser, const char *name, struct sg_error *err)
{
    if (parser->error == YAML_MEMORY_ERROR)
        return sg_error_set(err, SG_ERR_NOMEM, "%s: out of memory", name);
    return sg_error_set(err, SG_ERR_INVALID, "%s:%zu:%zu: invalid YAML: %s%s%s", name,
                        parser->problem_mark.line + 1, parser->problem_mark.column + 1,
                        parser->problem ? parser->problem : "syntax error",
                        parser->context ? " " : "", parser->context ? parser->context : "");
}

int sg_policy_parse(const char *name, const char *yaml, size_t len, struct sg_policy **out,
                    struct sg_error *err)
{
    yaml_parser_t parser;
    yaml_document_t doc, extra;
    bool have_doc = false, have_parser = false;
    struct sg_policy *p = NULL;
    struct reader r = {.name = name, .doc = &doc, .err = err};
    yaml_node_t *root;
    int rc;

    *out = NULL;
    if (len > SG_POLICY_MAX_BYTES) {
        rc = sg_error_set(err, SG_ERR_LIMIT, "%s: %zu bytes; a policy may have at most %d", name,
                          len, SG_POLICY_MAX_BYTES);
        goto out;
    }
    if (memchr(yaml, '\0', len) != NULL) {
        rc = sg_error_set(err, SG_ERR_INVALID, "%s: contains a NUL byte; is it a YAML file?", name);
        goto out;
    }
    rc = sg_policy_default(&p, err);
    if (rc < 0)
        goto out;
    if (!yaml_parser_initialize(&parser)) {
        rc = sg_error_set(err, SG_ERR_NOMEM, "%s: out of memory", name);
        goto out;
    }
    have_parser = true;
    yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
    if (!yaml_parser_load(&parser, &doc)) {
        rc = parser_error(&parser, name, err);
        goto out;
    }
    have_doc = true;
    root = yaml_document_get_root_node(&doc);
    if (root != NULL) {
        if (!yaml_parser_load(&parser, &extra)) {
            rc = parser_error(&parser, name, err);
            goto out;
        }
        bool second = yaml_document_get_root_node(&extra) != NULL;
        yaml_mark_t mark = extra.start_mark;
        yaml_document_delete(&extra);
        if (second) {
            rc = sg_error_set(err, SG_ERR_INVALID,
                              "%s:%zu:%zu: a second YAML document; a policy is one document", name,
                              mark.line + 1, mark.column + 1);
            goto out;
        }
        if (!is_null(root)) {
            if (root->type != YAML_MAPPING_NODE) {
                rc = fail_at(&r, root, "a policy must be a mapping, found %s", node_kind(root));
                goto out;
            }
            rc = read_mapping(&r, root, "the policy", top_key, p);
            if (rc < 0)
                goto out;
            /* The defaults the file left alone count too: its dump spells
             * them out. */
            if (policy_held(p) > POLICY_MAX_HELD) {
                rc = sg_error_set(err, SG_ERR_INVALID,
                                  "%s: the policy's lists hold more than %d bytes once aliases "
                                  "are expanded",
                                  name, POLICY_MAX_HELD);
                goto out;
            }
        }
    }
    *out = p;
    p = NULL;
    rc = 0;
out:
    if (have_doc)
        yaml_document_delete(&doc);
    if (have_parser)
        yaml_parser_delete(&parser);
    sg_policy_free(p);
    return rc;
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
    apply_settings(&policy->base, out);
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

/* ---- printing ----------------------------------------------------------- */

/* A character libyaml takes as written inside a double-quoted scalar: YAML
 * 1.1's printable set less the line breaks (NEL, LS, PS are folded like
 * \n) and the BOM. */
static bool yaml_keeps(uint32_t c)
{
    return (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xd7ff && c != 0x2028 && c != 0x2029) ||
           (c >= 0xe000 && c <= 0xfffd && c != 0xfeff) || (c >= 0x10000 && c <= 0x10ffff);
}

/* Writes `s` as a YAML double-quoted scalar that reads back as `s`. Every
 * string here came from libyaml, so it is valid UTF-8; whatever libyaml
 * would refuse or fold is written as an escape (\x, \u, \U). */
static void dump_quoted(struct sg_buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    sg_buf_addc(b, '"');
    while (*p != '\0') {
        size_t n = *p < 0x80 ? 1 : *p < 0xe0 ? 2 : *p < 0xf0 ? 3 : 4;
        uint32_t c = n == 1 ? *p : n == 2 ? *p & 0x1fu : n == 3 ? *p & 0x0fu : *p & 0x07u;
        size_t i;

        for (i = 1; i < n && (p[i] & 0xc0) == 0x80; i++)
            c = c << 6 | (p[i] & 0x3fu);
        if (i < n) { /* not UTF-8 after all: cannot happen, keep the byte */
            n = 1;
            c = *p;
        }
        if (c == '"' || c == '\\')
            sg_buf_addf(b, "\\%c", (char)c);
        else if (yaml_keeps(c))
            sg_buf_add(b, (const char *)p, n);
        else if (c <= 0xff)
            sg_buf_addf(b, "\\x%02x", (unsigned)c);
        else if (c <= 0xffff)
            sg_buf_addf(b, "\\u%04x", (unsigned)c);
        else
            sg_buf_addf(b, "\\U%08x", (unsigned)c);
        p += n;
    }
    sg_buf_addc(b, '"');
}

static void dump_strlist(struct sg_buf *b, const char *indent, const char *key,
                         const struct strlist *l)
{
    sg_buf_addf(b, "%s%s: [", indent, key);
    for (size_t i = 0; i < l->n; i++) {
        if (i > 0)
            sg_buf_adds(b, ", ");
        dump_quoted(b, l->items[i]);
    }
    sg_buf_adds(b, "]\n");
}

static void dump_caps_mask(struct sg_buf *b, const char *indent, const char *key, uint64_t mask)
{
    bool first = true;

    sg_buf_addf(b, "%s%s: [", indent, key);
    for (int cap = 0; cap <= SG_CAP_ALL; cap++) {
        if (mask & sg_cap_bit(cap)) {
            sg_buf_addf(b, "%s%s", first ? "" : ", ", sg_cap_name(cap));
            first = false;
        }
    }
    sg_buf_adds(b, "]\n");
}

static void dump_settings(struct sg_buf *b, const struct settings *s, const char *indent)
{
    bool any_rule = false, any_seccomp, any_caps;

    for (int r = 0; r < SG_RULE_CONFIGURABLE; r++)
        any_rule = any_rule || s->action_set[r];
    if (any_rule) {
        sg_buf_addf(b, "%srules:\n", indent);
        for (int r = 0; r < SG_RULE_CONFIGURABLE; r++) {
            if (s->action_set[r])
                sg_buf_addf(b, "%s  %s: %s\n", indent, sg_rule_id((enum sg_rule)r),
                            sg_action_name(s->action[r]));
        }
    }
    any_seccomp = s->localhost_globs_set || s->default_profile_set;
    if (any_seccomp) {
        sg_buf_addf(b, "%sseccomp:\n", indent);
        if (s->localhost_globs_set)
            dump_strlist(b, indent, "  allowedLocalhostProfiles", &s->localhost_globs);
        if (s->default_profile_set) {
            sg_buf_addf(b, "%s  defaultProfile:\n%s    type: %s\n", indent, indent,
                        s->default_profile == SG_PROFILE_RUNTIME_DEFAULT ? "RuntimeDefault"
                        : s->default_profile == SG_PROFILE_LOCALHOST     ? "Localhost"
                                                                         : "None");
            if (s->default_localhost != NULL) {
                sg_buf_addf(b, "%s    localhostProfile: ", indent);
                dump_quoted(b, s->default_localhost);
                sg_buf_addc(b, '\n');
            }
        }
    }
    any_caps = s->allowed_add_set || s->default_drop_set;
    if (any_caps) {
        sg_buf_addf(b, "%scapabilities:\n", indent);
        if (s->allowed_add_set)
            dump_caps_mask(b, indent, "  allowedAdd", s->allowed_add);
        if (s->default_drop_set) {
            sg_buf_addf(b, "%s  defaultDrop: [", indent);
            for (size_t i = 0; i < s->n_default_drop; i++)
                sg_buf_addf(b, "%s%s", i ? ", " : "", sg_cap_name(s->default_drop[i]));
            sg_buf_adds(b, "]\n");
        }
    }
}

static void dump_match(struct sg_buf *b, const struct match *m, const char *indent, bool all)
{
    if (all || m->namespaces.n)
        dump_strlist(b, indent, "namespaces", &m->namespaces);
    if (all || m->usernames.n)
        dump_strlist(b, indent, "usernames", &m->usernames);
    if (all || m->groups.n)
        dump_strlist(b, indent, "groups", &m->groups);
    if (all || m->runtime_classes.n)
        dump_strlist(b, indent, "runtimeClasses", &m->runtime_classes);
}

char *sg_policy_dump(const struct sg_policy *policy)
{
    struct sg_buf b;

    sg_buf_init(&b, POLICY_DUMP_MAX);
    sg_buf_adds(&b, "# seccomp-guard policy with every default filled in\n");
    dump_settings(&b, &policy->base, "");
    sg_buf_adds(&b, "exemptions:\n");
    dump_match(&b, &policy->exemptions, "  ", true);
    if (policy->n_overrides == 0) {
        sg_buf_adds(&b, "overrides: []\n");
    } else {
        sg_buf_adds(&b, "overrides:\n");
        for (size_t i = 0; i < policy->n_overrides; i++) {
            sg_buf_adds(&b, "  - match:\n");
            dump_match(&b, &policy->overrides[i].match, "      ", false);
            dump_settings(&b, &policy->overrides[i].settings, "    ");
        }
    }
    return sg_buf_steal(&b);
}
