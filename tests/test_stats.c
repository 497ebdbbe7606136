/* test_stats.c — the histogram's error bound, merging, warm-up exclusion and
 * time-series buckets; batch means. */
#include <criterion/criterion.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>

#include "sim/core/stats.h"

Test(hist, index_is_monotone_and_ranges_contain_their_values)
{
    size_t prev = 0;
    for (sim_ns v = 0; v < 5000000; v += 7) {
        size_t i = hist_index(v);
        cr_assert_geq(i, prev);
        prev = i;
        sim_ns lo, hi;
        hist_bucket_range(i, &lo, &hi);
        cr_assert(lo <= v && v < hi, "v=%ld not in [%ld,%ld)", (long)v, (long)lo, (long)hi);
    }
}

Test(hist, relative_error_is_under_one_percent_from_1us_to_1h)
{
    /* every bucket from 1 us to 1 h is at most 1/128 of its lower edge wide,
     * so its midpoint is within 0.4 % of any value in it */
    for (sim_ns v = US(1); v <= SEC(3600); v = v + v / 50 + 1) {
        sim_ns lo, hi;
        hist_bucket_range(hist_index(v), &lo, &hi);
        double mid = ((double)lo + (double)hi) / 2;
        cr_assert_lt(fabs(mid - (double)v) / (double)v, 0.01, "v=%ld", (long)v);
    }
}

static int cmp_ns(const void *a, const void *b)
{
    sim_ns x = *(const sim_ns *)a, y = *(const sim_ns *)b;
    return (x > y) - (x < y);
}

Test(hist, quantiles_match_exact_order_statistics_within_one_percent)
{
    static hist h;
    hist_reset(&h);
    enum { N = 200000 };
    static sim_ns v[N];
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    for (int i = 0; i < N; i++) {
        v[i] = (sim_ns)gsl_ran_lognormal(r, log(2e6), 1.5); /* ~2 ms, heavy tail */
        hist_add(&h, v[i]);
    }
    qsort(v, N, sizeof v[0], cmp_ns);
    double qs[] = {0.5, 0.9, 0.99, 0.999};
    for (int k = 0; k < 4; k++) {
        double exact = (double)v[(size_t)ceil(qs[k] * N) - 1];
        double got = hist_quantile(&h, qs[k]);
        cr_assert_lt(fabs(got - exact) / exact, 0.01, "q=%g exact=%g got=%g", qs[k], exact, got);
    }
    cr_assert_eq(hist_quantile(&h, 1), (double)v[N - 1]);
    cr_assert_eq(hist_quantile(&h, 0), (double)v[0]);
    gsl_rng_free(r);
}

Test(hist, merge_equals_recording_everything_in_one)
{
    static hist a, b, all;
    hist_reset(&a);
    hist_reset(&b);
    hist_reset(&all);
    for (sim_ns i = 1; i < 100000; i += 3) {
        hist_add(i % 2 ? &a : &b, i * 101);
        hist_add(&all, i * 101);
    }
    hist_merge(&a, &b);
    cr_assert_eq(a.count, all.count);
    cr_assert_eq(a.min, all.min);
    cr_assert_eq(a.max, all.max);
    for (size_t i = 0; i < HIST_BUCKETS; i++)
        cr_assert_eq(a.b[i], all.b[i]);
    cr_assert_eq(hist_quantile(&a, 0.99), hist_quantile(&all, 0.99));
}

Test(hist, empty_histogram_reports_nan)
{
    static hist h;
    hist_reset(&h);
    cr_assert(isnan(hist_quantile(&h, 0.5)));
    cr_assert(isnan(hist_mean(&h)));
}

typedef struct rec {
    stats *s;
    int id;
} rec;

static void add_ev(engine *e, void *obj, uint64_t u)
{
    (void)e;
    rec *r = obj;
    stats_add(r->s, (int)u, r->id, 1);
    stats_latency(r->s, (int)u, MS(10));
}

Test(stats, warmup_is_left_out_of_summaries_but_not_series)
{
    engine *e = eng_new(1);
    stats *s = stats_new(e, 2, SEC(5), SEC(1), SEC(10));
    rec r = {s, stats_counter(s, "requests.total")};
    for (int t = 0; t < 10; t++) /* one event per second on node 0, two on node 1 */
        for (int k = 0; k < 3; k++)
            eng_at(e, SEC(t) + MS(100 * k), add_ev, &r, k == 0 ? 0 : 1);
    eng_run_until(e, SEC(10));
    stats_finish(s);
    cr_assert_eq(stats_total(s, 0, r.id), 5, "node 0 after warm-up");
    cr_assert_eq(stats_total(s, 1, r.id), 10);
    cr_assert_eq(stats_total(s, -1, r.id), 15, "whole run = sum of nodes");
    cr_assert_eq(stats_nbuckets(s), 10u);
    for (size_t b = 0; b < 10; b++) {
        cr_assert_eq(stats_bucket(s, -1, r.id, b), 3);
        cr_assert_eq(stats_bucket_count(s, 1, b), 2u);
    }
    cr_assert_eq(stats_hist(s, -1)->count, 15u);
    double p50 = stats_bucket_quantile(s, -1, 9, 0.5);
    cr_assert_lt(fabs(p50 - 1e7) / 1e7, 0.01);
    stats_free(s);
    eng_free(e);
}

static void gauge_ev(engine *e, void *obj, uint64_t u)
{
    (void)e;
    rec *r = obj;
    stats_gauge_set(r->s, -1, r->id, (double)u);
}

Test(stats, gauges_keep_the_maximum_per_bucket_and_after_warmup)
{
    engine *e = eng_new(1);
    stats *s = stats_new(e, 1, SEC(2), SEC(1), SEC(4));
    rec r = {s, stats_gauge(s, "redis.backlog")};
    eng_at(e, MS(500), gauge_ev, &r, 50); /* during warm-up */
    eng_at(e, MS(2500), gauge_ev, &r, 7);
    eng_at(e, MS(2600), gauge_ev, &r, 3);
    eng_run_until(e, SEC(4));
    stats_finish(s);
    cr_assert_eq(stats_total(s, -1, r.id), 7);
    cr_assert_eq(stats_bucket(s, -1, r.id, 0), 50);
    cr_assert(isnan(stats_bucket(s, -1, r.id, 1)), "never set in bucket 1");
    cr_assert_eq(stats_bucket(s, -1, r.id, 2), 7);
    stats_free(s);
    eng_free(e);
}

Test(stats, batch_means_interval_covers_the_true_mean_of_iid_data)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    int covered = 0;
    static double x[20000];
    for (int rep = 0; rep < 200; rep++) {
        for (int i = 0; i < 20000; i++)
            x[i] = gsl_ran_exponential(r, 2.0);
        double m, h;
        batch_means_ci(x, 20000, 20, &m, &h);
        covered += fabs(m - 2.0) <= h;
    }
    /* a 95 % interval covers in about 190 of 200 repetitions */
    cr_assert(covered >= 180 && covered <= 199, "covered %d of 200", covered);
    gsl_rng_free(r);
}
