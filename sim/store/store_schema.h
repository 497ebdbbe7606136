/* store_schema.h — the run store's schema, exactly the tables and columns of
 * INTERFACES.md "Database".  PRAGMA user_version = STORE_SCHEMA_VERSION.
 * One source of truth: the store creates it, tests and readers include it.
 *
 * Version 2 (extends version 1, renames nothing): `runs` gains the columns
 * that tell whether a 'running' row still has a live process — host, pid,
 * proc_start (the process's start time in clock ticks after boot, so a
 * reused PID is not mistaken for the run's process) and lease_until (Unix
 * seconds; past it a run on another host counts as abandoned) — and the
 * statuses 'interrupted' (SIGINT/SIGTERM) and 'abandoned' (its process died
 * without saying so).  A version-1 file is migrated when it is opened for
 * writing (store_migrate.c) and read as it is otherwise.
 *
 * Version 3 (adds a table, changes none): `hist` holds distributions, one
 * row per non-empty bucket [lo_ns, hi_ns) of the log-bucketed histogram of
 * sim/core/stats.h (128 sub-buckets per power of two: a quantile read back
 * is within 0.4 % of the value it stands for).  name "latency": the user
 * requests that ended after the warm-up, node NULL for the whole run.
 * Migrating 2 → 3 creates the empty table: older runs have no histogram. */
#ifndef CS_STORE_SCHEMA_H
#define CS_STORE_SCHEMA_H

#define STORE_SCHEMA_VERSION 3
/* The oldest version this build reads (and migrates when it writes). */
#define STORE_SCHEMA_OLDEST 1

/* The runs table of the current version; %s is its name (runs, or the
 * migration's temporary runs_v2). */
#define STORE_RUNS_TABLE_SQL                                                                       \
    "CREATE TABLE IF NOT EXISTS %s(\n"                                                             \
    "  id INTEGER PRIMARY KEY,\n"                                                                  \
    "  experiment TEXT, variant TEXT, name TEXT NOT NULL,\n"                                       \
    "  config_text TEXT, config_hash TEXT, seed INTEGER, version TEXT,\n"                          \
    "  started_at TEXT, finished_at TEXT,\n"                                                       \
    "  status TEXT NOT NULL CHECK(status IN "                                                      \
    "('running','done','failed','interrupted','abandoned')),\n"                                    \
    "  sim_ns INTEGER, events INTEGER, wall_s REAL,\n"                                             \
    "  host TEXT, pid INTEGER, proc_start INTEGER, lease_until INTEGER);\n"

/* The columns version 1 had (what the migration copies). */
#define STORE_RUNS_V1_COLUMNS                                                                      \
    "id, experiment, variant, name, config_text, config_hash, seed, version, started_at, "        \
    "finished_at, status, sim_ns, events, wall_s"

/* The table version 3 adds. */
#define STORE_HIST_TABLE_SQL                                                                       \
    "CREATE TABLE IF NOT EXISTS hist(run_id INTEGER NOT NULL REFERENCES runs(id),\n"               \
    "  node INTEGER, name TEXT NOT NULL, lo_ns INTEGER NOT NULL, hi_ns INTEGER NOT NULL,\n"       \
    "  count INTEGER NOT NULL);\n"                                                                 \
    "CREATE INDEX IF NOT EXISTS hist_run ON hist(run_id);\n"

#define STORE_SCHEMA_SQL                                                                           \
    "CREATE TABLE IF NOT EXISTS runs(\n"                                                           \
    "  id INTEGER PRIMARY KEY,\n"                                                                  \
    "  experiment TEXT, variant TEXT, name TEXT NOT NULL,\n"                                       \
    "  config_text TEXT, config_hash TEXT, seed INTEGER, version TEXT,\n"                          \
    "  started_at TEXT, finished_at TEXT,\n"                                                       \
    "  status TEXT NOT NULL CHECK(status IN "                                                      \
    "('running','done','failed','interrupted','abandoned')),\n"                                    \
    "  sim_ns INTEGER, events INTEGER, wall_s REAL,\n"                                             \
    "  host TEXT, pid INTEGER, proc_start INTEGER, lease_until INTEGER);\n"                        \
    "CREATE TABLE IF NOT EXISTS params(run_id INTEGER NOT NULL REFERENCES runs(id),\n"             \
    "  path TEXT NOT NULL, value TEXT);\n"                                                         \
    "CREATE TABLE IF NOT EXISTS metrics(run_id INTEGER NOT NULL REFERENCES runs(id),\n"            \
    "  node INTEGER, name TEXT NOT NULL, value REAL);\n"                                           \
    "CREATE TABLE IF NOT EXISTS series(run_id INTEGER NOT NULL REFERENCES runs(id),\n"             \
    "  node INTEGER, t_s REAL NOT NULL, name TEXT NOT NULL, value REAL);\n"                        \
    "CREATE TABLE IF NOT EXISTS transitions(run_id INTEGER NOT NULL REFERENCES runs(id),\n"        \
    "  t_ns INTEGER NOT NULL, node INTEGER, component TEXT NOT NULL,\n"                            \
    "  from_state TEXT, to_state TEXT, reason TEXT);\n"                                            \
    "CREATE TABLE IF NOT EXISTS trace(run_id INTEGER NOT NULL REFERENCES runs(id),\n"              \
    "  t_ns INTEGER NOT NULL, node INTEGER, request INTEGER, step TEXT, detail TEXT);\n"           \
    "CREATE INDEX IF NOT EXISTS params_run ON params(run_id);\n"                                   \
    "CREATE INDEX IF NOT EXISTS metrics_run ON metrics(run_id, name);\n"                           \
    "CREATE INDEX IF NOT EXISTS series_run ON series(run_id, name, node, t_s);\n"                  \
    "CREATE INDEX IF NOT EXISTS transitions_run ON transitions(run_id, t_ns);\n"                   \
    "CREATE INDEX IF NOT EXISTS trace_run ON trace(run_id, request, t_ns);\n"                      \
    "CREATE INDEX IF NOT EXISTS runs_identity ON runs(config_hash, seed, version);\n"         \
    STORE_HIST_TABLE_SQL

#endif
