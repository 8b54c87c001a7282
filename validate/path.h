/* path.h - field paths, the dotted form users know
 * (spec.containers[0].securityContext), as the steps a walk took to reach a
 * field. Walking only records steps; the text is spelled out when a report
 * needs it, which is rarely. */
#ifndef SG_PATH_H
#define SG_PATH_H

#include <stddef.h>

#define SG_PATH_MAX   512 /* bytes of a path's text */
#define SG_PATH_DEPTH 32  /* steps; the engine's own walks go at most 10 deep */

/* A field path as the steps taken to reach it. Walking a tree only records
 * steps; the text is spelled out by sg_path_str, when a report needs it,
 * which is rarely. Keys are borrowed: each must stay valid until its step
 * is popped or the path is initialised again. */
enum sg_path_kind {
    SG_PATH_KEY,     /* ".key", or "key" at the start */
    SG_PATH_INDEX,   /* "[i]" */
    SG_PATH_MAP_KEY, /* "[key]" */
};

struct sg_path {
    struct sg_path_step {
        const char *key;
        size_t index;
        enum sg_path_kind kind;
    } steps[SG_PATH_DEPTH];
    size_t n;              /* steps taken, even past SG_PATH_DEPTH */
    char buf[SG_PATH_MAX]; /* sg_path_str's text */
};

/* Starts a path at `start` (one step, as sg_path_key), or empty. */
void sg_path_init(struct sg_path *p, const char *start);

static inline size_t sg_path_step(struct sg_path *p, enum sg_path_kind kind, const char *key,
                                  size_t index)
{
    size_t before = p->n;

    /* The depth is bounded by the code that walks, not by the input. */
    if (p->n < SG_PATH_DEPTH)
        p->steps[p->n] = (struct sg_path_step){.key = key, .index = index, .kind = kind};
    p->n++;
    return before;
}

/* Appends a step; returns the mark to hand to sg_path_pop to undo it. */
static inline size_t sg_path_key(struct sg_path *p, const char *key)
{
    return sg_path_step(p, SG_PATH_KEY, key, 0);
}

static inline size_t sg_path_index(struct sg_path *p, size_t i)
{
    return sg_path_step(p, SG_PATH_INDEX, NULL, i);
}

static inline size_t sg_path_map_key(struct sg_path *p, const char *key)
{
    return sg_path_step(p, SG_PATH_MAP_KEY, key, 0);
}

static inline void sg_path_pop(struct sg_path *p, size_t mark)
{
    if (mark <= p->n)
        p->n = mark;
}

/* The path's text ("spec.containers[0].securityContext"), written into
 * p->buf: valid until the next sg_path_str. A text that would not fit in
 * SG_PATH_MAX is cut, with "..." where a piece was left out. */
const char *sg_path_str(struct sg_path *p);

#endif
