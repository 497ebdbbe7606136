/* test_plot.c — pictures and the HTML report.
 *
 * Each test builds a small store in a temp dir with the schema of
 * sim/store_schema.h: run 1 an outage (4 nodes, a Redis restart from 120 s to
 * 165 s, breakers open on nodes 0-2), run 2 a queue-model run that stores only
 * rps and latency, runs 3-20 a sweep experiment (retry_wait 10s/30s/60s x 3
 * replications x variants base/locker), runs 21-29 a two-parameter grid.
 * Exports are checked against the rows inserted; every kind must give a
 * non-empty PNG and SVG (skipped with a reason only when gnuplot is absent);
 * the report must be well-formed and hold one <svg per plot; errors must map
 * to the documented exit statuses.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "sim/report/export.h"
#include "sim/report/plot.h"
#include "sim/store/store_schema.h"

static char dir[256], db_path[300], out_dir[300];

/* ---- the fixture store --------------------------------------------------- */

static void exec_sql(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    cr_assert_eq(rc, SQLITE_OK, "sql: %s: %s", sql, msg ? msg : "");
}

static void add_run(sqlite3 *db, int id, const char *exp, const char *variant, const char *name,
                    const char *status, int seed, double sim_s)
{
    sqlite3_stmt *s;
    sqlite3_prepare_v2(db,
                       "INSERT INTO runs(id, experiment, variant, name, status, seed, sim_ns, "
                       "events, wall_s) VALUES(?,?,?,?,?,?,?,1000,0.5)",
                       -1, &s, NULL);
    sqlite3_bind_int(s, 1, id);
    exp ? sqlite3_bind_text(s, 2, exp, -1, SQLITE_STATIC) : sqlite3_bind_null(s, 2);
    variant ? sqlite3_bind_text(s, 3, variant, -1, SQLITE_STATIC) : sqlite3_bind_null(s, 3);
    sqlite3_bind_text(s, 4, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, status, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 6, seed);
    sqlite3_bind_int64(s, 7, (sqlite3_int64)(sim_s * 1e9));
    cr_assert_eq(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
}

static void add_metric(sqlite3 *db, int run, int node, const char *name, double v)
{
    sqlite3_stmt *s;
    sqlite3_prepare_v2(db, "INSERT INTO metrics VALUES(?,?,?,?)", -1, &s, NULL);
    sqlite3_bind_int(s, 1, run);
    node < 0 ? sqlite3_bind_null(s, 2) : sqlite3_bind_int(s, 2, node);
    sqlite3_bind_text(s, 3, name, -1, SQLITE_STATIC);
    sqlite3_bind_double(s, 4, v);
    cr_assert_eq(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
}

static void add_series(sqlite3 *db, int run, int node, double t, const char *name, double v)
{
    sqlite3_stmt *s;
    sqlite3_prepare_v2(db, "INSERT INTO series VALUES(?,?,?,?,?)", -1, &s, NULL);
    sqlite3_bind_int(s, 1, run);
    node < 0 ? sqlite3_bind_null(s, 2) : sqlite3_bind_int(s, 2, node);
    sqlite3_bind_double(s, 3, t);
    sqlite3_bind_text(s, 4, name, -1, SQLITE_STATIC);
    sqlite3_bind_double(s, 5, v);
    cr_assert_eq(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
}

static void add_transition(sqlite3 *db, int run, double t_s, int node, const char *comp,
                           const char *from, const char *to, const char *reason)
{
    sqlite3_stmt *s;
    sqlite3_prepare_v2(db, "INSERT INTO transitions VALUES(?,?,?,?,?,?,?)", -1, &s, NULL);
    sqlite3_bind_int(s, 1, run);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)llround(t_s * 1e9));
    node < 0 ? sqlite3_bind_null(s, 3) : sqlite3_bind_int(s, 3, node);
    sqlite3_bind_text(s, 4, comp, -1, SQLITE_STATIC);
    from ? sqlite3_bind_text(s, 5, from, -1, SQLITE_STATIC) : sqlite3_bind_null(s, 5);
    to ? sqlite3_bind_text(s, 6, to, -1, SQLITE_STATIC) : sqlite3_bind_null(s, 6);
    reason ? sqlite3_bind_text(s, 7, reason, -1, SQLITE_STATIC) : sqlite3_bind_null(s, 7);
    cr_assert_eq(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
}

static void add_param(sqlite3 *db, int run, const char *path, const char *value)
{
    sqlite3_stmt *s;
    sqlite3_prepare_v2(db, "INSERT INTO params VALUES(?,?,?)", -1, &s, NULL);
    sqlite3_bind_int(s, 1, run);
    sqlite3_bind_text(s, 2, path, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, value, -1, SQLITE_STATIC);
    cr_assert_eq(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
}

/* The outage run's series values at bucket t (whole run), a simple story:
 * steady 500 req/s; during the restart (120-165 s) errors, latency and
 * database load rise and the L1 hit ratio dips. */
static double outage_value(int col, double t)
{
    bool down = t >= 120 && t < 165, after = t >= 165 && t < 200;
    switch (col) {
    case EX_TL_RPS:
        return 500 + 20 * sin(t / 7.0);
    case EX_TL_ERRORS:
        return down ? 40 + fmod(t, 5) : 0;
    case EX_TL_P50:
        return down ? 30 : 1.2 + 0.1 * sin(t);
    case EX_TL_P99:
        return down ? 5000 : after ? 220 : 9 + sin(t / 3.0);
    case EX_TL_L1HIT:
        return down ? 0.55 : 0.9;
    case EX_TL_STALE:
        return down ? 0.2 : 0;
    case EX_TL_DBRPS:
        return down ? 220 : after ? 90 : 50;
    case EX_TL_BACKLOG:
        return down ? 800 * (t - 120) / 45 : 2;
    case EX_TL_POOLQ:
        return down ? 35 : 0;
    case EX_TL_OLDEST:
        return down ? 1000 * (t - 119) : 40 + sin(t);
    }
    return NAN;
}

static void outage_run(sqlite3 *db)
{
    add_run(db, 1, NULL, NULL, "hcl-outage", "done", 1, 300);
    add_param(db, 1, "nodes.count", "4");
    add_param(db, 1, "seed", "1");
    for (int t = 0; t < 300; t++)
        for (int c = 0; c < EX_TL_N; c++) {
            double v = outage_value(c, t);
            /* errors are stored as a count per 1 s bucket */
            add_series(db, 1, -1, t, ex_tl_name(c), v);
            if (c == EX_TL_RPS || c == EX_TL_P99)
                for (int n = 0; n < 4; n++)
                    add_series(db, 1, n, t, ex_tl_name(c),
                               v / (c == EX_TL_RPS ? 4 : 1) + n);
        }
    add_transition(db, 1, 120, -1, "fault", NULL, "restart", "redis restart for 45s");
    add_transition(db, 1, 165, -1, "fault", "restart", "inactive", NULL);
    for (int n = 0; n < 3; n++) {
        add_transition(db, 1, 130 + n, n, "breaker", "closed", "open", "20 failures in 10s");
        add_transition(db, 1, 190 + n, n, "breaker", "open", "half_open", "retry wait");
        add_transition(db, 1, 191.5 + n, n, "breaker", "half_open", "closed", "probe ok");
    }
    add_transition(db, 1, 121, -1, "redis", "up", "down", "restart");
    static const double total[] = {37000, 37100, 36900, 37050};
    for (int n = -1; n < 4; n++) {
        double k = n < 0 ? 4 : 1;
        add_metric(db, 1, n, "requests.total", n < 0 ? 148050 : total[n]);
        add_metric(db, 1, n, "requests.error", n < 0 ? 1900 : 400 + 50 * n);
        add_metric(db, 1, n, "requests.timeout", n < 0 ? 80 : 20 + n);
        add_metric(db, 1, n, "latency.p50_ms", n < 0 ? 1.3 : 1.2 + 0.1 * n);
        add_metric(db, 1, n, "latency.p99_ms", n < 0 ? 240 : 200 + 20 * n);
        add_metric(db, 1, n, "latency.p90_ms", 12 * k / k);
        add_metric(db, 1, n, "latency.p999_ms", 4800);
        add_metric(db, 1, n, "latency.max_ms", 5100);
    }
    add_metric(db, 1, -1, "db.calls", 21000);
    add_metric(db, 1, -1, "breaker.trips", 3);
}

/* A queue-model run: only rps and the latency series, no transitions. */
static void queue_run(sqlite3 *db)
{
    add_run(db, 2, NULL, NULL, "mm1-check", "done", 7, 60);
    for (int t = 0; t < 60; t++) {
        /* 30-32 s: no request ended; the store then holds latency 0 */
        bool idle = t >= 30 && t < 33;
        add_series(db, 2, -1, t, "rps", idle ? 0 : 90 + t % 7);
        add_series(db, 2, -1, t, "latency.p50_ms", idle ? 0 : 7 + (t % 5) * 0.3);
        add_series(db, 2, -1, t, "latency.p99_ms", idle ? 0 : 45 + (t % 3));
    }
    add_metric(db, 2, -1, "latency.p50_ms", 6.9);
    add_metric(db, 2, -1, "latency.p90_ms", 23);
    add_metric(db, 2, -1, "latency.p99_ms", 46);
    add_metric(db, 2, -1, "latency.p999_ms", 69);
    add_metric(db, 2, -1, "latency.max_ms", 101);
    add_metric(db, 2, -1, "requests.total", 5400);
}

/* Sweep metric of (retry_wait index, variant, replication). */
static double sweep_p99(int w, int v, int rep)
{
    return 100 + 50 * w - 30 * v + 3 * rep;
}

static void sweep_runs(sqlite3 *db)
{
    static const char *const waits[] = {"10s", "30s", "60s"};
    static const char *const variants[] = {"base", "locker"};
    int id = 3;
    for (int v = 0; v < 2; v++)
        for (int w = 0; w < 3; w++)
            for (int rep = 0; rep < 3; rep++, id++) {
                char seed[16];
                snprintf(seed, sizeof seed, "%d", rep + 1);
                add_run(db, id, "retry-sweep", variants[v], "retry-sweep", "done", rep + 1, 60);
                add_param(db, id, "seed", seed);
                add_param(db, id, "l2.breaker.retry_wait", waits[w]);
                add_param(db, id, "cache.lock.distributed", v ? "true" : "false");
                add_metric(db, id, -1, "latency.p99_ms", sweep_p99(w, v, rep));
                add_metric(db, id, -1, "requests.error", 10 * w + rep);
                add_metric(db, id, -1, "db.calls", 1000 - 300 * v + rep);
                add_metric(db, id, -1, "latency.p50_ms", 2 + v);
                add_metric(db, id, -1, "latency.max_ms", 900 + w);
            }
    /* runs 21-29: a 3 x 3 grid, one replication */
    static const char *const pools[] = {"10", "50", "200"};
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++, id++) {
            add_run(db, id, "grid", NULL, "grid", "done", 1, 60);
            add_param(db, id, "seed", "1");
            add_param(db, id, "l2.breaker.retry_wait", waits[a]);
            add_param(db, id, "database.pool", pools[b]);
            add_metric(db, id, -1, "latency.p99_ms", 50 + 40 * a + 10 * b);
        }
}

static void make_db(const char *path, bool with_runs)
{
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    exec_sql(db, STORE_SCHEMA_SQL);
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", STORE_SCHEMA_VERSION);
    exec_sql(db, pragma);
    if (with_runs) {
        exec_sql(db, "BEGIN");
        outage_run(db);
        queue_run(db);
        sweep_runs(db);
        exec_sql(db, "COMMIT");
    }
    sqlite3_close(db);
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "%s/cs-test-plot-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(db_path, sizeof db_path, "%s/runs.db", dir);
    snprintf(out_dir, sizeof out_dir, "%s/out", dir);
    make_db(db_path, true);
}

static void teardown(void)
{
    char cmd[400];
    if (!getenv("CS_TEST_KEEP")) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    } else {
        fprintf(stderr, "kept %s\n", dir);
    }
}

static bool have_gnuplot(void)
{
    char buf[512];
    cs_err err;
    return plot_find_gnuplot(buf, sizeof buf, &err) == CS_OK;
}

#define NEED_GNUPLOT()                                                                             \
    do {                                                                                           \
        if (!have_gnuplot())                                                                       \
            cr_skip("gnuplot is not installed (apt-get install gnuplot-nox); pictures untested");  \
    } while (0)

/* Run `cachestorm plot ARGS...` in process; returns the exit status. */
static int run_cmd(int (*cmd)(int, char **), const char *name, ...)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)name;
    va_list ap;
    va_start(ap, name);
    for (char *a; (a = va_arg(ap, char *)) != NULL && argc < 31;)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    return cmd(argc, argv);
}

static size_t file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (size_t)sb.st_size : 0;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot read %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = 0;
    fclose(f);
    return s;
}

/* Data lines of an exported file (comments and blank lines skipped). */
static size_t data_lines(const char *path, char lines[][256], size_t max)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "cannot read %s", path);
    char buf[1024];
    size_t n = 0;
    while (fgets(buf, sizeof buf, f))
        if (buf[0] != '#' && buf[0] != '\n' && n < max) {
            buf[255] = 0;
            memcpy(lines[n++], buf, 256);
        }
    fclose(f);
    return n;
}

static ex_store open_fixture(void)
{
    ex_store st;
    cs_err err = {0};
    cr_assert_eq(ex_open(&st, db_path, &err), CS_OK, "%s", err.msg);
    return st;
}

/* ---- exports match the rows ------------------------------------------------ */

TestSuite(plot, .init = setup, .fini = teardown, .timeout = 60);

Test(plot, store_lists_runs_in_id_order)
{
    ex_store st = open_fixture();
    cr_assert_eq(st.n_runs, 29);
    cr_assert_eq(st.runs[0].id, 1);
    cr_assert_str_eq(st.runs[0].name, "hcl-outage");
    cr_assert_null(st.runs[0].experiment);
    cr_assert_str_eq(st.runs[2].variant, "base");
    cr_assert_float_eq(st.runs[0].sim_s, 300.0, 1e-9);
    ex_close(&st);
}

Test(plot, timeline_export_matches_series_rows)
{
    ex_store st = open_fixture();
    char data[400], faults[400], brk[400];
    snprintf(data, sizeof data, "%s/tl.dat", dir);
    snprintf(faults, sizeof faults, "%s/tl-f.dat", dir);
    snprintf(brk, sizeof brk, "%s/tl-b.dat", dir);
    ex_timeline tl;
    cs_err err = {0};
    cr_assert_eq(ex_timeline_write(&st, ex_find(&st, 1), -1, data, faults, brk, &tl, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(tl.rows, 300);
    cr_assert_float_eq(tl.bucket_s, 1.0, 1e-12);
    cr_assert_float_eq(tl.t_end, 300.0, 1e-9);
    static char lines[400][256];
    cr_assert_eq(data_lines(data, lines, 400), 300);
    for (int t = 0; t < 300; t++) {
        double v[EX_TL_N + 1];
        char *p = lines[t];
        for (int c = 0; c <= EX_TL_N; c++)
            v[c] = strtod(p, &p);
        cr_assert_float_eq(v[0], t, 1e-12);
        for (int c = 0; c < EX_TL_N; c++) {
            cr_assert(tl.has[c]);
            /* errors per second = count per bucket / 1 s */
            cr_assert_float_eq(v[c + 1], outage_value(c, t), 1e-6 * (1 + fabs(v[c + 1])),
                               "t=%d column %s", t, ex_tl_name(c));
        }
    }
    ex_close(&st);
}

Test(plot, fault_window_runs_from_start_to_inactive)
{
    ex_store st = open_fixture();
    char data[400], faults[400], brk[400];
    snprintf(data, sizeof data, "%s/tl.dat", dir);
    snprintf(faults, sizeof faults, "%s/tl-f.dat", dir);
    snprintf(brk, sizeof brk, "%s/tl-b.dat", dir);
    ex_timeline tl;
    cs_err err = {0};
    cr_assert_eq(ex_timeline_write(&st, ex_find(&st, 1), -1, data, faults, brk, &tl, &err), 0);
    static char lines[10][256];
    cr_assert_eq(tl.faults, 1);
    cr_assert_eq(data_lines(faults, lines, 10), 1);
    double a, b;
    int row;
    char kind[64];
    cr_assert_eq(sscanf(lines[0], "%lf %lf %d \"%63[^\"]\"", &a, &b, &row, kind), 4);
    cr_assert_float_eq(a, 120, 1e-9);
    cr_assert_float_eq(b, 165, 1e-9);
    cr_assert_str_eq(kind, "restart");
    ex_close(&st);
}

/* models/faults.c writes inactive -> active and back, the kind in the
 * reason; overlapping windows are told apart by the reason. */
Test(plot, generic_fault_transitions_take_their_label_from_the_reason)
{
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(db_path, &db), SQLITE_OK);
    add_transition(db, 2, 10, -1, "fault", "inactive", "active", "faults[0] redis.restart");
    add_transition(db, 2, 12, 1, "fault", "inactive", "active", "faults[1] node.pause");
    add_transition(db, 2, 20, -1, "fault", "active", "inactive", "faults[0] redis.restart");
    add_transition(db, 2, 30, 1, "fault", "active", "inactive", "faults[1] node.pause");
    add_transition(db, 2, 50, -1, "fault", "inactive", "active", "faults[2] database.slow");
    sqlite3_close(db);
    ex_store st = open_fixture();
    char data[400], faults[400], brk[400];
    snprintf(data, sizeof data, "%s/tl.dat", dir);
    snprintf(faults, sizeof faults, "%s/tl-f.dat", dir);
    snprintf(brk, sizeof brk, "%s/tl-b.dat", dir);
    ex_timeline tl;
    cs_err err = {0};
    cr_assert_eq(ex_timeline_write(&st, ex_find(&st, 2), -1, data, faults, brk, &tl, &err), 0);
    static char lines[10][256];
    cr_assert_eq(data_lines(faults, lines, 10), 3);
    static const struct {
        double a, b;
        const char *label;
    } want[] = {
        {10, 20, "redis.restart"}, {12, 30, "node.pause (node 1)"}, {50, 60, "database.slow"}};
    for (int i = 0; i < 3; i++) {
        double a, b;
        int row;
        char label[64];
        cr_assert_eq(sscanf(lines[i], "%lf %lf %d \"%63[^\"]\"", &a, &b, &row, label), 4);
        cr_assert_float_eq(a, want[i].a, 1e-9);
        cr_assert_float_eq(b, want[i].b, 1e-9, "window %d ends at %g (never-ended: run end)", i, b);
        cr_assert_str_eq(label, want[i].label);
    }
    ex_close(&st);
}

Test(plot, breaker_open_until_next_transition_of_that_node)
{
    ex_store st = open_fixture();
    char data[400], faults[400], brk[400];
    snprintf(data, sizeof data, "%s/tl.dat", dir);
    snprintf(faults, sizeof faults, "%s/tl-f.dat", dir);
    snprintf(brk, sizeof brk, "%s/tl-b.dat", dir);
    ex_timeline tl;
    cs_err err = {0};
    cr_assert_eq(ex_timeline_write(&st, ex_find(&st, 1), -1, data, faults, brk, &tl, &err), 0);
    cr_assert_eq(tl.breakers, 3, "one open interval per node");
    cr_assert_eq(tl.half_open, 3, "one half-open interval per node");
    cr_assert_eq(tl.breaker_rows, 3);
    /* per node: closed 0-130+n, open -190+n, half-open -191.5+n, closed -300 */
    cr_assert_eq(tl.breaker_segments, 12);
    static char lines[20][256];
    cr_assert_eq(data_lines(brk, lines, 20), 12);
    const double at[4][2] = {{0, 130}, {130, 190}, {190, 191.5}, {191.5, 300}};
    const int state[4] = {0, 2, 1, 0};
    int seen[3] = {0};
    for (int i = 0; i < 12; i++) {
        double a, b;
        int row, stt;
        char label[64];
        cr_assert_eq(sscanf(lines[i], "%lf %lf %d \"%63[^\"]\" %d", &a, &b, &row, label, &stt), 5,
                     "line %d: %s", i, lines[i]);
        cr_assert(row >= 0 && row < 3);
        int k = seen[row]++;
        cr_assert(k < 4);
        int n = row;
        double sa = at[k][0] == 0 ? 0 : at[k][0] + n, sb = at[k][1] == 300 ? 300 : at[k][1] + n;
        cr_assert_float_eq(a, sa, 1e-9, "node %d segment %d", n, k);
        cr_assert_float_eq(b, sb, 1e-9, "node %d segment %d", n, k);
        cr_assert_eq(stt, state[k], "node %d segment %d state", n, k);
        char want[32];
        snprintf(want, sizeof want, "node %d", n);
        cr_assert_str_eq(label, want);
    }
    ex_close(&st);
}

/* A bucket in which no request ended: the store holds latency 0 there; the
 * export writes NaN (a gap), never a value at the drawing floor. */
Test(plot, no_completions_is_a_gap_not_a_value)
{
    ex_store st = open_fixture();
    char data[400], faults[400], brk[400];
    snprintf(data, sizeof data, "%s/tl.dat", dir);
    snprintf(faults, sizeof faults, "%s/tl-f.dat", dir);
    snprintf(brk, sizeof brk, "%s/tl-b.dat", dir);
    ex_timeline tl;
    cs_err err = {0};
    cr_assert_eq(ex_timeline_write(&st, ex_find(&st, 2), -1, data, faults, brk, &tl, &err), 0);
    cr_assert_eq(tl.idle, 3);
    static char lines[100][256];
    cr_assert_eq(data_lines(data, lines, 100), 60);
    for (int t = 0; t < 60; t++) {
        double v[EX_TL_N + 1];
        char *p = lines[t];
        for (int c = 0; c <= EX_TL_N; c++)
            v[c] = strtod(p, &p);
        bool idle = t >= 30 && t < 33;
        cr_assert_float_eq(v[0], t, 1e-12);
        cr_assert_float_eq(v[1 + EX_TL_RPS], idle ? 0 : 90 + t % 7, 1e-9);
        if (idle) {
            cr_assert(isnan(v[1 + EX_TL_P50]) && isnan(v[1 + EX_TL_P99]), "t=%d: %s", t, lines[t]);
        } else {
            cr_assert_float_eq(v[1 + EX_TL_P50], 7 + (t % 5) * 0.3, 1e-9);
            cr_assert_float_eq(v[1 + EX_TL_P99], 45 + (t % 3), 1e-9);
        }
    }
    cr_assert(tl.nonzero[EX_TL_RPS] && !tl.nonzero[EX_TL_ERRORS]);
    ex_close(&st);
}

Test(plot, node_timeline_reads_that_nodes_rows)
{
    ex_store st = open_fixture();
    char data[400], faults[400], brk[400];
    snprintf(data, sizeof data, "%s/tl.dat", dir);
    snprintf(faults, sizeof faults, "%s/tl-f.dat", dir);
    snprintf(brk, sizeof brk, "%s/tl-b.dat", dir);
    ex_timeline tl;
    cs_err err = {0};
    cr_assert_eq(ex_timeline_write(&st, ex_find(&st, 1), 2, data, faults, brk, &tl, &err), 0);
    cr_assert(tl.has[EX_TL_RPS] && tl.has[EX_TL_P99]);
    cr_assert(!tl.has[EX_TL_DBRPS], "node 2 has no db.rps rows");
    cr_assert_eq(tl.breakers, 1, "only node 2's breaker");
    static char lines[400][256];
    cr_assert_eq(data_lines(data, lines, 400), 300);
    double t, rps;
    cr_assert_eq(sscanf(lines[10], "%lf %lf", &t, &rps), 2);
    cr_assert_float_eq(rps, outage_value(EX_TL_RPS, 10) / 4 + 2, 1e-6);
    cr_assert_eq(ex_timeline_write(&st, ex_find(&st, 1), 9, data, faults, brk, &tl, &err), CS_USAGE,
                 "a node without series is a usage error");
    ex_close(&st);
}

Test(plot, missing_series_are_flagged_not_invented)
{
    ex_store st = open_fixture();
    char data[400], faults[400], brk[400];
    snprintf(data, sizeof data, "%s/tl.dat", dir);
    snprintf(faults, sizeof faults, "%s/tl-f.dat", dir);
    snprintf(brk, sizeof brk, "%s/tl-b.dat", dir);
    ex_timeline tl;
    cs_err err = {0};
    cr_assert_eq(ex_timeline_write(&st, ex_find(&st, 2), -1, data, faults, brk, &tl, &err), 0);
    cr_assert(tl.has[EX_TL_RPS] && tl.has[EX_TL_P50] && tl.has[EX_TL_P99]);
    cr_assert(!tl.has[EX_TL_ERRORS] && !tl.has[EX_TL_L1HIT] && !tl.has[EX_TL_DBRPS]);
    cr_assert_eq(tl.faults, 0);
    cr_assert_eq(tl.breakers, 0);
    static char lines[100][256];
    cr_assert_eq(data_lines(data, lines, 100), 60);
    cr_assert(strstr(lines[0], "NaN") != NULL, "missing columns are NaN");
    ex_close(&st);
}

Test(plot, cdf_without_histograms_goes_through_the_latency_quantile_metrics)
{
    ex_store st = open_fixture();
    const ex_run *runs[] = {ex_find(&st, 1), ex_find(&st, 2)};
    char data[400], band[400], mark[400];
    snprintf(data, sizeof data, "%s/cdf.dat", dir);
    snprintf(band, sizeof band, "%s/cdf-band.dat", dir);
    snprintf(mark, sizeof mark, "%s/cdf-marks.dat", dir);
    size_t scen[2];
    cr_assert_eq(ex_scenarios(&st, runs, 2, scen), 2, "two names: two scenarios");
    const char *labels[] = {"outage", "mm1-check"};
    ex_cdf_curve cv[2];
    cs_err err = {0};
    cr_assert_eq(ex_cdf_write(&st, runs, 2, scen, 2, labels, data, band, mark, cv, &err), 0);
    cr_assert(cv[0].block == 0 && cv[1].block == 1);
    cr_assert(cv[0].with_hist == 0 && cv[1].with_hist == 0, "the fixture stores no histogram");
    cr_assert(cv[0].band == -1 && cv[1].band == -1);
    static char lines[20][256];
    /* two label lines + 5 points each */
    cr_assert_eq(data_lines(data, lines, 20), 12);
    cr_assert(strstr(lines[6], "mm1-check") != NULL);
    double ms, q, nines;
    cr_assert_eq(sscanf(lines[9], "%lf %lf %lf", &ms, &q, &nines), 3);
    cr_assert_float_eq(ms, 46, 1e-9);
    cr_assert_float_eq(q, 0.99, 1e-12);
    cr_assert_float_eq(nines, 2, 1e-9);
    cr_assert_float_eq(cv[1].mark_ms[1], 46, 1e-9, "the p99 mark");
    ex_close(&st);
}

Test(plot, nodes_export_one_row_per_node)
{
    ex_store st = open_fixture();
    char data[400];
    snprintf(data, sizeof data, "%s/nodes.dat", dir);
    size_t nodes;
    cs_err err = {0};
    bool has[EX_NODES_N];
    cr_assert_eq(ex_nodes_write(&st, ex_find(&st, 1), data, &nodes, has, &err), 0);
    cr_assert_eq(nodes, 4);
    for (int k = 0; k < EX_NODES_N; k++)
        cr_assert(has[k], "column %d stored on every node", k);
    size_t n2;
    char data2[400];
    snprintf(data2, sizeof data2, "%s/nodes2.dat", dir);
    cr_assert_eq(ex_nodes_write(&st, ex_find(&st, 2), data2, &n2, has, &err), 0);
    cr_assert_eq(n2, 0, "the queue run has no per-node metrics");
    for (int k = 0; k < EX_NODES_N; k++)
        cr_assert(!has[k]);
    static char lines[10][256];
    cr_assert_eq(data_lines(data, lines, 10), 4);
    for (int n = 0; n < 4; n++) {
        int node;
        double e, to, p50, p99, total;
        cr_assert_eq(sscanf(lines[n], "%d %lf %lf %lf %lf %lf", &node, &e, &to, &p50, &p99, &total),
                     6);
        cr_assert_eq(node, n);
        cr_assert_float_eq(e, 400 + 50 * n, 1e-9);
        cr_assert_float_eq(to, 20 + n, 1e-9);
        cr_assert_float_eq(p99, 200 + 20 * n, 1e-9);
    }
    ex_close(&st);
}

Test(plot, swept_parameter_excludes_seed_and_variant_overrides)
{
    ex_store st = open_fixture();
    const ex_run *runs[18];
    for (int i = 0; i < 18; i++)
        runs[i] = ex_find(&st, 3 + i);
    size_t n;
    cs_err err = {0};
    char **p = ex_swept_params(&st, runs, 18, &n, &err);
    cr_assert_eq(n, 1, "seed varies per replication and the lock flag per variant: not swept");
    cr_assert_str_eq(p[0], "l2.breaker.retry_wait");
    free(p[0]);
    free(p);
    ex_close(&st);
}

Test(plot, sweep_export_means_and_t_intervals)
{
    ex_store st = open_fixture();
    const ex_run *runs[18];
    for (int i = 0; i < 18; i++)
        runs[i] = ex_find(&st, 3 + i);
    char data[400];
    snprintf(data, sizeof data, "%s/sweep.dat", dir);
    const char *metrics[] = {"latency.p99_ms"};
    bool numeric;
    size_t nv;
    const char *unit;
    cs_err err = {0};
    cr_assert_eq(ex_sweep1_write(&st, runs, 18, "l2.breaker.retry_wait", metrics, 1, data, &numeric,
                                 &nv, &unit, &err),
                 0);
    cr_assert(numeric);
    cr_assert_str_eq(unit, "s");
    cr_assert_eq(nv, 2);
    static char lines[20][256];
    cr_assert_eq(data_lines(data, lines, 20), 8); /* 2 labels + 2 x 3 points */
    cr_assert(strstr(lines[0], "base"));
    double x, mean, lo, hi;
    int k;
    cr_assert_eq(sscanf(lines[2], "%lf %lf %lf %lf %d", &x, &mean, &lo, &hi, &k), 5);
    /* retry_wait 30 s, base: values 150, 153, 156 -> mean 153, sd 3, t(2) = 4.30265 (GSL; the same CI as expect and compare) */
    cr_assert_float_eq(x, 30, 1e-9);
    cr_assert_float_eq(mean, 153, 1e-9);
    cr_assert_float_eq(hi - mean, 4.302653 * 3 / sqrt(3), 1e-5);
    cr_assert_float_eq(mean - lo, hi - mean, 1e-9);
    cr_assert_eq(k, 3);
    ex_close(&st);
}

Test(plot, compare_groups_by_variant)
{
    ex_store st = open_fixture();
    const ex_run *runs[18];
    for (int i = 0; i < 18; i++)
        runs[i] = ex_find(&st, 3 + i);
    char data[400];
    snprintf(data, sizeof data, "%s/compare.dat", dir);
    const char *metrics[] = {"db.calls", "no.such.metric"};
    size_t groups;
    bool present[2], nonzero[2];
    cs_err err = {0};
    cr_assert_eq(
        ex_compare_write(&st, runs, 18, metrics, 2, data, &groups, present, nonzero, &err), 0);
    cr_assert_eq(groups, 2);
    cr_assert(present[0] && !present[1]);
    cr_assert(nonzero[0] && !nonzero[1]);
    static char lines[20][256];
    cr_assert_eq(data_lines(data, lines, 20), 6);
    int i, k, colour;
    double mean, lo, hi;
    char label[64], value[64], verdict[64];
    /* the baseline: base, db.calls 1000 + rep 0..2 over 3 retry_waits (9 runs) */
    cr_assert_eq(sscanf(lines[1], "%d %lf %lf %lf %d \"%63[^\"]\" \"%63[^\"]\" \"%63[^\"]\" %d", &i,
                        &mean, &lo, &hi, &k, label, value, verdict, &colour),
                 9, "%s", lines[1]);
    cr_assert_str_eq(label, "base");
    cr_assert_str_eq(verdict, "baseline");
    cr_assert_eq(colour, 0);
    cr_assert_eq(sscanf(lines[2], "%d %lf %lf %lf %d \"%63[^\"]\" \"%63[^\"]\" \"%63[^\"]\" %d", &i,
                        &mean, &lo, &hi, &k, label, value, verdict, &colour),
                 9, "%s", lines[2]);
    cr_assert_eq(i, 1);
    cr_assert_float_eq(mean, 701, 1e-9); /* locker: 700 + rep 0..2 */
    cr_assert_eq(k, 9);
    cr_assert_str_eq(label, "locker", "the variant: the run name adds nothing");
    /* sd of 700,701,702 x3 = sqrt(6/8); t(8) = 2.306004 (GSL) */
    cr_assert_float_eq(hi - mean, 2.306004 * sqrt(0.75) / 3, 1e-5);
    char want[128], a[32], h[32];
    cs_fmt_human(a, sizeof a, 701);
    cs_fmt_human(h, sizeof h, hi - mean);
    snprintf(want, sizeof want, "%s ± %s", a, h);
    cr_assert_str_eq(value, want, "plain units, never 7.01e+02");
    cr_assert_str_eq(verdict, "BETTER", "db.calls: lower is better, 300 fewer, p < 0.05");
    cr_assert_eq(colour, 1);
    ex_close(&st);
}

/* A grid with one combination missing: every combination has a row, the
 * missing one says "no data"; values in plain units. */
Test(plot, sweep2_writes_every_cell_and_no_data)
{
    ex_store st = open_fixture();
    const ex_run *runs[8];
    for (int i = 0; i < 8; i++) /* runs 21..28: the grid without (60s, 200) */
        runs[i] = ex_find(&st, 21 + i);
    char data[400];
    snprintf(data, sizeof data, "%s/sweep2.dat", dir);
    size_t nv;
    cs_err err = {0};
    cr_assert_eq(ex_sweep2_write(&st, runs, 8, "l2.breaker.retry_wait", "database.pool",
                                 "latency.p99_ms", data, &nv, &err),
                 0);
    cr_assert_eq(nv, 1);
    static char lines[20][256];
    cr_assert_eq(data_lines(data, lines, 20), 10); /* the variant label + 3 x 3 cells */
    for (int r = 0; r < 9; r++) {
        int xi, yi, k;
        char mean[32], xl[32], yl[32], vl[32];
        cr_assert_eq(sscanf(lines[1 + r], "%d %d %31s %d \"%31[^\"]\" \"%31[^\"]\" \"%31[^\"]\"", &xi,
                            &yi, mean, &k, xl, yl, vl),
                     7, "%s", lines[1 + r]);
        if (xi == 2 && yi == 2) {
            cr_assert_str_eq(mean, "NaN");
            cr_assert_eq(k, 0);
            cr_assert_str_eq(vl, "no data");
        } else {
            double want = 50 + 40 * xi + 10 * yi; /* the fixture's stored value */
            cr_assert_float_eq(atof(mean), want, 1e-9);
            cr_assert_eq(k, 1);
            char h[32];
            cs_fmt_human(h, sizeof h, want);
            cr_assert_str_eq(vl, h);
        }
    }
    ex_close(&st);
}

Test(plot, parameter_values_parse_with_units)
{
    double v;
    const char *u;
    cr_assert(ex_parse_number("250ms", &v, &u) && fabs(v - 0.25) < 1e-12 && !strcmp(u, "s"));
    cr_assert(ex_parse_number("2m", &v, &u) && v == 120);
    cr_assert(ex_parse_number("500/s", &v, &u) && v == 500 && !strcmp(u, "/s"));
    cr_assert(ex_parse_number("50", &v, &u) && v == 50 && !strcmp(u, ""));
    cr_assert(!ex_parse_number("true", &v, &u));
    cr_assert(!ex_parse_number("5 apples", &v, &u));
}

/* ---- every kind draws ------------------------------------------------------ */

static void draws(const char *kind, const char *format, const char *const *expect, size_t n,
                  const char *extra)
{
    NEED_GNUPLOT();
    int rc = extra ? run_cmd(cmd_plot, "plot", db_path, "--kind", kind, "--out", out_dir,
                             "--format", format, extra, NULL)
                   : run_cmd(cmd_plot, "plot", db_path, "--kind", kind, "--out", out_dir,
                             "--format", format, NULL);
    cr_assert_eq(rc, 0, "plot --kind %s --format %s", kind, format);
    for (size_t i = 0; i < n; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s.%s", out_dir, expect[i], format);
        size_t sz = file_size(path);
        cr_assert_gt(sz, 1000, "%s should be a real picture (size %zu)", path, sz);
        char *s = slurp(path);
        if (strcmp(format, "png") == 0)
            cr_assert(memcmp(s, "\x89PNG", 4) == 0, "%s is a PNG", path);
        else
            cr_assert(strstr(s, "<svg") && strstr(s, "</svg>"), "%s is an SVG", path);
        free(s);
    }
}

static const char *const tl_out[] = {"grid-r29-timeline"} /* other grid runs share the name: the id tells them apart */;
static const char *const cdf_out[] = {"runs-runs-cdf", "retry-sweep-cdf", "grid-cdf"};
static const char *const sweep_out[] = {"retry-sweep-sweep", "grid-sweep"};
static const char *const compare_out[] = {"retry-sweep-compare"};

Test(plot, timeline_png)
{
    draws("timeline", "png", tl_out, 1, NULL);
}
Test(plot, timeline_svg)
{
    draws("timeline", "svg", tl_out, 1, NULL);
}
Test(plot, cdf_png)
{
    draws("cdf", "png", cdf_out, 3, NULL);
}
Test(plot, cdf_svg)
{
    draws("cdf", "svg", cdf_out, 3, NULL);
}
Test(plot, sweep_png)
{
    draws("sweep", "png", sweep_out, 2, NULL);
}
Test(plot, sweep_svg)
{
    draws("sweep", "svg", sweep_out, 2, NULL);
}
Test(plot, compare_png)
{
    draws("compare", "png", compare_out, 1, "retry-sweep");
}
Test(plot, compare_svg)
{
    draws("compare", "svg", compare_out, 1, "retry-sweep");
}

static void draws_run(const char *kind, const char *format, const char *run, const char *name)
{
    NEED_GNUPLOT();
    cr_assert_eq(run_cmd(cmd_plot, "plot", db_path, run, "--kind", kind, "--out", out_dir,
                         "--format", format, NULL),
                 0);
    char path[600];
    snprintf(path, sizeof path, "%s/%s-%s.%s", out_dir, name, kind, format);
    cr_assert_gt(file_size(path), 1000, "%s", path);
}

Test(plot, outage_timeline_png)
{
    draws_run("timeline", "png", "1", "hcl-outage");
}
Test(plot, outage_timeline_svg)
{
    draws_run("timeline", "svg", "1", "hcl-outage");
}
Test(plot, nodes_png)
{
    draws_run("nodes", "png", "1", "hcl-outage");
}
Test(plot, nodes_svg)
{
    draws_run("nodes", "svg", "1", "hcl-outage");
}
Test(plot, partial_series_timeline_still_draws)
{
    draws_run("timeline", "png", "mm1-check", "mm1-check");
}

Test(plot, node_timeline_named_by_node)
{
    NEED_GNUPLOT();
    cr_assert_eq(run_cmd(cmd_plot, "plot", db_path, "1", "--node", "1", "--out", out_dir, NULL), 0);
    char path[600];
    snprintf(path, sizeof path, "%s/hcl-outage-node1-timeline.png", out_dir);
    cr_assert_gt(file_size(path), 1000);
}

Test(plot, colliding_names_get_the_run_id)
{
    NEED_GNUPLOT();
    cr_assert_eq(run_cmd(cmd_plot, "plot", db_path, "3", "4", "--out", out_dir, NULL), 0);
    char path[600];
    snprintf(path, sizeof path, "%s/retry-sweep-base-r4-timeline.png", out_dir);
    cr_assert_gt(file_size(path), 1000);
}

Test(plot, keep_data_leaves_the_data_files)
{
    NEED_GNUPLOT();
    cr_assert_eq(run_cmd(cmd_plot, "plot", db_path, "1", "--out", out_dir, "--keep-data", NULL), 0);
    char path[600];
    snprintf(path, sizeof path, "%s/hcl-outage-timeline.dat", out_dir);
    cr_assert_gt(file_size(path), 1000);
}

/* ---- errors ---------------------------------------------------------------- */

Test(plot, unknown_run_is_a_usage_error)
{
    cr_assert_eq(run_cmd(cmd_plot, "plot", db_path, "999", "--out", out_dir, NULL), CS_USAGE);
    cr_assert_eq(run_cmd(cmd_plot, "plot", db_path, "no-such-name", "--out", out_dir, NULL),
                 CS_USAGE);
}

Test(plot, empty_database_is_a_usage_error)
{
    char empty[400];
    snprintf(empty, sizeof empty, "%s/empty.db", dir);
    make_db(empty, false);
    cr_assert_eq(run_cmd(cmd_plot, "plot", empty, "--out", out_dir, NULL), CS_USAGE);
}

/* Missing, foreign or corrupt databases are I/O errors (exit 3), as for every
 * command that reads the store; only "no runs" is a usage error. */
Test(plot, foreign_or_missing_database_is_an_io_error)
{
    char other[400];
    snprintf(other, sizeof other, "%s/other.db", dir);
    sqlite3 *db;
    sqlite3_open(other, &db);
    exec_sql(db, "CREATE TABLE t(x)");
    sqlite3_close(db);
    cr_assert_eq(run_cmd(cmd_plot, "plot", other, "--out", out_dir, NULL), CS_IO);
    char text[400];
    snprintf(text, sizeof text, "%s/notes.txt", dir);
    FILE *f = fopen(text, "w");
    fputs("this is not a database, just some words to fill a page\n", f);
    for (int i = 0; i < 50; i++)
        fputs("more words more words more words more words\n", f);
    fclose(f);
    cr_assert_eq(run_cmd(cmd_plot, "plot", text, "--out", out_dir, NULL), CS_IO);
    char missing[400];
    snprintf(missing, sizeof missing, "%s/missing.db", dir);
    cr_assert_eq(run_cmd(cmd_plot, "plot", missing, "--out", out_dir, NULL), CS_IO);
    cr_assert_eq(access(missing, F_OK), -1, "a read-only open must not create the file");
}

Test(plot, bad_kind_or_format_is_a_usage_error)
{
    cr_assert_eq(run_cmd(cmd_plot, "plot", db_path, "--kind", "pie", NULL), CS_USAGE);
    cr_assert_eq(run_cmd(cmd_plot, "plot", db_path, "--format", "gif", NULL), CS_USAGE);
    cr_assert_eq(run_cmd(cmd_plot, "plot", db_path, "--node", "x", NULL), CS_USAGE);
    cr_assert_eq(run_cmd(cmd_plot, "plot", NULL), CS_USAGE);
    cr_assert_eq(run_cmd(cmd_plot, "plot", db_path, "--bogus", "1", NULL), CS_USAGE);
}

Test(plot, sweep_without_swept_parameter_is_a_usage_error)
{
    cr_assert_eq(run_cmd(cmd_plot, "plot", db_path, "1", "--kind", "sweep", "--out", out_dir, NULL),
                 CS_USAGE);
}

Test(plot, missing_gnuplot_is_an_io_error)
{
    setenv("CACHESTORM_GNUPLOT", "/nonexistent/gnuplot", 1);
    cr_assert_eq(run_cmd(cmd_plot, "plot", db_path, "--out", out_dir, NULL), CS_IO);
    setenv("CACHESTORM_GNUPLOT", "gnuplot", 1);
    setenv("PATH", "/nonexistent", 1);
    cr_assert_eq(run_cmd(cmd_plot, "plot", db_path, "--out", out_dir, NULL), CS_IO);
}

Test(plot, unwritable_out_dir_is_an_io_error)
{
    NEED_GNUPLOT();
    char file[400], bad[500];
    snprintf(file, sizeof file, "%s/afile", dir);
    FILE *f = fopen(file, "w");
    fclose(f);
    snprintf(bad, sizeof bad, "%s/sub", file);
    cr_assert_eq(run_cmd(cmd_plot, "plot", db_path, "--out", bad, NULL), CS_IO);
    cr_assert_eq(run_cmd(cmd_plot, "plot", db_path, "--out", file, NULL), CS_IO);
}

Test(plot, help_exits_zero)
{
    cr_assert_eq(run_cmd(cmd_plot, "plot", "--help", NULL), 0);
}

/* ---- the report ------------------------------------------------------------ */

TestSuite(report, .init = setup, .fini = teardown, .timeout = 120);

static const char *const void_tags[] = {"meta", "br", "hr", "img", "link", "input", "col", NULL};

/* Well-formedness: every start tag closed in order (XHTML-style), quotes
 * balanced, comments, <!DOCTYPE>, <?xml?> and CDATA skipped.  Returns NULL or
 * a message. */
static const char *check_tags(const char *s, char *msg, size_t size)
{
    char stack[256][32];
    int depth = 0;
    for (const char *p = s; (p = strchr(p, '<')) != NULL;) {
        if (!strncmp(p, "<!--", 4)) {
            const char *e = strstr(p, "-->");
            if (!e)
                return "unterminated comment";
            p = e + 3;
            continue;
        }
        if (!strncmp(p, "<![CDATA[", 9)) {
            const char *e = strstr(p, "]]>");
            if (!e)
                return "unterminated CDATA";
            p = e + 3;
            continue;
        }
        if (p[1] == '!' || p[1] == '?') {
            p = strchr(p, '>');
            if (!p)
                return "unterminated declaration";
            continue;
        }
        bool closing = p[1] == '/';
        const char *q = p + 1 + closing;
        char name[32];
        size_t n = 0;
        while (*q && (isalnum((unsigned char)*q) || *q == ':' || *q == '-') && n < 31)
            name[n++] = *q++;
        name[n] = 0;
        if (n == 0) {
            snprintf(msg, size, "stray '<' at offset %ld", (long)(p - s));
            return msg;
        }
        char quote = 0;
        for (; *q && (quote || *q != '>'); q++)
            if (quote && *q == quote)
                quote = 0;
            else if (!quote && (*q == '"' || *q == '\''))
                quote = *q;
        if (!*q)
            return "unterminated tag";
        bool self = q[-1] == '/';
        bool is_void = false;
        for (int i = 0; void_tags[i]; i++)
            is_void |= strcmp(void_tags[i], name) == 0;
        if (closing) {
            if (depth == 0 || strcmp(stack[depth - 1], name) != 0) {
                snprintf(msg, size, "</%s> closes <%s> at offset %ld", name,
                         depth ? stack[depth - 1] : "(nothing)", (long)(p - s));
                return msg;
            }
            depth--;
        } else if (!self && !is_void) {
            if (depth == 256)
                return "nesting too deep";
            snprintf(stack[depth++], 32, "%s", name);
        }
        p = q + 1;
    }
    if (depth) {
        snprintf(msg, size, "<%s> never closed", stack[depth - 1]);
        return msg;
    }
    return NULL;
}

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

Test(report, well_formed_html_with_one_svg_per_plot)
{
    NEED_GNUPLOT();
    char html[400];
    snprintf(html, sizeof html, "%s/report.html", dir);
    cr_assert_eq(run_cmd(cmd_report, "report", db_path, "--out", html, NULL), 0);
    char *s = slurp(html);
    cr_assert(!strncmp(s, "<!DOCTYPE html>", 15));
    char msg[200];
    const char *bad = check_tags(s, msg, sizeof msg);
    cr_assert_null(bad, "report is not well-formed: %s", bad ? bad : "");
    size_t figures = count(s, "<figure class=\"plot\"");
    cr_assert_gt(figures, 4, "timelines, nodes, cdf, sweep and compare");
    cr_assert_eq(count(s, "<svg") + count(s, "<img"), figures, "one picture per plot");
    cr_assert_eq(count(s, "<?xml"), 0, "SVG prologs are stripped");
    cr_assert(strstr(s, "http://") == NULL || strstr(s, "src=\"http") == NULL,
              "no external fetches");
    cr_assert(strstr(s, "<link") == NULL && strstr(s, "<script src") == NULL);
    cr_assert_eq(count(s, "<script"), 1, "one small inline script");
    cr_assert(strstr(s, "id=\"summary\"") && strstr(s, "id=\"exp-0\"") && strstr(s, "id=\"sc-0\""),
              "summary, experiment and scenario anchors");
    cr_assert(strstr(s, "hcl-outage") && strstr(s, "half_open") && strstr(s, "restart"));
    free(s);
}

Test(report, names_are_html_escaped)
{
    char evil_db[400], html[400];
    snprintf(evil_db, sizeof evil_db, "%s/evil.db", dir);
    make_db(evil_db, false);
    sqlite3 *db;
    sqlite3_open(evil_db, &db);
    add_run(db, 1, "<b>exp</b>", NULL, "a<script>alert(1)</script>&\"x\"", "done", 1, 10);
    add_transition(db, 1, 1, 0, "breaker", "closed", "open", "<fail> & 'quote'");
    add_metric(db, 1, -1, "requests.total", 10);
    sqlite3_close(db);
    snprintf(html, sizeof html, "%s/evil.html", dir);
    setenv("CACHESTORM_GNUPLOT", "/nonexistent", 1); /* tables only */
    int rc = run_cmd(cmd_report, "report", evil_db, "--out", html, NULL);
    cr_assert_eq(rc, CS_IO, "the page is written, but without gnuplot the status says so");
    char *s = slurp(html);
    cr_assert_null(strstr(s, "<script>alert"), "the name's script is escaped");
    cr_assert_eq(count(s, "<script"), 1, "only the page's own inline script");
    cr_assert_null(strstr(s, "<b>exp"));
    cr_assert(strstr(s, "a&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;x&quot;"));
    cr_assert(strstr(s, "&lt;fail&gt; &amp; &#39;quote&#39;"));
    cr_assert(strstr(s, "apt-get install gnuplot-nox"));
    char msg[200];
    const char *bad = check_tags(s, msg, sizeof msg);
    cr_assert_null(bad, "%s", bad ? bad : "");
    free(s);
}

/* The report is organised by scenario: two done seeds make one scenario
 * (mean ± CI over them), its expect: rules (from the stored effective
 * config) are judged over both seeds, and rows still running or abandoned
 * are never results, only listed under All runs. */
Test(report, scenarios_rules_and_orphaned_rows)
{
    char sdb[400], html[400];
    snprintf(sdb, sizeof sdb, "%s/scen.db", dir);
    make_db(sdb, false);
    sqlite3 *db;
    sqlite3_open(sdb, &db);
    static const char cfg[] = "schema: 1\nname: e\nmodel: queue\nduration: 10s\n"
                              "queue: {servers: 1, arrival: 100/s, service: {dist: exponential, "
                              "mean: 1ms}}\nexpect:\n  - requests.total > 5\n"
                              "  - requests.error == 0\n";
    for (int id = 1; id <= 4; id++) {
        add_run(db, id, "e", "a", "e", id <= 2 ? "done" : id == 3 ? "running" : "abandoned", id,
                10);
        sqlite3_stmt *st;
        sqlite3_prepare_v2(db, "UPDATE runs SET config_text=?1 WHERE id=?2", -1, &st, NULL);
        sqlite3_bind_text(st, 1, cfg, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, id);
        cr_assert_eq(sqlite3_step(st), SQLITE_DONE);
        sqlite3_finalize(st);
    }
    add_metric(db, 1, -1, "requests.total", 10);
    add_metric(db, 1, -1, "requests.error", 1); /* seed 1 fails rule 2 */
    add_metric(db, 2, -1, "requests.total", 20);
    add_metric(db, 2, -1, "requests.error", 0);
    add_metric(db, 3, -1, "requests.total", 99999); /* a running row: no result */
    sqlite3_close(db);
    snprintf(html, sizeof html, "%s/scen.html", dir);
    setenv("CACHESTORM_GNUPLOT", "/nonexistent", 1); /* tables only */
    cr_assert_eq(run_cmd(cmd_report, "report", sdb, "--out", html, NULL), CS_IO);
    char *s = slurp(html);
    cr_assert(strstr(s, "4 runs rows; 2 (scenario, seed) results in 1 scenario"), "%.300s",
              strstr(s, "Database"));
    cr_assert(strstr(s, "2 rows not done"));
    cr_assert_eq(count(s, "(not a result)"), 2, "the running and the abandoned row");
    cr_assert_null(strstr(s, "99,999"), "a running row's metrics are no result");
    cr_assert(strstr(s, "&#10007; 1/2"), "rule 2 fails on seed 1: 1 of 2 rules pass");
    cr_assert(strstr(s, "(1 of 2 fail)"));
    /* requests.total over seeds 10 and 20: mean 15, t(1) = 12.7062 * sd 7.0711 / sqrt 2 */
    char cell[64];
    snprintf(cell, sizeof cell, "15 <span class=\"ci\">&plusmn; 63.53</span>");
    cr_assert(strstr(s, cell), "mean ± CI of requests.total");
    cr_assert(strstr(s, "seed 1: 10, seed 2: 20"), "hover: each seed's value");
    char msg[200];
    const char *bad = check_tags(s, msg, sizeof msg);
    cr_assert_null(bad, "%s", bad ? bad : "");
    free(s);
}

Test(report, empty_database_is_a_usage_error)
{
    char empty[400], html[400];
    snprintf(empty, sizeof empty, "%s/empty.db", dir);
    snprintf(html, sizeof html, "%s/r.html", dir);
    make_db(empty, false);
    cr_assert_eq(run_cmd(cmd_report, "report", empty, "--out", html, NULL), CS_USAGE);
}

Test(report, unwritable_output_is_an_io_error)
{
    char html[400];
    snprintf(html, sizeof html, "%s/no/such/dir/r.html", dir);
    setenv("CACHESTORM_GNUPLOT", "/nonexistent", 1);
    cr_assert_eq(run_cmd(cmd_report, "report", db_path, "--out", html, NULL), CS_IO);
}

/* One palette: every plot kind loads plots/palette.gp and defines none of
 * its colours itself, so a component has one colour in every picture. */
Test(plot, every_script_takes_its_colours_from_the_palette)
{
    char *pal = slurp("plots/palette.gp");
    static const char *const kinds[] = {"timeline", "nodes", "cdf", "sweep", "compare"};
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        char path[64];
        snprintf(path, sizeof path, "plots/%s.gp", kinds[k]);
        char *gp = slurp(path);
        cr_assert(strstr(gp, "load palette") != NULL, "%s does not load the palette", path);
        for (const char *p = strstr(pal, "'#"); p; p = strstr(p + 1, "'#")) {
            char hex[9];
            memcpy(hex, p, 8);
            hex[8] = 0;
            cr_assert(strstr(gp, hex) == NULL, "%s sets the palette colour %s itself", path, hex);
        }
        free(gp);
    }
    free(pal);
}
