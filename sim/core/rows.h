/* rows.h — what a finished run hands to the store: plain rows, one array per
 * table of INTERFACES.md "Database".  The stats module and the models fill
 * these; sim/store writes them in one transaction.  Node -1 means NULL (the
 * whole run).  Strings are owned by the rows (rows_free releases them).
 */
#ifndef CS_ROWS_H
#define CS_ROWS_H

#include "sim/core/common.h"

typedef struct param_row { char *path, *value; } param_row;
typedef struct metric_row { int node; char *name; double value; bool is_null; } metric_row;
typedef struct series_row { int node; double t_s; char *name; double value; } series_row;
typedef struct transition_row {
    sim_ns t_ns;
    int node;
    char *component, *from_state, *to_state, *reason;
} transition_row;
typedef struct trace_row {
    sim_ns t_ns;
    int node;
    int64_t request;
    char *step, *detail;
} trace_row;
/* One non-empty bucket [lo_ns, hi_ns) of a stored histogram (table `hist`):
 * `name` says which distribution ("latency": user requests after warm-up). */
typedef struct hist_row {
    int node;
    char *name;
    sim_ns lo_ns, hi_ns;
    uint64_t count;
} hist_row;

#define ROWS_VEC(T) struct { T *v; size_t n, cap; }

typedef struct run_rows {
    ROWS_VEC(param_row) params;
    ROWS_VEC(metric_row) metrics;
    ROWS_VEC(series_row) series;
    ROWS_VEC(transition_row) transitions;
    ROWS_VEC(trace_row) trace;
    ROWS_VEC(hist_row) hists;
} run_rows;

void rows_param(run_rows *r, const char *path, const char *value);
void rows_metric(run_rows *r, int node, const char *name, double value);
void rows_metric_null(run_rows *r, int node, const char *name);
void rows_series(run_rows *r, int node, double t_s, const char *name, double value);
void rows_transition(run_rows *r, sim_ns t, int node, const char *component, const char *from,
                     const char *to, const char *reason);
void rows_trace(run_rows *r, sim_ns t, int node, int64_t request, const char *step,
                const char *detail);
void rows_hist(run_rows *r, int node, const char *name, sim_ns lo_ns, sim_ns hi_ns,
               uint64_t count);
/* Look up a whole-run (node = -1) or per-node metric; NAN when absent. */
double rows_get_metric(const run_rows *r, int node, const char *name);
void rows_free(run_rows *r);

#endif
