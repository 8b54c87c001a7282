/* kubelist.c - see kubelist.h. Each rule below names the kubectl (v1.32)
 * code it follows: apimachinery's unstructuredJSONScheme.decode and
 * decodeToList, Unstructured.IsList, meta.ExtractList, and
 * unstructuredObjectTyper.ObjectKinds, which FlattenListVisitor calls per
 * item. */
#include "kubelist.h"

#include <string.h>
#include <strings.h>

#include "json.h"
#include "pod.h"

#define KIND_MAX 256 /* bytes of a kind or apiVersion worth a message */

/* A string field as unstructured's GetKind/GetAPIVersion read it: a value
 * that is not a string reads as "". */
static const char *field(const cJSON *object, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(object, key);

    return cJSON_IsString(v) && v->valuestring != NULL ? v->valuestring : "";
}

/* "apps/v1" -> "apps"; "v1" -> "" (the core group). */
static void api_group(const char *api_version, char *out, size_t cap)
{
    const char *slash = strchr(api_version, '/');
    size_t n = slash != NULL ? (size_t)(slash - api_version) : 0;

    if (n >= cap)
        n = cap - 1;
    memcpy(out, api_version, n);
    out[n] = '\0';
}

/* The checks kubectl makes of the whole list before it sends any item:
 * decodeToList refuses items that are not JSON objects (null is an empty
 * one), and meta.ExtractList refuses an item that is a list itself. */
static int check_items(const cJSON *items, struct sg_error *err)
{
    size_t i = 0;

    for (const cJSON *it = items->child; it != NULL; it = it->next, i++) {
        const cJSON *inner = cJSON_GetObjectItemCaseSensitive(it, "items");
        if (!cJSON_IsObject(it) && !cJSON_IsNull(it))
            return sg_error_set(err, SG_ERR_INVALID,
                                "items[%zu] is %s, not an object; kubectl refuses the whole "
                                "list",
                                i, sg_json_type_name(it));
        if (cJSON_IsArray(inner))
            return sg_error_set(err, SG_ERR_INVALID,
                                "items[%zu] is a list itself (it has items); kubectl refuses "
                                "a list inside a list: put its items in the outer list",
                                i);
    }
    return 0;
}

/* Sends one item as FlattenListVisitor would: typed by decodeToList when
 * it names neither kind nor apiVersion, then refused by the typer when it
 * still lacks either. */
static int visit_item(const cJSON *it, size_t index, const char *list_kind,
                      const char *list_version, sg_kubelist_visit visit, void *ctx)
{
    struct sg_kubelist_item item = {.index = index};
    char item_kind[KIND_MAX];
    cJSON *typed = NULL;
    size_t n = strlen(list_kind);

    if (cJSON_IsNull(it) || (field(it, "kind")[0] == '\0' && field(it, "apiVersion")[0] == '\0')) {
        if (n >= 4 && strcmp(list_kind + n - 4, "List") == 0)
            n -= 4;
        if (n >= sizeof(item_kind))
            n = sizeof(item_kind) - 1;
        memcpy(item_kind, list_kind, n);
        item_kind[n] = '\0';
        typed = cJSON_IsNull(it) ? cJSON_CreateObject() : cJSON_Duplicate(it, true);
        if (typed == NULL)
            return SG_ERR_NOMEM;
        cJSON_DeleteItemFromObjectCaseSensitive(typed, "kind");
        cJSON_DeleteItemFromObjectCaseSensitive(typed, "apiVersion");
        if (cJSON_AddStringToObject(typed, "apiVersion", list_version) == NULL ||
            cJSON_AddStringToObject(typed, "kind", item_kind) == NULL) {
            cJSON_Delete(typed);
            return SG_ERR_NOMEM;
        }
        it = typed;
    }
    if (field(it, "kind")[0] == '\0')
        item.why = "it has no kind, and its list names none for it (kubectl: Object 'Kind' is "
                   "missing); kubectl sends the other items";
    else if (field(it, "apiVersion")[0] == '\0')
        item.why = "it has no apiVersion, and its list names none for it (kubectl: Object "
                   "'apiVersion' is missing); kubectl sends the other items";
    else
        item.object = it;
    visit(ctx, &item);
    cJSON_Delete(typed);
    return 0;
}

int sg_kubelist_read(const cJSON *doc, sg_kubelist_visit visit, void *ctx, bool *is_list,
                     struct sg_error *err)
{
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(doc, "items");
    const char *kind = field(doc, "kind");
    const char *version = field(doc, "apiVersion");
    char group[KIND_MAX];
    size_t i = 0;
    int rc;

    *is_list = false;
    /* Before v1.23 kubectl matched JSON keys without regard to case, so
     * `Items` made a list there and is an unknown field now. */
    for (const cJSON *k = doc->child; k != NULL; k = k->next) {
        if (strcasecmp(k->string, "items") == 0 && strcmp(k->string, "items") != 0)
            return sg_error_set(err, SG_ERR_INVALID,
                                "has a key '%s': kubectl before v1.23 reads it as items (a "
                                "list), later versions ignore it; write items, or remove it",
                                k->string);
    }
    if (items == NULL)
        return 0;
    if (kind[0] == '\0')
        return sg_error_set(err, SG_ERR_INVALID,
                            "has items, so kubectl reads it as a list, but it has no kind "
                            "(kubectl: Object 'Kind' is missing) and sends nothing");
    api_group(version, group, sizeof(group));
    if (sg_kind_find(group, kind) != SG_KIND_OTHER)
        return sg_error_set(err, SG_ERR_INVALID,
                            "is a %s with items: kubectl sends its items and not the %s, "
                            "other tools send the %s; remove items, or make it a List",
                            kind, kind, kind);
    if (!cJSON_IsNull(items) && !cJSON_IsArray(items))
        return sg_error_set(err, SG_ERR_INVALID,
                            "has items that are %s; kubectl reads it as a list and refuses it",
                            sg_json_type_name(items));
    *is_list = true;
    if (cJSON_IsNull(items))
        return 0;
    rc = check_items(items, err);
    if (rc < 0) {
        *is_list = false;
        return rc;
    }
    for (const cJSON *it = items->child; it != NULL; it = it->next, i++) {
        rc = visit_item(it, i, kind, version, visit, ctx);
        if (rc < 0)
            return sg_error_set(err, rc, "out of memory");
    }
    return 0;
}
