/* fuzz_http.c - HTTP/1.1 request heads and chunked bodies as a client's
 * bytes spell them (server/http.h): the input is a request head read with
 * max_head FUZZ_HTTP_MAX_HEAD; the bytes after a chunked head, or the
 * whole input when there is none, are then read as a chunked body.
 *
 * Invariants:
 *   - the head parser returns DONE, PARTIAL (only while the bytes fit in
 *     max_head) or 400, 417, 431, 501, 505 with a message, and hands out
 *     nothing unless DONE;
 *   - a DONE head lies in buf and in max_head, ends at the first CRLF CRLF
 *     after the empty lines before it, has no CR or LF but in CRLF pairs,
 *     and its slices lie inside it: a method of tchars, a path starting
 *     with '/' and free of '?', a trimmed Content-Type; never both
 *     Content-Length and chunked;
 *   - a result other than PARTIAL stands for every longer buffer (checked
 *     on two prefixes); max_head = head_bytes reads the same head and one
 *     byte less is 431; a PARTIAL head under a smaller max_head is 431;
 *   - the chunked decoder gives the same status, message, consumed count
 *     and body all at once, in pieces of input-chosen sizes into a small
 *     out buffer, and byte by byte into one byte; PARTIAL consumes all,
 *     DONE stops just past a CRLF CRLF, the body is never longer than the
 *     bytes consumed, and a decoder past DONE or 400 consumes nothing. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http.h"

/* Longer inputs are cut, as -max_len=65536 does. */
#define FUZZ_HTTP_MAX      (64 * 1024)
#define FUZZ_HTTP_MAX_HEAD 16384

static bool slice_inside(struct sg_http_slice s, const char *buf, size_t len)
{
    if (s.p == NULL)
        return s.n == 0;
    return s.p >= buf && s.n <= len && (size_t)(s.p - buf) <= len - s.n;
}

static bool same_slice(struct sg_http_slice a, struct sg_http_slice b)
{
    return a.p == b.p && a.n == b.n;
}

static bool same_head(const struct sg_http_head *a, const struct sg_http_head *b)
{
    return same_slice(a->method, b->method) && same_slice(a->path, b->path) &&
           a->minor == b->minor && a->has_length == b->has_length &&
           a->content_length == b->content_length && a->chunked == b->chunked &&
           a->has_content_type == b->has_content_type &&
           same_slice(a->content_type, b->content_type) && a->keep_alive == b->keep_alive &&
           a->expect_continue == b->expect_continue && a->head_bytes == b->head_bytes;
}

static bool is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* sg_http_parse_head with the checks every call must pass. */
static int parse(const char *buf, size_t len, size_t max_head, struct sg_http_head *h,
                 const char **why)
{
    int rc = sg_http_parse_head(buf, len, max_head, h, why);

    switch (rc) {
    case SG_HTTP_DONE:
        FUZZ_CHECK(*why == NULL, "DONE with a message");
        break;
    case SG_HTTP_PARTIAL:
        FUZZ_CHECK(*why == NULL, "PARTIAL with a message");
        FUZZ_CHECK(len <= max_head, "PARTIAL with %zu bytes over max_head %zu", len, max_head);
        break;
    case 400:
    case 417:
    case 431:
    case 501:
    case 505:
        FUZZ_CHECK(*why != NULL && (*why)[0] != '\0', "status %d without a message", rc);
        break;
    default:
        fuzz_fail("head parser returned %d", rc);
    }
    if (rc != SG_HTTP_DONE)
        FUZZ_CHECK(h->head_bytes == 0 && h->method.p == NULL && h->path.p == NULL &&
                       h->content_type.p == NULL,
                   "a head that is not DONE was handed out");
    return rc;
}

static void check_done_head(const char *buf, size_t len, size_t max_head,
                            const struct sg_http_head *h)
{
    size_t hb = h->head_bytes, start = 0;
    const char *end;

    FUZZ_CHECK(hb >= 4 && hb <= len && hb <= max_head, "head_bytes %zu of %zu (max_head %zu)", hb,
               len, max_head);
    for (size_t i = 0; i < hb; i++) {
        if (buf[i] == '\r')
            FUZZ_CHECK(i + 1 < hb && buf[i + 1] == '\n', "bare CR at %zu in a DONE head", i);
        if (buf[i] == '\n')
            FUZZ_CHECK(i > 0 && buf[i - 1] == '\r', "bare LF at %zu in a DONE head", i);
    }
    while (start + 2 <= hb && buf[start] == '\r' && buf[start + 1] == '\n')
        start += 2;
    end = memmem(buf + start, hb - start, "\r\n\r\n", 4);
    FUZZ_CHECK(end != NULL && (size_t)(end - buf) + 4 == hb,
               "head_bytes %zu is not the first empty line after %zu", hb, start);
    FUZZ_CHECK(slice_inside(h->method, buf, hb) && slice_inside(h->path, buf, hb) &&
                   slice_inside(h->content_type, buf, hb),
               "a slice lies outside the head");
    FUZZ_CHECK(h->method.p == buf + start && h->method.n > 0, "method is not the line's start");
    for (size_t i = 0; i < h->method.n; i++)
        FUZZ_CHECK(is_tchar((unsigned char)h->method.p[i]), "method byte %zu is not a tchar", i);
    FUZZ_CHECK(h->path.n > 0 && h->path.p[0] == '/' && memchr(h->path.p, '?', h->path.n) == NULL &&
                   h->path.p == h->method.p + h->method.n + 1,
               "path is not an origin-form path after the method");
    FUZZ_CHECK(h->minor <= 1, "minor %u", h->minor);
    FUZZ_CHECK(!(h->chunked && h->has_length), "both chunked and a Content-Length");
    FUZZ_CHECK(!h->expect_continue || h->minor == 1, "100-continue in HTTP/1.0");
    FUZZ_CHECK(h->has_content_type || h->content_type.p == NULL,
               "a Content-Type slice without one");
    if (h->content_type.n > 0) {
        const char *ct = h->content_type.p;
        size_t n = h->content_type.n;
        FUZZ_CHECK(ct[0] != ' ' && ct[0] != '\t' && ct[n - 1] != ' ' && ct[n - 1] != '\t',
                   "Content-Type is not trimmed");
    }
}

/* The result of a prefix that decided something is the whole input's. */
static void check_prefix(const char *buf, size_t k, int full_rc, const char *full_why,
                         const struct sg_http_head *full)
{
    struct sg_http_head h;
    const char *why = NULL;
    int rc = parse(buf, k, FUZZ_HTTP_MAX_HEAD, &h, &why);

    if (full_rc == SG_HTTP_PARTIAL)
        FUZZ_CHECK(rc == SG_HTTP_PARTIAL, "prefix of %zu bytes decided %d (%s), the whole waits", k,
                   rc, why);
    if (rc == SG_HTTP_PARTIAL)
        return;
    FUZZ_CHECK(rc == full_rc, "prefix of %zu bytes: %d, the whole: %d", k, rc, full_rc);
    if (rc == SG_HTTP_DONE)
        FUZZ_CHECK(same_head(&h, full), "prefix of %zu bytes read another head", k);
    else
        FUZZ_CHECK(strcmp(why, full_why) == 0, "prefix of %zu bytes: '%s', the whole: '%s'", k, why,
                   full_why);
}

static void check_head(const char *buf, size_t len, struct sg_http_head *h, int *rc_out)
{
    const char *why = NULL;
    int rc = parse(buf, len, FUZZ_HTTP_MAX_HEAD, h, &why);

    *rc_out = rc;
    check_prefix(buf, len / 2, rc, why, h);
    if (len > 0)
        check_prefix(buf, (size_t)(unsigned char)buf[len - 1] * len / 256, rc, why, h);
    if (rc == SG_HTTP_DONE) {
        struct sg_http_head again;
        const char *why2 = NULL;
        check_done_head(buf, len, FUZZ_HTTP_MAX_HEAD, h);
        FUZZ_CHECK(parse(buf, len, h->head_bytes, &again, &why2) == SG_HTTP_DONE &&
                       same_head(&again, h),
                   "max_head = head_bytes %zu reads another head", h->head_bytes);
        FUZZ_CHECK(parse(buf, len, h->head_bytes - 1, &again, &why2) == 431,
                   "max_head one under head_bytes %zu is not 431", h->head_bytes);
    } else if (rc == SG_HTTP_PARTIAL && len > 0) {
        struct sg_http_head again;
        const char *why2 = NULL;
        FUZZ_CHECK(parse(buf, len, len - 1, &again, &why2) == 431,
                   "a waiting head of %zu bytes is not 431 under max_head %zu", len, len - 1);
    }
}

struct decoded {
    int rc;
    const char *why;
    size_t used, produced;
    char *body; /* n bytes: a body is never longer than its input */
};

/* Decodes in[0..n) in pieces of 1 + sizes[k % n_sizes] % 64 bytes (all at
 * once without sizes) into an out buffer of out_cap bytes, calling again
 * while out is full, until DONE, 400 or the end of the input. */
static void decode(const char *in, size_t n, const unsigned char *sizes, size_t n_sizes,
                   size_t out_cap, struct decoded *d)
{
    struct sg_http_chunked st;
    char *out = malloc(out_cap);
    size_t at = 0, k = 0;

    d->body = malloc(n + 1);
    FUZZ_CHECK(out != NULL && d->body != NULL, "out of memory");
    d->rc = SG_HTTP_PARTIAL;
    d->why = NULL;
    d->used = d->produced = 0;
    sg_http_chunked_init(&st);
    while (at < n) {
        size_t piece = n_sizes == 0 ? n - at : 1 + (size_t)sizes[k++ % n_sizes] % 64;
        size_t end = piece > n - at ? n : at + piece;
        while (at < end) {
            size_t avail = end - at, used = SIZE_MAX, produced = SIZE_MAX;
            const char *why = "unset";
            int rc =
                sg_http_chunked_feed(&st, in + at, avail, out, out_cap, &used, &produced, &why);
            FUZZ_CHECK(used <= avail && produced <= out_cap && produced <= used,
                       "feed of %zu into %zu: used %zu, produced %zu", avail, out_cap, used,
                       produced);
            FUZZ_CHECK(d->produced + produced <= n, "more body than input");
            memcpy(d->body + d->produced, out, produced);
            d->produced += produced;
            d->used += used;
            at += used;
            d->rc = rc;
            if (rc == 400) {
                FUZZ_CHECK(why != NULL && why[0] != '\0', "400 without a message");
                d->why = why;
                goto out;
            }
            FUZZ_CHECK(why == NULL, "%d with a message", rc);
            if (rc == SG_HTTP_DONE)
                goto out;
            FUZZ_CHECK(rc == SG_HTTP_PARTIAL, "chunked decoder returned %d", rc);
            FUZZ_CHECK(used == avail || produced == out_cap,
                       "stopped at %zu of %zu with room in out", used, avail);
        }
    }
out:
    if (d->rc != SG_HTTP_PARTIAL) {
        /* Spent: a further call consumes nothing and says the same. */
        size_t used = SIZE_MAX, produced = SIZE_MAX;
        const char *why = NULL;
        int rc = sg_http_chunked_feed(&st, in + at, n - at, out, out_cap, &used, &produced, &why);
        FUZZ_CHECK(rc == d->rc && used == 0 && produced == 0 && (why == NULL) == (d->why == NULL),
                   "a spent decoder returned %d, used %zu", rc, used);
    }
    free(out);
}

static void check_same(const struct decoded *a, const struct decoded *b, const char *how)
{
    FUZZ_CHECK(a->rc == b->rc, "%s: %d, all at once: %d", how, b->rc, a->rc);
    FUZZ_CHECK((a->why == NULL) == (b->why == NULL) &&
                   (a->why == NULL || strcmp(a->why, b->why) == 0),
               "%s: '%s', all at once: '%s'", how, b->why ? b->why : "-", a->why ? a->why : "-");
    FUZZ_CHECK(a->used == b->used, "%s used %zu, all at once %zu", how, b->used, a->used);
    FUZZ_CHECK(a->produced == b->produced && memcmp(a->body, b->body, a->produced) == 0,
               "%s: another body (%zu bytes against %zu)", how, b->produced, a->produced);
}

static void check_chunked(const char *in, size_t n)
{
    struct decoded whole, pieces, bytes;
    const unsigned char *sizes = (const unsigned char *)in;
    size_t out_cap = n > 0 ? 1 + (unsigned char)in[0] % 7 : 1;

    decode(in, n, NULL, 0, n + 1, &whole);
    if (whole.rc == SG_HTTP_PARTIAL)
        FUZZ_CHECK(whole.used == n, "PARTIAL with input left and room in out");
    if (whole.rc == SG_HTTP_DONE)
        FUZZ_CHECK(whole.used >= 5 && memcmp(in + whole.used - 4, "\r\n\r\n", 4) == 0,
                   "DONE at %zu, not just past a CRLF CRLF", whole.used);
    /* Piece sizes from the input's own bytes, so the fuzzer steers them. */
    decode(in, n, sizes, n < 16 ? n : 16, out_cap, &pieces);
    check_same(&whole, &pieces, "in pieces");
    decode(in, n, (const unsigned char *)"", 1, 1, &bytes);
    check_same(&whole, &bytes, "byte by byte");
    free(whole.body);
    free(pieces.body);
    free(bytes.body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf;
    char *copy;
    struct sg_http_head h;
    int rc;

    if (size > FUZZ_HTTP_MAX)
        size = FUZZ_HTTP_MAX;
    /* An exact-size copy, so a read past size shows under ASan even where
     * the caller's buffer is longer (the cut above). */
    copy = malloc(size > 0 ? size : 1);
    FUZZ_CHECK(copy != NULL, "out of memory");
    memcpy(copy, data, size);
    buf = copy;
    check_head(buf, size, &h, &rc);
    if (rc == SG_HTTP_DONE && h.chunked)
        check_chunked(buf + h.head_bytes, size - h.head_bytes);
    else
        check_chunked(buf, size);
    free(copy);
    return 0;
}
