/* error.c - see error.h. Messages are truncated, never overflowed. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void sg_error_clear(struct sg_error *err)
{
    if (err == NULL)
        return;
    err->code = 0;
    err->msg[0] = '\0';
}

int sg_error_set(struct sg_error *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return code;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

int sg_error_prefix(struct sg_error *err, const char *fmt, ...)
{
    char context[SG_ERROR_MSG_MAX];
    size_t ctx_len, old_len, room;
    va_list ap;

    if (err == NULL)
        return SG_ERR_INTERNAL;
    va_start(ap, fmt);
    vsnprintf(context, sizeof(context), fmt, ap);
    va_end(ap);
    /* "<context>: <old message>", truncated at the end: the context is
     * short and the old message is the specific part, so keep both heads. */
    ctx_len = strlen(context);
    if (ctx_len > sizeof(err->msg) - 3)
        ctx_len = sizeof(err->msg) - 3;
    old_len = strlen(err->msg);
    room = sizeof(err->msg) - 1 - ctx_len - 2;
    if (old_len > room)
        old_len = room;
    memmove(err->msg + ctx_len + 2, err->msg, old_len);
    memcpy(err->msg, context, ctx_len);
    err->msg[ctx_len] = ':';
    err->msg[ctx_len + 1] = ' ';
    err->msg[ctx_len + 2 + old_len] = '\0';
    return err->code;
}

const char *sg_error_code_name(int code)
{
    switch (code) {
    case SG_OK:
        return "ok";
    case SG_ERR_NOMEM:
        return "out of memory";
    case SG_ERR_INVALID:
        return "invalid input";
    case SG_ERR_LIMIT:
        return "over a limit";
    case SG_ERR_IO:
        return "I/O error";
    case SG_ERR_TLS:
        return "TLS error";
    case SG_ERR_INTERNAL:
        return "internal error";
    case SG_ERR_EXISTS:
        return "already exists";
    default:
        return "unknown error";
    }
}
