/* expect.c — the expectation language (grammar and meaning in expect.h):
 * a tokenizer, a recursive-descent parser into a small tree, a unit pass
 * that turns duration literals into the unit of the metric beside them, an
 * evaluator over the rows of a scenario's runs (numbers or 95 % intervals),
 * and the judge that picks the run/node worth showing.
 * Leaves out: variables, user functions, string metrics.  Rules are short
 * (at most EX_MAX_TOKENS tokens, asserted by the parser as an error). */
#include "sim/core/metrics.h"
#include "sim/core/stats.h"
#include "sim/run/expect.h"

#include <assert.h>
#include <ctype.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EX_MAX_TOKENS 256
#define EX_MAX_DEPTH 64

enum { EX_CMP_NONE, EX_CMP_LT, EX_CMP_LE, EX_CMP_GT, EX_CMP_GE, EX_CMP_EQ, EX_CMP_NE };

/* ---- known metric names ------------------------------------------------- */

/* The metric table (sim/core/metrics.def).  A rule may also name a metric
 * outside it when a run produced it. */
bool expect_known_metric(const char *name) { return metric_lookup(name) != NULL; }

/* ---- tokens ------------------------------------------------------------- */

typedef enum { T_END, T_NUM, T_IDENT, T_PUNCT } tkind;

typedef struct token {
    tkind k;
    int pos;       /* byte offset in the text */
    int len;       /* bytes */
    double num;    /* T_NUM, after its unit */
    int unit;      /* T_NUM: U_NONE or U_DUR (num in seconds) */
    char punct[3]; /* T_PUNCT: "(", "<=", ... */
} token;

enum { U_NONE, U_MS, U_S, U_DUR };

/* Duration and percent suffixes: factor to seconds (or to a plain number). */
static const struct {
    const char *name;
    double factor;
    int unit;
} units[] = {
    {"ns", 1e-9, U_DUR}, {"us", 1e-6, U_DUR}, {"ms", 1e-3, U_DUR}, {"s", 1, U_DUR},
    {"m", 60, U_DUR},    {"h", 3600, U_DUR},  {"%", 0.01, U_NONE},
};

typedef struct parser {
    const char *text;
    token t[EX_MAX_TOKENS];
    int nt, i;
    const char *file, *key;
    int line, col0;
    cs_err *err;
    int depth;
    bool in_agg;
} parser;

/* Fill err with a message at byte offset pos of the rule. */
static int perr(parser *p, int pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int perr(parser *p, int pos, const char *fmt, ...)
{
    char what[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (p->line > 0)
        return cs_errf(p->err, CS_USAGE, "%s:%d:%d: %s: %s", p->file, p->line,
                       p->col0 > 0 ? p->col0 + pos : 1, p->key, what);
    return cs_errf(p->err, CS_USAGE, "%s%s%s: column %d: %s", p->file ? p->file : "",
                   p->file && *p->file ? ": " : "", p->key, pos + 1, what);
}

/* Split p->text into p->t (numbers carry their unit, already scaled). */
static int tokenize(parser *p)
{
    const char *s = p->text;
    int i = 0;
    for (;;) {
        while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
            i++;
        if (p->nt >= EX_MAX_TOKENS - 1)
            return perr(p, i, "rule too long (more than %d tokens)", EX_MAX_TOKENS - 1);
        token *t = &p->t[p->nt++];
        memset(t, 0, sizeof *t);
        t->pos = i;
        char c = s[i];
        if (!c) {
            t->k = T_END;
            return 0;
        }
        if (isdigit((unsigned char)c) || (c == '.' && isdigit((unsigned char)s[i + 1]))) {
            char *end;
            t->k = T_NUM;
            t->num = strtod(s + i, &end);
            int j = (int)(end - s);
            int u0 = j;
            while (isalpha((unsigned char)s[j]) || s[j] == '%')
                j++;
            if (j > u0) {
                int ul = j - u0, found = -1;
                for (size_t k = 0; k < sizeof units / sizeof *units; k++)
                    if ((int)strlen(units[k].name) == ul && !strncmp(units[k].name, s + u0, ul))
                        found = (int)k;
                if (found < 0)
                    return perr(p, u0, "unknown unit '%.*s' (units: ns us ms s m h %%)", ul,
                                s + u0);
                t->num *= units[found].factor;
                t->unit = units[found].unit;
            }
            /* Go-style compound durations: 4m30s, 1h2m3.5s */
            while (t->unit == U_DUR && (isdigit((unsigned char)s[j]) || s[j] == '.')) {
                char *e2;
                double more = strtod(s + j, &e2);
                int v0 = j, w0 = (int)(e2 - s), w = w0;
                while (isalpha((unsigned char)s[w]))
                    w++;
                int ul = w - w0, found = -1;
                for (size_t k = 0; k < sizeof units / sizeof *units; k++)
                    if ((int)strlen(units[k].name) == ul && !strncmp(units[k].name, s + w0, ul) &&
                        units[k].unit == U_DUR)
                        found = (int)k;
                if (found < 0)
                    return perr(p, ul ? w0 : v0,
                                ul ? "unknown duration unit '%.*s' (ns us ms s m h)"
                                   : "'%.*s' needs a duration unit (4m30s)",
                                ul ? ul : w0 - v0, s + (ul ? w0 : v0));
                t->num += more * units[found].factor;
                j = w;
            }
            t->len = j - i;
            i = j;
        } else if (isalpha((unsigned char)c) || c == '_') {
            t->k = T_IDENT;
            int j = i;
            while (isalnum((unsigned char)s[j]) || s[j] == '_')
                j++;
            t->len = j - i;
            i = j;
        } else {
            static const char *const two[] = {"<=", ">=", "==", "!="};
            t->k = T_PUNCT;
            t->len = 1;
            for (int k = 0; k < 4; k++)
                if (!strncmp(s + i, two[k], 2))
                    t->len = 2;
            if (t->len == 1 && c == '=')
                return perr(p, i, "'=' is not a comparison; use '=='");
            if (t->len == 1 && !strchr("()[].:+-*/<>", c)) {
                /* the whole UTF-8 sequence, or a control byte as \xHH */
                unsigned char u = (unsigned char)c;
                int n = u >= 0xf0 ? 4 : u >= 0xe0 ? 3 : u >= 0xc0 ? 2 : 1;
                for (int k = 1; k < n; k++)
                    if (((unsigned char)s[i + k] & 0xc0) != 0x80)
                        n = 1;
                if (u < 0x20 || u == 0x7f || (n == 1 && u >= 0x80))
                    return perr(p, i, "unexpected character \\x%02x", u);
                return perr(p, i, "unexpected character '%.*s'", n, s + i);
            }
            memcpy(t->punct, s + i, (size_t)t->len);
            i += t->len;
        }
    }
}

static const token *peek(parser *p)
{
    return &p->t[p->i];
}
static bool is_punct(const token *t, const char *s)
{
    return t->k == T_PUNCT && !strcmp(t->punct, s);
}
static bool is_ident(parser *p, const token *t, const char *s)
{
    return t->k == T_IDENT && (int)strlen(s) == t->len && !strncmp(p->text + t->pos, s, t->len);
}
/* What a token looks like in a message. */
static void tok_str(parser *p, const token *t, char *buf, size_t cap)
{
    if (t->k == T_END)
        snprintf(buf, cap, "end of rule");
    else
        snprintf(buf, cap, "'%.*s'", t->len, p->text + t->pos);
}

/* ---- the tree ------------------------------------------------------------ */

typedef enum { N_NUM, N_METRIC, N_NEG, N_ADD, N_SUB, N_MUL, N_DIV, N_FUNC } nkind;

/* Functions: scalar (abs) or aggregates over the replications. */
typedef enum { F_ABS, F_MEAN, F_CI95, F_MIN, F_MAX, F_STDDEV } fkind;
static const struct {
    const char *name;
    bool aggregate;
} funcs[] = {{"abs", false}, {"mean", true}, {"ci95", true},
             {"min", true},  {"max", true},  {"stddev", true}};

struct expect_expr {
    nkind k;
    int pos;
    double num; /* N_NUM */
    int unit;   /* unit of the subtree after the unit pass */
    char *name; /* N_METRIC */
    int node;   /* N_METRIC: explicit node[i], or -1 = the context's */
    fkind fn;   /* N_FUNC */
    expect_expr *a, *b;
};

static expect_expr *node_new(nkind k, int pos)
{
    expect_expr *e = cs_calloc(1, sizeof *e);
    e->k = k;
    e->pos = pos;
    e->node = -1;
    return e;
}

static void expr_free(expect_expr *e)
{
    if (!e)
        return;
    expr_free(e->a);
    expr_free(e->b);
    free(e->name);
    free(e);
}

static expect_expr *parse_sum(parser *p);

/* metric := [ "node" "[" INT "]" "." ] NAME { "." NAME } */
static expect_expr *parse_metric(parser *p)
{
    const token *t = peek(p);
    int pos = t->pos, node = -1;
    if (is_ident(p, t, "node") && is_punct(&p->t[p->i + 1], "[")) {
        p->i += 2;
        const token *n = peek(p);
        if (n->k != T_NUM || n->unit != U_NONE || n->num != floor(n->num) || n->num < 0 ||
            n->num > 1e6) {
            char b[64];
            tok_str(p, n, b, sizeof b);
            perr(p, n->pos, "expected a node number in node[...], found %s", b);
            return NULL;
        }
        node = (int)n->num;
        p->i++;
        if (!is_punct(peek(p), "]") || !is_punct(&p->t[p->i + 1], ".")) {
            perr(p, peek(p)->pos, "expected '].' after node[%d", node);
            return NULL;
        }
        p->i += 2;
        t = peek(p);
        if (t->k != T_IDENT) {
            char b[64];
            tok_str(p, t, b, sizeof b);
            perr(p, t->pos, "expected a metric name after node[%d]., found %s", node, b);
            return NULL;
        }
    }
    /* NAME { "." NAME }, with no spaces: the tokens must touch. */
    int start = t->pos, end = t->pos + t->len;
    p->i++;
    while (is_punct(peek(p), ".") && peek(p)->pos == end) {
        const token *nx = &p->t[p->i + 1];
        if ((nx->k != T_IDENT && nx->k != T_NUM) || nx->pos != end + 1 ||
            (nx->k == T_NUM && nx->unit != U_NONE)) {
            perr(p, end, "expected a name part after '.'");
            return NULL;
        }
        end = nx->pos + nx->len;
        p->i += 2;
    }
    expect_expr *e = node_new(N_METRIC, pos);
    e->node = node;
    e->name = cs_malloc((size_t)(end - start) + 1);
    memcpy(e->name, p->text + start, (size_t)(end - start));
    e->name[end - start] = 0;
    return e;
}

/* primary := NUMBER | "(" sum ")" | FUNC "(" sum ")" | metric */
static expect_expr *parse_primary(parser *p)
{
    const token *t = peek(p);
    char b[64];
    if (t->k == T_NUM) {
        expect_expr *e = node_new(N_NUM, t->pos);
        e->num = t->num;
        e->unit = t->unit;
        p->i++;
        return e;
    }
    if (is_punct(t, "(")) {
        p->i++;
        expect_expr *e = parse_sum(p);
        if (!e)
            return NULL;
        if (!is_punct(peek(p), ")")) {
            tok_str(p, peek(p), b, sizeof b);
            perr(p, peek(p)->pos, "expected ')' (to close the '(' at column %d), found %s",
                 t->pos + 1, b);
            expr_free(e);
            return NULL;
        }
        p->i++;
        return e;
    }
    if (t->k == T_IDENT && is_punct(&p->t[p->i + 1], "(")) {
        int f = -1;
        for (size_t k = 0; k < sizeof funcs / sizeof *funcs; k++)
            if (is_ident(p, t, funcs[k].name))
                f = (int)k;
        if (f < 0) {
            perr(p, t->pos, "unknown function '%.*s' (functions: abs mean ci95 min max stddev)",
                 t->len, p->text + t->pos);
            return NULL;
        }
        if (funcs[f].aggregate && p->in_agg) {
            perr(p, t->pos, "%s() inside another aggregate; aggregates do not nest", funcs[f].name);
            return NULL;
        }
        p->i += 2;
        bool was = p->in_agg;
        p->in_agg |= funcs[f].aggregate;
        expect_expr *arg = parse_sum(p);
        p->in_agg = was;
        if (!arg)
            return NULL;
        if (!is_punct(peek(p), ")")) {
            tok_str(p, peek(p), b, sizeof b);
            perr(p, peek(p)->pos, "expected ')' after the argument of %s(), found %s",
                 funcs[f].name, b);
            expr_free(arg);
            return NULL;
        }
        p->i++;
        expect_expr *e = node_new(N_FUNC, t->pos);
        e->fn = (fkind)f;
        e->a = arg;
        return e;
    }
    if (t->k == T_IDENT)
        return parse_metric(p);
    tok_str(p, t, b, sizeof b);
    perr(p, t->pos, "expected a metric, a number or '(', found %s", b);
    return NULL;
}

/* unary := "-" unary | primary (depth-limited: hostile input cannot blow the stack) */
static expect_expr *parse_unary(parser *p)
{
    if (++p->depth > EX_MAX_DEPTH) {
        perr(p, peek(p)->pos, "nested too deeply (more than %d levels)", EX_MAX_DEPTH);
        return NULL;
    }
    expect_expr *e;
    if (is_punct(peek(p), "-")) {
        int pos = peek(p)->pos;
        p->i++;
        expect_expr *a = parse_unary(p);
        if (!a)
            return NULL;
        e = node_new(N_NEG, pos);
        e->a = a;
    } else {
        e = parse_primary(p);
    }
    p->depth--;
    return e;
}

/* Left-associative binary levels, table-driven: "+-" over products, "*\/" over unaries. */
static expect_expr *parse_binary(parser *p, int level)
{
    static const struct {
        const char *ops[2];
        nkind kinds[2];
    } levels[] = {{{"+", "-"}, {N_ADD, N_SUB}}, {{"*", "/"}, {N_MUL, N_DIV}}};
    expect_expr *l = level == 1 ? parse_unary(p) : parse_binary(p, level + 1);
    if (!l)
        return NULL;
    for (;;) {
        int op = -1;
        for (int k = 0; k < 2; k++)
            if (is_punct(peek(p), levels[level].ops[k]))
                op = k;
        if (op < 0)
            return l;
        int pos = peek(p)->pos;
        p->i++;
        expect_expr *r = level == 1 ? parse_unary(p) : parse_binary(p, level + 1);
        if (!r) {
            expr_free(l);
            return NULL;
        }
        expect_expr *e = node_new(levels[level].kinds[op], pos);
        e->a = l;
        e->b = r;
        l = e;
    }
}

static expect_expr *parse_sum(parser *p)
{
    return parse_binary(p, 0);
}

/* ---- units ---------------------------------------------------------------- */

/* The unit a duration literal converts to when it meets this metric: the
 * metric table's (sim/core/metrics.def); for a name outside it (a metric a
 * run produced that the table does not list), its _ms / _s suffix. */
static int rule_unit_of(const char *name)
{
    const metric_info *m = metric_lookup(name);
    if (m)
        return m->unit == MU_MS ? U_MS : m->unit == MU_S ? U_S : U_NONE;
    size_t n = strlen(name);
    if (n > 3 && !strcmp(name + n - 3, "_ms"))
        return U_MS;
    if (n > 2 && !strcmp(name + n - 2, "_s"))
        return U_S;
    return U_NONE;
}

/* Turn the duration literals of subtree e (unit U_DUR, seconds) into unit u. */
static void convert_dur(expect_expr *e, int u)
{
    if (!e || e->unit != U_DUR)
        return;
    if (e->k == N_NUM)
        e->num *= u == U_MS ? 1000.0 : 1.0;
    convert_dur(e->a, u); /* only the children that are durations change */
    convert_dur(e->b, u);
    e->unit = u;
}

/* The error for a duration literal with no timed metric beside it. */
static int dur_error(parser *p, const expect_expr *e)
{
    return perr(p, e->pos,
                "a number with a duration unit needs a metric in ms or s beside it "
                "(e.g. latency.p99_ms < 250ms); write a plain number here");
}

/* Pairing rule of + - and comparisons: a duration meets a timed metric. */
static int unify(parser *p, expect_expr *a, expect_expr *b, int *out)
{
    assert(a && b);
    if (a->unit == U_DUR && (b->unit == U_MS || b->unit == U_S))
        convert_dur(a, b->unit);
    else if (b->unit == U_DUR && (a->unit == U_MS || a->unit == U_S))
        convert_dur(b, a->unit);
    else if (a->unit == U_DUR && b->unit != U_DUR)
        return dur_error(p, a);
    else if (b->unit == U_DUR && a->unit != U_DUR)
        return dur_error(p, b);
    *out = a->unit == U_NONE ? b->unit : a->unit;
    return 0;
}

/* Compute every node's unit bottom-up; 0 or an error. */
static int unit_pass(parser *p, expect_expr *e)
{
    if (e->a && unit_pass(p, e->a))
        return CS_USAGE;
    if (e->b && unit_pass(p, e->b))
        return CS_USAGE;
    switch (e->k) {
    case N_NUM:
        break;
    case N_METRIC:
        e->unit = rule_unit_of(e->name);
        break;
    case N_NEG:
    case N_FUNC:
        assert(e->a);
        e->unit = e->a->unit;
        break;
    case N_ADD:
    case N_SUB:
        return unify(p, e->a, e->b, &e->unit);
    case N_MUL:
    case N_DIV: {
        assert(e->a && e->b);
        int ua = e->a->unit, ub = e->b->unit;
        if ((ua == U_DUR && ub != U_NONE) || (ub == U_DUR && (ua != U_NONE || e->k == N_DIV)))
            return dur_error(p, ua == U_DUR ? e->a : e->b);
        if (e->k == N_DIV && ua == ub)
            e->unit = U_NONE; /* ms / ms: a ratio */
        else
            e->unit = ua != U_NONE ? ua : (e->k == N_MUL ? ub : U_NONE);
        break;
    }
    }
    return 0;
}

/* Does the subtree use mean/ci95/min/max/stddev? */
static bool has_aggregate(const expect_expr *e)
{
    if (!e)
        return false;
    if (e->k == N_FUNC && funcs[e->fn].aggregate)
        return true;
    return has_aggregate(e->a) || has_aggregate(e->b);
}

/* ---- parse ------------------------------------------------------------------ */

int expect_parse(const char *text, int mode, const char *file, int line, int col0, const char *key,
                 expect_rule *out, cs_err *err)
{
    memset(out, 0, sizeof *out);
    parser *p = cs_calloc(1, sizeof *p);
    p->text = text;
    p->file = file ? file : "";
    p->key = key ? key : "expect";
    p->line = line;
    p->col0 = col0;
    p->err = err;
    int rc = tokenize(p);
    expect_expr *l = NULL, *r = NULL;
    int cmp = EX_CMP_NONE, scope = 0;
    if (rc)
        goto fail;
    if (p->t[0].k == T_END) {
        rc = perr(p, 0, "empty rule");
        goto fail;
    }
    /* all nodes: / any node: */
    if ((is_ident(p, &p->t[0], "all") || is_ident(p, &p->t[0], "any")) &&
        (is_ident(p, &p->t[1], "nodes") || is_ident(p, &p->t[1], "node"))) {
        if (!is_punct(&p->t[2], ":")) {
            rc = perr(p, p->t[2].pos, "expected ':' after '%.*s %.*s'", p->t[0].len,
                      text + p->t[0].pos, p->t[1].len, text + p->t[1].pos);
            goto fail;
        }
        scope = is_ident(p, &p->t[0], "all") ? 1 : 2;
        p->i = 3;
    }
    if (!(l = parse_sum(p))) {
        rc = CS_USAGE;
        goto fail;
    }
    static const char *const cmps[] = {NULL, "<", "<=", ">", ">=", "==", "!="};
    for (int k = 1; k <= EX_CMP_NE; k++)
        if (is_punct(peek(p), cmps[k]))
            cmp = k;
    if (cmp) {
        if (mode == EXPECT_VALUE) {
            rc = perr(p, peek(p)->pos, "an objective is a value, not a comparison");
            goto fail;
        }
        p->i++;
        if (!(r = parse_sum(p))) {
            rc = CS_USAGE;
            goto fail;
        }
    } else if (mode == EXPECT_RULE) {
        char b[64];
        tok_str(p, peek(p), b, sizeof b);
        rc = perr(p, peek(p)->pos, "expected a comparison (< <= > >= == !=), found %s", b);
        goto fail;
    }
    if (peek(p)->k != T_END) {
        char b[64];
        tok_str(p, peek(p), b, sizeof b);
        bool again = false;
        for (int k = 1; k <= EX_CMP_NE; k++)
            again |= is_punct(peek(p), cmps[k]);
        rc = perr(p, peek(p)->pos,
                  again ? "one comparison per rule (found %s after the first)"
                        : "unexpected %s after the rule",
                  b);
        goto fail;
    }
    if ((rc = unit_pass(p, l)) || (r && (rc = unit_pass(p, r))))
        goto fail;
    if (r) {
        int u;
        if ((rc = unify(p, l, r, &u)))
            goto fail;
    } else if (l->unit == U_DUR) {
        rc = dur_error(p, l);
        goto fail;
    }
    out->text = cs_strdup(text);
    char where[700];
    if (line > 0)
        snprintf(where, sizeof where, "%s:%d:%d: %s", p->file, line, col0 > 0 ? col0 : 1, p->key);
    else
        snprintf(where, sizeof where, "%s%s%s", p->file, *p->file ? ": " : "", p->key);
    out->where = cs_strdup(where);
    /* A rule is one tree: the comparison is the root's payload. */
    expect_expr *root = node_new(N_SUB, 0);
    root->a = l;
    root->b = r;
    out->root = root;
    out->cmp = cmp;
    out->scope = scope;
    out->aggregate = has_aggregate(l) || has_aggregate(r);
    free(p);
    return 0;
fail:
    expr_free(l);
    expr_free(r);
    free(p);
    return rc ? rc : CS_USAGE;
}

void expect_rule_free(expect_rule *r)
{
    if (!r)
        return;
    expr_free(r->root);
    free(r->text);
    free(r->where);
    memset(r, 0, sizeof *r);
}

/* ---- names ------------------------------------------------------------------ */

/* Did some run record a metric of this name (any node)? */
static bool produced(const char *name, const run_rows *const *runs, size_t nruns)
{
    for (size_t r = 0; r < nruns; r++)
        for (size_t i = 0; i < runs[r]->metrics.n; i++)
            if (!strcmp(runs[r]->metrics.v[i].name, name))
                return true;
    return false;
}

static int check_names(const expect_rule *r, const expect_expr *e, const run_rows *const *runs,
                       size_t nruns, cs_err *err)
{
    if (!e)
        return 0;
    if (e->k == N_METRIC && !expect_known_metric(e->name) && !produced(e->name, runs, nruns)) {
        const char *best = metric_closest(e->name);
        int bd = best ? cs_edit_distance(e->name, best) : 99;
        for (size_t k = 0; k < nruns; k++) /* or a name a run produced */
            for (size_t i = 0; i < runs[k]->metrics.n; i++) {
                int d = cs_edit_distance(e->name, runs[k]->metrics.v[i].name);
                if (d < bd && d <= 3) {
                    bd = d;
                    best = runs[k]->metrics.v[i].name;
                }
            }
        char b[200] = "";
        if (best)
            snprintf(b, sizeof b, "; did you mean '%s'?", best);
        return cs_errf(err, CS_USAGE, "%s: unknown metric '%s' at column %d of \"%s\"%s", r->where,
                       e->name, e->pos + 1, r->text, b);
    }
    int rc = check_names(r, e->a, runs, nruns, err);
    return rc ? rc : check_names(r, e->b, runs, nruns, err);
}

int expect_check_names(const expect_rule *r, const run_rows *const *runs, size_t nruns, cs_err *err)
{
    return check_names(r, r->root, runs, nruns, err);
}

/* ---- statistics ----------------------------------------------------------- */


/* ---- evaluation ------------------------------------------------------------- */

typedef struct ectx {
    const run_rows *const *runs;
    size_t n;
    int run;  /* a run's value, or -1: the scenario (bare metric = mean) */
    int node; /* -1 = whole run */
} ectx;

/* A plain number. */
static expect_val num(double v)
{
    return (expect_val){v, v, v, false};
}

/* Evaluate a subtree: numbers stay numbers, intervals follow interval arithmetic. */
static expect_val eval(const expect_expr *e, ectx c);

/* A metric of one run: the explicit node[i], else the context's node. */
static double metric_at(const expect_expr *e, ectx c, size_t run)
{
    int node = e->node >= 0 ? e->node : c.node;
    return rows_get_metric(c.runs[run], node, e->name);
}

/* An aggregate: its argument on every run of the scenario, then mean, CI, ...
 * A run without the value makes the aggregate undefined (NAN). */
static expect_val aggregate(const expect_expr *e, ectx c)
{
    double small[64], *x = c.n <= 64 ? small : cs_malloc(c.n * sizeof *x);
    bool any_nan = c.n == 0;
    for (size_t i = 0; i < c.n; i++) {
        ectx ci = c;
        ci.run = (int)i;
        x[i] = eval(e->a, ci).mid;
        any_nan |= isnan(x[i]);
    }
    expect_val v = num(NAN);
    if (!any_nan) {
        double m, sd, half;
        stats_mean_ci(x, c.n, &m, &sd, &half, NULL);
        switch (e->fn) {
        case F_MEAN:
            v = num(m);
            break;
        case F_STDDEV:
            v = num(sd);
            break;
        case F_MIN:
        case F_MAX: {
            double b = x[0];
            for (size_t i = 1; i < c.n; i++)
                b = e->fn == F_MIN ? fmin(b, x[i]) : fmax(b, x[i]);
            v = num(b);
            break;
        }
        case F_CI95:
            v = (expect_val){m - half, m, m + half, true};
            if (isnan(half))
                v = num(NAN);
            break;
        default:
            assert(0);
        }
    }
    if (x != small)
        free(x);
    return v;
}

/* The interval spanned by four corner values (interval * and /). */
static expect_val iv(double a, double b, double c, double d, double mid)
{
    double lo = fmin(fmin(a, b), fmin(c, d)), hi = fmax(fmax(a, b), fmax(c, d));
    return (expect_val){lo, mid, hi, true};
}

static expect_val eval(const expect_expr *e, ectx c)
{
    switch (e->k) {
    case N_NUM:
        return num(e->num);
    case N_METRIC:
        if (c.run >= 0)
            return num(metric_at(e, c, (size_t)c.run));
        {
            /* A bare metric beside an aggregate: its mean over the runs. */
            double s = 0;
            for (size_t i = 0; i < c.n; i++)
                s += metric_at(e, c, i);
            return num(c.n ? s / (double)c.n : NAN);
        }
    case N_NEG: {
        expect_val a = eval(e->a, c);
        return (expect_val){-a.hi, -a.mid, -a.lo, a.interval};
    }
    case N_FUNC:
        if (funcs[e->fn].aggregate)
            return aggregate(e, c);
        {
            expect_val a = eval(e->a, c);
            if (!a.interval)
                return num(fabs(a.mid));
            if (a.lo >= 0)
                return a;
            if (a.hi <= 0)
                return (expect_val){-a.hi, -a.mid, -a.lo, true};
            return (expect_val){0, fabs(a.mid), fmax(-a.lo, a.hi), true};
        }
    default:
        break;
    }
    expect_val a = eval(e->a, c), b = eval(e->b, c);
    bool in = a.interval || b.interval;
    expect_val r;
    switch (e->k) {
    case N_ADD:
        r = (expect_val){a.lo + b.lo, a.mid + b.mid, a.hi + b.hi, in};
        break;
    case N_SUB:
        r = (expect_val){a.lo - b.hi, a.mid - b.mid, a.hi - b.lo, in};
        break;
    case N_MUL:
        r = iv(a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi, a.mid * b.mid);
        r.interval = in;
        break;
    case N_DIV:
        if (in && b.lo <= 0 && b.hi >= 0)
            r = (expect_val){-INFINITY, a.mid / b.mid, INFINITY, true};
        else {
            r = iv(a.lo / b.lo, a.lo / b.hi, a.hi / b.lo, a.hi / b.hi, a.mid / b.mid);
            r.interval = in;
        }
        break;
    default:
        assert(0);
        r = num(NAN);
    }
    if (!r.interval)
        r.lo = r.hi = r.mid;
    return r;
}

/* Does `l CMP r` hold?  With intervals: only when it holds for every value
 * in them (==: when they overlap).  NaN never holds. */
static bool compare(int cmp, expect_val l, expect_val r)
{
    if (isnan(l.mid) || isnan(r.mid) || isnan(l.lo) || isnan(r.lo))
        return false;
    switch (cmp) {
    case EX_CMP_LT:
        return l.hi < r.lo;
    case EX_CMP_LE:
        return l.hi <= r.lo;
    case EX_CMP_GT:
        return l.lo > r.hi;
    case EX_CMP_GE:
        return l.lo >= r.hi;
    case EX_CMP_EQ:
        return l.lo <= r.hi && r.lo <= l.hi;
    case EX_CMP_NE:
        return !(l.lo <= r.hi && r.lo <= l.hi);
    default:
        return false;
    }
}

/* How comfortably the comparison holds (negative: fails); picks the run shown. */
static double margin(int cmp, expect_val l, expect_val r)
{
    if (isnan(l.mid) || isnan(r.mid))
        return -INFINITY;
    switch (cmp) {
    case EX_CMP_LT:
    case EX_CMP_LE:
        return r.lo - l.hi;
    case EX_CMP_GT:
    case EX_CMP_GE:
        return l.lo - r.hi;
    case EX_CMP_EQ:
        return -fabs(l.mid - r.mid);
    default:
        return fabs(l.mid - r.mid);
    }
}

/* Does the subtree name a metric (else it is a constant)? */
static bool has_metric(const expect_expr *e)
{
    return e && (e->k == N_METRIC || has_metric(e->a) || has_metric(e->b));
}

/* Nodes in the runs: one more than the largest node index with a metric. */
static int node_count(const run_rows *const *runs, size_t n)
{
    int m = 0;
    for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < runs[r]->metrics.n; i++)
            if (runs[r]->metrics.v[i].node + 1 > m)
                m = runs[r]->metrics.v[i].node + 1;
    return m;
}

/* The verdict of one run (or of the scenario, run = -1): every node for
 * `all nodes:`, some node for `any node:`, the whole run otherwise.  *shown
 * receives the deciding value (the worst node; for `any`, the best) and
 * *m its margin; evaluated/failed count nodes (for `any`, this run). */
typedef struct judged {
    bool ok;
    double m;
    expect_val l, r;
    int node;
} judged;

static judged judge_run(const expect_rule *r, const run_rows *const *runs, size_t nruns, int run,
                        expect_verdict *v)
{
    judged j = {false, -INFINITY, num(NAN), num(NAN), -1};
    int nn = r->scope ? node_count(run >= 0 ? runs + run : runs, run >= 0 ? 1 : nruns) : 1;
    if (nn == 0) { /* `all/any nodes` over a run without per-node metrics */
        v->evaluated++;
        v->failed++;
        return j;
    }
    bool have = false, all_ok = true, any_ok = false;
    for (int i = 0; i < nn; i++) {
        int node = r->scope ? i : -1;
        ectx c = {runs, nruns, run, node};
        expect_val l = eval(r->root->a, c), rv = eval(r->root->b, c);
        bool ok = compare(r->cmp, l, rv);
        double m = margin(r->cmp, l, rv);
        all_ok &= ok;
        any_ok |= ok;
        if (r->scope != 2) {
            v->evaluated++;
            v->failed += !ok;
        }
        bool take = !have || (r->scope == 2 ? m > j.m : m < j.m);
        if (take) {
            have = true;
            j = (judged){ok, m, l, rv, node};
        }
    }
    j.ok = r->scope == 2 ? any_ok : all_ok;
    if (r->scope == 2) {
        v->evaluated++;
        v->failed += !any_ok;
    }
    return j;
}

void expect_judge(const expect_rule *r, const run_rows *const *runs, size_t nruns,
                  expect_verdict *v)
{
    assert(r->cmp != EX_CMP_NONE);
    memset(v, 0, sizeof *v);
    v->run = -1;
    v->node = -1;
    v->lhs = v->rhs = num(NAN);
    v->rhs_const = !has_metric(r->root->b);
    /* Per-run rules: every run must pass; show the run that passes least
     * comfortably (or fails).  Aggregate rules: one verdict (run -1). */
    size_t nrun = r->aggregate ? 1 : nruns;
    bool ok = nrun > 0, have = false, shown_ok = true;
    double shown_m = 0;
    for (size_t k = 0; k < nrun; k++) {
        int run = r->aggregate ? -1 : (int)k;
        judged j = judge_run(r, runs, nruns, run, v);
        ok &= j.ok;
        /* Show a failing run before a passing one, then the smallest margin. */
        bool take = !have || (shown_ok && !j.ok) || (shown_ok == j.ok && j.m < shown_m);
        if (take) {
            have = true;
            shown_ok = j.ok;
            shown_m = j.m;
            v->lhs = j.l;
            v->rhs = j.r;
            v->run = run;
            v->node = j.node;
        }
    }
    v->pass = ok;
}

expect_val expect_value(const expect_rule *r, const run_rows *const *runs, size_t nruns, int node)
{
    if (r->aggregate) {
        ectx c = {runs, nruns, -1, node};
        return eval(r->root->a, c);
    }
    double s = 0;
    for (size_t i = 0; i < nruns; i++) {
        ectx c = {runs, nruns, (int)i, node};
        s += eval(r->root->a, c).mid;
    }
    return num(nruns ? s / (double)nruns : NAN);
}

void expect_val_str(expect_val v, char *buf, size_t cap)
{
    if (isnan(v.mid))
        snprintf(buf, cap, "null");
    else if (v.interval)
        snprintf(buf, cap, "%.4g [%.4g, %.4g]", v.mid, v.lo, v.hi);
    else
        snprintf(buf, cap, "%.6g", v.mid);
}
