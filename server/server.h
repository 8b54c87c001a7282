/* server.h - the HTTPS admission webhook: our own HTTP/1.1 (http.h) over
 * OpenSSL in front of the decision engine (validate/review.h).
 *
 * Endpoints: POST /validate and /mutate (AdmissionReview in, out), GET
 * /healthz, /readyz and /metrics. Errors are short plain-text answers: 404
 * unknown path, 405 wrong method, 415 not JSON, 413 body over the limit,
 * 400 not an AdmissionReview, 503 over the body-memory budget, 500 out of
 * memory. TLS 1.2+ only; the certificate, key and policy are re-read when
 * their files change and on SIGHUP, without dropping a connection.
 *
 * Threads: `threads` event loops (default: one per CPU this process may
 * run on), each with its own epoll set, accepting from the one listening
 * socket and serving many connections, timeouts included; the thread that
 * calls sg_server_run does the control work (signals, file watching,
 * logging what the loops cut, shutdown). docs/performance.md
 * has the measurements behind this choice. */
#ifndef SG_SERVER_H
#define SG_SERVER_H

#include <stddef.h>

#include "error.h"
#include "review.h"

/* Every limit has a named default; `seccomp-guard serve --help` lists them. */
#define SG_SERVER_DEFAULT_LISTEN            ":8443"
#define SG_SERVER_DEFAULT_MAX_BODY_BYTES    SG_REVIEW_MAX_BYTES /* 4 MiB */
#define SG_SERVER_DEFAULT_BODY_MEMORY_BYTES (64u * 1024 * 1024)
#define SG_SERVER_DEFAULT_MAX_CONNECTIONS   512u
#define SG_SERVER_DEFAULT_CONNECTION_MEMORY (16u * 1024)
#define SG_SERVER_DEFAULT_IDLE_TIMEOUT_S    120u
#define SG_SERVER_DEFAULT_REQUEST_TIMEOUT_S 10u
#define SG_SERVER_DEFAULT_THREADS           0u /* one per usable CPU */

/* How often each event loop cuts connections whose timeout ran out (and
 * the control thread logs what they cut), and how often the control
 * thread looks at the watched files. */
#define SG_SERVER_TICK_MS  250
#define SG_SERVER_WATCH_MS 1000

/* A body buffer up to this size is kept for the connection's next request. */
#define SG_SERVER_BODY_KEEP_BYTES (64u * 1024)

struct sg_server_config {
    const char *policy_path;
    const char *cert_path;
    const char *key_path;
    const char *client_ca_path; /* NULL: no client certificates asked */
    const char *listen;         /* "ADDR:PORT", ":PORT" (all IPv4), "[V6]:PORT" */
    size_t max_body_bytes;      /* one request body */
    size_t body_memory_bytes;   /* all bodies being received at once */
    unsigned max_connections;
    size_t connection_memory;   /* longest request head: request line and fields */
    unsigned idle_timeout_s;    /* keep-alive connection with no request */
    unsigned request_timeout_s; /* first byte (or accept) to response sent */
    unsigned threads;           /* 0: one per usable CPU (affinity, cgroup limit) */
    int decision_fd;            /* decision log lines (stdout) */
    int event_fd;               /* event log lines (stderr) */
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
 * installed), then stops accepting, lets the requests in flight finish (at
 * most the request timeout) and stops. Returns 0. */
int sg_server_run(struct sg_server *s);

/* Frees a stopped (or never run) server. NULL is a no-op. */
void sg_server_free(struct sg_server *s);

#endif
