/* server.c - see server.h.
 *
 * A request's life: libmicrohttpd calls on_request once when the headers
 * are in (route, method, content type and length are checked then, and an
 * error is answered before any body is read), once per chunk of body
 * (appended to a buffer sized from Content-Length), and once at the end,
 * when the engine judges the body and the response is queued. The policy
 * snapshot is taken at that point and released right after, so a reload
 * never changes a decision half-way. */
#include "server.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>

#include "arena.h"
#include "conns.h"
#include "log.h"
#include "metrics.h"
#include "policyfile.h"
#include "signals.h"
#include "tls.h"
#include "tlsio.h"

#define THREADS_MAX 64

/* One client connection; libmicrohttpd's socket context. */
struct conn {
    struct sg_conn_track track;
    struct sg_server *server;
    struct sg_snapshot *tls; /* the pair this connection was handshaken with */
    struct sg_tlsio io;
    /* The request in progress (one at a time: HTTP/1.1 without pipelining). */
    bool in_request;
    bool answered;   /* an error response is queued; ignore the body */
    unsigned status; /* deferred error found while reading the body */
    const char *why; /* its message */
    const struct route *route;
    char *body;
    size_t body_len, body_cap;
    size_t reserved; /* bytes of the body-memory budget held */
};

typedef enum MHD_Result (*handler_fn)(struct sg_server *s, struct conn *c,
                                      struct MHD_Connection *mc);

struct route {
    const char *path;
    const char *method;
    enum sg_endpoint endpoint;
    handler_fn handler;
    bool has_body;
};

struct sg_server {
    struct sg_server_config cfg;
    struct MHD_Daemon *daemon;
    struct sg_policyfile *policy;
    struct sg_tls_store *tls;
    char *client_ca_pem;
    struct sg_metrics *metrics;
    struct sg_log log;
    bool log_ready;
    struct sg_conns conns;
    bool conns_ready;
    atomic_size_t body_memory; /* bytes reserved by bodies being received */
    atomic_uint in_flight;     /* requests between headers and response sent */
    atomic_bool stopping;
    unsigned port;
};

static enum MHD_Result handle_review(struct sg_server *s, struct conn *c,
                                     struct MHD_Connection *mc);
static enum MHD_Result handle_healthz(struct sg_server *s, struct conn *c,
                                      struct MHD_Connection *mc);
static enum MHD_Result handle_readyz(struct sg_server *s, struct conn *c,
                                     struct MHD_Connection *mc);
static enum MHD_Result handle_metrics(struct sg_server *s, struct conn *c,
                                      struct MHD_Connection *mc);

static const struct route routes[] = {
    {"/validate", MHD_HTTP_METHOD_POST, SG_ENDPOINT_VALIDATE, handle_review, true},
    {"/mutate", MHD_HTTP_METHOD_POST, SG_ENDPOINT_MUTATE, handle_review, true},
    {"/healthz", MHD_HTTP_METHOD_GET, SG_ENDPOINT_HEALTHZ, handle_healthz, false},
    {"/readyz", MHD_HTTP_METHOD_GET, SG_ENDPOINT_READYZ, handle_readyz, false},
    {"/metrics", MHD_HTTP_METHOD_GET, SG_ENDPOINT_METRICS, handle_metrics, false},
};

void sg_server_config_init(struct sg_server_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->listen = SG_SERVER_DEFAULT_LISTEN;
    cfg->max_body_bytes = SG_SERVER_DEFAULT_MAX_BODY_BYTES;
    cfg->body_memory_bytes = SG_SERVER_DEFAULT_BODY_MEMORY_BYTES;
    cfg->max_connections = SG_SERVER_DEFAULT_MAX_CONNECTIONS;
    cfg->connection_memory = SG_SERVER_DEFAULT_CONNECTION_MEMORY;
    cfg->idle_timeout_s = SG_SERVER_DEFAULT_IDLE_TIMEOUT_S;
    cfg->request_timeout_s = SG_SERVER_DEFAULT_REQUEST_TIMEOUT_S;
    cfg->threads = SG_SERVER_DEFAULT_THREADS;
    cfg->decision_fd = 1;
    cfg->event_fd = 2;
}

static unsigned long long now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000u + (unsigned long long)ts.tv_nsec / 1000u;
}

/* ---- responses ---------------------------------------------------------- */

/* Queues `resp` with `status`, counts it, and drops our reference. While
 * shutting down every response closes its connection, so keep-alive clients
 * move to another replica instead of finding this one gone mid-request. */
static enum MHD_Result respond(struct sg_server *s, struct conn *c, struct MHD_Connection *mc,
                               enum sg_endpoint ep, unsigned status, struct MHD_Response *resp,
                               size_t body_bytes)
{
    enum MHD_Result r;

    if (resp == NULL)
        return MHD_NO;
    if (atomic_load_explicit(&s->stopping, memory_order_relaxed))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    sg_tlsio_cork(&c->io, body_bytes); /* flushed as one record by on_completed */
    r = MHD_queue_response(mc, status, resp);
    MHD_destroy_response(resp);
    if (r == MHD_YES) {
        sg_metrics_request(s->metrics, ep, status);
    } else {
        const char *why;
        sg_tlsio_flush(&c->io, &why); /* nothing is held yet: only uncorks */
    }
    return r;
}

static enum MHD_Result respond_text(struct sg_server *s, struct conn *c, struct MHD_Connection *mc,
                                    enum sg_endpoint ep, unsigned status, const char *text)
{
    struct MHD_Response *resp;

    resp = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    return respond(s, c, mc, ep, status, resp, strlen(text));
}

/* An error on an admission endpoint also gets a log line. */
static enum MHD_Result respond_error(struct sg_server *s, struct conn *c, struct MHD_Connection *mc,
                                     unsigned status, const char *why)
{
    char text[SG_ERROR_MSG_MAX + 2];
    enum sg_endpoint ep = c->route != NULL ? c->route->endpoint : SG_ENDPOINT_OTHER;

    c->answered = true;
    if (ep == SG_ENDPOINT_VALIDATE || ep == SG_ENDPOINT_MUTATE)
        sg_log_rejected(&s->log, sg_endpoint_name(ep), status, why);
    snprintf(text, sizeof(text), "%s\n", why);
    return respond_text(s, c, mc, ep, status, text);
}

/* ---- the request body --------------------------------------------------- */

static bool budget_take(struct sg_server *s, struct conn *c, size_t n)
{
    size_t cur = atomic_load(&s->body_memory);

    do {
        if (cur + n > s->cfg.body_memory_bytes || cur + n < cur)
            return false;
    } while (!atomic_compare_exchange_weak(&s->body_memory, &cur, cur + n));
    c->reserved += n;
    return true;
}

static void budget_return(struct sg_server *s, struct conn *c)
{
    atomic_fetch_sub(&s->body_memory, c->reserved);
    c->reserved = 0;
}

/* Makes room for `cap` body bytes (+1 for a NUL the engine does not need
 * but a debugger likes). The buffer's size is always what this connection
 * holds of the body-memory budget. Returns 0, 413 or 503. */
static unsigned body_reserve(struct sg_server *s, struct conn *c, size_t cap)
{
    char *nb;

    if (cap > s->cfg.max_body_bytes)
        return MHD_HTTP_CONTENT_TOO_LARGE;
    if (cap <= c->body_cap && c->body != NULL)
        return 0;
    if (!budget_take(s, c, cap - c->body_cap))
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    nb = realloc(c->body, cap + 1);
    if (nb == NULL) {
        atomic_fetch_sub(&s->body_memory, cap - c->body_cap);
        c->reserved -= cap - c->body_cap;
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    }
    c->body = nb;
    c->body_cap = cap;
    return 0;
}

static bool parse_length(const char *v, size_t *out)
{
    size_t n = 0;

    if (v == NULL || *v == '\0')
        return false;
    for (; *v != '\0'; v++) {
        if (*v < '0' || *v > '9' || n > (SIZE_MAX - 9) / 10)
            return false;
        n = n * 10 + (size_t)(*v - '0');
    }
    *out = n;
    return true;
}

/* application/json, any case, optionally followed by parameters. */
static bool is_json(const char *v)
{
    static const char want[] = "application/json";

    if (v == NULL)
        return false;
    while (*v == ' ' || *v == '\t')
        v++;
    if (strncasecmp(v, want, sizeof(want) - 1) != 0)
        return false;
    v += sizeof(want) - 1;
    while (*v == ' ' || *v == '\t')
        v++;
    return *v == '\0' || *v == ';';
}

static const char *status_text(unsigned status)
{
    switch (status) {
    case MHD_HTTP_CONTENT_TOO_LARGE:
        return "request body too large";
    case MHD_HTTP_SERVICE_UNAVAILABLE:
        return "server busy: too many request bodies in memory, retry";
    default:
        return "bad request";
    }
}

static void request_reset(struct sg_server *s, struct conn *c)
{
    if (c->body_cap > SG_SERVER_BODY_KEEP_BYTES) {
        free(c->body);
        c->body = NULL;
        c->body_cap = 0;
        budget_return(s, c);
    }
    c->body_len = 0;
    c->route = NULL;
    c->answered = false;
    c->status = 0;
    c->why = NULL;
}

/* ---- handlers ----------------------------------------------------------- */

static const struct route *route_find(const char *url)
{
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if (strcmp(routes[i].path, url) == 0)
            return &routes[i];
    }
    return NULL;
}

/* The first call, headers in: everything that can be refused without the
 * body is refused here, before a byte of it is read. */
static enum MHD_Result begin_request(struct sg_server *s, struct conn *c, struct MHD_Connection *mc,
                                     const char *url, const char *method)
{
    const struct route *r = route_find(url);
    char msg[128];
    size_t len;
    unsigned st;

    c->route = r;
    if (r == NULL)
        return respond_error(s, c, mc, MHD_HTTP_NOT_FOUND, "not found");
    bool head_ok =
        strcmp(r->method, MHD_HTTP_METHOD_GET) == 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
    if (strcmp(method, r->method) != 0 && !head_ok) {
        struct MHD_Response *resp;
        snprintf(msg, sizeof(msg), "method not allowed: %s takes %s\n", r->path, r->method);
        c->answered = true;
        resp = MHD_create_response_from_buffer(strlen(msg), msg, MHD_RESPMEM_MUST_COPY);
        if (resp == NULL)
            return MHD_NO;
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->method);
        return respond(s, c, mc, r->endpoint, MHD_HTTP_METHOD_NOT_ALLOWED, resp, strlen(msg));
    }
    if (!r->has_body)
        return MHD_YES;
    if (!is_json(MHD_lookup_connection_value(mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE)))
        return respond_error(s, c, mc, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                             "unsupported content type: send application/json");
    const char *cl =
        MHD_lookup_connection_value(mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl != NULL && !parse_length(cl, &len))
        return respond_error(s, c, mc, MHD_HTTP_BAD_REQUEST, "bad Content-Length");
    if (cl == NULL)
        len = 16 * 1024; /* chunked: start small, grow up to the limit */
    if (len > s->cfg.max_body_bytes) {
        snprintf(msg, sizeof(msg), "request body too large: %zu bytes, the limit is %zu", len,
                 s->cfg.max_body_bytes);
        return respond_error(s, c, mc, MHD_HTTP_CONTENT_TOO_LARGE, msg);
    }
    st = body_reserve(s, c, len);
    if (st != 0)
        return respond_error(s, c, mc, st, status_text(st));
    return MHD_YES;
}

static void body_append(struct sg_server *s, struct conn *c, const char *data, size_t n)
{
    unsigned st;

    if (c->status != 0)
        return; /* already refused: drain and answer at the end */
    if (n > c->body_cap - c->body_len) {
        size_t want = c->body_len + n;
        size_t cap = c->body_cap * 2 > want ? c->body_cap * 2 : want;
        if (cap > s->cfg.max_body_bytes && want <= s->cfg.max_body_bytes)
            cap = s->cfg.max_body_bytes;
        st = body_reserve(s, c, cap);
        if (st != 0) {
            c->status = st;
            c->why = status_text(st);
            return;
        }
    }
    memcpy(c->body + c->body_len, data, n);
    c->body_len += n;
}

static enum MHD_Result handle_review(struct sg_server *s, struct conn *c, struct MHD_Connection *mc)
{
    enum sg_endpoint ep = c->route->endpoint;
    enum sg_review_mode mode = ep == SG_ENDPOINT_MUTATE ? SG_REVIEW_MUTATE : SG_REVIEW_VALIDATE;
    struct sg_decision *d = NULL;
    struct sg_snapshot *snap;
    struct sg_error err;
    struct MHD_Response *resp = NULL;
    size_t len = 0;
    unsigned long long t0 = now_us(), us;
    unsigned status;
    int rc;

    sg_error_clear(&err);
    snap = sg_policyfile_acquire(s->policy);
    if (snap == NULL)
        return respond_error(s, c, mc, MHD_HTTP_SERVICE_UNAVAILABLE, "no policy loaded");
    c->body[c->body_len] = '\0';
    sg_arena_begin();
    rc = sg_review(sg_snapshot_value(snap), mode, c->body, c->body_len, &d, &err);
    if (rc == 0) {
        const char *bytes = sg_decision_response(d, &len);
        resp = MHD_create_response_from_buffer(len, (void *)bytes, MHD_RESPMEM_MUST_COPY);
        us = now_us() - t0;
        if (resp != NULL) {
            sg_metrics_decision(s->metrics, ep, d);
            sg_metrics_latency(s->metrics, ep, us);
            sg_log_decision(&s->log, sg_endpoint_name(ep), d, us);
        }
    }
    sg_decision_free(d);
    sg_arena_end();
    sg_snapshot_release(snap);
    if (rc == 0) {
        if (resp == NULL)
            return respond_error(s, c, mc, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
        return respond(s, c, mc, ep, MHD_HTTP_OK, resp, len);
    }
    switch (rc) {
    case SG_ERR_INVALID:
        status = MHD_HTTP_BAD_REQUEST;
        break;
    case SG_ERR_LIMIT:
        status = MHD_HTTP_CONTENT_TOO_LARGE;
        break;
    default:
        status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        break;
    }
    return respond_error(s, c, mc, status, err.msg[0] != '\0' ? err.msg : sg_error_code_name(rc));
}

static enum MHD_Result handle_healthz(struct sg_server *s, struct conn *c,
                                      struct MHD_Connection *mc)
{
    return respond_text(s, c, mc, SG_ENDPOINT_HEALTHZ, MHD_HTTP_OK, "ok\n");
}

static bool is_ready(struct sg_server *s)
{
    struct sg_snapshot *p, *t;
    bool ready;

    if (atomic_load(&s->stopping))
        return false;
    p = sg_policyfile_acquire(s->policy);
    t = sg_tls_store_acquire(s->tls);
    ready = p != NULL && t != NULL;
    sg_snapshot_release(p);
    sg_snapshot_release(t);
    return ready;
}

static enum MHD_Result handle_readyz(struct sg_server *s, struct conn *c, struct MHD_Connection *mc)
{
    if (!is_ready(s))
        return respond_text(s, c, mc, SG_ENDPOINT_READYZ, MHD_HTTP_SERVICE_UNAVAILABLE,
                            atomic_load(&s->stopping) ? "not ready: shutting down\n"
                                                      : "not ready\n");
    return respond_text(s, c, mc, SG_ENDPOINT_READYZ, MHD_HTTP_OK, "ready\n");
}

static enum MHD_Result handle_metrics(struct sg_server *s, struct conn *c,
                                      struct MHD_Connection *mc)
{
    struct sg_metrics_gauges g;
    struct MHD_Response *resp;
    size_t len;
    char *text;

    g.cert_not_after = sg_tls_store_not_after(s->tls);
    g.now = (long long)time(NULL);
    g.connections = sg_conns_count(&s->conns);
    g.ready = is_ready(s);
    text = sg_metrics_render(s->metrics, &g, &len);
    if (text == NULL)
        return respond_text(s, c, mc, SG_ENDPOINT_METRICS, MHD_HTTP_INTERNAL_SERVER_ERROR,
                            "out of memory\n");
    resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "text/plain; version=0.0.4; charset=utf-8");
    return respond(s, c, mc, SG_ENDPOINT_METRICS, MHD_HTTP_OK, resp, len);
}

/* ---- libmicrohttpd callbacks -------------------------------------------- */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct sg_server *s = cls;
    struct conn *c = *con_cls;

    (void)version;
    if (c == NULL) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        c = ci != NULL ? ci->socket_context : NULL;
        if (c == NULL)
            return MHD_NO; /* no record: out of memory at accept */
        *con_cls = c;
        c->in_request = true;
        atomic_fetch_add(&s->in_flight, 1);
        return begin_request(s, c, mc, url, method);
    }
    if (c->answered) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        body_append(s, c, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (c->status != 0)
        return respond_error(s, c, mc, c->status, c->why);
    return c->route->handler(s, c, mc);
}

static void on_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct sg_server *s = cls;
    struct conn *c = *con_cls;
    const char *why = NULL;

    (void)mc;
    if (c == NULL || !c->in_request)
        return;
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK && sg_tlsio_flush(&c->io, &why) < 0)
        sg_log_event(&s->log, "warn", "http", "connection closed: a response could not be sent: %s",
                     why);
    c->in_request = false;
    request_reset(s, c);
    sg_conns_idle(&s->conns, &c->track);
    atomic_fetch_sub(&s->in_flight, 1);
    *con_cls = NULL;
}

static void conn_free(struct sg_server *s, struct conn *c)
{
    if (c->in_request) {
        c->in_request = false;
        atomic_fetch_sub(&s->in_flight, 1);
    }
    budget_return(s, c);
    sg_tlsio_release(&c->io);
    sg_snapshot_release(c->tls);
    free(c->body);
    free(c);
}

static void on_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct sg_server *s = cls;
    struct conn *c;

    if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        c = *socket_context;
        if (c == NULL)
            return;
        /* Unlisted before libmicrohttpd closes the socket (conns.h). */
        sg_conns_remove(&s->conns, &c->track);
        conn_free(s, c);
        *socket_context = NULL;
        return;
    }
    const union MHD_ConnectionInfo *fd =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
    const union MHD_ConnectionInfo *ts =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (fd == NULL || ts == NULL)
        return;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return; /* the certificate callback then fails the handshake */
    c->server = s;
    gnutls_session_t session = ts->tls_session;
    gnutls_session_set_ptr(session, c);
    sg_tlsio_attach(&c->io, session, fd->connect_fd);
    if (s->client_ca_pem != NULL) {
        /* libmicrohttpd only asks for a client certificate; require one
         * and have GnuTLS verify it against --client-ca in the handshake. */
        gnutls_certificate_server_set_request(session, GNUTLS_CERT_REQUIRE);
        gnutls_session_set_verify_cert(session, NULL, 0);
    }
    sg_conns_add(&s->conns, &c->track, fd->connect_fd);
    *socket_context = c;
}

/* GnuTLS asks which certificate to present; the connection keeps the pair
 * it got until it closes. */
static int on_certificate(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
                          const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                          gnutls_pcert_st **pcert, unsigned int *pcert_length,
                          gnutls_privkey_t *pkey)
{
    struct conn *c = gnutls_session_get_ptr(session);

    (void)req_ca_dn;
    (void)nreqs;
    (void)pk_algos;
    (void)pk_algos_length;
    if (c == NULL)
        return -1;
    if (c->tls == NULL)
        c->tls = sg_tls_store_acquire(c->server->tls);
    if (c->tls == NULL)
        return -1;
    sg_tls_pair_get(sg_snapshot_value(c->tls), pcert, pcert_length, pkey);
    return 0;
}

__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct sg_server *s = cls;
    char msg[512];
    size_t n;

    vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    sg_log_event(&s->log, "warn", "http", "%s", msg);
}

/* ---- start, control loop, stop ------------------------------------------ */

/* A container's CPU limit as whole CPUs (rounded up), from cgroup v2's
 * cpu.max or v1's CFS quota; 0 when there is none. */
static unsigned cgroup_cpus(void)
{
    long long quota = -1, period = 0;
    FILE *f = fopen("/sys/fs/cgroup/cpu.max", "r");

    if (f != NULL) {
        if (fscanf(f, "%lld %lld", &quota, &period) != 2)
            quota = -1; /* "max 100000": no limit */
        fclose(f);
    } else {
        f = fopen("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "r");
        if (f != NULL) {
            if (fscanf(f, "%lld", &quota) != 1)
                quota = -1;
            fclose(f);
        }
        f = fopen("/sys/fs/cgroup/cpu/cpu.cfs_period_us", "r");
        if (f != NULL) {
            if (fscanf(f, "%lld", &period) != 1)
                period = 0;
            fclose(f);
        }
    }
    if (quota <= 0 || period <= 0)
        return 0;
    return (unsigned)((quota + period - 1) / period);
}

/* The CPUs this process may really use: its affinity mask, capped by a
 * container CPU limit (a pod limited to 1 CPU on a 32-CPU node gets one
 * thread, not 32 that the kernel would throttle). */
static unsigned usable_cpus(void)
{
    cpu_set_t set;
    unsigned n = 1, limit = cgroup_cpus();

    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
        n = (unsigned)CPU_COUNT(&set);
    if (limit > 0 && limit < n)
        n = limit;
    return n;
}

/* "ADDR:PORT", ":PORT" or "[V6]:PORT" into a socket address. */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *ss_len,
                        struct sg_error *err)
{
    char host[256];
    const char *colon = strrchr(listen, ':');
    const char *h = listen, *port;
    size_t hlen;
    struct addrinfo hints, *res = NULL;
    int g;

    if (colon == NULL || colon[1] == '\0')
        return sg_error_set(err, SG_ERR_INVALID,
                            "--listen '%s': want ADDR:PORT, :PORT or [IPV6]:PORT", listen);
    port = colon + 1;
    hlen = (size_t)(colon - listen);
    if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
        h++;
        hlen -= 2;
    }
    if (hlen >= sizeof(host))
        return sg_error_set(err, SG_ERR_INVALID, "--listen '%s': address too long", listen);
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = hlen == 0 ? AF_INET : AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    g = getaddrinfo(hlen == 0 ? NULL : host, port, &hints, &res);
    if (g != 0)
        return sg_error_set(err, SG_ERR_INVALID, "--listen '%s': %s", listen, gai_strerror(g));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *ss_len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static int start_daemon(struct sg_server *s, struct sg_error *err)
{
    struct sockaddr_storage ss;
    socklen_t ss_len;
    unsigned threads = s->cfg.threads != 0 ? s->cfg.threads : usable_cpus();
    unsigned flags = MHD_USE_TLS | MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    int rc;

    if (threads > THREADS_MAX)
        threads = THREADS_MAX;
    rc = parse_listen(s->cfg.listen, &ss, &ss_len, err);
    if (rc != 0)
        return rc;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* The logger goes first so that libmicrohttpd's own messages about
     * the options that follow come through it. */
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_HTTPS_CERT_CALLBACK,
        on_certificate, MHD_OPTION_HTTPS_PRIORITIES, SG_TLS_PRIORITIES, MHD_OPTION_HTTPS_MEM_TRUST,
        s->client_ca_pem, MHD_OPTION_CONNECTION_LIMIT, s->cfg.max_connections,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, s->cfg.connection_memory, MHD_OPTION_CONNECTION_TIMEOUT,
        s->cfg.idle_timeout_s, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
        /* Last, because one thread is no pool: the option is then left out
         * (libmicrohttpd warns about a pool of 1), the END ending the list. */
        threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, threads, MHD_OPTION_END);
    if (s->daemon == NULL)
        return sg_error_set(err, SG_ERR_IO,
                            "cannot listen on '%s' (address in use, or not permitted?)",
                            s->cfg.listen);
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di != NULL ? di->port : 0;
    sg_log_event(&s->log, "info", "start",
                 "listening on %s (port %u), %u threads, policy '%s', certificate '%s'%s",
                 s->cfg.listen, s->port, threads, s->cfg.policy_path, s->cfg.cert_path,
                 s->client_ca_pem != NULL ? ", client certificates required" : "");
    return 0;
}

int sg_server_start(const struct sg_server_config *cfg, struct sg_server **out,
                    struct sg_error *err)
{
    struct sg_server *s;
    int rc;

    *out = NULL;
    if (cfg->policy_path == NULL || cfg->cert_path == NULL || cfg->key_path == NULL)
        return sg_error_set(err, SG_ERR_INVALID, "--policy, --tls-cert and --tls-key are required");
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    s->cfg = *cfg;
    rc = sg_log_init(&s->log, cfg->decision_fd, cfg->event_fd);
    if (rc != 0) {
        sg_error_set(err, rc, "cannot set up logging");
        goto out;
    }
    s->log_ready = true;
    rc = sg_conns_init(&s->conns);
    if (rc != 0) {
        sg_error_set(err, rc, "cannot set up connection tracking");
        goto out;
    }
    s->conns_ready = true;
    rc = sg_metrics_new(&s->metrics);
    if (rc != 0) {
        sg_error_set(err, rc, "cannot set up metrics");
        goto out;
    }
    rc = sg_arena_install();
    if (rc != 0) {
        sg_error_set(err, rc, "cannot set up the JSON arena");
        goto out;
    }
    rc = sg_policyfile_new(cfg->policy_path, &s->policy, err);
    if (rc != 0) {
        sg_error_prefix(err, "--policy");
        goto out;
    }
    rc = sg_tls_store_new(cfg->cert_path, cfg->key_path, &s->tls, err);
    if (rc != 0) {
        sg_error_prefix(err, "--tls-cert/--tls-key");
        goto out;
    }
    if (cfg->client_ca_path != NULL) {
        rc = sg_tls_read_ca(cfg->client_ca_path, &s->client_ca_pem, err);
        if (rc != 0) {
            sg_error_prefix(err, "--client-ca");
            goto out;
        }
    }
    rc = start_daemon(s, err);
    if (rc != 0)
        goto out;
    long long left = sg_tls_store_not_after(s->tls) - (long long)time(NULL);
    sg_log_event(&s->log, left > 0 ? "info" : "error", "certificate",
                 "certificate '%s' expires in %lld seconds", cfg->cert_path, left);
    *out = s;
    s = NULL;
out:
    sg_server_free(s);
    return rc;
}

unsigned sg_server_port(const struct sg_server *s)
{
    return s->port;
}

static void reload(struct sg_server *s, bool force)
{
    struct sg_error err;
    bool reloaded;

    sg_error_clear(&err);
    if (sg_policyfile_reload(s->policy, force, &reloaded, &err) != 0) {
        sg_metrics_policy_reload(s->metrics, false);
        sg_log_event(&s->log, "error", "policy-reload",
                     "new policy refused, the last good one stays in force: %s", err.msg);
    } else if (reloaded) {
        sg_metrics_policy_reload(s->metrics, true);
        sg_log_event(&s->log, "info", "policy-reload", "policy '%s' reloaded",
                     sg_policyfile_path(s->policy));
    }
    sg_error_clear(&err);
    if (sg_tls_store_reload(s->tls, force, &reloaded, &err) != 0) {
        sg_metrics_cert_reload(s->metrics, false);
        sg_log_event(&s->log, "error", "certificate-reload",
                     "new certificate refused, the last good one stays in force: %s", err.msg);
    } else if (reloaded) {
        sg_metrics_cert_reload(s->metrics, true);
        sg_log_event(&s->log, "info", "certificate-reload",
                     "certificate '%s' reloaded; it expires in %lld seconds", s->cfg.cert_path,
                     sg_tls_store_not_after(s->tls) - (long long)time(NULL));
    }
}

static void reap(struct sg_server *s, unsigned *busy)
{
    unsigned cut = sg_conns_reap(&s->conns, (long long)s->cfg.request_timeout_s * 1000, busy);

    for (unsigned i = 0; i < cut; i++)
        sg_metrics_request_timeout(s->metrics);
    if (cut > 0)
        sg_log_event(&s->log, "warn", "request-timeout",
                     "closed %u connection(s) whose request took over %u s", cut,
                     s->cfg.request_timeout_s);
}

/* Stop accepting, let every request that got in get its answer (each now
 * carries Connection: close), then stop the threads. */
static void drain(struct sg_server *s)
{
    long long deadline = sg_conns_now_ms() + (long long)s->cfg.request_timeout_s * 1000 + 1000;
    unsigned busy, quiet = 0;
    MHD_socket lfd;

    atomic_store(&s->stopping, true);
    lfd = MHD_quiesce_daemon(s->daemon);
    if (lfd != MHD_INVALID_SOCKET)
        close(lfd);
    sg_log_event(&s->log, "info", "stop", "stopped accepting; finishing requests in flight");
    while (sg_conns_now_ms() < deadline) {
        reap(s, &busy);
        /* Two quiet looks in a row: a request whose bytes were arriving
         * at the first look has reached the handler by the second. */
        quiet = busy == 0 && atomic_load(&s->in_flight) == 0 ? quiet + 1 : 0;
        if (quiet >= 2)
            break;
        poll(NULL, 0, 20);
    }
    MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
    sg_log_event(&s->log, "info", "stop", "stopped");
}

int sg_server_run(struct sg_server *s)
{
    long long next_watch = sg_conns_now_ms() + SG_SERVER_WATCH_MS;
    struct pollfd pfd = {.fd = sg_signals_fd(), .events = POLLIN};

    for (;;) {
        poll(&pfd, pfd.fd >= 0 ? 1 : 0, SG_SERVER_TICK_MS);
        unsigned sig = sg_signals_take();
        if (sig & SG_SIGNAL_STOP)
            break;
        if (sig & SG_SIGNAL_RELOAD) {
            sg_log_event(&s->log, "info", "reload", "SIGHUP: re-reading policy and certificate");
            reload(s, true);
        }
        reap(s, NULL);
        if (sg_conns_now_ms() >= next_watch) {
            reload(s, false);
            next_watch = sg_conns_now_ms() + SG_SERVER_WATCH_MS;
        }
    }
    drain(s);
    return 0;
}

void sg_server_free(struct sg_server *s)
{
    if (s == NULL)
        return;
    if (s->daemon != NULL)
        MHD_stop_daemon(s->daemon);
    sg_policyfile_free(s->policy);
    sg_tls_store_free(s->tls);
    free(s->client_ca_pem);
    sg_metrics_free(s->metrics);
    if (s->conns_ready)
        sg_conns_release(&s->conns);
    if (s->log_ready)
        sg_log_release(&s->log);
    free(s);
}
