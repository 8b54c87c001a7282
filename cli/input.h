/* input.h - reading a command's input: a file, or standard input for "-",
 * bounded by a maximum size so a wrong argument (a device, a huge file)
 * fails with a message instead of eating memory. */
#ifndef SG_INPUT_H
#define SG_INPUT_H

#include <stddef.h>

#include "error.h"

/* Reads all of `path` ("-" is stdin) into a malloc'd buffer with a NUL
 * after the last byte (*out, caller frees). Fails with SG_ERR_IO naming the
 * path, or SG_ERR_LIMIT when the input is over `max` bytes. */
int sg_input_read(const char *path, size_t max, char **out, size_t *len, struct sg_error *err);

struct sg_policy;

/* Loads the policy a command runs with: `path`, or the built-in default
 * when path is NULL, with the known profiles of its profiles folder, or of
 * `profiles` (--profiles) when not NULL, attached (profileset.h). Errors
 * name the file, line and column, or the profile and what is wrong. */
int sg_input_policy(const char *path, const char *profiles, struct sg_policy **out,
                    struct sg_error *err);

#endif
