/* experiment.c — experiment files → scenarios and runs, and the executor
 * that runs them (see experiment.h).  The config trees come from
 * sim/config's exported tree steps; each run's config is built by
 * config_from_tree, so validation, defaults and messages are the config's.
 * The executor skips runs already done in the store (same identity) and
 * runs the others in the process pool of sim/run/pool.c (one child per run,
 * one pipe per child for its result; each child opens the store itself).
 * Leaves out: random or adaptive sweeps (tune searches the grid). */
#include "sim/run/experiment.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/run/budget.h"
#include "sim/run/pool.h"
#include "sim/run/runner.h"

/* Limits: an experiment is a grid a person wrote; these catch typos like
 * replications: 1000000 before they fill a disk. */
#define EXP_MAX_RUNS 100000
#define EXP_MAX_JOBS 256

/* The keys an experiment file adds to a config. */
static const char *const exp_keys[] = {"replications", "seeds",     "sweep",
                                       "variants",     "objective", NULL};

static int fail_at(cs_err *err, yt_mark m, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail_at(cs_err *err, yt_mark m, const char *key, const char *fmt, ...)
{
    char where[600], what[600];
    yt_mark_str(m, where, sizeof where);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return cs_errf(err, CS_USAGE, "%s: %s: %s", where, key, what);
}

/* Copy a message into a fixed buffer, cut to fit. */
static void copy_msg(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

/* A small growing string. */
typedef struct sbuf {
    char *s;
    size_t n, cap;
} sbuf;

/* Append printf-style text. */
static void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    cs_grow((void **)&b->s, &b->cap, b->n + (size_t)k + 1, 1);
    va_start(ap, fmt);
    vsnprintf(b->s + b->n, (size_t)k + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)k;
}

/* Compact flow text of a tree (for run names): 5ms, [1, 2], {dist: constant, value: 1ms}. */
static void flow_text(const yt_node *n, sbuf *b)
{
    if (n->kind == YT_SCALAR) {
        sb_add(b, "%s", n->value);
    } else if (n->kind == YT_LIST) {
        sb_add(b, "[");
        for (size_t i = 0; i < n->n; i++) {
            sb_add(b, "%s", i ? ", " : "");
            flow_text(n->items[i], b);
        }
        sb_add(b, "]");
    } else {
        sb_add(b, "{");
        for (size_t i = 0; i < n->n; i++) {
            sb_add(b, "%s%s: ", i ? ", " : "", n->keys[i]);
            flow_text(n->items[i], b);
        }
        sb_add(b, "}");
    }
}

/* A whole number from a scalar node, in [lo, hi]. */
static int get_int(const yt_node *n, const char *key, int64_t lo, int64_t hi, int64_t *out,
                   cs_err *err)
{
    if (!n || n->kind != YT_SCALAR || yt_is_null(n))
        return fail_at(err, n ? n->mark : (yt_mark){"?", 0, 0}, key, "expected a whole number");
    char *end;
    errno = 0;
    long long v = strtoll(n->value, &end, 10);
    if (errno || *end || end == n->value)
        return fail_at(err, n->mark, key, "expected a whole number, found '%s'", n->value);
    if (v < lo || v > hi)
        return fail_at(err, n->mark, key, "%lld is out of range [%lld, %lld]", v, (long long)lo,
                       (long long)hi);
    *out = v;
    return 0;
}

/* ---- loading ------------------------------------------------------------- */

/* Apply a variant's overrides to tree t: a dotted or indexed key sets that
 * path; a plain key merges like a config file would. */
static int apply_variant(yt_node *t, const yt_node *v, const char *vname, cs_err *err)
{
    if (!v || yt_is_null(v))
        return 0;
    if (v->kind != YT_MAP)
        return fail_at(err, v->mark, "variants", "%s: expected a map of overrides", vname);
    for (size_t i = 0; i < v->n; i++) {
        const char *k = v->keys[i];
        if (strchr(k, '.') || strchr(k, '[')) {
            cs_err e2 = {0};
            if (yt_set_path(t, k, v->items[i], &e2))
                return fail_at(err, v->kmarks[i], "variants", "%s: %s: %s", vname, k, e2.msg);
        } else {
            for (int j = 0; exp_keys[j]; j++)
                if (!strcmp(k, exp_keys[j]))
                    return fail_at(err, v->kmarks[i], "variants",
                                   "%s: %s: a variant cannot change the experiment's %s", vname, k,
                                   k);
            yt_node *m = yt_new_map(v->mark.file, v->mark.line, v->mark.col);
            yt_put(m, k, yt_clone(v->items[i]));
            config_tree_merge(t, m);
            yt_free(m);
        }
    }
    return 0;
}

/* Parse the `expect:` of cfg into sc->rules. */
static int parse_rules(exp_scenario *sc, const config *cfg, cs_err *err)
{
    sc->rules = cs_calloc(cfg->expect.n + 1, sizeof *sc->rules);
    for (size_t i = 0; i < cfg->expect.n; i++) {
        const cfg_expect *x = &cfg->expect.v[i];
        char key[32];
        snprintf(key, sizeof key, "expect[%zu]", i);
        int rc = expect_parse(x->text, EXPECT_RULE, x->mark.file, x->mark.line,
                              x->mark.line > 0 ? x->mark.col : 0, key, &sc->rules[i], err);
        if (rc)
            return rc;
        sc->nrules++;
    }
    return 0;
}

/* Parse a rule written as a scalar node of the experiment file. */
static int parse_node_rule(const yt_node *n, int mode, const char *key, expect_rule *out,
                           cs_err *err)
{
    if (!n || n->kind != YT_SCALAR || yt_is_null(n))
        return fail_at(err, n ? n->mark : (yt_mark){"?", 0, 0}, key,
                       "expected an expression, e.g. latency.p99_ms");
    return expect_parse(n->value, mode, n->mark.file, n->mark.line,
                        n->mark.line > 0 ? n->mark.col + (n->quoted ? 1 : 0) : 0, key, out, err);
}

/* objective: {minimize|maximize: EXPR, constraints: [RULE...]} */
static int parse_objective(experiment *e, const yt_node *o, cs_err *err)
{
    if (o->kind != YT_MAP)
        return fail_at(err, o->mark, "objective",
                       "expected {minimize: METRIC} or {maximize: METRIC, constraints: [...]}");
    const yt_node *mn = yt_get(o, "minimize"), *mx = yt_get(o, "maximize");
    for (size_t i = 0; i < o->n; i++)
        if (strcmp(o->keys[i], "minimize") && strcmp(o->keys[i], "maximize") &&
            strcmp(o->keys[i], "constraints"))
            return fail_at(err, o->kmarks[i], "objective",
                           "unknown key '%s' (known: minimize, maximize, constraints)", o->keys[i]);
    if (!!mn == !!mx)
        return fail_at(err, o->mark, "objective", "give exactly one of minimize: or maximize:");
    e->maximize = mx != NULL;
    int rc = parse_node_rule(mx ? mx : mn, EXPECT_VALUE,
                             mx ? "objective.maximize" : "objective.minimize", &e->objective, err);
    if (rc)
        return rc;
    e->has_objective = true;
    const yt_node *c = yt_get(o, "constraints");
    if (c && !yt_is_null(c)) {
        if (c->kind != YT_LIST)
            return fail_at(err, c->mark, "objective.constraints", "expected a list of rules");
        e->constraints = cs_calloc(c->n + 1, sizeof *e->constraints);
        for (size_t i = 0; i < c->n; i++) {
            char key[48];
            snprintf(key, sizeof key, "objective.constraints[%zu]", i);
            if ((rc = parse_node_rule(c->items[i], EXPECT_RULE, key, &e->constraints[i], err)))
                return rc;
            e->nconstraints++;
        }
    }
    return 0;
}

/* The experiment name: the config's name:, else the file name without
 * folder and extension. */
static char *exp_name_of(const yt_node *t, const char *path)
{
    const yt_node *n = yt_get(t, "name");
    if (n && n->kind == YT_SCALAR && !yt_is_null(n))
        return cs_strdup(n->value);
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    char *s = cs_strdup(*b ? b : "experiment");
    char *dot = strrchr(s, '.');
    if (dot && dot != s)
        *dot = 0;
    return s;
}

static int load_tree(yt_node *t, const char *path, const char *const *sets, int nsets,
                     experiment *e, cs_err *err)
{
    int rc = 0;
    e->path = cs_strdup(path);
    e->name = exp_name_of(t, path);
    for (int j = 0; exp_keys[j]; j++)
        e->is_experiment |= yt_get(t, exp_keys[j]) != NULL;

    /* --set replications=N / seeds=[...] are the experiment's own keys: they
     * change the file's before it is read (honoured, never ignored) */
    for (int k = 0; k < nsets && !rc; k++)
        if (!strncmp(sets[k], "replications=", 13) || !strncmp(sets[k], "seeds=", 6))
            rc = config_tree_set(t, sets[k], err);
    if (rc)
        return rc;
    /* replications / seeds */
    const yt_node *rep = yt_get(t, "replications"), *seeds = yt_get(t, "seeds");
    int64_t nrep = 1;
    if (rep && (rc = get_int(rep, "replications", 1, EXP_MAX_RUNS, &nrep, err)))
        return rc;
    if (seeds) {
        if (seeds->kind != YT_LIST || seeds->n == 0)
            return fail_at(err, seeds->mark, "seeds", "expected a list of seeds, e.g. [1, 7, 42]");
        if (rep && (size_t)nrep != seeds->n)
            return fail_at(err, seeds->mark, "seeds",
                           "%zu seeds but replications: %lld; give one or make them agree",
                           seeds->n, (long long)nrep);
        nrep = (int64_t)seeds->n;
        for (size_t i = 0; i < seeds->n; i++) {
            int64_t s;
            char key[32];
            snprintf(key, sizeof key, "seeds[%zu]", i);
            if ((rc = get_int(seeds->items[i], key, 0, INT64_MAX, &s, err)))
                return rc;
        }
    }
    e->replications = (size_t)nrep;

    /* sweep: path -> list (a scalar is a list of one) */
    const yt_node *sw = yt_get(t, "sweep");
    size_t npoints = 1;
    if (sw && !yt_is_null(sw)) {
        if (sw->kind != YT_MAP)
            return fail_at(err, sw->mark, "sweep",
                           "expected a map of config path → list of values, e.g. "
                           "{queue.arrival: [500/s, 900/s]}");
        e->axes = cs_calloc(sw->n + 1, sizeof *e->axes);
        for (size_t i = 0; i < sw->n; i++) {
            const yt_node *vals = sw->items[i];
            if (vals->kind == YT_LIST && vals->n == 0)
                return fail_at(err, vals->mark, "sweep", "%s: an empty list sweeps nothing",
                               sw->keys[i]);
            size_t k = vals->kind == YT_LIST ? vals->n : 1;
            if (npoints * k > EXP_MAX_RUNS)
                return fail_at(err, vals->mark, "sweep", "more than %d sweep points", EXP_MAX_RUNS);
            npoints *= k;
            e->axes[e->naxes++] = cs_strdup(sw->keys[i]);
        }
    }

    /* variants */
    const yt_node *vs = yt_get(t, "variants");
    size_t nvar = 1;
    if (vs && !yt_is_null(vs)) {
        if (vs->kind != YT_MAP || vs->n == 0)
            return fail_at(err, vs->mark, "variants",
                           "expected a map of variant name → overrides, e.g. "
                           "{baseline: {}, locked: {cache.lock.distributed: true}}");
        nvar = vs->n;
        e->nvariants = vs->n;
    }
    if (nvar * npoints * e->replications > EXP_MAX_RUNS)
        return fail_at(err, t->mark, "replications",
                       "%zu variants × %zu sweep points × %zu replications is more than %d runs",
                       nvar, npoints, e->replications, EXP_MAX_RUNS);

    const yt_node *obj = yt_get(t, "objective");
    if (obj && !yt_is_null(obj) && (rc = parse_objective(e, obj, err)))
        return rc;

    /* The base tree without the experiment keys. */
    yt_node *base = yt_clone(t);
    for (int j = 0; exp_keys[j]; j++)
        yt_remove(base, exp_keys[j]);

    e->nsc = nvar * npoints;
    e->sc = cs_calloc(e->nsc, sizeof *e->sc);
    e->nruns = e->nsc * e->replications;
    e->runs = cs_calloc(e->nruns, sizeof *e->runs);
    size_t si = 0;
    for (size_t v = 0; v < nvar && !rc; v++) {
        for (size_t pt = 0; pt < npoints && !rc; pt++, si++) {
            exp_scenario *sc = &e->sc[si];
            yt_node *tree = yt_clone(base);
            sc->vi = v;
            sc->pi = pt;
            if (e->nvariants) {
                sc->variant = cs_strdup(vs->keys[v]);
                if ((rc = apply_variant(tree, vs->items[v], vs->keys[v], err))) {
                    yt_free(tree);
                    break;
                }
            }
            /* The point's coordinates: the last axis varies fastest. */
            sbuf pb = {0};
            sb_add(&pb, "%s", "");
            size_t rest = pt;
            size_t *idx = cs_calloc(e->naxes + 1, sizeof *idx);
            sc->values = cs_calloc(e->naxes + 1, sizeof *sc->values);
            for (size_t a = e->naxes; a-- > 0;) {
                const yt_node *vals = sw->items[a];
                size_t k = vals->kind == YT_LIST ? vals->n : 1;
                idx[a] = rest % k;
                rest /= k;
            }
            for (size_t a = 0; a < e->naxes && !rc; a++) {
                const yt_node *vals = sw->items[a];
                const yt_node *val = vals->kind == YT_LIST ? vals->items[idx[a]] : vals;
                cs_err e2 = {0};
                if (yt_set_path(tree, e->axes[a], val, &e2))
                    rc = fail_at(err, sw->kmarks[a], "sweep", "%s: %s", e->axes[a], e2.msg);
                sb_add(&pb, "%s%s=", a ? ", " : "", e->axes[a]);
                flow_text(val, &pb);
                sbuf vb = {0};
                flow_text(val, &vb);
                sc->values[a] = vb.s;
            }
            free(idx);
            sc->point = pb.s;
            for (int k = 0; k < nsets && !rc; k++)
                rc = config_tree_set(tree, sets[k], err);
            if (rc) {
                yt_free(tree);
                break;
            }
            config cfg;
            rc = config_from_tree(tree, CONFIG_ALLOW_EXPERIMENT_KEYS, &cfg, err);
            yt_free(tree); /* rebuilt by scenario_tree when a run needs it */
            if (rc) {
                if (sc->variant || *sc->point) {
                    /* Say which scenario the error belongs to. */
                    sbuf m = {0};
                    sb_add(&m, "%s (in %s%s%s%s%s)", err->msg, sc->variant ? "variant " : "",
                           sc->variant ? sc->variant : "", sc->variant && *sc->point ? ", " : "",
                           *sc->point ? "sweep " : "", sc->point);
                    copy_msg(err->msg, sizeof err->msg, m.s);
                    free(m.s);
                }
                break;
            }
            if (si == 0 && cfg.deprecated[0]) /* once per file (sim/config/config_kinds.c) */
                fprintf(stderr, "%s: note: former names, read for schema 1 only (use the new ones): %s\n",
                        path, cfg.deprecated);
            sbuf nb = {0};
            sb_add(&nb, "%s%s%s", e->name, *sc->point ? " " : "", sc->point);
            sc->name = nb.s;
            rc = parse_rules(sc, &cfg, err);
            sc->first = si * e->replications;
            sc->nruns = e->replications;
            for (size_t r = 0; r < e->replications && !rc; r++) {
                exp_run *run = &e->runs[sc->first + r];
                run->scenario = si;
                run->rep = r;
                int64_t s = cfg.seed + (int64_t)r;
                if (seeds)
                    get_int(seeds->items[r], "seeds", 0, INT64_MAX, &s, err);
                run->seed = s;
            }
            config_free(&cfg);
        }
    }
    e->base_tree = base;
    e->variants_tree = vs && !yt_is_null(vs) ? yt_clone(vs) : NULL;
    e->sweep_tree = sw && !yt_is_null(sw) ? yt_clone(sw) : NULL;
    e->nsets = nsets;
    e->sets = cs_calloc((size_t)nsets + 1, sizeof *e->sets);
    for (int k = 0; k < nsets; k++)
        e->sets[k] = cs_strdup(sets[k]);
    return rc;
}

/* Scenario si's config tree, built from the shared base as load_tree built
 * (and validated) it: the variant's overrides, the point's sweep values, the
 * --set overrides. */
static int scenario_tree(const experiment *e, size_t si, yt_node **out, cs_err *err)
{
    const exp_scenario *sc = &e->sc[si];
    yt_node *t = yt_clone(e->base_tree);
    int rc = 0;
    if (e->variants_tree)
        rc = apply_variant(t, e->variants_tree->items[sc->vi], e->variants_tree->keys[sc->vi], err);
    size_t rest = sc->pi;
    for (size_t a = e->naxes; a-- > 0 && !rc;) {
        const yt_node *vals = e->sweep_tree->items[a];
        size_t k = vals->kind == YT_LIST ? vals->n : 1;
        const yt_node *val = vals->kind == YT_LIST ? vals->items[rest % k] : vals;
        rest /= k;
        cs_err e2 = {0};
        if (yt_set_path(t, e->axes[a], val, &e2))
            rc = cs_errf(err, CS_USAGE, "sweep: %s: %s", e->axes[a], e2.msg);
    }
    for (int k = 0; k < e->nsets && !rc; k++)
        rc = config_tree_set(t, e->sets[k], err);
    if (rc) {
        yt_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

int exp_load(const char *path, const char *const *sets, int nsets, experiment *out, cs_err *err)
{
    memset(out, 0, sizeof *out);
    yt_node *t;
    int rc = config_tree_load(path, &t, err);
    if (rc)
        return rc;
    rc = load_tree(t, path, sets, nsets, out, err);
    yt_free(t);
    if (rc)
        exp_free(out);
    return rc;
}

int exp_load_string(const char *text, const char *name, const char *const *sets, int nsets,
                    experiment *out, cs_err *err)
{
    memset(out, 0, sizeof *out);
    yt_node *t;
    int rc = config_tree_from_string(text, name, &t, err);
    if (rc)
        return rc;
    rc = load_tree(t, name, sets, nsets, out, err);
    yt_free(t);
    if (rc)
        exp_free(out);
    return rc;
}

void exp_free(experiment *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->nsc; i++) {
        exp_scenario *sc = &e->sc[i];
        free(sc->variant);
        free(sc->point);
        for (size_t a = 0; sc->values && a < e->naxes; a++)
            free(sc->values[a]);
        free(sc->values);
        free(sc->name);
        yt_free(sc->tree);
        for (size_t r = 0; r < sc->nrules; r++)
            expect_rule_free(&sc->rules[r]);
        free(sc->rules);
    }
    free(e->sc);
    free(e->runs);
    for (size_t i = 0; i < e->naxes; i++)
        free(e->axes[i]);
    free(e->axes);
    expect_rule_free(&e->objective);
    for (size_t i = 0; i < e->nconstraints; i++)
        expect_rule_free(&e->constraints[i]);
    free(e->constraints);
    free(e->path);
    free(e->name);
    yt_free(e->base_tree);
    yt_free(e->variants_tree);
    yt_free(e->sweep_tree);
    for (int k = 0; e->sets && k < e->nsets; k++)
        free(e->sets[k]);
    free(e->sets);
    memset(e, 0, sizeof *e);
}

int exp_check_budget(const experiment *e, cs_err *err)
{
    for (size_t s = 0; s < e->nsc; s++) {
        if (e->sc[s].nruns == 0)
            continue;
        config cfg;
        int rc = exp_run_config(e, e->sc[s].first, &cfg, err);
        if (rc)
            return rc;
        cs_err be = {0};
        rc = budget_check(&cfg, e->max_memory, &be);
        config_free(&cfg);
        if (rc)
            return cs_errf(err, rc, "%s: scenario '%s': %s", e->path, e->sc[s].name, be.msg);
    }
    return CS_OK;
}

int exp_run_config(const experiment *e, size_t i, config *out, cs_err *err)
{
    assert(i < e->nruns);
    const exp_run *run = &e->runs[i];
    const exp_scenario *sc = &e->sc[run->scenario];
    yt_node *t;
    int brc = scenario_tree(e, run->scenario, &t, err);
    if (brc)
        return brc;
    char seed[32];
    snprintf(seed, sizeof seed, "%" PRId64, run->seed);
    yt_node *sv = yt_new_scalar(seed, "--seed", 0, 0);
    cs_err e2 = {0};
    int rc = yt_set_path(t, "seed", sv, &e2);
    yt_free(sv);
    if (rc) {
        yt_free(t);
        return cs_errf(err, CS_USAGE, "seed: %s", e2.msg);
    }
    rc = config_from_tree(t, CONFIG_ALLOW_EXPERIMENT_KEYS, out, err);
    yt_free(t);
    if (rc)
        return rc;
    free(out->name);
    out->name = cs_strdup(sc->name);
    out->path = cs_strdup(e->path);
    return 0;
}

/* ---- reading results ------------------------------------------------------ */

int exp_read_metrics(sqlite3 *db, int64_t run_id, run_rows *rows, cs_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT node, name, value FROM metrics WHERE run_id = ? ORDER BY rowid",
                           -1, &st, NULL) != SQLITE_OK)
        return cs_errf(err, CS_IO, "%s: reading metrics: %s", sqlite3_db_filename(db, "main"),
                       sqlite3_errmsg(db));
    sqlite3_bind_int64(st, 1, run_id);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        int node = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 0);
        const char *name = (const char *)sqlite3_column_text(st, 1);
        if (sqlite3_column_type(st, 2) == SQLITE_NULL)
            rows_metric_null(rows, node, name);
        else
            rows_metric(rows, node, name, sqlite3_column_double(st, 2));
    }
    sqlite3_finalize(st);
    if (s != SQLITE_DONE)
        return cs_errf(err, CS_IO, "%s: reading metrics of run %" PRId64 ": %s",
                       sqlite3_db_filename(db, "main"), run_id, sqlite3_errmsg(db));
    return 0;
}

const run_rows **exp_scenario_rows(const experiment *e, size_t s, const exp_result *res, size_t *n)
{
    const exp_scenario *sc = &e->sc[s];
    const run_rows **v = cs_calloc(sc->nruns + 1, sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < sc->nruns; i++)
        if (res[sc->first + i].rc == 0)
            v[k++] = &res[sc->first + i].rows;
    *n = k;
    return v;
}

int exp_results_status(const exp_result *res, size_t n)
{
    int rc = CS_OK;
    for (size_t i = 0; i < n; i++)
        if (res[i].rc == CS_USAGE)
            return CS_USAGE;
        else if (res[i].rc)
            rc = CS_IO;
    return rc;
}

void exp_results_free(exp_result *res, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rows_free(&res[i].rows);
}

/* ---- execution -------------------------------------------------------------- */

/* Run i into st; fills r (without its rows). */
static void run_one(const experiment *e, size_t i, store *st, exp_result *r)
{
    config cfg;
    cs_err err = {0};
    r->rc = exp_run_config(e, i, &cfg, &err);
    if (r->rc) {
        copy_msg(r->msg, sizeof r->msg, err.msg);
        return;
    }
    run_rows rows = {0};
    run_opts o = {.experiment = e->name, .variant = e->sc[e->runs[i].scenario].variant,
                  .max_memory = e->max_memory};
    r->rc = runner_run(st, &cfg, &o, &r->run_id, &rows, &err);
    if (r->rc)
        copy_msg(r->msg, sizeof r->msg, err.msg);
    rows_free(&rows);
    config_free(&cfg);
}

/* The pool's context: the experiment, the database, the results. */
typedef struct exec_ctx {
    const experiment *e;
    const char *db;
    size_t *todo; /* run index of each pool job */
    exp_result *res;
    pid_t *mute; /* children that died without a word (their rows stay 'running') */
    int *mute_sig;
    size_t nmute;
    size_t ended;
    const exp_exec_opts *o;
    exp_exec_summary *sum;
} exec_ctx;

/* In the child: open the store, run, report. */
static void exec_child(void *vctx, size_t job, pool_msg *m)
{
    exec_ctx *c = vctx;
    exp_result r = {0};
    store *st;
    cs_err err = {0};
    if (store_open(c->db, &st, &err)) {
        r.rc = err.code ? err.code : CS_IO;
        copy_msg(r.msg, sizeof r.msg, err.msg);
    } else {
        run_one(c->e, c->todo[job], st, &r);
        store_close(st);
    }
    m->rc = r.rc;
    m->run_id = r.run_id;
    copy_msg(m->msg, sizeof m->msg, r.msg);
}

/* In the parent: one run ended. */
static void exec_end(void *vctx, size_t job, const pool_end *pe)
{
    exec_ctx *c = vctx;
    exp_result *r = &c->res[c->todo[job]];
    r->rc = pe->m.rc;
    r->run_id = pe->m.run_id;
    copy_msg(r->msg, sizeof r->msg, pe->m.msg);
    if (!pe->spoke) {
        c->mute[c->nmute] = pe->pid;
        c->mute_sig[c->nmute++] = pe->signal;
    }
    if (r->rc == 0)
        c->sum->finished++;
    else
        c->sum->failed++;
    ++c->ended;
    if (c->o->progress)
        c->o->progress(c->o->progress_arg ? c->o->progress_arg : c->o->arg, c->ended,
                       c->sum->total - c->sum->skipped);
}

/* In the parent: a second without a run ending. */
static void exec_tick(void *vctx)
{
    exec_ctx *c = vctx;
    if (c->o->progress)
        c->o->progress(c->o->progress_arg ? c->o->progress_arg : c->o->arg, c->ended,
                       c->sum->total - c->sum->skipped);
}

/* Find the runs already done; fill res[i].skipped / run_id. */
static int find_done(const experiment *e, store *st, exp_result *res, size_t *n, cs_err *err)
{
    *n = 0;
    for (size_t i = 0; i < e->nruns; i++) {
        config cfg;
        cs_err e2 = {0};
        if (exp_run_config(e, i, &cfg, &e2))
            continue; /* the run itself will report it */
        char hash[17];
        run_info ri;
        run_opts ro = {.experiment = e->name, .variant = e->sc[e->runs[i].scenario].variant};
        runner_identity(&cfg, &ro, hash, &ri);
        int64_t id = 0;
        int rc = store_find_done(st, &ri, &id, err);
        config_free(&cfg);
        if (rc)
            return rc;
        if (id) {
            res[i].skipped = true;
            res[i].run_id = id;
            (*n)++;
        }
    }
    return CS_OK;
}

void exp_interrupt_message(const exp_exec_summary *sum, char *buf, size_t cap)
{
    size_t done = sum->skipped + sum->finished;
    size_t left = sum->total - done;
    snprintf(buf, cap,
             "interrupted by %s: %zu of %zu runs are done (%zu finished now, %zu were done "
             "before), %zu not finished; run the same command again to finish them (done runs "
             "are skipped)",
             sum->signal == SIGTERM ? "SIGTERM" : "SIGINT", done, sum->total, sum->finished,
             sum->skipped, left);
}

void exp_notice_stderr(void *label, const char *msg)
{
    fprintf(stderr, "%s: %s\n", label ? (const char *)label : "cachestorm", msg);
}

static int execute(const experiment *e, const char *db, const exp_exec_opts *o, exp_result *res,
                   exp_exec_summary *sum, cs_err *err);

int exp_execute_opts(const experiment *e, const char *db, const exp_exec_opts *o, exp_result *res,
                     exp_exec_summary *sum, cs_err *err)
{
    /* SIGINT / SIGTERM wait (blocked) until the pool can answer them: one
     * that comes while the store is read before or after the runs is not
     * lost and does not kill the process without a word. */
    struct sigaction si, st;
    sigaction(SIGINT, NULL, &si);
    sigaction(SIGTERM, NULL, &st);
    sigset_t ss, prev;
    sigemptyset(&ss);
    if (si.sa_handler != SIG_IGN)
        sigaddset(&ss, SIGINT);
    if (st.sa_handler != SIG_IGN)
        sigaddset(&ss, SIGTERM);
    sigprocmask(SIG_BLOCK, &ss, &prev);
    int rc = execute(e, db, o, res, sum, err);
    if (!sum->signal) {
        /* One that came after the pool: the runs are all ended; answer it
         * as an interruption all the same (the user asked to stop). */
        sigset_t pend;
        sigpending(&pend);
        int sig = sigismember(&ss, SIGINT) && sigismember(&pend, SIGINT)     ? SIGINT
                  : sigismember(&ss, SIGTERM) && sigismember(&pend, SIGTERM) ? SIGTERM
                                                                             : 0;
        if (sig) {
            struct timespec zero = {0, 0};
            sigset_t one;
            sigemptyset(&one);
            sigaddset(&one, sig);
            sigtimedwait(&one, NULL, &zero);
            sum->signal = sig;
            exp_interrupt_message(sum, err->msg, sizeof err->msg);
            err->code = 128 + sig;
            rc = err->code;
        }
    }
    sigprocmask(SIG_SETMASK, &prev, NULL);
    return rc;
}

static int execute(const experiment *e, const char *db, const exp_exec_opts *o, exp_result *res,
                   exp_exec_summary *sum, cs_err *err)
{
    memset(res, 0, e->nruns * sizeof *res);
    memset(sum, 0, sizeof *sum);
    sum->total = e->nruns;
    int jobs = o->jobs < 1 ? 1 : o->jobs > EXP_MAX_JOBS ? EXP_MAX_JOBS : o->jobs;
    /* Open (and create or migrate) the store here first: the schema is made
     * once, and an unwritable database is one error, not one per run. */
    store *st;
    int rc = store_open(db, &st, err);
    if (rc)
        return rc;
    if ((rc = store_mark_abandoned(st, -1, &sum->abandoned, err)) ||
        (!o->rerun && (rc = find_done(e, st, res, &sum->skipped, err)))) {
        store_close(st);
        return rc;
    }
    store_close(st);
    char note[256];
    if (o->notice && sum->abandoned) {
        snprintf(note, sizeof note,
                 "%zu run%s left 'running' by a process that is gone marked abandoned "
                 "(cachestorm prune %s removes them)",
                 sum->abandoned, sum->abandoned == 1 ? "" : "s", db);
        o->notice(o->arg, note);
    }
    if (o->notice && sum->skipped) {
        snprintf(note, sizeof note, "%zu of %zu runs already done in %s, running %zu%s",
                 sum->skipped, e->nruns, db, e->nruns - sum->skipped, " (--rerun runs them again)");
        o->notice(o->arg, note);
    }

    exec_ctx c = {.e = e, .db = db, .res = res, .o = o, .sum = sum};
    c.todo = cs_calloc(e->nruns + 1, sizeof *c.todo);
    c.mute = cs_calloc(e->nruns + 1, sizeof *c.mute);
    c.mute_sig = cs_calloc(e->nruns + 1, sizeof *c.mute_sig);
    size_t ntodo = 0;
    for (size_t i = 0; i < e->nruns; i++)
        if (!res[i].skipped)
            c.todo[ntodo++] = i;
    size_t started = 0;
    rc = pool_run_tick(ntodo, jobs, exec_child, exec_end, exec_tick, &c, &started, &sum->signal,
                       err);
    /* Runs that never started (interrupted, or fork failed). */
    for (size_t k = started; k < ntodo; k++) {
        exp_result *r = &res[c.todo[k]];
        r->rc = CS_IO;
        copy_msg(r->msg, sizeof r->msg,
                 sum->signal ? "not run (interrupted)" : "not run (the process pool failed)");
        sum->not_run++;
    }
    /* Children that died without a word left their run 'running': say what
     * became of it while this process still knows. */
    int rc2 = CS_OK;
    cs_err e2 = {0};
    if (c.nmute && (rc2 = store_open(db, &st, &e2)) == CS_OK) {
        for (size_t k = 0; k < c.nmute && !rc2; k++) {
            bool intr = sum->signal || c.mute_sig[k] == SIGINT || c.mute_sig[k] == SIGTERM;
            char why[96];
            if (intr)
                snprintf(why, sizeof why, "interrupted by %s",
                         sum->signal == SIGTERM || c.mute_sig[k] == SIGTERM ? "SIGTERM" : "SIGINT");
            else
                snprintf(why, sizeof why, "its process was killed by signal %d (%s)", c.mute_sig[k],
                         c.mute_sig[k] ? strsignal(c.mute_sig[k]) : "none");
            rc2 = store_end_process_runs(st, c.mute[k], intr ? "interrupted" : "failed", why, NULL,
                                         &e2);
        }
        store_close(st);
    }
    free(c.todo);
    free(c.mute);
    free(c.mute_sig);
    if (rc)
        return rc;
    if (sum->signal) {
        /* Count from the store: a child killed between its COMMIT and its
         * message finished its run although it never said so. */
        exp_result *scratch = cs_calloc(e->nruns + 1, sizeof *scratch);
        size_t done = 0;
        if (store_open_readonly(db, &st, &e2) == CS_OK) {
            if (find_done(e, st, scratch, &done, &e2) == CS_OK && done >= sum->skipped)
                sum->finished = done - sum->skipped;
            store_close(st);
        }
        free(scratch);
        exp_interrupt_message(sum, err->msg, sizeof err->msg);
        err->code = 128 + sum->signal;
        return err->code;
    }
    if ((rc = store_open_readonly(db, &st, err)))
        return rc;
    for (size_t i = 0; i < e->nruns && !rc; i++)
        if (res[i].rc == 0)
            rc = exp_read_metrics(store_db(st), res[i].run_id, &res[i].rows, err);
    store_close(st);
    return rc;
}

int exp_execute(const experiment *e, const char *db, int jobs, exp_progress progress, void *arg,
                exp_result *res, cs_err *err)
{
    exp_exec_opts o = {.jobs = jobs, .progress = progress, .arg = arg, .notice = exp_notice_stderr};
    exp_exec_summary sum;
    return exp_execute_opts(e, db, &o, res, &sum, err);
}

int exp_default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > EXP_MAX_JOBS ? EXP_MAX_JOBS : (int)n;
}

void exp_progress_line(void *label, size_t done, size_t total)
{
    if (!isatty(STDERR_FILENO))
        return;
    if (done < total)
        fprintf(stderr, "\r%s: %zu/%zu runs (%zu%%)", (const char *)label, done, total,
                total ? done * 100 / total : 100);
    else
        fprintf(stderr, "\r\033[K");
    fflush(stderr);
}
