/* verdict.h - what a decision can be, below everything that decides: the
 * two modes a request is judged in (the validating and the mutating
 * webhook) and the three verdicts. The engine, the AdmissionReview
 * envelope, `check`, and the server's log and metrics all speak these. */
#ifndef SG_VERDICT_H
#define SG_VERDICT_H

enum sg_mode {
    SG_MODE_VALIDATE, /* /validate: allow, warn or deny; never a patch */
    SG_MODE_MUTATE,   /* /mutate: a JSON Patch with the policy's defaults */
};

enum sg_verdict {
    SG_VERDICT_ALLOW, /* allowed; audit-only findings go to annotations and log */
    SG_VERDICT_WARN,  /* allowed, with warnings the user sees */
    SG_VERDICT_DENY,  /* refused */
};
#define SG_VERDICT_COUNT 3

/* "allow", "warn", "deny": in logs, metrics and machine output. */
const char *sg_verdict_name(enum sg_verdict v);

/* "allowed", "allowed with warnings", "denied": for people. */
const char *sg_verdict_phrase(enum sg_verdict v);

#endif
