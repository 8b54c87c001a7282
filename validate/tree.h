/* tree.h - the walk over a tree cJSON has just read, for what cJSON reads
 * otherwise than Go's encoding/json (json.h lists it): a key given twice,
 * a number past a double, and the strings the scan before cJSON saw
 * holding \u0000 or bytes that are not UTF-8 (those bytes become U+FFFD, as
 * Go reads them, through cJSON's hooks). Strings (keys too) and numbers
 * are counted in document order, as the scan counts them: that is how a
 * problem of the tree is tied to its bytes and the scan's \u0000 to a
 * field. sg_json_parse's second half; nothing else calls it. */
#ifndef SG_TREE_H
#define SG_TREE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "json.h"

struct sg_tree_walk {
    /* asked */
    const struct sg_json_options *opt; /* unique_keys, findings, within */
    const size_t *nul;                 /* the tokens holding \u0000, ascending */
    size_t n_nul;
    bool bad_utf8; /* some string holds a byte that is not UTF-8 */
    /* found, when no findings are asked: the first problem */
    const char *why; /* a static phrase */
    size_t token;    /* the string or number it is at, counted from 0 */
};

/* Walks `root` (read by cJSON from the text the scan saw), repairing its
 * strings in place. With opt->findings each problem is added there, as an
 * `unreadable` violation at its field path, and the walk goes on;
 * without, the first stops it. Returns 0, SG_ERR_INVALID (a problem, no
 * findings asked), SG_ERR_LIMIT (deeper than SG_JSON_MAX_DEPTH, which the
 * scan has already refused) or SG_ERR_NOMEM. */
int sg_tree_check(cJSON *root, struct sg_tree_walk *walk);

#endif
