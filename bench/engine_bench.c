/* engine_bench.c — the engine's speed and memory, with its full API
 * (handles, cancel, pooled events, named RNG streams), against the issue's
 * targets and against SimPy running the same hold model in this invocation.
 *
 *   hold model: N pending events; each event draws an exponential increment
 *               from a named stream and schedules one new event.
 *   cancel-heavy: N concurrent "commands", each schedules its reply and a
 *               timeout; the reply wins 95 % of the time and cancels the
 *               timeout, otherwise the timeout cancels the reply.
 * Usage: engine_bench [--quick]   (--quick: fewer events, no SimPy)
 */
#include <gsl/gsl_randist.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim/core/engine.h"

/* CPU time of this process: "one core" even when the machine is shared. */
static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct hold {
    gsl_rng *r;
    double mean;
    uint64_t budget; /* events left before eng_stop */
} hold;

static void hold_ev(engine *e, void *obj, uint64_t u)
{
    hold *h = obj;
    eng_after(e, (sim_ns)(gsl_ran_exponential(h->r, h->mean)), hold_ev, h, u);
    if (--h->budget == 0)
        eng_stop(e);
}

/* Events per second of the hold model with n pending events. */
static double bench_hold(size_t n, uint64_t events, double *bytes_per_event)
{
    engine *e = eng_new(1);
    hold h = {eng_rng(e, "hold"), 1000.0, events};
    struct mallinfo2 m0 = mallinfo2();
    for (size_t i = 0; i < n; i++)
        eng_after(e, (sim_ns)gsl_ran_exponential(h.r, h.mean), hold_ev, &h, i);
    struct mallinfo2 m1 = mallinfo2();
    if (bytes_per_event)
        *bytes_per_event = (double)((m1.uordblks + m1.hblkhd) - (m0.uordblks + m0.hblkhd)) / (double)n;
    uint64_t start = eng_events(e);
    double t0 = wall();
    eng_run_until(e, SIM_NEVER - 1);
    double dt = wall() - t0;
    double rate = (double)(eng_events(e) - start) / dt;
    eng_free(e);
    return rate;
}

typedef struct cmd {
    struct world *w;
    ev_id reply, timeout;
} cmd;

typedef struct world {
    gsl_rng *r;
    cmd *cmds;
    double mean;
    sim_ns timeout;
    uint64_t timeouts, budget;
} world;

static void start_cmd(engine *e, world *w, uint64_t i);

static void on_reply(engine *e, void *obj, uint64_t i)
{
    world *w = obj;
    eng_cancel(e, w->cmds[i].timeout);
    start_cmd(e, w, i);
}

static void on_timeout(engine *e, void *obj, uint64_t i)
{
    world *w = obj;
    w->timeouts++;
    eng_cancel(e, w->cmds[i].reply);
    start_cmd(e, w, i);
}

static void start_cmd(engine *e, world *w, uint64_t i)
{
    if (--w->budget == 0)
        eng_stop(e);
    w->cmds[i].reply = eng_after(e, (sim_ns)gsl_ran_exponential(w->r, w->mean), on_reply, w, i);
    w->cmds[i].timeout = eng_after(e, w->timeout, on_timeout, w, i);
}

static double bench_cancel(size_t n, uint64_t events, double *timeout_share)
{
    engine *e = eng_new(1);
    world w = {eng_rng(e, "cancel"), cs_calloc(n, sizeof(cmd)), 1000.0, 0, 0, events + n};
    w.timeout = (sim_ns)(w.mean * log(20.0)); /* P(reply later than timeout) = 5 % */
    for (size_t i = 0; i < n; i++)
        start_cmd(e, &w, i);
    uint64_t start = eng_events(e);
    double t0 = wall();
    eng_run_until(e, SIM_NEVER - 1);
    double dt = wall() - t0;
    uint64_t fired = eng_events(e) - start;
    *timeout_share = (double)w.timeouts / (double)fired;
    eng_free(e);
    free(w.cmds);
    return (double)fired / dt;
}

/* Run bench/simpy_hold.py with n pending events; events/s or NAN. */
static double simpy_hold(size_t n, uint64_t events)
{
    char cmdline[256];
    /* Debian's python3-simpy installs for the system interpreter */
    const char *py = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
    snprintf(cmdline, sizeof cmdline, "%s bench/simpy_hold.py %zu %lu 2>/dev/null", py, n,
             (unsigned long)events);
    FILE *p = popen(cmdline, "r");
    if (!p)
        return NAN;
    double rate = NAN;
    if (fscanf(p, "%lf", &rate) != 1)
        rate = NAN;
    pclose(p);
    return rate;
}

static void row(const char *name, double rate, double target, double simpy)
{
    printf("  %-34s %8.2f M ev/s   target >= %5.1f  %-4s", name, rate / 1e6, target / 1e6,
           rate >= target ? "ok" : "MISS");
    if (!isnan(simpy))
        printf("   SimPy %.3f M ev/s  (x%.0f)", simpy / 1e6, rate / simpy);
    printf("\n");
}

int main(int argc, char **argv)
{
    bool quick = argc > 1 && !strcmp(argv[1], "--quick");
    uint64_t ev = quick ? 2000000 : 20000000;
    printf("engine benchmark (one core; %s)\n", quick ? "quick" : "full");
    double bpe = 0, bpe6 = 0;
    double h3 = bench_hold(1000, ev, &bpe);
    double sp = quick ? NAN : simpy_hold(1000, 1000000);
    row("hold model, N = 1,000", h3, 15e6, sp);
    double h6 = bench_hold(1000000, ev / 2, &bpe6);
    double sp6 = quick ? NAN : simpy_hold(1000000, 1000000);
    row("hold model, N = 1,000,000", h6, 3e6, sp6);
    double share = 0;
    double c4 = bench_cancel(10000, ev, &share);
    row("cancel-heavy (95 % cancelled), N=1e4", c4, 8e6, NAN);
    printf("  (timeouts that fired first: %.1f %% of fired events)\n", share * 100);
    printf("  memory per pending event (N = 1e6): %.1f bytes   target <= 64  %s\n", bpe6,
           bpe6 <= 64 ? "ok" : "MISS");
    return 0;
}
