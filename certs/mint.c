/* mint.c - see mint.h. */
#include "mint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "file.h"
#include "pem.h"

/* Serial numbers are 128 random bits: unique without any state to keep, and
 * well over the 64 bits of entropy the CA/Browser Forum asks for. */
#define SERIAL_BYTES 16
/* notBefore is set this far in the past so that a node whose clock is a
 * little behind does not reject a certificate made a moment ago. */
#define BACKDATE_SECONDS (5 * 60)

static int read_pem_file(const char *path, char **out, size_t *out_len, struct sg_error *err)
{
    return sg_file_read(path, SG_PEM_MAX, out, out_len, NULL, err);
}

int sg_mint_key(enum sg_mint_key_type type, int rsa_bits, EVP_PKEY **out, struct sg_error *err)
{
    char why[256];

    if (type == SG_MINT_KEY_RSA)
        *out = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)rsa_bits);
    else
        *out = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (*out == NULL)
        return sg_error_set(err, SG_ERR_TLS, "cannot make a %s key: %s",
                            type == SG_MINT_KEY_RSA ? "RSA" : "ECDSA P-256",
                            sg_pem_openssl_reason(why, sizeof(why)));
    return 0;
}

static int set_serial(X509 *x, struct sg_error *err)
{
    char why[256];
    unsigned char bytes[SERIAL_BYTES];
    BIGNUM *bn = NULL;
    ASN1_INTEGER *serial = NULL;
    int rc;

    /* A zero serial is not allowed (RFC 5280 4.1.2.2); 2^-128 odds, but the
     * loop costs nothing. BN_bin2bn reads unsigned, so it is positive. */
    do {
        if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
            rc = sg_error_set(err, SG_ERR_TLS, "no random serial number: %s",
                              sg_pem_openssl_reason(why, sizeof(why)));
            goto out;
        }
        BN_free(bn);
        bn = BN_bin2bn(bytes, sizeof(bytes), NULL);
    } while (bn != NULL && BN_is_zero(bn));
    serial = bn != NULL ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
    if (serial == NULL || X509_set_serialNumber(x, serial) != 1) {
        rc = sg_error_set(err, SG_ERR_TLS, "cannot set the serial number: %s",
                          sg_pem_openssl_reason(why, sizeof(why)));
        goto out;
    }
    rc = 0;
out:
    ASN1_INTEGER_free(serial);
    BN_free(bn);
    return rc;
}

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value, struct sg_error *err)
{
    char why[256];
    X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
    int rc = 0;

    if (ext == NULL || X509_add_ext(x, ext, -1) != 1)
        rc = sg_error_set(err, SG_ERR_TLS, "cannot add %s '%s': %s", OBJ_nid2ln(nid), value,
                          sg_pem_openssl_reason(why, sizeof(why)));
    X509_EXTENSION_free(ext);
    return rc;
}

static int add_sans(X509 *x, const struct sg_san_set *s, struct sg_error *err)
{
    char why[256];
    GENERAL_NAMES *names = sk_GENERAL_NAME_new_null();
    GENERAL_NAME *gn = NULL;
    ASN1_STRING *str = NULL;
    int rc;

    if (names == NULL)
        goto fail;
    for (size_t i = 0; i < s->n_dns + s->n_ip; i++) {
        bool dns = i < s->n_dns;

        gn = GENERAL_NAME_new();
        str = dns ? ASN1_IA5STRING_new() : ASN1_OCTET_STRING_new();
        if (gn == NULL || str == NULL)
            goto fail;
        if (dns && ASN1_STRING_set(str, s->dns[i], (int)strlen(s->dns[i])) != 1)
            goto fail;
        if (!dns &&
            ASN1_OCTET_STRING_set(str, s->ip[i - s->n_dns].addr, s->ip[i - s->n_dns].len) != 1)
            goto fail;
        GENERAL_NAME_set0_value(gn, dns ? GEN_DNS : GEN_IPADD, str);
        str = NULL;
        if (sk_GENERAL_NAME_push(names, gn) <= 0)
            goto fail;
        gn = NULL;
    }
    if (X509_add1_ext_i2d(x, NID_subject_alt_name, names, 0, X509V3_ADD_DEFAULT) != 1)
        goto fail;
    rc = 0;
    goto out;
fail:
    rc = sg_error_set(err, SG_ERR_TLS, "cannot add the subjectAltName: %s",
                      sg_pem_openssl_reason(why, sizeof(why)));
out:
    ASN1_STRING_free(str);
    GENERAL_NAME_free(gn);
    GENERAL_NAMES_free(names);
    return rc;
}

/* A CA's extensions (sans NULL) or a serving certificate's. */
static int add_extensions(X509 *x, X509 *issuer, EVP_PKEY *key, const struct sg_san_set *sans,
                          struct sg_error *err)
{
    X509V3_CTX ctx;
    int rc;

    /* The subject key identifier must exist before the authority key
     * identifier is derived from it (the CA is its own issuer). */
    X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
    if (sans == NULL) {
        rc = add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0", err);
        if (rc == 0)
            rc = add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign", err);
    } else {
        rc = add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE", err);
        /* RSA key exchange (TLS 1.2 without ECDHE) encrypts to the key. */
        if (rc == 0)
            rc = add_ext(x, &ctx, NID_key_usage,
                         EVP_PKEY_is_a(key, "RSA") ? "critical,digitalSignature,keyEncipherment"
                                                   : "critical,digitalSignature",
                         err);
        if (rc == 0)
            rc = add_ext(x, &ctx, NID_ext_key_usage, "serverAuth", err);
        if (rc == 0)
            rc = add_sans(x, sans, err);
    }
    if (rc == 0)
        rc = add_ext(x, &ctx, NID_subject_key_identifier, "hash", err);
    if (rc == 0)
        rc = add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always", err);
    return rc;
}

int sg_mint_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, int days,
                 const struct sg_san_set *sans, X509 **out, bool *capped, struct sg_error *err)
{
    char why[256];
    X509 *x = NULL;
    int rc;

    *out = NULL;
    *capped = false;
    x = X509_new();
    if (x == NULL || X509_set_version(x, X509_VERSION_3) != 1) {
        rc = sg_error_set(err, SG_ERR_NOMEM, "cannot make a certificate: %s",
                          sg_pem_openssl_reason(why, sizeof(why)));
        goto out;
    }
    rc = set_serial(x, err);
    if (rc != 0)
        goto out;
    if (X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
                                   (const unsigned char *)cn, -1, -1, 0) != 1 ||
        X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer)
                                               : X509_get_subject_name(x)) != 1 ||
        X509_gmtime_adj(X509_getm_notBefore(x), -BACKDATE_SECONDS) == NULL ||
        X509_time_adj_ex(X509_getm_notAfter(x), days, 0, NULL) == NULL ||
        X509_set_pubkey(x, key) != 1) {
        rc = sg_error_set(err, SG_ERR_TLS, "cannot fill in the certificate for '%s': %s", cn,
                          sg_pem_openssl_reason(why, sizeof(why)));
        goto out;
    }
    if (issuer != NULL &&
        ASN1_TIME_compare(X509_get0_notAfter(x), X509_get0_notAfter(issuer)) > 0) {
        if (X509_set1_notAfter(x, X509_get0_notAfter(issuer)) != 1) {
            rc = sg_error_set(err, SG_ERR_TLS, "cannot set notAfter: %s",
                              sg_pem_openssl_reason(why, sizeof(why)));
            goto out;
        }
        *capped = true;
    }
    rc = add_extensions(x, issuer, key, sans, err);
    if (rc != 0)
        goto out;
    if (X509_sign(x, issuer_key, EVP_sha256()) <= 0) {
        rc = sg_error_set(err, SG_ERR_TLS, "cannot sign the certificate for '%s': %s", cn,
                          sg_pem_openssl_reason(why, sizeof(why)));
        goto out;
    }
    *out = x;
    x = NULL;
    rc = 0;
out:
    X509_free(x);
    return rc;
}

/* The user's CA files are input: whatever is wrong with them is
 * SG_ERR_INVALID (exit 2), with what was wrong kept in the message. */
static int ca_input_error(int rc, struct sg_error *err)
{
    if (rc == SG_ERR_NOMEM)
        return rc;
    if (err != NULL)
        err->code = SG_ERR_INVALID;
    return SG_ERR_INVALID;
}

/* That a loaded CA can sign: one certificate, CA:TRUE, allowed to sign
 * certificates, not expired, a key that is its own and of a type we sign
 * with. Every refusal is SG_ERR_INVALID (the files are the user's input). */
static int check_ca(X509 *x, int count, EVP_PKEY *k, const char *cert_path, const char *key_path,
                    struct sg_error *err)
{
    char when[32];
    const char *type;
    long long not_after = 0;
    int rc = SG_ERR_INVALID;

    if (count != 1) {
        sg_error_set(err, rc,
                     "CA certificate '%s' holds %d certificates; give only the CA that signs",
                     cert_path, count);
        return rc;
    }
    if (X509_check_ca(x) != 1) {
        sg_error_set(err, rc, "'%s' is not a CA certificate (no basicConstraints CA:TRUE)",
                     cert_path);
        return rc;
    }
    if ((X509_get_extension_flags(x) & EXFLAG_KUSAGE) != 0 &&
        (X509_get_key_usage(x) & KU_KEY_CERT_SIGN) == 0) {
        sg_error_set(err, rc,
                     "CA certificate '%s' may not sign certificates (keyUsage lacks keyCertSign)",
                     cert_path);
        return rc;
    }
    if (sg_pem_time_to_unix(X509_get0_notAfter(x), &not_after) != 0 ||
        not_after <= (long long)time(NULL)) {
        sg_pem_format_time(not_after, when, sizeof(when));
        sg_error_set(err, rc, "CA certificate '%s' expired on %s", cert_path, when);
        return rc;
    }
    if (!EVP_PKEY_is_a(k, "RSA") && !EVP_PKEY_is_a(k, "EC")) {
        type = EVP_PKEY_get0_type_name(k);
        sg_error_set(err, rc, "CA key '%s' is %s; only ECDSA and RSA CAs are supported", key_path,
                     type != NULL ? type : "of an unknown type");
        return rc;
    }
    if (sg_pem_match_key(x, k, err) != 0) {
        sg_error_prefix(err, "CA key '%s' does not belong to CA certificate '%s'", key_path,
                        cert_path);
        return ca_input_error(SG_ERR_TLS, err);
    }
    return 0;
}

int sg_mint_load_ca(const char *cert_path, const char *key_path, X509 **ca, EVP_PKEY **ca_key,
                    struct sg_error *err)
{
    char *cert_pem = NULL, *key_pem = NULL;
    size_t cert_len = 0, key_len = 0;
    X509 *x = NULL;
    EVP_PKEY *k = NULL;
    int count = 0, rc;

    *ca = NULL;
    *ca_key = NULL;
    rc = read_pem_file(cert_path, &cert_pem, &cert_len, err);
    if (rc == 0)
        rc = read_pem_file(key_path, &key_pem, &key_len, err);
    if (rc != 0) {
        rc = ca_input_error(rc, err);
        goto out;
    }
    rc = sg_pem_read_certs(cert_pem, cert_len, &x, &count, err);
    if (rc != 0) {
        sg_error_prefix(err, "CA certificate '%s'", cert_path);
        rc = ca_input_error(rc, err);
        goto out;
    }
    rc = sg_pem_read_key(key_pem, key_len, &k, err);
    if (rc != 0) {
        sg_error_prefix(err, "CA key '%s'", key_path);
        rc = ca_input_error(rc, err);
        goto out;
    }
    rc = check_ca(x, count, k, cert_path, key_path, err);
    if (rc != 0)
        goto out;
    *ca = x;
    *ca_key = k;
    x = NULL;
    k = NULL;
    rc = 0;
out:
    ERR_clear_error();
    X509_free(x);
    EVP_PKEY_free(k);
    free(cert_pem);
    if (key_pem != NULL)
        OPENSSL_cleanse(key_pem, key_len);
    free(key_pem);
    return rc;
}
