/* node_flow.c — flow objects, worker hand-offs, L2 access through the breaker, lock release (moved from node.c; see node.c for the flow order
 * and node_impl.h for what the flow files share). */
#include "models/node_impl.h"

static const char *const KIND_NAME[] = {"get_or_set", "set", "remove", "expire",
                                        "backplane_receive", "eager_refresh", "auto_recovery"};

/* ===================================================================== *
 * Flow objects, tracing, worker hand-offs                                *
 * ===================================================================== */

void flow_trace(flow *f, const char *step, const char *fmt, ...)
{
    if (!f->traced || !f->n->env.rows)
        return;
    char buf[192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char full[256];
    snprintf(full, sizeof full, "%s key=%u %s", KIND_NAME[f->kind], f->key, buf);
    rows_trace(f->n->env.rows, eng_now(f->n->e), f->n->id, f->req_id, step, full);
}

void job_fn(wp_job *j)
{
    flow *f = (flow *)j; /* job is the first member */
    f->on_worker = true;
    run_step(f);
}

/* A flow object from the free list, initialised; not yet counted live. */
flow *flow_alloc(node *n, int kind, uint32_t key, wl_request *r)
{
    if (!n->free_flows) {
        cs_grow((void **)&n->blocks, &n->blocks_cap, n->nblocks + 1, sizeof *n->blocks);
        flow *b = cs_calloc(FLOW_BLOCK, sizeof *b);
        n->blocks[n->nblocks++] = b;
        for (int i = FLOW_BLOCK - 1; i >= 0; i--) {
            b[i].next_free = n->free_flows;
            n->free_flows = &b[i];
        }
    }
    flow *f = n->free_flows;
    n->free_flows = f->next_free;
    *f = (flow){.n = n, .req = r, .key = key, .kind = (uint8_t)kind, .l2_ts = -1,
                .req_id = r ? r->id : -1};
    f->job.fn = job_fn;
    f->traced = (r && r->traced) || n->env.trace_all || (int64_t)key == n->env.trace_key;
    if (r)
        r->flow = f;
    return f;
}

/* One more flow in progress ("sim.flows_peak"). */
void flows_enter(node *n)
{
    if (++n->flows_live > n->flows_peak)
        n->flows_peak = n->flows_live;
}

flow *flow_new(node *n, int kind, uint32_t key, wl_request *r)
{
    flow *f = flow_alloc(n, kind, key, r);
    flows_enter(n);
    return f;
}

void maybe_free(flow *f)
{
    if (!f->done || f->pending || f->req || f->on_worker)
        return;
    node *n = f->n;
    if (n->ar_flow == f)
        n->ar_flow = NULL;
    f->done = false;
    f->next_free = n->free_flows;
    n->free_flows = f;
    n->flows_live--;
}

/* Wait for an operation: the worker goes back unless the wait is sync. */
void park(flow *f, int step)
{
    f->step = (uint8_t)step;
    f->parked = true;
    if (f->on_worker && !f->sync) {
        f->on_worker = false;
        wp_release(&f->n->pool);
    }
}

/* The awaited operation completed: continue on the held worker (sync) or
 * as a new pool job (async continuation). */
void wake(flow *f)
{
    assert(f->parked);
    f->parked = false;
    if (f->on_worker)
        run_step(f);
    else
        wp_submit(&f->n->pool, &f->job);
}

/* Give the request its answer; the worker goes with it to the next
 * operation, or back to the pool.  The flow may keep running detached. */
void answer(flow *f, wl_outcome o)
{
    wl_request *r = f->req;
    if (!r)
        return;
    assert(f->on_worker);
    trace(f, "answer", "%s", o == WL_OK ? "ok" : o == WL_STALE ? "stale" : "error");
    f->req = NULL;
    r->flow = NULL;
    f->on_worker = false;
    f->sync = false;
    node *n = f->n;
    if (!wl_op_done(r, o))
        wp_release(&n->pool);
}

void flow_end(flow *f)
{
    f->done = true;
    f->parked = false;
    if (f->on_worker) {
        f->on_worker = false;
        wp_release(&f->n->pool);
    }
    maybe_free(f);
}

/* ===================================================================== *
 * L2 access through the breaker                                          *
 * ===================================================================== */

bool l2_usable(node *n)
{
    if (!n->p.l2_enabled || !n->env.rc)
        return false;
    if (n->p.check_connected && !rc_is_connected(n->env.rc))
        return false;
    return true;
}

/* May an L2 call start now?  Counts a rejection. */
bool l2_allow(node *n)
{
    if (!l2_usable(n))
        return false;
    if (breaker_allow(n->br, eng_now(n->e)))
        return true;
    stats_add(n->st, n->id, n->id_br_rej, 1);
    return false;
}

static int map_status(rc_status s)
{
    if (s == RC_OK)
        return R_OK;
    if (s == RC_NIL)
        return R_NIL;
    if (rc_status_timeout(s))
        return R_TIMEOUT_REAL;
    return R_ERROR;
}

/* The caller-side view of one L2 operation's outcome: l2.calls, and for a
 * failure l2.failures, l2.timeout or l2.error and the failure latency.  A
 * timeout is the client's or FusionCache's own soft/hard L2 timeout (whose
 * late reply is never observed, so each operation counts once). */
static void l2_outcome(node *n, sim_ns latency, bool ok, bool timeout)
{
    stats_add(n->st, n->id, n->id_l2_calls, 1);
    if (ok)
        return;
    /* seed 003: "failures signal 16.5 s after they start" */
    stats_add(n->st, n->id, n->id_l2_failures, 1);
    stats_add(n->st, n->id, timeout ? n->id_l2_to : n->id_l2_err, 1);
    if (n->l2_fail_min < 0 || latency < n->l2_fail_min)
        n->l2_fail_min = latency;
    if (latency > n->l2_fail_max)
        n->l2_fail_max = latency;
}

static void l2_record(node *n, const rc_result *r)
{
    breaker_outcome o = rc_status_ok(r->status) ? BREAKER_SUCCESS : BREAKER_FAILURE;
    breaker_record(n->br, r->completed, r->latency, o);
    l2_outcome(n, r->latency, o == BREAKER_SUCCESS, rc_status_timeout(r->status));
}

/* Completion of an awaited L2 command. */
void on_l2(void *ctx, const rc_result *r)
{
    flow *f = ctx;
    node *n = f->n;
    assert(f->pending > 0);
    f->pending--;
    if (!f->parked || r->tag != f->tag) {
        /* late: a synthetic timeout won and the caller stopped awaiting; its
         * outcome is never observed, so the breaker never hears of it */
        maybe_free(f);
        return;
    }
    if (r->cmd != RS_PUBLISH)
        l2_record(n, r);
    if (f->t_l2) {
        eng_cancel(n->e, f->t_l2);
        f->t_l2 = 0;
        f->pending--;
    }
    f->res = map_status(r->status);
    f->val = r->value;
    wake(f);
}

/* Fire-and-forget completion (EXPIRE after HMSET, dlock release). */
static void on_ignore(void *ctx, const rc_result *r)
{
    flow *f = ctx;
    f->pending--;
    if (r->cmd == RS_EXPIRE)
        l2_record(f->n, r);
    maybe_free(f);
}

/* A synthetic (caller-side) L2 timeout: FusionCache's soft/hard timeout.
 * It never trips `simple` (policy/breaker.h BREAKER_FAILURE_SYNTHETIC). */
static void l2_timer_fire(engine *e, void *obj, uint64_t u)
{
    flow *f = obj;
    f->pending--;
    f->t_l2 = 0;
    if (!f->parked || (uint32_t)u != f->tag) {
        maybe_free(f);
        return;
    }
    breaker_record(f->n->br, eng_now(e), eng_now(e) - f->op_start, BREAKER_FAILURE_SYNTHETIC);
    l2_outcome(f->n, eng_now(e) - f->op_start, false, true);
    f->tag++; /* the real reply, when it comes, is ignored */
    f->res = R_TIMEOUT_SYNTH;
    wake(f);
}

/* Issue an L2 read for f->key and park at `step`, with an optional
 * synthetic timeout. */
void l2_read(flow *f, int step, sim_ns timeout)
{
    node *n = f->n;
    f->tag++;
    f->pending++;
    f->op_start = eng_now(n->e);
    n->l2_reads++;
    if (n->p.hash_commands)
        rc_hmget(n->env.rc, f->key, f->sync, on_l2, f, f->tag);
    else
        rc_get(n->env.rc, f->key, f->sync, on_l2, f, f->tag);
    if (timeout != SIM_NEVER && timeout >= 0) {
        f->pending++;
        f->t_l2 = eng_after(n->e, timeout, l2_timer_fire, f, f->tag);
    }
    park(f, step);
}

void l2_write(flow *f, int step)
{
    node *n = f->n;
    rs_value v = {.version = (uint64_t)f->ts, .stamp = f->ts, .size = n->p.value_size};
    sim_ns ttl = fresh_l2_physical_ttl(&n->fo);
    f->tag++;
    f->pending++;
    f->op_start = eng_now(n->e);
    if (n->p.hash_commands) {
        /* RedisCache: HMSET then EXPIRE, pipelined (fusioncache.md §4 profiler) */
        rc_hmset(n->env.rc, f->key, v, 0, f->sync, on_l2, f, f->tag);
        f->pending++;
        rc_expire(n->env.rc, f->key, ttl, false, on_ignore, f, 0);
    } else {
        rc_set(n->env.rc, f->key, v, ttl, f->sync, on_l2, f, f->tag);
    }
    park(f, step);
}

void l2_del(flow *f, int step)
{
    node *n = f->n;
    f->tag++;
    f->pending++;
    f->op_start = eng_now(n->e);
    rc_del(n->env.rc, f->key, f->sync, on_l2, f, f->tag);
    park(f, step);
}

/* Copy an L2 entry into L1 (§1 E CreateFromOtherEntry). */
void l1_from_l2(node *n, uint32_t key, sim_ns ts)
{
    sim_ns now = eng_now(n->e);
    l1_entry *e = l1_put(&n->l1, key, NULL);
    if (!e)
        return;
    dec_l1_expiry(n, now, e);
    e->ts = ts;
    e->logical_exp = fresh_l1_from_l2_logical_expiry(&n->fo, now, fresh_l2_logical_expiry(&n->fo, ts),
                                                     &n->rand);
    e->eager_at = from_cp(fresh_eager_point(&n->fo, now, e->logical_exp));
    dec_outage_clamp(n, now, e);
}

/* Expire an L1 entry in place, keeping it for fail-safe (§1 ExpireAsync). */
void l1_expire(l1_entry *e)
{
    e->logical_exp = INT64_MIN;
    e->stale = true;
    e->eager_at = SIM_NEVER;
}

/* ===================================================================== *
 * Locks and auto-recovery helpers                                        *
 * ===================================================================== */

static void on_dl_release(void *ctx, const rc_result *r) { on_ignore(ctx, r); }

void release_dlock(flow *f)
{
    if (!f->has_dlock)
        return;
    f->has_dlock = false;
    f->pending++;
    rc_del_if_owner(f->n->env.rc, f->key | LOCK_KEY_BIT, f->owner, false, on_dl_release, f, 0);
}

void release_mlock(flow *f)
{
    if (!f->has_mlock)
        return;
    f->has_mlock = false;
    ml_release(&f->n->ml, f->key);
}

/* Queue an auto-recovery item for f's key (§3: L2 write/remove failure,
 * publish failure, breaker open). */
void ar_add(flow *f, bp_action a)
{
    node *n = f->n;
    if (!n->p.bp.auto_recovery)
        return;
    if (!ar_put(&n->bp.ar, f->key, a, f->ts, eng_now(n->e) + l2_duration(&n->p), n->p.bp.ar_max_items))
        return;
    stats_add(n->st, n->id, n->id_ar_items, 1);
    trace(f, "auto_recovery.add", "action=%s", bp_action_name(a));
    ar_arm(n);
}
