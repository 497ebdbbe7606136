/* breaker_polly.h — parameters of the Polly v8 advanced circuit breaker
 * (kind "polly"), resilience.md §2.2. Names follow CircuitBreakerStrategyOptions.
 */
#ifndef CP_BREAKER_POLLY_H
#define CP_BREAKER_POLLY_H

#include "policy/cp_types.h"

/* BreakDurationGenerator: receives (FailureRate, FailureCount,
 * HalfOpenAttempts) and returns the break duration; Polly's Context
 * argument is the generator's ctx here. */
typedef cp_ns (*polly_break_duration_fn)(double failure_rate, int failure_count, int half_open_attempts,
                                         void *ctx);

typedef struct breaker_polly_params {
    double failure_ratio;          /* 0.1; breaks at >= (the code, not the docs) */
    int minimum_throughput;        /* 100; at least 2 */
    cp_ns sampling_duration;       /* 30 s; 10 buckets when >= 200 ms */
    cp_ns break_duration;          /* 5 s; 0.5 s .. 1 day */
    polly_break_duration_fn break_duration_generator; /* NULL: break_duration */
    void *break_duration_generator_ctx;
} breaker_polly_params;

void breaker_polly_defaults(breaker_polly_params *p);

/* A ready-made generator for "backoff of the open duration" (§2.2
 * Generator): base * 2^half_open_attempts, capped. ctx points to
 * cp_ns[2] = {base, cap}. */
cp_ns breaker_polly_exponential_break(double failure_rate, int failure_count, int half_open_attempts,
                                      void *ctx);

#endif
