/* log.h - the server's log: one JSON object per line.
 *
 * Decisions go to one stream (stdout in `serve`): time, endpoint, uid, kind,
 * namespace, name, operation, user, verdict, rules, patched, latency_us.
 * Events (start, reload, rotation, timeouts, shutdown) go to another
 * (stderr). Each line is written with one write(2) under a mutex, so lines
 * from different threads never interleave. */
#ifndef SG_LOG_H
#define SG_LOG_H

#include <pthread.h>
#include <stdbool.h>

#include "review.h"

struct sg_log {
    int decision_fd;
    int event_fd;
    pthread_mutex_t lock;
};

/* Returns 0 or SG_ERR_INTERNAL. */
int sg_log_init(struct sg_log *log, int decision_fd, int event_fd);
void sg_log_release(struct sg_log *log);

/* One line for a decision taken on `endpoint` in `latency_us`. */
void sg_log_decision(struct sg_log *log, const char *endpoint, const struct sg_decision *d,
                     unsigned long long latency_us);

/* One line for a request that got no decision (400, 413, 415, 500 on an
 * admission endpoint): what was wrong, so an operator can find it. */
void sg_log_rejected(struct sg_log *log, const char *endpoint, unsigned status, const char *why);

/* One event line: {"time":..,"level":..,"event":..,"msg":..}. */
void sg_log_event(struct sg_log *log, const char *level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
