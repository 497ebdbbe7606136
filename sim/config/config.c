/* config.c — merged YAML tree → typed config, driven by the key table.
 *
 * Walks the key table (config_schema.c): every key present in the tree is
 * parsed and range-checked, every key absent gets its default (itself config
 * text, parsed the same way) or the value of the key it inherits from, and
 * every key in the tree that the table does not know is an error with a
 * "did you mean".  Then the rules across keys (config_check.c).  Files,
 * `base:` and `--set`: config_load.c.  Printing, params, hash and the key
 * reference: config_print.c.  Scalar syntax: config_value.c.
 */
#include "sim/config/config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/config/config_schema.h"

_Static_assert(offsetof(cfg_group, count) == offsetof(cfg_nodes, count), "group layout");
_Static_assert(offsetof(cfg_group, cache_name) == offsetof(cfg_nodes, cache_name), "group layout");
_Static_assert(offsetof(cfg_group, workers) == offsetof(cfg_nodes, workers), "group layout");
_Static_assert(sizeof(cfg_model) == sizeof(int), "enums are int-sized");

int cfg_pathf(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, cap, fmt, ap);
    va_end(ap);
    return n;
}

int cfg_fail(cfg_ctx *cx, yt_mark m, const char *path, const char *fmt, ...)
{
    char where[600], msg[700];
    yt_mark_str(m, where, sizeof where);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (path && *path)
        cs_errf(cx->err, CS_USAGE, "%s: %s: %s", where, path, msg);
    else
        cs_errf(cx->err, CS_USAGE, "%s: %s", where, msg);
    if (!cx->collect)
        return CS_USAGE;
    size_t have = cx->errs ? strlen(cx->errs) : 0, add = strlen(cx->err->msg);
    cx->errs = cs_realloc(cx->errs, have + add + 2);
    snprintf(cx->errs + have, add + 2, "%s%s", have ? "\n" : "", cx->err->msg);
    cx->nerr++;
    return CS_USAGE;
}

/* An error line's place in its file: "file:LINE:COL: ..." (0, 0 without). */
typedef struct err_line {
    const char *text;
    size_t len, flen; /* the line; its file name (up to the first ':') */
    long line, col;
    int order;
} err_line;

static int err_line_cmp(const void *pa, const void *pb)
{
    const err_line *a = pa, *b = pb;
    size_t fl = a->flen < b->flen ? a->flen : b->flen;
    int fc = memcmp(a->text, b->text, fl);
    if (fc || a->flen != b->flen)
        return fc ? fc : a->flen < b->flen ? -1 : 1;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->col != b->col)
        return a->col < b->col ? -1 : 1;
    return a->order - b->order;
}

/* Sort the lines of cx->errs by file, line and column (they come in schema
 * order; a reader fixes a file top to bottom). */
static void sort_errs(cfg_ctx *cx)
{
    err_line *v = cs_calloc((size_t)cx->nerr + 1, sizeof *v);
    int n = 0;
    for (const char *p = cx->errs; p && *p && n < cx->nerr;) {
        size_t len = strcspn(p, "\n");
        const char *c = memchr(p, ':', len);
        char *end = NULL;
        long line = c ? strtol(c + 1, &end, 10) : 0, col = 0;
        if (!c || end == c + 1 || *end != ':')
            line = 0;
        else
            col = strtol(end + 1, NULL, 10);
        v[n] = (err_line){p, len, c ? (size_t)(c - p) : len, line, col, n};
        n++;
        p += len + (p[len] == '\n');
    }
    qsort(v, (size_t)n, sizeof *v, err_line_cmp);
    size_t total = strlen(cx->errs) + 1, used = 0;
    char *out = cs_malloc(total + 1);
    for (int i = 0; i < n; i++)
        used += (size_t)snprintf(out + used, total + 1 - used, "%s%.*s", i ? "\n" : "",
                                 (int)v[i].len, v[i].text);
    free(v);
    free(cx->errs);
    cx->errs = out;
}

/* Every error of the pass into err, top to bottom: as many whole lines as
 * fit, then how many more there are. */
static void report_all(cfg_ctx *cx)
{
    if (cx->nerr > 1) {
        sort_errs(cx);
        cs_err *e = cx->err;
        size_t cap = sizeof e->msg - 48, used = 0;
        int shown = 0;
        e->msg[0] = 0;
        for (const char *line = cx->errs; line && *line && shown < cx->nerr;) {
            size_t len = strcspn(line, "\n");
            if (used + len + 1 > cap)
                break;
            used += (size_t)snprintf(e->msg + used, sizeof e->msg - used, "%s%.*s",
                                     shown ? "\n" : "", (int)len, line);
            shown++;
            line += len + (line[len] == '\n');
        }
        if (shown < cx->nerr)
            snprintf(e->msg + used, sizeof e->msg - used, "\n(and %d more errors)",
                     cx->nerr - shown);
        e->code = CS_USAGE;
    }
    free(cx->errs);
    cx->errs = NULL;
}

const yt_mark cfg_default_mark = {(char *)"(defaults)", 0, 0};

/* Join a key path and a name ("a.b" + "c" → "a.b.c"). */
static void join(char *out, size_t cap, const char *path, const char *name)
{
    if (path && *path)
        cfg_pathf(out, cap, "%s.%s", path, name);
    else
        cfg_pathf(out, cap, "%s", name);
}

/* ---- the schema as a searchable tree ---------------------------------- */

static const cfg_key *find_in(const cfg_section *s, const char *path)
{
    char name[128];
    size_t n = strcspn(path, ".[");
    if (n >= sizeof name)
        return NULL;
    memcpy(name, path, n);
    name[n] = 0;
    const char *rest = path + n;
    while (*rest == '[') { /* skip list indexes */
        const char *e = strchr(rest, ']');
        if (!e)
            return NULL;
        rest = e + 1;
    }
    for (size_t i = 0; i < s->nkeys; i++) {
        const cfg_key *k = &s->keys[i];
        if (strcmp(k->name, name))
            continue;
        if (!*rest)
            return k;
        if (*rest == '.' && k->sub)
            return find_in(k->sub, rest + 1);
        return NULL;
    }
    return NULL;
}

const cfg_key *cfg_find_key(const char *path)
{
    return find_in(&cfg_root_section, path);
}

/* Collect the full paths of keys named `name` (first one into buf). */
static void find_name(const cfg_section *s, const char *prefix, const char *name, char *buf,
                      size_t cap, int *count, int depth)
{
    if (depth > 8)
        return;
    for (size_t i = 0; i < s->nkeys; i++) {
        char p[300];
        cfg_pathf(p, sizeof p, "%s%s%s", prefix, *prefix ? "." : "", s->keys[i].name);
        if (!strcmp(s->keys[i].name, name) && (*count)++ == 0)
            snprintf(buf, cap, "%s", p);
        if (s->keys[i].sub) {
            if (s->keys[i].type == CK_LIST)
                strncat(p, "[]", sizeof p - strlen(p) - 1);
            find_name(s->keys[i].sub, p, name, buf, cap, count, depth + 1);
        }
    }
}

int cfg_find_by_name(const char *name, char *buf, size_t cap)
{
    int count = 0;
    find_name(&cfg_root_section, "", name, buf, cap, &count, 0);
    return count;
}

/* ---- shorthands --------------------------------------------------------- */

/* `workers: unbounded` → {min: unbounded, max: unbounded}. */
yt_node *cfg_shorthand_workers(const yt_node *n, cs_err *err)
{
    if (n->kind == YT_SCALAR && !strcmp(n->value, "unbounded")) {
        yt_node *m = yt_new_map(n->mark.file, n->mark.line, n->mark.col);
        yt_put(m, "min", yt_new_scalar("unbounded", n->mark.file, n->mark.line, n->mark.col));
        yt_put(m, "max", yt_new_scalar("unbounded", n->mark.file, n->mark.line, n->mark.col));
        return m;
    }
    cs_errf(err, CS_USAGE, "expected {min, injection, max} or unbounded");
    return NULL;
}

/* ---- values ------------------------------------------------------------- */

static int parse_section(cfg_ctx *cx, const cfg_section *s, const yt_node *map, yt_mark at,
                         char *base, const char *path);

/* Store v in the int-sized enum / int64 field at p. */
static void put_i64(void *p, int64_t v)
{
    memcpy(p, &v, sizeof v);
}
static void put_enum(void *p, int v)
{
    memcpy(p, &v, sizeof v);
}

/* Words a numeric key may accept instead of a number. */
static bool word_value(const cfg_key *k, const char *s, int64_t *v)
{
    if ((k->flags & CF_NONE) && !strcmp(s, "none"))
        return *v = INT64_MAX, true;
    if ((k->flags & CF_UNBOUNDED) && !strcmp(s, "unbounded"))
        return *v = INT64_MAX, true;
    if ((k->flags & CF_ALL) && !strcmp(s, "all"))
        return *v = -1, true;
    return false;
}

static void format_bound(const cfg_key *k, double b, char *buf, size_t cap)
{
    if (k->type == CK_DURATION)
        config_format_duration((sim_ns)b, buf, cap);
    else if (k->type == CK_RATE)
        cfg_format_rate(b, buf, cap);
    else if (k->type == CK_SIZE)
        cfg_format_size((int64_t)b, buf, cap);
    else
        cfg_format_double(b, buf, cap);
}

/* Check v against k's range; message like "must be > 0s". */
static int check_range(cfg_ctx *cx, const cfg_key *k, double v, yt_mark m, const char *path,
                       const char *text)
{
    if (k->flags & CF_NORANGE)
        return 0;
    if ((k->flags & CF_OFF_ZERO) && v == 0)
        return 0;
    bool lo_ok = (k->flags & CF_MIN_OPEN) ? v > k->min : v >= k->min;
    bool hi_ok = k->max >= 9.0e18 || ((k->flags & CF_MAX_OPEN) ? v < k->max : v <= k->max);
    if (lo_ok && hi_ok)
        return 0;
    char lo[64], hi[64];
    format_bound(k, k->min, lo, sizeof lo);
    format_bound(k, k->max, hi, sizeof hi);
    if (!lo_ok)
        return cfg_fail(cx, m, path, "%.80s is out of range: must be %s %s", text,
                        (k->flags & CF_MIN_OPEN) ? ">" : ">=", lo);
    return cfg_fail(cx, m, path, "%.80s is out of range: must be %s %s", text,
                    (k->flags & CF_MAX_OPEN) ? "<" : "<=", hi);
}

const char *cfg_kind_word(const yt_node *n)
{
    return n->kind == YT_MAP ? "a map" : n->kind == YT_LIST ? "a list" : "a value";
}

/* Require n to be a non-null scalar; else an error saying what was expected. */
static int need_scalar(cfg_ctx *cx, const yt_node *n, const char *path, const char *what)
{
    if (n->kind != YT_SCALAR)
        return cfg_fail(cx, n->mark, path, "expected %s, found %s", what, cfg_kind_word(n));
    if (yt_is_null(n))
        return cfg_fail(cx, n->mark, path, "needs a value (%s)", what);
    return 0;
}

/* Re-prefix a value parser's message with mark and path. */
static int value_fail(cfg_ctx *cx, const yt_node *n, const char *path)
{
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", cx->err->msg);
    return cfg_fail(cx, n->mark, path, "%s", msg);
}

static int enum_fail(cfg_ctx *cx, const yt_node *n, const char *path, const char *const *names,
                     const char *what)
{
    char list[512] = "";
    size_t cnt = 0;
    for (; names[cnt]; cnt++) {
        if (cnt)
            strncat(list, ", ", sizeof list - strlen(list) - 1);
        strncat(list, names[cnt], sizeof list - strlen(list) - 1);
    }
    const char *near = cs_closest(n->value, names, cnt);
    if (near)
        return cfg_fail(cx, n->mark, path, "unknown %s '%.80s'; did you mean '%s'? (one of: %s)",
                        what, n->value, near, list);
    return cfg_fail(cx, n->mark, path, "unknown %s '%.80s' (one of: %s)", what, n->value, list);
}

/* A growing text (a distribution's canonical form: an empirical one has
 * as many points as its file gives, issue 16: no fixed buffer). */
typedef struct dtext {
    char *s;
    size_t n, cap;
} dtext;

__attribute__((format(printf, 2, 3))) static void dt_add(dtext *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    cs_grow((void **)&b->s, &b->cap, b->n + (size_t)k + 1, 1);
    va_start(ap, fmt);
    vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
    b->n += (size_t)k;
}

/* A distribution: `{dist: KIND, KEY: VALUE, ...}` with duration-valued
 * scaled keys, or a plain duration meaning constant. */
static int parse_dist_text(cfg_ctx *cx, const yt_node *n, const char *path, cfg_dist *out,
                           dtext *text)
{
    if (n->kind == YT_SCALAR) {
        if (need_scalar(cx, n, path, "a duration or {dist: KIND, ...}"))
            return CS_USAGE;
        sim_ns v;
        if (config_parse_duration(n->value, &v, cx->err))
            return value_fail(cx, n, path);
        if (v == SIM_NEVER || v < 0)
            return cfg_fail(cx, n->mark, path, "a constant time must be >= 0s and not none");
        const char *keys[] = {"value"};
        double vals[] = {(double)v};
        if (dist_init(&out->d, "constant", 1, keys, vals, cx->err))
            return value_fail(cx, n, path);
        char buf[64];
        config_format_duration(v, buf, sizeof buf);
        dt_add(text, "%s", buf);
        return 0;
    }
    if (n->kind != YT_MAP)
        return cfg_fail(cx, n->mark, path,
                        "expected {dist: KIND, ...} or a duration, found a list");
    const yt_node *kn = yt_get(n, "dist");
    if (!kn)
        return cfg_fail(cx, n->mark, path, "a distribution needs 'dist: KIND' (one of: %s)",
                        dist_kind_names());
    char p2[512];
    join(p2, sizeof p2, path, "dist");
    if (need_scalar(cx, kn, p2, "a distribution kind"))
        return CS_USAGE;
    const dist_kind *kind = dist_find(kn->value);
    if (!kind) {
        const char *names[16];
        size_t cnt = 0;
        static const char *const all[] = {"constant", "uniform",   "exponential",
                                          "normal",   "lognormal", "gamma",
                                          "weibull",  "pareto",    "empirical"};
        for (size_t i = 0; i < sizeof all / sizeof *all; i++)
            if (dist_find(all[i]))
                names[cnt++] = all[i];
        names[cnt] = NULL;
        return enum_fail(cx, kn, p2, names, "distribution");
    }
    dt_add(text, "{dist: %s", kind->name);
    const char *keys[2 * DIST_MAX_PARAMS];
    double vals[2 * DIST_MAX_PARAMS];
    int nk = 0;
    for (size_t i = 0; i < n->n; i++) {
        const char *key = n->keys[i];
        if (!strcmp(key, "dist"))
            continue;
        join(p2, sizeof p2, path, key);
        int ki = -1;
        size_t nkeys = 0;
        for (; kind->keys[nkeys]; nkeys++)
            if (!strcmp(kind->keys[nkeys], key))
                ki = (int)nkeys;
        if (ki < 0) {
            yt_node tmp = {.kind = YT_SCALAR, .mark = n->kmarks[i], .value = (char *)key};
            const char *near = cs_closest(key, kind->keys, nkeys);
            if (near)
                return cfg_fail(cx, tmp.mark, p2,
                                "%s distribution has no parameter '%s'; did you mean "
                                "'%s'?",
                                kind->name, key, near);
            return cfg_fail(cx, tmp.mark, p2, "%s distribution has no parameter '%s'", kind->name,
                            key);
        }
        const yt_node *v = n->items[i];
        if (!strcmp(kind->name, "empirical") && !strcmp(key, "points")) {
            if (v->kind != YT_LIST || v->n == 0)
                return cfg_fail(cx, v->mark, p2, "expected a list of [value, cdf] pairs");
            double *x = cs_calloc(v->n, sizeof *x), *cdf = cs_calloc(v->n, sizeof *cdf);
            dt_add(text, ", points: [");
            int rc = 0;
            for (size_t j = 0; j < v->n && !rc; j++) {
                const yt_node *pt = v->items[j];
                char p3[600];
                cfg_pathf(p3, sizeof p3, "%s[%zu]", p2, j);
                if (pt->kind != YT_LIST || pt->n != 2 || pt->items[0]->kind != YT_SCALAR ||
                    pt->items[1]->kind != YT_SCALAR) {
                    rc = cfg_fail(cx, pt->mark, p3, "expected [value, cdf]");
                    break;
                }
                sim_ns t;
                if (config_parse_duration(pt->items[0]->value, &t, cx->err) || t == SIM_NEVER) {
                    if (t == SIM_NEVER)
                        cs_errf(cx->err, CS_USAGE, "none is not a point");
                    rc = value_fail(cx, pt->items[0], p3);
                    break;
                }
                if (cfg_parse_double(pt->items[1]->value, &cdf[j], cx->err)) {
                    rc = value_fail(cx, pt->items[1], p3);
                    break;
                }
                x[j] = (double)t;
                char a[64], b[64];
                config_format_duration(t, a, sizeof a);
                cfg_format_double(cdf[j], b, sizeof b);
                dt_add(text, "%s[%s, %s]", j ? ", " : "", a, b);
            }
            if (!rc && dist_init_empirical(&out->d, v->n, x, cdf, cx->err))
                rc = value_fail(cx, v, p2);
            free(x);
            free(cdf);
            if (rc)
                return rc;
            dt_add(text, "]");
            continue;
        }
        if (need_scalar(cx, v, p2, kind->scaled[ki] ? "a duration" : "a number"))
            return CS_USAGE;
        char canon[64];
        if (kind->scaled[ki]) {
            sim_ns t;
            if (config_parse_duration(v->value, &t, cx->err))
                return value_fail(cx, v, p2);
            if (t == SIM_NEVER)
                return cfg_fail(cx, v->mark, p2, "none is not a distribution parameter");
            vals[nk] = (double)t;
            config_format_duration(t, canon, sizeof canon);
        } else {
            if (cfg_parse_double(v->value, &vals[nk], cx->err))
                return value_fail(cx, v, p2);
            cfg_format_double(vals[nk], canon, sizeof canon);
        }
        keys[nk++] = key;
        dt_add(text, ", %s: %s", key, canon);
    }
    if (!strcmp(kind->name, "empirical")) {
        if (!out->d.kind)
            return cfg_fail(cx, n->mark, path,
                            "empirical distribution needs 'points: [[value, cdf], "
                            "...]'");
    } else if (dist_init(&out->d, kind->name, nk, keys, vals, cx->err)) {
        return value_fail(cx, n, path);
    }
    dt_add(text, "}");
    return 0;
}

static int parse_dist(cfg_ctx *cx, const yt_node *n, const char *path, cfg_dist *out)
{
    dtext text = {0};
    int rc = parse_dist_text(cx, n, path, out, &text);
    if (rc) {
        free(text.s);
        return rc;
    }
    out->text = text.s;
    return 0;
}

/* The default of key k (or the inherited value) as a tree; caller frees. */
static int default_node(cfg_ctx *cx, const cfg_key *k, const char *path, yt_node **out)
{
    *out = NULL;
    if (k->inherit) {
        const yt_node *src = yt_find_path(cx->root, k->inherit);
        if (src) {
            *out = yt_clone(src);
            return 0;
        }
        const cfg_key *t = cfg_find_key(k->inherit);
        if (!t) {
            return cfg_fail(cx, cfg_default_mark, path, "internal: inherits unknown key %s",
                            k->inherit);
        }
        k = t;
    }
    if (!k->def)
        return 0; /* a section (its own defaults) or an empty list */
    cs_err e2 = {0};
    if (yt_parse_string(k->def, strlen(k->def), "(default)", out, &e2))
        return cfg_fail(cx, cfg_default_mark, path, "internal: bad default: %s", e2.msg);
    return 0;
}

/* An expectation written `- all nodes: EXPR` / `- any node: EXPR` without
 * quotes: a map of one quantifier key to a scalar. */
static bool is_quantified_rule(const yt_node *it)
{
    if (it->kind != YT_MAP || it->n != 1 || it->items[0]->kind != YT_SCALAR ||
        yt_is_null(it->items[0]))
        return false;
    return strcmp(it->keys[0], "all nodes") == 0 || strcmp(it->keys[0], "any node") == 0;
}

/* Parse a list key (of sections, ints or expectation strings) into its CFG_LIST. */
static int parse_list(cfg_ctx *cx, const cfg_key *k, const yt_node *n, char *p, const char *path)
{
    if (n && yt_is_null(n))
        n = NULL;
    if (n && n->kind != YT_LIST) {
        const char *what = k->type == CK_LIST      ? "a list of maps (- key: value)"
                           : k->type == CK_INTLIST ? "a list of integers, e.g. [0, 2]"
                                                   : "a list of strings";
        return cfg_fail(cx, n->mark, path, "expected %s, found %s", what, cfg_kind_word(n));
    }
    size_t cnt = n ? n->n : 0;
    size_t sz = k->type == CK_LIST      ? k->sub->size
                : k->type == CK_INTLIST ? sizeof(int64_t)
                                        : sizeof(cfg_expect);
    char *items = cnt ? cs_calloc(cnt, sz) : NULL;
    int rc = 0;
    memcpy(p, &items, sizeof items);
    memcpy(p + sizeof(void *), &cnt, sizeof cnt);
    for (size_t i = 0; i < cnt; i++) {
        char ip[512];
        cfg_pathf(ip, sizeof ip, "%s[%zu]", path, i);
        const yt_node *it = n->items[i];
        if (k->type == CK_LIST) {
            if (it->kind != YT_MAP && !yt_is_null(it))
                rc = cfg_fail(cx, it->mark, ip, "expected a map of keys, found %s",
                              cfg_kind_word(it));
            else if (parse_section(cx, k->sub, yt_is_null(it) ? NULL : it, it->mark,
                                   items + i * sz, ip))
                rc = CS_USAGE; /* the next items' errors too */
        } else if (k->type == CK_INTLIST) {
            int64_t v;
            if (need_scalar(cx, it, ip, "an integer"))
                return CS_USAGE;
            if (cfg_parse_int(it->value, &v, cx->err))
                return value_fail(cx, it, ip);
            if (check_range(cx, k, (double)v, it->mark, ip, it->value))
                return CS_USAGE;
            memcpy(items + i * sz, &v, sizeof v);
        } else {
            cfg_expect *e = (cfg_expect *)(items + i * sz);
            if (is_quantified_rule(it)) {
                /* `- all nodes: EXPR` unquoted is a one-key map in YAML; it
                 * means the rule "all nodes: EXPR", starting at the key */
                const char *x = it->items[0]->value;
                size_t len = strlen(it->keys[0]) + 2 + strlen(x) + 1;
                e->text = cs_malloc(len);
                snprintf(e->text, len, "%s: %s", it->keys[0], x);
                e->mark = it->kmarks[0];
                e->mark.file = cs_strdup(it->kmarks[0].file);
                continue;
            }
            if (need_scalar(cx, it, ip, "a string"))
                return CS_USAGE;
            e->text = cs_strdup(it->value);
            e->mark = it->mark;
            e->mark.file = cs_strdup(it->mark.file);
            if (it->quoted && e->mark.line > 0)
                e->mark.col++; /* the rule's first character, not its quote */
        }
    }
    return rc;
}

/* Parse node n (NULL = absent: default) as key k into the field at p. */
static int parse_value(cfg_ctx *cx, const cfg_key *k, const yt_node *n, yt_mark at, char *p,
                       const char *path)
{
    yt_node *owned = NULL;
    int rc = 0;
    if (k->type == CK_SECTION) {
        /* a section with `inherit`: the inherited map, with this one on top */
        const yt_node *use = n && !yt_is_null(n) ? n : NULL;
        yt_node *sh = NULL;
        if (use && use->kind == YT_SCALAR && k->sub->shorthand) {
            if (!(sh = k->sub->shorthand(use, cx->err)))
                return value_fail(cx, use, path);
            use = sh;
        }
        if (k->inherit) {
            const yt_node *src = yt_find_path(cx->root, k->inherit);
            yt_node *sh2 = NULL;
            if (src && src->kind == YT_SCALAR && !yt_is_null(src) && k->sub->shorthand)
                src = sh2 = k->sub->shorthand(src, cx->err);
            if (src && src->kind == YT_MAP) {
                owned = yt_clone(src);
                if (use && use->kind == YT_MAP)
                    config_tree_merge(owned, use);
                use = owned;
            }
            yt_free(sh2);
        }
        if (use && use->kind != YT_MAP)
            rc = cfg_fail(cx, use->mark, path, "expected a map of keys, found %s",
                          cfg_kind_word(use));
        else
            rc = parse_section(cx, k->sub, use, use ? use->mark : at, p, path);
        yt_free(sh);
        yt_free(owned);
        return rc;
    }
    if (!n && (k->flags & CF_REQUIRED))
        return cfg_fail(cx, at, path, "missing (this key has no default)");
    if (!n) {
        if ((rc = default_node(cx, k, path, &owned)))
            return rc;
        n = owned;
        if (!n && k->type != CK_LIST && k->type != CK_INTLIST && k->type != CK_EXPECTS)
            return cfg_fail(cx, at, path, "internal: the key table gives no default");
    }
    switch (k->type) {
    case CK_LIST:
    case CK_INTLIST:
    case CK_EXPECTS:
        rc = parse_list(cx, k, n, p, path);
        break;
    case CK_DIST:
        rc = parse_dist(cx, n, path, (cfg_dist *)(void *)p);
        break;
    case CK_SECTION:
        break;
    default: {
        static const char *const what[] = {
            [CK_INT] = "an integer",  [CK_DOUBLE] = "a number", [CK_BOOL] = "true or false",
            [CK_STRING] = "a string", [CK_ENUM] = "a name",     [CK_DURATION] = "a duration",
            [CK_RATE] = "a rate",     [CK_SIZE] = "a size",   [CK_KIND] = "a name"};
        if (n->kind != YT_SCALAR || (yt_is_null(n) && k->type != CK_STRING)) {
            rc = need_scalar(cx, n, path, what[k->type]);
            break;
        }
        const char *s = n->value;
        int64_t iv;
        double dv;
        switch (k->type) {
        case CK_INT:
            if (word_value(k, s, &iv)) {
                put_i64(p, iv);
                break;
            }
            if (cfg_parse_int(s, &iv, cx->err)) {
                rc = value_fail(cx, n, path);
                break;
            }
            if (!(rc = check_range(cx, k, (double)iv, n->mark, path, s)))
                put_i64(p, iv);
            break;
        case CK_DOUBLE:
            if (cfg_parse_double(s, &dv, cx->err)) {
                rc = value_fail(cx, n, path);
                break;
            }
            if (!(rc = check_range(cx, k, dv, n->mark, path, s)))
                memcpy(p, &dv, sizeof dv);
            break;
        case CK_BOOL: {
            bool b;
            if (cfg_parse_bool(s, &b, cx->err))
                rc = value_fail(cx, n, path);
            else
                memcpy(p, &b, sizeof b);
            break;
        }
        case CK_STRING: {
            char *str = cs_strdup(s);
            memcpy(p, &str, sizeof str);
            break;
        }
        case CK_KIND: {
            const char *name;
            if (!(rc = cfg_parse_kind(cx, k->kinds, n, path, &name)))
                memcpy(p, &name, sizeof name);
            break;
        }
        case CK_ENUM: {
            int found = -1;
            for (int i = 0; k->names[i]; i++)
                if (!strcmp(k->names[i], s))
                    found = i;
            if (found < 0)
                rc = enum_fail(cx, n, path, k->names, "value");
            else
                put_enum(p, found);
            break;
        }
        case CK_DURATION: {
            sim_ns t;
            if (config_parse_duration(s, &t, cx->err)) {
                rc = value_fail(cx, n, path);
                break;
            }
            if (t == SIM_NEVER && !(k->flags & CF_NONE)) {
                rc = cfg_fail(cx, n->mark, path, "none is not allowed here (needs a duration)");
                break;
            }
            if (t == SIM_NEVER || !(rc = check_range(cx, k, (double)t, n->mark, path, s)))
                memcpy(p, &t, sizeof t);
            break;
        }
        case CK_RATE:
            if (config_parse_rate(s, &dv, cx->err)) {
                rc = value_fail(cx, n, path);
                break;
            }
            if (!(rc = check_range(cx, k, dv, n->mark, path, s)))
                memcpy(p, &dv, sizeof dv);
            break;
        case CK_SIZE:
            if (word_value(k, s, &iv)) {
                put_i64(p, iv);
                break;
            }
            if (config_parse_size(s, &iv, cx->err)) {
                rc = value_fail(cx, n, path);
                break;
            }
            if (!(rc = check_range(cx, k, (double)iv, n->mark, path, s)))
                put_i64(p, iv);
            break;
        default:
            break;
        }
    }
    }
    yt_free(owned);
    return rc;
}

/* The error for a key the table does not know: an experiment key, a typo
 * (closest name), a key that lives elsewhere, or the list of known keys. */
static int unknown_key(cfg_ctx *cx, const cfg_section *s, const char *key, yt_mark km,
                       const char *path)
{
    char kp[512];
    join(kp, sizeof kp, path, key);
    if (s == &cfg_root_section)
        for (int i = 0; cfg_experiment_keys[i]; i++)
            if (!strcmp(key, cfg_experiment_keys[i]))
                return cfg_fail(cx, km, kp,
                                "this is an experiment key; use cachestorm sweep or "
                                "cachestorm check on an experiment file");
    if (s == &cfg_root_section && !strcmp(key, "base"))
        return cfg_fail(cx, km, kp, "base: must name a file (it is resolved while loading)");
    const char *names[128];
    size_t cnt = 0;
    for (size_t i = 0; i < s->nkeys && cnt < 127; i++)
        names[cnt++] = s->keys[i].name;
    names[cnt] = NULL;
    const char *near = cs_closest(key, names, cnt);
    if (near)
        return cfg_fail(cx, km, kp, "unknown key; did you mean '%s'?", near);
    /* a word other tools use for a key of this section: the same parent
     * first (faults[0].duration is `for` here, not the top-level duration) */
    static const char *const synonyms[][2] = {
        {"duration", "for"}, {"length", "for"},   {"until", "for"},     {"start", "at"},
        {"begin", "at"},     {"from", "at"},      {"when", "at"},       {"type", "kind"},
        {"ttl", "duration"}, {"expiry", "duration"}, {"number", "count"}, {"n", "count"},
        {"size", "count"},   {"timeout_ms", "timeout"}};
    for (size_t i = 0; i < sizeof synonyms / sizeof *synonyms; i++)
        if (!strcmp(key, synonyms[i][0]))
            for (size_t j = 0; j < cnt; j++)
                if (!strcmp(names[j], synonyms[i][1])) {
                    char there[512];
                    join(there, sizeof there, path, names[j]);
                    return cfg_fail(cx, km, kp, "unknown key; did you mean '%s' (%s)?", names[j],
                                    there);
                }
    char elsewhere[300];
    if (cfg_find_by_name(key, elsewhere, sizeof elsewhere) > 0)
        return cfg_fail(cx, km, kp, "unknown key here; did you mean '%s'?", elsewhere);
    char list[800] = "";
    for (size_t i = 0; i < cnt; i++) {
        if (i)
            strncat(list, ", ", sizeof list - strlen(list) - 1);
        strncat(list, names[i], sizeof list - strlen(list) - 1);
    }
    return cfg_fail(cx, km, kp, "unknown key (known here: %s)", list);
}

/* Parse map (NULL = all defaults) as section s into the struct at base:
 * unknown keys first, then every key of the table in table order. */
static int parse_section(cfg_ctx *cx, const cfg_section *s, const yt_node *map, yt_mark at,
                         char *base, const char *path)
{
    (void)at;
    int rc = 0;
    if (map && map->kind != YT_MAP)
        return cfg_fail(cx, map->mark, path, "expected a map of keys, found %s",
                        cfg_kind_word(map));
    bool has_params = false; /* CK_PARAMS takes the keys the table does not name */
    for (size_t j = 0; j < s->nkeys; j++)
        has_params |= s->keys[j].type == CK_PARAMS;
    if (map && !has_params)
        for (size_t i = 0; i < map->n; i++) {
            bool known = false;
            for (size_t j = 0; j < s->nkeys && !known; j++)
                known = !strcmp(s->keys[j].name, map->keys[i]);
            if (known)
                continue;
            if (s == &cfg_root_section && (cx->flags & CONFIG_ALLOW_EXPERIMENT_KEYS)) {
                bool exp = false;
                for (int e = 0; cfg_experiment_keys[e]; e++)
                    exp |= !strcmp(map->keys[i], cfg_experiment_keys[e]);
                if (exp)
                    continue;
            }
            unknown_key(cx, s, map->keys[i], map->kmarks[i], path);
            rc = CS_USAGE; /* go on: every error of the file in one pass */
        }
    for (size_t j = 0; j < s->nkeys; j++) {
        const cfg_key *k = &s->keys[j];
        char kp[512];
        join(kp, sizeof kp, path, k->name);
        if (k->type == CK_PARAMS) {
            if (k->params->parse(cx, map, map ? map->mark : at, base, path))
                rc = CS_USAGE;
            continue;
        }
        const yt_node *n = map ? yt_get(map, k->name) : NULL;
        if (parse_value(cx, k, n, map ? map->mark : at, base + k->off, kp))
            rc = CS_USAGE;
    }
    return rc;
}

/* ---- freeing and copying (schema-driven) ------------------------------ */

static void free_section(const cfg_section *s, char *base)
{
    for (size_t j = 0; j < s->nkeys; j++) {
        const cfg_key *k = &s->keys[j];
        char *p = base + k->off;
        switch (k->type) {
        case CK_STRING: {
            char *str;
            memcpy(&str, p, sizeof str);
            free(str);
            break;
        }
        case CK_DIST: {
            cfg_dist *d = (cfg_dist *)(void *)p;
            dist_free(&d->d);
            free(d->text);
            break;
        }
        case CK_SECTION:
            free_section(k->sub, p);
            break;
        case CK_LIST:
        case CK_INTLIST:
        case CK_EXPECTS: {
            char *items;
            size_t cnt;
            memcpy(&items, p, sizeof items);
            memcpy(&cnt, p + sizeof(void *), sizeof cnt);
            for (size_t i = 0; i < cnt; i++) {
                if (k->type == CK_LIST)
                    free_section(k->sub, items + i * k->sub->size);
                else if (k->type == CK_EXPECTS) {
                    cfg_expect *e = (cfg_expect *)(void *)(items + i * sizeof(cfg_expect));
                    free(e->text);
                    free(e->mark.file);
                }
            }
            free(items);
            break;
        }
        default:
            break;
        }
    }
}

void config_free(config *c)
{
    if (!c)
        return;
    free_section(&cfg_root_section, (char *)c);
    for (size_t i = 0; i < c->node_groups.n; i++)
        free(c->node_groups.v[i].cache_name);
    free(c->node_groups.v);
    free(c->path);
    memset(c, 0, sizeof *c);
}

/* ---- loading ------------------------------------------------------------ */

int config_from_tree(const yt_node *root, unsigned flags, config *out, cs_err *err)
{
    memset(out, 0, sizeof *out);
    cfg_ctx cx = {.root = root, .flags = flags, .err = err, .out = out, .collect = true};
    if (root->kind != YT_MAP) {
        cfg_fail(&cx, root->mark, "",
                 "a config is a map of keys (schema: 1, name: ..., ...), found %s",
                 cfg_kind_word(root));
        report_all(&cx);
        return CS_USAGE;
    }
    int rc = parse_section(&cx, &cfg_root_section, root, root->mark, (char *)out, "");
    if (!rc)
        rc = cfg_check_all(&cx, out);
    report_all(&cx);
    if (rc)
        config_free(out);
    return rc;
}

const char *config_enum_name(const char *path, int v)
{
    const cfg_key *k = cfg_find_key(path);
    if (!k || k->type != CK_ENUM || v < 0)
        return "?";
    for (int i = 0; k->names[i]; i++)
        if (i == v)
            return k->names[i];
    return "?";
}

const cfg_group *config_node_group(const config *c, int64_t node)
{
    for (size_t i = 0; i < c->node_groups.n; i++) {
        if (node < c->node_groups.v[i].count)
            return &c->node_groups.v[i];
        node -= c->node_groups.v[i].count;
    }
    return NULL;
}
