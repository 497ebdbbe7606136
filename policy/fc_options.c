/* fc_options.c — FusionCache entry option defaults
 * (core/FusionCacheGlobalDefaults.cs as summarised in fusioncache.md §2).
 */
#include "policy/fc_options.h"

void fc_entry_options_defaults(fc_entry_options *o)
{
    *o = (fc_entry_options){
        .duration = CP_SEC(30),
        .lock_timeout = CP_INFINITE,
        .memory_lock_timeout = CP_UNSET,
        .distributed_lock_timeout = CP_UNSET,
        .jitter_max_duration = 0,
        .is_fail_safe_enabled = false,
        .fail_safe_max_duration = CP_SEC(86400),
        .fail_safe_throttle_duration = CP_SEC(30),
        .factory_soft_timeout = CP_INFINITE,
        .factory_hard_timeout = CP_INFINITE,
        .allow_timed_out_factory_background_completion = true,
        .eager_refresh_threshold = -1.0,
        .memory_cache_duration = CP_UNSET,
        .distributed_cache_duration = CP_UNSET,
        .distributed_cache_fail_safe_max_duration = CP_UNSET,
        .distributed_cache_soft_timeout = CP_INFINITE,
        .distributed_cache_hard_timeout = CP_INFINITE,
        .skip_distributed_cache_read = false,
        .skip_distributed_cache_read_when_stale = false,
        .skip_distributed_locker = false,
        .l1_copy_own_expiry = false,
    };
}
