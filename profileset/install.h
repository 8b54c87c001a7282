/* install.h - a folder of seccomp profiles (a mounted ConfigMap) synced
 * into a node's kubelet seccomp folder, as `profile install` runs it. Owns
 * one sync: every profile read and judged (sg_profileset_judge) before
 * anything is written, the writes, the removals, the record file
 * .seccomp-guard-installed in the target that names what it installed (and
 * so the only files it ever removes), the cleaning of temporary files a
 * killed run left; and the snapshot a watcher compares to see a change.
 * It prints nothing: each event goes to the caller's callback. */
#ifndef SG_INSTALL_H
#define SG_INSTALL_H

#include <stdbool.h>

#include "dir.h"

#define SG_INSTALL_RECORD ".seccomp-guard-installed"

enum sg_install_status {
    SG_INSTALL_OK = 0,
    SG_INSTALL_NOT_ALL = 1,  /* some profile not installed, or some old copy not removed */
    SG_INSTALL_UNUSABLE = 2, /* `from` could not be listed, or `to` not used */
};

/* One event: level "info", "warn" or "error"; event a short name
 * ("installed", "refused", "removed", "sync", ...); msg one line, borrowed
 * for the call. */
typedef void sg_install_event_fn(void *ctx, const char *level, const char *event, const char *msg);

struct sg_install_opts {
    const char *from; /* the profiles: *.json below it, dot-names skipped */
    const char *to;   /* where they go, at the same path below it */
    bool allow_permissive;
    sg_install_event_fn *event; /* may be NULL */
    void *ctx;
};

/* What a sync saw: the profiles of `from` and the files it left in `to`,
 * by identity. A ConfigMap update gives every key a new inode, so a change
 * shows even when sizes and times do not. */
struct sg_install_snapshot {
    struct sg_dir_list from, to;
    bool valid; /* `from` could be listed */
};

/* One sync of o->from into o->to; the umask is the caller's (files are
 * written 0644, folders 0755 under umask 022). `seen` (may be NULL) gets
 * what it saw; release it. *retry (may be NULL) says whether it failed in
 * a way worth trying again with nothing changed: a write, a removal, or
 * `to` not usable, as opposed to a profile refused. */
enum sg_install_status sg_install_sync(const struct sg_install_opts *o,
                                       struct sg_install_snapshot *seen, bool *retry);

/* The snapshot now: `from` listed again, and the identities of the files
 * of `to` that `last` named. */
void sg_install_snapshot_take(const struct sg_install_opts *o,
                              const struct sg_install_snapshot *last,
                              struct sg_install_snapshot *now);

bool sg_install_snapshot_equal(const struct sg_install_snapshot *a,
                               const struct sg_install_snapshot *b);

void sg_install_snapshot_release(struct sg_install_snapshot *snap);

#endif
