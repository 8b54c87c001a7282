/* policy.h - the cluster policy: what each rule does (deny, warn, audit,
 * allow), the allow-lists, what mutation injects, exemptions and
 * per-namespace overrides. Read from YAML with libyaml; see docs/policy.md.
 *
 * A parsed policy is an immutable snapshot: safe to share between threads
 * without locks. A reload parses a new one and swaps the pointer; a request
 * keeps the snapshot it started with. */
#ifndef SG_POLICY_H
#define SG_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "known.h"
#include "rule.h"

struct sg_policy;

/* Bound on a policy file: a policy is a few KiB; anything near this is a
 * mistake (a wrong file mounted), not a policy. */
#define SG_POLICY_MAX_BYTES (1024 * 1024)

/* The level a policy starts from: every key it omits has the base's value.
 * A policy must name its base, as its last key, so that a file cut short
 * anywhere names none and is refused instead of loading weaker. */
enum sg_base {
    SG_BASE_BASELINE,   /* PSA baseline for seccomp and capabilities; injects nothing */
    SG_BASE_RESTRICTED, /* PSA restricted for the same; injects nothing */
    SG_BASE_DEFAULT,    /* manifests/policies/default.yaml: deny the unsafe, inject */
    SG_BASE_COUNT,
};
const char *sg_base_name(enum sg_base base); /* "baseline" ... */
int sg_base_find(const char *name);          /* -1 when there is none */

/* Parses a policy from `len` bytes of YAML. `name` (a file name) is used
 * only in error messages: "<name>:<line>:<col>: <what is wrong>". An empty
 * document, or one whose last key is not `base`, is refused. On success returns 0 and sets *out
 * (owned by the caller, release with sg_policy_free); on failure returns a negative sg_err, leaves
 * *out NULL and fills err. */
int sg_policy_parse(const char *name, const char *yaml, size_t len, struct sg_policy **out,
                    struct sg_error *err);

/* The built-in policy: `base: default` and nothing else. */
int sg_policy_default(struct sg_policy **out, struct sg_error *err);

/* Writes the policy, every default filled in, as YAML that sg_policy_parse
 * reads back to an equal policy. Returns a malloc'd NUL-terminated string
 * owned by the caller, or NULL when out of memory. */
char *sg_policy_dump(const struct sg_policy *policy);

/* Frees a policy. NULL is a no-op. */
void sg_policy_free(struct sg_policy *policy);

/* The `profiles` section: the folder of known profiles as the file wrote
 * it (relative paths are relative to the policy file's folder: the caller
 * resolves them), or NULL when the policy has none; and the folder under
 * the kubelet's seccomp folder where nodes have those files ("profiles"
 * unless given), which prefixes each file's path to make the
 * localhostProfile a pod writes. */
const char *sg_policy_profiles_folder(const struct sg_policy *policy);
const char *sg_policy_profiles_node_folder(const struct sg_policy *policy);
#define SG_POLICY_NODE_FOLDER_DEFAULT "profiles"

/* Gives the policy what its profiles do (owned by the policy from now on;
 * a set it held before is freed). Only before the policy is shared: a
 * parsed policy is otherwise immutable. */
void sg_policy_set_known(struct sg_policy *policy, struct sg_known *known);
const struct sg_known *sg_policy_known(const struct sg_policy *policy);

/* The Localhost profiles the policy injects, its top level's then each
 * override's, one per call: *iter starts at 0; NULL after the last. */
const char *sg_policy_next_injected(const struct sg_policy *policy, size_t *iter);

/* What mutation injects at pod level. */
enum sg_profile_type {
    SG_PROFILE_NONE,            /* inject nothing */
    SG_PROFILE_RUNTIME_DEFAULT, /* {type: RuntimeDefault} */
    SG_PROFILE_LOCALHOST,       /* {type: Localhost, localhostProfile: ...} */
};

/* Who and what a request is about: the facts exemptions and overrides match
 * on. NULL or "" fields never match anything (as in PSA). */
struct sg_subject {
    const char *namespace;
    const char *username;
    const char *const *groups;
    size_t n_groups;
    const char *runtime_class;
};

/* The rules in force for one request: the base policy with every matching
 * override applied in file order. Every pointer borrows from the policy and
 * lives as long as it. */
struct sg_effective {
    enum sg_action action[SG_RULE_COUNT]; /* always deny for the fixed rules */
    const char *const *localhost_globs;   /* fnmatch(3) patterns */
    size_t n_localhost_globs;
    uint64_t allowed_add; /* capability mask; SG_CAP_ALL_BIT: any */
    enum sg_profile_type default_profile;
    const char *default_localhost; /* with SG_PROFILE_LOCALHOST */
    const int *default_drop;       /* capability numbers, policy order */
    size_t n_default_drop;
    uint64_t required_drop; /* capabilities every container must drop */
    /* What the Localhost profiles pods may name do (known.h); NULL when
     * the policy has no profiles folder: then they are not judged. */
    const struct sg_known *known;
    /* For sg_policy_for_container. */
    const struct sg_policy *policy;
    const char *namespace;
};

enum sg_exemption {
    SG_EXEMPT_NONE,
    SG_EXEMPT_NAMESPACE,
    SG_EXEMPT_USERNAME,
    SG_EXEMPT_GROUP,
    SG_EXEMPT_RUNTIME_CLASS,
};

/* "namespace", "username", ...; "" for SG_EXEMPT_NONE. */
const char *sg_exemption_name(enum sg_exemption e);

/* Works out the rules for `subject`. Returns the exemption that applies
 * (then *out is still filled, but nothing is to be judged or injected) or
 * SG_EXEMPT_NONE. */
enum sg_exemption sg_policy_resolve(const struct sg_policy *policy,
                                    const struct sg_subject *subject, struct sg_effective *out);

/* The rules for one container: `eff` with what the policy's image
 * exemptions lift for a container of that name and image (the image
 * normalised as the runtime does) in eff's namespace. Returns true, with
 * *out filled, when an exemption applied; false, *out untouched, when the
 * container's rules are `eff` itself. Never for pod-level settings:
 * callers judge those with `eff`. */
bool sg_policy_for_container(const struct sg_effective *eff, const char *name, const char *image,
                             struct sg_effective *out);

#endif
