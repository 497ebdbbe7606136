/* node_getorset.c — GetOrSet (moved from node.c; see node.c for the flow order
 * and node_impl.h for what the flow files share). */
#include "models/node_impl.h"

/* ===================================================================== *
 * GetOrSet                                                               *
 * ===================================================================== */

/* §1 TryActivateFailSafe (policy failsafe_activate); returns true when a
 * stale value is served. */
static bool fail_safe_activate(flow *f)
{
    node *n = f->n;
    sim_ns now = eng_now(n->e);
    l1_entry *e = l1_get(&n->l1, f->key, now);
    failsafe_input in = {.has_l1_entry = e != NULL, .l1_timestamp = e ? e->ts : 0,
                         .has_l2_entry = f->l2_ts >= 0, .l2_timestamp = f->l2_ts};
    failsafe_result r = failsafe_activate(&n->fo, &in, now);
    if (r.source == FAILSAFE_NONE || r.source == FAILSAFE_DEFAULT_VALUE)
        return false; /* no default value is modelled */
    if (r.source == FAILSAFE_FROM_L2) {
        e = l1_put(&n->l1, f->key, NULL);
        if (!e)
            return false;
        dec_l1_expiry(n, now, e);
        e->ts = f->l2_ts;
    }
    /* FAILSAFE_FROM_L1 is only returned when has_l1_entry was true */
    assert(e);
    e->logical_exp = r.logical_expiry;
    e->stale = r.stale;
    e->eager_at = SIM_NEVER;
    dec_outage_clamp(n, now, e);
    stats_add(n->st, n->id, n->id_failsafe, 1);
    trace(f, "fail_safe", "%s ts=%lld", failsafe_source_name(r.source), (long long)e->ts);
    return true;
}

static void gs_fail(flow *f)
{
    release_mlock(f);
    release_dlock(f);
    bool stale = fail_safe_activate(f);
    answer(f, stale ? WL_STALE : WL_ERROR);
    flow_end(f);
}

static void ml_granted(ml_waiter *w, bool acquired)
{
    flow *f = (flow *)((char *)w - offsetof(flow, mlw));
    f->pending--;
    f->has_mlock = acquired;
    f->res = acquired ? R_OK : R_TIMEOUT_SYNTH;
    wake(f);
}

static void gs_locked(flow *f);

/* B: L1 fast path. */
void gs_begin(flow *f)
{
    node *n = f->n;
    sim_ns now = eng_now(n->e);
    l1_entry *e = l1_get(&n->l1, f->key, now);
    if (br_is_open(n))
        stats_add(n->st, n->id, n->id_open_lookups, 1);
    if (e && fresh_is_valid(e->logical_exp, now)) {
        stats_add(n->st, n->id, n->id_l1_hit, 1);
        note_cache_answer(n, e);
        bool stale = e->stale;
        bool due = fresh_eager_due(e->eager_at == SIM_NEVER ? CP_NEVER : e->eager_at, e->logical_exp, now);
        if (!due && n->p.xfetch_beta > 0 && !stale)
            due = fresh_xfetch_should_recompute(now, n->p.xfetch_delta, n->p.xfetch_beta, e->logical_exp,
                                                &n->rand);
        if (due) {
            e->eager_at = SIM_NEVER; /* fires once per entry */
            eager_spawn(n, f->key);
        }
        trace(f, "l1.hit", "stale=%d", stale);
        answer(f, stale ? WL_STALE : WL_OK);
        flow_end(f);
        return;
    }
    stats_add(n->st, n->id, n->id_l1_miss, 1);
    trace(f, "l1.miss", "%s", e ? "stale entry" : "no entry");
    /* C: memory lock */
    if (!n->p.memory_lock) { /* no coalescing: every miss goes on alone */
        gs_locked(f);
        return;
    }
    sim_ns timeout = from_cp(stampede_memory_lock_timeout(&n->fo, e != NULL));
    f->mlw.fn = ml_granted;
    if (ml_acquire(&n->ml, f->key, &f->mlw, timeout)) {
        f->has_mlock = true;
        gs_locked(f);
        return;
    }
    if (timeout == 0) {
        f->step = GS_LOCK_RESULT;
        run_step(f);
        return;
    }
    stats_add(n->st, n->id, n->id_mlock_waits, 1);
    char tb[32];
    cs_format_duration(timeout, tb, sizeof tb);
    trace(f, "lock.wait", "timeout=%s", tb);
    f->pending++;
    park(f, GS_LOCK_RESULT);
}

/* C: the lock wait ended (stampede_after_memory_lock decides). */
void gs_lock_result(flow *f)
{
    node *n = f->n;
    l1_entry *e = l1_get(&n->l1, f->key, eng_now(n->e));
    stampede_lock_outcome o = stampede_after_memory_lock(f->has_mlock, &n->fo, e != NULL);
    trace(f, "lock.result", "%s", stampede_lock_outcome_name(o));
    if (o == STAMPEDE_RETURN_STALE) {
        answer(f, WL_STALE);
        flow_end(f);
        return;
    }
    gs_locked(f); /* locked, or proceeding without the lock */
}

/* D and E: re-check L1, then L2. */
static void gs_locked(flow *f)
{
    node *n = f->n;
    sim_ns now = eng_now(n->e);
    l1_entry *e = l1_get(&n->l1, f->key, now);
    if (e && fresh_is_valid(e->logical_exp, now)) {
        bool stale = e->stale;
        note_cache_answer(n, e);
        trace(f, "l1.recheck", "hit");
        release_mlock(f);
        answer(f, stale ? WL_STALE : WL_OK);
        flow_end(f);
        return;
    }
    bool has_stale = e != NULL;
    if (n->p.l2_enabled) {
        bool usable = l2_usable(n);
        bool closed = usable && l2_allow(n);
        if (stampede_should_read_l2(usable, &n->fo, closed, has_stale)) {
            sim_ns t = from_cp(timeouts_l2_read(&n->fo, has_stale));
            char tb[32];
            cs_format_duration(t, tb, sizeof tb);
            trace(f, "l2.read", "timeout=%s", tb);
            l2_read(f, GS_L2_DONE, t);
            return;
        }
        trace(f, "l2.skip", "breaker open or client down");
        if (!n->p.fallback_db) { /* MODEL.md "Fallback": fail instead of the database */
            gs_fail(f);
            return;
        }
        stats_add(n->st, n->id, n->id_fallback, 1);
    }
    factory_start(f);
}

/* One SET NX PX try; its reply comes back through on_l2 at GS_DLOCK_DONE.
 * Called on the worker (first try) or from the poll-sleep event. */
void dl_try(dl_wait *w)
{
    flow *f = (flow *)((char *)w - offsetof(flow, dlw));
    node *n = f->n;
    f->tag++;
    f->pending++;
    rc_set_nx_px(n->env.rc, f->key | LOCK_KEY_BIT, f->owner, n->p.dlock.abandon, f->sync, on_l2, f,
                 f->tag);
    park(f, GS_DLOCK_DONE);
}

static void dl_done(dl_wait *w, int outcome)
{
    flow *f = (flow *)((char *)w - offsetof(flow, dlw));
    node *n = f->n;
    if (outcome == 1) {
        f->has_dlock = true;
        stats_add(n->st, n->id, n->id_dl_acq, 1);
    } else {
        stats_add(n->st, n->id, n->id_dl_to, 1);
    }
    trace(f, "dlock", "%s", outcome == 1 ? "acquired" : outcome == 0 ? "timeout" : "error");
    bool l2 = l2_usable(n);
    if (stampede_after_distributed_lock(f->has_dlock, l2) == STAMPEDE_DLOCK_RECHECK_L2) {
        l2_read(f, GS_L2_RECHECK, from_cp(timeouts_l2_read(&n->fo, f->l2_ts >= 0)));
        return;
    }
    factory_start(f); /* not acquired: the factory runs anyway, no fail-safe shortcut */
}

/* Start the distributed lock (§1 F) or go to the factory. */
static void gs_dlock(flow *f)
{
    node *n = f->n;
    if (f->kind == FL_GOS && stampede_use_distributed_lock(n->p.distributed_lock && l2_usable(n), &n->fo)) {
        f->owner = ((uint64_t)n->id << 40) | ++n->owner_seq;
        f->dlw.try_once = dl_try;
        f->dlw.done = dl_done;
        dl_acquire(&f->dlw, n->e, n->rng_lock, &n->p.dlock,
                   from_cp(stampede_distributed_lock_timeout(&n->fo)));
        return;
    }
    factory_start(f);
}

/* E outcome. */
void gs_l2_done(flow *f)
{
    node *n = f->n;
    sim_ns now = eng_now(n->e);
    if (f->res == R_OK) {
        l1_entry *e = l1_peek(&n->l1, f->key);
        f->l2_ts = f->val.stamp;
        /* a valid L2 entry older than the L1 entry is ignored (§1 E) */
        bool newer = !e || f->val.stamp >= e->ts;
        if (l2_valid(n, f->val.stamp, now) && newer) {
            stats_add(n->st, n->id, n->id_l2_hit, 1);
            trace(f, "l2.hit", "ts=%lld", (long long)f->val.stamp);
            l1_from_l2(n, f->key, f->val.stamp);
            note_cache_answer(n, NULL);
            release_mlock(f);
            answer(f, WL_OK);
            flow_end(f);
            return;
        }
    }
    stats_add(n->st, n->id, n->id_l2_miss, 1);
    if (f->res != R_OK && f->res != R_NIL) /* L2 could not answer: database fallback */
        stats_add(n->st, n->id, n->id_fallback, 1);
    trace(f, "l2.miss", "res=%d", f->res);
    gs_dlock(f);
}

/* F: the distributed-lock try answered (through on_l2 + wake). */
void gs_dlock_try_done(flow *f)
{
    int r = f->res == R_OK ? 1 : f->res == R_NIL ? 0 : -1;
    /* not acquired and time left: sleep (the worker goes back unless sync),
     * dl_tried schedules the next try; otherwise dl_done runs here */
    if (r == 0 && eng_now(f->n->e) < f->dlw.deadline)
        park(f, GS_DLOCK_DONE);
    dl_tried(&f->dlw, r);
}

/* F: L2 re-read under the distributed lock. */
void gs_l2_recheck(flow *f)
{
    node *n = f->n;
    if (f->res == R_OK && l2_valid(n, f->val.stamp, eng_now(n->e))) {
        f->l2_ts = f->val.stamp;
        stats_add(n->st, n->id, n->id_l2_hit, 1);
        l1_from_l2(n, f->key, f->val.stamp);
        release_mlock(f);
        release_dlock(f);
        answer(f, WL_OK);
        flow_end(f);
        return;
    }
    factory_start(f);
}

static void db_done(db_call *c, db_status st)
{
    flow *f = (flow *)((char *)c - offsetof(flow, dbc));
    f->pending--;
    f->db_ok = st == DB_OK;
    f->db_running = false;
    if (!f->parked || f->step != GS_FACTORY_DONE) {
        /* a factory timeout is being handled: it will look at db_early */
        f->db_early = true;
        maybe_free(f);
        return;
    }
    if (f->t_soft) {
        eng_cancel(f->n->e, f->t_soft);
        f->t_soft = 0;
        f->pending--;
    }
    wake(f);
}

/* The factory's synthetic timeout (soft or hard, whichever policy chose). */
static void factory_timer_fire(engine *e, void *obj, uint64_t u)
{
    (void)e;
    (void)u;
    flow *f = obj;
    f->pending--;
    f->t_soft = 0;
    if (!f->parked || f->step != GS_FACTORY_DONE || f->factory_timed_out) {
        maybe_free(f);
        return;
    }
    f->factory_timed_out = true;
    stats_add(f->n->st, f->n->id, f->n->id_factory_to, 1);
    f->step = GS_FACTORY_TIMEOUT;
    wake(f);
}

/* F: run the factory on the database with the soft/hard timeout policy chose. */
void factory_start(flow *f)
{
    node *n = f->n;
    sim_ns now = eng_now(n->e);
    l1_entry *e = l1_peek(&n->l1, f->key);
    bool fallback = e != NULL || f->l2_ts >= 0;
    cp_ns chosen = timeouts_factory(&n->fo, fallback);
    f->timeout_soft = timeouts_factory_is_soft(&n->fo, fallback, chosen);
    sim_ns t = from_cp(chosen);
    f->ts = now; /* §1 F: the timestamp is taken just before the factory */
    f->factory_timed_out = f->db_early = false;
    f->db_running = true;
    n->factory_calls++;
    stats_add(n->st, n->id, n->id_factory, 1);
    char tb[32];
    cs_format_duration(t, tb, sizeof tb);
    trace(f, "factory.start", "timeout=%s%s", tb, f->timeout_soft ? " (soft)" : "");
    f->dbc = (db_call){.done = db_done, .node = n->id}; /* the storage was a lock's wait */
    f->pending++;
    db_submit(n->env.db, &f->dbc);
    if (t != SIM_NEVER) {
        f->pending++;
        f->t_soft = eng_after(n->e, t, factory_timer_fire, f, 0);
    }
    park(f, GS_FACTORY_DONE);
}

/* G then H for a new value. */
static void commit_new_value(flow *f)
{
    node *n = f->n;
    sim_ns now = eng_now(n->e);
    l1_entry *e = l1_put(&n->l1, f->key, NULL);
    if (e) {
        dec_l1_expiry(n, now, e);
        e->ts = f->ts;
        dec_outage_clamp(n, now, e);
    }
    release_mlock(f);
    f->action = BP_SET;
    h_begin(f);
}

void gs_factory_done(flow *f)
{
    node *n = f->n;
    if (f->db_ok) {
        trace(f, "factory.done", "ok%s", f->factory_timed_out ? " (background)" : "");
        commit_new_value(f);
        return;
    }
    stats_add(n->st, n->id, n->id_factory_err, 1);
    trace(f, "factory.done", "error");
    if (!f->req) { /* background completion, or an eager refresh */
        release_mlock(f);
        release_dlock(f);
        flow_end(f);
        return;
    }
    gs_fail(f);
}

/* F: the factory's synthetic timeout fired: fail-safe answers the caller;
 * with background completion both locks stay with the running factory. */
void gs_factory_timeout(flow *f)
{
    node *n = f->n;
    bool running = !f->db_early;
    bool bg = timeouts_factory_background_completion(&n->fo, running);
    trace(f, "factory.timeout", "%s background=%d", f->timeout_soft ? "soft" : "hard", bg);
    if (bg) {
        bool stale = fail_safe_activate(f);
        answer(f, stale ? WL_STALE : WL_ERROR);
        park(f, GS_FACTORY_DONE);
        return;
    }
    if (f->db_early) { /* the factory finished meanwhile: use its result */
        f->step = GS_FACTORY_DONE;
        run_step(f);
        return;
    }
    gs_fail(f); /* the db reply is ignored when it comes */
}
