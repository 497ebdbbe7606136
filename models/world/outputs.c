/* outputs.c — the run's rows from its stats (world_impl.h): every metric of
 * the table (sim/core/metrics.def), overall (node -1) and per node, the
 * derived figures (latency quantiles, ratios, recovery times) and the series.
 *
 * Series gauges (breaker.open, pool.queue, redis.backlog, redis.up) are set
 * when they change and sampled once per interval; a bucket with no sample
 * carries the previous bucket's value.  Overall gauges: breaker.open is the
 * fraction of nodes open, pool.queue and redis.backlog are sums over nodes,
 * peaks are maxima over nodes.
 */
#include <math.h>
#include <string.h>

#include "models/world/world_impl.h"
#include "sim/core/metrics.h"
#include "sim/core/stats.h"

static double total_or_zero(const stats *s, int node, const char *name)
{
    int id = stats_find(s, name);
    if (id < 0)
        return 0;
    double v = stats_total(s, node, id);
    return isnan(v) ? 0 : v;
}

static double gauge_max(const stats *s, int node, const char *name)
{
    int id = stats_find(s, name);
    return id < 0 ? NAN : stats_total(s, node, id);
}

/* Every COUNTER and PEAK metric of the table (sim/core/metrics.def) for
 * `node` (-1: the whole run): counters 0 when never counted; a peak is its
 * gauge's maximum, for the whole run the largest node's (0 if never set). */
static void table_metrics(world *w, int node)
{
    const stats *s = w->st;
    for (int m = 0; m < MET_N_METRICS; m++) {
        const metric_info *mi = &metric_table[m];
        if (mi->scope == MS_QUEUE || (mi->scope == MS_RUN && node >= 0))
            continue;
        if (mi->kind == MK_COUNTER) {
            rows_metric(w->rows, node, mi->name, total_or_zero(s, node, mi->name));
        } else if (mi->kind == MK_PEAK) {
            double v = gauge_max(s, node, mi->from);
            if (node < 0 && mi->scope == MS_BOTH) {
                v = NAN;
                for (int i = 0; i < w->nn; i++) {
                    double x = gauge_max(s, i, mi->from);
                    if (!isnan(x) && (isnan(v) || x > v))
                        v = x;
                }
            }
            rows_metric(w->rows, node, mi->name, isnan(v) ? 0 : v);
        }
    }
}

static void latency_metrics(run_rows *rows, const stats *s, int node)
{
    const hist *h = stats_hist(s, node);
    static const struct { const char *name; double q; } Q[] = {
        {"latency.p50_ms", 0.5}, {"latency.p90_ms", 0.9}, {"latency.p99_ms", 0.99},
        {"latency.p999_ms", 0.999}};
    rows_metric(rows, node, "latency.mean_ms", h->count ? hist_mean(h) / 1e6 : NAN);
    for (size_t i = 0; i < sizeof Q / sizeof Q[0]; i++)
        rows_metric(rows, node, Q[i].name, h->count ? hist_quantile(h, Q[i].q) / 1e6 : NAN);
    rows_metric(rows, node, "latency.max_ms", h->count ? (double)h->max / 1e6 : NAN);
}

/* recovery_s (INTERFACES.md): after the last fault ends, the time until the
 * 10 s rolling p99 (max of the bucket p99s in the window) and error rate
 * are within 1.5x of the pre-fault baseline (mean over post-warm-up buckets
 * before the first fault).  NAN when there is no fault or no recovery. */
static double recovery_s(const world *w)
{
    const stats *s = w->st;
    const config *c = w->cfg;
    if (!w->ft || faults_first_start(w->ft) == SIM_NEVER)
        return NAN;
    sim_ns t0 = faults_first_start(w->ft), t1 = faults_last_end(w->ft);
    if (t1 == SIM_NEVER || t1 >= c->duration)
        return NAN;
    size_t nb = stats_nbuckets(s);
    sim_ns iv = stats_interval(s);
    int id_tot = stats_find(s, "requests.total"), id_err = stats_find(s, "requests.error");
    double p99_sum = 0, req = 0, errs = 0;
    int nbase = 0;
    for (size_t b = 0; b < nb; b++) {
        sim_ns start = (sim_ns)b * iv;
        if (start < c->warmup || start + iv > t0)
            continue;
        double q = stats_bucket_quantile(s, -1, b, 0.99);
        if (!isnan(q)) {
            p99_sum += q;
            nbase++;
        }
        req += stats_bucket(s, -1, id_tot, b);
        errs += stats_bucket(s, -1, id_err, b);
    }
    if (!nbase)
        return NAN;
    double base_p99 = p99_sum / nbase, base_err = req > 0 ? errs / req : 0;
    size_t win = (size_t)((SEC(10) + iv - 1) / iv);
    if (win < 1)
        win = 1;
    size_t first = (size_t)((t1 + iv - 1) / iv);
    for (size_t end = first + win; end <= nb; end++) {
        double mx = 0, r = 0, er = 0;
        for (size_t b = end - win; b < end; b++) {
            double q = stats_bucket_quantile(s, -1, b, 0.99);
            if (!isnan(q) && q > mx)
                mx = q;
            r += stats_bucket(s, -1, id_tot, b);
            er += stats_bucket(s, -1, id_err, b);
        }
        double rate = r > 0 ? er / r : 0;
        if (r > 0 && mx <= 1.5 * base_p99 && rate <= 1.5 * base_err + 1e-9)
            return ns_to_s((sim_ns)(end * (size_t)iv) - t1);
    }
    return NAN;
}

/* ---- story outputs (seeds 003 and 004) -------------------------------------- */

/* get_or_set lookups answered by a cache level, per bucket or overall: (L1
 * hits + L2 hits) / lookups (each lookup counts one L1 hit or miss).  A
 * coalesced waiter served by another caller's factory counts as a miss. */
static double hit_ratio_of(double l1h, double l1m, double l2h)
{
    return l1h + l1m > 0 ? (l1h + l2h) / (l1h + l1m) : NAN;
}

static double bucket_sum(const stats *s, int id, size_t b)
{
    if (id < 0)
        return 0;
    double v = stats_bucket(s, -1, id, b);
    return isnan(v) ? 0 : v;
}

/* Seed 004's recovery and load figures, around the faults [t0, t1):
 *   cache.hit_ratio_before   hit ratio over post-warm-up buckets before t0
 *   hit_recovery_s           t1 (Redis back) -> the end of the first bucket
 *                            whose hit ratio is >= 90 % of the one before
 *                            (NULL if never, or no fault ends in the run)
 *   db.rps_before            mean database calls/s in those buckets
 *   db.peak_rps_fault        peak bucket database calls/s during [t0, t1)
 *   db.peak_rps_after        peak bucket database calls/s from t1 on: the
 *                            load spike after a cold restart
 *   db.extra_calls_after     database calls above db.rps_before from t1 to
 *                            the end of the hit-ratio recovery bucket (to the
 *                            end of the run if it never recovers) */
static void recovery_metrics(world *w)
{
    const stats *s = w->st;
    const config *c = w->cfg;
    run_rows *rows = w->rows;
    sim_ns t0 = w->ft ? faults_first_start(w->ft) : SIM_NEVER;
    sim_ns t1 = w->ft ? faults_last_end(w->ft) : SIM_NEVER;
    double nan = NAN;
    double before = nan, db_before = nan, db_fault = nan, db_after = nan, rec = nan, extra = nan;
    if (t0 != SIM_NEVER) {
        size_t nb = stats_nbuckets(s);
        sim_ns iv = stats_interval(s);
        double ivs = ns_to_s(iv);
        int h1 = stats_find(s, "l1.hit"), m1 = stats_find(s, "l1.miss"), h2 = stats_find(s, "l2.hit");
        int db = stats_find(s, "db.calls");
        double sh = 0, sm = 0, s2 = 0, sdb = 0;
        size_t nbase = 0;
        for (size_t b = 0; b < nb; b++) {
            sim_ns start = (sim_ns)b * iv;
            double d = bucket_sum(s, db, b) / ivs;
            if (start >= c->warmup && start + iv <= t0) {
                sh += bucket_sum(s, h1, b), sm += bucket_sum(s, m1, b), s2 += bucket_sum(s, h2, b);
                sdb += d;
                nbase++;
            } else if (start >= t0 && (t1 == SIM_NEVER || start < t1)) {
                db_fault = isnan(db_fault) || d > db_fault ? d : db_fault;
            } else if (t1 != SIM_NEVER && start >= t1) {
                db_after = isnan(db_after) || d > db_after ? d : db_after;
            }
        }
        if (nbase) {
            before = hit_ratio_of(sh, sm, s2);
            db_before = sdb / (double)nbase;
        }
        if (!isnan(before) && t1 != SIM_NEVER && t1 < c->duration) {
            for (size_t b = (size_t)(t1 / iv); b < nb; b++) {
                double r = hit_ratio_of(bucket_sum(s, h1, b), bucket_sum(s, m1, b), bucket_sum(s, h2, b));
                double x = bucket_sum(s, db, b) - db_before * ivs;
                extra = (isnan(extra) ? 0 : extra) + (x > 0 ? x : 0);
                if (!isnan(r) && r >= 0.9 * before) {
                    rec = ns_to_s((sim_ns)(b + 1) * iv - t1);
                    break;
                }
            }
        }
    }
    rows_metric(rows, -1, "cache.hit_ratio_before", before);
    rows_metric(rows, -1, "hit_recovery_s", rec);
    rows_metric(rows, -1, "db.rps_before", db_before);
    rows_metric(rows, -1, "db.peak_rps_fault", db_fault);
    rows_metric(rows, -1, "db.peak_rps_after", db_after);
    rows_metric(rows, -1, "db.extra_calls_after", extra);
}

/* redis.reconnected_after_s (seed 004): the last fault end (Redis back) ->
 * the node's L2 ("cache") interactive connection connected again, read from
 * the connection transitions; whole run: the slowest node.  NULL when no
 * fault ends in the run or a node never reconnects after it. */
static void reconnect_metric(world *w)
{
    sim_ns t1 = w->ft ? faults_last_end(w->ft) : SIM_NEVER;
    double worst = -1;
    for (int i = 0; i < w->nn; i++) {
        double v = NAN;
        for (size_t k = 0; t1 != SIM_NEVER && k < w->rows->transitions.n; k++) {
            const transition_row *t = &w->rows->transitions.v[k];
            if (t->node == i && t->t_ns >= t1 && strcmp(t->component, "connection") == 0 &&
                strcmp(t->to_state, "connected") == 0 && strncmp(t->reason, "cache.interactive", 17) == 0) {
                v = ns_to_s(t->t_ns - t1);
                break;
            }
        }
        rows_metric(w->rows, i, "redis.reconnected_after_s", v);
        worst = isnan(v) || isnan(worst) ? NAN : (v > worst ? v : worst);
    }
    rows_metric(w->rows, -1, "redis.reconnected_after_s", w->nn && worst >= 0 ? worst : NAN);
}

/* Seed 003's breaker figures for one node (-1: the whole run = the earliest
 * first open, the largest spans):
 *   breaker.first_open_s     first fault start -> first breaker open
 *   l2.fail_latency.min_ms / max_ms   durations of failed L2 calls, as the
 *                            breaker recorded them (HCL: 3000 + 3 x (3000 +
 *                            1500) = 16.5 s with the pool free)
 *   l1.outage_old_hit_s      the latest hit, after an outage-mode start, on
 *                            an L1 entry inserted before that start (HCL:
 *                            <= maxTimeToLiveWithRemoteOutage, 300 s) */
static void breaker_story_metrics(world *w, int node)
{
    sim_ns t0 = w->ft ? faults_first_start(w->ft) : SIM_NEVER;
    sim_ns first = -1, fmin = -1, fmax = -1, old = -1;
    for (int i = 0; i < w->nn; i++) {
        const struct node *n = &w->nodes[i];
        if (node >= 0 && i != node)
            continue;
        if (n->br_first_open >= 0 && (first < 0 || n->br_first_open < first))
            first = n->br_first_open;
        if (n->l2_fail_min >= 0 && (fmin < 0 || n->l2_fail_min < fmin))
            fmin = n->l2_fail_min;
        if (n->l2_fail_max > fmax)
            fmax = n->l2_fail_max;
        if (n->outage_old_hit > old)
            old = n->outage_old_hit;
    }
    run_rows *rows = w->rows;
    rows_metric(rows, node, "breaker.first_open_s",
                first >= 0 && t0 != SIM_NEVER ? ns_to_s(first - t0) : NAN);
    rows_metric(rows, node, "l2.fail_latency.min_ms", fmin >= 0 ? (double)fmin / 1e6 : NAN);
    rows_metric(rows, node, "l2.fail_latency.max_ms", fmax >= 0 ? (double)fmax / 1e6 : NAN);
    rows_metric(rows, node, "l1.outage_old_hit_s", old >= 0 ? ns_to_s(old) : NAN);
}

/* Ratios the stories report (seed 004): of user requests (fallback.ratio:
 * database fallbacks per request), and of L2 calls. */
static void ratio_metrics(world *w, int node)
{
    const stats *s = w->st;
    run_rows *rows = w->rows;
    double tot = total_or_zero(s, node, "requests.total");
    double ok = total_or_zero(s, node, "requests.ok"), err = total_or_zero(s, node, "requests.error");
    double fb = total_or_zero(s, node, "fallback.calls");
    double calls = total_or_zero(s, node, "l2.calls"), fail = total_or_zero(s, node, "l2.failures");
    /* of the requests that ended after warm-up (ok and error are exclusive;
     * requests.total counts arrivals, which straddle the warm-up edge) */
    double ended = ok + err;
    rows_metric(rows, node, "requests.success_ratio", ended > 0 ? ok / ended : NAN);
    rows_metric(rows, node, "requests.error_ratio", ended > 0 ? err / ended : NAN);
    rows_metric(rows, node, "fallback.ratio", tot > 0 ? fb / tot : NAN);
    rows_metric(rows, node, "l2.success_ratio", calls > 0 ? (calls - fail) / calls : NAN);
    rows_metric(rows, node, "cache.hit_ratio",
                hit_ratio_of(total_or_zero(s, node, "l1.hit"), total_or_zero(s, node, "l1.miss"),
                             total_or_zero(s, node, "l2.hit")));
}

void world_emit_metrics(world *w)
{
    stats *s = w->st;
    run_rows *rows = w->rows;
    for (int node = -1; node < w->nn; node++) {
        table_metrics(w, node);
        latency_metrics(rows, s, node);
        double hits = total_or_zero(s, node, "l1.hit"), miss = total_or_zero(s, node, "l1.miss");
        rows_metric(rows, node, "l1.hit_ratio", hits + miss > 0 ? hits / (hits + miss) : NAN);
        ratio_metrics(w, node);
        breaker_story_metrics(w, node);
    }
    recovery_metrics(w);
    reconnect_metric(w);
    rows_metric(rows, -1, "recovery_s", recovery_s(w));
    size_t flows = 0;
    for (int i = 0; i < w->nn; i++)
        flows += w->nodes[i].flows_peak;
    rows_metric(rows, -1, "sim.flows_peak", (double)flows);
}

/* A gauge's bucket value, carrying the last seen value over empty buckets. */
static double carry(const stats *s, int node, int id, size_t b, double *last)
{
    if (id < 0)
        return NAN;
    double v = stats_bucket(s, node, id, b);
    if (isnan(v))
        return *last;
    *last = v;
    return v;
}

void world_emit_series(world *w)
{
    stats *s = w->st;
    run_rows *rows = w->rows;
    size_t nb = stats_nbuckets(s);
    double iv = ns_to_s(stats_interval(s));
    /* rps = requests that ENDED in the bucket (ok + error, both counted at
     * the end), like errors and the latency quantiles: requests.total counts
     * starts, which in a stampede all fall in the first second. */
    int id_ok = stats_find(s, "requests.ok"), id_err = stats_find(s, "requests.error");
    int id_stale = stats_find(s, "requests.stale"), id_hit = stats_find(s, "l1.hit");
    int id_miss = stats_find(s, "l1.miss"), id_db = stats_find(s, "db.calls");
    int id_h2 = stats_find(s, "l2.hit");
    int id_up = stats_find(s, "redis.up"), id_br = stats_find(s, "breaker.open");
    int id_bl = stats_find(s, "redis.backlog"), id_pq = stats_find(s, "pool.queue");
    double *last = cs_calloc((size_t)w->nn * 3 + 1, sizeof *last);
    double last_up = 1;
    for (size_t b = 0; b < nb; b++) {
        double t = (double)b * iv;
        double sum_br = 0, sum_bl = 0, sum_pq = 0;
        for (int node = -1; node < w->nn; node++) {
            double err = id_err >= 0 ? stats_bucket(s, node, id_err, b) : 0;
            double tot = (id_ok >= 0 ? stats_bucket(s, node, id_ok, b) : 0) + err;
            double st = id_stale >= 0 ? stats_bucket(s, node, id_stale, b) : 0;
            double h = id_hit >= 0 ? stats_bucket(s, node, id_hit, b) : 0;
            double m = id_miss >= 0 ? stats_bucket(s, node, id_miss, b) : 0;
            double db = id_db >= 0 ? stats_bucket(s, node, id_db, b) : 0;
            rows_series(rows, node, t, "rps", tot / iv);
            rows_series(rows, node, t, "errors", err);
            rows_series(rows, node, t, "latency.p50_ms", stats_bucket_quantile(s, node, b, 0.5) / 1e6);
            rows_series(rows, node, t, "latency.p99_ms", stats_bucket_quantile(s, node, b, 0.99) / 1e6);
            rows_series(rows, node, t, "latency.oldest_inflight_ms", stats_bucket_oldest(s, node, b) / 1e6);
            rows_series(rows, node, t, "l1.hit_ratio", h + m > 0 ? h / (h + m) : NAN);
            double h2 = id_h2 >= 0 ? stats_bucket(s, node, id_h2, b) : 0;
            rows_series(rows, node, t, "cache.hit_ratio", hit_ratio_of(h, m, isnan(h2) ? 0 : h2));
            rows_series(rows, node, t, "db.rps", db / iv);
            rows_series(rows, node, t, "stale_ratio", tot > 0 ? st / tot : NAN);
            if (node >= 0) {
                double br = carry(s, node, id_br, b, &last[3 * node]);
                double bl = carry(s, node, id_bl, b, &last[3 * node + 1]);
                double pq = carry(s, node, id_pq, b, &last[3 * node + 2]);
                rows_series(rows, node, t, "breaker.open", br);
                rows_series(rows, node, t, "redis.backlog", bl);
                rows_series(rows, node, t, "pool.queue", pq);
                sum_br += isnan(br) ? 0 : br;
                sum_bl += isnan(bl) ? 0 : bl;
                sum_pq += isnan(pq) ? 0 : pq;
            }
        }
        rows_series(rows, -1, t, "breaker.open", w->nn ? sum_br / w->nn : 0);
        rows_series(rows, -1, t, "redis.backlog", sum_bl);
        rows_series(rows, -1, t, "pool.queue", sum_pq);
        rows_series(rows, -1, t, "redis.up", carry(s, -1, id_up, b, &last_up));
    }
    free(last);
}
