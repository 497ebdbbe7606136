/* workload.h — the traffic a node serves (MODEL.md "Workload").
 *
 * Open loop: Poisson arrivals per node at a rate that follows a profile of
 * points (step: hold the value until the next point; ramp: linear to the next
 * point; a spike is two steps), drawn by thinning against the profile's peak.
 * Closed loop: C clients per node, each sending a request, waiting for its
 * answer (or its own timeout) and thinking for a drawn time.
 *
 * A request is a script of operations (get_or_set, set, remove, expire), each
 * on K keys in sequence; keys are drawn uniform, Zipf(s) (GSL's Walker alias
 * table), hotspot (a fraction of keys gets a fraction of traffic) or taken
 * from a fixed range (key = first + i, as seed 000's 800 keys per request).
 * With probability write_ratio a get_or_set becomes a set.  The client gives
 * up at `timeout` and counts an error; the node keeps working on the request
 * (wasted work is real).  Request objects come from a free list.
 */
#ifndef CS_WORKLOAD_H
#define CS_WORKLOAD_H

#include <gsl/gsl_randist.h>

#include "sim/core/dist.h"
#include "sim/core/engine.h"
#include "sim/core/rows.h"
#include "sim/core/stats.h"

typedef enum wl_op { OP_GET_OR_SET = 0, OP_SET, OP_REMOVE, OP_EXPIRE } wl_op;
typedef enum wl_outcome { WL_OK = 0, WL_STALE, WL_ERROR } wl_outcome;
/* POP_RANGE: uniform draws over [range_lo, range_hi); POP_SEQUENTIAL: the
 * same keys in order, round robin (range_lo, range_lo + 1, ...). */
typedef enum wl_pop { POP_UNIFORM = 0, POP_ZIPF, POP_HOTSPOT, POP_RANGE, POP_SEQUENTIAL } wl_pop;

#define WL_MAX_STEPS 8
#define WL_MAX_POINTS 32
/* Client timeouts pending at once (16 B each: 1 GiB); beyond, the run fails
 * (requests start faster than they can finish or time out). */
#define WL_MAX_TIMEOUTS ((size_t)1 << 26)

typedef enum wl_pick { PICK_RANDOM = 0, PICK_SEQUENTIAL, PICK_FIXED } wl_pick;

typedef struct wl_step {
    wl_op op;
    uint32_t keys;      /* K operations in sequence (>= 1) */
    wl_pick pick;       /* random: drawn; sequential: first + i; fixed: first */
    uint32_t first;
} wl_step;

typedef struct wl_point {
    sim_ns t;
    double rate; /* per second per node */
    bool ramp;   /* linear from this point to the next */
} wl_point;

typedef struct wl_keys {
    uint32_t count;
    wl_pop popularity;
    double s;                    /* zipf exponent */
    double hot_keys, hot_traffic; /* hotspot: fraction of keys, fraction of traffic */
    uint32_t range_lo, range_hi;  /* range: [lo, hi) */
    uint32_t offset;              /* id of the first key (added to draws) */
} wl_keys;

typedef struct wl_params {
    bool closed;
    bool burst;              /* burst_count arrivals per node, uniform over [burst_at, +spread] */
    uint32_t burst_count;
    sim_ns burst_at, burst_spread;
    wl_point profile[WL_MAX_POINTS]; /* open loop; npoints >= 1, t ascending, first t = 0 */
    int npoints;
    int clients;    /* closed loop, per node */
    dist think;     /* closed loop, ns */
    sim_ns timeout; /* client gives up; SIM_NEVER = never */
    wl_keys keys;
    wl_step script[WL_MAX_STEPS];
    int nsteps;
    double write_ratio;
    sim_ns stop;    /* no arrivals at or after (run end) */
} wl_params;

typedef struct workload workload;

typedef struct wl_request {
    workload *wl;
    int node;
    int client; /* closed loop: client index, else -1 */
    int64_t id;
    sim_ns start;
    uint64_t timeout_seq; /* its entry in the timeout FIFO (reserved sequence), 0 = none */
    uint8_t step;     /* script position */
    uint32_t key_i;   /* position within the step */
    uint32_t key;     /* current operation's key */
    wl_op op;         /* current operation */
    bool abandoned, any_stale, any_error, traced;
    uint32_t inflight; /* stats_inflight_begin's ticket (fills a hole: no size change) */
    union {           /* a free request serves no flow (-8 B per request) */
        void *flow;   /* the node's flow serving it */
        struct wl_request *next_free; /* on the free list */
    };
} wl_request;

/* How the workload hands an operation to the node (topology wires this to
 * node_start_request / node_next_op). */
typedef void (*wl_start_fn)(void *node, wl_request *r, bool first);
/* A request finished (not abandoned) or was abandoned: for the node's tracer. */

typedef struct wl_node {
    workload *wl;
    int node;
    void *target; /* the node */
    gsl_rng *arrivals, *keys, *think, *mix;
    uint64_t nreq;
} wl_node;

/* One column of Walker's alias table (GSL's gsl_ran_discrete layout with
 * its F and A side by side, so a draw reads one cache line, not two). */
typedef struct wl_alias {
    double f;   /* GSL's F[k] (Knuth convention: (k + F_k) / K) */
    uint64_t a; /* GSL's A[k] */
} wl_alias;

struct workload {
    wl_params p;
    engine *e;
    stats *st;
    int nodes;
    wl_node *n;
    wl_start_fn start;
    wl_alias *alias;           /* zipf: n_alias entries */
    size_t n_alias;
    double peak;               /* max profile rate */
    wl_request *free_list;
    wl_request **blocks;
    size_t nblocks, blocks_cap;
    int64_t next_id;
    uint64_t seq_next; /* POP_SEQUENTIAL: draws so far (round robin position) */
    /* Client timeouts: all have duration p.timeout and start at now, so
     * they expire in FIFO order.  One engine event is armed for the head
     * (at the sequence reserved when the request started: the same order
     * as one event per request); entries of finished requests are skipped
     * when they reach the head.  A ring holding every request started in
     * the last p.timeout (16 bytes each); grows by doubling. */
    struct wl_timeout { wl_request *r; uint64_t seq; } *to;
    size_t to_cap, to_head, to_n;
    int id_total, id_ok, id_err, id_timeout, id_stale;
    run_rows *rows; /* trace rows of selected requests (may be NULL) */
    /* optional: called when a request starts (for --trace selection) */
    bool (*trace_select)(void *ctx, const wl_request *r);
    void *trace_ctx;
};

/* Set up; targets[i] is node i (passed to start).  Arrivals begin at time 0. */
void wl_init(workload *w, engine *e, stats *st, int nodes, const wl_params *p, void **targets,
             wl_start_fn start);
void wl_free(workload *w);
/* Schedule the first arrivals / client starts. */
void wl_begin(workload *w);
/* The node finished the current operation of r with outcome; the workload
 * moves to the next operation (calling start with first=false) or ends the
 * request.  Returns true if another operation was started on r. */
bool wl_op_done(wl_request *r, wl_outcome o);
/* Start one request on `node` now whose first operation is `op` on `key`
 * (scripted tests and warm-up); the rest of the script follows as usual. */
wl_request *wl_inject(workload *w, int node, uint32_t key, wl_op op);
/* Rate (per s per node) of the open-loop profile at time t. */
double wl_rate_at(const wl_params *p, sim_ns t);
/* Draw a key under the popularity model (exposed for tests). */
uint32_t wl_draw_key(workload *w, gsl_rng *r);

#endif
