/* cmd_tune.c — `cachestorm tune EXPERIMENT [--db FILE] [-j N] [--set PATH=VALUE]... [--top N]`:
 * evaluates every point of the experiment's sweep grid (× variants) with its
 * replications (sim/experiment's executor), scores each with the
 * `objective:` (minimize or maximize an expression, the mean over the
 * replications unless it aggregates itself) and its constraints (rules as in
 * `expect:`, judged over the replications), and prints the points ranked:
 * those meeting every constraint first, best objective on top.  A grid
 * search, on purpose: the grid is what the user wrote, every point is
 * stored, and the answer is the same for any -j. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/stats.h"
#include "sim/cli/cli.h"
#include "sim/cli/cli_args.h"
#include "sim/cli/cli_out.h"
#include "sim/run/experiment.h"
#include "sim/run/progress.h"

static void help(FILE *f)
{
    fprintf(f,
            "usage: cachestorm tune EXPERIMENT [--db FILE] [-j N] [--set PATH=VALUE]... [--top N]\n"
            "                       [--rerun] [--quiet] [--format table|json] [--max-memory SIZE]\n"
            "                       [--progress-every S]\n"
            "\n"
            "Runs every point of the experiment's sweep grid (and every variant) with its\n"
            "replications, and ranks the points by the experiment's objective:\n"
            "\n"
            "  objective:\n"
            "    minimize: latency.p99_ms            # or maximize: ...; any expression\n"
            "    constraints:                        # rules, judged over the replications\n"
            "      - requests.error / requests.total <= 0.1%%\n"
            "      - mean(db.peak_concurrency) < 40\n"
            "\n"
            "The objective is the mean over the replications (± its 95%% CI). Points that\n"
            "meet every constraint rank first.\n"
            "\n"
            "  --db FILE          the run store (default runs.db)\n"
            "  -j N               processes at once (default: the number of cores)\n"
            "  --set PATH=VALUE   override a config key in every run (repeatable)\n"
            "  --top N            print only the N best points (default: all)\n"
            "  --rerun            run every run, even those already done in the database\n"
            "  --quiet            no progress lines, no ranking table: only the\n"
            "                     verdict (best, or no single best) and its overrides\n"
            "  --format json      the ranking as one JSON document for scripts (full\n"
            "                     precision): experiment, objective, direction, points\n"
            "                     [{rank, variant, values, objective, ci95_half, feasible,\n"
            "                     tied_with_best, constraints, broken}], best (the rank, or\n"
            "                     null when tied or none is feasible), tied (points the\n"
            "                     top one cannot be told from, itself included)\n"
            "  --max-memory SIZE  each run's memory budget (4G, 512M; default 75%% of the\n"
            "                     available memory); a point estimated over it is refused\n"
            "                     before anything runs\n"
            "  --progress-every S off a terminal, a progress line every S seconds (default\n"
            "                     10; 0: after every run); on one, a line rewritten in place\n"
            "\n"
            "Runs already done in the database (same config hash, seed and version) are\n"
            "read back, not run again.\n"
            "\n"
            "exit status: 0 a point meets every constraint; 1 none does; 2 bad usage,\n"
            "experiment or objective; 3 a run or the database failed.\n");
}

#define TUNE_MAX_CONSTRAINT_COLUMNS 4

typedef struct point {
    size_t sc;
    double obj, half; /* objective and its 95 % half-width (NAN when n < 2) */
    bool feasible;
    bool tied;        /* its CI overlaps the best point's: cannot be told apart */
    char broken[200]; /* the first violated constraint and its value */
    char cons[TUNE_MAX_CONSTRAINT_COLUMNS][48]; /* each constraint's value, ✓/✗ */
} point;

/* Sort: feasible first, then by objective (NaN last), then grid order. */
static int point_cmp_dir(const point *a, const point *b, bool maximize)
{
    if (a->feasible != b->feasible)
        return a->feasible ? -1 : 1;
    bool na = isnan(a->obj), nb = isnan(b->obj);
    if (na != nb)
        return na ? 1 : -1;
    if (!na && a->obj != b->obj)
        return (a->obj < b->obj) != maximize ? -1 : 1;
    return a->sc < b->sc ? -1 : a->sc > b->sc;
}
static int point_cmp_min(const void *a, const void *b)
{
    return point_cmp_dir(a, b, false);
}
static int point_cmp_max(const void *a, const void *b)
{
    return point_cmp_dir(a, b, true);
}

/* Display width of UTF-8 text. */
static int width(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Score every scenario of e into pts (objective, CI, constraints). */
static void score(const experiment *e, const exp_result *res, point *pts)
{
    for (size_t s = 0; s < e->nsc; s++) {
        point *p = &pts[s];
        p->sc = s;
        size_t n;
        const run_rows **rows = exp_scenario_rows(e, s, res, &n);
        if (e->objective.aggregate) {
            expect_val v = expect_value(&e->objective, rows, n, -1);
            p->obj = v.mid;
            p->half = v.interval ? (v.hi - v.lo) / 2 : NAN;
        } else {
            double *x = cs_calloc(n + 1, sizeof *x);
            for (size_t i = 0; i < n; i++)
                x[i] = expect_value(&e->objective, rows + i, 1, -1).mid;
            stats_mean_ci(x, n, &p->obj, NULL, &p->half, NULL);
            free(x);
        }
        p->feasible = n > 0;
        if (n == 0)
            snprintf(p->broken, sizeof p->broken, "no run finished");
        for (size_t k = 0; k < e->nconstraints && n > 0; k++) {
            expect_verdict v;
            expect_judge(&e->constraints[k], rows, n, &v);
            char val[64];
            expect_val_str(v.lhs, val, sizeof val);
            if (k < TUNE_MAX_CONSTRAINT_COLUMNS)
                snprintf(p->cons[k], sizeof p->cons[k], "%.40s %s", val, v.pass ? "ok" : "NO");
            if (!v.pass && p->feasible) {
                p->feasible = false;
                snprintf(p->broken, sizeof p->broken, "%.120s (%s)", e->constraints[k].text, val);
            }
        }
        free(rows);
    }
}

/* The ranking as one JSON document (--format json). */
static void print_json(const experiment *e, const point *pts, size_t ties)
{
    printf("{\"experiment\": ");
    cli_json_str(stdout, e->name);
    printf(", \"objective\": ");
    cli_json_str(stdout, e->objective.text);
    printf(", \"direction\": \"%s\", \"replications\": %zu, \"points\": [",
           e->maximize ? "maximize" : "minimize", e->replications);
    for (size_t r = 0; r < e->nsc; r++) {
        const point *p = &pts[r];
        const exp_scenario *sc = &e->sc[p->sc];
        printf("%s\n  {\"rank\": %zu, \"variant\": ", r ? "," : "", r + 1);
        cli_json_str(stdout, sc->variant);
        printf(", \"values\": {");
        for (size_t a = 0; a < e->naxes; a++) {
            printf("%s", a ? ", " : "");
            cli_json_str(stdout, e->axes[a]);
            printf(": ");
            cli_json_str(stdout, sc->values[a]);
        }
        printf("}, \"objective\": ");
        cli_json_num(stdout, p->obj);
        printf(", \"ci95_half\": ");
        cli_json_num(stdout, p->half);
        printf(", \"feasible\": %s, \"tied_with_best\": %s, \"constraints\": [",
               p->feasible ? "true" : "false", r > 0 && p->tied ? "true" : "false");
        size_t ncons = e->nconstraints < TUNE_MAX_CONSTRAINT_COLUMNS ? e->nconstraints
                                                                     : TUNE_MAX_CONSTRAINT_COLUMNS;
        for (size_t k = 0; k < ncons; k++) {
            printf("%s{\"rule\": ", k ? ", " : "");
            cli_json_str(stdout, e->constraints[k].text);
            printf(", \"value\": ");
            cli_json_str(stdout, p->cons[k][0] ? p->cons[k] : NULL);
            printf("}");
        }
        printf("], \"broken\": ");
        cli_json_str(stdout, p->broken[0] ? p->broken : NULL);
        printf("}");
    }
    printf("%s], \"best\": ", e->nsc ? "\n" : "");
    if (e->nsc && pts[0].feasible && !ties)
        printf("1");
    else
        printf("null");
    printf(", \"tied\": %zu}\n", e->nsc && pts[0].feasible ? ties + 1 : 0);
}

/* The ranked table: rank, variant, one column per swept path, objective, constraints. */
static void print_ranking(const experiment *e, const point *pts, size_t rows_out)
{
    size_t ncons = e->nconstraints < TUNE_MAX_CONSTRAINT_COLUMNS ? e->nconstraints
                                                                 : TUNE_MAX_CONSTRAINT_COLUMNS;
    size_t ncol = 2 + (e->nvariants ? 1 : 0) + e->naxes + 1 + ncons;
    char(*cell)[256] = cs_calloc((rows_out + 1) * ncol, sizeof *cell);
    int *w = cs_calloc(ncol, sizeof *w);
    for (size_t r = 0; r <= rows_out; r++) {
        char(*row)[256] = cell + r * ncol;
        size_t c = 0;
        if (r == 0) {
            snprintf(row[c++], 256, "rank");
            if (e->nvariants)
                snprintf(row[c++], 256, "variant");
            for (size_t a = 0; a < e->naxes; a++)
                snprintf(row[c++], 256, "%.200s", e->axes[a]);
            snprintf(row[c++], 256, "%s %.150s", e->maximize ? "maximize" : "minimize",
                     e->objective.text);
            for (size_t k = 0; k < ncons; k++)
                snprintf(row[c++], 256, "%.200s", e->constraints[k].text);
            snprintf(row[c++], 256, "verdict");
        } else {
            const point *p = &pts[r - 1];
            const exp_scenario *sc = &e->sc[p->sc];
            snprintf(row[c++], 256, "%zu", r);
            if (e->nvariants)
                snprintf(row[c++], 256, "%.200s", sc->variant);
            for (size_t a = 0; a < e->naxes; a++)
                snprintf(row[c++], 256, "%.200s", sc->values[a]);
            char m[32], h[32];
            cs_fmt_human(m, sizeof m, p->obj);
            cs_fmt_human(h, sizeof h, p->half);
            if (isnan(p->obj) || isnan(p->half))
                snprintf(row[c++], 256, "%s", m);
            else
                snprintf(row[c++], 256, "%s ± %s", m, h);
            for (size_t k = 0; k < ncons; k++)
                snprintf(row[c++], 256, "%s", p->cons[k][0] ? p->cons[k] : "-");
            snprintf(row[c++], 256, "%s%s",
                     !p->feasible ? "violates " : r == 1 ? "best" : p->tied ? "tied with best" : "",
                     p->feasible ? "" : p->broken);
        }
        for (size_t k = 0; k < ncol; k++)
            w[k] = width(row[k]) > w[k] ? width(row[k]) : w[k];
    }
    for (size_t r = 0; r <= rows_out; r++) {
        char(*row)[256] = cell + r * ncol;
        for (size_t k = 0; k < ncol; k++) {
            bool last = k + 1 == ncol, right = k == 0 || (k + 1 < ncol && k >= ncol - 2 - ncons);
            int padn = last ? 0 : w[k] - width(row[k]);
            if (right)
                printf("%*s%s", padn, "", row[k]);
            else
                printf("%s%*s", row[k], padn, "");
            printf(last ? "\n" : "  ");
        }
    }
    free(cell);
    free(w);
}

int cmd_tune(int argc, char **argv)
{
    const char *db = "runs.db";
    long jobs_opt = exp_default_jobs(), top = 0;
    bool quiet = false, rerun = false;
    const char *maxmem = NULL, *format = "table";
    double every = -1;
    cli_strs set_opt = {0}, pos = {0};
    const cli_opt opts[] = {
        {"--db", NULL, OPT_STR, &db, 0, 0, NULL},
        {"-j", NULL, OPT_INT, &jobs_opt, 1, 256, NULL},
        {"--set", NULL, OPT_STRS, &set_opt, 0, 0, NULL},
        {"--top", NULL, OPT_INT, &top, 1, LONG_MAX, NULL},
        {"--rerun", NULL, OPT_FLAG, &rerun, 0, 0, NULL},
        {"--quiet", "-q", OPT_FLAG, &quiet, 0, 0, NULL},
        {"--max-memory", NULL, OPT_STR, &maxmem, 0, 0, NULL},
        {"--format", NULL, OPT_STR, &format, 0, 0, "table|json"},
        {"--progress-every", NULL, OPT_DOUBLE, &every, 0, 86400, NULL},
        {NULL, NULL, 0, NULL, 0, 0, NULL},
    };
    int rc = cli_parse("tune", argc, argv, opts, "EXPERIMENT", 1, &pos, help);
    if (rc) {
        rc = rc == CLI_HELP ? CS_OK : rc;
        goto out;
    }
    size_t max_memory;
    if ((rc = cli_max_memory("tune", maxmem, &max_memory)))
        goto out;
    int jobs = (int)jobs_opt;
    const char *path = pos.v[0];
    const char **sets = set_opt.v;
    int nsets = set_opt.n;
    experiment e;
    cs_err err = {0};
    if ((rc = exp_load(path, sets, nsets, &e, &err))) {
        fprintf(stderr, "%s\n", err.msg);
        goto out;
    }
    if (!e.has_objective) {
        fprintf(stderr,
                "%s: no objective: to tune (add objective: {minimize: METRIC, constraints: "
                "[...]})\n",
                path);
        exp_free(&e);
        rc = CS_USAGE;
        goto out;
    }
    e.max_memory = max_memory;
    if ((rc = exp_check_budget(&e, &err))) {
        fprintf(stderr, "cachestorm tune: %s\n", err.msg);
        exp_free(&e);
        goto out;
    }
    exp_result *res = cs_calloc(e.nruns + 1, sizeof *res);
    point *pts = cs_calloc(e.nsc + 1, sizeof *pts);
    progress pr;
    progress_init(&pr, path, stderr, quiet, every);
    exp_exec_opts xo = {.jobs = jobs,
                        .rerun = rerun,
                        .progress = progress_update,
                        .progress_arg = &pr,
                        .arg = (void *)path,
                        .notice = exp_notice_stderr};
    exp_exec_summary sum;
    rc = exp_execute_opts(&e, db, &xo, res, &sum, &err);
    progress_end(&pr);
    if (rc) {
        fprintf(stderr, "cachestorm tune: %s\n", err.msg);
        goto done;
    }
    {
        const run_rows **all = cs_calloc(e.nruns + 1, sizeof *all);
        size_t nall = 0, failed = 0;
        for (size_t i = 0; i < e.nruns; i++) {
            if (res[i].rc == 0) {
                all[nall++] = &res[i].rows;
            } else {
                failed++;
                fprintf(stderr, "cachestorm tune: run %zu (%s, seed %lld): %s\n", i,
                        e.sc[e.runs[i].scenario].name, (long long)e.runs[i].seed, res[i].msg);
            }
        }
        rc = expect_check_names(&e.objective, all, nall, &err);
        for (size_t k = 0; k < e.nconstraints && !rc; k++)
            rc = expect_check_names(&e.constraints[k], all, nall, &err);
        free(all);
        if (rc) {
            fprintf(stderr, "%s\n", err.msg);
            goto done;
        }
        if (failed)
            rc = exp_results_status(res, e.nruns);
    }
    score(&e, res, pts);
    qsort(pts, e.nsc, sizeof *pts, e.maximize ? point_cmp_max : point_cmp_min);
    /* Feasible points the best cannot be told from: the same objective, or
     * 95 % CIs that overlap (a single run per point has no CI: only an
     * exact tie counts). */
    size_t ties = 0;
    for (size_t i = 1; i < e.nsc && pts[0].feasible; i++) {
        point *p = &pts[i];
        if (!p->feasible || isnan(p->obj))
            continue;
        bool ci = !isnan(p->half) && !isnan(pts[0].half);
        p->tied = p->obj == pts[0].obj ||
                  (ci && fabs(p->obj - pts[0].obj) <= p->half + pts[0].half);
        ties += p->tied;
    }
    if (!strcmp(format, "json")) {
        print_json(&e, pts, ties);
        if (!(e.nsc && pts[0].feasible) && rc == CS_OK)
            rc = CS_EXPECT_FAILED;
        goto done;
    }
    if (!quiet) {
        printf("tune %s: %zu points × %zu replications, %s %s\n\n", e.name, e.nsc,
               e.replications, e.maximize ? "maximize" : "minimize", e.objective.text);
        print_ranking(&e, pts, top > 0 && (size_t)top < e.nsc ? (size_t)top : e.nsc);
    }
    if (e.nsc && pts[0].feasible) {
        const exp_scenario *sc = &e.sc[pts[0].sc];
        char m[32];
        cs_fmt_human(m, sizeof m, pts[0].obj);
        if (ties)
            printf("%sno single best: %zu point%s tied with the top one (the same value, or 95%% "
                   "CIs that overlap);\nmore replications or a sharper objective would tell them "
                   "apart.  Top: %s%s%s%s  (%s = %s)\n",
                   quiet ? "" : "\n", ties, ties == 1 ? " is" : "s are", sc->variant ? "variant " : "",
                   sc->variant ? sc->variant : "", sc->variant && e.naxes ? ", " : "", sc->point,
                   e.objective.text, m);
        else
            printf("%sbest: %s%s%s%s  (%s = %s)\n", quiet ? "" : "\n", sc->variant ? "variant " : "",
                   sc->variant ? sc->variant : "", sc->variant && e.naxes ? ", " : "", sc->point,
                   e.objective.text, m);
        if (e.naxes) {
            printf("as overrides:");
            for (size_t a = 0; a < e.naxes; a++)
                printf(" --set '%s=%s'", e.axes[a], sc->values[a]);
            printf("\n");
        }
    } else if (rc == CS_OK) {
        printf("%sno point meets every constraint\n", quiet ? "" : "\n");
        rc = CS_EXPECT_FAILED;
    }
done:
    exp_results_free(res, e.nruns);
    free(res);
    free(pts);
    exp_free(&e);
out:
    cli_strs_free(&set_opt);
    cli_strs_free(&pos);
    return rc;
}
