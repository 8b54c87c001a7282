/* vocab.c - see vocab.h. The tables copy runc's maps (config.go); where
 * this libseccomp lacks something runc knows, the entry says so (token 0)
 * instead of leaving the name out, so that a profile written for a newer
 * node is read, not refused as a typo. */
#include "vocab.h"

#include <seccomp.h>
#include <stddef.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
    const char *name;
    enum sg_scmp_action action;
} actions[] = {
    {"SCMP_ACT_KILL", SG_ACT_KILL_THREAD},
    {"SCMP_ACT_KILL_THREAD", SG_ACT_KILL_THREAD},
    {"SCMP_ACT_KILL_PROCESS", SG_ACT_KILL_PROCESS},
    {"SCMP_ACT_TRAP", SG_ACT_TRAP},
    {"SCMP_ACT_ERRNO", SG_ACT_ERRNO},
    {"SCMP_ACT_TRACE", SG_ACT_TRACE},
    {"SCMP_ACT_LOG", SG_ACT_LOG},
    {"SCMP_ACT_ALLOW", SG_ACT_ALLOW},
    {"SCMP_ACT_NOTIFY", SG_ACT_NOTIFY},
};

static const char *const action_names[SG_ACT_COUNT] = {
    [SG_ACT_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
    [SG_ACT_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
    [SG_ACT_TRAP] = "SCMP_ACT_TRAP",
    [SG_ACT_ERRNO] = "SCMP_ACT_ERRNO",
    [SG_ACT_TRACE] = "SCMP_ACT_TRACE",
    [SG_ACT_LOG] = "SCMP_ACT_LOG",
    [SG_ACT_ALLOW] = "SCMP_ACT_ALLOW",
    [SG_ACT_NOTIFY] = "SCMP_ACT_NOTIFY",
};

int sg_vocab_action(const char *name)
{
    for (size_t i = 0; i < COUNT(actions); i++) {
        if (strcmp(actions[i].name, name) == 0)
            return (int)actions[i].action;
    }
    return -1;
}

const char *sg_vocab_action_name(enum sg_scmp_action a)
{
    return (unsigned)a < SG_ACT_COUNT ? action_names[a] : "?";
}

bool sg_vocab_action_has_errno(enum sg_scmp_action a)
{
    return a == SG_ACT_ERRNO || a == SG_ACT_TRACE;
}

bool sg_vocab_action_lets_through(enum sg_scmp_action a)
{
    return a == SG_ACT_ALLOW || a == SG_ACT_LOG;
}

bool sg_vocab_action_may_run(enum sg_scmp_action a)
{
    return sg_vocab_action_lets_through(a) || a == SG_ACT_TRACE;
}

uint32_t sg_vocab_action_value(enum sg_scmp_action a, unsigned errno_ret)
{
    switch (a) {
    case SG_ACT_KILL_THREAD:
        return SCMP_ACT_KILL_THREAD;
    case SG_ACT_KILL_PROCESS:
        return SCMP_ACT_KILL_PROCESS;
    case SG_ACT_TRAP:
        return SCMP_ACT_TRAP;
    case SG_ACT_ERRNO:
        return SCMP_ACT_ERRNO(errno_ret);
    case SG_ACT_TRACE:
        return SCMP_ACT_TRACE(errno_ret);
    case SG_ACT_LOG:
        return SCMP_ACT_LOG;
    case SG_ACT_ALLOW:
        return SCMP_ACT_ALLOW;
    case SG_ACT_NOTIFY:
    case SG_ACT_COUNT:
        break;
    }
    return SCMP_ACT_NOTIFY;
}

static const struct {
    const char *name;
    enum scmp_compare op;
} operators[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

int sg_vocab_operator(const char *name)
{
    for (size_t i = 0; i < COUNT(operators); i++) {
        if (strcmp(operators[i].name, name) == 0)
            return (int)operators[i].op;
    }
    return -1;
}

const char *sg_vocab_operator_name(int op)
{
    for (size_t i = 0; i < COUNT(operators); i++) {
        if ((int)operators[i].op == op)
            return operators[i].name;
    }
    return "?";
}

/* Indexes of the table below, for the sub-architecture masks. */
enum {
    A_X86,
    A_X86_64,
    A_X32,
    A_ARM,
    A_AARCH64,
    A_MIPS,
    A_MIPS64,
    A_MIPS64N32,
    A_MIPSEL,
    A_MIPSEL64,
    A_MIPSEL64N32,
    A_PPC,
    A_PPC64,
    A_PPC64LE,
    A_RISCV64,
    A_S390,
    A_S390X,
    A_LOONGARCH64,
    A_COUNT,
};

#define BIT(i) (UINT32_C(1) << (i))

/* runc's list; the short names are moby's (seccomp_linux.go, goToNative
 * then the names includes/excludes use); the sub-architectures are those
 * of moby's default archMap, which the record command also writes. */
static const struct sg_arch arches[A_COUNT] = {
    [A_X86] = {"SCMP_ARCH_X86", "x86", SCMP_ARCH_X86, 0},
    [A_X86_64] = {"SCMP_ARCH_X86_64", "amd64", SCMP_ARCH_X86_64, BIT(A_X86) | BIT(A_X32)},
    [A_X32] = {"SCMP_ARCH_X32", "x32", SCMP_ARCH_X32, 0},
    [A_ARM] = {"SCMP_ARCH_ARM", "arm", SCMP_ARCH_ARM, 0},
    [A_AARCH64] = {"SCMP_ARCH_AARCH64", "arm64", SCMP_ARCH_AARCH64, BIT(A_ARM)},
    [A_MIPS] = {"SCMP_ARCH_MIPS", "mips", SCMP_ARCH_MIPS, 0},
    [A_MIPS64] = {"SCMP_ARCH_MIPS64", "mips64", SCMP_ARCH_MIPS64, BIT(A_MIPS) | BIT(A_MIPS64N32)},
    [A_MIPS64N32] = {"SCMP_ARCH_MIPS64N32", "mips64n32", SCMP_ARCH_MIPS64N32,
                     BIT(A_MIPS) | BIT(A_MIPS64)},
    [A_MIPSEL] = {"SCMP_ARCH_MIPSEL", "mipsel", SCMP_ARCH_MIPSEL, 0},
    [A_MIPSEL64] = {"SCMP_ARCH_MIPSEL64", "mipsel64", SCMP_ARCH_MIPSEL64,
                    BIT(A_MIPSEL) | BIT(A_MIPSEL64N32)},
    [A_MIPSEL64N32] = {"SCMP_ARCH_MIPSEL64N32", "mipsel64n32", SCMP_ARCH_MIPSEL64N32,
                       BIT(A_MIPSEL) | BIT(A_MIPSEL64)},
    [A_PPC] = {"SCMP_ARCH_PPC", "ppc", SCMP_ARCH_PPC, 0},
    [A_PPC64] = {"SCMP_ARCH_PPC64", "ppc64", SCMP_ARCH_PPC64, BIT(A_PPC)},
    [A_PPC64LE] = {"SCMP_ARCH_PPC64LE", "ppc64le", SCMP_ARCH_PPC64LE, 0},
    [A_RISCV64] = {"SCMP_ARCH_RISCV64", "riscv64", SCMP_ARCH_RISCV64, 0},
    [A_S390] = {"SCMP_ARCH_S390", "s390", SCMP_ARCH_S390, 0},
    [A_S390X] = {"SCMP_ARCH_S390X", "s390x", SCMP_ARCH_S390X, BIT(A_S390)},
    /* runc knows it; libseccomp learnt it in 2.6. */
    [A_LOONGARCH64] = {"SCMP_ARCH_LOONGARCH64", "loong64", 0, 0},
};

_Static_assert(A_COUNT <= SG_ARCH_MAX, "arch sets are 32-bit masks");

int sg_vocab_arch(const char *name)
{
    for (int i = 0; i < A_COUNT; i++) {
        if (strcmp(arches[i].name, name) == 0)
            return i;
    }
    return -1;
}

int sg_vocab_arch_short(const char *name)
{
    for (int i = 0; i < A_COUNT; i++) {
        if (strcmp(arches[i].short_name, name) == 0)
            return i;
    }
    return -1;
}

int sg_vocab_arch_by_token(uint32_t token)
{
    for (int i = 0; i < A_COUNT; i++) {
        if (token != 0 && arches[i].token == token)
            return i;
    }
    return -1;
}

const struct sg_arch *sg_vocab_arch_get(int index)
{
    return index >= 0 && index < A_COUNT ? &arches[index] : NULL;
}

int sg_vocab_arch_native(void)
{
    return sg_vocab_arch_by_token(seccomp_arch_native());
}

static const char *const flag_names[SG_FLAG_COUNT] = {
    [SG_FLAG_TSYNC] = "SECCOMP_FILTER_FLAG_TSYNC",
    [SG_FLAG_LOG] = "SECCOMP_FILTER_FLAG_LOG",
    [SG_FLAG_SPEC_ALLOW] = "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    [SG_FLAG_WAIT_KILLABLE_RECV] = "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

int sg_vocab_flag(const char *name)
{
    for (int i = 0; i < SG_FLAG_COUNT; i++) {
        if (strcmp(flag_names[i], name) == 0)
            return i;
    }
    return -1;
}

const char *sg_vocab_flag_name(enum sg_flag f)
{
    return (unsigned)f < SG_FLAG_COUNT ? flag_names[f] : "?";
}
