/* test_seeds_stampede_backplane.c — seed stories 1 and 2
 * reproduced in-process from their configs: configs/stampede*.yaml (seeds
 * 001 and 002: request coalescing, the distributed lock, LockTimeout, and
 * JitterMaxDuration on a hot key) and configs/backplane-storm.yaml (seed
 * 000: FusionCache 2.1.0's blocking backplane receive).  The assertions are
 * the experiments' expect: rules (experiments/stampede*.yaml,
 * experiments/backplane-storm.yaml), stated as the rule they check; every
 * bound comes from the mechanism (counts of nodes and requests, the
 * factory time, the timeout), never from a run.  The jitter study runs 10
 * minutes instead of an hour (same per-cycle assertions).  Runs from the
 * repository root, like test_cli.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "sim/config/config.h"
#include "sim/run/runner.h"

static void run(const char *path, const char *const *sets, int nsets, run_rows *rows)
{
    config c;
    cs_err err = {0};
    cr_assert_eq(config_load(path, sets, nsets, &c, &err), 0, "%s", err.msg);
    sim_ns end;
    uint64_t ev;
    memset(rows, 0, sizeof *rows);
    cr_assert_eq(runner_simulate(&c, NULL, rows, &end, &ev, &err), 0, "%s", err.msg);
    config_free(&c);
}

static double metric(const run_rows *r, int node, const char *name)
{
    double v = rows_get_metric(r, node, name);
    cr_assert(!isnan(v), "metric %s (node %d) is missing or NULL", name, node);
    return v;
}

/* ---- seed 001: 100,000 concurrent GetOrSet for one cold key, 10 nodes -------- */

#define STAMPEDE "configs/stampede.yaml"
static const double REQUESTS = 10 * 10000; /* burst.count per node x nodes */

Test(stampede, no_protection_calls_the_factory_once_per_request)
{
    const char *sets[] = {"cache.lock.memory=false"};
    run_rows r;
    run(STAMPEDE, sets, 1, &r);
    cr_expect_eq(metric(&r, -1, "requests.ok"), REQUESTS);
    cr_expect_eq(metric(&r, -1, "factory.calls"), REQUESTS);
    cr_expect_eq(metric(&r, -1, "db.calls"), REQUESTS);
    cr_expect_eq(metric(&r, -1, "lock.memory.waits"), 0);
    rows_free(&r);
}

Test(stampede, memory_lock_coalesces_to_one_call_per_node)
{
    run_rows r;
    run(STAMPEDE, NULL, 0, &r);
    cr_expect_eq(metric(&r, -1, "requests.ok"), REQUESTS);
    cr_expect_eq(metric(&r, -1, "factory.calls"), 10);
    for (int i = 0; i < 10; i++)
        cr_expect_eq(metric(&r, i, "factory.calls"), 1, "node %d", i);
    cr_expect_eq(metric(&r, -1, "lock.memory.waits"), REQUESTS - 10);
    /* everyone waits for the one 200 ms factory of its node */
    cr_expect_geq(metric(&r, -1, "latency.p50_ms"), 200);
    rows_free(&r);
}

Test(stampede, memory_and_distributed_lock_call_the_factory_once)
{
    const char *sets[] = {"cache.lock.distributed=true"};
    run_rows r;
    run(STAMPEDE, sets, 1, &r);
    cr_expect_eq(metric(&r, -1, "requests.ok"), REQUESTS);
    cr_expect_eq(metric(&r, -1, "factory.calls"), 1);
    cr_expect_eq(metric(&r, -1, "db.peak_concurrency"), 1);
    /* each node's lock holder takes the Redis lock in turn; the nine after
     * the first re-read L2 under it and find the value (§1 F) */
    cr_expect_eq(metric(&r, -1, "lock.distributed.acquired"), 10);
    cr_expect_geq(metric(&r, -1, "l2.hit"), 9);
    rows_free(&r);
}

/* ---- seed 002: LockTimeout ------------------------------------------------------ */

#define LOCK_TIMEOUT "configs/stampede-lock-timeout.yaml"

Test(stampede_lock_timeout, no_timeout_one_call_per_node)
{
    run_rows r;
    run(LOCK_TIMEOUT, NULL, 0, &r);
    cr_expect_eq(metric(&r, -1, "factory.calls"), 10);
    cr_expect_eq(metric(&r, -1, "requests.stale"), 0);
    cr_expect_eq(metric(&r, -1, "requests.error"), 0);
    rows_free(&r);
}

/* The wave arrives evenly over 200 ms; the first factory ends ~200 ms after
 * it starts.  A request arriving at a waits 200 - a ms, so with a timeout T
 * the arrivals of the first 200 - T ms run their own factory. */
static double expected_duplicates(double total, double t_ms) { return total * (200 - t_ms) / 200; }

Test(stampede_lock_timeout, timeout_below_factory_time_duplicates_calls)
{
    const char *sets[] = {"cache.lock.memory_timeout=50ms"};
    run_rows r;
    run(LOCK_TIMEOUT, sets, 1, &r);
    double total = metric(&r, -1, "requests.total");
    double calls = metric(&r, -1, "factory.calls");
    double want = expected_duplicates(total, 50);
    cr_expect(fabs(calls - want) < 0.03 * total, "factory.calls %.0f, ~%.0f expected", calls, want);
    cr_expect_eq(metric(&r, -1, "requests.stale"), 0);
    cr_expect_eq(metric(&r, -1, "requests.error"), 0);
    rows_free(&r);
}

Test(stampede_lock_timeout, timeout_above_factory_time_changes_nothing)
{
    const char *sets[] = {"cache.lock.memory_timeout=250ms"};
    run_rows r;
    run(LOCK_TIMEOUT, sets, 1, &r);
    cr_expect_eq(metric(&r, -1, "factory.calls"), 10);
    rows_free(&r);
}

Test(stampede_lock_timeout, fail_safe_returns_stale_instead_of_calling)
{
    const char *sets[] = {"cache.lock.memory_timeout=50ms", "cache.fail_safe.enabled=true"};
    run_rows r;
    run(LOCK_TIMEOUT, sets, 2, &r);
    double total = metric(&r, -1, "requests.total");
    double stale = metric(&r, -1, "requests.stale");
    double want = expected_duplicates(total, 50);
    cr_expect_eq(metric(&r, -1, "factory.calls"), 10);
    cr_expect(fabs(stale - want) < 0.03 * total, "requests.stale %.0f, ~%.0f expected", stale, want);
    cr_expect_leq(metric(&r, -1, "latency.p50_ms"), 51, "the stale answers come at the 50 ms timeout");
    cr_expect_eq(metric(&r, -1, "requests.error"), 0);
    rows_free(&r);
}

/* ---- seed 002: JitterMaxDuration on a hot key (10 cycles instead of 60) --------- */

#define JITTER "configs/stampede-jitter.yaml"
#define CYCLES 10

/* Factory calls per 60 s expiry cycle, from the whole-run db.rps series
 * (a cycle's calls fall within a few seconds of its minute). */
static void calls_per_cycle(const run_rows *r, double out[CYCLES])
{
    memset(out, 0, CYCLES * sizeof out[0]);
    for (size_t i = 0; i < r->series.n; i++) {
        const series_row *s = &r->series.v[i];
        if (s->node != -1 || strcmp(s->name, "db.rps") != 0 || s->value <= 0)
            continue;
        int k = (int)floor((s->t_s + 30) / 60);
        cr_assert(k >= 0 && k < CYCLES, "calls at %.0f s", s->t_s);
        out[k] += s->value;
    }
}

Test(stampede_jitter, without_jitter_every_node_calls_every_cycle)
{
    const char *sets[] = {"duration=10m", "cache.jitter=0s"};
    run_rows r;
    run(JITTER, sets, 2, &r);
    double c[CYCLES];
    calls_per_cycle(&r, c);
    for (int k = 0; k < CYCLES; k++)
        cr_expect_geq(c[k], 8, "cycle %d: %.0f calls", k, c[k]);
    cr_expect_geq(metric(&r, -1, "factory.calls") / CYCLES, 9);
    rows_free(&r);
}

/* With jitter the first node to expire refreshes L2 (1 call); the other
 * nine copy it and keep the L2 entry's jitter-free expiration, so they all
 * expire with L2 one cycle later (9 calls): each node calls once every two
 * cycles, ~5 per cycle — not the ~1 the docs suggest. */
Test(stampede_jitter, with_jitter_cycles_alternate_one_and_nine)
{
    const char *sets[] = {"duration=10m", "cache.jitter=5s"};
    run_rows r;
    run(JITTER, sets, 2, &r);
    double c[CYCLES];
    calls_per_cycle(&r, c);
    cr_expect_eq(c[0], 10, "the cold start: every node");
    for (int k = 1; k + 1 < CYCLES; k += 2) {
        cr_expect_eq(c[k] + c[k + 1], 10, "cycles %d and %d: %.0f + %.0f", k, k + 1, c[k], c[k + 1]);
        cr_expect_leq(fmin(c[k], c[k + 1]), 2, "cycles %d and %d: one is a lone refresh", k, k + 1);
    }
    double per = metric(&r, -1, "factory.calls") / CYCLES;
    cr_expect(per > 4.5 && per < 6, "%.2f calls per cycle", per);
    rows_free(&r);
}

/* Early FusionCache gave an L1 copy of L2 its own now + Duration + jitter
 * (cache.l1_copy_own_expiry): the nine copiers stay spread over the jitter
 * window, so after the cold start each cycle has one lone refresh — the
 * ~10 -> ~1 of the JitterMaxDuration docs. */
Test(stampede_jitter, early_fusioncache_copies_keep_their_own_jitter_one_call_per_cycle)
{
    const char *sets[] = {"duration=10m", "cache.jitter=5s", "cache.l1_copy_own_expiry=true"};
    run_rows r;
    run(JITTER, sets, 3, &r);
    double c[CYCLES];
    calls_per_cycle(&r, c);
    cr_expect_eq(c[0], 10, "the cold start: every node");
    int lone = 0;
    for (int k = 1; k < CYCLES; k++)
        lone += c[k] <= 2;
    cr_expect_geq(lone, CYCLES - 3, "%d of %d cycles with at most 2 calls", lone, CYCLES - 1);
    double per = (metric(&r, -1, "factory.calls") - c[0]) / (CYCLES - 1);
    cr_expect(per < 2, "%.2f calls per cycle after the cold start", per);
    rows_free(&r);
}

/* ---- seed 000: the backplane storm ------------------------------------------- */

#define STORM "configs/backplane-storm.yaml"

static void expect_healthy(const run_rows *r)
{
    cr_expect_eq(metric(r, -1, "requests.error"), 0);
    cr_expect_eq(metric(r, -1, "pool.peak_workers"), 8, "no worker is ever held: no injection");
    for (int i = 0; i < 3; i++) {
        /* 800 sequential round trips of ~2 ms (lognormal, median 2 ms) over
         * one in-order connection shared by 10 clients */
        double mean = metric(r, i, "latency.mean_ms");
        cr_expect(mean > 800 * 2.0 && mean < 800 * 3.25, "node %d: mean %.0f ms", i, mean);
        cr_expect_gt(metric(r, i, "requests.ok"), 0, "node %d", i);
    }
}

Test(backplane_storm, fc_2_2_0_same_name_async_receive_holds_no_worker, .timeout = 60)
{
    const char *sets[] = {"backplane.receive=async"};
    run_rows r;
    run(STORM, sets, 1, &r);
    cr_expect_gt(metric(&r, -1, "backplane.l2_reads"), 0, "peers' sets are read back");
    cr_expect_eq(metric(&r, -1, "pool.starved_s"), 0);
    expect_healthy(&r);
    rows_free(&r);
}

Test(backplane_storm, fc_2_1_0_unique_names_hear_nothing, .timeout = 60)
{
    const char *sets[] = {"nodes.groups=[{count: 1, cache_name: a}, {count: 1, cache_name: b}, "
                          "{count: 1, cache_name: c}]"};
    run_rows r;
    run(STORM, sets, 1, &r);
    cr_expect_eq(metric(&r, -1, "backplane.received"), 0);
    cr_expect_gt(metric(&r, -1, "backplane.published"), 0);
    expect_healthy(&r);
    rows_free(&r);
}

/* The next three tests are the storm WITHOUT socket completions through
 * the pool (nodes.runtime.inline_completions, i.e. the model before the
 * .NET runtime was modelled; with it, 2.1.0 collapses: tests/test_storm.c).
 * 2.1.0, one name: every peer EntrySet on a key held with an older
 * timestamp is a blocking HMGET on a pool worker (fusioncache.md §4 steps
 * 1-3): the pool must inject workers beyond its 8.  The seed's collapse
 * (error ratio >= 0.9, p50 >= 9 s on a node) does not come out, and the
 * mechanism says why (docs/stories/backplane-storm.md, "The loop"): a read
 * holds its worker one reply on the shared in-order connection (~3 ms), so
 * the demand is lambda_b x h ~ 2,400/s x 3 ms ~ 7 workers per node, which
 * the grown pool absorbs; and a starved node slows its own sets, so it
 * publishes less and its peers receive less: the feedback is negative.
 * With no writer cost the single writer is never busy, so nothing ever
 * waits in the backlog and no read can time out there. */
Test(backplane_storm, fc_2_1_0_same_name_blocking_reads_grow_the_pool_without_collapse,
     .timeout = 60)
{
    const char *sets[] = {"nodes.runtime.inline_completions=true"};
    run_rows r;
    run(STORM, sets, 1, &r);
    double recv = metric(&r, -1, "backplane.received"),
           reads = metric(&r, -1, "backplane.l2_reads");
    cr_expect_gt(reads, 0);
    cr_expect_lt(reads, recv, "§3: a message for a key held with a newer timestamp reads nothing");
    cr_expect_gt(metric(&r, -1, "pool.peak_workers"), 8);
    cr_expect_gt(metric(&r, -1, "pool.starved_s"), 0);
    cr_expect_eq(metric(&r, -1, "redis.peak_backlog"), 0, "a free writer never backlogs");
    cr_expect_eq(metric(&r, -1, "l2.timeout"), 0, "no read waits 5 s");
    for (int i = 0; i < 3; i++)
        cr_expect_lt(metric(&r, i, "requests.error"), 0.9 * metric(&r, i, "requests.total"),
                     "node %d collapses: update the story doc", i);
    rows_free(&r);
}

/* §5 write path with a cost per message (l2.client.flush_cost): a caller
 * that finds the mutex busy joins the backlog, drained one message at a
 * time.  In a closed loop the backlog cannot outgrow the callers that wait
 * on it: 10 clients x (HMSET + EXPIRE) plus one blocking read per busy
 * worker.  At 20 us a message the writer is ~20 % busy (~9,000 messages/s
 * per node): the backlog forms and drains, nothing times out. */
Test(backplane_storm, flush_cost_backlog_is_bounded_by_the_waiting_callers, .timeout = 60)
{
    const char *sets[] = {"l2.client.flush_cost=20us", "nodes.runtime.inline_completions=true"};
    run_rows r;
    run(STORM, sets, 2, &r);
    double workers = metric(&r, -1, "pool.peak_workers");
    double backlog = metric(&r, -1, "redis.peak_backlog");
    cr_expect_gt(backlog, 0, "a busy writer sends callers to the backlog");
    cr_expect_leq(backlog, 10 * 2 + workers, "backlog %.0f > callers (20 + %.0f workers)", backlog,
                  workers);
    cr_expect_eq(metric(&r, -1, "l2.timeout"), 0);
    cr_expect_eq(metric(&r, -1, "requests.error"), 0);
    rows_free(&r);
}

/* Positive feedback would make a perturbation self-sustaining.  A 3 s
 * pause of node 0 (a GC-like stop) queues every message that arrives
 * meanwhile (~2 x 3,300/s x 3 s ~ 20,000 jobs, ~38 % of them blocking
 * reads); once it resumes, the grown pool drains reads at ~W / 3 ms, far
 * above the ~2,400/s that arrive, so the node catches up and no request
 * hits the 10 s client timeout: the loop is damped, not self-sustaining. */
Test(backplane_storm, fc_2_1_0_a_paused_node_catches_up, .timeout = 60)
{
    const char *sets[] = {"faults=[{at: 10s, target: node, node: 0, kind: pause, for: 3s}]",
                          "nodes.runtime.inline_completions=true"};
    run_rows r;
    run(STORM, sets, 2, &r);
    cr_expect_gt(metric(&r, -1, "pool.peak_queue"), 2 * 3000 * 3 * 0.9,
                 "the pause queues the storm");
    cr_expect_eq(metric(&r, -1, "requests.error"), 0);
    cr_expect_lt(metric(&r, 0, "latency.max_ms"), 10000,
                 "node 0 catches up before any client gives up");
    rows_free(&r);
}
