/* listener.c - see listener.h.
 *
 * Why not libmicrohttpd's own accepting: its thread pool lets whichever
 * thread wakes first take most of a burst (64 queued connections went
 * 60/4/0/0 over four threads), and SO_REUSEPORT sockets, one per daemon,
 * spread by a hash of the address, unevenly, and strand connections queued
 * on a socket whose daemon is full. docs/performance.md has the figures. */
#include "listener.h"

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

struct sg_listener {
    int fd;      /* the listening socket; -1 once stopped */
    int wake_fd; /* eventfd: a slot came free while the control thread waited for one */
    unsigned port;
    unsigned max_connections;
    struct sg_conns *conns;
    struct MHD_Daemon *daemons[SG_LISTENER_MAX_DAEMONS];
    atomic_uint held[SG_LISTENER_MAX_DAEMONS]; /* handed to each and not closed */
    unsigned n_daemons;
    atomic_bool waiting; /* for a slot to free: a closed connection wakes the control thread */
    bool paused;         /* out of descriptors or memory: accepting waits a tick */
    /* Newcomers admitted at the limit, each waiting for the slot of the
     * idle connection it displaced (closing, it frees it in a moment). */
    struct {
        int fd;
        struct sockaddr_storage addr;
        socklen_t len;
    } admitted[SG_LISTENER_BATCH];
    unsigned n_admitted;
    struct sg_listener_counts counts;
};

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

int sg_listener_open(const char *listen_on, unsigned max_connections, struct sg_conns *conns,
                     struct sg_listener **out, struct sg_error *err)
{
    struct sg_listener *l;
    struct sockaddr_storage ss;
    socklen_t ss_len = sizeof(ss);
    int one = 1, rc;

    *out = NULL;
    l = calloc(1, sizeof(*l));
    if (l == NULL)
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    l->fd = -1;
    l->max_connections = max_connections;
    l->conns = conns;
    atomic_init(&l->waiting, false);
    l->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (l->wake_fd < 0) {
        rc = sg_error_set(err, SG_ERR_IO, "cannot set up the listener: %s", strerror(errno));
        goto out;
    }
    rc = parse_listen(listen_on, &ss, &ss_len, err);
    if (rc != 0)
        goto out;
    l->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (l->fd < 0) {
        rc = sg_error_set(err, SG_ERR_IO, "--listen '%s': socket: %s", listen_on, strerror(errno));
        goto out;
    }
    setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(l->fd, (struct sockaddr *)&ss, ss_len) != 0 ||
        listen(l->fd, SG_LISTENER_BACKLOG) != 0) {
        rc = sg_error_set(err, SG_ERR_IO, "cannot listen on '%s': %s", listen_on, strerror(errno));
        goto out;
    }
    ss_len = sizeof(ss);
    if (getsockname(l->fd, (struct sockaddr *)&ss, &ss_len) == 0)
        l->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                 : ((struct sockaddr_in *)&ss)->sin_port);
    *out = l;
    l = NULL;
out:
    sg_listener_free(l);
    return rc;
}

unsigned sg_listener_port(const struct sg_listener *l)
{
    return l->port;
}

void sg_listener_set_daemons(struct sg_listener *l, struct MHD_Daemon *const *daemons, unsigned n)
{
    for (unsigned i = 0; i < n && i < SG_LISTENER_MAX_DAEMONS; i++) {
        l->daemons[i] = daemons[i];
        atomic_init(&l->held[i], 0);
    }
    l->n_daemons = n < SG_LISTENER_MAX_DAEMONS ? n : SG_LISTENER_MAX_DAEMONS;
}

void sg_listener_closed(struct sg_listener *l, struct MHD_Daemon *d)
{
    uint64_t one = 1;

    for (unsigned i = 0; i < l->n_daemons; i++) {
        if (l->daemons[i] == d) {
            atomic_fetch_sub(&l->held[i], 1);
            break;
        }
    }
    if (atomic_load(&l->waiting) && write(l->wake_fd, &one, sizeof(one)) < 0) {
        /* an eventfd write fails only on overflow: awake anyway */
    }
}

/* Connections handed over and not closed; *least gets the daemon that
 * holds the fewest. */
static unsigned held(struct sg_listener *l, unsigned *least)
{
    unsigned total = 0, min = UINT_MAX;

    for (unsigned i = 0; i < l->n_daemons; i++) {
        unsigned n = atomic_load(&l->held[i]);
        total += n;
        if (n < min) {
            min = n;
            *least = i;
        }
    }
    return total;
}

unsigned sg_listener_open_count(struct sg_listener *l)
{
    unsigned least = 0;

    return held(l, &least);
}

nfds_t sg_listener_poll_fds(struct sg_listener *l, struct pollfd *pfd)
{
    nfds_t n = 0;

    pfd[n++] = (struct pollfd){.fd = l->wake_fd, .events = POLLIN};
    if (l->fd >= 0 && !atomic_load(&l->waiting) && !l->paused)
        pfd[n++] = (struct pollfd){.fd = l->fd, .events = POLLIN};
    return n;
}

/* Whether accepting one more is worth it now: a slot is free, or an idle
 * connection could give way. Admitted newcomers count as holding a slot. */
static bool room(struct sg_listener *l, bool *at_limit)
{
    unsigned least = 0;

    *at_limit = held(l, &least) + l->n_admitted >= l->max_connections;
    return !*at_limit || (l->n_admitted < SG_LISTENER_BATCH && sg_conns_can_make_room(l->conns));
}

static void hand_over(struct sg_listener *l, int fd, const struct sockaddr *sa, socklen_t len)
{
    unsigned d = 0;

    held(l, &d);
    atomic_fetch_add(&l->held[d], 1);
    if (MHD_add_connection(l->daemons[d], fd, sa, len) != MHD_YES)
        atomic_fetch_sub(&l->held[d], 1); /* it closed the socket */
}

/* Hands over the admitted newcomers whose slots have come free, oldest
 * first, so that --max-connections is never passed. */
static void hand_over_admitted(struct sg_listener *l)
{
    unsigned least = 0, n = 0;

    while (n < l->n_admitted && held(l, &least) < l->max_connections) {
        hand_over(l, l->admitted[n].fd, (struct sockaddr *)&l->admitted[n].addr,
                  l->admitted[n].len);
        n++;
    }
    memmove(l->admitted, l->admitted + n, (l->n_admitted - n) * sizeof(l->admitted[0]));
    l->n_admitted -= n;
}

void sg_listener_accept(struct sg_listener *l)
{
    struct sockaddr_storage ss;
    struct sockaddr *sa = (struct sockaddr *)&ss;
    socklen_t len;
    uint64_t count;
    bool at_limit;

    if (read(l->wake_fd, &count, sizeof(count)) < 0) {
        /* nothing to read: no slot came free meanwhile */
    }
    l->paused = false;
    atomic_store(&l->waiting, true); /* a close from here on wakes the control thread */
    hand_over_admitted(l);
    atomic_store(&l->waiting, l->n_admitted > 0);
    for (unsigned i = 0; i < SG_LISTENER_BATCH && l->fd >= 0; i++) {
        if (!room(l, &at_limit)) {
            atomic_store(&l->waiting, true);
            return; /* they wait in the listen queue for a slot */
        }
        len = sizeof(ss);
        int fd = accept4(l->fd, sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
            continue;
        if (fd < 0) {
            /* Out of descriptors or memory: the queue keeps them a tick. */
            l->paused = errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM;
            return;
        }
        if (sg_conns_address_full(l->conns, sa, len)) {
            l->counts.over_address++;
            close(fd);
            continue;
        }
        if (!at_limit) {
            hand_over(l, fd, sa, len);
            continue;
        }
        /* At the limit it takes an idle connection's place, or it is
         * refused. It waits (accepted, no TLS yet) for that connection,
         * being closed now, to free its slot in a moment. */
        atomic_store(&l->waiting, true); /* before the close it causes */
        if (sg_conns_admit(l->conns, sa, len) != 0) {
            atomic_store(&l->waiting, l->n_admitted > 0);
            l->counts.at_limit++;
            close(fd);
            continue;
        }
        l->admitted[l->n_admitted].fd = fd;
        memcpy(&l->admitted[l->n_admitted].addr, &ss, len);
        l->admitted[l->n_admitted].len = len;
        l->n_admitted++;
    }
}

void sg_listener_take_counts(struct sg_listener *l, struct sg_listener_counts *counts)
{
    *counts = l->counts;
    memset(&l->counts, 0, sizeof(l->counts));
}

void sg_listener_stop(struct sg_listener *l)
{
    if (l->fd >= 0)
        close(l->fd);
    l->fd = -1;
    for (unsigned i = 0; i < l->n_admitted; i++)
        close(l->admitted[i].fd); /* accepted, never handed over: refused */
    l->n_admitted = 0;
}

void sg_listener_free(struct sg_listener *l)
{
    if (l == NULL)
        return;
    sg_listener_stop(l);
    if (l->wake_fd >= 0)
        close(l->wake_fd);
    free(l);
}
