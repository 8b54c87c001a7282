/* common.c - see fuzz.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static const char policy_yaml[] =
    "rules:\n"
    "  seccomp-unconfined: deny\n"
    "  seccomp-unset: warn\n"
    "  seccomp-localhost: deny\n"
    "  privileged: deny\n"
    "  capabilities-add: deny\n"
    "  capabilities-spelling: deny\n"
    "  capabilities-drop-spelling: warn\n"
    "  capabilities-unknown: deny\n"
    "  capabilities-drop-all: audit\n"
    "  privilege-escalation: warn\n"
    "seccomp:\n"
    "  allowedLocalhostProfiles: [\"profiles/*\", \"audit.json\"]\n"
    "  defaultProfile: {type: RuntimeDefault}\n"
    "capabilities:\n"
    "  allowedAdd: [AUDIT_WRITE, CHOWN, NET_BIND_SERVICE, SETGID, SETUID]\n"
    "  defaultDrop: [ALL]\n"
    "  requiredDrop: [NET_RAW, SYS_ADMIN]\n"
    "exemptions:\n"
    "  namespaces: [kube-system]\n"
    "  usernames: [\"system:serviceaccount:kube-system:*\"]\n"
    "  groups: [\"system:nodes\"]\n"
    "  runtimeClasses: [gvisor]\n"
    "imageExemptions:\n"
    "  - image: \"docker.io/istio/proxyv2:*\"\n"
    "    containers: [istio-init]\n"
    "    allowedAdd: [NET_ADMIN, NET_RAW]\n"
    "    rules: [capabilities-required-drop]\n"
    "  - image: docker.io/library/busybox@sha256:"
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
    "    namespaces: [\"tools-*\"]\n"
    "    rules: [privileged, seccomp-unconfined, capabilities-add]\n"
    "overrides:\n"
    "  - match: {namespaces: [\"legacy-*\"]}\n"
    "    rules: {seccomp-unconfined: warn, privileged: audit, capabilities-add: warn,\n"
    "            seccomp-unset: audit, capabilities-drop-all: warn}\n"
    "    seccomp:\n"
    "      allowedLocalhostProfiles: [\"*\"]\n"
    "      defaultProfile: {type: Localhost, localhostProfile: profiles/audit.json}\n"
    "    capabilities:\n"
    "      allowedAdd: [ALL]\n"
    "      defaultDrop: [NET_RAW, SYS_ADMIN, ALL]\n"
    "  - match: {namespaces: [\"inject-*\"]}\n"
    "    seccomp: {defaultProfile: {type: Localhost, localhostProfile: profiles/deny.json}}\n"
    "  - match: {namespaces: [\"open-*\"], groups: [\"team-*\"]}\n"
    "    seccomp: {defaultProfile: {type: None}}\n"
    "    capabilities: {defaultDrop: []}\n"
    "base: default\n";

/* What a profiles folder would say of three profiles (profileset/ reads
 * them from files; the fuzzers need no files): Localhost profiles are
 * judged by these, and legacy-* namespaces inject a permissive one, which
 * mutation must then leave out. */
static const struct sg_known_profile known[] = {
    {"profiles/audit.json", SG_KNOWN_PERMISSIVE,
     "SCMP_ACT_LOG: every syscall it does not list runs", ""},
    {"profiles/strict.json", SG_KNOWN_ENFORCING, "unlisted syscalls fail with errno 1",
     "mount, umount2"},
    {"profiles/deny.json", SG_KNOWN_ENFORCING, "unlisted syscalls fail with errno 1", ""},
    {"profiles/none.json", SG_KNOWN_UNCONFINED, "no defaultAction and no syscalls", ""},
};

static struct sg_known *known_set(void)
{
    struct sg_known *k = NULL;
    struct sg_error err;

    sg_error_clear(&err);
    if (sg_known_new("fuzz-profiles", &k, &err) < 0)
        fuzz_fail("the fuzz profiles: %s", err.msg);
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (sg_known_add(k, &known[i], &err) < 0)
            fuzz_fail("the fuzz profiles: %s", err.msg);
    }
    sg_known_seal(k);
    return k;
}

void fuzz_fail(const char *fmt, ...)
{
    va_list ap;

    fputs("invariant failed: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

const struct sg_policy *fuzz_policy(void)
{
    static struct sg_policy *policy;
    struct sg_error err;

    if (policy == NULL) {
        sg_error_clear(&err);
        if (sg_policy_parse("fuzz-policy.yaml", policy_yaml, strlen(policy_yaml), &policy, &err) <
            0)
            fuzz_fail("the fuzz policy does not parse: %s", err.msg);
        sg_policy_set_known(policy, known_set());
    }
    return policy;
}
