/* syscalls.c - see syscalls.h. */
#include "syscalls.h"

#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The syscalls the runtimes' default profile (moby's default.json, which
 * containerd's and CRI-O's follow) refuses to a container with the default
 * capability set, for the reason given. Each is either a door out of the
 * container (the host's mounts, namespaces, kernel, clock or keys, none of
 * which a container owns) or kernel attack surface that a container does
 * not need and exploits have used. Some the default allows with a
 * capability a container does not get by default (CAP_SYS_ADMIN, ...):
 * such a profile is for a privileged workload, which lint should say. */
static const struct sg_dangerous dangerous[] = {
    /* Mounts: a container's file system view is set up for it; changing it
     * (with CAP_SYS_ADMIN, or in a user namespace) is the classic escape. */
    {"mount",
     "changes the mount table: with CAP_SYS_ADMIN or a user namespace, a way out of "
     "the container's file system",
     false},
    {"umount",
     "unmounts file systems (the 32-bit umount): uncovers what the runtime mounted "
     "over",
     false},
    {"umount2",
     "unmounts file systems: uncovers what the runtime mounted over (masked /proc "
     "paths)",
     false},
    {"pivot_root", "changes the root file system", false},
    {"fsopen", "the new mount API: the same power as mount", false},
    {"fsconfig", "the new mount API: the same power as mount", false},
    {"fsmount", "the new mount API: the same power as mount", false},
    {"fspick", "the new mount API: reconfigures an existing mount", false},
    {"move_mount", "the new mount API: the same power as mount", false},
    {"open_tree", "the new mount API: clones mounts, also from other namespaces", false},
    {"mount_setattr", "changes mount flags, such as read-only, of a mount tree", false},
    /* Namespaces: the container's are its boundary. */
    {"setns", "joins another namespace, such as the host's, through a file descriptor", false},
    {"unshare",
     "makes new namespaces; a user namespace hands the process every capability "
     "inside it and opens kernel code that exploits have used",
     false},
    /* The kernel itself. */
    {"kexec_load", "loads a new kernel to boot into", false},
    {"kexec_file_load", "loads a new kernel to boot into", false},
    {"init_module", "loads a kernel module: arbitrary code in the kernel", false},
    {"finit_module", "loads a kernel module: arbitrary code in the kernel", false},
    {"delete_module", "unloads kernel modules", false},
    {"bpf",
     "loads BPF programs into the kernel and reads its maps; the verifier has had "
     "exploitable bugs",
     false},
    {"perf_event_open",
     "reads performance data of the host and the kernel; a long list of "
     "privilege escalations",
     false},
    {"userfaultfd",
     "handles page faults in user space: stalls the kernel mid-copy, the "
     "standard tool of kernel race exploits",
     false},
    {"io_uring_setup",
     "io_uring performs reads, writes, opens and connects without the "
     "syscalls a profile filters, and has had many kernel bugs",
     false},
    {"io_uring_enter", "io_uring performs work without the syscalls a profile filters", false},
    {"io_uring_register", "io_uring performs work without the syscalls a profile filters", false},
    {"lookup_dcookie", "a profiling call that leaks host information", false},
    {"syslog", "reads and clears the kernel log, which holds kernel addresses", false},
    {"iopl", "raises the I/O privilege level: direct hardware port access", false},
    {"ioperm", "direct hardware port access", false},
    {"vm86", "runs code in virtual 8086 mode: old, rarely reviewed kernel code", false},
    {"vm86old", "runs code in virtual 8086 mode: old, rarely reviewed kernel code", false},
    {"uselib", "an obsolete loader call", false},
    {"nfsservctl", "an obsolete NFS server control", false},
    {"_sysctl", "an obsolete interface to kernel parameters", false},
    {"sysfs", "an obsolete interface to file system types", false},
    {"ustat", "an obsolete interface to file system statistics", false},
    /* The host, which the container shares. */
    {"reboot", "reboots the host, or ends the container's PID namespace", false},
    {"swapon", "adds host swap space", false},
    {"swapoff", "removes host swap space", false},
    {"acct", "switches process accounting of the host on or off", false},
    {"settimeofday", "sets the host clock: time is not namespaced", false},
    {"clock_settime", "sets the host clock: time is not namespaced", false},
    {"stime", "sets the host clock: time is not namespaced", false},
    {"quotactl", "changes disk quotas, such as a container's own limits", false},
    {"open_by_handle_at",
     "opens files by handle, past mount and path checks: the Shocker "
     "escape read the host's files with it",
     false},
    /* Keys: the kernel keyring is not namespaced. */
    {"keyctl",
     "manages kernel keys, which are not namespaced: other containers' keys are "
     "within reach",
     false},
    {"add_key", "adds kernel keys, which are not namespaced", false},
    {"request_key", "requests kernel keys, which are not namespaced", false},
    /* Other processes. */
    {"pidfd_getfd", "copies a file descriptor out of another process: ptrace's power", false},
    {"move_pages", "moves another process's memory between NUMA nodes", false},
    {"migrate_pages", "moves another process's memory between NUMA nodes", false},
    {"fanotify_init", "watches file system events, across mounts with FAN_MARK_FILESYSTEM", false},
    /* Allowed by the default only for some arguments: without a condition
     * it disables address space randomisation and more. */
    {"personality",
     "sets the execution domain: without argument conditions it can turn off "
     "address space randomisation (ADDR_NO_RANDOMIZE) or make data executable",
     true},
};

const struct sg_dangerous *sg_syscalls_dangerous(size_t *n)
{
    *n = COUNT(dangerous);
    return dangerous;
}

const struct sg_dangerous *sg_syscalls_find_dangerous(const char *name)
{
    for (size_t i = 0; i < COUNT(dangerous); i++) {
        if (strcmp(dangerous[i].name, name) == 0)
            return &dangerous[i];
    }
    return NULL;
}

/* Real syscalls libseccomp 2.5.4 cannot resolve (Debian 12's package adds
 * some newer ones, such as cachestat; these it still lacks), with the
 * Linux version that added each. */
static const struct {
    const char *name;
    const char *since;
} newer[] = {
    {"cachestat", "6.5"},         {"fchmodat2", "6.6"},        {"map_shadow_stack", "6.6"},
    {"futex_wake", "6.7"},        {"futex_wait", "6.7"},       {"futex_requeue", "6.7"},
    {"statmount", "6.8"},         {"listmount", "6.8"},        {"lsm_get_self_attr", "6.8"},
    {"lsm_set_self_attr", "6.8"}, {"lsm_list_modules", "6.8"}, {"mseal", "6.10"},
    {"uretprobe", "6.11"},        {"setxattrat", "6.13"},      {"getxattrat", "6.13"},
    {"listxattrat", "6.13"},      {"removexattrat", "6.13"},   {"open_tree_attr", "6.15"},
    {"file_getattr", "6.17"},     {"file_setattr", "6.17"},    {"riscv_hwprobe", "6.4"},
};

const char *sg_syscalls_newer(const char *name)
{
    for (size_t i = 0; i < COUNT(newer); i++) {
        if (strcmp(newer[i].name, name) == 0)
            return newer[i].since;
    }
    return NULL;
}

/* What a C program does before main(), measured on x86_64 (Debian 12,
 * glibc 2.36, Linux 6.18) with tests/profile/startup.py, which ctest runs
 * to check this table against the machine it runs on:
 *   1. `int main(void) { return 0; }`, built with cc -O2 and with
 *      cc -O2 -static, is recorded with `seccomp-guard profile record`: the
 *      syscalls each makes, from its execve to its exit (main() itself
 *      makes only exit_group);
 *   2. for each recorded syscall, the program is run with
 *      `profile run --exact` under the recorded profile minus that one
 *      (SCMP_ACT_ERRNO, EPERM): where it no longer exits 0, the call is
 *      SG_NEED_ALWAYS; where it still does, the program survives EPERM and
 *      the call is SG_NEED_KILL (fatal only when unlisted calls kill).
 * Other C libraries and runtimes (musl, Go) start differently; a program
 * of theirs may need more, never less than execve. */
static const struct sg_startup startup[] = {
    /* name             static          dynamic */
    {"execve", SG_NEED_ALWAYS, SG_NEED_ALWAYS},
    {"arch_prctl", SG_NEED_ALWAYS, SG_NEED_ALWAYS}, /* the TLS register (x86_64) */
    {"mprotect", SG_NEED_ALWAYS, SG_NEED_ALWAYS},   /* RELRO */
    {"exit_group", SG_NEED_ALWAYS, SG_NEED_ALWAYS},
    {"brk", SG_NEED_ALWAYS, SG_NEED_KILL}, /* static TLS comes from the heap */
    {"mmap", 0, SG_NEED_ALWAYS},           /* the loader maps libc */
    {"openat", 0, SG_NEED_ALWAYS},
    {"read", 0, SG_NEED_ALWAYS},
    {"pread64", 0, SG_NEED_ALWAYS},
    {"newfstatat", 0, SG_NEED_ALWAYS},
    {"close", 0, SG_NEED_ALWAYS},
    {"access", 0, SG_NEED_KILL}, /* /etc/ld.so.preload */
    {"munmap", 0, SG_NEED_KILL},
    {"getrandom", SG_NEED_KILL, 0}, /* malloc's tcache key */
    {"readlink", SG_NEED_KILL, 0},  /* /proc/self/exe, for $ORIGIN */
    {"prlimit64", SG_NEED_KILL, SG_NEED_KILL},
    {"rseq", SG_NEED_KILL, SG_NEED_KILL},
    {"set_robust_list", SG_NEED_KILL, SG_NEED_KILL},
    {"set_tid_address", SG_NEED_KILL, SG_NEED_KILL},
};

const struct sg_startup *sg_syscalls_startup(size_t *n)
{
    *n = COUNT(startup);
    return startup;
}
