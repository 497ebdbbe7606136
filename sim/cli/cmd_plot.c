/* cmd_plot.c — `cachestorm plot`: the command line over plot_draw
 * (sim/report/plot.c), which does the exporting and drawing. */
#include "sim/cli/cli.h"
#include "sim/cli/cli_args.h"
#include "sim/report/plot.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- command line ----------------------------------------------------- */

static const char usage[] =
    "usage: cachestorm plot DB [RUN...] [--kind K] [--out DIR] [--format png|svg]\n"
    "                       [--node N] [--metric NAME]... [--param PATH]... [--keep-data]\n";

static const char help[] =
    "Draw stored runs with gnuplot. Everything comes from the database, so any past\n"
    "run can be drawn again. RUN is a run id or a run name (all runs of that name).\n"
    "\n"
    "Kinds (--kind, default timeline):\n"
    "  timeline  stacked panels over simulated time: requests/s as ok + failed\n"
    "            (one axis); p50/p99 latency (log; a second in which no request\n"
    "            ended is a gap marked x; dashed: the age of the oldest request in\n"
    "            flight, which rises while nothing completes); L1 hit and stale\n"
    "            ratio; database calls/s; Redis backlog; pool queue. Warm-up, fault\n"
    "            windows and load peaks (workload.profile) are shaded and labelled;\n"
    "            each breaker is a band coloured closed/half-open/open.\n"
    "            Whole run, or one node with --node. Series not recorded or 0\n"
    "            throughout get no panel and are named at the bottom.\n"
    "            Default: the last finished run. One picture per run.\n"
    "  cdf       latency distributions from the stored histograms (table hist), one\n"
    "            curve per scenario (its seeds together: mean of each seed's quantile,\n"
    "            shaded 95% CI over the seeds), p50/p99/p99.9 marked, one colour per\n"
    "            variant; quantile on a nines axis, latency on a log axis. Runs stored\n"
    "            without histograms: through latency.p50/p90/p99/p999/max_ms.\n"
    "  nodes     per-node bars, linear from 0: failed requests as a share of the\n"
    "            node's requests (timed out stacked under other failures: timeouts\n"
    "            are a subset), p50 and p99 latency (ms, values written).\n"
    "            Default: the last finished run.\n"
    "  sweep     a metric (--metric, default latency.p99_ms) over the swept\n"
    "            parameter (the params path that differs between runs of a variant;\n"
    "            or --param PATH): a line per variant with 95% CI bars when there are\n"
    "            replications; a heatmap of the mean for two parameters.\n"
    "  compare   variants (runs.variant) side by side: mean and 95% CI per metric\n"
    "            (--metric, repeatable; default latency.p99_ms, requests.error,\n"
    "            db.calls, requests.stale).\n"
    "cdf, sweep and compare draw all finished runs by default, one picture per\n"
    "experiment.\n"
    "\n"
    "Options:\n"
    "  --kind K        timeline, cdf, nodes, sweep or compare\n"
    "  --out DIR       where the pictures go (created; default .)\n"
    "  --format F      png (default, pngcairo) or svg\n"
    "  --node N        timeline of node N instead of the whole run\n"
    "  --metric NAME   metric for sweep/compare (repeatable)\n"
    "  --param PATH    swept parameter for sweep (give two for a heatmap)\n"
    "  --keep-data     keep the exported data files next to the pictures and print\n"
    "                  the gnuplot command that redraws them (edit plots/KIND.gp, rerun)\n"
    "\n"
    "Pictures are named <run-name>-<kind>.<ext> (<experiment>-<kind>.<ext> for cdf,\n"
    "sweep and compare; -r<id> is added when names collide); their paths are printed.\n"
    "gnuplot: $CACHESTORM_GNUPLOT if set, else gnuplot on PATH (apt-get install\n"
    "gnuplot-nox). Scripts: $CACHESTORM_PLOTS/KIND.gp if set, else ./plots/KIND.gp,\n"
    "else next to the binary (../plots, ../share/cachestorm/plots).\n"
    "\n"
    "Examples:\n"
    "  cachestorm plot runs.db                          timeline of the last run\n"
    "  cachestorm plot runs.db 3 --node 2 --out pics    node 2 of run 3\n"
    "  cachestorm plot runs.db --kind cdf --format svg\n"
    "  cachestorm plot sweep.db --kind sweep --metric recovery_s\n"
    "  cachestorm plot ab.db --kind compare --metric db.calls --metric latency.p99_ms\n"
    "\n"
    "Exit status: 0 drawn; 2 usage error, unknown run, a database with no runs;\n"
    "3 missing, corrupt or foreign database, gnuplot missing or failing, output\n"
    "not writable.\n";

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "cachestorm plot: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", usage);
    return CS_USAGE;
}

static void plot_help(FILE *f)
{
    fputs(usage, f);
    fputc('\n', f);
    fputs(help, f);
}

int cmd_plot(int argc, char **argv)
{
    plot_opts o = {
        .prog = "plot", .kind = "timeline", .out_dir = ".", .format = "png", .node = PLOT_NO_NODE};
    long node = -1;
    cli_strs metrics = {0}, params = {0}, pos = {0};
    const cli_opt opts[] = {
        {"--kind", NULL, OPT_STR, &o.kind, 0, 0, NULL},
        {"--out", NULL, OPT_STR, &o.out_dir, 0, 0, NULL},
        {"--format", NULL, OPT_STR, &o.format, 0, 0, NULL},
        {"--node", NULL, OPT_INT, &node, 0, INT_MAX, NULL},
        {"--metric", NULL, OPT_STRS, &metrics, 0, 0, NULL},
        {"--param", NULL, OPT_STRS, &params, 0, 0, NULL},
        {"--keep-data", NULL, OPT_FLAG, &o.keep_data, 0, 0, NULL},
        {NULL, NULL, 0, NULL, 0, 0, NULL},
    };
    const cli_spec sp = {"plot", opts, "DB", 1, 1 + PLOT_MAX_LIST, plot_help, usage};
    int prc = cli_parse_spec(&sp, argc, argv, &pos);
    if (!prc && metrics.n > PLOT_MAX_LIST)
        prc = usage_error("at most 16 --metric%s", "");
    if (!prc && params.n > 2)
        prc = usage_error("at most two --param (a line or a heatmap)%s", "");
    if (prc) {
        cli_strs_free(&metrics), cli_strs_free(&params), cli_strs_free(&pos);
        return prc == CLI_HELP ? CS_OK : prc;
    }
    if (node >= 0)
        o.node = (int)node;
    for (int i = 0; i < metrics.n; i++)
        o.metrics[o.n_metrics++] = metrics.v[i];
    for (int i = 0; i < params.n; i++)
        o.params[o.n_params++] = params.v[i];
    o.db = pos.v[0];
    for (int i = 1; i < pos.n; i++)
        o.runs[o.n_runs++] = pos.v[i];
    cli_strs_free(&metrics), cli_strs_free(&params), cli_strs_free(&pos);
    if (!o.db)
        return usage_error("which database?%s", "");
    if (o.node >= 0 && strcmp(o.kind, "timeline") != 0)
        fprintf(stderr, "cachestorm plot: --node applies to timeline only; ignored\n");
    plot_files files = {0};
    cs_err err = {0};
    int rc = plot_draw(&o, &files, &err);
    for (size_t i = 0; i < files.n; i++)
        printf("%s\n", files.paths[i]);
    fflush(stdout);
    if (rc)
        fprintf(stderr, "cachestorm plot: %s\n", err.msg);
    plot_files_free(&files);
    return rc;
}
