/* failsafe.c — TryActivateFailSafe priority order and throttle,
 * fusioncache.md §1 F; works only when IsFailSafeEnabled.
 */
#include "policy/failsafe.h"

#include <assert.h>

failsafe_result failsafe_activate(const fc_entry_options *o, const failsafe_input *in, cp_ns now)
{
    failsafe_result r = {.source = FAILSAFE_NONE, .logical_expiry = CP_NEVER, .stale = false};
    if (!o->is_fail_safe_enabled)
        return r;
    assert(o->fail_safe_throttle_duration >= 0);
    cp_ns throttled = now + o->fail_safe_throttle_duration; /* no jitter (v2.2.0 fix a9c61ac1) */
    if (in->has_l2_entry && (!in->has_l1_entry || in->l2_timestamp > in->l1_timestamp))
        r.source = FAILSAFE_FROM_L2;
    else if (in->has_l1_entry)
        r.source = FAILSAFE_FROM_L1;
    else if (in->has_default_value)
        r.source = FAILSAFE_DEFAULT_VALUE;
    else
        return r;
    r.logical_expiry = throttled;
    r.stale = true;
    return r;
}

const char *failsafe_source_name(failsafe_source s)
{
    switch (s) {
    case FAILSAFE_NONE:
        return "none";
    case FAILSAFE_FROM_L2:
        return "l2";
    case FAILSAFE_FROM_L1:
        return "l1";
    case FAILSAFE_DEFAULT_VALUE:
        return "default";
    }
    return "?";
}
