/* read.c - see read.h. */
#include "read.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "report.h"
#include "vocab.h"

/* 2^53: above it a double no longer holds every integer. */
#define EXACT_INTEGER_MAX 9007199254740992.0

void sg_read_quote(char *out, size_t cap, const char *s)
{
    sg_quote(out, cap, s, 80);
}

/* bytes.EqualFold: ASCII letters in either case, and the two non-ASCII
 * letters whose simple case folding reaches ASCII: KELVIN SIGN (k) and
 * LATIN SMALL LETTER LONG S (s). */
bool sg_read_fold_equal(const char *key, const char *field)
{
    const unsigned char *k = (const unsigned char *)key;

    for (const char *f = field; *f != '\0'; f++) {
        int want = *f >= 'A' && *f <= 'Z' ? *f - 'A' + 'a' : *f;
        int got;
        if (k[0] == 0xE2 && k[1] == 0x84 && k[2] == 0xAA) {
            got = 'k';
            k += 3;
        } else if (k[0] == 0xC5 && k[1] == 0xBF) {
            got = 's';
            k += 2;
        } else if (*k == '\0') {
            return false;
        } else {
            got = *k >= 'A' && *k <= 'Z' ? *k - 'A' + 'a' : *k;
            k++;
        }
        if (got != want)
            return false;
    }
    return *k == '\0';
}

static bool has_type(const cJSON *v, enum sg_read_type t)
{
    switch (t) {
    case SG_READ_STRING:
        return cJSON_IsString(v) && v->valuestring != NULL;
    case SG_READ_UINT:
        return cJSON_IsNumber(v);
    case SG_READ_LIST:
        return cJSON_IsArray(v);
    case SG_READ_OBJECT:
        return cJSON_IsObject(v);
    }
    return false;
}

static const char *type_name(enum sg_read_type t)
{
    static const char *const names[] = {[SG_READ_STRING] = "a string",
                                        [SG_READ_UINT] = "a whole number",
                                        [SG_READ_LIST] = "a list",
                                        [SG_READ_OBJECT] = "an object"};
    return names[t];
}

/* Go's decoder refuses a value of the wrong type, so the runtime refuses
 * the profile: fatal. A key Go would read under another spelling is
 * refused too: the runtime would use it and we would not see it. An
 * unknown key's text goes in the message, quoted, never in the path. */
void sg_read_object(struct sg_read *r, const cJSON *obj, const struct sg_read_field *fields,
                    size_t n, void *target)
{
    for (const cJSON *m = obj->child; m != NULL && r->rc == 0; m = m->next) {
        const struct sg_read_field *fd = NULL, *folded = NULL;
        char q[128];
        size_t mark;

        for (size_t i = 0; i < n && fd == NULL; i++) {
            if (strcmp(m->string, fields[i].key) == 0)
                fd = &fields[i];
            else if (folded == NULL && sg_read_fold_equal(m->string, fields[i].key))
                folded = &fields[i];
        }
        if (fd == NULL) {
            sg_read_quote(q, sizeof(q), m->string);
            if (folded != NULL)
                SG_READ_FIND(r, SG_SEV_ERROR, true, "key-case",
                             "key %s is read by the runtimes as %s (Go's JSON decoder ignores "
                             "the case of keys), which seccomp-guard will not guess at; spell "
                             "it %s",
                             q, folded->key, folded->key);
            else
                SG_READ_FIND(r, SG_SEV_WARNING, false, "unknown-key",
                             "unknown key %s: the runtimes ignore it (a typo?)", q);
            continue;
        }
        if (cJSON_IsNull(m))
            continue; /* Go: null leaves the field as it was */
        mark = sg_path_key(&r->path, fd->key);
        if (!has_type(m, fd->type))
            SG_READ_FIND(r, SG_SEV_ERROR, true, "type",
                         "must be %s, found %s: the runtime cannot decode the profile",
                         type_name(fd->type), sg_json_type_name(m));
        else if (fd->read != NULL)
            fd->read(r, m, target);
        sg_path_pop(&r->path, mark);
    }
}

void sg_read_list(struct sg_read *r, const cJSON *list, size_t max, enum sg_read_type type,
                  void (*item)(struct sg_read *r, const cJSON *v, size_t i, void *target),
                  void *target)
{
    size_t i = 0;

    for (const cJSON *it = list->child; it != NULL && r->rc == 0; it = it->next, i++) {
        size_t mark = sg_path_index(&r->path, i);
        if (i == max)
            r->rc = sg_error_set(r->err, SG_ERR_LIMIT, "%s: more than %zu entries",
                                 sg_path_str(&r->path), max);
        else if (!has_type(it, type))
            SG_READ_FIND(r, SG_SEV_ERROR, true, "type",
                         "must be %s, found %s: the runtime cannot decode the profile or "
                         "refuses it",
                         type_name(type), sg_json_type_name(it));
        else
            item(r, it, i, target);
        sg_path_pop(&r->path, mark);
    }
}

void *sg_read_alloc(struct sg_read *r, const cJSON *list, size_t max, size_t size)
{
    size_t n = (size_t)cJSON_GetArraySize(list);
    void *a;

    if (n > max) {
        r->rc = sg_error_set(r->err, SG_ERR_LIMIT, "%s: more than %zu entries",
                             sg_path_str(&r->path), max);
        return NULL;
    }
    a = calloc(n ? n : 1, size);
    if (a == NULL)
        r->rc = sg_error_set(r->err, SG_ERR_NOMEM, "out of memory");
    return a;
}

/* A fraction written as "1.0" or "1e2" is read as the integer it equals,
 * where Go refuses it: the runtime then refuses a profile we accept, which
 * fails closed on the node. cJSON keeps no number's text to tell. */
bool sg_read_uint(struct sg_read *r, const cJSON *v, uint64_t *out)
{
    double d = v->valuedouble;

    if (signbit(d) || d != floor(d)) {
        SG_READ_FIND(r, SG_SEV_ERROR, true, "number",
                     "must be a whole number from 0 up, found %g: the runtime cannot decode the "
                     "profile",
                     d);
        return false;
    }
    if (d > EXACT_INTEGER_MAX) {
        SG_READ_FIND(r, SG_SEV_ERROR, true, "number",
                     "%.0f is over 2^53: seccomp-guard reads JSON numbers as doubles and cannot "
                     "tell what this is exactly, so it refuses the profile",
                     d);
        return false;
    }
    *out = (uint64_t)d;
    return true;
}

/* runc keeps the low 16 bits (int16 in libseccomp-golang); the kernel
 * caps SECCOMP_RET_ERRNO data at MAX_ERRNO. */
bool sg_read_errno(struct sg_read *r, const cJSON *v, unsigned *out)
{
    uint64_t n;
    unsigned low;

    if (!sg_read_uint(r, v, &n))
        return false;
    low = (unsigned)(n & 0xffff);
    *out = low > SG_ERRNO_MAX ? SG_ERRNO_MAX : low;
    if (n > SG_ERRNO_MAX)
        SG_READ_FIND(r, SG_SEV_ERROR, false, "errno-range",
                     "%llu is no errno: the runtimes keep the low 16 bits (%u) and the kernel "
                     "caps the result at %d, so the call fails with errno %u",
                     (unsigned long long)n, low, SG_ERRNO_MAX, *out);
    else if (n == 0)
        SG_READ_FIND(r, SG_SEV_WARNING, false, "errno-zero",
                     "0 is no error: the call is not made and returns 0, as if it had succeeded");
    return true;
}
