/* handler.c - see handler.h.
 *
 * A request's life in callbacks: sg_handler_request_begin when its request
 * line is in (the request's context is made, its REQUEST phase starts),
 * sg_handler_access with the head (the gate), with each piece of body and
 * once at the end (the answer), sg_handler_request_end when the answer has
 * been sent or the connection went (the context is freed). The policy
 * snapshot is taken when the body is whole and released right after the
 * decision, so a reload never changes a decision half-way. */
#include "handler.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "arena.h"

struct request;

typedef enum MHD_Result (*endpoint_fn)(struct sg_handler *h, struct request *r,
                                       struct MHD_Connection *mc);

struct route {
    const char *path;
    const char *method; /* a GET route answers HEAD too */
    enum sg_endpoint endpoint;
    endpoint_fn fn;
    bool has_body;
};

/* One request, from its request line to its answer sent. */
struct request {
    struct sg_conn *conn;
    const struct route *route;
    bool gated;          /* the first call has run */
    bool close;          /* the answer closes the connection */
    unsigned status;     /* a refusal found while reading the body */
    const char *why;     /* its message */
    size_t declared;     /* Content-Length; 0 when none or chunked */
    struct sg_body body; /* POST routes' body */
};

static enum MHD_Result handle_review(struct sg_handler *h, struct request *r,
                                     struct MHD_Connection *mc);
static enum MHD_Result handle_healthz(struct sg_handler *h, struct request *r,
                                      struct MHD_Connection *mc);
static enum MHD_Result handle_readyz(struct sg_handler *h, struct request *r,
                                     struct MHD_Connection *mc);
static enum MHD_Result handle_metrics(struct sg_handler *h, struct request *r,
                                      struct MHD_Connection *mc);

static const struct route routes[] = {
    {"/validate", MHD_HTTP_METHOD_POST, SG_ENDPOINT_VALIDATE, handle_review, true},
    {"/mutate", MHD_HTTP_METHOD_POST, SG_ENDPOINT_MUTATE, handle_review, true},
    {"/healthz", MHD_HTTP_METHOD_GET, SG_ENDPOINT_HEALTHZ, handle_healthz, false},
    {"/readyz", MHD_HTTP_METHOD_GET, SG_ENDPOINT_READYZ, handle_readyz, false},
    {"/metrics", MHD_HTTP_METHOD_GET, SG_ENDPOINT_METRICS, handle_metrics, false},
};

static const char TEXT[] = "text/plain; charset=utf-8";

static unsigned long long now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000u + (unsigned long long)ts.tv_nsec / 1000u;
}

/* ---- answers ------------------------------------------------------------ */

/* Queues an answer and counts it. `mode` says whether libmicrohttpd copies
 * `body` (a stack or arena buffer) or may keep pointing at it (static). */
static enum MHD_Result respond(struct sg_handler *h, struct request *r, struct MHD_Connection *mc,
                               unsigned status, const char *type, const char *body, size_t len,
                               enum MHD_ResponseMemoryMode mode, const char *allow)
{
    enum sg_endpoint ep = r->route != NULL ? r->route->endpoint : SG_ENDPOINT_OTHER;
    struct MHD_Response *resp;
    enum MHD_Result ret;

    resp = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, mode);
    if (resp == NULL)
        return MHD_NO; /* out of memory: libmicrohttpd closes the connection */
    if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type) != MHD_YES ||
        (allow != NULL && MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow) != MHD_YES) ||
        ((r->close || atomic_load_explicit(&h->stopping, memory_order_relaxed)) &&
         MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close") != MHD_YES)) {
        MHD_destroy_response(resp);
        return MHD_NO;
    }
    ret = MHD_queue_response(mc, status, resp);
    MHD_destroy_response(resp);
    if (ret == MHD_YES) {
        atomic_store(&r->conn->answering, true);
        sg_metrics_request(h->metrics, ep, status);
    }
    return ret;
}

/* An error answer, its message on one line; on an admission endpoint also
 * a log line. */
static enum MHD_Result refuse(struct sg_handler *h, struct request *r, struct MHD_Connection *mc,
                              unsigned status, const char *why)
{
    enum sg_endpoint ep = r->route != NULL ? r->route->endpoint : SG_ENDPOINT_OTHER;
    char text[SG_ERROR_MSG_MAX + 2];
    int n;

    if (ep == SG_ENDPOINT_VALIDATE || ep == SG_ENDPOINT_MUTATE)
        sg_log_rejected(h->log, sg_endpoint_name(ep), status, why);
    n = snprintf(text, sizeof(text), "%s\n", why);
    if (n < 0 || (size_t)n >= sizeof(text))
        n = (int)sizeof(text) - 1;
    return respond(h, r, mc, status, TEXT, text, (size_t)n, MHD_RESPMEM_MUST_COPY,
                   status == MHD_HTTP_METHOD_NOT_ALLOWED ? r->route->method : NULL);
}

/* ---- the gate ----------------------------------------------------------- */

/* What the head's fields say, gathered in one pass. */
struct head {
    unsigned fields;
    unsigned host, content_type, expect, te, cl;
    const char *content_type_value, *expect_value, *te_value, *cl_value;
    bool cl_differ; /* Content-Lengths that disagree */
    bool bad_name;  /* a name that is no token (white space before the colon) */
    bool bad_value; /* a CR or other control byte in a value */
};

static bool is_token_char(unsigned char ch)
{
    return ch > 0x20 && ch < 0x7f && strchr("\"(),/:;<=>?@[\\]{}", ch) == NULL;
}

static enum MHD_Result scan_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                  size_t key_size, const char *value, size_t value_size)
{
    struct head *hd = cls;

    (void)kind;
    hd->fields++;
    if (key_size == 0)
        hd->bad_name = true;
    for (size_t i = 0; i < key_size; i++)
        hd->bad_name = hd->bad_name || !is_token_char((unsigned char)key[i]);
    for (size_t i = 0; i < value_size; i++) {
        unsigned char ch = (unsigned char)value[i];
        hd->bad_value = hd->bad_value || (ch < 0x20 && ch != '\t') || ch == 0x7f;
    }
    if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0) {
        hd->host++;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_TYPE) == 0) {
        hd->content_type++;
        hd->content_type_value = value;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_EXPECT) == 0) {
        hd->expect++;
        hd->expect_value = value;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        hd->te++;
        hd->te_value = value;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        if (hd->cl > 0 && strcmp(hd->cl_value, value) != 0)
            hd->cl_differ = true;
        hd->cl++;
        hd->cl_value = value;
    }
    return MHD_YES;
}

/* application/json, any case, optionally followed by parameters. */
static bool is_json(const char *v)
{
    static const char want[] = "application/json";

    if (v == NULL || strncasecmp(v, want, sizeof(want) - 1) != 0)
        return false;
    v += sizeof(want) - 1;
    while (*v == ' ' || *v == '\t')
        v++;
    return *v == '\0' || *v == ';';
}

/* Content-Length as libmicrohttpd took it: it refuses a malformed first
 * one itself, before the gate; the gate refuses any that differ. */
static size_t parse_length(const char *v)
{
    size_t n = 0;

    for (; v != NULL && *v >= '0' && *v <= '9'; v++)
        n = n > (SIZE_MAX - 9) / 10 ? SIZE_MAX : n * 10 + (size_t)(*v - '0');
    return n;
}

static const struct route *route_find(const char *url)
{
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if (strcmp(routes[i].path, url) == 0)
            return &routes[i];
    }
    return NULL;
}

/* The framing of the request: whatever makes its end uncertain, or lets a
 * proxy in front read it differently, is refused and closes. Returns the
 * status to refuse with (0: none) and sets *why. */
static unsigned check_framing(const struct head *hd, const char *url, bool http10, bool chunked,
                              const char **why)
{
    if (hd->fields > SG_HANDLER_MAX_FIELDS) {
        *why = "request header fields too large: too many fields";
        return MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE;
    }
    if (hd->bad_name || hd->bad_value) {
        *why = hd->bad_name ? "bad request: malformed header field name"
                            : "bad request: control character in a header field value";
        return MHD_HTTP_BAD_REQUEST;
    }
    if (url[0] != '/' || strchr(url, ' ') != NULL) {
        *why = "bad request: the target must be a path (origin-form)";
        return MHD_HTTP_BAD_REQUEST;
    }
    if (hd->host > 1 || (hd->host == 0 && !http10)) {
        *why = hd->host > 1 ? "bad request: Host header repeated" : "bad request: no Host header";
        return MHD_HTTP_BAD_REQUEST;
    }
    if (hd->te > 0 && hd->cl > 0) {
        *why = "bad request: both Content-Length and Transfer-Encoding";
        return MHD_HTTP_BAD_REQUEST;
    }
    if (hd->te > 1 || (hd->te == 1 && !chunked)) {
        *why = "not implemented: Transfer-Encoding other than chunked";
        return MHD_HTTP_NOT_IMPLEMENTED;
    }
    if (chunked && http10) {
        *why = "bad request: chunked Transfer-Encoding in an HTTP/1.0 request";
        return MHD_HTTP_BAD_REQUEST;
    }
    if (hd->cl_differ) {
        *why = "bad request: Content-Length headers differ";
        return MHD_HTTP_BAD_REQUEST;
    }
    if (hd->expect > 0 && (hd->expect > 1 || strcasecmp(hd->expect_value, "100-continue") != 0)) {
        *why = "expectation failed: only Expect: 100-continue is understood";
        return MHD_HTTP_EXPECTATION_FAILED;
    }
    return 0;
}

/* The first call, the head in: everything that can be refused without the
 * body is refused here, before a byte of it is read. */
static enum MHD_Result gate(struct sg_handler *h, struct request *r, struct MHD_Connection *mc,
                            const char *url, const char *method, const char *version)
{
    struct head hd;
    bool http10 = strcmp(version, MHD_HTTP_VERSION_1_0) == 0;
    bool chunked, head_ok;
    const char *why = NULL;
    char msg[160];
    unsigned st;

    memset(&hd, 0, sizeof(hd));
    MHD_get_connection_values_n(mc, MHD_HEADER_KIND, scan_field, &hd);
    chunked = hd.te == 1 && strcasecmp(hd.te_value, "chunked") == 0;
    r->declared = hd.cl > 0 ? parse_length(hd.cl_value) : 0;
    st = check_framing(&hd, url, http10, chunked, &why);
    if (st != 0) {
        r->close = true;
        return refuse(h, r, mc, st, why);
    }
    /* From here on the request's end is known: a refusal with a body to
     * come closes (libmicrohttpd will not read it), one without may keep
     * the connection. */
    r->close = chunked || r->declared > 0;
    r->route = route_find(url);
    if (r->route == NULL)
        return refuse(h, r, mc, MHD_HTTP_NOT_FOUND, "not found");
    head_ok = strcmp(r->route->method, MHD_HTTP_METHOD_GET) == 0 &&
              strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
    if (strcmp(method, r->route->method) != 0 && !head_ok) {
        snprintf(msg, sizeof(msg), "method not allowed: %s takes %s", r->route->path,
                 r->route->method);
        return refuse(h, r, mc, MHD_HTTP_METHOD_NOT_ALLOWED, msg);
    }
    if (!r->route->has_body) {
        if (chunked || r->declared > SG_HANDLER_DISCARD_MAX_BYTES)
            return refuse(h, r, mc, MHD_HTTP_CONTENT_TOO_LARGE, "request body too large");
        r->close = false; /* a small body is read and dropped */
        return MHD_YES;
    }
    if (hd.content_type > 1) {
        r->close = true;
        return refuse(h, r, mc, MHD_HTTP_BAD_REQUEST, "bad request: Content-Type repeated");
    }
    if (!is_json(hd.content_type_value))
        return refuse(h, r, mc, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                      "unsupported content type: send application/json");
    if (r->declared > h->budget.max_body) {
        snprintf(msg, sizeof(msg), "request body too large: %zu bytes, the limit is %zu",
                 r->declared, h->budget.max_body);
        return refuse(h, r, mc, MHD_HTTP_CONTENT_TOO_LARGE, msg);
    }
    r->close = false;
    sg_body_init(&r->body, sg_conn_addr_body_bytes(r->conn));
    return MHD_YES; /* libmicrohttpd answers Expect: 100-continue itself now */
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

/* ---- endpoints ---------------------------------------------------------- */

static enum MHD_Result handle_review(struct sg_handler *h, struct request *r,
                                     struct MHD_Connection *mc)
{
    enum sg_endpoint ep = r->route->endpoint;
    enum sg_mode mode = ep == SG_ENDPOINT_MUTATE ? SG_MODE_MUTATE : SG_MODE_VALIDATE;
    struct sg_decision *d = NULL;
    struct sg_snapshot *snap;
    struct sg_error err;
    enum MHD_Result ret = MHD_NO;
    unsigned long long t0 = now_us(), us;
    unsigned status;
    size_t len = 0;
    int rc;

    sg_error_clear(&err);
    snap = sg_policyfile_acquire(h->policy);
    if (snap == NULL)
        return refuse(h, r, mc, MHD_HTTP_SERVICE_UNAVAILABLE, "no policy loaded");
    sg_arena_begin();
    rc = sg_review(sg_snapshot_value(snap), mode, sg_body_data(&r->body), r->body.len, &d, &err);
    if (rc == 0) {
        const char *bytes = sg_decision_response(d, &len);
        us = now_us() - t0;
        sg_metrics_decision(h->metrics, ep, d);
        sg_metrics_latency(h->metrics, ep, us);
        sg_log_decision(h->log, sg_endpoint_name(ep), d, us);
        /* Copied: the decision lives in this thread's arena. */
        ret = respond(h, r, mc, MHD_HTTP_OK, "application/json", bytes, len, MHD_RESPMEM_MUST_COPY,
                      NULL);
    }
    sg_decision_free(d);
    sg_arena_end();
    sg_snapshot_release(snap);
    if (rc == 0)
        return ret;
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
    return refuse(h, r, mc, status, err.msg[0] != '\0' ? err.msg : sg_error_code_name(rc));
}

static enum MHD_Result handle_healthz(struct sg_handler *h, struct request *r,
                                      struct MHD_Connection *mc)
{
    return respond(h, r, mc, MHD_HTTP_OK, TEXT, "ok\n", 3, MHD_RESPMEM_PERSISTENT, NULL);
}

/* Ready: a policy and a certificate that is valid now are in force, and
 * the server is not stopping. */
static const char *not_ready(struct sg_handler *h)
{
    struct sg_snapshot *p;
    long long now = (long long)time(NULL);

    if (atomic_load(&h->stopping))
        return "not ready: shutting down\n";
    if (now >= sg_tls_store_not_after(h->tls))
        return "not ready: the serving certificate has expired\n";
    p = sg_policyfile_acquire(h->policy);
    sg_snapshot_release(p);
    return p == NULL ? "not ready: no policy\n" : NULL;
}

static enum MHD_Result handle_readyz(struct sg_handler *h, struct request *r,
                                     struct MHD_Connection *mc)
{
    const char *why = not_ready(h);

    if (why != NULL)
        return respond(h, r, mc, MHD_HTTP_SERVICE_UNAVAILABLE, TEXT, why, strlen(why),
                       MHD_RESPMEM_PERSISTENT, NULL);
    return respond(h, r, mc, MHD_HTTP_OK, TEXT, "ready\n", 6, MHD_RESPMEM_PERSISTENT, NULL);
}

static enum MHD_Result handle_metrics(struct sg_handler *h, struct request *r,
                                      struct MHD_Connection *mc)
{
    struct sg_metrics_gauges g;
    enum MHD_Result ret;
    size_t len;
    char *text;

    g.cert_not_after = sg_tls_store_not_after(h->tls);
    g.now = (long long)time(NULL);
    g.connections = sg_conns_count(h->conns);
    g.ready = not_ready(h) == NULL;
    text = sg_metrics_render(h->metrics, &g, &len);
    if (text == NULL)
        return respond(h, r, mc, MHD_HTTP_INTERNAL_SERVER_ERROR, TEXT, "out of memory\n", 14,
                       MHD_RESPMEM_PERSISTENT, NULL);
    ret = respond(h, r, mc, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", text, len,
                  MHD_RESPMEM_MUST_COPY, NULL);
    free(text);
    return ret;
}

/* ---- libmicrohttpd's callbacks -------------------------------------------- */

static struct sg_conn *conn_of(struct MHD_Connection *mc)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    return ci != NULL ? ci->socket_context : NULL;
}

void *sg_handler_request_begin(void *cls, const char *uri, struct MHD_Connection *mc)
{
    struct sg_conn *c = conn_of(mc);
    struct request *r;

    (void)cls;
    (void)uri;
    if (c == NULL)
        return NULL;
    sg_conn_request_begin(c);
    r = calloc(1, sizeof(*r));
    if (r != NULL)
        r->conn = c;
    return r; /* NULL: the access handler refuses to go on, and the connection closes */
}

enum MHD_Result sg_handler_access(void *cls, struct MHD_Connection *mc, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    struct sg_handler *h = cls;
    struct request *r = *req_cls;
    unsigned st;

    if (r == NULL)
        return MHD_NO;
    if (!r->gated) {
        r->gated = true;
        return gate(h, r, mc, url, method, version);
    }
    if (*upload_data_size > 0) {
        /* Body: kept for a POST route, dropped for a GET route or once
         * refused (the refusal is answered at the end). */
        if (r->route->has_body && r->status == 0) {
            st = sg_body_append(&h->budget, &r->body, upload_data, *upload_data_size, r->declared);
            if (st != 0) {
                r->status = st;
                r->why = status_text(st);
                sg_body_release(&h->budget, &r->body);
            }
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->status != 0)
        return refuse(h, r, mc, r->status, r->why);
    return r->route->fn(h, r, mc);
}

void sg_handler_request_end(void *cls, struct MHD_Connection *mc, void **req_cls,
                            enum MHD_RequestTerminationCode toe)
{
    struct sg_handler *h = cls;
    struct request *r = *req_cls;
    struct sg_conn *c = r != NULL ? r->conn : conn_of(mc);

    (void)toe;
    if (r != NULL) {
        sg_body_release(&h->budget, &r->body);
        free(r);
        *req_cls = NULL;
    }
    if (c != NULL)
        sg_conn_request_end(c);
}

size_t sg_handler_unescape(void *cls, struct MHD_Connection *mc, char *s)
{
    (void)cls;
    (void)mc;
    return strlen(s);
}
