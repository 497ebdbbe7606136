/* rc_pool.c — a pooled Redis client in the Redisson/Jedis/ioredis mould
 * (resilience.md §1.6, §3): N connections, a FIFO of callers waiting to
 * acquire one (acquire timeout), a per-attempt response timeout, retries
 * after a delay from policy/backoff (HCL/Redisson ≤ 3.47: 3 retries at a
 * constant 1500 ms → 3000 + 3 × (3000 + 1500) = 16.5 s), reconnect on the
 * delays of a named policy/reconnect schedule, and seed 004's stuck-retry
 * detection (policy/reconnect.h reconnect_stuck_*).
 * Connection refused fails fast unless retry_refused (UNCONFIRMED for
 * Redisson, resilience.md §1.6: a parameter).
 * Left out: per-connection reconnect (the pool connects as a whole with one
 * CONNECT round trip), idle-connection eviction, ping/keep-alive, ioredis's
 * offline queue and maxRetriesPerRequest (a per-command reconnect limit).
 */
#include <assert.h>
#include <stdlib.h>

#include "models/rc_impl.h"

typedef struct pool {
    redis_client base; /* first: a pool is a redis_client */
    int n;             /* connections */
    int32_t *holder;   /* per connection: the command using it, or -1 */
    int *free_conns;   /* stack of free connection indices */
    int nfree;
    rc_list acquire; /* callers waiting for a connection, FIFO */
    size_t ninflight;
    backoff_spec retry;
    reconnect_params rp;
    bool stuck_on; /* stuck detection configured */
    ev_id tick_ev;
    rc_dq attempt_dq; /* per-attempt timeouts (one duration) */
    rc_dq acquire_dq; /* acquire timeouts (one duration) */
    uint64_t *scratch;
    size_t scratch_cap;
} pool;

static pool *P(redis_client *c)
{
    return (pool *)c;
}
static const pool *CP(const redis_client *c)
{
    return (const pool *)c;
}

static void gauges(pool *p)
{
    rc__gauge_backlog(&p->base, p->acquire.n);
    rc__gauge_inflight(&p->base, p->ninflight);
}

static void retry_ev(engine *e, void *obj, uint64_t u);
static void schedule_reconnect(pool *p, int conn);

/* Send `slot` on connection `lane` and start its attempt timeout. */
static void take(pool *p, int32_t slot, int lane)
{
    redis_client *c = &p->base;
    rc_cmd *k = rc__cmd(c, slot);
    assert(p->holder[lane] == RC_NIL_IDX);
    p->holder[lane] = slot;
    k->lane = lane;
    k->where = W_INFLIGHT;
    p->ninflight++;
    rc__send_cmd(c, slot, RC_IC, lane);
    /* Redisson: "if it is sent successfully, then timeout will be started" */
    rc__dq_push(&p->attempt_dq, eng_now(c->env.e) + c->p.timeout, rc__cmd_u(c, slot), k->attempts);
}

/* Give connection `lane` back: to the first waiter, or to the free stack. */
static void release(pool *p, int lane)
{
    redis_client *c = &p->base;
    assert(p->holder[lane] != RC_NIL_IDX && p->ninflight > 0);
    p->holder[lane] = RC_NIL_IDX;
    p->ninflight--;
    if (p->acquire.n > 0 && c->conn[RC_IC].state == CONN_CONNECTED) {
        int32_t w = rc__list_pop(c, &p->acquire);
        take(p, w, lane); /* its acquire deadline goes stale (where changed) */
    } else {
        p->free_conns[p->nfree++] = lane;
    }
}

static bool retries_left(const pool *p, const rc_cmd *k)
{
    return k->attempts < 1 + p->base.p.retry_attempts;
}

/* Wait the policy's delay before the next attempt (retry k is 1-based). */
static void schedule_retry(pool *p, int32_t slot)
{
    redis_client *c = &p->base;
    rc_cmd *k = rc__cmd(c, slot);
    k->where = W_RETRY;
    sim_ns d = backoff_next(&p->retry, &k->bo, k->attempts, &c->rand);
    assert(d >= 0);
    k->timer = eng_after(c->env.e, d, retry_ev, p, rc__cmd_u(c, slot));
}

/* An attempt failed with st: retry if attempts remain, else tell the caller.
 * in_submit: we are inside rc_submit, so a completion must go through an event. */
static void attempt_failed(pool *p, int32_t slot, rc_status st, bool in_submit)
{
    redis_client *c = &p->base;
    rc_cmd *k = rc__cmd(c, slot);
    bool retryable = !(st == RC_ERR_REFUSED || st == RC_ERR_CONNECTION) || c->p.retry_refused;
    if (retryable && retries_left(p, k)) {
        eng_cancel(c->env.e, k->timer);
        schedule_retry(p, slot);
    } else if (in_submit) {
        rc__fail_soon(c, slot, st);
    } else {
        rc__complete(c, slot, st, NULL);
    }
}

static void start_attempt(pool *p, int32_t slot, bool in_submit)
{
    redis_client *c = &p->base;
    rc_cmd *k = rc__cmd(c, slot);
    k->attempts++;
    if (c->conn[RC_IC].state != CONN_CONNECTED) {
        attempt_failed(p, slot, RC_ERR_REFUSED, in_submit); /* fast failure */
        return;
    }
    if (p->nfree > 0) {
        take(p, slot, p->free_conns[--p->nfree]);
    } else {
        k->where = W_ACQUIRE;
        rc__list_push(c, &p->acquire, slot);
        rc__dq_push(&p->acquire_dq, eng_now(c->env.e) + c->p.acquire_timeout, rc__cmd_u(c, slot),
                    k->attempts);
    }
}

static bool in_attempt(const redis_client *c, uint64_t u, int32_t aux, rc_where where)
{
    int32_t slot = rc__cmd_from_u(c, u);
    return slot != RC_NIL_IDX && rc__cmd(c, slot)->where == where &&
           rc__cmd(c, slot)->attempts == aux;
}
static bool attempt_live(const redis_client *c, uint64_t u, int32_t aux)
{
    return in_attempt(c, u, aux, W_INFLIGHT);
}
static bool acquire_live(const redis_client *c, uint64_t u, int32_t aux)
{
    return in_attempt(c, u, aux, W_ACQUIRE);
}

/* Deadline of attempt `aux`; stale if the command finished or moved on. */
static void attempt_expire(redis_client *c, uint64_t u, int32_t aux)
{
    pool *p = P(c);
    int32_t slot = rc__cmd_from_u(c, u);
    if (slot == RC_NIL_IDX || rc__cmd(c, slot)->where != W_INFLIGHT ||
        rc__cmd(c, slot)->attempts != aux)
        return;
    rc_cmd *k = rc__cmd(c, slot);
    release(p, k->lane);
    k->lane = -1;
    attempt_failed(p, slot, RC_ERR_RESPONSE_TIMEOUT, false);
    gauges(p);
}

static void acquire_expire(redis_client *c, uint64_t u, int32_t aux)
{
    pool *p = P(c);
    int32_t slot = rc__cmd_from_u(c, u);
    if (slot == RC_NIL_IDX || rc__cmd(c, slot)->where != W_ACQUIRE ||
        rc__cmd(c, slot)->attempts != aux)
        return;
    rc__list_remove(c, &p->acquire, slot);
    attempt_failed(p, slot, RC_ERR_ACQUIRE_TIMEOUT, false);
    gauges(p);
}

static void retry_ev(engine *e, void *obj, uint64_t u)
{
    (void)e;
    pool *p = obj;
    redis_client *c = &p->base;
    int32_t slot = rc__cmd_from_u(c, u);
    if (slot == RC_NIL_IDX || rc__cmd(c, slot)->where != W_RETRY)
        return;
    rc__cmd(c, slot)->timer = 0;
    start_attempt(p, slot, false);
    gauges(p);
}

/* ---- reconnect ------------------------------------------------------------------ */

/* Schedule the next connect attempt on the policy's delay, or stop. */
static void schedule_reconnect(pool *p, int conn)
{
    redis_client *c = &p->base;
    rc__stuck_check(c, conn, p->stuck_on);
    rc__schedule_reconnect(c, conn, &p->rp, (int)c->conn[conn].attempt + 1);
}

/* The 1 s tick: series gauges, and the stuck check while not connected
 * (a stopped schedule has no other event to wake it). */
static void tick_ev(engine *e, void *obj, uint64_t u)
{
    (void)u;
    pool *p = obj;
    redis_client *c = &p->base;
    for (int i = 0; i < 2; i++) {
        rc_cstate s = c->conn[i].state;
        if ((s == CONN_DISCONNECTED || s == CONN_STOPPED) &&
            rc__stuck_check(&p->base, i, p->stuck_on))
            schedule_reconnect(p, i);
    }
    rc__keepalive(c);
    rc__gauge_tick(c, p->acquire.n, p->ninflight);
    p->tick_ev = eng_after(e, c->p.heartbeat, tick_ev, p, 0);
}

/* ---- hooks ------------------------------------------------------------------------- */

static void h_reply(redis_client *c, int32_t slot, const rs_reply *rep)
{
    pool *p = P(c);
    rc_cmd *k = rc__cmd(c, slot);
    assert(k->where == W_INFLIGHT);
    release(p, k->lane);
    k->lane = -1;
    rc_status st = rc__map(rep->status);
    if (st == RC_ERR_REFUSED || st == RC_ERR_CONNECTION)
        attempt_failed(p, slot, st, false);
    else
        rc__complete(c, slot, st, rep);
    gauges(p);
}

/* The pool's sockets died: commands holding a connection fail with a
 * connection error (or retry), waiters are refused (or retry); then the
 * reconnect schedule starts at attempt 1. */
static void h_conn_lost(redis_client *c, int conn)
{
    pool *p = P(c);
    if (conn == RC_IC) {
        size_t n = 0;
        for (int i = 0; i < p->n; i++)
            if (p->holder[i] != RC_NIL_IDX) {
                cs_grow((void **)&p->scratch, &p->scratch_cap, n + 1, sizeof *p->scratch);
                p->scratch[n++] = rc__cmd_u(c, p->holder[i]);
            }
        size_t nheld = n;
        for (int32_t s = p->acquire.head; s != RC_NIL_IDX; s = rc__cmd(c, s)->next) {
            cs_grow((void **)&p->scratch, &p->scratch_cap, n + 1, sizeof *p->scratch);
            p->scratch[n++] = rc__cmd_u(c, s);
        }
        /* every connection is free (and dead) again */
        p->nfree = 0;
        for (int i = p->n - 1; i >= 0; i--) {
            p->holder[i] = RC_NIL_IDX;
            p->free_conns[p->nfree++] = i;
        }
        p->ninflight = 0;
        for (size_t i = 0; i < n; i++) {
            int32_t s = rc__cmd_from_u(c, p->scratch[i]);
            if (s == RC_NIL_IDX)
                continue;
            rc_cmd *k = rc__cmd(c, s);
            if (i < nheld && k->where == W_INFLIGHT) {
                k->lane = -1;
                attempt_failed(p, s, RC_ERR_CONNECTION, false);
            } else if (i >= nheld && k->where == W_ACQUIRE) {
                rc__list_remove(c, &p->acquire, s);
                attempt_failed(p, s, RC_ERR_REFUSED, false);
            }
        }
        gauges(p);
    }
    schedule_reconnect(p, conn);
}

static void h_connected(redis_client *c, int conn)
{
    (void)c;
    (void)conn;
}

static void h_connect_failed(redis_client *c, int conn)
{
    schedule_reconnect(P(c), conn);
}

static const rc_hooks hooks = {h_reply, h_conn_lost, h_connected, h_connect_failed};

/* ---- the kind ------------------------------------------------------------------------ */

static void pool_submit(redis_client *c, const rc_op *op)
{
    pool *p = P(c);
    int32_t slot = rc__cmd_alloc(c, op);
    if (rc__over_limit(c)) {
        rc__fail_soon(c, slot, RC_ERR_OTHER);
        return;
    }
    start_attempt(p, slot, true);
    gauges(p);
}

static redis_client *pool_create(const rc_env *env, const rc_params *prm);

static void pool_destroy(redis_client *c)
{
    pool *p = P(c);
    rc__fini(c);
    rc__dq_free(&p->attempt_dq);
    rc__dq_free(&p->acquire_dq);
    free(p->holder);
    free(p->free_conns);
    free(p->scratch);
    free(p);
}

static void pool_subscribe(redis_client *c, int channel, rc_message_fn fn, void *ctx)
{
    (void)c, (void)channel, (void)fn, (void)ctx; /* the common layer does it all */
}

static bool pool_is_connected(const redis_client *c)
{
    return c->conn[RC_IC].state == CONN_CONNECTED;
}
static const char *pool_conn_state(const redis_client *c)
{
    return rc__conn_state_name(c->conn[RC_IC].state);
}
static size_t pool_backlog(const redis_client *c)
{
    return CP(c)->acquire.n;
}
static size_t pool_inflight(const redis_client *c)
{
    return CP(c)->ninflight;
}

const rc_kind rc_pool_kind = {
    "pool",
    "Redisson/Jedis/ioredis-like: N connections, acquire wait, retries, reconnect schedule",
    pool_create,
    pool_destroy,
    pool_submit,
    pool_subscribe,
    pool_is_connected,
    pool_conn_state,
    NULL, /* a pool has no single write path to block */
    pool_backlog,
    pool_inflight,
};

static redis_client *pool_create(const rc_env *env, const rc_params *prm)
{
    pool *p = cs_calloc(1, sizeof *p);
    redis_client *c = &p->base;
    p->n = prm->connections;
    /* lanes 0..n-1: the connections; lane n: the subscription connection */
    rc__init(c, &rc_pool_kind, &hooks, env, prm, p->n + 1, 0, p->n);
    p->holder = cs_malloc((size_t)p->n * sizeof *p->holder);
    p->free_conns = cs_malloc((size_t)p->n * sizeof *p->free_conns);
    for (int i = p->n - 1; i >= 0; i--) {
        p->holder[i] = RC_NIL_IDX;
        p->free_conns[p->nfree++] = i;
    }
    p->acquire = (rc_list){RC_NIL_IDX, RC_NIL_IDX, 0};
    rc__dq_init(&p->attempt_dq, c, attempt_expire, attempt_live);
    rc__dq_init(&p->acquire_dq, c, acquire_expire, acquire_live);
    rc__backoff_spec(&c->p.retry, &p->retry);
    rc__reconnect_params(c, &c->p.reconnect, &p->rp);
    p->stuck_on = prm->stuck_threshold > 0 || prm->stuck_reset > 0;
    p->tick_ev = eng_after(env->e, rc__first_tick(c), tick_ev, p, 0);
    return c;
}
