/* json.c - see json.h. */
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

void sg_path_init(struct sg_path *p, const char *start)
{
    p->len = 0;
    p->buf[0] = '\0';
    if (start != NULL && start[0] != '\0')
        sg_path_key(p, start);
}

static void path_append(struct sg_path *p, const char *s)
{
    size_t n = strlen(s);

    if (p->len + n + 4 >= sizeof(p->buf)) {
        /* Paths are built from our own keys and numbers plus annotation
         * keys, which Kubernetes bounds at 317 bytes; say it was cut. */
        if (p->len + 4 < sizeof(p->buf)) {
            memcpy(p->buf + p->len, "...", 4);
            p->len += 3;
        }
        return;
    }
    memcpy(p->buf + p->len, s, n + 1);
    p->len += n;
}

size_t sg_path_key(struct sg_path *p, const char *key)
{
    size_t before = p->len;

    if (p->len > 0)
        path_append(p, ".");
    path_append(p, key);
    return before;
}

size_t sg_path_index(struct sg_path *p, size_t i)
{
    char num[32];
    size_t before = p->len;

    snprintf(num, sizeof(num), "[%zu]", i);
    path_append(p, num);
    return before;
}

size_t sg_path_map_key(struct sg_path *p, const char *key)
{
    size_t before = p->len;

    path_append(p, "[");
    path_append(p, key);
    path_append(p, "]");
    return before;
}

void sg_path_pop(struct sg_path *p, size_t len)
{
    if (len <= p->len) {
        p->len = len;
        p->buf[len] = '\0';
    }
}

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

static const char *const type_names[] = {
    [SG_JSON_OBJECT] = "an object",
    [SG_JSON_ARRAY] = "a list",
    [SG_JSON_STRING] = "a string",
    [SG_JSON_BOOL] = "a boolean",
};

static bool has_type(const cJSON *item, enum sg_json_type type)
{
    switch (type) {
    case SG_JSON_OBJECT:
        return cJSON_IsObject(item);
    case SG_JSON_ARRAY:
        return cJSON_IsArray(item);
    case SG_JSON_STRING:
        return cJSON_IsString(item) && item->valuestring != NULL;
    case SG_JSON_BOOL:
        return cJSON_IsBool(item);
    }
    return false;
}

enum sg_json_got sg_json_check(const cJSON *item, enum sg_json_type type, struct sg_path *path,
                               struct sg_report *report)
{
    if (item != NULL && has_type(item, type))
        return SG_GOT_OK;
    sg_report_add(report, SG_RULE_UNREADABLE, SG_ACTION_DENY, path->buf,
                  "a field has the wrong type", "must be %s, found %s", type_names[type],
                  sg_json_type_name(item));
    return SG_GOT_BAD;
}

enum sg_json_got sg_json_member(const cJSON *obj, const char *key, enum sg_json_type type,
                                struct sg_path *path, struct sg_report *report, const cJSON **out)
{
    const cJSON *found = NULL;
    enum sg_json_got got = SG_GOT_ABSENT;
    size_t mark;

    *out = NULL;
    for (const cJSON *it = obj->child; it != NULL; it = it->next) {
        if (it->string == NULL || strcmp(it->string, key) != 0)
            continue;
        if (found != NULL) {
            mark = sg_path_key(path, key);
            sg_report_add(report, SG_RULE_UNREADABLE, SG_ACTION_DENY, path->buf,
                          "a key is given twice",
                          "the key is given twice; Kubernetes would keep only the last one, "
                          "so the object cannot be judged safely");
            sg_path_pop(path, mark);
            return SG_GOT_BAD;
        }
        found = it;
    }
    if (found == NULL || cJSON_IsNull(found))
        return SG_GOT_ABSENT;
    mark = sg_path_key(path, key);
    if (sg_json_check(found, type, path, report) == SG_GOT_OK) {
        *out = found;
        got = SG_GOT_OK;
    } else {
        got = SG_GOT_BAD;
    }
    sg_path_pop(path, mark);
    return got;
}

void sg_json_write_string(struct sg_buf *b, const char *s)
{
    const char *run = s;

    sg_buf_addc(b, '"');
    for (const char *p = s; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        sg_buf_add(b, run, (size_t)(p - run));
        switch (c) {
        case '"':
            sg_buf_adds(b, "\\\"");
            break;
        case '\\':
            sg_buf_adds(b, "\\\\");
            break;
        case '\n':
            sg_buf_adds(b, "\\n");
            break;
        case '\t':
            sg_buf_adds(b, "\\t");
            break;
        default:
            sg_buf_addf(b, "\\u%04x", c);
            break;
        }
        run = p + 1;
    }
    sg_buf_adds(b, run);
    sg_buf_addc(b, '"');
}

int sg_json_defuse_nul(const char *text, size_t len, char **copy)
{
    static const char nul[] = "\\u0000";
    const char *hit = memmem(text, len, nul, 6);
    char *out;

    *copy = NULL;
    if (hit == NULL)
        return 0;
    out = malloc(len + 1);
    if (out == NULL)
        return SG_ERR_NOMEM;
    memcpy(out, text, len);
    out[len] = '\0';
    for (char *p = out + (hit - text); p != NULL;
         p = memmem(p + 1, len - (size_t)(p + 1 - out), nul, 6)) {
        size_t backslashes = 0;
        /* "\\\\u0000" is an escaped backslash and the text u0000. */
        while (p - backslashes > out && p[-(ptrdiff_t)backslashes - 1] == '\\')
            backslashes++;
        if (backslashes % 2 == 0)
            memcpy(p, "\\ufffd", 6);
    }
    *copy = out;
    return 0;
}
