/* store_runs.c — run identity and liveness on the run store (store.h): which
 * 'running' rows still have a process, ending runs as failed / interrupted /
 * abandoned, the identity look-up that lets sweep, check and tune skip runs
 * already done, the one-run-per-(scenario, seed) read every statistic uses,
 * and prune.
 *
 * Liveness is judged the way a process can judge it without a daemon: on
 * the same host, the PID must exist and have the start time the row
 * recorded (/proc/PID/stat field 22, proc(5)) — a reused PID is another
 * process; on another host only the lease can tell.  Nothing here prints. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim/store/store.h"

/* ---- this process ---------------------------------------------------------- */

/* Field 22 of /proc/PID/stat (starttime, clock ticks after boot), or -1;
 * *zombie (may be NULL) tells whether the process has exited and only
 * waits to be reaped (state Z or X: it runs nothing any more). */
static int64_t proc_stat(int64_t pid, bool *zombie)
{
    if (zombie)
        *zombie = false;
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%lld/stat", (long long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    /* comm (field 2) may hold spaces and ')': fields resume after the last ')'. */
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    p++;
    if (zombie && (p[1] == 'Z' || p[1] == 'X'))
        *zombie = true;
    /* p is at the space before field 3; each step moves to the next field. */
    for (int field = 3; field < 22 && p; field++) {
        p = strchr(p + 1, ' ');
    }
    if (!p)
        return -1;
    char *end;
    long long v = strtoll(p + 1, &end, 10);
    return end == p + 1 ? -1 : v;
}

void store_proc_self(store_proc *p)
{
    memset(p, 0, sizeof *p);
    if (gethostname(p->host, sizeof p->host - 1) != 0)
        snprintf(p->host, sizeof p->host, "unknown");
    p->pid = (int64_t)getpid();
    p->start = proc_stat(p->pid, NULL);
}

bool store_run_alive(const char *host, int64_t pid, int64_t start, int64_t lease_until, int64_t now)
{
    store_proc me;
    store_proc_self(&me);
    if (host && pid > 0 && strcmp(host, me.host) == 0) {
        if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
            return false;
        bool zombie;
        int64_t st = proc_stat(pid, &zombie);
        if (zombie)
            return false; /* exited, not yet reaped by its parent */
        if (start >= 0 && st >= 0 && st != start)
            return false; /* the PID now belongs to another process */
        return true;
    }
    return lease_until <= 0 || now < lease_until;
}

/* ---- small helpers ----------------------------------------------------------- */

static int sql_err(store *s, const char *what, cs_err *err)
{
    sqlite3 *db = store_db(s);
    int rc = sqlite3_errcode(db);
    return cs_errf(err, CS_IO, "%s: %s: %s%s", store_path(s), what, sqlite3_errmsg(db),
                   rc == SQLITE_BUSY || rc == SQLITE_LOCKED
                       ? " (another process held the database longer than the busy timeout)"
                   : rc == SQLITE_READONLY ? " (no write permission)"
                   : rc == SQLITE_FULL     ? " (disk full)"
                                           : "");
}

static void rollback(store *s)
{
    if (!sqlite3_get_autocommit(store_db(s)))
        sqlite3_exec(store_db(s), "ROLLBACK", NULL, NULL, NULL);
}

static char *dup_col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? cs_strdup((const char *)t) : NULL;
}

static void now_utc(char buf[32])
{
    time_t t = time(NULL);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(buf, 32, "unknown");
}

/* Does the database have the version-2 process columns?  (A version-1 file
 * opened read-only does not.) */
static bool has_proc_columns(store *s)
{
    sqlite3_stmt *st = NULL;
    bool ok = sqlite3_prepare_v2(store_db(s), "SELECT host, pid, proc_start, lease_until FROM runs",
                                 -1, &st, NULL) == SQLITE_OK;
    sqlite3_finalize(st);
    return ok;
}

/* ---- ending runs -------------------------------------------------------------- */

/* Set status and finished_at of the running runs matching `where` (bound
 * with one int64), add a transitions row running → status with `why`. */
static int end_where(store *s, const char *where, int64_t arg, const char *host, const char *status,
                     const char *why, size_t *n, cs_err *err)
{
    sqlite3 *db = store_db(s);
    char sql[512], now[32];
    now_utc(now);
    *n = 0;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return sql_err(s, "cannot lock the database to end a run", err);
    sqlite3_stmt *tr = NULL, *up = NULL;
    int rc = CS_OK;
    /* The transitions row first (it needs the runs still 'running'). */
    snprintf(sql, sizeof sql,
             "INSERT INTO transitions(run_id, t_ns, node, component, from_state, to_state, "
             "reason) SELECT id, 0, NULL, 'run', 'running', ?2, ?3 FROM runs "
             "WHERE status = 'running' AND %s",
             where);
    if (sqlite3_prepare_v2(db, sql, -1, &tr, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_int64(tr, 1, arg);
    sqlite3_bind_text(tr, 2, status, -1, SQLITE_STATIC);
    if (why)
        sqlite3_bind_text(tr, 3, why, -1, SQLITE_STATIC);
    if (host)
        sqlite3_bind_text(tr, 4, host, -1, SQLITE_STATIC);
    if (sqlite3_step(tr) != SQLITE_DONE)
        goto fail;
    snprintf(sql, sizeof sql,
             "UPDATE runs SET status = ?2, finished_at = ?3 WHERE status = 'running' AND %s",
             where);
    if (sqlite3_prepare_v2(db, sql, -1, &up, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_int64(up, 1, arg);
    sqlite3_bind_text(up, 2, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(up, 3, now, -1, SQLITE_STATIC);
    if (host)
        sqlite3_bind_text(up, 4, host, -1, SQLITE_STATIC);
    if (sqlite3_step(up) != SQLITE_DONE)
        goto fail;
    *n = (size_t)sqlite3_changes(db);
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    goto out;
fail:
    rc = sql_err(s, "cannot end a run", err);
    rollback(s);
    *n = 0;
out:
    sqlite3_finalize(tr);
    sqlite3_finalize(up);
    return rc;
}

int store_end_run(store *s, int64_t run_id, const char *status, const char *why, bool *changed,
                  cs_err *err)
{
    size_t n = 0;
    int rc = end_where(s, "id = ?1", run_id, NULL, status, why, &n, err);
    if (changed)
        *changed = n > 0;
    return rc;
}

int store_end_process_runs(store *s, int64_t pid, const char *status, const char *why, size_t *n,
                           cs_err *err)
{
    store_proc me;
    store_proc_self(&me);
    size_t k = 0;
    int rc = end_where(s, "pid = ?1 AND host = ?4", pid, me.host, status, why, &k, err);
    if (n)
        *n = k;
    return rc;
}

int store_mark_abandoned(store *s, int64_t lease_s, size_t *n, cs_err *err)
{
    *n = 0;
    if (!has_proc_columns(s))
        return CS_OK; /* a version-1 file opened read-only: nothing to mark */
    sqlite3 *db = store_db(s);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, host, pid, proc_start, lease_until, "
                           "CAST(strftime('%s', started_at) AS INTEGER) FROM runs "
                           "WHERE status = 'running' ORDER BY id",
                           -1, &q, NULL) != SQLITE_OK)
        return sql_err(s, "cannot read running runs", err);
    int64_t *dead = NULL;
    size_t nd = 0, cap = 0;
    int64_t now = (int64_t)time(NULL);
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        const char *host = (const char *)sqlite3_column_text(q, 1);
        int64_t pid = sqlite3_column_type(q, 2) == SQLITE_NULL ? 0 : sqlite3_column_int64(q, 2);
        int64_t start = sqlite3_column_type(q, 3) == SQLITE_NULL ? -1 : sqlite3_column_int64(q, 3);
        int64_t lease = sqlite3_column_int64(q, 4);
        int64_t started = sqlite3_column_int64(q, 5);
        if (lease_s >= 0 || lease <= 0)
            lease = started + (lease_s >= 0 ? lease_s : STORE_LEASE_S);
        if (!store_run_alive(host, pid, start, lease, now)) {
            cs_grow((void **)&dead, &cap, nd + 1, sizeof *dead);
            dead[nd++] = sqlite3_column_int64(q, 0);
        }
    }
    sqlite3_finalize(q);
    int rc = r == SQLITE_DONE ? CS_OK : sql_err(s, "cannot read running runs", err);
    for (size_t i = 0; i < nd && !rc; i++) {
        bool changed = false;
        rc = store_end_run(s, dead[i], "abandoned",
                           "its process died without ending it (found by a later process)",
                           &changed, err);
        *n += changed;
    }
    free(dead);
    return rc;
}

/* ---- identity ----------------------------------------------------------------- */

int store_find_done(store *s, const run_info *ri, int64_t *id, cs_err *err)
{
    sqlite3 *db = store_db(s);
    sqlite3_stmt *q = NULL;
    *id = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT max(id) FROM runs WHERE status = 'done' AND config_hash = ?1 "
                           "AND seed = ?2 AND version IS ?3 AND experiment IS ?4 AND variant IS ?5 "
                           "AND name = ?6",
                           -1, &q, NULL) != SQLITE_OK)
        return sql_err(s, "cannot look up done runs", err);
    sqlite3_bind_text(q, 1, ri->config_hash ? ri->config_hash : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)ri->seed);
    if (ri->version)
        sqlite3_bind_text(q, 3, ri->version, -1, SQLITE_STATIC);
    if (ri->experiment)
        sqlite3_bind_text(q, 4, ri->experiment, -1, SQLITE_STATIC);
    if (ri->variant)
        sqlite3_bind_text(q, 5, ri->variant, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, ri->name ? ri->name : "", -1, SQLITE_STATIC);
    int r = sqlite3_step(q);
    if (r == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
        *id = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    if (r != SQLITE_ROW)
        return sql_err(s, "cannot look up done runs", err);
    return CS_OK;
}

/* The done runs that stand for their (scenario, seed): the newest of each.
 * A run without a config hash (written by hand, or by a tool that did not
 * record it) has no identity to share: it stands for itself. */
#define UNIQUE_SQL                                                                                 \
    "SELECT id, experiment, variant, name, config_hash, version, seed FROM ("                      \
    "SELECT *, row_number() OVER (PARTITION BY experiment, variant, name, seed, "                  \
    "coalesce(config_hash, 'run ' || id) ORDER BY id DESC) AS rank FROM runs "                     \
    "WHERE status = 'done') WHERE rank = 1 "

int store_unique_runs(store *s, const char *experiment, store_run **out, size_t *n, size_t *dropped,
                      cs_err *err)
{
    sqlite3 *db = store_db(s);
    sqlite3_stmt *q = NULL;
    *out = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(db, UNIQUE_SQL "AND (?1 IS NULL OR experiment = ?1) ORDER BY id", -1, &q,
                           NULL) != SQLITE_OK)
        return sql_err(s, "cannot read the runs", err);
    if (experiment)
        sqlite3_bind_text(q, 1, experiment, -1, SQLITE_STATIC);
    size_t cap = 0;
    int r;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        cs_grow((void **)out, &cap, *n + 1, sizeof **out);
        store_run *x = &(*out)[(*n)++];
        x->id = sqlite3_column_int64(q, 0);
        x->experiment = dup_col(q, 1);
        x->variant = dup_col(q, 2);
        x->name = dup_col(q, 3);
        x->config_hash = dup_col(q, 4);
        x->version = dup_col(q, 5);
        x->seed = (uint64_t)sqlite3_column_int64(q, 6);
    }
    sqlite3_finalize(q);
    if (r != SQLITE_DONE) {
        store_runs_free(*out, *n);
        *out = NULL;
        *n = 0;
        return sql_err(s, "cannot read the runs", err);
    }
    if (dropped) {
        *dropped = 0;
        if (sqlite3_prepare_v2(db,
                               "SELECT count(*) FROM runs WHERE status = 'done' AND "
                               "(?1 IS NULL OR experiment = ?1)",
                               -1, &q, NULL) != SQLITE_OK)
            return sql_err(s, "cannot count the runs", err);
        if (experiment)
            sqlite3_bind_text(q, 1, experiment, -1, SQLITE_STATIC);
        if (sqlite3_step(q) == SQLITE_ROW)
            *dropped = (size_t)sqlite3_column_int64(q, 0) - *n;
        sqlite3_finalize(q);
    }
    return CS_OK;
}

void store_runs_free(store_run *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].experiment);
        free(v[i].variant);
        free(v[i].name);
        free(v[i].config_hash);
        free(v[i].version);
    }
    free(v);
}

int store_count_runs(store *s, store_counts *c, cs_err *err)
{
    memset(c, 0, sizeof *c);
    sqlite3 *db = store_db(s);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, "SELECT status, count(*) FROM runs GROUP BY status", -1, &q, NULL) !=
        SQLITE_OK)
        return sql_err(s, "cannot count the runs", err);
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *st = (const char *)sqlite3_column_text(q, 0);
        size_t k = (size_t)sqlite3_column_int64(q, 1);
        if (!st)
            continue;
        if (!strcmp(st, "running"))
            c->running = k;
        else if (!strcmp(st, "done"))
            c->done = k;
        else if (!strcmp(st, "failed"))
            c->failed = k;
        else if (!strcmp(st, "interrupted"))
            c->interrupted = k;
        else if (!strcmp(st, "abandoned"))
            c->abandoned = k;
    }
    sqlite3_finalize(q);
    store_run *u;
    size_t n;
    int rc = store_unique_runs(s, NULL, &u, &n, &c->duplicates, err);
    store_runs_free(u, n);
    return rc;
}

/* ---- prune ------------------------------------------------------------------ */

static const char *const run_tables[] = {"params", "metrics", "series", "transitions", "trace",
                                           "hist"};

int store_prune(store *s, const store_prune_opts *o, store_counts *removed, size_t *still_running,
                cs_err *err)
{
    memset(removed, 0, sizeof *removed);
    *still_running = 0;
    size_t marked = 0;
    int rc = CS_OK;
    if (!o->dry_run && (rc = store_mark_abandoned(s, o->lease_s, &marked, err)))
        return rc;
    sqlite3 *db = store_db(s);
    /* The doomed ids go to a temporary table: one definition for counting
     * and for deleting from every table. */
    char sel[1024];
    snprintf(sel, sizeof sel,
             "CREATE TEMP TABLE IF NOT EXISTS doomed(id INTEGER PRIMARY KEY, why TEXT);"
             "DELETE FROM temp.doomed;"
             "INSERT INTO temp.doomed SELECT id, status FROM runs WHERE status IN "
             "('abandoned', 'interrupted'%s);",
             o->failed ? ", 'failed'" : "");
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return sql_err(s, "cannot lock the database to prune it", err);
    if (sqlite3_exec(db, sel, NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    if (o->dry_run) {
        /* Count the rows a real prune would mark abandoned too. */
        sqlite3_stmt *q = NULL;
        if (sqlite3_prepare_v2(db,
                               "SELECT id, host, pid, proc_start, lease_until, "
                               "CAST(strftime('%s', started_at) AS INTEGER) FROM runs "
                               "WHERE status = 'running'",
                               -1, &q, NULL) != SQLITE_OK) {
            /* a version-1 file: no process columns, judge by the lease alone */
            sqlite3_finalize(q);
            q = NULL;
        }
        int64_t now = (int64_t)time(NULL);
        while (q && sqlite3_step(q) == SQLITE_ROW) {
            int64_t lease = sqlite3_column_int64(q, 4), started = sqlite3_column_int64(q, 5);
            if (o->lease_s >= 0 || lease <= 0)
                lease = started + (o->lease_s >= 0 ? o->lease_s : STORE_LEASE_S);
            if (!store_run_alive(
                    (const char *)sqlite3_column_text(q, 1), sqlite3_column_int64(q, 2),
                    sqlite3_column_type(q, 3) == SQLITE_NULL ? -1 : sqlite3_column_int64(q, 3),
                    lease, now)) {
                char ins[128];
                snprintf(ins, sizeof ins, "INSERT INTO temp.doomed VALUES(%lld, 'abandoned')",
                         (long long)sqlite3_column_int64(q, 0));
                sqlite3_exec(db, ins, NULL, NULL, NULL);
            }
        }
        sqlite3_finalize(q);
    }
    if (o->duplicates &&
        sqlite3_exec(db,
                     "INSERT INTO temp.doomed SELECT id, 'duplicate' FROM runs WHERE status = "
                     "'done' AND id NOT IN (SELECT id FROM (" UNIQUE_SQL "))",
                     NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, "SELECT why, count(*) FROM temp.doomed GROUP BY why", -1, &q,
                           NULL) != SQLITE_OK)
        goto fail;
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *w = (const char *)sqlite3_column_text(q, 0);
        size_t k = (size_t)sqlite3_column_int64(q, 1);
        if (!strcmp(w, "abandoned"))
            removed->abandoned = k;
        else if (!strcmp(w, "interrupted"))
            removed->interrupted = k;
        else if (!strcmp(w, "failed"))
            removed->failed = k;
        else if (!strcmp(w, "duplicate"))
            removed->duplicates = k;
    }
    sqlite3_finalize(q);
    if (!o->dry_run) {
        for (size_t t = 0; t < sizeof run_tables / sizeof *run_tables; t++) {
            char del[160];
            snprintf(del, sizeof del, "DELETE FROM %s WHERE run_id IN (SELECT id FROM temp.doomed)",
                     run_tables[t]);
            if (sqlite3_exec(db, del, NULL, NULL, NULL) != SQLITE_OK)
                goto fail;
        }
        if (sqlite3_exec(db, "DELETE FROM runs WHERE id IN (SELECT id FROM temp.doomed)", NULL,
                         NULL, NULL) != SQLITE_OK)
            goto fail;
    }
    if (sqlite3_prepare_v2(db,
                           "SELECT count(*) FROM runs WHERE status = 'running' AND id NOT IN "
                           "(SELECT id FROM temp.doomed)",
                           -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        *still_running = (size_t)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_exec(db, "DROP TABLE temp.doomed", NULL, NULL, NULL);
    if (sqlite3_exec(db, o->dry_run ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    (void)marked;
    return CS_OK;
fail:
    rc = sql_err(s, "cannot prune", err);
    rollback(s);
    return rc;
}
