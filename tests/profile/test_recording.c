/* test_recording.c - a recording written as a profile: the reader reads
 * back exactly the names noted, lint calls it enforcing and clean of
 * errors, and a number libseccomp cannot name is kept apart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lint.h"
#include "profile.h"
#include "recording.h"

static void round_trip(void **state)
{
    static const char *const calls[] = {"write",  "read",  "execve", "read",
                                        "openat", "write", "mmap",   "exit_group"};
    static const char *const sorted[] = {"execve", "exit_group", "mmap", "openat", "read", "write"};
    struct sg_recording rec;
    struct sg_seccomp_profile *p = NULL;
    struct sg_profile_env env = {.arch = sg_vocab_arch("SCMP_ARCH_X86_64")};
    struct sg_findings f;
    struct sg_error err;
    struct sg_lint l;
    struct sg_buf out;
    uint32_t arches =
        (1u << sg_vocab_arch("SCMP_ARCH_X86_64")) | (1u << sg_vocab_arch("SCMP_ARCH_X86"));

    (void)state;
    sg_recording_init(&rec);
    for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
        assert_int_equal(sg_recording_add(&rec, calls[i], (int)i), 0);
    assert_int_equal(sg_recording_add(&rec, "syscall-999", 999), 0);
    assert_int_equal(sg_recording_add(&rec, "syscall-999", 999), 0);
    assert_int_equal(rec.n, 6);
    assert_int_equal(rec.calls, 10);
    assert_int_equal(rec.n_unnamed, 1);
    assert_int_equal(rec.unnamed[0], 999);

    sg_buf_init(&out, 1 << 20);
    sg_recording_write(&rec, arches, "recorded from: \"a\" b", &out);
    assert_false(sg_buf_failed(&out));
    sg_findings_init(&f);
    assert_int_equal(sg_profile_parse(out.data, out.len, &p, &f, &err), 0);
    assert_int_equal(p->default_action, SG_ACT_ERRNO);
    assert_int_equal(sg_profile_default_errno(p), 1);
    assert_int_equal(p->architectures, arches);
    assert_int_equal(p->n_rules, 1);
    assert_int_equal(p->rules[0].action, SG_ACT_ALLOW);
    assert_int_equal(p->rules[0].n_names, 6);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(p->rules[0].names[i], sorted[i]);
    assert_int_equal(sg_lint_run(p, &env, &l, &f, &err), 0);
    assert_int_equal(l.verdict, SG_LINT_ENFORCING);
    assert_false(l.refused);
    assert_int_equal(f.count[SG_SEV_WARNING], 0);
    /* Too few syscalls to start a program: lint says so. */
    assert_true(l.cannot_start);
    assert_non_null(strstr(out.data, "\"comment\": \"recorded from: \\\"a\\\" b\""));

    sg_profile_free(p);
    sg_findings_release(&f);
    sg_buf_release(&out);
    sg_recording_release(&rec);
}

static void bounded(void **state)
{
    struct sg_recording rec;
    char name[32];

    (void)state;
    sg_recording_init(&rec);
    for (int i = 0; i < SG_RECORDING_MAX + 5; i++) {
        snprintf(name, sizeof(name), "n%d", i);
        assert_int_equal(sg_recording_add(&rec, name, i), 0);
    }
    assert_int_equal(rec.n, SG_RECORDING_MAX);
    assert_true(rec.full);
    sg_recording_release(&rec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
