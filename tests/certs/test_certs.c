/* test_certs.c - unit tests for certs/: sg_pem_check_pair against pairs
 * made here with OpenSSL directly (so a bug in sg_certs_create cannot hide
 * one in the check), the argument checks, and sg_certs_create's result. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "certs.h"
#include "pem.h"

/* 2030-01-01T00:00:00Z and 2020-01-01T00:00:00Z. */
#define T2030     "20300101000000Z"
#define T2030_SEC 1893456000LL
#define T2040     "20400101000000Z"
#define T2020     "20200101000000Z"
#define T2020_SEC 1577836800LL

static EVP_PKEY *ec_key(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(k);
    return k;
}

static EVP_PKEY *rsa_key(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    assert_non_null(k);
    return k;
}

/* A self-signed certificate for key, expiring at not_after (ASN.1 text). */
static X509 *cert_for(EVP_PKEY *key, const char *cn, const char *not_after)
{
    X509 *x = X509_new();
    assert_non_null(x);
    assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 1), 1);
    assert_int_equal(X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                                                (const unsigned char *)cn, -1, -1, 0),
                     1);
    assert_int_equal(X509_set_issuer_name(x, X509_get_subject_name(x)), 1);
    assert_int_equal(ASN1_TIME_set_string(X509_getm_notBefore(x), "20190101000000Z"), 1);
    assert_int_equal(ASN1_TIME_set_string_X509(X509_getm_notAfter(x), not_after), 1);
    assert_int_equal(X509_set_pubkey(x, key), 1);
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    return x;
}

/* Everything written to a memory BIO, as a NUL-terminated string. */
static char *bio_string(BIO *bio)
{
    char *data = NULL;
    long len = BIO_get_mem_data(bio, &data);
    char *out = malloc((size_t)len + 1);

    assert_non_null(out);
    memcpy(out, data, (size_t)len);
    out[len] = '\0';
    BIO_free(bio);
    return out;
}

static char *cert_pem(X509 *x)
{
    BIO *bio = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_X509(bio, x), 1);
    return bio_string(bio);
}

static char *key_pkcs8(EVP_PKEY *k)
{
    BIO *bio = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL), 1);
    return bio_string(bio);
}

static char *key_traditional(EVP_PKEY *k)
{
    BIO *bio = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PrivateKey_traditional(bio, k, NULL, NULL, 0, NULL, NULL), 1);
    return bio_string(bio);
}

static char *concat(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *out = malloc(la + lb + 1);

    assert_non_null(out);
    memcpy(out, a, la);
    memcpy(out + la, b, lb + 1);
    return out;
}

/* Runs the check; the out-parameter starts dirty to prove it is cleared. */
static int check(const char *cert, const char *key, long long *not_after, struct sg_error *err)
{
    *not_after = -1;
    sg_error_clear(err);
    return sg_pem_check_pair(cert, strlen(cert), key, strlen(key), not_after, err);
}

static void expect_error(const char *cert, const char *key, int code, const char *needle)
{
    struct sg_error err;
    long long na;
    int rc = check(cert, key, &na, &err);

    if (rc != code || strstr(err.msg, needle) == NULL)
        fail_msg("expected code %d with '%s', got %d: '%s'", code, needle, rc, err.msg);
    assert_int_equal(na, 0);
}

static void expect_ok(const char *cert, const char *key, long long want_not_after)
{
    struct sg_error err;
    long long na;
    int rc = check(cert, key, &na, &err);

    if (rc != 0)
        fail_msg("expected a match, got %d: '%s'", rc, err.msg);
    assert_int_equal(na, want_not_after);
}

/* A matching pair, with the key in the given encoding. */
static void pair_ok(EVP_PKEY *k, bool traditional, const char *want_header)
{
    X509 *x = cert_for(k, "leaf", T2030);
    char *c = cert_pem(x);
    char *kp = traditional ? key_traditional(k) : key_pkcs8(k);

    /* The encoding really is the one this case is about. */
    assert_non_null(strstr(kp, want_header));
    expect_ok(c, kp, T2030_SEC);
    free(c);
    free(kp);
    X509_free(x);
    EVP_PKEY_free(k);
}

static void test_ecdsa_pkcs8(void **state)
{
    (void)state;
    pair_ok(ec_key(), false, "-----BEGIN PRIVATE KEY-----");
}

static void test_ecdsa_traditional(void **state)
{
    (void)state;
    pair_ok(ec_key(), true, "-----BEGIN EC PRIVATE KEY-----");
}

static void test_rsa_pkcs8(void **state)
{
    (void)state;
    pair_ok(rsa_key(), false, "-----BEGIN PRIVATE KEY-----");
}

static void test_rsa_traditional(void **state)
{
    (void)state;
    pair_ok(rsa_key(), true, "-----BEGIN RSA PRIVATE KEY-----");
}

static void test_expired_is_not_an_error(void **state)
{
    EVP_PKEY *k = ec_key();
    X509 *x = cert_for(k, "old", T2020);
    char *c = cert_pem(x), *kp = key_pkcs8(k);

    (void)state;
    expect_ok(c, kp, T2020_SEC);
    free(c);
    free(kp);
    X509_free(x);
    EVP_PKEY_free(k);
}

static void test_mismatch_same_type(void **state)
{
    EVP_PKEY *k1 = ec_key(), *k2 = ec_key();
    X509 *x = cert_for(k1, "leaf", T2030);
    char *c = cert_pem(x), *kp = key_pkcs8(k2);

    (void)state;
    expect_error(c, kp, SG_ERR_TLS, "private key does not match the certificate's public key");
    free(c);
    free(kp);
    X509_free(x);
    EVP_PKEY_free(k1);
    EVP_PKEY_free(k2);
}

static void test_mismatch_rsa_key_ec_cert(void **state)
{
    EVP_PKEY *ek = ec_key(), *rk = rsa_key();
    X509 *x = cert_for(ek, "leaf", T2030);
    char *c = cert_pem(x), *kp = key_pkcs8(rk);

    (void)state;
    expect_error(c, kp, SG_ERR_TLS, "key is RSA 2048-bit, certificate's is EC P-256");
    free(c);
    free(kp);
    X509_free(x);
    EVP_PKEY_free(ek);
    EVP_PKEY_free(rk);
}

/* leaf then its CA: the leaf decides, and the key must be the leaf's. */
static void test_chain(void **state)
{
    EVP_PKEY *leaf_key = ec_key(), *ca_key = rsa_key();
    X509 *leaf = cert_for(leaf_key, "leaf", T2030), *ca = cert_for(ca_key, "ca", T2040);
    char *lp = cert_pem(leaf), *cp = cert_pem(ca), *chain = concat(lp, cp);
    char *lk = key_pkcs8(leaf_key), *ck = key_pkcs8(ca_key);

    (void)state;
    expect_ok(chain, lk, T2030_SEC);
    expect_error(chain, ck, SG_ERR_TLS, "does not match");
    free(lp);
    free(cp);
    free(chain);
    free(lk);
    free(ck);
    X509_free(leaf);
    X509_free(ca);
    EVP_PKEY_free(leaf_key);
    EVP_PKEY_free(ca_key);
}

static void test_garbage_cert(void **state)
{
    EVP_PKEY *k = ec_key();
    char *kp = key_pkcs8(k);

    (void)state;
    expect_error("hello, world\n", kp, SG_ERR_TLS, "no certificate found in PEM");
    expect_error("", kp, SG_ERR_TLS, "no certificate found in PEM");
    expect_error("-----BEGIN CERTIFICATE-----\nnot base64 at all!!\n-----END CERTIFICATE-----\n",
                 kp, SG_ERR_TLS, "certificate 1 in PEM is malformed");
    /* Valid base64, not a certificate. */
    expect_error("-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n", kp,
                 SG_ERR_TLS, "certificate 1 in PEM is malformed");
    free(kp);
    EVP_PKEY_free(k);
}

static void test_second_certificate_corrupt(void **state)
{
    EVP_PKEY *k = ec_key();
    X509 *x = cert_for(k, "leaf", T2030);
    char *c = cert_pem(x), *kp = key_pkcs8(k);
    char *chain =
        concat(c, "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n");

    (void)state;
    expect_error(chain, kp, SG_ERR_TLS, "certificate 2 in PEM is malformed");
    free(chain);
    free(c);
    free(kp);
    X509_free(x);
    EVP_PKEY_free(k);
}

static void test_garbage_key(void **state)
{
    EVP_PKEY *k = ec_key();
    X509 *x = cert_for(k, "leaf", T2030);
    char *c = cert_pem(x);

    (void)state;
    expect_error(c, "", SG_ERR_TLS, "no private key found in PEM");
    expect_error(c, "just text", SG_ERR_TLS, "no private key found in PEM");
    expect_error(c, "-----BEGIN PRIVATE KEY-----\naGVsbG8gd29ybGQ=\n-----END PRIVATE KEY-----\n",
                 SG_ERR_TLS, "private key PEM is malformed");
    free(c);
    X509_free(x);
    EVP_PKEY_free(k);
}

static void test_swapped(void **state)
{
    EVP_PKEY *k = ec_key();
    X509 *x = cert_for(k, "leaf", T2030);
    char *c = cert_pem(x), *kp = key_pkcs8(k);

    (void)state;
    expect_error(kp, c, SG_ERR_TLS, "swapped");
    free(c);
    free(kp);
    X509_free(x);
    EVP_PKEY_free(k);
}

/* The server has no terminal: an encrypted key is refused, never prompted. */
static void test_encrypted_key(void **state)
{
    EVP_PKEY *k = ec_key();
    X509 *x = cert_for(k, "leaf", T2030);
    char *c = cert_pem(x);
    BIO *bio = BIO_new(BIO_s_mem());
    char *kp;

    (void)state;
    assert_int_equal(
        PEM_write_bio_PKCS8PrivateKey(bio, k, EVP_aes_256_cbc(), "secret", 6, NULL, NULL), 1);
    kp = bio_string(bio);
    expect_error(c, kp, SG_ERR_TLS, "encrypted");
    free(c);
    free(kp);
    X509_free(x);
    EVP_PKEY_free(k);
}

static void test_limits_and_nulls(void **state)
{
    struct sg_error err;
    long long na = -1;
    char *big = calloc(SG_PEM_MAX + 1, 1);

    (void)state;
    assert_non_null(big);
    memset(big, 'A', SG_PEM_MAX + 1);
    assert_int_equal(sg_pem_check_pair(big, SG_PEM_MAX + 1, "k", 1, &na, &err), SG_ERR_LIMIT);
    assert_non_null(strstr(err.msg, "certificate PEM"));
    assert_int_equal(na, 0);
    na = -1;
    assert_int_equal(sg_pem_check_pair("c", 1, big, SG_PEM_MAX + 1, &na, &err), SG_ERR_LIMIT);
    assert_non_null(strstr(err.msg, "private key PEM"));
    assert_int_equal(na, 0);
    /* At the limit is still parsed (and found to hold no certificate). */
    assert_int_equal(sg_pem_check_pair(big, SG_PEM_MAX, "k", 1, &na, &err), SG_ERR_TLS);
    assert_int_equal(sg_pem_check_pair(NULL, 0, "k", 1, &na, &err), SG_ERR_INVALID);
    assert_int_equal(sg_pem_check_pair("c", 1, "k", 1, NULL, &err), SG_ERR_INVALID);
    free(big);
}

struct name_case {
    const char *s;
    bool label, name, ip;
};

static void test_argument_checks(void **state)
{
    static const struct name_case cases[] = {
        {"seccomp-guard", true, true, false},
        {"a", true, true, false},
        {"0abc", true, true, false},
        {"Seccomp", false, false, false},
        {"-a", false, false, false},
        {"a-", false, false, false},
        {"a_b", false, false, false},
        {"", false, false, false},
        {"a.b", false, true, false},
        {"svc.ns.svc.cluster.local", false, true, false},
        {"*.example.com", false, true, false},
        {"*", false, false, false},
        {"a..b", false, false, false},
        {"a.", false, false, false},
        {".a", false, false, false},
        {"a.*.b", false, false, false},
        {"127.0.0.1", false, false, true}, /* an address belongs in --ip */
        {"::1", false, false, true},
        {"fd00::10:1", false, false, true},
        {"256.0.0.1", false, true, false},
        {"1.2.3", false, true, false},
        {"::g", false, false, false},
        {"0123456789012345678901234567890123456789012345678901234567890123", false, false, false},
        {"012345678901234567890123456789012345678901234567890123456789012", true, true, false},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (sg_san_is_dns_label(cases[i].s) != cases[i].label ||
            sg_san_is_dns_name(cases[i].s) != cases[i].name ||
            sg_san_is_ip(cases[i].s) != cases[i].ip)
            fail_msg("'%s': label %d name %d ip %d, want %d %d %d", cases[i].s,
                     sg_san_is_dns_label(cases[i].s), sg_san_is_dns_name(cases[i].s),
                     sg_san_is_ip(cases[i].s), cases[i].label, cases[i].name, cases[i].ip);
    }
    assert_false(sg_san_is_dns_label(NULL));
    assert_false(sg_san_is_dns_name(NULL));
    assert_false(sg_san_is_ip(NULL));
}

static char *slurp(const char *dir, const char *name)
{
    char path[4096];
    FILE *f;
    long len;
    char *buf;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    len = ftell(f);
    rewind(f);
    buf = malloc((size_t)len + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
    buf[len] = '\0';
    fclose(f);
    return buf;
}

static void remove_dir(const char *dir)
{
    static const char *const names[] = {"ca.crt", "ca.key", "tls.crt", "tls.key"};
    char path[4096];

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        unlink(path);
    }
    assert_int_equal(rmdir(dir), 0);
}

/* What sg_certs_create writes passes sg_pem_check_pair, and the result
 * describes it: caBundle, names, expiry (cut to a CA that expires first). */
static void test_create_result(void **state)
{
    static const char *const dns[] = {"localhost", "seccomp-guard"};
    static const char *const ips[] = {"127.0.0.1", "::1", "0:0::1"};
    char dir[] = "/tmp/sg-certs-unit-XXXXXX";
    struct sg_certs_opts opts;
    struct sg_certs_result res;
    struct sg_error err;
    char *crt, *key, *ca, *b64;
    long long na = 0;
    int n;

    (void)state;
    assert_non_null(mkdtemp(dir));
    sg_certs_opts_init(&opts);
    opts.service = "seccomp-guard";
    opts.namespace = "seccomp-guard";
    opts.out_dir = dir;
    opts.dns = dns;
    opts.n_dns = 2;
    opts.ips = ips;
    opts.n_ips = 3;
    opts.days = 365;
    opts.ca_days = 10;
    sg_error_clear(&err);
    if (sg_certs_create(&opts, &res, &err) != 0)
        fail_msg("sg_certs_create: %s", err.msg);
    assert_true(res.made_ca);
    assert_true(res.tls_capped);
    assert_int_equal(res.tls_not_after, res.ca_not_after);
    assert_string_equal(res.names, "seccomp-guard, seccomp-guard.seccomp-guard, "
                                   "seccomp-guard.seccomp-guard.svc, "
                                   "seccomp-guard.seccomp-guard.svc.cluster.local, localhost, "
                                   "127.0.0.1, ::1");

    crt = slurp(dir, "tls.crt");
    key = slurp(dir, "tls.key");
    ca = slurp(dir, "ca.crt");
    if (sg_pem_check_pair(crt, strlen(crt), key, strlen(key), &na, &err) != 0)
        fail_msg("check_pair on create's output: %s", err.msg);
    assert_int_equal(na, res.tls_not_after);
    b64 = malloc(4 * (strlen(ca) + 2) / 3 + 1);
    assert_non_null(b64);
    n = EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)ca, (int)strlen(ca));
    assert_true(n > 0);
    assert_string_equal(res.ca_bundle, b64);

    sg_certs_result_release(&res);
    assert_null(res.ca_bundle);
    sg_certs_result_release(NULL);
    free(b64);
    free(crt);
    free(key);
    free(ca);
    remove_dir(dir);
}

static void test_create_refuses_bad_opts(void **state)
{
    struct sg_certs_opts opts;
    struct sg_certs_result res;
    struct sg_error err;

    (void)state;
    sg_certs_opts_init(&opts);
    opts.service = "Bad_Name";
    opts.namespace = "ns";
    opts.out_dir = "/nonexistent/never-made";
    assert_int_equal(sg_certs_create(&opts, &res, &err), SG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "'Bad_Name'"));
    assert_null(res.ca_bundle);
    opts.service = "ok";
    opts.key_type = SG_MINT_KEY_RSA;
    opts.rsa_bits = 1024;
    assert_int_equal(sg_certs_create(&opts, &res, &err), SG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "1024"));
    opts.rsa_bits = 2048;
    opts.ca_cert_path = "/x";
    assert_int_equal(sg_certs_create(&opts, &res, &err), SG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "both"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ecdsa_pkcs8),
        cmocka_unit_test(test_ecdsa_traditional),
        cmocka_unit_test(test_rsa_pkcs8),
        cmocka_unit_test(test_rsa_traditional),
        cmocka_unit_test(test_expired_is_not_an_error),
        cmocka_unit_test(test_mismatch_same_type),
        cmocka_unit_test(test_mismatch_rsa_key_ec_cert),
        cmocka_unit_test(test_chain),
        cmocka_unit_test(test_garbage_cert),
        cmocka_unit_test(test_second_certificate_corrupt),
        cmocka_unit_test(test_garbage_key),
        cmocka_unit_test(test_swapped),
        cmocka_unit_test(test_encrypted_key),
        cmocka_unit_test(test_limits_and_nulls),
        cmocka_unit_test(test_argument_checks),
        cmocka_unit_test(test_create_result),
        cmocka_unit_test(test_create_refuses_bad_opts),
    };

    return cmocka_run_group_tests_name("certs", tests, NULL, NULL);
}
