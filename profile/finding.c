/* finding.c - see finding.h. */
#include "finding.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sg_findings_init(struct sg_findings *f)
{
    memset(f, 0, sizeof(*f));
}

void sg_findings_release(struct sg_findings *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->items[i].path);
    free(f->items);
    sg_findings_init(f);
}

void sg_findings_add(struct sg_findings *f, enum sg_severity severity, bool fatal, const char *code,
                     const char *path, const char *fmt, ...)
{
    char msg[SG_FINDING_MSG_MAX];
    struct sg_finding *item;
    size_t plen, mlen;
    va_list ap;
    char *block;

    f->count[severity]++;
    f->fatal = f->fatal || fatal;
    if (f->n == SG_FINDINGS_MAX) {
        f->dropped++;
        return;
    }
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        struct sg_finding *grown = realloc(f->items, cap * sizeof(*grown));
        if (grown == NULL) {
            f->nomem = true;
            return;
        }
        f->items = grown;
        f->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    plen = strnlen(path, SG_FINDING_PATH_MAX - 1);
    mlen = strlen(msg);
    block = malloc(plen + 1 + mlen + 1);
    if (block == NULL) {
        f->nomem = true;
        return;
    }
    memcpy(block, path, plen);
    block[plen] = '\0';
    memcpy(block + plen + 1, msg, mlen + 1);
    item = &f->items[f->n++];
    *item = (struct sg_finding){.severity = severity,
                                .fatal = fatal,
                                .code = code,
                                .path = block,
                                .message = block + plen + 1};
}

bool sg_findings_has_error(const struct sg_findings *f)
{
    return f->count[SG_SEV_ERROR] > 0 || f->nomem;
}

const char *sg_severity_name(enum sg_severity s)
{
    static const char *const names[] = {
        [SG_SEV_NOTE] = "note", [SG_SEV_WARNING] = "warning", [SG_SEV_ERROR] = "error"};

    return (unsigned)s <= SG_SEV_ERROR ? names[s] : "?";
}
