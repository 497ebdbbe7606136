/* cmd_compare.c — placeholder, filled in next. */
#include "sim/cli.h"
#include "sim/common.h"
#include <stdio.h>
int cmd_compare(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "cachestorm compare: not yet\n");
    return CS_USAGE;
}
