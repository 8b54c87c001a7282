/* http.h - HTTP/1.1 requests as a client's bytes spell them: the request
 * head (request line and header fields) and a chunked body, each parsed
 * with bounds and nothing allocated. No I/O: the server (server.c) feeds
 * what it decrypted and gets back either "need more bytes", a request, or
 * the status to refuse it with and why.
 *
 * Strict where leniency lets two parsers disagree about where a request
 * ends (RFC 9112 section 11.2, request smuggling): Content-Length and
 * Transfer-Encoding together, differing Content-Lengths, a
 * Transfer-Encoding other than exactly "chunked", obsolete line folding,
 * whitespace before a field's colon, bare CR and bare LF are refused.
 * Only what this server needs is extracted; other fields are checked for
 * syntax and skipped. */
#ifndef SG_HTTP_H
#define SG_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define SG_HTTP_MAX_FIELDS     100  /* header fields in one request: 431 above */
#define SG_HTTP_MAX_CHUNK_LINE 4096 /* chunk-size line with extensions, or a trailer line */
#define SG_HTTP_MAX_TRAILERS   100

/* Parser results besides an HTTP status (400, 417, 431, 501, 505). */
#define SG_HTTP_DONE    0    /* a whole head (or chunked body) was read */
#define SG_HTTP_PARTIAL (-1) /* every byte so far is valid; need more */

/* A piece of the caller's buffer; not NUL-terminated. */
struct sg_http_slice {
    const char *p;
    size_t n;
};

struct sg_http_head {
    struct sg_http_slice method; /* as sent, case-sensitive: "POST" */
    struct sg_http_slice path;   /* the origin-form target up to '?' or its end */
    unsigned minor;              /* HTTP/1.<minor>: 0 or 1 */
    bool has_length;
    size_t content_length;
    bool chunked; /* Transfer-Encoding: chunked */
    bool has_content_type;
    struct sg_http_slice content_type; /* the field value, outer whitespace trimmed */
    bool keep_alive;                   /* HTTP/1.1 without "Connection: close", or
                                          HTTP/1.0 with "Connection: keep-alive" */
    bool expect_continue;              /* "Expect: 100-continue" in HTTP/1.1 (1.0 ignores it) */
    size_t head_bytes;                 /* bytes of the head, its final empty line included */
};

/* Reads a request head from buf[0..len). Empty lines before the request
 * line are skipped (RFC 9112 section 2.2) and counted in head_bytes.
 *
 * Returns SG_HTTP_DONE with *h filled; SG_HTTP_PARTIAL when the head is
 * not complete yet and fits in max_head bytes so far; or the status to
 * answer before closing the connection, with *why a short static message
 * a person can act on:
 *   400  malformed request line or field; missing or repeated Host in
 *        HTTP/1.1; bad, repeated-and-different Content-Length; both
 *        Content-Length and Transfer-Encoding; Transfer-Encoding in 1.0;
 *        repeated Transfer-Encoding; repeated Content-Type
 *   417  an Expect other than 100-continue
 *   431  the head is longer than max_head bytes, or has more than
 *        SG_HTTP_MAX_FIELDS fields
 *   501  a Transfer-Encoding other than "chunked"
 *   505  an HTTP version other than 1.0 and 1.1
 * Slices in *h point into buf. *h is zeroed on entry and filled only on
 * DONE; *why is NULL unless a status is returned. A line is judged once
 * its CRLF is in buf, and no byte past max_head is looked at, so a result
 * other than PARTIAL stands however many bytes are appended. */
int sg_http_parse_head(const char *buf, size_t len, size_t max_head, struct sg_http_head *h,
                       const char **why);

/* A chunked body (RFC 9112 section 7.1) decoded as it arrives, in pieces
 * of any size. Chunk extensions and trailer fields are checked for syntax
 * and dropped. */
struct sg_http_chunked {
    int state;
    size_t chunk_left; /* data bytes left in the current chunk */
    size_t line_bytes; /* length of the size or trailer line so far */
    unsigned trailers;
    bool digits; /* the size line has had a hex digit */
};

void sg_http_chunked_init(struct sg_http_chunked *st);

/* Decodes in[0..n): writes body bytes to out[0..out_cap) and sets *used
 * to the input bytes consumed and *produced to the body bytes written.
 * Returns SG_HTTP_DONE when the last chunk and the trailer section have
 * been read (*used stops right after them: later bytes are the next
 * request), SG_HTTP_PARTIAL when all input was consumed or out is full
 * (*used < n: call again with room in out, or with more input), or 400
 * with *why for a malformed body (a size that is not hex or overflows
 * size_t, a size line or trailer line over SG_HTTP_MAX_CHUNK_LINE bytes,
 * more than SG_HTTP_MAX_TRAILERS trailers, data not followed by CRLF, a
 * control byte in an extension or trailer, bare CR or LF). *why is NULL
 * unless 400.
 * After DONE or 400 the state is spent: sg_http_chunked_init it for the
 * next body (a further call consumes nothing and returns the same). */
int sg_http_chunked_feed(struct sg_http_chunked *st, const char *in, size_t n, char *out,
                         size_t out_cap, size_t *used, size_t *produced, const char **why);

#endif
