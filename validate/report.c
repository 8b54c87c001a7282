/* report.c - see report.h. */
#include "report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sg_report_init(struct sg_report *r)
{
    memset(r, 0, sizeof(*r));
}

void sg_report_release(struct sg_report *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->items[i].path);
        free(r->items[i].message);
        free(r->items[i].brief);
    }
    free(r->items);
    sg_report_init(r);
}

/* Cuts a string at `max` bytes without splitting a UTF-8 sequence. */
static void cut_utf8(char *s, size_t max)
{
    size_t len = strlen(s);

    if (len <= max)
        return;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    s[max] = '\0';
}

void sg_report_add(struct sg_report *r, enum sg_rule rule, enum sg_action action, const char *path,
                   const char *brief, const char *fmt, ...)
{
    struct sg_violation v = {.rule = rule, .action = action};
    char text[SG_MESSAGE_MAX];
    char tail[64];
    size_t tail_len, brief_len;
    va_list ap;

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
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    snprintf(tail, sizeof(tail), " [%s]", sg_rule_id(rule));
    tail_len = strlen(tail);

    v.path = strdup(path);
    v.message = malloc(strlen(path) + strlen(text) + tail_len + 3);
    brief_len = strlen(brief);
    v.brief = malloc(brief_len + tail_len + 1);
    if (v.path == NULL || v.message == NULL || v.brief == NULL) {
        free(v.path);
        free(v.message);
        free(v.brief);
        r->nomem = true;
        return;
    }
    sprintf(v.message, "%s: %s%s", path, text, tail);
    /* The rule id stays whole; the description gives way. */
    memcpy(v.brief, brief, brief_len + 1);
    cut_utf8(v.brief, SG_WARNING_MAX - tail_len);
    strcat(v.brief, tail);
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
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
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
