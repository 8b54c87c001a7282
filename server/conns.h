/* conns.h - every open client connection: what it is doing and since when,
 * its client address, and the watchdog that cuts the ones that overstay.
 *
 * libmicrohttpd's own timeout counts inactivity: every byte resets it, so a
 * client sending a byte a second would hold its connection for ever, in the
 * TLS handshake, the request head or the body. Here a connection is in one
 * phase at a time, and each phase has its own limit, counted from its start:
 *
 *   HANDSHAKE  from accept to the client's TLS Finished
 *   IDLE       handshaken, between requests (the API server's kept-alive pool)
 *   REQUEST    from the first byte of a request to its answer sent
 *
 * A request's first byte is seen in one of two ways: libmicrohttpd reports
 * its request line (the URI callback), or, for a head still arriving, the
 * kernel's time of the last data received on the socket (TCP_INFO) is later
 * than the start of the idle phase. The control thread calls sg_conns_reap
 * a few times a second; it cuts a connection with shutdown(2), and
 * libmicrohttpd, seeing the socket fail, closes it itself.
 *
 * When every connection slot is taken, a newcomer takes the place of an idle
 * connection (or of a handshake that has taken far longer than handshakes
 * take), first one of the client address holding the most
 * connections, and never one of an address holding fewer than its own: an
 * idle connection never starves a new one, and a client with many
 * connections makes room only at its own expense. An address gets only a
 * few such places a second, so one that reconnects as fast as its
 * connections are closed (to take every place that comes free) is refused
 * at once, before it costs a TLS handshake.
 *
 * Threads: libmicrohttpd's threads add and remove entries (under the table's
 * mutex) and move them between phases (one atomic word, no lock); the
 * control thread reaps under the mutex. A socket is shut down only while its
 * entry is listed, and libmicrohttpd 0.9.75 calls its CLOSED notification,
 * which unlists the entry, before it closes the socket (daemon.c,
 * MHD_cleanup_connections), so a descriptor number that a newer connection
 * reuses is never touched. */
#ifndef SG_CONNS_H
#define SG_CONNS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "tls.h"

/* Data that arrives this soon after an answer is taken as the tail of that
 * request: TCP_INFO counts time in scheduler ticks (up to 10 ms). */
#define SG_CONNS_DATA_SLACK_MS 20
/* Only connections idle (or handshaking) for this long make room for a
 * newcomer: the API server sends its request right after the handshake,
 * and its next one soon after an answer. */
#define SG_CONNS_EVICT_IDLE_MS 500
/* Newcomers one client address may bring while every slot is taken: a
 * token bucket, this many a second, at most this many at once. */
#define SG_CONNS_ADMIT_PER_S 8
#define SG_CONNS_ADMIT_BURST 16

enum sg_conn_phase {
    SG_CONN_HANDSHAKE = 0,
    SG_CONN_IDLE = 1,
    SG_CONN_REQUEST = 2,
};

struct sg_conns;
struct sg_conns_addr;

/* One connection's record, made in libmicrohttpd's STARTED notification
 * and freed in its CLOSED one (libmicrohttpd's socket context). */
struct sg_conn {
    struct sg_conn *prev, *next; /* the table's list (table mutex) */
    struct sg_conns_addr *addr;  /* its client address (fixed) */
    int fd;                      /* fixed; shut down only while listed */
    bool cut;                    /* the watchdog shut it down (table mutex) */
    bool evictable;              /* idle, nothing received since (watchdog) */
    /* Phase and its start: since_ms << 2 | phase. Written by the
     * connection's thread, and by the watchdog only with a compare-exchange. */
    _Atomic uint64_t state;
    atomic_bool answering;  /* its answer is queued, not yet all sent */
    struct sg_tls_conn tls; /* what TLS saw (the connection's thread only) */
};

struct sg_conns_limits {
    unsigned handshake_ms;    /* HANDSHAKE lasts at most this */
    unsigned request_ms;      /* REQUEST lasts at most this */
    unsigned idle_ms;         /* IDLE lasts at most this */
    unsigned max_per_address; /* connections one client address may hold */
};

/* What one reap did. */
struct sg_conns_cuts {
    unsigned handshake; /* TLS handshakes past their deadline */
    unsigned request;   /* requests past the request timeout ... */
    unsigned stalled;   /* ... of which the answer waited for the client to read it */
    unsigned idle;      /* idle past the idle timeout */
    unsigned evicted;   /* idle, closed to make room for newcomers (sg_conns_admit) */
    unsigned busy;      /* in a handshake or a request now, and not cut */
    unsigned open;      /* listed now, cut or not */
};

/* Returns 0 and *out, or SG_ERR_NOMEM / SG_ERR_INTERNAL. */
int sg_conns_new(const struct sg_conns_limits *limits, struct sg_conns **out);
void sg_conns_free(struct sg_conns *conns); /* NULL is a no-op; the table must be empty */

/* Lists a new connection on socket fd from `addr`, in HANDSHAKE from now.
 * Returns 0, SG_ERR_LIMIT when its address holds max_per_address
 * connections already, or SG_ERR_NOMEM; c is then not listed. */
int sg_conns_add(struct sg_conns *conns, struct sg_conn *c, int fd, const struct sockaddr *addr,
                 socklen_t addr_len);

/* Whether `addr` holds max_per_address connections already (a newcomer
 * from it would be refused). */
bool sg_conns_address_full(struct sg_conns *conns, const struct sockaddr *addr, socklen_t addr_len);

/* Unlists a connection; called before its socket is closed. */
void sg_conns_remove(struct sg_conns *conns, struct sg_conn *c);

/* The connection's thread moves it on: handshaken (IDLE from now), a
 * request begun (REQUEST from now, or from when its first byte came if that
 * was seen already), an answer sent (IDLE from now). */
void sg_conn_handshaken(struct sg_conn *c);
void sg_conn_request_begin(struct sg_conn *c);
void sg_conn_request_end(struct sg_conn *c);

/* Bytes of request bodies held for this connection's client address, for
 * body.h's per-address share. Valid while the connection is listed. */
atomic_size_t *sg_conn_addr_body_bytes(struct sg_conn *c);

/* Every slot is taken and a newcomer from `addr` knocks: closes an idle
 * connection for it. Returns 0 (room is being made), SG_ERR_LIMIT (its
 * address has brought its share of newcomers for now: refuse it) or
 * SG_ERR_IO (no connection may give way to it: refuse it). The control
 * thread's. */
int sg_conns_admit(struct sg_conns *conns, const struct sockaddr *addr, socklen_t addr_len);

/* Whether sg_conns_admit could make room now (a newcomer is worth
 * accepting). */
bool sg_conns_can_make_room(struct sg_conns *conns);

/* Cuts what overstayed; *cuts says what it did, with the evictions since
 * the last call. The control thread's. */
void sg_conns_reap(struct sg_conns *conns, struct sg_conns_cuts *cuts);

/* Connections listed now. */
unsigned sg_conns_count(struct sg_conns *conns);

/* CLOCK_MONOTONIC in milliseconds. */
long long sg_conns_now_ms(void);

#endif
