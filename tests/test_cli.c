/* test_cli.c — the `cachestorm` binary as users and scripts see it: exit
 * statuses (INTERFACES.md), messages that name file:line:column, and the
 * determinism contract checked on stored rows (same config + seed =>
 * identical metrics and series rows; another seed => different ones). */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define BIN CS_BUILD_DIR "/cachestorm"

static char dir[64];

static void setup(void)
{
    strcpy(dir, "/tmp/cs-test-cli-XXXXXX");
    cr_assert(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

/* Run a shell command; return its exit status and (optionally) its stderr. */
static int sh(char *err_out, size_t cap, const char *fmt, ...)
{
    char cmd[2048], errf[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    snprintf(errf, sizeof errf, "%s/stderr", dir);
    char full[2300];
    snprintf(full, sizeof full, "%s >/dev/null 2>%s", cmd, errf);
    int st = system(full);
    if (err_out) {
        FILE *f = fopen(errf, "r");
        size_t n = f ? fread(err_out, 1, cap - 1, f) : 0;
        err_out[n] = 0;
        if (f)
            fclose(f);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void write_file(const char *name, const char *text)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    cr_assert(f);
    fputs(text, f);
    fclose(f);
}

TestSuite(cli, .init = setup, .fini = teardown);

Test(cli, version_and_help_exit_zero)
{
    cr_assert_eq(sh(NULL, 0, BIN " --version"), 0);
    cr_assert_eq(sh(NULL, 0, BIN " --help"), 0);
    cr_assert_eq(sh(NULL, 0, BIN " run --help"), 0);
    cr_assert_eq(sh(NULL, 0, BIN " show --help"), 0);
    cr_assert_eq(sh(NULL, 0, BIN " validate --help"), 0);
}

Test(cli, usage_errors_exit_two)
{
    char err[4096];
    cr_assert_eq(sh(err, sizeof err, BIN), 2);
    cr_assert_eq(sh(err, sizeof err, BIN " frobnicate"), 2);
    cr_assert(strstr(err, "unknown command 'frobnicate'"), "%s", err);
    cr_assert_eq(sh(err, sizeof err, BIN " run"), 2);
    cr_assert_eq(sh(err, sizeof err, BIN " run configs/mm1.yaml --seed -3"), 2);
    cr_assert_eq(sh(err, sizeof err, BIN " run configs/mm1.yaml --bogus"), 2);
    cr_assert(strstr(err, "--bogus"), "%s", err);
}

Test(cli, config_errors_name_file_line_column_and_key)
{
    char err[4096];
    write_file("bad.yaml", "schema: 1\nname: x\nduration: 10s\nworkload:\n  rate: 5\n");
    cr_assert_eq(sh(err, sizeof err, BIN " run %s/bad.yaml --db %s/r.db", dir, dir), 2);
    cr_assert(strstr(err, "bad.yaml:5:"), "no file:line in: %s", err);
    cr_assert(strstr(err, "workload.rate"), "no key in: %s", err);
    write_file("typo.yaml", "schema: 1\ndurration: 10s\n");
    cr_assert_eq(sh(err, sizeof err, BIN " run %s/typo.yaml --db %s/r.db", dir, dir), 2);
    cr_assert(strstr(err, "did you mean 'duration'"), "%s", err);
    cr_assert_eq(sh(err, sizeof err, BIN " run %s/none.yaml --db %s/r.db", dir, dir), 2);
    cr_assert_eq(sh(err, sizeof err, BIN " run configs/mm1.yaml --set queue.servers=0 --db %s/r.db", dir), 2);
    cr_assert(strstr(err, "queue.servers"), "%s", err);
}

Test(cli, io_errors_exit_three)
{
    char err[4096];
    write_file("junk.db", "this is not a database, just some text that is long enough........");
    cr_assert_eq(sh(err, sizeof err, BIN " run configs/mm1.yaml --set duration=1s --set warmup=0s --db %s/junk.db", dir), 3);
    cr_assert_eq(sh(err, sizeof err, BIN " show %s/absent.db", dir), 3);
    cr_assert_eq(sh(err, sizeof err, BIN " run configs/mm1.yaml --set duration=1s --set warmup=0s --db %s/no/such/dir/r.db", dir), 3);
}

/* Rows of one run as text, ordered, for comparison. */
static char *dump(sqlite3 *db, const char *sql, int run)
{
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    sqlite3_bind_int(st, 1, run);
    size_t cap = 1 << 16, n = 0;
    char *out = malloc(cap);
    out[0] = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            const char *v = (const char *)sqlite3_column_text(st, c);
            size_t need = n + (v ? strlen(v) : 4) + 2;
            if (need >= cap) {
                while (need >= cap)
                    cap *= 2;
                out = realloc(out, cap);
            }
            n += (size_t)sprintf(out + n, "%s%c", v ? v : "NULL", c + 1 < sqlite3_column_count(st) ? '|' : '\n');
        }
    }
    sqlite3_finalize(st);
    return out;
}

static void same_rows(const char *config, const char *sets)
{
    char db[128];
    snprintf(db, sizeof db, "%s/det.db", dir);
    cr_assert_eq(sh(NULL, 0, BIN " run %s %s --db %s", config, sets, db), 0);
    cr_assert_eq(sh(NULL, 0, BIN " run %s %s --db %s", config, sets, db), 0);
    cr_assert_eq(sh(NULL, 0, BIN " run %s %s --seed 99 --db %s", config, sets, db), 0);
    sqlite3 *h;
    cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
    const char *qm = "SELECT node, name, quote(value) FROM metrics WHERE run_id=? ORDER BY node, name";
    const char *qs = "SELECT node, t_s, name, quote(value) FROM series WHERE run_id=? ORDER BY node, name, t_s";
    const char *qt = "SELECT t_ns, node, component, from_state, to_state, reason FROM transitions WHERE run_id=? ORDER BY rowid";
    char *m1 = dump(h, qm, 1), *m2 = dump(h, qm, 2), *m3 = dump(h, qm, 3);
    char *s1 = dump(h, qs, 1), *s2 = dump(h, qs, 2), *s3 = dump(h, qs, 3);
    char *t1 = dump(h, qt, 1), *t2 = dump(h, qt, 2);
    cr_assert_gt(strlen(m1), 100, "too few metrics to compare");
    cr_assert_gt(strlen(s1), 100, "too few series to compare");
    cr_assert_str_eq(m1, m2, "same config + seed must give identical metrics rows");
    cr_assert_str_eq(s1, s2, "same config + seed must give identical series rows");
    cr_assert_str_eq(t1, t2, "same config + seed must give identical transitions");
    cr_assert_str_neq(m1, m3, "another seed should change the metrics");
    cr_assert_str_neq(s1, s3, "another seed should change the series");
    free(m1), free(m2), free(m3), free(s1), free(s2), free(s3), free(t1), free(t2);
    sqlite3_close(h);
}

Test(cli, queue_model_same_seed_gives_identical_rows)
{
    same_rows("configs/mm1.yaml", "--set duration=60s --set warmup=5s");
}

Test(cli, cache_world_same_seed_gives_identical_rows, .timeout = 120)
{
    same_rows("configs/default.yaml", "--set duration=150s --set faults[0].at=60s --set faults[0].for=30s");
}

Test(cli, set_overrides_land_in_params)
{
    char db[128];
    snprintf(db, sizeof db, "%s/p.db", dir);
    cr_assert_eq(sh(NULL, 0, BIN " run configs/mm1.yaml --set duration=5s --set warmup=0s --set queue.servers=3 --db %s", db), 0);
    sqlite3 *h;
    cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
    char *v = dump(h, "SELECT value FROM params WHERE run_id=? AND path='queue.servers'", 1);
    cr_assert_str_eq(v, "3\n");
    free(v);
    char *s = dump(h, "SELECT status FROM runs WHERE id=?", 1);
    cr_assert_str_eq(s, "done\n");
    free(s);
    sqlite3_close(h);
}

/* ---- the shared option parser (sim/cli_args.c) ------------------------- */
#include "sim/cli/cli_args.h"

static void no_help(FILE *f) { (void)f; }

typedef struct pcase {
    const char *argv[8];
    int want;            /* 0, CLI_HELP or CS_USAGE */
    const char *db;      /* expected --db when want == 0 */
    long jobs;
    int nsets, npos;
} pcase;

static const pcase PCASES[] = {
    {{"x", "a.yaml"}, 0, "runs.db", 2, 0, 1},
    {{"x", "a.yaml", "--db", "d.db", "-j", "4"}, 0, "d.db", 4, 0, 1},
    {{"x", "--set", "a=1", "a.yaml", "--set", "b=2"}, 0, "runs.db", 2, 2, 1},
    {{"x", "a.yaml", "b.yaml"}, CS_USAGE, NULL, 0, 0, 0},   /* one positional at most */
    {{"x"}, CS_USAGE, NULL, 0, 0, 0},                       /* none given */
    {{"x", "a.yaml", "-j", "0"}, CS_USAGE, NULL, 0, 0, 0},  /* out of range */
    {{"x", "a.yaml", "-j", "2x"}, CS_USAGE, NULL, 0, 0, 0}, /* not a number */
    {{"x", "a.yaml", "--db"}, CS_USAGE, NULL, 0, 0, 0},     /* value missing */
    {{"x", "a.yaml", "--frob"}, CS_USAGE, NULL, 0, 0, 0},   /* unknown */
    {{"x", "--help", "--frob"}, CLI_HELP, NULL, 0, 0, 0},   /* help wins when first */
};

Test(cli_args, options_positionals_and_errors_follow_the_table)
{
    for (size_t k = 0; k < sizeof PCASES / sizeof PCASES[0]; k++) {
        const pcase *c = &PCASES[k];
        int argc = 0;
        while (argc < 8 && c->argv[argc])
            argc++;
        const char *db = "runs.db";
        long jobs = 2;
        cli_strs sets = {0}, pos = {0};
        const cli_opt opts[] = {
            {"--db", NULL, OPT_STR, &db, 0, 0, NULL},
            {"-j", NULL, OPT_INT, &jobs, 1, 256, NULL},
            {"--set", NULL, OPT_STRS, &sets, 0, 0, NULL},
            {NULL, NULL, 0, NULL, 0, 0, NULL},
        };
        int rc = cli_parse("x", argc, (char **)c->argv, opts, "CONFIG", 1, &pos, no_help);
        cr_assert_eq(rc, c->want, "case %zu: rc %d, want %d", k, rc, c->want);
        if (rc == 0) {
            cr_assert_str_eq(db, c->db, "case %zu", k);
            cr_assert_eq(jobs, c->jobs, "case %zu", k);
            cr_assert_eq(sets.n, c->nsets, "case %zu", k);
            cr_assert_eq(pos.n, c->npos, "case %zu", k);
        }
        cli_strs_free(&sets);
        cli_strs_free(&pos);
    }
}
