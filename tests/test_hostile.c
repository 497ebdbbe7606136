/* test_hostile.c — issue 16: every accepted input runs to the end or is
 * refused up front.  One test per defect of the issue, each of which failed
 * on main before its fix (the commit messages name the fix); the end-to-end
 * table of hostile inputs is tests/hostile/ (run by make test). */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "models/node.h"
#include "sim/config/config.h"
#include "sim/config/yaml_tree.h"
#include "sim/core/common.h"
#include "sim/core/dist.h"
#include "sim/core/engine.h"
#include "sim/run/budget.h"
#include "sim/run/expect.h"
#include "sim/run/experiment.h"

#define BIN CS_BUILD_DIR "/cachestorm"

static char dir[64];

static void setup(void)
{
    strcpy(dir, "/tmp/cs-test-hostile-XXXXXX");
    cr_assert(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(hostile, .init = setup, .fini = teardown);

/* Run a shell command with stdout+stderr into out; return its exit status. */
static int sh(char *out, size_t cap, const char *fmt, ...)
{
    char cmd[4096], outf[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    snprintf(outf, sizeof outf, "%s/out", dir);
    char full[4300];
    snprintf(full, sizeof full, "(%s) >%s 2>&1", cmd, outf);
    int st = system(full);
    if (out) {
        FILE *f = fopen(outf, "r");
        size_t n = f ? fread(out, 1, cap - 1, f) : 0;
        out[n] = 0;
        if (f)
            fclose(f);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int load(const char *text, config *c, cs_err *err)
{
    memset(err, 0, sizeof *err);
    return config_load_string(text, "t.yaml", NULL, 0, c, err);
}

/* ---- defect 1: accepted values aborted the engine ------------------------ */

static void self_again(engine *e, void *obj, uint64_t u)
{
    (void)obj;
    eng_after(e, 0, self_again, NULL, u);
}

static void nop(engine *e, void *obj, uint64_t u)
{
    (void)e, (void)obj, (void)u;
}

Test(hostile, a_full_event_queue_fails_the_run_instead_of_aborting)
{
    engine *e = eng_new(1);
    eng_set_limits(e, &(eng_limits){.max_pending = 1000});
    for (int i = 0; i < 1000; i++)
        cr_assert_neq(eng_at(e, 10 + i, nop, NULL, 0), 0);
    cr_assert_null(eng_failure(e));
    cr_assert_eq(eng_at(e, 5, nop, NULL, 0), 0, "the 1001st event is refused (handle 0)");
    cr_assert_not_null(eng_failure(e));
    cr_assert(strstr(eng_failure(e), "more than 1000 events pending"), "%s", eng_failure(e));
    cr_assert(strstr(eng_failure(e), "workload.burst.count"), "names the keys: %s", eng_failure(e));
    cr_assert_eq(eng_run_until(e, 100000), 0, "a failed run dispatches nothing more");
    cr_assert_not(eng_cancel(e, 0));
    eng_free(e);
}

Test(hostile, config_limits_agree_with_the_engine_and_the_flow_cap)
{
    cr_assert_eq(CFG_FLOWS_PER_NODE, (long long)node_defaults().max_flows);
    cr_assert_lt(CFG_MAX_UPFRONT_EVENTS, (long long)ENG_MAX_PENDING);
    config c;
    cs_err e;
    /* the issue's 2 nodes x 9,000,000 burst */
    cr_assert_eq(load("nodes: {count: 2}\nworkload: {kind: burst, burst: {count: 9000000}}\n", &c, &e),
                 CS_USAGE);
    cr_assert(strstr(e.msg, "workload.burst.count") && strstr(e.msg, "18000000"), "%s", e.msg);
    /* 4 nodes x 5,000,000 closed-loop clients: over the flow cap first */
    cr_assert_eq(load("nodes: {count: 4}\nworkload: {kind: closed, clients: 5000000}\n", &c, &e),
                 CS_USAGE);
    cr_assert(strstr(e.msg, "workload.clients"), "%s", e.msg);
    /* 300,000 clients on one node: above its 2^18 flows (the livelock) */
    cr_assert_eq(load("nodes: {count: 1}\nworkload: {kind: closed, clients: 300000}\n", &c, &e),
                 CS_USAGE);
    /* 100 nodes x 200,000 clients: each fits a node, together not the queue */
    cr_assert_eq(load("nodes: {count: 100}\nworkload: {kind: closed, clients: 200000}\n", &c, &e),
                 CS_USAGE);
    cr_assert(strstr(e.msg, "event queue"), "%s", e.msg);
    /* key ids are 32-bit */
    cr_assert_eq(load("workload: {keys: {count: 1000, first: 4294967000}}\n", &c, &e), CS_USAGE);
    cr_assert(strstr(e.msg, "32-bit"), "%s", e.msg);
    cr_assert_eq(load("nodes: {count: 1}\nworkload: {kind: closed, clients: 262144}\n", &c, &e), 0,
                 "%s", e.msg);
    config_free(&c);
}

/* ---- defect 2: a closed loop above the flow cap livelocked --------------- */

Test(hostile, time_standing_still_fails_the_run)
{
    engine *e = eng_new(1);
    eng_set_limits(e, &(eng_limits){.stall_events = 1000});
    eng_at(e, 7, self_again, NULL, 0);
    eng_run_until(e, 100);
    cr_assert_not_null(eng_failure(e));
    cr_assert(strstr(eng_failure(e), "simulated time stuck at 0.000000"), "%s", eng_failure(e));
    cr_assert_lt(eng_events(e), 3u << 20, "caught within a few watchdog periods");
    eng_free(e);
}

/* ---- defect 3: memory — the estimate before, the watchdog during ------- */

Test(hostile, memory_over_the_budget_during_a_run_fails_it)
{
    engine *e = eng_new(1);
    eng_set_limits(e, &(eng_limits){.max_memory = 1}); /* any process is over 1 byte */
    eng_at(e, 0, self_again, NULL, 0);
    eng_run_until(e, 100);
    cr_assert_not_null(eng_failure(e));
    cr_assert(strstr(eng_failure(e), "passed the budget"), "%s", eng_failure(e));
    eng_free(e);
}

Test(hostile, the_estimate_refuses_huge_configs_naming_their_keys)
{
    config c;
    cs_err e;
    /* the issue's 10^10 Zipf keys (now at most 2^31 - 1: still 80 GiB of alias table) */
    cr_assert_eq(load("workload: {keys: {count: 2147483647, popularity: zipf}}\n", &c, &e), 0, "%s",
                 e.msg);
    cr_assert_eq(budget_check(&c, (size_t)4 << 30, &e), CS_USAGE);
    cr_assert(strstr(e.msg, "Zipf alias table") && strstr(e.msg, "workload.keys.count"), "%s", e.msg);
    cr_assert(strstr(e.msg, "--max-memory"), "%s", e.msg);
    config_free(&c);
    /* 100,000 nodes */
    cr_assert_eq(load("nodes: {count: 100000}\n", &c, &e), 0, "%s", e.msg);
    cr_assert_eq(budget_check(&c, (size_t)4 << 30, &e), CS_USAGE);
    cr_assert(strstr(e.msg, "nodes.count"), "%s", e.msg);
    config_free(&c);
    /* the default scenario fits easily */
    cr_assert_eq(config_load("configs/default.yaml", NULL, 0, &c, &e), 0, "%s", e.msg);
    size_t est = budget_estimate(&c, NULL, 0);
    cr_assert_gt(est, (size_t)BUDGET_BASE);
    cr_assert_lt(est, (size_t)512 << 20, "%zu", est);
    cr_assert_eq(budget_check(&c, (size_t)4 << 30, &e), 0);
    config_free(&c);
}

Test(hostile, max_memory_sizes_parse)
{
    size_t v;
    cr_assert_eq(budget_parse("4G", &v), 0);
    cr_assert_eq(v, (size_t)4 << 30);
    cr_assert_eq(budget_parse("512MiB", &v), 0);
    cr_assert_eq(v, (size_t)512 << 20);
    cr_assert_eq(budget_parse("1000", &v), 0);
    cr_assert_eq(v, 1000u);
    cr_assert_eq(budget_parse("lots", &v), -1);
    cr_assert_eq(budget_parse("-1G", &v), -1);
    cr_assert_eq(budget_parse("4Q", &v), -1);
}

/* ---- defect 4: the loader bounded nodes, not bytes ---------------------- */

Test(hostile, every_node_of_a_file_shares_one_copy_of_its_path)
{
    yt_node *t;
    cs_err e = {0};
    const char *text = "a: &a [x, y, {z: 1}]\nb: *a\nc: {d: [1, 2]}\n";
    cr_assert_eq(yt_parse_string(text, strlen(text), "some/long/path.yaml", &t, &e), 0, "%s",
                 e.msg);
    const char *f = t->mark.file;
    cr_assert_str_eq(f, "some/long/path.yaml");
    cr_assert_eq(yt_get(t, "a")->items[2]->mark.file, f, "a nested node shares the root's path");
    cr_assert_eq(yt_get(t, "b")->items[0]->mark.file, f, "an alias expansion shares it too");
    cr_assert_eq(t->kmarks[2].file, f);
    yt_node *c = yt_clone(t);
    cr_assert_eq(yt_get(c, "c")->mark.file, f, "a clone shares it");
    yt_free(t);
    cr_assert_str_eq(yt_get(c, "c")->mark.file, "some/long/path.yaml", "alive while shared");
    yt_free(c);
}

Test(hostile, the_bytes_of_a_tree_are_bounded_not_only_its_nodes)
{
    /* 300 aliases of a 1 MB scalar: 900 nodes, 300 MB */
    size_t big = 1 << 20;
    char *text = malloc(big + 4096);
    char *p = text + sprintf(text, "a: &a ");
    memset(p, 'x', big);
    p += big;
    p += sprintf(p, "\nb: [");
    for (int i = 0; i < 300; i++)
        p += sprintf(p, "%s*a", i ? ", " : "");
    sprintf(p, "]\n");
    yt_node *t = NULL;
    cs_err e = {0};
    cr_assert_eq(yt_parse_string(text, strlen(text), "big.yaml", &t, &e), CS_USAGE);
    cr_assert(strstr(e.msg, "too large"), "%s", e.msg);
    free(text);
}

Test(hostile, yaml_tags_are_refused_as_the_header_says)
{
    config c;
    cs_err e;
    cr_assert_eq(load("seed: !!str 5\n", &c, &e), CS_USAGE);
    cr_assert(strstr(e.msg, "t.yaml:1:7") && strstr(e.msg, "tags"), "%s", e.msg);
    cr_assert_eq(load("nodes: !custom {count: 2}\n", &c, &e), CS_USAGE);
}

Test(hostile, scenario_trees_are_built_when_a_run_needs_them)
{
    experiment x;
    cs_err e = {0};
    const char *text = "name: s\nmodel: queue\nduration: 5s\nwarmup: 1s\n"
                       "queue: {servers: 1, arrival: 100/s, service: 1ms}\n"
                       "variants: {one: {}, four: {queue.servers: 4}}\n"
                       "sweep: {queue.arrival: [100/s, 200/s, 300/s]}\n";
    cr_assert_eq(exp_load_string(text, "s.yaml", NULL, 0, &x, &e), 0, "%s", e.msg);
    cr_assert_eq(x.nsc, 6u);
    for (size_t i = 0; i < x.nsc; i++)
        cr_assert_null(x.sc[i].tree, "scenario %zu holds no tree of its own", i);
    config c;
    cr_assert_eq(exp_run_config(&x, 5, &c, &e), 0, "%s", e.msg); /* four, 300/s */
    cr_assert_eq(c.queue.servers, 4);
    cr_assert_float_eq(c.queue.arrival, 300.0, 1e-9);
    config_free(&c);
    cr_assert_eq(exp_run_config(&x, 1, &c, &e), 0, "%s", e.msg); /* one, 200/s */
    cr_assert_eq(c.queue.servers, 1);
    cr_assert_float_eq(c.queue.arrival, 200.0, 1e-9);
    config_free(&c);
    exp_free(&x);
}

/* ---- defect 5: a FIFO as a config blocked forever ------------------------ */

Test(hostile, a_fifo_or_a_device_is_refused_before_open, .timeout = 20)
{
    char fifo[128], base[128];
    snprintf(fifo, sizeof fifo, "%s/fifo.yaml", dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0, "%s", strerror(errno));
    config c;
    cs_err e = {0};
    cr_assert_eq(config_load(fifo, NULL, 0, &c, &e), CS_USAGE);
    cr_assert(strstr(e.msg, "is a FIFO, not a regular file"), "%s", e.msg);
    snprintf(base, sizeof base, "%s/b.yaml", dir);
    FILE *f = fopen(base, "w");
    fputs("base: fifo.yaml\n", f);
    fclose(f);
    cr_assert_eq(config_load(base, NULL, 0, &c, &e), CS_USAGE);
    cr_assert(strstr(e.msg, "b.yaml:1:7: base") && strstr(e.msg, "FIFO"), "%s", e.msg);
    cr_assert_eq(config_load("/dev/zero", NULL, 0, &c, &e), CS_USAGE);
    cr_assert(strstr(e.msg, "character device"), "%s", e.msg);
}

/* ---- defect 6: rule columns (and linear parsing) ------------------------- */

Test(hostile, a_rule_after_a_long_line_gets_its_own_column)
{
    /* a comment line of 5,000 characters, then a quoted bad rule */
    size_t n = 5000;
    char *text = malloc(n + 512);
    char *p = text + sprintf(text, "model: queue\nduration: 5s\nwarmup: 1s\n#");
    memset(p, 'c', n);
    p += n;
    sprintf(p, "\nexpect:\n  - \"latency.mean_ms <\"\n");
    experiment x;
    cs_err e = {0};
    cr_assert_eq(exp_load_string(text, "r.yaml", NULL, 0, &x, &e), CS_USAGE);
    /* the rule's text starts at line 6, column 6 (after the quote) */
    cr_assert(strstr(e.msg, "r.yaml:6:"), "%s", e.msg);
    int line = 0, col = 0;
    cr_assert_eq(sscanf(strstr(e.msg, "r.yaml:"), "r.yaml:%d:%d", &line, &col), 2, "%s", e.msg);
    cr_assert_eq(line, 6);
    cr_assert_geq(col, 6 + (int)strlen("latency.mean_ms <"), "%s", e.msg);
    cr_assert_leq(col, 6 + (int)strlen("latency.mean_ms <") + 1, "%s", e.msg);
    free(text);
}

/* ---- defects 7, 8: names ------------------------------------------------- */

Test(hostile, control_characters_are_escaped)
{
    char *s = cs_escape_controls("a\x1b[31mred\tx\ny\xc2\x9b" "2Jz \xc3\xa9");
    cr_assert_str_eq(s, "a\\x1b[31mred\\tx\\ny\\xc2\\x9b2Jz \xc3\xa9");
    free(s);
}

/* A config file dir/NAME: mm1 shortened, with the given name line. */
static void named_config(const char *file, const char *name_line)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, file);
    FILE *f = fopen(p, "w");
    cr_assert(f);
    fprintf(f, "base: %s/configs/mm1.yaml\n%s\nduration: 3s\nwarmup: 1s\n", getenv("PWD"),
            name_line);
    fclose(f);
}

Test(hostile, a_run_name_with_escapes_never_reaches_the_terminal_raw)
{
    char out[8192];
    /* YAML's \e and \a escapes: how such a name gets into a config */
    named_config("esc.yaml", "name: \"x\\e]0;owned\\a\\e[2J\"");
    int rc = sh(out, sizeof out,
                BIN " run %s/esc.yaml --db %s/n.db --quiet && " BIN " show %s/n.db --format tsv && " BIN
                    " show %s/n.db",
                dir, dir, dir, dir);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert_null(strchr(out, '\033'), "no ESC byte in the output: %s", out);
    cr_assert(strstr(out, "x\\x1b]0;owned\\x07\\x1b[2J"), "%s", out);
}

Test(hostile, a_name_starting_with_a_quote_or_holding_backquotes_plots)
{
    char out[8192], flag[128], line[300];
    snprintf(flag, sizeof flag, "%s/ran", dir);
    snprintf(line, sizeof line, "name: \"'q`touch %s`\\\"\\\\x\"", flag);
    named_config("q.yaml", line);
    int rc = sh(out, sizeof out,
                BIN " run %s/q.yaml --db %s/q.db --quiet && " BIN
                    " plot %s/q.db --kind timeline --out %s/img && " BIN
                    " plot %s/q.db --kind cdf --out %s/img",
                dir, dir, dir, dir, dir, dir);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert_neq(access(flag, F_OK), 0, "a backquoted command in a name must never run");
}

/* ---- defect 11: empirical distributions ---------------------------------- */

Test(hostile, an_empirical_distribution_of_ten_thousand_points_loads)
{
    size_t n = 10000;
    char *text = malloc(n * 40 + 256);
    char *p = text + sprintf(text, "model: queue\nqueue: {arrival: 10/s, service: {dist: empirical, points: [");
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s[%zuus, %.6f]", i ? ", " : "", i + 1, (double)(i + 1) / (double)n);
    sprintf(p, "]}}\n");
    config c;
    cs_err e;
    cr_assert_eq(load(text, &c, &e), 0, "%s", e.msg);
    cr_assert_eq(c.queue.service.d.n, n);
    cr_assert(strstr(c.queue.service.text, "[10ms, 1]"), "the text keeps the last point");
    cr_assert_float_eq(dist_mean(&c.queue.service.d), 5000.5e3 - 500, 1e3);
    config_free(&c);
    free(text);
}

/* ---- minor items ----------------------------------------------------------- */

Test(hostile, trace_of_a_missing_node_is_refused)
{
    char out[4096];
    int rc = sh(out, sizeof out,
                BIN " run configs/default.yaml --db %s/t.db --quiet --set duration=2s "
                    "--set warmup=1s --set faults=[] --trace node=7",
                dir);
    cr_assert_eq(rc, 2, "%s", out);
    cr_assert(strstr(out, "--trace node=7") && strstr(out, "0..3"), "%s", out);
}

Test(hostile, the_bad_character_message_prints_whole_utf8)
{
    expect_rule r;
    cs_err e = {0};
    cr_assert_eq(expect_parse("latency.mean_ms \xe2\x89\xa4 5", EXPECT_RULE, "f.yaml", 3, 5,
                              "expect[0]", &r, &e),
                 CS_USAGE);
    cr_assert(strstr(e.msg, "'\xe2\x89\xa4'"), "%s", e.msg);
    cr_assert_eq(expect_parse("latency.mean_ms \x1b 5", EXPECT_RULE, "f.yaml", 3, 5, "expect[0]",
                              &r, &e),
                 CS_USAGE);
    cr_assert(strstr(e.msg, "\\x1b") && !strchr(e.msg, '\x1b'), "%s", e.msg);
}
