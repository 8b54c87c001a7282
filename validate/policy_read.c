/* policy_read.c - reads a policy file (YAML, with libyaml) into the model
 * of policy_model.h. Parsing is strict: an unknown key, a duplicate key, a
 * wrong type, a bad action or a capability that is not spelt canonically is
 * an error naming file, line and column, because a typo in a security
 * policy must never silently mean "the default". And a policy names its
 * base level as its last key: a file cut short anywhere (a writer that
 * does not replace it in one step, a bad copy) names no base and is
 * refused, where it would otherwise load with the keys it lost. */
#include "policy.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "capability.h"
#include "policy_model.h"
#include "policy_yaml.h"
#include "seccomp_api.h"

/* Named bounds on what a policy may hold. */
#define POLICY_MAX_OVERRIDES 256
#define POLICY_MAX_IMAGES    256 /* imageExemptions entries */

/* ---- sections --------------------------------------------------------- */

static int rules_key(struct sg_pyaml_reader *r, yaml_node_t *keynode, yaml_node_t *value, void *ctx)
{
    const char *key = sg_pyaml_scalar(keynode);
    struct settings *s = ctx;
    const char *name = NULL; /* gcc 12 -O3 cannot see read_string set it */
    int rule = sg_rule_find(key), action, rc;

    if (rule < 0)
        return sg_pyaml_fail_at(r, keynode, "unknown rule '%s' in rules (see docs/policy.md)", key);
    if (rule >= SG_RULE_CONFIGURABLE)
        return sg_pyaml_fail_at(r, keynode, "rule '%s' is always denied and cannot be configured",
                                key);
    rc = sg_pyaml_read_string(r, value, key, &name);
    if (rc < 0)
        return rc;
    action = sg_action_find(name);
    if (action < 0)
        return sg_pyaml_fail_at(r, value,
                                "unknown action '%s' for rule '%s': use deny, warn, audit or allow",
                                name, key);
    s->action[rule] = (enum sg_action)action;
    s->action_set[rule] = true;
    return 0;
}

static int profile_key(struct sg_pyaml_reader *r, yaml_node_t *keynode, yaml_node_t *value,
                       void *ctx)
{
    const char *key = sg_pyaml_scalar(keynode);
    struct settings *s = ctx;
    const char *v, *problem;
    int rc;

    if (strcmp(key, "type") == 0) {
        rc = sg_pyaml_read_string(r, value, "seccomp.defaultProfile.type", &v);
        if (rc < 0)
            return rc;
        if (strcmp(v, "RuntimeDefault") == 0)
            s->default_profile = SG_PROFILE_RUNTIME_DEFAULT;
        else if (strcmp(v, "Localhost") == 0)
            s->default_profile = SG_PROFILE_LOCALHOST;
        else if (strcmp(v, "None") == 0)
            s->default_profile = SG_PROFILE_NONE;
        else
            return sg_pyaml_fail_at(
                r, value,
                "seccomp.defaultProfile.type '%s' must be RuntimeDefault, Localhost "
                "or None (Unconfined is never injected)",
                v);
        return 0;
    }
    if (strcmp(key, "localhostProfile") == 0) {
        rc = sg_pyaml_read_string(r, value, "seccomp.defaultProfile.localhostProfile", &v);
        if (rc < 0)
            return rc;
        problem = sg_seccomp_localhost_problem(v, strlen(v));
        if (problem != NULL)
            return sg_pyaml_fail_at(
                r, value,
                "seccomp.defaultProfile.localhostProfile '%s' %s; it must be a path "
                "relative to the kubelet's seccomp directory",
                v, problem);
        free(s->default_localhost);
        s->default_localhost = strdup(v);
        if (s->default_localhost == NULL)
            return sg_error_set(r->err, SG_ERR_NOMEM, "out of memory");
        return 0;
    }
    return sg_pyaml_fail_at(r, keynode, "unknown key '%s' in seccomp.defaultProfile", key);
}

static int seccomp_key(struct sg_pyaml_reader *r, yaml_node_t *keynode, yaml_node_t *value,
                       void *ctx)
{
    const char *key = sg_pyaml_scalar(keynode);
    struct settings *s = ctx;
    int rc;

    if (strcmp(key, "allowedLocalhostProfiles") == 0) {
        rc = sg_pyaml_read_string_list(r, value, "seccomp.allowedLocalhostProfiles",
                                       sg_pyaml_check_glob, NULL, &s->localhost_globs);
        s->localhost_globs_set = true;
        return rc;
    }
    if (strcmp(key, "defaultProfile") == 0) {
        s->default_profile = SG_PROFILE_NONE;
        free(s->default_localhost);
        s->default_localhost = NULL;
        if (sg_pyaml_is_null(value))
            return sg_pyaml_fail_at(r, value,
                                    "seccomp.defaultProfile needs a type (RuntimeDefault, "
                                    "Localhost or None)");
        rc = sg_pyaml_read_mapping(r, value, "seccomp.defaultProfile", profile_key, s);
        if (rc < 0)
            return rc;
        /* `{}` would otherwise mean None: injection off by omission. */
        if (!sg_pyaml_mapping_has_key(r, value, "type"))
            return sg_pyaml_fail_at(r, value,
                                    "seccomp.defaultProfile needs a type (RuntimeDefault, "
                                    "Localhost or None)");
        if (s->default_profile == SG_PROFILE_LOCALHOST && s->default_localhost == NULL)
            return sg_pyaml_fail_at(r, value,
                                    "seccomp.defaultProfile of type Localhost needs "
                                    "localhostProfile");
        if (s->default_profile != SG_PROFILE_LOCALHOST && s->default_localhost != NULL)
            return sg_pyaml_fail_at(r, value,
                                    "seccomp.defaultProfile.localhostProfile is only valid "
                                    "with type Localhost");
        s->default_profile_set = true;
        return 0;
    }
    return sg_pyaml_fail_at(r, keynode, "unknown key '%s' in seccomp", key);
}

static int capabilities_key(struct sg_pyaml_reader *r, yaml_node_t *keynode, yaml_node_t *value,
                            void *ctx)
{
    const char *key = sg_pyaml_scalar(keynode);
    struct settings *s = ctx;
    int *caps = NULL;
    size_t n = 0;
    int rc;

    if (strcmp(key, "allowedAdd") == 0) {
        rc = sg_pyaml_read_capability_list(r, value, "capabilities.allowedAdd", &caps, &n);
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
        rc = sg_pyaml_read_capability_list(r, value, "capabilities.defaultDrop", &caps, &n);
        if (rc < 0)
            return rc;
        free(s->default_drop);
        s->default_drop = caps;
        s->n_default_drop = n;
        s->default_drop_set = true;
        return 0;
    }
    if (strcmp(key, "requiredDrop") == 0) {
        rc = sg_pyaml_read_capability_list(r, value, "capabilities.requiredDrop", &caps, &n);
        s->required_drop = 0;
        for (size_t i = 0; rc == 0 && i < n; i++) {
            if (caps[i] == SG_CAP_ALL)
                rc = sg_pyaml_fail_at(r, value,
                                      "capabilities.requiredDrop cannot hold ALL: the rule "
                                      "capabilities-drop-all asks for drop: [ALL]");
            s->required_drop |= sg_cap_bit(caps[i]);
        }
        free(caps);
        s->required_drop_set = true;
        return rc;
    }
    return sg_pyaml_fail_at(r, keynode, "unknown key '%s' in capabilities", key);
}

static int settings_key(struct sg_pyaml_reader *r, yaml_node_t *keynode, yaml_node_t *value,
                        struct settings *s, bool *handled)
{
    const char *key = sg_pyaml_scalar(keynode);

    *handled = true;
    if (strcmp(key, "rules") == 0)
        return sg_pyaml_read_mapping(r, value, "rules", rules_key, s);
    if (strcmp(key, "seccomp") == 0)
        return sg_pyaml_read_mapping(r, value, "seccomp", seccomp_key, s);
    if (strcmp(key, "capabilities") == 0)
        return sg_pyaml_read_mapping(r, value, "capabilities", capabilities_key, s);
    *handled = false;
    return 0;
}

static int match_key(struct sg_pyaml_reader *r, yaml_node_t *keynode, yaml_node_t *value, void *ctx)
{
    const char *key = sg_pyaml_scalar(keynode);
    struct match *m = ctx;

    if (strcmp(key, "namespaces") == 0)
        return sg_pyaml_read_string_list(r, value, "namespaces", sg_pyaml_check_glob, NULL,
                                         &m->namespaces);
    if (strcmp(key, "usernames") == 0)
        return sg_pyaml_read_string_list(r, value, "usernames", sg_pyaml_check_glob, NULL,
                                         &m->usernames);
    if (strcmp(key, "groups") == 0)
        return sg_pyaml_read_string_list(r, value, "groups", sg_pyaml_check_glob, NULL, &m->groups);
    if (strcmp(key, "runtimeClasses") == 0)
        return sg_pyaml_read_string_list(r, value, "runtimeClasses", sg_pyaml_check_glob, NULL,
                                         &m->runtime_classes);
    return sg_pyaml_fail_at(r, keynode,
                            "unknown key '%s': use namespaces, usernames, groups or "
                            "runtimeClasses",
                            key);
}

static int override_key(struct sg_pyaml_reader *r, yaml_node_t *keynode, yaml_node_t *value,
                        void *ctx)
{
    const char *key = sg_pyaml_scalar(keynode);
    struct override *o = ctx;
    bool handled;
    int rc;

    if (strcmp(key, "match") == 0)
        return sg_pyaml_read_mapping(r, value, "overrides[].match", match_key, &o->match);
    rc = settings_key(r, keynode, value, &o->settings, &handled);
    if (rc < 0 || handled)
        return rc;
    return sg_pyaml_fail_at(
        r, keynode, "unknown key '%s' in an override: use match, rules, seccomp or capabilities",
        key);
}

static int read_override(struct sg_pyaml_reader *r, yaml_node_t *item, void *entry)
{
    struct override *o = entry;
    const struct match *m = &o->match;
    int rc;

    rc = sg_pyaml_read_mapping(r, item, "an override", override_key, o);
    if (rc < 0)
        return rc;
    /* An override that matches everything is a second base policy, hidden
     * at the bottom of the file: make the author say so. */
    if (m->namespaces.n + m->usernames.n + m->groups.n + m->runtime_classes.n == 0)
        return sg_pyaml_fail_at(r, item,
                                "override has an empty match: give namespaces, usernames, "
                                "groups or runtimeClasses (use namespaces: [\"*\"] to "
                                "match everything)");
    return 0;
}

static int read_overrides(struct sg_pyaml_reader *r, yaml_node_t *node, struct sg_policy *p)
{
    void *entries = NULL;
    int rc = sg_pyaml_read_entries(r, node, "overrides", "override", POLICY_MAX_OVERRIDES,
                                   sizeof(*p->overrides), &entries, &p->n_overrides, read_override);

    p->overrides = entries;
    return rc;
}

/* ---- imageExemptions --------------------------------------------------- */

static int check_image(struct sg_pyaml_reader *r, yaml_node_t *node, const char *value,
                       struct image_exemption *x)
{
    char hint[SG_IMAGE_NAME_MAX + SG_IMAGE_TAG_MAX + SG_IMAGE_DIGEST_MAX + 3];
    const char *problem = sg_image_pattern_parse(value, &x->pattern, hint, sizeof(hint));

    if (problem == NULL)
        return 0;
    if (hint[0] != '\0')
        return sg_pyaml_fail_at(r, node, "image '%s' %s: write '%s'", value, problem, hint);
    return sg_pyaml_fail_at(r, node, "image '%s' %s", value, problem);
}

static int lifted_rule(struct sg_pyaml_reader *r, yaml_node_t *item, const char *value, void *ctx)
{
    struct image_exemption *x = ctx;
    int rule = sg_rule_find(value);

    if (rule < 0)
        return sg_pyaml_fail_at(r, item, "unknown rule '%s' in imageExemptions[].rules", value);
    if (rule >= SG_RULE_CONFIGURABLE)
        return sg_pyaml_fail_at(r, item, "rule '%s' is always denied and cannot be lifted", value);
    x->lifted |= UINT32_C(1) << rule;
    return 0;
}

static int image_key(struct sg_pyaml_reader *r, yaml_node_t *keynode, yaml_node_t *value, void *ctx)
{
    const char *key = sg_pyaml_scalar(keynode);
    struct image_exemption *x = ctx;
    struct strlist ids = {0};
    const char *v = NULL;
    int *caps = NULL;
    size_t n = 0;
    int rc;

    if (strcmp(key, "image") == 0) {
        rc = sg_pyaml_read_string(r, value, "imageExemptions[].image", &v);
        if (rc == 0)
            rc = check_image(r, value, v, x);
        if (rc == 0 && (x->image = strdup(v)) == NULL)
            rc = sg_error_set(r->err, SG_ERR_NOMEM, "out of memory");
        return rc;
    }
    if (strcmp(key, "rules") == 0) {
        rc = sg_pyaml_read_string_list(r, value, "imageExemptions[].rules", lifted_rule, x, &ids);
        sg_policy_strlist_free(&ids);
        return rc;
    }
    if (strcmp(key, "allowedAdd") == 0) {
        rc = sg_pyaml_read_capability_list(r, value, "imageExemptions[].allowedAdd", &caps, &n);
        for (size_t i = 0; rc == 0 && i < n; i++)
            x->allowed_add |= sg_cap_bit(caps[i]);
        free(caps);
        return rc;
    }
    if (strcmp(key, "containers") == 0)
        return sg_pyaml_read_string_list(r, value, "imageExemptions[].containers",
                                         sg_pyaml_check_glob, NULL, &x->containers);
    if (strcmp(key, "namespaces") == 0)
        return sg_pyaml_read_string_list(r, value, "imageExemptions[].namespaces",
                                         sg_pyaml_check_glob, NULL, &x->namespaces);
    return sg_pyaml_fail_at(r, keynode,
                            "unknown key '%s' in an image exemption: use image, rules, allowedAdd, "
                            "containers or namespaces",
                            key);
}

static int read_image(struct sg_pyaml_reader *r, yaml_node_t *item, void *entry)
{
    struct image_exemption *x = entry;
    int rc;

    rc = sg_pyaml_read_mapping(r, item, "an image exemption", image_key, x);
    if (rc < 0)
        return rc;
    if (x->image == NULL)
        return sg_pyaml_fail_at(r, item,
                                "an image exemption needs image: a registry, repository and tag "
                                "pattern or digest, such as docker.io/istio/proxyv2:*");
    if (x->lifted == 0 && x->allowed_add == 0)
        return sg_pyaml_fail_at(r, item, "an image exemption needs rules to lift or allowedAdd");
    return 0;
}

static int read_images(struct sg_pyaml_reader *r, yaml_node_t *node, struct sg_policy *p)
{
    void *entries = NULL;
    int rc = sg_pyaml_read_entries(r, node, "imageExemptions", "image exemption", POLICY_MAX_IMAGES,
                                   sizeof(*p->images), &entries, &p->n_images, read_image);

    p->images = entries;
    return rc;
}

/* profiles: {folder, nodeFolder}. Top level only: one folder per policy. */
static int profiles_key(struct sg_pyaml_reader *r, yaml_node_t *keynode, yaml_node_t *value,
                        void *ctx)
{
    const char *key = sg_pyaml_scalar(keynode), *v, *problem;
    struct profiles_section *ps = ctx;
    char **slot;
    int rc;

    if (strcmp(key, "folder") != 0 && strcmp(key, "nodeFolder") != 0)
        return sg_pyaml_fail_at(r, keynode,
                                "unknown key '%s' in profiles: it has folder and nodeFolder", key);
    rc = sg_pyaml_read_string(r, value, key[0] == 'f' ? "profiles.folder" : "profiles.nodeFolder",
                              &v);
    if (rc < 0)
        return rc;
    if (v[0] == '\0')
        return sg_pyaml_fail_at(r, value, "profiles.%s is empty", key);
    slot = key[0] == 'f' ? &ps->folder : &ps->node_folder;
    if (slot == &ps->node_folder &&
        ((problem = sg_seccomp_localhost_problem(v, strlen(v))) != NULL || v[strlen(v) - 1] == '/'))
        return sg_pyaml_fail_at(r, value,
                                "profiles.nodeFolder '%s' %s; it is a folder relative to the "
                                "kubelet's seccomp folder, such as 'profiles'",
                                v, problem ? problem : "ends with '/'");
    *slot = strdup(v);
    if (*slot == NULL)
        return sg_error_set(r->err, SG_ERR_NOMEM, "out of memory");
    return 0;
}

static int read_profiles(struct sg_pyaml_reader *r, yaml_node_t *node, struct sg_policy *p)
{
    int rc = sg_pyaml_read_mapping(r, node, "profiles", profiles_key, &p->profiles);

    if (rc == 0 && p->profiles.folder == NULL)
        return sg_pyaml_fail_at(r, node,
                                "profiles needs a folder: where the known seccomp profiles "
                                "are, relative to this file or absolute");
    return rc;
}

/* ---- the top level ------------------------------------------------------ */

static int top_key(struct sg_pyaml_reader *r, yaml_node_t *keynode, yaml_node_t *value, void *ctx)
{
    const char *key = sg_pyaml_scalar(keynode);
    struct sg_policy *p = ctx;
    bool handled;
    int rc;

    rc = settings_key(r, keynode, value, &p->settings, &handled);
    if (rc < 0 || handled)
        return rc;
    if (strcmp(key, "exemptions") == 0)
        return sg_pyaml_read_mapping(r, value, "exemptions", match_key, &p->exemptions);
    if (strcmp(key, "overrides") == 0)
        return read_overrides(r, value, p);
    if (strcmp(key, "imageExemptions") == 0)
        return read_images(r, value, p);
    if (strcmp(key, "profiles") == 0)
        return read_profiles(r, value, p);
    if (strcmp(key, "base") == 0)
        return 0; /* read first, by read_base */
    return sg_pyaml_fail_at(
        r, keynode,
        "unknown key '%s': a policy has rules, seccomp, capabilities, profiles, exemptions, "
        "imageExemptions, overrides and, last, base",
        key);
}

/* The base, which must be the last key of the policy: every prefix of the
 * file that lacks it is then refused, whatever it was cut after. */
static int read_base(struct sg_pyaml_reader *r, yaml_node_t *root, struct sg_policy *p)
{
    yaml_node_pair_t *pairs = root->data.mapping.pairs.start;
    size_t n = (size_t)(root->data.mapping.pairs.top - pairs);
    yaml_node_t *key, *value;
    const char *name = NULL;
    int base, rc;

    for (size_t i = 0; i + 1 < n; i++) {
        key = yaml_document_get_node(r->doc, pairs[i].key);
        if (key != NULL && key->type == YAML_SCALAR_NODE &&
            strcmp(sg_pyaml_scalar(key), "base") == 0)
            return sg_pyaml_fail_at(
                r, key,
                "base must be the last key of the policy, so that a file cut short "
                "names no base and is refused: move it to the end");
    }
    key = n > 0 ? yaml_document_get_node(r->doc, pairs[n - 1].key) : NULL;
    value = n > 0 ? yaml_document_get_node(r->doc, pairs[n - 1].value) : NULL;
    if (key == NULL || value == NULL || key->type != YAML_SCALAR_NODE ||
        strcmp(sg_pyaml_scalar(key), "base") != 0)
        return sg_error_set(r->err, SG_ERR_INVALID,
                            "%s:%zu:%zu: the policy names no base: end it with 'base: "
                            "baseline', 'base: restricted' or 'base: default' (a policy cut "
                            "short is refused this way)",
                            r->name, root->end_mark.line + 1, root->end_mark.column + 1);
    rc = sg_pyaml_read_string(r, value, "base", &name);
    if (rc < 0)
        return rc;
    base = sg_base_find(name);
    if (base < 0)
        return sg_pyaml_fail_at(r, value, "unknown base '%s': use baseline, restricted or default",
                                name);
    p->base = (enum sg_base)base;
    if (sg_policy_settings_of(p->base, &p->settings) < 0)
        return sg_error_set(r->err, SG_ERR_NOMEM, "out of memory");
    return 0;
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
    for (int cap = 0; s->required_drop_set && cap < SG_CAP_ALL; cap++) {
        if (s->required_drop & sg_cap_bit(cap))
            held += strlen(sg_cap_name(cap)) + sizeof(char *);
    }
    return held;
}

static size_t match_held(const struct match *m)
{
    return strlist_held(&m->namespaces) + strlist_held(&m->usernames) + strlist_held(&m->groups) +
           strlist_held(&m->runtime_classes);
}

static size_t policy_held(const struct sg_policy *p)
{
    size_t held = settings_held(&p->settings) + match_held(&p->exemptions);

    for (size_t i = 0; i < p->n_overrides; i++)
        held += settings_held(&p->overrides[i].settings) + match_held(&p->overrides[i].match);
    for (size_t i = 0; i < p->n_images; i++) {
        const struct image_exemption *x = &p->images[i];
        held += strlen(x->image) + strlist_held(&x->containers) + strlist_held(&x->namespaces);
    }
    return held;
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

/* Loads the one document a policy is into *doc (the caller deletes it
 * when this returns 0): not empty, and nothing after it. */
static int load_one_document(yaml_parser_t *parser, const char *name, yaml_document_t *doc,
                             struct sg_error *err)
{
    yaml_document_t extra;
    yaml_node_t *root;
    yaml_mark_t mark;
    bool second;
    int rc;

    if (!yaml_parser_load(parser, doc))
        return parser_error(parser, name, err);
    root = yaml_document_get_root_node(doc);
    if (root == NULL || sg_pyaml_is_null(root)) {
        mark = root != NULL ? root->start_mark : doc->end_mark;
        rc = sg_error_set(err, SG_ERR_INVALID,
                          "%s:%zu:%zu: the policy is empty; a policy ends with its base "
                          "('base: restricted', 'base: baseline' or 'base: default')",
                          name, mark.line + 1, mark.column + 1);
        goto fail;
    }
    if (!yaml_parser_load(parser, &extra)) {
        rc = parser_error(parser, name, err);
        goto fail;
    }
    second = yaml_document_get_root_node(&extra) != NULL;
    mark = extra.start_mark;
    yaml_document_delete(&extra);
    if (second) {
        rc = sg_error_set(err, SG_ERR_INVALID,
                          "%s:%zu:%zu: a second YAML document; a policy is one document", name,
                          mark.line + 1, mark.column + 1);
        goto fail;
    }
    return 0;
fail:
    yaml_document_delete(doc);
    return rc;
}

int sg_policy_parse(const char *name, const char *yaml, size_t len, struct sg_policy **out,
                    struct sg_error *err)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    bool have_doc = false, have_parser = false;
    struct sg_policy *p = NULL;
    struct sg_pyaml_reader r = {.name = name, .doc = &doc, .err = err};
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
    p = calloc(1, sizeof(*p));
    if (p == NULL || !yaml_parser_initialize(&parser)) {
        rc = sg_error_set(err, SG_ERR_NOMEM, "%s: out of memory", name);
        goto out;
    }
    have_parser = true;
    yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
    rc = load_one_document(&parser, name, &doc, err);
    if (rc < 0)
        goto out;
    have_doc = true;
    root = yaml_document_get_root_node(&doc);
    if (root->type != YAML_MAPPING_NODE) {
        rc = sg_pyaml_fail_at(&r, root, "a policy must be a mapping, found %s",
                              sg_pyaml_node_kind(root));
        goto out;
    }
    rc = read_base(&r, root, p);
    if (rc < 0)
        goto out;
    rc = sg_pyaml_read_mapping(&r, root, "the policy", top_key, p);
    if (rc < 0)
        goto out;
    /* The defaults the file left alone count too: its dump spells them out. */
    if (policy_held(p) > POLICY_MAX_HELD) {
        rc = sg_error_set(err, SG_ERR_INVALID,
                          "%s: the policy's lists hold more than %d bytes once aliases are "
                          "expanded",
                          name, POLICY_MAX_HELD);
        goto out;
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
