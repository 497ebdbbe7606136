/* progress.h — progress of long work (sweep, check, tune) on stderr.
 *
 * On a terminal (isatty(stderr)): one line rewritten in place — done/total,
 * elapsed and ETA — and erased when the work ends.  Off a terminal (CI logs,
 * `| tee`): a plain line at most every `every` seconds (0: after every
 * finished run), never a carriage return.  Quiet: nothing.  The state lives
 * in the caller's struct; nothing global. */
#ifndef CS_PROGRESS_H
#define CS_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define PROGRESS_EVERY_DEFAULT 10.0 /* seconds between plain lines off a terminal */

typedef struct progress {
    const char *label; /* "sweep", a file name: the line starts "LABEL: " */
    FILE *out;         /* stderr */
    bool quiet, tty;
    double every;     /* seconds between plain lines off a terminal */
    double t0, last;  /* monotonic seconds: start, last line */
    size_t last_done; /* done at the last line */
    bool drawn;       /* a terminal line is on screen */
} progress;

/* Start: tty from isatty(fileno(out)); every < 0 means the default. */
void progress_init(progress *p, const char *label, FILE *out, bool quiet, double every);
/* done of total finished (an exp_progress: arg is the progress).  Also
 * called about once a second while nothing ends, so a plain line comes
 * every `every` seconds even when runs are long. */
void progress_update(void *p, size_t done, size_t total);
/* The work ended (or stopped): erase the terminal line. */
void progress_end(progress *p);
/* "42 s", "3:25", "1:02:03" */
void progress_fmt_duration(char *buf, size_t n, double s);

#endif
