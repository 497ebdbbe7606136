/* stampede.c — memory-lock, L2-read, distributed-lock and eager-refresh
 * decisions of FusionCache GetOrSet, fusioncache.md §1 B-F. Pure functions.
 */
#include "policy/stampede.h"

#include <assert.h>

cp_ns stampede_memory_lock_timeout(const fc_entry_options *o, bool has_stale_l1)
{
    cp_ns t = fc_coalesce(o->memory_lock_timeout, o->lock_timeout);
    /* §1 C: the fail-safe soft-timeout substitution */
    if (t == CP_INFINITE && has_stale_l1 && o->is_fail_safe_enabled && o->factory_soft_timeout != CP_INFINITE)
        t = o->factory_soft_timeout;
    assert(t >= 0 || t == CP_INFINITE);
    return t;
}

stampede_lock_outcome stampede_after_memory_lock(bool acquired, const fc_entry_options *o, bool has_stale_l1)
{
    if (acquired)
        return STAMPEDE_LOCKED;
    /* §1 C: "Lock not acquired, fail-safe enabled, stale L1 entry exists:
     * return the stale entry"; any other case continues without the lock */
    if (o->is_fail_safe_enabled && has_stale_l1)
        return STAMPEDE_RETURN_STALE;
    return STAMPEDE_PROCEED_UNLOCKED;
}

const char *stampede_lock_outcome_name(stampede_lock_outcome o)
{
    switch (o) {
    case STAMPEDE_LOCKED:
        return "locked";
    case STAMPEDE_RETURN_STALE:
        return "return_stale";
    case STAMPEDE_PROCEED_UNLOCKED:
        return "proceed_unlocked";
    }
    return "?";
}

bool stampede_should_read_l2(bool has_l2, const fc_entry_options *o, bool l2_breaker_closed, bool has_stale_l1)
{
    return has_l2 && !o->skip_distributed_cache_read && l2_breaker_closed &&
           !(has_stale_l1 && o->skip_distributed_cache_read_when_stale);
}

bool stampede_use_distributed_lock(bool has_locker, const fc_entry_options *o)
{
    return has_locker && !o->skip_distributed_locker;
}

cp_ns stampede_distributed_lock_timeout(const fc_entry_options *o)
{
    /* §1 F: no soft-timeout substitution (upstream has it commented out, marked as a to-do) */
    return fc_coalesce(o->distributed_lock_timeout, o->lock_timeout);
}

stampede_dlock_next stampede_after_distributed_lock(bool acquired, bool l2_in_use)
{
    return acquired && l2_in_use ? STAMPEDE_DLOCK_RECHECK_L2 : STAMPEDE_DLOCK_FACTORY;
}

cp_ns stampede_eager_lock_timeout(void)
{
    return 0;
}

stampede_eager stampede_eager_decision(bool due, bool memory_acquired, bool use_distributed_lock,
                                       bool distributed_acquired)
{
    if (!due)
        return STAMPEDE_EAGER_NOT_DUE;
    if (!memory_acquired)
        return STAMPEDE_EAGER_SKIP_MEMORY_BUSY;
    if (use_distributed_lock && !distributed_acquired)
        return STAMPEDE_EAGER_SKIP_REMOTE_BUSY;
    return STAMPEDE_EAGER_START;
}
