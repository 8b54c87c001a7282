/* daemon.c - see server.h: the server's life around libmicrohttpd.
 *
 * Start: the policy, the certificate pair and the client CA are loaded and
 * checked, the listening socket is opened (listener.h), and one
 * libmicrohttpd daemon starts per thread, each with its own epoll set and no
 * listening socket of its own: the control thread accepts and hands the
 * connections over. Run: the control thread wakes for connections to
 * accept, for signals and, every tick, for the watchdog (conns.h); once a
 * second it looks at the watched files and writes the log lines that sum up
 * what was cut or refused, so that a flood makes a few lines a second, not
 * one per connection. Stop: the listening socket is closed, so newcomers
 * are refused at once (and go to another replica); the requests in flight
 * finish; then the daemons stop. */
#include "server.h"

#include <errno.h>
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
#include "listener.h"
#include "mhdlog.h"
#include "log.h"
#include "metrics.h"
#include "policyfile.h"
#include "signals.h"
#include "tls.h"

/* Stopping: the daemon stops once no connection has been in a handshake
 * or a request for this many looks this far apart. */
#define STOP_QUIET_LOOKS 2
#define STOP_LOOK_MS     20

struct sg_server {
    struct sg_server_config cfg;
    struct sg_handler handler;
    struct sg_log log;
    bool log_ready;
    struct sg_mhdlog mhd_log;
    bool mhd_log_ready;
    struct sg_listener *listener;
    struct MHD_Daemon *daemons[SG_LISTENER_MAX_DAEMONS];
    unsigned n_daemons;
    /* Connections refused for their address's limit by libmicrohttpd's
     * threads (a burst the listener let through) since the last log line. */
    atomic_uint over_address;
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
    const union MHD_ConnectionInfo *fd, *addr, *session, *d;
    struct sg_conn *c;
    int rc;

    if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        if (*socket_context != NULL)
            connection_closed(s, *socket_context);
        *socket_context = NULL;
        d = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_DAEMON);
        if (d != NULL)
            sg_listener_closed(s->listener, d->daemon);
        return;
    }
    fd = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
    addr = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    session = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (fd == NULL || addr == NULL || session == NULL)
        return; /* no record: the certificate callback fails the handshake */
    c = calloc(1, sizeof(*c));
    rc = c == NULL ? SG_ERR_NOMEM
                   : sg_conns_add(s->handler.conns, c, fd->connect_fd, addr->client_addr,
                                  addr_len(addr->client_addr));
    if (rc != 0) {
        /* Over its address's limit (a burst the control thread let
         * through), or out of memory: libmicrohttpd closes it at once. */
        free(c);
        if (rc == SG_ERR_LIMIT)
            atomic_fetch_add(&s->over_address, 1);
        shutdown(fd->connect_fd, SHUT_RDWR);
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

static int start_daemons(struct sg_server *s, unsigned threads, struct sg_error *err)
{
    const struct sg_server_config *cfg = &s->cfg;
    const char *ca = sg_tls_store_client_ca(s->handler.tls);
    /* The logger first, so that messages about the options that follow come
     * through it; a client CA last, only when there is one. */
    struct MHD_OptionItem opts[] = {
        OPT_FN(MHD_OPTION_EXTERNAL_LOGGER, sg_mhdlog_callback, &s->mhd_log),
        OPT_P(MHD_OPTION_HTTPS_CERT_CALLBACK, sg_tls_certificate_callback),
        OPT_P(MHD_OPTION_HTTPS_PRIORITIES, SG_TLS_PRIORITIES),
        /* The control thread keeps the count for the process (per address:
         * conns.h). This only backs it up, with room: libmicrohttpd counts a
         * connection until it has cleaned it up, a moment after the CLOSED
         * notification that frees our slot. */
        OPT(MHD_OPTION_CONNECTION_LIMIT, 2 * cfg->max_connections),
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
        OPT(MHD_OPTION_END, 0),
    };
    /* ITC: MHD_add_connection from the control thread wakes the daemon. */
    unsigned flags = MHD_USE_TLS | MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_NO_LISTEN_SOCKET |
                     MHD_USE_ITC | MHD_USE_ERROR_LOG;
    sigset_t all, old;

    /* Signals are the control thread's (signals.h): libmicrohttpd's
     * threads start with all of them blocked. */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    for (s->n_daemons = 0; s->n_daemons < threads; s->n_daemons++) {
        s->daemons[s->n_daemons] =
            MHD_start_daemon(flags, 0, NULL, NULL, sg_handler_access, &s->handler, MHD_OPTION_ARRAY,
                             opts, MHD_OPTION_END);
        if (s->daemons[s->n_daemons] == NULL)
            break;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (s->n_daemons < threads) {
        sg_mhdlog_flush(&s->mhd_log, &s->log);
        return sg_error_set(err, SG_ERR_INTERNAL,
                            "cannot start the HTTPS server's thread %u of %u (see the log above)",
                            s->n_daemons + 1, threads);
    }
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
        .max_per_address = cfg->max_connections_per_address,
    };
    int rc;

    rc = sg_log_init(&s->log, cfg->decision_fd, cfg->event_fd);
    if (rc != 0)
        return sg_error_set(err, rc, "cannot set up logging");
    s->log_ready = true;
    s->handler.log = &s->log;
    if (sg_mhdlog_init(&s->mhd_log) != 0 || pthread_mutex_init(&s->refused_lock, NULL) != 0)
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

/* The policy now in force, and its profiles: logged (what an operator
 * checks after a reload: a permissive profile among them is judged as
 * Unconfined) and counted. */
static void policy_in_force(struct sg_server *s, const char *event, const char *what)
{
    const struct sg_policyfile_status *st = sg_policyfile_status(s->handler.policy);

    if (!st->has_folder)
        sg_log_event(&s->log, "info", event, "policy '%s' %s",
                     sg_policyfile_path(s->handler.policy), what);
    else
        sg_log_event(&s->log, "info", event,
                     "policy '%s' %s, with %zu profiles from '%s' (%zu permissive, %zu enforcing "
                     "with dangerous syscalls)",
                     sg_policyfile_path(s->handler.policy), what, st->n_profiles, st->folder,
                     st->n_permissive, st->n_dangerous);
    if (st->warning[0] != '\0')
        sg_log_event(&s->log, "warning", event, "%s", st->warning);
    if (st->has_folder)
        sg_metrics_profiles_reload(s->handler.metrics, true, st->n_profiles, st->n_permissive);
}

int sg_server_start(const struct sg_server_config *cfg, struct sg_server **out,
                    struct sg_error *err)
{
    struct sg_server *s;
    char until[40];
    unsigned threads;
    int rc;

    *out = NULL;
    if (cfg->policy_path == NULL || cfg->cert_path == NULL || cfg->key_path == NULL)
        return sg_error_set(err, SG_ERR_INVALID, "--policy, --tls-cert and --tls-key are required");
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    s->cfg = *cfg;
    atomic_init(&s->handler.stopping, false);
    threads = cfg->threads != 0 ? cfg->threads : usable_cpus();
    if (threads > SG_LISTENER_MAX_DAEMONS)
        threads = SG_LISTENER_MAX_DAEMONS;
    rc = init_parts(s, err);
    if (rc != 0)
        goto out;
    rc = sg_listener_open(cfg->listen, cfg->max_connections, s->handler.conns, &s->listener, err);
    if (rc != 0)
        goto out;
    rc = start_daemons(s, threads, err);
    if (rc != 0)
        goto out;
    sg_listener_set_daemons(s->listener, s->daemons, s->n_daemons);
    sg_log_event(&s->log, "info", "start",
                 "listening on %s (port %u), %u threads, policy '%s', certificate '%s'%s",
                 cfg->listen, sg_listener_port(s->listener), s->n_daemons, cfg->policy_path,
                 cfg->cert_path,
                 cfg->client_ca_path != NULL ? ", client certificates required" : "");
    policy_in_force(s, "policy", "in force");
    sg_pem_format_time(sg_tls_store_not_after(s->handler.tls), until, sizeof(until));
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
    return sg_listener_port(s->listener);
}

/* ---- run ---------------------------------------------------------------- */

static void reload_failed(struct sg_server *s, const struct sg_error *err)
{
    struct sg_handler *h = &s->handler;

    if (sg_policyfile_status(h->policy)->profiles_failed) {
        sg_metrics_profiles_reload(h->metrics, false, 0, 0);
        sg_log_event(&s->log, "error", "profiles-reload",
                     "new profiles refused, the last good policy and profiles stay in force: %s",
                     err->msg);
        return;
    }
    sg_metrics_policy_reload(h->metrics, false);
    sg_log_event(&s->log, "error", "policy-reload",
                 "new policy refused, the last good one stays in force: %s", err->msg);
}

static void reload(struct sg_server *s, bool force)
{
    struct sg_handler *h = &s->handler;
    struct sg_error err;
    bool reloaded;
    char until[40];

    sg_error_clear(&err);
    if (sg_policyfile_reload(h->policy, force, &reloaded, &err) != 0) {
        reload_failed(s, &err);
    } else if (reloaded) {
        sg_metrics_policy_reload(h->metrics, true);
        policy_in_force(s, "policy-reload", "reloaded");
    }
    sg_error_clear(&err);
    if (sg_tls_store_reload(h->tls, force, &reloaded, &err) != 0) {
        sg_metrics_cert_reload(h->metrics, false);
        sg_log_event(&s->log, "error", "certificate-reload",
                     "new certificate refused, the last good one stays in force: %s", err.msg);
    } else if (reloaded) {
        sg_metrics_cert_reload(h->metrics, true);
        s->expiry_logged = false;
        sg_pem_format_time(sg_tls_store_not_after(h->tls), until, sizeof(until));
        sg_log_event(&s->log, "info", "certificate-reload",
                     "certificate '%s' reloaded; valid until %s (%lld seconds)", s->cfg.cert_path,
                     until, sg_tls_store_not_after(h->tls) - (long long)time(NULL));
    }
}

/* One watchdog pass; returns how many connections are busy, counting
 * those handed to a daemon that has not taken them up yet. */
static unsigned watch(struct sg_server *s)
{
    struct sg_conns_cuts c;
    unsigned total = sg_listener_open_count(s->listener);

    sg_conns_reap(s->handler.conns, &c);
    for (unsigned i = 0; i < c.handshake + c.request; i++)
        sg_metrics_request_timeout(s->handler.metrics);
    s->cut.handshake += c.handshake;
    s->cut.request += c.request;
    s->cut.stalled += c.stalled;
    s->cut.evicted += c.evicted;
    return c.busy + (total > c.open ? total - c.open : 0);
}

/* What was cut or refused since the last time, a line per kind. */
static void report(struct sg_server *s)
{
    struct sg_conns_cuts *c = &s->cut;
    struct sg_listener_counts lc;
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
    sg_listener_take_counts(s->listener, &lc);
    lc.over_address += atomic_exchange(&s->over_address, 0);
    if (lc.over_address > 0)
        sg_log_event(&s->log, "warn", "connection-limit",
                     "refused %u connection(s) from a client address that holds "
                     "--max-connections-per-address (%u) already",
                     lc.over_address, s->cfg.max_connections_per_address);
    if (c->evicted > 0 || lc.at_limit > 0)
        sg_log_event(&s->log, "warn", "connection-limit",
                     "at the limit (--max-connections %u): closed %u idle connection(s) to make "
                     "room for newcomers, refused %u newcomer(s) from addresses that had their "
                     "share",
                     s->cfg.max_connections, c->evicted, lc.at_limit);
    if (refused > 0) {
        pthread_mutex_lock(&s->refused_lock);
        snprintf(why, sizeof(why), "%s", s->refused_why);
        pthread_mutex_unlock(&s->refused_lock);
        sg_log_event(&s->log, "warn", "tls", "%u TLS handshake(s) refused; the last: %s", refused,
                     why);
    }
    memset(c, 0, sizeof(*c));
    sg_mhdlog_flush(&s->mhd_log, &s->log);
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
    sg_pem_format_time(not_after, when, sizeof(when));
    sg_log_event(&s->log, "error", "certificate",
                 "certificate '%s' expired at %s: not ready until a valid one is in place",
                 s->cfg.cert_path, when);
}

/* Stop accepting (newcomers are refused and go to another replica), let
 * every request that got in get its answer (each now carries Connection:
 * close), then stop the daemons. */
static void drain(struct sg_server *s)
{
    long long deadline = sg_conns_now_ms() + (long long)s->cfg.request_timeout_s * 1000 + 1000;
    unsigned quiet = 0;

    atomic_store(&s->handler.stopping, true);
    sg_listener_stop(s->listener);
    sg_log_event(&s->log, "info", "stop", "stopped accepting; finishing requests in flight");
    while (sg_conns_now_ms() < deadline) {
        /* Two quiet looks in a row: a request whose bytes were arriving at
         * the first look has reached the handler by the second. */
        quiet = watch(s) == 0 ? quiet + 1 : 0;
        if (quiet >= STOP_QUIET_LOOKS)
            break;
        poll(NULL, 0, STOP_LOOK_MS);
    }
    for (unsigned i = 0; i < s->n_daemons; i++)
        MHD_stop_daemon(s->daemons[i]);
    s->n_daemons = 0;
    report(s);
    sg_log_event(&s->log, "info", "stop", "stopped");
}

/* Waits for the next thing to do: a signal, a connection to accept, a slot
 * freed while connections wait for one, or the next tick. */
static void wait_for_work(struct sg_server *s, long long next_tick)
{
    struct pollfd pfd[3];
    long long left = next_tick - sg_conns_now_ms();
    nfds_t n;

    pfd[0] = (struct pollfd){.fd = sg_signals_fd(), .events = POLLIN};
    n = 1 + sg_listener_poll_fds(s->listener, pfd + 1);
    poll(pfd, n, left > 0 ? (int)left : 0);
    for (nfds_t i = 1; i < n; i++) {
        if (pfd[i].revents != 0) {
            sg_listener_accept(s->listener);
            break;
        }
    }
}

int sg_server_run(struct sg_server *s)
{
    long long now = sg_conns_now_ms();
    long long next_tick = now + SG_SERVER_TICK_MS, next_watch = now + SG_SERVER_WATCH_MS;

    for (;;) {
        wait_for_work(s, next_tick);
        unsigned sig = sg_signals_take();
        if (sig & SG_SIGNAL_STOP)
            break;
        if (sig & SG_SIGNAL_RELOAD) {
            sg_log_event(&s->log, "info", "reload", "SIGHUP: re-reading policy and certificate");
            reload(s, true);
        }
        now = sg_conns_now_ms();
        if (now < next_tick)
            continue;
        next_tick = now + SG_SERVER_TICK_MS;
        watch(s);
        sg_listener_accept(s->listener); /* an idle connection may give way now */
        if (now >= next_watch) {
            reload(s, false);
            check_expiry(s);
            report(s);
            next_watch = now + SG_SERVER_WATCH_MS;
        }
    }
    drain(s);
    return 0;
}

void sg_server_free(struct sg_server *s)
{
    if (s == NULL)
        return;
    for (unsigned i = 0; i < s->n_daemons; i++)
        MHD_stop_daemon(s->daemons[i]);
    sg_listener_free(s->listener);
    sg_policyfile_free(s->handler.policy);
    sg_tls_store_free(s->handler.tls);
    sg_conns_free(s->handler.conns);
    sg_metrics_free(s->handler.metrics);
    if (s->refused_lock_ready)
        pthread_mutex_destroy(&s->refused_lock);
    if (s->mhd_log_ready)
        sg_mhdlog_release(&s->mhd_log);
    if (s->log_ready)
        sg_log_release(&s->log);
    free(s);
}
