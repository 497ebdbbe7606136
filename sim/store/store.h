/* store.h — the run store: one SQLite database holding every run
 * (INTERFACES.md "Database", schema in sim/store_schema.h).
 *
 * Life of a run: store_begin_run commits a `runs` row with status 'running';
 * store_finish_run writes all of the run's rows in ONE transaction and sets
 * status 'done' as its last statement, so a process killed at any moment
 * leaves either a 'running' row with no data or a whole 'done' run.
 * store_fail_run marks a run 'failed'.  Several processes may write one
 * database at once (WAL + busy timeout).  Every error has code CS_IO and a
 * message naming the file and what is wrong; nothing here prints or exits.
 */
#ifndef CS_STORE_H
#define CS_STORE_H

#include <sqlite3.h>
#include <stdint.h>

#include "sim/core/common.h"
#include "sim/core/rows.h"

typedef struct store store;

/* What identifies a run; any string may be NULL except name. */
typedef struct run_info {
    const char *experiment, *variant, *name, *config_text, *config_hash, *version;
    uint64_t seed; /* stored as the same 64 bits in a signed INTEGER */
} run_info;

/* How long a writer waits for another process's transaction (ms). */
#define STORE_BUSY_TIMEOUT_MS 30000

/* Open (creating if absent) a database for writing: creates the schema in an
 * empty file, checks it otherwise (user_version and tables), turns on WAL. */
int store_open(const char *path, store **out, cs_err *err);
/* Open an existing cachestorm database read-only (show, plot, compare,
 * report).  A missing file is an error, not an empty database. */
int store_open_readonly(const char *path, store **out, cs_err *err);
void store_close(store *s);

/* Change the busy timeout (tests; a user who wants to fail fast). */
void store_set_busy_timeout(store *s, int ms);

/* Insert the run's row with status 'running' and started_at (UTC), committed
 * at once so other processes see the run is under way. */
int store_begin_run(store *s, const run_info *ri, int64_t *run_id, cs_err *err);
/* Write all rows of a run, its finished_at, sim_ns, events and wall_s, then
 * status 'done' — one transaction.  On error nothing of it is visible and the
 * run stays 'running' (the caller may retry or call store_fail_run). */
int store_finish_run(store *s, int64_t run_id, const run_rows *rows, int64_t sim_ns,
                     uint64_t events, double wall_s, cs_err *err);
/* Mark a run 'failed' with finished_at; `why` (may be NULL) is kept as a
 * transitions row: node NULL, component 'run', running → failed, reason why. */
int store_fail_run(store *s, int64_t run_id, const char *why, cs_err *err);

/* Fault injection for tests (SQLite-style): while a run is written, the
 * hook is called after each row is inserted with the table name ("params", "metrics",
 * "series", "transitions", "trace") and the row index, and once with "done"
 * just before the run is marked done.  Returning non-zero fails the write
 * there (the transaction rolls back); the hook may also kill the process to
 * simulate a crash mid-transaction.  NULL (the default) turns it off. */
typedef int (*store_fault_hook)(void *arg, const char *stage, size_t row);
void store_set_fault_hook(store *s, store_fault_hook hook, void *arg);

/* Append run run_id's stored params, metrics, series and transitions (not
 * its trace) to *out, as the run wrote them (sim/store/store_read.c). */
int store_read_rows(store *s, int64_t run_id, run_rows *out, cs_err *err);

/* The file the store was opened on, and its connection (read queries). */
const char *store_path(const store *s);
sqlite3 *store_db(store *s);


#endif
