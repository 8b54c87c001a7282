/* test_buf.c - sg_fmt_snprintf writes what snprintf writes: the same bytes,
 * the same cut and the same result at every buffer size; and sg_buf_addf
 * through it grows the buffer as before; sg_buf_hint only makes room. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "fmt.h"

#define OUT_MAX 512

/* Formats with both at every size from 0 to past the text, into buffers
 * filled with a canary, and compares every byte. */
#define SAME(fmt, ...)                                                                             \
    do {                                                                                           \
        char want[OUT_MAX], got[OUT_MAX];                                                          \
        int full = snprintf(NULL, 0, fmt, __VA_ARGS__);                                            \
        assert_true(full >= 0 && full + 2 < OUT_MAX);                                              \
        assert_int_equal(sg_fmt_snprintf(NULL, 0, fmt, __VA_ARGS__), full);                        \
        for (size_t cap = 0; cap <= (size_t)full + 2; cap++) {                                     \
            memset(want, '#', sizeof(want));                                                       \
            memset(got, '#', sizeof(got));                                                         \
            assert_int_equal(sg_fmt_snprintf(got, cap, fmt, __VA_ARGS__),                          \
                             snprintf(want, cap, fmt, __VA_ARGS__));                               \
            assert_memory_equal(got, want, sizeof(want));                                          \
        }                                                                                          \
    } while (0)

static void same_as_snprintf(void **state)
{
    const char *volatile null = NULL; /* hidden from -Wformat-overflow */

    (void)state;
    SAME("%s", "");
    SAME("plain text, no conversion%s", "");
    SAME("%s: seccomp Unconfined", "container \"web\"");
    SAME("%s%s", "container.seccomp.security.alpha.kubernetes.io/", "web");
    SAME("%s grants %s but is not its canonical name; write \"%s\"", "\"sys_admin\"", "SYS_ADMIN",
         "SYS_ADMIN");
    SAME("%s (%zu) %s", ";", (size_t)12, "spec.containers[0]: is privileged");
    SAME("has %zu containers; seccomp-guard judges at most %d per pod", (size_t)1025, 1024);
    SAME("%zu %zu %zu", (size_t)0, (size_t)9, SIZE_MAX);
    SAME("%d %d %d %d %d", 0, -1, 7, INT_MAX, INT_MIN);
    SAME("100%% %s %%", "sure");
    SAME("%s", null);
    SAME("trailing %s", "value at the end");
    /* Anything else goes to vsnprintf whole. */
    SAME("\\u%04x", 0x1f);
    SAME("%s then \\x%02x then %zu", "text", 0xab, (size_t)3);
    SAME("%5s|%-4d|%c|%ld", "ab", 3, 'z', -5L);
    SAME("%zd and %s", (ptrdiff_t)-4, "after");
}

static void addf_grows_and_bounds(void **state)
{
    struct sg_buf b;
    char want[64];

    (void)state;
    sg_buf_init(&b, 1 << 20);
    for (size_t i = 0; i < 300; i++) {
        sg_buf_addf(&b, "%s (%zu) %s;", i ? ";" : "", i + 1, "a violation's message");
        snprintf(want, sizeof(want), "%s (%zu) %s;", i ? ";" : "", i + 1, "a violation's message");
        assert_memory_equal(sg_buf_str(&b) + b.len - strlen(want), want, strlen(want) + 1);
    }
    assert_false(sg_buf_failed(&b));
    sg_buf_release(&b);
    /* Past the maximum: failed, the text before it kept. */
    sg_buf_init(&b, 10);
    sg_buf_addf(&b, "%s", "12345");
    sg_buf_addf(&b, "%s%d", "6789", 10);
    assert_true(sg_buf_failed(&b));
    assert_int_equal(b.len, 5);
    assert_memory_equal(sg_buf_str(&b), "12345", 5);
    sg_buf_release(&b);
}

static void hint_changes_nothing_but_room(void **state)
{
    struct sg_buf b;

    (void)state;
    sg_buf_init(&b, 100);
    sg_buf_hint(&b, 50);
    assert_string_equal(sg_buf_str(&b), "");
    assert_int_equal(b.len, 0);
    assert_true(b.cap >= 51);
    sg_buf_hint(&b, 1000); /* past the maximum: ignored, not failed */
    assert_false(sg_buf_failed(&b));
    for (int i = 0; i < 100; i++)
        sg_buf_addc(&b, 'x');
    assert_false(sg_buf_failed(&b));
    sg_buf_addc(&b, 'y');
    assert_true(sg_buf_failed(&b));
    assert_int_equal(b.len, 100);
    sg_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_as_snprintf),
        cmocka_unit_test(addf_grows_and_bounds),
        cmocka_unit_test(hint_changes_nothing_but_room),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
