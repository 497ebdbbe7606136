/* cmd_explain.c — `cachestorm explain [METRIC...]` (alias `metrics`): the
 * metric table (sim/core/metrics.def) for people: every stored metric with
 * its kind, unit, which way is better, scope and meaning; the time series;
 * or one entry in full. */
#include <stdio.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/cli_args.h"
#include "sim/core/common.h"
#include "sim/core/metrics.h"

static const char usage[] = "usage: cachestorm explain [METRIC...] [--format table|tsv]\n";

static const char help[] =
    "The metric table: every metric a run stores (the `metrics` table of the\n"
    "database, `expect:` rules, `compare`, `show`) and every time series, with\n"
    "  kind     counter (counted after the warm-up), peak (a gauge's maximum),\n"
    "           ratio, duration or value (derived at the end of the run)\n"
    "  unit     count, ms, s, ratio, per second, ...\n"
    "  better   lower, higher or neither: how `compare` calls a change BETTER or WORSE\n"
    "  scope    run and node (stored for the run and each node), run only, or\n"
    "           queue (the validation queue model only)\n"
    "With METRIC names, prints those entries in full (a series name works too).\n"
    "`cachestorm metrics` is the same command.\n"
    "\n"
    "Examples:\n"
    "  cachestorm explain                    the whole table\n"
    "  cachestorm explain l2.timeout         one metric\n"
    "  cachestorm explain --format tsv       for scripts\n"
    "\n"
    "Exit status: 0; 2 an unknown metric name or option.\n";

static const char *scope_name(metric_scope s)
{
    return s == MS_BOTH ? "run and node" : s == MS_RUN ? "run" : "queue model";
}

static void print_one(const metric_info *m)
{
    printf("%s\n  kind:    %s%s%s\n  unit:    %s\n  better:  %s\n  scope:   %s\n  meaning: %s\n",
           m->name, metric_kind_name(m->kind), m->from ? " of gauge " : "", m->from ? m->from : "",
           metric_unit_name(m->unit), metric_better_name(m->better), scope_name(m->scope),
           m->meaning);
}

static void print_series(const series_info *s)
{
    printf("%s (time series, one value per bucket)\n  unit:    %s\n  better:  %s\n  meaning: %s\n",
           s->name, metric_unit_name(s->unit), metric_better_name(s->better), s->meaning);
}

static void explain_help(FILE *f)
{
    fputs(usage, f);
    fputc('\n', f);
    fputs(help, f);
}

int cmd_explain(int argc, char **argv)
{
    const char *format = "table";
    cli_strs names = {0};
    const cli_opt opts[] = {
        {"--format", NULL, OPT_STR, &format, 0, 0, "table|tsv"},
        {NULL, NULL, 0, NULL, 0, 0, NULL},
    };
    const cli_spec sp = {argv[0], opts, "METRIC", 0, 0, explain_help, usage};
    int prc = cli_parse_spec(&sp, argc, argv, &names);
    if (prc) {
        cli_strs_free(&names);
        return prc == CLI_HELP ? CS_OK : prc;
    }
    bool tsv = !strcmp(format, "tsv");
    if (names.n) {
        int rc = CS_OK;
        for (int i = 0; i < names.n; i++) {
            const char *name = names.v[i];
            const metric_info *m = metric_lookup(name);
            const series_info *s = series_lookup(name);
            if (m)
                print_one(m);
            if (s)
                print_series(s);
            if (!m && !s) {
                const char *near = metric_closest(name);
                fprintf(stderr, "cachestorm explain: no metric or series '%s'%s%s%s\n", name,
                        near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
                rc = CS_USAGE;
            }
        }
        cli_strs_free(&names);
        return rc;
    }
    cli_strs_free(&names);
    if (tsv) {
        printf("name\tkind\tunit\tbetter\tscope\tmeaning\n");
        for (int i = 0; i < MET_N_METRICS; i++) {
            const metric_info *m = &metric_table[i];
            printf("%s\t%s\t%s\t%s\t%s\t%s\n", m->name, metric_kind_name(m->kind),
                   metric_unit_name(m->unit), metric_better_name(m->better), scope_name(m->scope),
                   m->meaning);
        }
        for (int i = 0; i < SER_N; i++) {
            const series_info *s = &series_table[i];
            printf("%s\tseries\t%s\t%s\tbucket\t%s\n", s->name, metric_unit_name(s->unit),
                   metric_better_name(s->better), s->meaning);
        }
        return CS_OK;
    }
    printf("%-26s %-8s %-11s %-7s %-12s %s\n", "metric", "kind", "unit", "better", "scope",
           "meaning");
    for (int i = 0; i < MET_N_METRICS; i++) {
        const metric_info *m = &metric_table[i];
        printf("%-26s %-8s %-11s %-7s %-12s %s\n", m->name, metric_kind_name(m->kind),
               metric_unit_name(m->unit), metric_better_name(m->better), scope_name(m->scope),
               m->meaning);
    }
    printf("\n%-26s %-11s %-7s %s\n", "series (per bucket)", "unit", "better", "meaning");
    for (int i = 0; i < SER_N; i++) {
        const series_info *s = &series_table[i];
        printf("%-26s %-11s %-7s %s\n", s->name, metric_unit_name(s->unit),
               metric_better_name(s->better), s->meaning);
    }
    return CS_OK;
}
