/* cmd_serve.c - `seccomp-guard serve`: the HTTPS admission webhook.
 *
 * Options come from one table (name, kind, bounds, help); the defaults shown
 * by --help are read from sg_server_config_init, so they cannot drift from
 * what the server does. Start-up errors go to stderr with exit status 1,
 * usage errors with 2; a graceful stop (SIGTERM, SIGINT) exits 0. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "review.h"
#include "server.h"
#include "signals.h"

enum opt_kind { OPT_PATH, OPT_SIZE, OPT_UINT };

struct opt {
    const char *name;
    const char *metavar;
    enum opt_kind kind;
    size_t offset; /* into struct sg_server_config */
    unsigned long long min, max;
    const char *help;
};

#define CFG(field) offsetof(struct sg_server_config, field)

static const struct opt opts[] = {
    {"--policy", "FILE", OPT_PATH, CFG(policy_path), 0, 0,
     "policy YAML (required); re-read, with its profiles folder, when either changes and on "
     "SIGHUP"},
    {"--tls-cert", "FILE", OPT_PATH, CFG(cert_path), 0, 0,
     "PEM certificate chain, leaf first (required); re-read on change"},
    {"--tls-key", "FILE", OPT_PATH, CFG(key_path), 0, 0,
     "PEM private key, ECDSA or RSA (required); re-read on change"},
    {"--listen", "ADDR:PORT", OPT_PATH, CFG(listen), 0, 0,
     "address to listen on; :PORT is every IPv4 address, [::]:PORT IPv6"},
    {"--client-ca", "FILE", OPT_PATH, CFG(client_ca_path), 0, 0,
     "PEM CA bundle; when given, clients must present a certificate it signed"},
    /* The engine reads at most SG_REVIEW_MAX_BYTES: a larger limit would
     * only turn a 413 into a 400. */
    {"--max-body-bytes", "N", OPT_SIZE, CFG(max_body_bytes), 1, SG_REVIEW_MAX_BYTES,
     "largest request body; bigger gets 413 (from the Content-Length, before any of it is read)"},
    {"--body-memory-bytes", "N", OPT_SIZE, CFG(body_memory_bytes), 1, 1ull << 34,
     "memory for all request bodies being received at once, taken as their bytes arrive; one "
     "client address may hold half of it (at least one largest body); over it, 503"},
    {"--max-connections", "N", OPT_UINT, CFG(max_connections), 1, 100000,
     "open client connections in all; at it, idle ones are closed for waiting newcomers"},
    {"--max-connections-per-address", "N", OPT_UINT, CFG(max_connections_per_address), 1, 100000,
     "open connections from one client address; more are closed at once"},
    {"--connection-memory-bytes", "N", OPT_SIZE, CFG(connection_memory), 4096, 1ull << 24,
     "memory per connection for the request head (request line and header fields); a longer "
     "head gets 431"},
    {"--idle-timeout", "SECONDS", OPT_UINT, CFG(idle_timeout_s), 1, 86400,
     "close a keep-alive connection with no request for this long"},
    {"--request-timeout", "SECONDS", OPT_UINT, CFG(request_timeout_s), 1, 3600,
     "close a connection whose request takes longer, from its first byte to its response "
     "sent; a byte-a-second client or one that never reads cannot hold a connection"},
    {"--handshake-timeout", "SECONDS", OPT_UINT, CFG(handshake_timeout_s), 1, 3600,
     "close a connection whose TLS handshake takes longer (at most the request timeout)"},
    {"--threads", "N", OPT_UINT, CFG(threads), 0, 64,
     "server threads, each serving many connections; 0 = one per usable CPU (affinity mask, "
     "capped by a container CPU limit)"},
};

#define N_OPTS (sizeof(opts) / sizeof(opts[0]))

static void show_default(FILE *out, const struct opt *o, const struct sg_server_config *def)
{
    const char *p = (const char *)def + o->offset;

    switch (o->kind) {
    case OPT_PATH: {
        const char *v = *(const char *const *)(const void *)p;
        if (v != NULL)
            fprintf(out, " (default %s)", v);
        break;
    }
    case OPT_SIZE:
        fprintf(out, " (default %zu)", *(const size_t *)(const void *)p);
        break;
    case OPT_UINT:
        fprintf(out, " (default %u)", *(const unsigned *)(const void *)p);
        break;
    }
}

static void usage(FILE *out)
{
    struct sg_server_config def;
    char left[64];

    sg_server_config_init(&def);
    fprintf(out, "usage: seccomp-guard serve --policy FILE --tls-cert FILE --tls-key FILE "
                 "[options]\n\n"
                 "Serves POST /validate and /mutate (AdmissionReview), GET /healthz, /readyz and "
                 "/metrics over HTTPS (TLS 1.2+).\n"
                 "Logs one JSON line per decision on stdout and events on stderr. SIGHUP "
                 "re-reads the policy (and its profiles) and certificate;\n"
                 "SIGTERM or SIGINT stops accepting, finishes requests in flight and exits 0.\n\n"
                 "options:\n");
    for (size_t i = 0; i < N_OPTS; i++) {
        snprintf(left, sizeof(left), "%s %s", opts[i].name, opts[i].metavar);
        fprintf(out, "  %-32s %s", left, opts[i].help);
        show_default(out, &opts[i], &def);
        fputc('\n', out);
    }
    fprintf(out, "  %-32s %s\n", "--help", "show this help");
}

static int set_opt(const struct opt *o, const char *value, struct sg_server_config *cfg)
{
    char *p = (char *)cfg + o->offset;
    unsigned long long v;
    char *end;

    if (o->kind == OPT_PATH) {
        if (*value == '\0') {
            fprintf(stderr, "seccomp-guard serve: %s needs a value\n", o->name);
            return -1;
        }
        *(const char **)(void *)p = value;
        return 0;
    }
    errno = 0;
    v = strtoull(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || value[0] == '-' || v < o->min || v > o->max) {
        fprintf(stderr, "seccomp-guard serve: %s '%s': want a whole number from %llu to %llu\n",
                o->name, value, o->min, o->max);
        return -1;
    }
    if (o->kind == OPT_SIZE)
        *(size_t *)(void *)p = (size_t)v;
    else
        *(unsigned *)(void *)p = (unsigned)v;
    return 0;
}

/* Parses argv into cfg. Returns 0, 1 for --help (printed), -1 on error. */
static int parse_args(int argc, char **argv, struct sg_server_config *cfg)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *value = NULL;
        const struct opt *o = NULL;
        size_t n;

        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            return 1;
        }
        for (size_t k = 0; k < N_OPTS; k++) {
            n = strlen(opts[k].name);
            if (strncmp(arg, opts[k].name, n) == 0 && (arg[n] == '\0' || arg[n] == '=')) {
                o = &opts[k];
                value = arg[n] == '=' ? arg + n + 1 : NULL;
                break;
            }
        }
        if (o == NULL) {
            fprintf(stderr, "seccomp-guard serve: unknown option '%s' (see --help)\n", arg);
            return -1;
        }
        if (value == NULL) {
            if (i + 1 >= argc) {
                fprintf(stderr, "seccomp-guard serve: %s needs a value\n", o->name);
                return -1;
            }
            value = argv[++i];
        }
        if (set_opt(o, value, cfg) != 0)
            return -1;
    }
    if (cfg->policy_path == NULL || cfg->cert_path == NULL || cfg->key_path == NULL) {
        fprintf(stderr, "seccomp-guard serve: --policy, --tls-cert and --tls-key are required "
                        "(see --help)\n");
        return -1;
    }
    return 0;
}

int sg_cmd_serve(int argc, char **argv)
{
    struct sg_server_config cfg;
    struct sg_server *server = NULL;
    struct sg_error err;
    int rc;

    sg_server_config_init(&cfg);
    rc = parse_args(argc, argv, &cfg);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    sg_error_clear(&err);
    if (sg_signals_install(&err) != 0) {
        fprintf(stderr, "seccomp-guard serve: %s\n", err.msg);
        return 1;
    }
    if (sg_server_start(&cfg, &server, &err) != 0) {
        fprintf(stderr, "seccomp-guard serve: %s\n", err.msg);
        sg_signals_restore();
        return 1;
    }
    sg_server_run(server);
    sg_server_free(server);
    sg_signals_restore();
    return 0;
}
