/* cmd_report.c — `cachestorm report`: the command line over report_write
 * (sim/report/report.c). */
#include "sim/cli/cli.h"
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

int cmd_report(int argc, char **argv)
{
    const char *db = NULL, *out = "report.html";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            fputc('\n', stdout);
            fputs(help, stdout);
            return CS_OK;
        } else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "cachestorm report: unknown option %s\n%s", argv[i], usage);
            return CS_USAGE;
        } else if (!db) {
            db = argv[i];
        } else {
            fprintf(stderr, "cachestorm report: one database only (got %s)\n%s", argv[i], usage);
            return CS_USAGE;
        }
    }
    if (!db) {
        fprintf(stderr, "cachestorm report: which database?\n%s", usage);
        return CS_USAGE;
    }
    return report_write(db, out);
}
