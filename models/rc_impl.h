/* rc_impl.h — internals shared by the client kinds (rc_multiplexer.c,
 * rc_pool.c) and the common layer (redis_client.c).  Not a public header:
 * only the client files include it.
 *
 * The common layer (redis_client.c, rc_conn.c) owns: the command pool (pointer-stable chunks with a
 * free list and generation counters, so a late reply for a recycled command is recognised and
 * dropped), the wire (requests, replies and pub/sub messages in transit over the link, one record
 * each, released exactly once thanks to the server's one-reply-per-request invariant), connection
 * state with its rows transitions, the subscription connection, and completion. A kind owns: where
 * commands wait (backlog, in-flight, acquire queue), the timeouts, and when to reconnect.
 */
#ifndef CS_RC_IMPL_H
#define CS_RC_IMPL_H

#include <assert.h>
#include <gsl/gsl_rng.h>

#include "models/redis_client.h"
#include "policy/backoff.h"
#include "policy/cp_types.h"
#include "policy/reconnect.h"

#define RC_CHUNK 1024                 /* commands / wire records per chunk */
#define RC_MAX_WIRE ((size_t)1 << 22) /* stated limit of records in transit; asserted */
#define RC_NIL_IDX (-1)

/* Where a command is. */
typedef enum rc_where {
    W_FREE = 0,
    W_NEW,      /* allocated, not yet placed */
    W_BACKLOG,  /* mux: waiting for the writer or the connection */
    W_WRITING,  /* mux: held by the single writer */
    W_INFLIGHT, /* written/sent, awaiting its reply */
    W_ACQUIRE,  /* pool: waiting for a free connection */
    W_RETRY,    /* pool: waiting out the retry delay */
    W_FAILING   /* a completion is scheduled (fast failure) */
} rc_where;

typedef struct rc_cmd {
    rc_op op;
    sim_ns started;
    uint32_t gen;       /* bumped on free; (slot, gen) names a live command */
    int32_t prev, next; /* intrusive list links (one list at a time) */
    rc_where where;
    int attempts;
    int lane;        /* pool: the connection it holds, else -1 */
    ev_id timer;     /* pool retry wait, or the fast-failure event (timeouts are in rc_dq) */
    rc_status final; /* W_FAILING: the status to report */
    bool faulted;    /* mux with a runtime: the caller was told (timeout) but the
                        command stays in flight until its reply is read (SER keeps
                        it in _writtenAwaitingResponse) */
    backoff_state bo;
} rc_cmd;

/* An index-linked list of commands (FIFO). */
typedef struct rc_list {
    int32_t head, tail;
    size_t n;
} rc_list;

typedef enum rc_cstate {
    CONN_CONNECTED = 0,
    CONN_DISCONNECTED,
    CONN_CONNECTING,
    CONN_STUCK_RESET, /* seed 004: counters just reset; behaves as disconnected */
    CONN_STOPPED      /* the schedule said stop (e.g. seed004 after maxRetries) */
} rc_cstate;

/* One logical connection: the interactive one (mux bridge or the whole
 * pool) or the subscription one. */
typedef struct rc_conn {
    const char *label; /* "interactive" / "subscription" */
    rc_cstate state;
    uint32_t gen;   /* bumped on every loss: stale events are ignored */
    uint64_t epoch; /* the server life it is connected to */
    long attempt;   /* reconnect attempts since the loss (last one made) */
    sim_ns lost_at, last_attempt;
    ev_id timer; /* connect timeout, or the next scheduled attempt */
    reconnect_error last_error;
    reconnect_stuck stuck;
    int lane;         /* lane used for CONNECT/SUBSCRIBE/PING */
    sim_ns last_sent; /* last control message (keep-alive idle clock) */
} rc_conn;

enum { RC_IC = 0, RC_SUB = 1 };

typedef enum rc_wire_kind {
    WIRE_CMD = 0,
    WIRE_CONNECT,
    WIRE_SUBSCRIBE,
    WIRE_PING
} rc_wire_kind; /* pub/sub messages travel as rc_msg_rec */

typedef struct rc_wire {
    /* The request is read once, when it reaches the server (wire_arrive
     * copies it out; the server keeps its own copy); the reply is written
     * only after that (wire_reply), so the two share storage (-64 B). */
    union {
        rs_request req;
        rs_reply rep;
    };
    sim_ns back; /* return-trip delay drawn with the request */
    uint32_t cmd_slot, cmd_gen, conn_gen;
    rc_wire_kind kind;
    int conn, lane;
    int attempt;     /* WIRE_CMD: the command's attempt it belongs to */
    int32_t next_free;
    ev_id ack_timer; /* SUBSCRIBE/PING: no answer in time kills the connection */
} rc_wire;

/* A pub/sub message in transit to this client (the bulk of the wire in a
 * backplane world: one per publish and subscriber).  Kept apart from
 * rc_wire (160 bytes, mostly the request) so a delivery touches one small
 * record; counted in wlive with the other records in transit. */
typedef struct rc_msg_rec {
    rs_message msg;
    int32_t channel;
    uint32_t conn_gen;
    int32_t next_free;
} rc_msg_rec;

typedef struct rc_subscription {
    int channel;
    rc_message_fn fn;
    void *ctx;
} rc_subscription;

/* A deadline queue: timeouts that all have the same duration expire in the
 * order they were set, so a FIFO with one engine event armed for its head
 * replaces one heap event per command (every command sets a timeout that
 * is usually not needed).  Entries are never removed early; when the
 * armed event fires, due entries run `fn` (which re-checks them) and stale
 * entries at the head are dropped until a live one, for which the event is
 * re-armed: about one engine event per timeout period, not per command. */
typedef struct redis_client redis_client;
typedef void (*rc_dq_fn)(redis_client *c, uint64_t u, int32_t aux);
typedef bool (*rc_dq_live_fn)(const redis_client *c, uint64_t u, int32_t aux);
typedef struct rc_dq_entry {
    sim_ns t;
    uint64_t u;
    int32_t aux;
} rc_dq_entry;
typedef struct rc_dq {
    redis_client *c;
    rc_dq_fn fn;
    rc_dq_live_fn live; /* is the entry still wanted? stale heads are skipped
                           without an event (most commands finish in time) */
    rc_dq_entry *v;     /* ring */
    size_t cap, head, n;
    sim_ns last; /* deadlines must not decrease (asserted) */
    ev_id ev;    /* armed for the head, 0 when none */
} rc_dq;

/* Hooks a kind gives the common layer. */
typedef struct rc_hooks {
    /* the reply to a command arrived (cmd is live; status mapped by the hook) */
    void (*reply)(redis_client *c, int32_t slot, const rs_reply *rep);
    /* connection `conn` was lost (gen already bumped, state DISCONNECTED) */
    void (*conn_lost)(redis_client *c, int conn);
    /* connection `conn` is (re)established */
    void (*connected)(redis_client *c, int conn);
    /* a connect attempt failed (refused or connect timeout) */
    void (*connect_failed)(redis_client *c, int conn);
} rc_hooks;

struct redis_client {
    const rc_kind *kind;
    const rc_hooks *hooks;
    rc_env env;
    char name[32];
    rc_params p;
    rc_counts counts;
    gsl_rng *rng;
    cp_rand rand;

    /* command pool */
    rc_cmd **chunks;
    size_t nchunks, chunks_cap;
    int32_t free_head;
    size_t live; /* allocated commands */

    /* wire records */
    rc_wire **wchunks;
    size_t nwchunks, wchunks_cap;
    int32_t wfree;
    size_t wlive; /* records in transit: rc_wire and rc_msg_rec */
    rc_msg_rec **mchunks;
    size_t nmchunks, mchunks_cap;
    int32_t mfree;

    /* FIFO clamps per lane: a connection delivers in order */
    sim_ns *lane_req_last, *lane_rep_last;
    int nlanes;

    rc_conn conn[2];
    rc_subscription *subs;
    int nsubs;

    /* last values handed to the gauges, and the largest since the last
     * heartbeat: stats are called only when something new is seen */
    size_t g_backlog, g_inflight, g_peak_backlog, g_peak_inflight;
    /* stats ids (-1 when no stats) */
    int m_backlog, m_peak_backlog, m_inflight, m_peak_inflight, m_reconnects, m_l2_error,
        m_l2_timeout;
};

/* ---- provided by redis_client.c ------------------------------------------ */

/* Initialise the common part (kind-specific struct embeds it first). */
void rc__init(redis_client *c, const rc_kind *kind, const rc_hooks *hooks, const rc_env *env,
              const rc_params *p, int nlanes, int ic_lane, int sub_lane);
void rc__fini(redis_client *c);

static inline rc_cmd *rc__cmd(const redis_client *c, int32_t slot)
{
    assert(slot >= 0 && (size_t)slot < c->nchunks * RC_CHUNK);
    return &c->chunks[slot / RC_CHUNK][slot % RC_CHUNK];
}
/* A fresh command for op (always succeeds: a kind checks rc__over_limit
 * and then fails the command through rc__fail_soon, which needs it). */
int32_t rc__cmd_alloc(redis_client *c, const rc_op *op);
static inline bool rc__over_limit(const redis_client *c)
{
    return c->live > c->p.max_commands;
}
/* Reconnect parameters / retry backoff spec from an rc_schedule. */
void rc__reconnect_params(const redis_client *c, const rc_schedule *s, reconnect_params *out);
void rc__backoff_spec(const rc_schedule *s, backoff_spec *out);
static inline uint64_t rc__cmd_u(const redis_client *c, int32_t slot)
{
    return ((uint64_t)rc__cmd(c, slot)->gen << 32) | (uint32_t)slot;
}
/* The live slot named by u, or -1 if that command was completed since. */
int32_t rc__cmd_from_u(const redis_client *c, uint64_t u);

void rc__list_push(redis_client *c, rc_list *l, int32_t slot);
void rc__list_remove(redis_client *c, rc_list *l, int32_t slot);
int32_t rc__list_pop(redis_client *c, rc_list *l);

/* Tell the caller and free the command (cancels its timer).  Must be called
 * from an event handler, never from inside rc_submit. */
void rc__complete(redis_client *c, int32_t slot, rc_status st, const rs_reply *rep);
/* Tell the caller st (counted like rc__complete) but keep the command where
 * it is, marked faulted, with no callback left. */
void rc__fault(redis_client *c, int32_t slot, rc_status st);
/* Free a command without telling anyone (internal or faulted commands). */
void rc__release(redis_client *c, int32_t slot);
/* Complete at the same instant through an event (fast failures inside submit). */
void rc__fail_soon(redis_client *c, int32_t slot, rc_status st);
/* Map a server status to the caller's. */
rc_status rc__map(rs_status s);

/* Put command `slot` on the wire on `lane` of connection `conn`.  A lost
 * request simply never arrives. */
void rc__send_cmd(redis_client *c, int32_t slot, int conn, int lane);
/* Start a connect attempt on `conn` (state CONNECTING, connect timeout). */
void rc__connect(redis_client *c, int conn, const char *why);
/* Mark `conn` lost (if the gen matches) and call the kind's hook. */
void rc__conn_lost(redis_client *c, int conn, const char *why);
/* On every heartbeat/tick: a PING on the subscription connection when it
 * has been idle for keepalive (it has no other traffic that would find a
 * dead socket; a connection whose PING or SUBSCRIBE is not answered within
 * connect_timeout, or is answered by a RESET, is lost and reconnects). */
void rc__keepalive(redis_client *c);
/* Send SUBSCRIBE for `channel` on the subscription connection. */
void rc__send_subscribe(redis_client *c, int channel);
/* The server listener (rs_listen): its process went away. */
void rc__on_server_gone(void *ctx, uint64_t epoch);
/* Record a connection state change in rows. */
void rc__conn_set(redis_client *c, int conn, rc_cstate to, const char *why);
/* seed 004: isStuckInRetry() -> forceResetIfStuck() (when stuck detection is
 * on): counters cleared, the schedule restarts at attempt 1 (which revives a
 * stopped schedule).  True when it reset. */
bool rc__stuck_check(redis_client *c, int conn, bool stuck_on);
/* Connect attempt `attempt` of conn after the schedule's delay, or stop
 * (CONN_STOPPED) when the schedule says so. */
void rc__schedule_reconnect(redis_client *c, int conn, const reconnect_params *rp, int attempt);
const char *rc__conn_state_name(rc_cstate s);

/* Delay to the first heartbeat/tick (rc_params.heartbeat_phase). */
sim_ns rc__first_tick(redis_client *c);
void rc__dq_init(rc_dq *q, redis_client *c, rc_dq_fn fn, rc_dq_live_fn live);
void rc__dq_free(rc_dq *q);
/* Add a deadline t >= every earlier one; fn(c, u, aux) runs at t. */
void rc__dq_push(rc_dq *q, sim_ns t, uint64_t u, int32_t aux);

/* Gauges: backlog / in-flight for this client's node (cheap when unchanged). */
void rc__gauge_backlog(redis_client *c, size_t n);
void rc__gauge_inflight(redis_client *c, size_t n);
/* On every heartbeat/tick: re-send the current values so every series
 * bucket has one, and restart the peak tracking. */
void rc__gauge_tick(redis_client *c, size_t backlog, size_t inflight);

#endif
