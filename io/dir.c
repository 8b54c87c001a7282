/* dir.c - see dir.h. */
#include "dir.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct walk {
    const char *top;
    char real_top[PATH_MAX]; /* realpath of top, for symlinked folders */
    const char *suffix;
    struct sg_dir_list *out;
    size_t seen; /* names read */
    struct sg_error *err;
};

static bool has_suffix(const char *name, const char *suffix)
{
    size_t n = strlen(name), s = suffix ? strlen(suffix) : 0;

    return suffix == NULL || (n > s && strcmp(name + n - s, suffix) == 0);
}

int sg_dir_list_add(struct sg_dir_list *l, const char *rel, const struct sg_file_id *id,
                    struct sg_error *err)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        struct sg_dir_entry *grown = realloc(l->items, cap * sizeof(*grown));
        if (grown == NULL)
            return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
        l->items = grown;
        l->cap = cap;
    }
    l->items[l->n].rel = strdup(rel);
    if (l->items[l->n].rel == NULL)
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    l->items[l->n].id = id != NULL ? *id : (struct sg_file_id){0};
    l->n++;
    return 0;
}

static int add(struct walk *w, const char *rel, const struct stat *st)
{
    struct sg_file_id id = {st->st_dev, st->st_ino, st->st_size, st->st_mtim, true};

    if (w->out->n == SG_DIR_MAX_FILES)
        return sg_error_set(w->err, SG_ERR_LIMIT, "%s: more than %d files", w->top,
                            SG_DIR_MAX_FILES);
    return sg_dir_list_add(w->out, rel, &id, w->err);
}

static int walk_dir(struct walk *w, const char *rel, int depth);

/* Whether `prefix` is `path` or a folder above it. */
static bool is_within(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);

    return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* A symlinked folder is entered when it resolves strictly inside the top
 * folder (a ConfigMap's `team-a -> ..data/team-a`) and not to a folder
 * that holds the link itself (which would loop). */
static bool may_enter_link(const struct walk *w, const char *path, const char *parent)
{
    char target[PATH_MAX], here[PATH_MAX];

    if (realpath(path, target) == NULL || realpath(parent, here) == NULL)
        return false;
    return is_within(target, w->real_top) && strcmp(target, w->real_top) != 0 &&
           !is_within(here, target);
}

/* One name in a folder: a file to list, a folder to enter, or nothing. */
static int visit(struct walk *w, const char *rel, const char *name, int depth)
{
    char path[PATH_MAX], sub[PATH_MAX], parent[PATH_MAX];
    struct stat st;
    bool link;
    int n = snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", name);

    if (n < 0 || (size_t)n >= sizeof(sub) ||
        (size_t)snprintf(path, sizeof(path), "%s/%s", w->top, sub) >= sizeof(path))
        return sg_error_set(w->err, SG_ERR_LIMIT, "%s: a path under it is too long", w->top);
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 /* gone since it was listed: the next listing sees it */
                               : sg_error_set(w->err, SG_ERR_IO, "%s: %s", path, strerror(errno));
    link = S_ISLNK(st.st_mode);
    if (link && stat(path, &st) != 0)
        return 0; /* a dangling link is no file */
    if (S_ISDIR(st.st_mode)) {
        snprintf(parent, sizeof(parent), "%s%s%s", w->top, rel[0] ? "/" : "", rel);
        if (link && !may_enter_link(w, path, parent))
            return 0;
        if (depth == SG_DIR_MAX_DEPTH)
            return sg_error_set(w->err, SG_ERR_LIMIT, "%s: folders nest more than %d deep at %s",
                                w->top, SG_DIR_MAX_DEPTH, sub);
        return walk_dir(w, sub, depth + 1);
    }
    if (!S_ISREG(st.st_mode) || !has_suffix(name, w->suffix))
        return 0;
    return add(w, sub, &st);
}

static int walk_dir(struct walk *w, const char *rel, int depth)
{
    char path[PATH_MAX];
    struct dirent *e;
    DIR *d;
    int rc = 0;

    snprintf(path, sizeof(path), "%s%s%s", w->top, rel[0] ? "/" : "", rel);
    d = opendir(path);
    if (d == NULL)
        return sg_error_set(w->err, SG_ERR_IO, "%s: %s", path, strerror(errno));
    while (rc == 0) {
        errno = 0;
        e = readdir(d);
        if (e == NULL) {
            /* A folder read half is a shorter list, which reads as files removed. */
            if (errno != 0)
                rc = sg_error_set(w->err, SG_ERR_IO, "%s: %s", path, strerror(errno));
            break;
        }
        if (++w->seen > SG_DIR_MAX_ENTRIES) {
            rc = sg_error_set(w->err, SG_ERR_LIMIT, "%s: more than %d names", w->top,
                              SG_DIR_MAX_ENTRIES);
            break;
        }
        if (e->d_name[0] == '.')
            continue;
        rc = visit(w, rel, e->d_name, depth);
    }
    closedir(d);
    return rc;
}

static int by_rel(const void *a, const void *b)
{
    return strcmp(((const struct sg_dir_entry *)a)->rel, ((const struct sg_dir_entry *)b)->rel);
}

int sg_dir_list(const char *dir, const char *suffix, struct sg_dir_list *out, struct sg_error *err)
{
    struct walk w = {.top = dir, .suffix = suffix, .out = out, .err = err};
    int rc;

    *out = (struct sg_dir_list){0};
    if (realpath(dir, w.real_top) == NULL)
        return sg_error_set(err, SG_ERR_IO, "%s: %s", dir, strerror(errno));
    rc = walk_dir(&w, "", 0);
    if (rc == 0)
        sg_dir_list_sort(out);
    return rc;
}

void sg_dir_list_sort(struct sg_dir_list *l)
{
    size_t kept = 0;

    if (l->n > 1)
        qsort(l->items, l->n, sizeof(*l->items), by_rel);
    for (size_t i = 0; i < l->n; i++) {
        if (kept > 0 && strcmp(l->items[kept - 1].rel, l->items[i].rel) == 0)
            free(l->items[i].rel);
        else
            l->items[kept++] = l->items[i];
    }
    l->n = kept;
}

bool sg_dir_list_has(const struct sg_dir_list *l, const char *rel)
{
    struct sg_dir_entry key = {.rel = (char *)rel};

    return l->n > 0 && bsearch(&key, l->items, l->n, sizeof(*l->items), by_rel) != NULL;
}

bool sg_dir_list_equal(const struct sg_dir_list *a, const struct sg_dir_list *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->items[i].rel, b->items[i].rel) != 0 ||
            !sg_file_id_equal(&a->items[i].id, &b->items[i].id))
            return false;
    }
    return true;
}

void sg_dir_list_release(struct sg_dir_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i].rel);
    free(l->items);
    *l = (struct sg_dir_list){0};
}
