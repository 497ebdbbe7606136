/* test_summary.c — the "what happened" summary names the resource that
 * saturated, with the metrics that show it: a database-bound world and a
 * Redis-bound one get different headlines (issue 12); a fault run names the
 * impact window, the failed share and the breaker's timing relative to the
 * fault. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/config/config.h"
#include "sim/report/summary.h"
#include "sim/run/runner.h"

static char *summary_of(const char *text, const char *const *sets, int nsets)
{
    config c;
    cs_err err = {0};
    if (text[0] == '@')
        cr_assert_eq(config_load(text + 1, sets, nsets, &c, &err), 0, "%s", err.msg);
    else
        cr_assert_eq(config_load_string(text, "summary", sets, nsets, &c, &err), 0, "%s", err.msg);
    run_rows r = {0};
    config_params(&c, &r); /* the effective config, as runner_run stores it */
    sim_ns end;
    uint64_t ev;
    cr_assert_eq(runner_simulate(&c, NULL, &r, &end, &ev, &err), 0, "%s", err.msg);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    summary_print(f, &r, "test");
    fclose(f);
    rows_free(&r);
    config_free(&c);
    return buf;
}

#define WORLD                                                                                   \
    "schema: 1\nname: s\nduration: 40s\nwarmup: 5s\nnodes: {count: 2}\n"                       \
    "workload: {kind: open, rate: 300/s, keys: {count: 1000000, popularity: uniform}}\n"

Test(summary, a_database_bound_world_names_the_database_pool)
{
    char *s = summary_of(WORLD "database: {pool: 4, service: {dist: constant, value: 50ms}}\n",
                         NULL, 0);
    cr_expect(strstr(s, "saturated   the database pool: all 4 connections in use"), "%s", s);
    cr_expect(!strstr(s, "the Redis server"), "%s", s);
    free(s);
}

Test(summary, a_redis_bound_world_names_the_redis_server)
{
    char *s = summary_of(WORLD "database: {pool: 1000}\n"
                               "l2: {redis: {service: {dist: constant, value: 5ms}}}\n",
                         NULL, 0);
    cr_expect(strstr(s, "saturated   the Redis server: up to"), "%s", s);
    cr_expect(strstr(s, "(redis.peak_queue)"), "%s", s);
    cr_expect(!strstr(s, "the database pool"), "%s", s);
    free(s);
}

Test(summary, a_fault_run_names_window_failures_and_breaker_timing)
{
    char *s = summary_of("@configs/default.yaml", NULL, 0);
    cr_expect(strstr(s, "fault       redis.restart from 120.0 s to 165.0 s (45.0 s)"), "%s", s);
    cr_expect(strstr(s, "impact      errors above the baseline"), "%s", s);
    cr_expect(strstr(s, "failed      "), "%s", s);
    cr_expect(strstr(s, " s after the fault began"), "%s", s);
    cr_expect(strstr(s, "recovery    "), "%s", s);
    free(s);
}
