/* cmd_compare.c — `cachestorm compare --baseline DB --candidate DB
 * [--experiment NAME] [--format table|tsv|json] [--alpha A] [--min-change PCT] [--all]`
 * and `compare DB --baseline-variant NAME`:
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
#include "sim/report/verdict.h"
#include "sim/run/expect.h"
#include "sim/store/store.h"

/* The verdicts of cmp_judge (sim/report/verdict.h), in its order. */
typedef enum { V_SAME, V_BETTER, V_WORSE, V_CHANGED, V_UNTESTED, V_MISSING, V_SMALL } verdict;
#define verdict_names cmp_verdict_names
_Static_assert(V_SMALL == (int)CMP_SMALL && V_WORSE == (int)CMP_WORSE, "verdict order");

typedef cmp_thresholds thresholds;
#define min_abs_default cmp_min_abs_default /* sim/report/verdict.c */

/* One stored value: a scenario's metric in one run. */
typedef struct obs {
    char *experiment, *variant, *name, *metric;
    int64_t run, seed;
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
    const char *sql = "SELECT r.experiment, r.variant, r.name, m.name, m.value, r.id, r.seed "
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
        o->seed = sqlite3_column_int64(q, 6);
        if (o->run != last)
            s->nruns++;
        last = o->run;
    }
    if (r != SQLITE_DONE)
        rc = cs_errf(err, CS_IO, "%s: %s", s->path, sqlite3_errmsg(db));
    sqlite3_finalize(q);
    /* each (scenario, seed) once: reruns of the same run are not more
     * replications (store_unique_runs keeps the newest) */
    store_run *u = NULL;
    size_t nu = 0, dropped = 0;
    if (!rc)
        rc = store_unique_runs(st, experiment, &u, &nu, &dropped, err);
    if (!rc && dropped) {
        size_t k = 0;
        s->nruns = 0;
        int64_t last = -1;
        for (size_t i = 0, j = 0; i < s->n; i++) { /* both in run id order */
            while (j < nu && u[j].id < s->o[i].run)
                j++;
            bool keep = j < nu && u[j].id == s->o[i].run;
            if (!keep) {
                free(s->o[i].experiment);
                free(s->o[i].variant);
                free(s->o[i].name);
                free(s->o[i].metric);
                continue;
            }
            if (s->o[i].run != last)
                s->nruns++;
            last = s->o[i].run;
            s->o[k++] = s->o[i];
        }
        s->n = k;
        fprintf(stderr, "cachestorm compare: %s: %zu rerun%s of the same run%s counted once\n",
                s->path, dropped, dropped == 1 ? "" : "s", dropped == 1 ? "" : "s");
    }
    store_runs_free(u, nu);
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
    double p;              /* two-sided, NAN when untested */
    bool paired;           /* paired t-test on the same seeds, else Welch */
    verdict v;
} crow;

/* The values of `metric` in range r of side s (sorted by metric), and the
 * seeds of the runs they come from. */
static size_t values(const side *s, range r, const char *metric, double **out, int64_t **seeds)
{
    size_t n = 0;
    double *x = cs_calloc(r.hi - r.lo + 1, sizeof *x);
    int64_t *sd = cs_calloc(r.hi - r.lo + 1, sizeof *sd);
    for (size_t i = r.lo; i < r.hi; i++)
        if (!strcmp(s->o[i].metric, metric)) {
            sd[n] = s->o[i].seed;
            x[n++] = s->o[i].v;
        }
    *out = x;
    *seeds = sd;
    return n;
}

/* Compare one metric of one scenario: cmp_judge (sim/report/verdict.c). */
static void judge(crow *r, const double *b, const int64_t *seeds_b, size_t nb, const double *c,
                  const int64_t *seeds_c, size_t nc, const thresholds *th)
{
    cmp_result x;
    cmp_judge(&x, r->metric, b, seeds_b, nb, c, seeds_c, nc, th);
    r->nb = x.nb, r->nc = x.nc, r->mb = x.mb, r->hb = x.hb, r->mc = x.mc, r->hc = x.hc;
    r->change = x.change, r->p = x.p, r->paired = x.paired, r->v = (verdict)x.v;
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
    else {
        char a[24], b[24];
        cs_fmt_human(a, sizeof a, m);
        cs_fmt_human(b, sizeof b, h < 1e-9 * fabs(m) ? 0 : h);
        if (n < 2 || isnan(h))
            snprintf(buf, cap, "%s", a);
        else
            snprintf(buf, cap, "%s ± %s", a, b);
    }
}

static void fmt_change(char *buf, size_t cap, const crow *r)
{
    if (r->v == V_MISSING)
        snprintf(buf, cap, "-");
    else if (isnan(r->change)) {
        char a[48];
        cs_fmt_human(a, sizeof a, r->mc - r->mb);
        snprintf(buf, cap, "%s%s", r->mc - r->mb > 0 ? "+" : "", a);
    }
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
                        size_t nr, bool all, const thresholds *th, const char *base_variant)
{
    if (base_variant)
        printf("compare: %s, every variant against variant %s (%zu runs)\n", b->path, base_variant,
               b->nruns);
    else
        printf("compare: baseline %s (%zu runs), candidate %s (%zu runs)\n", b->path, b->nruns,
               c->path, c->nruns);
    printf("means over replications ± 95%% CI; paired t-test on the same seeds, else Welch's; a\n"
           "verdict needs p < %g and a change of at least %g%% and the unit's floor\n",
           th->alpha, th->min_change);
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
            printf("  %6s  %-6s  %s\n", "p", "test", "verdict");
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
            printf("  %6s  %-6s  %s\n", cell[4], isnan(r->p) ? "-" : r->paired ? "paired" : "welch",
                   verdict_names[r->v]);
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
           "candidate_n\tcandidate_mean\tcandidate_ci95\tchange\tp\ttest\tverdict\n");
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
        printf("%s\t%s\n", isnan(r->p) ? "" : r->paired ? "paired" : "welch",
               r->v == V_WORSE ? "worse" : verdict_names[r->v]);
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
        printf(", \"test\": \"%s\", \"verdict\": \"%s\"}",
               isnan(r->p) ? "" : r->paired ? "paired" : "welch",
               r->v == V_WORSE ? "worse" : verdict_names[r->v]);
    }
    printf("\n]}\n");
}

/* ---- what differs besides the change ---------------------------------------- */

typedef struct kv {
    char *path, *value;
} kv;

/* The stored effective config (params rows) of one run, sorted by path. */
static int read_params(const char *dbpath, int64_t run, kv **out, size_t *n, cs_err *err)
{
    store *st;
    int rc = store_open_readonly(dbpath, &st, err);
    if (rc)
        return rc;
    sqlite3 *db = store_db(st);
    sqlite3_stmt *q;
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    if (sqlite3_prepare_v2(db, "SELECT path, value FROM params WHERE run_id = ?1 ORDER BY path",
                           -1, &q, NULL) != SQLITE_OK) {
        rc = cs_errf(err, CS_IO, "%s: %s", dbpath, sqlite3_errmsg(db));
        store_close(st);
        return rc;
    }
    sqlite3_bind_int64(q, 1, run);
    while (sqlite3_step(q) == SQLITE_ROW) {
        cs_grow((void **)out, &cap, *n + 1, sizeof **out);
        (*out)[*n].path = dup_col(q, 0);
        (*out)[(*n)++].value = dup_col(q, 1);
    }
    sqlite3_finalize(q);
    store_close(st);
    return CS_OK;
}

static void free_kv(kv *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].path);
        free(v[i].value);
    }
    free(v);
}

/* Is `path` one the user declared as the change (PATH itself or below it)? */
static bool allowed_diff(const char *path, const char *const *allow, size_t nallow)
{
    for (size_t i = 0; i < nallow; i++) {
        size_t l = strlen(allow[i]);
        if (!strncmp(path, allow[i], l) && (!path[l] || path[l] == '.' || path[l] == '['))
            return true;
    }
    return false;
}

/* Adds `path` to the set of differing keys (once). */
static void add_key(const char ***keys, size_t *n, size_t *cap, const char *path)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*keys)[i], path))
            return;
    cs_grow((void **)keys, cap, *n + 1, sizeof **keys);
    (*keys)[(*n)++] = cs_strdup(path);
}

/* The seeds of a scenario's runs on one side, sorted, distinct. */
static size_t seeds_of(const side *s, range r, int64_t *out)
{
    size_t n = 0;
    for (size_t i = r.lo; i < r.hi; i++) {
        bool have = false;
        for (size_t k = 0; k < n && !have; k++)
            have = out[k] == s->o[i].seed;
        if (!have)
            out[n++] = s->o[i].seed;
    }
    for (size_t i = 1; i < n; i++) /* insertion sort: a handful of seeds */
        for (size_t k = i; k > 0 && out[k - 1] > out[k]; k--) {
            int64_t t = out[k];
            out[k] = out[k - 1];
            out[k - 1] = t;
        }
    return n;
}

/* Every scenario must have run the same seeds on both sides and, unless
 * check_config is off (variants are the change), the same effective config
 * but for the declared paths.  Returns CS_USAGE, listing what differs, or 0. */
static int check_same_setup(const side *b, const side *c, const scen *sc, size_t nsc,
                            bool check_config, const char *const *allow, size_t nallow,
                            cs_err *err)
{
    const char **keys = NULL;
    size_t nk = 0, kcap = 0;
    char first[600] = "";
    for (size_t s = 0; s < nsc; s++) {
        int64_t *sb = cs_calloc(sc[s].b.hi - sc[s].b.lo + 1, sizeof *sb);
        int64_t *scd = cs_calloc(sc[s].c.hi - sc[s].c.lo + 1, sizeof *scd);
        size_t nb = seeds_of(b, sc[s].b, sb), nc = seeds_of(c, sc[s].c, scd);
        bool same = nb == nc && !memcmp(sb, scd, nb * sizeof *sb);
        free(sb);
        free(scd);
        size_t before = nk;
        if (!same && !allowed_diff("seed", allow, nallow))
            add_key(&keys, &nk, &kcap, "seed");
        if (check_config) {
            kv *pb, *pc;
            size_t npb, npc;
            if (read_params(b->path, sc[s].b.first_run, &pb, &npb, err) ||
                read_params(c->path, sc[s].c.first_run, &pc, &npc, err)) {
                for (size_t i = 0; i < nk; i++)
                    free((void *)keys[i]);
                free(keys);
                return err->code;
            }
            for (size_t i = 0, j = 0; i < npb || j < npc;) {
                int k = i >= npb ? 1 : j >= npc ? -1 : strcmp(pb[i].path, pc[j].path);
                const char *path = k <= 0 ? pb[i].path : pc[j].path;
                bool differs = k != 0 || strcmp(pb[i].value, pc[j].value) != 0;
                /* seed is checked above; the name labels the run, it changes nothing */
                if (differs && strcmp(path, "seed") && strcmp(path, "name") &&
                    !allowed_diff(path, allow, nallow))
                    add_key(&keys, &nk, &kcap, path);
                if (k <= 0)
                    i++;
                if (k >= 0)
                    j++;
            }
            free_kv(pb, npb);
            free_kv(pc, npc);
        }
        if (nk > before && !*first)
            scen_title(&sc[s], first, sizeof first);
    }
    if (!nk)
        return CS_OK;
    char list[1500] = "";
    size_t len = 0;
    for (size_t i = 0; i < nk && len < sizeof list - 64; i++)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", keys[i]);
    for (size_t i = 0; i < nk; i++)
        free((void *)keys[i]);
    free(keys);
    return cs_errf(err, CS_USAGE,
                   "the two sides differ in more than the change, so a difference could come "
                   "from them: %s (first in %s). Run both sides with the same seeds and config, "
                   "or declare the change: --allow-diff PATH (repeatable)",
                   list, first);
}

static const char usage_text[] =
    "usage: cachestorm compare --baseline DB --candidate DB [--experiment NAME]\n"
    "       cachestorm compare DB --baseline-variant NAME [--experiment NAME]\n"
    "         [--format table|tsv|json] [--alpha A] [--min-change PCT] [--min-abs UNIT=V]...\n"
    "         [--allow-diff PATH]... [--all]\n";

static void help(FILE *f)
{
    fprintf(f,
            "%s\n"
            "Did a change make any scenario worse?  Compares two databases of the same\n"
            "experiments (before and after a change), or, with --baseline-variant, the\n"
            "variants of one experiment against one of them (an A/B in one database).\n"
            "Runs are matched by scenario (experiment, variant, run name; the name holds\n"
            "the sweep point).  For every whole-run metric: both means over the\n"
            "replications with 95%% CIs, the change, a p-value and a verdict.\n"
            "\n"
            "The test: when both sides ran the same seeds (common random numbers: the\n"
            "same traffic and faults), a paired t-test on the per-seed differences,\n"
            "which sees far smaller changes than Welch's t-test on the two means (used\n"
            "otherwise).  The column 'test' says which.  A side with no variance is\n"
            "handled exactly (p = 0 when the means differ).\n"
            "\n"
            "The verdict: BETTER or WORSE only when the change is significant (p < alpha)\n"
            "AND practical: at least --min-change %% of the baseline mean AND at least the\n"
            "unit's absolute floor (count 1, ms 0.01, s 0.01, ratio 0.001, per second\n"
            "0.1, workers 1, connections 1; --min-abs UNIT=V changes one).  A\n"
            "significant change below that is 'negligible' and never fails.  Which way\n"
            "is good comes from the metric table (cachestorm explain METRIC); a metric\n"
            "with no good direction is 'changed'.  One run per side cannot tell noise\n"
            "from change: 'differs (n<2)', never a failure.\n"
            "\n"
            "Before judging, compare checks that both sides ran the same seeds and the\n"
            "same effective config (the stored params of each scenario's runs): anything\n"
            "else that differs would make a verdict meaningless, so it stops with exit 2\n"
            "and lists the keys.  Declare what you changed with --allow-diff PATH (a\n"
            "config path; covers the keys below it; 'seed' allows other seeds).  With\n"
            "--baseline-variant the variants are the change; only seeds are checked.\n"
            "\n"
            "  --baseline DB        the database before the change\n"
            "  --candidate DB       the database after it\n"
            "  --baseline-variant V compare every other variant of DB against V\n"
            "  --experiment NAME    only this experiment\n"
            "  --format F           table (default; only metrics that differ, --all for all),\n"
            "                       tsv or json (every metric) for scripts\n"
            "  --alpha A            significance level (default 0.05)\n"
            "  --min-change PCT     practical size, %% of the baseline mean (default 1)\n"
            "  --min-abs UNIT=V     practical floor of a unit (count, ms, s, ratio,\n"
            "                       per_s, workers, connections)\n"
            "  --allow-diff PATH    a config path the change is allowed to differ in\n"
            "  --all                table: list the metrics that stayed the same too\n"
            "\n"
            "examples:\n"
            "  cachestorm sweep experiments/regression.yaml --db before.db\n"
            "  (change the policy code, rebuild)\n"
            "  cachestorm sweep experiments/regression.yaml --db after.db\n"
            "  cachestorm compare --baseline before.db --candidate after.db\n"
            "\n"
            "  cachestorm sweep experiments/stampede.yaml --db ab.db\n"
            "  cachestorm compare ab.db --baseline-variant none\n"
            "\n"
            "exit status: 0 nothing practically worse; 1 something is; 2 bad usage,\n"
            "nothing in common to compare, or the sides differ beyond the declared\n"
            "change; 3 a database is missing or unreadable.\n",
            usage_text);
}

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "cachestorm compare: %s%s%s\n%s", what, arg ? " " : "", arg ? arg : "",
            usage_text);
    return CS_USAGE;
}

/* --min-abs UNIT=V */
static int parse_min_abs(const char *arg, thresholds *th)
{
    static const struct {
        const char *name;
        metric_unit u;
    } units[] = {{"count", MU_COUNT}, {"ms", MU_MS},       {"s", MU_S},
                 {"ratio", MU_RATIO}, {"per_s", MU_PER_S}, {"workers", MU_WORKERS},
                 {"connections", MU_CONN}};
    const char *eq = strchr(arg, '=');
    if (!eq || eq[1] == '\0')
        return -1;
    char *end;
    errno = 0;
    double v = strtod(eq + 1, &end);
    if (errno || *end || !(v >= 0))
        return -1;
    size_t len = (size_t)(eq - arg);
    for (size_t i = 0; i < sizeof units / sizeof *units; i++)
        if (strlen(units[i].name) == len && !strncmp(arg, units[i].name, len)) {
            th->min_abs[units[i].u] = v;
            return 0;
        }
    return -1;
}

/* --baseline-variant: the baseline side is variant V of the one database,
 * copied once for every other variant, so that scenarios match by
 * (experiment, candidate variant, name); the candidate side is the rest. */
static void split_variants(side *all, const char *v, side *b, side *c)
{
    const char **others = NULL;
    size_t no = 0, cap = 0;
    for (size_t i = 0; i < all->n; i++) {
        const obs *o = &all->o[i];
        if (!strcmp(o->variant, v))
            continue;
        bool have = false;
        for (size_t k = 0; k < no && !have; k++)
            have = !strcmp(others[k], o->variant);
        if (!have) {
            cs_grow((void **)&others, &cap, no + 1, sizeof *others);
            others[no++] = o->variant;
        }
    }
    int64_t last_b = -1, last_c = -1;
    for (size_t i = 0; i < all->n; i++) {
        const obs *o = &all->o[i];
        bool base = !strcmp(o->variant, v);
        side *d = base ? b : c;
        for (size_t k = 0; k < (base ? no : 1); k++) {
            cs_grow((void **)&d->o, &d->cap, d->n + 1, sizeof *d->o);
            obs *x = &d->o[d->n++];
            *x = *o;
            x->experiment = cs_strdup(o->experiment);
            x->variant = cs_strdup(base ? others[k] : o->variant);
            x->name = cs_strdup(o->name);
            x->metric = cs_strdup(o->metric);
        }
        int64_t *last = base ? &last_b : &last_c;
        if (o->run != *last)
            d->nruns++;
        *last = o->run;
    }
    free(others);
}

int cmd_compare(int argc, char **argv)
{
    const char *bpath = NULL, *cpath = NULL, *dbpath = NULL, *experiment = NULL,
               *format = "table", *base_variant = NULL;
    thresholds th = {.alpha = 0.05, .min_change = 1};
    memcpy(th.min_abs, min_abs_default, sizeof th.min_abs);
    const char **allow = NULL;
    size_t nallow = 0, acap = 0;
    bool all = false;
    int rc = CS_OK;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool hv = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help(stdout);
            free(allow);
            return CS_OK;
        } else if (!strcmp(a, "--baseline") && hv) {
            bpath = argv[++i];
        } else if (!strcmp(a, "--candidate") && hv) {
            cpath = argv[++i];
        } else if (!strcmp(a, "--baseline-variant") && hv) {
            base_variant = argv[++i];
        } else if (!strcmp(a, "--experiment") && hv) {
            experiment = argv[++i];
        } else if (!strcmp(a, "--allow-diff") && hv) {
            cs_grow((void **)&allow, &acap, nallow + 1, sizeof *allow);
            allow[nallow++] = argv[++i];
        } else if (!strcmp(a, "--min-abs") && hv) {
            if (parse_min_abs(argv[++i], &th)) {
                free(allow);
                return usage_error("--min-abs takes UNIT=VALUE (units: count, ms, s, ratio, "
                                   "per_s, workers, connections), not",
                                   argv[i]);
            }
        } else if (!strcmp(a, "--format") && hv) {
            format = argv[++i];
            if (strcmp(format, "table") && strcmp(format, "tsv") && strcmp(format, "json")) {
                free(allow);
                return usage_error("--format takes table, tsv or json, not", format);
            }
        } else if ((!strcmp(a, "--alpha") || !strcmp(a, "--min-change")) && hv) {
            char *end;
            errno = 0;
            double v = strtod(argv[++i], &end);
            bool isalpha_ = !strcmp(a, "--alpha");
            if (errno || *end || !(v >= 0) || (isalpha_ && (v <= 0 || v >= 1))) {
                free(allow);
                return usage_error(isalpha_ ? "--alpha takes a number in (0, 1), not"
                                            : "--min-change takes a percentage >= 0, not",
                                   argv[i]);
            }
            if (isalpha_)
                th.alpha = v;
            else
                th.min_change = v;
        } else if (!strcmp(a, "--all")) {
            all = true;
        } else if (a[0] != '-' && !dbpath) {
            dbpath = a;
        } else {
            free(allow);
            return usage_error("unknown or incomplete argument", a);
        }
    }
    bool variant_mode = base_variant != NULL;
    if (variant_mode ? (!dbpath || bpath || cpath) : (!bpath || !cpath || dbpath)) {
        free(allow);
        return usage_error(variant_mode ? "--baseline-variant takes one database: compare DB "
                                          "--baseline-variant NAME"
                                        : "give --baseline DB and --candidate DB, or DB "
                                          "--baseline-variant NAME",
                           NULL);
    }

    side b = {.path = variant_mode ? dbpath : bpath}, c = {.path = variant_mode ? dbpath : cpath};
    cs_err err = {0};
    if (variant_mode) {
        side whole = {.path = dbpath};
        rc = read_side(&whole, experiment, &err);
        if (!rc)
            split_variants(&whole, base_variant, &b, &c);
        free_side(&whole);
        if (!rc && b.n == 0)
            rc = cs_errf(&err, CS_USAGE, "%s has no finished runs of variant '%s'%s%s", dbpath,
                         base_variant, experiment ? " in experiment " : "",
                         experiment ? experiment : "");
    } else {
        rc = read_side(&b, experiment, &err);
        if (!rc)
            rc = read_side(&c, experiment, &err);
    }
    if (rc) {
        fprintf(stderr, "cachestorm compare: %s\n", err.msg);
        free_side(&b);
        free_side(&c);
        free(allow);
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
                b.path, c.path, experiment ? " for experiment " : "", experiment ? experiment : "");
        free(sc);
        free_side(&b);
        free_side(&c);
        free(allow);
        return CS_USAGE;
    }
    rc = check_same_setup(&b, &c, sc, nsc, !variant_mode, allow, nallow, &err);
    free(allow);
    if (rc) {
        fprintf(stderr, "cachestorm compare: %s\n", err.msg);
        free(sc);
        free_side(&b);
        free_side(&c);
        return rc;
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
            int64_t *sdb, *sdc;
            size_t nb = values(&b, sc[s].b, names[m], &xb, &sdb);
            size_t nc = values(&c, sc[s].c, names[m], &xc, &sdc);
            sc[s].nb = nb > sc[s].nb ? nb : sc[s].nb;
            sc[s].nc = nc > sc[s].nc ? nc : sc[s].nc;
            cs_grow((void **)&rows, &rcap, nr + 1, sizeof *rows);
            crow *r = &rows[nr++];
            memset(r, 0, sizeof *r);
            r->scen = s;
            r->metric = names[m];
            judge(r, xb, sdb, nb, xc, sdc, nc, &th);
            nworse += r->v == V_WORSE;
            nbetter += r->v == V_BETTER;
            free(xb);
            free(xc);
            free(sdb);
            free(sdc);
        }
        free(names);
    }

    if (!strcmp(format, "tsv")) {
        print_tsv(sc, rows, nr);
    } else if (!strcmp(format, "json")) {
        print_json(&b, &c, sc, rows, nr, th.alpha, nworse, nbetter);
    } else {
        print_table(&b, &c, sc, nsc, rows, nr, all, &th, base_variant);
        printf("\n%s: %zu metric%s worse (significant and at least %g%%), %zu better, across %zu "
               "scenario%s",
               nworse ? "WORSE" : "OK", nworse, nworse == 1 ? "" : "s", th.min_change, nbetter, nsc,
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
