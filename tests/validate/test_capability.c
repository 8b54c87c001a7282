/* test_capability.c - capability names as runtimes read them: every
 * spelling a runtime accepts resolves, and nothing else does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "capability.h"

struct spelling_case {
    const char *name;
    size_t len;              /* 0: strlen */
    const char *resolves_to; /* NULL: no capability */
    enum sg_cap_spelling spelling;
};

static const struct spelling_case cases[] = {
    {"SYS_ADMIN", 0, "SYS_ADMIN", SG_CAP_CANONICAL},
    {"sys_admin", 0, "SYS_ADMIN", SG_CAP_NONCANONICAL},
    {"Sys_Admin", 0, "SYS_ADMIN", SG_CAP_NONCANONICAL},
    {"CAP_SYS_ADMIN", 0, "SYS_ADMIN", SG_CAP_NONCANONICAL},
    {"cap_sys_admin", 0, "SYS_ADMIN", SG_CAP_NONCANONICAL},
    {"CHOWN", 0, "CHOWN", SG_CAP_CANONICAL},
    {"CAP_CHOWN", 0, "CHOWN", SG_CAP_NONCANONICAL},
    {"chown", 0, "CHOWN", SG_CAP_NONCANONICAL},
    {"ALL", 0, "ALL", SG_CAP_CANONICAL},
    {"all", 0, "ALL", SG_CAP_NONCANONICAL},
    {"CHECKPOINT_RESTORE", 0, "CHECKPOINT_RESTORE", SG_CAP_CANONICAL},
    {"NET_BIND_SERVICE", 0, "NET_BIND_SERVICE", SG_CAP_CANONICAL},
    /* Not capabilities: a runtime would refuse or ignore them. */
    {"CAP_CAP_SYS_ADMIN", 0, NULL, 0},
    {"CAP_ALL", 0, NULL, 0},
    {" SYS_ADMIN", 0, NULL, 0},
    {"SYS_ADMIN ", 0, NULL, 0},
    {"SYS ADMIN", 0, NULL, 0},
    {"SYS-ADMIN", 0, NULL, 0},
    {"SYS_ADMIN\0X", 11, NULL, 0},
    /* Go's strings.ToUpper, as containerd and CRI-O call it, makes ASCII
     * of two non-ASCII letters: U+017F long s and U+0131 dotless i. */
    {"\xC5\xBFys_admin", 0, "SYS_ADMIN", SG_CAP_NONCANONICAL},
    {"net_adm\xC4\xB1n", 0, "NET_ADMIN", SG_CAP_NONCANONICAL},
    {"cap_\xC5\xBFy\xC5\xBF_admin", 0, "SYS_ADMIN", SG_CAP_NONCANONICAL},
    {"\xC4\xB1pc_lock", 0, "IPC_LOCK", SG_CAP_NONCANONICAL},
    {"c\xC4\xB1"
     "ap_kill",
     0, NULL, 0},
    {"SYS_ADM\xC4\xB0N", 0, NULL, 0}, /* a dotted capital I stays itself */
    {"\xE2\x84\xAAILL", 0, NULL, 0},  /* KELVIN SIGN: ToUpper keeps it */
    /* Bytes that are not UTF-8 become U+FFFD each, as in Go: an overlong
     * 'S' is no S, a lone continuation byte no letter. */
    {"\xC1\x93YS_ADMIN", 0, NULL, 0},
    {"\xE0\x81\x93YS_ADMIN", 0, NULL, 0},
    {"SYS_ADMIN\xBF", 0, NULL, 0},
    {"\xC5", 0, NULL, 0},
    {"SYS_ADMIN\xC5", 0, NULL, 0},
    {"\xED\xA0\x80", 0, NULL, 0}, /* a surrogate */
    {"\xEF\xBF\xBD", 0, NULL, 0},
    {"", 0, NULL, 0},
    {"CAP_", 0, NULL, 0},
    {"SYS_ADMINX", 0, NULL, 0},
    {"NET_RAWW", 0, NULL, 0},
};

static void spellings(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct spelling_case *c = &cases[i];
        enum sg_cap_spelling sp = SG_CAP_CANONICAL;
        size_t len = c->len ? c->len : strlen(c->name);
        int cap = sg_cap_resolve(c->name, len, &sp);
        if (c->resolves_to == NULL) {
            if (cap != -1)
                fail_msg("'%s' resolved to %s", c->name, sg_cap_name(cap));
            continue;
        }
        if (cap < 0)
            fail_msg("'%s' did not resolve", c->name);
        assert_string_equal(sg_cap_name(cap), c->resolves_to);
        assert_int_equal(sp, c->spelling);
    }
}

static void every_kernel_capability_round_trips(void **state)
{
    (void)state;
    for (int cap = 0; cap <= SG_CAP_ALL; cap++) {
        const char *name = sg_cap_name(cap);
        enum sg_cap_spelling sp;
        assert_int_equal(sg_cap_resolve(name, strlen(name), &sp), cap);
        assert_int_equal(sp, SG_CAP_CANONICAL);
    }
    assert_int_equal(SG_CAP_COUNT, 41);
    assert_string_equal(sg_cap_name(21), "SYS_ADMIN"); /* CAP_SYS_ADMIN is 21 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spellings),
        cmocka_unit_test(every_kernel_capability_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
