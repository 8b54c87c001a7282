/* http.c - see http.h. */
#include "http.h"

#include <stdint.h>
#include <string.h>

/* Byte classes, one table lookup per byte instead of a chain of range
 * tests: the head is read on every request. */
enum {
    CLASS_VALUE = 1, /* field-value byte: HTAB, SP, VCHAR, obs-text (RFC 9110 section 5.5) */
    CLASS_VCHAR = 2, /* visible ASCII 0x21-0x7E: what an origin-form target may hold */
    CLASS_TOKEN = 4, /* tchar (RFC 9110 section 5.6.2): methods and field names */
};

enum {
    F = CLASS_VALUE,
    V = CLASS_VALUE | CLASS_VCHAR,
    T = CLASS_VALUE | CLASS_VCHAR | CLASS_TOKEN,
};

/* clang-format off */
static const unsigned char byte_class[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, F, 0, 0, 0, 0, 0, 0, /* 00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 10 */
    F, T, V, T, T, T, T, T, V, V, T, T, V, T, T, V, /* 20  !"#$%&'()*+,-./ */
    T, T, T, T, T, T, T, T, T, T, V, V, V, V, V, V, /* 30 0123456789:;<=>? */
    V, T, T, T, T, T, T, T, T, T, T, T, T, T, T, T, /* 40 @ABCDEFGHIJKLMNO */
    T, T, T, T, T, T, T, T, T, T, T, V, V, V, T, T, /* 50 PQRSTUVWXYZ[\]^_ */
    T, T, T, T, T, T, T, T, T, T, T, T, T, T, T, T, /* 60 `abcdefghijklmno */
    T, T, T, T, T, T, T, T, T, T, T, V, T, V, T, 0, /* 70 pqrstuvwxyz{|}~ DEL */
    F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, /* 80 obs-text */
    F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F,
    F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F,
    F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F,
    F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F,
    F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F,
    F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F,
    F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F,
};
/* clang-format on */

static inline bool is_class(unsigned char c, unsigned char cls)
{
    return (byte_class[c] & cls) != 0;
}

static inline bool is_ows(unsigned char c)
{
    return c == ' ' || c == '\t';
}

static inline unsigned char ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* p[0..n) equals the lowercase literal lit, ignoring ASCII case. */
static bool equals_lower(const unsigned char *p, size_t n, const char *lit, size_t lit_len)
{
    if (n != lit_len)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (ascii_lower(p[i]) != (unsigned char)lit[i])
            return false;
    }
    return true;
}

#define EQUALS_LOWER(p, n, lit) equals_lower((p), (n), (lit), sizeof(lit) - 1)

/* The message for a byte a grammar does not allow: a CR there is always
 * one not followed by LF, since lines are cut at CRLF. */
static const char *bad_byte_why(unsigned char c, const char *otherwise)
{
    return c == '\r' ? "bare CR in request head" : otherwise;
}

/* ---- request head ---- */

enum field_id {
    FIELD_HOST,
    FIELD_CONTENT_LENGTH,
    FIELD_CONTENT_TYPE,
    FIELD_TRANSFER_ENCODING,
    FIELD_CONNECTION,
    FIELD_EXPECT,
};

/* The fields this server acts on; every other field is checked for syntax
 * and skipped. Names in lowercase. */
static const struct {
    const char *name;
    size_t len;
    enum field_id id;
} known_fields[] = {
    {"host", 4, FIELD_HOST},
    {"content-length", 14, FIELD_CONTENT_LENGTH},
    {"content-type", 12, FIELD_CONTENT_TYPE},
    {"transfer-encoding", 17, FIELD_TRANSFER_ENCODING},
    {"connection", 10, FIELD_CONNECTION},
    {"expect", 6, FIELD_EXPECT},
};

/* What the fields read so far said, beyond struct sg_http_head. */
struct head_state {
    unsigned fields;
    bool host;
    bool transfer_encoding;
    bool connection_close;
    bool connection_keep_alive;
};

/* method SP origin-form SP HTTP-version, CRLF already cut off. */
static int parse_request_line(const unsigned char *p, size_t n, struct sg_http_head *h,
                              const char **why)
{
    size_t i = 0, target, path_end;

    while (i < n && is_class(p[i], CLASS_TOKEN))
        i++;
    if (i == n) {
        *why = "bad request line";
        return 400;
    }
    if (i == 0 || p[i] != ' ') {
        *why = bad_byte_why(p[i], "bad method in request line");
        return 400;
    }
    h->method.p = (const char *)p;
    h->method.n = i;
    target = ++i;
    /* Origin-form only: this server has no use for absolute-form (a
     * proxy's), authority-form (CONNECT) or asterisk-form (OPTIONS *). */
    if (i == n || p[i] != '/') {
        *why = i == n ? "bad request line" : "request target is not an absolute path";
        return 400;
    }
    path_end = 0;
    for (; i < n && p[i] != ' '; i++) {
        if (!is_class(p[i], CLASS_VCHAR)) {
            *why = bad_byte_why(p[i], "bad byte in request target");
            return 400;
        }
        if (p[i] == '?' && path_end == 0)
            path_end = i;
    }
    if (i == n) {
        *why = "bad request line";
        return 400;
    }
    h->path.p = (const char *)p + target;
    h->path.n = (path_end != 0 ? path_end : i) - target;
    i++;
    /* HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112
     * section 2.3); a well-formed other version is 505, not 400. */
    if (n - i != 8 || memcmp(p + i, "HTTP/", 5) != 0 || p[i + 5] < '0' || p[i + 5] > '9' ||
        p[i + 6] != '.' || p[i + 7] < '0' || p[i + 7] > '9') {
        *why = "bad HTTP version in request line";
        return 400;
    }
    if (p[i + 5] != '1' || (p[i + 7] != '0' && p[i + 7] != '1')) {
        *why = "unsupported HTTP version";
        return 505;
    }
    h->minor = (unsigned)(p[i + 7] - '0');
    return 0;
}

/* Content-Length = 1*DIGIT; a list ("5, 5", what a proxy makes of two
 * fields) is one length when every member is the same (RFC 9110 section
 * 8.6). Anything else would let two parsers disagree on where the body
 * ends. */
static int parse_content_length(const unsigned char *p, size_t n, size_t *out, const char **why)
{
    size_t i = 0, value = 0;
    bool have = false;

    for (;;) {
        size_t v = 0, start = i;
        while (i < n && p[i] >= '0' && p[i] <= '9') {
            unsigned d = (unsigned)(p[i] - '0');
            if (v > (SIZE_MAX - d) / 10) {
                *why = "Content-Length is too large";
                return 400;
            }
            v = v * 10 + d;
            i++;
        }
        if (i == start) {
            *why = "bad Content-Length";
            return 400;
        }
        if (have && v != value) {
            *why = "differing Content-Length values";
            return 400;
        }
        value = v;
        have = true;
        while (i < n && is_ows(p[i]))
            i++;
        if (i == n)
            break;
        if (p[i] != ',') {
            *why = "bad Content-Length";
            return 400;
        }
        i++;
        while (i < n && is_ows(p[i]))
            i++;
    }
    *out = value;
    return 0;
}

/* Connection = #connection-option; empty list members are allowed (RFC
 * 9110 section 5.6.1), unknown options are ignored. */
static void parse_connection(const unsigned char *p, size_t n, struct head_state *st)
{
    size_t i = 0;

    while (i < n) {
        const unsigned char *comma = memchr(p + i, ',', n - i);
        size_t end = comma != NULL ? (size_t)(comma - p) : n, s = i, e = end;
        while (s < e && is_ows(p[s]))
            s++;
        while (e > s && is_ows(p[e - 1]))
            e--;
        if (EQUALS_LOWER(p + s, e - s, "close"))
            st->connection_close = true;
        else if (EQUALS_LOWER(p + s, e - s, "keep-alive"))
            st->connection_keep_alive = true;
        i = end + 1;
    }
}

/* What a field this server knows means for the request; v[0..vn) is the
 * value without outer whitespace. */
static int apply_field(enum field_id id, const unsigned char *v, size_t vn, struct sg_http_head *h,
                       struct head_state *st, const char **why)
{
    size_t length;
    int rc;

    switch (id) {
    case FIELD_HOST:
        /* Any value: we serve one site, but two Hosts are a request that
         * two parsers may route differently (RFC 9112 section 3.2). */
        if (st->host) {
            *why = "repeated Host header";
            return 400;
        }
        st->host = true;
        return 0;
    case FIELD_CONTENT_LENGTH:
        rc = parse_content_length(v, vn, &length, why);
        if (rc != 0)
            return rc;
        if (h->has_length && length != h->content_length) {
            *why = "differing Content-Length values";
            return 400;
        }
        h->has_length = true;
        h->content_length = length;
        return 0;
    case FIELD_CONTENT_TYPE:
        if (h->has_content_type) {
            *why = "repeated Content-Type header";
            return 400;
        }
        h->has_content_type = true;
        h->content_type.p = (const char *)v;
        h->content_type.n = vn;
        return 0;
    case FIELD_TRANSFER_ENCODING:
        /* RFC 9112 section 6.1: a 1.0 message with Transfer-Encoding has
         * faulty framing. */
        if (h->minor == 0) {
            *why = "Transfer-Encoding in an HTTP/1.0 request";
            return 400;
        }
        /* Two fields make the list "x, y": chunked applied twice is not
         * allowed (RFC 9112 section 7.1) and anything before it is a coding
         * we do not have; 400 rather than 501 because the framing itself
         * is what is wrong. */
        if (st->transfer_encoding) {
            *why = "repeated Transfer-Encoding header";
            return 400;
        }
        st->transfer_encoding = true;
        if (!EQUALS_LOWER(v, vn, "chunked")) {
            *why = "unsupported Transfer-Encoding";
            return 501;
        }
        h->chunked = true;
        return 0;
    case FIELD_CONNECTION:
        parse_connection(v, vn, st);
        return 0;
    case FIELD_EXPECT:
        if (!EQUALS_LOWER(v, vn, "100-continue")) {
            *why = "unsupported expectation";
            return 417;
        }
        /* RFC 9110 section 10.1.1: a 1.0 client cannot take a 100. */
        if (h->minor == 1)
            h->expect_continue = true;
        return 0;
    }
    return 0;
}

/* name ":" OWS field-value OWS, CRLF already cut off; p[0..n) with n > 0. */
static int parse_field(const unsigned char *p, size_t n, struct sg_http_head *h,
                       struct head_state *st, const char **why)
{
    size_t i = 0, name_len, vs, ve;

    if (is_ows(p[0])) {
        *why = "obsolete line folding in header";
        return 400;
    }
    while (i < n && is_class(p[i], CLASS_TOKEN))
        i++;
    name_len = i;
    if (i == n) {
        *why = "header field has no colon";
        return 400;
    }
    if (p[i] != ':') {
        if (is_ows(p[i]))
            *why = "header field has whitespace before its colon";
        else
            *why = bad_byte_why(p[i], "bad header field name");
        return 400;
    }
    if (name_len == 0) {
        *why = "empty header field name";
        return 400;
    }
    i++;
    while (i < n && is_ows(p[i]))
        i++;
    vs = i;
    for (; i < n; i++) {
        if (!is_class(p[i], CLASS_VALUE)) {
            *why = bad_byte_why(p[i], "control character in header field value");
            return 400;
        }
    }
    ve = n;
    while (ve > vs && is_ows(p[ve - 1]))
        ve--;
    if (++st->fields > SG_HTTP_MAX_FIELDS) {
        *why = "too many header fields";
        return 431;
    }
    for (size_t k = 0; k < sizeof(known_fields) / sizeof(known_fields[0]); k++) {
        if (equals_lower(p, name_len, known_fields[k].name, known_fields[k].len))
            return apply_field(known_fields[k].id, p + vs, ve - vs, h, st, why);
    }
    return 0;
}

/* Checks that need the whole head. */
static int finish_head(struct sg_http_head *h, const struct head_state *st, const char **why)
{
    if (h->chunked && h->has_length) {
        *why = "Content-Length and Transfer-Encoding both given";
        return 400;
    }
    if (h->minor == 1 && !st->host) {
        *why = "missing Host header";
        return 400;
    }
    if (h->minor == 1)
        h->keep_alive = !st->connection_close;
    else
        h->keep_alive = st->connection_keep_alive && !st->connection_close;
    return 0;
}

int sg_http_parse_head(const char *buf, size_t len, size_t max_head, struct sg_http_head *h,
                       const char **why)
{
    struct sg_http_head head = {0};
    struct head_state st = {0};
    const unsigned char *p = (const unsigned char *)buf;
    /* Only the first max_head bytes can hold a head we accept, so no line
     * is looked for beyond them: the result for a prefix that decided
     * anything is the result for every longer buffer. */
    size_t limit = len < max_head ? len : max_head;
    size_t pos = 0;
    bool have_request_line = false;
    const char *msg = NULL;
    int rc;

    *h = (struct sg_http_head){0};
    *why = NULL;
    for (;;) {
        const unsigned char *lf = pos < limit ? memchr(p + pos, '\n', limit - pos) : NULL;
        size_t lf_at, n;

        if (lf == NULL) {
            if (len > max_head) {
                *why = "request head too large";
                return 431;
            }
            return SG_HTTP_PARTIAL;
        }
        lf_at = (size_t)(lf - p);
        if (lf_at == pos || p[lf_at - 1] != '\r') {
            *why = "bare LF in request head";
            return 400;
        }
        n = lf_at - 1 - pos; /* the line without its CRLF */
        if (!have_request_line) {
            /* RFC 9112 section 2.2: empty lines before the request line are
             * skipped; they count against max_head like any byte. */
            if (n > 0) {
                rc = parse_request_line(p + pos, n, &head, &msg);
                if (rc != 0)
                    break;
                have_request_line = true;
            }
        } else if (n == 0) {
            rc = finish_head(&head, &st, &msg);
            if (rc != 0)
                break;
            head.head_bytes = lf_at + 1;
            *h = head;
            return SG_HTTP_DONE;
        } else {
            rc = parse_field(p + pos, n, &head, &st, &msg);
            if (rc != 0)
                break;
        }
        pos = lf_at + 1;
    }
    *why = msg;
    return rc;
}

/* ---- chunked body ---- */

enum chunk_state {
    CHUNK_SIZE,          /* hex digits of chunk-size */
    CHUNK_SIZE_BWS,      /* whitespace after the size: only ";" may follow */
    CHUNK_EXT,           /* chunk extensions, up to CR */
    CHUNK_SIZE_LF,       /* the LF ending the size line */
    CHUNK_DATA,          /* chunk_left data bytes */
    CHUNK_DATA_CR,       /* the CRLF after the data */
    CHUNK_DATA_LF,       /* */
    CHUNK_TRAILER_START, /* a trailer line's first byte, or the CR of the final CRLF */
    CHUNK_TRAILER_NAME,  /* trailer field name, up to ":" */
    CHUNK_TRAILER_VALUE, /* trailer field value, up to CR */
    CHUNK_TRAILER_LF,    /* the LF ending a trailer line */
    CHUNK_FINAL_LF,      /* the LF of the final CRLF */
    CHUNK_DONE,
    CHUNK_FAILED,
};

void sg_http_chunked_init(struct sg_http_chunked *st)
{
    *st = (struct sg_http_chunked){.state = CHUNK_SIZE};
}

static inline int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = ascii_lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Counts one more byte of the size or trailer line; false when the line
 * is over its bound. */
static inline bool line_byte(struct sg_http_chunked *st)
{
    return ++st->line_bytes <= SG_HTTP_MAX_CHUNK_LINE;
}

/* The message for a byte a line's grammar does not allow. */
static const char *chunk_byte_why(unsigned char c, const char *otherwise)
{
    return c == '\n' ? "bare LF in chunked body" : otherwise;
}

int sg_http_chunked_feed(struct sg_http_chunked *st, const char *in, size_t n, char *out,
                         size_t out_cap, size_t *used, size_t *produced, const char **why)
{
    const unsigned char *p = (const unsigned char *)in;
    const char *msg = NULL;
    size_t i = 0, o = 0;
    int rc = SG_HTTP_PARTIAL;

    *why = NULL;
    if (st->state == CHUNK_DONE) {
        rc = SG_HTTP_DONE;
        goto out;
    }
    if (st->state == CHUNK_FAILED) {
        msg = "chunked body already refused";
        goto fail;
    }
    /* One byte at a time except for data, which is copied in runs: the
     * state is all in *st, so any split of the input reads the same. */
    while (i < n) {
        unsigned char c = p[i];
        int d;

        switch ((enum chunk_state)st->state) {
        case CHUNK_DATA: {
            size_t take = st->chunk_left;
            if (take > n - i)
                take = n - i;
            if (take > out_cap - o)
                take = out_cap - o;
            if (take == 0)
                goto out; /* out is full; the caller comes back with room */
            memcpy(out + o, in + i, take);
            o += take;
            i += take;
            st->chunk_left -= take;
            if (st->chunk_left == 0)
                st->state = CHUNK_DATA_CR;
            continue;
        }
        case CHUNK_SIZE:
            d = hex_value(c);
            if (d >= 0) {
                if (st->chunk_left > SIZE_MAX >> 4) {
                    msg = "chunk size is too large";
                    goto fail;
                }
                st->chunk_left = st->chunk_left << 4 | (size_t)d;
                st->digits = true;
            } else if (st->digits && c == ';') {
                st->state = CHUNK_EXT;
            } else if (st->digits && is_ows(c)) {
                st->state = CHUNK_SIZE_BWS;
            } else if (st->digits && c == '\r') {
                st->state = CHUNK_SIZE_LF;
                break;
            } else {
                msg = chunk_byte_why(c, "chunk size is not hex");
                goto fail;
            }
            if (!line_byte(st)) {
                msg = "chunk size line too long";
                goto fail;
            }
            break;
        case CHUNK_SIZE_BWS:
            /* chunk-ext = *( BWS ";" ... ): whitespace after the size may
             * only lead to an extension, never end the line. */
            if (c == ';') {
                st->state = CHUNK_EXT;
            } else if (!is_ows(c)) {
                msg = chunk_byte_why(c, "bad chunk extension");
                goto fail;
            }
            if (!line_byte(st)) {
                msg = "chunk size line too long";
                goto fail;
            }
            break;
        case CHUNK_EXT:
            /* Extensions are dropped, so their grammar (tokens, quoted
             * strings) matters less than what no extension can hold:
             * control bytes, and a line end other than CRLF. */
            if (c == '\r') {
                st->state = CHUNK_SIZE_LF;
                break;
            }
            if (!is_class(c, CLASS_VALUE)) {
                msg = chunk_byte_why(c, "bad chunk extension");
                goto fail;
            }
            if (!line_byte(st)) {
                msg = "chunk size line too long";
                goto fail;
            }
            break;
        case CHUNK_SIZE_LF:
            if (c != '\n') {
                msg = "bare CR in chunk size line";
                goto fail;
            }
            st->line_bytes = 0;
            st->digits = false;
            st->state = st->chunk_left > 0 ? CHUNK_DATA : CHUNK_TRAILER_START;
            break;
        case CHUNK_DATA_CR:
            if (c != '\r') {
                msg = "chunk data not followed by CRLF";
                goto fail;
            }
            st->state = CHUNK_DATA_LF;
            break;
        case CHUNK_DATA_LF:
            if (c != '\n') {
                msg = "chunk data not followed by CRLF";
                goto fail;
            }
            st->state = CHUNK_SIZE;
            break;
        case CHUNK_TRAILER_START:
            if (c == '\r') {
                st->state = CHUNK_FINAL_LF;
                break;
            }
            if (!is_class(c, CLASS_TOKEN)) {
                if (is_ows(c))
                    msg = "obsolete line folding in trailer";
                else if (c == ':')
                    msg = "empty trailer field name";
                else
                    msg = chunk_byte_why(c, "bad trailer field name");
                goto fail;
            }
            st->state = CHUNK_TRAILER_NAME;
            if (!line_byte(st)) {
                msg = "trailer line too long";
                goto fail;
            }
            break;
        case CHUNK_TRAILER_NAME:
            if (c == ':') {
                st->state = CHUNK_TRAILER_VALUE;
            } else if (!is_class(c, CLASS_TOKEN)) {
                msg = is_ows(c) ? "trailer field has whitespace before its colon"
                                : chunk_byte_why(c, "bad trailer field name");
                goto fail;
            }
            if (!line_byte(st)) {
                msg = "trailer line too long";
                goto fail;
            }
            break;
        case CHUNK_TRAILER_VALUE:
            if (c == '\r') {
                st->state = CHUNK_TRAILER_LF;
                break;
            }
            if (!is_class(c, CLASS_VALUE)) {
                msg = chunk_byte_why(c, "control character in trailer field value");
                goto fail;
            }
            if (!line_byte(st)) {
                msg = "trailer line too long";
                goto fail;
            }
            break;
        case CHUNK_TRAILER_LF:
            if (c != '\n') {
                msg = "bare CR in trailer";
                goto fail;
            }
            if (++st->trailers > SG_HTTP_MAX_TRAILERS) {
                msg = "too many trailer fields";
                goto fail;
            }
            st->line_bytes = 0;
            st->state = CHUNK_TRAILER_START;
            break;
        case CHUNK_FINAL_LF:
            if (c != '\n') {
                msg = "bare CR after the trailer section";
                goto fail;
            }
            st->state = CHUNK_DONE;
            i++;
            rc = SG_HTTP_DONE;
            goto out;
        case CHUNK_DONE:
        case CHUNK_FAILED:
            break; /* handled before the loop */
        }
        i++;
    }
out:
    *used = i;
    *produced = o;
    return rc;
fail:
    st->state = CHUNK_FAILED;
    *why = msg;
    *used = i;
    *produced = o;
    return 400;
}
