/* test_engine.c — the event queue's order, cancel and pool, and the random
 * streams' independence (ARCHITECTURE.md, determinism contract). */
#include <criterion/criterion.h>
#include <gsl/gsl_rng.h>
#include <stdlib.h>

#include "sim/core/engine.h"

typedef struct log_t {
    int n;
    sim_ns t[8192];
    uint64_t u[8192];
} log_t;

static void record(engine *e, void *obj, uint64_t u)
{
    log_t *l = obj;
    l->t[l->n] = eng_now(e);
    l->u[l->n++] = u;
}

Test(engine, fires_in_time_order_then_scheduling_order)
{
    engine *e = eng_new(1);
    log_t l = {0};
    eng_at(e, 30, record, &l, 0);
    eng_at(e, 10, record, &l, 1);
    eng_at(e, 20, record, &l, 2);
    eng_at(e, 10, record, &l, 3); /* tie with u=1: scheduled later, fires later */
    eng_at(e, 10, record, &l, 4);
    eng_run_until(e, 100);
    cr_assert_eq(l.n, 5);
    uint64_t want[] = {1, 3, 4, 2, 0};
    for (int i = 0; i < 5; i++)
        cr_assert_eq(l.u[i], want[i], "position %d", i);
    cr_assert_eq(eng_now(e), 100, "clock advances to the end time");
    eng_free(e);
}

Test(engine, cancel_removes_exactly_that_event)
{
    engine *e = eng_new(1);
    log_t l = {0};
    ev_id ids[100];
    for (int i = 0; i < 100; i++)
        ids[i] = eng_at(e, 1000 - i, record, &l, (uint64_t)i);
    for (int i = 0; i < 100; i += 3)
        cr_assert(eng_cancel(e, ids[i]));
    cr_assert_not(eng_cancel(e, ids[0]), "second cancel of the same event is refused");
    eng_run_until(e, 10000);
    cr_assert_eq(l.n, 100 - 34);
    for (int i = 0; i < l.n; i++) {
        cr_assert_neq(l.u[i] % 3, 0, "cancelled event %lu fired", (unsigned long)l.u[i]);
        if (i)
            cr_assert_geq(l.t[i], l.t[i - 1]);
    }
    eng_free(e);
}

Test(engine, stale_handle_does_not_cancel_a_reused_slot)
{
    engine *e = eng_new(1);
    log_t l = {0};
    ev_id a = eng_at(e, 5, record, &l, 1);
    eng_run_until(e, 10); /* a fired; its slot is free */
    ev_id b = eng_at(e, 20, record, &l, 2); /* likely reuses a's slot */
    cr_assert_not(eng_cancel(e, a), "a handle to a fired event must not cancel another");
    eng_run_until(e, 30);
    cr_assert_eq(l.n, 2);
    cr_assert_not(eng_cancel(e, b));
    cr_assert_not(eng_cancel(e, 0));
    eng_free(e);
}

/* A random mix of schedule and cancel checked against a sorted reference. */
static int cmp_pair(const void *a, const void *b)
{
    const sim_ns *x = a, *y = b;
    if (x[0] != y[0])
        return x[0] < y[0] ? -1 : 1;
    return x[1] < y[1] ? -1 : x[1] > y[1];
}

Test(engine, random_schedule_and_cancel_matches_a_sorted_reference)
{
    engine *e = eng_new(7);
    gsl_rng *r = eng_rng(e, "test");
    static log_t l;
    l.n = 0;
    enum { N = 3000 };
    static ev_id ids[N];
    static sim_ns ref[N][2];
    static bool cancelled[N];
    int nref = 0;
    for (int i = 0; i < N; i++) {
        ids[i] = eng_at(e, (sim_ns)gsl_rng_uniform_int(r, 500), record, &l, (uint64_t)i);
        cancelled[i] = false;
    }
    int ncancelled = 0;
    for (int i = 0; i < N; i++)
        if (gsl_rng_uniform(r) < 0.3) {
            cr_assert(eng_cancel(e, ids[i]));
            cancelled[i] = true;
            ncancelled++;
        }
    cr_assert_eq(eng_pending(e), (size_t)(N - ncancelled));
    eng_run_until(e, 1000);
    /* reference: survivors sorted by (time, scheduling order = i) */
    engine *e2 = eng_new(7);
    gsl_rng *r2 = eng_rng(e2, "test");
    for (int i = 0; i < N; i++) {
        sim_ns t = (sim_ns)gsl_rng_uniform_int(r2, 500);
        if (!cancelled[i]) {
            ref[nref][0] = t;
            ref[nref][1] = i;
            nref++;
        }
    }
    qsort(ref, (size_t)nref, sizeof ref[0], cmp_pair);
    cr_assert_eq(l.n, nref);
    for (int i = 0; i < nref; i++) {
        cr_assert_eq(l.t[i], ref[i][0]);
        cr_assert_eq((sim_ns)l.u[i], ref[i][1]);
    }
    eng_free(e);
    eng_free(e2);
}

static void chain(engine *e, void *obj, uint64_t u)
{
    int *count = obj;
    (*count)++;
    if (u > 0)
        eng_after(e, 1, chain, obj, u - 1);
}

Test(engine, pool_reuses_slots_so_pending_stays_small)
{
    engine *e = eng_new(1);
    int count = 0;
    eng_after(e, 0, chain, &count, 100000);
    eng_run_until(e, SIM_NEVER - 1);
    cr_assert_eq(count, 100001);
    cr_assert_eq(eng_events(e), 100001u);
    cr_assert_eq(eng_pending(e), 0u);
    eng_free(e);
}

static void stopper(engine *e, void *obj, uint64_t u)
{
    (void)obj, (void)u;
    eng_stop(e);
}

Test(engine, stop_returns_after_the_current_event)
{
    engine *e = eng_new(1);
    log_t l = {0};
    eng_at(e, 10, record, &l, 1);
    eng_at(e, 20, stopper, NULL, 0);
    eng_at(e, 30, record, &l, 2);
    eng_run_until(e, 100);
    cr_assert_eq(l.n, 1);
    cr_assert_eq(eng_now(e), 20);
    eng_run_until(e, 100);
    cr_assert_eq(l.n, 2);
    eng_free(e);
}

Test(rng, same_seed_and_name_give_the_same_stream)
{
    engine *a = eng_new(42), *b = eng_new(42);
    gsl_rng *ra = eng_rng(a, "node[3].arrivals");
    eng_rng(b, "something.else"); /* creating another stream first must not matter */
    gsl_rng *rb = eng_rng(b, "node[3].arrivals");
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(gsl_rng_get(ra), gsl_rng_get(rb));
    cr_assert_eq(eng_rng(a, "node[3].arrivals"), ra, "a stream is created once per name");
    eng_free(a);
    eng_free(b);
}

Test(rng, different_names_or_seeds_give_different_streams)
{
    cr_assert_neq(rng_stream_seed(1, "node[0].arrivals"), rng_stream_seed(1, "node[1].arrivals"));
    cr_assert_neq(rng_stream_seed(1, "node[0].arrivals"), rng_stream_seed(2, "node[0].arrivals"));
    engine *a = eng_new(1);
    gsl_rng *x = eng_rng(a, "x"), *y = eng_rngf(a, "%s", "y");
    int same = 0;
    for (int i = 0; i < 100; i++)
        same += gsl_rng_get(x) == gsl_rng_get(y);
    cr_assert_lt(same, 3);
    eng_free(a);
}

Test(engine, compaction_after_many_cancels_keeps_order_and_count)
{
    engine *e = eng_new(3);
    gsl_rng *r = eng_rng(e, "t");
    static log_t l;
    l.n = 0;
    enum { N = 20000 };
    static ev_id ids[N];
    static sim_ns when[N];
    for (int i = 0; i < N; i++) {
        when[i] = (sim_ns)gsl_rng_uniform_int(r, 100000);
        ids[i] = eng_at(e, when[i], record, &l, (uint64_t)i);
    }
    int kept = 0;
    for (int i = 0; i < N; i++) {
        if (i % 10 == 0) { /* keep 10 %: dead entries outnumber live ones, so it compacts */
            kept++;
            continue;
        }
        cr_assert(eng_cancel(e, ids[i]));
    }
    cr_assert_eq(eng_pending(e), (size_t)kept);
    sim_ns first = SIM_NEVER;
    for (int i = 0; i < N; i += 10)
        first = when[i] < first ? when[i] : first;
    cr_assert_eq(eng_peek(e), first);
    eng_run_until(e, 200000);
    cr_assert_eq(l.n, kept);
    for (int i = 0; i < l.n; i++) {
        cr_assert_eq(l.u[i] % 10, 0u);
        if (i)
            cr_assert(l.t[i] > l.t[i - 1] || (l.t[i] == l.t[i - 1] && l.u[i] > l.u[i - 1]));
    }
    eng_free(e);
}
