/* budget.c — estimate a run's memory from its config (see budget.h). */
#include "sim/run/budget.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

size_t budget_default(void)
{
    double avail = 0;
    FILE *f = fopen("/proc/meminfo", "r");
    if (f) {
        char line[256];
        unsigned long long kb;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
                avail = (double)kb * 1024.0;
                break;
            }
        fclose(f);
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (avail == 0 || (double)rl.rlim_cur < avail))
        avail = (double)rl.rlim_cur;
    return (size_t)(avail * 0.75);
}

int budget_parse(const char *s, size_t *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || !(v > 0) || !isfinite(v))
        return -1;
    double mul = 1;
    switch (toupper((unsigned char)*end)) {
    case 'K': mul = 1024.0; end++; break;
    case 'M': mul = 1048576.0; end++; break;
    case 'G': mul = 1073741824.0; end++; break;
    case 'T': mul = 1099511627776.0; end++; break;
    default: break;
    }
    if (*end == 'i' || *end == 'I')
        end++;
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end || v * mul > 1.8e19 || v * mul < 1)
        return -1;
    *out = (size_t)(v * mul);
    return 0;
}

/* One part of the estimate, with the keys that drive it. */
typedef struct part {
    const char *what, *keys;
    double bytes;
} part;

static double dmin(double a, double b) { return a < b ? a : b; }

/* The pieces of the estimate, largest first; returns how many. */
static int parts_of(const config *c, part *p)
{
    const cfg_workload *w = &c->workload;
    double nodes = (double)c->node_total;
    double nb = ceil((double)c->duration / (double)(c->interval > 0 ? c->interval : 1));
    double secs = (double)c->duration / 1e9;
    int n = 0;
    p[n++] = (part){"base", "-", BUDGET_BASE};
    p[n++] = (part){"nodes (streams, stats, series rows)", "nodes.count, duration/interval",
                    nodes * (BUDGET_PER_NODE + nb * BUDGET_PER_NODE_BUCKET)};
    if (c->model != CFG_MODEL_CACHE)
        return n;
    /* requests per node over the run, and keys each touches */
    double reqs, flight;
    if (w->kind == CFG_LOAD_BURST) {
        reqs = (double)w->burst.count;
        flight = reqs;
        p[n++] = (part){"burst arrivals scheduled up front", "workload.burst.count x nodes.count",
                        nodes * reqs * BUDGET_PER_EVENT};
    } else if (w->kind == CFG_LOAD_CLOSED) {
        double think = dist_mean(&w->think.d) / 1e9;
        reqs = (double)w->clients * secs / (think > 1e-3 ? think : 1e-3);
        flight = (double)w->clients;
        p[n++] = (part){"closed-loop client events", "workload.clients x nodes.count",
                        nodes * flight * BUDGET_PER_EVENT};
    } else {
        double peak = w->rate;
        for (size_t i = 0; i < w->profile.n; i++)
            if (w->profile.v[i].rate > peak)
                peak = w->profile.v[i].rate;
        reqs = peak * secs;
        flight = peak * 0.1; /* stated assumption: 100 ms in flight; the watchdog backs it */
    }
    p[n++] = (part){"requests in flight", "workload.clients/rate/burst.count x nodes.count",
                    nodes * dmin(flight, 262144.0) * BUDGET_PER_FLIGHT};
    double per_req = 0;
    for (size_t i = 0; i < w->request.n; i++)
        if (w->request.v[i].key == CFG_KEY_RANDOM)
            per_req += (double)w->request.v[i].keys;
    double keyspace = (double)w->keys.count;
    double touched = dmin(keyspace, reqs * per_req + 1);
    if (w->keys.popularity == CFG_POP_ZIPF)
        p[n++] = (part){"Zipf alias table", "workload.keys.count",
                        keyspace * BUDGET_PER_ALIAS_KEY};
    if (c->cache.mode != CFG_MODE_REMOTE_ONLY && c->cache.l1.enabled)
        p[n++] = (part){"L1 entries", "workload.keys.count x nodes.count, cache.l1.capacity",
                        nodes * dmin(touched, (double)c->cache.l1.capacity) * BUDGET_PER_L1_ENTRY};
    if (c->cache.mode != CFG_MODE_LOCAL_ONLY) {
        double keys = dmin(touched * nodes, keyspace);
        if (c->l2.redis.memory != INT64_MAX)
            keys = dmin(keys, (double)c->l2.redis.memory / ((double)w->value_size + 64));
        p[n++] = (part){"Redis keys", "workload.keys.count, l2.redis.memory",
                        keys * BUDGET_PER_L2_KEY};
    }
    for (int i = 1; i < n; i++) /* largest first (insertion sort; n is small) */
        for (int j = i; j > 0 && p[j].bytes > p[j - 1].bytes; j--) {
            part t = p[j];
            p[j] = p[j - 1];
            p[j - 1] = t;
        }
    return n;
}

static void human(double b, char *out, size_t cap)
{
    if (b >= 1099511627776.0)
        snprintf(out, cap, "%.1f TiB", b / 1099511627776.0);
    else if (b >= 1073741824.0)
        snprintf(out, cap, "%.1f GiB", b / 1073741824.0);
    else
        snprintf(out, cap, "%.0f MiB", b / 1048576.0);
}

size_t budget_estimate(const config *cfg, char *why, size_t cap)
{
    part p[12];
    int n = parts_of(cfg, p);
    double total = 0;
    for (int i = 0; i < n; i++)
        total += p[i].bytes;
    if (why && cap) {
        size_t off = 0;
        why[0] = 0;
        for (int i = 0; i < n && i < 3 && off < cap; i++) {
            char h[32];
            human(p[i].bytes, h, sizeof h);
            off += (size_t)snprintf(why + off, cap - off, "%s%s %s (%s)", i ? "; " : "", p[i].what,
                                    h, p[i].keys);
        }
    }
    return total > 1.8e19 ? SIZE_MAX : (size_t)total;
}

int budget_check(const config *cfg, size_t max_memory, cs_err *err)
{
    size_t budget = max_memory ? max_memory : budget_default();
    if (!budget)
        return 0; /* nothing known about this machine: no refusal */
    char why[512];
    size_t est = budget_estimate(cfg, why, sizeof why);
    if (est <= budget)
        return 0;
    char e[32], b[32];
    human((double)est, e, sizeof e);
    human((double)budget, b, sizeof b);
    return cs_errf(err, CS_USAGE,
                   "%s: the run needs about %s of memory, over the budget of %s (%s); largest "
                   "parts: %s",
                   cfg->path && *cfg->path ? cfg->path : "config", e, b,
                   max_memory ? "--max-memory" : "default: 75% of available memory",
                   why);
}
