/* test_policy_reconnect.c — reconnect schedules pinned by client version
 * (resilience.md §3.1-§3.4), jitter bounds and means over 1e5 draws, and
 * seed 004's stuck-retry detection. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "policy/cachepolicy.h"

#define S(x) CP_SEC(x)
#define MSx(x) CP_MS(x)
#define DRAWS 100000

typedef struct sm64 {
    uint64_t s;
} sm64;
static double sm_uniform(void *ctx)
{
    sm64 *g = ctx;
    uint64_t z = (g->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}

Test(policy_reconnect, ioredis_v5_gives_50_100_up_to_2000_then_2000)
{
    for (int times = 1; times <= 45; times++) {
        cp_ns want = MSx(times * 50 < 2000 ? times * 50 : 2000);
        cr_assert_eq(reconnect_ioredis_v5(times), want, "times=%d", times);
    }
    cr_assert_eq(reconnect_ioredis_v5(1), MSx(50));
    cr_assert_eq(reconnect_ioredis_v5(2), MSx(100));
    cr_assert_eq(reconnect_ioredis_v5(40), MSx(2000));
    cr_assert_eq(reconnect_ioredis_v5(41), MSx(2000));
}

Test(policy_reconnect, ioredis_v6_doubles_to_5000_plus_jitter_under_200)
{
    sm64 g = {1};
    cp_rand r = {sm_uniform, &g};
    static const struct {
        int times;
        int64_t base_ms;
    } rows[] = {{1, 50}, {2, 100}, {3, 200}, {7, 3200}, {8, 5000}, {30, 5000}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        double sum = 0;
        for (int k = 0; k < DRAWS; k++) {
            cp_ns d = reconnect_ioredis_v6(rows[i].times, &r);
            cr_assert(d >= MSx(rows[i].base_ms) && d < MSx(rows[i].base_ms + 200));
            cr_assert_eq(d % MSx(1), 0, "whole milliseconds (floor)");
            sum += (double)(d - MSx(rows[i].base_ms));
        }
        cr_assert(fabs(sum / DRAWS - 99.5e6) < 0.01 * 99.5e6, "floor(U*200) has mean 99.5 ms");
    }
}

Test(policy_reconnect, node_redis_v4_is_linear_to_500)
{
    static const struct {
        int retries;
        int64_t ms;
    } rows[] = {{0, 0}, {1, 50}, {5, 250}, {10, 500}, {11, 500}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        cr_assert_eq(reconnect_node_redis_v4(rows[i].retries), MSx(rows[i].ms));
}

Test(policy_reconnect, node_redis_v5_doubles_from_retries_0_and_stops_on_socket_timeout)
{
    sm64 g = {2};
    cp_rand r = {sm_uniform, &g};
    static const struct {
        int retries;
        int64_t base_ms;
    } rows[] = {{0, 50}, {1, 100}, {5, 1600}, {6, 2000}, {20, 2000}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        for (int k = 0; k < 1000; k++) {
            cp_ns d = reconnect_node_redis_v5(rows[i].retries, RECONNECT_ERR_OTHER, &r);
            cr_assert(d >= MSx(rows[i].base_ms) && d < MSx(rows[i].base_ms + 200));
        }
    cr_assert_eq(reconnect_node_redis_v5(0, RECONNECT_ERR_SOCKET_TIMEOUT, &r), RECONNECT_STOP);
}

Test(policy_reconnect, redisson_3_47_watchdog_4ms_to_8192ms)
{
    static const int64_t want[] = {4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 8192, 8192};
    for (int a = 1; a <= 14; a++)
        cr_assert_eq(reconnect_redisson_347(a), MSx(want[a - 1]), "attempt %d", a);
}

Test(policy_reconnect, redisson_3_48_equal_jitter_100ms_10s)
{
    sm64 g = {3};
    cp_rand r = {sm_uniform, &g};
    static const struct {
        int attempt;
        int64_t lo, hi;
    } rows[] = {{0, 50, 100}, {1, 100, 200}, {6, 3200, 6400}, {7, 5000, 10000}, {40, 5000, 10000}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        double sum = 0;
        for (int k = 0; k < DRAWS; k++) {
            cp_ns d = reconnect_redisson_348(rows[i].attempt, &r);
            cr_assert(d >= MSx(rows[i].lo) && d <= MSx(rows[i].hi), "attempt %d", rows[i].attempt);
            sum += (double)d;
        }
        double mean = (rows[i].lo + (rows[i].hi - rows[i].lo) / 2.0) * 1e6;
        cr_assert(fabs(sum / DRAWS - mean) < 0.01 * mean, "attempt %d mean", rows[i].attempt);
    }
}

Test(policy_reconnect, ser_exponential_threshold_in_delta_to_delta_1_1_pow_n)
{
    sm64 g = {4};
    cp_rand r = {sm_uniform, &g};
    /* n = 0: exp == delta, threshold == 2500 exactly */
    cr_assert_not(reconnect_ser_exponential_should_retry(MSx(2500), S(10), 0, MSx(2499), &r));
    cr_assert(reconnect_ser_exponential_should_retry(MSx(2500), S(10), 0, MSx(2500), &r));
    /* n = 5: threshold uniform int in [2500, 4026) */
    int yes_at_3000 = 0;
    for (int k = 0; k < DRAWS; k++) {
        cr_assert_not(reconnect_ser_exponential_should_retry(MSx(2500), S(10), 5, MSx(2499), &r));
        cr_assert(reconnect_ser_exponential_should_retry(MSx(2500), S(10), 5, MSx(4026), &r));
        yes_at_3000 += reconnect_ser_exponential_should_retry(MSx(2500), S(10), 5, MSx(3000), &r);
    }
    /* P(threshold <= 3000) = 501/1526 */
    cr_assert(fabs((double)yes_at_3000 / DRAWS - 501.0 / 1526) < 0.01);
    /* the 10 s cap is reached at n = 15 */
    cr_assert(2500 * pow(1.1, 14) < 10000 && 2500 * pow(1.1, 15) >= 10000);
    for (int k = 0; k < 1000; k++)
        cr_assert(reconnect_ser_exponential_should_retry(MSx(2500), S(10), 15, S(10), &r));
}

Test(policy_reconnect, ser_decisions_fall_on_heartbeat_ticks)
{
    sm64 g = {5};
    cp_rand r = {sm_uniform, &g};
    reconnect_params p;
    cr_assert_eq(reconnect_params_defaults(&p, "ser_exponential"), 0);
    cr_assert_eq(p.base, MSx(2500));
    cr_assert_eq(p.cap, S(10));
    /* attempt 1 is n = 0: threshold exactly 2.5 s -> the 3 s tick */
    cr_assert_eq(reconnect_delay(&p, 1, RECONNECT_ERR_OTHER, &r), S(3));
    for (int k = 0; k < 10000; k++) {
        cp_ns d = reconnect_delay(&p, 16, RECONNECT_ERR_OTHER, &r);
        cr_assert_eq(d % S(1), 0, "whole heartbeat ticks");
        cr_assert(d >= S(3) && d <= S(10));
    }
    cr_assert_eq(reconnect_params_defaults(&p, "ser_linear"), 0);
    cr_assert_eq(reconnect_delay(&p, 7, RECONNECT_ERR_OTHER, &r), S(3), "LinearRetry(2500) on 1 s ticks");
}

Test(policy_reconnect, seed004_doubles_from_1s_and_stops_after_10)
{
    reconnect_params p;
    cr_assert_eq(reconnect_params_defaults(&p, "seed004"), 0);
    for (int n = 1; n <= 10; n++)
        cr_assert_eq(reconnect_delay(&p, n, RECONNECT_ERR_OTHER, NULL), S(1) << (n - 1), "n=%d", n);
    cr_assert_eq(reconnect_delay(&p, 11, RECONNECT_ERR_OTHER, NULL), RECONNECT_STOP);
}

Test(policy_reconnect, registry_pins_every_client_version)
{
    static const char *const names[] = {"ioredis_v5",    "ioredis_v6",    "node_redis_v4",
                                        "node_redis_v5", "redisson_3_47", "redisson_3_48",
                                        "ser_exponential", "ser_linear",  "exponential_max_retries",
                                        "node_redis_v6_3"};
    size_t n;
    const reconnect_kind *const *k = reconnect_kinds(&n);
    cr_assert_eq(n, sizeof names / sizeof names[0]);
    sm64 g = {6};
    cp_rand r = {sm_uniform, &g};
    for (size_t i = 0; i < n; i++) {
        cr_assert_str_eq(k[i]->name, names[i]);
        cr_assert_not_null(k[i]->pinned);
        reconnect_params p;
        cr_assert_eq(reconnect_params_defaults(&p, names[i]), 0);
        for (int a = 1; a <= 10; a++) {
            cp_ns d = reconnect_delay(&p, a, RECONNECT_ERR_OTHER, &r);
            cr_assert(d >= 0, "%s attempt %d", names[i], a);
        }
    }
    cr_assert_null(reconnect_kind_find("jedis"));
    {
        /* node-redis 6.3.0 skips the 50 ms step: generic attempt 1 is
         * strategy(1) = 100 ms + U[0,200), where 6.2.1 (node_redis_v5)
         * gives strategy(0) = 50 ms + U[0,200) */
        reconnect_params q;
        reconnect_params_defaults(&q, "node_redis_v6_3");
        for (int i = 0; i < 50; i++) {
            cp_ns d1 = reconnect_delay(&q, 1, RECONNECT_ERR_OTHER, &r);
            cr_assert(d1 >= CP_MS(100) && d1 < CP_MS(300), "6.3 first delay %lld", (long long)d1);
            cp_ns d5 = reconnect_delay(&q, 5, RECONNECT_ERR_OTHER, &r);
            cr_assert(d5 >= CP_MS(1600) && d5 < CP_MS(1800), "strategy(5) = 1600 + U");
            cp_ns d6 = reconnect_delay(&q, 6, RECONNECT_ERR_OTHER, &r);
            cr_assert(d6 >= CP_MS(2000) && d6 < CP_MS(2200), "capped at 2000 + U");
        }
        cr_assert_eq(reconnect_delay(&q, 3, RECONNECT_ERR_SOCKET_TIMEOUT, &r), RECONNECT_STOP);
    }
    /* the generic attempt is 1-based and converted per source */
    reconnect_params p;
    reconnect_params_defaults(&p, "node_redis_v4");
    cr_assert_eq(reconnect_delay(&p, 1, RECONNECT_ERR_OTHER, &r), 0, "node-redis retries start at 0");
    reconnect_params_defaults(&p, "ioredis_v5");
    cr_assert_eq(reconnect_delay(&p, 1, RECONNECT_ERR_OTHER, &r), MSx(50), "ioredis times start at 1");
}

Test(policy_stuck, defaults_are_50_attempts_and_30s)
{
    reconnect_stuck_params p;
    reconnect_stuck_defaults(&p);
    cr_assert_eq(p.stuck_retry_threshold, 50);
    cr_assert_eq(p.auto_reset_interval, S(30));
}

Test(policy_stuck, stuck_after_threshold_attempts_or_30s_without_progress)
{
    reconnect_stuck_params p;
    reconnect_stuck_defaults(&p);
    reconnect_stuck s;
    reconnect_stuck_init(&s, &p, 0);
    cr_assert_not(reconnect_stuck_is_stuck(&s, S(100)), "not retrying: not stuck");
    for (int i = 0; i < 49; i++)
        reconnect_stuck_on_attempt(&s, MSx(100) * i);
    cr_assert_not(reconnect_stuck_is_stuck(&s, S(5)));
    reconnect_stuck_on_attempt(&s, S(5));
    cr_assert(reconnect_stuck_is_stuck(&s, S(5)), "50 attempts");
    reconnect_stuck_on_progress(&s, S(6));
    cr_assert_not(reconnect_stuck_is_stuck(&s, S(6)));
    reconnect_stuck_on_attempt(&s, S(7));
    cr_assert_not(reconnect_stuck_is_stuck(&s, S(36) - 1));
    cr_assert(reconnect_stuck_is_stuck(&s, S(36)), "30 s without progress");
    cr_assert(reconnect_stuck_force_reset_if_stuck(&s, S(36)));
    cr_assert_eq(s.attempts, 0);
    cr_assert_eq(s.resets, 1);
    cr_assert_not(reconnect_stuck_force_reset_if_stuck(&s, S(37)), "no longer stuck");
}

Test(policy_stuck, seed004_restart_of_45s_recovers_through_a_reset)
{
    /* Redis down from 0 to 45 s. Attempts follow seed004 (1, 2, 4, 8, 16 s
     * ...); the detector is checked before each attempt; a reset makes
     * that attempt number 1 of a new schedule. Expected: attempts at 1, 3,
     * 7, 15, 31 s; at 31 s no progress for 30 s -> reset; then +2, +4,
     * +8 s: 33, 37, 45 s -> connected (without the reset the 10-retry
     * limit would be reached at 1023 s, and only if Redis were back). */
    reconnect_params rp;
    reconnect_params_defaults(&rp, "seed004");
    reconnect_stuck_params sp;
    reconnect_stuck_defaults(&sp);
    reconnect_stuck s;
    reconnect_stuck_init(&s, &sp, 0);
    static const cp_ns want[] = {S(1), S(3), S(7), S(15), S(31), S(33), S(37), S(45)};
    cp_ns t = 0;
    int attempt = 1, k = 0;
    bool connected = false;
    while (!connected && k < 20) {
        cp_ns d = reconnect_delay(&rp, attempt, RECONNECT_ERR_REFUSED, NULL);
        cr_assert_neq(d, RECONNECT_STOP, "gave up at attempt %d", attempt);
        t += d;
        if (reconnect_stuck_force_reset_if_stuck(&s, t))
            attempt = 1; /* forceResetIfStuck: the schedule starts over */
        reconnect_stuck_on_attempt(&s, t);
        cr_assert_eq(t, want[k], "attempt %d at %lld ns", k + 1, (long long)t);
        k++;
        attempt++;
        if (t >= S(45)) {
            connected = true;
            reconnect_stuck_on_progress(&s, t);
        }
    }
    cr_assert(connected);
    cr_assert_eq(k, 8);
    cr_assert_eq(s.resets, 1);
}

Test(policy_reconnect, ser_exponential_without_a_cap_uses_the_one_argument_max)
{
    sm64 g = {8};
    cp_rand r = {sm_uniform, &g};
    reconnect_params p;
    reconnect_params_defaults(&p, "ser_exponential");
    p.cap = CP_INFINITE;
    for (int k = 0; k < 1000; k++) {
        cp_ns d = reconnect_delay(&p, 30, RECONNECT_ERR_OTHER, &r);
        cr_assert(d >= S(3) && d <= S(10), "max(delta, 10 s)");
    }
    p.base = MSx(50); /* a tiny delta: thresholds in [50 ms, 10 s) */
    p.cap = CP_INFINITE;
    cr_assert_eq(reconnect_delay(&p, 1, RECONNECT_ERR_OTHER, &r), S(1), "first tick");
}

Test(policy_reconnect, params_are_validated)
{
    char err[128];
    reconnect_params p;
    reconnect_params_defaults(&p, "ser_exponential");
    cr_assert_eq(reconnect_params_validate(&p, err, sizeof err), 0);
    p.heartbeat = 0;
    cr_assert_eq(reconnect_params_validate(&p, err, sizeof err), -1);
    cr_assert(strstr(err, "heartbeat") != NULL, "%s", err);
    p.kind = "jedis";
    cr_assert_eq(reconnect_params_validate(&p, err, sizeof err), -1);
}
