/* test_image.c - image references normalised as containerd normalises them
 * (distribution/reference ParseNormalizedNamed, TagNameOnly), and the
 * policy's image patterns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "image.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const struct {
    const char *ref;
    const char *name, *tag, *digest; /* name NULL: the runtime refuses it */
} refs[] = {
    {"busybox", "docker.io/library/busybox", "latest", ""},
    {"busybox:1.36", "docker.io/library/busybox", "1.36", ""},
    {"foo/bar", "docker.io/foo/bar", "latest", ""},
    {"docker.io/busybox", "docker.io/library/busybox", "latest", ""},
    {"index.docker.io/foo/bar:v1", "docker.io/foo/bar", "v1", ""},
    {"quay.io/foo/bar:v1", "quay.io/foo/bar", "v1", ""},
    {"localhost/bar", "localhost/bar", "latest", ""},
    {"localhost:5000/a/b:c", "localhost:5000/a/b", "c", ""},
    {"registry:5000/a", "registry:5000/a", "latest", ""},
    {"[::1]:5000/a", "[::1]:5000/a", "latest", ""},
    {"Registry/a", "Registry/a", "latest", ""}, /* upper case: a host */
    {"a.b/c/d/e_f__g-h---i.j", "a.b/c/d/e_f__g-h---i.j", "latest", ""},
    {"busybox@sha256:" D64, "docker.io/library/busybox", "", "sha256:" D64},
    {"busybox:1.36@sha256:" D64, "docker.io/library/busybox", "1.36", "sha256:" D64},
    {"localhost:5000", "docker.io/library/localhost", "5000", ""},
    /* Refused by the runtime: they match no pattern. */
    {"", NULL, NULL, NULL},
    {"Busybox", NULL, NULL, NULL},
    {"foo/Bar", NULL, NULL, NULL},
    {"busybox:", NULL, NULL, NULL},
    {"busybox:-x", NULL, NULL, NULL},
    {"busybox@sha256:abc", NULL, NULL, NULL},
    {"busybox@md5:" D64, NULL, NULL, NULL},
    {"a..b/c", NULL, NULL, NULL},
    {"a/b_.c", NULL, NULL, NULL},
    {"a/b___c", NULL, NULL, NULL},
    {"-a.b/c", NULL, NULL, NULL},
    {"a/b/", NULL, NULL, NULL},
    {D64, NULL, NULL, NULL},
};

static void references_normalise_as_the_runtime_does(void **state)
{
    struct sg_image_ref r;
    (void)state;

    for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
        bool ok = sg_image_parse(refs[i].ref, &r);
        if (refs[i].name == NULL) {
            if (ok)
                fail_msg("'%s' parsed as %s", refs[i].ref, r.name);
            continue;
        }
        if (!ok)
            fail_msg("'%s' refused", refs[i].ref);
        assert_string_equal(r.name, refs[i].name);
        assert_string_equal(r.tag, refs[i].tag);
        assert_string_equal(r.digest, refs[i].digest);
    }
}

static bool matches(const char *pattern, const char *ref)
{
    struct sg_image_pattern p;
    struct sg_image_ref r;
    char hint[512];

    if (sg_image_pattern_parse(pattern, &p, hint, sizeof(hint)) != NULL)
        fail_msg("pattern '%s' refused", pattern);
    return sg_image_parse(ref, &r) && sg_image_matches(&p, &r);
}

static void patterns_match_repository_tag_and_digest(void **state)
{
    (void)state;
    assert_true(matches("docker.io/istio/proxyv2:*", "istio/proxyv2:1.22.0"));
    assert_true(matches("docker.io/istio/proxyv2:*", "istio/proxyv2@sha256:" D64));
    assert_false(matches("docker.io/istio/proxyv2:*", "istio/proxyv2x:1"));
    assert_false(matches("docker.io/istio/proxyv2:*", "evil.io/istio/proxyv2:1"));
    assert_true(matches("docker.io/istio/proxyv2:1.22.*", "istio/proxyv2:1.22.3"));
    assert_false(matches("docker.io/istio/proxyv2:1.22.*", "istio/proxyv2:1.23.0"));
    assert_false(matches("docker.io/istio/proxyv2:1.22.*", "istio/proxyv2@sha256:" D64));
    assert_true(matches("docker.io/library/busybox:latest", "busybox"));
    assert_true(matches("docker.io/library/busybox@sha256:" D64, "busybox:x@sha256:" D64));
    assert_false(matches("docker.io/library/busybox@sha256:" D64, "busybox:latest"));
    assert_false(matches("docker.io/library/busybox:*", "Busybox"));
}

static void patterns_name_registry_and_repository(void **state)
{
    static const struct {
        const char *pattern, *problem, *hint;
    } bad[] = {
        {"istio/proxyv2:*", "must name the registry", "docker.io/istio/proxyv2:*"},
        {"busybox:*", "must name the registry", "docker.io/library/busybox:*"},
        {"docker.io/busybox@sha256:" D64, "must name the registry",
         "docker.io/library/busybox@sha256:" D64},
        {"index.docker.io/a/b:*", "must name the registry", "docker.io/a/b:*"},
        {"docker.io/a/b", "names no tag and no digest", ""},
        {"docker.io/a/*:*", "has a wildcard", ""},
        {"docker.io/a/b:[x]", "has a tag pattern", ""},
        {"docker.io/a/b@sha256:12", "has a digest", ""},
    };
    struct sg_image_pattern p;
    char hint[512];
    (void)state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *problem = sg_image_pattern_parse(bad[i].pattern, &p, hint, sizeof(hint));
        if (problem == NULL || strstr(problem, bad[i].problem) == NULL)
            fail_msg("'%s': %s", bad[i].pattern, problem ? problem : "accepted");
        assert_string_equal(hint, bad[i].hint);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(references_normalise_as_the_runtime_does),
        cmocka_unit_test(patterns_match_repository_tag_and_digest),
        cmocka_unit_test(patterns_name_registry_and_repository),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
