/* cli.h — the subcommands of the `cachestorm` binary (INTERFACES.md
 * "Command line").  sim/cli/main.c dispatches `cachestorm NAME ARGS...` to
 * cmd_NAME(argc, argv) with argv[0] = NAME.  Each handles its own --help,
 * prints diagnostics to stderr as "cachestorm NAME: ..." and returns an exit
 * status: 0 ok, 1 expectation/comparison failed, 2 usage or config error,
 * 3 runtime or I/O error.  Nothing below the CLI calls exit(). */
#ifndef CS_CLI_H
#define CS_CLI_H

int cmd_run(int argc, char **argv);      /* sim/cli/cmd_run.c */
int cmd_validate(int argc, char **argv); /* sim/cli/cmd_validate.c */
int cmd_show(int argc, char **argv);     /* sim/cli/cmd_show.c */
int cmd_plot(int argc, char **argv);     /* sim/cli/cmd_plot.c */
int cmd_report(int argc, char **argv);   /* sim/cli/cmd_report.c */
int cmd_check(int argc, char **argv);    /* sim/cli/cmd_check.c */
int cmd_sweep(int argc, char **argv);    /* sim/cli/cmd_sweep.c */
int cmd_compare(int argc, char **argv);  /* sim/cli/cmd_compare.c */
int cmd_tune(int argc, char **argv);     /* sim/cli/cmd_tune.c */
int cmd_calibrate(int argc, char **argv); /* sim/cli/cmd_calibrate.c */
int cmd_explain(int argc, char **argv);  /* sim/cli/cmd_explain.c */
int cmd_diff(int argc, char **argv);     /* sim/cli/cmd_diff.c */
int cmd_merge(int argc, char **argv);    /* sim/cli/cmd_merge.c */
int cmd_prune(int argc, char **argv);    /* sim/cli/cmd_prune.c */

#endif
