/* judge.h - judges one pod view against the rules in force and writes every
 * violation to a report: seccomp (Unconfined, no profile, Localhost
 * allow-list and path), privileged, capabilities (judged by what the runtime
 * grants, plus spelling), and allowPrivilegeEscalation. Pure: no
 * allocation beyond the report, no I/O. */
#ifndef SG_JUDGE_H
#define SG_JUDGE_H

#include "policy.h"
#include "pod.h"
#include "report.h"

void sg_judge_pod(const struct sg_pod *pod, const struct sg_effective *eff,
                  struct sg_report *report);

#endif
