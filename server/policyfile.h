/* policyfile.h - the policy in force, read from its file and re-read when
 * the file changes on disk or on SIGHUP.
 *
 * A reload parses the new file into a fresh immutable sg_policy and swaps
 * it in; requests already running finish on the policy they acquired. A
 * file that does not parse is refused (the error names file, line and
 * column) and the last good policy stays in force. */
#ifndef SG_POLICYFILE_H
#define SG_POLICYFILE_H

#include <stdbool.h>

#include "error.h"
#include "policy.h"
#include "snapshot.h"

struct sg_policyfile;

/* Reads and parses `path`; an invalid policy is an error (the server does
 * not start with it). */
int sg_policyfile_new(const char *path, struct sg_policyfile **out, struct sg_error *err);

/* Re-reads the file if it changed since the last attempt (or always, with
 * force). Returns 0 with *reloaded telling whether a new policy is now in
 * force, or an error (the old policy stays). */
int sg_policyfile_reload(struct sg_policyfile *pf, bool force, bool *reloaded,
                         struct sg_error *err);

/* A reference to the policy in force; its value is a const struct
 * sg_policy *. Release with sg_snapshot_release. */
struct sg_snapshot *sg_policyfile_acquire(struct sg_policyfile *pf);

const char *sg_policyfile_path(const struct sg_policyfile *pf);

void sg_policyfile_free(struct sg_policyfile *pf); /* NULL is a no-op */

#endif
