/* test_profile.c - the profile reader: every field read into the model,
 * every finding at its JSON path with its severity and whether runc refuses
 * the profile, and what makes a file unreadable. Table-driven: a profile
 * in, the finding expected out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <seccomp.h>

#include "capability.h"
#include "profile.h"

static struct sg_seccomp_profile *parse_ok(const char *json, struct sg_findings *f)
{
    struct sg_seccomp_profile *p = NULL;
    struct sg_error err;

    sg_findings_init(f);
    sg_error_clear(&err);
    if (sg_profile_parse(json, strlen(json), &p, f, &err) != 0)
        fail_msg("did not parse: %s\n%s", err.msg, json);
    assert_non_null(p);
    return p;
}

static const struct sg_finding *find(const struct sg_findings *f, const char *code,
                                     const char *path)
{
    for (size_t i = 0; i < f->n; i++) {
        if (strcmp(f->items[i].code, code) == 0 && strcmp(f->items[i].path, path) == 0)
            return &f->items[i];
    }
    return NULL;
}

static void dump(const struct sg_findings *f)
{
    for (size_t i = 0; i < f->n; i++)
        print_message("  %s %s %s: %s\n", sg_severity_name(f->items[i].severity), f->items[i].code,
                      f->items[i].path, f->items[i].message);
}

/* --- every field --------------------------------------------------------- */

static const char full[] =
    "{\"comment\": \"all of it\",\n"
    " \"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 13,\n"
    " \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\"],\n"
    " \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\", \"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"],\n"
    " \"listenerPath\": \"/run/agent.sock\", \"listenerMetadata\": \"meta\",\n"
    " \"syscalls\": [\n"
    "  {\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\", \"comment\": \"io\"},\n"
    "  {\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 30},\n"
    "  {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
    "   \"args\": [{\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"},\n"
    "            {\"index\": 1, \"value\": 255, \"valueTwo\": 7, \"op\": "
    "\"SCMP_CMP_MASKED_EQ\"}]},\n"
    "  {\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
    "   \"includes\": {\"caps\": [\"CAP_SYS_PTRACE\"], \"arches\": [\"amd64\"],\n"
    "                \"minKernel\": \"4.8\"},\n"
    "   \"excludes\": {\"arches\": [\"s390x\"]}},\n"
    "  {\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_NOTIFY\"},\n"
    "  {\"names\": [\"kill\"], \"action\": \"SCMP_ACT_TRACE\", \"errnoRet\": 5},\n"
    "  {\"names\": [\"reboot\"], \"action\": \"SCMP_ACT_KILL\"},\n"
    "  {\"names\": [\"swapon\"], \"action\": \"SCMP_ACT_KILL_PROCESS\"},\n"
    "  {\"names\": [\"acct\"], \"action\": \"SCMP_ACT_TRAP\"},\n"
    "  {\"names\": [\"sync\"], \"action\": \"SCMP_ACT_LOG\"}\n"
    " ]}\n";

static void every_field(void **state)
{
    struct sg_findings f;
    struct sg_seccomp_profile *p = parse_ok(full, &f);
    const struct sg_profile_rule *r;

    (void)state;
    if (f.n != 0) {
        dump(&f);
        fail_msg("a clean profile has findings");
    }
    assert_true(p->has_default && p->default_given);
    assert_int_equal(p->default_action, SG_ACT_ERRNO);
    assert_true(p->has_default_errno);
    assert_int_equal(p->default_errno, 13);
    assert_int_equal(p->architectures, (1u << sg_vocab_arch("SCMP_ARCH_X86_64")) |
                                           (1u << sg_vocab_arch("SCMP_ARCH_X86")));
    assert_int_equal(p->n_architectures, 2);
    assert_true(p->flags_given);
    assert_int_equal(p->flags, (1u << SG_FLAG_LOG) | (1u << SG_FLAG_SPEC_ALLOW));
    assert_string_equal(p->listener_path, "/run/agent.sock");
    assert_string_equal(p->listener_metadata, "meta");
    assert_int_equal(p->n_rules, 10);
    assert_int_equal(p->n_names, 11);
    assert_true(p->uses_moby); /* includes / excludes */

    r = &p->rules[0];
    assert_int_equal(r->n_names, 2);
    assert_string_equal(r->names[0], "read");
    assert_string_equal(r->names[1], "write");
    assert_int_equal(r->action, SG_ACT_ALLOW);
    assert_false(r->has_errno);
    assert_true(r->ok);

    r = &p->rules[1];
    assert_int_equal(r->action, SG_ACT_ERRNO);
    assert_true(r->has_errno);
    assert_int_equal(sg_profile_rule_errno(r), 30);

    r = &p->rules[2];
    assert_int_equal(r->n_args, 2);
    assert_int_equal(r->args[0].index, 0);
    assert_int_equal(r->args[0].value, 8);
    assert_int_equal(r->args[0].op, SCMP_CMP_EQ);
    assert_int_equal(r->args[1].index, 1);
    assert_int_equal(r->args[1].value, 255);
    assert_int_equal(r->args[1].value_two, 7);
    assert_int_equal(r->args[1].op, SCMP_CMP_MASKED_EQ);

    r = &p->rules[3];
    assert_true(r->includes.present && r->excludes.present);
    assert_int_equal(r->includes.caps, sg_cap_bit(19)); /* CAP_SYS_PTRACE */
    assert_int_equal(r->includes.arches, 1u << sg_vocab_arch_short("amd64"));
    assert_true(r->includes.has_min_kernel);
    assert_int_equal(r->includes.min_kernel[0], 4);
    assert_int_equal(r->includes.min_kernel[1], 8);
    assert_int_equal(r->excludes.arches, 1u << sg_vocab_arch_short("s390x"));

    assert_int_equal(p->rules[4].action, SG_ACT_NOTIFY);
    assert_int_equal(p->rules[5].action, SG_ACT_TRACE);
    assert_int_equal(sg_profile_rule_errno(&p->rules[5]), 5);
    assert_int_equal(p->rules[6].action, SG_ACT_KILL_THREAD); /* SCMP_ACT_KILL */
    assert_int_equal(p->rules[7].action, SG_ACT_KILL_PROCESS);
    assert_int_equal(p->rules[8].action, SG_ACT_TRAP);
    assert_int_equal(p->rules[9].action, SG_ACT_LOG);
    sg_profile_free(p);
    sg_findings_release(&f);
}

static void defaults_and_moby_fields(void **state)
{
    struct sg_findings f;
    struct sg_seccomp_profile *p;

    (void)state;
    p = parse_ok("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"flags\": [],"
                 " \"archMap\": [{\"architecture\": \"SCMP_ARCH_AARCH64\","
                 "               \"subArchitectures\": [\"SCMP_ARCH_ARM\"]}],"
                 " \"syscalls\": [{\"name\": \"read\", \"action\": \"SCMP_ACT_ALLOW\"},"
                 "              {\"names\": [\"clone3\"], \"action\": \"SCMP_ACT_ERRNO\"}]}",
                 &f);
    assert_false(p->has_default_errno);
    assert_int_equal(sg_profile_default_errno(p), 1); /* EPERM, as runc */
    assert_int_equal(sg_profile_rule_errno(&p->rules[1]), 1);
    assert_true(p->flags_given); /* [] is given: runc then sets no flag */
    assert_int_equal(p->flags, 0);
    assert_int_equal(p->n_archmap, 1);
    assert_int_equal(p->archmap[0].arch, sg_vocab_arch("SCMP_ARCH_AARCH64"));
    assert_int_equal(p->archmap[0].sub, 1u << sg_vocab_arch("SCMP_ARCH_ARM"));
    assert_true(p->rules[0].old_name);
    assert_string_equal(p->rules[0].names[0], "read");
    assert_non_null(find(&f, "old-name", "syscalls[0].name"));
    assert_non_null(find(&f, "same-as-default", "syscalls[1].action"));
    sg_profile_free(p);
    sg_findings_release(&f);
}

/* `{}` and `null`: runc installs no filter at all. */
static void no_filter(void **state)
{
    static const char *const texts[] = {"{}", "null", " {\"syscalls\": []} ",
                                        "{\"defaultAction\": \"\"}", "{\"defaultAction\": null}"};
    (void)state;
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct sg_findings f;
        struct sg_seccomp_profile *p = parse_ok(texts[i], &f);
        assert_true(sg_profile_no_filter(p));
        assert_false(f.fatal);
        sg_profile_free(p);
        sg_findings_release(&f);
    }
}

/* --- every finding, at its path ------------------------------------------ */

struct finding_case {
    const char *json;
    const char *code;
    const char *path;
    enum sg_severity severity;
    bool fatal;
};

#define HEAD       "{\"defaultAction\": \"SCMP_ACT_ERRNO\", "
#define RULE(body) HEAD "\"syscalls\": [" body "]}"

static const struct finding_case finding_cases[] = {
    /* actions, operators, architectures, flags: closed lists */
    {"{\"defaultAction\": \"SCMP_ACT_BLOCK\"}", "unknown-action", "defaultAction", SG_SEV_ERROR,
     true},
    {RULE("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_allow\"}"), "unknown-action",
     "syscalls[0].action", SG_SEV_ERROR, true},
    {RULE("{\"names\": [\"read\"]}"), "unknown-action", "syscalls[0]", SG_SEV_ERROR, true},
    {RULE("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, "
          "\"value\": 1, \"op\": \"SCMP_CMP_EQUAL\"}]}"),
     "unknown-operator", "syscalls[0].args[0].op", SG_SEV_ERROR, true},
    {RULE("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, "
          "\"value\": 1}]}"),
     "unknown-operator", "syscalls[0].args[0]", SG_SEV_ERROR, true},
    {HEAD "\"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_AMD64\"]}", "unknown-architecture",
     "architectures[1]", SG_SEV_ERROR, true},
    {HEAD "\"architectures\": [\"SCMP_ARCH_LOONGARCH64\"]}", "architecture-support",
     "architectures[0]", SG_SEV_WARNING, false},
    {HEAD "\"flags\": [\"SECCOMP_FILTER_FLAG_NOPE\"]}", "unknown-flag", "flags[0]", SG_SEV_ERROR,
     true},
    {HEAD "\"flags\": [\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"]}", "flag-support", "flags[0]",
     SG_SEV_WARNING, false},
    {HEAD "\"archMap\": [{\"architecture\": \"SCMP_ARCH_NOPE\"}]}", "unknown-architecture",
     "archMap[0].architecture", SG_SEV_ERROR, true},
    {HEAD "\"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\", \"subArchitectures\": "
          "[\"SCMP_ARCH_NOPE\"]}]}",
     "unknown-architecture", "archMap[0].subArchitectures[0]", SG_SEV_ERROR, true},
    {HEAD "\"architectures\": [\"SCMP_ARCH_X86_64\"], \"archMap\": [{\"architecture\": "
          "\"SCMP_ARCH_X86_64\"}]}",
     "archmap-and-architectures", "archMap", SG_SEV_ERROR, true},
    /* errnos */
    {RULE("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"errnoRet\": 1}"),
     "errno-action", "syscalls[0].errnoRet", SG_SEV_ERROR, false},
    {"{\"defaultAction\": \"SCMP_ACT_KILL\", \"defaultErrnoRet\": 1}", "errno-action",
     "defaultErrnoRet", SG_SEV_ERROR, false},
    {RULE("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 70000}"),
     "errno-range", "syscalls[0].errnoRet", SG_SEV_ERROR, false},
    {RULE("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 0}"), "errno-zero",
     "syscalls[0].errnoRet", SG_SEV_WARNING, false},
    /* arguments */
    {RULE("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 6, "
          "\"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}"),
     "arg-index", "syscalls[0].args[0].index", SG_SEV_ERROR, true},
    {RULE("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, "
          "\"value\": -1, \"op\": \"SCMP_CMP_EQ\"}]}"),
     "number", "syscalls[0].args[0].value", SG_SEV_ERROR, true},
    {RULE("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, "
          "\"value\": 1.5, \"op\": \"SCMP_CMP_EQ\"}]}"),
     "number", "syscalls[0].args[0].value", SG_SEV_ERROR, true},
    {RULE("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, "
          "\"value\": 1, \"valueTwo\": 18446744073709551516, \"op\": \"SCMP_CMP_EQ\"}]}"),
     "number", "syscalls[0].args[0].valueTwo", SG_SEV_ERROR, true},
    {RULE("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [null]}"), "type",
     "syscalls[0].args[0]", SG_SEV_ERROR, true},
    /* names */
    {RULE("{\"names\": [\"read\", \"opnat\"], \"action\": \"SCMP_ACT_ALLOW\"}"), "unknown-syscall",
     "syscalls[0].names[1]", SG_SEV_ERROR, false},
    {RULE("{\"names\": [\"mseal\"], \"action\": \"SCMP_ACT_ALLOW\"}"), "newer-syscall",
     "syscalls[0].names[0]", SG_SEV_WARNING, false},
    {RULE("{\"names\": [\"read\", \"write\", \"read\"], \"action\": \"SCMP_ACT_ALLOW\"}"),
     "duplicate-syscall", "syscalls[0].names[2]", SG_SEV_WARNING, false},
    {RULE("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"},"
          "{\"names\": [\"write\", \"read\"], \"action\": \"SCMP_ACT_ALLOW\"}"),
     "duplicate-syscall", "syscalls[1].names[1]", SG_SEV_WARNING, false},
    {RULE("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"},"
          "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_KILL\"}"),
     "ignored", "syscalls[1].names[0]", SG_SEV_ERROR, false},
    {RULE("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, "
          "\"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]},"
          "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_KILL\"}"),
     "ignored", "syscalls[0].names[0]", SG_SEV_ERROR, false},
    {RULE("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"},"
          "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, "
          "\"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}"),
     "duplicate-syscall", "syscalls[1].names[0]", SG_SEV_WARNING, false},
    {RULE("{\"names\": [\"\"], \"action\": \"SCMP_ACT_ALLOW\"}"), "empty-name",
     "syscalls[0].names[0]", SG_SEV_ERROR, true},
    /* A byte that is not UTF-8 is U+FFFD to Go and to us: no syscall. */
    {RULE("{\"names\": [\"mount\xff\"], \"action\": \"SCMP_ACT_ALLOW\"}"), "unknown-syscall",
     "syscalls[0].names[0]", SG_SEV_ERROR, false},
    {RULE("{\"names\": [null], \"action\": \"SCMP_ACT_ALLOW\"}"), "type", "syscalls[0].names[0]",
     SG_SEV_ERROR, true},
    {RULE("{\"names\": \"read\", \"action\": \"SCMP_ACT_ALLOW\"}"), "type", "syscalls[0].names",
     SG_SEV_ERROR, true},
    {RULE("{\"names\": [], \"action\": \"SCMP_ACT_ALLOW\"}"), "no-names", "syscalls[0]",
     SG_SEV_WARNING, false},
    {RULE("{\"names\": [\"read\"], \"name\": \"write\", \"action\": \"SCMP_ACT_ALLOW\"}"),
     "name-and-names", "syscalls[0].name", SG_SEV_ERROR, true},
    {RULE("null"), "type", "syscalls[0]", SG_SEV_ERROR, true},
    /* notifications */
    {"{\"defaultAction\": \"SCMP_ACT_NOTIFY\", \"listenerPath\": \"/s\"}", "notify",
     "defaultAction", SG_SEV_ERROR, true},
    {RULE("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_NOTIFY\"}"), "notify",
     "syscalls[0].action", SG_SEV_ERROR, true},
    {HEAD "\"listenerPath\": \"/s\", \"syscalls\": [{\"names\": [\"read\", \"write\"], "
          "\"action\": \"SCMP_ACT_NOTIFY\"}]}",
     "notify", "syscalls[0].names[1]", SG_SEV_ERROR, true},
    /* the profile as a whole */
    {"{\"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}", "no-default", "",
     SG_SEV_ERROR, true},
    /* keys as Go's decoder reads them */
    {"{\"DefaultAction\": \"SCMP_ACT_ALLOW\"}", "key-case", "", SG_SEV_ERROR, true},
    {"{\"defaultaction\": \"SCMP_ACT_ALLOW\"}", "key-case", "", SG_SEV_ERROR, true},
    {HEAD "\"\xc5\xbfyscalls\": []}", "key-case", "", SG_SEV_ERROR, true}, /* long s */
    {RULE("{\"Names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}"), "key-case", "syscalls[0]",
     SG_SEV_ERROR, true},
    {RULE("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": "
          "{\"min\xe2\x84\xaa"
          "ernel\": \"4.8\"}}"), /* KELVIN SIGN */
     "key-case", "syscalls[0].includes", SG_SEV_ERROR, true},
    {HEAD "\"syscall\": []}", "unknown-key", "", SG_SEV_WARNING, false},
    {RULE("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"arg\": []}"), "unknown-key",
     "syscalls[0]", SG_SEV_WARNING, false},
    {"{\"defaultAction\": 1}", "type", "defaultAction", SG_SEV_ERROR, true},
    {HEAD "\"defaultErrnoRet\": \"1\"}", "type", "defaultErrnoRet", SG_SEV_ERROR, true},
    {HEAD "\"architectures\": \"SCMP_ARCH_X86_64\"}", "type", "architectures", SG_SEV_ERROR, true},
    {HEAD "\"syscalls\": {}}", "type", "syscalls", SG_SEV_ERROR, true},
    /* includes / excludes */
    {RULE("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"minKernel\": "
          "\"4\"}}"),
     "min-kernel", "syscalls[0].includes.minKernel", SG_SEV_ERROR, true},
    {RULE("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"minKernel\": "
          "\"0.0\"}}"),
     "min-kernel", "syscalls[0].excludes.minKernel", SG_SEV_ERROR, true},
    {RULE("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"minKernel\": "
          "\"4.8.1\"}}"),
     "min-kernel", "syscalls[0].includes.minKernel", SG_SEV_ERROR, true},
    {RULE("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": "
          "[\"CAP_SYS_ADMIN\", \"SYS_ADMIN\"]}}"),
     "cap-spelling", "syscalls[0].includes.caps[1]", SG_SEV_WARNING, false},
    {RULE("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"caps\": "
          "[\"CAP_NOPE\"]}}"),
     "cap-spelling", "syscalls[0].excludes.caps[0]", SG_SEV_WARNING, false},
    {RULE("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"arches\": "
          "[\"x86_64\"]}}"),
     "cond-architecture", "syscalls[0].includes.arches[0]", SG_SEV_WARNING, false},
};

static void each_finding_at_its_path(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(finding_cases) / sizeof(finding_cases[0]); i++) {
        const struct finding_case *c = &finding_cases[i];
        struct sg_findings f;
        struct sg_seccomp_profile *p = parse_ok(c->json, &f);
        const struct sg_finding *hit = find(&f, c->code, c->path);
        if (hit == NULL) {
            dump(&f);
            fail_msg("case %zu: no %s at '%s' in\n%s", i, c->code, c->path, c->json);
        }
        if (hit->severity != c->severity || hit->fatal != c->fatal)
            fail_msg("case %zu: %s at '%s' is %s%s: %s", i, c->code, c->path,
                     sg_severity_name(hit->severity), hit->fatal ? " (fatal)" : "", hit->message);
        assert_true(hit->message[0] != '\0');
        assert_int_equal(f.fatal, c->fatal || f.fatal);
        sg_profile_free(p);
        sg_findings_release(&f);
    }
}

/* Rules with conditions may share names: Docker's default gives clone and
 * socket several. Not a duplicate. */
static void conditional_rules_share_names(void **state)
{
    struct sg_findings f;
    struct sg_seccomp_profile *p =
        parse_ok(RULE("{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": "
                      "[{\"index\": 0, \"value\": 38, \"op\": \"SCMP_CMP_LT\"}]},"
                      "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": "
                      "[{\"index\": 0, \"value\": 40, \"op\": \"SCMP_CMP_GT\"}]},"
                      "{\"names\": [\"clone3\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": "
                      "38, \"excludes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}},"
                      "{\"names\": [\"clone3\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": "
                      "{\"caps\": [\"CAP_SYS_ADMIN\"]}}"),
                 &f);

    (void)state;
    if (f.n != 0) {
        dump(&f);
        fail_msg("findings on rules that legitimately share names");
    }
    sg_profile_free(p);
    sg_findings_release(&f);
}

/* --- unreadable ------------------------------------------------------------- */

struct unreadable_case {
    const char *text;
    int rc;
    const char *says; /* in the message */
};

static const struct unreadable_case unreadable[] = {
    {"", SG_ERR_INVALID, "line 1"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n \"syscalls\": [}", SG_ERR_INVALID, "line 2"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultAction\": \"SCMP_ACT_ALLOW\"}",
     SG_ERR_INVALID, "line 1"},
    {"[]", SG_ERR_INVALID, "a JSON object"},
    /* Go keeps a NUL; runc hands names to libseccomp as C strings, which end
     * there ("mount\u0000x" is mount): refused, not guessed at. */
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"mount\\u0000x\"], "
     "\"action\": \"SCMP_ACT_ALLOW\"}]}",
     SG_ERR_INVALID, "line 1"},
    {"\"SCMP_ACT_ERRNO\"", SG_ERR_INVALID, "a JSON object"},
    {"{} {}", SG_ERR_INVALID, "more after"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\"} x", SG_ERR_INVALID, "more after"},
};

static void unreadable_files(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(unreadable) / sizeof(unreadable[0]); i++) {
        struct sg_seccomp_profile *p = (void *)1;
        struct sg_findings f;
        struct sg_error err;
        int rc;
        sg_findings_init(&f);
        sg_error_clear(&err);
        rc = sg_profile_parse(unreadable[i].text, strlen(unreadable[i].text), &p, &f, &err);
        if (rc != unreadable[i].rc || strstr(err.msg, unreadable[i].says) == NULL)
            fail_msg("case %zu: rc %d, '%s'", i, rc, err.msg);
        assert_null(p);
        sg_findings_release(&f);
    }
}

static char *repeat(const char *head, const char *item, size_t n, const char *tail)
{
    size_t len = strlen(head) + n * (strlen(item) + 1) + strlen(tail) + 1;
    char *s = malloc(len), *w = s;

    assert_non_null(s);
    w += sprintf(w, "%s", head);
    for (size_t i = 0; i < n; i++)
        w += sprintf(w, "%s%s", i ? "," : "", item);
    sprintf(w, "%s", tail);
    return s;
}

static void bounds(void **state)
{
    struct sg_seccomp_profile *p = NULL;
    struct sg_findings f;
    struct sg_error err;
    char *big = malloc(SG_PROFILE_MAX_BYTES + 1);
    char *text;

    (void)state;
    sg_findings_init(&f);
    assert_non_null(big);
    memset(big, ' ', SG_PROFILE_MAX_BYTES + 1);
    assert_int_equal(sg_profile_parse(big, SG_PROFILE_MAX_BYTES + 1, &p, &f, &err), SG_ERR_LIMIT);
    free(big);

    text = repeat(HEAD "\"syscalls\": [", "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_LOG\"}",
                  SG_PROFILE_MAX_RULES + 1, "]}");
    assert_int_equal(sg_profile_parse(text, strlen(text), &p, &f, &err), SG_ERR_LIMIT);
    assert_non_null(strstr(err.msg, "syscalls"));
    assert_null(p);
    free(text);

    text = repeat(HEAD "\"syscalls\": [{\"action\": \"SCMP_ACT_LOG\", \"names\": [", "\"read\"",
                  SG_PROFILE_MAX_NAMES + 1, "]}]}");
    assert_int_equal(sg_profile_parse(text, strlen(text), &p, &f, &err), SG_ERR_LIMIT);
    free(text);

    text = repeat(HEAD "\"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_LOG\", "
                       "\"args\": [",
                  "{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}", SG_PROFILE_MAX_ARGS + 1,
                  "]}]}");
    assert_int_equal(sg_profile_parse(text, strlen(text), &p, &f, &err), SG_ERR_LIMIT);
    assert_non_null(strstr(err.msg, "syscalls[0].args"));
    free(text);
    sg_findings_release(&f);
}

/* --- where a rule applies ------------------------------------------------- */

static void includes_and_excludes(void **state)
{
    struct sg_findings f;
    struct sg_seccomp_profile *p = parse_ok(
        RULE("{\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": "
             "{\"minKernel\": \"4.8\"}},"
             "{\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": "
             "[\"CAP_SYS_ADMIN\"]}},"
             "{\"names\": [\"arch_prctl\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": "
             "{\"arches\": [\"amd64\", \"x32\"]}},"
             "{\"names\": [\"clone3\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38, "
             "\"excludes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}},"
             "{\"names\": [\"umount2\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": "
             "[\"SYS_ADMIN\"]}}"),
        &f);
    int amd64 = sg_vocab_arch("SCMP_ARCH_X86_64"), arm64 = sg_vocab_arch("SCMP_ARCH_AARCH64");
    struct sg_profile_env unknown = {.arch = amd64};
    struct sg_profile_env old_arm = {
        .arch = arm64, .kernel_known = true, .kernel = {4, 4}, .caps_known = true, .caps = 0};
    struct sg_profile_env admin = {.arch = amd64,
                                   .kernel_known = true,
                                   .kernel = {6, 1},
                                   .caps_known = true,
                                   .caps = sg_cap_bit(21)}; /* SYS_ADMIN */

    (void)state;
    assert_int_equal(sg_profile_rule_applies(&p->rules[0], &unknown), SG_APPLIES_MAYBE);
    assert_int_equal(sg_profile_rule_applies(&p->rules[0], &old_arm), SG_APPLIES_NO);
    assert_int_equal(sg_profile_rule_applies(&p->rules[0], &admin), SG_APPLIES_YES);
    assert_int_equal(sg_profile_rule_applies(&p->rules[1], &unknown), SG_APPLIES_MAYBE);
    assert_int_equal(sg_profile_rule_applies(&p->rules[1], &old_arm), SG_APPLIES_NO);
    assert_int_equal(sg_profile_rule_applies(&p->rules[1], &admin), SG_APPLIES_YES);
    assert_int_equal(sg_profile_rule_applies(&p->rules[2], &unknown), SG_APPLIES_YES);
    assert_int_equal(sg_profile_rule_applies(&p->rules[2], &old_arm), SG_APPLIES_NO);
    assert_int_equal(sg_profile_rule_applies(&p->rules[3], &old_arm), SG_APPLIES_YES);
    assert_int_equal(sg_profile_rule_applies(&p->rules[3], &admin), SG_APPLIES_NO);
    /* "SYS_ADMIN" is never in a bounding set, which names CAP_SYS_ADMIN. */
    assert_int_equal(sg_profile_rule_applies(&p->rules[4], &admin), SG_APPLIES_NO);
    sg_profile_free(p);
    sg_findings_release(&f);
}

static void architectures_of_the_filter(void **state)
{
    struct sg_findings f;
    struct sg_seccomp_profile *p =
        parse_ok("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"archMap\": ["
                 "{\"architecture\": \"SCMP_ARCH_X86_64\", \"subArchitectures\": "
                 "[\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]},"
                 "{\"architecture\": \"SCMP_ARCH_AARCH64\", \"subArchitectures\": "
                 "[\"SCMP_ARCH_ARM\"]}]}",
                 &f);
    struct sg_profile_env amd64 = {.arch = sg_vocab_arch("SCMP_ARCH_X86_64")};
    struct sg_profile_env arm64 = {.arch = sg_vocab_arch("SCMP_ARCH_AARCH64")};

    (void)state;
    assert_int_equal(sg_profile_arches(p, &amd64), (1u << sg_vocab_arch("SCMP_ARCH_X86_64")) |
                                                       (1u << sg_vocab_arch("SCMP_ARCH_X86")) |
                                                       (1u << sg_vocab_arch("SCMP_ARCH_X32")));
    assert_int_equal(sg_profile_arches(p, &arm64), (1u << sg_vocab_arch("SCMP_ARCH_AARCH64")) |
                                                       (1u << sg_vocab_arch("SCMP_ARCH_ARM")));
    sg_profile_free(p);
    sg_findings_release(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_field),
        cmocka_unit_test(defaults_and_moby_fields),
        cmocka_unit_test(no_filter),
        cmocka_unit_test(each_finding_at_its_path),
        cmocka_unit_test(conditional_rules_share_names),
        cmocka_unit_test(unreadable_files),
        cmocka_unit_test(bounds),
        cmocka_unit_test(includes_and_excludes),
        cmocka_unit_test(architectures_of_the_filter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
