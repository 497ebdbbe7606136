/* test_world.c — the world's mechanisms, one rule per test:
 *   l1        hash + LRU + expiry rules; entries never outlive outage start
 *             + outage_max_ttl (HCL, resilience.md §1.2)
 *   pool      one worker per injection interval while jobs wait; unbounded
 *   locks     N concurrent GetOrSet on one cold key, one node -> 1 factory
 *             call; two nodes with the distributed lock -> 1 factory call
 *   node      sync_inline backplane receive holds a worker, async does not
 *   backplane different cache_name never hear each other; own messages dropped
 *   database  the pool is M/M/c: mean wait within the 95 % CI of Erlang C
 *   world     same config + seed twice => identical metrics and series rows
 * Models are first driven under a scripted setup (engine, stats, server,
 * links and clients built by hand, requests injected at chosen instants),
 * then through topology_run.
 */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/database.h"
#include "models/l1.h"
#include "models/locks.h"
#include "models/network.h"
#include "models/node.h"
#include "models/redis_client.h"
#include "models/redis_server.h"
#include "models/world/topology.h"
#include "models/worker_pool.h"
#include "models/workload.h"
#include "sim/config/config.h"
#include "sim/core/stats.h"

/* ======================================================================
 * A scripted world: n nodes on one Redis, constant link RTT, one database.
 * ====================================================================== */

#define FX_MAX 4

typedef struct fx {
    engine *e;
    stats *st;
    run_rows rows;
    redis_server *srv;
    network *net;
    database db;
    node nodes[FX_MAX];
    redis_client *rc[FX_MAX], *bprc[FX_MAX];
    void *targets[FX_MAX];
    workload wl;
    int n;
} fx;

/* Every node gets np (with its own channel from chans[i] when given). */
static void fx_init(fx *x, int n, const node_params *np, const char *const *chans, sim_ns rtt,
                    sim_ns db_service)
{
    memset(x, 0, sizeof *x);
    x->n = n;
    x->e = eng_new(7);
    x->st = stats_new(x->e, n, 0, SEC(1), SEC(600));
    rs_params rp = rs_defaults();
    rp.service = dist_constant((double)US(100));
    x->srv = rs_new(x->e, x->st, &x->rows, &rp, 0);
    net_link_params lp = net_link_defaults();
    lp.rtt = dist_constant((double)rtt);
    x->net = net_new(x->e, n, &lp, true);
    db_params dp = {.pool = 8, .service = dist_constant((double)db_service),
                    .acquire_timeout = SIM_NEVER, .down_latency = MS(1)};
    db_init(&x->db, x->e, x->st, &dp);
    rc_params cp = rc_defaults("multiplexer");
    rc_params bp = cp;
    bp.count_l2 = false;
    for (int i = 0; i < n; i++) {
        node_params p = *np;
        if (p.l2_enabled) {
            rc_env env = {.e = x->e, .st = x->st, .rows = &x->rows, .srv = x->srv, .net = x->net,
                          .node = i, .link = i, .name = "cache"};
            x->rc[i] = rc_new(&env, &cp);
            if (p.bp.enabled) {
                env.name = "backplane";
                x->bprc[i] = rc_new(&env, &bp);
                p.bp.channel = rs_channel(x->srv, chans ? chans[i] : "FusionCache.Backplane:v2");
            }
        }
        node_env ne = {.e = x->e, .st = x->st, .rows = &x->rows, .db = &x->db, .rc = x->rc[i],
                       .bp_rc = x->bprc[i], .id = i, .trace_key = -1};
        cs_err err = {0};
        cr_assert_eq(node_init(&x->nodes[i], &ne, &p, &err), 0, "%s", err.msg);
        x->targets[i] = &x->nodes[i];
    }
    wl_params wp = {.npoints = 1, .timeout = SIM_NEVER, .nsteps = 1, .stop = SEC(600),
                    .keys = {.count = 1000}, .think = dist_constant(0)};
    wp.script[0] = (wl_step){.op = OP_GET_OR_SET, .keys = 1};
    wl_init(&x->wl, x->e, x->st, n, &wp, x->targets, node_start);
}

static void fx_free(fx *x)
{
    wl_free(&x->wl);
    for (int i = 0; i < x->n; i++) {
        node_free(&x->nodes[i]);
        if (x->bprc[i])
            rc_free(x->bprc[i]);
        if (x->rc[i])
            rc_free(x->rc[i]);
    }
    net_free(x->net);
    rs_free(x->srv);
    stats_free(x->st);
    eng_free(x->e);
    rows_free(&x->rows);
}

static void fx_run(fx *x, sim_ns until) { eng_run_until(x->e, until); }

static double fx_total(fx *x, int node, const char *name)
{
    int id = stats_find(x->st, name);
    return id < 0 ? 0 : stats_total(x->st, node, id);
}

static node_params base_params(void)
{
    node_params p = node_defaults();
    p.duration = SEC(300);
    p.bp.enabled = false;
    p.pool = (wp_params){.min = 8, .max = 8, .injection = MS(500)};
    return p;
}

/* ======================================================================
 * l1
 * ====================================================================== */

Test(l1, lookup_insert_remove_by_key)
{
    l1 c;
    l1_init(&c, &(l1_params){.capacity = 100});
    for (uint32_t k = 0; k < 100; k++) {
        l1_entry *e = l1_put(&c, k * 7919u, NULL);
        e->ts = k;
        e->logical_exp = e->physical_exp = SEC(10);
    }
    cr_assert_eq(l1_count(&c), 100);
    for (uint32_t k = 0; k < 100; k += 2)
        l1_remove(&c, k * 7919u);
    for (uint32_t k = 0; k < 100; k++) {
        l1_entry *e = l1_get(&c, k * 7919u, 0);
        if (k % 2)
            cr_assert(e && e->ts == k, "key %u lost after deletes", k);
        else
            cr_assert_null(e);
    }
    l1_free(&c);
}

Test(l1, evicts_least_recently_used_at_capacity)
{
    l1 c;
    l1_init(&c, &(l1_params){.capacity = 3});
    for (uint32_t k = 1; k <= 3; k++)
        l1_put(&c, k, NULL)->physical_exp = SIM_NEVER;
    l1_get(&c, 1, 0); /* 2 is now the least recently used */
    l1_put(&c, 4, NULL)->physical_exp = SIM_NEVER;
    cr_assert_not_null(l1_peek(&c, 1));
    cr_assert_null(l1_peek(&c, 2));
    cr_assert_not_null(l1_peek(&c, 3));
    cr_assert_not_null(l1_peek(&c, 4));
    cr_assert_eq(c.evictions, 1);
    l1_free(&c);
}

Test(l1, physical_expiry_removes_logical_expiry_keeps)
{
    l1 c;
    l1_init(&c, &(l1_params){.capacity = 4});
    l1_entry *e = l1_put(&c, 9, NULL);
    e->logical_exp = SEC(1);
    e->physical_exp = SEC(5);
    cr_assert(l1_valid(l1_get(&c, 9, SEC(1)), SEC(1)));
    e = l1_get(&c, 9, SEC(2));
    cr_assert(e && !l1_valid(e, SEC(2)), "logically expired entry kept for fail-safe");
    cr_assert_null(l1_get(&c, 9, SEC(5)), "physically expired entry removed");
    cr_assert_eq(l1_count(&c), 0);
    l1_free(&c);
}

Test(l1, grows_to_capacity_and_sweeps)
{
    l1 c;
    l1_init(&c, &(l1_params){.capacity = 5000});
    for (uint32_t k = 0; k < 5000; k++)
        l1_put(&c, k, NULL)->physical_exp = (k % 2) ? SEC(1) : SEC(100);
    cr_assert_eq(l1_count(&c), 5000);
    cr_assert_eq(l1_sweep(&c, SEC(2)), 2500);
    for (uint32_t k = 0; k < 5000; k++)
        cr_assert_eq(l1_peek(&c, k) != NULL, k % 2 == 0);
    l1_free(&c);
}

/* Storage grows in chunks (L1_CHUNK entries), never moves: an entry pointer
 * survives later inserts, LRU order holds across chunk boundaries, and the
 * table allocates about what it holds, not twice. */
Test(l1, chunked_storage_keeps_entries_in_place_and_lru_order)
{
    l1 c;
    const uint32_t cap = 3 * L1_CHUNK + 100;
    l1_init(&c, &(l1_params){.capacity = cap});
    l1_entry *first = l1_put(&c, 0, NULL);
    first->ts = 42;
    for (uint32_t k = 1; k < cap; k++)
        l1_put(&c, k, NULL)->ts = (sim_ns)k;
    cr_assert_eq(l1_peek(&c, 0), first, "the first entry did not move");
    cr_assert_eq(first->ts, 42);
    cr_assert_eq(c.alloc, cap);
    l1_get(&c, 0, 0); /* key 0 is the most recent now; key 1 the least */
    for (uint32_t k = cap; k < cap + 10; k++)
        l1_put(&c, k, NULL);
    cr_assert_eq(c.evictions, 10);
    cr_assert_not_null(l1_peek(&c, 0));
    for (uint32_t k = 1; k <= 10; k++)
        cr_assert_null(l1_peek(&c, k), "key %u was among the least recent", k);
    cr_assert_not_null(l1_peek(&c, 11));
    for (uint32_t k = 11; k < cap; k++)
        cr_assert_eq(l1_peek(&c, k)->ts, (sim_ns)k);
    l1_free(&c);
}

Test(l1, an_unbounded_table_allocates_a_chunk_at_a_time)
{
    l1 c;
    l1_init(&c, &(l1_params){.capacity = UINT32_MAX, .no_lru = true});
    for (uint32_t k = 0; k < 2 * L1_CHUNK + 1; k++)
        l1_put(&c, k, NULL);
    /* three chunks; an array doubled from 1024 would hold 4 * L1_CHUNK here */
    cr_assert_eq(c.alloc, 3 * L1_CHUNK, "allocated %u for %u entries", c.alloc, 2 * L1_CHUNK + 1);
    cr_assert_eq(c.nchunk, 3);
    l1_free(&c);
}

Test(l1, off_when_capacity_zero)
{
    l1 c;
    l1_init(&c, &(l1_params){.capacity = 0});
    cr_assert_null(l1_put(&c, 1, NULL));
    cr_assert_null(l1_get(&c, 1, 0));
    l1_free(&c);
}

/* HCL outage mode: once the L2 breaker opens at T, no L1 entry lives past
 * T + outage_max_ttl — old entries are clamped, new ones capped. */
Test(l1, entries_never_outlive_outage_start_plus_outage_max_ttl)
{
    node_params p = base_params();
    p.duration = SEC(600);
    p.outage_max_ttl = SEC(20);
    snprintf(p.breaker_kind, sizeof p.breaker_kind, "simple"); /* one error opens it */
    static char bparams[256];
    const breaker_ops *ops = breaker_kind("simple");
    cr_assert(ops && ops->params_size <= sizeof bparams);
    ops->defaults(bparams);
    cr_assert_eq(breaker_params_set("simple", bparams, "break_duration", (double)SEC(60)), 0);
    p.breaker_params = bparams;
    fx x;
    fx_init(&x, 1, &p, NULL, MS(1), MS(5));
    node *n = &x.nodes[0];
    for (uint32_t k = 0; k < 50; k++) /* warm L1 with long-lived entries */
        wl_inject(&x.wl, 0, k, OP_GET_OR_SET);
    fx_run(&x, SEC(5));
    cr_assert_eq(l1_count(&n->l1), 50);
    rs_down(x.srv, "test");
    sim_ns t_down = eng_now(x.e);
    /* requests on new keys hit the refused L2 and open the breaker */
    sim_ns t_open = -1;
    for (uint32_t k = 100; k < 200 && t_open < 0; k++) {
        wl_inject(&x.wl, 0, k, OP_GET_OR_SET);
        fx_run(&x, eng_now(x.e) + MS(100));
        if (n->br_state != BREAKER_CLOSED)
            t_open = n->br_open_since;
    }
    cr_assert(t_open >= t_down, "the breaker opened (t_open=%lld)", (long long)t_open);
    sim_ns limit = t_open + p.outage_max_ttl;
    for (uint32_t k = 0; k < 200; k++) {
        l1_entry *e = l1_peek(&n->l1, k);
        /* entries from before the outage: clamped to its start + max; new
         * ones: capped at their creation + max (resilience.md §1.2) */
        sim_ns cap = k < 50 ? limit : eng_now(x.e) + p.outage_max_ttl;
        if (e)
            cr_assert(e->physical_exp <= cap && e->logical_exp <= cap,
                      "key %u outlives the outage clamp: %lld > %lld", k, (long long)e->physical_exp,
                      (long long)cap);
    }
    fx_run(&x, limit);
    for (uint32_t k = 0; k < 50; k++)
        cr_assert_null(l1_get(&n->l1, k, limit), "key %u alive at outage start + outage_max_ttl", k);
    fx_free(&x);
}

/* ======================================================================
 * pool
 * ====================================================================== */

typedef struct hold_job {
    wp_job job;
    bool ran;
} hold_job;

static void hold_fn(wp_job *j) { ((hold_job *)j)->ran = true; /* keeps its worker */ }

Test(pool, grows_one_worker_per_injection_interval_while_starved)
{
    engine *e = eng_new(1);
    stats *st = stats_new(e, 1, 0, SEC(1), SEC(60));
    worker_pool w;
    wp_init(&w, e, st, 0, &(wp_params){.min = 2, .max = 100, .injection = MS(500)});
    hold_job jobs[10];
    for (int i = 0; i < 10; i++) {
        jobs[i] = (hold_job){.job.fn = hold_fn};
        wp_submit(&w, &jobs[i].job);
    }
    cr_assert_eq(wp_workers(&w), 2);
    cr_assert_eq(wp_queue_len(&w), 8);
    for (int k = 1; k <= 8; k++) {
        eng_run_until(e, MS(500) * k - 1);
        cr_assert_eq(wp_workers(&w), 2 + k - 1, "before interval %d", k);
        eng_run_until(e, MS(500) * k);
        cr_assert_eq(wp_workers(&w), 2 + k, "after interval %d", k);
        cr_assert_eq(wp_busy(&w), 2 + k);
    }
    cr_assert_eq(wp_queue_len(&w), 0);
    eng_run_until(e, SEC(10));
    cr_assert_eq(wp_workers(&w), 10, "no growth once nothing waits");
    for (int i = 0; i < 10; i++)
        cr_assert(jobs[i].ran);
    stats_free(st);
    eng_free(e);
}

Test(pool, queued_jobs_run_fifo_when_workers_free_up)
{
    engine *e = eng_new(1);
    worker_pool w;
    wp_init(&w, e, NULL, 0, &(wp_params){.min = 1, .max = 1, .injection = MS(500)});
    hold_job a = {.job.fn = hold_fn}, b = {.job.fn = hold_fn}, c = {.job.fn = hold_fn};
    wp_submit(&w, &a.job);
    wp_submit(&w, &b.job);
    wp_submit(&w, &c.job);
    cr_assert(a.ran && !b.ran && !c.ran);
    wp_release(&w);
    eng_run_until(e, 0);
    cr_assert(b.ran && !c.ran);
    eng_run_until(e, SEC(5));
    cr_assert(!c.ran, "max reached: no growth");
    eng_free(e);
}

Test(pool, unbounded_runs_every_job_at_once)
{
    engine *e = eng_new(1);
    worker_pool w;
    wp_init(&w, e, NULL, 0, &(wp_params){.unbounded = true});
    hold_job jobs[1000];
    for (int i = 0; i < 1000; i++) {
        jobs[i] = (hold_job){.job.fn = hold_fn};
        wp_submit(&w, &jobs[i].job);
        cr_assert(jobs[i].ran);
    }
    cr_assert_eq(wp_queue_len(&w), 0);
    eng_free(e);
}

/* ======================================================================
 * locks
 * ====================================================================== */

Test(locks, memory_lock_coalesces_n_concurrent_cold_requests_into_one_factory_call)
{
    node_params p = base_params();
    p.pool.unbounded = true;
    fx x;
    fx_init(&x, 1, &p, NULL, MS(1), MS(50));
    for (int i = 0; i < 100; i++)
        wl_inject(&x.wl, 0, 42, OP_GET_OR_SET);
    fx_run(&x, SEC(2));
    cr_assert_eq(x.nodes[0].factory_calls, 1);
    cr_assert_eq(fx_total(&x, 0, "requests.ok"), 100);
    cr_assert_eq(fx_total(&x, 0, "lock.memory.waits"), 99);
    fx_free(&x);
}

Test(locks, memory_lock_timeout_zero_loses_coalescing)
{
    node_params p = base_params();
    p.pool.unbounded = true;
    p.memory_lock_timeout = 0;
    fx x;
    fx_init(&x, 1, &p, NULL, MS(1), MS(50));
    for (int i = 0; i < 10; i++)
        wl_inject(&x.wl, 0, 42, OP_GET_OR_SET);
    fx_run(&x, SEC(2));
    cr_assert_eq(x.nodes[0].factory_calls, 10, "proceed without the lock (§1 C)");
    fx_free(&x);
}

Test(locks, distributed_lock_two_nodes_one_factory_call)
{
    node_params p = base_params();
    p.pool.unbounded = true;
    p.distributed_lock = true;
    fx x;
    fx_init(&x, 2, &p, NULL, MS(1), MS(200));
    wl_inject(&x.wl, 0, 42, OP_GET_OR_SET);
    wl_inject(&x.wl, 1, 42, OP_GET_OR_SET);
    fx_run(&x, SEC(5));
    cr_assert_eq(x.nodes[0].factory_calls + x.nodes[1].factory_calls, 1);
    cr_assert_eq(fx_total(&x, -1, "lock.distributed.acquired"), 2);
    cr_assert_eq(fx_total(&x, -1, "requests.ok"), 2);
    fx_free(&x);
}

Test(locks, u32map_survives_growth_and_deletes)
{
    u32map m;
    u32map_init(&m, 4);
    for (uint32_t k = 0; k < 10000; k++)
        u32map_put(&m, k * 2654435761u, k);
    for (uint32_t k = 0; k < 10000; k += 3)
        u32map_del(&m, k * 2654435761u);
    for (uint32_t k = 0; k < 10000; k++)
        cr_assert_eq(u32map_get(&m, k * 2654435761u), k % 3 ? k : UINT32_MAX);
    u32map_free(&m);
}

/* ======================================================================
 * node, backplane
 * ====================================================================== */

/* Node 1 sets key 7 that node 0 holds with an older timestamp; node 0's
 * receive handler reads L2 (100 ms RTT).  Midway through that read: is a
 * worker of node 0 busy? */
static int busy_during_receive_read(bp_mode mode)
{
    node_params p = base_params();
    p.bp.enabled = true;
    p.bp.mode = mode;
    fx x;
    fx_init(&x, 2, &p, NULL, MS(100), MS(5));
    node *n0 = &x.nodes[0];
    l1_entry *e = l1_put(&n0->l1, 7, NULL);
    e->ts = 1;
    e->logical_exp = e->physical_exp = SEC(500);
    fx_run(&x, SEC(1)); /* subscriptions settle */
    wl_inject(&x.wl, 1, 7, OP_SET);
    while (n0->bp_l2_reads == 0 && eng_now(x.e) < SEC(5))
        fx_run(&x, eng_now(x.e) + US(100));
    cr_assert_eq(n0->bp_l2_reads, 1, "node 0 read L2 for the EntrySet");
    fx_run(&x, eng_now(x.e) + MS(50));
    int busy = wp_busy(&n0->pool);
    fx_run(&x, SEC(3));
    cr_assert_eq(wp_busy(&n0->pool), 0);
    cr_assert_eq(l1_peek(&n0->l1, 7)->ts, l1_peek(&x.nodes[1].l1, 7)->ts,
                 "node 0 took the newer entry from L2");
    fx_free(&x);
    return busy;
}

Test(node, sync_inline_receive_holds_a_worker)
{
    cr_assert_eq(busy_during_receive_read(BP_SYNC_INLINE), 1);
}

Test(node, async_receive_does_not_hold_a_worker)
{
    cr_assert_eq(busy_during_receive_read(BP_ASYNC), 0);
}

Test(node, sync_api_request_holds_its_worker_through_l2)
{
    node_params p = base_params();
    p.sync_api = true;
    fx x;
    fx_init(&x, 1, &p, NULL, MS(100), MS(5));
    wl_inject(&x.wl, 0, 3, OP_GET_OR_SET);
    fx_run(&x, MS(50)); /* waiting on the L2 read */
    cr_assert_eq(wp_busy(&x.nodes[0].pool), 1);
    fx_run(&x, SEC(2));
    cr_assert_eq(wp_busy(&x.nodes[0].pool), 0);
    fx_free(&x);

    p.sync_api = false;
    fx_init(&x, 1, &p, NULL, MS(100), MS(5));
    wl_inject(&x.wl, 0, 3, OP_GET_OR_SET);
    fx_run(&x, MS(50));
    cr_assert_eq(wp_busy(&x.nodes[0].pool), 0);
    fx_free(&x);
}

Test(node, l2_hit_on_second_node_skips_factory)
{
    node_params p = base_params();
    fx x;
    fx_init(&x, 2, &p, NULL, MS(1), MS(20));
    wl_inject(&x.wl, 0, 5, OP_GET_OR_SET);
    fx_run(&x, SEC(1));
    wl_inject(&x.wl, 1, 5, OP_GET_OR_SET);
    fx_run(&x, SEC(2));
    cr_assert_eq(x.nodes[0].factory_calls, 1);
    cr_assert_eq(x.nodes[1].factory_calls, 0);
    cr_assert_eq(fx_total(&x, 1, "l2.hit"), 1);
    fx_free(&x);
}

Test(node, factory_error_with_fail_safe_serves_stale)
{
    node_params p = base_params();
    p.fail_safe = true;
    p.duration = SEC(10);
    fx x;
    fx_init(&x, 1, &p, NULL, MS(1), MS(20));
    wl_inject(&x.wl, 0, 5, OP_GET_OR_SET);
    fx_run(&x, SEC(1));
    db_set_down(&x.db, true);
    rs_flush(x.srv);
    fx_run(&x, SEC(20)); /* logically expired, physically kept */
    wl_inject(&x.wl, 0, 5, OP_GET_OR_SET);
    fx_run(&x, SEC(21));
    cr_assert_eq(fx_total(&x, 0, "requests.stale"), 1);
    cr_assert_eq(fx_total(&x, 0, "failsafe.activations"), 1);
    cr_assert_eq(fx_total(&x, 0, "requests.error"), 0);
    fx_free(&x);
}

Test(backplane, different_cache_names_never_hear_each_other)
{
    node_params p = base_params();
    p.bp.enabled = true;
    const char *chans[] = {"a.Backplane:v2", "a.Backplane:v2", "b.Backplane:v2"};
    fx x;
    fx_init(&x, 3, &p, chans, MS(1), MS(5));
    fx_run(&x, SEC(1));
    for (uint32_t k = 0; k < 20; k++)
        wl_inject(&x.wl, 0, k, OP_SET);
    fx_run(&x, SEC(3));
    cr_assert_eq(x.nodes[0].bp.published, 20);
    cr_assert_eq(x.nodes[1].bp_received, 20, "same cache name: every message");
    cr_assert_eq(x.nodes[2].bp_received, 0, "other cache name: none");
    cr_assert_eq(x.nodes[2].bp.dropped_own, 0);
    fx_free(&x);
}

Test(backplane, a_node_ignores_its_own_messages)
{
    node_params p = base_params();
    p.bp.enabled = true;
    fx x;
    fx_init(&x, 2, &p, NULL, MS(1), MS(5));
    fx_run(&x, SEC(1));
    for (uint32_t k = 0; k < 10; k++)
        wl_inject(&x.wl, 0, k, OP_SET);
    fx_run(&x, SEC(3));
    cr_assert_eq(x.nodes[0].bp.dropped_own, 10, "Redis delivers back to the sender");
    cr_assert_eq(x.nodes[0].bp_received, 0);
    cr_assert_eq(x.nodes[1].bp_received, 10);
    fx_free(&x);
}

/* Step until node `from` has handed its n-th PUBLISH to its client; with
 * the fixture's constant 2 ms RTT and 100 us commands the message then
 * reaches the server 1 ms later and the other nodes 2.1 ms later. */
static sim_ns fx_until_published(fx *x, int from, uint64_t n, sim_ns t)
{
    sim_ns end = t + MS(50);
    while (x->nodes[from].bp.published < n && t < end)
        fx_run(x, t += US(20));
    cr_assert_geq(x->nodes[from].bp.published, n, "node %d published", from);
    return t;
}

Test(backplane, a_message_arriving_at_a_paused_node_waits_for_a_worker)
{
    node_params p = base_params();
    p.bp.enabled = true;
    fx x;
    fx_init(&x, 2, &p, NULL, MS(2), MS(3));
    fx_run(&x, SEC(1));
    wl_inject(&x.wl, 0, 77, OP_SET);
    sim_ns t = fx_until_published(&x, 0, 1, SEC(1));
    fx_run(&x, t + MS(1) + US(500)); /* executed at the server, not yet arrived */
    cr_assert_eq(x.nodes[1].bp_received, 0, "still in flight");
    node_set_pause(&x.nodes[1], true);
    fx_run(&x, MS(2500));
    cr_assert_eq(x.nodes[1].bp_received, 0, "no worker: the receive job waits");
    node_set_pause(&x.nodes[1], false);
    fx_run(&x, SEC(3));
    cr_assert_eq(x.nodes[1].bp_received, 1, "handled once a worker is back");
    int id = stats_find(x.st, "backplane.received");
    cr_assert_eq(stats_bucket(x.st, 1, id, 1), 0, "not counted when it arrived (second 1)");
    cr_assert_eq(stats_bucket(x.st, 1, id, 2), 1, "but when it ran (second 2)");
    fx_free(&x);
}

Test(backplane, a_message_arriving_after_the_backplane_is_back_is_handled)
{
    node_params p = base_params();
    p.bp.enabled = true;
    fx x;
    fx_init(&x, 2, &p, NULL, MS(2), MS(3));
    fx_run(&x, SEC(1));
    wl_inject(&x.wl, 1, 88, OP_GET_OR_SET); /* node 1 gets a copy */
    fx_run(&x, SEC(2));
    cr_assert_not_null(l1_peek(&x.nodes[1].l1, 88));
    x.nodes[1].bp.down = true;
    wl_inject(&x.wl, 0, 88, OP_REMOVE);
    sim_ns t = fx_until_published(&x, 0, 1, SEC(2));
    fx_run(&x, t + MS(1) + US(500)); /* sent while node 1's backplane was down */
    cr_assert_not_null(l1_peek(&x.nodes[1].l1, 88), "not arrived yet");
    x.nodes[1].bp.down = false;
    fx_run(&x, SEC(3));
    cr_assert_null(l1_peek(&x.nodes[1].l1, 88), "the remove arrived after the backplane came back");
    fx_free(&x);
}

Test(backplane, auto_recovery_queue_keeps_last_action_per_key_in_order)
{
    ar_queue q;
    ar_init(&q);
    ar_put(&q, 5, BP_SET, 1, 100, 0);
    ar_put(&q, 6, BP_SET, 2, 100, 0);
    ar_put(&q, 5, BP_REMOVE, 3, 100, 0);
    cr_assert_eq(q.count, 2);
    ar_item *it = ar_first(&q);
    cr_assert(it->key == 5 && it->action == BP_REMOVE && it->ts == 3);
    ar_del(&q, 5);
    cr_assert_eq(ar_first(&q)->key, 6);
    ar_free(&q);
}

Test(backplane, auto_recovery_max_items_evicts_the_soonest_to_expire)
{
    ar_queue q;
    ar_init(&q);
    cr_assert(ar_put(&q, 1, BP_SET, 1, 300, 2));
    cr_assert(ar_put(&q, 2, BP_SET, 1, 100, 2));
    cr_assert(!ar_put(&q, 3, BP_SET, 1, 50, 2), "would expire sooner than all: refused");
    cr_assert(ar_put(&q, 4, BP_SET, 1, 200, 2));
    cr_assert_null(ar_get(&q, 2), "the soonest to expire went");
    cr_assert_not_null(ar_get(&q, 1));
    cr_assert_not_null(ar_get(&q, 4));
    ar_free(&q);
}

Test(backplane, publish_failure_goes_to_auto_recovery_and_is_replayed)
{
    node_params p = base_params();
    p.bp.enabled = true;
    p.bp.ar_delay = SEC(5);
    fx x;
    fx_init(&x, 2, &p, NULL, MS(1), MS(5));
    fx_run(&x, SEC(1));
    x.nodes[0].bp.down = true;
    wl_inject(&x.wl, 0, 9, OP_SET);
    fx_run(&x, SEC(2));
    cr_assert_eq(x.nodes[0].bp.ar.count, 1);
    cr_assert_eq(x.nodes[1].bp_received, 0);
    x.nodes[0].bp.down = false;
    fx_run(&x, SEC(10));
    cr_assert_eq(x.nodes[0].bp.ar.count, 0);
    cr_assert_eq(x.nodes[1].bp_received, 1, "replayed after the delay");
    fx_free(&x);
}

/* ======================================================================
 * database: M/M/c against Erlang C
 * ====================================================================== */

typedef struct mmc {
    database *db;
    db_call *calls;
    size_t n, next;
    gsl_rng *arr;
    double lambda;
    double *waits;
    size_t nw;
} mmc;

static void mmc_done(db_call *c, db_status st)
{
    (void)c;
    (void)st;
}

static void mmc_arrival(engine *e, void *obj, uint64_t u)
{
    (void)u;
    mmc *m = obj;
    if (m->next >= m->n)
        return;
    db_call *c = &m->calls[m->next++];
    c->done = mmc_done;
    db_submit(m->db, c);
    eng_after(e, (sim_ns)(gsl_ran_exponential(m->arr, 1.0 / m->lambda) * 1e9), mmc_arrival, m, 0);
}

/* Erlang C: probability of waiting in M/M/c with offered load a = λ/μ,
 * through Erlang B from GSL's Poisson pmf and cdf. */
static double erlang_c(int c, double a)
{
    double b = gsl_ran_poisson_pdf((unsigned)c, a) / gsl_cdf_poisson_P((unsigned)c, a);
    double rho = a / c;
    return b / (1 - rho * (1 - b));
}

Test(database, pool_is_mm_c_mean_wait_within_ci_of_erlang_c)
{
    const int c = 4;
    const double mean_s = 0.010, lambda = 300; /* rho = 0.75 */
    engine *e = eng_new(11);
    database db;
    db_params p = {.pool = c, .service = {0}, .acquire_timeout = SIM_NEVER, .down_latency = MS(1)};
    cs_err err = {0};
    const char *keys[] = {"mean"};
    double vals[] = {mean_s * 1e9};
    cr_assert_eq(dist_init(&p.service, "exponential", 1, keys, vals, &err), 0, "%s", err.msg);
    db_init(&db, e, NULL, &p);
    mmc m = {.db = &db, .n = 200000, .lambda = lambda, .arr = eng_rng(e, "test.arrivals")};
    m.calls = calloc(m.n, sizeof *m.calls);
    eng_after(e, 0, mmc_arrival, &m, 0);
    eng_run_until(e, SIM_NEVER - 1);
    size_t skip = 5000; /* warm-up */
    double *w = malloc((m.n - skip) * sizeof *w);
    for (size_t i = skip; i < m.n; i++)
        w[i - skip] = ns_to_s(m.calls[i].started_at - m.calls[i].queued_at);
    double mean, half;
    batch_means_ci(w, m.n - skip, 30, &mean, &half);
    double mu = 1 / mean_s, a = lambda / mu;
    double wq = erlang_c(c, a) / (c * mu - lambda);
    cr_assert(fabs(mean - wq) <= half, "mean wait %.6f s, Erlang C %.6f s, CI half-width %.6f", mean,
              wq, half);
    cr_assert(half < 0.2 * wq, "the CI is tight enough to mean something");
    free(w);
    free(m.calls);
    dist_free(&p.service);
    eng_free(e);
}

Test(database, down_fails_fast_and_capacity_limits_concurrency)
{
    engine *e = eng_new(1);
    stats *st = stats_new(e, 1, 0, SEC(1), SEC(10));
    database db;
    db_params p = {.pool = 4, .service = dist_constant((double)MS(100)), .acquire_timeout = SIM_NEVER,
                   .down_latency = MS(1)};
    db_init(&db, e, st, &p);
    db_set_limit(&db, 2);
    db_call calls[6];
    for (int i = 0; i < 6; i++) {
        calls[i] = (db_call){.done = mmc_done};
        db_submit(&db, &calls[i]);
    }
    cr_assert_eq(db.in_use, 2);
    eng_run_until(e, SEC(1));
    cr_assert_eq(calls[5].finished_at, MS(300), "2 connections: 3 rounds of 100 ms");
    db_set_down(&db, true);
    db_call d = {.done = mmc_done};
    db_submit(&db, &d);
    eng_run_until(e, SEC(2));
    cr_assert_eq(d.finished_at - d.queued_at, MS(1));
    stats_free(st);
    eng_free(e);
}

/* ======================================================================
 * world: topology_run end to end
 * ====================================================================== */

static const char *const WORLD_CFG =
    "schema: 1\nname: world-test\nduration: 40s\nwarmup: 5s\n"
    "nodes: {count: 3}\n"
    "workload: {kind: open, rate: 200/s, keys: {count: 2000}, write_ratio: 0.05}\n"
    "cache: {duration: 10s, fail_safe: {enabled: true}, l1: {outage_max_ttl: 5s}}\n"
    "l2: {breaker: {kind: simple, break_duration: 5s}}\n"
    "backplane: {enabled: true}\n"
    "faults:\n  - {at: 15s, target: redis, kind: restart, for: 5s}\n";

static void run_cfg(const char *text, uint64_t seed, run_rows *rows)
{
    config c;
    cs_err err = {0};
    cr_assert_eq(config_load_string(text, "world-test", NULL, 0, &c, &err), 0, "%s", err.msg);
    sim_ns end;
    uint64_t ev;
    cr_assert_eq(topology_run(&c, seed, NULL, rows, &end, &ev, &err), 0, "%s", err.msg);
    cr_assert_eq(end, c.duration);
    config_free(&c);
}

static bool same_double(double a, double b) { return (isnan(a) && isnan(b)) || a == b; }

static void assert_same_rows(const run_rows *a, const run_rows *b)
{
    cr_assert_eq(a->metrics.n, b->metrics.n);
    for (size_t i = 0; i < a->metrics.n; i++) {
        cr_assert_eq(a->metrics.v[i].node, b->metrics.v[i].node);
        cr_assert_str_eq(a->metrics.v[i].name, b->metrics.v[i].name);
        cr_assert(same_double(a->metrics.v[i].value, b->metrics.v[i].value), "%s differs",
                  a->metrics.v[i].name);
    }
    cr_assert_eq(a->series.n, b->series.n);
    for (size_t i = 0; i < a->series.n; i++) {
        cr_assert_eq(a->series.v[i].node, b->series.v[i].node);
        cr_assert_str_eq(a->series.v[i].name, b->series.v[i].name);
        cr_assert(same_double(a->series.v[i].t_s, b->series.v[i].t_s));
        cr_assert(same_double(a->series.v[i].value, b->series.v[i].value), "%s at %g differs",
                  a->series.v[i].name, a->series.v[i].t_s);
    }
    cr_assert_eq(a->transitions.n, b->transitions.n);
}

Test(world, same_seed_twice_in_one_process_gives_identical_rows)
{
    run_rows a = {0}, b = {0}, c = {0};
    run_cfg(WORLD_CFG, 3, &a);
    run_cfg(WORLD_CFG, 3, &b);
    assert_same_rows(&a, &b);
    run_cfg(WORLD_CFG, 4, &c);
    cr_assert_neq(rows_get_metric(&a, -1, "requests.total"), rows_get_metric(&c, -1, "requests.total"),
                  "another seed, other traffic");
    rows_free(&a);
    rows_free(&b);
    rows_free(&c);
}

Test(world, every_interface_metric_overall_and_per_node)
{
    static const char *const names[] = {
        "requests.total", "requests.ok", "requests.error", "requests.timeout", "requests.stale",
        "latency.mean_ms", "latency.p50_ms", "latency.p90_ms", "latency.p99_ms", "latency.p999_ms",
        "latency.max_ms", "l1.hit", "l1.miss", "l2.hit", "l2.miss", "l2.error", "l2.timeout",
        "factory.calls", "db.calls", "lock.memory.waits", "lock.distributed.acquired",
        "lock.distributed.timeout", "redis.peak_backlog", "redis.peak_inflight", "redis.reconnects",
        "breaker.trips", "breaker.open_s", "breaker.rejected", "backplane.published",
        "backplane.received", "backplane.l2_reads", "pool.peak_queue", "pool.peak_workers",
        "pool.starved_s", NULL};
    run_rows r = {0};
    run_cfg(WORLD_CFG, 1, &r);
    for (int node = -1; node < 3; node++)
        for (int i = 0; names[i]; i++)
            cr_assert(!isnan(rows_get_metric(&r, node, names[i])), "%s missing for node %d", names[i],
                      node);
    cr_assert(!isnan(rows_get_metric(&r, -1, "redis.commands")));
    cr_assert(!isnan(rows_get_metric(&r, -1, "db.peak_concurrency")));
    double total = rows_get_metric(&r, -1, "requests.total"), sum = 0;
    for (int node = 0; node < 3; node++)
        sum += rows_get_metric(&r, node, "requests.total");
    cr_assert_eq(total, sum, "overall = sum of nodes");
    cr_assert_gt(rows_get_metric(&r, -1, "breaker.trips"), 0, "the restart opened breakers");
    cr_assert_gt(rows_get_metric(&r, -1, "redis.reconnects"), 0);
    bool seen[11] = {0};
    static const char *const series[] = {"rps", "errors", "latency.p50_ms", "latency.p99_ms",
                                         "l1.hit_ratio", "db.rps", "redis.up", "breaker.open",
                                         "redis.backlog", "pool.queue", "stale_ratio"};
    for (size_t i = 0; i < r.series.n; i++)
        for (int k = 0; k < 11; k++)
            if (r.series.v[i].node == -1 && strcmp(r.series.v[i].name, series[k]) == 0)
                seen[k] = true;
    for (int k = 0; k < 11; k++)
        cr_assert(seen[k], "series %s missing", series[k]);
    bool fault = false, breaker = false;
    for (size_t i = 0; i < r.transitions.n; i++) {
        fault |= strcmp(r.transitions.v[i].component, "fault") == 0;
        breaker |= strcmp(r.transitions.v[i].component, "breaker") == 0;
    }
    cr_assert(fault && breaker, "fault and breaker transitions recorded");
    rows_free(&r);
}

Test(world, trace_filter_records_the_steps_of_one_key)
{
    config c;
    cs_err err = {0};
    cr_assert_eq(config_load_string(WORLD_CFG, "t", NULL, 0, &c, &err), 0, "%s", err.msg);
    run_rows r = {0};
    sim_ns end;
    uint64_t ev;
    cr_assert_eq(topology_run(&c, 1, "key=1", &r, &end, &ev, &err), 0, "%s", err.msg);
    cr_assert_gt(r.trace.n, 0);
    int timeouts = 0;
    for (size_t i = 0; i < r.trace.n; i++) {
        const char *d = r.trace.v[i].detail;
        cr_assert(strstr(d, "key=1 "), "%s", d);
        /* durations read as the config writes them, never as a sentinel */
        cr_assert(!strstr(d, "9223372036854775807"), "%s", d);
        timeouts += strstr(d, "timeout=none") != NULL;
    }
    cr_assert_gt(timeouts, 0, "the default L2 read and factory timeouts are none");
    rows_free(&r);
    run_rows q = {0};
    cr_assert_eq(topology_run(&c, 1, "request=100", &q, &end, &ev, &err), 0, "%s", err.msg);
    cr_assert_gt(q.trace.n, 1);
    cr_assert_str_eq(q.trace.v[0].step, "request.start");
    for (size_t i = 0; i < q.trace.n; i++)
        cr_assert_eq(q.trace.v[i].request, 100);
    cr_assert(strncmp(q.trace.v[q.trace.n - 1].step, "request.end", 11) == 0, "%s",
              q.trace.v[q.trace.n - 1].step);
    rows_free(&q);
    cr_assert_neq(topology_run(&c, 1, "bogus", &r, &end, &ev, &err), 0);
    config_free(&c);
}

static run_rows run_text(const char *text)
{
    run_rows r = {0};
    run_cfg(text, 1, &r);
    return r;
}

Test(world, open_loop_poisson_rate_matches_the_config)
{
    run_rows r = run_text("schema: 1\nname: rate\nduration: 100s\nwarmup: 0s\nnodes: {count: 3}\n"
                          "cache: {mode: local_only}\n"
                          "workload: {kind: open, rate: 100/s, keys: {count: 100}}\n");
    double total = rows_get_metric(&r, -1, "requests.total");
    cr_assert(fabs(total - 30000) < 4 * sqrt(30000), "30000 expected, got %g", total);
    rows_free(&r);
}

Test(world, profile_step_changes_the_rate)
{
    run_rows r = run_text("schema: 1\nname: step\nduration: 40s\nwarmup: 0s\nnodes: {count: 1}\n"
                          "cache: {mode: local_only}\n"
                          "workload: {kind: open, rate: 100/s, keys: {count: 100},\n"
                          "           profile: [{at: 20s, kind: step, rate: 400/s}]}\n");
    double before = 0, after = 0;
    for (size_t i = 0; i < r.series.n; i++)
        if (r.series.v[i].node == -1 && strcmp(r.series.v[i].name, "rps") == 0) {
            if (r.series.v[i].t_s < 20)
                before += r.series.v[i].value;
            else
                after += r.series.v[i].value;
        }
    cr_assert(fabs(before / 20 - 100) < 10 && fabs(after / 20 - 400) < 25, "%g -> %g", before / 20,
              after / 20);
    rows_free(&r);
}

Test(world, client_timeout_counts_an_error_while_the_node_keeps_working)
{
    run_rows r = run_text("schema: 1\nname: to\nduration: 30s\nwarmup: 0s\nnodes: {count: 1}\n"
                          "cache: {mode: local_only}\n"
                          "database: {service: {dist: constant, value: 2s}}\n"
                          "workload: {kind: open, rate: 1/s, timeout: 500ms, keys: {count: 1000000,"
                          " popularity: uniform}}\n");
    double total = rows_get_metric(&r, -1, "requests.total");
    cr_assert_gt(total, 10);
    cr_assert_eq(rows_get_metric(&r, -1, "requests.timeout"), total);
    cr_assert_eq(rows_get_metric(&r, -1, "requests.error"), total);
    cr_assert_eq(rows_get_metric(&r, -1, "requests.ok"), 0);
    cr_assert_eq(rows_get_metric(&r, -1, "db.calls"), total, "the factory still runs: wasted work");
    cr_assert_float_eq(rows_get_metric(&r, -1, "latency.max_ms"), 500, 3);
    rows_free(&r);
}

Test(world, closed_loop_clients_wait_for_their_answer)
{
    run_rows r = run_text("schema: 1\nname: closed\nduration: 10s\nwarmup: 0s\nnodes: {count: 1}\n"
                          "cache: {mode: local_only}\n"
                          "database: {service: {dist: constant, value: 100ms}}\n"
                          "workload: {kind: closed, clients: 5, think: {dist: constant, value: 100ms},"
                          " keys: {count: 1000000, popularity: uniform}}\n");
    /* each client: 100 ms think + 100 ms factory => ~5 requests/s */
    double total = rows_get_metric(&r, -1, "requests.total");
    cr_assert(total >= 240 && total <= 255, "got %g", total);
    rows_free(&r);
}

Test(world, link_partition_hits_only_the_partitioned_node)
{
    run_rows r = run_text("schema: 1\nname: part\nduration: 30s\nwarmup: 0s\nnodes: {count: 2}\n"
                          "workload: {kind: open, rate: 100/s, keys: {count: 100000}}\n"
                          "l2: {client: {timeout: 1s}}\n"
                          "faults:\n  - {at: 10s, target: link, node: 1, kind: partition, for: 10s}\n");
    cr_assert_gt(rows_get_metric(&r, 1, "l2.timeout") + rows_get_metric(&r, 1, "l2.error"), 0);
    cr_assert_eq(rows_get_metric(&r, 0, "l2.timeout") + rows_get_metric(&r, 0, "l2.error"), 0);
    rows_free(&r);
}

Test(world, node_pause_stops_its_workers_only)
{
    run_rows r = run_text("schema: 1\nname: pause\nduration: 20s\nwarmup: 0s\nnodes: {count: 2}\n"
                          "cache: {mode: local_only}\n"
                          "workload: {kind: open, rate: 100/s, keys: {count: 100}}\n"
                          "faults:\n  - {at: 5s, target: node, node: 0, kind: pause, for: 3s}\n");
    cr_assert_gt(rows_get_metric(&r, 0, "latency.max_ms"), 2900);
    cr_assert_lt(rows_get_metric(&r, 1, "latency.max_ms"), 1000);
    cr_assert_gt(rows_get_metric(&r, 0, "pool.peak_queue"), 200);
    rows_free(&r);
}

Test(world, unsupported_fault_is_a_config_error)
{
    /* refused by the loader (what validate runs), before any world is built:
     * the checker and the fault model read one table (sim/core/fault_kinds.h) */
    config c;
    cs_err err = {0};
    cr_assert_eq(config_load_string("schema: 1\nname: bad\nduration: 5s\n"
                                    "faults:\n  - {at: 1s, target: backplane, kind: slow}\n",
                                    "bad", NULL, 0, &c, &err),
                 CS_USAGE);
    cr_assert(strstr(err.msg, "faults[0].kind: slow does not apply to target backplane"), "%s",
              err.msg);
}

Test(node, eager_refresh_runs_the_factory_in_the_background_once)
{
    node_params p = base_params();
    p.duration = SEC(10);
    p.eager_threshold = 0.5;
    fx x;
    fx_init(&x, 1, &p, NULL, MS(1), MS(20));
    node *n = &x.nodes[0];
    wl_inject(&x.wl, 0, 8, OP_GET_OR_SET);
    fx_run(&x, SEC(1));
    cr_assert_eq(n->factory_calls, 1);
    sim_ns ts0 = l1_peek(&n->l1, 8)->ts;
    fx_run(&x, SEC(7)); /* past 50 % of the duration, still valid */
    wl_inject(&x.wl, 0, 8, OP_GET_OR_SET);
    wl_inject(&x.wl, 0, 8, OP_GET_OR_SET);
    fx_run(&x, SEC(8));
    cr_assert_eq(n->factory_calls, 2, "one background refresh, not one per hit");
    cr_assert_eq(fx_total(&x, 0, "l1.hit"), 2, "both callers answered from L1 at once");
    cr_assert_gt(l1_peek(&n->l1, 8)->ts, ts0, "the refreshed value replaced the entry");
    fx_free(&x);
}

Test(node, factory_soft_timeout_serves_stale_and_completes_in_background)
{
    node_params p = base_params();
    p.duration = SEC(5);
    p.fail_safe = true;
    p.factory_soft = MS(100);
    fx x;
    fx_init(&x, 1, &p, NULL, MS(1), MS(500));
    node *n = &x.nodes[0];
    wl_inject(&x.wl, 0, 8, OP_GET_OR_SET); /* no fallback yet: no soft timeout */
    fx_run(&x, SEC(2));
    cr_assert_eq(fx_total(&x, 0, "requests.ok"), 1);
    sim_ns ts0 = l1_peek(&n->l1, 8)->ts;
    fx_run(&x, SEC(10)); /* expired: stale fallback exists */
    wl_inject(&x.wl, 0, 8, OP_GET_OR_SET);
    fx_run(&x, SEC(10) + MS(200));
    cr_assert_eq(fx_total(&x, 0, "requests.stale"), 1, "soft timeout -> fail-safe");
    cr_assert_eq(fx_total(&x, 0, "factory.timeouts"), 1);
    cr_assert_eq(l1_peek(&n->l1, 8)->ts, ts0, "not yet refreshed");
    fx_run(&x, SEC(12));
    cr_assert_gt(l1_peek(&n->l1, 8)->ts, ts0, "the factory completed in the background");
    cr_assert(!l1_peek(&n->l1, 8)->stale);
    fx_free(&x);
}

Test(node, fallback_error_fails_requests_while_the_breaker_is_open)
{
    node_params p = base_params();
    p.fallback_db = false;
    snprintf(p.breaker_kind, sizeof p.breaker_kind, "simple");
    static char bparams[256];
    const breaker_ops *ops = breaker_kind("simple");
    ops->defaults(bparams);
    cr_assert_eq(breaker_params_set("simple", bparams, "break_duration", (double)SEC(60)), 0);
    p.breaker_params = bparams;
    fx x;
    fx_init(&x, 1, &p, NULL, MS(1), MS(5));
    rs_down(x.srv, "test");
    wl_inject(&x.wl, 0, 1, OP_GET_OR_SET); /* fails on L2, opens the breaker; factory runs */
    fx_run(&x, SEC(10));
    cr_assert_neq(x.nodes[0].br_state, BREAKER_CLOSED);
    double before = x.nodes[0].factory_calls;
    wl_inject(&x.wl, 0, 2, OP_GET_OR_SET);
    fx_run(&x, SEC(11));
    cr_assert_eq(fx_total(&x, 0, "requests.error"), 1, "L2 unusable and fallback: error");
    cr_assert_eq(x.nodes[0].factory_calls, before, "no database call");
    fx_free(&x);
}

/* ======================================================================
 * workload key draws, stochastic faults
 * ====================================================================== */

Test(world, zipf_and_hotspot_key_draws_follow_their_law)
{
    engine *e = eng_new(5);
    wl_params p = {.npoints = 1, .nsteps = 1, .timeout = SIM_NEVER, .think = dist_constant(0),
                   .keys = {.count = 100, .popularity = POP_ZIPF, .s = 1.0}};
    p.script[0] = (wl_step){.op = OP_GET_OR_SET, .keys = 1};
    workload w;
    wl_init(&w, e, NULL, 1, &p, NULL, node_start);
    gsl_rng *r = eng_rng(e, "test.keys");
    double h = 0;
    for (int k = 1; k <= 100; k++)
        h += 1.0 / k;
    int n = 200000, c0 = 0, c9 = 0;
    for (int i = 0; i < n; i++) {
        uint32_t k = wl_draw_key(&w, r);
        cr_assert_lt(k, 100);
        c0 += k == 0;
        c9 += k == 9;
    }
    cr_assert_float_eq((double)c0 / n, 1 / h, 0.01, "P(rank 1) = 1/H_100");
    cr_assert_float_eq((double)c9 / n, 0.1 / h, 0.005, "P(rank 10) = 1/(10 H_100)");
    wl_free(&w);

    p.keys = (wl_keys){.count = 1000, .popularity = POP_HOTSPOT, .hot_keys = 0.01, .hot_traffic = 0.9};
    wl_init(&w, e, NULL, 1, &p, NULL, node_start);
    int hot = 0;
    for (int i = 0; i < n; i++)
        hot += wl_draw_key(&w, r) < 10;
    cr_assert_float_eq((double)hot / n, 0.9, 0.01, "hot_share of draws on hot_fraction of keys");
    wl_free(&w);
    eng_free(e);
}

Test(world, mttf_mttr_faults_alternate_with_the_right_duty_cycle)
{
    run_rows r = run_text("schema: 1\nname: mttf\nduration: 2000s\nwarmup: 0s\ninterval: 10s\n"
                          "nodes: {count: 1}\ncache: {mode: local_only}\n"
                          "workload: {kind: open, rate: 1/s, keys: {count: 10}}\n"
                          "faults:\n  - {at: 0s, target: database, kind: down, mttf: 10s, mttr: 2s}\n");
    int starts = 0;
    double down = 0, since = -1;
    for (size_t i = 0; i < r.transitions.n; i++) {
        const transition_row *t = &r.transitions.v[i];
        if (strcmp(t->component, "fault") != 0)
            continue;
        if (strcmp(t->to_state, "active") == 0) {
            starts++;
            since = ns_to_s(t->t_ns);
        } else if (since >= 0) {
            down += ns_to_s(t->t_ns) - since;
            since = -1;
        }
    }
    /* ~2000 / 12 = 167 cycles; down fraction 2 / 12 */
    cr_assert(starts > 120 && starts < 215, "%d cycles", starts);
    cr_assert_float_eq(down / 2000, 2.0 / 12, 0.04, "down fraction %g", down / 2000);
    rows_free(&r);
}
