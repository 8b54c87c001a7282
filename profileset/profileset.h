/* profileset.h - the known seccomp profiles of a policy, read from its
 * profiles folder: each *.json file under it parsed and judged by profile
 * lint as the node's runtime would load it, into the facts the engine
 * judges pods by (validate/known.h). Also where every entry point (serve,
 * check, review, policy) attaches them to the policy it loaded, so the
 * verdict on the command line is the verdict in the cluster.
 *
 * A file the runtime would refuse, or that cannot be read as runc reads
 * it, fails the whole set with an error naming it: the server keeps its
 * last good set, a command exits with bad input. Nothing half-read is
 * ever judged by. */
#ifndef SG_PROFILESET_H
#define SG_PROFILESET_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "dir.h"
#include "error.h"
#include "known.h"
#include "policy.h"

/* The files of a profiles folder that are profiles: the webhook's set, the
 * server's change detection and the node installer all list these. */
#define SG_PROFILESET_SUFFIX ".json"

/* The profiles below `folder` (sg_dir_list of *SG_PROFILESET_SUFFIX). */
int sg_profileset_list(const char *folder, struct sg_dir_list *out, struct sg_error *err);

/* Bound on all the bytes one set reads (each file is at most
 * SG_PROFILE_MAX_BYTES). */
#define SG_PROFILESET_MAX_BYTES (64 * 1024 * 1024)

/* What lint makes of one profile. */
struct sg_profileset_judged {
    enum sg_known_kind kind;
    char why[256];       /* lint's summary: "SCMP_ACT_LOG: every syscall it does not list runs" */
    char dangerous[512]; /* "mount, umount2" or "" */
    /* For a caller that words its own message (profile install): the
     * first error lint found, "path: message", or "". When the runtime
     * would refuse the profile (refused), the first fatal one; otherwise
     * one the runtime accepts, such as textbook.json's that no program
     * can start under it. */
    char note[SG_ERROR_MSG_MAX];
    bool refused; /* it parsed, and the runtime would refuse it */
};

/* Judges one profile's bytes (`name` is for messages). SG_ERR_INVALID or
 * SG_ERR_LIMIT, err naming the file and the first fatal finding, when the
 * runtime would refuse it or it is not read as runc reads it. *out is
 * cleared on entry; note and refused are set on a refusal too. */
int sg_profileset_judge(const char *name, const char *text, size_t len,
                        struct sg_profileset_judged *out, struct sg_error *err);

/* Reads `folder` into a sealed set: each *.json below it keyed by
 * "<node_folder>/<path below folder>". `listing` (may be NULL; release it
 * with sg_dir_list_release) gets the files as listed, for change
 * detection. */
int sg_profileset_load(const char *folder, const char *node_folder, struct sg_known **out,
                       struct sg_dir_list *listing, struct sg_error *err);

/* What attaching read, for the server's reload event and its metrics. */
struct sg_profileset_info {
    bool has_folder;
    char folder[PATH_MAX]; /* resolved */
    struct sg_dir_list listing;
    size_t n, n_permissive, n_dangerous;
    char warning[512]; /* "" or a problem that is no error (an injected profile is permissive) */
};

/* Reads the profiles folder of `policy` (or `override`, from --profiles,
 * which wins) and attaches the set to it. A relative folder is relative to
 * the folder of `policy_path` (NULL or "-": the working folder). Nothing
 * to do without either. `info` (may be NULL) is filled; release it with
 * sg_profileset_info_release. */
int sg_profileset_attach(struct sg_policy *policy, const char *policy_path, const char *override,
                         struct sg_profileset_info *info, struct sg_error *err);

void sg_profileset_info_release(struct sg_profileset_info *info);

/* The policy an entry point runs with, the one way serve, check, review
 * and policy load one: `yaml` (`len` bytes; NULL: the built-in default)
 * parsed, `name` in its messages, then its profiles attached as
 * sg_profileset_attach does with `path` and `override`. On failure *out is
 * NULL and *in_profiles (may be NULL) says whether the profiles were at
 * fault. */
int sg_profileset_policy(const char *path, const char *name, const char *yaml, size_t len,
                         const char *override, struct sg_policy **out,
                         struct sg_profileset_info *info, bool *in_profiles, struct sg_error *err);

#endif
