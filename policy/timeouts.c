/* timeouts.c — soft/hard timeout selection, fusioncache.md §1 E/F
 * (core/FusionCacheEntryOptions.cs GetAppropriate*Timeout).
 */
#include "policy/timeouts.h"

static cp_ns pick(bool fail_safe, bool has_fallback, cp_ns soft, cp_ns hard)
{
    /* §1 F: "the soft timeout applies only if fail-safe is enabled and a
     * fallback exists; the hard timeout always applies; the minimum wins" */
    if (fail_safe && has_fallback)
        return cp_timeout_min(soft, hard);
    return hard;
}

cp_ns timeouts_factory(const fc_entry_options *o, bool has_fallback)
{
    return pick(o->is_fail_safe_enabled, has_fallback, o->factory_soft_timeout, o->factory_hard_timeout);
}

cp_ns timeouts_l2_read(const fc_entry_options *o, bool has_fallback)
{
    return pick(o->is_fail_safe_enabled, has_fallback, o->distributed_cache_soft_timeout,
                o->distributed_cache_hard_timeout);
}

bool timeouts_factory_is_soft(const fc_entry_options *o, bool has_fallback, cp_ns chosen)
{
    return o->is_fail_safe_enabled && has_fallback && chosen != CP_INFINITE && chosen == o->factory_soft_timeout &&
           chosen != o->factory_hard_timeout;
}

bool timeouts_factory_background_completion(const fc_entry_options *o, bool factory_still_running)
{
    return factory_still_running && o->allow_timed_out_factory_background_completion;
}
