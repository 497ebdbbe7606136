/* database.h — the source of truth behind every factory call (MODEL.md
 * "Database"): a connection pool of P; a call waits FIFO for a connection,
 * then holds it for a service time drawn from a distribution, optionally
 * stretched by concurrency (load-dependent latency: service x (1 + load x
 * busy / P)), or fails when it waited `acquire_timeout`.  Faults: slow
 * (x factor), down (calls fail after `down_latency`), capacity (fewer usable
 * connections).
 *
 * Calls are intrusive (db_call embedded in the caller) and complete through
 * an event, never inside db_submit.  Not modelled: query mix, locks inside
 * the database, connection setup cost.
 */
#ifndef CS_DATABASE_H
#define CS_DATABASE_H

#include "sim/core/dist.h"
#include "sim/core/engine.h"
#include "sim/core/stats.h"

typedef enum db_status { DB_OK = 0, DB_ERROR } db_status;

typedef struct db_call db_call;
typedef void (*db_done_fn)(db_call *c, db_status st);
struct db_call {
    db_call *next, *prev;
    ev_id timer; /* acquire timeout while waiting */
    db_done_fn done;
    sim_ns queued_at, started_at, finished_at;
    int node; /* for per-node counters */
};

typedef struct db_params {
    int pool;          /* connections P (>= 1) */
    dist service;      /* ns */
    double load;       /* load factor: service x (1 + load x busy/P) (0 = none) */
    sim_ns acquire_timeout; /* SIM_NEVER = wait forever */
    sim_ns down_latency; /* how fast a call fails while down */
} db_params;

typedef struct database {
    db_params p;
    engine *e;
    stats *st;
    gsl_rng *rng;
    int in_use, limit;
    bool down;
    double slow;
    db_call *qhead, *qtail;
    size_t qlen;
    int id_calls, id_peak, id_errors;
    uint64_t calls;
} database;

void db_init(database *d, engine *e, stats *st, const db_params *p);
/* Start a call; c->done fires later with the outcome. */
void db_submit(database *d, db_call *c);
/* Faults. */
void db_set_down(database *d, bool down);
void db_set_slow(database *d, double factor); /* 1 = normal */
void db_set_limit(database *d, int limit);    /* usable connections; <= 0 restores P */

#endif
