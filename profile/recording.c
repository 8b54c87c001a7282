/* recording.c - see recording.h. */
#include "recording.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "vocab.h"

void sg_recording_init(struct sg_recording *r)
{
    memset(r, 0, sizeof(*r));
}

void sg_recording_release(struct sg_recording *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->names[i]);
    sg_recording_init(r);
}

int sg_recording_add(struct sg_recording *r, const char *name, int nr)
{
    r->calls++;
    if (strncmp(name, "syscall-", 8) == 0) {
        for (size_t i = 0; i < r->n_unnamed; i++) {
            if (r->unnamed[i] == nr)
                return 0;
        }
        if (r->n_unnamed < sizeof(r->unnamed) / sizeof(r->unnamed[0]))
            r->unnamed[r->n_unnamed++] = nr;
        return 0;
    }
    /* A linear scan: a few hundred names, and most calls repeat one of the
     * first few dozen. */
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->names[i], name) == 0)
            return 0;
    }
    if (r->n == SG_RECORDING_MAX) {
        r->full = true;
        return 0;
    }
    r->names[r->n] = strdup(name);
    if (r->names[r->n] == NULL)
        return -1;
    r->n++;
    return 0;
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void sg_recording_write(struct sg_recording *r, uint32_t arches, const char *comment,
                        struct sg_buf *out)
{
    bool first = true;

    qsort(r->names, r->n, sizeof(r->names[0]), by_string);
    sg_buf_adds(out, "{\n");
    if (comment != NULL) {
        sg_buf_adds(out, "  \"comment\": ");
        sg_json_write_string(out, comment);
        sg_buf_adds(out, ",\n");
    }
    sg_buf_addf(out, "  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"defaultErrnoRet\": %d,\n",
                SG_ERRNO_DEFAULT);
    sg_buf_adds(out, "  \"architectures\": [");
    /* The native architecture first, as a person would write it. */
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < SG_ARCH_MAX; i++) {
            const struct sg_arch *a = sg_vocab_arch_get(i);
            bool native = i == sg_vocab_arch_native();
            if ((arches & (UINT32_C(1) << i)) == 0 || a == NULL || native != (pass == 0))
                continue;
            sg_buf_addf(out, "%s\"%s\"", first ? "" : ", ", a->name);
            first = false;
        }
    }
    sg_buf_adds(out, "],\n  \"syscalls\": [\n    {\n      \"names\": [");
    for (size_t i = 0; i < r->n; i++) {
        sg_buf_adds(out, i ? ",\n        " : "\n        ");
        sg_json_write_string(out, r->names[i]);
    }
    sg_buf_adds(out, "\n      ],\n      \"action\": \"SCMP_ACT_ALLOW\"\n    }\n  ]\n}\n");
}
