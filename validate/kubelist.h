/* kubelist.h - the objects kubectl sends for one manifest document.
 *
 * kubectl (cli-runtime's resource builder: the unstructured JSON scheme,
 * then FlattenListVisitor) reads a document that has an `items` key as a
 * list whatever its kind (a ConfigMap with items, a PodList, kind: List)
 * and sends its items instead of the document. An item that names neither
 * kind nor apiVersion takes the list's apiVersion and the list's kind less
 * a trailing "List" (PodList -> Pod, DeploymentList -> Deployment,
 * ConfigMap -> ConfigMap, List -> none). This module reads a document the
 * same way, so `check` judges what the cluster will be sent.
 *
 * What kubectl refuses, it refuses too, and so it does where kubectl's
 * reading cannot be told: a key spelt `Items` (kubectl before v1.23 read
 * it as items, later versions ignore it), and a kind seccomp-guard judges
 * (a Pod, a Deployment...) that also has items (kubectl sends the items,
 * other tools the Pod). tests/validate/kubectl/ compares every shape with
 * what kubectl sends. No I/O. */
#ifndef SG_KUBELIST_H
#define SG_KUBELIST_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* One object kubectl would send, or one item it would refuse. */
struct sg_kubelist_item {
    const cJSON *object; /* typed as kubectl types it; NULL when refused */
    const char *why;     /* when refused: what kubectl says, for a message */
    size_t index;        /* 0-based position in items */
};

/* Called once per item, in order. `item` and what it points to are
 * borrowed for the call only. */
typedef void (*sg_kubelist_visit)(void *ctx, const struct sg_kubelist_item *item);

/* Reads `doc` (a JSON object) as kubectl does. Not a list: *is_list is
 * false and nothing is visited (the document is the object sent). A list:
 * *is_list is true and `visit` is called for each item, an empty list
 * (items: [] or null) calling it never. Returns SG_ERR_INVALID, visiting
 * nothing, when kubectl would send nothing of the document or its reading
 * cannot be told (err says why), SG_ERR_NOMEM, or 0. */
int sg_kubelist_read(const cJSON *doc, sg_kubelist_visit visit, void *ctx, bool *is_list,
                     struct sg_error *err);

#endif
