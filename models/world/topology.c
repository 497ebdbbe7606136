/* topology.c — config -> params for every model, the wiring, the run, and
 * the outputs (see topology.h).  Nothing here decides behaviour: it maps
 * keys to params, ticks the sampler and turns stats into rows.
 *
 * Series gauges (breaker.open, pool.queue, redis.backlog, redis.up) are set
 * when they change and sampled once per interval; a bucket with no sample
 * carries the previous bucket's value.  Overall gauges: breaker.open is the
 * fraction of nodes open, pool.queue and redis.backlog are sums over nodes,
 * peaks are maxima over nodes.
 */
#include "models/world/topology.h"

#include <assert.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/database.h"
#include "models/faults.h"
#include "models/network.h"
#include "models/node.h"
#include "models/redis_client.h"
#include "models/redis_server.h"
#include "models/runtime.h"
#include "models/workload.h"
#include "policy/breaker.h"
#include "sim/config/config_schema.h"
#include "sim/core/metrics.h"
#include "sim/core/stats.h"

typedef struct world {
    const config *cfg;
    engine *e;
    stats *st;
    run_rows *rows;
    redis_server *srv;
    network *net;
    database db;
    int nn;
    node *nodes;
    redis_client **rc, **bprc;
    runtime *rts; /* per node, for multiplexer clients (SER is .NET) */
    void **targets;
    workload wl;
    faults *ft;
    void *breaker_params;
    int trace_node;
    int64_t trace_request;
    struct br_share *shares; /* l2.breaker.scope = cache: one per cache name */
    int nshares;
} world;

/* ---- config -> params ----------------------------------------------------- */


static const char *backoff_name(cfg_backoff b)
{
    switch (b) {
    case CFG_BACKOFF_CONSTANT: return "constant";
    case CFG_BACKOFF_LINEAR: return "linear";
    case CFG_BACKOFF_EXPONENTIAL: return "exponential";
    case CFG_BACKOFF_FULL_JITTER: return "full_jitter";
    case CFG_BACKOFF_EQUAL_JITTER: return "equal_jitter";
    case CFG_BACKOFF_DECORRELATED_JITTER: return "decorrelated_jitter";
    case CFG_BACKOFF_POLLY_DECORRELATED_V2: return "polly_exponential";
    }
    return "constant";
}

/* Reconnect schedule names of policy/reconnect.h; the multiplexer only
 * knows SE.Redis's own two. */
static const char *reconnect_name(cfg_reconnect_policy r, bool mux)
{
    if (mux)
        return (r == CFG_RECONNECT_LINEAR || r == CFG_RECONNECT_CONSTANT) ? "ser_linear"
                                                                          : "ser_exponential";
    switch (r) {
    case CFG_RECONNECT_STACKEXCHANGE_EXPONENTIAL:
    case CFG_RECONNECT_EXPONENTIAL: return "ser_exponential";
    case CFG_RECONNECT_LINEAR:
    case CFG_RECONNECT_CONSTANT: return "ser_linear";
    case CFG_RECONNECT_IOREDIS_V5: return "ioredis_v5";
    case CFG_RECONNECT_IOREDIS_V6: return "ioredis_v6";
    case CFG_RECONNECT_NODE_REDIS_V4: return "node_redis_v4";
    case CFG_RECONNECT_NODE_REDIS_V5: return "node_redis_v5";
    case CFG_RECONNECT_REDISSON_347: return "redisson_3_47";
    case CFG_RECONNECT_REDISSON_348: return "redisson_3_48";
    case CFG_RECONNECT_SEED004: return "seed004";
    case CFG_RECONNECT_NODE_REDIS_V6_3: return "node_redis_v6_3";
    }
    return "ser_exponential";
}

static rc_params client_params(const cfg_client *c, bool count_l2)
{
    bool pool = c->kind == CFG_CLIENT_POOL;
    rc_params p = rc_defaults(pool ? "pool" : "multiplexer");
    p.timeout = c->timeout;
    p.async_timeout = c->async_timeout;
    p.heartbeat = c->heartbeat;
    p.connect_timeout = c->connect_timeout;
    p.count_l2 = count_l2;
    p.connections = (int)c->connections;
    p.acquire_timeout = c->acquire_timeout == SIM_NEVER ? c->timeout : c->acquire_timeout;
    p.queue_while_disconnected = c->queue_while_disconnected;
    /* fusioncache.md §5 write path: write + sync flush under the write mutex */
    p.write = dist_constant((double)c->flush_cost);
    p.retry_attempts = (int)c->retries.attempts;
    snprintf(p.retry.name, sizeof p.retry.name, "%s", backoff_name(c->retries.backoff));
    p.retry.base = c->retries.interval;
    p.retry.cap = c->retries.cap == SIM_NEVER ? 0 : c->retries.cap;
    p.retry.multiplier = c->retries.multiplier;
    p.retry_refused = c->on_refused == CFG_REFUSED_TIMEOUT;
    rc_schedule *rs = pool ? &p.reconnect : &p.reconnect_mux;
    snprintf(rs->name, sizeof rs->name, "%s", reconnect_name(c->reconnect.policy, !pool));
    rs->base = c->reconnect.base;
    rs->cap = c->reconnect.cap == SIM_NEVER ? 0 : c->reconnect.cap;
    rs->max_attempts = c->reconnect.max_retries == INT64_MAX ? 0 : (int)c->reconnect.max_retries;
    p.stuck_threshold = c->stuck.threshold == INT64_MAX ? 0 : (int)c->stuck.threshold;
    p.stuck_reset = c->stuck.reset == SIM_NEVER ? 0 : c->stuck.reset;
    p.dead_socket_factor = (int)c->dead_socket_factor;
    p.handshake_commands = (int)c->handshake_commands;
    p.sync_connect = c->connect_completion == CFG_CONNECT_SYNC;
    p.backlog_linger = c->backlog_linger;
    if (c->preset != 0) { /* l2.client.preset: the real client's defaults */
        const rc_preset *ps = rc_preset_find(cfg_find_key("l2.client.preset")->names[c->preset]);
        assert(ps != NULL); /* tests/test_redis.c: every config name has a row */
        rc_preset_apply(ps, &p);
    }
    return p;
}

static const char *breaker_kind_name(cfg_breaker_kind k)
{
    switch (k) {
    case CFG_BREAKER_HCL_V1: return "hcl_v1";
    case CFG_BREAKER_SLIDING_WINDOW: return "sliding_window";
    case CFG_BREAKER_POLLY: return "polly";
    case CFG_BREAKER_SIMPLE: return "simple";
    case CFG_BREAKER_NONE: break;
    }
    return "none";
}

/* The breaker kind's params struct filled from l2.breaker (names are the
 * policy descriptors' source names). */
static void *breaker_params(const cfg_breaker *b, cs_err *err)
{
    const char *kind = breaker_kind_name(b->kind);
    const breaker_ops *ops = breaker_kind(kind);
    if (!ops) {
        cs_errf(err, CS_USAGE, "l2.breaker.kind: %s is not a registered breaker", kind);
        return NULL;
    }
    void *p = cs_calloc(1, ops->params_size ? ops->params_size : 1);
    if (ops->defaults)
        ops->defaults(p);
    int bad = 0;
#define SETP(name, v) bad |= breaker_params_set(kind, p, name, (double)(v))
    switch (b->kind) {
    case CFG_BREAKER_HCL_V1:
        SETP("minimum_consecutive_failures", b->min_consecutive_failures);
        SETP("minimum_failure_time", b->min_failure_time);
        SETP("retry_wait_time", b->retry_wait);
        SETP("minimum_consecutive_failures_resume_outage", b->resume_failures);
        SETP("failure_time_from", b->failure_time_from == CFG_FAILTIME_LAST_SUCCESS ? 1 : 0);
        if (b->probe_calls != INT64_MAX)
            SETP("probe_calls", b->probe_calls);
        break;
    case CFG_BREAKER_SLIDING_WINDOW:
        SETP("failure_rate_threshold", b->failure_rate);
        SETP("slow_call_rate_threshold", b->slow_call_rate);
        SETP("slow_call_duration_threshold", b->slow_call_duration);
        SETP("sliding_window_type", b->window_type == CFG_WINDOW_TIME ? 1 : 0);
        SETP("sliding_window_size", b->window_size);
        SETP("minimum_number_of_calls", b->minimum_calls);
        SETP("permitted_number_of_calls_in_half_open_state", b->half_open_calls);
        SETP("wait_duration_in_open_state", b->wait_in_open);
        SETP("wait_interval_kind", b->wait_multiplier == 1.0 ? 0 : 1);
        SETP("wait_multiplier", b->wait_multiplier);
        SETP("automatic_transition_from_open_to_half_open_enabled", b->automatic_transition);
        SETP("max_wait_duration_in_half_open_state",
             b->max_wait_in_half_open == SIM_NEVER ? 0 : b->max_wait_in_half_open);
        break;
    case CFG_BREAKER_POLLY:
        SETP("failure_ratio", b->failure_ratio);
        SETP("minimum_throughput", b->minimum_throughput);
        SETP("sampling_duration", b->sampling_duration);
        SETP("break_duration", b->break_duration);
        break;
    case CFG_BREAKER_SIMPLE:
        SETP("break_duration", b->duration);
        break;
    case CFG_BREAKER_NONE:
        break;
    }
#undef SETP
    char msg[256];
    if (bad || (ops->validate && ops->validate(p, msg, sizeof msg) != 0)) {
        cs_errf(err, CS_USAGE, "l2.breaker: %s", bad ? "a parameter was refused by the breaker" : msg);
        free(p);
        return NULL;
    }
    return p;
}

static void workload_params(const config *c, wl_params *w, cs_err *err)
{
    const cfg_workload *cw = &c->workload;
    memset(w, 0, sizeof *w);
    w->closed = cw->kind == CFG_LOAD_CLOSED;
    w->burst = cw->kind == CFG_LOAD_BURST;
    w->burst_count = (uint32_t)cw->burst.count;
    w->burst_at = cw->burst.at;
    w->burst_spread = cw->burst.spread;
    w->clients = (int)cw->clients;
    w->think = cw->think.d; /* shared, not owned */
    w->timeout = cw->timeout == SIM_NEVER || cw->timeout == 0 ? SIM_NEVER : cw->timeout;
    /* profile: the base rate, then each step as points (a ramp is a ramp
     * point plus its end; a spike is a step up and a step back) */
    w->npoints = 0;
    w->profile[w->npoints++] = (wl_point){.t = 0, .rate = cw->rate};
    double cur = cw->rate;
    for (size_t i = 0; i < cw->profile.n; i++) {
        const cfg_profile_step *s = &cw->profile.v[i];
        if (w->npoints + 2 > WL_MAX_POINTS) {
            cs_errf(err, CS_USAGE, "workload.profile: at most %d points", WL_MAX_POINTS / 2);
            return;
        }
        switch (s->kind) {
        case CFG_PROFILE_STEP:
            w->profile[w->npoints++] = (wl_point){.t = s->at, .rate = s->rate};
            cur = s->rate;
            break;
        case CFG_PROFILE_RAMP:
            w->profile[w->npoints++] = (wl_point){.t = s->at, .rate = cur, .ramp = true};
            w->profile[w->npoints++] = (wl_point){.t = s->at + s->for_, .rate = s->rate};
            cur = s->rate;
            break;
        case CFG_PROFILE_SPIKE:
            w->profile[w->npoints++] = (wl_point){.t = s->at, .rate = s->rate};
            w->profile[w->npoints++] = (wl_point){.t = s->at + s->for_, .rate = cur};
            break;
        }
    }
    /* a point at t = 0 replaces the base rate */
    for (int i = 1; i < w->npoints; i++)
        if (w->profile[i].t <= w->profile[0].t && i == 1) {
            memmove(&w->profile[0], &w->profile[1], (size_t)(w->npoints - 1) * sizeof w->profile[0]);
            w->npoints--;
            break;
        }
    for (int i = 1; i < w->npoints; i++)
        if (w->profile[i].t < w->profile[i - 1].t) {
            cs_errf(err, CS_USAGE, "workload.profile: steps must be in time order");
            return;
        }
    w->keys.count = (uint32_t)(cw->keys.count > UINT32_MAX / 2 ? UINT32_MAX / 2 : cw->keys.count);
    w->keys.popularity = (wl_pop)cw->keys.popularity;
    w->keys.s = cw->keys.s;
    w->keys.hot_keys = cw->keys.hot_fraction;
    w->keys.hot_traffic = cw->keys.hot_share;
    w->keys.range_lo = 0;
    w->keys.range_hi = w->keys.count;
    w->keys.offset = (uint32_t)cw->keys.first;
    if (cw->request.n > WL_MAX_STEPS) {
        cs_errf(err, CS_USAGE, "workload.request: at most %d operations", WL_MAX_STEPS);
        return;
    }
    w->nsteps = (int)cw->request.n;
    for (size_t i = 0; i < cw->request.n; i++) {
        const cfg_request_op *o = &cw->request.v[i];
        w->script[i] = (wl_step){.op = (wl_op)o->op, .keys = (uint32_t)o->keys,
                                 .pick = (wl_pick)o->key, .first = (uint32_t)o->from};
    }
    w->write_ratio = cw->write_ratio;
    w->stop = c->workload.stop != SIM_NEVER && c->workload.stop < c->duration ? c->workload.stop
                                                                              : c->duration;
}

/* The largest key id any request can touch (bounds an "unbounded" L1). */
static uint64_t key_space(const config *c)
{
    uint64_t m = (uint64_t)c->workload.keys.first + (uint64_t)c->workload.keys.count;
    for (size_t i = 0; i < c->workload.request.n; i++) {
        const cfg_request_op *o = &c->workload.request.v[i];
        uint64_t top = (uint64_t)o->from + (uint64_t)o->keys;
        if (o->key != CFG_KEY_RANDOM && top > m)
            m = top;
    }
    return m;
}

static node_params node_params_of(const config *c, const cfg_group *g, world *w)
{
    node_params p = node_defaults();
    const cfg_cache *k = &c->cache;
    p.duration = k->duration;
    p.jitter = k->jitter;
    p.memory_duration = k->memory_duration;
    p.l2_duration = k->l2_duration;
    p.l1_copy_own_expiry = k->l1_copy_own_expiry;
    p.fail_safe = k->fail_safe.enabled;
    p.fail_safe_max = k->fail_safe.max_duration;
    p.fail_safe_throttle = k->fail_safe.throttle;
    p.factory_soft = k->factory_timeout.soft;
    p.factory_hard = k->factory_timeout.hard;
    p.background_completion = k->factory_timeout.background_completion;
    p.l2_soft = k->l2_timeout.soft;
    p.l2_hard = k->l2_timeout.hard;
    p.eager_threshold = k->eager_refresh.kind == CFG_EAGER_THRESHOLD ? k->eager_refresh.threshold : 0;
    if (k->eager_refresh.kind == CFG_EAGER_XFETCH) { /* delta: the mean factory (query) time */
        p.xfetch_beta = k->eager_refresh.beta;
        p.xfetch_delta = (sim_ns)dist_mean(&c->database.service.d);
    }
    p.memory_lock = k->lock.memory;
    p.memory_lock_timeout = k->lock.memory_timeout;
    p.distributed_lock = k->lock.distributed;
    p.dlock_timeout = k->lock.distributed_timeout;
    p.dlock.abandon = k->lock.abandon_timeout;
    p.dlock.poll_min = k->lock.poll_min;
    p.dlock.poll_max = k->lock.poll_max;
    p.background_l2 = k->background_l2;
    p.background_backplane = k->background_backplane;
    p.outage_max_ttl = k->l1.outage_max_ttl;
    p.outage_from_insertion = k->l1.outage_clamp == CFG_CLAMP_INSERTION;
    p.sync_api = c->l2.client.calls == CFG_CALLS_SYNC;
    p.l2_enabled = k->mode != CFG_MODE_LOCAL_ONLY;
    p.hash_commands = true;
    p.fallback_db = c->l2.fallback == CFG_FALLBACK_DATABASE;
    p.check_connected = c->l2.check_connected;
    p.value_size = (uint32_t)c->workload.value_size;
    uint64_t cap = k->l1.enabled && k->mode != CFG_MODE_REMOTE_ONLY ? (uint64_t)k->l1.capacity : 0;
    uint64_t ks = key_space(c);
    if (cap >= ks) { /* every key fits: nothing is ever evicted */
        cap = ks;
        p.l1.no_lru = true;
    }
    if (cap > UINT32_MAX / 4)
        cap = UINT32_MAX / 4;
    p.l1.capacity = (uint32_t)cap;
    p.pool.unbounded = g->workers.min == INT64_MAX;
    p.pool.min = p.pool.unbounded ? 1 : (int)g->workers.min;
    p.pool.max = g->workers.max == INT64_MAX || g->workers.max > 32767 ? 32767 : (int)g->workers.max;
    if (p.pool.max < p.pool.min)
        p.pool.max = p.pool.min;
    p.pool.injection = g->workers.injection;
    p.bp.enabled = c->backplane.enabled && p.l2_enabled;
    p.bp.mode = (bp_mode)c->backplane.receive;
    p.bp.auto_recovery = c->backplane.auto_recovery.enabled;
    p.bp.ar_delay = c->backplane.auto_recovery.delay;
    p.bp.ar_max_items = c->backplane.auto_recovery.max_items == INT64_MAX
                            ? 0
                            : (uint32_t)c->backplane.auto_recovery.max_items;
    char chan[256];
    const char *prefix = c->backplane.channel_prefix && *c->backplane.channel_prefix
                             ? c->backplane.channel_prefix
                             : g->cache_name;
    snprintf(chan, sizeof chan, "%s.Backplane:v2", prefix); /* fusioncache.md §3 */
    p.bp.channel = p.bp.enabled ? rs_channel(w->srv, chan) : 0;
    snprintf(p.breaker_kind, sizeof p.breaker_kind, "%s", breaker_kind_name(c->l2.breaker.kind));
    p.breaker_params = w->breaker_params;
    return p;
}

static int fault_specs(const config *c, ft_spec **out, cs_err *err)
{
    size_t n = c->faults.n;
    ft_spec *s = cs_calloc(n ? n : 1, sizeof *s);
    for (size_t i = 0; i < n; i++) {
        const cfg_fault *f = &c->faults.v[i];
        ft_spec *x = &s[i];
        x->at = f->at;
        x->dur = f->for_;
        x->target = (fault_target)f->target;
        x->kind = (fault_kind)f->kind;
        x->factor = f->factor;
        x->capacity = (int)(f->target == FAULT_TARGET_NODE ? f->workers : f->connections);
        x->mttf = f->mttf == SIM_NEVER ? 0 : f->mttf;
        x->mttr = f->mttr == SIM_NEVER ? 0 : f->mttr;
        if (f->nodes.n) {
            if (f->nodes.n > FAULT_MAX_NODES) {
                free(s);
                return cs_errf(err, CS_USAGE, "faults[%zu].nodes: at most %d nodes", i, FAULT_MAX_NODES);
            }
            for (size_t k = 0; k < f->nodes.n; k++)
                x->nodes[x->nnodes++] = (int)f->nodes.v[k];
        } else if (f->node >= 0) {
            x->nodes[x->nnodes++] = (int)f->node;
        }
    }
    *out = s;
    return 0;
}

/* ---- trace filter --------------------------------------------------------- */

static bool trace_select(void *ctx, const wl_request *r)
{
    world *w = ctx;
    if (w->trace_node >= 0 && r->node != w->trace_node)
        return false;
    return w->trace_request >= 0 && r->id == w->trace_request;
}

static int parse_trace(world *w, const char *f, int64_t *key, bool *all_of_node, cs_err *err)
{
    w->trace_node = -1;
    w->trace_request = -1;
    *key = -1;
    *all_of_node = false;
    if (!f || !*f)
        return 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", f);
    bool any_sel = false;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        long long v;
        if (strcmp(t, "all") == 0)
            *all_of_node = true;
        else if (sscanf(t, "node=%lld", &v) == 1) {
            if (v < 0 || v > 100000)
                return cs_errf(err, CS_USAGE, "--trace node=%lld: not a node number", v);
            w->trace_node = (int)v;
        }
        else if (sscanf(t, "key=%lld", &v) == 1)
            *key = v, any_sel = true;
        else if (sscanf(t, "request=%lld", &v) == 1)
            w->trace_request = v, any_sel = true;
        else
            return cs_errf(err, CS_USAGE,
                           "--trace %s: expected node=N, key=K, request=R or all (comma-separated)", f);
    }
    if (!any_sel)
        *all_of_node = true;
    return 0;
}

/* ---- sampler ---------------------------------------------------------------- */

static void sample_fire(engine *e, void *obj, uint64_t u)
{
    (void)u;
    world *w = obj;
    for (int i = 0; i < w->nn; i++)
        node_sample(&w->nodes[i]);
    sim_ns next = eng_now(e) + w->cfg->interval;
    if (next < w->cfg->duration)
        eng_at(e, next, sample_fire, w, 0);
}

/* ---- outputs ---------------------------------------------------------------- */

static double total_or_zero(const stats *s, int node, const char *name)
{
    int id = stats_find(s, name);
    if (id < 0)
        return 0;
    double v = stats_total(s, node, id);
    return isnan(v) ? 0 : v;
}

static double gauge_max(const stats *s, int node, const char *name)
{
    int id = stats_find(s, name);
    return id < 0 ? NAN : stats_total(s, node, id);
}

/* Every COUNTER and PEAK metric of the table (sim/core/metrics.def) for
 * `node` (-1: the whole run): counters 0 when never counted; a peak is its
 * gauge's maximum, for the whole run the largest node's (0 if never set). */
static void table_metrics(world *w, int node)
{
    const stats *s = w->st;
    for (int m = 0; m < MET_N_METRICS; m++) {
        const metric_info *mi = &metric_table[m];
        if (mi->scope == MS_QUEUE || (mi->scope == MS_RUN && node >= 0))
            continue;
        if (mi->kind == MK_COUNTER) {
            rows_metric(w->rows, node, mi->name, total_or_zero(s, node, mi->name));
        } else if (mi->kind == MK_PEAK) {
            double v = gauge_max(s, node, mi->from);
            if (node < 0 && mi->scope == MS_BOTH) {
                v = NAN;
                for (int i = 0; i < w->nn; i++) {
                    double x = gauge_max(s, i, mi->from);
                    if (!isnan(x) && (isnan(v) || x > v))
                        v = x;
                }
            }
            rows_metric(w->rows, node, mi->name, isnan(v) ? 0 : v);
        }
    }
}

static void latency_metrics(run_rows *rows, const stats *s, int node)
{
    const hist *h = stats_hist(s, node);
    static const struct { const char *name; double q; } Q[] = {
        {"latency.p50_ms", 0.5}, {"latency.p90_ms", 0.9}, {"latency.p99_ms", 0.99},
        {"latency.p999_ms", 0.999}};
    rows_metric(rows, node, "latency.mean_ms", h->count ? hist_mean(h) / 1e6 : NAN);
    for (size_t i = 0; i < sizeof Q / sizeof Q[0]; i++)
        rows_metric(rows, node, Q[i].name, h->count ? hist_quantile(h, Q[i].q) / 1e6 : NAN);
    rows_metric(rows, node, "latency.max_ms", h->count ? (double)h->max / 1e6 : NAN);
}

/* recovery_s (INTERFACES.md): after the last fault ends, the time until the
 * 10 s rolling p99 (max of the bucket p99s in the window) and error rate
 * are within 1.5x of the pre-fault baseline (mean over post-warm-up buckets
 * before the first fault).  NAN when there is no fault or no recovery. */
static double recovery_s(const world *w)
{
    const stats *s = w->st;
    const config *c = w->cfg;
    if (!w->ft || faults_first_start(w->ft) == SIM_NEVER)
        return NAN;
    sim_ns t0 = faults_first_start(w->ft), t1 = faults_last_end(w->ft);
    if (t1 == SIM_NEVER || t1 >= c->duration)
        return NAN;
    size_t nb = stats_nbuckets(s);
    sim_ns iv = stats_interval(s);
    int id_tot = stats_find(s, "requests.total"), id_err = stats_find(s, "requests.error");
    double p99_sum = 0, req = 0, errs = 0;
    int nbase = 0;
    for (size_t b = 0; b < nb; b++) {
        sim_ns start = (sim_ns)b * iv;
        if (start < c->warmup || start + iv > t0)
            continue;
        double q = stats_bucket_quantile(s, -1, b, 0.99);
        if (!isnan(q)) {
            p99_sum += q;
            nbase++;
        }
        req += stats_bucket(s, -1, id_tot, b);
        errs += stats_bucket(s, -1, id_err, b);
    }
    if (!nbase)
        return NAN;
    double base_p99 = p99_sum / nbase, base_err = req > 0 ? errs / req : 0;
    size_t win = (size_t)((SEC(10) + iv - 1) / iv);
    if (win < 1)
        win = 1;
    size_t first = (size_t)((t1 + iv - 1) / iv);
    for (size_t end = first + win; end <= nb; end++) {
        double mx = 0, r = 0, er = 0;
        for (size_t b = end - win; b < end; b++) {
            double q = stats_bucket_quantile(s, -1, b, 0.99);
            if (!isnan(q) && q > mx)
                mx = q;
            r += stats_bucket(s, -1, id_tot, b);
            er += stats_bucket(s, -1, id_err, b);
        }
        double rate = r > 0 ? er / r : 0;
        if (r > 0 && mx <= 1.5 * base_p99 && rate <= 1.5 * base_err + 1e-9)
            return ns_to_s((sim_ns)(end * (size_t)iv) - t1);
    }
    return NAN;
}

/* ---- story outputs (seeds 003 and 004) -------------------------------------- */

/* get_or_set lookups answered by a cache level, per bucket or overall: (L1
 * hits + L2 hits) / lookups (each lookup counts one L1 hit or miss).  A
 * coalesced waiter served by another caller's factory counts as a miss. */
static double hit_ratio_of(double l1h, double l1m, double l2h)
{
    return l1h + l1m > 0 ? (l1h + l2h) / (l1h + l1m) : NAN;
}

static double bucket_sum(const stats *s, int id, size_t b)
{
    if (id < 0)
        return 0;
    double v = stats_bucket(s, -1, id, b);
    return isnan(v) ? 0 : v;
}

/* Seed 004's recovery and load figures, around the faults [t0, t1):
 *   cache.hit_ratio_before   hit ratio over post-warm-up buckets before t0
 *   hit_recovery_s           t1 (Redis back) -> the end of the first bucket
 *                            whose hit ratio is >= 90 % of the one before
 *                            (NULL if never, or no fault ends in the run)
 *   db.rps_before            mean database calls/s in those buckets
 *   db.peak_rps_fault        peak bucket database calls/s during [t0, t1)
 *   db.peak_rps_after        peak bucket database calls/s from t1 on: the
 *                            load spike after a cold restart
 *   db.extra_calls_after     database calls above db.rps_before from t1 to
 *                            the end of the hit-ratio recovery bucket (to the
 *                            end of the run if it never recovers) */
static void recovery_metrics(world *w)
{
    const stats *s = w->st;
    const config *c = w->cfg;
    run_rows *rows = w->rows;
    sim_ns t0 = w->ft ? faults_first_start(w->ft) : SIM_NEVER;
    sim_ns t1 = w->ft ? faults_last_end(w->ft) : SIM_NEVER;
    double nan = NAN;
    double before = nan, db_before = nan, db_fault = nan, db_after = nan, rec = nan, extra = nan;
    if (t0 != SIM_NEVER) {
        size_t nb = stats_nbuckets(s);
        sim_ns iv = stats_interval(s);
        double ivs = ns_to_s(iv);
        int h1 = stats_find(s, "l1.hit"), m1 = stats_find(s, "l1.miss"), h2 = stats_find(s, "l2.hit");
        int db = stats_find(s, "db.calls");
        double sh = 0, sm = 0, s2 = 0, sdb = 0;
        size_t nbase = 0;
        for (size_t b = 0; b < nb; b++) {
            sim_ns start = (sim_ns)b * iv;
            double d = bucket_sum(s, db, b) / ivs;
            if (start >= c->warmup && start + iv <= t0) {
                sh += bucket_sum(s, h1, b), sm += bucket_sum(s, m1, b), s2 += bucket_sum(s, h2, b);
                sdb += d;
                nbase++;
            } else if (start >= t0 && (t1 == SIM_NEVER || start < t1)) {
                db_fault = isnan(db_fault) || d > db_fault ? d : db_fault;
            } else if (t1 != SIM_NEVER && start >= t1) {
                db_after = isnan(db_after) || d > db_after ? d : db_after;
            }
        }
        if (nbase) {
            before = hit_ratio_of(sh, sm, s2);
            db_before = sdb / (double)nbase;
        }
        if (!isnan(before) && t1 != SIM_NEVER && t1 < c->duration) {
            for (size_t b = (size_t)(t1 / iv); b < nb; b++) {
                double r = hit_ratio_of(bucket_sum(s, h1, b), bucket_sum(s, m1, b), bucket_sum(s, h2, b));
                double x = bucket_sum(s, db, b) - db_before * ivs;
                extra = (isnan(extra) ? 0 : extra) + (x > 0 ? x : 0);
                if (!isnan(r) && r >= 0.9 * before) {
                    rec = ns_to_s((sim_ns)(b + 1) * iv - t1);
                    break;
                }
            }
        }
    }
    rows_metric(rows, -1, "cache.hit_ratio_before", before);
    rows_metric(rows, -1, "hit_recovery_s", rec);
    rows_metric(rows, -1, "db.rps_before", db_before);
    rows_metric(rows, -1, "db.peak_rps_fault", db_fault);
    rows_metric(rows, -1, "db.peak_rps_after", db_after);
    rows_metric(rows, -1, "db.extra_calls_after", extra);
}

/* redis.reconnected_after_s (seed 004): the last fault end (Redis back) ->
 * the node's L2 ("cache") interactive connection connected again, read from
 * the connection transitions; whole run: the slowest node.  NULL when no
 * fault ends in the run or a node never reconnects after it. */
static void reconnect_metric(world *w)
{
    sim_ns t1 = w->ft ? faults_last_end(w->ft) : SIM_NEVER;
    double worst = -1;
    for (int i = 0; i < w->nn; i++) {
        double v = NAN;
        for (size_t k = 0; t1 != SIM_NEVER && k < w->rows->transitions.n; k++) {
            const transition_row *t = &w->rows->transitions.v[k];
            if (t->node == i && t->t_ns >= t1 && strcmp(t->component, "connection") == 0 &&
                strcmp(t->to_state, "connected") == 0 && strncmp(t->reason, "cache.interactive", 17) == 0) {
                v = ns_to_s(t->t_ns - t1);
                break;
            }
        }
        rows_metric(w->rows, i, "redis.reconnected_after_s", v);
        worst = isnan(v) || isnan(worst) ? NAN : (v > worst ? v : worst);
    }
    rows_metric(w->rows, -1, "redis.reconnected_after_s", w->nn && worst >= 0 ? worst : NAN);
}

/* Seed 003's breaker figures for one node (-1: the whole run = the earliest
 * first open, the largest spans):
 *   breaker.first_open_s     first fault start -> first breaker open
 *   l2.fail_latency.min_ms / max_ms   durations of failed L2 calls, as the
 *                            breaker recorded them (HCL: 3000 + 3 x (3000 +
 *                            1500) = 16.5 s with the pool free)
 *   l1.outage_old_hit_s      the latest hit, after an outage-mode start, on
 *                            an L1 entry inserted before that start (HCL:
 *                            <= maxTimeToLiveWithRemoteOutage, 300 s) */
static void breaker_story_metrics(world *w, int node)
{
    sim_ns t0 = w->ft ? faults_first_start(w->ft) : SIM_NEVER;
    sim_ns first = -1, fmin = -1, fmax = -1, old = -1;
    for (int i = 0; i < w->nn; i++) {
        const struct node *n = &w->nodes[i];
        if (node >= 0 && i != node)
            continue;
        if (n->br_first_open >= 0 && (first < 0 || n->br_first_open < first))
            first = n->br_first_open;
        if (n->l2_fail_min >= 0 && (fmin < 0 || n->l2_fail_min < fmin))
            fmin = n->l2_fail_min;
        if (n->l2_fail_max > fmax)
            fmax = n->l2_fail_max;
        if (n->outage_old_hit > old)
            old = n->outage_old_hit;
    }
    run_rows *rows = w->rows;
    rows_metric(rows, node, "breaker.first_open_s",
                first >= 0 && t0 != SIM_NEVER ? ns_to_s(first - t0) : NAN);
    rows_metric(rows, node, "l2.fail_latency.min_ms", fmin >= 0 ? (double)fmin / 1e6 : NAN);
    rows_metric(rows, node, "l2.fail_latency.max_ms", fmax >= 0 ? (double)fmax / 1e6 : NAN);
    rows_metric(rows, node, "l1.outage_old_hit_s", old >= 0 ? ns_to_s(old) : NAN);
}

/* Ratios the stories report (seed 004): of user requests (fallback.ratio:
 * database fallbacks per request), and of L2 calls. */
static void ratio_metrics(world *w, int node)
{
    const stats *s = w->st;
    run_rows *rows = w->rows;
    double tot = total_or_zero(s, node, "requests.total");
    double ok = total_or_zero(s, node, "requests.ok"), err = total_or_zero(s, node, "requests.error");
    double fb = total_or_zero(s, node, "fallback.calls");
    double calls = total_or_zero(s, node, "l2.calls"), fail = total_or_zero(s, node, "l2.failures");
    /* of the requests that ended after warm-up (ok and error are exclusive;
     * requests.total counts arrivals, which straddle the warm-up edge) */
    double ended = ok + err;
    rows_metric(rows, node, "requests.success_ratio", ended > 0 ? ok / ended : NAN);
    rows_metric(rows, node, "requests.error_ratio", ended > 0 ? err / ended : NAN);
    rows_metric(rows, node, "fallback.ratio", tot > 0 ? fb / tot : NAN);
    rows_metric(rows, node, "l2.success_ratio", calls > 0 ? (calls - fail) / calls : NAN);
    rows_metric(rows, node, "cache.hit_ratio",
                hit_ratio_of(total_or_zero(s, node, "l1.hit"), total_or_zero(s, node, "l1.miss"),
                             total_or_zero(s, node, "l2.hit")));
}

static void emit_metrics(world *w)
{
    stats *s = w->st;
    run_rows *rows = w->rows;
    for (int node = -1; node < w->nn; node++) {
        table_metrics(w, node);
        latency_metrics(rows, s, node);
        double hits = total_or_zero(s, node, "l1.hit"), miss = total_or_zero(s, node, "l1.miss");
        rows_metric(rows, node, "l1.hit_ratio", hits + miss > 0 ? hits / (hits + miss) : NAN);
        ratio_metrics(w, node);
        breaker_story_metrics(w, node);
    }
    recovery_metrics(w);
    reconnect_metric(w);
    rows_metric(rows, -1, "recovery_s", recovery_s(w));
    size_t flows = 0;
    for (int i = 0; i < w->nn; i++)
        flows += w->nodes[i].flows_peak;
    rows_metric(rows, -1, "sim.flows_peak", (double)flows);
}

/* A gauge's bucket value, carrying the last seen value over empty buckets. */
static double carry(const stats *s, int node, int id, size_t b, double *last)
{
    if (id < 0)
        return NAN;
    double v = stats_bucket(s, node, id, b);
    if (isnan(v))
        return *last;
    *last = v;
    return v;
}

static void emit_series(world *w)
{
    stats *s = w->st;
    run_rows *rows = w->rows;
    size_t nb = stats_nbuckets(s);
    double iv = ns_to_s(stats_interval(s));
    int id_tot = stats_find(s, "requests.total"), id_err = stats_find(s, "requests.error");
    int id_stale = stats_find(s, "requests.stale"), id_hit = stats_find(s, "l1.hit");
    int id_miss = stats_find(s, "l1.miss"), id_db = stats_find(s, "db.calls");
    int id_h2 = stats_find(s, "l2.hit");
    int id_up = stats_find(s, "redis.up"), id_br = stats_find(s, "breaker.open");
    int id_bl = stats_find(s, "redis.backlog"), id_pq = stats_find(s, "pool.queue");
    double *last = cs_calloc((size_t)w->nn * 3 + 1, sizeof *last);
    double last_up = 1;
    for (size_t b = 0; b < nb; b++) {
        double t = (double)b * iv;
        double sum_br = 0, sum_bl = 0, sum_pq = 0;
        for (int node = -1; node < w->nn; node++) {
            double tot = id_tot >= 0 ? stats_bucket(s, node, id_tot, b) : 0;
            double err = id_err >= 0 ? stats_bucket(s, node, id_err, b) : 0;
            double st = id_stale >= 0 ? stats_bucket(s, node, id_stale, b) : 0;
            double h = id_hit >= 0 ? stats_bucket(s, node, id_hit, b) : 0;
            double m = id_miss >= 0 ? stats_bucket(s, node, id_miss, b) : 0;
            double db = id_db >= 0 ? stats_bucket(s, node, id_db, b) : 0;
            rows_series(rows, node, t, "rps", tot / iv);
            rows_series(rows, node, t, "errors", err);
            rows_series(rows, node, t, "latency.p50_ms", stats_bucket_quantile(s, node, b, 0.5) / 1e6);
            rows_series(rows, node, t, "latency.p99_ms", stats_bucket_quantile(s, node, b, 0.99) / 1e6);
            rows_series(rows, node, t, "latency.oldest_inflight_ms", stats_bucket_oldest(s, node, b) / 1e6);
            rows_series(rows, node, t, "l1.hit_ratio", h + m > 0 ? h / (h + m) : NAN);
            double h2 = id_h2 >= 0 ? stats_bucket(s, node, id_h2, b) : 0;
            rows_series(rows, node, t, "cache.hit_ratio", hit_ratio_of(h, m, isnan(h2) ? 0 : h2));
            rows_series(rows, node, t, "db.rps", db / iv);
            rows_series(rows, node, t, "stale_ratio", tot > 0 ? st / tot : NAN);
            if (node >= 0) {
                double br = carry(s, node, id_br, b, &last[3 * node]);
                double bl = carry(s, node, id_bl, b, &last[3 * node + 1]);
                double pq = carry(s, node, id_pq, b, &last[3 * node + 2]);
                rows_series(rows, node, t, "breaker.open", br);
                rows_series(rows, node, t, "redis.backlog", bl);
                rows_series(rows, node, t, "pool.queue", pq);
                sum_br += isnan(br) ? 0 : br;
                sum_bl += isnan(bl) ? 0 : bl;
                sum_pq += isnan(pq) ? 0 : pq;
            }
        }
        rows_series(rows, -1, t, "breaker.open", w->nn ? sum_br / w->nn : 0);
        rows_series(rows, -1, t, "redis.backlog", sum_bl);
        rows_series(rows, -1, t, "pool.queue", sum_pq);
        rows_series(rows, -1, t, "redis.up", carry(s, -1, id_up, b, &last_up));
    }
    free(last);
}

/* ---- the run ------------------------------------------------------------------ */

/* l2.breaker.scope = cache (resilience.md §1.4, HCL: a breaker per cache or
 * shard): one breaker for every node of a cache name; its transitions reach
 * each member node, so each sees (and counts) the shared trip. */
typedef struct br_share {
    const char *name;
    breaker *br;
    node **members;
    int n;
} br_share;

static void share_fanout(breaker_state from, breaker_state to, const char *reason, cp_ns now,
                         void *user)
{
    br_share *sh = user;
    for (int i = 0; i < sh->n; i++)
        node_breaker_transition(sh->members[i], from, to, reason, now);
}

/* The shared breaker of cache `name`, created on first use; NULL on error. */
static br_share *share_for(world *w, const char *name, const node_params *np, cs_err *err)
{
    for (int i = 0; i < w->nshares; i++)
        if (!strcmp(w->shares[i].name, name))
            return &w->shares[i];
    char msg[256];
    breaker *br = breaker_create(np->breaker_kind, np->breaker_params, msg, sizeof msg);
    if (!br) {
        cs_errf(err, CS_USAGE, "l2.breaker: %s", msg);
        return NULL;
    }
    br_share *sh = &w->shares[w->nshares++]; /* sized for one per node */
    *sh = (br_share){.name = name, .br = br, .members = cs_calloc((size_t)w->nn, sizeof(node *))};
    breaker_set_callback(br, share_fanout, sh);
    return sh;
}

static void world_free(world *w)
{
    if (w->ft)
        faults_free(w->ft);
    if (w->wl.n)
        wl_free(&w->wl);
    for (int i = 0; i < w->nn; i++) {
        if (w->nodes && w->nodes[i].br)
            node_free(&w->nodes[i]);
        if (w->bprc && w->bprc[i] && w->bprc[i] != w->rc[i])
            rc_free(w->bprc[i]);
        if (w->rc && w->rc[i])
            rc_free(w->rc[i]);
        if (w->rts)
            rt_free(&w->rts[i]);
    }
    free(w->rts);
    for (int i = 0; i < w->nshares; i++) {
        breaker_free(w->shares[i].br);
        free(w->shares[i].members);
    }
    free(w->shares);
    free(w->nodes);
    free(w->rc);
    free(w->bprc);
    free(w->targets);
    if (w->net)
        net_free(w->net);
    if (w->srv)
        rs_free(w->srv);
    free(w->breaker_params);
    stats_free(w->st);
    eng_free(w->e);
}

int topology_run(const config *cfg, uint64_t seed, const char *trace_filter, run_rows *rows,
                 sim_ns *sim_end, uint64_t *events, cs_err *err)
{
    return topology_run_limited(cfg, seed, trace_filter, NULL, rows, sim_end, events, err);
}

int topology_run_limited(const config *cfg, uint64_t seed, const char *trace_filter,
                         const eng_limits *lim, run_rows *rows, sim_ns *sim_end, uint64_t *events,
                         cs_err *err)
{
    world W = {.cfg = cfg, .rows = rows}, *w = &W;
    int rc = 0;
    int64_t trace_key;
    bool trace_all;
    if ((rc = parse_trace(w, trace_filter, &trace_key, &trace_all, err)))
        return rc;
    if (cfg->node_total < 1 || cfg->node_total > 100000)
        return cs_errf(err, CS_USAGE, "nodes.count: %lld nodes cannot be built", (long long)cfg->node_total);
    w->nn = (int)cfg->node_total;
    if (w->trace_node >= w->nn)
        return cs_errf(err, CS_USAGE, "--trace node=%d: the world has nodes 0..%d (nodes.count %d)",
                       w->trace_node, w->nn - 1, w->nn);
    w->e = eng_new(seed);
    if (lim)
        eng_set_limits(w->e, lim);
    w->st = stats_new(w->e, w->nn, cfg->warmup, cfg->interval, cfg->duration);

    /* Redis server and links */
    rs_params rp = rs_defaults();
    const cfg_redis *cr = &cfg->l2.redis;
    rp.service = cr->service.d;
    const cfg_dist *cmd[RS_CMD_COUNT] = {
        [RS_GET] = &cr->commands.get,     [RS_HMGET] = &cr->commands.hmget,
        [RS_SET] = &cr->commands.set,     [RS_HMSET] = &cr->commands.hmset,
        [RS_EXPIRE] = &cr->commands.expire, [RS_DEL] = &cr->commands.del,
        [RS_PUBLISH] = &cr->commands.publish, [RS_SET_NX_PX] = &cr->commands.set_nx_px,
        [RS_DEL_IF_OWNER] = &cr->commands.del};
    for (int i = 0; i < RS_CMD_COUNT; i++)
        if (cmd[i] && cmd[i]->d.kind)
            rp.cmd_service[i] = cmd[i]->d;
    rp.publish_per_subscriber = cr->publish_per_subscriber;
    rp.cost = cr->cost == CFG_COST_BATCHED ? RS_COST_BATCHED : RS_COST_SERVICE;
    {
        const cfg_redis_exec *x = &cr->exec;
        const sim_ns ex[RS_CMD_COUNT] = {
            [RS_GET] = x->get,         [RS_HMGET] = x->hmget,       [RS_SET] = x->set,
            [RS_HMSET] = x->hmset,     [RS_EXPIRE] = x->expire,     [RS_DEL] = x->del,
            [RS_PUBLISH] = x->publish, [RS_SET_NX_PX] = x->set_nx_px,
            [RS_DEL_IF_OWNER] = x->del_if_owner, [RS_CONNECT] = x->connect,
            [RS_SUBSCRIBE] = x->ping,  [RS_PING] = x->ping};
        /* SUBSCRIBE costs a PING's execution (both tiny) */
        for (int i = 0; i < RS_CMD_COUNT; i++)
            rp.exec[i] = ex[i];
        rp.exec_publish_per_subscriber = x->publish_per_subscriber;
        rp.io_loop = cr->io.loop;
        rp.io_read = cr->io.read;
        rp.io_write = cr->io.write;
        rp.io_publish_write = cr->io.publish_write;
    }
    if (cr->memory != INT64_MAX) /* maxmemory as a key limit: value + ~64 B overhead */
        rp.max_keys = (size_t)(cr->memory / (cfg->workload.value_size + 64));
    if ((size_t)w->nn * 2 + 8 > (size_t)rp.max_subscribers)
        rp.max_subscribers = w->nn * 2 + 8;
    w->srv = rs_new(w->e, w->st, rows, &rp, cfg->interval);
    net_link_params lp = net_link_defaults();
    lp.rtt = cfg->l2.link.rtt.d;
    lp.loss = cfg->l2.link.loss;
    w->net = net_new(w->e, w->nn, &lp, true);

    /* database */
    db_params dp = {.pool = (int)cfg->database.pool, .service = cfg->database.service.d,
                    .load = cfg->database.load_factor,
                    .acquire_timeout = cfg->database.acquire_timeout,
                    .down_latency = MS(1)};
    db_init(&w->db, w->e, w->st, &dp);

    /* breaker params, shared read-only by every node's own breaker */
    w->breaker_params = breaker_params(&cfg->l2.breaker, err);
    if (!w->breaker_params) {
        rc = err->code ? err->code : CS_USAGE;
        goto out;
    }

    /* nodes, group by group */
    w->nodes = cs_calloc((size_t)w->nn, sizeof *w->nodes);
    w->rc = cs_calloc((size_t)w->nn, sizeof *w->rc);
    w->bprc = cs_calloc((size_t)w->nn, sizeof *w->bprc);
    w->targets = cs_calloc((size_t)w->nn, sizeof *w->targets);
    bool l2 = cfg->cache.mode != CFG_MODE_LOCAL_ONLY;
    rc_params cp = client_params(&cfg->l2.client, true);
    rc_params bpp = client_params(&cfg->l2.client, false);
    bool dotnet = strcmp(cp.kind, "multiplexer") == 0; /* SER is .NET (a preset may pick it) */
    rt_params rtp = rt_defaults();
    const cfg_runtime *crt = &cfg->nodes.runtime;
    rtp.platform = crt->platform == CFG_PLATFORM_WINDOWS ? RT_WINDOWS : RT_UNIX;
    rtp.inline_completions = crt->inline_completions;
    rtp.engine_slice = crt->engine_slice;
    rtp.io_workers = (int)crt->io_workers;
    rtp.io_pool_fallback = (int)crt->io_pool_fallback;
    rtp.timers = (rt_timers)crt->timers;
    if (l2 && dotnet)
        w->rts = cs_calloc((size_t)w->nn, sizeof *w->rts);
    char msg[256];
    if (l2 && rc_params_validate(&cp, msg, sizeof msg) != 0) {
        rc = cs_errf(err, CS_USAGE, "l2.client: %s", msg);
        goto out;
    }
    for (int i = 0; i < w->nn; i++) {
        const cfg_group *g = config_node_group(cfg, i);
        node_params np = node_params_of(cfg, g, w);
        if (l2) {
            rc_env env = {.e = w->e, .st = w->st, .rows = rows, .srv = w->srv, .net = w->net,
                          .node = i, .link = i, .name = "cache"};
            if (w->rts) {
                rt_init(&w->rts[i], w->e, w->st, rows, i, &rtp);
                env.rt = &w->rts[i];
            }
            env.trace = trace_all && (w->trace_node < 0 || w->trace_node == i) && trace_filter &&
                        *trace_filter;
            w->rc[i] = rc_new(&env, &cp);
            if (np.bp.enabled) {
                if (cfg->backplane.connection == CFG_CONN_SHARED) {
                    w->bprc[i] = w->rc[i];
                } else {
                    env.name = "backplane";
                    w->bprc[i] = rc_new(&env, &bpp);
                }
            }
        }
        br_share *sh = NULL;
        if (cfg->l2.breaker.scope == CFG_SCOPE_CACHE) {
            if (!w->shares)
                w->shares = cs_calloc((size_t)w->nn, sizeof *w->shares);
            if (!(sh = share_for(w, g->cache_name, &np, err))) {
                rc = err->code;
                goto out;
            }
        }
        node_env ne = {.e = w->e, .st = w->st, .rows = rows, .db = &w->db, .rc = w->rc[i],
                       .shared_br = sh ? sh->br : NULL,
                       .bp_rc = w->bprc[i], .id = i, .rt = w->rts ? &w->rts[i] : NULL,
                       .trace_key = (w->trace_node < 0 || w->trace_node == i) ? trace_key : -1,
                       .trace_all = trace_all && (w->trace_node < 0 || w->trace_node == i) &&
                                    trace_filter && *trace_filter};
        if ((rc = node_init(&w->nodes[i], &ne, &np, err)))
            goto out;
        if (sh)
            sh->members[sh->n++] = &w->nodes[i];
        w->targets[i] = &w->nodes[i];
    }

    /* workload */
    wl_params wp;
    cs_err werr = {0};
    workload_params(cfg, &wp, &werr);
    if (werr.code) {
        rc = werr.code;
        *err = werr;
        goto out;
    }
    wl_init(&w->wl, w->e, w->st, w->nn, &wp, w->targets, node_start);
    w->wl.rows = rows;
    if (w->trace_request >= 0) {
        w->wl.trace_select = trace_select;
        w->wl.trace_ctx = w;
    }

    /* faults */
    ft_spec *specs = NULL;
    if ((rc = fault_specs(cfg, &specs, err)))
        goto out;
    ft_world fw = {.e = w->e, .rows = rows, .srv = w->srv, .net = w->net, .db = &w->db,
                   .nodes = w->nodes, .nnodes = w->nn};
    w->ft = faults_new(&fw, specs, (int)cfg->faults.n, err);
    free(specs);
    if (!w->ft) {
        rc = err->code ? err->code : CS_USAGE;
        goto out;
    }

    /* run */
    wl_begin(&w->wl);
    eng_at(w->e, 0, sample_fire, w, 0);
    eng_run_until(w->e, cfg->duration);
    if (eng_failure(w->e)) { /* the run could not finish (engine.h) */
        rc = cs_errf(err, CS_IO, "the run stopped: %s", eng_failure(w->e));
        goto out;
    }
    for (int i = 0; i < w->nn; i++)
        node_finish(&w->nodes[i]);
    stats_finish(w->st);
    emit_metrics(w);
    emit_series(w);
    stats_hist_rows(w->st, w->rows); /* table hist: the latency distributions */
    if (sim_end)
        *sim_end = eng_now(w->e);
    if (events)
        *events = eng_events(w->e);
out:
    world_free(w);
    return rc;
}
