/* timeouts.h — FusionCache soft/hard timeout selection for the factory and
 * for L2 reads (fusioncache.md §1 E and F): the soft timeout applies only
 * when fail-safe is enabled AND a fallback exists, the hard timeout always;
 * the smaller applicable one wins; CP_INFINITE means no timer.
 * Left out: L2 writes, which have no synthetic timeout at all (§1 H.2).
 */
#ifndef CP_TIMEOUTS_H
#define CP_TIMEOUTS_H

#include "policy/fc_options.h"

/* GetAppropriateFactoryTimeout(hasFallback = an L1 or L2 entry is present) */
cp_ns timeouts_factory(const fc_entry_options *o, bool has_fallback);
/* GetAppropriateDistributedCacheTimeout(hasFallback = a stale L1 entry exists) */
cp_ns timeouts_l2_read(const fc_entry_options *o, bool has_fallback);
/* true when `chosen` (from timeouts_factory) is the soft timeout: its
 * expiry is answered by fail-safe, a hard one is an error */
bool timeouts_factory_is_soft(const fc_entry_options *o, bool has_fallback, cp_ns chosen);
/* MaybeBackgroundCompleteFactory: after a factory timeout, does the still
 * running factory keep both locks and finish in the background? */
bool timeouts_factory_background_completion(const fc_entry_options *o, bool factory_still_running);

#endif
