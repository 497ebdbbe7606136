/* database.c — an M/G/c station with FIFO waiting (see database.h).  With
 * exponential service and load 0 this is exactly M/M/c, which the test suite
 * checks against Erlang C.
 */
#include "models/database.h"

#include <assert.h>

static void finish_fire(engine *e, void *obj, uint64_t u);
static void fail_fire(engine *e, void *obj, uint64_t u);

static void unlink_call(database *d, db_call *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        d->qhead = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        d->qtail = c->prev;
    c->next = c->prev = NULL;
    d->qlen--;
    if (c->timer) {
        eng_cancel(d->e, c->timer);
        c->timer = 0;
    }
}

static void acquire_timeout_fire(engine *e, void *obj, uint64_t u)
{
    db_call *c = obj;
    database *d = (database *)(uintptr_t)u;
    c->timer = 0;
    unlink_call(d, c);
    fail_fire(e, c, u);
}

void db_init(database *d, engine *e, stats *st, const db_params *p)
{
    assert(p->pool >= 1);
    *d = (database){.p = *p, .e = e, .st = st, .limit = p->pool, .slow = 1.0};
    d->rng = eng_rng(e, "database.service");
    if (st) {
        d->id_calls = stats_counter(st, "db.calls");
        d->id_errors = stats_counter(st, "db.errors");
        d->id_peak = stats_gauge(st, "db.peak_concurrency");
    }
}

static void start(database *d, db_call *c)
{
    d->in_use++;
    c->started_at = eng_now(d->e);
    if (d->st)
        stats_gauge_set(d->st, -1, d->id_peak, d->in_use);
    double s = (double)dist_sample_ns(&d->p.service, d->rng) * d->slow;
    if (d->p.load > 0)
        s *= 1.0 + d->p.load * (double)d->in_use / (double)d->p.pool;
    eng_after(d->e, (sim_ns)s, finish_fire, c, (uint64_t)(uintptr_t)d);
}

static void fail_fire(engine *e, void *obj, uint64_t u)
{
    db_call *c = obj;
    database *d = (database *)(uintptr_t)u;
    c->finished_at = eng_now(e);
    if (d->st)
        stats_add(d->st, c->node, d->id_errors, 1);
    c->done(c, DB_ERROR);
}

void db_submit(database *d, db_call *c)
{
    c->queued_at = eng_now(d->e);
    c->next = NULL;
    d->calls++;
    if (d->st)
        stats_add(d->st, c->node, d->id_calls, 1);
    if (d->down) {
        eng_after(d->e, d->p.down_latency, fail_fire, c, (uint64_t)(uintptr_t)d);
        return;
    }
    if (d->in_use < d->limit && !d->qhead) {
        start(d, c);
        return;
    }
    c->prev = d->qtail;
    if (d->qtail)
        d->qtail->next = c;
    else
        d->qhead = c;
    d->qtail = c;
    d->qlen++;
    c->timer = 0;
    if (d->p.acquire_timeout != SIM_NEVER)
        c->timer = eng_after(d->e, d->p.acquire_timeout, acquire_timeout_fire, c, (uint64_t)(uintptr_t)d);
}

static void pump(database *d)
{
    while (d->qhead && d->in_use < d->limit) {
        db_call *c = d->qhead;
        unlink_call(d, c);
        start(d, c);
    }
}

static void finish_fire(engine *e, void *obj, uint64_t u)
{
    db_call *c = obj;
    database *d = (database *)(uintptr_t)u;
    assert(d->in_use > 0);
    d->in_use--;
    c->finished_at = eng_now(e);
    pump(d);
    c->done(c, DB_OK);
}

void db_set_down(database *d, bool down)
{
    d->down = down;
    if (!down)
        return;
    /* waiting calls fail at once; running ones finish (their connection
     * breaks when they reply: treated as success to keep the model simple) */
    while (d->qhead) {
        db_call *c = d->qhead;
        unlink_call(d, c);
        eng_after(d->e, d->p.down_latency, fail_fire, c, (uint64_t)(uintptr_t)d);
    }
}

void db_set_slow(database *d, double factor) { d->slow = factor > 0 ? factor : 1.0; }

void db_set_limit(database *d, int limit)
{
    d->limit = limit > 0 ? limit : d->p.pool;
    pump(d);
}
