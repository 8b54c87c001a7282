/* capability.c - see capability.h. One table, in kernel number order. */
#include "capability.h"

#include <stdint.h>
#include <string.h>

#include "utf8.h"

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

/* The non-ASCII runes that Go's unicode.ToUpper maps into ASCII: what
 * strings.ToUpper (containerd, CRI-O) turns into a letter of a capability
 * name. Derived by running, with Go's own unicode tables (Unicode 13, Go
 * 1.19; the pair has not changed since Go 1.0):
 *     for r := rune(0x80); r <= unicode.MaxRune; r++ {
 *         if unicode.ToUpper(r) < 0x80 { fmt.Printf("%U %q\n", r, unicode.ToUpper(r)) }
 *     }
 * which prints exactly these two. (U+212A KELVIN SIGN folds with k, but
 * ToUpper leaves it as it is, so it is no K.) */
static const struct {
    uint32_t rune;
    char upper;
} go_upper_to_ascii[] = {
    {0x0131, 'I'}, /* LATIN SMALL LETTER DOTLESS I */
    {0x017F, 'S'}, /* LATIN SMALL LETTER LONG S */
};

/* Go's strings.ToUpper of `len` bytes into `out`, as far as a capability
 * name can come of it: returns false as soon as a rune upper-cases to
 * anything but an ASCII letter, digit or '_' (a NUL, a space, U+FFFD for
 * a bad byte, any other non-ASCII letter), or when it does not fit.
 * *changed says whether the result differs from the input. */
static bool go_upper(const char *name, size_t len, char *out, size_t cap, bool *changed)
{
    const unsigned char *p = (const unsigned char *)name;
    size_t o = 0, n;
    uint32_t r;
    char c;

    *changed = false;
    for (size_t i = 0; i < len; i += n) {
        n = sg_utf8_decode(p + i, len - i, &r);
        if (n == 0) { /* as Go: one bad byte, read as U+FFFD */
            n = 1;
            r = 0xfffd;
        }
        c = 0;
        if (r >= 'a' && r <= 'z')
            c = (char)(r - 'a' + 'A');
        else if ((r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == '_')
            c = (char)r;
        for (size_t k = 0; k < sizeof(go_upper_to_ascii) / sizeof(go_upper_to_ascii[0]); k++) {
            if (r == go_upper_to_ascii[k].rune)
                c = go_upper_to_ascii[k].upper;
        }
        if (c == 0 || o + 1 >= cap)
            return false;
        *changed = *changed || (uint32_t)(unsigned char)c != r;
        out[o++] = c;
    }
    out[o] = '\0';
    return true;
}

int sg_cap_resolve(const char *name, size_t len, enum sg_cap_spelling *spelling)
{
    char upper[SG_CAP_NAME_MAX];
    const char *p = upper;
    bool changed, prefixed = false;

    /* Runtimes upper-case first (strings.ToUpper), then look at the
     * prefix: "cap_ſys_admin" is CAP_SYS_ADMIN. */
    if (len == 0 || !go_upper(name, len, upper, sizeof(upper), &changed))
        return -1;
    if (strncmp(upper, "CAP_", 4) == 0) {
        /* Only one prefix: runtimes add "CAP_" to what remains, so
         * "CAP_CAP_SYS_ADMIN" grants nothing. */
        p += 4;
        prefixed = true;
    }
    if (p[0] == '\0')
        return -1;
    /* Names are unique, so the order of the search does not matter; ALL,
     * the usual entry, is last: the first byte rules out most without a
     * call. */
    for (int cap = 0; cap <= SG_CAP_ALL; cap++) {
        if (cap_names[cap][0] == p[0] && strcmp(p, cap_names[cap]) == 0) {
            /* ALL is matched before any prefix is added, so "CAP_ALL" is
             * no name at all: it neither grants nor drops everything. */
            if (cap == SG_CAP_ALL && prefixed)
                return -1;
            if (spelling != NULL)
                *spelling = changed || prefixed ? SG_CAP_NONCANONICAL : SG_CAP_CANONICAL;
            return cap;
        }
    }
    return -1;
}
