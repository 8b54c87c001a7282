/* json.c - see json.h.
 *
 * A parse is three passes: a scan of the bytes before cJSON (depth, and the
 * grammar of strings and numbers, where cJSON is laxer than Go or would
 * read a value short), cJSON_ParseWithLengthOpts, and a walk of the tree
 * (tree.c). The scan counts strings and numbers in document order, and so
 * does the walk: that is how a problem of the tree is tied to its bytes
 * (for an error's offset, by a second scan that stops at the n-th) and the
 * scan's findings to the tree (for a field path).
 *
 * cJSON_ParseWithLengthOpts also stores an error position in a global
 * (cJSON_GetErrorPtr), racing between threads; nothing here reads it: the
 * position comes from return_parse_end. */
#include "json.h"

#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "tree.h"
#include "utf8.h"

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

/* The first byte in [p, end) that is not printable ASCII other than the
 * quote and the backslash, or end: where a string's plain run stops, when
 * reading and when writing. */
static inline const unsigned char *plain_run(const unsigned char *p, const unsigned char *end)
{
#ifdef __SSE2__
    /* Most bytes are plain: 16 per step while 16 remain. As signed bytes,
     * the control characters and every byte >= 0x80 are below ' '. */
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'),
                  space = _mm_set1_epi8(' ');
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i hit =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                         _mm_cmplt_epi8(v, space));
        unsigned mask = (unsigned)_mm_movemask_epi8(hit);
        if (mask != 0)
            return p + __builtin_ctz(mask);
        p += 16;
    }
#endif
    while (p < end && *p >= ' ' && *p < 0x80 && *p != '"' && *p != '\\')
        p++;
    return p;
}

void sg_json_write_string(struct sg_buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);

    sg_buf_addc(b, '"');
    for (;;) {
        const unsigned char *stop = plain_run(p, end);
        size_t n;
        sg_buf_add(b, (const char *)p, (size_t)(stop - p));
        if (stop == end)
            break;
        p = stop + 1;
        switch (*stop) {
        case '"':
            sg_buf_adds(b, "\\\"");
            continue;
        case '\\':
            sg_buf_adds(b, "\\\\");
            continue;
        case '\n':
            sg_buf_adds(b, "\\n");
            continue;
        case '\t':
            sg_buf_adds(b, "\\t");
            continue;
        default:
            break;
        }
        if (*stop < 0x80) {
            sg_buf_addf(b, "\\u%04x", *stop);
            continue;
        }
        /* A message cut inside a character, or a value from anywhere:
         * the response stays UTF-8, as Go's encoder keeps it. */
        n = sg_utf8_length(stop, (size_t)(end - stop));
        if (n == 0)
            sg_buf_add(b, SG_JSON_REPLACEMENT, 3);
        else
            sg_buf_add(b, (const char *)stop, n);
        p = stop + (n ? n : 1);
    }
    sg_buf_addc(b, '"');
}

/* ---- the scan, before cJSON -------------------------------------------- */

struct scan {
    /* asked */
    bool exact_integers;
    bool nul_fails; /* a \u0000 fails the scan (no findings are wanted) */
    size_t stop;    /* stop at the start of this string or number (SIZE_MAX: never) */
    /* found */
    int rc;
    const char *why;
    size_t at;                     /* the error, or where the scan stopped */
    size_t tokens;                 /* strings (keys too) and numbers, in document order */
    size_t nul[SG_JSON_NUL_NAMED]; /* the tokens holding \u0000, the first ones */
    size_t n_nul;
    bool bad_utf8; /* some string holds a byte that is not UTF-8 */
};

/* Field by field: nul[] is read only up to n_nul. */
static void scan_init(struct scan *s, const struct sg_json_options *opt, size_t stop)
{
    s->exact_integers = opt->exact_integers;
    s->nul_fails = opt->findings == NULL;
    s->stop = stop;
    s->rc = 0;
    s->why = NULL;
    s->at = 0;
    s->tokens = 0;
    s->n_nul = 0;
    s->bad_utf8 = false;
}

/* Records an error at p; returns NULL for `return fail(...)`. */
static const unsigned char *fail(struct scan *s, const unsigned char *text, const unsigned char *p,
                                 int rc, const char *why)
{
    s->rc = rc;
    s->why = why;
    s->at = (size_t)(p - text);
    return NULL;
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Checks a \u escape at p (end - p >= 6); false when a digit is not hex
 * (cJSON would read the four as 0, a NUL). */
static bool read_hex4(const unsigned char *p, unsigned *v)
{
    *v = 0;
    for (int i = 2; i < 6; i++) {
        int d = hex_value(p[i]);
        if (d < 0)
            return false;
        *v = *v << 4 | (unsigned)d;
    }
    return true;
}

/* The escapes of one character after a backslash, but \u. */
static const bool simple_escape[256] = {
    ['"'] = true, ['\\'] = true, ['/'] = true, ['b'] = true,
    ['f'] = true, ['n'] = true,  ['r'] = true, ['t'] = true,
};

/* Scans the string whose opening quote is at p, the `token`-th string or
 * number; returns the byte after its closing quote, or NULL. */
static const unsigned char *string_end(struct scan *s, const unsigned char *text,
                                       const unsigned char *p, const unsigned char *end,
                                       size_t token)
{
    for (p++;;) {
        unsigned v;
        size_t n;
        p = plain_run(p, end);
        if (p == end)
            return fail(s, text, p, SG_ERR_INVALID, "a string without its closing quote");
        if (*p == '"')
            return p + 1;
        if (*p < ' ') /* a raw NUL too: cJSON would end the string there */
            return fail(s, text, p, SG_ERR_INVALID, "a control character inside a string");
        if (*p >= 0x80) {
            n = sg_utf8_length(p, (size_t)(end - p));
            s->bad_utf8 |= n == 0;
            p += n ? n : 1;
            continue;
        }
        /* A backslash. */
        if (end - p >= 2 && simple_escape[p[1]]) {
            p += 2;
            continue;
        }
        if (end - p < 6 || p[1] != 'u' || !read_hex4(p, &v))
            return fail(s, text, p, SG_ERR_INVALID, "a bad escape inside a string");
        if (v == 0) {
            if (s->nul_fails)
                return fail(s, text, p, SG_ERR_INVALID,
                            "a \\u0000 (NUL) inside a string, which seccomp-guard does not read");
            if (s->n_nul < SG_JSON_NUL_NAMED && (s->n_nul == 0 || s->nul[s->n_nul - 1] != token))
                s->nul[s->n_nul++] = token;
        }
        p += 6;
    }
}

static inline bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* True when the digits [p, end) are an integer of at most 2^53. */
static bool integer_fits(const unsigned char *p, const unsigned char *end)
{
    unsigned long long v = 0;

    for (; p < end; p++) {
        v = v * 10 + (unsigned long long)(*p - '0');
        if (v > (1ULL << 53))
            return false;
    }
    return true;
}

/* Checks the number at p against RFC 8259's grammar, which Go follows and
 * cJSON's strtod does not (it takes 01, 1. and -.5); returns the byte
 * after it, or NULL. */
static const unsigned char *number_end(struct scan *s, const unsigned char *text,
                                       const unsigned char *p, const unsigned char *end)
{
    const unsigned char *start = p, *digits, *digits_end;
    bool integer = true;

    p += *p == '-';
    digits = p;
    if (p == end || !is_digit(*p))
        goto bad;
    if (*p == '0')
        p++;
    else
        while (p < end && is_digit(*p))
            p++;
    digits_end = p;
    if (p < end && *p == '.') {
        integer = false;
        if (++p == end || !is_digit(*p))
            goto bad;
        while (p < end && is_digit(*p))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        integer = false;
        p++;
        p += p < end && (*p == '+' || *p == '-');
        if (p == end || !is_digit(*p))
            goto bad;
        while (p < end && is_digit(*p))
            p++;
    }
    /* 012, 1.2.3, 1e5e5: more of a number where one must end. */
    if (p < end && (is_digit(*p) || *p == '.' || *p == 'e' || *p == 'E' || *p == '+' || *p == '-'))
        goto bad;
    if (p - start > SG_JSON_NUMBER_MAX)
        return fail(s, text, start, SG_ERR_INVALID,
                    "a number of more than 63 characters, which cJSON does not read whole");
    if (integer && s->exact_integers && !integer_fits(digits, digits_end))
        return fail(s, text, start, SG_ERR_INVALID,
                    "an integer beyond 2^53, which a double cannot hold exactly");
    return p;
bad:
    return fail(s, text, start, SG_ERR_INVALID,
                "a number JSON does not allow (a leading zero, or a '.' or an exponent "
                "without digits)");
}

/* The bytes a turn of the scan starts on that are between values; any
 * other opens a value or a key (or is refused). A table, not a chain of
 * compares: the scan looks at every token. */
static const bool between_values[256] = {
    [' '] = true, ['\n'] = true, ['\r'] = true, ['\t'] = true,
    [','] = true, [':'] = true,  ['}'] = true,  [']'] = true,
};

/* Scans one value at the start of text[0..len). Structure (commas,
 * colons, brackets that match, the words true, false and null) is left to
 * cJSON; the scan ends where the first value does, so a stream's next
 * document is scanned only when it is parsed. With s->stop, it stops at
 * the start of that string or number instead (s->at). */
static void scan_value(struct scan *s, const char *text, size_t len)
{
    const unsigned char *const start = (const unsigned char *)text, *const end = start + len;
    const unsigned char *p = start;
    size_t depth = 0, tokens = 0, nodes = 0;
    const char *why;

    for (;;) {
        if (p == end) {
            why = depth > 0 || p > start ? "the text ends before the value does"
                                         : "the text ends where a value should be";
            goto invalid;
        }
        if (!between_values[*p] && ++nodes > SG_JSON_MAX_NODES)
            goto too_many;
        switch (*p) {
        case ' ':
        case '\n':
        case '\r':
        case '\t':
            p++;
            continue;
        case '"':
            if (tokens == s->stop)
                goto stop;
            p = string_end(s, start, p, end, tokens++);
            if (p == NULL)
                goto out;
            /* A key's colon or a value's comma, without a turn of the loop. */
            if (p < end && (*p == ':' || *p == ','))
                p++;
            break;
        case '{':
        case '[':
            if (depth == SG_JSON_MAX_DEPTH) {
                fail(s, start, p, SG_ERR_LIMIT, "nested too deep");
                goto out;
            }
            depth++;
            p++;
            continue;
        case '}':
        case ']':
            if (depth == 0) {
                why = "not a JSON value";
                goto invalid;
            }
            depth--;
            p++;
            if (p < end && *p == ',')
                p++;
            break;
        case ',':
        case ':':
            p++;
            continue;
        case 't':
        case 'f':
        case 'n':
            do
                p++;
            while (p < end && *p >= 'a' && *p <= 'z');
            break;
        default:
            if (*p != '-' && !is_digit(*p)) {
                why = *p < ' ' ? "a control character outside a string" : "not a JSON value";
                goto invalid;
            }
            if (tokens == s->stop)
                goto stop;
            tokens++;
            p = number_end(s, start, p, end);
            if (p == NULL)
                goto out;
            break;
        }
        if (depth == 0)
            goto out;
    }
stop:
    s->at = (size_t)(p - start);
    goto out;
too_many:
    fail(s, start, p, SG_ERR_LIMIT, "too many values and keys");
    goto out;
invalid:
    fail(s, start, p, SG_ERR_INVALID, why);
out:
    s->tokens = tokens;
}

/* What cJSON refused at `at`, once the scan has passed the text: the
 * structure, or a surrogate without its pair. */
static const char *cjson_refusal(const char *text, size_t len, size_t at)
{
    if (at + 1 < len && text[at] == '\\' && text[at + 1] == 'u')
        return "a lone UTF-16 surrogate (\\ud800 to \\udfff without its pair), which cJSON does "
               "not read";
    if (at < len && (text[at] == ']' || text[at] == '}'))
        return "a bracket that closes nothing open here, or a ',' before it";
    if (at < len && text[at] >= 'a' && text[at] <= 'z')
        return "a word other than true, false or null, or a key that is not a string";
    return "a ',' or ':' or a bracket is missing or out of place";
}

int sg_json_parse(const char *text, size_t len, const struct sg_json_options *opt, cJSON **out,
                  size_t *end, const char **why)
{
    static const struct sg_json_options none = {0};
    struct scan s;
    struct sg_tree_walk walk;
    const char *parse_end = NULL, *reason = NULL;
    cJSON *root = NULL;
    int rc = 0;

    *out = NULL;
    *end = 0;
    if (opt == NULL)
        opt = &none;
    scan_init(&s, opt, SIZE_MAX);
    scan_value(&s, text, len);
    if (s.rc != 0) {
        rc = s.rc;
        reason = s.why;
        *end = s.at;
        goto out;
    }
    root = cJSON_ParseWithLengthOpts(text, len, &parse_end, false);
    if (root == NULL) {
        rc = SG_ERR_INVALID;
        *end = parse_end != NULL ? (size_t)(parse_end - text) : 0;
        reason = cjson_refusal(text, len, *end);
        goto out;
    }
    walk =
        (struct sg_tree_walk){.opt = opt, .nul = s.nul, .n_nul = s.n_nul, .bad_utf8 = s.bad_utf8};
    rc = sg_tree_check(root, &walk);
    if (rc != 0) {
        reason = walk.why;
        if (rc == SG_ERR_INVALID) {
            /* Where the problem's string or number starts. */
            scan_init(&s, &none, walk.token);
            scan_value(&s, text, len);
            *end = s.at;
        }
        goto out;
    }
    *end = (size_t)(parse_end - text);
    *out = root;
    root = NULL;
out:
    cJSON_Delete(root);
    if (why != NULL)
        *why = reason;
    return rc;
}
