/* test_policy_backoff.c — retry delay formulas (resilience.md §2.3, §3.3)
 * with each source's attempt convention, jitter bounds and means over 1e5
 * draws, and the worst-case latency of a timeout + retry plan (§1.6). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
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
/* a source that returns a fixed value */
static double fixed_uniform(void *ctx)
{
    return *(double *)ctx;
}

Test(policy_backoff, polly_exponential_for_1s_is_1_2_4_8_16)
{
    static const cp_ns want[] = {S(1), S(2), S(4), S(8), S(16)};
    double prev = 0;
    for (int a = 0; a < 5; a++)
        cr_assert_eq(backoff_polly(POLLY_EXPONENTIAL, false, S(1), CP_INFINITE, a, &prev, NULL), want[a],
                     "attempt %d (0-based)", a);
    backoff_spec s;
    cr_assert_eq(backoff_spec_defaults(&s, "polly_exponential"), 0);
    s.base = S(1);
    backoff_state st = {0};
    for (int n = 1; n <= 5; n++)
        cr_assert_eq(backoff_next(&s, &st, n, NULL), want[n - 1], "retry %d (1-based) via the registry", n);
}

Test(policy_backoff, polly_constant_and_linear)
{
    double prev = 0;
    for (int a = 0; a < 4; a++) {
        cr_assert_eq(backoff_polly(POLLY_CONSTANT, false, S(2), CP_INFINITE, a, &prev, NULL), S(2));
        cr_assert_eq(backoff_polly(POLLY_LINEAR, false, S(2), CP_INFINITE, a, &prev, NULL), S(2) * (a + 1));
    }
}

Test(policy_backoff, polly_max_delay_caps)
{
    double prev = 0;
    cr_assert_eq(backoff_polly(POLLY_EXPONENTIAL, false, S(1), S(5), 4, &prev, NULL), S(5));
    cr_assert_eq(backoff_polly(POLLY_LINEAR, false, S(1), S(3), 9, &prev, NULL), S(3));
}

Test(policy_backoff, polly_jitter_is_plus_minus_25_percent_with_the_right_mean)
{
    sm64 g = {42};
    cp_rand r = {sm_uniform, &g};
    double sum = 0, prev = 0;
    for (int i = 0; i < DRAWS; i++) {
        cp_ns d = backoff_polly(POLLY_CONSTANT, true, S(2), CP_INFINITE, 3, &prev, &r);
        cr_assert(d >= MSx(1500) && d < MSx(2500), "%lld", (long long)d);
        sum += (double)d;
    }
    cr_assert(fabs(sum / DRAWS - 2e9) < 0.01 * 2e9);
}

Test(policy_backoff, polly_decorrelated_jitter_v2_formula)
{
    /* with U fixed at 0.5: t = a + 0.5, next = 2^t tanh(sqrt(4t)), delay = (next - prev)/1.4 * D */
    double u = 0.5;
    cp_rand r = {fixed_uniform, &u};
    double prev = 0, oracle_prev = 0;
    for (int a = 0; a < 6; a++) {
        double t = a + 0.5, next = pow(2, t) * tanh(sqrt(4 * t));
        double want = floor((next - oracle_prev) / 1.4 * 1e7) * 100; /* D = 1 s in 100 ns ticks */
        oracle_prev = next;
        cp_ns got = backoff_polly(POLLY_EXPONENTIAL, true, S(1), CP_INFINITE, a, &prev, &r);
        cr_assert(llabs(got - (cp_ns)want) <= 100, "attempt %d: %lld vs %.0f", a, (long long)got, want);
    }
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* resilience.md §2.3 says "medians are near D*2^a"; the formula gives a
 * first-retry median of about 0.9 D and then D*2^(a-1) from a = 2 on (the
 * medians double, one attempt later than the note says). This pins what
 * the formula does. */
Test(policy_backoff, polly_decorrelated_jitter_v2_medians)
{
    sm64 g = {7};
    cp_rand r = {sm_uniform, &g};
    enum { RUNS = 20001 };
    static double v[RUNS];
    static const struct {
        int a;
        double lo, hi; /* median / D */
    } rows[] = {{0, 0.85, 0.95}, {2, 1.9, 2.1}, {3, 3.8, 4.2}, {4, 7.6, 8.4}};
    for (size_t row = 0; row < sizeof rows / sizeof rows[0]; row++) {
        for (int i = 0; i < RUNS; i++) {
            double prev = 0;
            cp_ns d = 0;
            for (int k = 0; k <= rows[row].a; k++)
                d = backoff_polly(POLLY_EXPONENTIAL, true, S(1), CP_INFINITE, k, &prev, &r);
            v[i] = (double)d / 1e9;
        }
        qsort(v, RUNS, sizeof v[0], cmp_d);
        cr_assert(v[RUNS / 2] > rows[row].lo && v[RUNS / 2] < rows[row].hi, "attempt %d: median %.3f D",
                  rows[row].a, v[RUNS / 2]);
    }
}

Test(policy_backoff, aws_exponential_doubles_from_n_and_caps)
{
    static const struct {
        int n;
        cp_ns want;
    } rows[] = {{0, MSx(5)}, {1, MSx(10)}, {2, MSx(20)}, {8, MSx(1280)}, {9, MSx(2000)}, {60, MSx(2000)}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        cr_assert_eq(backoff_aws_exponential(MSx(5), MSx(2000), rows[i].n), rows[i].want, "n=%d", rows[i].n);
}

Test(policy_backoff, aws_jitters_stay_in_bounds_and_match_their_means)
{
    sm64 g = {1};
    cp_rand r = {sm_uniform, &g};
    const cp_ns base = MSx(5), cap = MSx(2000);
    const int n = 6;
    const double v = 320e6; /* 5 ms * 2^6 */
    double full = 0, equal = 0, decor = 0;
    for (int i = 0; i < DRAWS; i++) {
        cp_ns f = backoff_aws_full_jitter(base, cap, n, &r);
        cp_ns e = backoff_aws_equal_jitter(base, cap, n, &r);
        cp_ns d = backoff_aws_decorrelated(base, cap, MSx(100), &r);
        cr_assert(f >= 0 && f < (cp_ns)v);
        cr_assert(e >= (cp_ns)(v / 2) && e < (cp_ns)v);
        cr_assert(d >= base && d < MSx(300));
        full += (double)f, equal += (double)e, decor += (double)d;
    }
    cr_assert(fabs(full / DRAWS - v / 2) < 0.01 * v / 2, "full jitter mean v/2");
    cr_assert(fabs(equal / DRAWS - 0.75 * v) < 0.01 * 0.75 * v, "equal jitter mean 3v/4");
    double dmean = (5e6 + 300e6) / 2;
    cr_assert(fabs(decor / DRAWS - dmean) < 0.01 * dmean, "decorrelated mean (base + 3 prev)/2");
}

Test(policy_backoff, aws_decorrelated_respects_the_cap)
{
    sm64 g = {3};
    cp_rand r = {sm_uniform, &g};
    backoff_spec s;
    backoff_spec_defaults(&s, "decorrelated_jitter");
    s.base = MSx(5);
    s.cap = MSx(2000);
    backoff_state st = {0};
    for (int n = 1; n < 10000; n++) {
        cp_ns d = backoff_next(&s, &st, n, &r);
        cr_assert(d >= MSx(5) && d <= MSx(2000));
    }
}

Test(policy_backoff, r4j_exponential_truncates_at_every_step)
{
    static const int64_t want[] = {500, 750, 1125, 1687, 2530, 3795};
    for (int a = 1; a <= 6; a++)
        cr_assert_eq(backoff_r4j_exponential_ms(500, 1.5, a, INT64_MAX), want[a - 1], "attempt %d (1-based)", a);
    cr_assert_eq(backoff_r4j_exponential_ms(500, 1.5, 6, 3000), 3000, "maxInterval caps");
}

Test(policy_backoff, r4j_randomize_range_has_the_plus_one_quirk)
{
    cr_assert_eq(backoff_r4j_randomize_ms(1000, 0.5, 0.0), 500);
    cr_assert_eq(backoff_r4j_randomize_ms(1000, 0.5, 0.999999999), 1500, "[x(1-f), x(1+f)+1)");
    cr_assert_eq(backoff_r4j_randomize_ms(1, 0.5, 0.0), 1, "max(1, ...)");
    sm64 g = {9};
    cp_rand r = {sm_uniform, &g};
    double sum = 0;
    for (int i = 0; i < DRAWS; i++) {
        int64_t d = backoff_r4j_exponential_random_ms(500, 1.5, 0.5, 2, INT64_MAX, &r);
        cr_assert(d >= 375 && d <= 1125);
        sum += (double)d;
    }
    /* mean of floor(375 + U*751) = 375 + 375 = 750 */
    cr_assert(fabs(sum / DRAWS - 750) < 0.01 * 750);
}

Test(policy_backoff, redisson_equal_jitter_retry_defaults)
{
    sm64 g = {11};
    cp_rand r = {sm_uniform, &g};
    double sum0 = 0, sum1 = 0;
    int64_t lo0 = INT64_MAX, hi0 = 0, lo1 = INT64_MAX, hi1 = 0;
    for (int i = 0; i < DRAWS; i++) {
        int64_t a = backoff_redisson_equal_jitter_ms(1000, 2000, 0, &r);
        int64_t b = backoff_redisson_equal_jitter_ms(1000, 2000, 3, &r);
        lo0 = a < lo0 ? a : lo0, hi0 = a > hi0 ? a : hi0;
        lo1 = b < lo1 ? b : lo1, hi1 = b > hi1 ? b : hi1;
        sum0 += (double)a, sum1 += (double)b;
    }
    cr_assert(lo0 >= 500 && hi0 <= 1000, "attempt 0 -> [500, 1000]");
    cr_assert(lo1 >= 1000 && hi1 <= 2000, "attempts >= 1 -> [1000, 2000]");
    cr_assert(fabs(sum0 / DRAWS - 750) < 7.5);
    cr_assert(fabs(sum1 / DRAWS - 1500) < 15);
}

Test(policy_backoff, every_kind_stays_under_its_upper_bound)
{
    size_t n;
    const backoff_kind *const *k = backoff_kinds(&n);
    cr_assert_geq(n, 10);
    sm64 g = {5};
    cp_rand r = {sm_uniform, &g};
    for (size_t i = 0; i < n; i++)
        for (int jit = 0; jit < 2; jit++) {
            backoff_spec s;
            cr_assert_eq(backoff_spec_defaults(&s, k[i]->name), 0);
            s.jitter = jit;
            s.cap = (i % 2) ? CP_INFINITE : S(30);
            for (int run = 0; run < 200; run++) {
                backoff_state st = {0};
                for (int retry = 1; retry <= 8; retry++) {
                    cp_ns d = backoff_next(&s, &st, retry, &r);
                    cr_assert(d >= 0 && d <= backoff_upper(&s, retry), "%s retry %d: %lld > %lld", k[i]->name,
                              retry, (long long)d, (long long)backoff_upper(&s, retry));
                }
            }
        }
}

Test(policy_backoff, generic_exponential_starts_at_base)
{
    backoff_spec s;
    backoff_spec_defaults(&s, "exponential");
    s.base = MSx(100);
    s.cap = S(1);
    static const cp_ns want[] = {MSx(100), MSx(200), MSx(400), MSx(800), S(1), S(1)};
    backoff_state st = {0};
    for (int n = 1; n <= 6; n++)
        cr_assert_eq(backoff_next(&s, &st, n, NULL), want[n - 1]);
}

Test(policy_retry, hcl_worst_case_is_16_5_s)
{
    /* resilience.md §1.6: 3000 + 3 x (3000 + 1500) ms */
    cr_assert_eq(retry_worst_case_constant(MSx(3000), 3, MSx(1500)), MSx(16500));
    retry_plan p = {.timeout = MSx(3000), .retries = 3};
    backoff_spec_defaults(&p.backoff, "constant");
    p.backoff.base = MSx(1500);
    cr_assert_eq(retry_worst_case_latency(&p), MSx(16500));
    p.retries = 0;
    cr_assert_eq(retry_worst_case_latency(&p), MSx(3000), "no retries: one timeout");
}

Test(policy_retry, redisson_3_48_worst_case_is_22_s)
{
    /* §3.3 [derived]: 3000*5 + (1000 + 3*2000) */
    retry_plan p = {.timeout = MSx(3000), .retries = 4};
    backoff_spec_defaults(&p.backoff, "redisson_equal_jitter");
    cr_assert_eq(retry_worst_case_latency(&p), MSx(22000));
}

Test(policy_retry, unbounded_schedules_give_never)
{
    retry_plan p = {.timeout = MSx(100), .retries = 3};
    backoff_spec_defaults(&p.backoff, "polly_exponential");
    p.backoff.jitter = true;
    p.backoff.cap = CP_INFINITE;
    cr_assert_lt(retry_worst_case_latency(&p), CP_NEVER, "2^n bound is finite");
    p.backoff.base = CP_NEVER / 2;
    cr_assert_eq(retry_worst_case_latency(&p), CP_NEVER, "saturates instead of overflowing");
}

Test(policy_retry, attempt_conventions)
{
    cr_assert_eq(retry_r4j_retries(3), 2, "Resilience4j maxAttempts includes the first call");
    cr_assert_eq(retry_polly_retries(3), 3, "Polly MaxRetryAttempts is added to it");
}

Test(policy_backoff, specs_are_validated_with_the_field_named)
{
    char err[128];
    backoff_spec s;
    cr_assert_eq(backoff_spec_defaults(&s, "r4j_exponential"), 0);
    cr_assert_eq(backoff_spec_validate(&s, err, sizeof err), 0);
    s.base = CP_US(500);
    cr_assert_eq(backoff_spec_validate(&s, err, sizeof err), -1);
    cr_assert(strstr(err, "base") != NULL, "%s", err);
    cr_assert_eq(backoff_spec_defaults(&s, "exponential"), 0);
    s.multiplier = 0.5;
    cr_assert_eq(backoff_spec_validate(&s, err, sizeof err), -1);
    cr_assert(strstr(err, "multiplier") != NULL, "%s", err);
    s.kind = "fibonacci";
    cr_assert_eq(backoff_spec_validate(&s, err, sizeof err), -1);
    cr_assert_eq(backoff_spec_defaults(&s, "fibonacci"), -1);
}

Test(policy_backoff, huge_attempt_numbers_saturate_instead_of_overflowing)
{
    sm64 g = {12};
    cp_rand r = {sm_uniform, &g};
    size_t n;
    const backoff_kind *const *k = backoff_kinds(&n);
    for (size_t i = 0; i < n; i++) {
        backoff_spec s;
        backoff_spec_defaults(&s, k[i]->name);
        s.cap = CP_INFINITE;
        backoff_state st = {0};
        for (int retry = 1; retry <= 2000; retry += 37) {
            cp_ns d = backoff_next(&s, &st, retry, &r);
            cr_assert(d >= 0, "%s retry %d", k[i]->name, retry);
            cr_assert(backoff_upper(&s, retry) >= 0);
        }
    }
}
