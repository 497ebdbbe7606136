/* runner.c — one run, end to end (see runner.h).  The only place that picks
 * a model by cfg->model; the models themselves never see the store. */
#include "sim/run/runner.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sim/run/budget.h"

#include "models/queue.h"
#include "models/world/topology.h"
#include "sim/run/pool.h"

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

const char *runner_version(void)
{
    return CS_VERSION;
}

void runner_identity(const config *cfg, const run_opts *o, char hash[17], run_info *ri)
{
    config_hash(cfg, hash);
    *ri = (run_info){.experiment = o ? o->experiment : NULL,
                     .variant = o ? o->variant : NULL,
                     .name = cfg->name,
                     .config_hash = hash,
                     .version = runner_version(),
                     .seed = (uint64_t)cfg->seed};
}

int runner_run(store *st, const config *cfg, const run_opts *o, int64_t *run_id, run_rows *rows,
               cs_err *err)
{
    size_t budget = o && o->max_memory ? o->max_memory : budget_default();
    int brc = budget_check(cfg, o ? o->max_memory : 0, err);
    if (brc)
        return brc; /* refused before the run begins: no run row */
    char hash[17];
    run_info ri;
    runner_identity(cfg, o, hash, &ri);
    char *text = config_effective_text(cfg);
    ri.config_text = text;
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
    rc = store_finish_run(st, *run_id, rows, sim_end, events, wall_now() - t0, err);
    if (rc) {
        /* The rows did not land (lock timeout, disk full): say so in the
         * run's row when the store still takes a small write, so the run
         * does not stay 'running' for good (issue 16, defect 10). */
        cs_err ignored;
        store_end_run(st, *run_id, "failed", err->msg, NULL, &ignored);
    }
    return rc;
}

/* ---- one run in a child process ------------------------------------------- */

typedef struct iso_ctx {
    const char *db;
    const config *cfg;
    const run_opts *o;
    pool_end end;
} iso_ctx;

static void iso_child(void *vc, size_t job, pool_msg *m)
{
    (void)job;
    iso_ctx *c = vc;
    store *st;
    cs_err err = {0};
    int rc = store_open(c->db, &st, &err);
    if (rc == CS_OK) {
        run_rows rows = {0};
        rc = runner_run(st, c->cfg, c->o, &m->run_id, &rows, &err);
        rows_free(&rows);
        store_close(st);
    }
    m->rc = rc;
    if (rc)
        snprintf(m->msg, sizeof m->msg, "%.*s", (int)sizeof m->msg - 1, err.msg);
}

static void iso_end(void *vc, size_t job, const pool_end *e)
{
    (void)job;
    ((iso_ctx *)vc)->end = *e;
}

int runner_run_isolated(const char *db, const config *cfg, const run_opts *o, int64_t *run_id,
                        int *signal, cs_err *err)
{
    iso_ctx c = {.db = db, .cfg = cfg, .o = o};
    size_t started = 0;
    *signal = 0;
    *run_id = 0;
    int rc = pool_run(1, 1, iso_child, iso_end, &c, &started, signal, err);
    if (rc)
        return rc;
    if (!started)
        return cs_errf(err, CS_IO, "the run did not start");
    *run_id = c.end.m.run_id;
    if (!c.end.spoke) {
        /* The child died mid-run: its row is still 'running'. */
        bool intr = *signal || c.end.signal == SIGINT || c.end.signal == SIGTERM;
        if (!*signal && intr)
            *signal = c.end.signal;
        store *st;
        cs_err e2 = {0};
        if (store_open(db, &st, &e2) == CS_OK) {
            char why[sizeof c.end.m.msg];
            snprintf(why, sizeof why, "%s",
                     intr
                         ? (*signal == SIGTERM ? "interrupted by SIGTERM" : "interrupted by SIGINT")
                         : c.end.m.msg);
            store_end_process_runs(st, c.end.pid, intr ? "interrupted" : "failed", why, NULL, &e2);
            store_close(st);
        }
    }
    if (*signal) {
        cs_errf(err, 128 + *signal, "interrupted by %s; the run is marked interrupted",
                *signal == SIGTERM ? "SIGTERM" : "SIGINT");
        return 128 + *signal;
    }
    if (c.end.m.rc) {
        cs_errf(err, c.end.m.rc, "%s", c.end.m.msg);
        return c.end.m.rc;
    }
    return CS_OK;
}
