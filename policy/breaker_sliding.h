/* breaker_sliding.h — parameters of the Resilience4j-style breaker (kind
 * "sliding_window"), resilience.md §2.1; HCL 9.1.12+ "V2" is this breaker
 * with HCL's defaults (§1.3). Names follow CircuitBreakerConfig.
 */
#ifndef CP_BREAKER_SLIDING_H
#define CP_BREAKER_SLIDING_H

#include "policy/cp_types.h"

typedef enum sliding_window_type { SLIDING_COUNT_BASED = 0, SLIDING_TIME_BASED } sliding_window_type;
/* waitIntervalFunctionInOpenState: of the open-attempt count (1-based) */
typedef enum sliding_wait_kind { SLIDING_WAIT_CONSTANT = 0, SLIDING_WAIT_EXPONENTIAL } sliding_wait_kind;

typedef struct breaker_sliding_params {
    double failure_rate_threshold;     /* 50 (%) */
    double slow_call_rate_threshold;   /* 100 (%) */
    cp_ns slow_call_duration_threshold;/* 60 s; slow is strictly longer */
    int sliding_window_type;           /* COUNT_BASED */
    int sliding_window_size;           /* 100 (calls, or seconds if TIME_BASED) */
    int minimum_number_of_calls;       /* 100 */
    int permitted_number_of_calls_in_half_open_state; /* 10 */
    cp_ns wait_duration_in_open_state; /* 60 s (initial interval if exponential) */
    int wait_interval_kind;            /* CONSTANT */
    double wait_multiplier;            /* 1.5 (IntervalFunction DEFAULT_MULTIPLIER) */
    cp_ns wait_max_interval;           /* CP_INFINITE: no cap */
    bool automatic_transition_from_open_to_half_open_enabled; /* false */
    cp_ns max_wait_duration_in_half_open_state; /* 0 = off */
    int transition_to_state_after_wait_duration; /* 0 = closed, 1 = open (default) */
    /* HCL 9.1.12 (resilience.md §1.3): HALF_OPEN "issue[d] multiple remote
     * calls until a success or failure was reported" — no permit limit;
     * results still decide through the half-open window. Default false. */
    bool half_open_unlimited_calls;
} breaker_sliding_params;

/* Resilience4j defaults (CircuitBreakerConfig L43-52). */
void breaker_sliding_defaults(breaker_sliding_params *p);
/* HCL Commerce `circuitBreakerV2` defaults, resilience.md §1.3: window 50,
 * minimum 20, 50 % failures, 100 % slow, 2 half-open calls; 9.1.12: wait
 * 60 s, slow at 500 ms, unlimited half-open calls; 9.1.13 (hcl_9113 =
 * true): 30 s, 250 ms, only the 2 permitted calls (HC-26560). */
void breaker_sliding_hcl_v2_defaults(breaker_sliding_params *p, bool hcl_9113);

#endif
