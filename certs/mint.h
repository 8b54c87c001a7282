/* mint.h - key pairs and X.509 certificates made with OpenSSL 3 EVP (no
 * deprecated RSA_ or EC_KEY_ calls, no `openssl` child process): a
 * self-signed CA, a serving certificate it signs, and a CA the user gives,
 * loaded and checked fit to sign. */
#ifndef SG_MINT_H
#define SG_MINT_H

#include <stdbool.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "error.h"
#include "san.h"

enum sg_mint_key_type {
    SG_MINT_KEY_ECDSA = 0, /* ECDSA on NIST P-256 */
    SG_MINT_KEY_RSA = 1,   /* RSA of rsa_bits: 2048, 3072 or 4096 */
};

/* A new key pair; *out is owned by the caller (EVP_PKEY_free). */
int sg_mint_key(enum sg_mint_key_type type, int rsa_bits, EVP_PKEY **out, struct sg_error *err);

/* Makes a certificate for key with common name cn, valid for `days`,
 * signed by issuer_key; issuer NULL means self-signed. sans NULL makes a
 * CA (CA:TRUE, pathlen 0, keyCertSign), otherwise a serving certificate
 * for those names (serverAuth). When the issuer expires first, notAfter is
 * the issuer's and *capped is set: a certificate cannot be trusted past
 * its CA, so promising more would lie. *out is owned by the caller. */
int sg_mint_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, int days,
                 const struct sg_san_set *sans, X509 **out, bool *capped, struct sg_error *err);

/* Loads a CA to sign with from its PEM files and checks it can: one
 * certificate, CA:TRUE, allowed to sign certificates, not expired, a key
 * that is its own and of a type we sign with. Whatever is wrong with the
 * files is SG_ERR_INVALID (they are the user's input), with the reason
 * kept in the message; SG_ERR_NOMEM stays itself. */
int sg_mint_load_ca(const char *cert_path, const char *key_path, X509 **ca, EVP_PKEY **ca_key,
                    struct sg_error *err);

#endif
