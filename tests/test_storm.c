/* test_storm.c — seed 000 from its mechanism (issue 13;
 * reference/seed000-mechanism.md): the .NET runtime's socket-completion
 * engine and pool timers (models/runtime.c) on their own, then the seed's
 * geometry (configs/backplane-storm-seed.yaml) for the predictions P1, P2
 * and P4 on seed 1.  Bounds come from the mechanism (the 5 s syncTimeout,
 * the 20 s dead-socket rule, counts of nodes), never from a run.  The
 * eight-seed versions are the expect: rules of
 * experiments/backplane-storm-50-clients.yaml.  Runs from the repository
 * root.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "models/runtime.h"
#include "models/worker_pool.h"
#include "sim/config/config.h"
#include "sim/run/runner.h"

/* ---- the engine item and the pool ---------------------------------------- */

typedef struct probe {
    engine *e;
    worker_pool *w;
    sim_ns delivered_at[4];
    int ndelivered;
    sim_ns order[4];
    int norder;
    wp_job hold; /* a job that keeps its worker until release_ev */
} probe;

static void on_completion(void *ctx, uint64_t u, const void *payload)
{
    (void)u, (void)payload;
    probe *p = ctx;
    p->delivered_at[p->ndelivered++] = eng_now(p->e);
}

static void release_ev(engine *e, void *obj, uint64_t u)
{
    (void)e, (void)u;
    wp_release(((probe *)obj)->w);
}

static void hold_fn(wp_job *j)
{
    (void)j; /* keeps the worker: a sync HMGET in Monitor.Wait */
}

static void post_ev(engine *e, void *obj, uint64_t u)
{
    (void)e;
    probe *p = obj;
    runtime *rt = (runtime *)(uintptr_t)u;
    rs_reply rep = {0};
    rt_post(rt, on_completion, p, 0, &rep, sizeof rep);
}

/* A reply that arrives while the only worker is held waits for the engine
 * item, which needs that worker: it is delivered when the worker comes back,
 * not when it arrived.  With inline completions it is delivered at once. */
Test(runtime, a_completion_waits_for_a_free_worker_unless_inline)
{
    for (int inl = 0; inl < 2; inl++) {
        engine *e = eng_new(1);
        worker_pool w;
        wp_params wp = {.min = 1, .max = 1, .injection = SEC(100)};
        wp_init(&w, e, NULL, 0, &wp);
        runtime rt;
        rt_params p = rt_defaults();
        p.inline_completions = inl;
        rt_init(&rt, e, NULL, NULL, 0, &p);
        rt_attach_pool(&rt, &w);
        probe pr = {.e = e, .w = &w, .hold = {.fn = hold_fn}};
        wp_submit(&w, &pr.hold); /* the worker is now held */
        eng_at(e, MS(100), post_ev, &pr, (uint64_t)(uintptr_t)&rt);
        eng_at(e, MS(1000), release_ev, &pr, 0);
        eng_run_until(e, SEC(5));
        cr_assert_eq(pr.ndelivered, 1);
        cr_expect_eq(pr.delivered_at[0], inl ? MS(100) : MS(1000), "inline=%d: delivered at %lld",
                     inl, (long long)pr.delivered_at[0]);
        cr_expect_eq(rt.passes, inl ? 0u : 1u);
        cr_expect_eq(w.busy, 0, "every worker back");
        rt_free(&rt);
        eng_free(e);
    }
}

static void order_fn(wp_job *j);
typedef struct ojob {
    wp_job job;
    probe *p;
    int id;
} ojob;
static void order_fn(wp_job *j)
{
    ojob *o = (ojob *)j;
    o->p->order[o->p->norder++] = o->id;
    wp_release(o->p->w);
}
static void timer_cb(void *ctx)
{
    probe *p = ctx;
    if (p->norder < 4)
        p->order[p->norder++] = 99;
}

/* .NET 7+ timers go to the pool's high-priority queue (TimerQueue.Portable):
 * the heartbeat runs before FIFO items queued earlier; with `fifo` after. */
Test(runtime, the_heartbeat_timer_overtakes_the_fifo_on_high_priority)
{
    for (int fifo = 0; fifo < 2; fifo++) {
        engine *e = eng_new(1);
        worker_pool w;
        wp_params wp = {.min = 1, .max = 1, .injection = SEC(100)};
        wp_init(&w, e, NULL, 0, &wp);
        runtime rt;
        rt_params p = rt_defaults();
        p.timers = fifo ? RT_TIMERS_FIFO : RT_TIMERS_HIGH;
        rt_init(&rt, e, NULL, NULL, 0, &p);
        rt_attach_pool(&rt, &w);
        probe pr = {.e = e, .w = &w, .hold = {.fn = hold_fn}};
        wp_submit(&w, &pr.hold);
        ojob a = {{.fn = order_fn}, &pr, 1}, b = {{.fn = order_fn}, &pr, 2};
        wp_submit(&w, &a.job);
        wp_submit(&w, &b.job);
        rt_timer t;
        rt_timer_start(&rt, &t, MS(500), SEC(1), timer_cb, &pr);
        eng_at(e, MS(1000), release_ev, &pr, 0);
        eng_run_until(e, MS(1200));
        cr_assert_eq(pr.norder, 3);
        if (fifo)
            cr_expect(pr.order[0] == 1 && pr.order[1] == 2 && pr.order[2] == 99);
        else
            cr_expect(pr.order[0] == 99 && pr.order[1] == 1 && pr.order[2] == 2);
        rt_timer_stop(&t);
        rt_free(&rt);
        eng_free(e);
    }
}

/* ---- the seed's geometry ---------------------------------------------------- */

#define SEED "configs/backplane-storm-seed.yaml"

static void run(const char *path, const char *const *sets, int nsets, const char *trace,
                run_rows *rows)
{
    config c;
    cs_err err = {0};
    cr_assert_eq(config_load(path, sets, nsets, &c, &err), 0, "%s", err.msg);
    sim_ns end;
    uint64_t ev;
    memset(rows, 0, sizeof *rows);
    cr_assert_eq(runner_simulate(&c, trace, rows, &end, &ev, &err), 0, "%s", err.msg);
    config_free(&c);
}

static double metric(const run_rows *r, int node, const char *name)
{
    double v = rows_get_metric(r, node, name);
    cr_assert(!isnan(v), "metric %s (node %d) is missing or NULL", name, node);
    return v;
}

/* P1: 2.1.0, one name, one multiplexer, unix.  At least one node fails
 * >= 90 % of its requests; it first sees "Timeout performing HMGET" (written,
 * replies stuck behind the handlers in the FIFO), then the heartbeat drops
 * the socket silently (>= 20 s without a read) and, while the handshake's
 * replies wait for the pool, commands time out in the backlog with the
 * seed's fields: never written, no LastException, ConnectedAt cleared. */
Test(storm_seed, p1_two_nodes_collapse_with_the_seeds_error, .timeout = 120)
{
    run_rows r;
    run(SEED, NULL, 0, "node=0", &r);
    int collapsed = 0, healthy = 0;
    for (int i = 0; i < 3; i++) {
        double ratio = metric(&r, i, "requests.error_ratio");
        collapsed += ratio >= 0.9;
        healthy += ratio == 0;
    }
    cr_expect_geq(collapsed, 1, "P1: a node fails >= 90 %% of its requests");
    cr_expect_geq(healthy, 1, "P3: a node survives");
    cr_expect_gt(metric(&r, -1, "redis.client.err.timeout_performing"), 0);
    cr_expect_geq(metric(&r, -1, "redis.client.silent_disconnects"), 1);
    cr_expect_gt(metric(&r, -1, "redis.client.err.backlog_timeout"), 0);
    cr_expect_eq(metric(&r, -1, "redis.client.err.connect_timeout"), 0, "LastException stays null");
    /* the silent drop: a transition marked silent, after >= 20 s of no reads */
    bool silent = false;
    for (size_t i = 0; i < r.transitions.n; i++) {
        const transition_row *t = &r.transitions.v[i];
        if (strcmp(t->component, "connection") == 0 && strstr(t->reason, "(silent)") &&
            strcmp(t->to_state, "disconnected") == 0) {
            silent = true;
            cr_expect_geq(t->t_ns, SEC(20), "no drop before 20 s without reads");
        }
    }
    cr_expect(silent, "a silent disconnect in the transitions");
    /* node 0's snapshots: a backlog timeout with the seed's fields */
    bool seen = false;
    for (size_t i = 0; i < r.trace.n && !seen; i++) {
        const trace_row *t = &r.trace.v[i];
        if (strcmp(t->step, "redis.error") != 0 || !t->detail ||
            !strstr(t->detail, "timed out in the backlog"))
            continue;
        seen = strstr(t->detail, "conn-sec: n/a") && strstr(t->detail, "LastException: none") &&
               strstr(t->detail, "bw: SpinningDown") && strstr(t->detail, "aw: False");
    }
    cr_expect(seen, "a backlog timeout with conn-sec n/a, no LastException, bw SpinningDown");
    rows_free(&r);
}

/* P2: when the connect completion itself waits for the pool, the heartbeat
 * aborts the connect after its threshold (2.5 s growing x1.1 to 10 s):
 * LastException = ConnectTimeout, and backlogged commands fail as
 * connection exceptions citing it. */
Test(storm_seed, p2_a_pool_completed_connect_aborts_with_connect_timeout, .timeout = 120)
{
    const char *sets[] = {"l2.client.connect_completion=pool"};
    run_rows r;
    run(SEED, sets, 1, NULL, &r);
    cr_expect_geq(metric(&r, -1, "redis.client.connect_aborts"), 1);
    cr_expect_gt(metric(&r, -1, "redis.client.err.connect_timeout"), 0);
    rows_free(&r);
}

/* P4: each of these removes the collapse. */
Test(storm_seed, p4_async_receive_unique_names_or_a_large_pool_remove_it, .timeout = 180)
{
    const char *variants[][1] = {{"backplane.receive=async"},
                                 {"nodes.groups=[{count: 1, cache_name: a}, {count: 1, "
                                  "cache_name: b}, {count: 1, cache_name: c}]"},
                                 {"nodes.workers.min=159"}};
    for (int v = 0; v < 3; v++) {
        run_rows r;
        run(SEED, variants[v], 1, NULL, &r);
        cr_expect_eq(metric(&r, -1, "redis.client.err.backlog_timeout"), 0, "%s", variants[v][0]);
        cr_expect_eq(metric(&r, -1, "redis.client.silent_disconnects"), 0, "%s", variants[v][0]);
        cr_expect_lt(metric(&r, -1, "requests.error_ratio"), 0.01, "%s", variants[v][0]);
        rows_free(&r);
    }
}
