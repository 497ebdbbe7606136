/* cmd_run.c — `cachestorm run CONFIG [--db FILE] [--seed N] [--set PATH=VALUE]...
 * [--trace FILTER] [--quiet]` (INTERFACES.md "Command line"). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/cli_args.h"
#include "sim/run/runner.h"

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
    const char *db = "runs.db", *trace = NULL;
    bool quiet = false;
    long seed = -1;
    cli_strs sets = {0}, pos = {0};
    const cli_opt opts[] = {
        {"--db", NULL, OPT_STR, &db, 0, 0},
        {"--seed", NULL, OPT_INT, &seed, 0, LONG_MAX},
        {"--set", NULL, OPT_STRS, &sets, 0, 0},
        {"--trace", NULL, OPT_STR, &trace, 0, 0},
        {"--quiet", "-q", OPT_FLAG, &quiet, 0, 0},
        {NULL, NULL, 0, NULL, 0, 0},
    };
    int rc = cli_parse("run", argc, argv, opts, "CONFIG", 1, &pos, help);
    if (rc) {
        cli_strs_free(&sets);
        cli_strs_free(&pos);
        return rc == CLI_HELP ? CS_OK : rc;
    }
    char seedset[64];
    if (seed >= 0) { /* --seed N is --set seed=N, last so it wins */
        snprintf(seedset, sizeof seedset, "seed=%ld", seed);
        sets.v = cs_realloc(sets.v, (size_t)(sets.n + 1) * sizeof *sets.v);
        sets.v[sets.n++] = seedset;
    }

    config cfg;
    cs_err err = {0};
    if ((rc = config_load(pos.v[0], sets.v, sets.n, &cfg, &err))) {
        fprintf(stderr, "%s\n", err.msg);
        goto out;
    }
    /* The run says what it is: its config's name plus the --set overrides
     * (not the seed, which has its own column), so `show`, plot titles and
     * file names tell "default" from "default l2.breaker.kind=none". */
    size_t len = strlen(cfg.name) + 1;
    for (int i = 0; i < sets.n; i++)
        if (strncmp(sets.v[i], "seed=", 5))
            len += strlen(sets.v[i]) + 2;
    if (len > strlen(cfg.name) + 1) {
        char *name = cs_malloc(len);
        size_t o = (size_t)snprintf(name, len, "%s", cfg.name);
        int k = 0;
        for (int i = 0; i < sets.n; i++)
            if (strncmp(sets.v[i], "seed=", 5))
                o += (size_t)snprintf(name + o, len - o, "%s%s", k++ ? ", " : " ", sets.v[i]);
        free(cfg.name);
        cfg.name = name;
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
    cli_strs_free(&sets);
    cli_strs_free(&pos);
    return rc;
}
