/* l1.c — the per-node memory cache (see l1.h).  Hash: linear probing over a
 * power-of-two slot array at most half full, so probes stay short; deletion
 * shifts later members of the cluster back (no tombstones).  LRU: intrusive
 * index list; eviction takes the tail.  All O(1) expected, no allocation
 * after init.
 */
#include "models/l1.h"

#include <assert.h>
#include <stdlib.h>

static inline uint32_t slot_of(const l1 *c, uint32_t key)
{
    return (uint32_t)(((uint64_t)key * 0x9E3779B97F4A7C15ull) >> 32) & c->mask;
}

void l1_init(l1 *c, const l1_params *p)
{
    *c = (l1){.p = *p, .head = L1_NONE, .tail = L1_NONE, .free_head = L1_NONE};
    if (!p->capacity)
        return;
    c->alloc = p->capacity < 1024 ? p->capacity : 1024;
    uint32_t n = 16;
    while (n < 2u * c->alloc)
        n <<= 1;
    c->e = cs_malloc((size_t)c->alloc * sizeof *c->e);
    c->slots = cs_calloc(n, sizeof *c->slots);
    c->mask = n - 1;
}

/* Double the entry storage (up to capacity) and rehash into twice the slots. */
static void grow(l1 *c)
{
    uint64_t na = (uint64_t)c->alloc * 2;
    if (na > c->p.capacity)
        na = c->p.capacity;
    c->alloc = (uint32_t)na;
    c->e = cs_realloc(c->e, (size_t)c->alloc * sizeof *c->e);
    uint32_t n = c->mask + 1;
    while (n < 2u * c->alloc)
        n <<= 1;
    if (n == c->mask + 1)
        return;
    free(c->slots);
    c->slots = cs_calloc(n, sizeof *c->slots);
    c->mask = n - 1;
    for (uint32_t i = c->head; i != L1_NONE; i = c->e[i].next) {
        uint32_t j = slot_of(c, c->e[i].key);
        while (c->slots[j])
            j = (j + 1) & c->mask;
        c->slots[j] = i + 1;
    }
}

void l1_free(l1 *c)
{
    free(c->e);
    free(c->slots);
    c->e = NULL;
    c->slots = NULL;
}

/* Slot holding key, or the empty slot where it would go. */
static inline uint32_t find_slot(const l1 *c, uint32_t key)
{
    uint32_t i = slot_of(c, key);
    while (c->slots[i] && c->e[c->slots[i] - 1].key != key)
        i = (i + 1) & c->mask;
    return i;
}

static void lru_unlink(l1 *c, uint32_t i)
{
    l1_entry *x = &c->e[i];
    if (x->prev != L1_NONE)
        c->e[x->prev].next = x->next;
    else
        c->head = x->next;
    if (x->next != L1_NONE)
        c->e[x->next].prev = x->prev;
    else
        c->tail = x->prev;
}

static void lru_push_head(l1 *c, uint32_t i)
{
    l1_entry *x = &c->e[i];
    x->prev = L1_NONE;
    x->next = c->head;
    if (c->head != L1_NONE)
        c->e[c->head].prev = i;
    c->head = i;
    if (c->tail == L1_NONE)
        c->tail = i;
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
        uint32_t home = slot_of(c, c->e[c->slots[j] - 1].key);
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
    uint32_t i = c->slots[s] - 1;
    slot_delete(c, s);
    lru_unlink(c, i);
    c->e[i].next = c->free_head;
    c->free_head = i;
    assert(c->count > 0);
    c->count--;
}

l1_entry *l1_peek(const l1 *c, uint32_t key)
{
    if (!c->p.capacity)
        return NULL;
    uint32_t s = find_slot(c, key);
    return c->slots[s] ? &c->e[c->slots[s] - 1] : NULL;
}

l1_entry *l1_get(l1 *c, uint32_t key, sim_ns now)
{
    if (!c->p.capacity)
        return NULL;
    uint32_t s = find_slot(c, key);
    if (!c->slots[s])
        return NULL;
    uint32_t i = c->slots[s] - 1;
    if (c->e[i].physical_exp <= now) {
        remove_at(c, s);
        return NULL;
    }
    if (c->head != i) {
        lru_unlink(c, i);
        lru_push_head(c, i);
    }
    return &c->e[i];
}

l1_entry *l1_put(l1 *c, uint32_t key, bool *fresh)
{
    if (!c->p.capacity)
        return NULL;
    uint32_t s = find_slot(c, key);
    if (c->slots[s]) {
        uint32_t i = c->slots[s] - 1;
        if (c->head != i) {
            lru_unlink(c, i);
            lru_push_head(c, i);
        }
        if (fresh)
            *fresh = false;
        return &c->e[i];
    }
    if (c->count == c->p.capacity) { /* evict the least recently used */
        assert(c->tail != L1_NONE);
        remove_at(c, find_slot(c, c->e[c->tail].key));
        c->evictions++;
        s = find_slot(c, key);
    }
    uint32_t i;
    if (c->free_head != L1_NONE) {
        i = c->free_head;
        c->free_head = c->e[i].next;
    } else {
        if (c->used_top == c->alloc) {
            grow(c);
            s = find_slot(c, key);
        }
        assert(c->used_top < c->alloc);
        i = c->used_top++;
    }
    c->slots[s] = i + 1;
    c->count++;
    l1_entry *x = &c->e[i];
    *x = (l1_entry){.key = key, .ts = 0, .logical_exp = 0, .physical_exp = SIM_NEVER,
                    .eager_at = SIM_NEVER};
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

void l1_clamp_all(l1 *c, sim_ns t)
{
    for (uint32_t i = c->head; i != L1_NONE; i = c->e[i].next) {
        l1_entry *x = &c->e[i];
        if (x->logical_exp > t)
            x->logical_exp = t;
        if (x->physical_exp > t)
            x->physical_exp = t;
    }
}

uint32_t l1_sweep(l1 *c, sim_ns now)
{
    uint32_t removed = 0;
    for (uint32_t i = c->head; i != L1_NONE;) {
        uint32_t next = c->e[i].next;
        if (c->e[i].physical_exp <= now) {
            remove_at(c, find_slot(c, c->e[i].key));
            removed++;
        }
        i = next;
    }
    return removed;
}
