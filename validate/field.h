/* field.h - reading a member of a cJSON object the way the API server's
 * decoder reads a field: JSON null is the same as an absent field, and a
 * field of the wrong type is an error, added to a report as an
 * `unreadable` violation with the field's path, so the object is denied,
 * never read differently from how the cluster reads it.
 *
 * The trees read here hold no key twice: sg_json_parse (unique_keys) and
 * the manifest reader refuse one, and patches replace a member rather than
 * add a second. */
#ifndef SG_FIELD_H
#define SG_FIELD_H

#include <cjson/cJSON.h>

#include "path.h"
#include "report.h"

enum sg_field_type {
    SG_FIELD_OBJECT,
    SG_FIELD_ARRAY,
    SG_FIELD_STRING,
    SG_FIELD_BOOL,
};

enum sg_field_got {
    SG_FIELD_ABSENT, /* missing or null */
    SG_FIELD_OK,     /* present with the right type: *out is set */
    SG_FIELD_BAD,    /* wrong type: reported as unreadable */
};

/* Looks up `key` in `obj` (an object) and checks its type. On SG_FIELD_BAD
 * an unreadable violation is added to `report` at path + key. */
enum sg_field_got sg_field_member(const cJSON *obj, const char *key, enum sg_field_type type,
                                  struct sg_path *path, struct sg_report *report,
                                  const cJSON **out);

/* Checks a value's type (for array items); reports like sg_field_member. A
 * null item is SG_FIELD_BAD: a list entry cannot be absent. */
enum sg_field_got sg_field_check(const cJSON *item, enum sg_field_type type, struct sg_path *path,
                                 struct sg_report *report);

#endif
