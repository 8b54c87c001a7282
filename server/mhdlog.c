/* mhdlog.c - see mhdlog.h. */
#include "mhdlog.h"

#include <stdio.h>
#include <string.h>

#include "error.h"

int sg_mhdlog_init(struct sg_mhdlog *ml)
{
    memset(ml, 0, sizeof(*ml));
    return pthread_mutex_init(&ml->lock, NULL) == 0 ? 0 : SG_ERR_INTERNAL;
}

void sg_mhdlog_release(struct sg_mhdlog *ml)
{
    pthread_mutex_destroy(&ml->lock);
}

void sg_mhdlog_callback(void *cls, const char *fmt, va_list ap)
{
    struct sg_mhdlog *ml = cls;
    unsigned i = 0;

    pthread_mutex_lock(&ml->lock);
    while (i < SG_MHDLOG_KINDS && ml->kind[i].fmt != NULL && ml->kind[i].fmt != fmt)
        i++;
    if (i == SG_MHDLOG_KINDS) {
        ml->others++;
    } else if (ml->kind[i].n++ == 0) {
        ml->kind[i].fmt = fmt;
        vsnprintf(ml->kind[i].first, sizeof(ml->kind[i].first), fmt, ap);
    }
    pthread_mutex_unlock(&ml->lock);
}

void sg_mhdlog_flush(struct sg_mhdlog *ml, struct sg_log *log)
{
    pthread_mutex_lock(&ml->lock);
    for (unsigned i = 0; i < SG_MHDLOG_KINDS && ml->kind[i].fmt != NULL; i++) {
        char *m = ml->kind[i].first;
        size_t n = strlen(m);
        /* Its messages end in ".\n", which a log line does without. */
        while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' ' || m[n - 1] == '.'))
            m[--n] = '\0';
        if (ml->kind[i].n > 1)
            sg_log_event(log, "warn", "http", "%s (%u times)", m, ml->kind[i].n);
        else
            sg_log_event(log, "warn", "http", "%s", m);
        ml->kind[i].fmt = NULL;
        ml->kind[i].n = 0;
    }
    if (ml->others > 0)
        sg_log_event(log, "warn", "http", "%u more libmicrohttpd messages", ml->others);
    ml->others = 0;
    pthread_mutex_unlock(&ml->lock);
}
