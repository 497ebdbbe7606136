/* cmd_report.c — `cachestorm report`: the command line over report_write
 * (sim/report/report.c). */
#include "sim/cli/cli.h"
#include "sim/cli/cli_args.h"
#include "sim/core/common.h"
#include "sim/report/plot.h"

#include <stdio.h>
#include <string.h>

static const char usage[] = "usage: cachestorm report DB [--out FILE.html]\n";
static const char help[] =
    "Write one self-contained HTML page about the runs in DB: the runs table, key\n"
    "metrics per run, the plots inline as SVG (timelines of the latest runs, the\n"
    "last run's nodes, latency CDFs, sweeps and variant comparisons per experiment)\n"
    "and each run's state transitions. No external files: it opens offline and can\n"
    "be mailed as is. Default output: report.html.\n"
    "\n"
    "Needs gnuplot for the plots (apt-get install gnuplot-nox; $CACHESTORM_GNUPLOT\n"
    "overrides the executable). Without it the page holds the tables only and the\n"
    "exit status is 3.\n"
    "\n"
    "Examples:\n"
    "  cachestorm report runs.db\n"
    "  cachestorm report sweep.db --out sweep.html\n"
    "\n"
    "Exit status: 0 written; 2 usage error or a database with no runs; 3 missing,\n"
    "corrupt or foreign database, output not writable, or gnuplot missing (page\n"
    "written without plots).\n";

static void report_help(FILE *f)
{
    fputs(usage, f);
    fputc('\n', f);
    fputs(help, f);
}

int cmd_report(int argc, char **argv)
{
    const char *out = "report.html";
    cli_strs pos = {0};
    const cli_opt opts[] = {
        {"--out", NULL, OPT_STR, &out, 0, 0, NULL},
        {NULL, NULL, 0, NULL, 0, 0, NULL},
    };
    const cli_spec sp = {"report", opts, "DB", 1, 1, report_help, usage};
    int prc = cli_parse_spec(&sp, argc, argv, &pos);
    if (prc) {
        cli_strs_free(&pos);
        return prc == CLI_HELP ? CS_OK : prc;
    }
    const char *db = pos.v[0];
    cli_strs_free(&pos);
    return report_write(db, out);
}
