/* test_export.c — output for scripts and CI (issue 12): `compare --format
 * junit` (one testcase per metric verdict, WORSE a failure) parses as JUnit
 * and counts what the tsv counts; `compare` and `show` write RFC 4180 CSV
 * at full precision; `show --series` exports the stored time series as csv
 * and json, value for value; `show --transitions --component C` filters. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/store/store.h"

static char dir[64];
static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/cs-test-export-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}
static void rm_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

/* A shell command in dir; stdout and stderr into out. */
static int sh(const char *cmd, char *out, size_t cap)
{
    char full[4096], cwd[512];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    snprintf(full, sizeof full, "cd %s && CS=%s/%s/cachestorm; CFG=%s/configs; ( %s ) 2>&1", dir, cwd,
             CS_BUILD_DIR, cwd, cmd);
    FILE *p = popen(full, "r");
    cr_assert_not_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs of scenario `name` (variant v) with seeds 1..n: requests.error and
 * latency.mean_ms as given. */
static void add_runs(const char *db, const char *variant, const char *name, int n,
                     const double *errors, const double *lat)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, db);
    store *s;
    cs_err err = {0};
    cr_assert_eq(store_open(path, &s, &err), 0, "%s", err.msg);
    for (int i = 0; i < n; i++) {
        run_info ri = {.experiment = "exp", .variant = variant, .name = name,
                       .seed = (uint64_t)(1 + i)};
        int64_t id;
        cr_assert_eq(store_begin_run(s, &ri, &id, &err), 0, "%s", err.msg);
        run_rows r = {0};
        char seed[16];
        snprintf(seed, sizeof seed, "%d", 1 + i);
        rows_param(&r, "seed", seed);
        rows_metric(&r, -1, "requests.error", errors[i]);
        rows_metric(&r, -1, "latency.mean_ms", lat[i]);
        cr_assert_eq(store_finish_run(s, id, &r, SEC(1), 1, 0.1, &err), 0, "%s", err.msg);
        rows_free(&r);
    }
    store_close(s);
}

/* Two scenarios: in one the errors rise 50 % (WORSE), latency the same;
 * in the other nothing changes.  The scenario name holds a comma and a
 * quote, so CSV must quote it. */
static void two_sides(void)
{
    static const double e0[] = {100, 104, 98, 102}, e1[] = {150, 155, 149, 152};
    static const double l0[] = {10.125, 10.5, 9.875, 10.25};
    add_runs("b.db", NULL, "exp a=1, b=\"x\"", 4, e0, l0);
    add_runs("c.db", NULL, "exp a=1, b=\"x\"", 4, e1, l0);
    add_runs("b.db", NULL, "exp a=2", 4, e0, l0);
    add_runs("c.db", NULL, "exp a=2", 4, e0, l0);
}

Test(export, compare_junit_has_one_testcase_per_verdict_and_worse_fails, .init = make_dir,
     .fini = rm_dir)
{
    two_sides();
    static char out[1 << 16];
    cr_assert_eq(sh("$CS compare --baseline b.db --candidate c.db --format junit >c.xml", out,
                    sizeof out),
                 1, "WORSE exits 1 in junit too: %s", out);
    cr_expect(strstr(out, "compare: WORSE: 1 metric worse"), "the verdict line on stderr: %s",
              out);
    /* the tsv's verdicts, counted */
    cr_assert_eq(sh("$CS compare --baseline b.db --candidate c.db --format tsv | tail -n +2 | "
                    "awk -F'\\t' '{n++; if ($14 == \"worse\") w++} END {print \"rows\", n, "
                    "\"worse\", w+0}'",
                    out, sizeof out),
                 0, "%s", out);
    cr_expect(strstr(out, "rows 4 worse 1"), "%s", out);
    cr_assert_eq(
        sh("python3 -c \"import xml.etree.ElementTree as E; r = E.parse('c.xml').getroot(); "
           "assert r.tag == 'testsuites'; s = r.findall('testsuite'); "
           "c = [t for x in s for t in x.findall('testcase')]; "
           "f = [t for t in c if t.find('failure') is not None]; "
           "assert all(int(x.get('tests')) == len(x.findall('testcase')) for x in s); "
           "assert sum(int(x.get('failures')) for x in s) == len(f); "
           "print('suites', len(s), 'cases', len(c), 'failures', len(f), "
           "'worse', [t.get('name') for t in f], [t.get('classname') for t in f])\"",
           out, sizeof out),
        0, "python3 could not parse it: %s", out);
    cr_expect(strstr(out, "suites 2 cases 4 failures 1 worse ['requests.error']"), "%s", out);
    cr_expect(strstr(out, "b=\"x\""), "the scenario name survives XML escaping: %s", out);
}

Test(export, compare_csv_is_rfc4180_with_full_precision, .init = make_dir, .fini = rm_dir)
{
    two_sides();
    static char out[1 << 16];
    cr_assert_eq(sh("$CS compare --baseline b.db --candidate c.db --format csv >c.csv", out,
                    sizeof out),
                 1, "%s", out);
    cr_assert_eq(sh("python3 -c \"import csv; rows = list(csv.DictReader(open('c.csv', "
                    "newline=''))); "
                    "print('rows', len(rows)); "
                    "w = [r for r in rows if r['verdict'] == 'worse']; "
                    "print('worse', w[0]['scenario'], w[0]['metric']); "
                    "l = [r for r in rows if r['metric'] == 'latency.mean_ms'][0]; "
                    "print('mean', repr(float(l['baseline_mean'])))\"",
                    out, sizeof out),
                 0, "%s", out);
    cr_expect(strstr(out, "rows 4\n"), "%s", out);
    cr_expect(strstr(out, "worse exp a=1, b=\"x\" requests.error"), "%s", out);
    cr_expect(strstr(out, "mean 10.1875\n"), "the exact mean (10.125+10.5+9.875+10.25)/4: %s",
              out);
    cr_assert_eq(sh("echo lines $(wc -l < c.csv) crlf $(tr -cd '\\r' < c.csv | wc -c)", out, sizeof out),
                 0);
    cr_expect(strstr(out, "lines 5 crlf 5"), "records end with CRLF: %s", out);
}

/* One cache-world run: show's csv, its series export (csv and json) equal
 * the stored rows value for value, and transitions filter by component. */
Test(export, show_csv_series_and_component_filter, .init = make_dir, .fini = rm_dir,
     .timeout = 120)
{
    static char out[1 << 16];
    cr_assert_eq(sh("$CS run $CFG/default.yaml --db s.db --quiet --set duration=150s", out,
                    sizeof out),
                 0, "%s", out);
    /* show --format csv: one row per run, a column per metric, exact values */
    cr_assert_eq(
        sh("$CS show s.db --format csv > s.csv && python3 -c \"import csv, sqlite3; "
           "r = list(csv.DictReader(open('s.csv', newline=''))); "
           "db = sqlite3.connect('s.db'); "
           "m = dict(db.execute('SELECT name, value FROM metrics WHERE run_id = 1 AND node IS NULL')); "
           "bad = [k for k, v in m.items() if v is not None and float(r[0][k]) != v]; "
           "print('runs', len(r), 'metrics', len(m), 'bad', bad)\"",
           out, sizeof out),
        0, "%s", out);
    cr_expect(strstr(out, "runs 1 metrics ") && strstr(out, "bad []"), "%s", out);
    /* --series csv: 150 one-second buckets of the whole run, every value */
    cr_assert_eq(
        sh("$CS show s.db 1 --series --format csv > ser.csv && python3 -c \"import csv, sqlite3; "
           "r = list(csv.DictReader(open('ser.csv', newline=''))); "
           "db = sqlite3.connect('s.db'); "
           "q = db.execute('SELECT t_s, name, value FROM series WHERE run_id = 1 AND node IS NULL'); "
           "got = {(float(x['t_s']), k): float(v) for x in r for k, v in x.items() "
           "if k not in ('run', 'node', 't_s') and v != ''}; "
           "want = {(t, n): v for t, n, v in q if v is not None}; "
           "print('rows', len(r), 'cols', len(r[0]), 'equal', got == want, 'n', len(want))\"",
           out, sizeof out),
        0, "%s", out);
    cr_expect(strstr(out, "rows 150 ") && strstr(out, "equal True"), "%s", out);
    /* --series json with --nodes and --metric: node rows too, one column */
    cr_assert_eq(
        sh("$CS show s.db --series --nodes --metric errors --format json | python3 -c \"import "
           "json, sys; d = json.load(sys.stdin); "
           "print('cols', d['columns'], 'nodes', sorted({str(r['node']) for r in d['rows']}), "
           "'errors', sum(r['errors'] for r in d['rows'] if r['node'] is None))\"; "
           "python3 -c \"import sqlite3; print(sqlite3.connect('s.db').execute('SELECT value "
           "FROM metrics WHERE run_id = 1 AND node IS NULL AND name = ?', "
           "('requests.error',)).fetchone()[0])\"",
           out, sizeof out),
        0, "%s", out);
    cr_expect(strstr(out, "cols ['run', 'node', 't_s', 'errors'] nodes ['0', '1', '2', '3', "
                          "'None']"),
              "%s", out);
    /* the per-second error series adds up to the run's failed requests */
    double ser = 0, tot = -1;
    const char *e = strstr(out, "errors ");
    cr_assert_not_null(e, "%s", out);
    cr_assert_eq(sscanf(e, "errors %lf\n%lf", &ser, &tot), 2, "%s", out);
    cr_expect_eq(ser, tot, "series %g vs requests.error %g", ser, tot);
    cr_assert_eq(sh("$CS show s.db --series --metric erors", out, sizeof out), 2, "%s", out);
    cr_expect(strstr(out, "did you mean 'errors'?"), "%s", out);
    /* --transitions --component */
    cr_assert_eq(sh("$CS show s.db 1 --transitions --component breaker --format csv", out,
                    sizeof out),
                 0, "%s", out);
    cr_expect(strstr(out, "run,t_s,node,component,from,to,reason\r\n") &&
                  strstr(out, ",breaker,closed,open,"),
              "%s", out);
    cr_expect(!strstr(out, ",connection,") && !strstr(out, ",fault,"), "%s", out);
    cr_assert_eq(sh("$CS show s.db 1 --transitions --component braker", out, sizeof out), 2,
                 "%s", out);
    cr_expect(strstr(out, "did you mean 'breaker'?"), "%s", out);
    cr_assert_eq(sh("$CS show s.db --component breaker", out, sizeof out), 2, "%s", out);
}

/* A run left 'running' by a process that is gone shows as abandoned (show
 * opens read-only and does not change the store); one whose process lives
 * stays running. */
Test(export, show_marks_runs_of_dead_processes_abandoned, .init = make_dir, .fini = rm_dir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/a.db", dir);
    store *s;
    cs_err err = {0};
    cr_assert_eq(store_open(path, &s, &err), 0, "%s", err.msg);
    int64_t id1, id2;
    run_info ri = {.experiment = "exp", .name = "dead", .seed = 1};
    cr_assert_eq(store_begin_run(s, &ri, &id1, &err), 0, "%s", err.msg);
    ri.name = "alive";
    cr_assert_eq(store_begin_run(s, &ri, &id2, &err), 0, "%s", err.msg);
    store_close(s);
    /* a pid that surely ended: a child reaped here */
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    waitpid(child, NULL, 0);
    static char out[1 << 15];
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "python3 -c \"import sqlite3; d = sqlite3.connect('a.db'); d.execute('UPDATE runs "
             "SET pid = %d WHERE id = %lld'); d.commit()\"",
             (int)child, (long long)id1);
    cr_assert_eq(sh(cmd, out, sizeof out), 0, "%s", out);
    cr_assert_eq(sh("$CS show a.db", out, sizeof out), 0, "%s", out);
    const char *row = strstr(out, " dead ");
    cr_assert_not_null(row, "%s", out);
    const char *eol = strchr(row, '\n');
    const char *st = strstr(row, "abandoned");
    cr_expect(st && eol && st < eol, "the runs table says abandoned: %s", out);
    char want[128];
    snprintf(want, sizeof want, "run %lld is abandoned: stored as 'running', but its process is "
             "gone", (long long)id1);
    cr_expect(strstr(out, want), "%s", out);
    snprintf(want, sizeof want, "run %lld is running", (long long)id2);
    cr_expect(strstr(out, want), "the live one stays running: %s", out);
    cr_assert_eq(sh("$CS show a.db --format csv", out, sizeof out), 0, "%s", out);
    cr_expect(strstr(out, ",dead,1,abandoned,") && strstr(out, ",alive,1,running,"), "%s", out);
    /* read-only: the store still says running */
    cr_assert_eq(sh("python3 -c \"import sqlite3; print(sqlite3.connect('a.db').execute('SELECT "
                    "group_concat(status) FROM runs').fetchone()[0])\"",
                    out, sizeof out),
                 0, "%s", out);
    cr_expect(strstr(out, "running,running"), "%s", out);
}
