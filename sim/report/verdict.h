/* verdict.h — the regression verdict of one metric of one scenario: both
 * means with 95 % Student-t intervals, the change, the p-value (paired
 * t-test on common seeds, else Welch's) and BETTER / WORSE / ... knowing
 * which way is good for the metric (the metric table's direction).  The
 * pure function behind `cachestorm compare` (sim/cli/cmd_compare.c), the
 * report's verdicts and the compare picture's marks; moved here from
 * sim/cli so that sim/report may call it (tests/test_layers.c). */
#ifndef CS_VERDICT_H
#define CS_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/core/metrics.h"

typedef enum {
    CMP_SAME,
    CMP_BETTER,
    CMP_WORSE,
    CMP_CHANGED,
    CMP_UNTESTED,
    CMP_MISSING,
    CMP_SMALL
} cmp_verdict;
/* "same", "better", "WORSE", "changed", "differs (n<2)", "missing", "negligible" */
extern const char *const cmp_verdict_names[7];

typedef struct cmp_thresholds {
    double alpha;      /* significance level */
    double min_change; /* percent of the baseline mean */
    double min_abs[MU_CONN + 1];
} cmp_thresholds;
/* The practical floor of a change by unit (count 1, ms 0.01, s 0.01, ratio
 * 0.001, per_s 0.1, workers 1, connections 1): below it a significant
 * change is "negligible", never WORSE. */
extern const double cmp_min_abs_default[MU_CONN + 1];
/* alpha 0.05, min_change 1 %, cmp_min_abs_default. */
void cmp_thresholds_default(cmp_thresholds *th);

typedef struct cmp_result {
    size_t nb, nc;
    double mb, hb, mc, hc; /* means and CI half-widths */
    double change;         /* relative, NAN when the baseline is 0 */
    double p;              /* two-sided, NAN when untested */
    bool paired;           /* paired t-test on the same seeds, else Welch */
    cmp_verdict v;
} cmp_result;

/* Judge `metric`: baseline values b (seeds seeds_b) against candidate
 * values c.  Significant (p < alpha) AND practical (at least min_change %
 * of the baseline mean and the unit's floor) makes BETTER / WORSE /
 * changed; a significant change below the practical size is "negligible",
 * never WORSE.  With no variance on either side a difference is exact. */
void cmp_judge(cmp_result *r, const char *metric, const double *b, const int64_t *seeds_b,
               size_t nb, const double *c, const int64_t *seeds_c, size_t nc,
               const cmp_thresholds *th);

#endif
