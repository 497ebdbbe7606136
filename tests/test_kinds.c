/* test_kinds.c — `validate` and `run` agree on every breaker, backoff and
 * reconnect key (issue 11): the config reads the kinds and a breaker's
 * parameters from policy/ (sim/config/config_kinds.c), the world builds
 * them from the same names (models/world/params.c).  Every breaker
 * parameter of every registered kind goes through the loader (what
 * `validate` runs) with its default and with a changed value; when the
 * loader accepts it, the world must build exactly that value and a whole
 * run must succeed.  Every backoff and reconnect schedule name (and each
 * former spelling) likewise, on both client kinds. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "models/world/world_impl.h"
#include "policy/backoff.h"
#include "policy/breaker.h"
#include "policy/reconnect.h"
#include "sim/config/config.h"
#include "sim/run/runner.h"
#include "tests/util.h"

static const char *BASE = "schema: 1\nname: kinds\nduration: 4s\nwarmup: 1s\n"
                          "nodes: {count: 2}\n"
                          "workload: {kind: open, rate: 50/s, keys: {count: 100}}\n"
                          "database: {pool: 4}\n"
                          "faults: [{at: 2s, for: 1s, target: redis, kind: restart}]\n";

/* Load BASE + extra (validate), then run it; *loaded says whether the
 * loader accepted it; returns the run's status (or the loader's). */
static int validate_then_run(const char *extra, bool *loaded, config *keep, char *msg, size_t msz)
{
    char text[2048];
    snprintf(text, sizeof text, "%s%s", BASE, extra);
    config c;
    cs_err err = {0};
    int rc = config_load_string(text, "kinds", NULL, 0, &c, &err);
    *loaded = rc == 0;
    snprintf(msg, msz, "%s", err.msg);
    if (rc)
        return rc;
    run_rows r = {0};
    sim_ns end;
    uint64_t ev;
    rc = runner_simulate(&c, NULL, &r, &end, &ev, &err);
    snprintf(msg, msz, "%s", err.msg);
    rows_free(&r);
    if (keep)
        *keep = c;
    else
        config_free(&c);
    return rc;
}

/* The text of value v of parameter d, as a config would write it. */
static void value_text(const cp_param_desc *d, double v, char *buf, size_t cap)
{
    switch (d->type) {
    case CP_PARAM_INT:
        snprintf(buf, cap, "%lld", (long long)v);
        break;
    case CP_PARAM_DOUBLE:
        snprintf(buf, cap, "%.17g", v);
        break;
    case CP_PARAM_BOOL:
        snprintf(buf, cap, "%s", v != 0 ? "true" : "false");
        break;
    case CP_PARAM_DURATION:
        if (v < 0)
            snprintf(buf, cap, "none");
        else
            snprintf(buf, cap, "%lldns", (long long)v);
        break;
    case CP_PARAM_ENUM:
        snprintf(buf, cap, "%s", d->choices[(int)v]);
        break;
    }
}

/* A different value of the same shape (the loader may still refuse it:
 * then it must say so, and nothing runs). */
static double changed(const cp_param_desc *d, double v)
{
    switch (d->type) {
    case CP_PARAM_BOOL:
        return v != 0 ? 0 : 1;
    case CP_PARAM_ENUM:
        return d->choices[(int)v + 1] ? v + 1 : 0;
    case CP_PARAM_DURATION:
        return v <= 0 ? 2e9 : v * 2;
    case CP_PARAM_DOUBLE:
        return v == 0 ? 0.5 : v / 2;
    case CP_PARAM_INT:
        return v <= 0 ? 3 : v + 1;
    }
    return v;
}

static double config_value(const config *c, const char *name)
{
    for (size_t i = 0; i < c->l2.breaker.nparams; i++)
        if (!strcmp(c->l2.breaker.params[i].name, name))
            return c->l2.breaker.params[i].value;
    return NAN;
}

Test(kinds, every_breaker_parameter_means_the_same_to_validate_and_run, .timeout = 240)
{
    size_t nk;
    const breaker_ops *const *k = breaker_kinds(&nk);
    int accepted = 0, refused = 0;
    for (size_t i = 0; i < nk; i++) {
        _Alignas(16) unsigned char def[512];
        k[i]->defaults(def);
        char extra[512], msg[1100];
        bool loaded;
        /* the kind alone: its defaults */
        snprintf(extra, sizeof extra, "l2: {breaker: {kind: %s}}\n", k[i]->name);
        cr_expect_eq(validate_then_run(extra, &loaded, NULL, msg, sizeof msg), 0, "%s: %s",
                     k[i]->name, msg);
        cr_expect(loaded, "%s with its defaults: %s", k[i]->name, msg);
        for (size_t j = 0; j < k[i]->n_param_desc; j++) {
            const cp_param_desc *d = &k[i]->param_desc[j];
            double v0;
            cr_assert_eq(cp_param_get_number(k[i]->param_desc, k[i]->n_param_desc, def, d->name, &v0),
                         0);
            for (int variant = 0; variant < 2; variant++) {
                double v = variant ? changed(d, v0) : v0;
                char vt[64];
                value_text(d, v, vt, sizeof vt);
                snprintf(extra, sizeof extra, "l2: {breaker: {kind: %s, %s: %s}}\n", k[i]->name,
                         d->name, vt);
                config c;
                int rc = validate_then_run(extra, &loaded, &c, msg, sizeof msg);
                if (!loaded) {
                    cr_expect_neq(variant, 0, "%s.%s = its default %s refused: %s", k[i]->name,
                                  d->name, vt, msg);
                    cr_expect(strstr(msg, "l2.breaker"), "the refusal names the key: %s", msg);
                    refused++;
                    continue;
                }
                accepted++;
                cr_expect_eq(rc, 0, "%s.%s = %s: validate accepted it, run failed: %s", k[i]->name,
                             d->name, vt, msg);
                /* what validate read is what the world builds */
                cr_expect_eq(config_value(&c, d->name), v, "%s.%s = %s read as %g", k[i]->name,
                             d->name, vt, config_value(&c, d->name));
                cs_err e = {0};
                void *p;
                cr_assert_eq(world_breaker_params(&c.l2.breaker, &p, &e), 0, "%s.%s = %s: the world refuses what validate took: %s",
                                   k[i]->name, d->name, vt, e.msg);
                double got;
                cp_param_get_number(k[i]->param_desc, k[i]->n_param_desc, p, d->name, &got);
                cr_expect_eq(got, v, "%s.%s = %s: the breaker got %g", k[i]->name, d->name, vt, got);
                free(p);
                config_free(&c);
            }
            /* a parameter of this kind under every other kind is refused */
            for (size_t o = 0; o < nk; o++) {
                if (o == i || cp_param_find(k[o]->param_desc, k[o]->n_param_desc, d->name))
                    continue;
                char vt[64];
                value_text(d, v0, vt, sizeof vt);
                snprintf(extra, sizeof extra, "l2: {breaker: {kind: %s, %s: %s}}\n", k[o]->name,
                         d->name, vt);
                validate_then_run(extra, &loaded, NULL, msg, sizeof msg);
                cr_expect(!loaded, "%s under kind %s was accepted", d->name, k[o]->name);
                char want[200];
                snprintf(want, sizeof want, "not a parameter of breaker kind %s", k[o]->name);
                cr_expect(strstr(msg, want) && strstr(msg, "takes:"), "%s", msg);
            }
        }
    }
    cr_assert_gt(accepted, 40);
}

/* Former flat keys (schema 1) read as the policy's names. */
Test(kinds, former_breaker_keys_are_aliases)
{
    static const struct {
        const char *extra, *name;
        double want;
    } cases[] = {
        {"l2: {breaker: {kind: hcl_v1, retry_wait: 30s}}\n", "retry_wait_time", 30e9},
        {"l2: {breaker: {kind: hcl_v1, min_consecutive_failures: 5}}\n",
         "minimum_consecutive_failures", 5},
        {"l2: {breaker: {kind: hcl_v1, probe_calls: unbounded}}\n", "probe_calls", 0},
        {"l2: {breaker: {kind: sliding_window, window_type: time}}\n", "sliding_window_type", 1},
        {"l2: {breaker: {kind: sliding_window, wait_multiplier: 2}}\n", "wait_interval_kind", 1},
        {"l2: {breaker: {kind: sliding_window, max_wait_in_half_open: none}}\n",
         "max_wait_duration_in_half_open_state", 0},
        {"l2: {breaker: {kind: simple, duration: 10s}}\n", "break_duration", 10e9},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        config c;
        bool loaded;
        char msg[1100];
        int rc = validate_then_run(cases[i].extra, &loaded, &c, msg, sizeof msg);
        cr_assert(loaded, "%s: %s", cases[i].extra, msg);
        cr_expect_eq(rc, 0, "%s", msg);
        cr_expect_eq(config_value(&c, cases[i].name), cases[i].want, "%s", cases[i].extra);
        cr_expect(strstr(c.deprecated, "->"), "%s: noted as a former name", cases[i].extra);
        config_free(&c);
    }
}

/* Every backoff schedule on a pool client that retries, and every
 * reconnect schedule on both client kinds, with the former spellings. */
Test(kinds, every_schedule_name_means_the_same_to_validate_and_run, .timeout = 240)
{
    size_t nb, nr;
    const backoff_kind *const *b = backoff_kinds(&nb);
    const reconnect_kind *const *r = reconnect_kinds(&nr);
    const char *names[64];
    size_t n = 0;
    for (size_t i = 0; i < nb; i++)
        names[n++] = b[i]->name;
    names[n++] = "polly_decorrelated_v2";
    char extra[512], msg[1100];
    bool loaded;
    for (size_t i = 0; i < n; i++) {
        snprintf(extra, sizeof extra,
                 "l2: {client: {kind: pool, retries: {attempts: 2, interval: 10ms, backoff: %s}}}\n",
                 names[i]);
        config c;
        int rc = validate_then_run(extra, &loaded, &c, msg, sizeof msg);
        cr_expect(loaded, "backoff %s: %s", names[i], msg);
        if (!loaded)
            continue;
        cr_expect_eq(rc, 0, "backoff %s: validate accepted it, run failed: %s", names[i], msg);
        cr_expect_not_null(backoff_kind_find(c.l2.client.retries.backoff), "%s",
                           c.l2.client.retries.backoff);
        config_free(&c);
    }
    n = 0;
    for (size_t i = 0; i < nr; i++)
        names[n++] = r[i]->name;
    static const char *const former[] = {"stackexchange_exponential", "exponential", "linear",
                                         "constant", "redisson_347", "redisson_348", "seed004"};
    for (size_t i = 0; i < sizeof former / sizeof former[0]; i++)
        names[n++] = former[i];
    for (size_t i = 0; i < n; i++)
        for (int pool = 0; pool < 2; pool++) {
            snprintf(extra, sizeof extra, "l2: {client: {kind: %s, reconnect: {policy: %s}}}\n",
                     pool ? "pool" : "multiplexer", names[i]);
            config c;
            int rc = validate_then_run(extra, &loaded, &c, msg, sizeof msg);
            cr_expect(loaded, "reconnect %s: %s", names[i], msg);
            if (!loaded)
                continue;
            cr_expect_eq(rc, 0, "reconnect %s (%s): validate accepted it, run failed: %s", names[i],
                         pool ? "pool" : "multiplexer", msg);
            cr_expect_not_null(reconnect_kind_find(c.l2.client.reconnect.policy), "%s",
                               c.l2.client.reconnect.policy);
            config_free(&c);
        }
    validate_then_run("l2: {client: {reconnect: {policy: seed005}}}\n", &loaded, NULL, msg,
                      sizeof msg);
    cr_expect(!loaded && strstr(msg, "l2.client.reconnect.policy: unknown reconnect schedule"), "%s",
              msg);
}

/* The binary: a former name is noted once on standard error, and the run
 * goes on. */
Test(kinds, validate_notes_former_names_once)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "%s/cachestorm validate configs/default.yaml --set l2.breaker.retry_wait=30s 2>&1 "
             "| grep -c 'former names'",
             CS_BUILD_DIR);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    int count = -1;
    cr_assert_eq(fscanf(p, "%d", &count), 1);
    pclose(p);
    cr_expect_eq(count, 1);
}

/* The memory limit of the runs below; not under AddressSanitizer, whose
 * shadow memory needs terabytes of address space (the make sanitize build;
 * the unsanitized make test keeps the limit). */
#ifdef __SANITIZE_ADDRESS__
#define VMEM_LIMIT ""
#else
#define VMEM_LIMIT "ulimit -v 4000000; "
#endif

/* Every breaker parameter at the ends of its type through the binary,
 * under a memory limit: what `validate` accepts, `run` runs (exit 0); what
 * it refuses, it refuses with exit 2.  Never a crash, an abort or a run
 * that fails after validate said ok. */
Test(kinds, breaker_parameters_at_their_extremes_validate_and_run_alike, .timeout = 600,
     .init = tu_make_dir, .fini = tu_rm_dir)
{
    static const char *const ints[] = {"2147483647", "1", "0", "-1"};
    static const char *const doubles[] = {"1e308", "100", "1", "0", "-1"};
    static const char *const durations[] = {"2500000h", "1ns", "0s", "none"};
    size_t nk;
    const breaker_ops *const *k = breaker_kinds(&nk);
    int tried = 0;
    for (size_t i = 0; i < nk; i++)
        for (size_t j = 0; j < k[i]->n_param_desc; j++) {
            const cp_param_desc *d = &k[i]->param_desc[j];
            const char *const *vals = d->type == CP_PARAM_INT        ? ints
                                      : d->type == CP_PARAM_DOUBLE   ? doubles
                                      : d->type == CP_PARAM_DURATION ? durations
                                                                     : NULL;
            size_t nv = d->type == CP_PARAM_INT ? 4 : d->type == CP_PARAM_DOUBLE ? 5 : 4;
            for (size_t v = 0; vals && v < nv; v++) {
                char sets[512], cmd[1200];
                snprintf(sets, sizeof sets,
                         "--set faults=[] --set duration=2s --set warmup=1s --set interval=1s "
                         "--set l2.breaker.kind=%s --set l2.breaker.%s=%s",
                         k[i]->name, d->name, vals[v]);
                snprintf(cmd, sizeof cmd,
                         "%s/cachestorm validate configs/default.yaml %s >/dev/null 2>&1",
                         CS_BUILD_DIR, sets);
                int st = system(cmd);
                cr_assert(WIFEXITED(st), "validate %s.%s=%s did not exit", k[i]->name, d->name,
                          vals[v]);
                int vrc = WEXITSTATUS(st);
                cr_expect(vrc == 0 || vrc == 2, "validate %s.%s=%s: exit %d", k[i]->name, d->name,
                          vals[v], vrc);
                snprintf(cmd, sizeof cmd,
                         "%stimeout 60 %s/cachestorm run configs/default.yaml "
                         "--db %s --quiet %s >/dev/null 2>&1",
                         VMEM_LIMIT, CS_BUILD_DIR, tu_path("x.db"), sets);
                st = system(cmd);
                int rrc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
                cr_expect_eq(rrc, vrc, "%s.%s=%s: validate exit %d, run exit %d", k[i]->name,
                             d->name, vals[v], vrc, rrc);
                tried++;
            }
        }
    cr_assert_gt(tried, 60);
}

/* `none` and `unbounded` stay no-limit whatever the schedule's own default
 * (redisson_equal_jitter caps at 2 s; exponential_max_retries stops after
 * 10 attempts): what validate reads is what the client runs. */
Test(kinds, no_limit_reaches_the_schedule_as_no_limit)
{
    config c;
    cs_err e = {0};
    const char *text = "schema: 1\nl2:\n  client:\n    kind: pool\n"
                       "    retries: {attempts: 2, backoff: redisson_equal_jitter, cap: none}\n"
                       "    reconnect: {policy: exponential_max_retries, cap: none, "
                       "max_retries: unbounded}\n";
    cr_assert_eq(config_load_string(text, "t", NULL, 0, &c, &e), 0, "%s", e.msg);
    rc_params p = world_client_params(&c.l2.client, true);
    cr_expect_eq(p.retry.cap, NO_LIMIT_NS, "retries.cap none: no cap (not the schedule's 2 s)");
    cr_expect_eq(p.reconnect.cap, NO_LIMIT_NS, "reconnect.cap none: no cap");
    cr_expect_eq(p.reconnect.max_attempts, NO_LIMIT, "max_retries unbounded: unlimited (not 10)");
    cr_expect_eq(p.stuck_threshold, NO_LIMIT, "stuck.threshold none: off");
    cr_expect_eq(p.stuck_reset, NO_LIMIT_NS, "stuck.reset none: off");
    config_free(&c);
    cr_assert_eq(config_load_string("schema: 1\nl2: {client: {kind: pool, reconnect: "
                                    "{policy: exponential_max_retries, max_retries: 3}}}\n",
                                    "t", NULL, 0, &c, &e),
                 0, "%s", e.msg);
    p = world_client_params(&c.l2.client, true);
    cr_expect_eq(p.reconnect.max_attempts, 3);
    config_free(&c);
}

/* `max_retries: 0` is zero reconnect attempts (the seed-004 strategy's
 * `retries > maxRetries` gives up at once, as ioredis' maxRetriesPerRequest
 * 0 fails on the first close), not "the schedule's own default" (10).
 * What the client does with it: test_redis.c pool_seed004_zero_retries_*. */
Test(kinds, max_retries_zero_is_zero_attempts)
{
    config c;
    cs_err e = {0};
    cr_assert_eq(config_load_string("schema: 1\nl2: {client: {kind: pool, reconnect: "
                                    "{policy: exponential_max_retries, max_retries: 0}}}\n",
                                    "t", NULL, 0, &c, &e),
                 0, "%s", e.msg);
    rc_params p = world_client_params(&c.l2.client, true);
    cr_expect_eq(p.reconnect.max_attempts, 0, "max_retries 0 reaches the client as 0");
    config_free(&c);
}
