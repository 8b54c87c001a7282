/* cmd_serve.c - placeholder until the serve command lands. */
#include <stdio.h>

#include "commands.h"

int sg_cmd_serve(int argc, char **argv)
{
    (void)argc;
    fprintf(stderr, "seccomp-guard %s: not built yet\n", argv[0]);
    return 2;
}
