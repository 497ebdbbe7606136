/* test_config_errors.c — config errors a user can fix in one go (issue 12):
 * every error of a file in one pass, each naming file:line and key;
 * Go-style compound durations (4m30s, 1h2m3.5s) wherever a duration is
 * read (config values, --set, expect: rules); a did-you-mean for an
 * unknown key prefers the keys of the same parent. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/config/config.h"
#include "sim/run/expect.h"

Test(config_errors, compound_durations_parse_like_go)
{
    static const struct {
        const char *text;
        sim_ns want;
    } ok[] = {
        {"4m30s", 270 * (sim_ns)1000000000},
        {"1h2m3.5s", 3723500 * (sim_ns)1000000},
        {"1.5s", 1500 * (sim_ns)1000000},
        {"2m", 120 * (sim_ns)1000000000},
        {"1m30s500ms", 90500 * (sim_ns)1000000},
        {"250us", 250000},
        {"1s250ms", 1250 * (sim_ns)1000000},
        {"5 ms", 5 * (sim_ns)1000000},
        {"-1m30s", -90 * (sim_ns)1000000000},
        {"0s", 0},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        sim_ns v = -12345;
        cs_err err = {0};
        cr_expect_eq(config_parse_duration(ok[i].text, &v, &err), 0, "%s: %s", ok[i].text, err.msg);
        cr_expect_eq(v, ok[i].want, "%s: %lld, want %lld", ok[i].text, (long long)v,
                     (long long)ok[i].want);
    }
    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"4m30", "the last number needs a unit"},
        {"4m3x", "unknown unit 'x'"},
        {"1m 30s", "' 30s' is not a number and unit"},
        {"1m-30s", "'-30s' is not a number and unit"},
        {"10", "needs a unit"},
        {"s", "is not a duration"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sim_ns v;
        cs_err err = {0};
        cr_expect_eq(config_parse_duration(bad[i].text, &v, &err), CS_USAGE, "%s", bad[i].text);
        cr_expect(strstr(err.msg, bad[i].msg), "%s: %s", bad[i].text, err.msg);
    }
}

Test(config_errors, compound_durations_in_configs_and_rules)
{
    config c;
    cs_err err = {0};
    const char *sets[] = {"duration=4m30s", "warmup=1m2.5s"};
    cr_assert_eq(config_load("configs/mm1.yaml", sets, 2, &c, &err), 0, "%s", err.msg);
    cr_expect_eq(c.duration, 270 * (sim_ns)1000000000);
    cr_expect_eq(c.warmup, 62500 * (sim_ns)1000000);
    config_free(&c);
    /* in an expect: rule a compound duration converts to the metric's unit */
    expect_rule r;
    cr_assert_eq(expect_parse("recovery_s < 4m30s", EXPECT_RULE, "t", 1, 0, "expect[0]", &r, &err),
                 0, "%s", err.msg);
    run_rows rows = {0};
    rows_metric(&rows, -1, "recovery_s", 269.9);
    const run_rows *rp[] = {&rows};
    expect_verdict v;
    expect_judge(&r, rp, 1, &v);
    cr_expect(v.pass, "269.9 s < 4m30s");
    cr_expect_eq(v.rhs.mid, 270, "4m30s is 270 in seconds, got %g", v.rhs.mid);
    expect_rule_free(&r);
    rows_free(&rows);
    cr_assert_eq(expect_parse("latency.p99_ms < 1s500ms", EXPECT_RULE, "t", 1, 0, "e", &r, &err),
                 0, "%s", err.msg);
    rows_metric(&rows, -1, "latency.p99_ms", 1501);
    expect_judge(&r, rp, 1, &v);
    cr_expect(!v.pass, "1501 ms is not below 1s500ms");
    expect_rule_free(&r);
    rows_free(&rows);
    cr_expect_eq(expect_parse("recovery_s < 4m30", EXPECT_RULE, "t", 1, 0, "e", &r, &err),
                 CS_USAGE);
    cr_expect(strstr(err.msg, "needs a duration unit"), "%s", err.msg);
}

Test(config_errors, every_error_of_a_file_in_one_pass_with_file_line_and_key)
{
    char dir[] = "/tmp/cs-test-cfgerr-XXXXXX", path[128];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/bad.yaml", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("schema: 1\n"                  /* 1 */
          "name: bad\n"                  /* 2 */
          "nodes: {count: 0}\n"          /* 3: out of range */
          "warmup: 5q\n"                 /* 4: bad unit */
          "duraton: 10s\n"               /* 5: unknown key (found first, listed third) */
          "faults:\n"                    /* 6 */
          "  - kind: restart\n"          /* 7 */
          "    at: 4m30s\n"              /* 8: fine */
          "    duration: 10s\n",         /* 9: unknown, means `for` */
          f);
    fclose(f);
    config c;
    cs_err err = {0};
    cr_assert_eq(config_load(path, NULL, 0, &c, &err), CS_USAGE);
    char want[4][256];
    snprintf(want[0], 256, "%s:3:16: nodes.count: 0 is out of range", path);
    snprintf(want[1], 256, "%s:4:9: warmup: '5q': unknown unit 'q'", path);
    snprintf(want[2], 256, "%s:5:1: duraton: unknown key; did you mean 'duration'?", path);
    snprintf(want[3], 256,
             "%s:9:5: faults[0].duration: unknown key; did you mean 'for' (faults[0].for)?", path);
    const char *prev = err.msg;
    for (int i = 0; i < 4; i++) {
        const char *at = strstr(err.msg, want[i]);
        cr_expect(at, "missing:\n%s\nin:\n%s", want[i], err.msg);
        cr_expect(!at || at >= prev, "top to bottom: %s", err.msg);
        prev = at ? at : prev;
    }
    int lines = 1;
    for (const char *p = err.msg; *p; p++)
        lines += *p == '\n';
    cr_expect_eq(lines, 4, "four errors, one per line:\n%s", err.msg);
    /* the same through the command line: exit 2, nothing run */
    char cmd[512], cwd[256], out[4096];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    snprintf(cmd, sizeof cmd, "cd %s && %s/%s/cachestorm run bad.yaml --db r.db 2>&1; echo rc=$?; "
             "ls r.db 2>/dev/null || echo no-db", dir, cwd, CS_BUILD_DIR);
    FILE *p = popen(cmd, "r");
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    pclose(p);
    cr_expect(strstr(out, "rc=2") && strstr(out, "no-db") && strstr(out, "bad.yaml:9:5:") &&
                  strstr(out, "bad.yaml:5:1:"),
              "%s", out);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

Test(config_errors, did_you_mean_prefers_the_same_parent)
{
    config c;
    cs_err err = {0};
    const char *s1[] = {"faults[0].duration=10s"};
    cr_assert_eq(config_load("configs/default.yaml", s1, 1, &c, &err), CS_USAGE);
    cr_expect(strstr(err.msg, "faults[0].duration: unknown key; did you mean 'for' (faults[0].for)?"),
              "%s", err.msg);
    /* a near name in the same section still wins over one elsewhere */
    const char *s2[] = {"faults[0].fr=10s"};
    cr_assert_eq(config_load("configs/default.yaml", s2, 1, &c, &err), CS_USAGE);
    cr_expect(strstr(err.msg, "did you mean 'for'"), "%s", err.msg);
    /* and a key that lives only elsewhere is pointed there */
    const char *s3[] = {"faults[0].warmup=10s"};
    cr_assert_eq(config_load("configs/default.yaml", s3, 1, &c, &err), CS_USAGE);
    cr_expect(strstr(err.msg, "unknown key here; did you mean 'warmup'?"), "%s", err.msg);
}
