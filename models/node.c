/* node.c — the cache library's flows as state machines (see node.h).
 *
 * Order of GetOrSet follows fusioncache.md §1 A-H exactly:
 *   B  L1 fast path (eager refresh spawn)      GS_BEGIN
 *   C  memory lock (timeout, stale shortcut)   GS_LOCK_RESULT
 *   D  L1 re-check under the lock              GS_LOCKED
 *   E  L2 read (breaker, soft/hard timeout)    GS_L2_DONE
 *   F  distributed lock, L2 re-read, factory   GS_DLOCK_DONE, GS_L2_RECHECK, GS_FACTORY_DONE
 *      factory timeouts, background completion GS_FACTORY_TIMEOUT
 *   G  L1 write, memory lock release           commit()
 *   H  L2 write, dlock release, publish        H_L2_DONE, H_PUBLISH_DONE
 * Set/Remove/Expire share H.  Backplane receive is §3, auto-recovery §3.
 *
 * Worker ownership is explicit: f->on_worker says the flow's current step
 * holds a worker; park() gives it back unless the wait is synchronous;
 * answer() hands it to the request's next operation (or releases it).
 */
#include "models/node.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#define FLOW_BLOCK 256
#define LOCK_KEY_BIT (1ull << 40) /* lock keys live apart from cache keys */

enum flow_kind { FL_GOS = 0, FL_SET, FL_REMOVE, FL_EXPIRE, FL_BP, FL_EAGER, FL_RECOVERY };
static const char *const KIND_NAME[] = {"get_or_set", "set", "remove", "expire",
                                        "backplane_receive", "eager_refresh", "auto_recovery"};

enum step {
    ST_NONE = 0,
    GS_BEGIN,
    GS_LOCK_RESULT,
    GS_L2_DONE,
    GS_DLOCK_DONE,
    GS_L2_RECHECK,
    GS_FACTORY_DONE,
    GS_FACTORY_TIMEOUT,
    H_BEGIN,
    H_L2_DONE,
    H_PUBLISH_DONE,
    BP_BEGIN,
    BP_L2_DONE,
    EG_BEGIN,
    AR_BEGIN,
    AR_L2_DONE,
    AR_WRITE_DONE,
    AR_PUBLISH_DONE,
};

/* Result codes of an awaited operation. */
enum { R_OK = 0, R_NIL, R_ERROR, R_TIMEOUT_REAL, R_TIMEOUT_SYNTH, R_REJECTED };

struct flow {
    wp_job job;
    /* The three waits come one after another and never overlap: the memory
     * lock is granted or timed out (mlw no longer referenced once its fn
     * ran) before the distributed lock starts, and dl_wait's done has run
     * before the factory's database call starts (gs_dlock, eg_begin,
     * factory_start).  Sharing the storage takes 104 bytes off each flow;
     * a backplane storm or a Redis outage holds a million flows. */
    union {
        ml_waiter mlw;
        dl_wait dlw;
        db_call dbc;
    };
    node *n;
    wl_request *req;
    flow *next_free;
    int64_t req_id;
    uint32_t key;
    uint8_t kind, step;
    bp_action action;         /* H: what is being propagated; BP: message action */
    bool sync, on_worker, parked, done, traced;
    bool has_mlock, has_dlock;
    bool factory_timed_out, db_early, db_ok, db_running, timeout_soft;
    bool h_answered;          /* H already answered the request */
    uint16_t pending;         /* outstanding callbacks that reference this flow */
    uint32_t tag;             /* tag of the awaited operation */
    int res;                  /* result of the awaited operation */
    rs_value val;             /* L2 value read */
    sim_ns ts;                /* entry timestamp (factory start, set time, message) */
    sim_ns l2_ts;             /* L2 entry seen (possibly expired), -1 none */
    sim_ns op_start;
    ev_id t_soft, t_l2; /* factory timeout, L2 read timeout */
    uint64_t owner;           /* distributed lock owner token */
};

static void run_step(flow *f);
static void sweep_fire(engine *e, void *obj, uint64_t u);

/* ===================================================================== *
 * Decisions — thin adapters over policy/ (fusioncache.md §1–2): the     *
 * node's FusionCache options live in n->fo; policy speaks CP_INFINITE   *
 * for "no timeout", the models SIM_NEVER.                               *
 * ===================================================================== */

static inline sim_ns from_cp(cp_ns t) { return t == CP_INFINITE || t == CP_NEVER ? SIM_NEVER : t; }
static inline cp_ns to_cp_timeout(sim_ns t) { return t == SIM_NEVER ? CP_INFINITE : t; }
static inline cp_ns to_cp_optional(sim_ns t) { return t == SIM_NEVER ? CP_UNSET : t; }

static double rng_uniform(void *ctx) { return gsl_rng_uniform(ctx); }

/* The FusionCache entry options equivalent to the node's params. */
static void build_options(node *n)
{
    const node_params *p = &n->p;
    fc_entry_options *o = &n->fo;
    fc_entry_options_defaults(o);
    o->duration = p->duration;
    o->lock_timeout = CP_INFINITE;
    o->memory_lock_timeout = to_cp_timeout(p->memory_lock_timeout);
    o->distributed_lock_timeout = to_cp_timeout(p->dlock_timeout);
    o->jitter_max_duration = p->jitter;
    o->is_fail_safe_enabled = p->fail_safe;
    o->fail_safe_max_duration = p->fail_safe_max == SIM_NEVER ? CP_NEVER / 4 : p->fail_safe_max;
    o->fail_safe_throttle_duration = p->fail_safe_throttle;
    o->factory_soft_timeout = to_cp_timeout(p->factory_soft);
    o->factory_hard_timeout = to_cp_timeout(p->factory_hard);
    o->allow_timed_out_factory_background_completion = p->background_completion;
    o->eager_refresh_threshold = p->eager_threshold > 0 ? p->eager_threshold : -1;
    o->memory_cache_duration = to_cp_optional(p->memory_duration);
    o->distributed_cache_duration = to_cp_optional(p->l2_duration);
    o->l1_copy_own_expiry = p->l1_copy_own_expiry;
    o->distributed_cache_soft_timeout = to_cp_timeout(p->l2_soft);
    o->distributed_cache_hard_timeout = to_cp_timeout(p->l2_hard);
    n->rand = (cp_rand){.uniform = rng_uniform, .ctx = n->rng_expiry};
}

static bool in_outage(const node *n) { return n->br_state != BREAKER_CLOSED && n->br_state != BREAKER_DISABLED; }
static bool br_is_open(const node *n) { return n->br_state == BREAKER_OPEN || n->br_state == BREAKER_FORCED_OPEN; }

/* An answer from the cache (L1, or L2 into L1): the outage story outputs.
 * resilience.md §1.5: no L1 entry outlives outage start + outage_max_ttl;
 * outage_old_hit is the latest served hit, after the last outage start, on
 * an entry inserted before it (the largest over outages).  A remote-only
 * cache has no such hits. */
static void note_cache_answer(node *n, const l1_entry *e)
{
    sim_ns now = eng_now(n->e);
    if (br_is_open(n))
        stats_add(n->st, n->id, n->id_open_hits, 1);
    if (e && n->outage_start >= 0 && e->inserted < n->outage_start && now - n->outage_start > n->outage_old_hit)
        n->outage_old_hit = now - n->outage_start;
}

/* A fresh L1 entry's expiry (§1 "Expiration arithmetic"); in HCL outage
 * mode the TTL is clamped to outage_max_ttl (resilience.md §1.5). */
static void dec_l1_expiry(node *n, sim_ns now, l1_entry *e)
{
    e->logical_exp = fresh_l1_logical_expiry(&n->fo, now, &n->rand);
    cp_ns phys = fresh_l1_physical_expiry(&n->fo, now, &n->rand);
    e->physical_exp = phys == FRESH_REMOVE ? now : phys;
    e->eager_at = from_cp(fresh_eager_point(&n->fo, now, e->logical_exp));
    e->stale = false;
    e->inserted = now;
}

static void dec_outage_clamp(node *n, sim_ns now, l1_entry *e)
{
    if (n->p.outage_max_ttl == SIM_NEVER || !in_outage(n))
        return;
    sim_ns cap = now + fresh_outage_ttl_new(CP_NEVER / 4, n->p.outage_max_ttl);
    if (e->logical_exp > cap)
        e->logical_exp = cap;
    if (e->physical_exp > cap)
        e->physical_exp = cap;
}

/* L2 logical expiration = Timestamp + DistributedCacheDuration (§1). */
static bool l2_valid(const node *n, sim_ns ts, sim_ns now)
{
    return fresh_is_valid(fresh_l2_logical_expiry(&n->fo, ts), now);
}

static sim_ns l2_duration(const node_params *p) { return p->l2_duration != SIM_NEVER ? p->l2_duration : p->duration; }

/* ===================================================================== *
 * Flow objects, tracing, worker hand-offs                                *
 * ===================================================================== */

static void flow_trace(flow *f, const char *step, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A trace row for a traced flow.  A macro, so the arguments (names, times
 * in ms) are evaluated only for traced flows: trace sits on every step. */
#define trace(f, ...)                                                                              \
    do {                                                                                           \
        if ((f)->traced)                                                                           \
            flow_trace((f), __VA_ARGS__);                                                          \
    } while (0)
static void flow_trace(flow *f, const char *step, const char *fmt, ...)
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

static void job_fn(wp_job *j)
{
    flow *f = (flow *)j; /* job is the first member */
    f->on_worker = true;
    run_step(f);
}

/* A flow object from the free list, initialised; not yet counted live. */
static flow *flow_alloc(node *n, int kind, uint32_t key, wl_request *r)
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
static void flows_enter(node *n)
{
    if (++n->flows_live > n->flows_peak)
        n->flows_peak = n->flows_live;
}

static flow *flow_new(node *n, int kind, uint32_t key, wl_request *r)
{
    flow *f = flow_alloc(n, kind, key, r);
    flows_enter(n);
    return f;
}

static void maybe_free(flow *f)
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
static void park(flow *f, int step)
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
static void wake(flow *f)
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
static void answer(flow *f, wl_outcome o)
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

static void flow_end(flow *f)
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

static bool l2_usable(node *n)
{
    if (!n->p.l2_enabled || !n->env.rc)
        return false;
    if (n->p.check_connected && !rc_is_connected(n->env.rc))
        return false;
    return true;
}

/* May an L2 call start now?  Counts a rejection. */
static bool l2_allow(node *n)
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
static void on_l2(void *ctx, const rc_result *r)
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
static void l2_read(flow *f, int step, sim_ns timeout)
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

static void l2_write(flow *f, int step)
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

static void l2_del(flow *f, int step)
{
    node *n = f->n;
    f->tag++;
    f->pending++;
    f->op_start = eng_now(n->e);
    rc_del(n->env.rc, f->key, f->sync, on_l2, f, f->tag);
    park(f, step);
}


/* Copy an L2 entry into L1 (§1 E CreateFromOtherEntry). */
static void l1_from_l2(node *n, uint32_t key, sim_ns ts)
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
static void l1_expire(l1_entry *e)
{
    e->logical_exp = INT64_MIN;
    e->stale = true;
    e->eager_at = SIM_NEVER;
}

/* ===================================================================== *
 * Locks and auto-recovery helpers                                        *
 * ===================================================================== */

static void on_dl_release(void *ctx, const rc_result *r) { on_ignore(ctx, r); }

static void release_dlock(flow *f)
{
    if (!f->has_dlock)
        return;
    f->has_dlock = false;
    f->pending++;
    rc_del_if_owner(f->n->env.rc, f->key | LOCK_KEY_BIT, f->owner, false, on_dl_release, f, 0);
}

static void release_mlock(flow *f)
{
    if (!f->has_mlock)
        return;
    f->has_mlock = false;
    ml_release(&f->n->ml, f->key);
}

static void ar_arm(node *n);

/* Queue an auto-recovery item for f's key (§3: L2 write/remove failure,
 * publish failure, breaker open). */
static void ar_add(flow *f, bp_action a)
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

/* ===================================================================== *
 * GetOrSet                                                               *
 * ===================================================================== */

static void factory_start(flow *f);
static void h_begin(flow *f);
static void eager_spawn(node *n, uint32_t key);
static void dl_try(dl_wait *w);

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
static void gs_begin(flow *f)
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
static void gs_lock_result(flow *f)
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
static void dl_try(dl_wait *w)
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
static void gs_l2_done(flow *f)
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
static void gs_dlock_try_done(flow *f)
{
    int r = f->res == R_OK ? 1 : f->res == R_NIL ? 0 : -1;
    /* not acquired and time left: sleep (the worker goes back unless sync),
     * dl_tried schedules the next try; otherwise dl_done runs here */
    if (r == 0 && eng_now(f->n->e) < f->dlw.deadline)
        park(f, GS_DLOCK_DONE);
    dl_tried(&f->dlw, r);
}

/* F: L2 re-read under the distributed lock. */
static void gs_l2_recheck(flow *f)
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
static void factory_start(flow *f)
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

static void gs_factory_done(flow *f)
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
static void gs_factory_timeout(flow *f)
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

static void h_begin(flow *f)
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

static void h_l2_done(flow *f)
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

static void h_publish_done(flow *f)
{
    if (f->res != R_OK && f->res != R_NIL)
        ar_add(f, f->action);
    h_finish(f);
}

/* ===================================================================== *
 * Set / Remove / Expire                                                  *
 * ===================================================================== */

static void op_set(flow *f)
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

static void op_remove(flow *f)
{
    node *n = f->n;
    f->ts = eng_now(n->e);
    l1_remove(&n->l1, f->key);
    f->action = BP_REMOVE;
    h_begin(f);
}

static void op_expire(flow *f)
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

static void eager_spawn(node *n, uint32_t key)
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

static void eg_begin(flow *f)
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

/* ===================================================================== *
 * Backplane receive (§3, §4 modes)                                       *
 * ===================================================================== */

static void bp_begin(flow *f);

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
static void bp_on_message(void *ctx, int channel, const rs_message *m)
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

static void bp_begin(flow *f)
{
    l1_entry *e = NULL;
    if (bp_receive(f->n, f, f->key, f->action, f->ts, f->res, &e)) {
        bp_read_l2(f, e);
        return;
    }
    flow_end(f);
}

static void bp_l2_done(flow *f)
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
static void ar_arm(node *n)
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

static void ar_begin(flow *f)
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

static void ar_l2_done(flow *f)
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

static void ar_write_done(flow *f)
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

static void ar_publish_done(flow *f)
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

/* ===================================================================== *
 * Dispatch                                                               *
 * ===================================================================== */

static void run_step(flow *f)
{
    assert(f->on_worker);
    f->parked = false;
    switch (f->step) {
    case GS_BEGIN: gs_begin(f); break;
    case GS_LOCK_RESULT: gs_lock_result(f); break;
    case GS_L2_DONE: gs_l2_done(f); break;
    case GS_DLOCK_DONE: gs_dlock_try_done(f); break;
    case GS_L2_RECHECK: gs_l2_recheck(f); break;
    case GS_FACTORY_DONE: gs_factory_done(f); break;
    case GS_FACTORY_TIMEOUT: gs_factory_timeout(f); break;
    case H_BEGIN: h_begin(f); break;
    case H_L2_DONE: h_l2_done(f); break;
    case H_PUBLISH_DONE: h_publish_done(f); break;
    case BP_BEGIN: bp_begin(f); break;
    case BP_L2_DONE: bp_l2_done(f); break;
    case EG_BEGIN: eg_begin(f); break;
    case AR_BEGIN: ar_begin(f); break;
    case AR_L2_DONE: ar_l2_done(f); break;
    case AR_WRITE_DONE: ar_write_done(f); break;
    case AR_PUBLISH_DONE: ar_publish_done(f); break;
    default: assert(!"bad flow step");
    }
}

/* Start r's current operation on the worker the request holds (first=false)
 * or in a new request job (first=true). */
static void begin_op(flow *f)
{
    wl_request *r = f->req;
    switch (r->op) {
    case OP_GET_OR_SET: gs_begin(f); break;
    case OP_SET: op_set(f); break;
    case OP_REMOVE: op_remove(f); break;
    case OP_EXPIRE: op_expire(f); break;
    }
}

static void request_job(wp_job *j)
{
    flow *f = (flow *)j;
    f->on_worker = true;
    f->job.fn = job_fn;
    begin_op(f);
}

_Static_assert(sizeof(flow) <= 384, "flow objects stay small: one per operation in progress");

void node_start(void *np, wl_request *r, bool first)
{
    node *n = np;
    if (n->flows_live >= n->p.max_flows) {
        /* stated limit (STYLE.md): an overloaded node refuses the operation
         * instead of growing without bound; counted as an error */
        n->refused++;
        stats_add(n->st, n->id, n->id_refused, 1);
        /* wl_op_done may start the request's next operation from here; it
         * holds a worker only if this one did (a refused first operation
         * never had one) */
        bool holds = !first && !n->start_unheld, prev = n->start_unheld;
        n->start_unheld = !holds;
        bool more = wl_op_done(r, WL_ERROR);
        n->start_unheld = prev;
        if (!more && holds)
            wp_release(&n->pool); /* the request's worker, handed to us */
        return;
    }
    static const int kinds[] = {FL_GOS, FL_SET, FL_REMOVE, FL_EXPIRE};
    flow *f = flow_new(n, kinds[r->op], r->key, r);
    f->sync = n->p.sync_api;
    if (first || n->start_unheld) { /* the request itself needs a worker */
        f->job.fn = request_job;
        wp_submit(&n->pool, &f->job);
        return;
    }
    f->on_worker = true; /* handed over by the previous operation */
    begin_op(f);
}

/* ===================================================================== *
 * Setup, breaker transitions, sampling                                   *
 * ===================================================================== */

node_params node_defaults(void)
{
    node_params p = {
        .duration = SEC(30),
        .jitter = 0,
        .memory_duration = SIM_NEVER,
        .l2_duration = SIM_NEVER,
        .fail_safe = false,
        .fail_safe_max = SEC(86400),
        .fail_safe_throttle = SEC(30),
        .factory_soft = SIM_NEVER,
        .factory_hard = SIM_NEVER,
        .background_completion = true,
        .l2_soft = SIM_NEVER,
        .l2_hard = SIM_NEVER,
        .eager_threshold = 0,
        .memory_lock = true,
        .memory_lock_timeout = SIM_NEVER,
        .distributed_lock = false,
        .dlock_timeout = SIM_NEVER,
        .dlock = {.abandon = SEC(30), .poll_min = MS(10), .poll_max = MS(800)},
        .background_l2 = false,
        .background_backplane = true,
        .outage_max_ttl = SIM_NEVER,
        .sync_api = false,
        .l2_enabled = true,
        .hash_commands = true,
        .fallback_db = true,
        .check_connected = false,
        .value_size = 0,
        .max_flows = 1u << 18,
        .l1 = {.capacity = 100000},
        .pool = {.unbounded = false, .min = 8, .max = 32767, .injection = MS(500)},
        .bp = {.enabled = true, .mode = BP_ASYNC, .channel = 0, .auto_recovery = true,
               .ar_delay = SEC(5)},
        .breaker_kind = "none",
        .breaker_params = NULL,
    };
    return p;
}

/* resilience.md §1.5: at outage start every L1 entry's expiry becomes
 * min(expiry, from + max_ttl) (policy fresh_outage_clamp_existing). */
static void outage_clamp_existing(node *n, sim_ns now)
{
    fresh_outage_from from = n->p.outage_from_insertion ? FRESH_OUTAGE_FROM_INSERTION
                                                        : FRESH_OUTAGE_FROM_OUTAGE_START;
    l1 *c = &n->l1;
    for (uint32_t i = 0; i < c->used_top; i++) {
        l1_entry *e = l1_at(c, i);
        if (!e->live)
            continue;
        sim_ns ins = e->inserted;
        e->logical_exp = fresh_outage_clamp_existing(e->logical_exp, now, ins, n->p.outage_max_ttl, from);
        e->physical_exp = fresh_outage_clamp_existing(e->physical_exp, now, ins, n->p.outage_max_ttl, from);
    }
}

static void on_breaker(breaker_state from, breaker_state to, const char *reason, cp_ns now, void *user)
{
    node_breaker_transition(user, from, to, reason, now);
}

void node_breaker_transition(node *n, breaker_state from, breaker_state to, const char *reason,
                             cp_ns now)
{
    if (n->env.rows)
        rows_transition(n->env.rows, now, n->id, "breaker", breaker_state_name(from),
                        breaker_state_name(to), reason);
    if (to == BREAKER_OPEN || to == BREAKER_FORCED_OPEN) {
        stats_add(n->st, n->id, n->id_br_trips, 1);
        n->br_open_since = now;
        if (n->br_first_open < 0 && stats_counting(n->st)) /* the window trips count in */
            n->br_first_open = now;
    }
    if ((from == BREAKER_OPEN || from == BREAKER_FORCED_OPEN) && n->br_open_since >= 0) {
        stats_add(n->st, n->id, n->id_br_open_s, ns_to_s(now - n->br_open_since));
        n->br_open_since = -1;
    }
    bool was_outage = in_outage(n);
    n->br_state = to;
    if (!was_outage && in_outage(n))
        n->outage_start = now;
    /* HCL outage mode: existing entries are clamped when it starts */
    if (!was_outage && in_outage(n) && n->p.outage_max_ttl != SIM_NEVER)
        outage_clamp_existing(n, now);
    stats_gauge_set(n->st, n->id, n->id_br_open, in_outage(n) ? 1 : 0);
}

static void on_pool(void *user, const char *from, const char *to, const char *why)
{
    node *n = user;
    if (n->env.rows)
        rows_transition(n->env.rows, eng_now(n->e), n->id, "pool", from, to, why);
}

int node_init(node *n, const node_env *env, const node_params *p, cs_err *err)
{
    *n = (node){.p = *p, .env = *env, .id = env->id, .e = env->e, .st = env->st,
                .br_open_since = -1, .br_first_open = -1, .outage_start = -1, .outage_old_hit = -1,
                .l2_fail_min = -1, .l2_fail_max = -1};
    char msg[256];
    if (env->shared_br) {
        n->br = env->shared_br; /* scope: cache — the topology forwards its transitions */
    } else {
        n->br = breaker_create(p->breaker_kind, p->breaker_params, msg, sizeof msg);
        if (!n->br)
            return cs_errf(err, CS_USAGE, "node %d: breaker: %s", env->id, msg);
        breaker_set_callback(n->br, on_breaker, n);
    }
    n->br_state = breaker_get_state(n->br);
    wp_init(&n->pool, n->e, n->st, n->id, &p->pool);
    if (env->rt)
        rt_attach_pool(env->rt, &n->pool);
    n->pool.on_transition = on_pool;
    n->pool.user = n;
    l1_init(&n->l1, &p->l1);
    ml_init(&n->ml, n->e);
    n->rng_expiry = eng_rngf(n->e, "node[%d].expiry", n->id);
    n->rng_lock = eng_rngf(n->e, "node[%d].lock_poll", n->id);
    build_options(n);
    n->bp_was_up = true;
    stats *s = n->st;
    n->id_l1_hit = stats_counter(s, "l1.hit");
    n->id_l1_miss = stats_counter(s, "l1.miss");
    n->id_l2_hit = stats_counter(s, "l2.hit");
    n->id_l2_miss = stats_counter(s, "l2.miss");
    n->id_l2_err = stats_counter(s, "l2.error");
    n->id_l2_to = stats_counter(s, "l2.timeout");
    n->id_factory = stats_counter(s, "factory.calls");
    n->id_factory_err = stats_counter(s, "factory.errors");
    n->id_factory_to = stats_counter(s, "factory.timeouts");
    n->id_mlock_waits = stats_counter(s, "lock.memory.waits");
    n->id_dl_acq = stats_counter(s, "lock.distributed.acquired");
    n->id_dl_to = stats_counter(s, "lock.distributed.timeout");
    n->id_br_trips = stats_counter(s, "breaker.trips");
    n->id_br_open_s = stats_counter(s, "breaker.open_s");
    n->id_br_rej = stats_counter(s, "breaker.rejected");
    n->id_br_open = stats_gauge(s, "breaker.open");
    n->id_failsafe = stats_counter(s, "failsafe.activations");
    n->id_eager = stats_counter(s, "eager.refreshes");
    n->id_ar_items = stats_counter(s, "auto_recovery.items");
    n->id_refused = stats_counter(s, "node.refused");
    n->id_l2_calls = stats_counter(s, "l2.calls");
    n->id_l2_failures = stats_counter(s, "l2.failures");
    n->id_fallback = stats_counter(s, "fallback.calls");
    n->id_open_lookups = stats_counter(s, "breaker.open_lookups");
    n->id_open_hits = stats_counter(s, "breaker.open_hits");
    bp_params bpp = p->bp;
    if (!env->bp_rc)
        bpp.enabled = false;
    bp_init(&n->bp, n->e, s, env->bp_rc, n->id, &bpp, bp_on_message, n);
    n->p.bp.enabled = bpp.enabled;
    stats_gauge_set(s, n->id, n->id_br_open, 0);
    if (p->l1.capacity)
        eng_after(n->e, SEC(60), sweep_fire, n, 0);
    return 0;
}

void node_free(node *n)
{
    if (!n->env.shared_br)
        breaker_free(n->br);
    l1_free(&n->l1);
    ml_free(&n->ml);
    bp_free(&n->bp);
    for (size_t i = 0; i < n->nblocks; i++)
        free(n->blocks[i]);
    free(n->blocks);
    for (size_t i = 0; i < n->nmsg_blocks; i++)
        free(n->msg_blocks[i]);
    free(n->msg_blocks);
}

void node_sample(node *n)
{
    sim_ns now = eng_now(n->e);
    /* a restored backplane subscription sets the auto-recovery barrier to
     * now + AutoRecoveryDelay so other nodes reconnect first (§3; the
     * restore is noticed at the next sample, at most one interval late) */
    if (n->env.bp_rc) {
        bool up = rc_is_connected(n->env.bp_rc);
        if (up && !n->bp_was_up)
            n->ar_barrier = now + n->p.bp.ar_delay;
        n->bp_was_up = up;
    }
    breaker_poll(n->br, now);
    stats_gauge_set(n->st, n->id, n->id_br_open, in_outage(n) ? 1 : 0);
    stats_gauge_set(n->st, n->id, n->pool.id_queue, (double)wp_queue_len(&n->pool));
    stats_gauge_set(n->st, n->id, n->pool.id_workers, n->p.pool.unbounded ? n->pool.busy : n->pool.workers);
}

void node_finish(node *n)
{
    sim_ns now = eng_now(n->e);
    if (n->br_open_since >= 0) {
        stats_add(n->st, n->id, n->id_br_open_s, ns_to_s(now - n->br_open_since));
        n->br_open_since = now;
    }
    wp_finish(&n->pool);
}

/* MemoryCache's expiration scan (ExpirationScanFrequency, 1 min): frees
 * physically expired entries nobody touched. */
static void sweep_fire(engine *e, void *obj, uint64_t u)
{
    (void)u;
    node *n = obj;
    l1_sweep(&n->l1, eng_now(e));
    eng_after(e, SEC(60), sweep_fire, n, 0);
}

void node_set_pause(node *n, bool paused) { wp_set_limit(&n->pool, paused ? 0 : INT32_MAX); }
