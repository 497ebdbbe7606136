/* cmd_validate.c — `cachestorm validate CONFIG|EXPERIMENT... [--print]
 * [--keys] [--set PATH=VALUE]...`: load and check each file without running
 * it (INTERFACES.md "Command line").  A config goes through config_load; a
 * file with experiment keys (replications, seeds, sweep, variants,
 * objective) through exp_load, which builds and checks every scenario's
 * config and parses every `expect:` rule.  Prints "ok: FILE" per good file;
 * errors go to stderr as "cachestorm validate: file:line:column: key: what";
 * the exit status is 0, or the first error's code (2 config/usage, 3 I/O).
 */
#include <stdio.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/cli_args.h"
#include "sim/config/config.h"
#include "sim/run/experiment.h"

static void usage(FILE *f)
{
    fputs("usage: cachestorm validate CONFIG|EXPERIMENT... [--print] [--set PATH=VALUE]... [--quiet]\n"
          "       cachestorm validate --keys\n"
          "\n"
          "Parse and check config or experiment files without running them: unknown keys,\n"
          "wrong types, units and ranges are reported as file:line:column: key: what is\n"
          "wrong.  For an experiment every scenario (variant x sweep point) is checked.\n"
          "\n"
          "  --print            print each effective config (every key, after base: merge,\n"
          "                     defaults and --set); the output is itself a valid config;\n"
          "                     for an experiment, one per scenario\n"
          "  --set PATH=VALUE   override one key, as `cachestorm run` does\n"
          "  --quiet            print nothing for a valid file (errors still go to stderr)\n"
          "  --keys             print the key reference (markdown: key, type, default,\n"
          "                     range, help)\n"
          "  --help             this text\n"
          "\n"
          "Examples:\n"
          "  cachestorm validate configs/*.yaml experiments/*.yaml\n"
          "  cachestorm validate configs/default.yaml --print\n"
          "  cachestorm validate configs/default.yaml --set l2.breaker.kind=hcl_v1 "
          "--set 'faults[0].for=60s' --print\n"
          "  cachestorm validate --keys > docs/keys.md\n"
          "\n"
          "Exit status: 0 all valid; 2 a config or usage error; 3 an I/O error.\n",
          f);
}

/* Validate an experiment file: every scenario's config and rule.  Returns
 * the status; prints what was checked, or each scenario's config. */
static int validate_experiment(const char *file, const char *const *sets, int nsets, bool print,
                               bool quiet)
{
    experiment ex;
    cs_err err = {0};
    if (exp_load(file, sets, nsets, &ex, &err)) {
        fprintf(stderr, "cachestorm validate: %s\n", err.msg);
        return err.code ? err.code : 2;
    }
    /* every rule's metric names against the metric table, before anything
     * runs (check and tune would otherwise find them only after the runs) */
    int status = 0;
    for (size_t s = 0; s < ex.nsc && !status; s++)
        for (size_t r = 0; r < ex.sc[s].nrules && !status; r++)
            status = expect_check_names(&ex.sc[s].rules[r], NULL, 0, &err);
    if (!status && ex.has_objective) {
        status = expect_check_names(&ex.objective, NULL, 0, &err);
        for (size_t k = 0; k < ex.nconstraints && !status; k++)
            status = expect_check_names(&ex.constraints[k], NULL, 0, &err);
    }
    if (status) {
        fprintf(stderr, "cachestorm validate: %s\n", err.msg);
        exp_free(&ex);
        return status;
    }
    if (print) {
        for (size_t s = 0; s < ex.nsc && !status; s++) {
            config c;
            if (exp_run_config(&ex, ex.sc[s].first, &c, &err)) {
                fprintf(stderr, "cachestorm validate: %s\n", err.msg);
                status = err.code ? err.code : 2;
                break;
            }
            printf("# %s: scenario %zu of %zu%s%s%s%s\n", file, s + 1, ex.nsc,
                   ex.sc[s].variant ? ", variant " : "", ex.sc[s].variant ? ex.sc[s].variant : "",
                   ex.sc[s].point && *ex.sc[s].point ? ", " : "",
                   ex.sc[s].point ? ex.sc[s].point : "");
            config_print(&c, stdout);
            config_free(&c);
        }
    } else if (!quiet) {
        printf("ok: %s (experiment: %zu scenario%s, %zu run%s)\n", file, ex.nsc,
               ex.nsc == 1 ? "" : "s", ex.nruns, ex.nruns == 1 ? "" : "s");
    }
    exp_free(&ex);
    return status;
}

static int validate_files(const char *const *files, int nfiles, const char *const *sets, int nsets,
                          bool print, bool keys, bool quiet);

int cmd_validate(int argc, char **argv)
{
    bool print = false, keys = false, quiet = false;
    cli_strs set_opt = {0}, file_opt = {0};
    const cli_opt opts[] = {
        {"--print", NULL, OPT_FLAG, &print, 0, 0, NULL},
        {"--keys", NULL, OPT_FLAG, &keys, 0, 0, NULL},
        {"--quiet", "-q", OPT_FLAG, &quiet, 0, 0, NULL},
        {"--set", NULL, OPT_STRS, &set_opt, 0, 0, NULL},
        {NULL, NULL, 0, NULL, 0, 0, NULL},
    };
    const cli_spec sp = {"validate", opts, "CONFIG", 0, 0, usage, NULL};
    int prc = cli_parse_spec(&sp, argc, argv, &file_opt);
    if (prc) {
        cli_strs_free(&set_opt), cli_strs_free(&file_opt);
        return prc == CLI_HELP ? CS_OK : prc;
    }
    int status = validate_files(file_opt.v, file_opt.n, set_opt.v, set_opt.n, print, keys, quiet);
    cli_strs_free(&set_opt), cli_strs_free(&file_opt);
    return status;
}

static int validate_files(const char *const *files, int nfiles, const char *const *sets, int nsets,
                          bool print, bool keys, bool quiet)
{
    if (keys)
        config_keys_markdown(stdout);
    if (nfiles == 0) {
        if (keys)
            return 0;
        fprintf(stderr, "cachestorm validate: name at least one config file (cachestorm help "
                        "validate)\n");
        return 2;
    }
    int status = 0;
    for (int i = 0; i < nfiles; i++) {
        config c;
        cs_err err = {0};
        yt_node *tree = NULL;
        /* ("-", standard input, can be read once: always a config) */
        if (strcmp(files[i], "-") && config_tree_load(files[i], &tree, &err) == 0 &&
            (config_tree_is_experiment(tree) || yt_get(tree, "expect"))) {
            yt_free(tree);
            int rc = validate_experiment(files[i], sets, nsets, print, quiet);
            if (rc && !status)
                status = rc;
            continue;
        }
        yt_free(tree);
        if (config_load(files[i], sets, nsets, &c, &err)) {
            fprintf(stderr, "cachestorm validate: %s\n", err.msg);
            if (!status)
                status = err.code ? err.code : 2;
            continue;
        }
        if (print) {
            if (nfiles > 1)
                printf("# %s\n", files[i]);
            config_print(&c, stdout);
        } else if (!quiet) {
            printf("ok: %s\n", files[i]);
        }
        config_free(&c);
    }
    return status;
}
