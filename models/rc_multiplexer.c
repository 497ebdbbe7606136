/* rc_multiplexer.c — the StackExchange.Redis 2.8.x ConnectionMultiplexer
 * (fusioncache.md §5; resilience.md §3.4): one interactive bridge with a
 * single write path, a backlog FIFO and an in-flight FIFO, a subscription
 * bridge, and a 1 s heartbeat that checks async timeouts and polls
 * ExponentialRetry while disconnected.
 * Error kinds: "timed out in the backlog" (never written), "Timeout awaiting
 * response" (written, no reply), connection failures.
 * Left out: the SocketManager pool and the .NET pool (the node owns the
 * worker pool), the backlog thread's 5 s linger, connectRetry on the
 * initial Connect, keep-alive based failure detection, the "Timeout
 * performing CMD" wording (same kind as awaiting response).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "models/rc_impl.h"

typedef struct mux {
    redis_client base; /* first: a mux is a redis_client */
    rc_list backlog;   /* BL: waits for the connection or the writer (§5) */
    rc_list inflight;  /* INF: written, awaiting a reply in order (§5) */
    bool writer_busy;  /* WL: the write mutex is held by a write + flush */
    bool writer_blocked;
    ev_id write_ev, heartbeat_ev;
    rc_dq sync_dq; /* syncTimeout deadlines, all of one duration */
    gsl_rng *write_rng;
    reconnect_params rp;
    bool linear;       /* LinearRetry instead of ExponentialRetry */
    uint64_t *scratch; /* heartbeat: timed-out commands found in one pass */
    size_t scratch_cap;
} mux;

#define LANE_IC 0
#define LANE_SUB 1

static mux *M(redis_client *c)
{
    return (mux *)c;
}
static const mux *CM(const redis_client *c)
{
    return (const mux *)c;
}

static void gauges(mux *m)
{
    rc__gauge_backlog(&m->base, m->backlog.n);
    rc__gauge_inflight(&m->base, m->inflight.n);
}

/* ---- the single write path --------------------------------------------------- */

static void pump(mux *m);

/* The write (and its synchronous flush) finished: the message is on the
 * wire and joins the in-flight FIFO. */
static void write_finish(mux *m, int32_t slot)
{
    redis_client *c = &m->base;
    rc_cmd *k = rc__cmd(c, slot);
    assert(k->where == W_WRITING);
    k->where = W_INFLIGHT;
    k->lane = LANE_IC;
    rc__list_push(c, &m->inflight, slot);
    rc__send_cmd(c, slot, RC_IC, LANE_IC);
}

static void write_done_ev(engine *e, void *obj, uint64_t u)
{
    (void)e;
    mux *m = obj;
    m->write_ev = 0;
    m->writer_busy = false;
    int32_t slot = rc__cmd_from_u(&m->base, u);
    /* a message that timed out while being written is not sent; one whose
     * socket died under the write fails like the rest of the in-flight */
    if (slot != RC_NIL_IDX && rc__cmd(&m->base, slot)->where == W_WRITING) {
        if (m->base.conn[RC_IC].state == CONN_CONNECTED)
            write_finish(m, slot);
        else
            rc__complete(&m->base, slot, RC_ERR_CONNECTION, NULL);
    }
    pump(m);
    gauges(m);
}

/* Take the write mutex for `slot`: write + flush takes a `write` draw. */
static void write_msg(mux *m, int32_t slot)
{
    redis_client *c = &m->base;
    assert(!m->writer_busy);
    rc_cmd *k = rc__cmd(c, slot);
    k->where = W_WRITING;
    sim_ns d = dist_sample_ns(&c->p.write, m->write_rng);
    if (d == 0) {
        write_finish(m, slot);
        return;
    }
    m->writer_busy = true;
    m->write_ev = eng_after(c->env.e, d, write_done_ev, m, rc__cmd_u(c, slot));
}

/* The backlog processor (§5: one dedicated thread per bridge): while the
 * bridge is connected and the writer free, write the backlog one message at
 * a time, in order. */
static void pump(mux *m)
{
    redis_client *c = &m->base;
    while (!m->writer_busy && !m->writer_blocked && m->backlog.n > 0 &&
           c->conn[RC_IC].state == CONN_CONNECTED) {
        int32_t slot = rc__list_pop(c, &m->backlog);
        write_msg(m, slot);
    }
}

/* ---- timeouts ------------------------------------------------------------------ */

/* Time a command out where it is: still in the backlog or being written →
 * "timed out in the backlog"; written → "Timeout awaiting response". */
static void time_out(mux *m, int32_t slot)
{
    redis_client *c = &m->base;
    rc_cmd *k = rc__cmd(c, slot);
    switch (k->where) {
    case W_BACKLOG:
        rc__list_remove(c, &m->backlog, slot);
        rc__complete(c, slot, RC_ERR_BACKLOG_TIMEOUT, NULL);
        break;
    case W_WRITING: /* the writer's event finds it gone and sends nothing */
        rc__complete(c, slot, RC_ERR_BACKLOG_TIMEOUT, NULL);
        break;
    case W_INFLIGHT: /* its late reply is dropped by the generation check */
        rc__list_remove(c, &m->inflight, slot);
        rc__complete(c, slot, RC_ERR_RESPONSE_TIMEOUT, NULL);
        break;
    default:
        break;
    }
}

static bool sync_live(const redis_client *c, uint64_t u, int32_t aux)
{
    (void)aux;
    int32_t slot = rc__cmd_from_u(c, u);
    return slot != RC_NIL_IDX && rc__cmd(c, slot)->where != W_FAILING;
}

/* syncTimeout: the sync caller's own Monitor.Wait gives up (§5). */
static void sync_expire(redis_client *c, uint64_t u, int32_t aux)
{
    (void)aux;
    mux *m = M(c);
    int32_t slot = rc__cmd_from_u(c, u);
    if (slot == RC_NIL_IDX || rc__cmd(c, slot)->where == W_FAILING)
        return;
    time_out(m, slot);
    gauges(m);
}

/* Both lists are in submission order, so `started` never decreases along
 * them: the backlog is appended only at submit, and the in-flight list in
 * write order, which is backlog order (a new command goes behind a
 * non-empty backlog or a busy writer).  The scan stops at the first command
 * too young to have timed out; every later one is younger still.  O(timed
 * out) per heartbeat instead of O(queued): a disconnected bridge holds
 * ~10^4 commands per node. */
static void collect_async_timeouts(mux *m, const rc_list *l, size_t *n, sim_ns now)
{
    redis_client *c = &m->base;
    sim_ns prev = INT64_MIN;
    for (int32_t s = l->head; s != RC_NIL_IDX; s = rc__cmd(c, s)->next) {
        const rc_cmd *k = rc__cmd(c, s);
        assert(k->started >= prev && "a command list out of submission order");
        prev = k->started;
        if (now - k->started < c->p.async_timeout)
            break;
        if (!k->op.sync) {
            cs_grow((void **)&m->scratch, &m->scratch_cap, *n + 1, sizeof *m->scratch);
            m->scratch[(*n)++] = rc__cmd_u(c, s);
        }
    }
}

/* The heartbeat (§5 HeartbeatInterval 1 s): async timeouts are only
 * checked here, so detection lags 0–1 s; reconnect is only polled here
 * while disconnected (resilience.md §3.4). */
static void heartbeat_ev(engine *e, void *obj, uint64_t u)
{
    (void)u;
    mux *m = obj;
    redis_client *c = &m->base;
    sim_ns now = eng_now(e);
    /* collect first, complete after: callbacks may add or move commands */
    size_t n = 0;
    collect_async_timeouts(m, &m->backlog, &n, now);
    collect_async_timeouts(m, &m->inflight, &n, now);
    for (size_t i = 0; i < n; i++) {
        int32_t slot = rc__cmd_from_u(c, m->scratch[i]);
        if (slot != RC_NIL_IDX)
            time_out(m, slot);
    }
    for (int i = 0; i < 2; i++) {
        rc_conn *k = &c->conn[i];
        if (k->state != CONN_DISCONNECTED)
            continue;
        sim_ns elapsed = now - k->last_attempt;
        bool go = m->linear ? reconnect_ser_linear_should_retry(m->rp.base, elapsed)
                            : reconnect_ser_exponential_should_retry(m->rp.base, m->rp.cap,
                                                                     k->attempt, elapsed, &c->rand);
        if (go)
            rc__connect(c, i, "heartbeat_retry");
    }
    rc__keepalive(c);
    rc__gauge_tick(c, m->backlog.n, m->inflight.n);
    m->heartbeat_ev = eng_after(e, c->p.heartbeat, heartbeat_ev, m, 0);
}

/* ---- hooks from the common layer ------------------------------------------- */

static void h_reply(redis_client *c, int32_t slot, const rs_reply *rep)
{
    mux *m = M(c);
    assert(rc__cmd(c, slot)->where == W_INFLIGHT);
    rc__list_remove(c, &m->inflight, slot);
    rc__complete(c, slot, rc__map(rep->status), rep);
    gauges(m);
}

/* Collect every command on list l (by name), then fail each still there. */
static void fail_list(mux *m, rc_list *l, rc_where where, rc_status st)
{
    redis_client *c = &m->base;
    size_t n = 0;
    for (int32_t s = l->head; s != RC_NIL_IDX; s = rc__cmd(c, s)->next) {
        cs_grow((void **)&m->scratch, &m->scratch_cap, n + 1, sizeof *m->scratch);
        m->scratch[n++] = rc__cmd_u(c, s);
    }
    for (size_t i = 0; i < n; i++) {
        int32_t s = rc__cmd_from_u(c, m->scratch[i]);
        if (s != RC_NIL_IDX && rc__cmd(c, s)->where == where) {
            rc__list_remove(c, l, s);
            rc__complete(c, s, st, NULL);
        }
    }
}

/* The interactive socket died: what was in flight fails with a connection
 * error; the backlog is kept (QueueWhileDisconnected) or aborted
 * (FailFast: AbortPendingOnConnectionFailure, §5). */
static void h_conn_lost(redis_client *c, int conn)
{
    mux *m = M(c);
    if (conn != RC_IC)
        return;
    fail_list(m, &m->inflight, W_INFLIGHT, RC_ERR_CONNECTION);
    if (!c->p.queue_while_disconnected)
        fail_list(m, &m->backlog, W_BACKLOG, RC_ERR_CONNECTION);
    gauges(m);
}

static void h_connected(redis_client *c, int conn)
{
    if (conn == RC_IC) {
        pump(M(c));
        gauges(M(c));
    }
}

static void h_connect_failed(redis_client *c, int conn)
{
    (void)c;
    (void)conn; /* the next heartbeat decides (connectTimeoutRetryCount kept) */
}

static const rc_hooks hooks = {h_reply, h_conn_lost, h_connected, h_connect_failed};

/* ---- the kind ------------------------------------------------------------------ */

static void mux_submit(redis_client *c, const rc_op *op)
{
    mux *m = M(c);
    int32_t slot = rc__cmd_alloc(c, op);
    rc_cmd *k = rc__cmd(c, slot);
    if (rc__over_limit(c)) {
        rc__fail_soon(c, slot, RC_ERR_OTHER);
        return;
    }
    if (op->sync)
        rc__dq_push(&m->sync_dq, eng_now(c->env.e) + c->p.timeout, rc__cmd_u(c, slot), 0);
    if (c->conn[RC_IC].state != CONN_CONNECTED) {
        if (!c->p.queue_while_disconnected) {
            rc__fail_soon(c, slot, RC_ERR_REFUSED); /* NoConnectionAvailable */
            return;
        }
        k->where = W_BACKLOG;
        rc__list_push(c, &m->backlog, slot);
    } else if (m->backlog.n > 0 || m->writer_busy || m->writer_blocked) {
        /* order is kept behind a non-empty backlog; a busy mutex (0 wait)
         * sends the message to the backlog too (§5 write path) */
        k->where = W_BACKLOG;
        rc__list_push(c, &m->backlog, slot);
    } else {
        write_msg(m, slot);
    }
    gauges(m);
}

static redis_client *mux_create(const rc_env *env, const rc_params *p);

static void mux_destroy(redis_client *c)
{
    mux *m = M(c);
    rc__fini(c);
    rc__dq_free(&m->sync_dq);
    free(m->scratch);
    free(m);
}

static void mux_subscribe(redis_client *c, int channel, rc_message_fn fn, void *ctx)
{
    (void)c, (void)channel, (void)fn, (void)ctx; /* the common layer does it all */
}

static bool mux_is_connected(const redis_client *c)
{
    return c->conn[RC_IC].state == CONN_CONNECTED;
}
static const char *mux_conn_state(const redis_client *c)
{
    return rc__conn_state_name(c->conn[RC_IC].state);
}

static void mux_block_writer(redis_client *c, bool on)
{
    mux *m = M(c);
    m->writer_blocked = on;
    if (!on)
        pump(m);
    gauges(m);
}

static size_t mux_backlog(const redis_client *c)
{
    return CM(c)->backlog.n;
}
static size_t mux_inflight(const redis_client *c)
{
    return CM(c)->inflight.n;
}

const rc_kind rc_multiplexer_kind = {
    "multiplexer",
    "StackExchange.Redis 2.8.x: one interactive connection, backlog, heartbeat timeouts",
    mux_create,
    mux_destroy,
    mux_submit,
    mux_subscribe,
    mux_is_connected,
    mux_conn_state,
    mux_block_writer,
    mux_backlog,
    mux_inflight,
};

static redis_client *mux_create(const rc_env *env, const rc_params *p)
{
    mux *m = cs_calloc(1, sizeof *m);
    redis_client *c = &m->base;
    rc__init(c, &rc_multiplexer_kind, &hooks, env, p, 2, LANE_IC, LANE_SUB);
    m->backlog = (rc_list){RC_NIL_IDX, RC_NIL_IDX, 0};
    m->inflight = (rc_list){RC_NIL_IDX, RC_NIL_IDX, 0};
    rc__dq_init(&m->sync_dq, c, sync_expire, sync_live);
    m->write_rng = eng_rngf(env->e, "node[%d].rc.%s.write", env->node, c->name);
    rc__reconnect_params(c, &c->p.reconnect_mux, &m->rp);
    m->linear = strcmp(c->p.reconnect_mux.name, "ser_linear") == 0;
    /* the heartbeat timer starts with the multiplexer */
    m->heartbeat_ev = eng_after(env->e, rc__first_tick(c), heartbeat_ev, m, 0);
    return c;
}
