/* san.c - see san.h. */
#include "san.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_alnum_lower(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* A DNS-1123 label of exactly len bytes at s. */
static bool is_label(const char *s, size_t len)
{
    if (len == 0 || len > SG_SAN_DNS_LABEL_MAX)
        return false;
    if (!is_alnum_lower(s[0]) || !is_alnum_lower(s[len - 1]))
        return false;
    for (size_t i = 1; i + 1 < len; i++) {
        if (!is_alnum_lower(s[i]) && s[i] != '-')
            return false;
    }
    return true;
}

static int parse_ip(const char *s, unsigned char addr[16])
{
    if (s == NULL)
        return 0;
    if (inet_pton(AF_INET, s, addr) == 1)
        return 4;
    if (inet_pton(AF_INET6, s, addr) == 1)
        return 16;
    return 0;
}

bool sg_san_is_dns_label(const char *s)
{
    return s != NULL && is_label(s, strlen(s));
}

bool sg_san_is_dns_name(const char *s)
{
    unsigned char addr[16];
    size_t len;
    const char *p, *dot;

    if (s == NULL || parse_ip(s, addr) != 0)
        return false; /* an address as a DNS SAN matches nothing: it goes in --ip */
    /* A wildcard covers exactly one label, in front (RFC 6125 6.4.3). */
    if (strncmp(s, "*.", 2) == 0)
        s += 2;
    len = strlen(s);
    if (len == 0 || len > SG_SAN_DNS_NAME_MAX)
        return false;
    for (p = s;; p = dot + 1) {
        dot = strchr(p, '.');
        if (!is_label(p, dot != NULL ? (size_t)(dot - p) : strlen(p)))
            return false;
        if (dot == NULL)
            return true;
    }
}

bool sg_san_is_ip(const char *s)
{
    unsigned char addr[16];

    return parse_ip(s, addr) != 0;
}

int sg_san_set_build(struct sg_san_set *s, const char *service, const char *namespace,
                     const char *const *dns, size_t n_dns, const char *const *ips, size_t n_ips,
                     struct sg_error *err)
{
    /* How in-cluster clients reach a Service: short name (same namespace),
     * with namespace, and the two fully qualified forms the API server uses. */
    static const char *const suffixes[SG_SAN_SERVICE_NAMES - 1] = {"", ".svc",
                                                                   ".svc.cluster.local"};

    memset(s, 0, sizeof(*s));
    /* Both parts are labels of at most 63 bytes: these never truncate. */
    snprintf(s->defaults[0], sizeof(s->defaults[0]), "%s", service);
    for (size_t i = 1; i < SG_SAN_SERVICE_NAMES; i++)
        snprintf(s->defaults[i], sizeof(s->defaults[i]), "%s.%s%s", service, namespace,
                 suffixes[i - 1]);
    for (size_t i = 0; i < SG_SAN_SERVICE_NAMES; i++)
        s->dns[s->n_dns++] = s->defaults[i];
    for (size_t i = 0; i < n_dns; i++) {
        bool dup = false;
        for (size_t j = 0; j < s->n_dns && !dup; j++)
            dup = strcmp(s->dns[j], dns[i]) == 0;
        if (!dup)
            s->dns[s->n_dns++] = dns[i];
    }
    for (size_t i = 0; i < n_ips; i++) {
        unsigned char addr[16];
        int len = parse_ip(ips[i], addr);
        bool dup = false;

        if (len == 0)
            return sg_error_set(err, SG_ERR_INVALID, "'%s' is not an IPv4 or IPv6 address", ips[i]);
        for (size_t j = 0; j < s->n_ip && !dup; j++)
            dup = s->ip[j].len == len && memcmp(s->ip[j].addr, addr, (size_t)len) == 0;
        if (!dup) {
            memcpy(s->ip[s->n_ip].addr, addr, (size_t)len);
            s->ip[s->n_ip].len = len;
            s->n_ip++;
        }
    }
    return 0;
}

char *sg_san_set_join(const struct sg_san_set *s)
{
    char ip[INET6_ADDRSTRLEN];
    size_t cap = 1, used = 0;
    char *out;

    for (size_t i = 0; i < s->n_dns; i++)
        cap += strlen(s->dns[i]) + 2;
    cap += s->n_ip * (sizeof(ip) + 2);
    out = malloc(cap);
    if (out == NULL)
        return NULL;
    out[0] = '\0';
    for (size_t i = 0; i < s->n_dns; i++)
        used += (size_t)snprintf(out + used, cap - used, "%s%s", used > 0 ? ", " : "", s->dns[i]);
    for (size_t i = 0; i < s->n_ip; i++) {
        if (inet_ntop(s->ip[i].len == 4 ? AF_INET : AF_INET6, s->ip[i].addr, ip, sizeof(ip)) ==
            NULL)
            snprintf(ip, sizeof(ip), "?");
        used += (size_t)snprintf(out + used, cap - used, "%s%s", used > 0 ? ", " : "", ip);
    }
    return out;
}
