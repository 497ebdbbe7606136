/* worker_pool.h — a node's worker pool, the .NET thread pool as seen by a
 * cache library (MODEL.md "Node"; fusioncache.md §5 queue/worker model).
 *
 * Requests, async continuations and backplane handlers are jobs that need a
 * worker.  A job that makes a synchronous call keeps its worker until the
 * call returns (sync-over-async); an async call gives the worker back and its
 * continuation is a new job.  The pool starts with `min` workers and, while
 * jobs wait, adds one worker per `injection` interval up to `max` (the .NET
 * starvation-based injection; hill climbing and retirement of idle workers
 * are not modelled).  `unbounded` runs every job at once.
 *
 * Jobs are intrusive (embedded in the caller's object) and FIFO; the pool
 * never allocates.  A second, high-priority FIFO is served first (.NET 7+
 * ThreadPoolWorkQueue.highPriorityWorkItems: timer callbacks arrive there,
 * TimerQueue.Portable.cs UnsafeQueueHighPriorityWorkItemInternal).  A job runs either inside wp_submit (a worker is free) or
 * from a pool event; the job calls wp_release when it gives its worker back.
 */
#ifndef CS_WORKER_POOL_H
#define CS_WORKER_POOL_H

#include "sim/core/engine.h"
#include "sim/core/stats.h"

typedef struct wp_job wp_job;
typedef void (*wp_fn)(wp_job *j);
struct wp_job {
    wp_job *next;
    wp_fn fn;
    sim_ns queued_at;
};

/* The .NET thread pool's largest worker count (its default maximum). */
#define WP_MAX_WORKERS 32767
/* wp_set_limit's "no limit" (no capacity fault). */
#define WP_NO_LIMIT INT32_MAX

typedef struct wp_params {
    bool unbounded;
    int min;          /* workers at start (>= 1) */
    int max;          /* growth limit (>= min) */
    sim_ns injection; /* one worker per interval while jobs wait */
} wp_params;

/* A pool-starvation state change: "ok" <-> "starved" (a job has waited a
 * whole injection interval). */
typedef void (*wp_transition_fn)(void *user, const char *from, const char *to, const char *why);

typedef struct worker_pool {
    wp_params p;
    engine *e;
    stats *st;
    int node;
    int workers, busy, limit; /* limit: capacity fault (< workers) or WP_NO_LIMIT */
    wp_job *qhead, *qtail;
    size_t qlen;
    wp_job *hhead, *htail; /* high-priority FIFO */
    size_t hlen;
    ev_id grow_ev;
    ev_id dispatch_ev;
    bool starved;
    sim_ns starved_since, starved_total; /* starved time after warm-up is summed by stats */
    wp_transition_fn on_transition;
    void *user;
    int id_queue, id_workers, id_starved; /* stats ids */
    uint64_t jobs_run;
    int peak_busy;    /* most workers busy at once */
    int id_peak_busy; /* "pool.peak_busy" when tracked (wp_track_busy), else -1 */
} worker_pool;

void wp_init(worker_pool *w, engine *e, stats *st, int node, const wp_params *p);
/* Run j on a free worker now (inside this call), or queue it. */
void wp_submit(worker_pool *w, wp_job *j);
/* The same, into the high-priority FIFO (served before the global one). */
void wp_submit_high(worker_pool *w, wp_job *j);
/* wp_submit's inline case without a job object: if a worker is free and
 * nothing waits, count it busy (and the job run) and return true; the
 * caller then does the job's work at once and calls wp_release.  False:
 * the caller must wp_submit a job (it would queue). */
bool wp_begin_now(worker_pool *w);
/* The running job gives its worker back; the next queued job (if any) gets
 * it through an event at the current time. */
void wp_release(worker_pool *w);
/* Capacity fault: at most `limit` busy workers (0 = paused; negative or
 * WP_NO_LIMIT = no limit). */
void wp_set_limit(worker_pool *w, int limit);
/* Report "pool.peak_busy" (the most workers busy at once) at wp_finish. */
void wp_track_busy(worker_pool *w);
/* Close the starved interval at the end of a run (for pool.starved_s). */
void wp_finish(worker_pool *w);

static inline size_t wp_queue_len(const worker_pool *w) { return w->qlen + w->hlen; }
static inline int wp_busy(const worker_pool *w) { return w->busy; }
static inline int wp_workers(const worker_pool *w) { return w->workers; }

#endif
