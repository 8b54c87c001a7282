/* policy.h - the cluster policy: what each rule does (deny, warn, audit,
 * allow), the allow-lists, what mutation injects, exemptions and
 * per-namespace overrides. Read from YAML with libyaml; see docs/policy.md.
 *
 * A parsed policy is an immutable snapshot: safe to share between threads
 * without locks. A reload parses a new one and swaps the pointer; a request
 * keeps the snapshot it started with. */
#ifndef SG_POLICY_H
#define SG_POLICY_H

#include <stddef.h>

#include "error.h"

struct sg_policy;

/* Bound on a policy file: a policy is a few KiB; anything near this is a
 * mistake (a wrong file mounted), not a policy. */
#define SG_POLICY_MAX_BYTES (1024 * 1024)

/* Parses a policy from `len` bytes of YAML. `name` (a file name) is used
 * only in error messages: "<name>:<line>:<col>: <what is wrong>". An empty
 * document is the default policy. On success returns 0 and sets *out (owned
 * by the caller, release with sg_policy_free); on failure returns a negative
 * sg_err, leaves *out NULL and fills err. */
int sg_policy_parse(const char *name, const char *yaml, size_t len, struct sg_policy **out,
                    struct sg_error *err);

/* The built-in default policy (what an empty file gives). */
int sg_policy_default(struct sg_policy **out, struct sg_error *err);

/* Writes the policy, every default filled in, as YAML that sg_policy_parse
 * reads back to an equal policy. Returns a malloc'd NUL-terminated string
 * owned by the caller, or NULL when out of memory. */
char *sg_policy_dump(const struct sg_policy *policy);

/* Frees a policy. NULL is a no-op. */
void sg_policy_free(struct sg_policy *policy);

#endif
