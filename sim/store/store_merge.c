/* store_merge.c — merge a shard database into a run store (store.h): the
 * way results come back from GNU parallel or a Slurm job array, where every
 * job wrote its own shard (README "Beyond one machine").
 *
 * The shard is checked before anything is copied: SQLite header, schema
 * version, and `PRAGMA quick_check` (a truncated or damaged file fails
 * here, not half-way).  It is then ATTACHed to the output connection and its
 * 'done' runs are copied, rows in their stored order, inside ONE
 * transaction per shard: a merge killed at any moment leaves the output as
 * it was before that shard.  A run is copied at most once per identity and
 * labels (store_find_done), so merging twice, or merging overlapping shards,
 * changes nothing the second time.  'running', 'failed', 'interrupted' and
 * 'abandoned' runs are never copied: a killed job contributes nothing. */
#include <stdio.h>
#include <string.h>

#include "sim/store/store.h"
#include "sim/store/store_schema.h"

void store_text_hash(const char *text, char out[17])
{
    /* The same FNV-1a 64 as config_hash (sim/config/config_print.c); a test
     * checks that the two agree. */
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* Open the shard on its own, read-only, and judge it: CS_USAGE for another
 * schema or not ours, CS_IO for unreadable or damaged. */
static int check_shard(const char *path, const store_merge_opts *o, int64_t *version, cs_err *err)
{
    sqlite3 *db = NULL;
    int rc = CS_OK;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        rc = cs_errf(err, CS_IO, "%s: cannot open: %s", path, db ? sqlite3_errmsg(db) : "?");
        goto out;
    }
    sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS);
    sqlite3_stmt *st = NULL;
    int r = sqlite3_prepare_v2(db,
                               "SELECT (SELECT user_version FROM pragma_user_version), "
                               "(SELECT count(*) FROM sqlite_master WHERE name = 'runs')",
                               -1, &st, NULL);
    if (r == SQLITE_OK)
        r = sqlite3_step(st);
    if (r != SQLITE_ROW) {
        rc = cs_errf(err, CS_IO,
                     "%s: cannot read the database: %s (truncated, corrupt, or not "
                     "a SQLite database)",
                     path, sqlite3_errmsg(db));
        sqlite3_finalize(st);
        goto out;
    }
    *version = sqlite3_column_int64(st, 0);
    int64_t has_runs = sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    if (*version == 0 || !has_runs) {
        rc = cs_errf(err, CS_USAGE,
                     "%s: not a cachestorm database (no schema version or no runs "
                     "table)",
                     path);
        goto out;
    }
    if (*version != STORE_SCHEMA_VERSION) {
        bool older_ok =
            o->old_schema && *version >= STORE_SCHEMA_OLDEST && *version < STORE_SCHEMA_VERSION;
        if (!older_ok) {
            rc = cs_errf(err, CS_USAGE, "%s: schema version %lld, this build writes version %d%s",
                         path, (long long)*version, STORE_SCHEMA_VERSION,
                         *version < STORE_SCHEMA_VERSION
                             ? " (merge it anyway with --old-schema)"
                             : " (written by a newer cachestorm; merge with that one)");
            goto out;
        }
    }
    r = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL);
    const char *res = NULL;
    if (r == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        res = (const char *)sqlite3_column_text(st, 0);
    if (!res || strcmp(res, "ok") != 0)
        rc = cs_errf(err, CS_IO, "%s: damaged or truncated: %s", path,
                     res ? res : sqlite3_errmsg(db));
    sqlite3_finalize(st);
out:
    sqlite3_close_v2(db);
    return rc;
}

static int merr(sqlite3 *db, const char *path, const char *what, cs_err *err)
{
    return cs_errf(err, CS_IO, "%s: %s: %s", path, what, sqlite3_errmsg(db));
}

/* Copy the rows of shard run `from` to output run `to`, table by table in
 * rowid order (the order they were written); `hist` only from a shard of
 * schema version >= 3 (older ones have none). */
static int copy_rows(sqlite3 *db, const char *shard, int64_t from, int64_t to, bool has_hist,
                     cs_err *err)
{
    static const char *const sql[] = {
        "INSERT INTO main.params(run_id, path, value) SELECT ?2, path, value FROM "
        "shard.params WHERE run_id = ?1 ORDER BY rowid",
        "INSERT INTO main.metrics(run_id, node, name, value) SELECT ?2, node, name, value FROM "
        "shard.metrics WHERE run_id = ?1 ORDER BY rowid",
        "INSERT INTO main.series(run_id, node, t_s, name, value) SELECT ?2, node, t_s, name, "
        "value FROM shard.series WHERE run_id = ?1 ORDER BY rowid",
        "INSERT INTO main.transitions(run_id, t_ns, node, component, from_state, to_state, "
        "reason) SELECT ?2, t_ns, node, component, from_state, to_state, reason FROM "
        "shard.transitions WHERE run_id = ?1 ORDER BY rowid",
        "INSERT INTO main.trace(run_id, t_ns, node, request, step, detail) SELECT ?2, t_ns, "
        "node, request, step, detail FROM shard.trace WHERE run_id = ?1 ORDER BY rowid",
        "INSERT INTO main.hist(run_id, node, name, lo_ns, hi_ns, count) SELECT ?2, node, name, "
        "lo_ns, hi_ns, count FROM shard.hist WHERE run_id = ?1 ORDER BY rowid",
    };
    size_t n = sizeof sql / sizeof *sql - (has_hist ? 0 : 1);
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *st = NULL;
        int r = sqlite3_prepare_v2(db, sql[i], -1, &st, NULL);
        if (r == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, from);
            sqlite3_bind_int64(st, 2, to);
            r = sqlite3_step(st);
        }
        sqlite3_finalize(st);
        if (r != SQLITE_DONE)
            return merr(db, shard, "cannot copy a run's rows", err);
    }
    return CS_OK;
}

int store_merge(store *out, const char *shard, const store_merge_opts *o, store_merge_report *r,
                cs_err *err)
{
    memset(r, 0, sizeof *r);
    int64_t version = 0;
    int rc = check_shard(shard, o, &version, err);
    if (rc)
        return rc;
    sqlite3 *db = store_db(out);
    sqlite3_stmt *st = NULL, *ins = NULL;
    if (sqlite3_prepare_v2(db, "ATTACH DATABASE ?1 AS shard", -1, &st, NULL) != SQLITE_OK)
        return merr(db, shard, "cannot attach", err);
    sqlite3_bind_text(st, 1, shard, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    sqlite3_finalize(st);
    st = NULL;
    if (s != SQLITE_DONE)
        return merr(db, shard, "cannot attach", err);
    bool v2 = version >= 2;

    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        rc = merr(db, store_path(out), "cannot lock the output database", err);
        goto detach;
    }
    if (sqlite3_prepare_v2(db,
                           "SELECT id, experiment, variant, name, config_text, config_hash, seed, "
                           "version, status FROM shard.runs ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = merr(db, shard, "cannot read runs", err);
        goto fail;
    }
    /* host/pid/lease describe the process that ran it; a merged done run
     * keeps them as history (NULL from a version-1 shard). */
    if (sqlite3_prepare_v2(db,
                           v2 ? "INSERT INTO main.runs(experiment, variant, name, config_text, "
                                "config_hash, seed, version, started_at, finished_at, status, "
                                "sim_ns, events, wall_s, host, pid, proc_start, lease_until) "
                                "SELECT experiment, variant, name, config_text, config_hash, seed, "
                                "version, started_at, finished_at, status, sim_ns, events, wall_s, "
                                "host, pid, proc_start, lease_until FROM shard.runs WHERE id = ?1"
                              : "INSERT INTO main.runs(experiment, variant, name, config_text, "
                                "config_hash, seed, version, started_at, finished_at, status, "
                                "sim_ns, events, wall_s) SELECT experiment, variant, name, "
                                "config_text, config_hash, seed, version, started_at, "
                                "finished_at, status, sim_ns, events, wall_s FROM shard.runs "
                                "WHERE id = ?1",
                           -1, &ins, NULL) != SQLITE_OK) {
        rc = merr(db, store_path(out), "cannot prepare the copy", err);
        goto fail;
    }
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        const char *status = (const char *)sqlite3_column_text(st, 8);
        if (!status || strcmp(status, "done") != 0) {
            r->not_done++;
            continue;
        }
        run_info ri = {
            .experiment = (const char *)sqlite3_column_text(st, 1),
            .variant = (const char *)sqlite3_column_text(st, 2),
            .name = (const char *)sqlite3_column_text(st, 3),
            .config_text = (const char *)sqlite3_column_text(st, 4),
            .config_hash = (const char *)sqlite3_column_text(st, 5),
            .seed = (uint64_t)sqlite3_column_int64(st, 6),
            .version = (const char *)sqlite3_column_text(st, 7),
        };
        char why[400] = "";
        char h[17];
        if (!ri.config_text || !ri.config_hash || !ri.name) {
            snprintf(why, sizeof why, "run %lld has no config text or hash", (long long)id);
        } else if (store_text_hash(ri.config_text, h), strcmp(h, ri.config_hash) != 0) {
            snprintf(why, sizeof why,
                     "run %lld: its config_hash %s is not the hash of its config (%s)",
                     (long long)id, ri.config_hash, h);
        } else if (!o->any_version && o->version &&
                   (!ri.version || strcmp(ri.version, o->version) != 0)) {
            snprintf(why, sizeof why,
                     "run %lld was made by cachestorm %s, this is %s (merge it anyway with "
                     "--any-version)",
                     (long long)id, ri.version ? ri.version : "(unknown)", o->version);
        }
        if (*why) {
            if (!r->refused++)
                snprintf(r->first_refusal, sizeof r->first_refusal, "%s: %s", shard, why);
            continue;
        }
        int64_t have = 0;
        if ((rc = store_find_done(out, &ri, &have, err)))
            goto fail;
        if (have) {
            r->skipped++;
            continue;
        }
        sqlite3_bind_int64(ins, 1, id);
        int k = sqlite3_step(ins);
        sqlite3_reset(ins);
        if (k != SQLITE_DONE) {
            rc = merr(db, store_path(out), "cannot copy a run", err);
            goto fail;
        }
        if ((rc = copy_rows(db, shard, id, sqlite3_last_insert_rowid(db), version >= 3, err)))
            goto fail;
        r->merged++;
    }
    if (s != SQLITE_DONE) {
        rc = cs_errf(err, CS_IO, "%s: cannot read the shard: %s", shard, sqlite3_errmsg(db));
        goto fail;
    }
    sqlite3_finalize(st);
    sqlite3_finalize(ins);
    st = ins = NULL;
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        rc = merr(db, store_path(out), "cannot commit the merge", err);
        goto fail;
    }
    goto detach;
fail:
    sqlite3_finalize(st);
    sqlite3_finalize(ins);
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    {
        size_t refused = r->refused;
        memset(r, 0, sizeof *r);
        r->refused = refused;
    }
detach:
    sqlite3_exec(db, "DETACH DATABASE shard", NULL, NULL, NULL);
    return rc;
}
