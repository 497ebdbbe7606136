/* cmd_run.c — `cachestorm run CONFIG [--db FILE] [--seed N] [--set PATH=VALUE]...
 * [--trace FILTER] [--quiet]` (INTERFACES.md "Command line"). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "sim/cli/cli_args.h"
#include "sim/run/budget.h"
#include "sim/run/runner.h"

static void help(FILE *f)
{
    fprintf(
        f,
        "usage: cachestorm run CONFIG [--db FILE] [--seed N] [--set PATH=VALUE]...\n"
        "                      [--trace FILTER] [--quiet] [--skip-done] [--done-in DB]...\n"
        "                      [--experiment NAME] [--variant NAME]\n"
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
        "  --skip-done        do nothing (exit 0) when a run with the same identity\n"
        "                     (config hash, seed, version) is already done in --db\n"
        "  --done-in DB       ... or in DB (repeatable; a missing DB holds nothing)\n"
        "  --experiment NAME, --variant NAME\n"
        "                     the labels the run is stored under (what a job of\n"
        "                     `sweep --plan` gives, so merged runs match a local sweep)\n"
        "\n"
        "Ctrl-C (SIGINT) or SIGTERM marks the run interrupted and exits 130 / 143.\n"
        "\n"
        "examples:\n"
        "  cachestorm run configs/default.yaml\n"
        "  cachestorm run configs/default.yaml --seed 2 --set faults[0].for=45s --db what-if.db\n"
        "  cachestorm run configs/mm1.yaml --quiet\n");
}

/* --skip-done: is cfg's run already done in db or one of done_in?  1 yes
 * (message on stderr; *id its id when in db), 0 no, -1 error (err). */
static int already_done(const char *db, const config *cfg, const run_opts *ro,
                        const cli_strs *done_in, int64_t *id, cs_err *err)
{
    char hash[17];
    run_info ri;
    runner_identity(cfg, ro, hash, &ri);
    for (int k = -1; k < done_in->n; k++) {
        const char *path = k < 0 ? db : done_in->v[k];
        if (access(path, F_OK) != 0)
            continue; /* nothing is done in a database that does not exist yet */
        store *st;
        if (store_open_readonly(path, &st, err))
            return -1;
        int64_t found = 0;
        int rc = store_find_done(st, &ri, &found, err);
        store_close(st);
        if (rc)
            return -1;
        if (found) {
            if (k < 0)
                *id = found;
            fprintf(stderr,
                    "cachestorm run: already done as run %lld in %s (config %s, seed %llu, "
                    "version %s); skipped\n",
                    (long long)found, path, hash, (unsigned long long)ri.seed, ri.version);
            return 1;
        }
    }
    return 0;
}

int cmd_run(int argc, char **argv)
{
    const char *db = "runs.db", *trace = NULL, *experiment = NULL, *variant = NULL, *maxmem = NULL;
    bool quiet = false, skip_done = false;
    long seed = -1;
    cli_strs sets = {0}, pos = {0}, done_in = {0};
    const cli_opt opts[] = {
        {"--db", NULL, OPT_STR, &db, 0, 0, NULL},
        {"--seed", NULL, OPT_INT, &seed, 0, LONG_MAX, NULL},
        {"--set", NULL, OPT_STRS, &sets, 0, 0, NULL},
        {"--trace", NULL, OPT_STR, &trace, 0, 0, NULL},
        {"--max-memory", NULL, OPT_STR, &maxmem, 0, 0, NULL},
        {"--quiet", "-q", OPT_FLAG, &quiet, 0, 0, NULL},
        {"--skip-done", NULL, OPT_FLAG, &skip_done, 0, 0, NULL},
        {"--done-in", NULL, OPT_STRS, &done_in, 0, 0, NULL},
        {"--experiment", NULL, OPT_STR, &experiment, 0, 0, NULL},
        {"--variant", NULL, OPT_STR, &variant, 0, 0, NULL},
        {NULL, NULL, 0, NULL, 0, 0, NULL},
    };
    int rc = cli_parse("run", argc, argv, opts, "CONFIG", 1, &pos, help);
    if (rc) {
        cli_strs_free(&sets);
        cli_strs_free(&pos);
        cli_strs_free(&done_in);
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
    size_t max_memory = 0;
    if (maxmem && budget_parse(maxmem, &max_memory)) {
        fprintf(stderr, "cachestorm run: --max-memory %s: expected a size such as 4G, 512M or "
                        "1073741824\n", maxmem);
        cli_strs_free(&sets);
        cli_strs_free(&pos);
        return CS_USAGE;
    }
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
    run_opts ro = {.trace = trace, .experiment = experiment, .variant = variant,
                   .max_memory = max_memory, .progress = !quiet && isatty(2)};
    int64_t id = 0;
    if (skip_done) {
        int found = already_done(db, &cfg, &ro, &done_in, &id, &err);
        if (found < 0) {
            fprintf(stderr, "cachestorm run: %s\n", err.msg);
            rc = err.code;
            config_free(&cfg);
            goto out;
        }
        if (found) {
            config_free(&cfg);
            if (quiet && id)
                printf("%lld\n", (long long)id);
            goto out;
        }
    }
    int sig = 0;
    rc = runner_run_isolated(db, &cfg, &ro, &id, &sig, &err);
    config_free(&cfg);
    if (rc) {
        fprintf(stderr, "cachestorm run: %s\n", err.msg);
        if (sig)
            fprintf(stderr,
                    "cachestorm run: run %lld in %s; run the same command again to "
                    "redo it\n",
                    (long long)id, db);
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
    cli_strs_free(&done_in);
    return rc;
}
