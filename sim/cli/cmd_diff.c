/* cmd_diff.c — `cachestorm diff DB RUN RUN`: what differs between the
 * effective configs of two stored runs (their params rows), and their seeds.
 * The question after `show` lists two runs that behaved differently: what
 * did I change? */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/cli_args.h"
#include "sim/core/common.h"
#include "sim/store/store.h"

static const char usage[] = "usage: cachestorm diff DB RUN RUN\n";
static const char help[] =
    "Prints every config key whose value differs between two stored runs (the\n"
    "effective config each run stored: defaults, its file, variant, sweep point and\n"
    "--set), one per line: key, the first run's value, the second's.  Keys only one\n"
    "run has show '-' for the other.\n"
    "\n"
    "Example:\n"
    "  cachestorm diff runs.db 1 2\n"
    "\n"
    "Exit status: 0 (also when nothing differs); 2 usage or an unknown run; 3 a\n"
    "missing or unreadable database.\n";

static int cmp_param(const void *a, const void *b)
{
    return strcmp(((const param_row *)a)->path, ((const param_row *)b)->path);
}

static int load(store *s, const char *spec, run_rows *r, cs_err *err)
{
    char *end;
    long long id = strtoll(spec, &end, 10);
    if (!*spec || *end || id <= 0)
        return cs_errf(err, CS_USAGE, "'%s' is not a run id", spec);
    int rc = store_read_rows(s, id, r, err);
    if (rc)
        return rc;
    if (r->params.n == 0)
        return cs_errf(err, CS_USAGE, "%s has no run %lld (or it stored no config)", store_path(s),
                       id);
    qsort(r->params.v, r->params.n, sizeof *r->params.v, cmp_param);
    return CS_OK;
}

static void diff_help(FILE *f)
{
    fputs(usage, f);
    fputc('\n', f);
    fputs(help, f);
}

int cmd_diff(int argc, char **argv)
{
    cli_strs ps = {0};
    const cli_opt opts[] = {{NULL, NULL, 0, NULL, 0, 0, NULL}};
    const cli_spec sp = {"diff", opts, "DB RUN RUN", 3, 3, diff_help, usage};
    int prc = cli_parse_spec(&sp, argc, argv, &ps);
    if (prc) {
        cli_strs_free(&ps);
        return prc == CLI_HELP ? CS_OK : prc;
    }
    const char *pos[3] = {ps.v[0], ps.v[1], ps.v[2]};
    cli_strs_free(&ps);
    store *s;
    cs_err err = {0};
    if (store_open_readonly(pos[0], &s, &err)) {
        fprintf(stderr, "cachestorm diff: %s\n", err.msg);
        return err.code;
    }
    run_rows a = {0}, b = {0};
    int rc = load(s, pos[1], &a, &err);
    if (!rc)
        rc = load(s, pos[2], &b, &err);
    store_close(s);
    if (rc) {
        fprintf(stderr, "cachestorm diff: %s\n", err.msg);
        rows_free(&a);
        rows_free(&b);
        return rc;
    }
    size_t w = strlen("key"), n = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            if (n == 0)
                printf("runs %s and %s have the same config\n", pos[1], pos[2]);
            else
                printf("%-*s  run %s  ->  run %s\n", (int)w, "key", pos[1], pos[2]);
        }
        for (size_t i = 0, j = 0; i < a.params.n || j < b.params.n;) {
            int k = i >= a.params.n   ? 1
                    : j >= b.params.n ? -1
                                      : strcmp(a.params.v[i].path, b.params.v[j].path);
            const char *path = k <= 0 ? a.params.v[i].path : b.params.v[j].path;
            const char *va = k <= 0 ? a.params.v[i].value : "-";
            const char *vb = k >= 0 ? b.params.v[j].value : "-";
            if (k != 0 || strcmp(va, vb)) {
                if (pass == 0) {
                    n++;
                    w = strlen(path) > w ? strlen(path) : w;
                } else {
                    printf("%-*s  %s  ->  %s\n", (int)w, path, va, vb);
                }
            }
            if (k <= 0)
                i++;
            if (k >= 0)
                j++;
        }
    }
    rows_free(&a);
    rows_free(&b);
    return CS_OK;
}
