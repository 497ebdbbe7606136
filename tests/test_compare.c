/* test_compare.c — `cachestorm compare` verdicts a CI pipeline can trust
 * (issue 12): practical thresholds, zero variance, paired tests on common
 * seeds, refusal when the sides differ in more than the declared change,
 * and an A/B inside one database (--baseline-variant). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "sim/store/store.h"

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/cs-test-compare-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void rm_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

static const char *tpath(const char *name)
{
    static char p[8][256];
    static int k;
    char *r = p[k++ % 8];
    snprintf(r, 256, "%s/%s", dir, name);
    return r;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = 0;
    fclose(f);
    return b;
}

/* cmd_compare in this process; *out gets stdout, *err stderr */
static int compare(char **out, char **err, const char **args)
{
    char *argv[32];
    int argc = 1;
    argv[0] = "compare";
    for (; args[argc - 1]; argc++)
        argv[argc] = (char *)args[argc - 1];
    argv[argc] = NULL;
    const char *op = tpath("out.txt"), *ep = tpath("err.txt");
    fflush(stdout);
    fflush(stderr);
    int so = dup(1), se = dup(2);
    int fo = open(op, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fe = open(ep, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fo, 1);
    dup2(fe, 2);
    int rc = cmd_compare(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(fo), close(fe), close(so), close(se);
    *out = slurp(op);
    *err = slurp(ep);
    return rc;
}

/* One run per seed 1..n of scenario "exp p=1" (variant v): breaker.open_s
 * = open_s[i], requests.error = errors[i]; one params row `knob`. */
typedef struct side_spec {
    const char *variant, *knob;
    int n, seed0;
    double open_s[6], errors[6];
} side_spec;

static void add_runs(const char *path, const side_spec *sp)
{
    store *s;
    cs_err err = {0};
    cr_assert_eq(store_open(path, &s, &err), 0, "%s", err.msg);
    for (int i = 0; i < sp->n; i++) {
        run_info ri = {.experiment = "exp", .variant = sp->variant, .name = "exp p=1",
                       .seed = (uint64_t)(sp->seed0 + i)};
        int64_t id;
        cr_assert_eq(store_begin_run(s, &ri, &id, &err), 0, "%s", err.msg);
        run_rows r = {0};
        char seed[16];
        snprintf(seed, sizeof seed, "%d", sp->seed0 + i);
        rows_param(&r, "seed", seed);
        rows_param(&r, "knob", sp->knob ? sp->knob : "1");
        rows_metric(&r, -1, "breaker.open_s", sp->open_s[i]);
        rows_metric(&r, -1, "requests.error", sp->errors[i]);
        cr_assert_eq(store_finish_run(s, id, &r, SEC(1), 1, 0.1, &err), 0, "%s", err.msg);
        rows_free(&r);
    }
    store_close(s);
}

/* The case: breaker.open_s 360 +- 0 vs 360 +- 0.0062 (+0.0 %, p 0.01)
 * must not fail CI; requests.error falls 12 %: BETTER, exit 0. */
Test(compare, a_tiny_significant_change_is_negligible_and_a_12pct_cut_is_better,
     .init = make_dir, .fini = rm_dir)
{
    side_spec b = {NULL, NULL, 5, 1, {360, 360, 360, 360, 360}, {1000, 1010, 990, 1005, 995}};
    side_spec c = {NULL, NULL, 5, 1, {360.004, 360.005, 360.003, 360.006, 360.004},
                   {880, 889, 871, 884, 876}};
    add_runs(tpath("b.db"), &b);
    add_runs(tpath("c.db"), &c);
    const char *args[] = {"--baseline", tpath("b.db"), "--candidate", tpath("c.db"),
                          "--format", "tsv", NULL};
    char *out, *err;
    cr_assert_eq(compare(&out, &err, args), CS_OK, "%s%s", out, err);
    cr_expect_not_null(strstr(out, "requests.error"), "%s", out);
    char *line = strstr(out, "requests.error");
    cr_expect(line && strstr(line, "\tpaired\tbetter"), "%s", out);
    line = strstr(out, "breaker.open_s");
    cr_assert_not_null(line, "%s", out);
    cr_expect(strstr(line, "\tnegligible") && strstr(line, "\tnegligible") < strstr(line, "\n"),
              "a +0.0%% change is negligible, not WORSE: %s", out);
    cr_expect_null(strstr(out, "worse"), "%s", out);
    free(out);
    free(err);
    /* the same rise of +0.01 s is WORSE when the user says 0.001 %% matters */
    const char *strict[] = {"--baseline", tpath("b.db"), "--candidate", tpath("c.db"),
                            "--min-change", "0.0001", "--min-abs", "s=0", NULL};
    cr_assert_eq(compare(&out, &err, strict), CS_EXPECT_FAILED, "%s%s", out, err);
    cr_expect_not_null(strstr(out, "breaker.open_s"), "%s", out);
    free(out);
    free(err);
}

/* Zero variance on both sides and a difference: exact, no division by 0. */
Test(compare, zero_variance_on_both_sides_is_exact, .init = make_dir, .fini = rm_dir)
{
    side_spec b = {NULL, NULL, 3, 1, {10, 10, 10}, {100, 100, 100}};
    side_spec c = {NULL, NULL, 3, 1, {10, 10, 10}, {50, 50, 50}};
    add_runs(tpath("b.db"), &b);
    add_runs(tpath("c.db"), &c);
    const char *args[] = {"--baseline", tpath("b.db"), "--candidate", tpath("c.db"),
                          "--format", "json", NULL};
    char *out, *err;
    cr_assert_eq(compare(&out, &err, args), CS_OK, "%s%s", out, err);
    cr_expect_not_null(strstr(out, "\"p\": 0, \"test\": \"paired\", \"verdict\": \"better\""),
                       "%s", out);
    cr_expect_null(strstr(out, "nan"), "%s", out);
    free(out);
    free(err);
}

/* Other seeds, or a config key nobody declared: exit 2 naming the keys. */
Test(compare, sides_that_differ_beyond_the_change_are_refused, .init = make_dir, .fini = rm_dir)
{
    side_spec b = {NULL, "1", 3, 1, {1, 2, 3}, {1, 2, 3}};
    side_spec other_seeds = {NULL, "1", 3, 7, {1, 2, 3}, {1, 2, 3}};
    side_spec other_knob = {NULL, "2", 3, 1, {1, 2, 3}, {1, 2, 3}};
    add_runs(tpath("b.db"), &b);
    add_runs(tpath("s.db"), &other_seeds);
    add_runs(tpath("k.db"), &other_knob);
    char *out, *err;
    const char *a1[] = {"--baseline", tpath("b.db"), "--candidate", tpath("s.db"), NULL};
    cr_expect_eq(compare(&out, &err, a1), CS_USAGE);
    cr_expect_not_null(strstr(err, "differ in more than the change") && strstr(err, ": seed"),
                       "%s", err);
    free(out);
    free(err);
    const char *a2[] = {"--baseline", tpath("b.db"), "--candidate", tpath("k.db"), NULL};
    cr_expect_eq(compare(&out, &err, a2), CS_USAGE);
    cr_expect_not_null(strstr(err, ": knob"), "%s", err);
    free(out);
    free(err);
    const char *a3[] = {"--baseline", tpath("b.db"), "--candidate", tpath("k.db"),
                        "--allow-diff", "knob", NULL};
    cr_expect_eq(compare(&out, &err, a3), CS_OK, "%s", err);
    free(out);
    free(err);
}

/* An A/B inside one experiment: every variant against the named one. */
Test(compare, baseline_variant_inside_one_database, .init = make_dir, .fini = rm_dir)
{
    side_spec a = {"plain", NULL, 4, 1, {5, 6, 5, 6}, {100, 104, 98, 102}};
    side_spec l = {"locked", NULL, 4, 1, {5, 6, 5, 6}, {60, 63, 58, 61}};
    side_spec w = {"worse", NULL, 4, 1, {5, 6, 5, 6}, {150, 155, 149, 152}};
    add_runs(tpath("ab.db"), &a);
    add_runs(tpath("ab.db"), &l);
    add_runs(tpath("ab.db"), &w);
    char *out, *err;
    const char *args[] = {tpath("ab.db"), "--baseline-variant", "plain", "--format", "tsv", NULL};
    cr_assert_eq(compare(&out, &err, args), CS_EXPECT_FAILED, "%s%s", out, err);
    cr_expect_not_null(strstr(out, "exp\tlocked\texp p=1\trequests.error"), "%s", out);
    cr_expect_not_null(strstr(out, "exp\tworse\texp p=1\trequests.error"), "%s", out);
    char *lk = strstr(out, "exp\tlocked\texp p=1\trequests.error");
    cr_expect(lk && strncmp(strchr(lk, '\n') - 6, "better", 6) == 0, "%s", out);
    char *wk = strstr(out, "exp\tworse\texp p=1\trequests.error");
    cr_expect(wk && strncmp(strchr(wk, '\n') - 5, "worse", 5) == 0, "%s", out);
    free(out);
    free(err);
    const char *none[] = {tpath("ab.db"), "--baseline-variant", "nope", NULL};
    cr_expect_eq(compare(&out, &err, none), CS_USAGE);
    cr_expect_not_null(strstr(err, "no finished runs of variant 'nope'"), "%s", err);
    free(out);
    free(err);
}
