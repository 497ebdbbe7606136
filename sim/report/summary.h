/* summary.h — "what happened" in a run, in a few plain lines (faults,
 * impact window, failed requests, breaker timing relative to the fault,
 * recovery, the saturated resource and the metrics that show it), printed
 * by `run`, `show` and the report before their tables. */
#ifndef CS_SUMMARY_H
#define CS_SUMMARY_H

#include <stdio.h>

#include "sim/core/rows.h"

/* Print the summary of one run's rows (params, metrics, series,
 * transitions); title names the run ("run 3 default"), or NULL. */
void summary_print(FILE *f, const run_rows *r, const char *title);
/* A count with thousands separators ("150,312"); "-" for NaN. */
void summary_count(char *buf, size_t n, double v);

#endif
