/* retry.c — worst-case latency of a timeout + retry plan
 * (resilience.md §1.6) and the attempt conventions of §2.3.
 */
#include "policy/retry.h"

#include <assert.h>

static cp_ns add_sat(cp_ns a, cp_ns b)
{
    if (a == CP_NEVER || b == CP_NEVER || a > CP_NEVER - b)
        return CP_NEVER;
    return a + b;
}

cp_ns retry_worst_case_latency(const retry_plan *p)
{
    assert(p->timeout >= 0 && p->retries >= 0);
    cp_ns total = p->timeout;
    for (int k = 1; k <= p->retries; k++)
        total = add_sat(total, add_sat(backoff_upper(&p->backoff, k), p->timeout));
    return total;
}

cp_ns retry_worst_case_constant(cp_ns timeout, int retries, cp_ns interval)
{
    assert(timeout >= 0 && retries >= 0 && interval >= 0);
    cp_ns total = timeout;
    for (int k = 1; k <= retries; k++)
        total = add_sat(total, add_sat(interval, timeout));
    return total;
}

int retry_r4j_retries(int max_attempts)
{
    assert(max_attempts >= 1);
    return max_attempts - 1;
}

int retry_polly_retries(int max_retry_attempts)
{
    assert(max_retry_attempts >= 0);
    return max_retry_attempts;
}
