/* rule.h - the closed list of rules seccomp-guard judges, and the actions a
 * policy can give them. A rule's id is its policy key (`rules.<id>`), its
 * name in messages ("[seccomp-unset]"), in metrics and in audit annotations.
 *
 * Two rules are not configurable: a seccomp setting that Kubernetes itself
 * would refuse (seccomp-invalid) and input the engine cannot fully read
 * (unreadable) are always denied, so no policy can open a hole there. */
#ifndef SG_RULE_H
#define SG_RULE_H

#include <stdbool.h>

/* Ordered by strength: a stronger action wins when several apply. */
enum sg_action {
    SG_ACTION_ALLOW, /* nothing happens */
    SG_ACTION_AUDIT, /* allowed, recorded in audit annotations and the log */
    SG_ACTION_WARN,  /* allowed, with a warning the user sees */
    SG_ACTION_DENY,  /* refused */
};
#define SG_ACTION_COUNT 4

enum sg_rule {
    SG_RULE_SECCOMP_UNCONFINED,  /* Unconfined in a field or legacy annotation */
    SG_RULE_SECCOMP_UNSET,       /* a container that runs with no profile at all */
    SG_RULE_SECCOMP_LOCALHOST,   /* a Localhost profile outside the allow-list */
    SG_RULE_PRIVILEGED,          /* privileged: true (Unconfined + every capability) */
    SG_RULE_CAP_ADD,             /* an added capability outside the allow-list */
    SG_RULE_CAP_SPELLING,        /* an added capability not spelt canonically */
    SG_RULE_CAP_DROP_SPELLING,   /* a dropped capability not spelt canonically */
    SG_RULE_CAP_UNKNOWN,         /* an added name that is no Linux capability */
    SG_RULE_CAP_DROP_ALL,        /* drop does not contain ALL */
    SG_RULE_PRIV_ESCALATION,     /* allowPrivilegeEscalation is not false */
    SG_RULE_CAP_REQUIRED_DROP,   /* a capability the policy requires dropped is kept */
    SG_RULE_LOCALHOST_UNKNOWN,   /* a Localhost profile the policy's profiles folder lacks */
    SG_RULE_LOCALHOST_DANGEROUS, /* a known Localhost profile lets dangerous syscalls run */
    SG_RULE_SECCOMP_INVALID,     /* a seccomp setting Kubernetes would refuse */
    SG_RULE_UNREADABLE,          /* input that cannot be fully read */
    SG_RULE_COUNT
};
/* Rules before this one take an action from the policy. */
#define SG_RULE_CONFIGURABLE SG_RULE_SECCOMP_INVALID

/* The rule's id ("seccomp-unconfined"). */
const char *sg_rule_id(enum sg_rule rule);
/* Finds a rule by id; returns -1 when there is none. */
int sg_rule_find(const char *id);

/* What a decision is counted and logged by: bit r of sg_decision_hits for
 * each rule r a violation named (enum sg_rule), then these two for what
 * the mutating webhook injected. Hits stay numbers until printed. */
#define SG_HIT_INJECT_SECCOMP SG_RULE_COUNT
#define SG_HIT_INJECT_DROP    (SG_RULE_COUNT + 1)
#define SG_HIT_COUNT          (SG_RULE_COUNT + 2)

/* A rule's id, or "inject-seccomp", "inject-drop"; "?" past the end. */
const char *sg_hit_name(unsigned hit);

const char *sg_action_name(enum sg_action action); /* "deny" ... */
/* Finds an action by name; returns -1 when there is none. */
int sg_action_find(const char *name);

#endif
