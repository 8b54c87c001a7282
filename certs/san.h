/* san.h - the names a serving certificate answers to, and the checks on
 * each. A webhook Service is reached as SERVICE, SERVICE.NS, SERVICE.NS.svc
 * and SERVICE.NS.svc.cluster.local; extra DNS names and IP addresses
 * follow, without duplicates. The checks are public so that the command
 * line can name the option a bad value came with. */
#ifndef SG_SAN_H
#define SG_SAN_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* Most extra DNS names, and separately most extra IP addresses. */
#define SG_SAN_EXTRA_MAX 64
/* Longest DNS name (RFC 1035) and label (DNS-1123). */
#define SG_SAN_DNS_NAME_MAX  253
#define SG_SAN_DNS_LABEL_MAX 63
/* The names every serving certificate carries, from service and namespace. */
#define SG_SAN_SERVICE_NAMES 4

/* A certificate's names. dns[] points into defaults[] and at the caller's
 * extra names, which must outlive the set. */
struct sg_san_set {
    char defaults[SG_SAN_SERVICE_NAMES][SG_SAN_DNS_NAME_MAX + 1];
    const char *dns[SG_SAN_SERVICE_NAMES + SG_SAN_EXTRA_MAX];
    size_t n_dns;
    struct {
        unsigned char addr[16];
        int len; /* 4 or 16 */
    } ip[SG_SAN_EXTRA_MAX];
    size_t n_ip;
};

bool sg_san_is_dns_label(const char *s); /* DNS-1123 label */
bool sg_san_is_dns_name(const char *s);  /* DNS-1123 subdomain, optional "*.", not an IP */
bool sg_san_is_ip(const char *s);        /* IPv4 or IPv6 (inet_pton) */

/* Fills *s (cleared first) with the Service's four names, then dns[] and
 * ips[] in order, each once. service and namespace must be DNS-1123 labels
 * and the counts at most SG_SAN_EXTRA_MAX (the caller checked them);
 * SG_ERR_INVALID for an address that does not parse. */
int sg_san_set_build(struct sg_san_set *s, const char *service, const char *namespace,
                     const char *const *dns, size_t n_dns, const char *const *ips, size_t n_ips,
                     struct sg_error *err);

/* "a, b, 10.0.0.1": the names for people, malloc'd (free it); NULL when out
 * of memory. */
char *sg_san_set_join(const struct sg_san_set *s);

#endif
