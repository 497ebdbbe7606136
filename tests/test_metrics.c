/* test_metrics.c — the metric table (sim/core/metrics.def) is the one list
 * of metric names: every name a run stores is in it, every metric in it is
 * stored by some run, every counter or gauge a model declares is in it, and
 * its entries are well formed. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "sim/config/config.h"
#include "sim/core/metrics.h"
#include "sim/core/stats.h"
#include "sim/report/export.h"
#include "sim/run/runner.h"

Test(metrics, the_table_is_well_formed)
{
    for (int i = 0; i < MET_N; i++) {
        const metric_info *m = &metric_table[i];
        cr_assert_not_null(m->name, "entry %d has no name", i);
        cr_assert(m->meaning && strlen(m->meaning) > 10, "%s: no meaning", m->name);
        for (int j = 0; j < i; j++)
            cr_assert_str_neq(m->name, metric_table[j].name, "%s listed twice", m->name);
        if (i < MET_N_METRICS) {
            cr_assert_neq(m->kind, MK_GAUGE, "%s: a stored metric is not a bare gauge", m->name);
            cr_assert_eq(m->kind == MK_PEAK, m->from != NULL, "%s: a PEAK names its gauge",
                         m->name);
        } else {
            cr_assert(m->kind == MK_COUNTER || m->kind == MK_GAUGE, "%s", m->name);
            cr_assert_null(metric_lookup(m->name), "internal stat %s is not a stored metric",
                           m->name);
        }
        if (m->kind == MK_PEAK) {
            bool gauge = false;
            cr_assert_geq(metric_stat_id(m->from, &gauge), 0, "%s: gauge %s not in the table",
                          m->name, m->from);
            cr_assert(gauge, "%s: %s is not a gauge", m->name, m->from);
        }
    }
    for (int i = 0; i < SER_N; i++)
        cr_assert(series_table[i].meaning && *series_table[i].meaning);
    cr_assert_eq(metric_direction("latency.p99_ms"), MB_LOWER);
    cr_assert_eq(metric_direction("requests.ok"), MB_HIGHER);
    cr_assert_eq(metric_direction("db.rps_before"), MB_NEITHER, "a baseline is neither");
    cr_assert_eq(metric_direction("no.such.metric"), MB_NEITHER);
    cr_assert_lt(metric_rank("requests.total"), metric_rank("recovery_s"));
    cr_assert_eq(metric_rank("no.such.metric"), MET_N_METRICS);
}

/* Runs covering every model path: faults, breakers, backplane, locks, the
 * fallback, the validation queue.  Each at its own length (a few seconds). */
static const char *const COVER[] = {"configs/default.yaml",    "configs/hcl-breaker.yaml",
                                    "configs/redis-restart.yaml", "configs/stampede.yaml",
                                    "configs/backplane-storm.yaml", "configs/mm1.yaml"};

Test(metrics, every_stored_name_is_in_the_table_and_every_metric_is_stored, .timeout = 300)
{
    bool seen[MET_N_METRICS] = {0};
    bool seen_series[SER_N] = {0};
    for (size_t k = 0; k < sizeof COVER / sizeof *COVER; k++) {
        config c;
        cs_err err = {0};
        cr_assert_eq(config_load(COVER[k], NULL, 0, &c, &err), 0, "%s", err.msg);
        run_rows r = {0};
        sim_ns end;
        uint64_t ev;
        cr_assert_eq(runner_simulate(&c, NULL, &r, &end, &ev, &err), 0, "%s: %s", COVER[k],
                     err.msg);
        for (size_t i = 0; i < r.metrics.n; i++) {
            const metric_row *m = &r.metrics.v[i];
            const metric_info *mi = metric_lookup(m->name);
            cr_assert_not_null(mi, "%s stored metric \"%s\", which is not in sim/core/metrics.def",
                               COVER[k], m->name);
            cr_assert(m->node < 0 || mi->scope == MS_BOTH, "%s: %s is run-only but stored for node %d",
                      COVER[k], m->name, m->node);
            seen[mi - metric_table] = true;
        }
        for (size_t i = 0; i < r.series.n; i++) {
            const series_info *si = series_lookup(r.series.v[i].name);
            cr_assert_not_null(si, "%s stored series \"%s\", which is not in the table", COVER[k],
                               r.series.v[i].name);
            seen_series[si - series_table] = true;
        }
        rows_free(&r);
        config_free(&c);
    }
    for (int i = 0; i < MET_N_METRICS; i++)
        cr_expect(seen[i], "metric %s is in the table but no run stored it", metric_table[i].name);
    for (int i = 0; i < SER_N; i++)
        cr_expect(seen_series[i], "series %s is in the table but no run stored it",
                  series_table[i].name);
}

/* Every stats_counter("...") / stats_gauge("...") literal in models/ and
 * sim/ names a counter or gauge of the table (the runtime refuses others;
 * this finds one on a path no test run takes). */
static int scan_dir(const char *dir, int *found)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "%s: run from the repo root", dir);
    int bad = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 3 || strcmp(e->d_name + n - 2, ".c") != 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "r");
        cr_assert_not_null(f);
        char line[4096];
        int ln = 0;
        while (fgets(line, sizeof line, f)) {
            ln++;
            for (const char *p = line; (p = strstr(p, "stats_")) != NULL; p++) {
                bool want_gauge;
                if (strncmp(p, "stats_counter(", 14) == 0)
                    want_gauge = false;
                else if (strncmp(p, "stats_gauge(", 12) == 0)
                    want_gauge = true;
                else
                    continue;
                const char *q = strchr(p, '"');
                const char *close = strchr(p, ')');
                if (!q || (close && close < q))
                    continue; /* declared through a variable */
                char name[128];
                size_t len = strcspn(q + 1, "\"");
                if (len >= sizeof name)
                    len = sizeof name - 1;
                memcpy(name, q + 1, len);
                name[len] = '\0';
                (*found)++;
                bool gauge = false;
                int id = metric_stat_id(name, &gauge);
                if (id < 0 || gauge != want_gauge) {
                    cr_log_error("%s:%d: %s \"%s\" is not in sim/core/metrics.def", path, ln,
                                 want_gauge ? "gauge" : "counter", name);
                    bad++;
                }
            }
        }
        fclose(f);
    }
    closedir(d);
    return bad;
}

Test(metrics, every_declared_counter_and_gauge_is_in_the_table)
{
    int found = 0, bad = 0;
    const char *dirs[] = {"models", "models/world", "sim/core", "sim/run"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++)
        bad += scan_dir(dirs[i], &found);
    cr_assert_eq(bad, 0, "%d declarations outside the table", bad);
    cr_assert_geq(found, 40, "found only %d declarations: scanning the wrong place?", found);
}

/* `cachestorm explain METRIC` prints the table's unit, direction and meaning;
 * an unknown name is exit 2 with a did-you-mean. */
static int run_capture(const char *args, char *out, size_t cap)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s/cachestorm %s 2>&1", CS_BUILD_DIR, args);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(metrics, explain_prints_unit_direction_and_meaning)
{
    static char out[1 << 16];
    cr_assert_eq(run_capture("explain l2.timeout", out, sizeof out), 0, "%s", out);
    cr_expect(strstr(out, "unit:    count"), "%s", out);
    cr_expect(strstr(out, "better:  lower"), "%s", out);
    cr_expect(strstr(out, metric_lookup("l2.timeout")->meaning), "%s", out);
    cr_assert_eq(run_capture("explain l2.timout", out, sizeof out), 2, "%s", out);
    cr_expect(strstr(out, "did you mean 'l2.timeout'"), "%s", out);
    cr_assert_eq(run_capture("metrics --format tsv", out, sizeof out), 0);
    int lines = 0;
    for (const char *c = out; *c; c++)
        lines += *c == '\n';
    cr_expect_eq(lines, 1 + MET_N_METRICS + SER_N, "one line per metric and series");
}

/* One confidence interval in the project: expect/compare/tune (stats_mean_ci)
 * and the plots' data (ex_stat_of) agree, also past 30 degrees of freedom
 * (where a hand t-table used to switch to 1.96). */
Test(metrics, one_confidence_interval_for_rules_and_plots)
{
    double x[40];
    for (int i = 0; i < 40; i++)
        x[i] = 100 + (i * 37 % 11) - 5;
    for (size_t n = 2; n <= 40; n += 19) {
        double m, half;
        stats_mean_ci(x, n, &m, NULL, &half, NULL);
        ex_stat e = ex_stat_of(x, n);
        cr_assert_float_eq(e.mean, m, 1e-12);
        cr_assert_float_eq(e.half, half, 1e-12, "n=%zu: %g vs %g", n, e.half, half);
    }
}
