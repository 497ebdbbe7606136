/* metrics.h — the one metric table (sim/core/metrics.def) as data: every
 * stored metric with its kind, unit, direction of good, scope and meaning;
 * the counters and gauges models declare; the time series.  Every other
 * module reads names, units and directions from here. */
#ifndef CS_METRICS_H
#define CS_METRICS_H

#include "sim/core/common.h"

typedef enum { MK_COUNTER, MK_PEAK, MK_RATIO, MK_TIME, MK_VALUE, MK_GAUGE } metric_kind;
typedef enum { MU_COUNT, MU_MS, MU_S, MU_RATIO, MU_PER_S, MU_WORKERS, MU_CONN } metric_unit;
typedef enum { MB_NEITHER, MB_LOWER, MB_HIGHER } metric_better;
typedef enum { MS_BOTH, MS_RUN, MS_QUEUE } metric_scope;
enum { MF_KEY = 1, MF_HEAD = 2, MF_NODE = 4 };

/* Ids: the stored metrics first (METRIC rows), then the internal stats
 * (STAT rows); MET_N_METRICS metrics, MET_N in all.  A stats id is this id. */
typedef enum {
#define METRIC(ID, ...) MET_##ID,
#define STAT(ID, ...)
#define SERIES(ID, ...)
#include "sim/core/metrics.def"
#undef METRIC
#undef STAT
#undef SERIES
    MET_N_METRICS,
    MET__STAT_BEFORE = MET_N_METRICS - 1,
#define METRIC(ID, ...)
#define STAT(ID, ...) MET_##ID,
#define SERIES(ID, ...)
#include "sim/core/metrics.def"
#undef METRIC
#undef STAT
#undef SERIES
    MET_N
} metric_id;

typedef enum {
#define METRIC(ID, ...)
#define STAT(ID, ...)
#define SERIES(ID, ...) SER_##ID,
#include "sim/core/metrics.def"
#undef METRIC
#undef STAT
#undef SERIES
    SER_N
} series_id;

typedef struct metric_info {
    const char *name;
    metric_kind kind;
    metric_unit unit;
    metric_better better;
    metric_scope scope;
    int flags;
    const char *from; /* MK_PEAK: the gauge it is the maximum of */
    const char *meaning;
} metric_info;

typedef struct series_info {
    const char *name;
    metric_unit unit;
    metric_better better;
    const char *meaning;
} series_info;

extern const metric_info metric_table[MET_N]; /* metrics, then internal stats */
extern const series_info series_table[SER_N];

/* The entry of a stored metric's name (NULL if it is none: internal stats
 * and series are not stored metrics). */
const metric_info *metric_lookup(const char *name);
/* The stats id a model may declare under `name` (a COUNTER metric, a PEAK
 * metric whose gauge has its own name, or an internal stat), or -1.
 * *gauge tells which it is. */
int metric_stat_id(const char *name, bool *gauge);
const series_info *series_lookup(const char *name);
/* Which way is good for a stored metric; MB_NEITHER for unknown names. */
metric_better metric_direction(const char *name);
const char *metric_kind_name(metric_kind k);
const char *metric_unit_name(metric_unit u);
const char *metric_better_name(metric_better b);
/* Display order: table position of a stored metric, MET_N_METRICS for names
 * outside the table (they sort after, by name). */
int metric_rank(const char *name);
/* strcmp-like order of two metric names: table order, then by name. */
int metric_order_cmp(const char *a, const char *b);
/* The names of the stored metrics carrying `flag` (MF_KEY, MF_HEAD, MF_NODE),
 * in table order, at most cap; returns how many. */
size_t metric_names_with(int flag, const char **out, size_t cap);
/* The stored metric or series name nearest to `name`, for a "did you mean"
 * (cs_closest); NULL when none is near. */
const char *metric_closest(const char *name);

#endif
