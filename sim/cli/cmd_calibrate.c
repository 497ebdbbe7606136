/* cmd_calibrate.c — `cachestorm calibrate redis://HOST:PORT [--out FILE]
 * [--quick]`: measure a real Redis over bare RESP (TCP, no library) and
 * write what the batched cost model needs (models/redis_server.h) as a YAML
 * fragment a config can `base:` from.
 *
 * Phases (each bounded; ~15 s in all, --quick ~6 s):
 *   1. sequential round trips per command kind (GET, SET, HSET, HMGET,
 *      PUBLISH with no subscriber) on one socket: p50, p99, mean with a
 *      95 % CI; INFO commandstats usec_per_call per kind (CONFIG RESETSTAT
 *      first) = the model's `exec`;
 *   2. pipelined rounds: 50 GETs written at once on 1 and on 8 sockets:
 *      the server's CPU (INFO used_cpu_user + used_cpu_sys) per GET;
 *   3. one event-loop iteration with m sockets of p GETs each (m = 1, 2, 4,
 *      8, 16; p = 1, 8; each three times): an EVAL of a fixed Lua loop holds the
 *      server while the m sockets are written, so the next epoll_wait
 *      returns all m at once.  Server CPU per round = A + S m + E m p by
 *      least squares (GSL), with standard errors: S is the CPU one more
 *      socket adds to an iteration (its read and its write), the per-socket
 *      part of the I/O cost.  (The open loop cannot identify it: with one
 *      command per socket, a batch of b commands has b sockets, and the
 *      CPU per GET also falls for another reason, below.)
 *   4. sequential GETs after an idle gap of 0, 25, 50, 100, 200, 400 and
 *      1000 us: round-trip p50 and server CPU per GET vs the gap.  A round
 *      trip after a long idle costs more (here +20-35 us and +15-25 us of
 *      server CPU: the idle CPUs go to sleep; on this VM the guest's halt
 *      polling ends at 200 us) — the "lone command" cost at 1000/s is a
 *      cold one, and commands closer together are warm;
 *   5. open loop: Poisson GETs over 16 sockets (one outstanding each, a
 *      FIFO for the rest, like the pool client model) at 1000/s, then at
 *      10 %, 50 % and 90 % of the lone-command capacity 1 / (server CPU per
 *      GET at 1000/s); 10 % and 50 % three times each, interleaved, and the
 *      median reported with the range: latency p50/p99 counted from when
 *      the request was due (its wait for a socket included), server CPU per
 *      GET, this process's CPU per GET, and the run-queue delay per GET of
 *      this process and of the server (/proc/PID/schedstat, loopback only):
 *      the time other processes held the CPU they needed;
 *   6. PUBLISH with K = 0, 8, 32 subscriber sockets it opens itself:
 *      usec_per_call slope = execution per subscriber; CPU slope less the
 *      execution slope = the per-subscriber write.
 * Fit (no parameter is fitted to the open loop, which is the out-of-sample
 * test): exec from 1; io.read + io.write = S from 3 (split evenly; the two
 * are not separable); the warm lone GET's server CPU (4, gap 25 us) less
 * exec less S = io.loop; f = io.loop / (io.loop + S) with the CI from S's;
 * io.wake = the round trip after 1000 us idle less the one after 25 us,
 * rising linearly between the idle times where the measured round trip
 * crosses 10 % and 90 % of that rise (wake_after, wake_ramp); link.rtt p50
 * = the warm round trip less the model's warm lone server time (it holds
 * the client's own syscalls and wake-ups), p99 = the sequential GET p99
 * less the same.  The report then runs the model (models/, the same open
 * loop: model_open_loop) at the four open-loop rates and prints its GET p50
 * and server CPU next to the measured ones.
 * Errors: connection refused / unreachable, AUTH required (NOAUTH), a port
 * that does not speak RESP — one line each, exit 3.  Only the host the user
 * names is contacted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "models/network.h"
#include "models/redis_client.h"
#include "models/redis_server.h"
#include "sim/cli/cli.h"
#include "sim/cli/cli_args.h"
#include "sim/core/dist.h"
#include "sim/core/engine.h"

#define IOTIMEOUT_MS 2000
#define NOPEN 16  /* open-loop sockets */
#define MAXSUB 32 /* subscriber sockets */
#define NGAP 7
static const int gap_us[NGAP] = {0, 25, 50, 100, 200, 400, 1000};
#define NREP 3    /* repeats of the 10 % and 50 % open-loop points */

typedef struct conn {
    int fd;
    char *buf;
    size_t len, cap;
} conn;

typedef struct cal {
    char host[256], port[16];
    char err[512];
    bool quick;
    int srv_pid; /* the server's PID when it runs on this machine (loopback), else 0 */
} cal;

/* /proc/PID/schedstat (pid 0: this process): time on a CPU and time spent
 * runnable but waiting for a CPU (run-queue delay), both in s; NAN when
 * unreadable.  The delay is what another process's use of the CPU costs us. */
static void schedstat(int pid, double *on_cpu, double *waited)
{
    char path[64];
    if (pid > 0)
        snprintf(path, sizeof path, "/proc/%d/schedstat", pid);
    else
        snprintf(path, sizeof path, "/proc/self/schedstat");
    FILE *f = fopen(path, "r");
    unsigned long long a = 0, b = 0;
    if (!f || fscanf(f, "%llu %llu", &a, &b) != 2) {
        *on_cpu = *waited = NAN;
    } else {
        *on_cpu = (double)a * 1e-9;
        *waited = (double)b * 1e-9;
    }
    if (f)
        fclose(f);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int fail(cal *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    return -1;
}

static int conn_open(cal *c, conn *k)
{
    memset(k, 0, sizeof *k);
    k->fd = -1;
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(c->host, c->port, &hints, &res);
    if (rc != 0)
        return fail(c, "cannot resolve %s: %s", c->host, gai_strerror(rc));
    int last = 0;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
            last = errno;
            close(fd);
            continue;
        }
        struct pollfd p = {fd, POLLOUT, 0};
        if (poll(&p, 1, IOTIMEOUT_MS) != 1) {
            last = ETIMEDOUT;
            close(fd);
            continue;
        }
        int so = 0;
        socklen_t sl = sizeof so;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl);
        if (so != 0) {
            last = so;
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        k->fd = fd;
        break;
    }
    freeaddrinfo(res);
    if (k->fd < 0) {
        if (last == ECONNREFUSED)
            return fail(c, "connection refused by %s:%s (is redis-server running there?)", c->host,
                        c->port);
        return fail(c, "cannot connect to %s:%s: %s", c->host, c->port, strerror(last));
    }
    return 0;
}

static void conn_close(conn *k)
{
    if (k->fd >= 0)
        close(k->fd);
    free(k->buf);
    k->fd = -1;
    k->buf = NULL;
}

static int send_all(cal *c, conn *k, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(k->fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd q = {k->fd, POLLOUT, 0};
            if (poll(&q, 1, IOTIMEOUT_MS) != 1)
                return fail(c, "write to %s:%s timed out", c->host, c->port);
            continue;
        }
        if (w <= 0)
            return fail(c, "write to %s:%s: %s", c->host, c->port, strerror(errno));
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Length of one complete RESP reply at b[0..n), 0 if incomplete, -1 if
 * not RESP. */
static long resp_len(const char *b, size_t n)
{
    if (n == 0)
        return 0;
    if (!strchr("+-:$*", b[0]))
        return -1;
    const char *e = memchr(b, '\n', n);
    if (!e)
        return n > 512 ? -1 : 0;
    size_t line = (size_t)(e - b) + 1;
    if (line < 3 || b[line - 2] != '\r')
        return -1;
    if (b[0] == '+' || b[0] == '-' || b[0] == ':')
        return (long)line;
    long v = strtol(b + 1, NULL, 10);
    if (b[0] == '$') {
        if (v < 0)
            return (long)line;
        size_t need = line + (size_t)v + 2;
        return n >= need ? (long)need : 0;
    }
    size_t off = line; /* array */
    for (long i = 0; i < v; i++) {
        long l = resp_len(b + off, n - off);
        if (l <= 0)
            return l;
        off += (size_t)l;
    }
    return (long)off;
}

/* Read what is available (waiting up to ms): 1 read, 0 nothing, -1 error/EOF. */
static int fill(cal *c, conn *k, int ms)
{
    struct pollfd q = {k->fd, POLLIN, 0};
    if (ms > 0 && poll(&q, 1, ms) == 0) /* ms == 0: the socket is non-blocking */
        return 0;
    if (k->cap - k->len < 65536) {
        size_t ncap = k->cap ? k->cap * 2 : 131072;
        char *nb = realloc(k->buf, ncap);
        if (!nb)
            return fail(c, "out of memory");
        k->buf = nb;
        k->cap = ncap;
    }
    ssize_t got = recv(k->fd, k->buf + k->len, k->cap - k->len, 0);
    if (got == 0)
        return fail(c, "%s:%s closed the connection: not a Redis port?", c->host, c->port);
    if (got < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0
                                                         : fail(c, "read: %s", strerror(errno));
    k->len += (size_t)got;
    return 1;
}

/* Take one complete reply off k's buffer into out (NUL-terminated, maybe
 * truncated): 1 got one, 0 none yet, -1 not RESP. */
static int take_reply(cal *c, conn *k, char *out, size_t outlen)
{
    long l = resp_len(k->buf, k->len);
    if (l < 0)
        return fail(c, "%s:%s does not speak RESP (got \"%.20s\"): not a Redis port?", c->host,
                    c->port, k->buf);
    if (l == 0)
        return 0;
    if (out && outlen) {
        size_t m = (size_t)l < outlen - 1 ? (size_t)l : outlen - 1;
        memcpy(out, k->buf, m);
        out[m] = 0;
    }
    memmove(k->buf, k->buf + l, k->len - (size_t)l);
    k->len -= (size_t)l;
    return 1;
}

/* Wait for one reply (IOTIMEOUT_MS). */
static int reply(cal *c, conn *k, char *out, size_t outlen)
{
    double deadline = now_s() + IOTIMEOUT_MS / 1000.0;
    for (;;) {
        int r = take_reply(c, k, out, outlen);
        if (r)
            return r < 0 ? -1 : 0;
        double left = deadline - now_s();
        if (left <= 0)
            return fail(c, "no reply from %s:%s within %d ms: not a Redis port?", c->host, c->port,
                        IOTIMEOUT_MS);
        if (fill(c, k, (int)(left * 1000) + 1) < 0)
            return -1;
    }
}

static size_t resp_cmd(char *b, size_t cap, int argc, const char *const *argv)
{
    size_t n = (size_t)snprintf(b, cap, "*%d\r\n", argc);
    for (int i = 0; i < argc && n < cap; i++)
        n += (size_t)snprintf(b + n, cap - n, "$%zu\r\n%s\r\n", strlen(argv[i]), argv[i]);
    return n;
}

static int command(cal *c, conn *k, char *out, size_t outlen, int argc, const char *const *argv)
{
    char b[1024];
    size_t n = resp_cmd(b, sizeof b, argc, argv);
    if (send_all(c, k, b, n))
        return -1;
    return reply(c, k, out, outlen);
}

static int info(cal *c, conn *k, const char *section, char *out, size_t outlen)
{
    const char *argv[] = {"INFO", section};
    return command(c, k, out, outlen, 2, argv);
}

static double info_num(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    return p ? strtod(p + strlen(key), NULL) : NAN;
}

static double server_cpu(cal *c, conn *k)
{
    char b[8192];
    if (info(c, k, "cpu", b, sizeof b))
        return NAN;
    return info_num(b, "used_cpu_sys:") + info_num(b, "used_cpu_user:");
}

/* usec_per_call of cmdstat_NAME (NAN when absent). */
static double usec_per_call(cal *c, conn *k, const char *name)
{
    char b[16384], key[64];
    if (info(c, k, "commandstats", b, sizeof b))
        return NAN;
    snprintf(key, sizeof key, "cmdstat_%s:", name);
    const char *p = strstr(b, key);
    if (!p)
        return NAN;
    const char *u = strstr(p, "usec_per_call=");
    return u ? strtod(u + 14, NULL) : NAN;
}

/* The server's PID when it is a redis-server on this machine (a loopback
 * address and /proc/PID/comm naming redis), else 0: only read, for its
 * run-queue delay. */
static int local_server_pid(cal *c, conn *k)
{
    if (strncmp(c->host, "127.", 4) && strcmp(c->host, "::1") && strcmp(c->host, "localhost"))
        return 0;
    char b[8192], path[64], comm[64] = "";
    if (info(c, k, "server", b, sizeof b))
        return 0;
    double pid = info_num(b, "process_id:");
    if (!(pid > 0))
        return 0;
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int ok = fgets(comm, sizeof comm, f) && strstr(comm, "redis");
    fclose(f);
    return ok ? (int)pid : 0;
}

static int resetstat(cal *c, conn *k)
{
    const char *argv[] = {"CONFIG", "RESETSTAT"};
    char b[128];
    return command(c, k, b, sizeof b, 2, argv);
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct summary {
    double p50, p99, mean, ci;
} summary;

static summary summarize(double *v, int n)
{
    summary s = {NAN, NAN, NAN, NAN};
    if (n < 2)
        return s;
    double m = 0, q = 0;
    for (int i = 0; i < n; i++)
        m += v[i];
    m /= n;
    for (int i = 0; i < n; i++)
        q += (v[i] - m) * (v[i] - m);
    qsort(v, (size_t)n, sizeof *v, cmpd);
    s.p50 = v[n / 2];
    s.p99 = v[(int)(0.99 * (n - 1))];
    s.mean = m;
    s.ci = 1.96 * sqrt(q / (n - 1) / n);
    return s;
}

/* ---- the model under the same open loop ------------------------------------- */

typedef struct mrun {
    redis_client *rc;
    gsl_rng *g;
    double rate;
    int left, done;
    double *lat;
} mrun;

static void m_done(void *ctx, const rc_result *r)
{
    mrun *m = ctx;
    m->lat[m->done++] = (double)r->latency * 1e-9;
}

static void m_arrive(engine *e, void *obj, uint64_t u)
{
    (void)u;
    mrun *m = obj;
    rc_get(m->rc, 1, true, m_done, m, 0);
    if (--m->left > 0)
        eng_after(e, (sim_ns)gsl_ran_exponential(m->g, 1e9 / m->rate) + 1, m_arrive, m, 0);
}

/* The model with `rp` and a lognormal link, GETs over NOPEN pool
 * connections (one command each, a FIFO for the rest) at `rate`/s: p50
 * latency (s) and the server's busy time per GET (s). */
static int model_open_loop(const rs_params *rp, double link_p50_s, double link_p99_s, double rate,
                           int n, double *p50, double *cpu)
{
    engine *e = eng_new(1);
    redis_server *srv = rs_new(e, NULL, NULL, rp, 0);
    net_link_params lp = net_link_defaults();
    const char *keys[] = {"median", "p99"};
    const double vals[] = {link_p50_s * 1e9, link_p99_s * 1e9};
    cs_err err;
    if (dist_init(&lp.rtt, "lognormal", 2, keys, vals, &err) != 0) {
        rs_free(srv);
        eng_free(e);
        return -1;
    }
    network *net = net_new(e, 1, &lp, true);
    rc_params p = rc_defaults("pool");
    p.connections = NOPEN;
    p.timeout = p.acquire_timeout = SEC(600);
    p.retry_attempts = 0;
    rc_env env = {.e = e, .srv = srv, .net = net, .node = 0, .link = 0, .name = "calibrate"};
    mrun m = {rc_new(&env, &p), eng_rng(e, "calibrate.arrivals"), rate, n, 0, NULL};
    m.lat = malloc((size_t)n * sizeof *m.lat);
    eng_after(e, 1, m_arrive, &m, 0);
    eng_run_until(e, (sim_ns)(1e9 * (n / rate + 2)));
    int ok = m.done == n;
    if (ok) {
        summary s = summarize(m.lat, n);
        *p50 = s.p50;
        *cpu = (double)rs_busy(srv) * 1e-9 / n;
    }
    free(m.lat);
    rc_free(m.rc);
    rs_free(srv);
    net_free(net);
    dist_free(&lp.rtt);
    eng_free(e);
    return ok ? 0 : -1;
}

/* ---- phases --------------------------------------------------------------- */

typedef struct result {
    summary rtt[5]; /* get set hset hmget publish: seconds */
    double exec_us[5];
    double pipe1_us, pipe8_us; /* server CPU per GET, pipelined on 1 / 8 sockets */
    /* one event-loop iteration with m sockets of p GETs: CPU = A + S m + E m p */
    double sock_us, sock_se_us, cmd_us, cmd_se_us, batch_a_us;
    int batch_points;
    double gap_p50_us[NGAP], gap_cpu_us[NGAP], wake_us, wake_after_us, wake_ramp_us;
    double lone_cpu_us, lone_p50;
    double rate[3], lat_p50[3], lat_p99[3], cpu_per_cmd_us[3];
    int nrep[3];
    double lat_p50_lo[3], lat_p50_hi[3], client_cpu_us[3], wait_us[3], burst[3], late_us[3];
    double lone_wait_us, lone_client_cpu_us;
    double pub_exec_per_sub_us, pub_cpu_per_sub_us;
    /* the fit */
    double f, f_lo, f_hi, loop_us, read_us, write_us, link_p50_us, link_p99_us;
    double model_p50[4], model_cpu_us[4]; /* 10, 50, 90 %, 1000/s */
    int nseq;
} result;

static const char *const kind_names[5] = {"get", "set", "hset", "hmget", "publish"};

static int phase_sequential(cal *c, conn *k, result *R)
{
    static const char *const cmds[5][5] = {{"GET", "cs:cal:1"},
                                           {"SET", "cs:cal:1", "xxxxxxxxxxxxxxxx"},
                                           {"HSET", "cs:cal:h", "v", "xxxxxxxxxxxxxxxx"},
                                           {"HMGET", "cs:cal:h", "v", "d"},
                                           {"PUBLISH", "cs:cal:none", "m"}};
    static const int argcs[5] = {2, 3, 4, 4, 3};
    int n = R->nseq, rc = 0;
    double *v = malloc((size_t)n * sizeof *v);
    char out[256];
    if (resetstat(c, k))
        rc = -1;
    for (int j = 0; j < 5 && !rc; j++) {
        for (int i = 0; i < n && !rc; i++) {
            double t0 = now_s();
            if (command(c, k, out, sizeof out, argcs[j], cmds[j])) {
                rc = -1;
                break;
            }
            v[i] = now_s() - t0;
            if (out[0] == '-')
                rc = strncmp(out, "-NOAUTH", 7) == 0
                         ? fail(c, "%s:%s requires AUTH; calibrate does not authenticate (use a "
                                   "server without requirepass)",
                                c->host, c->port)
                         : fail(c, "%s answered %s with an error: %s", c->host, cmds[j][0], out);
        }
        if (!rc)
            R->rtt[j] = summarize(v, n);
    }
    free(v);
    for (int j = 0; j < 5 && !rc; j++)
        R->exec_us[j] = usec_per_call(c, k, kind_names[j]);
    return rc;
}

/* m sockets each write p pipelined GETs at once: server CPU per GET. */
static double pipelined_cpu(cal *c, conn *ctl, conn *socks, int m, int p, int rounds)
{
    static char b[64 * 64];
    size_t n = 0;
    const char *argv[] = {"GET", "cs:cal:1"};
    for (int i = 0; i < p; i++)
        n += resp_cmd(b + n, sizeof b - n, 2, argv);
    double cpu0 = server_cpu(c, ctl);
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < m; i++)
            if (send_all(c, &socks[i], b, n))
                return NAN;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < p; j++)
                if (reply(c, &socks[i], NULL, 0))
                    return NAN;
    }
    return (server_cpu(c, ctl) - cpu0) / ((double)rounds * m * p);
}

static int phase_pipelined(cal *c, conn *ctl, conn *socks, result *R)
{
    int rounds = c->quick ? 200 : 600;
    R->pipe1_us = pipelined_cpu(c, ctl, socks, 1, 50, rounds) * 1e6;
    R->pipe8_us = pipelined_cpu(c, ctl, socks, 8, 50, rounds / 4) * 1e6;
    return isnan(R->pipe1_us) || isnan(R->pipe8_us) ? -1 : 0;
}

#define HOLD_N "20000" /* Lua loop steps of the EVAL that holds the server (~0.4 ms here) */

/* One iteration of the server's event loop with m sockets of p GETs each,
 * made so: an EVAL on ctl holds the server (a Lua loop of a fixed number
 * of additions: the same CPU every round, however long another process
 * delays it); while it runs, p GETs are written on each of m sockets; when
 * it ends the next epoll_wait returns all m at once.  Server CPU per round
 * = A + S m + E m p, where A (the EVAL, its read and write, the loop
 * iterations) does not depend on m or p.  Returns that CPU per round in s
 * (NAN on error). */
static double batch_cpu(cal *c, conn *ctl, conn *socks, int m, int p, int rounds)
{
    static char b[64 * 64];
    size_t n = 0;
    const char *get[] = {"GET", "cs:cal:1"};
    for (int i = 0; i < p; i++)
        n += resp_cmd(b + n, sizeof b - n, 2, get);
    char hold[512];
    const char *ev[] = {"EVAL", "local x=0 for i=1,tonumber(ARGV[1]) do x=x+i end return 1", "0",
                        HOLD_N};
    size_t hn = resp_cmd(hold, sizeof hold, 4, ev);
    double cpu0 = server_cpu(c, ctl);
    for (int r = 0; r < rounds; r++) {
        if (send_all(c, ctl, hold, hn))
            return NAN;
        double t0 = now_s();
        while (now_s() - t0 < 150e-6) /* let the server start the EVAL */
            ;
        for (int i = 0; i < m; i++)
            if (send_all(c, &socks[i], b, n))
                return NAN;
        char ok[128];
        if (reply(c, ctl, ok, sizeof ok))
            return NAN;
        if (ok[0] != ':') {
            fail(c, "%s:%s refused the EVAL that holds the server: %.60s", c->host, c->port, ok);
            return NAN;
        }
        for (int i = 0; i < m; i++)
            for (int j = 0; j < p; j++)
                if (reply(c, &socks[i], NULL, 0))
                    return NAN;
    }
    return (server_cpu(c, ctl) - cpu0) / rounds;
}

/* S (CPU per socket in an iteration: its read and its write) and E (per
 * pipelined GET) by least squares over m = 1, 2, 4, 8, 16 sockets and
 * p = 1, 8 GETs per socket, each point three times (passes interleaved). */
static int phase_batch(cal *c, conn *ctl, conn *socks, result *R)
{
    const int ms[5] = {1, 2, 4, 8, 16}, ps[2] = {1, 8};
    enum { NPASS = 3, NPT = NPASS * 5 * 2 };
    int rounds = c->quick ? 100 : 200, n = 0;
    gsl_matrix *X = gsl_matrix_alloc(NPT, 3), *cov = gsl_matrix_alloc(3, 3);
    gsl_vector *y = gsl_vector_alloc(NPT), *b = gsl_vector_alloc(3);
    int rc = 0;
    for (int pass = 0; pass < NPASS && !rc; pass++)
        for (int i = 0; i < 5 && !rc; i++)
            for (int j = 0; j < 2 && !rc; j++) {
                double v = batch_cpu(c, ctl, socks, ms[i], ps[j], rounds);
                if (isnan(v)) {
                    rc = -1;
                    break;
                }
                gsl_matrix_set(X, n, 0, 1);
                gsl_matrix_set(X, n, 1, ms[i]);
                gsl_matrix_set(X, n, 2, ms[i] * ps[j]);
                gsl_vector_set(y, n, v * 1e6);
                n++;
            }
    if (!rc) {
        double chisq;
        gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(NPT, 3);
        gsl_multifit_linear(X, y, b, cov, &chisq, w); /* cov = s^2 (X'X)^-1 */
        gsl_multifit_linear_free(w);
        R->batch_a_us = gsl_vector_get(b, 0);
        R->sock_us = gsl_vector_get(b, 1);
        R->cmd_us = gsl_vector_get(b, 2);
        R->sock_se_us = sqrt(gsl_matrix_get(cov, 1, 1));
        R->cmd_se_us = sqrt(gsl_matrix_get(cov, 2, 2));
        R->batch_points = n;
    }
    gsl_matrix_free(X);
    gsl_matrix_free(cov);
    gsl_vector_free(y);
    gsl_vector_free(b);
    return rc;
}

/* Sequential GETs on one socket, each after an idle gap g (this process
 * sleeps; nothing else is sent): round-trip p50 and server CPU per GET vs
 * g.  Shows what a round trip costs when the server (and this client) were
 * idle for g before it: the wake-from-idle cost a lone command pays. */
static int phase_gaps(cal *c, conn *ctl, conn *k, result *R)
{
    int n = c->quick ? 150 : 400;
    double *v = malloc((size_t)n * sizeof *v);
    const char *get[] = {"GET", "cs:cal:1"};
    char cmd[64];
    size_t clen = resp_cmd(cmd, sizeof cmd, 2, get);
    int rc = 0;
    for (int g = 0; g < NGAP && !rc; g++) {
        double cpu0 = server_cpu(c, ctl);
        for (int i = 0; i < n && !rc; i++) {
            if (gap_us[g] > 0) {
                struct timespec ts = {0, gap_us[g] * 1000L};
                nanosleep(&ts, NULL);
            }
            double t0 = now_s();
            if (send_all(c, k, cmd, clen) || reply(c, k, NULL, 0))
                rc = -1;
            v[i] = now_s() - t0;
        }
        if (rc)
            break;
        R->gap_cpu_us[g] = (server_cpu(c, ctl) - cpu0) / n * 1e6;
        R->gap_p50_us[g] = summarize(v, n).p50 * 1e6;
    }
    free(v);
    return rc;
}

/* One open-loop run: the real server's side and this client's own. */
typedef struct olrun {
    double p50, p99;         /* s, from when the request was due */
    double cpu;              /* server CPU per GET (s; INFO used_cpu_*) */
    double client_cpu;       /* this process's CPU per GET (s; schedstat) */
    double wait;             /* run-queue delay per GET (s) of this process + the server's
                                main thread (local server only; else this process's only) */
    double burst;            /* GETs per loop pass that sent any: > 1 when requests fell due
                                while this process slept or worked and left together */
    double late;             /* mean time (s) from a request's scheduled instant to when
                                the loop saw it due (not in its latency) */
} olrun;

/* Poisson GETs at `rate`/s for `secs` over NOPEN sockets (seed: the
 * arrival stream; repeats use different ones). */
static int open_loop(cal *c, conn *ctl, conn *socks, double rate, double secs, unsigned seed,
                     olrun *o)
{
    int n = (int)(rate * secs);
    if (n < 50)
        n = 50;
    double *sched = malloc((size_t)n * sizeof *sched), *lat = malloc((size_t)n * sizeof *lat);
    /* when the loop saw request i due: latency counts from there (the wait
     * for a free socket included, this process's own wake-up lateness not) */
    double *due = malloc((size_t)n * sizeof *due);
    int *fifo = malloc((size_t)n * sizeof *fifo);
    int busy[NOPEN];
    for (int i = 0; i < NOPEN; i++)
        busy[i] = -1;
    double t = 0;
    for (int i = 0; i < n; i++) {
        double u = (rand_r(&seed) + 1.0) / ((double)RAND_MAX + 2.0);
        t += -log(u) / rate;
        sched[i] = t;
    }
    char cmd[64];
    const char *argv[] = {"GET", "cs:cal:1"};
    size_t clen = resp_cmd(cmd, sizeof cmd, 2, argv);
    double cpu0 = server_cpu(c, ctl), me0, mw0, s0 = 0, sw0 = 0;
    schedstat(0, &me0, &mw0);
    if (c->srv_pid > 0)
        schedstat(c->srv_pid, &s0, &sw0);
    double start = now_s();
    int next = 0, done = 0, fh = 0, ft = 0, rc = 0, passes = 0, sent = 0;
    double hard_end = start + secs * 3 + 2, late = 0;
    while (done < n && !rc) {
        double now = now_s() - start;
        while (next < n && sched[next] <= now) {
            due[next] = now;
            late += now - sched[next];
            fifo[ft++] = next++;
        }
        int k = 0;
        for (int i = 0; i < NOPEN && fh < ft && !rc; i++)
            if (busy[i] < 0) {
                busy[i] = fifo[fh++];
                rc = send_all(c, &socks[i], cmd, clen);
                k++;
            }
        passes += k > 0;
        sent += k;
        struct pollfd pf[NOPEN];
        for (int i = 0; i < NOPEN; i++)
            pf[i] = (struct pollfd){socks[i].fd, busy[i] >= 0 ? POLLIN : 0, 0};
        double wait = next < n ? sched[next] - (now_s() - start) : 0.01;
        if (wait < 0)
            wait = 0;
        struct timespec ts = {(time_t)wait, (long)((wait - floor(wait)) * 1e9)};
        if (!rc && ppoll(pf, NOPEN, &ts, NULL) < 0 && errno != EINTR)
            rc = fail(c, "poll: %s", strerror(errno));
        /* read every socket with a reply first, then send what is waiting:
         * one pass of the loop per wake-up */
        for (int i = 0; i < NOPEN && !rc; i++) {
            if (!(pf[i].revents & (POLLIN | POLLERR | POLLHUP)))
                continue;
            if (fill(c, &socks[i], 0) < 0) {
                rc = -1;
                break;
            }
            int r = take_reply(c, &socks[i], NULL, 0);
            if (r < 0)
                rc = -1;
            else if (r > 0) {
                lat[done++] = now_s() - start - due[busy[i]];
                busy[i] = -1;
            }
        }
        if (!rc && now_s() > hard_end)
            rc = fail(c, "open loop at %.0f/s did not finish in time (server overloaded?)", rate);
    }
    if (!rc) {
        double cpu1 = server_cpu(c, ctl), me1, mw1, s1 = 0, sw1 = 0;
        schedstat(0, &me1, &mw1);
        if (c->srv_pid > 0)
            schedstat(c->srv_pid, &s1, &sw1);
        summary s = summarize(lat, n);
        o->p50 = s.p50;
        o->p99 = s.p99;
        o->cpu = (cpu1 - cpu0) / n;
        o->client_cpu = (me1 - me0) / n;
        o->wait = (mw1 - mw0 + sw1 - sw0) / n;
        o->burst = passes ? (double)sent / passes : 0;
        o->late = late / n;
    }
    free(due);
    free(sched);
    free(lat);
    free(fifo);
    return rc;
}

static int cmp_p50(const void *a, const void *b)
{
    double x = ((const olrun *)a)->p50, y = ((const olrun *)b)->p50;
    return x < y ? -1 : x > y;
}

static int phase_open(cal *c, conn *ctl, conn *socks, result *R)
{
    olrun lone;
    /* light load first: the lone-command CPU defines the capacity */
    if (open_loop(c, ctl, socks, 1000, c->quick ? 0.5 : 1.0, 12345u, &lone))
        return -1;
    R->lone_cpu_us = lone.cpu * 1e6;
    R->lone_p50 = lone.p50;
    const double frac[3] = {0.1, 0.5, 0.9};
    for (int i = 0; i < 3; i++)
        R->rate[i] = frac[i] / lone.cpu;
    /* 10 % and 50 % (the points the model is judged on) NREP times each,
     * interleaved so that a disturbance of a few seconds does not take all
     * repeats of one point; 90 % once */
    olrun runs[3][NREP];
    for (int r = 0; r < NREP; r++)
        for (int i = 0; i < 3; i++) {
            if (i == 2 && r > 0)
                continue;
            if (open_loop(c, ctl, socks, R->rate[i], c->quick ? 0.6 : 1.2,
                          12345u + 7919u * (unsigned)r + (unsigned)R->rate[i], &runs[i][r]))
                return -1;
        }
    for (int i = 0; i < 3; i++) {
        int n = i == 2 ? 1 : NREP;
        qsort(runs[i], (size_t)n, sizeof runs[i][0], cmp_p50);
        const olrun *m = &runs[i][n / 2]; /* the median repeat (by p50) */
        R->nrep[i] = n;
        R->lat_p50[i] = m->p50;
        R->lat_p50_lo[i] = runs[i][0].p50;
        R->lat_p50_hi[i] = runs[i][n - 1].p50;
        R->lat_p99[i] = m->p99;
        R->cpu_per_cmd_us[i] = m->cpu * 1e6;
        R->client_cpu_us[i] = m->client_cpu * 1e6;
        R->wait_us[i] = m->wait * 1e6;
        R->burst[i] = m->burst;
        R->late_us[i] = m->late * 1e6;
    }
    R->lone_wait_us = lone.wait * 1e6;
    R->lone_client_cpu_us = lone.client_cpu * 1e6;
    return 0;
}

static void drain(cal *c, conn *k)
{
    while (fill(c, k, 0) > 0)
        while (take_reply(c, k, NULL, 0) == 1)
            ;
    k->len = 0;
}

static int phase_publish(cal *c, conn *ctl, result *R)
{
    static conn subs[MAXSUB];
    const int ks[3] = {0, 8, MAXSUB};
    double usec[3] = {0}, cpu[3] = {0};
    int n = c->quick ? 500 : 2000, opened = 0, rc = 0;
    const char *sub[] = {"SUBSCRIBE", "cs:cal:chan"}, *pub[] = {"PUBLISH", "cs:cal:chan", "m"};
    char out[128];
    for (int j = 0; j < 3 && !rc; j++) {
        while (opened < ks[j] && !rc) {
            if (conn_open(c, &subs[opened]))
                rc = -1;
            else {
                opened++;
                rc = command(c, &subs[opened - 1], out, sizeof out, 2, sub);
            }
        }
        if (rc || (rc = resetstat(c, ctl)))
            break;
        double c0 = server_cpu(c, ctl);
        for (int i = 0; i < n && !rc; i++) {
            rc = command(c, ctl, out, sizeof out, 3, pub);
            if (i % 64 == 0)
                for (int s = 0; s < opened; s++)
                    drain(c, &subs[s]);
        }
        cpu[j] = (server_cpu(c, ctl) - c0) / n;
        usec[j] = usec_per_call(c, ctl, "publish");
        for (int s = 0; s < opened; s++)
            drain(c, &subs[s]);
    }
    for (int s = 0; s < opened; s++)
        conn_close(&subs[s]);
    if (rc)
        return -1;
    /* least-squares slopes over K = 0, 8, 32 */
    double mk = (ks[0] + ks[1] + ks[2]) / 3.0, mu = (usec[0] + usec[1] + usec[2]) / 3.0,
           mc = (cpu[0] + cpu[1] + cpu[2]) / 3.0, sxx = 0, sxu = 0, sxc = 0;
    for (int j = 0; j < 3; j++) {
        sxx += (ks[j] - mk) * (ks[j] - mk);
        sxu += (ks[j] - mk) * (usec[j] - mu);
        sxc += (ks[j] - mk) * (cpu[j] - mc);
    }
    R->pub_exec_per_sub_us = sxu / sxx;
    R->pub_cpu_per_sub_us = sxc / sxx * 1e6;
    return 0;
}

/* ---- the fit ------------------------------------------------------------------ */

/* The warm lone GET (sequential, after a 25 us idle gap): its I/O time
 * T = server CPU per GET - exec, split into io.read + io.write = S (the
 * per-socket CPU measured in phase_batch, clamped to 0..T) and io.loop =
 * T - S.  The wake-up from a long idle: io.wake = the round-trip p50 after
 * a 1000 us gap less the warm one, rising linearly over the idle times
 * where the measured p50 crosses 10 % and 90 % of that rise. */
#define WARM 1 /* gap_us[1] = 25 us */
static double lone_io_us(const result *R)
{
    double get = R->exec_us[0] > 0 ? R->exec_us[0] : 0.001;
    return fmax(R->gap_cpu_us[WARM] - get, 0);
}

/* The idle gap (us) at which the measured p50 first reaches `level`,
 * linear between the measured gaps. */
static double crossing(const result *R, double level)
{
    for (int g = WARM + 1; g < NGAP; g++)
        if (R->gap_p50_us[g] >= level) {
            double y0 = R->gap_p50_us[g - 1], y1 = R->gap_p50_us[g];
            double x = y1 > y0 ? (level - y0) / (y1 - y0) : 1;
            return gap_us[g - 1] + fmin(fmax(x, 0), 1) * (gap_us[g] - gap_us[g - 1]);
        }
    return gap_us[NGAP - 1];
}

static void fit_wake(result *R)
{
    double warm = R->gap_p50_us[WARM], cold = R->gap_p50_us[NGAP - 1];
    R->wake_us = fmax(cold - warm, 0);
    /* the rise from 10 % to 90 % of the way: a ramp (a step when sharp) */
    R->wake_after_us = crossing(R, warm + 0.1 * R->wake_us);
    R->wake_ramp_us = fmax(crossing(R, warm + 0.9 * R->wake_us) - R->wake_after_us, 0);
    if (R->wake_us <= 0)
        R->wake_after_us = R->wake_ramp_us = 0;
}

static rs_params fitted_params(const result *R, double sock_us)
{
    rs_params p = rs_defaults();
    p.cost = RS_COST_BATCHED;
    double get = R->exec_us[0] > 0 ? R->exec_us[0] : 0.001;
    double T = lone_io_us(R), S = fmin(fmax(sock_us, 0), T);
    for (int i = 0; i < RS_CMD_COUNT; i++)
        p.exec[i] = (sim_ns)(get * 1e3);
    p.exec[RS_SET] = p.exec[RS_EXPIRE] = p.exec[RS_DEL] = p.exec[RS_SET_NX_PX] =
        (sim_ns)(R->exec_us[1] * 1e3);
    p.exec[RS_HMSET] = (sim_ns)(R->exec_us[2] * 1e3);
    p.exec[RS_HMGET] = (sim_ns)(R->exec_us[3] * 1e3);
    p.exec[RS_PUBLISH] = (sim_ns)(R->exec_us[4] * 1e3);
    p.exec_publish_per_subscriber = (sim_ns)(fmax(R->pub_exec_per_sub_us, 0) * 1e3);
    p.io_loop = (sim_ns)((T - S) * 1e3);
    p.io_read = p.io_write = (sim_ns)(S / 2 * 1e3);
    double w = R->pub_cpu_per_sub_us - R->pub_exec_per_sub_us;
    p.io_publish_write = (sim_ns)(fmax(w, 0) * 1e3);
    p.io_wake = (sim_ns)(R->wake_us * 1e3);
    p.wake_after = (sim_ns)(R->wake_after_us * 1e3);
    p.wake_ramp = (sim_ns)(R->wake_ramp_us * 1e3);
    return p;
}

/* The model's p50 and CPU per GET at the three open-loop rates with the
 * per-socket cost `sock_us`. */
static void predict(const result *R, double sock_us, double *p50, double *cpu_us,
                    double *link_p50_us, double *link_p99_us)
{
    rs_params p = fitted_params(R, sock_us);
    double lone = (double)(p.io_loop + p.io_read + p.io_write + p.exec[RS_GET]) * 1e-9;
    *link_p50_us = fmax(R->gap_p50_us[WARM] * 1e-6 - lone, 1e-6) * 1e6;
    *link_p99_us = fmax((R->rtt[0].p99 - lone) * 1e6, *link_p50_us * 1.01);
    for (int i = 0; i < 4; i++) { /* 10, 50, 90 %, then 1000/s */
        double q = NAN, cpu = NAN;
        if (model_open_loop(&p, *link_p50_us * 1e-6, *link_p99_us * 1e-6,
                            i < 3 ? R->rate[i] : 1000, i < 3 ? 20000 : 4000, &q, &cpu) == 0) {
            p50[i] = q;
            cpu_us[i] = cpu * 1e6;
        } else {
            p50[i] = cpu_us[i] = NAN; /* saturated in the model */
        }
    }
}

static void fit(result *R)
{
    fit_wake(R);
    double T = lone_io_us(R);
    R->f = T > 0 ? 1 - fmin(fmax(R->sock_us, 0), T) / T : 0;
    double ci = 1.96 * R->sock_se_us;
    R->f_lo = T > 0 ? 1 - fmin(fmax(R->sock_us + ci, 0), T) / T : 0;
    R->f_hi = T > 0 ? 1 - fmin(fmax(R->sock_us - ci, 0), T) / T : 0;
    rs_params p = fitted_params(R, R->sock_us);
    R->loop_us = (double)p.io_loop * 1e-3;
    R->read_us = (double)p.io_read * 1e-3;
    R->write_us = (double)p.io_write * 1e-3;
    predict(R, R->sock_us, R->model_p50, R->model_cpu_us, &R->link_p50_us, &R->link_p99_us);
}

/* ---- output ------------------------------------------------------------- */

static void fmt_dur(char *b, size_t n, double us)
{
    if (!(us >= 0.001))
        us = 0.001;
    snprintf(b, n, "%.0fns", us * 1000);
}

static void write_fragment(FILE *f, const cal *c, const result *R)
{
    char b[15][32];
    const double v[15] = {R->exec_us[0], R->exec_us[1], R->exec_us[3], R->exec_us[2],
                          R->exec_us[4], fmax(R->pub_exec_per_sub_us, 0), R->loop_us,
                          R->read_us, R->write_us,
                          fmax(R->pub_cpu_per_sub_us - R->pub_exec_per_sub_us, 0),
                          R->link_p50_us, R->link_p99_us, R->wake_us, R->wake_after_us,
                          R->wake_ramp_us};
    for (int i = 0; i < 15; i++)
        fmt_dur(b[i], 32, v[i]);
    fprintf(f,
            "# Measured by `cachestorm calibrate redis://%s:%s` (bare RESP over TCP).\n"
            "# A config takes it with `base: THIS_FILE`.  exec = INFO commandstats\n"
            "# usec_per_call; io = the lone GET's server CPU less its exec, split between\n"
            "# io.read + io.write = the CPU one more socket adds to an event-loop iteration\n"
            "# (measured) and io.loop = the rest (%.0f %%), from the server CPU of a GET\n"
            "# after a 25 us idle gap; io.wake = the GET round trip after a 1000 us gap\n"
            "# less the one after 25 us, rising from wake_after to wake_after + wake_ramp\n"
            "# (where the measured round trip crosses 10 %% and 90 %% of that rise);\n"
            "# publish_write = the CPU slope per subscriber less the\n"
            "# execution slope; link.rtt = the GET round trip after a 25 us gap less the\n"
            "# model's warm lone-command server time.\n"
            "l2:\n"
            "  redis:\n"
            "    cost: batched\n"
            "    exec: {get: %s, set: %s, hmget: %s, hmset: %s, expire: %s, del: %s,\n"
            "           publish: %s, set_nx_px: %s, publish_per_subscriber: %s}\n"
            "    io: {loop: %s, read: %s, write: %s, publish_write: %s,\n"
            "         wake: %s, wake_after: %s, wake_ramp: %s}\n"
            "  link:\n"
            "    rtt: {dist: lognormal, median: %s, p99: %s}\n",
            c->host, c->port, R->f * 100, b[0], b[1], b[2], b[3], b[1], b[1], b[4], b[1], b[5],
            b[6], b[7], b[8], b[9], b[12], b[13], b[14], b[10], b[11]);
}

static void print_results(FILE *f, const result *R)
{
    fprintf(f, "sequential round trips (%d each, one socket):\n", R->nseq);
    fprintf(f, "  %-8s %9s %9s %18s %14s\n", "command", "p50 us", "p99 us", "mean us (95% CI)",
            "usec_per_call");
    for (int j = 0; j < 5; j++)
        fprintf(f, "  %-8s %9.1f %9.1f %10.1f ± %5.1f %14.2f\n", kind_names[j],
                R->rtt[j].p50 * 1e6, R->rtt[j].p99 * 1e6, R->rtt[j].mean * 1e6,
                R->rtt[j].ci * 1e6, R->exec_us[j]);
    fprintf(f, "pipelined, 50 GETs per write: server CPU per GET %.2f us (1 socket), %.2f us "
               "(8 sockets)\n",
            R->pipe1_us, R->pipe8_us);
    fprintf(f, "one loop iteration with m sockets x p GETs (%d points): server CPU = %.1f + "
               "%.2f ± %.2f us per socket + %.3f ± %.3f us per GET (95%% CI)\n",
            R->batch_points, R->batch_a_us, R->sock_us, 1.96 * R->sock_se_us, R->cmd_us,
            1.96 * R->cmd_se_us);
    fprintf(f, "sequential GETs after an idle gap:");
    for (int g = 0; g < NGAP; g++)
        fprintf(f, " %d us: p50 %.1f, CPU %.1f;", gap_us[g], R->gap_p50_us[g], R->gap_cpu_us[g]);
    fprintf(f, "\n");
    fprintf(f, "open loop, GETs over %d sockets; at 1000/s: p50 %.1f us, server CPU %.2f us per "
               "GET -> lone capacity %.0f/s (model: p50 %.1f us, CPU %.2f us)\n",
            NOPEN, R->lone_p50 * 1e6, R->lone_cpu_us, 1e6 / R->lone_cpu_us, R->model_p50[3] * 1e6,
            R->model_cpu_us[3]);
    fprintf(f, "  %-5s %8s %9s %9s %12s | %10s %12s | %17s %6s %6s %7s\n", "load", "rate/s",
            "p50 us", "p99 us", "CPU/GET us", "model p50", "model CPU us", "p50 range (n)",
            "srv %", "cli %", "wait us");
    const char *ld[3] = {"10%", "50%", "90%"};
    for (int i = 0; i < 3; i++)
        fprintf(f,
                "  %-5s %8.0f %9.1f %9.1f %12.2f | %10.1f %12.2f | %7.1f-%7.1f (%d) %6.1f %6.1f "
                "%7.2f\n",
                ld[i], R->rate[i], R->lat_p50[i] * 1e6, R->lat_p99[i] * 1e6, R->cpu_per_cmd_us[i],
                R->model_p50[i] * 1e6, R->model_cpu_us[i], R->lat_p50_lo[i] * 1e6,
                R->lat_p50_hi[i] * 1e6, R->nrep[i], 100 * R->rate[i] * R->cpu_per_cmd_us[i] * 1e-6,
                100 * R->rate[i] * R->client_cpu_us[i] * 1e-6, R->wait_us[i]);
    fprintf(f, "  this client: GETs sent per loop pass that sent any (10/50/90 %%) %.2f %.2f %.2f; "
               "mean lateness of a due GET %.1f %.1f %.1f us\n",
            R->burst[0], R->burst[1], R->burst[2], R->late_us[0], R->late_us[1], R->late_us[2]);
    for (int i = 0; i < 3; i++)
        if (R->wait_us[i] > 0.1 * R->rtt[0].p50 * 1e6) /* vs the sequential GET round trip */
            fprintf(f, "  note: %s disturbed: this process and the server waited %.1f us per GET for "
                       "a CPU held by other processes (sequential GET p50 %.1f us); measure on a "
                       "quiet machine or run both at a real-time priority (chrt -f 1)\n",
                    ld[i], R->wait_us[i], R->rtt[0].p50 * 1e6);
    fprintf(f, "PUBLISH per subscriber (K = 0, 8, 32): execution %.3f us, server CPU %.3f us\n",
            R->pub_exec_per_sub_us, R->pub_cpu_per_sub_us);
    fprintf(f, "wake from idle: io.wake %.1f us, rising from %.0f us to %.0f us idle\n",
            R->wake_us, R->wake_after_us, R->wake_after_us + R->wake_ramp_us);
    fprintf(f, "fit: io.loop %.2f us, io.read %.2f us, io.write %.2f us (loop share f = %.2f, "
               "95%% CI %.2f-%.2f), link p50 %.1f us\n",
            R->loop_us, R->read_us, R->write_us, R->f, R->f_lo, R->f_hi, R->link_p50_us);
}

static void usage(FILE *f)
{
    fputs("usage: cachestorm calibrate redis://HOST:PORT [--out FILE.yaml] [--quick]\n"
          "\n"
          "Measure a real Redis (bare RESP over TCP; no AUTH, no TLS) and write the batched\n"
          "cost model's parameters as a YAML fragment a config can `base:` from:\n"
          "sequential round trips per command kind (GET, SET, HSET, HMGET, PUBLISH) with\n"
          "p50/p99/mean and a 95 % CI, INFO commandstats usec_per_call (it issues CONFIG\n"
          "RESETSTAT), the server's CPU per GET pipelined on 1 and 8 sockets, the CPU one\n"
          "more socket adds to an event-loop iteration (an EVAL holds the server while m\n"
          "sockets are written; least squares with a CI), round trips after idle gaps of\n"
          "0-1000 us (the wake-up cost), an open loop of GETs over 16 sockets at 1000/s\n"
          "and at 10 %, 50 % and 90 % of the lone-command capacity (10 % and 50 % three\n"
          "times: median and range; latency, server and client CPU, and the run-queue\n"
          "delay other processes caused, next to what the fitted model predicts), and\n"
          "the PUBLISH cost per subscriber with 0, 8 and 32 subscribers it opens itself.\n"
          "Writes keys cs:cal:* on the server.  Bounded: ~15 s (--quick ~6 s); every read\n"
          "times out after 2 s.  On a busy machine run the server and calibrate at a\n"
          "real-time priority (chrt -f 1) or the open loop measures the scheduler.\n"
          "\n"
          "  --out FILE   write the fragment there (default: stdout, after the report)\n"
          "  --quick      fewer samples\n"
          "\n"
          "Example:\n"
          "  cachestorm calibrate redis://127.0.0.1:6379 --out redis-here.yaml\n"
          "  # then in a config:  base: redis-here.yaml\n"
          "\n"
          "Exit status: 0 measured; 2 usage; 3 connection refused, AUTH required, not a\n"
          "Redis port, or another I/O error.\n",
          f);
}

static int parse_url(cal *c, const char *url)
{
    const char *p = url;
    if (strncmp(p, "redis://", 8) == 0)
        p += 8;
    const char *colon = strrchr(p, ':');
    if (!colon || colon == p || !colon[1] || strlen(colon + 1) >= sizeof c->port ||
        (size_t)(colon - p) >= sizeof c->host || strchr(p, '@') || strchr(p, '/'))
        return -1;
    memcpy(c->host, p, (size_t)(colon - p));
    c->host[colon - p] = 0;
    snprintf(c->port, sizeof c->port, "%s", colon + 1);
    char *end;
    long port = strtol(c->port, &end, 10);
    return (*end || port < 1 || port > 65535) ? -1 : 0;
}

int cmd_calibrate(int argc, char **argv)
{
    cal c = {0};
    const char *url = NULL, *out = NULL;
    cli_strs pos = {0};
    const cli_opt opts[] = {
        {"--out", NULL, OPT_STR, &out, 0, 0, NULL},
        {"--quick", NULL, OPT_FLAG, &c.quick, 0, 0, NULL},
        {NULL, NULL, 0, NULL, 0, 0, NULL},
    };
    const cli_spec sp = {"calibrate", opts, "redis://HOST:PORT", 1, 1, usage, NULL};
    int prc = cli_parse_spec(&sp, argc, argv, &pos);
    if (prc) {
        cli_strs_free(&pos);
        return prc == CLI_HELP ? CS_OK : prc;
    }
    url = pos.v[0];
    cli_strs_free(&pos);
    if (!url || parse_url(&c, url)) {
        fprintf(stderr, "cachestorm calibrate: expected redis://HOST:PORT, got '%s'\n",
                url ? url : "(nothing)");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* ppoll wakes on time, not 50 us late */
    result R = {0};
    R.nseq = c.quick ? 300 : 2000;
    conn ctl, socks[NOPEN];
    int nsocks = 0, rc = 0;
    char pong[128];
    const char *ping[] = {"PING"};
    if (conn_open(&c, &ctl)) {
        fprintf(stderr, "cachestorm calibrate: %s\n", c.err);
        return 3;
    }
    double t0 = now_s();
    if (command(&c, &ctl, pong, sizeof pong, 1, ping))
        rc = 3;
    else if (strncmp(pong, "-NOAUTH", 7) == 0)
        rc = 3, fail(&c, "%s:%s requires AUTH; calibrate does not authenticate (use a server "
                         "without requirepass)",
                     c.host, c.port);
    else if (strncmp(pong, "+PONG", 5) != 0)
        rc = 3, fail(&c, "%s:%s answered PING with \"%.40s\": not a usable Redis", c.host, c.port,
                     pong);
    else if (phase_sequential(&c, &ctl, &R))
        rc = 3;
    if (!rc)
        c.srv_pid = local_server_pid(&c, &ctl);
    for (; !rc && nsocks < NOPEN; nsocks++)
        if (conn_open(&c, &socks[nsocks]))
            rc = 3;
    if (!rc && (phase_pipelined(&c, &ctl, socks, &R) || phase_batch(&c, &ctl, socks, &R) ||
                phase_gaps(&c, &ctl, &socks[0], &R) ||
                phase_open(&c, &ctl, socks, &R) ||
                phase_publish(&c, &ctl, &R)))
        rc = 3;
    if (!rc) {
        double t1 = now_s();
        fit(&R);
        print_results(stdout, &R);
        printf("measured in %.1f s, fitted in %.1f s\n", t1 - t0, now_s() - t1);
        FILE *f = out ? fopen(out, "w") : stdout;
        if (!f) {
            rc = 3, fail(&c, "%s: %s", out, strerror(errno));
        } else {
            write_fragment(f, &c, &R);
            if (out && fclose(f) != 0)
                rc = 3, fail(&c, "%s: %s", out, strerror(errno));
            else if (out)
                printf("wrote %s\n", out);
        }
    }
    if (rc)
        fprintf(stderr, "cachestorm calibrate: %s\n", c.err);
    for (int i = 0; i < nsocks; i++)
        conn_close(&socks[i]);
    conn_close(&ctl);
    return rc;
}
