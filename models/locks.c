/* locks.c — memory lock with FIFO waiters, distributed lock polling loop,
 * and the u32map they share (see locks.h).
 */
#include "models/locks.h"

#include <assert.h>
#include <stdlib.h>

/* ---- u32map ------------------------------------------------------------ */

static inline uint32_t home(const u32map *m, uint32_t key)
{
    return (uint32_t)(((uint64_t)key * 0x9E3779B97F4A7C15ull) >> 32) & m->mask;
}

void u32map_init(u32map *m, uint32_t hint)
{
    uint32_t n = 16;
    while (n < 2 * hint)
        n <<= 1;
    m->s = cs_calloc(n, sizeof *m->s);
    m->mask = n - 1;
    m->count = 0;
}

void u32map_free(u32map *m)
{
    free(m->s);
    m->s = NULL;
}

static inline uint32_t slot(const u32map *m, uint32_t key)
{
    uint32_t i = home(m, key);
    while (m->s[i].val && m->s[i].key != key)
        i = (i + 1) & m->mask;
    return i;
}

uint32_t u32map_get(const u32map *m, uint32_t key)
{
    if (!m->count) /* an empty map answers without touching its slots */
        return UINT32_MAX;
    uint32_t i = slot(m, key);
    return m->s[i].val ? m->s[i].val - 1 : UINT32_MAX;
}

static void grow(u32map *m)
{
    u32map old = *m;
    u32map_init(m, (old.mask + 1));
    for (uint32_t i = 0; i <= old.mask; i++)
        if (old.s[i].val) {
            m->s[slot(m, old.s[i].key)] = old.s[i];
            m->count++;
        }
    u32map_free(&old);
}

void u32map_put(u32map *m, uint32_t key, uint32_t val)
{
    assert(val < UINT32_MAX - 1);
    /* at most 2/3 full: linear probes stay within a cache line or two (8
     * slots per line), and the auto-recovery map of a node after a long
     * outage (10^5 keys) takes 12-24 B per key instead of 16-32 */
    if (3 * ((uint64_t)m->count + 1) > 2 * ((uint64_t)m->mask + 1))
        grow(m);
    uint32_t i = slot(m, key);
    if (!m->s[i].val) {
        m->count++;
        m->s[i].key = key;
    }
    m->s[i].val = val + 1;
}

void u32map_del(u32map *m, uint32_t key)
{
    uint32_t i = slot(m, key), j = i;
    if (!m->s[i].val)
        return;
    m->s[i].val = 0;
    m->count--;
    for (;;) { /* backward-shift deletion (linear probing) */
        j = (j + 1) & m->mask;
        if (!m->s[j].val)
            return;
        uint32_t h = home(m, m->s[j].key);
        bool stays = (i <= j) ? (i < h && h <= j) : (i < h || h <= j);
        if (!stays) {
            m->s[i] = m->s[j];
            m->s[j].val = 0;
            i = j;
        }
    }
}

/* ---- memory lock ---------------------------------------------------------- */

#define ML_NONE UINT32_MAX

void ml_init(mem_locks *m, engine *e)
{
    *m = (mem_locks){.e = e, .free_head = ML_NONE};
    u32map_init(&m->map, 64);
}

void ml_free(mem_locks *m)
{
    free(m->locks);
    u32map_free(&m->map);
}

static uint32_t lock_new(mem_locks *m, uint32_t key)
{
    uint32_t i;
    if (m->free_head != ML_NONE) {
        i = m->free_head;
        m->free_head = m->locks[i].next_free;
    } else {
        cs_grow((void **)&m->locks, &m->cap, m->n + 1, sizeof *m->locks);
        i = (uint32_t)m->n++;
    }
    m->locks[i] = (ml_lock){.key = key, .next_free = ML_NONE};
    u32map_put(&m->map, key, i);
    return i;
}

static void lock_drop(mem_locks *m, uint32_t i)
{
    ml_lock *l = &m->locks[i];
    assert(!l->held && !l->head);
    u32map_del(&m->map, l->key);
    l->next_free = m->free_head;
    m->free_head = i;
}

static void unlink_waiter(ml_lock *l, ml_waiter *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else
        l->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        l->tail = w->prev;
    w->prev = w->next = NULL;
}

static void timeout_fire(engine *e, void *obj, uint64_t u)
{
    (void)e;
    ml_waiter *w = obj;
    mem_locks *m = (mem_locks *)(uintptr_t)u;
    w->timer = 0;
    ml_lock *l = &m->locks[w->lock];
    unlink_waiter(l, w);
    m->timeouts++;
    if (!l->held && !l->head)
        lock_drop(m, w->lock);
    w->fn(w, false);
}

static void grant_fire(engine *e, void *obj, uint64_t u)
{
    (void)e;
    (void)u;
    ml_waiter *w = obj;
    w->fn(w, true);
}

bool ml_acquire(mem_locks *m, uint32_t key, ml_waiter *w, sim_ns timeout)
{
    uint32_t i = u32map_get(&m->map, key);
    if (i == UINT32_MAX) {
        i = lock_new(m, key);
        m->locks[i].held = true;
        return true;
    }
    ml_lock *l = &m->locks[i];
    if (!l->held) {
        assert(!l->head);
        l->held = true;
        return true;
    }
    if (timeout == 0)
        return false;
    m->waits++;
    w->key = key;
    w->lock = i;
    w->granted = false;
    w->next = NULL;
    w->prev = l->tail;
    if (l->tail)
        l->tail->next = w;
    else
        l->head = w;
    l->tail = w;
    w->timer = timeout == SIM_NEVER ? 0 : eng_after(m->e, timeout, timeout_fire, w, (uint64_t)(uintptr_t)m);
    return false;
}

void ml_release(mem_locks *m, uint32_t key)
{
    uint32_t i = u32map_get(&m->map, key);
    assert(i != UINT32_MAX && m->locks[i].held);
    ml_lock *l = &m->locks[i];
    ml_waiter *w = l->head;
    if (!w) {
        l->held = false;
        lock_drop(m, i);
        return;
    }
    /* ownership passes to the head waiter now; it learns of it by event */
    unlink_waiter(l, w);
    if (w->timer)
        eng_cancel(m->e, w->timer);
    w->timer = 0;
    w->granted = true;
    eng_after(m->e, 0, grant_fire, w, 0);
}

/* ---- distributed lock ------------------------------------------------------- */

static void dl_retry_fire(engine *e, void *obj, uint64_t u)
{
    (void)e;
    (void)u;
    dl_wait *w = obj;
    w->tries++;
    w->try_once(w);
}

void dl_acquire(dl_wait *w, engine *e, gsl_rng *rng, const dlock_params *p, sim_ns timeout)
{
    w->e = e;
    w->rng = rng;
    w->p = p;
    w->tries = 1;
    w->deadline = (timeout == SIM_NEVER) ? SIM_NEVER : eng_now(e) + timeout;
    w->try_once(w);
}

void dl_tried(dl_wait *w, int result)
{
    if (result != 0) {
        w->done(w, result);
        return;
    }
    sim_ns now = eng_now(w->e);
    if (now >= w->deadline) {
        w->done(w, 0);
        return;
    }
    /* Medallion busy-wait: sleep U[poll_min, poll_max], never past the deadline */
    sim_ns span = w->p->poll_max - w->p->poll_min;
    sim_ns sleep = w->p->poll_min + (sim_ns)(gsl_rng_uniform(w->rng) * (double)span);
    if (w->deadline != SIM_NEVER && now + sleep > w->deadline)
        sleep = w->deadline - now;
    eng_after(w->e, sleep, dl_retry_fire, w, 0);
}
