/* cmd_certs.c - placeholder until the certs command lands. */
#include <stdio.h>

#include "commands.h"

int sg_cmd_certs(int argc, char **argv)
{
    (void)argc;
    fprintf(stderr, "seccomp-guard %s: not built yet\n", argv[0]);
    return 2;
}
