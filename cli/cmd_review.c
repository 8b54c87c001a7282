/* cmd_review.c - placeholder. */
#include <stdio.h>

#include "commands.h"

int sg_cmd_review(int argc, char **argv)
{
    (void)argc;
    fprintf(stderr, "seccomp-guard %s: not built yet\n", argv[0]);
    return 2;
}
