/* path.c - see path.h. */
#include "path.h"

#include <string.h>

void sg_path_init(struct sg_path *p, const char *start)
{
    p->n = 0;
    if (start != NULL && start[0] != '\0')
        sg_path_key(p, start);
}

/* Appends s to the text being spelled out in p->buf, of *len bytes. */
static void path_append(struct sg_path *p, size_t *len, const char *s)
{
    size_t n = strlen(s);

    if (*len + n + 4 >= sizeof(p->buf)) {
        /* Paths are built from our own keys and numbers plus annotation
         * keys, which Kubernetes bounds at 317 bytes; say it was cut. */
        if (*len + 4 < sizeof(p->buf)) {
            memcpy(p->buf + *len, "...", 4);
            *len += 3;
        }
        return;
    }
    memcpy(p->buf + *len, s, n + 1);
    *len += n;
}

const char *sg_path_str(struct sg_path *p)
{
    size_t len = 0, n = p->n < SG_PATH_DEPTH ? p->n : SG_PATH_DEPTH;

    /* Each piece is appended (or cut) as it would have been when taken:
     * a piece after a cut one may still fit. */
    p->buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const struct sg_path_step *s = &p->steps[i];
        char num[32], *d = num + sizeof(num) - 1;
        size_t v = s->index;
        switch (s->kind) {
        case SG_PATH_KEY:
            if (len > 0)
                path_append(p, &len, ".");
            path_append(p, &len, s->key);
            break;
        case SG_PATH_INDEX:
            *d = '\0';
            *--d = ']';
            do {
                *--d = (char)('0' + v % 10);
                v /= 10;
            } while (v > 0);
            *--d = '[';
            path_append(p, &len, d);
            break;
        case SG_PATH_MAP_KEY:
            path_append(p, &len, "[");
            path_append(p, &len, s->key);
            path_append(p, &len, "]");
            break;
        }
    }
    return p->buf;
}
