/* fc_options.h — the FusionCache entry options the policy functions read,
 * with the source defaults (fusioncache.md §2 "Entry options", v2.7.1;
 * unchanged since v2.0.0 apart from the noted additions).
 * Optional durations (C# `TimeSpan?`) use CP_UNSET for null; infinite
 * timeouts use CP_INFINITE. A timeout of exactly 0 means "time out at once"
 * (a SyntheticTimeoutException, fusioncache.md header notes).
 * Left out: serialization, tagging, size/priority, auto-clone, logging.
 */
#ifndef CP_FC_OPTIONS_H
#define CP_FC_OPTIONS_H

#include "policy/cp_types.h"

typedef struct fc_entry_options {
    cp_ns duration;                    /* 30 s: logical TTL */
    cp_ns lock_timeout;                /* infinite: fallback for both locks */
    cp_ns memory_lock_timeout;         /* unset -> lock_timeout (v2.6+) */
    cp_ns distributed_lock_timeout;    /* unset -> lock_timeout (v2.5+) */
    cp_ns jitter_max_duration;         /* 0: extra U[0,max) on the L1 duration */
    bool is_fail_safe_enabled;         /* false */
    cp_ns fail_safe_max_duration;      /* 1 day: physical TTL with fail-safe */
    cp_ns fail_safe_throttle_duration; /* 30 s */
    cp_ns factory_soft_timeout;        /* infinite; needs fail-safe + fallback */
    cp_ns factory_hard_timeout;        /* infinite */
    bool allow_timed_out_factory_background_completion; /* true */
    double eager_refresh_threshold;    /* null (< 0 here); valid in (0,1) */
    cp_ns memory_cache_duration;       /* unset */
    cp_ns distributed_cache_duration;  /* unset */
    cp_ns distributed_cache_fail_safe_max_duration; /* unset */
    cp_ns distributed_cache_soft_timeout; /* infinite; L2 reads only */
    cp_ns distributed_cache_hard_timeout; /* infinite; L2 reads only */
    bool skip_distributed_cache_read;     /* false */
    bool skip_distributed_cache_read_when_stale; /* false */
    bool skip_distributed_locker;         /* false */
    /* false (FusionCache >= 1.x, fusioncache.md §1 E): an L1 copy of an L2
     * entry keeps the L2 entry's logical expiration (no jitter).  true:
     * early FusionCache, whose CreateFromOtherEntry re-drew the copy's
     * expiration as now + duration + jitter (see freshness.c). */
    bool l1_copy_own_expiry;
} fc_entry_options;

void fc_entry_options_defaults(fc_entry_options *o);

/* `a ?? b` for optional durations */
static inline cp_ns fc_coalesce(cp_ns a, cp_ns b)
{
    return a == CP_UNSET ? b : a;
}

#endif
