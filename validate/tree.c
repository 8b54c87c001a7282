/* tree.c - see tree.h. */
#include "tree.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "utf8.h"

#define SMALL_OBJECT 16 /* members whose keys are compared pairwise */

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
    struct sg_tree_walk *asked;
    size_t token;    /* strings and numbers met, in the scan's order */
    size_t next_nul; /* in asked->nul */
    size_t nul_at;   /* the token of asked->nul[next_nul], or SIZE_MAX */
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
        n = sg_utf8_length(in + len, 4);
        bad += n == 0;
    }
    if (bad == 0)
        return true;
    out = cJSON_malloc(len + 2 * bad + 1);
    if (out == NULL)
        return out_of_memory(w);
    for (size_t i = 0; i < len; i += n ? n : 1) {
        n = sg_utf8_length(in + i, 4);
        memcpy(out + o, n ? (const char *)in + i : SG_JSON_REPLACEMENT, n ? n : 3);
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
        if (w->asked->bad_utf8 && !repair_utf8(w, &m->string))
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
        const struct sg_tree_walk *a = w->asked;
        w->nul_at = ++w->next_nul < a->n_nul ? a->nul[w->next_nul] : SIZE_MAX;
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
        return !w->asked->bad_utf8 || repair_utf8(w, &item->valuestring);
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

int sg_tree_check(cJSON *root, struct sg_tree_walk *asked)
{
    struct frame stack[SG_JSON_MAX_DEPTH];
    struct walk w; /* not zeroed whole: its path is written only for a finding */

    w.opt = asked->opt;
    w.asked = asked;
    w.token = 0;
    w.next_nul = 0;
    w.nul_at = asked->n_nul > 0 ? asked->nul[0] : SIZE_MAX;
    w.stack = stack;
    w.depth = 0;
    w.scratch = NULL;
    w.scratch_size = 0;
    w.rc = 0;
    w.why = NULL;
    w.found = 0;
    walk_tree(&w, root);
    free(w.scratch);
    asked->why = w.why;
    asked->token = w.found;
    return w.rc;
}
