/* report.c - see report.h. */
#include "report.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fmt.h"

void sg_report_init(struct sg_report *r)
{
    memset(r, 0, sizeof(*r));
}

void sg_report_release(struct sg_report *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->items[i].path); /* one block with message and brief */
    free(r->items);
    sg_report_init(r);
}

/* Writes " [id]" and a NUL at `at`; returns the byte after the NUL. */
static char *append_id(char *at, const char *id, size_t id_len)
{
    memcpy(at, " [", 2);
    memcpy(at + 2, id, id_len);
    memcpy(at + 2 + id_len, "]", 2);
    return at + id_len + 4;
}

void sg_report_add(struct sg_report *r, enum sg_rule rule, enum sg_action action, const char *path,
                   const char *brief, const char *fmt, ...)
{
    struct sg_violation v = {.rule = rule, .action = action};
    char text[SG_MESSAGE_MAX];
    const char *id = sg_rule_id(rule);
    size_t path_len, text_len, id_len, brief_len;
    char *block, *at;
    va_list ap;
    int n;

    if (action == SG_ACTION_ALLOW)
        return;
    if (r->n == SG_REPORT_MAX) {
        r->dropped++;
        if (action > r->dropped_strongest)
            r->dropped_strongest = action;
        return;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        struct sg_violation *items = realloc(r->items, cap * sizeof(*items));
        if (items == NULL) {
            r->nomem = true;
            return;
        }
        r->items = items;
        r->cap = cap;
    }
    va_start(ap, fmt);
    n = sg_fmt_vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    text_len = n < 0 ? 0 : (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1;
    path_len = strlen(path);
    id_len = strlen(id);
    /* The rule id stays whole in the brief; the description gives way. */
    brief_len = strlen(brief);
    if (brief_len > SG_WARNING_MAX - id_len - 3) {
        brief_len = SG_WARNING_MAX - id_len - 3;
        while (brief_len > 0 && ((unsigned char)brief[brief_len] & 0xC0) == 0x80)
            brief_len--;
    }
    /* One block: path, "path: text [id]", "brief [id]". */
    block = malloc(path_len + 1 + path_len + 2 + text_len + id_len + 4 + brief_len + id_len + 4);
    if (block == NULL) {
        r->nomem = true;
        return;
    }
    v.path = block;
    memcpy(block, path, path_len + 1);
    at = v.message = block + path_len + 1;
    memcpy(at, path, path_len);
    at += path_len;
    memcpy(at, ": ", 2);
    at += 2;
    memcpy(at, text, text_len);
    at += text_len;
    at = append_id(at, id, id_len);
    v.brief = at;
    memcpy(at, brief, brief_len);
    at = append_id(at + brief_len, id, id_len);
    (void)at;
    r->items[r->n++] = v;
}

enum sg_action sg_report_strongest(const struct sg_report *r)
{
    enum sg_action a = SG_ACTION_ALLOW;

    for (size_t i = 0; i < r->n; i++) {
        if (r->items[i].action > a)
            a = r->items[i].action;
    }
    if (r->dropped_strongest > a)
        a = r->dropped_strongest;
    if (r->nomem)
        a = SG_ACTION_DENY;
    return a;
}

bool sg_report_has(const struct sg_report *r, enum sg_rule rule)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->items[i].rule == rule)
            return true;
    }
    return false;
}

void sg_quote(char *out, size_t cap, const char *s, size_t max)
{
    size_t o = 0, i = 0;

    if (cap < 8) {
        if (cap > 0)
            out[0] = '\0';
        return;
    }
    out[o++] = '"';
    for (; s[i] != '\0' && i < max; i++) {
        unsigned char c = (unsigned char)s[i];
        if (o + 8 >= cap)
            break;
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c < 0x20 || c >= 0x7f) {
            /* By hand, as "\\x%02x" would write it: o + 8 < cap. */
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = "0123456789abcdef"[c >> 4];
            out[o++] = "0123456789abcdef"[c & 15];
        } else {
            out[o++] = (char)c;
        }
    }
    if (s[i] != '\0' && o + 5 < cap) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o++] = '"';
    out[o] = '\0';
}
