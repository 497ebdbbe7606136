/* pool.c — a fork/waitpid process pool that stops on SIGINT / SIGTERM (see
 * pool.h).  One pipe per child carries its pool_msg. */
#include "sim/run/pool.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct slot {
    pid_t pid;
    int fd;
    size_t job;
} slot;

static void on_sigchld(int sig)
{
    (void)sig; /* only wakes sigtimedwait; the signal stays blocked anyway */
}

/* Collect a finished child: read its message, call end. */
static void collect(slot *sl, int status, pool_end_fn end, void *ctx)
{
    pool_end e = {.pid = sl->pid};
    ssize_t n;
    do
        n = read(sl->fd, &e.m, sizeof e.m);
    while (n < 0 && errno == EINTR);
    close(sl->fd);
    e.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    if (n == (ssize_t)sizeof e.m) {
        e.spoke = true;
    } else {
        memset(&e.m, 0, sizeof e.m);
        e.m.rc = CS_IO;
        if (e.signal)
            snprintf(e.m.msg, sizeof e.m.msg, "run process killed by signal %d (%s)", e.signal,
                     strsignal(e.signal));
        else
            snprintf(e.m.msg, sizeof e.m.msg, "run process exited with status %d and no result",
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    sl->pid = 0;
    end(ctx, sl->job, &e);
}

int pool_run(size_t njobs, int slots, pool_child_fn child, pool_end_fn end, void *ctx,
             size_t *started, int *signal_out, cs_err *err)
{
    return pool_run_tick(njobs, slots, child, end, NULL, ctx, started, signal_out, err);
}

int pool_run_tick(size_t njobs, int slots, pool_child_fn child, pool_end_fn end,
                  pool_tick_fn tick, void *ctx, size_t *started, int *signal_out, cs_err *err)
{
    *started = 0;
    *signal_out = 0;
    if (slots < 1)
        slots = 1;
    if ((size_t)slots > njobs)
        slots = njobs ? (int)njobs : 1;
    /* A signal this process ignores (a background job's SIGINT, nohup)
     * stays ignored, here and in the children. */
    struct sigaction old_int, old_term;
    sigaction(SIGINT, NULL, &old_int);
    sigaction(SIGTERM, NULL, &old_term);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    if (old_int.sa_handler != SIG_IGN)
        sigaddset(&block, SIGINT);
    if (old_term.sa_handler != SIG_IGN)
        sigaddset(&block, SIGTERM);
    struct sigaction sa = {0}, old_chld;
    sa.sa_handler = on_sigchld;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, &old_chld);
    sigprocmask(SIG_BLOCK, &block, &old);

    slot *sl = cs_calloc((size_t)slots, sizeof *sl);
    size_t next = 0;
    int running = 0, rc = CS_OK, sig = 0;
    fflush(stdout);
    fflush(stderr);
    while (next < njobs || running > 0) {
        if (!sig) {
            /* A signal already pending (it came before the pool, or while
             * a job was being started) stops the pool before the next job. */
            sigset_t pend;
            sigpending(&pend);
            if (sigismember(&block, SIGINT) && sigismember(&pend, SIGINT))
                sig = SIGINT;
            else if (sigismember(&block, SIGTERM) && sigismember(&pend, SIGTERM))
                sig = SIGTERM;
            if (sig) {
                sigset_t one;
                sigemptyset(&one);
                sigaddset(&one, sig);
                struct timespec zero = {0, 0};
                sigtimedwait(&one, NULL, &zero);
                for (int k = 0; k < slots; k++)
                    if (sl[k].pid)
                        kill(sl[k].pid, sig);
            }
        }
        if (!sig && !rc && next < njobs && running < slots) {
            int k = 0;
            while (sl[k].pid)
                k++;
            int fds[2];
            if (pipe(fds)) {
                rc = cs_errf(err, CS_IO, "pipe: %s", strerror(errno));
                continue;
            }
            pid_t pid = fork();
            if (pid < 0) {
                close(fds[0]);
                close(fds[1]);
                rc = cs_errf(err, CS_IO, "fork: %s", strerror(errno));
                continue;
            }
            if (pid == 0) {
                /* The child: default signals, unblocked; its own pipe only. */
                signal(SIGINT, old_int.sa_handler == SIG_IGN ? SIG_IGN : SIG_DFL);
                signal(SIGTERM, old_term.sa_handler == SIG_IGN ? SIG_IGN : SIG_DFL);
                sigaction(SIGCHLD, &old_chld, NULL);
                sigprocmask(SIG_SETMASK, &old, NULL);
                sigprocmask(SIG_UNBLOCK, &block, NULL); /* a caller may have blocked them */
                close(fds[0]);
                for (int j = 0; j < slots; j++)
                    if (sl[j].pid)
                        close(sl[j].fd);
                pool_msg m = {0};
                child(ctx, next, &m);
                ssize_t w = write(fds[1], &m, sizeof m);
                close(fds[1]);
                _exit(w == (ssize_t)sizeof m ? 0 : 3);
            }
            close(fds[1]);
            sl[k] = (slot){pid, fds[0], next};
            next++;
            running++;
            (*started)++;
            continue;
        }
        if (running == 0)
            break;
        /* Reap whatever has ended. */
        bool reaped = false;
        for (int k = 0; k < slots; k++) {
            if (!sl[k].pid)
                continue;
            int status;
            pid_t p = waitpid(sl[k].pid, &status, WNOHANG);
            if (p == sl[k].pid) {
                collect(&sl[k], status, end, ctx);
                running--;
                reaped = true;
            }
        }
        if (reaped)
            continue;
        /* Wait for a child to end or a signal; the timeout is a safety net. */
        struct timespec ts = {1, 0};
        siginfo_t info;
        int s = sigtimedwait(&block, &info, &ts);
        if (s < 0 && tick)
            tick(ctx); /* a second without news: progress may want to say so */
        if ((s == SIGINT || s == SIGTERM) && !sig) {
            sig = s;
            for (int k = 0; k < slots; k++)
                if (sl[k].pid)
                    kill(sl[k].pid, s);
        }
    }
    free(sl);
    /* Drain what is pending: SIGCHLDs already handled, and a SIGINT/SIGTERM
     * that came after the last child ended is still the user's request. */
    struct timespec zero = {0, 0};
    siginfo_t info;
    for (int s; (s = sigtimedwait(&block, &info, &zero)) > 0;)
        if ((s == SIGINT || s == SIGTERM) && !sig)
            sig = s;
    sigprocmask(SIG_SETMASK, &old, NULL);
    sigaction(SIGCHLD, &old_chld, NULL);
    *signal_out = sig;
    return rc;
}
