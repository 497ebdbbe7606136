/* world_impl.h — what the world's files share (not a public header; only
 * the files in models/world include it):
 *   params.c    config -> each model's params (the only place that maps keys)
 *   topology.c  the world's build, run and free, the --trace filter, the sampler
 *   outputs.c   the run's metrics and series rows from the stats
 */
#ifndef CS_WORLD_IMPL_H
#define CS_WORLD_IMPL_H

#include "models/database.h"
#include "models/faults.h"
#include "models/network.h"
#include "models/node.h"
#include "models/redis_client.h"
#include "models/redis_server.h"
#include "models/runtime.h"
#include "models/workload.h"
#include "models/world/topology.h"
#include "sim/config/config.h"

struct br_share;

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
    /* what was built, so world_free frees exactly that */
    int nodes_built, rts_built; /* node_init / rt_init done for [0, n) */
    bool wl_built;
} world;

/* ---- params.c -------------------------------------------------------------- */

/* The Redis client params of l2.client (count_l2: this client's calls count
 * as l2.* — the cache's connection, not the backplane's). */
rc_params world_client_params(const cfg_client *c, bool count_l2);
/* The breaker kind's params struct filled from l2.breaker (NULL with err
 * filled when the breaker refuses them). */
void *world_breaker_params(const cfg_breaker *b, cs_err *err);
void world_workload_params(const config *c, wl_params *w, cs_err *err);
/* A node of group g; bp_channel: its backplane channel id (0 when off). */
node_params world_node_params(const config *c, const cfg_group *g, void *breaker_params,
                              redis_server *srv);
int world_fault_specs(const config *c, ft_spec **out, cs_err *err);
rs_params world_redis_params(const config *c, int nnodes);
net_link_params world_link_params(const config *c);
db_params world_db_params(const config *c);
rt_params world_runtime_params(const config *c);

/* ---- outputs.c ------------------------------------------------------------- */

/* Every metric (overall and per node) and every series of the run. */
void world_emit_metrics(world *w);
void world_emit_series(world *w);

#endif
