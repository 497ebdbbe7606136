/* queue.c — the M/G/c FIFO validation world (see queue.h).
 *
 * Customers arrive by a Poisson process (stream "queue.arrivals"), wait in a
 * ring (FIFO, or LIFO when asked; a finite waiting room loses arrivals that
 * find it full, counted as errors), and are served by the
 * first free of c servers with a service time drawn at service start
 * (stream "queue.service").  Because draws happen in arrival order on their
 * own streams, Lindley's recursion fed the same streams reproduces the
 * waiting times exactly (tests/test_queue.c uses this as an oracle).
 */
#include "models/queue.h"

#include <assert.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct qworld {
    engine *e;
    const queue_params *p;
    gsl_rng *arr_rng, *svc_rng;
    stats *st;
    int id_arrived, id_served, id_lost, id_wait, id_qlen;
    sim_ns *ring; /* arrival times of waiting customers */
    size_t cap, head, len;
    int busy;
    uint64_t arrived, served, lost;
} qworld;

static void depart(engine *e, void *obj, uint64_t u);

/* Start serving a customer that arrived at `arrival`. */
static void start_service(qworld *w, sim_ns arrival)
{
    sim_ns now = eng_now(w->e);
    sim_ns s = dist_sample_ns(&w->p->service, w->svc_rng);
    w->busy++;
    assert(w->busy <= w->p->servers);
    stats_add(w->st, -1, w->id_wait, ns_to_ms(now - arrival));
    /* the payload word carries the arrival time to the departure */
    eng_after(w->e, s, depart, w, (uint64_t)arrival);
}

static void depart(engine *e, void *obj, uint64_t u)
{
    qworld *w = obj;
    sim_ns arrival = (sim_ns)u, now = eng_now(e);
    w->busy--;
    w->served++;
    stats_add(w->st, -1, w->id_served, 1);
    stats_latency(w->st, -1, now - arrival);
    if (w->p->on_depart)
        w->p->on_depart(w->p->ctx, arrival, now);
    if (w->len) {
        sim_ns a;
        if (w->p->lifo) {
            a = w->ring[(w->head + w->len - 1) % w->cap];
        } else {
            a = w->ring[w->head];
            w->head = (w->head + 1) % w->cap;
        }
        w->len--;
        start_service(w, a);
    }
    stats_gauge_set(w->st, -1, w->id_qlen, (double)w->len);
}

static void arrive(engine *e, void *obj, uint64_t u)
{
    (void)u;
    qworld *w = obj;
    sim_ns now = eng_now(e);
    w->arrived++;
    stats_add(w->st, -1, w->id_arrived, 1);
    if (w->busy < w->p->servers) {
        start_service(w, now);
    } else if ((int64_t)w->len >= w->p->capacity) {
        w->lost++;
        stats_add(w->st, -1, w->id_lost, 1);
    } else {
        if (w->len == w->cap) { /* grow the ring, keeping FIFO order */
            size_t ncap = w->cap * 2;
            sim_ns *r = cs_malloc(ncap * sizeof *r);
            for (size_t i = 0; i < w->len; i++)
                r[i] = w->ring[(w->head + i) % w->cap];
            free(w->ring);
            w->ring = r;
            w->head = 0;
            w->cap = ncap;
        }
        w->ring[(w->head + w->len) % w->cap] = now;
        w->len++;
    }
    stats_gauge_set(w->st, -1, w->id_qlen, (double)w->len);
    sim_ns gap = (sim_ns)llround(gsl_ran_exponential(w->arr_rng, 1e9 / w->p->arrival_rate));
    eng_after(e, gap, arrive, w, 0);
}

double queue_erlang_c(int c, double lambda, double mu)
{
    double a = lambda / mu, rho = a / c;
    if (rho >= 1)
        return 1;
    /* C(c, a) = (a^c/c!)/(1-rho) / (sum_{k<c} a^k/k! + (a^c/c!)/(1-rho)), in logs via GSL */
    double top = exp(c * log(a) - gsl_sf_lnfact((unsigned)c)) / (1 - rho);
    double sum = 0;
    for (int k = 0; k < c; k++)
        sum += exp(k * log(a) - gsl_sf_lnfact((unsigned)k));
    return top / (sum + top);
}

double queue_mmc_sojourn(int c, double lambda, double mu)
{
    if (lambda >= c * mu)
        return NAN;
    return queue_erlang_c(c, lambda, mu) / (c * mu - lambda) + 1 / mu;
}

double queue_mg1_sojourn(double lambda, double es, double es2)
{
    double rho = lambda * es;
    if (rho >= 1)
        return NAN;
    return es + lambda * es2 / (2 * (1 - rho));
}

int queue_run(const queue_params *p, uint64_t seed, run_rows *rows, queue_result *res,
              cs_err *err)
{
    if (p->servers < 1 || !(p->arrival_rate > 0) || !p->service.kind || p->duration <= 0 ||
        p->capacity < 0)
        return cs_errf(err, CS_USAGE, "queue model: need servers >= 1, arrival > 0, a service "
                                      "distribution, capacity >= 0 and duration > 0");
    qworld w = {0};
    w.p = p;
    w.e = eng_new(seed);
    w.arr_rng = eng_rng(w.e, "queue.arrivals");
    w.svc_rng = eng_rng(w.e, "queue.service");
    w.st = stats_new(w.e, 0, p->warmup, p->interval > 0 ? p->interval : SEC(1), p->duration);
    w.id_arrived = stats_counter(w.st, "queue.arrived");
    w.id_served = stats_counter(w.st, "queue.served");
    w.id_lost = stats_counter(w.st, "queue.lost");
    w.id_wait = stats_counter(w.st, "queue.wait_ms");
    w.id_qlen = stats_gauge(w.st, "queue.length");
    w.cap = 1024;
    w.ring = cs_malloc(w.cap * sizeof *w.ring);
    sim_ns first = (sim_ns)llround(gsl_ran_exponential(w.arr_rng, 1e9 / p->arrival_rate));
    eng_after(w.e, first, arrive, &w, 0);
    eng_run_until(w.e, p->duration);
    stats_finish(w.st);

    if (rows) {
        const hist *h = stats_hist(w.st, -1);
        double served = stats_total(w.st, -1, w.id_served);
        /* requests that ended after warm-up: served or lost */
        rows_metric(rows, -1, "requests.total", served + stats_total(w.st, -1, w.id_lost));
        rows_metric(rows, -1, "requests.ok", served);
        rows_metric(rows, -1, "requests.error", stats_total(w.st, -1, w.id_lost));
        rows_metric(rows, -1, "latency.mean_ms", hist_mean(h) / 1e6);
        rows_metric(rows, -1, "latency.p50_ms", hist_quantile(h, 0.5) / 1e6);
        rows_metric(rows, -1, "latency.p90_ms", hist_quantile(h, 0.9) / 1e6);
        rows_metric(rows, -1, "latency.p99_ms", hist_quantile(h, 0.99) / 1e6);
        rows_metric(rows, -1, "latency.p999_ms", hist_quantile(h, 0.999) / 1e6);
        rows_metric(rows, -1, "latency.max_ms", h->count ? (double)h->max / 1e6 : NAN);
        rows_metric(rows, -1, "queue.wait_mean_ms",
                    served > 0 ? stats_total(w.st, -1, w.id_wait) / served : NAN);
        rows_metric(rows, -1, "queue.peak_length", stats_total(w.st, -1, w.id_qlen));
        stats_hist_rows(w.st, rows); /* table hist: the sojourn-time distribution */
        /* the closed form, where one exists, next to the measurement */
        double mu = 1e9 / dist_mean(&p->service);
        double theory = NAN;
        bool plain = p->capacity == INT64_MAX; /* the closed forms assume an infinite room */
        if (plain && !strcmp(p->service.kind->name, "exponential"))
            theory = queue_mmc_sojourn(p->servers, p->arrival_rate, mu);
        else if (plain && p->servers == 1 && !strcmp(p->service.kind->name, "constant"))
            theory = queue_mg1_sojourn(p->arrival_rate, 1 / mu, 1 / (mu * mu));
        /* the mean is the same under LIFO (work-conserving, service drawn at start) */
        rows_metric(rows, -1, "theory.sojourn_mean_ms", theory * 1e3);
        rows_metric(rows, -1, "theory.utilization", p->arrival_rate / (mu * p->servers));
        double ivl = ns_to_s(stats_interval(w.st));
        for (size_t b = 0; b < stats_nbuckets(w.st); b++) {
            double t = (double)b * ivl;
            rows_series(rows, -1, t, "rps", stats_bucket(w.st, -1, w.id_served, b) / ivl);
            rows_series(rows, -1, t, "errors", stats_bucket(w.st, -1, w.id_lost, b));
            rows_series(rows, -1, t, "latency.p50_ms",
                        stats_bucket_quantile(w.st, -1, b, 0.5) / 1e6);
            rows_series(rows, -1, t, "latency.p99_ms",
                        stats_bucket_quantile(w.st, -1, b, 0.99) / 1e6);
            rows_series(rows, -1, t, "pool.queue", stats_bucket(w.st, -1, w.id_qlen, b));
        }
    }
    if (res) {
        res->arrived = w.arrived;
        res->served = w.served;
        res->lost = w.lost;
        res->sim_end = eng_now(w.e);
        res->events = eng_events(w.e);
    }
    stats_free(w.st);
    free(w.ring);
    eng_free(w.e);
    return 0;
}
