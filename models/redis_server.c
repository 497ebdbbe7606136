/* redis_server.c — a single-threaded Redis: one FIFO, one command in
 * service at a time, a keyspace with lazy TTL expiry, pub/sub channels, and
 * the fault states (MODEL.md "L2: Redis server", "Faults").
 *
 * The FIFO is a chain of fixed blocks of requests; emptied blocks go to a
 * spare list for reuse, so memory stays at the peak queue and there is no
 * allocation per command once warm (O(1); limit max_queue, asserted): a
 * backlog flushed at reconnect can queue a million commands, and a doubling
 * ring then held up to 3x that while copying.  The keyspace is an
 * open-addressing table with linear probing and backward-shift deletion
 * (no tombstones), a fixed hash, grown at 1/2 load.  Nothing iterates the
 * keyspace in an order that matters (STYLE.md rule 18).
 * Left out: see redis_server.h.
 */
#include "models/redis_server.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define RS_MAX_LISTENERS 256
#define RS_QBLOCK 1024 /* queued commands per FIFO block */

/* A queued command and when it arrived. */
typedef struct q_item {
    rs_request req;
    sim_ns arrived;
} q_item;

/* One block of the FIFO chain. */
typedef struct q_block {
    struct q_block *next;
    q_item v[RS_QBLOCK];
} q_block;

typedef struct kv_entry {
    uint64_t key;
    rs_value v;
    sim_ns expires; /* SIM_NEVER: no TTL */
    bool used;
} kv_entry;

typedef struct subscriber {
    rs_deliver_fn fn;
    void *ctx;
    uint64_t u;
} subscriber;

typedef struct channel {
    char *name;
    subscriber *subs;
    size_t n, cap;
} channel;

typedef struct listener {
    rs_listener_fn fn;
    void *ctx;
} listener;

struct redis_server {
    engine *e;
    stats *st;
    run_rows *rows;
    rs_params p;
    gsl_rng *rng;

    rs_state state;
    uint64_t epoch; /* server life; advances on every down/restart */
    double slow;

    /* FIFO: blocks from qh (read at qhead) to qt (written at qtail);
     * qspare: emptied blocks (through next) */
    q_block *qh, *qt, *qspare;
    size_t qhead, qtail, qlen;
    /* the command in service */
    bool busy;
    /* batched cost: the iteration in progress */
    size_t batch_left;      /* commands of the current batch not yet executed */
    sim_ns batch_tail;      /* write costs charged to the batch's last command */
    sim_ns batch_head;      /* loop + read costs charged to its first command */
    sim_ns idle_since;      /* when the server last went idle (0: never busy yet) */
    struct pending {
        rs_request req;
        rs_reply rep;
    } *pend; /* executed, reply waiting for the batch end */
    size_t npend, pend_cap;
    uint64_t *seen; /* scratch: open-addressing set of sockets / channels */
    size_t seen_cap;
    rs_request cur;
    sim_ns cur_arrived, cur_start, cur_service, cur_remaining; /* remaining: when paused */
    ev_id cur_ev;

    /* keyspace */
    kv_entry *kv;
    size_t kvcap, kvlen;

    channel chans[256];
    int nchans;
    listener listeners[RS_MAX_LISTENERS];
    int nlisteners;

    ev_id restart_ev, sample_ev;
    sim_ns sample;
    size_t q_peak; /* longest FIFO since the last sample */
    uint64_t completed;
    sim_ns busy_ns; /* sum of service times started */
    int m_commands, m_up, m_queue;
};

static const char *const cmd_names[RS_CMD_COUNT] = {
    "get",     "hmget",     "set",          "hmset",   "expire",    "del",
    "publish", "set_nx_px", "del_if_owner", "connect", "subscribe", "ping"};

const char *rs_cmd_name(rs_cmd c)
{
    assert(c >= 0 && c < RS_CMD_COUNT);
    return cmd_names[c];
}

int rs_cmd_find(const char *name)
{
    for (int i = 0; i < RS_CMD_COUNT; i++)
        if (strcmp(cmd_names[i], name) == 0)
            return i;
    return -1;
}

const char *rs_state_name(rs_state s)
{
    static const char *const n[] = {"up", "down", "blackhole", "paused"};
    assert(s >= RS_UP && s <= RS_PAUSED);
    return n[s];
}

rs_params rs_defaults(void)
{
    rs_params p;
    memset(&p, 0, sizeof p);
    cs_err err;
    const char *keys[] = {"median", "p99"};
    const double vals[] = {US(100), MS(1)};
    int rc = dist_init(&p.service, "lognormal", 2, keys, vals, &err);
    assert(rc == 0);
    (void)rc;
    p.publish_per_subscriber = US(1);
    p.per_kb = 0;
    p.cost = RS_COST_SERVICE;
    rs_batched_defaults(&p);
    p.max_keys = 0;
    p.max_queue = (size_t)1 << 22;
    p.max_channels = 64;
    p.max_subscribers = 1024;
    return p;
}

/* ---- keyspace ------------------------------------------------------------ */

static inline uint64_t kv_hash(uint64_t x)
{
    /* splitmix64 finalizer: fixed, so probe order never depends on a run */
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* Slot holding key, or the empty slot where it would go. kvcap is a power of 2. */
static size_t kv_slot(const redis_server *s, uint64_t key)
{
    size_t mask = s->kvcap - 1, i = kv_hash(key) & mask;
    while (s->kv[i].used && s->kv[i].key != key)
        i = (i + 1) & mask;
    return i;
}

static void kv_grow(redis_server *s)
{
    kv_entry *old = s->kv;
    size_t oldcap = s->kvcap;
    s->kvcap = oldcap ? oldcap * 2 : 1024;
    s->kv = cs_calloc(s->kvcap, sizeof *s->kv);
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].used)
            s->kv[kv_slot(s, old[i].key)] = old[i];
    free(old);
}

/* Backward-shift deletion: keeps every probe chain unbroken without tombstones. */
static void kv_delete_slot(redis_server *s, size_t i)
{
    size_t mask = s->kvcap - 1, j = i;
    s->kv[i].used = false;
    for (;;) {
        j = (j + 1) & mask;
        if (!s->kv[j].used)
            break;
        size_t home = kv_hash(s->kv[j].key) & mask;
        /* can entry j move into hole i?  yes if home is not cyclically in (i, j] */
        bool stays = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            s->kv[i] = s->kv[j];
            s->kv[j].used = false;
            i = j;
        }
    }
    s->kvlen--;
}

/* The live entry for key, or NULL; an expired entry is deleted on the way
 * (lazy expiry, like Redis's expireIfNeeded on access). */
static kv_entry *kv_find(redis_server *s, uint64_t key)
{
    if (!s->kvcap)
        return NULL;
    size_t i = kv_slot(s, key);
    if (!s->kv[i].used)
        return NULL;
    if (s->kv[i].expires <= eng_now(s->e)) {
        kv_delete_slot(s, i);
        return NULL;
    }
    return &s->kv[i];
}

/* Insert or overwrite; NULL when max_keys forbids a new key. */
static kv_entry *kv_put(redis_server *s, uint64_t key)
{
    if (!s->kvcap || (s->kvlen + 1) * 2 > s->kvcap)
        kv_grow(s);
    size_t i = kv_slot(s, key);
    if (!s->kv[i].used) {
        if (s->p.max_keys && s->kvlen >= s->p.max_keys)
            return NULL;
        s->kv[i].used = true;
        s->kv[i].key = key;
        s->kvlen++;
    }
    return &s->kv[i];
}

static void kv_del(redis_server *s, uint64_t key)
{
    if (!s->kvcap)
        return;
    size_t i = kv_slot(s, key);
    if (s->kv[i].used)
        kv_delete_slot(s, i);
}

static void kv_clear(redis_server *s)
{
    if (s->kvcap)
        memset(s->kv, 0, s->kvcap * sizeof *s->kv);
    s->kvlen = 0;
}

void rs_batched_defaults(rs_params *p)
{
    /* Measured (issue 14 follow-up): three runs of
     *   chrt -f 1 build/cachestorm calibrate redis://127.0.0.1:PORT --out cal.yaml
     * against redis-server 7.0.15 (`--save ""`, itself at chrt -f -p 1) on
     * the 2-vCPU Debian 12 development VM, 2026-12-03 19:38-19:39 UTC, load
     * average 3.9-4.2.  Each number is the median of the three runs' fitted
     * values (the runs, in order):
     *   exec (INFO commandstats usec_per_call): GET 0.34/0.72/0.27 us,
     *     SET 1.03/0.99/0.53, HSET 1.30/1.42/0.81, HMGET 1.08/1.08/0.76,
     *     PUBLISH 0.56/0.51/0.37, PUBLISH per subscriber 0.192/0.254/0.201;
     *     EXPIRE, DEL, SET NX PX take SET's (calibrate does not measure
     *     them), PING and SUBSCRIBE GET's (assumption);
     *   one more socket in an iteration S = io.read + io.write:
     *     11.30 +- 2.24 / 10.13 +- 0.59 / 5.36 +- 5.35 us (95 % CI), split
     *     evenly; io.loop = warm lone GET CPU less S less exec:
     *     23.62 / 20.79 / 19.25 us (loop share f 0.68 / 0.67 / 0.78); the
     *     median run (the second) gives loop 20.79, read = write 5.07 us;
     *   wake from idle: io.wake 28.7 / 18.9 / 58.2 us, wake_after 40 / 190 /
     *     39 us, wake_ramp 333 / 737 / 783 us;
     *   publish_write (CPU per subscriber less its execution) 4.93 / 6.47 /
     *     5.13 us.
     * The wake term is on: with these numbers the model's GET p50 in
     * calibrate's open loop (16 sockets, each run's rates) is -3/-1/-16 %
     * off the measured at 10 % load and -12/+6/-4 % at 50 %; without it
     * -31/-24/-43 % and -18/+2/-12 %, and the p50 rises with load where the
     * real one falls (README "Calibrate").  It is this VM's wake-up (guest
     * halt-polling), not a property of Redis: a busy server never pays it.
     * Assumptions (not measured): the lock-release script, CONNECT. */
    for (int i = 0; i < RS_CMD_COUNT; i++)
        p->exec[i] = 990;
    p->exec[RS_GET] = p->exec[RS_PING] = p->exec[RS_SUBSCRIBE] = 340;
    p->exec[RS_HMGET] = 1080;
    p->exec[RS_HMSET] = 1300;
    p->exec[RS_PUBLISH] = 510;
    p->exec[RS_DEL_IF_OWNER] = US(5); /* a Lua compare-and-delete: assumption */
    p->exec[RS_CONNECT] = US(20);     /* accept + handshake: assumption */
    p->exec_publish_per_subscriber = 201;
    p->io_loop = 20787;
    p->io_read = 5066;
    p->io_write = 5066;
    p->io_publish_write = 5129;
    p->io_wake = 28714;
    p->wake_after = 40087;
    p->wake_ramp = 736601;
}

/* ---- life cycle ------------------------------------------------------------ */

static void sample_tick(engine *e, void *obj, uint64_t u);

redis_server *rs_new(engine *e, stats *st, run_rows *rows, const rs_params *p, sim_ns sample)
{
    assert(e && p && p->service.kind);
    assert(p->max_channels > 0 && p->max_channels <= 256 && p->max_subscribers > 0);
    redis_server *s = cs_calloc(1, sizeof *s);
    s->e = e;
    s->st = st;
    s->rows = rows;
    s->p = *p;
    dist_copy(&s->p.service, &p->service);
    for (int i = 0; i < RS_CMD_COUNT; i++)
        if (p->cmd_service[i].kind)
            dist_copy(&s->p.cmd_service[i], &p->cmd_service[i]);
    s->rng = eng_rng(e, "redis.service");
    s->state = RS_UP;
    s->epoch = 1;
    s->slow = 1.0;
    s->sample = sample;
    if (st) {
        s->m_commands = stats_counter(st, "redis.commands");
        s->m_up = stats_gauge(st, "redis.up");
        s->m_queue = stats_gauge(st, "redis.queue");
        stats_gauge_set(st, -1, s->m_up, 1);
    }
    if (sample > 0)
        s->sample_ev = eng_after(e, 0, sample_tick, s, 0);
    return s;
}

void rs_free(redis_server *s)
{
    if (!s)
        return;
    dist_free(&s->p.service);
    for (int i = 0; i < RS_CMD_COUNT; i++)
        if (s->p.cmd_service[i].kind)
            dist_free(&s->p.cmd_service[i]);
    for (int i = 0; i < s->nchans; i++) {
        free(s->chans[i].name);
        free(s->chans[i].subs);
    }
    for (q_block *b = s->qh; b;) {
        q_block *nb = b->next;
        free(b);
        b = nb;
    }
    for (q_block *b = s->qspare; b;) {
        q_block *nb = b->next;
        free(b);
        b = nb;
    }
    free(s->kv);
    free(s->pend);
    free(s->seen);
    free(s);
}

/* Re-sample the 0/1 "redis.up" gauge so every series bucket has a value. */
static void sample_tick(engine *e, void *obj, uint64_t u)
{
    (void)u;
    redis_server *s = obj;
    if (s->st) {
        stats_gauge_set(s->st, -1, s->m_up, s->state == RS_UP ? 1 : 0);
        stats_gauge_set(s->st, -1, s->m_queue, (double)s->q_peak);
    }
    s->q_peak = s->qlen;
    s->sample_ev = eng_after(e, s->sample, sample_tick, s, 0);
}

/* ---- the FIFO -------------------------------------------------------------- */

static void q_push(redis_server *s, const rs_request *r, sim_ns arrived)
{
    assert(s->qlen < s->p.max_queue); /* stated limit (rs_params.max_queue) */
    if (!s->qt || s->qtail == RS_QBLOCK) { /* chain a block (the spare first) */
        q_block *b = s->qspare;
        if (b)
            s->qspare = b->next;
        else
            b = cs_malloc(sizeof *b);
        b->next = NULL;
        if (s->qt)
            s->qt->next = b;
        else {
            s->qh = b;
            s->qhead = 0;
        }
        s->qt = b;
        s->qtail = 0;
    }
    s->qt->v[s->qtail++] = (q_item){*r, arrived};
    s->qlen++;
}

static void q_pop(redis_server *s, rs_request *out, sim_ns *arrived)
{
    assert(s->qlen > 0 && s->qh);
    q_item *x = &s->qh->v[s->qhead++];
    *out = x->req;
    *arrived = x->arrived;
    s->qlen--;
    if (s->qhead == RS_QBLOCK || s->qlen == 0) { /* block used up: to the spares */
        q_block *b = s->qh;
        s->qh = s->qlen ? b->next : NULL;
        if (!s->qh)
            s->qt = NULL;
        s->qhead = 0;
        b->next = s->qspare;
        s->qspare = b;
    }
}

static channel *chan_get(redis_server *s, int c)
{
    assert(c >= 0 && c < s->nchans);
    return &s->chans[c];
}

/* Service time of r: the command's distribution × slow, plus size and
 * per-subscriber costs. */
static sim_ns service_time(redis_server *s, const rs_request *r)
{
    sim_ns t;
    if (s->p.cost == RS_COST_BATCHED) {
        t = s->p.exec[r->cmd];
        if (r->cmd == RS_PUBLISH)
            t += s->p.exec_publish_per_subscriber * (sim_ns)chan_get(s, r->channel)->n;
    } else {
        const dist *d = s->p.cmd_service[r->cmd].kind ? &s->p.cmd_service[r->cmd] : &s->p.service;
        t = dist_sample_ns(d, s->rng);
        if (r->cmd == RS_PUBLISH)
            t += s->p.publish_per_subscriber * (sim_ns)chan_get(s, r->channel)->n;
    }
    if (s->p.per_kb && r->value.size)
        t += s->p.per_kb * (sim_ns)r->value.size / 1024;
    if (s->slow != 1.0)
        t = (sim_ns)((double)t * s->slow);
    return t;
}

static void service_done(engine *e, void *obj, uint64_t u);

/* Insert x into the scratch set (capacity a power of two > 2 n); true if new. */
static bool seen_add(redis_server *s, uint64_t x)
{
    size_t m = s->seen_cap - 1;
    x = x * 0x9E3779B97F4A7C15ull + 1; /* never 0 (the empty mark) */
    for (size_t i = (size_t)(x >> 17) & m;; i = (i + 1) & m) {
        if (s->seen[i] == x)
            return false;
        if (s->seen[i] == 0) {
            s->seen[i] = x;
            return true;
        }
    }
}

static void seen_reset(redis_server *s, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n + 2)
        cap *= 2;
    if (cap > s->seen_cap) {
        free(s->seen);
        s->seen = cs_malloc(cap * sizeof *s->seen);
        s->seen_cap = cap;
    }
    memset(s->seen, 0, s->seen_cap * sizeof *s->seen);
}

static uint64_t sock_id(const rs_request *r)
{
    return (uint64_t)(uintptr_t)r->ctx * 1000003u ^ r->conn;
}

/* A new event-loop iteration: `first` (just popped) and everything queued
 * behind it.  Its shared costs: io_loop, io_read and io_write per distinct
 * socket, io_publish_write per subscriber of each channel published to. */
static void batch_begin(redis_server *s, const rs_request *first)
{
    size_t n = 1 + s->qlen;
    s->batch_left = n;
    seen_reset(s, n);
    size_t socks = 0, subs = 0;
    socks += seen_add(s, sock_id(first));
    q_block *b = s->qh;
    size_t j = s->qhead;
    for (size_t i = 0; i < s->qlen; i++) {
        if (j == RS_QBLOCK) {
            b = b->next;
            j = 0;
        }
        socks += seen_add(s, sock_id(&b->v[j++].req));
    }
    /* channels: a second pass with the set cleared (ids cannot collide with sockets then) */
    seen_reset(s, n);
    if (first->cmd == RS_PUBLISH && seen_add(s, (uint64_t)first->channel))
        subs += chan_get(s, first->channel)->n;
    b = s->qh;
    j = s->qhead;
    for (size_t i = 0; i < s->qlen; i++) {
        if (j == RS_QBLOCK) {
            b = b->next;
            j = 0;
        }
        const rs_request *r = &b->v[j++].req;
        if (r->cmd == RS_PUBLISH && seen_add(s, (uint64_t)r->channel))
            subs += chan_get(s, r->channel)->n;
    }
    s->batch_head = s->p.io_loop + (sim_ns)socks * s->p.io_read;
    sim_ns idle = eng_now(s->e) - s->idle_since;
    if (s->p.io_wake > 0 && idle > s->p.wake_after) { /* the event loop wakes from a long idle */
        sim_ns over = idle - s->p.wake_after;
        s->batch_head += over >= s->p.wake_ramp
                             ? s->p.io_wake
                             : (sim_ns)((double)s->p.io_wake * (double)over / (double)s->p.wake_ramp);
    }
    s->batch_tail = (sim_ns)socks * s->p.io_write + (sim_ns)subs * s->p.io_publish_write;
}

/* Start the next queued command if the server is idle and executing. */
static void start_next(redis_server *s)
{
    if (s->busy || s->state != RS_UP || s->qlen == 0)
        return;
    q_pop(s, &s->cur, &s->cur_arrived);
    s->busy = true;
    s->cur_start = eng_now(s->e);
    s->cur_service = service_time(s, &s->cur);
    if (s->p.cost == RS_COST_BATCHED) {
        sim_ns extra = 0;
        if (s->batch_left == 0) {
            batch_begin(s, &s->cur);
            extra += s->batch_head;
        }
        if (s->batch_left == 1)
            extra += s->batch_tail;
        s->cur_service += s->slow != 1.0 ? (sim_ns)((double)extra * s->slow) : extra;
    }
    s->busy_ns += s->cur_service;
    s->cur_ev = eng_after(s->e, s->cur_service, service_done, s, 0);
}

/* Execute r against the keyspace at its completion instant. */
static void execute(redis_server *s, const rs_request *r, rs_reply *rep)
{
    sim_ns now = eng_now(s->e);
    kv_entry *k;
    switch (r->cmd) {
    case RS_GET:
    case RS_HMGET:
        k = kv_find(s, r->key);
        if (k) {
            rep->status = RS_R_OK;
            rep->value = k->v;
        } else
            rep->status = RS_R_NIL;
        break;
    case RS_SET:
    case RS_HMSET:
        k = kv_put(s, r->key);
        if (!k) {
            rep->status = RS_R_OOM;
            break;
        }
        k->v = r->value;
        k->expires = r->ttl > 0 ? now + r->ttl : SIM_NEVER;
        rep->status = RS_R_OK;
        break;
    case RS_EXPIRE:
        k = kv_find(s, r->key);
        if (!k) {
            rep->status = RS_R_NIL;
            break;
        }
        if (r->ttl <= 0) /* EXPIRE with a non-positive TTL deletes the key (Redis) */
            kv_del(s, r->key);
        else
            k->expires = now + r->ttl;
        rep->status = RS_R_OK;
        break;
    case RS_DEL:
        k = kv_find(s, r->key);
        rep->count = k ? 1 : 0;
        if (k)
            kv_del(s, r->key);
        rep->status = k ? RS_R_OK : RS_R_NIL;
        break;
    case RS_SET_NX_PX:
        assert(r->ttl > 0); /* a lock without PX would never be abandoned */
        k = kv_find(s, r->key);
        if (k) {
            rep->status = RS_R_NIL;
            break;
        }
        k = kv_put(s, r->key);
        if (!k) {
            rep->status = RS_R_OOM;
            break;
        }
        k->v = r->value;
        k->expires = now + r->ttl;
        rep->status = RS_R_OK;
        break;
    case RS_DEL_IF_OWNER:
        k = kv_find(s, r->key);
        if (k && k->v.version == r->value.version) {
            kv_del(s, r->key);
            rep->status = RS_R_OK;
            rep->count = 1;
        } else
            rep->status = RS_R_NIL;
        break;
    case RS_PUBLISH: {
        channel *c = chan_get(s, r->channel);
        rep->count = (int64_t)c->n;
        rep->status = RS_R_OK;
        /* deliveries in subscription order; each client applies its own link */
        for (size_t i = 0; i < c->n; i++)
            c->subs[i].fn(c->subs[i].ctx, c->subs[i].u, r->channel, &r->msg);
        break;
    }
    case RS_PING:
        rep->status = RS_R_OK;
        break;
    case RS_CONNECT:
        rep->status = RS_R_OK;
        rep->epoch = s->epoch;
        break;
    case RS_SUBSCRIBE: {
        channel *c = chan_get(s, r->channel);
        size_t i;
        for (i = 0; i < c->n; i++)
            if (c->subs[i].fn == r->deliver && c->subs[i].ctx == r->deliver_ctx)
                break;
        if (i == c->n) {
            assert(c->n < (size_t)s->p.max_subscribers); /* stated limit */
            cs_grow((void **)&c->subs, &c->cap, c->n + 1, sizeof *c->subs);
            c->n++;
        }
        c->subs[i] = (subscriber){r->deliver, r->deliver_ctx, r->deliver_u};
        rep->status = RS_R_OK;
        break;
    }
    default:
        assert(0 && "unknown command");
    }
}

static void service_done(engine *e, void *obj, uint64_t u)
{
    (void)e;
    (void)u;
    redis_server *s = obj;
    assert(s->busy && s->state == RS_UP);
    rs_request r = s->cur;
    s->busy = false;
    s->cur_ev = 0;
    rs_reply rep = {0};
    rep.queued = s->cur_start - s->cur_arrived;
    rep.service = s->cur_service;
    rep.epoch = s->epoch;
    execute(s, &r, &rep);
    s->completed++;
    if (s->st)
        stats_add(s->st, -1, s->m_commands, 1);
    if (s->p.cost == RS_COST_BATCHED) {
        assert(s->batch_left > 0);
        if (--s->batch_left > 0) { /* the reply waits for the batch's writes */
            cs_grow((void **)&s->pend, &s->pend_cap, s->npend + 1, sizeof *s->pend);
            s->pend[s->npend++] = (struct pending){r, rep};
            start_next(s);
            return;
        }
        /* the batch is done: its replies leave together, in order.  Copy
         * out first: a reply may submit work that arrives in a new batch. */
        size_t n = s->npend;
        s->npend = 0;
        for (size_t i = 0; i < n; i++) {
            struct pending x = s->pend[i];
            x.req.reply(x.req.ctx, x.req.u, &x.rep);
        }
    }
    s->idle_since = eng_now(s->e); /* idle unless start_next below finds more */
    /* the reply may submit new work (a client's next write): start_next after */
    r.reply(r.ctx, r.u, &rep);
    start_next(s);
}

void rs_submit(redis_server *s, const rs_request *req)
{
    assert(req && req->reply && req->cmd >= 0 && req->cmd < RS_CMD_COUNT);
    rs_reply rep = {0};
    switch (s->state) {
    case RS_DOWN:
        rep.status = RS_R_REFUSED;
        req->reply(req->ctx, req->u, &rep);
        return;
    case RS_BLACKHOLE:
        rep.status = RS_R_DROPPED; /* accepted, never answered */
        req->reply(req->ctx, req->u, &rep);
        return;
    default:
        break;
    }
    if (req->cmd != RS_CONNECT && req->epoch != s->epoch) {
        rep.status = RS_R_RESET; /* socket of an earlier server life */
        req->reply(req->ctx, req->u, &rep);
        return;
    }
    q_push(s, req, eng_now(s->e));
    if (s->qlen > s->q_peak)
        s->q_peak = s->qlen; /* reported at the next sample: no stats call per command */
    start_next(s);
}

int rs_channel(redis_server *s, const char *name)
{
    for (int i = 0; i < s->nchans; i++)
        if (strcmp(s->chans[i].name, name) == 0)
            return i;
    assert(s->nchans < s->p.max_channels); /* stated limit */
    s->chans[s->nchans].name = cs_strdup(name);
    return s->nchans++;
}

int rs_subscribers(const redis_server *s, int c)
{
    assert(c >= 0 && c < s->nchans);
    return (int)s->chans[c].n;
}

void rs_listen(redis_server *s, rs_listener_fn fn, void *ctx)
{
    assert(s->nlisteners < RS_MAX_LISTENERS); /* stated limit */
    s->listeners[s->nlisteners++] = (listener){fn, ctx};
}

/* ---- faults ---------------------------------------------------------------- */

static void set_state(redis_server *s, rs_state to, const char *reason)
{
    if (s->rows && s->state != to)
        rows_transition(s->rows, eng_now(s->e), -1, "redis", rs_state_name(s->state),
                        rs_state_name(to), reason ? reason : "");
    s->state = to;
    if (s->st)
        stats_gauge_set(s->st, -1, s->m_up, to == RS_UP ? 1 : 0);
}

/* Drop queued and in-service work: no reply leaves the box, but each
 * sender is told RS_R_DROPPED (the exactly-once reply invariant). */
static void drop_work(redis_server *s)
{
    rs_reply rep = {0};
    rep.status = RS_R_DROPPED;
    if (s->busy) {
        eng_cancel(s->e, s->cur_ev);
        s->busy = false;
        s->cur_ev = 0;
        rs_request r = s->cur;
        r.reply(r.ctx, r.u, &rep);
    }
    /* executed in the batch, replies never written */
    size_t np = s->npend;
    s->npend = 0;
    s->batch_left = 0;
    for (size_t i = 0; i < np; i++) {
        rs_request r = s->pend[i].req;
        r.reply(r.ctx, r.u, &rep);
    }
    while (s->qlen > 0) {
        rs_request r;
        sim_ns arrived;
        q_pop(s, &r, &arrived);
        r.reply(r.ctx, r.u, &rep);
    }
    s->cur_remaining = 0;
}

void rs_down(redis_server *s, const char *reason)
{
    if (s->restart_ev) {
        eng_cancel(s->e, s->restart_ev);
        s->restart_ev = 0;
    }
    if (s->state == RS_DOWN)
        return;
    drop_work(s);
    uint64_t ended = s->epoch++;
    for (int i = 0; i < s->nchans; i++)
        s->chans[i].n = 0; /* subscriptions die with the process */
    set_state(s, RS_DOWN, reason);
    for (int i = 0; i < s->nlisteners; i++)
        s->listeners[i].fn(s->listeners[i].ctx, ended);
}

void rs_up(redis_server *s, const char *reason)
{
    if (s->restart_ev) {
        eng_cancel(s->e, s->restart_ev);
        s->restart_ev = 0;
    }
    rs_state from = s->state;
    set_state(s, RS_UP, reason);
    if (from == RS_PAUSED && s->busy && s->cur_remaining > 0) {
        /* resume the frozen command where it stopped */
        s->cur_ev = eng_after(s->e, s->cur_remaining, service_done, s, 0);
        s->cur_remaining = 0;
    }
    start_next(s);
}

static void restart_up(engine *e, void *obj, uint64_t u)
{
    (void)e;
    (void)u;
    redis_server *s = obj;
    s->restart_ev = 0;
    kv_clear(s); /* a restart comes back empty (MODEL.md "Faults": restart) */
    rs_up(s, "restart_done");
}

void rs_restart(redis_server *s, sim_ns downtime, const char *reason)
{
    assert(downtime >= 0);
    rs_down(s, reason ? reason : "restart");
    kv_clear(s);
    s->restart_ev = eng_after(s->e, downtime, restart_up, s, 0);
}

void rs_blackhole(redis_server *s, const char *reason)
{
    if (s->restart_ev) {
        eng_cancel(s->e, s->restart_ev);
        s->restart_ev = 0;
    }
    drop_work(s); /* no reply leaves the box any more */
    set_state(s, RS_BLACKHOLE, reason);
}

void rs_pause(redis_server *s, const char *reason)
{
    if (s->state != RS_UP)
        return;
    if (s->busy) {
        /* freeze the command in service: it finishes after the resume */
        eng_cancel(s->e, s->cur_ev);
        s->cur_ev = 0;
        s->cur_remaining = s->cur_start + s->cur_service - eng_now(s->e);
        if (s->cur_remaining <= 0)
            s->cur_remaining = 1;
    }
    set_state(s, RS_PAUSED, reason);
}

void rs_set_slow(redis_server *s, double factor)
{
    assert(factor > 0);
    s->slow = factor;
}

void rs_flush(redis_server *s)
{
    kv_clear(s);
}

rs_state rs_get_state(const redis_server *s)
{
    return s->state;
}
uint64_t rs_epoch(const redis_server *s)
{
    return s->epoch;
}
uint64_t rs_completed(const redis_server *s)
{
    return s->completed;
}
sim_ns rs_busy(const redis_server *s)
{
    return s->busy_ns;
}

bool rs_peek(redis_server *s, uint64_t key, rs_value *out, sim_ns *expires_at)
{
    kv_entry *k = kv_find(s, key);
    if (!k)
        return false;
    if (out)
        *out = k->v;
    if (expires_at)
        *expires_at = k->expires;
    return true;
}

void rs_poke(redis_server *s, uint64_t key, rs_value v, sim_ns ttl)
{
    kv_entry *k = kv_put(s, key);
    assert(k);
    k->v = v;
    k->expires = ttl > 0 ? eng_now(s->e) + ttl : SIM_NEVER;
}

size_t rs_keys(const redis_server *s)
{
    return s->kvlen;
}
