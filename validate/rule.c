/* rule.c - see rule.h. */
#include "rule.h"

#include <string.h>

static const struct {
    const char *id;
    const char *summary;
} rules[SG_RULE_COUNT] = {
    [SG_RULE_SECCOMP_UNCONFINED] = {"seccomp-unconfined",
                                    "seccomp type Unconfined in a field or a legacy annotation"},
    [SG_RULE_SECCOMP_UNSET] = {"seccomp-unset",
                               "a container that would run with no seccomp profile at all"},
    [SG_RULE_SECCOMP_LOCALHOST] = {"seccomp-localhost",
                                   "a Localhost profile that no allowedLocalhostProfiles glob "
                                   "matches"},
    [SG_RULE_PRIVILEGED] = {"privileged",
                            "privileged: true (no seccomp filter and every capability)"},
    [SG_RULE_CAP_ADD] = {"capabilities-add", "an added capability outside capabilities.allowedAdd"},
    [SG_RULE_CAP_SPELLING] = {"capabilities-spelling",
                              "an added capability not spelt canonically (chown, CAP_CHOWN)"},
    [SG_RULE_CAP_DROP_SPELLING] = {"capabilities-drop-spelling",
                                   "a dropped capability not spelt canonically, or unknown"},
    [SG_RULE_CAP_UNKNOWN] = {"capabilities-unknown", "an added name that is no Linux capability"},
    [SG_RULE_CAP_DROP_ALL] = {"capabilities-drop-all",
                              "a container whose capabilities.drop does not contain ALL"},
    [SG_RULE_PRIV_ESCALATION] = {"privilege-escalation",
                                 "a container that does not set allowPrivilegeEscalation: false"},
    [SG_RULE_SECCOMP_INVALID] = {"seccomp-invalid",
                                 "a seccomp setting Kubernetes refuses (always denied)"},
    [SG_RULE_UNREADABLE] = {"unreadable", "an object that cannot be fully read (always denied)"},
};

static const char *const actions[SG_ACTION_COUNT] = {
    [SG_ACTION_ALLOW] = "allow",
    [SG_ACTION_AUDIT] = "audit",
    [SG_ACTION_WARN] = "warn",
    [SG_ACTION_DENY] = "deny",
};

const char *sg_rule_id(enum sg_rule rule)
{
    return (unsigned)rule < SG_RULE_COUNT ? rules[rule].id : "?";
}

const char *sg_rule_summary(enum sg_rule rule)
{
    return (unsigned)rule < SG_RULE_COUNT ? rules[rule].summary : "?";
}

int sg_rule_find(const char *id)
{
    for (int i = 0; i < SG_RULE_COUNT; i++) {
        if (strcmp(rules[i].id, id) == 0)
            return i;
    }
    return -1;
}

const char *sg_action_name(enum sg_action action)
{
    return (unsigned)action < SG_ACTION_COUNT ? actions[action] : "?";
}

int sg_action_find(const char *name)
{
    for (int i = 0; i < SG_ACTION_COUNT; i++) {
        if (strcmp(actions[i], name) == 0)
            return i;
    }
    return -1;
}
