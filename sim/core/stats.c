/* stats.c — histograms, counters, gauges and time-series buckets (see
 * stats.h).  Memory is fixed at setup: per node (+1 for the whole run) one
 * summary histogram, one histogram for the bucket in progress, and per
 * bucket a value per declared metric plus three latency quantiles.
 * Buckets close lazily when time moves past them, so recording is O(1)
 * except for the quantile computation at each bucket close.
 */
#include "sim/core/stats.h"
#include "sim/core/metrics.h"

#include <assert.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NQ 3            /* per-bucket latency quantiles kept: p50, p90, p99 */
static const double BUCKET_Q[NQ] = {0.5, 0.9, 0.99};

/* ---- histogram ----------------------------------------------------------- */

size_t hist_index(sim_ns v)
{
    if (v < 0)
        v = 0;
    uint64_t u = (uint64_t)v;
    if (u < HIST_SUB)
        return (size_t)u;
    int e = 63 - __builtin_clzll(u); /* floor(log2 u) >= 7 */
    size_t idx = (size_t)(e - 6) * HIST_SUB + ((u >> (e - 7)) & (HIST_SUB - 1));
    return idx < HIST_BUCKETS ? idx : HIST_BUCKETS - 1;
}

void hist_bucket_range(size_t idx, sim_ns *lo, sim_ns *hi)
{
    if (idx < HIST_SUB) {
        *lo = (sim_ns)idx;
        *hi = (sim_ns)idx + 1;
        return;
    }
    int e = (int)(idx / HIST_SUB) + 6;
    uint64_t sub = idx % HIST_SUB;
    *lo = (sim_ns)((HIST_SUB + sub) << (e - 7));
    *hi = *lo + ((sim_ns)1 << (e - 7));
}

void hist_reset(hist *h)
{
    if (h->count)
        memset(&h->b[h->lo], 0, (h->hi - h->lo + 1) * sizeof h->b[0]);
    h->count = 0;
    h->sum = 0;
    h->min = SIM_NEVER;
    h->max = 0;
    h->lo = HIST_BUCKETS;
    h->hi = 0;
}

void hist_add(hist *h, sim_ns v)
{
    size_t i = hist_index(v);
    h->b[i]++;
    h->count++;
    h->sum += (double)v;
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
    if (i < h->lo)
        h->lo = (uint32_t)i;
    if (i > h->hi)
        h->hi = (uint32_t)i;
}

void hist_merge(hist *dst, const hist *src)
{
    if (!src->count)
        return;
    for (size_t i = src->lo; i <= src->hi; i++)
        dst->b[i] += src->b[i];
    dst->count += src->count;
    dst->sum += src->sum;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
    if (src->lo < dst->lo)
        dst->lo = src->lo;
    if (src->hi > dst->hi)
        dst->hi = src->hi;
}

double hist_quantile(const hist *h, double q)
{
    if (!h->count)
        return NAN;
    if (q <= 0)
        return (double)h->min;
    if (q >= 1)
        return (double)h->max;
    /* the smallest value with at least ceil(q * count) observations <= it */
    uint64_t rank = (uint64_t)ceil(q * (double)h->count);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (size_t i = h->lo; i <= h->hi; i++) {
        seen += h->b[i];
        if (seen >= rank) {
            sim_ns lo, hi;
            hist_bucket_range(i, &lo, &hi);
            double mid = hi - lo == 1 ? (double)lo : ((double)lo + (double)hi) / 2;
            if (mid < (double)h->min)
                mid = (double)h->min;
            if (mid > (double)h->max)
                mid = (double)h->max;
            return mid;
        }
    }
    return (double)h->max;
}

double hist_mean(const hist *h) { return h->count ? h->sum / (double)h->count : NAN; }

bool hist_add_bucket(hist *h, sim_ns lo, sim_ns hi, uint64_t n)
{
    if (n == 0 || lo < 0 || hi <= lo)
        return false;
    size_t i = hist_index(lo);
    sim_ns blo, bhi;
    hist_bucket_range(i, &blo, &bhi);
    if (blo != lo || bhi != hi)
        return false;
    /* the values are known to the bucket only: each counts as the bucket's
     * midpoint, so min, max and every quantile keep the 0.4 % bound */
    sim_ns mid = lo + (hi - lo) / 2;
    h->b[i] += n;
    h->count += n;
    h->sum += (double)n * (double)mid;
    if (mid < h->min)
        h->min = mid;
    if (mid > h->max)
        h->max = mid;
    if (i < h->lo)
        h->lo = (uint32_t)i;
    if (i > h->hi)
        h->hi = (uint32_t)i;
    return true;
}

void hist_to_rows(const hist *h, int node, const char *name, run_rows *r)
{
    for (size_t i = h->lo; h->count && i <= h->hi; i++)
        if (h->b[i]) {
            sim_ns lo, hi;
            hist_bucket_range(i, &lo, &hi);
            rows_hist(r, node, name, lo, hi, h->b[i]);
        }
}

void batch_means_ci(const double *x, size_t n, size_t nb, double *mean, double *half)
{
    assert(nb >= 2 && n >= nb);
    size_t per = n / nb;
    double *bm = cs_malloc(nb * sizeof *bm);
    for (size_t b = 0; b < nb; b++)
        bm[b] = gsl_stats_mean(x + b * per, 1, per);
    *mean = gsl_stats_mean(bm, 1, nb);
    double sd = gsl_stats_sd_m(bm, 1, nb, *mean);
    *half = gsl_cdf_tdist_Pinv(0.975, (double)(nb - 1)) * sd / sqrt((double)nb);
    free(bm);
}

/* The one confidence interval of the project (expect, compare, tune, sweep,
 * plots): mean, sample standard deviation and Student-t 95 % half-width of
 * the non-NaN values; NaN where undefined (no values; sd and half: < 2). */
void stats_mean_ci(const double *x, size_t n, double *mean, double *sd, double *half, size_t *used)
{
    size_t k = 0;
    double s = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i])) {
            s += x[i];
            k++;
        }
    double m = k ? s / (double)k : NAN, ss = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]))
            ss += (x[i] - m) * (x[i] - m);
    double sdev = k > 1 ? sqrt(ss / (double)(k - 1)) : NAN;
    if (mean)
        *mean = m;
    if (sd)
        *sd = sdev;
    if (half)
        *half = k > 1 ? gsl_cdf_tdist_Pinv(0.975, (double)(k - 1)) * sdev / sqrt((double)k) : NAN;
    if (used)
        *used = k;
}

/* ---- counters, gauges, buckets ------------------------------------------- */

/* The user requests of one node in flight, in start order (starts come in
 * time order, ends in any order): a ring from the oldest not yet ended
 * (head) to the next ticket (tail); ended ones are flagged and dropped once
 * they reach the head. */
typedef struct inflight {
    sim_ns *start;
    uint8_t *ended;
    uint64_t cap, head, tail; /* cap a power of two (or 0) */
    size_t seen;              /* buckets before it hold their final value */
    double *oldest;           /* [nbuckets] largest age (ns) of the oldest; NAN none */
} inflight;

typedef struct node_stats {
    double total[MET_N];
    inflight fl;
    hist whole; /* latency after warm-up */
    hist cur;   /* latency in the bucket in progress */
    double *bucket;   /* [nbuckets][MAX used metrics] */
    double *bucket_q; /* [nbuckets][NQ] */
    uint64_t *bucket_n;
} node_stats;

struct stats {
    const engine *e;
    int nodes;
    sim_ns warmup, interval;
    size_t nbuckets, cur_bucket;
    /* bucket_of's last answer: times in [memo_lo, memo_hi) map to memo_b
     * (saves a 64-bit division per counter update; empty until first use) */
    sim_ns memo_lo, memo_hi;
    size_t memo_b;
    bool declared[MET_N]; /* ids are sim/core/metrics.def's */
    node_stats *ns; /* nodes + 1; index nodes = whole run */
};

stats *stats_new(const engine *e, int nodes, sim_ns warmup, sim_ns interval, sim_ns end)
{
    assert(nodes >= 0 && interval > 0 && end >= 0);
    stats *s = cs_calloc(1, sizeof *s);
    s->e = e;
    s->nodes = nodes;
    s->warmup = warmup;
    s->interval = interval;
    s->nbuckets = (size_t)((end + interval - 1) / interval);
    if (s->nbuckets == 0)
        s->nbuckets = 1;
    s->ns = cs_calloc((size_t)nodes + 1, sizeof *s->ns);
    for (int i = 0; i <= nodes; i++) {
        node_stats *n = &s->ns[i];
        hist_reset(&n->whole);
        hist_reset(&n->cur);
        n->bucket_q = cs_malloc(s->nbuckets * NQ * sizeof(double));
        n->fl.oldest = cs_malloc(s->nbuckets * sizeof(double));
        for (size_t b = 0; b < s->nbuckets; b++)
            n->fl.oldest[b] = NAN;
        n->bucket_n = cs_calloc(s->nbuckets, sizeof(uint64_t));
        for (size_t b = 0; b < s->nbuckets * NQ; b++)
            n->bucket_q[b] = NAN;
    }
    return s;
}

void stats_free(stats *s)
{
    if (!s)
        return;
    for (int i = 0; i <= s->nodes; i++) {
        free(s->ns[i].bucket);
        free(s->ns[i].bucket_q);
        free(s->ns[i].bucket_n);
        free(s->ns[i].fl.start);
        free(s->ns[i].fl.ended);
        free(s->ns[i].fl.oldest);
    }
    free(s->ns);
    free(s);
}

int stats_find(const stats *s, const char *name)
{
    int id = metric_stat_id(name, NULL);
    return id >= 0 && s->declared[id] ? id : -1;
}

/* A model declares a counter or gauge by its name in sim/core/metrics.def;
 * any other name, or a counter declared as a gauge, is a bug in the model
 * (tests/test_metrics.c runs every config to catch it). */
static int declare(stats *s, const char *name, bool gauge)
{
    bool is_gauge = false;
    int id = metric_stat_id(name, &is_gauge);
    if (id < 0 || is_gauge != gauge) {
        fprintf(stderr, "cachestorm: internal error: %s \"%s\" is not in sim/core/metrics.def\n",
                gauge ? "gauge" : "counter", name);
        abort();
    }
    if (s->declared[id])
        return id;
    s->declared[id] = true;
    for (int i = 0; i <= s->nodes; i++) {
        node_stats *n = &s->ns[i];
        n->total[id] = gauge ? NAN : 0;
        /* buckets are laid out [bucket][MET_N]: allocate on first declare */
        if (!n->bucket)
            n->bucket = cs_malloc(s->nbuckets * MET_N * sizeof(double));
        for (size_t b = 0; b < s->nbuckets; b++)
            n->bucket[b * MET_N + id] = gauge ? NAN : 0;
    }
    return id;
}

int stats_counter(stats *s, const char *name) { return declare(s, name, false); }
int stats_gauge(stats *s, const char *name) { return declare(s, name, true); }

/* The bucket holding time t (times past the end go to the last bucket).
 * Updates of one bucket come in runs, so the last answer is kept and
 * reused while t stays in its interval. */
static inline size_t bucket_of(stats *s, sim_ns t)
{
    if (t >= s->memo_lo && t < s->memo_hi)
        return s->memo_b;
    size_t b = (size_t)(t / s->interval);
    if (b >= s->nbuckets) {
        b = s->nbuckets - 1;
        s->memo_lo = (sim_ns)b * s->interval;
        s->memo_hi = SIM_NEVER;
    } else {
        s->memo_lo = (sim_ns)b * s->interval;
        s->memo_hi = s->memo_lo + s->interval;
    }
    s->memo_b = b;
    return b;
}

/* Close buckets before `b`: record their latency quantiles. */
static void close_until(stats *s, size_t b)
{
    while (s->cur_bucket < b) {
        for (int i = 0; i <= s->nodes; i++) {
            node_stats *n = &s->ns[i];
            if (n->cur.count) {
                for (int q = 0; q < NQ; q++)
                    n->bucket_q[s->cur_bucket * NQ + q] = hist_quantile(&n->cur, BUCKET_Q[q]);
                n->bucket_n[s->cur_bucket] = n->cur.count;
                hist_reset(&n->cur);
            }
        }
        s->cur_bucket++;
    }
}

static inline void add_one(node_stats *n, int id, double v, size_t b, bool summary)
{
    n->bucket[b * MET_N + id] += v;
    if (summary)
        n->total[id] += v;
}

void stats_add(stats *s, int node, int id, double v)
{
    assert(node >= -1 && node < s->nodes && id >= 0 && id < MET_N && s->declared[id] &&
           metric_table[id].kind == MK_COUNTER);
    sim_ns now = eng_now(s->e);
    size_t b = bucket_of(s, now);
    bool summary = now >= s->warmup;
    if (node >= 0)
        add_one(&s->ns[node], id, v, b, summary);
    add_one(&s->ns[s->nodes], id, v, b, summary);
}

static inline void gauge_one(node_stats *n, int id, double v, size_t b, bool summary)
{
    double *x = &n->bucket[b * MET_N + id];
    if (isnan(*x) || v > *x)
        *x = v;
    if (summary && (isnan(n->total[id]) || v > n->total[id]))
        n->total[id] = v;
}

void stats_gauge_set(stats *s, int node, int id, double v)
{
    assert(node >= -1 && node < s->nodes && id >= 0 && id < MET_N && s->declared[id] &&
           metric_table[id].kind != MK_COUNTER);
    sim_ns now = eng_now(s->e);
    size_t b = bucket_of(s, now);
    bool summary = now >= s->warmup;
    gauge_one(&s->ns[node >= 0 ? node : s->nodes], id, v, b, summary);
}

void stats_latency(stats *s, int node, sim_ns latency)
{
    assert(node >= -1 && node < s->nodes);
    sim_ns now = eng_now(s->e);
    size_t b = bucket_of(s, now);
    if (b > s->cur_bucket)
        close_until(s, b);
    bool summary = now >= s->warmup;
    node_stats *w = &s->ns[s->nodes];
    hist_add(&w->cur, latency);
    if (summary)
        hist_add(&w->whole, latency);
    if (node >= 0) {
        hist_add(&s->ns[node].cur, latency);
        if (summary)
            hist_add(&s->ns[node].whole, latency);
    }
}

/* ---- requests in flight -------------------------------------------------- */

static void fl_note(inflight *f, size_t b, double age)
{
    if (isnan(f->oldest[b]) || age > f->oldest[b])
        f->oldest[b] = age;
}

/* Give every bucket before b its end-of-bucket age of the oldest request
 * (nothing changed in between: every start and end calls in here); the
 * end of the last bucket is now at the latest (the run's end). */
static void fl_advance(const stats *s, inflight *f, size_t b)
{
    sim_ns now = eng_now(s->e);
    for (; f->seen < b; f->seen++)
        if (f->head < f->tail) {
            sim_ns end = (sim_ns)(f->seen + 1) * s->interval;
            if (end > now)
                end = now;
            fl_note(f, f->seen, (double)(end - f->start[f->head & (f->cap - 1)]));
        }
}

uint32_t stats_inflight_begin(stats *s, int node)
{
    assert(node >= 0 && node < s->nodes);
    inflight *f = &s->ns[node].fl;
    sim_ns now = eng_now(s->e);
    fl_advance(s, f, bucket_of(s, now));
    if (f->tail - f->head == f->cap) { /* full: double, keeping start order */
        uint64_t cap = f->cap ? 2 * f->cap : 64;
        sim_ns *st = cs_malloc(cap * sizeof *st);
        uint8_t *en = cs_malloc(cap * sizeof *en);
        for (uint64_t q = f->head; q < f->tail; q++) {
            st[q & (cap - 1)] = f->start[q & (f->cap - 1)];
            en[q & (cap - 1)] = f->ended[q & (f->cap - 1)];
        }
        free(f->start);
        free(f->ended);
        f->start = st;
        f->ended = en;
        f->cap = cap;
    }
    f->start[f->tail & (f->cap - 1)] = now;
    f->ended[f->tail & (f->cap - 1)] = 0;
    return (uint32_t)f->tail++;
}

void stats_inflight_end(stats *s, int node, uint32_t ticket32)
{
    assert(node >= 0 && node < s->nodes);
    inflight *f = &s->ns[node].fl;
    uint64_t ticket = f->head + (uint32_t)(ticket32 - (uint32_t)f->head);
    assert(ticket >= f->head && ticket < f->tail && !f->ended[ticket & (f->cap - 1)]);
    sim_ns now = eng_now(s->e);
    size_t b = bucket_of(s, now);
    fl_advance(s, f, b);
    if (ticket == f->head)
        fl_note(f, b, (double)(now - f->start[ticket & (f->cap - 1)]));
    f->ended[ticket & (f->cap - 1)] = 1;
    while (f->head < f->tail && f->ended[f->head & (f->cap - 1)])
        f->head++;
}

double stats_bucket_oldest(const stats *s, int node, size_t b)
{
    assert(node >= -1 && node < s->nodes && b < s->nbuckets);
    if (node >= 0)
        return s->ns[node].fl.oldest[b];
    double v = NAN;
    for (int i = 0; i < s->nodes; i++) {
        double x = s->ns[i].fl.oldest[b];
        if (!isnan(x) && (isnan(v) || x > v))
            v = x;
    }
    return v;
}

void stats_finish(stats *s)
{
    close_until(s, s->nbuckets);
    for (int i = 0; i < s->nodes; i++)
        fl_advance(s, &s->ns[i].fl, s->nbuckets);
}

void stats_hist_rows(const stats *s, run_rows *r)
{
    hist_to_rows(&s->ns[s->nodes].whole, -1, "latency", r);
    for (int i = 0; i < s->nodes; i++)
        hist_to_rows(&s->ns[i].whole, i, "latency", r);
}

size_t stats_nbuckets(const stats *s) { return s->nbuckets; }
bool stats_counting(const stats *s)
{
    return eng_now(s->e) >= s->warmup;
}

sim_ns stats_interval(const stats *s) { return s->interval; }

static const node_stats *node_of(const stats *s, int node)
{
    assert(node >= -1 && node < s->nodes);
    return &s->ns[node >= 0 ? node : s->nodes];
}

double stats_total(const stats *s, int node, int id)
{
    assert(id >= 0 && id < MET_N && s->declared[id]);
    return node_of(s, node)->total[id];
}

double stats_bucket(const stats *s, int node, int id, size_t b)
{
    assert(id >= 0 && id < MET_N && s->declared[id] && b < s->nbuckets);
    return node_of(s, node)->bucket[b * MET_N + id];
}

const hist *stats_hist(const stats *s, int node) { return &node_of(s, node)->whole; }

double stats_bucket_quantile(const stats *s, int node, size_t b, double q)
{
    assert(b < s->nbuckets);
    for (int i = 0; i < NQ; i++)
        if (fabs(BUCKET_Q[i] - q) < 1e-12)
            return node_of(s, node)->bucket_q[b * NQ + i];
    assert(!"bucket quantile not kept (0.5, 0.9, 0.99 are)");
    return NAN;
}

uint64_t stats_bucket_count(const stats *s, int node, size_t b)
{
    assert(b < s->nbuckets);
    return node_of(s, node)->bucket_n[b];
}
