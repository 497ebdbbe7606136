/* l1.h — a node's in-memory cache level (FusionCache's memory level, HCL's
 * local cache): a fixed-capacity table of entries keyed by an integer key,
 * each with a timestamp (the entry's version), a logical expiry, a physical
 * expiry (longer when fail-safe keeps stale values), an eager-refresh point
 * and a stale flag (fusioncache.md §1 "Expiration arithmetic").
 *
 * Values are not modelled: an entry's timestamp is its identity, which is all
 * the flows compare.  Capacity-bounded with LRU eviction through an intrusive
 * doubly-linked list of entry indices; lookup through an open-addressing hash
 * (linear probing, backward-shift delete).  Physical expiry is applied lazily
 * on lookup, plus a periodic sweep (MemoryCache's ExpirationScanFrequency,
 * 1 min) that the node schedules.  Storage grows a chunk at a time up to
 * the capacity, so an "unbounded" L1 costs only what it holds (48 bytes per
 * entry, in chunks of 4096, plus 12-24 bytes of hash slots, at most 2/3
 * full, which hold the key so a probe touches one cache line; plus 8 bytes
 * of LRU links, kept in their own array and only when the capacity can be
 * reached).  A pointer from l1_get/l1_put stays valid until that entry is
 * removed.
 */
#ifndef CS_L1_H
#define CS_L1_H

#include "sim/core/common.h"

#define L1_NONE UINT32_MAX

typedef struct l1_entry {
    uint32_t key;        /* on the free list: index of the next free entry */
    bool stale;
    bool live;           /* false: on the free list */
    sim_ns ts;           /* timestamp taken before the factory ran (version) */
    sim_ns logical_exp;  /* valid while now <= logical_exp (fusioncache.md §1 B) */
    sim_ns physical_exp; /* removed once now >= physical_exp */
    sim_ns eager_at;     /* eager refresh point, SIM_NEVER if none */
    sim_ns inserted;     /* when the value was written (HCL clamp from insertion) */
} l1_entry;

/* The capacity of an L1 with no limit: larger than any key space a run can
 * touch (the world bounds it by the run's keys), small enough that the
 * table's indices never overflow. */
#define L1_UNBOUNDED (UINT32_MAX / 4)

typedef struct l1_params {
    uint32_t capacity; /* entries; 0 turns L1 off */
    bool no_lru;       /* the capacity can never be reached (it covers every key):
                          skip LRU upkeep on the hot path */
} l1_params;

/* LRU links of entry i (indices), most recent at the head. */
typedef struct l1_link {
    uint32_t prev, next;
} l1_link;

/* Entries live in chunks of L1_CHUNK, allocated as the table fills (never
 * moved: a doubling array would hold up to twice the live entries, and
 * twice again while it is copied). */
#define L1_CHUNK_BITS 12
#define L1_CHUNK (1u << L1_CHUNK_BITS)

typedef struct l1 {
    l1_params p;
    l1_entry **chunk;  /* nchunk chunks of L1_CHUNK entries (the last may be shorter) */
    uint32_t nchunk, chunk_cap;
    l1_link *lru;      /* lru_cap >= alloc links, indexed like the entries; NULL when p.no_lru */
    uint32_t lru_cap;
    uint32_t alloc;    /* entries allocated */
    uint64_t *slots;   /* hash: (entry index + 1) << 32 | key; 0 = empty */
    uint32_t mask;     /* slots - 1 (power of two; count <= 2/3 of the slots) */
    uint32_t count, used_top; /* live entries; entries ever handed out */
    uint32_t head, tail;      /* LRU: head = most recent */
    uint32_t free_head;       /* free entries (through key) */
    uint64_t evictions;
} l1;

/* Entry i (i < used_top). */
static inline l1_entry *l1_at(const l1 *c, uint32_t i)
{
    return &c->chunk[i >> L1_CHUNK_BITS][i & (L1_CHUNK - 1)];
}

void l1_init(l1 *c, const l1_params *p);
void l1_free(l1 *c);

/* The entry for key, or NULL.  An entry whose physical expiry has passed is
 * removed and NULL returned.  A hit moves the entry to the LRU head. */
l1_entry *l1_get(l1 *c, uint32_t key, sim_ns now);
/* The entry for key without touching LRU or expiry (tests, inspections). */
l1_entry *l1_peek(const l1 *c, uint32_t key);
/* The entry for key, inserting a blank one (evicting the LRU tail when
 * full) if absent; NULL only when L1 is off.  *fresh says it was inserted. */
l1_entry *l1_put(l1 *c, uint32_t key, bool *fresh);
void l1_remove(l1 *c, uint32_t key);
/* Remove every entry whose physical expiry has passed; returns how many. */
uint32_t l1_sweep(l1 *c, sim_ns now);
/* True if e is valid (exists and not logically expired) at now. */
static inline bool l1_valid(const l1_entry *e, sim_ns now) { return e && e->logical_exp >= now; }
static inline uint32_t l1_count(const l1 *c) { return c->count; }
/* The home slot of key (Fibonacci hashing; l1.c probes from here). */
static inline uint32_t l1_home(const l1 *c, uint32_t key)
{
    return (uint32_t)(((uint64_t)key * 0x9E3779B97F4A7C15ull) >> 32) & c->mask;
}
/* Start loading key's home slot: a caller about to look up several tables
 * for one key (the backplane receive) lets the cache misses overlap. */
static inline void l1_prefetch(const l1 *c, uint32_t key)
{
    if (c->slots)
        __builtin_prefetch(&c->slots[l1_home(c, key)]);
}

#endif
