/* scratch.c - see scratch.h. */
#include "scratch.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

int sg_scratch_setup(void **state)
{
    struct sg_scratch *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return -1;
    snprintf(s->path, sizeof(s->path), "/tmp/sg-test.XXXXXX");
    if (mkdtemp(s->path) == NULL || getcwd(s->cwd, sizeof(s->cwd)) == NULL) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

int sg_scratch_teardown(void **state)
{
    struct sg_scratch *s = *state;
    char cmd[PATH_MAX + 16];
    int rc = 0;

    if (chdir(s->cwd) != 0)
        rc = -1;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->path);
    if (system(cmd) != 0)
        rc = -1;
    free(s);
    return rc;
}

void sg_scratch_path(const struct sg_scratch *s, const char *name, char *out)
{
    snprintf(out, PATH_MAX, "%s/%s", s->path, name);
}

void sg_scratch_put(const struct sg_scratch *s, const char *name, const char *text)
{
    char p[PATH_MAX];
    FILE *f;

    sg_scratch_path(s, name, p);
    f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

void sg_scratch_folder(const struct sg_scratch *s, const char *name)
{
    char p[PATH_MAX];

    sg_scratch_path(s, name, p);
    assert_int_equal(mkdir(p, 0755), 0);
}
