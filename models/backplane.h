/* backplane.h — FusionCache's Redis backplane (fusioncache.md §3) on the
 * Redis model: one pub/sub channel named from the cache name
 * ("NAME.Backplane:v2"), so nodes with different names never hear each
 * other; messages EntrySet / EntryRemove / EntryExpire carry sender, key and
 * the entry timestamp, never a value; a receiver drops its own messages.
 * Messages published while Redis, the link or the subscription connection is
 * down are lost (HCL Invalidations.md; the Redis model drops them), not
 * queued.
 *
 * Also here: the auto-recovery queue (§3 "Auto-recovery"): last action per
 * key, in insertion order, each item expiring after the entry duration.  The
 * node's recovery flow replays it (it needs the node's L2 path).
 * Left out: the backplane's own circuit breaker (a publish failure goes to
 * auto-recovery directly), WaitForInitialBackplaneSubscribe, tag/Clear keys.
 */
#ifndef CS_BACKPLANE_H
#define CS_BACKPLANE_H

#include "models/locks.h"
#include "models/redis_client.h"

typedef enum bp_action { BP_NONE = 0, BP_SET = 1, BP_REMOVE = 2, BP_EXPIRE = 3 } bp_action;
/* Receive modes (fusioncache.md §4 "Simulator toggle"). */
typedef enum bp_mode { BP_ASYNC = 0, BP_SYNC_INLINE, BP_IGNORE } bp_mode;

const char *bp_action_name(bp_action a);

typedef struct bp_params {
    bool enabled;
    bp_mode mode;
    int channel;          /* rs_channel id of "cache_name.Backplane:v2" */
    bool auto_recovery;   /* EnableAutoRecovery (true) */
    sim_ns ar_delay;      /* AutoRecoveryDelay 5 s (source, not the docs' 2 s) */
    int64_t ar_max_items; /* AutoRecoveryMaxItems; NO_LIMIT (the default) or >= 1 */
} bp_params;

/* ---- auto-recovery queue ---------------------------------------------- */
typedef struct ar_item {
    uint32_t key;
    uint8_t action;       /* bp_action */
    sim_ns ts;            /* the change's timestamp */
    sim_ns expires;       /* dropped when processed after this */
    uint32_t prev, next;  /* insertion order (indices) */
} ar_item;

typedef struct ar_queue {
    ar_item *items;
    size_t n, cap;
    uint32_t head, tail, free_head;
    u32map map; /* key -> item */
    uint32_t count;
} ar_queue;

void ar_init(ar_queue *q);
void ar_free(ar_queue *q);
/* Add or replace the item for key (a replaced item keeps its place).  max:
 * NO_LIMIT, or at most that many items (0 holds none).  With the queue full, the item expiring soonest is evicted,
 * or the new one refused if it would expire sooner still (§3 "Capacity").
 * Returns false when refused. */
bool ar_put(ar_queue *q, uint32_t key, bp_action a, sim_ns ts, sim_ns expires, int64_t max);
ar_item *ar_get(ar_queue *q, uint32_t key);
void ar_del(ar_queue *q, uint32_t key);
/* First item in insertion order, or NULL. */
ar_item *ar_first(ar_queue *q);

/* ---- backplane endpoint of one node ----------------------------------- */
typedef struct backplane {
    bp_params p;
    engine *e;
    stats *st;
    redis_client *rc; /* the backplane's own multiplexer (RedisBackplane owns one) */
    int node;
    bool down;        /* fault "backplane down": publishes fail, messages dropped */
    ar_queue ar;
    int id_pub, id_recv, id_reads, id_lost;
    uint64_t published, received, dropped_own;
} backplane;

/* Subscribe on rc to the channel; incoming messages go to fn(ctx, ...). */
void bp_init(backplane *b, engine *e, stats *st, redis_client *rc, int node, const bp_params *p,
             rc_message_fn fn, void *ctx);
void bp_free(backplane *b);
/* PUBLISH an action for key with the entry's timestamp.  done (may be NULL)
 * gets the client result.  Not while b->down: the caller treats a down
 * backplane as a failed publish (auto-recovery). */
void bp_publish(backplane *b, bp_action a, uint32_t key, sim_ns ts, bool sync, rc_done_fn done,
                void *ctx, uint64_t tag);

#endif
