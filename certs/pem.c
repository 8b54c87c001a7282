/* pem.c - see pem.h. */
#include "pem.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>

const char *sg_pem_openssl_reason(char *buf, size_t len)
{
    unsigned long e = ERR_peek_last_error();
    const char *reason = e != 0 ? ERR_reason_error_string(e) : NULL;

    if (e == 0)
        snprintf(buf, len, "no detail from OpenSSL");
    else if (reason != NULL)
        snprintf(buf, len, "%s", reason);
    else
        ERR_error_string_n(e, buf, len);
    ERR_clear_error();
    return buf;
}

int sg_pem_time_to_unix(const ASN1_TIME *t, long long *out)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    if (ASN1_TIME_to_tm(t, &tm) != 1)
        return -1;
    *out = (long long)timegm(&tm);
    return 0;
}

void sg_pem_format_time(long long t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, len, "%lld", t);
}

/* "EC P-256", "RSA 2048-bit": for messages about keys that do not match. */
static void describe_key(const EVP_PKEY *key, char *buf, size_t len)
{
    char group[64];
    const char *nist;
    size_t glen = 0;

    if (EVP_PKEY_is_a(key, "RSA")) {
        snprintf(buf, len, "RSA %d-bit", EVP_PKEY_get_bits(key));
    } else if (EVP_PKEY_is_a(key, "EC") &&
               EVP_PKEY_get_group_name(key, group, sizeof(group), &glen) == 1) {
        nist = EC_curve_nid2nist(OBJ_txt2nid(group));
        snprintf(buf, len, "EC %s", nist != NULL ? nist : group);
    } else {
        const char *name = EVP_PKEY_get0_type_name(key);
        snprintf(buf, len, "%s", name != NULL ? name : "unknown type");
    }
    ERR_clear_error();
}

static bool contains(const char *hay, size_t len, const char *needle)
{
    return memmem(hay, len, needle, strlen(needle)) != NULL;
}

int sg_pem_read_certs(const char *pem, size_t len, X509 **leaf, int *count, struct sg_error *err)
{
    char why[256];
    BIO *bio = NULL;
    X509 *first = NULL, *x = NULL;
    unsigned long e;
    bool no_more;
    int n = 0, rc;

    *leaf = NULL;
    *count = 0;
    bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL) {
        rc = sg_error_set(err, SG_ERR_NOMEM, "cannot read PEM: %s",
                          sg_pem_openssl_reason(why, sizeof(why)));
        goto out;
    }
    for (;;) {
        x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        if (x == NULL)
            break;
        n++;
        if (first == NULL)
            first = x;
        else
            X509_free(x);
        x = NULL;
    }
    /* The loop ends at the first failure: running out of PEM blocks is the
     * normal end, anything else is a block that does not parse. */
    e = ERR_peek_last_error();
    no_more = ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
    if (no_more && first == NULL) {
        rc = sg_error_set(err, SG_ERR_TLS, "no certificate found in PEM%s",
                          contains(pem, len, "PRIVATE KEY-----")
                              ? " (it holds a private key: are certificate and key swapped?)"
                              : "");
        goto out;
    }
    if (!no_more) {
        rc = sg_error_set(err, SG_ERR_TLS, "certificate %d in PEM is malformed: %s", n + 1,
                          sg_pem_openssl_reason(why, sizeof(why)));
        goto out;
    }
    ERR_clear_error();
    *leaf = first;
    *count = n;
    first = NULL;
    rc = 0;
out:
    X509_free(first);
    BIO_free(bio);
    return rc;
}

/* The passphrase callback: never prompt (the server has no terminal), just
 * note that a passphrase was wanted. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    *(bool *)u = true;
    return -1;
}

int sg_pem_read_key(const char *pem, size_t len, EVP_PKEY **key, struct sg_error *err)
{
    char why[256];
    BIO *bio = NULL;
    EVP_PKEY *k = NULL;
    bool encrypted = false;
    int rc;

    *key = NULL;
    if (!contains(pem, len, "PRIVATE KEY-----")) {
        rc = sg_error_set(err, SG_ERR_TLS, "no private key found in PEM%s",
                          contains(pem, len, "-----BEGIN CERTIFICATE-----")
                              ? " (it holds a certificate: are certificate and key swapped?)"
                              : "");
        goto out;
    }
    bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL) {
        rc = sg_error_set(err, SG_ERR_NOMEM, "cannot read PEM: %s",
                          sg_pem_openssl_reason(why, sizeof(why)));
        goto out;
    }
    k = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, &encrypted);
    if (k == NULL) {
        if (encrypted || contains(pem, len, "ENCRYPTED"))
            rc = sg_error_set(err, SG_ERR_TLS,
                              "the private key is encrypted; give it unencrypted (nothing can "
                              "ask for a passphrase)");
        else
            rc = sg_error_set(err, SG_ERR_TLS, "private key PEM is malformed: %s",
                              sg_pem_openssl_reason(why, sizeof(why)));
        ERR_clear_error();
        goto out;
    }
    *key = k;
    k = NULL;
    rc = 0;
out:
    EVP_PKEY_free(k);
    BIO_free(bio);
    return rc;
}

int sg_pem_match_key(X509 *cert, EVP_PKEY *key, struct sg_error *err)
{
    char kdesc[96], cdesc[96];
    EVP_PKEY *pub = X509_get0_pubkey(cert);
    int eq;

    if (pub == NULL) {
        ERR_clear_error();
        return sg_error_set(err, SG_ERR_TLS, "the certificate's public key cannot be read");
    }
    eq = EVP_PKEY_eq(pub, key);
    ERR_clear_error();
    if (eq == 1)
        return 0;
    describe_key(key, kdesc, sizeof(kdesc));
    describe_key(pub, cdesc, sizeof(cdesc));
    if (strcmp(kdesc, cdesc) != 0)
        return sg_error_set(err, SG_ERR_TLS,
                            "the private key does not match the certificate's public key (key "
                            "is %s, certificate's is %s)",
                            kdesc, cdesc);
    return sg_error_set(err, SG_ERR_TLS,
                        "the private key does not match the certificate's public key (both %s, "
                        "different keys)",
                        kdesc);
}

int sg_pem_check_pair(const char *cert_pem, size_t cert_len, const char *key_pem, size_t key_len,
                      long long *not_after_unix, struct sg_error *err)
{
    X509 *leaf = NULL;
    EVP_PKEY *key = NULL;
    long long not_after = 0;
    int count = 0, rc;

    if (not_after_unix != NULL)
        *not_after_unix = 0;
    if (cert_pem == NULL || key_pem == NULL || not_after_unix == NULL) {
        rc = sg_error_set(err, SG_ERR_INVALID, "sg_pem_check_pair: NULL argument");
        goto out;
    }
    if (cert_len > SG_PEM_MAX || key_len > SG_PEM_MAX) {
        rc = sg_error_set(err, SG_ERR_LIMIT, "%s PEM is %zu bytes, over the limit of %d",
                          cert_len > SG_PEM_MAX ? "certificate" : "private key",
                          cert_len > SG_PEM_MAX ? cert_len : key_len, SG_PEM_MAX);
        goto out;
    }
    ERR_clear_error();
    rc = sg_pem_read_certs(cert_pem, cert_len, &leaf, &count, err);
    if (rc != 0)
        goto out;
    rc = sg_pem_read_key(key_pem, key_len, &key, err);
    if (rc != 0)
        goto out;
    rc = sg_pem_match_key(leaf, key, err);
    if (rc != 0)
        goto out;
    if (sg_pem_time_to_unix(X509_get0_notAfter(leaf), &not_after) != 0) {
        rc = sg_error_set(err, SG_ERR_TLS, "the certificate's notAfter cannot be read");
        goto out;
    }
    *not_after_unix = not_after;
    rc = 0;
out:
    ERR_clear_error();
    EVP_PKEY_free(key);
    X509_free(leaf);
    return rc;
}
