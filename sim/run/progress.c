/* progress.c — progress lines on stderr (see progress.h). */
#include "sim/run/progress.h"

#include <math.h>
#include <time.h>
#include <unistd.h>

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_init(progress *p, const char *label, FILE *out, bool quiet, double every)
{
    *p = (progress){.label = label ? label : "cachestorm",
                    .out = out,
                    .quiet = quiet,
                    .tty = out && isatty(fileno(out)),
                    .every = every < 0 ? PROGRESS_EVERY_DEFAULT : every,
                    .t0 = mono_s()};
    p->last = p->t0;
    p->last_done = (size_t)-1;
}

void progress_fmt_duration(char *buf, size_t n, double s)
{
    if (!(s >= 0) || !isfinite(s)) {
        snprintf(buf, n, "-");
        return;
    }
    long t = lround(s);
    if (t < 60)
        snprintf(buf, n, "%ld s", t);
    else if (t < 3600)
        snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
    else
        snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
}

void progress_update(void *vp, size_t done, size_t total)
{
    progress *p = vp;
    if (!p || p->quiet || !p->out)
        return;
    double now = mono_s(), el = now - p->t0;
    if (!p->tty) {
        /* a line when a run ended and `every` has passed (0: every run),
         * or while nothing ends, once `every` (at least 1 s) has passed */
        bool ended = done != p->last_done;
        if (!ended && p->every <= 0)
            return;
        double gap = now - p->last;
        if (!(ended ? gap >= p->every : gap >= (p->every > 1 ? p->every : 1)))
            return;
        if (done == 0 && !ended)
            return;
    }
    char e[32], eta[32];
    progress_fmt_duration(e, sizeof e, el);
    if (done > 0 && done < total)
        progress_fmt_duration(eta, sizeof eta, el / (double)done * (double)(total - done));
    else
        snprintf(eta, sizeof eta, done >= total ? "0 s" : "-");
    unsigned pct = total ? (unsigned)(done * 100 / total) : 100;
    if (p->tty) {
        if (done >= total) {
            progress_end(p);
            return;
        }
        fprintf(p->out, "\r\033[K%s: %zu/%zu runs (%u%%), %s elapsed, ETA %s", p->label, done,
                total, pct, e, eta);
        p->drawn = true;
    } else {
        fprintf(p->out, "%s: progress %zu/%zu runs (%u%%), %s elapsed, ETA %s\n", p->label, done,
                total, pct, e, eta);
    }
    fflush(p->out);
    p->last = now;
    p->last_done = done;
}

void progress_end(progress *p)
{
    if (p && p->drawn && p->out) {
        fputs("\r\033[K", p->out);
        fflush(p->out);
        p->drawn = false;
    }
}
