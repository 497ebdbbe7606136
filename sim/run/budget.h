/* budget.h — the memory a run will need, estimated from its config before
 * it starts, and the budget it must fit (issue 16, README "Limits").
 *
 * The estimate adds the parts that scale with the config, each from bytes
 * measured on this code (README "Limits" gives the figures and commands):
 * per node (random streams, stats, series rows per interval), L1 entries
 * (nodes x keys a node can hold), Redis keys, the Zipf alias table, events
 * scheduled up front (burst arrivals, closed-loop clients) and requests in
 * flight (bounded by the per-node flow cap).  It is an estimate, not a
 * bound: what a run touches at run time is bounded by the engine's watchdog,
 * which stops a run whose resident memory passes the same budget. */
#ifndef CS_BUDGET_H
#define CS_BUDGET_H

#include "sim/config/config.h"

/* Measured bytes (README "Limits"). */
#define BUDGET_BASE (24u << 20)     /* process, libraries, store, rows of a small run */
#define BUDGET_PER_NODE 40960u      /* random streams, node, pools, stats (no buckets) */
#define BUDGET_PER_NODE_BUCKET 560u /* stats + series rows per node per interval */
#define BUDGET_PER_L1_ENTRY 96u     /* entry, hash slots at <= 2/3 load, LRU links */
#define BUDGET_PER_L2_KEY 116u      /* Redis server key */
#define BUDGET_PER_ALIAS_KEY 40u    /* Zipf: weights + GSL preprocessing + alias table (peak) */
#define BUDGET_PER_EVENT 64u        /* heap entry + slot, with growth slack */
#define BUDGET_PER_FLIGHT 400u      /* a request in flight: request, flow, its events */

/* The default budget: 75 % of the smaller of MemAvailable (/proc/meminfo)
 * and the address-space limit (ulimit -v), or 0 if neither is known. */
size_t budget_default(void);

/* The estimate of cfg's peak memory in bytes; if why is given, a message
 * naming the largest parts and the keys that drive them. */
size_t budget_estimate(const config *cfg, char *why, size_t cap);

/* 0 if cfg's estimate fits max_memory (0 = budget_default()); else CS_USAGE
 * with err naming the estimate, the budget and the driving keys. */
int budget_check(const config *cfg, size_t max_memory, cs_err *err);

/* Parse "4G", "512M", "2000000K", "1073741824" (bytes) into *out; -1 if bad. */
int budget_parse(const char *s, size_t *out);

#endif
