/* rc_conn.c — what the Redis clients put on the link and how their
 * connections live: the wire (requests, replies and pub/sub messages in
 * transit, one RTT draw split half each way, FIFO per connection lane:
 * MODEL.md "L2: Link"), connect attempts with connect timeouts, loss of a
 * connection (FIN from a dying server, or RST on the next use after a
 * partition hid it), rows transitions (component "connection"), and the
 * subscription connection (fusioncache.md §5: a separate connection for
 * pub/sub; subscriptions are re-sent after every reconnect; messages that
 * find it down are lost, MODEL.md "Backplane").
 * Left out: TCP retransmission and keep-alive detection.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/rc_impl.h"

/* ---- the wire ---------------------------------------------------------------- */

static rc_wire *wire(const redis_client *c, int32_t w)
{
    assert(w >= 0 && (size_t)w < c->nwchunks * RC_CHUNK);
    return &c->wchunks[w / RC_CHUNK][w % RC_CHUNK];
}

static int32_t wire_alloc(redis_client *c)
{
    assert(c->wlive < RC_MAX_WIRE); /* stated limit */
    if (c->wfree == RC_NIL_IDX) {
        cs_grow((void **)&c->wchunks, &c->wchunks_cap, c->nwchunks + 1, sizeof *c->wchunks);
        rc_wire *ch = cs_calloc(RC_CHUNK, sizeof *ch);
        c->wchunks[c->nwchunks] = ch;
        int32_t base = (int32_t)(c->nwchunks * RC_CHUNK);
        c->nwchunks++;
        for (int i = RC_CHUNK - 1; i >= 0; i--) {
            ch[i].next_free = c->wfree;
            c->wfree = base + i;
        }
    }
    int32_t w = c->wfree;
    c->wfree = wire(c, w)->next_free;
    c->wlive++;
    memset(wire(c, w), 0, sizeof(rc_wire));
    return w;
}

static void wire_free(redis_client *c, int32_t w)
{
    assert(c->wlive > 0);
    wire(c, w)->next_free = c->wfree;
    c->wfree = w;
    c->wlive--;
}

static rc_msg_rec *msg_rec(const redis_client *c, int32_t m)
{
    assert(m >= 0 && (size_t)m < c->nmchunks * RC_CHUNK);
    return &c->mchunks[m / RC_CHUNK][m % RC_CHUNK];
}

static int32_t msg_alloc(redis_client *c)
{
    assert(c->wlive < RC_MAX_WIRE); /* stated limit, shared with rc_wire */
    if (c->mfree == RC_NIL_IDX) {
        cs_grow((void **)&c->mchunks, &c->mchunks_cap, c->nmchunks + 1, sizeof *c->mchunks);
        rc_msg_rec *ch = cs_calloc(RC_CHUNK, sizeof *ch);
        c->mchunks[c->nmchunks] = ch;
        int32_t base = (int32_t)(c->nmchunks * RC_CHUNK);
        c->nmchunks++;
        for (int i = RC_CHUNK - 1; i >= 0; i--) {
            ch[i].next_free = c->mfree;
            c->mfree = base + i;
        }
    }
    int32_t m = c->mfree;
    c->mfree = msg_rec(c, m)->next_free;
    c->wlive++;
    return m;
}

static void msg_free(redis_client *c, int32_t m)
{
    assert(c->wlive > 0);
    msg_rec(c, m)->next_free = c->mfree;
    c->mfree = m;
    c->wlive--;
}

static void wire_reply(void *ctx, uint64_t u, const rs_reply *rep);
static void msg_back(engine *e, void *obj, uint64_t u);
static void wire_arrive(engine *e, void *obj, uint64_t u);
static void wire_back(engine *e, void *obj, uint64_t u);
static void on_deliver(void *ctx, uint64_t u, int channel, const rs_message *m);

/* Send a prepared wire record: one RTT draw split half each way, the
 * request's arrival kept FIFO per lane (TCP order).  A lost request (loss
 * draw or partition) is released at once and never arrives. */
static void wire_send(redis_client *c, int32_t w)
{
    rc_wire *x = wire(c, w);
    if (net_lost(c->env.net, c->env.link)) {
        wire_free(c, w);
        return;
    }
    sim_ns rtt = net_rtt(c->env.net, c->env.link), half = rtt / 2;
    x->back = rtt - half;
    x->req.reply = wire_reply;
    x->req.ctx = c;
    x->req.u = (uint64_t)w;
    sim_ns at = eng_now(c->env.e) + half;
    if (at < c->lane_req_last[x->lane])
        at = c->lane_req_last[x->lane];
    c->lane_req_last[x->lane] = at;
    eng_at(c->env.e, at, wire_arrive, c, (uint64_t)w);
}

void rc__send_cmd(redis_client *c, int32_t slot, int conn, int lane)
{
    assert(lane >= 0 && lane < c->nlanes);
    rc_cmd *k = rc__cmd(c, slot);
    int32_t w = wire_alloc(c);
    rc_wire *x = wire(c, w);
    x->kind = WIRE_CMD;
    x->conn = conn;
    x->lane = lane;
    x->cmd_slot = (uint32_t)slot;
    x->cmd_gen = k->gen;
    x->conn_gen = c->conn[conn].gen;
    x->attempt = k->attempts; /* which attempt this is (pool retries) */
    x->req.cmd = k->op.cmd;
    x->req.key = k->op.key;
    x->req.value = k->op.value;
    x->req.ttl = k->op.ttl;
    x->req.channel = k->op.channel;
    x->req.msg = k->op.msg;
    x->req.epoch = c->conn[conn].epoch;
    x->req.conn = (uint32_t)lane;
    wire_send(c, w);
}

/* SUBSCRIBE or PING not answered in connect_timeout: the socket is dead
 * (a partition hid a restart, or the request was lost), so drop it; the
 * reconnect re-sends the subscriptions. */
static void ack_timeout_ev(engine *e, void *obj, uint64_t u)
{
    (void)e;
    redis_client *c = obj;
    int conn = (int)(uint32_t)u;
    if (c->conn[conn].gen == (uint32_t)(u >> 32))
        rc__conn_lost(c, conn, "no_answer");
}

static void send_control(redis_client *c, int conn, rc_wire_kind kind, int channel)
{
    static const rs_cmd cmd_of[] = {
        [WIRE_CONNECT] = RS_CONNECT, [WIRE_SUBSCRIBE] = RS_SUBSCRIBE, [WIRE_PING] = RS_PING};
    assert(kind == WIRE_CONNECT || kind == WIRE_SUBSCRIBE || kind == WIRE_PING);
    rc_conn *k = &c->conn[conn];
    k->last_sent = eng_now(c->env.e);
    int32_t w = wire_alloc(c);
    rc_wire *x = wire(c, w);
    x->kind = kind;
    x->conn = conn;
    x->lane = k->lane;
    x->conn_gen = k->gen;
    if (kind != WIRE_CONNECT) /* CONNECT has its own connect timeout */
        x->ack_timer = eng_after(c->env.e, c->p.connect_timeout, ack_timeout_ev, c,
                                 ((uint64_t)k->gen << 32) | (uint32_t)conn);
    x->req.cmd = cmd_of[kind];
    x->req.channel = channel;
    x->req.epoch = c->conn[conn].epoch;
    x->req.conn = (uint32_t)x->lane;
    if (kind == WIRE_SUBSCRIBE) {
        x->req.deliver = on_deliver;
        x->req.deliver_ctx = c;
        x->req.deliver_u = c->conn[conn].gen;
    }
    wire_send(c, w);
}

/* The request reaches the server. */
static void wire_arrive(engine *e, void *obj, uint64_t u)
{
    (void)e;
    redis_client *c = obj;
    rs_request req = wire(c, (int32_t)u)->req; /* copy: the server may reply at once */
    rs_submit(c->env.srv, &req);
}

/* The server answered (or dropped) request u: send the reply back over the
 * link, FIFO per lane; a partition at this instant loses it. */
static void wire_reply(void *ctx, uint64_t u, const rs_reply *rep)
{
    redis_client *c = ctx;
    int32_t w = (int32_t)u;
    rc_wire *x = wire(c, w);
    if (rep->status == RS_R_DROPPED || net_partitioned(c->env.net, c->env.link)) {
        wire_free(c, w);
        return;
    }
    x->rep = *rep;
    sim_ns at = eng_now(c->env.e) + x->back;
    if (at < c->lane_rep_last[x->lane])
        at = c->lane_rep_last[x->lane];
    c->lane_rep_last[x->lane] = at;
    eng_at(c->env.e, at, wire_back, c, (uint64_t)w);
}

/* A PUBLISH completed at the server: deliver to this subscriber unless its
 * subscription connection is gone or the link loses it (HCL/MODEL.md
 * "Backplane": during an outage messages are lost, not queued). */
static void on_deliver(void *ctx, uint64_t u, int channel, const rs_message *m)
{
    redis_client *c = ctx;
    rc_conn *k = &c->conn[RC_SUB];
    if (k->state != CONN_CONNECTED || k->gen != (uint32_t)u || net_lost(c->env.net, c->env.link)) {
        c->counts.messages_lost++;
        return;
    }
    int32_t w = msg_alloc(c);
    rc_msg_rec *x = msg_rec(c, w);
    x->conn_gen = k->gen;
    x->channel = channel;
    x->msg = *m;
    sim_ns at = eng_now(c->env.e) + net_rtt(c->env.net, c->env.link) / 2;
    if (at < c->lane_rep_last[k->lane])
        at = c->lane_rep_last[k->lane];
    c->lane_rep_last[k->lane] = at;
    eng_at(c->env.e, at, msg_back, c, (uint64_t)w);
}

/* A pub/sub message reaches the client on its subscription connection. */
static void msg_back(engine *e, void *obj, uint64_t u)
{
    (void)e;
    redis_client *c = obj;
    int32_t w = (int32_t)u;
    rc_msg_rec x = *msg_rec(c, w); /* copy, then release: handlers may send more */
    msg_free(c, w);
    rc_conn *k = &c->conn[RC_SUB];
    if (k->gen != x.conn_gen || k->state != CONN_CONNECTED) {
        c->counts.messages_lost++;
        return;
    }
    c->counts.messages_received++;
    for (int i = 0; i < c->nsubs; i++)
        if (c->subs[i].channel == x.channel)
            c->subs[i].fn(c->subs[i].ctx, x.channel, &x.msg);
}

void rc__keepalive(redis_client *c)
{
    rc_conn *k = &c->conn[RC_SUB];
    if (c->nsubs > 0 && k->state == CONN_CONNECTED &&
        eng_now(c->env.e) - k->last_sent >= c->p.keepalive)
        send_control(c, RC_SUB, WIRE_PING, -1);
}

void rc__send_subscribe(redis_client *c, int channel)
{
    send_control(c, RC_SUB, WIRE_SUBSCRIBE, channel);
}

static void subscribe_all(redis_client *c)
{
    /* one SUBSCRIBE per distinct channel, in subscription order */
    for (int i = 0; i < c->nsubs; i++) {
        bool seen = false;
        for (int j = 0; j < i && !seen; j++)
            seen = c->subs[j].channel == c->subs[i].channel;
        if (!seen)
            send_control(c, RC_SUB, WIRE_SUBSCRIBE, c->subs[i].channel);
    }
}

static void conn_up(redis_client *c, int conn, uint64_t epoch)
{
    rc_conn *k = &c->conn[conn];
    eng_cancel(c->env.e, k->timer);
    k->timer = 0;
    k->epoch = epoch;
    rc__conn_set(c, conn, CONN_CONNECTED, "connect_ok");
    k->attempt = 0;
    reconnect_stuck_on_progress(&k->stuck, eng_now(c->env.e));
    c->counts.reconnects++;
    if (c->env.st && conn == RC_IC) /* "redis.reconnects": the interactive connection */
        stats_add(c->env.st, c->env.node, c->m_reconnects, 1);
    if (conn == RC_SUB)
        subscribe_all(c);
    c->hooks->connected(c, conn);
}

/* A reply or a message reaches the client. */
static void wire_back(engine *e, void *obj, uint64_t u)
{
    (void)e;
    redis_client *c = obj;
    int32_t w = (int32_t)u;
    rc_wire x = *wire(c, w); /* copy, then release: handlers may send more */
    wire_free(c, w);
    rc_conn *k = &c->conn[x.conn];
    bool same_conn = k->gen == x.conn_gen;
    switch (x.kind) {
    case WIRE_CMD: {
        int32_t slot = rc__cmd_from_u(c, ((uint64_t)x.cmd_gen << 32) | x.cmd_slot);
        if (slot == RC_NIL_IDX || rc__cmd(c, slot)->attempts != x.attempt ||
            rc__cmd(c, slot)->where != W_INFLIGHT || rc__cmd(c, slot)->lane != x.lane)
            return; /* its caller was already told (timeout, retry, lost connection) */
        if (x.rep.status == RS_R_REFUSED || x.rep.status == RS_R_RESET) {
            /* the socket was dead without our knowing (e.g. partitioned
             * while the server restarted): the connection is lost, and the
             * kind fails what was in flight on it */
            if (same_conn && k->state == CONN_CONNECTED)
                rc__conn_lost(c, x.conn, x.rep.status == RS_R_RESET ? "reset" : "refused");
            else
                c->hooks->reply(c, slot, &x.rep);
            return;
        }
        c->hooks->reply(c, slot, &x.rep);
        return;
    }
    case WIRE_CONNECT:
        if (!same_conn || k->state != CONN_CONNECTING)
            return;
        if (x.rep.status == RS_R_OK) {
            conn_up(c, x.conn, x.rep.epoch);
        } else {
            eng_cancel(c->env.e, k->timer);
            k->timer = 0;
            k->last_error = RECONNECT_ERR_REFUSED;
            k->gen++;
            rc__conn_set(c, x.conn, CONN_DISCONNECTED, "connect_refused");
            c->hooks->connect_failed(c, x.conn);
        }
        return;
    case WIRE_SUBSCRIBE:
    case WIRE_PING:
        eng_cancel(c->env.e, x.ack_timer);
        if (same_conn && k->state == CONN_CONNECTED &&
            (x.rep.status == RS_R_REFUSED || x.rep.status == RS_R_RESET))
            rc__conn_lost(c, x.conn, "reset");
        return;
    }
}

/* ---- connections ------------------------------------------------------------- */

const char *rc__conn_state_name(rc_cstate s)
{
    static const char *const n[] = {"connected", "disconnected", "connecting", "stuck_reset",
                                    "stopped"};
    assert(s >= CONN_CONNECTED && s <= CONN_STOPPED);
    return n[s];
}

void rc__conn_set(redis_client *c, int conn, rc_cstate to, const char *why)
{
    rc_conn *k = &c->conn[conn];
    if (c->env.rows && (k->state != to || to == CONN_CONNECTING)) {
        char reason[96];
        snprintf(reason, sizeof reason, "%s.%s: %s", c->name, k->label, why);
        rows_transition(c->env.rows, eng_now(c->env.e), c->env.node, "connection",
                        rc__conn_state_name(k->state), rc__conn_state_name(to), reason);
    }
    k->state = to;
}

static void connect_timeout_ev(engine *e, void *obj, uint64_t u)
{
    (void)e;
    redis_client *c = obj;
    int conn = (int)(uint32_t)u;
    rc_conn *k = &c->conn[conn];
    if (k->gen != (uint32_t)(u >> 32) || k->state != CONN_CONNECTING)
        return;
    k->timer = 0;
    k->last_error = RECONNECT_ERR_OTHER;
    k->gen++; /* a late connect reply belongs to the abandoned attempt */
    rc__conn_set(c, conn, CONN_DISCONNECTED, "connect_timeout");
    c->hooks->connect_failed(c, conn);
}

void rc__connect(redis_client *c, int conn, const char *why)
{
    rc_conn *k = &c->conn[conn];
    assert(k->state != CONN_CONNECTED && k->state != CONN_CONNECTING);
    sim_ns now = eng_now(c->env.e);
    eng_cancel(c->env.e, k->timer);
    k->attempt++;
    k->last_attempt = now;
    reconnect_stuck_on_attempt(&k->stuck, now);
    c->counts.reconnect_attempts++;
    rc__conn_set(c, conn, CONN_CONNECTING, why);
    send_control(c, conn, WIRE_CONNECT, -1);
    k->timer = eng_after(c->env.e, c->p.connect_timeout, connect_timeout_ev, c,
                         ((uint64_t)k->gen << 32) | (uint32_t)conn);
}

void rc__conn_lost(redis_client *c, int conn, const char *why)
{
    rc_conn *k = &c->conn[conn];
    if (k->state != CONN_CONNECTED)
        return;
    eng_cancel(c->env.e, k->timer);
    k->timer = 0;
    k->gen++;
    k->attempt = 0;
    k->lost_at = k->last_attempt = eng_now(c->env.e);
    k->last_error = RECONNECT_ERR_OTHER;
    reconnect_stuck_on_progress(&k->stuck, k->lost_at); /* the stuck clock starts here */
    rc__conn_set(c, conn, CONN_DISCONNECTED, why);
    c->hooks->conn_lost(c, conn);
}

/* The socket closed by the server reaches the client (FIN after one way). */
static void conn_closed_ev(engine *e, void *obj, uint64_t u)
{
    (void)e;
    redis_client *c = obj;
    int conn = (int)(uint32_t)u;
    if (c->conn[conn].gen == (uint32_t)(u >> 32))
        rc__conn_lost(c, conn, "server_closed");
}

/* Server listener: its process went away.  Each connection of that life
 * learns it one link-way later, unless the link is partitioned (then it
 * learns from a RESET/REFUSED reply on its next use). */
void rc__on_server_gone(void *ctx, uint64_t epoch)
{
    redis_client *c = ctx;
    for (int i = 0; i < 2; i++) {
        rc_conn *k = &c->conn[i];
        if (k->state != CONN_CONNECTED || k->epoch != epoch ||
            net_partitioned(c->env.net, c->env.link))
            continue;
        sim_ns d = net_rtt(c->env.net, c->env.link) / 2;
        eng_after(c->env.e, d, conn_closed_ev, c, ((uint64_t)k->gen << 32) | (uint32_t)i);
    }
}

/* ---- the reconnect schedule (pool and single: one connection each) -------- */

static void reconnect_ev(engine *e, void *obj, uint64_t u)
{
    (void)e;
    redis_client *c = obj;
    int conn = (int)(uint32_t)u;
    rc_conn *k = &c->conn[conn];
    if (k->gen != (uint32_t)(u >> 32) ||
        (k->state != CONN_DISCONNECTED && k->state != CONN_STUCK_RESET))
        return;
    k->timer = 0;
    rc__connect(c, conn, "reconnect");
}

bool rc__stuck_check(redis_client *c, int conn, bool stuck_on)
{
    rc_conn *k = &c->conn[conn];
    if (!stuck_on || !reconnect_stuck_force_reset_if_stuck(&k->stuck, eng_now(c->env.e)))
        return false;
    eng_cancel(c->env.e, k->timer);
    k->timer = 0;
    k->attempt = 0;
    c->counts.stuck_resets++;
    rc__conn_set(c, conn, CONN_STUCK_RESET, "stuck_retry_reset");
    return true;
}

void rc__schedule_reconnect(redis_client *c, int conn, const reconnect_params *rp, int attempt)
{
    rc_conn *k = &c->conn[conn];
    sim_ns d = reconnect_delay(rp, attempt, k->last_error, &c->rand);
    if (d == RECONNECT_STOP) {
        rc__conn_set(c, conn, CONN_STOPPED, "schedule_stop");
        return;
    }
    assert(d >= 0);
    k->timer = eng_after(c->env.e, d, reconnect_ev, c, ((uint64_t)k->gen << 32) | (uint32_t)conn);
}
