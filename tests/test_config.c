/* test_config.c — the config language, rule by rule (Criterion suite
 * `config`): defaults, every value type with good and bad input (messages
 * carry file:line:column and the key), did-you-mean, `base:` merge and
 * cycles, `--set`, print → reload round trip, params coverage, the hash,
 * cross-key checks, and garbage that must never crash the loader.
 * Fixture files live in tests/data/config/ (paths relative to the repo root,
 * where `make test` runs the suite).
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/config/config.h"

#define DATA "tests/data/config/"

/* Load text as a config named "t.yaml"; returns the status. */
static int load(const char *text, config *c, cs_err *err)
{
    memset(err, 0, sizeof *err);
    return config_load_string(text, "t.yaml", NULL, 0, c, err);
}

/* A breaker parameter's effective value by its policy name (NAN: absent). */
static double bparam(const config *c, const char *name)
{
    for (size_t i = 0; i < c->l2.breaker.nparams; i++)
        if (!strcmp(c->l2.breaker.params[i].name, name))
            return c->l2.breaker.params[i].value;
    return NAN;
}

static int load_sets(const char *text, const char *const *sets, int n, config *c, cs_err *err)
{
    memset(err, 0, sizeof *err);
    return config_load_string(text, "t.yaml", sets, n, c, err);
}

/* The params value of `path`, or NULL; the caller frees. */
static char *param(const config *c, const char *path)
{
    run_rows rows = {0};
    config_params(c, &rows);
    char *v = NULL;
    for (size_t i = 0; i < rows.params.n; i++)
        if (!strcmp(rows.params.v[i].path, path))
            v = strdup(rows.params.v[i].value);
    rows_free(&rows);
    return v;
}

/* ---- defaults -------------------------------------------------------------- */

Test(config, defaults_when_file_says_only_schema)
{
    config c;
    cs_err e;
    cr_assert_eq(load("schema: 1\n", &c, &e), 0, "%s", e.msg);
    cr_expect_eq(c.schema, 1);
    cr_expect_eq(c.model, CFG_MODEL_CACHE);
    cr_expect_eq(c.seed, 1);
    cr_expect_eq(c.duration, SEC(60));
    cr_expect_eq(c.interval, SEC(1));
    cr_expect_eq(c.nodes.count, 3);
    cr_expect_eq(c.node_total, 3);
    cr_expect_eq(c.node_groups.n, 1);
    cr_expect_str_eq(c.nodes.cache_name, "FusionCache");
    cr_expect_eq(c.nodes.workers.min, 8);
    cr_expect_eq(c.nodes.workers.max, INT64_MAX);
    cr_expect_eq(c.workload.kind, CFG_LOAD_OPEN);
    cr_expect_eq(c.workload.request.n, 1);
    cr_expect_eq(c.workload.request.v[0].op, CFG_OP_GET_OR_SET);
    cr_expect_eq(c.cache.duration, SEC(30)); /* FusionCache Duration */
    cr_expect_eq(c.cache.fail_safe.max_duration, SEC(86400));
    cr_expect_eq(c.cache.factory_timeout.soft, SIM_NEVER);
    cr_expect_eq(c.cache.lock.poll_min, MS(10));
    cr_expect_eq(c.l2.client.timeout, SEC(5)); /* SE.Redis syncTimeout */
    cr_expect_eq(c.l2.client.async_timeout, SEC(5), "inherits timeout");
    cr_expect_str_eq(c.l2.client.reconnect.policy, "ser_exponential");
    cr_expect_str_eq(c.l2.breaker.kind, "none");
    cr_expect_eq(c.l2.breaker.nparams, 0, "kind none has no parameters");
    cr_expect_str_eq(c.l2.redis.commands.hmget.text, c.l2.redis.service.text,
                     "commands inherit service");
    cr_expect_eq(c.backplane.auto_recovery.delay, SEC(5));
    cr_expect_eq(c.faults.n, 0);
    cr_expect_eq(c.expect.n, 0);
    cr_expect_float_eq(c.queue.arrival * dist_mean(&c.queue.service.d) / 1e9, 0.5, 1e-12,
                       "queue defaults to rho = 0.5");
    config_free(&c);
}

Test(config, empty_file_is_all_defaults)
{
    config c;
    cs_err e;
    cr_assert_eq(load("", &c, &e), 0, "%s", e.msg);
    cr_expect_eq(c.schema, 1);
    config_free(&c);
}

Test(config, schema_must_be_1)
{
    config c;
    cs_err e;
    cr_expect_eq(load("schema: 2\n", &c, &e), CS_USAGE);
    cr_expect(strstr(e.msg, "t.yaml:1:9: schema: 2 is out of range: must be <= 1") != NULL, "%s",
              e.msg);
}

/* ---- value types: good ------------------------------------------------------- */

typedef struct good_case {
    const char *yaml, *path, *want;
} good_case;

static const good_case good_cases[] = {
    /* durations */
    {"cache: {duration: 1.5s}", "cache.duration", "1500ms"},
    {"cache: {duration: 250us}", "cache.duration", "250us"},
    {"cache: {duration: 0.5ms}", "cache.duration", "500us"},
    {"cache: {duration: 2m}", "cache.duration", "2m"},
    {"cache: {duration: 1h}", "cache.duration", "1h"},
    {"cache: {duration: 90s}", "cache.duration", "90s"},
    {"cache: {duration: 7ns}", "cache.duration", "7ns"},
    {"cache: {factory_timeout: {soft: none}}", "cache.factory_timeout.soft", "none"},
    {"cache: {factory_timeout: {hard: 3s}}", "cache.factory_timeout.hard", "3s"},
    /* rates */
    {"workload: {rate: 500/s}", "workload.rate", "500/s"},
    {"workload: {rate: 30/m}", "workload.rate", "0.5/s"},
    {"workload: {rate: 2/ms}", "workload.rate", "2000/s"},
    {"workload: {rate: 0.25/s}", "workload.rate", "0.25/s"},
    /* sizes */
    {"workload: {value_size: 512B}", "workload.value_size", "512B"},
    {"workload: {value_size: 4KB}", "workload.value_size", "4KB"},
    {"workload: {value_size: 1MB}", "workload.value_size", "1MB"},
    {"workload: {value_size: 1536B}", "workload.value_size", "1536B"},
    {"l2: {redis: {memory: unbounded}}", "l2.redis.memory", "unbounded"},
    /* ints, doubles, bools, strings, enums */
    {"seed: 100_000", "seed", "100000"},
    {"workload: {keys: {s: 1.2}}", "workload.keys.s", "1.2"},
    {"workload: {write_ratio: 1e-1}", "workload.write_ratio", "0.1"},
    {"cache: {fail_safe: {enabled: yes}}", "cache.fail_safe.enabled", "true"},
    {"cache: {fail_safe: {enabled: false}}", "cache.fail_safe.enabled", "false"},
    {"name: 'single quoted'", "name", "single quoted"},
    {"name: 123", "name", "123"},
    {"l2: {breaker: {kind: polly}}", "l2.breaker.kind", "polly"},
    {"l2: {client: {stuck: {threshold: 50}}}", "l2.client.stuck.threshold", "50"},
    {"l2: {client: {reconnect: {max_retries: unbounded}}}", "l2.client.reconnect.max_retries",
     "unbounded"},
    {"nodes: {workers: unbounded}", "nodes.workers.min", "unbounded"},
    {"nodes: {workers: {max: 32767}}", "nodes.workers.max", "32767"},
    /* distributions */
    {"database: {service: 200ms}", "database.service", "200ms"},
    {"database: {service: {dist: exponential, mean: 20ms}}", "database.service",
     "{dist: exponential, mean: 20ms}"},
    {"database: {service: {dist: lognormal, median: 0.1ms, p99: 1000us}}", "database.service",
     "{dist: lognormal, median: 100us, p99: 1ms}"},
    {"database: {service: {dist: gamma, shape: 2, scale: 1ms}}", "database.service",
     "{dist: gamma, shape: 2, scale: 1ms}"},
    {"database: {service: {dist: empirical, points: [[1ms, 0.5], [3ms, 1]]}}", "database.service",
     "{dist: empirical, points: [[1ms, 0.5], [3ms, 1]]}"},
    {"l2: {redis: {commands: {get: 50us}}}", "l2.redis.commands.get", "50us"},
    {"l2: {redis: {service: 70us}}", "l2.redis.commands.set", "70us"},
    {"l2: {client: {timeout: 3s}}", "l2.client.acquire_timeout", "3s"},
    /* lists */
    {"faults: [{at: 1s, target: link, node: 2, kind: down}]", "faults[0].node", "2"},
    {"faults: [{at: 1s, target: link, kind: partition, nodes: [0, 2]}]", "faults[0].nodes",
     "[0, 2]"},
    {"faults: [{at: 1s}]", "faults[0].node", "all"},
    {"faults:", "faults", "[]"},
    {"expect: [\"a < 1\", b == 2]", "expect[1]", "b == 2"},
    {"workload: {request: [{op: set, keys: 800, key: sequential, from: 1}]}",
     "workload.request[0].keys", "800"},
    {"model: queue\nqueue: {servers: 2, arrival: 900/s}", "queue.arrival", "900/s"},
};

Test(config, every_value_type_accepts_good_input)
{
    for (size_t i = 0; i < sizeof good_cases / sizeof *good_cases; i++) {
        const good_case *t = &good_cases[i];
        char text[1024];
        snprintf(text, sizeof text, "schema: 1\n%s\n", t->yaml);
        config c;
        cs_err e;
        int rc = load(text, &c, &e);
        cr_expect_eq(rc, 0, "case %zu (%s): %s", i, t->yaml, e.msg);
        if (rc)
            continue;
        char *v = param(&c, t->path);
        cr_expect(v && !strcmp(v, t->want), "case %zu (%s): %s = '%s', want '%s'", i, t->yaml,
                  t->path, v ? v : "(missing)", t->want);
        free(v);
        config_free(&c);
    }
}

Test(config, durations_and_rates_land_in_ns_and_per_second)
{
    config c;
    cs_err e;
    cr_assert_eq(load("schema: 1\nduration: 1.5s\nwarmup: 250us\nworkload: {rate: 30/m}\n"
                      "cache: {factory_timeout: {hard: none}}\n",
                      &c, &e),
                 0, "%s", e.msg);
    cr_expect_eq(c.duration, 1500000000LL);
    cr_expect_eq(c.warmup, 250000LL);
    cr_expect_eq(c.cache.factory_timeout.hard, INT64_MAX);
    cr_expect_float_eq(c.workload.rate, 0.5, 1e-12);
    config_free(&c);
    sim_ns t;
    double r;
    cs_err e2;
    cr_expect_eq(config_parse_duration("2m", &t, &e2), 0);
    cr_expect_eq(t, SEC(120));
    cr_expect_eq(config_parse_duration("1.25ms", &t, &e2), 0);
    cr_expect_eq(t, US(1250));
    cr_expect_eq(config_parse_rate("2/ms", &r, &e2), 0);
    cr_expect_float_eq(r, 2000, 1e-9);
    cr_expect_neq(config_parse_duration("5", &t, &e2), 0);
    cr_expect(strstr(e2.msg, "needs a unit, e.g. 5s"), "%s", e2.msg);
}

/* ---- value types: bad ---------------------------------------------------------- */

typedef struct bad_case {
    const char *yaml; /* after "schema: 1\n", so it starts on line 2 */
    const char *want; /* substring of the message */
} bad_case;

static const bad_case bad_cases[] = {
    {"duration: 5", "t.yaml:2:11: duration: '5' needs a unit, e.g. 5s"},
    {"duration: 5 parsecs", "t.yaml:2:11: duration: '5 parsecs': unknown unit 'parsecs'"},
    {"duration: fast", "t.yaml:2:11: duration: 'fast' is not a duration"},
    {"duration: -5s", "t.yaml:2:11: duration: -5s is out of range: must be > 0s"},
    {"duration: 0s", "duration: 0s is out of range: must be > 0s"},
    {"duration: none", "duration: none is not allowed here"},
    {"duration: 1e30h", "t.yaml:2:11: duration: '1e30h'"},
    {"duration: 99999999999h", "is too long"},
    {"duration: [1s]", "t.yaml:2:11: duration: expected a duration, found a list"},
    {"duration:", "t.yaml:2:10: duration: needs a value"},
    {"seed: 1.5", "t.yaml:2:7: seed: '1.5' is not an integer"},
    {"seed: 99999999999999999999", "seed: '99999999999999999999' is too large"},
    {"seed: -1", "seed: -1 is out of range: must be >= 0"},
    {"workload: {rate: 500}", "t.yaml:2:18: workload.rate: '500' needs a unit, e.g. 500/s"},
    {"workload: {rate: 500/day}", "workload.rate: '500/day': unknown time unit 'day'"},
    {"workload: {rate: -1/s}", "workload.rate: -1/s is out of range: must be >= 0/s"},
    {"workload: {value_size: 12}", "workload.value_size: '12' needs a unit, e.g. 12B"},
    {"workload: {value_size: 3TB}", "unknown unit 'TB'"},
    {"workload: {write_ratio: 1.5}", "workload.write_ratio: 1.5 is out of range: must be <= 1"},
    {"workload: {write_ratio: nan}", "'nan' is not a number"},
    {"workload: {write_ratio: 1e999}", "is too large"},
    {"cache: {fail_safe: {enabled: maybe}}",
     "t.yaml:2:30: cache.fail_safe.enabled: 'maybe' is not true or false"},
    {"l2: {breaker: {kind: hcl}}", "l2.breaker.kind: unknown breaker kind 'hcl'"},
    {"l2: {breaker: {kind: 3}}", "(one of: hcl_v1, sliding_window, polly, simple, none)"},
    {"l2: {breaker: {kind: polly, retry_wait_time: 3s}}",
     "t.yaml:2:29: l2.breaker.retry_wait_time: not a parameter of breaker kind polly (it is "
     "hcl_v1's); polly takes: failure_ratio, minimum_throughput, sampling_duration, "
     "break_duration"},
    {"l2: {breaker: {kind: polly, failure_ratio: 3}}", "l2.breaker: polly: failure_ratio must be"},
    {"l2: {breaker: {kind: polly, failure_ratio: many}}",
     "l2.breaker.failure_ratio: 'many': expected a number"},
    {"l2: {breaker: {kind: sliding_window, sliding_window_type: rolling}}",
     "l2.breaker.sliding_window_type: unknown value 'rolling' (one of: count_based, time_based)"},
    {"l2: {client: {retries: {backoff: fibonacci}}}",
     "l2.client.retries.backoff: unknown backoff schedule 'fibonacci'"},
    {"cache: 5", "t.yaml:2:8: cache: expected a map of keys, found a value"},
    {"cache: [1, 2]", "cache: expected a map of keys, found a list"},
    {"faults: {at: 1s}", "t.yaml:2:9: faults: expected a list of maps"},
    {"faults: [5s]", "t.yaml:2:10: faults[0]: expected a map of keys, found a value"},
    {"faults: [{at: 1s, for: 1x}]", "t.yaml:2:24: faults[0].for: '1x': unknown unit 'x'"},
    {"workload: {profile: [{at: 5s}]}", "t.yaml:2:22: workload.profile[0].rate: missing (this key "
                                        "has no default)"},
    {"expect: [{a: 1}]", "expect[0]: expected a string, found a map"},
    {"expect: 5", "expect: expected a list of strings"},
    {"database: {service: {mean: 5ms}}", "t.yaml:2:21: database.service: a distribution needs "
                                         "'dist: KIND'"},
    {"database: {service: {dist: exponential, mean: 5}}",
     "database.service.mean: '5' needs a unit, e.g. 5s"},
    {"database: {service: {dist: exponential}}", "exponential distribution needs 'mean'"},
    {"database: {service: {dist: uniform, min: 5ms, max: 1ms}}", "need 0 <= min <= max"},
    {"database: {service: {dist: empirical, points: [[1ms, 0.5]]}}", "the last cdf must be 1"},
    {"database: {service: {dist: empirical, points: [[1ms]]}}", "expected [value, cdf]"},
    {"database: {service: -5ms}", "a constant time must be >= 0s"},
    {"database: {service: [1ms]}", "expected {dist: KIND, ...} or a duration, found a list"},
    {"nodes: {workers: lots}", "nodes.workers: expected {min, injection, max} or unbounded"},
    {"nodes: {count: 0}", "nodes.count: 0 is out of range: must be >= 1"},
    {"faults: [{at: 1s, node: some}]", "faults[0].node: 'some' is not an integer"},
    {"faults: [{at: 1s, target: link, kind: partition, nodes: [0, x]}]",
     "faults[0].nodes[1]: 'x' is not an integer"},
    {"seed: 1\nseed: 2", "t.yaml:3:1: duplicate key 'seed'"},
    {"nodes: {count: [1", "t.yaml:3:1: YAML syntax error"},
    {"name: \"unterminated", "YAML syntax error"},
    {"---\nseed: 1\n---\nseed: 2", "only one YAML document"},
    {"? [a]\n: b", "a map key must be a plain name"},
    {"replications: 10", "t.yaml:2:1: replications: this is an experiment key"},
    {"sweep: {seed: [1, 2]}", "sweep: this is an experiment key"},
};

Test(config, bad_values_are_errors_with_file_line_column_and_key)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++) {
        const bad_case *t = &bad_cases[i];
        char text[1024];
        snprintf(text, sizeof text, "schema: 1\n%s\n", t->yaml);
        config c;
        cs_err e;
        int rc = load(text, &c, &e);
        cr_expect_eq(rc, CS_USAGE, "case %zu (%s): status %d", i, t->yaml, rc);
        cr_expect_eq(e.code, rc, "case %zu", i);
        cr_expect(strstr(e.msg, t->want) != NULL, "case %zu (%s):\n  got  %s\n  want %s", i,
                  t->yaml, e.msg, t->want);
        if (rc == 0)
            config_free(&c);
    }
}

/* ---- did you mean ------------------------------------------------------------- */

static const bad_case typo_cases[] = {
    {"l2: {breaker: {kind: hcl_v1, retry_wiat_time: 30s}}",
     "l2.breaker.retry_wiat_time: unknown key; did you mean 'retry_wait_time'?"},
    {"sed: 3", "t.yaml:2:1: sed: unknown key; did you mean 'seed'?"},
    {"nodes: {cout: 3}", "nodes.cout: unknown key; did you mean 'count'?"},
    {"connect_timeout: 3s", "connect_timeout: unknown key here; did you mean "
                            "'l2.client.connect_timeout'?"},
    {"l2: {breaker: {kind: hcl_v2}}", "unknown breaker kind 'hcl_v2'; did you mean 'hcl_v1'?"},
    {"backplane: {receive: sync}", "did you mean 'async'?"},
    {"database: {service: {dist: expo, mean: 1ms}}", "unknown distribution 'expo'; did you mean "
                                                     "'exponential'?"},
    {"database: {service: {dist: lognormal, median: 1ms, p90: 5ms}}",
     "lognormal distribution has no parameter 'p90'; did you mean 'p99'?"},
    {"zzzzzz: 1", "zzzzzz: unknown key (known here: schema, name, seed"},
};

Test(config, unknown_names_suggest_the_closest_known_one)
{
    for (size_t i = 0; i < sizeof typo_cases / sizeof *typo_cases; i++) {
        const bad_case *t = &typo_cases[i];
        char text[512];
        snprintf(text, sizeof text, "schema: 1\n%s\n", t->yaml);
        config c;
        cs_err e;
        cr_expect_eq(load(text, &c, &e), CS_USAGE, "case %zu", i);
        cr_expect(strstr(e.msg, t->want) != NULL, "case %zu:\n  got  %s\n  want %s", i, e.msg,
                  t->want);
    }
}

/* ---- cross-key checks ---------------------------------------------------------- */

static const bad_case cross_cases[] = {
    {"duration: 10s\nwarmup: 10s", "t.yaml:3:9: warmup: 10s must be shorter than duration (10s)"},
    {"duration: 10s\ninterval: 11s", "interval: 11s is longer than the run's duration"},
    {"nodes: {workers: {min: 9, max: 4}}", "nodes.workers.min: 9 is above workers.max (4)"},
    {"nodes: {count: 5, groups: [{count: 2}, {count: 2}]}",
     "nodes.count: 5, but the groups hold 4 nodes"},
    {"faults: [{at: 2m, kind: down}]", "faults[0].at: 2m is not before the end of the run"},
    {"faults: [{at: 1s, target: redis, kind: capacity}]",
     "faults[0].kind: capacity does not apply to target redis (it takes: down, blackhole, slow, "
     "restart, flush, partition, pause)"},
    {"faults: [{at: 1s, target: link, node: 3}]", "faults[0].node: 3, but there are 3 nodes"},
    {"faults: [{at: 1s, target: redis, node: 1}]",
     "faults[0].node: redis down is shared by all nodes"},
    {"faults: [{at: 1s, mttf: 1h}]", "faults[0].mttf: a stochastic fault needs both mttf and mttr"},
    {"faults: [{at: 1s, target: link, kind: partition, nodes: [7]}]",
     "faults[0].nodes[0]: 7, but there are 3 nodes"},
    {"cache: {factory_timeout: {soft: 2s, hard: 1s}}",
     "cache.factory_timeout.soft: must not exceed cache.factory_timeout.hard"},
    {"cache: {lock: {poll_min: 1s, poll_max: 10ms}}", "cache.lock.poll_min: must not exceed"},
    {"workload: {request: []}", "workload.request: a request needs at least one operation"},
    {"workload: {keys: {count: 100}, request: [{op: set, keys: 800, key: sequential}]}",
     "keys 1..800 fall outside the key space 1..100"},
    {"workload: {profile: [{at: 5s, rate: 1/s}, {at: 1s, rate: 2/s}]}",
     "workload.profile[1].at: profile steps must be in time order"},
    {"model: queue\nqueue: {arrival: 2000/s}", "the queue is unstable (rho = 2 >= 1)"},
};

Test(config, checks_across_keys_name_the_key_that_breaks_them)
{
    for (size_t i = 0; i < sizeof cross_cases / sizeof *cross_cases; i++) {
        const bad_case *t = &cross_cases[i];
        char text[512];
        snprintf(text, sizeof text, "schema: 1\n%s\n", t->yaml);
        config c;
        cs_err e;
        cr_expect_eq(load(text, &c, &e), CS_USAGE, "case %zu", i);
        cr_expect(strstr(e.msg, t->want) != NULL, "case %zu:\n  got  %s\n  want %s", i, e.msg,
                  t->want);
    }
}

/* ---- node groups ---------------------------------------------------------------- */

Test(config, groups_inherit_what_they_leave_out_from_nodes)
{
    config c;
    cs_err e;
    cr_assert_eq(
        load("schema: 1\nnodes:\n  cache_name: shared\n  workers: {min: 4, injection: 1s}\n"
             "  groups:\n    - {count: 2}\n    - {count: 3, cache_name: own, workers: "
             "{min: 1}}\n",
             &c, &e),
        0, "%s", e.msg);
    cr_expect_eq(c.node_total, 5);
    cr_expect_eq(c.nodes.count, 5, "count filled in from the groups");
    cr_expect_eq(c.node_groups.n, 2);
    cr_expect_str_eq(c.node_groups.v[0].cache_name, "shared");
    cr_expect_eq(c.node_groups.v[0].workers.min, 4);
    cr_expect_str_eq(c.node_groups.v[1].cache_name, "own");
    cr_expect_eq(c.node_groups.v[1].workers.min, 1);
    cr_expect_eq(c.node_groups.v[1].workers.injection, SEC(1), "inherited key by key");
    cr_expect_eq(config_node_group(&c, 0), &c.node_groups.v[0]);
    cr_expect_eq(config_node_group(&c, 2), &c.node_groups.v[1]);
    cr_expect_eq(config_node_group(&c, 4), &c.node_groups.v[1]);
    cr_expect_null(config_node_group(&c, 5));
    config_free(&c);
}

/* ---- base: --------------------------------------------------------------------- */

Test(config, base_maps_merge_and_scalars_and_lists_replace)
{
    config c;
    cs_err e = {0};
    cr_assert_eq(config_load(DATA "child.yaml", NULL, 0, &c, &e), 0, "%s", e.msg);
    cr_expect_str_eq(c.name, "child");
    cr_expect_eq(c.seed, 3, "from base");
    cr_expect_eq(c.duration, SEC(600), "from base");
    cr_expect_eq(c.nodes.count, 4);
    cr_expect_str_eq(c.l2.breaker.kind, "hcl_v1", "map merged: kind kept");
    cr_expect_eq(bparam(&c, "retry_wait_time"), (double)SEC(30),
                 "map merged: retry_wait (the former name of retry_wait_time) replaced");
    cr_expect_eq(bparam(&c, "minimum_consecutive_failures"), 20, "the policy's default");
    cr_expect_str_eq(c.l2.redis.service.text, "{dist: exponential, mean: 200us}",
                     "a distribution replaces as a whole");
    cr_expect_eq(c.faults.n, 1, "lists replace");
    cr_expect_eq(c.faults.v[0].target, FAULT_TARGET_DATABASE);
    cr_expect_eq(c.expect.n, 1);
    cr_expect_str_eq(c.expect.v[0].text, "requests.error == 0");
    cr_expect(strstr(c.expect.v[0].mark.file, "base.yaml") != NULL);
    cr_expect_eq(c.expect.v[0].mark.line, 13);
    cr_expect_eq(c.expect.v[0].mark.col, 5);
    config_free(&c);
}

Test(config, base_resolves_relative_to_the_including_file)
{
    config c;
    cs_err e = {0};
    cr_assert_eq(config_load(DATA "sub/grandchild.yaml", NULL, 0, &c, &e), 0, "%s", e.msg);
    cr_expect_eq(c.seed, 9);
    cr_expect_str_eq(c.name, "child");
    cr_expect_eq(bparam(&c, "retry_wait_time"), (double)SEC(30));
    config_free(&c);
}

Test(config, base_cycles_and_missing_bases_are_errors)
{
    static const struct {
        const char *file, *want;
    } cases[] = {
        {DATA "cycle_a.yaml", "cycle_b.yaml:1:7: base: 'cycle_a.yaml' is already being loaded"},
        {DATA "self.yaml", "self.yaml:1:7: base: 'self.yaml' is already being loaded"},
        {DATA "missing_base.yaml", "missing_base.yaml:2:7: base: "},
        {DATA "missing_base.yaml", "does_not_exist.yaml: no such file"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        config c;
        cs_err e = {0};
        cr_expect_eq(config_load(cases[i].file, NULL, 0, &c, &e), CS_USAGE, "case %zu", i);
        cr_expect(strstr(e.msg, cases[i].want) != NULL, "case %zu: %s", i, e.msg);
    }
}

Test(config, a_missing_config_file_is_a_usage_error)
{
    config c;
    cs_err e = {0};
    cr_expect_eq(config_load(DATA "nope.yaml", NULL, 0, &c, &e), CS_USAGE);
    cr_expect(strstr(e.msg, "nope.yaml: no such file") != NULL, "%s", e.msg);
    cr_expect_eq(config_load(DATA, NULL, 0, &c, &e), CS_USAGE);
    cr_expect(strstr(e.msg, "is a directory") != NULL, "%s", e.msg);
}

/* ---- --set ----------------------------------------------------------------------- */

Test(config, set_overrides_scalars_nested_keys_and_list_items)
{
    const char *sets[] = {"seed=7",
                          "nodes.count=10",
                          "l2.breaker.retry_wait_time=30s",
                          "faults[0].for=60s",
                          "faults[1]={at: 1s, target: database, kind: slow}",
                          "l2.redis.service={dist: constant, value: 1ms}",
                          "expect[0]=requests.total > 0"};
    config c;
    cs_err e;
    cr_assert_eq(load_sets("schema: 1\nseed: 1\nl2: {breaker: {kind: hcl_v1}}\n"
                           "faults: [{at: 5s, kind: restart, for: 45s}]\n",
                           sets, 7, &c, &e),
                 0, "%s", e.msg);
    cr_expect_eq(c.seed, 7);
    cr_expect_eq(c.nodes.count, 10);
    cr_expect_eq(bparam(&c, "retry_wait_time"), (double)SEC(30));
    cr_expect_eq(c.faults.n, 2);
    cr_expect_eq(c.faults.v[0].for_, SEC(60));
    cr_expect_eq(c.faults.v[0].kind, FAULT_KIND_RESTART, "the rest of the item stays");
    cr_expect_eq(c.faults.v[1].target, FAULT_TARGET_DATABASE);
    cr_expect_str_eq(c.l2.redis.service.text, "{dist: constant, value: 1ms}");
    cr_expect_str_eq(c.expect.v[0].text, "requests.total > 0");
    cr_expect_str_eq(c.expect.v[0].mark.file, "--set expect[0]=requests.total > 0");
    config_free(&c);
}

Test(config, set_changes_one_parameter_of_a_distribution)
{
    /* the rest of the distribution comes from the file, its inheritance or
     * its default, so a sweep can vary one parameter */
    const char *sets[] = {"l2.redis.service.median=200us", "database.service.p99=1s",
                          "l2.redis.commands.get.p99=5ms", "workload.think.value=7ms"};
    config c;
    cs_err e;
    cr_assert_eq(load_sets("schema: 1\ndatabase: {service: {dist: lognormal, median: 20ms, p99: "
                           "300ms}}\nworkload: {think: 3ms}\n",
                           sets, 4, &c, &e),
                 0, "%s", e.msg);
    cr_expect_str_eq(c.l2.redis.service.text, "{dist: lognormal, median: 200us, p99: 1ms}");
    cr_expect_str_eq(c.database.service.text, "{dist: lognormal, median: 20ms, p99: 1s}");
    cr_expect_str_eq(c.l2.redis.commands.get.text, "{dist: lognormal, median: 200us, p99: 5ms}",
                     "inherits the already-changed service, then changes p99");
    cr_expect_str_eq(c.l2.redis.commands.set.text, "{dist: lognormal, median: 200us, p99: 1ms}");
    cr_expect_str_eq(c.workload.think.text, "{dist: constant, value: 7ms}");
    config_free(&c);
}

Test(config, set_applies_after_base_merge)
{
    const char *sets[] = {"l2.breaker.retry_wait_time=45s"};
    config c;
    cs_err e = {0};
    cr_assert_eq(config_load(DATA "child.yaml", sets, 1, &c, &e), 0, "%s", e.msg);
    cr_expect_eq(bparam(&c, "retry_wait_time"), (double)SEC(45));
    cr_expect_str_eq(c.l2.breaker.kind, "hcl_v1");
    config_free(&c);
}

static const bad_case set_cases[] = {
    {"seed", "--set seed: expected PATH=VALUE"},
    {"=5", "--set =5: expected PATH=VALUE"},
    {"seed=", "--set seed=: seed: needs a value"},
    {"l2.breaker.retry_wait_time=30s",
     "--set l2.breaker.retry_wait_time=30s: l2.breaker.retry_wait_time: not a parameter of breaker "
     "kind none (it is hcl_v1's)"},
    {"l2.breaker.retry_wiat=30s", "--set l2.breaker.retry_wiat=30s: l2.breaker.retry_wiat: unknown "
                                  "key (breaker kind none takes: kind, scope, no parameters)"},
    {"faults[3].for=1s",
     "--set faults[3].for=1s: faults[3].for: index 3 is past the end: the list has 0 items"},
    {"seed.x=1", "--set seed.x=1: seed: expected an integer, found a map"},
    {"nodes..count=1", "is not a key path"},
    {"nodes[x]=1", "is not a key path"},
    {"nodes.count=[1", "--set nodes.count=[1: YAML syntax error"},
    {"nodes.count=-3", "--set nodes.count=-3: nodes.count: -3 is out of range"},
    {"sweep.seed=1", "sweep: this is an experiment key"},
};

Test(config, bad_set_names_set_and_the_path)
{
    for (size_t i = 0; i < sizeof set_cases / sizeof *set_cases; i++) {
        const char *sets[] = {set_cases[i].yaml};
        config c;
        cs_err e;
        cr_expect_eq(load_sets("schema: 1\n", sets, 1, &c, &e), CS_USAGE, "case %zu", i);
        cr_expect(strstr(e.msg, set_cases[i].want) != NULL, "case %zu (%s):\n  got  %s\n  want %s",
                  i, set_cases[i].yaml, e.msg, set_cases[i].want);
    }
}

/* ---- print, params, hash ----------------------------------------------------------- */

static const char *const round_trip_inputs[] = {
    "schema: 1\n",
    "schema: 1\nmodel: queue\nqueue: {servers: 3, arrival: 2/ms, service: {dist: exponential, "
    "mean: 1ms}}\n",
    "schema: 1\nnodes: {groups: [{count: 2, cache_name: a}, {count: 1, workers: unbounded}]}\n",
    "schema: 1\nname: \"tab\\tand \\\"quotes\\\" and \\\\ and unicode é\"\n",
    "schema: 1\nworkload: {rate: 0.1/s, write_ratio: 0.333333333333}\n",
};

static void expect_round_trip(const config *c, const char *what)
{
    char *t1 = config_effective_text(c);
    config c2;
    cs_err e;
    int rc = load(t1, &c2, &e);
    cr_expect_eq(rc, 0, "%s: printed config does not load: %s\n%s", what, e.msg, t1);
    if (!rc) {
        char *t2 = config_effective_text(&c2);
        cr_expect_str_eq(t2, t1, "%s: print → load → print differs", what);
        char h1[17], h2[17];
        config_hash(c, h1);
        config_hash(&c2, h2);
        cr_expect_str_eq(h1, h2);
        free(t2);
        config_free(&c2);
    }
    free(t1);
}

Test(config, print_then_reload_gives_the_same_effective_config)
{
    for (size_t i = 0; i < sizeof round_trip_inputs / sizeof *round_trip_inputs; i++) {
        config c;
        cs_err e;
        cr_assert_eq(load(round_trip_inputs[i], &c, &e), 0, "case %zu: %s", i, e.msg);
        expect_round_trip(&c, round_trip_inputs[i]);
        config_free(&c);
    }
    const char *files[] = {DATA "rich.yaml", DATA "child.yaml", DATA "interfaces_example.yaml"};
    for (size_t i = 0; i < 3; i++) {
        config c;
        cs_err e = {0};
        cr_assert_eq(config_load(files[i], NULL, 0, &c, &e), 0, "%s", e.msg);
        expect_round_trip(&c, files[i]);
        config_free(&c);
    }
}

Test(config, params_cover_every_leaf_of_the_key_reference)
{
    /* rich.yaml has at least one item in every list; every non-section key
     * of the reference must then have a params row ("[]" → "[0]"). */
    config c;
    cs_err e = {0};
    cr_assert_eq(config_load(DATA "rich.yaml", NULL, 0, &c, &e), 0, "%s", e.msg);
    run_rows rows = {0};
    config_params(&c, &rows);
    char *md = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&md, &len);
    config_keys_markdown(f);
    fclose(f);
    int checked = 0;
    for (char *line = strtok(md, "\n"); line; line = strtok(NULL, "\n")) {
        char key[256], type[64];
        if (sscanf(line, "| `%255[^`]` | %63[^|]|", key, type) != 2)
            continue;
        if (!strncmp(type, "section", 7) || !strcmp(type, "list "))
            continue;
        char kind_of[64];
        snprintf(kind_of, sizeof kind_of, "kind `%s`", c.l2.breaker.kind);
        if (strstr(line, "| kind `") && !strstr(line, kind_of))
            continue; /* a parameter of another breaker kind than rich.yaml's */
        char want[300] = "";
        for (char *p = key, *q = want; *p; p++) { /* "[]" → "[0]" */
            *q++ = *p;
            if (*p == '[' && p[1] == ']')
                *q++ = '0';
            *q = 0;
        }
        if (!strncmp(type, "list of strings", 15))
            strcat(want, "[0]");
        bool found = false;
        for (size_t i = 0; i < rows.params.n && !found; i++)
            found = !strcmp(rows.params.v[i].path, want);
        cr_expect(found, "no params row for %s", want);
        checked++;
    }
    cr_expect_gt(checked, 150, "the reference lists every key (%d)", checked);
    /* and every row is a leaf of the printed config */
    char *text = config_effective_text(&c);
    size_t leaves = 0;
    for (const char *p = text; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n && p[n - 1] != ':' && p[0] != '#')
            leaves++;
    }
    cr_expect_eq(rows.params.n, leaves, "one params row per printed leaf line");
    free(text);
    free(md);
    rows_free(&rows);
    config_free(&c);
}

Test(config, hash_is_stable_and_changes_with_any_value)
{
    config a, b, d;
    cs_err e;
    cr_assert_eq(load("schema: 1\nseed: 5\n", &a, &e), 0);
    cr_assert_eq(load("seed: 5\nschema: 1\n", &b, &e), 0, "key order does not matter");
    cr_assert_eq(load("schema: 1\nseed: 5\ncache: {duration: 31s}\n", &d, &e), 0);
    char ha[17], hb[17], hd[17], ha2[17];
    config_hash(&a, ha);
    config_hash(&a, ha2);
    config_hash(&b, hb);
    config_hash(&d, hd);
    cr_expect_eq(strlen(ha), 16);
    cr_expect_str_eq(ha, ha2);
    cr_expect_str_eq(ha, hb);
    cr_expect_str_neq(ha, hd);
    config_free(&a);
    config_free(&b);
    config_free(&d);
}

Test(config, effective_text_is_canonical)
{
    /* one spelling per value: units chosen exactly, words for limits */
    config c;
    cs_err e;
    cr_assert_eq(load("schema: 1\ncache: {duration: 300000ms, jitter: 1.5s}\n"
                      "workload: {rate: 60/m, value_size: 2048B}\n",
                      &c, &e),
                 0, "%s", e.msg);
    char *t = config_effective_text(&c);
    static const char *const lines[] = {
        "  duration: 5m\n",     "  jitter: 1500ms\n",
        "  rate: 1/s\n",        "  value_size: 2KB\n",
        "    kind: none\n",    "    soft: none\n",
        "    max: unbounded\n", "  cache_name: \"FusionCache\"\n",
        "expect: []\n",
    };
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
        cr_expect(strstr(t, lines[i]) != NULL, "missing line '%s'", lines[i]);
    free(t);
    config_free(&c);
}

/* ---- experiment hooks and odds and ends --------------------------------------------- */

Test(config, experiment_keys_pass_only_when_the_caller_allows_them)
{
    yt_node *t;
    cs_err e = {0};
    cr_assert_eq(config_tree_from_string("schema: 1\nreplications: 5\nsweep: {seed: [1, 2]}\n",
                                         "x.yaml", &t, &e),
                 0);
    config c;
    cr_expect_eq(config_from_tree(t, 0, &c, &e), CS_USAGE);
    cr_expect(strstr(e.msg, "x.yaml:2:1: replications: this is an experiment key") != NULL, "%s",
              e.msg);
    cr_expect_eq(config_from_tree(t, CONFIG_ALLOW_EXPERIMENT_KEYS, &c, &e), 0, "%s", e.msg);
    config_free(&c);
    /* variants are merges of trees */
    yt_node *v;
    cr_assert_eq(yt_parse_string("l2: {breaker: {kind: polly}}", 28, "v", &v, &e), 0);
    config_tree_merge(t, v);
    cr_assert_eq(config_tree_set(t, "l2.breaker.break_duration=10s", &e), 0, "%s", e.msg);
    cr_expect_eq(config_from_tree(t, CONFIG_ALLOW_EXPERIMENT_KEYS, &c, &e), 0, "%s", e.msg);
    cr_expect_str_eq(c.l2.breaker.kind, "polly");
    cr_expect_eq(bparam(&c, "break_duration"), (double)SEC(10));
    config_free(&c);
    yt_free(v);
    yt_free(t);
}

Test(config, enum_names_come_from_the_table)
{
    cr_expect_str_eq(config_enum_name("faults.kind", FAULT_KIND_CAPACITY), "capacity");
    cr_expect_str_eq(config_enum_name("faults[2].target", FAULT_TARGET_BACKPLANE), "backplane");
    cr_expect_str_eq(config_enum_name("backplane.receive", CFG_RECEIVE_SYNC_INLINE), "sync_inline");
    cr_expect_str_eq(config_enum_name("seed", 0), "?");
    cr_expect_str_eq(config_enum_name("l2.breaker.scope", 99), "?");
}

Test(config, key_reference_lists_types_defaults_and_sources)
{
    char *md = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&md, &len);
    config_keys_markdown(f);
    fclose(f);
    cr_expect(strstr(md, "| `l2.breaker.retry_wait_time` | duration | `1m` | kind `hcl_v1` | "
                         "outage mode length before Redis is tried again (default 60 s) |") != NULL,
              "a breaker's keys are its policy descriptors");
    cr_expect(strstr(md, "| `faults[].at` | duration |") != NULL);
    cr_expect(strstr(md, "| `l2.client.async_timeout` | duration | = `l2.client.timeout` |") !=
              NULL);
    free(md);
}

/* ---- garbage ------------------------------------------------------------------------ */

Test(config, garbage_never_crashes)
{
    /* a valid config cut at every byte, random bytes, deep nesting, alias
     * bombs: every one either loads or fails with a message */
    config c;
    cs_err e;
    char *full = NULL;
    {
        cr_assert_eq(config_load(DATA "rich.yaml", NULL, 0, &c, &e), 0);
        full = config_effective_text(&c);
        config_free(&c);
    }
    size_t n = strlen(full);
    int loaded = 0, failed = 0;
    for (size_t cut = 0; cut < n; cut += 7) {
        char *t = strndup(full, cut);
        int rc = load(t, &c, &e);
        if (rc == 0) {
            loaded++;
            config_free(&c);
        } else {
            failed++;
            cr_expect_eq(rc, CS_USAGE);
            cr_expect_gt(strlen(e.msg), 5);
        }
        free(t);
    }
    cr_expect_gt(loaded, 0);
    cr_expect_gt(failed, 0);
    uint64_t x = 88172645463325252ULL;
    for (int round = 0; round < 200; round++) {
        char buf[512];
        size_t len = 1 + (size_t)(round * 37 % 500);
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            /* mostly YAML punctuation and names, sometimes any byte */
            static const char alpha[] = "ab: -[]{},\n\n  &*!|>'\"#%@`?0123456789.sm/";
            buf[i] = (round % 4 == 0) ? (char)(x & 0xff) : alpha[x % (sizeof alpha - 1)];
        }
        buf[len] = 0;
        int rc = load(buf, &c, &e);
        if (rc == 0)
            config_free(&c);
        else
            cr_expect(rc == CS_USAGE && e.msg[0], "round %d: status %d", round, rc);
    }
    static char deep[40000];
    memset(deep, '[', sizeof deep - 1);
    cr_expect_eq(load(deep, &c, &e), CS_USAGE);
    cr_expect(strstr(e.msg, "nested too deeply") != NULL, "%s", e.msg);
    const char *bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                       "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                       "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                       "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                       "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                       "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                       "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
    cr_expect_eq(load(bomb, &c, &e), CS_USAGE);
    cr_expect(strstr(e.msg, "too many YAML nodes") != NULL, "%s", e.msg);
    cr_expect_eq(load("a: &x [*x]\n", &c, &e), CS_USAGE);
    free(full);
}

Test(config, anchors_and_aliases_expand)
{
    config c;
    cs_err e;
    cr_assert_eq(load("schema: 1\nl2:\n  redis:\n    service: &svc {dist: exponential, mean: 1ms}\n"
                      "database: {service: *svc}\n",
                      &c, &e),
                 0, "%s", e.msg);
    cr_expect_str_eq(c.database.service.text, "{dist: exponential, mean: 1ms}");
    config_free(&c);
}

/* ---- the validate command ------------------------------------------------------------ */

static int run_validate(int argc, const char **argv)
{
    return cmd_validate(argc, (char **)argv);
}

Test(config, validate_command_exit_statuses, .init = cr_redirect_stdout)
{
    cr_redirect_stderr();
    const char *ok[] = {"validate", DATA "rich.yaml", DATA "child.yaml"};
    cr_expect_eq(run_validate(3, ok), 0);
    const char *print[] = {"validate", DATA "child.yaml", "--print", "--set", "seed=5"};
    cr_expect_eq(run_validate(5, print), 0);
    const char *keys[] = {"validate", "--keys"};
    cr_expect_eq(run_validate(2, keys), 0);
    const char *help[] = {"validate", "--help"};
    cr_expect_eq(run_validate(2, help), 0);
    const char *missing[] = {"validate", DATA "rich.yaml", DATA "nope.yaml"};
    cr_expect_eq(run_validate(3, missing), 2, "one bad file fails the command");
    const char *bad_set[] = {"validate", DATA "rich.yaml", "--set", "seed=x"};
    cr_expect_eq(run_validate(4, bad_set), 2);
    const char *no_files[] = {"validate"};
    cr_expect_eq(run_validate(1, no_files), 2);
    const char *bad_opt[] = {"validate", "--frobnicate", DATA "rich.yaml"};
    cr_expect_eq(run_validate(3, bad_opt), 2);
    const char *set_no_value[] = {"validate", DATA "rich.yaml", "--set"};
    cr_expect_eq(run_validate(3, set_no_value), 2);
    const char *experiment[] = {"validate", DATA "experiment.yaml", "--print"};
    cr_expect_eq(run_validate(3, experiment), 0, "experiment files are validated too");
    const char *bad_experiment[] = {"validate", DATA "experiment.yaml", "--set",
                                    "l2.breaker.kind=nope"};
    cr_expect_eq(run_validate(4, bad_experiment), 2);
}

/* ---- the seed stories can be said in this language -------------------------------------- */

Test(config, seed_stories_are_expressible)
{
    static const char *const files[] = {DATA "stories/seed000.yaml", DATA "stories/seed001.yaml",
                                        DATA "stories/seed003.yaml", DATA "stories/seed004.yaml"};
    config c[4];
    for (int i = 0; i < 4; i++) {
        cs_err e = {0};
        cr_assert_eq(config_load(files[i], NULL, 0, &c[i], &e), 0, "%s", e.msg);
    }
    /* 000: closed loop of 10 clients, 800 sequential sets, sync_inline receive */
    cr_expect_eq(c[0].workload.kind, CFG_LOAD_CLOSED);
    cr_expect_eq(c[0].workload.request.v[0].keys, 800);
    cr_expect_eq(c[0].workload.request.v[0].key, CFG_KEY_SEQUENTIAL);
    cr_expect_eq(c[0].backplane.receive, CFG_RECEIVE_SYNC_INLINE);
    /* 001: one cold key, 10 × 10,000 concurrent calls, no coalescing */
    cr_expect_eq(c[1].workload.kind, CFG_LOAD_BURST);
    cr_expect_eq(c[1].workload.burst.count * c[1].node_total, 100000);
    cr_expect_eq(c[1].cache.lock.memory, false);
    /* 003: Redisson timings: 3000 + 3 × (3000 + 1500) ms = 16.5 s */
    const cfg_client *cl = &c[2].l2.client;
    cr_expect_eq(cl->timeout + cl->retries.attempts * (cl->timeout + cl->retries.interval),
                 MS(16500));
    cr_expect_str_eq(c[2].l2.breaker.kind, "hcl_v1");
    cr_expect_eq(c[2].faults.v[0].kind, FAULT_KIND_BLACKHOLE);
    /* 004: the seed's reconnect policy and stuck detection */
    cr_expect_str_eq(c[3].l2.client.reconnect.policy, "exponential_max_retries");
    cr_expect_eq(c[3].l2.client.stuck.threshold, 50);
    cr_expect_eq(c[3].faults.v[0].for_, SEC(45));
    /* unique cache names per node are one --set away */
    const char *sets[] = {"nodes.groups=[{count: 1, cache_name: a}, {count: 1, cache_name: b}, "
                          "{count: 1, cache_name: c}]"};
    config u;
    cs_err e = {0};
    cr_assert_eq(config_load(files[0], sets, 1, &u, &e), 0, "%s", e.msg);
    cr_expect_str_eq(config_node_group(&u, 2)->cache_name, "c");
    cr_expect_eq(config_node_group(&u, 2)->workers.min, 8, "inherited from nodes.workers");
    config_free(&u);
    for (int i = 0; i < 4; i++)
        config_free(&c[i]);
}
