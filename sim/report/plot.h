/* plot.h — `cachestorm plot`: draw stored runs with gnuplot (INTERFACES.md
 * "Command line"; issue 6).  plot_draw is the library entry that
 * `cachestorm report` reuses; cmd_plot (sim/cli/cmd_plot.c) parses the command line.
 *
 * gnuplot is found as $CACHESTORM_GNUPLOT (a path or a command name), else
 * `gnuplot` on PATH.  The scripts are found as $CACHESTORM_PLOTS/KIND.gp, else
 * plots/KIND.gp in the current directory, else next to the binary
 * (BINDIR/../plots, BINDIR/../share/cachestorm/plots).
 */
#ifndef CS_PLOT_H
#define CS_PLOT_H

#include <stddef.h>

#include "sim/core/common.h"

#define PLOT_NO_NODE (-1)
#define PLOT_MAX_LIST 16

/* What to draw.  runs are selectors: a run id, or a run name (all runs of
 * that name); none = the default for the kind (the last done run for
 * timeline/nodes, all done runs for cdf/sweep/compare). */
typedef struct plot_opts {
    const char *prog; /* diagnostic prefix: "plot" or "report" */
    const char *db;
    const char *kind; /* timeline, cdf, nodes, sweep, compare */
    const char *out_dir;
    const char *format; /* png or svg */
    int node;           /* timeline of one node; PLOT_NO_NODE = whole run */
    bool keep_data;     /* write the data files next to the pictures */
    bool quiet;         /* no warnings on stderr */
    bool need_variants; /* compare: skip experiments with fewer than two variants */
    bool by_experiment; /* default selection: only runs of `experiment` (NULL:
                           runs without one) — the report draws per experiment */
    const char *experiment;
    const char *runs[PLOT_MAX_LIST];
    size_t n_runs;
    const char *metrics[PLOT_MAX_LIST];
    size_t n_metrics;
    const char *params[2];
    size_t n_params;
} plot_opts;

/* The pictures drawn: file paths and a one-line caption each. */
typedef struct plot_files {
    char **paths, **captions;
    size_t n, cap;
} plot_files;

/* The kinds, in the order `report` draws them. */
extern const char *const plot_kinds[5];

/* Draw.  CS_USAGE: bad kind, unknown run, empty or foreign database, nothing
 * of this kind to draw; CS_IO: gnuplot missing or failing, files unwritable. */
int plot_draw(const plot_opts *o, plot_files *out, cs_err *err);

/* `cachestorm report`: one offline HTML page about the runs in db, written
 * to out (sim/report/report.c).  Returns a cs status; messages on stderr. */
typedef struct report_opts {
    const char *db, *out;
    const char *baseline;   /* another database: compare verdicts per scenario, or NULL */
    const char *experiment; /* the experiment file (its objective:), or NULL */
    size_t budget;          /* bytes of pictures on the page; 0 = REPORT_BUDGET */
} report_opts;
#define REPORT_BUDGET (3u << 20)
int report_write_opts(const report_opts *o);
int report_write(const char *db, const char *out);
void plot_files_free(plot_files *f);

/* The gnuplot executable to run, or CS_IO with the install command. */
int plot_find_gnuplot(char *buf, size_t size, cs_err *err);

#endif
