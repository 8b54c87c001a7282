/* recording.h - the syscalls a command was seen to make, and the profile
 * that allows exactly those: SCMP_ACT_ERRNO (EPERM) for everything else,
 * for the architectures given. No I/O: `profile record` (cli) fills it
 * from the supervisor and writes the text out. */
#ifndef SG_RECORDING_H
#define SG_RECORDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define SG_RECORDING_MAX 2048 /* distinct names; Linux has about 460 */

struct sg_recording {
    char *names[SG_RECORDING_MAX]; /* owned, unsorted until written */
    size_t n;
    size_t calls;    /* notifications seen, repeats included */
    int unnamed[64]; /* syscall numbers libseccomp cannot name */
    size_t n_unnamed;
    bool full; /* a name was dropped past SG_RECORDING_MAX */
};

void sg_recording_init(struct sg_recording *r);
void sg_recording_release(struct sg_recording *r);

/* Notes one call of `name` ("syscall-<nr>" names a number libseccomp
 * cannot name: kept in unnamed, since no profile can allow it by name).
 * Returns -1 when out of memory. */
int sg_recording_add(struct sg_recording *r, const char *name, int nr);

/* Writes the profile: defaultAction SCMP_ACT_ERRNO with defaultErrnoRet 1,
 * `arches` (sg_vocab arch index bits) as architectures, one
 * SCMP_ACT_ALLOW rule with the names sorted, and `comment` (may be NULL)
 * as its comment. Appends to `out`. */
void sg_recording_write(struct sg_recording *r, uint32_t arches, const char *comment,
                        struct sg_buf *out);

#endif
