/* config_check.c — the rules that involve more than one key: a warm-up
 * shorter than the run, node groups that add up, workers min <= max, key
 * ranges inside the key space, soft <= hard timeouts, faults that fit their
 * target and name nodes that exist, a stable queue; and the Redis cost a
 * config that states a per-command service time means.  Each message points at
 * the key that breaks the rule (or "(defaults)" when both sides are
 * defaults).  Runs after every key has been parsed (config.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sim/config/config_schema.h"
#include "sim/core/fault_kinds.h"

/* ---- cross-key checks ------------------------------------------------- */

/* The mark of the first of the paths present in the tree, for messages. */
static yt_mark mark_of(cfg_ctx *cx, const char *path)
{
    const yt_node *n = yt_find_path(cx->root, path);
    return n ? n->mark : cfg_default_mark;
}

int cfg_check_all(cfg_ctx *cx, config *c)
{
    char a[64], b[64];
    if (c->warmup >= c->duration) {
        config_format_duration(c->warmup, a, sizeof a);
        config_format_duration(c->duration, b, sizeof b);
        return cfg_fail(cx, mark_of(cx, yt_find_path(cx->root, "warmup") ? "warmup" : "duration"),
                        "warmup", "%s must be shorter than duration (%s)", a, b);
    }
    if (c->interval > c->duration) {
        config_format_duration(c->interval, a, sizeof a);
        return cfg_fail(cx, mark_of(cx, "interval"), "interval",
                        "%s is longer than the run's duration", a);
    }
    /* node groups */
    if (c->nodes.groups.n > 0) {
        int64_t sum = 0;
        for (size_t i = 0; i < c->nodes.groups.n; i++)
            sum += c->nodes.groups.v[i].count;
        if (yt_find_path(cx->root, "nodes.count") && sum != c->nodes.count)
            return cfg_fail(cx, mark_of(cx, "nodes.count"), "nodes.count",
                            "%lld, but the groups hold %lld nodes (leave count out with groups)",
                            (long long)c->nodes.count, (long long)sum);
        if (sum > 100000)
            return cfg_fail(cx, mark_of(cx, "nodes.groups"), "nodes.groups",
                            "%lld nodes in all: at most 100000", (long long)sum);
        c->nodes.count = sum;
        c->node_groups.n = c->nodes.groups.n;
        c->node_groups.v = cs_calloc(c->node_groups.n, sizeof(cfg_group));
        for (size_t i = 0; i < c->node_groups.n; i++) {
            c->node_groups.v[i] = c->nodes.groups.v[i];
            c->node_groups.v[i].cache_name = cs_strdup(c->nodes.groups.v[i].cache_name);
        }
    } else {
        c->node_groups.n = 1;
        c->node_groups.v = cs_calloc(1, sizeof(cfg_group));
        c->node_groups.v[0].count = c->nodes.count;
        c->node_groups.v[0].cache_name = cs_strdup(c->nodes.cache_name);
        c->node_groups.v[0].workers = c->nodes.workers;
    }
    c->node_total = c->nodes.count;
    for (size_t i = 0; i < c->node_groups.n; i++) {
        const cfg_workers *w = &c->node_groups.v[i].workers;
        if (w->min > w->max) {
            char p[64];
            if (c->nodes.groups.n)
                cfg_pathf(p, sizeof p, "nodes.groups[%zu].workers.min", i);
            else
                cfg_pathf(p, sizeof p, "nodes.workers.min");
            return cfg_fail(cx, mark_of(cx, p), p, "%lld is above workers.max (%lld)",
                            (long long)w->min, (long long)w->max);
        }
    }
    /* workload */
    const cfg_workload *wl = &c->workload;
    for (size_t i = 1; i < wl->profile.n; i++)
        if (wl->profile.v[i].at < wl->profile.v[i - 1].at) {
            char p[64];
            cfg_pathf(p, sizeof p, "workload.profile[%zu].at", i);
            return cfg_fail(cx, mark_of(cx, p), p, "profile steps must be in time order");
        }
    if (c->model == CFG_MODEL_CACHE && wl->request.n == 0)
        return cfg_fail(cx, mark_of(cx, "workload.request"), "workload.request",
                        "a request needs at least one operation, e.g. [{op: get_or_set}]");
    for (size_t i = 0; i < wl->request.n; i++) {
        const cfg_request_op *r = &wl->request.v[i];
        if (r->key == CFG_KEY_RANDOM)
            continue;
        int64_t last = r->from + (r->key == CFG_KEY_SEQUENTIAL ? r->keys - 1 : 0);
        if (r->from < wl->keys.first || last >= wl->keys.first + wl->keys.count) {
            char p[64];
            cfg_pathf(p, sizeof p, "workload.request[%zu].from", i);
            return cfg_fail(cx, mark_of(cx, p), p,
                            "keys %lld..%lld fall outside the key space %lld..%lld (workload.keys)",
                            (long long)r->from, (long long)last, (long long)wl->keys.first,
                            (long long)(wl->keys.first + wl->keys.count - 1));
        }
    }
    /* capacities (config.h): what the engine and a node can hold */
    if (c->model == CFG_MODEL_CACHE) {
        if (wl->kind == CFG_LOAD_BURST && wl->burst.count * c->node_total > CFG_MAX_UPFRONT_EVENTS)
            return cfg_fail(cx, mark_of(cx, "workload.burst.count"), "workload.burst.count",
                            "%lld per node x %lld nodes = %lld arrivals scheduled at once: the event "
                            "queue holds at most %lld (lower workload.burst.count or nodes.count)",
                            (long long)wl->burst.count, (long long)c->node_total,
                            (long long)(wl->burst.count * c->node_total),
                            (long long)CFG_MAX_UPFRONT_EVENTS);
        if (wl->kind == CFG_LOAD_CLOSED && wl->clients * c->node_total > CFG_MAX_UPFRONT_EVENTS)
            return cfg_fail(cx, mark_of(cx, "workload.clients"), "workload.clients",
                            "%lld per node x %lld nodes = %lld clients: the event queue holds at "
                            "most %lld (lower workload.clients or nodes.count)",
                            (long long)wl->clients, (long long)c->node_total,
                            (long long)(wl->clients * c->node_total),
                            (long long)CFG_MAX_UPFRONT_EVENTS);
        if (wl->keys.first + wl->keys.count - 1 > (int64_t)UINT32_MAX)
            return cfg_fail(cx, mark_of(cx, "workload.keys.first"), "workload.keys.first",
                            "keys %lld..%lld: key ids are 32-bit (the last must be at most %u)",
                            (long long)wl->keys.first,
                            (long long)(wl->keys.first + wl->keys.count - 1), UINT32_MAX);
    }
    /* l2.redis.cost left out, but a slow_commands key given (service,
     * commands, publish_per_subscriber): the config states a per-command
     * Redis time, written before the batched cost became the default
     * (issue 14), so it keeps meaning what it says.  An explicit cost rules
     * (so `validate --print` output, which lists every key, loads back the
     * same). */
    if (!yt_find_path(cx->root, "l2.redis.cost") &&
        (yt_find_path(cx->root, "l2.redis.service") || yt_find_path(cx->root, "l2.redis.commands") ||
         yt_find_path(cx->root, "l2.redis.publish_per_subscriber")))
        c->l2.redis.cost = CFG_COST_SLOW_COMMANDS;
    /* cache */
    const cfg_cache *ca = &c->cache;
    if (ca->factory_timeout.soft != SIM_NEVER && ca->factory_timeout.hard != SIM_NEVER &&
        ca->factory_timeout.soft > ca->factory_timeout.hard)
        return cfg_fail(cx, mark_of(cx, "cache.factory_timeout.soft"), "cache.factory_timeout.soft",
                        "must not exceed cache.factory_timeout.hard");
    if (ca->l2_timeout.soft != SIM_NEVER && ca->l2_timeout.hard != SIM_NEVER &&
        ca->l2_timeout.soft > ca->l2_timeout.hard)
        return cfg_fail(cx, mark_of(cx, "cache.l2_timeout.soft"), "cache.l2_timeout.soft",
                        "must not exceed cache.l2_timeout.hard");
    if (ca->lock.poll_min > ca->lock.poll_max)
        return cfg_fail(cx, mark_of(cx, "cache.lock.poll_min"), "cache.lock.poll_min",
                        "must not exceed cache.lock.poll_max");
    /* faults */
    for (size_t i = 0; i < c->faults.n; i++) {
        const cfg_fault *f = &c->faults.v[i];
        char p[64], q[64];
        cfg_pathf(p, sizeof p, "faults[%zu]", i);
        /* the capability table the fault model reads too (sim/core/fault_kinds.h) */
        if (!fault_supported((fault_target)f->target, (fault_kind)f->kind)) {
            char kinds[160];
            fault_kinds_of((fault_target)f->target, kinds, sizeof kinds);
            cfg_pathf(q, sizeof q, "%s.kind", p);
            return cfg_fail(cx, mark_of(cx, q), q, "%s does not apply to target %s (it takes: %s)",
                            fault_kind_names[f->kind], fault_target_names[f->target], kinds);
        }
        if (f->at >= c->duration) {
            cfg_pathf(q, sizeof q, "%s.at", p);
            config_format_duration(f->at, a, sizeof a);
            return cfg_fail(cx, mark_of(cx, q), q, "%s is not before the end of the run", a);
        }
        if (!fault_takes_nodes((fault_target)f->target, (fault_kind)f->kind) &&
            (f->node != -1 || f->nodes.n)) {
            cfg_pathf(q, sizeof q, "%s.%s", p, f->nodes.n ? "nodes" : "node");
            return cfg_fail(cx, mark_of(cx, q), q,
                            "%s %s is shared by all nodes; node applies to link, node and "
                            "backplane faults and to a redis partition",
                            fault_target_names[f->target], fault_kind_names[f->kind]);
        }
        if (f->nodes.n > FAULT_MAX_NODES) {
            cfg_pathf(q, sizeof q, "%s.nodes", p);
            return cfg_fail(cx, mark_of(cx, q), q, "%zu nodes; a fault lists at most %d",
                            f->nodes.n, FAULT_MAX_NODES);
        }
        if (f->node != -1 && f->nodes.n) {
            cfg_pathf(q, sizeof q, "%s.nodes", p);
            return cfg_fail(cx, mark_of(cx, q), q, "give node or nodes, not both");
        }
        if (f->node >= c->node_total) {
            cfg_pathf(q, sizeof q, "%s.node", p);
            return cfg_fail(cx, mark_of(cx, q), q, "%lld, but there are %lld nodes (0..%lld)",
                            (long long)f->node, (long long)c->node_total,
                            (long long)c->node_total - 1);
        }
        for (size_t j = 0; j < f->nodes.n; j++)
            if (f->nodes.v[j] >= c->node_total) {
                cfg_pathf(q, sizeof q, "%s.nodes[%zu]", p, j);
                return cfg_fail(cx, mark_of(cx, q), q, "%lld, but there are %lld nodes",
                                (long long)f->nodes.v[j], (long long)c->node_total);
            }
        if ((f->mttf == SIM_NEVER) != (f->mttr == SIM_NEVER)) {
            cfg_pathf(q, sizeof q, "%s.%s", p, f->mttf == SIM_NEVER ? "mttr" : "mttf");
            return cfg_fail(cx, mark_of(cx, q), q, "a stochastic fault needs both mttf and mttr");
        }
    }
    /* queue */
    if (c->model == CFG_MODEL_QUEUE && c->queue.capacity == INT64_MAX) {
        double rho =
            c->queue.arrival * dist_mean(&c->queue.service.d) / 1e9 / (double)c->queue.servers;
        if (!(rho < 1))
            return cfg_fail(cx, mark_of(cx, "queue.arrival"), "queue.arrival",
                            "the queue is unstable (rho = %.3g >= 1); lower the arrival rate, add "
                            "servers or set queue.capacity",
                            rho);
    }
    return 0;
}
