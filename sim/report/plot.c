/* plot.c — `cachestorm plot DB [RUN...] [--kind K] ...`.
 *
 * For each picture: export what it needs from the store (sim/export.c) into
 * data files, run `gnuplot -e "var='value'; ..." plots/KIND.gp`, check that a
 * non-empty picture came out and name it `<name>-<kind>.<ext>`.  Timeline and
 * nodes draw one picture per run; cdf, sweep and compare one per experiment
 * (runs without an experiment form one group).  gnuplot is an external
 * program (design card): we never link it, we fork/exec it with argv (no
 * shell), its chatter goes to a log that is shown only when it fails.
 */
#include "sim/report/plot.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/report/export.h"
#include "sim/store/store.h"

const char *const plot_kinds[5] = {"timeline", "nodes", "cdf", "sweep", "compare"};

static const char *const default_metrics[] = {"latency.p99_ms", "requests.error", "db.calls",
                                              "requests.stale"};
#define N_DEFAULT_METRICS (sizeof default_metrics / sizeof *default_metrics)
#define MAX_CDF_CURVES 16
#define MAX_COMPARE_GROUPS 12

/* ---- small string builder --------------------------------------------- */

typedef struct sbuf {
    char *s;
    size_t n, cap;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
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

/* name="value"; as a gnuplot double-quoted string in which every byte
 * outside a safe printable set is an octal escape (\ooo).  Not single
 * quotes: gnuplot reads a leading '' as an empty string, so a name that
 * starts with a quote broke the command (issue 16).  In double quotes
 * gnuplot runs `backquoted` commands and reads \ escapes, so ` " \ are
 * escaped too (as are ' $ @ and every control or non-ASCII byte): whatever
 * the name, the string gnuplot sees is exactly its bytes. */
static void gp_str(sbuf *b, const char *name, const char *value)
{
    sb_printf(b, "%s=\"", name);
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        bool safe = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9') || (*p >= 0x20 && *p < 0x7f && strchr(" .,:;-_+=/()[]{}<>%#!?*&^|~", *p));
        if (safe)
            sb_printf(b, "%c", *p);
        else
            sb_printf(b, "\\%03o", *p);
    }
    sb_printf(b, "\"; ");
}

static void gp_num(sbuf *b, const char *name, double v)
{
    sb_printf(b, "%s=%.10g; ", name, v);
}

/* ---- files ------------------------------------------------------------ */

static void files_add(plot_files *f, const char *path, const char *caption)
{
    if (f->n + 1 > f->cap) {
        size_t cap = f->cap;
        cs_grow((void **)&f->paths, &cap, f->n + 1, sizeof *f->paths);
        cs_grow((void **)&f->captions, &f->cap, f->n + 1, sizeof *f->captions);
    }
    f->paths[f->n] = cs_strdup(path);
    f->captions[f->n++] = cs_strdup(caption);
}

void plot_files_free(plot_files *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->paths[i]), free(f->captions[i]);
    free(f->paths), free(f->captions);
    memset(f, 0, sizeof *f);
}

/* A file name part: letters, digits, '.', '-', '_' kept, the rest '_'. */
static void sanitise(char *dst, size_t size, const char *src)
{
    size_t n = 0;
    for (const char *p = src; *p && n + 1 < size; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || (c == '.' && n > 0);
        dst[n++] = ok ? c : '_';
    }
    dst[n] = 0;
    if (n == 0)
        snprintf(dst, size, "run");
}

static bool is_executable(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && access(path, X_OK) == 0;
}

int plot_find_gnuplot(char *buf, size_t size, cs_err *err)
{
    const char *want = getenv("CACHESTORM_GNUPLOT");
    if (!want || !*want)
        want = "gnuplot";
    if (strchr(want, '/')) {
        if (is_executable(want)) {
            snprintf(buf, size, "%s", want);
            return CS_OK;
        }
    } else {
        const char *path = getenv("PATH");
        if (!path)
            path = "/usr/bin:/bin";
        for (const char *p = path; *p;) {
            const char *colon = strchr(p, ':');
            size_t len = colon ? (size_t)(colon - p) : strlen(p);
            snprintf(buf, size, "%.*s/%s", (int)len, len ? p : ".", want);
            if (is_executable(buf))
                return CS_OK;
            p += len + (colon != NULL);
        }
    }
    return cs_errf(err, CS_IO,
                   "gnuplot not found (%s%s); install it: apt-get install gnuplot-nox "
                   "(or set CACHESTORM_GNUPLOT to its path)",
                   want, getenv("CACHESTORM_GNUPLOT") ? ", from CACHESTORM_GNUPLOT" : " on PATH");
}

/* plots/KIND.gp: $CACHESTORM_PLOTS, ./plots, then next to the binary. */
static int find_script(const char *kind, char *buf, size_t size, cs_err *err)
{
    const char *env = getenv("CACHESTORM_PLOTS");
    if (env && *env) {
        snprintf(buf, size, "%s/%s.gp", env, kind);
        if (access(buf, R_OK) == 0)
            return CS_OK;
        return cs_errf(err, CS_IO, "%s: no such gnuplot script (CACHESTORM_PLOTS=%s)", buf, env);
    }
    snprintf(buf, size, "plots/%s.gp", kind);
    if (access(buf, R_OK) == 0)
        return CS_OK;
    char exe[PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k > 0) {
        exe[k] = 0;
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = 0;
        static const char *const rel[] = {"../plots", "../share/cachestorm/plots"};
        for (size_t i = 0; i < 2; i++) {
            int k2 = snprintf(buf, size, "%s/%s/%s.gp", exe, rel[i], kind);
            if (k2 > 0 && (size_t)k2 < size && access(buf, R_OK) == 0)
                return CS_OK;
        }
    }
    return cs_errf(err, CS_IO,
                   "plots/%s.gp not found (looked in ./plots and next to the binary); "
                   "set CACHESTORM_PLOTS to the folder of the gnuplot scripts",
                   kind);
}

static int make_dir(const char *dir, cs_err *err)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
                return cs_errf(err, CS_IO, "cannot create %s: %s", tmp, strerror(errno));
            *p = '/';
        }
    if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
        return cs_errf(err, CS_IO, "cannot create %s: %s", tmp, strerror(errno));
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return cs_errf(err, CS_IO, "%s is not a directory", dir);
    if (access(dir, W_OK) != 0)
        return cs_errf(err, CS_IO, "cannot write to %s: %s", dir, strerror(errno));
    return CS_OK;
}

/* ---- one drawing session ---------------------------------------------- */

typedef struct session {
    const plot_opts *o;
    ex_store st;
    char gnuplot[PATH_MAX];
    char work[PATH_MAX]; /* data files: out dir with keep_data, else a temp dir */
    bool temp_work;
    char **scratch; /* files to delete at the end */
    size_t n_scratch, cap_scratch;
    plot_files *out;
} session;

static void warn(const session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(const session *s, const char *fmt, ...)
{
    if (s->o->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "cachestorm %s: ", s->o->prog ? s->o->prog : "plot");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* A data file path in the work dir; remembered for deletion unless kept. */
static char *work_file(session *s, const char *base, const char *suffix)
{
    sbuf b = {0};
    sb_printf(&b, "%s/%s%s", s->work, base, suffix);
    if (s->temp_work || !s->o->keep_data) {
        cs_grow((void **)&s->scratch, &s->cap_scratch, s->n_scratch + 1, sizeof *s->scratch);
        s->scratch[s->n_scratch++] = cs_strdup(b.s);
    }
    return b.s;
}

static void print_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[512];
    for (int i = 0; i < 40 && fgets(line, sizeof line, f); i++)
        fputs(line, stderr);
    fclose(f);
}

/* Run gnuplot on the KIND script with vars; check the picture came out. */
static int draw(session *s, const char *kind, sbuf *vars, const char *outfile, const char *caption,
                cs_err *err)
{
    char script[PATH_MAX];
    int rc = find_script(kind, script, sizeof script, err);
    if (rc)
        return rc;
    gp_str(vars, "fmt", s->o->format);
    gp_str(vars, "outfile", outfile);
    /* The one palette every script loads: plots/palette.gp next to it. */
    char palette[PATH_MAX + 16];
    const char *slash = strrchr(script, '/');
    snprintf(palette, sizeof palette, "%.*spalette.gp", slash ? (int)(slash - script + 1) : 0,
             script);
    gp_str(vars, "palette", palette);
    char *log = work_file(s, kind, "-gnuplot.log");
    if (s->o->keep_data && !s->temp_work) {
        cs_grow((void **)&s->scratch, &s->cap_scratch, s->n_scratch + 1, sizeof *s->scratch);
        s->scratch[s->n_scratch++] = cs_strdup(log);
    }
    unlink(outfile);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        free(log);
        return cs_errf(err, CS_IO, "cannot start gnuplot: %s", strerror(errno));
    }
    if (pid == 0) {
        FILE *lf = freopen(log, "w", stderr);
        (void)lf;
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "r", stdin))
            _exit(126);
        char *argv[] = {s->gnuplot, "-e", vars->s, script, NULL};
        execv(s->gnuplot, argv);
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    struct stat sb;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || stat(outfile, &sb) != 0 ||
        sb.st_size == 0) {
        fprintf(stderr, "cachestorm %s: gnuplot output (%s):\n", s->o->prog, script);
        print_file(log);
        free(log);
        return cs_errf(err, CS_IO, "gnuplot failed on %s drawing %s (exit %d)", script, outfile,
                       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    free(log);
    if (s->o->keep_data)
        warn(s, "redraw with: %s -e '%s' %s", s->gnuplot, vars->s, script); /* no ' in vars */
    files_add(s->out, outfile, caption);
    return CS_OK;
}

static char *out_path(session *s, const char *base, const char *kind)
{
    sbuf b = {0};
    sb_printf(&b, "%s/%s-%s.%s", s->o->out_dir, base, kind, s->o->format);
    return b.s;
}

/* ---- the kinds -------------------------------------------------------- */

static int draw_timeline(session *s, const ex_run *r, const char *base, cs_err *err)
{
    char *data = work_file(s, base, "-timeline.dat");
    char *faults = work_file(s, base, "-timeline-faults.dat");
    char *breakers = work_file(s, base, "-timeline-breakers.dat");
    char *load = work_file(s, base, "-timeline-load.dat");
    size_t nload = 0;
    char *outfile = out_path(s, base, "timeline");
    ex_timeline tl;
    sbuf v = {0};
    int rc = ex_timeline_write(&s->st, r, s->o->node, data, faults, breakers, &tl, err);
    if (!rc)
        rc = ex_load_write(&s->st, r, tl.t_end, load, &nload, err);
    if (rc)
        goto done;
    if (tl.rows == 0) {
        warn(s, "run %lld (%s) has no time series; its timeline shows only faults and breakers",
             (long long)r->id, r->name);
    }
    static const char *const var[EX_TL_N] = {"has_rps", "has_errors",  "has_p50",
                                             "has_p99", "has_l1",      "has_stale",
                                             "has_db",  "has_backlog", "has_poolq",
                                             "has_oldest"};
    /* A series that is 0 throughout (no errors, an idle pool) gets no panel
     * or legend entry of its own; the note at the bottom names it. */
    static const bool drop_if_zero[EX_TL_N] = {[EX_TL_ERRORS] = true, [EX_TL_L1HIT] = true,
                                               [EX_TL_STALE] = true, [EX_TL_DBRPS] = true,
                                               [EX_TL_BACKLOG] = true, [EX_TL_POOLQ] = true};
    sbuf missing = {0}, zero = {0};
    for (int c = 0; c < EX_TL_N; c++) {
        bool drawn = tl.has[c] && (tl.nonzero[c] || !drop_if_zero[c]);
        gp_num(&v, var[c], drawn);
        if (!tl.has[c] && c != EX_TL_OLDEST) /* stores before it have none: no news */
            sb_printf(&missing, "%s%s", missing.n ? ", " : "", ex_tl_name(c));
        else if (!drawn)
            sb_printf(&zero, "%s%s", zero.n ? ", " : "", ex_tl_name(c));
    }
    gp_str(&v, "zero", zero.s ? zero.s : "");
    free(zero.s);
    double warm = 0;
    char *wv = ex_param(&s->st, r->id, "warmup");
    if (wv && !ex_parse_number(wv, &warm, &(const char *){NULL}))
        warm = 0;
    free(wv);
    gp_num(&v, "warmup", isfinite(warm) && warm > 0 ? warm : 0);
    gp_num(&v, "nidle", (double)tl.idle);
    gp_num(&v, "nhalf", (double)tl.half_open);
    gp_num(&v, "nsegs", (double)tl.breaker_segments);
    gp_str(&v, "datafile", data);
    gp_str(&v, "faultfile", faults);
    gp_str(&v, "breakerfile", breakers);
    gp_str(&v, "loadfile", load);
    gp_num(&v, "nload", (double)nload);
    gp_num(&v, "nfaults", (double)tl.faults);
    gp_num(&v, "nbreakers", (double)tl.breakers);
    gp_num(&v, "brows", tl.breaker_rows);
    gp_num(&v, "tend", tl.t_end > 0 ? tl.t_end : 1);
    gp_str(&v, "notrec", missing.s ? missing.s : "");
    free(missing.s);
    char title[512], caption[600];
    char scope[64] = "whole run";
    if (s->o->node >= 0)
        snprintf(scope, sizeof scope, "node %d", s->o->node);
    bool summed = false;
    for (int c = 0; c < EX_TL_N; c++)
        summed |= tl.summed[c];
    snprintf(title, sizeof title, "%s  (run %lld%s%s, seed %lld, %s%s)", r->name, (long long)r->id,
             r->variant ? ", variant " : "", r->variant ? r->variant : "", (long long)r->seed,
             scope, summed ? ", from per-node series" : "");
    gp_str(&v, "title", title);
    snprintf(caption, sizeof caption, "Timeline of run %lld %s (%s)", (long long)r->id, r->name,
             scope);
    rc = draw(s, "timeline", &v, outfile, caption, err);
done:
    free(v.s), free(data), free(faults), free(breakers), free(load), free(outfile);
    return rc;
}

static int draw_nodes(session *s, const ex_run *r, const char *base, cs_err *err)
{
    char *data = work_file(s, base, "-nodes.dat");
    char *outfile = out_path(s, base, "nodes");
    sbuf v = {0};
    size_t nodes = 0;
    bool has[EX_NODES_N];
    int rc = ex_nodes_write(&s->st, r, data, &nodes, has, err);
    if (rc)
        goto done;
    if (nodes == 0) {
        rc = cs_errf(err, CS_USAGE, "run %lld (%s) has no per-node metrics to draw",
                     (long long)r->id, r->name);
        goto done;
    }
    gp_str(&v, "datafile", data);
    gp_num(&v, "nnodes", (double)nodes);
    static const char *const nvar[EX_NODES_N] = {"has_err", "has_to", "has_p50", "has_p99",
                                                 "has_total"};
    for (int k = 0; k < EX_NODES_N; k++)
        gp_num(&v, nvar[k], has[k]);
    char title[512], caption[600];
    snprintf(title, sizeof title, "%s  (run %lld, seed %lld): per node", r->name, (long long)r->id,
             (long long)r->seed);
    gp_str(&v, "title", title);
    snprintf(caption, sizeof caption, "Per-node errors and latency of run %lld %s",
             (long long)r->id, r->name);
    rc = draw(s, "nodes", &v, outfile, caption, err);
done:
    free(v.s), free(data), free(outfile);
    return rc;
}

/* The latency distributions of an experiment's scenarios (a scenario's
 * replications form one curve with its CI band): one colour per variant
 * (var_colour of plots/palette.gp in order of first appearance, so the PNG
 * and the report's SVG agree), a dash type per scenario within a variant. */
static int draw_cdf(session *s, const ex_run *const *runs, size_t n, const char *base,
                    const char *group, cs_err *err)
{
    size_t *scen = cs_calloc(n + 1, sizeof *scen);
    size_t n_scen = ex_scenarios(&s->st, runs, n, scen);
    if (n_scen > MAX_CDF_CURVES) { /* keep the newest scenarios */
        warn(s, "%s: %zu scenarios; the cdf overlays the last %d (name runs to choose)", group,
             n_scen, MAX_CDF_CURVES);
        size_t cut = n_scen - MAX_CDF_CURVES, k = 0;
        const ex_run **kept = cs_calloc(n + 1, sizeof *kept);
        for (size_t i = 0; i < n; i++)
            if (scen[i] >= cut)
                kept[k++] = runs[i];
        int rc = draw_cdf(s, kept, k, base, group, err);
        free(kept);
        free(scen);
        return rc;
    }
    char *data = work_file(s, base, "-cdf.dat");
    char *band = work_file(s, base, "-cdf-band.dat");
    char *mark = work_file(s, base, "-cdf-marks.dat");
    char *outfile = out_path(s, base, "cdf");
    sbuf v = {0}, colours = {0}, dashes = {0}, bandcol = {0};
    /* Labels say what tells the scenarios apart: the name unless all share
     * it, the variant, the swept parameters' values; then the replications. */
    size_t n_swept = 0;
    cs_err ignore = {0};
    char **swept = ex_swept_params(&s->st, runs, n, &n_swept, &ignore);
    bool same_name = true;
    for (size_t i = 1; i < n; i++)
        same_name &= strcmp(runs[i]->name, runs[0]->name) == 0;
    char **labels = cs_calloc(n_scen + 1, sizeof *labels);
    const ex_run **first = cs_calloc(n_scen + 1, sizeof *first);
    size_t *count = cs_calloc(n_scen + 1, sizeof *count);
    for (size_t i = 0; i < n; i++) {
        if (!first[scen[i]])
            first[scen[i]] = runs[i];
        count[scen[i]]++;
    }
    for (size_t c = 0; c < n_scen; c++) {
        const ex_run *r = first[c];
        sbuf l = {0};
        if ((!same_name && !n_swept) || n_scen == 1) /* the swept values say what differs */
            sb_printf(&l, "%s", r->name);
        if (r->variant)
            sb_printf(&l, "%s%s", l.n ? " / " : "", r->variant);
        for (size_t k = 0; swept && k < n_swept && k < 3; k++) {
            char *val = ex_param(&s->st, r->id, swept[k]);
            const char *dot = strrchr(swept[k], '.');
            sb_printf(&l, "%s%s=%s", l.n ? ", " : "", dot ? dot + 1 : swept[k], val ? val : "-");
            free(val);
        }
        if (count[c] > 1)
            sb_printf(&l, "%s(%zu seeds)", l.n ? " " : "", count[c]);
        else
            sb_printf(&l, "%s#%lld", l.n ? " " : "", (long long)r->id);
        labels[c] = l.s;
    }
    for (size_t k = 0; swept && k < n_swept; k++)
        free(swept[k]);
    free(swept);
    ex_cdf_curve *cv = cs_calloc(n_scen + 1, sizeof *cv);
    int rc = ex_cdf_write(&s->st, runs, n, scen, n_scen, (const char *const *)labels, data, band,
                          mark, cv, err);
    size_t curves = 0, bands = 0, from_metrics = 0;
    double top = 0;
    if (rc)
        goto done;
    /* colour per variant (or per name when there are no variants), dash per
     * scenario of that variant */
    int n_colours = 0;
    const char *seen[MAX_CDF_CURVES + 1];
    int dash_of[MAX_CDF_CURVES + 1] = {0};
    for (size_t c = 0; c < n_scen; c++) {
        if (cv[c].block < 0)
            continue;
        const char *key = first[c]->variant ? first[c]->variant : first[c]->name;
        int col = -1;
        for (int k = 0; k < n_colours; k++)
            if (strcmp(seen[k], key) == 0)
                col = k;
        if (col < 0)
            seen[col = n_colours++] = key;
        sb_printf(&colours, "%s%d", curves ? " " : "", col % 8 + 1);
        sb_printf(&dashes, "%s%d", curves ? " " : "", ++dash_of[col]);
        if (cv[c].band >= 0)
            sb_printf(&bandcol, "%s%d", bands++ ? " " : "", col % 8 + 1);
        from_metrics += cv[c].with_hist == 0;
        top = fmax(top, cv[c].top_nines);
        curves++;
    }
    if (curves == 0) {
        rc = cs_errf(err, CS_USAGE,
                     "%s: no run has a latency histogram or latency metrics (latency.p50_ms ...)",
                     group);
        goto done;
    }
    gp_str(&v, "datafile", data);
    gp_str(&v, "bandfile", band);
    gp_str(&v, "markfile", mark);
    gp_num(&v, "ncurves", (double)curves);
    gp_num(&v, "nbands", (double)bands);
    gp_str(&v, "colours", colours.s);
    gp_str(&v, "dashes", dashes.s);
    gp_str(&v, "bandcolours", bands ? bandcol.s : "");
    gp_num(&v, "top", top);
    gp_num(&v, "maxnines", EX_CDF_MAX_NINES);
    gp_num(&v, "from_metrics", (double)from_metrics);
    char title[512], caption[600];
    snprintf(title, sizeof title, "Latency distribution: %s  (%zu scenario%s, %zu run%s)", group,
             curves, curves == 1 ? "" : "s", n, n == 1 ? "" : "s");
    gp_str(&v, "title", title);
    snprintf(caption, sizeof caption,
             "Latency CDF of %zu scenario%s (%s)%s", curves, curves == 1 ? "" : "s", group,
             bands ? "; shaded: 95 % CI over the seeds" : "");
    rc = draw(s, "cdf", &v, outfile, caption, err);
done:
    for (size_t c = 0; c < n_scen; c++)
        free(labels[c]);
    free(labels), free(first), free(count), free(cv), free(scen);
    free(v.s), free(colours.s), free(dashes.s), free(bandcol.s);
    free(data), free(band), free(mark), free(outfile);
    return rc;
}

static int draw_sweep(session *s, const ex_run *const *runs, size_t n, const char *base,
                      const char *group, cs_err *err)
{
    char lbuf[160]; /* a metric's axis label */
    const char *const *metrics = s->o->n_metrics ? s->o->metrics : default_metrics;
    size_t n_metrics = s->o->n_metrics ? s->o->n_metrics : 1;
    char *data = work_file(s, base, "-sweep.dat");
    char *outfile = out_path(s, base, "sweep");
    sbuf v = {0};
    size_t n_swept = 0;
    char **swept = NULL;
    int rc = CS_OK;
    const char *px, *py = NULL;
    /* a metric no run has would draw an empty picture (or make gnuplot
     * fail on an invalid range): refuse it by name (issue 16) */
    for (size_t m = 0; m < n_metrics; m++) {
        bool any = false;
        for (size_t i = 0; i < n && !any; i++)
            any = !isnan(ex_metric(&s->st, runs[i]->id, -1, metrics[m]));
        if (!any) {
            rc = cs_errf(err, CS_USAGE, "%s: no run has metric %s; nothing to draw", group,
                         metrics[m]);
            goto done;
        }
    }
    if (s->o->n_params) {
        px = s->o->params[0];
        py = s->o->n_params > 1 ? s->o->params[1] : NULL;
    } else {
        swept = ex_swept_params(&s->st, runs, n, &n_swept, err);
        if (!swept) {
            rc = err->code;
            goto done;
        }
        if (n_swept == 0) {
            rc = cs_errf(err, CS_USAGE,
                         "%s: no swept parameter (no params path differs between runs of the "
                         "same variant); name one with --param PATH",
                         group);
            goto done;
        }
        px = swept[0];
        py = n_swept > 1 ? swept[1] : NULL;
        if (n_swept > 2)
            warn(s,
                 "%s: %zu swept parameters; drawing %s and %s, averaging over the rest "
                 "(choose with --param)",
                 group, n_swept, px, py);
    }
    char title[512], caption[600];
    size_t n_variants = 0;
    if (!py) {
        bool numeric = false;
        const char *unit = "";
        rc = ex_sweep1_write(&s->st, runs, n, px, metrics, n_metrics, data, &numeric, &n_variants,
                             &unit, err);
        if (rc)
            goto done;
        gp_num(&v, "mode", 1);
        gp_num(&v, "numeric", numeric);
        char xl[300];
        snprintf(xl, sizeof xl, "%s%s%s%s", px, *unit ? " (" : "", unit, *unit ? ")" : "");
        gp_str(&v, "xlabel", xl);
        gp_num(&v, "nmet", (double)n_metrics);
        for (size_t m = 0; m < n_metrics; m++) {
            char name[32];
            snprintf(name, sizeof name, "ylabel_%zu", m);
            gp_str(&v, name, ex_metric_label(metrics[m], lbuf, sizeof lbuf));
        }
        snprintf(title, sizeof title, "Sweep: %s over %s  (%s)", metrics[0], px, group);
        snprintf(caption, sizeof caption, "%s over %s (%s)", metrics[0], px, group);
    } else {
        if (n_metrics > 1)
            warn(s, "a two-parameter sweep draws one metric: %s", metrics[0]);
        rc = ex_sweep2_write(&s->st, runs, n, px, py, metrics[0], data, &n_variants, err);
        if (rc)
            goto done;
        gp_num(&v, "mode", 2);
        gp_str(&v, "xlabel", px);
        gp_str(&v, "ylabel", py);
        gp_str(&v, "zlabel", ex_metric_label(metrics[0], lbuf, sizeof lbuf));
        /* variant names in the export's order: first appearance */
        for (size_t i = 0, k = 0; i < n; i++) {
            const char *vi = runs[i]->variant ? runs[i]->variant : "";
            bool seen = false;
            for (size_t j = 0; j < i; j++)
                seen |= strcmp(runs[j]->variant ? runs[j]->variant : "", vi) == 0;
            if (seen)
                continue;
            char name[32];
            snprintf(name, sizeof name, "vname_%zu", k++);
            gp_str(&v, name, *vi ? vi : "runs");
        }
        snprintf(title, sizeof title, "Sweep: mean %s  (%s)", metrics[0], group);
        snprintf(caption, sizeof caption, "%s over %s and %s (%s)", metrics[0], px, py, group);
    }
    gp_str(&v, "datafile", data);
    gp_num(&v, "nvar", (double)n_variants);
    gp_str(&v, "title", title);
    rc = draw(s, "sweep", &v, outfile, caption, err);
done:
    for (size_t i = 0; swept && i < n_swept; i++)
        free(swept[i]);
    free(swept);
    free(v.s), free(data), free(outfile);
    return rc;
}

static int draw_compare(session *s, const ex_run *const *runs, size_t n, const char *base,
                        const char *group, cs_err *err)
{
    char lbuf[160]; /* a metric's axis label */
    const char *const *metrics = s->o->n_metrics ? s->o->metrics : default_metrics;
    size_t n_metrics = s->o->n_metrics ? s->o->n_metrics : N_DEFAULT_METRICS;
    char *data = work_file(s, base, "-compare.dat");
    char *outfile = out_path(s, base, "compare");
    sbuf v = {0}, show = {0}, zero = {0};
    bool present[PLOT_MAX_LIST], nonzero[PLOT_MAX_LIST];
    size_t groups = 0;
    int rc = ex_compare_write(&s->st, runs, n, metrics, n_metrics, data, &groups, present,
                              nonzero, err);
    if (rc)
        goto done;
    bool variants = false;
    for (size_t i = 0; i < n; i++)
        variants |= runs[i]->variant != NULL;
    size_t n_var = 0; /* distinct variants */
    for (size_t i = 0; i < n; i++) {
        if (!runs[i]->variant)
            continue;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = runs[j]->variant && strcmp(runs[j]->variant, runs[i]->variant) == 0;
        n_var += !seen;
    }
    if (s->o->need_variants && (!variants || n_var < 2 || groups < 2)) {
        rc = cs_errf(err, CS_USAGE, "%s: fewer than two variants", group);
        goto done;
    }
    if (groups > MAX_COMPARE_GROUPS) {
        rc = cs_errf(err, CS_USAGE,
                     "%s: %zu scenarios are too many to compare side by side (at most %d; "
                     "name the runs, or draw the sweep)",
                     group, groups, MAX_COMPARE_GROUPS);
        goto done;
    }
    /* A panel whose metric is 0 in every run says nothing: it is left out
     * and named in the note at the bottom. */
    for (size_t m = 0; m < n_metrics; m++) {
        if (present[m] && nonzero[m]) {
            sb_printf(&show, "%s%zu", show.n ? " " : "", m);
            char name[32];
            snprintf(name, sizeof name, "ylabel_%zu", m);
            gp_str(&v, name, ex_metric_label(metrics[m], lbuf, sizeof lbuf));
            snprintf(name, sizeof name, "mname_%zu", m);
            gp_str(&v, name, metrics[m]);
        } else if (present[m]) {
            sb_printf(&zero, "%s%s", zero.n ? ", " : "", metrics[m]);
        } else if (s->o->n_metrics) {
            warn(s, "%s: no run has metric %s", group, metrics[m]);
        }
    }
    if (!show.n) {
        rc = cs_errf(err, CS_USAGE, "%s: none of the metrics to compare is stored%s", group,
                     zero.n ? " with a value other than 0" : "");
        goto done;
    }
    gp_str(&v, "datafile", data);
    gp_str(&v, "show", show.s);
    gp_str(&v, "zero", zero.s ? zero.s : "");
    gp_num(&v, "ngroups", (double)groups);
    char title[512], caption[600];
    snprintf(title, sizeof title,
             "Compare: %s  (mean, 95%% CI over seeds; a dot = one run; marks vs the first "
             "variant)",
             group);
    gp_str(&v, "title", title);
    snprintf(caption, sizeof caption, "Variants side by side (%s)", group);
    rc = draw(s, "compare", &v, outfile, caption, err);
done:
    free(v.s), free(show.s), free(zero.s), free(data), free(outfile);
    return rc;
}

/* ---- selection and naming --------------------------------------------- */

/* store_run by id (store_unique_runs returns them in id order). */
static int run_id_cmp(const void *a, const void *b)
{
    int64_t x = ((const store_run *)a)->id, y = ((const store_run *)b)->id;
    return x < y ? -1 : x > y;
}

static int select_runs(session *s, const ex_run ***sel, size_t *n, bool multi, cs_err *err)
{
    const plot_opts *o = s->o;
    *sel = cs_calloc(s->st.n_runs + 1, sizeof **sel);
    *n = 0;
    if (s->st.n_runs == 0)
        return cs_errf(err, CS_USAGE, "%s holds no runs (run `cachestorm run CONFIG --db %s`)",
                       o->db, o->db);
    for (size_t i = 0; i < o->n_runs; i++) {
        const char *a = o->runs[i];
        char *end;
        long long id = strtoll(a, &end, 10);
        size_t found = 0;
        for (size_t k = 0; k < s->st.n_runs; k++) {
            const ex_run *r = &s->st.runs[k];
            bool match = (*a && !*end) ? r->id == id : strcmp(r->name, a) == 0;
            if (!match)
                continue;
            found++;
            bool dup = false;
            for (size_t j = 0; j < *n; j++)
                dup |= (*sel)[j] == r;
            if (!dup)
                (*sel)[(*n)++] = r;
            if (strcmp(r->status, "done") != 0)
                warn(s, "run %lld (%s) is %s; drawing what is stored", (long long)r->id, r->name,
                     r->status);
        }
        if (!found)
            return cs_errf(
                err, CS_USAGE, "no run %s in %s (ids %lld..%lld; see cachestorm show %s)", a, o->db,
                (long long)s->st.runs[0].id, (long long)s->st.runs[s->st.n_runs - 1].id, o->db);
    }
    if (o->n_runs)
        return CS_OK;
    /* Each (scenario, seed) once: a rerun or a merged duplicate is drawn
     * (and averaged) once, as every statistic counts it (store_unique_runs). */
    store_run *uniq = NULL;
    size_t nuniq = 0;
    int urc = store_unique_runs(s->st.store, NULL, &uniq, &nuniq, NULL, err);
    if (urc)
        return urc;
    for (size_t k = s->st.n_runs; k-- > 0;) {
        if (strcmp(s->st.runs[k].status, "done") != 0)
            continue;
        if (o->by_experiment) {
            const char *e = s->st.runs[k].experiment;
            if (!(o->experiment ? e && strcmp(e, o->experiment) == 0 : !e))
                continue;
        }
        store_run key = {.id = s->st.runs[k].id};
        if (!bsearch(&key, uniq, nuniq, sizeof *uniq, run_id_cmp))
            continue;
        (*sel)[(*n)++] = &s->st.runs[k];
        if (!multi)
            break;
    }
    store_runs_free(uniq, nuniq);
    if (*n == 0)
        return cs_errf(err, CS_USAGE, "%s holds no finished run (status done)", o->db);
    /* chronological (id) order for multi-run pictures */
    for (size_t i = 0, j = *n - 1; i < j; i++, j--) {
        const ex_run *t = (*sel)[i];
        (*sel)[i] = (*sel)[j], (*sel)[j] = t;
    }
    return CS_OK;
}

static const char *db_stem(const char *db, char *buf, size_t size)
{
    const char *slash = strrchr(db, '/');
    snprintf(buf, size, "%s", slash ? slash + 1 : db);
    char *dot = strrchr(buf, '.');
    if (dot && dot != buf)
        *dot = 0;
    return buf;
}

/* A run's file name: its self-describing name, its variant when the name
 * does not already say it, and its id when another run of the database has
 * the same name and variant (other seeds, reruns) — so plotting run 3 and
 * then run 4 never writes the same file. */
static void run_base(const session *s, const ex_run *r, char *base, size_t size)
{
    char name[200], var[100];
    sanitise(name, sizeof name, r->name);
    bool has_variant = r->variant && *r->variant && !strstr(r->name, r->variant);
    if (has_variant) {
        sanitise(var, sizeof var, r->variant);
        sbuf b = {0};
        sb_printf(&b, "%s-%s", name, var);
        snprintf(base, size, "%s", b.s ? b.s : name);
        free(b.s);
    } else {
        snprintf(base, size, "%s", name);
    }
    bool collide = false;
    for (size_t j = 0; j < s->st.n_runs && !collide; j++) {
        const ex_run *o = &s->st.runs[j];
        collide = o->id != r->id && strcmp(o->name, r->name) == 0 &&
                  (o->variant == NULL) == (r->variant == NULL) &&
                  (!r->variant || strcmp(o->variant, r->variant) == 0);
    }
    if (collide) {
        size_t k = strlen(base);
        snprintf(base + k, size - k, "-r%lld", (long long)r->id);
    }
}

static int draw_per_run(session *s, const ex_run *const *sel, size_t n, cs_err *err)
{
    bool timeline = strcmp(s->o->kind, "timeline") == 0;
    int first_rc = CS_OK, drawn = 0;
    for (size_t i = 0; i < n; i++) {
        char base[260];
        run_base(s, sel[i], base, sizeof base);
        if (s->o->node >= 0 && timeline) {
            size_t k = strlen(base);
            snprintf(base + k, sizeof base - k, "-node%d", s->o->node);
        }
        cs_err e = {0};
        int rc = timeline ? draw_timeline(s, sel[i], base, &e) : draw_nodes(s, sel[i], base, &e);
        if (rc == CS_OK) {
            drawn++;
            continue;
        }
        if (rc != CS_USAGE || n == 1) {
            *err = e;
            return rc;
        }
        warn(s, "%s", e.msg);
        if (!first_rc)
            first_rc = rc, *err = e;
    }
    return drawn ? CS_OK : first_rc;
}

static int draw_groups(session *s, const ex_run *const *sel, size_t n, cs_err *err)
{
    /* Group by experiment, in order of first appearance. */
    const ex_run **grp = cs_calloc(n + 1, sizeof *grp);
    bool *done = cs_calloc(n + 1, sizeof *done);
    int first_rc = CS_OK, drawn = 0;
    size_t n_groups = 0;
    for (size_t i = 0; i < n; i++)
        if (!done[i]) {
            n_groups++;
            for (size_t j = i; j < n; j++) {
                const char *a = sel[i]->experiment, *b = sel[j]->experiment;
                if ((!a && !b) || (a && b && strcmp(a, b) == 0))
                    done[j] = true;
            }
        }
    memset(done, 0, (n + 1) * sizeof *done);
    for (size_t i = 0; i < n; i++) {
        if (done[i])
            continue;
        size_t k = 0;
        bool same_name = true;
        for (size_t j = i; j < n; j++) {
            const char *a = sel[i]->experiment, *b = sel[j]->experiment;
            if ((!a && !b) || (a && b && strcmp(a, b) == 0)) {
                done[j] = true;
                grp[k++] = sel[j];
                same_name &= strcmp(sel[j]->name, sel[i]->name) == 0;
            }
        }
        char stem[200], group[256], base[260];
        if (sel[i]->experiment)
            snprintf(group, sizeof group, "%s", sel[i]->experiment);
        else if (same_name)
            snprintf(group, sizeof group, "%s", sel[i]->name);
        else
            snprintf(group, sizeof group, "%s", db_stem(s->o->db, stem, sizeof stem));
        sanitise(base, sizeof base, group);
        if (n_groups > 1 && !sel[i]->experiment) {
            size_t len = strlen(base);
            snprintf(base + len, sizeof base - len, "-runs");
        }
        cs_err e = {0};
        int rc;
        if (strcmp(s->o->kind, "cdf") == 0)
            rc = draw_cdf(s, grp, k, base, group, &e);
        else if (strcmp(s->o->kind, "sweep") == 0)
            rc = draw_sweep(s, grp, k, base, group, &e);
        else
            rc = draw_compare(s, grp, k, base, group, &e);
        if (rc == CS_OK) {
            drawn++;
            continue;
        }
        if (rc != CS_USAGE || n_groups == 1) {
            *err = e;
            first_rc = rc;
            drawn = 0;
            break;
        }
        warn(s, "%s", e.msg);
        if (!first_rc)
            first_rc = rc, *err = e;
    }
    free(grp);
    free(done);
    return drawn ? CS_OK : first_rc;
}

int plot_draw(const plot_opts *o, plot_files *out, cs_err *err)
{
    bool known = false;
    for (size_t i = 0; i < 5; i++)
        known |= strcmp(o->kind, plot_kinds[i]) == 0;
    if (!known)
        return cs_errf(err, CS_USAGE, "unknown kind '%s' (timeline, cdf, nodes, sweep or compare)",
                       o->kind);
    if (strcmp(o->format, "png") != 0 && strcmp(o->format, "svg") != 0)
        return cs_errf(err, CS_USAGE, "unknown format '%s' (png or svg)", o->format);

    session s = {.o = o, .out = out};
    const ex_run **sel = NULL;
    size_t n = 0;
    int rc = ex_open(&s.st, o->db, err);
    if (rc)
        return rc;
    bool multi = strcmp(o->kind, "timeline") != 0 && strcmp(o->kind, "nodes") != 0;
    if ((rc = select_runs(&s, &sel, &n, multi, err)))
        goto done;
    if ((rc = plot_find_gnuplot(s.gnuplot, sizeof s.gnuplot, err)))
        goto done;
    if ((rc = make_dir(o->out_dir, err)))
        goto done;
    if (o->keep_data) {
        snprintf(s.work, sizeof s.work, "%s", o->out_dir);
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(s.work, sizeof s.work, "%s/cachestorm-plot-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(s.work)) {
            rc = cs_errf(err, CS_IO, "cannot create a temporary directory %s: %s", s.work,
                         strerror(errno));
            goto done;
        }
        s.temp_work = true;
    }
    rc = multi ? draw_groups(&s, sel, n, err) : draw_per_run(&s, sel, n, err);
done:
    for (size_t i = 0; i < s.n_scratch; i++) {
        unlink(s.scratch[i]);
        free(s.scratch[i]);
    }
    free(s.scratch);
    if (s.temp_work)
        rmdir(s.work);
    free(sel);
    ex_close(&s.st);
    return rc;
}

