/* test_queue.c — proof that the engine is right: the built-in M/G/c queue
 * against closed forms (M/M/1, M/M/c by Erlang C, M/D/1 by
 * Pollaczek–Khinchine) within the 95 % batch-means confidence interval over
 * 10^6 customers, and against a second method on the same random numbers
 * (Lindley's recursion gives identical sojourn times). */
#include <criterion/criterion.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>

#include "models/queue.h"

typedef struct sample {
    double *x;
    size_t n, cap;
    sim_ns warmup;
    sim_ns *arr, *dep; /* optional raw times */
} sample;

static void collect(void *ctx, sim_ns arrival, sim_ns end)
{
    sample *s = ctx;
    if (arrival < s->warmup)
        return;
    cs_grow((void **)&s->x, &s->cap, s->n + 1, sizeof *s->x);
    s->x[s->n++] = (double)(end - arrival) / 1e9;
}

/* Run the queue and return mean sojourn with its 95 % CI half-width. */
static void run_queue(int c, double lambda, dist svc, uint64_t customers, uint64_t seed,
                      double *mean, double *half, size_t *n)
{
    sample s = {.warmup = SEC(10)};
    queue_params p = {.servers = c, .arrival_rate = lambda, .service = svc, .warmup = SEC(10),
                      .capacity = INT64_MAX,
                      .interval = SEC(1), .on_depart = collect, .ctx = &s};
    p.duration = p.warmup + (sim_ns)((double)customers / lambda * 1e9);
    cs_err err = {0};
    cr_assert_eq(queue_run(&p, seed, NULL, NULL, &err), 0, "%s", err.msg);
    cr_assert_geq(s.n, customers * 99 / 100, "only %zu customers", s.n);
    batch_means_ci(s.x, s.n, 30, mean, half);
    *n = s.n;
    free(s.x);
}

static dist expo(double mean_s)
{
    dist d;
    const char *k[] = {"mean"};
    double v[] = {mean_s * 1e9};
    cr_assert_eq(dist_init(&d, "exponential", 1, k, v, NULL), 0);
    return d;
}

Test(queue, mm1_mean_sojourn_matches_theory_at_rho_0_5, .timeout = 120)
{
    double m, h;
    size_t n;
    run_queue(1, 500, expo(1e-3), 1000000, 1, &m, &h, &n);
    double theory = 1 / (1000.0 - 500.0);
    cr_assert_leq(fabs(m - theory), h, "mean %g +- %g vs %g (n=%zu)", m, h, theory, n);
    cr_assert_lt(h / theory, 0.02, "CI too wide to mean anything: %g", h / theory);
}

Test(queue, mm1_mean_sojourn_matches_theory_at_rho_0_9, .timeout = 120)
{
    double m, h;
    size_t n;
    run_queue(1, 900, expo(1e-3), 2000000, 2, &m, &h, &n);
    double theory = 1 / (1000.0 - 900.0);
    cr_assert_leq(fabs(m - theory), h, "mean %g +- %g vs %g", m, h, theory);
    cr_assert_lt(h / theory, 0.05);
}

Test(queue, mmc_mean_sojourn_matches_erlang_c, .timeout = 120)
{
    double m, h;
    size_t n;
    /* c = 8 servers, rho = 0.85 */
    run_queue(8, 6800, expo(1e-3), 1500000, 3, &m, &h, &n);
    double theory = queue_mmc_sojourn(8, 6800, 1000);
    cr_assert_leq(fabs(m - theory), h, "mean %g +- %g vs Erlang C %g", m, h, theory);
}

Test(queue, md1_mean_sojourn_matches_pollaczek_khinchine, .timeout = 120)
{
    double m, h;
    size_t n;
    run_queue(1, 800, dist_constant(1e6), 1000000, 4, &m, &h, &n);
    double theory = queue_mg1_sojourn(800, 1e-3, 1e-6);
    cr_assert_leq(fabs(m - theory), h, "mean %g +- %g vs P-K %g", m, h, theory);
}

Test(queue, erlang_c_reduces_to_mm1_for_one_server)
{
    cr_assert_float_eq(queue_erlang_c(1, 500, 1000), 0.5, 1e-12);
    cr_assert_float_eq(queue_mmc_sojourn(1, 500, 1000), 1.0 / 500, 1e-12);
    /* a textbook value: c=2, a=1 -> C = 1/3 */
    cr_assert_float_eq(queue_erlang_c(2, 1, 1), 1.0 / 3, 1e-12);
    cr_assert(isnan(queue_mmc_sojourn(2, 3, 1)), "unstable queue has no mean");
}

/* Lindley on the same streams: D_n = max(D_{n-1}, A_n) + S_n. */
typedef struct times {
    sim_ns *a, *d;
    size_t n, cap_a, cap_d;
} times;

static void keep_times(void *ctx, sim_ns arrival, sim_ns end)
{
    times *t = ctx;
    cs_grow((void **)&t->a, &t->cap_a, t->n + 1, sizeof *t->a);
    cs_grow((void **)&t->d, &t->cap_d, t->n + 1, sizeof *t->d);
    t->a[t->n] = arrival;
    t->d[t->n++] = end;
}

Test(queue, des_equals_lindley_recursion_on_the_same_random_numbers)
{
    times t = {0};
    queue_params p = {.servers = 1, .arrival_rate = 900, .service = expo(1e-3),
                      .capacity = INT64_MAX, .duration = SEC(200), .interval = SEC(1), .on_depart = keep_times,
                      .ctx = &t};
    cr_assert_eq(queue_run(&p, 11, NULL, NULL, NULL), 0);
    cr_assert_gt(t.n, 150000u);
    engine *e = eng_new(11); /* same run seed => same named streams */
    gsl_rng *ra = eng_rng(e, "queue.arrivals"), *rs = eng_rng(e, "queue.service");
    sim_ns a = 0, d = 0;
    for (size_t i = 0; i < t.n; i++) {
        a += (sim_ns)llround(gsl_ran_exponential(ra, 1e9 / 900));
        sim_ns s = dist_sample_ns(&p.service, rs);
        d = (d > a ? d : a) + s;
        cr_assert_eq(t.a[i], a, "arrival %zu", i);
        cr_assert_eq(t.d[i], d, "departure %zu: DES %ld, Lindley %ld", i, (long)t.d[i], (long)d);
    }
    eng_free(e);
    free(t.a);
    free(t.d);
}

Test(queue, same_seed_gives_identical_rows_and_another_seed_does_not)
{
    queue_params p = {.servers = 2, .arrival_rate = 1500, .service = expo(1e-3),
                      .capacity = INT64_MAX, .duration = SEC(20), .warmup = SEC(2), .interval = SEC(1)};
    run_rows r1 = {0}, r2 = {0}, r3 = {0};
    cr_assert_eq(queue_run(&p, 5, &r1, NULL, NULL), 0);
    cr_assert_eq(queue_run(&p, 5, &r2, NULL, NULL), 0);
    cr_assert_eq(queue_run(&p, 6, &r3, NULL, NULL), 0);
    cr_assert_eq(r1.metrics.n, r2.metrics.n);
    cr_assert_eq(r1.series.n, r2.series.n);
    for (size_t i = 0; i < r1.metrics.n; i++)
        cr_assert(r1.metrics.v[i].value == r2.metrics.v[i].value ||
                  (isnan(r1.metrics.v[i].value) && isnan(r2.metrics.v[i].value)));
    for (size_t i = 0; i < r1.series.n; i++)
        cr_assert(r1.series.v[i].value == r2.series.v[i].value ||
                  (isnan(r1.series.v[i].value) && isnan(r2.series.v[i].value)));
    cr_assert_neq(rows_get_metric(&r1, -1, "latency.mean_ms"),
                  rows_get_metric(&r3, -1, "latency.mean_ms"));
    rows_free(&r1);
    rows_free(&r2);
    rows_free(&r3);
}

Test(queue, mm1k_loss_probability_matches_the_closed_form)
{
    /* M/M/1/K with K = 5 in the system (1 in service + 4 waiting), rho = 0.9:
     * P(loss) = (1 - rho) rho^K / (1 - rho^(K+1)) */
    queue_params p = {.servers = 1, .arrival_rate = 900, .service = expo(1e-3), .capacity = 4,
                      .duration = SEC(1000), .interval = SEC(10)};
    queue_result res;
    cr_assert_eq(queue_run(&p, 21, NULL, &res, NULL), 0);
    double rho = 0.9, want = (1 - rho) * pow(rho, 5) / (1 - pow(rho, 6));
    double got = (double)res.lost / (double)res.arrived;
    double se = sqrt(want * (1 - want) / (double)res.arrived) * 3; /* losses are correlated: 3x */
    cr_assert_lt(fabs(got - want), 4 * se, "loss %g vs %g", got, want);
}

Test(queue, lifo_keeps_the_mean_but_widens_the_tail)
{
    double fifo_m, fifo_h, lifo_m, lifo_h;
    size_t n;
    run_queue(1, 800, expo(1e-3), 400000, 8, &fifo_m, &fifo_h, &n);
    sample s = {.warmup = SEC(10)};
    queue_params p = {.servers = 1, .arrival_rate = 800, .service = expo(1e-3), .lifo = true,
                      .capacity = INT64_MAX, .warmup = SEC(10), .interval = SEC(1),
                      .on_depart = collect, .ctx = &s};
    p.duration = p.warmup + SEC(500);
    cr_assert_eq(queue_run(&p, 8, NULL, NULL, NULL), 0);
    batch_means_ci(s.x, s.n, 30, &lifo_m, &lifo_h);
    cr_assert_leq(fabs(lifo_m - 1 / 200.0), lifo_h, "LIFO mean %g +- %g", lifo_m, lifo_h);
    double maxf = 0;
    for (size_t i = 0; i < s.n; i++)
        maxf = s.x[i] > maxf ? s.x[i] : maxf;
    cr_assert_gt(maxf, 20 * (1 / 200.0), "LIFO's longest sojourn should dwarf the mean");
    free(s.x);
}
