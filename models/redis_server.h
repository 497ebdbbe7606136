/* redis_server.h — one Redis server: a single-threaded FIFO executing
 * commands one at a time, a keyspace of small values with TTLs, pub/sub
 * channels, and the fault states a fault schedule drives.
 *
 * MODEL.md "L2: Redis server"; MODEL.md "Faults" for down / blackhole /
 * slow / restart / flush / pause.  Service time per command comes from a
 * distribution (one default plus optional per-command overrides); PUBLISH
 * costs extra per subscriber.  A value is a version, a timestamp and a size
 * (no payload bytes).  Expiry is lazy (checked on access).
 * Left out: replication/cluster, memory eviction policies (a key limit makes
 * writes fail instead, like maxmemory + noeviction), active expiry cycles,
 * persistence (a restart always comes back empty), I/O threads.
 *
 * Callers (the clients in models/redis_client) hand requests in when they
 * *arrive* at the server (after the link delay); the server calls the
 * request's reply function when the command completes.  Connection
 * semantics: every server life has an epoch; a request carrying an older
 * epoch belongs to a dead TCP connection and is answered RS_R_RESET at once.
 */
#ifndef CS_REDIS_SERVER_H
#define CS_REDIS_SERVER_H

#include "sim/core/common.h"
#include "sim/core/dist.h"
#include "sim/core/engine.h"
#include "sim/core/rows.h"
#include "sim/core/stats.h"

/* Commands.  HMGET/HMSET behave like GET/SET (FusionCache's RedisCache
 * stores one hash per entry: fusioncache.md §5) but may have their own
 * service time.  SET_NX_PX and DEL_IF_OWNER are the distributed lock's
 * acquire and release (Medallion: SET NX PX + a compare-and-delete script).
 * CONNECT is the TCP + handshake a (re)connecting client performs;
 * SUBSCRIBE registers the sending connection for a channel; PING is a
 * client's keep-alive probe (added after CONNECT/SUBSCRIBE: existing values
 * are unchanged). */
typedef enum rs_cmd {
    RS_GET = 0,
    RS_HMGET,
    RS_SET,
    RS_HMSET,
    RS_EXPIRE,
    RS_DEL,
    RS_PUBLISH,
    RS_SET_NX_PX,
    RS_DEL_IF_OWNER,
    RS_CONNECT,
    RS_SUBSCRIBE,
    RS_PING, /* keep-alive probe on an idle connection */
    RS_CMD_COUNT
} rs_cmd;

/* Lower-case command name ("get", "set_nx_px", ...) for params and traces. */
const char *rs_cmd_name(rs_cmd c);
/* The command named `name`, or -1. */
int rs_cmd_find(const char *name);

/* Server states (MODEL.md "Faults"). */
typedef enum rs_state {
    RS_UP = 0,    /* normal service (× slow factor when set) */
    RS_DOWN,      /* process gone: connections refused (fast failure) */
    RS_BLACKHOLE, /* accepts, never answers: requests vanish (timeouts) */
    RS_PAUSED     /* accepts and queues, executes nothing until resumed */
} rs_state;
const char *rs_state_name(rs_state s);

/* A stored value: enough to tell versions apart and to size transfers.
 * For lock keys `version` holds the owner token. */
typedef struct rs_value {
    uint64_t version;
    sim_ns stamp;  /* caller-defined timestamp (e.g. the entry's creation time) */
    uint32_t size; /* bytes; scales service time by per_kb */
} rs_value;

/* A pub/sub message: small and fixed-size; its meaning belongs to the
 * publisher (models/backplane: sender node, action, key, version). */
typedef struct rs_message {
    int32_t sender;
    int32_t kind;
    uint64_t key;
    uint64_t version;
    sim_ns sent_at;
} rs_message;

/* Outcome of a command at the server. */
typedef enum rs_status {
    RS_R_OK = 0,  /* done; GET hit, SET stored, SET NX acquired, DEL/EXPIRE hit */
    RS_R_NIL,     /* GET miss, SET NX not acquired, DEL/EXPIRE/DEL_IF_OWNER no key or not owner */
    RS_R_REFUSED, /* server down: connection refused (no service time) */
    RS_R_RESET,   /* request from a connection of an earlier server life */
    RS_R_OOM,     /* write refused: max_keys reached (maxmemory + noeviction) */
    RS_R_DROPPED  /* never answered (blackhole, or lost when the server went
                     down): NOT a reply on the wire — it tells the sender to
                     release what it keeps for the request; the client treats
                     it as "nothing arrives" */
} rs_status;

typedef struct rs_reply {
    rs_status status;
    rs_value value; /* GET/HMGET hit: the stored value */
    int64_t count;  /* PUBLISH: receivers; DEL: keys removed */
    uint64_t epoch; /* CONNECT: the server life the connection belongs to */
    sim_ns queued;  /* time spent waiting in the server FIFO */
    sim_ns service; /* service time drawn */
} rs_reply;

/* Called when a command completes (or is refused) — synchronously, at the
 * completion instant; the caller adds the return-trip delay. `ctx`/`u` are
 * the request's own. */
typedef void (*rs_reply_fn)(void *ctx, uint64_t u, const rs_reply *r);
/* Called once per subscriber when a PUBLISH completes; the subscriber's
 * client applies its link (partition/loss ⇒ the message is lost). */
typedef void (*rs_deliver_fn)(void *ctx, uint64_t u, int channel, const rs_message *m);
/* Called when the server goes away (down, restart) so connected clients
 * learn their sockets closed; `epoch` is the life that ended. */
typedef void (*rs_listener_fn)(void *ctx, uint64_t epoch);

/* A request as it arrives at the server.  Copied by rs_submit.
 * Invariant: the server calls `reply` exactly once per submitted request
 * (RS_R_DROPPED when no answer will ever leave the box), so a sender can
 * account for every request it put on the wire. */
typedef struct rs_request {
    rs_cmd cmd;
    int channel;       /* PUBLISH/SUBSCRIBE: id from rs_channel() */
    uint64_t key;      /* GET..DEL_IF_OWNER; unused otherwise */
    rs_value value;    /* SET/HMSET/SET_NX_PX; DEL_IF_OWNER: value.version = owner */
    sim_ns ttl;        /* SET/HMSET/EXPIRE/SET_NX_PX (PX); <= 0 = no TTL (SET) */
    uint64_t epoch;    /* the connection's server life (0 for CONNECT) */
    uint32_t conn;     /* the sender's socket (its lane): with ctx it names one
                          connection; the batched cost counts sockets per batch */
    rs_reply_fn reply; /* required */
    void *ctx;
    uint64_t u;
    /* A request is queued by value (the FIFO can hold 10^6 of them in an
     * overload): PUBLISH's payload and SUBSCRIBE's subscriber share room. */
    union {
        rs_message msg; /* PUBLISH payload */
        struct {
            rs_deliver_fn deliver; /* SUBSCRIBE: the subscriber's delivery function */
            void *deliver_ctx;
            uint64_t deliver_u;
        };
    };
} rs_request;

/* How a command's server time is made up.
 * RS_COST_SERVICE ("slow_commands", the model before issue 14): each command
 *   takes a draw of `service` (or its cmd_service), + per_kb, + PUBLISH's
 *   publish_per_subscriber, one command at a time.
 * RS_COST_BATCHED (issue 14): Redis's event loop.  An iteration takes every
 *   command that arrived while the previous one ran (a batch); it costs
 *   io_loop once, io_read per socket with input, each command's exec (+
 *   per_kb, + PUBLISH's exec_publish_per_subscriber x subscribers), then
 *   io_write per socket with replies and io_publish_write per subscriber a
 *   PUBLISH of the batch reaches (once per channel and batch), plus io_wake
 *   x min(1, (idle - wake_after) / wake_ramp) when the iteration starts
 *   after an idle time longer than wake_after (a step when wake_ramp is 0); the replies
 *   of a batch leave together at its end (beforeSleep's writes).  Per-socket
 *   and per-iteration costs are shared by the commands that arrive
 *   together, so the server's CPU per command falls as load rises (issue
 *   14: ~50 us per GET at 2k/s, ~6 us at 130k/s on a 2-vCPU VM). */
typedef enum rs_cost { RS_COST_SERVICE = 0, RS_COST_BATCHED } rs_cost;

/* Parameters. */
typedef struct rs_params {
    rs_cost cost;
    sim_ns exec[RS_CMD_COUNT];         /* batched: execution time per command */
    sim_ns exec_publish_per_subscriber; /* batched: PUBLISH execution per subscriber */
    sim_ns io_loop;                    /* batched: per iteration (epoll_wait + beforeSleep) */
    sim_ns io_read;                    /* batched: per socket with input in the batch */
    sim_ns io_write;                   /* batched: per socket with replies in the batch */
    sim_ns io_publish_write;           /* batched: per subscriber socket a PUBLISH reaches */
    sim_ns io_wake;       /* batched: extra cost of an iteration that starts after the server
                             was idle longer than wake_after + wake_ramp (the CPUs went to sleep: wake-up
                             from idle, cold caches); 0 = off; on by default (rs_batched_defaults) */
    sim_ns wake_after;    /* batched: no wake cost for an idle time up to this (a batch
                             that starts as the previous one ends never pays it) */
    sim_ns wake_ramp;     /* batched: the cost rises linearly from 0 at wake_after to io_wake
                             at wake_after + wake_ramp (0: a step) */
    dist service;                   /* default: lognormal median 100 us, p99 1 ms
                                       (INTERFACES.md config example l2.redis.service) */
    dist cmd_service[RS_CMD_COUNT]; /* per-command override; .kind == NULL: use `service` */
    sim_ns publish_per_subscriber;  /* extra PUBLISH cost per subscriber; default 1 us
                                       (assumption: Redis PUBLISH is O(N) in subscribers) */
    sim_ns per_kb;                  /* extra service per KiB of value written/read; default 0 */
    size_t max_keys;                /* 0 = unbounded (MODEL.md: memory unbounded unless set) */
    size_t max_queue;               /* stated limit of the FIFO; default 1<<22; asserted */
    int max_channels;               /* stated limit; default 64 */
    int max_subscribers;            /* per channel; stated limit; default 1024 */
} rs_params;

/* Defaults as documented above (cost RS_COST_SERVICE). The returned dists
 * own no memory. */
rs_params rs_defaults(void);
/* The batched cost's defaults (exec, io_*): what `cachestorm calibrate`
 * measured on the development VM (README "Calibrate"). */
void rs_batched_defaults(rs_params *p);

typedef struct redis_server redis_server;

/* The server draws service times from stream "redis.service".  stats may be
 * NULL (tests); rows may be NULL.  Metrics (node -1): counter
 * "redis.commands" (completed commands), gauge "redis.up" (1/0, also
 * re-sampled every `sample` ns when sample > 0 so every series bucket has a
 * value), gauge "redis.queue" (longest FIFO
 * in each `sample` period, set at the sample ticks).  State changes go to rows as
 * component "redis". The params' dists are deep-copied. */
redis_server *rs_new(engine *e, stats *st, run_rows *rows, const rs_params *p, sim_ns sample);
/* Free after the run, after the clients (which registered as listeners). */
void rs_free(redis_server *s);

/* Hand a request in at its arrival instant.  Up/paused: queued (FIFO);
 * down: replied RS_R_REFUSED at once; blackhole: RS_R_DROPPED at once.  A stale
 * epoch (not CONNECT) is answered RS_R_RESET at once. */
void rs_submit(redis_server *s, const rs_request *req);

/* Interned channel id for `name` (created on first use, ≤ max_channels). */
int rs_channel(redis_server *s, const char *name);
int rs_subscribers(const redis_server *s, int channel);

/* Register a listener told when the server goes down / restarts (≤ 256). */
void rs_listen(redis_server *s, rs_listener_fn fn, void *ctx);

/* Faults (MODEL.md "Faults").  Each records a row (component "redis").
 * rs_down: refuse connections; queued and in-service commands are lost;
 *   subscriptions are dropped; listeners are told; the epoch advances.
 * rs_up: back to service with the keyspace it had (use rs_restart for an
 *   empty one).
 * rs_restart: down now, up after `downtime` with an EMPTY keyspace.
 * rs_blackhole: requests vanish (in-service and queued work also vanish:
 *   no replies leave the box); connections stay "open" (no listener call).
 * rs_pause: stop executing (GC-like / DEBUG SLEEP); rs_up resumes.
 * rs_set_slow: service × factor (1.0 = normal), independent of the state.
 * rs_flush: FLUSHALL now (keyspace emptied, state unchanged). */
void rs_down(redis_server *s, const char *reason);
void rs_up(redis_server *s, const char *reason);
void rs_restart(redis_server *s, sim_ns downtime, const char *reason);
void rs_blackhole(redis_server *s, const char *reason);
void rs_pause(redis_server *s, const char *reason);
void rs_set_slow(redis_server *s, double factor);
void rs_flush(redis_server *s);

rs_state rs_get_state(const redis_server *s);
uint64_t rs_epoch(const redis_server *s);
uint64_t rs_completed(const redis_server *s);
/* Total time the server spent busy (the sum of service times started; the
 * model's CPU time). */
sim_ns rs_busy(const redis_server *s);

/* Direct keyspace access (no service time, no network): for tests, for
 * warming a cache at setup, and for the lock service's assertions. */
bool rs_peek(redis_server *s, uint64_t key, rs_value *out, sim_ns *expires_at);
void rs_poke(redis_server *s, uint64_t key, rs_value v, sim_ns ttl);
size_t rs_keys(const redis_server *s); /* stored keys, expired-but-unvisited included */

#endif
