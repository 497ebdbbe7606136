/* test_hist.c — stored latency histograms (table `hist`, schema 3) and the
 * age of the oldest request in flight (series latency.oldest_inflight_ms):
 *   - a histogram written to the store and read back gives every quantile
 *     within the histogram's stated error (0.4 %) of the in-memory one;
 *   - a run's stored histogram agrees with its latency metrics;
 *   - a version-2 store gains the empty table when opened for writing;
 *   - merge carries the histograms of the runs it copies;
 *   - the cdf data file is the stored histogram's quantile function;
 *   - at the start of an outage the p99 of completed requests drops while
 *     the oldest request in flight rises second by second.
 */
#include <criterion/criterion.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/world/topology.h"
#include "sim/config/config.h"
#include "sim/core/stats.h"
#include "sim/report/export.h"
#include "sim/store/store.h"
#include "sim/store/store_schema.h"

static char dir[256];

static void setup(void)
{
    snprintf(dir, sizeof dir, "%s/cs-test-hist-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

TestSuite(hist_store, .init = setup, .fini = teardown, .timeout = 120);

static const char *tpath(const char *name)
{
    static char buf[4][400];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static int64_t q1(const char *db, const char *sql)
{
    sqlite3 *d;
    cr_assert_eq(sqlite3_open(db, &d), SQLITE_OK);
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(d, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(d));
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(d);
    return v;
}

static void exec_sql(const char *db, const char *sql)
{
    sqlite3 *d;
    cr_assert_eq(sqlite3_open(db, &d), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(d, sql, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(d));
    sqlite3_close(d);
}

/* A done run holding `rows`, with a consistent identity (merge checks it). */
static int64_t store_rows(const char *db, const char *name, const run_rows *rows)
{
    store *s;
    cs_err err = {0};
    cr_assert_eq(store_open(db, &s, &err), CS_OK, "%s", err.msg);
    char text[128], hash[17];
    snprintf(text, sizeof text, "schema: 1\nname: %s\n", name);
    store_text_hash(text, hash);
    run_info ri = {.name = name, .config_text = text, .config_hash = hash, .version = "test",
                   .seed = 1};
    int64_t id;
    cr_assert_eq(store_begin_run(s, &ri, &id, &err), CS_OK, "%s", err.msg);
    cr_assert_eq(store_finish_run(s, id, rows, 1, 1, 0, &err), CS_OK, "%s", err.msg);
    store_close(s);
    return id;
}

/* Lognormal latencies around 5 ms with a tail, plus some exact zeros (an L1
 * hit costs no simulated time). */
static void fill(hist *h, size_t n, unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    hist_reset(h);
    for (size_t i = 0; i < n; i++)
        hist_add(h, i % 10 == 0 ? 0 : (sim_ns)(gsl_ran_lognormal(r, log(5e6), 1.2)));
    gsl_rng_free(r);
}

static const double QS[] = {0, 0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999, 1};

Test(hist_store, stored_buckets_give_every_quantile_within_0_4_percent_of_the_in_memory_one)
{
    hist *h = calloc(1, sizeof *h), *back = calloc(1, sizeof *back);
    fill(h, 200000, 7);
    run_rows rows = {0};
    hist_to_rows(h, -1, "latency", &rows);
    hist_to_rows(h, 2, "latency", &rows);
    const char *db = tpath("rt.db");
    int64_t id = store_rows(db, "rt", &rows);
    cr_expect_eq(q1(db, "SELECT count(*) FROM hist WHERE count = 0"), 0, "sparse: no empty bucket");
    cr_expect_eq(q1(db, "SELECT sum(count) FROM hist WHERE node IS NULL"), 200000);
    cr_expect_lt(q1(db, "SELECT count(*) FROM hist WHERE node IS NULL"), 2000,
                 "only the non-empty buckets of %d", HIST_BUCKETS);
    store *s;
    cs_err err = {0};
    cr_assert_eq(store_open_readonly(db, &s, &err), CS_OK, "%s", err.msg);
    for (int node = -1; node <= 2; node += 3) {
        bool found = false;
        cr_assert_eq(store_read_hist(s, id, node, "latency", back, &found, &err), CS_OK, "%s",
                     err.msg);
        cr_assert(found);
        cr_expect_eq(back->count, h->count);
        for (size_t k = 0; k < sizeof QS / sizeof *QS; k++) {
            double a = hist_quantile(h, QS[k]), b = hist_quantile(back, QS[k]);
            cr_expect_leq(fabs(a - b), 0.004 * a + 1e-9, "q=%g: in memory %.0f ns, stored %.0f ns",
                          QS[k], a, b);
        }
    }
    bool found = true;
    cr_assert_eq(store_read_hist(s, id, 1, "latency", back, &found, &err), CS_OK);
    cr_expect(!found, "node 1 stored nothing");
    store_close(s);
    /* a row that is not a bucket of the layout is refused, naming it */
    exec_sql(db, "INSERT INTO hist VALUES(1, 5, 'latency', 1000, 1003, 4)");
    cr_assert_eq(store_open_readonly(db, &s, &err), CS_OK, "%s", err.msg);
    cr_expect_eq(store_read_hist(s, id, 5, "latency", back, &found, &err), CS_IO);
    cr_expect(strstr(err.msg, "[1000, 1003)"), "%s", err.msg);
    store_close(s);
    rows_free(&rows);
    free(h);
    free(back);
}

static const char *const OUTAGE_CFG =
    "schema: 1\nname: hist-outage\nduration: 60s\nwarmup: 5s\n"
    "nodes: {count: 2}\n"
    "workload: {kind: open, rate: 100/s, keys: {count: 2000}, timeout: 10s}\n"
    "cache: {mode: read_through, duration: 30m}\n"
    "l2: {client: {kind: pool, connections: 8, timeout: 3000ms,\n"
    "     retries: {attempts: 3, interval: 1500ms, backoff: constant}}}\n"
    "database: {pool: 50, service: {dist: lognormal, median: 20ms, p99: 200ms}}\n"
    "faults:\n  - {at: 30s, target: redis, kind: blackhole, for: 20s}\n";

static void run_outage(run_rows *rows)
{
    config c;
    cs_err err = {0};
    cr_assert_eq(config_load_string(OUTAGE_CFG, "hist-test", NULL, 0, &c, &err), 0, "%s", err.msg);
    sim_ns end;
    uint64_t ev;
    cr_assert_eq(topology_run(&c, 3, NULL, rows, &end, &ev, &err), 0, "%s", err.msg);
    config_free(&c);
}

static double series_at(const run_rows *r, const char *name, int node, double t)
{
    for (size_t i = 0; i < r->series.n; i++)
        if (r->series.v[i].node == node && r->series.v[i].t_s == t &&
            strcmp(r->series.v[i].name, name) == 0)
            return r->series.v[i].value;
    cr_assert_fail("no %s at %g s", name, t);
    return NAN;
}

Test(hist_store, at_an_outage_start_the_oldest_request_in_flight_rises_while_p99_drops)
{
    run_rows r = {0};
    run_outage(&r);
    /* before the fault, nothing waits long */
    for (double t = 10; t < 30; t++)
        cr_expect_lt(series_at(&r, "latency.oldest_inflight_ms", -1, t), 1000, "t=%g", t);
    /* in the fault's first seconds only L1 hits complete: the p99 of what
     * completed is low, yet the oldest request has waited since 30 s */
    double prev = 0;
    for (double t = 30; t < 36; t++) {
        double old = series_at(&r, "latency.oldest_inflight_ms", -1, t);
        double p99 = series_at(&r, "latency.p99_ms", -1, t);
        cr_expect_geq(old, 1000 * (t + 1 - 30) - 200, "t=%g: oldest %.1f ms", t, old);
        cr_expect_gt(old, prev, "t=%g: still rising", t);
        if (t >= 31)
            cr_expect_gt(old, 2 * (isnan(p99) ? 0 : p99), "t=%g: oldest %.1f ms vs p99 %.1f ms", t,
                         old, p99);
        prev = old;
    }
    /* per node too, and the run's value is the worst node's */
    for (double t = 30; t < 36; t++) {
        double a = series_at(&r, "latency.oldest_inflight_ms", 0, t);
        double b = series_at(&r, "latency.oldest_inflight_ms", 1, t);
        cr_expect_eq(series_at(&r, "latency.oldest_inflight_ms", -1, t), fmax(a, b));
    }
    rows_free(&r);
}

Test(hist_store, a_runs_stored_histogram_agrees_with_its_latency_metrics)
{
    run_rows r = {0};
    run_outage(&r);
    const char *db = tpath("run.db");
    int64_t id = store_rows(db, "hist-outage", &r);
    store *s;
    cs_err err = {0};
    cr_assert_eq(store_open_readonly(db, &s, &err), CS_OK, "%s", err.msg);
    hist *h = calloc(1, sizeof *h);
    static const struct { const char *name; double q; } M[] = {
        {"latency.p50_ms", 0.5}, {"latency.p99_ms", 0.99}, {"latency.p999_ms", 0.999}};
    for (int node = -1; node < 2; node++) {
        bool found;
        cr_assert_eq(store_read_hist(s, id, node, "latency", h, &found, &err), CS_OK, "%s", err.msg);
        cr_assert(found, "node %d", node);
        for (size_t k = 0; k < 3; k++) {
            double m = rows_get_metric(&r, node, M[k].name), q = hist_quantile(h, M[k].q) / 1e6;
            cr_expect_leq(fabs(m - q), 0.004 * m + 1e-9, "node %d %s: metric %g, stored %g",
                          node, M[k].name, m, q);
        }
    }
    free(h);
    store_close(s);
    rows_free(&r);
}

Test(hist_store, a_version_2_store_gains_the_table_when_written_and_reads_as_none_before)
{
    const char *db = tpath("v2.db");
    run_rows rows = {0};
    rows_metric(&rows, -1, "requests.total", 5);
    int64_t id = store_rows(db, "old", &rows);
    exec_sql(db, "DROP TABLE hist; PRAGMA user_version = 2;");
    store *s;
    cs_err err = {0};
    cr_assert_eq(store_open_readonly(db, &s, &err), CS_OK, "a reader takes version 2: %s", err.msg);
    cr_expect(!store_has_hist(s));
    hist *h = calloc(1, sizeof *h);
    bool found = true;
    cr_expect_eq(store_read_hist(s, id, -1, "latency", h, &found, &err), CS_OK, "%s", err.msg);
    cr_expect(!found);
    store_close(s);
    cr_expect_eq(q1(db, "PRAGMA user_version"), 2, "reading changed nothing");
    cr_assert_eq(store_open(db, &s, &err), CS_OK, "%s", err.msg);
    cr_expect(store_has_hist(s));
    store_close(s);
    cr_expect_eq(q1(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    cr_expect_eq(q1(db, "SELECT count(*) FROM hist"), 0);
    cr_expect_eq(q1(db, "SELECT value FROM metrics"), 5, "the runs are kept");
    free(h);
    rows_free(&rows);
}

Test(hist_store, merge_carries_the_histograms_of_the_runs_it_copies)
{
    hist *h = calloc(1, sizeof *h), *back = calloc(1, sizeof *back);
    fill(h, 50000, 11);
    run_rows rows = {0};
    hist_to_rows(h, -1, "latency", &rows);
    const char *a = tpath("a.db"), *b = tpath("b.db"), *out = tpath("out.db");
    store_rows(a, "shard-a", &rows);
    store_rows(b, "shard-b", &rows);
    int64_t rows_a = q1(a, "SELECT count(*) FROM hist");
    cr_assert_gt(rows_a, 100);
    store *s;
    cs_err err = {0};
    cr_assert_eq(store_open(out, &s, &err), CS_OK, "%s", err.msg);
    store_merge_opts o = {.version = "test"};
    store_merge_report rep;
    cr_assert_eq(store_merge(s, a, &o, &rep, &err), CS_OK, "%s", err.msg);
    cr_assert_eq(store_merge(s, b, &o, &rep, &err), CS_OK, "%s", err.msg);
    cr_assert_eq(store_merge(s, b, &o, &rep, &err), CS_OK, "%s", err.msg);
    cr_expect_eq(rep.skipped, 1, "merged once");
    cr_expect_eq(q1(out, "SELECT count(*) FROM hist"), 2 * rows_a);
    int64_t id_b = q1(out, "SELECT id FROM runs WHERE name = 'shard-b'");
    bool found;
    cr_assert_eq(store_read_hist(s, id_b, -1, "latency", back, &found, &err), CS_OK, "%s", err.msg);
    cr_assert(found);
    cr_expect_eq(back->count, h->count);
    for (size_t k = 0; k < sizeof QS / sizeof *QS; k++)
        cr_expect_leq(fabs(hist_quantile(h, QS[k]) - hist_quantile(back, QS[k])),
                      0.004 * hist_quantile(h, QS[k]) + 1e-9, "q=%g", QS[k]);
    /* a version-2 shard (no hist table) merges with --old-schema, without histograms */
    const char *old = tpath("old.db");
    store_rows(old, "shard-old", &rows);
    exec_sql(old, "DROP TABLE hist; PRAGMA user_version = 2;");
    store_merge_opts o2 = {.version = "test", .old_schema = true};
    cr_assert_eq(store_merge(s, old, &o2, &rep, &err), CS_OK, "%s", err.msg);
    cr_expect_eq(rep.merged, 1);
    cr_expect_eq(q1(out, "SELECT count(*) FROM hist"), 2 * rows_a);
    /* prune deletes a run's histogram with it */
    exec_sql(out, "UPDATE runs SET status = 'failed' WHERE name = 'shard-a'");
    store_prune_opts po = {.failed = true, .lease_s = -1};
    store_counts removed;
    size_t still;
    cr_assert_eq(store_prune(s, &po, &removed, &still, &err), CS_OK, "%s", err.msg);
    cr_expect_eq(q1(out, "SELECT count(*) FROM hist"), rows_a);
    store_close(s);
    rows_free(&rows);
    free(h);
    free(back);
}

/* The rank-based quantile of the stored buckets, computed from the rows
 * themselves (not through store_read_hist): the midpoint of the bucket
 * holding the ceil(q * count)-th request. */
static double sql_quantile_ms(const char *db, int64_t run, double q)
{
    char sql[600];
    snprintf(sql, sizeof sql, "SELECT sum(count) FROM hist WHERE run_id = %lld AND node IS NULL",
             (long long)run);
    int64_t n = q1(db, sql);
    int64_t rank = (int64_t)ceil(q * (double)n);
    if (rank < 1)
        rank = 1;
    snprintf(sql, sizeof sql,
             "WITH c AS (SELECT lo_ns, hi_ns, sum(count) OVER (ORDER BY lo_ns) AS cum FROM hist "
             "WHERE run_id = %lld AND node IS NULL) "
             "SELECT CASE WHEN hi_ns - lo_ns = 1 THEN 2 * lo_ns ELSE lo_ns + hi_ns END "
             "FROM c WHERE cum >= %lld ORDER BY lo_ns LIMIT 1",
             (long long)run, (long long)rank);
    return (double)q1(db, sql) / 2e6; /* twice the midpoint, in ns: to ms */
}

Test(hist_store, the_cdf_data_file_is_the_stored_histograms_quantile_function)
{
    hist *h = calloc(1, sizeof *h);
    fill(h, 100000, 5);
    run_rows rows = {0};
    hist_to_rows(h, -1, "latency", &rows);
    const char *db = tpath("cdf.db");
    int64_t id = store_rows(db, "cdf", &rows);
    ex_store st;
    cs_err err = {0};
    cr_assert_eq(ex_open(&st, db, &err), CS_OK, "%s", err.msg);
    const ex_run *runs[] = {ex_find(&st, id)};
    size_t scen[1];
    cr_assert_eq(ex_scenarios(&st, runs, 1, scen), 1);
    const char *labels[] = {"cdf"};
    ex_cdf_curve cv[1];
    const char *data = tpath("c.dat"), *band = tpath("b.dat"), *mark = tpath("m.dat");
    cr_assert_eq(ex_cdf_write(&st, runs, 1, scen, 1, labels, data, band, mark, cv, &err), CS_OK,
                 "%s", err.msg);
    cr_expect_eq(cv[0].block, 0);
    cr_expect_eq(cv[0].band, -1, "one seed: no band");
    cr_expect_eq(cv[0].with_hist, 1);
    FILE *f = fopen(data, "r");
    char line[512];
    size_t points = 0;
    double last_nines = -1;
    while (fgets(line, sizeof line, f)) {
        double ms, q, nines;
        if (line[0] == '#' || line[0] == '"' || sscanf(line, "%lf %lf %lf", &ms, &q, &nines) != 3)
            continue;
        cr_expect_gt(nines, last_nines, "ascending");
        last_nines = nines;
        double want = q <= 0 ? (double)h->min / 1e6 : sql_quantile_ms(db, id, q);
        cr_expect_leq(fabs(ms - want), 0.004 * want + 1e-9, "q=%.6f: file %.6f ms, rows %.6f ms",
                      q, ms, want);
        points++;
    }
    fclose(f);
    cr_expect_geq(points, 5 / EX_CDF_STEP, "0 to 5 nines at %g steps", EX_CDF_STEP);
    cr_expect_float_eq(last_nines, 5, 1e-9, "ends at log10(100000 requests)");
    /* the marks are the curve's p50, p99, p99.9 */
    cr_expect_leq(fabs(cv[0].mark_ms[1] - sql_quantile_ms(db, id, 0.99)),
                  0.004 * cv[0].mark_ms[1]);
    ex_close(&st);
    rows_free(&rows);
    free(h);
}

Test(hist_store, replications_of_a_scenario_form_one_curve_with_a_band)
{
    const char *db = tpath("reps.db");
    hist *h = calloc(1, sizeof *h);
    run_rows rows[3];
    memset(rows, 0, sizeof rows);
    int64_t ids[3];
    for (int k = 0; k < 3; k++) {
        fill(h, 20000, 100 + (unsigned long)k);
        hist_to_rows(h, -1, "latency", &rows[k]);
        rows_param(&rows[k], "seed", k ? "2" : "1");
        rows_param(&rows[k], "workload.rate", k == 2 ? "50/s" : "20/s");
        ids[k] = store_rows(db, "rep", &rows[k]);
    }
    ex_store st;
    cs_err err = {0};
    cr_assert_eq(ex_open(&st, db, &err), CS_OK, "%s", err.msg);
    const ex_run *runs[3] = {ex_find(&st, ids[0]), ex_find(&st, ids[1]), ex_find(&st, ids[2])};
    size_t scen[3];
    cr_assert_eq(ex_scenarios(&st, runs, 3, scen), 2, "another rate is another scenario");
    cr_expect(scen[0] == 0 && scen[1] == 0 && scen[2] == 1);
    const char *labels[] = {"two seeds", "one seed"};
    ex_cdf_curve cv[2];
    cr_assert_eq(ex_cdf_write(&st, runs, 3, scen, 2, labels, tpath("r.dat"), tpath("rb.dat"),
                              tpath("rm.dat"), cv, &err),
                 CS_OK, "%s", err.msg);
    cr_expect_eq(cv[0].runs, 2);
    cr_expect_eq(cv[0].band, 0);
    cr_expect_eq(cv[1].band, -1);
    /* each point is the mean of the two seeds' quantiles, inside its band */
    hist *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    fill(a, 20000, 100);
    fill(b, 20000, 101);
    FILE *f = fopen(tpath("r.dat"), "r");
    char line[512];
    size_t points = 0;
    while (fgets(line, sizeof line, f) && line[0] != '\n') {
        double ms, q, nines, lo, hi;
        if (sscanf(line, "%lf %lf %lf %lf %lf", &ms, &q, &nines, &lo, &hi) != 5)
            continue;
        double want = (hist_quantile(a, q) + hist_quantile(b, q)) / 2e6;
        cr_expect_leq(fabs(ms - want), 0.004 * want + 1e-12, "q=%g: %g vs %g", q, ms, want);
        if (!isnan(lo))
            cr_expect(lo <= ms && ms <= hi, "q=%g: %g in [%g, %g]", q, ms, lo, hi);
        points++;
    }
    fclose(f);
    cr_expect_gt(points, 100);
    ex_close(&st);
    for (int k = 0; k < 3; k++)
        rows_free(&rows[k]);
    free(h), free(a), free(b);
}

Test(hist_store, load_peaks_are_the_profile_steps_above_the_base_rate)
{
    run_rows rows = {0};
    static const char *const p[][2] = {
        {"workload.kind", "open"},
        {"workload.rate", "20/s"},
        {"workload.profile[0].at", "3s"},      {"workload.profile[0].kind", "step"},
        {"workload.profile[0].rate", "0/s"},   {"workload.profile[0].for", "0s"},
        {"workload.profile[1].at", "5s"},      {"workload.profile[1].kind", "spike"},
        {"workload.profile[1].rate", "5000/s"}, {"workload.profile[1].for", "200ms"},
        {"workload.profile[2].at", "8s"},      {"workload.profile[2].kind", "step"},
        {"workload.profile[2].rate", "50/s"},  {"workload.profile[2].for", "0s"},
        {"workload.profile[3].at", "11s"},     {"workload.profile[3].kind", "step"},
        {"workload.profile[3].rate", "20/s"},  {"workload.profile[3].for", "0s"},
    };
    for (size_t i = 0; i < sizeof p / sizeof *p; i++)
        rows_param(&rows, p[i][0], p[i][1]);
    const char *db = tpath("load.db");
    int64_t id = store_rows(db, "load", &rows);
    ex_store st;
    cs_err err = {0};
    cr_assert_eq(ex_open(&st, db, &err), CS_OK, "%s", err.msg);
    size_t n = 0;
    cr_assert_eq(ex_load_write(&st, ex_find(&st, id), 12, tpath("l.dat"), &n, &err), CS_OK, "%s",
                 err.msg);
    cr_assert_eq(n, 2, "the spike and the 50/s step; not the step to 0/s or back to the base");
    FILE *f = fopen(tpath("l.dat"), "r");
    char line[300], label[2][200];
    double a[2], b[2];
    int row, k = 0;
    while (fgets(line, sizeof line, f) && k < 2)
        if (line[0] != '#' && sscanf(line, "%lf %lf %d \"%199[^\"]\"", &a[k], &b[k], &row, label[k]) == 4)
            k++;
    fclose(f);
    cr_assert_eq(k, 2);
    cr_expect(a[0] == 5 && fabs(b[0] - 5.2) < 1e-12, "[%g, %g)", a[0], b[0]);
    cr_expect_str_eq(label[0], "load spike: 5000/s per node for 200ms");
    cr_expect(a[1] == 8 && b[1] == 11, "a step lasts until the next one: [%g, %g)", a[1], b[1]);
    cr_expect_str_eq(label[1], "load step: 50/s per node (base 20/s)");
    ex_close(&st);
    rows_free(&rows);
}
