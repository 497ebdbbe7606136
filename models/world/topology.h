/* topology.h — builds the world of one run from a validated config and runs
 * it (ARCHITECTURE.md "Layers": the only module that knows how the pieces are
 * wired, and the only one that maps config -> each model's params).
 *
 * The world: one Redis server and one network (a link per node), one
 * database, N nodes in groups (each group its own cache name and worker
 * pool), each node with a cache client and (when the backplane is on) its
 * own backplane client, the workload, the fault schedule and a sampler that
 * ticks once per series interval.  Outputs: every metric and series of
 * INTERFACES.md, overall (node -1) and per node, plus transitions and trace.
 */
#ifndef CS_TOPOLOGY_H
#define CS_TOPOLOGY_H

#include "sim/config/config.h"
#include "sim/core/engine.h"
#include "sim/core/rows.h"

/* Run the world of `cfg` with `seed`.  trace_filter (may be NULL): terms
 * separated by commas, "node=N", "key=K", "request=R" or "all"; a flow is
 * traced when its node matches (if given) and its key or request matches
 * (if either is given).  Fills rows (metrics, series, transitions, trace;
 * not params), *sim_end and *events.  Returns 0, or an exit status with err
 * filled (2: the config asks for something the world cannot build). */
int topology_run(const config *cfg, uint64_t seed, const char *trace_filter, run_rows *rows,
                 sim_ns *sim_end, uint64_t *events, cs_err *err);
/* The same under engine limits (memory budget, progress; NULL = none).  A
 * run the engine stops (a capacity crossed, time stuck, memory over the
 * budget) returns 3 with the engine's message. */
int topology_run_limited(const config *cfg, uint64_t seed, const char *trace_filter,
                         const eng_limits *lim, run_rows *rows, sim_ns *sim_end, uint64_t *events,
                         cs_err *err);

#endif
