/* certs.h - the webhook's TLS material. Makes a CA (or reuses one) and a
 * serving certificate whose names fit the webhook Service, writes them as the
 * PEM files a Kubernetes TLS Secret holds, and checks that a certificate and
 * a private key belong together (the server does so at start-up and on every
 * reload). OpenSSL 3 EVP only; nothing here prints or shells out. */
#ifndef SG_CERTS_H
#define SG_CERTS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* Largest PEM input read from a file or passed to sg_certs_check_pair. A
 * certificate chain with a few intermediates is a few KiB. */
#define SG_CERTS_PEM_MAX (256 * 1024)
/* Most extra --dns names, and separately most --ip addresses. */
#define SG_CERTS_EXTRA_NAMES_MAX 64
/* Longest DNS name (RFC 1035) and label (DNS-1123). */
#define SG_CERTS_DNS_NAME_MAX  253
#define SG_CERTS_DNS_LABEL_MAX 63
/* Validity bounds and defaults, in days. The serving certificate is renewed
 * yearly by re-running with the same CA (docs/certs.md); the CA lives long
 * so that the caBundle in the webhook configurations rarely changes. */
#define SG_CERTS_DAYS_DEFAULT    365
#define SG_CERTS_CA_DAYS_DEFAULT 3650
#define SG_CERTS_DAYS_MAX        36500

/* File names inside the output directory: those of a kubernetes.io/tls
 * Secret, plus the CA's key when a CA is made here. */
#define SG_CERTS_CA_CRT  "ca.crt"
#define SG_CERTS_CA_KEY  "ca.key"
#define SG_CERTS_TLS_CRT "tls.crt"
#define SG_CERTS_TLS_KEY "tls.key"

enum sg_certs_key_type {
    SG_CERTS_KEY_ECDSA = 0, /* ECDSA on NIST P-256 */
    SG_CERTS_KEY_RSA = 1,   /* RSA of rsa_bits: 2048, 3072 or 4096 */
};

/* What sg_certs_create makes. Every pointer is borrowed for the call. */
struct sg_certs_opts {
    const char *service;              /* the Service's name, a DNS-1123 label */
    const char *namespace;            /* its namespace, a DNS-1123 label */
    const char *out_dir;              /* made (mode 0700) when missing; its parent must exist */
    const char *const *dns;           /* extra DNS names (DNS-1123 subdomains, "*." allowed) */
    size_t n_dns;                     /* at most SG_CERTS_EXTRA_NAMES_MAX */
    const char *const *ips;           /* extra IPv4 or IPv6 addresses, as text */
    size_t n_ips;                     /* at most SG_CERTS_EXTRA_NAMES_MAX */
    enum sg_certs_key_type key_type;  /* for the serving key and a new CA's key */
    int rsa_bits;                     /* used when key_type is RSA */
    int days;                         /* serving certificate validity, 1..DAYS_MAX */
    int ca_days;                      /* new CA validity, 1..DAYS_MAX */
    const char *ca_cert_path;         /* both set: sign with this CA instead of */
    const char *ca_key_path;          /*   making one; neither: make a new CA */
    const char *ca_bundle_patch_path; /* NULL, or where to write the kustomize patch */
    bool force;                       /* replace files that already exist */
};

/* What sg_certs_create made. Owned by the struct; release with
 * sg_certs_result_release. */
struct sg_certs_result {
    char *ca_bundle;         /* base64 of ca.crt's PEM: one line, NUL-terminated */
    char *names;             /* the serving certificate's SANs, ", "-separated */
    bool made_ca;            /* a new CA was made and ca.key written */
    bool ca_crt_unchanged;   /* out_dir/ca.crt already held the reused CA: left as is */
    bool tls_capped;         /* the serving certificate would have outlived the CA,
                              * so its notAfter is the CA's */
    long long ca_not_after;  /* Unix seconds */
    long long tls_not_after; /* Unix seconds */
};

/* Fills *opts with the defaults: ECDSA, 3072-bit RSA when RSA is chosen,
 * SG_CERTS_DAYS_DEFAULT, SG_CERTS_CA_DAYS_DEFAULT, nothing else set. */
void sg_certs_opts_init(struct sg_certs_opts *opts);

/* Makes the key pairs and certificates and writes, in out_dir, ca.crt,
 * tls.crt, tls.key (mode 0600) and, for a new CA, ca.key (mode 0600); then
 * the patch when asked. The serving certificate's SANs are SERVICE,
 * SERVICE.NS, SERVICE.NS.svc, SERVICE.NS.svc.cluster.local, then the extra
 * names and addresses, without duplicates.
 *
 * Nothing is written unless every file can be: without opts->force an
 * existing file is refused before any key is made (a reused CA's own ca.crt,
 * already in out_dir, is not counted: it is left untouched). Each file is
 * written to a temporary file beside it and renamed into place, so a crash
 * never leaves half a key.
 *
 * Returns 0 and fills *res (cleared on entry); or SG_ERR_INVALID for bad
 * options or an unusable CA (not a CA, expired, key does not match),
 * SG_ERR_IO for a file that exists or cannot be written, SG_ERR_LIMIT for a
 * CA file over SG_CERTS_PEM_MAX, SG_ERR_TLS or SG_ERR_NOMEM when OpenSSL
 * fails; *res is then empty. */
int sg_certs_create(const struct sg_certs_opts *opts, struct sg_certs_result *res,
                    struct sg_error *err);

/* Frees what *res owns and clears it. NULL is a no-op. */
void sg_certs_result_release(struct sg_certs_result *res);

/* Checks a certificate chain and private key, both PEM, as the server loads
 * them. The first certificate is the leaf; every certificate must parse. The
 * key (ECDSA or RSA, PKCS#8 or traditional, not encrypted) must be the
 * leaf's. Returns 0 and sets *not_after_unix to the leaf's notAfter in Unix
 * seconds; an expired certificate is not an error, the caller decides.
 * Otherwise *not_after_unix is 0 and it returns SG_ERR_LIMIT when an input
 * is over SG_CERTS_PEM_MAX, SG_ERR_INVALID for a NULL argument, and
 * SG_ERR_TLS with a message saying what is wrong ("no certificate found in
 * PEM", "the private key does not match the certificate's public key ...").
 * Messages do not name files: the caller prefixes them. Thread-safe. */
int sg_certs_check_pair(const char *cert_pem, size_t cert_len, const char *key_pem, size_t key_len,
                        long long *not_after_unix, struct sg_error *err);

/* Argument checks shared with the command line, so that it can name the
 * option in its message. */
bool sg_certs_is_dns_label(const char *s); /* DNS-1123 label */
bool sg_certs_is_dns_name(const char *s);  /* DNS-1123 subdomain, optional "*.", not an IP */
bool sg_certs_is_ip(const char *s);        /* IPv4 or IPv6 (inet_pton) */

/* Writes Unix time `t` as "2026-11-28T19:48:00Z" (UTC) into buf. */
void sg_certs_format_time(long long t, char *buf, size_t len);

#endif
