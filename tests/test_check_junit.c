/* test_check_junit.c — `cachestorm check --format junit` writes JUnit XML a
 * CI server reads as test results: it parses (python3's XML parser), has the
 * JUnit shape (testsuites > testsuite > testcase, failure/error children),
 * and counts the same passes and failures as the table (issue 12). */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/util.h"

/* A 3 s single-server queue at 100/s (model: queue): fast, and its rules'
 * outcomes are known in advance. */
#define QUEUE_3S                                                                                   \
    "model: queue\nduration: 3s\nwarmup: 0s\n"                                                    \
    "queue: {servers: 1, arrival: 100/s, service: {dist: exponential, mean: 1ms}}\n"

Test(check_junit, the_xml_parses_and_counts_what_the_table_counts, .init = tu_make_dir,
     .fini = tu_rm_dir)
{
    char cwd[512], cmd[2048], out[8192];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    tu_write_file("q.yaml", "schema: 1\nname: q<&>\n" QUEUE_3S
          "replications: 2\nsweep: {queue.servers: [1, 2]}\n"
          "expect:\n  - requests.error == 0\n  - latency.mean_ms > 1000\n"
          "  - \"mean(latency.mean_ms) < 5\"\n");
    snprintf(cmd, sizeof cmd,
             "cd %s && %s/%s/cachestorm check q.yaml --db j.db --format junit >j.xml 2>table.txt; "
             "echo rc=$?; tail -n 1 table.txt",
             tu_dir, cwd, CS_BUILD_DIR);
    tu_sh(cmd, out, sizeof out);
    cr_expect(strstr(out, "rc=1"), "a failing rule exits 1: %s", out);
    cr_expect(strstr(out, "check: 4 passed, 2 failed"), "%s", out);
    /* parse it and count as a CI server would */
    snprintf(cmd, sizeof cmd,
             "python3 -c \"import xml.etree.ElementTree as E; r = E.parse('%s/j.xml').getroot(); "
             "assert r.tag == 'testsuites'; s = r.findall('testsuite'); "
             "c = [t for x in s for t in x.findall('testcase')]; "
             "f = [t for t in c if t.find('failure') is not None]; "
             "assert all(int(x.get('tests')) == len(x.findall('testcase')) for x in s); "
             "assert sum(int(x.get('failures')) for x in s) == len(f); "
             "print('cases', len(c), 'failures', len(f), 'passed', len(c) - len(f))\" 2>&1",
             tu_dir);
    cr_assert_eq(tu_sh(cmd, out, sizeof out), 0, "python3 could not parse it: %s", out);
    cr_expect(strstr(out, "cases 6 failures 2 passed 4"), "%s", out);
}

/* --format json: one document (python3's json parser) whose rule statuses
 * count what the table counts, with the name's < & > as plain text. */
Test(check_junit, the_json_parses_and_counts_what_the_table_counts, .init = tu_make_dir,
     .fini = tu_rm_dir)
{
    char cwd[512], cmd[2048], out[8192];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    tu_write_file("q.yaml", "schema: 1\nname: q<&>\"\n" QUEUE_3S
          "replications: 2\nsweep: {queue.servers: [1, 2]}\n"
          "expect:\n  - requests.error == 0\n  - latency.mean_ms > 1000\n"
          "  - \"mean(latency.mean_ms) < 5\"\n");
    snprintf(cmd, sizeof cmd,
             "cd %s && %s/%s/cachestorm check q.yaml --db j.db --format json >j.json 2>table.txt; "
             "echo rc=$?; tail -n 1 table.txt",
             tu_dir, cwd, CS_BUILD_DIR);
    tu_sh(cmd, out, sizeof out);
    cr_expect(strstr(out, "rc=1"), "a failing rule exits 1: %s", out);
    cr_expect(strstr(out, "check: 4 passed, 2 failed"), "%s", out);
    snprintf(cmd, sizeof cmd,
             "python3 -c \"import json; d = json.load(open('%s/j.json')); "
             "r = [x for s in d['files'] for x in s['rules']]; "
             "p = sum(x['status'] == 'pass' for x in r); n = sum(x['status'] == 'fail' for x in r); "
             "assert (p, n) == (d['passed'], d['failed']) and d['interrupted'] is None; "
             "print('rules', len(r), 'passed', p, 'failed', n)\" 2>&1",
             tu_dir);
    cr_assert_eq(tu_sh(cmd, out, sizeof out), 0, "python3 could not parse it: %s", out);
    cr_expect(strstr(out, "rules 6 passed 4 failed 2"), "%s", out);
}

/* tune --format json: one document whose ranking says what the table says:
 * three queue sizes, the top one by mean latency; best is null exactly when
 * the table says "no single best", and `tied` counts the points it names. */
Test(check_junit, tune_json_parses_and_agrees_with_the_table, .init = tu_make_dir,
     .fini = tu_rm_dir)
{
    char cwd[512], cmd[2048], out[8192];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    tu_write_file("t.yaml", "schema: 1\nname: t\n" QUEUE_3S
          "replications: 3\nsweep: {queue.servers: [1, 2, 3]}\n"
          "objective:\n  minimize: latency.mean_ms\n  constraints: [requests.error == 0]\n");
    snprintf(cmd, sizeof cmd,
             "cd %s && %s/%s/cachestorm tune t.yaml --db t.db --format json >t.json 2>/dev/null; "
             "echo rc=$?; %s/%s/cachestorm tune t.yaml --db t.db --quiet 2>/dev/null",
             tu_dir, cwd, CS_BUILD_DIR, cwd, CS_BUILD_DIR);
    tu_sh(cmd, out, sizeof out);
    cr_expect(strstr(out, "rc=0"), "a feasible point exits 0: %s", out);
    bool table_tied = strstr(out, "no single best") != NULL;
    snprintf(cmd, sizeof cmd,
             "python3 -c \"import json; d = json.load(open('%s/t.json')); p = d['points']; "
             "assert len(p) == 3 and [x['rank'] for x in p] == [1, 2, 3]; "
             "o = [x['objective'] for x in p]; assert o == sorted(o), o; "
             "assert all(x['feasible'] for x in p); "
             "assert d['tied'] == 1 + sum(x['tied_with_best'] for x in p); "
             "print('best', d['best'], 'tied', d['tied'])\" 2>&1",
             tu_dir);
    cr_assert_eq(tu_sh(cmd, out, sizeof out), 0, "python3: %s", out);
    if (table_tied)
        cr_expect(strstr(out, "best None"), "the table says no single best: %s", out);
    else
        cr_expect(strstr(out, "best 1 tied 1"), "the table names one best: %s", out);
}

/* sweep --format json (no --plan): one document, a scenario per sweep point
 * with the mean over its replications of each column, equal to the mean of
 * the stored rows (sqlite3 reads them back). */
Test(check_junit, sweep_json_means_equal_the_stored_rows, .init = tu_make_dir, .fini = tu_rm_dir)
{
    char cwd[512], cmd[2048], out[8192];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    tu_write_file("s.yaml", "schema: 1\nname: s\n" QUEUE_3S
          "replications: 3\nsweep: {queue.servers: [1, 2]}\n");
    snprintf(cmd, sizeof cmd,
             "cd %s && %s/%s/cachestorm sweep s.yaml --db s.db --format json --quiet >s.json "
             "2>/dev/null && python3 -c \"import json, sqlite3; d = json.load(open('s.json')); "
             "c = sqlite3.connect('s.db'); assert d['runs'] == 6 and len(d['scenarios']) == 2; "
             "m = [x['metrics']['latency.mean_ms']['mean'] for x in d['scenarios']]; "
             "q = c.execute(\\\"select avg(m.value) from metrics m join params p on p.run_id = "
             "m.run_id and p.path = 'queue.servers' where m.name = 'latency.mean_ms' and m.node "
             "is null group by p.value order by p.value\\\").fetchall(); "
             "assert all(abs(a - b[0]) < 1e-9 * abs(b[0]) for a, b in zip(m, q)), (m, q); "
             "print('ok', len(q))\" 2>&1",
             tu_dir, cwd, CS_BUILD_DIR);
    cr_assert_eq(tu_sh(cmd, out, sizeof out), 0, "%s", out);
    cr_expect(strstr(out, "ok 2"), "%s", out);
}
