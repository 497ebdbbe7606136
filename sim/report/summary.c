/* summary.c — "what happened" in a few lines, from a run's stored rows: the
 * faults, the impact window, how many requests failed, the breaker's timing
 * relative to the fault, recovery, and the resource that saturated (with the
 * metrics that show it).  `run`, `show` and the report print it before their
 * tables.  Every figure is read from the rows; the thresholds that decide
 * "saturated" are named below. */
#include "sim/report/summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/config/config.h"

/* A resource is called saturated when: the database used every connection of
 * its pool at once; the worker pool had jobs waiting for at least
 * SUM_STARVED_S; the Redis server's FIFO held at least SUM_REDIS_QUEUE
 * commands at once (arrivals outran service); a node refused requests. */
#define SUM_STARVED_S 1.0
#define SUM_REDIS_QUEUE 100.0

static const char *param(const run_rows *r, const char *path)
{
    for (size_t i = 0; i < r->params.n; i++)
        if (!strcmp(r->params.v[i].path, path))
            return r->params.v[i].value;
    return NULL;
}

static double param_s(const run_rows *r, const char *path, double dflt)
{
    const char *v = param(r, path);
    sim_ns ns;
    cs_err err = {0};
    if (!v || config_parse_duration(v, &ns, &err) || ns == SIM_NEVER)
        return dflt;
    return (double)ns / 1e9;
}

static double metric(const run_rows *r, const char *name)
{
    return rows_get_metric(r, -1, name);
}

/* 1234567 -> "1,234,567" (a count: rounded to a whole number) */
void summary_count(char *buf, size_t n, double v)
{
    cs_fmt_human(buf, n, isnan(v) ? v : round(v));
}

/* The fault windows from the transitions rows (component "fault"). */
typedef struct window {
    double from, to; /* s; to = NAN while still open */
    const char *what;
} window;

static size_t fault_windows(const run_rows *r, window *w, size_t cap, double end)
{
    size_t n = 0;
    for (size_t i = 0; i < r->transitions.n; i++) {
        const transition_row *t = &r->transitions.v[i];
        if (strcmp(t->component, "fault"))
            continue;
        double at = (double)t->t_ns / 1e9;
        if (!strcmp(t->to_state, "active") && n < cap) {
            const char *what = strchr(t->reason, ' ');
            w[n++] = (window){at, NAN, what ? what + 1 : t->reason};
        } else if (!strcmp(t->to_state, "inactive")) {
            const char *what = strchr(t->reason, ' ');
            what = what ? what + 1 : t->reason;
            for (size_t k = n; k-- > 0;)
                if (isnan(w[k].to) && !strcmp(w[k].what, what)) {
                    w[k].to = at;
                    break;
                }
        }
    }
    for (size_t k = 0; k < n; k++)
        if (isnan(w[k].to))
            w[k].to = end;
    return n;
}

/* The whole run's values of one series, by bucket start time. */
static size_t series_of(const run_rows *r, const char *name, double *t, double *v, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < r->series.n && n < cap; i++) {
        const series_row *s = &r->series.v[i];
        if (s->node == -1 && !strcmp(s->name, name)) {
            t[n] = s->t_s;
            v[n++] = s->value;
        }
    }
    return n;
}

void summary_print(FILE *f, const run_rows *r, const char *title)
{
    double dur = param_s(r, "duration", NAN), warm = param_s(r, "warmup", 0);
    double iv = param_s(r, "interval", 1);
    char a[48], b[48], c[48];
    char *safe = title ? cs_escape_controls(title) : NULL; /* a run name's escapes */
    fprintf(f, "What happened%s%s:\n", title ? " in " : "", safe ? safe : "");
    free(safe);

    /* faults */
    window w[16];
    size_t nw = fault_windows(r, w, 16, isnan(dur) ? 0 : dur);
    if (!nw)
        fprintf(f, "  fault       none\n");
    for (size_t k = 0; k < nw && k < 4; k++)
        fprintf(f, "  fault       %s from %.1f s to %.1f s (%.1f s)\n", w[k].what, w[k].from,
                w[k].to, w[k].to - w[k].from);
    if (nw > 4)
        fprintf(f, "  fault       ... and %zu more (show --transitions)\n", nw - 4);

    /* requests */
    double tot = metric(r, "requests.total"), err = metric(r, "requests.error");
    double tmo = metric(r, "requests.timeout"), stale = metric(r, "requests.stale");
    if (!isnan(tot) && !isnan(err)) {
        summary_count(a, sizeof a, err);
        summary_count(b, sizeof b, tot);
        fprintf(f, "  failed      %s of %s requests (%.1f %%)", a, b,
                tot > 0 ? 100 * err / tot : 0.0);
        if (tmo > 0) {
            summary_count(c, sizeof c, tmo);
            fprintf(f, ", %s of them timed out at the client", c);
        }
        if (stale > 0) {
            summary_count(c, sizeof c, stale);
            fprintf(f, "; %s answered stale (fail-safe)", c);
        }
        fprintf(f, "\n");
    }

    /* impact window: seconds whose error rate is above the pre-fault
     * baseline (with no fault, above none: every error counts) */
    enum { MAXB = 1 << 16 };
    double *t = malloc(MAXB * sizeof *t), *e = malloc(MAXB * sizeof *e);
    size_t nb = t && e ? series_of(r, "errors", t, e, MAXB) : 0;
    double base = 0;
    int nbase = 0;
    double first_fault = nw ? w[0].from : INFINITY;
    for (size_t i = 0; i < nb && nw; i++)
        if (t[i] >= warm && t[i] + iv <= first_fault && !isnan(e[i])) {
            base += e[i] / iv;
            nbase++;
        }
    base = nbase ? base / nbase : 0;
    double limit = base + fmax(1.0, 3 * sqrt(base + 1)); /* errors/s above noise */
    double lo = NAN, hi = NAN, peak = 0, peak_t = NAN;
    for (size_t i = 0; i < nb; i++) {
        if (t[i] < warm || isnan(e[i]))
            continue;
        double rate = e[i] / iv;
        if (rate > limit) {
            if (isnan(lo))
                lo = t[i];
            hi = t[i] + iv;
        }
        if (rate > peak) {
            peak = rate;
            peak_t = t[i];
        }
    }
    if (isnan(lo)) {
        fprintf(f, "  impact      no second with errors above the baseline (%.1f errors/s)\n",
                base);
    } else {
        summary_count(a, sizeof a, peak);
        fprintf(f,
                "  impact      errors above the baseline (%.1f/s) from %.0f s to %.0f s (%.0f s); "
                "peak %s errors/s at %.0f s\n",
                base, lo, hi, hi - lo, a, peak_t);
    }
    free(t);
    free(e);

    /* breaker: openings relative to the first fault */
    size_t opens = 0, distinct = 0, in_warmup = 0;
    double first_open = NAN, warmup = param_s(r, "warmup", 0);
    int maxnode = 0;
    for (size_t i = 0; i < r->transitions.n; i++)
        if (r->transitions.v[i].node > maxnode)
            maxnode = r->transitions.v[i].node;
    char *seen = calloc((size_t)maxnode + 1, 1);
    for (size_t i = 0; i < r->transitions.n; i++) {
        const transition_row *x = &r->transitions.v[i];
        if (strcmp(x->component, "breaker") ||
            (strcmp(x->to_state, "open") && strcmp(x->to_state, "forced_open")))
            continue;
        opens++;
        double at = (double)x->t_ns / 1e9;
        in_warmup += at < warmup; /* not in breaker.trips, which counts after the warm-up */
        if (isnan(first_open))
            first_open = at;
        if (seen && x->node >= 0 && !seen[x->node]) {
            seen[x->node] = 1;
            distinct++;
        }
    }
    free(seen);
    if (opens) {
        fprintf(f, "  breaker     opened %zu time%s on %zu node%s, first at %.1f s", opens,
                opens == 1 ? "" : "s", distinct, distinct == 1 ? "" : "s", first_open);
        if (nw)
            fprintf(f, " (%+.1f s after the fault began)", first_open - w[0].from);
        double open_s = metric(r, "breaker.open_s");
        if (!isnan(open_s))
            fprintf(f, "; open %.1f node-seconds in all", open_s);
        if (in_warmup)
            fprintf(f, "; %zu of the openings in the warm-up (before %.1f s: not counted in "
                       "breaker.trips or breaker.first_open_s)",
                    in_warmup, warmup);
        fprintf(f, "\n");
    } else if (param(r, "l2.breaker.kind") && strcmp(param(r, "l2.breaker.kind"), "none")) {
        fprintf(f, "  breaker     %s never opened\n", param(r, "l2.breaker.kind"));
    }

    /* recovery */
    double rec = metric(r, "recovery_s");
    if (nw) {
        if (isnan(rec))
            fprintf(f, "  recovery    not back to the pre-fault p99 and error rate by the end\n");
        else
            fprintf(f, "  recovery    p99 and error rate back within 1.5x of before %.1f s after "
                       "the last fault ended\n",
                    rec);
    }

    /* saturation */
    int said = 0;
    double dbpeak = metric(r, "db.peak_concurrency");
    const char *pool_s = param(r, "database.pool");
    double pool = pool_s ? atof(pool_s) : NAN;
    if (!isnan(dbpeak) && !isnan(pool) && pool > 0 && dbpeak >= pool) {
        summary_count(a, sizeof a, metric(r, "db.errors"));
        fprintf(f,
                "  saturated   the database pool: all %.0f connections in use at once "
                "(db.peak_concurrency %.0f, database.pool %.0f; db.errors %s)\n",
                pool, dbpeak, pool, a);
        said++;
    }
    double starved = metric(r, "pool.starved_s");
    if (!isnan(starved) && starved >= SUM_STARVED_S) {
        fprintf(f,
                "  saturated   the worker pool: jobs waited for a worker for %.1f s "
                "(pool.starved_s; up to %.0f workers, %.0f jobs waiting)\n",
                starved, metric(r, "pool.peak_workers"), metric(r, "pool.peak_queue"));
        said++;
    }
    double rq = metric(r, "redis.peak_queue");
    if (!isnan(rq) && rq >= SUM_REDIS_QUEUE) {
        summary_count(a, sizeof a, rq);
        fprintf(f,
                "  saturated   the Redis server: up to %s commands waited in its queue at once "
                "(redis.peak_queue)\n",
                a);
        said++;
    }
    double refused = metric(r, "node.refused");
    if (!isnan(refused) && refused > 0) {
        summary_count(a, sizeof a, refused);
        fprintf(f, "  saturated   the nodes: %s requests refused at the flow cap (node.refused)\n",
                a);
        said++;
    }
    if (!said && !isnan(dbpeak) && pool_s) {
        fprintf(f, "  saturated   nothing: database peak %.0f of %s connections, Redis queue peak "
                   "%.0f, worker pool starved %.1f s\n",
                dbpeak, pool_s, isnan(rq) ? 0 : rq, isnan(starved) ? 0 : starved);
    }
}
