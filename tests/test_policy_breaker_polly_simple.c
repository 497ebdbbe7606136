/* test_policy_breaker_polly_simple.c — Polly v8 breaker (resilience.md
 * §2.2), FusionCache SimpleCircuitBreaker (fusioncache.md §2) and "none",
 * one rule per test, walking calls and checking each state. */
#include <criterion/criterion.h>
#include <string.h>

#include "policy/cachepolicy.h"

#define S(x) CP_SEC(x)
#define MSx(x) CP_MS(x)

static breaker *mk(const char *kind, const void *p)
{
    char err[160];
    breaker *b = breaker_create(kind, p, err, sizeof err);
    cr_assert_not_null(b, "%s", err);
    return b;
}

Test(policy_polly, defaults_are_0_1_100_30s_5s)
{
    breaker_polly_params p;
    breaker_polly_defaults(&p);
    cr_assert_float_eq(p.failure_ratio, 0.1, 1e-12);
    cr_assert_eq(p.minimum_throughput, 100);
    cr_assert_eq(p.sampling_duration, S(30));
    cr_assert_eq(p.break_duration, S(5));
    cr_assert_null(p.break_duration_generator);
}

Test(policy_polly, breaks_at_ratio_greater_or_equal_with_minimum_throughput)
{
    static const struct {
        int successes, failures;
        bool opens;
        const char *why;
    } rows[] = {
        {90, 10, true, "100 calls, 10 %% failures: >= breaks"},
        {91, 9, false, "9 %%"},
        {0, 99, false, "99 calls: below minimum throughput, ratio ignored"},
        {0, 100, true, "100 failures"},
        {1000, 0, false, "successes never break"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        breaker *b = mk("polly", NULL);
        cp_ns t = 0;
        for (int k = 0; k < rows[i].successes; k++)
            breaker_success(b, t += MSx(1), 0);
        for (int k = 0; k < rows[i].failures; k++)
            breaker_failure(b, t += MSx(1), 0);
        cr_expect_eq(breaker_get_state(b) == BREAKER_OPEN, rows[i].opens, "%s", rows[i].why);
        breaker_free(b);
    }
}

Test(policy_polly, only_a_failure_runs_the_break_test)
{
    breaker_polly_params p;
    breaker_polly_defaults(&p);
    p.minimum_throughput = 10;
    breaker *b = mk("polly", &p);
    for (int k = 0; k < 9; k++)
        breaker_failure(b, MSx(k), 0);
    cr_assert_eq(breaker_get_state(b), BREAKER_CLOSED);
    breaker_success(b, MSx(10), 0); /* reaches throughput 10 at 90 %: no check on success */
    cr_assert_eq(breaker_get_state(b), BREAKER_CLOSED);
    breaker_failure(b, MSx(11), 0);
    cr_assert_eq(breaker_get_state(b), BREAKER_OPEN);
    breaker_free(b);
}

Test(policy_polly, rolling_window_drops_buckets_older_than_sampling_duration)
{
    static const struct {
        cp_ns second_batch;
        bool opens;
    } rows[] = {{S(29), true}, {S(30), false}};
    for (size_t i = 0; i < 2; i++) {
        breaker *b = mk("polly", NULL);
        for (int k = 0; k < 50; k++)
            breaker_failure(b, 0, 0);
        for (int k = 0; k < 50; k++)
            breaker_failure(b, rows[i].second_batch, 0);
        cr_expect_eq(breaker_get_state(b) == BREAKER_OPEN, rows[i].opens, "row %zu", i);
        breaker_free(b);
    }
}

Test(policy_polly, short_sampling_duration_is_one_window)
{
    breaker_polly_params p;
    breaker_polly_defaults(&p);
    p.sampling_duration = MSx(100); /* < 200 ms: single window */
    p.minimum_throughput = 4;
    breaker *b = mk("polly", &p);
    breaker_failure(b, 0, 0);
    breaker_failure(b, MSx(50), 0);
    breaker_failure(b, MSx(99), 0);
    breaker_failure(b, MSx(100), 0); /* the window restarted at 100 ms */
    cr_assert_eq(breaker_get_state(b), BREAKER_CLOSED);
    breaker_free(b);
}

Test(policy_polly, single_probe_after_break_duration)
{
    breaker *b = mk("polly", NULL);
    for (int k = 0; k < 100; k++)
        breaker_failure(b, MSx(k), 0);
    cp_ns opened = MSx(99);
    cr_assert_not(breaker_allow(b, opened + S(5) - 1));
    cr_assert(breaker_allow(b, opened + S(5)), "at or after blockedUntil");
    cr_assert_eq(breaker_get_state(b), BREAKER_HALF_OPEN);
    for (int k = 1; k < 50; k++)
        cr_assert_not(breaker_allow(b, opened + S(5) + S(k)), "only the single probe in HalfOpen");
    breaker_success(b, opened + S(60), 0);
    cr_assert_eq(breaker_get_state(b), BREAKER_CLOSED);
    for (int k = 0; k < 99; k++)
        breaker_failure(b, opened + S(61), 0);
    cr_assert_eq(breaker_get_state(b), BREAKER_CLOSED, "metrics were reset on close");
    breaker_free(b);
}

static cp_ns gen_calls;
static cp_ns gen(double rate, int count, int attempts, void *ctx)
{
    (void)rate, (void)count;
    gen_calls++;
    return breaker_polly_exponential_break(rate, count, attempts, ctx);
}

Test(policy_polly, probe_failure_reopens_with_the_generator)
{
    cp_ns bc[2] = {S(1), S(8)};
    breaker_polly_params p;
    breaker_polly_defaults(&p);
    p.minimum_throughput = 2;
    p.break_duration_generator = gen;
    p.break_duration_generator_ctx = bc;
    breaker *b = mk("polly", &p);
    breaker_failure(b, 0, 0);
    breaker_failure(b, 0, 0);
    cr_assert_eq(breaker_get_state(b), BREAKER_OPEN);
    /* open durations: 1 s (0 half-open attempts), 2, 4, 8, 8 s */
    static const cp_ns want[] = {S(1), S(2), S(4), S(8), S(8)};
    cp_ns t = 0;
    for (int i = 0; i < 5; i++) {
        cr_assert_not(breaker_allow(b, t + want[i] - 1), "open %d lasts %lld", i, (long long)want[i]);
        cr_assert(breaker_allow(b, t + want[i]));
        t += want[i];
        breaker_failure(b, t, 0);
        cr_assert_eq(breaker_get_state(b), BREAKER_OPEN);
    }
    cr_assert_eq(gen_calls, 6);
    breaker_free(b);
}

Test(policy_polly, isolate_is_forced_open)
{
    breaker *b = mk("polly", NULL);
    cr_assert_eq(breaker_transition(b, BREAKER_FORCED_OPEN, 0), 0);
    cr_assert_not(breaker_allow(b, S(1000000)));
    cr_assert_eq(breaker_transition(b, BREAKER_CLOSED, 0), 0);
    cr_assert(breaker_allow(b, 0));
    breaker_free(b);
}

Test(policy_polly, invalid_params_are_refused_with_the_name)
{
    breaker_polly_params p;
    breaker_polly_defaults(&p);
    p.minimum_throughput = 1;
    char err[160];
    cr_assert_null(breaker_create("polly", &p, err, sizeof err));
    cr_assert(strstr(err, "minimum_throughput") != NULL, "%s", err);
}

Test(policy_simple, duration_zero_never_opens)
{
    breaker *b = mk("simple", NULL);
    for (int i = 0; i < 1000; i++) {
        breaker_failure(b, i, 0);
        cr_assert(breaker_allow(b, i));
    }
    cr_assert_eq(breaker_get_state(b), BREAKER_CLOSED);
    breaker_free(b);
}

Test(policy_simple, one_error_opens_for_the_duration)
{
    breaker_simple_params p = {.break_duration = S(10)};
    breaker *b = mk("simple", &p);
    breaker_failure(b, S(1), 0);
    cr_assert_eq(breaker_get_state(b), BREAKER_OPEN);
    cr_assert_not(breaker_allow(b, S(11) - 1));
    cr_assert(breaker_allow(b, S(11)), "IsClosed when now >= gateway");
    cr_assert_eq(breaker_get_state(b), BREAKER_CLOSED);
    breaker_free(b);
}

Test(policy_simple, synthetic_timeouts_never_trip)
{
    breaker_simple_params p = {.break_duration = S(10)};
    breaker *b = mk("simple", &p);
    for (int i = 0; i < 100; i++)
        breaker_record(b, i, 0, BREAKER_FAILURE_SYNTHETIC);
    cr_assert_eq(breaker_get_state(b), BREAKER_CLOSED);
    breaker_free(b);
}

Test(policy_simple, a_later_error_extends_the_gateway)
{
    breaker_simple_params p = {.break_duration = S(10)};
    breaker *b = mk("simple", &p);
    breaker_failure(b, S(0), 0);
    breaker_failure(b, S(5), 0); /* a late result while open */
    cr_assert_not(breaker_allow(b, S(14)));
    cr_assert(breaker_allow(b, S(15)));
    breaker_free(b);
}

static const char *last_reason;
static void keep_reason(breaker_state from, breaker_state to, const char *reason, cp_ns now, void *user)
{
    (void)from, (void)to, (void)now, (void)user;
    last_reason = reason;
}

Test(policy_simple, force_close_by_backplane_message)
{
    breaker_simple_params p = {.break_duration = S(10)};
    breaker *b = mk("simple", &p);
    breaker_set_callback(b, keep_reason, NULL);
    breaker_failure(b, 0, 0);
    cr_assert_str_eq(last_reason, "error");
    cr_assert_eq(breaker_transition_why(b, BREAKER_CLOSED, S(1), "backplane_message"), 0);
    cr_assert_str_eq(last_reason, "backplane_message");
    cr_assert(breaker_allow(b, S(1)));
    breaker_free(b);
}

Test(policy_none, always_allows)
{
    breaker *b = mk("none", NULL);
    for (int i = 0; i < 1000; i++) {
        cr_assert(breaker_allow(b, i));
        breaker_failure(b, i, 0);
    }
    cr_assert_str_eq(breaker_state_name(breaker_get_state(b)), "closed");
    breaker_free(b);
}
