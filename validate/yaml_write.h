/* yaml_write.h - a cJSON object written as one YAML document, for `check
 * --mutate`: what it prints must read back, by kubectl and by
 * manifest.h, as the same object. */
#ifndef SG_YAML_WRITE_H
#define SG_YAML_WRITE_H

#include <cjson/cJSON.h>

#include "buf.h"

/* Appends `object` as one YAML document (starting with "---") to `b`,
 * quoting every string that go-yaml v2 would otherwise read as something
 * else (yaml_plain.h). Returns 0, SG_ERR_NOMEM, or SG_ERR_LIMIT for an
 * object nested deeper than any manifest read. */
int sg_yaml_write(const cJSON *object, struct sg_buf *b);

#endif
