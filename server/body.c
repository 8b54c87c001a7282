/* body.c - see body.h. */
#include "body.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void sg_body_budget_init(struct sg_body_budget *b, size_t limit, size_t max_body)
{
    atomic_init(&b->used, 0);
    b->limit = limit;
    b->max_body = max_body;
    b->per_address = limit / 2 > max_body ? limit / 2 : max_body;
    if (b->per_address > limit)
        b->per_address = limit;
}

void sg_body_init(struct sg_body *body, atomic_size_t *addr_used)
{
    memset(body, 0, sizeof(*body));
    body->addr_used = addr_used;
}

/* Takes n bytes from a counter if that keeps it at most `limit`. */
static bool take(atomic_size_t *used, size_t n, size_t limit)
{
    size_t cur = atomic_load(used);

    do {
        if (n > limit || cur > limit - n)
            return false;
    } while (!atomic_compare_exchange_weak(used, &cur, cur + n));
    return true;
}

unsigned sg_body_append(struct sg_body_budget *b, struct sg_body *body, const char *data, size_t n,
                        size_t declared)
{
    size_t want, cap, grow;
    char *nb;

    if (n > b->max_body || body->len > b->max_body - n)
        return 413;
    want = body->len + n;
    if (want > body->cap) {
        cap = body->cap * 2 > SG_BODY_START_BYTES ? body->cap * 2 : SG_BODY_START_BYTES;
        if (declared >= want && cap > declared)
            cap = declared; /* the body is known to end there */
        if (cap > b->max_body)
            cap = b->max_body;
        if (cap < want)
            cap = want;
        grow = cap - body->cap;
        if (!take(&b->used, grow, b->limit))
            return 503;
        if (body->addr_used != NULL && !take(body->addr_used, grow, b->per_address)) {
            atomic_fetch_sub(&b->used, grow);
            return 503;
        }
        /* +1: a NUL after the bytes, for a debugger's sake and sg_body_data. */
        nb = realloc(body->buf, cap + 1);
        if (nb == NULL) {
            atomic_fetch_sub(&b->used, grow);
            if (body->addr_used != NULL)
                atomic_fetch_sub(body->addr_used, grow);
            return 503;
        }
        body->buf = nb;
        body->cap = cap;
    }
    memcpy(body->buf + body->len, data, n);
    body->len = want;
    body->buf[want] = '\0';
    return 0;
}

const char *sg_body_data(const struct sg_body *body)
{
    return body->buf != NULL ? body->buf : "";
}

void sg_body_release(struct sg_body_budget *b, struct sg_body *body)
{
    if (body->cap > 0) {
        atomic_fetch_sub(&b->used, body->cap);
        if (body->addr_used != NULL)
            atomic_fetch_sub(body->addr_used, body->cap);
    }
    free(body->buf);
    body->buf = NULL;
    body->len = body->cap = 0;
}
