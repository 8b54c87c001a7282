/* yaml_plain.h - how go-yaml v2 (kubectl's YAML reader, YAML 1.1) reads a
 * plain scalar: an unquoted, untagged one. `yes`, `on` and `y` are true,
 * `0777` is octal, `~` is null, `<<` is a merge key. The manifest reader
 * resolves scalars with it, and the YAML writer quotes every string that
 * would otherwise read back as something else. */
#ifndef SG_YAML_PLAIN_H
#define SG_YAML_PLAIN_H

#include <stddef.h>

/* 2^53: an integer past it loses digits in a double, so it is refused
 * when read and never written as an integer. */
#define SG_YAML_SAFE_INTEGER 9007199254740992.0

/* How go-yaml v2 reads a plain (unquoted, untagged) scalar. */
enum sg_yaml_plain {
    SG_YAML_STRING,
    SG_YAML_NULL,
    SG_YAML_TRUE,
    SG_YAML_FALSE,
    SG_YAML_INT,    /* *number set */
    SG_YAML_FLOAT,  /* *number set */
    SG_YAML_MERGE,  /* "<<" */
    SG_YAML_REFUSE, /* a value JSON cannot carry (NaN, infinity, huge integer) */
};
/* What s[0..len) is; *number is set for INT and FLOAT. */
enum sg_yaml_plain sg_yaml_plain_resolve(const char *s, size_t len, double *number);

#endif
