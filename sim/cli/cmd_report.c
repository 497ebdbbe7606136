/* cmd_report.c — `cachestorm report`: the command line over report_write
 * (sim/report/report.c). */
#include "sim/cli/cli.h"
#include "sim/core/common.h"
#include "sim/report/plot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: cachestorm report DB [--out FILE.html] [--baseline DB] [--experiment FILE]\n"
    "                            [--budget MB]\n";
static const char help[] =
    "Write one self-contained HTML page about the runs in DB, organised by\n"
    "experiment and scenario (experiment, variant, run name; its runs are the seeds):\n"
    "  - a summary: per scenario what happened in its representative run (the\n"
    "    median seed), its expect: rules judged over its seeds (a check mark or a\n"
    "    cross), and with --baseline the compare verdicts of its key metrics;\n"
    "  - per experiment: its sweep, compare and CDF pictures, the key metrics per\n"
    "    scenario as mean +- 95% CI over the seeds (each (scenario, seed) once), and\n"
    "    per scenario the timeline of the representative run with a selector for\n"
    "    the other seeds;\n"
    "  - at the end, collapsed: every runs row, key metrics per run, transitions.\n"
    "Runs not done (running, abandoned, interrupted, failed) are never results.\n"
    "No external files: it opens offline and can be mailed as is. Pictures are SVG\n"
    "(PNG where the SVG is large) within a budget; the rest say how to draw them.\n"
    "\n"
    "  --out FILE         the page (default report.html)\n"
    "  --baseline DB      judge each scenario against the same scenario in DB\n"
    "                     (Welch or paired t-test, as cachestorm compare)\n"
    "  --experiment FILE  the experiment file: pictures and the representative run\n"
    "                     follow its objective: metric instead of latency.p99_ms\n"
    "  --budget MB        bytes of pictures on the page (default 3)\n"
    "\n"
    "Needs gnuplot for the plots (apt-get install gnuplot-nox; $CACHESTORM_GNUPLOT\n"
    "overrides the executable). Without it the page holds the tables only and the\n"
    "exit status is 3.\n"
    "\n"
    "Examples:\n"
    "  cachestorm report runs.db\n"
    "  cachestorm report sweep.db --out sweep.html --experiment experiments/tune-breaker.yaml\n"
    "  cachestorm report candidate.db --baseline main.db\n"
    "\n"
    "Exit status: 0 written; 2 usage error or a database with no runs; 3 missing,\n"
    "corrupt or foreign database, output not writable, or gnuplot missing (page\n"
    "written without plots).\n";

int cmd_report(int argc, char **argv)
{
    const char *db = NULL;
    report_opts o = {.out = "report.html"};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            fputc('\n', stdout);
            fputs(help, stdout);
            return CS_OK;
        } else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            o.out = argv[++i];
        } else if (strcmp(argv[i], "--baseline") == 0 && i + 1 < argc) {
            o.baseline = argv[++i];
        } else if (strcmp(argv[i], "--experiment") == 0 && i + 1 < argc) {
            o.experiment = argv[++i];
        } else if (strcmp(argv[i], "--budget") == 0 && i + 1 < argc) {
            char *end;
            double mb = strtod(argv[++i], &end);
            if (*end || end == argv[i] || !(mb > 0) || mb > 4096) {
                fprintf(stderr, "cachestorm report: --budget takes megabytes in (0, 4096], not "
                                "%s\n%s", argv[i], usage);
                return CS_USAGE;
            }
            o.budget = (size_t)(mb * 1048576.0);
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
    o.db = db;
    return report_write_opts(&o);
}
