/* cmd_check.c — `cachestorm check FILE... [--db FILE] [-j N] [--set PATH=VALUE]... [--quiet]`:
 * runs every run of each config or experiment (sim/experiment), then judges
 * its `expect:` rules (sim/expect) and prints one aligned line per rule and
 * scenario: PASS/FAIL, the rule, the measured value and which run or node
 * it is from.  Exit 1 when a rule fails, 2 for a bad file or rule, 3 when a
 * run or the database fails (INTERFACES.md "Command line"). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "sim/cli/cli.h"
#include "sim/cli/cli_args.h"
#include "sim/cli/cli_out.h"
#include "sim/run/experiment.h"
#include "sim/run/progress.h"

static void help(FILE *f)
{
    fprintf(f,
            "usage: cachestorm check FILE... [--db FILE] [-j N] [--set PATH=VALUE]... [--quiet]\n"
            "                              [--rerun] [--format table|junit|json] [--max-memory SIZE]\n"
            "                              [--progress-every S]\n"
            "\n"
            "Runs each config or experiment (every variant, sweep point and replication),\n"
            "then judges its expect: rules and prints one line per rule: PASS or FAIL,\n"
            "the rule, and the measured value (for a rule judged on every run: the worst\n"
            "run, with its seed and node).\n"
            "\n"
            "  --db FILE          the run store (default runs.db)\n"
            "  -j N               run N processes at once (default: the number of cores)\n"
            "  --set PATH=VALUE   override a config key in every run (repeatable)\n"
            "  --quiet            no progress lines; print only failing rules and\n"
            "                     the summary\n"
            "  --rerun            run every run, even those already done in the database\n"
            "  --format F         table (default), junit or json (see below)\n"
            "  --max-memory SIZE  each run's memory budget (4G, 512M; default 75%% of the\n"
            "                     available memory); a scenario estimated over it is\n"
            "                     refused before anything runs\n"
            "  --progress-every S off a terminal, a progress line every S seconds (default\n"
            "                     10; 0: after every run); on one, a line rewritten in place\n"
            "\n"
            "Runs already done in the database (same config hash, seed and version) are\n"
            "judged from their stored rows, not run again; each (scenario, seed) counts\n"
            "once. Ctrl-C marks the runs under way interrupted and exits 130.\n"
            "\n"
            "rules (see the README, \"Expectations\"):\n"
            "  requests.error == 0                      on every run\n"
            "  requests.error / requests.total <= 1%%    ratios and arithmetic\n"
            "  node[0].latency.p50_ms >= 9s             one node; units convert to the metric's\n"
            "  all nodes: requests.timeout == 0         every node (any node: at least one)\n"
            "  mean(latency.mean_ms) < 12               the mean over replications\n"
            "  ci95(latency.mean_ms) == theory.sojourn_mean_ms   theory inside the 95%% CI\n"
            "  abs(latency.mean_ms / theory.sojourn_mean_ms - 1) < 0.05\n"
            "\n"
            "--format junit writes JUnit XML to stdout (one testcase per rule and\n"
            "scenario; a failed rule is a <failure>, a rule no run could judge an\n"
            "<error>) for CI test reports; the table then goes to stderr.  Ctrl-C or\n"
            "SIGTERM still leave well-formed XML: the files judged so far, and an\n"
            "<error> testcase 'interrupted' for the file under way.  --format json\n"
            "writes one JSON document the same way: {\"files\": [{\"file\", \"time_s\",\n"
            "\"rules\": [{\"scenario\", \"rule\", \"status\": pass|fail|error, \"value\",\n"
            "\"detail\"}]}], \"passed\", \"failed\", \"interrupted\": null or {\"file\", \"why\"}}.\n"
            "\n"
            "exit status: 0 all rules pass; 1 a rule failed; 2 bad usage, file or rule\n"
            "(file:line:column); 3 a run or the database failed.\n");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The scenario label: "variant", "point" or "variant, point" ("" for one). */
static void scenario_label(const experiment *e, size_t s, char *buf, size_t cap)
{
    const exp_scenario *sc = &e->sc[s];
    snprintf(buf, cap, "%s%s%s", sc->variant ? sc->variant : "",
             sc->variant && *sc->point ? ", " : "", sc->point);
}

typedef struct line {
    bool pass, error;
    char label[256];
    const char *rule;
    char value[200];
    char detail[160];
} line;

/* Judge every rule of every scenario of e into *out (*nout lines, caller
 * frees); returns 0, 1 (a rule failed), 2 (an unknown metric) or 3 (no run
 * of a scenario finished). */
static int judge(const experiment *e, const exp_result *res, line **out, size_t *nout)
{
    /* Names: known, or produced by some run of the experiment. */
    const run_rows **all = cs_calloc(e->nruns + 1, sizeof *all);
    size_t nall = 0;
    for (size_t i = 0; i < e->nruns; i++)
        if (res[i].rc == 0)
            all[nall++] = &res[i].rows;
    for (size_t s = 0; s < e->nsc; s++)
        for (size_t r = 0; r < e->sc[s].nrules; r++) {
            cs_err err = {0};
            if (expect_check_names(&e->sc[s].rules[r], all, nall, &err)) {
                fprintf(stderr, "%s\n", err.msg);
                free(all);
                return CS_USAGE;
            }
        }
    free(all);

    size_t nl = 0, cap = 0;
    line *lines = NULL;
    int rc = CS_OK;
    for (size_t s = 0; s < e->nsc; s++) {
        const exp_scenario *sc = &e->sc[s];
        size_t n;
        const run_rows **rows = exp_scenario_rows(e, s, res, &n);
        for (size_t r = 0; r < sc->nrules; r++) {
            cs_grow((void **)&lines, &cap, nl + 1, sizeof *lines);
            line *L = &lines[nl++];
            memset(L, 0, sizeof *L);
            scenario_label(e, s, L->label, sizeof L->label);
            L->rule = sc->rules[r].text;
            if (n == 0) {
                L->error = true;
                snprintf(L->value, sizeof L->value, "-");
                snprintf(L->detail, sizeof L->detail, "no run finished");
                rc = CS_IO;
                continue;
            }
            expect_verdict v;
            expect_judge(&sc->rules[r], rows, n, &v);
            L->pass = v.pass;
            char a[64], b[64];
            expect_val_str(v.lhs, a, sizeof a);
            if (v.rhs_const) {
                snprintf(L->value, sizeof L->value, "%s", a);
            } else {
                expect_val_str(v.rhs, b, sizeof b);
                snprintf(L->value, sizeof L->value, "%s vs %s", a, b);
            }
            /* Which run and node the value is from, and how many failed. */
            char d[160] = "";
            size_t k = 0;
            if (sc->rules[r].aggregate)
                k += (size_t)snprintf(d + k, sizeof d - k, "%zu runs", n);
            else if (v.run >= 0 && n > 1) {
                size_t ri = sc->first;
                for (size_t i = 0, seen = 0; i < sc->nruns; i++)
                    if (res[sc->first + i].rc == 0 && seen++ == (size_t)v.run)
                        ri = sc->first + i;
                k += (size_t)snprintf(d + k, sizeof d - k, "worst: seed %lld",
                                      (long long)e->runs[ri].seed);
            }
            if (v.node >= 0 && k < sizeof d)
                k += (size_t)snprintf(d + k, sizeof d - k, "%snode %d", k ? ", " : "", v.node);
            if (!v.pass && v.evaluated > 1 && k < sizeof d)
                snprintf(d + k, sizeof d - k, "%s%zu of %zu fail", k ? "; " : "", v.failed,
                         v.evaluated);
            snprintf(L->detail, sizeof L->detail, "%s", d);
            if (!v.pass && rc == CS_OK)
                rc = CS_EXPECT_FAILED;
        }
        free(rows);
    }
    *out = lines;
    *nout = nl;
    return rc;
}

/* The table: one line per rule and scenario (failures only with --quiet). */
static void print_lines(const line *lines, size_t nl, bool quiet)
{
    int wl = 0, wr = 0, wv = 0;
    for (size_t i = 0; i < nl; i++) {
        int a = (int)strlen(lines[i].label), b = (int)strlen(lines[i].rule),
            c = (int)strlen(lines[i].value);
        wl = a > wl ? a : wl;
        wr = b > wr ? b : wr;
        wv = c > wv ? c : wv;
    }
    for (size_t i = 0; i < nl; i++) {
        const line *L = &lines[i];
        if (quiet && L->pass)
            continue;
        printf("  %-5s  ", L->error ? "ERROR" : L->pass ? "PASS" : "FAIL");
        if (wl)
            printf("%-*s  ", wl, L->label);
        printf("%-*s  %*s%s%s\n", wr, L->rule, wv, L->value, *L->detail ? "  " : "", L->detail);
    }
}

/* One file's rules as a JUnit testsuite: one testcase per rule x scenario,
 * classname = file (and scenario), a <failure> for a failed rule, an
 * <error> for a rule no run could judge. */
static void junit_suite(FILE *f, const char *file, const line *lines, size_t nl, double secs)
{
    size_t fails = 0, errors = 0;
    for (size_t i = 0; i < nl; i++) {
        errors += lines[i].error;
        fails += !lines[i].pass && !lines[i].error;
    }
    fputs("  <testsuite name=\"", f);
    cli_xml_text(f, file);
    fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"0\" time=\"%.3f\">\n",
            nl, fails, errors, secs);
    for (size_t i = 0; i < nl; i++) {
        const line *L = &lines[i];
        fputs("    <testcase classname=\"", f);
        cli_xml_text(f, file);
        if (*L->label) {
            fputs(" · ", f);
            cli_xml_text(f, L->label);
        }
        fputs("\" name=\"", f);
        cli_xml_text(f, L->rule);
        fputs("\" time=\"0\"", f);
        if (L->pass) {
            fputs("/>\n", f);
            continue;
        }
        fprintf(f, ">\n      <%s message=\"", L->error ? "error" : "failure");
        cli_xml_text(f, L->value);
        if (*L->detail) {
            fputs(" (", f);
            cli_xml_text(f, L->detail);
            fputs(")", f);
        }
        fprintf(f, "\" type=\"%s\"/>\n    </testcase>\n", L->error ? "run" : "expect");
    }
    fputs("  </testsuite>\n", f);
}

/* The file a signal stopped, as a testsuite with one <error> testcase. */
static void junit_interrupted(FILE *f, const char *file, const char *why)
{
    fputs("  <testsuite name=\"", f);
    cli_xml_text(f, file);
    fputs("\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\" time=\"0\">\n"
          "    <testcase classname=\"", f);
    cli_xml_text(f, file);
    fputs("\" name=\"interrupted\" time=\"0\">\n      <error message=\"", f);
    cli_xml_text(f, why);
    fputs("\" type=\"interrupted\"/>\n    </testcase>\n  </testsuite>\n", f);
    fflush(f);
}

/* A rule line as JSON: scenario, rule, status pass/fail/error, value, detail. */
static void json_suite(FILE *f, const char *file, const line *lines, size_t nl, double secs)
{
    fputs("  {\"file\": ", f);
    cli_json_str(f, file);
    fprintf(f, ", \"time_s\": %.3f, \"rules\": [", secs);
    for (size_t i = 0; i < nl; i++) {
        const line *L = &lines[i];
        fputs(i ? ",\n    {\"scenario\": " : "\n    {\"scenario\": ", f);
        cli_json_str(f, *L->label ? L->label : NULL);
        fputs(", \"rule\": ", f);
        cli_json_str(f, L->rule);
        fprintf(f, ", \"status\": \"%s\", \"value\": ",
                L->error ? "error" : L->pass ? "pass" : "fail");
        cli_json_str(f, L->value);
        fputs(", \"detail\": ", f);
        cli_json_str(f, L->detail);
        fputc('}', f);
    }
    fputs(nl ? "\n  ]}" : "]}", f);
}

/* The machine-readable output on stdout (--format junit or json): one
 * document, opened before the first file and closed after the last or at an
 * interruption, so it is well-formed whatever happens. */
typedef struct mach {
    bool junit, json;
    size_t nsuites;
} mach;

static void mach_begin(mach *m)
{
    if (m->junit)
        printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"cachestorm check\">\n");
    else if (m->json)
        printf("{\"files\": [\n");
}

static void mach_suite(mach *m, const char *file, const line *lines, size_t nl, double secs)
{
    if (m->junit)
        junit_suite(stdout, file, lines, nl, secs);
    else if (m->json) {
        if (m->nsuites)
            fputs(",\n", stdout);
        json_suite(stdout, file, lines, nl, secs);
    }
    m->nsuites++;
    fflush(stdout);
}

static void mach_end(mach *m, size_t npass, size_t nfail, const char *file, const char *why)
{
    if (m->junit) {
        if (why)
            junit_interrupted(stdout, file, why);
        printf("</testsuites>\n");
    } else if (m->json) {
        printf("%s], \"passed\": %zu, \"failed\": %zu, \"interrupted\": ", m->nsuites ? "\n" : "",
               npass, nfail);
        if (why) {
            fputs("{\"file\": ", stdout);
            cli_json_str(stdout, file);
            fputs(", \"why\": ", stdout);
            cli_json_str(stdout, why);
            fputs("}}\n", stdout);
        } else {
            fputs("null}\n", stdout);
        }
    }
    fflush(stdout);
}

int cmd_check(int argc, char **argv)
{
    const char *db = "runs.db", *format = "table";
    bool quiet = false, rerun = false;
    long jobs_opt = exp_default_jobs();
    const char *maxmem = NULL;
    double every = -1;
    sigset_t stop, prev;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    bool blocked = false;
    cli_strs set_opt = {0}, file_opt = {0};
    const cli_opt opts[] = {
        {"--db", NULL, OPT_STR, &db, 0, 0, NULL},
        {"-j", NULL, OPT_INT, &jobs_opt, 1, 256, NULL},
        {"--set", NULL, OPT_STRS, &set_opt, 0, 0, NULL},
        {"--quiet", "-q", OPT_FLAG, &quiet, 0, 0, NULL},
        {"--format", NULL, OPT_STR, &format, 0, 0, "table|junit|json"},
        {"--max-memory", NULL, OPT_STR, &maxmem, 0, 0, NULL},
        {"--progress-every", NULL, OPT_DOUBLE, &every, 0, 86400, NULL},
        {"--rerun", NULL, OPT_FLAG, &rerun, 0, 0, NULL},
        {NULL, NULL, 0, NULL, 0, 0, NULL},
    };
    int rc = cli_parse("check", argc, argv, opts, "FILE", 0, &file_opt, help);
    if (rc) {
        rc = rc == CLI_HELP ? CS_OK : rc;
        goto out;
    }
    mach m = {.junit = !strcmp(format, "junit"), .json = !strcmp(format, "json")};
    bool junit = m.junit || m.json; /* machine output on stdout */
    size_t max_memory;
    if ((rc = cli_max_memory("check", maxmem, &max_memory)))
        goto out;
    /* JUnit XML on stdout: the table's lines go to stderr instead */
    FILE *table_out = junit ? stderr : stdout;
    int jobs = (int)jobs_opt;
    const char **sets = set_opt.v, **files = file_opt.v;
    int nsets = set_opt.n, nfiles = file_opt.n;

    /* Load everything first: a bad file or rule stops before any run. */
    experiment *ex = cs_calloc((size_t)nfiles, sizeof *ex);
    for (int f = 0; f < nfiles; f++) {
        cs_err err = {0};
        int r = exp_load(files[f], sets, nsets, &ex[f], &err);
        if (!r) {
            ex[f].max_memory = max_memory;
            r = exp_check_budget(&ex[f], &err);
        }
        if (r) {
            fprintf(stderr, "%s\n", err.msg);
            if (rc != CS_USAGE)
                rc = r;
        }
    }
    size_t npass = 0, nfail = 0, nruns = 0;
    if (rc)
        goto done;
    int worst = CS_OK;
    if (junit) {
        /* SIGINT/SIGTERM wait (blocked) until a file is judged, so the XML
         * is never cut inside an element; the pool answers them while runs
         * are under way (sim/run/pool.h). */
        sigprocmask(SIG_BLOCK, &stop, &prev);
        blocked = true;
        mach_begin(&m);
    }
    for (int f = 0; f < nfiles; f++) {
        experiment *e = &ex[f];
        if (junit) {
            sigset_t pend;
            sigpending(&pend);
            int sig = sigismember(&pend, SIGINT) ? SIGINT : sigismember(&pend, SIGTERM) ? SIGTERM : 0;
            if (sig) {
                struct timespec zero = {0, 0};
                sigset_t one;
                sigemptyset(&one);
                sigaddset(&one, sig);
                sigtimedwait(&one, NULL, &zero);
                mach_end(&m, npass, nfail, files[f],
                         sig == SIGINT ? "interrupted by SIGINT before it ran"
                                       : "interrupted by SIGTERM before it ran");
                fprintf(stderr, "cachestorm check: interrupted by %s after %d of %d files; to "
                                "resume, run the same command again\n",
                        sig == SIGINT ? "SIGINT" : "SIGTERM", f, nfiles);
                rc = 128 + sig;
                goto done;
            }
        }
        exp_result *res = cs_calloc(e->nruns + 1, sizeof *res);
        cs_err err = {0};
        double t0 = now_s();
        progress pr;
        progress_init(&pr, files[f], stderr, quiet, every);
        exp_exec_opts xo = {.jobs = jobs,
                            .rerun = rerun,
                            .progress = progress_update,
                            .progress_arg = &pr,
                            .arg = (void *)files[f],
                            .notice = exp_notice_stderr};
        exp_exec_summary sum;
        int r = exp_execute_opts(e, db, &xo, res, &sum, &err);
        progress_end(&pr);
        nruns += e->nruns;
        if (sum.signal) {
            /* Stop at once: the user asked to. */
            fprintf(stderr, "cachestorm check: %s: %s\n", files[f], err.msg);
            fprintf(stderr, "cachestorm check: to resume, run the same command again\n");
            if (junit) { /* well-formed to the end: what finished, and this file as an error */
                mach_end(&m, npass, nfail, files[f], err.msg);
            }
            exp_results_free(res, e->nruns);
            free(res);
            rc = r;
            goto done;
        }
        if (r) {
            fprintf(stderr, "cachestorm check: %s: %s\n", files[f], err.msg);
            worst = worst == CS_USAGE ? worst : r;
            exp_results_free(res, e->nruns);
            free(res);
            continue;
        }
        size_t failed_runs = 0;
        for (size_t i = 0; i < e->nruns; i++)
            if (res[i].rc) {
                failed_runs++;
                fprintf(stderr, "cachestorm check: %s: run %zu (seed %lld): %s\n", files[f], i,
                        (long long)e->runs[i].seed, res[i].msg);
            }
        size_t nrules = 0;
        for (size_t s = 0; s < e->nsc; s++)
            nrules += e->sc[s].nrules;
        if (!quiet || failed_runs) {
            fprintf(table_out, "%s: ", files[f]);
            if (e->nsc > 1)
                fprintf(table_out, "%zu scenarios × ", e->nsc);
            fprintf(table_out, "%zu run%s", e->replications, e->replications == 1 ? "" : "s");
            if (failed_runs)
                fprintf(table_out, " (%zu failed)", failed_runs);
            fprintf(table_out, ", %.1f s%s\n", now_s() - t0, nrules ? "" : ", no expect: rules");
        }
        line *lines = NULL;
        size_t nl = 0;
        r = judge(e, res, &lines, &nl);
        for (size_t i = 0; i < nl; i++)
            lines[i].pass ? npass++ : nfail++;
        fflush(stdout);
        if (junit) {
            mach_suite(&m, files[f], lines, nl, now_s() - t0);
            int fd = dup(1); /* the table: to stderr */
            dup2(2, 1);
            print_lines(lines, nl, quiet);
            fflush(stdout);
            dup2(fd, 1);
            close(fd);
        } else {
            print_lines(lines, nl, quiet);
        }
        free(lines);
        int rr = exp_results_status(res, e->nruns);
        if (rr && r != CS_USAGE)
            r = rr;
        /* Severity: a bad rule (2), then a failed run (3), then a failed rule (1). */
        if (r == CS_USAGE || (r == CS_IO && worst != CS_USAGE) ||
            (r == CS_EXPECT_FAILED && worst == CS_OK))
            worst = r;
        exp_results_free(res, e->nruns);
        free(res);
    }
    rc = worst;
    if (junit)
        mach_end(&m, npass, nfail, NULL, NULL);
    fprintf(table_out, "check: %zu passed, %zu failed (%d file%s, %zu runs, database %s)\n", npass,
            nfail, nfiles, nfiles == 1 ? "" : "s", nruns, db);
done:
    if (blocked) {
        fflush(stdout);
        sigprocmask(SIG_SETMASK, &prev, NULL); /* a signal still pending acts now */
    }
    for (int f = 0; f < nfiles; f++)
        exp_free(&ex[f]);
    free(ex);
out:
    cli_strs_free(&set_opt);
    cli_strs_free(&file_opt);
    return rc;
}
