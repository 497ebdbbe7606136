/* store.c — the run store on SQLite (see store.h; INTERFACES.md "Database").
 *
 * Crash safety comes from SQLite's transactions: a run's rows and its
 * status = 'done' commit together or not at all, and 'done' is the last
 * statement of that transaction.  Concurrency comes from WAL (readers never
 * block the writer) plus a busy timeout (writers queue for each other);
 * writes take the lock up front with BEGIN IMMEDIATE so two writers never
 * deadlock upgrading read locks.  Wall-clock dates are metadata in `runs`
 * only; no result row depends on them.  Elsewhere: the migration
 * from version 1 is in store_migrate.c, run liveness, identity look-ups
 * and prune in store_runs.c, merging databases in store_merge.c.
 */
#include "sim/store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sim/store/store_schema.h"

struct store {
    sqlite3 *db;
    char *path;
    int busy_ms;
    bool readonly;
    store_fault_hook hook; /* fault injection for tests; NULL in production */
    void *hook_arg;
};

/* ---- errors ------------------------------------------------------------ */

/* A short explanation of an SQLite result code for a user who sees it. */
static const char *hint(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return " (another process held the database longer than the busy timeout)";
    case SQLITE_READONLY:
        return " (no write permission on the file, its -wal/-shm files or its directory)";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return " (corrupt, or not a SQLite database)";
    case SQLITE_FULL:
        return " (disk full)";
    case SQLITE_CANTOPEN:
        return " (missing directory or no permission)";
    default:
        return "";
    }
}

/* Fill err with "PATH: WHAT: sqlite message (hint)" from the connection's
 * last error; returns CS_IO. */
static int db_err(cs_err *err, const char *path, sqlite3 *db, const char *what)
{
    int rc = db ? sqlite3_extended_errcode(db) : SQLITE_NOMEM;
    const char *msg = db ? sqlite3_errmsg(db) : "out of memory";
    return cs_errf(err, CS_IO, "%s: %s: %s%s", path, what, msg, hint(rc));
}

/* db_err for an open store: a write refused because the store itself was
 * opened read-only says so instead of blaming file permissions. */
static int store_err(cs_err *err, const store *s, const char *what)
{
    if (s->readonly && (sqlite3_extended_errcode(s->db) & 0xff) == SQLITE_READONLY)
        return cs_errf(err, CS_IO, "%s: %s: %s (the store was opened read-only)", s->path, what,
                       sqlite3_errmsg(s->db));
    return db_err(err, s->path, s->db, what);
}

/* ---- small helpers ------------------------------------------------------ */

/* Now as UTC ISO-8601, e.g. 2026-11-22T05:30:00Z.  Metadata only. */
static void now_utc(char buf[32])
{
    time_t t = time(NULL);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(buf, 32, "unknown");
}

/* Run one or more statements that return no rows. */
static int exec(store *s, const char *sql, const char *what, cs_err *err)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return store_err(err, s, what);
    return CS_OK;
}

/* Roll back the open transaction, if any, keeping err's first message. */
static void rollback(store *s)
{
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static int bind_text(sqlite3_stmt *st, int i, const char *v)
{
    return v ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

static int bind_node(sqlite3_stmt *st, int i, int node)
{
    return node < 0 ? sqlite3_bind_null(st, i) : sqlite3_bind_int(st, i, node);
}

/* ---- schema ------------------------------------------------------------- */

/* Every table with every column of INTERFACES.md: a database that cannot
 * answer these queries is not ours (or not whole). */
static const char *const schema_probe[] = {
    "SELECT id, experiment, variant, name, config_text, config_hash, seed, version, started_at, "
    "finished_at, status, sim_ns, events, wall_s FROM runs LIMIT 0",
    "SELECT id, experiment, variant, name, config_text, config_hash, seed, version, started_at, "
    "finished_at, status, sim_ns, events, wall_s, host, pid, proc_start, lease_until FROM runs "
    "LIMIT 0",
    "SELECT run_id, path, value FROM params LIMIT 0",
    "SELECT run_id, node, name, value FROM metrics LIMIT 0",
    "SELECT run_id, node, t_s, name, value FROM series LIMIT 0",
    "SELECT run_id, t_ns, node, component, from_state, to_state, reason FROM transitions LIMIT 0",
    "SELECT run_id, t_ns, node, request, step, detail FROM trace LIMIT 0",
    "SELECT run_id, node, name, lo_ns, hi_ns, count FROM hist LIMIT 0", /* version >= 3 */
};

/* Read user_version and the number of schema objects.  The first read of a
 * file is where a non-database or a corrupt header shows up. */
static int read_header(store *s, int64_t *version, int64_t *objects, cs_err *err)
{
    /* One statement, so both come from one read snapshot: read separately, a
     * writer creating the schema between the two reads made a half-created
     * file look foreign ("schema objects but no version"). */
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db,
                                "SELECT (SELECT user_version FROM pragma_user_version), "
                                "(SELECT count(*) FROM sqlite_master)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        *version = sqlite3_column_int64(st, 0);
        *objects = sqlite3_column_int64(st, 1);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK)
        return store_err(err, s, "cannot read the database");
    return CS_OK;
}

/* Check that the file holds our schema; with may_create, create it in an
 * empty file.  The creation re-checks under the write lock, since another
 * process may be creating the same file at the same moment. */
static int check_schema(store *s, bool may_create, cs_err *err)
{
    int64_t version = 0, objects = 0;
    if (read_header(s, &version, &objects, err))
        return err->code;
    if (version == 0 && objects == 0) {
        if (!may_create)
            return cs_errf(err, CS_IO, "%s: not a cachestorm database (an empty file)", s->path);
        if (exec(s, "BEGIN IMMEDIATE", "cannot lock the new database", err))
            return err->code;
        if (read_header(s, &version, &objects, err)) {
            rollback(s);
            return err->code;
        }
        if (version == 0 && objects == 0) {
            char sql[64];
            snprintf(sql, sizeof sql, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
            if (exec(s, STORE_SCHEMA_SQL, "cannot create the schema", err) ||
                exec(s, sql, "cannot set the schema version", err)) {
                rollback(s);
                return err->code;
            }
            version = STORE_SCHEMA_VERSION;
        }
        if (exec(s, "COMMIT", "cannot commit the new schema", err)) {
            rollback(s);
            return err->code;
        }
    }
    if (version == 0)
        return cs_errf(err, CS_IO,
                       "%s: not a cachestorm database (it holds %lld schema objects of its "
                       "own and no cachestorm schema version)",
                       s->path, (long long)objects);
    if (version > STORE_SCHEMA_VERSION)
        return cs_errf(err, CS_IO,
                       "%s: written by a newer cachestorm (schema version %lld; this build "
                       "reads version %d)",
                       s->path, (long long)version, STORE_SCHEMA_VERSION);
    if (version < STORE_SCHEMA_OLDEST)
        return cs_errf(err, CS_IO,
                       "%s: not a cachestorm database (user_version %lld; this build reads "
                       "version %d)",
                       s->path, (long long)version, STORE_SCHEMA_VERSION);
    /* An older version: a writer brings it up to date (store_migrate.c),
     * a reader reads the columns it has. */
    if (version < STORE_SCHEMA_VERSION && may_create) {
        if (store_migrate(s->db, s->path, version, err))
            return err->code;
        version = STORE_SCHEMA_VERSION;
    }
    for (size_t i = 0; i < sizeof schema_probe / sizeof *schema_probe; i++) {
        sqlite3_stmt *st = NULL;
        if (i == 0 && version >= 2)
            continue; /* the version-2 probe of runs follows */
        if (i == 1 && version < 2)
            continue;
        if (i == sizeof schema_probe / sizeof *schema_probe - 1 && version < 3)
            continue;
        if (sqlite3_prepare_v2(s->db, schema_probe[i], -1, &st, NULL) != SQLITE_OK) {
            cs_errf(err, CS_IO, "%s: not a cachestorm database (schema version %lld but %s)",
                    s->path, (long long)version, sqlite3_errmsg(s->db));
            sqlite3_finalize(st);
            return err->code;
        }
        sqlite3_finalize(st);
    }
    return CS_OK;
}

/* Switch to WAL (persistent in the file).  Changing the journal mode needs
 * the database to itself for a moment, so retry while others hold it. */
static int enable_wal(store *s, cs_err *err)
{
    for (int waited_ms = 0;; waited_ms += 10) {
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            const char *mode = (const char *)sqlite3_column_text(st, 0);
            bool wal = mode && strcmp(mode, "wal") == 0;
            sqlite3_finalize(st);
            if (!wal)
                return cs_errf(err, CS_IO, "%s: cannot switch to WAL journal mode (got %s)",
                               s->path, mode ? mode : "nothing");
            return CS_OK;
        }
        sqlite3_finalize(st);
        if ((rc & 0xff) != SQLITE_BUSY || waited_ms >= s->busy_ms)
            return store_err(err, s, "cannot switch to WAL journal mode");
        usleep(10000);
    }
}

/* ---- open / close ------------------------------------------------------- */

/* True when a read-only open of path could not create or write its -shm
 * file: the directory is not writable and no writable -shm exists. */
static bool ro_needs_immutable(const char *path)
{
    char dir[4096], shm[4200];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = 0;
    else
        *slash = 0;
    snprintf(shm, sizeof shm, "%s-shm", path);
    return access(dir, W_OK) != 0 && access(shm, W_OK) != 0;
}

/* "file:/abs/path?immutable=1" with the path percent-encoded (RFC 3986
 * unreserved characters and '/' kept), or NULL. */
static char *immutable_uri(const char *path)
{
    char *real = realpath(path, NULL);
    if (!real)
        return NULL;
    size_t n = strlen(real);
    char *u = cs_malloc(3 * n + 32), *o = u;
    o += sprintf(o, "file:");
    for (const unsigned char *p = (const unsigned char *)real; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/-._~", *p))
            *o++ = (char)*p;
        else
            o += sprintf(o, "%%%02X", *p);
    }
    sprintf(o, "?immutable=1");
    free(real);
    return u;
}

static int open_common(const char *path, bool readonly, store **out, cs_err *err)
{
    cs_err scratch;
    if (!err)
        err = &scratch;
    *out = NULL;
    if (!path || !*path)
        return cs_errf(err, CS_IO, "no database file given");
    struct stat st;
    bool exists = stat(path, &st) == 0;
    if (readonly && !exists)
        return cs_errf(err, CS_IO, "%s: no such database file", path);
    if (exists && S_ISDIR(st.st_mode))
        return cs_errf(err, CS_IO, "%s: is a directory, not a database file", path);

    /* A reader who may not write the directory cannot create the -shm file
     * a WAL database needs (issue 16: `show` failed and blamed a write).
     * Such a reader opens the file immutable: SQLite then reads the main
     * file alone, without locks or sidecar files.  That is exact unless a
     * -wal file still holds changes, which only a writer can merge. */
    char *uri = NULL;
    if (readonly && ro_needs_immutable(path)) {
        char wal[4200];
        struct stat ws;
        snprintf(wal, sizeof wal, "%s-wal", path);
        if (stat(wal, &ws) == 0 && ws.st_size > 0)
            return cs_errf(err, CS_IO,
                           "%s: cannot read: its write-ahead log %s holds changes not yet merged, "
                           "and this user may not write the directory, so SQLite cannot create "
                           "the %s-shm file needed to read them (open it once as its owner, e.g. "
                           "`cachestorm show %s`, or copy the database and its -wal file to a "
                           "writable directory)",
                           path, wal, path, path);
        if (!(uri = immutable_uri(path)))
            return cs_errf(err, CS_IO, "%s: cannot resolve the path: %s", path, strerror(errno));
    }

    store *s = cs_calloc(1, sizeof *s);
    s->path = cs_strdup(path);
    s->readonly = readonly;
    s->busy_ms = STORE_BUSY_TIMEOUT_MS;
    int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (uri)
        flags |= SQLITE_OPEN_URI;
    int orc = sqlite3_open_v2(uri ? uri : path, &s->db, flags, NULL);
    free(uri);
    if (orc != SQLITE_OK) {
        db_err(err, path, s->db, "cannot open");
        store_close(s);
        return err->code;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, s->busy_ms);
    /* SQLite silently opens a file it may not write read-only; a writer
     * must learn that now, not when its run is finished. */
    if (!readonly && sqlite3_db_readonly(s->db, "main") == 1) {
        cs_errf(err, CS_IO, "%s: read-only (no write permission on the file)", path);
        store_close(s);
        return err->code;
    }
    if (check_schema(s, !readonly, err) || (!readonly && enable_wal(s, err))) {
        store_close(s);
        return err->code;
    }
    *out = s;
    return CS_OK;
}

int store_open(const char *path, store **out, cs_err *err)
{
    return open_common(path, false, out, err);
}

int store_open_readonly(const char *path, store **out, cs_err *err)
{
    return open_common(path, true, out, err);
}

void store_close(store *s)
{
    if (!s)
        return;
    sqlite3_close_v2(s->db);
    free(s->path);
    free(s);
}

void store_set_busy_timeout(store *s, int ms)
{
    s->busy_ms = ms < 0 ? 0 : ms;
    sqlite3_busy_timeout(s->db, s->busy_ms);
}

void store_set_fault_hook(store *s, store_fault_hook hook, void *arg)
{
    s->hook = hook;
    s->hook_arg = arg;
}

const char *store_path(const store *s)
{
    return s->path;
}
sqlite3 *store_db(store *s)
{
    return s->db;
}

/* ---- writing runs ------------------------------------------------------- */

int store_begin_run(store *s, const run_info *ri, int64_t *run_id, cs_err *err)
{
    cs_err scratch;
    if (!err)
        err = &scratch;
    if (!ri || !ri->name)
        return cs_errf(err, CS_IO, "%s: a run needs a name", s->path);
    char now[32];
    now_utc(now);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db,
                                "INSERT INTO runs(experiment, variant, name, config_text, "
                                "config_hash, seed, version, started_at, status, host, pid, "
                                "proc_start, lease_until) "
                                "VALUES(?,?,?,?,?,?,?,?,'running',?,?,?,?)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        bind_text(st, 1, ri->experiment);
        bind_text(st, 2, ri->variant);
        bind_text(st, 3, ri->name);
        bind_text(st, 4, ri->config_text);
        bind_text(st, 5, ri->config_hash);
        sqlite3_bind_int64(st, 6, (sqlite3_int64)ri->seed);
        bind_text(st, 7, ri->version);
        bind_text(st, 8, now);
        /* Who runs it: lets a later process tell a live run from one whose
         * process died (store_runs.c). */
        store_proc self;
        store_proc_self(&self);
        bind_text(st, 9, self.host);
        sqlite3_bind_int64(st, 10, self.pid);
        if (self.start >= 0)
            sqlite3_bind_int64(st, 11, self.start);
        else
            sqlite3_bind_null(st, 11);
        sqlite3_bind_int64(st, 12, (sqlite3_int64)time(NULL) + STORE_LEASE_S);
        rc = sqlite3_step(st);
    }
    if (rc != SQLITE_DONE) {
        store_err(err, s, "cannot record the start of a run");
        sqlite3_finalize(st);
        return err->code;
    }
    sqlite3_finalize(st);
    *run_id = sqlite3_last_insert_rowid(s->db);
    return CS_OK;
}

/* The insert statements of one finish, prepared once, bound per row. */
enum { INS_PARAM, INS_METRIC, INS_SERIES, INS_TRANSITION, INS_TRACE, INS_HIST, INS_N };
static const char *const insert_sql[INS_N] = {
    "INSERT INTO params(run_id, path, value) VALUES(?,?,?)",
    "INSERT INTO metrics(run_id, node, name, value) VALUES(?,?,?,?)",
    "INSERT INTO series(run_id, node, t_s, name, value) VALUES(?,?,?,?,?)",
    "INSERT INTO transitions(run_id, t_ns, node, component, from_state, to_state, reason) "
    "VALUES(?,?,?,?,?,?,?)",
    "INSERT INTO trace(run_id, t_ns, node, request, step, detail) VALUES(?,?,?,?,?,?)",
    "INSERT INTO hist(run_id, node, name, lo_ns, hi_ns, count) VALUES(?,?,?,?,?,?)",
};
static const char *const insert_what[INS_N] = {"params", "metrics", "series", "transitions",
                                               "trace",  "hist"};

/* Step a bound insert and reset it for the next row. */
static int step_reset(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Ask the fault hook (tests only) whether to fail here. */
static bool fault(store *s, const char *stage, size_t row)
{
    return s->hook && s->hook(s->hook_arg, stage, row) != 0;
}

/* Check, inside the write transaction, that run_id is a 'running' run. */
static int check_running(store *s, int64_t run_id, cs_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, "SELECT status FROM runs WHERE id = ?", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, run_id);
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_ROW) {
        const char *status = (const char *)sqlite3_column_text(st, 0);
        if (status && strcmp(status, "running") == 0)
            rc = CS_OK;
        else
            rc = cs_errf(err, CS_IO, "%s: run %lld is already %s", s->path, (long long)run_id,
                         status ? status : "?");
    } else if (rc == SQLITE_DONE) {
        rc = cs_errf(err, CS_IO, "%s: no run %lld", s->path, (long long)run_id);
    } else {
        rc = store_err(err, s, "cannot read the run");
    }
    sqlite3_finalize(st);
    return rc;
}

/* The number of rows of table k (INS_*) in r. */
static size_t row_count(const run_rows *r, int k)
{
    switch (k) {
    case INS_PARAM: return r->params.n;
    case INS_METRIC: return r->metrics.n;
    case INS_SERIES: return r->series.n;
    case INS_TRANSITION: return r->transitions.n;
    case INS_TRACE: return r->trace.n;
    case INS_HIST: return r->hists.n;
    }
    return 0;
}

/* Bind row i of table k for insert_sql[k] (column 1: the run's id). */
static void bind_row(sqlite3_stmt *st, int k, int64_t id, const run_rows *r, size_t i)
{
    sqlite3_bind_int64(st, 1, id);
    switch (k) {
    case INS_PARAM: {
        const param_row *p = &r->params.v[i];
        bind_text(st, 2, p->path);
        bind_text(st, 3, p->value);
        break;
    }
    case INS_METRIC: {
        const metric_row *m = &r->metrics.v[i];
        bind_node(st, 2, m->node);
        bind_text(st, 3, m->name);
        if (m->is_null)
            sqlite3_bind_null(st, 4);
        else
            sqlite3_bind_double(st, 4, m->value);
        break;
    }
    case INS_SERIES: {
        const series_row *x = &r->series.v[i];
        bind_node(st, 2, x->node);
        sqlite3_bind_double(st, 3, x->t_s);
        bind_text(st, 4, x->name);
        if (x->value != x->value) /* NaN: an empty bucket */
            sqlite3_bind_null(st, 5);
        else
            sqlite3_bind_double(st, 5, x->value);
        break;
    }
    case INS_TRANSITION: {
        const transition_row *x = &r->transitions.v[i];
        sqlite3_bind_int64(st, 2, x->t_ns);
        bind_node(st, 3, x->node);
        bind_text(st, 4, x->component);
        bind_text(st, 5, x->from_state);
        bind_text(st, 6, x->to_state);
        bind_text(st, 7, x->reason);
        break;
    }
    case INS_TRACE: {
        const trace_row *x = &r->trace.v[i];
        sqlite3_bind_int64(st, 2, x->t_ns);
        bind_node(st, 3, x->node);
        sqlite3_bind_int64(st, 4, x->request);
        bind_text(st, 5, x->step);
        bind_text(st, 6, x->detail);
        break;
    }
    case INS_HIST: {
        const hist_row *x = &r->hists.v[i];
        bind_node(st, 2, x->node);
        bind_text(st, 3, x->name);
        sqlite3_bind_int64(st, 4, x->lo_ns);
        sqlite3_bind_int64(st, 5, x->hi_ns);
        sqlite3_bind_int64(st, 6, (sqlite3_int64)x->count);
        break;
    }
    }
}

/* Insert all rows of one run with the prepared statements ins[], table by
 * table in INS_* order. */
static int insert_rows(store *s, sqlite3_stmt **ins, int64_t id, const run_rows *r, cs_err *err)
{
    char what[64];
    int k;
    size_t i = 0;
    for (k = 0; k < INS_N; k++)
        for (i = 0; i < row_count(r, k); i++) {
            bind_row(ins[k], k, id, r, i);
            if (step_reset(ins[k]) != SQLITE_OK)
                goto fail;
            if (fault(s, insert_what[k], i))
                goto injected;
        }
    return CS_OK;
fail:
    snprintf(what, sizeof what, "cannot write %s row %zu of run %lld", insert_what[k], i,
             (long long)id);
    return store_err(err, s, what);
injected:
    return cs_errf(err, CS_IO, "%s: injected fault in %s row %zu of run %lld", s->path,
                   insert_what[k], i, (long long)id);
}

int store_finish_run(store *s, int64_t run_id, const run_rows *rows, int64_t sim_ns,
                     uint64_t events, double wall_s, cs_err *err)
{
    static const run_rows no_rows;
    sqlite3_stmt *ins[INS_N] = {0};
    sqlite3_stmt *fin = NULL, *done = NULL;
    if (!rows)
        rows = &no_rows;
    char now[32], what[96];
    cs_err scratch;
    if (!err)
        err = &scratch;
    err->code = CS_OK;
    now_utc(now);
    snprintf(what, sizeof what, "cannot write run %lld", (long long)run_id);

    /* Take the write lock first: the busy timeout applies here, and no
     * other writer can slip in between our rows and 'done'. */
    if (exec(s, "BEGIN IMMEDIATE", what, err))
        return err->code;
    if (check_running(s, run_id, err))
        goto out;
    for (int k = 0; k < INS_N; k++)
        if (sqlite3_prepare_v2(s->db, insert_sql[k], -1, &ins[k], NULL) != SQLITE_OK) {
            store_err(err, s, what);
            goto out;
        }
    if (insert_rows(s, ins, run_id, rows, err))
        goto out;

    if (sqlite3_prepare_v2(s->db,
                           "UPDATE runs SET finished_at = ?, sim_ns = ?, events = ?, wall_s = ? "
                           "WHERE id = ?",
                           -1, &fin, NULL) != SQLITE_OK) {
        store_err(err, s, what);
        goto out;
    }
    sqlite3_bind_text(fin, 1, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(fin, 2, sim_ns);
    sqlite3_bind_int64(fin, 3, (sqlite3_int64)events);
    sqlite3_bind_double(fin, 4, wall_s);
    sqlite3_bind_int64(fin, 5, run_id);
    if (sqlite3_step(fin) != SQLITE_DONE) {
        store_err(err, s, what);
        goto out;
    }
    if (fault(s, "done", 0)) {
        cs_errf(err, CS_IO, "%s: injected fault before marking run %lld done", s->path,
                (long long)run_id);
        goto out;
    }
    /* The last statement of the transaction: the run is whole. */
    if (sqlite3_prepare_v2(s->db, "UPDATE runs SET status = 'done' WHERE id = ?", -1, &done,
                           NULL) != SQLITE_OK) {
        store_err(err, s, what);
        goto out;
    }
    sqlite3_bind_int64(done, 1, run_id);
    if (sqlite3_step(done) != SQLITE_DONE) {
        store_err(err, s, what);
        goto out;
    }
    if (exec(s, "COMMIT", what, err))
        goto out;
    err->code = CS_OK;

out:
    for (int k = 0; k < INS_N; k++)
        sqlite3_finalize(ins[k]);
    sqlite3_finalize(fin);
    sqlite3_finalize(done);
    if (err->code != CS_OK) {
        rollback(s);
        return err->code;
    }
    return CS_OK;
}

int store_fail_run(store *s, int64_t run_id, const char *why, cs_err *err)
{
    char now[32], what[96];
    cs_err scratch;
    if (!err)
        err = &scratch;
    err->code = CS_OK;
    now_utc(now);
    snprintf(what, sizeof what, "cannot mark run %lld failed", (long long)run_id);
    sqlite3_stmt *up = NULL, *tr = NULL;
    if (exec(s, "BEGIN IMMEDIATE", what, err))
        return err->code;
    if (check_running(s, run_id, err))
        goto out;
    if (sqlite3_prepare_v2(s->db, "UPDATE runs SET status = 'failed', finished_at = ? WHERE id = ?",
                           -1, &up, NULL) != SQLITE_OK) {
        store_err(err, s, what);
        goto out;
    }
    sqlite3_bind_text(up, 1, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(up, 2, run_id);
    if (sqlite3_step(up) != SQLITE_DONE) {
        store_err(err, s, what);
        goto out;
    }
    if (why) {
        if (sqlite3_prepare_v2(s->db,
                               "INSERT INTO transitions(run_id, t_ns, node, component, "
                               "from_state, to_state, reason) "
                               "VALUES(?, 0, NULL, 'run', 'running', 'failed', ?)",
                               -1, &tr, NULL) != SQLITE_OK) {
            store_err(err, s, what);
            goto out;
        }
        sqlite3_bind_int64(tr, 1, run_id);
        sqlite3_bind_text(tr, 2, why, -1, SQLITE_STATIC);
        if (sqlite3_step(tr) != SQLITE_DONE) {
            store_err(err, s, what);
            goto out;
        }
    }
    exec(s, "COMMIT", what, err);
out:
    sqlite3_finalize(up);
    sqlite3_finalize(tr);
    if (err->code != CS_OK) {
        rollback(s);
        return err->code;
    }
    return CS_OK;
}

/* ---- metric order ------------------------------------------------------- */

