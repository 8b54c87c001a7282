/* policy_dump.c - prints a policy with every key spelt out, as YAML that
 * sg_policy_parse reads back to an equal policy (see policy.h). */
#include "policy.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"
#include "capability.h"
#include "policy_model.h"

#define POLICY_DUMP_MAX (4 * 1024 * 1024)

/* A character libyaml takes as written inside a double-quoted scalar: YAML
 * 1.1's printable set less the line breaks (NEL, LS, PS are folded like
 * \n) and the BOM. */
static bool yaml_keeps(uint32_t c)
{
    return (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xd7ff && c != 0x2028 && c != 0x2029) ||
           (c >= 0xe000 && c <= 0xfffd && c != 0xfeff) || (c >= 0x10000 && c <= 0x10ffff);
}

/* Writes `s` as a YAML double-quoted scalar that reads back as `s`. Every
 * string here came from libyaml, so it is valid UTF-8; whatever libyaml
 * would refuse or fold is written as an escape (\x, \u, \U). */
static void dump_quoted(struct sg_buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    sg_buf_addc(b, '"');
    while (*p != '\0') {
        size_t n = *p < 0x80 ? 1 : *p < 0xe0 ? 2 : *p < 0xf0 ? 3 : 4;
        uint32_t c = n == 1 ? *p : n == 2 ? *p & 0x1fu : n == 3 ? *p & 0x0fu : *p & 0x07u;
        size_t i;

        for (i = 1; i < n && (p[i] & 0xc0) == 0x80; i++)
            c = c << 6 | (p[i] & 0x3fu);
        if (i < n) { /* not UTF-8 after all: cannot happen, keep the byte */
            n = 1;
            c = *p;
        }
        if (c == '"' || c == '\\')
            sg_buf_addf(b, "\\%c", (char)c);
        else if (yaml_keeps(c))
            sg_buf_add(b, (const char *)p, n);
        else if (c <= 0xff)
            sg_buf_addf(b, "\\x%02x", (unsigned)c);
        else if (c <= 0xffff)
            sg_buf_addf(b, "\\u%04x", (unsigned)c);
        else
            sg_buf_addf(b, "\\U%08x", (unsigned)c);
        p += n;
    }
    sg_buf_addc(b, '"');
}

static void dump_strlist(struct sg_buf *b, const char *indent, const char *key,
                         const struct strlist *l)
{
    sg_buf_addf(b, "%s%s: [", indent, key);
    for (size_t i = 0; i < l->n; i++) {
        if (i > 0)
            sg_buf_adds(b, ", ");
        dump_quoted(b, l->items[i]);
    }
    sg_buf_adds(b, "]\n");
}

static void dump_caps_mask(struct sg_buf *b, const char *indent, const char *key, uint64_t mask)
{
    bool first = true;

    sg_buf_addf(b, "%s%s: [", indent, key);
    for (int cap = 0; cap <= SG_CAP_ALL; cap++) {
        if (mask & sg_cap_bit(cap)) {
            sg_buf_addf(b, "%s%s", first ? "" : ", ", sg_cap_name(cap));
            first = false;
        }
    }
    sg_buf_adds(b, "]\n");
}

static void dump_settings(struct sg_buf *b, const struct settings *s, const char *indent)
{
    bool any_rule = false, any_seccomp, any_caps;

    for (int r = 0; r < SG_RULE_CONFIGURABLE; r++)
        any_rule = any_rule || s->action_set[r];
    if (any_rule) {
        sg_buf_addf(b, "%srules:\n", indent);
        for (int r = 0; r < SG_RULE_CONFIGURABLE; r++) {
            if (s->action_set[r])
                sg_buf_addf(b, "%s  %s: %s\n", indent, sg_rule_id((enum sg_rule)r),
                            sg_action_name(s->action[r]));
        }
    }
    any_seccomp = s->localhost_globs_set || s->default_profile_set;
    if (any_seccomp) {
        sg_buf_addf(b, "%sseccomp:\n", indent);
        if (s->localhost_globs_set)
            dump_strlist(b, indent, "  allowedLocalhostProfiles", &s->localhost_globs);
        if (s->default_profile_set) {
            sg_buf_addf(b, "%s  defaultProfile:\n%s    type: %s\n", indent, indent,
                        s->default_profile == SG_PROFILE_RUNTIME_DEFAULT ? "RuntimeDefault"
                        : s->default_profile == SG_PROFILE_LOCALHOST     ? "Localhost"
                                                                         : "None");
            if (s->default_localhost != NULL) {
                sg_buf_addf(b, "%s    localhostProfile: ", indent);
                dump_quoted(b, s->default_localhost);
                sg_buf_addc(b, '\n');
            }
        }
    }
    any_caps = s->allowed_add_set || s->default_drop_set || s->required_drop_set;
    if (any_caps) {
        sg_buf_addf(b, "%scapabilities:\n", indent);
        if (s->allowed_add_set)
            dump_caps_mask(b, indent, "  allowedAdd", s->allowed_add);
        if (s->default_drop_set) {
            sg_buf_addf(b, "%s  defaultDrop: [", indent);
            for (size_t i = 0; i < s->n_default_drop; i++)
                sg_buf_addf(b, "%s%s", i ? ", " : "", sg_cap_name(s->default_drop[i]));
            sg_buf_adds(b, "]\n");
        }
        if (s->required_drop_set)
            dump_caps_mask(b, indent, "  requiredDrop", s->required_drop);
    }
}

static void dump_match(struct sg_buf *b, const struct match *m, const char *indent, bool all)
{
    if (all || m->namespaces.n)
        dump_strlist(b, indent, "namespaces", &m->namespaces);
    if (all || m->usernames.n)
        dump_strlist(b, indent, "usernames", &m->usernames);
    if (all || m->groups.n)
        dump_strlist(b, indent, "groups", &m->groups);
    if (all || m->runtime_classes.n)
        dump_strlist(b, indent, "runtimeClasses", &m->runtime_classes);
}

static void dump_images(struct sg_buf *b, const struct sg_policy *policy)
{
    if (policy->n_images == 0) {
        sg_buf_adds(b, "imageExemptions: []\n");
        return;
    }
    sg_buf_adds(b, "imageExemptions:\n");
    for (size_t i = 0; i < policy->n_images; i++) {
        const struct image_exemption *x = &policy->images[i];
        bool first = true;
        sg_buf_adds(b, "  - image: ");
        dump_quoted(b, x->image);
        sg_buf_adds(b, "\n    rules: [");
        for (int r = 0; r < SG_RULE_CONFIGURABLE; r++) {
            if (x->lifted & (UINT32_C(1) << r)) {
                sg_buf_addf(b, "%s%s", first ? "" : ", ", sg_rule_id((enum sg_rule)r));
                first = false;
            }
        }
        sg_buf_adds(b, "]\n");
        dump_caps_mask(b, "    ", "allowedAdd", x->allowed_add);
        dump_strlist(b, "    ", "containers", &x->containers);
        dump_strlist(b, "    ", "namespaces", &x->namespaces);
    }
}

char *sg_policy_dump(const struct sg_policy *policy)
{
    struct sg_buf b;

    sg_buf_init(&b, POLICY_DUMP_MAX);
    sg_buf_adds(&b, "# seccomp-guard policy with every key spelt out\n");
    dump_settings(&b, &policy->settings, "");
    /* No section means no folder: the dump has none either. */
    if (policy->profiles.folder != NULL) {
        sg_buf_adds(&b, "profiles:\n  folder: ");
        dump_quoted(&b, policy->profiles.folder);
        sg_buf_adds(&b, "\n  nodeFolder: ");
        dump_quoted(&b, sg_policy_profiles_node_folder(policy));
        sg_buf_addc(&b, '\n');
    }
    sg_buf_adds(&b, "exemptions:\n");
    dump_match(&b, &policy->exemptions, "  ", true);
    dump_images(&b, policy);
    if (policy->n_overrides == 0) {
        sg_buf_adds(&b, "overrides: []\n");
    } else {
        sg_buf_adds(&b, "overrides:\n");
        for (size_t i = 0; i < policy->n_overrides; i++) {
            sg_buf_adds(&b, "  - match:\n");
            dump_match(&b, &policy->overrides[i].match, "      ", false);
            dump_settings(&b, &policy->overrides[i].settings, "    ");
        }
    }
    /* Last, as in every policy file: see policy_read.c. */
    sg_buf_addf(&b, "base: %s\n", sg_base_name(policy->base));
    return sg_buf_steal(&b);
}
