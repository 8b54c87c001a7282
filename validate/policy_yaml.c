/* policy_yaml.c - see policy_yaml.h. */
#include "policy_yaml.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capability.h"

int sg_pyaml_fail_at(struct sg_pyaml_reader *r, const yaml_node_t *node, const char *fmt, ...)
{
    char what[SG_ERROR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return sg_error_set(r->err, SG_ERR_INVALID, "%s:%zu:%zu: %s", r->name,
                        node->start_mark.line + 1, node->start_mark.column + 1, what);
}

const char *sg_pyaml_scalar(const yaml_node_t *node)
{
    return (const char *)node->data.scalar.value;
}

bool sg_pyaml_is_null(const yaml_node_t *node)
{
    const char *v;

    if (node->type != YAML_SCALAR_NODE || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    v = sg_pyaml_scalar(node);
    return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
           strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

const char *sg_pyaml_node_kind(const yaml_node_t *node)
{
    switch (node->type) {
    case YAML_SCALAR_NODE:
        return "a scalar";
    case YAML_SEQUENCE_NODE:
        return "a list";
    case YAML_MAPPING_NODE:
        return "a mapping";
    default:
        return "nothing";
    }
}

/* A string value: a scalar, not null, no NUL byte, bounded. */
int sg_pyaml_read_string(struct sg_pyaml_reader *r, const yaml_node_t *node, const char *what,
                         const char **out)
{
    if (node->type != YAML_SCALAR_NODE || sg_pyaml_is_null(node))
        return sg_pyaml_fail_at(r, node, "%s must be a string, found %s", what,
                                sg_pyaml_is_null(node) ? "null" : sg_pyaml_node_kind(node));
    if (node->data.scalar.length > POLICY_MAX_STRING)
        return sg_pyaml_fail_at(r, node, "%s is longer than %d bytes", what, POLICY_MAX_STRING);
    if (strlen(sg_pyaml_scalar(node)) != node->data.scalar.length)
        return sg_pyaml_fail_at(r, node, "%s contains a NUL byte", what);
    *out = sg_pyaml_scalar(node);
    return 0;
}

/* Walks a mapping, refusing duplicate keys, handing each pair to `handler`.
 * A null value counts as an empty mapping. */
int sg_pyaml_read_mapping(struct sg_pyaml_reader *r, yaml_node_t *node, const char *what,
                          sg_pyaml_key_fn handler, void *ctx)
{
    yaml_node_pair_t *pair, *prev;
    int rc;

    if (sg_pyaml_is_null(node))
        return 0;
    if (node->type != YAML_MAPPING_NODE)
        return sg_pyaml_fail_at(r, node, "%s must be a mapping, found %s", what,
                                sg_pyaml_node_kind(node));
    for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
        yaml_node_t *key = yaml_document_get_node(r->doc, pair->key);
        yaml_node_t *value = yaml_document_get_node(r->doc, pair->value);
        if (key == NULL || value == NULL)
            return sg_error_set(r->err, SG_ERR_INTERNAL, "%s: broken YAML document", r->name);
        if (key->type != YAML_SCALAR_NODE)
            return sg_pyaml_fail_at(r, key, "keys in %s must be strings, found %s", what,
                                    sg_pyaml_node_kind(key));
        for (prev = node->data.mapping.pairs.start; prev < pair; prev++) {
            yaml_node_t *pk = yaml_document_get_node(r->doc, prev->key);
            if (pk != NULL && pk->type == YAML_SCALAR_NODE &&
                strcmp(sg_pyaml_scalar(pk), sg_pyaml_scalar(key)) == 0)
                return sg_pyaml_fail_at(r, key, "duplicate key '%s' in %s", sg_pyaml_scalar(key),
                                        what);
        }
        rc = handler(r, key, value, ctx);
        if (rc < 0)
            return rc;
    }
    return 0;
}

bool sg_pyaml_mapping_has_key(struct sg_pyaml_reader *r, yaml_node_t *node, const char *key)
{
    if (node->type != YAML_MAPPING_NODE)
        return false;
    for (yaml_node_pair_t *pair = node->data.mapping.pairs.start;
         pair < node->data.mapping.pairs.top; pair++) {
        yaml_node_t *k = yaml_document_get_node(r->doc, pair->key);
        if (k != NULL && k->type == YAML_SCALAR_NODE && strcmp(sg_pyaml_scalar(k), key) == 0)
            return true;
    }
    return false;
}

int sg_pyaml_read_string_list(struct sg_pyaml_reader *r, yaml_node_t *node, const char *what,
                              sg_pyaml_item_fn check, void *ctx, struct strlist *out)
{
    yaml_node_item_t *it;
    size_t n;
    int rc;

    sg_policy_strlist_free(out);
    if (sg_pyaml_is_null(node))
        return 0;
    if (node->type != YAML_SEQUENCE_NODE)
        return sg_pyaml_fail_at(r, node, "%s must be a list, found %s", what,
                                sg_pyaml_node_kind(node));
    n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
    if (n > POLICY_MAX_LIST)
        return sg_pyaml_fail_at(r, node, "%s has %zu entries; at most %d are allowed", what, n,
                                POLICY_MAX_LIST);
    out->items = calloc(n ? n : 1, sizeof(char *));
    if (out->items == NULL)
        return sg_error_set(r->err, SG_ERR_NOMEM, "out of memory");
    for (it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++) {
        yaml_node_t *item = yaml_document_get_node(r->doc, *it);
        const char *value;
        if (item == NULL)
            return sg_error_set(r->err, SG_ERR_INTERNAL, "%s: broken YAML document", r->name);
        rc = sg_pyaml_read_string(r, item, what, &value);
        if (rc < 0)
            return rc;
        if (value[0] == '\0')
            return sg_pyaml_fail_at(r, item, "an entry of %s is empty", what);
        r->held += strlen(value) + sizeof(char *);
        if (r->held > POLICY_MAX_HELD)
            return sg_pyaml_fail_at(r, item,
                                    "the policy's lists hold more than %d bytes once aliases are "
                                    "expanded",
                                    POLICY_MAX_HELD);
        if (check != NULL) {
            rc = check(r, item, value, ctx);
            if (rc < 0)
                return rc;
        }
        out->items[out->n] = strdup(value);
        if (out->items[out->n] == NULL)
            return sg_error_set(r->err, SG_ERR_NOMEM, "out of memory");
        out->n++;
    }
    return 0;
}

/* A capability name in the policy must be canonical: the policy is where
 * the canonical form is taught, and an allow-list entry "chown" would read
 * as if PSA allowed that spelling. */
int sg_pyaml_check_capability(struct sg_pyaml_reader *r, yaml_node_t *item, const char *value,
                              void *ctx)
{
    enum sg_cap_spelling spelling;
    int cap = sg_cap_resolve(value, strlen(value), &spelling);
    int *out = ctx;

    if (cap < 0)
        return sg_pyaml_fail_at(r, item, "'%s' is not a Linux capability", value);
    if (spelling != SG_CAP_CANONICAL)
        return sg_pyaml_fail_at(r, item, "capability '%s' must be written '%s'", value,
                                sg_cap_name(cap));
    *out = cap;
    return 0;
}

int sg_pyaml_read_capability_list(struct sg_pyaml_reader *r, yaml_node_t *node, const char *what,
                                  int **caps_out, size_t *n_out)
{
    struct strlist names = {0};
    int *caps = NULL;
    size_t n = 0;
    int rc, cap = -1;

    rc = sg_pyaml_read_string_list(r, node, what, NULL, NULL, &names);
    if (rc < 0)
        goto out;
    caps = calloc(names.n ? names.n : 1, sizeof(int));
    if (caps == NULL) {
        rc = sg_error_set(r->err, SG_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < names.n; i++) {
        yaml_node_t *item = yaml_document_get_node(r->doc, node->data.sequence.items.start[i]);
        rc = sg_pyaml_check_capability(r, item, names.items[i], &cap);
        if (rc < 0)
            goto out;
        caps[n++] = cap;
    }
    *caps_out = caps;
    *n_out = n;
    caps = NULL;
out:
    free(caps);
    sg_policy_strlist_free(&names);
    return rc;
}

int sg_pyaml_check_glob(struct sg_pyaml_reader *r, yaml_node_t *item, const char *value, void *ctx)
{
    (void)ctx;
    /* fnmatch has no compile step; an unterminated bracket matches only
     * itself, which is never what was meant. */
    const char *open = strchr(value, '[');
    if (open != NULL && strchr(open, ']') == NULL)
        return sg_pyaml_fail_at(r, item, "glob '%s' has '[' without ']'", value);
    return 0;
}

int sg_pyaml_read_entries(struct sg_pyaml_reader *r, yaml_node_t *node, const char *what,
                          const char *one, size_t max, size_t size, void **array, size_t *n,
                          sg_pyaml_entry_fn read_entry)
{
    yaml_node_item_t *it;
    size_t count;
    char *entries;
    int rc;

    if (sg_pyaml_is_null(node))
        return 0;
    if (node->type != YAML_SEQUENCE_NODE)
        return sg_pyaml_fail_at(r, node, "%s must be a list, found %s", what,
                                sg_pyaml_node_kind(node));
    count = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
    if (count > max)
        return sg_pyaml_fail_at(r, node, "%s has %zu entries; at most %zu are allowed", what, count,
                                max);
    entries = calloc(count ? count : 1, size);
    if (entries == NULL)
        return sg_error_set(r->err, SG_ERR_NOMEM, "out of memory");
    *array = entries;
    for (it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++) {
        yaml_node_t *item = yaml_document_get_node(r->doc, *it);
        void *entry = entries + *n * size;
        if (item == NULL)
            return sg_error_set(r->err, SG_ERR_INTERNAL, "%s: broken YAML document", r->name);
        (*n)++;
        if (item->type != YAML_MAPPING_NODE)
            return sg_pyaml_fail_at(r, item, "each %s must be a mapping, found %s", one,
                                    sg_pyaml_node_kind(item));
        rc = read_entry(r, item, entry);
        if (rc < 0)
            return rc;
    }
    return 0;
}
