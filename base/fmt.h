/* fmt.h - snprintf for messages, without vsnprintf's cost. The engine
 * formats a message for every violation it reports; vsnprintf parses and
 * buffers far more than a message needs. */
#ifndef SG_FMT_H
#define SG_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* snprintf and vsnprintf, with the same text, truncation and return value,
 * for the formats messages use: %s, %d, %zu and %% are written by hand; a
 * format with any other conversion, flag or width goes to vsnprintf whole. */
int sg_fmt_snprintf(char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int sg_fmt_vsnprintf(char *out, size_t cap, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif
