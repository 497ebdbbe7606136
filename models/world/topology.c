/* topology.c — the world of one run (see topology.h): build it from the
 * params (params.c), run it, write its rows (outputs.c), free exactly what
 * was built.  Also the --trace filter and the series sampler.
 */
#include "models/world/topology.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/world/world_impl.h"
#include "policy/breaker.h"
#include "sim/core/stats.h"

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
    if (w->wl_built)
        wl_free(&w->wl);
    for (int i = 0; i < w->nodes_built; i++)
        node_free(&w->nodes[i]);
    for (int i = 0; i < w->nn; i++) {
        if (w->bprc && w->bprc[i] && w->bprc[i] != w->rc[i])
            rc_free(w->bprc[i]);
        if (w->rc && w->rc[i])
            rc_free(w->rc[i]);
    }
    for (int i = 0; i < w->rts_built; i++)
        rt_free(&w->rts[i]);
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
    rs_params rp = world_redis_params(cfg, w->nn);
    w->srv = rs_new(w->e, w->st, rows, &rp, cfg->interval);
    net_link_params lp = world_link_params(cfg);
    w->net = net_new(w->e, w->nn, &lp, true);

    /* database */
    db_params dp = world_db_params(cfg);
    db_init(&w->db, w->e, w->st, &dp);

    /* breaker params, shared read-only by every node's own breaker */
    w->breaker_params = world_breaker_params(&cfg->l2.breaker, err);
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
    rc_params cp = world_client_params(&cfg->l2.client, true);
    rc_params bpp = world_client_params(&cfg->l2.client, false);
    bool dotnet = strcmp(cp.kind, "multiplexer") == 0; /* SER is .NET (a preset may pick it) */
    rt_params rtp = world_runtime_params(cfg);
    if (l2 && dotnet)
        w->rts = cs_calloc((size_t)w->nn, sizeof *w->rts);
    cs_err cerr = {0};
    if (l2 && rc_params_validate(&cp, &cerr) != 0) {
        rc = cs_errf(err, cerr.code, "l2.client: %s", cerr.msg);
        goto out;
    }
    for (int i = 0; i < w->nn; i++) {
        const cfg_group *g = config_node_group(cfg, i);
        node_params np = world_node_params(cfg, g, w->breaker_params, w->srv);
        if (l2) {
            rc_env env = {.e = w->e, .st = w->st, .rows = rows, .srv = w->srv, .net = w->net,
                          .node = i, .link = i, .name = "cache"};
            if (w->rts) {
                rt_init(&w->rts[i], w->e, w->st, rows, i, &rtp);
                w->rts_built = i + 1;
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
        w->nodes_built = i + 1;
        if (sh)
            sh->members[sh->n++] = &w->nodes[i];
        w->targets[i] = &w->nodes[i];
    }

    /* workload */
    wl_params wp;
    cs_err werr = {0};
    world_workload_params(cfg, &wp, &werr);
    if (werr.code) {
        rc = werr.code;
        *err = werr;
        goto out;
    }
    wl_init(&w->wl, w->e, w->st, w->nn, &wp, w->targets, node_start);
    w->wl_built = true;
    w->wl.rows = rows;
    if (w->trace_request >= 0) {
        w->wl.trace_select = trace_select;
        w->wl.trace_ctx = w;
    }

    /* faults */
    ft_spec *specs = NULL;
    if ((rc = world_fault_specs(cfg, &specs, err)))
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
    world_emit_metrics(w);
    world_emit_series(w);
    stats_hist_rows(w->st, w->rows); /* table hist: the latency distributions */
    if (sim_end)
        *sim_end = eng_now(w->e);
    if (events)
        *events = eng_events(w->e);
out:
    world_free(w);
    return rc;
}

