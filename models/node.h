/* node.h — one application node running the cache library's flows
 * (MODEL.md "Node"; fusioncache.md §1 GetOrSet, Set/Remove/Expire, §3
 * backplane receive and auto-recovery) over its worker pool, L1, memory
 * locks, the shared database, a Redis client for L2 and distributed locks,
 * and a second Redis client for the backplane.
 *
 * Every flow is an explicit state machine (a `flow` object from the node's
 * free list) whose steps run on a worker: a step ends by parking on an
 * operation (an async wait gives the worker back and the continuation is a
 * new pool job; a sync wait keeps it), by answering its request (the worker
 * passes to the request's next operation), or by ending.  A flow answered
 * early (factory timeout with background completion, fire-and-forget
 * publish) keeps running detached.  Decisions (lock timeouts, soft/hard
 * timeouts, expiry arithmetic, fail-safe, outage clamp) are policy/ calls.
 *
 * Left out: tagging/Clear, serialization, EnableAutoClone, the backplane's
 * own breaker.
 */
#ifndef CS_NODE_H
#define CS_NODE_H

#include "models/backplane.h"
#include "models/database.h"
#include "models/l1.h"
#include "models/locks.h"
#include "models/redis_client.h"
#include "models/runtime.h"
#include "models/worker_pool.h"
#include "models/workload.h"
#include "policy/cachepolicy.h"
#include "sim/core/rows.h"

/* Entry and cache options (fusioncache.md §2); SIM_NEVER = "none" (∞). */
typedef struct node_params {
    sim_ns duration;           /* Duration, 30 s */
    sim_ns jitter;             /* JitterMaxDuration, 0 */
    sim_ns memory_duration;    /* MemoryCacheDuration, SIM_NEVER = use duration */
    sim_ns l2_duration;        /* DistributedCacheDuration, SIM_NEVER = use duration */
    bool l1_copy_own_expiry;   /* early FusionCache: an L1 copy of L2 gets its own jitter */
    bool fail_safe;            /* IsFailSafeEnabled, false */
    sim_ns fail_safe_max;      /* FailSafeMaxDuration, 1 day */
    sim_ns fail_safe_throttle; /* FailSafeThrottleDuration, 30 s */
    sim_ns factory_soft, factory_hard; /* ∞ / ∞ */
    bool background_completion;        /* AllowTimedOutFactoryBackgroundCompletion, true */
    sim_ns l2_soft, l2_hard;           /* DistributedCacheSoft/HardTimeout, ∞ / ∞ */
    double eager_threshold;            /* EagerRefreshThreshold, 0 = off */
    double xfetch_beta;                /* XFetch early recompute beta, 0 = off */
    sim_ns xfetch_delta;               /* XFetch delta: the recompute time (mean factory time) */
    bool memory_lock;                  /* request coalescing (StandardMemoryLocker), true */
    sim_ns memory_lock_timeout;        /* MemoryLockTimeout ?? LockTimeout, ∞ */
    bool distributed_lock;             /* a distributed locker is configured */
    sim_ns dlock_timeout;              /* DistributedLockTimeout, ∞ */
    dlock_params dlock;                /* abandon 30 s, polling 10-800 ms */
    bool background_l2;                /* AllowBackgroundDistributedCacheOperations, false */
    bool background_backplane;         /* AllowBackgroundBackplaneOperations, true */
    sim_ns outage_max_ttl;             /* HCL maxTimeToLiveWithRemoteOutage; SIM_NEVER = off */
    bool outage_from_insertion;        /* clamp existing entries from their insertion
                                          (UNCONFIRMED) instead of the outage start */
    bool sync_api;                     /* the app calls the sync API: a request holds its worker */
    bool l2_enabled;
    bool hash_commands;                /* HMGET/HMSET + EXPIRE (RedisCache) vs GET/SET */
    bool fallback_db;                  /* L2 unusable: go to the database (true) or fail */
    bool check_connected;              /* skip L2 while the client is disconnected (seed 004) */
    uint32_t value_size;               /* bytes per value (scales Redis service via per_kb) */
    uint32_t max_flows;                /* stated limit of operations in progress per node
                                          (256 Ki); beyond it new ones fail (node.refused) */
    l1_params l1;
    wp_params pool;
    bp_params bp;
    /* the L2 breaker: kind name and that kind's params (NULL = defaults) */
    char breaker_kind[24];
    const void *breaker_params;
} node_params;

/* Defaults as documented above (FusionCache v2.7.1 sources). */
node_params node_defaults(void);

/* What a node is wired to (owned by the topology). */
typedef struct node_env {
    engine *e;
    stats *st;
    run_rows *rows;       /* transitions and trace; may be NULL */
    database *db;
    redis_client *rc;     /* L2 + distributed lock; NULL when L2 is off */
    redis_client *bp_rc;  /* backplane; NULL when the backplane is off */
    int id;
    int64_t trace_key;    /* trace flows on this key (-1: none) */
    bool trace_all;       /* trace every flow of this node */
    /* l2.breaker.scope = cache (resilience.md §1.4): the breaker shared by
     * every node of this cache name, owned by the topology, which forwards
     * its transitions to node_breaker_transition; NULL: the node's own. */
    breaker *shared_br;
    /* the process's .NET runtime (multiplexer clients): its socket engine
     * runs on this node's worker pool; NULL: none */
    runtime *rt;
} node_env;

typedef struct flow flow;

/* A backplane message waiting in the pool queue for its handler job. */
typedef struct bp_msg_job {
    wp_job job; /* first */
    struct node *n;
    rs_message m;
    struct bp_msg_job *next_free;
} bp_msg_job;

typedef struct node {
    node_params p;
    node_env env;
    int id;
    engine *e;
    stats *st;
    worker_pool pool;
    l1 l1;
    mem_locks ml;
    backplane bp;
    breaker *br;
    fc_entry_options fo; /* the FusionCache options policy/ reads */
    cp_rand rand;        /* jitter / xfetch draws (stream node[i].expiry) */
    gsl_rng *rng_expiry, *rng_lock;
    flow *free_flows;
    flow **blocks;
    size_t nblocks, blocks_cap;
    size_t flows_live, flows_peak;
    uint64_t owner_seq;
    bool start_unheld; /* node_start: the operation being started holds no worker */
    bp_msg_job *free_msgs;
    bp_msg_job **msg_blocks;
    size_t nmsg_blocks, msg_blocks_cap;
    /* breaker / outage */
    breaker_state br_state;
    sim_ns br_open_since;
    /* story outputs (seeds 003/004), whole run: the first open, the start of
     * the current/last outage mode, the latest time after that start an L1
     * entry from before it was served, and the span of failed L2 call
     * durations as the breaker recorded them (-1 = none yet) */
    sim_ns br_first_open, outage_start, outage_old_hit, l2_fail_min, l2_fail_max;
    /* auto-recovery */
    flow *ar_flow;
    ev_id ar_timer;
    sim_ns ar_barrier; /* no replay before this (set at a backplane reconnection) */
    bool bp_was_up;
    /* counters */
    uint64_t factory_calls, l2_reads, bp_received, bp_l2_reads, refused;
    int id_l1_hit, id_l1_miss, id_l2_hit, id_l2_miss, id_l2_err, id_l2_to, id_factory,
        id_factory_err, id_factory_to, id_mlock_waits, id_dl_acq, id_dl_to, id_br_trips, id_br_open_s,
        id_br_rej, id_br_open, id_failsafe, id_eager, id_ar_items, id_refused;
    int id_l2_calls, id_l2_failures, id_fallback, id_open_lookups, id_open_hits;
} node;

/* Build node env->id.  Creates its breaker (fails with err if the kind or
 * params are invalid). */
int node_init(node *n, const node_env *env, const node_params *p, cs_err *err);
void node_free(node *n);
/* A breaker transition seen by node n (its own breaker's callback, or the
 * topology's fan-out of a shared breaker): transitions row, trips, open
 * time, HCL outage mode. */
void node_breaker_transition(node *n, breaker_state from, breaker_state to, const char *reason,
                             cp_ns now);
/* The workload's entry point (wl_start_fn): serve r's current operation. */
void node_start(void *node, wl_request *r, bool first);
/* End of run: close open intervals (breaker open time, pool starvation). */
void node_finish(node *n);
/* Sample gauges (breaker.open, pool.queue ...) and apply due breaker
 * transitions; the topology calls this every series interval. */
void node_sample(node *n);
/* Faults on a node. */
void node_set_pause(node *n, bool paused);

#endif
