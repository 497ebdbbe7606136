/* breaker_hcl.h — parameters of the HCL Cache V1 breaker (kind "hcl_v1"),
 * HCL Commerce <= 9.1.11, resilience.md §1.2. Names follow the
 * `redis.circuitBreaker` keys.
 */
#ifndef CP_BREAKER_HCL_H
#define CP_BREAKER_HCL_H

#include "policy/cp_types.h"

/* Where the minimum failure time is measured from (resilience.md §1.2,
 * open point 1, UNCONFIRMED in the docs). */
typedef enum hcl_failure_time_from {
    HCL_FROM_STREAK_START = 0, /* first failure of the current streak (default) */
    HCL_FROM_LAST_SUCCESS      /* last success (or creation / last close) */
} hcl_failure_time_from;

typedef struct breaker_hcl_params {
    int minimum_consecutive_failures;               /* 20 */
    cp_ns minimum_failure_time;                     /* 10 s (minimumFailureTimeMs) */
    cp_ns retry_wait_time;                          /* 60 s (retryWaitTimeMs) */
    int minimum_consecutive_failures_resume_outage; /* 2 */
    int failure_time_from;                          /* hcl_failure_time_from */
    /* calls in flight allowed after the wait (§1.2 open point 3, UNCONFIRMED):
     * <= 0 = unbounded, all traffic (default); n > 0 = at most n outstanding,
     * each recorded result giving its slot back */
    int probe_calls;
} breaker_hcl_params;

void breaker_hcl_defaults(breaker_hcl_params *p);

#endif
