/* runner.c — one run, end to end (see runner.h).  The only place that picks
 * a model by cfg->model; the models themselves never see the store. */
#include "sim/run/runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sim/run/budget.h"

#include "models/queue.h"
#include "models/world/topology.h"

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The validation queue, configured by the `queue:` section. */
static int run_queue_model(const config *cfg, run_rows *rows, sim_ns *sim_end, uint64_t *events,
                           cs_err *err)
{
    queue_params p = {
        .servers = (int)cfg->queue.servers,
        .arrival_rate = cfg->queue.arrival,
        .service = cfg->queue.service.d,
        .lifo = cfg->queue.discipline == CFG_DISC_LIFO,
        .capacity = cfg->queue.capacity,
        .duration = cfg->duration,
        .warmup = cfg->warmup,
        .interval = cfg->interval,
    };
    queue_result res;
    int rc = queue_run(&p, (uint64_t)cfg->seed, rows, &res, err);
    if (rc == 0) {
        *sim_end = res.sim_end;
        *events = res.events;
    }
    return rc;
}

static int simulate(const config *cfg, const char *trace, const eng_limits *lim, run_rows *rows,
                    sim_ns *sim_end, uint64_t *events, cs_err *err)
{
    *sim_end = 0;
    *events = 0;
    if (cfg->model == CFG_MODEL_QUEUE)
        return run_queue_model(cfg, rows, sim_end, events, err);
    return topology_run_limited(cfg, (uint64_t)cfg->seed, trace, lim, rows, sim_end, events, err);
}

int runner_simulate(const config *cfg, const char *trace, run_rows *rows, sim_ns *sim_end,
                    uint64_t *events, cs_err *err)
{
    return simulate(cfg, trace, NULL, rows, sim_end, events, err);
}

/* A progress line on stderr for runs longer than 2 s of wall time. */
typedef struct progress_ctx {
    const config *cfg;
    bool printed;
    uint64_t last_events;
    double last_wall;
} progress_ctx;

static void progress_line(void *ctx, const eng_progress *p)
{
    progress_ctx *c = ctx;
    double rate = p->wall > c->last_wall ? (double)(p->events - c->last_events) / (p->wall - c->last_wall) : 0;
    c->last_events = p->events;
    c->last_wall = p->wall;
    if (p->wall < 2.0)
        return;
    fprintf(stderr, "\r%s: simulated %.1f of %.1f s, %.2f M events/s, %zu pending, %zu MiB   ",
            c->cfg->name ? c->cfg->name : "run", ns_to_s(p->now), ns_to_s(c->cfg->duration),
            rate / 1e6, p->pending, p->rss >> 20);
    c->printed = true;
}

int runner_run(store *st, const config *cfg, const run_opts *o, int64_t *run_id, run_rows *rows,
               cs_err *err)
{
    size_t budget = o && o->max_memory ? o->max_memory : budget_default();
    int brc = budget_check(cfg, o ? o->max_memory : 0, err);
    if (brc)
        return brc; /* refused before the run begins: no run row */
    char hash[17];
    config_hash(cfg, hash);
    char *text = config_effective_text(cfg);
    run_info ri = {.experiment = o ? o->experiment : NULL,
                   .variant = o ? o->variant : NULL,
                   .name = cfg->name,
                   .config_text = text,
                   .config_hash = hash,
                   .version = CS_VERSION,
                   .seed = (uint64_t)cfg->seed};
    int rc = store_begin_run(st, &ri, run_id, err);
    free(text);
    if (rc)
        return rc;
    config_params(cfg, rows);
    double t0 = wall_now();
    sim_ns sim_end;
    uint64_t events;
    progress_ctx pc = {.cfg = cfg};
    eng_limits lim = {.max_memory = budget};
    if (o && o->progress) {
        lim.progress = progress_line;
        lim.progress_ctx = &pc;
    }
    rc = simulate(cfg, o ? o->trace : NULL, &lim, rows, &sim_end, &events, err);
    if (pc.printed)
        fputc('\n', stderr);
    if (rc) {
        cs_err ignored;
        store_fail_run(st, *run_id, err->msg, &ignored);
        return rc;
    }
    return store_finish_run(st, *run_id, rows, sim_end, events, wall_now() - t0, err);
}
