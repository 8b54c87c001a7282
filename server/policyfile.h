/* policyfile.h - the policy in force, read from its file with the known
 * seccomp profiles of its profiles folder attached (profileset.h), and
 * both re-read when either changes on disk or on SIGHUP.
 *
 * A reload parses the new file and reads the folder into a fresh
 * immutable sg_policy and swaps it in; requests already running finish on
 * the policy they acquired. A file that does not parse, or a profile the
 * runtime would refuse, is refused (the error names the file and where)
 * and the last good policy, with its profiles, stays in force. */
#ifndef SG_POLICYFILE_H
#define SG_POLICYFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "policy.h"
#include "snapshot.h"

struct sg_policyfile;

/* Reads and parses `path` and its profiles folder; an invalid policy or
 * profile is an error (the server does not start with it). */
int sg_policyfile_new(const char *path, struct sg_policyfile **out, struct sg_error *err);

/* Re-reads the file and the folder if either changed since the last
 * attempt (or always, with force). Returns 0 with *reloaded telling
 * whether a new policy is now in force, or an error (the old one stays;
 * sg_policyfile_status says which part failed). */
int sg_policyfile_reload(struct sg_policyfile *pf, bool force, bool *reloaded,
                         struct sg_error *err);

/* What the last attempt read, for the reload event and the metrics. */
struct sg_policyfile_status {
    bool profiles_failed;                         /* the error was in the profiles folder */
    bool has_folder;                              /* the policy in force has a profiles folder */
    const char *folder;                           /* resolved, when has_folder */
    size_t n_profiles, n_permissive, n_dangerous; /* of the policy in force */
    const char *warning;                          /* "" or what is wrong but no error */
};
const struct sg_policyfile_status *sg_policyfile_status(const struct sg_policyfile *pf);

/* A reference to the policy in force; its value is a const struct
 * sg_policy *. Release with sg_snapshot_release. */
struct sg_snapshot *sg_policyfile_acquire(struct sg_policyfile *pf);

const char *sg_policyfile_path(const struct sg_policyfile *pf);

void sg_policyfile_free(struct sg_policyfile *pf); /* NULL is a no-op */

#endif
