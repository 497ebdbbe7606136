/* engine.h — the discrete-event core: an int64 nanosecond clock, an event
 * queue ordered by (time, sequence), O(log n) cancel through handles, events
 * from a pool (no malloc per event), and named random streams.
 *
 * The engine knows nothing about caches (ARCHITECTURE.md rule 3).  Models see
 * only this environment: now, schedule, cancel, rng (STYLE.md rule 17).
 * Ties at equal time fire in scheduling order (STYLE.md rule 14).
 */
#ifndef CS_ENGINE_H
#define CS_ENGINE_H

#include <gsl/gsl_rng.h>

#include "sim/core/common.h"

typedef struct engine engine;

/* An event handler: the engine, the object the event belongs to, and one
 * word of payload (a request id, a connection index, ...). */
typedef void (*ev_fn)(engine *e, void *obj, uint64_t u);

/* A handle to a scheduled event; 0 is never a valid handle.  Handles are
 * unique for the run, so a handle stays safe to cancel after its event
 * fired or was cancelled (the cancel is then refused). */
typedef uint64_t ev_id;

engine *eng_new(uint64_t seed);
void eng_free(engine *e);

sim_ns eng_now(const engine *e);
/* Events dispatched so far. */
uint64_t eng_events(const engine *e);
/* Events currently pending. */
size_t eng_pending(const engine *e);

/* Schedule fn(e, obj, u) at now + delay (delay >= 0) or at absolute t >= now. */
ev_id eng_after(engine *e, sim_ns delay, ev_fn fn, void *obj, uint64_t u);
ev_id eng_at(engine *e, sim_ns t, ev_fn fn, void *obj, uint64_t u);
/* Reserve the next sequence number without scheduling anything.  A model
 * that keeps its own FIFO of equal-duration timeouts (most of which are
 * never needed) reserves one where it would have scheduled each timeout and
 * arms only the FIFO's head with eng_at_reserved: every event then fires in
 * the same (time, sequence) order, and the sequences of all other events are
 * unchanged, as if each timeout had been an event of its own. */
uint64_t eng_reserve(engine *e);
/* Schedule fn at absolute t with a sequence from eng_reserve; (t, seq) must
 * come after the event being dispatched (asserted). */
ev_id eng_at_reserved(engine *e, sim_ns t, uint64_t seq, ev_fn fn, void *obj, uint64_t u);
/* Cancel a pending event in O(1); returns false if it already fired or was
 * cancelled. */
bool eng_cancel(engine *e, ev_id id);
/* Time of the next pending event, or SIM_NEVER. */
sim_ns eng_peek(engine *e);

/* Dispatch events in (time, sequence) order while their time is <= t_end
 * and eng_stop was not called; then set the clock to t_end (if not stopped).
 * Returns the number of events dispatched by this call. */
uint64_t eng_run_until(engine *e, sim_ns t_end);
/* Ask eng_run_until to return after the current event. */
void eng_stop(engine *e);

/* ---- run-scoped failure, limits and progress ------------------------------
 *
 * A run that cannot go on (a capacity crossed, an allocation refused, time
 * stuck, memory over the budget) is not aborted: the engine records ONE
 * failure message, refuses further scheduling (eng_at & co. return handle 0,
 * which eng_cancel refuses), and eng_run_until returns after the current
 * event.  The model then finishes its bookkeeping and the runner turns
 * eng_failure() into exit status 3 and a run marked failed.  This is a plain
 * status in the engine object (no longjmp, no global): every model already
 * holds the engine, and every scheduling call is a point where it is checked. */

/* Capacity of the event queue: pending events at one time (the slot index is
 * 24 bits of the event key).  Config checks refuse inputs that schedule more
 * up front; anything that grows past it at run time fails the run. */
#define ENG_MAX_PENDING (1u << 24)
/* Events dispatched at one simulated instant before the run is declared
 * stuck (a livelock: something reschedules itself without time passing).
 * 2^27 = 8 x the queue capacity, so a full queue of same-instant events,
 * each with a few zero-delay follow-ups, still passes. */
#define ENG_STALL_EVENTS (1ull << 27)
/* How often (in events) the watchdog looks at time, memory and progress. */
#define ENG_CHECK_EVERY (1u << 20)

/* What the watchdog reports to a progress callback. */
typedef struct eng_progress {
    sim_ns now;
    uint64_t events;
    size_t pending;
    size_t rss;       /* resident bytes of the process (0 if unknown) */
    double wall;      /* seconds since the first eng_run_until */
} eng_progress;

/* Something a model wants named when memory runs over: fn returns how many
 * items it holds now (and their bytes in *bytes, 0 if unknown). */
typedef size_t (*eng_size_fn)(void *obj, size_t *bytes);

typedef struct eng_limits {
    size_t max_memory;       /* resident bytes; 0 = no check */
    uint64_t stall_events;   /* 0 = ENG_STALL_EVENTS */
    uint32_t max_pending;    /* 0 = ENG_MAX_PENDING (a lower cap, for tests) */
    void (*progress)(void *ctx, const eng_progress *p); /* every ~second of wall time */
    void *progress_ctx;
} eng_limits;

void eng_set_limits(engine *e, const eng_limits *l);
/* Register a grower for the over-memory message (name: "workload: client
 * timeouts"; keys: the config keys that drive it). */
void eng_watch(engine *e, const char *name, const char *keys, eng_size_fn fn, void *obj);
/* Fail the run (first call wins); stops eng_run_until after this event. */
void eng_fail(engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The failure message, or NULL while the run is fine. */
const char *eng_failure(const engine *e);
/* Resident memory of this process in bytes (Linux /proc/self/statm), or 0. */
size_t eng_rss(void);

/* The random stream named `name` (e.g. "node[3].arrivals"), created on first
 * use and seeded from (run seed, name) by rng_stream_seed: adding a stream
 * never shifts another's draws.  Look streams up at setup, not per event. */
gsl_rng *eng_rng(engine *e, const char *name);
/* printf-style convenience for eng_rng. */
gsl_rng *eng_rngf(engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The seed of stream `name` under run seed `seed` (splitmix64 over seed and
 * the FNV-1a hash of the name); exposed for tests. */
uint64_t rng_stream_seed(uint64_t seed, const char *name);

#endif
