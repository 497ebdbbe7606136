/* engine.c — event queue, clock and random streams (see engine.h).
 *
 * Hand-written because it is the hot core: a binary min-heap of 16-byte
 * entries (time, key) where key = sequence << 24 | slot, so comparing
 * (time, key) orders by time and then by scheduling order (STYLE.md 14–15).
 * The payload (handler, object, word) lives in a slot pool indexed by the
 * slot number; the slot also holds the key of its live entry.
 *
 * Cancel is lazy and O(1): the handle IS the key (unique for the run, since
 * sequences never repeat), cancel frees the slot, and the heap entry left
 * behind is recognised as dead when it reaches the top (its slot no longer
 * holds its key).  When dead entries outnumber live ones the heap is
 * compacted and re-heapified in O(n), so memory stays bounded.  Measured
 * here: eager O(log n) removal (heap positions kept in slots) cost ~2x on
 * the hold model, since every sift step wrote a random slot.
 * Memory per pending event: 16 B heap entry + 32 B slot (+ dead entries,
 * at most one per live one).
 *
 * Arity, measured here with bench/engine_bench (CPU time, quiet machine,
 * 2026-11-22): hold model N = 10^3: binary 8.1 M ev/s, 4-ary 10.4 M;
 * cancel-heavy N = 10^4: 3.9 M vs 4.2 M; hold N = 10^6: 1.7 M vs 1.2 M.
 * The world runs with 10^3–10^5 pending events, so the 4-ary heap is the
 * default (STYLE.md 15 measured the opposite for a textbook sift-down; the
 * bottom-up, branch-free version here changes that).  -DHEAP_D=2 switches.
 */
#include "sim/core/engine.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SLOT_BITS 24
#define SLOT_MASK ((1u << SLOT_BITS) - 1)
#define MAX_SLOTS ENG_MAX_PENDING /* 16.7 M pending events: beyond, the run fails */
#define SEQ_LIMIT (1ull << (64 - SLOT_BITS))

typedef struct heap_ent {
    sim_ns t;
    uint64_t key; /* seq << SLOT_BITS | slot */
} heap_ent;

typedef struct slot {
    ev_fn fn;
    void *obj;
    uint64_t u;   /* payload; while free: index of the next free slot */
    uint64_t key; /* key of the live entry, 0 while free */
} slot;

typedef struct stream {
    char *name;
    gsl_rng *r;
} stream;

typedef struct watch {
    const char *name, *keys;
    eng_size_fn fn;
    void *obj;
} watch;

struct engine {
    sim_ns now;
    uint64_t seed, seq, events;
    uint64_t cur_seq; /* sequence of the event being dispatched (asserts only) */
    bool stopped;
    heap_ent *heap;      /* logical index 0; = heap_mem + HEAP_OFF */
    heap_ent *heap_mem;  /* 64-byte aligned allocation */
    size_t n, cap, dead; /* entries in the heap, of which `dead` are cancelled */
    slot *slots;
    size_t nslots, slots_cap;
    uint32_t free_head; /* UINT32_MAX = empty */
    stream *streams;
    size_t nstreams, streams_cap;
    /* failure, limits, watchdog (engine.h "run-scoped failure") */
    bool failed;
    char fail[768];
    eng_limits lim;
    watch watches[8];
    int nwatches;
    sim_ns check_now;      /* simulated time at the last check */
    uint64_t stall_since;  /* events count when time last moved */
    double wall0, wall_last;
};

engine *eng_new(uint64_t seed)
{
    engine *e = cs_calloc(1, sizeof *e);
    e->seed = seed;
    e->seq = 1; /* keys are never 0, so handle 0 is never valid */
    e->free_head = UINT32_MAX;
    return e;
}

void eng_free(engine *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->nstreams; i++) {
        free(e->streams[i].name);
        gsl_rng_free(e->streams[i].r);
    }
    free(e->streams);
    free(e->heap_mem);
    free(e->slots);
    free(e);
}

sim_ns eng_now(const engine *e) { return e->now; }
uint64_t eng_events(const engine *e) { return e->events; }
size_t eng_pending(const engine *e) { return e->n - e->dead; }
void eng_stop(engine *e) { e->stopped = true; }

/* (t, key) as one unsigned 128-bit number: t >= 0, so this is the order. */
static inline unsigned __int128 ord(const heap_ent *a)
{
    return ((unsigned __int128)(uint64_t)a->t << 64) | a->key;
}

static inline bool is_live(const engine *e, const heap_ent *x)
{
    return e->slots[x->key & SLOT_MASK].key == x->key;
}

/* The heap is d-ary (HEAP_D children per node).  Logical index k lives at
 * heap[k + HEAP_OFF]; with HEAP_D = 4 and HEAP_OFF = 3 the four children of
 * k (4k+1 .. 4k+4) sit at heap[4k+4 .. 4k+7], one 64-byte cache line when
 * the array is 64-byte aligned, so a level costs at most one miss. */
#ifndef HEAP_D
#define HEAP_D 4
#endif
#define HEAP_OFF (HEAP_D == 4 ? 3 : 0)
#define PARENT(k) (((k) - 1) / HEAP_D)
#define CHILD(k) (HEAP_D * (k) + 1)

static void sift_up(heap_ent *h, size_t i, heap_ent x)
{
    unsigned __int128 ox = ord(&x);
    while (i > 0) {
        size_t p = PARENT(i);
        if (ox >= ord(&h[p]))
            break;
        h[i] = h[p];
        i = p;
    }
    h[i] = x;
}

/* Index of the smallest of the `m` entries starting at c (m <= HEAP_D).
 * Branch-free for a full group: which child is smallest is a coin flip. */
static inline size_t min_child(const heap_ent *h, size_t c, size_t m)
{
#if HEAP_D == 4
    if (m == 4) {
        size_t a = c + (ord(&h[c + 1]) < ord(&h[c]));
        size_t b = c + 2 + (ord(&h[c + 3]) < ord(&h[c + 2]));
        return ord(&h[b]) < ord(&h[a]) ? b : a;
    }
#endif
    size_t best = c;
    for (size_t j = 1; j < m; j++)
        best = ord(&h[c + j]) < ord(&h[best]) ? c + j : best;
    return best;
}

/* Remove the root: Floyd's bottom-up variant — walk the hole down along the
 * smallest children (one group scan per level), then sift the last entry up
 * from the bottom, where it usually belongs. */
static void pop_root(engine *e)
{
    assert(e->n > 0);
    heap_ent *h = e->heap;
    heap_ent last = h[--e->n];
    size_t n = e->n, i = 0;
    if (n == 0)
        return;
    for (size_t c = CHILD(0); c < n; c = CHILD(i)) {
        size_t m = n - c < HEAP_D ? n - c : HEAP_D;
        size_t s = min_child(h, c, m);
        h[i] = h[s];
        i = s;
    }
    sift_up(h, i, last);
}

/* Drop dead entries from the top so heap[0], if any, is live. */
static void skip_dead(engine *e)
{
    while (e->n && !is_live(e, &e->heap[0])) {
        pop_root(e);
        e->dead--;
    }
}

/* Remove every dead entry and rebuild the heap (Floyd's heapify, O(n)). */
static void compact(engine *e)
{
    heap_ent *h = e->heap;
    size_t m = 0;
    for (size_t i = 0; i < e->n; i++)
        if (is_live(e, &h[i]))
            h[m++] = h[i];
    e->n = m;
    e->dead = 0;
    if (m < 2)
        return;
    for (size_t i = PARENT(m - 1) + 1; i-- > 0;) {
        heap_ent x = h[i];
        size_t j = i;
        for (size_t c = CHILD(j); c < m; c = CHILD(j)) {
            size_t k = min_child(h, c, m - c < HEAP_D ? m - c : HEAP_D);
            if (ord(&h[k]) >= ord(&x))
                break;
            h[j] = h[k];
            j = k;
        }
        h[j] = x;
    }
}

sim_ns eng_peek(engine *e)
{
    skip_dead(e);
    return e->n ? e->heap[0].t : SIM_NEVER;
}

/* Double the heap's capacity, keeping the array 64-byte aligned so that a
 * group of HEAP_D = 4 children is one cache line.  False (and the run
 * failed) when memory is refused. */
static bool heap_grow(engine *e)
{
    size_t cap = e->cap ? 2 * e->cap : 1024;
    size_t bytes = ((cap + HEAP_OFF) * sizeof(heap_ent) + 63) & ~(size_t)63;
    heap_ent *mem = aligned_alloc(64, bytes);
    if (!mem) {
        eng_fail(e, "event queue: out of memory growing to %zu entries (%zu MiB) with %zu events "
                    "pending", cap, bytes >> 20, eng_pending(e));
        return false;
    }
    if (e->n)
        memcpy(mem + HEAP_OFF, e->heap, e->n * sizeof(heap_ent));
    free(e->heap_mem);
    e->heap_mem = mem;
    e->heap = mem + HEAP_OFF;
    e->cap = cap;
    return true;
}

/* A free slot, or UINT32_MAX (and the run failed) at capacity or when
 * memory is refused. */
static uint32_t slot_alloc(engine *e)
{
    if (e->free_head != UINT32_MAX) {
        uint32_t s = e->free_head;
        e->free_head = (uint32_t)e->slots[s].u;
        return s;
    }
    uint32_t cap = e->lim.max_pending && e->lim.max_pending < MAX_SLOTS ? e->lim.max_pending
                                                                        : MAX_SLOTS;
    if (e->nslots >= cap) {
        eng_fail(e, "event queue: more than %u events pending at simulated %.6f s (the engine's "
                    "capacity%s): the load schedules more than the queue holds; lower "
                    "workload.rate, workload.clients, workload.burst.count or nodes.count",
                 cap, ns_to_s(e->now), cap == MAX_SLOTS ? ", 2^24" : "");
        return UINT32_MAX;
    }
    if (e->nslots == e->slots_cap) {
        size_t c = e->slots_cap ? 2 * e->slots_cap : 1024;
        if (c > MAX_SLOTS)
            c = MAX_SLOTS;
        slot *ns = realloc(e->slots, c * sizeof *ns);
        if (!ns) {
            eng_fail(e, "event queue: out of memory growing to %zu slots (%zu MiB)", c,
                     (c * sizeof *ns) >> 20);
            return UINT32_MAX;
        }
        e->slots = ns;
        e->slots_cap = c;
    }
    return (uint32_t)e->nslots++;
}

static inline void slot_release(engine *e, uint32_t s)
{
    e->slots[s].key = 0;
    e->slots[s].u = e->free_head;
    e->free_head = s;
}

/* Push fn at (t, seq); t >= now. */
static inline ev_id push(engine *e, sim_ns t, uint64_t seq, ev_fn fn, void *obj, uint64_t u)
{
    if (e->failed)
        return 0; /* the run is over: nothing more is scheduled */
    if (e->n == e->cap && !heap_grow(e))
        return 0;
    uint32_t s = slot_alloc(e);
    if (s == UINT32_MAX)
        return 0;
    uint64_t key = (seq << SLOT_BITS) | s;
    slot *sl = &e->slots[s];
    sl->fn = fn;
    sl->obj = obj;
    sl->u = u;
    sl->key = key;
    sift_up(e->heap, e->n++, (heap_ent){t, key});
    return key;
}

ev_id eng_at(engine *e, sim_ns t, ev_fn fn, void *obj, uint64_t u)
{
    assert(fn);
    if (t < e->now) { /* an overflowed time (a bug): fail the run, do not abort */
        eng_fail(e, "an event scheduled in the past (at %lld ns, now %lld ns): a time computation "
                    "overflowed; please report the config",
                 (long long)t, (long long)e->now);
        return 0;
    }
    assert(e->seq < SEQ_LIMIT);
    return push(e, t, e->seq++, fn, obj, u);
}

uint64_t eng_reserve(engine *e)
{
    assert(e->seq < SEQ_LIMIT);
    return e->seq++;
}

ev_id eng_at_reserved(engine *e, sim_ns t, uint64_t seq, ev_fn fn, void *obj, uint64_t u)
{
    assert(fn && seq > 0 && seq < e->seq);
    assert((t > e->now || (t == e->now && seq > e->cur_seq)) && "reserved slot already passed");
    if (t < e->now)
        t = e->now;
    return push(e, t, seq, fn, obj, u);
}

ev_id eng_after(engine *e, sim_ns delay, ev_fn fn, void *obj, uint64_t u)
{
    if (delay < 0) { /* an overflowed delay (a bug): fail the run, do not abort */
        eng_fail(e, "an event scheduled with a negative delay (%lld ns): a time computation "
                    "overflowed; please report the config",
                 (long long)delay);
        return 0;
    }
    if (delay > SIM_NEVER - e->now)
        delay = SIM_NEVER - e->now;
    return eng_at(e, e->now + delay, fn, obj, u);
}

bool eng_cancel(engine *e, ev_id id)
{
    uint32_t s = (uint32_t)(id & SLOT_MASK);
    if (id == 0 || s >= e->nslots || e->slots[s].key != id)
        return false; /* never scheduled, fired, or cancelled already */
    slot_release(e, s);
    e->dead++;
    if (e->dead > 1024 && e->dead > e->n / 2)
        compact(e);
    return true;
}

/* ---- failure, limits, watchdog ----------------------------------------- */

void eng_set_limits(engine *e, const eng_limits *l) { e->lim = *l; }

void eng_watch(engine *e, const char *name, const char *keys, eng_size_fn fn, void *obj)
{
    if (e->nwatches < (int)(sizeof e->watches / sizeof *e->watches))
        e->watches[e->nwatches++] = (watch){name, keys, fn, obj};
}

void eng_fail(engine *e, const char *fmt, ...)
{
    if (e->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->fail, sizeof e->fail, fmt, ap);
    va_end(ap);
    e->failed = true;
    e->stopped = true;
}

const char *eng_failure(const engine *e) { return e->failed ? e->fail : NULL; }

size_t eng_rss(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    unsigned long size = 0, res = 0;
    int ok = fscanf(f, "%lu %lu", &size, &res) == 2;
    fclose(f);
    long pg = sysconf(_SC_PAGESIZE);
    return ok && pg > 0 ? (size_t)res * (size_t)pg : 0;
}

static double wall_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Every ENG_CHECK_EVERY events: time stuck?  memory over the budget?
 * progress due?  Reads the clock and /proc once per million events. */
static void watchdog(engine *e)
{
    if (e->now != e->check_now) {
        e->check_now = e->now;
        e->stall_since = e->events;
    } else {
        uint64_t lim = e->lim.stall_events ? e->lim.stall_events : ENG_STALL_EVENTS;
        if (e->events - e->stall_since >= lim) {
            eng_fail(e, "simulated time stuck at %.6f s for %llu events (%zu pending): something "
                        "repeats without time passing; give it time (workload.think, "
                        "retry/backoff delays) or lower workload.clients",
                     ns_to_s(e->now), (unsigned long long)(e->events - e->stall_since),
                     eng_pending(e));
            return;
        }
    }
    if (!e->lim.max_memory && !e->lim.progress)
        return;
    size_t rss = eng_rss();
    if (e->lim.max_memory && rss > e->lim.max_memory) {
        char what[512] = "";
        size_t off = 0;
        for (int i = 0; i < e->nwatches && off < sizeof what; i++) {
            size_t bytes = 0, n = e->watches[i].fn(e->watches[i].obj, &bytes);
            off += (size_t)snprintf(what + off, sizeof what - off, "; %s: %zu (%zu MiB; %s)",
                                    e->watches[i].name, n, bytes >> 20, e->watches[i].keys);
        }
        eng_fail(e, "memory: %zu MiB resident passed the budget of %zu MiB (--max-memory) at "
                    "simulated %.6f s after %llu events; event queue: %zu pending (%zu MiB; "
                    "workload.rate, workload.clients, workload.burst.count)%s",
                 rss >> 20, e->lim.max_memory >> 20, ns_to_s(e->now),
                 (unsigned long long)e->events, eng_pending(e),
                 (e->cap * sizeof(heap_ent) + e->slots_cap * sizeof(slot)) >> 20, what);
        return;
    }
    if (e->lim.progress) {
        double w = wall_clock();
        if (w - e->wall_last >= 1.0) {
            e->wall_last = w;
            eng_progress p = {.now = e->now, .events = e->events, .pending = eng_pending(e),
                              .rss = rss, .wall = w - e->wall0};
            e->lim.progress(e->lim.progress_ctx, &p);
        }
    }
}

uint64_t eng_run_until(engine *e, sim_ns t_end)
{
    uint64_t start = e->events;
    if (e->failed)
        return 0;
    if (e->wall0 == 0)
        e->wall0 = e->wall_last = wall_clock();
    e->stopped = false;
    while (!e->stopped && e->n) {
        heap_ent top = e->heap[0];
        uint32_t s = (uint32_t)(top.key & SLOT_MASK);
        slot *sl = &e->slots[s];
        if (sl->key != top.key) { /* cancelled */
            pop_root(e);
            e->dead--;
            continue;
        }
        if (top.t > t_end)
            break;
        pop_root(e);
        ev_fn fn = sl->fn;
        void *obj = sl->obj;
        uint64_t u = sl->u;
        slot_release(e, s);
        assert(top.t >= e->now);
        e->now = top.t;
#ifndef NDEBUG
        e->cur_seq = top.key >> SLOT_BITS;
#endif
        e->events++;
        fn(e, obj, u);
        if ((e->events & (ENG_CHECK_EVERY - 1)) == 0)
            watchdog(e);
    }
    if (!e->stopped && t_end > e->now)
        e->now = t_end;
    return e->events - start;
}

/* ---- random streams ---------------------------------------------------- */

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

uint64_t rng_stream_seed(uint64_t seed, const char *name)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a 64 */
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 0x100000001b3ull;
    return splitmix64(splitmix64(seed) ^ h);
}

gsl_rng *eng_rng(engine *e, const char *name)
{
    for (size_t i = 0; i < e->nstreams; i++) /* setup-time lookup: linear scan */
        if (strcmp(e->streams[i].name, name) == 0)
            return e->streams[i].r;
    cs_grow((void **)&e->streams, &e->streams_cap, e->nstreams + 1, sizeof *e->streams);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r) { /* last resort, as cs_malloc: the process cannot go on */
        fprintf(stderr, "cachestorm: out of memory allocating a random stream\n");
        exit(CS_IO);
    }
    uint64_t s = rng_stream_seed(e->seed, name);
    /* MT19937 in GSL takes 32 bits of seed; fold both halves in. */
    unsigned long s32 = (unsigned long)((s ^ (s >> 32)) & 0xffffffffu);
    gsl_rng_set(r, s32 ? s32 : 4357);
    e->streams[e->nstreams].name = cs_strdup(name);
    e->streams[e->nstreams].r = r;
    e->nstreams++;
    return r;
}

gsl_rng *eng_rngf(engine *e, const char *fmt, ...)
{
    char name[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    return eng_rng(e, name);
}
