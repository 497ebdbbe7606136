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
#include <stdbool.h>
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
 * "series", "transitions", "trace", "hist") and the row index, and once with "done"
 * just before the run is marked done.  Returning non-zero fails the write
 * there (the transaction rolls back); the hook may also kill the process to
 * simulate a crash mid-transaction.  NULL (the default) turns it off. */
typedef int (*store_fault_hook)(void *arg, const char *stage, size_t row);
void store_set_fault_hook(store *s, store_fault_hook hook, void *arg);

/* Append run run_id's stored params, metrics, series and transitions (not
 * its trace) to *out, as the run wrote them (sim/store/store_read.c). */
int store_read_rows(store *s, int64_t run_id, run_rows *out, cs_err *err);

/* Run run_id's stored histogram `name` ("latency") of node (-1: the whole
 * run) into *out (reset first: it must hold a histogram, or zeros); *found = whether any bucket was stored (a
 * run of schema version < 3, or one without requests, has none).  A row
 * whose [lo_ns, hi_ns) is not a bucket of this build's layout is an error.
 * (sim/store/store_read.c) */
struct hist;
int store_read_hist(store *s, int64_t run_id, int node, const char *name, struct hist *out,
                    bool *found, cs_err *err);
/* Whether the store has the `hist` table (schema version >= 3). */
bool store_has_hist(store *s);

/* The file the store was opened on, and its connection (read queries). */
const char *store_path(const store *s);
sqlite3 *store_db(store *s);

/* ---- run identity, liveness, prune (store_runs.c) ------------------------
 *
 * A run is identified by (config_hash, seed, version): the FNV-1a hash of its
 * effective config text (which holds the seed and the name), the seed, and
 * the binary's version.  A 'running' row also records its process (host,
 * pid, the process's start time) and a lease; another process uses them to
 * tell a live run from one whose process died without a word. */

/* A lease of this many seconds starts with every run: past it, a 'running'
 * row whose process cannot be checked (another host, or a version-1 row
 * without process columns) counts as abandoned. */
#define STORE_LEASE_S (24 * 3600)

/* This process as a runs row records it. */
typedef struct store_proc {
    char host[256];
    int64_t pid;
    int64_t start; /* start time in clock ticks after boot; -1 unknown */
} store_proc;
void store_proc_self(store_proc *p);

/* Bring a version-`from` database up to STORE_SCHEMA_VERSION in one
 * transaction (store_migrate.c; called by store_open). */
int store_migrate(sqlite3 *db, const char *path, int64_t from, cs_err *err);

/* Mark every 'running' row whose process is gone as 'abandoned': same host
 * and the PID is dead or now another process, or (another host, or no
 * process recorded) the lease — lease_s seconds after started_at, or the
 * stored lease_until for lease_s < 0 — has expired.  *n receives how many. */
int store_mark_abandoned(store *s, int64_t lease_s, size_t *n, cs_err *err);
/* Whether a 'running' row with these process columns is still alive as far
 * as this host can tell (true for another host within its lease). */
bool store_run_alive(const char *host, int64_t pid, int64_t start, int64_t lease_until,
                     int64_t now);

/* End a 'running' run with status ('failed' or 'interrupted') and a
 * transitions row holding why.  A run that is no longer running is left as
 * it is (returns CS_OK with *changed false). */
int store_end_run(store *s, int64_t run_id, const char *status, const char *why, bool *changed,
                  cs_err *err);
/* The same for every 'running' run of process pid on this host (a child
 * the caller saw die); *n receives how many were changed. */
int store_end_process_runs(store *s, int64_t pid, const char *status, const char *why, size_t *n,
                           cs_err *err);

/* The id of the newest 'done' run with ri's identity (config_hash, seed,
 * version) and labels (experiment, variant, name); 0 when there is none. */
int store_find_done(store *s, const run_info *ri, int64_t *id, cs_err *err);

/* One (scenario, seed): the run every statistic counts.  A scenario is
 * (experiment, variant, name) with one effective config: runs of one name
 * whose configs differ (another --set) have other config hashes and are
 * other scenarios.  When several 'done' runs share all of these and the
 * seed (a rerun, a merge of overlapping shards, an old database), the
 * newest (highest id) stands for them and the others are left out.  A run
 * without a config hash has no identity to share and stands for itself. */
typedef struct store_run {
    int64_t id;
    char *experiment, *variant, *name; /* experiment/variant NULL when NULL */
    char *config_hash, *version;
    uint64_t seed;
} store_run;
/* Every (scenario, seed) of the 'done' runs once, in id order; only those of
 * `experiment` unless it is NULL.  *dropped (may be NULL) receives how many
 * done runs were left out as duplicates.  Free with store_runs_free. */
int store_unique_runs(store *s, const char *experiment, store_run **out, size_t *n, size_t *dropped,
                      cs_err *err);
void store_runs_free(store_run *v, size_t n);

/* How many runs have each status, read as stored ('running' includes rows
 * whose process died until store_mark_abandoned runs). */
typedef struct store_counts {
    size_t running, done, failed, interrupted, abandoned, duplicates;
} store_counts;
int store_count_runs(store *s, store_counts *c, cs_err *err);

/* prune: delete abandoned and interrupted runs (and failed ones with
 * failed; done runs that store_unique_runs leaves out with duplicates) with
 * all their rows, in one transaction.  Marks abandoned runs first (lease_s
 * as for store_mark_abandoned).  dry_run counts without deleting. */
typedef struct store_prune_opts {
    bool duplicates, failed, dry_run;
    int64_t lease_s;
} store_prune_opts;
int store_prune(store *s, const store_prune_opts *o, store_counts *removed, size_t *still_running,
                cs_err *err);

/* ---- merge (store_merge.c) ------------------------------------------------ */

typedef struct store_merge_opts {
    bool any_version;    /* merge runs of another binary version (refused otherwise) */
    bool old_schema;     /* merge a shard of an older schema version (refused otherwise) */
    const char *version; /* this binary's version (runs of others are refused) */
} store_merge_opts;

typedef struct store_merge_report {
    size_t merged, skipped, refused, not_done;
    char first_refusal[512]; /* why the first run was refused */
} store_merge_report;

/* Copy the 'done' runs of the shard at `shard` into `out` with all their
 * rows, in one transaction: each run's identity is verified (its
 * config_hash is the hash of its config_text), a run already done in out
 * (same identity and labels) is skipped, a run of another version is
 * refused unless o->any_version; runs not 'done' are never copied.
 * Returns CS_USAGE for a shard of another schema version (or not a
 * cachestorm database), CS_IO for one that cannot be read whole (truncated,
 * corrupt) — nothing of that shard is merged then. */
int store_merge(store *out, const char *shard, const store_merge_opts *o, store_merge_report *r,
                cs_err *err);
/* FNV-1a 64 of text as 16 hex digits: config_hash of an effective text. */
void store_text_hash(const char *text, char out[17]);

#endif
