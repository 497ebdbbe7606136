/* backplane.c — channel endpoint and auto-recovery queue (see backplane.h).
 */
#include "models/backplane.h"

#include <assert.h>
#include <stdlib.h>

#define AR_NONE UINT32_MAX

const char *bp_action_name(bp_action a)
{
    switch (a) {
    case BP_SET: return "entry_set";
    case BP_REMOVE: return "entry_remove";
    case BP_EXPIRE: return "entry_expire";
    default: return "unknown";
    }
}

/* ---- auto-recovery queue -------------------------------------------------- */

void ar_init(ar_queue *q)
{
    *q = (ar_queue){.head = AR_NONE, .tail = AR_NONE, .free_head = AR_NONE};
    u32map_init(&q->map, 64);
}

void ar_free(ar_queue *q)
{
    free(q->items);
    u32map_free(&q->map);
}

ar_item *ar_get(ar_queue *q, uint32_t key)
{
    if (!q->count) /* the common case: nothing pending */
        return NULL;
    uint32_t i = u32map_get(&q->map, key);
    return i == UINT32_MAX ? NULL : &q->items[i];
}

bool ar_put(ar_queue *q, uint32_t key, bp_action a, sim_ns ts, sim_ns expires, int64_t max)
{
    ar_item *it = ar_get(q, key);
    if (it) { /* the map keeps only the last action per key */
        it->action = (uint8_t)a;
        it->ts = ts;
        it->expires = expires;
        return true;
    }
    if (max == 0) /* a limit of zero items: nothing fits */
        return false;
    if (count_limited(max) && q->count >= max) { /* linear scan: only when a limit is set and reached */
        ar_item *soonest = NULL;
        for (uint32_t i = q->head; i != AR_NONE; i = q->items[i].next)
            if (!soonest || q->items[i].expires < soonest->expires)
                soonest = &q->items[i];
        assert(soonest && "count >= max >= 1, so the list is not empty");
        if (soonest->expires > expires)
            return false;
        ar_del(q, soonest->key);
    }
    uint32_t i;
    if (q->free_head != AR_NONE) {
        i = q->free_head;
        q->free_head = q->items[i].next;
    } else {
        cs_grow((void **)&q->items, &q->cap, q->n + 1, sizeof *q->items);
        i = (uint32_t)q->n++;
    }
    q->items[i] = (ar_item){.key = key, .action = (uint8_t)a, .ts = ts, .expires = expires,
                            .prev = q->tail, .next = AR_NONE};
    if (q->tail != AR_NONE)
        q->items[q->tail].next = i;
    else
        q->head = i;
    q->tail = i;
    u32map_put(&q->map, key, i);
    q->count++;
    return true;
}

void ar_del(ar_queue *q, uint32_t key)
{
    if (!q->count)
        return;
    uint32_t i = u32map_get(&q->map, key);
    if (i == UINT32_MAX)
        return;
    ar_item *it = &q->items[i];
    if (it->prev != AR_NONE)
        q->items[it->prev].next = it->next;
    else
        q->head = it->next;
    if (it->next != AR_NONE)
        q->items[it->next].prev = it->prev;
    else
        q->tail = it->prev;
    u32map_del(&q->map, key);
    it->next = q->free_head;
    q->free_head = i;
    assert(q->count > 0);
    q->count--;
}

ar_item *ar_first(ar_queue *q) { return q->head == AR_NONE ? NULL : &q->items[q->head]; }

/* ---- endpoint ---------------------------------------------------------------- */

void bp_init(backplane *b, engine *e, stats *st, redis_client *rc, int node, const bp_params *p,
             rc_message_fn fn, void *ctx)
{
    *b = (backplane){.p = *p, .e = e, .st = st, .rc = rc, .node = node};
    ar_init(&b->ar);
    if (st) {
        b->id_pub = stats_counter(st, "backplane.published");
        b->id_recv = stats_counter(st, "backplane.received");
        b->id_reads = stats_counter(st, "backplane.l2_reads");
        b->id_lost = stats_counter(st, "backplane.lost");
    }
    if (p->enabled && rc)
        rc_subscribe(rc, p->channel, fn, ctx);
}

void bp_free(backplane *b) { ar_free(&b->ar); }

void bp_publish(backplane *b, bp_action a, uint32_t key, sim_ns ts, bool sync, rc_done_fn done,
                void *ctx, uint64_t tag)
{
    rs_message m = {.sender = b->node, .kind = (int32_t)a, .key = key, .version = (uint64_t)ts,
                    .sent_at = eng_now(b->e)};
    b->published++;
    if (b->st)
        stats_add(b->st, b->node, b->id_pub, 1);
    assert(!b->down);
    rc_publish(b->rc, b->p.channel, &m, sync, done, ctx, tag);
}
