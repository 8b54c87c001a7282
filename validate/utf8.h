/* utf8.h - UTF-8 decoded as Go's unicode/utf8 decodes it: the API server,
 * kubectl and the container runtimes are Go, so a byte they read as
 * U+FFFD must be U+FFFD here too. */
#ifndef SG_UTF8_H
#define SG_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes the sequence at s: returns its length (1 to 4) with *rune set,
 * or 0 when the byte there starts no valid sequence (overlong forms,
 * surrogates and code points past U+10FFFF included), which Go reads as
 * U+FFFD for that one byte. Reads at most `avail` bytes (at least 1), and
 * never past a byte that cannot continue a sequence (a NUL), so a C string
 * may pass 4. */
size_t sg_utf8_decode(const unsigned char *s, size_t avail, uint32_t *rune);

/* sg_utf8_decode's length alone: is there a valid sequence at s. */
static inline size_t sg_utf8_length(const unsigned char *s, size_t avail)
{
    uint32_t rune;

    return sg_utf8_decode(s, avail, &rune);
}

#endif
