/* dist.c — the distribution kinds (see dist.h), each a row of the registry
 * table at the bottom: init (validate and normalise parameters), sample
 * (through GSL's samplers), mean (closed form, used by validation tests).
 * Lognormal by median and p99: mu = ln(median), sigma = (ln p99 − mu)/z99
 * with z99 = gsl_cdf_ugaussian_Pinv(0.99).  Normal is truncated at 0 by
 * redrawing (its mean is then the truncated mean, computed in closed form).
 */
#include "sim/core/dist.h"

#include <assert.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Find key `k` among the n given keys; returns its index or -1. */
static int key_index(int n, const char *const *keys, const char *k)
{
    for (int i = 0; i < n; i++)
        if (strcmp(keys[i], k) == 0)
            return i;
    return -1;
}

/* Fetch required parameter `k` into *out; error names the kind and key. */
static int need(const char *kind, int n, const char *const *keys, const double *vals,
                const char *k, double *out, cs_err *err)
{
    int i = key_index(n, keys, k);
    if (i < 0)
        return cs_errf(err, CS_USAGE, "%s distribution needs '%s'", kind, k);
    if (!isfinite(vals[i]))
        return cs_errf(err, CS_USAGE, "%s distribution: '%s' must be a finite number", kind, k);
    *out = vals[i];
    return 0;
}

static int positive(const char *kind, const char *k, double v, cs_err *err)
{
    return v > 0 ? 0 : cs_errf(err, CS_USAGE, "%s distribution: '%s' must be > 0", kind, k);
}

static int init_constant(dist *d, int n, const char *const *k, const double *v, cs_err *err)
{
    if (need("constant", n, k, v, "value", &d->p[0], err))
        return CS_USAGE;
    return d->p[0] >= 0 ? 0 : cs_errf(err, CS_USAGE, "constant distribution: 'value' must be >= 0");
}
static double sample_constant(const dist *d, gsl_rng *r) { (void)r; return d->p[0]; }
static double mean_constant(const dist *d) { return d->p[0]; }

static int init_uniform(dist *d, int n, const char *const *k, const double *v, cs_err *err)
{
    if (need("uniform", n, k, v, "min", &d->p[0], err) ||
        need("uniform", n, k, v, "max", &d->p[1], err))
        return CS_USAGE;
    if (d->p[0] < 0 || d->p[1] < d->p[0])
        return cs_errf(err, CS_USAGE, "uniform distribution: need 0 <= min <= max");
    return 0;
}
static double sample_uniform(const dist *d, gsl_rng *r)
{
    return d->p[0] + (d->p[1] - d->p[0]) * gsl_rng_uniform(r);
}
static double mean_uniform(const dist *d) { return (d->p[0] + d->p[1]) / 2; }

static int init_exponential(dist *d, int n, const char *const *k, const double *v, cs_err *err)
{
    if (need("exponential", n, k, v, "mean", &d->p[0], err))
        return CS_USAGE;
    return positive("exponential", "mean", d->p[0], err);
}
static double sample_exponential(const dist *d, gsl_rng *r) { return gsl_ran_exponential(r, d->p[0]); }
static double mean_exponential(const dist *d) { return d->p[0]; }

static int init_normal(dist *d, int n, const char *const *k, const double *v, cs_err *err)
{
    if (need("normal", n, k, v, "mean", &d->p[0], err) ||
        need("normal", n, k, v, "sd", &d->p[1], err))
        return CS_USAGE;
    if (d->p[1] < 0)
        return cs_errf(err, CS_USAGE, "normal distribution: 'sd' must be >= 0");
    if (d->p[0] <= 0 && d->p[1] == 0)
        return cs_errf(err, CS_USAGE, "normal distribution: 'mean' must be > 0 when sd is 0");
    if (d->p[1] > 0 && gsl_cdf_ugaussian_Q(-d->p[0] / d->p[1]) < 1e-3)
        return cs_errf(err, CS_USAGE,
                       "normal distribution: less than 0.1%% of the mass is above 0; raise 'mean'");
    return 0;
}
static double sample_normal(const dist *d, gsl_rng *r)
{
    if (d->p[1] == 0)
        return d->p[0];
    for (;;) { /* truncated at 0 by redrawing; init guarantees mass above 0 */
        double x = d->p[0] + gsl_ran_gaussian_ziggurat(r, d->p[1]);
        if (x >= 0)
            return x;
    }
}
static double mean_normal(const dist *d)
{
    if (d->p[1] == 0)
        return d->p[0];
    double a = -d->p[0] / d->p[1]; /* truncated mean: mu + sd * phi(a) / (1 - Phi(a)) */
    return d->p[0] + d->p[1] * gsl_ran_ugaussian_pdf(a) / gsl_cdf_ugaussian_Q(a);
}

static int init_lognormal(dist *d, int n, const char *const *k, const double *v, cs_err *err)
{
    if (key_index(n, k, "median") >= 0 || key_index(n, k, "p99") >= 0) {
        double med, p99;
        if (need("lognormal", n, k, v, "median", &med, err) ||
            need("lognormal", n, k, v, "p99", &p99, err) ||
            positive("lognormal", "median", med, err))
            return CS_USAGE;
        if (p99 < med)
            return cs_errf(err, CS_USAGE, "lognormal distribution: 'p99' must be >= 'median'");
        d->p[0] = log(med);
        d->p[1] = (log(p99) - d->p[0]) / gsl_cdf_ugaussian_Pinv(0.99);
    } else {
        if (need("lognormal", n, k, v, "mu", &d->p[0], err) ||
            need("lognormal", n, k, v, "sigma", &d->p[1], err))
            return CS_USAGE;
        if (d->p[1] < 0)
            return cs_errf(err, CS_USAGE, "lognormal distribution: 'sigma' must be >= 0");
    }
    return 0;
}
static double sample_lognormal(const dist *d, gsl_rng *r)
{
    return d->p[1] == 0 ? exp(d->p[0]) : gsl_ran_lognormal(r, d->p[0], d->p[1]);
}
static double mean_lognormal(const dist *d) { return exp(d->p[0] + d->p[1] * d->p[1] / 2); }

static int init_shape_scale(const char *kind, dist *d, int n, const char *const *k,
                            const double *v, cs_err *err)
{
    if (need(kind, n, k, v, "shape", &d->p[0], err) || need(kind, n, k, v, "scale", &d->p[1], err) ||
        positive(kind, "shape", d->p[0], err) || positive(kind, "scale", d->p[1], err))
        return CS_USAGE;
    return 0;
}
static int init_gamma(dist *d, int n, const char *const *k, const double *v, cs_err *err)
{
    return init_shape_scale("gamma", d, n, k, v, err);
}
static double sample_gamma(const dist *d, gsl_rng *r) { return gsl_ran_gamma(r, d->p[0], d->p[1]); }
static double mean_gamma(const dist *d) { return d->p[0] * d->p[1]; }

static int init_weibull(dist *d, int n, const char *const *k, const double *v, cs_err *err)
{
    return init_shape_scale("weibull", d, n, k, v, err);
}
/* GSL's weibull takes (a = scale, b = shape). */
static double sample_weibull(const dist *d, gsl_rng *r) { return gsl_ran_weibull(r, d->p[1], d->p[0]); }
static double mean_weibull(const dist *d) { return d->p[1] * gsl_sf_gamma(1 + 1 / d->p[0]); }

static int init_pareto(dist *d, int n, const char *const *k, const double *v, cs_err *err)
{
    return init_shape_scale("pareto", d, n, k, v, err);
}
/* GSL's pareto takes (a = shape, b = scale = minimum). */
static double sample_pareto(const dist *d, gsl_rng *r) { return gsl_ran_pareto(r, d->p[0], d->p[1]); }
static double mean_pareto(const dist *d)
{
    return d->p[0] > 1 ? d->p[0] * d->p[1] / (d->p[0] - 1) : INFINITY;
}

static int init_empirical(dist *d, int n, const char *const *k, const double *v, cs_err *err)
{
    (void)d, (void)n, (void)k, (void)v;
    return cs_errf(err, CS_USAGE, "empirical distribution needs 'points: [[value, cdf], ...]'");
}
/* Inverse CDF with linear interpolation between points; mass below the
 * first point's cdf sits at the first value. */
static double sample_empirical(const dist *d, gsl_rng *r)
{
    double u = gsl_rng_uniform(r);
    size_t lo = 0, hi = d->n - 1;
    if (u <= d->cdf[0])
        return d->x[0];
    while (hi - lo > 1) { /* binary search: cdf[lo] < u <= cdf[hi] */
        size_t mid = (lo + hi) / 2;
        if (d->cdf[mid] < u)
            lo = mid;
        else
            hi = mid;
    }
    double f = (u - d->cdf[lo]) / (d->cdf[hi] - d->cdf[lo]);
    return d->x[lo] + f * (d->x[hi] - d->x[lo]);
}
static double mean_empirical(const dist *d)
{
    double m = d->x[0] * d->cdf[0];
    for (size_t i = 1; i < d->n; i++)
        m += (d->cdf[i] - d->cdf[i - 1]) * (d->x[i] + d->x[i - 1]) / 2;
    return m;
}

/* The registry: adding a kind is one row (STYLE.md rule 4). */
static const dist_kind KINDS[] = {
    {"constant", {"value", NULL}, {true}, init_constant, sample_constant, mean_constant},
    {"uniform", {"min", "max", NULL}, {true, true}, init_uniform, sample_uniform, mean_uniform},
    {"exponential", {"mean", NULL}, {true}, init_exponential, sample_exponential, mean_exponential},
    {"normal", {"mean", "sd", NULL}, {true, true}, init_normal, sample_normal, mean_normal},
    {"lognormal", {"median", "p99", "mu", "sigma", NULL}, {true, true, false, false},
     init_lognormal, sample_lognormal, mean_lognormal},
    {"gamma", {"shape", "scale", NULL}, {false, true}, init_gamma, sample_gamma, mean_gamma},
    {"weibull", {"shape", "scale", NULL}, {false, true}, init_weibull, sample_weibull, mean_weibull},
    {"pareto", {"shape", "scale", NULL}, {false, true}, init_pareto, sample_pareto, mean_pareto},
    {"empirical", {"points", NULL}, {true}, init_empirical, sample_empirical, mean_empirical},
};

const dist_kind *dist_find(const char *name)
{
    for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++)
        if (strcmp(KINDS[i].name, name) == 0)
            return &KINDS[i];
    return NULL;
}

const char *dist_kind_names(void)
{
    return "constant, uniform, exponential, normal, lognormal, gamma, weibull, pareto, empirical";
}

int dist_init(dist *d, const char *kind, int n, const char *const *keys, const double *vals,
              cs_err *err)
{
    memset(d, 0, sizeof *d);
    const dist_kind *k = dist_find(kind);
    if (!k)
        return cs_errf(err, CS_USAGE, "unknown distribution '%s' (one of: %s)", kind,
                       dist_kind_names());
    for (int i = 0; i < n; i++) {
        bool known = false;
        for (int j = 0; k->keys[j]; j++)
            known |= strcmp(k->keys[j], keys[i]) == 0;
        if (!known)
            return cs_errf(err, CS_USAGE, "%s distribution has no parameter '%s'", kind, keys[i]);
    }
    d->kind = k;
    int rc = k->init(d, n, keys, vals, err);
    if (rc)
        d->kind = NULL;
    return rc;
}

int dist_init_empirical(dist *d, size_t n, const double *x, const double *cdf, cs_err *err)
{
    memset(d, 0, sizeof *d);
    if (n < 1)
        return cs_errf(err, CS_USAGE, "empirical distribution needs at least one point");
    for (size_t i = 0; i < n; i++) {
        if (!(x[i] >= 0) || !(cdf[i] >= 0 && cdf[i] <= 1))
            return cs_errf(err, CS_USAGE,
                           "empirical point %zu: need value >= 0 and 0 <= cdf <= 1", i + 1);
        if (i > 0 && (x[i] < x[i - 1] || cdf[i] <= cdf[i - 1]))
            return cs_errf(err, CS_USAGE,
                           "empirical point %zu: values must not decrease and cdf must increase",
                           i + 1);
    }
    if (cdf[n - 1] != 1)
        return cs_errf(err, CS_USAGE, "empirical distribution: the last cdf must be 1");
    d->kind = dist_find("empirical");
    d->n = n;
    d->x = memcpy(cs_malloc(n * sizeof *x), x, n * sizeof *x);
    d->cdf = memcpy(cs_malloc(n * sizeof *cdf), cdf, n * sizeof *cdf);
    return 0;
}

dist dist_constant(double value)
{
    dist d = {0};
    d.kind = dist_find("constant");
    d.p[0] = value;
    return d;
}

void dist_free(dist *d)
{
    free(d->x);
    free(d->cdf);
    d->x = d->cdf = NULL;
    d->n = 0;
}

void dist_copy(dist *dst, const dist *src)
{
    *dst = *src;
    if (src->n) {
        dst->x = memcpy(cs_malloc(src->n * sizeof *src->x), src->x, src->n * sizeof *src->x);
        dst->cdf =
            memcpy(cs_malloc(src->n * sizeof *src->cdf), src->cdf, src->n * sizeof *src->cdf);
    }
}

double dist_sample(const dist *d, gsl_rng *r)
{
    assert(d->kind);
    return d->kind->sample(d, r);
}

sim_ns dist_sample_ns(const dist *d, gsl_rng *r)
{
    double x = d->kind->sample(d, r);
    if (!(x > 0))
        return 0;
    if (x >= 9.2e18)
        return SIM_NEVER;
    return (sim_ns)llround(x);
}

double dist_mean(const dist *d) { return d->kind->mean(d); }
