/* conns.c - see conns.h. */
#include "conns.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include "error.h"

/* Client addresses hash into this many chains; the table holds at most one
 * address per connection. */
#define ADDR_BUCKETS 256
#define ADDR_KEY     17 /* a family byte, then 4 or 16 address bytes */

/* One client address and what its connections hold. */
struct sg_conns_addr {
    struct sg_conns_addr *next; /* hash chain */
    unsigned char key[ADDR_KEY];
    unsigned conns;           /* its listed connections (table mutex) */
    double tokens;            /* newcomers it may still bring at the limit */
    long long tokens_ms;      /* when they were last counted */
    atomic_size_t body_bytes; /* body.h's share of it */
};

struct sg_conns {
    struct sg_conns_limits lim;
    pthread_mutex_t lock;
    struct sg_conn head; /* sentinel of a circular list */
    unsigned count;
    unsigned evicted; /* since the last reap */
    struct sg_conns_addr *buckets[ADDR_BUCKETS];
};

long long sg_conns_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t pack(long long since_ms, enum sg_conn_phase phase)
{
    return ((uint64_t)since_ms << 2) | (uint64_t)phase;
}

static enum sg_conn_phase phase_of(uint64_t v)
{
    return (enum sg_conn_phase)(v & 3u);
}

static long long since_of(uint64_t v)
{
    return (long long)(v >> 2);
}

int sg_conns_new(const struct sg_conns_limits *limits, struct sg_conns **out)
{
    struct sg_conns *t;

    *out = NULL;
    t = calloc(1, sizeof(*t));
    if (t == NULL)
        return SG_ERR_NOMEM;
    if (pthread_mutex_init(&t->lock, NULL) != 0) {
        free(t);
        return SG_ERR_INTERNAL;
    }
    t->lim = *limits;
    t->head.prev = t->head.next = &t->head;
    *out = t;
    return 0;
}

void sg_conns_free(struct sg_conns *t)
{
    if (t == NULL)
        return;
    /* Every connection is unlisted by then, and with it every address. */
    pthread_mutex_destroy(&t->lock);
    free(t);
}

/* The address as a key: IPv4 (also when mapped into IPv6) or IPv6;
 * anything else (a Unix socket) is one key of its own. */
static void addr_key(const struct sockaddr *sa, socklen_t len, unsigned char key[ADDR_KEY])
{
    memset(key, 0, ADDR_KEY);
    if (sa != NULL && sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        key[0] = 4;
        memcpy(key + 1, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
    } else if (sa != NULL && sa->sa_family == AF_INET6 &&
               len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a)) {
            key[0] = 4;
            memcpy(key + 1, a->s6_addr + 12, 4);
        } else {
            key[0] = 6;
            memcpy(key + 1, a->s6_addr, 16);
        }
    }
}

static unsigned addr_hash(const unsigned char key[ADDR_KEY])
{
    unsigned h = 2166136261u; /* FNV-1a */

    for (unsigned i = 0; i < ADDR_KEY; i++)
        h = (h ^ key[i]) * 16777619u;
    return h % ADDR_BUCKETS;
}

static struct sg_conns_addr *addr_find(struct sg_conns *t, const unsigned char key[ADDR_KEY])
{
    struct sg_conns_addr *a = t->buckets[addr_hash(key)];

    while (a != NULL && memcmp(a->key, key, ADDR_KEY) != 0)
        a = a->next;
    return a;
}

bool sg_conns_address_full(struct sg_conns *t, const struct sockaddr *addr, socklen_t addr_len)
{
    unsigned char key[ADDR_KEY];
    struct sg_conns_addr *a;
    bool full;

    addr_key(addr, addr_len, key);
    pthread_mutex_lock(&t->lock);
    a = addr_find(t, key);
    full = a != NULL && a->conns >= t->lim.max_per_address;
    pthread_mutex_unlock(&t->lock);
    return full;
}

int sg_conns_add(struct sg_conns *t, struct sg_conn *c, int fd, const struct sockaddr *addr,
                 socklen_t addr_len)
{
    unsigned char key[ADDR_KEY];
    struct sg_conns_addr *a;
    unsigned b;

    addr_key(addr, addr_len, key);
    b = addr_hash(key);
    c->fd = fd;
    c->cut = false;
    atomic_init(&c->state, pack(sg_conns_now_ms(), SG_CONN_HANDSHAKE));
    atomic_init(&c->answering, false);
    pthread_mutex_lock(&t->lock);
    a = addr_find(t, key);
    if (a != NULL && a->conns >= t->lim.max_per_address) {
        pthread_mutex_unlock(&t->lock);
        return SG_ERR_LIMIT;
    }
    if (a == NULL) {
        a = calloc(1, sizeof(*a));
        if (a == NULL) {
            pthread_mutex_unlock(&t->lock);
            return SG_ERR_NOMEM;
        }
        memcpy(a->key, key, ADDR_KEY);
        a->tokens = SG_CONNS_ADMIT_BURST;
        a->tokens_ms = sg_conns_now_ms();
        atomic_init(&a->body_bytes, 0);
        a->next = t->buckets[b];
        t->buckets[b] = a;
    }
    a->conns++;
    c->addr = a;
    c->next = &t->head;
    c->prev = t->head.prev;
    t->head.prev->next = c;
    t->head.prev = c;
    t->count++;
    pthread_mutex_unlock(&t->lock);
    return 0;
}

void sg_conns_remove(struct sg_conns *t, struct sg_conn *c)
{
    struct sg_conns_addr *a = c->addr, **p;

    pthread_mutex_lock(&t->lock);
    c->prev->next = c->next;
    c->next->prev = c->prev;
    c->prev = c->next = c;
    t->count--;
    if (--a->conns == 0) {
        /* Its requests ended before it closed (libmicrohttpd reports a
         * request completed before the connection closed), so no body
         * holds a share of the address any more. */
        for (p = &t->buckets[addr_hash(a->key)]; *p != a; p = &(*p)->next)
            ;
        *p = a->next;
        free(a);
    }
    c->addr = NULL;
    pthread_mutex_unlock(&t->lock);
}

void sg_conn_handshaken(struct sg_conn *c)
{
    uint64_t v = atomic_load(&c->state);

    if (phase_of(v) == SG_CONN_HANDSHAKE)
        atomic_store(&c->state, pack(sg_conns_now_ms(), SG_CONN_IDLE));
}

void sg_conn_request_begin(struct sg_conn *c)
{
    uint64_t v = atomic_load(&c->state);

    /* The watchdog may have seen the first byte already: that start holds. */
    while (phase_of(v) != SG_CONN_REQUEST &&
           !atomic_compare_exchange_weak(&c->state, &v, pack(sg_conns_now_ms(), SG_CONN_REQUEST)))
        ;
}

void sg_conn_request_end(struct sg_conn *c)
{
    atomic_store(&c->answering, false);
    atomic_store(&c->state, pack(sg_conns_now_ms(), SG_CONN_IDLE));
}

atomic_size_t *sg_conn_addr_body_bytes(struct sg_conn *c)
{
    return &c->addr->body_bytes;
}

unsigned sg_conns_count(struct sg_conns *t)
{
    unsigned n;

    pthread_mutex_lock(&t->lock);
    n = t->count;
    pthread_mutex_unlock(&t->lock);
    return n;
}

/* When the kernel last received data on fd, in our clock; -1 if unknown. */
static long long last_data_ms(int fd, long long now)
{
    struct tcp_info ti;
    socklen_t len = sizeof(ti);

    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
        return -1;
    return now - (long long)ti.tcpi_last_data_recv;
}

static void cut(struct sg_conn *c)
{
    /* libmicrohttpd's next read or write fails, and it closes the socket. */
    shutdown(c->fd, SHUT_RDWR);
    c->cut = true;
}

/* An idle connection whose socket received data since it went idle has a
 * request under way that libmicrohttpd has not seen whole yet: a head
 * still arriving. Its clock starts at that data. Also decides whether the
 * connection may be closed to make room: only once it has been idle a
 * while (a client that has just handshaken or been answered is about to
 * send), and not with a byte received since it went idle (TCP_INFO counts
 * in scheduler ticks, so data just before can look just after: such a
 * connection is spared) or unread. */
static uint64_t look_for_data(struct sg_conn *c, uint64_t v, long long now)
{
    long long data = last_data_ms(c->fd, now);
    uint64_t busy;
    int unread = 0;

    c->evictable = data >= 0 && data <= since_of(v) &&
                   now - since_of(v) >= SG_CONNS_EVICT_IDLE_MS &&
                   ioctl(c->fd, FIONREAD, &unread) == 0 && unread == 0;
    if (data <= since_of(v) + SG_CONNS_DATA_SLACK_MS)
        return v;
    busy = pack(data, SG_CONN_REQUEST);
    /* Only if the connection's thread has not moved it on meanwhile. */
    return atomic_compare_exchange_strong(&c->state, &v, busy) ? busy : v;
}

/* One connection to close for a newcomer whose address holds `held`
 * connections, idle (or handshaking) long enough: of the address with the
 * most connections, the longest idle;
 * never one of an address that holds fewer than the newcomer's (so a
 * client with many connections makes room only at its own expense). NULL
 * when none may be closed. */
static struct sg_conn *eviction_candidate(struct sg_conns *t, unsigned held)
{
    struct sg_conn *best = NULL;
    long long best_since = 0;

    for (struct sg_conn *c = t->head.next; c != &t->head; c = c->next) {
        uint64_t v = atomic_load(&c->state);
        if (c->cut || !c->evictable || phase_of(v) == SG_CONN_REQUEST || c->addr->conns < held)
            continue;
        if (best == NULL || c->addr->conns > best->addr->conns ||
            (c->addr->conns == best->addr->conns && since_of(v) < best_since)) {
            best = c;
            best_since = since_of(v);
        }
    }
    return best;
}

bool sg_conns_can_make_room(struct sg_conns *t)
{
    bool can;

    pthread_mutex_lock(&t->lock);
    can = eviction_candidate(t, 0) != NULL;
    pthread_mutex_unlock(&t->lock);
    return can;
}

int sg_conns_admit(struct sg_conns *t, const struct sockaddr *addr, socklen_t addr_len)
{
    unsigned char key[ADDR_KEY];
    long long now = sg_conns_now_ms();
    struct sg_conns_addr *a;
    struct sg_conn *c;
    int rc = 0;

    addr_key(addr, addr_len, key);
    pthread_mutex_lock(&t->lock);
    a = addr_find(t, key);
    if (a != NULL) {
        /* An address new to the table has brought nobody yet. */
        a->tokens += (double)(now - a->tokens_ms) * SG_CONNS_ADMIT_PER_S / 1000.0;
        if (a->tokens > SG_CONNS_ADMIT_BURST)
            a->tokens = SG_CONNS_ADMIT_BURST;
        a->tokens_ms = now;
        if (a->tokens < 1.0) {
            rc = SG_ERR_LIMIT;
            goto out;
        }
    }
    c = eviction_candidate(t, a != NULL ? a->conns : 0);
    if (c == NULL) {
        rc = SG_ERR_IO;
        goto out;
    }
    cut(c);
    t->evicted++;
    if (a != NULL)
        a->tokens -= 1.0;
out:
    pthread_mutex_unlock(&t->lock);
    return rc;
}

void sg_conns_reap(struct sg_conns *t, struct sg_conns_cuts *cuts)
{
    long long now = sg_conns_now_ms();

    memset(cuts, 0, sizeof(*cuts));
    pthread_mutex_lock(&t->lock);
    for (struct sg_conn *c = t->head.next; c != &t->head; c = c->next) {
        uint64_t v = atomic_load(&c->state);
        long long age;

        c->evictable = false;
        if (c->cut)
            continue;
        if (phase_of(v) == SG_CONN_IDLE)
            v = look_for_data(c, v, now);
        age = now - since_of(v);
        switch (phase_of(v)) {
        case SG_CONN_HANDSHAKE:
            if (age < (long long)t->lim.handshake_ms) {
                /* A handshake takes milliseconds: one this slow may give
                 * way to a newcomer, as an idle connection may. */
                c->evictable = age >= SG_CONNS_EVICT_IDLE_MS;
                cuts->busy++;
                continue;
            }
            cuts->handshake++;
            break;
        case SG_CONN_REQUEST:
            if (age < (long long)t->lim.request_ms) {
                cuts->busy++;
                continue;
            }
            cuts->request++;
            if (atomic_load(&c->answering))
                cuts->stalled++;
            break;
        default:
            if (age < (long long)t->lim.idle_ms)
                continue;
            cuts->idle++;
            c->evictable = false;
            break;
        }
        cut(c);
    }
    cuts->evicted = t->evicted;
    t->evicted = 0;
    cuts->open = t->count;
    pthread_mutex_unlock(&t->lock);
}
