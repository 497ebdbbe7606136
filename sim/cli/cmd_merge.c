/* cmd_merge.c — `cachestorm merge OUT.db SHARD.db... [--any-version]
 * [--old-schema] [--quiet]`: bring the shard databases of a plan's jobs
 * (GNU parallel, a Slurm job array: README "Beyond one machine") into one
 * store.  One transaction per shard; every run's identity verified; runs
 * already in OUT skipped, so merging twice changes nothing; 'running' rows
 * of killed jobs never copied (sim/store/store_merge.c). */
#include <stdio.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/cli_args.h"
#include "sim/run/runner.h"
#include "sim/store/store.h"

static void help(FILE *f)
{
    fprintf(f,
            "usage: cachestorm merge OUT.db SHARD.db... [--any-version] [--old-schema] [--quiet]\n"
            "\n"
            "Copies the done runs of each shard, with all their rows, into OUT.db\n"
            "(created if absent), one transaction per shard. Each run's identity is\n"
            "checked (its config hash must be the hash of its stored config); a run\n"
            "already done in OUT.db (same config hash, seed, version and labels) is\n"
            "skipped, so merging again changes nothing. Runs that are not done\n"
            "(a killed job's 'running' row, failed, interrupted) are never copied.\n"
            "\n"
            "  --any-version      merge runs made by another cachestorm version (refused\n"
            "                     otherwise: a statistic should not mix binaries)\n"
            "  --old-schema       merge shards of an older schema version (refused otherwise)\n"
            "  --quiet            only the totals line\n"
            "\n"
            "examples:\n"
            "  cachestorm merge runs.db plan/shards/*.db\n"
            "\n"
            "exit status: 0 all merged or skipped; 2 a shard or run was refused (another\n"
            "schema or version, not a cachestorm database); 3 a shard cannot be read whole\n"
            "(truncated, corrupt) or OUT.db cannot be written.\n");
}

int cmd_merge(int argc, char **argv)
{
    bool any_version = false, old_schema = false, quiet = false;
    cli_strs pos = {0};
    const cli_opt opts[] = {
        {"--any-version", NULL, OPT_FLAG, &any_version, 0, 0, NULL},
        {"--old-schema", NULL, OPT_FLAG, &old_schema, 0, 0, NULL},
        {"--quiet", "-q", OPT_FLAG, &quiet, 0, 0, NULL},
        {NULL, NULL, 0, NULL, 0, 0, NULL},
    };
    int rc = cli_parse("merge", argc, argv, opts, "OUT.db", 0, &pos, help);
    if (rc) {
        cli_strs_free(&pos);
        return rc == CLI_HELP ? CS_OK : rc;
    }
    if (pos.n < 2) {
        fprintf(stderr, "cachestorm merge: no shard given (usage: merge OUT.db SHARD.db...)\n");
        cli_strs_free(&pos);
        return CS_USAGE;
    }
    const char *outp = pos.v[0];
    store *out;
    cs_err err = {0};
    if ((rc = store_open(outp, &out, &err))) {
        fprintf(stderr, "cachestorm merge: %s\n", err.msg);
        cli_strs_free(&pos);
        return rc;
    }
    store_merge_opts o = {
        .any_version = any_version, .old_schema = old_schema, .version = runner_version()};
    size_t merged = 0, skipped = 0, refused = 0, not_done = 0, bad_shards = 0;
    int worst = CS_OK;
    for (int i = 1; i < pos.n; i++) {
        const char *sh = pos.v[i];
        if (strcmp(sh, outp) == 0) {
            fprintf(stderr, "cachestorm merge: %s is the output database; skipped\n", sh);
            continue;
        }
        store_merge_report r;
        cs_err e = {0};
        int k = store_merge(out, sh, &o, &r, &e);
        if (k) {
            bad_shards++;
            fprintf(stderr, "cachestorm merge: refused %s\n", e.msg);
            worst = k == CS_IO || worst == CS_IO ? CS_IO : CS_USAGE;
            continue;
        }
        if (r.refused) {
            fprintf(stderr, "cachestorm merge: refused %zu run%s of %s; the first: %s\n", r.refused,
                    r.refused == 1 ? "" : "s", sh, r.first_refusal);
            if (worst == CS_OK)
                worst = CS_USAGE;
        }
        if (!quiet)
            printf("%s: %zu merged, %zu skipped (already in %s), %zu refused, %zu not done\n", sh,
                   r.merged, r.skipped, outp, r.refused, r.not_done);
        merged += r.merged;
        skipped += r.skipped;
        refused += r.refused;
        not_done += r.not_done;
    }
    printf("merge %s: %zu runs merged, %zu skipped, %zu refused, %zu not done (never merged) "
           "from %d shard%s",
           outp, merged, skipped, refused, not_done, pos.n - 1, pos.n == 2 ? "" : "s");
    if (bad_shards)
        printf(", %zu shard%s refused whole", bad_shards, bad_shards == 1 ? "" : "s");
    printf("\n");
    store_close(out);
    cli_strs_free(&pos);
    return worst;
}
