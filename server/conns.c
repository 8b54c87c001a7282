/* conns.c - see conns.h. */
#include "conns.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>

#include "error.h"

long long sg_conns_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int sg_conns_init(struct sg_conns *conns)
{
    conns->head.prev = conns->head.next = &conns->head;
    conns->count = 0;
    if (pthread_mutex_init(&conns->lock, NULL) != 0)
        return SG_ERR_INTERNAL;
    return 0;
}

void sg_conns_release(struct sg_conns *conns)
{
    pthread_mutex_destroy(&conns->lock);
}

void sg_conns_add(struct sg_conns *conns, struct sg_conn_track *t, int fd)
{
    long long now = sg_conns_now_ms();

    t->fd = fd;
    t->busy = true;
    t->cut = false;
    t->busy_since_ms = now;
    t->idle_since_ms = now;
    pthread_mutex_lock(&conns->lock);
    t->next = &conns->head;
    t->prev = conns->head.prev;
    conns->head.prev->next = t;
    conns->head.prev = t;
    conns->count++;
    pthread_mutex_unlock(&conns->lock);
}

void sg_conns_remove(struct sg_conns *conns, struct sg_conn_track *t)
{
    pthread_mutex_lock(&conns->lock);
    t->prev->next = t->next;
    t->next->prev = t->prev;
    t->prev = t->next = t;
    conns->count--;
    pthread_mutex_unlock(&conns->lock);
}

void sg_conns_idle(struct sg_conns *conns, struct sg_conn_track *t)
{
    long long now = sg_conns_now_ms();

    pthread_mutex_lock(&conns->lock);
    t->busy = false;
    t->idle_since_ms = now;
    pthread_mutex_unlock(&conns->lock);
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

unsigned sg_conns_reap(struct sg_conns *conns, long long timeout_ms, unsigned *busy)
{
    struct sg_conn_track *t;
    long long now = sg_conns_now_ms();
    unsigned cut = 0, n_busy = 0;

    pthread_mutex_lock(&conns->lock);
    for (t = conns->head.next; t != &conns->head; t = t->next) {
        if (!t->busy) {
            long long data = last_data_ms(t->fd, now);
            if (data > t->idle_since_ms + SG_CONNS_DATA_SLACK_MS) {
                /* The request began no later than its latest byte. */
                t->busy = true;
                t->busy_since_ms = data;
            }
        }
        if (!t->busy)
            continue;
        n_busy++;
        if (!t->cut && now - t->busy_since_ms > timeout_ms) {
            /* libmicrohttpd sees the next read fail and closes it. */
            shutdown(t->fd, SHUT_RDWR);
            t->cut = true;
            cut++;
        }
    }
    pthread_mutex_unlock(&conns->lock);
    if (busy != NULL)
        *busy = n_busy;
    return cut;
}

unsigned sg_conns_count(struct sg_conns *conns)
{
    unsigned n;

    pthread_mutex_lock(&conns->lock);
    n = conns->count;
    pthread_mutex_unlock(&conns->lock);
    return n;
}
