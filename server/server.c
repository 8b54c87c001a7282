/* server.c - see server.h.
 *
 * A connection's life, on the event loop thread that accepted it: the TLS
 * handshake; then requests one after another, each read as a head (parsed
 * by http.c; route, method, content type and length are checked there, so
 * an error is answered before any body is read) and a body (straight into
 * a buffer sized from Content-Length, or decoded from chunks), judged by
 * the engine, answered; then idle until the next request or the idle
 * timeout. While a response is being written nothing more is read, so a
 * client that does not read its answers stalls only itself, and the
 * request timeout cuts it.
 *
 * Sockets are non-blocking and edge-triggered in epoll, registered once
 * for reading and writing: a connection is driven until OpenSSL reports
 * that the socket would block, so no readiness is ever missed. The policy
 * snapshot is taken when a body is complete and released right after the
 * decision, so a reload never changes a decision half-way. */
#include "server.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "arena.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "policyfile.h"
#include "signals.h"
#include "sockbio.h"
#include "tls.h"

#define THREADS_MAX 64

/* Buffers: the request head starts in IN_START bytes and may grow to the
 * per-connection limit; a response buffer larger than OUT_KEEP_BYTES is
 * not kept for the next request. */
#define IN_START_BYTES 4096u
#define OUT_KEEP_BYTES (64u * 1024)
/* A body that comes with a refused request is read and dropped, keeping
 * the connection, when it is at most this long; a longer one (or a
 * chunked one over it) is not read: the answer closes the connection. */
#define DISCARD_MAX_BYTES (64u * 1024)
/* After an answer that leaves part of a request unread, the connection
 * reads and drops what still comes for this long before closing, so the
 * kernel does not reset it (and the answer with it) for unread data. */
#define LINGER_MS 2000
/* Requests one connection may have served from one wake-up before the
 * loop looks at the others (a client pipelining without end). */
#define ROUNDS_PER_WAKE  32
#define ACCEPTS_PER_WAKE 64
#define EVENTS_PER_WAIT  128
/* Accepted connections waiting to be taken by another loop. */
#define HANDOFF_MAX 256
/* Stopping: idle connections are closed once the loop has seen no request
 * in progress for this many looks this far apart. */
#define STOP_QUIET_LOOKS 2
#define STOP_LOOK_MS     20

enum conn_state {
    ST_HANDSHAKE,
    ST_HEAD,      /* reading a request head (or idle, waiting for one) */
    ST_BODY,      /* reading its body */
    ST_RESPONDED, /* the response is in `out`; next request once it is sent */
    ST_LINGER,    /* answered and shut down; dropping what the client still sends */
};

struct loop;

/* One client connection, owned by the loop that accepted it. */
struct conn {
    struct conn *prev, *next; /* the loop's list */
    struct conn *ready_next;  /* the loop's list of connections to drive again */
    bool on_ready;
    struct loop *loop;
    int fd;
    SSL *ssl;
    struct sg_snapshot *tls; /* the pair this connection was handshaken with */
    enum conn_state state;
    bool busy;             /* handshaking or in a request: the request timeout runs */
    bool writing_stalled;  /* the socket would not take the response */
    long long deadline_ms; /* when the running timeout cuts the connection */
    /* Bytes read and not yet used, in[in_pos..in_len): a head, the start
     * of a body, the next pipelined requests. No "\r\n\r\n" ends a head
     * before in[in_scan], so a head arriving in pieces is parsed once. */
    char *in;
    size_t in_pos, in_len, in_cap, in_scan;
    bool drained;   /* the last recv() came back short: the socket was empty */
    bool peer_shut; /* epoll saw the client's end of stream (or an error) */
    /* The request in progress. */
    struct sg_http_head head;
    const struct route *route;
    bool in_request; /* counted in the server's in_flight */
    bool head_only;  /* HEAD: the answer has no body */
    bool discard;    /* the body is read and dropped (the request was refused) */
    unsigned status; /* refusal to answer once the body has been dropped */
    const char *why;
    char why_buf[160];
    bool close_after; /* close once the response is sent */
    bool linger;      /* ... after dropping what the client still sends */
    bool chunked;
    struct sg_http_chunked chunks;
    size_t body_left; /* Content-Length bytes still to come */
    char *body;
    size_t body_len, body_cap;
    size_t reserved; /* bytes of the body-memory budget held */
    /* The response being sent: out[out_pos..out_len). */
    char *out;
    size_t out_len, out_pos, out_cap;
};

typedef void (*handler_fn)(struct sg_server *s, struct conn *c);

struct route {
    const char *path;
    const char *method;
    enum sg_endpoint endpoint;
    handler_fn handler;
    bool has_body;
};

/* One event-loop thread: its own epoll set and connections. */
struct loop {
    struct sg_server *server;
    pthread_t thread;
    bool started;
    int epfd;
    int wake_fd;         /* eventfd: the control thread asks the loop to stop */
    struct conn conns;   /* sentinel of a circular list */
    atomic_uint n_conns; /* its connections and those queued for it; read by all */
    /* Connections another loop accepted for this one (loop_accept). */
    int handoff_fd; /* eventfd: some are waiting */
    pthread_mutex_t handoff_lock;
    bool handoff_lock_ready;
    bool handoff_closed; /* the loop has ended: nothing more may be queued */
    unsigned handoff_n;
    int handoff[HANDOFF_MAX];
    struct conn *ready; /* connections to drive again before waiting */
    long long now_ms;   /* CLOCK_MONOTONIC at the last wake-up */
    long long next_tick_ms;
    bool listening; /* the listening socket is in this loop's epoll set */
    bool stopping;
    unsigned quiet_looks;
    long long next_look_ms;
    atomic_bool has_busy; /* stopping: a connection of this loop is in a request */
    long long stop_deadline_ms;
    time_t date_at; /* the Date header below is for this second */
    char date[40];
};

struct sg_server {
    struct sg_server_config cfg;
    int listen_fd;
    struct loop *loops;
    unsigned n_loops;
    struct sg_policyfile *policy;
    struct sg_tls_store *tls;
    struct sg_metrics *metrics;
    struct sg_log log;
    bool log_ready;
    atomic_uint connections;
    atomic_size_t body_memory;      /* bytes reserved by bodies being received */
    atomic_uint in_flight;          /* requests between head and response sent */
    atomic_uint timeouts;           /* connections cut by the request timeout, not yet logged */
    atomic_uint stalled;            /* ... of which a response could not be sent */
    atomic_uint handshake_failures; /* refused TLS handshakes, not yet logged */
    _Atomic(const char *) handshake_why; /* the last one's reason (OpenSSL's static text) */
    atomic_uint limit_hits; /* times a loop stopped accepting at the limit, not yet logged */
    atomic_uint unlistened; /* stopping: loops that took the listening socket out of epoll */
    atomic_bool stopping;
    unsigned port;
};

static void loop_listen(struct loop *l, bool on);
static void handle_review(struct sg_server *s, struct conn *c);
static void handle_healthz(struct sg_server *s, struct conn *c);
static void handle_readyz(struct sg_server *s, struct conn *c);
static void handle_metrics(struct sg_server *s, struct conn *c);

static const struct route routes[] = {
    {"/validate", "POST", SG_ENDPOINT_VALIDATE, handle_review, true},
    {"/mutate", "POST", SG_ENDPOINT_MUTATE, handle_review, true},
    {"/healthz", "GET", SG_ENDPOINT_HEALTHZ, handle_healthz, false},
    {"/readyz", "GET", SG_ENDPOINT_READYZ, handle_readyz, false},
    {"/metrics", "GET", SG_ENDPOINT_METRICS, handle_metrics, false},
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

static long long mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned long long now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000u + (unsigned long long)ts.tv_nsec / 1000u;
}

/* ---- responses ---------------------------------------------------------- */

static const char *reason_phrase(unsigned status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 417:
        return "Expectation Failed";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Error";
    }
}

/* The Date header's value (RFC 9110 section 6.6.1), formatted once a second
 * per loop. */
static const char *loop_date(struct loop *l)
{
    time_t now = time(NULL);
    struct tm tm;

    if (now != l->date_at && gmtime_r(&now, &tm) != NULL) {
        strftime(l->date, sizeof(l->date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        l->date_at = now;
    }
    return l->date;
}

/* Room for n more bytes after what `out` holds. */
static bool out_reserve(struct conn *c, size_t n)
{
    char *nb;
    size_t cap;

    if (c->out_pos == c->out_len)
        c->out_pos = c->out_len = 0;
    if (n <= c->out_cap - c->out_len)
        return true;
    cap = c->out_len + n;
    if (cap < 2 * c->out_cap)
        cap = 2 * c->out_cap;
    nb = realloc(c->out, cap);
    if (nb == NULL)
        return false;
    c->out = nb;
    c->out_cap = cap;
    return true;
}

/* Puts a whole response in `out`; it is sent before anything more is read.
 * Every response closes the connection while the server is stopping, so
 * keep-alive clients move to another replica instead of finding this one
 * gone mid-request. `extra` is NULL or header lines, each ending in CRLF. */
static char *put(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

static char *put_str(char *p, const char *s)
{
    return put(p, s, strlen(s));
}

static void respond(struct conn *c, enum sg_endpoint ep, unsigned status, const char *type,
                    const char *body, size_t len, const char *extra)
{
    struct sg_server *s = c->loop->server;
    const char *connection = "", *reason = reason_phrase(status), *date = loop_date(c->loop);
    char digits[24], *p;
    size_t nd = 0, head;

    if (atomic_load_explicit(&s->stopping, memory_order_relaxed) || !c->head.keep_alive)
        c->close_after = true;
    if (c->close_after)
        connection = "Connection: close\r\n";
    else if (c->head.minor == 0)
        connection = "Connection: keep-alive\r\n";
    for (size_t v = len; nd == 0 || v != 0; v /= 10)
        digits[sizeof(digits) - ++nd] = (char)('0' + v % 10);
    /* Built by hand, not with snprintf: this runs for every request. */
    head = sizeof("HTTP/1.1 200 \r\nDate: \r\nContent-Type: \r\nContent-Length: \r\n\r\n") - 1 +
           strlen(reason) + strlen(date) + strlen(type) + nd + strlen(connection) +
           (extra != NULL ? strlen(extra) : 0);
    if (c->head_only)
        len = 0;
    if (!out_reserve(c, head + len)) {
        /* No memory for an answer: the client sees the connection close. */
        c->close_after = true;
        c->linger = false;
        c->out_pos = c->out_len = 0;
    } else {
        p = c->out + c->out_len;
        p = put(p, "HTTP/1.1 ", 9);
        *p++ = (char)('0' + status / 100 % 10);
        *p++ = (char)('0' + status / 10 % 10);
        *p++ = (char)('0' + status % 10);
        *p++ = ' ';
        p = put_str(p, reason);
        p = put(p, "\r\nDate: ", 8);
        p = put_str(p, date);
        p = put(p, "\r\nContent-Type: ", 16);
        p = put_str(p, type);
        p = put(p, "\r\nContent-Length: ", 18);
        p = put(p, digits + sizeof(digits) - nd, nd);
        p = put(p, "\r\n", 2);
        p = put_str(p, connection);
        if (extra != NULL)
            p = put_str(p, extra);
        p = put(p, "\r\n", 2);
        if (len > 0)
            p = put(p, body, len);
        c->out_len = (size_t)(p - c->out);
    }
    sg_metrics_request(s->metrics, ep, status);
    c->state = ST_RESPONDED;
}

static void respond_text(struct conn *c, enum sg_endpoint ep, unsigned status, const char *text,
                         const char *extra)
{
    respond(c, ep, status, "text/plain; charset=utf-8", text, strlen(text), extra);
}

/* An error answer; on an admission endpoint also a log line. */
static void respond_error(struct conn *c, unsigned status, const char *why)
{
    struct sg_server *s = c->loop->server;
    enum sg_endpoint ep = c->route != NULL ? c->route->endpoint : SG_ENDPOINT_OTHER;
    char text[SG_ERROR_MSG_MAX + 2];
    char allow[64];

    if (ep == SG_ENDPOINT_VALIDATE || ep == SG_ENDPOINT_MUTATE)
        sg_log_rejected(&s->log, sg_endpoint_name(ep), status, why);
    snprintf(text, sizeof(text), "%s\n", why);
    if (status == 405 && c->route != NULL) {
        snprintf(allow, sizeof(allow), "Allow: %s\r\n", c->route->method);
        respond_text(c, ep, status, text, allow);
    } else {
        respond_text(c, ep, status, text, NULL);
    }
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
        return 413;
    if (cap <= c->body_cap && c->body != NULL)
        return 0;
    if (!budget_take(s, c, cap - c->body_cap))
        return 503;
    nb = realloc(c->body, cap + 1);
    if (nb == NULL) {
        atomic_fetch_sub(&s->body_memory, cap - c->body_cap);
        c->reserved -= cap - c->body_cap;
        return 503;
    }
    c->body = nb;
    c->body_cap = cap;
    return 0;
}

/* application/json, any case, optionally followed by parameters. */
static bool is_json(const struct sg_http_head *h)
{
    static const char want[] = "application/json";
    const char *v = h->content_type.p;
    size_t n = h->content_type.n, w = sizeof(want) - 1;

    if (!h->has_content_type || n < w || strncasecmp(v, want, w) != 0)
        return false;
    for (v += w, n -= w; n > 0 && (*v == ' ' || *v == '\t'); v++, n--)
        ;
    return n == 0 || *v == ';';
}

static const char *status_text(unsigned status)
{
    switch (status) {
    case 413:
        return "request body too large";
    case 503:
        return "server busy: too many request bodies in memory, retry";
    default:
        return "bad request";
    }
}

/* ---- requests ----------------------------------------------------------- */

static const struct route *route_find(struct sg_http_slice path)
{
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if (strlen(routes[i].path) == path.n && memcmp(routes[i].path, path.p, path.n) == 0)
            return &routes[i];
    }
    return NULL;
}

static bool method_is(struct sg_http_slice m, const char *want)
{
    return strlen(want) == m.n && memcmp(want, m.p, m.n) == 0;
}

/* A request refused from its head. Its body, if small, is read and dropped
 * first so the connection can serve the next request; otherwise the answer
 * goes now and closes the connection. */
static void refuse(struct conn *c, unsigned status, const char *why)
{
    bool body_coming = c->chunked || c->body_left > 0;

    snprintf(c->why_buf, sizeof(c->why_buf), "%s", why);
    if (body_coming && !c->chunked && c->body_left <= DISCARD_MAX_BYTES &&
        !c->head.expect_continue) {
        c->discard = true;
        c->status = status;
        c->why = c->why_buf;
        return;
    }
    if (body_coming) {
        c->close_after = true;
        c->linger = true;
    }
    respond_error(c, status, c->why_buf);
}

/* A request head has been read (and c->head describes it): everything that
 * can be refused without the body is refused here, before a byte of it is
 * read. */
static void begin_request(struct sg_server *s, struct conn *c)
{
    const struct route *r = route_find(c->head.path);
    char msg[128];
    size_t len;
    unsigned st;

    c->route = r;
    c->chunked = c->head.chunked;
    c->body_left = c->head.has_length ? c->head.content_length : 0;
    if (c->chunked)
        sg_http_chunked_init(&c->chunks);
    c->state = ST_BODY;
    if (r == NULL) {
        refuse(c, 404, "not found");
        return;
    }
    bool head_ok = strcmp(r->method, "GET") == 0 && method_is(c->head.method, "HEAD");
    if (!method_is(c->head.method, r->method) && !head_ok) {
        snprintf(msg, sizeof(msg), "method not allowed: %s takes %s", r->path, r->method);
        refuse(c, 405, msg);
        return;
    }
    if (!r->has_body) {
        /* A body sent to a GET endpoint is dropped, if it is small. */
        if (c->chunked || c->body_left > DISCARD_MAX_BYTES)
            refuse(c, 413, "request body too large");
        else
            c->discard = true;
        return;
    }
    if (!is_json(&c->head)) {
        refuse(c, 415, "unsupported content type: send application/json");
        return;
    }
    len = c->chunked ? 16 * 1024 : c->body_left;
    if (c->chunked && len > s->cfg.max_body_bytes)
        len = s->cfg.max_body_bytes;
    if (len > s->cfg.max_body_bytes) {
        snprintf(msg, sizeof(msg), "request body too large: %zu bytes, the limit is %zu", len,
                 s->cfg.max_body_bytes);
        refuse(c, 413, msg);
        return;
    }
    st = body_reserve(s, c, len);
    if (st != 0) {
        refuse(c, st, status_text(st));
        return;
    }
    if (c->head.expect_continue && (c->chunked || c->body_left > c->in_len - c->in_pos) &&
        out_reserve(c, 25)) {
        memcpy(c->out + c->out_len, "HTTP/1.1 100 Continue\r\n\r\n", 25);
        c->out_len += 25;
    }
}

/* The body is complete (or dropped): answer. */
static void finish_request(struct sg_server *s, struct conn *c)
{
    if (c->status != 0)
        respond_error(c, c->status, c->why);
    else
        c->route->handler(s, c);
}

static void end_request(struct sg_server *s, struct conn *c)
{
    if (c->in_request) {
        c->in_request = false;
        atomic_fetch_sub(&s->in_flight, 1);
    }
    if (c->body_cap > SG_SERVER_BODY_KEEP_BYTES) {
        free(c->body);
        c->body = NULL;
        c->body_cap = 0;
        budget_return(s, c);
    }
    if (c->out_cap > OUT_KEEP_BYTES && c->out_pos == c->out_len) {
        free(c->out);
        c->out = NULL;
        c->out_cap = c->out_len = c->out_pos = 0;
    }
    c->body_len = 0;
    c->body_left = 0;
    c->chunked = false;
    c->route = NULL;
    c->discard = false;
    c->head_only = false;
    c->status = 0;
    c->why = NULL;
}

/* ---- handlers ----------------------------------------------------------- */

static void handle_review(struct sg_server *s, struct conn *c)
{
    enum sg_endpoint ep = c->route->endpoint;
    enum sg_mode mode = ep == SG_ENDPOINT_MUTATE ? SG_MODE_MUTATE : SG_MODE_VALIDATE;
    struct sg_decision *d = NULL;
    struct sg_snapshot *snap;
    struct sg_error err;
    unsigned long long t0 = now_us(), us;
    unsigned status;
    size_t len = 0;
    int rc;

    sg_error_clear(&err);
    snap = sg_policyfile_acquire(s->policy);
    if (snap == NULL) {
        respond_error(c, 503, "no policy loaded");
        return;
    }
    c->body[c->body_len] = '\0';
    sg_arena_begin();
    rc = sg_review(sg_snapshot_value(snap), mode, c->body, c->body_len, &d, &err);
    if (rc == 0) {
        const char *bytes = sg_decision_response(d, &len);
        us = now_us() - t0;
        sg_metrics_decision(s->metrics, ep, d);
        sg_metrics_latency(s->metrics, ep, us);
        sg_log_decision(&s->log, sg_endpoint_name(ep), d, us);
        respond(c, ep, 200, "application/json", bytes, len, NULL);
    }
    sg_decision_free(d);
    sg_arena_end();
    sg_snapshot_release(snap);
    if (rc == 0)
        return;
    switch (rc) {
    case SG_ERR_INVALID:
        status = 400;
        break;
    case SG_ERR_LIMIT:
        status = 413;
        break;
    default:
        status = 500;
        break;
    }
    respond_error(c, status, err.msg[0] != '\0' ? err.msg : sg_error_code_name(rc));
}

static void handle_healthz(struct sg_server *s, struct conn *c)
{
    (void)s;
    respond_text(c, SG_ENDPOINT_HEALTHZ, 200, "ok\n", NULL);
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

static void handle_readyz(struct sg_server *s, struct conn *c)
{
    if (!is_ready(s))
        respond_text(c, SG_ENDPOINT_READYZ, 503,
                     atomic_load(&s->stopping) ? "not ready: shutting down\n" : "not ready\n",
                     NULL);
    else
        respond_text(c, SG_ENDPOINT_READYZ, 200, "ready\n", NULL);
}

static void handle_metrics(struct sg_server *s, struct conn *c)
{
    struct sg_metrics_gauges g;
    size_t len;
    char *text;

    g.cert_not_after = sg_tls_store_not_after(s->tls);
    g.now = (long long)time(NULL);
    g.connections = atomic_load(&s->connections);
    g.ready = is_ready(s);
    text = sg_metrics_render(s->metrics, &g, &len);
    if (text == NULL) {
        respond_text(c, SG_ENDPOINT_METRICS, 500, "out of memory\n", NULL);
        return;
    }
    respond(c, SG_ENDPOINT_METRICS, 200, "text/plain; version=0.0.4; charset=utf-8", text, len,
            NULL);
    free(text);
}

/* ---- connections -------------------------------------------------------- */

/* What a step of a connection's work came to. */
enum step {
    STEP_MORE,   /* progress: go on */
    STEP_WAIT,   /* the socket would block: epoll says when to go on */
    STEP_CLOSED, /* the connection is gone */
};

static void ready_remove(struct loop *l, struct conn *c)
{
    if (!c->on_ready)
        return;
    for (struct conn **p = &l->ready; *p != NULL; p = &(*p)->ready_next) {
        if (*p == c) {
            *p = c->ready_next;
            break;
        }
    }
    c->on_ready = false;
}

static void conn_close(struct conn *c)
{
    struct loop *l = c->loop;
    struct sg_server *s = l->server;

    ready_remove(l, c);
    c->prev->next = c->next;
    c->next->prev = c->prev;
    if (c->in_request)
        atomic_fetch_sub(&s->in_flight, 1);
    budget_return(s, c);
    SSL_free(c->ssl);
    close(c->fd); /* also takes it out of the epoll set */
    sg_snapshot_release(c->tls);
    free(c->in);
    free(c->out);
    free(c->body);
    free(c);
    atomic_fetch_sub_explicit(&l->n_conns, 1, memory_order_relaxed);
    atomic_fetch_sub(&s->connections, 1);
    if (atomic_load(&s->connections) < s->cfg.max_connections)
        loop_listen(l, true);
}

static void set_busy(struct conn *c)
{
    if (!c->busy) {
        c->busy = true;
        c->deadline_ms = c->loop->now_ms + (long long)c->loop->server->cfg.request_timeout_s * 1000;
    }
}

static void set_idle(struct conn *c)
{
    c->busy = false;
    c->deadline_ms = c->loop->now_ms + (long long)c->loop->server->cfg.idle_timeout_s * 1000;
}

/* OpenSSL's verdict on a failed call: wait, or close the connection (the
 * client closed it, or it is broken; c is then freed). The thread's error
 * queue is emptied, so a stale error never colours another connection's
 * call. */
static enum step ssl_failed(struct conn *c, int r)
{
    int e = SSL_get_error(c->ssl, r);

    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return STEP_WAIT;
    ERR_clear_error();
    conn_close(c);
    return STEP_CLOSED;
}

/* Reads decrypted bytes into buf: > 0 bytes, or -1 with *step. */
static long conn_read(struct conn *c, char *buf, size_t n, enum step *step)
{
    if (c->drained && !c->peer_shut && !SSL_has_pending(c->ssl) && !SSL_want_write(c->ssl)) {
        /* sockbio.h: the next byte brings an event. An end of stream that
         * came with the last bytes brings none, hence peer_shut. */
        *step = STEP_WAIT;
        return -1;
    }
    int r = SSL_read(c->ssl, buf, n > (1u << 30) ? (int)(1u << 30) : (int)n);

    if (r > 0)
        return r;
    *step = ssl_failed(c, r);
    return -1;
}

static enum step flush(struct conn *c)
{
    while (c->out_pos < c->out_len) {
        size_t left = c->out_len - c->out_pos;
        int r = SSL_write(c->ssl, c->out + c->out_pos, left > (1u << 30) ? (1 << 30) : (int)left);
        if (r <= 0) {
            enum step st = ssl_failed(c, r);
            if (st == STEP_WAIT)
                c->writing_stalled = true;
            return st;
        }
        c->out_pos += (size_t)r;
    }
    c->out_pos = c->out_len = 0;
    c->writing_stalled = false;
    return STEP_MORE;
}

static void in_consume(struct conn *c, size_t n)
{
    c->in_pos += n;
    if (c->in_pos == c->in_len)
        c->in_pos = c->in_len = 0;
    c->in_scan = c->in_pos;
}

/* Whether in[in_pos..in_len) may hold a whole head: an empty line ends it
 * ("\n\r\n", or "\n\n" for the parser to refuse a bare LF), or it is as
 * long as a head may be (for the parser to refuse). */
static bool in_may_hold_head(struct conn *c, size_t max_head)
{
    const char *p = c->in + (c->in_scan > c->in_pos + 2 ? c->in_scan - 2 : c->in_pos);
    const char *end = c->in + c->in_len;
    bool found = false;

    while (!found && p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        p++;
        found = (p < end && *p == '\n') || (end - p >= 2 && p[0] == '\r' && p[1] == '\n');
    }
    c->in_scan = c->in_len;
    return found || c->in_len - c->in_pos >= max_head;
}

/* The response has been sent: next request, or close. */
static enum step after_response(struct sg_server *s, struct conn *c)
{
    end_request(s, c);
    if (c->close_after) {
        SSL_shutdown(c->ssl); /* close_notify; not waiting for the client's */
        ERR_clear_error();
        int unread = 0;
        if (!c->linger && (c->in_len > c->in_pos || SSL_has_pending(c->ssl) ||
                           (ioctl(c->fd, FIONREAD, &unread) == 0 && unread > 0)))
            c->linger = true; /* closing on unread bytes would reset the answer away */
        if (!c->linger) {
            conn_close(c);
            return STEP_CLOSED;
        }
        shutdown(c->fd, SHUT_WR);
        c->state = ST_LINGER;
        c->busy = false;
        c->deadline_ms = c->loop->now_ms + LINGER_MS;
        return STEP_MORE;
    }
    c->state = ST_HEAD;
    set_idle(c);
    return STEP_MORE;
}

static enum step handshake(struct conn *c)
{
    int r = SSL_do_handshake(c->ssl);

    if (r == 1) {
        /* Handshaken: idle until a request starts. Go's HTTP client keeps
         * connections it dialled and did not need in its idle pool. */
        c->state = ST_HEAD;
        set_idle(c);
        return STEP_MORE;
    }
    if (SSL_get_error(c->ssl, r) == SSL_ERROR_SSL) {
        /* Refused by TLS (no client certificate, an old protocol, no
         * shared cipher): counted for the control thread's log line. A
         * client that only connects and goes away is not worth one. */
        struct sg_server *s = c->loop->server;
        const char *why = ERR_reason_error_string(ERR_peek_error());
        atomic_store(&s->handshake_why, why != NULL ? why : "unknown TLS error");
        atomic_fetch_add(&s->handshake_failures, 1);
    }
    return ssl_failed(c, r);
}

static enum step head_step(struct sg_server *s, struct conn *c)
{
    size_t max_head = s->cfg.connection_memory;
    const char *why = NULL;
    enum step step;
    long n;
    int r;

    if (!c->busy) {
        /* Empty lines between requests are dropped (RFC 9112 section 2.2):
         * they neither start the request timeout nor pile up. */
        size_t skip = 0;
        while (c->in_pos + skip < c->in_len &&
               (c->in[c->in_pos + skip] == '\r' || c->in[c->in_pos + skip] == '\n'))
            skip++;
        if (skip > 0)
            in_consume(c, skip);
    }
    if (c->in_len > c->in_pos) {
        set_busy(c);
        if (!in_may_hold_head(c, max_head))
            goto more;
        r = sg_http_parse_head(c->in + c->in_pos, c->in_len - c->in_pos, max_head, &c->head, &why);
        if (r == SG_HTTP_PARTIAL && c->in_len - c->in_pos >= max_head) {
            r = 431;
            why = "request head too large";
        }
        if (r == SG_HTTP_PARTIAL)
            goto more;
        /* A request, readable or not, is answered from here on. */
        c->in_request = true;
        atomic_fetch_add(&s->in_flight, 1);
        if (r != SG_HTTP_DONE) {
            /* Not a request we can read: where the next one would start
             * is unknown, so the answer closes the connection. */
            memset(&c->head, 0, sizeof(c->head));
            c->route = NULL;
            c->close_after = true;
            c->linger = true;
            c->in_pos = c->in_len = c->in_scan = 0;
            respond_error(c, (unsigned)r, why);
            return STEP_MORE;
        }
        c->close_after = !c->head.keep_alive;
        c->linger = false;
        c->head_only = method_is(c->head.method, "HEAD");
        in_consume(c, c->head.head_bytes);
        begin_request(s, c);
        /* The slices into `in` are not used after this. */
        memset(&c->head.method, 0, sizeof(c->head.method));
        memset(&c->head.path, 0, sizeof(c->head.path));
        memset(&c->head.content_type, 0, sizeof(c->head.content_type));
        return STEP_MORE;
    }
more:
    if (c->in_len == c->in_cap && c->in_pos > 0) {
        /* Room at the end: move the start of the next head to the front. */
        memmove(c->in, c->in + c->in_pos, c->in_len - c->in_pos);
        c->in_len -= c->in_pos;
        c->in_scan -= c->in_pos;
        c->in_pos = 0;
    }
    if (c->in_len == c->in_cap) {
        size_t cap = c->in_cap == 0 ? IN_START_BYTES : 2 * c->in_cap;
        if (cap > max_head)
            cap = max_head;
        char *nb = realloc(c->in, cap);
        if (nb == NULL) {
            conn_close(c);
            return STEP_CLOSED;
        }
        c->in = nb;
        c->in_cap = cap;
    }
    n = conn_read(c, c->in + c->in_len, c->in_cap - c->in_len, &step);
    if (n < 0)
        return step;
    c->in_len += (size_t)n;
    return STEP_MORE;
}

/* Body bytes go to the body buffer, or nowhere when the request has been
 * refused (the loop's scratch space takes them). */
static enum step body_step(struct sg_server *s, struct conn *c)
{
    static _Thread_local char scratch[16 * 1024];
    enum step step;
    long n;

    if (c->chunked) {
        size_t used = 0, produced = 0;
        const char *why = NULL;
        char *dst = scratch;
        size_t cap = sizeof(scratch);

        if (c->in_len == c->in_pos) {
            n = conn_read(c, c->in, c->in_cap, &step); /* in_consume emptied it */
            if (n < 0)
                return step;
            c->in_len = (size_t)n;
            return STEP_MORE;
        }
        if (!c->discard) {
            if (c->body_len == c->body_cap) {
                size_t want = c->body_cap * 2;
                if (want > s->cfg.max_body_bytes)
                    want = s->cfg.max_body_bytes;
                unsigned st = want > c->body_cap ? body_reserve(s, c, want) : 413;
                if (st != 0) {
                    c->close_after = c->linger = true;
                    respond_error(c, st, status_text(st));
                    return STEP_MORE;
                }
            }
            dst = c->body + c->body_len;
            cap = c->body_cap - c->body_len;
        }
        int r = sg_http_chunked_feed(&c->chunks, c->in + c->in_pos, c->in_len - c->in_pos, dst, cap,
                                     &used, &produced, &why);
        in_consume(c, used);
        if (!c->discard)
            c->body_len += produced;
        if (r == SG_HTTP_PARTIAL && used == 0 && produced == 0) {
            r = 400; /* no progress with input and room: never loop on it */
            why = "bad chunked body";
        }
        if (r == SG_HTTP_DONE) {
            finish_request(s, c);
        } else if (r != SG_HTTP_PARTIAL) {
            c->close_after = c->linger = true;
            c->status = 0;
            respond_error(c, (unsigned)r, why);
        }
        return STEP_MORE;
    }
    if (c->body_left == 0) {
        finish_request(s, c);
        return STEP_MORE;
    }
    if (c->in_len > c->in_pos) {
        size_t avail = c->in_len - c->in_pos;
        size_t take = avail < c->body_left ? avail : c->body_left;
        if (!c->discard)
            memcpy(c->body + c->body_len, c->in + c->in_pos, take);
        c->body_len += c->discard ? 0 : take;
        c->body_left -= take;
        in_consume(c, take);
        return STEP_MORE;
    }
    if (c->discard)
        n = conn_read(c, scratch, c->body_left < sizeof(scratch) ? c->body_left : sizeof(scratch),
                      &step);
    else
        n = conn_read(c, c->body + c->body_len, c->body_left, &step);
    if (n < 0)
        return step; /* c may be gone */
    if (!c->discard)
        c->body_len += (size_t)n;
    c->body_left -= (size_t)n;
    return STEP_MORE;
}

static void ready_push(struct loop *l, struct conn *c)
{
    if (c->on_ready)
        return;
    c->on_ready = true;
    c->ready_next = l->ready;
    l->ready = c;
}

/* Answered and shut down: drop what arrives until the client closes. */
static enum step linger_step(struct conn *c)
{
    char buf[4096];

    /* A fast sender does not hold the loop: after a while it waits for
     * its next bytes' event, and the linger deadline ends it. */
    for (unsigned reads = 0; reads < 64; reads++) {
        ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
        if (n > 0)
            continue;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return STEP_WAIT;
        conn_close(c);
        return STEP_CLOSED;
    }
    ready_push(c->loop, c); /* more may be waiting, and no event will say so */
    return STEP_WAIT;
}

/* Works on a connection until its socket would block. `events` are what
 * epoll reported (0 when the loop comes back to it by itself). */
static void conn_drive(struct conn *c, uint32_t events)
{
    struct sg_server *s = c->loop->server;
    enum step st = STEP_MORE;

    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
        c->drained = false;
    if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
        c->peer_shut = true;
    for (unsigned served = 0; st == STEP_MORE;) {
        if (c->out_pos < c->out_len) {
            st = flush(c);
            if (st != STEP_MORE)
                break;
        }
        switch (c->state) {
        case ST_HANDSHAKE:
            st = handshake(c);
            break;
        case ST_HEAD:
            st = head_step(s, c);
            break;
        case ST_BODY:
            st = body_step(s, c);
            break;
        case ST_RESPONDED:
            st = after_response(s, c);
            if (st == STEP_MORE && ++served >= ROUNDS_PER_WAKE) {
                /* Others get their turn; this one is driven again before
                 * the loop next waits. */
                ready_push(c->loop, c);
                return;
            }
            break;
        case ST_LINGER:
            st = linger_step(c);
            break;
        }
    }
}

/* A new connection on socket fd, served by loop l. `counted`: l's n_conns
 * already counts it (it was queued for l by another loop). */
static void conn_open(struct loop *l, int fd, bool counted)
{
    struct sg_server *s = l->server;
    struct conn *c = calloc(1, sizeof(*c));
    struct epoll_event ev;
    int one = 1;

    if (!counted)
        atomic_fetch_add_explicit(&l->n_conns, 1, memory_order_relaxed);
    if (c == NULL)
        goto fail;
    c->fd = fd;
    c->loop = l;
    c->tls = sg_tls_store_acquire(s->tls);
    if (c->tls == NULL)
        goto fail;
    c->ssl = SSL_new(sg_tls_pair_ctx(sg_snapshot_value(c->tls)));
    if (c->ssl == NULL)
        goto fail;
    BIO *bio = sg_sockbio_new(fd, &c->drained);
    if (bio == NULL)
        goto fail;
    SSL_set_bio(c->ssl, bio, bio); /* the session owns it now */
    SSL_set_accept_state(c->ssl);
    /* Answers go out as soon as they are written (one record each). */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->state = ST_HANDSHAKE;
    set_busy(c);
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = c;
    if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
        goto fail;
    c->next = &l->conns;
    c->prev = l->conns.prev;
    l->conns.prev->next = c;
    l->conns.prev = c;
    conn_drive(c, EPOLLIN);
    return;
fail:
    ERR_clear_error();
    if (c != NULL) {
        SSL_free(c->ssl);
        sg_snapshot_release(c->tls);
        free(c);
    }
    close(fd);
    atomic_fetch_sub_explicit(&l->n_conns, 1, memory_order_relaxed);
    atomic_fetch_sub(&s->connections, 1);
}

/* ---- event loops -------------------------------------------------------- */

/* Takes the listening socket in or out of this loop's epoll set. Out while
 * the server is at its connection limit (or out of descriptors): new
 * connections wait in the kernel's listen queue, to be accepted as soon as
 * one closes, instead of being accepted only to be closed. */
static void loop_listen(struct loop *l, bool on)
{
    struct sg_server *s = l->server;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = &s->listen_fd};

    if (on == l->listening || (on && l->stopping))
        return;
    if (on ? epoll_ctl(l->epfd, EPOLL_CTL_ADD, s->listen_fd, &ev) == 0
           : epoll_ctl(l->epfd, EPOLL_CTL_DEL, s->listen_fd, NULL) == 0)
        l->listening = on;
}

/* The loop a new connection should go to. EPOLLEXCLUSIVE wakes the same
 * loop first nearly every time, so without this the API server's
 * long-lived connections would all land on one loop, one CPU. Another
 * loop is chosen only when it holds at least two fewer connections. */
static struct loop *loop_for_new(struct loop *l)
{
    struct sg_server *s = l->server;
    struct loop *best = l;
    unsigned least = atomic_load_explicit(&l->n_conns, memory_order_relaxed);

    for (unsigned i = 0; i < s->n_loops; i++) {
        unsigned n = atomic_load_explicit(&s->loops[i].n_conns, memory_order_relaxed);
        if (n + 1 < least) {
            best = &s->loops[i];
            least = n + 1;
        }
    }
    return best;
}

/* Queues an accepted socket for another loop; false when its queue is
 * full (the caller keeps the connection). */
static bool handoff_push(struct loop *to, int fd)
{
    uint64_t one = 1;
    bool queued = false;

    pthread_mutex_lock(&to->handoff_lock);
    if (!to->handoff_closed && to->handoff_n < HANDOFF_MAX) {
        to->handoff[to->handoff_n++] = fd;
        /* Counted for it now, so the next ones of a burst go elsewhere. */
        atomic_fetch_add_explicit(&to->n_conns, 1, memory_order_relaxed);
        queued = true;
    }
    pthread_mutex_unlock(&to->handoff_lock);
    if (queued && write(to->handoff_fd, &one, sizeof(one)) < 0) {
        /* only fails on counter overflow: the loop is woken anyway */
    }
    return queued;
}

/* Takes the sockets other loops accepted for this one. They got in before
 * the stop, so a stopping loop serves them too (with Connection: close);
 * only once the loop ends (`closing`) are the last ones refused. */
static void handoff_take(struct loop *l, bool closing)
{
    struct sg_server *s = l->server;
    int fds[HANDOFF_MAX];
    uint64_t count;
    unsigned n;

    if (read(l->handoff_fd, &count, sizeof(count)) < 0) {
        /* nothing to read: an earlier take emptied it */
    }
    pthread_mutex_lock(&l->handoff_lock);
    n = l->handoff_n;
    memcpy(fds, l->handoff, n * sizeof(fds[0]));
    l->handoff_n = 0;
    if (closing)
        l->handoff_closed = true;
    pthread_mutex_unlock(&l->handoff_lock);
    for (unsigned i = 0; i < n; i++) {
        if (closing) {
            close(fds[i]);
            atomic_fetch_sub_explicit(&l->n_conns, 1, memory_order_relaxed);
            atomic_fetch_sub(&s->connections, 1);
        } else {
            conn_open(l, fds[i], true);
        }
    }
}

static void loop_accept(struct loop *l)
{
    struct sg_server *s = l->server;

    for (unsigned i = 0; i < ACCEPTS_PER_WAKE; i++) {
        if (atomic_load(&s->connections) >= s->cfg.max_connections) {
            atomic_fetch_add(&s->limit_hits, 1);
            loop_listen(l, false); /* back on when a connection closes, or next tick */
            return;
        }
        int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                atomic_fetch_add(&s->limit_hits, 1);
                loop_listen(l, false);
            }
            return;
        }
        if (atomic_fetch_add(&s->connections, 1) >= s->cfg.max_connections) {
            /* Another loop took the last place at the same moment. */
            atomic_fetch_sub(&s->connections, 1);
            atomic_fetch_add(&s->limit_hits, 1);
            close(fd);
            continue;
        }
        struct loop *to = loop_for_new(l);
        if (to == l || !handoff_push(to, fd))
            conn_open(l, fd, false);
    }
}

/* Cuts connections whose timeout has run out. */
static void loop_tick(struct loop *l)
{
    struct sg_server *s = l->server;
    struct conn *c, *next;

    for (c = l->conns.next; c != &l->conns; c = next) {
        next = c->next;
        if (l->now_ms < c->deadline_ms)
            continue;
        if (c->busy) {
            atomic_fetch_add(&s->timeouts, 1);
            if (c->writing_stalled)
                atomic_fetch_add(&s->stalled, 1);
            sg_metrics_request_timeout(s->metrics);
        }
        conn_close(c);
    }
    if (atomic_load(&s->connections) < s->cfg.max_connections)
        loop_listen(l, true);
    l->next_tick_ms = l->now_ms + SG_SERVER_TICK_MS;
}

static void loop_stop_listening(struct loop *l)
{
    char buf[8];

    if (read(l->wake_fd, buf, sizeof(buf)) < 0) {
        /* eventfd reads only fail when there is nothing to read */
    }
    if (l->stopping)
        return;
    loop_listen(l, false);
    l->stopping = true;
    atomic_fetch_add(&l->server->unlistened, 1);
    l->stop_deadline_ms =
        l->now_ms + (long long)l->server->cfg.request_timeout_s * 1000 + LINGER_MS;
}

/* While stopping: true once the loop may end. Connections in a request
 * finish it (their answers close them); idle ones are closed once no
 * request has been in progress, on any loop, for a few looks, so a
 * request already on its way over an idle connection still gets in. */
static bool loop_stop_look(struct loop *l)
{
    struct sg_server *s = l->server;
    struct conn *c, *next;
    bool busy = false;

    for (c = l->conns.next; c != &l->conns; c = c->next) {
        if (c->busy || c->state != ST_HEAD || c->in_len > c->in_pos)
            busy = true;
    }
    atomic_store(&l->has_busy, busy);
    for (unsigned i = 0; i < s->n_loops; i++)
        busy = busy || atomic_load(&s->loops[i].has_busy);
    busy = busy || atomic_load(&s->in_flight) > 0;
    l->quiet_looks = busy ? 0 : l->quiet_looks + 1;
    if (l->quiet_looks >= STOP_QUIET_LOOKS || l->now_ms >= l->stop_deadline_ms) {
        for (c = l->conns.next; c != &l->conns; c = next) {
            next = c->next;
            conn_close(c);
        }
    }
    return l->conns.next == &l->conns;
}

static void *loop_run(void *arg)
{
    struct loop *l = arg;
    struct epoll_event events[EVENTS_PER_WAIT];

    l->now_ms = mono_ms();
    l->next_tick_ms = l->now_ms + SG_SERVER_TICK_MS;
    sg_log_batch(true);
    for (;;) {
        int timeout = l->ready != NULL ? 0 : l->stopping ? STOP_LOOK_MS : SG_SERVER_TICK_MS;
        sg_log_flush(&l->server->log); /* what this pass decided, before waiting */
        int n = epoll_wait(l->epfd, events, EVENTS_PER_WAIT, timeout);
        l->now_ms = mono_ms();
        for (int i = 0; i < n; i++) {
            void *p = events[i].data.ptr;
            if (p == &l->server->listen_fd) {
                if (!l->stopping)
                    loop_accept(l);
            } else if (p == &l->wake_fd) {
                loop_stop_listening(l);
            } else if (p == &l->handoff_fd) {
                handoff_take(l, false);
            } else
                conn_drive(p, events[i].events);
        }
        /* One pass over the connections that were waiting for their turn;
         * any that used up their turn again wait for the next pass, after
         * the sockets that became ready meanwhile. */
        struct conn *turn = l->ready;
        l->ready = NULL;
        while (turn != NULL) {
            struct conn *c = turn;
            turn = c->ready_next;
            c->on_ready = false;
            conn_drive(c, 0);
        }
        if (l->now_ms >= l->next_tick_ms)
            loop_tick(l);
        if (l->stopping && l->now_ms >= l->next_look_ms) {
            if (loop_stop_look(l))
                break;
            l->next_look_ms = l->now_ms + STOP_LOOK_MS;
        }
    }
    handoff_take(l, true); /* refuses what was handed over at the last moment */
    sg_log_flush(&l->server->log);
    sg_log_batch(false);
    return NULL;
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

static int open_listener(struct sg_server *s, struct sg_error *err)
{
    struct sockaddr_storage ss;
    socklen_t ss_len = sizeof(ss);
    int one = 1, rc;

    rc = parse_listen(s->cfg.listen, &ss, &ss_len, err);
    if (rc != 0)
        return rc;
    s->listen_fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->listen_fd < 0)
        return sg_error_set(err, SG_ERR_IO, "--listen '%s': socket: %s", s->cfg.listen,
                            strerror(errno));
    setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(s->listen_fd, (struct sockaddr *)&ss, ss_len) != 0 ||
        listen(s->listen_fd, SOMAXCONN) != 0)
        return sg_error_set(err, SG_ERR_IO, "cannot listen on '%s': %s", s->cfg.listen,
                            strerror(errno));
    ss_len = sizeof(ss);
    if (getsockname(s->listen_fd, (struct sockaddr *)&ss, &ss_len) == 0)
        s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                 : ((struct sockaddr_in *)&ss)->sin_port);
    return 0;
}

static int start_loops(struct sg_server *s, struct sg_error *err)
{
    unsigned threads = s->cfg.threads != 0 ? s->cfg.threads : usable_cpus();
    sigset_t all, old;
    int rc = 0;

    if (threads > THREADS_MAX)
        threads = THREADS_MAX;
    s->loops = calloc(threads, sizeof(*s->loops));
    if (s->loops == NULL)
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    s->n_loops = threads;
    for (unsigned i = 0; i < threads; i++)
        s->loops[i].epfd = s->loops[i].wake_fd = s->loops[i].handoff_fd = -1;
    for (unsigned i = 0; i < threads; i++) {
        struct loop *l = &s->loops[i];
        struct epoll_event ev;
        l->server = s;
        l->conns.next = l->conns.prev = &l->conns;
        l->epfd = epoll_create1(EPOLL_CLOEXEC);
        l->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        l->handoff_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (l->epfd < 0 || l->wake_fd < 0 || l->handoff_fd < 0)
            return sg_error_set(err, SG_ERR_IO, "cannot set up event loop: %s", strerror(errno));
        if (pthread_mutex_init(&l->handoff_lock, NULL) != 0)
            return sg_error_set(err, SG_ERR_INTERNAL, "cannot set up event loop: mutex");
        l->handoff_lock_ready = true;
        ev.events = EPOLLIN;
        ev.data.ptr = &l->handoff_fd;
        if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->handoff_fd, &ev) != 0)
            return sg_error_set(err, SG_ERR_IO, "cannot set up event loop: %s", strerror(errno));
        /* Each loop waits on the one listening socket; EPOLLEXCLUSIVE wakes
         * one of them per new connection, not all. */
        loop_listen(l, true);
        if (!l->listening)
            return sg_error_set(err, SG_ERR_IO, "cannot set up event loop: %s", strerror(errno));
        ev.events = EPOLLIN;
        ev.data.ptr = &l->wake_fd;
        if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->wake_fd, &ev) != 0)
            return sg_error_set(err, SG_ERR_IO, "cannot set up event loop: %s", strerror(errno));
    }
    /* Signals are the control thread's (signals.h): loops run with all of
     * them blocked. */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    for (unsigned i = 0; i < threads && rc == 0; i++) {
        rc = pthread_create(&s->loops[i].thread, NULL, loop_run, &s->loops[i]);
        if (rc == 0)
            s->loops[i].started = true;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        return sg_error_set(err, SG_ERR_INTERNAL, "cannot start event loop threads: %s",
                            strerror(rc));
    sg_log_event(&s->log, "info", "start",
                 "listening on %s (port %u), %u threads, policy '%s', certificate '%s'%s",
                 s->cfg.listen, s->port, threads, s->cfg.policy_path, s->cfg.cert_path,
                 sg_tls_store_requires_client_cert(s->tls) ? ", client certificates required" : "");
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
    s->listen_fd = -1;
    rc = sg_log_init(&s->log, cfg->decision_fd, cfg->event_fd);
    if (rc != 0) {
        sg_error_set(err, rc, "cannot set up logging");
        goto out;
    }
    s->log_ready = true;
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
    rc = sg_tls_store_new(cfg->cert_path, cfg->key_path, cfg->client_ca_path, &s->tls, err);
    if (rc != 0)
        goto out;
    rc = open_listener(s, err);
    if (rc != 0)
        goto out;
    rc = start_loops(s, err);
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

/* The loops count what they cut; the control thread says so in the log,
 * at most once a tick, so a flood makes a few lines and not thousands. */
static void report_cuts(struct sg_server *s)
{
    unsigned cut = atomic_exchange(&s->timeouts, 0);
    unsigned stalled = atomic_exchange(&s->stalled, 0);
    unsigned limit_hits = atomic_exchange(&s->limit_hits, 0);
    unsigned handshakes = atomic_exchange(&s->handshake_failures, 0);

    if (stalled > 0)
        sg_log_event(&s->log, "warn", "request-timeout",
                     "connection closed: a response could not be sent within %u s, the client "
                     "did not read it (%u connection(s))",
                     s->cfg.request_timeout_s, stalled);
    if (cut > stalled)
        sg_log_event(&s->log, "warn", "request-timeout",
                     "closed %u connection(s) whose request took over %u s", cut - stalled,
                     s->cfg.request_timeout_s);
    if (handshakes > 0)
        sg_log_event(&s->log, "warn", "tls", "%u TLS handshake(s) refused; the last: %s",
                     handshakes, atomic_load(&s->handshake_why));
    if (limit_hits > 0)
        sg_log_event(&s->log, "warn", "connection-limit",
                     "%u connections open, at the limit (--max-connections %u) or out of file "
                     "descriptors: new connections wait in the listen queue",
                     atomic_load(&s->connections), s->cfg.max_connections);
}

/* Stop accepting, let every request that got in get its answer (each now
 * carries Connection: close), then stop the threads. */
static void drain(struct sg_server *s)
{
    uint64_t one = 1;

    atomic_store(&s->stopping, true);
    for (unsigned i = 0; i < s->n_loops; i++) {
        if (write(s->loops[i].wake_fd, &one, sizeof(one)) < 0) {
            /* an eventfd write only fails on overflow: it is awake anyway */
        }
    }
    /* Once no loop waits on the listening socket any more, it is closed:
     * connections the kernel would still queue get refused at once and go
     * to another replica, instead of waiting out the drain. (Closed before
     * that, a loop could accept on a reused descriptor number.) */
    long long give_up = mono_ms() + 5000;
    while (atomic_load(&s->unlistened) < s->n_loops && mono_ms() < give_up)
        poll(NULL, 0, 1);
    if (atomic_load(&s->unlistened) == s->n_loops) {
        close(s->listen_fd);
        s->listen_fd = -1;
    }
    sg_log_event(&s->log, "info", "stop", "stopped accepting; finishing requests in flight");
    for (unsigned i = 0; i < s->n_loops; i++) {
        if (s->loops[i].started) {
            pthread_join(s->loops[i].thread, NULL);
            s->loops[i].started = false;
        }
    }
    report_cuts(s);
    sg_log_event(&s->log, "info", "stop", "stopped");
}

int sg_server_run(struct sg_server *s)
{
    long long next_watch = mono_ms() + SG_SERVER_WATCH_MS;
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
        report_cuts(s);
        if (mono_ms() >= next_watch) {
            reload(s, false);
            next_watch = mono_ms() + SG_SERVER_WATCH_MS;
        }
    }
    drain(s);
    return 0;
}

void sg_server_free(struct sg_server *s)
{
    if (s == NULL)
        return;
    if (s->loops != NULL) {
        uint64_t one = 1;
        atomic_store(&s->stopping, true);
        /* Every loop ends before any loop's queue or descriptors go: a loop
         * still running may queue a connection for another. */
        for (unsigned i = 0; i < s->n_loops; i++) {
            if (s->loops[i].started && write(s->loops[i].wake_fd, &one, sizeof(one)) < 0) {
                /* awake anyway */
            }
        }
        for (unsigned i = 0; i < s->n_loops; i++) {
            if (s->loops[i].started) {
                pthread_join(s->loops[i].thread, NULL);
                s->loops[i].started = false;
            }
        }
        for (unsigned i = 0; i < s->n_loops; i++) {
            struct loop *l = &s->loops[i];
            if (l->epfd >= 0)
                close(l->epfd);
            if (l->wake_fd >= 0)
                close(l->wake_fd);
            if (l->handoff_lock_ready) {
                for (unsigned j = 0; j < l->handoff_n; j++)
                    close(l->handoff[j]);
                pthread_mutex_destroy(&l->handoff_lock);
            }
            if (l->handoff_fd >= 0)
                close(l->handoff_fd);
        }
        free(s->loops);
    }
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    sg_policyfile_free(s->policy);
    sg_tls_store_free(s->tls);
    sg_metrics_free(s->metrics);
    if (s->log_ready)
        sg_log_release(&s->log);
    free(s);
}
