/* policy_model.h - the data of a parsed policy, private to the three files
 * that share it: policy.c (the bases, resolving a request's rules and a
 * container's exemptions, freeing), policy_read.c (reading YAML into it)
 * and policy_dump.c (printing it). Everything else sees struct sg_policy
 * as opaque (policy.h). */
#ifndef SG_POLICY_MODEL_H
#define SG_POLICY_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image.h"
#include "known.h"
#include "policy.h"

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
    uint64_t required_drop; /* capability mask, never ALL */
    bool required_drop_set;
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

/* An exemption by container image (imageExemptions[]). */
struct image_exemption {
    char *image; /* the pattern as written */
    struct sg_image_pattern pattern;
    uint32_t lifted;           /* bit per enum sg_rule */
    uint64_t allowed_add;      /* capabilities allowed on top of allowedAdd */
    struct strlist containers; /* name globs; none: every container */
    struct strlist namespaces; /* globs; none: every namespace */
};

/* The profiles section: where the folder of known profiles is, and where
 * its files are on nodes, under the kubelet's seccomp folder. */
struct profiles_section {
    char *folder;      /* as written; NULL: no section */
    char *node_folder; /* "profiles" unless given */
};

struct sg_policy {
    enum sg_base base;
    struct profiles_section profiles;
    struct sg_known *known;   /* owned; NULL until sg_policy_set_known */
    struct settings settings; /* the base level with the file's top-level keys */
    struct match exemptions;
    struct override *overrides;
    size_t n_overrides;
    struct image_exemption *images;
    size_t n_images;
};

/* Fills *s with every setting of `base`. Returns 0 or SG_ERR_NOMEM (then
 * *s holds what was made; release it with sg_policy_settings_free). */
int sg_policy_settings_of(enum sg_base base, struct settings *s);
void sg_policy_settings_free(struct settings *s);
void sg_policy_strlist_free(struct strlist *l);

#endif
