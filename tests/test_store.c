/* test_store.c — the run store (sim/store.c) and `cachestorm show`
 * (sim/cmd_show.c).
 *
 * Suite `store`: every table round-trips; a run is 'running' then 'done';
 * a run killed mid-transaction leaves no rows and no 'done'; two processes
 * write one database at once; read-only, locked, corrupt, foreign and newer
 * databases are clear CS_IO errors.  Suite `show`: exit statuses, the values
 * in the table, tsv and json outputs.  Each test works in its own mkdtemp
 * directory.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "sim/core/metrics.h"
#include "sim/store/store.h"
#include "sim/store/store_schema.h"
#include "tests/util.h"

/* ---- helpers ------------------------------------------------------------ */


static const run_info info = {.experiment = "exp",
                              .variant = "a",
                              .name = "unit",
                              .config_text = "schema: 1\n",
                              .config_hash = "abc",
                              .version = "test",
                              .seed = 7};

/* A run's rows: 2 params, whole-run and per-node metrics (one NULL),
 * nseries series rows, 2 transitions, 2 trace rows. */
static void fill_rows(run_rows *r, int nseries)
{
    rows_param(r, "nodes.count", "2");
    rows_param(r, "l2.breaker.retry_wait", "60s");
    rows_metric(r, -1, "requests.total", 1234);
    rows_metric(r, -1, "latency.p99_ms", 12.5);
    rows_metric(r, -1, "l1.hit", 1000);
    rows_metric_null(r, -1, "recovery_s");
    rows_metric(r, 0, "requests.total", 600);
    rows_metric(r, 1, "requests.total", 634);
    rows_metric(r, 0, "latency.p99_ms", 11.25);
    rows_metric(r, 1, "latency.p99_ms", 13.75);
    for (int i = 0; i < nseries; i++)
        rows_series(r, i % 3 - 1, i * 0.5, "rps", i * 2.0);
    rows_transition(r, MS(1500), 0, "breaker", "closed", "open", "20 failures");
    rows_transition(r, SEC(61.5), -1, "fault", NULL, "redis.down", NULL);
    rows_trace(r, 42, 1, 9, "l1.lookup", "miss");
    rows_trace(r, 43, 1, 9, "l2.get", NULL);
}

static int64_t count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static char *text(sqlite3 *db, const char *sql)
{
    static char buf[512];
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sql);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
    const unsigned char *t = sqlite3_column_text(st, 0);
    snprintf(buf, sizeof buf, "%s", t ? (const char *)t : "<NULL>");
    sqlite3_finalize(st);
    return buf;
}

/* Open a store, failing the test with the message on error. */
static store *open_ok(const char *path)
{
    store *s = NULL;
    cs_err err = {0};
    int rc = store_open(path, &s, &err);
    cr_assert_eq(rc, CS_OK, "store_open: %s", err.msg);
    return s;
}

/* Write one whole run; returns its id. */
static int64_t write_run(store *s, int nseries)
{
    run_rows r = {0};
    fill_rows(&r, nseries);
    int64_t id;
    cs_err err = {0};
    cr_assert_eq(store_begin_run(s, &info, &id, &err), CS_OK, "%s", err.msg);
    cr_assert_eq(store_finish_run(s, id, &r, SEC(600), 123456, 0.25, &err), CS_OK, "%s", err.msg);
    rows_free(&r);
    return id;
}

/* Rows stored for run id in the five data tables together. */
static int64_t data_rows(sqlite3 *db, int64_t id)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT (SELECT count(*) FROM params WHERE run_id=%1$lld) + "
             "(SELECT count(*) FROM metrics WHERE run_id=%1$lld) + "
             "(SELECT count(*) FROM series WHERE run_id=%1$lld) + "
             "(SELECT count(*) FROM transitions WHERE run_id=%1$lld) + "
             "(SELECT count(*) FROM trace WHERE run_id=%1$lld)",
             (long long)id);
    return count(db, sql);
}

static void write_bytes(const char *path, size_t n, uint64_t seed)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    uint64_t x = seed;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        fputc((int)(x & 0xff), f);
    }
    fclose(f);
}

/* ---- store: round trip and life of a run --------------------------------- */

TestSuite(store, .init = tu_make_dir, .fini = tu_rm_dir);

Test(store, every_table_round_trips)
{
    store *s = open_ok(tu_path("r.db"));
    int64_t id = write_run(s, 6);
    sqlite3 *db = store_db(s);
    cr_expect_eq(count(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    cr_expect_str_eq(text(db, "PRAGMA journal_mode"), "wal");
    cr_expect_str_eq(text(db, "SELECT group_concat(path || '=' || value, ';') FROM "
                              "(SELECT * FROM params ORDER BY rowid)"),
                     "nodes.count=2;l2.breaker.retry_wait=60s");
    cr_expect_str_eq(text(db, "SELECT group_concat(coalesce(node,'N') || ':' || name || '=' || "
                              "coalesce(value,'NULL'), ';') FROM (SELECT * FROM metrics ORDER "
                              "BY rowid)"),
                     "N:requests.total=1234.0;N:latency.p99_ms=12.5;N:l1.hit=1000.0;"
                     "N:recovery_s=NULL;0:requests.total=600.0;1:requests.total=634.0;"
                     "0:latency.p99_ms=11.25;1:latency.p99_ms=13.75");
    cr_expect_str_eq(text(db, "SELECT group_concat(coalesce(node,'N') || '@' || t_s || ':' || "
                              "name || '=' || value, ';') FROM (SELECT * FROM series ORDER BY "
                              "rowid)"),
                     "N@0.0:rps=0.0;0@0.5:rps=2.0;1@1.0:rps=4.0;N@1.5:rps=6.0;0@2.0:rps=8.0;"
                     "1@2.5:rps=10.0");
    cr_expect_str_eq(text(db, "SELECT group_concat(t_ns || ',' || coalesce(node,'N') || ',' || "
                              "component || ',' || coalesce(from_state,'N') || ',' || to_state "
                              "|| ',' || coalesce(reason,'N'), ';') FROM (SELECT * FROM "
                              "transitions ORDER BY rowid)"),
                     "1500000000,0,breaker,closed,open,20 failures;"
                     "61500000000,N,fault,N,redis.down,N");
    cr_expect_str_eq(text(db, "SELECT group_concat(t_ns || ',' || node || ',' || request || ',' "
                              "|| step || ',' || coalesce(detail,'N'), ';') FROM (SELECT * FROM "
                              "trace ORDER BY rowid)"),
                     "42,1,9,l1.lookup,miss;43,1,9,l2.get,N");
    cr_expect_str_eq(text(db, "SELECT experiment || variant || name || config_text || "
                              "config_hash || seed || version || sim_ns || '/' || events || '/' "
                              "|| wall_s FROM runs"),
                     "expaunitschema: 1\nabc7test600000000000/123456/0.25");
    cr_expect_eq(count(db, "SELECT count(DISTINCT run_id) FROM series"), 1);
    cr_expect_eq(count(db, "SELECT run_id FROM trace LIMIT 1"), id);
    store_close(s);
}

Test(store, run_is_running_then_done)
{
    store *s = open_ok(tu_path("r.db"));
    sqlite3 *db = store_db(s);
    int64_t id;
    cs_err err = {0};
    cr_assert_eq(store_begin_run(s, &info, &id, &err), CS_OK, "%s", err.msg);
    cr_expect_str_eq(text(db, "SELECT status FROM runs"), "running");
    cr_expect_str_eq(text(db, "SELECT coalesce(finished_at, '<NULL>') FROM runs"), "<NULL>");
    /* started_at is UTC ISO-8601: 2026-11-22T05:30:00Z */
    cr_expect_eq(count(db, "SELECT started_at GLOB "
                           "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:"
                           "[0-9][0-9]Z' FROM runs"),
                 1);
    run_rows r = {0};
    fill_rows(&r, 3);
    cr_assert_eq(store_finish_run(s, id, &r, 5, 6, 7.5, &err), CS_OK, "%s", err.msg);
    cr_expect_str_eq(text(db, "SELECT status FROM runs"), "done");
    cr_expect_eq(count(db, "SELECT finished_at >= started_at FROM runs"), 1);
    /* a run is finished once: a second finish changes nothing */
    cr_expect_eq(store_finish_run(s, id, &r, 5, 6, 7.5, &err), CS_IO);
    cr_expect(strstr(err.msg, "already done"), "%s", err.msg);
    cr_expect_eq(count(db, "SELECT count(*) FROM series"), 3);
    rows_free(&r);
    store_close(s);
}

Test(store, full_64_bit_seed_round_trips)
{
    store *s = open_ok(tu_path("r.db"));
    run_info ri = info;
    ri.seed = UINT64_MAX - 5;
    int64_t id;
    cs_err err = {0};
    cr_assert_eq(store_begin_run(s, &ri, &id, &err), CS_OK, "%s", err.msg);
    cr_expect_eq((uint64_t)count(store_db(s), "SELECT seed FROM runs"), UINT64_MAX - 5);
    store_close(s);
}

Test(store, failed_run_keeps_its_reason)
{
    store *s = open_ok(tu_path("r.db"));
    int64_t id;
    cs_err err = {0};
    cr_assert_eq(store_begin_run(s, &info, &id, &err), CS_OK, "%s", err.msg);
    cr_assert_eq(store_fail_run(s, id, "config: nodes.count: out of range", &err), CS_OK, "%s",
                 err.msg);
    sqlite3 *db = store_db(s);
    cr_expect_str_eq(text(db, "SELECT status FROM runs"), "failed");
    cr_expect_str_eq(text(db, "SELECT reason FROM transitions WHERE component = 'run'"),
                     "config: nodes.count: out of range");
    cr_expect_eq(store_fail_run(s, id, "again", &err), CS_IO, "a failed run fails once");
    cr_expect_eq(store_fail_run(s, 999, NULL, &err), CS_IO);
    cr_expect(strstr(err.msg, "no run 999"), "%s", err.msg);
    store_close(s);
}

/* Fault hook: fail at series row 50. */
static int fail_at_series_50(void *arg, const char *stage, size_t row)
{
    (void)arg;
    return strcmp(stage, "series") == 0 && row == 50;
}

Test(store, failed_write_leaves_nothing_and_can_be_retried)
{
    store *s = open_ok(tu_path("r.db"));
    sqlite3 *db = store_db(s);
    run_rows r = {0};
    fill_rows(&r, 100);
    int64_t id;
    cs_err err = {0};
    cr_assert_eq(store_begin_run(s, &info, &id, &err), CS_OK, "%s", err.msg);
    store_set_fault_hook(s, fail_at_series_50, NULL);
    cr_expect_eq(store_finish_run(s, id, &r, 1, 2, 3, &err), CS_IO);
    cr_expect(strstr(err.msg, "series row 50"), "%s", err.msg);
    cr_expect_str_eq(text(db, "SELECT status FROM runs"), "running");
    cr_expect_eq(data_rows(db, id), 0);
    /* the run is not lost: the same rows can be written again */
    store_set_fault_hook(s, NULL, NULL);
    cr_expect_eq(store_finish_run(s, id, &r, 1, 2, 3, &err), CS_OK, "%s", err.msg);
    cr_expect_str_eq(text(db, "SELECT status FROM runs"), "done");
    cr_expect_eq(data_rows(db, id), 2 + 8 + 100 + 2 + 2);
    rows_free(&r);
    store_close(s);
}

/* ---- store: crashes and concurrency --------------------------------------- */

/* Fault hook for a child: at `stage` row 1000 (or "done"), tell the parent
 * through the pipe and wait to be killed, or _exit(9) at once. */
typedef struct crash_plan {
    const char *stage;
    int fd;
    bool self_exit;
} crash_plan;

static int crash_here(void *arg, const char *stage, size_t row)
{
    crash_plan *p = arg;
    if (strcmp(stage, p->stage) != 0 || (strcmp(stage, "done") != 0 && row != 1000))
        return 0;
    if (p->self_exit)
        _exit(9);
    if (write(p->fd, "k", 1) != 1)
        _exit(8);
    for (;;)
        pause();
}

/* Fork a child that begins a run, then dies inside store_finish_run as the
 * plan says; returns the run id the child began. */
static int64_t run_and_crash(const char *path, crash_plan plan)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        close(fds[0]);
        store *s = NULL;
        cs_err err = {0};
        int64_t id;
        if (store_open(path, &s, &err) || store_begin_run(s, &info, &id, &err))
            _exit(2);
        if (write(fds[1], &id, sizeof id) != sizeof id)
            _exit(3);
        run_rows r = {0};
        fill_rows(&r, 5000);
        plan.fd = fds[1];
        store_set_fault_hook(s, crash_here, &plan);
        store_finish_run(s, id, &r, 1, 2, 3, &err);
        _exit(4); /* the finish must not complete */
    }
    close(fds[1]);
    int64_t id = -1;
    cr_assert_eq(read(fds[0], &id, sizeof id), (ssize_t)sizeof id);
    if (!plan.self_exit) {
        char k;
        cr_assert_eq(read(fds[0], &k, 1), 1, "child never reached the crash point");
        kill(pid, SIGKILL);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    if (plan.self_exit)
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 9, "child status %d", status);
    else
        cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "child status %d", status);
    close(fds[0]);
    return id;
}

/* After a crash: the run is 'running' with no rows, the database is whole
 * and takes the next run. */
static void expect_clean_after_crash(const char *path, int64_t crashed)
{
    store *s = open_ok(path);
    sqlite3 *db = store_db(s);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT status FROM runs WHERE id = %lld", (long long)crashed);
    cr_expect_str_eq(text(db, sql), "running");
    cr_expect_eq(count(db, "SELECT count(*) FROM runs WHERE status = 'done'"), 1);
    cr_expect_eq(data_rows(db, crashed), 0, "partial rows of the killed run are visible");
    cr_expect_str_eq(text(db, "PRAGMA integrity_check"), "ok");
    int64_t next = write_run(s, 10);
    cr_expect_gt(next, crashed);
    cr_expect_eq(count(db, "SELECT count(*) FROM runs WHERE status = 'done'"), 2);
    store_close(s);
}

Test(store, run_killed_mid_transaction_leaves_no_rows)
{
    const char *path = tu_path("k.db");
    store *s = open_ok(path);
    write_run(s, 10); /* a whole run before the crash must survive it */
    store_close(s);
    int64_t id = run_and_crash(path, (crash_plan){.stage = "series"});
    expect_clean_after_crash(path, id);
}

Test(store, run_dying_just_before_done_is_not_done)
{
    const char *path = tu_path("k.db");
    store *s = open_ok(path);
    write_run(s, 10);
    store_close(s);
    int64_t id = run_and_crash(path, (crash_plan){.stage = "done", .self_exit = true});
    expect_clean_after_crash(path, id);
}

/* Two processes, created at the same moment on a file that does not exist
 * yet, each write 20 runs. */
Test(store, two_concurrent_writers_lose_nothing)
{
    const char *path = tu_path("c.db");
    enum { WRITERS = 2, RUNS = 20, SERIES = 300 };
    int go[2];
    cr_assert_eq(pipe(go), 0);
    pid_t pids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        cr_assert_neq(pids[w], -1);
        if (pids[w] == 0) {
            close(go[1]);
            char c;
            if (read(go[0], &c, 1) != 0) /* wait until the parent closes the pipe */
                _exit(10);
            store *s = NULL;
            cs_err err = {0};
            if (store_open(path, &s, &err)) {
                fprintf(stderr, "writer %d: %s\n", w, err.msg);
                _exit(11);
            }
            for (int i = 0; i < RUNS; i++) {
                run_rows r = {0};
                fill_rows(&r, SERIES);
                run_info ri = info;
                ri.seed = (uint64_t)(w * 100 + i);
                int64_t id;
                if (store_begin_run(s, &ri, &id, &err) ||
                    store_finish_run(s, id, &r, 1, 2, 3, &err)) {
                    fprintf(stderr, "writer %d run %d: %s\n", w, i, err.msg);
                    _exit(12);
                }
                rows_free(&r);
            }
            store_close(s);
            _exit(0);
        }
    }
    close(go[0]);
    close(go[1]); /* start both at once */
    for (int w = 0; w < WRITERS; w++) {
        int status;
        cr_assert_eq(waitpid(pids[w], &status, 0), pids[w]);
        cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d status %d", w, status);
    }
    store *s = open_ok(path);
    sqlite3 *db = store_db(s);
    cr_expect_eq(count(db, "SELECT count(*) FROM runs WHERE status = 'done'"), WRITERS * RUNS);
    cr_expect_eq(count(db, "SELECT count(DISTINCT seed) FROM runs"), WRITERS * RUNS);
    long long nseries = count(db, "SELECT count(*) FROM series");
    long long nruns = count(db, "SELECT count(*) FROM runs");
    long long norphan = count(db, "SELECT count(*) FROM series WHERE run_id NOT IN "
                                  "(SELECT id FROM runs)");
    cr_expect_eq(nseries, WRITERS * RUNS * SERIES,
                 "series rows %lld (runs %lld, orphan series %lld): rows lost or duplicated",
                 nseries, nruns, norphan);
    /* every run has exactly its own rows */
    long long full = count(db, "SELECT count(*) FROM (SELECT run_id, count(*) AS n FROM series "
                               "GROUP BY run_id) WHERE n = 300");
    cr_expect_eq(full, WRITERS * RUNS, "runs with exactly their 300 series rows: %lld", full);
    long long fullm = count(db, "SELECT count(*) FROM (SELECT run_id, count(*) AS n FROM metrics "
                                "GROUP BY run_id) WHERE n = 8");
    cr_expect_eq(fullm, WRITERS * RUNS, "runs with exactly their 8 metrics rows: %lld", fullm);
    store_close(s);
}

/* ---- store: bad databases --------------------------------------------------- */

Test(store, readonly_store_refuses_writes)
{
    const char *path = tu_path("ro.db");
    store *s = open_ok(path);
    write_run(s, 3);
    store_close(s);
    cs_err err = {0};
    cr_assert_eq(store_open_readonly(path, &s, &err), CS_OK, "%s", err.msg);
    int64_t id;
    cr_expect_eq(store_begin_run(s, &info, &id, &err), CS_IO);
    cr_expect_eq(err.code, CS_IO);
    cr_expect(strstr(err.msg, path) && strstr(err.msg, "readonly"), "%s", err.msg);
    cr_expect_eq(count(store_db(s), "SELECT count(*) FROM runs"), 1);
    store_close(s);
}

/* store_open of a file without write permission: the writer learns it at
 * open, not when its run is finished.  Root ignores file modes, so as root
 * the check runs in a child that has become `nobody`. */
Test(store, file_without_write_permission_is_refused_at_open)
{
    const char *path = tu_path("perm.db");
    store *s = open_ok(path);
    write_run(s, 3);
    store_close(s);
    cr_assert_eq(chmod(path, 0444), 0);
    cr_assert_eq(chmod(tu_dir, 0755), 0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(20);
        cs_err err = {0};
        int rc = store_open(path, &s, &err);
        if (rc != CS_IO)
            _exit(21);
        if (!strstr(err.msg, path) || !strstr(err.msg, "read-only"))
            _exit(22);
        _exit(0);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "child status %d (20 setuid, 21 not CS_IO, 22 message)", status);
}

Test(store, missing_file_is_an_error_for_readers)
{
    store *s = NULL;
    cs_err err = {0};
    cr_expect_eq(store_open_readonly(tu_path("nope.db"), &s, &err), CS_IO);
    cr_expect_null(s);
    cr_expect(strstr(err.msg, "nope.db") && strstr(err.msg, "no such"), "%s", err.msg);
    cr_expect_eq(access(tu_path("nope.db"), F_OK), -1, "a reader must not create the file");
}

Test(store, random_bytes_are_not_a_database)
{
    const char *path = tu_path("junk.db");
    write_bytes(path, 65536, 0x9e3779b97f4a7c15ull);
    char *before = tu_slurp(path);
    store *s = NULL;
    cs_err err = {0};
    cr_expect_eq(store_open(path, &s, &err), CS_IO);
    cr_expect_null(s);
    cr_expect(strstr(err.msg, path) && strstr(err.msg, "not a database"), "%s", err.msg);
    cr_expect_eq(store_open_readonly(path, &s, &err), CS_IO);
    cr_expect(strstr(err.msg, "not a database"), "%s", err.msg);
    char *after = tu_slurp(path);
    cr_expect(memcmp(before, after, 65536) == 0, "the file was changed");
    free(before);
    free(after);
}

Test(store, sqlite_database_of_someone_else_is_refused)
{
    const char *path = tu_path("other.db");
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, "CREATE TABLE customers(id, name)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    store *s = NULL;
    cs_err err = {0};
    cr_expect_eq(store_open(path, &s, &err), CS_IO);
    cr_expect(strstr(err.msg, path) && strstr(err.msg, "not a cachestorm database"), "%s", err.msg);
    cr_expect_eq(store_open_readonly(path, &s, &err), CS_IO);
    cr_expect(strstr(err.msg, "not a cachestorm database"), "%s", err.msg);
    /* and it was left alone: no tables of ours, journal mode unchanged */
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    cr_expect_eq(count(db, "SELECT count(*) FROM sqlite_master"), 1);
    cr_expect_str_eq(text(db, "PRAGMA journal_mode"), "delete");
    sqlite3_close(db);
}

Test(store, newer_schema_version_is_refused)
{
    const char *path = tu_path("new.db");
    store_close(open_ok(path));
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    store *s = NULL;
    cs_err err = {0};
    cr_expect_eq(store_open(path, &s, &err), CS_IO);
    cr_expect(strstr(err.msg, path) && strstr(err.msg, "newer"), "%s", err.msg);
}

Test(store, our_version_with_a_missing_table_is_refused)
{
    const char *path = tu_path("half.db");
    store_close(open_ok(path));
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, "DROP TABLE trace", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    store *s = NULL;
    cs_err err = {0};
    cr_expect_eq(store_open(path, &s, &err), CS_IO);
    cr_expect(strstr(err.msg, "not a cachestorm database") && strstr(err.msg, "trace"), "%s",
              err.msg);
}

Test(store, locked_database_is_a_clear_error_not_a_hang)
{
    const char *path = tu_path("l.db");
    store *s = open_ok(path);
    store_set_busy_timeout(s, 100);
    sqlite3 *other;
    cr_assert_eq(sqlite3_open(path, &other), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    int64_t id;
    cs_err err = {0};
    cr_expect_eq(store_begin_run(s, &info, &id, &err), CS_IO);
    cr_expect(strstr(err.msg, path) && strstr(err.msg, "locked"), "%s", err.msg);
    /* once the other writer is gone, the same store goes on */
    cr_assert_eq(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    cr_expect_eq(store_begin_run(s, &info, &id, &err), CS_OK, "%s", err.msg);
    store_close(s);
}

Test(store, metric_order_follows_interfaces)
{
    const char *order[] = {"requests.total",
                           "requests.error",
                           "latency.p50_ms",
                           "latency.p99_ms",
                           "l1.hit",
                           "l2.miss",
                           "factory.calls",
                           "db.calls",
                           "lock.memory.waits",
                           "redis.commands",
                           "breaker.trips",
                           "backplane.published",
                           "pool.peak_queue",
                           "recovery_s",
                           "aaa.custom",
                           "requests.zzz",
                           "zzz"};
    size_t n = sizeof order / sizeof *order;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            int c = metric_order_cmp(order[i], order[j]);
            cr_expect(i < j   ? c < 0
                      : i > j ? c > 0
                              : c == 0,
                      "%s vs %s: %d", order[i], order[j], c);
        }
}

/* ---- show ---------------------------------------------------------------- */

/* Run cmd_show in this process with stdout and stderr going to files;
 * *out and *err receive what it printed (caller frees). */
static int show(char **out, char **err, int argc, const char **args)
{
    char *argv[16] = {"show"};
    cr_assert_lt(argc, 15);
    for (int i = 0; i < argc; i++)
        argv[i + 1] = (char *)args[i];
    char op[256], ep[256];
    snprintf(op, sizeof op, "%s/stdout.txt", tu_dir);
    snprintf(ep, sizeof ep, "%s/stderr.txt", tu_dir);
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(1), saved_err = dup(2);
    int fo = open(op, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fe = open(ep, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert(fo >= 0 && fe >= 0);
    dup2(fo, 1);
    dup2(fe, 2);
    int rc = cmd_show(argc + 1, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(fo), close(fe), close(saved_out), close(saved_err);
    *out = tu_slurp(op);
    *err = tu_slurp(ep);
    return rc;
}

/* A database with two done runs (run 2's p99 is 99.5) and one failed run. */
static const char *two_runs_db(void)
{
    const char *path = tu_path("show.db");
    store *s = open_ok(path);
    write_run(s, 4);
    run_rows r = {0};
    fill_rows(&r, 4);
    r.metrics.v[1].value = 99.5; /* latency.p99_ms of run 2 */
    int64_t id;
    cs_err err = {0};
    cr_assert_eq(store_begin_run(s, &info, &id, &err), CS_OK);
    cr_assert_eq(store_finish_run(s, id, &r, SEC(1.5), 42, 0.5, &err), CS_OK);
    cr_assert_eq(store_begin_run(s, &info, &id, &err), CS_OK);
    cr_assert_eq(store_fail_run(s, id, "boom", &err), CS_OK);
    rows_free(&r);
    store_close(s);
    return path;
}

TestSuite(show, .init = tu_make_dir, .fini = tu_rm_dir);

Test(show, table_has_runs_and_metric_values)
{
    const char *db = two_runs_db();
    char *out, *err;
    int rc = show(&out, &err, 1, (const char *[]){db});
    cr_assert_eq(rc, 0, "stderr: %s", err);
    cr_expect(strstr(out, "runs\n"), "%s", out);
    cr_expect(strstr(out, "experiment"), "%s", out);
    cr_expect(strstr(out, "run 3 failed: boom"), "%s", out);
    /* one row per metric, one column per run; NULL shows as '-' */
    /* plain units from the metric table: separators, ms, s */
    cr_expect(strstr(out, "requests.total    1,234    1,234      -\n"), "%s", out);
    cr_expect(strstr(out, "latency.p99_ms  12.5 ms  99.5 ms      -\n"), "%s", out);
    cr_expect(strstr(out, "recovery_s            -        -      -\n"), "%s", out);
    /* INTERFACES.md order: requests, latency, l1, ..., recovery_s */
    char *a = strstr(out, "requests.total"), *b = strstr(out, "latency.p99_ms"),
         *c = strstr(out, "l1.hit"), *d = strstr(out, "recovery_s");
    cr_expect(a && b && c && d && a < b && b < c && c < d, "%s", out);
    /* sim seconds, events and wall seconds of run 2 */
    cr_expect(strstr(out, "1.5      42     0.5"), "%s", out);
    free(out), free(err);
}

Test(show, selected_runs_only)
{
    const char *db = two_runs_db();
    char *out, *err;
    cr_assert_eq(show(&out, &err, 2, (const char *[]){db, "2"}), 0, "%s", err);
    cr_expect(strstr(out, "run 2") && !strstr(out, "run 1") && !strstr(out, "run 3"), "%s", out);
    cr_expect(strstr(out, "99.5") && !strstr(out, "12.5"), "%s", out);
    free(out), free(err);
}

Test(show, transitions_in_time_order_filtered_by_node_in_every_format)
{
    const char *db = two_runs_db();
    char *out, *err;
    cr_assert_eq(show(&out, &err, 3, (const char *[]){db, "2", "--transitions"}), 0, "%s", err);
    const char *head = strstr(out, "run 2 transitions\n");
    cr_assert(head, "%s", out);
    const char *brk = strstr(head, "1.500     0  breaker    closed  open"),
               *flt = strstr(head, "61.500     -  fault");
    cr_expect(brk && flt && brk < flt, "time order, '-' for the world:\n%s", out);
    cr_expect(strstr(head, "20 failures"), "%s", out);
    free(out), free(err);

    /* --node 1: node 0's breaker is left out, the world-level fault stays */
    cr_assert_eq(show(&out, &err, 5, (const char *[]){db, "2", "--transitions", "--node", "1"}), 0,
                 "%s", err);
    cr_expect(!strstr(out, "breaker") && strstr(out, "redis.down"), "%s", out);
    free(out), free(err);

    cr_assert_eq(show(&out, &err, 5, (const char *[]){db, "2", "--transitions", "--format", "tsv"}),
                 0, "%s", err);
    cr_expect(strstr(out, "# transitions 2\nt_s\tnode\tcomponent\tfrom\tto\treason\n"
                          "1.500000000\t0\tbreaker\tclosed\topen\t20 failures\n"),
              "%s", out);
    free(out), free(err);

    cr_assert_eq(show(&out, &err, 5, (const char *[]){db, "2", "--transitions", "--format", "json"}),
                 0, "%s", err);
    cr_expect(strstr(out, "\"transitions\": [{\"t_s\": 1.5, \"node\": 0, \"component\": "
                          "\"breaker\", \"from\": \"closed\", \"to\": \"open\", \"reason\": "
                          "\"20 failures\"}, {\"t_s\": 61.5, \"node\": null, \"component\": \"fault\", "
                          "\"from\": null, \"to\": \"redis.down\", \"reason\": null}]"),
              "%s", out);
    free(out), free(err);
}

Test(show, empty_database_exits_2)
{
    const char *db = tu_path("empty.db");
    store_close(open_ok(db));
    char *out, *err;
    cr_expect_eq(show(&out, &err, 1, (const char *[]){db}), CS_USAGE);
    cr_expect(strstr(err, "cachestorm show: ") && strstr(err, "no runs"), "%s", err);
    cr_expect_str_eq(out, "");
    free(out), free(err);
}

Test(show, unknown_run_exits_2)
{
    const char *db = two_runs_db();
    char *out, *err;
    cr_expect_eq(show(&out, &err, 2, (const char *[]){db, "17"}), CS_USAGE);
    cr_expect(strstr(err, "no run 17"), "%s", err);
    cr_expect_str_eq(out, "");
    free(out), free(err);
}

Test(show, missing_or_corrupt_database_exits_3)
{
    char *out, *err;
    const char *missing = tu_path("missing.db");
    cr_expect_eq(show(&out, &err, 1, (const char *[]){missing}), CS_IO);
    cr_expect(strstr(err, "missing.db"), "%s", err);
    free(out), free(err);
    const char *junk = tu_path("junk.db");
    write_bytes(junk, 8192, 12345);
    cr_expect_eq(show(&out, &err, 1, (const char *[]){junk}), CS_IO);
    cr_expect(strstr(err, "junk.db") && strstr(err, "not a database"), "%s", err);
    free(out), free(err);
}

/* A valid header over trashed pages: the damage shows on reading. */
Test(show, damaged_pages_exit_3)
{
    const char *db = two_runs_db();
    int fd = open(db, O_WRONLY);
    cr_assert(fd >= 0);
    char junk[4096];
    memset(junk, 0xa5, sizeof junk);
    struct stat st;
    cr_assert_eq(fstat(fd, &st), 0);
    for (off_t off = 4096; off < st.st_size; off += 4096)
        cr_assert_eq(pwrite(fd, junk, sizeof junk, off), (ssize_t)sizeof junk);
    close(fd);
    char *out, *err;
    cr_expect_eq(show(&out, &err, 1, (const char *[]){db}), CS_IO, "out: %s err: %s", out, err);
    cr_expect(strstr(err, "show.db"), "%s", err);
    free(out), free(err);
}

Test(show, bad_usage_exits_2_and_help_teaches)
{
    char *out, *err;
    cr_expect_eq(show(&out, &err, 2, (const char *[]){"--format", "xml"}), CS_USAGE);
    cr_expect(strstr(err, "xml") && strstr(err, "usage:"), "%s", err);
    free(out), free(err);
    cr_expect_eq(show(&out, &err, 1, (const char *[]){"--frobnicate"}), CS_USAGE);
    free(out), free(err);
    cr_expect_eq(show(&out, &err, 2, (const char *[]){tu_path("x.db"), "abc"}), CS_USAGE);
    free(out), free(err);
    cr_expect_eq(show(&out, &err, 1, (const char *[]){"--help"}), 0);
    cr_expect(strstr(out, "usage: cachestorm show") && strstr(out, "examples:") &&
                  strstr(out, "--format json"),
              "%s", out);
    free(out), free(err);
}

Test(show, tsv_is_tab_separated_at_full_precision)
{
    const char *db = two_runs_db();
    char *out, *err;
    cr_assert_eq(show(&out, &err, 3, (const char *[]){db, "--format", "tsv"}), 0, "%s", err);
    cr_expect(strstr(out, "# runs\nid\texperiment\tvariant\tname\tseed\tstatus\t"), "%s", out);
    cr_expect(strstr(out, "# metrics\nmetric\t1\t2\t3\n"), "%s", out);
    cr_expect(strstr(out, "\nrequests.total\t1234\t1234\t\n"), "%s", out);
    cr_expect(strstr(out, "\nlatency.p99_ms\t12.5\t99.5\t\n"), "%s", out);
    free(out), free(err);
}

Test(show, nodes_table_and_single_node)
{
    const char *db = two_runs_db();
    char *out, *err;
    cr_assert_eq(show(&out, &err, 3, (const char *[]){db, "1", "--nodes"}), 0, "%s", err);
    cr_expect(strstr(out, "run 1 per node\nnode  requests.total  latency.p99_ms\n"), "%s", out);
    cr_expect(strstr(out, "\n   0             600           11.25\n"), "%s", out);
    cr_expect(strstr(out, "\n   1             634           13.75\n"), "%s", out);
    free(out), free(err);
    cr_assert_eq(show(&out, &err, 4, (const char *[]){db, "1", "--node", "1"}), 0, "%s", err);
    cr_expect(strstr(out, "metrics of node 1") && strstr(out, "13.75") && !strstr(out, "11.25") &&
                  !strstr(out, "1234\n"),
              "%s", out);
    free(out), free(err);
    cr_expect_eq(show(&out, &err, 4, (const char *[]){db, "1", "--node", "5"}), CS_USAGE);
    free(out), free(err);
}

/* A minimal JSON checker (RFC 8259 grammar, no semantics): returns the
 * position after one value, or NULL. */
static const char *json_value(const char *p);
static const char *json_ws(const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
    return p;
}
static const char *json_string(const char *p)
{
    if (*p++ != '"')
        return NULL;
    for (; *p != '"'; p++) {
        if ((unsigned char)*p < 0x20)
            return NULL;
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
                        return NULL;
                p += 4;
            } else if (!*p || !strchr("\"\\/bfnrt", *p)) {
                return NULL;
            }
        }
    }
    return p + 1;
}
static const char *json_value(const char *p)
{
    p = json_ws(p);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        p = json_ws(p + 1);
        if (*p == close)
            return p + 1;
        for (;;) {
            if (close == '}') {
                p = json_string(json_ws(p));
                if (!p || *(p = json_ws(p)) != ':')
                    return NULL;
                p++;
            }
            if (!(p = json_value(p)))
                return NULL;
            p = json_ws(p);
            if (*p == close)
                return p + 1;
            if (*p++ != ',')
                return NULL;
        }
    }
    if (*p == '"')
        return json_string(p);
    if (strncmp(p, "true", 4) == 0 || strncmp(p, "null", 4) == 0)
        return p + 4;
    if (strncmp(p, "false", 5) == 0)
        return p + 5;
    char *end;
    if (*p == '-' || (*p >= '0' && *p <= '9')) {
        strtod(p, &end);
        return end > p ? end : NULL;
    }
    return NULL;
}

Test(show, json_parses_and_holds_the_values)
{
    const char *db = two_runs_db();
    char *out, *err;
    cr_assert_eq(show(&out, &err, 4, (const char *[]){db, "--format", "json", "--nodes"}), 0, "%s",
                 err);
    const char *end = json_value(out);
    cr_assert_not_null(end, "invalid JSON: %s", out);
    cr_expect_eq(*json_ws(end), '\0', "trailing text after the JSON value: %s", end);
    cr_expect(strstr(out, "\"database\": \""), "%s", out);
    cr_expect(strstr(out, "\"id\": 2, \"experiment\": \"exp\", \"variant\": \"a\", \"name\": "
                          "\"unit\", \"seed\": 7, \"status\": \"done\""),
              "%s", out);
    cr_expect(strstr(out, "\"sim_ns\": 1500000000, \"events\": 42, \"wall_s\": 0.5"), "%s", out);
    cr_expect(strstr(out, "\"metrics\": {\"requests.total\": 1234, \"latency.p99_ms\": 99.5, "
                          "\"l1.hit\": 1000, \"recovery_s\": null}"),
              "%s", out);
    cr_expect(strstr(out, "{\"node\": 1, \"metrics\": {\"requests.total\": 634, "
                          "\"latency.p99_ms\": 13.75}}"),
              "%s", out);
    cr_expect(strstr(out, "\"status\": \"failed\"") && strstr(out, "\"failure\": \"boom\""), "%s",
              out);
    free(out), free(err);
}
