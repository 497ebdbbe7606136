/* main.c — the `cachestorm` binary: dispatches subcommands (sim/cli.h).
 * The one place that turns statuses into process exit codes. */
#include <stdio.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/core/common.h"
#include "sim/run/runner.h"

typedef struct subcmd {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} subcmd;

static const subcmd CMDS[] = {
    {"run", cmd_run, "run one config, store it, print its summary"},
    {"validate", cmd_validate, "parse and check configs; --print the effective config"},
    {"show", cmd_show, "summary tables of stored runs"},
    {"plot", cmd_plot, "gnuplot pictures of stored runs (timeline, cdf, nodes, sweep, compare)"},
    {"report", cmd_report, "one HTML page with tables and plots"},
    {"sweep", cmd_sweep, "all runs of an experiment (variants x sweep x replications)"},
    {"check", cmd_check, "run configs or experiments and judge their expect: rules"},
    {"compare", cmd_compare, "baseline vs candidate database: means, CIs, better/worse verdicts"},
    {"tune", cmd_tune, "search an experiment's sweep grid for the best objective"},
    {"calibrate", cmd_calibrate, "measure a real Redis; write the batched cost model as YAML"},
    {"explain", cmd_explain, "the metric table: each metric's unit, which way is better, meaning"},
    {"metrics", cmd_explain, "the same as explain"},
    {"diff", cmd_diff, "what differs between the configs of two stored runs"},
    {"merge", cmd_merge, "merge shard databases (GNU parallel, Slurm jobs) into one"},
    {"prune", cmd_prune, "remove abandoned and interrupted runs (and duplicates)"},
};
#define NCMDS (sizeof CMDS / sizeof CMDS[0])

static void usage(FILE *f)
{
    fprintf(f,
            "cachestorm %s — deterministic simulator of multi-node cache topologies\n"
            "\n"
            "usage: cachestorm COMMAND [ARGS...]   (cachestorm help COMMAND for each)\n"
            "\n"
            "commands:\n",
            runner_version());
    for (size_t i = 0; i < NCMDS; i++)
        fprintf(f, "  %-10s %s\n", CMDS[i].name, CMDS[i].summary);
    fprintf(f,
            "\n"
            "examples:\n"
            "  cachestorm run configs/default.yaml            # runs.db in the current directory\n"
            "  cachestorm run configs/default.yaml --seed 7 --set nodes.count=10\n"
            "  cachestorm show runs.db\n"
            "\n"
            "exit status: 0 ok, 1 an expectation or comparison failed, 2 usage or config\n"
            "error, 3 runtime or I/O error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CS_USAGE;
    }
    if (!strcmp(argv[1], "help") && argc > 2) { /* help CMD = CMD --help */
        for (size_t i = 0; i < NCMDS; i++)
            if (!strcmp(argv[2], CMDS[i].name)) {
                char *hargv[] = {argv[2], "--help", NULL};
                return CMDS[i].fn(2, hargv);
            }
        fprintf(stderr, "cachestorm: no command '%s' to explain (try cachestorm --help)\n",
                argv[2]);
        return CS_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return CS_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("cachestorm %s\n", runner_version());
        return CS_OK;
    }
    for (size_t i = 0; i < NCMDS; i++)
        if (!strcmp(argv[1], CMDS[i].name)) {
            fflush(stdout);
            int rc = CMDS[i].fn(argc - 1, argv + 1);
            if (fflush(stdout) != 0 || ferror(stdout)) {
                fprintf(stderr, "cachestorm: error writing output\n");
                return CS_IO;
            }
            return rc;
        }
    const char *names[NCMDS + 1];
    for (size_t i = 0; i < NCMDS; i++)
        names[i] = CMDS[i].name;
    names[NCMDS] = "help";
    const char *near = cs_closest(argv[1], names, NCMDS + 1);
    fprintf(stderr, "cachestorm: unknown command '%s'%s%s%s (try cachestorm --help)\n", argv[1],
            near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
    return CS_USAGE;
}
