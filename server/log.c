/* log.c - see log.h. A line is an sg_buf sized for a common line at once
 * (one allocation); names are escaped by the engine's JSON string writer,
 * as in responses. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "json.h"
#include "rule.h"

/* A line holds a few names and a message; the bound only stops a bug. A
 * decision line is about 300 bytes. */
#define LINE_MAX_BYTES  (256 * 1024)
#define LINE_HINT_BYTES 512

/* ,"key": (or "key": first); keys are short literals. */
static void add_key(struct sg_buf *b, const char *key)
{
    if (b->len > 1)
        sg_buf_addc(b, ',');
    sg_buf_addc(b, '"');
    sg_buf_adds(b, key);
    sg_buf_adds(b, "\":");
}

static void add_kv(struct sg_buf *b, const char *key, const char *value)
{
    add_key(b, key);
    sg_json_write_string(b, value);
}

/* Digits by hand: snprintf and strftime were a visible part of a
 * request's CPU for two numbers and a timestamp. */
static void add_uint(struct sg_buf *b, unsigned long long v, int min_digits)
{
    char buf[24];
    int n = 0;

    do {
        buf[sizeof(buf) - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0 || n < min_digits);
    sg_buf_add(b, buf + sizeof(buf) - n, (size_t)n);
}

static void put_digits(char *p, unsigned v, int n)
{
    while (n-- > 0) {
        p[n] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* {"time":"2026-11-28T19:01:40.774Z" (UTC, milliseconds): every line
 * starts so. The text up to the seconds is made once a second per thread:
 * gmtime_r was a fifth of a line's cost. */
static void line_start(struct sg_buf *b)
{
    static _Thread_local struct {
        time_t sec;
        char text[sizeof("2026-11-28T19:01:40") - 1];
    } cache = {.sec = -1};
    struct timespec ts;
    struct tm tm;

    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec != cache.sec && gmtime_r(&ts.tv_sec, &tm) != NULL) {
        char *t = cache.text;
        put_digits(t, (unsigned)tm.tm_year + 1900, 4);
        t[4] = '-';
        put_digits(t + 5, (unsigned)tm.tm_mon + 1, 2);
        t[7] = '-';
        put_digits(t + 8, (unsigned)tm.tm_mday, 2);
        t[10] = 'T';
        put_digits(t + 11, (unsigned)tm.tm_hour, 2);
        t[13] = ':';
        put_digits(t + 14, (unsigned)tm.tm_min, 2);
        t[16] = ':';
        put_digits(t + 17, (unsigned)tm.tm_sec, 2);
        cache.sec = ts.tv_sec;
    }
    sg_buf_init(b, LINE_MAX_BYTES);
    sg_buf_hint(b, LINE_HINT_BYTES);
    sg_buf_adds(b, "{\"time\":\"");
    sg_buf_add(b, cache.text, sizeof(cache.text));
    sg_buf_addc(b, '.');
    add_uint(b, (unsigned long long)(ts.tv_nsec / 1000000), 3);
    sg_buf_adds(b, "Z\"");
}

/* Ends the line, writes it with one write(2) under the lock, so lines of
 * different threads never interleave, and releases it. A line that could
 * not be built (out of memory) is dropped: the log must not stop the
 * server. */
static void line_write(struct sg_log *log, int fd, struct sg_buf *b)
{
    const char *p;
    size_t left;

    sg_buf_adds(b, "}\n");
    if (sg_buf_failed(b))
        goto out;
    p = sg_buf_str(b);
    left = b->len;
    pthread_mutex_lock(&log->lock);
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* a closed log stream must not stop the server */
        p += n;
        left -= (size_t)n;
    }
    pthread_mutex_unlock(&log->lock);
out:
    sg_buf_release(b);
}

int sg_log_init(struct sg_log *log, int decision_fd, int event_fd)
{
    log->decision_fd = decision_fd;
    log->event_fd = event_fd;
    if (pthread_mutex_init(&log->lock, NULL) != 0)
        return SG_ERR_INTERNAL;
    return 0;
}

void sg_log_release(struct sg_log *log)
{
    pthread_mutex_destroy(&log->lock);
}

void sg_log_decision(struct sg_log *log, const char *endpoint, const struct sg_decision *d,
                     unsigned long long latency_us)
{
    uint32_t hits = sg_decision_hits(d);
    struct sg_buf line;

    line_start(&line);
    add_kv(&line, "endpoint", endpoint);
    add_kv(&line, "uid", sg_decision_uid(d));
    add_kv(&line, "kind", sg_decision_kind(d));
    add_kv(&line, "namespace", sg_decision_namespace(d));
    add_kv(&line, "name", sg_decision_name(d));
    add_kv(&line, "operation", sg_decision_operation(d));
    add_kv(&line, "user", sg_decision_user(d));
    add_kv(&line, "verdict", sg_verdict_name(sg_decision_verdict(d)));
    add_key(&line, "rules");
    sg_buf_addc(&line, '[');
    for (unsigned h = 0, n = 0; h < SG_HIT_COUNT; h++) {
        if ((hits & (1u << h)) == 0)
            continue;
        if (n++ > 0)
            sg_buf_addc(&line, ',');
        sg_json_write_string(&line, sg_hit_name(h));
    }
    sg_buf_addc(&line, ']');
    add_key(&line, "patched");
    sg_buf_adds(&line, sg_decision_patched(d) ? "true" : "false");
    add_kv(&line, "injected", sg_decision_injected(d));
    add_key(&line, "latency_us");
    add_uint(&line, latency_us, 1);
    line_write(log, log->decision_fd, &line);
}

void sg_log_rejected(struct sg_log *log, const char *endpoint, unsigned status, const char *why)
{
    struct sg_buf line;

    line_start(&line);
    add_kv(&line, "endpoint", endpoint);
    add_key(&line, "status");
    add_uint(&line, status, 1);
    add_kv(&line, "error", why);
    line_write(log, log->decision_fd, &line);
}

void sg_log_event(struct sg_log *log, const char *level, const char *event, const char *fmt, ...)
{
    char msg[SG_ERROR_MSG_MAX + 512];
    struct sg_buf line;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    line_start(&line);
    add_kv(&line, "level", level);
    add_kv(&line, "event", event);
    add_kv(&line, "msg", msg);
    line_write(log, log->event_fd, &line);
}
