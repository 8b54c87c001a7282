/* vocab.h - the closed lists of the seccomp profile format, as runc reads
 * it (libcontainer/seccomp/config.go): actions, argument operators,
 * architectures and filter flags, each with the libseccomp value it
 * compiles to. Names are compared exactly, as runc's maps do. */
#ifndef SG_VOCAB_H
#define SG_VOCAB_H

#include <stdbool.h>
#include <stdint.h>

enum sg_scmp_action {
    SG_ACT_KILL_THREAD, /* SCMP_ACT_KILL and SCMP_ACT_KILL_THREAD */
    SG_ACT_KILL_PROCESS,
    SG_ACT_TRAP,
    SG_ACT_ERRNO,
    SG_ACT_TRACE,
    SG_ACT_LOG,
    SG_ACT_ALLOW,
    SG_ACT_NOTIFY,
    SG_ACT_COUNT,
};

#define SG_ERRNO_DEFAULT 1    /* EPERM: runc's errno when errnoRet is absent */
#define SG_ERRNO_MAX     4095 /* the kernel caps SECCOMP_RET_ERRNO data here */

/* Looks up a profile action name ("SCMP_ACT_ERRNO"); -1 if runc knows no
 * such action. */
int sg_vocab_action(const char *name);
/* The canonical name of an action (SCMP_ACT_KILL_THREAD for both kills). */
const char *sg_vocab_action_name(enum sg_scmp_action a);
/* True for the actions whose 16-bit data is an errno: ERRNO and TRACE. */
bool sg_vocab_action_has_errno(enum sg_scmp_action a);
/* The libseccomp action value; errno_ret is used by ERRNO and TRACE. */
uint32_t sg_vocab_action_value(enum sg_scmp_action a, unsigned errno_ret);
/* True when the call runs: ALLOW and LOG. */
bool sg_vocab_action_lets_through(enum sg_scmp_action a);
/* True when the call may run: ALLOW and LOG, and TRACE, whose call runs
 * when a tracer attached with PTRACE_O_TRACESECCOMP lets it. A container
 * can get one (a child that calls PTRACE_TRACEME under a profile that
 * allows ptrace, a sibling in a shared PID namespace), so what a profile
 * lets a container do counts TRACE as letting through; what a program
 * needs to start counts it as ENOSYS, as with no tracer. */
bool sg_vocab_action_may_run(enum sg_scmp_action a);

/* Looks up an operator name ("SCMP_CMP_EQ"); returns the libseccomp enum
 * scmp_compare value, or -1. */
int sg_vocab_operator(const char *name);
const char *sg_vocab_operator_name(int op);

/* Architectures, by index into one table. Each has the profile name
 * (SCMP_ARCH_X86_64), the name containerd/moby profiles use in
 * includes/excludes "arches" (amd64), and the libseccomp token (0 when
 * this libseccomp cannot build filters for it). */
#define SG_ARCH_MAX 32 /* table entries; arch sets are uint32_t bit masks */

struct sg_arch {
    const char *name;       /* "SCMP_ARCH_X86_64" */
    const char *short_name; /* "amd64": runtime.GOARCH as moby maps it */
    uint32_t token;         /* SCMP_ARCH_X86_64, or 0 */
    uint32_t sub;           /* moby's sub-architectures of a native one (bit mask) */
};

int sg_vocab_arch(const char *name);       /* by SCMP_ARCH_ name; -1 if unknown */
int sg_vocab_arch_short(const char *name); /* by short name; -1 if unknown */
int sg_vocab_arch_by_token(uint32_t token);
const struct sg_arch *sg_vocab_arch_get(int index);
/* This machine's architecture, as a table index (-1 if libseccomp's
 * native architecture is not in the table). */
int sg_vocab_arch_native(void);

/* Filter flags runc knows; the bit of each in a profile's flag set. */
enum sg_flag {
    SG_FLAG_TSYNC,      /* recognised and ignored by runc */
    SG_FLAG_LOG,        /* log every action but ALLOW */
    SG_FLAG_SPEC_ALLOW, /* no speculative store bypass mitigation */
    SG_FLAG_WAIT_KILLABLE_RECV,
    SG_FLAG_COUNT,
};

int sg_vocab_flag(const char *name); /* -1 if unknown */
const char *sg_vocab_flag_name(enum sg_flag f);

#endif
