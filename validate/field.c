/* field.c - see field.h. */
#include "field.h"

#include <string.h>

#include "json.h"

static const char *const type_names[] = {
    [SG_FIELD_OBJECT] = "an object",
    [SG_FIELD_ARRAY] = "a list",
    [SG_FIELD_STRING] = "a string",
    [SG_FIELD_BOOL] = "a boolean",
};

static bool has_type(const cJSON *item, enum sg_field_type type)
{
    switch (type) {
    case SG_FIELD_OBJECT:
        return cJSON_IsObject(item);
    case SG_FIELD_ARRAY:
        return cJSON_IsArray(item);
    case SG_FIELD_STRING:
        return cJSON_IsString(item) && item->valuestring != NULL;
    case SG_FIELD_BOOL:
        return cJSON_IsBool(item);
    }
    return false;
}

enum sg_field_got sg_field_check(const cJSON *item, enum sg_field_type type, struct sg_path *path,
                                 struct sg_report *report)
{
    if (item != NULL && has_type(item, type))
        return SG_FIELD_OK;
    sg_report_add(report, SG_RULE_UNREADABLE, SG_ACTION_DENY, sg_path_str(path),
                  "a field has the wrong type", "must be %s, found %s", type_names[type],
                  sg_json_type_name(item));
    return SG_FIELD_BAD;
}

enum sg_field_got sg_field_member(const cJSON *obj, const char *key, enum sg_field_type type,
                                  struct sg_path *path, struct sg_report *report, const cJSON **out)
{
    const cJSON *found = NULL;
    size_t mark;

    *out = NULL;
    /* Every member is compared, so that a key given twice (which no tree
     * here holds, see field.h) would read as Go reads it: the last. The
     * first byte rules most members out without a call. */
    for (const cJSON *it = obj->child; it != NULL; it = it->next) {
        if (it->string != NULL && it->string[0] == key[0] && strcmp(it->string, key) == 0)
            found = it;
    }
    if (found == NULL || cJSON_IsNull(found))
        return SG_FIELD_ABSENT;
    if (has_type(found, type)) {
        *out = found;
        return SG_FIELD_OK;
    }
    /* The path is spelled out only for the report. */
    mark = sg_path_key(path, key);
    sg_field_check(found, type, path, report);
    sg_path_pop(path, mark);
    return SG_FIELD_BAD;
}
