/* certs.c - see certs.h. sg_certs_create runs the steps in order: check
 * the options, plan the files (refusing before any key is made), mint,
 * encode, then write. */
#include "certs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "bundle.h"
#include "file.h"
#include "pem.h"

/* X.520 upper bound on a commonName. */
#define CN_MAX 64
/* The one message for a file that is there already, wherever it is found. */
#define EXISTS_FMT "'%s' already exists; refusing to overwrite it (--force replaces it)"

#define CA_COMMON_NAME "seccomp-guard webhook CA"

/* One file to write. data is borrowed from a BIO (or the patch) that
 * outlives the write. */
struct out_file {
    char path[PATH_MAX];
    const char *data;
    size_t len;
    mode_t mode;
    bool skip; /* not written: a reused CA's key, or a ca.crt that already holds it */
};

/* In the order they are written: CA first, key before certificate, so that
 * whatever a crash leaves behind, nothing names a key that is not there. */
enum { OUT_CA_KEY, OUT_CA_CRT, OUT_TLS_KEY, OUT_TLS_CRT, OUT_PATCH, OUT_COUNT };

/* Everything one run makes, owned here until it is written. */
struct job {
    const struct sg_certs_opts *opts;
    struct sg_san_set sans;
    struct out_file files[OUT_COUNT];
    X509 *ca, *tls;
    EVP_PKEY *ca_key, *tls_key;
    BIO *pem[OUT_PATCH]; /* the encoded keys and certificates, by OUT_* */
    char *patch;
};

void sg_certs_opts_init(struct sg_certs_opts *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->key_type = SG_MINT_KEY_ECDSA;
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

    if (!sg_san_is_dns_label(o->service))
        return sg_error_set(err, SG_ERR_INVALID, "service name '%s' is not a DNS-1123 label",
                            o->service != NULL ? o->service : "");
    if (!sg_san_is_dns_label(o->namespace))
        return sg_error_set(err, SG_ERR_INVALID, "namespace '%s' is not a DNS-1123 label",
                            o->namespace != NULL ? o->namespace : "");
    if (o->out_dir == NULL || o->out_dir[0] == '\0')
        return sg_error_set(err, SG_ERR_INVALID, "no output directory given");
    if (o->n_dns > SG_SAN_EXTRA_MAX || o->n_ips > SG_SAN_EXTRA_MAX)
        return sg_error_set(err, SG_ERR_LIMIT, "more than %d extra DNS names or IP addresses",
                            SG_SAN_EXTRA_MAX);
    for (size_t i = 0; i < o->n_dns; i++) {
        if (!sg_san_is_dns_name(o->dns[i]))
            return sg_error_set(err, SG_ERR_INVALID, "DNS name '%s' is not a DNS-1123 subdomain",
                                o->dns[i] != NULL ? o->dns[i] : "");
    }
    for (size_t i = 0; i < o->n_ips; i++) {
        if (!sg_san_is_ip(o->ips[i]))
            return sg_error_set(err, SG_ERR_INVALID, "'%s' is not an IPv4 or IPv6 address",
                                o->ips[i] != NULL ? o->ips[i] : "");
    }
    if (o->key_type != SG_MINT_KEY_ECDSA && o->key_type != SG_MINT_KEY_RSA)
        return sg_error_set(err, SG_ERR_INVALID, "unknown key type %d", (int)o->key_type);
    if (o->key_type == SG_MINT_KEY_RSA && o->rsa_bits != 2048 && o->rsa_bits != 3072 &&
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

static int join_path(char *buf, size_t size, const char *dir, const char *name,
                     struct sg_error *err)
{
    int n = snprintf(buf, size, "%s/%s", dir, name);

    if (n < 0 || (size_t)n >= size)
        return sg_error_set(err, SG_ERR_LIMIT, "path '%s/%s' is too long", dir, name);
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

    if (sg_file_read(path, SG_PEM_MAX, &pem, &len, NULL, &ignored) == 0 &&
        sg_pem_read_certs(pem, len, &have, &count, &ignored) == 0)
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

/* Step 2: where each file goes and which are left alone; the directory is
 * made and every target checked, all before any key exists. */
static int plan_files(struct job *j, struct sg_error *err)
{
    static const char *const names[OUT_PATCH] = {SG_CERTS_CA_KEY, SG_CERTS_CA_CRT, SG_CERTS_TLS_KEY,
                                                 SG_CERTS_TLS_CRT};
    const struct sg_certs_opts *o = j->opts;
    int rc, n;

    for (size_t i = 0; i < OUT_PATCH; i++) {
        rc = join_path(j->files[i].path, PATH_MAX, o->out_dir, names[i], err);
        if (rc != 0)
            return rc;
    }
    if (o->ca_bundle_patch_path != NULL) {
        n = snprintf(j->files[OUT_PATCH].path, PATH_MAX, "%s", o->ca_bundle_patch_path);
        if (n < 0 || n >= PATH_MAX)
            return sg_error_set(err, SG_ERR_LIMIT, "path '%s' is too long",
                                o->ca_bundle_patch_path);
    }
    /* A reused CA writes no ca.key: its key stays where it is. */
    j->files[OUT_CA_KEY].skip = j->ca != NULL;
    /* 0700: the directory holds private keys. */
    rc = sg_file_make_dir(o->out_dir, 0700, err);
    if (rc != 0)
        return rc;
    /* Rotating in place passes out_dir's own ca.crt as the CA: leave it. */
    j->files[OUT_CA_CRT].skip = j->ca != NULL && holds_cert(j->files[OUT_CA_CRT].path, j->ca);
    return check_targets(j->files, OUT_COUNT, o->force, err);
}

/* Step 3: the CA (unless one was given) and the serving key and
 * certificate. */
static int mint(struct job *j, struct sg_certs_result *res, struct sg_error *err)
{
    const struct sg_certs_opts *o = j->opts;
    char cn[CN_MAX + 1];
    bool ca_capped = false;
    int rc, n;

    if (j->ca == NULL) {
        rc = sg_mint_key(o->key_type, o->rsa_bits, &j->ca_key, err);
        if (rc == 0)
            rc = sg_mint_cert(j->ca_key, CA_COMMON_NAME, NULL, j->ca_key, o->ca_days, NULL, &j->ca,
                              &ca_capped, err);
        if (rc != 0)
            return rc;
        res->made_ca = true;
    }
    rc = sg_mint_key(o->key_type, o->rsa_bits, &j->tls_key, err);
    if (rc != 0)
        return rc;
    /* Clients match the SANs, not the CN; the CN is for people reading the
     * certificate, and must fit in 64 bytes. */
    n = snprintf(cn, sizeof(cn), "%s.%s.svc", o->service, o->namespace);
    if (n < 0 || (size_t)n >= sizeof(cn))
        snprintf(cn, sizeof(cn), "%s", o->service);
    return sg_mint_cert(j->tls_key, cn, j->ca, j->ca_key, o->days, &j->sans, &j->tls,
                        &res->tls_capped, err);
}

static int pem_cert(X509 *x, BIO **bio, struct sg_error *err)
{
    char why[256];

    *bio = BIO_new(BIO_s_mem());
    if (*bio == NULL || PEM_write_bio_X509(*bio, x) != 1)
        return sg_error_set(err, SG_ERR_TLS, "cannot encode a certificate: %s",
                            sg_pem_openssl_reason(why, sizeof(why)));
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
                            sg_pem_openssl_reason(why, sizeof(why)));
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

/* Step 4: the files' contents (PEM, the patch) and what the result tells:
 * the caBundle, the names, the expiry dates. */
static int encode(struct job *j, struct sg_certs_result *res, struct sg_error *err)
{
    struct out_file *f = j->files;
    int rc;

    rc = pem_cert(j->ca, &j->pem[OUT_CA_CRT], err);
    if (rc == 0)
        rc = pem_cert(j->tls, &j->pem[OUT_TLS_CRT], err);
    if (rc == 0)
        rc = pem_key(j->tls_key, &j->pem[OUT_TLS_KEY], err);
    if (rc == 0 && res->made_ca)
        rc = pem_key(j->ca_key, &j->pem[OUT_CA_KEY], err);
    if (rc != 0)
        return rc;
    if (res->made_ca)
        plan_from_bio(&f[OUT_CA_KEY], j->pem[OUT_CA_KEY], 0600);
    plan_from_bio(&f[OUT_CA_CRT], j->pem[OUT_CA_CRT], 0644);
    plan_from_bio(&f[OUT_TLS_KEY], j->pem[OUT_TLS_KEY], 0600);
    plan_from_bio(&f[OUT_TLS_CRT], j->pem[OUT_TLS_CRT], 0644);

    res->ca_bundle = sg_bundle_encode(f[OUT_CA_CRT].data, f[OUT_CA_CRT].len);
    res->names = sg_san_set_join(&j->sans);
    if (res->ca_bundle == NULL || res->names == NULL)
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    if (j->opts->ca_bundle_patch_path != NULL) {
        j->patch = sg_bundle_patch(res->ca_bundle, &f[OUT_PATCH].len);
        if (j->patch == NULL)
            return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        f[OUT_PATCH].data = j->patch;
        f[OUT_PATCH].mode = 0644;
    }
    if (sg_pem_time_to_unix(X509_get0_notAfter(j->ca), &res->ca_not_after) != 0 ||
        sg_pem_time_to_unix(X509_get0_notAfter(j->tls), &res->tls_not_after) != 0)
        return sg_error_set(err, SG_ERR_INTERNAL, "cannot read back notAfter");
    return 0;
}

/* Step 5: each file written whole or not at all, then the directory synced
 * so that the new names survive a crash. */
static int write_files(const struct job *j, struct sg_error *err)
{
    const struct out_file *f;
    int rc;

    for (size_t i = 0; i < OUT_COUNT; i++) {
        f = &j->files[i];
        if (f->skip || f->data == NULL)
            continue;
        rc = sg_file_write_atomic(f->path, f->data, f->len, f->mode, j->opts->force, err);
        if (rc == SG_ERR_EXISTS) /* appeared since plan_files looked */
            rc = sg_error_set(err, SG_ERR_IO, EXISTS_FMT, f->path);
        if (rc != 0)
            return rc;
    }
    sg_file_sync_dir(j->opts->out_dir);
    return 0;
}

int sg_certs_create(const struct sg_certs_opts *opts, struct sg_certs_result *res,
                    struct sg_error *err)
{
    struct job *j = NULL;
    int rc;

    memset(res, 0, sizeof(*res));
    ERR_clear_error();
    rc = check_opts(opts, err);
    if (rc != 0)
        goto out;
    j = calloc(1, sizeof(*j));
    if (j == NULL) {
        rc = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        goto out;
    }
    j->opts = opts;
    rc = sg_san_set_build(&j->sans, opts->service, opts->namespace, opts->dns, opts->n_dns,
                          opts->ips, opts->n_ips, err);
    if (rc == 0 && opts->ca_cert_path != NULL)
        rc = sg_mint_load_ca(opts->ca_cert_path, opts->ca_key_path, &j->ca, &j->ca_key, err);
    if (rc == 0)
        rc = plan_files(j, err);
    if (rc == 0)
        rc = mint(j, res, err);
    if (rc == 0)
        rc = encode(j, res, err);
    if (rc == 0)
        rc = write_files(j, err);
    if (rc == 0)
        res->ca_crt_unchanged = j->files[OUT_CA_CRT].skip;
out:
    if (rc != 0)
        sg_certs_result_release(res);
    ERR_clear_error();
    if (j != NULL) {
        free(j->patch);
        for (size_t i = 0; i < OUT_PATCH; i++)
            BIO_free(j->pem[i]);
        X509_free(j->ca);
        X509_free(j->tls);
        EVP_PKEY_free(j->ca_key);
        EVP_PKEY_free(j->tls_key);
        free(j);
    }
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
