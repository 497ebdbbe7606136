/* test_knobs.c — config keys that must change what happens ("a knob with no
 * effect is worse than a missing feature"): each test runs the same scenario
 * with the key at two values and asserts the mechanism's difference. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "sim/run/runner.h"

static void run(const char *path, const char **sets, int nsets, run_rows *rows)
{
    config cfg;
    cs_err err = {0};
    cr_assert_eq(config_load(path, sets, nsets, &cfg, &err), 0, "%s", err.msg);
    sim_ns end;
    uint64_t ev;
    cr_assert_eq(runner_simulate(&cfg, NULL, rows, &end, &ev, &err), 0, "%s", err.msg);
    config_free(&cfg);
}

/* Time of each node's first closed -> open breaker transition. */
static int first_opens(const run_rows *r, sim_ns *t, int max)
{
    for (int i = 0; i < max; i++)
        t[i] = -1;
    for (size_t i = 0; i < r->transitions.n; i++) {
        const transition_row *x = &r->transitions.v[i];
        if (!strcmp(x->component, "breaker") && x->to_state && !strcmp(x->to_state, "open") &&
            x->node >= 0 && x->node < max && t[x->node] < 0)
            t[x->node] = x->t_ns;
    }
    int n = 0;
    for (int i = 0; i < max; i++)
        n += t[i] >= 0;
    return n;
}

Test(knobs, breaker_scope_cache_shares_one_breaker_per_cache_name, .timeout = 120)
{
    const char *client[] = {"duration=4m", "l2.breaker.scope=client"};
    const char *cache[] = {"duration=4m", "l2.breaker.scope=cache"};
    run_rows a = {0}, b = {0};
    run("configs/hcl-breaker.yaml", client, 2, &a);
    run("configs/hcl-breaker.yaml", cache, 2, &b);
    sim_ns ta[4], tb[4];
    cr_assert_eq(first_opens(&a, ta, 4), 4, "every node's own breaker opens");
    cr_assert_eq(first_opens(&b, tb, 4), 4, "the shared breaker's trip reaches every node");
    bool differ = false;
    for (int i = 1; i < 4; i++) {
        differ |= ta[i] != ta[0];
        cr_assert_eq(tb[i], tb[0], "scope cache: node %d opened at %ld, node 0 at %ld", i,
                     (long)tb[i], (long)tb[0]);
    }
    cr_assert(differ, "scope client: the four breakers should trip at their own times");
    /* one breaker fed by four nodes reaches 20 consecutive failures sooner */
    cr_assert_leq(tb[0], ta[0]);
    rows_free(&a);
    rows_free(&b);
}

Test(knobs, retry_multiplier_changes_the_worst_case_failure_latency, .timeout = 120)
{
    /* timeout 1 s, 2 retries, exponential from 1 s: 1 + (1 + 1) + (1 + m) s */
    const char *base[] = {"duration=3m", "l2.client.timeout=1s", "l2.client.retries.attempts=2",
                          "l2.client.retries.interval=1s", "l2.client.retries.backoff=exponential",
                          "l2.client.retries.multiplier=2"};
    run_rows a = {0}, b = {0};
    run("configs/hcl-breaker.yaml", base, 6, &a);
    base[5] = "l2.client.retries.multiplier=3";
    run("configs/hcl-breaker.yaml", base, 6, &b);
    double fa = rows_get_metric(&a, -1, "l2.fail_latency.min_ms");
    double fb = rows_get_metric(&b, -1, "l2.fail_latency.min_ms");
    cr_assert_float_eq(fa, 6000, 1e-6, "multiplier 2: %g ms", fa);
    cr_assert_float_eq(fb, 7000, 1e-6, "multiplier 3: %g ms", fb);
    rows_free(&a);
    rows_free(&b);
}

/* A whole-run metric (NaN when absent, which fails every comparison). */
static double total(const run_rows *r, const char *name) { return rows_get_metric(r, -1, name); }

/* MemoryCacheDuration 20 s under a 60 s Duration: L1 copies expire three
 * times a cycle and are refilled from L2 (l2.hit), the factory still runs
 * once per node per L2 expiry. */
Test(knobs, memory_duration_shortens_l1_only, .timeout = 120)
{
    const char *none[] = {"duration=10m", "cache.memory_duration=none"};
    const char *md[] = {"duration=10m", "cache.memory_duration=20s"};
    run_rows a = {0}, b = {0};
    run("configs/stampede-jitter.yaml", none, 2, &a);
    run("configs/stampede-jitter.yaml", md, 2, &b);
    cr_expect_eq(total(&a, "l2.hit"), 0, "L1 lives as long as L2: nothing to copy");
    cr_expect_geq(total(&b, "l2.hit"), 150, "each node refills L1 from L2 twice a cycle");
    cr_expect_eq(total(&b, "factory.calls"), total(&a, "factory.calls"), "L2 expiry unchanged");
    rows_free(&a);
    rows_free(&b);
}

/* DistributedCacheDuration 120 s over a 60 s Duration: every other L1
 * expiry finds L2 still valid, so the factory runs half as often. */
Test(knobs, l2_duration_outlives_l1_and_halves_factory_calls, .timeout = 120)
{
    const char *none[] = {"duration=10m"};
    const char *ld[] = {"duration=10m", "cache.l2_duration=120s"};
    run_rows a = {0}, b = {0};
    run("configs/stampede-jitter.yaml", none, 1, &a);
    run("configs/stampede-jitter.yaml", ld, 2, &b);
    double fa = total(&a, "factory.calls"), fb = total(&b, "factory.calls");
    cr_expect(fb < 0.6 * fa, "factory calls %g with a 120 s L2 vs %g", fb, fa);
    cr_expect_gt(total(&b, "l2.hit"), 0);
    rows_free(&a);
    rows_free(&b);
}
