/* retry.h — a timeout + retry plan and its worst-case failure latency,
 * plus the attempt-counting conventions of the sources.
 *
 * resilience.md §1.6: L_fail = timeout + retryAttempts*(timeout + retryInterval);
 * HCL's Redisson defaults give 3000 + 3*(3000 + 1500) ms = 16.5 s. With a
 * jittered schedule the worst case uses each delay's upper bound. Left out:
 * connect timeouts and "command could not be sent" paths (a separate
 * connect_timeout in the caller's model).
 */
#ifndef CP_RETRY_H
#define CP_RETRY_H

#include "policy/backoff.h"

typedef struct retry_plan {
    cp_ns timeout;        /* per attempt */
    int retries;          /* retries after the first attempt (Redisson retryAttempts) */
    backoff_spec backoff; /* delay before each retry */
} retry_plan;

/* Worst case until the failure signals: timeout + sum over k=1..retries of
 * (upper delay before retry k + timeout). CP_NEVER if unbounded. */
cp_ns retry_worst_case_latency(const retry_plan *p);
/* The same for a constant interval (HCL/Redisson <= 3.47 shape). */
cp_ns retry_worst_case_constant(cp_ns timeout, int retries, cp_ns interval);

/* Resilience4j RetryConfig maxAttempts (default 3) INCLUDES the first call. */
int retry_r4j_retries(int max_attempts);
/* Polly MaxRetryAttempts (default 3) is added to the original call. */
int retry_polly_retries(int max_retry_attempts);

#endif
