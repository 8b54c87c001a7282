/* known.c - see known.h. */
#include "known.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    struct sg_known_profile pub;
    char *owned[3]; /* key, why, dangerous */
};

struct sg_known {
    char *folder;
    struct entry *items;
    size_t n, cap;
    bool sealed;
};

int sg_known_new(const char *folder, struct sg_known **out, struct sg_error *err)
{
    struct sg_known *k = calloc(1, sizeof(*k));

    *out = NULL;
    if (k == NULL || (k->folder = strdup(folder)) == NULL) {
        free(k);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    *out = k;
    return 0;
}

static int by_key(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->pub.key, ((const struct entry *)b)->pub.key);
}

static const struct entry *find(const struct sg_known *k, const char *key)
{
    struct entry probe = {.pub = {.key = key}};

    if (k->sealed)
        return k->n == 0 ? NULL : bsearch(&probe, k->items, k->n, sizeof(*k->items), by_key);
    for (size_t i = 0; i < k->n; i++) {
        if (strcmp(k->items[i].pub.key, key) == 0)
            return &k->items[i];
    }
    return NULL;
}

/* The kubelet joins its seccomp folder and the localhostProfile with Go's
 * filepath.Join, which cleans the path: "./profiles//audit.json/" is the
 * file "profiles/audit.json" is. (".." never gets here: the API server
 * refuses it.) False when the cleaned path does not fit. */
static bool clean(const char *in, char *out, size_t cap)
{
    size_t n = 0;

    while (*in != '\0') {
        size_t len = strcspn(in, "/");
        if (len > 0 && !(len == 1 && in[0] == '.')) {
            if (n + (n > 0) + len >= cap)
                return false;
            if (n > 0)
                out[n++] = '/';
            memcpy(out + n, in, len);
            n += len;
        }
        in += len;
        in += *in == '/';
    }
    out[n] = '\0';
    return true;
}

int sg_known_add(struct sg_known *k, const struct sg_known_profile *p, struct sg_error *err)
{
    char key[SG_KNOWN_KEY_MAX];
    struct entry *e;

    /* Stored as lookups clean theirs: a nodeFolder of "./profiles" must
     * not make every key one that no pod's path finds. */
    if (!clean(p->key, key, sizeof(key)) || key[0] == '\0')
        return sg_error_set(err, SG_ERR_INVALID, "%s: profile path '%.200s' is empty or too long",
                            k->folder, p->key);
    if (find(k, key) != NULL)
        return sg_error_set(err, SG_ERR_INVALID, "%s: profile '%s' is given twice", k->folder, key);
    if (k->n == SG_KNOWN_MAX)
        return sg_error_set(err, SG_ERR_LIMIT, "%s: more than %d profiles (at '%s')", k->folder,
                            SG_KNOWN_MAX, key);
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 16;
        struct entry *grown = realloc(k->items, cap * sizeof(*grown));
        if (grown == NULL)
            return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        k->items = grown;
        k->cap = cap;
    }
    e = &k->items[k->n];
    memset(e, 0, sizeof(*e));
    e->owned[0] = strdup(key);
    e->owned[1] = strdup(p->why ? p->why : "");
    e->owned[2] = strdup(p->dangerous ? p->dangerous : "");
    if (!e->owned[0] || !e->owned[1] || !e->owned[2]) {
        for (int i = 0; i < 3; i++)
            free(e->owned[i]);
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    }
    e->pub = (struct sg_known_profile){e->owned[0], p->kind, e->owned[1], e->owned[2]};
    k->n++;
    return 0;
}

void sg_known_seal(struct sg_known *k)
{
    if (k->n > 0)
        qsort(k->items, k->n, sizeof(*k->items), by_key);
    k->sealed = true;
}

const struct sg_known_profile *sg_known_find(const struct sg_known *k, const char *key)
{
    char path[SG_KNOWN_KEY_MAX];
    const struct entry *e;

    if (!clean(key, path, sizeof(path)))
        return NULL;
    e = find(k, path);
    return e ? &e->pub : NULL;
}

size_t sg_known_count(const struct sg_known *k)
{
    return k->n;
}

const struct sg_known_profile *sg_known_at(const struct sg_known *k, size_t i)
{
    return i < k->n ? &k->items[i].pub : NULL;
}

const char *sg_known_folder(const struct sg_known *k)
{
    return k->folder;
}

const char *sg_known_kind_name(enum sg_known_kind kind)
{
    switch (kind) {
    case SG_KNOWN_ENFORCING:
        return "enforcing";
    case SG_KNOWN_PERMISSIVE:
        return "permissive";
    case SG_KNOWN_UNCONFINED:
        return "unconfined";
    }
    return "?";
}

void sg_known_free(struct sg_known *k)
{
    if (k == NULL)
        return;
    for (size_t i = 0; i < k->n; i++) {
        for (int j = 0; j < 3; j++)
            free(k->items[i].owned[j]);
    }
    free(k->items);
    free(k->folder);
    free(k);
}
