/* freshness.c — expiry arithmetic (fusioncache.md §1), XFetch
 * (resilience.md §4.b, Vattani et al. 2015 Fig. 3) and the HCL outage TTL
 * clamp (resilience.md §1.5). Jitter draws are independent per call.
 */
#include "policy/freshness.h"

#include <assert.h>
#include <math.h>

static cp_ns add_sat(cp_ns t, cp_ns d)
{
    if (t == CP_NEVER || d == CP_NEVER || (d > 0 && t > CP_NEVER - d))
        return CP_NEVER;
    return t + d;
}

static cp_ns jitter(const fc_entry_options *o, const cp_rand *r)
{
    assert(o->jitter_max_duration >= 0);
    if (o->jitter_max_duration == 0)
        return 0; /* no draw: keeps streams unshifted when jitter is off */
    return (cp_ns)(cp_uniform(r) * (double)o->jitter_max_duration);
}

static cp_ns l1_duration(const fc_entry_options *o)
{
    return fc_coalesce(o->memory_cache_duration, o->duration);
}

cp_ns fresh_l1_logical_expiry(const fc_entry_options *o, cp_ns now, const cp_rand *r)
{
    return add_sat(add_sat(now, l1_duration(o)), jitter(o, r));
}

cp_ns fresh_l1_physical_expiry(const fc_entry_options *o, cp_ns now, const cp_rand *r)
{
    cp_ns d = l1_duration(o);
    if (o->is_fail_safe_enabled)
        d = o->fail_safe_max_duration > d ? o->fail_safe_max_duration : d;
    else if (d <= 0)
        return FRESH_REMOVE;
    return add_sat(add_sat(now, d), jitter(o, r)); /* an independent draw */
}

cp_ns fresh_l1_stale_logical_expiry(const fc_entry_options *o, cp_ns now)
{
    return add_sat(now, o->fail_safe_throttle_duration);
}

cp_ns fresh_l1_from_l2_logical_expiry(const fc_entry_options *o, cp_ns now, cp_ns l2_logical_expiry,
                                      const cp_rand *r)
{
    /* Early FusionCache (FusionCacheMemoryEntry(value, metadata), entries
     * without a Timestamp), CreateFromOtherEntry: with fail-safe on, the
     * L2 logical expiration plus a jitter draw; with fail-safe off the
     * distributed entry carried no metadata and neither did the copy, so
     * it expired as the memory options of a set say: now + duration +
     * jitter (that path's code is not in the stored copy; the
     * JitterMaxDuration docs, seed 002, describe it).  Either way the copy
     * gets its own jitter. */
    if (o->l1_copy_own_expiry)
        return o->is_fail_safe_enabled ? add_sat(l2_logical_expiry, jitter(o, r))
                                       : fresh_l1_logical_expiry(o, now, r);
    if (o->memory_cache_duration == CP_UNSET)
        return l2_logical_expiry;
    cp_ns limit = add_sat(now, o->memory_cache_duration);
    return l2_logical_expiry < limit ? l2_logical_expiry : limit;
}

cp_ns fresh_l2_logical_expiry(const fc_entry_options *o, cp_ns timestamp)
{
    return add_sat(timestamp, fc_coalesce(o->distributed_cache_duration, o->duration));
}

cp_ns fresh_l2_physical_ttl(const fc_entry_options *o)
{
    cp_ns dd = fc_coalesce(o->distributed_cache_duration, o->duration);
    if (!o->is_fail_safe_enabled)
        return dd;
    cp_ns fs = fc_coalesce(o->distributed_cache_fail_safe_max_duration, o->fail_safe_max_duration);
    return fs < dd ? dd : fs; /* incoherent options: the duration wins */
}

bool fresh_is_valid(cp_ns logical_expiry, cp_ns now)
{
    return logical_expiry >= now;
}

cp_ns fresh_eager_point(const fc_entry_options *o, cp_ns now, cp_ns logical_expiry)
{
    double th = o->eager_refresh_threshold;
    if (!(th > 0.0 && th < 1.0) || logical_expiry == CP_NEVER)
        return CP_NEVER;
    return now + (cp_ns)((double)(logical_expiry - now) * th);
}

bool fresh_eager_due(cp_ns eager_point, cp_ns logical_expiry, cp_ns now)
{
    return eager_point != CP_NEVER && eager_point <= now && now < logical_expiry;
}

cp_ns fresh_xfetch_gap(cp_ns delta, double beta, const cp_rand *r)
{
    assert(delta >= 0 && beta >= 0);
    double u = 1.0 - cp_uniform(r); /* the paper's rand() is in (0,1] */
    double gap = -(double)delta * beta * log(u);
    return gap >= 9.2e18 ? CP_NEVER : (cp_ns)gap;
}

bool fresh_xfetch_should_recompute(cp_ns now, cp_ns delta, double beta, cp_ns expiry, const cp_rand *r)
{
    return add_sat(now, fresh_xfetch_gap(delta, beta, r)) >= expiry;
}

cp_ns fresh_outage_clamp_existing(cp_ns expiry, cp_ns outage_start, cp_ns inserted_at, cp_ns max_ttl,
                                  fresh_outage_from from)
{
    assert(max_ttl >= 0);
    cp_ns limit = add_sat(from == FRESH_OUTAGE_FROM_INSERTION ? inserted_at : outage_start, max_ttl);
    return expiry < limit ? expiry : limit;
}

cp_ns fresh_outage_ttl_new(cp_ns ttl, cp_ns max_ttl)
{
    assert(max_ttl >= 0);
    return ttl < max_ttl ? ttl : max_ttl;
}
