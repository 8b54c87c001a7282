/* certs.c - see certs.h. OpenSSL 3 EVP and X509 calls only: no deprecated
 * RSA_ or EC_KEY_ functions, no `openssl` child process. */
#include "certs.h"
#include "file.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/buffer.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* Serial numbers are 128 random bits: unique without any state to keep, and
 * well over the 64 bits of entropy the CA/Browser Forum asks for. */
#define SERIAL_BYTES 16
/* notBefore is set this far in the past so that a node whose clock is a
 * little behind does not reject a certificate made a moment ago. */
#define BACKDATE_SECONDS (5 * 60)
/* X.520 upper bound on a commonName. */
#define CN_MAX 64
/* The one message for a file that is there already, wherever it is found. */
#define EXISTS_FMT "'%s' already exists; refusing to overwrite it (--force replaces it)"
/* The four names every serving certificate carries. */
#define DEFAULT_NAMES 4

#define CA_COMMON_NAME "seccomp-guard webhook CA"

/* The webhook configurations' names are fixed project-wide (manifests/). */
#define WEBHOOK_CONFIG_NAME "seccomp-guard"
#define VALIDATE_WEBHOOK    "validate.seccomp-guard.io"
#define MUTATE_WEBHOOK      "mutate.seccomp-guard.io"

/* A kustomize strategic-merge patch: admissionregistration webhooks merge
 * by `name`, so only caBundle changes in the base's objects. */
#define PATCH_FMT                                                                                  \
    "# Written by `seccomp-guard certs`: the CA that signed the webhook's serving\n"               \
    "# certificate, for the API server. List it under `patches:` in a\n"                           \
    "# kustomization; re-run `certs` to renew it rather than editing it.\n"                        \
    "apiVersion: admissionregistration.k8s.io/v1\n"                                                \
    "kind: ValidatingWebhookConfiguration\n"                                                       \
    "metadata:\n"                                                                                  \
    "  name: " WEBHOOK_CONFIG_NAME "\n"                                                            \
    "webhooks:\n"                                                                                  \
    "  - name: " VALIDATE_WEBHOOK "\n"                                                             \
    "    clientConfig:\n"                                                                          \
    "      caBundle: %s\n"                                                                         \
    "---\n"                                                                                        \
    "apiVersion: admissionregistration.k8s.io/v1\n"                                                \
    "kind: MutatingWebhookConfiguration\n"                                                         \
    "metadata:\n"                                                                                  \
    "  name: " WEBHOOK_CONFIG_NAME "\n"                                                            \
    "webhooks:\n"                                                                                  \
    "  - name: " MUTATE_WEBHOOK "\n"                                                               \
    "    clientConfig:\n"                                                                          \
    "      caBundle: %s\n"

/* The serving certificate's names, deduplicated, in the order given. */
struct san_set {
    char defaults[DEFAULT_NAMES][SG_CERTS_DNS_NAME_MAX + 1];
    const char *dns[DEFAULT_NAMES + SG_CERTS_EXTRA_NAMES_MAX];
    size_t n_dns;
    struct {
        unsigned char addr[16];
        int len; /* 4 or 16 */
    } ip[SG_CERTS_EXTRA_NAMES_MAX];
    size_t n_ip;
};

/* One file to write. data is borrowed from a BIO that outlives the write. */
struct out_file {
    char path[PATH_MAX];
    const char *data;
    size_t len;
    mode_t mode;
    bool skip; /* not written: a reused CA's key, or a ca.crt that already holds it */
};

enum { OUT_CA_KEY, OUT_CA_CRT, OUT_TLS_KEY, OUT_TLS_CRT, OUT_PATCH, OUT_COUNT };

/* ---- small helpers ---------------------------------------------------- */

/* OpenSSL's reason for the newest error on this thread's queue, for the end
 * of our own message. The queue is cleared so no stale reason is reported
 * by a later failure. */
static const char *ssl_reason(char *buf, size_t len)
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

static int asn1_to_unix(const ASN1_TIME *t, long long *out)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    if (ASN1_TIME_to_tm(t, &tm) != 1)
        return -1;
    *out = (long long)timegm(&tm);
    return 0;
}

void sg_certs_format_time(long long t, char *buf, size_t len)
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

/* ---- argument checks -------------------------------------------------- */

static bool is_alnum_lower(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* A DNS-1123 label of exactly len bytes at s. */
static bool is_label(const char *s, size_t len)
{
    if (len == 0 || len > SG_CERTS_DNS_LABEL_MAX)
        return false;
    if (!is_alnum_lower(s[0]) || !is_alnum_lower(s[len - 1]))
        return false;
    for (size_t i = 1; i + 1 < len; i++) {
        if (!is_alnum_lower(s[i]) && s[i] != '-')
            return false;
    }
    return true;
}

static int parse_ip(const char *s, unsigned char addr[16])
{
    if (s == NULL)
        return 0;
    if (inet_pton(AF_INET, s, addr) == 1)
        return 4;
    if (inet_pton(AF_INET6, s, addr) == 1)
        return 16;
    return 0;
}

bool sg_certs_is_dns_label(const char *s)
{
    return s != NULL && is_label(s, strlen(s));
}

bool sg_certs_is_dns_name(const char *s)
{
    unsigned char addr[16];
    size_t len;
    const char *p, *dot;

    if (s == NULL || parse_ip(s, addr) != 0)
        return false; /* an address as a DNS SAN matches nothing: it goes in --ip */
    /* A wildcard covers exactly one label, in front (RFC 6125 6.4.3). */
    if (strncmp(s, "*.", 2) == 0)
        s += 2;
    len = strlen(s);
    if (len == 0 || len > SG_CERTS_DNS_NAME_MAX)
        return false;
    for (p = s;; p = dot + 1) {
        dot = strchr(p, '.');
        if (!is_label(p, dot != NULL ? (size_t)(dot - p) : strlen(p)))
            return false;
        if (dot == NULL)
            return true;
    }
}

bool sg_certs_is_ip(const char *s)
{
    unsigned char addr[16];

    return parse_ip(s, addr) != 0;
}

/* ---- options ---------------------------------------------------------- */

void sg_certs_opts_init(struct sg_certs_opts *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->key_type = SG_CERTS_KEY_ECDSA;
    opts->rsa_bits = 3072;
    opts->days = SG_CERTS_DAYS_DEFAULT;
    opts->ca_days = SG_CERTS_CA_DAYS_DEFAULT;
}

static int check_days(const char *what, int days, struct sg_error *err)
{
    if (days < 1 || days > SG_CERTS_DAYS_MAX)
        return sg_error_set(err, SG_ERR_INVALID, "%s %d is out of range (1..%d)", what, days,
                            SG_CERTS_DAYS_MAX);
    return 0;
}

static int check_opts(const struct sg_certs_opts *o, struct sg_error *err)
{
    int rc;

    if (!sg_certs_is_dns_label(o->service))
        return sg_error_set(err, SG_ERR_INVALID, "service name '%s' is not a DNS-1123 label",
                            o->service != NULL ? o->service : "");
    if (!sg_certs_is_dns_label(o->namespace))
        return sg_error_set(err, SG_ERR_INVALID, "namespace '%s' is not a DNS-1123 label",
                            o->namespace != NULL ? o->namespace : "");
    if (o->out_dir == NULL || o->out_dir[0] == '\0')
        return sg_error_set(err, SG_ERR_INVALID, "no output directory given");
    if (o->n_dns > SG_CERTS_EXTRA_NAMES_MAX || o->n_ips > SG_CERTS_EXTRA_NAMES_MAX)
        return sg_error_set(err, SG_ERR_LIMIT, "more than %d extra DNS names or IP addresses",
                            SG_CERTS_EXTRA_NAMES_MAX);
    for (size_t i = 0; i < o->n_dns; i++) {
        if (!sg_certs_is_dns_name(o->dns[i]))
            return sg_error_set(err, SG_ERR_INVALID, "DNS name '%s' is not a DNS-1123 subdomain",
                                o->dns[i] != NULL ? o->dns[i] : "");
    }
    for (size_t i = 0; i < o->n_ips; i++) {
        if (!sg_certs_is_ip(o->ips[i]))
            return sg_error_set(err, SG_ERR_INVALID, "'%s' is not an IPv4 or IPv6 address",
                                o->ips[i] != NULL ? o->ips[i] : "");
    }
    if (o->key_type != SG_CERTS_KEY_ECDSA && o->key_type != SG_CERTS_KEY_RSA)
        return sg_error_set(err, SG_ERR_INVALID, "unknown key type %d", (int)o->key_type);
    if (o->key_type == SG_CERTS_KEY_RSA && o->rsa_bits != 2048 && o->rsa_bits != 3072 &&
        o->rsa_bits != 4096)
        return sg_error_set(err, SG_ERR_INVALID, "RSA key size %d is not 2048, 3072 or 4096",
                            o->rsa_bits);
    rc = check_days("validity of", o->days, err);
    if (rc == 0)
        rc = check_days("CA validity of", o->ca_days, err);
    if (rc != 0)
        return rc;
    if ((o->ca_cert_path == NULL) != (o->ca_key_path == NULL))
        return sg_error_set(err, SG_ERR_INVALID,
                            "a CA to reuse needs both its certificate and its key");
    return 0;
}

static int build_sans(const struct sg_certs_opts *o, struct san_set *s, struct sg_error *err)
{
    /* How in-cluster clients reach a Service: short name (same namespace),
     * with namespace, and the two fully qualified forms the API server uses. */
    static const char *const suffixes[DEFAULT_NAMES - 1] = {"", ".svc", ".svc.cluster.local"};

    memset(s, 0, sizeof(*s));
    /* Both parts are labels of at most 63 bytes: these never truncate. */
    snprintf(s->defaults[0], sizeof(s->defaults[0]), "%s", o->service);
    for (size_t i = 1; i < DEFAULT_NAMES; i++)
        snprintf(s->defaults[i], sizeof(s->defaults[i]), "%s.%s%s", o->service, o->namespace,
                 suffixes[i - 1]);
    for (size_t i = 0; i < DEFAULT_NAMES; i++)
        s->dns[s->n_dns++] = s->defaults[i];
    for (size_t i = 0; i < o->n_dns; i++) {
        bool dup = false;
        for (size_t j = 0; j < s->n_dns && !dup; j++)
            dup = strcmp(s->dns[j], o->dns[i]) == 0;
        if (!dup)
            s->dns[s->n_dns++] = o->dns[i];
    }
    for (size_t i = 0; i < o->n_ips; i++) {
        unsigned char addr[16];
        int len = parse_ip(o->ips[i], addr);
        bool dup = false;

        if (len == 0)
            return sg_error_set(err, SG_ERR_INVALID, "'%s' is not an IPv4 or IPv6 address",
                                o->ips[i]);
        for (size_t j = 0; j < s->n_ip && !dup; j++)
            dup = s->ip[j].len == len && memcmp(s->ip[j].addr, addr, (size_t)len) == 0;
        if (!dup) {
            memcpy(s->ip[s->n_ip].addr, addr, (size_t)len);
            s->ip[s->n_ip].len = len;
            s->n_ip++;
        }
    }
    return 0;
}

static char *join_sans(const struct san_set *s)
{
    char ip[INET6_ADDRSTRLEN];
    size_t cap = 1, used = 0;
    char *out;

    for (size_t i = 0; i < s->n_dns; i++)
        cap += strlen(s->dns[i]) + 2;
    cap += s->n_ip * (sizeof(ip) + 2);
    out = malloc(cap);
    if (out == NULL)
        return NULL;
    out[0] = '\0';
    for (size_t i = 0; i < s->n_dns; i++)
        used += (size_t)snprintf(out + used, cap - used, "%s%s", used > 0 ? ", " : "", s->dns[i]);
    for (size_t i = 0; i < s->n_ip; i++) {
        if (inet_ntop(s->ip[i].len == 4 ? AF_INET : AF_INET6, s->ip[i].addr, ip, sizeof(ip)) ==
            NULL)
            snprintf(ip, sizeof(ip), "?");
        used += (size_t)snprintf(out + used, cap - used, "%s%s", used > 0 ? ", " : "", ip);
    }
    return out;
}

/* ---- reading PEM ------------------------------------------------------ */

/* Reads a PEM file, bounded by SG_CERTS_PEM_MAX. */
static int read_file(const char *path, char **out, size_t *out_len, struct sg_error *err)
{
    return sg_file_read(path, SG_CERTS_PEM_MAX, out, out_len, NULL, err);
}

/* Parses every certificate in the PEM. *leaf gets the first (owned by the
 * caller), *count how many there were. */
static int parse_certs(const char *pem, size_t len, X509 **leaf, int *count, struct sg_error *err)
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
        rc = sg_error_set(err, SG_ERR_NOMEM, "cannot read PEM: %s", ssl_reason(why, sizeof(why)));
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
                          ssl_reason(why, sizeof(why)));
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

static int parse_key(const char *pem, size_t len, EVP_PKEY **key, struct sg_error *err)
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
        rc = sg_error_set(err, SG_ERR_NOMEM, "cannot read PEM: %s", ssl_reason(why, sizeof(why)));
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
                              ssl_reason(why, sizeof(why)));
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

/* 0 when key is cert's; otherwise an SG_ERR_TLS that says how they differ. */
static int match_key(X509 *cert, EVP_PKEY *key, struct sg_error *err)
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

int sg_certs_check_pair(const char *cert_pem, size_t cert_len, const char *key_pem, size_t key_len,
                        long long *not_after_unix, struct sg_error *err)
{
    X509 *leaf = NULL;
    EVP_PKEY *key = NULL;
    long long not_after = 0;
    int count = 0, rc;

    if (not_after_unix != NULL)
        *not_after_unix = 0;
    if (cert_pem == NULL || key_pem == NULL || not_after_unix == NULL) {
        rc = sg_error_set(err, SG_ERR_INVALID, "sg_certs_check_pair: NULL argument");
        goto out;
    }
    if (cert_len > SG_CERTS_PEM_MAX || key_len > SG_CERTS_PEM_MAX) {
        rc = sg_error_set(err, SG_ERR_LIMIT, "%s PEM is %zu bytes, over the limit of %d",
                          cert_len > SG_CERTS_PEM_MAX ? "certificate" : "private key",
                          cert_len > SG_CERTS_PEM_MAX ? cert_len : key_len, SG_CERTS_PEM_MAX);
        goto out;
    }
    ERR_clear_error();
    rc = parse_certs(cert_pem, cert_len, &leaf, &count, err);
    if (rc != 0)
        goto out;
    rc = parse_key(key_pem, key_len, &key, err);
    if (rc != 0)
        goto out;
    rc = match_key(leaf, key, err);
    if (rc != 0)
        goto out;
    if (asn1_to_unix(X509_get0_notAfter(leaf), &not_after) != 0) {
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

/* ---- making keys and certificates ------------------------------------- */

static int make_key(enum sg_certs_key_type type, int rsa_bits, EVP_PKEY **out, struct sg_error *err)
{
    char why[256];

    if (type == SG_CERTS_KEY_RSA)
        *out = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)rsa_bits);
    else
        *out = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (*out == NULL)
        return sg_error_set(err, SG_ERR_TLS, "cannot make a %s key: %s",
                            type == SG_CERTS_KEY_RSA ? "RSA" : "ECDSA P-256",
                            ssl_reason(why, sizeof(why)));
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
                              ssl_reason(why, sizeof(why)));
            goto out;
        }
        BN_free(bn);
        bn = BN_bin2bn(bytes, sizeof(bytes), NULL);
    } while (bn != NULL && BN_is_zero(bn));
    serial = bn != NULL ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
    if (serial == NULL || X509_set_serialNumber(x, serial) != 1) {
        rc = sg_error_set(err, SG_ERR_TLS, "cannot set the serial number: %s",
                          ssl_reason(why, sizeof(why)));
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
                          ssl_reason(why, sizeof(why)));
    X509_EXTENSION_free(ext);
    return rc;
}

static int add_sans(X509 *x, const struct san_set *s, struct sg_error *err)
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
                      ssl_reason(why, sizeof(why)));
out:
    ASN1_STRING_free(str);
    GENERAL_NAME_free(gn);
    GENERAL_NAMES_free(names);
    return rc;
}

/* Makes a certificate for key, signed by issuer_key; issuer NULL means
 * self-signed (the CA). sans NULL means a CA, otherwise a serving
 * certificate. When the issuer expires first, notAfter is the issuer's: a
 * certificate cannot be trusted past its CA, so promising more would lie. */
static int make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, int days,
                     const struct san_set *sans, X509 **out, bool *capped, struct sg_error *err)
{
    char why[256];
    X509 *x = NULL;
    X509V3_CTX ctx;
    int rc;

    *out = NULL;
    *capped = false;
    x = X509_new();
    if (x == NULL || X509_set_version(x, X509_VERSION_3) != 1) {
        rc = sg_error_set(err, SG_ERR_NOMEM, "cannot make a certificate: %s",
                          ssl_reason(why, sizeof(why)));
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
                          ssl_reason(why, sizeof(why)));
        goto out;
    }
    if (issuer != NULL &&
        ASN1_TIME_compare(X509_get0_notAfter(x), X509_get0_notAfter(issuer)) > 0) {
        if (X509_set1_notAfter(x, X509_get0_notAfter(issuer)) != 1) {
            rc = sg_error_set(err, SG_ERR_TLS, "cannot set notAfter: %s",
                              ssl_reason(why, sizeof(why)));
            goto out;
        }
        *capped = true;
    }
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
    if (rc != 0)
        goto out;
    if (X509_sign(x, issuer_key, EVP_sha256()) <= 0) {
        rc = sg_error_set(err, SG_ERR_TLS, "cannot sign the certificate for '%s': %s", cn,
                          ssl_reason(why, sizeof(why)));
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

/* Loads a CA to sign with and checks it can: one certificate, CA:TRUE,
 * allowed to sign certificates, not expired, a key that is its own and of a
 * type we sign with. */
static int load_ca(const char *cert_path, const char *key_path, X509 **ca, EVP_PKEY **ca_key,
                   struct sg_error *err)
{
    char when[32];
    char *cert_pem = NULL, *key_pem = NULL;
    size_t cert_len = 0, key_len = 0;
    X509 *x = NULL;
    EVP_PKEY *k = NULL;
    const char *type;
    long long not_after = 0;
    int count = 0, rc;

    *ca = NULL;
    *ca_key = NULL;
    rc = read_file(cert_path, &cert_pem, &cert_len, err);
    if (rc == 0)
        rc = read_file(key_path, &key_pem, &key_len, err);
    if (rc != 0) {
        rc = ca_input_error(rc, err);
        goto out;
    }
    rc = parse_certs(cert_pem, cert_len, &x, &count, err);
    if (rc != 0) {
        sg_error_prefix(err, "CA certificate '%s'", cert_path);
        rc = ca_input_error(rc, err);
        goto out;
    }
    rc = parse_key(key_pem, key_len, &k, err);
    if (rc != 0) {
        sg_error_prefix(err, "CA key '%s'", key_path);
        rc = ca_input_error(rc, err);
        goto out;
    }
    rc = SG_ERR_INVALID;
    if (count != 1) {
        sg_error_set(err, rc,
                     "CA certificate '%s' holds %d certificates; give only the CA that signs",
                     cert_path, count);
        goto out;
    }
    if (X509_check_ca(x) != 1) {
        sg_error_set(err, rc, "'%s' is not a CA certificate (no basicConstraints CA:TRUE)",
                     cert_path);
        goto out;
    }
    if ((X509_get_extension_flags(x) & EXFLAG_KUSAGE) != 0 &&
        (X509_get_key_usage(x) & KU_KEY_CERT_SIGN) == 0) {
        sg_error_set(err, rc,
                     "CA certificate '%s' may not sign certificates (keyUsage lacks keyCertSign)",
                     cert_path);
        goto out;
    }
    if (asn1_to_unix(X509_get0_notAfter(x), &not_after) != 0 ||
        not_after <= (long long)time(NULL)) {
        sg_certs_format_time(not_after, when, sizeof(when));
        sg_error_set(err, rc, "CA certificate '%s' expired on %s", cert_path, when);
        goto out;
    }
    if (!EVP_PKEY_is_a(k, "RSA") && !EVP_PKEY_is_a(k, "EC")) {
        type = EVP_PKEY_get0_type_name(k);
        sg_error_set(err, rc, "CA key '%s' is %s; only ECDSA and RSA CAs are supported", key_path,
                     type != NULL ? type : "of an unknown type");
        goto out;
    }
    if (match_key(x, k, err) != 0) {
        sg_error_prefix(err, "CA key '%s' does not belong to CA certificate '%s'", key_path,
                        cert_path);
        rc = ca_input_error(SG_ERR_TLS, err);
        goto out;
    }
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

/* ---- writing files ---------------------------------------------------- */

static int pem_cert(X509 *x, BIO **bio, struct sg_error *err)
{
    char why[256];

    *bio = BIO_new(BIO_s_mem());
    if (*bio == NULL || PEM_write_bio_X509(*bio, x) != 1)
        return sg_error_set(err, SG_ERR_TLS, "cannot encode a certificate: %s",
                            ssl_reason(why, sizeof(why)));
    return 0;
}

/* PKCS#8, unencrypted: what a kubernetes.io/tls Secret holds and what
 * OpenSSL reads. The BIO is secure memory, wiped when freed. */
static int pem_key(EVP_PKEY *k, BIO **bio, struct sg_error *err)
{
    char why[256];

    *bio = BIO_new(BIO_s_secmem());
    if (*bio == NULL || PEM_write_bio_PrivateKey(*bio, k, NULL, NULL, 0, NULL, NULL) != 1)
        return sg_error_set(err, SG_ERR_TLS, "cannot encode a private key: %s",
                            ssl_reason(why, sizeof(why)));
    return 0;
}

static void plan_from_bio(struct out_file *f, BIO *bio, mode_t mode)
{
    char *data = NULL;
    long len = BIO_get_mem_data(bio, &data);

    f->data = data;
    f->len = len > 0 ? (size_t)len : 0;
    f->mode = mode;
}

static int join_path(char *buf, size_t size, const char *dir, const char *name,
                     struct sg_error *err)
{
    int n = snprintf(buf, size, "%s/%s", dir, name);

    if (n < 0 || (size_t)n >= size)
        return sg_error_set(err, SG_ERR_LIMIT, "path '%s/%s' is too long", dir, name);
    return 0;
}

static int make_dir(const char *dir, struct sg_error *err)
{
    struct stat st;

    /* 0700: the directory holds private keys. */
    if (mkdir(dir, 0700) == 0)
        return 0;
    if (errno != EEXIST)
        return sg_error_set(err, SG_ERR_IO, "cannot create directory '%s': %s", dir,
                            strerror(errno));
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return sg_error_set(err, SG_ERR_IO, "'%s' exists and is not a directory", dir);
    return 0;
}

/* True when path already holds a certificate equal to x. */
static bool holds_cert(const char *path, X509 *x)
{
    struct sg_error ignored;
    char *pem = NULL;
    size_t len = 0;
    X509 *have = NULL;
    int count = 0;
    bool same = false;

    if (read_file(path, &pem, &len, &ignored) == 0 &&
        parse_certs(pem, len, &have, &count, &ignored) == 0)
        same = count == 1 && X509_cmp(have, x) == 0;
    ERR_clear_error();
    X509_free(have);
    free(pem);
    return same;
}

/* Refuses, before anything is made, a target that exists (unless force) or
 * that is a directory (always: rename would fail half-way). */
static int check_targets(const struct out_file *files, size_t n, bool force, struct sg_error *err)
{
    struct stat st;

    for (size_t i = 0; i < n; i++) {
        if (files[i].skip || files[i].path[0] == '\0')
            continue;
        if (lstat(files[i].path, &st) != 0) {
            if (errno == ENOENT)
                continue;
            return sg_error_set(err, SG_ERR_IO, "cannot check '%s': %s", files[i].path,
                                strerror(errno));
        }
        if (S_ISDIR(st.st_mode))
            return sg_error_set(err, SG_ERR_IO, "'%s' is a directory", files[i].path);
        if (!force)
            return sg_error_set(err, SG_ERR_IO, EXISTS_FMT, files[i].path);
    }
    return 0;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Writes data to a new temporary file beside path (O_EXCL, the final mode
 * from the start, so a key is never readable by others even for a moment),
 * syncs it, then moves it into place: rename() when replacing, link() when
 * not, which fails if path appeared since check_targets. Either way path
 * is the old file or the whole new one, never half of it. */
static int write_atomic(const char *path, const char *data, size_t len, mode_t mode, bool replace,
                        struct sg_error *err)
{
    char tmp[PATH_MAX];
    unsigned char rnd[4];
    const char *slash = strrchr(path, '/');
    int dir_len = slash != NULL ? (int)(slash - path + 1) : 0;
    int fd = -1, rc, n;
    bool made = false;

    for (int attempt = 0; attempt < 8 && fd < 0; attempt++) {
        if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
            ERR_clear_error();
            rnd[0] = (unsigned char)attempt;
            rnd[1] = rnd[2] = rnd[3] = (unsigned char)getpid();
        }
        n = snprintf(tmp, sizeof(tmp), "%.*s.%s.tmp-%02x%02x%02x%02x", dir_len, path,
                     path + dir_len, rnd[0], rnd[1], rnd[2], rnd[3]);
        if (n < 0 || (size_t)n >= sizeof(tmp)) {
            rc = sg_error_set(err, SG_ERR_LIMIT, "path '%s' is too long", path);
            goto out;
        }
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0 && errno != EEXIST) {
            rc = sg_error_set(err, SG_ERR_IO, "cannot create '%s': %s", tmp, strerror(errno));
            goto out;
        }
    }
    if (fd < 0) {
        rc = sg_error_set(err, SG_ERR_IO, "cannot create a temporary file beside '%s'", path);
        goto out;
    }
    made = true;
    if (write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        rc = sg_error_set(err, SG_ERR_IO, "cannot write '%s': %s", tmp, strerror(errno));
        goto out;
    }
    n = close(fd);
    fd = -1;
    if (n != 0) {
        rc = sg_error_set(err, SG_ERR_IO, "cannot write '%s': %s", tmp, strerror(errno));
        goto out;
    }
    if (replace) {
        if (rename(tmp, path) != 0) {
            rc = sg_error_set(err, SG_ERR_IO, "cannot rename '%s' to '%s': %s", tmp, path,
                              strerror(errno));
            goto out;
        }
        made = false;
    } else if (link(tmp, path) != 0) {
        if (errno == EEXIST)
            rc = sg_error_set(err, SG_ERR_IO, EXISTS_FMT, path);
        else
            rc = sg_error_set(err, SG_ERR_IO, "cannot create '%s': %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (made)
        unlink(tmp);
    return rc;
}

/* Makes the renames durable: without this a crash can lose the new names. */
static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

static char *base64(const char *data, size_t len)
{
    size_t cap = 4 * ((len + 2) / 3) + 1;
    unsigned char *out;

    if (len > INT_MAX / 2)
        return NULL;
    out = malloc(cap);
    if (out == NULL)
        return NULL;
    EVP_EncodeBlock(out, (const unsigned char *)data, (int)len);
    return (char *)out;
}

static char *make_patch(const char *ca_bundle, size_t *len)
{
    int n = snprintf(NULL, 0, PATCH_FMT, ca_bundle, ca_bundle);
    char *out;

    if (n < 0)
        return NULL;
    out = malloc((size_t)n + 1);
    if (out == NULL)
        return NULL;
    snprintf(out, (size_t)n + 1, PATCH_FMT, ca_bundle, ca_bundle);
    *len = (size_t)n;
    return out;
}

/* ---- the whole job ---------------------------------------------------- */

int sg_certs_create(const struct sg_certs_opts *opts, struct sg_certs_result *res,
                    struct sg_error *err)
{
    struct out_file files[OUT_COUNT];
    struct san_set *sans = NULL;
    char cn[CN_MAX + 1];
    X509 *ca = NULL, *tls = NULL;
    EVP_PKEY *ca_key = NULL, *tls_key = NULL;
    BIO *ca_key_bio = NULL, *ca_crt_bio = NULL, *tls_key_bio = NULL, *tls_crt_bio = NULL;
    char *patch = NULL;
    size_t patch_len = 0;
    bool ca_capped = false;
    int n, rc;

    memset(res, 0, sizeof(*res));
    memset(files, 0, sizeof(files));
    ERR_clear_error();
    rc = check_opts(opts, err);
    if (rc != 0)
        goto out;
    sans = malloc(sizeof(*sans));
    if (sans == NULL) {
        rc = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        goto out;
    }
    rc = build_sans(opts, sans, err);
    if (rc != 0)
        goto out;
    if (opts->ca_cert_path != NULL) {
        rc = load_ca(opts->ca_cert_path, opts->ca_key_path, &ca, &ca_key, err);
        if (rc != 0)
            goto out;
    }

    rc = join_path(files[OUT_CA_KEY].path, PATH_MAX, opts->out_dir, SG_CERTS_CA_KEY, err);
    if (rc == 0)
        rc = join_path(files[OUT_CA_CRT].path, PATH_MAX, opts->out_dir, SG_CERTS_CA_CRT, err);
    if (rc == 0)
        rc = join_path(files[OUT_TLS_KEY].path, PATH_MAX, opts->out_dir, SG_CERTS_TLS_KEY, err);
    if (rc == 0)
        rc = join_path(files[OUT_TLS_CRT].path, PATH_MAX, opts->out_dir, SG_CERTS_TLS_CRT, err);
    if (rc != 0)
        goto out;
    if (opts->ca_bundle_patch_path != NULL) {
        n = snprintf(files[OUT_PATCH].path, PATH_MAX, "%s", opts->ca_bundle_patch_path);
        if (n < 0 || n >= PATH_MAX) {
            rc = sg_error_set(err, SG_ERR_LIMIT, "path '%s' is too long",
                              opts->ca_bundle_patch_path);
            goto out;
        }
    }
    /* A reused CA writes no ca.key: its key stays where it is. */
    files[OUT_CA_KEY].skip = ca != NULL;
    rc = make_dir(opts->out_dir, err);
    if (rc != 0)
        goto out;
    /* Rotating in place passes out_dir's own ca.crt as the CA: leave it. */
    files[OUT_CA_CRT].skip = ca != NULL && holds_cert(files[OUT_CA_CRT].path, ca);
    rc = check_targets(files, OUT_COUNT, opts->force, err);
    if (rc != 0)
        goto out;

    if (ca == NULL) {
        rc = make_key(opts->key_type, opts->rsa_bits, &ca_key, err);
        if (rc == 0)
            rc = make_cert(ca_key, CA_COMMON_NAME, NULL, ca_key, opts->ca_days, NULL, &ca,
                           &ca_capped, err);
        if (rc != 0)
            goto out;
        res->made_ca = true;
    }
    rc = make_key(opts->key_type, opts->rsa_bits, &tls_key, err);
    if (rc != 0)
        goto out;
    /* Clients match the SANs, not the CN; the CN is for people reading the
     * certificate, and must fit in 64 bytes. */
    n = snprintf(cn, sizeof(cn), "%s.%s.svc", opts->service, opts->namespace);
    if (n < 0 || (size_t)n >= sizeof(cn))
        snprintf(cn, sizeof(cn), "%s", opts->service);
    rc = make_cert(tls_key, cn, ca, ca_key, opts->days, sans, &tls, &res->tls_capped, err);
    if (rc != 0)
        goto out;

    rc = pem_cert(ca, &ca_crt_bio, err);
    if (rc == 0)
        rc = pem_cert(tls, &tls_crt_bio, err);
    if (rc == 0)
        rc = pem_key(tls_key, &tls_key_bio, err);
    if (rc == 0 && res->made_ca)
        rc = pem_key(ca_key, &ca_key_bio, err);
    if (rc != 0)
        goto out;
    if (res->made_ca)
        plan_from_bio(&files[OUT_CA_KEY], ca_key_bio, 0600);
    plan_from_bio(&files[OUT_CA_CRT], ca_crt_bio, 0644);
    plan_from_bio(&files[OUT_TLS_KEY], tls_key_bio, 0600);
    plan_from_bio(&files[OUT_TLS_CRT], tls_crt_bio, 0644);

    res->ca_bundle = base64(files[OUT_CA_CRT].data, files[OUT_CA_CRT].len);
    res->names = join_sans(sans);
    if (res->ca_bundle == NULL || res->names == NULL) {
        rc = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (opts->ca_bundle_patch_path != NULL) {
        patch = make_patch(res->ca_bundle, &patch_len);
        if (patch == NULL) {
            rc = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
            goto out;
        }
        files[OUT_PATCH].data = patch;
        files[OUT_PATCH].len = patch_len;
        files[OUT_PATCH].mode = 0644;
    }
    if (asn1_to_unix(X509_get0_notAfter(ca), &res->ca_not_after) != 0 ||
        asn1_to_unix(X509_get0_notAfter(tls), &res->tls_not_after) != 0) {
        rc = sg_error_set(err, SG_ERR_INTERNAL, "cannot read back notAfter");
        goto out;
    }

    /* CA first, key before certificate: whatever a crash leaves behind,
     * nothing names a key that is not there yet. */
    for (size_t i = 0; i < OUT_COUNT; i++) {
        if (files[i].skip || files[i].data == NULL)
            continue;
        rc = write_atomic(files[i].path, files[i].data, files[i].len, files[i].mode, opts->force,
                          err);
        if (rc != 0)
            goto out;
    }
    sync_dir(opts->out_dir);
    res->ca_crt_unchanged = files[OUT_CA_CRT].skip;
    rc = 0;
out:
    if (rc != 0)
        sg_certs_result_release(res);
    ERR_clear_error();
    free(patch);
    BIO_free(ca_key_bio);
    BIO_free(ca_crt_bio);
    BIO_free(tls_key_bio);
    BIO_free(tls_crt_bio);
    X509_free(ca);
    X509_free(tls);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(tls_key);
    free(sans);
    return rc;
}

void sg_certs_result_release(struct sg_certs_result *res)
{
    if (res == NULL)
        return;
    free(res->ca_bundle);
    free(res->names);
    memset(res, 0, sizeof(*res));
}
