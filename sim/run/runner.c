/* runner.c — one run, end to end (see runner.h).  The only place that picks
 * a model by cfg->model; the models themselves never see the store. */
#include "sim/run/runner.h"

#include <stdlib.h>
#include <time.h>

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

int runner_simulate(const config *cfg, const char *trace, run_rows *rows, sim_ns *sim_end,
                    uint64_t *events, cs_err *err)
{
    *sim_end = 0;
    *events = 0;
    if (cfg->model == CFG_MODEL_QUEUE)
        return run_queue_model(cfg, rows, sim_end, events, err);
    return topology_run(cfg, (uint64_t)cfg->seed, trace, rows, sim_end, events, err);
}

int runner_run(store *st, const config *cfg, const run_opts *o, int64_t *run_id, run_rows *rows,
               cs_err *err)
{
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
    rc = runner_simulate(cfg, o ? o->trace : NULL, rows, &sim_end, &events, err);
    if (rc) {
        cs_err ignored;
        store_fail_run(st, *run_id, err->msg, &ignored);
        return rc;
    }
    return store_finish_run(st, *run_id, rows, sim_end, events, wall_now() - t0, err);
}
