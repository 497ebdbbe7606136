/* cmd_tune.c — placeholder, filled in next. */
#include "sim/cli.h"
#include "sim/common.h"
#include <stdio.h>
int cmd_tune(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "cachestorm tune: not yet\n");
    return CS_USAGE;
}
