/* dist.h — random distributions for service times, latencies and think
 * times, all drawn through GSL.  A family of kinds behind a registry table
 * (STYLE.md rule 4): adding a kind is one entry in dist.c's table.
 *
 * Values are doubles in the unit of the parameters; durations are given in
 * nanoseconds (the config loader converts "5ms" before calling dist_init).
 * Kinds and parameter keys (config: {dist: KIND, KEY: VALUE, ...}):
 *   constant    value
 *   uniform     min max
 *   exponential mean
 *   normal      mean sd            (truncated at 0 by redrawing)
 *   lognormal   median p99  |  mu sigma  (of ln value)
 *   gamma       shape scale
 *   weibull     shape scale
 *   pareto      shape scale        (scale = minimum value)
 *   empirical   points: [[value, cdf], ...]  (piecewise-linear CDF, last cdf 1)
 */
#ifndef CS_DIST_H
#define CS_DIST_H

#include <gsl/gsl_rng.h>

#include "sim/core/common.h"

#define DIST_MAX_PARAMS 4

typedef struct dist_kind dist_kind;

typedef struct dist {
    const dist_kind *kind;
    double p[DIST_MAX_PARAMS]; /* kind-specific, normalised by init */
    size_t n;                  /* empirical: number of points */
    double *x, *cdf;           /* empirical points (owned) */
} dist;

struct dist_kind {
    const char *name;
    /* Parameter keys this kind accepts, NULL-terminated; scaled[i] says the
     * key carries the value's unit (a duration for time distributions). */
    const char *keys[2 * DIST_MAX_PARAMS + 1];
    bool scaled[2 * DIST_MAX_PARAMS];
    /* Validate keys/values (given in any order) and fill d->p. */
    int (*init)(dist *d, int n, const char *const *keys, const double *vals, cs_err *err);
    double (*sample)(const dist *d, gsl_rng *r);
    double (*mean)(const dist *d);
};

/* The kind named `name`, or NULL; dist_kind_names lists all for messages. */
const dist_kind *dist_find(const char *name);
const char *dist_kind_names(void); /* "constant, uniform, ..." */

/* Initialise d as `kind` from n key/value pairs; on error fills err (code 2)
 * with a message naming the key.  Empirical points go through dist_init_empirical. */
int dist_init(dist *d, const char *kind, int n, const char *const *keys, const double *vals,
              cs_err *err);
int dist_init_empirical(dist *d, size_t n, const double *x, const double *cdf, cs_err *err);
/* A constant distribution (convenience for defaults and tests). */
dist dist_constant(double value);
void dist_free(dist *d);
/* Deep copy (empirical points duplicated). */
void dist_copy(dist *dst, const dist *src);

double dist_sample(const dist *d, gsl_rng *r);
/* A duration draw: rounded to whole ns, never negative. */
sim_ns dist_sample_ns(const dist *d, gsl_rng *r);
double dist_mean(const dist *d);

#endif
