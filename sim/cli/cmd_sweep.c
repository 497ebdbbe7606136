/* cmd_sweep.c — `cachestorm sweep EXPERIMENT [--db FILE] [-j N] [--set PATH=VALUE]...
 * [--metric NAME]... [--quiet]`: every run of an experiment (variants × sweep
 * points × replications) into one database, as separate processes in a local
 * pool (sim/experiment's executor), then a summary table with one row per
 * scenario: mean ± 95 % CI half-width of a few metrics over its
 * replications.  The rows of each run depend only on its config and seed,
 * never on -j (ARCHITECTURE.md, determinism contract). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/cli/cli.h"
#include "sim/cli/cli_args.h"
#include "sim/cli/cli_out.h"
#include "sim/run/progress.h"
#include "sim/cli/sweep_plan.h"
#include "sim/core/metrics.h"
#include "sim/core/stats.h"
#include "sim/run/experiment.h"

#define SWEEP_MAX_COLUMNS 6

static void help(FILE *f)
{
    fprintf(
        f, "usage: cachestorm sweep EXPERIMENT [--db FILE] [-j N] [--set PATH=VALUE]...\n"
           "                        [--metric NAME]... [--quiet] [--rerun] [--max-memory SIZE]\n"
           "                        [--progress-every S]\n"
           "       cachestorm sweep EXPERIMENT --plan [--plan-dir DIR] [--format lines|json] [--db FILE]\n"
           "       cachestorm sweep EXPERIMENT --slurm [--submit] [--plan-dir DIR] [--partition P]\n"
           "                        [--time T] [--array-max K] [--db FILE]\n"
           "\n"
           "Runs every run of an experiment — each variant at each sweep point, each\n"
           "replication — as separate processes, N at a time, all into one database,\n"
           "then prints one row per scenario: the mean and 95%% CI half-width over its\n"
           "replications. The stored rows are the same for any -j.\n"
           "\n"
           "A run already done in the database — same config hash, seed and version —\n"
           "is not run again (\"28 of 40 runs already done, running 12\"): after a\n"
           "Ctrl-C, the same command resumes. Ctrl-C / SIGTERM mark the runs under way\n"
           "interrupted, print what finished and exit 130 / 143.\n"
           "\n"
           "  --db FILE          the run store (default runs.db)\n"
           "  -j N               processes at once (default: the number of cores)\n"
           "  --set PATH=VALUE   override a config key in every run (repeatable)\n"
           "  --metric NAME      a summary column (repeatable; default: requests.total,\n"
           "                     requests.error, latency.mean_ms, latency.p99_ms, ...)\n"
           "  --rerun            run every run, even those already done\n"
           "  --max-memory SIZE  each run's memory budget (4G, 512M; default 75%% of the\n"
           "                     available memory): a scenario estimated over it is\n"
           "                     refused before anything runs (exit 2), a run that grows\n"
           "                     past it is stopped (README \"Limits\")\n"
           "  --progress-every S off a terminal, a progress line every S seconds (default\n"
           "                     10; 0: after every run); on one, a single line rewritten\n"
           "                     in place (done/total, elapsed, ETA)\n"
           "  --quiet            no progress lines, no summary table\n"
           "\n"
           "beyond one machine (README \"Beyond one machine\"):\n"
           "  --plan             run nothing; print one self-contained job line per run\n"
           "                     (cachestorm run CONFIG --db SHARD ...), for GNU parallel;\n"
           "                     configs go to the plan directory, each job writes its own\n"
           "                     shard there; merge them with cachestorm merge\n"
           "  --plan-dir DIR     the plan directory (default plan-NAME)\n"
           "  --format lines|json  the plan as job lines (default) or JSON; without --plan,\n"
           "                       json prints the result as one JSON document instead of\n"
           "                       the table: {experiment, database, runs, already_done,\n"
           "                       failed, wall_s, scenarios: [{variant, point, runs,\n"
           "                       metrics: {NAME: {mean, ci95_half, n}}}]}\n"
           "  --slurm            write DIR/sweep.sbatch, a Slurm job array over the plan,\n"
           "                     and print the sbatch and merge commands\n"
           "  --submit           with --slurm: run sbatch too\n"
           "  --partition P, --time T, --array-max K   sbatch settings (--array=1-N%%K)\n"
           "\n"
           "examples:\n"
           "  cachestorm sweep experiments/mm1-validation.yaml --db sweep.db -j 2\n"
           "  cachestorm show sweep.db ; cachestorm plot sweep.db --kind sweep\n"
           "  cachestorm sweep experiments/mm1-validation.yaml --plan --plan-dir p --db all.db \\\n"
           "    | parallel -j 2 --joblog p/joblog && cachestorm merge all.db p/shards/*.db\n"
           "\n"
           "exit status: 0 ok; 2 bad usage or experiment; 3 a run or the database failed.\n");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "12.3 ± 0.4", "12.3" (one run) or "-" (no value). */
static void mean_ci_str(const run_rows *const *rows, size_t n, const char *metric, char *buf,
                        size_t cap)
{
    double *x = cs_calloc(n + 1, sizeof *x), m, half;
    size_t used;
    for (size_t i = 0; i < n; i++)
        x[i] = rows_get_metric(rows[i], -1, metric);
    stats_mean_ci(x, n, &m, NULL, &half, &used);
    free(x);
    if (!used)
        snprintf(buf, cap, "-");
    else {
        char a[32], b[32];
        cs_fmt_human(a, sizeof a, m);
        cs_fmt_human(b, sizeof b, half);
        if (used < 2)
            snprintf(buf, cap, "%s", a);
        else
            snprintf(buf, cap, "%s ± %s", a, b);
    }
}

/* Print the summary: one row per scenario. */
/* The summary's columns: --metric, else the metric table's HEAD metrics
 * that some run produced.  Caller frees. */
static const char **pick_cols(const experiment *e, const exp_result *res, const char **metrics,
                              size_t nm, size_t *ncols)
{
    const char **cols = cs_calloc(SWEEP_MAX_COLUMNS + nm + 1, sizeof *cols);
    size_t nc = 0;
    if (nm) {
        for (size_t i = 0; i < nm; i++)
            cols[nc++] = metrics[i];
    } else {
        /* the metric table's HEAD metrics that some run produced */
        const char *default_metrics[MET_N_METRICS];
        size_t nd = metric_names_with(MF_HEAD, default_metrics, MET_N_METRICS);
        for (size_t k = 0; k < nd && nc < SWEEP_MAX_COLUMNS; k++) {
            bool have = false;
            for (size_t i = 0; i < e->nruns && !have; i++)
                have = !isnan(rows_get_metric(&res[i].rows, -1, default_metrics[k]));
            if (have)
                cols[nc++] = default_metrics[k];
        }
    }
    *ncols = nc;
    return cols;
}

/* The sweep's result as one JSON document (--format json without --plan):
 * per scenario the mean, 95 % CI half-width and count of each column. */
static void summary_json(const experiment *e, const exp_result *res, const char **metrics,
                         size_t nm, const char *db, size_t skipped, size_t failed, double wall)
{
    size_t nc;
    const char **cols = pick_cols(e, res, metrics, nm, &nc);
    printf("{\"experiment\": ");
    cli_json_str(stdout, e->name);
    printf(", \"database\": ");
    cli_json_str(stdout, db);
    printf(", \"runs\": %zu, \"already_done\": %zu, \"failed\": %zu, \"wall_s\": ", e->nruns,
           skipped, failed);
    cli_json_num(stdout, wall);
    printf(", \"scenarios\": [");
    for (size_t sc_i = 0; sc_i < e->nsc; sc_i++) {
        const exp_scenario *sc = &e->sc[sc_i];
        size_t n;
        const run_rows **rows = exp_scenario_rows(e, sc_i, res, &n);
        printf("%s\n  {\"variant\": ", sc_i ? "," : "");
        cli_json_str(stdout, sc->variant);
        printf(", \"point\": ");
        cli_json_str(stdout, sc->point);
        printf(", \"runs\": %zu, \"metrics\": {", n);
        for (size_t c = 0; c < nc; c++) {
            double *x = cs_calloc(n + 1, sizeof *x), m = NAN, half = NAN;
            size_t used = 0;
            for (size_t i = 0; i < n; i++)
                x[i] = rows_get_metric(rows[i], -1, cols[c]);
            stats_mean_ci(x, n, &m, NULL, &half, &used);
            free(x);
            printf("%s", c ? ", " : "");
            cli_json_str(stdout, cols[c]);
            printf(": {\"mean\": ");
            cli_json_num(stdout, used ? m : NAN);
            printf(", \"ci95_half\": ");
            cli_json_num(stdout, used > 1 ? half : NAN);
            printf(", \"n\": %zu}", used);
        }
        printf("}}");
        free(rows);
    }
    printf("%s]}\n", e->nsc ? "\n" : "");
    free(cols);
}

static void summary(const experiment *e, const exp_result *res, const char **metrics, size_t nm)
{
    size_t nc;
    const char **cols = pick_cols(e, res, metrics, nm, &nc);
    size_t ncell = e->nsc * (nc + 2);
    char(*cell)[96] = cs_calloc(ncell + 1, sizeof *cell);
    int *w = cs_calloc(nc + 2, sizeof *w);
    w[0] = (int)strlen("scenario");
    w[1] = (int)strlen("runs");
    for (size_t c = 0; c < nc; c++)
        w[c + 2] = (int)strlen(cols[c]);
    for (size_t s = 0; s < e->nsc; s++) {
        const exp_scenario *sc = &e->sc[s];
        char(*row)[96] = cell + s * (nc + 2);
        snprintf(row[0], 96, "%s%s%s", sc->variant ? sc->variant : "",
                 sc->variant && *sc->point ? ", " : "",
                 sc->variant || *sc->point ? sc->point : e->name);
        size_t n;
        const run_rows **rows = exp_scenario_rows(e, s, res, &n);
        snprintf(row[1], 96, "%zu", n);
        for (size_t c = 0; c < nc; c++)
            mean_ci_str(rows, n, cols[c], row[c + 2], 96);
        free(rows);
        for (size_t c = 0; c < nc + 2; c++) {
            /* count characters, not bytes: '±' is two bytes */
            int len = 0;
            for (const char *p = row[c]; *p; p++)
                len += ((unsigned char)*p & 0xC0) != 0x80;
            w[c] = len > w[c] ? len : w[c];
        }
    }
    printf("%-*s  %*s", w[0], "scenario", w[1], "runs");
    for (size_t c = 0; c < nc; c++)
        printf("  %*s", w[c + 2], cols[c]);
    printf("\n");
    for (size_t s = 0; s < e->nsc; s++) {
        char(*row)[96] = cell + s * (nc + 2);
        for (size_t c = 0; c < nc + 2; c++) {
            int len = 0;
            for (const char *p = row[c]; *p; p++)
                len += ((unsigned char)*p & 0xC0) != 0x80;
            int pad = w[c] - len;
            if (c == 0)
                printf("%s%*s", row[c], pad, "");
            else
                printf("  %*s%s", pad, "", row[c]);
        }
        printf("\n");
    }
    free(cell);
    free(w);
    free(cols);
}

int cmd_sweep(int argc, char **argv)
{
    const char *db = "runs.db";
    bool quiet = false, rerun = false, plan = false, slurm = false, submit = false;
    const char *plan_dir = NULL, *format = "lines", *partition = NULL, *time_limit = NULL;
    long array_max = 0;
    const char *maxmem = NULL;
    double every = -1;
    long jobs_opt = exp_default_jobs();
    cli_strs set_opt = {0}, metric_opt = {0}, pos = {0};
    const cli_opt opts[] = {
        {"--db", NULL, OPT_STR, &db, 0, 0, NULL},
        {"-j", NULL, OPT_INT, &jobs_opt, 1, 256, NULL},
        {"--set", NULL, OPT_STRS, &set_opt, 0, 0, NULL},
        {"--metric", NULL, OPT_STRS, &metric_opt, 0, 0, NULL},
        {"--quiet", "-q", OPT_FLAG, &quiet, 0, 0, NULL},
        {"--rerun", NULL, OPT_FLAG, &rerun, 0, 0, NULL},
        {"--max-memory", NULL, OPT_STR, &maxmem, 0, 0, NULL},
        {"--progress-every", NULL, OPT_DOUBLE, &every, 0, 86400, NULL},
        {"--plan", NULL, OPT_FLAG, &plan, 0, 0, NULL},
        {"--plan-dir", NULL, OPT_STR, &plan_dir, 0, 0, NULL},
        {"--format", NULL, OPT_STR, &format, 0, 0, NULL},
        {"--slurm", NULL, OPT_FLAG, &slurm, 0, 0, NULL},
        {"--submit", NULL, OPT_FLAG, &submit, 0, 0, NULL},
        {"--partition", NULL, OPT_STR, &partition, 0, 0, NULL},
        {"--time", NULL, OPT_STR, &time_limit, 0, 0, NULL},
        {"--array-max", NULL, OPT_INT, &array_max, 1, 1000000, NULL},
        {NULL, NULL, 0, NULL, 0, 0, NULL},
    };
    int rc = cli_parse("sweep", argc, argv, opts, "EXPERIMENT", 1, &pos, help);
    if (rc) {
        rc = rc == CLI_HELP ? CS_OK : rc;
        goto out;
    }
    size_t max_memory;
    if ((rc = cli_max_memory("sweep", maxmem, &max_memory)))
        goto out;
    int jobs = (int)jobs_opt;
    const char *path = pos.v[0];
    const char **sets = set_opt.v, **metrics = metric_opt.v;
    int nsets = set_opt.n;
    size_t nm = (size_t)metric_opt.n;
    experiment e;
    cs_err err = {0};
    if ((rc = exp_load(path, sets, nsets, &e, &err))) {
        fprintf(stderr, "%s\n", err.msg);
        goto out;
    }
    e.max_memory = max_memory;
    if ((rc = exp_check_budget(&e, &err))) {
        fprintf(stderr, "cachestorm sweep: %s\n", err.msg);
        exp_free(&e);
        goto out;
    }
    if (strcmp(format, "lines") != 0 && strcmp(format, "json") != 0) {
        fprintf(stderr, "cachestorm sweep: --format takes lines or json, not '%s'\n", format);
        rc = CS_USAGE;
    } else if ((submit || partition || time_limit || array_max) && !slurm) {
        fprintf(stderr, "cachestorm sweep: --submit, --partition, --time and --array-max go "
                        "with --slurm\n");
        rc = CS_USAGE;
    }
    if (rc || plan || slurm) {
        if (!rc) {
            char defdir[300];
            snprintf(defdir, sizeof defdir, "plan-%s", e.name);
            for (char *p = defdir; *p; p++)
                if (*p == '/' || *p == ' ')
                    *p = '_';
            plan_opts po = {.dir = plan_dir ? plan_dir : defdir,
                            .db = db,
                            .format = format,
                            .slurm = slurm,
                            .submit = submit,
                            .partition = partition,
                            .time = time_limit,
                            .array_max = array_max,
                            .max_memory = maxmem};
            rc = sweep_plan(&e, &po);
        }
        exp_free(&e);
        goto out;
    }
    exp_result *res = cs_calloc(e.nruns + 1, sizeof *res);
    double t0 = now_s();
    progress pr;
    progress_init(&pr, "sweep", stderr, quiet, every);
    exp_exec_opts xo = {.jobs = jobs,
                        .rerun = rerun,
                        .progress = progress_update,
                        .progress_arg = &pr,
                        .arg = (void *)"sweep",
                        .notice = exp_notice_stderr};
    exp_exec_summary sum;
    rc = exp_execute_opts(&e, db, &xo, res, &sum, &err);
    progress_end(&pr);
    double wall = now_s() - t0;
    if (rc) {
        fprintf(stderr, "cachestorm sweep: %s\n", err.msg);
        if (sum.signal)
            fprintf(stderr, "cachestorm sweep: to resume: cachestorm sweep %s --db %s%s\n", path,
                    db, nsets ? " (with the same --set options)" : "");
    } else {
        size_t failed = 0;
        for (size_t i = 0; i < e.nruns; i++)
            if (res[i].rc) {
                failed++;
                fprintf(stderr, "cachestorm sweep: run %zu (%s, seed %lld): %s\n", i,
                        e.sc[e.runs[i].scenario].name, (long long)e.runs[i].seed, res[i].msg);
            }
        int64_t lo = INT64_MAX, hi = 0;
        for (size_t i = 0; i < e.nruns; i++)
            if (!res[i].rc) {
                lo = res[i].run_id < lo ? res[i].run_id : lo;
                hi = res[i].run_id > hi ? res[i].run_id : hi;
            }
        if (!strcmp(format, "json")) {
            summary_json(&e, res, metrics, nm, db, sum.skipped, failed, wall);
            if (failed)
                rc = exp_results_status(res, e.nruns);
            goto done_runs;
        }
        printf("sweep %s: %zu runs (", e.name, e.nruns);
        if (e.nvariants)
            printf("%zu variants × ", e.nvariants);
        printf("%zu points × %zu replications), -j %d, %.2f s, %s",
               e.nsc / (e.nvariants ? e.nvariants : 1), e.replications, jobs, wall, db);
        if (lo <= hi)
            printf(" runs %lld-%lld", (long long)lo, (long long)hi);
        if (sum.skipped)
            printf(" (%zu already done, %zu run now)", sum.skipped, e.nruns - sum.skipped);
        if (failed)
            printf(", %zu FAILED", failed);
        printf("\n");
        if (!quiet) {
            printf("\n");
            summary(&e, res, metrics, nm);
        }
        if (failed)
            rc = exp_results_status(res, e.nruns);
    }
done_runs:
    exp_results_free(res, e.nruns);
    free(res);
    exp_free(&e);
out:
    cli_strs_free(&set_opt);
    cli_strs_free(&metric_opt);
    cli_strs_free(&pos);
    return rc;
}
