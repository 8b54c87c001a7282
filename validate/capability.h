/* capability.h - Linux capability names as container runtimes read them.
 *
 * Runtimes accept a name in any case, with or without the CAP_ prefix
 * (`sys_admin` grants CAP_SYS_ADMIN) and treat ALL as every capability. This
 * module resolves a spelling to what the runtime will really grant, and says
 * whether the spelling was canonical (upper case, no prefix: "SYS_ADMIN").
 * Case is changed as Go's strings.ToUpper changes it, which is what
 * containerd and CRI-O call: "\u017fys_admin" (a long s) grants SYS_ADMIN.
 * Sets of capabilities are bit masks; SG_CAP_ALL_BIT stands for ALL. */
#ifndef SG_CAPABILITY_H
#define SG_CAPABILITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SG_CAP_COUNT    41           /* CAP_CHOWN (0) .. CAP_CHECKPOINT_RESTORE (40) */
#define SG_CAP_ALL      SG_CAP_COUNT /* the pseudo-capability ALL */
#define SG_CAP_ALL_BIT  (UINT64_C(1) << SG_CAP_ALL)
#define SG_CAP_EVERY    ((UINT64_C(1) << SG_CAP_COUNT) - 1) /* every real one */
#define SG_CAP_NAME_MAX 64 /* longer strings are never capability names */

enum sg_cap_spelling {
    SG_CAP_CANONICAL,    /* exactly "CHOWN" or "ALL" */
    SG_CAP_NONCANONICAL, /* resolves, but not as written: "chown", "CAP_CHOWN" */
};

/* Resolves `len` bytes (which may hold a NUL: that is no capability) to a
 * capability number 0..SG_CAP_COUNT-1 or SG_CAP_ALL. Returns -1 for a name
 * that is no Linux capability (stray space, a second CAP_, a non-ASCII
 * letter other than the two Go upper-cases into ASCII, a byte that is not
 * UTF-8, which Go reads as U+FFFD).
 * *spelling is set when the name resolves; may be NULL. */
int sg_cap_resolve(const char *name, size_t len, enum sg_cap_spelling *spelling);

/* The canonical name of capability `cap` (0..SG_CAP_ALL): "SYS_ADMIN", "ALL". */
const char *sg_cap_name(int cap);

/* Mask bit for capability `cap` (0..SG_CAP_ALL). */
static inline uint64_t sg_cap_bit(int cap)
{
    return UINT64_C(1) << cap;
}

#endif
