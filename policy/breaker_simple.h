/* breaker_simple.h — parameters of FusionCache's SimpleCircuitBreaker
 * (kind "simple"), fusioncache.md §2 "Circuit breaker".
 */
#ifndef CP_BREAKER_SIMPLE_H
#define CP_BREAKER_SIMPLE_H

#include "policy/cp_types.h"

typedef struct breaker_simple_params {
    /* DistributedCacheCircuitBreakerDuration / BackplaneCircuitBreakerDuration:
     * default 0, which means the breaker never opens */
    cp_ns break_duration;
} breaker_simple_params;

void breaker_simple_defaults(breaker_simple_params *p);

#endif
