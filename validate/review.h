/* review.h - one AdmissionReview in, one decision and its response bytes out.
 *
 * This is the single decision path: the server's /validate and /mutate, the
 * `review` command and (through sg_engine) the `check` command all end here.
 * No I/O, no clock: the same body and policy give the same response bytes.
 * Safe to call from many threads at once with one shared policy. */
#ifndef SG_REVIEW_H
#define SG_REVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "policy.h"
#include "verdict.h"

/* The largest body sg_review reads. The API server sends at most about
 * 3 MiB; the server refuses bigger bodies before they get here (413). */
#define SG_REVIEW_MAX_BYTES (4 * 1024 * 1024)

struct sg_decision;

/* Judges one AdmissionReview (admission.k8s.io/v1 or v1beta1; the response
 * is in the version asked).
 *   0              *out holds a decision and its response (allowed or not).
 *                  A review whose object cannot be fully read is a denial,
 *                  not an error.
 *   SG_ERR_INVALID the body is not an AdmissionReview request (not JSON,
 *                  wrong apiVersion/kind, no request, no request.uid):
 *                  the server answers 400 with err->msg.
 *   SG_ERR_LIMIT   the body is over SG_REVIEW_MAX_BYTES.
 *   SG_ERR_NOMEM   out of memory (the server answers 500, the API server's
 *                  failurePolicy decides).
 * *out is owned by the caller: sg_decision_free. */
int sg_review(const struct sg_policy *policy, enum sg_mode mode, const char *body, size_t len,
              struct sg_decision **out, struct sg_error *err);

/* The AdmissionReview response, JSON, not NUL-terminated in len terms but
 * NUL-terminated in memory. Owned by the decision. */
const char *sg_decision_response(const struct sg_decision *d, size_t *len);

enum sg_verdict sg_decision_verdict(const struct sg_decision *d);

/* True when the response carries a JSON Patch. */
bool sg_decision_patched(const struct sg_decision *d);

/* What the patch injects, one line ("seccompProfile=RuntimeDefault;
 * capabilities.drop=[ALL] on 2 containers"), the same text as the
 * response's `injected` audit annotation; "" without a patch. */
const char *sg_decision_injected(const struct sg_decision *d);

/* Request facts for the log line; never NULL (empty string when absent).
 * Owned by the decision. */
const char *sg_decision_uid(const struct sg_decision *d);
const char *sg_decision_kind(const struct sg_decision *d);
const char *sg_decision_namespace(const struct sg_decision *d);
const char *sg_decision_name(const struct sg_decision *d);
const char *sg_decision_operation(const struct sg_decision *d);
const char *sg_decision_user(const struct sg_decision *d);

/* The rules hit (violations whose action was not `allow`) and what
 * mutation injected, as bits: bit h is hit h of rule.h (SG_HIT_COUNT of
 * them, rules first). sg_hit_name spells one. */
uint32_t sg_decision_hits(const struct sg_decision *d);

/* Frees a decision. NULL is a no-op. */
void sg_decision_free(struct sg_decision *d);

#endif
