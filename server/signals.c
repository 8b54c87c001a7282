/* signals.c - see signals.h. */
#include "signals.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got_stop;
static volatile sig_atomic_t got_reload;
static int wake_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    int saved = errno;

    if (sig == SIGHUP)
        got_reload = 1;
    else
        got_stop = 1;
    if (wake_pipe[1] >= 0) {
        ssize_t n = write(wake_pipe[1], "s", 1);
        (void)n; /* a full pipe already wakes the loop */
    }
    errno = saved;
}

static const int handled[] = {SIGTERM, SIGINT, SIGHUP};

int sg_signals_install(struct sg_error *err)
{
    struct sigaction sa;

    if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return sg_error_set(err, SG_ERR_INTERNAL, "cannot create the signal pipe: %s",
                            strerror(errno));
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++) {
        if (sigaction(handled[i], &sa, NULL) != 0)
            return sg_error_set(err, SG_ERR_INTERNAL, "cannot handle signal %d: %s", handled[i],
                                strerror(errno));
    }
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

int sg_signals_fd(void)
{
    return wake_pipe[0];
}

unsigned sg_signals_take(void)
{
    unsigned bits = 0;
    char drain[64];

    while (wake_pipe[0] >= 0 && read(wake_pipe[0], drain, sizeof(drain)) > 0)
        ;
    if (got_stop) {
        got_stop = 0;
        bits |= SG_SIGNAL_STOP;
    }
    if (got_reload) {
        got_reload = 0;
        bits |= SG_SIGNAL_RELOAD;
    }
    return bits;
}

void sg_signals_restore(void)
{
    for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
        signal(handled[i], SIG_DFL);
    for (int i = 0; i < 2; i++) {
        if (wake_pipe[i] >= 0)
            close(wake_pipe[i]);
        wake_pipe[i] = -1;
    }
}
