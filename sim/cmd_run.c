/* cmd_run.c — `cachestorm run CONFIG [--db FILE] [--seed N] [--set PATH=VALUE]...
 * [--trace FILTER] [--quiet]` (INTERFACES.md "Command line"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/cli.h"
#include "sim/runner.h"

static void help(FILE *f)
{
    fprintf(f,
            "usage: cachestorm run CONFIG [--db FILE] [--seed N] [--set PATH=VALUE]...\n"
            "                      [--trace FILTER] [--quiet]\n"
            "\n"
            "Runs the scenario in CONFIG, stores the run in the database (default runs.db)\n"
            "and prints its summary. Same config + same seed => identical rows.\n"
            "\n"
            "  --db FILE          the run store (SQLite; created if absent)\n"
            "  --seed N           the run seed (same as --set seed=N)\n"
            "  --set PATH=VALUE   override one config key, e.g. --set l2.breaker.retry_wait=30s\n"
            "                     --set nodes.count=10 --set faults[0].for=60s (repeatable)\n"
            "  --trace FILTER     record each step of matching requests in the trace table:\n"
            "                     all | node=N | key=K | request=R, comma-separated\n"
            "  --quiet            print only the run id\n"
            "\n"
            "examples:\n"
            "  cachestorm run configs/default.yaml\n"
            "  cachestorm run configs/default.yaml --seed 2 --set faults[0].for=45s --db what-if.db\n"
            "  cachestorm run configs/mm1.yaml --quiet\n");
}

int cmd_run(int argc, char **argv)
{
    const char *path = NULL, *db = "runs.db", *trace = NULL;
    bool quiet = false;
    const char **sets = cs_calloc((size_t)argc + 1, sizeof *sets);
    char seedset[64];
    int nsets = 0, rc = CS_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_val = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help(stdout);
            free(sets);
            return CS_OK;
        } else if (!strcmp(a, "--db") && has_val) {
            db = argv[++i];
        } else if (!strcmp(a, "--seed") && has_val) {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(argv[++i], &end, 10);
            if (errno || *end || argv[i][0] == '-' || !argv[i][0]) {
                fprintf(stderr, "cachestorm run: --seed needs a whole number >= 0, not '%s'\n",
                        argv[i]);
                goto out;
            }
            snprintf(seedset, sizeof seedset, "seed=%llu", v);
            sets[nsets++] = seedset;
        } else if (!strcmp(a, "--set") && has_val) {
            sets[nsets++] = argv[++i];
        } else if (!strcmp(a, "--trace") && has_val) {
            trace = argv[++i];
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            quiet = true;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "cachestorm run: unknown or incomplete option '%s' (see --help)\n", a);
            goto out;
        } else if (!path) {
            path = a;
        } else {
            fprintf(stderr, "cachestorm run: one CONFIG at a time ('%s' and '%s')\n", path, a);
            goto out;
        }
    }
    if (!path) {
        fprintf(stderr, "cachestorm run: no CONFIG given (see --help)\n");
        goto out;
    }

    config cfg;
    cs_err err = {0};
    if ((rc = config_load(path, sets, nsets, &cfg, &err))) {
        fprintf(stderr, "%s\n", err.msg);
        goto out;
    }
    store *st;
    if ((rc = store_open(db, &st, &err))) {
        fprintf(stderr, "cachestorm run: %s\n", err.msg);
        config_free(&cfg);
        goto out;
    }
    run_rows rows = {0};
    int64_t id = 0;
    rc = runner_run(st, &cfg, &(run_opts){.trace = trace}, &id, &rows, &err);
    store_close(st);
    config_free(&cfg);
    rows_free(&rows);
    if (rc) {
        fprintf(stderr, "cachestorm run: %s\n", err.msg);
        goto out;
    }
    if (quiet) {
        printf("%lld\n", (long long)id);
    } else {
        char idbuf[32];
        snprintf(idbuf, sizeof idbuf, "%lld", (long long)id);
        char *show_argv[] = {"show", (char *)db, idbuf, NULL};
        fflush(stdout);
        rc = cmd_show(3, show_argv);
    }
out:
    free(sets);
    return rc;
}
