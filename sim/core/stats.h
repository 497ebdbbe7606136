/* stats.h — what a run measures: a fixed-memory, mergeable log-bucketed
 * histogram (HDR-style: 128 sub-buckets per power of two, relative error of
 * a reported quantile <= 0.4 % from 128 ns to 2.4 h); named counters and
 * gauges, kept per node and for the whole run, both as a summary (events at
 * or after warm-up only) and per time-series bucket (the whole run); and the
 * latency histogram of user requests, whole-run and per bucket.
 *
 * Recording to node i also records to the whole run; recording to node -1
 * records to the whole run only (shared resources: Redis, the database).
 * Counters and gauges are declared by their name in the metric table
 * (sim/core/metrics.def; any other name is a bug and stops the process) at
 * setup: stats_counter / stats_gauge return the table's id, and recording is
 * then an array add.
 */
#ifndef CS_STATS_H
#define CS_STATS_H

#include "sim/core/common.h"
#include "sim/core/engine.h"
#include "sim/core/rows.h"

#define HIST_SUB 128
#define HIST_BUCKETS (37 * HIST_SUB) /* values up to 2^43 ns (~2.4 h); larger clamp */

typedef struct hist {
    uint64_t count;
    double sum; /* ns */
    sim_ns min, max;
    uint32_t lo, hi; /* range of non-empty buckets, for cheap reset */
    uint64_t b[HIST_BUCKETS];
} hist;

void hist_reset(hist *h);
void hist_add(hist *h, sim_ns v);
void hist_merge(hist *dst, const hist *src);
/* Quantile q in [0,1] in ns (bucket midpoint, exact min/max at the ends); NAN if empty. */
double hist_quantile(const hist *h, double q);
double hist_mean(const hist *h); /* exact mean (ns) of recorded values; NAN if empty */
/* Bucket index of v and the [lo, hi) range of a bucket (exposed for tests). */
size_t hist_index(sim_ns v);
void hist_bucket_range(size_t idx, sim_ns *lo, sim_ns *hi);

/* Add n observations to the bucket [lo, hi) as a stored `hist` row gives it
 * (sim/store/store_read.c rebuilds a histogram this way): each value counts
 * as the bucket's midpoint (min, max and sum too), so every quantile of the
 * rebuilt histogram is within 0.4 % of the original's.  false (nothing added) when
 * [lo, hi) is not a bucket of this layout or n is 0. */
bool hist_add_bucket(hist *h, sim_ns lo, sim_ns hi, uint64_t n);
/* Append one row per non-empty bucket of h to r (table `hist`). */
void hist_to_rows(const hist *h, int node, const char *name, run_rows *r);

/* Mean and 95 % confidence half-width by the method of batch means
 * (Student t over nb batches of consecutive observations). */
void batch_means_ci(const double *x, size_t n, size_t nb, double *mean, double *half);

/* Mean, sample sd and 95 % Student-t half-width of the non-NaN values of x
 * (NaN where undefined); *used = how many values counted.  Any out-pointer
 * may be NULL.  The project's one CI: expect, compare, tune, sweep, plots. */
void stats_mean_ci(const double *x, size_t n, double *mean, double *sd, double *half,
                   size_t *used);

typedef struct stats stats;

/* nodes >= 0; buckets of `interval` cover [0, end). */
stats *stats_new(const engine *e, int nodes, sim_ns warmup, sim_ns interval, sim_ns end);
void stats_free(stats *s);

int stats_counter(stats *s, const char *name); /* declare (or find) a counter */
int stats_gauge(stats *s, const char *name);   /* declare (or find) a gauge */
int stats_find(const stats *s, const char *name); /* id or -1 */

void stats_add(stats *s, int node, int id, double v);       /* counter += v at now */
void stats_gauge_set(stats *s, int node, int id, double v); /* gauge = v at now (max kept) */
void stats_latency(stats *s, int node, sim_ns latency);     /* a finished user request */
/* Close every time-series bucket up to now (call once at the end of a run). */
void stats_finish(stats *s);

size_t stats_nbuckets(const stats *s);
sim_ns stats_interval(const stats *s);
/* True from the end of the warm-up on: what counters and gauges add now
 * counts in the whole-run totals. */
bool stats_counting(const stats *s);
/* Summary after warm-up: counter sum, or gauge maximum (NAN if never set). */
double stats_total(const stats *s, int node, int id);
/* Per bucket: counter sum in the bucket, or gauge maximum (NAN if never set). */
double stats_bucket(const stats *s, int node, int id, size_t b);
/* Latency: whole-run histogram after warm-up; per-bucket quantile (NAN if empty). */
const hist *stats_hist(const stats *s, int node);
double stats_bucket_quantile(const stats *s, int node, size_t b, double q);
uint64_t stats_bucket_count(const stats *s, int node, size_t b);
/* The `hist` rows of a run: the whole-run latency histogram (node -1) and
 * each node's, after warm-up, under the name "latency". */
void stats_hist_rows(const stats *s, run_rows *r);

/* Requests in flight (node >= 0): stats_inflight_begin when a user request
 * starts returns a ticket (modulo 2^32: fewer than 2^32 requests of a node
 * may be in flight at once), stats_inflight_end(ticket) when it ends for
 * its user (answered, failed, or given up at the client timeout).  Per bucket the age of the oldest request in flight is
 * kept at its largest (at a request's end or at the bucket's end), so an
 * outage in which nothing completes still reads as latency rising.  Memory
 * is a ring of 9 bytes per request started since the oldest one still in
 * flight (ended ones leave only when they reach its head): a request that
 * never ends (no client timeout, a hung dependency) keeps every later one
 * there, e.g. 54 MB for 10,000 requests/s over 10 minutes. */
uint32_t stats_inflight_begin(stats *s, int node);
void stats_inflight_end(stats *s, int node, uint32_t ticket);
/* Largest age (ns) of the oldest request in flight during bucket b; for
 * node -1 the largest over the nodes; NAN when nothing was in flight. */
double stats_bucket_oldest(const stats *s, int node, size_t b);

#endif
