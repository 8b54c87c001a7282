/* test_policy.c - the policy file: defaults, strict parsing with file, line
 * and column, overrides and exemptions, and printing it back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capability.h"
#include "known.h"
#include "policy.h"

/* `yaml`, ending with `base: default` unless it names a base itself. */
static char *with_base(const char *yaml)
{
    size_t n = strlen(yaml) + 32;
    char *text = malloc(n);

    assert_non_null(text);
    snprintf(text, n, "%s%s", yaml, strstr(yaml, "base:") ? "" : "base: default\n");
    return text;
}

static struct sg_policy *parse_ok(const char *yaml)
{
    struct sg_policy *p = NULL;
    struct sg_error err;
    char *text = with_base(yaml);

    sg_error_clear(&err);
    if (sg_policy_parse("p.yaml", text, strlen(text), &p, &err) != 0)
        fail_msg("unexpected error: %s", err.msg);
    free(text);
    return p;
}

/* Parsing fails and the message contains `want`. */
static void parse_fails(const char *yaml, const char *want)
{
    struct sg_policy *p = NULL;
    struct sg_error err;
    char *text = with_base(yaml);

    sg_error_clear(&err);
    assert_int_equal(sg_policy_parse("p.yaml", text, strlen(text), &p, &err), SG_ERR_INVALID);
    assert_null(p);
    if (strstr(err.msg, want) == NULL)
        fail_msg("message '%s' lacks '%s'", err.msg, want);
    free(text);
}

/* Parses `yaml` exactly as given; fails unless refused with `want`. */
static void refused_as_is(const char *yaml, size_t len, const char *want)
{
    struct sg_policy *p = NULL;
    struct sg_error err;

    sg_error_clear(&err);
    assert_int_equal(sg_policy_parse("p.yaml", yaml, len, &p, &err), SG_ERR_INVALID);
    assert_null(p);
    if (strncmp(err.msg, "p.yaml:", 7) != 0 || strstr(err.msg, want) == NULL)
        fail_msg("message '%s' lacks '%s'", err.msg, want);
}

static enum sg_exemption resolve(const struct sg_policy *p, const char *ns, const char *user,
                                 const char *group, const char *rc, struct sg_effective *e)
{
    const char *groups[1] = {group};
    struct sg_subject s = {
        .namespace = ns,
        .username = user,
        .groups = groups,
        .n_groups = group ? 1 : 0,
        .runtime_class = rc,
    };
    return sg_policy_resolve(p, &s, e);
}

static uint64_t caps(const char *const *names, size_t n)
{
    uint64_t m = 0;
    for (size_t i = 0; i < n; i++)
        m |= sg_cap_bit(sg_cap_resolve(names[i], strlen(names[i]), NULL));
    return m;
}

/* An empty file, or one that names no base, is refused with file:line: a
 * policy cut short or emptied must never load as a weaker one. */
static void empty_or_baseless_file_is_refused(void **state)
{
    const char *empty[] = {"", "# only a comment\n", "---\n", "~\n"};
    (void)state;

    for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++)
        refused_as_is(empty[i], strlen(empty[i]), ": the policy is empty");
    refused_as_is("rules:\n  privileged: warn\n", 26, "p.yaml:3:1: the policy names no base");
    refused_as_is("base: restricted\nrules: {privileged: warn}\n", 42,
                  "p.yaml:1:1: base must be the last key");
    refused_as_is("base: strict\n", 13, "p.yaml:1:7: unknown base 'strict'");
    refused_as_is("base:\n", 6, "base must be a string, found null");
    refused_as_is("base: [restricted]\n", 19, "base must be a string, found a list");
}

/* Every key a policy leaves out comes from its base. */
static void bases_fill_every_key(void **state)
{
    static const char *const baseline[] = {
        "AUDIT_WRITE",      "CHOWN",   "DAC_OVERRIDE", "FOWNER",  "FSETID", "KILL",      "MKNOD",
        "NET_BIND_SERVICE", "SETFCAP", "SETGID",       "SETPCAP", "SETUID", "SYS_CHROOT"};
    static const char *const restricted[] = {"NET_BIND_SERVICE"};
    struct sg_policy *p;
    struct sg_effective e;
    (void)state;

    p = parse_ok("base: baseline\n");
    resolve(p, "default", "alice", NULL, NULL, &e);
    assert_int_equal(e.action[SG_RULE_SECCOMP_UNCONFINED], SG_ACTION_DENY);
    assert_int_equal(e.action[SG_RULE_SECCOMP_UNSET], SG_ACTION_ALLOW);
    assert_int_equal(e.action[SG_RULE_CAP_DROP_ALL], SG_ACTION_ALLOW);
    assert_true(e.allowed_add == caps(baseline, 13));
    assert_int_equal(e.default_profile, SG_PROFILE_NONE);
    assert_int_equal(e.n_default_drop, 0);
    sg_policy_free(p);

    p = parse_ok("base: restricted\n");
    resolve(p, "default", "alice", NULL, NULL, &e);
    assert_int_equal(e.action[SG_RULE_SECCOMP_UNSET], SG_ACTION_DENY);
    assert_int_equal(e.action[SG_RULE_CAP_DROP_ALL], SG_ACTION_DENY);
    assert_int_equal(e.action[SG_RULE_PRIV_ESCALATION], SG_ACTION_DENY);
    assert_true(e.allowed_add == caps(restricted, 1));
    assert_int_equal(e.default_profile, SG_PROFILE_NONE);
    sg_policy_free(p);

    p = parse_ok("rules: {privileged: warn}\nbase: default\n");
    resolve(p, "default", "alice", NULL, NULL, &e);
    assert_int_equal(e.action[SG_RULE_PRIVILEGED], SG_ACTION_WARN);
    assert_int_equal(e.action[SG_RULE_SECCOMP_UNSET], SG_ACTION_WARN);
    assert_int_equal(e.action[SG_RULE_CAP_DROP_ALL], SG_ACTION_AUDIT);
    assert_int_equal(e.action[SG_RULE_CAP_REQUIRED_DROP], SG_ACTION_DENY);
    assert_int_equal(e.action[SG_RULE_UNREADABLE], SG_ACTION_DENY);
    assert_true(e.allowed_add == caps(baseline, 13));
    assert_int_equal(e.default_profile, SG_PROFILE_RUNTIME_DEFAULT);
    assert_int_equal(e.n_default_drop, 1);
    assert_string_equal(sg_cap_name(e.default_drop[0]), "NET_RAW");
    assert_true(e.required_drop == 0);
    sg_policy_free(p);
}

/* No byte prefix of a policy loads as anything but the whole policy: each
 * is refused, or (a cut in the trailing comment) prints the same. */
static void no_prefix_loads_weaker(void **state)
{
    const char *src = "# tighter than the default level\n"
                      "rules:\n  seccomp-unset: deny\n  privilege-escalation: deny\n"
                      "capabilities:\n  allowedAdd:\n    - NET_BIND_SERVICE\n"
                      "  requiredDrop: [NET_RAW]\n"
                      "exemptions:\n  namespaces:\n    - kube-system\n"
                      "base: default\n# the end\n";
    struct sg_policy *whole = parse_ok(src), *p;
    char *want = sg_policy_dump(whole), *got;
    size_t loaded = 0, len = strlen(src);
    struct sg_error err;
    (void)state;

    for (size_t n = 0; n < len; n++) {
        p = NULL;
        if (sg_policy_parse("p.yaml", src, n, &p, &err) != 0)
            continue;
        got = sg_policy_dump(p);
        if (strcmp(got, want) != 0)
            fail_msg("the first %zu bytes load as another policy:\n%s", n, got);
        loaded++;
        free(got);
        sg_policy_free(p);
    }
    /* Only cuts within the base value's last letter or after it load. */
    assert_true(loaded <= strlen("\n# the end\n") + 1);
    free(want);
    sg_policy_free(whole);
}

static void errors_name_file_line_and_column(void **state)
{
    (void)state;
    parse_fails("rules:\n  seccomp-unconfind: deny\n",
                "p.yaml:2:3: unknown rule 'seccomp-unconfind'");
    parse_fails("rules:\n  privileged: block\n", "p.yaml:2:15: unknown action 'block'");
    parse_fails("capabilities:\n  allowedAdd: [CHOWN, chown]\n",
                "p.yaml:2:23: capability 'chown' must be written 'CHOWN'");
    parse_fails("capabilities:\n  allowedAdd: [SYS_ADMN]\n",
                "p.yaml:2:16: 'SYS_ADMN' is not a Linux capability");
    parse_fails("capabilities:\n  defaultDrop: [CAP_NET_RAW]\n", "must be written 'NET_RAW'");
    parse_fails("rules: [deny]\n", "p.yaml:1:8: rules must be a mapping, found a list");
    parse_fails("rules:\n  privileged: deny\n  privileged: warn\n",
                "p.yaml:3:3: duplicate key 'privileged' in rules");
    parse_fails("seccomp:\n  allowedLocalhostProfiles: profiles/*\n",
                "must be a list, found a scalar");
    parse_fails("seccomp:\n  defaultProfile:\n    type: Unconfined\n",
                "p.yaml:3:11: seccomp.defaultProfile.type 'Unconfined' must be");
    parse_fails("seccomp:\n  defaultProfile:\n    type: Localhost\n", "needs localhostProfile");
    parse_fails("seccomp:\n  defaultProfile: {}\n",
                "p.yaml:2:19: seccomp.defaultProfile needs a type");
    parse_fails("seccomp:\n  defaultProfile:\n    type: Localhost\n"
                "    localhostProfile: /etc/profile.json\n",
                "is an absolute path");
    parse_fails("seccomp:\n  defaultProfile:\n    type: Localhost\n"
                "    localhostProfile: ../x.json\n",
                "contains a '..' segment");
    parse_fails("rules:\n  unreadable: allow\n", "is always denied and cannot be configured");
    parse_fails("rules:\n  seccomp-invalid: warn\n", "cannot be configured");
    parse_fails("exemption:\n  namespaces: [a]\n", "p.yaml:1:1: unknown key 'exemption'");
    parse_fails("exemptions:\n  namespace: [a]\n", "p.yaml:2:3: unknown key 'namespace'");
    parse_fails("overrides:\n  - rules:\n      privileged: warn\n", "override has an empty match");
    parse_fails("overrides:\n  - match: {namespaces: [a]}\n    exemptions: {}\n",
                "unknown key 'exemptions' in an override");
    parse_fails("rules:\n  privileged: [deny]\n", "privileged must be a string, found a list");
    parse_fails("rules:\n  privileged:\n", "privileged must be a string, found null");
    parse_fails("exemptions:\n  namespaces: [\"\"]\n", "is empty");
    parse_fails("exemptions:\n  namespaces: [\"team-[a\"]\n", "has '[' without ']'");
    parse_fails("rules: {\n", "p.yaml:3:1: invalid YAML");
    parse_fails("rules: {}\n---\nrules: {}\n", "a second YAML document");
    refused_as_is("- a\n", 4, "p.yaml:1:1: a policy must be a mapping");
}

static void size_and_nul_are_bounded(void **state)
{
    struct sg_policy *p = NULL;
    struct sg_error err;
    char *big = malloc(SG_POLICY_MAX_BYTES + 2);
    (void)state;

    memset(big, '#', SG_POLICY_MAX_BYTES + 1);
    assert_int_equal(sg_policy_parse("big.yaml", big, SG_POLICY_MAX_BYTES + 1, &p, &err),
                     SG_ERR_LIMIT);
    assert_non_null(strstr(err.msg, "big.yaml"));
    free(big);
    assert_int_equal(sg_policy_parse("nul.yaml", "rules: {}\0x", 11, &p, &err), SG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "NUL"));
}

static void overrides_apply_in_order_and_match_all_selectors(void **state)
{
    struct sg_policy *p = parse_ok("rules:\n  seccomp-unset: deny\n"
                                   "overrides:\n"
                                   "  - match: {namespaces: [\"dev-*\"]}\n"
                                   "    rules: {seccomp-unset: warn, privileged: warn}\n"
                                   "    capabilities: {allowedAdd: [NET_ADMIN]}\n"
                                   "  - match: {namespaces: [dev-b], groups: [\"ops:*\"]}\n"
                                   "    rules: {seccomp-unset: audit}\n"
                                   "    seccomp:\n"
                                   "      defaultProfile: {type: Localhost, "
                                   "localhostProfile: profiles/a.json}\n");
    struct sg_effective e;
    (void)state;

    assert_int_equal(resolve(p, "prod", "u", NULL, NULL, &e), SG_EXEMPT_NONE);
    assert_int_equal(e.action[SG_RULE_SECCOMP_UNSET], SG_ACTION_DENY);
    assert_int_equal(e.action[SG_RULE_PRIVILEGED], SG_ACTION_DENY);

    resolve(p, "dev-a", "u", NULL, NULL, &e);
    assert_int_equal(e.action[SG_RULE_SECCOMP_UNSET], SG_ACTION_WARN);
    assert_int_equal(e.action[SG_RULE_PRIVILEGED], SG_ACTION_WARN);
    assert_true(e.allowed_add == sg_cap_bit(12)); /* NET_ADMIN */
    assert_int_equal(e.default_profile, SG_PROFILE_RUNTIME_DEFAULT);

    /* Second override needs namespace AND group; it also keeps the first's. */
    resolve(p, "dev-b", "u", "ops:oncall", NULL, &e);
    assert_int_equal(e.action[SG_RULE_SECCOMP_UNSET], SG_ACTION_AUDIT);
    assert_int_equal(e.action[SG_RULE_PRIVILEGED], SG_ACTION_WARN);
    assert_int_equal(e.default_profile, SG_PROFILE_LOCALHOST);
    assert_string_equal(e.default_localhost, "profiles/a.json");
    resolve(p, "dev-b", "u", "dev:all", NULL, &e);
    assert_int_equal(e.action[SG_RULE_SECCOMP_UNSET], SG_ACTION_WARN);
    /* The fixed rules stay deny whatever overrides say. */
    assert_int_equal(e.action[SG_RULE_UNREADABLE], SG_ACTION_DENY);
    sg_policy_free(p);
}

static void exemptions_match_exact_or_glob(void **state)
{
    struct sg_policy *p = parse_ok("exemptions:\n"
                                   "  namespaces: [kube-system, \"team-*\"]\n"
                                   "  usernames: [\"system:serviceaccount:ci:*\"]\n"
                                   "  groups: [break-glass]\n"
                                   "  runtimeClasses: [gvisor]\n");
    struct sg_effective e;
    (void)state;

    assert_int_equal(resolve(p, "kube-system", "u", NULL, NULL, &e), SG_EXEMPT_NAMESPACE);
    assert_int_equal(resolve(p, "team-x", "u", NULL, NULL, &e), SG_EXEMPT_NAMESPACE);
    assert_int_equal(resolve(p, "kube-systemx", "u", NULL, NULL, &e), SG_EXEMPT_NONE);
    assert_int_equal(resolve(p, "prod", "system:serviceaccount:ci:deployer", NULL, NULL, &e),
                     SG_EXEMPT_USERNAME);
    assert_int_equal(resolve(p, "prod", "u", "break-glass", NULL, &e), SG_EXEMPT_GROUP);
    assert_int_equal(resolve(p, "prod", "u", "break-glass-x", NULL, &e), SG_EXEMPT_NONE);
    assert_int_equal(resolve(p, "prod", "u", NULL, "gvisor", &e), SG_EXEMPT_RUNTIME_CLASS);
    /* Empty values never match, even a "*" glob. */
    struct sg_policy *star = parse_ok("exemptions:\n  runtimeClasses: [\"*\"]\n");
    assert_int_equal(resolve(star, "prod", "u", NULL, NULL, &e), SG_EXEMPT_NONE);
    assert_int_equal(resolve(star, "prod", "u", NULL, "", &e), SG_EXEMPT_NONE);
    sg_policy_free(star);
    sg_policy_free(p);
}

static void dump_reads_back_to_the_same_policy(void **state)
{
    const char *src = "rules: {seccomp-unset: deny, capabilities-drop-all: warn}\n"
                      "seccomp:\n  allowedLocalhostProfiles: [\"profiles/*\", \"a\\\"b\"]\n"
                      "capabilities: {allowedAdd: [NET_BIND_SERVICE], defaultDrop: [ALL]}\n"
                      "exemptions: {namespaces: [kube-system]}\n"
                      "overrides:\n  - match: {usernames: [bob]}\n"
                      "    rules: {seccomp-unset: allow}\n";
    struct sg_policy *p = parse_ok(src), *q;
    char *a = sg_policy_dump(p), *b;
    (void)state;

    assert_non_null(a);
    q = parse_ok(a);
    b = sg_policy_dump(q);
    assert_string_equal(a, b);
    assert_non_null(strstr(a, "seccomp-unset: deny"));
    assert_non_null(strstr(a, "defaultDrop: [ALL]"));
    assert_non_null(strstr(a, "\"a\\\"b\""));
    free(a);
    free(b);
    sg_policy_free(p);
    sg_policy_free(q);
}

/* Names may hold any character a YAML escape can give; the dump writes
 * what libyaml would refuse (C1 controls) or fold (NEL, LS) as escapes. */
static void dump_escapes_what_yaml_would_not_read_back(void **state)
{
    const char *src = "exemptions:\n  groups: [\"\\x80\", \"a\\u0085b\", \"\\u2028\", "
                      "\"\\ufeff\", \"\\t\\x7f\", \"\\u00e9\"]\n";
    struct sg_policy *p = parse_ok(src), *q;
    char *a = sg_policy_dump(p), *b;
    (void)state;

    assert_non_null(a);
    assert_non_null(strstr(a, "groups: [\"\\x80\", \"a\\x85b\", \"\\u2028\", \"\\ufeff\", "
                              "\"\\x09\\x7f\", \"\u00e9\"]"));
    q = parse_ok(a);
    b = sg_policy_dump(q);
    assert_string_equal(a, b);
    free(a);
    free(b);
    sg_policy_free(p);
    sg_policy_free(q);
}

/* One anchored list named from many places is counted every time: a few
 * KiB of aliases cannot make a policy that holds megabytes. */
static void aliases_are_bounded(void **state)
{
    size_t cap = 16 * 1024, o;
    char *yaml = malloc(cap);
    (void)state;

    assert_non_null(yaml);
    o = (size_t)snprintf(yaml, cap, "exemptions:\n  namespaces: &l [&s %0500d", 0);
    for (int i = 1; i < 1000; i++)
        o += (size_t)snprintf(yaml + o, cap - o, ", *s");
    snprintf(yaml + o, cap - o, "]\n  usernames: *l\n  groups: *l\n  runtimeClasses: *l\n");
    parse_fails(yaml, "once aliases are expanded");
    free(yaml);
}

/* The profiles section: a folder is required, nodeFolder is a folder the
 * kubelet's seccomp folder can hold, and every mistake names file:line. */
static void profiles_section_errors_name_the_place(void **state)
{
    (void)state;
    parse_fails("profiles:\n  nodeFolder: profiles\n",
                "p.yaml:2:3: profiles needs a folder: where the known seccomp profiles are");
    parse_fails("profiles: {}\n", "p.yaml:1:11: profiles needs a folder");
    parse_fails("profiles:\n", "profiles needs a folder");
    parse_fails("profiles:\n  folder: x\n  foldr: y\n",
                "p.yaml:3:3: unknown key 'foldr' in profiles: it has folder and nodeFolder");
    parse_fails("profiles:\n  folder: x\n  nodeFolder: /abs\n",
                "p.yaml:3:15: profiles.nodeFolder '/abs' is an absolute path");
    parse_fails("profiles:\n  folder: x\n  nodeFolder: ../x\n",
                "p.yaml:3:15: profiles.nodeFolder '../x' contains a '..' segment");
    parse_fails("profiles:\n  folder: x\n  nodeFolder: a/..\n", "contains a '..' segment");
    parse_fails("profiles:\n  folder: x\n  nodeFolder: a/\n",
                "p.yaml:3:15: profiles.nodeFolder 'a/' ends with '/'");
    parse_fails("profiles:\n  folder: x\n  nodeFolder: \"\"\n",
                "p.yaml:3:15: profiles.nodeFolder is empty");
    parse_fails("profiles:\n  folder: \"\"\n", "p.yaml:2:11: profiles.folder is empty");
    parse_fails("profiles:\n  folder: [x]\n", "profiles.folder must be a string, found a list");
    parse_fails("profiles: [x]\n", "p.yaml:1:11: profiles must be a mapping, found a list");
    parse_fails("profiles:\n  folder: x\n  folder: y\n", "p.yaml:3:3: duplicate key 'folder'");
    /* One folder per policy: an override cannot name another. */
    parse_fails("overrides:\n  - match: {namespaces: [a]}\n    profiles: {folder: x}\n",
                "unknown key 'profiles' in an override");
}

/* Without the section there is no folder and nothing is judged by it; the
 * node folder defaults to "profiles"; the section survives a dump. */
static void profiles_section_defaults_and_dump(void **state)
{
    struct sg_policy *none = parse_ok("rules: {privileged: deny}\n");
    struct sg_policy *folder_only = parse_ok("profiles:\n  folder: ../profiles\n");
    struct sg_policy *both = parse_ok("profiles:\n  folder: /etc/sg/prof iles\n"
                                      "  nodeFolder: team-a/seccomp\n");
    struct sg_policy *again;
    char *dump = sg_policy_dump(none), *a, *b;
    (void)state;

    assert_null(sg_policy_profiles_folder(none));
    assert_string_equal(sg_policy_profiles_node_folder(none), "profiles");
    assert_null(strstr(dump, "profiles:"));
    free(dump);

    assert_string_equal(sg_policy_profiles_folder(folder_only), "../profiles");
    assert_string_equal(sg_policy_profiles_node_folder(folder_only), "profiles");
    dump = sg_policy_dump(folder_only);
    assert_non_null(strstr(dump, "profiles:\n  folder: \"../profiles\"\n"
                                 "  nodeFolder: \"profiles\"\n"));
    free(dump);

    a = sg_policy_dump(both);
    assert_non_null(strstr(a, "profiles:\n  folder: \"/etc/sg/prof iles\"\n"
                              "  nodeFolder: \"team-a/seccomp\"\n"));
    again = parse_ok(a);
    assert_string_equal(sg_policy_profiles_folder(again), "/etc/sg/prof iles");
    assert_string_equal(sg_policy_profiles_node_folder(again), "team-a/seccomp");
    b = sg_policy_dump(again);
    assert_string_equal(a, b);
    free(a);
    free(b);
    sg_policy_free(none);
    sg_policy_free(folder_only);
    sg_policy_free(both);
    sg_policy_free(again);
}

/* The two rules judge only with a folder; each level gives them the
 * action docs/policy.md documents, and a policy file may set them. */
static void localhost_rules_per_level(void **state)
{
    static const struct {
        const char *yaml;
        enum sg_action unknown, dangerous;
    } cases[] = {
        {"base: baseline\n", SG_ACTION_WARN, SG_ACTION_WARN},
        {"base: restricted\n", SG_ACTION_DENY, SG_ACTION_WARN},
        {"base: default\n", SG_ACTION_WARN, SG_ACTION_WARN},
        {"rules: {seccomp-localhost-unknown: audit, seccomp-localhost-dangerous: deny}\n",
         SG_ACTION_AUDIT, SG_ACTION_DENY},
    };
    struct sg_effective e;
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sg_policy *p = parse_ok(cases[i].yaml);
        resolve(p, "default", "alice", NULL, NULL, &e);
        if (e.action[SG_RULE_LOCALHOST_UNKNOWN] != cases[i].unknown ||
            e.action[SG_RULE_LOCALHOST_DANGEROUS] != cases[i].dangerous)
            fail_msg("%s: unknown %d dangerous %d", cases[i].yaml,
                     e.action[SG_RULE_LOCALHOST_UNKNOWN], e.action[SG_RULE_LOCALHOST_DANGEROUS]);
        sg_policy_free(p);
    }
    parse_fails("rules: {seccomp-localhost-unknwn: deny}\n",
                "unknown rule 'seccomp-localhost-unknwn'");
}

/* What the profiles folder taught a policy reaches every resolution, and
 * a policy without it judges no Localhost profile by its file. */
static void known_profiles_reach_the_effective_policy(void **state)
{
    struct sg_policy *p = parse_ok("profiles: {folder: x}\n"
                                   "overrides:\n  - match: {namespaces: [dev]}\n"
                                   "    rules: {seccomp-localhost-unknown: deny}\n");
    struct sg_known *k = NULL, *k2 = NULL;
    struct sg_effective e;
    struct sg_error err;
    (void)state;

    resolve(p, "prod", "u", NULL, NULL, &e);
    assert_null(e.known); /* the folder is not read yet: nothing is judged by it */
    assert_int_equal(sg_known_new("x", &k, &err), 0);
    sg_known_seal(k);
    sg_policy_set_known(p, k);
    assert_ptr_equal(sg_policy_known(p), k);
    resolve(p, "prod", "u", NULL, NULL, &e);
    assert_ptr_equal(e.known, k);
    assert_int_equal(e.action[SG_RULE_LOCALHOST_UNKNOWN], SG_ACTION_WARN);
    resolve(p, "dev", "u", NULL, NULL, &e);
    assert_ptr_equal(e.known, k);
    assert_int_equal(e.action[SG_RULE_LOCALHOST_UNKNOWN], SG_ACTION_DENY);
    /* A second set replaces the first (which the policy frees). */
    assert_int_equal(sg_known_new("y", &k2, &err), 0);
    sg_known_seal(k2);
    sg_policy_set_known(p, k2);
    resolve(p, "prod", "u", NULL, NULL, &e);
    assert_ptr_equal(e.known, k2);
    sg_policy_free(p);
}

/* The Localhost profiles a policy injects, top level first, then each
 * override in order: what a reload checks against the folder. */
static void injected_localhost_profiles_are_listed(void **state)
{
    struct sg_policy *p = parse_ok(
        "seccomp: {defaultProfile: {type: Localhost, localhostProfile: profiles/top.json}}\n"
        "overrides:\n"
        "  - match: {namespaces: [a]}\n    rules: {privileged: warn}\n"
        "  - match: {namespaces: [b]}\n    seccomp: {defaultProfile: {type: RuntimeDefault}}\n"
        "  - match: {namespaces: [c]}\n"
        "    seccomp: {defaultProfile: {type: Localhost, localhostProfile: profiles/c.json}}\n");
    struct sg_policy *none = parse_ok("rules: {privileged: deny}\n");
    size_t iter = 0;
    (void)state;

    assert_string_equal(sg_policy_next_injected(p, &iter), "profiles/top.json");
    assert_string_equal(sg_policy_next_injected(p, &iter), "profiles/c.json");
    assert_null(sg_policy_next_injected(p, &iter));
    assert_null(sg_policy_next_injected(p, &iter));
    iter = 0;
    assert_null(sg_policy_next_injected(none, &iter));
    sg_policy_free(p);
    sg_policy_free(none);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_or_baseless_file_is_refused),
        cmocka_unit_test(bases_fill_every_key),
        cmocka_unit_test(no_prefix_loads_weaker),
        cmocka_unit_test(errors_name_file_line_and_column),
        cmocka_unit_test(size_and_nul_are_bounded),
        cmocka_unit_test(overrides_apply_in_order_and_match_all_selectors),
        cmocka_unit_test(exemptions_match_exact_or_glob),
        cmocka_unit_test(dump_reads_back_to_the_same_policy),
        cmocka_unit_test(dump_escapes_what_yaml_would_not_read_back),
        cmocka_unit_test(aliases_are_bounded),
        cmocka_unit_test(profiles_section_errors_name_the_place),
        cmocka_unit_test(profiles_section_defaults_and_dump),
        cmocka_unit_test(localhost_rules_per_level),
        cmocka_unit_test(known_profiles_reach_the_effective_policy),
        cmocka_unit_test(injected_localhost_profiles_are_listed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
