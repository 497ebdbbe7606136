/* verdict.c — the regression verdict of one metric (see verdict.h); moved
 * from sim/cli/cmd_compare.c unchanged in substance. */
#include "sim/report/verdict.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/common.h"
#include "sim/core/stats.h"

const char *const cmp_verdict_names[7] = {"same",          "better",  "WORSE",     "changed",
                                          "differs (n<2)", "missing", "negligible"};

/* The practical floor of a change by unit: below it a significant change is
 * "negligible" and never WORSE (settable with compare --min-abs UNIT=VALUE). */
const double cmp_min_abs_default[MU_CONN + 1] = {
    [MU_COUNT] = 1, [MU_MS] = 0.01, [MU_S] = 0.01, [MU_RATIO] = 0.001,
    [MU_PER_S] = 0.1, [MU_WORKERS] = 1, [MU_CONN] = 1};

void cmp_thresholds_default(cmp_thresholds *th)
{
    memset(th, 0, sizeof *th);
    th->alpha = 0.05;
    th->min_change = 1;
    memcpy(th->min_abs, cmp_min_abs_default, sizeof th->min_abs);
}

/* Both sides ran exactly the same seeds, each once, all values defined:
 * then d[i] = candidate - baseline of seed i (common random numbers). */
static bool pair_up(const double *b, const int64_t *sb, size_t nb, const double *c,
                    const int64_t *sc, size_t nc, double *d)
{
    if (nb != nc || nb < 2)
        return false;
    for (size_t i = 0; i < nb; i++) {
        size_t hits = 0, at = 0;
        for (size_t j = 0; j < nc; j++)
            if (sc[j] == sb[i]) {
                hits++;
                at = j;
            }
        for (size_t j = 0; j < i; j++)
            if (sb[j] == sb[i])
                return false; /* a seed twice */
        if (hits != 1 || isnan(b[i]) || isnan(c[at]))
            return false;
        d[i] = c[at] - b[i];
    }
    return true;
}

/* Compare one metric of one scenario.  Significant (p < alpha: a paired
 * t-test on the differences when both sides ran the same seeds, else
 * Welch's) AND practical (at least min_change % of the baseline mean and at
 * least the unit's absolute floor) makes BETTER / WORSE / changed; a
 * significant change below the practical size is "negligible", never WORSE.
 * With no variance on either side a difference is exact (p = 0). */
void cmp_judge(cmp_result *r, const char *metric, const double *b, const int64_t *seeds_b,
               size_t nb, const double *c, const int64_t *seeds_c, size_t nc,
               const cmp_thresholds *th)
{
    memset(r, 0, sizeof *r);
    double sb, sc;
    stats_mean_ci(b, nb, &r->mb, &sb, &r->hb, &r->nb);
    stats_mean_ci(c, nc, &r->mc, &sc, &r->hc, &r->nc);
    r->p = NAN;
    r->change = r->mb != 0 ? (r->mc - r->mb) / fabs(r->mb) : (r->mc == 0 ? 0 : NAN);
    if (r->nb == 0 || r->nc == 0) {
        r->v = CMP_MISSING;
        return;
    }
    if (r->mb == r->mc && (r->nb < 2 || r->nc < 2 || (sb == 0 && sc == 0))) {
        r->v = CMP_SAME;
        r->p = 1;
        return;
    }
    if (r->nb < 2 || r->nc < 2) {
        r->v = CMP_UNTESTED;
        return;
    }
    double *d = cs_calloc(nb + 1, sizeof *d);
    r->paired = pair_up(b, seeds_b, nb, c, seeds_c, nc, d);
    if (r->paired) {
        double md, sdd;
        stats_mean_ci(d, nb, &md, &sdd, NULL, NULL);
        if (sdd == 0)
            r->p = md == 0 ? 1 : 0; /* every seed moved by exactly the same amount */
        else
            r->p = 2 * gsl_cdf_tdist_Q(fabs(md / (sdd / sqrt((double)nb))), (double)(nb - 1));
    } else {
        double vb = sb * sb / (double)r->nb, vc = sc * sc / (double)r->nc, se = sqrt(vb + vc);
        if (se == 0) {
            r->p = 0; /* no noise at all and the means differ */
        } else {
            double t = (r->mc - r->mb) / se;
            double df = (vb + vc) * (vb + vc) /
                        ((vb > 0 ? vb * vb / (double)(r->nb - 1) : 0) +
                         (vc > 0 ? vc * vc / (double)(r->nc - 1) : 0));
            r->p = 2 * gsl_cdf_tdist_Q(fabs(t), df);
        }
    }
    free(d);
    if (r->p >= th->alpha) {
        r->v = CMP_SAME;
        return;
    }
    const metric_info *mi = metric_lookup(metric);
    double floor_abs = mi ? th->min_abs[mi->unit] : 0;
    bool big = (isnan(r->change) || fabs(r->change) * 100 >= th->min_change) &&
               fabs(r->mc - r->mb) >= floor_abs;
    if (!big) {
        r->v = CMP_SMALL;
        return;
    }
    metric_better dir = metric_direction(metric);
    if (dir == MB_NEITHER)
        r->v = CMP_CHANGED;
    else
        r->v = (r->mc < r->mb) == (dir == MB_LOWER) ? CMP_BETTER : CMP_WORSE;
}

