/* test_popularity.c — workload.keys.popularity `range` and `sequential`:
 * `range` draws uniformly over [first, first + count), as its
 * help says; `sequential` is the round robin `range` used to be documented
 * as.  An LRU holding half the keys tells them apart: round robin never
 * hits it, uniform draws hit it half the time. */
#include <criterion/criterion.h>
#include <string.h>

#include "models/workload.h"
#include "sim/core/engine.h"

static void no_start(void *target, wl_request *r, bool first)
{
    (void)target, (void)r, (void)first;
}

/* hits of an LRU of `cap` keys over `n` draws of keys < `count` */
static double lru_hit_ratio(workload *w, gsl_rng *r, uint32_t count, uint32_t cap, int n)
{
    long *last = calloc(count, sizeof *last); /* last use time + 1; 0 = never */
    int hits = 0;
    for (long t = 1; t <= n; t++) {
        uint32_t k = wl_draw_key(w, r);
        cr_assert_lt(k, count);
        if (last[k] > 0) {
            uint32_t newer = 0; /* distinct keys used since k's last use */
            for (uint32_t j = 0; j < count; j++)
                newer += last[j] > last[k];
            hits += newer < cap;
        }
        last[k] = t;
    }
    free(last);
    return (double)hits / n;
}

static void init(workload *w, engine *e, wl_pop pop, uint32_t count)
{
    wl_params p = {.npoints = 1, .nsteps = 1, .timeout = SIM_NEVER, .think = dist_constant(0),
                   .keys = {.count = count, .popularity = pop, .range_lo = 0, .range_hi = count}};
    p.script[0] = (wl_step){.op = OP_GET_OR_SET, .keys = 1};
    wl_init(w, e, NULL, 1, &p, NULL, no_start);
}

Test(popularity, sequential_is_round_robin_and_range_is_uniform)
{
    engine *e = eng_new(3);
    gsl_rng *r = eng_rng(e, "test.keys");
    workload w;
    init(&w, e, POP_SEQUENTIAL, 200);
    for (int i = 0; i < 600; i++)
        cr_assert_eq(wl_draw_key(&w, r), (uint32_t)(i % 200), "draw %d", i);
    wl_free(&w);
    init(&w, e, POP_SEQUENTIAL, 200);
    cr_assert_eq(lru_hit_ratio(&w, r, 200, 100, 20000), 0.0, "round robin never hits half an LRU");
    wl_free(&w);

    init(&w, e, POP_RANGE, 200);
    char seen[200] = {0};
    int distinct = 0, inorder = 0;
    uint32_t prev = 0;
    for (int i = 0; i < 200; i++) {
        uint32_t k = wl_draw_key(&w, r);
        distinct += !seen[k];
        seen[k] = 1;
        inorder += i > 0 && k == prev + 1;
        prev = k;
    }
    /* 200 uniform draws over 200 keys: 200 (1 - (1 - 1/200)^200) = 126.7 distinct expected */
    cr_assert(distinct > 100 && distinct < 150, "%d distinct", distinct);
    cr_assert_lt(inorder, 10, "not in order");
    wl_free(&w);
    init(&w, e, POP_RANGE, 200);
    double h = lru_hit_ratio(&w, r, 200, 100, 20000);
    cr_assert_float_eq(h, 0.5, 0.03, "uniform draws hit an LRU of half the keys ~half the time: %f", h);
    wl_free(&w);
    eng_free(e);
}
