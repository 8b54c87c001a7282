/* report.h - the violations found in one object: each with its rule, the
 * action the policy gives it, the field path, a full message (what was
 * found, why it matters, how to fix it) and a brief form short enough for a
 * kubectl warning. Bounded: past SG_REPORT_MAX violations only a count is
 * kept, so hostile input cannot make a report grow without end. */
#ifndef SG_REPORT_H
#define SG_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "rule.h"

#define SG_REPORT_MAX  200  /* violations kept in full */
#define SG_WARNING_MAX 119  /* bytes in a warning: kubectl shows it whole */
#define SG_MESSAGE_MAX 2048 /* bytes in one violation's message */

struct sg_violation {
    enum sg_rule rule;
    enum sg_action action;
    char *path;    /* "spec.containers[0].securityContext.privileged"; owns the
                    * one allocation that also holds message and brief */
    char *message; /* "<path>: <what>; <fix> [rule]" */
    char *brief;   /* "<brief> [rule]", at most SG_WARNING_MAX bytes */
};

struct sg_report {
    struct sg_violation *items;
    size_t n;
    size_t cap;
    size_t dropped; /* violations past SG_REPORT_MAX, counted only */
    enum sg_action dropped_strongest;
    bool nomem; /* an allocation failed: the report is incomplete */
};

void sg_report_init(struct sg_report *r);
void sg_report_release(struct sg_report *r);

/* Adds a violation. `brief` is the short form without the rule id (it is
 * appended); `fmt` the long form's text after the path. Violations with
 * action allow are not kept. */
void sg_report_add(struct sg_report *r, enum sg_rule rule, enum sg_action action, const char *path,
                   const char *brief, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* The strongest action in the report, dropped violations included (allow
 * when empty). A report that lost a violation to a failed allocation is
 * deny: what was not kept cannot be shown to be harmless. */
enum sg_action sg_report_strongest(const struct sg_report *r);

/* True when some violation has this rule. */
bool sg_report_has(const struct sg_report *r, enum sg_rule rule);

/* Writes `s` into `out` (size `cap`) as a double-quoted, printable string:
 * control and non-ASCII bytes escaped, cut at `max` bytes with "...". For
 * quoting untrusted values in messages. */
void sg_quote(char *out, size_t cap, const char *s, size_t max);

#endif
