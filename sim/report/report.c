/* report.c — `cachestorm report DB [--out report.html]`.
 *
 * One self-contained HTML page a colleague can open offline: the runs table,
 * key metrics per run, the plots (drawn by plot_draw as SVG and inlined, so
 * there are no external files or fetches) and the state transitions of each
 * run.  Everything is read from the store; every string from it is
 * HTML-escaped.  Without gnuplot the page is still written (tables only, with
 * the install command shown) and the status is 3.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/core/metrics.h"
#include "sim/report/export.h"
#include "sim/report/plot.h"
#include "sim/report/summary.h"
#include "sim/store/store.h"

#define REPORT_MAX_TIMELINES 8     /* the most recent done runs get a timeline */
#define REPORT_MAX_TRANSITIONS 400 /* per run; the rest is counted */

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
    if (isnan(v))
        fputs("<td class=\"na\">&ndash;</td>", f);
    else if (fabs(v) >= 1e6 || (v != 0 && fabs(v) < 1e-3))
        fprintf(f, "<td>%.3g</td>", v);
    else if (v == floor(v))
        fprintf(f, "<td>%.0f</td>", v);
    else
        fprintf(f, "<td>%.*f</td>", fabs(v) < 10 ? 3 : fabs(v) < 1000 ? 1 : 0, v);
}

static const char css[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;"
    "max-width:1100px;padding:1.5em;color:#222;background:#fff}"
    "h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.25em;margin-top:2em;"
    "border-bottom:1px solid #ddd;padding-bottom:.2em}"
    "table{border-collapse:collapse;margin:.6em 0;font-size:13px}"
    "th,td{border:1px solid #ddd;padding:3px 8px;text-align:right;white-space:nowrap}"
    "th{background:#f3f5f7;position:sticky;top:0}td.l,th.l{text-align:left}"
    "td.na{color:#aaa;text-align:center}tr:nth-child(even) td{background:#fafbfc}"
    ".scroll{overflow-x:auto}.muted{color:#777}.warn{background:#fff4e5;"
    "border-left:4px solid #ff9f40;padding:.6em 1em}"
    "figure{margin:1.2em 0;padding:0}figure svg{width:100%;height:auto;display:block}"
    "figcaption{color:#555;font-size:13px;margin-top:.3em}"
    "details{margin:.4em 0}summary{cursor:pointer}code{background:#f3f5f7;padding:0 3px}"
    "nav a{margin-right:1em}";



static void runs_table(FILE *f, ex_store *st)
{
    fputs("<h2 id=\"runs\">Runs</h2>\n<div class=\"scroll\"><table>\n<tr><th>id</th>"
          "<th class=\"l\">name</th><th class=\"l\">experiment</th><th class=\"l\">variant</th>"
          "<th class=\"l\">status</th><th>seed</th><th>simulated (s)</th><th>events</th>"
          "<th>wall (s)</th><th class=\"l\">version</th><th class=\"l\">finished</th></tr>\n",
          f);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT id, name, experiment, variant, status, seed, sim_ns, events, "
                           "wall_s, version, finished_at FROM runs ORDER BY id",
                           -1, &s, NULL) == SQLITE_OK) {
        while (sqlite3_step(s) == SQLITE_ROW) {
            fprintf(f, "<tr><td>%lld</td>", (long long)sqlite3_column_int64(s, 0));
            for (int c = 1; c <= 4; c++) {
                fputs("<td class=\"l\">", f);
                esc(f, (const char *)sqlite3_column_text(s, c));
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
    fputs("</table></div>\n", f);
}

static void metrics_table(FILE *f, ex_store *st)
{
    const char *key_metrics[MET_N_METRICS]; /* the metric table's KEY metrics */
    const size_t N_KEY = metric_names_with(MF_KEY, key_metrics, MET_N_METRICS);
    bool any[MET_N_METRICS] = {0};
    double *v = cs_calloc(st->n_runs * N_KEY + 1, sizeof *v);
    for (size_t r = 0; r < st->n_runs; r++)
        for (size_t m = 0; m < N_KEY; m++) {
            v[r * N_KEY + m] = ex_metric(st, st->runs[r].id, -1, key_metrics[m]);
            any[m] |= !isnan(v[r * N_KEY + m]);
        }
    fputs("<h2 id=\"metrics\">Key metrics</h2>\n<p class=\"muted\">Whole run, after warm-up "
          "(INTERFACES.md metric names).</p>\n<div class=\"scroll\"><table>\n<tr><th>id</th>"
          "<th class=\"l\">name</th>",
          f);
    for (size_t m = 0; m < N_KEY; m++)
        if (any[m]) {
            fputs("<th>", f);
            esc(f, key_metrics[m]);
            fputs("</th>", f);
        }
    fputs("</tr>\n", f);
    for (size_t r = 0; r < st->n_runs; r++) {
        fprintf(f, "<tr><td>%lld</td><td class=\"l\">", (long long)st->runs[r].id);
        esc(f, st->runs[r].name);
        fputs("</td>", f);
        for (size_t m = 0; m < N_KEY; m++)
            if (any[m])
                num(f, v[r * N_KEY + m]);
        fputs("</tr>\n", f);
    }
    fputs("</table></div>\n", f);
    free(v);
}

static void transitions_tables(FILE *f, ex_store *st)
{
    fputs("<h2 id=\"transitions\">State transitions</h2>\n<p class=\"muted\">Breakers, "
          "connections, faults and pools, per run.</p>\n",
          f);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT t_ns, node, component, from_state, to_state, reason FROM "
                           "transitions WHERE run_id=?1 ORDER BY t_ns, rowid",
                           -1, &s, NULL) != SQLITE_OK)
        return;
    sqlite3_stmt *cnt = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT COUNT(*) FROM transitions WHERE run_id=?1", -1, &cnt,
                           NULL) != SQLITE_OK)
        cnt = NULL;
    for (size_t r = 0; r < st->n_runs; r++) {
        const ex_run *run = &st->runs[r];
        size_t total = 0;
        if (cnt) {
            sqlite3_reset(cnt);
            sqlite3_bind_int64(cnt, 1, run->id);
            if (sqlite3_step(cnt) == SQLITE_ROW)
                total = (size_t)sqlite3_column_int64(cnt, 0);
        }
        sqlite3_reset(s);
        sqlite3_bind_int64(s, 1, run->id);
        size_t n = 0;
        while (sqlite3_step(s) == SQLITE_ROW) {
            if (n == 0) {
                fprintf(f, "<details%s><summary>run %lld ", st->n_runs <= 3 ? " open" : "",
                        (long long)run->id);
                esc(f, run->name);
                fprintf(f, " &mdash; %zu transition%s", total, total == 1 ? "" : "s");
                fputs("</summary>\n<table>\n<tr><th>t (s)</th><th>node</th><th class=\"l\">"
                      "component</th><th class=\"l\">from</th><th class=\"l\">to</th>"
                      "<th class=\"l\">reason</th></tr>\n",
                      f);
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
        else {
            fprintf(f, "<p class=\"muted\">run %lld ", (long long)run->id);
            esc(f, run->name);
            fputs(": no transitions</p>\n", f);
        }
    }
    sqlite3_finalize(s);
    sqlite3_finalize(cnt);
}

/* Inline an SVG file: drop the XML prolog and give gnuplot's fixed ids
 * (gnuplot_canvas, gpPt0, ...) a per-figure prefix so that several plots on
 * one page do not share ids. */
static int inline_svg(FILE *f, const char *path, int fig)
{
    FILE *in = fopen(path, "rb");
    if (!in)
        return -1;
    fseek(in, 0, SEEK_END);
    long n = ftell(in);
    fseek(in, 0, SEEK_SET);
    char *s = cs_malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, in);
    s[got] = 0;
    fclose(in);
    char *p = strstr(s, "<svg");
    if (!p) {
        free(s);
        return -1;
    }
    static const char *const ids[] = {"gnuplot_", "gpPt", "gpDot", "gpPat", "gpBkgnd"};
    while (*p) {
        bool hit = false;
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

typedef struct figure_set {
    plot_files files;
    int calls; /* one sub-folder per plot_draw call: names may repeat */
    bool no_gnuplot;
    char gnuplot_msg[1024];
} figure_set;

static void draw_kind(figure_set *fs, const char *db, const char *kind, const char *dir,
                      const char *const *runs, size_t n_runs, bool need_variants)
{
    if (fs->no_gnuplot)
        return;
    char sub[600];
    snprintf(sub, sizeof sub, "%s/%d", dir, fs->calls++);
    plot_opts o = {.prog = "report",
                   .db = db,
                   .kind = kind,
                   .out_dir = sub,
                   .format = "svg",
                   .node = PLOT_NO_NODE,
                   .quiet = true,
                   .need_variants = need_variants};
    for (size_t i = 0; i < n_runs && i < PLOT_MAX_LIST; i++)
        o.runs[o.n_runs++] = runs[i];
    cs_err err = {0};
    int rc = plot_draw(&o, &fs->files, &err);
    if (rc == CS_IO) {
        /* gnuplot missing or failing: no more plots, say so on the page */
        fs->no_gnuplot = true;
        snprintf(fs->gnuplot_msg, sizeof fs->gnuplot_msg, "%s", err.msg);
    }
    /* CS_USAGE: nothing of this kind to draw (no sweep, no variants): skip */
}

static void rm_tree(const char *dir, figure_set *fs)
{
    for (size_t i = 0; i < fs->files.n; i++)
        unlink(fs->files.paths[i]);
    for (int k = 0; k < fs->calls; k++) {
        char sub[600];
        snprintf(sub, sizeof sub, "%s/%d", dir, k);
        rmdir(sub);
    }
    rmdir(dir);
}

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_kind(const ex_run *a, const ex_run *b)
{
    return same_str(a->experiment, b->experiment) && same_str(a->variant, b->variant) &&
           strcmp(a->name, b->name) == 0;
}

static bool has_series(ex_store *st, int64_t run_id)
{
    sqlite3_stmt *s;
    bool yes = false;
    if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM series WHERE run_id=?1 LIMIT 1", -1, &s, NULL) !=
        SQLITE_OK)
        return false;
    sqlite3_bind_int64(s, 1, run_id);
    yes = sqlite3_step(s) == SQLITE_ROW;
    sqlite3_finalize(s);
    return yes;
}

/* "What happened" (sim/report/summary.c) for the latest finished runs, at
 * most REPORT_MAX_SUMMARIES of them, before the tables. */
#define REPORT_MAX_SUMMARIES 4
static void summaries(FILE *f, const char *db, const ex_store *st)
{
    store *s;
    cs_err err = {0};
    if (store_open_readonly(db, &s, &err))
        return;
    size_t shown = 0;
    for (size_t i = st->n_runs; i-- > 0 && shown < REPORT_MAX_SUMMARIES;) {
        const ex_run *r = &st->runs[i];
        if (strcmp(r->status, "done"))
            continue;
        run_rows rows = {0};
        if (store_read_rows(s, r->id, &rows, &err) == CS_OK) {
            char *buf = NULL, title[300];
            size_t len = 0;
            FILE *m = open_memstream(&buf, &len);
            if (m) {
                snprintf(title, sizeof title, "run %lld (%s, seed %lld)", (long long)r->id, r->name,
                         (long long)r->seed);
                summary_print(m, &rows, title);
                fclose(m);
                if (!shown++)
                    fputs("<h2 id=\"summary\">What happened</h2>\n", f);
                fputs("<pre>", f);
                esc(f, buf);
                fputs("</pre>\n", f);
            }
            free(buf);
        }
        rows_free(&rows);
    }
    store_close(s);
}

/* Writes the page for database db to out (via a temp file renamed at the
 * end); prints the output path.  Returns a cs status; messages on stderr. */
int report_write(const char *db, const char *out)
{
    ex_store st;
    cs_err err = {0};
    if (ex_open(&st, db, &err)) {
        fprintf(stderr, "cachestorm report: %s\n", err.msg);
        return err.code;
    }
    if (st.n_runs == 0) {
        fprintf(stderr, "cachestorm report: %s holds no runs\n", db);
        ex_close(&st);
        return CS_USAGE;
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
        ex_close(&st);
        return CS_IO;
    }

    figure_set fs = {0};
    char dir[512];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/cachestorm-report-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    bool have_dir = mkdtemp(dir) != NULL;
    char gp[1024];
    if (!have_dir) {
        fs.no_gnuplot = true;
        snprintf(fs.gnuplot_msg, sizeof fs.gnuplot_msg, "cannot create a temporary directory");
    } else if (plot_find_gnuplot(gp, sizeof gp, &err)) {
        fs.no_gnuplot = true;
        snprintf(fs.gnuplot_msg, sizeof fs.gnuplot_msg, "%s", err.msg);
    }
    /* Timeline (and nodes, when there are per-node metrics) of the latest
     * finished run of each (experiment, variant, name) that stored series:
     * replications and sweep points look alike, one of each kind is enough. */
    char ids[REPORT_MAX_TIMELINES][24];
    const char *sel[REPORT_MAX_TIMELINES];
    size_t n_sel = 0, n_done = 0;
    const ex_run *picked[REPORT_MAX_TIMELINES];
    for (size_t i = st.n_runs; i-- > 0;) {
        const ex_run *r = &st.runs[i];
        if (strcmp(r->status, "done") != 0)
            continue;
        n_done++;
        bool same = false;
        for (size_t j = 0; j < n_sel; j++)
            same |= same_kind(picked[j], r);
        if (same || n_sel == REPORT_MAX_TIMELINES || !has_series(&st, r->id))
            continue;
        picked[n_sel] = r;
        snprintf(ids[n_sel], sizeof ids[n_sel], "%lld", (long long)r->id);
        sel[n_sel] = ids[n_sel];
        n_sel++;
    }
    for (size_t i = n_sel; i-- > 0;) {
        draw_kind(&fs, db, "timeline", dir, &sel[i], 1, false);
        draw_kind(&fs, db, "nodes", dir, &sel[i], 1, false);
    }
    draw_kind(&fs, db, "cdf", dir, NULL, 0, false);
    draw_kind(&fs, db, "sweep", dir, NULL, 0, false);
    draw_kind(&fs, db, "compare", dir, NULL, 0, true);

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
    fprintf(f,
            "</code>: %zu run%s, %zu finished.</p>\n<nav><a href=\"#runs\">Runs</a>"
            "<a href=\"#metrics\">Key metrics</a><a href=\"#plots\">Plots</a>"
            "<a href=\"#transitions\">Transitions</a></nav>\n",
            st.n_runs, st.n_runs == 1 ? "" : "s", n_done);
    summaries(f, db, &st);
    runs_table(f, &st);
    metrics_table(f, &st);

    fputs("<h2 id=\"plots\">Plots</h2>\n", f);
    if (fs.no_gnuplot) {
        fputs("<p class=\"warn\">No plots: ", f);
        esc(f, fs.gnuplot_msg);
        fputs("</p>\n", f);
    }
    if (n_done > n_sel)
        fprintf(f,
                "<p class=\"muted\">Timelines of %zu of %zu finished runs (the latest of "
                "each experiment, variant and name that stored time series); draw others "
                "with <code>cachestorm plot DB RUN</code>.</p>\n",
                n_sel, n_done);
    int fig = 0;
    for (size_t i = 0; i < fs.files.n; i++) {
        fprintf(f, "<figure id=\"fig%d\">\n", fig);
        if (inline_svg(f, fs.files.paths[i], fig) != 0)
            fputs("<p class=\"warn\">picture missing</p>", f);
        fputs("\n<figcaption>", f);
        esc(f, fs.files.captions[i]);
        fputs("</figcaption>\n</figure>\n", f);
        fig++;
    }
    if (fs.files.n == 0 && !fs.no_gnuplot)
        fputs("<p class=\"muted\">Nothing to draw.</p>\n", f);
    transitions_tables(f, &st);
    fputs("<p class=\"muted\">Generated by <code>cachestorm report</code>. Every number "
          "above comes from the database; redraw any picture with <code>cachestorm plot"
          "</code>.</p>\n</body>\n</html>\n",
          f);

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
        }
    }
    if (have_dir)
        rm_tree(dir, &fs);
    plot_files_free(&fs.files);
    free(tmp_out);
    ex_close(&st);
    return rc;
}
