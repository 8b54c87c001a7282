/* metrics.c - see metrics.h. Counters are plain relaxed atomics, rule
 * hits included (counted by their number, spelt only when rendered): a
 * scrape may see one counter a request ahead of another, which Prometheus
 * allows, and no request ever waits for a scrape or for another request. */
#include "metrics.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "buf.h"
#include "error.h"
#include "rule.h"

/* The codes the server answers with; anything else counts as "other". */
static const unsigned tracked_codes[] = {200, 400, 403, 404, 405, 413, 415,
                                         417, 431, 500, 501, 503, 505};
#define N_CODES (sizeof(tracked_codes) / sizeof(tracked_codes[0]) + 1)

/* Upper bounds in microseconds: 100 us .. 1 s covers a 3 KB pod (tens of
 * us) up to a 3 MiB one, against the API server's 10 s webhook timeout. */
static const unsigned long long latency_bounds_us[] = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000,
};
#define N_BUCKETS (sizeof(latency_bounds_us) / sizeof(latency_bounds_us[0]))

static const char *const endpoint_names[SG_ENDPOINT_COUNT] = {
    [SG_ENDPOINT_VALIDATE] = "validate", [SG_ENDPOINT_MUTATE] = "mutate",
    [SG_ENDPOINT_HEALTHZ] = "healthz",   [SG_ENDPOINT_READYZ] = "readyz",
    [SG_ENDPOINT_METRICS] = "metrics",   [SG_ENDPOINT_OTHER] = "other",
};

#define N_ADMISSION 2 /* validate, mutate: the endpoints that decide */
/* A rendering is about 8 KiB; its bound only guards against a bug. */
#define RENDER_MAX (1024 * 1024)

struct sg_metrics {
    atomic_ullong requests[SG_ENDPOINT_COUNT][N_CODES];
    atomic_ullong buckets[N_ADMISSION][N_BUCKETS + 1]; /* last: +Inf */
    atomic_ullong latency_sum_us[N_ADMISSION];
    atomic_ullong verdicts[N_ADMISSION][SG_VERDICT_COUNT];
    atomic_ullong hits[N_ADMISSION][SG_HIT_COUNT];
    atomic_ullong policy_reloads[2]; /* [0] failed, [1] ok */
    atomic_ullong policy_stale;      /* 1 while the file on disk is refused */
    atomic_ullong cert_reloads[2];
    atomic_ullong profiles_reloads[2]; /* [0] failed, [1] ok */
    atomic_ullong profiles_stale;
    atomic_ullong profiles_known, profiles_permissive;
    atomic_ullong request_timeouts;
};

int sg_metrics_new(struct sg_metrics **out)
{
    struct sg_metrics *m;

    *out = NULL;
    m = calloc(1, sizeof(*m));
    if (m == NULL)
        return SG_ERR_NOMEM;
    *out = m;
    return 0;
}

void sg_metrics_free(struct sg_metrics *m)
{
    free(m);
}

const char *sg_endpoint_name(enum sg_endpoint ep)
{
    if ((unsigned)ep >= SG_ENDPOINT_COUNT)
        return "other";
    return endpoint_names[ep];
}

static void bump(atomic_ullong *c, unsigned long long by)
{
    atomic_fetch_add_explicit(c, by, memory_order_relaxed);
}

static unsigned long long get(atomic_ullong *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

void sg_metrics_request(struct sg_metrics *m, enum sg_endpoint ep, unsigned status)
{
    size_t i;

    if ((unsigned)ep >= SG_ENDPOINT_COUNT)
        ep = SG_ENDPOINT_OTHER;
    for (i = 0; i < N_CODES - 1; i++) {
        if (tracked_codes[i] == status)
            break;
    }
    bump(&m->requests[ep][i], 1);
}

void sg_metrics_latency(struct sg_metrics *m, enum sg_endpoint ep, unsigned long long us)
{
    size_t i;

    if ((unsigned)ep >= N_ADMISSION)
        return;
    for (i = 0; i < N_BUCKETS; i++) {
        if (us <= latency_bounds_us[i])
            break;
    }
    bump(&m->buckets[ep][i], 1);
    bump(&m->latency_sum_us[ep], us);
}

void sg_metrics_decision(struct sg_metrics *m, enum sg_endpoint ep, const struct sg_decision *d)
{
    unsigned v = (unsigned)sg_decision_verdict(d);
    uint32_t hits = sg_decision_hits(d);

    if ((unsigned)ep >= N_ADMISSION)
        return;
    if (v < SG_VERDICT_COUNT)
        bump(&m->verdicts[ep][v], 1);
    for (unsigned h = 0; h < SG_HIT_COUNT; h++) {
        if (hits & (1u << h))
            bump(&m->hits[ep][h], 1);
    }
}

void sg_metrics_policy_reload(struct sg_metrics *m, bool ok)
{
    bump(&m->policy_reloads[ok ? 1 : 0], 1);
    atomic_store_explicit(&m->policy_stale, ok ? 0 : 1, memory_order_relaxed);
}

void sg_metrics_cert_reload(struct sg_metrics *m, bool ok)
{
    bump(&m->cert_reloads[ok ? 1 : 0], 1);
}

void sg_metrics_profiles_reload(struct sg_metrics *m, bool ok, size_t known, size_t permissive)
{
    bump(&m->profiles_reloads[ok ? 1 : 0], 1);
    atomic_store_explicit(&m->profiles_stale, ok ? 0 : 1, memory_order_relaxed);
    if (ok) {
        atomic_store_explicit(&m->profiles_known, known, memory_order_relaxed);
        atomic_store_explicit(&m->profiles_permissive, permissive, memory_order_relaxed);
    }
}

void sg_metrics_request_timeout(struct sg_metrics *m)
{
    bump(&m->request_timeouts, 1);
}

static void render_counters(struct sg_metrics *m, struct sg_buf *t)
{
    size_t e, c, v, b;

    sg_buf_addf(
        t, "# HELP seccomp_guard_http_requests_total HTTP requests by endpoint and status code.\n"
           "# TYPE seccomp_guard_http_requests_total counter\n");
    for (e = 0; e < SG_ENDPOINT_COUNT; e++) {
        for (c = 0; c < N_CODES; c++) {
            unsigned long long n = get(&m->requests[e][c]);
            if (n == 0)
                continue;
            if (c < N_CODES - 1)
                sg_buf_addf(t,
                            "seccomp_guard_http_requests_total{endpoint=\"%s\",code=\"%u\"} %llu\n",
                            endpoint_names[e], tracked_codes[c], n);
            else
                sg_buf_addf(
                    t, "seccomp_guard_http_requests_total{endpoint=\"%s\",code=\"other\"} %llu\n",
                    endpoint_names[e], n);
        }
    }
    sg_buf_addf(
        t, "# HELP seccomp_guard_decisions_total Admission decisions by endpoint and verdict.\n"
           "# TYPE seccomp_guard_decisions_total counter\n");
    for (e = 0; e < N_ADMISSION; e++) {
        for (v = 0; v < SG_VERDICT_COUNT; v++)
            sg_buf_addf(t, "seccomp_guard_decisions_total{endpoint=\"%s\",verdict=\"%s\"} %llu\n",
                        endpoint_names[e], sg_verdict_name((enum sg_verdict)v),
                        get(&m->verdicts[e][v]));
    }
    sg_buf_addf(t, "# HELP seccomp_guard_rule_hits_total Rules hit by admission decisions.\n"
                   "# TYPE seccomp_guard_rule_hits_total counter\n");
    for (size_t h = 0; h < SG_HIT_COUNT; h++) {
        for (e = 0; e < N_ADMISSION; e++) {
            unsigned long long n = get(&m->hits[e][h]);
            if (n != 0)
                sg_buf_addf(t, "seccomp_guard_rule_hits_total{endpoint=\"%s\",rule=\"%s\"} %llu\n",
                            endpoint_names[e], sg_hit_name((unsigned)h), n);
        }
    }
    sg_buf_addf(t,
                "# HELP seccomp_guard_request_duration_seconds Time from a complete request body "
                "to its response, for the admission endpoints.\n"
                "# TYPE seccomp_guard_request_duration_seconds histogram\n");
    for (e = 0; e < N_ADMISSION; e++) {
        unsigned long long cum = 0;
        for (b = 0; b <= N_BUCKETS; b++) {
            cum += get(&m->buckets[e][b]);
            if (b < N_BUCKETS)
                sg_buf_addf(
                    t,
                    "seccomp_guard_request_duration_seconds_bucket{endpoint=\"%s\",le=\"%g\"} "
                    "%llu\n",
                    endpoint_names[e], (double)latency_bounds_us[b] / 1e6, cum);
            else
                sg_buf_addf(
                    t,
                    "seccomp_guard_request_duration_seconds_bucket{endpoint=\"%s\",le=\"+Inf\"} "
                    "%llu\n",
                    endpoint_names[e], cum);
        }
        sg_buf_addf(t, "seccomp_guard_request_duration_seconds_sum{endpoint=\"%s\"} %.6f\n",
                    endpoint_names[e], (double)get(&m->latency_sum_us[e]) / 1e6);
        sg_buf_addf(t, "seccomp_guard_request_duration_seconds_count{endpoint=\"%s\"} %llu\n",
                    endpoint_names[e], cum);
    }
}

char *sg_metrics_render(struct sg_metrics *m, const struct sg_metrics_gauges *g, size_t *len)
{
    struct sg_buf t;
    char *text;

    *len = 0;
    sg_buf_init(&t, RENDER_MAX);
    sg_buf_hint(&t, 8192);
    render_counters(m, &t);
    sg_buf_addf(&t,
                "# HELP seccomp_guard_policy_reloads_total Policy reloads by result; a failed one "
                "keeps the last good policy.\n"
                "# TYPE seccomp_guard_policy_reloads_total counter\n"
                "seccomp_guard_policy_reloads_total{result=\"ok\"} %llu\n"
                "seccomp_guard_policy_reloads_total{result=\"error\"} %llu\n",
                get(&m->policy_reloads[1]), get(&m->policy_reloads[0]));
    sg_buf_addf(&t,
                "# HELP seccomp_guard_policy_refused 1 while the policy file on disk is refused "
                "(invalid or cut short) and the last good policy is in force.\n"
                "# TYPE seccomp_guard_policy_refused gauge\n"
                "seccomp_guard_policy_refused %llu\n",
                get(&m->policy_stale));
    sg_buf_addf(&t,
                "# HELP seccomp_guard_profiles_reloads_total Reads of the policy's profiles "
                "folder by result; a failed one (a broken profile) keeps the last good set.\n"
                "# TYPE seccomp_guard_profiles_reloads_total counter\n"
                "seccomp_guard_profiles_reloads_total{result=\"ok\"} %llu\n"
                "seccomp_guard_profiles_reloads_total{result=\"error\"} %llu\n"
                "# HELP seccomp_guard_profiles_refused 1 while the profiles folder on disk is "
                "refused and the last good set is in force.\n"
                "# TYPE seccomp_guard_profiles_refused gauge\n"
                "seccomp_guard_profiles_refused %llu\n"
                "# HELP seccomp_guard_profiles_known Seccomp profiles the policy knows, and how "
                "many of them are permissive (judged as Unconfined).\n"
                "# TYPE seccomp_guard_profiles_known gauge\n"
                "seccomp_guard_profiles_known{kind=\"all\"} %llu\n"
                "seccomp_guard_profiles_known{kind=\"permissive\"} %llu\n",
                get(&m->profiles_reloads[1]), get(&m->profiles_reloads[0]), get(&m->profiles_stale),
                get(&m->profiles_known), get(&m->profiles_permissive));
    sg_buf_addf(&t,
                "# HELP seccomp_guard_certificate_reloads_total Certificate reloads by result; a "
                "failed one keeps the last good pair.\n"
                "# TYPE seccomp_guard_certificate_reloads_total counter\n"
                "seccomp_guard_certificate_reloads_total{result=\"ok\"} %llu\n"
                "seccomp_guard_certificate_reloads_total{result=\"error\"} %llu\n",
                get(&m->cert_reloads[1]), get(&m->cert_reloads[0]));
    sg_buf_addf(&t,
                "# HELP seccomp_guard_certificate_expiry_seconds Seconds until the serving "
                "certificate expires (negative once expired).\n"
                "# TYPE seccomp_guard_certificate_expiry_seconds gauge\n"
                "seccomp_guard_certificate_expiry_seconds %lld\n",
                g->cert_not_after - g->now);
    sg_buf_addf(&t,
                "# HELP seccomp_guard_request_timeouts_total Connections closed because a request "
                "(or a TLS handshake) took longer than its timeout.\n"
                "# TYPE seccomp_guard_request_timeouts_total counter\n"
                "seccomp_guard_request_timeouts_total %llu\n",
                get(&m->request_timeouts));
    sg_buf_addf(&t,
                "# HELP seccomp_guard_connections Open client connections.\n"
                "# TYPE seccomp_guard_connections gauge\n"
                "seccomp_guard_connections %u\n"
                "# HELP seccomp_guard_ready 1 when the policy and certificate are loaded and the "
                "server is not shutting down.\n"
                "# TYPE seccomp_guard_ready gauge\n"
                "seccomp_guard_ready %d\n",
                g->connections, g->ready ? 1 : 0);
    *len = t.len;
    text = sg_buf_steal(&t); /* NULL when the buffer failed */
    if (text == NULL)
        *len = 0;
    return text;
}
