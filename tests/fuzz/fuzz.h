/* fuzz.h - what the fuzz targets share: libFuzzer's entry point (replay.c
 * calls it when libFuzzer is not linked), the policy the review and manifest
 * targets judge with, and the check that aborts when an invariant fails.
 *
 * One target per untrusted parser: fuzz_review.c (AdmissionReview bodies),
 * fuzz_policy.c (policy files), fuzz_manifest.c (manifests for `check`),
 * fuzz_profile.c (seccomp profiles). HTTP itself is libmicrohttpd's to
 * parse (docs/security.md). */
#ifndef SG_FUZZ_H
#define SG_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"

/* Bounds the targets are run with; longer inputs are cut (libFuzzer's
 * -max_len does the same, and replaying must judge what fuzzing judged). */
#define FUZZ_REVIEW_MAX   (64 * 1024)
#define FUZZ_MANIFEST_MAX (64 * 1024)
#define FUZZ_POLICY_MAX   (8 * 1024)
#define FUZZ_PROFILE_MAX  (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A policy that gives every rule an action other than allow, injects a
 * profile and a drop list, and has exemptions and overrides that the input
 * can reach through its namespace, user and runtime class:
 *   namespace legacy-*   warn/audit instead of deny, Localhost injected,
 *                        drop [NET_RAW, SYS_ADMIN, ALL], any add allowed
 *   namespace open-*     with group team-*: nothing injected
 *   kube-system, user system:serviceaccount:kube-system:*, group
 *   system:nodes, runtime class gvisor: exempt
 * Parsed once; never freed. */
const struct sg_policy *fuzz_policy(void);

/* Prints "invariant failed: <what>" and aborts, so libFuzzer keeps the input. */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fuzz_fail(__VA_ARGS__);                                                                \
    } while (0)

#endif
