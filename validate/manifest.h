/* manifest.h - Kubernetes manifests (multi-document YAML, or JSON) read as
 * kubectl reads them, into cJSON objects for the engine.
 *
 * kubectl turns YAML into JSON with go-yaml v2 (YAML 1.1): `yes`, `on`, `y`
 * are booleans, `0777` is octal, anchors, aliases and merge keys (`<<`) are
 * expanded, timestamps stay strings. This reader does the same. Whatever it
 * cannot read exactly as kubectl would is refused with the line and column:
 * explicit tags other than !!str, non-scalar or null keys, duplicate keys,
 * NaN and infinities, integers a double cannot hold, a merge that would
 * override a key given before it (go-yaml v2 and the YAML spec disagree
 * there), excessive aliasing and excessive nesting. JSON input (kubectl
 * reads text starting with '{' with Go's JSON decoder) is read by
 * sg_json_parse with the same refusals (a key given twice, an integer a
 * double cannot hold exactly), and invalid UTF-8 becomes U+FFFD as in Go,
 * so every object read can be written back and read back the same
 * (yaml_write.h writes them). No I/O. */
#ifndef SG_MANIFEST_H
#define SG_MANIFEST_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "error.h"

#define SG_MANIFEST_MAX_BYTES (64 * 1024 * 1024) /* one input */
#define SG_MANIFEST_MAX_DEPTH 256                /* nesting of one document */
#define SG_MANIFEST_MAX_NODES 2000000            /* values built, aliases expanded */

struct sg_manifest_doc {
    cJSON *object; /* owned by the manifest */
    size_t index;  /* 1-based document number in the input */
    size_t line;   /* 1-based line where the document starts */
};

struct sg_manifest {
    struct sg_manifest_doc *docs;
    size_t n;
};

/* Reads every document of `len` bytes. Empty documents are skipped, as
 * kubectl skips them. `name` names the input in messages. On an error the
 * documents read before it stay in *out (release it either way) and err
 * says "<name>: document <k>, line <l>, column <c>: <what>". */
int sg_manifest_parse(const char *name, const char *data, size_t len, struct sg_manifest *out,
                      struct sg_error *err);
void sg_manifest_release(struct sg_manifest *m);

#endif
