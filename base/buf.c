/* buf.c - see buf.h. */
#include "buf.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sg_buf_init(struct sg_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
    b->failed = false;
}

static bool reserve(struct sg_buf *b, size_t extra)
{
    size_t need, cap;
    char *p;

    if (b->failed)
        return false;
    if (extra > b->max - b->len) {
        b->failed = true;
        return false;
    }
    need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    p = realloc(b->data, cap);
    if (p == NULL) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void sg_buf_add(struct sg_buf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    if (n > 0)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void sg_buf_hint(struct sg_buf *b, size_t n)
{
    char *p;

    if (b->failed || n > b->max - b->len || b->len + n + 1 <= b->cap)
        return;
    p = realloc(b->data, b->len + n + 1);
    if (p == NULL)
        return;
    b->data = p;
    b->data[b->len] = '\0';
    b->cap = b->len + n + 1;
}

/* Puts n bytes of s at *o in out (size cap), as far as they fit before
 * the terminating NUL; *o counts every byte, as snprintf's result does. */
static inline void put(char *out, size_t cap, size_t *o, const char *s, size_t n)
{
    if (*o < cap) {
        size_t room = cap - 1 - *o;
        memcpy(out + *o, s, n < room ? n : room);
    }
    *o += n;
}

/* Writes v in decimal at the end of num[24]; returns the first digit. */
static char *decimal(char num[24], uintmax_t v)
{
    char *d = num + 24;

    do {
        *--d = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    return d;
}

int sg_vsnprintf(char *out, size_t cap, const char *fmt, va_list ap)
{
    const char *f = fmt;
    size_t o = 0;
    va_list whole;
    int n;

    va_copy(whole, ap);
    for (;;) {
        const char *pct = strchr(f, '%');
        const char *s;
        char num[24];
        size_t len;
        if (pct == NULL) {
            put(out, cap, &o, f, strlen(f));
            break;
        }
        put(out, cap, &o, f, (size_t)(pct - f));
        switch (pct[1]) {
        case 's':
            s = va_arg(ap, const char *);
            if (s == NULL)
                s = "(null)"; /* as glibc writes it */
            len = strlen(s);
            f = pct + 2;
            break;
        case 'd': {
            int v = va_arg(ap, int);
            uintmax_t u = v < 0 ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v;
            char *d = decimal(num, u);
            if (v < 0)
                *--d = '-';
            s = d;
            len = (size_t)(num + sizeof(num) - d);
            f = pct + 2;
            break;
        }
        case 'z':
            if (pct[2] != 'u')
                goto whole;
            s = decimal(num, va_arg(ap, size_t));
            len = (size_t)(num + sizeof(num) - s);
            f = pct + 3;
            break;
        case '%':
            s = "%";
            len = 1;
            f = pct + 2;
            break;
        default:
            goto whole;
        }
        put(out, cap, &o, s, len);
    }
    va_end(whole);
    if (cap > 0)
        out[o < cap ? o : cap - 1] = '\0';
    return o > INT_MAX ? -1 : (int)o;
whole:
    /* Nothing was consumed that vsnprintf cannot redo from the start. */
    n = vsnprintf(out, cap, fmt, whole);
    va_end(whole);
    return n;
}

int sg_snprintf(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = sg_vsnprintf(out, cap, fmt, ap);
    va_end(ap);
    return n;
}

void sg_buf_addf(struct sg_buf *b, const char *fmt, ...)
{
    va_list ap;
    size_t room;
    int n;

    if (b->failed)
        return;
    /* Format straight into the free space; only when the text does not
     * fit, grow and format again. */
    room = b->cap > b->len ? b->cap - b->len : 0;
    va_start(ap, fmt);
    n = sg_vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t)n < room) {
        if (n > 0 && (size_t)n > b->max - b->len) {
            b->data[b->len] = '\0';
            b->failed = true;
            return;
        }
        b->len += (size_t)n;
        return;
    }
    if (!reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    sg_vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

bool sg_buf_failed(const struct sg_buf *b)
{
    return b->failed;
}

const char *sg_buf_str(const struct sg_buf *b)
{
    return b->data != NULL ? b->data : "";
}

char *sg_buf_steal(struct sg_buf *b)
{
    char *p;

    if (b->failed) {
        sg_buf_release(b);
        return NULL;
    }
    if (b->data == NULL)
        p = calloc(1, 1);
    else
        p = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void sg_buf_release(struct sg_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = false;
}
