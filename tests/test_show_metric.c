/* test_show_metric.c — `show --metric PATTERN` keeps the metrics whose
 * names match a glob; none matching is exit 2 with a did-you-mean; `help
 * CMD` is CMD --help. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/util.h"

static int cli(const char *args, char *out, size_t cap)
{
    char cmd[1024], cwd[512];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    snprintf(cmd, sizeof cmd, "cd %s && %s/%s/cachestorm %s 2>&1", tu_dir, cwd, CS_BUILD_DIR, args);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(show_metric, a_glob_keeps_matching_metrics_only, .init = tu_make_dir, .fini = tu_rm_dir)
{
    static char out[1 << 16];
    char args[512];
    snprintf(args, sizeof args, "run %s/configs/mm1.yaml --db m.db --quiet --set duration=40s",
             getcwd(out, 512));
    cr_assert_eq(cli(args, out, sizeof out), 0, "%s", out);
    cr_assert_eq(cli("show m.db --metric 'latency.p9*' --metric requests.total", out, sizeof out),
                 0, "%s", out);
    cr_expect(strstr(out, "latency.p90_ms") && strstr(out, "latency.p99_ms") &&
                  strstr(out, "latency.p999_ms") && strstr(out, "requests.total"),
              "%s", out);
    cr_expect(!strstr(out, "latency.mean_ms") && !strstr(out, "requests.ok"), "%s", out);
    cr_assert_eq(cli("show m.db --metric 'latncy.p99_ms'", out, sizeof out), 2, "%s", out);
    cr_expect(strstr(out, "did you mean 'latency.p99_ms'?"), "%s", out);
    cr_assert_eq(cli("help show", out, sizeof out), 0, "%s", out);
    cr_expect(strstr(out, "--metric P"), "%s", out);
}

Test(show_metric, diff_prints_the_keys_two_runs_differ_in, .init = tu_make_dir, .fini = tu_rm_dir)
{
    static char out[1 << 16];
    char args[768], cwd[512];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    snprintf(args, sizeof args, "run %s/configs/mm1.yaml --db d.db --quiet --set duration=40s",
             cwd);
    cr_assert_eq(cli(args, out, sizeof out), 0, "%s", out);
    snprintf(args, sizeof args,
             "run %s/configs/mm1.yaml --db d.db --quiet --set duration=40s --set queue.servers=2 "
             "--seed 9",
             cwd);
    cr_assert_eq(cli(args, out, sizeof out), 0, "%s", out);
    cr_assert_eq(cli("diff d.db 1 2", out, sizeof out), 0, "%s", out);
    cr_expect(strstr(out, "queue.servers") && strstr(out, "1  ->  2"), "%s", out);
    cr_expect(strstr(out, "seed") && strstr(out, "1  ->  9"), "%s", out);
    cr_expect(!strstr(out, "\nduration"), "equal keys are not listed: %s", out);
    cr_assert_eq(cli("diff d.db 1 7", out, sizeof out), 2, "%s", out);
}
