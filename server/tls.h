/* tls.h - the serving certificate and key as GnuTLS holds them, their
 * rotation, the client CA, and what TLS saw of each connection.
 *
 * libmicrohttpd runs TLS itself (GnuTLS); this module hands it the
 * certificate through MHD_OPTION_HTTPS_CERT_CALLBACK. Each handshake takes a
 * reference to the pair in force and keeps it for as long as its connection
 * lives, so a rotation never pulls a certificate from under an open session:
 * open keep-alive connections stay open, new handshakes get the new pair. A
 * pair is checked before it is served: the key must be the leaf's
 * (sg_pem_check_pair, the same rules as `seccomp-guard certs`) and the
 * leaf must be valid now. A pair that fails is refused, at start and on
 * reload, and the last good one stays in force.
 *
 * With a client CA (read once, at start), every handshake requires a client
 * certificate that the CA signed; any certificate in the file is a trust
 * anchor, so an issuing CA alone is enough. A refused handshake leaves its
 * reason in the connection's sg_tls_conn, in GnuTLS's words. */
#ifndef SG_TLS_H
#define SG_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include "pem.h"
#include "error.h"
#include "snapshot.h"

/* TLS 1.2 and 1.3 only, ECDHE key exchange, AEAD ciphers only; the Go TLS
 * stack of the Kubernetes API server offers all of these. Our order wins:
 * AES-128-GCM first (its SHA-256 key schedule runs on the CPU's SHA
 * instructions), X25519 first. No session tickets: the API server does not
 * resume, and a ticket is an encryption per handshake. */
#define SG_TLS_PRIORITIES                                                                          \
    "SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:"         \
    "+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:-GROUP-ALL:+GROUP-X25519:"  \
    "+GROUP-SECP256R1:+GROUP-SECP384R1:%SERVER_PRECEDENCE:%NO_TICKETS"

/* Bounds on what we read: certs/ checks at most SG_PEM_MAX bytes of
 * PEM; a chain has a leaf and a few intermediates. */
#define SG_TLS_MAX_PEM_BYTES SG_PEM_MAX
#define SG_TLS_MAX_CHAIN     16
/* A refusal's reason as kept for the log; GnuTLS's are shorter. */
#define SG_TLS_WHY_MAX 160

struct sg_tls_pair;
struct sg_tls_store;

/* What TLS saw of one connection. Embedded in its record (conns.h), set
 * up by sg_tls_conn_start and touched only by the connection's thread. */
struct sg_tls_conn {
    struct sg_tls_store *store;
    struct sg_snapshot *pair; /* the pair its handshake got; NULL before */
    bool hello;               /* a ClientHello came */
    bool answered;            /* our ServerHello went out */
    bool finished;            /* the client's Finished came: handshaken */
    bool refused;             /* we refused it; why[] says why */
    char why[SG_TLS_WHY_MAX];
};

/* Loads and checks the pair, and the client CA bundle when client_ca_path
 * is not NULL. On failure, err names the file and what is wrong ("key
 * '/x/tls.key' does not match certificate '/x/tls.crt'", "certificate
 * '/x/tls.crt' expired at 2026-01-01T00:00:00Z"). */
int sg_tls_store_new(const char *cert_path, const char *key_path, const char *client_ca_path,
                     struct sg_tls_store **out, struct sg_error *err);

/* Re-reads the pair when either file changed on disk since the last
 * attempt (or always, with force). Returns 0 with *reloaded telling whether
 * a new pair is now in force, or an error (the old pair stays). */
int sg_tls_store_reload(struct sg_tls_store *store, bool force, bool *reloaded,
                        struct sg_error *err);

/* notAfter of the leaf certificate in force, unix seconds. */
long long sg_tls_store_not_after(struct sg_tls_store *store);

/* The client CA bundle as NUL-terminated PEM (for libmicrohttpd's
 * MHD_OPTION_HTTPS_MEM_TRUST), borrowed; NULL without --client-ca. */
const char *sg_tls_store_client_ca(const struct sg_tls_store *store);

void sg_tls_store_free(struct sg_tls_store *store); /* NULL is a no-op */

/* Prepares a new connection's session (libmicrohttpd's STARTED
 * notification): the handshake is watched, and with a client CA a client
 * certificate is required and verified. */
void sg_tls_conn_start(struct sg_tls_store *store, gnutls_session_t session, struct sg_tls_conn *t);

/* Drops the connection's reference to its pair (after GnuTLS let go of
 * the session). */
void sg_tls_conn_release(struct sg_tls_conn *t);

/* The GnuTLS certificate callback for MHD_OPTION_HTTPS_CERT_CALLBACK. */
int sg_tls_certificate_callback(gnutls_session_t session, const gnutls_datum_t *req_ca_dn,
                                int nreqs, const gnutls_pk_algorithm_t *pk_algos,
                                int pk_algos_length, gnutls_pcert_st **pcert,
                                unsigned int *pcert_length, gnutls_privkey_t *pkey);

#endif
