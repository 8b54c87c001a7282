/* tlsio.c - see tlsio.h. */
#include "tlsio.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static ssize_t take_buffered(struct sg_tlsio *io, void *data, size_t size)
{
    size_t have = io->rlen - io->rpos;

    if (size > have)
        size = have;
    memcpy(data, io->rbuf + io->rpos, size);
    io->rpos += size;
    return (ssize_t)size;
}

/* GnuTLS's pull function. errno is recv()'s when it returns -1, which is
 * what GnuTLS reads back. */
static ssize_t pull(gnutls_transport_ptr_t ptr, void *data, size_t size)
{
    struct sg_tlsio *io = ptr;
    ssize_t n;

    if (io->rpos < io->rlen)
        return take_buffered(io, data, size);
    if (size >= SG_TLSIO_READAHEAD_BYTES)
        return recv(io->fd, data, size, 0);
    if (io->rbuf == NULL && (io->rbuf = malloc(SG_TLSIO_READAHEAD_BYTES)) == NULL)
        return recv(io->fd, data, size, 0); /* no memory: read as GnuTLS asks */
    n = recv(io->fd, io->rbuf, SG_TLSIO_READAHEAD_BYTES, 0);
    if (n <= 0)
        return n;
    io->rpos = 0;
    io->rlen = (size_t)n;
    return take_buffered(io, data, size);
}

/* GnuTLS asks whether data can be read within `ms`: buffered bytes can. */
static int pull_timeout(gnutls_transport_ptr_t ptr, unsigned int ms)
{
    struct sg_tlsio *io = ptr;
    struct pollfd p = {.fd = io->fd, .events = POLLIN};

    if (io->rpos < io->rlen)
        return 1;
    return poll(&p, 1, ms == GNUTLS_INDEFINITE_TIMEOUT || ms > INT_MAX ? -1 : (int)ms);
}

void sg_tlsio_attach(struct sg_tlsio *io, gnutls_session_t session, int fd)
{
    memset(io, 0, sizeof(*io));
    io->session = session;
    io->fd = fd;
    /* The receive side points at us, the send side stays the socket that
     * GnuTLS's own push function writes to. */
    gnutls_transport_set_ptr2(session, io, (gnutls_transport_ptr_t)(intptr_t)fd);
    gnutls_transport_set_pull_function(session, pull);
    gnutls_transport_set_pull_timeout_function(session, pull_timeout);
}

void sg_tlsio_cork(struct sg_tlsio *io, size_t body_bytes)
{
    if (io->session == NULL || io->corked || body_bytes > SG_TLSIO_CORK_MAX_BYTES)
        return;
    gnutls_record_cork(io->session);
    io->corked = true;
}

int sg_tlsio_flush(struct sg_tlsio *io, const char **why)
{
    int one = 0, rc;

    if (!io->corked)
        return 0;
    io->corked = false;
    /* libmicrohttpd corks the TCP socket for its first response and from
     * then on pushes each one by setting TCP_NODELAY, leaving TCP_CORK on;
     * our record, written after that push, would wait for the kernel's
     * 200 ms cork timer. Clearing TCP_CORK once, behind its back, is safe:
     * it believes the socket corked and never sets it again. */
    if (!io->tcp_uncorked) {
        setsockopt(io->fd, IPPROTO_TCP, TCP_CORK, &one, sizeof(one));
        io->tcp_uncorked = true;
    }
    do
        rc = gnutls_record_uncork(io->session, 0);
    while (rc == GNUTLS_E_INTERRUPTED);
    if (rc >= 0 && gnutls_record_check_corked(io->session) == 0)
        return 0;
    *why =
        rc == GNUTLS_E_AGAIN ? "the client left its earlier responses unread" : gnutls_strerror(rc);
    shutdown(io->fd, SHUT_RDWR);
    return -1;
}

void sg_tlsio_release(struct sg_tlsio *io)
{
    free(io->rbuf);
    io->rbuf = NULL;
    io->rpos = io->rlen = 0;
}
