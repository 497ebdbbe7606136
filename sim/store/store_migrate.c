/* store_migrate.c — bring an older run store up to STORE_SCHEMA_VERSION
 * (store_schema.h).  Version 1 → 2 rebuilds `runs` with the new columns and
 * the wider status CHECK (SQLite cannot alter a CHECK constraint), following
 * SQLite's "making other kinds of table schema changes" procedure (create
 * the new table, copy, drop the old, rename: https://sqlite.org/lang_altertable.html
 * §7); ids are kept, so every other table's run_id still points at its run.
 * All in one BEGIN IMMEDIATE transaction that re-reads the version under the
 * lock: two processes opening one old file migrate it once.  Version 2 → 3
 * only creates the `hist` table (older runs simply have no histogram). */
#include <stdio.h>

#include "sim/store/store.h"
#include "sim/store/store_schema.h"

static int fail(sqlite3 *db, const char *path, const char *what, cs_err *err)
{
    cs_errf(err, CS_IO, "%s: %s: %s", path, what, sqlite3_errmsg(db));
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return err->code;
}

int store_migrate(sqlite3 *db, const char *path, int64_t from, cs_err *err)
{
    if (from >= STORE_SCHEMA_VERSION)
        return CS_OK;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return fail(db, path, "cannot lock the database to upgrade its schema", err);
    sqlite3_stmt *st = NULL;
    int64_t now = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        now = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (now < 0)
        return fail(db, path, "cannot read the schema version", err);
    if (now == 1) {
        char create[1024], sql[2048];
        snprintf(create, sizeof create, STORE_RUNS_TABLE_SQL, "runs_v2");
        snprintf(sql, sizeof sql,
                 "%s"
                 "INSERT INTO runs_v2(" STORE_RUNS_V1_COLUMNS ") SELECT " STORE_RUNS_V1_COLUMNS
                 " FROM runs ORDER BY id;\n"
                 "DROP TABLE runs;\n"
                 "ALTER TABLE runs_v2 RENAME TO runs;\n"
                 "CREATE INDEX IF NOT EXISTS runs_identity ON runs(config_hash, seed, version);\n"
                 "PRAGMA user_version = 2;\n",
                 create);
        if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
            return fail(db, path, "cannot upgrade the schema from version 1 to 2", err);
        now = 2;
    }
    if (now == 2) {
        if (sqlite3_exec(db, STORE_HIST_TABLE_SQL "PRAGMA user_version = 3;\n", NULL, NULL,
                         NULL) != SQLITE_OK)
            return fail(db, path, "cannot upgrade the schema from version 2 to 3", err);
    }
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        return fail(db, path, "cannot commit the schema upgrade", err);
    return CS_OK;
}
