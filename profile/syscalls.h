/* syscalls.h - what seccomp-guard knows about particular system calls, in
 * tables with the reason for each entry:
 *   - the dangerous ones: those a container runtime's default profile
 *     refuses to a container with the default capabilities, and why;
 *   - the ones a program makes before main(), measured with
 *     `seccomp-guard profile record` (how, in syscalls.c);
 *   - real syscalls newer than this libseccomp, which cannot resolve them
 *     (runc ignores a rule name it cannot resolve). */
#ifndef SG_SYSCALLS_H
#define SG_SYSCALLS_H

#include <stdbool.h>
#include <stddef.h>

struct sg_dangerous {
    const char *name;
    const char *reason; /* why the runtime's default refuses it */
    bool args_ok;       /* allowed only under argument conditions is fine */
};

/* The dangerous syscalls, in table order; *n gets the count. */
const struct sg_dangerous *sg_syscalls_dangerous(size_t *n);
/* The entry for `name`, or NULL. */
const struct sg_dangerous *sg_syscalls_find_dangerous(const char *name);

/* A syscall made by a program between execve and main() (and its exit). */
enum sg_startup_need {
    SG_NEED_ALWAYS = 1, /* the program dies or fails to start when it fails */
    SG_NEED_KILL = 2,   /* made, but its failure is survived: fatal only
                         * when the profile kills or traps unlisted calls */
};

struct sg_startup {
    const char *name;
    unsigned char static_need;  /* enum sg_startup_need, 0: not made */
    unsigned char dynamic_need; /* likewise, for a dynamically linked one */
};

const struct sg_startup *sg_syscalls_startup(size_t *n);

/* For a real Linux syscall this libseccomp cannot resolve, the kernel
 * version that added it ("6.8"); NULL for anything else. */
const char *sg_syscalls_newer(const char *name);

#endif
