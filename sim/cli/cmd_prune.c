/* cmd_prune.c — `cachestorm prune DB [--duplicates] [--failed] [--lease SECONDS]
 * [--dry-run]`: remove the runs no statistic counts — 'abandoned' ones
 * (left 'running' by a process that died: sim/store/store_runs.c tells),
 * 'interrupted' ones, and with flags 'failed' ones and duplicate done runs
 * of one (scenario, seed) — with all their rows, in one transaction. */
#include <limits.h>
#include <stdio.h>

#include "sim/cli/cli.h"
#include "sim/cli/cli_args.h"
#include "sim/store/store.h"

static void help(FILE *f)
{
    fprintf(f,
            "usage: cachestorm prune DB [--duplicates] [--failed] [--lease SECONDS] [--dry-run]\n"
            "\n"
            "Removes runs that no statistic counts, with all their rows:\n"
            "  - abandoned runs: left 'running' by a process that is gone (same host: its\n"
            "    PID is dead or is another process now; another host: its lease expired);\n"
            "  - interrupted runs (Ctrl-C, SIGTERM).\n"
            "Runs whose process is still alive are left alone and counted.\n"
            "\n"
            "  --duplicates       also remove done runs of a (scenario, seed) that a newer\n"
            "                     done run stands for (what compare, tune, check and plots\n"
            "                     count anyway: the newest)\n"
            "  --failed           also remove failed runs (their reason goes with them)\n"
            "  --lease SECONDS    a 'running' run of another host (or of a schema-1 file,\n"
            "                     which recorded no process) counts as abandoned this long\n"
            "                     after it started (default 86400)\n"
            "  --dry-run          count, remove nothing\n"
            "\n"
            "examples:\n"
            "  cachestorm prune runs.db\n"
            "  cachestorm prune runs.db --duplicates --dry-run\n"
            "\n"
            "exit status: 0 ok; 2 bad usage; 3 the database cannot be opened or written.\n");
}

int cmd_prune(int argc, char **argv)
{
    bool dups = false, failed = false, dry = false;
    long lease = -1;
    cli_strs pos = {0};
    const cli_opt opts[] = {
        {"--duplicates", NULL, OPT_FLAG, &dups, 0, 0, NULL},
        {"--failed", NULL, OPT_FLAG, &failed, 0, 0, NULL},
        {"--dry-run", "-n", OPT_FLAG, &dry, 0, 0, NULL},
        {"--lease", NULL, OPT_INT, &lease, 0, LONG_MAX / 2, NULL},
        {NULL, NULL, 0, NULL, 0, 0, NULL},
    };
    int rc = cli_parse("prune", argc, argv, opts, "DB", 1, &pos, help);
    if (rc) {
        cli_strs_free(&pos);
        return rc == CLI_HELP ? CS_OK : rc;
    }
    const char *db = pos.v[0];
    store *st;
    cs_err err = {0};
    if ((rc = store_open_readonly(db, &st, &err)) == CS_OK) {
        store_close(st); /* exists and is ours: now open it for writing */
        rc = store_open(db, &st, &err);
    }
    if (rc) {
        fprintf(stderr, "cachestorm prune: %s\n", err.msg);
        cli_strs_free(&pos);
        return rc;
    }
    store_prune_opts o = {.duplicates = dups, .failed = failed, .dry_run = dry, .lease_s = lease};
    store_counts gone;
    size_t live = 0;
    rc = store_prune(st, &o, &gone, &live, &err);
    if (rc) {
        fprintf(stderr, "cachestorm prune: %s\n", err.msg);
    } else {
        store_counts left;
        store_count_runs(st, &left, &err);
        printf("prune %s: %s %zu abandoned, %zu interrupted", db, dry ? "would remove" : "removed",
               gone.abandoned, gone.interrupted);
        if (failed)
            printf(", %zu failed", gone.failed);
        if (dups)
            printf(", %zu duplicate", gone.duplicates);
        printf(" run%s",
               gone.abandoned + gone.interrupted + gone.failed + gone.duplicates == 1 ? "" : "s");
        printf("; %zu done%s", left.done, live ? "" : ", none running");
        if (live)
            printf(", %zu still running (their process is alive)", live);
        if (!dups && left.duplicates)
            printf(", %zu duplicate done runs (--duplicates removes them)", left.duplicates);
        if (!failed && left.failed)
            printf(", %zu failed (--failed removes them)", left.failed);
        printf("\n");
    }
    store_close(st);
    cli_strs_free(&pos);
    return rc;
}
