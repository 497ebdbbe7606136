/* cmd_diff.c — `cachestorm diff DB RUN RUN`: what differs between the
 * effective configs of two stored runs (their params rows), and their seeds.
 * The question after `show` lists two runs that behaved differently: what
 * did I change? */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
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

int cmd_diff(int argc, char **argv)
{
    const char *pos[3];
    int np = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage, stdout);
            fputc('\n', stdout);
            fputs(help, stdout);
            return CS_OK;
        }
        if (argv[i][0] == '-' || np == 3) {
            fprintf(stderr, "cachestorm diff: unexpected '%s'\n%s", argv[i], usage);
            return CS_USAGE;
        }
        pos[np++] = argv[i];
    }
    if (np != 3) {
        fprintf(stderr, "cachestorm diff: give a database and two run ids\n%s", usage);
        return CS_USAGE;
    }
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
