/* test_policy_breaker_hcl.c — HCL Cache V1 breaker ("hcl_v1"), rule by
 * rule from resilience.md §1.2: count AND minimum failure time, retry
 * wait, resume after 2 failures, any success resets. */
#include <criterion/criterion.h>
#include <string.h>

#include "policy/cachepolicy.h"

#define S(x) CP_SEC(x)
#define MSx(x) CP_MS(x)

typedef struct tlog {
    int n;
    breaker_state from[16], to[16];
    const char *reason[16];
    cp_ns at[16];
} tlog;

static void on_tr(breaker_state from, breaker_state to, const char *reason, cp_ns now, void *user)
{
    tlog *l = user;
    if (l->n < 16) {
        l->from[l->n] = from;
        l->to[l->n] = to;
        l->reason[l->n] = reason;
        l->at[l->n] = now;
    }
    l->n++;
}

static breaker *mk(const breaker_hcl_params *p, tlog *l)
{
    char err[128];
    breaker *b = breaker_create("hcl_v1", p, err, sizeof err);
    cr_assert_not_null(b, "%s", err);
    if (l != NULL)
        breaker_set_callback(b, on_tr, l);
    return b;
}

/* n failures evenly spread over [t0, t0 + span]; returns the state after each */
static void fail_spread(breaker *b, int n, cp_ns t0, cp_ns span, breaker_state *after)
{
    for (int i = 0; i < n; i++) {
        cp_ns t = t0 + (n > 1 ? span * i / (n - 1) : 0);
        breaker_failure(b, t, MSx(1));
        after[i] = breaker_get_state(b);
    }
}

Test(policy_hcl_v1, defaults_match_the_documented_keys)
{
    breaker_hcl_params p;
    breaker_hcl_defaults(&p);
    cr_assert_eq(p.minimum_consecutive_failures, 20);
    cr_assert_eq(p.minimum_failure_time, S(10));
    cr_assert_eq(p.retry_wait_time, S(60));
    cr_assert_eq(p.minimum_consecutive_failures_resume_outage, 2);
    cr_assert_eq(p.failure_time_from, HCL_FROM_STREAK_START);
}

Test(policy_hcl_v1, needs_both_count_and_time)
{
    /* table: failures, spread, expect open after the last one */
    static const struct {
        int n;
        cp_ns span;
        bool opens;
        const char *why;
    } rows[] = {
        {20, S(9), false, "20 failures in 9 s: the time is not yet there"},
        {19, S(30), false, "19 failures in 30 s: the count is not there"},
        {20, S(10), true, "the 20th failure once 10 s have passed trips"},
        {40, S(10), true, "more failures in 10 s also trip"},
        {1, 0, false, "one failure does nothing"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        breaker *b = mk(NULL, NULL);
        breaker_state after[64];
        fail_spread(b, rows[i].n, S(100), rows[i].span, after);
        cr_expect_eq(after[rows[i].n - 1] == BREAKER_OPEN, rows[i].opens, "%s", rows[i].why);
        for (int k = 0; k < rows[i].n - 1 && k < 19; k++)
            cr_expect_eq(after[k], BREAKER_CLOSED, "%s: step %d must stay closed", rows[i].why, k + 1);
        breaker_free(b);
    }
}

Test(policy_hcl_v1, trips_exactly_on_the_20th_failure_at_10s)
{
    breaker *b = mk(NULL, NULL);
    breaker_state after[20];
    fail_spread(b, 20, 0, S(10), after);
    for (int i = 0; i < 19; i++)
        cr_assert_eq(after[i], BREAKER_CLOSED, "failure %d", i + 1);
    cr_assert_eq(after[19], BREAKER_OPEN);
    breaker_free(b);
}

Test(policy_hcl_v1, count_reached_early_trips_when_the_time_arrives)
{
    breaker *b = mk(NULL, NULL);
    breaker_state after[20];
    fail_spread(b, 20, 0, S(9), after);
    cr_assert_eq(after[19], BREAKER_CLOSED);
    breaker_failure(b, S(10) - 1, 0);
    cr_assert_eq(breaker_get_state(b), BREAKER_CLOSED, "9.999999999 s is not 10 s");
    breaker_failure(b, S(10), 0);
    cr_assert_eq(breaker_get_state(b), BREAKER_OPEN, "22nd failure at 10 s trips");
    breaker_free(b);
}

Test(policy_hcl_v1, any_success_resets_the_counter)
{
    breaker *b = mk(NULL, NULL);
    breaker_state after[20];
    fail_spread(b, 19, 0, S(20), after);
    breaker_success(b, S(21), MSx(1));
    fail_spread(b, 19, S(22), S(20), after);
    cr_assert_eq(after[18], BREAKER_CLOSED, "19 + success + 19 is not 20 in a row");
    breaker_failure(b, S(43), 0);
    cr_assert_eq(breaker_get_state(b), BREAKER_OPEN, "the 20th of the new streak, 21 s after its start");
    breaker_free(b);
}

Test(policy_hcl_v1, slow_successes_are_not_failures)
{
    breaker *b = mk(NULL, NULL);
    for (int i = 0; i < 100; i++)
        breaker_success(b, S(i), S(30));
    cr_assert_eq(breaker_get_state(b), BREAKER_CLOSED);
    breaker_free(b);
}

Test(policy_hcl_v1, timeouts_and_synthetic_timeouts_count_as_failures)
{
    breaker *b = mk(NULL, NULL);
    for (int i = 0; i < 20; i++)
        breaker_record(b, S(i), S(3), i % 2 ? BREAKER_FAILURE_SYNTHETIC : BREAKER_FAILURE);
    cr_assert_eq(breaker_get_state(b), BREAKER_OPEN);
    breaker_free(b);
}

Test(policy_hcl_v1, retry_wait_then_all_traffic_passes)
{
    tlog l = {0};
    breaker *b = mk(NULL, &l);
    breaker_state after[20];
    fail_spread(b, 20, 0, S(10), after);
    cp_ns opened = S(10);
    cr_assert_not(breaker_allow(b, opened + S(60) - 1), "still in outage 1 ns before the wait ends");
    cr_assert(breaker_allow(b, opened + S(60)), "retryWaitTimeMs has passed");
    cr_assert_eq(breaker_get_state(b), BREAKER_HALF_OPEN);
    for (int i = 0; i < 100; i++)
        cr_assert(breaker_allow(b, opened + S(60) + i), "V1 lets all traffic through after the wait");
    cr_assert_eq(l.n, 2);
    cr_assert_eq(l.to[0], BREAKER_OPEN);
    cr_assert_str_eq(l.reason[0], "consecutive_failures");
    cr_assert_eq(l.at[0], opened);
    cr_assert_eq(l.from[1], BREAKER_OPEN);
    cr_assert_eq(l.to[1], BREAKER_HALF_OPEN);
    breaker_free(b);
}

Test(policy_hcl_v1, two_failures_after_the_wait_reopen_without_the_10s)
{
    breaker *b = mk(NULL, NULL);
    breaker_state after[20];
    fail_spread(b, 20, 0, S(10), after);
    cr_assert(breaker_allow(b, S(70)));
    breaker_failure(b, S(70) + MSx(1), 0);
    cr_assert_eq(breaker_get_state(b), BREAKER_HALF_OPEN, "one failure is not enough");
    breaker_failure(b, S(70) + MSx(2), 0);
    cr_assert_eq(breaker_get_state(b), BREAKER_OPEN, "two in a row re-open at once");
    cr_assert_not(breaker_allow(b, S(70) + S(59)));
    cr_assert(breaker_allow(b, S(70) + MSx(2) + S(60)), "another full retry wait");
    breaker_free(b);
}

Test(policy_hcl_v1, success_after_the_wait_closes)
{
    breaker *b = mk(NULL, NULL);
    breaker_state after[20];
    fail_spread(b, 20, 0, S(10), after);
    cr_assert(breaker_allow(b, S(70)));
    breaker_failure(b, S(71), 0);
    breaker_success(b, S(72), 0);
    cr_assert_eq(breaker_get_state(b), BREAKER_CLOSED);
    breaker_failure(b, S(73), 0);
    breaker_failure(b, S(74), 0);
    cr_assert_eq(breaker_get_state(b), BREAKER_CLOSED, "closed again: the full 20 + 10 s rule applies");
    breaker_free(b);
}

Test(policy_hcl_v1, late_results_while_open_change_nothing)
{
    breaker *b = mk(NULL, NULL);
    breaker_state after[20];
    fail_spread(b, 20, 0, S(10), after);
    breaker_success(b, S(11), S(16));
    breaker_failure(b, S(12), S(16));
    cr_assert_eq(breaker_get_state(b), BREAKER_OPEN);
    cr_assert_not(breaker_allow(b, S(69)));
    breaker_free(b);
}

Test(policy_hcl_v1, failure_time_from_is_a_parameter)
{
    /* success at 0 s, then 20 failures between 5 s and 10 s */
    static const struct {
        int from;
        bool opens;
    } rows[] = {{HCL_FROM_STREAK_START, false}, {HCL_FROM_LAST_SUCCESS, true}};
    for (size_t i = 0; i < 2; i++) {
        breaker_hcl_params p;
        breaker_hcl_defaults(&p);
        p.failure_time_from = rows[i].from;
        breaker *b = mk(&p, NULL);
        breaker_success(b, 0, 0);
        breaker_state after[20];
        fail_spread(b, 20, S(5), S(5), after);
        cr_expect_eq(after[19] == BREAKER_OPEN, rows[i].opens, "failure_time_from=%d", rows[i].from);
        breaker_free(b);
    }
}

Test(policy_hcl_v1, anchor_black_hole_trip_at_26_5s)
{
    /* resilience.md §1.6 anchor: with requests every 100 ms from t = 0 and
     * each failing after L_fail = 16.5 s, failures complete from 16.5 s on;
     * the trip lands 10 s later at 26.5 s. */
    breaker *b = mk(NULL, NULL);
    cp_ns lfail = retry_worst_case_constant(MSx(3000), 3, MSx(1500));
    cr_assert_eq(lfail, MSx(16500));
    cp_ns tripped = -1;
    for (int i = 0; i < 1000 && tripped < 0; i++) {
        breaker_failure(b, MSx(100) * i + lfail, lfail);
        if (breaker_get_state(b) == BREAKER_OPEN)
            tripped = MSx(100) * i + lfail;
    }
    cr_assert_eq(tripped, MSx(26500));
    breaker_free(b);
}

Test(policy_hcl_v1, probe_calls_limits_calls_in_flight_after_the_wait)
{
    breaker_hcl_params p;
    breaker_hcl_defaults(&p);
    cr_assert_eq(breaker_params_set("hcl_v1", &p, "probe_calls", 1), 0);
    breaker *b = mk(&p, NULL);
    breaker_state after[20];
    fail_spread(b, 20, 0, S(10), after);
    cr_assert(breaker_allow(b, S(70)));
    cr_assert_not(breaker_allow(b, S(70) + 1), "one probe in flight");
    breaker_failure(b, S(71), 0);
    cr_assert_eq(breaker_get_state(b), BREAKER_HALF_OPEN);
    cr_assert(breaker_allow(b, S(71)), "its result gave the slot back");
    breaker_failure(b, S(72), 0);
    cr_assert_eq(breaker_get_state(b), BREAKER_OPEN, "2 consecutive failures re-open");
    breaker_free(b);
}

Test(policy_hcl_v1, failure_time_from_uses_the_config_names)
{
    breaker_hcl_params p;
    breaker_hcl_defaults(&p);
    const breaker_ops *ops = breaker_kind("hcl_v1");
    cr_assert_eq(cp_param_set_choice(ops->param_desc, ops->n_param_desc, &p, "failure_time_from", "last_success"), 0);
    cr_assert_eq(p.failure_time_from, HCL_FROM_LAST_SUCCESS);
    cr_assert_eq(cp_param_set_choice(ops->param_desc, ops->n_param_desc, &p, "failure_time_from", "first_failure"), 0);
    cr_assert_eq(p.failure_time_from, HCL_FROM_STREAK_START);
}
