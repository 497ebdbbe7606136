/* runtime.c — socket-completion engine, dedicated I/O scheduler, pool
 * timers and QueueUserWorkItem of one .NET process (see runtime.h).
 *
 * Sources (reference/seed000-mechanism.md): dotnet/runtime
 * SocketAsyncEngine.Unix.cs ScheduleToProcessEvents / Execute (one item in
 * the global FIFO, re-queued before processing, 15 ms per pass);
 * Pipelines.Sockets.Unofficial 2.2.8 DedicatedThreadPoolPipeScheduler.cs
 * Schedule (useThreadPoolQueueLength = 10); StackExchange.Redis 2.8.31
 * SocketManager.cs Shared (DEFAULT_WORKERS * 2 = 10), ConnectionMultiplexer
 * TimerToken (heartbeat timer), ConnectionMultiplexer.Threading.cs
 * CompleteAsWorker (QueueUserWorkItem).
 */
#include "models/runtime.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define WORK_BLOCK 64

struct rt_work {
    wp_job job; /* first */
    runtime *rt;
    void (*fn)(void *ctx, uint64_t u);
    void *ctx;
    uint64_t u;
    rt_work *next_free;
};

rt_params rt_defaults(void)
{
    rt_params p;
    memset(&p, 0, sizeof p);
    p.platform = RT_UNIX;          /* the repro ran on macOS (seed000-mechanism.md §1.3) */
    p.inline_completions = false;  /* DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS unset */
    p.engine_slice = MS(15);       /* SocketAsyncEngine TicksToProcessEvents */
    p.io_workers = 10;             /* SocketManager.Shared: DEFAULT_WORKERS (5) * 2 */
    p.io_pool_fallback = 10;       /* PSU useThreadPoolQueueLength */
    p.timers = RT_TIMERS_HIGH;     /* .NET 7+ TimerQueue.Portable: high-priority pool queue */
    return p;
}

static void engine_job(wp_job *j);

void rt_init(runtime *rt, engine *e, stats *st, run_rows *rows, int node, const rt_params *p)
{
    memset(rt, 0, sizeof *rt);
    rt->p = *p;
    rt->e = e;
    rt->st = st;
    rt->rows = rows;
    rt->node = node;
    for (int i = 0; i < 2; i++)
        rt->ej[i] = (struct rt_engine_job){.job = {.fn = engine_job}, .rt = rt};
    rt->id_passes = rt->id_wait = rt->id_fallbacks = -1;
    if (st) {
        rt->id_passes = stats_counter(st, "runtime.engine_passes");
        rt->id_wait = stats_gauge(st, "runtime.completion_wait_ms");
        rt->id_fallbacks = stats_counter(st, "runtime.io_pool_fallbacks");
    }
}

void rt_free(runtime *rt)
{
    free(rt->ring);
    for (size_t i = 0; i < rt->nwork_blocks; i++)
        free(rt->work_blocks[i]);
    free(rt->work_blocks);
    memset(rt, 0, sizeof *rt);
}

void rt_attach_pool(runtime *rt, worker_pool *pool)
{
    rt->pool = pool;
    wp_track_busy(pool);
}

bool rt_via_pool(const runtime *rt)
{
    return rt && rt->pool && rt->p.platform == RT_UNIX && !rt->p.inline_completions;
}

/* ---- the dedicated I/O scheduler (SocketManager.Shared) ------------------- */

typedef struct io_fallback_job {
    wp_job job;
    rt_rec rec;
    runtime *rt;
} io_fallback_job;

static void fallback_run(wp_job *j)
{
    io_fallback_job *x = (io_fallback_job *)j;
    runtime *rt = x->rt;
    rt_rec r = x->rec;
    free(x);
    r.fn(r.ctx, r.u, &r.rep);
    wp_release(rt->pool);
}

/* The PSU receive continuation hops to the dedicated scheduler, where the
 * SER reader parses and matches (runs fn).  With every worker busy and
 * io_pool_fallback items queued, the work goes to the .NET pool instead. */
static void io_run(runtime *rt, const rt_rec *r)
{
    if (rt->io_busy >= rt->p.io_workers && rt->io_queued >= rt->p.io_pool_fallback && rt->pool) {
        io_fallback_job *x = cs_calloc(1, sizeof *x);
        x->job.fn = fallback_run;
        x->rec = *r;
        x->rt = rt;
        rt->io_fallbacks++;
        if (rt->st)
            stats_add(rt->st, rt->node, rt->id_fallbacks, 1);
        wp_submit(rt->pool, &x->job);
        return;
    }
    /* zero-time work: a worker is always free here (see runtime.h) */
    rt->io_busy++;
    r->fn(r->ctx, r->u, &r->rep);
    rt->io_busy--;
}

/* ---- the socket engine ---------------------------------------------------------- */

static void schedule(runtime *rt)
{
    if (rt->scheduled)
        return;
    rt->scheduled = true;
    wp_job *j = &rt->ej[rt->next_job].job;
    rt->next_job ^= 1;
    wp_submit(rt->pool, j); /* the tail of the global FIFO (preferLocal: false) */
}

static void note_wait(runtime *rt, sim_ns waited)
{
    if (waited > rt->max_wait)
        rt->max_wait = waited;
    if (rt->st)
        stats_gauge_set(rt->st, rt->node, rt->id_wait, (double)waited / 1e6);
}

/* One pass of the engine's work item: take what is pending, re-queue the
 * item (ScheduleToProcessEvents, before processing), deliver. */
static void engine_job(wp_job *j)
{
    runtime *rt = ((struct rt_engine_job *)j)->rt;
    rt->scheduled = false;
    size_t avail = rt->n - rt->claimed;
    if (avail == 0) {
        wp_release(rt->pool);
        return;
    }
    rt->claimed += avail;
    rt->passes++;
    if (rt->st)
        stats_add(rt->st, rt->node, rt->id_passes, 1);
    schedule(rt); /* may run at once on a free worker: it finds nothing unclaimed */
    sim_ns now = eng_now(rt->e);
    rt->last_pass = now;
    /* the oldest record waited longest (the ring is in arrival order) */
    note_wait(rt, now - rt->ring[rt->head].at);
    for (size_t i = 0; i < avail; i++) {
        rt_rec r = rt->ring[rt->head];
        rt->head = (rt->head + 1) % rt->cap;
        rt->n--;
        rt->claimed--;
        rt->delivered++;
        io_run(rt, &r);
    }
    wp_release(rt->pool);
}

void rt_post(runtime *rt, rt_fn fn, void *ctx, uint64_t u, const void *payload, size_t size)
{
    assert(size <= sizeof(rs_reply) || size <= sizeof(rs_message));
    rt_rec r;
    memset(&r, 0, sizeof r);
    r.fn = fn;
    r.ctx = ctx;
    r.u = u;
    r.at = rt ? eng_now(rt->e) : 0;
    if (payload && size)
        memcpy(&r.rep, payload, size);
    if (!rt_via_pool(rt)) { /* IOCP / inline completions: the reader runs now */
        if (rt)
            io_run(rt, &r);
        else
            fn(ctx, u, &r.rep);
        return;
    }
    if (rt->n == rt->cap) {
        size_t ncap = rt->cap ? rt->cap * 2 : 256;
        rt_rec *nv = cs_malloc(ncap * sizeof *nv);
        for (size_t i = 0; i < rt->n; i++)
            nv[i] = rt->ring[(rt->head + i) % rt->cap];
        free(rt->ring);
        rt->ring = nv;
        rt->cap = ncap;
        rt->head = 0;
    }
    rt->ring[(rt->head + rt->n) % rt->cap] = r;
    rt->n++;
    schedule(rt);
}

/* ---- pool timers ----------------------------------------------------------------- */

static void timer_fire(engine *e, void *obj, uint64_t u);

static void timer_job_run(wp_job *j)
{
    rt_timer *t = (rt_timer *)j;
    runtime *rt = t->rt;
    t->queued = false;
    t->fn(t->ctx);
    /* the next period counts from this run (TimerQueue updates the due
     * time when it fires the timer) */
    t->ev = eng_after(rt->e, t->period, timer_fire, t, 0);
    wp_release(rt->pool);
}

static void timer_fire(engine *e, void *obj, uint64_t u)
{
    (void)u;
    rt_timer *t = obj;
    runtime *rt = t->rt;
    t->ev = 0;
    if (rt && rt->pool && rt->p.timers != RT_TIMERS_OFF_POOL) {
        t->queued = true;
        if (rt->p.timers == RT_TIMERS_HIGH)
            wp_submit_high(rt->pool, &t->job);
        else
            wp_submit(rt->pool, &t->job);
        return;
    }
    t->fn(t->ctx);
    t->ev = eng_after(e, t->period, timer_fire, t, 0);
}

void rt_timer_start(runtime *rt, rt_timer *t, sim_ns first, sim_ns period, void (*fn)(void *),
                    void *ctx)
{
    memset(t, 0, sizeof *t);
    t->job.fn = timer_job_run;
    t->rt = rt;
    t->fn = fn;
    t->ctx = ctx;
    t->period = period;
    t->ev = eng_after(rt->e, first, timer_fire, t, 0);
}

void rt_timer_stop(rt_timer *t)
{
    if (t->ev && t->rt)
        eng_cancel(t->rt->e, t->ev);
    t->ev = 0;
}

/* ---- QueueUserWorkItem ------------------------------------------------------------ */

static void work_run(wp_job *j)
{
    rt_work *w = (rt_work *)j;
    runtime *rt = w->rt;
    w->fn(w->ctx, w->u);
    w->next_free = rt->free_work;
    rt->free_work = w;
    wp_release(rt->pool);
}

void rt_queue_work(runtime *rt, void (*fn)(void *ctx, uint64_t u), void *ctx, uint64_t u)
{
    if (!rt || !rt->pool) {
        fn(ctx, u);
        return;
    }
    if (!rt->free_work) {
        cs_grow((void **)&rt->work_blocks, &rt->work_blocks_cap, rt->nwork_blocks + 1,
                sizeof *rt->work_blocks);
        rt_work *b = cs_calloc(WORK_BLOCK, sizeof *b);
        rt->work_blocks[rt->nwork_blocks++] = b;
        for (int i = WORK_BLOCK - 1; i >= 0; i--) {
            b[i].next_free = rt->free_work;
            rt->free_work = &b[i];
        }
    }
    rt_work *w = rt->free_work;
    rt->free_work = w->next_free;
    *w = (rt_work){.job = {.fn = work_run}, .rt = rt, .fn = fn, .ctx = ctx, .u = u};
    wp_submit(rt->pool, &w->job);
}
