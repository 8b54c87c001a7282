/* json.c - see json.h. */
#include "json.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "error.h"

const char *sg_json_type_name(const cJSON *item)
{
    if (item == NULL || cJSON_IsNull(item))
        return "null";
    if (cJSON_IsObject(item))
        return "an object";
    if (cJSON_IsArray(item))
        return "a list";
    if (cJSON_IsString(item))
        return "a string";
    if (cJSON_IsBool(item))
        return "a boolean";
    if (cJSON_IsNumber(item))
        return "a number";
    return "an unknown value";
}

/* The first byte in [p, end) that a JSON string literal must escape (a
 * quote, a backslash, a control character), or end. */
static inline const char *skip_literal(const char *p, const char *end)
{
#ifdef __SSE2__
    /* Responses carry long audit and denial messages: 16 bytes per step
     * while 16 remain. c < 0x20 unsigned is max(c, 0x1F) == 0x1F. */
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'),
                  below = _mm_set1_epi8(0x1F);
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i hit =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                         _mm_cmpeq_epi8(_mm_max_epu8(v, below), below));
        unsigned mask = (unsigned)_mm_movemask_epi8(hit);
        if (mask != 0)
            return p + __builtin_ctz(mask);
        p += 16;
    }
#endif
    for (; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == '"' || c == '\\')
            break;
    }
    return p;
}

void sg_json_write_string(struct sg_buf *b, const char *s)
{
    const char *end = s + strlen(s);

    sg_buf_addc(b, '"');
    for (const char *p = s;;) {
        const char *stop = skip_literal(p, end);
        unsigned char c;
        sg_buf_add(b, p, (size_t)(stop - p));
        if (stop == end)
            break;
        c = (unsigned char)*stop;
        switch (c) {
        case '"':
            sg_buf_adds(b, "\\\"");
            break;
        case '\\':
            sg_buf_adds(b, "\\\\");
            break;
        case '\n':
            sg_buf_adds(b, "\\n");
            break;
        case '\t':
            sg_buf_adds(b, "\\t");
            break;
        default:
            sg_buf_addf(b, "\\u%04x", c);
            break;
        }
        p = stop + 1;
    }
    sg_buf_addc(b, '"');
}

/* ---- a strict JSON reader that builds cJSON trees ---------------------- */

#define MAX_SKIP 64 /* keys in a skip list */

/* Blocks for sg_json_read's trees: the first holds a pod's tree whole. */
#define BLOCK_FIRST (8 * 1024)
#define BLOCK_MAX   (256 * 1024) /* blocks double up to this, then stay */

struct sg_json_block {
    struct sg_json_block *next;
    size_t size; /* bytes in data */
    max_align_t data[];
};

struct reader {
    const char *p;   /* next byte */
    const char *end; /* one past the last byte */
    const char *const *skip;
    bool unique_keys, exact_integers;
    size_t n_skip;
    size_t skip_len[MAX_SKIP];
    uint64_t skip_by_first[64]; /* bit i: skip[i] starts with this byte, mod 64 */
    uint64_t skip_by_len[32];   /* bit i: skip[i]'s length is this, mod 32 */
    int rc;
    const char *why; /* what is wrong at p, for messages */
    /* sg_json_read: nodes and strings are carved from blocks, never freed
     * one by one. NULL `doc`: each is its own cJSON_malloc. */
    struct sg_json_doc *doc;
    char *next, *limit; /* free space in doc->blocks */
};

/* Records the first problem; returns false for `return fail(...)`. */
static bool fail(struct reader *r, int rc, const char *why)
{
    if (r->rc == 0) {
        r->rc = rc;
        r->why = why;
    }
    return false;
}

/* The first byte at or after p that is not JSON whitespace, or end. */
static inline const char *skip_space(const char *p, const char *end)
{
    /* Called around every token, and the API server sends compact JSON:
     * one compare rules out every byte above ' '. */
    if (p < end && (unsigned char)*p > ' ')
        return p;
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

/* Opens a block with room for `size` bytes; NULL when out of memory. */
static char *add_block(struct reader *r, size_t size)
{
    const struct sg_json_block *last = r->doc->blocks;
    size_t want = last == NULL                 ? BLOCK_FIRST
                  : last->size < BLOCK_MAX / 2 ? last->size * 2
                                               : BLOCK_MAX;
    struct sg_json_block *b;

    if (want < size)
        want = size;
    b = cJSON_malloc(sizeof(*b) + want);
    if (b == NULL)
        return NULL;
    b->next = r->doc->blocks;
    b->size = want;
    r->doc->blocks = b;
    r->next = (char *)b->data;
    r->limit = r->next + want;
    return r->next;
}

/* `size` bytes for the tree, aligned for a cJSON node when `align`.
 * `blocks` is r->doc != NULL: read_tree keeps it in a register rather
 * than load r->doc for each of its hundreds of allocations. */
static inline void *take_in(struct reader *r, size_t size, bool align, bool blocks)
{
    size_t pad;
    char *at;

    if (!blocks)
        return cJSON_malloc(size);
    pad = align ? (0 - (uintptr_t)r->next) & (_Alignof(cJSON) - 1) : 0;
    /* As integers: before the first block both are NULL, and the room
     * between them, 0, is too little for anything. */
    if ((uintptr_t)r->limit - (uintptr_t)r->next < size + pad) {
        at = add_block(r, size); /* aligned for anything */
        if (at == NULL)
            return NULL;
    } else {
        at = r->next + pad;
        /* Room was found, so there is a block: saying so spares the
         * callers a NULL test on this path. */
        if (at == NULL)
            __builtin_unreachable();
    }
    r->next = at + size;
    return at;
}

static inline void *take(struct reader *r, size_t size, bool align)
{
    return take_in(r, size, align, r->doc != NULL);
}

/* Gives back the end of the last thing taken, from `at` on. */
static inline void untake(struct reader *r, char *at)
{
    if (r->doc != NULL)
        r->next = at;
}

/* Frees what a failed read built, unless the blocks hold it. */
static void discard(struct reader *r, cJSON *item)
{
    if (r->doc == NULL)
        cJSON_Delete(item);
}

static inline cJSON *new_item(struct reader *r, int type, bool blocks)
{
    cJSON *item = take_in(r, sizeof(*item), true, blocks);

    if (item == NULL) {
        fail(r, SG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    memset(item, 0, sizeof(*item));
    item->type = type;
    return item;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads four hex digits after "\u"; -1 when they are not hex. */
static long read_u16(const char *p)
{
    long v = 0;

    for (int i = 0; i < 4; i++) {
        int d = hex_digit(p[i]);
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

static size_t put_utf8(char *out, unsigned long cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Bytes that end a plain run inside a string: the quote, the backslash,
 * the control characters, and the bytes that start or continue a UTF-8
 * sequence. */
static const unsigned char string_special[256] = {
    [0] = 1,  [1] = 1,  [2] = 1,  [3] = 1,  [4] = 1,   [5] = 1,    [6] = 1,
    [7] = 1,  [8] = 1,  [9] = 1,  [10] = 1, [11] = 1,  [12] = 1,   [13] = 1,
    [14] = 1, [15] = 1, [16] = 1, [17] = 1, [18] = 1,  [19] = 1,   [20] = 1,
    [21] = 1, [22] = 1, [23] = 1, [24] = 1, [25] = 1,  [26] = 1,   [27] = 1,
    [28] = 1, [29] = 1, [30] = 1, [31] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xFF] = 1,
};

/* The length of the valid UTF-8 sequence at p (1 to 4), or 0 when the
 * byte there starts none (overlong forms, surrogates and code points past
 * U+10FFFF included), as Go's utf8.DecodeRune judges it. */
static size_t utf8_length(const char *s, const char *end)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned long cp;
    size_t n;

    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        n = 2;
        cp = p[0] & 0x1Fu;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        n = 3;
        cp = p[0] & 0x0Fu;
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        n = 4;
        cp = p[0] & 0x07u;
    } else {
        return 0;
    }
    if ((size_t)(end - s) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3Fu);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

/* The first byte in [p, end) that string_special flags, or end. */
static inline const char *skip_plain(const char *p, const char *end)
{
#ifdef __SSE2__
    /* Most bytes are plain and a string's body is scanned once: 16 bytes
     * per step while 16 remain (never past end). With bit 1 flipped, the
     * quote is 0x20 and the control characters stay below it; as signed
     * bytes, every byte >= 0x80 is below it too. So one compare (> 0x20)
     * finds the bytes that may be plain, and a second the backslash. */
    const __m128i flip = _mm_set1_epi8(0x02), backslash = _mm_set1_epi8('\\'),
                  space = _mm_set1_epi8(0x20);
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i plain = _mm_andnot_si128(_mm_cmpeq_epi8(v, backslash),
                                         _mm_cmpgt_epi8(_mm_xor_si128(v, flip), space));
        unsigned mask = (unsigned)_mm_movemask_epi8(plain) ^ 0xFFFFu;
        if (mask != 0)
            return p + __builtin_ctz(mask);
        p += 16;
    }
#endif
    /* The rest, or everything without SSE2: one table look-up a byte. */
    while (p < end && !string_special[(unsigned char)*p])
        p++;
    return p;
}

/* scan_string's way past the first byte that is not plain, at p. */
static bool scan_string_rest(struct reader *r, const char *p, const char **raw, size_t *raw_len,
                             bool *escaped)
{
    *escaped = false;
    while (p < r->end) {
        unsigned char c;
        p = skip_plain(p, r->end);
        if (p == r->end)
            break;
        c = (unsigned char)*p;
        if (c == '"') {
            *raw = r->p + 1;
            *raw_len = (size_t)(p - (r->p + 1));
            r->p = p + 1;
            return true;
        }
        if (c < 0x20 && c != 0) {
            r->p = p;
            return fail(r, SG_ERR_INVALID, "a control character inside a string");
        }
        if (c == 0) {
            *escaped = true; /* a raw NUL becomes U+FFFD when copied */
            p++;
            continue;
        }
        if (c >= 0x80) {
            size_t n = utf8_length(p, r->end);
            if (n == 0)
                *escaped = true; /* invalid UTF-8 becomes U+FFFD when copied */
            p += n ? n : 1;
            continue;
        }
        if (c == '\\') {
            *escaped = true;
            c = p + 1 < r->end ? (unsigned char)p[1] : 0;
            if (c == 'u' && p + 6 <= r->end && read_u16(p + 2) >= 0) {
                p += 6;
                continue;
            }
            if (c == 0 || c == 'u' || strchr("\"\\/bfnrt", c) == NULL) {
                r->p = p;
                return fail(r, SG_ERR_INVALID, "a bad escape inside a string");
            }
            p += 2;
            continue;
        }
        p++;
    }
    r->p = p;
    return fail(r, SG_ERR_INVALID, "a string without its closing quote");
}

/* Scans a string starting at the opening quote, *at. Sets *raw and
 * *raw_len to the bytes between the quotes and *escaped when there is a
 * backslash (or a NUL) to undo; leaves *at after the closing quote. On
 * failure r->p is where the string goes wrong. */
static inline bool scan_string(struct reader *r, const char **at, const char **raw, size_t *raw_len,
                               bool *escaped)
{
    const char *start = *at + 1, *p = skip_plain(start, r->end);

    /* Inlined for the common case, a plain ASCII string: the callers keep
     * their registers and the rest of the checks stay out of line. */
    if (p < r->end && *p == '"') {
        *raw = start;
        *raw_len = (size_t)(p - start);
        *escaped = false;
        *at = p + 1;
        return true;
    }
    /* Through copies: were the caller's variables passed to a function
     * that is not inlined, they would live in memory on the fast path too. */
    const char *rest_raw;
    size_t rest_len;
    bool rest_escaped;
    r->p = *at;
    if (!scan_string_rest(r, p, &rest_raw, &rest_len, &rest_escaped))
        return false;
    *raw = rest_raw;
    *raw_len = rest_len;
    *escaped = rest_escaped;
    *at = r->p;
    return true;
}

/* Copies a scanned string that has escapes (or NULs or invalid UTF-8). */
static char *copy_unescaped(struct reader *r, const char *raw, size_t len)
{
    /* Escapes only shrink, but a raw NUL or an invalid UTF-8 byte grows
     * into U+FFFD's three. */
    char *out = take(r, len * 3 + 1, false);
    size_t o = 0;

    if (out == NULL) {
        fail(r, SG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < len;) {
        char c = raw[i];
        if (c == '\0') {
            o += put_utf8(out + o, 0xFFFD);
            i++;
            continue;
        }
        if ((unsigned char)c >= 0x80) {
            size_t n = utf8_length(raw + i, raw + len);
            if (n == 0) {
                o += put_utf8(out + o, 0xFFFD);
                i++;
            } else {
                memcpy(out + o, raw + i, n);
                o += n;
                i += n;
            }
            continue;
        }
        if (c != '\\') {
            out[o++] = c;
            i++;
            continue;
        }
        c = raw[i + 1];
        i += 2;
        switch (c) {
        case 'b':
            out[o++] = '\b';
            break;
        case 'f':
            out[o++] = '\f';
            break;
        case 'n':
            out[o++] = '\n';
            break;
        case 'r':
            out[o++] = '\r';
            break;
        case 't':
            out[o++] = '\t';
            break;
        case 'u': {
            unsigned long cp = (unsigned long)read_u16(raw + i);
            i += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= len && raw[i] == '\\' &&
                raw[i + 1] == 'u') {
                long low = read_u16(raw + i + 2);
                if (low >= 0xDC00 && low <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + ((unsigned long)low - 0xDC00);
                    i += 6;
                }
            }
            /* A lone surrogate or a NUL: U+FFFD, as Go decodes the one
             * and as a C string cannot hold the other. */
            if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0)
                cp = 0xFFFD;
            o += put_utf8(out + o, cp);
            break;
        }
        default: /* '"', '\\', '/' */
            out[o++] = c;
            break;
        }
    }
    out[o] = '\0';
    untake(r, out + o + 1); /* what the worst case did not need */
    return out;
}

/* memcpy for the short strings most keys and values are: two loads that
 * may overlap, not a call (and never a byte outside either range). */
static inline void copy_bytes(char *out, const char *in, size_t len)
{
    if (len >= 8 && len <= 16) {
        uint64_t a, b;
        memcpy(&a, in, 8);
        memcpy(&b, in + len - 8, 8);
        memcpy(out, &a, 8);
        memcpy(out + len - 8, &b, 8);
    } else if (len >= 4 && len < 8) {
        uint32_t a, b;
        memcpy(&a, in, 4);
        memcpy(&b, in + len - 4, 4);
        memcpy(out, &a, 4);
        memcpy(out + len - 4, &b, 4);
    } else if (len < 4) {
        if (len > 0) {
            out[0] = in[0];
            out[len / 2] = in[len / 2];
            out[len - 1] = in[len - 1];
        }
#ifdef __SSE2__
    } else if (len <= 32) {
        __m128i a = _mm_loadu_si128((const __m128i *)(const void *)in);
        __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(in + len - 16));
        _mm_storeu_si128((__m128i *)(void *)out, a);
        _mm_storeu_si128((__m128i *)(void *)(out + len - 16), b);
#endif
    } else {
        memcpy(out, in, len);
    }
}

/* Copies a scanned string, undoing escapes, through cJSON's allocator or
 * into the doc's blocks. Inline, which gcc would not do on its own in
 * read_tree: most strings are plain, and the call cost more than the copy. */
static inline __attribute__((always_inline)) char *
copy_string(struct reader *r, const char *raw, size_t len, bool escaped, bool blocks)
{
    char *out;

    if (escaped)
        return copy_unescaped(r, raw, len);
    out = take_in(r, len + 1, false, blocks);
    if (out == NULL) {
        fail(r, SG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    copy_bytes(out, raw, len);
    out[len] = '\0';
    return out;
}

/* True when the digits [p, end) are an integer of at most 2^53. */
static bool integer_fits(const char *p, const char *end)
{
    unsigned long long v = 0;

    for (; p < end; p++) {
        v = v * 10 + (unsigned long long)(*p - '0');
        if (v > (1ULL << 53))
            return false;
    }
    return true;
}

/* Scans a number (RFC 8259 grammar) and sets *value. */
static bool read_number(struct reader *r, double *value)
{
    const char *p = r->p, *start = r->p;
    bool simple = true;
    double v = 0;
    int digits = 0;
    char small[64], *buf;
    size_t n;

    if (p < r->end && *p == '-')
        p++;
    if (p >= r->end || !(*p >= '0' && *p <= '9'))
        goto bad;
    if (*p == '0') {
        p++;
    } else {
        while (p < r->end && *p >= '0' && *p <= '9') {
            v = v * 10 + (*p++ - '0');
            digits++;
        }
    }
    if (p < r->end && *p == '.') {
        simple = false;
        p++;
        if (p >= r->end || !(*p >= '0' && *p <= '9'))
            goto bad;
        while (p < r->end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < r->end && (*p == 'e' || *p == 'E')) {
        simple = false;
        p++;
        if (p < r->end && (*p == '+' || *p == '-'))
            p++;
        if (p >= r->end || !(*p >= '0' && *p <= '9'))
            goto bad;
        while (p < r->end && *p >= '0' && *p <= '9')
            p++;
    }
    r->p = p;
    if (simple && digits <= 15) {
        /* Exact in a double: no need for strtod and its locale. */
        *value = *start == '-' ? -v : v;
        return true;
    }
    if (simple && r->exact_integers && !integer_fits(start + (*start == '-'), p)) {
        r->p = start;
        return fail(r, SG_ERR_INVALID,
                    "an integer beyond 2^53, which a double cannot hold exactly");
    }
    n = (size_t)(p - start);
    buf = n < sizeof(small) ? small : malloc(n + 1);
    if (buf == NULL)
        return fail(r, SG_ERR_NOMEM, "out of memory");
    memcpy(buf, start, n);
    buf[n] = '\0';
    errno = 0;
    *value = strtod(buf, NULL);
    if (buf != small)
        free(buf);
    /* Go refuses a number a float64 cannot hold (an underflow is 0). */
    if (errno == ERANGE && (*value > 1 || *value < -1)) {
        r->p = start;
        return fail(r, SG_ERR_INVALID, "a number beyond what a double holds (about 1.8e308)");
    }
    return true;
bad:
    r->p = p;
    return fail(r, SG_ERR_INVALID, "not a JSON value");
}

/* memcmp(a, b, len) == 0 for the short keys of a skip list, most of which
 * are compared because they match: loads that may overlap, not a call. */
static inline bool same_bytes(const char *a, const char *b, size_t len)
{
    uint64_t a8[2], b8[2];
    uint32_t a4[2], b4[2];

    if (len >= 8 && len <= 16) {
        memcpy(&a8[0], a, 8);
        memcpy(&a8[1], a + len - 8, 8);
        memcpy(&b8[0], b, 8);
        memcpy(&b8[1], b + len - 8, 8);
        return ((a8[0] ^ b8[0]) | (a8[1] ^ b8[1])) == 0;
    }
    if (len >= 4 && len < 8) {
        memcpy(&a4[0], a, 4);
        memcpy(&a4[1], a + len - 4, 4);
        memcpy(&b4[0], b, 4);
        memcpy(&b4[1], b + len - 4, 4);
        return ((a4[0] ^ b4[0]) | (a4[1] ^ b4[1])) == 0;
    }
    return memcmp(a, b, len) == 0;
}

static bool skipped_key(const struct reader *r, const char *raw, size_t len, bool escaped)
{
    uint64_t candidates;

    if (escaped || len == 0 || (unsigned char)raw[0] >= 128)
        return false;
    /* Every key is looked up, so only the entries sharing its first byte
     * (mod 64) and its length (mod 32) are compared: few keys have any. */
    candidates = r->skip_by_first[(unsigned char)raw[0] % 64] & r->skip_by_len[len % 32];
    while (candidates != 0) {
        size_t i = (size_t)__builtin_ctzll(candidates);
        if (r->skip_len[i] == len && same_bytes(r->skip[i], raw, len))
            return true;
        candidates &= candidates - 1;
    }
    return false;
}

/* Appends `item` to `parent`. cJSON's first child's prev is the last
 * child, so no pointer to the last is kept beside it. */
static inline void append(cJSON *parent, cJSON *item)
{
    cJSON *first = parent->child;

    if (first == NULL) {
        parent->child = item;
    } else {
        first->prev->next = item;
        item->prev = first->prev;
    }
    parent->child->prev = item;
}

static int by_key(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* True (and the reader failed) when a key stands twice in `obj`. */
static bool has_duplicate_key(struct reader *r, const cJSON *obj)
{
    const char *small[16], **keys = small;
    size_t n = 0;
    bool dup = false;

    for (const cJSON *it = obj->child; it != NULL; it = it->next)
        n++;
    if (n < 2)
        return false;
    if (n > sizeof(small) / sizeof(small[0]) && (keys = malloc(n * sizeof(*keys))) == NULL) {
        fail(r, SG_ERR_NOMEM, "out of memory");
        return true;
    }
    n = 0;
    for (const cJSON *it = obj->child; it != NULL; it = it->next)
        keys[n++] = it->string;
    qsort(keys, n, sizeof(*keys), by_key);
    for (size_t i = 1; i < n && !dup; i++)
        dup = strcmp(keys[i - 1], keys[i]) == 0;
    if (keys != small)
        free(keys);
    if (dup)
        fail(r, SG_ERR_INVALID, "a key given twice in one object (kubectl would keep the last)");
    return dup;
}

/* A container read_tree has open. */
struct open_container {
    cJSON *node; /* NULL: only checked (a skipped key's value, or in one) */
    bool object;
    bool escaped;    /* the key below needs copy_unescaped */
    const char *key; /* raw key of the member this container is the value of */
    size_t key_len;
};

/* Reads one value into *out. A loop over the bytes with a stack of open
 * containers rather than a call per value: a pod has hundreds of small
 * values, and the calls cost more than reading them. The order of the
 * checks and of the allocations is that of a recursive reader (a member's
 * key is copied after its value, a container is added to its parent when
 * it closes), so errors and their offsets do not depend on the loop.
 * `blocks`: r->doc != NULL. */
static bool read_tree(struct reader *r, cJSON **out, bool blocks)
{
    struct open_container stack[SG_JSON_MAX_DEPTH], *top = NULL;
    const char *p = r->p, *const end = r->end;
    const char *key = NULL, *why;
    size_t key_len = 0;
    bool escaped = false, keep = true; /* the value at p is built */
    cJSON *item;
    double number;
    int type;
    cJSON *node; /* a container being opened */
    bool object;
    const char *raw; /* a string value, as scan_string leaves it */
    size_t len;
    bool esc;

    /* The API server sends compact JSON: each place whitespace may stand
     * first looks for the byte it expects, and skips space only when that
     * is not there. */
value:
    if (p >= end) {
        why = "the text ends where a value should be";
        goto invalid;
    }
    /* Half the values are strings and most others objects: not through
     * the switch's ranges. */
    if (*p == '"')
        goto string;
    if (*p == '{')
        goto open;
    switch (*p) {
    case ' ':
    case '\t':
    case '\n':
    case '\r':
        p = skip_space(p, end);
        goto value;
    case '{':
    case '[':
    open:
        object = *p == '{';
        node = NULL;
        if (top == stack + SG_JSON_MAX_DEPTH - 1) {
            r->p = p;
            fail(r, SG_ERR_LIMIT, "nested too deep");
            goto fail;
        }
        if (keep && (node = new_item(r, object ? cJSON_Object : cJSON_Array, blocks)) == NULL) {
            r->p = p;
            goto fail;
        }
        top = top == NULL ? stack : top + 1;
        top->node = node;
        top->object = object;
        top->escaped = escaped;
        top->key = key;
        top->key_len = key_len;
        if (++p < end && (unsigned char)*p <= ' ')
            p = skip_space(p, end);
        if (p < end && *p == (object ? '}' : ']')) {
            p++;
            goto close;
        }
        if (object)
            goto member;
        goto value; /* keep stays: an array's items are built with it */
    case '"':
    string:
        if (!scan_string(r, &p, &raw, &len, &esc))
            goto fail;
        if (!keep)
            goto next;
        r->p = p;
        if ((item = new_item(r, cJSON_String, blocks)) == NULL)
            goto fail;
        if ((item->valuestring = copy_string(r, raw, len, esc, blocks)) == NULL) {
            if (!blocks)
                cJSON_free(item);
            goto fail;
        }
        goto add;
    /* A constant length each, so that memcmp is a compare. */
    case 't':
        if (end - p < 4 || memcmp(p, "true", 4) != 0) {
            why = "not a JSON value";
            goto invalid;
        }
        p += 4;
        type = cJSON_True;
        goto word;
    case 'f':
        if (end - p < 5 || memcmp(p, "false", 5) != 0) {
            why = "not a JSON value";
            goto invalid;
        }
        p += 5;
        type = cJSON_False;
        goto word;
    case 'n':
        if (end - p < 4 || memcmp(p, "null", 4) != 0) {
            why = "not a JSON value";
            goto invalid;
        }
        p += 4;
        type = cJSON_NULL;
        goto word;
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9': {
        /* The usual number, a short integer, without read_number's calls;
         * it takes the rest, from the first digit again. */
        const char *start = p;
        double v = 0;
        do
            v = v * 10 + (*p++ - '0');
        while (p < end && *p >= '0' && *p <= '9');
        if (p - start <= 15 && (p == end || (*p != '.' && *p != 'e' && *p != 'E'))) {
            number = v;
            break;
        }
        p = start;
        goto any_number;
    }
    default:
    any_number:
        r->p = p;
        if (!read_number(r, &number))
            goto fail;
        p = r->p;
        break;
    }
    /* A number. */
    if (!keep)
        goto next;
    r->p = p;
    if ((item = new_item(r, cJSON_Number, blocks)) == NULL)
        goto fail;
    item->valuedouble = number;
    item->valueint = number >= INT_MAX ? INT_MAX : number <= INT_MIN ? INT_MIN : (int)number;

add: /* item, the value under key, is whole; p is after it */
    if (top == NULL) {
        r->p = p;
        *out = item;
        return true;
    }
    if (top->object && (item->string = copy_string(r, key, key_len, escaped, blocks)) == NULL) {
        r->p = p;
        discard(r, item);
        goto fail;
    }
    append(top->node, item);

next: /* after a member of top */
    if (p < end && *p == ',') {
        p++;
        if (top->object)
            goto member;
        keep = top->node != NULL; /* a member of an item may have cleared it */
        goto value;
    }
    if (p < end && *p == (top->object ? '}' : ']')) {
        p++;
        goto close;
    }
    if (p < end && (unsigned char)*p <= ' ') {
        const char *after = skip_space(p, end);
        if (after != p) {
            p = after;
            goto next;
        }
    }
    why = top->object ? "a ',' or '}' is missing" : "a ',' or ']' is missing";
    goto invalid;

member: /* at a key of top, an object */
    if (p >= end || *p != '"') {
        p = skip_space(p, end);
        if (p >= end || *p != '"') {
            why = "an object key is not a string";
            goto invalid;
        }
    }
    if (!scan_string(r, &p, &key, &key_len, &escaped))
        goto fail;
    if (p >= end || *p != ':') {
        p = skip_space(p, end);
        if (p >= end || *p != ':') {
            why = "a ':' is missing after an object key";
            goto invalid;
        }
    }
    p++;
    keep = top->node != NULL && !skipped_key(r, key, key_len, escaped);
    goto value;

word: /* p is after true, false or null, of `type` */
    if (!keep)
        goto next;
    r->p = p;
    if ((item = new_item(r, type, blocks)) == NULL)
        goto fail;
    goto add;

close: /* p is after top's closing bracket */
    item = top->node;
    if (item != NULL && top->object && r->unique_keys) {
        r->p = p;
        if (has_duplicate_key(r, item))
            goto fail;
    }
    key = top->key;
    key_len = top->key_len;
    escaped = top->escaped;
    top = top == stack ? NULL : top - 1;
    if (item != NULL)
        goto add;
    goto next;

invalid:
    r->p = p;
    fail(r, SG_ERR_INVALID, why);
fail:
    for (; top != NULL; top = top == stack ? NULL : top - 1)
        discard(r, top->node);
    return false;
}

static int parse(const char *text, size_t len, const struct sg_json_options *opt,
                 struct sg_json_doc *doc, cJSON **out, size_t *end, const char **why)
{
    static const struct sg_json_options none = {0};
    struct reader r;
    const char *const *skip;
    cJSON *root = NULL;
    bool ok;

    if (opt == NULL)
        opt = &none;
    skip = opt->skip;
    /* Field by field: zeroing skip_len too would cost as much as reading
     * a few tokens, and only its first n_skip entries are read. */
    r.p = text;
    r.end = text + len;
    r.skip = skip;
    r.unique_keys = opt->unique_keys;
    r.exact_integers = opt->exact_integers;
    r.n_skip = 0;
    memset(r.skip_by_first, 0, sizeof(r.skip_by_first));
    memset(r.skip_by_len, 0, sizeof(r.skip_by_len));
    r.rc = 0;
    r.why = NULL;
    r.doc = doc;
    r.next = NULL;
    r.limit = NULL;
    *out = NULL;
    while (skip != NULL && skip[r.n_skip] != NULL && r.n_skip < MAX_SKIP) {
        unsigned char first = (unsigned char)skip[r.n_skip][0];
        r.skip_len[r.n_skip] = strlen(skip[r.n_skip]);
        if (first < 128)
            r.skip_by_first[first % 64] |= UINT64_C(1) << r.n_skip;
        r.skip_by_len[r.skip_len[r.n_skip] % 32] |= UINT64_C(1) << r.n_skip;
        r.n_skip++;
    }
    ok = read_tree(&r, &root, doc != NULL);
    *end = (size_t)(r.p - text);
    if (why != NULL)
        *why = ok ? NULL : r.why != NULL ? r.why : "not JSON";
    if (!ok)
        return r.rc != 0 ? r.rc : SG_ERR_INVALID;
    *out = root;
    return 0;
}

int sg_json_parse(const char *text, size_t len, const struct sg_json_options *opt, cJSON **out,
                  size_t *end, const char **why)
{
    return parse(text, len, opt, NULL, out, end, why);
}

int sg_json_read(const char *text, size_t len, const struct sg_json_options *opt,
                 struct sg_json_doc *doc, size_t *end, const char **why)
{
    int rc;

    doc->root = NULL;
    doc->blocks = NULL;
    rc = parse(text, len, opt, doc, &doc->root, end, why);
    if (rc != 0)
        sg_json_doc_release(doc);
    return rc;
}

void sg_json_doc_release(struct sg_json_doc *doc)
{
    struct sg_json_block *b = doc->blocks, *next;

    for (; b != NULL; b = next) {
        next = b->next;
        cJSON_free(b);
    }
    doc->root = NULL;
    doc->blocks = NULL;
}
