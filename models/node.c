/* node.c — the cache library's flows as state machines (see node.h):
 * decisions, dispatch, setup.  The flows themselves are in node_flow.c,
 * node_getorset.c, node_write.c and node_backplane.c (node_impl.h).
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
#include "models/node_impl.h"

/* MemoryCache's ExpirationScanFrequency (1 min). */
#define L1_SCAN_INTERVAL SEC(60)

static void sweep_fire(engine *e, void *obj, uint64_t u);

/* ===================================================================== *
 * Decisions — thin adapters over policy/ (fusioncache.md §1–2): the     *
 * node's FusionCache options live in n->fo; policy speaks CP_INFINITE   *
 * for "no timeout", the models SIM_NEVER.                               *
 * ===================================================================== */

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

/* An answer from the cache (L1, or L2 into L1): the outage story outputs.
 * resilience.md §1.5: no L1 entry outlives outage start + outage_max_ttl;
 * outage_old_hit is the latest served hit, after the last outage start, on
 * an entry inserted before it (the largest over outages).  A remote-only
 * cache has no such hits. */
void note_cache_answer(node *n, const l1_entry *e)
{
    sim_ns now = eng_now(n->e);
    if (br_is_open(n))
        stats_add(n->st, n->id, n->id_open_hits, 1);
    if (e && n->outage_start >= 0 && e->inserted < n->outage_start && now - n->outage_start > n->outage_old_hit)
        n->outage_old_hit = now - n->outage_start;
}

/* A fresh L1 entry's expiry (§1 "Expiration arithmetic"); in HCL outage
 * mode the TTL is clamped to outage_max_ttl (resilience.md §1.5). */
void dec_l1_expiry(node *n, sim_ns now, l1_entry *e)
{
    e->logical_exp = fresh_l1_logical_expiry(&n->fo, now, &n->rand);
    cp_ns phys = fresh_l1_physical_expiry(&n->fo, now, &n->rand);
    e->physical_exp = phys == FRESH_REMOVE ? now : phys;
    e->eager_at = from_cp(fresh_eager_point(&n->fo, now, e->logical_exp));
    e->stale = false;
    e->inserted = now;
}

void dec_outage_clamp(node *n, sim_ns now, l1_entry *e)
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
bool l2_valid(const node *n, sim_ns ts, sim_ns now)
{
    return fresh_is_valid(fresh_l2_logical_expiry(&n->fo, ts), now);
}

/* ===================================================================== *
 * Dispatch                                                               *
 * ===================================================================== */

void run_step(flow *f)
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
    /* FusionCache's own option defaults: the policy library holds them
     * (policy/fc_options.c); the rest are the config schema's defaults
     * (tests/test_defaults.c checks both). */
    fc_entry_options o;
    fc_entry_options_defaults(&o);
    sim_ns lock_timeout = from_cp(o.lock_timeout);
    node_params p = {
        .duration = o.duration,
        .jitter = o.jitter_max_duration,
        .memory_duration = from_cp_optional(o.memory_cache_duration),
        .l2_duration = from_cp_optional(o.distributed_cache_duration),
        .l1_copy_own_expiry = o.l1_copy_own_expiry,
        .fail_safe = o.is_fail_safe_enabled,
        .fail_safe_max = o.fail_safe_max_duration,
        .fail_safe_throttle = o.fail_safe_throttle_duration,
        .factory_soft = from_cp(o.factory_soft_timeout),
        .factory_hard = from_cp(o.factory_hard_timeout),
        .background_completion = o.allow_timed_out_factory_background_completion,
        .l2_soft = from_cp(o.distributed_cache_soft_timeout),
        .l2_hard = from_cp(o.distributed_cache_hard_timeout),
        .eager_threshold = o.eager_refresh_threshold > 0 ? o.eager_refresh_threshold : 0,
        .memory_lock = true,
        /* MemoryLockTimeout ?? LockTimeout, DistributedLockTimeout ?? LockTimeout */
        .memory_lock_timeout = o.memory_lock_timeout == CP_UNSET ? lock_timeout
                                                                  : from_cp(o.memory_lock_timeout),
        .distributed_lock = false,
        .dlock_timeout = o.distributed_lock_timeout == CP_UNSET ? lock_timeout
                                                                : from_cp(o.distributed_lock_timeout),
        .dlock = {.abandon = SEC(30), .poll_min = MS(10), .poll_max = MS(800)},
        .background_l2 = false,
        .background_backplane = true,
        .outage_max_ttl = SIM_NEVER,
        .sync_api = false,
        .l2_enabled = true,
        .hash_commands = true,
        .fallback_db = true,
        .check_connected = false,
        .value_size = 1024,
        .max_flows = 1u << 18,
        .l1 = {.capacity = L1_UNBOUNDED},
        .pool = {.unbounded = false, .min = 8, .max = WP_MAX_WORKERS, .injection = MS(500)},
        .bp = {.enabled = false, .mode = BP_ASYNC, .channel = 0, .auto_recovery = true,
               .ar_delay = SEC(5), .ar_max_items = NO_LIMIT},
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
        eng_after(n->e, L1_SCAN_INTERVAL, sweep_fire, n, 0);
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
    eng_after(e, L1_SCAN_INTERVAL, sweep_fire, n, 0);
}

void node_set_pause(node *n, bool paused) { wp_set_limit(&n->pool, paused ? 0 : NO_LIMIT); }
