/* scratch.h - a scratch folder for the cmocka tests that touch files:
 * made fresh under /tmp for each test (its setup), removed with all it
 * holds after it (its teardown), the working folder put back in case the
 * test moved. The helpers fail the test (cmocka) when the file system
 * does not do what they ask. */
#ifndef SG_SCRATCH_H
#define SG_SCRATCH_H

#include <limits.h>

struct sg_scratch {
    char path[PATH_MAX];
    char cwd[PATH_MAX];
};

/* cmocka setup and teardown: *state is the struct sg_scratch. */
int sg_scratch_setup(void **state);
int sg_scratch_teardown(void **state);

/* "<scratch>/<name>" into out (PATH_MAX bytes). */
void sg_scratch_path(const struct sg_scratch *s, const char *name, char *out);

/* Writes `text` to <scratch>/<name>; makes the folder <scratch>/<name>. */
void sg_scratch_put(const struct sg_scratch *s, const char *name, const char *text);
void sg_scratch_folder(const struct sg_scratch *s, const char *name);

#endif
