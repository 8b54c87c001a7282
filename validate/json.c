/* json.c - see json.h.
 *
 * A parse is three passes: a scan of the bytes before cJSON (depth, and the
 * grammar of strings and numbers, where cJSON is laxer than Go or would
 * read a value short), cJSON_ParseWithLengthOpts, and a walk of the tree
 * (keys given twice, numbers past a double, and the strings the scan saw
 * holding \u0000 or bytes that are not UTF-8). The scan counts strings and
 * numbers in document order, and so does the walk: that is how a problem
 * of a tree is tied to its bytes (for an error's offset, by a second scan
 * that stops at the n-th) and the scan's findings to the tree (for a
 * field path).
 *
 * cJSON_ParseWithLengthOpts also stores an error position in a global
 * (cJSON_GetErrorPtr), racing between threads; nothing here reads it: the
 * position comes from return_parse_end. */
#include "json.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "path.h"

#define SMALL_OBJECT 16 /* members whose keys are compared pairwise */

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD, UTF-8 */

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

/* The length of the valid UTF-8 sequence at s (1 to 4), or 0 when the byte
 * there starts none (overlong forms, surrogates and code points past
 * U+10FFFF included), as Go's utf8.DecodeRune judges it. Reads at most
 * `avail` bytes, and never past a byte that cannot continue a sequence
 * (a NUL), so a C string may pass 4. */
static size_t utf8_sequence(const unsigned char *s, size_t avail)
{
    unsigned long cp;
    size_t n;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        n = 2;
        cp = s[0] & 0x1Fu;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        n = 3;
        cp = s[0] & 0x0Fu;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        n = 4;
        cp = s[0] & 0x07u;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if (i >= avail || (s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3Fu);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
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
        n = utf8_sequence(stop, (size_t)(end - stop));
        if (n == 0)
            sg_buf_add(b, replacement, 3);
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
            n = utf8_sequence(p, (size_t)(end - p));
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

/* Scans one value at the start of text[0..len). Structure (commas,
 * colons, brackets that match, the words true, false and null) is left to
 * cJSON; the scan ends where the first value does, so a stream's next
 * document is scanned only when it is parsed. With s->stop, it stops at
 * the start of that string or number instead (s->at). */
static void scan_value(struct scan *s, const char *text, size_t len)
{
    const unsigned char *const start = (const unsigned char *)text, *const end = start + len;
    const unsigned char *p = start;
    size_t depth = 0, tokens = 0;
    const char *why;

    for (;;) {
        if (p == end) {
            why = depth > 0 || p > start ? "the text ends before the value does"
                                         : "the text ends where a value should be";
            goto invalid;
        }
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

/* ---- the walk, after cJSON --------------------------------------------- */

/* cJSON's types, tested without a call into the library for each node. */
#define IS(item, types) (((item)->type & (types)) != 0)

struct frame {
    cJSON *node;         /* an object or a list being walked */
    cJSON *child;        /* its member being walked */
    size_t index;        /* the member's place in node */
    const cJSON *repeat; /* the first member whose key an earlier one has */
};

struct member {
    const char *key;
    size_t index; /* its place in the object */
    cJSON *item;
    bool repeat; /* its key stands earlier in the object */
};

struct walk {
    const struct sg_json_options *opt;
    const struct scan *scan;
    size_t token;    /* strings and numbers met, in the scan's order */
    size_t next_nul; /* in scan->nul */
    size_t nul_at;   /* the token of scan->nul[next_nul], or SIZE_MAX */
    struct frame *stack;
    size_t depth;
    void *scratch; /* a long object's keys: a hash table, or members to sort */
    size_t scratch_size;
    /* Without findings, the first problem: */
    int rc;
    const char *why;
    size_t found;        /* the token it is at */
    struct sg_path path; /* for findings */
};

/* The field path of the member each frame is at, named from below
 * opt->within when the path goes below it. */
static const char *path_here(struct walk *w)
{
    const char *const *within = w->opt->within;
    size_t from = 0;

    if (within != NULL) {
        while (within[from] != NULL && from < w->depth && IS(w->stack[from].node, cJSON_Object) &&
               strcmp(w->stack[from].child->string, within[from]) == 0)
            from++;
        if (within[from] != NULL || from == w->depth)
            from = 0;
    }
    sg_path_init(&w->path, NULL);
    for (size_t i = from; i < w->depth; i++) {
        const struct frame *f = &w->stack[i];
        if (IS(f->node, cJSON_Object))
            sg_path_key(&w->path, f->child->string);
        else
            sg_path_index(&w->path, f->index);
    }
    return w->depth > 0 ? sg_path_str(&w->path) : "(the whole document)";
}

/* A problem at the member the walk is at, the `token`-th string or number:
 * a finding, or, without findings, the parse's error. False: stop. */
static bool problem(struct walk *w, size_t token, const char *why, const char *brief,
                    const char *text)
{
    if (w->opt->findings == NULL) {
        w->rc = SG_ERR_INVALID;
        w->why = why;
        w->found = token;
        return false;
    }
    sg_report_add(w->opt->findings, SG_RULE_UNREADABLE, SG_ACTION_DENY, path_here(w), brief, "%s",
                  text);
    return true;
}

static bool out_of_memory(struct walk *w)
{
    w->rc = SG_ERR_NOMEM;
    w->why = "out of memory";
    return false;
}

/* Replaces *s, which may hold bytes that are not UTF-8, with a copy where
 * each such byte is U+FFFD, as Go decodes it. */
static bool repair_utf8(struct walk *w, char **s)
{
    const unsigned char *in = (const unsigned char *)*s;
    size_t bad = 0, len = 0, o = 0, n;
    char *out;

    for (; in[len] != '\0'; len += n ? n : 1) {
        n = utf8_sequence(in + len, 4);
        bad += n == 0;
    }
    if (bad == 0)
        return true;
    out = cJSON_malloc(len + 2 * bad + 1);
    if (out == NULL)
        return out_of_memory(w);
    for (size_t i = 0; i < len; i += n ? n : 1) {
        n = utf8_sequence(in + i, 4);
        memcpy(out + o, n ? (const char *)in + i : replacement, n ? n : 3);
        o += n ? n : 3;
    }
    out[o] = '\0';
    cJSON_free(*s);
    *s = out;
    return true;
}

static const char dup_why[] = "a key given twice in one object (kubectl would keep the last)";
static const char dup_text[] = "the key is given twice; Kubernetes would keep only the last "
                               "one, so the object cannot be judged safely";

/* Member `m` of frame `f`, the walk's last, repeats an earlier key.
 * Without findings, the first is remembered, to fail when the walk reaches
 * its key: the token it is, and so its offset, is known only then. */
static void repeated(struct walk *w, struct frame *f, cJSON *m, size_t index)
{
    cJSON *child = f->child;

    if (w->opt->findings == NULL) {
        if (f->repeat == NULL)
            f->repeat = m;
        return;
    }
    f->child = m;
    f->index = index;
    problem(w, 0, dup_why, "a key is given twice", dup_text);
    f->child = child;
    f->index = 0;
}

static int by_key_then_place(const void *a, const void *b)
{
    const struct member *x = a, *y = b;
    int d = strcmp(x->key, y->key);

    return d != 0 ? d : (x->index > y->index) - (x->index < y->index);
}

static int by_place(const void *a, const void *b)
{
    const struct member *x = a, *y = b;

    return (x->index > y->index) - (x->index < y->index);
}

/* `size` bytes the walk keeps for long objects, or NULL. */
static void *scratch(struct walk *w, size_t size)
{
    if (size > w->scratch_size) {
        free(w->scratch);
        w->scratch = malloc(size);
        w->scratch_size = w->scratch == NULL ? 0 : size;
    }
    return w->scratch;
}

/* Eight bytes a step: managedFields keys are long and alike at the start
 * (k:{"name":"...). */
static uint64_t key_hash(const char *s)
{
    size_t len = strlen(s);
    uint64_t h = len * 0x9E3779B97F4A7C15u, w;

    for (; len >= 8; s += 8, len -= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * 0x9E3779B97F4A7C15u;
        h ^= h >> 32;
    }
    w = 0;
    memcpy(&w, s, len);
    h ^= w; /* then MurmurHash3's finaliser: every bit of h moves the low ones */
    h = (h ^ h >> 33) * 0xFF51AFD7ED558CCDu;
    h = (h ^ h >> 33) * 0xC4CEB9FE1A85EC53u;
    return h ^ h >> 33;
}

/* Keys given twice in a long object. Its members are listed in order, and
 * a hash table finds each key's second place in about n look-ups; should
 * the look-ups grow long (keys made to collide), a sort settles it in
 * n log n compares whatever the keys are. Repeats are reported in the
 * object's order, a key given three times once. A body has far fewer than
 * 2^31 members, so a slot holds a member's place + 1 and a flag. */
static bool repeats_long(struct walk *w, struct frame *f, size_t n)
{
    const uint32_t seen_twice = UINT32_C(1) << 31;
    size_t size = 64, budget = 4 * n + 64, index = 0, repeats = 0;
    struct member *all;
    uint32_t *table;

    while (size < 2 * n)
        size *= 2;
    all = scratch(w, n * sizeof(*all) + size * sizeof(*table));
    if (all == NULL)
        return out_of_memory(w);
    table = (uint32_t *)(void *)(all + n);
    memset(table, 0, size * sizeof(*table));
    for (cJSON *m = f->node->child; m != NULL; m = m->next, index++)
        all[index] = (struct member){.key = m->string, .index = index, .item = m, .repeat = false};
    for (size_t i = 0; i < n; i++) {
        size_t slot = (size_t)key_hash(all[i].key) & (size - 1);
        for (; table[slot] != 0; slot = (slot + 1) & (size - 1)) {
            if (budget-- == 0)
                goto sort;
            if (strcmp(all[(table[slot] & ~seen_twice) - 1].key, all[i].key) == 0)
                break;
        }
        if (table[slot] == 0) {
            table[slot] = (uint32_t)i + 1;
            continue;
        }
        all[i].repeat = (table[slot] & seen_twice) == 0;
        table[slot] |= seen_twice;
    }
    for (size_t i = 0; i < n; i++) {
        if (all[i].repeat)
            repeated(w, f, all[i].item, all[i].index);
    }
    return true;
sort:
    qsort(all, n, sizeof(*all), by_key_then_place);
    for (size_t i = 1; i < n; i++) {
        if (strcmp(all[i - 1].key, all[i].key) == 0 &&
            (i == 1 || strcmp(all[i - 2].key, all[i].key) != 0))
            all[i].repeat = true;
    }
    for (size_t i = 0; i < n; i++) {
        if (all[i].repeat)
            all[repeats++] = all[i];
    }
    qsort(all, repeats, sizeof(*all), by_place);
    for (size_t i = 0; i < repeats; i++)
        repeated(w, f, all[i].item, all[i].index);
    return true;
}

/* Entering an object: its keys are made UTF-8 first, since Go compares the
 * keys it decoded, then checked for one given twice. */
static bool enter_object(struct walk *w, struct frame *f)
{
    uint64_t seen = 0;
    size_t n = 0, index = 0;

    for (cJSON *m = f->node->child; m != NULL; m = m->next, n++) {
        if (w->scan->bad_utf8 && !repair_utf8(w, &m->string))
            return false;
    }
    if (!w->opt->unique_keys)
        return true;
    if (n > SMALL_OBJECT)
        return repeats_long(w, f, n);
    /* Most objects are small and hold no key twice: a bit for each key's
     * first two bytes, and keys compared only when their bit was taken. */
    for (cJSON *m = f->node->child; m != NULL; m = m->next, index++) {
        const unsigned char *k = (const unsigned char *)m->string;
        uint64_t bit = UINT64_C(1) << ((k[0] == '\0' ? 0 : k[0] * 7u + k[1]) & 63);
        size_t earlier = 0;
        if ((seen & bit) == 0) {
            seen |= bit;
            continue;
        }
        for (const cJSON *e = f->node->child; e != m; e = e->next)
            earlier += e->string[0] == m->string[0] && strcmp(e->string, m->string) == 0;
        if (earlier == 1)
            repeated(w, f, m, index);
    }
    return true;
}

/* The next of the scan's tokens, a key (in the walk's last frame), a
 * string or a number: what the scan found there, and what cJSON read. */
static inline bool visit_token(struct walk *w, cJSON *item, bool key)
{
    size_t token = w->token++;

    if (token == w->nul_at) {
        const struct scan *s = w->scan;
        w->nul_at = ++w->next_nul < s->n_nul ? s->nul[w->next_nul] : SIZE_MAX;
        if (!problem(w, token, "a \\u0000 (NUL) inside a string, which seccomp-guard does not read",
                     key ? "a key holds a NUL character" : "a string holds a NUL character",
                     key ? "a key here holds \\u0000 (a NUL character), which seccomp-guard does "
                           "not read: its text ends there, so the object cannot be judged as "
                           "Kubernetes reads it"
                         : "holds \\u0000 (a NUL character), which seccomp-guard does not read: "
                           "its text ends there, so it cannot be judged as Kubernetes reads it"))
            return false;
    }
    if (key)
        return item != w->stack[w->depth - 1].repeat ||
               problem(w, token, dup_why, "a key is given twice", dup_text);
    if (IS(item, cJSON_String))
        return !w->scan->bad_utf8 || repair_utf8(w, &item->valuestring);
    /* A number: 1e400 is infinity to strtod, an error to Go. */
    return isfinite(item->valuedouble) ||
           problem(w, token, "a number beyond what a double holds (about 1.8e308)",
                   "a number is too large",
                   "is a number beyond what a double holds (about 1.8e308), which Kubernetes "
                   "does not read either");
}

/* Walks the tree in document order, as the scan went. */
static void walk_tree(struct walk *w, cJSON *root)
{
    cJSON *item = root;
    struct frame *f;

    for (;;) {
        if (IS(item, cJSON_Object | cJSON_Array) && item->child != NULL) {
            /* The scan bounded the text's depth; this bounds the stack's
             * even if cJSON ever read the text otherwise. */
            if (w->depth == SG_JSON_MAX_DEPTH) {
                w->rc = SG_ERR_LIMIT;
                w->why = "nested too deep";
                return;
            }
            f = &w->stack[w->depth++];
            f->node = item;
            f->child = item->child;
            f->index = 0;
            f->repeat = NULL;
            item = item->child;
            if (IS(f->node, cJSON_Object) && (!enter_object(w, f) || !visit_token(w, item, true)))
                return;
            continue;
        }
        if (IS(item, cJSON_String | cJSON_Number) && !visit_token(w, item, false))
            return;
        /* The next member, here or in a container above. */
        while (w->depth > 0 && w->stack[w->depth - 1].child->next == NULL)
            w->depth--;
        if (w->depth == 0)
            return;
        f = &w->stack[w->depth - 1];
        item = f->child = f->child->next;
        f->index++;
        if (IS(f->node, cJSON_Object) && !visit_token(w, item, true))
            return;
    }
}

int sg_json_parse(const char *text, size_t len, const struct sg_json_options *opt, cJSON **out,
                  size_t *end, const char **why)
{
    static const struct sg_json_options none = {0};
    struct frame stack[SG_JSON_MAX_DEPTH];
    struct scan s;
    struct walk w; /* not zeroed whole: its path is written only for a finding */
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
    w.opt = opt;
    w.scan = &s;
    w.token = 0;
    w.next_nul = 0;
    w.nul_at = s.n_nul > 0 ? s.nul[0] : SIZE_MAX;
    w.stack = stack;
    w.depth = 0;
    w.scratch = NULL;
    w.scratch_size = 0;
    w.rc = 0;
    walk_tree(&w, root);
    free(w.scratch);
    if (w.rc != 0) {
        rc = w.rc;
        reason = w.why;
        if (rc == SG_ERR_INVALID) {
            /* Where the problem's string or number starts. */
            scan_init(&s, &none, w.found);
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
