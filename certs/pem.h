/* pem.h - PEM certificates and private keys read and checked with OpenSSL
 * 3: what the server needs before it serves a certificate and key (that
 * they parse and belong together), and what `certs` needs of a CA it is
 * given. Bytes in, OpenSSL objects or a verdict out; no files. */
#ifndef SG_PEM_H
#define SG_PEM_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "error.h"

/* Largest PEM input read from a file or passed here. A certificate chain
 * with a few intermediates is a few KiB. */
#define SG_PEM_MAX (256 * 1024)

/* Parses every certificate in pem[0..len). *leaf gets the first (owned by
 * the caller: X509_free), *count how many there were. SG_ERR_TLS says
 * which one is malformed, or that there is none. */
int sg_pem_read_certs(const char *pem, size_t len, X509 **leaf, int *count, struct sg_error *err);

/* Parses an unencrypted private key (ECDSA or RSA, PKCS#8 or traditional).
 * *key is owned by the caller (EVP_PKEY_free). An encrypted key is refused
 * without asking for a passphrase. */
int sg_pem_read_key(const char *pem, size_t len, EVP_PKEY **key, struct sg_error *err);

/* 0 when key is cert's; otherwise SG_ERR_TLS saying how they differ (type
 * and size, or "different keys"). */
int sg_pem_match_key(X509 *cert, EVP_PKEY *key, struct sg_error *err);

/* Checks a certificate chain and private key, both PEM, as the server loads
 * them. The first certificate is the leaf; every certificate must parse. The
 * key must be the leaf's. Returns 0 and sets *not_after_unix to the leaf's
 * notAfter in Unix seconds; an expired certificate is not an error, the
 * caller decides. Otherwise *not_after_unix is 0 and it returns SG_ERR_LIMIT
 * when an input is over SG_PEM_MAX, SG_ERR_INVALID for a NULL argument, and
 * SG_ERR_TLS with a message saying what is wrong ("no certificate found in
 * PEM", "the private key does not match the certificate's public key ...").
 * Messages do not name files: the caller prefixes them. Thread-safe. */
int sg_pem_check_pair(const char *cert_pem, size_t cert_len, const char *key_pem, size_t key_len,
                      long long *not_after_unix, struct sg_error *err);

/* An ASN.1 time as Unix seconds; -1 when it cannot be read. */
int sg_pem_time_to_unix(const ASN1_TIME *t, long long *out);

/* Writes Unix time `t` as "2026-11-28T19:48:00Z" (UTC) into buf. */
void sg_pem_format_time(long long t, char *buf, size_t len);

/* OpenSSL's reason for the newest error on this thread's queue, written
 * into buf (returned), for the end of our own message. The queue is
 * cleared, so a later failure reports no stale reason. */
const char *sg_pem_openssl_reason(char *buf, size_t len);

#endif
