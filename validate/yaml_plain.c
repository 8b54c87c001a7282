/* yaml_plain.c - see yaml_plain.h. */
#include "yaml_plain.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *word;
    enum sg_yaml_plain value;
} plain_words[] = {
    {"y", SG_YAML_TRUE},       {"Y", SG_YAML_TRUE},       {"yes", SG_YAML_TRUE},
    {"Yes", SG_YAML_TRUE},     {"YES", SG_YAML_TRUE},     {"true", SG_YAML_TRUE},
    {"True", SG_YAML_TRUE},    {"TRUE", SG_YAML_TRUE},    {"on", SG_YAML_TRUE},
    {"On", SG_YAML_TRUE},      {"ON", SG_YAML_TRUE},      {"n", SG_YAML_FALSE},
    {"N", SG_YAML_FALSE},      {"no", SG_YAML_FALSE},     {"No", SG_YAML_FALSE},
    {"NO", SG_YAML_FALSE},     {"false", SG_YAML_FALSE},  {"False", SG_YAML_FALSE},
    {"FALSE", SG_YAML_FALSE},  {"off", SG_YAML_FALSE},    {"Off", SG_YAML_FALSE},
    {"OFF", SG_YAML_FALSE},    {"~", SG_YAML_NULL},       {"null", SG_YAML_NULL},
    {"Null", SG_YAML_NULL},    {"NULL", SG_YAML_NULL},    {".nan", SG_YAML_REFUSE},
    {".NaN", SG_YAML_REFUSE},  {".NAN", SG_YAML_REFUSE},  {".inf", SG_YAML_REFUSE},
    {".Inf", SG_YAML_REFUSE},  {".INF", SG_YAML_REFUSE},  {"+.inf", SG_YAML_REFUSE},
    {"+.Inf", SG_YAML_REFUSE}, {"+.INF", SG_YAML_REFUSE}, {"-.inf", SG_YAML_REFUSE},
    {"-.Inf", SG_YAML_REFUSE}, {"-.INF", SG_YAML_REFUSE}, {"<<", SG_YAML_MERGE},
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Go's strconv.ParseInt/ParseUint with base 0 (sign, 0x, 0b, 0o, leading-0
 * octal), on a string whose underscores are already gone. */
static bool parse_go_int(const char *s, bool allow_sign, double *out, bool *exact)
{
    bool neg = false;
    unsigned base = 10;
    unsigned long long v = 0, limit;
    size_t digits = 0;

    if (allow_sign && (*s == '+' || *s == '-')) {
        neg = *s == '-';
        s++;
    }
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    } else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
        base = 2;
        s += 2;
    } else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
        base = 8;
        s += 2;
    } else if (s[0] == '0' && s[1] != '\0') {
        base = 8;
        s += 1;
    }
    limit = allow_sign ? (neg ? 9223372036854775808ULL : 9223372036854775807ULL)
                       : 18446744073709551615ULL;
    for (; *s != '\0'; s++, digits++) {
        unsigned d;
        if (is_digit(*s))
            d = (unsigned)(*s - '0');
        else if (*s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (*s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            return false;
        if (d >= base || v > (limit - d) / base)
            return false;
        v = v * base + d;
    }
    if (digits == 0 && base != 8)
        return false;
    *out = neg ? -(double)v : (double)v;
    *exact = v <= (1ULL << 53);
    return true;
}

/* go-yaml v2's yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool yaml_style_float(const char *s)
{
    size_t n = 0;

    if (*s == '+' || *s == '-')
        s++;
    if (*s == '.') {
        s++;
        while (is_digit(*s))
            s++, n++;
        if (n == 0)
            return false;
    } else {
        while (is_digit(*s))
            s++, n++;
        if (n == 0)
            return false;
        if (*s == '.') {
            s++;
            while (is_digit(*s))
                s++;
        }
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!is_digit(*s))
            return false;
        while (is_digit(*s))
            s++;
    }
    return *s == '\0';
}

enum sg_yaml_plain sg_yaml_plain_resolve(const char *s, size_t len, double *number)
{
    enum sg_yaml_plain result = SG_YAML_STRING;
    char *plain;
    size_t o = 0;
    bool exact = false;
    char c;

    if (len == 0)
        return SG_YAML_NULL;
    for (size_t i = 0; i < sizeof(plain_words) / sizeof(plain_words[0]); i++) {
        if (strlen(plain_words[i].word) == len && memcmp(plain_words[i].word, s, len) == 0)
            return plain_words[i].value;
    }
    c = s[0];
    if (c == '.') {
        /* Only ".5"-like floats: ParseFloat of the text as written. */
        if (len < 64 && memchr(s, '\0', len) == NULL) {
            char tmp[64];
            memcpy(tmp, s, len);
            tmp[len] = '\0';
            if (yaml_style_float(tmp)) {
                errno = 0;
                *number = strtod(tmp, NULL);
                /* As Go's ParseFloat: an overflow fails (the text stays a
                 * string), an underflow rounds to the nearest double. */
                return errno == ERANGE && isinf(*number) ? SG_YAML_STRING : SG_YAML_FLOAT;
            }
        }
        return SG_YAML_STRING;
    }
    if (!is_digit(c) && c != '+' && c != '-')
        return SG_YAML_STRING;
    if (memchr(s, '\0', len) != NULL)
        return SG_YAML_STRING;
    plain = malloc(len + 1);
    if (plain == NULL)
        return SG_YAML_REFUSE;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '_')
            plain[o++] = s[i];
    }
    plain[o] = '\0';
    if (parse_go_int(plain, true, number, &exact) || parse_go_int(plain, false, number, &exact)) {
        result = exact ? SG_YAML_INT : SG_YAML_REFUSE;
    } else if (yaml_style_float(plain)) {
        errno = 0;
        *number = strtod(plain, NULL);
        /* Go's ParseFloat fails on overflow, so go-yaml keeps the text; an
         * underflow rounds to the nearest double (0 or a subnormal), in Go
         * as in strtod. */
        result = errno == ERANGE && isinf(*number) ? SG_YAML_STRING : SG_YAML_FLOAT;
    }
    free(plain);
    return result;
}
