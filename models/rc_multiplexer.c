/* rc_multiplexer.c — the StackExchange.Redis 2.8.x ConnectionMultiplexer
 * (fusioncache.md §5; resilience.md §3.4): one interactive bridge with a
 * single write path, a backlog FIFO and an in-flight FIFO, a subscription
 * bridge, and a 1 s heartbeat that checks async timeouts and polls
 * ExponentialRetry while disconnected.
 * Error kinds: "timed out in the backlog" (never written), "Timeout awaiting
 * response" (written, no reply), connection failures.
 * With a runtime (env.rt, models/runtime.h; reference/seed000-mechanism.md
 * §1, §4) the multiplexer is SER 2.8.31 on a .NET process:
 *  - replies are read only when the process's socket engine delivers them
 *    (on unix: a pass of one work item in the worker pool's FIFO);
 *  - the heartbeat is a pool timer; per beat: async timeouts (backlog and
 *    written, OnBridgeHeartbeat), the dead-socket rule (no read for
 *    dead_socket_factor x asyncTimeout while a written async command has
 *    timed out: a SILENT disconnect, no ConnectionFailed, LastException kept,
 *    then TryConnect at once), the connect-abort threshold while Connecting
 *    (ExponentialRetry: LastException = ConnectTimeout, TryConnect);
 *  - the bridge's connect state machine Disconnected -> Connecting ->
 *    Establishing -> Established: the connect completion and the handshake
 *    replies each need a delivery; the ECHO tracer's reply runs
 *    OnFullyEstablished: LastException cleared, backlog drained,
 *    ConnectionRestored and (after a PING tracer, <= connect_timeout)
 *    ConfigurationChanged queued to the pool;
 *  - while not Established every command waits in the backlog with no wake-up;
 *    a sync caller ends at syncTimeout with "timed out in the backlog" (a
 *    RedisConnectionException citing ConnectTimeout if LastException is set);
 *  - a timed-out written command stays in flight (faulted) until its reply
 *    is read, as in SER's _writtenAwaitingResponse;
 *  - every error is counted by kind (redis.client.err.*) and, when traced,
 *    written with an SER-style snapshot (qu, qs, aw, bw, rs, in-pipe,
 *    conn-sec, LastException, mgr, WORKER, POOL).
 * Left out: connectRetry on the initial Connect, the keepAlive (60 s)
 * Establishing rule, the subscription bridge's handshake (its messages do
 * wait for the engine, see node.c), BeginConnectAsync's own ConnectTimeout
 * continuation (rc_conn.c's connect timer stands for it, off the pool).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "models/rc_impl.h"
#include "models/runtime.h"

/* SER bridge states (PhysicalBridge.State) */
typedef enum bstate { B_DISCONNECTED = 0, B_CONNECTING, B_ESTABLISHING, B_ESTABLISHED } bstate;
static const char *const BSTATE_NAME[] = {"disconnected", "connecting", "establishing",
                                          "established"};

/* Error kinds (SER ExceptionFactory texts; seed000-mechanism.md §2). */
enum { EK_BACKLOG = 0, EK_CONNECT_TIMEOUT, EK_PERFORMING, EK_AWAITING, EK_NO_CONNECTION,
       EK_CONNECTION, EK_COUNT };
static const char *const EK_METRIC[EK_COUNT] = {
    "redis.client.err.backlog_timeout", "redis.client.err.connect_timeout",
    "redis.client.err.timeout_performing", "redis.client.err.timeout_awaiting",
    "redis.client.err.no_connection", "redis.client.err.connection"};

/* Internal commands (handshake, reconfigure tracer): ctx = the mux, no
 * callback, tag with this bit. */
#define TAG_INTERNAL (1ull << 63)
#define TAG_TRACER 1ull   /* the handshake's ECHO */
#define TAG_RECONF 2ull   /* ReconfigureAsync's PING */

typedef struct bridge {
    bstate st;
    sim_ns connect_start, last_read, connected_at;
    bool has_connected_at;  /* ConnectedAt non-null (conn-sec) */
    bool clear_on_connect;  /* sync connect: the old socket's stale OnDisconnected
                               runs after OnConnectedAsync and nulls ConnectedAt */
    long aborts;            /* connectTimeoutRetryCount */
    bool last_exception;    /* LastException = ConnectTimeout */
    size_t pending;         /* replies received, not yet read (in-pipe) */
} bridge;

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
    /* with a runtime (SER on .NET) */
    bool ser;
    runtime *rt;
    rt_timer hb;
    bridge br; /* the interactive bridge */
    sim_ns bw_until;     /* backlog thread SpinningDown until */
    bool reconf_pending; /* ReconfigureAsync awaits its tracer */
    uint32_t reconf_gen;
    int m_err[EK_COUNT], m_silent, m_aborts, m_last_err;
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

/* Commands may be written: the bridge is established (SER) or connected. */
static bool bridge_up(const mux *m)
{
    if (m->ser)
        return m->br.st == B_ESTABLISHED;
    return m->base.conn[RC_IC].state == CONN_CONNECTED;
}

static bool is_internal(const mux *m, const rc_cmd *k)
{
    return k->op.ctx == (const void *)m && !k->op.done && (k->op.tag & TAG_INTERNAL);
}

/* A bridge state change, as a transitions row (component "connection"). */
static void bridge_set(mux *m, bstate to, const char *why)
{
    redis_client *c = &m->base;
    bstate from = m->br.st;
    m->br.st = to;
    if (!c->env.rows || from == to)
        return;
    char reason[160];
    snprintf(reason, sizeof reason, "%s.interactive: %s", c->name, why);
    /* below Establishing, rc_conn.c's rows already say it */
    if (to == B_ESTABLISHING || to == B_ESTABLISHED)
        rows_transition(c->env.rows, eng_now(c->env.e), c->env.node, "connection",
                        to == B_ESTABLISHING ? "connected" : BSTATE_NAME[from], BSTATE_NAME[to],
                        reason);
}

/* ---- errors: kinds, snapshot ----------------------------------------------- */

static const char *bw_name(const mux *m, sim_ns now)
{
    if (m->backlog.n > 0 && bridge_up(m))
        return "Activating";
    return now < m->bw_until ? "SpinningDown" : "Inactive";
}

/* Count an error of kind ek; traced clients write SER's error text with
 * the snapshot fields (ExceptionFactory.Timeout / AddCommonDetail). */
static void error_kind(mux *m, int ek, const rc_cmd *k)
{
    redis_client *c = &m->base;
    if (c->env.st && c->p.count_l2) {
        stats_add(c->env.st, c->env.node, m->m_err[ek], 1);
        stats_gauge_set(c->env.st, c->env.node, m->m_last_err, ns_to_s(eng_now(c->env.e)));
    }
    if (!c->env.trace || !c->env.rows)
        return;
    sim_ns now = eng_now(c->env.e);
    char cmd[24];
    snprintf(cmd, sizeof cmd, "%s", rs_cmd_name(k->op.cmd));
    for (char *p = cmd; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    long tmo = (long)(c->p.timeout / 1000000);
    char text[200];
    switch (ek) {
    case EK_BACKLOG:
        snprintf(text, sizeof text,
                 "RedisTimeoutException: The message timed out in the backlog attempting to send "
                 "because no connection became available, command=%s, timeout: %ld", cmd, tmo);
        break;
    case EK_CONNECT_TIMEOUT:
        snprintf(text, sizeof text,
                 "RedisConnectionException: ... timed out in the backlog, command=%s (%ldms) - "
                 "Last Connection Exception: UnableToConnect ... ConnectTimeout", cmd, tmo);
        break;
    case EK_PERFORMING:
        snprintf(text, sizeof text, "RedisTimeoutException: Timeout performing %s (%ldms)", cmd, tmo);
        break;
    case EK_AWAITING:
        snprintf(text, sizeof text, "RedisTimeoutException: Timeout awaiting response (%s, %.0fms "
                 "elapsed, timeout is %ldms)", cmd, (double)(now - k->started) / 1e6,
                 (long)(c->p.async_timeout / 1000000));
        break;
    case EK_NO_CONNECTION:
        snprintf(text, sizeof text, "RedisConnectionException: No connection is available to "
                 "service this operation: %s", cmd);
        break;
    default:
        snprintf(text, sizeof text, "RedisConnectionException: %s failed: the socket closed", cmd);
        break;
    }
    char conn_sec[32];
    if (m->ser && m->br.has_connected_at && m->br.st != B_DISCONNECTED)
        snprintf(conn_sec, sizeof conn_sec, "%.2f", ns_to_s(now - m->br.connected_at));
    else
        snprintf(conn_sec, sizeof conn_sec, "n/a");
    const runtime *rt = m->rt;
    const worker_pool *wp = rt ? rt->pool : NULL;
    char detail[512];
    snprintf(detail, sizeof detail,
             "%s, %s, qu: %zu, qs: %zu, aw: %s, bw: %s, rs: %s, ws: %s, in-pipe: %zu, "
             "bridge: %s, conn-sec: %s, LastException: %s, mgr: %d of %d available, "
             "WORKER: (Busy=%d,Min=%d), POOL: (Threads=%d,QueuedItems=%zu)",
             text, c->name, m->backlog.n, m->inflight.n, m->writer_busy ? "True" : "False",
             bw_name(m, now), m->inflight.n ? "ReadAsync" : "Idle",
             m->writer_busy ? "Writing" : "Idle", m->br.pending,
             m->ser ? BSTATE_NAME[m->br.st] : rc__conn_state_name(c->conn[RC_IC].state), conn_sec,
             m->ser && m->br.last_exception ? "ConnectTimeout" : "none",
             rt ? rt_io_available(rt) : 0, rt ? rt->p.io_workers : 0, wp ? wp->busy : 0,
             wp ? wp->p.min : 0, wp ? wp->workers : 0, wp ? wp->qlen : 0);
    rows_trace(c->env.rows, now, c->env.node, -1, "redis.error", detail);
}

/* A trace row for an SER event (traced clients only). */
static void ser_event(mux *m, const char *what)
{
    redis_client *c = &m->base;
    if (!c->env.trace || !c->env.rows)
        return;
    char d[160];
    snprintf(d, sizeof d, "%s.interactive: %s", c->name, what);
    rows_trace(c->env.rows, eng_now(c->env.e), c->env.node, -1, "redis.event", d);
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
        if (m->base.conn[RC_IC].state == CONN_CONNECTED) {
            write_finish(m, slot);
        } else {
            error_kind(m, EK_CONNECTION, rc__cmd(&m->base, slot));
            rc__complete(&m->base, slot, RC_ERR_CONNECTION, NULL);
        }
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
 * bridge is up and the writer free, write the backlog one message at a
 * time, in order. */
static void pump(mux *m)
{
    redis_client *c = &m->base;
    while (!m->writer_busy && !m->writer_blocked && m->backlog.n > 0 && bridge_up(m)) {
        int32_t slot = rc__list_pop(c, &m->backlog);
        write_msg(m, slot);
    }
    if (m->ser && m->backlog.n == 0 && bridge_up(m))
        m->bw_until = eng_now(c->env.e) + c->p.backlog_linger; /* lingers for more work */
}

/* ---- timeouts ------------------------------------------------------------------ */

/* Time a command out where it is: still in the backlog or being written →
 * "timed out in the backlog" (a connection exception citing ConnectTimeout
 * when the bridge's LastException is set); written → "Timeout performing"
 * (sync) / "Timeout awaiting response" (async).  With a runtime a written
 * command stays in flight, faulted, until its reply is read. */
static void time_out(mux *m, int32_t slot)
{
    redis_client *c = &m->base;
    rc_cmd *k = rc__cmd(c, slot);
    bool conn_exc = m->ser && m->br.last_exception;
    switch (k->where) {
    case W_BACKLOG:
        rc__list_remove(c, &m->backlog, slot);
        /* fall through */
    case W_WRITING: /* the writer's event finds it gone and sends nothing */
        error_kind(m, conn_exc ? EK_CONNECT_TIMEOUT : EK_BACKLOG, k);
        rc__complete(c, slot, conn_exc ? RC_ERR_CONNECTION : RC_ERR_BACKLOG_TIMEOUT, NULL);
        break;
    case W_INFLIGHT:
        if (k->faulted)
            break;
        error_kind(m, k->op.sync ? EK_PERFORMING : EK_AWAITING, k);
        if (m->ser) {
            rc__fault(c, slot, RC_ERR_RESPONSE_TIMEOUT);
        } else { /* its late reply is dropped by the generation check */
            rc__list_remove(c, &m->inflight, slot);
            rc__complete(c, slot, RC_ERR_RESPONSE_TIMEOUT, NULL);
        }
        break;
    default:
        break;
    }
}

static bool sync_live(const redis_client *c, uint64_t u, int32_t aux)
{
    (void)aux;
    int32_t slot = rc__cmd_from_u(c, u);
    return slot != RC_NIL_IDX && rc__cmd(c, slot)->where != W_FAILING &&
           !rc__cmd(c, slot)->faulted;
}

/* syncTimeout: the sync caller's own Monitor.Wait gives up (§5). */
static void sync_expire(redis_client *c, uint64_t u, int32_t aux)
{
    (void)aux;
    mux *m = M(c);
    int32_t slot = rc__cmd_from_u(c, u);
    if (slot == RC_NIL_IDX || rc__cmd(c, slot)->where == W_FAILING || rc__cmd(c, slot)->faulted)
        return;
    time_out(m, slot);
    gauges(m);
}

/* Both lists are in submission order, so `started` never decreases along
 * them: the backlog is appended only at submit, and the in-flight list in
 * write order, which is backlog order (a new command goes behind a
 * non-empty backlog or a busy writer; internal commands are written on a
 * fresh connection, before anything else).  The scan stops at the first
 * command too young to have timed out; every later one is younger still.
 * O(timed out) per heartbeat instead of O(queued).  *timed_out counts the
 * async commands found timed out, faulted before or not (SER's
 * timedOutThisHeartbeat). */
static void collect_async_timeouts(mux *m, const rc_list *l, size_t *n, sim_ns now,
                                   size_t *timed_out)
{
    redis_client *c = &m->base;
    for (int32_t s = l->head; s != RC_NIL_IDX; s = rc__cmd(c, s)->next) {
        const rc_cmd *k = rc__cmd(c, s);
        if (now - k->started < c->p.async_timeout) {
            if (!is_internal(m, k))
                break;
            continue;
        }
        if (!k->op.sync && !is_internal(m, k)) {
            if (timed_out)
                (*timed_out)++;
            if (k->faulted)
                continue;
            cs_grow((void **)&m->scratch, &m->scratch_cap, *n + 1, sizeof *m->scratch);
            m->scratch[(*n)++] = rc__cmd_u(c, s);
        }
    }
}

/* ---- connection state machine (SER, with a runtime) ------------------------- */

static void send_internal(mux *m, uint64_t tag)
{
    redis_client *c = &m->base;
    rc_op op = {0};
    op.cmd = RS_PING; /* CLIENT SETNAME, SETINFO, INFO, GET tie-break, ECHO, ...: one
                         request and one small reply each */
    op.ctx = m;
    op.tag = TAG_INTERNAL | tag;
    int32_t slot = rc__cmd_alloc(c, &op);
    rc_cmd *k = rc__cmd(c, slot);
    k->where = W_INFLIGHT;
    k->lane = LANE_IC;
    rc__list_push(c, &m->inflight, slot);
    rc__send_cmd(c, slot, RC_IC, LANE_IC);
}

static void bridge_connect(mux *m, const char *why)
{
    redis_client *c = &m->base;
    m->br.st = B_CONNECTING;
    m->br.connect_start = eng_now(c->env.e);
    rc__connect(c, RC_IC, why);
}

static void event_restored(void *ctx, uint64_t u)
{
    (void)u;
    ser_event(ctx, "ConnectionRestored (event run on the pool)");
}

static void event_config_changed(void *ctx, uint64_t u)
{
    (void)u;
    ser_event(ctx, "ConfigurationChanged (event run on the pool)");
}

/* ReconfigureAsync's finally: ConfigurationChanged through the pool. */
static void reconf_finish(mux *m)
{
    if (!m->reconf_pending)
        return;
    m->reconf_pending = false;
    rt_queue_work(m->rt, event_config_changed, m, 0);
}

static void reconf_timeout_ev(engine *e, void *obj, uint64_t u)
{
    (void)e;
    mux *m = obj;
    if ((uint32_t)u == m->reconf_gen)
        reconf_finish(m);
}

/* The ECHO tracer was read: PhysicalBridge.OnFullyEstablished. */
static void fully_established(mux *m)
{
    redis_client *c = &m->base;
    if (m->br.st != B_ESTABLISHING)
        return;
    sim_ns now = eng_now(c->env.e);
    char why[96];
    snprintf(why, sizeof why, "handshake ECHO read %.0f ms after the connect began",
             (double)(now - m->br.connect_start) / 1e6);
    bridge_set(m, B_ESTABLISHED, why);
    m->br.last_exception = false;
    /* the backlog: async items past their timeout are faulted first, then
     * the rest written in order (sync ones past it already gave up) */
    size_t n = 0;
    collect_async_timeouts(m, &m->backlog, &n, now, NULL);
    for (size_t i = 0; i < n; i++) {
        int32_t slot = rc__cmd_from_u(c, m->scratch[i]);
        if (slot != RC_NIL_IDX)
            time_out(m, slot);
    }
    pump(m);
    gauges(m);
    /* Multiplexer.OnConnectionRestored: the event (QUWI) and
     * ReconfigureIfNeeded: a PING tracer awaited <= ConnectTimeout, then
     * ConfigurationChanged (QUWI) */
    rt_queue_work(m->rt, event_restored, m, 0);
    m->reconf_pending = true;
    m->reconf_gen++;
    send_internal(m, TAG_RECONF);
    eng_after(c->env.e, c->p.connect_timeout, reconf_timeout_ev, m, m->reconf_gen);
}

/* The connect completion runs (inline on a pool thread): ConnectedAsync ->
 * OnConnectedAsync (ConnectedAt ??= now, ConnectedEstablishing) ->
 * HandshakeAsync writes and flushes the handshake inline. */
static void connect_complete(mux *m, uint32_t gen)
{
    redis_client *c = &m->base;
    if (c->conn[RC_IC].gen != gen || c->conn[RC_IC].state != CONN_CONNECTED ||
        m->br.st != B_CONNECTING)
        return;
    sim_ns now = eng_now(c->env.e);
    if (!m->br.has_connected_at) {
        m->br.connected_at = now;
        m->br.has_connected_at = true;
    }
    if (m->br.clear_on_connect) { /* the stale OnDisconnected comes after */
        m->br.has_connected_at = false;
        m->br.clear_on_connect = false;
    }
    char why[96];
    snprintf(why, sizeof why, "connect completion ran %.0f ms after the connect began%s",
             (double)(now - m->br.connect_start) / 1e6,
             m->br.has_connected_at ? "" : " (ConnectedAt cleared: conn-sec n/a)");
    bridge_set(m, B_ESTABLISHING, why);
    for (int i = 0; i < c->p.handshake_commands; i++)
        send_internal(m, i + 1 == c->p.handshake_commands ? TAG_TRACER : 0);
    gauges(m);
}

static void connect_deliver(void *ctx, uint64_t u, const void *payload)
{
    (void)payload;
    connect_complete(ctx, (uint32_t)u);
}

/* The dead-socket rule fired: OnDisconnected(SocketFailure) without
 * OnConnectionFailed, TryConnect at once, then the old socket's Dispose. */
static void silent_disconnect(mux *m, size_t timed_out, sim_ns idle)
{
    redis_client *c = &m->base;
    if (c->env.st)
        stats_add(c->env.st, c->env.node, m->m_silent, 1);
    char why[96];
    snprintf(why, sizeof why, "dead socket, no reads %.1f s, %zu timeouts (silent)", ns_to_s(idle),
             timed_out);
    ser_event(m, why);
    rc__conn_lost(c, RC_IC, why); /* -> h_conn_lost: ConnectedAt = null */
    bridge_connect(m, "TryConnect after the dead socket (silent)");
    if (c->p.sync_connect)
        m->br.clear_on_connect = true;
}

/* The connect-abort threshold passed while Connecting: LastException =
 * ConnectTimeout, OnDisconnected(UnableToConnect), TryConnect. */
static void connect_abort(mux *m, sim_ns elapsed)
{
    redis_client *c = &m->base;
    rc_conn *k = &c->conn[RC_IC];
    if (c->env.st)
        stats_add(c->env.st, c->env.node, m->m_aborts, 1);
    m->br.aborts++;
    m->br.last_exception = true;
    char why[96];
    snprintf(why, sizeof why, "connect abort after %.1f s: ConnectTimeout", ns_to_s(elapsed));
    ser_event(m, why);
    if (k->state == CONN_CONNECTED) {
        rc__conn_lost(c, RC_IC, why);
    } else if (k->state == CONN_CONNECTING) {
        eng_cancel(c->env.e, k->timer);
        k->timer = 0;
        k->gen++;
        k->last_error = RECONNECT_ERR_OTHER;
        rc__conn_set(c, RC_IC, CONN_DISCONNECTED, why);
    }
    m->br.st = B_DISCONNECTED;
    m->br.has_connected_at = false;
    bridge_connect(m, "TryConnect after ConnectTimeout");
}

/* ---- the heartbeat -------------------------------------------------------------- */

/* The heartbeat (§5 HeartbeatInterval 1 s): async timeouts are only
 * checked here, so detection lags 0–1 s; reconnect is only polled here
 * while disconnected (resilience.md §3.4).  With a runtime it runs as a
 * pool job and also applies the SER bridge rules (see the file comment). */
static void heartbeat(mux *m)
{
    redis_client *c = &m->base;
    sim_ns now = eng_now(c->env.e);
    /* CheckBacklogForTimeouts (the backlog thread, kicked here) and
     * OnBridgeHeartbeat; collect first, complete after: callbacks may add
     * or move commands */
    if (m->ser && m->backlog.n > 0 && !bridge_up(m))
        m->bw_until = now + c->p.backlog_linger;
    size_t n = 0, timed_out = 0;
    collect_async_timeouts(m, &m->backlog, &n, now, NULL);
    collect_async_timeouts(m, &m->inflight, &n, now, &timed_out);
    for (size_t i = 0; i < n; i++) {
        int32_t slot = rc__cmd_from_u(c, m->scratch[i]);
        if (slot != RC_NIL_IDX)
            time_out(m, slot);
    }
    int first = 0;
    if (m->ser) {
        first = 1; /* the interactive bridge is handled here */
        switch (m->br.st) {
        case B_CONNECTING: {
            sim_ns elapsed = now - m->br.connect_start;
            if (reconnect_ser_exponential_should_retry(m->rp.base, m->rp.cap, m->br.aborts,
                                                       elapsed, &c->rand))
                connect_abort(m, elapsed);
            break;
        }
        case B_ESTABLISHED:
        case B_ESTABLISHING:
            if (m->br.st == B_ESTABLISHED)
                m->br.aborts = 0;
            if (c->p.dead_socket_factor > 0 && timed_out > 0 &&
                now - m->br.last_read > (sim_ns)c->p.dead_socket_factor * c->p.async_timeout)
                silent_disconnect(m, timed_out, now - m->br.last_read);
            break;
        case B_DISCONNECTED: {
            m->br.aborts = 0;
            rc_conn *k = &c->conn[RC_IC];
            if (k->state == CONN_DISCONNECTED &&
                reconnect_ser_exponential_should_retry(m->rp.base, m->rp.cap, k->attempt,
                                                       now - k->last_attempt, &c->rand))
                bridge_connect(m, "heartbeat_retry");
            break;
        }
        }
    }
    for (int i = first; i < 2; i++) {
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
}

static void heartbeat_ev(engine *e, void *obj, uint64_t u)
{
    (void)u;
    mux *m = obj;
    heartbeat(m);
    m->heartbeat_ev = eng_after(e, m->base.p.heartbeat, heartbeat_ev, m, 0);
}

static void heartbeat_timer(void *ctx)
{
    heartbeat(ctx);
}

/* ---- hooks from the common layer ------------------------------------------- */

/* The reader matched a reply to command slot (in flight on the interactive
 * connection). */
static void reply_read(mux *m, int32_t slot, const rs_reply *rep)
{
    redis_client *c = &m->base;
    rc_cmd *k = rc__cmd(c, slot);
    assert(k->where == W_INFLIGHT);
    rc__list_remove(c, &m->inflight, slot);
    if (is_internal(m, k)) {
        uint64_t tag = k->op.tag;
        rc__release(c, slot);
        if (tag & TAG_TRACER)
            fully_established(m);
        else if (tag & TAG_RECONF)
            reconf_finish(m);
    } else if (k->faulted) {
        rc__release(c, slot); /* the caller was told long ago */
    } else {
        rc__complete(c, slot, rc__map(rep->status), rep);
    }
    gauges(m);
}

/* A reply reaches the reader after the engine's pass. */
static void reply_deliver(void *ctx, uint64_t u, const void *payload)
{
    mux *m = ctx;
    redis_client *c = &m->base;
    int32_t slot = rc__cmd_from_u(c, u);
    if (slot == RC_NIL_IDX || rc__cmd(c, slot)->where != W_INFLIGHT)
        return; /* failed with its connection meanwhile */
    if (m->br.pending > 0)
        m->br.pending--;
    m->br.last_read = eng_now(c->env.e);
    reply_read(m, slot, payload);
}

static void h_reply(redis_client *c, int32_t slot, const rs_reply *rep)
{
    mux *m = M(c);
    assert(rc__cmd(c, slot)->where == W_INFLIGHT);
    if (m->ser && rt_via_pool(m->rt)) {
        m->br.pending++;
        rt_post(m->rt, reply_deliver, m, rc__cmd_u(c, slot), rep, sizeof *rep);
        return;
    }
    m->br.last_read = eng_now(c->env.e);
    reply_read(m, slot, rep);
}

/* Collect every command on list l (by name), then fail each still there
 * (internal and faulted ones are dropped: nobody waits for them). */
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
            rc_cmd *k = rc__cmd(c, s);
            rc__list_remove(c, l, s);
            if (is_internal(m, k) || k->faulted) {
                rc__release(c, s);
                continue;
            }
            error_kind(m, EK_CONNECTION, k);
            rc__complete(c, s, st, NULL);
        }
    }
}

/* The interactive socket died: what was in flight fails with a connection
 * error; the backlog is kept (QueueWhileDisconnected) or aborted
 * (FailFast: AbortPendingOnConnectionFailure, §5).  SER: OnDisconnected
 * clears ConnectedAt. */
static void h_conn_lost(redis_client *c, int conn)
{
    mux *m = M(c);
    if (conn != RC_IC)
        return;
    if (m->ser) {
        m->br.st = B_DISCONNECTED;
        m->br.has_connected_at = false;
        m->reconf_pending = false;
        m->br.pending = 0; /* what the old socket received is not this pipe's */
    }
    fail_list(m, &m->inflight, W_INFLIGHT, RC_ERR_CONNECTION);
    if (!c->p.queue_while_disconnected)
        fail_list(m, &m->backlog, W_BACKLOG, RC_ERR_CONNECTION);
    gauges(m);
}

static void h_connected(redis_client *c, int conn)
{
    mux *m = M(c);
    if (conn != RC_IC)
        return;
    if (!m->ser) {
        pump(m);
        gauges(m);
        return;
    }
    if (m->br.st != B_CONNECTING) /* rc_conn.c reconnected on its own */
        m->br.st = B_CONNECTING;
    uint32_t gen = c->conn[RC_IC].gen;
    if (c->p.sync_connect || !rt_via_pool(m->rt))
        connect_complete(m, gen);
    else /* the connect completion is a socket event too */
        rt_post(m->rt, connect_deliver, m, gen, NULL, 0);
}

static void h_connect_failed(redis_client *c, int conn)
{
    mux *m = M(c);
    if (conn == RC_IC && m->ser)
        m->br.st = B_DISCONNECTED;
    /* the next heartbeat decides (connectTimeoutRetryCount kept) */
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
    if (!bridge_up(m)) {
        if (!c->p.queue_while_disconnected) {
            error_kind(m, EK_NO_CONNECTION, k);
            rc__fail_soon(c, slot, RC_ERR_REFUSED); /* NoConnectionAvailable */
            return;
        }
        /* QueueOrFailMessage: backlogged, and no processor is woken */
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
    return bridge_up(CM(c));
}
static const char *mux_conn_state(const redis_client *c)
{
    if (CM(c)->ser)
        return BSTATE_NAME[CM(c)->br.st];
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
    m->rt = env->rt;
    m->ser = env->rt != NULL;
    m->br = (bridge){.st = B_ESTABLISHED, .has_connected_at = true}; /* connected at start-up */
    for (int i = 0; i < EK_COUNT; i++)
        m->m_err[i] = env->st ? stats_counter(env->st, EK_METRIC[i]) : -1;
    m->m_silent = env->st ? stats_counter(env->st, "redis.client.silent_disconnects") : -1;
    m->m_aborts = env->st ? stats_counter(env->st, "redis.client.connect_aborts") : -1;
    m->m_last_err = env->st ? stats_gauge(env->st, "redis.client.error_at") : -1;
    /* the heartbeat timer starts with the multiplexer (a pool timer with a
     * runtime) */
    if (m->ser)
        rt_timer_start(m->rt, &m->hb, rc__first_tick(c), c->p.heartbeat, heartbeat_timer, m);
    else
        m->heartbeat_ev = eng_after(env->e, rc__first_tick(c), heartbeat_ev, m, 0);
    return c;
}
