/* cli_args.h — the one option parser of every subcommand: a table of
 * options, each a flag, a string (optionally one of a list of choices), a
 * repeatable string, a bounded whole number or a number, plus positional
 * arguments.  `--opt VALUE` and `--opt=VALUE` both work; `--` ends the
 * options.  Errors are printed as "cachestorm CMD: ..." (an unknown option
 * with the nearest known one: "did you mean '--format'?") and answered with
 * CS_USAGE (exit 2), so every command words them the same way. */
#ifndef CS_CLI_ARGS_H
#define CS_CLI_ARGS_H

#include <stdio.h>

#include "sim/core/common.h"

typedef enum { OPT_FLAG, OPT_STR, OPT_STRS, OPT_INT, OPT_DOUBLE } cli_opt_kind;

/* A repeatable option's values (allocated by cli_parse, freed by cli_strs_free). */
typedef struct cli_strs {
    const char **v;
    int n;
} cli_strs;

typedef struct cli_opt {
    const char *name, *alias; /* "--db", NULL; "-j", NULL; "--quiet", "-q" */
    cli_opt_kind kind;
    void *dst; /* bool *, const char **, cli_strs *, long *, double * */
    long min, max; /* OPT_INT bounds (OPT_DOUBLE: both 0 = any finite number) */
    const char *choices; /* OPT_STR: "table|tsv|json" = the value must be one; NULL = any */
} cli_opt;

#define CLI_HELP (-1) /* --help was asked for and printed: exit 0 */

/* What a command accepts. */
typedef struct cli_spec {
    const char *cmd;          /* "show": messages say "cachestorm show: ..." */
    const cli_opt *opts;      /* terminated by a {NULL} entry */
    const char *pos_name;     /* "CONFIG": named in messages */
    int min_pos, max_pos;     /* positional arguments allowed (max 0 = any number) */
    void (*help)(FILE *);     /* prints --help */
    const char *usage;        /* printed after a usage error, or NULL */
} cli_spec;

/* Parse argv[1..] against spec.  Positional arguments go to *pos (allocated;
 * free with cli_strs_free).  Returns 0, CLI_HELP, or CS_USAGE (message
 * printed). */
int cli_parse_spec(const cli_spec *spec, int argc, char **argv, cli_strs *pos);

/* cli_parse_spec with at least one and at most max_pos (0 = any)
 * positional arguments. */
int cli_parse(const char *cmd, int argc, char **argv, const cli_opt *opts, const char *pos_name,
              int max_pos, cli_strs *pos, void (*help)(FILE *));
void cli_strs_free(cli_strs *s);

/* "cachestorm CMD: unknown option '--frob' (did you mean '--from'?) ..." on
 * stderr, the nearest of opts' names; returns CS_USAGE. */
int cli_unknown_option(const char *cmd, const char *arg, const cli_opt *opts);

/* --max-memory SIZE ("4G", "512M", bytes) as bytes; NULL gives 0 (the
 * default budget).  CS_USAGE with a message for a bad size. */
int cli_max_memory(const char *cmd, const char *arg, size_t *out);

#endif
