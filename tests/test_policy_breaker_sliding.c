/* test_policy_breaker_sliding.c — Resilience4j breaker ("sliding_window")
 * against resilience.md §2.1 and the HCL V2 figures of §1.3; each test
 * walks a sequence of calls and checks every state it passes through. */
#include <criterion/criterion.h>

#include "policy/cachepolicy.h"

#define S(x) CP_SEC(x)
#define MSx(x) CP_MS(x)

static breaker *mk(const breaker_sliding_params *p)
{
    char err[160];
    breaker *b = breaker_create("sliding_window", p, err, sizeof err);
    cr_assert_not_null(b, "%s", err);
    return b;
}

static breaker *mk_hcl(void)
{
    breaker_sliding_params p;
    breaker_sliding_hcl_v2_defaults(&p, true);
    return mk(&p);
}

/* Record fast calls at 1 ms spacing from *t. Returns the 1-based index of
 * the call after which the breaker was OPEN, or 0. */
static int feed(breaker *b, cp_ns *t, int n, breaker_outcome o, cp_ns dur)
{
    for (int i = 0; i < n; i++) {
        *t += MSx(1);
        cr_assert(breaker_allow(b, *t) || breaker_get_state(b) == BREAKER_OPEN);
        breaker_record(b, *t, dur, o);
        if (breaker_get_state(b) == BREAKER_OPEN)
            return i + 1;
    }
    return 0;
}

Test(policy_sliding, defaults_match_circuit_breaker_config)
{
    breaker_sliding_params p;
    breaker_sliding_defaults(&p);
    cr_assert_float_eq(p.failure_rate_threshold, 50, 1e-9);
    cr_assert_float_eq(p.slow_call_rate_threshold, 100, 1e-9);
    cr_assert_eq(p.slow_call_duration_threshold, S(60));
    cr_assert_eq(p.sliding_window_type, SLIDING_COUNT_BASED);
    cr_assert_eq(p.sliding_window_size, 100);
    cr_assert_eq(p.minimum_number_of_calls, 100);
    cr_assert_eq(p.permitted_number_of_calls_in_half_open_state, 10);
    cr_assert_eq(p.wait_duration_in_open_state, S(60));
    cr_assert_not(p.automatic_transition_from_open_to_half_open_enabled);
    cr_assert_eq(p.max_wait_duration_in_half_open_state, 0);
}

Test(policy_sliding, hcl_v2_trips_on_25th_failure_after_full_window_of_50_successes)
{
    breaker *b = mk_hcl();
    cp_ns t = 0;
    cr_assert_eq(feed(b, &t, 50, BREAKER_SUCCESS, MSx(1)), 0);
    cr_assert_eq(feed(b, &t, 100, BREAKER_FAILURE, MSx(1)), 25, "50 % of 50 = 25");
    breaker_free(b);
}

Test(policy_sliding, hcl_v2_trips_on_20th_failure_after_a_reset)
{
    breaker *b = mk_hcl();
    cp_ns t = 0;
    cr_assert_eq(feed(b, &t, 100, BREAKER_FAILURE, MSx(1)), 20, "empty window: minimumNumberOfCalls");
    /* reset through half-open: 2 successes close it with an empty window */
    t += S(31);
    cr_assert(breaker_allow(b, t));
    cr_assert(breaker_allow(b, t));
    breaker_success(b, t, MSx(1));
    breaker_success(b, t, MSx(1));
    cr_assert_eq(breaker_get_state(b), BREAKER_CLOSED);
    cr_assert_eq(feed(b, &t, 100, BREAKER_FAILURE, MSx(1)), 20, "the window was reset on CLOSED");
    /* and the same after a manual reset */
    cr_assert_eq(breaker_transition(b, BREAKER_CLOSED, t), 0);
    cr_assert_eq(feed(b, &t, 100, BREAKER_FAILURE, MSx(1)), 20);
    breaker_free(b);
}

Test(policy_sliding, hcl_v2_one_failure_in_two_half_open_calls_reopens)
{
    /* both orders: failure then success, success then failure */
    for (int order = 0; order < 2; order++) {
        breaker *b = mk_hcl();
        cp_ns t = 0;
        cr_assert_eq(feed(b, &t, 20, BREAKER_FAILURE, MSx(1)), 20);
        cp_ns opened = t;
        cr_assert_not(breaker_allow(b, opened + S(30)), "not after: exactly at the wait");
        cr_assert(breaker_allow(b, opened + S(30) + 1), "strictly after the wait");
        cr_assert_eq(breaker_get_state(b), BREAKER_HALF_OPEN);
        cr_assert(breaker_allow(b, opened + S(30) + 2), "second permit");
        cr_assert_not(breaker_allow(b, opened + S(30) + 3), "only 2 permits");
        breaker_record(b, opened + S(31), MSx(1), order ? BREAKER_SUCCESS : BREAKER_FAILURE);
        cr_assert_eq(breaker_get_state(b), BREAKER_HALF_OPEN, "1 call < min(20, 2)");
        breaker_record(b, opened + S(31), MSx(1), order ? BREAKER_FAILURE : BREAKER_SUCCESS);
        cr_assert_eq(breaker_get_state(b), BREAKER_OPEN, "50 %% >= 50 %%");
        breaker_free(b);
    }
}

Test(policy_sliding, hcl_9112_half_open_lets_calls_flow_until_results_decide)
{
    breaker_sliding_params p;
    breaker_sliding_hcl_v2_defaults(&p, false);
    cr_assert(p.half_open_unlimited_calls);
    cr_assert_eq(p.wait_duration_in_open_state, S(60));
    cr_assert_eq(p.slow_call_duration_threshold, MSx(500));
    breaker *b = mk(&p);
    cp_ns t = 0;
    feed(b, &t, 20, BREAKER_FAILURE, 0);
    t += S(60) + 1;
    for (int i = 0; i < 50; i++)
        cr_assert(breaker_allow(b, t + i), "9.1.12: no permit limit");
    breaker_success(b, t + S(1), 0);
    cr_assert_eq(breaker_get_state(b), BREAKER_HALF_OPEN);
    breaker_success(b, t + S(1), 0);
    cr_assert_eq(breaker_get_state(b), BREAKER_CLOSED, "two results decide, as in 9.1.13");
    breaker_free(b);
}

Test(policy_sliding, defaults_need_50_failures_after_full_window_of_100)
{
    breaker *b = mk(NULL);
    cp_ns t = 0;
    cr_assert_eq(feed(b, &t, 100, BREAKER_SUCCESS, MSx(1)), 0);
    cr_assert_eq(feed(b, &t, 100, BREAKER_FAILURE, MSx(1)), 50);
    breaker_free(b);
}

Test(policy_sliding, slow_is_strictly_longer_than_the_threshold)
{
    static const struct {
        cp_ns dur;
        int trips_at;
    } rows[] = {{MSx(250), 0}, {MSx(250) + 1, 20}, {S(1), 20}};
    for (size_t i = 0; i < 3; i++) {
        breaker *b = mk_hcl();
        cp_ns t = 0;
        cr_expect_eq(feed(b, &t, 60, BREAKER_SUCCESS, rows[i].dur), rows[i].trips_at, "row %zu", i);
        breaker_free(b);
    }
}

Test(policy_sliding, slow_rate_needs_the_whole_window_once_full)
{
    breaker *b = mk_hcl();
    cp_ns t = 0;
    feed(b, &t, 50, BREAKER_SUCCESS, MSx(1));
    /* 100 % slow needs all 50 calls in the window to be slow */
    cr_assert_eq(feed(b, &t, 100, BREAKER_SUCCESS, MSx(300)), 50);
    breaker_free(b);
}

Test(policy_sliding, minimum_calls_clipped_to_count_window_only)
{
    breaker_sliding_params p;
    breaker_sliding_defaults(&p);
    p.sliding_window_size = 10; /* minimum 100 is clipped to 10 */
    breaker *b = mk(&p);
    cp_ns t = 0;
    cr_assert_eq(feed(b, &t, 20, BREAKER_FAILURE, MSx(1)), 10);
    breaker_free(b);

    p.sliding_window_type = SLIDING_TIME_BASED; /* not clipped: 10 s window, 100 calls */
    b = mk(&p);
    t = 0;
    cr_assert_eq(feed(b, &t, 99, BREAKER_FAILURE, MSx(1)), 0);
    cr_assert_eq(feed(b, &t, 1, BREAKER_FAILURE, MSx(1)), 1, "the 100th failure in the window");
    breaker_free(b);
}

Test(policy_sliding, time_window_uses_epoch_second_buckets)
{
    breaker_sliding_params p;
    breaker_sliding_defaults(&p);
    p.sliding_window_type = SLIDING_TIME_BASED;
    p.sliding_window_size = 2;
    p.minimum_number_of_calls = 4;
    static const struct {
        cp_ns last;
        breaker_state expect;
        const char *why;
    } rows[] = {
        {MSx(1950), BREAKER_OPEN, "seconds 0 and 1 are both in the window: 4 failures"},
        {MSx(2050), BREAKER_CLOSED, "second 0 left at 2.000 s though only 1.95 s passed"},
    };
    for (size_t i = 0; i < 2; i++) {
        breaker *b = mk(&p);
        breaker_failure(b, MSx(100), 0);
        breaker_failure(b, MSx(200), 0);
        breaker_failure(b, MSx(300), 0);
        breaker_failure(b, rows[i].last, 0);
        cr_expect_eq(breaker_get_state(b), rows[i].expect, "%s", rows[i].why);
        breaker_free(b);
    }
}

Test(policy_sliding, time_window_forgets_after_a_long_gap)
{
    breaker_sliding_params p;
    breaker_sliding_defaults(&p);
    p.sliding_window_type = SLIDING_TIME_BASED;
    p.sliding_window_size = 10;
    p.minimum_number_of_calls = 5;
    breaker *b = mk(&p);
    for (int i = 0; i < 4; i++)
        breaker_failure(b, S(1) + i, 0);
    breaker_failure(b, S(1000), 0);
    cr_assert_eq(breaker_get_state(b), BREAKER_CLOSED);
    for (int i = 0; i < 4; i++)
        breaker_failure(b, S(1005) + i, 0);
    cr_assert_eq(breaker_get_state(b), BREAKER_OPEN);
    breaker_free(b);
}

Test(policy_sliding, rates_trip_at_equal_threshold)
{
    breaker_sliding_params p;
    breaker_sliding_defaults(&p);
    p.sliding_window_size = 4;
    p.minimum_number_of_calls = 4;
    p.failure_rate_threshold = 25;
    breaker *b = mk(&p);
    cp_ns t = 0;
    feed(b, &t, 3, BREAKER_SUCCESS, 0);
    cr_assert_eq(feed(b, &t, 1, BREAKER_FAILURE, 0), 1, "1 of 4 = 25 %% >= 25 %%");
    breaker_free(b);
}

Test(policy_sliding, thresholds_checked_after_successes_too)
{
    breaker_sliding_params p;
    breaker_sliding_defaults(&p);
    p.sliding_window_size = 4;
    p.minimum_number_of_calls = 4;
    breaker *b = mk(&p);
    cp_ns t = 0;
    feed(b, &t, 2, BREAKER_FAILURE, 0);
    feed(b, &t, 1, BREAKER_SUCCESS, 0);
    cr_assert_eq(feed(b, &t, 1, BREAKER_SUCCESS, 0), 1, "a success completes the minimum: 2/4 = 50 %%");
    breaker_free(b);
}

Test(policy_sliding, late_results_in_open_trigger_nothing)
{
    breaker *b = mk_hcl();
    cp_ns t = 0;
    feed(b, &t, 20, BREAKER_FAILURE, 0);
    for (int i = 0; i < 100; i++)
        breaker_success(b, t + i, 0);
    cr_assert_eq(breaker_get_state(b), BREAKER_OPEN);
    breaker_free(b);
}

Test(policy_sliding, automatic_transition_by_poll_at_the_deadline)
{
    breaker_sliding_params p;
    breaker_sliding_hcl_v2_defaults(&p, false);
    p.automatic_transition_from_open_to_half_open_enabled = true;
    breaker *b = mk(&p);
    cp_ns t = 0;
    feed(b, &t, 20, BREAKER_FAILURE, 0);
    cr_assert_eq(breaker_deadline(b), t + S(60));
    breaker_poll(b, t + S(60) - 1);
    cr_assert_eq(breaker_get_state(b), BREAKER_OPEN);
    breaker_poll(b, t + S(60));
    cr_assert_eq(breaker_get_state(b), BREAKER_HALF_OPEN, "scheduled at +wait, no traffic needed");
    breaker_free(b);
}

Test(policy_sliding, without_automatic_transition_there_is_no_deadline)
{
    breaker *b = mk_hcl();
    cp_ns t = 0;
    feed(b, &t, 20, BREAKER_FAILURE, 0);
    cr_assert_eq(breaker_deadline(b), CP_NEVER);
    breaker_poll(b, t + S(3600));
    cr_assert_eq(breaker_get_state(b), BREAKER_OPEN, "stays OPEN until a call comes");
    breaker_free(b);
}

Test(policy_sliding, stuck_half_open_needs_max_wait)
{
    for (int target = 0; target < 3; target++) {
        breaker_sliding_params p;
        breaker_sliding_hcl_v2_defaults(&p, true);
        if (target > 0) {
            p.max_wait_duration_in_half_open_state = S(5);
            p.transition_to_state_after_wait_duration = target == 1 ? 1 : 0;
        }
        breaker *b = mk(&p);
        cp_ns t = 0;
        feed(b, &t, 20, BREAKER_FAILURE, 0);
        t += S(31);
        cr_assert(breaker_allow(b, t));
        cr_assert(breaker_allow(b, t));
        /* the two calls never complete */
        breaker_poll(b, t + S(5));
        cr_assert_not(breaker_allow(b, t + S(5)) && target == 0);
        breaker_state want = target == 0 ? BREAKER_HALF_OPEN : target == 1 ? BREAKER_OPEN : BREAKER_CLOSED;
        cr_expect_eq(breaker_get_state(b), want, "target %d", target);
        breaker_free(b);
    }
}

Test(policy_sliding, open_wait_grows_with_attempts_when_exponential)
{
    breaker_sliding_params p;
    breaker_sliding_hcl_v2_defaults(&p, false);
    p.wait_interval_kind = SLIDING_WAIT_EXPONENTIAL;
    p.wait_multiplier = 2.0;
    breaker *b = mk(&p);
    cp_ns t = 0;
    feed(b, &t, 20, BREAKER_FAILURE, 0);
    cr_assert(breaker_allow(b, t + S(60) + 1), "attempt 1 waits 60 s");
    t = t + S(60) + 1;
    breaker_failure(b, t, 0);
    breaker_failure(b, t, 0);
    cr_assert_eq(breaker_get_state(b), BREAKER_OPEN);
    cr_assert_not(breaker_allow(b, t + S(120)), "attempt 2 waits 120 s");
    cr_assert(breaker_allow(b, t + S(120) + 1));
    breaker_free(b);
}

Test(policy_sliding, ignored_calls_give_their_permit_back)
{
    breaker *b = mk_hcl();
    cp_ns t = 0;
    feed(b, &t, 20, BREAKER_FAILURE, 0);
    t += S(31);
    cr_assert(breaker_allow(b, t));
    cr_assert(breaker_allow(b, t));
    cr_assert_not(breaker_allow(b, t));
    breaker_record(b, t, 0, BREAKER_IGNORED);
    cr_assert(breaker_allow(b, t), "released permit");
    cr_assert_not(breaker_allow(b, t));
    breaker_free(b);
}

Test(policy_sliding, manual_states)
{
    breaker *b = mk_hcl();
    cp_ns t = 0;
    cr_assert_eq(breaker_transition(b, BREAKER_METRICS_ONLY, t), 0);
    cr_assert_eq(feed(b, &t, 500, BREAKER_FAILURE, 0), 0, "METRICS_ONLY never transitions");
    cr_assert_str_eq(breaker_state_name(breaker_get_state(b)), "metrics_only");
    cr_assert_eq(breaker_transition(b, BREAKER_FORCED_OPEN, t), 0);
    cr_assert_not(breaker_allow(b, t + S(1000)));
    cr_assert_eq(breaker_transition(b, BREAKER_DISABLED, t), 0);
    for (int i = 0; i < 100; i++) {
        cr_assert(breaker_allow(b, t + i));
        breaker_failure(b, t + i, 0);
    }
    cr_assert_eq(breaker_get_state(b), BREAKER_DISABLED);
    cr_assert_eq(breaker_transition(b, BREAKER_OPEN, t), 0);
    cr_assert_eq(breaker_get_state(b), BREAKER_OPEN);
    cr_assert_eq(breaker_transition(b, BREAKER_HALF_OPEN, t), -1, "no manual half-open");
    breaker_free(b);
}

Test(policy_sliding, exponential_open_wait_saturates_after_many_cycles)
{
    breaker_sliding_params p;
    breaker_sliding_hcl_v2_defaults(&p, true);
    p.wait_interval_kind = SLIDING_WAIT_EXPONENTIAL;
    p.wait_multiplier = 10;
    p.wait_duration_in_open_state = CP_MS(1);
    p.permitted_number_of_calls_in_half_open_state = 1;
    p.minimum_number_of_calls = 1;
    breaker *b = mk(&p);
    cp_ns t = 0;
    feed(b, &t, 20, BREAKER_FAILURE, 0);
    /* open attempt a waits 10^(a-1) ms: 13 re-opens reach 10^13 ms, past
     * what int64 nanoseconds can hold */
    for (int c = 0; c <= 12; c++) {
        cp_ns wait = CP_MS(1);
        for (int j = 0; j < c; j++)
            wait *= 10;
        t += wait + 1;
        cr_assert(breaker_allow(b, t), "cycle %d", c);
        breaker_failure(b, t, 0);
        cr_assert_eq(breaker_get_state(b), BREAKER_OPEN);
    }
    cr_assert_not(breaker_allow(b, CP_NEVER - 1), "the wait saturated at never, no overflow");
    breaker_free(b);
}
