/* runtime.h — the .NET runtime of one application process as the Redis
 * client sees it (reference/seed000-mechanism.md §1 steps 3-4, §4.1-4.4):
 *
 *  - the socket-completion engine.  On Linux and macOS (`platform: unix`)
 *    .NET does not run socket completions on its epoll thread: it queues ONE
 *    work item at the tail of the worker pool's global FIFO
 *    (SocketAsyncEngine.Unix.cs ScheduleToProcessEvents, preferLocal false)
 *    while none is queued.  When that item runs it first re-queues itself
 *    (if events are pending) and then delivers the pending completions for
 *    up to a 15 ms slice (IThreadPoolWorkItem.Execute).  Every Redis reply,
 *    pub/sub message and connect completion of the process waits for it.
 *    `inline_completions` (DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1)
 *    and `platform: windows` (IOCP threads) deliver at arrival instead.
 *  - SER's SocketManager.Shared: a dedicated scheduler of 10 workers shared
 *    by the process's multiplexers, on which the readers run; with >= 10
 *    items queued it hands work to the .NET pool (PSU
 *    DedicatedThreadPoolPipeScheduler.Schedule, useThreadPoolQueueLength 10).
 *  - timers on the pool: a System.Threading.Timer callback (SER's 1 s
 *    heartbeat) is a pool work item, in the high-priority queue on .NET 7+
 *    (dotnet/runtime TimerQueue.Portable.cs TimerThread); the next period
 *    starts when it ran.
 *  - QueueUserWorkItem for SER's events (ConnectionRestored,
 *    ConfigurationChanged): a zero-time pool job that writes a trace row.
 *
 * Jobs take no simulated time (worker_pool.h), so a pass always delivers
 * everything pending (the 15 ms slice never ends a pass) and the dedicated
 * readers are busy only inside a pass: the fall-back to the pool is kept
 * as the rule but does not trigger in these models.
 * Left out: Kestrel's socket reads (an HTTP request reaches the pool at
 * arrival), DNS on the pool, several engines (cores / 30 rounds to 1 on the
 * repro's 10-core machine), per-thread local queues.
 */
#ifndef CS_RUNTIME_H
#define CS_RUNTIME_H

#include "models/redis_server.h"
#include "models/worker_pool.h"
#include "sim/core/engine.h"
#include "sim/core/rows.h"
#include "sim/core/stats.h"

typedef enum rt_platform { RT_UNIX = 0, RT_WINDOWS = 1 } rt_platform;
/* Where a timer callback runs: the pool's high-priority queue (.NET 7+
 * TimerQueue.Portable.cs: ThreadPool.UnsafeQueueHighPriorityWorkItemInternal),
 * the tail of the global FIFO (.NET 6: UnsafeQueueTimeSensitiveWorkItem ->
 * the global queue; the reference's [INF] reading), or off the pool. */
typedef enum rt_timers { RT_TIMERS_HIGH = 0, RT_TIMERS_FIFO, RT_TIMERS_OFF_POOL } rt_timers;

typedef struct rt_params {
    rt_platform platform;    /* unix: completions through the pool FIFO */
    bool inline_completions; /* DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS */
    sim_ns engine_slice;     /* 15 ms (TicksToProcessEvents) */
    int io_workers;          /* SocketManager.Shared: 10 */
    int io_pool_fallback;    /* queue length from which the dedicated scheduler
                                hands work to the .NET pool: 10 */
    rt_timers timers;        /* where timer callbacks (SER's heartbeat) run */
} rt_params;

rt_params rt_defaults(void);

/* A completion's delivery: ctx, u and a copy of the payload (an rs_reply or
 * an rs_message) as posted. */
typedef void (*rt_fn)(void *ctx, uint64_t u, const void *payload);

typedef struct rt_rec {
    rt_fn fn;
    void *ctx;
    uint64_t u;
    sim_ns at; /* arrival at the socket */
    union {
        rs_reply rep;
        rs_message msg;
    };
} rt_rec;

/* A periodic pool timer (System.Threading.Timer): fires every `period`
 * counted from the end of the previous callback's run. */
typedef struct rt_timer {
    wp_job job; /* first */
    struct runtime *rt;
    void (*fn)(void *ctx);
    void *ctx;
    sim_ns period;
    ev_id ev;
    bool queued;
} rt_timer;

typedef struct rt_work rt_work; /* a QueueUserWorkItem record */

typedef struct runtime {
    rt_params p;
    engine *e;
    stats *st;
    run_rows *rows;
    int node;
    worker_pool *pool; /* attached by the node (NULL: everything inline) */
    /* the engine's event queue: a ring of pending completions */
    rt_rec *ring;
    size_t cap, head, n;
    size_t claimed;        /* records taken by the pass running now */
    bool scheduled;        /* an engine work item waits in the pool FIFO */
    struct rt_engine_job {
        wp_job job; /* first */
        struct runtime *rt;
    } ej[2];               /* the engine item and its re-queued twin */
    int next_job;
    sim_ns last_pass;
    /* SocketManager's dedicated scheduler */
    int io_busy, io_queued;
    /* QueueUserWorkItem records */
    rt_work *free_work;
    void **work_blocks;
    size_t nwork_blocks, work_blocks_cap;
    /* counters */
    uint64_t passes, delivered, io_fallbacks;
    sim_ns max_wait; /* longest a completion waited for its pass */
    int id_passes, id_wait, id_fallbacks;
} runtime;

void rt_init(runtime *rt, engine *e, stats *st, run_rows *rows, int node, const rt_params *p);
void rt_free(runtime *rt);
/* The process's worker pool (the node's); before it is attached, and for
 * windows / inline completions, completions are delivered at arrival. */
void rt_attach_pool(runtime *rt, worker_pool *pool);
/* Do socket completions wait for a pass of the engine's pool work item? */
bool rt_via_pool(const runtime *rt);

/* A socket completion arrived: deliver fn(ctx, u, payload) now (windows,
 * inline completions, no pool) or at the next pass of the engine item.
 * payload (size bytes, <= sizeof(rs_reply) or sizeof(rs_message)) is copied. */
void rt_post(runtime *rt, rt_fn fn, void *ctx, uint64_t u, const void *payload, size_t size);
/* Pending completions (SER's in-pipe: received, not yet read). */
static inline size_t rt_pending(const runtime *rt) { return rt ? rt->n : 0; }

/* Periodic pool timer: start it (first callback after `first`). */
void rt_timer_start(runtime *rt, rt_timer *t, sim_ns first, sim_ns period, void (*fn)(void *),
                    void *ctx);
void rt_timer_stop(rt_timer *t);

/* ThreadPool.QueueUserWorkItem(fn(ctx, u)) — a zero-time pool job. */
void rt_queue_work(runtime *rt, void (*fn)(void *ctx, uint64_t u), void *ctx, uint64_t u);

/* Snapshot figures (SER's error text): dedicated workers busy/total, pool
 * busy/min/threads/queued. */
static inline int rt_io_available(const runtime *rt) { return rt->p.io_workers - rt->io_busy; }

#endif
