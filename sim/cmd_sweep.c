/* cmd_sweep.c — placeholder, filled in next. */
#include "sim/cli.h"
#include "sim/common.h"
#include <stdio.h>
int cmd_sweep(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "cachestorm sweep: not yet\n");
    return CS_USAGE;
}
