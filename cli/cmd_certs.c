/* cmd_certs.c - `seccomp-guard certs`: reads the options, checks each one so
 * that a bad value is reported by its option's name, and hands the job to
 * certs/. The caBundle goes to stdout alone (scripts capture it); every other
 * line goes to stderr. Exit 0 done, 2 bad usage or input, 1 failure. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "certs.h"
#include "pem.h"
#include "commands.h"

enum opt_id {
    OPT_SERVICE,
    OPT_NAMESPACE,
    OPT_OUT,
    OPT_DNS,
    OPT_IP,
    OPT_KEY_TYPE,
    OPT_RSA_BITS,
    OPT_DAYS,
    OPT_CA_DAYS,
    OPT_CA_CERT,
    OPT_CA_KEY,
    OPT_FORCE,
    OPT_PATCH,
    OPT_HELP,
};

/* The options, in the order --help lists them. arg NULL: a flag. */
static const struct option_spec {
    const char *name;
    enum opt_id id;
    const char *arg;
    const char *help;
} options[] = {
    {"--service", OPT_SERVICE, "NAME", "the webhook Service's name (required)"},
    {"--namespace", OPT_NAMESPACE, "NS", "its namespace (required)"},
    {"--out", OPT_OUT, "DIR", "where to write ca.crt, tls.crt, tls.key, ca.key (required)"},
    {"--dns", OPT_DNS, "NAME", "an extra DNS name in the certificate (repeatable)"},
    {"--ip", OPT_IP, "ADDR", "an extra IPv4 or IPv6 address in the certificate (repeatable)"},
    {"--key-type", OPT_KEY_TYPE, "ecdsa|rsa", "key algorithm (default ecdsa, P-256)"},
    {"--rsa-bits", OPT_RSA_BITS, "N", "RSA key size: 2048, 3072 (default) or 4096"},
    {"--days", OPT_DAYS, "N", "serving certificate validity in days (default 365)"},
    {"--ca-days", OPT_CA_DAYS, "N", "new CA validity in days (default 3650)"},
    {"--ca-cert", OPT_CA_CERT, "FILE", "sign with this CA instead of making one (with --ca-key)"},
    {"--ca-key", OPT_CA_KEY, "FILE", "the private key of --ca-cert"},
    {"--force", OPT_FORCE, NULL, "replace files that already exist"},
    {"--ca-bundle-patch", OPT_PATCH, "FILE",
     "also write a kustomize patch setting caBundle in both webhook configurations"},
    {"--help", OPT_HELP, NULL, "show this help"},
};

#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

struct certs_args {
    struct sg_certs_opts opts;
    const char *dns[SG_SAN_EXTRA_MAX];
    const char *ips[SG_SAN_EXTRA_MAX];
    bool rsa_bits_given;
    bool help;
};

static void usage(FILE *out)
{
    char left[64];

    fprintf(out, "usage: seccomp-guard certs --service NAME --namespace NS --out DIR [options]\n\n"
                 "Creates a CA (or reuses one) and a serving certificate for the webhook\n"
                 "Service, writes them as PEM files in DIR and prints the base64 caBundle\n"
                 "on stdout. Existing files are kept unless --force is given.\n\n"
                 "options:\n");
    for (size_t i = 0; i < N_OPTIONS; i++) {
        snprintf(left, sizeof(left), "%s%s%s", options[i].name, options[i].arg != NULL ? " " : "",
                 options[i].arg != NULL ? options[i].arg : "");
        fprintf(out, "  %-26s %s\n", left, options[i].help);
    }
    fprintf(out, "\nThe certificate names NAME, NAME.NS, NAME.NS.svc and\n"
                 "NAME.NS.svc.cluster.local, then every --dns and --ip. For a local run add\n"
                 "--dns localhost --ip 127.0.0.1. To renew without changing the caBundle:\n"
                 "  --ca-cert DIR/ca.crt --ca-key DIR/ca.key --force\n"
                 "Exit status: 0 done, 2 bad usage or input, 1 failure.\n");
}

static int bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int bad_usage(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "seccomp-guard certs: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nrun 'seccomp-guard certs --help' for the options\n");
    return 2;
}

/* A whole-string decimal integer within [min, max]. */
static int parse_int(const char *opt, const char *value, long min, long max, int *out)
{
    char *end = NULL;
    long v;

    errno = 0;
    v = strtol(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || v < min || v > max)
        return bad_usage("%s '%s' is not a whole number from %ld to %ld", opt, value, min, max);
    *out = (int)v;
    return 0;
}

static int apply(struct certs_args *a, const struct option_spec *o, const char *value)
{
    struct sg_certs_opts *opts = &a->opts;

    switch (o->id) {
    case OPT_SERVICE:
    case OPT_NAMESPACE:
        if (!sg_san_is_dns_label(value))
            return bad_usage("%s '%s' is not a DNS-1123 label (lower-case letters, digits and "
                             "'-', starting and ending with a letter or digit, at most %d "
                             "characters)",
                             o->name, value, SG_SAN_DNS_LABEL_MAX);
        if (o->id == OPT_SERVICE)
            opts->service = value;
        else
            opts->namespace = value;
        return 0;
    case OPT_OUT:
        if (value[0] == '\0')
            return bad_usage("%s needs a directory", o->name);
        opts->out_dir = value;
        return 0;
    case OPT_DNS:
        if (sg_san_is_ip(value))
            return bad_usage("%s '%s' is an IP address; give it with --ip", o->name, value);
        if (!sg_san_is_dns_name(value))
            return bad_usage("%s '%s' is not a DNS name (lower-case DNS-1123 labels joined by "
                             "'.', optionally starting with '*.')",
                             o->name, value);
        if (opts->n_dns == SG_SAN_EXTRA_MAX)
            return bad_usage("more than %d %s names", SG_SAN_EXTRA_MAX, o->name);
        a->dns[opts->n_dns++] = value;
        return 0;
    case OPT_IP:
        if (!sg_san_is_ip(value))
            return bad_usage("%s '%s' is not an IPv4 or IPv6 address", o->name, value);
        if (opts->n_ips == SG_SAN_EXTRA_MAX)
            return bad_usage("more than %d %s addresses", SG_SAN_EXTRA_MAX, o->name);
        a->ips[opts->n_ips++] = value;
        return 0;
    case OPT_KEY_TYPE:
        if (strcmp(value, "ecdsa") == 0)
            opts->key_type = SG_MINT_KEY_ECDSA;
        else if (strcmp(value, "rsa") == 0)
            opts->key_type = SG_MINT_KEY_RSA;
        else
            return bad_usage("%s '%s' is not 'ecdsa' or 'rsa'", o->name, value);
        return 0;
    case OPT_RSA_BITS:
        if (parse_int(o->name, value, 2048, 4096, &opts->rsa_bits) != 0)
            return 2;
        if (opts->rsa_bits != 2048 && opts->rsa_bits != 3072 && opts->rsa_bits != 4096)
            return bad_usage("%s '%s' is not 2048, 3072 or 4096", o->name, value);
        a->rsa_bits_given = true;
        return 0;
    case OPT_DAYS:
        return parse_int(o->name, value, 1, SG_CERTS_DAYS_MAX, &opts->days);
    case OPT_CA_DAYS:
        return parse_int(o->name, value, 1, SG_CERTS_DAYS_MAX, &opts->ca_days);
    case OPT_CA_CERT:
        opts->ca_cert_path = value;
        return 0;
    case OPT_CA_KEY:
        opts->ca_key_path = value;
        return 0;
    case OPT_PATCH:
        if (value[0] == '\0')
            return bad_usage("%s needs a file name", o->name);
        opts->ca_bundle_patch_path = value;
        return 0;
    case OPT_FORCE:
        opts->force = true;
        return 0;
    case OPT_HELP:
        a->help = true;
        return 0;
    }
    return bad_usage("internal error: option %s has no handler", o->name);
}

/* Reads "--opt VALUE" and "--opt=VALUE". Single-valued options given twice
 * are refused rather than silently taking the last. */
static int parse_args(int argc, char **argv, struct certs_args *a)
{
    bool seen[N_OPTIONS];

    memset(seen, 0, sizeof(seen));
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *eq = strchr(arg, '=');
        size_t name_len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
        const struct option_spec *o = NULL;
        const char *value = NULL;
        size_t k;
        int rc;

        for (k = 0; k < N_OPTIONS && o == NULL; k++) {
            if (strlen(options[k].name) == name_len && strncmp(options[k].name, arg, name_len) == 0)
                o = &options[k];
        }
        if (o == NULL)
            return bad_usage("unknown option '%s'", arg);
        k--;
        if (o->arg == NULL) {
            if (eq != NULL)
                return bad_usage("%s takes no value", o->name);
        } else if (eq != NULL) {
            value = eq + 1;
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            return bad_usage("%s needs a value (%s)", o->name, o->arg);
        }
        if (seen[k] && o->id != OPT_DNS && o->id != OPT_IP)
            return bad_usage("%s is given twice", o->name);
        seen[k] = true;
        rc = apply(a, o, value);
        if (rc != 0)
            return rc;
    }
    if (a->help)
        return 0;
    if (a->opts.service == NULL)
        return bad_usage("--service NAME is required");
    if (a->opts.namespace == NULL)
        return bad_usage("--namespace NS is required");
    if (a->opts.out_dir == NULL)
        return bad_usage("--out DIR is required");
    if (a->rsa_bits_given && a->opts.key_type != SG_MINT_KEY_RSA)
        return bad_usage("--rsa-bits needs --key-type rsa");
    if (a->opts.ca_cert_path != NULL && a->opts.ca_key_path == NULL)
        return bad_usage("--ca-cert needs --ca-key (the CA's private key)");
    if (a->opts.ca_key_path != NULL && a->opts.ca_cert_path == NULL)
        return bad_usage("--ca-key needs --ca-cert (the CA's certificate)");
    return 0;
}

int sg_cmd_certs(int argc, char **argv)
{
    struct certs_args args;
    struct sg_certs_result res;
    struct sg_error err;
    char ca_until[32], tls_until[32], key_desc[32];
    const char *dir;
    int rc;

    memset(&args, 0, sizeof(args));
    memset(&res, 0, sizeof(res));
    sg_error_clear(&err);
    sg_certs_opts_init(&args.opts);
    args.opts.dns = args.dns;
    args.opts.ips = args.ips;
    rc = parse_args(argc, argv, &args);
    if (rc != 0)
        goto out;
    if (args.help) {
        usage(stdout);
        goto out;
    }

    rc = sg_certs_create(&args.opts, &res, &err);
    if (rc != 0) {
        fprintf(stderr, "seccomp-guard certs: %s\n", err.msg);
        rc = rc == SG_ERR_INVALID || rc == SG_ERR_LIMIT ? 2 : 1;
        goto out;
    }

    dir = args.opts.out_dir;
    sg_pem_format_time(res.ca_not_after, ca_until, sizeof(ca_until));
    sg_pem_format_time(res.tls_not_after, tls_until, sizeof(tls_until));
    if (args.opts.key_type == SG_MINT_KEY_RSA)
        snprintf(key_desc, sizeof(key_desc), "RSA %d-bit", args.opts.rsa_bits);
    else
        snprintf(key_desc, sizeof(key_desc), "ECDSA P-256");
    if (res.made_ca)
        fprintf(stderr, "new CA:       %s/%s, key %s/%s (%s), valid until %s\n", dir,
                SG_CERTS_CA_CRT, dir, SG_CERTS_CA_KEY, key_desc, ca_until);
    else
        fprintf(stderr, "reused CA:    %s, valid until %s; %s/%s %s\n", args.opts.ca_cert_path,
                ca_until, dir, SG_CERTS_CA_CRT,
                res.ca_crt_unchanged ? "already holds it, left unchanged" : "written");
    fprintf(stderr, "serving cert: %s/%s, key %s/%s (%s), valid until %s\n", dir, SG_CERTS_TLS_CRT,
            dir, SG_CERTS_TLS_KEY, key_desc, tls_until);
    if (res.tls_capped)
        fprintf(stderr, "note:         cut to the CA's expiry; renew the CA before then\n");
    fprintf(stderr, "names:        %s\n", res.names);
    if (args.opts.ca_bundle_patch_path != NULL)
        fprintf(stderr, "patch:        %s (sets caBundle in both webhook configurations)\n",
                args.opts.ca_bundle_patch_path);
    fprintf(stderr, "caBundle (base64 of %s/%s) follows on stdout\n", dir, SG_CERTS_CA_CRT);
    if (printf("%s\n", res.ca_bundle) < 0 || fflush(stdout) != 0) {
        fprintf(stderr, "seccomp-guard certs: cannot write the caBundle to stdout\n");
        rc = 1;
        goto out;
    }
    rc = 0;
out:
    sg_certs_result_release(&res);
    return rc;
}
