/* rc_single.c — the Node.js clients' shape: ONE socket with unbounded
 * pipelining (no pool, no acquire wait), an offline queue while the socket
 * is not ready, and the two clients' ways of giving up on a command:
 *   ioredis 5.11.1 / 6.0.0: no command timeout by default; every
 *     (maxRetriesPerRequest + 1)-th connection close (the drop itself, and
 *     every failed reconnect attempt) flushes the offline queue and the
 *     commands that were in flight at the drop with
 *     MaxRetriesPerRequestError (event_handler.js closeHandler); commands in
 *     flight at the drop are otherwise re-sent after the reconnect
 *     (autoResendUnfulfilledCommands), before the offline queue.
 *   node-redis 4.7 / 5.x / 6.x: commands in flight at the drop are rejected
 *     (flushWaitingForReply), the offline queue waits for the reconnect;
 *     6.x adds a 5 s timeout per command counted from enqueue
 *     (DEFAULT_COMMAND_TIMEOUT); one reconnect attempt is made at once when
 *     a ready socket is lost, then the strategy runs from its start.
 * Every fact with its source line: rc_presets.c and
 * docs/reference/redis-clients.md.  Reconnect and seed 004's stuck
 * detection work like the pool's (rc_pool.c).
 * Left out: ioredis's reconnectOnError and enableReadyCheck (LOADING),
 * node-redis's pingInterval and socket timeout, per-command retry of a
 * written command after its reply times out (neither client does it).
 */
#include <assert.h>
#include <stdlib.h>

#include "models/rc_impl.h"

typedef struct single {
    redis_client base; /* first: a single is a redis_client */
    rc_list offline;   /* W_BACKLOG: waiting for the socket (offline queue) */
    rc_list resend;    /* W_RETRY: in flight at the drop, re-sent after reconnect */
    rc_list inflight;  /* W_INFLIGHT: written, awaiting the reply, in order */
    reconnect_params rp;
    bool stuck_on;
    long closes; /* ioredis retryAttempts: closes since the socket was last ready */
    ev_id tick_ev;
    rc_dq cmd_dq;     /* timeout from enqueue (one duration) */
    rc_dq attempt_dq; /* timeout from the write (one duration) */
} single;

static single *S(redis_client *c)
{
    return (single *)c;
}
static const single *CS(const redis_client *c)
{
    return (const single *)c;
}

static void gauges(single *s)
{
    rc__gauge_backlog(&s->base, s->offline.n + s->resend.n);
    rc__gauge_inflight(&s->base, s->inflight.n);
}

static bool has_attempt_timeout(const redis_client *c)
{
    return c->p.timeout > 0 && c->p.timeout != SIM_NEVER;
}

/* Write `slot` on the socket (lane 0): pipelined, replies in order. */
static void write_cmd(single *s, int32_t slot)
{
    redis_client *c = &s->base;
    rc_cmd *k = rc__cmd(c, slot);
    k->attempts++;
    k->where = W_INFLIGHT;
    k->lane = 0;
    rc__list_push(c, &s->inflight, slot);
    rc__send_cmd(c, slot, RC_IC, 0);
    if (has_attempt_timeout(c))
        rc__dq_push(&s->attempt_dq, eng_now(c->env.e) + c->p.timeout, rc__cmd_u(c, slot),
                    k->attempts);
}

/* Take `slot` out of whichever list holds it. */
static void unlink_cmd(single *s, int32_t slot)
{
    redis_client *c = &s->base;
    rc_cmd *k = rc__cmd(c, slot);
    switch (k->where) {
    case W_BACKLOG: rc__list_remove(c, &s->offline, slot); break;
    case W_RETRY: rc__list_remove(c, &s->resend, slot); break;
    case W_INFLIGHT: rc__list_remove(c, &s->inflight, slot); break;
    default: break;
    }
    k->lane = -1;
}

/* Fail every command of list l with st (ioredis flushQueue). */
static void fail_all(single *s, rc_list *l, rc_status st)
{
    redis_client *c = &s->base;
    int32_t slot;
    while ((slot = rc__list_pop(c, l)) != RC_NIL_IDX) {
        rc__cmd(c, slot)->lane = -1;
        rc__complete(c, slot, st, NULL);
    }
}

/* ---- timeouts -------------------------------------------------------------------- */

static bool cmd_live(const redis_client *c, uint64_t u, int32_t aux)
{
    (void)aux;
    return rc__cmd_from_u(c, u) != RC_NIL_IDX;
}

/* node-redis 6 TimeoutError: counted from enqueue, wherever the command is. */
static void cmd_expire(redis_client *c, uint64_t u, int32_t aux)
{
    (void)aux;
    single *s = S(c);
    int32_t slot = rc__cmd_from_u(c, u);
    if (slot == RC_NIL_IDX || rc__cmd(c, slot)->where == W_FAILING)
        return;
    bool written = rc__cmd(c, slot)->attempts > 0;
    unlink_cmd(s, slot);
    rc__complete(c, slot, written ? RC_ERR_RESPONSE_TIMEOUT : RC_ERR_BACKLOG_TIMEOUT, NULL);
    gauges(s);
}

static bool attempt_live(const redis_client *c, uint64_t u, int32_t aux)
{
    int32_t slot = rc__cmd_from_u(c, u);
    return slot != RC_NIL_IDX && rc__cmd(c, slot)->where == W_INFLIGHT &&
           rc__cmd(c, slot)->attempts == aux;
}

static void attempt_expire(redis_client *c, uint64_t u, int32_t aux)
{
    single *s = S(c);
    if (!attempt_live(c, u, aux))
        return;
    int32_t slot = rc__cmd_from_u(c, u);
    unlink_cmd(s, slot);
    rc__complete(c, slot, RC_ERR_RESPONSE_TIMEOUT, NULL);
    gauges(s);
}

/* ---- reconnect --------------------------------------------------------------------- */

/* The schedule's index of the next attempt: node-redis's immediate attempt
 * is attempt 1 and takes no delay, so attempt a >= 2 waits delay(a - 1)
 * (strategy(retries) with retries counted from the failed immediate
 * attempt); without it attempt a waits delay(a). */
static void schedule_reconnect(single *s, int conn)
{
    redis_client *c = &s->base;
    rc_conn *k = &c->conn[conn];
    rc__stuck_check(c, conn, s->stuck_on);
    int next = (int)k->attempt + (c->p.immediate_reconnect ? 0 : 1);
    if (next == 0) { /* immediate_reconnect and no attempt yet */
        rc__connect(c, conn, "reconnect_at_once");
        return;
    }
    rc__schedule_reconnect(c, conn, &s->rp, next);
}

/* ioredis closeHandler: retryAttempts++ on every close; every
 * (maxRetriesPerRequest + 1)-th close flushes the offline queue and the
 * command queue (which still holds what was in flight at the drop). */
static void on_close(single *s)
{
    redis_client *c = &s->base;
    s->closes++;
    int n = c->p.max_retries_per_request;
    if (n >= 0 && s->closes % (n + 1) == 0) {
        fail_all(s, &s->resend, RC_ERR_CONNECTION);
        fail_all(s, &s->offline, RC_ERR_CONNECTION);
        gauges(s);
    }
}

static void tick_ev(engine *e, void *obj, uint64_t u)
{
    (void)u;
    single *s = obj;
    redis_client *c = &s->base;
    for (int i = 0; i < 2; i++) {
        rc_cstate st = c->conn[i].state;
        if ((st == CONN_DISCONNECTED || st == CONN_STOPPED) &&
            rc__stuck_check(&s->base, i, s->stuck_on))
            schedule_reconnect(s, i);
    }
    rc__keepalive(c);
    rc__gauge_tick(c, s->offline.n + s->resend.n, s->inflight.n);
    s->tick_ev = eng_after(e, c->p.heartbeat, tick_ev, s, 0);
}

/* ---- hooks ------------------------------------------------------------------------- */

static void h_reply(redis_client *c, int32_t slot, const rs_reply *rep)
{
    single *s = S(c);
    assert(rc__cmd(c, slot)->where == W_INFLIGHT);
    unlink_cmd(s, slot);
    rc__complete(c, slot, rc__map(rep->status), rep);
    gauges(s);
}

static void h_conn_lost(redis_client *c, int conn)
{
    single *s = S(c);
    if (conn == RC_IC) {
        s->closes = 0; /* ready -> close: retryAttempts was reset on ready */
        if (c->p.resend_unfulfilled) {
            int32_t slot;
            while ((slot = rc__list_pop(c, &s->inflight)) != RC_NIL_IDX) {
                rc_cmd *k = rc__cmd(c, slot);
                k->where = W_RETRY;
                k->lane = -1;
                rc__list_push(c, &s->resend, slot);
            }
        } else {
            fail_all(s, &s->inflight, RC_ERR_CONNECTION);
        }
        on_close(s);
        gauges(s);
    }
    schedule_reconnect(s, conn);
}

static void h_connected(redis_client *c, int conn)
{
    single *s = S(c);
    if (conn != RC_IC)
        return;
    s->closes = 0;
    /* ioredis readyHandler: prevCommandQueue first, then the offline queue */
    int32_t slot;
    while ((slot = rc__list_pop(c, &s->resend)) != RC_NIL_IDX)
        write_cmd(s, slot);
    while ((slot = rc__list_pop(c, &s->offline)) != RC_NIL_IDX)
        write_cmd(s, slot);
    gauges(s);
}

static void h_connect_failed(redis_client *c, int conn)
{
    single *s = S(c);
    if (conn == RC_IC)
        on_close(s);
    schedule_reconnect(s, conn);
}

static const rc_hooks hooks = {h_reply, h_conn_lost, h_connected, h_connect_failed};

/* ---- the kind ------------------------------------------------------------------------ */

static void single_submit(redis_client *c, const rc_op *op)
{
    single *s = S(c);
    int32_t slot = rc__cmd_alloc(c, op);
    if (rc__over_limit(c)) {
        rc__fail_soon(c, slot, RC_ERR_OTHER);
        return;
    }
    if (c->p.command_timeout > 0)
        rc__dq_push(&s->cmd_dq, eng_now(c->env.e) + c->p.command_timeout, rc__cmd_u(c, slot), 0);
    if (c->conn[RC_IC].state == CONN_CONNECTED) {
        write_cmd(s, slot);
    } else if (c->p.queue_while_disconnected) {
        rc__cmd(c, slot)->where = W_BACKLOG;
        rc__list_push(c, &s->offline, slot);
    } else {
        rc__fail_soon(c, slot, RC_ERR_REFUSED); /* enableOfflineQueue false */
    }
    gauges(s);
}

static redis_client *single_create(const rc_env *env, const rc_params *prm);

static void single_destroy(redis_client *c)
{
    single *s = S(c);
    rc__fini(c);
    rc__dq_free(&s->cmd_dq);
    rc__dq_free(&s->attempt_dq);
    free(s);
}

static void single_subscribe(redis_client *c, int channel, rc_message_fn fn, void *ctx)
{
    (void)c, (void)channel, (void)fn, (void)ctx; /* the common layer does it all */
}

static bool single_is_connected(const redis_client *c)
{
    return c->conn[RC_IC].state == CONN_CONNECTED;
}
static const char *single_conn_state(const redis_client *c)
{
    return rc__conn_state_name(c->conn[RC_IC].state);
}
static size_t single_backlog(const redis_client *c)
{
    return CS(c)->offline.n + CS(c)->resend.n;
}
static size_t single_inflight(const redis_client *c)
{
    return CS(c)->inflight.n;
}

const rc_kind rc_single_kind = {
    "single",
    "ioredis/node-redis: one pipelined socket, offline queue, per-client give-up rules",
    single_create,
    single_destroy,
    single_submit,
    single_subscribe,
    single_is_connected,
    single_conn_state,
    NULL, /* no single write path to block (the socket write is the event loop's) */
    single_backlog,
    single_inflight,
};

static redis_client *single_create(const rc_env *env, const rc_params *prm)
{
    single *s = cs_calloc(1, sizeof *s);
    redis_client *c = &s->base;
    /* lane 0: the command socket; lane 1: the subscription socket */
    rc__init(c, &rc_single_kind, &hooks, env, prm, 2, 0, 1);
    s->offline = s->resend = s->inflight = (rc_list){RC_NIL_IDX, RC_NIL_IDX, 0};
    rc__dq_init(&s->cmd_dq, c, cmd_expire, cmd_live);
    rc__dq_init(&s->attempt_dq, c, attempt_expire, attempt_live);
    rc__reconnect_params(c, &c->p.reconnect, &s->rp);
    s->stuck_on = prm->stuck_threshold > 0 || prm->stuck_reset > 0;
    s->tick_ev = eng_after(env->e, rc__first_tick(c), tick_ev, s, 0);
    return c;
}
