/* metrics.h - the server's counters and their Prometheus text exposition.
 *
 * Requests by endpoint and HTTP code, decisions by endpoint, verdict and
 * rule, a latency histogram per admission endpoint, policy and certificate
 * reloads by result, connections cut by the request timeout, and seconds
 * until the serving certificate expires. Updates are lock-free atomics,
 * safe from every server thread. */
#ifndef SG_METRICS_H
#define SG_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "review.h"

enum sg_endpoint {
    SG_ENDPOINT_VALIDATE,
    SG_ENDPOINT_MUTATE,
    SG_ENDPOINT_HEALTHZ,
    SG_ENDPOINT_READYZ,
    SG_ENDPOINT_METRICS,
    SG_ENDPOINT_OTHER, /* unknown paths (404) */
    SG_ENDPOINT_COUNT,
};

struct sg_metrics;

/* The gauges read at exposition time, owned by the caller. */
struct sg_metrics_gauges {
    long long cert_not_after; /* unix seconds; 0 when unknown */
    long long now;            /* unix seconds */
    unsigned connections;     /* open now */
    bool ready;
};

/* Returns 0 and *out, or SG_ERR_NOMEM / SG_ERR_INTERNAL. */
int sg_metrics_new(struct sg_metrics **out);
void sg_metrics_free(struct sg_metrics *m); /* NULL is a no-op */

/* "validate", "mutate", ... */
const char *sg_endpoint_name(enum sg_endpoint ep);

void sg_metrics_request(struct sg_metrics *m, enum sg_endpoint ep, unsigned status);
void sg_metrics_latency(struct sg_metrics *m, enum sg_endpoint ep, unsigned long long us);
void sg_metrics_decision(struct sg_metrics *m, enum sg_endpoint ep, const struct sg_decision *d);
void sg_metrics_policy_reload(struct sg_metrics *m, bool ok);
void sg_metrics_cert_reload(struct sg_metrics *m, bool ok);
/* A read of the policy's profiles folder: ok with what is known now, or
 * refused (a broken profile: the last good set stays). */
void sg_metrics_profiles_reload(struct sg_metrics *m, bool ok, size_t known, size_t permissive);
void sg_metrics_request_timeout(struct sg_metrics *m);

/* Renders everything as Prometheus text format 0.0.4. Returns a malloc'd
 * string owned by the caller (length in *len), or NULL when out of memory. */
char *sg_metrics_render(struct sg_metrics *m, const struct sg_metrics_gauges *g, size_t *len);

#endif
