/* known.h - the seccomp profiles a policy knows: for each path a pod may
 * name in localhostProfile, what the file the kubelet would load there
 * does, as profile lint judged it when its folder was read (profileset/
 * reads the folder; this module only holds the facts). The engine judges
 * a Localhost profile by these facts and never reads a file itself.
 *
 * A set is built once, sealed, then immutable and owned by the policy it
 * was attached to (sg_policy_set_known), so a reload swaps both at once. */
#ifndef SG_KNOWN_H
#define SG_KNOWN_H

#include <stddef.h>

#include "error.h"

enum sg_known_kind {
    SG_KNOWN_ENFORCING,  /* unlisted syscalls fail or kill */
    SG_KNOWN_PERMISSIVE, /* unlisted syscalls run (ALLOW, LOG, a TRACE default) */
    SG_KNOWN_UNCONFINED, /* runc installs no filter at all ({} or null) */
};

struct sg_known_profile {
    const char *key; /* the localhostProfile that names it: "profiles/audit.json" */
    enum sg_known_kind kind;
    const char *why;       /* "defaultAction SCMP_ACT_LOG: unlisted syscalls run, logged" */
    const char *dangerous; /* "mount, umount2" or "": dangerous syscalls it lets run */
};

/* Bounds: profiles in one set (profileset/ reads at most this many), and
 * bytes of a key (the API server allows a localhostProfile of 4096). */
#define SG_KNOWN_MAX     1024
#define SG_KNOWN_KEY_MAX 4096

struct sg_known;

/* An empty set; `folder` (copied) says where it was read, for messages. */
int sg_known_new(const char *folder, struct sg_known **out, struct sg_error *err);

/* Adds a profile (strings copied; the key cleaned as sg_known_find cleans
 * a pod's path). SG_ERR_INVALID for a key given twice or empty once clean,
 * SG_ERR_LIMIT past SG_KNOWN_MAX, SG_ERR_NOMEM; err names the key. */
int sg_known_add(struct sg_known *k, const struct sg_known_profile *p, struct sg_error *err);

/* Sorts the set for lookups; no sg_known_add after it. */
void sg_known_seal(struct sg_known *k);

/* The profile a pod's localhostProfile names, or NULL when the set has no
 * file there. The path is cleaned first as the kubelet's filepath.Join
 * cleans it ("./a//b.json/" is "a/b.json"). */
const struct sg_known_profile *sg_known_find(const struct sg_known *k, const char *key);

size_t sg_known_count(const struct sg_known *k);
const struct sg_known_profile *sg_known_at(const struct sg_known *k, size_t i); /* key order */
const char *sg_known_folder(const struct sg_known *k);
const char *sg_known_kind_name(enum sg_known_kind kind); /* "enforcing" ... */

void sg_known_free(struct sg_known *k); /* NULL is a no-op */

#endif
