/* buf.c - see buf.h. */
#include "buf.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

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
    n = sg_fmt_vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap);
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
    sg_fmt_vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
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
