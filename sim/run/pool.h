/* pool.h — run jobs in child processes, at most `slots` at a time, and stop
 * cleanly on SIGINT / SIGTERM.  Used by the experiment executor and by `run`.
 *
 * Each job runs in a forked child (signals back to their defaults), which
 * fills a pool_msg and sends it through a pipe.  The parent waits with
 * sigtimedwait on SIGCHLD, SIGINT and SIGTERM (blocked while the pool runs,
 * restored after), so a signal is never lost between two checks.  On SIGINT
 * or SIGTERM it starts nothing more, passes the signal on to the running
 * children, waits for them, and returns the signal: the caller marks their
 * runs 'interrupted' and the CLI exits 128 + signal.  No threads, no shared
 * memory; the only state outside the call is the signal mask and the SIGCHLD
 * disposition, both restored before it returns. */
#ifndef CS_POOL_H
#define CS_POOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sim/core/common.h"

/* What a child reports (< PIPE_BUF, so one write is atomic). */
typedef struct pool_msg {
    int32_t rc;
    int64_t run_id;
    char msg[512];
} pool_msg;

/* What became of a job, as the parent saw it. */
typedef struct pool_end {
    pool_msg m; /* the child's message, or rc CS_IO and why it has none */
    pid_t pid;  /* the child's pid (its runs rows carry it) */
    int signal; /* the signal that killed the child, 0 if none */
    bool spoke; /* the child's message arrived */
} pool_end;

/* In the child: do job `job`, fill *m.  Must not return through the
 * parent's stack frames; the pool _exits after it. */
typedef void (*pool_child_fn)(void *ctx, size_t job, pool_msg *m);
/* In the parent, once per job that ended (in the order they end). */
typedef void (*pool_end_fn)(void *ctx, size_t job, const pool_end *e);

/* Run jobs 0..njobs-1.  Returns 0, or CS_IO with err filled (fork or pipe
 * failed: jobs not started get no end callback; *started says how many
 * started).  *signal receives SIGINT/SIGTERM when one stopped the pool. */
int pool_run(size_t njobs, int slots, pool_child_fn child, pool_end_fn end, void *ctx,
             size_t *started, int *signal, cs_err *err);

/* In the parent, about once a second while no job ends (progress lines). */
typedef void (*pool_tick_fn)(void *ctx);
/* pool_run, calling tick (may be NULL) when a second passes without news. */
int pool_run_tick(size_t njobs, int slots, pool_child_fn child, pool_end_fn end,
                  pool_tick_fn tick, void *ctx, size_t *started, int *signal_out, cs_err *err);

#endif
