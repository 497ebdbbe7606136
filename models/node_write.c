/* node_write.c — the distributed side (H), Set/Remove/Expire, eager refresh (moved from node.c; see node.c for the flow order
 * and node_impl.h for what the flow files share). */
#include "models/node_impl.h"

/* ===================================================================== *
 * H: distributed side (L2 write, dlock release, publish)                 *
 * ===================================================================== */

static void h_publish(flow *f);

static void h_finish(flow *f)
{
    release_dlock(f);
    answer(f, WL_OK);
    flow_end(f);
}

void h_begin(flow *f)
{
    node *n = f->n;
    if (!n->p.l2_enabled || !n->env.rc) {
        h_publish(f);
        return;
    }
    if (!l2_allow(n)) { /* an open breaker counts as a failure: recovery, no publish */
        ar_add(f, f->action);
        h_finish(f);
        return;
    }
    if (n->p.background_l2 && f->req) /* fire-and-forget chain: answer first */
        answer(f, WL_OK);
    if (f->action == BP_SET)
        l2_write(f, H_L2_DONE);
    else
        l2_del(f, H_L2_DONE);
}

void h_l2_done(flow *f)
{
    if (f->res != R_OK && f->res != R_NIL) {
        trace(f, "l2.write", "failed res=%d", f->res);
        ar_add(f, f->action);
        h_finish(f);
        return;
    }
    release_dlock(f);
    h_publish(f);
}

static void h_publish(flow *f)
{
    node *n = f->n;
    if (!n->p.bp.enabled || !n->env.bp_rc) {
        h_finish(f);
        return;
    }
    /* a normal publish first deletes any pending recovery item (§3) */
    ar_del(&n->bp.ar, f->key);
    if (n->bp.down) {
        ar_add(f, f->action);
        h_finish(f);
        return;
    }
    bp_action a = f->action;
    if (a == BP_EXPIRE && !n->p.fail_safe)
        a = BP_REMOVE; /* PublishExpireAsync: EntryExpire only with fail-safe */
    f->tag++;
    f->pending++;
    bool bg = n->p.background_backplane;
    bp_publish(&n->bp, a, f->key, f->ts, f->sync && !bg, on_l2, f, f->tag);
    trace(f, "publish", "%s%s", bp_action_name(a), bg ? " (background)" : "");
    if (bg && f->req)
        answer(f, WL_OK); /* the publish completes in the background */
    park(f, H_PUBLISH_DONE);
}

void h_publish_done(flow *f)
{
    if (f->res != R_OK && f->res != R_NIL)
        ar_add(f, f->action);
    h_finish(f);
}

/* ===================================================================== *
 * Set / Remove / Expire                                                  *
 * ===================================================================== */

void op_set(flow *f)
{
    node *n = f->n;
    sim_ns now = eng_now(n->e);
    f->ts = now;
    l1_entry *e = l1_put(&n->l1, f->key, NULL);
    if (e) {
        dec_l1_expiry(n, now, e);
        e->ts = now;
        dec_outage_clamp(n, now, e);
    }
    f->action = BP_SET;
    h_begin(f);
}

void op_remove(flow *f)
{
    node *n = f->n;
    f->ts = eng_now(n->e);
    l1_remove(&n->l1, f->key);
    f->action = BP_REMOVE;
    h_begin(f);
}

void op_expire(flow *f)
{
    node *n = f->n;
    f->ts = eng_now(n->e);
    l1_entry *e = l1_peek(&n->l1, f->key);
    if (e) {
        if (n->p.fail_safe)
            l1_expire(e);
        else
            l1_remove(&n->l1, f->key);
    }
    f->action = BP_EXPIRE; /* L2: removed (§1 ExpireAsync) */
    h_begin(f);
}

/* ===================================================================== *
 * Eager refresh (§1 B)                                                   *
 * ===================================================================== */

void eager_spawn(node *n, uint32_t key)
{
    /* the memory lock with timeout 0 (stampede_eager_lock_timeout) */
    flow *f = flow_new(n, FL_EAGER, key, NULL);
    bool got = ml_acquire(&n->ml, key, &f->mlw, from_cp(stampede_eager_lock_timeout()));
    bool use_dl = stampede_use_distributed_lock(n->p.distributed_lock && l2_usable(n), &n->fo);
    if (stampede_eager_decision(true, got, use_dl, false) == STAMPEDE_EAGER_SKIP_MEMORY_BUSY) {
        f->done = true;
        maybe_free(f);
        return;
    }
    f->has_mlock = true;
    stats_add(n->st, n->id, n->id_eager, 1);
    f->step = EG_BEGIN;
    wp_submit(&n->pool, &f->job); /* Task.Run */
}

static void eg_dl_done(dl_wait *w, int outcome)
{
    flow *f = (flow *)((char *)w - offsetof(flow, dlw));
    f->has_dlock = outcome == 1;
    if (stampede_eager_decision(true, true, true, f->has_dlock) != STAMPEDE_EAGER_START) {
        trace(f, "eager", "already occurring on another node");
        release_mlock(f);
        flow_end(f);
        return;
    }
    factory_start(f); /* no L2 re-check first (§1 B 4) */
}

void eg_begin(flow *f)
{
    node *n = f->n;
    if (stampede_use_distributed_lock(n->p.distributed_lock && l2_usable(n), &n->fo)) {
        f->owner = ((uint64_t)n->id << 40) | ++n->owner_seq;
        f->dlw.try_once = dl_try;
        f->dlw.done = eg_dl_done;
        dl_acquire(&f->dlw, n->e, n->rng_lock, &n->p.dlock, from_cp(stampede_eager_lock_timeout()));
        return;
    }
    factory_start(f);
}
