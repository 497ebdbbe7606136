/* redis_client.c — the common layer of the Redis clients: the kind
 * registry, params and their defaults (with sources), the public calls, the
 * command pool, completion with the INTERFACES.md counters and gauges, the
 * deadline queues, and the adapters to policy/ schedules.  The wire and the
 * connections are in rc_conn.c; the kinds in rc_multiplexer.c and
 * rc_pool.c.
 * Left out: see redis_client.h.
 */
#include "models/rc_impl.h"

#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const rc_kind rc_multiplexer_kind;
extern const rc_kind rc_pool_kind;
extern const rc_kind rc_single_kind;

/* The registry (STYLE.md rule 4): one line per kind. */
static const rc_kind *const kinds[] = {&rc_multiplexer_kind, &rc_pool_kind, &rc_single_kind};

const rc_kind *rc_kind_find(const char *name)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (name && strcmp(kinds[i]->name, name) == 0)
            return kinds[i];
    return NULL;
}

const char *rc_status_name(rc_status s)
{
    static const char *const n[RC_STATUS_COUNT] = {
        "ok",      "nil",        "backlog_timeout", "response_timeout",
        "refused", "connection", "acquire_timeout", "other"};
    assert(s >= 0 && s < RC_STATUS_COUNT);
    return n[s];
}

rc_params rc_defaults(const char *kind)
{
    rc_params p;
    memset(&p, 0, sizeof p);
    bool single = kind && strcmp(kind, "single") == 0;
    bool pool = single || (kind && strcmp(kind, "pool") == 0); /* single: pool's defaults + its own */
    snprintf(p.kind, sizeof p.kind, "%s", single ? "single" : pool ? "pool" : "multiplexer");
    p.timeout = pool ? MS(3000) : MS(5000);          /* resilience.md §1.6 / fusioncache.md §5 */
    p.connect_timeout = pool ? MS(10000) : MS(5000); /* §1.6 / §5 */
    p.heartbeat = MS(1000);                          /* fusioncache.md §5 HeartbeatInterval */
    p.keepalive = pool ? SEC(30) : SEC(60);          /* resilience.md §3.3 / §3.4 */
    p.count_l2 = true;
    p.max_commands = (size_t)1 << 20;
    p.max_subscriptions = 16;
    p.async_timeout = p.timeout;       /* asyncTimeout = syncTimeout (§5) */
    p.queue_while_disconnected = true; /* BacklogPolicy.Default (§5) */
    p.write = dist_constant(0);
    snprintf(p.reconnect_mux.name, sizeof p.reconnect_mux.name, "ser_exponential");
    p.reconnect_mux.base = MS(2500); /* ExponentialRetry(ConnectTimeout/2), resilience.md §3.4 */
    p.reconnect_mux.cap = MS(10000); /* one-argument constructor: max(delta, 10000) */
    p.dead_socket_factor = 4;        /* LastReadSecondsAgo*1000 > AsyncTimeout*4 (SER 2.8.31
                                        PhysicalBridge.OnHeartbeat; seed000-mechanism.md §1.6) */
    p.handshake_commands = 12;       /* HandshakeAsync, ECHO tracer last (§4.5) */
    p.sync_connect = false;          /* connect completion through the engine (§1.8 [SC]) */
    p.backlog_linger = MS(5000);     /* ProcessBridgeBacklog WaitOne(5000) (§1.9) */
    p.connections = 64;              /* Redisson connectionPoolSize */
    p.acquire_timeout = p.timeout;
    p.retry_attempts = 3; /* resilience.md §1.6 */
    snprintf(p.retry.name, sizeof p.retry.name, "constant");
    p.retry.base = MS(1500); /* retryInterval, §1.6 */
    p.retry_refused = false;
    snprintf(p.reconnect.name, sizeof p.reconnect.name, "redisson_3_48"); /* §3.3 */
    p.stuck_threshold = 0;
    p.stuck_reset = 0;
    p.max_retries_per_request = -1;
    p.command_timeout = 0;
    p.resend_unfulfilled = false;
    p.immediate_reconnect = false;
    if (single) { /* ioredis 5.11.1 defaults (rc_presets.c row ioredis_v5) */
        p.timeout = SIM_NEVER;
        p.connect_timeout = MS(10000);
        p.connections = 1;
        p.retry_attempts = 0;
        p.max_retries_per_request = 20;
        p.resend_unfulfilled = true;
        snprintf(p.reconnect.name, sizeof p.reconnect.name, "ioredis_v5");
    }
    return p;
}

int rc_params_validate(const rc_params *p, cs_err *err)
{
    const char *bad = NULL;
    if (!rc_kind_find(p->kind))
        bad = "kind";
    else if (p->timeout <= 0)
        bad = "timeout";
    else if (p->connect_timeout <= 0)
        bad = "connect_timeout";
    else if (p->heartbeat <= 0)
        bad = "heartbeat";
    else if (p->keepalive <= 0)
        bad = "keepalive";
    else if (p->heartbeat_phase >= p->heartbeat)
        bad = "heartbeat_phase";
    else if (p->async_timeout <= 0)
        bad = "async_timeout";
    else if (!p->write.kind)
        bad = "write";
    else if (p->dead_socket_factor < 0)
        bad = "dead_socket_factor";
    else if (p->handshake_commands < 1)
        bad = "handshake_commands";
    else if (p->backlog_linger < 0)
        bad = "backlog_linger";
    else if (p->max_commands < 1 || p->max_subscriptions < 1)
        bad = "max_commands";
    else if (strcmp(p->kind, "pool") == 0 || strcmp(p->kind, "single") == 0) {
        if (p->connections < 1)
            bad = "connections";
        else if (p->acquire_timeout <= 0)
            bad = "acquire_timeout";
        else if (p->retry_attempts < 0)
            bad = "retry_attempts";
        else if (!backoff_kind_find(p->retry.name))
            bad = "retry";
        else if (!reconnect_kind_find(p->reconnect.name))
            bad = "reconnect";
        else if (p->stuck_threshold < 0 || p->stuck_reset < 0)
            bad = "stuck_threshold";
        else if (p->command_timeout < 0)
            bad = "command_timeout";
    } else if (strcmp(p->reconnect_mux.name, "ser_exponential") != 0 &&
               strcmp(p->reconnect_mux.name, "ser_linear") != 0)
        bad = "reconnect_mux";
    return bad ? cs_errf(err, CS_USAGE, "redis client: invalid '%s'", bad) : 0;
}

/* ---- random source for policy/ (cp_rand over a GSL stream) --------------- */

static double gsl_uniform(void *ctx)
{
    return gsl_rng_uniform((gsl_rng *)ctx);
}

/* ---- life cycle -------------------------------------------------------------- */

void rc__init(redis_client *c, const rc_kind *kind, const rc_hooks *hooks, const rc_env *env,
              const rc_params *p, int nlanes, int ic_lane, int sub_lane)
{
    assert(env && env->e && env->srv && env->net && p);
    assert(env->link >= 0 && env->link < net_links(env->net));
    c->kind = kind;
    c->hooks = hooks;
    c->env = *env;
    snprintf(c->name, sizeof c->name, "%s", env->name ? env->name : "redis");
    c->env.name = c->name;
    c->p = *p;
    dist_copy(&c->p.write, &p->write);
    c->rng = eng_rngf(env->e, "node[%d].rc.%s.%s", env->node, c->name, kind->name);
    c->rand = (cp_rand){gsl_uniform, c->rng};
    c->free_head = RC_NIL_IDX;
    c->wfree = RC_NIL_IDX;
    c->mfree = RC_NIL_IDX;
    c->nlanes = nlanes;
    c->lane_req_last = cs_calloc((size_t)nlanes, sizeof *c->lane_req_last);
    c->lane_rep_last = cs_calloc((size_t)nlanes, sizeof *c->lane_rep_last);
    c->subs = cs_calloc((size_t)p->max_subscriptions, sizeof *c->subs);
    static const char *const labels[2] = {"interactive", "subscription"};
    const int lanes[2] = {ic_lane, sub_lane};
    for (int i = 0; i < 2; i++) {
        rc_conn *k = &c->conn[i];
        k->label = labels[i];
        k->state = CONN_CONNECTED; /* the application connected at start-up */
        k->epoch = rs_epoch(env->srv);
        k->gen = 1;
        k->lane = lanes[i];
        /* seed 004 stuck detection; a limit left at 0 never triggers */
        reconnect_stuck_params sp;
        sp.stuck_retry_threshold = p->stuck_threshold > 0 ? p->stuck_threshold : INT_MAX;
        sp.auto_reset_interval = p->stuck_reset > 0 ? p->stuck_reset : INT64_MAX / 4;
        reconnect_stuck_init(&k->stuck, &sp, eng_now(env->e));
    }
    c->m_backlog = c->m_peak_backlog = c->m_inflight = c->m_peak_inflight = -1;
    c->m_reconnects = c->m_l2_error = c->m_l2_timeout = -1;
    if (env->st) {
        c->m_backlog = stats_gauge(env->st, "redis.backlog");
        c->m_peak_backlog = stats_gauge(env->st, "redis.peak_backlog");
        c->m_inflight = stats_gauge(env->st, "redis.inflight");
        c->m_peak_inflight = stats_gauge(env->st, "redis.peak_inflight");
        c->m_reconnects = stats_counter(env->st, "redis.reconnects");
        c->m_l2_error = stats_counter(env->st, "redis.client.errors");
        c->m_l2_timeout = stats_counter(env->st, "redis.client.timeouts");
    }
    rs_listen(env->srv, rc__on_server_gone, c);
}

void rc__fini(redis_client *c)
{
    for (size_t i = 0; i < c->nchunks; i++)
        free(c->chunks[i]);
    free(c->chunks);
    for (size_t i = 0; i < c->nwchunks; i++)
        free(c->wchunks[i]);
    free(c->wchunks);
    for (size_t i = 0; i < c->nmchunks; i++)
        free(c->mchunks[i]);
    free(c->mchunks);
    free(c->lane_req_last);
    free(c->lane_rep_last);
    free(c->subs);
    dist_free(&c->p.write);
}

redis_client *rc_new(const rc_env *env, const rc_params *p)
{
    const rc_kind *k = rc_kind_find(p->kind);
    if (!k || rc_params_validate(p, NULL) != 0)
        return NULL;
    return k->create(env, p);
}

void rc_free(redis_client *c)
{
    if (c)
        c->kind->destroy(c);
}

/* ---- command pool ---------------------------------------------------------- */

int32_t rc__cmd_alloc(redis_client *c, const rc_op *op)
{
    if (c->free_head == RC_NIL_IDX) {
        /* a new chunk: pointer-stable, so a callback that submits more work
         * never invalidates a command pointer held by its caller */
        cs_grow((void **)&c->chunks, &c->chunks_cap, c->nchunks + 1, sizeof *c->chunks);
        rc_cmd *ch = cs_calloc(RC_CHUNK, sizeof *ch);
        c->chunks[c->nchunks] = ch;
        int32_t base = (int32_t)(c->nchunks * RC_CHUNK);
        c->nchunks++;
        for (int i = RC_CHUNK - 1; i >= 0; i--) {
            ch[i].next = c->free_head;
            ch[i].gen = 1;
            c->free_head = base + i;
        }
    }
    int32_t slot = c->free_head;
    rc_cmd *k = rc__cmd(c, slot);
    assert(k->where == W_FREE);
    c->free_head = k->next;
    uint32_t gen = k->gen;
    memset(k, 0, sizeof *k);
    k->gen = gen;
    k->op = *op;
    k->started = eng_now(c->env.e);
    k->where = W_NEW;
    k->prev = k->next = RC_NIL_IDX;
    k->lane = -1;
    c->live++;
    c->counts.submitted++;
    return slot;
}

static void cmd_free(redis_client *c, int32_t slot)
{
    rc_cmd *k = rc__cmd(c, slot);
    assert(k->where != W_FREE && c->live > 0);
    k->where = W_FREE;
    k->gen++;
    if (k->gen == 0)
        k->gen = 1;
    k->next = c->free_head;
    c->free_head = slot;
    c->live--;
}

int32_t rc__cmd_from_u(const redis_client *c, uint64_t u)
{
    int32_t slot = (int32_t)(uint32_t)u;
    uint32_t gen = (uint32_t)(u >> 32);
    if (slot < 0 || (size_t)slot >= c->nchunks * RC_CHUNK)
        return RC_NIL_IDX;
    const rc_cmd *k = rc__cmd(c, slot);
    return (k->where != W_FREE && k->gen == gen) ? slot : RC_NIL_IDX;
}

void rc__list_push(redis_client *c, rc_list *l, int32_t slot)
{
    rc_cmd *k = rc__cmd(c, slot);
    k->next = RC_NIL_IDX;
    k->prev = l->tail;
    if (l->tail != RC_NIL_IDX)
        rc__cmd(c, l->tail)->next = slot;
    else
        l->head = slot;
    l->tail = slot;
    l->n++;
}

void rc__list_remove(redis_client *c, rc_list *l, int32_t slot)
{
    rc_cmd *k = rc__cmd(c, slot);
    assert(l->n > 0);
    if (k->prev != RC_NIL_IDX)
        rc__cmd(c, k->prev)->next = k->next;
    else
        l->head = k->next;
    if (k->next != RC_NIL_IDX)
        rc__cmd(c, k->next)->prev = k->prev;
    else
        l->tail = k->prev;
    k->prev = k->next = RC_NIL_IDX;
    l->n--;
}

int32_t rc__list_pop(redis_client *c, rc_list *l)
{
    int32_t s = l->head;
    if (s != RC_NIL_IDX)
        rc__list_remove(c, l, s);
    return s;
}

/* ---- completion -------------------------------------------------------------- */

rc_status rc__map(rs_status s)
{
    switch (s) {
    case RS_R_OK:
        return RC_OK;
    case RS_R_NIL:
        return RC_NIL;
    case RS_R_REFUSED:
        return RC_ERR_REFUSED;
    case RS_R_RESET:
        return RC_ERR_CONNECTION;
    default:
        return RC_ERR_OTHER;
    }
}

/* Tell the caller how command slot ended (counters and stats too); free it
 * unless `keep` (then it stays placed, faulted, with no callback). */
static void finish(redis_client *c, int32_t slot, rc_status st, const rs_reply *rep, bool keep)
{
    rc_cmd *k = rc__cmd(c, slot);
    assert(k->where != W_FREE);
    eng_cancel(c->env.e, k->timer);
    k->timer = 0;
    sim_ns now = eng_now(c->env.e);
    rc_result r = {0};
    r.status = st;
    r.cmd = k->op.cmd;
    if (rep) {
        r.value = rep->value;
        r.count = rep->count;
    }
    r.started = k->started;
    r.completed = now;
    r.latency = now - k->started;
    r.attempts = k->attempts > 0 ? k->attempts : 1;
    r.synthetic = false;
    r.tag = k->op.tag;
    rc_done_fn done = k->op.done;
    void *ctx = k->op.ctx;
    c->counts.completed++;
    c->counts.by_status[st]++;
    if (c->env.st && c->p.count_l2 && !rc_status_ok(st))
        stats_add(c->env.st, c->env.node, rc_status_timeout(st) ? c->m_l2_timeout : c->m_l2_error,
                  1);
    if (keep) {
        k->faulted = true;
        k->op.done = NULL;
    } else {
        cmd_free(c, slot);
    }
    if (done)
        done(ctx, &r); /* last: the callback may submit more work */
}

void rc__complete(redis_client *c, int32_t slot, rc_status st, const rs_reply *rep)
{
    finish(c, slot, st, rep, false);
}

void rc__fault(redis_client *c, int32_t slot, rc_status st)
{
    finish(c, slot, st, NULL, true);
}

void rc__release(redis_client *c, int32_t slot)
{
    rc_cmd *k = rc__cmd(c, slot);
    eng_cancel(c->env.e, k->timer);
    k->timer = 0;
    cmd_free(c, slot);
}

static void fail_ev(engine *e, void *obj, uint64_t u)
{
    (void)e;
    redis_client *c = obj;
    int32_t slot = rc__cmd_from_u(c, u);
    if (slot == RC_NIL_IDX)
        return;
    rc_cmd *k = rc__cmd(c, slot);
    assert(k->where == W_FAILING);
    k->timer = 0;
    rc__complete(c, slot, k->final, NULL);
}

void rc__fail_soon(redis_client *c, int32_t slot, rc_status st)
{
    rc_cmd *k = rc__cmd(c, slot);
    eng_cancel(c->env.e, k->timer);
    k->where = W_FAILING;
    k->final = st;
    k->timer = eng_after(c->env.e, 0, fail_ev, c, rc__cmd_u(c, slot));
}

/* Set a gauge and its peak when the value changed (cur/peak cache both). */
static void gauge_with_peak(redis_client *c, size_t n, size_t *cur, size_t *peak, int m, int m_peak)
{
    if (!c->env.st || n == *cur)
        return;
    *cur = n;
    stats_gauge_set(c->env.st, c->env.node, m, (double)n);
    if (n > *peak) {
        *peak = n;
        stats_gauge_set(c->env.st, c->env.node, m_peak, (double)n);
    }
}

void rc__gauge_backlog(redis_client *c, size_t n)
{
    gauge_with_peak(c, n, &c->g_backlog, &c->g_peak_backlog, c->m_backlog, c->m_peak_backlog);
}

void rc__gauge_inflight(redis_client *c, size_t n)
{
    gauge_with_peak(c, n, &c->g_inflight, &c->g_peak_inflight, c->m_inflight, c->m_peak_inflight);
}

/* The stats module keeps gauge maxima per bucket and after warm-up; the
 * peak tracking restarts every tick so a later, smaller peak is still
 * reported (the warm-up second may under-report by design). */
void rc__gauge_tick(redis_client *c, size_t backlog, size_t inflight)
{
    if (!c->env.st)
        return;
    c->g_backlog = backlog;
    c->g_inflight = inflight;
    c->g_peak_backlog = backlog;
    c->g_peak_inflight = inflight;
    stats_gauge_set(c->env.st, c->env.node, c->m_backlog, (double)backlog);
    stats_gauge_set(c->env.st, c->env.node, c->m_peak_backlog, (double)backlog);
    stats_gauge_set(c->env.st, c->env.node, c->m_inflight, (double)inflight);
    stats_gauge_set(c->env.st, c->env.node, c->m_peak_inflight, (double)inflight);
}

/* ---- deadline queues ---------------------------------------------------------- */

sim_ns rc__first_tick(redis_client *c)
{
    sim_ns ph = c->p.heartbeat_phase;
    if (ph < 0)
        ph = (sim_ns)(gsl_rng_uniform(c->rng) * (double)c->p.heartbeat);
    return ph > 0 ? ph : c->p.heartbeat;
}

void rc__dq_init(rc_dq *q, redis_client *c, rc_dq_fn fn, rc_dq_live_fn live)
{
    memset(q, 0, sizeof *q);
    q->c = c;
    q->fn = fn;
    q->live = live;
}

void rc__dq_free(rc_dq *q)
{
    free(q->v);
}

static void dq_fire(engine *e, void *obj, uint64_t u)
{
    (void)u;
    rc_dq *q = obj;
    q->ev = 0;
    sim_ns now = eng_now(e);
    /* entries are read by index each time: a handler may push (and grow) */
    while (q->n > 0) {
        rc_dq_entry x = q->v[q->head];
        bool due = x.t <= now;
        if (!due && q->live(q->c, x.u, x.aux))
            break; /* the next wanted deadline: arm for it */
        q->head = (q->head + 1) % q->cap;
        q->n--;
        if (due)
            q->fn(q->c, x.u, x.aux);
    }
    if (q->n > 0 && q->ev == 0)
        q->ev = eng_at(e, q->v[q->head].t, dq_fire, q, 0);
}

void rc__dq_push(rc_dq *q, sim_ns t, uint64_t u, int32_t aux)
{
    assert(t >= q->last); /* same duration, monotone clock: FIFO = deadline order */
    q->last = t;
    if (q->n == q->cap) {
        size_t ncap = q->cap ? q->cap * 2 : 64;
        rc_dq_entry *nv = cs_malloc(ncap * sizeof *nv);
        for (size_t i = 0; i < q->n; i++)
            nv[i] = q->v[(q->head + i) % q->cap];
        free(q->v);
        q->v = nv;
        q->cap = ncap;
        q->head = 0;
    }
    q->v[(q->head + q->n) % q->cap] = (rc_dq_entry){t, u, aux};
    q->n++;
    if (q->ev == 0)
        q->ev = eng_at(q->c->env.e, q->v[q->head].t, dq_fire, q, 0);
}

/* ---- public calls ------------------------------------------------------------ */

void rc_submit(redis_client *c, const rc_op *op)
{
    assert(op && op->cmd >= 0 && op->cmd < RS_CMD_COUNT && op->cmd != RS_CONNECT &&
           op->cmd != RS_SUBSCRIBE);
    c->kind->submit(c, op);
}

static void simple(redis_client *c, rs_cmd cmd, uint64_t key, bool sync, rc_done_fn done, void *ctx,
                   uint64_t tag)
{
    rc_op op = {0};
    op.cmd = cmd;
    op.key = key;
    op.sync = sync;
    op.done = done;
    op.ctx = ctx;
    op.tag = tag;
    rc_submit(c, &op);
}

void rc_get(redis_client *c, uint64_t key, bool sync, rc_done_fn done, void *ctx, uint64_t tag)
{
    simple(c, RS_GET, key, sync, done, ctx, tag);
}

void rc_hmget(redis_client *c, uint64_t key, bool sync, rc_done_fn done, void *ctx, uint64_t tag)
{
    simple(c, RS_HMGET, key, sync, done, ctx, tag);
}

void rc_del(redis_client *c, uint64_t key, bool sync, rc_done_fn done, void *ctx, uint64_t tag)
{
    simple(c, RS_DEL, key, sync, done, ctx, tag);
}

static void with_value(redis_client *c, rs_cmd cmd, uint64_t key, rs_value v, sim_ns ttl, bool sync,
                       rc_done_fn done, void *ctx, uint64_t tag)
{
    rc_op op = {0};
    op.cmd = cmd;
    op.key = key;
    op.value = v;
    op.ttl = ttl;
    op.sync = sync;
    op.done = done;
    op.ctx = ctx;
    op.tag = tag;
    rc_submit(c, &op);
}

void rc_set(redis_client *c, uint64_t key, rs_value v, sim_ns ttl, bool sync, rc_done_fn done,
            void *ctx, uint64_t tag)
{
    with_value(c, RS_SET, key, v, ttl, sync, done, ctx, tag);
}

void rc_hmset(redis_client *c, uint64_t key, rs_value v, sim_ns ttl, bool sync, rc_done_fn done,
              void *ctx, uint64_t tag)
{
    with_value(c, RS_HMSET, key, v, ttl, sync, done, ctx, tag);
}

void rc_expire(redis_client *c, uint64_t key, sim_ns ttl, bool sync, rc_done_fn done, void *ctx,
               uint64_t tag)
{
    rs_value v = {0};
    with_value(c, RS_EXPIRE, key, v, ttl, sync, done, ctx, tag);
}

void rc_set_nx_px(redis_client *c, uint64_t key, uint64_t owner, sim_ns px, bool sync,
                  rc_done_fn done, void *ctx, uint64_t tag)
{
    assert(px > 0);
    rs_value v = {0};
    v.version = owner;
    with_value(c, RS_SET_NX_PX, key, v, px, sync, done, ctx, tag);
}

void rc_del_if_owner(redis_client *c, uint64_t key, uint64_t owner, bool sync, rc_done_fn done,
                     void *ctx, uint64_t tag)
{
    rs_value v = {0};
    v.version = owner;
    with_value(c, RS_DEL_IF_OWNER, key, v, 0, sync, done, ctx, tag);
}

void rc_publish(redis_client *c, int channel, const rs_message *m, bool sync, rc_done_fn done,
                void *ctx, uint64_t tag)
{
    rc_op op = {0};
    op.cmd = RS_PUBLISH;
    op.channel = channel;
    op.msg = *m;
    op.sync = sync;
    op.done = done;
    op.ctx = ctx;
    op.tag = tag;
    rc_submit(c, &op);
}

void rc_subscribe(redis_client *c, int channel, rc_message_fn fn, void *ctx)
{
    assert(fn && c->nsubs < c->p.max_subscriptions); /* stated limit */
    c->subs[c->nsubs++] = (rc_subscription){channel, fn, ctx};
    if (c->conn[RC_SUB].state == CONN_CONNECTED)
        rc__send_subscribe(c, channel);
}

bool rc_is_connected(const redis_client *c)
{
    return c->kind->is_connected(c);
}
const char *rc_conn_state(const redis_client *c)
{
    return c->kind->conn_state(c);
}
void rc_block_writer(redis_client *c, bool on)
{
    if (c->kind->block_writer)
        c->kind->block_writer(c, on);
}
size_t rc_backlog(const redis_client *c)
{
    return c->kind->backlog(c);
}
size_t rc_inflight(const redis_client *c)
{
    return c->kind->inflight(c);
}
void rc_get_counts(const redis_client *c, rc_counts *out)
{
    *out = c->counts;
}

/* ---- policy/ adapters: an rc_schedule to the policy's own spec ------------- */

void rc__reconnect_params(const redis_client *c, const rc_schedule *s, reconnect_params *out)
{
    int rc = reconnect_params_defaults(out, s->name);
    assert(rc == 0); /* validated by rc_params_validate */
    (void)rc;
    if (s->base > 0)
        out->base = s->base;
    if (s->cap > 0)
        out->cap = s->cap;
    else if (s->cap < 0)
        out->cap = CP_INFINITE;
    if (s->max_attempts != 0)
        out->max_retries = s->max_attempts < 0 ? -1 : s->max_attempts;
    out->heartbeat = c->p.heartbeat;
    out->first_tick = c->p.heartbeat;
}

void rc__backoff_spec(const rc_schedule *s, backoff_spec *out)
{
    int rc = backoff_spec_defaults(out, s->name);
    assert(rc == 0);
    (void)rc;
    if (s->base > 0)
        out->base = s->base;
    if (s->cap > 0)
        out->cap = s->cap;
    else if (s->cap < 0)
        out->cap = CP_INFINITE;
    if (s->multiplier > 0)
        out->multiplier = s->multiplier;
}
