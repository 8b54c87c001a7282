/* image.c - see image.h. The grammar is distribution/reference's
 * (regexp.go) written out by hand: a registry (host[:port]) and
 * repository components, a tag, a digest. */
#include "image.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_DOMAIN "docker.io"
#define LEGACY_DOMAIN  "index.docker.io"
#define OFFICIAL_REPO  "library/"

static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
    return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool is_word(char c)
{
    return is_alnum(c) || c == '_';
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* pathComponent: [a-z0-9]+ joined by '.', '_', "__" or a run of '-'. */
static bool path_component(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        size_t run = 0;
        if (!is_lower_alnum(s[i]))
            return false;
        while (i < n && is_lower_alnum(s[i]))
            i++;
        if (i == n)
            return true;
        while (i + run < n && !is_lower_alnum(s[i + run]))
            run++;
        if (!((run == 1 && (s[i] == '.' || s[i] == '_')) ||
              (run == 2 && s[i] == '_' && s[i + 1] == '_') || strspn(s + i, "-") >= run))
            return false;
        i += run;
        if (i == n)
            return false;
    }
    return n > 0;
}

/* host[:port], the host a DNS name or a bracketed IPv6 address. */
static bool domain_ok(const char *s, size_t n)
{
    size_t host = n, i;
    const char *colon;

    if (n > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (close == NULL || close == s + 1)
            return false;
        for (const char *p = s + 1; p < close; p++) {
            if (!is_hex(*p) && !(*p >= 'A' && *p <= 'F') && *p != ':')
                return false;
        }
        host = (size_t)(close - s) + 1;
    } else {
        colon = memchr(s, ':', n);
        host = colon != NULL ? (size_t)(colon - s) : n;
        /* Dot-separated components of letters, digits and inner '-'. */
        for (i = 0; i <= host; i++) {
            size_t start = i;
            while (i < host && s[i] != '.')
                i++;
            if (i == start || s[start] == '-' || s[i - 1] == '-')
                return false;
            for (size_t k = start; k < i; k++) {
                if (!is_alnum(s[k]) && s[k] != '-')
                    return false;
            }
        }
    }
    if (host == n)
        return true;
    if (s[host] != ':' || host + 1 == n)
        return false;
    for (i = host + 1; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return true;
}

/* algorithm:hex for the algorithms go-digest knows, of their length. */
static bool digest_ok(const char *s)
{
    static const struct {
        const char *prefix;
        size_t hex;
    } algs[] = {{"sha256:", 64}, {"sha384:", 96}, {"sha512:", 128}};

    for (size_t a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
        size_t p = strlen(algs[a].prefix);
        if (strncmp(s, algs[a].prefix, p) != 0)
            continue;
        if (strlen(s + p) != algs[a].hex)
            return false;
        for (const char *c = s + p; *c != '\0'; c++) {
            if (!is_hex(*c))
                return false;
        }
        return true;
    }
    return false;
}

/* Splits "name[:tag][@digest]" (no registry rule applied yet). */
static bool split_ref(const char *ref, char *name, size_t name_cap, char *tag, char *digest)
{
    const char *at = strchr(ref, '@');
    size_t len = at != NULL ? (size_t)(at - ref) : strlen(ref);
    const char *colon = NULL;
    size_t name_len = len;

    digest[0] = tag[0] = '\0';
    if (at != NULL) {
        if (strlen(at + 1) > SG_IMAGE_DIGEST_MAX)
            return false;
        memcpy(digest, at + 1, strlen(at + 1) + 1);
    }
    /* The tag's ':' is the last one after the last '/' (a registry's port
     * comes before the first). */
    for (const char *c = ref; c < ref + len; c++) {
        if (*c == '/')
            colon = NULL;
        else if (*c == ':')
            colon = c;
    }
    if (colon != NULL) {
        size_t t = len - (size_t)(colon + 1 - ref);
        if (t == 0 || t > SG_IMAGE_TAG_MAX)
            return false;
        memcpy(tag, colon + 1, t);
        tag[t] = '\0';
        name_len = (size_t)(colon - ref);
    }
    if (name_len == 0 || name_len >= name_cap)
        return false;
    memcpy(name, ref, name_len);
    name[name_len] = '\0';
    return true;
}

static bool tag_ok(const char *tag)
{
    if (!is_word(tag[0]))
        return false;
    for (const char *c = tag + 1; *c != '\0'; c++) {
        if (!is_word(*c) && *c != '.' && *c != '-')
            return false;
    }
    return true;
}

/* The repository path, each component checked. */
static bool path_ok(const char *path)
{
    const char *p = path;

    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash != NULL ? (size_t)(slash - p) : strlen(p);
        if (!path_component(p, n))
            return false;
        if (slash == NULL)
            return true;
        p = slash + 1;
    }
}

/* splitDockerDomain: the registry a written name means (a pointer and
 * length into `name`, or the default), and the path. */
static void split_domain(const char *name, const char **domain, size_t *domain_len,
                         const char **path, bool *official)
{
    const char *slash = strchr(name, '/');
    size_t n = slash != NULL ? (size_t)(slash - name) : 0;
    bool lower = true;

    for (size_t i = 0; i < n; i++)
        lower = lower && !(name[i] >= 'A' && name[i] <= 'Z');
    if (slash == NULL || (memchr(name, '.', n) == NULL && memchr(name, ':', n) == NULL &&
                          !(n == 9 && strncmp(name, "localhost", 9) == 0) && lower)) {
        *domain = DEFAULT_DOMAIN;
        *domain_len = strlen(DEFAULT_DOMAIN);
        *path = name;
    } else {
        *domain = name;
        *domain_len = n;
        *path = slash + 1;
        if (n == strlen(LEGACY_DOMAIN) && strncmp(name, LEGACY_DOMAIN, n) == 0) {
            *domain = DEFAULT_DOMAIN;
            *domain_len = strlen(DEFAULT_DOMAIN);
        }
    }
    *official = *domain_len == strlen(DEFAULT_DOMAIN) &&
                strncmp(*domain, DEFAULT_DOMAIN, *domain_len) == 0 && strchr(*path, '/') == NULL;
}

/* Writes domain/[library/]path into out (SG_IMAGE_NAME_MAX + 1 bytes);
 * false when it is too long or the runtime would refuse it. */
static bool normal_name(const char *name, char *out)
{
    const char *domain, *path;
    size_t domain_len, path_len, o;
    bool official;

    split_domain(name, &domain, &domain_len, &path, &official);
    path_len = strlen(path);
    if (!domain_ok(domain, domain_len) || !path_ok(path))
        return false;
    if (domain_len + 1 + (official ? strlen(OFFICIAL_REPO) : 0) + path_len > SG_IMAGE_NAME_MAX)
        return false;
    memcpy(out, domain, domain_len);
    o = domain_len;
    out[o++] = '/';
    if (official) {
        memcpy(out + o, OFFICIAL_REPO, strlen(OFFICIAL_REPO));
        o += strlen(OFFICIAL_REPO);
    }
    memcpy(out + o, path, path_len + 1);
    return true;
}

bool sg_image_parse(const char *ref, struct sg_image_ref *out)
{
    char name[SG_IMAGE_NAME_MAX + 1];

    memset(out, 0, sizeof(*out));
    /* A bare 64-hex string is an image ID, which ParseNormalizedNamed
     * refuses as a name. */
    if (strlen(ref) == 64 && strspn(ref, "0123456789abcdef") == 64)
        return false;
    if (!split_ref(ref, name, sizeof(name), out->tag, out->digest))
        goto refused;
    if ((out->tag[0] != '\0' && !tag_ok(out->tag)) ||
        (out->digest[0] != '\0' && !digest_ok(out->digest)))
        goto refused;
    if (!normal_name(name, out->name))
        goto refused;
    if (out->tag[0] == '\0' && out->digest[0] == '\0')
        memcpy(out->tag, "latest", sizeof("latest")); /* TagNameOnly */
    return true;
refused:
    memset(out, 0, sizeof(*out));
    return false;
}

const char *sg_image_pattern_parse(const char *text, struct sg_image_pattern *out, char *hint,
                                   size_t hint_cap)
{
    char normal[SG_IMAGE_NAME_MAX + 1];

    memset(out, 0, sizeof(*out));
    hint[0] = '\0';
    if (strlen(text) > SG_IMAGE_NAME_MAX + SG_IMAGE_TAG_MAX + SG_IMAGE_DIGEST_MAX + 2)
        return "is too long to be an image";
    if (!split_ref(text, out->name, sizeof(out->name), out->tag_glob, out->digest))
        return "is not an image name with a tag pattern or a digest";
    if (out->tag_glob[0] == '\0' && out->digest[0] == '\0')
        return "names no tag and no digest: add a tag pattern (:* for any tag) or pin a "
               "digest (@sha256:...)";
    if (out->digest[0] != '\0' && !digest_ok(out->digest))
        return "has a digest that is not sha256:, sha384: or sha512: with its hex digits";
    for (const char *c = out->tag_glob; *c != '\0'; c++) {
        if (!is_word(*c) && *c != '.' && *c != '-' && *c != '*' && *c != '?')
            return "has a tag pattern with a character no tag holds (tags are letters, "
                   "digits, '_', '.' and '-'; the pattern may add '*' and '?')";
    }
    if (strpbrk(out->name, "*?[") != NULL)
        return "has a wildcard in the registry or repository: name them exactly";
    if (!normal_name(out->name, normal))
        return "is not an image name the runtime accepts (lower-case repository, a "
               "registry host[:port])";
    if (strcmp(normal, out->name) != 0) {
        snprintf(hint, hint_cap, "%s%s%s%s%s", normal, out->tag_glob[0] ? ":" : "", out->tag_glob,
                 out->digest[0] ? "@" : "", out->digest);
        return "must name the registry and repository as the runtime does";
    }
    return NULL;
}

bool sg_image_matches(const struct sg_image_pattern *p, const struct sg_image_ref *ref)
{
    if (ref->name[0] == '\0' || strcmp(p->name, ref->name) != 0)
        return false;
    if (p->digest[0] != '\0' && strcmp(p->digest, ref->digest) != 0)
        return false;
    if (p->tag_glob[0] == '\0' || strcmp(p->tag_glob, "*") == 0)
        return true;
    return ref->tag[0] != '\0' && fnmatch(p->tag_glob, ref->tag, 0) == 0;
}
