/* rows.c — append helpers for run_rows (see rows.h). */
#include "sim/core/rows.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PUSH(vec) (cs_grow((void **)&(vec).v, &(vec).cap, (vec).n + 1, sizeof *(vec).v), &(vec).v[(vec).n++])

static char *dup_or_null(const char *s) { return s ? cs_strdup(s) : NULL; }

void rows_param(run_rows *r, const char *path, const char *value)
{
    param_row *p = PUSH(r->params);
    p->path = cs_strdup(path);
    p->value = dup_or_null(value);
}

void rows_metric(run_rows *r, int node, const char *name, double value)
{
    metric_row *m = PUSH(r->metrics);
    m->node = node;
    m->name = cs_strdup(name);
    m->value = value;
    m->is_null = isnan(value);
}

void rows_metric_null(run_rows *r, int node, const char *name) { rows_metric(r, node, name, NAN); }

void rows_series(run_rows *r, int node, double t_s, const char *name, double value)
{
    series_row *s = PUSH(r->series);
    s->node = node;
    s->t_s = t_s;
    s->name = cs_strdup(name);
    s->value = value;
}

void rows_transition(run_rows *r, sim_ns t, int node, const char *component, const char *from,
                     const char *to, const char *reason)
{
    transition_row *x = PUSH(r->transitions);
    x->t_ns = t;
    x->node = node;
    x->component = cs_strdup(component);
    x->from_state = dup_or_null(from);
    x->to_state = dup_or_null(to);
    x->reason = dup_or_null(reason);
}

void rows_trace(run_rows *r, sim_ns t, int node, int64_t request, const char *step,
                const char *detail)
{
    trace_row *x = PUSH(r->trace);
    x->t_ns = t;
    x->node = node;
    x->request = request;
    x->step = cs_strdup(step);
    x->detail = dup_or_null(detail);
}

void rows_hist(run_rows *r, int node, const char *name, sim_ns lo_ns, sim_ns hi_ns,
               uint64_t count)
{
    hist_row *x = PUSH(r->hists);
    x->node = node;
    x->name = cs_strdup(name);
    x->lo_ns = lo_ns;
    x->hi_ns = hi_ns;
    x->count = count;
}

double rows_get_metric(const run_rows *r, int node, const char *name)
{
    for (size_t i = 0; i < r->metrics.n; i++)
        if (r->metrics.v[i].node == node && strcmp(r->metrics.v[i].name, name) == 0)
            return r->metrics.v[i].is_null ? NAN : r->metrics.v[i].value;
    return NAN;
}

void rows_free(run_rows *r)
{
    for (size_t i = 0; i < r->params.n; i++)
        free(r->params.v[i].path), free(r->params.v[i].value);
    for (size_t i = 0; i < r->metrics.n; i++)
        free(r->metrics.v[i].name);
    for (size_t i = 0; i < r->series.n; i++)
        free(r->series.v[i].name);
    for (size_t i = 0; i < r->transitions.n; i++) {
        transition_row *x = &r->transitions.v[i];
        free(x->component), free(x->from_state), free(x->to_state), free(x->reason);
    }
    for (size_t i = 0; i < r->trace.n; i++)
        free(r->trace.v[i].step), free(r->trace.v[i].detail);
    for (size_t i = 0; i < r->hists.n; i++)
        free(r->hists.v[i].name);
    free(r->params.v), free(r->metrics.v), free(r->series.v), free(r->transitions.v),
        free(r->trace.v), free(r->hists.v);
    memset(r, 0, sizeof *r);
}
