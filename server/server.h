/* server.h - the HTTPS admission webhook: libmicrohttpd (HTTP/1.1, TLS
 * through GnuTLS) in front of the decision engine (validate/review.h).
 *
 * Endpoints: POST /validate and /mutate (AdmissionReview in, out), GET
 * /healthz, /readyz and /metrics; handler.h has the routes and the gate
 * every request passes. TLS 1.2+ only; the certificate, key and policy are
 * re-read when their files change and on SIGHUP, without dropping a
 * connection (tls.h, policyfile.h).
 *
 * Threads: one libmicrohttpd daemon per thread (`threads`, default one per
 * CPU this process may run on), each an epoll loop serving many
 * connections; the thread that calls sg_server_run accepts and hands each
 * connection to the daemon holding the fewest (listener.h), and does the
 * control work: signals, file watching, the watchdog of conns.h (timeouts,
 * room for newcomers), the log lines for what was cut or refused, shutdown.
 * docs/performance.md has the measurements behind the choices. */
#ifndef SG_SERVER_H
#define SG_SERVER_H

#include <stddef.h>

#include "error.h"
#include "review.h"

/* Every limit has a named default; `seccomp-guard serve --help` lists them. */
#define SG_SERVER_DEFAULT_LISTEN              ":8443"
#define SG_SERVER_DEFAULT_MAX_BODY_BYTES      SG_REVIEW_MAX_BYTES /* 4 MiB */
#define SG_SERVER_DEFAULT_BODY_MEMORY_BYTES   (64u * 1024 * 1024)
#define SG_SERVER_DEFAULT_MAX_CONNECTIONS     512u
#define SG_SERVER_DEFAULT_CONNECTION_MEMORY   (16u * 1024)
#define SG_SERVER_DEFAULT_MAX_CONNS_PER_ADDR  128u
#define SG_SERVER_DEFAULT_IDLE_TIMEOUT_S      120u
#define SG_SERVER_DEFAULT_REQUEST_TIMEOUT_S   10u
#define SG_SERVER_DEFAULT_HANDSHAKE_TIMEOUT_S 5u
#define SG_SERVER_DEFAULT_THREADS             0u /* one per usable CPU */

/* How often the control thread runs the watchdog (conns.h), and how often
 * it looks at the watched files and writes what it cut to the log. */
#define SG_SERVER_TICK_MS  100
#define SG_SERVER_WATCH_MS 1000

struct sg_server_config {
    const char *policy_path;
    const char *cert_path;
    const char *key_path;
    const char *client_ca_path;           /* NULL: no client certificates asked */
    const char *listen;                   /* "ADDR:PORT", ":PORT" (all IPv4), "[V6]:PORT" */
    size_t max_body_bytes;                /* one request body */
    size_t body_memory_bytes;             /* all bodies being received at once */
    unsigned max_connections;             /* for the process */
    unsigned max_connections_per_address; /* one client address */
    size_t connection_memory;     /* libmicrohttpd's per-connection memory: the request head */
    unsigned idle_timeout_s;      /* keep-alive connection with no request */
    unsigned request_timeout_s;   /* a request's first byte to its response sent */
    unsigned handshake_timeout_s; /* accept to TLS handshake done (at most the request timeout) */
    unsigned threads;             /* 0: one per usable CPU (affinity, cgroup limit) */
    int decision_fd;              /* decision log lines (stdout) */
    int event_fd;                 /* event log lines (stderr) */
};

struct sg_server;

/* Fills every field with its default (paths NULL, logs on 1 and 2). */
void sg_server_config_init(struct sg_server_config *cfg);

/* Loads the policy, certificate, key and client CA, and starts listening.
 * Any failure is an error whose message names the file or address and what
 * is wrong; nothing is left running. *out is owned by the caller. */
int sg_server_start(const struct sg_server_config *cfg, struct sg_server **out,
                    struct sg_error *err);

/* The port actually listened on (useful with port 0). */
unsigned sg_server_port(const struct sg_server *s);

/* Runs the control loop until SIGTERM or SIGINT (signals.h must be
 * installed), then stops accepting (new connections are refused), lets the
 * requests in flight finish (at most the request timeout) and stops.
 * Returns 0. */
int sg_server_run(struct sg_server *s);

/* Frees a stopped (or never run) server. NULL is a no-op. */
void sg_server_free(struct sg_server *s);

#endif
