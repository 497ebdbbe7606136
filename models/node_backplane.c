/* node_backplane.c — backplane receive and auto-recovery (moved from node.c; see node.c for the flow order
 * and node_impl.h for what the flow files share). */
#include "models/node_impl.h"

/* ===================================================================== *
 * Backplane receive (§3, §4 modes)                                       *
 * ===================================================================== */

/* Backplane receive (§3) up to the point where it may need L2.  f is the
 * flow, or NULL when the receive runs without one (untraced, see
 * bp_on_message).  Returns false when done; true when the L1 entry *ep is
 * older than an EntrySet and L2 may be read (l2_allow said yes): the
 * caller continues with bp_read_l2 on a flow. */
static bool bp_receive(node *n, flow *f, uint32_t key, bp_action action, sim_ns ts, int sender,
                       l1_entry **ep)
{
    if (sender == n->id) { /* own message: dropped */
        n->bp.dropped_own++;
        return false;
    }
    l1_prefetch(&n->l1, key); /* overlaps with the auto-recovery probe below */
    n->bp_received++;
    stats_add(n->st, n->id, n->bp.id_recv, 1);
    /* auto-recovery conflict check */
    ar_item *it = ar_get(&n->bp.ar, key);
    if (it) {
        if (it->ts > ts)
            return false;
        ar_del(&n->bp.ar, key);
    }
    sim_ns now = eng_now(n->e);
    l1_entry *e = l1_get(&n->l1, key, now);
    if (f)
        trace(f, "backplane.receive", "%s from node %d", bp_action_name(action), sender);
    switch (action) {
    case BP_REMOVE:
        l1_remove(&n->l1, key);
        break;
    case BP_EXPIRE:
        if (e && e->ts < ts)
            l1_expire(e);
        break;
    case BP_SET:
        if (!e || e->ts >= ts) { /* lazy: only nodes holding the key fetch it */
            if (f)
                trace(f, "backplane.decide", "%s",
                      !e ? "no L1 entry: nothing" : "L1 not older: nothing");
            break;
        }
        if (!n->p.l2_enabled || !l2_allow(n)) {
            l1_expire(e);
            break;
        }
        *ep = e;
        return true;
    default:
        break;
    }
    return false;
}

/* §3: the L1 entry e is older than the message: read L2 now. */
static void bp_read_l2(flow *f, const l1_entry *e)
{
    node *n = f->n;
    trace(f, "backplane.decide", "L1 older by %.3f ms: read L2 (%s)",
          ns_to_s(f->ts - e->ts) * 1e3, n->p.bp.mode == BP_SYNC_INLINE ? "blocking" : "awaited");
    n->bp_l2_reads++;
    stats_add(n->st, n->id, n->bp.id_reads, 1);
    /* sync_inline (2.0.1/2.1.0): a blocking HMGET holding this worker */
    f->sync = n->p.bp.mode == BP_SYNC_INLINE;
    l2_read(f, BP_L2_DONE, SIM_NEVER);
}

static void bp_message(node *n, const rs_message *m);
static void bp_msg_job_fn(wp_job *j);

static void bp_message_deliver(void *ctx, uint64_t u, const void *payload)
{
    (void)u;
    bp_message(ctx, payload);
}

/* A pub/sub message reached the subscription socket.  With a .NET runtime
 * on unix the reader sees it only at the socket engine's next pass
 * (seed000-mechanism.md §1.3-1.4); then SER queues the handler (§4.2). */
void bp_on_message(void *ctx, int channel, const rs_message *m)
{
    (void)channel;
    node *n = ctx;
    if (rt_via_pool(n->env.rt)) {
        rt_post(n->env.rt, bp_message_deliver, n, 0, m, sizeof *m);
        return;
    }
    bp_message(n, m);
}

static void bp_message(node *n, const rs_message *m)
{
    if (n->p.bp.mode == BP_IGNORE)
        return; /* IgnoreIncomingBackplaneNotifications: the check runs first in the
                   handler, so the (zero-time) dispatch job is not modelled either */
    if (n->bp.down)
        return;
    /* SER dispatches every handler message as a pool work item (§4.2) */
    uint32_t key = (uint32_t)m->key;
    bool traced = n->env.trace_all || (int64_t)key == n->env.trace_key; /* as flow_alloc */
    if (!traced && wp_begin_now(&n->pool)) {
        /* A worker is free, so the job would run inside wp_submit right
         * now: do its work here, and make a flow only if it reads L2 (most
         * messages find no older L1 entry).  Same steps in the same order
         * as the flow would take, the same flow accounting, no object. */
        flows_enter(n);
        l1_entry *e = NULL;
        if (!bp_receive(n, NULL, key, (bp_action)m->kind, (sim_ns)m->version, m->sender, &e)) {
            wp_release(&n->pool); /* flow_end: the worker goes back, then the flow */
            n->flows_live--;
            return;
        }
        flow *f = flow_alloc(n, FL_BP, key, NULL);
        f->action = (bp_action)m->kind;
        f->ts = (sim_ns)m->version;
        f->res = m->sender;
        f->step = BP_BEGIN;
        f->on_worker = true; /* job_fn */
        bp_read_l2(f, e);
        return;
    }
    {
        /* queued: a small record, not a flow (a starved pool holds 10^5
         * of them; they are not operations in progress until they run) */
        if (!n->free_msgs) {
            cs_grow((void **)&n->msg_blocks, &n->msg_blocks_cap, n->nmsg_blocks + 1,
                    sizeof *n->msg_blocks);
            bp_msg_job *b = cs_calloc(FLOW_BLOCK, sizeof *b);
            n->msg_blocks[n->nmsg_blocks++] = b;
            for (int i = FLOW_BLOCK - 1; i >= 0; i--) {
                b[i].next_free = n->free_msgs;
                n->free_msgs = &b[i];
            }
        }
        bp_msg_job *x = n->free_msgs;
        n->free_msgs = x->next_free;
        *x = (bp_msg_job){.job = {.fn = bp_msg_job_fn}, .n = n, .m = *m};
        wp_submit(&n->pool, &x->job);
        return;
    }
}

/* A queued message's job runs (on a worker already counted busy): the
 * same steps as the inline case in bp_message. */
static void bp_msg_job_fn(wp_job *j)
{
    bp_msg_job *x = (bp_msg_job *)j;
    node *n = x->n;
    rs_message m = x->m;
    x->next_free = n->free_msgs;
    n->free_msgs = x;
    uint32_t key = (uint32_t)m.key;
    if (n->env.trace_all || (int64_t)key == n->env.trace_key) { /* traced: a flow (as flow_alloc) */
        flow *f = flow_new(n, FL_BP, key, NULL);
        f->action = (bp_action)m.kind;
        f->ts = (sim_ns)m.version;
        f->res = m.sender;
        f->step = BP_BEGIN;
        f->on_worker = true;
        bp_begin(f);
        return;
    }
    flows_enter(n);
    l1_entry *e = NULL;
    if (!bp_receive(n, NULL, key, (bp_action)m.kind, (sim_ns)m.version, m.sender, &e)) {
        wp_release(&n->pool);
        n->flows_live--;
        return;
    }
    flow *f = flow_alloc(n, FL_BP, key, NULL);
    f->action = (bp_action)m.kind;
    f->ts = (sim_ns)m.version;
    f->res = m.sender;
    f->step = BP_BEGIN;
    f->on_worker = true;
    bp_read_l2(f, e);
}

void bp_begin(flow *f)
{
    l1_entry *e = NULL;
    if (bp_receive(f->n, f, f->key, f->action, f->ts, f->res, &e)) {
        bp_read_l2(f, e);
        return;
    }
    flow_end(f);
}

void bp_l2_done(flow *f)
{
    node *n = f->n;
    l1_entry *e = l1_get(&n->l1, f->key, eng_now(n->e));
    trace(f, "backplane.l2_read", "res=%d after %.3f ms", f->res,
          ns_to_s(eng_now(n->e) - f->op_start) * 1e3);
    if (e) {
        if (f->res == R_OK && f->val.stamp > e->ts && l2_valid(n, f->val.stamp, eng_now(n->e)))
            l1_from_l2(n, f->key, f->val.stamp);
        else if (!(f->res == R_OK && f->val.stamp == e->ts))
            l1_expire(e);
    }
    flow_end(f);
}

/* ===================================================================== *
 * Auto-recovery (§3)                                                     *
 * ===================================================================== */

static void ar_fire(engine *e, void *obj, uint64_t u);

/* The processing loop waits AutoRecoveryDelay, or until the barrier set at
 * a backplane reconnection if that is later (§3). */
void ar_arm(node *n)
{
    if (n->ar_timer || n->ar_flow || !n->bp.ar.count)
        return;
    sim_ns t = eng_now(n->e) + n->p.bp.ar_delay;
    if (n->ar_barrier > t)
        t = n->ar_barrier;
    n->ar_timer = eng_at(n->e, t, ar_fire, n, 0);
}

static void ar_fire(engine *e, void *obj, uint64_t u)
{
    (void)e;
    (void)u;
    node *n = obj;
    n->ar_timer = 0;
    if (n->ar_flow || !n->bp.ar.count)
        return;
    if (eng_now(n->e) < n->ar_barrier) { /* a reconnection moved the barrier */
        ar_arm(n);
        return;
    }
    ar_item *it = ar_first(&n->bp.ar);
    flow *f = flow_new(n, FL_RECOVERY, it->key, NULL);
    n->ar_flow = f;
    f->step = AR_BEGIN;
    wp_submit(&n->pool, &f->job);
}

/* Stop processing (first failure) and try again after the delay. */
static void ar_stop(flow *f)
{
    node *n = f->n;
    flow_end(f);
    n->ar_flow = NULL;
    ar_arm(n);
}

void ar_begin(flow *f)
{
    node *n = f->n;
    sim_ns now = eng_now(n->e);
    ar_item *it;
    while ((it = ar_first(&n->bp.ar)) && it->expires < now)
        ar_del(&n->bp.ar, it->key);
    if (!it) {
        flow_end(f);
        n->ar_flow = NULL;
        return;
    }
    f->key = it->key;
    f->action = (bp_action)it->action;
    f->ts = it->ts;
    f->traced = n->env.trace_all || (int64_t)f->key == n->env.trace_key;
    trace(f, "auto_recovery.item", "%s", bp_action_name(f->action));
    if (n->p.l2_enabled && n->env.rc) {
        if (!l2_allow(n)) {
            ar_stop(f);
            return;
        }
        if (f->action == BP_SET) {
            if (l1_peek(&n->l1, f->key)) {
                l2_read(f, AR_L2_DONE, SIM_NEVER);
                return;
            }
        } else {
            l2_del(f, AR_WRITE_DONE);
            return;
        }
    }
    f->res = R_OK;
    f->step = AR_WRITE_DONE;
    run_step(f);
}

void ar_l2_done(flow *f)
{
    node *n = f->n;
    if (f->res != R_OK && f->res != R_NIL) {
        ar_stop(f);
        return;
    }
    l1_entry *e = l1_peek(&n->l1, f->key);
    if (f->res == R_OK && e && f->val.stamp > e->ts) { /* L2 is newer: take it, no publish */
        l1_from_l2(n, f->key, f->val.stamp);
        ar_del(&n->bp.ar, f->key);
        f->step = AR_BEGIN;
        run_step(f);
        return;
    }
    if (e)
        f->ts = e->ts;
    l2_write(f, AR_WRITE_DONE);
}

void ar_write_done(flow *f)
{
    node *n = f->n;
    if (f->res != R_OK && f->res != R_NIL) {
        ar_stop(f);
        return;
    }
    if (!n->p.bp.enabled || !n->env.bp_rc) {
        ar_del(&n->bp.ar, f->key);
        f->step = AR_BEGIN;
        run_step(f);
        return;
    }
    if (n->bp.down) {
        ar_stop(f);
        return;
    }
    bp_action a = f->action;
    if (a == BP_EXPIRE && !n->p.fail_safe)
        a = BP_REMOVE;
    f->tag++;
    f->pending++;
    bp_publish(&n->bp, a, f->key, f->ts, false, on_l2, f, f->tag);
    park(f, AR_PUBLISH_DONE);
}

void ar_publish_done(flow *f)
{
    node *n = f->n;
    if (f->res != R_OK && f->res != R_NIL) {
        ar_stop(f);
        return;
    }
    ar_item *it = ar_get(&n->bp.ar, f->key);
    if (it && it->ts <= f->ts)
        ar_del(&n->bp.ar, f->key);
    f->step = AR_BEGIN;
    run_step(f);
}
