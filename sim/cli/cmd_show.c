/* cmd_show.c — `cachestorm show`: summary tables of stored runs
 * (INTERFACES.md "Command line").
 *
 * Reads the store read-only and prints: a runs table; a metrics table with
 * one row per metric (INTERFACES.md order, see store_metric_cmp) and one
 * column per run; with --nodes a per-node table per run (requests, errors,
 * latency percentiles: the per-instance view of the seed-000 load test).
 * Aligned for humans, `--format tsv` and `--format json` for scripts.
 * Everything is read from the database; nothing depends on how it was run.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sim/cli/cli.h"
#include "sim/cli/cli_args.h"
#include "sim/cli/cli_out.h"
#include "sim/core/metrics.h"
#include "sim/core/common.h"
#include "sim/report/summary.h"
#include "sim/store/store.h"

#define SHOW_DEFAULT_DB "runs.db"
/* Terminal tables show at most this many runs side by side when no run ids
 * are given (a sweep may hold hundreds); tsv and json show all. */
#define SHOW_MAX_COLUMNS 10
/* The "what happened" summary is printed when the table holds at most this
 * many runs (a sweep's hundreds would bury the tables). */
#define SHOW_MAX_SUMMARIES 4

typedef enum { FMT_TABLE, FMT_TSV, FMT_JSON, FMT_CSV } out_format;


static const char usage_text[] =
    "usage: cachestorm show [DB] [RUN...] [--format table|tsv|csv|json] [--node N | --nodes]\n"
    "                       [--transitions [--component C]] [--metric PATTERN]...\n"
    "       cachestorm show [DB] [RUN...] --series [--node N | --nodes] [--metric PATTERN]...\n"
    "                       [--format table|tsv|csv|json]\n";

static const char help_text[] =
    "\n"
    "Summary tables of the runs stored in DB (default runs.db): a runs table\n"
    "(id, experiment, variant, name, seed, status, simulated seconds, events,\n"
    "wall-clock seconds) and a metrics table with one column per run and one row\n"
    "per whole-run metric (requests.*, latency.*, l1.*, l2.*, ... recovery_s).\n"
    "A value that is NULL or missing shows as '-'.  A run stored as 'running'\n"
    "whose process is gone (killed, its host's lease expired) shows as\n"
    "'abandoned' (the store is not changed; cachestorm prune DB removes it).\n"
    "\n"
    "  RUN          a run id (the id column) or a range A-B; default: all runs\n"
    "               (--format table puts the last 10 of them side by side)\n"
    "  --format F   table  aligned columns (default)\n"
    "               tsv    tab-separated; '# runs', '# metrics', '# nodes' before\n"
    "                      each table; full precision; NULL is an empty field\n"
    "               csv    RFC 4180, full precision, one table: one row per run\n"
    "                      (the runs columns, then one column per metric); with\n"
    "                      --nodes one row per run, node and metric; with\n"
    "                      --transitions one row per transition (one of the two)\n"
    "               json   one object: {\"database\", \"runs\": [{\"id\", ...,\n"
    "                      \"metrics\": {NAME: VALUE}, \"nodes\": [...]}]}\n"
    "  --node N     the metrics of node N instead of the whole run\n"
    "  --nodes      add a per-node table (requests, errors, latency percentiles)\n"
    "  --metric P   only metrics whose names match the glob P ('latency.*',\n"
    "               'l2.timeout'); repeatable\n"
    "  --transitions\n"
    "               add each run's state changes in time order: breakers\n"
    "               (closed/open/half_open), connections, pool starvation,\n"
    "               faults; with --node N only that node's (and the world's)\n"
    "  --component C\n"
    "               with --transitions: only the rows of component C (a glob:\n"
    "               breaker, connection, fault, redis, run, 'conn*')\n"
    "  --series     the stored time series instead of the tables (1 s buckets:\n"
    "               rps, errors, latency.p50_ms, latency.p99_ms, ...): one row per\n"
    "               run, node and second, one column per series; the whole run's\n"
    "               by default, --node N that node's, --nodes every node's too;\n"
    "               --metric P picks series; for export use --format csv or json\n"
    "               (json: {\"database\", \"columns\", \"rows\": [{...}]})\n"
    "  -h, --help   this text\n"
    "\n"
    "examples:\n"
    "  cachestorm show                           every run in ./runs.db\n"
    "  cachestorm show sweep.db 3 7              runs 3 and 7 side by side\n"
    "  cachestorm show sweep.db 10-19            runs 10 to 19\n"
    "  cachestorm show runs.db 12 --nodes        run 12 and each node's share\n"
    "  cachestorm show runs.db 12 --node 0       node 0's metrics of run 12\n"
    "  cachestorm show runs.db 12 --transitions --node 0\n"
    "                                           when node 0's breaker opened, and why\n"
    "  cachestorm show runs.db --format json | jq '.runs[-1].metrics[\"latency.p99_ms\"]'\n"
    "  cachestorm show runs.db 3 --series --format csv > run3-series.csv\n"
    "  cachestorm show runs.db 3 --transitions --component breaker\n"
    "\n"
    "exit status: 0 ok; 2 bad usage, no runs stored, or no such run;\n"
    "3 the file is missing, unreadable, corrupt or not a cachestorm database.\n";

/* ---- options ------------------------------------------------------------ */

typedef struct show_opts {
    const char *db;
    int64_t *ids; /* selected run ids in the order given; NULL = all */
    size_t nids, cap;
    out_format format;
    int node; /* --node N, or -1 */
    bool nodes;
    bool transitions;
    bool series;
    const char *component; /* --component GLOB (with --transitions) */
    const char *metrics[16]; /* --metric PATTERN (glob), at most 16 */
    int nmetrics;
} show_opts;

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "cachestorm show: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s(cachestorm show --help explains)\n", usage_text);
    return CS_USAGE;
}

/* Parse a non-negative integer; false if s is not exactly one. */
static bool parse_int(const char *s, int64_t *out)
{
    if (!*s || !isdigit((unsigned char)*s))
        return false;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

/* A run spec: N or A-B. */
static bool parse_run_spec(const char *s, int64_t *lo, int64_t *hi)
{
    const char *dash = strchr(s, '-');
    if (!dash) {
        if (!parse_int(s, lo))
            return false;
        *hi = *lo;
        return true;
    }
    char a[32];
    size_t n = (size_t)(dash - s);
    if (n == 0 || n >= sizeof a)
        return false;
    memcpy(a, s, n);
    a[n] = 0;
    return parse_int(a, lo) && parse_int(dash + 1, hi) && *lo <= *hi;
}

static void add_id(show_opts *o, int64_t id)
{
    for (size_t i = 0; i < o->nids; i++)
        if (o->ids[i] == id)
            return;
    cs_grow((void **)&o->ids, &o->cap, o->nids + 1, sizeof *o->ids);
    o->ids[o->nids++] = id;
}

static void show_help(FILE *f)
{
    fprintf(f, "%s%s", usage_text, help_text);
}

/* Returns -1 to go on, or an exit status (help, usage error). */
static int parse_args(int argc, char **argv, show_opts *o)
{
    const char *format = "table";
    long node = -1;
    cli_strs pats = {0}, pos = {0};
    const cli_opt opts[] = {
        {"--format", NULL, OPT_STR, &format, 0, 0, "table|tsv|csv|json"},
        {"--node", NULL, OPT_INT, &node, 0, 1000000, NULL},
        {"--nodes", NULL, OPT_FLAG, &o->nodes, 0, 0, NULL},
        {"--transitions", NULL, OPT_FLAG, &o->transitions, 0, 0, NULL},
        {"--component", NULL, OPT_STR, &o->component, 0, 0, NULL},
        {"--series", NULL, OPT_FLAG, &o->series, 0, 0, NULL},
        {"--metric", NULL, OPT_STRS, &pats, 0, 0, NULL},
        {NULL, NULL, 0, NULL, 0, 0, NULL},
    };
    const cli_spec sp = {"show", opts, "DB or RUN", 0, 0, show_help, usage_text};
    int rc = cli_parse_spec(&sp, argc, argv, &pos);
    if (rc) {
        rc = rc == CLI_HELP ? CS_OK : rc;
        goto out;
    }
    o->format = !strcmp(format, "tsv")    ? FMT_TSV
                : !strcmp(format, "csv")  ? FMT_CSV
                : !strcmp(format, "json") ? FMT_JSON
                                          : FMT_TABLE;
    o->node = (int)node;
    if (pats.n > 16) {
        rc = usage_error("at most 16 --metric%s", "");
        goto out;
    }
    for (int i = 0; i < pats.n; i++)
        o->metrics[o->nmetrics++] = pats.v[i];
    if (o->component && !o->transitions) {
        rc = usage_error("--component '%s' goes with --transitions", o->component);
        goto out;
    }
    if (o->series && (o->transitions || (o->nodes && o->node >= 0))) {
        rc = usage_error("--series prints the series only: %s",
                         o->transitions ? "drop --transitions" : "--node N or --nodes, not both");
        goto out;
    }
    if (o->format == FMT_CSV && !o->series && o->nodes + o->transitions > 1) {
        rc = usage_error("--format csv holds one table: %s", "--nodes or --transitions, not both");
        goto out;
    }
    for (int i = 0; i < pos.n; i++) {
        const char *a = pos.v[i];
        int64_t lo, hi;
        struct stat st;
        /* The first positional is the database, unless it is a run id and
         * no such file exists (then the database is ./runs.db). */
        if (!o->db && !(parse_run_spec(a, &lo, &hi) && stat(a, &st) != 0)) {
            o->db = a;
            continue;
        }
        if (!parse_run_spec(a, &lo, &hi)) {
            rc = usage_error("'%s' is not a run id (a number, or a range like 3-7)", a);
            goto out;
        }
        if (hi - lo > 100000) {
            rc = usage_error("run range '%s' is too long", a);
            goto out;
        }
        for (int64_t id = lo; id <= hi; id++)
            add_id(o, id);
    }
    if (!o->db)
        o->db = SHOW_DEFAULT_DB;
    rc = -1;
out:
    cli_strs_free(&pats);
    cli_strs_free(&pos); /* o->db points into argv, not into pos */
    return rc;
}

/* ---- what we read ------------------------------------------------------- */

typedef struct run_rec {
    int64_t id, seed, sim_ns, events;
    double wall_s;
    bool has_sim, has_events, has_wall;
    bool gone; /* 'running', but its process is gone: shown as abandoned */
    char *experiment, *variant, *name, *status, *started_at, *finished_at, *failure;
} run_rec;

/* A metric value: absent (no row), NULL, or a number. */
enum { V_ABSENT = 0, V_NULL, V_NUM };
typedef struct val {
    double v;
    int state;
} val;

/* A names × columns matrix of values. */
typedef struct matrix {
    char **names;
    size_t nnames, ncols;
    val *v; /* nnames * ncols */
} matrix;

typedef struct show_data {
    const char *db;
    run_rec *runs;
    size_t nruns, cap;
} show_data;

static char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? cs_strdup((const char *)t) : NULL;
}

static int db_fail(const char *path, sqlite3 *db, const char *what)
{
    fprintf(stderr, "cachestorm show: %s: %s: %s\n", path, what, sqlite3_errmsg(db));
    return CS_IO;
}

static int load_runs(store *s, show_data *d)
{
    sqlite3 *db = store_db(s);
    sqlite3_stmt *st = NULL;
    /* Schema 2 has the process of a run (host, pid, ...): a 'running' run
     * whose process is gone is shown as abandoned (read-only: the store is
     * not changed; the next sweep, check, tune or prune marks it). */
    static const char *const sql[2] = {
        "SELECT id, experiment, variant, name, seed, status, started_at, "
        "finished_at, sim_ns, events, wall_s, "
        "(SELECT reason FROM transitions t WHERE t.run_id = runs.id AND "
        " t.component = 'run' AND t.to_state = 'failed' LIMIT 1), "
        "host, pid, proc_start, lease_until, CAST(strftime('%s', started_at) AS INTEGER) "
        "FROM runs ORDER BY id",
        "SELECT id, experiment, variant, name, seed, status, started_at, "
        "finished_at, sim_ns, events, wall_s, "
        "(SELECT reason FROM transitions t WHERE t.run_id = runs.id AND "
        " t.component = 'run' AND t.to_state = 'failed' LIMIT 1) "
        "FROM runs ORDER BY id"};
    bool proc = true;
    int rc = sqlite3_prepare_v2(db, sql[0], -1, &st, NULL);
    if (rc != SQLITE_OK) {
        proc = false;
        rc = sqlite3_prepare_v2(db, sql[1], -1, &st, NULL);
    }
    int64_t now = (int64_t)time(NULL);
    if (rc != SQLITE_OK)
        return db_fail(store_path(s), db, "cannot read runs");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cs_grow((void **)&d->runs, &d->cap, d->nruns + 1, sizeof *d->runs);
        run_rec *r = &d->runs[d->nruns++];
        memset(r, 0, sizeof *r);
        r->id = sqlite3_column_int64(st, 0);
        r->experiment = col_text(st, 1);
        r->variant = col_text(st, 2);
        r->name = col_text(st, 3);
        r->seed = sqlite3_column_int64(st, 4);
        r->status = col_text(st, 5);
        r->started_at = col_text(st, 6);
        r->finished_at = col_text(st, 7);
        r->has_sim = sqlite3_column_type(st, 8) != SQLITE_NULL;
        r->sim_ns = sqlite3_column_int64(st, 8);
        r->has_events = sqlite3_column_type(st, 9) != SQLITE_NULL;
        r->events = sqlite3_column_int64(st, 9);
        r->has_wall = sqlite3_column_type(st, 10) != SQLITE_NULL;
        r->wall_s = sqlite3_column_double(st, 10);
        r->failure = col_text(st, 11);
        if (proc && r->status && !strcmp(r->status, "running")) {
            const char *host = (const char *)sqlite3_column_text(st, 12);
            int64_t pid = sqlite3_column_type(st, 13) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 13);
            int64_t start =
                sqlite3_column_type(st, 14) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 14);
            int64_t lease = sqlite3_column_int64(st, 15);
            if (lease <= 0)
                lease = sqlite3_column_int64(st, 16) + STORE_LEASE_S;
            r->gone = !store_run_alive(host, pid, start, lease, now);
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(store_path(s), db, "cannot read runs");
    return CS_OK;
}

static void free_runs(show_data *d)
{
    for (size_t i = 0; i < d->nruns; i++) {
        run_rec *r = &d->runs[i];
        free(r->experiment), free(r->variant), free(r->name), free(r->status);
        free(r->started_at), free(r->finished_at), free(r->failure);
    }
    free(d->runs);
}

/* Keep only the runs asked for, in the order asked; an unknown id is a
 * usage error (exit 2) naming the ids that exist. */
static int select_runs(const show_opts *o, show_data *d)
{
    if (d->nruns == 0) {
        fprintf(stderr,
                "cachestorm show: %s: no runs stored yet (store one with: cachestorm run "
                "CONFIG --db %s)\n",
                o->db, o->db);
        return CS_USAGE;
    }
    if (!o->nids)
        return CS_OK;
    run_rec *sel = cs_calloc(o->nids, sizeof *sel);
    bool *taken = cs_calloc(d->nruns, sizeof *taken);
    int status = CS_OK;
    for (size_t i = 0; i < o->nids; i++) {
        size_t j = 0;
        while (j < d->nruns && d->runs[j].id != o->ids[i])
            j++;
        if (j == d->nruns) {
            fprintf(stderr,
                    "cachestorm show: %s: no run %" PRId64 " (it holds %zu runs, ids %" PRId64
                    " to %" PRId64 ")\n",
                    o->db, o->ids[i], d->nruns, d->runs[0].id, d->runs[d->nruns - 1].id);
            status = CS_USAGE;
            break;
        }
        sel[i] = d->runs[j];
        taken[j] = true;
    }
    if (status != CS_OK) {
        free(sel);
        free(taken);
        return status;
    }
    for (size_t j = 0; j < d->nruns; j++)
        if (!taken[j]) {
            run_rec *r = &d->runs[j];
            free(r->experiment), free(r->variant), free(r->name), free(r->status);
            free(r->started_at), free(r->finished_at), free(r->failure);
        }
    free(d->runs);
    free(taken);
    d->runs = sel;
    d->nruns = d->cap = o->nids;
    return CS_OK;
}

static int name_cmp(const void *a, const void *b)
{
    return metric_order_cmp(*(char *const *)a, *(char *const *)b);
}

static long name_index(const matrix *m, const char *name)
{
    size_t lo = 0, hi = m->nnames;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = metric_order_cmp(m->names[mid], name);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* One metric row read from the database. */
typedef struct mrow {
    size_t col;
    char *name;
    val v;
} mrow;
typedef struct mrows {
    mrow *v;
    size_t n, cap;
} mrows;

static void mrows_push(mrows *r, size_t col, sqlite3_stmt *st, int name_i, int val_i)
{
    cs_grow((void **)&r->v, &r->cap, r->n + 1, sizeof *r->v);
    mrow *m = &r->v[r->n++];
    m->col = col;
    m->name = col_text(st, name_i);
    if (!m->name)
        m->name = cs_strdup("?");
    m->v.state = sqlite3_column_type(st, val_i) == SQLITE_NULL ? V_NULL : V_NUM;
    m->v.v = sqlite3_column_double(st, val_i);
}

/* Build the matrix of rows (names) × ncols from collected metric rows; when
 * only is non-NULL, the names are exactly those of only[] that occur. */
static void build_matrix(matrix *m, mrows *rows, size_t ncols, const char *const *only,
                         size_t nonly)
{
    memset(m, 0, sizeof *m);
    m->ncols = ncols;
    size_t cap = 0;
    for (size_t i = 0; i < rows->n; i++) {
        if (only) {
            size_t k = 0;
            while (k < nonly && strcmp(only[k], rows->v[i].name) != 0)
                k++;
            if (k == nonly)
                continue;
        }
        cs_grow((void **)&m->names, &cap, m->nnames + 1, sizeof *m->names);
        m->names[m->nnames++] = rows->v[i].name;
    }
    if (m->nnames)
        qsort(m->names, m->nnames, sizeof *m->names, name_cmp);
    size_t w = 0;
    for (size_t i = 0; i < m->nnames; i++)
        if (w == 0 || strcmp(m->names[w - 1], m->names[i]) != 0)
            m->names[w++] = m->names[i];
    m->nnames = w;
    for (size_t i = 0; i < m->nnames; i++)
        m->names[i] = cs_strdup(m->names[i]);
    m->v = cs_calloc(m->nnames * (ncols ? ncols : 1), sizeof *m->v);
    for (size_t i = 0; i < rows->n; i++) {
        long k = name_index(m, rows->v[i].name);
        if (k >= 0)
            m->v[(size_t)k * ncols + rows->v[i].col] = rows->v[i].v;
    }
}

static void free_mrows(mrows *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->v[i].name);
    free(r->v);
    memset(r, 0, sizeof *r);
}

static void free_matrix(matrix *m)
{
    for (size_t i = 0; i < m->nnames; i++)
        free(m->names[i]);
    free(m->names);
    free(m->v);
    memset(m, 0, sizeof *m);
}

/* The metrics of each selected run for one node (-1 = whole run) as a
 * matrix names × runs. */
static int load_metrics(store *s, const show_data *d, int node, matrix *m)
{
    sqlite3 *db = store_db(s);
    sqlite3_stmt *st = NULL;
    mrows rows = {0};
    int rc = sqlite3_prepare_v2(
        db, "SELECT name, value FROM metrics WHERE run_id = ?1 AND node IS ?2", -1, &st, NULL);
    for (size_t c = 0; rc == SQLITE_OK && c < d->nruns; c++) {
        sqlite3_bind_int64(st, 1, d->runs[c].id);
        if (node < 0)
            sqlite3_bind_null(st, 2);
        else
            sqlite3_bind_int(st, 2, node);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            mrows_push(&rows, c, st, 0, 1);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
        sqlite3_reset(st);
    }
    if (rc != SQLITE_OK) {
        db_fail(store_path(s), db, "cannot read metrics");
        sqlite3_finalize(st);
        free_mrows(&rows);
        return CS_IO;
    }
    sqlite3_finalize(st);
    build_matrix(m, &rows, d->nruns, NULL, 0);
    free_mrows(&rows);
    return CS_OK;
}

/* Keep the metrics whose names match one of the glob patterns (--metric);
 * none matching is a usage error with the nearest metric name. */
static int filter_metrics(matrix *m, const char *const *pat, int npat)
{
    size_t keep = 0;
    for (size_t k = 0; k < m->nnames; k++) {
        bool hit = false;
        for (int p = 0; p < npat && !hit; p++)
            hit = fnmatch(pat[p], m->names[k], 0) == 0;
        if (!hit) {
            free(m->names[k]);
            continue;
        }
        if (keep != k) {
            m->names[keep] = m->names[k];
            memmove(&m->v[keep * m->ncols], &m->v[k * m->ncols], m->ncols * sizeof *m->v);
        }
        keep++;
    }
    m->nnames = keep;
    if (keep == 0) {
        const char *near = metric_closest(pat[0]);
        fprintf(stderr, "cachestorm show: no stored metric matches '%s'%s%s%s (patterns are globs: "
                        "'latency.*')\n",
                pat[0], near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
        return CS_USAGE;
    }
    return CS_OK;
}

/* Per-node metrics of one run as a matrix names × nodes; nodes_out gets
 * the node numbers of the columns.  With key_only, only node_key_metrics
 * (all metrics when the run has none of them). */
static int load_node_metrics(store *s, int64_t run_id, bool key_only, matrix *m, int **nodes_out,
                             size_t *nnodes)
{
    sqlite3 *db = store_db(s);
    sqlite3_stmt *st = NULL;
    mrows rows = {0};
    int *nodes = NULL;
    size_t n = 0, cap = 0;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT node, name, value FROM metrics WHERE run_id = ? AND "
                                "node IS NOT NULL ORDER BY node",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, run_id);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            int node = sqlite3_column_int(st, 0);
            if (n == 0 || nodes[n - 1] != node) {
                cs_grow((void **)&nodes, &cap, n + 1, sizeof *nodes);
                nodes[n++] = node;
            }
            mrows_push(&rows, n - 1, st, 1, 2);
        }
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK) {
        free_mrows(&rows);
        free(nodes);
        return db_fail(store_path(s), db, "cannot read per-node metrics");
    }
    /* per-node columns: the metric table's NODE metrics */
    const char *node_key_metrics[MET_N_METRICS];
    size_t nkey = metric_names_with(MF_NODE, node_key_metrics, MET_N_METRICS);
    build_matrix(m, &rows, n, key_only ? node_key_metrics : NULL, nkey);
    if (key_only && m->nnames == 0) {
        free_matrix(m);
        build_matrix(m, &rows, n, NULL, 0);
    }
    free_mrows(&rows);
    *nodes_out = nodes;
    *nnodes = n;
    return CS_OK;
}

/* ---- formatting --------------------------------------------------------- */

/* A number as people read it: integers whole, others to 4 significant
 * digits (fixed when large). */
static void fmt_human(char *buf, size_t n, double v)
{
    double a = fabs(v);
    if (!isfinite(v))
        snprintf(buf, n, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
    else if (v == floor(v) && a < 1e15)
        snprintf(buf, n, "%.0f", v);
    else if (a >= 1e4)
        snprintf(buf, n, "%.1f", v);
    else if (a >= 1e-3)
        snprintf(buf, n, "%.4g", v);
    else
        snprintf(buf, n, "%.3e", v);
}

/* A metric's value in plain units for the table: counts with thousands
 * separators, "139.2 ms", "16.0 s", "78.3 %", "12.5/s" (the unit from the
 * metric table); other names as fmt_human. */
static void fmt_metric(char *buf, size_t n, const char *name, double v)
{
    const metric_info *mi = metric_lookup(name);
    if (!mi || !isfinite(v)) {
        fmt_human(buf, n, v);
        return;
    }
    char num[48];
    double a = fabs(v);
    switch (mi->unit) {
    case MU_MS:
        if (a >= 1000)
            summary_count(num, sizeof num, v);
        else
            snprintf(num, sizeof num, "%.4g", v);
        snprintf(buf, n, "%s ms", num);
        break;
    case MU_S: snprintf(buf, n, "%.1f s", v); break;
    case MU_RATIO: snprintf(buf, n, a > 0 && a < 0.01 ? "%.2f %%" : "%.1f %%", v * 100); break;
    case MU_PER_S: snprintf(buf, n, "%.1f/s", v); break;
    default:
        if (v == floor(v))
            summary_count(buf, n, v);
        else
            fmt_human(buf, n, v);
    }
}

/* A number for scripts: the shortest text that reads back the same. */
static void fmt_exact(char *buf, size_t n, double v)
{
    if (v == floor(v) && fabs(v) < 9007199254740992.0) {
        snprintf(buf, n, "%.0f", v);
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

static void fmt_val(char *buf, size_t n, val v, out_format f)
{
    if (v.state != V_NUM)
        snprintf(buf, n, "%s", f == FMT_TSV || f == FMT_CSV ? "" : "-");
    else if (f == FMT_TABLE)
        fmt_human(buf, n, v.v);
    else
        fmt_exact(buf, n, v.v);
}

/* ---- tables ------------------------------------------------------------- */

typedef struct table {
    size_t ncols, nrows, cap;
    char **cells; /* row-major, row 0 = header */
    bool *right;  /* per column: right-aligned (numbers) */
} table;

static bool f_is_table(out_format f)
{
    return f == FMT_TABLE;
}

static void table_init(table *t, size_t ncols)
{
    memset(t, 0, sizeof *t);
    t->ncols = ncols;
    t->right = cs_calloc(ncols, sizeof *t->right);
}

/* Append a cell (copied) to the table, filling rows left to right. */
static void table_put(table *t, const char *text)
{
    size_t used = t->nrows;
    cs_grow((void **)&t->cells, &t->cap, used + 1, sizeof *t->cells);
    t->cells[used] = cs_escape_controls(text ? text : "-"); /* no terminal escapes */
    t->nrows++;
}

static void table_putv(table *t, val v, out_format f)
{
    char buf[64];
    fmt_val(buf, sizeof buf, v, f);
    table_put(t, buf);
}

/* Columns of text as wide as their widest cell (UTF-8 aware). */
static size_t text_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xc0) != 0x80;
    return w;
}

static void table_print(table *t, const char *title, out_format f, FILE *out)
{
    size_t rows = t->nrows / t->ncols;
    if (f == FMT_CSV) { /* no title: one CSV document holds one table */
        for (size_t r = 0; r < rows; r++)
            for (size_t c = 0; c < t->ncols; c++)
                cli_csv_field(out, t->cells[r * t->ncols + c], c + 1 == t->ncols);
        return;
    }
    if (f == FMT_TSV) {
        fprintf(out, "# %s\n", title);
        for (size_t r = 0; r < rows; r++)
            for (size_t c = 0; c < t->ncols; c++) {
                const char *cell = t->cells[r * t->ncols + c];
                for (const char *p = cell; *p; p++) /* keep one record per line */
                    fputc(*p == '\t' || *p == '\n' || *p == '\r' ? ' ' : *p, out);
                fputc(c + 1 == t->ncols ? '\n' : '\t', out);
            }
        return;
    }
    size_t *w = cs_calloc(t->ncols, sizeof *w);
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            size_t cw = text_width(t->cells[r * t->ncols + c]);
            w[c] = cw > w[c] ? cw : w[c];
        }
    fprintf(out, "%s\n", title);
    for (size_t r = 0; r < rows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *cell = t->cells[r * t->ncols + c];
            size_t pad = w[c] - text_width(cell);
            bool last = c + 1 == t->ncols;
            if (t->right[c])
                fprintf(out, "%*s%s", (int)pad, "", cell);
            else
                fprintf(out, "%s%*s", cell, last ? 0 : (int)pad, "");
            if (!last)
                fputs("  ", out);
        }
        fputc('\n', out);
    }
    free(w);
}

static void table_free(table *t)
{
    for (size_t i = 0; i < t->nrows; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t->right);
}

/* ---- the three outputs -------------------------------------------------- */

static void fmt_i64(char *buf, size_t n, int64_t v)
{
    snprintf(buf, n, "%" PRId64, v);
}

static void print_runs_table(const show_data *d, out_format f, FILE *out)
{
    static const char *const head[] = {"id",     "experiment", "variant", "name",  "seed",
                                       "status", "sim s",      "events",  "wall s"};
    static const char *const tsv_head[] = {"id",     "experiment", "variant", "name",  "seed",
                                           "status", "sim_s",      "events",  "wall_s"};
    static const bool right[] = {1, 0, 0, 0, 1, 0, 1, 1, 1};
    table t;
    table_init(&t, 9);
    memcpy(t.right, right, sizeof right);
    for (size_t c = 0; c < 9; c++)
        table_put(&t, f != FMT_TABLE ? tsv_head[c] : head[c]);
    char buf[64];
    for (size_t i = 0; i < d->nruns; i++) {
        const run_rec *r = &d->runs[i];
        fmt_i64(buf, sizeof buf, r->id);
        table_put(&t, buf);
        table_put(&t, r->experiment ? r->experiment : (f != FMT_TABLE ? "" : "-"));
        table_put(&t, r->variant ? r->variant : (f != FMT_TABLE ? "" : "-"));
        table_put(&t, r->name);
        snprintf(buf, sizeof buf, "%" PRIu64, (uint64_t)r->seed);
        table_put(&t, buf);
        table_put(&t, r->gone ? "abandoned" : r->status);
        table_putv(&t, (val){ns_to_s(r->sim_ns), r->has_sim ? V_NUM : V_NULL}, f);
        table_putv(&t, (val){(double)r->events, r->has_events ? V_NUM : V_NULL}, f);
        table_putv(&t, (val){r->wall_s, r->has_wall ? V_NUM : V_NULL}, f);
    }
    table_print(&t, "runs", f, out);
    table_free(&t);
    if (f != FMT_TABLE)
        return;
    for (size_t i = 0; i < d->nruns; i++) {
        const run_rec *r = &d->runs[i];
        if (r->status && strcmp(r->status, "failed") == 0)
            fprintf(out, "run %" PRId64 " failed: %s\n", r->id,
                    r->failure ? r->failure : "(no reason recorded)");
        else if (r->gone)
            fprintf(out,
                    "run %" PRId64 " is abandoned: stored as 'running', but its process is gone; "
                    "no statistic counts it (cachestorm prune %s removes it)\n",
                    r->id, d->db);
        else if (r->status && strcmp(r->status, "running") == 0)
            fprintf(out,
                    "run %" PRId64 " is running: under way, or its process died before it "
                    "finished\n",
                    r->id);
    }
}

/* Metrics table: rows = metric names, columns = runs (from first_col on). */
static void print_metrics_table(const show_data *d, const matrix *m, size_t first_col, int node,
                                out_format f, FILE *out)
{
    size_t ncols = d->nruns - first_col;
    table t;
    table_init(&t, ncols + 1);
    for (size_t c = 1; c <= ncols; c++)
        t.right[c] = true;
    char buf[64];
    table_put(&t, "metric");
    for (size_t c = first_col; c < d->nruns; c++) {
        snprintf(buf, sizeof buf, f == FMT_TABLE ? "run %" PRId64 : "%" PRId64, d->runs[c].id);
        table_put(&t, buf);
    }
    for (size_t k = 0; k < m->nnames; k++) {
        table_put(&t, m->names[k]);
        for (size_t c = first_col; c < d->nruns; c++) {
            val v = m->v[k * m->ncols + c];
            if (f == FMT_TABLE && v.state == V_NUM) {
                char buf[64];
                fmt_metric(buf, sizeof buf, m->names[k], v.v);
                table_put(&t, buf);
            } else {
                table_putv(&t, v, f);
            }
        }
    }
    char title[96];
    if (node >= 0)
        snprintf(title, sizeof title, "metrics of node %d", node);
    else
        snprintf(title, sizeof title, "metrics");
    if (f == FMT_TABLE && first_col > 0)
        snprintf(title + strlen(title), sizeof title - strlen(title),
                 " (the last %zu of %zu runs; name run ids to see others)", ncols, d->nruns);
    if (f == FMT_TABLE && m->nnames == 0) {
        fprintf(out, "%s: none stored\n", title);
    } else {
        table_print(&t, title, f, out);
    }
    table_free(&t);
}

/* Per-node tables, one per run: rows = nodes, columns = key metrics (tsv
 * titles them '# nodes RUN'). */
static int print_nodes(store *s, const show_data *d, out_format f, FILE *out)
{
    for (size_t i = 0; i < d->nruns; i++) {
        matrix m;
        int *nodes = NULL;
        size_t nn = 0;
        if (load_node_metrics(s, d->runs[i].id, true, &m, &nodes, &nn))
            return CS_IO;
        char title[64];
        snprintf(title, sizeof title,
                 f == FMT_TABLE ? "run %" PRId64 " per node" : "nodes %" PRId64, d->runs[i].id);
        if (nn == 0) {
            if (f == FMT_TABLE)
                fprintf(out, "\n%s: no per-node metrics stored\n", title);
        } else {
            table t;
            table_init(&t, m.nnames + 1);
            for (size_t c = 0; c <= m.nnames; c++)
                t.right[c] = true;
            table_put(&t, "node");
            for (size_t k = 0; k < m.nnames; k++)
                table_put(&t, m.names[k]);
            char buf[32];
            for (size_t c = 0; c < nn; c++) {
                snprintf(buf, sizeof buf, "%d", nodes[c]);
                table_put(&t, buf);
                for (size_t k = 0; k < m.nnames; k++)
                    table_putv(&t, m.v[k * m.ncols + c], f);
            }
            fputc('\n', out);
            table_print(&t, title, f, out);
            table_free(&t);
        }
        free(nodes);
        free_matrix(&m);
    }
    return CS_OK;
}

/* One run's transitions (node -1: every node and the world-level rows;
 * else that node's rows and the world's; component: NULL or a glob), in
 * time order, as a table; in json (json_row) as a list; in csv as rows
 * prefixed by the run id (the caller writes the header once). */
static int print_transitions(store *s, int64_t run_id, int node, const char *component,
                             out_format f, FILE *out,
                             void (*json_row)(FILE *, double, const char *, const char *,
                                              const char *, const char *, const char *, bool))
{
    sqlite3 *db = store_db(s);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT t_ns, node, component, from_state, to_state, reason "
                                "FROM transitions WHERE run_id = ?1 AND (?2 < 0 OR node IS NULL "
                                "OR node = ?2) ORDER BY t_ns, rowid",
                                -1, &st, NULL);
    table t;
    static const bool right[] = {1, 1, 0, 0, 0, 0};
    bool table_out = f == FMT_TABLE || f == FMT_TSV;
    if (table_out) {
        table_init(&t, 6);
        memcpy(t.right, right, sizeof right);
        static const char *const head[] = {"t s", "node", "component", "from", "to", "reason"};
        static const char *const tsv_head[] = {"t_s", "node", "component", "from", "to", "reason"};
        for (size_t c = 0; c < 6; c++)
            table_put(&t, f != FMT_TABLE ? tsv_head[c] : head[c]);
    }
    size_t n = 0;
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, run_id);
        sqlite3_bind_int(st, 2, node);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            double t_s = (double)sqlite3_column_int64(st, 0) / 1e9;
            char tbuf[32], nbuf[16], rbuf[24];
            snprintf(tbuf, sizeof tbuf, f != FMT_TABLE ? "%.9f" : "%.3f", t_s);
            bool world = sqlite3_column_type(st, 1) == SQLITE_NULL;
            snprintf(nbuf, sizeof nbuf, "%d", sqlite3_column_int(st, 1));
            const char *cells[4];
            for (int c = 0; c < 4; c++) {
                const unsigned char *x = sqlite3_column_text(st, 2 + c);
                cells[c] = (const char *)x; /* NULL stays null in json, empty in tables */
            }
            if (component && fnmatch(component, cells[0] ? cells[0] : "", 0) != 0)
                continue;
            if (table_out) {
                table_put(&t, tbuf);
                table_put(&t, world ? "-" : nbuf);
                for (int c = 0; c < 4; c++)
                    table_put(&t, cells[c] ? cells[c] : "");
            } else if (f == FMT_CSV) {
                snprintf(rbuf, sizeof rbuf, "%" PRId64, run_id);
                cli_csv_field(out, rbuf, false);
                cli_csv_field(out, tbuf, false);
                cli_csv_field(out, world ? "" : nbuf, false);
                for (int c = 0; c < 4; c++)
                    cli_csv_field(out, cells[c], c == 3);
            } else {
                json_row(out, t_s, world ? NULL : nbuf, cells[0], cells[1], cells[2], cells[3],
                         n == 0);
            }
            n++;
        }
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK) {
        if (table_out)
            table_free(&t);
        return db_fail(store_path(s), db, "cannot read transitions");
    }
    if (table_out) {
        char title[200];
        snprintf(title, sizeof title,
                 f == FMT_TABLE ? "run %" PRId64 " transitions" : "transitions %" PRId64, run_id);
        if (f == FMT_TABLE && component)
            snprintf(title + strlen(title), sizeof title - strlen(title), " of %s", component);
        if (n == 0 && f == FMT_TABLE)
            fprintf(out, "\n%s: none stored%s\n", title, node >= 0 ? " for this node" : "");
        else {
            fputc('\n', out);
            table_print(&t, title, f, out);
        }
        table_free(&t);
    }
    return CS_OK;
}

/* --component: a glob that matches no stored transition of the selected
 * runs is a usage error naming the components there are. */
static int check_component(store *s, const show_data *d, const char *pat)
{
    sqlite3 *db = store_db(s);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT DISTINCT component FROM transitions WHERE run_id = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(store_path(s), db, "cannot read transitions");
    char **names = NULL;
    size_t n = 0, cap = 0;
    bool hit = false;
    for (size_t i = 0; i < d->nruns && !hit; i++) {
        sqlite3_bind_int64(st, 1, d->runs[i].id);
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *c = (const char *)sqlite3_column_text(st, 0);
            if (!c)
                continue;
            hit |= fnmatch(pat, c, 0) == 0;
            bool have = false;
            for (size_t k = 0; k < n && !have; k++)
                have = !strcmp(names[k], c);
            if (!have) {
                cs_grow((void **)&names, &cap, n + 1, sizeof *names);
                names[n++] = cs_strdup(c);
            }
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    int rc = CS_OK;
    if (!hit) {
        char list[512] = "";
        size_t k = 0;
        for (size_t i = 0; i < n && k < sizeof list; i++)
            k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", i ? ", " : "", names[i]);
        const char *near = cs_closest(pat, (const char *const *)names, n);
        fprintf(stderr,
                "cachestorm show: no transition of component '%s' in %s%s%s%s (stored: %s)\n", pat,
                d->nruns == 1 ? "this run" : "these runs", near ? "; did you mean '" : "",
                near ? near : "", near ? "'?" : "", n ? list : "none");
        rc = CS_USAGE;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

static void json_str(FILE *out, const char *s)
{
    cli_json_str(out, s);
}

static void json_num(FILE *out, val v)
{
    char buf[64];
    if (v.state != V_NUM || !isfinite(v.v)) {
        fputs("null", out);
        return;
    }
    fmt_exact(buf, sizeof buf, v.v);
    fputs(buf, out);
}

/* {"NAME": VALUE, ...} of column col of m (absent names left out). */
static void json_metrics(FILE *out, const matrix *m, size_t col)
{
    fputc('{', out);
    bool first = true;
    for (size_t k = 0; k < m->nnames; k++) {
        val v = m->v[k * m->ncols + col];
        if (v.state == V_ABSENT)
            continue;
        fputs(first ? "" : ", ", out);
        first = false;
        json_str(out, m->names[k]);
        fputs(": ", out);
        json_num(out, v);
    }
    fputc('}', out);
}

static void json_transition(FILE *out, double t_s, const char *node, const char *component,
                            const char *from, const char *to, const char *reason, bool first)
{
    char buf[64];
    fmt_exact(buf, sizeof buf, t_s);
    fprintf(out, "%s{\"t_s\": %s, \"node\": %s, \"component\": ", first ? "" : ", ", buf,
            node ? node : "null");
    json_str(out, component);
    fputs(", \"from\": ", out);
    json_str(out, from);
    fputs(", \"to\": ", out);
    json_str(out, to);
    fputs(", \"reason\": ", out);
    json_str(out, reason);
    fputc('}', out);
}

static int print_json(store *s, const show_opts *o, const show_data *d, const matrix *m, FILE *out)
{
    fputs("{\"database\": ", out);
    json_str(out, o->db);
    fputs(", \"runs\": [", out);
    for (size_t i = 0; i < d->nruns; i++) {
        const run_rec *r = &d->runs[i];
        fprintf(out, "%s\n  {\"id\": %" PRId64 ", \"experiment\": ", i ? "," : "", r->id);
        json_str(out, r->experiment);
        fputs(", \"variant\": ", out);
        json_str(out, r->variant);
        fputs(", \"name\": ", out);
        json_str(out, r->name);
        fprintf(out, ", \"seed\": %" PRIu64 ", \"status\": ", (uint64_t)r->seed);
        json_str(out, r->gone ? "abandoned" : r->status);
        fputs(", \"started_at\": ", out);
        json_str(out, r->started_at);
        fputs(", \"finished_at\": ", out);
        json_str(out, r->finished_at);
        if (r->has_sim)
            fprintf(out, ", \"sim_ns\": %" PRId64, r->sim_ns);
        else
            fputs(", \"sim_ns\": null", out);
        if (r->has_events)
            fprintf(out, ", \"events\": %" PRId64, r->events);
        else
            fputs(", \"events\": null", out);
        fputs(", \"wall_s\": ", out);
        json_num(out, (val){r->wall_s, r->has_wall ? V_NUM : V_NULL});
        if (r->failure) {
            fputs(", \"failure\": ", out);
            json_str(out, r->failure);
        }
        fputs(",\n   \"metrics\": ", out);
        json_metrics(out, m, i);
        if (o->nodes || o->node >= 0) {
            matrix nm;
            int *nodes = NULL;
            size_t nn = 0;
            if (load_node_metrics(s, r->id, false, &nm, &nodes, &nn))
                return CS_IO;
            fputs(",\n   \"nodes\": [", out);
            bool first = true;
            for (size_t c = 0; c < nn; c++) {
                if (o->node >= 0 && nodes[c] != o->node)
                    continue;
                fprintf(out, "%s{\"node\": %d, \"metrics\": ", first ? "" : ", ", nodes[c]);
                first = false;
                json_metrics(out, &nm, c);
                fputc('}', out);
            }
            fputc(']', out);
            free(nodes);
            free_matrix(&nm);
        }
        if (o->transitions) {
            fputs(",\n   \"transitions\": [", out);
            if (print_transitions(s, r->id, o->node, o->component, FMT_JSON, out, json_transition))
                return CS_IO;
            fputc(']', out);
        }
        fputc('}', out);
    }
    fputs("\n]}\n", out);
    return CS_OK;
}

/* ---- --series ----------------------------------------------------------- */

/* The series names stored for the selected runs, those matching --metric
 * (all without), in the metric table's order; a pattern matching none is a
 * usage error with the nearest series name. */
static int series_names(store *s, const show_opts *o, const show_data *d, char ***out, size_t *nout)
{
    sqlite3 *db = store_db(s);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT DISTINCT name FROM series WHERE run_id = ?1", -1, &st,
                           NULL) != SQLITE_OK)
        return db_fail(store_path(s), db, "cannot read series");
    char **all = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < d->nruns; i++) {
        sqlite3_bind_int64(st, 1, d->runs[i].id);
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *c = (const char *)sqlite3_column_text(st, 0);
            bool have = !c;
            for (size_t k = 0; k < n && !have; k++)
                have = !strcmp(all[k], c);
            if (!have) {
                cs_grow((void **)&all, &cap, n + 1, sizeof *all);
                all[n++] = cs_strdup(c);
            }
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    /* the matching names first (in place), the others after them */
    char **rest = cs_calloc(n + 1, sizeof *rest);
    size_t keep = 0, nrest = 0;
    for (size_t k = 0; k < n; k++) {
        bool hit = o->nmetrics == 0;
        for (int p = 0; p < o->nmetrics && !hit; p++)
            hit = fnmatch(o->metrics[p], all[k], 0) == 0;
        if (hit)
            all[keep++] = all[k];
        else
            rest[nrest++] = all[k];
    }
    memcpy(all + keep, rest, nrest * sizeof *rest);
    free(rest);
    int rc = CS_OK;
    if (keep == 0) {
        const char *near =
            o->nmetrics ? cs_closest(o->metrics[0], (const char *const *)all, n) : NULL;
        if (o->nmetrics)
            fprintf(stderr, "cachestorm show: no stored series matches '%s'%s%s%s\n",
                    o->metrics[0], near ? "; did you mean '" : "", near ? near : "",
                    near ? "'?" : "");
        else
            fprintf(stderr, "cachestorm show: %s: no time series stored for %s\n", o->db,
                    d->nruns == 1 ? "this run" : "these runs");
        rc = CS_USAGE;
    }
    for (size_t k = keep; k < n; k++)
        free(all[k]);
    if (rc) {
        for (size_t k = 0; k < keep; k++)
            free(all[k]);
        free(all);
        return rc;
    }
    qsort(all, keep, sizeof *all, name_cmp);
    *out = all;
    *nout = keep;
    return CS_OK;
}

/* One row of the series output: run, node ("" whole run), t, values. */
static void series_out_row(FILE *out, out_format f, table *t, int64_t run, bool world, int node,
                       double t_s, const val *v, char *const *names, size_t nn, bool first)
{
    char rb[24], nb[16], tb[40];
    snprintf(rb, sizeof rb, "%" PRId64, run);
    snprintf(nb, sizeof nb, "%d", node);
    cli_fmt_exact(tb, sizeof tb, t_s);
    if (f == FMT_JSON) {
        fprintf(out, "%s\n  {\"run\": %s, \"node\": %s, \"t_s\": %s", first ? "" : ",", rb,
                world ? "null" : nb, tb);
        for (size_t k = 0; k < nn; k++) {
            fputs(", ", out);
            json_str(out, names[k]);
            fputs(": ", out);
            json_num(out, v[k]);
        }
        fputc('}', out);
        return;
    }
    table_put(t, rb);
    table_put(t, world ? (f == FMT_TABLE ? "-" : "") : nb);
    table_put(t, tb);
    for (size_t k = 0; k < nn; k++)
        table_putv(t, v[k], f);
}

/* show --series: the stored time series of the selected runs, one row per
 * run, node and bucket, one column per series. */
static int print_series(store *s, const show_opts *o, const show_data *d, FILE *out)
{
    char **names = NULL;
    size_t nn = 0;
    int rc = series_names(s, o, d, &names, &nn);
    if (rc)
        return rc;
    sqlite3 *db = store_db(s);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT node, t_s, name, value FROM series WHERE run_id = ?1 AND "
                           "(?2 OR node IS ?3) ORDER BY node IS NOT NULL, node, t_s, rowid",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = db_fail(store_path(s), db, "cannot read series");
        goto out;
    }
    table t;
    table_init(&t, nn + 3);
    for (size_t c = 0; c < nn + 3; c++)
        t.right[c] = true;
    table_put(&t, "run");
    table_put(&t, "node");
    table_put(&t, f_is_table(o->format) ? "t s" : "t_s");
    for (size_t k = 0; k < nn; k++)
        table_put(&t, names[k]);
    if (o->format == FMT_JSON) {
        fputs("{\"database\": ", out);
        json_str(out, o->db);
        fputs(", \"columns\": [\"run\", \"node\", \"t_s\"", out);
        for (size_t k = 0; k < nn; k++) {
            fputs(", ", out);
            json_str(out, names[k]);
        }
        fputs("], \"rows\": [", out);
    }
    val *v = cs_calloc(nn + 1, sizeof *v);
    bool first = true;
    for (size_t i = 0; i < d->nruns && !rc; i++) {
        sqlite3_bind_int64(st, 1, d->runs[i].id);
        sqlite3_bind_int(st, 2, o->nodes);
        if (o->node >= 0)
            sqlite3_bind_int(st, 3, o->node);
        else
            sqlite3_bind_null(st, 3);
        bool have = false, world = false;
        int node = 0;
        double t_s = 0;
        int r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
            bool w = sqlite3_column_type(st, 0) == SQLITE_NULL;
            int nd = sqlite3_column_int(st, 0);
            double ts = sqlite3_column_double(st, 1);
            if (have && (w != world || nd != node || ts != t_s)) {
                series_out_row(out, o->format, &t, d->runs[i].id, world, node, t_s, v, names, nn,
                           first);
                first = false;
                memset(v, 0, nn * sizeof *v);
            }
            have = true, world = w, node = nd, t_s = ts;
            const char *name = (const char *)sqlite3_column_text(st, 2);
            for (size_t k = 0; name && k < nn; k++)
                if (!strcmp(names[k], name)) {
                    v[k].state = sqlite3_column_type(st, 3) == SQLITE_NULL ? V_NULL : V_NUM;
                    v[k].v = sqlite3_column_double(st, 3);
                    break;
                }
        }
        if (r != SQLITE_DONE)
            rc = db_fail(store_path(s), db, "cannot read series");
        else if (have) {
            series_out_row(out, o->format, &t, d->runs[i].id, world, node, t_s, v, names, nn, first);
            first = false;
            memset(v, 0, nn * sizeof *v);
        }
        sqlite3_reset(st);
    }
    free(v);
    sqlite3_finalize(st);
    if (o->format == FMT_JSON)
        fputs("\n]}\n", out);
    else if (!rc)
        table_print(&t, "series", o->format, out);
    table_free(&t);
out:
    for (size_t k = 0; k < nn; k++)
        free(names[k]);
    free(names);
    return rc;
}

/* --format csv without --series: one table.  The runs, one row each, with
 * one column per metric (of the whole run, or of --node N). */
static void print_csv_runs(const show_data *d, const matrix *m, FILE *out)
{
    static const char *const head[] = {"id",     "experiment", "variant", "name",  "seed",
                                       "status", "sim_s",      "events",  "wall_s"};
    for (size_t c = 0; c < 9; c++)
        cli_csv_field(out, head[c], c == 8 && m->nnames == 0);
    for (size_t k = 0; k < m->nnames; k++)
        cli_csv_field(out, m->names[k], k + 1 == m->nnames);
    char buf[40];
    for (size_t i = 0; i < d->nruns; i++) {
        const run_rec *r = &d->runs[i];
        snprintf(buf, sizeof buf, "%" PRId64, r->id);
        cli_csv_field(out, buf, false);
        cli_csv_field(out, r->experiment, false);
        cli_csv_field(out, r->variant, false);
        cli_csv_field(out, r->name, false);
        snprintf(buf, sizeof buf, "%" PRIu64, (uint64_t)r->seed);
        cli_csv_field(out, buf, false);
        cli_csv_field(out, r->gone ? "abandoned" : r->status, false);
        cli_csv_num(out, r->has_sim ? ns_to_s(r->sim_ns) : NAN, false);
        cli_csv_num(out, r->has_events ? (double)r->events : NAN, false);
        cli_csv_num(out, r->has_wall ? r->wall_s : NAN, m->nnames == 0);
        for (size_t k = 0; k < m->nnames; k++) {
            val v = m->v[k * m->ncols + i];
            cli_csv_num(out, v.state == V_NUM ? v.v : NAN, k + 1 == m->nnames);
        }
    }
}

/* --format csv --nodes: one row per run, node and metric (every per-node
 * metric; --metric filters). */
static int print_csv_nodes(store *s, const show_opts *o, const show_data *d, FILE *out)
{
    static const char *const head[] = {"run", "node", "metric", "value"};
    for (size_t c = 0; c < 4; c++)
        cli_csv_field(out, head[c], c == 3);
    for (size_t i = 0; i < d->nruns; i++) {
        matrix m;
        int *nodes = NULL;
        size_t nn = 0;
        if (load_node_metrics(s, d->runs[i].id, false, &m, &nodes, &nn))
            return CS_IO;
        char rb[24], nb[16];
        snprintf(rb, sizeof rb, "%" PRId64, d->runs[i].id);
        for (size_t c = 0; c < nn; c++) {
            if (o->node >= 0 && nodes[c] != o->node)
                continue;
            snprintf(nb, sizeof nb, "%d", nodes[c]);
            for (size_t k = 0; k < m.nnames; k++) {
                val v = m.v[k * m.ncols + c];
                bool hit = o->nmetrics == 0;
                for (int p = 0; p < o->nmetrics && !hit; p++)
                    hit = fnmatch(o->metrics[p], m.names[k], 0) == 0;
                if (v.state == V_ABSENT || !hit)
                    continue;
                cli_csv_field(out, rb, false);
                cli_csv_field(out, nb, false);
                cli_csv_field(out, m.names[k], false);
                cli_csv_num(out, v.state == V_NUM ? v.v : NAN, true);
            }
        }
        free(nodes);
        free_matrix(&m);
    }
    return CS_OK;
}

/* ---- the command -------------------------------------------------------- */

int cmd_show(int argc, char **argv)
{
    show_opts o = {.node = -1, .format = FMT_TABLE};
    int status = parse_args(argc, argv, &o);
    if (status >= 0) {
        free(o.ids);
        return status;
    }
    store *s = NULL;
    cs_err err = {0};
    if (store_open_readonly(o.db, &s, &err)) {
        fprintf(stderr, "cachestorm show: %s\n", err.msg);
        free(o.ids);
        return err.code;
    }
    show_data d = {.db = o.db};
    matrix m = {0};
    FILE *out = stdout;
    status = load_runs(s, &d);
    if (status == CS_OK)
        status = select_runs(&o, &d);
    if (status == CS_OK && o.component)
        status = check_component(s, &d, o.component);
    if (status == CS_OK && o.series) {
        status = print_series(s, &o, &d, out);
        goto done;
    }
    bool csv_other = o.format == FMT_CSV && (o.nodes || o.transitions);
    if (status == CS_OK && !csv_other)
        status = load_metrics(s, &d, o.format == FMT_JSON ? -1 : o.node, &m);
    if (status == CS_OK && o.nmetrics && !csv_other)
        status = filter_metrics(&m, o.metrics, o.nmetrics);
    if (status == CS_OK && o.node >= 0 && o.format != FMT_JSON && !csv_other && m.nnames == 0) {
        fprintf(stderr, "cachestorm show: %s: no metrics stored for node %d in %s\n", o.db, o.node,
                o.nids ? "these runs" : "any run");
        status = CS_USAGE;
    }
    if (status == CS_OK && o.format == FMT_CSV) {
        if (o.nodes) {
            status = print_csv_nodes(s, &o, &d, out);
        } else if (o.transitions) {
            static const char *const head[] = {"run", "t_s",  "node",  "component",
                                               "from", "to", "reason"};
            for (size_t c = 0; c < 7; c++)
                cli_csv_field(out, head[c], c == 6);
            for (size_t i = 0; status == CS_OK && i < d.nruns; i++)
                status = print_transitions(s, d.runs[i].id, o.node, o.component, FMT_CSV, out,
                                           NULL);
        } else {
            print_csv_runs(&d, &m, out);
        }
    } else if (status == CS_OK && o.format == FMT_JSON) {
        status = print_json(s, &o, &d, &m, out);
    } else if (status == CS_OK) {
        /* "what happened" first, for people: a table of a few finished runs */
        for (size_t i = 0; o.format == FMT_TABLE && o.node < 0 && d.nruns <= SHOW_MAX_SUMMARIES &&
                        i < d.nruns;
             i++) {
            if (strcmp(d.runs[i].status, "done"))
                continue;
            run_rows rr = {0};
            if (store_read_rows(s, d.runs[i].id, &rr, &err) == CS_OK) {
                char title[300];
                snprintf(title, sizeof title, "run %lld (%s, seed %lld)",
                         (long long)d.runs[i].id, d.runs[i].name, (long long)d.runs[i].seed);
                summary_print(out, &rr, title);
                fputc('\n', out);
            }
            rows_free(&rr);
        }
        print_runs_table(&d, o.format, out);
        size_t first = 0;
        if (o.format == FMT_TABLE && !o.nids && d.nruns > SHOW_MAX_COLUMNS)
            first = d.nruns - SHOW_MAX_COLUMNS;
        fputc('\n', out);
        print_metrics_table(&d, &m, first, o.node, o.format, out);
        if (o.nodes)
            status = print_nodes(s, &d, o.format, out);
        for (size_t i = 0; status == CS_OK && o.transitions && i < d.nruns; i++)
            status = print_transitions(s, d.runs[i].id, o.node, o.component, o.format, out, NULL);
    }
done:
    if (fflush(out) != 0 && status == CS_OK) {
        fprintf(stderr, "cachestorm show: cannot write the output: %s\n", strerror(errno));
        status = CS_IO;
    }
    free_matrix(&m);
    free_runs(&d);
    store_close(s);
    free(o.ids);
    return status;
}
