/* test_validate.c — `cachestorm validate` judges everything a later command
 * would trip on, before anything runs (issue 12): expect: and objective:
 * rules (unknown metrics with a did-you-mean, syntax), in plain configs and
 * experiments; experiment keys given by --set are honoured, not ignored. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/util.h"

static const char *file(const char *name, const char *text)
{
    static char p[4][256];
    static int k;
    char *r = p[k++ % 4];
    snprintf(r, 256, "%s/%s", tu_dir, name);
    FILE *f = fopen(r, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return r;
}

/* runs `cachestorm ARGS` in tu_dir; returns the exit status, output in out */
static int cli(const char *args, char *out, size_t cap)
{
    char cmd[1024];
    char cwd[512];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    snprintf(cmd, sizeof cmd, "cd %s && %s/%s/cachestorm %s 2>&1", tu_dir, cwd, CS_BUILD_DIR, args);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#define BASE "schema: 1\nname: v\nduration: 600s\nnodes: {count: 2}\n"

Test(validate, an_unknown_metric_in_expect_is_exit_2_with_did_you_mean, .init = tu_make_dir,
     .fini = tu_rm_dir)
{
    char out[4096], args[512];
    const char *f = file("plain.yaml", BASE "expect: [requests.eror < 100]\n");
    snprintf(args, sizeof args, "validate %s", f);
    cr_assert_eq(cli(args, out, sizeof out), 2, "%s", out);
    cr_expect(strstr(out, "plain.yaml:5:10: expect[0]: unknown metric 'requests.eror'"), "%s", out);
    cr_expect(strstr(out, "did you mean 'requests.error'?"), "%s", out);
    /* nothing ran: no database appeared */
    char db[300];
    snprintf(db, sizeof db, "%s/runs.db", tu_dir);
    cr_expect_neq(access(db, F_OK), 0, "validate must not run anything");
    /* the same in an experiment, and a syntax error */
    f = file("exp.yaml", BASE "replications: 2\nexpect: [\"mean(latency.p99_ms) <\"]\n");
    snprintf(args, sizeof args, "validate %s", f);
    cr_assert_eq(cli(args, out, sizeof out), 2, "%s", out);
    cr_expect(strstr(out, "expect[0]"), "%s", out);
}

Test(validate, objective_and_constraints_are_checked, .init = tu_make_dir, .fini = tu_rm_dir)
{
    char out[4096], args[512];
    const char *f = file("tune.yaml", BASE "replications: 2\nsweep: {nodes.count: [2, 3]}\n"
                                           "objective: {minimize: latency.p99_msx,\n"
                                           "  constraints: [requests.error == 0]}\n");
    snprintf(args, sizeof args, "validate %s", f);
    cr_assert_eq(cli(args, out, sizeof out), 2, "%s", out);
    cr_expect(strstr(out, "did you mean 'latency.p99_ms'?"), "%s", out);
    f = file("tune2.yaml", BASE "replications: 2\nsweep: {nodes.count: [2, 3]}\n"
                                "objective: {minimize: latency.p99_ms,\n"
                                "  constraints: [requests.errors == 0]}\n");
    snprintf(args, sizeof args, "validate %s", f);
    cr_assert_eq(cli(args, out, sizeof out), 2, "%s", out);
    cr_expect(strstr(out, "requests.errors"), "%s", out);
}

Test(validate, replications_by_set_is_honoured, .init = tu_make_dir, .fini = tu_rm_dir)
{
    char out[4096], args[512];
    const char *f = file("rep.yaml", BASE "replications: 5\nexpect: [requests.error == 0]\n");
    snprintf(args, sizeof args, "validate %s --set replications=2", f);
    cr_assert_eq(cli(args, out, sizeof out), 0, "%s", out);
    cr_expect(strstr(out, "1 scenario, 2 runs"), "%s", out);
    snprintf(args, sizeof args, "validate %s --set replications=0", f);
    cr_assert_eq(cli(args, out, sizeof out), 2, "%s", out);
    cr_expect(strstr(out, "--set replications=0"), "%s", out);
}
