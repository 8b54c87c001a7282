/* tlsio.h - how one connection's TLS records meet its socket.
 *
 * Two things libmicrohttpd 0.9.75 does not do over GnuTLS, each a system
 * call per request saved:
 *
 *  - Reading: GnuTLS asks its transport for exactly what it needs next, a
 *    record's 5-byte header and then its body, so every record costs two
 *    recv() calls. Here one recv() reads up to SG_TLSIO_READAHEAD_BYTES
 *    into the connection's buffer and GnuTLS is served from it. The buffer
 *    never hides data from the edge-triggered event loop: a read reports
 *    "try again" only once the buffer is empty and the socket itself said
 *    so, which is when libmicrohttpd stops reading and waits for epoll.
 *  - Writing: libmicrohttpd sends a response's header and body with two
 *    gnutls_record_send() calls, two TLS records and two sendmsg(). A
 *    small response is corked (gnutls_record_cork) when it is queued and
 *    flushed as one record when libmicrohttpd reports it complete.
 *
 * A corked response is flushed without waiting: if the socket cannot take
 * it at once (the client has left more than a send buffer of earlier
 * responses unread), the connection is shut down rather than stall its
 * thread; a client that waits for each answer never gets there. */
#ifndef SG_TLSIO_H
#define SG_TLSIO_H

#include <stdbool.h>
#include <stddef.h>

#include <gnutls/gnutls.h>

/* Read-ahead per connection, allocated at its first read. A larger record
 * than this is read straight into GnuTLS's buffer. Go's TLS (the API
 * server) starts a connection with records of about 1.2 KB and lets them
 * grow as it sends more, so a review often spans several records. */
#define SG_TLSIO_READAHEAD_BYTES (8u * 1024)

/* Responses up to this size are corked into one record. */
#define SG_TLSIO_CORK_MAX_BYTES (8u * 1024)

struct sg_tlsio {
    gnutls_session_t session;
    int fd;
    bool corked;       /* a response is held in GnuTLS's cork buffer */
    bool tcp_uncorked; /* TCP_CORK cleared after libmicrohttpd set it */
    char *rbuf;        /* read-ahead, SG_TLSIO_READAHEAD_BYTES */
    size_t rpos, rlen; /* unread bytes are rbuf[rpos..rlen) */
};

/* Takes over the session's reads; writes stay GnuTLS's own on `fd`. */
void sg_tlsio_attach(struct sg_tlsio *io, gnutls_session_t session, int fd);

/* Holds the records of a response of `body_bytes` until sg_tlsio_flush,
 * when it is small enough to gain from it. */
void sg_tlsio_cork(struct sg_tlsio *io, size_t body_bytes);

/* Sends a corked response. -1 when it could not be sent whole now: the
 * connection has been shut down and `*why` says why. */
int sg_tlsio_flush(struct sg_tlsio *io, const char **why);

void sg_tlsio_release(struct sg_tlsio *io);

#endif
