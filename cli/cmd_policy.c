/* cmd_policy.c - `seccomp-guard policy [FILE]`: checks a policy file and
 * prints it with every key spelt out, base last (the built-in policy, base:
 * default, without a file). Exit 0 valid, 2 invalid. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "input.h"
#include "policy.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: seccomp-guard policy [FILE|-]\n\n"
                 "Checks a policy file and prints it with every default filled in.\n"
                 "Without FILE, prints the built-in policy (base: default). A policy ends with\n"
                 "base: baseline|restricted|default, the level every key it omits comes from;\n"
                 "an empty file, or one cut short before its base, is refused.\n"
                 "Exit status: 0 valid, 2 invalid (the error names file, line and column).\n");
}

int sg_cmd_policy(int argc, char **argv)
{
    struct sg_policy *policy = NULL;
    struct sg_error err;
    const char *path = NULL;
    char *text;

    sg_error_clear(&err);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "seccomp-guard policy: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
        if (path != NULL) {
            fprintf(stderr, "seccomp-guard policy: one file at a time\n");
            return 2;
        }
        path = argv[i];
    }
    if (sg_input_policy(path, NULL, &policy, &err) < 0) {
        fprintf(stderr, "seccomp-guard policy: %s\n", err.msg);
        return 2;
    }
    text = sg_policy_dump(policy);
    sg_policy_free(policy);
    if (text == NULL) {
        fprintf(stderr, "seccomp-guard policy: out of memory\n");
        return 1;
    }
    fputs(text, stdout);
    free(text);
    return 0;
}
