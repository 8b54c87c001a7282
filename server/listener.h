/* listener.h - the listening socket and who gets in.
 *
 * The control thread accepts (libmicrohttpd's daemons have no listening
 * socket of their own) and hands each new connection to the daemon that
 * holds the fewest, so the API server's few long-lived connections, and a
 * burst from the listen queue, spread over every thread. It refuses a
 * connection from an address that holds --max-connections-per-address
 * already, at once and before any TLS. With every --max-connections slot
 * taken, a newcomer gets one only by taking the place of an idle connection
 * (sg_conns_admit): it waits, accepted and before any TLS, until that
 * connection has closed and freed its slot, so the limit is never passed.
 * An address that keeps knocking gets refused; while no connection can
 * give way, newcomers wait in the listen queue.
 *
 * Threads: the control thread calls everything but sg_listener_closed,
 * which libmicrohttpd's threads call when a connection handed over has
 * gone. */
#ifndef SG_LISTENER_H
#define SG_LISTENER_H

#include <poll.h>
#include <stdbool.h>

#include <microhttpd.h>

#include "conns.h"
#include "error.h"

/* The kernel's queue of connections not yet accepted. */
#define SG_LISTENER_BACKLOG 1024
/* Connections accepted in one go before the control thread looks at its
 * other work. */
#define SG_LISTENER_BATCH 64
/* Daemons connections may be handed to. */
#define SG_LISTENER_MAX_DAEMONS 64

struct sg_listener;

/* What was refused since the last call. */
struct sg_listener_counts {
    unsigned over_address; /* its address held --max-connections-per-address */
    unsigned at_limit;     /* every slot taken, its address had its share */
};

/* Listens on "ADDR:PORT", ":PORT" (every IPv4 address) or "[V6]:PORT".
 * On failure, err names the address and what is wrong. */
int sg_listener_open(const char *listen, unsigned max_connections, struct sg_conns *conns,
                     struct sg_listener **out, struct sg_error *err);

/* The port listened on (useful with port 0). */
unsigned sg_listener_port(const struct sg_listener *l);

/* Where connections go from now on; borrowed, n <= SG_LISTENER_MAX_DAEMONS. */
void sg_listener_set_daemons(struct sg_listener *l, struct MHD_Daemon *const *daemons, unsigned n);

/* libmicrohttpd's thread of daemon `d` closed a connection handed to it:
 * its slot is free (and the control thread is woken, if it waits for
 * one). */
void sg_listener_closed(struct sg_listener *l, struct MHD_Daemon *d);

/* The descriptors for the control thread's poll(2), at most 2: one that
 * says a slot came free, and the listening socket while accepting is
 * possible. Returns how many it filled. */
nfds_t sg_listener_poll_fds(struct sg_listener *l, struct pollfd *pfd);

/* Accepts what the listen queue holds, as far as slots and limits allow.
 * Called after poll(2), and every tick (an idle connection may have aged
 * enough to give way). */
void sg_listener_accept(struct sg_listener *l);

/* Connections handed to the daemons and not closed. */
unsigned sg_listener_open_count(struct sg_listener *l);

void sg_listener_take_counts(struct sg_listener *l, struct sg_listener_counts *counts);

/* Stops listening: connections that come from now on are refused. */
void sg_listener_stop(struct sg_listener *l);

void sg_listener_free(struct sg_listener *l); /* NULL is a no-op */

#endif
