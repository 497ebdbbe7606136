/* params.c — config -> each model's params: the only place that maps config
 * keys to model parameters (world_impl.h).  Nothing here decides behaviour.
 */
#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/world/world_impl.h"
#include "policy/breaker.h"
#include "sim/config/config_schema.h"

/* "No limit" crosses here once: the config writes it as INT64_MAX (counts:
 * `none`, `unbounded`) or SIM_NEVER (durations: `none`).  A model field
 * that is off at 0 (stuck detection, auto-recovery's item limit, MTTF)
 * takes count_or_off / duration_or_off; a schedule's cap and attempts
 * (rc_schedule, where 0 means "the schedule's own default" and < 0 "none")
 * take schedule_limit, so `none` stays none whatever the schedule's default
 * (redisson_equal_jitter caps at 2 s, exponential_max_retries stops at 10). */
static int64_t count_or_off(int64_t v) { return v == INT64_MAX ? 0 : v; }
static sim_ns duration_or_off(sim_ns v) { return v == SIM_NEVER ? 0 : v; }
static int64_t schedule_limit(int64_t v) { return v == INT64_MAX ? -1 : v; } /* SIM_NEVER too */

/* The schedule a client runs: the config's names are the policy's own
 * (sim/config/config_kinds.c); the multiplexer only knows SE.Redis's two. */
static const char *reconnect_name(const char *policy, bool mux)
{
    if (mux)
        return strcmp(policy, "ser_linear") == 0 ? "ser_linear" : "ser_exponential";
    return policy;
}

rc_params world_client_params(const cfg_client *c, bool count_l2)
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
    snprintf(p.retry.name, sizeof p.retry.name, "%s", c->retries.backoff);
    p.retry.base = c->retries.interval;
    p.retry.cap = schedule_limit(c->retries.cap);
    p.retry.multiplier = c->retries.multiplier;
    p.retry_refused = c->on_refused == CFG_REFUSED_TIMEOUT;
    rc_schedule *rs = pool ? &p.reconnect : &p.reconnect_mux;
    snprintf(rs->name, sizeof rs->name, "%s", reconnect_name(c->reconnect.policy, !pool));
    rs->base = c->reconnect.base;
    rs->cap = schedule_limit(c->reconnect.cap);
    rs->max_attempts = (int)schedule_limit(c->reconnect.max_retries);
    p.stuck_threshold = (int)count_or_off(c->stuck.threshold);
    p.stuck_reset = duration_or_off(c->stuck.reset);
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

/* The breaker kind's params struct: the policy's defaults, then every
 * parameter the config holds, by its descriptor name (no per-kind code:
 * a new kind needs nothing here). */
void *world_breaker_params(const cfg_breaker *b, cs_err *err)
{
    const breaker_ops *ops = breaker_kind(b->kind);
    if (!ops) {
        cs_errf(err, CS_USAGE, "l2.breaker.kind: %s is not a registered breaker", b->kind);
        return NULL;
    }
    void *p = cs_calloc(1, ops->params_size ? ops->params_size : 1);
    if (ops->defaults)
        ops->defaults(p);
    int bad = 0;
    for (size_t i = 0; i < b->nparams; i++)
        bad |= cp_param_set_number(ops->param_desc, ops->n_param_desc, p, b->params[i].name,
                                   b->params[i].value);
    char msg[256];
    if (bad || (ops->validate && ops->validate(p, msg, sizeof msg) != 0)) {
        cs_errf(err, CS_USAGE, "l2.breaker: %s", bad ? "a parameter was refused by the breaker" : msg);
        free(p);
        return NULL;
    }
    return p;
}

void world_workload_params(const config *c, wl_params *w, cs_err *err)
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

node_params world_node_params(const config *c, const cfg_group *g, void *breaker_params,
                              redis_server *srv)
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
    if (cap > L1_UNBOUNDED)
        cap = L1_UNBOUNDED;
    p.l1.capacity = (uint32_t)cap;
    p.pool.unbounded = g->workers.min == INT64_MAX;
    p.pool.min = p.pool.unbounded ? 1 : (int)g->workers.min;
    p.pool.max = g->workers.max > WP_MAX_WORKERS ? WP_MAX_WORKERS : (int)g->workers.max; /* incl. unbounded */
    if (p.pool.max < p.pool.min)
        p.pool.max = p.pool.min;
    p.pool.injection = g->workers.injection;
    p.bp.enabled = c->backplane.enabled && p.l2_enabled;
    p.bp.mode = (bp_mode)c->backplane.receive;
    p.bp.auto_recovery = c->backplane.auto_recovery.enabled;
    p.bp.ar_delay = c->backplane.auto_recovery.delay;
    p.bp.ar_max_items = (uint32_t)count_or_off(c->backplane.auto_recovery.max_items);
    char chan[256];
    const char *prefix = c->backplane.channel_prefix && *c->backplane.channel_prefix
                             ? c->backplane.channel_prefix
                             : g->cache_name;
    snprintf(chan, sizeof chan, "%s.Backplane:v2", prefix); /* fusioncache.md §3 */
    p.bp.channel = p.bp.enabled ? rs_channel(srv, chan) : 0;
    snprintf(p.breaker_kind, sizeof p.breaker_kind, "%s", c->l2.breaker.kind);
    p.breaker_params = breaker_params;
    return p;
}

int world_fault_specs(const config *c, ft_spec **out, cs_err *err)
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
        x->mttf = duration_or_off(f->mttf);
        x->mttr = duration_or_off(f->mttr);
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
/* The Redis server of l2.redis (subscribers sized for `nnodes` nodes). */
rs_params world_redis_params(const config *c, int nnodes)
{
    rs_params rp = rs_defaults();
    const cfg_redis *cr = &c->l2.redis;
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
        rp.io_wake = cr->io.wake;
        rp.wake_after = cr->io.wake_after;
        rp.wake_ramp = cr->io.wake_ramp;
    }
    if (cr->memory != INT64_MAX) /* maxmemory as a key limit: value + ~64 B overhead */
        rp.max_keys = (size_t)(cr->memory / (c->workload.value_size + 64));
    if ((size_t)nnodes * 2 + 8 > (size_t)rp.max_subscribers)
        rp.max_subscribers = nnodes * 2 + 8;
    return rp;
}

net_link_params world_link_params(const config *cfg)
{
    net_link_params lp = net_link_defaults();
    lp.rtt = cfg->l2.link.rtt.d;
    lp.loss = cfg->l2.link.loss;
    return lp;
}

db_params world_db_params(const config *cfg)
{
    db_params dp = {.pool = (int)cfg->database.pool, .service = cfg->database.service.d,
                    .load = cfg->database.load_factor,
                    .acquire_timeout = cfg->database.acquire_timeout,
                    .down_latency = MS(1)};
    return dp;
}

rt_params world_runtime_params(const config *cfg)
{
    rt_params rtp = rt_defaults();
    const cfg_runtime *crt = &cfg->nodes.runtime;
    rtp.platform = crt->platform == CFG_PLATFORM_WINDOWS ? RT_WINDOWS : RT_UNIX;
    rtp.inline_completions = crt->inline_completions;
    rtp.engine_slice = crt->engine_slice;
    rtp.io_workers = (int)crt->io_workers;
    rtp.io_pool_fallback = (int)crt->io_pool_fallback;
    rtp.timers = (rt_timers)crt->timers;
    return rtp;
}
