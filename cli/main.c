/* main.c - `seccomp-guard <command> ...`: finds the command in one table. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"serve", sg_cmd_serve, "run the HTTPS admission webhook"},
    {"review", sg_cmd_review, "answer one AdmissionReview (file or stdin) as the server would"},
    {"check", sg_cmd_check, "judge Kubernetes manifests offline: mutation, then validation"},
    {"certs", sg_cmd_certs, "create a CA and a serving certificate for the webhook Service"},
    {"policy", sg_cmd_policy, "validate a policy file and print it with defaults filled in"},
    {"profile", sg_cmd_profile,
     "seccomp profiles: lint one, run a command under one, record one, install a folder of them on "
     "a node"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: seccomp-guard <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n`seccomp-guard <command> --help` describes a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("seccomp-guard %s\n", SG_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "seccomp-guard: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
