/* test_seeds_breaker_restart.c — seed stories 3 and 4 reproduced
 * in-process from their configs: configs/hcl-breaker*.yaml (seed 003, HCL
 * Cache's V1 and V2 breakers through a 5-minute Redis blackhole) and
 * configs/redis-restart*.yaml (seed 004, a 45 s Redis restart with a MySQL
 * fallback and the seed's reconnect policy).  The same assertions as the
 * experiments' expect: rules (experiments/hcl-breaker.yaml,
 * experiments/redis-restart.yaml), plus the breaker cycle read step by step
 * from the transitions rows.  Every bound is derived from the mechanism
 * (Redisson's timings, the breaker's parameters, the reconnect formulas),
 * never fitted to a run.  Runs from the repository root, like test_cli.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "sim/config/config.h"
#include "sim/run/runner.h"

#define S(x) ((sim_ns)((x)*1e9))

/* HCL story: blackhole at 2 min for 5 min (configs/hcl-breaker.yaml). */
static const sim_ns HCL_T0 = S(120), HCL_T1 = S(420);
/* Redisson (HCL): timeout 3000 ms, 3 retries 1500 ms apart (resilience.md §1.6). */
static const double L_FAIL_MS = 3000 + 3 * (3000 + 1500);

static void run(const char *path, const char *const *sets, int nsets, run_rows *rows)
{
    config c;
    cs_err err = {0};
    cr_assert_eq(config_load(path, sets, nsets, &c, &err), 0, "%s", err.msg);
    sim_ns end;
    uint64_t ev;
    cr_assert_eq(runner_simulate(&c, NULL, rows, &end, &ev, &err), 0, "%s", err.msg);
    cr_assert_eq(end, c.duration);
    config_free(&c);
}

static double metric(const run_rows *r, int node, const char *name)
{
    double v = rows_get_metric(r, node, name);
    cr_assert(!isnan(v), "metric %s (node %d) is missing or NULL", name, node);
    return v;
}

static int node_count(const run_rows *r)
{
    int n = 0;
    while (!isnan(rows_get_metric(r, n, "requests.total")))
        n++;
    cr_assert_gt(n, 0);
    return n;
}

/* Node `node`'s breaker transitions, in time order (rows are appended in
 * event order). */
static size_t breaker_rows(const run_rows *r, int node, const transition_row **out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < r->transitions.n; i++) {
        const transition_row *t = &r->transitions.v[i];
        if (t->node == node && strcmp(t->component, "breaker") == 0) {
            cr_assert_lt(n, cap);
            out[n++] = t;
        }
    }
    return n;
}

static bool is(const transition_row *t, const char *from, const char *to)
{
    return strcmp(t->from_state, from) == 0 && strcmp(t->to_state, to) == 0;
}

/* ---- seed 003: HCL V1 ------------------------------------------------------ */

static run_rows v1;
static void v1_setup(void)
{
    memset(&v1, 0, sizeof v1);
    run("configs/hcl-breaker.yaml", NULL, 0, &v1);
}
static void v1_teardown(void)
{
    rows_free(&v1);
}

TestSuite(seed003_hcl_v1, .init = v1_setup, .fini = v1_teardown);

Test(seed003_hcl_v1, failures_signal_16_5_s_after_they_start)
{
    /* the shortest failed call: every attempt got a connection at once */
    cr_assert_eq(metric(&v1, -1, "l2.fail_latency.min_ms"), L_FAIL_MS);
    /* a saturated pool only adds connection waits: never shorter */
    cr_assert_geq(metric(&v1, -1, "l2.fail_latency.max_ms"), L_FAIL_MS);
}

Test(seed003_hcl_v1, opens_once_20_failures_and_10_s_of_failing_have_passed)
{
    int nn = node_count(&v1);
    for (int i = 0; i < nn; i++) {
        const transition_row *t[64];
        size_t n = breaker_rows(&v1, i, t, 64);
        cr_assert_gt(n, 0);
        cr_assert(is(t[0], "closed", "open"), "node %d: first transition %s -> %s", i,
                  t[0]->from_state, t[0]->to_state);
        cr_assert_str_eq(t[0]->reason, "consecutive_failures");
        double at = (double)(t[0]->t_ns - HCL_T0) / 1e9;
        /* the first failure signals at >= 16.5 s; the trip needs 10 s more
         * (a call in flight at the onset may signal a hair earlier) */
        cr_assert_geq(at, (L_FAIL_MS + 10000) / 1000 - 0.01, "node %d opened at %.3f s", i, at);
        cr_assert_lt(at, 28.5, "node %d opened at %.3f s (about 26.5 s expected)", i, at);
        cr_assert_float_eq(metric(&v1, i, "breaker.first_open_s"), at, 1e-6);
    }
}

Test(seed003_hcl_v1, after_60_s_lets_traffic_through_and_reopens_after_2_failures)
{
    int nn = node_count(&v1);
    for (int i = 0; i < nn; i++) {
        const transition_row *t[64];
        size_t n = breaker_rows(&v1, i, t, 64);
        int cycles = 0;
        for (size_t k = 0; k + 2 < n; k++) {
            if (!is(t[k], "closed", "open") && !is(t[k], "half_open", "open"))
                continue;
            /* the first call after retryWaitTime (60 s) moves it to half_open */
            cr_assert(is(t[k + 1], "open", "half_open"));
            cr_assert_str_eq(t[k + 1]->reason, "retry_wait_elapsed");
            double wait = (double)(t[k + 1]->t_ns - t[k]->t_ns) / 1e9;
            /* lazily, at the next L2 call after the wait: a few calls a second */
            cr_assert(wait >= 60 && wait < 63, "node %d: open for %.3f s", i, wait);
            if (t[k + 1]->t_ns >= HCL_T1)
                break; /* Redis is back: the success closes it (next test) */
            /* all traffic goes through and hangs; the first 2 failures to
             * signal (16.5 s later) re-open it */
            cr_assert(is(t[k + 2], "half_open", "open"));
            cr_assert_str_eq(t[k + 2]->reason, "resume_failures");
            double probe = (double)(t[k + 2]->t_ns - t[k + 1]->t_ns) / 1e9;
            cr_assert(probe >= L_FAIL_MS / 1000 - 0.01 && probe < 20,
                      "node %d: re-opened after %.3f s", i, probe);
            cycles++;
        }
        /* 5 minutes of blackhole: open ~26.5 s, then cycles of ~76.5 s */
        cr_assert_geq(cycles, 3, "node %d: %d re-open cycles", i, cycles);
    }
}

Test(seed003_hcl_v1, closes_on_the_first_success_after_redis_returns)
{
    int nn = node_count(&v1);
    for (int i = 0; i < nn; i++) {
        const transition_row *t[64];
        size_t n = breaker_rows(&v1, i, t, 64);
        cr_assert_geq(n, 2);
        const transition_row *last = t[n - 1], *prev = t[n - 2];
        cr_assert(is(last, "half_open", "closed"), "node %d ends %s", i, last->to_state);
        cr_assert_str_eq(last->reason, "success");
        cr_assert_geq(last->t_ns, HCL_T1);
        /* the call that the wait let through was itself the success */
        cr_assert(is(prev, "open", "half_open"));
        cr_assert_lt(last->t_ns - prev->t_ns, S(0.1));
    }
}

Test(seed003_hcl_v1, no_l1_entry_outlives_outage_start_plus_300_s)
{
    int nn = node_count(&v1);
    for (int i = 0; i < nn; i++) {
        double old = metric(&v1, i, "l1.outage_old_hit_s");
        cr_assert_leq(old, 300, "node %d served a pre-outage entry %.3f s after the outage began",
                      i, old);
    }
    /* ... and it is the clamp that ends them (cache.duration is 30 min) */
    cr_assert_gt(metric(&v1, -1, "l1.outage_old_hit_s"), 290);
    cr_assert_gt(metric(&v1, -1, "breaker.open_hits"), 0, "the local cache answers while open");
}

Test(seed003_hcl_v1_control, without_the_outage_clamp_old_entries_live_on)
{
    run_rows r = {0};
    const char *set[] = {"cache.l1.outage_max_ttl=none"};
    run("configs/hcl-breaker.yaml", set, 1, &r);
    cr_assert_gt(metric(&r, -1, "l1.outage_old_hit_s"), 300);
    rows_free(&r);
}

Test(seed003_hcl_remote_only, misses_everything_while_open)
{
    run_rows r = {0};
    run("configs/hcl-breaker-remote-only.yaml", NULL, 0, &r);
    cr_assert_gt(metric(&r, -1, "breaker.open_lookups"), 0);
    cr_assert_eq(metric(&r, -1, "breaker.open_hits"), 0);
    cr_assert_eq(metric(&r, -1, "l2.fail_latency.min_ms"), L_FAIL_MS);
    double at = metric(&r, -1, "breaker.first_open_s");
    cr_assert(at >= 26 && at < 30, "remote-only opened at %.3f s", at);
    rows_free(&r);
}

/* ---- seed 003: HCL V2 (Resilience4j) --------------------------------------------- */

Test(seed003_hcl_v2, trips_on_failure_rate_without_a_minimum_time_and_reopens_from_half_open)
{
    run_rows r = {0};
    run("configs/hcl-breaker-v2.yaml", NULL, 0, &r);
    cr_assert_eq(metric(&r, -1, "l2.fail_latency.min_ms"), L_FAIL_MS);
    int nn = node_count(&r);
    for (int i = 0; i < nn; i++) {
        const transition_row *t[128];
        size_t n = breaker_rows(&r, i, t, 128);
        cr_assert(is(t[0], "closed", "open"));
        cr_assert_str_eq(t[0]->reason, "failure_rate");
        double at = (double)(t[0]->t_ns - HCL_T0) / 1e9;
        /* 25 failures (50 % of a window of 50 successes) signal after 16.5 s;
         * no 10 s minimum, so before V1's 26.5 s */
        cr_assert(at >= L_FAIL_MS / 1000 - 0.01 && at < 26, "node %d opened at %.3f s", i, at);
        int reopen = 0;
        for (size_t k = 1; k + 1 < n; k++) {
            if (!is(t[k], "open", "half_open"))
                continue;
            /* waitDurationInOpenState 30 s (9.1.13), lazily on the next call */
            double wait = (double)(t[k]->t_ns - t[k - 1]->t_ns) / 1e9;
            cr_assert(wait >= 30 && wait < 33, "node %d: open for %.3f s", i, wait);
            if (t[k]->t_ns + S(L_FAIL_MS / 1000) < HCL_T1 && is(t[k + 1], "half_open", "open")) {
                /* the 2 permitted calls fail after 16.5 s: 1 of 2 is >= 50 % */
                double probe = (double)(t[k + 1]->t_ns - t[k]->t_ns) / 1e9;
                cr_assert(probe >= L_FAIL_MS / 1000 - 0.01 && probe < 20, "node %d: %.3f s", i,
                          probe);
                reopen++;
            }
        }
        cr_assert_geq(reopen, 5, "node %d: %d half-open re-opens", i, reopen);
        cr_assert(is(t[n - 1], "half_open", "closed"));
        cr_assert_geq(t[n - 1]->t_ns, HCL_T1);
    }
    /* only 2 calls hang per half-open phase, not all traffic: fewer timeouts */
    run_rows one = {0};
    run("configs/hcl-breaker.yaml", NULL, 0, &one);
    cr_assert_lt(metric(&r, -1, "requests.timeout"), metric(&one, -1, "requests.timeout"));
    rows_free(&one);
    rows_free(&r);
}

/* ---- seed 004: Redis restart ------------------------------------------------------- */

/* Redis restarts at 20 min for 45 s (configs/redis-restart.yaml). */
static const sim_ns RR_T0 = S(1200);

static void restart_common(const run_rows *r)
{
    cr_assert_eq(metric(r, -1, "requests.error"), 0, "MySQL answers while Redis cannot");
    cr_assert_eq(metric(r, -1, "requests.success_ratio"), 1);
    cr_assert_eq(metric(r, -1, "requests.error_ratio"), 0);
    cr_assert_gt(metric(r, -1, "fallback.ratio"), 0);
    double before = metric(r, -1, "cache.hit_ratio_before");
    cr_assert_lt(metric(r, -1, "cache.hit_ratio"), before, "the restart costs hits");
    /* the steady TTL cache: sum over Zipf keys of 1/(1 + 360 s x rate) -> 0.911 */
    cr_assert(before > 0.89 && before < 0.93, "hit ratio before %.4f", before);
    double rec = metric(r, -1, "hit_recovery_s"), conn = metric(r, -1, "redis.reconnected_after_s");
    cr_assert_gt(rec, conn, "hits come back only after the client reconnects");
    /* the cold cache sends the whole load to MySQL: 1 / (1 - hit ratio),
     * less 20 % for one 1 s bucket's Poisson noise */
    cr_assert_geq(metric(r, -1, "db.peak_rps_after") / metric(r, -1, "db.rps_before"),
                  0.8 / (1 - before));
    cr_assert_gt(metric(r, -1, "db.extra_calls_after"), 0);
}

Test(seed004_restart, seed_policy_with_stuck_detection)
{
    run_rows r = {0};
    run("configs/redis-restart.yaml", NULL, 0, &r);
    restart_common(&r);
    /* 30 s without progress: the detector resets the schedule (on the next
     * 1 s tick), which restarts at 1 s: attempts at ~32, 34, 38, 46 s */
    bool reset = false;
    for (size_t i = 0; i < r.transitions.n; i++) {
        const transition_row *t = &r.transitions.v[i];
        if (strcmp(t->component, "connection") == 0 && strcmp(t->to_state, "stuck_reset") == 0 &&
            strstr(t->reason, "cache.interactive")) {
            double at = (double)(t->t_ns - RR_T0) / 1e9;
            cr_assert(at >= 30 && at <= 31.1, "stuck reset at %.3f s", at);
            reset = true;
            break;
        }
    }
    cr_assert(reset, "the stuck detector fired");
    double conn = metric(&r, -1, "redis.reconnected_after_s");
    cr_assert(conn > 0 && conn <= 1.5, "reconnected %.3f s after Redis came back", conn);
    rows_free(&r);
}

Test(seed004_restart, seed_policy_without_stuck_detection_waits_for_the_63_s_attempt)
{
    run_rows r = {0};
    const char *set[] = {"l2.client.stuck.threshold=none", "l2.client.stuck.reset=none"};
    run("configs/redis-restart.yaml", set, 2, &r);
    restart_common(&r);
    /* 1 + 2 + 4 + 8 + 16 + 32 = 63 s after the loss; Redis is back at 45 s */
    double conn = metric(&r, -1, "redis.reconnected_after_s");
    cr_assert(conn >= 17.9 && conn <= 18.1, "reconnected %.3f s after Redis came back", conn);
    rows_free(&r);
}

/* Client schedules (resilience.md §3): the largest delay bounds the wait. */
Test(seed004_restart, client_schedules_reconnect_within_their_largest_delay)
{
    static const struct {
        const char *config;
        double max_s;
    } V[] = {{"configs/redis-restart-ioredis-v5.yaml", 2.0 + 0.1},
             {"configs/redis-restart-ioredis-v6.yaml", 5.2 + 0.1},
             {"configs/redis-restart-node-redis-v5.yaml", 2.2 + 0.1}};
    for (size_t k = 0; k < sizeof V / sizeof V[0]; k++) {
        run_rows r = {0};
        run(V[k].config, NULL, 0, &r);
        restart_common(&r);
        double conn = metric(&r, -1, "redis.reconnected_after_s");
        cr_assert(conn > 0 && conn <= V[k].max_s, "%s: reconnected after %.3f s", V[k].config,
                  conn);
        rows_free(&r);
    }
}

/* What the stuck detector is for: a 20-minute outage outlasts maxRetries 10
 * (1 + 2 + ... + 512 s = 1023 s after the loss).  Without the detector the
 * schedule stops and the client never comes back; with it the schedule
 * restarts every ~31 s, so attempts are at most 16 s apart. */
Test(seed004_restart, stuck_detection_revives_a_client_that_ran_out_of_retries)
{
    const char *longer[] = {"duration=60m", "faults[0].for=20m", "l2.client.stuck.threshold=none",
                            "l2.client.stuck.reset=none"};
    run_rows r = {0};
    run("configs/redis-restart.yaml", longer, 4, &r);
    bool stopped = false;
    for (size_t i = 0; i < r.transitions.n; i++) {
        const transition_row *t = &r.transitions.v[i];
        if (strcmp(t->component, "connection") == 0 && strcmp(t->to_state, "stopped") == 0 &&
            strstr(t->reason, "cache.interactive")) {
            double at = (double)(t->t_ns - RR_T0) / 1e9;
            cr_assert(at >= 1023 && at < 1024, "stopped %.3f s after the loss", at);
            stopped = true;
        }
        cr_assert(!(t->t_ns > RR_T0 && strcmp(t->to_state, "connected") == 0 &&
                    strstr(t->reason, "cache.interactive")),
                  "without the detector the client must not reconnect");
    }
    cr_assert(stopped);
    cr_assert(isnan(rows_get_metric(&r, -1, "redis.reconnected_after_s")));
    cr_assert(isnan(rows_get_metric(&r, -1, "hit_recovery_s")));
    /* every request from the fault start on falls back: (60 - 20) / (60 - 15) */
    cr_assert_float_eq(metric(&r, -1, "fallback.ratio"), 40.0 / 45.0, 0.01);
    rows_free(&r);

    run_rows d = {0};
    run("configs/redis-restart.yaml", longer, 2, &d);
    cr_assert_eq(metric(&d, -1, "requests.error"), 0);
    double conn = metric(&d, -1, "redis.reconnected_after_s");
    cr_assert(conn > 0 && conn <= 16, "with the detector: reconnected %.3f s after Redis came back",
              conn);
    rows_free(&d);
}
