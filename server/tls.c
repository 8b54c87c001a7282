/* tls.c - see tls.h. */
#include "tls.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "pem.h"
#include "file.h"

struct sg_tls_pair {
    SSL_CTX *ctx;
    long long not_after;
};

struct sg_tls_store {
    char *cert_path, *key_path;
    STACK_OF(X509) * client_ca; /* NULL: no client certificates asked */
    struct sg_snapshot_slot slot;
    bool slot_ready;
    /* What the last attempt read; a change from these triggers a reload. */
    struct sg_file_id cert_id, key_id;
    atomic_llong not_after;
};

/* OpenSSL's reason for the last failure on this thread, for a message;
 * empties the thread's error queue. */
static const char *ssl_reason(char *buf, size_t len)
{
    unsigned long e = ERR_peek_last_error();

    if (e == 0)
        snprintf(buf, len, "unknown OpenSSL error");
    else
        ERR_error_string_n(e, buf, len);
    ERR_clear_error();
    return buf;
}

static void pair_free(void *p)
{
    struct sg_tls_pair *pair = p;

    if (pair == NULL)
        return;
    SSL_CTX_free(pair->ctx);
    free(pair);
}

/* Every PEM certificate in pem[0..len), in order; NULL when there is none
 * or one does not parse. */
static STACK_OF(X509) * read_certs(const char *pem, size_t len)
{
    STACK_OF(X509) *certs = sk_X509_new_null();
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    X509 *x;

    if (certs == NULL || bio == NULL)
        goto fail;
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (sk_X509_num(certs) >= SG_TLS_MAX_CHAIN || !sk_X509_push(certs, x)) {
            X509_free(x);
            goto fail;
        }
    }
    /* The loop ends on "no start line" at the end of the input; anything
     * else is a certificate that did not parse. */
    unsigned long e = ERR_peek_last_error();
    if (sk_X509_num(certs) == 0 ||
        (e != 0 && !(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)))
        goto fail;
    ERR_clear_error();
    BIO_free(bio);
    return certs;
fail:
    sk_X509_pop_free(certs, X509_free);
    BIO_free(bio);
    return NULL;
}

static int ctx_configure(SSL_CTX *ctx)
{
    if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
        !SSL_CTX_set_cipher_list(ctx, SG_TLS12_CIPHERS) ||
        !SSL_CTX_set_ciphersuites(ctx, SG_TLS13_SUITES) ||
        !SSL_CTX_set1_groups_list(ctx, SG_TLS_GROUPS) || !SSL_CTX_set_num_tickets(ctx, 0))
        return -1;
    SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET |
                                 SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                                 SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    /* One recv() fills the record buffer with whatever the socket holds,
     * instead of a record's header and then its body; writes may move
     * and end part-way, the event loop keeps its place. */
    SSL_CTX_set_read_ahead(ctx, 1);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_RELEASE_BUFFERS);
    return 0;
}

static int ctx_require_client_cert(SSL_CTX *ctx, STACK_OF(X509) * cas)
{
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);
    STACK_OF(X509_NAME) *names = sk_X509_NAME_new_null();

    if (names == NULL)
        return -1;
    for (int i = 0; i < sk_X509_num(cas); i++) {
        X509 *ca = sk_X509_value(cas, i);
        X509_NAME *name = X509_NAME_dup(X509_get_subject_name(ca));
        if (!X509_STORE_add_cert(store, ca) || name == NULL || !sk_X509_NAME_push(names, name)) {
            X509_NAME_free(name);
            sk_X509_NAME_pop_free(names, X509_NAME_free);
            return -1;
        }
    }
    /* Any certificate in the bundle is a trust anchor, an intermediate
     * too (as GnuTLS had it): without this OpenSSL wants every chain to
     * end at a self-signed root and refuses an operator's issuing CA. */
    X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
    SSL_CTX_set_client_CA_list(ctx, names); /* takes names */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    return 0;
}

/* The context for a checked pair: chain and key from PEM. */
static int ctx_new(struct sg_tls_store *s, const char *cert_pem, size_t cert_len,
                   const char *key_pem, size_t key_len, SSL_CTX **out, struct sg_error *err)
{
    STACK_OF(X509) *chain = NULL;
    EVP_PKEY *key = NULL;
    BIO *bio = NULL;
    SSL_CTX *ctx;
    char why[256];
    int rc = 0;

    *out = NULL;
    ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL || ctx_configure(ctx) != 0) {
        rc = sg_error_set(err, SG_ERR_TLS, "cannot set up TLS: %s", ssl_reason(why, sizeof(why)));
        goto out;
    }
    chain = read_certs(cert_pem, cert_len);
    if (chain == NULL) {
        rc = sg_error_set(err, SG_ERR_TLS, "certificate '%s': %s", s->cert_path,
                          ssl_reason(why, sizeof(why)));
        goto out;
    }
    if (!SSL_CTX_use_certificate(ctx, sk_X509_value(chain, 0))) {
        rc = sg_error_set(err, SG_ERR_TLS, "certificate '%s': %s", s->cert_path,
                          ssl_reason(why, sizeof(why)));
        goto out;
    }
    for (int i = 1; i < sk_X509_num(chain); i++) {
        if (!SSL_CTX_add1_chain_cert(ctx, sk_X509_value(chain, i))) {
            rc = sg_error_set(err, SG_ERR_TLS, "certificate '%s', chain certificate %d: %s",
                              s->cert_path, i + 1, ssl_reason(why, sizeof(why)));
            goto out;
        }
    }
    bio = BIO_new_mem_buf(key_pem, (int)key_len);
    key = bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    /* That the key is the leaf's, sg_pem_check_pair has said already. */
    if (key == NULL || !SSL_CTX_use_PrivateKey(ctx, key)) {
        rc = sg_error_set(err, SG_ERR_TLS, "key '%s': %s", s->key_path,
                          ssl_reason(why, sizeof(why)));
        goto out;
    }
    if (s->client_ca != NULL && ctx_require_client_cert(ctx, s->client_ca) != 0) {
        rc = sg_error_set(err, SG_ERR_TLS, "cannot set up client certificate checks: %s",
                          ssl_reason(why, sizeof(why)));
        goto out;
    }
    *out = ctx;
    ctx = NULL;
out:
    SSL_CTX_free(ctx);
    sk_X509_pop_free(chain, X509_free);
    EVP_PKEY_free(key);
    BIO_free(bio);
    return rc;
}

static int pair_load(struct sg_tls_store *s, struct sg_tls_pair **out, struct sg_error *err)
{
    struct sg_tls_pair *pair = NULL;
    char *cert_pem = NULL, *key_pem = NULL;
    size_t cert_len, key_len;
    int rc;

    *out = NULL;
    /* Remember what this attempt saw before reading, so a failed attempt
     * is retried only once a file changes again, and a swap that lands
     * between the two reads is seen as a change on the next look. */
    sg_file_id_of(s->cert_path, &s->cert_id);
    sg_file_id_of(s->key_path, &s->key_id);
    rc = sg_file_read(s->cert_path, SG_TLS_MAX_PEM_BYTES, &cert_pem, &cert_len, NULL, err);
    if (rc != 0)
        goto out;
    rc = sg_file_read(s->key_path, SG_TLS_MAX_PEM_BYTES, &key_pem, &key_len, NULL, err);
    if (rc != 0)
        goto out;
    pair = calloc(1, sizeof(*pair));
    if (pair == NULL) {
        rc = sg_error_set(err, SG_ERR_NOMEM, "out of memory loading '%s'", s->cert_path);
        goto out;
    }
    /* The key must be the leaf's: certs/ checks that (and reads notAfter)
     * with the same rules as `seccomp-guard certs`. */
    rc = sg_pem_check_pair(cert_pem, cert_len, key_pem, key_len, &pair->not_after, err);
    if (rc != 0) {
        sg_error_prefix(err, "certificate '%s', key '%s'", s->cert_path, s->key_path);
        goto out;
    }
    rc = ctx_new(s, cert_pem, cert_len, key_pem, key_len, &pair->ctx, err);
    if (rc != 0)
        goto out;
    *out = pair;
    pair = NULL;
out:
    pair_free(pair);
    free(cert_pem);
    if (key_pem != NULL) {
        /* Key material does not linger in freed heap. */
        OPENSSL_cleanse(key_pem, key_len);
        free(key_pem);
    }
    return rc;
}

static int read_client_ca(struct sg_tls_store *s, const char *path, struct sg_error *err)
{
    char *pem = NULL;
    size_t len;
    char why[256];
    int rc;

    rc = sg_file_read(path, SG_TLS_MAX_PEM_BYTES, &pem, &len, NULL, err);
    if (rc != 0)
        return rc;
    s->client_ca = read_certs(pem, len);
    free(pem);
    if (s->client_ca == NULL)
        return sg_error_set(err, SG_ERR_TLS, "client CA '%s': %s", path,
                            ERR_peek_last_error() != 0 ? ssl_reason(why, sizeof(why))
                                                       : "no certificate in the file");
    return 0;
}

int sg_tls_store_new(const char *cert_path, const char *key_path, const char *client_ca_path,
                     struct sg_tls_store **out, struct sg_error *err)
{
    struct sg_tls_store *s;
    bool reloaded;
    int rc;

    *out = NULL;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    s->cert_path = strdup(cert_path);
    s->key_path = strdup(key_path);
    if (s->cert_path == NULL || s->key_path == NULL) {
        rc = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (client_ca_path != NULL) {
        rc = read_client_ca(s, client_ca_path, err);
        if (rc != 0) {
            sg_error_prefix(err, "--client-ca");
            goto out;
        }
    }
    rc = sg_snapshot_slot_init(&s->slot, pair_free);
    if (rc != 0) {
        sg_error_set(err, rc, "cannot create the certificate slot");
        goto out;
    }
    s->slot_ready = true;
    rc = sg_tls_store_reload(s, true, &reloaded, err);
    if (rc != 0) {
        sg_error_prefix(err, "--tls-cert/--tls-key");
        goto out;
    }
    *out = s;
    s = NULL;
out:
    sg_tls_store_free(s);
    return rc;
}

int sg_tls_store_reload(struct sg_tls_store *s, bool force, bool *reloaded, struct sg_error *err)
{
    struct sg_file_id cert_now, key_now;
    struct sg_tls_pair *pair = NULL;
    int rc;

    *reloaded = false;
    if (!force) {
        sg_file_id_of(s->cert_path, &cert_now);
        sg_file_id_of(s->key_path, &key_now);
        if (sg_file_id_equal(&cert_now, &s->cert_id) && sg_file_id_equal(&key_now, &s->key_id))
            return 0;
    }
    rc = pair_load(s, &pair, err);
    if (rc != 0)
        return rc;
    long long not_after = pair->not_after;
    rc = sg_snapshot_slot_set(&s->slot, pair);
    if (rc != 0)
        return sg_error_set(err, rc, "out of memory installing '%s'", s->cert_path);
    atomic_store(&s->not_after, not_after);
    *reloaded = true;
    return 0;
}

struct sg_snapshot *sg_tls_store_acquire(struct sg_tls_store *s)
{
    return sg_snapshot_acquire(&s->slot);
}

long long sg_tls_store_not_after(struct sg_tls_store *s)
{
    return atomic_load(&s->not_after);
}

bool sg_tls_store_requires_client_cert(const struct sg_tls_store *s)
{
    return s->client_ca != NULL;
}

SSL_CTX *sg_tls_pair_ctx(const struct sg_tls_pair *pair)
{
    return pair->ctx;
}

void sg_tls_store_free(struct sg_tls_store *s)
{
    if (s == NULL)
        return;
    if (s->slot_ready)
        sg_snapshot_slot_release(&s->slot);
    sk_X509_pop_free(s->client_ca, X509_free);
    free(s->cert_path);
    free(s->key_path);
    free(s);
}
