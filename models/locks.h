/* locks.h — stampede protection (fusioncache.md §1 C and F; MODEL.md "Locks").
 *
 * Memory lock: FusionCache's StandardMemoryLocker, one SemaphoreSlim(1,1)
 * per key per node: the first caller takes it, later callers queue FIFO with
 * an optional timeout (timeout 0 = try once).  Lock objects exist only while
 * held or waited on; the key -> lock map is a small open-addressing table.
 *
 * Distributed lock: Medallion's Redis lock as FusionCache uses it: SET key
 * NX PX abandon_timeout; while not acquired, sleep a uniform random
 * [poll_min, poll_max] (10-800 ms) and try again until the wait timeout.
 * The SET NX itself is done by the caller's L2 port (a callback), so a Redis
 * outage hits the lock too.  Auto-extension is not modelled: a holder that
 * outlives the abandon timeout loses the lock (logged by the caller).
 *
 * u32map is the shared intrusive-free map used here and by the node's
 * auto-recovery queue: key -> 32-bit value, growing by rehash (amortised).
 */
#ifndef CS_LOCKS_H
#define CS_LOCKS_H

#include "sim/core/engine.h"

/* ---- u32map: uint32 key -> uint32 value ------------------------------- */
typedef struct u32slot {
    uint32_t key, val; /* val == 0: empty (store value + 1) */
} u32slot;
typedef struct u32map {
    u32slot *s; /* key next to value: a probe touches one cache line */
    uint32_t mask, count;
} u32map;
void u32map_init(u32map *m, uint32_t hint);
void u32map_free(u32map *m);
/* Value stored for key, or UINT32_MAX. */
uint32_t u32map_get(const u32map *m, uint32_t key);
void u32map_put(u32map *m, uint32_t key, uint32_t val); /* val < UINT32_MAX - 1 */
void u32map_del(u32map *m, uint32_t key);

/* ---- memory lock ------------------------------------------------------ */
typedef struct ml_waiter ml_waiter;
/* acquired: true (granted), false (timed out). Called from an event. */
typedef void (*ml_fn)(ml_waiter *w, bool acquired);
struct ml_waiter {
    ml_waiter *prev, *next;
    ml_fn fn;
    ev_id timer;
    uint32_t key, lock;
    bool granted;
};

typedef struct ml_lock {
    uint32_t key;
    bool held;
    ml_waiter *head, *tail;
    uint32_t next_free;
} ml_lock;

typedef struct mem_locks {
    engine *e;
    ml_lock *locks;
    size_t n, cap;
    uint32_t free_head;
    u32map map;
    uint64_t waits, timeouts;
} mem_locks;

void ml_init(mem_locks *m, engine *e);
void ml_free(mem_locks *m);
/* Try to take key's lock.  Returns true if taken at once.  Otherwise, with
 * timeout 0 returns false at once (w untouched); with a timeout > 0 (or
 * CP-style -1 = infinite, pass SIM_NEVER) queues w and returns false: w->fn
 * fires later with the outcome. */
bool ml_acquire(mem_locks *m, uint32_t key, ml_waiter *w, sim_ns timeout);
/* Release key's lock; the head waiter (if any) is granted through an event. */
void ml_release(mem_locks *m, uint32_t key);

/* ---- distributed lock -------------------------------------------------- */
typedef struct dlock_params {
    sim_ns abandon; /* PX of the SET NX (FusionCache AbandonTimeout 30 s) */
    sim_ns poll_min, poll_max; /* Medallion busy-wait sleep range (10, 800 ms) */
} dlock_params;

typedef struct dl_wait dl_wait;
/* Result of one SET NX try: 1 acquired, 0 not (held by someone), -1 error. */
typedef void (*dl_try_fn)(dl_wait *w);                /* start one try; report via dl_tried */
typedef void (*dl_done_fn)(dl_wait *w, int outcome);  /* 1 acquired, 0 timed out, -1 error */
struct dl_wait {
    dl_try_fn try_once;
    dl_done_fn done;
    sim_ns deadline; /* SIM_NEVER = wait forever */
    int tries;
    const dlock_params *p;
    engine *e;
    gsl_rng *rng;
};
/* Start acquiring (timeout 0 = one try). */
void dl_acquire(dl_wait *w, engine *e, gsl_rng *rng, const dlock_params *p, sim_ns timeout);
/* The caller's port reports one try's result. */
void dl_tried(dl_wait *w, int result);

#endif
