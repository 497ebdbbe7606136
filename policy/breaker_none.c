/* breaker_none.c — the breaker that never opens ("none"): every call is
 * allowed and nothing is recorded. For configs that turn breakers off
 * (HCL `remoteCache.useCircuitBreaker: false`, resilience.md §1.3).
 */
#include <stdlib.h>

#include "policy/breaker_impl.h"

typedef struct none_params {
    int unused;
} none_params;

static void defaults_v(void *p)
{
    ((none_params *)p)->unused = 0;
}

static breaker *create(const void *p)
{
    (void)p;
    return calloc(1, sizeof(breaker));
}

static void destroy(breaker *b)
{
    free(b);
}

static bool allow(breaker *b, cp_ns now)
{
    (void)b, (void)now;
    return true;
}

static void record(breaker *b, cp_ns now, cp_ns duration, breaker_outcome outcome)
{
    (void)b, (void)now, (void)duration, (void)outcome;
}

static void reset(breaker *b, cp_ns now)
{
    (void)b, (void)now;
}

const breaker_ops breaker_none_ops = {
    .name = "none",
    .summary = "never opens",
    .params_size = sizeof(none_params),
    .defaults = defaults_v,
    .param_desc = NULL,
    .n_param_desc = 0,
    .validate = NULL,
    .create = create,
    .destroy = destroy,
    .allow = allow,
    .record = record,
    .poll = NULL,
    .deadline = NULL,
    .reset = reset,
    .observe = NULL,
    .open = NULL,
};
