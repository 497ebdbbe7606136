/* report.c — `cachestorm report DB [--out report.html] [--baseline DB]
 * [--experiment FILE]`.
 *
 * One self-contained HTML page a colleague can open offline, organised by
 * experiment and scenario (a scenario = experiment, variant and run name —
 * the name carries the sweep point and --set overrides; its runs are the
 * seeds):
 *   1. Summary: per scenario the "what happened" headline of its
 *      representative run, its `expect:` rules judged ✓/✗ over its seeds
 *      (the rules stored in its effective config), and with --baseline the
 *      compare verdicts (sim/report/verdict.c) of its key metrics.
 *   2. Per experiment: its sweep, compare and CDF pictures, a table of the
 *      key metrics per scenario (mean ± 95 % CI over the seeds, each
 *      (scenario, seed) counted once: store_unique_runs, stats_mean_ci),
 *      then per scenario the whole "what happened", the rules, and one
 *      timeline (the representative run: the median of the objective or p99
 *      over the seeds) with a selector for the other seeds.
 *   3. At the end, collapsed: every runs row, key metrics per run, state
 *      transitions per run.  Runs still `running`, abandoned, interrupted or
 *      failed are listed there only, never as results.
 * Pictures are drawn by plot_draw (SVG inlined; PNG as a data URI where the
 * SVG is larger than REPORT_SVG_MAX) within a byte budget, so a 100-run
 * database gives a page of a few MB; a picture left out for the budget says
 * how to draw it.  A little inline JS (no library, no fetch) switches seeds,
 * opens the section an anchor points into and expands/collapses all; values
 * show on hover through title attributes.  Every string from the store is
 * HTML-escaped.  Without gnuplot the page is still written (tables only, the
 * install command shown) and the status is 3.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/core/metrics.h"
#include "sim/core/stats.h"
#include "sim/report/export.h"
#include "sim/report/plot.h"
#include "sim/report/summary.h"
#include "sim/report/verdict.h"
#include "sim/run/expect.h"
#include "sim/run/experiment.h"
#include "sim/store/store.h"

#define REPORT_MAX_TRANSITIONS 40 /* per run; the rest is counted */
#define REPORT_SVG_MAX (200u << 10) /* larger SVGs are redrawn as PNG */
#define REPORT_OPEN_SCENARIOS 4     /* experiments with at most this many: sections open */

/* ---- HTML helpers -------------------------------------------------------- */

static void esc(FILE *f, const char *s)
{
    if (!s)
        return;
    for (; *s; s++)
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*s, f);
        }
}

static void num(FILE *f, double v)
{
    char b[48];
    if (isnan(v)) {
        fputs("<td class=\"na\">&ndash;</td>", f);
        return;
    }
    cs_fmt_human(b, sizeof b, v);
    fprintf(f, "<td>%s</td>", b);
}

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static const char css[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;"
    "max-width:1150px;padding:1.5em;color:#222;background:#fff}"
    "h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.3em;margin-top:2em;"
    "border-bottom:1px solid #ddd;padding-bottom:.2em}h3{font-size:1.1em;margin:1.4em 0 .4em}"
    "table{border-collapse:collapse;margin:.6em 0;font-size:13px}"
    "th,td{border:1px solid #ddd;padding:3px 8px;text-align:right;white-space:nowrap}"
    "th{background:#f3f5f7}td.l,th.l{text-align:left;white-space:normal}"
    "td.na{color:#aaa;text-align:center}tr:nth-child(even) td{background:#fafbfc}"
    "tr:hover td{background:#eef4fb}"
    ".scroll{overflow-x:auto}.muted{color:#777}.warn{background:#fff4e5;"
    "border-left:4px solid #ff9f40;padding:.6em 1em}"
    ".ok{color:#1a7f37;font-weight:600}.bad{color:#c0392b;font-weight:600}"
    "figure{margin:1em 0;padding:0}figure svg,figure img{width:100%;height:auto;display:block}"
    "figcaption{color:#555;font-size:13px;margin-top:.3em}"
    "details{margin:.4em 0}summary{cursor:pointer}details.scen{border:1px solid #e3e6ea;"
    "border-radius:4px;padding:.3em .8em;margin:.6em 0}details.scen>summary{font-weight:600}"
    "code{background:#f3f5f7;padding:0 3px}pre{background:#f7f8fa;padding:.6em;overflow-x:auto;"
    "font-size:12.5px}nav.toc{background:#f7f8fa;padding:.4em 1em;border-radius:4px}"
    "nav.toc ol{margin:.2em 0;padding-left:1.4em}button{margin-right:.5em}"
    "td .ci{color:#777;font-size:12px}"
    /* the simplified SVG's group classes (inline_svg) */
    "g.gpk,g.gpg{fill:none;stroke:currentColor;stroke-width:1;stroke-linecap:butt;"
    "stroke-linejoin:miter}g.gpk{color:black}g.gpg{color:gray}";

/* Seed selector, anchors into closed sections, expand/collapse all. */
static const char js[] =
    "(function(){"
    "function openTo(id){var e=document.getElementById(id);"
    "while(e){if(e.tagName==='DETAILS')e.open=true;e=e.parentElement;}}"
    "function onHash(){if(location.hash.length>1)"
    "openTo(decodeURIComponent(location.hash.slice(1)));}"
    "window.addEventListener('hashchange',onHash);onHash();"
    "var sels=document.querySelectorAll('select.seed');"
    "for(var i=0;sels.length>i;i++){sels[i].addEventListener('change',function(ev){"
    "var s=ev.target,g=s.getAttribute('data-group'),"
    "fs=document.querySelectorAll('figure[data-group=\"'+g+'\"]');"
    "for(var k=0;fs.length>k;k++)fs[k].hidden=fs[k].getAttribute('data-run')!==s.value;});}"
    "var bs=document.querySelectorAll('button[data-all]');"
    "for(var j=0;bs.length>j;j++){bs[j].addEventListener('click',function(ev){"
    "var o=ev.target.getAttribute('data-all')==='open',"
    "ds=document.querySelectorAll('details');"
    "for(var k=0;ds.length>k;k++)ds[k].open=o;});}"
    "})();";

/* ---- pictures -------------------------------------------------------------- */

typedef struct figure_set {
    plot_files files;
    int calls; /* one sub-folder per plot_draw call: names may repeat */
    bool no_gnuplot;
    char gnuplot_msg[1024];
    char dir[512];
    const char *db;
    size_t budget, used; /* bytes of pictures */
    size_t left_out;     /* pictures not drawn for the budget */
    size_t failed;       /* pictures gnuplot failed to draw */
    char skip_msg[1024]; /* why the last draw_kind drew nothing (CS_USAGE) */
    char fail_msg[1024]; /* the last failure */
    int fig;             /* figure counter (SVG id prefixes) */
} figure_set;

static long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

/* Draw one kind; returns the index of its first file in fs->files and sets
 * *n to how many it drew (0 when nothing of this kind, or no gnuplot). */
static size_t draw_kind(figure_set *fs, const char *kind, const char *const *runs, size_t n_runs,
                        const char *format, bool by_exp, const char *experiment,
                        const char *metric, size_t *n)
{
    size_t first = fs->files.n;
    *n = 0;
    if (fs->no_gnuplot)
        return first;
    char sub[600];
    snprintf(sub, sizeof sub, "%s/%d", fs->dir, fs->calls++);
    plot_opts o = {.prog = "report",
                   .db = fs->db,
                   .kind = kind,
                   .out_dir = sub,
                   .format = format,
                   .node = PLOT_NO_NODE,
                   .quiet = true,
                   .need_variants = strcmp(kind, "compare") == 0,
                   .by_experiment = by_exp,
                   .experiment = experiment};
    for (size_t i = 0; i < n_runs && i < PLOT_MAX_LIST; i++)
        o.runs[o.n_runs++] = runs[i];
    if (metric)
        o.metrics[o.n_metrics++] = metric;
    cs_err err = {0};
    int rc = plot_draw(&o, &fs->files, &err);
    if (rc == CS_IO) {
        /* gnuplot was found before drawing began: this picture failed;
         * the page says so where it would be, the status is 3 */
        fs->failed++;
        snprintf(fs->fail_msg, sizeof fs->fail_msg, "%s", err.msg);
        *n = 0;
        return first;
    }
    /* CS_USAGE: nothing of this kind to draw (no sweep, no variants): skip */
    fs->skip_msg[0] = 0;
    if (rc == CS_USAGE)
        snprintf(fs->skip_msg, sizeof fs->skip_msg, "%s", err.msg);
    *n = fs->files.n - first;
    return first;
}

/* The bytes a file costs on the page (PNG: base64). */
static size_t page_cost(const char *path)
{
    long k = file_size(path);
    if (k < 0)
        return 0;
    size_t len = strlen(path);
    return len > 4 && strcmp(path + len - 4, ".png") == 0 ? (size_t)k / 3 * 4 + 4 : (size_t)k;
}

/* Draw one run's picture of `kind` within the budget: SVG, redrawn as PNG
 * when the SVG is larger than REPORT_SVG_MAX.  Returns the file index, -1
 * (not drawn: no data, no gnuplot, or over the budget: *over) or -2
 * (gnuplot failed: fs->fail_msg). */
static long draw_run(figure_set *fs, const char *kind, int64_t id, bool *over)
{
    *over = false;
    if (fs->no_gnuplot)
        return -1;
    if (fs->used >= fs->budget) {
        *over = true;
        return -1;
    }
    char sel[24];
    snprintf(sel, sizeof sel, "%lld", (long long)id);
    const char *r[1] = {sel};
    size_t n;
    size_t failed = fs->failed;
    size_t i = draw_kind(fs, kind, r, 1, "svg", false, NULL, NULL, &n);
    if (n == 0)
        return fs->failed > failed ? -2 : -1;
    if (page_cost(fs->files.paths[i]) > REPORT_SVG_MAX) {
        size_t n2;
        size_t j = draw_kind(fs, kind, r, 1, "png", false, NULL, NULL, &n2);
        if (n2 && page_cost(fs->files.paths[j]) < page_cost(fs->files.paths[i]))
            i = j;
    }
    size_t c = page_cost(fs->files.paths[i]);
    if (fs->used + c > fs->budget) {
        *over = true;
        fs->used = fs->budget; /* later pictures will not fit either */
        return -1;
    }
    fs->used += c;
    return (long)i;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *in = fopen(path, "rb");
    if (!in)
        return NULL;
    fseek(in, 0, SEEK_END);
    long n = ftell(in);
    fseek(in, 0, SEEK_SET);
    if (n < 0) {
        fclose(in);
        return NULL;
    }
    char *s = cs_malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, in);
    s[got] = 0;
    fclose(in);
    *len = got;
    return s;
}

/* gnuplot's SVG repeats the same group attributes hundreds of times (half
 * of a timeline's bytes); the inlined copy names the two commonest through
 * the page's CSS classes gpk/gpg (the same properties, inherited the same
 * way), drops groups left empty and the indentation: the picture renders the
 * same at about two thirds of the bytes ("simplified SVG"). */
static const char *const svg_groups[][2] = {
    {"<g fill=\"none\" color=\"black\" stroke=\"currentColor\" stroke-width=\"1.00\" "
     "stroke-linecap=\"butt\" stroke-linejoin=\"miter\">",
     "<g class=\"gpk\">"},
    {"<g fill=\"none\" color=\"gray\" stroke=\"currentColor\" stroke-width=\"1.00\" "
     "stroke-linecap=\"butt\" stroke-linejoin=\"miter\">",
     "<g class=\"gpg\">"},
};

/* Inline an SVG file: drop the XML prolog, simplify (above) and give
 * gnuplot's fixed ids (gnuplot_canvas, gpPt0, ...) a per-figure prefix so
 * that several plots on one page do not share ids. */
static int inline_svg(FILE *f, const char *path, int fig)
{
    size_t len;
    char *s = slurp(path, &len);
    if (!s)
        return -1;
    char *p = strstr(s, "<svg");
    if (!p) {
        free(s);
        return -1;
    }
    static const char *const ids[] = {"gnuplot_", "gpPt", "gpDot", "gpPat", "gpBkgnd"};
    bool line_start = false;
    while (*p) {
        if (line_start && (*p == '\t' || *p == ' ')) {
            p++;
            continue;
        }
        line_start = *p == '\n';
        bool hit = false;
        for (size_t g = 0; g < sizeof svg_groups / sizeof *svg_groups && !hit; g++) {
            size_t gl = strlen(svg_groups[g][0]);
            if (strncmp(p, svg_groups[g][0], gl) != 0)
                continue;
            hit = true;
            const char *q = p + gl;
            while (*q == '\n' || *q == '\t' || *q == ' ')
                q++;
            if (strncmp(q, "</g>", 4) == 0) { /* an empty group */
                p = (char *)q + 4;
                if (*p == '\n')
                    p++;
                line_start = true;
            } else {
                fputs(svg_groups[g][1], f);
                p += gl;
            }
        }
        if (hit)
            continue;
        for (size_t i = 0; i < sizeof ids / sizeof *ids && !hit; i++)
            if (strncmp(p, ids[i], strlen(ids[i])) == 0) {
                fprintf(f, "f%d_", fig);
                hit = true;
            }
        fputc(*p++, f);
    }
    free(s);
    return 0;
}

static int inline_png(FILE *f, const char *path, const char *alt)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t len;
    unsigned char *s = (unsigned char *)slurp(path, &len);
    if (!s)
        return -1;
    fputs("<img alt=\"", f);
    esc(f, alt);
    fputs("\" src=\"data:image/png;base64,", f);
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)s[i] << 16 | (i + 1 < len ? (unsigned)s[i + 1] << 8 : 0) |
                     (i + 2 < len ? s[i + 2] : 0);
        fputc(b64[v >> 18 & 63], f);
        fputc(b64[v >> 12 & 63], f);
        fputc(i + 1 < len ? b64[v >> 6 & 63] : '=', f);
        fputc(i + 2 < len ? b64[v & 63] : '=', f);
    }
    fputs("\" />", f);
    free(s);
    return 0;
}

/* One <figure>; group/run set the seed selector's attributes (NULL: none). */
static void figure(FILE *f, figure_set *fs, size_t i, const char *group, int64_t run, bool hidden)
{
    const char *path = fs->files.paths[i];
    fputs("<figure class=\"plot\"", f);
    if (group)
        fprintf(f, " data-group=\"%s\" data-run=\"%lld\"", group, (long long)run);
    if (hidden)
        fputs(" hidden", f);
    fputs(">\n", f);
    size_t len = strlen(path);
    int rc = len > 4 && strcmp(path + len - 4, ".png") == 0
                 ? inline_png(f, path, fs->files.captions[i])
                 : inline_svg(f, path, fs->fig);
    fs->fig++;
    if (rc != 0)
        fputs("<p class=\"warn\">picture missing</p>", f);
    fputs("\n<figcaption>", f);
    esc(f, fs->files.captions[i]);
    fputs("</figcaption>\n</figure>\n", f);
}

static void rm_tree(figure_set *fs)
{
    for (size_t i = 0; i < fs->files.n; i++)
        unlink(fs->files.paths[i]);
    for (int k = 0; k < fs->calls; k++) {
        char sub[600];
        snprintf(sub, sizeof sub, "%s/%d", fs->dir, k);
        rmdir(sub);
    }
    rmdir(fs->dir);
}

/* ---- scenarios ------------------------------------------------------------ */

typedef struct rule_line {
    bool pass;
    char *text, *value;
} rule_line;

typedef struct rscen {
    const store_run *key; /* its first counted run (labels) */
    size_t exp;
    size_t *runs; /* indices into the counted runs, in id order */
    size_t n, cap;
    size_t rep;      /* index into runs: the representative */
    double *vals;    /* n * n_key metric values */
    char label[300]; /* what tells it apart within its experiment */
    char *happened;  /* summary_print of the representative */
    char headline[400];
    rule_line *rules;
    size_t nrules, npass;
    char rules_msg[300]; /* why the rules could not be judged, or "" */
    /* verdicts against the baseline (key metrics) */
    cmp_result *verdicts;
    bool in_baseline;
    size_t nworse, nbetter;
    /* pictures (plan_pictures): per run a file index, -1 none, -2 failed */
    long *fig;
    bool *over, *series;
    char **why; /* the failure of run i's timeline */
    long nodes_fig;
} rscen;

typedef struct rexp {
    const char *name; /* NULL: runs without an experiment */
    size_t *sc;
    size_t nsc, cap, nruns;
    const char *objective; /* metric name of its objective:, or NULL */
    char objective_note[200];
    size_t fig_first[3], fig_n[3]; /* sweep, compare, cdf (plan_pictures) */
    char *fig_fail[3];
    char *compare_note; /* why there is no compare picture, when worth saying */
} rexp;

typedef struct report {
    const report_opts *o;
    ex_store st;
    store_run *u; /* counted runs: each (scenario, seed) once, done */
    size_t nu, dropped;
    rscen *sc;
    size_t nsc;
    rexp *ex;
    size_t nex;
    const char *key[MET_N_METRICS]; /* the metric table's KEY metrics */
    size_t nkey;
    size_t not_results; /* runs rows that are not done */
    bool have_baseline;
    size_t baseline_runs;
    experiment file; /* --experiment */
    bool have_file;
} report;

static double metric_of(sqlite3 *db, int64_t id, const char *name)
{
    sqlite3_stmt *s;
    double v = NAN;
    if (sqlite3_prepare_v2(db,
                           "SELECT value FROM metrics WHERE run_id=?1 AND node IS NULL AND "
                           "name=?2 LIMIT 1",
                           -1, &s, NULL) != SQLITE_OK)
        return NAN;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
        v = sqlite3_column_double(s, 0);
    sqlite3_finalize(s);
    return v;
}

static char *config_text(sqlite3 *db, int64_t id)
{
    sqlite3_stmt *s;
    char *t = NULL;
    if (sqlite3_prepare_v2(db, "SELECT config_text FROM runs WHERE id=?1", -1, &s, NULL) !=
        SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
        t = cs_strdup((const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return t;
}

static bool has_series(sqlite3 *db, int64_t run_id)
{
    sqlite3_stmt *s;
    bool yes = false;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM series WHERE run_id=?1 LIMIT 1", -1, &s, NULL) !=
        SQLITE_OK)
        return false;
    sqlite3_bind_int64(s, 1, run_id);
    yes = sqlite3_step(s) == SQLITE_ROW;
    sqlite3_finalize(s);
    return yes;
}

static size_t key_index(const report *R, const char *name)
{
    for (size_t k = 0; k < R->nkey; k++)
        if (strcmp(R->key[k], name) == 0)
            return k;
    return R->nkey;
}

/* The metric the representative run and the sweep picture follow. */
static const char *focus_metric(const report *R, const rscen *c)
{
    const rexp *e = &R->ex[c->exp];
    return e->objective ? e->objective : "latency.p99_ms";
}

typedef struct idxval {
    double v;
    int64_t id;
} idxval;
static int cmp_idxval(const void *a, const void *b)
{
    const idxval *x = a, *y = b;
    bool nx = isnan(x->v), ny = isnan(y->v);
    if (nx != ny)
        return nx ? 1 : -1;
    if (!nx && x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Group the counted runs into experiments and scenarios. */
static void build_scenarios(report *R)
{
    for (size_t i = 0; i < R->nu; i++) {
        const store_run *r = &R->u[i];
        size_t s = 0;
        for (; s < R->nsc; s++) {
            const store_run *k = R->sc[s].key;
            if (same_str(k->experiment, r->experiment) && same_str(k->variant, r->variant) &&
                strcmp(k->name, r->name) == 0)
                break;
        }
        if (s == R->nsc) {
            R->sc = realloc(R->sc, (R->nsc + 1) * sizeof *R->sc);
            if (!R->sc)
                abort();
            memset(&R->sc[s], 0, sizeof *R->sc);
            R->sc[s].key = r;
            R->nsc++;
            size_t e = 0;
            for (; e < R->nex; e++)
                if (same_str(R->ex[e].name, r->experiment))
                    break;
            if (e == R->nex) {
                R->ex = realloc(R->ex, (R->nex + 1) * sizeof *R->ex);
                if (!R->ex)
                    abort();
                memset(&R->ex[e], 0, sizeof *R->ex);
                R->ex[e].name = r->experiment;
                R->nex++;
            }
            R->sc[s].exp = e;
            cs_grow((void **)&R->ex[e].sc, &R->ex[e].cap, R->ex[e].nsc + 1, sizeof(size_t));
            R->ex[e].sc[R->ex[e].nsc++] = s;
        }
        rscen *c = &R->sc[s];
        cs_grow((void **)&c->runs, &c->cap, c->n + 1, sizeof *c->runs);
        c->runs[c->n++] = i;
        R->ex[c->exp].nruns++;
    }
    /* Labels: the variant and what the name adds to the experiment's. */
    for (size_t s = 0; s < R->nsc; s++) {
        rscen *c = &R->sc[s];
        const store_run *k = c->key;
        const char *point = k->name;
        size_t le = k->experiment ? strlen(k->experiment) : 0;
        if (le && strncmp(point, k->experiment, le) == 0 && (point[le] == ' ' || !point[le]))
            point += le + (point[le] == ' ');
        snprintf(c->label, sizeof c->label, "%s%s%s", k->variant ? k->variant : "",
                 k->variant && *point ? ", " : "", point);
        if (!c->label[0])
            snprintf(c->label, sizeof c->label, "%s", k->name);
    }
}

/* The objective: of --experiment FILE for its experiment, when it is one metric. */
static void objectives(report *R)
{
    if (!R->have_file)
        return;
    for (size_t e = 0; e < R->nex; e++) {
        rexp *x = &R->ex[e];
        if (!x->name || !R->file.name || strcmp(x->name, R->file.name) != 0 ||
            !R->file.has_objective)
            continue;
        const char *t = R->file.objective.text;
        if (t && metric_lookup(t)) {
            x->objective = t;
        } else {
            snprintf(x->objective_note, sizeof x->objective_note,
                     "objective %s is an expression, not one metric: pictures follow "
                     "latency.p99_ms",
                     t ? t : "?");
        }
    }
}

static void scenario_values(report *R, rscen *c)
{
    c->vals = cs_calloc(c->n * R->nkey + 1, sizeof *c->vals);
    for (size_t i = 0; i < c->n; i++)
        for (size_t k = 0; k < R->nkey; k++)
            c->vals[i * R->nkey + k] = metric_of(R->st.db, R->u[c->runs[i]].id, R->key[k]);
    /* representative: the median of the focus metric over the seeds */
    const char *m = focus_metric(R, c);
    size_t ki = key_index(R, m);
    idxval *iv = cs_calloc(c->n, sizeof *iv);
    for (size_t i = 0; i < c->n; i++) {
        iv[i].id = R->u[c->runs[i]].id;
        iv[i].v = ki < R->nkey ? c->vals[i * R->nkey + ki] : metric_of(R->st.db, iv[i].id, m);
    }
    qsort(iv, c->n, sizeof *iv, cmp_idxval);
    int64_t want = iv[(c->n - 1) / 2].id;
    free(iv);
    for (size_t i = 0; i < c->n; i++)
        if (R->u[c->runs[i]].id == want)
            c->rep = i;
}

static void scenario_happened(report *R, rscen *c)
{
    const store_run *r = &R->u[c->runs[c->rep]];
    run_rows rows = {0};
    cs_err err = {0};
    if (store_read_rows(R->st.store, r->id, &rows, &err) == CS_OK) {
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        if (m) {
            summary_print(m, &rows, NULL);
            fclose(m);
            c->happened = buf;
        }
    }
    rows_free(&rows);
    /* headline: the "failed" line, and the fault when there is one */
    const char *want[] = {"fault", "failed", "saturated"};
    size_t k = 0;
    for (size_t w = 0; w < 3 && c->happened; w++) {
        const char *p = c->happened;
        while (p && *p) {
            const char *eol = strchr(p, '\n');
            size_t ll = eol ? (size_t)(eol - p) : strlen(p);
            const char *q = p;
            while (q < p + ll && *q == ' ')
                q++;
            size_t lw = strlen(want[w]);
            if ((size_t)(p + ll - q) > lw && strncmp(q, want[w], lw) == 0 && q[lw] == ' ') {
                q += lw;
                while (*q == ' ')
                    q++;
                if (strncmp(q, "none", 4) == 0 || strncmp(q, "nothing", 7) == 0)
                    break; /* "fault none", "saturated nothing": not news */
                if (w == 2) { /* saturated: the resource, without the metrics that show it */
                    const char *par = memchr(q, '(', (size_t)(p + ll - q));
                    if (par && par > q + 1)
                        ll = (size_t)(par - 1 - p);
                }
                k += (size_t)snprintf(c->headline + k, k < sizeof c->headline ? sizeof c->headline - k : 0,
                                      "%s%s %.*s", k ? "; " : "", want[w], (int)(p + ll - q), q);
                if (k >= sizeof c->headline)
                    k = sizeof c->headline - 1;
                break;
            }
            p = eol ? eol + 1 : NULL;
        }
    }
    if (!c->headline[0])
        snprintf(c->headline, sizeof c->headline, "no fault, no failed request");
}

/* The scenario's expect: rules, from its effective config, judged over its
 * seeds as `cachestorm check` does (expect_judge). */
static void scenario_rules(report *R, rscen *c)
{
    const store_run *r = &R->u[c->runs[c->rep]];
    char *text = config_text(R->st.db, r->id);
    if (!text)
        return;
    if (!strstr(text, "expect:")) {
        free(text);
        return;
    }
    experiment e;
    cs_err err = {0};
    char name[64];
    snprintf(name, sizeof name, "run %lld config", (long long)r->id);
    if (exp_load_string(text, name, NULL, 0, &e, &err) != CS_OK) {
        snprintf(c->rules_msg, sizeof c->rules_msg, "rules not judged: %.250s", err.msg);
        free(text);
        return;
    }
    free(text);
    if (e.nsc == 1 && e.sc[0].nrules) {
        run_rows *rows = cs_calloc(c->n, sizeof *rows);
        const run_rows **rp = cs_calloc(c->n, sizeof *rp);
        for (size_t i = 0; i < c->n; i++) {
            exp_read_metrics(R->st.db, R->u[c->runs[i]].id, &rows[i], &err);
            rp[i] = &rows[i];
        }
        c->rules = cs_calloc(e.sc[0].nrules, sizeof *c->rules);
        for (size_t k = 0; k < e.sc[0].nrules; k++) {
            expect_verdict v;
            expect_judge(&e.sc[0].rules[k], rp, c->n, &v);
            char a[64], b[64], val[160];
            expect_val_str(v.lhs, a, sizeof a);
            if (v.rhs_const)
                snprintf(val, sizeof val, "%s", a);
            else {
                expect_val_str(v.rhs, b, sizeof b);
                snprintf(val, sizeof val, "%s vs %s", a, b);
            }
            if (!v.pass && v.evaluated > 1) {
                size_t l = strlen(val);
                snprintf(val + l, sizeof val - l, " (%zu of %zu fail)", v.failed, v.evaluated);
            }
            c->rules[k] = (rule_line){v.pass, cs_strdup(e.sc[0].rules[k].text), cs_strdup(val)};
            c->npass += v.pass;
        }
        c->nrules = e.sc[0].nrules;
        for (size_t i = 0; i < c->n; i++)
            rows_free(&rows[i]);
        free(rows);
        free(rp);
    }
    exp_free(&e);
}

/* Verdicts of the key metrics against the same scenario in the baseline. */
static int baseline_verdicts(report *R, cs_err *err)
{
    store *b;
    int rc = store_open_readonly(R->o->baseline, &b, err);
    if (rc)
        return rc;
    store_run *bu = NULL;
    size_t nbu = 0;
    if ((rc = store_unique_runs(b, NULL, &bu, &nbu, NULL, err))) {
        store_close(b);
        return rc;
    }
    R->have_baseline = true;
    R->baseline_runs = nbu;
    cmp_thresholds th;
    cmp_thresholds_default(&th);
    for (size_t s = 0; s < R->nsc; s++) {
        rscen *c = &R->sc[s];
        const store_run *k = c->key;
        size_t nb = 0;
        int64_t *ids = cs_calloc(nbu + 1, sizeof *ids);
        int64_t *seeds_b = cs_calloc(nbu + 1, sizeof *seeds_b);
        for (size_t i = 0; i < nbu; i++)
            if (same_str(bu[i].experiment, k->experiment) && same_str(bu[i].variant, k->variant) &&
                strcmp(bu[i].name, k->name) == 0) {
                ids[nb] = bu[i].id;
                seeds_b[nb++] = (int64_t)bu[i].seed;
            }
        c->in_baseline = nb > 0;
        if (nb) {
            c->verdicts = cs_calloc(R->nkey, sizeof *c->verdicts);
            double *xb = cs_calloc(nb, sizeof *xb), *xc = cs_calloc(c->n, sizeof *xc);
            int64_t *sb = cs_calloc(nb, sizeof *sb), *sc = cs_calloc(c->n, sizeof *sc);
            for (size_t m = 0; m < R->nkey; m++) {
                size_t kb = 0, kc = 0;
                for (size_t i = 0; i < nb; i++) {
                    double v = metric_of(store_db(b), ids[i], R->key[m]);
                    if (!isnan(v))
                        xb[kb] = v, sb[kb] = seeds_b[i], kb++;
                }
                for (size_t i = 0; i < c->n; i++) {
                    double v = c->vals[i * R->nkey + m];
                    if (!isnan(v))
                        xc[kc] = v, sc[kc] = (int64_t)R->u[c->runs[i]].seed, kc++;
                }
                cmp_judge(&c->verdicts[m], R->key[m], xb, sb, kb, xc, sc, kc, &th);
                c->nworse += c->verdicts[m].v == CMP_WORSE;
                c->nbetter += c->verdicts[m].v == CMP_BETTER;
            }
            free(xb), free(xc), free(sb), free(sc);
        }
        free(ids), free(seeds_b);
    }
    store_runs_free(bu, nbu);
    store_close(b);
    return CS_OK;
}

/* ---- page sections ----------------------------------------------------------- */

static void fmt_ci(FILE *f, const double *v, size_t n, const char *title, bool mark_n1)
{
    double mean, half;
    size_t used;
    stats_mean_ci(v, n, &mean, NULL, &half, &used);
    if (used == 0) {
        fputs("<td class=\"na\">&ndash;</td>", f);
        return;
    }
    char a[48], b[48];
    cs_fmt_human(a, sizeof a, mean);
    fputs("<td title=\"", f);
    esc(f, title);
    fprintf(f, "\">%s", a);
    if (used >= 2 && !isnan(half)) {
        cs_fmt_human(b, sizeof b, half);
        fprintf(f, " <span class=\"ci\">&plusmn; %s</span>", b);
    } else if (mark_n1)
        fputs(" <span class=\"ci\">(n=1)</span>", f);
    fputs("</td>", f);
}

static void check_cell(FILE *f, const rscen *c)
{
    if (!c->nrules) {
        fputs("<td class=\"na\">no rules</td>", f);
        return;
    }
    fprintf(f, "<td class=\"%s\" title=\"", c->npass == c->nrules ? "ok" : "bad");
    for (size_t k = 0; k < c->nrules; k++) { /* hover: each rule and its value */
        fputs(c->rules[k].pass ? "pass: " : "FAIL: ", f);
        esc(f, c->rules[k].text);
        fputs(" (", f);
        esc(f, c->rules[k].value);
        fputs(k + 1 < c->nrules ? ")&#10;" : ")", f);
    }
    fprintf(f, "\">%s %zu/%zu</td>", c->npass == c->nrules ? "&#10003;" : "&#10007;", c->npass,
            c->nrules);
}

static void verdict_cell(FILE *f, const report *R, const rscen *c)
{
    if (!c->in_baseline) {
        fputs("<td class=\"na\">not in baseline</td>", f);
        return;
    }
    fputs("<td class=\"l\">", f);
    if (c->nworse)
        fprintf(f, "<span class=\"bad\">WORSE</span>: ");
    size_t shown = 0;
    for (size_t m = 0; m < R->nkey; m++) {
        const cmp_result *v = &c->verdicts[m];
        if (v->v != CMP_WORSE && v->v != CMP_BETTER)
            continue;
        char ch[64], d[48];
        if (isnan(v->change)) { /* from 0: the difference itself */
            cs_fmt_human(d, sizeof d, v->mc - v->mb);
            snprintf(ch, sizeof ch, "%s%s (from 0)", v->mc > v->mb ? "+" : "", d);
        } else
            snprintf(ch, sizeof ch, "%+.1f%%", v->change * 100);
        fprintf(f, "%s<span class=\"%s\">%s %s</span>", shown++ ? ", " : "",
                v->v == CMP_WORSE ? "bad" : "ok", R->key[m], ch);
    }
    if (!shown)
        fputs("<span class=\"ok\">no key metric significantly changed</span>", f);
    fputs("</td>", f);
}

static void summary_section(FILE *f, const report *R)
{
    fputs("<h2 id=\"summary\">Summary</h2>\n", f);
    if (R->have_baseline) {
        size_t w = 0, b = 0, in = 0;
        for (size_t s = 0; s < R->nsc; s++)
            w += R->sc[s].nworse > 0, b += R->sc[s].nbetter > 0, in += R->sc[s].in_baseline;
        fputs("<p>Against the baseline <code>", f);
        esc(f, R->o->baseline);
        fprintf(f,
                "</code> (%zu counted runs): %zu of %zu scenarios matched, <span class=\"%s\">%zu "
                "with a key metric significantly worse</span>, %zu with one better (Welch or "
                "paired t-test, p &lt; 0.05, at least 1 %% and the unit's floor; as "
                "<code>cachestorm compare</code>).</p>\n",
                R->baseline_runs, in, R->nsc, w ? "bad" : "ok", w, b);
    }
    for (size_t e = 0; e < R->nex; e++) {
        const rexp *x = &R->ex[e];
        fprintf(f, "<h3><a href=\"#exp-%zu\">", e);
        if (x->name) {
            fputs("Experiment ", f);
            esc(f, x->name);
        } else
            fputs("Runs without an experiment", f);
        fprintf(f, "</a> <span class=\"muted\">%zu scenario%s, %zu run%s</span></h3>\n", x->nsc,
                x->nsc == 1 ? "" : "s", x->nruns, x->nruns == 1 ? "" : "s");
        fputs("<div class=\"scroll\"><table>\n<tr><th class=\"l\">scenario</th><th>seeds</th>"
              "<th class=\"l\">what happened (representative run)</th><th>rules</th>",
              f);
        if (R->have_baseline)
            fputs("<th class=\"l\">vs baseline</th>", f);
        fputs("</tr>\n", f);
        for (size_t k = 0; k < x->nsc; k++) {
            const rscen *c = &R->sc[x->sc[k]];
            fprintf(f, "<tr><td class=\"l\"><a href=\"#sc-%zu\">", x->sc[k]);
            esc(f, c->label);
            fprintf(f, "</a></td><td>%zu</td><td class=\"l\">", c->n);
            esc(f, c->headline);
            fputs("</td>", f);
            check_cell(f, c);
            if (R->have_baseline)
                verdict_cell(f, R, c);
            fputs("</tr>\n", f);
        }
        fputs("</table></div>\n", f);
    }
}

static void aggregate_table(FILE *f, const report *R, const rexp *x)
{
    bool *any = cs_calloc(R->nkey + 1, sizeof *any);
    for (size_t k = 0; k < x->nsc; k++) {
        const rscen *c = &R->sc[x->sc[k]];
        for (size_t i = 0; i < c->n; i++)
            for (size_t m = 0; m < R->nkey; m++)
                any[m] |= !isnan(c->vals[i * R->nkey + m]);
    }
    bool many = false; /* some scenario has several seeds: mark the single ones */
    for (size_t k = 0; k < x->nsc; k++)
        many |= R->sc[x->sc[k]].n > 1;
    if (many)
        fputs("<p class=\"muted\">Key metrics per scenario: mean &plusmn; 95 % CI (Student t) "
              "over its seeds, each (scenario, seed) counted once (n=1: one seed, no interval); "
              "hover a cell for the value of each seed.</p>\n",
              f);
    else
        fputs("<p class=\"muted\">Key metrics per scenario: one seed each, so no confidence "
              "interval.</p>\n",
              f);
    fputs("<div class=\"scroll\"><table>\n<tr><th class=\"l\">scenario</th><th>seeds</th>", f);
    for (size_t m = 0; m < R->nkey; m++)
        if (any[m]) {
            const metric_info *mi = metric_lookup(R->key[m]);
            fputs("<th title=\"", f);
            esc(f, mi ? mi->meaning : "");
            fputs("\">", f);
            esc(f, R->key[m]);
            if (mi)
                fprintf(f, "<br><span class=\"muted\">%s</span>", metric_unit_name(mi->unit));
            fputs("</th>", f);
        }
    fputs("</tr>\n", f);
    for (size_t k = 0; k < x->nsc; k++) {
        const rscen *c = &R->sc[x->sc[k]];
        fprintf(f, "<tr><td class=\"l\"><a href=\"#sc-%zu\">", x->sc[k]);
        esc(f, c->label);
        fprintf(f, "</a></td><td>%zu</td>", c->n);
        double *v = cs_calloc(c->n + 1, sizeof *v);
        for (size_t m = 0; m < R->nkey; m++) {
            if (!any[m])
                continue;
            char title[1024];
            size_t tl = 0;
            title[0] = 0;
            for (size_t i = 0; i < c->n; i++) {
                v[i] = c->vals[i * R->nkey + m];
                char b[48];
                cs_fmt_human(b, sizeof b, v[i]);
                if (tl < sizeof title)
                    tl += (size_t)snprintf(title + tl, sizeof title - tl, "%sseed %llu: %s",
                                           i ? ", " : "", (unsigned long long)R->u[c->runs[i]].seed,
                                           b);
            }
            fmt_ci(f, v, c->n, title, many);
        }
        free(v);
        fputs("</tr>\n", f);
    }
    fputs("</table></div>\n", f);
    free(any);
}

static void scenario_section(FILE *f, report *R, figure_set *fs, size_t s, bool open)
{
    rscen *c = &R->sc[s];
    fprintf(f, "<details class=\"scen\" id=\"sc-%zu\"%s><summary>", s, open ? " open" : "");
    esc(f, c->label);
    fprintf(f, " <span class=\"muted\">&mdash; %zu seed%s", c->n, c->n == 1 ? "" : "s");
    if (c->nrules)
        fprintf(f, ", rules %zu/%zu %s", c->npass, c->nrules,
                c->npass == c->nrules ? "&#10003;" : "&#10007;");
    fputs("</span></summary>\n", f);
    const store_run *rep = &R->u[c->runs[c->rep]];
    fputs("<p class=\"muted\">Run name <code>", f);
    esc(f, c->key->name);
    fprintf(f, "</code>. Representative run %lld (seed %llu): the median of %s over the "
               "seeds.</p>\n",
            (long long)rep->id, (unsigned long long)rep->seed, focus_metric(R, c));
    if (c->happened) {
        fputs("<pre>", f);
        esc(f, c->happened);
        fputs("</pre>\n", f);
    }
    if (c->rules_msg[0]) {
        fputs("<p class=\"warn\">", f);
        esc(f, c->rules_msg);
        fputs("</p>\n", f);
    }
    if (c->nrules) {
        fputs("<table><tr><th></th><th class=\"l\">rule (expect:)</th><th class=\"l\">value"
              "</th></tr>\n",
              f);
        for (size_t k = 0; k < c->nrules; k++) {
            fprintf(f, "<tr><td class=\"%s\">%s</td><td class=\"l\"><code>",
                    c->rules[k].pass ? "ok" : "bad", c->rules[k].pass ? "&#10003;" : "&#10007;");
            esc(f, c->rules[k].text);
            fputs("</code></td><td class=\"l\">", f);
            esc(f, c->rules[k].value);
            fputs("</td></tr>\n", f);
        }
        fputs("</table>\n", f);
    }
    if (R->have_baseline && c->in_baseline) {
        fputs("<table><tr><th class=\"l\">metric</th><th>baseline</th><th>this</th>"
              "<th>change</th><th>p</th><th class=\"l\">verdict</th></tr>\n",
              f);
        for (size_t m = 0; m < R->nkey; m++) {
            const cmp_result *v = &c->verdicts[m];
            if (v->v == CMP_MISSING)
                continue;
            fputs("<tr><td class=\"l\">", f);
            esc(f, R->key[m]);
            fputs("</td>", f);
            num(f, v->mb);
            num(f, v->mc);
            if (isnan(v->change))
                fputs("<td class=\"na\">&ndash;</td>", f);
            else
                fprintf(f, "<td>%+.1f%%</td>", v->change * 100);
            if (isnan(v->p))
                fputs("<td class=\"na\">&ndash;</td>", f);
            else
                fprintf(f, "<td>%s%.3f</td>", v->p < 0.001 ? "&lt;" : "",
                        v->p < 0.001 ? 0.001 : v->p);
            fprintf(f, "<td class=\"l %s\">%s</td></tr>\n",
                    v->v == CMP_WORSE ? "bad" : v->v == CMP_BETTER ? "ok" : "",
                    cmp_verdict_names[v->v]);
        }
        fputs("</table>\n", f);
    }
    /* Timelines: the representative first (plan_pictures drew them). */
    char group[32];
    snprintf(group, sizeof group, "tl%zu", s);
    long *fig = c->fig;
    bool *over = c->over, *series = c->series;
    if (c->n > 1) {
        fprintf(f, "<p>Timeline of seed <select class=\"seed\" data-group=\"%s\">", group);
        for (size_t k = 0; k < c->n; k++) {
            size_t i = (c->rep + k) % c->n;
            const store_run *r = &R->u[c->runs[i]];
            fprintf(f, "<option value=\"%lld\"%s>seed %llu (run %lld)%s%s</option>",
                    (long long)r->id, k == 0 ? " selected" : "", (unsigned long long)r->seed,
                    (long long)r->id, k == 0 ? " representative" : "",
                    fig[i] >= 0      ? ""
                    : fig[i] == -2 ? " failed"
                    : over[i]      ? " not drawn: page budget"
                                   : " no series");
        }
        fputs("</select></p>\n", f);
    }
    for (size_t k = 0; k < c->n; k++) {
        size_t i = (c->rep + k) % c->n;
        const store_run *r = &R->u[c->runs[i]];
        if (fig[i] >= 0) {
            figure(f, fs, (size_t)fig[i], group, r->id, k != 0);
        } else {
            fprintf(f, "<figure data-group=\"%s\" data-run=\"%lld\"%s><p class=\"muted\">", group,
                    (long long)r->id, k ? " hidden" : "");
            if (fig[i] == -2) {
                fprintf(f, "</p><p class=\"warn\">Timeline of run %lld failed: ", (long long)r->id);
                esc(f, c->why[i]);
                fputs(" <code>cachestorm plot ", f);
            } else if (over[i])
                fprintf(f, "Timeline of run %lld not drawn: the page's picture budget is spent. "
                           "Draw it with <code>cachestorm plot ",
                        (long long)r->id);
            else if (!series[i])
                fprintf(f, "Run %lld stored no time series: no timeline. <code>cachestorm show ",
                        (long long)r->id);
            else
                fprintf(f, "No timeline of run %lld. <code>cachestorm plot ", (long long)r->id);
            esc(f, R->o->db);
            fprintf(f, " %lld</code></p></figure>\n", (long long)r->id);
        }
    }
    /* per-node picture of the representative run */
    if (c->nodes_fig >= 0) {
        fprintf(f, "<details><summary>Per node: run %lld</summary>\n", (long long)rep->id);
        figure(f, fs, (size_t)c->nodes_fig, NULL, 0, false);
        fputs("</details>\n", f);
    }
    fputs("</details>\n", f);
}

/* Draw every picture before the page is written, most useful first, so
 * that the budget leaves out the least useful: the experiments' pictures,
 * then one timeline per scenario (its representative run), then the
 * representatives' per-node pictures, then the other seeds' timelines, one
 * seed of every scenario at a time. */
static void plan_pictures(report *R, figure_set *fs)
{
    static const char *const kinds[] = {"sweep", "compare", "cdf"};
    for (size_t e = 0; e < R->nex; e++) {
        rexp *x = &R->ex[e];
        for (size_t k = 0; k < 3; k++) {
            x->fig_first[k] = fs->files.n;
            if (fs->used >= fs->budget) {
                fs->left_out++;
                continue;
            }
            const char *metric = k == 0 && x->objective ? x->objective : NULL;
            size_t failed = fs->failed;
            x->fig_first[k] =
                draw_kind(fs, kinds[k], NULL, 0, "svg", true, x->name, metric, &x->fig_n[k]);
            if (fs->failed > failed)
                x->fig_fail[k] = cs_strdup(fs->fail_msg);
            if (k == 1 && x->fig_n[k] == 0 && strstr(fs->skip_msg, "too many"))
                x->compare_note = cs_strdup(fs->skip_msg);
            for (size_t i = x->fig_first[k]; i < x->fig_first[k] + x->fig_n[k]; i++)
                fs->used += page_cost(fs->files.paths[i]);
        }
    }
    size_t most = 0;
    for (size_t s = 0; s < R->nsc; s++) {
        rscen *c = &R->sc[s];
        c->fig = cs_calloc(c->n, sizeof *c->fig);
        c->over = cs_calloc(c->n, sizeof *c->over);
        c->series = cs_calloc(c->n, sizeof *c->series);
        c->why = cs_calloc(c->n, sizeof *c->why);
        for (size_t i = 0; i < c->n; i++) {
            c->fig[i] = -1;
            c->series[i] = has_series(R->st.db, R->u[c->runs[i]].id);
        }
        c->nodes_fig = -1;
        most = c->n > most ? c->n : most;
    }
    for (size_t k = 0; k < most; k++) { /* k = 0: the representatives */
        for (size_t s = 0; s < R->nsc; s++) {
            rscen *c = &R->sc[s];
            if (k >= c->n)
                continue;
            size_t i = (c->rep + k) % c->n;
            if (!c->series[i])
                continue;
            c->fig[i] = draw_run(fs, "timeline", R->u[c->runs[i]].id, &c->over[i]);
            if (c->fig[i] == -2)
                c->why[i] = cs_strdup(fs->fail_msg);
            if (c->over[i])
                fs->left_out++;
        }
        if (k == 0)
            for (size_t s = 0; s < R->nsc; s++) {
                rscen *c = &R->sc[s];
                bool over;
                c->nodes_fig = draw_run(fs, "nodes", R->u[c->runs[c->rep]].id, &over);
                if (over)
                    fs->left_out++;
            }
    }
}

static void experiment_section(FILE *f, report *R, figure_set *fs, size_t e)
{
    rexp *x = &R->ex[e];
    fprintf(f, "<h2 id=\"exp-%zu\">", e);
    if (x->name) {
        fputs("Experiment ", f);
        esc(f, x->name);
    } else
        fputs("Runs without an experiment", f);
    fputs("</h2>\n", f);
    if (x->objective_note[0]) {
        fputs("<p class=\"muted\">", f);
        esc(f, x->objective_note);
        fputs("</p>\n", f);
    } else if (x->objective) {
        fputs("<p class=\"muted\">Objective (from the experiment file): <code>", f);
        esc(f, x->objective);
        fputs("</code>.</p>\n", f);
    }
    aggregate_table(f, R, x);
    /* the experiment's pictures: sweep (of its objective), compare, CDF */
    static const char *const kinds[] = {"sweep", "compare", "cdf"};
    for (size_t k = 0; k < 3; k++) {
        if (x->fig_fail[k]) {
            fprintf(f, "<p class=\"warn\">The %s picture failed: ", kinds[k]);
            esc(f, x->fig_fail[k]);
            fputs("</p>\n", f);
        }
        for (size_t i = x->fig_first[k]; i < x->fig_first[k] + x->fig_n[k]; i++)
            figure(f, fs, i, NULL, 0, false);
        if (k == 1 && x->compare_note) {
            fputs("<p class=\"muted\">No compare picture: ", f);
            esc(f, x->compare_note);
            fputs(". The table above has every scenario.</p>\n", f);
        }
    }
    bool open = x->nsc <= REPORT_OPEN_SCENARIOS;
    fprintf(f, "<h3>Scenarios</h3>\n%s", open ? "" : "<p class=\"muted\">Click a scenario to open it.</p>\n");
    for (size_t k = 0; k < x->nsc; k++)
        scenario_section(f, R, fs, x->sc[k], open);
}

/* ---- per-run tables (collapsed, at the end) ---------------------------------- */

static bool counted(const report *R, int64_t id)
{
    for (size_t i = 0; i < R->nu; i++)
        if (R->u[i].id == id)
            return true;
    return false;
}

static void runs_table(FILE *f, const report *R)
{
    fputs("<details id=\"runs-table\"><summary>Every runs row</summary>\n<div class=\"scroll\">"
          "<table>\n<tr><th>id</th><th class=\"l\">name</th><th class=\"l\">experiment</th>"
          "<th class=\"l\">variant</th><th class=\"l\">status</th><th>seed</th><th>simulated "
          "(s)</th><th>events</th><th>wall (s)</th><th class=\"l\">version</th>"
          "<th class=\"l\">finished</th></tr>\n",
          f);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(R->st.db,
                           "SELECT id, name, experiment, variant, status, seed, sim_ns, events, "
                           "wall_s, version, finished_at FROM runs ORDER BY id",
                           -1, &s, NULL) == SQLITE_OK) {
        while (sqlite3_step(s) == SQLITE_ROW) {
            int64_t id = sqlite3_column_int64(s, 0);
            fprintf(f, "<tr><td>%lld</td>", (long long)id);
            for (int c = 1; c <= 4; c++) {
                fputs("<td class=\"l\">", f);
                esc(f, (const char *)sqlite3_column_text(s, c));
                if (c == 4) {
                    const char *st = (const char *)sqlite3_column_text(s, c);
                    if (st && strcmp(st, "done") == 0 && !counted(R, id))
                        fputs(" (a rerun: not counted)", f);
                    else if (st && strcmp(st, "done") != 0)
                        fputs(" (not a result)", f);
                }
                fputs("</td>", f);
            }
            for (int c = 5; c <= 8; c++) {
                if (sqlite3_column_type(s, c) == SQLITE_NULL)
                    num(f, NAN);
                else if (c == 6)
                    num(f, (double)sqlite3_column_int64(s, c) / 1e9);
                else
                    num(f, sqlite3_column_double(s, c));
            }
            for (int c = 9; c <= 10; c++) {
                fputs("<td class=\"l\">", f);
                esc(f, (const char *)sqlite3_column_text(s, c));
                fputs("</td>", f);
            }
            fputs("</tr>\n", f);
        }
        sqlite3_finalize(s);
    }
    fputs("</table></div>\n</details>\n", f);
}

static void metrics_table(FILE *f, const report *R)
{
    bool any[MET_N_METRICS] = {0};
    for (size_t s = 0; s < R->nsc; s++)
        for (size_t i = 0; i < R->sc[s].n; i++)
            for (size_t m = 0; m < R->nkey; m++)
                any[m] |= !isnan(R->sc[s].vals[i * R->nkey + m]);
    fputs("<details id=\"runs-metrics\"><summary>Key metrics per counted run</summary>\n"
          "<div class=\"scroll\"><table>\n<tr><th>id</th><th class=\"l\">scenario</th>"
          "<th>seed</th>",
          f);
    for (size_t m = 0; m < R->nkey; m++)
        if (any[m]) {
            fputs("<th>", f);
            esc(f, R->key[m]);
            fputs("</th>", f);
        }
    fputs("</tr>\n", f);
    for (size_t s = 0; s < R->nsc; s++)
        for (size_t i = 0; i < R->sc[s].n; i++) {
            const store_run *r = &R->u[R->sc[s].runs[i]];
            fprintf(f, "<tr><td>%lld</td><td class=\"l\"><a href=\"#sc-%zu\">", (long long)r->id,
                    s);
            esc(f, R->sc[s].label);
            fprintf(f, "</a></td><td>%llu</td>", (unsigned long long)r->seed);
            for (size_t m = 0; m < R->nkey; m++)
                if (any[m])
                    num(f, R->sc[s].vals[i * R->nkey + m]);
            fputs("</tr>\n", f);
        }
    fputs("</table></div>\n</details>\n", f);
}

static void transitions_tables(FILE *f, const report *R)
{
    fputs("<details id=\"runs-transitions\"><summary>State transitions per run (breakers, "
          "connections, faults, pools)</summary>\n",
          f);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(R->st.db,
                           "SELECT t_ns, node, component, from_state, to_state, reason FROM "
                           "transitions WHERE run_id=?1 ORDER BY t_ns, rowid",
                           -1, &s, NULL) != SQLITE_OK) {
        fputs("</details>\n", f);
        return;
    }
    for (size_t r = 0; r < R->st.n_runs; r++) {
        const ex_run *run = &R->st.runs[r];
        sqlite3_reset(s);
        sqlite3_bind_int64(s, 1, run->id);
        size_t n = 0;
        while (sqlite3_step(s) == SQLITE_ROW) {
            if (n == 0) {
                fprintf(f, "<details><summary>run %lld ", (long long)run->id);
                esc(f, run->name);
                if (run->variant) {
                    fputs(" / ", f);
                    esc(f, run->variant);
                }
                fprintf(f, " (seed %lld, %s)</summary>\n<table>\n<tr><th>t (s)</th><th>node"
                           "</th><th class=\"l\">component</th><th class=\"l\">from</th>"
                           "<th class=\"l\">to</th><th class=\"l\">reason</th></tr>\n",
                        (long long)run->seed, run->status);
            }
            if (n++ >= REPORT_MAX_TRANSITIONS)
                continue;
            fprintf(f, "<tr><td>%.6f</td>", (double)sqlite3_column_int64(s, 0) / 1e9);
            if (sqlite3_column_type(s, 1) == SQLITE_NULL)
                fputs("<td class=\"na\">all</td>", f);
            else
                fprintf(f, "<td>%d</td>", sqlite3_column_int(s, 1));
            for (int c = 2; c <= 5; c++) {
                fputs("<td class=\"l\">", f);
                esc(f, (const char *)sqlite3_column_text(s, c));
                fputs("</td>", f);
            }
            fputs("</tr>\n", f);
        }
        if (n > REPORT_MAX_TRANSITIONS)
            fprintf(f, "<tr><td class=\"l\" colspan=\"6\">&hellip; and %zu more</td></tr>\n",
                    n - REPORT_MAX_TRANSITIONS);
        if (n)
            fputs("</table>\n</details>\n", f);
    }
    sqlite3_finalize(s);
    fputs("</details>\n", f);
}

/* ---- the page ------------------------------------------------------------------ */

static void report_free(report *R)
{
    for (size_t s = 0; s < R->nsc; s++) {
        rscen *c = &R->sc[s];
        free(c->runs), free(c->vals), free(c->happened), free(c->verdicts);
        for (size_t i = 0; c->why && i < c->n; i++)
            free(c->why[i]);
        free(c->fig), free(c->over), free(c->series), free(c->why);
        for (size_t k = 0; k < c->nrules; k++)
            free(c->rules[k].text), free(c->rules[k].value);
        free(c->rules);
    }
    free(R->sc);
    for (size_t e = 0; e < R->nex; e++) {
        free(R->ex[e].sc);
        for (size_t k = 0; k < 3; k++)
            free(R->ex[e].fig_fail[k]);
        free(R->ex[e].compare_note);
    }
    free(R->ex);
    store_runs_free(R->u, R->nu);
    if (R->have_file)
        exp_free(&R->file);
    ex_close(&R->st);
}

int report_write(const char *db, const char *out)
{
    report_opts o = {.db = db, .out = out};
    return report_write_opts(&o);
}

int report_write_opts(const report_opts *o)
{
    report R = {.o = o};
    cs_err err = {0};
    const char *db = o->db, *out = o->out ? o->out : "report.html";
    if (ex_open(&R.st, db, &err)) {
        fprintf(stderr, "cachestorm report: %s\n", err.msg);
        return err.code;
    }
    if (R.st.n_runs == 0) {
        fprintf(stderr, "cachestorm report: %s holds no runs\n", db);
        ex_close(&R.st);
        return CS_USAGE;
    }
    if (o->experiment) {
        if (exp_load(o->experiment, NULL, 0, &R.file, &err) != CS_OK) {
            fprintf(stderr, "cachestorm report: %s\n", err.msg);
            ex_close(&R.st);
            return err.code ? err.code : CS_USAGE;
        }
        R.have_file = true;
    }
    if (store_unique_runs(R.st.store, NULL, &R.u, &R.nu, &R.dropped, &err)) {
        fprintf(stderr, "cachestorm report: %s\n", err.msg);
        report_free(&R);
        return err.code;
    }
    for (size_t i = 0; i < R.st.n_runs; i++)
        R.not_results += strcmp(R.st.runs[i].status, "done") != 0;
    R.nkey = metric_names_with(MF_KEY, R.key, MET_N_METRICS);
    build_scenarios(&R);
    objectives(&R);
    for (size_t s = 0; s < R.nsc; s++) {
        scenario_values(&R, &R.sc[s]);
        scenario_happened(&R, &R.sc[s]);
        scenario_rules(&R, &R.sc[s]);
    }
    if (o->baseline && baseline_verdicts(&R, &err)) {
        fprintf(stderr, "cachestorm report: baseline: %s\n", err.msg);
        report_free(&R);
        return err.code;
    }

    /* Write to a temp file beside the target, rename at the end: a failed
     * report never leaves half a page under the real name. */
    size_t len = strlen(out) + 16;
    char *tmp_out = cs_malloc(len);
    snprintf(tmp_out, len, "%s.tmp%ld", out, (long)getpid());
    FILE *f = fopen(tmp_out, "w");
    if (!f) {
        fprintf(stderr, "cachestorm report: cannot write %s: %s\n", out, strerror(errno));
        free(tmp_out);
        report_free(&R);
        return CS_IO;
    }

    figure_set fs = {.db = db, .budget = o->budget ? o->budget : REPORT_BUDGET};
    const char *tmp = getenv("TMPDIR");
    snprintf(fs.dir, sizeof fs.dir, "%s/cachestorm-report-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    bool have_dir = mkdtemp(fs.dir) != NULL;
    char gp[1024];
    if (!have_dir) {
        fs.no_gnuplot = true;
        snprintf(fs.gnuplot_msg, sizeof fs.gnuplot_msg, "cannot create a temporary directory");
    } else if (plot_find_gnuplot(gp, sizeof gp, &err)) {
        fs.no_gnuplot = true;
        snprintf(fs.gnuplot_msg, sizeof fs.gnuplot_msg, "%s", err.msg);
    }

    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n<title>"
          "cachestorm report: ",
          f);
    esc(f, db);
    fprintf(f,
            "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>cachestorm report</h1>\n"
            "<p class=\"muted\">Database <code>",
            css);
    esc(f, db);
    fprintf(f, "</code>: %zu runs row%s; %zu (scenario, seed) results in %zu scenario%s", R.st.n_runs,
            R.st.n_runs == 1 ? "" : "s", R.nu, R.nsc, R.nsc == 1 ? "" : "s");
    if (R.dropped)
        fprintf(f, "; %zu rerun%s of a (scenario, seed) counted once", R.dropped,
                R.dropped == 1 ? "" : "s");
    if (R.not_results)
        fprintf(f, "; %zu row%s not done (running, abandoned, interrupted or failed) are not "
                   "results and appear only under <a href=\"#runs\">All runs</a>",
                R.not_results, R.not_results == 1 ? "" : "s");
    fputs(".</p>\n<nav class=\"toc\"><b>Contents</b><ol>\n<li><a href=\"#summary\">Summary</a>"
          "</li>\n",
          f);
    for (size_t e = 0; e < R.nex; e++) {
        fprintf(f, "<li><a href=\"#exp-%zu\">", e);
        if (R.ex[e].name) {
            fputs("Experiment ", f);
            esc(f, R.ex[e].name);
        } else
            fputs("Runs without an experiment", f);
        fprintf(f, "</a> <span class=\"muted\">(%zu scenario%s)</span></li>\n", R.ex[e].nsc,
                R.ex[e].nsc == 1 ? "" : "s");
    }
    fputs("<li><a href=\"#runs\">All runs</a> (runs rows, metrics per run, transitions)</li>\n"
          "</ol><button type=\"button\" data-all=\"open\">Expand all</button><button "
          "type=\"button\" data-all=\"close\">Collapse all</button></nav>\n",
          f);
    plan_pictures(&R, &fs);
    if (R.nsc == 0)
        fputs("<p class=\"warn\">No finished run: nothing to summarise (see All runs).</p>\n", f);
    else
        summary_section(f, &R);
    if (fs.no_gnuplot) {
        fputs("<p class=\"warn\">No plots: ", f);
        esc(f, fs.gnuplot_msg);
        fputs("</p>\n", f);
    }
    for (size_t e = 0; e < R.nex; e++)
        experiment_section(f, &R, &fs, e);
    if (fs.left_out)
        fprintf(f,
                "<p class=\"muted\">%zu picture%s left out to keep the page under %.1f MB of "
                "pictures; draw %s with <code>cachestorm plot</code>.</p>\n",
                fs.left_out, fs.left_out == 1 ? "" : "s", (double)fs.budget / (1 << 20),
                fs.left_out == 1 ? "it" : "them");
    fputs("<h2 id=\"runs\">All runs</h2>\n", f);
    runs_table(f, &R);
    metrics_table(f, &R);
    transitions_tables(f, &R);
    fprintf(f,
            "<p class=\"muted\">Generated by <code>cachestorm report</code>. Every number "
            "above comes from the database; redraw any picture with <code>cachestorm plot"
            "</code>.</p>\n<script>%s</script>\n</body>\n</html>\n",
            js);

    int rc = CS_OK;
    if (ferror(f) | (fclose(f) != 0)) {
        fprintf(stderr, "cachestorm report: cannot write %s: %s\n", out, strerror(errno));
        unlink(tmp_out);
        rc = CS_IO;
    } else if (rename(tmp_out, out) != 0) {
        fprintf(stderr, "cachestorm report: cannot write %s: %s\n", out, strerror(errno));
        unlink(tmp_out);
        rc = CS_IO;
    } else {
        printf("%s\n", out);
        if (fs.no_gnuplot) {
            fprintf(stderr, "cachestorm report: %s written without plots: %s\n", out,
                    fs.gnuplot_msg);
            rc = CS_IO;
        } else if (fs.failed) {
            fprintf(stderr, "cachestorm report: %s written, but %zu picture%s failed (the last: "
                            "%s)\n",
                    out, fs.failed, fs.failed == 1 ? "" : "s", fs.fail_msg);
            rc = CS_IO;
        }
    }
    if (have_dir)
        rm_tree(&fs);
    plot_files_free(&fs.files);
    free(tmp_out);
    report_free(&R);
    return rc;
}
