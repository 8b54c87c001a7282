/* fuzz_policy.c - policy files: bytes -> sg_policy_parse.
 *
 * Invariants:
 *   - a failure is SG_ERR_INVALID or SG_ERR_LIMIT with a message, and no
 *     policy;
 *   - a parsed policy dumps (sg_policy_dump), the dump parses, and the
 *     re-parsed policy dumps to the same text: `seccomp-guard policy`
 *     prints what the server would run, in a form it reads back. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "policy.h"

/* Subjects whose effective rules are worked out, so overrides and
 * exemptions run too. */
static const char *const groups[] = {"system:authenticated", "team-a", "system:nodes"};
static const struct sg_subject subjects[] = {
    {.namespace = "default", .username = "alice", .groups = groups, .n_groups = 2},
    {.namespace = "legacy-app", .username = "bob", .groups = groups + 1, .n_groups = 1},
    {.namespace = "kube-system",
     .username = "system:serviceaccount:kube-system:x",
     .groups = groups,
     .n_groups = 3,
     .runtime_class = "gvisor"},
    {.namespace = "", .username = NULL, .groups = NULL, .n_groups = 0, .runtime_class = ""},
};

static void resolve_all(const struct sg_policy *p)
{
    for (size_t i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++) {
        struct sg_effective eff;
        sg_policy_resolve(p, &subjects[i], &eff);
        for (int r = 0; r < SG_RULE_COUNT; r++)
            FUZZ_CHECK((unsigned)eff.action[r] < SG_ACTION_COUNT, "rule %d has action %d", r,
                       (int)eff.action[r]);
        FUZZ_CHECK(eff.action[SG_RULE_SECCOMP_INVALID] == SG_ACTION_DENY &&
                       eff.action[SG_RULE_UNREADABLE] == SG_ACTION_DENY,
                   "a fixed rule is not deny");
        FUZZ_CHECK(eff.default_profile != SG_PROFILE_LOCALHOST || eff.default_localhost != NULL,
                   "Localhost default profile without a path");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sg_policy *p = NULL, *again = NULL;
    struct sg_error err;
    char *dump = NULL, *dump2 = NULL;
    int rc;

    if (size > FUZZ_POLICY_MAX)
        size = FUZZ_POLICY_MAX;
    sg_error_clear(&err);
    rc = sg_policy_parse("fuzz.yaml", (const char *)data, size, &p, &err);
    if (rc < 0) {
        FUZZ_CHECK(p == NULL, "a failed parse left a policy");
        FUZZ_CHECK(rc == SG_ERR_INVALID || rc == SG_ERR_LIMIT, "parse failed with %d: %s", rc,
                   err.msg);
        FUZZ_CHECK(err.code == rc && err.msg[0] != '\0', "parse failed with no message");
        return 0;
    }
    FUZZ_CHECK(p != NULL, "parse succeeded without a policy");
    resolve_all(p);
    dump = sg_policy_dump(p);
    FUZZ_CHECK(dump != NULL, "sg_policy_dump failed");
    sg_error_clear(&err);
    rc = sg_policy_parse("dump.yaml", dump, strlen(dump), &again, &err);
    FUZZ_CHECK(rc == 0, "the dump does not parse: %s\n--- dump:\n%s", err.msg, dump);
    dump2 = sg_policy_dump(again);
    FUZZ_CHECK(dump2 != NULL, "sg_policy_dump of the re-parsed policy failed");
    FUZZ_CHECK(strcmp(dump, dump2) == 0,
               "the dump changed when read back\n--- first:\n%s--- second:\n%s", dump, dump2);
    free(dump);
    free(dump2);
    sg_policy_free(p);
    sg_policy_free(again);
    return 0;
}
