/* experiment.h — experiment files: a config plus `replications:` (or a
 * `seeds:` list), `sweep:` (config path → list of values, cartesian product
 * in the order written, first path outermost), `variants:` (name → map of
 * overrides; a dotted key such as `l2.breaker.kind` sets that path),
 * `expect:` and `objective:` (INTERFACES.md "Config files").  A plain config
 * is an experiment of one scenario and one run.
 *
 * One scenario = one variant at one sweep point; its config tree is
 *   base chain ← variant ← sweep point ← --set
 * and its runs are the replications with seeds seed, seed+1, ... (the seed
 * after all of the above) or the `seeds:` list.  Every run's config is built
 * through sim/config (config_tree_* and config_from_tree); no YAML here.
 *
 * The executor runs an experiment's runs through runner_run() into one store,
 * each as a forked process (sim/run/pool.h), at most `jobs` at a time, each
 * opening the store itself (WAL + busy timeout handle the writers); runs
 * already done in the store are skipped.  The rows
 * of a run depend only on its config, so they are the same for any `jobs`.
 */
#ifndef CS_EXPERIMENT_H
#define CS_EXPERIMENT_H

#include "sim/config/config.h"
#include "sim/core/rows.h"
#include "sim/run/expect.h"
#include "sim/store/store.h"

typedef struct exp_scenario {
    char *variant; /* NULL when the file has no variants */
    char *point;   /* "queue.arrival=500/s, nodes.count=4", "" without a sweep */
    char **values; /* one per swept path, as flow text ("500/s") */
    char *name;    /* the runs' name: experiment name [+ " " + point] */
    yt_node *tree; /* NULL: a scenario's tree is built when a run needs it
                      (exp_run_config), so N scenarios never hold N trees */
    size_t vi, pi; /* its variant and sweep point (indices) */
    size_t first;  /* its runs are runs[first .. first + nruns) */
    size_t nruns;
    expect_rule *rules; /* its `expect:` rules, parsed */
    size_t nrules;
} exp_scenario;

typedef struct exp_run {
    size_t scenario;
    size_t rep; /* replication index, 0-based */
    int64_t seed;
} exp_run;

typedef struct experiment {
    char *path;
    char *name;          /* the config's `name:` (the runs' experiment column) */
    bool is_experiment;  /* false: a plain config */
    size_t replications; /* runs per scenario */
    exp_scenario *sc;
    size_t nsc;
    exp_run *runs; /* scenario-major: scenario 0's replications first */
    size_t nruns;
    char **axes; /* swept paths, in order */
    size_t naxes;
    size_t nvariants; /* 0 without variants */
    /* objective: (tune) */
    bool has_objective, maximize;
    expect_rule objective;
    expect_rule *constraints;
    size_t nconstraints;
    /* what a scenario's tree is built from (issue 16: one shared base) */
    yt_node *base_tree, *variants_tree, *sweep_tree;
    char **sets;
    int nsets;
    size_t max_memory; /* each run's memory budget (run_opts.max_memory); 0 = default */
} experiment;

/* Load an experiment (or a plain config) from `path`, with `--set`
 * overrides applied to every scenario.  Every scenario's config is built and
 * validated and every rule parsed, so a bad file fails here (code 2 with
 * file:line:column) before anything runs; 3 for an I/O error. */
int exp_load(const char *path, const char *const *sets, int nsets, experiment *out, cs_err *err);
/* The same from text (tests); `name` names it in messages. */
int exp_load_string(const char *text, const char *name, const char *const *sets, int nsets,
                    experiment *out, cs_err *err);
void exp_free(experiment *e);

/* Before anything runs: every scenario's config fits e->max_memory (0 =
 * the default budget, sim/run/budget.h)?  Else CS_USAGE with err naming the
 * file, the scenario, the estimate and the keys that drive it. */
int exp_check_budget(const experiment *e, cs_err *err);

/* The config of run i (its scenario's tree, its seed, its name). */
int exp_run_config(const experiment *e, size_t i, config *out, cs_err *err);

/* What happened to one run. */
typedef struct exp_result {
    int rc;         /* 0, or the run's error status */
    int64_t run_id; /* in the store */
    bool skipped;   /* already done in the store: not run again */
    char msg[512];  /* the error, when rc != 0 */
    run_rows rows;  /* its metrics, read back from the store (rc == 0) */
} exp_result;

/* Progress callback: done of total runs finished. */
typedef void (*exp_progress)(void *arg, size_t done, size_t total);

/* How to execute (exp_execute_opts). */
typedef struct exp_exec_opts {
    int jobs;              /* processes at once (each run is one child process) */
    bool rerun;            /* run even the runs already done in the store */
    exp_progress progress; /* may be NULL; called when a run ends and about
                              once a second while none does */
    void *arg;             /* for progress and notice */
    void *progress_arg;    /* for progress instead of arg (a struct progress) */
    /* A one-line notice ("28 of 40 runs already done in runs.db, running
     * 12"), given before anything runs; may be NULL. */
    void (*notice)(void *arg, const char *msg);
} exp_exec_opts;

/* What the executor did. */
typedef struct exp_exec_summary {
    size_t total;     /* runs of the experiment */
    size_t skipped;   /* already done (identity found in the store) */
    size_t finished;  /* run now and done */
    size_t failed;    /* run now and failed */
    size_t not_run;   /* never started (interrupted before their turn) */
    size_t abandoned; /* 'running' rows of dead processes marked abandoned */
    int signal;       /* SIGINT/SIGTERM that stopped it, 0 if none */
} exp_exec_summary;

/* Run the runs of e into the database at `db`, each in a child process, at
 * most o->jobs at a time.  First, 'running' rows whose process is dead are
 * marked abandoned, and every run whose identity (config hash, seed,
 * version, with its experiment, variant and name) is already 'done' is
 * skipped — unless o->rerun — and reported through o->notice.  res[i]
 * (nruns entries, caller-allocated) receives run i's outcome, rows included
 * for done runs (skipped or not).  A SIGINT or SIGTERM stops the pool: the
 * runs under way are marked 'interrupted', sum->signal is set and the
 * return value is 128 + signal with err saying how many runs are done and
 * how to resume.  Otherwise returns 0 when the executor itself worked
 * (individual runs may have failed: see res[i].rc) or an exit status with
 * err filled (the database cannot be opened, fork failed). */
int exp_execute_opts(const experiment *e, const char *db, const exp_exec_opts *o, exp_result *res,
                     exp_exec_summary *sum, cs_err *err);
/* exp_execute_opts with skipping on, and notices on stderr prefixed by the
 * progress label `arg` (what tune uses). */
int exp_execute(const experiment *e, const char *db, int jobs, exp_progress progress, void *arg,
                exp_result *res, cs_err *err);
/* "12 runs done now, 28 were already done, 0 failed" style sentence of how
 * an interrupted execution ended, and how to resume it. */
void exp_interrupt_message(const exp_exec_summary *sum, char *buf, size_t cap);
/* The notice exp_execute prints: "LABEL: MSG" on stderr. */
void exp_notice_stderr(void *label, const char *msg);
void exp_results_free(exp_result *res, size_t n);
/* The status the failed runs among res[0..n) call for: 0 none failed,
 * CS_USAGE when a model refused its config, else CS_IO. */
int exp_results_status(const exp_result *res, size_t n);

/* Read a stored run's whole-run and per-node metrics into rows. */
int exp_read_metrics(sqlite3 *db, int64_t run_id, run_rows *rows, cs_err *err);

/* The rows of scenario s's runs, as an array of pointers into res (for
 * expect_judge); caller frees the array. */
const run_rows **exp_scenario_rows(const experiment *e, size_t s, const exp_result *res, size_t *n);

/* Default parallelism: the number of online cores (at least 1). */
int exp_default_jobs(void);

/* The terminal progress line on stderr (an exp_progress; arg = the label). */
void exp_progress_line(void *label, size_t done, size_t total);

#endif
