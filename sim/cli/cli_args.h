/* cli_args.h — one option parser for the run-like subcommands (run, check,
 * sweep, tune): a table of options, each a flag, a string, a repeatable
 * string or a bounded whole number, plus positional arguments.  Errors are
 * printed as "cachestorm CMD: ..." and answered with CS_USAGE, so every
 * command words them the same way. */
#ifndef CS_CLI_ARGS_H
#define CS_CLI_ARGS_H

#include <stdio.h>

#include "sim/core/common.h"

typedef enum { OPT_FLAG, OPT_STR, OPT_STRS, OPT_INT } cli_opt_kind;

/* A repeatable option's values (allocated by cli_parse, freed by cli_strs_free). */
typedef struct cli_strs {
    const char **v;
    int n;
} cli_strs;

typedef struct cli_opt {
    const char *name, *alias; /* "--db", NULL; "-j", NULL; "--quiet", "-q" */
    cli_opt_kind kind;
    void *dst; /* bool *, const char **, cli_strs *, long * */
    long min, max; /* OPT_INT bounds */
} cli_opt;

#define CLI_HELP (-1) /* --help was asked for and printed: exit 0 */

/* Parse argv[1..] against opts (terminated by a {NULL} entry).  Positional
 * arguments go to *pos (allocated; free with cli_strs_free); at most max_pos
 * of them (0 = any number), at least one, named pos_name in messages.
 * Returns 0, CLI_HELP, or CS_USAGE (message printed). */
int cli_parse(const char *cmd, int argc, char **argv, const cli_opt *opts, const char *pos_name,
              int max_pos, cli_strs *pos, void (*help)(FILE *));
void cli_strs_free(cli_strs *s);

#endif
