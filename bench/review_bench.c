/* review_bench.c - what one decision costs, against what cJSON alone takes
 * to parse and print the same AdmissionReview, measured in the same run.
 *
 *   review_bench [--arena] POLICY REVIEW_JSON [ROUNDS] [ITERATIONS]
 *
 * --arena puts cJSON's allocations on the server's per-thread arena
 * (server/arena.h) around each sg_review, as `serve` does.
 *
 * Each round times ITERATIONS of (a) cJSON_ParseWithLength +
 * cJSON_PrintUnformatted + free of the body, and (b) sg_review of the body
 * (validate) + free, interleaved so drift in the machine's speed hits both.
 * Prints per-round figures and the median of each and of the ratio b/a. CPU
 * time of this process (CLOCK_PROCESS_CPUTIME_ID), not wall time. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "policy.h"
#include "review.h"

static int use_arena;

static double cpu_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        perror(path);
        exit(2);
    }
    buf = malloc((size_t)n + 1);
    if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        perror(path);
        exit(2);
    }
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double time_cjson(const char *body, size_t len, int iterations)
{
    double start = cpu_seconds();

    for (int i = 0; i < iterations; i++) {
        cJSON *root = cJSON_ParseWithLength(body, len);
        char *out = cJSON_PrintUnformatted(root);
        if (root == NULL || out == NULL)
            exit(1);
        cJSON_free(out);
        cJSON_Delete(root);
    }
    return (cpu_seconds() - start) / iterations;
}

static double time_review(const struct sg_policy *p, const char *body, size_t len, int iterations)
{
    double start = cpu_seconds();

    for (int i = 0; i < iterations; i++) {
        struct sg_decision *d = NULL;
        struct sg_error err;
        if (use_arena)
            sg_arena_begin();
        if (sg_review(p, SG_MODE_VALIDATE, body, len, &d, &err) != 0)
            exit(1);
        sg_decision_free(d);
        if (use_arena)
            sg_arena_end();
    }
    return (cpu_seconds() - start) / iterations;
}

int main(int argc, char **argv)
{
    struct sg_policy *policy = NULL;
    struct sg_error err;
    size_t plen, blen;
    char *ptext, *body;
    int rounds, iterations;
    double *a, *b, *r;

    if (argc > 1 && strcmp(argv[1], "--arena") == 0) {
        if (sg_arena_install() != 0)
            return 1;
        use_arena = 1;
        argv++;
        argc--;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: review_bench [--arena] POLICY REVIEW_JSON [ROUNDS] [ITERATIONS]\n");
        return 2;
    }
    rounds = argc > 3 ? atoi(argv[3]) : 15;
    iterations = argc > 4 ? atoi(argv[4]) : 2000;
    if (rounds < 1 || iterations < 1)
        return 2;
    ptext = slurp(argv[1], &plen);
    body = slurp(argv[2], &blen);
    if (sg_policy_parse(argv[1], ptext, plen, &policy, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    a = calloc((size_t)rounds, sizeof(double));
    b = calloc((size_t)rounds, sizeof(double));
    r = calloc((size_t)rounds, sizeof(double));
    time_cjson(body, blen, iterations / 10 + 1); /* warm caches and allocator */
    time_review(policy, body, blen, iterations / 10 + 1);
    printf("body: %zu bytes, %d rounds of %d iterations (CPU time per operation)\n", blen, rounds,
           iterations);
    for (int i = 0; i < rounds; i++) {
        a[i] = time_cjson(body, blen, iterations);
        b[i] = time_review(policy, body, blen, iterations);
        r[i] = b[i] / a[i];
        printf("round %2d: cJSON parse+print %7.2f us, sg_review %7.2f us, ratio %.2f\n", i + 1,
               a[i] * 1e6, b[i] * 1e6, r[i]);
    }
    printf("median: cJSON parse+print %.2f us, sg_review %.2f us, ratio %.2f (target <= 1.0)\n",
           median(a, rounds) * 1e6, median(b, rounds) * 1e6, median(r, rounds));
    free(a);
    free(b);
    free(r);
    free(ptext);
    free(body);
    sg_policy_free(policy);
    return 0;
}
