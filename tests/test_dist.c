/* test_dist.c — every distribution kind: parameter validation, and the
 * sample mean of 2e5 draws against the closed-form mean. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "sim/core/dist.h"
#include "sim/core/engine.h"

typedef struct dcase {
    const char *kind;
    int n;
    const char *keys[4];
    double vals[4];
    double mean; /* expected closed-form mean */
} dcase;

static const dcase CASES[] = {
    {"constant", 1, {"value"}, {5e6}, 5e6},
    {"uniform", 2, {"min", "max"}, {1e6, 3e6}, 2e6},
    {"exponential", 1, {"mean"}, {1e6}, 1e6},
    {"normal", 2, {"mean", "sd"}, {10e6, 2e6}, 10e6},
    {"lognormal", 2, {"median", "p99"}, {100e3, 1e6}, NAN}, /* mean checked via dist_mean */
    {"lognormal", 2, {"mu", "sigma"}, {13.0, 0.5}, 501320.05}, /* exp(13 + 0.5^2/2) */
    {"gamma", 2, {"shape", "scale"}, {2.0, 1e6}, 2e6},
    {"weibull", 2, {"shape", "scale"}, {1.0, 1e6}, 1e6},
    {"pareto", 2, {"shape", "scale"}, {3.0, 1e6}, 1.5e6},
};

Test(dist, sample_means_match_closed_forms_within_one_percent)
{
    engine *e = eng_new(3);
    gsl_rng *r = eng_rng(e, "dist");
    for (size_t c = 0; c < sizeof CASES / sizeof CASES[0]; c++) {
        const dcase *k = &CASES[c];
        dist d;
        cs_err err = {0};
        cr_assert_eq(dist_init(&d, k->kind, k->n, k->keys, k->vals, &err), 0, "%s: %s", k->kind,
                     err.msg);
        double want = isnan(k->mean) ? dist_mean(&d) : k->mean;
        cr_assert_lt(fabs(dist_mean(&d) - want) / want, 1e-3, "%s closed form", k->kind);
        double sum = 0;
        for (int i = 0; i < 200000; i++) {
            double x = dist_sample(&d, r);
            cr_assert_geq(x, 0, "%s drew a negative value", k->kind);
            sum += x;
        }
        double got = sum / 200000;
        cr_assert_lt(fabs(got - want) / want, 0.01, "%s: mean %g, want %g", k->kind, got, want);
    }
    eng_free(e);
}

Test(dist, lognormal_median_and_p99_are_where_asked)
{
    engine *e = eng_new(5);
    gsl_rng *r = eng_rng(e, "dist");
    dist d;
    const char *keys[] = {"median", "p99"};
    double vals[] = {100e3, 1e6};
    cr_assert_eq(dist_init(&d, "lognormal", 2, keys, vals, NULL), 0);
    int below_med = 0, below_p99 = 0;
    for (int i = 0; i < 200000; i++) {
        double x = dist_sample(&d, r);
        below_med += x <= 100e3;
        below_p99 += x <= 1e6;
    }
    cr_assert_lt(fabs(below_med / 200000.0 - 0.5), 0.005);
    cr_assert_lt(fabs(below_p99 / 200000.0 - 0.99), 0.002);
    eng_free(e);
}

Test(dist, empirical_inverse_cdf_interpolates_between_points)
{
    engine *e = eng_new(9);
    gsl_rng *r = eng_rng(e, "dist");
    double x[] = {1e6, 2e6, 10e6}, cdf[] = {0.0, 0.5, 1.0};
    dist d;
    cr_assert_eq(dist_init_empirical(&d, 3, x, cdf, NULL), 0);
    double sum = 0;
    int below2 = 0;
    for (int i = 0; i < 200000; i++) {
        double v = dist_sample(&d, r);
        cr_assert(v >= 1e6 && v <= 10e6);
        below2 += v <= 2e6;
        sum += v;
    }
    cr_assert_lt(fabs(below2 / 200000.0 - 0.5), 0.005);
    cr_assert_lt(fabs(sum / 200000 - dist_mean(&d)) / dist_mean(&d), 0.01);
    dist_free(&d);
    eng_free(e);
}

typedef struct bad {
    const char *kind;
    int n;
    const char *keys[3];
    double vals[3];
    const char *msg;
} bad;

static const bad BAD[] = {
    {"lognormal", 1, {"median"}, {1}, "needs 'p99'"},
    {"lognormal", 2, {"median", "p99"}, {10, 5}, "'p99' must be >= 'median'"},
    {"exponential", 1, {"mean"}, {0}, "'mean' must be > 0"},
    {"exponential", 1, {"avg"}, {1}, "has no parameter 'avg'"},
    {"uniform", 2, {"min", "max"}, {5, 1}, "min <= max"},
    {"normal", 2, {"mean", "sd"}, {-10, 1}, "mass is above 0"},
    {"gauss", 0, {0}, {0}, "unknown distribution 'gauss'"},
    {"empirical", 0, {0}, {0}, "points"},
};

Test(dist, bad_parameters_are_named_in_the_error)
{
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        dist d;
        cs_err err = {0};
        cr_assert_eq(dist_init(&d, BAD[i].kind, BAD[i].n, BAD[i].keys, BAD[i].vals, &err), CS_USAGE);
        cr_assert(strstr(err.msg, BAD[i].msg), "case %zu: '%s' lacks '%s'", i, err.msg, BAD[i].msg);
    }
    double x[] = {2, 1}, cdf[] = {0.5, 1};
    dist d;
    cs_err err = {0};
    cr_assert_eq(dist_init_empirical(&d, 2, x, cdf, &err), CS_USAGE);
    double x2[] = {1, 2}, cdf2[] = {0.5, 0.9};
    cr_assert_eq(dist_init_empirical(&d, 2, x2, cdf2, &err), CS_USAGE);
    cr_assert(strstr(err.msg, "last cdf must be 1"));
}
