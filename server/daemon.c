/* daemon.c - see server.h: the server's life around libmicrohttpd.
 *
 * Start: the policy, the certificate pair and the client CA are loaded and
 * checked, the listening socket is opened here (so a bad address or a port
 * in use is an error that says which), and libmicrohttpd starts on it with
 * every option from one table. Run: the control thread wakes every tick for
 * signals, the watchdog (conns.h) and, once a second, the watched files and
 * the log lines summing up what was cut or refused, so that a flood makes a
 * few lines a second, not one per connection. Stop: libmicrohttpd is
 * quiesced and the listening socket shut down, so newcomers are refused at
 * once (and go to another replica); the requests in flight finish; then the
 * daemon stops. */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "arena.h"
#include "conns.h"
#include "handler.h"
#include "log.h"
#include "metrics.h"
#include "policyfile.h"
#include "signals.h"
#include "tls.h"

#define THREADS_MAX 64
/* The listening socket's queue of connections not yet accepted. */
#define LISTEN_BACKLOG 1024
/* libmicrohttpd's own messages, gathered for one log line each a second:
 * this many distinct ones; more are only counted. */
#define MHD_LOG_SLOTS   8
#define MHD_LOG_MSG_MAX 200
/* Stopping: the daemon stops once no connection has been in a handshake
 * or a request for this many looks this far apart. */
#define STOP_QUIET_LOOKS 2
#define STOP_LOOK_MS     20

/* libmicrohttpd's messages since the last log line about them. */
struct mhd_log {
    pthread_mutex_t lock;
    struct {
        const char *fmt; /* libmicrohttpd's format strings are static: a key */
        unsigned n;
        char first[MHD_LOG_MSG_MAX];
    } slot[MHD_LOG_SLOTS];
    unsigned others;
};

struct sg_server {
    struct sg_server_config cfg;
    struct sg_handler handler;
    struct sg_log log;
    bool log_ready;
    struct mhd_log mhd_log;
    bool mhd_log_ready;
    struct MHD_Daemon *daemon;
    int listen_fd;     /* ours: its queue length, its shutdown at stop */
    int mhd_listen_fd; /* libmicrohttpd's copy, ours to close once quiesced */
    unsigned port, threads;
    /* Refused TLS handshakes since the last log line, and the last reason. */
    atomic_uint refused;
    pthread_mutex_t refused_lock;
    bool refused_lock_ready;
    char refused_why[SG_TLS_WHY_MAX];
    struct sg_conns_cuts cut; /* summed since the last log line */
    bool expiry_logged;
};

void sg_server_config_init(struct sg_server_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->listen = SG_SERVER_DEFAULT_LISTEN;
    cfg->max_body_bytes = SG_SERVER_DEFAULT_MAX_BODY_BYTES;
    cfg->body_memory_bytes = SG_SERVER_DEFAULT_BODY_MEMORY_BYTES;
    cfg->max_connections = SG_SERVER_DEFAULT_MAX_CONNECTIONS;
    cfg->max_connections_per_address = SG_SERVER_DEFAULT_MAX_CONNS_PER_ADDR;
    cfg->connection_memory = SG_SERVER_DEFAULT_CONNECTION_MEMORY;
    cfg->idle_timeout_s = SG_SERVER_DEFAULT_IDLE_TIMEOUT_S;
    cfg->request_timeout_s = SG_SERVER_DEFAULT_REQUEST_TIMEOUT_S;
    cfg->handshake_timeout_s = SG_SERVER_DEFAULT_HANDSHAKE_TIMEOUT_S;
    cfg->threads = SG_SERVER_DEFAULT_THREADS;
    cfg->decision_fd = 1;
    cfg->event_fd = 2;
}

/* ---- libmicrohttpd's callbacks ------------------------------------------ */

__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct mhd_log *ml = cls;
    unsigned i;

    pthread_mutex_lock(&ml->lock);
    for (i = 0; i < MHD_LOG_SLOTS && ml->slot[i].fmt != NULL && ml->slot[i].fmt != fmt; i++)
        ;
    if (i == MHD_LOG_SLOTS) {
        ml->others++;
    } else {
        if (ml->slot[i].n++ == 0) {
            ml->slot[i].fmt = fmt;
            vsnprintf(ml->slot[i].first, sizeof(ml->slot[i].first), fmt, ap);
        }
    }
    pthread_mutex_unlock(&ml->lock);
}

static void flush_mhd_log(struct sg_server *s)
{
    struct mhd_log *ml = &s->mhd_log;

    pthread_mutex_lock(&ml->lock);
    for (unsigned i = 0; i < MHD_LOG_SLOTS && ml->slot[i].fmt != NULL; i++) {
        char *m = ml->slot[i].first;
        size_t n = strlen(m);
        while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' ' || m[n - 1] == '.'))
            m[--n] = '\0';
        if (ml->slot[i].n > 1)
            sg_log_event(&s->log, "warn", "http", "%s (%u times)", m, ml->slot[i].n);
        else
            sg_log_event(&s->log, "warn", "http", "%s", m);
        ml->slot[i].fmt = NULL;
        ml->slot[i].n = 0;
    }
    if (ml->others > 0)
        sg_log_event(&s->log, "warn", "http", "%u more libmicrohttpd messages", ml->others);
    ml->others = 0;
    pthread_mutex_unlock(&ml->lock);
}

static socklen_t addr_len(const struct sockaddr *sa)
{
    if (sa == NULL)
        return 0;
    return sa->sa_family == AF_INET6 ? (socklen_t)sizeof(struct sockaddr_in6)
                                     : (socklen_t)sizeof(struct sockaddr_in);
}

/* Why a handshake that never finished was refused by us, if it was. */
static const char *refusal(const struct sg_tls_conn *t)
{
    if (t->finished)
        return NULL;
    if (t->refused)
        return t->why;
    if (t->hello && !t->answered)
        return "no TLS version, cipher suite or key exchange group in common with the client "
               "(or a malformed ClientHello)";
    return NULL;
}

static void connection_closed(struct sg_server *s, struct sg_conn *c)
{
    const char *why = refusal(&c->tls);

    /* Unlisted before libmicrohttpd closes the socket (conns.h). */
    sg_conns_remove(s->handler.conns, c);
    if (why != NULL) {
        pthread_mutex_lock(&s->refused_lock);
        snprintf(s->refused_why, sizeof(s->refused_why), "%s", why);
        pthread_mutex_unlock(&s->refused_lock);
        atomic_fetch_add(&s->refused, 1);
    }
    sg_tls_conn_release(&c->tls);
    free(c);
}

static void on_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct sg_server *s = cls;
    const union MHD_ConnectionInfo *fd, *addr, *session;
    struct sg_conn *c;

    if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        if (*socket_context != NULL)
            connection_closed(s, *socket_context);
        *socket_context = NULL;
        return;
    }
    fd = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
    addr = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    session = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (fd == NULL || addr == NULL || session == NULL)
        return; /* no record: the certificate callback fails the handshake */
    c = calloc(1, sizeof(*c));
    if (c == NULL || sg_conns_add(s->handler.conns, c, fd->connect_fd, addr->client_addr,
                                  addr_len(addr->client_addr)) != 0) {
        free(c);
        return;
    }
    sg_tls_conn_start(s->handler.tls, session->tls_session, &c->tls);
    *socket_context = c;
}

/* ---- start -------------------------------------------------------------- */

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

/* The listening socket is ours, not libmicrohttpd's: its errors name the
 * address, and its queue says when connections wait for a slot. */
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
        listen(s->listen_fd, LISTEN_BACKLOG) != 0)
        return sg_error_set(err, SG_ERR_IO, "cannot listen on '%s': %s", s->cfg.listen,
                            strerror(errno));
    ss_len = sizeof(ss);
    if (getsockname(s->listen_fd, (struct sockaddr *)&ss, &ss_len) == 0)
        s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                 : ((struct sockaddr_in *)&ss)->sin_port);
    /* libmicrohttpd gets a descriptor of its own: it closes it itself on
     * some of its failure paths, and hands it back when quiesced. */
    s->mhd_listen_fd = fcntl(s->listen_fd, F_DUPFD_CLOEXEC, 0);
    if (s->mhd_listen_fd < 0)
        return sg_error_set(err, SG_ERR_IO, "--listen '%s': dup: %s", s->cfg.listen,
                            strerror(errno));
    return 0;
}

#define OPT(o, v)                                                                                  \
    {                                                                                              \
        (o), (intptr_t)(v), NULL                                                                   \
    }
#define OPT_P(o, p)                                                                                \
    {                                                                                              \
        (o), 0, (void *)(p)                                                                        \
    }
#define OPT_FN(o, f, c)                                                                            \
    {                                                                                              \
        (o), (intptr_t)(f), (void *)(c)                                                            \
    }

static int start_daemon(struct sg_server *s, struct sg_error *err)
{
    const struct sg_server_config *cfg = &s->cfg;
    const char *ca = sg_tls_store_client_ca(s->handler.tls);
    unsigned per_address = cfg->max_connections_per_address;
    /* The logger first, so that messages about the options that follow come
     * through it. A client CA and a pool of threads come last, each only
     * when there is one (libmicrohttpd warns about a pool of 1). */
    struct MHD_OptionItem opts[] = {
        OPT_FN(MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, &s->mhd_log),
        OPT(MHD_OPTION_LISTEN_SOCKET, s->mhd_listen_fd),
        OPT_P(MHD_OPTION_HTTPS_CERT_CALLBACK, sg_tls_certificate_callback),
        OPT_P(MHD_OPTION_HTTPS_PRIORITIES, SG_TLS_PRIORITIES),
        OPT(MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections),
        OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT,
            per_address < cfg->max_connections ? per_address : cfg->max_connections),
        OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, cfg->connection_memory),
        /* libmicrohttpd's own timeout counts inactivity; the watchdog does
         * the real work, this only backs it up. */
        OPT(MHD_OPTION_CONNECTION_TIMEOUT, cfg->idle_timeout_s + 1),
        OPT_FN(MHD_OPTION_URI_LOG_CALLBACK, sg_handler_request_begin, &s->handler),
        OPT_FN(MHD_OPTION_NOTIFY_COMPLETED, sg_handler_request_end, &s->handler),
        OPT_FN(MHD_OPTION_NOTIFY_CONNECTION, on_connection, s),
        OPT_FN(MHD_OPTION_UNESCAPE_CALLBACK, sg_handler_unescape, NULL),
        /* The gate (handler.h) does the checking, with answers of ours. */
        OPT(MHD_OPTION_STRICT_FOR_CLIENT, 0),
        OPT_P(ca != NULL ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, ca),
        OPT(s->threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, s->threads),
        OPT(MHD_OPTION_END, 0),
    };
    struct MHD_OptionItem *end = opts;
    unsigned flags = MHD_USE_TLS | MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    sigset_t all, old;

    /* An END in the middle would cut the list short: squeeze them out. */
    for (struct MHD_OptionItem *o = opts; o < opts + sizeof(opts) / sizeof(opts[0]); o++) {
        if (o->option != MHD_OPTION_END)
            *end++ = *o;
    }
    *end = (struct MHD_OptionItem)OPT(MHD_OPTION_END, 0);
    /* Signals are the control thread's (signals.h): libmicrohttpd's
     * threads start with all of them blocked. */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, sg_handler_access, &s->handler,
                                 MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (s->daemon == NULL) {
        /* It may have closed its descriptor already; never ours. */
        s->mhd_listen_fd = -1;
        flush_mhd_log(s);
        return sg_error_set(err, SG_ERR_INTERNAL,
                            "cannot start the HTTPS daemon on '%s' (see the log above)",
                            cfg->listen);
    }
    s->mhd_listen_fd = -1; /* the daemon's now, until it hands it back */
    return 0;
}

static int init_parts(struct sg_server *s, struct sg_error *err)
{
    const struct sg_server_config *cfg = &s->cfg;
    unsigned request_ms = cfg->request_timeout_s * 1000u;
    unsigned handshake_ms = cfg->handshake_timeout_s * 1000u;
    struct sg_conns_limits lim = {
        .handshake_ms = handshake_ms < request_ms ? handshake_ms : request_ms,
        .request_ms = request_ms,
        .idle_ms = cfg->idle_timeout_s * 1000u,
        .max_connections = cfg->max_connections,
    };
    int rc;

    rc = sg_log_init(&s->log, cfg->decision_fd, cfg->event_fd);
    if (rc != 0)
        return sg_error_set(err, rc, "cannot set up logging");
    s->log_ready = true;
    s->handler.log = &s->log;
    if (pthread_mutex_init(&s->mhd_log.lock, NULL) != 0 ||
        pthread_mutex_init(&s->refused_lock, NULL) != 0)
        return sg_error_set(err, SG_ERR_INTERNAL, "cannot set up logging: mutex");
    s->mhd_log_ready = s->refused_lock_ready = true;
    rc = sg_metrics_new(&s->handler.metrics);
    if (rc != 0)
        return sg_error_set(err, rc, "cannot set up metrics");
    rc = sg_conns_new(&lim, &s->handler.conns);
    if (rc != 0)
        return sg_error_set(err, rc, "cannot set up connection tracking");
    rc = sg_arena_install();
    if (rc != 0)
        return sg_error_set(err, rc, "cannot set up the JSON arena");
    sg_body_budget_init(&s->handler.budget, cfg->body_memory_bytes, cfg->max_body_bytes);
    rc = sg_policyfile_new(cfg->policy_path, &s->handler.policy, err);
    if (rc != 0)
        return sg_error_prefix(err, "--policy");
    return sg_tls_store_new(cfg->cert_path, cfg->key_path, cfg->client_ca_path, &s->handler.tls,
                            err);
}

int sg_server_start(const struct sg_server_config *cfg, struct sg_server **out,
                    struct sg_error *err)
{
    struct sg_server *s;
    char until[40];
    int rc;

    *out = NULL;
    if (cfg->policy_path == NULL || cfg->cert_path == NULL || cfg->key_path == NULL)
        return sg_error_set(err, SG_ERR_INVALID, "--policy, --tls-cert and --tls-key are required");
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    s->cfg = *cfg;
    s->listen_fd = s->mhd_listen_fd = -1;
    atomic_init(&s->handler.stopping, false);
    s->threads = cfg->threads != 0 ? cfg->threads : usable_cpus();
    if (s->threads > THREADS_MAX)
        s->threads = THREADS_MAX;
    rc = init_parts(s, err);
    if (rc != 0)
        goto out;
    rc = open_listener(s, err);
    if (rc != 0)
        goto out;
    rc = start_daemon(s, err);
    if (rc != 0)
        goto out;
    sg_log_event(&s->log, "info", "start",
                 "listening on %s (port %u), %u threads, policy '%s', certificate '%s'%s",
                 cfg->listen, s->port, s->threads, cfg->policy_path, cfg->cert_path,
                 cfg->client_ca_path != NULL ? ", client certificates required" : "");
    sg_certs_format_time(sg_tls_store_not_after(s->handler.tls), until, sizeof(until));
    sg_log_event(&s->log, "info", "certificate", "certificate '%s' valid until %s (%lld seconds)",
                 cfg->cert_path, until,
                 sg_tls_store_not_after(s->handler.tls) - (long long)time(NULL));
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

/* ---- run ---------------------------------------------------------------- */

static void reload(struct sg_server *s, bool force)
{
    struct sg_handler *h = &s->handler;
    struct sg_error err;
    bool reloaded;
    char until[40];

    sg_error_clear(&err);
    if (sg_policyfile_reload(h->policy, force, &reloaded, &err) != 0) {
        sg_metrics_policy_reload(h->metrics, false);
        sg_log_event(&s->log, "error", "policy-reload",
                     "new policy refused, the last good one stays in force: %s", err.msg);
    } else if (reloaded) {
        sg_metrics_policy_reload(h->metrics, true);
        sg_log_event(&s->log, "info", "policy-reload", "policy '%s' reloaded",
                     sg_policyfile_path(h->policy));
    }
    sg_error_clear(&err);
    if (sg_tls_store_reload(h->tls, force, &reloaded, &err) != 0) {
        sg_metrics_cert_reload(h->metrics, false);
        sg_log_event(&s->log, "error", "certificate-reload",
                     "new certificate refused, the last good one stays in force: %s", err.msg);
    } else if (reloaded) {
        sg_metrics_cert_reload(h->metrics, true);
        s->expiry_logged = false;
        sg_certs_format_time(sg_tls_store_not_after(h->tls), until, sizeof(until));
        sg_log_event(&s->log, "info", "certificate-reload",
                     "certificate '%s' reloaded; valid until %s (%lld seconds)", s->cfg.cert_path,
                     until, sg_tls_store_not_after(h->tls) - (long long)time(NULL));
    }
}

/* Connections waiting in the listening socket's queue (for a listening
 * socket, TCP_INFO's unacked is its accept queue). */
static unsigned listen_queue(const struct sg_server *s)
{
    struct tcp_info ti;
    socklen_t len = sizeof(ti);

    if (s->listen_fd < 0 || getsockopt(s->listen_fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
        return 0;
    return ti.tcpi_unacked;
}

/* One watchdog pass; returns how many connections are busy. */
static unsigned watch(struct sg_server *s)
{
    struct sg_conns_cuts c;

    sg_conns_reap(s->handler.conns, listen_queue(s), &c);
    for (unsigned i = 0; i < c.handshake + c.request; i++)
        sg_metrics_request_timeout(s->handler.metrics);
    s->cut.handshake += c.handshake;
    s->cut.request += c.request;
    s->cut.stalled += c.stalled;
    s->cut.evicted += c.evicted;
    return c.busy;
}

/* What was cut or refused since the last time, a line per kind. */
static void report(struct sg_server *s)
{
    struct sg_conns_cuts *c = &s->cut;
    unsigned refused = atomic_exchange(&s->refused, 0);
    char why[SG_TLS_WHY_MAX];

    if (c->stalled > 0)
        sg_log_event(&s->log, "warn", "request-timeout",
                     "connection closed: a response could not be sent within %u s, the client "
                     "did not read it (%u connection(s))",
                     s->cfg.request_timeout_s, c->stalled);
    if (c->request > c->stalled)
        sg_log_event(&s->log, "warn", "request-timeout",
                     "closed %u connection(s) whose request took over %u s",
                     c->request - c->stalled, s->cfg.request_timeout_s);
    if (c->handshake > 0)
        sg_log_event(&s->log, "warn", "request-timeout",
                     "closed %u connection(s) whose TLS handshake took over %u s", c->handshake,
                     s->cfg.handshake_timeout_s < s->cfg.request_timeout_s
                         ? s->cfg.handshake_timeout_s
                         : s->cfg.request_timeout_s);
    if (c->evicted > 0)
        sg_log_event(&s->log, "warn", "connection-limit",
                     "%u connections open, at the limit (--max-connections %u), and new ones "
                     "waiting: closed %u idle connection(s) to make room",
                     sg_conns_count(s->handler.conns), s->cfg.max_connections, c->evicted);
    if (refused > 0) {
        pthread_mutex_lock(&s->refused_lock);
        snprintf(why, sizeof(why), "%s", s->refused_why);
        pthread_mutex_unlock(&s->refused_lock);
        sg_log_event(&s->log, "warn", "tls", "%u TLS handshake(s) refused; the last: %s", refused,
                     why);
    }
    memset(c, 0, sizeof(*c));
    flush_mhd_log(s);
}

/* The certificate in force expired (a renewal that never came): say so
 * once; /readyz says not ready meanwhile. */
static void check_expiry(struct sg_server *s)
{
    long long not_after = sg_tls_store_not_after(s->handler.tls);
    char when[40];

    if (s->expiry_logged || (long long)time(NULL) < not_after)
        return;
    s->expiry_logged = true;
    sg_certs_format_time(not_after, when, sizeof(when));
    sg_log_event(&s->log, "error", "certificate",
                 "certificate '%s' expired at %s: not ready until a valid one is in place",
                 s->cfg.cert_path, when);
}

/* Stop accepting (newcomers are refused and go to another replica), let
 * every request that got in get its answer (each now carries Connection:
 * close), then stop the daemon. */
static void drain(struct sg_server *s)
{
    long long deadline = sg_conns_now_ms() + (long long)s->cfg.request_timeout_s * 1000 + 1000;
    unsigned quiet = 0;
    MHD_socket fd;

    atomic_store(&s->handler.stopping, true);
    fd = MHD_quiesce_daemon(s->daemon);
    if (fd != MHD_INVALID_SOCKET)
        s->mhd_listen_fd = fd; /* ours now; closed once the daemon has stopped */
    /* Not closed yet (libmicrohttpd's threads may still hold it in their
     * epoll sets): shut down, it stops listening, and connections still in
     * its queue or on their way are refused. */
    shutdown(s->listen_fd, SHUT_RDWR);
    sg_log_event(&s->log, "info", "stop", "stopped accepting; finishing requests in flight");
    while (sg_conns_now_ms() < deadline) {
        /* Two quiet looks in a row: a request whose bytes were arriving at
         * the first look has reached the handler by the second. */
        quiet = watch(s) == 0 ? quiet + 1 : 0;
        if (quiet >= STOP_QUIET_LOOKS)
            break;
        poll(NULL, 0, STOP_LOOK_MS);
    }
    MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
    if (s->mhd_listen_fd >= 0)
        close(s->mhd_listen_fd);
    s->mhd_listen_fd = -1;
    report(s);
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
        watch(s);
        if (sg_conns_now_ms() >= next_watch) {
            reload(s, false);
            check_expiry(s);
            report(s);
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
        MHD_stop_daemon(s->daemon); /* closes its descriptor: not quiesced */
    if (s->mhd_listen_fd >= 0)
        close(s->mhd_listen_fd);
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    sg_policyfile_free(s->handler.policy);
    sg_tls_store_free(s->handler.tls);
    sg_conns_free(s->handler.conns);
    sg_metrics_free(s->handler.metrics);
    if (s->refused_lock_ready)
        pthread_mutex_destroy(&s->refused_lock);
    if (s->mhd_log_ready)
        pthread_mutex_destroy(&s->mhd_log.lock);
    if (s->log_ready)
        sg_log_release(&s->log);
    free(s);
}
