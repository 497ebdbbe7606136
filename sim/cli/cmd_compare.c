/* cmd_compare.c — `cachestorm compare --baseline DB --candidate DB
 * [--experiment NAME] [--format table|tsv|json] [--alpha A] [--min-change PCT] [--all]`:
 * the regression verdict of a policy change.  Runs are matched by scenario
 * (experiment, variant, run name — the name carries the sweep point); for
 * each whole-run metric it gives both means over the replications with 95 %
 * Student-t intervals, the change, Welch's t-test p-value, and a verdict that
 * knows which way is good for that metric (a small table below).  Exit 1 when
 * any metric is significantly worse.  Everything is read from the two
 * databases (read-only); nothing is run. */
#include <errno.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/stats.h"
#include "sim/cli/cli.h"
#include "sim/core/metrics.h"
#include "sim/run/expect.h"
#include "sim/store/store.h"

typedef enum { V_SAME, V_BETTER, V_WORSE, V_CHANGED, V_UNTESTED, V_MISSING } verdict;
static const char *const verdict_names[] = {"same",    "better",        "WORSE",
                                            "changed", "differs (n<2)", "missing"};

/* One stored value: a scenario's metric in one run. */
typedef struct obs {
    char *experiment, *variant, *name, *metric;
    int64_t run;
    double v;
} obs;

typedef struct side {
    const char *path;
    obs *o;
    size_t n, cap;
    size_t nruns;
} side;

static char *dup_col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return cs_strdup(t ? (const char *)t : "");
}

/* Read every whole-run metric of the done runs in s->path (one experiment or all). */
static int read_side(side *s, const char *experiment, cs_err *err)
{
    store *st;
    int rc = store_open_readonly(s->path, &st, err);
    if (rc)
        return rc;
    sqlite3 *db = store_db(st);
    sqlite3_stmt *q;
    const char *sql = "SELECT r.experiment, r.variant, r.name, m.name, m.value, r.id "
                      "FROM runs r JOIN metrics m ON m.run_id = r.id "
                      "WHERE r.status = 'done' AND m.node IS NULL "
                      "AND (?1 IS NULL OR r.experiment = ?1) ORDER BY r.id, m.rowid";
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
        rc = cs_errf(err, CS_IO, "%s: %s", s->path, sqlite3_errmsg(db));
        store_close(st);
        return rc;
    }
    if (experiment)
        sqlite3_bind_text(q, 1, experiment, -1, SQLITE_STATIC);
    int r;
    int64_t last = -1;
    while ((r = sqlite3_step(q)) == SQLITE_ROW) {
        cs_grow((void **)&s->o, &s->cap, s->n + 1, sizeof *s->o);
        obs *o = &s->o[s->n++];
        o->experiment = dup_col(q, 0);
        o->variant = dup_col(q, 1);
        o->name = dup_col(q, 2);
        o->metric = dup_col(q, 3);
        o->v = sqlite3_column_type(q, 4) == SQLITE_NULL ? NAN : sqlite3_column_double(q, 4);
        o->run = sqlite3_column_int64(q, 5);
        if (o->run != last)
            s->nruns++;
        last = o->run;
    }
    if (r != SQLITE_DONE)
        rc = cs_errf(err, CS_IO, "%s: %s", s->path, sqlite3_errmsg(db));
    sqlite3_finalize(q);
    store_close(st);
    return rc;
}

static void free_side(side *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->o[i].experiment);
        free(s->o[i].variant);
        free(s->o[i].name);
        free(s->o[i].metric);
    }
    free(s->o);
}

/* Order of scenarios: experiment, variant, run name. */
static int key_cmp(const obs *a, const obs *b)
{
    int c = strcmp(a->experiment, b->experiment);
    if (!c)
        c = strcmp(a->variant, b->variant);
    if (!c)
        c = strcmp(a->name, b->name);
    return c;
}

/* Sort order: scenario, metric, run. */
static int obs_cmp(const void *pa, const void *pb)
{
    const obs *a = pa, *b = pb;
    int c = key_cmp(a, b);
    if (!c)
        c = strcmp(a->metric, b->metric);
    if (!c)
        c = a->run < b->run ? -1 : a->run > b->run;
    return c;
}

/* A scenario's observations on one side: o[lo, hi) of the sorted array. */
typedef struct range {
    size_t lo, hi;
    int64_t first_run;
} range;

/* The scenarios of a sorted side, in key order. */
static range *scenarios_of(const side *s, size_t *n)
{
    range *r = NULL;
    size_t k = 0, cap = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (i == 0 || key_cmp(&s->o[i - 1], &s->o[i])) {
            cs_grow((void **)&r, &cap, k + 1, sizeof *r);
            r[k++] = (range){i, i, s->o[i].run};
        }
        r[k - 1].hi = i + 1;
        if (s->o[i].run < r[k - 1].first_run)
            r[k - 1].first_run = s->o[i].run;
    }
    *n = k;
    return r;
}

/* A scenario present on both sides. */
typedef struct scen {
    const obs *key;
    range b, c;
    size_t nb, nc; /* runs on each side (the most values any metric has) */
} scen;

/* Scenarios in the order the baseline ran them. */
static int scen_order(const void *pa, const void *pb)
{
    const scen *a = pa, *b = pb;
    return a->b.first_run < b->b.first_run ? -1 : a->b.first_run > b->b.first_run;
}

/* One result row. */
typedef struct crow {
    size_t scen;
    const char *metric;
    size_t nb, nc;
    double mb, hb, mc, hc; /* means and CI half-widths */
    double change;         /* relative, NAN when the baseline is 0 */
    double p;              /* Welch two-sided, NAN when untested */
    verdict v;
} crow;

/* The values of `metric` in range r of side s (sorted by metric). */
static size_t values(const side *s, range r, const char *metric, double **out)
{
    size_t n = 0;
    double *x = cs_calloc(r.hi - r.lo + 1, sizeof *x);
    for (size_t i = r.lo; i < r.hi; i++)
        if (!strcmp(s->o[i].metric, metric))
            x[n++] = s->o[i].v;
    *out = x;
    return n;
}

/* Compare one metric of one scenario. */
static void judge(crow *r, const double *b, size_t nb, const double *c, size_t nc, double alpha,
                  double min_change)
{
    double sb, sc;
    stats_mean_ci(b, nb, &r->mb, &sb, &r->hb, &r->nb);
    stats_mean_ci(c, nc, &r->mc, &sc, &r->hc, &r->nc);
    r->p = NAN;
    r->change = r->mb != 0 ? (r->mc - r->mb) / fabs(r->mb) : (r->mc == 0 ? 0 : NAN);
    if (r->nb == 0 || r->nc == 0) {
        r->v = V_MISSING;
        return;
    }
    if (r->mb == r->mc && (r->nb < 2 || r->nc < 2 || (sb == 0 && sc == 0))) {
        r->v = V_SAME;
        r->p = 1;
        return;
    }
    if (r->nb < 2 || r->nc < 2) {
        r->v = V_UNTESTED;
        return;
    }
    double vb = sb * sb / (double)r->nb, vc = sc * sc / (double)r->nc, se = sqrt(vb + vc);
    if (se == 0) {
        r->p = 0; /* no noise at all and the means differ */
    } else {
        double t = (r->mc - r->mb) / se;
        double df =
            (vb + vc) * (vb + vc) / (vb * vb / (double)(r->nb - 1) + vc * vc / (double)(r->nc - 1));
        r->p = 2 * gsl_cdf_tdist_Q(fabs(t), df);
    }
    bool big = isnan(r->change) || fabs(r->change) * 100 >= min_change;
    if (r->p >= alpha || !big) {
        r->v = V_SAME;
        return;
    }
    metric_better d = metric_direction(r->metric);
    if (d == MB_NEITHER)
        r->v = V_CHANGED;
    else
        r->v = (r->mc < r->mb) == (d == MB_LOWER) ? V_BETTER : V_WORSE;
}

/* Metric names in show's order (INTERFACES.md first). */
static int metric_cmp(const void *a, const void *b)
{
    return metric_order_cmp(*(const char *const *)a, *(const char *const *)b);
}

/* ---- output ------------------------------------------------------------------ */

static void fmt_mean(char *buf, size_t cap, double m, double h, size_t n)
{
    if (n == 0 || isnan(m))
        snprintf(buf, cap, "-");
    else if (n < 2 || isnan(h))
        snprintf(buf, cap, "%.4g", m);
    else
        snprintf(buf, cap, "%.4g ± %.2g", m, h < 1e-9 * fabs(m) ? 0 : h);
}

static void fmt_change(char *buf, size_t cap, const crow *r)
{
    if (r->v == V_MISSING)
        snprintf(buf, cap, "-");
    else if (isnan(r->change))
        snprintf(buf, cap, "%+.4g", r->mc - r->mb);
    else
        snprintf(buf, cap, "%+.1f%%", r->change * 100);
}

static void fmt_p(char *buf, size_t cap, double p)
{
    if (isnan(p))
        snprintf(buf, cap, "-");
    else if (p < 0.001)
        snprintf(buf, cap, "<0.001");
    else
        snprintf(buf, cap, "%.3f", p);
}

/* Display width of UTF-8 text. */
static int width(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static void pad(const char *s, int w, bool right)
{
    int k = w - width(s);
    if (right)
        printf("%*s%s", k > 0 ? k : 0, "", s);
    else
        printf("%s%*s", s, k > 0 ? k : 0, "");
}

/* A JSON string literal. */
static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", *s);
        else
            putchar(*s);
    }
    putchar('"');
}

/* A JSON number (null for NaN and infinities). */
static void json_num(double v)
{
    if (isnan(v) || isinf(v))
        printf("null");
    else
        printf("%.17g", v);
}

static void scen_title(const scen *sc, char *buf, size_t cap)
{
    const obs *k = sc->key;
    /* The run name repeats the experiment name before the sweep point. */
    const char *point = k->name;
    size_t le = strlen(k->experiment);
    if (le && !strncmp(point, k->experiment, le) && (point[le] == ' ' || !point[le]))
        point += le + (point[le] == ' ');
    snprintf(buf, cap, "%s%s%s%s%s", *k->experiment ? k->experiment : k->name,
             *k->variant ? " · variant " : "", k->variant, *point && *k->experiment ? " · " : "",
             *k->experiment ? point : "");
}

static void print_table(const side *b, const side *c, const scen *sc, size_t nsc, const crow *rows,
                        size_t nr, bool all, double alpha)
{
    printf("compare: baseline %s (%zu runs), candidate %s (%zu runs)\n", b->path, b->nruns, c->path,
           c->nruns);
    printf("means over replications ± 95%% CI; Welch's t-test, significant at p < %g\n", alpha);
    int w[6] = {(int)strlen("metric"),
                (int)strlen("baseline"),
                (int)strlen("candidate"),
                (int)strlen("change"),
                6,
                7};
    char cell[6][64];
    for (size_t i = 0; i < nr; i++) {
        fmt_mean(cell[1], 64, rows[i].mb, rows[i].hb, rows[i].nb);
        fmt_mean(cell[2], 64, rows[i].mc, rows[i].hc, rows[i].nc);
        fmt_change(cell[3], 64, &rows[i]);
        int ws[4] = {width(rows[i].metric), width(cell[1]), width(cell[2]), width(cell[3])};
        for (int k = 0; k < 4; k++)
            w[k] = ws[k] > w[k] ? ws[k] : w[k];
    }
    for (size_t s = 0; s < nsc; s++) {
        size_t shown = 0, same = 0;
        for (size_t i = 0; i < nr; i++)
            if (rows[i].scen == s) {
                if (all || rows[i].v != V_SAME)
                    shown++;
                else
                    same++;
            }
        char title[600];
        scen_title(&sc[s], title, sizeof title);
        printf("\n%s  (%zu vs %zu runs)\n", title, sc[s].nb, sc[s].nc);
        if (shown) {
            printf("  ");
            pad("metric", w[0], false);
            printf("  ");
            pad("baseline", w[1], true);
            printf("  ");
            pad("candidate", w[2], true);
            printf("  ");
            pad("change", w[3], true);
            printf("  %6s  %s\n", "p", "verdict");
        }
        for (size_t i = 0; i < nr; i++) {
            const crow *r = &rows[i];
            if (r->scen != s || (!all && r->v == V_SAME))
                continue;
            fmt_mean(cell[1], 64, r->mb, r->hb, r->nb);
            fmt_mean(cell[2], 64, r->mc, r->hc, r->nc);
            fmt_change(cell[3], 64, r);
            fmt_p(cell[4], 64, r->p);
            printf("  ");
            pad(r->metric, w[0], false);
            printf("  ");
            pad(cell[1], w[1], true);
            printf("  ");
            pad(cell[2], w[2], true);
            printf("  ");
            pad(cell[3], w[3], true);
            printf("  %6s  %s\n", cell[4], verdict_names[r->v]);
        }
        if (!all)
            printf("  %s%zu metric%s the same within noise\n", shown ? "... and " : "", same,
                   same == 1 ? "" : "s");
    }
}

/* Every row, full precision, empty field for undefined. */
static void print_tsv(const scen *sc, const crow *rows, size_t nr)
{
    printf("experiment\tvariant\tscenario\tmetric\tbaseline_n\tbaseline_mean\tbaseline_ci95\t"
           "candidate_n\tcandidate_mean\tcandidate_ci95\tchange\tp\tverdict\n");
    for (size_t i = 0; i < nr; i++) {
        const crow *r = &rows[i];
        const obs *k = sc[r->scen].key;
        printf("%s\t%s\t%s\t%s\t%zu\t", k->experiment, k->variant, k->name, r->metric, r->nb);
        double v[7] = {r->mb, r->hb, NAN, r->mc, r->hc, r->change, r->p};
        for (int j = 0; j < 7; j++) {
            if (j == 2) {
                printf("%zu\t", r->nc);
                continue;
            }
            if (isnan(v[j]))
                printf("\t");
            else
                printf("%.17g\t", v[j]);
        }
        printf("%s\n", r->v == V_WORSE ? "worse" : verdict_names[r->v]);
    }
}

static void print_json(const side *b, const side *c, const scen *sc, const crow *rows, size_t nr,
                       double alpha, size_t nworse, size_t nbetter)
{
    printf("{\"baseline\": ");
    json_str(b->path);
    printf(", \"candidate\": ");
    json_str(c->path);
    printf(", \"alpha\": %g, \"worse\": %zu, \"better\": %zu, \"rows\": [", alpha, nworse, nbetter);
    for (size_t i = 0; i < nr; i++) {
        const crow *r = &rows[i];
        const obs *k = sc[r->scen].key;
        printf("%s\n {\"experiment\": ", i ? "," : "");
        json_str(k->experiment);
        printf(", \"variant\": ");
        json_str(k->variant);
        printf(", \"scenario\": ");
        json_str(k->name);
        printf(", \"metric\": ");
        json_str(r->metric);
        printf(", \"baseline\": {\"n\": %zu, \"mean\": ", r->nb);
        json_num(r->mb);
        printf(", \"ci95\": ");
        json_num(r->hb);
        printf("}, \"candidate\": {\"n\": %zu, \"mean\": ", r->nc);
        json_num(r->mc);
        printf(", \"ci95\": ");
        json_num(r->hc);
        printf("}, \"change\": ");
        json_num(r->change);
        printf(", \"p\": ");
        json_num(r->p);
        printf(", \"verdict\": \"%s\"}", r->v == V_WORSE ? "worse" : verdict_names[r->v]);
    }
    printf("\n]}\n");
}

static const char usage_text[] =
    "usage: cachestorm compare --baseline DB --candidate DB [--experiment NAME]\n"
    "                          [--format table|tsv|json] [--alpha A] [--min-change PCT] [--all]\n";

static void help(FILE *f)
{
    fprintf(f,
            "%s\n"
            "Compares two databases of the same experiments — before and after a change.\n"
            "Runs are matched by scenario (experiment, variant, run name; the name holds\n"
            "the sweep point). For every whole-run metric: both means over the\n"
            "replications with 95%% CIs (Student t), the change, Welch's t-test p-value\n"
            "and a verdict that knows which way is good (lower for latency, errors,\n"
            "timeouts, misses, database and factory load, recovery time; higher for ok\n"
            "requests and hits; other metrics are 'changed' when they differ).\n"
            "\n"
            "  --baseline DB      the database before the change\n"
            "  --candidate DB     the database after it\n"
            "  --experiment NAME  only this experiment\n"
            "  --format F         table (default; only metrics that differ, --all for all),\n"
            "                     tsv or json (every metric) for scripts\n"
            "  --alpha A          significance level (default 0.05)\n"
            "  --min-change PCT   ignore significant changes smaller than PCT %% (default 0)\n"
            "  --all              table: list the metrics that stayed the same too\n"
            "\n"
            "Verdicts: better, WORSE (significant, in the bad direction), changed\n"
            "(significant, no good direction), same (within noise), differs (n<2): a\n"
            "single run on a side cannot tell noise from change, so it never fails.\n"
            "Use the same seeds on both sides (common random numbers).\n"
            "\n"
            "example:\n"
            "  cachestorm sweep experiments/regression.yaml --db before.db\n"
            "  (change the policy code, rebuild)\n"
            "  cachestorm sweep experiments/regression.yaml --db after.db\n"
            "  cachestorm compare --baseline before.db --candidate after.db\n"
            "\n"
            "exit status: 0 nothing significantly worse; 1 something is; 2 bad usage or\n"
            "nothing in common to compare; 3 a database is missing or unreadable.\n",
            usage_text);
}

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "cachestorm compare: %s%s%s\n%s", what, arg ? " " : "", arg ? arg : "",
            usage_text);
    return CS_USAGE;
}

int cmd_compare(int argc, char **argv)
{
    const char *bpath = NULL, *cpath = NULL, *experiment = NULL, *format = "table";
    double alpha = 0.05, min_change = 0;
    bool all = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool hv = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help(stdout);
            return CS_OK;
        } else if (!strcmp(a, "--baseline") && hv) {
            bpath = argv[++i];
        } else if (!strcmp(a, "--candidate") && hv) {
            cpath = argv[++i];
        } else if (!strcmp(a, "--experiment") && hv) {
            experiment = argv[++i];
        } else if (!strcmp(a, "--format") && hv) {
            format = argv[++i];
            if (strcmp(format, "table") && strcmp(format, "tsv") && strcmp(format, "json"))
                return usage_error("--format takes table, tsv or json, not", format);
        } else if ((!strcmp(a, "--alpha") || !strcmp(a, "--min-change")) && hv) {
            char *end;
            errno = 0;
            double v = strtod(argv[++i], &end);
            bool isalpha_ = !strcmp(a, "--alpha");
            if (errno || *end || !(v >= 0) || (isalpha_ && (v <= 0 || v >= 1)))
                return usage_error(isalpha_ ? "--alpha takes a number in (0, 1), not"
                                            : "--min-change takes a percentage >= 0, not",
                                   argv[i]);
            if (isalpha_)
                alpha = v;
            else
                min_change = v;
        } else if (!strcmp(a, "--all")) {
            all = true;
        } else {
            return usage_error("unknown or incomplete argument", a);
        }
    }
    if (!bpath || !cpath)
        return usage_error("both --baseline DB and --candidate DB are needed", NULL);

    side b = {.path = bpath}, c = {.path = cpath};
    cs_err err = {0};
    int rc = read_side(&b, experiment, &err);
    if (!rc)
        rc = read_side(&c, experiment, &err);
    if (rc) {
        fprintf(stderr, "cachestorm compare: %s\n", err.msg);
        free_side(&b);
        free_side(&c);
        return rc;
    }
    /* Scenarios on both sides, in the baseline's run order; those on one
     * side only are reported. */
    if (b.n) /* qsort(NULL, 0, ...) is undefined */
        qsort(b.o, b.n, sizeof *b.o, obs_cmp);
    if (c.n)
        qsort(c.o, c.n, sizeof *c.o, obs_cmp);
    size_t nrb, nrc, nsc = 0, only_b = 0, only_c = 0;
    range *rb = scenarios_of(&b, &nrb), *rc_ = scenarios_of(&c, &nrc);
    scen *sc = cs_calloc(nrb + 1, sizeof *sc);
    for (size_t i = 0, j = 0; i < nrb || j < nrc;) {
        int k = i >= nrb ? 1 : j >= nrc ? -1 : key_cmp(&b.o[rb[i].lo], &c.o[rc_[j].lo]);
        if (k == 0) {
            sc[nsc++] = (scen){&b.o[rb[i].lo], rb[i], rc_[j], 0, 0};
            i++;
            j++;
        } else {
            const obs *o = k < 0 ? &b.o[rb[i++].lo] : &c.o[rc_[j++].lo];
            if (k < 0)
                only_b++;
            else
                only_c++;
            fprintf(stderr, "cachestorm compare: only in the %s: %s / %s / %s\n",
                    k < 0 ? "baseline" : "candidate", *o->experiment ? o->experiment : "-",
                    *o->variant ? o->variant : "-", o->name);
        }
    }
    free(rb);
    free(rc_);
    if (nsc) /* qsort(NULL, 0, ...) is undefined */
        qsort(sc, nsc, sizeof *sc, scen_order);
    if (nsc == 0) {
        fprintf(stderr,
                "cachestorm compare: nothing to compare: no scenario (experiment, variant, name) "
                "has runs in both %s and %s%s%s\n",
                bpath, cpath, experiment ? " for experiment " : "", experiment ? experiment : "");
        free(sc);
        free_side(&b);
        free_side(&c);
        return CS_USAGE;
    }
    crow *rows = NULL;
    size_t nr = 0, rcap = 0, nworse = 0, nbetter = 0;
    for (size_t s = 0; s < nsc; s++) {
        /* The metric names of this scenario on both sides, in show's order. */
        const char **names = NULL;
        size_t nn = 0, ncap = 0;
        const side *sides[2] = {&b, &c};
        range rr[2] = {sc[s].b, sc[s].c};
        for (int si = 0; si < 2; si++)
            for (size_t i = rr[si].lo; i < rr[si].hi; i++) {
                const obs *o = &sides[si]->o[i];
                if (i > rr[si].lo && !strcmp(o[-1].metric, o->metric))
                    continue;
                bool have = false;
                for (size_t k = 0; k < nn && !have; k++)
                    have = !strcmp(names[k], o->metric);
                if (!have) {
                    cs_grow((void **)&names, &ncap, nn + 1, sizeof *names);
                    names[nn++] = o->metric;
                }
            }
        if (nn)
            qsort(names, nn, sizeof *names, metric_cmp);
        for (size_t m = 0; m < nn; m++) {
            double *xb, *xc;
            size_t nb = values(&b, sc[s].b, names[m], &xb);
            size_t nc = values(&c, sc[s].c, names[m], &xc);
            sc[s].nb = nb > sc[s].nb ? nb : sc[s].nb;
            sc[s].nc = nc > sc[s].nc ? nc : sc[s].nc;
            cs_grow((void **)&rows, &rcap, nr + 1, sizeof *rows);
            crow *r = &rows[nr++];
            memset(r, 0, sizeof *r);
            r->scen = s;
            r->metric = names[m];
            judge(r, xb, nb, xc, nc, alpha, min_change);
            nworse += r->v == V_WORSE;
            nbetter += r->v == V_BETTER;
            free(xb);
            free(xc);
        }
        free(names);
    }

    if (!strcmp(format, "tsv")) {
        print_tsv(sc, rows, nr);
    } else if (!strcmp(format, "json")) {
        print_json(&b, &c, sc, rows, nr, alpha, nworse, nbetter);
    } else {
        print_table(&b, &c, sc, nsc, rows, nr, all, alpha);
        printf("\n%s: %zu metric%s significantly worse, %zu better, across %zu scenario%s",
               nworse ? "WORSE" : "OK", nworse, nworse == 1 ? "" : "s", nbetter, nsc,
               nsc == 1 ? "" : "s");
        if (only_b || only_c)
            printf(" (%zu only in the baseline, %zu only in the candidate)", only_b, only_c);
        printf("\n");
        /* One line per scenario that got worse: what, by how much. */
        for (size_t si = 0; si < nsc; si++) {
            size_t k = 0;
            for (size_t i = 0; i < nr; i++) {
                if (rows[i].scen != si || rows[i].v != V_WORSE)
                    continue;
                char title[600], ch[64];
                fmt_change(ch, sizeof ch, &rows[i]);
                if (k++ == 0) {
                    scen_title(&sc[si], title, sizeof title);
                    printf("  worse in %s: ", title);
                }
                printf("%s%s %s", k > 1 ? ", " : "", rows[i].metric, ch);
            }
            if (k)
                printf("\n");
        }
    }
    free(rows);
    free(sc);
    free_side(&b);
    free_side(&c);
    return nworse ? CS_EXPECT_FAILED : CS_OK;
}
