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
#include "tests/util.h"


/* cmd_compare in this process; *out gets stdout, *err stderr */
static int compare(char **out, char **err, const char **args)
{
    const char *argv[32] = {"compare"};
    for (int i = 0; args[i]; i++) {
        cr_assert_lt(i, 30);
        argv[i + 1] = args[i];
    }
    return tu_run_cmd(cmd_compare, out, err, argv);
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
     .init = tu_make_dir, .fini = tu_rm_dir)
{
    side_spec b = {NULL, NULL, 5, 1, {360, 360, 360, 360, 360}, {1000, 1010, 990, 1005, 995}};
    side_spec c = {NULL, NULL, 5, 1, {360.004, 360.005, 360.003, 360.006, 360.004},
                   {880, 889, 871, 884, 876}};
    add_runs(tu_path("b.db"), &b);
    add_runs(tu_path("c.db"), &c);
    const char *args[] = {"--baseline", tu_path("b.db"), "--candidate", tu_path("c.db"),
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
    const char *strict[] = {"--baseline", tu_path("b.db"), "--candidate", tu_path("c.db"),
                            "--min-change", "0.0001", "--min-abs", "s=0", NULL};
    cr_assert_eq(compare(&out, &err, strict), CS_EXPECT_FAILED, "%s%s", out, err);
    cr_expect_not_null(strstr(out, "breaker.open_s"), "%s", out);
    free(out);
    free(err);
}

/* Zero variance on both sides and a difference: exact, no division by 0. */
Test(compare, zero_variance_on_both_sides_is_exact, .init = tu_make_dir, .fini = tu_rm_dir)
{
    side_spec b = {NULL, NULL, 3, 1, {10, 10, 10}, {100, 100, 100}};
    side_spec c = {NULL, NULL, 3, 1, {10, 10, 10}, {50, 50, 50}};
    add_runs(tu_path("b.db"), &b);
    add_runs(tu_path("c.db"), &c);
    const char *args[] = {"--baseline", tu_path("b.db"), "--candidate", tu_path("c.db"),
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
Test(compare, sides_that_differ_beyond_the_change_are_refused, .init = tu_make_dir,
     .fini = tu_rm_dir)
{
    side_spec b = {NULL, "1", 3, 1, {1, 2, 3}, {1, 2, 3}};
    side_spec other_seeds = {NULL, "1", 3, 7, {1, 2, 3}, {1, 2, 3}};
    side_spec other_knob = {NULL, "2", 3, 1, {1, 2, 3}, {1, 2, 3}};
    add_runs(tu_path("b.db"), &b);
    add_runs(tu_path("s.db"), &other_seeds);
    add_runs(tu_path("k.db"), &other_knob);
    char *out, *err;
    const char *a1[] = {"--baseline", tu_path("b.db"), "--candidate", tu_path("s.db"), NULL};
    cr_expect_eq(compare(&out, &err, a1), CS_USAGE);
    cr_expect_not_null(strstr(err, "differ in more than the change") && strstr(err, ": seed"),
                       "%s", err);
    free(out);
    free(err);
    const char *a2[] = {"--baseline", tu_path("b.db"), "--candidate", tu_path("k.db"), NULL};
    cr_expect_eq(compare(&out, &err, a2), CS_USAGE);
    cr_expect_not_null(strstr(err, ": knob"), "%s", err);
    free(out);
    free(err);
    const char *a3[] = {"--baseline", tu_path("b.db"), "--candidate", tu_path("k.db"),
                        "--allow-diff", "knob", NULL};
    cr_expect_eq(compare(&out, &err, a3), CS_OK, "%s", err);
    free(out);
    free(err);
}

/* An A/B inside one experiment: every variant against the named one. */
Test(compare, baseline_variant_inside_one_database, .init = tu_make_dir, .fini = tu_rm_dir)
{
    side_spec a = {"plain", NULL, 4, 1, {5, 6, 5, 6}, {100, 104, 98, 102}};
    side_spec l = {"locked", NULL, 4, 1, {5, 6, 5, 6}, {60, 63, 58, 61}};
    side_spec w = {"worse", NULL, 4, 1, {5, 6, 5, 6}, {150, 155, 149, 152}};
    add_runs(tu_path("ab.db"), &a);
    add_runs(tu_path("ab.db"), &l);
    add_runs(tu_path("ab.db"), &w);
    char *out, *err;
    const char *args[] = {tu_path("ab.db"), "--baseline-variant", "plain", "--format", "tsv", NULL};
    cr_assert_eq(compare(&out, &err, args), CS_EXPECT_FAILED, "%s%s", out, err);
    cr_expect_not_null(strstr(out, "exp\tlocked\texp p=1\trequests.error"), "%s", out);
    cr_expect_not_null(strstr(out, "exp\tworse\texp p=1\trequests.error"), "%s", out);
    char *lk = strstr(out, "exp\tlocked\texp p=1\trequests.error");
    cr_expect(lk && strncmp(strchr(lk, '\n') - 6, "better", 6) == 0, "%s", out);
    char *wk = strstr(out, "exp\tworse\texp p=1\trequests.error");
    cr_expect(wk && strncmp(strchr(wk, '\n') - 5, "worse", 5) == 0, "%s", out);
    free(out);
    free(err);
    const char *none[] = {tu_path("ab.db"), "--baseline-variant", "nope", NULL};
    cr_expect_eq(compare(&out, &err, none), CS_USAGE);
    cr_expect_not_null(strstr(err, "no finished runs of variant 'nope'"), "%s", err);
    free(out);
    free(err);
}
