/* test_first_open.c — breaker.first_open_s is one thing (issue 12): the
 * seconds from the first fault's start to the first breaker opening that
 * breaker.trips counts (after the warm-up).  A breaker that opens only
 * inside the warm-up gives trips 0 and first_open_s NULL (it gave 11 s
 * before); a fault that starts inside the warm-up and a breaker that opens
 * after it still measure from the fault's start. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run configs/default.yaml (Redis restarts 120 s .. 165 s; the breakers
 * open at 131 s .. 136 s) with the given warm-up; return the whole-run and
 * per-node trips and first_open_s as text. */
static void run_with_warmup(const char *warmup, char *out, size_t cap)
{
    char dir[] = "/tmp/cs-test-firstopen-XXXXXX", cwd[512], cmd[2048];
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    snprintf(cmd, sizeof cmd,
             "cd %s && %s/%s/cachestorm run %s/configs/default.yaml --db f.db --quiet "
             "--set warmup=%s --set duration=200s >/dev/null && python3 -c \"import sqlite3; "
             "d = sqlite3.connect('f.db'); "
             "q = lambda n, node: d.execute('SELECT value FROM metrics WHERE name = ? AND node IS ' "
             "+ ('NULL' if node is None else str(node)), (n,)).fetchone()[0]; "
             "print('trips', q('breaker.trips', None), 'first', q('breaker.first_open_s', None), "
             "'nodes', [q('breaker.first_open_s', i) for i in range(4)], "
             "'node_trips', [q('breaker.trips', i) for i in range(4)])\" 2>&1; rm -rf %s",
             dir, cwd, CS_BUILD_DIR, cwd, warmup, dir);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    cr_assert_eq(pclose(p), 0, "%s", out);
}

Test(first_open, openings_inside_the_warmup_count_nowhere, .timeout = 120)
{
    char out[1024];
    run_with_warmup("140s", out, sizeof out);
    cr_expect(strstr(out, "trips 0.0 first None nodes [None, None, None, None] node_trips "
                          "[0.0, 0.0, 0.0, 0.0]"),
              "trips 0 means first_open_s NULL, run and nodes: %s", out);
}

Test(first_open, a_fault_inside_the_warmup_is_measured_from_its_start, .timeout = 120)
{
    char out[1024];
    /* the fault starts at 120 s, inside a 125 s warm-up; breakers open after it */
    run_with_warmup("125s", out, sizeof out);
    double trips = -1, first = -1;
    cr_assert_eq(sscanf(out, "trips %lf first %lf", &trips, &first), 2, "%s", out);
    cr_expect_eq(trips, 4, "%s", out);
    cr_expect(first >= 5 && first < 30, "from the fault's start (120 s), not t = 0: %s", out);
    /* the same opening time as with no warm-up to speak of */
    char out0[1024];
    run_with_warmup("1s", out0, sizeof out0);
    double first0 = -1;
    cr_assert_eq(sscanf(out0, "trips %*f first %lf", &first0), 1, "%s", out0);
    cr_expect_eq(first, first0, "%s vs %s", out, out0);
}
