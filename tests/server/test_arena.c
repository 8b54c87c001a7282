/* test_arena.c - the per-thread cJSON arena: allocations land in it only
 * between begin and end, on the calling thread; foreign pointers freed
 * inside go to free(); big and aligned allocations; end resets. Run under
 * ASan this also proves nothing leaks or is used after end. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "arena.h"
#include "policy.h"
#include "review.h"

static int setup(void **state)
{
    (void)state;
    return sg_arena_install();
}

static void test_parse_inside_uses_the_arena(void **state)
{
    (void)state;
    sg_arena_begin();
    cJSON *root = cJSON_Parse("{\"a\":[1,2,3],\"b\":{\"c\":\"text\"}}");
    assert_non_null(root);
    assert_true(sg_arena_used() > 0);
    char *printed = cJSON_PrintUnformatted(root);
    assert_string_equal(printed, "{\"a\":[1,2,3],\"b\":{\"c\":\"text\"}}");
    cJSON_free(printed);
    cJSON_Delete(root);
    sg_arena_end();
    assert_int_equal(sg_arena_used(), 0);
}

static void test_outside_uses_malloc(void **state)
{
    (void)state;
    cJSON *root = cJSON_Parse("[1,2,3]");
    assert_non_null(root);
    assert_int_equal(sg_arena_used(), 0);
    /* Freed inside an arena window: it is not the arena's, so free() it
     * (ASan reports a leak otherwise). */
    sg_arena_begin();
    cJSON_Delete(root);
    sg_arena_end();
}

static void test_big_and_aligned(void **state)
{
    (void)state;
    sg_arena_begin();
    for (size_t size = 1; size < 3 * SG_ARENA_CHUNK_BYTES; size = size * 3 + 7) {
        unsigned char *p = cJSON_malloc(size);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        memset(p, 0xab, size);
        cJSON_free(p);
    }
    unsigned char *huge = cJSON_malloc(4 * 1024 * 1024);
    assert_non_null(huge);
    memset(huge, 1, 4 * 1024 * 1024);
    assert_true(sg_arena_used() >= 4 * 1024 * 1024);
    sg_arena_end();
    assert_int_equal(sg_arena_used(), 0);
}

static void *other_thread(void *arg)
{
    size_t *used = arg;
    char *p = cJSON_malloc(100); /* this thread has no arena window */
    *used = sg_arena_used();
    cJSON_free(p);
    return NULL;
}

static void test_window_is_per_thread(void **state)
{
    pthread_t t;
    size_t used = 99;

    (void)state;
    sg_arena_begin();
    assert_int_equal(pthread_create(&t, NULL, other_thread, &used), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(used, 0);
    sg_arena_end();
}

/* The engine inside the window, as serve runs it, on a body whose parse
 * repairs strings (bytes that are not UTF-8) and finds problems (a key
 * given twice, \u0000): the same response bytes as with malloc, nothing
 * used after the window ends (ASan) and nothing leaked. */
static void test_review_inside_gives_the_same_bytes(void **state)
{
    static const char body[] =
        "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{"
        "\"uid\":\"u-1\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},"
        "\"operation\":\"CREATE\",\"namespace\":\"prod\",\"name\":\"web\xff\","
        "\"object\":{\"metadata\":{\"labels\":{\"a\\u0000\":\"\\u0000\",\"a\":\"x\"}},"
        "\"spec\":{\"containers\":[{\"name\":\"c\xfe\",\"securityContext\":{\"privileged\":"
        "false,\"privileged\":true}}]}}}}";
    struct sg_policy *policy = NULL;
    struct sg_decision *in = NULL, *out = NULL;
    struct sg_error err;
    size_t in_len, out_len;
    (void)state;

    assert_int_equal(sg_policy_parse("p", "base: default\n", 14, &policy, &err), 0);
    assert_int_equal(sg_review(policy, SG_MODE_VALIDATE, body, sizeof(body) - 1, &out, &err), 0);
    sg_arena_begin();
    assert_int_equal(sg_review(policy, SG_MODE_VALIDATE, body, sizeof(body) - 1, &in, &err), 0);
    assert_true(sg_arena_used() > 0);
    sg_arena_end();
    const char *a = sg_decision_response(in, &in_len), *b = sg_decision_response(out, &out_len);
    assert_int_equal(in_len, out_len);
    assert_memory_equal(a, b, in_len);
    assert_non_null(strstr(a, "\"allowed\":false"));
    assert_non_null(strstr(a, "Pod \\\"web\xEF\xBF\xBD\\\""));
    assert_non_null(strstr(a, "spec.containers[0].securityContext.privileged: the key is given"));
    sg_decision_free(in);
    sg_decision_free(out);
    sg_policy_free(policy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_inside_uses_the_arena),
        cmocka_unit_test(test_outside_uses_malloc),
        cmocka_unit_test(test_big_and_aligned),
        cmocka_unit_test(test_window_is_per_thread),
        cmocka_unit_test(test_review_inside_gives_the_same_bytes),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
