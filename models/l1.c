/* l1.c — the per-node memory cache (see l1.h).  Hash: linear probing over a
 * power-of-two slot array at most 2/3 full, doubled by live count (not by
 * the entries ever handed out, which the free list may keep above it), so probes
 * stay short (about 2 hit, 5 miss at the worst load, mostly one cache line
 * of 8 slots) and slots cost 12-24 bytes per entry; a slot
 * holds the key next to the entry index, so a probe (hit or miss) reads only
 * the slot array until the entry itself is needed; deletion shifts later
 * members of the cluster back (no tombstones).  LRU: an index list in a
 * parallel link array; eviction takes the tail (list and array skipped when
 * the capacity covers every key).  Free entries are chained through key.
 * All O(1) expected; entry storage grows a chunk at a time up to the
 * capacity (entries never move), the slots double.
 */
#include "models/l1.h"

#include <assert.h>
#include <stdlib.h>

#define SLOT_KEY(s) ((uint32_t)(s))
#define SLOT_IDX(s) ((uint32_t)((s) >> 32) - 1)
#define SLOT(idx, key) ((((uint64_t)(idx) + 1) << 32) | (key))

static inline uint32_t slot_of(const l1 *c, uint32_t key) { return l1_home(c, key); }

void l1_init(l1 *c, const l1_params *p)
{
    *c = (l1){.p = *p, .head = L1_NONE, .tail = L1_NONE, .free_head = L1_NONE};
    if (!p->capacity)
        return;
    uint32_t n = 16;
    c->slots = cs_calloc(n, sizeof *c->slots);
    c->mask = n - 1;
}

void l1_free(l1 *c)
{
    for (uint32_t k = 0; k < c->nchunk; k++)
        free(c->chunk[k]);
    free(c->chunk);
    free(c->lru);
    free(c->slots);
    c->chunk = NULL;
    c->nchunk = 0;
    c->lru = NULL;
    c->slots = NULL;
}

/* Slot holding key, or the empty slot where it would go. */
static inline uint32_t find_slot(const l1 *c, uint32_t key)
{
    uint32_t i = slot_of(c, key);
    while (c->slots[i] && SLOT_KEY(c->slots[i]) != key)
        i = (i + 1) & c->mask;
    return i;
}

static void lru_unlink(l1 *c, uint32_t i)
{
    l1_link *x = &c->lru[i];
    if (x->prev != L1_NONE)
        c->lru[x->prev].next = x->next;
    else
        c->head = x->next;
    if (x->next != L1_NONE)
        c->lru[x->next].prev = x->prev;
    else
        c->tail = x->prev;
}

static void lru_push_head(l1 *c, uint32_t i)
{
    l1_link *x = &c->lru[i];
    x->prev = L1_NONE;
    x->next = c->head;
    if (c->head != L1_NONE)
        c->lru[c->head].prev = i;
    c->head = i;
    if (c->tail == L1_NONE)
        c->tail = i;
}

/* One more chunk of entries (up to capacity); entry indices stay. */
static void grow_entries(l1 *c)
{
    uint32_t n = c->p.capacity - c->alloc < L1_CHUNK ? c->p.capacity - c->alloc : L1_CHUNK;
    assert(n > 0);
    if (c->nchunk == c->chunk_cap) {
        c->chunk_cap = c->chunk_cap ? 2 * c->chunk_cap : 16;
        c->chunk = cs_realloc(c->chunk, (size_t)c->chunk_cap * sizeof *c->chunk);
    }
    c->chunk[c->nchunk++] = cs_malloc((size_t)n * sizeof(l1_entry));
    c->alloc += n;
    if (!c->p.no_lru && c->alloc > c->lru_cap) { /* LRU links: one array, doubled */
        uint64_t nc = 2 * (uint64_t)c->lru_cap;
        if (nc < c->alloc)
            nc = c->alloc;
        if (nc > c->p.capacity)
            nc = c->p.capacity;
        c->lru_cap = (uint32_t)nc;
        c->lru = cs_realloc(c->lru, (size_t)c->lru_cap * sizeof *c->lru);
    }
}

/* True if one more key would fill the slots past 2/3. */
static inline bool slots_full(const l1 *c)
{
    return 3 * ((uint64_t)c->count + 1) > 2 * ((uint64_t)c->mask + 1);
}

/* Rehash into twice the slots (slot order: deterministic; only probe
 * positions change, never an entry index). */
static void grow_slots(l1 *c)
{
    uint64_t *old = c->slots;
    uint32_t oldn = c->mask + 1, n = 2 * oldn;
    assert(n > oldn);
    c->slots = cs_calloc(n, sizeof *c->slots);
    c->mask = n - 1;
    for (uint32_t i = 0; i < oldn; i++)
        if (old[i]) {
            uint32_t j = slot_of(c, SLOT_KEY(old[i]));
            while (c->slots[j])
                j = (j + 1) & c->mask;
            c->slots[j] = old[i];
        }
    free(old);
}

/* Remove the member at slot s and shift the rest of its cluster back so
 * every key stays reachable from its home slot. */
static void slot_delete(l1 *c, uint32_t s)
{
    uint32_t i = s, j = s;
    c->slots[i] = 0;
    for (;;) {
        j = (j + 1) & c->mask;
        if (!c->slots[j])
            return;
        uint32_t home = slot_of(c, SLOT_KEY(c->slots[j]));
        /* j's member may move to i unless its home lies cyclically in (i, j] */
        bool stays = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
        if (!stays) {
            c->slots[i] = c->slots[j];
            c->slots[j] = 0;
            i = j;
        }
    }
}

static void remove_at(l1 *c, uint32_t s)
{
    uint32_t i = SLOT_IDX(c->slots[s]);
    slot_delete(c, s);
    if (!c->p.no_lru)
        lru_unlink(c, i);
    l1_entry *x = l1_at(c, i);
    x->live = false;
    x->key = c->free_head;
    c->free_head = i;
    assert(c->count > 0);
    c->count--;
}

l1_entry *l1_peek(const l1 *c, uint32_t key)
{
    if (!c->p.capacity)
        return NULL;
    uint32_t s = find_slot(c, key);
    return c->slots[s] ? l1_at(c, SLOT_IDX(c->slots[s])) : NULL;
}

static inline void touch(l1 *c, uint32_t i)
{
    if (!c->p.no_lru && c->head != i) {
        lru_unlink(c, i);
        lru_push_head(c, i);
    }
}

l1_entry *l1_get(l1 *c, uint32_t key, sim_ns now)
{
    if (!c->p.capacity)
        return NULL;
    uint32_t s = find_slot(c, key);
    if (!c->slots[s])
        return NULL;
    uint32_t i = SLOT_IDX(c->slots[s]);
    if (l1_at(c, i)->physical_exp <= now) {
        remove_at(c, s);
        return NULL;
    }
    touch(c, i);
    return l1_at(c, i);
}

l1_entry *l1_put(l1 *c, uint32_t key, bool *fresh)
{
    if (!c->p.capacity)
        return NULL;
    uint32_t s = find_slot(c, key);
    if (c->slots[s]) {
        uint32_t i = SLOT_IDX(c->slots[s]);
        touch(c, i);
        if (fresh)
            *fresh = false;
        return l1_at(c, i);
    }
    if (c->count == c->p.capacity) { /* evict the least recently used */
        assert(!c->p.no_lru && c->tail != L1_NONE);
        remove_at(c, find_slot(c, l1_at(c, c->tail)->key));
        c->evictions++;
        s = find_slot(c, key);
    }
    if (slots_full(c)) {
        grow_slots(c);
        s = find_slot(c, key);
    }
    uint32_t i;
    if (c->free_head != L1_NONE) {
        i = c->free_head;
        c->free_head = l1_at(c, i)->key;
    } else {
        if (c->used_top == c->alloc)
            grow_entries(c);
        assert(c->used_top < c->alloc);
        i = c->used_top++;
    }
    c->slots[s] = SLOT(i, key);
    c->count++;
    l1_entry *x = l1_at(c, i);
    *x = (l1_entry){.key = key, .live = true, .physical_exp = SIM_NEVER, .eager_at = SIM_NEVER};
    if (!c->p.no_lru)
        lru_push_head(c, i);
    if (fresh)
        *fresh = true;
    return x;
}

void l1_remove(l1 *c, uint32_t key)
{
    if (!c->p.capacity)
        return;
    uint32_t s = find_slot(c, key);
    if (c->slots[s])
        remove_at(c, s);
}

uint32_t l1_sweep(l1 *c, sim_ns now)
{
    uint32_t removed = 0;
    for (uint32_t i = 0; i < c->used_top; i++) {
        const l1_entry *x = l1_at(c, i);
        if (x->live && x->physical_exp <= now) {
            remove_at(c, find_slot(c, x->key));
            removed++;
        }
    }
    return removed;
}
