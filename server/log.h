/* log.h - the server's log: one JSON object per line.
 *
 * Decisions go to one stream (stdout in `serve`): time, endpoint, uid, kind,
 * namespace, name, operation, user, verdict, rules, patched, latency_us.
 * Events (start, reload, rotation, timeouts, shutdown) go to another
 * (stderr). Each line is written with one write(2) under a mutex, so lines
 * from different threads never interleave.
 *
 * A thread may gather its decision lines (sg_log_batch) and write them
 * together when it is about to wait (sg_log_flush): an event loop then
 * makes one write(2) for several requests instead of one each. A batch
 * holds at most PIPE_BUF bytes, so a write to a pipe (a container's
 * stdout) stays atomic and batches of different threads do not
 * interleave either. */
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

/* Gather this thread's decision lines from now on (on), or write each at
 * once (off, the default; the caller flushes first). */
void sg_log_batch(bool on);

/* Writes the decision lines this thread has gathered. */
void sg_log_flush(struct sg_log *log);

/* One event line: {"time":..,"level":..,"event":..,"msg":..}. */
void sg_log_event(struct sg_log *log, const char *level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
