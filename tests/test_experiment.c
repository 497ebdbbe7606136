/* test_experiment.c — experiments and the commands built on them.
 *
 * Suite `expect`: the expectation language read as a spec — values of good
 * expressions on a fixture run, which rules pass, where bad rules are
 * reported (file:line:column), unit conversion, names, aggregates and
 * confidence intervals over replications.  Suite `experiment`: sweep
 * expansion (counts, order, names), variants × sweep × replications, the
 * override order (base ← variant ← sweep ← --set ← seed), seeds.  Suite
 * `check`: exit statuses 0/1/2/3 and the mm1-validation experiment.  Suite
 * `sweep`: -j 1 and -j 2 store identical metrics and series.  Suite
 * `compare`: verdicts on synthetic databases.  Commands run in this process
 * with stdout/stderr sent to files in a mkdtemp directory.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/core/stats.h"
#include "sim/cli/cli.h"
#include "sim/run/expect.h"
#include "sim/run/experiment.h"
#include "sim/store/store.h"
#include "tests/util.h"

/* ---- helpers ------------------------------------------------------------ */


/* ---- expect: fixture ------------------------------------------------------ */

/* One run: 1000 requests, 5 errors, p99 120 ms, recovery 30 s; node 0 has
 * 1 error and p50 2 ms, node 1 has 4 errors and p50 9500 ms. */
static void fixture(run_rows *r)
{
    memset(r, 0, sizeof *r);
    rows_metric(r, -1, "requests.total", 1000);
    rows_metric(r, -1, "requests.error", 5);
    rows_metric(r, -1, "latency.p99_ms", 120);
    rows_metric(r, -1, "latency.mean_ms", 10);
    rows_metric(r, -1, "recovery_s", 30);
    rows_metric(r, -1, "custom.thing", 3);
    rows_metric(r, 0, "requests.error", 1);
    rows_metric(r, 0, "latency.p50_ms", 2);
    rows_metric(r, 1, "requests.error", 4);
    rows_metric(r, 1, "latency.p50_ms", 9500);
}

static double value_of(const char *text)
{
    run_rows r;
    fixture(&r);
    const run_rows *rows[] = {&r};
    expect_rule rule;
    cs_err err = {0};
    cr_assert_eq(expect_parse(text, EXPECT_VALUE, "t", 0, 0, "objective", &rule, &err), 0, "%s: %s",
                 text, err.msg);
    cr_assert_eq(expect_check_names(&rule, rows, 1, &err), 0, "%s", err.msg);
    double v = expect_value(&rule, rows, 1, -1).mid;
    expect_rule_free(&rule);
    rows_free(&r);
    return v;
}

static bool passes(const char *text)
{
    run_rows r;
    fixture(&r);
    const run_rows *rows[] = {&r};
    expect_rule rule;
    cs_err err = {0};
    cr_assert_eq(expect_parse(text, EXPECT_RULE, "t", 0, 0, "expect[0]", &rule, &err), 0, "%s: %s",
                 text, err.msg);
    expect_verdict v;
    expect_judge(&rule, rows, 1, &v);
    expect_rule_free(&rule);
    rows_free(&r);
    return v.pass;
}

/* ---- suite expect ----------------------------------------------------------- */

Test(expect, expression_values_on_a_fixture_run)
{
    static const struct {
        const char *text;
        double want;
    } cases[] = {
        {"requests.error", 5},
        {"requests.error / requests.total", 0.005},
        {"1 + 2 * 3", 7},
        {"(1 + 2) * 3", 9},
        {"10 - 4 - 3", 3}, /* left-associative */
        {"12 / 3 / 2", 2},
        {"-requests.error + 10", 5},
        {"--2", 2},
        {"abs(1 - requests.total)", 999},
        {"node[1].requests.error", 4},
        {"node[0].requests.error + node[1].requests.error", 5},
        {"latency.p99_ms / latency.mean_ms", 12},
        {"5%", 0.05},
        {"1.5e3", 1500},
        {".5", 0.5},
        {"custom.thing * 2", 6}, /* not a known name, but the run produced it */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        cr_expect_float_eq(value_of(cases[i].text), cases[i].want, 1e-12, "%s", cases[i].text);
}

Test(expect, duration_literals_take_the_unit_of_the_metric_beside_them)
{
    cr_expect_float_eq(value_of("latency.p99_ms + 250ms"), 370, 1e-9);
    cr_expect_float_eq(value_of("latency.p99_ms - 1s"), -880, 1e-9);
    cr_expect_float_eq(value_of("recovery_s + 1m"), 90, 1e-9);
    cr_expect_float_eq(value_of("recovery_s - 500ms"), 29.5, 1e-9);
    cr_expect_float_eq(value_of("latency.p99_ms + 2 * 1s"), 2120, 1e-9);
    cr_expect(passes("latency.p99_ms < 1s"));
    cr_expect(!passes("latency.p99_ms < 100ms"));
    cr_expect(passes("recovery_s <= 30s"));
    cr_expect(passes("node[1].latency.p50_ms >= 9s"));
    cr_expect(passes("2s > 1500ms")); /* two durations: both in seconds */
}

Test(expect, rules_pass_or_fail_as_written)
{
    static const struct {
        const char *text;
        bool pass;
    } cases[] = {
        {"requests.error == 5", true},
        {"requests.error != 5", false},
        {"requests.error < 5", false},
        {"requests.error <= 5", true},
        {"requests.error > 4", true},
        {"requests.error >= 6", false},
        {"requests.error / requests.total <= 1%", true},
        {"requests.error / requests.total <= 0.001", false},
        {"all nodes: requests.error <= 4", true},
        {"all nodes: requests.error < 4", false},
        {"any node: requests.error < 2", true},
        {"any node: requests.error > 4", false},
        {"all node: latency.p50_ms > 1", true},
        {"node[0].requests.error != node[1].requests.error", true},
        {"node[7].requests.error == 0", false}, /* no such node: missing never passes */
        {"abs(requests.error - 6) == 1", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        cr_expect_eq(passes(cases[i].text), cases[i].pass, "%s", cases[i].text);
}

Test(expect, a_null_metric_never_passes)
{
    run_rows r = {0};
    rows_metric_null(&r, -1, "recovery_s");
    const run_rows *rows[] = {&r};
    const char *rules[] = {"recovery_s < 60", "recovery_s >= 0", "recovery_s == 0",
                           "recovery_s != 0"};
    for (size_t i = 0; i < 4; i++) {
        expect_rule rule;
        cs_err err = {0};
        cr_assert_eq(expect_parse(rules[i], EXPECT_RULE, "t", 0, 0, "e", &rule, &err), 0);
        expect_verdict v;
        expect_judge(&rule, rows, 1, &v);
        cr_expect(!v.pass, "%s", rules[i]);
        char buf[64];
        expect_val_str(v.lhs, buf, sizeof buf);
        cr_expect_str_eq(buf, "null");
        expect_rule_free(&rule);
    }
    rows_free(&r);
}

Test(expect, bad_rules_name_file_line_column_and_what_is_wrong)
{
    /* The rule's text starts at column 5 of line 3 of f.yaml. */
    static const struct {
        const char *text;
        int col; /* 5 + offset of the culprit */
        const char *what;
    } cases[] = {
        {"requests.error ==", 22, "expected a metric, a number or '(', found end of rule"},
        {"requests.error = 0", 20, "'=' is not a comparison; use '=='"},
        {"requests.error", 19, "expected a comparison"},
        {"latency.p99_ms < 5 < 6", 24, "one comparison per rule"},
        {"(requests.error < 1", 21, "expected ')'"},
        {"requests.total < 5s", 22, "needs a metric in ms or s"},
        {"foo(requests.error) < 1", 5, "unknown function 'foo'"},
        {"mean(mean(requests.error)) < 1", 10, "aggregates do not nest"},
        {"latency.p99_ms < 5xs", 23, "unknown unit 'xs'"},
        {"node[x].requests.error < 1", 10, "expected a node number"},
        {"requests.error < 1 @", 24, "unexpected character '@'"},
        {"", 5, "empty rule"},
        {"all nodes requests.error < 1", 15, "expected ':'"},
        {"requests.error < 1 2", 24, "unexpected '2'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        expect_rule rule;
        cs_err err = {0};
        cr_expect_eq(
            expect_parse(cases[i].text, EXPECT_RULE, "f.yaml", 3, 5, "expect[2]", &rule, &err),
            CS_USAGE, "%s", cases[i].text);
        char head[64];
        snprintf(head, sizeof head, "f.yaml:3:%d: expect[2]: ", cases[i].col);
        cr_expect(!strncmp(err.msg, head, strlen(head)), "%s: want '%s...', got '%s'",
                  cases[i].text, head, err.msg);
        cr_expect_not_null(strstr(err.msg, cases[i].what), "%s: got '%s'", cases[i].text, err.msg);
    }
}

Test(expect, an_objective_is_a_value_and_a_rule_is_a_comparison)
{
    expect_rule r;
    cs_err err = {0};
    cr_expect_eq(expect_parse("latency.p99_ms < 3", EXPECT_VALUE, "t", 0, 0, "objective", &r, &err),
                 CS_USAGE);
    cr_expect_not_null(strstr(err.msg, "an objective is a value"));
    cr_expect_eq(expect_parse("latency.p99_ms", EXPECT_VALUE, "t", 0, 0, "objective", &r, &err), 0);
    expect_rule_free(&r);
}

Test(expect, unknown_metric_names_suggest_the_closest)
{
    run_rows fx;
    fixture(&fx);
    const run_rows *rows[] = {&fx};
    expect_rule r;
    cs_err err = {0};
    cr_assert_eq(
        expect_parse("latency.p99 < 3", EXPECT_RULE, "f.yaml", 7, 5, "expect[0]", &r, &err), 0);
    cr_expect_eq(expect_check_names(&r, rows, 1, &err), CS_USAGE);
    cr_expect_not_null(strstr(err.msg, "f.yaml:7:5: expect[0]: unknown metric 'latency.p99'"), "%s",
                       err.msg);
    cr_expect_not_null(strstr(err.msg, "did you mean 'latency.p99_ms'?"), "%s", err.msg);
    expect_rule_free(&r);
    /* Known (INTERFACES.md) but not produced by this run: fine. */
    cr_assert_eq(expect_parse("breaker.trips == 0", EXPECT_RULE, "f", 0, 0, "e", &r, &err), 0);
    cr_expect_eq(expect_check_names(&r, rows, 1, &err), 0);
    cr_expect(expect_known_metric("pool.starved_s"));
    expect_rule_free(&r);
    rows_free(&fx);
}

/* Five replications with latency.mean_ms 9, 10, 11, 10, 10. */
static void five_runs(run_rows r[5], const run_rows *p[5])
{
    const double v[5] = {9, 10, 11, 10, 10};
    for (int i = 0; i < 5; i++) {
        memset(&r[i], 0, sizeof r[i]);
        rows_metric(&r[i], -1, "latency.mean_ms", v[i]);
        rows_metric(&r[i], -1, "theory.sojourn_mean_ms", 10.5);
        p[i] = &r[i];
    }
}

Test(expect, aggregates_over_replications_and_confident_comparisons)
{
    run_rows r[5];
    const run_rows *p[5];
    five_runs(r, p);
    /* sd = sqrt(2/4); half = t(0.975, 4) * sd / sqrt(5) = 2.7764 * 0.7071 / 2.2361 = 0.8780 */
    static const struct {
        const char *text;
        bool pass;
    } cases[] = {
        {"mean(latency.mean_ms) == 10", true},
        {"min(latency.mean_ms) == 9", true},
        {"max(latency.mean_ms) == 11", true},
        {"stddev(latency.mean_ms) < 0.7072", true},
        {"stddev(latency.mean_ms) > 0.7071", true},
        {"ci95(latency.mean_ms) == 10.87", true},  /* inside [9.122, 10.878] */
        {"ci95(latency.mean_ms) == 10.88", false}, /* outside */
        {"ci95(latency.mean_ms) < 10.88", true},   /* the whole interval is below */
        {"ci95(latency.mean_ms) < 10.87", false},
        {"ci95(latency.mean_ms) > 9.12", true},
        {"ci95(latency.mean_ms) == theory.sojourn_mean_ms", true}, /* bare metric: its mean */
        {"abs(ci95(latency.mean_ms) - 10) < 0.88", true},
        {"abs(ci95(latency.mean_ms) - 10) < 0.87", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        expect_rule rule;
        cs_err err = {0};
        cr_assert_eq(expect_parse(cases[i].text, EXPECT_RULE, "t", 0, 0, "e", &rule, &err), 0, "%s",
                     err.msg);
        cr_expect(rule.aggregate);
        expect_verdict v;
        expect_judge(&rule, p, 5, &v);
        cr_expect_eq(v.pass, cases[i].pass, "%s", cases[i].text);
        expect_rule_free(&rule);
    }
    double m, sd, half;
    size_t used;
    double x[5] = {9, 10, 11, 10, 10};
    stats_mean_ci(x, 5, &m, &sd, &half, &used);
    cr_expect_float_eq(m, 10, 1e-12);
    cr_expect_float_eq(half, 2.776445105 * sqrt(0.5) / sqrt(5), 1e-6);
    cr_expect_eq(used, 5);
    for (int i = 0; i < 5; i++)
        rows_free(&r[i]);
}

Test(expect, a_per_run_rule_must_hold_on_every_run_and_shows_the_worst)
{
    run_rows r[5];
    const run_rows *p[5];
    five_runs(r, p);
    expect_rule rule;
    cs_err err = {0};
    cr_assert_eq(expect_parse("latency.mean_ms < 11", EXPECT_RULE, "t", 0, 0, "e", &rule, &err), 0);
    cr_expect(!rule.aggregate);
    expect_verdict v;
    expect_judge(&rule, p, 5, &v);
    cr_expect(!v.pass);
    cr_expect_eq(v.evaluated, 5);
    cr_expect_eq(v.failed, 1);
    cr_expect_eq(v.run, 2);
    cr_expect_float_eq(v.lhs.mid, 11, 0);
    cr_expect(v.rhs_const);
    expect_rule_free(&rule);
    /* The objective of a per-run expression is its mean. */
    cr_assert_eq(expect_parse("latency.mean_ms * 2", EXPECT_VALUE, "t", 0, 0, "o", &rule, &err), 0);
    cr_expect_float_eq(expect_value(&rule, p, 5, -1).mid, 20, 1e-12);
    expect_rule_free(&rule);
    for (int i = 0; i < 5; i++)
        rows_free(&r[i]);
}

Test(expect, node_scopes_hold_in_every_replication)
{
    /* Run 0: node 0 has 0 errors, node 1 has 3.  Run 1: both nodes have 2. */
    run_rows r[2];
    memset(r, 0, sizeof r);
    rows_metric(&r[0], 0, "requests.error", 0);
    rows_metric(&r[0], 1, "requests.error", 3);
    rows_metric(&r[1], 0, "requests.error", 2);
    rows_metric(&r[1], 1, "requests.error", 2);
    const run_rows *p[2] = {&r[0], &r[1]};
    static const struct {
        const char *text;
        bool pass;
        int run, node; /* the value shown */
        double shown;
    } cases[] = {
        {"any node: requests.error == 0", false, 1, 0, 2}, /* run 1 has no such node */
        {"any node: requests.error <= 2", true, 1, 0, 2},
        {"all nodes: requests.error <= 2", false, 0, 1, 3},
        {"all nodes: requests.error < 4", true, 0, 1, 3},
        {"all nodes: mean(requests.error) <= 2.5", true, -1, 1, 2.5},
        {"any node: max(requests.error) < 3", true, -1, 0, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        expect_rule rule;
        cs_err err = {0};
        cr_assert_eq(expect_parse(cases[i].text, EXPECT_RULE, "t", 0, 0, "e", &rule, &err), 0, "%s",
                     err.msg);
        expect_verdict v;
        expect_judge(&rule, p, 2, &v);
        cr_expect_eq(v.pass, cases[i].pass, "%s", cases[i].text);
        cr_expect_eq(v.run, cases[i].run, "%s: run %d", cases[i].text, v.run);
        cr_expect_eq(v.node, cases[i].node, "%s: node %d", cases[i].text, v.node);
        cr_expect_float_eq(v.lhs.mid, cases[i].shown, 1e-12, "%s", cases[i].text);
        expect_rule_free(&rule);
    }
    rows_free(&r[0]);
    rows_free(&r[1]);
}

/* ---- suite experiment ------------------------------------------------------ */

#define QUEUE_BASE                                                                                 \
    "schema: 1\nname: q\nmodel: queue\nseed: 7\nduration: 2s\nwarmup: 0s\n"                        \
    "queue: {servers: 1, arrival: 100/s, service: {dist: exponential, mean: 1ms}}\n"

static void load_ok(const char *text, const char **sets, int nsets, experiment *e)
{
    cs_err err = {0};
    cr_assert_eq(exp_load_string(text, "t.yaml", sets, nsets, e, &err), 0, "%s", err.msg);
}

static int load_err(const char *text, char *msg, size_t cap)
{
    experiment e;
    cs_err err = {0};
    int rc = exp_load_string(text, "t.yaml", NULL, 0, &e, &err);
    snprintf(msg, cap, "%s", err.msg);
    if (!rc)
        exp_free(&e);
    return rc;
}

/* The effective value of config key `path` in run i (from its params). */
static char *param_of(const experiment *e, size_t i, const char *path)
{
    config c;
    cs_err err = {0};
    cr_assert_eq(exp_run_config(e, i, &c, &err), 0, "%s", err.msg);
    run_rows rows = {0};
    config_params(&c, &rows);
    char *v = NULL;
    for (size_t k = 0; k < rows.params.n; k++)
        if (!strcmp(rows.params.v[k].path, path))
            v = strdup(rows.params.v[k].value);
    rows_free(&rows);
    config_free(&c);
    cr_assert_not_null(v, "no param %s", path);
    return v;
}

Test(experiment, a_plain_config_is_an_experiment_of_one_run)
{
    experiment e;
    load_ok(QUEUE_BASE, NULL, 0, &e);
    cr_expect(!e.is_experiment);
    cr_expect_eq(e.nsc, 1);
    cr_expect_eq(e.nruns, 1);
    cr_expect_eq(e.runs[0].seed, 7);
    cr_expect_str_eq(e.name, "q");
    cr_expect_str_eq(e.sc[0].name, "q");
    cr_expect_null(e.sc[0].variant);
    exp_free(&e);
}

Test(experiment, replications_count_up_from_the_seed)
{
    experiment e;
    load_ok(QUEUE_BASE "replications: 3\n", NULL, 0, &e);
    cr_expect_eq(e.nruns, 3);
    for (int i = 0; i < 3; i++) {
        cr_expect_eq(e.runs[i].seed, 7 + i);
        cr_expect_eq(e.runs[i].rep, (size_t)i);
    }
    exp_free(&e);
    /* --set seed moves the base seed */
    const char *sets[] = {"seed=100"};
    load_ok(QUEUE_BASE "replications: 2\n", sets, 1, &e);
    cr_expect_eq(e.runs[0].seed, 100);
    cr_expect_eq(e.runs[1].seed, 101);
    char *s = param_of(&e, 1, "seed");
    cr_expect_str_eq(s, "101");
    free(s);
    exp_free(&e);
}

Test(experiment, a_seeds_list_is_used_as_written)
{
    experiment e;
    load_ok(QUEUE_BASE "seeds: [5, 1, 9]\n", NULL, 0, &e);
    cr_expect_eq(e.replications, 3);
    cr_expect_eq(e.runs[0].seed, 5);
    cr_expect_eq(e.runs[1].seed, 1);
    cr_expect_eq(e.runs[2].seed, 9);
    exp_free(&e);
    char msg[1024];
    cr_expect_eq(load_err(QUEUE_BASE "replications: 2\nseeds: [5, 1, 9]\n", msg, sizeof msg),
                 CS_USAGE);
    cr_expect_not_null(strstr(msg, "t.yaml:9:8: seeds: 3 seeds but replications: 2"), "%s", msg);
}

Test(experiment, sweep_is_the_cartesian_product_first_path_outermost)
{
    experiment e;
    load_ok(QUEUE_BASE "sweep:\n  queue.servers: [1, 2]\n  queue.arrival: [100/s, 200/s, 300/s]\n",
            NULL, 0, &e);
    cr_expect_eq(e.nsc, 6);
    cr_expect_eq(e.nruns, 6);
    cr_expect_eq(e.naxes, 2);
    const char *names[] = {
        "q queue.servers=1, queue.arrival=100/s", "q queue.servers=1, queue.arrival=200/s",
        "q queue.servers=1, queue.arrival=300/s", "q queue.servers=2, queue.arrival=100/s",
        "q queue.servers=2, queue.arrival=200/s", "q queue.servers=2, queue.arrival=300/s"};
    for (size_t i = 0; i < 6; i++) {
        cr_expect_str_eq(e.sc[i].name, names[i]);
        cr_expect_eq(e.runs[i].scenario, i);
    }
    cr_expect_str_eq(e.sc[4].values[0], "2");
    cr_expect_str_eq(e.sc[4].values[1], "200/s");
    char *v = param_of(&e, 5, "queue.arrival");
    cr_expect_str_eq(v, "300/s");
    free(v);
    config c;
    cs_err err = {0};
    cr_assert_eq(exp_run_config(&e, 5, &c, &err), 0);
    cr_expect_str_eq(c.name, "q queue.servers=2, queue.arrival=300/s");
    cr_expect_eq(c.queue.servers, 2);
    config_free(&c);
    exp_free(&e);
}

Test(experiment, variants_times_sweep_times_replications)
{
    experiment e;
    load_ok(QUEUE_BASE "replications: 2\n"
                       "sweep: {queue.arrival: [100/s, 200/s, 300/s]}\n"
                       "variants:\n  fifo: {}\n  lifo: {queue: {discipline: lifo}}\n",
            NULL, 0, &e);
    cr_expect_eq(e.nvariants, 2);
    cr_expect_eq(e.nsc, 6);
    cr_expect_eq(e.nruns, 12);
    cr_expect_str_eq(e.sc[0].variant, "fifo");
    cr_expect_str_eq(e.sc[3].variant, "lifo");
    cr_expect_str_eq(e.sc[3].point, "queue.arrival=100/s");
    cr_expect_eq(e.sc[3].first, 6);
    cr_expect_eq(e.runs[7].scenario, 3);
    cr_expect_eq(e.runs[7].seed, 8);
    char *d = param_of(&e, 7, "queue.discipline");
    cr_expect_str_eq(d, "lifo");
    free(d);
    d = param_of(&e, 1, "queue.discipline");
    cr_expect_str_eq(d, "fifo");
    free(d);
    exp_free(&e);
}

Test(experiment, override_order_base_variant_sweep_set)
{
    const char *text = QUEUE_BASE "sweep: {queue.servers: [3]}\n"
                                  "variants:\n"
                                  "  two: {queue.servers: 2, queue.arrival: 50/s}\n"
                                  "  merged: {queue: {arrival: 70/s}}\n";
    experiment e;
    load_ok(text, NULL, 0, &e);
    char *v = param_of(&e, 0, "queue.servers"); /* variant says 2, sweep says 3 */
    cr_expect_str_eq(v, "3");
    free(v);
    v = param_of(&e, 0, "queue.arrival"); /* the variant's dotted key */
    cr_expect_str_eq(v, "50/s");
    free(v);
    v = param_of(&e, 1, "queue.arrival"); /* a plain key merges like a config */
    cr_expect_str_eq(v, "70/s");
    free(v);
    v = param_of(&e, 1, "queue.service"); /* ...keeping the base's siblings */
    cr_expect_str_eq(v, "{dist: exponential, mean: 1ms}");
    free(v);
    exp_free(&e);
    const char *sets[] = {"queue.servers=4", "queue.arrival=60/s"};
    load_ok(text, sets, 2, &e); /* --set wins over both */
    v = param_of(&e, 0, "queue.servers");
    cr_expect_str_eq(v, "4");
    free(v);
    v = param_of(&e, 0, "queue.arrival");
    cr_expect_str_eq(v, "60/s");
    free(v);
    exp_free(&e);
}

Test(experiment, bad_experiments_are_config_errors_with_a_position)
{
    static const struct {
        const char *text;
        const char *want;
    } cases[] = {
        {QUEUE_BASE "sweep: {queue.servers: [1, lots]}\n",
         "t.yaml:8:28: queue.servers: 'lots' is not an integer (in sweep queue.servers=lots)"},
        {QUEUE_BASE "sweep: {queue.servers: []}\n", "an empty list sweeps nothing"},
        {QUEUE_BASE "sweep: [1, 2]\n", "t.yaml:8:8: sweep: expected a map"},
        {QUEUE_BASE "replications: 0\n", "t.yaml:8:15: replications: 0 is out of range"},
        {QUEUE_BASE "replications: many\n", "expected a whole number"},
        {QUEUE_BASE "variants: {a: 3}\n", "a: expected a map of overrides"},
        {QUEUE_BASE "variants: {a: {queue.servrs: 2}}\n", "did you mean 'servers'"},
        {QUEUE_BASE "variants: {a: {sweep: {}}}\n", "cannot change the experiment's sweep"},
        {QUEUE_BASE "expect:\n  - requests.error <\n", "t.yaml:9:21: expect[0]: expected a metric"},
        {QUEUE_BASE "objective: {minimize: latency.p99_ms, maximize: x}\n", "exactly one of"},
        {QUEUE_BASE "objective: {minimize: \"latency.p99_ms <\"}\n", "objective.minimize"},
        {QUEUE_BASE "objective: {minimize: a, constraints: [\"x <\"]}\n",
         "objective.constraints[0]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char msg[1024];
        cr_expect_eq(load_err(cases[i].text, msg, sizeof msg), CS_USAGE, "case %zu", i);
        cr_expect_not_null(strstr(msg, cases[i].want), "case %zu: want '%s' in '%s'", i,
                           cases[i].want, msg);
    }
}

Test(experiment, objective_and_constraints_are_parsed)
{
    experiment e;
    load_ok(QUEUE_BASE "objective:\n  maximize: requests.ok\n  constraints:\n"
                       "    - requests.error == 0\n    - mean(latency.p99_ms) < 30\n",
            NULL, 0, &e);
    cr_expect(e.has_objective);
    cr_expect(e.maximize);
    cr_expect_str_eq(e.objective.text, "requests.ok");
    cr_expect_eq(e.nconstraints, 2);
    cr_expect(e.constraints[1].aggregate);
    exp_free(&e);
}

/* ---- suite check -------------------------------------------------------------- */

#define QUEUE_FILE                                                                                 \
    "schema: 1\nname: q\nmodel: queue\nduration: 5s\nwarmup: 0s\n"                                 \
    "queue: {servers: 1, arrival: 100/s, service: {dist: exponential, mean: 1ms}}\n"

static int check(char **out, char **err, const char *file, const char *extra)
{
    const char *args[] = {"check", file, "--db", tu_path("check.db"), "-j", "1", extra, NULL};
    return tu_run_cmd(cmd_check, out, err, args);
}

Test(check, passing_rules_exit_0_and_print_pass_lines, .init = tu_make_dir, .fini = tu_rm_dir)
{
    const char *f = tu_write_file("pass.yaml", QUEUE_FILE "expect:\n"
                                                       "  - requests.error == 0\n"
                                                       "  - latency.mean_ms < 1s\n");
    char *out, *err;
    cr_expect_eq(check(&out, &err, f, NULL), CS_OK, "%s", err);
    cr_expect_not_null(strstr(out, "PASS   requests.error == 0"), "%s", out);
    cr_expect_not_null(strstr(out, "check: 2 passed, 0 failed"), "%s", out);
    free(out);
    free(err);
}

Test(check, a_failing_rule_exits_1, .init = tu_make_dir, .fini = tu_rm_dir)
{
    const char *f = tu_write_file("fail.yaml", QUEUE_FILE "replications: 2\nexpect:\n"
                                                       "  - requests.error == 0\n"
                                                       "  - latency.mean_ms < 0.001\n");
    char *out, *err;
    cr_expect_eq(check(&out, &err, f, NULL), CS_EXPECT_FAILED);
    cr_expect_not_null(strstr(out, "FAIL   latency.mean_ms < 0.001"), "%s", out);
    cr_expect_not_null(strstr(out, "2 of 2 fail"), "%s", out);
    cr_expect_not_null(strstr(out, "check: 1 passed, 1 failed"), "%s", out);
    free(out);
    free(err);
    /* --quiet prints the failing line only */
    cr_expect_eq(check(&out, &err, f, "--quiet"), CS_EXPECT_FAILED);
    cr_expect_null(strstr(out, "PASS"), "%s", out);
    cr_expect_not_null(strstr(out, "FAIL"), "%s", out);
    free(out);
    free(err);
}

Test(check, a_bad_rule_exits_2_with_its_position, .init = tu_make_dir, .fini = tu_rm_dir)
{
    const char *f = tu_write_file("bad.yaml", QUEUE_FILE "expect:\n  - requests.error <\n");
    char *err;
    cr_expect_eq(check(NULL, &err, f, NULL), CS_USAGE);
    char want[256];
    snprintf(want, sizeof want, "%s:8:21: expect[0]: expected a metric", f); /* after '<' */
    cr_expect_not_null(strstr(err, want), "%s", err);
    free(err);
    /* A quoted rule: the column points inside the quotes. */
    f = tu_write_file("bad2.yaml", QUEUE_FILE "expect:\n  - \"latency.mean < 1\"\n");
    cr_expect_eq(check(NULL, &err, f, NULL), CS_USAGE);
    snprintf(want, sizeof want, "%s:8:6: expect[0]: unknown metric 'latency.mean'", f);
    cr_expect_not_null(strstr(err, want), "%s", err);
    cr_expect_not_null(strstr(err, "did you mean 'latency.mean_ms'?"), "%s", err);
    free(err);
}

/* `- all nodes: EXPR` unquoted is a one-key map in YAML: taken as the rule. */
Test(check, node_rules_need_no_quotes, .init = tu_make_dir, .fini = tu_rm_dir)
{
    static const char world[] = "schema: 1\nname: q\nduration: 20s\nwarmup: 0s\n"
                                "nodes: {count: 2}\ncache: {mode: local_only}\n"
                                "workload: {kind: open, rate: 100/s, keys: {count: 100}}\n";
    char text[1024];
    snprintf(text, sizeof text,
             "%sexpect:\n  - all nodes: requests.total > 100\n"
             "  - any node: requests.total > 100000\n",
             world);
    const char *f = tu_write_file("nodes.yaml", text);
    char *out, *err;
    cr_expect_eq(check(&out, &err, f, NULL), CS_EXPECT_FAILED, "%s", err);
    cr_expect_not_null(strstr(out, "PASS   all nodes: requests.total > 100 "), "%s", out);
    cr_expect_not_null(strstr(out, "FAIL   any node: requests.total > 100000"), "%s", out);
    free(out);
    free(err);
    snprintf(text, sizeof text, "%sexpect:\n  - all nodes: requests.totl > 1\n", world);
    f = tu_write_file("nodes2.yaml", text);
    cr_expect_eq(check(NULL, &err, f, NULL), CS_USAGE);
    char want[256];
    snprintf(want, sizeof want, "%s:9:5: expect[0]: unknown metric 'requests.totl'", f);
    cr_expect_not_null(strstr(err, want), "%s", err);
    free(err);
    /* any other one-key map is still not a rule */
    snprintf(text, sizeof text, "%sexpect:\n  - some nodes: requests.total > 1\n", world);
    f = tu_write_file("nodes3.yaml", text);
    cr_expect_eq(check(NULL, &err, f, NULL), CS_USAGE);
    cr_expect_not_null(strstr(err, "expect[0]"), "%s", err);
    free(err);
}

Test(check, an_unwritable_database_exits_3, .init = tu_make_dir, .fini = tu_rm_dir)
{
    const char *f = tu_write_file("ok.yaml", QUEUE_FILE "expect: [requests.error == 0]\n");
    const char *args[] = {"check", f, "--db", "/nonexistent-dir/x.db", NULL};
    char *err;
    cr_expect_eq(tu_run_cmd(cmd_check, NULL, &err, args), CS_IO);
    free(err);
    const char *none[] = {"check", NULL};
    cr_expect_eq(tu_run_cmd(cmd_check, NULL, NULL, none), CS_USAGE);
    const char *missing[] = {"check", tu_path("missing.yaml"), NULL};
    cr_expect_eq(tu_run_cmd(cmd_check, NULL, NULL, missing), CS_USAGE);
}

Test(check, a_config_the_model_refuses_exits_2_in_any_process, .init = tu_make_dir,
     .fini = tu_rm_dir)
{
    /* Valid keys, but there is no `slow` fault for the backplane: refused by
     * the config check (the fault model's own table) before anything runs,
     * with -j 1 or -j 2, and no run is started. */
    const char *f =
        tu_write_file("refused.yaml", "schema: 1\nname: refused\nduration: 5s\nreplications: 2\n"
                                   "faults:\n  - {at: 1s, target: backplane, kind: slow}\n"
                                   "expect: [requests.error == 0]\n");
    const char *jobs[] = {"1", "2"};
    for (int k = 0; k < 2; k++) {
        const char *args[] = {"check", f, "--db", tu_path("r.db"), "-j", jobs[k], NULL};
        char *out, *err;
        cr_expect_eq(tu_run_cmd(cmd_check, &out, &err, args), CS_USAGE, "-j %s", jobs[k]);
        cr_expect_not_null(strstr(err, "faults[0].kind: slow does not apply to target backplane"),
                           "%s", err);
        cr_expect_null(strstr(out, "PASS"), "%s", out);
        free(out);
        free(err);
    }
}

Test(check, mm1_validation_experiment_passes, .init = tu_make_dir, .fini = tu_rm_dir)
{
    const char *args[] = {
        "check", "experiments/mm1-validation.yaml", "--db", tu_path("mm1.db"), "-j", "2", NULL};
    char *out, *err;
    cr_expect_eq(tu_run_cmd(cmd_check, &out, &err, args), CS_OK, "%s%s", out, err);
    cr_expect_not_null(strstr(out, "check: 16 passed, 0 failed"), "%s", out);
    free(out);
    free(err);
}

/* ---- suite sweep ----------------------------------------------------------------- */

/* Every metric and series row of a database, keyed by run name/variant/seed
 * (never by run id, which depends on completion order), sorted, as text. */
static char *dump(const char *path)
{
    sqlite3 *db;
    cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    static const char *const q[] = {
        "SELECT r.name, r.variant, r.seed, m.node, m.name, m.value "
        "FROM metrics m JOIN runs r ON r.id = m.run_id ORDER BY 1, 2, 3, 4, 5",
        "SELECT r.name, r.variant, r.seed, s.node, s.t_s, s.name, s.value "
        "FROM series s JOIN runs r ON r.id = s.run_id ORDER BY 1, 2, 3, 4, 5, 6"};
    size_t n = 0, cap = 1 << 16;
    char *out = malloc(cap);
    out[0] = 0;
    for (int k = 0; k < 2; k++) {
        sqlite3_stmt *st;
        cr_assert_eq(sqlite3_prepare_v2(db, q[k], -1, &st, NULL), SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(st); c++) {
                const char *t = (const char *)sqlite3_column_text(st, c);
                char cell[128];
                if (sqlite3_column_type(st, c) == SQLITE_FLOAT)
                    snprintf(cell, sizeof cell, "%.17g|", sqlite3_column_double(st, c));
                else
                    snprintf(cell, sizeof cell, "%.100s|", t ? t : "NULL");
                size_t l = strlen(cell);
                if (n + l + 2 > cap)
                    out = realloc(out, cap *= 2);
                memcpy(out + n, cell, l + 1);
                n += l;
            }
            out[n++] = '\n';
            out[n] = 0;
        }
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return out;
}

Test(sweep, j1_and_j2_store_identical_rows, .init = tu_make_dir, .fini = tu_rm_dir)
{
    const char *f = tu_write_file(
        "exp.yaml", "schema: 1\nname: det\nduration: 5s\nwarmup: 1s\nreplications: 2\n"
                    "sweep: {nodes.count: [1, 3]}\n"
                    "variants: {plain: {}, locked: {cache.lock.distributed: true}}\n");
    const char *a[] = {"sweep", f, "--db", tu_path("a.db"), "-j", "1", NULL};
    const char *b[] = {"sweep", f, "--db", tu_path("b.db"), "-j", "2", NULL};
    char *out;
    cr_assert_eq(tu_run_cmd(cmd_sweep, &out, NULL, a), CS_OK);
    cr_expect_not_null(strstr(out, "8 runs (2 variants × 2 points × 2 replications), -j 1"), "%s",
                       out);
    free(out);
    cr_assert_eq(tu_run_cmd(cmd_sweep, &out, NULL, b), CS_OK);
    free(out);
    char *da = dump(tu_path("a.db")), *db = dump(tu_path("b.db"));
    cr_expect_gt(strlen(da), 1000);
    cr_expect(!strcmp(da, db), "the rows differ between -j 1 and -j 2");
    free(da);
    free(db);
}

Test(sweep, the_summary_has_a_row_per_scenario, .init = tu_make_dir, .fini = tu_rm_dir)
{
    const char *f = tu_write_file("q.yaml", QUEUE_FILE "replications: 3\n"
                                                    "sweep: {queue.arrival: [100/s, 200/s]}\n");
    const char *a[] = {"sweep",           f,   "--db", tu_path("s.db"), "-j", "2", "--metric",
                       "latency.mean_ms", NULL};
    char *out;
    cr_assert_eq(tu_run_cmd(cmd_sweep, &out, NULL, a), CS_OK);
    cr_expect_not_null(strstr(out, "scenario             runs  latency.mean_ms"), "%s", out);
    cr_expect_not_null(strstr(out, "queue.arrival=100/s     3"), "%s", out);
    cr_expect_not_null(strstr(out, "queue.arrival=200/s     3"), "%s", out);
    cr_expect_not_null(strstr(out, " ± "), "%s", out);
    free(out);
}

Test(sweep, tune_ranks_the_grid_by_the_objective_within_the_constraints, .init = tu_make_dir,
     .fini = tu_rm_dir)
{
    /* At 800/s one server is 80 % busy; three wait far less than two. */
    const char *f =
        tu_write_file("t.yaml", QUEUE_FILE "replications: 3\n"
                                           "sweep: {queue.servers: [1, 2, 3]}\n"
                                           "objective:\n"
                                           "  minimize: latency.mean_ms\n"
                                           "  constraints: [\"mean(latency.mean_ms) < 10\"]\n");
    const char *a[] = {
        "tune", f, "--db", tu_path("t.db"), "-j", "2", "--set", "queue.arrival=800/s", NULL};
    char *out, *err;
    cr_expect_eq(tu_run_cmd(cmd_tune, &out, &err, a), CS_OK, "%s", err);
    cr_expect_not_null(strstr(out, "   1  3  "), "%s", out);
    cr_expect_not_null(strstr(out, "minimize latency.mean_ms"), "the column says what it ranks: %s",
                       out);
    cr_expect_not_null(strstr(out, "mean(latency.mean_ms) < 10"), "constraint values shown: %s",
                       out);
    cr_expect_not_null(strstr(out, "best: queue.servers=3"), "%s", out);
    cr_expect_not_null(strstr(out, "--set 'queue.servers=3'"), "%s", out);
    free(out);
    free(err);
    /* At 100/s every point waits about the same: 1.015 +- 0.13 vs 1.019 +- 0.14
     * ms cannot be told apart, and tune must not call one "best". */
    const char *b[] = {"tune",  f,
                       "--db",  tu_path("t2.db"),
                       "-j",    "2",
                       "--set", "queue.arrival=100/s",
                       "--set", "replications=2",
                       NULL};
    cr_expect_eq(tu_run_cmd(cmd_tune, &out, &err, b), CS_OK, "%s", err);
    cr_expect_not_null(strstr(out, "tied with best"), "%s", out);
    cr_expect_not_null(strstr(out, "no single best: 2 points are tied with the top one"), "%s", out);
    cr_expect_null(strstr(out, "\nbest: "), "%s", out);
    free(out);
    free(err);
    /* No point can meet an impossible constraint: exit 1. */
    const char *sets[] = {
        "tune", f, "--db", tu_path("t.db"), "-j", "1", "--set", "queue.arrival=100/s", NULL};
    f = tu_write_file("t2.yaml", QUEUE_FILE "sweep: {queue.servers: [1, 2]}\n"
                                         "objective: {maximize: requests.ok, "
                                         "constraints: [requests.ok < 0]}\n");
    sets[1] = f;
    cr_expect_eq(tu_run_cmd(cmd_tune, &out, NULL, sets), CS_EXPECT_FAILED);
    cr_expect_not_null(strstr(out, "no point meets every constraint"), "%s", out);
    cr_expect_not_null(strstr(out, "violates requests.ok < 0"), "%s", out);
    free(out);
}

/* ---- suite compare --------------------------------------------------------------- */

/* A database with `n` runs of scenario "exp p=1": latency.p99_ms = base +
 * noise, requests.ok = ok, requests.total = total. */
static const char *synthetic(const char *name, int n, double base, double ok, double total)
{
    const char *path = tu_path(name);
    store *s;
    cs_err err = {0};
    cr_assert_eq(store_open(path, &s, &err), 0, "%s", err.msg);
    static const double noise[] = {0, 1, -1, 0.5, -0.5, 0.25};
    for (int i = 0; i < n; i++) {
        run_info ri = {.experiment = "exp", .name = "exp p=1", .seed = (uint64_t)i + 1};
        int64_t id;
        cr_assert_eq(store_begin_run(s, &ri, &id, &err), 0);
        run_rows r = {0};
        rows_metric(&r, -1, "requests.total", total);
        rows_metric(&r, -1, "requests.ok", ok + noise[i]);
        rows_metric(&r, -1, "latency.p99_ms", base + noise[i]);
        rows_metric(&r, 0, "latency.p99_ms", 1e9); /* per node: not compared */
        cr_assert_eq(store_finish_run(s, id, &r, SEC(1), 1, 0.1, &err), 0);
        rows_free(&r);
    }
    store_close(s);
    return path;
}

static int compare(char **out, const char *b, const char *c, const char *fmt)
{
    const char *args[] = {"compare",  "--baseline",        b,   "--candidate", c,
                          "--format", fmt ? fmt : "table", NULL};
    return tu_run_cmd(cmd_compare, out, NULL, args);
}

Test(compare, identical_databases_exit_0, .init = tu_make_dir, .fini = tu_rm_dir)
{
    const char *b = synthetic("b.db", 5, 100, 1000, 1000);
    char *out;
    cr_expect_eq(compare(&out, b, b, NULL), CS_OK);
    cr_expect_not_null(strstr(out, "3 metrics the same within noise"), "%s", out);
    cr_expect_not_null(strstr(out, "OK: 0 metrics worse"), "%s", out);
    free(out);
}

Test(compare, a_clearly_worse_candidate_exits_1, .init = tu_make_dir, .fini = tu_rm_dir)
{
    const char *b = synthetic("b.db", 5, 100, 1000, 1000);
    const char *c = synthetic("c.db", 5, 150, 1000, 1000);
    char *out;
    cr_expect_eq(compare(&out, b, c, NULL), CS_EXPECT_FAILED);
    cr_expect_not_null(strstr(out, "+50.0%"), "%s", out);
    cr_expect_not_null(strstr(out, "WORSE"), "%s", out);
    cr_expect_not_null(strstr(out, "worse in exp · p=1: latency.p99_ms +50.0%"), "%s", out);
    free(out);
    cr_expect_eq(compare(&out, b, c, "tsv"), CS_EXPECT_FAILED);
    cr_expect_not_null(strstr(out, "exp\t\texp p=1\tlatency.p99_ms\t5\t100\t"), "%s", out);
    cr_expect_not_null(strstr(out, "\tworse\n"), "%s", out);
    free(out);
    cr_expect_eq(compare(&out, b, c, "json"), CS_EXPECT_FAILED);
    cr_expect_not_null(strstr(out, "\"worse\": 1"), "%s", out);
    free(out);
}

Test(compare, direction_decides_better_or_worse, .init = tu_make_dir, .fini = tu_rm_dir)
{
    const char *b = synthetic("b.db", 5, 100, 1000, 1000);
    /* Lower latency is better; lower requests.ok is worse; requests.total has
     * no good direction: it is only 'changed'. */
    const char *c = synthetic("c.db", 5, 50, 900, 1200);
    char *out;
    cr_expect_eq(compare(&out, b, c, "tsv"), CS_EXPECT_FAILED);
    cr_expect_not_null(strstr(out, "latency.p99_ms\t5\t100\t"), "%s", out);
    cr_expect_not_null(strstr(out, "\tbetter\n"), "%s", out);
    cr_expect_not_null(strstr(out, "requests.ok"), "%s", out);
    cr_expect_not_null(strstr(out, "\tworse\n"), "%s", out);
    cr_expect_not_null(strstr(out, "\tchanged\n"), "%s", out);
    free(out);
    /* Only better: exit 0. */
    const char *d = synthetic("d.db", 5, 50, 1100, 1000);
    cr_expect_eq(compare(&out, b, d, NULL), CS_OK);
    cr_expect_not_null(strstr(out, "2 better"), "%s", out);
    free(out);
}

Test(compare, noise_is_not_a_verdict, .init = tu_make_dir, .fini = tu_rm_dir)
{
    const char *b = synthetic("b.db", 5, 100, 1000, 1000);
    const char *c = synthetic("c.db", 4, 100.3, 1000, 1000); /* well within noise */
    char *out;
    /* other seeds (1-4 vs 1-5): refused unless declared, then Welch's test */
    cr_expect_eq(compare(&out, b, c, "tsv"), CS_USAGE);
    free(out);
    const char *args[] = {"compare", "--baseline", b,       "--candidate", c,
                          "--format", "tsv",     "--allow-diff", "seed",   NULL};
    cr_expect_eq(tu_run_cmd(cmd_compare, &out, NULL, args), CS_OK);
    cr_expect_not_null(strstr(out, "\twelch\t"), "%s", out);
    cr_expect_null(strstr(out, "worse"), "%s", out);
    cr_expect_null(strstr(out, "better"), "%s", out);
    free(out);
    /* One run a side: a difference cannot be told from noise, and never fails. */
    const char *b1 = synthetic("b1.db", 1, 100, 1000, 1000);
    const char *c1 = synthetic("c1.db", 1, 150, 1000, 1000);
    cr_expect_eq(compare(&out, b1, c1, NULL), CS_OK);
    cr_expect_not_null(strstr(out, "differs (n<2)"), "%s", out);
    free(out);
}

Test(compare, usage_and_io_errors, .init = tu_make_dir, .fini = tu_rm_dir)
{
    const char *b = synthetic("b.db", 2, 100, 1000, 1000);
    char *out;
    cr_expect_eq(compare(&out, b, tu_path("missing.db"), NULL), CS_IO);
    free(out);
    const char *only_b[] = {"compare", "--baseline", b, NULL};
    cr_expect_eq(tu_run_cmd(cmd_compare, NULL, NULL, only_b), CS_USAGE);
    const char *other[] = {"compare", "--baseline",   b,      "--candidate",
                           b,         "--experiment", "nope", NULL};
    cr_expect_eq(tu_run_cmd(cmd_compare, NULL, NULL, other), CS_USAGE);
}
