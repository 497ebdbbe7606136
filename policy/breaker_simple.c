/* breaker_simple.c — FusionCache SimpleCircuitBreaker ("simple"),
 * fusioncache.md §2: every non-synthetic error opens it (TryOpen sets the
 * gateway to now + duration, so a later error extends it); IsClosed is
 * true when the duration is 0 or now >= gateway, and then re-closes. No
 * half-open state and no threshold. Synthetic timeouts never trip it
 * (DistributedCacheAccessor ProcessError, fusioncache.md §1 E).
 * The backplane's "incoming message force-closes" is
 * breaker_transition(b, BREAKER_CLOSED, now) by the caller.
 */
#include "policy/breaker_simple.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "policy/breaker_impl.h"

typedef struct simple {
    breaker base;
    breaker_simple_params p;
    cp_ns gateway;
} simple;

static const cp_param_desc desc[] = {
    {"break_duration", CP_PARAM_DURATION, offsetof(breaker_simple_params, break_duration),
     "open time after an error; 0 = never opens (default 0)", NULL},
};

void breaker_simple_defaults(breaker_simple_params *p)
{
    p->break_duration = 0;
}

static void defaults_v(void *p)
{
    breaker_simple_defaults(p);
}

static int validate(const void *vp, char *err, size_t errlen)
{
    const breaker_simple_params *p = vp;
    if (p->break_duration < 0)
        return snprintf(err, errlen, "simple: break_duration must be >= 0"), -1;
    return 0;
}

static breaker *create(const void *vp)
{
    simple *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->p = *(const breaker_simple_params *)vp;
    return &s->base;
}

static void destroy(breaker *b)
{
    free(b);
}

static void reset(breaker *b, cp_ns now)
{
    (void)now;
    ((simple *)b)->gateway = 0;
}

/* IsClosed: lazily re-closes once the gateway has passed */
static bool allow(breaker *b, cp_ns now)
{
    simple *s = (simple *)b;
    if (s->p.break_duration == 0 || b->state == BREAKER_CLOSED)
        return true;
    if (now < s->gateway)
        return false;
    breaker_impl_move(b, BREAKER_CLOSED, "duration_elapsed", now);
    return true;
}

static void record(breaker *b, cp_ns now, cp_ns duration, breaker_outcome outcome)
{
    simple *s = (simple *)b;
    (void)duration;
    if (outcome != BREAKER_FAILURE || s->p.break_duration == 0)
        return; /* successes change nothing; synthetic timeouts never trip */
    s->gateway = s->p.break_duration > CP_NEVER - now ? CP_NEVER : now + s->p.break_duration;
    if (b->state != BREAKER_OPEN)
        breaker_impl_move(b, BREAKER_OPEN, "error", now);
}

static cp_ns deadline(const breaker *b)
{
    (void)b; /* re-closing is lazy (IsClosed on the next call) */
    return CP_NEVER;
}

static void open_manual(breaker *b, cp_ns now)
{
    simple *s = (simple *)b;
    s->gateway = s->p.break_duration > CP_NEVER - now ? CP_NEVER : now + s->p.break_duration;
    breaker_impl_move(b, BREAKER_OPEN, "manual", now);
}

const breaker_ops breaker_simple_ops = {
    .name = "simple",
    .summary = "FusionCache: any non-synthetic error opens for a duration; 0 = never",
    .params_size = sizeof(breaker_simple_params),
    .defaults = defaults_v,
    .param_desc = desc,
    .n_param_desc = sizeof desc / sizeof desc[0],
    .validate = validate,
    .create = create,
    .destroy = destroy,
    .allow = allow,
    .record = record,
    .poll = NULL,
    .deadline = deadline,
    .reset = reset,
    .observe = NULL,
    .open = open_manual,
};
