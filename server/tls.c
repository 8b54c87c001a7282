/* tls.c - see tls.h. */
#include "tls.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/x509.h>

#include "certs.h"
#include "file.h"

struct sg_tls_pair {
    gnutls_pcert_st pcert[SG_TLS_MAX_CHAIN];
    unsigned n_pcert;
    gnutls_privkey_t key;
    long long not_after;
};

struct sg_tls_store {
    char *cert_path, *key_path;
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

static int pair_load(struct sg_tls_store *s, struct sg_tls_pair **out, struct sg_error *err)
{
    struct sg_tls_pair *pair = NULL;
    char *cert_pem = NULL, *key_pem = NULL;
    size_t cert_len, key_len;
    gnutls_datum_t d;
    int rc, g;

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
    rc = sg_certs_check_pair(cert_pem, cert_len, key_pem, key_len, &pair->not_after, err);
    if (rc != 0) {
        sg_error_prefix(err, "certificate '%s', key '%s'", s->cert_path, s->key_path);
        goto out;
    }
    d.data = (unsigned char *)cert_pem;
    d.size = (unsigned)cert_len;
    pair->n_pcert = SG_TLS_MAX_CHAIN;
    g = gnutls_pcert_list_import_x509_raw(pair->pcert, &pair->n_pcert, &d, GNUTLS_X509_FMT_PEM, 0);
    if (g < 0 || pair->n_pcert == 0) {
        pair->n_pcert = 0;
        rc = sg_error_set(err, SG_ERR_TLS, "certificate '%s': %s", s->cert_path,
                          g < 0 ? gnutls_strerror(g) : "no certificate in the file");
        goto out;
    }
    g = gnutls_privkey_init(&pair->key);
    if (g >= 0) {
        d.data = (unsigned char *)key_pem;
        d.size = (unsigned)key_len;
        g = gnutls_privkey_import_x509_raw(pair->key, &d, GNUTLS_X509_FMT_PEM, NULL, 0);
    }
    if (g < 0) {
        rc = sg_error_set(err, SG_ERR_TLS, "key '%s': %s", s->key_path, gnutls_strerror(g));
        goto out;
    }
    *out = pair;
    pair = NULL;
out:
    pair_free(pair);
    free(cert_pem);
    if (key_pem != NULL) {
        /* Key material does not linger in freed heap. */
        memset(key_pem, 0, key_len);
        free(key_pem);
    }
    return rc;
}

int sg_tls_store_new(const char *cert_path, const char *key_path, struct sg_tls_store **out,
                     struct sg_error *err)
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
    rc = sg_snapshot_slot_init(&s->slot, pair_free);
    if (rc != 0) {
        sg_error_set(err, rc, "cannot create the certificate slot");
        goto out;
    }
    s->slot_ready = true;
    rc = sg_tls_store_reload(s, true, &reloaded, err);
    if (rc != 0)
        goto out;
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

void sg_tls_pair_get(const struct sg_tls_pair *pair, gnutls_pcert_st **pcert, unsigned *n,
                     gnutls_privkey_t *key)
{
    /* GnuTLS takes non-const pointers but never writes through them when
     * the callback says it keeps ownership (it does not deinit them). */
    *pcert = (gnutls_pcert_st *)pair->pcert;
    *n = pair->n_pcert;
    *key = pair->key;
}

void sg_tls_store_free(struct sg_tls_store *s)
{
    if (s == NULL)
        return;
    if (s->slot_ready)
        sg_snapshot_slot_release(&s->slot);
    free(s->cert_path);
    free(s->key_path);
    free(s);
}

int sg_tls_read_ca(const char *path, char **pem, struct sg_error *err)
{
    gnutls_x509_crt_t *list = NULL;
    unsigned n = 0;
    gnutls_datum_t d;
    char *buf = NULL;
    size_t len;
    int rc, g;

    *pem = NULL;
    rc = sg_file_read(path, SG_TLS_MAX_PEM_BYTES, &buf, &len, NULL, err);
    if (rc != 0)
        goto out;
    d.data = (unsigned char *)buf;
    d.size = (unsigned)len;
    g = gnutls_x509_crt_list_import2(&list, &n, &d, GNUTLS_X509_FMT_PEM, 0);
    if (g < 0 || n == 0) {
        rc = sg_error_set(err, SG_ERR_TLS, "client CA '%s': %s", path,
                          g < 0 ? gnutls_strerror(g) : "no certificate in the file");
        goto out;
    }
    *pem = buf;
    buf = NULL;
    rc = 0;
out:
    for (unsigned i = 0; i < n; i++)
        gnutls_x509_crt_deinit(list[i]);
    gnutls_free(list);
    free(buf);
    return rc;
}
