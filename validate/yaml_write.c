/* yaml_write.c - see yaml_write.h. libyaml's emitter writes the text;
 * this walks the object and decides the quoting. */
#include "yaml_write.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "error.h"
#include "manifest.h"
#include "yaml_plain.h"

static int write_handler(void *data, unsigned char *buffer, size_t size)
{
    struct sg_buf *b = data;

    sg_buf_add(b, (const char *)buffer, size);
    return !sg_buf_failed(b);
}

static int emit(yaml_emitter_t *e, yaml_event_t *ev)
{
    return yaml_emitter_emit(e, ev) ? 0 : SG_ERR_NOMEM;
}

static int emit_scalar(yaml_emitter_t *e, const char *text, bool force_quotes)
{
    yaml_event_t ev;

    if (!yaml_scalar_event_initialize(
            &ev, NULL, NULL, (const yaml_char_t *)text, (int)strlen(text), 1, 1,
            force_quotes ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE))
        return SG_ERR_NOMEM;
    return emit(e, &ev);
}

static int emit_string(yaml_emitter_t *e, const char *s)
{
    double d;
    /* A string that go-yaml v2 would read back as something else (yes,
     * 0777, null, 1e3, <<) must be quoted. */
    bool quote = sg_yaml_plain_resolve(s, strlen(s), &d) != SG_YAML_STRING;

    return emit_scalar(e, s, quote);
}

static int emit_value(yaml_emitter_t *e, const cJSON *v, int depth)
{
    yaml_event_t ev;
    char num[64];
    int rc;

    /* What the reader took, plus the few levels a patch adds. */
    if (depth > SG_MANIFEST_MAX_DEPTH + 16)
        return SG_ERR_LIMIT;
    if (cJSON_IsObject(v)) {
        if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE))
            return SG_ERR_NOMEM;
        rc = emit(e, &ev);
        if (rc < 0)
            return rc;
        for (const cJSON *it = v->child; it != NULL; it = it->next) {
            rc = emit_string(e, it->string);
            if (rc == 0)
                rc = emit_value(e, it, depth + 1);
            if (rc < 0)
                return rc;
        }
        if (!yaml_mapping_end_event_initialize(&ev))
            return SG_ERR_NOMEM;
        return emit(e, &ev);
    }
    if (cJSON_IsArray(v)) {
        if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE))
            return SG_ERR_NOMEM;
        rc = emit(e, &ev);
        if (rc < 0)
            return rc;
        for (const cJSON *it = v->child; it != NULL; it = it->next) {
            rc = emit_value(e, it, depth + 1);
            if (rc < 0)
                return rc;
        }
        if (!yaml_sequence_end_event_initialize(&ev))
            return SG_ERR_NOMEM;
        return emit(e, &ev);
    }
    if (cJSON_IsString(v))
        return emit_string(e, v->valuestring);
    if (cJSON_IsTrue(v))
        return emit_scalar(e, "true", false);
    if (cJSON_IsFalse(v))
        return emit_scalar(e, "false", false);
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == floor(d) && fabs(d) <= SG_YAML_SAFE_INTEGER) {
            snprintf(num, sizeof(num), "%.0f", d);
        } else {
            snprintf(num, sizeof(num), "%.17g", d);
            /* An integral double between 2^53 and 1e17 prints as bare
             * digits, which read back as an integer too big to be exact
             * (refused); ".0" keeps it the float it is. */
            if (strspn(num, "-0123456789") == strlen(num))
                memcpy(num + strlen(num), ".0", 3);
        }
        return emit_scalar(e, num, false);
    }
    return emit_scalar(e, "null", false);
}

int sg_yaml_write(const cJSON *object, struct sg_buf *b)
{
    yaml_emitter_t e;
    yaml_event_t ev;
    int rc = SG_ERR_NOMEM;

    if (!yaml_emitter_initialize(&e))
        return SG_ERR_NOMEM;
    yaml_emitter_set_output(&e, write_handler, b);
    yaml_emitter_set_unicode(&e, 1);
    yaml_emitter_set_width(&e, -1);
    if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) || emit(&e, &ev) < 0)
        goto out;
    if (!yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 0) || emit(&e, &ev) < 0)
        goto out;
    rc = emit_value(&e, object, 0);
    if (rc < 0)
        goto out;
    rc = SG_ERR_NOMEM;
    if (!yaml_document_end_event_initialize(&ev, 1) || emit(&e, &ev) < 0)
        goto out;
    if (!yaml_stream_end_event_initialize(&ev) || emit(&e, &ev) < 0)
        goto out;
    rc = sg_buf_failed(b) ? SG_ERR_NOMEM : 0;
out:
    yaml_emitter_delete(&e);
    return rc;
}
