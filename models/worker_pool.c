/* worker_pool.c — FIFO job queue in front of a growing set of workers (see
 * worker_pool.h).  Growth follows the .NET starvation rule as summarised in
 * fusioncache.md §5 ("grow by 1 per ~0.5-1 s while the queue is non-empty"):
 * a timer runs while jobs wait; each time it fires with jobs still waiting,
 * one worker is added and handed the head job.
 */
#include "models/worker_pool.h"

#include <assert.h>

static void grow_fire(engine *e, void *obj, uint64_t u);
static void dispatch_fire(engine *e, void *obj, uint64_t u);

void wp_init(worker_pool *w, engine *e, stats *st, int node, const wp_params *p)
{
    assert(p->unbounded || (p->min >= 1 && p->max >= p->min));
    *w = (worker_pool){.p = *p, .e = e, .st = st, .node = node, .workers = p->min,
                       .limit = NO_LIMIT, .id_peak_busy = -1};
    if (st) {
        w->id_queue = stats_gauge(st, "pool.queue");
        w->id_workers = stats_gauge(st, "pool.workers");
        w->id_starved = stats_counter(st, "pool.starved_s");
        stats_gauge_set(st, node, w->id_workers, p->unbounded ? 0 : p->min);
    }
}

static inline int capacity(const worker_pool *w)
{
    int c = !count_limited(w->limit) || w->workers < w->limit ? w->workers : w->limit;
    return c;
}

static void set_starved(worker_pool *w, bool on)
{
    if (w->starved == on)
        return;
    sim_ns now = eng_now(w->e);
    w->starved = on;
    if (on) {
        w->starved_since = now;
    } else {
        if (w->st)
            stats_add(w->st, w->node, w->id_starved, ns_to_s(now - w->starved_since));
    }
    if (w->on_transition)
        w->on_transition(w->user, on ? "ok" : "starved", on ? "starved" : "ok",
                         on ? "queue_waited_injection" : "queue_empty");
}

static void note_queue(worker_pool *w)
{
    if (w->st)
        stats_gauge_set(w->st, w->node, w->id_queue, (double)(w->qlen + w->hlen));
}

static inline bool waiting(const worker_pool *w)
{
    return w->qhead || w->hhead;
}

bool wp_begin_now(worker_pool *w)
{
    if (w->p.unbounded || (w->busy < capacity(w) && !waiting(w))) {
        if (++w->busy > w->peak_busy)
            w->peak_busy = w->busy;
        w->jobs_run++;
        return true;
    }
    return false;
}

/* Queue j at the tail of one FIFO (the global one or the high-priority
 * one), start the injection timer; false when it ran at once instead. */
static bool enqueue(worker_pool *w, wp_job *j, wp_job **head, wp_job **tail, size_t *len)
{
    assert(j->fn);
    if (wp_begin_now(w)) {
        j->fn(j);
        return false;
    }
    j->next = NULL;
    j->queued_at = eng_now(w->e);
    if (*tail)
        (*tail)->next = j;
    else
        *head = j;
    *tail = j;
    (*len)++;
    note_queue(w);
    if (!w->grow_ev)
        w->grow_ev = eng_after(w->e, w->p.injection, grow_fire, w, 0);
    return true;
}

void wp_submit(worker_pool *w, wp_job *j)
{
    enqueue(w, j, &w->qhead, &w->qtail, &w->qlen);
}

void wp_submit_high(worker_pool *w, wp_job *j)
{
    if (!enqueue(w, j, &w->hhead, &w->htail, &w->hlen))
        return;
    if (w->busy < capacity(w) && !w->dispatch_ev) /* only the global FIFO was waiting */
        w->dispatch_ev = eng_after(w->e, 0, dispatch_fire, w, 0);
}

static wp_job *pop(worker_pool *w)
{
    wp_job *j;
    if (w->hhead) {
        j = w->hhead;
        w->hhead = j->next;
        if (!w->hhead)
            w->htail = NULL;
        w->hlen--;
        return j;
    }
    j = w->qhead;
    w->qhead = j->next;
    if (!w->qhead)
        w->qtail = NULL;
    w->qlen--;
    return j;
}

/* Give the head job a worker that is already counted busy. */
static void run_head(worker_pool *w)
{
    wp_job *j = pop(w);
    note_queue(w);
    if (!waiting(w))
        set_starved(w, false);
    w->jobs_run++;
    j->fn(j);
}

static void dispatch_fire(engine *e, void *obj, uint64_t u)
{
    (void)e;
    (void)u;
    worker_pool *w = obj;
    w->dispatch_ev = 0;
    /* hand every free worker a job, one per event so jobs stay FIFO and
     * never nest inside each other */
    if (waiting(w) && w->busy < capacity(w)) {
        if (++w->busy > w->peak_busy)
            w->peak_busy = w->busy;
        if (waiting(w) && w->busy < capacity(w))
            w->dispatch_ev = eng_after(w->e, 0, dispatch_fire, w, 0);
        run_head(w);
    }
}

void wp_release(worker_pool *w)
{
    assert(w->busy > 0);
    w->busy--;
    if (waiting(w) && !w->dispatch_ev)
        w->dispatch_ev = eng_after(w->e, 0, dispatch_fire, w, 0);
}

static void grow_fire(engine *e, void *obj, uint64_t u)
{
    (void)e;
    (void)u;
    worker_pool *w = obj;
    w->grow_ev = 0;
    if (!waiting(w))
        return;
    set_starved(w, true);
    if (w->workers < w->p.max && w->limit != 0) { /* a paused node injects nothing */
        w->workers++;
        if (w->st)
            stats_gauge_set(w->st, w->node, w->id_workers, w->workers);
    }
    if (waiting(w))
        w->grow_ev = eng_after(w->e, w->p.injection, grow_fire, w, 0);
    if (w->busy < capacity(w) && !w->dispatch_ev)
        w->dispatch_ev = eng_after(w->e, 0, dispatch_fire, w, 0);
}

void wp_set_limit(worker_pool *w, int limit)
{
    w->limit = limit >= 0 ? limit : NO_LIMIT;
    if (waiting(w) && w->busy < capacity(w) && !w->dispatch_ev)
        w->dispatch_ev = eng_after(w->e, 0, dispatch_fire, w, 0);
}

void wp_track_busy(worker_pool *w)
{
    if (w->st)
        w->id_peak_busy = stats_gauge(w->st, "pool.busy");
}

void wp_finish(worker_pool *w)
{
    if (w->id_peak_busy >= 0)
        stats_gauge_set(w->st, w->node, w->id_peak_busy, (double)w->peak_busy);
    if (w->starved && w->st) {
        stats_add(w->st, w->node, w->id_starved, ns_to_s(eng_now(w->e) - w->starved_since));
        w->starved_since = eng_now(w->e);
    }
}
