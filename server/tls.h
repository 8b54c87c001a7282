/* tls.h - the serving certificate chain and key as an OpenSSL SSL_CTX:
 * read from files, checked (the key must match the leaf certificate), and
 * replaced on rotation.
 *
 * Each pair is one SSL_CTX with every TLS setting of the server. A new
 * connection takes a reference to the pair in force and keeps it for as
 * long as it lives, so a rotation never pulls a certificate from under an
 * open session; open keep-alive connections stay open, new handshakes get
 * the new pair. A pair that fails its checks is refused and the last good
 * one stays in force. With a client CA (read once, at start), every pair
 * requires and verifies a client certificate signed by it. */
#ifndef SG_TLS_H
#define SG_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "pem.h"
#include "error.h"
#include "snapshot.h"

/* TLS 1.2 and 1.3 only, ECDHE key exchange, AEAD ciphers only; the Go TLS
 * stack of the Kubernetes API server offers all of these. Our order wins:
 * AES-128-GCM first (the CPU's AES and SHA-256 instructions), X25519
 * first. No session tickets or cache: the API server does not resume. */
#define SG_TLS12_CIPHERS                                                                           \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                                   \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                                   \
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
#define SG_TLS13_SUITES "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
#define SG_TLS_GROUPS   "X25519:P-256:P-384"

/* Bounds on what we read: certs/ checks at most SG_PEM_MAX bytes of
 * PEM; a chain has a leaf and a few intermediates. */
#define SG_TLS_MAX_PEM_BYTES SG_PEM_MAX
#define SG_TLS_MAX_CHAIN     16

struct sg_tls_pair;
struct sg_tls_store;

/* Loads and checks the pair, and the client CA bundle when client_ca_path
 * is not NULL. On failure, err names the file and what is wrong ("key
 * '/x/tls.key' does not match certificate '/x/tls.crt'"). */
int sg_tls_store_new(const char *cert_path, const char *key_path, const char *client_ca_path,
                     struct sg_tls_store **out, struct sg_error *err);

/* Re-reads the pair when either file changed on disk since the last
 * attempt (or always, with force). Returns 0 with *reloaded telling whether
 * a new pair is now in force, or an error (the old pair stays). */
int sg_tls_store_reload(struct sg_tls_store *store, bool force, bool *reloaded,
                        struct sg_error *err);

/* A reference to the pair in force; value is a const struct sg_tls_pair *.
 * Release with sg_snapshot_release. NULL only when out of memory earlier. */
struct sg_snapshot *sg_tls_store_acquire(struct sg_tls_store *store);

/* notAfter of the leaf certificate in force, unix seconds. */
long long sg_tls_store_not_after(struct sg_tls_store *store);

/* Whether client certificates are required (a client CA was given). */
bool sg_tls_store_requires_client_cert(const struct sg_tls_store *store);

/* The pair's context, for SSL_new; borrowed for the pair's lifetime. */
SSL_CTX *sg_tls_pair_ctx(const struct sg_tls_pair *pair);

void sg_tls_store_free(struct sg_tls_store *store); /* NULL is a no-op */

#endif
