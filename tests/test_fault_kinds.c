/* test_fault_kinds.c — `validate` and `run` agree on every fault kind x
 * target pair (and on which take nodes): the config checker and the fault
 * model read one capability table (sim/core/fault_kinds.h).  Each pair goes
 * through the config loader (what `validate` runs) and, when accepted,
 * through a whole simulation (what `run` does); both verdicts must match the
 * table.  Also through the real binary for the pair issue 11 reproduced. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "sim/config/config.h"
#include "sim/core/fault_kinds.h"
#include "sim/run/runner.h"

static const char *BASE = "schema: 1\nname: faults-matrix\nduration: 6s\nwarmup: 1s\n"
                          "nodes: {count: 2}\n"
                          "workload: {kind: open, rate: 50/s, keys: {count: 100}}\n"
                          "backplane: {enabled: true}\n"
                          "database: {pool: 4}\n";

/* 0 accepted; else the loader's or the model's status */
static int try_pair(int t, int k, const char *extra, bool *loaded, char *msg, size_t msz)
{
    char text[1024];
    snprintf(text, sizeof text, "%sfaults:\n  - {at: 2s, for: 1s, target: %s, kind: %s%s}\n", BASE,
             fault_target_names[t], fault_kind_names[k], extra);
    config c;
    cs_err err = {0};
    int rc = config_load_string(text, "matrix", NULL, 0, &c, &err);
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
    config_free(&c);
    return rc;
}

Test(fault_kinds, validate_and_run_agree_on_every_kind_and_target, .timeout = 120)
{
    int accepted = 0, refused = 0;
    for (int t = 0; t < FAULT_TARGET_N; t++)
        for (int k = 0; k < FAULT_KIND_N; k++) {
            bool loaded;
            char msg[1100];
            int rc = try_pair(t, k, "", &loaded, msg,
                              sizeof msg);
            bool want = fault_supported((fault_target)t, (fault_kind)k);
            cr_expect_eq(loaded, want, "%s on %s: validate says %s, the table %s (%s)",
                         fault_kind_names[k], fault_target_names[t], loaded ? "ok" : "no",
                         want ? "yes" : "no", msg);
            if (loaded)
                cr_expect_eq(rc, 0, "%s on %s: validate accepted it but run failed: %s",
                             fault_kind_names[k], fault_target_names[t], msg);
            else
                cr_expect(strstr(msg, "does not apply"), "%s", msg);
            want ? accepted++ : refused++;
            /* node lists: accepted by validate exactly where the model takes them */
            if (!want)
                continue;
            rc = try_pair(t, k,
                          ", nodes: [1]",
                          &loaded, msg, sizeof msg);
            bool nodes = fault_takes_nodes((fault_target)t, (fault_kind)k);
            cr_expect_eq(loaded, nodes, "%s on %s with nodes: validate %s, table %s (%s)",
                         fault_kind_names[k], fault_target_names[t], loaded ? "ok" : "no",
                         nodes ? "yes" : "no", msg);
            if (loaded)
                cr_expect_eq(rc, 0, "%s on %s with nodes: run failed: %s", fault_kind_names[k],
                             fault_target_names[t], msg);
        }
    cr_assert_gt(accepted, 15);
    cr_assert_gt(refused, 10);
}

/* The reproduction: validate said ok, run exited 2. */
Test(fault_kinds, the_cli_refuses_restart_on_a_node_before_running)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "%s/cachestorm validate configs/default.yaml --set "
             "\"faults=[{at: 35s, for: 2s, target: node, kind: restart}]\" >/dev/null 2>&1",
             CS_BUILD_DIR);
    int st = system(cmd);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2, "validate must refuse it (exit 2)");
    snprintf(cmd, sizeof cmd,
             "%s/cachestorm validate configs/default.yaml --set "
             "\"faults=[{at: 35s, for: 2s, target: redis, kind: partition, nodes: [0]}]\" "
             ">/dev/null 2>&1",
             CS_BUILD_DIR);
    st = system(cmd);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a partition of redis is supported");
}
