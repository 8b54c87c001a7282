/* mhdlog.h - libmicrohttpd's own messages, gathered into a log line each
 * a second.
 *
 * libmicrohttpd writes a message for every refused handshake, vanished
 * client or malformed request (MHD_OPTION_EXTERNAL_LOGGER); a flood would
 * make a line per connection. Here messages are counted by their format
 * string (libmicrohttpd's are static, so the pointer is the key), the first
 * of each kept in full, and sg_mhdlog_flush writes one event line per kind:
 * "<message> (N times)". */
#ifndef SG_MHDLOG_H
#define SG_MHDLOG_H

#include <pthread.h>
#include <stdarg.h>

#include "log.h"

/* Kinds of message kept apart between flushes; more are only counted. */
#define SG_MHDLOG_KINDS   8
#define SG_MHDLOG_MSG_MAX 200

struct sg_mhdlog {
    pthread_mutex_t lock;
    struct {
        const char *fmt;
        unsigned n;
        char first[SG_MHDLOG_MSG_MAX];
    } kind[SG_MHDLOG_KINDS];
    unsigned others;
};

int sg_mhdlog_init(struct sg_mhdlog *ml); /* 0 or SG_ERR_INTERNAL */
void sg_mhdlog_release(struct sg_mhdlog *ml);

/* The MHD_OPTION_EXTERNAL_LOGGER callback; cls is the struct sg_mhdlog. */
void sg_mhdlog_callback(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Writes what was gathered to `log` as "http" events, and forgets it. */
void sg_mhdlog_flush(struct sg_mhdlog *ml, struct sg_log *log);

#endif
