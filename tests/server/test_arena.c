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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_inside_uses_the_arena),
        cmocka_unit_test(test_outside_uses_malloc),
        cmocka_unit_test(test_big_and_aligned),
        cmocka_unit_test(test_window_is_per_thread),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
