/* test_cli_options.c — one option parser for every command (issue 12):
 * an unknown option is the same message everywhere, with the nearest
 * option ("did you mean"), exit 2 and nothing run; `--opt=value` works as
 * `--opt value`; a value outside a fixed list names the list; `help CMD`
 * prints CMD's help; an unknown command gets a did-you-mean too. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int cli(const char *args, char *out, size_t cap)
{
    char cmd[2048], cwd[512];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    snprintf(cmd, sizeof cmd, "cd /tmp && %s/%s/cachestorm %s 2>&1", cwd, CS_BUILD_DIR, args);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Every command, a misspelt option and the option it meant. */
static const struct {
    const char *cmd, *typo, *meant;
} TYPOS[] = {
    {"run", "--sed", "--seed"},
    {"validate", "--prnt", "--print"},
    {"show", "--frmat", "--format"},
    {"plot", "--knd", "--kind"},
    {"report", "--otu", "--out"},
    {"sweep", "--rerum", "--rerun"},
    {"check", "--quite", "--quiet"},
    {"compare", "--baselin", "--baseline"},
    {"tune", "--topp", "--top"},
    {"calibrate", "--quik", "--quick"},
    {"explain", "--formt", "--format"},
    {"metrics", "--formt", "--format"},
    {"diff", "--hepl", "--help"},
    {"merge", "--any-versin", "--any-version"},
    {"prune", "--duplicate", "--duplicates"},
};

Test(cli_options, an_unknown_option_is_one_message_with_did_you_mean_in_every_command)
{
    static char out[8192];
    for (size_t i = 0; i < sizeof TYPOS / sizeof TYPOS[0]; i++) {
        char args[256], want[256];
        /* a positional first, so that only the option is wrong */
        snprintf(args, sizeof args, "%s /nonexistent/x %s", TYPOS[i].cmd, TYPOS[i].typo);
        cr_expect_eq(cli(args, out, sizeof out), 2, "%s: %s", args, out);
        snprintf(want, sizeof want,
                 "cachestorm %s: unknown option '%s'; did you mean '%s'? (cachestorm help %s "
                 "lists them)",
                 TYPOS[i].cmd, TYPOS[i].typo, TYPOS[i].meant, TYPOS[i].cmd);
        cr_expect(strstr(out, want), "%s:\n got  %s\n want %s", args, out, want);
        /* help CMD is CMD --help */
        snprintf(args, sizeof args, "help %s", TYPOS[i].cmd);
        cr_expect_eq(cli(args, out, sizeof out), 0, "%s: %s", args, out);
        cr_expect(strstr(out, TYPOS[i].meant) || !strcmp(TYPOS[i].meant, "--help"),
                  "help %s names %s: %s", TYPOS[i].cmd, TYPOS[i].meant, out);
    }
}

Test(cli_options, values_after_equals_lists_of_choices_and_unknown_commands)
{
    static char out[8192];
    cr_expect_eq(cli("explain --format=tsv > /tmp/cs-explain-$$.tsv; s=$?; head -c 100 /tmp/cs-explain-$$.tsv; rm -f /tmp/cs-explain-$$.tsv; exit $s", out, sizeof out), 0, "%s", out);
    cr_expect(!strncmp(out, "name\tkind\tunit\t", 15), "--format=tsv is --format tsv: %.200s",
              out);
    cr_expect_eq(cli("explain --format=xml", out, sizeof out), 2, "%s", out);
    cr_expect(strstr(out, "cachestorm explain: --format takes table or tsv, not 'xml'"), "%s",
              out);
    cr_expect_eq(cli("show x.db --format yaml", out, sizeof out), 2, "%s", out);
    cr_expect(strstr(out, "--format takes table, tsv, csv or json, not 'yaml'"), "%s", out);
    cr_expect_eq(cli("compare --baseline a.db --candidate b.db --alpha lots", out, sizeof out), 2,
                 "%s", out);
    cr_expect(strstr(out, "--alpha needs a number, not 'lots'"), "%s", out);
    cr_expect_eq(cli("sweep x.yaml -j=0", out, sizeof out), 2, "%s", out);
    cr_expect_eq(cli("sweep x.yaml --rerun=yes", out, sizeof out), 2, "%s", out);
    cr_expect(strstr(out, "--rerun takes no value"), "%s", out);
    cr_expect_eq(cli("diff a.db 1", out, sizeof out), 2, "%s", out);
    cr_expect(strstr(out, "cachestorm diff: expected DB RUN RUN, got 2 arguments"), "%s", out);
    /* --quiet: nothing for a valid file, the errors still */
    char args[1024], cwd[512];
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    snprintf(args, sizeof args, "validate %s/configs/mm1.yaml --quiet", cwd);
    cr_expect_eq(cli(args, out, sizeof out), 0, "%s", out);
    cr_expect_eq(out[0], 0, "%s", out);
    snprintf(args, sizeof args, "validate %s/configs/mm1.yaml --quiet --set warmup=4m3x", cwd);
    cr_expect_eq(cli(args, out, sizeof out), 2, "%s", out);
    cr_expect(strstr(out, "unknown unit 'x'"), "%s", out);
    cr_expect_eq(cli("shwo runs.db", out, sizeof out), 2, "%s", out);
    cr_expect(strstr(out, "unknown command 'shwo'; did you mean 'show'?"), "%s", out);
}
