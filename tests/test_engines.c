/* test_engines.c — sweeps handed to real batch engines (issue 15), no
 * mocks: GNU parallel runs a plan into shards (tests/engines/parallel.sh)
 * and a one-node Slurm cluster started by the test runs it as a job array
 * (tests/engines/slurm.sh); in both, `merge` must give the rows of
 * `sweep -j 2` row for row by run identity.  The engines are installed by
 * scripts/deps.sh; a missing engine or a daemon that cannot start FAILS the
 * test with the engine's own message — it is never skipped. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define BIN CS_BUILD_DIR "/cachestorm"

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/cs_engines_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void rm_dir(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (dir[0])
        cr_assert_eq(system(cmd), 0);
}

/* Run tests/engines/SCRIPT BIN DIR; fail with its output unless it exits 0. */
static void engine(const char *script)
{
    char bin[4096], cmd[8192], log[128];
    cr_assert_not_null(realpath(BIN, bin), "%s", BIN);
    snprintf(log, sizeof log, "%s.log", dir);
    snprintf(cmd, sizeof cmd, "bash tests/engines/%s '%s' '%s' >'%s' 2>&1", script, bin, dir, log);
    int st = system(cmd);
    FILE *f = fopen(log, "r");
    static char out[16384];
    size_t n = f ? fread(out, 1, sizeof out - 1, f) : 0;
    out[n] = 0;
    if (f)
        fclose(f);
    unlink(log);
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s failed:\n%s", script, out);
    cr_log_info("%s", out);
}

TestSuite(engines, .init = make_dir, .fini = rm_dir, .timeout = 300);

Test(engines, gnu_parallel_runs_a_plan_into_shards_that_merge_to_the_rows_of_sweep_j2)
{
    engine("parallel.sh");
}

Test(engines, a_one_node_slurm_cluster_runs_the_job_array_and_merge_gives_sweep_j2_rows)
{
    engine("slurm.sh");
}
