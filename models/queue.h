/* queue.h — the built-in validation world: an M/G/c FIFO queue on the
 * engine (Poisson arrivals, service times from a distribution, c servers).
 * It exists to prove the engine, streams and stats right against closed
 * forms (M/M/1, M/M/c via Erlang C, M/D/1 and M/G/1 via Pollaczek–Khinchine)
 * and to give `model: queue` configs something to run. */
#ifndef CS_QUEUE_H
#define CS_QUEUE_H

#include "sim/core/dist.h"
#include "sim/core/engine.h"
#include "sim/core/rows.h"
#include "sim/core/stats.h"

typedef struct queue_params {
    int servers;         /* c >= 1 */
    double arrival_rate; /* lambda, per second */
    dist service;        /* service time, ns */
    bool lifo;           /* serve the newest waiting customer first */
    int64_t capacity;    /* waiting room; arrivals finding it full are lost (INT64_MAX = unbounded) */
    sim_ns duration, warmup, interval;
    /* Optional: called at every departure with its arrival and departure times. */
    void (*on_depart)(void *ctx, sim_ns arrival, sim_ns end);
    void *ctx;
} queue_params;

typedef struct queue_result {
    uint64_t arrived, served, lost;
    sim_ns sim_end;
    uint64_t events;
} queue_result;

/* Run the queue with `seed`; fill rows (metrics, series) when rows != NULL. */
int queue_run(const queue_params *p, uint64_t seed, run_rows *rows, queue_result *res,
              cs_err *err);

/* Closed forms (seconds).  Mean sojourn of M/M/c (Erlang C); NAN if unstable. */
double queue_mmc_sojourn(int c, double lambda, double mu);
/* Erlang C: probability that an arrival waits. */
double queue_erlang_c(int c, double lambda, double mu);
/* M/G/1 mean sojourn by Pollaczek–Khinchine, from E[S] and E[S^2]. */
double queue_mg1_sojourn(double lambda, double es, double es2);

#endif
