/* fmt.c - see fmt.h. */
#include "fmt.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Puts n bytes of s at *o in out (size cap), as far as they fit before
 * the terminating NUL; *o counts every byte, as snprintf's result does. */
static inline void put(char *out, size_t cap, size_t *o, const char *s, size_t n)
{
    if (*o < cap) {
        size_t room = cap - 1 - *o;
        memcpy(out + *o, s, n < room ? n : room);
    }
    *o += n;
}

/* Writes v in decimal at the end of num[24]; returns the first digit. */
static char *decimal(char num[24], uintmax_t v)
{
    char *d = num + 24;

    do {
        *--d = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    return d;
}

int sg_fmt_vsnprintf(char *out, size_t cap, const char *fmt, va_list ap)
{
    const char *f = fmt;
    size_t o = 0;
    va_list whole;
    int n;

    va_copy(whole, ap);
    for (;;) {
        const char *pct = strchr(f, '%');
        const char *s;
        char num[24];
        size_t len;
        if (pct == NULL) {
            put(out, cap, &o, f, strlen(f));
            break;
        }
        put(out, cap, &o, f, (size_t)(pct - f));
        switch (pct[1]) {
        case 's':
            s = va_arg(ap, const char *);
            if (s == NULL)
                s = "(null)"; /* as glibc writes it */
            len = strlen(s);
            f = pct + 2;
            break;
        case 'd': {
            int v = va_arg(ap, int);
            uintmax_t u = v < 0 ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v;
            char *d = decimal(num, u);
            if (v < 0)
                *--d = '-';
            s = d;
            len = (size_t)(num + sizeof(num) - d);
            f = pct + 2;
            break;
        }
        case 'z':
            if (pct[2] != 'u')
                goto whole;
            s = decimal(num, va_arg(ap, size_t));
            len = (size_t)(num + sizeof(num) - s);
            f = pct + 3;
            break;
        case '%':
            s = "%";
            len = 1;
            f = pct + 2;
            break;
        default:
            goto whole;
        }
        put(out, cap, &o, s, len);
    }
    va_end(whole);
    if (cap > 0)
        out[o < cap ? o : cap - 1] = '\0';
    return o > INT_MAX ? -1 : (int)o;
whole:
    /* Nothing was consumed that vsnprintf cannot redo from the start. */
    n = vsnprintf(out, cap, fmt, whole);
    va_end(whole);
    return n;
}

int sg_fmt_snprintf(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = sg_fmt_vsnprintf(out, cap, fmt, ap);
    va_end(ap);
    return n;
}
