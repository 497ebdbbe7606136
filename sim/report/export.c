/* export.c — from the run store to gnuplot data files (see export.h).
 *
 * Reads with the sqlite3 C API on a read-only handle, one prepared statement
 * per question.  The file layouts written here are documented again at the
 * top of the plots/KIND.gp that reads them; change both together.  Faults and
 * breakers are read from `transitions`: a fault window runs from the
 * component `fault` transition to its kind until the next one to `inactive`
 * or `ended`; a breaker is open from a transition to `open` until the next
 * transition of that node's breaker (the breaker file holds every state:
 * closed, half-open, open; forced_open counts as open).  A window still open
 * at the end runs to the end of the run.  A bucket in which no request ended
 * (the store holds NULL latency quantiles) has its latency columns written
 * NaN (a gap).
 */
#include "sim/core/stats.h"
#include "sim/report/export.h"
#include "sim/report/verdict.h"
#include "sim/core/metrics.h"
#include "sim/store/store.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/store/store_schema.h"

/* The timeline's panels draw these series of the metric table. */
const int ex_timeline_ids[EX_TL_N] = {
    SER_S_RPS,          SER_S_ERRORS, SER_S_LATENCY_P50_MS, SER_S_LATENCY_P99_MS, SER_S_L1_HIT_RATIO,
    SER_S_STALE_RATIO, SER_S_DB_RPS, SER_S_REDIS_BACKLOG,  SER_S_POOL_QUEUE,
    SER_S_LATENCY_OLDEST_INFLIGHT_MS,
};

const char *ex_tl_name(int c) { return series_table[ex_timeline_ids[c]].name; }

/* How a whole-run series is rebuilt from per-node rows when the store has
 * only those: rates and queues add up, latencies take the worst node, ratios
 * the mean (unweighted: the store keeps no per-node weights per bucket). */
static const char *const tl_aggregate[EX_TL_N] = {
    "SUM", "SUM", "MAX", "MAX", "AVG", "AVG", "SUM", "MAX", "SUM", "MAX",
};

static char *dup_col(sqlite3_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    return t ? cs_strdup((const char *)t) : NULL;
}

static int prepare(ex_store *st, const char *sql, sqlite3_stmt **s, cs_err *err)
{
    if (sqlite3_prepare_v2(st->db, sql, -1, s, NULL) != SQLITE_OK)
        return cs_errf(err, CS_IO, "%s: %s", st->path, sqlite3_errmsg(st->db));
    return CS_OK;
}

/* Bind NULL for node < 0 so that `node IS ?1` selects whole-run rows. */
static void bind_node(sqlite3_stmt *s, int idx, int node)
{
    if (node < 0)
        sqlite3_bind_null(s, idx);
    else
        sqlite3_bind_int(s, idx, node);
}

static FILE *open_out(const char *path, cs_err *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        cs_errf(err, CS_IO, "cannot write %s: %s", path, strerror(errno));
    return f;
}

static int close_out(FILE *f, const char *path, cs_err *err)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return cs_errf(err, CS_IO, "cannot write %s: %s", path, strerror(errno));
    return CS_OK;
}

/* A quoted gnuplot string column: double quotes and backslashes dropped,
 * control bytes (a line break would split the record) written as spaces. */
static void put_label(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++)
        if (*s != '"' && *s != '\\')
            fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, f);
    fputc('"', f);
}

static void put_num(FILE *f, double v)
{
    if (isnan(v) || isinf(v))
        fputs(" NaN", f);
    else
        fprintf(f, " %.10g", v);
}

/* ---- opening ----------------------------------------------------------- */

int ex_open(ex_store *st, const char *path, cs_err *err)
{
    memset(st, 0, sizeof *st);
    st->path = cs_strdup(path);
    /* The store's own checks (missing, corrupt, foreign, newer schema, lost
     * tables): one source of truth for what a cachestorm database is. */
    if (store_open_readonly(path, &st->store, err))
        goto fail;
    st->db = store_db(st->store);
    sqlite3_stmt *s = NULL;
    int rc;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT id, experiment, variant, name, status, seed, sim_ns FROM runs "
                           "ORDER BY id",
                           -1, &s, NULL) != SQLITE_OK) {
        cs_errf(err, CS_IO, "%s: %s", path, sqlite3_errmsg(st->db));
        goto fail;
    }
    size_t cap = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        cs_grow((void **)&st->runs, &cap, st->n_runs + 1, sizeof *st->runs);
        ex_run *r = &st->runs[st->n_runs++];
        r->id = sqlite3_column_int64(s, 0);
        r->experiment = dup_col(s, 1);
        r->variant = dup_col(s, 2);
        r->name = dup_col(s, 3);
        if (!r->name)
            r->name = cs_strdup("run");
        r->status = dup_col(s, 4);
        if (!r->status)
            r->status = cs_strdup("?");
        r->seed = sqlite3_column_int64(s, 5);
        r->sim_s = sqlite3_column_type(s, 6) == SQLITE_NULL
                       ? NAN
                       : (double)sqlite3_column_int64(s, 6) / 1e9;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        cs_errf(err, CS_IO, "%s: %s", path, sqlite3_errmsg(st->db));
        goto fail;
    }
    return CS_OK;
fail:
    ex_close(st);
    return err ? err->code : CS_IO;
}

void ex_close(ex_store *st)
{
    for (size_t i = 0; i < st->n_runs; i++) {
        ex_run *r = &st->runs[i];
        free(r->name), free(r->experiment), free(r->variant), free(r->status);
    }
    free(st->runs);
    if (st->store)
        store_close(st->store);
    free(st->path);
    memset(st, 0, sizeof *st);
}

const ex_run *ex_find(const ex_store *st, int64_t id)
{
    for (size_t i = 0; i < st->n_runs; i++)
        if (st->runs[i].id == id)
            return &st->runs[i];
    return NULL;
}

double ex_metric(ex_store *st, int64_t run_id, int node, const char *name)
{
    sqlite3_stmt *s;
    double v = NAN;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT value FROM metrics WHERE run_id=?1 AND node IS ?2 AND name=?3 "
                           "LIMIT 1",
                           -1, &s, NULL) != SQLITE_OK)
        return NAN;
    sqlite3_bind_int64(s, 1, run_id);
    bind_node(s, 2, node);
    sqlite3_bind_text(s, 3, name, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
        v = sqlite3_column_double(s, 0);
    sqlite3_finalize(s);
    return v;
}

char *ex_param(ex_store *st, int64_t run_id, const char *path)
{
    sqlite3_stmt *s;
    char *v = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT value FROM params WHERE run_id=?1 AND path=?2 LIMIT 1",
                           -1, &s, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(s, 1, run_id);
    sqlite3_bind_text(s, 2, path, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = dup_col(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* ---- timeline ---------------------------------------------------------- */

typedef struct tl_point {
    double t, v;
    int col;
} tl_point;

static int cmp_point(const void *a, const void *b)
{
    const tl_point *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->col - y->col;
}

typedef struct window {
    double start, end;
    int node;     /* -1: none */
    char *kind;   /* fault kind or breaker label */
    char *reason; /* the starting transition's reason (faults), or NULL */
    int state;    /* breakers: 0 closed, 1 half-open, 2 open */
} window;

typedef struct windows {
    window *v;
    size_t n, cap;
} windows;

static window *push_window(windows *w)
{
    cs_grow((void **)&w->v, &w->cap, w->n + 1, sizeof *w->v);
    window *x = &w->v[w->n++];
    memset(x, 0, sizeof *x);
    x->end = NAN;
    x->node = -1;
    return x;
}

static void free_windows(windows *w)
{
    for (size_t i = 0; i < w->n; i++)
        free(w->v[i].kind), free(w->v[i].reason);
    free(w->v);
}

static bool fault_ends(const char *to)
{
    return !to || strcmp(to, "inactive") == 0 || strcmp(to, "ended") == 0 ||
           strcmp(to, "healed") == 0 || strcmp(to, "cleared") == 0;
}

/* The label of a fault window: to_state when it names the kind
 * ("restart"); when it is a bare "active" (models/faults.c), the reason
 * without its "faults[N] " prefix ("redis.restart"). */
static char *fault_label(const char *to, const char *reason)
{
    bool generic =
        !to || strcmp(to, "active") == 0 || strcmp(to, "on") == 0 || strcmp(to, "started") == 0;
    if (!generic || !reason || !*reason)
        return cs_strdup(to ? to : "fault");
    const char *p = reason;
    if (strncmp(p, "faults[", 7) == 0 && strchr(p, ' '))
        p = strchr(p, ' ') + 1;
    return cs_strdup(*p ? p : reason);
}

static bool same_text(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* Fault windows of a run: an end is matched with the oldest open window of
 * the same node, preferring one with the same reason, then the same kind
 * (the end's from_state). */
static int read_faults(ex_store *st, int64_t run_id, windows *w, cs_err *err)
{
    sqlite3_stmt *s;
    if (prepare(st,
                "SELECT t_ns, node, from_state, to_state, reason FROM transitions "
                "WHERE run_id=?1 AND component='fault' ORDER BY t_ns, rowid",
                &s, err))
        return err->code;
    sqlite3_bind_int64(s, 1, run_id);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        double t = (double)sqlite3_column_int64(s, 0) / 1e9;
        int node = sqlite3_column_type(s, 1) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 1);
        const char *from = (const char *)sqlite3_column_text(s, 2);
        const char *to = (const char *)sqlite3_column_text(s, 3);
        const char *reason = (const char *)sqlite3_column_text(s, 4);
        if (!fault_ends(to)) {
            window *x = push_window(w);
            x->start = t;
            x->node = node;
            x->kind = fault_label(to, reason);
            x->reason = reason ? cs_strdup(reason) : NULL;
            continue;
        }
        window *best = NULL;
        int best_score = -1;
        for (size_t i = 0; i < w->n; i++) {
            window *x = &w->v[i];
            if (!isnan(x->end) || x->node != node)
                continue;
            int score = same_text(x->reason, reason) ? 2 : same_text(x->kind, from) ? 1 : 0;
            if (score > best_score)
                best = x, best_score = score;
        }
        if (best)
            best->end = t;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return cs_errf(err, CS_IO, "%s: %s", st->path, sqlite3_errmsg(st->db));
    return CS_OK;
}

/* Breaker state segments of a run (node >= 0: that node's only): per node
 * a segment from each transition to the next of that node's breaker; the
 * first segment starts at 0 in the first transition's from_state (closed
 * when unknown).  state: 0 closed, 1 half-open, 2 open (forced_open counts
 * as open). */
static int breaker_state(const char *st)
{
    if (!st)
        return 0;
    if (strcmp(st, "open") == 0 || strcmp(st, "forced_open") == 0)
        return 2;
    if (strcmp(st, "half_open") == 0 || strcmp(st, "half-open") == 0)
        return 1;
    return 0;
}

static int read_breakers(ex_store *st, int64_t run_id, int node, windows *w, cs_err *err)
{
    sqlite3_stmt *s;
    if (prepare(st,
                "SELECT t_ns, node, from_state, to_state FROM transitions WHERE run_id=?1 AND "
                "component='breaker' AND (?2 IS NULL OR node IS ?2) ORDER BY t_ns, rowid",
                &s, err))
        return err->code;
    sqlite3_bind_int64(s, 1, run_id);
    bind_node(s, 2, node);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        double t = (double)sqlite3_column_int64(s, 0) / 1e9;
        int n = sqlite3_column_type(s, 1) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 1);
        const char *from = (const char *)sqlite3_column_text(s, 2);
        int to = breaker_state((const char *)sqlite3_column_text(s, 3));
        window *cur = NULL;
        for (size_t i = w->n; i-- > 0;)
            if (w->v[i].node == n) {
                cur = &w->v[i];
                break;
            }
        if (!cur) { /* the state before the first transition, from 0 */
            cur = push_window(w);
            cur->start = 0;
            cur->node = n;
            cur->state = breaker_state(from);
        }
        if (cur->state == to)
            continue;
        cur->end = t;
        window *x = push_window(w);
        x->start = t;
        x->node = n;
        x->state = to;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return cs_errf(err, CS_IO, "%s: %s", st->path, sqlite3_errmsg(st->db));
    return CS_OK;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int ex_timeline_write(ex_store *st, const ex_run *run, int node, const char *datafile,
                      const char *faultfile, const char *breakerfile, ex_timeline *out, cs_err *err)
{
    memset(out, 0, sizeof *out);
    tl_point *pts = NULL;
    size_t n_pts = 0, cap = 0;
    windows faults = {0}, brk = {0};
    FILE *f = NULL;
    int rc = CS_OK;

    for (int col = 0; col < EX_TL_N; col++) {
        for (int pass = 0; pass < 2; pass++) {
            /* pass 0: the rows of this node (or whole run); pass 1: whole run
             * rebuilt from per-node rows, only when pass 0 found nothing. */
            if (pass == 1 && (node >= 0 || out->has[col]))
                break;
            char sql[256];
            if (pass == 0)
                snprintf(sql, sizeof sql,
                         "SELECT t_s, value FROM series WHERE run_id=?1 AND name=?2 AND node "
                         "IS ?3 AND value IS NOT NULL ORDER BY t_s");
            else
                snprintf(sql, sizeof sql,
                         "SELECT t_s, %s(value) FROM series WHERE run_id=?1 AND name=?2 AND "
                         "node IS NOT NULL AND value IS NOT NULL GROUP BY t_s ORDER BY t_s",
                         tl_aggregate[col]);
            sqlite3_stmt *s;
            if (prepare(st, sql, &s, err)) {
                rc = err->code;
                goto done;
            }
            sqlite3_bind_int64(s, 1, run->id);
            sqlite3_bind_text(s, 2, ex_tl_name(col), -1, SQLITE_STATIC);
            if (pass == 0)
                bind_node(s, 3, node);
            int step;
            while ((step = sqlite3_step(s)) == SQLITE_ROW) {
                cs_grow((void **)&pts, &cap, n_pts + 1, sizeof *pts);
                pts[n_pts++] =
                    (tl_point){sqlite3_column_double(s, 0), sqlite3_column_double(s, 1), col};
                out->has[col] = true;
                out->summed[col] = pass == 1;
            }
            sqlite3_finalize(s);
            if (step != SQLITE_DONE) {
                rc = cs_errf(err, CS_IO, "%s: %s", st->path, sqlite3_errmsg(st->db));
                goto done;
            }
        }
    }
    if (node >= 0 && n_pts == 0) {
        rc = cs_errf(err, CS_USAGE, "run %lld (%s) has no series for node %d", (long long)run->id,
                     run->name, node);
        goto done;
    }
    if (n_pts) /* qsort(NULL, 0, ...) is undefined */
        qsort(pts, n_pts, sizeof *pts, cmp_point);

    /* Bucket width: the smallest step between bucket starts (1 s if unknown). */
    out->bucket_s = INFINITY;
    for (size_t i = 1; i < n_pts; i++)
        if (pts[i].t > pts[i - 1].t && pts[i].t - pts[i - 1].t < out->bucket_s)
            out->bucket_s = pts[i].t - pts[i - 1].t;
    if (isinf(out->bucket_s))
        out->bucket_s = 1.0;
    out->t_end = n_pts ? pts[n_pts - 1].t + out->bucket_s : 0;
    if (!isnan(run->sim_s) && run->sim_s > out->t_end)
        out->t_end = run->sim_s;

    if (!(f = open_out(datafile, err))) {
        rc = err->code;
        goto done;
    }
    fprintf(f, "# cachestorm timeline: run %lld (%s), %s; bucket %g s; NaN = not recorded\n",
            (long long)run->id, run->name, node < 0 ? "whole run" : "one node", out->bucket_s);
    fputs("# t_s", f);
    for (int c = 0; c < EX_TL_N; c++)
        fprintf(f, " %s%s", ex_tl_name(c), c == EX_TL_ERRORS ? "_per_s" : "");
    fputc('\n', f);
    for (size_t i = 0; i < n_pts;) {
        double row[EX_TL_N];
        for (int c = 0; c < EX_TL_N; c++)
            row[c] = NAN;
        double t = pts[i].t;
        for (; i < n_pts && pts[i].t == t; i++)
            row[pts[i].col] = pts[i].v;
        row[EX_TL_ERRORS] /= out->bucket_s;
        /* No request ended in the bucket: its latency quantiles are not a
         * value, so they are written NaN = a gap.  The store holds NULL there
         * (stats_bucket_quantile of an empty bucket); stores written before
         * that held 0 with 0 requests.  Not "no request started": requests/s
         * counts starts, and a bucket of a stampede can end thousands of
         * requests that started earlier. */
        bool none = isnan(row[EX_TL_P50]) && isnan(row[EX_TL_P99]);
        bool legacy = row[EX_TL_RPS] == 0 && row[EX_TL_P50] == 0 && row[EX_TL_P99] == 0;
        if (none || legacy) {
            out->idle++; /* the picture marks every such bucket x: count them all */
            row[EX_TL_P50] = row[EX_TL_P99] = NAN;
        }
        for (int c = 0; c < EX_TL_N; c++)
            out->nonzero[c] |= !isnan(row[c]) && row[c] != 0;
        fprintf(f, "%.10g", t);
        for (int c = 0; c < EX_TL_N; c++)
            put_num(f, row[c]);
        fputc('\n', f);
        out->rows++;
    }
    if ((rc = close_out(f, datafile, err)))
        goto done;

    /* Fault windows; a window still open at the end runs to the end. */
    if ((rc = read_faults(st, run->id, &faults, err)))
        goto done;
    if (!(f = open_out(faultfile, err))) {
        rc = err->code;
        goto done;
    }
    fputs("# start_s end_s row kind\n", f);
    for (size_t i = 0; i < faults.n; i++) {
        window *x = &faults.v[i];
        if (node >= 0 && x->node >= 0 && x->node != node)
            continue;
        double end = isnan(x->end) ? fmax(out->t_end, x->start) : x->end;
        char label[160];
        if (x->node >= 0 && node < 0)
            snprintf(label, sizeof label, "%s (node %d)", x->kind, x->node);
        else
            snprintf(label, sizeof label, "%s", x->kind);
        fprintf(f, "%.10g %.10g %zu ", x->start, end, out->faults);
        put_label(f, label);
        fputc('\n', f);
        out->faults++;
    }
    if ((rc = close_out(f, faultfile, err)))
        goto done;

    /* Breaker state segments, one strip row per breaker, rows by node. */
    if ((rc = read_breakers(st, run->id, node, &brk, err)))
        goto done;
    int *nodes = cs_malloc((brk.n + 1) * sizeof *nodes);
    size_t n_nodes = 0;
    for (size_t i = 0; i < brk.n; i++) {
        bool seen = false;
        for (size_t j = 0; j < n_nodes; j++)
            seen |= nodes[j] == brk.v[i].node;
        if (!seen)
            nodes[n_nodes++] = brk.v[i].node;
    }
    qsort(nodes, n_nodes, sizeof *nodes, cmp_int);
    out->breaker_rows = (int)n_nodes;
    if (!(f = open_out(breakerfile, err))) {
        free(nodes);
        rc = err->code;
        goto done;
    }
    fputs("# start_s end_s row label state (0 closed, 1 half-open, 2 open)\n", f);
    for (size_t i = 0; i < brk.n; i++) {
        window *x = &brk.v[i];
        size_t row = 0;
        while (nodes[row] != x->node)
            row++;
        double end = isnan(x->end) ? fmax(out->t_end, x->start) : x->end;
        if (end <= x->start && !isnan(x->end))
            continue; /* two transitions at one instant: nothing to draw */
        char label[64];
        if (x->node < 0)
            snprintf(label, sizeof label, "shared");
        else
            snprintf(label, sizeof label, "node %d", x->node);
        fprintf(f, "%.10g %.10g %zu ", x->start, end, row);
        put_label(f, label);
        fprintf(f, " %d\n", x->state);
        out->breaker_segments++;
        out->breakers += x->state == 2;
        out->half_open += x->state == 1;
    }
    free(nodes);
    rc = close_out(f, breakerfile, err);
    f = NULL;
done:
    if (f && rc)
        fclose(f);
    free(pts);
    free_windows(&faults);
    free_windows(&brk);
    return rc;
}

/* ---- load peaks ---------------------------------------------------------- */

/* workload.profile[i].<key> of run, or NULL (caller frees). */
static char *profile_param(ex_store *st, int64_t run, size_t i, const char *key)
{
    char path[96];
    snprintf(path, sizeof path, "workload.profile[%zu].%s", i, key);
    return ex_param(st, run, path);
}

int ex_load_write(ex_store *st, const ex_run *run, double t_end, const char *loadfile, size_t *n,
                  cs_err *err)
{
    *n = 0;
    FILE *f = open_out(loadfile, err);
    if (!f)
        return err->code;
    fputs("# start_s end_s row label (load peaks: workload.profile steps above workload.rate)\n", f);
    char *kind = ex_param(st, run->id, "workload.kind"), *base_s = ex_param(st, run->id, "workload.rate");
    double base = 0;
    bool open = kind && strcmp(kind, "open") == 0 && ex_parse_number(base_s, &base, NULL);
    for (size_t i = 0; open; i++) {
        char *at_s = profile_param(st, run->id, i, "at");
        if (!at_s)
            break;
        char *k = profile_param(st, run->id, i, "kind"), *rate_s = profile_param(st, run->id, i, "rate");
        char *for_s = profile_param(st, run->id, i, "for"), *next = profile_param(st, run->id, i + 1, "at");
        double at = NAN, rate = NAN, len = 0, until = t_end;
        ex_parse_number(at_s, &at, NULL);
        ex_parse_number(rate_s, &rate, NULL);
        ex_parse_number(for_s, &len, NULL);
        if (next)
            ex_parse_number(next, &until, NULL);
        bool spike = k && strcmp(k, "spike") == 0, ramp = k && strcmp(k, "ramp") == 0;
        double end = spike ? at + len : until;
        if (!isnan(at) && !isnan(rate) && rate > base && end > at && at < t_end) {
            char label[200];
            if (spike)
                snprintf(label, sizeof label, "load spike: %s per node for %s", rate_s, for_s);
            else if (ramp)
                snprintf(label, sizeof label, "load ramp to %s per node over %s", rate_s, for_s);
            else
                snprintf(label, sizeof label, "load step: %s per node (base %s)", rate_s, base_s);
            fprintf(f, "%.10g %.10g 0 ", at, fmin(end, t_end));
            put_label(f, label);
            fputc('\n', f);
            (*n)++;
        }
        free(at_s), free(k), free(rate_s), free(for_s), free(next);
    }
    free(kind), free(base_s);
    return close_out(f, loadfile, err);
}

/* ---- cdf ----------------------------------------------------------------- */

/* A run's parameters except its seed, as one string: runs that agree on it
 * (and on experiment, variant and name) are replications of one scenario. */
static char *scenario_key(ex_store *st, const ex_run *r)
{
    sqlite3_stmt *s = NULL;
    char *key = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT group_concat(path || '=' || coalesce(value, ''), char(10)) "
                           "FROM (SELECT path, value FROM params WHERE run_id = ?1 AND path <> "
                           "'seed' ORDER BY path)",
                           -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, r->id);
        if (sqlite3_step(s) == SQLITE_ROW)
            key = dup_col(s, 0);
    }
    sqlite3_finalize(s);
    size_t n = (key ? strlen(key) : 0) + strlen(r->name) +
               (r->experiment ? strlen(r->experiment) : 0) + (r->variant ? strlen(r->variant) : 0) +
               8;
    char *full = cs_malloc(n);
    snprintf(full, n, "%s\n%s\n%s\n%s", r->experiment ? r->experiment : "",
             r->variant ? r->variant : "", r->name, key ? key : "");
    free(key);
    return full;
}

size_t ex_scenarios(ex_store *st, const ex_run *const *runs, size_t n, size_t *scenario)
{
    char **keys = cs_calloc(n + 1, sizeof *keys);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        keys[i] = scenario_key(st, runs[i]);
        scenario[i] = k;
        for (size_t j = 0; j < i; j++)
            if (strcmp(keys[j], keys[i]) == 0) {
                scenario[i] = scenario[j];
                break;
            }
        if (scenario[i] == k)
            k++;
    }
    for (size_t i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
    return k;
}

/* A mark's label: "p99 83.2 ms", plain digits (no exponent) at any size. */
static void put_mark(FILE *f, size_t block, double ms, double nines, const char *name)
{
    int dec = ms >= 100 || ms == 0 ? 0 : ms >= 10 ? 1 : ms >= 1 ? 2 : 3;
    fprintf(f, "%zu %.10g %.10g \"%s %.*f ms\"\n", block, ms, nines, name, dec, ms);
}

/* The quantile at `nines` (q = 1 - 10^-nines) of each run's histogram, as
 * mean and 95 % CI half-width over the runs that resolve it (a run of N
 * requests resolves nines <= log10 N). */
static void cdf_point(hist *const *h, size_t nh, double nines, double *mean, double *half,
                      size_t *used)
{
    double *v = cs_malloc((nh + 1) * sizeof *v);
    double q = 1 - pow(10, -nines);
    for (size_t i = 0; i < nh; i++)
        v[i] = nines <= log10((double)h[i]->count) + 1e-9 ? hist_quantile(h[i], q) / 1e6 : NAN;
    stats_mean_ci(v, nh, mean, NULL, half, used);
    free(v);
}

int ex_cdf_write(ex_store *st, const ex_run *const *runs, size_t n, const size_t *scenario,
                 size_t n_scen, const char *const *labels, const char *datafile,
                 const char *bandfile, const char *markfile, ex_cdf_curve *curves,
                 cs_err *err)
{
    const char *const names[] = {
        metric_table[MET_LATENCY_P50_MS].name,  metric_table[MET_LATENCY_P90_MS].name,
        metric_table[MET_LATENCY_P99_MS].name,  metric_table[MET_LATENCY_P999_MS].name,
        metric_table[MET_LATENCY_MAX_MS].name};
    static const double q[] = {0.5, 0.9, 0.99, 0.999, 1.0};
    static const double mark_nines[EX_CDF_MARKS] = {0.30102999566398120, 2, 3}; /* p50 p99 p99.9 */
    static const char *const mark_name[EX_CDF_MARKS] = {"p50", "p99", "p99.9"};
    int rc = CS_OK;
    size_t blocks = 0, bands = 0;
    FILE *f = open_out(datafile, err), *fb = NULL, *fm = NULL;
    if (!f)
        return err->code;
    if (!(fb = open_out(bandfile, err)) || !(fm = open_out(markfile, err))) {
        rc = err->code;
        goto out;
    }
    fputs("# cachestorm cdf: one block per scenario (its replications together), first line "
          "the quoted label,\n# then: latency_ms quantile nines ci_lo_ms ci_hi_ms runs\n",
          f);
    fputs("# cachestorm cdf bands: one closed polygon per scenario with >= 2 replications: "
          "latency_ms nines\n",
          fb);
    fputs("# cachestorm cdf marks: block latency_ms nines \"label\"\n", fm);
    hist **h = cs_calloc(n + 1, sizeof *h);
    for (size_t c = 0; c < n_scen; c++) {
        ex_cdf_curve *cv = &curves[c];
        memset(cv, 0, sizeof *cv);
        cv->block = cv->band = -1;
        for (int m = 0; m < EX_CDF_MARKS; m++)
            cv->mark_ms[m] = NAN;
        /* this scenario's runs and their stored histograms */
        size_t nh = 0;
        for (size_t i = 0; i < n; i++) {
            if (scenario[i] != c)
                continue;
            cv->runs++;
            if (!h[nh])
                h[nh] = cs_calloc(1, sizeof *h[nh]); /* hist_reset needs a valid hist */
            bool found = false;
            if ((rc = store_read_hist(st->store, runs[i]->id, -1, "latency", h[nh], &found, err)))
                goto free_h;
            if (found && h[nh]->count)
                nh++;
        }
        cv->with_hist = nh;
        double mn = 0, half = 0;
        size_t used = 0;
        if (nh) {
            /* the grid: every EX_CDF_STEP nines up to the largest run's
             * resolution, and that top itself */
            double top = 0;
            for (size_t i = 0; i < nh; i++)
                top = fmax(top, log10((double)h[i]->count));
            size_t ng = (size_t)floor(top / EX_CDF_STEP + 1e-9) + 1;
            double *g = cs_malloc((ng + 1) * 3 * sizeof *g); /* nines, lo, hi */
            for (size_t k = 0; k < ng; k++)
                g[3 * k] = (double)k * EX_CDF_STEP;
            if (top - g[3 * (ng - 1)] > 1e-9)
                g[3 * ng++] = top;
            if (blocks)
                fputs("\n\n", f);
            put_label(f, labels[c]);
            fputc('\n', f);
            for (size_t k = 0; k < ng; k++) {
                double nines = g[3 * k];
                cdf_point(h, nh, nines, &mn, &half, &used);
                g[3 * k + 1] = g[3 * k + 2] = NAN;
                if (isnan(mn))
                    continue;
                if (!isnan(half)) {
                    g[3 * k + 1] = mn - half; /* the plot clamps it to its axis */
                    g[3 * k + 2] = mn + half;
                }
                /* q in full: the exact quantile asked of the histograms */
                fprintf(f, "%.10g %.17g %.10g", mn, 1 - pow(10, -nines), nines);
                put_num(f, g[3 * k + 1]);
                put_num(f, g[3 * k + 2]);
                fprintf(f, " %zu\n", used);
                cv->top_nines = fmax(cv->top_nines, nines);
            }
            if (nh >= 2) { /* the band: up its low side, back down its high side */
                if (bands)
                    fputs("\n\n", fb);
                for (size_t k = 0; k < ng; k++)
                    if (!isnan(g[3 * k + 1]))
                        fprintf(fb, "%.10g %.10g\n", g[3 * k + 1], g[3 * k]);
                for (size_t k = ng; k-- > 0;)
                    if (!isnan(g[3 * k + 2]))
                        fprintf(fb, "%.10g %.10g\n", g[3 * k + 2], g[3 * k]);
                cv->band = (int)bands++;
            }
            free(g);
            for (int m = 0; m < EX_CDF_MARKS; m++) {
                cdf_point(h, nh, mark_nines[m], &mn, &half, &used);
                cv->mark_ms[m] = mn;
                if (isnan(mn))
                    continue;
                put_mark(fm, blocks, mn, mark_nines[m], mark_name[m]);
            }
        } else {
            /* no stored histogram (a store older than schema 3): the curve
             * goes through the runs' quantile metrics, averaged */
            double v[5];
            int have = 0;
            for (int k = 0; k < 5; k++) {
                double *x = cs_malloc((cv->runs + 1) * sizeof *x);
                size_t j = 0;
                for (size_t i = 0; i < n; i++)
                    if (scenario[i] == c)
                        x[j++] = ex_metric(st, runs[i]->id, -1, names[k]);
                stats_mean_ci(x, j, &v[k], NULL, NULL, NULL);
                free(x);
                have += !isnan(v[k]);
            }
            if (have == 0)
                continue;
            if (blocks)
                fputs("\n\n", f);
            put_label(f, labels[c]);
            fputc('\n', f);
            for (int k = 0; k < 5; k++) {
                if (isnan(v[k]))
                    continue;
                double nines = q[k] >= 1.0 ? EX_CDF_MAX_NINES : -log10(1.0 - q[k]);
                fprintf(f, "%.10g %.10g %.10g NaN NaN %zu\n", v[k], q[k], nines, cv->runs);
                cv->top_nines = fmax(cv->top_nines, nines);
            }
            cv->mark_ms[0] = v[0];
            cv->mark_ms[1] = v[2];
            cv->mark_ms[2] = v[3];
            for (int m = 0; m < EX_CDF_MARKS; m++)
                if (!isnan(cv->mark_ms[m]))
                    put_mark(fm, blocks, cv->mark_ms[m], mark_nines[m], mark_name[m]);
        }
        cv->block = (int)blocks++;
    }
free_h:
    for (size_t i = 0; i < n; i++)
        free(h[i]);
    free(h);
out:
    if (fm) {
        if (rc)
            fclose(fm);
        else
            rc = close_out(fm, markfile, err);
    }
    if (fb) {
        if (rc)
            fclose(fb);
        else
            rc = close_out(fb, bandfile, err);
    }
    if (rc) {
        fclose(f);
        return rc;
    }
    return close_out(f, datafile, err);
}

/* ---- nodes --------------------------------------------------------------- */

int ex_nodes_write(ex_store *st, const ex_run *run, const char *datafile, size_t *nodes,
                   bool *has, cs_err *err)
{
    static const char *const names[] = {"requests.error", "requests.timeout", "latency.p50_ms",
                                        "latency.p99_ms", "requests.total"};
    *nodes = 0;
    for (int k = 0; has && k < EX_NODES_N; k++)
        has[k] = false;
    sqlite3_stmt *s;
    if (prepare(st,
                "SELECT DISTINCT node FROM metrics WHERE run_id=?1 AND node IS NOT NULL "
                "ORDER BY node",
                &s, err))
        return err->code;
    sqlite3_bind_int64(s, 1, run->id);
    FILE *f = open_out(datafile, err);
    if (!f) {
        sqlite3_finalize(s);
        return err->code;
    }
    fprintf(f,
            "# cachestorm nodes: run %lld (%s)\n# node errors timeouts p50_ms p99_ms total "
            "label\n",
            (long long)run->id, run->name);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int node = sqlite3_column_int(s, 0);
        fprintf(f, "%d", node);
        for (int k = 0; k < EX_NODES_N; k++) {
            double v = ex_metric(st, run->id, node, names[k]);
            if (has && !isnan(v))
                has[k] = true;
            put_num(f, v);
        }
        fprintf(f, " \"node %d\"\n", node);
        (*nodes)++;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        fclose(f);
        return cs_errf(err, CS_IO, "%s: %s", st->path, sqlite3_errmsg(st->db));
    }
    return close_out(f, datafile, err);
}

/* ---- statistics and grouping -------------------------------------------------- */

ex_stat ex_stat_of(const double *v, size_t n)
{
    ex_stat r = {NAN, 0, n};
    if (n == 0)
        return r;
    double half;
    stats_mean_ci(v, n, &r.mean, NULL, &half, NULL);
    r.half = n < 2 ? 0 : half;
    return r;
}

bool ex_parse_number(const char *s, double *out, const char **unit)
{
    static const struct {
        const char *suffix, *unit;
        double scale;
    } units[] = {{"", "", 1},       {"ns", "s", 1e-9}, {"us", "s", 1e-6},
                 {"ms", "s", 1e-3}, {"s", "s", 1},     {"m", "s", 60},
                 {"h", "s", 3600},  {"/s", "/s", 1},   {"%", "%", 1}};
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || isnan(v) || isinf(v))
        return false;
    while (*end == ' ')
        end++;
    for (size_t i = 0; i < sizeof units / sizeof *units; i++)
        if (strcmp(end, units[i].suffix) == 0) {
            *out = v * units[i].scale;
            if (unit)
                *unit = units[i].unit;
            return true;
        }
    return false;
}

static const char *variant_of(const ex_run *r)
{
    return r->variant ? r->variant : "";
}

static int str_index(char **v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return (int)i;
    return -1;
}

/* Distinct strings in order of first appearance (the list owns copies). */
typedef struct strset {
    char **v;
    size_t n, cap;
} strset;

static int strset_add(strset *s, const char *x)
{
    int i = str_index(s->v, s->n, x);
    if (i >= 0)
        return i;
    cs_grow((void **)&s->v, &s->cap, s->n + 1, sizeof *s->v);
    s->v[s->n] = cs_strdup(x);
    return (int)s->n++;
}

static void strset_free(strset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

char **ex_swept_params(ex_store *st, const ex_run *const *runs, size_t n, size_t *n_paths,
                       cs_err *err)
{
    *n_paths = 0;
    strset paths = {0};
    size_t *distinct = NULL, dcap = 0;
    sqlite3_stmt *s;
    if (prepare(st,
                "SELECT p.path, COUNT(DISTINCT p.value) FROM params p JOIN runs r ON r.id = "
                "p.run_id WHERE p.run_id IN (SELECT value FROM json_each(?1)) AND "
                "p.path NOT IN ('seed', 'name') GROUP BY p.path, r.variant "
                "HAVING COUNT(DISTINCT p.value) > 1 ORDER BY p.path",
                &s, err))
        return NULL;
    /* The run ids as a JSON array (SQLite's json_each is built in since 3.38). */
    size_t len = 3 + n * 21;
    char *ids = cs_malloc(len), *p = ids;
    *p++ = '[';
    for (size_t i = 0; i < n; i++)
        p += snprintf(p, len - (size_t)(p - ids), "%s%lld", i ? "," : "", (long long)runs[i]->id);
    *p++ = ']';
    *p = 0;
    sqlite3_bind_text(s, 1, ids, -1, SQLITE_TRANSIENT);
    free(ids);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *path = (const char *)sqlite3_column_text(s, 0);
        size_t k = (size_t)sqlite3_column_int64(s, 1);
        int i = strset_add(&paths, path);
        cs_grow((void **)&distinct, &dcap, paths.n, sizeof *distinct);
        if ((size_t)i == paths.n - 1 || distinct[i] < k)
            distinct[i] = k;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        cs_errf(err, CS_IO, "%s: %s", st->path, sqlite3_errmsg(st->db));
        strset_free(&paths);
        free(distinct);
        return NULL;
    }
    /* Most distinct values first (insertion sort: a handful of paths). */
    for (size_t i = 1; i < paths.n; i++)
        for (size_t j = i; j > 0 && distinct[j] > distinct[j - 1]; j--) {
            size_t d = distinct[j];
            distinct[j] = distinct[j - 1], distinct[j - 1] = d;
            char *t = paths.v[j];
            paths.v[j] = paths.v[j - 1], paths.v[j - 1] = t;
        }
    free(distinct);
    *n_paths = paths.n;
    if (!paths.v)
        return cs_calloc(1, sizeof(char *));
    return paths.v;
}

/* The category list of a parameter over runs, sorted numerically when every
 * value parses (then *numeric), else in first-appearance order. vals[i] is
 * run i's value (NULL-safe: "(unset)"). */
typedef struct categories {
    strset names;
    double *x;   /* numeric value per category when numeric */
    int *of_run; /* category index per run */
    bool numeric;
    const char *unit;
} categories;

static void categories_free(categories *c)
{
    strset_free(&c->names);
    free(c->x);
    free(c->of_run);
}

static void categorise(ex_store *st, const ex_run *const *runs, size_t n, const char *param,
                       categories *c)
{
    memset(c, 0, sizeof *c);
    char **vals = cs_calloc(n, sizeof *vals);
    c->numeric = true;
    c->unit = "";
    for (size_t i = 0; i < n; i++) {
        vals[i] = ex_param(st, runs[i]->id, param);
        if (!vals[i])
            vals[i] = cs_strdup("(unset)");
        strset_add(&c->names, vals[i]);
    }
    c->x = cs_calloc(c->names.n, sizeof *c->x);
    for (size_t k = 0; k < c->names.n; k++) {
        const char *u = "";
        if (!ex_parse_number(c->names.v[k], &c->x[k], &u) || (k > 0 && strcmp(u, c->unit) != 0))
            c->numeric = false;
        c->unit = u;
    }
    if (!c->numeric)
        c->unit = "";
    else /* sort categories by value (insertion sort: few values) */
        for (size_t i = 1; i < c->names.n; i++)
            for (size_t j = i; j > 0 && c->x[j] < c->x[j - 1]; j--) {
                double t = c->x[j];
                c->x[j] = c->x[j - 1], c->x[j - 1] = t;
                char *s = c->names.v[j];
                c->names.v[j] = c->names.v[j - 1], c->names.v[j - 1] = s;
            }
    c->of_run = cs_calloc(n, sizeof *c->of_run);
    for (size_t i = 0; i < n; i++) {
        c->of_run[i] = str_index(c->names.v, c->names.n, vals[i]);
        free(vals[i]);
    }
    free(vals);
}

int ex_sweep1_write(ex_store *st, const ex_run *const *runs, size_t n, const char *param,
                    const char *const *metrics, size_t n_metrics, const char *datafile,
                    bool *numeric, size_t *n_variants, const char **unit, cs_err *err)
{
    categories c;
    categorise(st, runs, n, param, &c);
    strset variants = {0};
    for (size_t i = 0; i < n; i++)
        strset_add(&variants, variant_of(runs[i]));
    *numeric = c.numeric;
    *unit = c.unit;
    *n_variants = variants.n;
    FILE *f = open_out(datafile, err);
    if (!f) {
        categories_free(&c);
        strset_free(&variants);
        return err->code;
    }
    fprintf(f,
            "# cachestorm sweep over %s: blocks metric*variants+variant; x mean lo hi n "
            "xlabel\n",
            param);
    double *vals = cs_malloc((n + 1) * sizeof *vals);
    bool first = true;
    for (size_t m = 0; m < n_metrics; m++)
        for (size_t v = 0; v < variants.n; v++) {
            if (!first)
                fputs("\n\n", f);
            first = false;
            put_label(f, variants.v[v][0] ? variants.v[v] : "runs");
            fputc('\n', f);
            for (size_t k = 0; k < c.names.n; k++) {
                size_t nv = 0;
                for (size_t i = 0; i < n; i++) {
                    if (c.of_run[i] != (int)k || strcmp(variant_of(runs[i]), variants.v[v]))
                        continue;
                    double x = ex_metric(st, runs[i]->id, -1, metrics[m]);
                    if (!isnan(x))
                        vals[nv++] = x;
                }
                if (nv == 0)
                    continue;
                ex_stat s = ex_stat_of(vals, nv);
                fprintf(f, "%.10g %.10g %.10g %.10g %zu ", c.numeric ? c.x[k] : (double)k, s.mean,
                        s.mean - s.half, s.mean + s.half, s.n);
                put_label(f, c.names.v[k]);
                fputc('\n', f);
            }
        }
    free(vals);
    categories_free(&c);
    strset_free(&variants);
    return close_out(f, datafile, err);
}

int ex_sweep2_write(ex_store *st, const ex_run *const *runs, size_t n, const char *px,
                    const char *py, const char *metric, const char *datafile, size_t *n_variants,
                    cs_err *err)
{
    categories cx, cy;
    categorise(st, runs, n, px, &cx);
    categorise(st, runs, n, py, &cy);
    strset variants = {0};
    for (size_t i = 0; i < n; i++)
        strset_add(&variants, variant_of(runs[i]));
    *n_variants = variants.n;
    FILE *f = open_out(datafile, err);
    int rc = CS_OK;
    if (!f) {
        rc = err->code;
        goto done;
    }
    fprintf(f,
            "# cachestorm sweep: x=%s y=%s metric=%s; per variant: xi yi mean n xlabel "
            "ylabel value (every combination; mean NaN, n 0, value \"no data\" when none)\n",
            px, py, metric);
    double *vals = cs_malloc((n + 1) * sizeof *vals);
    for (size_t v = 0; v < variants.n; v++) {
        if (v)
            fputs("\n\n", f);
        put_label(f, variants.v[v][0] ? variants.v[v] : "runs");
        fputc('\n', f);
        for (size_t kx = 0; kx < cx.names.n; kx++)
            for (size_t ky = 0; ky < cy.names.n; ky++) {
                size_t nv = 0;
                for (size_t i = 0; i < n; i++) {
                    if (cx.of_run[i] != (int)kx || cy.of_run[i] != (int)ky ||
                        strcmp(variant_of(runs[i]), variants.v[v]))
                        continue;
                    double x = ex_metric(st, runs[i]->id, -1, metric);
                    if (!isnan(x))
                        vals[nv++] = x;
                }
                /* every combination gets a row: a missing one says "no data" */
                ex_stat s = ex_stat_of(vals, nv);
                char vl[48] = "no data";
                if (nv)
                    cs_fmt_human(vl, sizeof vl, s.mean);
                fprintf(f, "%zu %zu", kx, ky);
                put_num(f, s.mean);
                fprintf(f, " %zu ", s.n);
                put_label(f, cx.names.v[kx]);
                fputc(' ', f);
                put_label(f, cy.names.v[ky]);
                fputc(' ', f);
                put_label(f, vl);
                fputc('\n', f);
            }
    }
    free(vals);
    rc = close_out(f, datafile, err);
done:
    categories_free(&cx);
    categories_free(&cy);
    strset_free(&variants);
    return rc;
}

/* What a group's runs are called in the compare picture: the variant and
 * what the run name adds to the names' common words (the sweep point or the
 * --set overrides), e.g. "blackhole, workload.rate=400/s" or
 * "l2.breaker.kind=none"; the whole name when it adds nothing. */
static void group_label(char *buf, size_t cap, const char *variant, const char *name,
                        size_t common)
{
    const char *rest = name + common;
    while (*rest == ' ')
        rest++;
    if (variant)
        snprintf(buf, cap, "%s%s%s", variant, *rest ? ", " : "", rest);
    else
        snprintf(buf, cap, "%s", *rest ? rest : name);
}

int ex_compare_write(ex_store *st, const ex_run *const *runs, size_t n, const char *const *metrics,
                     size_t n_metrics, const char *datafile, size_t *n_groups, bool *present,
                     bool *nonzero, cs_err *err)
{
    /* Groups: one per scenario (variant and run name; replications are its
     * seeds), in order of first appearance. */
    strset keys = {0};
    int *of_run = cs_calloc(n + 1, sizeof *of_run);
    size_t *first = cs_calloc(n + 1, sizeof *first); /* a run of each group */
    for (size_t i = 0; i < n; i++) {
        char key[600];
        snprintf(key, sizeof key, "%s\x1f%s", runs[i]->variant ? runs[i]->variant : "",
                 runs[i]->name);
        size_t before = keys.n;
        of_run[i] = strset_add(&keys, key);
        if (keys.n > before)
            first[of_run[i]] = i;
    }
    size_t ng = keys.n;
    *n_groups = ng;
    /* the words every group's name starts with: the longest common prefix,
     * cut back to a word boundary in every name */
    size_t common = strlen(runs[first[0]]->name);
    for (size_t g = 1; g < ng; g++) {
        const char *a = runs[first[0]]->name, *b = runs[first[g]]->name;
        size_t k = 0;
        while (k < common && a[k] && a[k] == b[k])
            k++;
        common = k;
    }
    for (bool ok = false; !ok && common > 0;) {
        ok = true;
        for (size_t g = 0; g < ng && ok; g++) {
            char c = runs[first[g]]->name[common];
            ok = c == '\0' || c == ' ';
        }
        if (!ok)
            common--;
    }
    /* The baseline of each group: the first group of the same run name (the
     * first variant at the same sweep point); without variants the first
     * group. */
    bool by_variant = false;
    for (size_t i = 0; i < n; i++)
        by_variant |= runs[i]->variant != NULL;
    size_t *base = cs_calloc(ng + 1, sizeof *base);
    for (size_t g = 0; g < ng; g++) {
        base[g] = g;
        for (size_t h = 0; h < g; h++)
            if (!by_variant || strcmp(runs[first[h]]->name, runs[first[g]]->name) == 0) {
                base[g] = h;
                break;
            }
    }
    /* colour: the variant's (order of first appearance), else the group's */
    int *colour = cs_calloc(ng + 1, sizeof *colour);
    strset vnames = {0};
    for (size_t g = 0; g < ng; g++)
        colour[g] = by_variant ? strset_add(&vnames, variant_of(runs[first[g]])) : (int)g;
    strset_free(&vnames);
    FILE *f = open_out(datafile, err);
    if (!f) {
        free(colour);
        free(of_run), free(first), free(base);
        strset_free(&keys);
        return err->code;
    }
    fputs("# cachestorm compare: one block per metric; i mean lo hi n label value verdict "
          "colour\n"
          "# (value: the mean in plain units, \"± half\" of the 95 % CI with n >= 2; verdict\n"
          "# against the group's baseline, as cachestorm compare: BETTER, WORSE, ...;\n"
          "# colour: the variant's index, else the group's)\n",
          f);
    double *vals = cs_malloc((n + 1) * sizeof *vals), *bv = cs_malloc((n + 1) * sizeof *bv);
    int64_t *seeds = cs_malloc((n + 1) * sizeof *seeds), *bs = cs_malloc((n + 1) * sizeof *bs);
    cmp_thresholds th;
    cmp_thresholds_default(&th);
    for (size_t m = 0; m < n_metrics; m++) {
        present[m] = false;
        if (nonzero)
            nonzero[m] = false;
        if (m)
            fputs("\n\n", f);
        put_label(f, metrics[m]);
        fputc('\n', f);
        for (size_t g = 0; g < ng; g++) {
            size_t nv = 0, nb = 0;
            for (size_t i = 0; i < n; i++) {
                double x = ex_metric(st, runs[i]->id, -1, metrics[m]);
                if (isnan(x))
                    continue;
                if (of_run[i] == (int)g)
                    vals[nv] = x, seeds[nv++] = runs[i]->seed;
                if (of_run[i] == (int)base[g])
                    bv[nb] = x, bs[nb++] = runs[i]->seed;
            }
            ex_stat s = ex_stat_of(vals, nv);
            present[m] |= nv > 0;
            for (size_t k = 0; nonzero && k < nv; k++)
                nonzero[m] |= vals[k] != 0;
            fprintf(f, "%zu", g);
            put_num(f, s.mean);
            put_num(f, s.mean - s.half);
            put_num(f, s.mean + s.half);
            fprintf(f, " %zu ", s.n);
            char label[400], value[100] = "", a[48], h[48];
            group_label(label, sizeof label, runs[first[g]]->variant, runs[first[g]]->name,
                        common);
            put_label(f, label);
            if (nv) {
                cs_fmt_human(a, sizeof a, s.mean);
                if (nv >= 2) {
                    cs_fmt_human(h, sizeof h, s.half);
                    snprintf(value, sizeof value, "%s ± %s", a, h);
                } else
                    snprintf(value, sizeof value, "%s (n=1)", a);
            }
            fputc(' ', f);
            put_label(f, value);
            const char *verdict = "";
            if (ng > 1 && base[g] == g)
                verdict = "baseline";
            else if (base[g] != g && nv && nb) {
                cmp_result r;
                cmp_judge(&r, metrics[m], bv, bs, nb, vals, seeds, nv, &th);
                verdict = r.v == CMP_BETTER ? "BETTER" : r.v == CMP_WORSE ? "WORSE" : "";
            }
            fputc(' ', f);
            put_label(f, verdict);
            fprintf(f, " %d\n", colour[g]);
        }
    }
    free(vals), free(bv), free(seeds), free(bs), free(colour);
    free(of_run), free(first), free(base);
    strset_free(&keys);
    return close_out(f, datafile, err);
}

const char *ex_metric_label(const char *name, char *buf, size_t size)
{
    const metric_info *m = metric_lookup(name);
    if (!m)
        return name;
    snprintf(buf, size, "%s (%s)", name, metric_unit_name(m->unit));
    return buf;
}
