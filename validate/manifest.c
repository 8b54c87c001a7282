/* manifest.c - see manifest.h. YAML is read with libyaml's event API (the
 * document API hides whether a tag was written) and built into cJSON here,
 * with anchors, aliases and merge keys handled as go-yaml v2 handles them. */
#include "manifest.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "json.h"
#include "yaml_plain.h"

#define YAML_STR_TAG "tag:yaml.org,2002:str"

/* ---- building cJSON from events --------------------------------------- */

struct anchor {
    char *name;
    const cJSON *node;
    size_t nodes;
};

struct frame {
    cJSON *node; /* object (its explicit keys) or array */
    bool is_map;
    char *anchor;
    size_t nodes;
    size_t line, column;
    /* mappings */
    char *key; /* pending key, owned; NULL when a key comes next */
    bool key_is_merge;
    cJSON *merge;     /* the `<<` value, owned by the graveyard */
    size_t merge_pos; /* explicit keys seen before the `<<` */
    size_t merge_line;
};

struct builder {
    const char *name;
    struct sg_error *err;
    struct frame stack[SG_MANIFEST_MAX_DEPTH];
    size_t depth;
    struct anchor *anchors;
    size_t n_anchors, cap_anchors;
    cJSON *graveyard; /* merge values, freed with the document */
    cJSON *root;
    size_t doc_index, doc_line;
    size_t nodes; /* built in this input, aliases expanded */
};

static int fail(struct builder *b, size_t line, size_t column, int code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int fail(struct builder *b, size_t line, size_t column, int code, const char *fmt, ...)
{
    char what[SG_ERROR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return sg_error_set(b->err, code, "%s: document %zu, line %zu, column %zu: %s", b->name,
                        b->doc_index, line, column, what);
}

static int fail_at(struct builder *b, const yaml_mark_t *mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(struct builder *b, const yaml_mark_t *mark, const char *fmt, ...)
{
    char what[SG_ERROR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return fail(b, mark->line + 1, mark->column + 1, SG_ERR_INVALID, "%s", what);
}

static int count_nodes(struct builder *b, size_t n, const yaml_mark_t *mark)
{
    if (n > SG_MANIFEST_MAX_NODES - b->nodes)
        return fail(b, mark->line + 1, mark->column + 1, SG_ERR_LIMIT,
                    "more than %d values once aliases are expanded; refusing excessive "
                    "aliasing",
                    SG_MANIFEST_MAX_NODES);
    b->nodes += n;
    return 0;
}

static void reset_document(struct builder *b)
{
    for (size_t i = 0; i < b->depth; i++) {
        cJSON_Delete(b->stack[i].node);
        free(b->stack[i].anchor);
        free(b->stack[i].key);
    }
    b->depth = 0;
    for (size_t i = 0; i < b->n_anchors; i++)
        free(b->anchors[i].name);
    b->n_anchors = 0;
    cJSON_Delete(b->graveyard);
    b->graveyard = NULL;
    cJSON_Delete(b->root);
    b->root = NULL;
}

static int add_anchor(struct builder *b, char *name, const cJSON *node, size_t nodes)
{
    if (b->n_anchors == b->cap_anchors) {
        size_t cap = b->cap_anchors ? b->cap_anchors * 2 : 16;
        struct anchor *a = realloc(b->anchors, cap * sizeof(*a));
        if (a == NULL) {
            free(name);
            return sg_error_set(b->err, SG_ERR_NOMEM, "out of memory");
        }
        b->anchors = a;
        b->cap_anchors = cap;
    }
    b->anchors[b->n_anchors++] = (struct anchor){name, node, nodes};
    return 0;
}

static const struct anchor *find_anchor(const struct builder *b, const char *name)
{
    /* A later anchor of the same name hides an earlier one. */
    for (size_t i = b->n_anchors; i > 0; i--) {
        if (strcmp(b->anchors[i - 1].name, name) == 0)
            return &b->anchors[i - 1];
    }
    return NULL;
}

static bool merge_value_ok(const cJSON *v)
{
    if (cJSON_IsObject(v))
        return true;
    if (!cJSON_IsArray(v))
        return false;
    for (const cJSON *it = v->child; it != NULL; it = it->next) {
        if (!cJSON_IsObject(it))
            return false;
    }
    return true;
}

/* Hands a finished value (with its anchor and size) to its parent. Takes
 * ownership of value and anchor. */
static int deliver(struct builder *b, cJSON *value, char *anchor, size_t nodes,
                   const yaml_mark_t *mark)
{
    struct frame *parent = b->depth > 0 ? &b->stack[b->depth - 1] : NULL;
    int rc;

    if (anchor != NULL) {
        rc = add_anchor(b, anchor, value, nodes);
        if (rc < 0) {
            cJSON_Delete(value);
            return rc;
        }
    }
    if (parent == NULL) {
        b->root = value;
        return 0;
    }
    parent->nodes += nodes;
    if (!parent->is_map) {
        cJSON_AddItemToArray(parent->node, value);
        return 0;
    }
    if (parent->key == NULL) {
        cJSON_Delete(value);
        return fail_at(b, mark, "%s",
                       "a mapping key must be a scalar; complex keys are not "
                       "supported");
    }
    if (parent->key_is_merge) {
        if (!merge_value_ok(value)) {
            cJSON_Delete(value);
            return fail_at(b, mark, "%s",
                           "the value of a merge key (<<) must be a mapping or "
                           "a list of mappings");
        }
        if (b->graveyard == NULL && (b->graveyard = cJSON_CreateArray()) == NULL) {
            cJSON_Delete(value);
            return sg_error_set(b->err, SG_ERR_NOMEM, "out of memory");
        }
        /* Kept alive until the document ends: anchors may point into it. */
        cJSON_AddItemToArray(b->graveyard, value);
        parent->merge = value;
    } else {
        cJSON_AddItemToObject(parent->node, parent->key, value);
    }
    free(parent->key);
    parent->key = NULL;
    parent->key_is_merge = false;
    return 0;
}

/* A scalar in key position becomes the key string sigs.k8s.io/yaml would
 * make of it. */
static int take_key(struct builder *b, struct frame *f, const yaml_event_t *ev, bool plain)
{
    const char *v = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    const yaml_mark_t *mark = &ev->start_mark;
    char num[64];
    const char *key = v;
    double d = 0;

    if (plain) {
        switch (sg_yaml_plain_resolve(v, len, &d)) {
        case SG_YAML_STRING:
            break;
        case SG_YAML_TRUE:
            key = "true";
            break;
        case SG_YAML_FALSE:
            key = "false";
            break;
        case SG_YAML_INT:
            snprintf(num, sizeof(num), "%.0f", d);
            key = num;
            break;
        case SG_YAML_MERGE:
            if (f->merge != NULL)
                return fail_at(b, mark, "%s", "a second merge key (<<) in one mapping");
            f->key_is_merge = true;
            f->merge_pos = (size_t)cJSON_GetArraySize(f->node);
            f->merge_line = mark->line + 1;
            key = "<<";
            break;
        case SG_YAML_NULL:
        case SG_YAML_FLOAT:
        case SG_YAML_REFUSE:
            return fail_at(b, mark, "key '%s' is not a string kubectl can use as a key", v);
        }
    }
    if (key == v && memchr(v, '\0', len) != NULL)
        return fail_at(b, mark, "%s", "a key contains a NUL byte");
    if (!f->key_is_merge && cJSON_GetObjectItemCaseSensitive(f->node, key) != NULL)
        return fail_at(b, mark, "duplicate key '%s'; kubectl would keep only the last one", key);
    f->key = strdup(key);
    if (f->key == NULL)
        return sg_error_set(b->err, SG_ERR_NOMEM, "out of memory");
    return 0;
}

/* Copies `len` bytes into a new cJSON string; a NUL byte becomes U+FFFD,
 * as in request bodies (review.c), because cJSON strings end at a NUL. */
static cJSON *make_string(const char *v, size_t len)
{
    char *copy;
    size_t nuls = 0, o = 0;
    cJSON *s;

    for (size_t i = 0; i < len; i++)
        nuls += v[i] == '\0';
    if (nuls == 0)
        return cJSON_CreateString(v);
    copy = malloc(len + nuls * 2 + 1);
    if (copy == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if (v[i] == '\0') {
            memcpy(copy + o, "\xEF\xBF\xBD", 3);
            o += 3;
        } else {
            copy[o++] = v[i];
        }
    }
    copy[o] = '\0';
    s = cJSON_CreateString(copy);
    free(copy);
    return s;
}

static int on_scalar(struct builder *b, const yaml_event_t *ev)
{
    const char *v = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && tag == NULL;
    struct frame *parent = b->depth > 0 ? &b->stack[b->depth - 1] : NULL;
    char *anchor = NULL;
    cJSON *value = NULL;
    double d = 0;
    int rc;

    if (tag != NULL && strcmp(tag, YAML_STR_TAG) != 0 && strcmp(tag, "!") != 0)
        return fail_at(b, &ev->start_mark,
                       "tag '%s' is not supported; only !!str is read the way kubectl reads it",
                       tag);
    rc = count_nodes(b, 1, &ev->start_mark);
    if (rc < 0)
        return rc;
    if (parent != NULL && parent->is_map && parent->key == NULL) {
        if (ev->data.scalar.anchor != NULL)
            return fail_at(b, &ev->start_mark, "%s", "anchors on keys are not supported");
        return take_key(b, parent, ev, plain);
    }
    if (plain) {
        switch (sg_yaml_plain_resolve(v, len, &d)) {
        case SG_YAML_STRING:
        case SG_YAML_MERGE:
            value = make_string(v, len);
            break;
        case SG_YAML_NULL:
            value = cJSON_CreateNull();
            break;
        case SG_YAML_TRUE:
            value = cJSON_CreateTrue();
            break;
        case SG_YAML_FALSE:
            value = cJSON_CreateFalse();
            break;
        case SG_YAML_INT:
        case SG_YAML_FLOAT:
            value = cJSON_CreateNumber(d);
            break;
        case SG_YAML_REFUSE:
            return fail_at(b, &ev->start_mark,
                           "'%s' is a number JSON cannot carry exactly (NaN, infinity, or an "
                           "integer beyond 2^53); quote it if it is text",
                           v);
        }
    } else {
        value = make_string(v, len);
    }
    if (value == NULL)
        return sg_error_set(b->err, SG_ERR_NOMEM, "out of memory");
    if (ev->data.scalar.anchor != NULL) {
        anchor = strdup((const char *)ev->data.scalar.anchor);
        if (anchor == NULL) {
            cJSON_Delete(value);
            return sg_error_set(b->err, SG_ERR_NOMEM, "out of memory");
        }
    }
    return deliver(b, value, anchor, 1, &ev->start_mark);
}

static int on_start(struct builder *b, const yaml_event_t *ev, bool is_map)
{
    const char *tag =
        (const char *)(is_map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag);
    const yaml_char_t *anchor =
        is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
    struct frame *parent = b->depth > 0 ? &b->stack[b->depth - 1] : NULL;
    struct frame *f;
    int rc;

    if (tag != NULL && strcmp(tag, "!") != 0 &&
        strcmp(tag, is_map ? "tag:yaml.org,2002:map" : "tag:yaml.org,2002:seq") != 0)
        return fail_at(b, &ev->start_mark, "tag '%s' is not supported", tag);
    if (parent != NULL && parent->is_map && parent->key == NULL)
        return fail_at(b, &ev->start_mark, "%s",
                       "a mapping key must be a scalar; complex keys are not supported");
    if (b->depth == SG_MANIFEST_MAX_DEPTH)
        return fail(b, ev->start_mark.line + 1, ev->start_mark.column + 1, SG_ERR_LIMIT,
                    "nested more than %d levels deep", SG_MANIFEST_MAX_DEPTH);
    rc = count_nodes(b, 1, &ev->start_mark);
    if (rc < 0)
        return rc;
    f = &b->stack[b->depth];
    memset(f, 0, sizeof(*f));
    f->is_map = is_map;
    f->nodes = 1;
    f->line = ev->start_mark.line + 1;
    f->column = ev->start_mark.column + 1;
    f->node = is_map ? cJSON_CreateObject() : cJSON_CreateArray();
    if (f->node == NULL)
        return sg_error_set(b->err, SG_ERR_NOMEM, "out of memory");
    if (anchor != NULL && (f->anchor = strdup((const char *)anchor)) == NULL) {
        cJSON_Delete(f->node);
        return sg_error_set(b->err, SG_ERR_NOMEM, "out of memory");
    }
    b->depth++;
    return 0;
}

/* Applies a `<<` merge: keys from the merged mappings that the mapping does
 * not give itself, the first mapping of a list winning. go-yaml v2 lets a
 * merge override keys given before it, the YAML spec does not: refuse that
 * case rather than pick one. */
static int apply_merge(struct builder *b, struct frame *f, const yaml_mark_t *mark)
{
    const cJSON *maps = f->merge;
    const cJSON *single[1] = {maps};
    size_t n_maps = cJSON_IsObject(maps) ? 1 : (size_t)cJSON_GetArraySize(maps);
    size_t pos = 0;

    for (const cJSON *k = f->node->child; k != NULL && pos < f->merge_pos; k = k->next, pos++) {
        for (size_t m = 0; m < n_maps; m++) {
            const cJSON *map = cJSON_IsObject(maps) ? single[0] : cJSON_GetArrayItem(maps, (int)m);
            if (cJSON_GetObjectItemCaseSensitive(map, k->string) != NULL)
                return fail(b, f->merge_line, 1, SG_ERR_INVALID,
                            "the merge key (<<) would override '%s' given before it; kubectl "
                            "and the YAML spec disagree here: put << first",
                            k->string);
        }
    }
    for (size_t m = 0; m < n_maps; m++) {
        const cJSON *map = cJSON_IsObject(maps) ? single[0] : cJSON_GetArrayItem(maps, (int)m);
        for (const cJSON *it = map->child; it != NULL; it = it->next) {
            if (cJSON_GetObjectItemCaseSensitive(f->node, it->string) != NULL)
                continue;
            cJSON *copy = cJSON_Duplicate(it, true);
            if (copy == NULL)
                return sg_error_set(b->err, SG_ERR_NOMEM, "out of memory");
            cJSON_AddItemToObject(f->node, it->string, copy);
        }
    }
    (void)mark;
    return 0;
}

static int on_end(struct builder *b, const yaml_event_t *ev)
{
    struct frame f;
    int rc;

    if (b->depth == 0)
        return sg_error_set(b->err, SG_ERR_INTERNAL, "%s: unbalanced YAML events", b->name);
    f = b->stack[--b->depth];
    if (f.is_map && f.merge != NULL) {
        rc = apply_merge(b, &f, &ev->start_mark);
        if (rc < 0) {
            cJSON_Delete(f.node);
            free(f.anchor);
            free(f.key);
            return rc;
        }
    }
    free(f.key);
    return deliver(b, f.node, f.anchor, f.nodes, &ev->start_mark);
}

static int on_alias(struct builder *b, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    const struct anchor *a = find_anchor(b, name);
    struct frame *parent = b->depth > 0 ? &b->stack[b->depth - 1] : NULL;
    cJSON *copy;
    int rc;

    if (a == NULL)
        return fail_at(b, &ev->start_mark, "alias '*%s' names no anchor defined before it", name);
    if (parent != NULL && parent->is_map && parent->key == NULL)
        return fail_at(b, &ev->start_mark, "%s", "aliases as mapping keys are not supported");
    rc = count_nodes(b, a->nodes, &ev->start_mark);
    if (rc < 0)
        return rc;
    copy = cJSON_Duplicate(a->node, true);
    if (copy == NULL)
        return sg_error_set(b->err, SG_ERR_NOMEM, "out of memory");
    return deliver(b, copy, NULL, a->nodes, &ev->start_mark);
}

static int push_doc(struct sg_manifest *m, cJSON *object, size_t index, size_t line)
{
    struct sg_manifest_doc *docs = realloc(m->docs, (m->n + 1) * sizeof(*docs));

    if (docs == NULL) {
        cJSON_Delete(object);
        return SG_ERR_NOMEM;
    }
    m->docs = docs;
    docs[m->n++] = (struct sg_manifest_doc){object, index, line};
    return 0;
}

static int end_document(struct builder *b, struct sg_manifest *out)
{
    cJSON *root = b->root;

    b->root = NULL;
    if (root == NULL || cJSON_IsNull(root)) {
        cJSON_Delete(root);
        return 0; /* empty documents are skipped, as kubectl skips them */
    }
    if (!cJSON_IsObject(root)) {
        const char *type = sg_json_type_name(root);
        cJSON_Delete(root);
        return fail(b, b->doc_line, 1, SG_ERR_INVALID,
                    "the document is %s; a Kubernetes object is a mapping", type);
    }
    if (push_doc(out, root, b->doc_index, b->doc_line) < 0)
        return sg_error_set(b->err, SG_ERR_NOMEM, "out of memory");
    return 0;
}

static int parse_yaml(const char *name, const char *data, size_t len, struct sg_manifest *out,
                      struct sg_error *err)
{
    struct builder b = {.name = name, .err = err};
    yaml_parser_t parser;
    yaml_event_t ev;
    bool done = false;
    int rc = 0;

    if (!yaml_parser_initialize(&parser))
        return sg_error_set(err, SG_ERR_NOMEM, "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    while (!done && rc == 0) {
        if (!yaml_parser_parse(&parser, &ev)) {
            if (parser.error == YAML_MEMORY_ERROR)
                rc = sg_error_set(err, SG_ERR_NOMEM, "out of memory");
            else
                rc = fail(&b, parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                          SG_ERR_INVALID, "invalid YAML: %s%s%s",
                          parser.problem ? parser.problem : "syntax error",
                          parser.context ? " " : "", parser.context ? parser.context : "");
            break;
        }
        switch (ev.type) {
        case YAML_DOCUMENT_START_EVENT:
            b.doc_index++;
            b.doc_line = ev.start_mark.line + 1;
            break;
        case YAML_DOCUMENT_END_EVENT:
            rc = end_document(&b, out);
            reset_document(&b);
            break;
        case YAML_SCALAR_EVENT:
            rc = on_scalar(&b, &ev);
            break;
        case YAML_SEQUENCE_START_EVENT:
            rc = on_start(&b, &ev, false);
            break;
        case YAML_MAPPING_START_EVENT:
            rc = on_start(&b, &ev, true);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            rc = on_end(&b, &ev);
            break;
        case YAML_ALIAS_EVENT:
            rc = on_alias(&b, &ev);
            break;
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_STREAM_START_EVENT:
        case YAML_NO_EVENT:
            break;
        }
        yaml_event_delete(&ev);
    }
    reset_document(&b);
    free(b.anchors);
    yaml_parser_delete(&parser);
    return rc;
}

/* `check --mutate` prints manifests back: refuse what would not print back
 * the same (kubectl keeps integers exact; a key given twice has no one
 * value), as the YAML side does. */
static const struct sg_json_options manifest_json = {.unique_keys = true, .exact_integers = true};

/* kubectl reads input that starts with '{' as a stream of JSON objects,
 * with Go's strict decoder: sg_json_parse reads them the same way (a
 * number beyond a double, which Go refuses, is refused too). */
static int parse_json(const char *name, const char *data, size_t len, struct sg_manifest *out,
                      struct sg_error *err)
{
    size_t at = 0, index = 0, line = 1, counted = 0;
    int rc = 0;

    for (;;) {
        cJSON *doc = NULL;
        const char *why = NULL;
        size_t used = 0;
        while (at < len &&
               (data[at] == ' ' || data[at] == '\t' || data[at] == '\n' || data[at] == '\r'))
            at++;
        if (at == len)
            break;
        for (; counted < at; counted++)
            line += data[counted] == '\n';
        index++;
        rc = sg_json_parse(data + at, len - at, &manifest_json, &doc, &used, &why);
        if (rc == SG_ERR_NOMEM) {
            rc = sg_error_set(err, rc, "out of memory");
            break;
        }
        if (rc < 0) {
            rc = sg_error_set(err, SG_ERR_INVALID, "%s: document %zu (line %zu): %s at byte %zu",
                              name, index, line, why, at + used);
            break;
        }
        if (!cJSON_IsObject(doc)) {
            rc = sg_error_set(err, SG_ERR_INVALID,
                              "%s: document %zu (line %zu): is %s; a Kubernetes object is a "
                              "JSON object",
                              name, index, line, sg_json_type_name(doc));
            cJSON_Delete(doc);
            break;
        }
        rc = push_doc(out, doc, index, line);
        if (rc < 0) {
            rc = sg_error_set(err, rc, "out of memory");
            break;
        }
        at += used;
    }
    return rc;
}

int sg_manifest_parse(const char *name, const char *data, size_t len, struct sg_manifest *out,
                      struct sg_error *err)
{
    size_t i = 0;

    memset(out, 0, sizeof(*out));
    if (len > SG_MANIFEST_MAX_BYTES)
        return sg_error_set(err, SG_ERR_LIMIT, "%s: %zu bytes; at most %d are read", name, len,
                            SG_MANIFEST_MAX_BYTES);
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r'))
        i++;
    if (i < len && data[i] == '{')
        return parse_json(name, data, len, out, err);
    return parse_yaml(name, data, len, out, err);
}

void sg_manifest_release(struct sg_manifest *m)
{
    for (size_t i = 0; i < m->n; i++)
        cJSON_Delete(m->docs[i].object);
    free(m->docs);
    m->docs = NULL;
    m->n = 0;
}
