/* patch.c - see patch.h. */
#include "patch.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "json.h"

void sg_patch_init(struct sg_patch *p)
{
    memset(p, 0, sizeof(*p));
}

void sg_patch_release(struct sg_patch *p)
{
    for (size_t i = 0; i < p->n; i++)
        cJSON_Delete(p->ops[i].value);
    free(p->ops);
    sg_patch_init(p);
}

void sg_patch_pointer_append(char *pointer, size_t cap, const char *token)
{
    size_t o = strlen(pointer);

    if (o + 1 >= cap)
        return;
    pointer[o++] = '/';
    for (const char *t = token; *t != '\0' && o + 2 < cap; t++) {
        if (*t == '~' || *t == '/') {
            pointer[o++] = '~';
            pointer[o++] = *t == '~' ? '0' : '1';
        } else {
            pointer[o++] = *t;
        }
    }
    pointer[o] = '\0';
}

int sg_patch_add(struct sg_patch *p, const char *pointer, cJSON *value)
{
    struct sg_patch_op *ops;

    if (value == NULL)
        return SG_ERR_NOMEM;
    ops = realloc(p->ops, (p->n + 1) * sizeof(*ops));
    if (ops == NULL) {
        cJSON_Delete(value);
        return SG_ERR_NOMEM;
    }
    p->ops = ops;
    sg_fmt_snprintf(ops[p->n].path, sizeof(ops[p->n].path), "%s", pointer);
    ops[p->n].value = value;
    p->n++;
    return 0;
}

void sg_patch_write(const struct sg_patch *p, struct sg_buf *b)
{
    sg_buf_addc(b, '[');
    for (size_t i = 0; i < p->n; i++) {
        char *value = cJSON_PrintUnformatted(p->ops[i].value);
        if (value == NULL) {
            b->failed = true;
            return;
        }
        sg_buf_adds(b, i ? ",{\"op\":\"add\",\"path\":" : "{\"op\":\"add\",\"path\":");
        sg_json_write_string(b, p->ops[i].path);
        sg_buf_adds(b, ",\"value\":");
        sg_buf_adds(b, value);
        sg_buf_addc(b, '}');
        cJSON_free(value);
    }
    sg_buf_addc(b, ']');
}

/* Reads the next reference token of a JSON Pointer into `out`, undoing
 * RFC 6901 escaping; returns the rest of the pointer. */
static const char *next_token(const char *pointer, char *out, size_t cap)
{
    size_t o = 0;
    const char *p = pointer + 1; /* skip '/' */

    while (*p != '\0' && *p != '/' && o + 1 < cap) {
        if (p[0] == '~' && (p[1] == '0' || p[1] == '1')) {
            out[o++] = p[1] == '0' ? '~' : '/';
            p += 2;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
    return p;
}

static bool parse_index(const char *token, size_t *out)
{
    size_t v = 0;

    if (token[0] == '\0' || (token[0] == '0' && token[1] != '\0'))
        return false;
    for (const char *t = token; *t; t++) {
        if (*t < '0' || *t > '9' || v > 100000000)
            return false;
        v = v * 10 + (size_t)(*t - '0');
    }
    *out = v;
    return true;
}

/* Inserts `item` before `at` in `array`. Debian's cJSON 1.7.15
 * cJSON_InsertItemInArray returns false without inserting, so this keeps
 * the list (and cJSON's rule that the first item's prev is the last item)
 * by hand. */
static void insert_before(cJSON *array, cJSON *at, cJSON *item)
{
    item->next = at;
    item->prev = at->prev;
    if (at == array->child) {
        array->child = item;
    } else {
        at->prev->next = item;
    }
    at->prev = item;
}

static int apply_add(cJSON *doc, const char *pointer, const cJSON *value, struct sg_error *err)
{
    char token[SG_POINTER_MAX];
    const char *rest = pointer;
    cJSON *parent = doc, *copy;
    size_t index;

    if (pointer[0] != '/')
        return sg_error_set(err, SG_ERR_INVALID, "patch path '%s' is not a JSON Pointer", pointer);
    for (;;) {
        rest = next_token(rest, token, sizeof(token));
        if (*rest == '\0')
            break;
        cJSON *child = NULL;
        if (cJSON_IsObject(parent))
            child = cJSON_GetObjectItemCaseSensitive(parent, token);
        else if (cJSON_IsArray(parent) && parse_index(token, &index) && index < INT32_MAX)
            child = cJSON_GetArrayItem(parent, (int)index);
        if (child == NULL)
            return sg_error_set(err, SG_ERR_INVALID, "patch path '%s': '%s' does not exist",
                                pointer, token);
        parent = child;
    }
    copy = cJSON_Duplicate(value, true);
    if (copy == NULL)
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    if (cJSON_IsObject(parent)) {
        if (cJSON_GetObjectItemCaseSensitive(parent, token) != NULL)
            cJSON_ReplaceItemInObjectCaseSensitive(parent, token, copy);
        else
            cJSON_AddItemToObject(parent, token, copy);
        return 0;
    }
    if (cJSON_IsArray(parent)) {
        int size = cJSON_GetArraySize(parent);
        if (strcmp(token, "-") == 0) {
            cJSON_AddItemToArray(parent, copy);
            return 0;
        }
        if (parse_index(token, &index) && index <= (size_t)size) {
            if (index == (size_t)size)
                cJSON_AddItemToArray(parent, copy);
            else
                insert_before(parent, cJSON_GetArrayItem(parent, (int)index), copy);
            return 0;
        }
    }
    cJSON_Delete(copy);
    return sg_error_set(err, SG_ERR_INVALID, "patch path '%s': cannot add '%s' there", pointer,
                        token);
}

int sg_patch_apply(cJSON *doc, const struct sg_patch *p, struct sg_error *err)
{
    for (size_t i = 0; i < p->n; i++) {
        int rc = apply_add(doc, p->ops[i].path, p->ops[i].value, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}
