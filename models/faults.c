/* faults.c — fault activation and recovery on the world's components (see
 * faults.h).  One record per configured fault; each start/end is an event.
 */
#include "models/faults.h"

#include <gsl/gsl_randist.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct fault_rec {
    ft_spec s;
    faults *owner;
    int index;
    bool active;
    gsl_rng *rng;
} fault_rec;

struct faults {
    ft_world w;
    fault_rec *recs;
    int n;
    sim_ns first_start, last_end;
};

static void record(fault_rec *r, bool on)
{
    faults *f = r->owner;
    if (!f->w.rows)
        return;
    char reason[96];
    snprintf(reason, sizeof reason, "faults[%d] %s.%s", r->index, fault_target_names[r->s.target],
             fault_kind_names[r->s.kind]);
    int node = (r->s.nnodes == 1) ? r->s.nodes[0] : -1;
    rows_transition(f->w.rows, eng_now(f->w.e), node, "fault", on ? "inactive" : "active",
                    on ? "active" : "inactive", reason);
}

/* Apply fn to every affected node index. */
#define FOR_NODES(r, f, i)                                                                     \
    for (int _k = 0, i; _k < ((r)->s.nnodes ? (r)->s.nnodes : (f)->w.nnodes); _k++)          \
        if ((i = (r)->s.nnodes ? (r)->s.nodes[_k] : _k), i >= 0 && i < (f)->w.nnodes)

static void apply(fault_rec *r, bool on)
{
    faults *f = r->owner;
    ft_world *w = &f->w;
    const ft_spec *s = &r->s;
    char reason[64];
    snprintf(reason, sizeof reason, "faults[%d]", r->index);
    switch (s->target) {
    case FAULT_TARGET_REDIS:
        switch (s->kind) {
        case FAULT_KIND_DOWN: on ? rs_down(w->srv, reason) : rs_up(w->srv, reason); break;
        case FAULT_KIND_BLACKHOLE: on ? rs_blackhole(w->srv, reason) : rs_up(w->srv, reason); break;
        case FAULT_KIND_PAUSE: on ? rs_pause(w->srv, reason) : rs_up(w->srv, reason); break;
        case FAULT_KIND_SLOW: rs_set_slow(w->srv, on ? s->factor : 1.0); break;
        case FAULT_KIND_RESTART:
            if (on)
                rs_restart(w->srv, s->dur == SIM_NEVER ? SEC(1) : s->dur, reason);
            break;
        case FAULT_KIND_FLUSH:
            if (on)
                rs_flush(w->srv);
            break;
        case FAULT_KIND_PARTITION:
            if (!s->nnodes)
                net_set_partition(w->net, -1, on);
            else
                FOR_NODES(r, f, i) net_set_partition(w->net, i, on);
            break;
        default: break;
        }
        break;
    case FAULT_TARGET_DATABASE:
        switch (s->kind) {
        case FAULT_KIND_DOWN:
        case FAULT_KIND_RESTART: db_set_down(w->db, on); break;
        case FAULT_KIND_SLOW: db_set_slow(w->db, on ? s->factor : 1.0); break;
        case FAULT_KIND_BLACKHOLE:
        case FAULT_KIND_PAUSE: db_set_slow(w->db, on ? 1e6 : 1.0); break;
        case FAULT_KIND_CAPACITY: db_set_limit(w->db, on ? s->capacity : 0); break;
        default: break;
        }
        break;
    case FAULT_TARGET_LINK:
        FOR_NODES(r, f, i)
        {
            if (s->kind == FAULT_KIND_SLOW)
                net_set_slow(w->net, i, on ? s->factor : 1.0);
            else
                net_set_partition(w->net, i, on);
        }
        break;
    case FAULT_TARGET_NODE:
        FOR_NODES(r, f, i)
        {
            if (s->kind == FAULT_KIND_CAPACITY)
                wp_set_limit(&w->nodes[i].pool, on ? s->capacity : INT32_MAX);
            else
                node_set_pause(&w->nodes[i], on);
        }
        break;
    case FAULT_TARGET_BACKPLANE:
        FOR_NODES(r, f, i) w->nodes[i].bp.down = on;
        break;
    case FAULT_TARGET_N: break; /* not a target */
    }
}

static void end_fire(engine *e, void *obj, uint64_t u);

static void start_fire(engine *e, void *obj, uint64_t u)
{
    (void)u;
    fault_rec *r = obj;
    faults *f = r->owner;
    r->active = true;
    record(r, true);
    apply(r, true);
    sim_ns dur = r->s.dur;
    if (r->rng) /* stochastic: down for Exp(MTTR) */
        dur = (sim_ns)(gsl_ran_exponential(r->rng, (double)r->s.mttr));
    bool instant = r->s.kind == FAULT_KIND_FLUSH;
    if (instant)
        dur = 0;
    if (dur != SIM_NEVER) {
        eng_after(e, dur, end_fire, r, 0);
        if (eng_now(e) + dur > f->last_end)
            f->last_end = eng_now(e) + dur;
    }
}

static void end_fire(engine *e, void *obj, uint64_t u)
{
    (void)u;
    fault_rec *r = obj;
    r->active = false;
    /* restart: the server brings itself back up after its downtime */
    if (!(r->s.target == FAULT_TARGET_REDIS && (r->s.kind == FAULT_KIND_RESTART || r->s.kind == FAULT_KIND_FLUSH)))
        apply(r, false);
    record(r, false);
    if (r->rng) /* next failure after Exp(MTTF) */
        eng_after(e, (sim_ns)gsl_ran_exponential(r->rng, (double)r->s.mttf), start_fire, r, 0);
}

int faults_new(const ft_world *w, const ft_spec *specs, int n, faults **out, cs_err *err)
{
    *out = NULL;
    faults *f = cs_calloc(1, sizeof *f);
    f->w = *w;
    f->n = n;
    f->recs = cs_calloc((size_t)(n ? n : 1), sizeof *f->recs);
    f->first_start = SIM_NEVER;
    f->last_end = 0;
    for (int i = 0; i < n; i++) {
        fault_rec *r = &f->recs[i];
        r->s = specs[i];
        r->owner = f;
        r->index = i;
        if (!fault_supported(r->s.target, r->s.kind)) {
            fault_kind kind = r->s.kind;
            fault_target target = r->s.target;
            faults_free(f);
            return cs_errf(err, CS_USAGE, "faults[%d]: kind %s is not supported on target %s", i,
                           fault_kind_names[kind], fault_target_names[target]);
        }
        if (fault_takes_nodes(r->s.target, r->s.kind)) {
            for (int k = 0; k < r->s.nnodes; k++)
                if (r->s.nodes[k] < 0 || r->s.nodes[k] >= w->nnodes) {
                    int nk = r->s.nodes[k];
                    faults_free(f);
                    return cs_errf(err, CS_USAGE, "faults[%d]: node %d does not exist (%d nodes)", i,
                                   nk, w->nnodes);
                }
        }
        if (duration_limited(r->s.mttf) && duration_limited(r->s.mttr)) {
            r->rng = eng_rngf(w->e, "faults[%d]", i);
            sim_ns first = r->s.at + (sim_ns)gsl_ran_exponential(r->rng, (double)r->s.mttf);
            eng_at(w->e, first, start_fire, r, 0);
            if (first < f->first_start)
                f->first_start = first;
            continue;
        }
        eng_at(w->e, r->s.at, start_fire, r, 0);
        if (r->s.at < f->first_start)
            f->first_start = r->s.at;
        sim_ns end = r->s.kind == FAULT_KIND_FLUSH ? r->s.at : r->s.dur == SIM_NEVER ? SIM_NEVER : r->s.at + r->s.dur;
        if (end > f->last_end)
            f->last_end = end;
    }
    *out = f;
    return 0;
}

void faults_free(faults *f)
{
    if (!f)
        return;
    free(f->recs);
    free(f);
}

sim_ns faults_first_start(const faults *f) { return f->first_start; }
sim_ns faults_last_end(const faults *f) { return f->last_end; }
