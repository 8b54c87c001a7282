/* log.c - see log.h. Lines are built in a stack buffer that spills to the
 * heap only for long rule lists or names; the JSON is escaped here rather
 * than through cJSON so a log line costs no allocation at all. */
#include "log.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "rule.h"

#define LINE_STACK_BYTES 2048

struct line {
    char *buf;
    size_t len, cap;
    bool heap, failed;
    char stack[LINE_STACK_BYTES];
};

static void line_init(struct line *l)
{
    l->buf = l->stack;
    l->len = 0;
    l->cap = sizeof(l->stack);
    l->heap = false;
    l->failed = false;
}

static void line_release(struct line *l)
{
    if (l->heap)
        free(l->buf);
}

static bool line_reserve(struct line *l, size_t more)
{
    size_t cap;
    char *nb;

    if (l->failed)
        return false;
    if (l->cap - l->len >= more)
        return true;
    cap = (l->cap + more) * 2;
    nb = l->heap ? realloc(l->buf, cap) : malloc(cap);
    if (nb == NULL) {
        l->failed = true;
        return false;
    }
    if (!l->heap)
        memcpy(nb, l->buf, l->len);
    l->buf = nb;
    l->cap = cap;
    l->heap = true;
    return true;
}

static void line_raw(struct line *l, const char *s, size_t n)
{
    if (!line_reserve(l, n))
        return;
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

static void line_lit(struct line *l, const char *s)
{
    line_raw(l, s, strlen(s));
}

/* A JSON string: quotes, backslash and control bytes escaped; other bytes
 * pass through (names come from parsed JSON, so they are UTF-8). Room for
 * the plain case is made once, and bytes are copied one by one into it:
 * this runs for every name of every request. */
static void line_str(struct line *l, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = strlen(s);
    char *p;

    if (!line_reserve(l, n + 2))
        return;
    p = l->buf + l->len;
    *p++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            *p++ = (char)c;
            continue;
        }
        /* An escape: up to 6 bytes for this one, 1 for each left. */
        l->len = (size_t)(p - l->buf);
        if (!line_reserve(l, 6 + (n - i - 1) + 1))
            return;
        p = l->buf + l->len;
        *p++ = '\\';
        if (c == '"' || c == '\\') {
            *p++ = (char)c;
        } else {
            memcpy(p, "u00", 3);
            p[3] = hex[c >> 4];
            p[4] = hex[c & 15];
            p += 5;
        }
    }
    *p++ = '"';
    l->len = (size_t)(p - l->buf);
}

/* ,"key": (or "key": first); keys are short literals. */
static void line_key(struct line *l, const char *key)
{
    size_t n = strlen(key);
    char *p;

    if (!line_reserve(l, n + 4))
        return;
    p = l->buf + l->len;
    if (l->len > 1)
        *p++ = ',';
    *p++ = '"';
    memcpy(p, key, n);
    p += n;
    *p++ = '"';
    *p++ = ':';
    l->len = (size_t)(p - l->buf);
}

static void line_kv(struct line *l, const char *key, const char *value)
{
    line_key(l, key);
    line_str(l, value);
}

/* Digits by hand: snprintf and strftime were a visible part of a
 * request's CPU for two numbers and a timestamp. */
static void line_uint(struct line *l, unsigned long long v, int min_digits)
{
    char buf[24];
    int n = 0;

    do {
        buf[sizeof(buf) - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0 || n < min_digits);
    line_raw(l, buf + sizeof(buf) - n, (size_t)n);
}

static void put_digits(char *p, unsigned v, int n)
{
    while (n-- > 0) {
        p[n] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* "time":"2026-11-28T19:01:40.774Z" (UTC, milliseconds). The text up to
 * the seconds is made once a second per thread: gmtime_r was a fifth of a
 * line's cost. */
static void line_time(struct line *l)
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
    line_key(l, "time");
    line_raw(l, "\"", 1);
    line_raw(l, cache.text, sizeof(cache.text));
    line_raw(l, ".", 1);
    line_uint(l, (unsigned long long)(ts.tv_nsec / 1000000), 3);
    line_raw(l, "Z\"", 2);
}

/* This thread's gathered decision lines (log.h). */
static _Thread_local struct {
    bool on;
    size_t len;
    char buf[PIPE_BUF];
} batch;

static void write_all(struct sg_log *log, int fd, const char *buf, size_t len)
{
    size_t off = 0;

    pthread_mutex_lock(&log->lock);
    while (off < len) {
        ssize_t n = write(fd, buf + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* a closed log stream must not stop the server */
        off += (size_t)n;
    }
    pthread_mutex_unlock(&log->lock);
}

void sg_log_batch(bool on)
{
    batch.on = on;
}

void sg_log_flush(struct sg_log *log)
{
    if (batch.len == 0)
        return;
    write_all(log, log->decision_fd, batch.buf, batch.len);
    batch.len = 0;
}

/* Writes a line to fd; a decision line may wait in this thread's batch. */
static void line_write(struct sg_log *log, int fd, struct line *l, bool decision)
{
    line_raw(l, "}\n", 2);
    if (l->failed)
        return;
    if (batch.on && decision && l->len <= sizeof(batch.buf)) {
        if (l->len > sizeof(batch.buf) - batch.len)
            sg_log_flush(log);
        memcpy(batch.buf + batch.len, l->buf, l->len);
        batch.len += l->len;
        return;
    }
    if (fd == log->decision_fd)
        sg_log_flush(log); /* keep this thread's lines in order */
    write_all(log, fd, l->buf, l->len);
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
    struct line l;

    line_init(&l);
    line_raw(&l, "{", 1);
    line_time(&l);
    line_kv(&l, "endpoint", endpoint);
    line_kv(&l, "uid", sg_decision_uid(d));
    line_kv(&l, "kind", sg_decision_kind(d));
    line_kv(&l, "namespace", sg_decision_namespace(d));
    line_kv(&l, "name", sg_decision_name(d));
    line_kv(&l, "operation", sg_decision_operation(d));
    line_kv(&l, "user", sg_decision_user(d));
    line_kv(&l, "verdict", sg_verdict_name(sg_decision_verdict(d)));
    line_key(&l, "rules");
    line_raw(&l, "[", 1);
    for (unsigned h = 0, n = 0; h < SG_HIT_COUNT; h++) {
        if ((hits & (1u << h)) == 0)
            continue;
        if (n++ > 0)
            line_raw(&l, ",", 1);
        line_str(&l, sg_hit_name(h));
    }
    line_raw(&l, "]", 1);
    line_key(&l, "patched");
    line_lit(&l, sg_decision_patched(d) ? "true" : "false");
    line_kv(&l, "injected", sg_decision_injected(d));
    line_key(&l, "latency_us");
    line_uint(&l, latency_us, 1);
    line_write(log, log->decision_fd, &l, true);
    line_release(&l);
}

void sg_log_rejected(struct sg_log *log, const char *endpoint, unsigned status, const char *why)
{
    struct line l;

    line_init(&l);
    line_raw(&l, "{", 1);
    line_time(&l);
    line_kv(&l, "endpoint", endpoint);
    line_key(&l, "status");
    line_uint(&l, status, 1);
    line_kv(&l, "error", why);
    line_write(log, log->decision_fd, &l, true);
    line_release(&l);
}

void sg_log_event(struct sg_log *log, const char *level, const char *event, const char *fmt, ...)
{
    struct line l;
    char msg[SG_ERROR_MSG_MAX + 512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    line_init(&l);
    line_raw(&l, "{", 1);
    line_time(&l);
    line_kv(&l, "level", level);
    line_kv(&l, "event", event);
    line_kv(&l, "msg", msg);
    line_write(log, log->event_fd, &l, false);
    line_release(&l);
}
