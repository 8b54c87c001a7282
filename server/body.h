/* body.h - request bodies in memory, bounded three ways: one body
 * (--max-body-bytes), all bodies being received at once
 * (--body-memory-bytes), and what one client address may hold of that.
 *
 * Memory is taken from the budgets as a body's bytes arrive, never promised
 * from its head: a head that says Content-Length: 4194304 and sends no body
 * holds nothing. A body's buffer grows by doubling (up to its
 * Content-Length, when there is one), and its buffer's size is what it
 * holds of both budgets until it is released. One client address may hold
 * at most half of the shared budget (but always one largest body), so a
 * client that fills its share leaves the other half to everyone else: the
 * API server's reviews get through while one hostile pod sends slowly. */
#ifndef SG_BODY_H
#define SG_BODY_H

#include <stdatomic.h>
#include <stddef.h>

/* A body's first buffer (or its Content-Length, when smaller); a review of
 * a ~3 KB pod fits. */
#define SG_BODY_START_BYTES (16u * 1024)

/* The budgets every body shares; one per server. */
struct sg_body_budget {
    atomic_size_t used; /* bytes held by all bodies */
    size_t limit;       /* --body-memory-bytes */
    size_t per_address; /* what one client address may hold */
    size_t max_body;    /* --max-body-bytes */
};

/* One request's body; owned by the request. */
struct sg_body {
    char *buf;                /* len bytes, then room; NULL before the first byte */
    size_t len, cap;          /* cap is what it holds of the budgets */
    atomic_size_t *addr_used; /* its client address's share (conns.h) */
};

void sg_body_budget_init(struct sg_body_budget *b, size_t limit, size_t max_body);

/* An empty body that counts against `addr_used` (borrowed). */
void sg_body_init(struct sg_body *body, atomic_size_t *addr_used);

/* Appends n bytes; `declared` is the Content-Length, 0 when unknown
 * (chunked). Returns 0, 413 when the body would pass --max-body-bytes, or
 * 503 when a budget (or memory) is exhausted; the body is unchanged then. */
unsigned sg_body_append(struct sg_body_budget *b, struct sg_body *body, const char *data, size_t n,
                        size_t declared);

/* The bytes so far, followed by a NUL (not part of them); "" when none. */
const char *sg_body_data(const struct sg_body *body);

/* Frees the buffer and gives back what it held. */
void sg_body_release(struct sg_body_budget *b, struct sg_body *body);

#endif
