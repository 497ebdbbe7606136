/* test_progress.c — progress of long work (issue 12): off a terminal a plain
 * line (no carriage return) per `--progress-every` seconds, on a terminal
 * one line rewritten in place with done/total, elapsed and ETA; `--quiet`
 * silences progress alike in sweep, check and tune; an
 * interrupted `check --format junit` still leaves well-formed XML;
 * `--max-memory` of sweep/check/tune refuses a scenario before anything
 * runs and reaches the job lines of a plan. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64];
static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/cs-test-progress-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/q.yaml", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    /* 4 short runs, an objective for tune */
    fputs("schema: 1\nname: q\nmodel: queue\nduration: 2s\nwarmup: 0s\n"
          "queue: {servers: 1, arrival: 100/s, service: {dist: exponential, mean: 1ms}}\n"
          "replications: 2\nsweep: {queue.servers: [1, 2]}\n"
          "expect:\n  - requests.error == 0\n"
          "objective: {minimize: latency.mean_ms}\n",
          f);
    fclose(f);
}
static void rm_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

static int sh(const char *cmd, char *out, size_t cap)
{
    char full[4096], cwd[512];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    snprintf(full, sizeof full, "cd %s && CS=%s/%s/cachestorm; CFG=%s; ( %s ) 2>&1", dir, cwd,
             CS_BUILD_DIR, cwd, cmd);
    FILE *p = popen(full, "r");
    cr_assert_not_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

Test(progress, off_a_terminal_plain_lines_and_quiet_silences_them, .init = make_dir,
     .fini = rm_dir)
{
    static char out[1 << 16];
    /* every 0 s: one line per finished run, none with a carriage return */
    cr_assert_eq(sh("$CS sweep q.yaml --db p.db -j 1 --progress-every 0 2>err.txt >/dev/null; "
                    "cat err.txt",
                    out, sizeof out),
                 0, "%s", out);
    cr_expect_eq(count(out, "sweep: progress "), 4, "%s", out);
    cr_expect(strstr(out, "sweep: progress 1/4 runs (25%), ") && strstr(out, " elapsed, ETA "),
              "%s", out);
    cr_expect(strstr(out, "sweep: progress 4/4 runs (100%)"), "%s", out);
    cr_expect_null(strchr(out, '\r'), "no carriage return off a terminal: %s", out);
    /* the second time every run is done: a notice says so ... */
    cr_assert_eq(sh("$CS sweep q.yaml --db p.db -j 1 --progress-every 0 >/dev/null", out,
                    sizeof out),
                 0, "%s", out);
    cr_expect(strstr(out, "4 of 4 runs already done"), "%s", out);
    /* ... and --quiet means no progress lines, in each command (the notice
     * stays: it is news, not progress) */
    cr_assert_eq(sh("$CS check q.yaml --db p.db -j 1 --progress-every 0 --quiet >/dev/null", out,
                    sizeof out),
                 0, "%s", out);
    cr_expect(strstr(out, "4 of 4 runs already done") && !strstr(out, "progress"), "%s", out);
    const char *quiet[] = {"$CS sweep q.yaml --db p.db -j 1 --progress-every 0 --quiet --rerun",
                           "$CS check q.yaml --db p.db -j 1 --progress-every 0 --quiet --rerun",
                           "$CS tune q.yaml --db p.db -j 1 --progress-every 0 --quiet --rerun"};
    for (size_t i = 0; i < 3; i++) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "%s 2>&1 >/dev/null", quiet[i]);
        cr_assert_eq(sh(cmd, out, sizeof out), 0, "%s: %s", quiet[i], out);
        cr_expect_eq(out[0], 0, "%s printed on stderr: %s", quiet[i], out);
    }
    /* tune --quiet keeps the verdict only */
    cr_assert_eq(sh("$CS tune q.yaml --db p.db -j 1 --quiet", out, sizeof out), 0, "%s", out);
    cr_expect(!strstr(out, "tune q:") && (strstr(out, "best: ") || strstr(out, "no single best")),
              "%s", out);
    /* without --progress-every the tune progress goes every 10 s: a 4-run
     * tune without it prints lines only if it took 10 s */
    cr_assert_eq(sh("$CS tune q.yaml --db p.db -j 1 --rerun 2>&1 >/dev/null", out, sizeof out), 0,
                 "%s", out);
    cr_expect(!strstr(out, "progress 1/4"), "%s", out);
}

Test(progress, on_a_terminal_one_line_rewritten_with_eta, .init = make_dir, .fini = rm_dir)
{
    static char out[1 << 16];
    /* script(1) gives the command a terminal */
    cr_assert_eq(sh("script -qec \"$CS sweep q.yaml --db t.db -j 1 --quiet; "
                    "$CS sweep q.yaml --db t2.db -j 1 >/dev/null\" /dev/null",
                    out, sizeof out),
                 0, "%s", out);
    cr_expect(strstr(out, "\r\033[Ksweep: 1/4 runs (25%), "), "%s", out);
    cr_expect(strstr(out, " elapsed, ETA "), "%s", out);
    cr_expect(!strstr(out, "sweep: progress"), "no plain lines on a terminal: %s", out);
    /* the line is erased at the end */
    const char *last = NULL;
    for (const char *p = out; (p = strstr(p, "\r\033[K")); p++)
        last = p;
    cr_assert_not_null(last);
    cr_expect(strncmp(last, "\r\033[Ksweep", 9) != 0, "the last write erases the line: %s", last);
    /* --quiet on a terminal: the first sweep above drew nothing */
    cr_expect_eq(count(out, "sweep: 1/4 runs"), 1, "%s", out);
}

Test(progress, an_interrupted_check_junit_is_still_well_formed, .init = make_dir, .fini = rm_dir,
     .timeout = 120)
{
    static char out[1 << 16];
    /* 40 runs of the M/M/1 validation; SIGTERM after the first one ended */
    cr_assert_eq(sh("$CS check $CFG/experiments/mm1-validation.yaml q.yaml --db k.db -j 1 "
                    "--format junit --progress-every 0 --set replications=10 >k.xml 2>k.err & "
                    "p=$!; i=0; while ! grep -q 'progress 1/' k.err && [ $i -lt 600 ]; do "
                    "sleep 0.1; i=$((i+1)); done; kill -TERM $p; wait $p; echo rc=$?",
                    out, sizeof out),
                 0, "%s", out);
    cr_expect(strstr(out, "rc=143"), "SIGTERM exits 143: %s", out);
    cr_assert_eq(
        sh("python3 -c \"import xml.etree.ElementTree as E; r = E.parse('k.xml').getroot(); "
           "c = [t for s in r.findall('testsuite') for t in s.findall('testcase')]; "
           "print('cases', len(c), 'interrupted', [t.find('error').get('message')[:22] for t in c "
           "if t.get('name') == 'interrupted'])\"",
           out, sizeof out),
        0, "the XML must parse: %s", out);
    cr_expect(strstr(out, "interrupted ['interrupted by SIGTERM']"), "%s", out);
}

Test(progress, max_memory_refuses_before_anything_runs, .init = make_dir, .fini = rm_dir)
{
    static char out[1 << 16];
    /* the default scenario, with an objective so tune takes it too */
    cr_assert_eq(sh("printf 'base: %s/configs/default.yaml\\nobjective: {minimize: "
                    "latency.mean_ms}\\n' \"$CFG\" > big.yaml",
                    out, sizeof out),
                 0, "%s", out);
    const char *cmds[] = {"sweep", "check", "tune"};
    for (size_t i = 0; i < 3; i++) {
        char cmd[512];
        snprintf(cmd, sizeof cmd,
                 "$CS %s big.yaml --db m.db --max-memory 10M; echo rc=$?; "
                 "ls m.db 2>/dev/null || echo no-db",
                 cmds[i]);
        sh(cmd, out, sizeof out);
        cr_expect(strstr(out, "over the budget of 10 MiB") && strstr(out, "rc=2"), "%s: %s",
                  cmds[i], out);
        cr_expect(strstr(out, "no-db"), "%s ran something: %s", cmds[i], out);
        snprintf(cmd, sizeof cmd, "$CS %s q.yaml --db m.db --max-memory lots", cmds[i]);
        cr_expect_eq(sh(cmd, out, sizeof out), 2, "%s: %s", cmds[i], out);
        cr_expect(strstr(out, "--max-memory lots: expected a size"), "%s", out);
    }
    /* it fits: runs; and a plan's job lines carry it */
    cr_assert_eq(sh("$CS sweep q.yaml --db m.db --max-memory 4G --quiet", out, sizeof out), 0,
                 "%s", out);
    cr_assert_eq(sh("$CS sweep q.yaml --plan --plan-dir pl --db all.db --max-memory 4G", out,
                    sizeof out),
                 0, "%s", out);
    cr_expect_eq(count(out, " --max-memory '4G' "), 4, "%s", out);
}
