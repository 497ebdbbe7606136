/* failsafe.h — FusionCache TryActivateFailSafe (fusioncache.md §1 F): on a
 * factory error or timeout, in priority order: (1) an L2 entry newer than
 * L1 (or with no L1 entry) becomes a new stale L1 entry; (2) an L1 entry
 * with metadata is made stale in place; (3) the default value. The result
 * is re-used for FailSafeThrottleDuration (logical expiry now + throttle,
 * no jitter). Stale results are never written to L2 nor published.
 * Left out: the events (FailSafeActivate) — the caller counts them.
 */
#ifndef CP_FAILSAFE_H
#define CP_FAILSAFE_H

#include "policy/fc_options.h"

typedef enum failsafe_source {
    FAILSAFE_NONE = 0,     /* nothing to fall back to: the error surfaces */
    FAILSAFE_FROM_L2,      /* rule 1 */
    FAILSAFE_FROM_L1,      /* rule 2 */
    FAILSAFE_DEFAULT_VALUE /* rule 3 */
} failsafe_source;

typedef struct failsafe_input {
    bool has_l1_entry;      /* an L1 entry with metadata */
    cp_ns l1_timestamp;
    bool has_l2_entry;      /* an L2 entry (valid or logically expired) */
    cp_ns l2_timestamp;
    bool has_default_value; /* failSafeDefaultValue was given */
} failsafe_input;

typedef struct failsafe_result {
    failsafe_source source;
    cp_ns logical_expiry;   /* now + FailSafeThrottleDuration; CP_NEVER if NONE */
    bool stale;             /* the answer is stale (never written to L2, never published) */
} failsafe_result;

failsafe_result failsafe_activate(const fc_entry_options *o, const failsafe_input *in, cp_ns now);
const char *failsafe_source_name(failsafe_source s);

#endif
