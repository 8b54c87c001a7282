/* rule.c - see rule.h. */
#include "rule.h"

#include <string.h>

/* Each rule's id: its policy key, and its name in messages and metrics.
 * What each rule is about is said in rule.h and docs/policy.md. */
static const char *const rules[SG_RULE_COUNT] = {
    [SG_RULE_SECCOMP_UNCONFINED] = "seccomp-unconfined",
    [SG_RULE_SECCOMP_UNSET] = "seccomp-unset",
    [SG_RULE_SECCOMP_LOCALHOST] = "seccomp-localhost",
    [SG_RULE_PRIVILEGED] = "privileged",
    [SG_RULE_CAP_ADD] = "capabilities-add",
    [SG_RULE_CAP_SPELLING] = "capabilities-spelling",
    [SG_RULE_CAP_DROP_SPELLING] = "capabilities-drop-spelling",
    [SG_RULE_CAP_UNKNOWN] = "capabilities-unknown",
    [SG_RULE_CAP_DROP_ALL] = "capabilities-drop-all",
    [SG_RULE_PRIV_ESCALATION] = "privilege-escalation",
    [SG_RULE_CAP_REQUIRED_DROP] = "capabilities-required-drop",
    [SG_RULE_LOCALHOST_UNKNOWN] = "seccomp-localhost-unknown",
    [SG_RULE_LOCALHOST_DANGEROUS] = "seccomp-localhost-dangerous",
    [SG_RULE_SECCOMP_INVALID] = "seccomp-invalid",
    [SG_RULE_UNREADABLE] = "unreadable",
};

static const char *const actions[SG_ACTION_COUNT] = {
    [SG_ACTION_ALLOW] = "allow",
    [SG_ACTION_AUDIT] = "audit",
    [SG_ACTION_WARN] = "warn",
    [SG_ACTION_DENY] = "deny",
};

const char *sg_rule_id(enum sg_rule rule)
{
    return (unsigned)rule < SG_RULE_COUNT ? rules[rule] : "?";
}

const char *sg_hit_name(unsigned hit)
{
    if (hit < SG_RULE_COUNT)
        return rules[hit];
    if (hit == SG_HIT_INJECT_SECCOMP)
        return "inject-seccomp";
    if (hit == SG_HIT_INJECT_DROP)
        return "inject-drop";
    return "?";
}

int sg_rule_find(const char *id)
{
    for (int i = 0; i < SG_RULE_COUNT; i++) {
        if (strcmp(rules[i], id) == 0)
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
