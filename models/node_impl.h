/* node_impl.h — internals shared by the node's flow files (node.c,
 * node_flow.c, node_getorset.c, node_write.c, node_backplane.c): the flow
 * object, its steps, and the functions one flow file calls in another.
 * Not a public header: only the node files include it (see node.h and the
 * flow order in node.c). */
#ifndef CS_NODE_IMPL_H
#define CS_NODE_IMPL_H

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "models/node.h"

#define FLOW_BLOCK 256
#define LOCK_KEY_BIT (1ull << 40) /* lock keys live apart from cache keys */

enum flow_kind { FL_GOS = 0, FL_SET, FL_REMOVE, FL_EXPIRE, FL_BP, FL_EAGER, FL_RECOVERY };

enum step {
    ST_NONE = 0,
    GS_BEGIN,
    GS_LOCK_RESULT,
    GS_L2_DONE,
    GS_DLOCK_DONE,
    GS_L2_RECHECK,
    GS_FACTORY_DONE,
    GS_FACTORY_TIMEOUT,
    H_BEGIN,
    H_L2_DONE,
    H_PUBLISH_DONE,
    BP_BEGIN,
    BP_L2_DONE,
    EG_BEGIN,
    AR_BEGIN,
    AR_L2_DONE,
    AR_WRITE_DONE,
    AR_PUBLISH_DONE,
};

/* Result codes of an awaited operation. */
enum { R_OK = 0, R_NIL, R_ERROR, R_TIMEOUT_REAL, R_TIMEOUT_SYNTH, R_REJECTED };

struct flow {
    wp_job job;
    /* The three waits come one after another and never overlap: the memory
     * lock is granted or timed out (mlw no longer referenced once its fn
     * ran) before the distributed lock starts, and dl_wait's done has run
     * before the factory's database call starts (gs_dlock, eg_begin,
     * factory_start).  Sharing the storage takes 104 bytes off each flow;
     * a backplane storm or a Redis outage holds a million flows. */
    union {
        ml_waiter mlw;
        dl_wait dlw;
        db_call dbc;
    };
    node *n;
    wl_request *req;
    flow *next_free;
    int64_t req_id;
    uint32_t key;
    uint8_t kind, step;
    bp_action action;         /* H: what is being propagated; BP: message action */
    bool sync, on_worker, parked, done, traced;
    bool has_mlock, has_dlock;
    bool factory_timed_out, db_early, db_ok, db_running, timeout_soft;
    bool h_answered;          /* H already answered the request */
    uint16_t pending;         /* outstanding callbacks that reference this flow */
    uint32_t tag;             /* tag of the awaited operation */
    int res;                  /* result of the awaited operation */
    rs_value val;             /* L2 value read */
    sim_ns ts;                /* entry timestamp (factory start, set time, message) */
    sim_ns l2_ts;             /* L2 entry seen (possibly expired), -1 none */
    sim_ns op_start;
    ev_id t_soft, t_l2; /* factory timeout, L2 read timeout */
    uint64_t owner;           /* distributed lock owner token */
};

/* Policy speaks CP_INFINITE for "no timeout", the models SIM_NEVER. */
static inline sim_ns from_cp(cp_ns t) { return t == CP_INFINITE || t == CP_NEVER ? SIM_NEVER : t; }
static inline cp_ns to_cp_timeout(sim_ns t) { return t == SIM_NEVER ? CP_INFINITE : t; }
static inline cp_ns to_cp_optional(sim_ns t) { return t == SIM_NEVER ? CP_UNSET : t; }
static inline sim_ns from_cp_optional(cp_ns t) { return t == CP_UNSET ? SIM_NEVER : from_cp(t); }
static inline bool in_outage(const node *n) { return n->br_state != BREAKER_CLOSED && n->br_state != BREAKER_DISABLED; }
static inline bool br_is_open(const node *n) { return n->br_state == BREAKER_OPEN || n->br_state == BREAKER_FORCED_OPEN; }
static inline sim_ns l2_duration(const node_params *p) { return p->l2_duration != SIM_NEVER ? p->l2_duration : p->duration; }

void flow_trace(flow *f, const char *step, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A trace row for a traced flow.  A macro, so the arguments (names, times
 * in ms) are evaluated only for traced flows: trace sits on every step. */
#define trace(f, ...)                                                                              \
    do {                                                                                           \
        if ((f)->traced)                                                                           \
            flow_trace((f), __VA_ARGS__);                                                          \
    } while (0)

/* node.c — decisions (policy adapters), dispatch */
void run_step(flow *f);
void note_cache_answer(node *n, const l1_entry *e);
void dec_l1_expiry(node *n, sim_ns now, l1_entry *e);
void dec_outage_clamp(node *n, sim_ns now, l1_entry *e);
bool l2_valid(const node *n, sim_ns ts, sim_ns now);

/* node_flow.c — flow objects, worker hand-offs, L2 access through the breaker, lock release */
void job_fn(wp_job *j);
flow *flow_alloc(node *n, int kind, uint32_t key, wl_request *r);
void flows_enter(node *n);
flow *flow_new(node *n, int kind, uint32_t key, wl_request *r);
void maybe_free(flow *f);
void park(flow *f, int step);
void wake(flow *f);
void answer(flow *f, wl_outcome o);
void flow_end(flow *f);
bool l2_usable(node *n);
bool l2_allow(node *n);
void on_l2(void *ctx, const rc_result *r);
void l2_read(flow *f, int step, sim_ns timeout);
void l2_write(flow *f, int step);
void l2_del(flow *f, int step);
void l1_from_l2(node *n, uint32_t key, sim_ns ts);
void l1_expire(l1_entry *e);
void release_dlock(flow *f);
void release_mlock(flow *f);
void ar_add(flow *f, bp_action a);

/* node_getorset.c — GetOrSet */
void factory_start(flow *f);
void dl_try(dl_wait *w);
void gs_begin(flow *f);
void gs_lock_result(flow *f);
void gs_l2_done(flow *f);
void gs_dlock_try_done(flow *f);
void gs_l2_recheck(flow *f);
void gs_factory_done(flow *f);
void gs_factory_timeout(flow *f);

/* node_write.c — the distributed side (H), Set/Remove/Expire, eager refresh */
void h_begin(flow *f);
void eager_spawn(node *n, uint32_t key);
void h_l2_done(flow *f);
void h_publish_done(flow *f);
void op_set(flow *f);
void op_remove(flow *f);
void op_expire(flow *f);
void eg_begin(flow *f);

/* node_backplane.c — backplane receive and auto-recovery */
void ar_arm(node *n);
void bp_begin(flow *f);
void bp_on_message(void *ctx, int channel, const rs_message *m);
void bp_l2_done(flow *f);
void ar_begin(flow *f);
void ar_l2_done(flow *f);
void ar_write_done(flow *f);
void ar_publish_done(flow *f);

#endif
