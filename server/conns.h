/* conns.h - the open client connections, and the request timeout that
 * keeps a slow client from holding one.
 *
 * libmicrohttpd's own timeout is an idle timeout: any byte resets it, so a
 * client sending a byte a second would hold its connection forever. Here a
 * connection is busy from the first byte of a request (or from its accept)
 * until its response has been sent, and one busy for longer than the
 * request timeout is shut down. When a request starts is read from the
 * kernel (TCP_INFO's time of the last data received), so neither TLS nor
 * libmicrohttpd needs to tell us about every byte.
 *
 * The list is walked by the control thread and changed by the server
 * threads, under one mutex. A socket is shut down only while its entry is
 * listed, and an entry is unlisted before libmicrohttpd closes the socket,
 * so a reused descriptor number is never touched. */
#ifndef SG_CONNS_H
#define SG_CONNS_H

#include <pthread.h>
#include <stdbool.h>

/* Data that arrives this soon after a response is taken as the tail of
 * that request: TCP_INFO counts time in scheduler ticks (up to 10 ms). */
#define SG_CONNS_DATA_SLACK_MS 20

/* One connection's entry; embedded in the server's connection record. */
struct sg_conn_track {
    struct sg_conn_track *prev, *next;
    int fd;
    bool busy;
    bool cut;
    long long busy_since_ms; /* CLOCK_MONOTONIC */
    long long idle_since_ms;
};

struct sg_conns {
    pthread_mutex_t lock;
    struct sg_conn_track head; /* sentinel of a circular list */
    unsigned count;
};

int sg_conns_init(struct sg_conns *conns); /* 0 or SG_ERR_INTERNAL */
void sg_conns_release(struct sg_conns *conns);

/* A new connection on socket fd; busy from now (its first request must
 * arrive within the timeout). */
void sg_conns_add(struct sg_conns *conns, struct sg_conn_track *t, int fd);

/* Unlists a connection; call before its socket is closed. */
void sg_conns_remove(struct sg_conns *conns, struct sg_conn_track *t);

/* A response has been sent: idle from now. */
void sg_conns_idle(struct sg_conns *conns, struct sg_conn_track *t);

/* Marks connections whose next request has started, shuts down those busy
 * for longer than timeout_ms, and returns how many it shut down; *busy (may
 * be NULL) gets how many are busy. */
unsigned sg_conns_reap(struct sg_conns *conns, long long timeout_ms, unsigned *busy);

unsigned sg_conns_count(struct sg_conns *conns);

/* CLOCK_MONOTONIC in milliseconds. */
long long sg_conns_now_ms(void);

#endif
