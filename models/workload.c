/* workload.c — open and closed loop arrivals, request scripts, key draws and
 * client timeouts (see workload.h).
 */
#include "models/workload.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define BLOCK 1024

static void arrival_fire(engine *e, void *obj, uint64_t u);
static void client_fire(engine *e, void *obj, uint64_t u);

double wl_rate_at(const wl_params *p, sim_ns t)
{
    int i = 0;
    while (i + 1 < p->npoints && p->profile[i + 1].t <= t)
        i++;
    const wl_point *a = &p->profile[i];
    if (a->ramp && i + 1 < p->npoints) {
        const wl_point *b = &p->profile[i + 1];
        double f = (double)(t - a->t) / (double)(b->t - a->t);
        return a->rate + f * (b->rate - a->rate);
    }
    return a->rate;
}

/* What the engine's watchdog names when memory runs over (engine.h). */
static size_t wl_watch_timeouts(void *obj, size_t *bytes)
{
    workload *w = obj;
    *bytes = w->to_cap * sizeof *w->to;
    return w->to_n;
}

static size_t wl_watch_requests(void *obj, size_t *bytes)
{
    workload *w = obj;
    *bytes = w->nblocks * BLOCK * sizeof(wl_request);
    return w->nblocks * BLOCK;
}

void wl_init(workload *w, engine *e, stats *st, int nodes, const wl_params *p, void **targets,
             wl_start_fn start)
{
    assert(p->nsteps >= 1 && p->nsteps <= WL_MAX_STEPS);
    assert(p->keys.count >= 1);
    *w = (workload){.p = *p, .e = e, .st = st, .nodes = nodes, .start = start};
    w->n = cs_calloc((size_t)nodes, sizeof *w->n);
    for (int i = 0; i < nodes; i++) {
        wl_node *n = &w->n[i];
        n->wl = w;
        n->node = i;
        n->target = targets ? targets[i] : NULL;
        n->arrivals = eng_rngf(e, "node[%d].arrivals", i);
        n->keys = eng_rngf(e, "node[%d].keys", i);
        n->think = eng_rngf(e, "node[%d].think", i);
        n->mix = eng_rngf(e, "node[%d].mix", i);
    }
    if (p->keys.popularity == POP_ZIPF) {
        double *pr = cs_malloc(p->keys.count * sizeof *pr);
        for (uint32_t k = 0; k < p->keys.count; k++)
            pr[k] = pow((double)(k + 1), -p->keys.s);
        gsl_ran_discrete_t *g = gsl_ran_discrete_preproc(p->keys.count, pr);
        free(pr);
        w->n_alias = g->K;
        w->alias = cs_malloc(g->K * sizeof *w->alias);
        for (size_t k = 0; k < g->K; k++)
            w->alias[k] = (wl_alias){.f = g->F[k], .a = g->A[k]};
        gsl_ran_discrete_free(g);
    }
    for (int i = 0; i < p->npoints; i++)
        if (p->profile[i].rate > w->peak)
            w->peak = p->profile[i].rate;
    eng_watch(e, "workload: client timeouts pending", "workload.clients, workload.rate, workload.timeout",
              wl_watch_timeouts, w);
    eng_watch(e, "workload: request objects", "workload.clients, workload.rate, workload.burst.count",
              wl_watch_requests, w);
    if (st) {
        w->id_total = stats_counter(st, "requests.total");
        w->id_ok = stats_counter(st, "requests.ok");
        w->id_err = stats_counter(st, "requests.error");
        w->id_timeout = stats_counter(st, "requests.timeout");
        w->id_stale = stats_counter(st, "requests.stale");
    }
}

void wl_free(workload *w)
{
    for (size_t i = 0; i < w->nblocks; i++)
        free(w->blocks[i]);
    free(w->blocks);
    free(w->alias);
    free(w->to);
    free(w->n);
}

/* gsl_ran_discrete(r, g) step for step (GSL 2.x, KNUTH_CONVENTION: F
 * holds (k + F_k) / K and the uniform is compared with it unscaled), on the
 * interleaved table: the same draws from the same stream (checked against
 * gsl_ran_discrete over 10^7 draws, and by identical rows of every seed
 * story and bench/standard.yaml). */
static inline size_t zipf_draw(const workload *w, gsl_rng *r)
{
    double u = gsl_rng_uniform(r);
    size_t c = (size_t)(u * (double)w->n_alias);
    const wl_alias *x = &w->alias[c];
    if (x->f == 1.0 || u < x->f)
        return c;
    return (size_t)x->a;
}

uint32_t wl_draw_key(workload *w, gsl_rng *r)
{
    const wl_keys *k = &w->p.keys;
    switch (k->popularity) {
    case POP_ZIPF:
        return (uint32_t)zipf_draw(w, r);
    case POP_HOTSPOT: {
        uint32_t hot = (uint32_t)ceil(k->hot_keys * k->count);
        if (hot < 1)
            hot = 1;
        if (hot > k->count)
            hot = k->count;
        if (gsl_rng_uniform(r) < k->hot_traffic || hot == k->count)
            return (uint32_t)gsl_rng_uniform_int(r, hot);
        return hot + (uint32_t)gsl_rng_uniform_int(r, k->count - hot);
    }
    case POP_RANGE: /* uniform over the range (no order) */
        return k->range_lo + (uint32_t)gsl_rng_uniform_int(r, k->range_hi - k->range_lo);
    case POP_SEQUENTIAL: /* in order, round robin; draws nothing from r */
        return k->range_lo + (uint32_t)(w->seq_next++ % (k->range_hi - k->range_lo));
    case POP_UNIFORM:
    default:
        return (uint32_t)gsl_rng_uniform_int(r, k->count);
    }
}

static wl_request *req_alloc(workload *w)
{
    if (!w->free_list) {
        cs_grow((void **)&w->blocks, &w->blocks_cap, w->nblocks + 1, sizeof *w->blocks);
        wl_request *b = cs_calloc(BLOCK, sizeof *b);
        w->blocks[w->nblocks++] = b;
        for (int i = BLOCK - 1; i >= 0; i--) {
            b[i].next_free = w->free_list;
            w->free_list = &b[i];
        }
    }
    wl_request *r = w->free_list;
    w->free_list = r->next_free;
    return r;
}

/* Set r->op and r->key for the current script position. */
static void load_op(wl_request *r)
{
    workload *w = r->wl;
    const wl_step *s = &w->p.script[r->step];
    wl_node *n = &w->n[r->node];
    r->op = s->op;
    if (s->pick == PICK_SEQUENTIAL)
        r->key = s->first + r->key_i;
    else if (s->pick == PICK_FIXED)
        r->key = s->first;
    else
        r->key = w->p.keys.offset + wl_draw_key(w, n->keys);
    if (r->op == OP_GET_OR_SET && w->p.write_ratio > 0 && gsl_rng_uniform(n->mix) < w->p.write_ratio)
        r->op = OP_SET;
}

/* A closed-loop client's pause before its next request.  At least 1 us: a
 * request in which nothing takes simulated time (L1 only, zero think) would
 * otherwise repeat forever at one instant. */
static sim_ns think_ns(workload *w, int node)
{
    sim_ns t = dist_sample_ns(&w->p.think, w->n[node].think);
    return t > US(1) ? t : US(1);
}

static const char *const OP_NAME[] = {"get_or_set", "set", "remove", "expire"};

/* A trace row for a selected request (--trace request=R). */
static void trace_req(const wl_request *r, const char *step)
{
    workload *w = r->wl;
    if (!r->traced || !w->rows)
        return;
    char d[96];
    snprintf(d, sizeof d, "step=%u key_i=%u op=%s key=%u", r->step, r->key_i, OP_NAME[r->op], r->key);
    rows_trace(w->rows, eng_now(w->e), r->node, r->id, step, d);
}

static void timeouts_fire(engine *e, void *obj, uint64_t u);

/* The deadline of r's client timeout (r started at r->start). */
static sim_ns deadline_of(const workload *w, const wl_request *r)
{
    return w->p.timeout > SIM_NEVER - r->start ? SIM_NEVER : r->start + w->p.timeout;
}

/* Drop finished requests from the head of the timeout FIFO, then arm the
 * engine event for the first live one at its reserved (time, sequence). */
static void timeouts_arm(workload *w)
{
    while (w->to_n) {
        struct wl_timeout *h = &w->to[w->to_head];
        if (h->r->timeout_seq == h->seq) {
            eng_at_reserved(w->e, deadline_of(w, h->r), h->seq, timeouts_fire, w, 0);
            return;
        }
        w->to_head = (w->to_head + 1) & (w->to_cap - 1);
        w->to_n--;
    }
}

/* r starts now: its client timeout takes the next sequence number, where
 * eng_after would have taken it. */
static void timeout_push(workload *w, wl_request *r)
{
    if (w->to_n == w->to_cap) {
        size_t ncap = w->to_cap ? 2 * w->to_cap : 1024;
        /* a stated limit (STYLE.md): past it requests start faster than
         * their timeouts can retire them; the run fails instead of growing
         * until memory runs out (issue 16: refused clients retrying) */
        struct wl_timeout *nv = ncap <= WL_MAX_TIMEOUTS ? malloc(ncap * sizeof *nv) : NULL;
        if (!nv) {
            eng_fail(w->e, "workload: %zu client timeouts pending at simulated %.6f s (%s %u): "
                           "requests start faster than they finish or time out (an overloaded "
                           "or refusing node, clients retrying at once); lower workload.clients "
                           "or workload.rate, raise workload.think, or shorten workload.timeout",
                     w->to_n, ns_to_s(eng_now(w->e)), ncap <= WL_MAX_TIMEOUTS ? "out of memory; limit" : "limit",
                     (unsigned)WL_MAX_TIMEOUTS);
            r->timeout_seq = 0;
            return;
        }
        for (size_t i = 0; i < w->to_n; i++)
            nv[i] = w->to[(w->to_head + i) & (w->to_cap - 1)];
        free(w->to);
        w->to = nv;
        w->to_cap = ncap;
        w->to_head = 0;
    }
    assert(!w->to_n || deadline_of(w, r) >=
                           deadline_of(w, w->to[(w->to_head + w->to_n - 1) & (w->to_cap - 1)].r));
    r->timeout_seq = eng_reserve(w->e);
    w->to[(w->to_head + w->to_n) & (w->to_cap - 1)] = (struct wl_timeout){r, r->timeout_seq};
    if (w->to_n++ == 0)
        timeouts_arm(w);
}

static void timeout_fire(wl_request *r);

/* The armed head's time came: time it out if still waiting, arm the next. */
static void timeouts_fire(engine *e, void *obj, uint64_t u)
{
    (void)e;
    (void)u;
    workload *w = obj;
    assert(w->to_n > 0);
    struct wl_timeout h = w->to[w->to_head];
    w->to_head = (w->to_head + 1) & (w->to_cap - 1);
    w->to_n--;
    if (h.r->timeout_seq == h.seq)
        timeout_fire(h.r);
    timeouts_arm(w);
}

static void timeout_fire(wl_request *r)
{
    workload *w = r->wl;
    engine *e = w->e;
    r->timeout_seq = 0;
    r->abandoned = true;
    trace_req(r, "request.timeout");
    if (w->st) {
        stats_add(w->st, r->node, w->id_err, 1);
        stats_add(w->st, r->node, w->id_timeout, 1);
        stats_latency(w->st, r->node, eng_now(e) - r->start);
        stats_inflight_end(w->st, r->node, r->inflight);
    }
    if (r->client >= 0) /* the client moves on; the node keeps working */
        eng_after(e, think_ns(w, r->node), client_fire, &w->n[r->node], (uint64_t)r->client);
}

static void start_request(wl_node *n, int client)
{
    workload *w = n->wl;
    wl_request *r = req_alloc(w);
    *r = (wl_request){.wl = w, .node = n->node, .client = client, .id = w->next_id++,
                      .start = eng_now(w->e)};
    n->nreq++;
    if (w->st) {
        stats_add(w->st, r->node, w->id_total, 1);
        r->inflight = stats_inflight_begin(w->st, r->node);
    }
    if (w->p.timeout != SIM_NEVER)
        timeout_push(w, r);
    if (w->trace_select)
        r->traced = w->trace_select(w->trace_ctx, r);
    load_op(r);
    trace_req(r, "request.start");
    w->start(n->target, r, true);
}

wl_request *wl_inject(workload *w, int node, uint32_t key, wl_op op)
{
    wl_node *n = &w->n[node];
    wl_request *r = req_alloc(w);
    *r = (wl_request){.wl = w, .node = node, .client = -1, .id = w->next_id++,
                      .start = eng_now(w->e), .key = key, .op = op};
    n->nreq++;
    if (w->st) {
        stats_add(w->st, node, w->id_total, 1);
        r->inflight = stats_inflight_begin(w->st, node);
    }
    if (w->p.timeout != SIM_NEVER)
        timeout_push(w, r);
    w->start(n->target, r, true);
    return r;
}

static void schedule_arrival(wl_node *n)
{
    workload *w = n->wl;
    if (w->peak <= 0)
        return;
    /* thinning (Lewis & Shedler): candidates at the peak rate, each kept with
     * probability rate(t)/peak; one stream per node */
    sim_ns t = eng_now(w->e);
    for (;;) {
        t += (sim_ns)(gsl_ran_exponential(n->arrivals, 1.0 / w->peak) * 1e9);
        if (t >= w->p.stop)
            return;
        double rate = wl_rate_at(&w->p, t);
        if (rate >= w->peak || gsl_rng_uniform(n->arrivals) * w->peak < rate)
            break;
    }
    eng_at(w->e, t, arrival_fire, n, 0);
}

static void arrival_fire(engine *e, void *obj, uint64_t u)
{
    (void)e;
    (void)u;
    wl_node *n = obj;
    schedule_arrival(n);
    start_request(n, -1);
}

static void arrival_once_fire(engine *e, void *obj, uint64_t u)
{
    (void)e;
    (void)u;
    start_request(obj, -1);
}

static void client_fire(engine *e, void *obj, uint64_t u)
{
    wl_node *n = obj;
    if (eng_now(e) >= n->wl->p.stop)
        return;
    start_request(n, (int)u);
}

void wl_begin(workload *w)
{
    for (int i = 0; i < w->nodes; i++) {
        wl_node *n = &w->n[i];
        if (w->p.burst) { /* all arrivals known up front: count events */
            for (uint32_t k = 0; k < w->p.burst_count; k++) {
                sim_ns t = w->p.burst_at +
                           (sim_ns)(gsl_rng_uniform(n->arrivals) * (double)w->p.burst_spread);
                if (t < w->p.stop)
                    eng_at(w->e, t, arrival_once_fire, n, 0);
            }
            continue;
        }
        if (!w->p.closed) {
            schedule_arrival(n);
            continue;
        }
        for (int c = 0; c < w->p.clients; c++) /* stagger starts by one think time */
            eng_after(w->e, dist_sample_ns(&w->p.think, n->think), client_fire, n, (uint64_t)c);
    }
}

bool wl_op_done(wl_request *r, wl_outcome o)
{
    workload *w = r->wl;
    if (o == WL_STALE)
        r->any_stale = true;
    if (o == WL_ERROR)
        r->any_error = true;
    const wl_step *s = &w->p.script[r->step];
    if (++r->key_i >= s->keys) {
        r->key_i = 0;
        r->step++;
    }
    if (r->step < w->p.nsteps) {
        load_op(r);
        w->start(w->n[r->node].target, r, false);
        return true;
    }
    /* the request is over */
    trace_req(r, r->abandoned ? "request.end (abandoned)" : "request.end");
    if (!r->abandoned) {
        r->timeout_seq = 0; /* its FIFO entry is skipped when it reaches the head */
        if (w->st) {
            stats_add(w->st, r->node, r->any_error ? w->id_err : w->id_ok, 1);
            if (r->any_stale && !r->any_error)
                stats_add(w->st, r->node, w->id_stale, 1);
            stats_latency(w->st, r->node, eng_now(w->e) - r->start);
            stats_inflight_end(w->st, r->node, r->inflight);
        }
        if (r->client >= 0)
            eng_after(w->e, think_ns(w, r->node), client_fire, &w->n[r->node], (uint64_t)r->client);
    }
    r->next_free = w->free_list;
    w->free_list = r;
    return false;
}
