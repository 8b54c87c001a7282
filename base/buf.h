/* buf.h - a growable text buffer whose maximum is fixed at creation (curl's
 * dynbuf). Appends past the maximum or a failed allocation make the buffer
 * "failed": later appends do nothing and sg_buf_failed() says so, so a
 * builder can append freely and check once at the end. The text is always
 * NUL-terminated. */
#ifndef SG_BUF_H
#define SG_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct sg_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max; /* bound on len */
    bool failed;
};

void sg_buf_init(struct sg_buf *b, size_t max);
void sg_buf_add(struct sg_buf *b, const char *s, size_t n);

/* Inline, so that the length of a literal is known when compiling and a
 * byte that fits is stored without a call. */
static inline void sg_buf_adds(struct sg_buf *b, const char *s)
{
    sg_buf_add(b, s, strlen(s));
}

static inline void sg_buf_addc(struct sg_buf *b, char c)
{
    if (!b->failed && b->len < b->max && b->len + 2 <= b->cap) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return;
    }
    sg_buf_add(b, &c, 1);
}

/* Allocates room for `n` more bytes at once, for a builder that knows
 * about how much it will write. Only a hint: it never fails the buffer
 * (the appends that follow check as always), and does nothing when the
 * maximum or memory does not allow it. */
void sg_buf_hint(struct sg_buf *b, size_t n);
void sg_buf_addf(struct sg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool sg_buf_failed(const struct sg_buf *b);

/* The text ("" when empty); owned by the buffer. */
const char *sg_buf_str(const struct sg_buf *b);
/* Hands the text to the caller (free() it) and resets the buffer; NULL when
 * the buffer failed. */
char *sg_buf_steal(struct sg_buf *b);
/* Frees the text; the buffer may be reused after sg_buf_init. */
void sg_buf_release(struct sg_buf *b);

#endif
