/* tls.h - the serving certificate chain and key: read from files, checked
 * (the key must match the leaf certificate), and replaced on rotation.
 *
 * Every TLS handshake asks for the current pair (through the GnuTLS
 * certificate callback that server.c installs) and keeps a reference to it
 * for as long as its connection lives, so a rotation never pulls a
 * certificate from under an open session; open keep-alive connections stay
 * open, new handshakes get the new pair. A pair that fails its checks is
 * refused and the last good one stays in force. */
#ifndef SG_TLS_H
#define SG_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include "certs.h"
#include "error.h"
#include "snapshot.h"

/* TLS 1.2 and 1.3 only, ECDHE key exchange, AEAD ciphers only; the Go TLS
 * stack of the Kubernetes API server offers all of these. Our order wins:
 * AES-128-GCM first, whose SHA-256 key schedule runs on the CPU's SHA
 * instructions (AES-256-GCM's SHA-384 was a fifth of a handshake's CPU),
 * and X25519 first (a P-256 key exchange costs more in nettle). */
#define SG_TLS_PRIORITIES                                                                          \
    "SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:"         \
    "+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:-GROUP-ALL:+GROUP-X25519:"  \
    "+GROUP-SECP256R1:+GROUP-SECP384R1:%SERVER_PRECEDENCE"

/* Bounds on what we read: certs/ checks at most SG_CERTS_PEM_MAX bytes of
 * PEM; a chain has a leaf and a few intermediates. */
#define SG_TLS_MAX_PEM_BYTES SG_CERTS_PEM_MAX
#define SG_TLS_MAX_CHAIN     16

struct sg_tls_pair;
struct sg_tls_store;

/* Loads and checks the pair. On failure, err names the file and what is
 * wrong ("key '/x/tls.key' does not match certificate '/x/tls.crt'"). */
int sg_tls_store_new(const char *cert_path, const char *key_path, struct sg_tls_store **out,
                     struct sg_error *err);

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

/* The chain and key of a pair, borrowed for the pair's lifetime, in the
 * form a gnutls_certificate_retrieve_function2 returns. */
void sg_tls_pair_get(const struct sg_tls_pair *pair, gnutls_pcert_st **pcert, unsigned *n,
                     gnutls_privkey_t *key);

void sg_tls_store_free(struct sg_tls_store *store); /* NULL is a no-op */

/* Reads a PEM bundle of CA certificates (for --client-ca), checking that it
 * holds at least one certificate. *pem is malloc'd, NUL-terminated, owned by
 * the caller. */
int sg_tls_read_ca(const char *path, char **pem, struct sg_error *err);

#endif
