/* profile.h - a seccomp profile file, read exactly as the container
 * runtimes read it: the runtime-spec format runc and crun take (what
 * containerd's CRI hands them for a Localhost profile), plus the moby
 * additions Docker and CRI-O also evaluate (archMap, the old `name`,
 * includes/excludes, comment). No I/O: bytes in, model and findings out.
 *
 * The runtimes decode with Go's encoding/json, which matches keys without
 * regard to case, keeps the last of a key given twice, ignores unknown keys
 * and treats null as absent. The reader refuses what it could not read the
 * same way (a key given twice; a key spelt in another case, which Go would
 * read and we would not), ignores unknown keys with a warning (a typo
 * silently changes nothing for the runtime either), and reports every
 * problem with its JSON path (`syscalls[3].args[0].op`).
 *
 * The model is read-only once parsed; its strings are borrowed from the
 * parsed document the profile owns. */
#ifndef SG_PROFILE_H
#define SG_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "error.h"
#include "finding.h"
#include "vocab.h"

/* Bounds on untrusted input. Docker's default profile is 20 KiB with 60
 * rules and 430 names; these leave a hundredfold room. */
#define SG_PROFILE_MAX_BYTES     (1024 * 1024) /* file size */
#define SG_PROFILE_MAX_RULES     4096          /* entries of syscalls[] */
#define SG_PROFILE_MAX_NAMES     16384         /* names over all rules */
#define SG_PROFILE_MAX_ARGS      64            /* args of one rule */
#define SG_PROFILE_MAX_LIST      64            /* architectures, flags, archMap, caps, arches */
#define SG_PROFILE_NAME_MAX      64            /* bytes of a syscall name; longer is no syscall */
#define SG_PROFILE_ARG_INDEX_MAX 5             /* a syscall has six arguments */

struct sg_profile_arg {
    unsigned index;     /* 0..5 when the rule is ok */
    int op;             /* enum scmp_compare, or -1 when unknown */
    uint64_t value;     /* for SCMP_CMP_MASKED_EQ, the mask */
    uint64_t value_two; /* for SCMP_CMP_MASKED_EQ, the value compared */
};

/* includes / excludes (moby's Filter). Docker and CRI-O evaluate them;
 * containerd's CRI reads a Localhost profile as plain runtime-spec JSON
 * and ignores them (the rule always applies there). */
struct sg_profile_cond {
    bool present;
    uint64_t caps;     /* capabilities named as a bounding set names them */
    bool caps_never;   /* some entry never matches (not "CAP_<NAME>") */
    size_t n_caps;     /* entries given */
    uint32_t arches;   /* sg_vocab arch indexes, by short name ("amd64") */
    bool arches_never; /* some entry is no architecture name */
    size_t n_arches;
    bool has_min_kernel;
    unsigned min_kernel[2]; /* "4.8" is {4, 8} */
};

struct sg_profile_rule {
    size_t index;       /* in syscalls[] */
    const char **names; /* borrowed strings; the array is owned */
    size_t n_names;
    bool old_name;   /* given as `name`, which containerd ignores */
    bool has_action; /* false: missing or unknown (runc refuses) */
    enum sg_scmp_action action;
    bool has_errno;     /* errnoRet given */
    unsigned errno_ret; /* as the kernel sees it: low 16 bits, capped at 4095 */
    struct sg_profile_arg *args;
    size_t n_args;
    struct sg_profile_cond includes, excludes;
    bool ok; /* nothing in the rule makes runc refuse the profile */
};

struct sg_profile_archmap {
    int arch;     /* sg_vocab arch index, or -1 */
    uint32_t sub; /* sub-architectures (arch index bits) */
};

struct sg_seccomp_profile {
    bool has_default;   /* defaultAction given and known */
    bool default_given; /* defaultAction present and not "" */
    enum sg_scmp_action default_action;
    bool has_default_errno;
    unsigned default_errno; /* as the kernel sees it */
    uint32_t architectures; /* arch index bits */
    size_t n_architectures; /* entries given */
    struct sg_profile_archmap *archmap;
    size_t n_archmap;
    bool flags_given;          /* flags is a list, even empty (null is not) */
    uint32_t flags;            /* 1 << enum sg_flag */
    const char *listener_path; /* NULL when absent */
    const char *listener_metadata;
    struct sg_profile_rule *rules;
    size_t n_rules;
    size_t n_names; /* over all rules */
    bool uses_moby; /* archMap, name, includes or excludes appear */
    cJSON *root;    /* private: the parsed file; owns the strings */
};

/* Parses a profile. Returns 0 with *out set when the bytes are a JSON
 * object (or null) within the bounds above, whatever its content: what is
 * wrong in it is in `findings` (fatal ones mark what runc refuses).
 * Returns SG_ERR_INVALID when the bytes are not JSON, have a key twice in
 * one object or are not an object, SG_ERR_LIMIT over a bound, with err
 * naming the place (line:column, or the path), and *out NULL.
 * `findings` gets what it finds even on failure. */
int sg_profile_parse(const char *text, size_t len, struct sg_seccomp_profile **out,
                     struct sg_findings *findings, struct sg_error *err);

void sg_profile_free(struct sg_seccomp_profile *p); /* NULL is a no-op */

/* True when runc installs no filter at all: no defaultAction and no
 * syscalls (`{}`, `null`): the container runs Unconfined. */
bool sg_profile_no_filter(const struct sg_seccomp_profile *p);

/* Where a profile is judged: the node's architecture, and what is known of
 * its kernel and of the container's capability bounding set. Unknown parts
 * make conditional rules "maybe". */
struct sg_profile_env {
    int arch; /* sg_vocab arch index: the native architecture */
    bool kernel_known;
    unsigned kernel[2]; /* major, minor */
    bool caps_known;
    uint64_t caps; /* bounding set, capability bits (capability.h) */
};

enum sg_applies {
    SG_APPLIES_NO,
    SG_APPLIES_YES,
    SG_APPLIES_MAYBE, /* depends on what the env does not know */
};

/* Whether a rule is part of the filter in `env`, by moby's evaluation of
 * includes and excludes (a rule without them always applies). */
enum sg_applies sg_profile_rule_applies(const struct sg_profile_rule *r,
                                        const struct sg_profile_env *env);

/* The architectures the filter has in `env` (arch index bits): the native
 * one (libseccomp always has it), the `architectures` list, and moby's
 * archMap entry for the native architecture with its sub-architectures. */
uint32_t sg_profile_arches(const struct sg_seccomp_profile *p, const struct sg_profile_env *env);

/* The errno a rule's or the default ERRNO/TRACE action returns. */
unsigned sg_profile_rule_errno(const struct sg_profile_rule *r);
unsigned sg_profile_default_errno(const struct sg_seccomp_profile *p);

#endif
