/* policy_yaml.h - the strict YAML node readers policy_read.c builds a
 * policy with: every error names file, line and column; strings, lists and
 * mappings are bounded; duplicate keys are refused. Private to policy_read.c
 * (and this file's .c). */
#ifndef SG_POLICY_YAML_H
#define SG_POLICY_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "error.h"
#include "policy.h"
#include "policy_model.h"

/* Named bounds on what a policy may hold. */
#define POLICY_MAX_LIST   1024 /* entries in any one list */
#define POLICY_MAX_STRING 1024 /* bytes in a glob or name */
/* Bytes the list entries of a policy may hold, counted with aliases
 * expanded (a few KiB of YAML can name one anchored list from every
 * override, and would hold GiB) plus a pointer each. An eighth of a file:
 * its dump (at most 4 bytes per byte held, plus the keys) still reads back. */
#define POLICY_MAX_HELD (SG_POLICY_MAX_BYTES / 8)

struct sg_pyaml_reader {
    const char *name;
    yaml_document_t *doc;
    struct sg_error *err;
    size_t held; /* bytes of list entries read so far; see POLICY_MAX_HELD */
};

typedef int (*sg_pyaml_key_fn)(struct sg_pyaml_reader *r, yaml_node_t *keynode, yaml_node_t *value,
                               void *ctx);
/* A list of strings (a null value is an empty list). Each item is checked
 * by `check` when given, which may fail_at the item. */
typedef int (*sg_pyaml_item_fn)(struct sg_pyaml_reader *r, yaml_node_t *item, const char *value,
                                void *ctx);

int sg_pyaml_fail_at(struct sg_pyaml_reader *r, const yaml_node_t *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *sg_pyaml_scalar(const yaml_node_t *node);
bool sg_pyaml_is_null(const yaml_node_t *node);
const char *sg_pyaml_node_kind(const yaml_node_t *node);
int sg_pyaml_read_string(struct sg_pyaml_reader *r, const yaml_node_t *node, const char *what,
                         const char **out);
int sg_pyaml_read_mapping(struct sg_pyaml_reader *r, yaml_node_t *node, const char *what,
                          sg_pyaml_key_fn handler, void *ctx);
bool sg_pyaml_mapping_has_key(struct sg_pyaml_reader *r, yaml_node_t *node, const char *key);
int sg_pyaml_read_string_list(struct sg_pyaml_reader *r, yaml_node_t *node, const char *what,
                              sg_pyaml_item_fn check, void *ctx, struct strlist *out);
/* Reads one entry of a list of mappings into `entry` (zeroed), checking
 * what the entry as a whole needs; may fail_at the item. */
typedef int (*sg_pyaml_entry_fn)(struct sg_pyaml_reader *r, yaml_node_t *item, void *entry);
/* A list of mappings (null is an empty list) of at most `max` entries, into
 * a calloc'd array of `size`-byte entries (*array, *n; owned by the
 * caller, who frees it also after an error). `what` names the list in
 * messages ("overrides"), `one` an entry ("override"). */
int sg_pyaml_read_entries(struct sg_pyaml_reader *r, yaml_node_t *node, const char *what,
                          const char *one, size_t max, size_t size, void **array, size_t *n,
                          sg_pyaml_entry_fn read_entry);
int sg_pyaml_check_capability(struct sg_pyaml_reader *r, yaml_node_t *item, const char *value,
                              void *ctx);
int sg_pyaml_read_capability_list(struct sg_pyaml_reader *r, yaml_node_t *node, const char *what,
                                  int **caps_out, size_t *n_out);
int sg_pyaml_check_glob(struct sg_pyaml_reader *r, yaml_node_t *item, const char *value, void *ctx);

#endif
