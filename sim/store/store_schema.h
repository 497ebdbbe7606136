/* store_schema.h — the run store's schema, exactly the tables and columns of
 * INTERFACES.md "Database".  PRAGMA user_version = STORE_SCHEMA_VERSION.
 * One source of truth: the store creates it, tests and readers include it. */
#ifndef CS_STORE_SCHEMA_H
#define CS_STORE_SCHEMA_H

#define STORE_SCHEMA_VERSION 1

#define STORE_SCHEMA_SQL                                                                           \
    "CREATE TABLE IF NOT EXISTS runs(\n"                                                           \
    "  id INTEGER PRIMARY KEY,\n"                                                                  \
    "  experiment TEXT, variant TEXT, name TEXT NOT NULL,\n"                                       \
    "  config_text TEXT, config_hash TEXT, seed INTEGER, version TEXT,\n"                          \
    "  started_at TEXT, finished_at TEXT,\n"                                                       \
    "  status TEXT NOT NULL CHECK(status IN ('running','done','failed')),\n"                       \
    "  sim_ns INTEGER, events INTEGER, wall_s REAL);\n"                                            \
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
    "CREATE INDEX IF NOT EXISTS trace_run ON trace(run_id, request, t_ns);\n"

#endif
