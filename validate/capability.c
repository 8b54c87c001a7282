/* capability.c - see capability.h. One table, in kernel number order. */
#include "capability.h"

#include <string.h>

static const char *const cap_names[SG_CAP_COUNT + 1] = {
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
    "ALL",
};

const char *sg_cap_name(int cap)
{
    if (cap < 0 || cap > SG_CAP_ALL)
        return "?";
    return cap_names[cap];
}

int sg_cap_resolve(const char *name, size_t len, enum sg_cap_spelling *spelling)
{
    char upper[SG_CAP_NAME_MAX];
    const char *p = name;
    bool canonical = true;

    if (len >= 4 && strncasecmp(p, "CAP_", 4) == 0) {
        /* Only one prefix: runtimes add "CAP_" to what remains, so
         * "CAP_CAP_SYS_ADMIN" grants nothing. */
        p += 4;
        len -= 4;
        canonical = false;
    }
    if (len == 0 || len >= sizeof(upper))
        return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 'a' && c <= 'z') {
            c = (unsigned char)(c - 'a' + 'A');
            canonical = false;
        } else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
            return -1; /* NUL, space, punctuation, any non-ASCII byte */
        }
        upper[i] = (char)c;
    }
    upper[len] = '\0';
    /* Names are unique, so the order of the search does not matter; ALL,
     * the usual entry, is last: the first byte rules out most without a
     * call. */
    for (int cap = 0; cap <= SG_CAP_ALL; cap++) {
        if (cap_names[cap][0] == upper[0] && strcmp(upper, cap_names[cap]) == 0) {
            /* ALL is matched before any prefix is added, so "CAP_ALL" is
             * no name at all: it neither grants nor drops everything. */
            if (cap == SG_CAP_ALL && p != name)
                return -1;
            if (spelling != NULL)
                *spelling = canonical ? SG_CAP_CANONICAL : SG_CAP_NONCANONICAL;
            return cap;
        }
    }
    return -1;
}
