/* redis_client.h — the Redis clients an application node uses, behind one
 * interface: a struct of function pointers per kind plus a registry by name
 * (STYLE.md rule 4).  Kinds:
 *   "multiplexer"  StackExchange.Redis 2.8.x (fusioncache.md §5): one
 *                  interactive connection, in-order replies, a single write
 *                  path, a backlog while disconnected or while the writer is
 *                  busy, syncTimeout per sync call, asyncTimeout checked on
 *                  the 1 s heartbeat, reconnect by ExponentialRetry polled on
 *                  the heartbeat (resilience.md §3.4).
 *   "pool"         Redisson/Jedis/ioredis-like: N connections, acquire wait,
 *                  per-attempt timeout, retries with interval/backoff
 *                  (resilience.md §1.6: 3000 + 3 × (3000 + 1500) = 16.5 s),
 *                  reconnect by a named schedule with stuck detection
 *                  (seed 004).
 *   "single"       ioredis / node-redis: one socket, unbounded pipelining
 *                  (no acquire wait), an offline queue while disconnected,
 *                  ioredis's maxRetriesPerRequest flush and resend of
 *                  unfulfilled commands, node-redis's command timeout from
 *                  enqueue and immediate first reconnect (rc_single.c).
 * All have a separate subscription connection for pub/sub; messages that
 * reach a subscriber whose link or subscription connection is down are lost.
 * The client is breaker-free: the node wraps calls with a policy/ breaker and
 * gets what a breaker needs in rc_result (completion time, duration, error
 * kind, synthetic flag).  Left out: TLS/AUTH, cluster redirections, RESP3,
 * keep-alive-driven disconnects during a partition, per-connection reconnect
 * in the pool (the pool reconnects as a whole).
 */
#ifndef CS_REDIS_CLIENT_H
#define CS_REDIS_CLIENT_H

#include "models/network.h"
#include "models/redis_server.h"
#include "sim/core/common.h"
#include "sim/core/dist.h"
#include "sim/core/engine.h"
#include "sim/core/rows.h"
#include "sim/core/stats.h"

/* How a command ended.  Timeouts and errors are real (never synthetic). */
typedef enum rc_status {
    RC_OK = 0,              /* done (GET hit, SET stored, lock acquired, ...) */
    RC_NIL,                 /* GET miss, SET NX not acquired, DEL/EXPIRE/DEL_IF_OWNER: nothing */
    RC_ERR_BACKLOG_TIMEOUT, /* SER "timed out in the backlog": never written (fusioncache.md §5) */
    RC_ERR_RESPONSE_TIMEOUT, /* SER "Timeout awaiting response" / Redisson RedisTimeoutException */
    RC_ERR_REFUSED,          /* connection refused / no connection available: fast failure */
    RC_ERR_CONNECTION,       /* the connection died while the command was in flight */
    RC_ERR_ACQUIRE_TIMEOUT,  /* pool: no connection became free within acquire_timeout */
    RC_ERR_OTHER,            /* OOM from the server, client command limit reached */
    RC_STATUS_COUNT
} rc_status;

const char *rc_status_name(rc_status s); /* "ok", "nil", "backlog_timeout", ... */
static inline bool rc_status_ok(rc_status s)
{
    return s == RC_OK || s == RC_NIL;
}
static inline bool rc_status_timeout(rc_status s)
{
    return s == RC_ERR_BACKLOG_TIMEOUT || s == RC_ERR_RESPONSE_TIMEOUT ||
           s == RC_ERR_ACQUIRE_TIMEOUT;
}

/* What the completion callback receives. */
typedef struct rc_result {
    rc_status status;
    rs_cmd cmd;
    rs_value value;   /* GET/HMGET hit */
    int64_t count;    /* PUBLISH receivers, DEL removed */
    sim_ns started;   /* when the caller submitted it */
    sim_ns completed; /* when the caller is told (= now in the callback) */
    sim_ns latency;   /* completed - started: the breaker's call duration */
    int attempts;     /* attempts made (pool retries; 1 for the multiplexer) */
    bool synthetic;   /* always false here; the node's own soft/hard
                         timeouts are the synthetic ones (policy/breaker.h) */
    uint64_t tag;     /* the caller's tag, unchanged */
} rc_result;

/* Completion callback.  Never called from inside the submitting call: even
 * a fast failure is delivered by an event at the same instant. */
typedef void (*rc_done_fn)(void *ctx, const rc_result *r);

/* Pub/sub handler: called when a message arrives on the subscription
 * connection (the node dispatches it as a worker-pool job). */
typedef void (*rc_message_fn)(void *ctx, int channel, const rs_message *m);

/* One command, as submitted. */
typedef struct rc_op {
    rs_cmd cmd;
    int channel;     /* PUBLISH */
    uint64_t key;
    rs_value value;  /* SET/HMSET/SET_NX_PX (version = owner); DEL_IF_OWNER: version = owner */
    sim_ns ttl;      /* SET/HMSET/EXPIRE/SET_NX_PX */
    rs_message msg;  /* PUBLISH */
    bool sync;       /* multiplexer: sync call (syncTimeout timer) vs async
                        (asyncTimeout on the heartbeat); pool: no difference */
    rc_done_fn done; /* may be NULL (fire and forget) */
    void *ctx;
    uint64_t tag;
} rc_op;

/* A named schedule from policy/ (retry backoff or reconnect delays).
 * `name` selects the formula; base/cap/max_attempts are its parameters
 * where it has them (0 = the schedule's own default; cap < 0 = no cap;
 * max_attempts < 0 = unlimited).
 * Retry (`rc_params.retry`): a policy/backoff.h kind — "constant",
 * "linear", "exponential", "full_jitter", "equal_jitter",
 * "decorrelated_jitter", "polly_*", "r4j_*", "redisson_equal_jitter".
 * Reconnect: a policy/reconnect.h kind — "ioredis_v5", "ioredis_v6",
 * "node_redis_v4", "node_redis_v5", "redisson_3_47", "redisson_3_48",
 * "ser_exponential", "ser_linear", "seed004". */
typedef struct rc_schedule {
    char name[32];
    sim_ns base, cap;
    int max_attempts;
    double multiplier; /* growth factor of exponential kinds; 0 = the kind's default */
} rc_schedule;

/* Parameters of either kind; each kind ignores the other's fields. */
typedef struct rc_params {
    char kind[16]; /* "multiplexer" | "pool" */
    /* both */
    sim_ns timeout;         /* mux: syncTimeout 5000 ms (fusioncache.md §5);
                               pool: per-attempt timeout 3000 ms (resilience.md §1.6) */
    sim_ns connect_timeout; /* mux 5000 ms (§5); pool 10000 ms (§1.6) */
    sim_ns heartbeat;       /* mux: HeartbeatInterval 1000 ms (§5); pool: the
                               sampling tick for series, 1000 ms */
    sim_ns heartbeat_phase; /* first tick at heartbeat_phase (0 ≤ phase <
                               heartbeat; default 0: ticks at k × heartbeat,
                               all clients in step); < 0: drawn uniformly
                               from the client's stream (nodes started at
                               different moments, so reconnect polls spread) */
    sim_ns keepalive;       /* idle time before a PING on the subscription
                               connection: mux keepAlive 60 s (resilience.md
                               §3.4); pool pingConnectionInterval 30 s (§3.3).
                               An unanswered PING/SUBSCRIBE (connect_timeout)
                               or a RESET reply drops that connection. */
    bool count_l2;          /* count "redis.client.errors"/"redis.client.timeouts"
                               (default true; a backplane-only client sets false) */
    size_t max_commands;    /* stated limit of outstanding command objects;
                               beyond it a command fails RC_ERR_OTHER; 1<<20 */
    int max_subscriptions;  /* stated limit; 16 */
    /* multiplexer */
    sim_ns async_timeout;          /* asyncTimeout = syncTimeout (§5) */
    bool queue_while_disconnected; /* BacklogPolicy.Default true; FailFast false:
                               RC_ERR_REFUSED at once while disconnected (§5) */
    dist write;                    /* time the single writer holds the write lock per
                                      message (write + synchronous flush, §5): config
                                      l2.client.flush_cost, default constant 0 (FlushSync
                                      flushes an in-memory pipe; the socket send runs on
                                      SER's SocketManager) */
    rc_schedule reconnect_mux;     /* "ser_exponential", base = connect_timeout/2
                                   = 2500 ms, cap 10000 ms (resilience.md §3.4); with a
                                   runtime it is also the connect-abort threshold
                                   U[base, min(cap, base * 1.1^n)] (seed000-mechanism.md §4.4) */
    /* multiplexer with a runtime (env.rt; seed000-mechanism.md §4): */
    int dead_socket_factor;        /* silent disconnect when no read for factor x
                                      async_timeout while async commands timed out
                                      (SER PhysicalBridge.OnHeartbeat: 4); 0 = off */
    int handshake_commands;        /* commands written on a new connection; the last
                                      (ECHO tracer) establishes it (~12, §4.5) */
    bool sync_connect;             /* the connect completes inline in TryConnect (no
                                      pool pass; the stale OnDisconnected of the old
                                      socket then clears ConnectedAt); false: its
                                      completion waits for the engine (§6: both open) */
    sim_ns backlog_linger;         /* backlog thread SpinningDown WaitOne(5000) */
    /* pool */
    int connections;        /* N; default 64 (Redisson connectionPoolSize) */
    sim_ns acquire_timeout; /* wait for a free connection; default = timeout */
    int retry_attempts;     /* retries after the first attempt; 3 (§1.6) */
    rc_schedule retry;      /* delay before retry k (0-based): "constant" 1500 ms (§1.6) */
    bool retry_refused;     /* retry on connection refused too; default false
                               (UNCONFIRMED for Redisson, §1.6: a parameter) */
    rc_schedule reconnect;  /* "redisson_3_48": EqualJitterDelay(100 ms, 10 s) (§3.3) */
    int stuck_threshold;    /* seed 004: reset after this many failed attempts;
                               0 = off (default); seed 004 uses 50 */
    sim_ns stuck_reset;     /* seed 004: reset after this long without
                               progress; 0 = off (default); seed 004: 30 s */
    /* single (one pipelined socket: ioredis, node-redis; rc_single.c).  It
     * also uses timeout (per attempt; <= 0 or SIM_NEVER = none), reconnect,
     * stuck_*, and queue_while_disconnected (the offline queue: ioredis
     * enableOfflineQueue, node-redis !disableOfflineQueue). */
    int max_retries_per_request; /* ioredis: every (N+1)-th connection close
                                    flushes the offline queue and the commands
                                    in flight at the drop; < 0 = never */
    sim_ns command_timeout;      /* from enqueue (node-redis 6 commandOptions.timeout
                                    5000 ms); 0 = none */
    bool resend_unfulfilled;     /* ioredis autoResendUnfulfilledCommands: commands in
                                    flight at the drop are re-sent after reconnect;
                                    false (node-redis): they fail at the drop */
    bool immediate_reconnect;    /* node-redis: one attempt at once when a ready
                                    socket is lost, then the schedule from its start */
} rc_params;

/* Client presets (rc_presets.c): one row per real client at a named
 * version, setting the kind, the reconnect schedule and the offline
 * behaviour, each fact citing the client's source file and line
 * (docs/reference/redis-clients.md has the same table). */
typedef struct rc_preset {
    const char *name;   /* config l2.client.preset */
    const char *client; /* client and version */
    const char *kind;   /* "single" | "pool" | "multiplexer" */
    const char *reconnect;
    bool offline_queue, resend_unfulfilled, immediate_reconnect;
    int max_retries_per_request; /* < 0 = never */
    sim_ns command_timeout;      /* from enqueue; 0 = none */
    sim_ns attempt_timeout;      /* single: per written command; 0 = none */
    sim_ns connect_timeout;
    const char *source; /* file:line citations for every fact of the row */
} rc_preset;
const rc_preset *rc_preset_find(const char *name); /* NULL if unknown */
const rc_preset *rc_presets(size_t *n);
/* Replace p's client knobs with the preset's (kind defaults + the row);
 * keeps what belongs to the application: count_l2, stuck_*, heartbeat,
 * heartbeat_phase, keepalive, max_commands, max_subscriptions. */
void rc_preset_apply(const rc_preset *ps, rc_params *p);

/* Documented defaults for `kind` ("multiplexer", "pool" or "single"; NULL = multiplexer). */
rc_params rc_defaults(const char *kind);
/* 0 if p is usable (kind and schedule names known, durations positive);
 * else CS_USAGE and, when err != NULL, a message naming the field (the
 * models' convention: a status and a cs_err, as in sim/). */
int rc_params_validate(const rc_params *p, cs_err *err);

/* What a client is connected to and reports through.  `name` (e.g.
 * "cache", "backplane") distinguishes two clients of one node: random
 * streams are "node[N].rc.NAME.KIND" and transition reasons start with it. */
typedef struct rc_env {
    engine *e;
    stats *st;      /* may be NULL */
    run_rows *rows; /* may be NULL */
    redis_server *srv;
    network *net;
    int node; /* stats/rows node id (-1 = shared) */
    int link; /* link index in `net` */
    const char *name;
    struct runtime *rt; /* the process's .NET runtime (models/runtime.h); NULL: none,
                           replies are read at arrival (multiplexer only) */
    bool trace;         /* write SER error snapshots and events to the trace table */
} rc_env;

typedef struct redis_client redis_client;

/* A client kind (STYLE.md rule 4): adding one is a new file + one line in
 * the registry in redis_client.c. */
typedef struct rc_kind {
    const char *name;
    const char *summary;
    redis_client *(*create)(const rc_env *env, const rc_params *p);
    void (*destroy)(redis_client *c);
    void (*submit)(redis_client *c, const rc_op *op);
    void (*subscribe)(redis_client *c, int channel, rc_message_fn fn, void *ctx);
    bool (*is_connected)(const redis_client *c);
    const char *(*conn_state)(const redis_client *c);
    void (*block_writer)(redis_client *c, bool on);
    size_t (*backlog)(const redis_client *c);  /* mux: backlog; pool: acquire waiters */
    size_t (*inflight)(const redis_client *c); /* written, awaiting a reply */
} rc_kind;

const rc_kind *rc_kind_find(const char *name); /* NULL if unknown */

/* Create a client of p->kind (NULL if the kind is unknown or p is invalid).
 * The client starts connected (the application connected at start-up) and
 * registers with the server as a listener.  Params are copied (dists
 * deep-copied).  It keeps a periodic timer (heartbeat / sampling tick), so
 * run the engine to a finite end; free the client only when the engine
 * will dispatch nothing more for it (after the run), and before the server.
 *
 * Reports to env->st on env->node (gauges are per node, sim/core/stats.h):
 *   gauges   "redis.backlog", "redis.peak_backlog"   mux: backlog length;
 *                                                     pool: acquire waiters
 *            "redis.inflight", "redis.peak_inflight" written, awaiting reply
 *   counters "redis.reconnects"  successful reconnects of the interactive
 *                                connection
 *            "redis.client.timeouts"  backlog/response/acquire timeouts
 *                                of any command (when p->count_l2)
 *            "redis.client.errors"    every other error (when p->count_l2)
 *   (the caller-side view, "l2.error"/"l2.timeout", is the node's: models/node.c)
 * Rows: component "connection", states connected / disconnected /
 * connecting / stuck_reset / stopped, reason "NAME.interactive: why" or
 * "NAME.subscription: why". */
redis_client *rc_new(const rc_env *env, const rc_params *p);
void rc_free(redis_client *c);

/* Submit any command (the wrappers below fill an rc_op). */
void rc_submit(redis_client *c, const rc_op *op);

void rc_get(redis_client *c, uint64_t key, bool sync, rc_done_fn done, void *ctx, uint64_t tag);
void rc_hmget(redis_client *c, uint64_t key, bool sync, rc_done_fn done, void *ctx, uint64_t tag);
/* ttl <= 0: no expiry */
void rc_set(redis_client *c, uint64_t key, rs_value v, sim_ns ttl, bool sync, rc_done_fn done,
            void *ctx, uint64_t tag);
void rc_hmset(redis_client *c, uint64_t key, rs_value v, sim_ns ttl, bool sync, rc_done_fn done,
              void *ctx, uint64_t tag);
void rc_del(redis_client *c, uint64_t key, bool sync, rc_done_fn done, void *ctx, uint64_t tag);
void rc_expire(redis_client *c, uint64_t key, sim_ns ttl, bool sync, rc_done_fn done, void *ctx,
               uint64_t tag);
void rc_publish(redis_client *c, int channel, const rs_message *m, bool sync, rc_done_fn done,
                void *ctx, uint64_t tag);
/* Distributed lock: SET key owner NX PX px → RC_OK acquired, RC_NIL held by another. */
void rc_set_nx_px(redis_client *c, uint64_t key, uint64_t owner, sim_ns px, bool sync,
                  rc_done_fn done, void *ctx, uint64_t tag);
/* Release: delete key if its value is `owner` → RC_OK released, RC_NIL not owner/absent. */
void rc_del_if_owner(redis_client *c, uint64_t key, uint64_t owner, bool sync, rc_done_fn done,
                     void *ctx, uint64_t tag);

/* Subscribe `fn(ctx, ...)` to `channel` (an rs_channel id) on the
 * subscription connection; re-subscribed after every reconnect.  Messages
 * published before the SUBSCRIBE reaches the server are not seen. */
void rc_subscribe(redis_client *c, int channel, rc_message_fn fn, void *ctx);

/* Interactive connection usable now (mux: bridge connected; pool: connected). */
bool rc_is_connected(const redis_client *c);
/* "connected", "disconnected", "connecting", "stuck_reset", ... */
const char *rc_conn_state(const redis_client *c);
/* Fault hook: hold the single write path (mux; a stalled flush).  Pool: no-op. */
void rc_block_writer(redis_client *c, bool on);
size_t rc_backlog(const redis_client *c);
size_t rc_inflight(const redis_client *c);

/* Counters kept by every client (for tests and the node's own reports). */
typedef struct rc_counts {
    uint64_t submitted, completed;
    uint64_t by_status[RC_STATUS_COUNT];
    uint64_t reconnect_attempts, reconnects, stuck_resets;
    uint64_t messages_received, messages_lost;
} rc_counts;
void rc_get_counts(const redis_client *c, rc_counts *out);

#endif
