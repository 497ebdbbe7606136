/* metrics.c — the metric table of sim/core/metrics.def as arrays. */
#include "sim/core/metrics.h"

#include <string.h>

#define MK_(k) MK_##k
#define MU_(u) MU_##u
#define MB_(b) MB_##b
#define MS_(s) MS_##s
#define KEY MF_KEY
#define HEAD MF_HEAD
#define NODE MF_NODE

const metric_info metric_table[MET_N] = {
#define METRIC(ID, NAME, KIND, UNIT, BETTER, SCOPE, FLAGS, FROM, MEANING) \
    [MET_##ID] = {NAME, MK_(KIND), MU_(UNIT), MB_(BETTER), MS_(SCOPE), FLAGS, FROM, MEANING},
#define STAT(ID, NAME, KIND, MEANING) \
    [MET_##ID] = {NAME, MK_(KIND), MU_COUNT, MB_NEITHER, MS_BOTH, 0, NULL, MEANING},
#define SERIES(ID, ...)
#include "sim/core/metrics.def"
#undef METRIC
#undef STAT
#undef SERIES
};

const series_info series_table[SER_N] = {
#define METRIC(ID, ...)
#define STAT(ID, ...)
#define SERIES(ID, NAME, UNIT, BETTER, MEANING) [SER_##ID] = {NAME, MU_(UNIT), MB_(BETTER), MEANING},
#include "sim/core/metrics.def"
#undef METRIC
#undef STAT
#undef SERIES
};

const metric_info *metric_lookup(const char *name)
{
    for (int i = 0; name && i < MET_N_METRICS; i++)
        if (strcmp(metric_table[i].name, name) == 0)
            return &metric_table[i];
    return NULL;
}

int metric_stat_id(const char *name, bool *gauge)
{
    for (int i = 0; name && i < MET_N; i++) {
        const metric_info *m = &metric_table[i];
        if (strcmp(m->name, name) != 0)
            continue;
        bool g = m->kind == MK_GAUGE || (m->kind == MK_PEAK && strcmp(m->from, m->name) == 0);
        if (m->kind != MK_COUNTER && !g)
            return -1;
        if (gauge)
            *gauge = g;
        return i;
    }
    return -1;
}

const series_info *series_lookup(const char *name)
{
    for (int i = 0; name && i < SER_N; i++)
        if (strcmp(series_table[i].name, name) == 0)
            return &series_table[i];
    return NULL;
}

metric_better metric_direction(const char *name)
{
    const metric_info *m = metric_lookup(name);
    return m ? m->better : MB_NEITHER;
}

int metric_rank(const char *name)
{
    const metric_info *m = metric_lookup(name);
    return m ? (int)(m - metric_table) : MET_N_METRICS;
}

const char *metric_kind_name(metric_kind k)
{
    static const char *const n[] = {"counter", "peak", "ratio", "duration", "value", "gauge"};
    return n[k];
}

const char *metric_unit_name(metric_unit u)
{
    static const char *const n[] = {"count", "ms", "s", "ratio", "per second", "workers",
                                    "connections"};
    return n[u];
}

const char *metric_better_name(metric_better b)
{
    static const char *const n[] = {"neither", "lower", "higher"};
    return n[b];
}

int metric_order_cmp(const char *a, const char *b)
{
    int ra = metric_rank(a), rb = metric_rank(b);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    return strcmp(a, b);
}

size_t metric_names_with(int flag, const char **out, size_t cap)
{
    size_t n = 0;
    for (int i = 0; i < MET_N_METRICS && n < cap; i++)
        if (metric_table[i].flags & flag)
            out[n++] = metric_table[i].name;
    return n;
}

const char *metric_closest(const char *name)
{
    const char *names[MET_N_METRICS + SER_N];
    size_t n = 0;
    for (int i = 0; i < MET_N_METRICS; i++)
        names[n++] = metric_table[i].name;
    for (int i = 0; i < SER_N; i++)
        names[n++] = series_table[i].name;
    return cs_closest(name, names, n);
}
