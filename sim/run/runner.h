/* runner.h — one run, end to end: a validated config → the model it names
 * (the cache world or the validation queue) → rows → the run store.  Shared
 * by `run`, and by the experiment commands that run many configs. */
#ifndef CS_RUNNER_H
#define CS_RUNNER_H

#include "sim/config/config.h"
#include "sim/core/rows.h"
#include "sim/store/store.h"

typedef struct run_opts {
    const char *experiment, *variant; /* NULL for a plain run */
    const char *trace;                /* --trace filter, or NULL */
    size_t max_memory;                /* --max-memory bytes; 0 = budget_default() */
    bool progress;                    /* print progress lines to stderr (a terminal) */
} run_opts;

/* Run `cfg` (its seed is cfg->seed) and store it in `st`.  A config whose
 * memory estimate is over the budget is refused (2) before the run begins
 * (sim/run/budget.h); a run the engine stops (capacity, time stuck, memory
 * over the budget) returns 3 and is marked failed.  rows receives
 * everything written (caller frees with rows_free); *run_id the run's id.
 * A model error, or a store write that fails, marks the run failed (when
 * the store still takes that small write).  Returns 0 or an exit status. */
int runner_run(store *st, const config *cfg, const run_opts *o, int64_t *run_id, run_rows *rows,
               cs_err *err);

/* runner_run in a child process (sim/run/pool.h) on the store at `db`, so a
 * SIGINT or SIGTERM can be answered: the run is then marked 'interrupted'
 * (or 'failed' when the child died of another signal), *signal is set and
 * the return value is 128 + signal.  Otherwise as runner_run, without rows. */
int runner_run_isolated(const char *db, const config *cfg, const run_opts *o, int64_t *run_id,
                        int *signal, cs_err *err);

/* The identity of the run cfg makes with o's labels: the effective config's
 * hash goes to hash (17 bytes), ri's strings point into cfg, o and hash. */
void runner_identity(const config *cfg, const run_opts *o, char hash[17], run_info *ri);

/* The binary version stored with every run (part of its identity).  One
 * object file holds it, so every look-up agrees with what runner_run
 * stores even when an incremental build compiled files at other commits. */
const char *runner_version(void);

/* Run only (no store): the model's rows for cfg, for tests and comparisons. */
int runner_simulate(const config *cfg, const char *trace, run_rows *rows, sim_ns *sim_end,
                    uint64_t *events, cs_err *err);

#endif
