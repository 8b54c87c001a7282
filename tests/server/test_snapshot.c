/* test_snapshot.c - a reader keeps the value it acquired across swaps; a
 * value is freed exactly once, when its last holder lets go; many readers
 * and a writer at once (ASan/TSan-friendly: no use after free). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "snapshot.h"

static atomic_int freed;

static void count_free(void *p)
{
    atomic_fetch_add(&freed, 1);
    free(p);
}

static int *boxed(int v)
{
    int *p = malloc(sizeof(*p));
    assert_non_null(p);
    *p = v;
    return p;
}

static void test_reader_keeps_its_value(void **state)
{
    struct sg_snapshot_slot slot;

    (void)state;
    atomic_store(&freed, 0);
    assert_int_equal(sg_snapshot_slot_init(&slot, count_free), 0);
    assert_null(sg_snapshot_acquire(&slot));
    assert_int_equal(sg_snapshot_slot_set(&slot, boxed(1)), 0);
    struct sg_snapshot *a = sg_snapshot_acquire(&slot);
    assert_int_equal(sg_snapshot_slot_set(&slot, boxed(2)), 0);
    assert_int_equal(atomic_load(&freed), 0); /* a still holds 1 */
    assert_int_equal(*(int *)sg_snapshot_value(a), 1);
    struct sg_snapshot *b = sg_snapshot_acquire(&slot);
    assert_int_equal(*(int *)sg_snapshot_value(b), 2);
    sg_snapshot_release(a);
    assert_int_equal(atomic_load(&freed), 1);
    sg_snapshot_slot_release(&slot);
    assert_int_equal(atomic_load(&freed), 1); /* b still holds 2 */
    sg_snapshot_release(b);
    assert_int_equal(atomic_load(&freed), 2);
    sg_snapshot_release(NULL);
}

struct race {
    struct sg_snapshot_slot slot;
    atomic_bool stop;
};

static void *reader(void *arg)
{
    struct race *r = arg;

    while (!atomic_load(&r->stop)) {
        struct sg_snapshot *s = sg_snapshot_acquire(&r->slot);
        int v = *(int *)sg_snapshot_value(s);
        assert_true(v >= 0);
        sg_snapshot_release(s);
    }
    return NULL;
}

static void test_swaps_under_readers(void **state)
{
    struct race r;
    pthread_t t[4];

    (void)state;
    atomic_store(&freed, 0);
    atomic_store(&r.stop, false);
    assert_int_equal(sg_snapshot_slot_init(&r.slot, count_free), 0);
    assert_int_equal(sg_snapshot_slot_set(&r.slot, boxed(0)), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, reader, &r), 0);
    for (int i = 1; i <= 2000; i++)
        assert_int_equal(sg_snapshot_slot_set(&r.slot, boxed(i)), 0);
    atomic_store(&r.stop, true);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    sg_snapshot_slot_release(&r.slot);
    assert_int_equal(atomic_load(&freed), 2001);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_keeps_its_value),
        cmocka_unit_test(test_swaps_under_readers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
