/* freshness.h — expiry arithmetic and early-refresh decisions.
 *
 * FusionCache (fusioncache.md §1 "Expiration arithmetic", B, E): L1 logical
 * and physical expiry with independent jitter draws, stale entries with the
 * throttle and no jitter, L2 logical expiry and physical TTL, L2 -> L1 copy
 * clamp, the eager-refresh point. XFetch (resilience.md §4.b): recompute
 * early when now - delta*beta*ln(U) >= expiry. HCL outage TTL clamp
 * (resilience.md §1.5). Times are absolute cp_ns; "remove now" is
 * FRESH_REMOVE.
 */
#ifndef CP_FRESHNESS_H
#define CP_FRESHNESS_H

#include "policy/fc_options.h"

#define FRESH_REMOVE ((cp_ns)-1) /* physical duration <= 0 without fail-safe */

/* now + (MemoryCacheDuration ?? Duration) + U[0, JitterMaxDuration) */
cp_ns fresh_l1_logical_expiry(const fc_entry_options *o, cp_ns now, const cp_rand *r);
/* now + (fail-safe ? max(FailSafeMaxDuration, d) : d) + an independent jitter
 * draw; FRESH_REMOVE if fail-safe is off and d <= 0 */
cp_ns fresh_l1_physical_expiry(const fc_entry_options *o, cp_ns now, const cp_rand *r);
/* a stale (fail-safe) L1 entry: now + FailSafeThrottleDuration, no jitter */
cp_ns fresh_l1_stale_logical_expiry(const fc_entry_options *o, cp_ns now);
/* L2 -> L1 copy: keep the L2 logical expiry, clamped to now +
 * MemoryCacheDuration if that option is set */
cp_ns fresh_l1_from_l2_logical_expiry(const fc_entry_options *o, cp_ns now, cp_ns l2_logical_expiry,
                                      const cp_rand *r);
/* entry.Timestamp + (DistributedCacheDuration ?? Duration), no jitter */
cp_ns fresh_l2_logical_expiry(const fc_entry_options *o, cp_ns timestamp);
/* fail-safe ? max(DistributedCacheFailSafeMaxDuration ?? FailSafeMaxDuration, dd) : dd */
cp_ns fresh_l2_physical_ttl(const fc_entry_options *o);
/* valid while LogicalExpiration >= now */
bool fresh_is_valid(cp_ns logical_expiry, cp_ns now);

/* Eager timestamp = now + (logical - now) * EagerRefreshThreshold, computed
 * at L1 entry creation; CP_NEVER ("null") unless 0 < threshold < 1. */
cp_ns fresh_eager_point(const fc_entry_options *o, cp_ns now, cp_ns logical_expiry);
/* due when eager <= now < logical (fires once: the caller then clears it) */
bool fresh_eager_due(cp_ns eager_point, cp_ns logical_expiry, cp_ns now);

/* XFetch: the gap -delta*beta*ln(U), U in (0,1] (an Exp(1/beta) sample
 * scaled by delta, the measured recompute time). */
cp_ns fresh_xfetch_gap(cp_ns delta, double beta, const cp_rand *r);
/* recompute early iff now + gap >= expiry */
bool fresh_xfetch_should_recompute(cp_ns now, cp_ns delta, double beta, cp_ns expiry, const cp_rand *r);

/* HCL outage mode (resilience.md §1.5): existing entries are clamped to
 * min(expiry, from + max_ttl), where `from` is the outage start (default)
 * or the entry's insertion time (UNCONFIRMED alternative). */
typedef enum fresh_outage_from { FRESH_OUTAGE_FROM_OUTAGE_START = 0, FRESH_OUTAGE_FROM_INSERTION } fresh_outage_from;
cp_ns fresh_outage_clamp_existing(cp_ns expiry, cp_ns outage_start, cp_ns inserted_at, cp_ns max_ttl,
                                  fresh_outage_from from);
/* New entries during the outage: TTL min(ttl, max_ttl) (maxTimeToLiveWithRemoteOutage, 300 s) */
cp_ns fresh_outage_ttl_new(cp_ns ttl, cp_ns max_ttl);

#endif
