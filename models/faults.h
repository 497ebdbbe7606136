/* faults.h — the fault schedule (MODEL.md "Faults"): timed, declarative
 * faults on redis, the database, a node's link, a node, or the backplane,
 * and stochastic ones (alternating up Exp(MTTF) / down Exp(MTTR) from `at`,
 * one random stream per fault: "faults[i]").
 *
 * Kinds by target (what each does; the table is sim/core/fault_kinds.c):
 *   redis     down (refused) · blackhole (timeouts) · slow (x factor) ·
 *             restart (down for `for`, back empty) · flush · pause ·
 *             partition (the listed nodes' links, or all)
 *   database  down (calls fail fast) · slow · capacity (usable connections) ·
 *             blackhole/pause (modelled as slow x 1e6: nothing comes back) ·
 *             restart (down for `for`)
 *   link      partition/down/blackhole (nothing crosses) · slow (rtt x factor)
 *   node      pause/down (no worker runs) · capacity (workers)
 *   backplane down/blackhole/partition (the node's messages are lost both
 *             ways; publishes go to auto-recovery)
 * Every start and end is a `transitions` row (component "fault"); Redis also
 * records its own state rows.  A combination a target does not support is
 * rejected at setup with a message naming the fault.
 */
#ifndef CS_FAULTS_H
#define CS_FAULTS_H

#include "models/database.h"
#include "models/network.h"
#include "models/no_limit.h"
#include "models/node.h"
#include "models/redis_server.h"
#include "sim/core/fault_kinds.h"
#include "sim/core/rows.h"

/* targets and kinds, and which kind applies to which target: the one
 * capability table, sim/core/fault_kinds.h (the config checker reads it too) */


typedef struct ft_spec {
    sim_ns at;
    sim_ns dur;        /* SIM_NEVER: until the end */
    fault_target target;
    fault_kind kind;
    int nodes[FAULT_MAX_NODES]; /* affected nodes; nnodes 0 = all */
    int nnodes;
    double factor;     /* slow */
    int capacity;      /* capacity: workers or connections */
    sim_ns mttf, mttr; /* both set (not NO_LIMIT_NS): stochastic */
} ft_spec;

typedef struct ft_world {
    engine *e;
    run_rows *rows;
    redis_server *srv;
    network *net;
    database *db;
    node *nodes;
    int nnodes;
} ft_world;

typedef struct faults faults;

/* Validate and schedule into *out: 0, or CS_USAGE with err filled and *out
 * NULL on an unsupported target/kind combination or a node that does not
 * exist. */
int faults_new(const ft_world *w, const ft_spec *specs, int n, faults **out, cs_err *err);
void faults_free(faults *f);
/* Time the first fault starts (SIM_NEVER if none) and the last one ends
 * (as scheduled so far; stochastic faults extend it as they happen). */
sim_ns faults_first_start(const faults *f);
sim_ns faults_last_end(const faults *f);

#endif
