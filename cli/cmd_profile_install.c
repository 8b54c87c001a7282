/* cmd_profile_install.c - see cmd_profile_install.h. The sync itself (what
 * is installed, refused, removed, and what it promises a node) is
 * profileset/install.c; this file reads the options, runs one sync or the
 * --watch loop, and prints each event as the server's log does: one JSON
 * line on stderr. */
#include "cmd_profile_install.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "install.h"
#include "log.h"
#include "profile.h"
#include "signals.h"

#define INTERVAL_DEFAULT 2
#define INTERVAL_MAX     3600
#define RETRY_SECONDS    60 /* a sync that failed to write is tried again this often */

struct install {
    struct sg_install_opts opts;
    bool watch;
    unsigned interval;
    struct sg_log log;
};

static void print_event(void *ctx, const char *level, const char *event, const char *msg)
{
    sg_log_event(ctx, level, event, "%s", msg);
}

/* --- watching ------------------------------------------------------------- */

/* Sleeps up to `seconds`; returns the signals that came (SG_SIGNAL_*). */
static unsigned wait_for(unsigned seconds)
{
    struct pollfd pfd = {.fd = sg_signals_fd(), .events = POLLIN};

    (void)poll(&pfd, 1, (int)seconds * 1000);
    return sg_signals_take();
}

/* Syncs again when --from or an installed file changed, on SIGHUP, or
 * every RETRY_SECONDS after a sync that failed to write; until SIGTERM or
 * SIGINT. */
static int watch(struct install *in)
{
    struct sg_install_snapshot last = {0}, now;
    time_t last_sync = time(NULL);
    bool retry;

    sg_install_sync(&in->opts, &last, &retry);
    for (;;) {
        unsigned sig = wait_for(in->interval);
        if (sig & SG_SIGNAL_STOP)
            break;
        sg_install_snapshot_take(&in->opts, &last, &now);
        if (sg_install_snapshot_equal(&now, &last) && !(sig & SG_SIGNAL_RELOAD) &&
            !(retry && time(NULL) - last_sync >= RETRY_SECONDS)) {
            sg_install_snapshot_release(&now);
            continue;
        }
        sg_install_snapshot_release(&now);
        sg_install_snapshot_release(&last);
        last_sync = time(NULL);
        sg_install_sync(&in->opts, &last, &retry);
    }
    sg_install_snapshot_release(&last);
    sg_log_event(&in->log, "info", "stop", "stopped by a signal");
    return SG_INSTALL_OK;
}

/* --- the command ------------------------------------------------------------ */

void sg_cmd_profile_install_usage(FILE *out)
{
    fprintf(out,
            "install copies every *.json profile below --from (a mounted ConfigMap: names\n"
            "        starting with . are skipped, linked files followed) into --to at the same\n"
            "        path, mode 0644, each file replaced whole. A profile that does not parse\n"
            "        or that runc refuses is not installed (a copy installed earlier stays);\n"
            "        a permissive or unconfined one only with --allow-permissive (without\n"
            "        it, a permissive copy installed earlier goes). Removes what it\n"
            "        installed earlier and is gone from --from, nothing else (the\n"
            "        file " SG_INSTALL_RECORD " in --to names what it installed). --watch\n"
            "        syncs again whenever --from or an installed file changes (checked every\n"
            "        --interval seconds, default %d; SIGHUP: at once) until SIGTERM or SIGINT.\n"
            "        One JSON line per event on stderr. Exit 0 all installed (or stopped by a\n"
            "        signal), 1 some profile not installed or not removed, 2 bad usage or a\n"
            "        folder that cannot be used.\n",
            INTERVAL_DEFAULT);
}

static int parse_interval(const char *text, unsigned *out)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || v < 1 || v > INTERVAL_MAX)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int parse_args(int argc, char **argv, struct install *in)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--from") == 0 && v != NULL) {
            in->opts.from = argv[++i];
        } else if (strcmp(a, "--to") == 0 && v != NULL) {
            in->opts.to = argv[++i];
        } else if (strcmp(a, "--interval") == 0 && v != NULL &&
                   parse_interval(v, &in->interval) == 0) {
            i++;
        } else if (strcmp(a, "--watch") == 0) {
            in->watch = true;
        } else if (strcmp(a, "--allow-permissive") == 0) {
            in->opts.allow_permissive = true;
        } else {
            fprintf(stderr, "seccomp-guard profile install: bad option or value at '%s'%s\n", a,
                    strcmp(a, "--interval") == 0 ? " (whole seconds, 1 to 3600)" : "");
            return -1;
        }
    }
    if (in->opts.from == NULL || in->opts.to == NULL || in->opts.from[0] == '\0' ||
        in->opts.to[0] == '\0') {
        fprintf(stderr, "seccomp-guard profile install: usage: profile install --from DIR --to "
                        "DIR [--watch] [--interval SECONDS] [--allow-permissive]\n");
        return -1;
    }
    return 0;
}

/* The checks that make exit 2 before anything runs. */
static int check_usable(const struct install *in)
{
    struct stat st;

    errno = 0;
    if (stat(in->opts.from, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "seccomp-guard profile install: --from '%s': %s\n", in->opts.from,
                errno != 0 ? strerror(errno) : "not a folder");
        return -1;
    }
    if (sg_vocab_arch_native() < 0) {
        fprintf(stderr, "seccomp-guard profile install: this machine's architecture is not one "
                        "seccomp-guard can judge profiles for\n");
        return -1;
    }
    return 0;
}

int sg_cmd_profile_install(int argc, char **argv)
{
    struct install in = {.interval = INTERVAL_DEFAULT};
    struct sg_error err;
    int status;

    if (parse_args(argc, argv, &in) < 0 || check_usable(&in) < 0)
        return SG_INSTALL_UNUSABLE;
    /* Profiles are read by the kubelet and the runtime, as root; 0644 says
     * so whatever umask the command was started with. */
    umask(022);
    sg_error_clear(&err);
    if (sg_log_init(&in.log, STDOUT_FILENO, STDERR_FILENO) < 0)
        return SG_INSTALL_UNUSABLE;
    in.opts.event = print_event;
    in.opts.ctx = &in.log;
    if (!in.watch) {
        status = (int)sg_install_sync(&in.opts, NULL, NULL);
    } else if (sg_signals_install(&err) < 0) {
        fprintf(stderr, "seccomp-guard profile install: %s\n", err.msg);
        status = SG_INSTALL_UNUSABLE;
    } else {
        sg_log_event(&in.log, "info", "start", "installing the profiles of %s into %s, every %us",
                     in.opts.from, in.opts.to, in.interval);
        status = watch(&in);
        sg_signals_restore();
    }
    sg_log_release(&in.log);
    return status;
}
