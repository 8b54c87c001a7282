/* tls.c - see tls.h.
 *
 * GnuTLS calls back into us (certificate, handshake messages, client
 * certificate verification) with nothing but the session. libmicrohttpd
 * sets each session's pointer to its MHD_Connection, whose socket context
 * is the connection's record (conns.h): that is how a callback finds the
 * connection's sg_tls_conn. */
#include "tls.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/x509.h>
#include <microhttpd.h>

#include "pem.h"
#include "conns.h"
#include "file.h"

/* A certificate whose notBefore is this far ahead of our clock is taken as
 * valid: the issuer's clock (cert-manager's) may run a little ahead. */
#define CLOCK_SKEW_S 300

struct sg_tls_pair {
    gnutls_pcert_st pcert[SG_TLS_MAX_CHAIN];
    unsigned n_pcert;
    gnutls_privkey_t key;
};

struct sg_tls_store {
    char *cert_path, *key_path;
    char *client_ca; /* PEM, NUL-terminated; NULL: no client certificates asked */
    struct sg_snapshot_slot slot;
    bool slot_ready;
    /* What the last attempt read; a change from these triggers a reload. */
    struct sg_file_id cert_id, key_id;
    atomic_llong not_after;
};

static void pair_free(void *p)
{
    struct sg_tls_pair *pair = p;

    if (pair == NULL)
        return;
    for (unsigned i = 0; i < pair->n_pcert; i++)
        gnutls_pcert_deinit(&pair->pcert[i]);
    if (pair->key != NULL)
        gnutls_privkey_deinit(pair->key);
    free(pair);
}

/* The leaf's validity period, from its DER. */
static int leaf_times(const gnutls_pcert_st *leaf, long long *not_before, long long *not_after)
{
    gnutls_x509_crt_t crt = NULL;
    int g = gnutls_x509_crt_init(&crt);

    if (g >= 0)
        g = gnutls_x509_crt_import(crt, &leaf->cert, GNUTLS_X509_FMT_DER);
    if (g >= 0) {
        *not_before = (long long)gnutls_x509_crt_get_activation_time(crt);
        *not_after = (long long)gnutls_x509_crt_get_expiration_time(crt);
    }
    gnutls_x509_crt_deinit(crt);
    return g;
}

/* An expired certificate, or one not valid yet, is no certificate to serve:
 * the API server would refuse every handshake. */
static int check_validity(const struct sg_tls_store *s, long long not_before, long long not_after,
                          struct sg_error *err)
{
    long long now = (long long)time(NULL);
    char when[40];

    if (now >= not_after) {
        sg_pem_format_time(not_after, when, sizeof(when));
        return sg_error_set(err, SG_ERR_TLS, "certificate '%s' expired at %s", s->cert_path, when);
    }
    if (now + CLOCK_SKEW_S < not_before) {
        sg_pem_format_time(not_before, when, sizeof(when));
        return sg_error_set(err, SG_ERR_TLS, "certificate '%s' is not valid before %s",
                            s->cert_path, when);
    }
    return 0;
}

static int pair_import(struct sg_tls_store *s, struct sg_tls_pair *pair, const char *cert_pem,
                       size_t cert_len, const char *key_pem, size_t key_len, struct sg_error *err)
{
    gnutls_datum_t d;
    int g;

    d.data = (unsigned char *)(uintptr_t)cert_pem;
    d.size = (unsigned)cert_len;
    pair->n_pcert = SG_TLS_MAX_CHAIN;
    g = gnutls_pcert_list_import_x509_raw(pair->pcert, &pair->n_pcert, &d, GNUTLS_X509_FMT_PEM, 0);
    if (g < 0 || pair->n_pcert == 0) {
        pair->n_pcert = 0;
        return sg_error_set(err, SG_ERR_TLS, "certificate '%s': %s", s->cert_path,
                            g < 0 ? gnutls_strerror(g) : "no certificate in the file");
    }
    g = gnutls_privkey_init(&pair->key);
    if (g >= 0) {
        d.data = (unsigned char *)(uintptr_t)key_pem;
        d.size = (unsigned)key_len;
        g = gnutls_privkey_import_x509_raw(pair->key, &d, GNUTLS_X509_FMT_PEM, NULL, 0);
    }
    if (g < 0)
        return sg_error_set(err, SG_ERR_TLS, "key '%s': %s", s->key_path, gnutls_strerror(g));
    return 0;
}

static int pair_load(struct sg_tls_store *s, struct sg_tls_pair **out, long long *not_before,
                     long long *not_after, struct sg_error *err)
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
    /* The key must be the leaf's: certs/ checks that with the same rules as
     * `seccomp-guard certs`, before GnuTLS sees either. */
    rc = sg_pem_check_pair(cert_pem, cert_len, key_pem, key_len, not_after, err);
    if (rc != 0) {
        sg_error_prefix(err, "certificate '%s', key '%s'", s->cert_path, s->key_path);
        goto out;
    }
    pair = calloc(1, sizeof(*pair));
    if (pair == NULL) {
        rc = sg_error_set(err, SG_ERR_NOMEM, "out of memory loading '%s'", s->cert_path);
        goto out;
    }
    rc = pair_import(s, pair, cert_pem, cert_len, key_pem, key_len, err);
    if (rc != 0)
        goto out;
    if (leaf_times(&pair->pcert[0], not_before, not_after) < 0) {
        rc = sg_error_set(err, SG_ERR_TLS, "certificate '%s': its validity cannot be read",
                          s->cert_path);
        goto out;
    }
    rc = check_validity(s, *not_before, *not_after, err);
    if (rc != 0)
        goto out;
    *out = pair;
    pair = NULL;
out:
    pair_free(pair);
    free(cert_pem);
    if (key_pem != NULL) {
        /* Key material does not linger in freed heap. */
        gnutls_memset(key_pem, 0, key_len);
        free(key_pem);
    }
    return rc;
}

static int read_client_ca(struct sg_tls_store *s, const char *path, struct sg_error *err)
{
    gnutls_x509_crt_t *list = NULL;
    unsigned n = 0;
    gnutls_datum_t d;
    char *pem = NULL;
    size_t len;
    int rc, g;

    rc = sg_file_read(path, SG_TLS_MAX_PEM_BYTES, &pem, &len, NULL, err);
    if (rc != 0)
        goto out;
    d.data = (unsigned char *)pem;
    d.size = (unsigned)len;
    g = gnutls_x509_crt_list_import2(&list, &n, &d, GNUTLS_X509_FMT_PEM, 0);
    if (g < 0 || n == 0) {
        rc = sg_error_set(err, SG_ERR_TLS, "client CA '%s': %s", path,
                          g < 0 ? gnutls_strerror(g) : "no certificate in the file");
        goto out;
    }
    s->client_ca = pem; /* sg_file_read put a NUL after it */
    pem = NULL;
out:
    for (unsigned i = 0; i < n; i++)
        gnutls_x509_crt_deinit(list[i]);
    gnutls_free(list);
    free(pem);
    return rc;
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
    long long not_before = 0, not_after = 0;
    int rc;

    *reloaded = false;
    if (!force) {
        sg_file_id_of(s->cert_path, &cert_now);
        sg_file_id_of(s->key_path, &key_now);
        if (sg_file_id_equal(&cert_now, &s->cert_id) && sg_file_id_equal(&key_now, &s->key_id))
            return 0;
    }
    rc = pair_load(s, &pair, &not_before, &not_after, err);
    if (rc != 0)
        return rc;
    rc = sg_snapshot_slot_set(&s->slot, pair);
    if (rc != 0)
        return sg_error_set(err, rc, "out of memory installing '%s'", s->cert_path);
    atomic_store(&s->not_after, not_after);
    *reloaded = true;
    return 0;
}

long long sg_tls_store_not_after(struct sg_tls_store *s)
{
    return atomic_load(&s->not_after);
}

const char *sg_tls_store_client_ca(const struct sg_tls_store *s)
{
    return s->client_ca;
}

void sg_tls_store_free(struct sg_tls_store *s)
{
    if (s == NULL)
        return;
    if (s->slot_ready)
        sg_snapshot_slot_release(&s->slot);
    free(s->client_ca);
    free(s->cert_path);
    free(s->key_path);
    free(s);
}

/* ---- one connection's handshake ---------------------------------------- */

static struct sg_tls_conn *conn_of(gnutls_session_t session)
{
    struct MHD_Connection *mc = gnutls_session_get_ptr(session);
    const union MHD_ConnectionInfo *ci;
    struct sg_conn *c;

    if (mc == NULL)
        return NULL;
    ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    c = ci != NULL ? ci->socket_context : NULL;
    return c != NULL ? &c->tls : NULL;
}

static void refuse(struct sg_tls_conn *t, const char *why)
{
    size_t n;

    t->refused = true;
    snprintf(t->why, sizeof(t->why), "%s", why);
    n = strlen(t->why);
    while (n > 0 && t->why[n - 1] == ' ')
        t->why[--n] = '\0'; /* GnuTLS's status text ends in one */
}

/* Every handshake message, after it went out or came in. */
static int on_handshake_message(gnutls_session_t session, unsigned htype, unsigned when,
                                unsigned incoming, const gnutls_datum_t *msg)
{
    struct sg_tls_conn *t = conn_of(session);
    struct sg_conn *c;

    (void)when;
    if (t == NULL)
        return 0;
    switch (htype) {
    case GNUTLS_HANDSHAKE_CLIENT_HELLO:
        t->hello = t->hello || incoming;
        break;
    case GNUTLS_HANDSHAKE_SERVER_HELLO:
        t->answered = t->answered || !incoming;
        break;
    case GNUTLS_HANDSHAKE_CERTIFICATE_PKT:
        /* The client's list, before it is parsed: an empty one (a TLS 1.3
         * context byte and a length, or a TLS 1.2 length, all zero) is a
         * client without a certificate, which GnuTLS then refuses. */
        if (incoming && msg != NULL && msg->size <= 4) {
            bool empty = true;
            for (unsigned i = 0; i < msg->size; i++)
                empty = empty && msg->data[i] == 0;
            if (empty)
                refuse(t, "the client sent no certificate");
        }
        break;
    case GNUTLS_HANDSHAKE_FINISHED:
        if (incoming && !t->finished) {
            t->finished = true;
            c = (struct sg_conn *)((char *)t - offsetof(struct sg_conn, tls));
            sg_conn_handshaken(c);
        }
        break;
    default:
        break;
    }
    return 0;
}

/* The client's certificate against --client-ca (the credentials' trust
 * list, which libmicrohttpd filled from MHD_OPTION_HTTPS_MEM_TRUST), for
 * client authentication. Nonzero refuses the handshake. */
static int on_client_certificate(gnutls_session_t session)
{
    struct sg_tls_conn *t = conn_of(session);
    gnutls_typed_vdata_st purpose = {GNUTLS_DT_KEY_PURPOSE_OID,
                                     (unsigned char *)(uintptr_t)GNUTLS_KP_TLS_WWW_CLIENT, 0};
    gnutls_datum_t text = {NULL, 0};
    unsigned status = 0;
    int g;

    g = gnutls_certificate_verify_peers(session, &purpose, 1, &status);
    if (g >= 0 && status == 0)
        return 0;
    if (t != NULL) {
        if (g < 0) {
            refuse(t, gnutls_strerror(g));
        } else if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text,
                                                                0) >= 0) {
            refuse(t, (const char *)text.data);
        } else {
            refuse(t, "the client certificate did not verify");
        }
    }
    gnutls_free(text.data);
    return -1;
}

void sg_tls_conn_start(struct sg_tls_store *store, gnutls_session_t session, struct sg_tls_conn *t)
{
    memset(t, 0, sizeof(*t));
    t->store = store;
    gnutls_handshake_set_hook_function(session, GNUTLS_HANDSHAKE_ANY, GNUTLS_HOOK_POST,
                                       on_handshake_message);
    if (store->client_ca != NULL) {
        /* libmicrohttpd only asks for a client certificate; require one. */
        gnutls_certificate_server_set_request(session, GNUTLS_CERT_REQUIRE);
        gnutls_session_set_verify_function(session, on_client_certificate);
    }
}

void sg_tls_conn_release(struct sg_tls_conn *t)
{
    sg_snapshot_release(t->pair);
    t->pair = NULL;
}

/* GnuTLS asks which certificate to present; the connection keeps the pair
 * it got until it closes. */
int sg_tls_certificate_callback(gnutls_session_t session, const gnutls_datum_t *req_ca_dn,
                                int nreqs, const gnutls_pk_algorithm_t *pk_algos,
                                int pk_algos_length, gnutls_pcert_st **pcert,
                                unsigned int *pcert_length, gnutls_privkey_t *pkey)
{
    struct sg_tls_conn *t = conn_of(session);
    const struct sg_tls_pair *pair;

    (void)req_ca_dn;
    (void)nreqs;
    (void)pk_algos;
    (void)pk_algos_length;
    if (t == NULL)
        return -1;
    if (t->pair == NULL)
        t->pair = sg_snapshot_acquire(&t->store->slot);
    if (t->pair == NULL)
        return -1;
    pair = sg_snapshot_value(t->pair);
    /* GnuTLS takes non-const pointers but never writes through them, nor
     * frees them: the callback keeps ownership. */
    *pcert = (gnutls_pcert_st *)(uintptr_t)pair->pcert;
    *pcert_length = pair->n_pcert;
    *pkey = pair->key;
    return 0;
}
