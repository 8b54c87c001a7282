/* test_metrics.c - the Prometheus exposition: counters by endpoint and
 * code (unknown codes as "other"), cumulative histogram buckets, decisions
 * by verdict and rule, reload results and the expiry gauge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics.h"
#include "policy.h"
#include "review.h"
#include "rule.h"

#define UNCONFINED_REVIEW                                                                          \
    "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{"           \
    "\"uid\":\"u1\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},"                \
    "\"resource\":{\"group\":\"\",\"version\":\"v1\",\"resource\":\"pods\"},"                      \
    "\"operation\":\"CREATE\",\"namespace\":\"ns\",\"userInfo\":{\"username\":\"u\"},"             \
    "\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},"            \
    "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\",\"securityContext\":{"              \
    "\"seccompProfile\":{\"type\":\"Unconfined\"}}}]}}}}"

static char *render(struct sg_metrics *m)
{
    struct sg_metrics_gauges g = {
        .cert_not_after = 1000, .now = 400, .connections = 3, .ready = true};
    size_t len;
    char *text = sg_metrics_render(m, &g, &len);

    assert_non_null(text);
    assert_int_equal(strlen(text), len);
    return text;
}

static void test_requests_and_histogram(void **state)
{
    struct sg_metrics *m;

    (void)state;
    assert_int_equal(sg_metrics_new(&m), 0);
    sg_metrics_request(m, SG_ENDPOINT_VALIDATE, 200);
    sg_metrics_request(m, SG_ENDPOINT_VALIDATE, 200);
    sg_metrics_request(m, SG_ENDPOINT_OTHER, 404);
    sg_metrics_request(m, SG_ENDPOINT_MUTATE, 418);
    sg_metrics_latency(m, SG_ENDPOINT_VALIDATE, 90);      /* <= 100 us */
    sg_metrics_latency(m, SG_ENDPOINT_VALIDATE, 3000);    /* <= 5 ms */
    sg_metrics_latency(m, SG_ENDPOINT_VALIDATE, 9000000); /* +Inf only */
    sg_metrics_policy_reload(m, true);
    sg_metrics_policy_reload(m, false);
    sg_metrics_cert_reload(m, false);
    sg_metrics_request_timeout(m);
    char *t = render(m);
    assert_non_null(
        strstr(t, "seccomp_guard_http_requests_total{endpoint=\"validate\",code=\"200\"} 2\n"));
    assert_non_null(
        strstr(t, "seccomp_guard_http_requests_total{endpoint=\"other\",code=\"404\"} 1\n"));
    assert_non_null(
        strstr(t, "seccomp_guard_http_requests_total{endpoint=\"mutate\",code=\"other\"} 1\n"));
    assert_non_null(strstr(t, "_bucket{endpoint=\"validate\",le=\"0.0001\"} 1\n"));
    assert_non_null(strstr(t, "_bucket{endpoint=\"validate\",le=\"0.005\"} 2\n"));
    assert_non_null(strstr(t, "_bucket{endpoint=\"validate\",le=\"1\"} 2\n"));
    assert_non_null(strstr(t, "_bucket{endpoint=\"validate\",le=\"+Inf\"} 3\n"));
    assert_non_null(
        strstr(t, "seccomp_guard_request_duration_seconds_count{endpoint=\"validate\"} 3\n"));
    assert_non_null(strstr(t, "seccomp_guard_policy_reloads_total{result=\"ok\"} 1\n"));
    assert_non_null(strstr(t, "seccomp_guard_policy_reloads_total{result=\"error\"} 1\n"));
    /* The last reload failed: the file on disk is refused. */
    assert_non_null(strstr(t, "seccomp_guard_policy_refused 1\n"));
    assert_non_null(strstr(t, "seccomp_guard_certificate_reloads_total{result=\"error\"} 1\n"));
    assert_non_null(strstr(t, "seccomp_guard_certificate_expiry_seconds 600\n"));
    assert_non_null(strstr(t, "seccomp_guard_request_timeouts_total 1\n"));
    assert_non_null(strstr(t, "seccomp_guard_connections 3\n"));
    assert_non_null(strstr(t, "seccomp_guard_ready 1\n"));
    free(t);
    sg_metrics_free(m);
    sg_metrics_free(NULL);
}

static void test_decisions_by_verdict_and_rule(void **state)
{
    struct sg_metrics *m;
    struct sg_policy *p;
    struct sg_decision *d;
    struct sg_error err;

    (void)state;
    assert_int_equal(sg_metrics_new(&m), 0);
    assert_int_equal(sg_policy_default(&p, &err), 0);
    assert_int_equal(
        sg_review(p, SG_MODE_VALIDATE, UNCONFINED_REVIEW, strlen(UNCONFINED_REVIEW), &d, &err), 0);
    assert_int_equal(sg_decision_verdict(d), SG_VERDICT_DENY);
    sg_metrics_decision(m, SG_ENDPOINT_VALIDATE, d);
    sg_metrics_decision(m, SG_ENDPOINT_VALIDATE, d);
    char *t = render(m);
    assert_non_null(
        strstr(t, "seccomp_guard_decisions_total{endpoint=\"validate\",verdict=\"deny\"} 2\n"));
    assert_non_null(
        strstr(t, "seccomp_guard_decisions_total{endpoint=\"mutate\",verdict=\"allow\"} 0\n"));
    /* An Unconfined pod hits seccomp-unconfined, counted twice; a rule
     * never hit has no line at all. */
    assert_true(sg_decision_hits(d) & (1u << SG_RULE_SECCOMP_UNCONFINED));
    assert_non_null(strstr(
        t, "seccomp_guard_rule_hits_total{endpoint=\"validate\",rule=\"seccomp-unconfined\"} 2\n"));
    assert_null(strstr(t, "rule=\"capabilities-unknown\""));
    free(t);
    sg_decision_free(d);
    sg_policy_free(p);
    sg_metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests_and_histogram),
        cmocka_unit_test(test_decisions_by_verdict_and_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
