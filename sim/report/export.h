/* export.h — read a run store (SQLite, opened read-only) and write the plain
 * whitespace-separated data files that the plots/KIND.gp scripts read.
 *
 * Everything a picture shows comes from the database (ARCHITECTURE.md
 * "Outputs": never from memory), so any past run can be drawn again.  The
 * exporters know the schema of sim/store_schema.h and the metric and series
 * names of INTERFACES.md; they know nothing about gnuplot beyond the file
 * layouts documented at the top of each plots/KIND.gp.  Missing values are
 * written as NaN, which gnuplot skips.
 */
#ifndef CS_EXPORT_H
#define CS_EXPORT_H

#include <sqlite3.h>
#include <stdio.h>

#include "sim/core/common.h"

/* One row of `runs` (the columns the pictures need). */
typedef struct ex_run {
    int64_t id;
    char *name;
    char *experiment; /* NULL when the column is NULL */
    char *variant;    /* NULL when the column is NULL */
    char *status;     /* running / done / failed */
    int64_t seed;
    double sim_s; /* simulated duration in seconds; NAN when NULL */
} ex_run;

/* An open store: the database handle and all its runs, ordered by id. */
typedef struct ex_store {
    struct store *store; /* opened read-only through sim/store */
    sqlite3 *db;         /* store_db(store) */
    char *path;
    ex_run *runs;
    size_t n_runs;
} ex_store;

/* Open path read-only (store_open_readonly) and load the runs table.  Fails
 * with CS_IO when the file is missing, unreadable, corrupt or not a
 * cachestorm store (store.h's checks).  An empty store opens fine (n_runs 0);
 * callers answer "no runs" with CS_USAGE. */
int ex_open(ex_store *st, const char *path, cs_err *err);
void ex_close(ex_store *st);
/* The run with this id, or NULL. */
const ex_run *ex_find(const ex_store *st, int64_t id);

/* A whole-run (node < 0) or per-node scalar metric; NAN when absent or NULL. */
double ex_metric(ex_store *st, int64_t run_id, int node, const char *name);
/* The value of a params row, or NULL (caller frees). */
char *ex_param(ex_store *st, int64_t run_id, const char *path);

/* ---- timeline ---------------------------------------------------------- */

/* Columns 2..EX_TL_N+1 of the timeline data file, in this order. */
enum {
    EX_TL_RPS,
    EX_TL_ERRORS, /* written as errors per second (bucket count / bucket width) */
    EX_TL_P50,
    EX_TL_P99,
    EX_TL_L1HIT,
    EX_TL_STALE,
    EX_TL_DBRPS,
    EX_TL_BACKLOG,
    EX_TL_POOLQ,
    EX_TL_OLDEST, /* latency.oldest_inflight_ms: drawn on the latency panel */
    EX_TL_N
};
/* The metric table's series id of each column, and its name. */
extern const int ex_timeline_ids[EX_TL_N];
const char *ex_tl_name(int c);

typedef struct ex_timeline {
    size_t rows;          /* buckets written */
    bool has[EX_TL_N];    /* the series had at least one value */
    bool summed[EX_TL_N]; /* whole-run series rebuilt from per-node rows */
    bool nonzero[EX_TL_N]; /* the series had a value other than 0 */
    size_t idle;          /* buckets with no request ended: latency written NaN */
    double bucket_s;      /* bucket width (smallest step between t_s) */
    double t_end;         /* end of the x range, seconds */
    size_t faults;        /* fault windows written */
    size_t breakers;      /* breaker-open intervals written */
    size_t half_open;     /* breaker half-open intervals written */
    size_t breaker_segments; /* lines of the breaker file (every state) */
    int breaker_rows;     /* distinct breakers (one strip row each) */
} ex_timeline;

/* Write the timeline of one run: datafile gets `t_s` and the EX_TL_N series
 * (node < 0: whole run; a whole-run series missing from the store is rebuilt
 * from per-node rows: sums for rates and queues, max for latencies, mean for
 * ratios); faultfile gets `start_s end_s row "kind"` per fault window;
 * breakerfile gets `start_s end_s row "label" state` per breaker state segment
 * (state 0 closed, 1 half-open, 2 open; from 0 s to the run's end); the
 * latency columns are NaN in a bucket whose rps is 0 (no request ended).  With
 * node >= 0 only that node's series, its breaker and faults that name no node
 * or this node are written; CS_USAGE when the node has no series. */
int ex_timeline_write(ex_store *st, const ex_run *run, int node, const char *datafile,
                      const char *faultfile, const char *breakerfile, ex_timeline *out,
                      cs_err *err);

/* Load peaks of an open workload (params workload.profile[i].*): the
 * profile steps whose rate is above workload.rate — a spike over [at, at +
 * for), a step or a ramp from `at` to the next profile step (or t_end).
 * loadfile gets `start_s end_s row "label"` (the label in full: "load
 * spike: 50000/s per node for 200ms"); *n = windows written (0 for a
 * closed workload or no profile). */
int ex_load_write(ex_store *st, const ex_run *run, double t_end, const char *loadfile, size_t *n,
                  cs_err *err);

/* ---- cdf ----------------------------------------------------------------- */

/* The scenario of each run: runs that agree on experiment, variant, name and
 * every params row but the seed are replications of one scenario.  scenario
 * (n entries) gets indices 0.. in order of first appearance; returns how many. */
size_t ex_scenarios(ex_store *st, const ex_run *const *runs, size_t n, size_t *scenario);

#define EX_CDF_MAX_NINES 3.5 /* where `max` is drawn for a curve without a histogram */
#define EX_CDF_STEP 0.02     /* grid of a curve from histograms, in nines */
#define EX_CDF_MARKS 3       /* p50, p99, p99.9 */

/* What was written for one scenario. */
typedef struct ex_cdf_curve {
    int block;           /* its block in the data file; -1: nothing to draw */
    int band;            /* its polygon in the band file; -1: none (< 2 histograms) */
    size_t runs;         /* replications */
    size_t with_hist;    /* of them with a stored histogram (0: drawn from metrics) */
    double top_nines;    /* highest point drawn */
    double mark_ms[EX_CDF_MARKS]; /* p50, p99, p99.9 of the curve; NaN when not resolved */
} ex_cdf_curve;

/* The latency distribution of each scenario (runs[i] belongs to scenario[i]
 * < n_scen, labelled labels[scenario]), whole run after warm-up.  From the
 * stored histograms (table hist): at every EX_CDF_STEP of nines = -log10(1-q)
 * up to log10(requests), the mean over the replications of each one's
 * quantile q, and a 95 % Student-t interval of that mean (stats_mean_ci) —
 * NaN with one replication.  A scenario without histograms is drawn through
 * its runs' quantile metrics (p50, p90, p99, p99.9, max at EX_CDF_MAX_NINES).
 * datafile: one block per drawn scenario, first line the quoted label, then
 * `latency_ms quantile nines ci_lo_ms ci_hi_ms runs`; bandfile: per scenario
 * with >= 2 histograms a closed polygon `latency_ms nines` around the CI;
 * markfile: `block latency_ms nines "p99 12.3 ms"` per mark.  curves gets
 * n_scen entries. */
int ex_cdf_write(ex_store *st, const ex_run *const *runs, size_t n, const size_t *scenario,
                 size_t n_scen, const char *const *labels, const char *datafile,
                 const char *bandfile, const char *markfile, ex_cdf_curve *curves, cs_err *err);

/* ---- nodes --------------------------------------------------------------- */

/* One row per node that has per-node metrics, ordered by node:
 * `node errors timeouts p50_ms p99_ms total "node N"` (timeouts are a subset
 * of errors).  *nodes = rows; has (EX_NODES_N entries, may be NULL): the
 * column had a value on some node. */
enum { EX_NODES_ERR, EX_NODES_TIMEOUT, EX_NODES_P50, EX_NODES_P99, EX_NODES_TOTAL, EX_NODES_N };
int ex_nodes_write(ex_store *st, const ex_run *run, const char *datafile, size_t *nodes,
                   bool *has, cs_err *err);

/* ---- groups of runs (sweep, compare) --------------------------------------- */

/* Mean and 95 % confidence interval (Student t) of n values; half = 0 when n < 2. */
typedef struct ex_stat {
    double mean, half;
    size_t n;
} ex_stat;
ex_stat ex_stat_of(const double *v, size_t n);

/* The swept parameters among runs: params paths whose value differs between
 * runs of the same variant (so the variants' own overrides and the seed do not
 * count).  Returns a malloc'd array of malloc'd paths, most distinct values
 * first. */
char **ex_swept_params(ex_store *st, const ex_run *const *runs, size_t n, size_t *n_paths,
                       cs_err *err);

/* Sweep over one parameter: one block per variant (quoted label first), rows
 * `x mean lo hi n "xlabel"` per metric in turn — the block index is
 * metric * n_variants + variant.  x is the parsed number (durations in
 * seconds) when every value parses, else the category index.  Sets *numeric,
 * *n_variants and *unit (static string: "s", "/s" or ""). */
int ex_sweep1_write(ex_store *st, const ex_run *const *runs, size_t n, const char *param,
                    const char *const *metrics, size_t n_metrics, const char *datafile,
                    bool *numeric, size_t *n_variants, const char **unit, cs_err *err);

/* Sweep over two parameters: one block per variant (quoted label first), a
 * row for every combination: `xi yi mean n "xlabel" "ylabel" "value"`
 * (category indices; value = the mean in plain units, cs_fmt_human); a
 * combination without runs has mean NaN, n 0 and value "no data". */
int ex_sweep2_write(ex_store *st, const ex_run *const *runs, size_t n, const char *px,
                    const char *py, const char *metric, const char *datafile, size_t *n_variants,
                    cs_err *err);

/* Scenarios side by side: one block per metric, rows
 * `i mean lo hi n "label" "value" "verdict" colour` per group.  A group is a
 * scenario (variant and run name; its runs are replications); label = the
 * variant and what the name adds to the common words of all names (sweep
 * point, --set overrides); value = the mean in plain units with "± half"
 * (95 % CI) for n >= 2, "(n=1)" for one run; verdict = "baseline" for the
 * first group of each run name (the first variant at that point), else
 * "BETTER" / "WORSE" by cmp_judge (sim/report/verdict.h, the logic of
 * `cachestorm compare`) against it, or ""; colour = the variant's index
 * (first appearance), else the group's.  present[m]: some run has metric
 * m; nonzero[m] (may be NULL): some run has it other than 0. */
int ex_compare_write(ex_store *st, const ex_run *const *runs, size_t n, const char *const *metrics,
                     size_t n_metrics, const char *datafile, size_t *n_groups, bool *present,
                     bool *nonzero, cs_err *err);

/* An axis label with the unit of a metric of the table ("latency.p99_ms" ->
 * "latency.p99_ms (ms)"), written to buf; returns name itself when unknown. */
const char *ex_metric_label(const char *name, char *buf, size_t size);

/* Parse a parameter value as a number: plain numbers, durations with a unit
 * (ns, us, ms, s, m, h -> seconds) and rates ("/s").  false when it is not. */
bool ex_parse_number(const char *s, double *out, const char **unit);

#endif
