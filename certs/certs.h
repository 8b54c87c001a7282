/* certs.h - the `certs` job: makes a CA (or reuses one) and a serving
 * certificate whose names fit the webhook Service, and writes them as the
 * PEM files a Kubernetes TLS Secret holds, with the caBundle and its
 * kustomize patch. The folder's other modules are its steps: san.h (the
 * names), mint.h (keys and certificates), pem.h (reading and checking PEM;
 * the server uses it alone), bundle.h (the caBundle). Nothing here prints
 * or shells out. */
#ifndef SG_CERTS_H
#define SG_CERTS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "mint.h"
#include "san.h"

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

/* What sg_certs_create makes. Every pointer is borrowed for the call. */
struct sg_certs_opts {
    const char *service;              /* the Service's name, a DNS-1123 label */
    const char *namespace;            /* its namespace, a DNS-1123 label */
    const char *out_dir;              /* made (mode 0700) when missing; its parent must exist */
    const char *const *dns;           /* extra DNS names (DNS-1123 subdomains, "*." allowed) */
    size_t n_dns;                     /* at most SG_SAN_EXTRA_MAX */
    const char *const *ips;           /* extra IPv4 or IPv6 addresses, as text */
    size_t n_ips;                     /* at most SG_SAN_EXTRA_MAX */
    enum sg_mint_key_type key_type;   /* for the serving key and a new CA's key */
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
 * CA file over SG_PEM_MAX, SG_ERR_TLS or SG_ERR_NOMEM when OpenSSL
 * fails; *res is then empty. */
int sg_certs_create(const struct sg_certs_opts *opts, struct sg_certs_result *res,
                    struct sg_error *err);

/* Frees what *res owns and clears it. NULL is a no-op. */
void sg_certs_result_release(struct sg_certs_result *res);

#endif
