/* syscall_rule.h - the entries of a profile's syscalls[]: names (or the
 * old name), action, errnoRet, args and moby's includes/excludes, each
 * checked against what runc and moby do with it. Internal to profile/:
 * the profile reader calls it for the "syscalls" key. */
#ifndef SG_SYSCALL_RULE_H
#define SG_SYSCALL_RULE_H

#include "profile.h"
#include "read.h"

/* Reads the list `v` (syscalls) into the profile `target`. */
void sg_syscall_rule_read_all(struct sg_read *r, const cJSON *v, void *target);

/* Once the whole profile is read (the default action may come after the
 * rules): each rule against the profile (errnoRet, NOTIFY, the same action
 * as the default), then names given twice. */
void sg_syscall_rule_check_all(struct sg_read *r, struct sg_seccomp_profile *p);

#endif
