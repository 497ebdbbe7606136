/* test_check_junit.c — `cachestorm check --format junit` writes JUnit XML a
 * CI server reads as test results: it parses (python3's XML parser), has the
 * JUnit shape (testsuites > testsuite > testcase, failure/error children),
 * and counts the same passes and failures as the table (issue 12). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/util.h"

Test(check_junit, the_xml_parses_and_counts_what_the_table_counts, .init = tu_make_dir,
     .fini = tu_rm_dir)
{
    char path[256], cwd[512], cmd[2048], out[8192];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    snprintf(path, sizeof path, "%s/q.yaml", tu_dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("schema: 1\nname: q<&>\nmodel: queue\nduration: 3s\nwarmup: 0s\n"
          "queue: {servers: 1, arrival: 100/s, service: {dist: exponential, mean: 1ms}}\n"
          "replications: 2\nsweep: {queue.servers: [1, 2]}\n"
          "expect:\n  - requests.error == 0\n  - latency.mean_ms > 1000\n"
          "  - \"mean(latency.mean_ms) < 5\"\n",
          f);
    fclose(f);
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
    char path[256], cwd[512], cmd[2048], out[8192];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    snprintf(path, sizeof path, "%s/q.yaml", tu_dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("schema: 1\nname: q<&>\"\nmodel: queue\nduration: 3s\nwarmup: 0s\n"
          "queue: {servers: 1, arrival: 100/s, service: {dist: exponential, mean: 1ms}}\n"
          "replications: 2\nsweep: {queue.servers: [1, 2]}\n"
          "expect:\n  - requests.error == 0\n  - latency.mean_ms > 1000\n"
          "  - \"mean(latency.mean_ms) < 5\"\n",
          f);
    fclose(f);
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
