/* test_runs.c — the run lifecycle (issues 12, 15, 16): a run's identity
 * (config hash, seed, version) and what is done with it — sweep, check and
 * run skip runs already done; a 'running' row whose process died is
 * abandoned, never counted, and pruned; every statistic reads each
 * (scenario, seed) once; Ctrl-C / SIGTERM mark runs interrupted and say how
 * to resume; a killed sweep, rerun, completes exactly the missing runs;
 * merge refuses what it cannot trust.  Store-level rules first, then the
 * binary as users see it. */
#include <criterion/criterion.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/config/config.h"
#include "sim/run/runner.h"
#include "sim/store/store.h"
#include "sim/store/store_schema.h"
#include "tests/util.h"

#define BIN CS_BUILD_DIR "/cachestorm"
#define TINY "tests/data/tiny-sweep.yaml"


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

/* count() on a database file. */
static int64_t qcount(const char *path, const char *sql)
{
    sqlite3 *db;
    cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK, "%s", path);
    sqlite3_busy_timeout(db, 10000);
    int64_t n = count(db, sql);
    sqlite3_close(db);
    return n;
}

static void exec_sql(const char *path, const char *sql)
{
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);
    char *msg = NULL;
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &msg), SQLITE_OK, "%s: %s", sql, msg);
    sqlite3_close(db);
}

static store *open_ok(const char *path)
{
    store *s = NULL;
    cs_err err = {0};
    cr_assert_eq(store_open(path, &s, &err), CS_OK, "store_open: %s", err.msg);
    return s;
}

static run_info ident(const char *variant, uint64_t seed, const char *hash)
{
    return (run_info){.experiment = "exp",
                      .variant = variant,
                      .name = "unit",
                      .config_text = "schema: 1\n",
                      .config_hash = hash,
                      .version = "test",
                      .seed = seed};
}

/* One whole run with one metric; returns its id. */
static int64_t done_run(store *s, const run_info *ri, double v)
{
    run_rows r = {0};
    rows_metric(&r, -1, "requests.total", v);
    rows_series(&r, -1, 1.0, "rps", v);
    int64_t id;
    cs_err err = {0};
    cr_assert_eq(store_begin_run(s, ri, &id, &err), CS_OK, "%s", err.msg);
    cr_assert_eq(store_finish_run(s, id, &r, SEC(1), 1, 0.1, &err), CS_OK, "%s", err.msg);
    rows_free(&r);
    return id;
}

static const char *status_of(const char *db, int64_t id)
{
    static char buf[32];
    sqlite3 *h;
    cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(h, "SELECT status FROM runs WHERE id = ?", -1, &st, NULL),
                 SQLITE_OK);
    sqlite3_bind_int64(st, 1, id);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "no run %lld", (long long)id);
    snprintf(buf, sizeof buf, "%s", sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(h);
    return buf;
}

/* ---- store: identity, liveness, migration, prune ---------------------------- */

TestSuite(identity, .init = tu_make_dir, .fini = tu_rm_dir);

Test(identity, a_done_run_is_found_by_hash_seed_version_and_labels_only)
{
    store *s = open_ok(tu_path("r.db"));
    run_info a = ident("a", 7, "h1");
    int64_t id = done_run(s, &a, 1), got = -1;
    cs_err err = {0};
    cr_assert_eq(store_find_done(s, &a, &got, &err), CS_OK, "%s", err.msg);
    cr_expect_eq(got, id);
    run_info other[] = {ident("a", 8, "h1"), ident("a", 7, "h2"), ident("b", 7, "h1"),
                        ident(NULL, 7, "h1")};
    other[0].seed = 8;
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(store_find_done(s, &other[i], &got, &err), CS_OK);
        cr_expect_eq(got, 0, "identity %zu matched", i);
    }
    run_info v2 = a;
    v2.version = "other";
    cr_assert_eq(store_find_done(s, &v2, &got, &err), CS_OK);
    cr_expect_eq(got, 0, "another binary version is another run");
    /* a run that is only running (or failed) is not done */
    run_info c = ident("c", 1, "h3");
    int64_t rid;
    cr_assert_eq(store_begin_run(s, &c, &rid, &err), CS_OK);
    cr_assert_eq(store_find_done(s, &c, &got, &err), CS_OK);
    cr_expect_eq(got, 0);
    store_close(s);
}

Test(identity, every_scenario_and_seed_counts_once_and_the_newest_stands_for_it)
{
    store *s = open_ok(tu_path("r.db"));
    run_info a1 = ident("a", 1, "h1"), a2 = ident("a", 2, "h2"), b1 = ident("b", 1, "h3");
    done_run(s, &a1, 1);
    done_run(s, &a2, 2);
    int64_t newest = done_run(s, &a1, 10); /* a rerun of a/seed 1 */
    done_run(s, &b1, 3);
    store_run *v;
    size_t n, dropped;
    cs_err err = {0};
    cr_assert_eq(store_unique_runs(s, NULL, &v, &n, &dropped, &err), CS_OK, "%s", err.msg);
    cr_expect_eq(n, 3);
    cr_expect_eq(dropped, 1);
    bool saw_newest = false;
    for (size_t i = 0; i < n; i++)
        saw_newest |= v[i].id == newest;
    cr_expect(saw_newest, "the rerun (newest) stands for a/seed 1");
    for (size_t i = 1; i < n; i++)
        cr_expect_lt(v[i - 1].id, v[i].id, "id order");
    store_runs_free(v, n);
    cr_assert_eq(store_unique_runs(s, "nope", &v, &n, NULL, &err), CS_OK);
    cr_expect_eq(n, 0);
    store_runs_free(v, n);
    store_close(s);
}

Test(identity, a_running_row_whose_process_died_is_abandoned_a_live_one_is_not)
{
    const char *db = tu_path("r.db");
    store *s = open_ok(db);
    cs_err err = {0};
    run_info a = ident("a", 1, "h1");
    int64_t mine;
    cr_assert_eq(store_begin_run(s, &a, &mine, &err), CS_OK);
    /* A child begins a run and dies without a word. */
    pid_t pid = fork();
    if (pid == 0) {
        store *c;
        cs_err e2 = {0};
        int64_t id;
        run_info b = ident("b", 1, "h2");
        if (store_open(db, &c, &e2) || store_begin_run(c, &b, &id, &e2))
            _exit(1);
        _exit(0); /* no store_close, no finish: like a kill -9 */
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* A run on another host: alive within its lease, abandoned after. */
    int64_t far, gone;
    run_info c = ident("c", 1, "h3"), d = ident("d", 1, "h4");
    cr_assert_eq(store_begin_run(s, &c, &far, &err), CS_OK);
    cr_assert_eq(store_begin_run(s, &d, &gone, &err), CS_OK);
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE runs SET host = 'elsewhere', lease_until = strftime('%%s','now') + 3600 "
             "WHERE id = %lld; UPDATE runs SET host = 'elsewhere', lease_until = "
             "strftime('%%s','now') - 1 WHERE id = %lld",
             (long long)far, (long long)gone);
    exec_sql(db, sql);
    size_t n = 0;
    cr_assert_eq(store_mark_abandoned(s, -1, &n, &err), CS_OK, "%s", err.msg);
    cr_expect_eq(n, 2, "the dead child's run and the expired lease");
    cr_expect_str_eq(status_of(db, mine), "running");
    cr_expect_str_eq(status_of(db, far), "running");
    cr_expect_str_eq(status_of(db, gone), "abandoned");
    cr_expect_eq(qcount(db, "SELECT count(*) FROM runs WHERE status = 'abandoned'"), 2);
    /* a reused PID (same pid, another start time) is another process */
    snprintf(sql, sizeof sql, "UPDATE runs SET proc_start = proc_start + 1 WHERE id = %lld",
             (long long)mine);
    exec_sql(db, sql);
    cr_assert_eq(store_mark_abandoned(s, -1, &n, &err), CS_OK);
    cr_expect_eq(n, 1);
    cr_expect_str_eq(status_of(db, mine), "abandoned");
    store_close(s);
}

Test(identity, ending_a_run_keeps_the_reason_and_never_touches_a_done_run)
{
    const char *db = tu_path("r.db");
    store *s = open_ok(db);
    cs_err err = {0};
    run_info a = ident("a", 1, "h1");
    int64_t id, did = done_run(s, &a, 1);
    cr_assert_eq(store_begin_run(s, &a, &id, &err), CS_OK);
    bool changed = false;
    cr_assert_eq(store_end_run(s, id, "interrupted", "interrupted by SIGINT", &changed, &err),
                 CS_OK, "%s", err.msg);
    cr_expect(changed);
    cr_expect_str_eq(status_of(db, id), "interrupted");
    cr_expect_eq(qcount(db, "SELECT count(*) FROM transitions WHERE component = 'run' AND "
                            "to_state = 'interrupted' AND reason = 'interrupted by SIGINT'"),
                 1);
    cr_assert_eq(store_end_run(s, did, "failed", "x", &changed, &err), CS_OK);
    cr_expect(!changed);
    cr_expect_str_eq(status_of(db, did), "done");
    store_close(s);
}

Test(identity, prune_removes_abandoned_and_interrupted_runs_and_duplicates_with_their_rows)
{
    const char *db = tu_path("r.db");
    store *s = open_ok(db);
    cs_err err = {0};
    run_info a = ident("a", 1, "h1"), b = ident("b", 1, "h2");
    done_run(s, &a, 1);
    int64_t keep = done_run(s, &a, 2), other = done_run(s, &b, 3), intr, dead;
    cr_assert_eq(store_begin_run(s, &b, &intr, &err), CS_OK);
    cr_assert_eq(store_end_run(s, intr, "interrupted", "SIGINT", NULL, &err), CS_OK);
    cr_assert_eq(store_begin_run(s, &b, &dead, &err), CS_OK);
    char sql[160];
    snprintf(sql, sizeof sql, "UPDATE runs SET pid = 999999999 WHERE id = %lld", (long long)dead);
    exec_sql(db, sql);
    store_counts gone;
    size_t live;
    store_prune_opts dry = {.dry_run = true, .duplicates = true, .lease_s = -1};
    cr_assert_eq(store_prune(s, &dry, &gone, &live, &err), CS_OK, "%s", err.msg);
    cr_expect_eq(gone.abandoned, 1);
    cr_expect_eq(gone.interrupted, 1);
    cr_expect_eq(gone.duplicates, 1);
    cr_expect_eq(qcount(db, "SELECT count(*) FROM runs"), 5, "a dry run deletes nothing");
    store_prune_opts o = {.lease_s = -1};
    cr_assert_eq(store_prune(s, &o, &gone, &live, &err), CS_OK, "%s", err.msg);
    cr_expect_eq(gone.abandoned + gone.interrupted, 2);
    cr_expect_eq(live, 0);
    cr_expect_eq(qcount(db, "SELECT count(*) FROM runs WHERE status != 'done'"), 0);
    cr_expect_eq(qcount(db, "SELECT count(*) FROM runs"), 3, "duplicates stay without the flag");
    o.duplicates = true;
    cr_assert_eq(store_prune(s, &o, &gone, &live, &err), CS_OK);
    cr_expect_eq(gone.duplicates, 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM runs WHERE id IN (%lld, %lld)", (long long)keep,
             (long long)other);
    cr_expect_eq(qcount(db, sql), 2, "the newest of a duplicate pair stays");
    cr_expect_eq(qcount(db, "SELECT count(*) FROM metrics WHERE run_id NOT IN (SELECT id FROM "
                            "runs)"),
                 0, "no orphan rows");
    cr_expect_eq(qcount(db, "SELECT count(*) FROM series WHERE run_id NOT IN (SELECT id FROM "
                            "runs)"),
                 0);
    store_close(s);
}

/* The version-1 schema as the first release wrote it. */
#define V1_SCHEMA                                                                                  \
    "CREATE TABLE runs(id INTEGER PRIMARY KEY, experiment TEXT, variant TEXT, name TEXT NOT "      \
    "NULL, config_text TEXT, config_hash TEXT, seed INTEGER, version TEXT, started_at TEXT, "      \
    "finished_at TEXT, status TEXT NOT NULL CHECK(status IN ('running','done','failed')), "        \
    "sim_ns INTEGER, events INTEGER, wall_s REAL);"                                                \
    "CREATE TABLE params(run_id INTEGER NOT NULL REFERENCES runs(id), path TEXT NOT NULL, value "  \
    "TEXT);"                                                                                       \
    "CREATE TABLE metrics(run_id INTEGER NOT NULL REFERENCES runs(id), node INTEGER, name TEXT "   \
    "NOT NULL, value REAL);"                                                                       \
    "CREATE TABLE series(run_id INTEGER NOT NULL REFERENCES runs(id), node INTEGER, t_s REAL NOT " \
    "NULL, name TEXT NOT NULL, value REAL);"                                                       \
    "CREATE TABLE transitions(run_id INTEGER NOT NULL REFERENCES runs(id), t_ns INTEGER NOT "      \
    "NULL, node INTEGER, component TEXT NOT NULL, from_state TEXT, to_state TEXT, reason TEXT);"   \
    "CREATE TABLE trace(run_id INTEGER NOT NULL REFERENCES runs(id), t_ns INTEGER NOT NULL, node " \
    "INTEGER, request INTEGER, step TEXT, detail TEXT);"                                           \
    "PRAGMA user_version = 1;"

Test(identity, a_version_1_database_is_read_as_it_is_and_migrated_when_written)
{
    const char *db = tu_path("v1.db");
    exec_sql(db,
             V1_SCHEMA "INSERT INTO runs VALUES(5, 'e', NULL, 'n', 'schema: 1', 'hh', 3, 'old', "
                       "'2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z', 'done', 1, 2, 0.5);"
                       "INSERT INTO runs(id, name, status, started_at) VALUES(6, 'n', 'running', "
                       "'2026-01-01T00:00:00Z');"
                       "INSERT INTO metrics VALUES(5, NULL, 'requests.total', 42);");
    store *s = NULL;
    cs_err err = {0};
    cr_assert_eq(store_open_readonly(db, &s, &err), CS_OK, "a reader takes version 1: %s", err.msg);
    store_run *v;
    size_t n;
    cr_assert_eq(store_unique_runs(s, NULL, &v, &n, NULL, &err), CS_OK, "%s", err.msg);
    cr_expect_eq(n, 1);
    store_runs_free(v, n);
    store_close(s);
    cr_expect_eq(qcount(db, "PRAGMA user_version"), 1, "reading changed nothing");
    s = open_ok(db);
    cr_expect_eq(qcount(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    cr_expect_eq(qcount(db, "SELECT count(*) FROM runs WHERE id = 5 AND status = 'done' AND "
                            "config_hash = 'hh' AND version = 'old' AND host IS NULL"),
                 1, "runs keep their ids and columns");
    cr_expect_eq(qcount(db, "SELECT value FROM metrics WHERE run_id = 5"), 42);
    /* the new statuses are allowed now; a v1 'running' row has no process:
     * the lease from its start decides */
    size_t k = 0;
    cr_assert_eq(store_mark_abandoned(s, -1, &k, &err), CS_OK, "%s", err.msg);
    cr_expect_eq(k, 1, "started in January, far past the lease");
    cr_expect_str_eq(status_of(db, 6), "abandoned");
    store_close(s);
}

Test(identity, the_stored_hash_is_the_hash_of_the_stored_config_text)
{
    config cfg;
    cs_err err = {0};
    cr_assert_eq(config_load("configs/default.yaml", NULL, 0, &cfg, &err), CS_OK, "%s", err.msg);
    char a[17], b[17];
    config_hash(&cfg, a);
    char *t = config_effective_text(&cfg);
    store_text_hash(t, b);
    cr_expect_str_eq(a, b, "merge verifies identities with store_text_hash");
    free(t);
    config_free(&cfg);
}

/* Fails the transaction that would mark the run done. */
static int fail_done(void *arg, const char *stage, size_t row)
{
    (void)arg, (void)row;
    return strcmp(stage, "done") == 0;
}

Test(identity, a_run_whose_rows_cannot_be_written_is_marked_failed_not_left_running)
{
    const char *db = tu_path("r.db");
    store *s = open_ok(db);
    store_set_fault_hook(s, fail_done, NULL);
    config cfg;
    cs_err err = {0};
    const char *sets[] = {"duration=2s", "warmup=0s"};
    cr_assert_eq(config_load("configs/mm1.yaml", sets, 2, &cfg, &err), CS_OK, "%s", err.msg);
    run_rows rows = {0};
    int64_t id = 0;
    cr_expect_eq(runner_run(s, &cfg, NULL, &id, &rows, &err), CS_IO);
    cr_expect(strstr(err.msg, "injected"), "%s", err.msg);
    cr_expect_str_eq(status_of(db, id), "failed");
    cr_expect_eq(qcount(db, "SELECT count(*) FROM metrics"), 0, "no half run");
    rows_free(&rows);
    config_free(&cfg);
    store_close(s);
}

/* ---- the binary: skip, resume, interrupt ---------------------------------- */

/* Run a shell command; its exit status, stdout+stderr into out. */
static int sh(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int sh(char *out, size_t cap, const char *fmt, ...)
{
    char cmd[4096], full[4400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    snprintf(full, sizeof full, "(%s) >%s/out 2>&1", cmd, tu_dir);
    int st = system(full);
    if (out) {
        char p[128];
        snprintf(p, sizeof p, "%s/out", tu_dir);
        FILE *f = fopen(p, "r");
        size_t n = f ? fread(out, 1, cap - 1, f) : 0;
        out[n] = 0;
        if (f)
            fclose(f);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

TestSuite(resume, .init = tu_make_dir, .fini = tu_rm_dir, .timeout = 240);

Test(resume, sweep_check_and_run_skip_runs_already_done_and_say_so)
{
    char out[8192];
    const char *db = tu_path("r.db");
    cr_assert_eq(
        sh(out, sizeof out, BIN " sweep " TINY " --set duration=20s --db %s -j 2 --quiet", db), 0,
        "%s", out);
    cr_expect_eq(qcount(db, "SELECT count(*) FROM runs WHERE status = 'done'"), 40);
    cr_assert_eq(
        sh(out, sizeof out, BIN " sweep " TINY " --set duration=20s --db %s -j 2 --quiet", db), 0,
        "%s", out);
    cr_expect(strstr(out, "40 of 40 runs already done"), "%s", out);
    cr_expect_eq(qcount(db, "SELECT count(*) FROM runs"), 40, "nothing ran again");
    /* another --set is another config: those runs are new */
    cr_assert_eq(sh(out, sizeof out, BIN " check " TINY " --set duration=20s --db %s -j 2", db), 0,
                 "%s", out);
    cr_expect(strstr(out, "40 of 40 runs already done"), "check skips too: %s", out);
    cr_assert_eq(
        sh(out, sizeof out, BIN " sweep " TINY " --set duration=21s --db %s -j 2 --quiet", db), 0,
        "%s", out);
    cr_expect_eq(qcount(db, "SELECT count(*) FROM runs"), 80);
    /* --rerun forces; the rerun then stands for each (scenario, seed) */
    cr_assert_eq(sh(out, sizeof out,
                    BIN " sweep " TINY " --set duration=20s --db %s -j 2 --quiet --rerun", db),
                 0, "%s", out);
    cr_expect_eq(qcount(db, "SELECT count(*) FROM runs"), 120);
    cr_assert_eq(sh(out, sizeof out, BIN " prune %s --duplicates", db), 0, "%s", out);
    cr_expect(strstr(out, "40 duplicate"), "%s", out);
    cr_expect_eq(qcount(db, "SELECT count(*) FROM runs"), 80);
    /* run --skip-done */
    const char *one = tu_path("one.db");
    cr_assert_eq(sh(out, sizeof out,
                    BIN " run configs/mm1.yaml --set duration=5s --set warmup=0s --db %s --quiet",
                    one),
                 0, "%s", out);
    cr_assert_eq(
        sh(out, sizeof out,
           BIN
           " run configs/mm1.yaml --set duration=5s --set warmup=0s --db %s --quiet --skip-done",
           one),
        0, "%s", out);
    cr_expect(strstr(out, "already done as run 1"), "%s", out);
    cr_expect_eq(qcount(one, "SELECT count(*) FROM runs"), 1);
    /* ... also when it is done in another database (a plan's merged db) */
    const char *shard = tu_path("shard.db");
    cr_assert_eq(sh(out, sizeof out,
                    BIN " run configs/mm1.yaml --set duration=5s --set warmup=0s --db %s "
                        "--skip-done --done-in %s",
                    shard, one),
                 0, "%s", out);
    cr_expect(strstr(out, "skipped"), "%s", out);
    cr_expect_eq(access(shard, F_OK), -1, "the shard was not even created");
}

/* Start CMD in its own process group; returns the group's leader pid. */
static pid_t start_group(const char *cmd)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        setpgid(0, 0);
        char full[4400];
        snprintf(full, sizeof full, "exec %s >%s/bg.out 2>&1", cmd, tu_dir);
        execl("/bin/sh", "sh", "-c", full, (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid);
    return pid;
}

static int wait_status(pid_t pid)
{
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char *bg_out(void)
{
    static char buf[8192];
    char p[128];
    snprintf(p, sizeof p, "%s/bg.out", tu_dir);
    FILE *f = fopen(p, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[n] = 0;
    if (f)
        fclose(f);
    return buf;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

Test(resume, sigterm_and_sigint_mark_a_run_interrupted_exit_143_130_and_say_how_to_resume)
{
    const char *db = tu_path("r.db");
    const int sigs[] = {SIGTERM, SIGINT};
    for (int k = 0; k < 2; k++) {
        char cmd[512];
        snprintf(cmd, sizeof cmd,
                 BIN " run configs/mm1.yaml --set duration=30000s --set warmup=0s --db %s", db);
        pid_t pid = start_group(cmd);
        sleep_ms(800);
        /* SIGTERM to the process alone (a batch system's kill), SIGINT to
         * the group (a terminal's Ctrl-C) */
        if (sigs[k] == SIGTERM)
            kill(pid, SIGTERM);
        else
            kill(-pid, SIGINT);
        int rc = wait_status(pid);
        cr_expect_eq(rc, 128 + sigs[k], "exit %d: %s", rc, bg_out());
        cr_expect(strstr(bg_out(), "interrupted by"), "%s", bg_out());
        cr_expect(strstr(bg_out(), "run the same command again"), "%s", bg_out());
        cr_expect_eq(qcount(db, "SELECT count(*) FROM runs WHERE status = 'running'"), 0);
        cr_expect_eq(qcount(db, "SELECT count(*) FROM runs WHERE status = 'interrupted'"), k + 1);
    }
}

/* The issue-12 acceptance test: a 40-run sweep -j 2 killed at random moments
 * (SIGINT to the group like Ctrl-C, or SIGKILL to the group like an OOM
 * killer or a lost node), 10 trials: each rerun completes exactly the
 * missing runs; compare then counts 5 runs per scenario; after prune no
 * run is 'running'.  Moments come from a fixed-seed generator. */
Test(resume, a_sweep_killed_at_random_moments_resumes_exactly_the_missing_runs, .timeout = 400)
{
    const char *db = tu_path("k.db");
    char cmd[512], out[16384];
    snprintf(cmd, sizeof cmd, BIN " sweep " TINY " --db %s -j 2 --quiet", db);
    /* How long one whole sweep takes here: the moments are drawn inside it. */
    struct timespec t0, t1;
    const char *ref = tu_path("ref.db");
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cr_assert_eq(sh(out, sizeof out, BIN " sweep " TINY " --db %s -j 2 --quiet", ref), 0, "%s",
                 out);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long full_ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    unsigned rng = 12345;
    for (int trial = 0; trial < 10; trial++) {
        unlink(db);
        rng = rng * 1103515245u + 12345u;
        long at = 100 + (long)((rng >> 8) % (unsigned long)(full_ms > 300 ? full_ms - 200 : 100));
        int sig = trial % 2 ? SIGKILL : SIGINT;
        pid_t pid = start_group(cmd);
        sleep_ms(at);
        kill(-pid, sig);
        int rc = wait_status(pid);
        /* SIGKILL leaves no chance to speak; SIGINT must say how to resume
         * (or the sweep had just finished: 0) */
        if (sig == SIGINT && rc != 0) {
            cr_expect_eq(rc, 130, "trial %d: exit %d: %s", trial, rc, bg_out());
            cr_expect(strstr(bg_out(), "to resume"), "trial %d: %s", trial, bg_out());
            cr_expect_eq(qcount(db, "SELECT count(*) FROM runs WHERE status = 'running'"), 0,
                         "trial %d: SIGINT leaves nothing running", trial);
        }
        sleep_ms(50); /* let the killed group's last process disappear */
        int64_t done = qcount(db, "SELECT count(*) FROM runs WHERE status = 'done'");
        cr_assert_eq(sh(out, sizeof out, "%s", cmd), 0, "trial %d rerun: %s", trial, out);
        if (done) {
            char want[96];
            snprintf(want, sizeof want, "%lld of 40 runs already done in %s, running %lld",
                     (long long)done, db, 40 - (long long)done);
            cr_expect(strstr(out, want), "trial %d (killed at %ld ms, %s): want '%s' in: %s", trial,
                      at, sig == SIGINT ? "SIGINT" : "SIGKILL", want, out);
        }
        cr_expect_eq(qcount(db, "SELECT count(*) FROM runs WHERE status = 'done'"), 40, "trial %d",
                     trial);
        cr_expect_eq(qcount(db, "SELECT count(DISTINCT config_hash) FROM runs WHERE status = "
                                "'done'"),
                     40, "trial %d: each run once", trial);
        cr_assert_eq(sh(out, sizeof out, BIN " prune %s", db), 0, "%s", out);
        cr_expect_eq(qcount(db, "SELECT count(*) FROM runs WHERE status = 'running'"), 0,
                     "trial %d: %s", trial, out);
        cr_expect_eq(qcount(db, "SELECT count(*) FROM runs WHERE status != 'done'"), 0);
    }
    /* compare counts 5 runs per scenario, and the rows are those of a
     * sweep never killed */
    cr_assert_eq(sh(out, sizeof out,
                    BIN " compare --baseline %s --candidate %s --format tsv | awk -F'\\t' "
                        "'$4 == \"requests.total\" {print $5, $8}' | sort | uniq -c",
                    ref, db),
                 0, "%s", out);
    cr_expect_str_eq(out, "      8 5 5\n", "8 scenarios, 5 runs each on both sides");
    cr_assert_eq(sh(out, sizeof out,
                    "for d in %s %s; do sqlite3 $d \"SELECT r.config_hash, m.node, m.name, "
                    "m.value FROM runs r JOIN metrics m ON m.run_id = r.id ORDER BY "
                    "r.config_hash, m.rowid\" | md5sum; done | uniq | wc -l",
                    ref, db),
                 0, "%s", out);
    cr_expect_str_eq(out, "1\n", "metrics rows equal those of an uninterrupted sweep");
}

/* ---- merge ---------------------------------------------------------------- */

TestSuite(merge, .init = tu_make_dir, .fini = tu_rm_dir, .timeout = 120);

/* A shard: one run of mm1 written by `run` into path. */
static void make_shard(const char *path, int seed)
{
    char out[4096];
    cr_assert_eq(
        sh(out, sizeof out,
           BIN " run configs/mm1.yaml --set duration=5s --set warmup=0s --seed %d --db %s --quiet",
           seed, path),
        0, "%s", out);
}

Test(merge, merging_twice_changes_nothing_and_rows_arrive_whole)
{
    char out[4096];
    const char *a = tu_path("a.db"), *b = tu_path("b.db"), *o = tu_path("o.db");
    make_shard(a, 1);
    make_shard(b, 2);
    cr_assert_eq(sh(out, sizeof out, BIN " merge %s %s %s", o, a, b), 0, "%s", out);
    cr_expect(strstr(out, "2 runs merged, 0 skipped, 0 refused"), "%s", out);
    int64_t rows = qcount(o, "SELECT (SELECT count(*) FROM series) + (SELECT count(*) FROM "
                             "metrics) + (SELECT count(*) FROM params)");
    int64_t want = qcount(a, "SELECT (SELECT count(*) FROM series) + (SELECT count(*) FROM "
                             "metrics) + (SELECT count(*) FROM params)") +
                   qcount(b, "SELECT (SELECT count(*) FROM series) + (SELECT count(*) FROM "
                             "metrics) + (SELECT count(*) FROM params)");
    cr_expect_eq(rows, want);
    cr_assert_eq(sh(out, sizeof out, BIN " merge %s %s %s", o, a, b), 0, "%s", out);
    cr_expect(strstr(out, "0 runs merged, 2 skipped"), "%s", out);
    cr_expect_eq(qcount(o, "SELECT count(*) FROM runs"), 2);
    cr_expect_eq(qcount(o, "SELECT (SELECT count(*) FROM series) + (SELECT count(*) FROM "
                           "metrics) + (SELECT count(*) FROM params)"),
                 rows, "idempotent");
}

Test(merge, a_truncated_shard_exits_3_and_another_schema_exits_2_naming_the_file)
{
    char out[4096];
    char a[192], o[192], t[192], v[192], old[192];
    snprintf(a, sizeof a, "%s", tu_path("a.db"));
    snprintf(o, sizeof o, "%s", tu_path("o.db"));
    snprintf(t, sizeof t, "%s", tu_path("trunc.db"));
    snprintf(v, sizeof v, "%s", tu_path("v99.db"));
    snprintf(old, sizeof old, "%s", tu_path("v1.db"));
    make_shard(a, 1);
    /* truncated: the first pages only */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "head -c 12288 %s > %s", a, t);
    cr_assert_eq(system(cmd), 0);
    cr_assert_eq(sh(out, sizeof out, BIN " merge %s %s", o, t), 3, "%s", out);
    cr_expect(strstr(out, t), "names the file: %s", out);
    cr_expect_eq(qcount(o, "SELECT count(*) FROM runs"), 0, "nothing of it merged");
    /* another schema version */
    snprintf(cmd, sizeof cmd, "cp %s %s && cp %s %s", a, v, a, old);
    cr_assert_eq(system(cmd), 0);
    exec_sql(v, "PRAGMA user_version = 99");
    cr_assert_eq(sh(out, sizeof out, BIN " merge %s %s", o, v), 2, "%s", out);
    cr_expect(strstr(out, v) && strstr(out, "schema version 99"), "%s", out);
    exec_sql(old, "PRAGMA user_version = 1");
    cr_assert_eq(sh(out, sizeof out, BIN " merge %s %s", o, old), 2, "%s", out);
    cr_expect(strstr(out, "--old-schema"), "%s", out);
    cr_expect_eq(qcount(o, "SELECT count(*) FROM runs"), 0);
    /* a shard of another binary version is refused unless told */
    exec_sql(a, "UPDATE runs SET version = 'v0.0-other'");
    cr_assert_eq(sh(out, sizeof out, BIN " merge %s %s", o, a), 2, "%s", out);
    cr_expect(strstr(out, "v0.0-other") && strstr(out, "--any-version"), "%s", out);
    cr_assert_eq(sh(out, sizeof out, BIN " merge %s %s --any-version", o, a), 0, "%s", out);
    cr_expect_eq(qcount(o, "SELECT count(*) FROM runs"), 1);
    /* a tampered run (its hash is not its config's) is refused */
    const char *c = tu_path("c.db");
    make_shard(c, 3);
    exec_sql(c, "UPDATE runs SET config_text = config_text || '# edited'");
    cr_assert_eq(sh(out, sizeof out, BIN " merge %s %s", o, c), 2, "%s", out);
    cr_expect(strstr(out, "not the hash of its config"), "%s", out);
}

Test(merge, a_killed_jobs_running_row_is_never_merged)
{
    char out[4096];
    const char *a = tu_path("a.db"), *o = tu_path("o.db");
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             BIN " run configs/mm1.yaml --set duration=30000s --set warmup=0s --db %s", a);
    pid_t pid = start_group(cmd);
    sleep_ms(800);
    kill(-pid, SIGKILL);
    wait_status(pid);
    cr_assert_eq(qcount(a, "SELECT count(*) FROM runs WHERE status = 'running'"), 1,
                 "the killed job left its row running");
    make_shard(a, 2); /* and a done run beside it */
    cr_assert_eq(sh(out, sizeof out, BIN " merge %s %s", o, a), 0, "%s", out);
    cr_expect(strstr(out, "1 runs merged") && strstr(out, "1 not done"), "%s", out);
    cr_expect_eq(qcount(o, "SELECT count(*) FROM runs WHERE status != 'done'"), 0);
    cr_expect_eq(qcount(o, "SELECT count(*) FROM runs"), 1);
}

/* ---- plots count each (scenario, seed) once ---------------------------------- */

Test(resume, a_sweep_plot_averages_each_scenario_and_seed_once_the_newest_run)
{
    char out[8192], a[8192];
    const char *db = tu_path("p.db");
    cr_assert_eq(sh(out, sizeof out, BIN " sweep " TINY " --set duration=20s --db %s -j 2 -q", db),
                 0, "%s", out);
    cr_assert_eq(sh(out, sizeof out,
                    BIN " plot %s --kind sweep --out %s/one --keep-data && cat %s/one/*.dat", db,
                    tu_dir, tu_dir),
                 0, "%s", out);
    snprintf(a, sizeof a, "%s", out);
    cr_expect(strstr(a, " 5 \"100/s\" \"1\""), "n = 5 per point: %s", a);
    /* a rerun of everything, then the first copies made absurd: a plot that
     * averaged both copies would show n = 10 and other means */
    cr_assert_eq(
        sh(out, sizeof out, BIN " sweep " TINY " --set duration=20s --db %s -j 2 -q --rerun", db),
        0, "%s", out);
    exec_sql(db, "UPDATE metrics SET value = value * 1000 WHERE run_id <= 40");
    cr_assert_eq(sh(out, sizeof out,
                    BIN " plot %s --kind sweep --out %s/two --keep-data && cat %s/two/*.dat", db,
                    tu_dir, tu_dir),
                 0, "%s", out);
    /* the data files are equal (the redraw command line before them names
     * another directory, and quotes its strings) */
    char *da = strstr(a, "# cachestorm sweep"), *db2 = strstr(out, "# cachestorm sweep");
    cr_assert(da && db2, "%s\n%s", a, out);
    char *ea = strstr(da, "cachestorm plot:"), *eb = strstr(db2, "cachestorm plot:");
    if (ea)
        *ea = 0;
    if (eb)
        *eb = 0;
    cr_expect_str_eq(db2, da);
}

/* A run process that dies of another signal (an abort, an OOM kill of the
 * child alone) is marked failed by its parent, with the signal, and `run`
 * exits 3 — never a row left 'running' (issue 16, defect 10). */
Test(resume, a_run_process_killed_by_abort_is_marked_failed_with_the_signal)
{
    const char *db = tu_path("r.db");
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             BIN " run configs/mm1.yaml --set duration=30000s --set warmup=0s --db %s", db);
    pid_t pid = start_group(cmd);
    /* the run itself is the only child of the `run` process */
    pid_t child = 0;
    for (int i = 0; i < 100 && !child; i++) {
        sleep_ms(50);
        char p[64], buf[64] = "";
        snprintf(p, sizeof p, "/proc/%d/task/%d/children", (int)pid, (int)pid);
        FILE *f = fopen(p, "r");
        if (f && fgets(buf, sizeof buf, f))
            child = (pid_t)atoi(buf);
        if (f)
            fclose(f);
    }
    cr_assert_gt(child, 0, "no run child found");
    sleep_ms(300);
    kill(child, SIGABRT);
    int rc = wait_status(pid);
    cr_expect_eq(rc, 3, "exit %d: %s", rc, bg_out());
    cr_expect(strstr(bg_out(), "signal 6"), "%s", bg_out());
    cr_expect_eq(qcount(db, "SELECT count(*) FROM runs WHERE status = 'failed'"), 1);
    cr_expect_eq(qcount(db, "SELECT count(*) FROM transitions WHERE component = 'run' AND "
                            "to_state = 'failed' AND reason LIKE '%signal 6%'"),
                 1);
}

/* ---- the plan ------------------------------------------------------------------ */

Test(merge, a_plan_is_one_self_contained_job_per_run_as_lines_or_json)
{
    char out[65536];
    cr_assert_eq(sh(out, sizeof out,
                    BIN " sweep " TINY " --plan --plan-dir %s/p --db %s/all.db | wc -l", tu_dir,
                    tu_dir),
                 0, "%s", out);
    cr_expect_str_eq(out, "40\n");
    /* every config the jobs name is there, named by its run's hash */
    cr_assert_eq(sh(out, sizeof out, "ls %s/p/configs/*.yaml | wc -l; wc -l < %s/p/jobs.txt",
                    tu_dir, tu_dir),
                 0, "%s", out);
    cr_expect_str_eq(out, "40\n40\n");
    cr_assert_eq(sh(out, sizeof out,
                    BIN " sweep " TINY " --plan --plan-dir %s/p --db %s/all.db --format json | "
                        "python3 -c 'import json,sys; d=json.load(sys.stdin); j=d[\"jobs\"]; "
                        "print(len(j), len(set(x[\"config_hash\"] for x in j)), "
                        "sorted(set(x[\"seed\"] for x in j)))'",
                    tu_dir, tu_dir),
                 0, "%s", out);
    cr_expect_str_eq(out, "40 40 [1, 2, 3, 4, 5]\n");
    cr_expect_eq(sh(out, sizeof out, BIN " sweep " TINY " --plan --format xml"), 2, "%s", out);
    cr_expect_eq(sh(out, sizeof out, BIN " sweep " TINY " --submit"), 2, "%s", out);
    cr_expect_eq(sh(out, sizeof out, BIN " merge %s/o.db", tu_dir), 2, "%s", out);
    cr_expect(strstr(out, "no shard"), "%s", out);
}
