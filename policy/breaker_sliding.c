/* breaker_sliding.c — Resilience4j CircuitBreaker ("sliding_window"),
 * resilience.md §2.1 rule by rule: count window (ring of the last N
 * outcomes) or time window (N epoch-second buckets, subtract on evict);
 * thresholds checked after every recorded call, `>=` on rates, slow is
 * strictly > threshold; minimum calls clipped to the window size for count
 * windows only; OPEN -> HALF_OPEN strictly after the wait (isAfter), lazily
 * or by poll when automatic; half-open permits with their own count window
 * of size `permitted`, minimum min(minCalls, permitted); max wait in
 * half-open; every transition to CLOSED starts an empty window. Left out:
 * exception predicates (callers pass BREAKER_IGNORED), randomized open waits.
 */
#include "policy/breaker_sliding.h"

#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "policy/backoff.h"
#include "policy/breaker.h"
#include "policy/breaker_impl.h"

enum { OUT_FAILED = 1, OUT_SLOW = 2 };

typedef struct bucket {
    int64_t sec; /* epoch second this bucket holds */
    int calls, failed, slow;
} bucket;

/* A window of either type. Totals are kept so a check is O(1). */
typedef struct window {
    int type, size, min_calls;
    int calls, failed, slow; /* totals over the window */
    /* count-based */
    unsigned char *ring;
    int head;
    /* time-based */
    bucket *buckets;
    int64_t head_sec;
} window;

typedef struct sliding {
    breaker base;
    breaker_sliding_params p;
    window closed;    /* CLOSED, OPEN (carried) and METRICS_ONLY metrics */
    window half;      /* HALF_OPEN metrics: count window of size permitted */
    window *cur;      /* the metrics the current state records into */
    int attempts;     /* open attempts since the last CLOSED (1-based when OPEN) */
    cp_ns opened_at, wait;
    cp_ns half_open_at;
    int permits;      /* half-open permits left */
} sliding;

static const char *const type_choices[] = {"count_based", "time_based", NULL};
static const char *const wait_choices[] = {"constant", "exponential", NULL};
static const char *const after_choices[] = {"closed", "open", NULL};

#define F(field) offsetof(breaker_sliding_params, field)
static const cp_param_desc desc[] = {
    {"failure_rate_threshold", CP_PARAM_DOUBLE, F(failure_rate_threshold), "percent, >= trips (default 50)", NULL},
    {"slow_call_rate_threshold", CP_PARAM_DOUBLE, F(slow_call_rate_threshold), "percent, >= trips (default 100)", NULL},
    {"slow_call_duration_threshold", CP_PARAM_DURATION, F(slow_call_duration_threshold),
     "a call strictly longer is slow (default 60 s)", NULL},
    {"sliding_window_type", CP_PARAM_ENUM, F(sliding_window_type), "count_based (default) or time_based", type_choices},
    {"sliding_window_size", CP_PARAM_INT, F(sliding_window_size), "calls or seconds (default 100)", NULL},
    {"minimum_number_of_calls", CP_PARAM_INT, F(minimum_number_of_calls), "default 100", NULL},
    {"permitted_number_of_calls_in_half_open_state", CP_PARAM_INT,
     F(permitted_number_of_calls_in_half_open_state), "default 10", NULL},
    {"wait_duration_in_open_state", CP_PARAM_DURATION, F(wait_duration_in_open_state), "default 60 s", NULL},
    {"wait_interval_kind", CP_PARAM_ENUM, F(wait_interval_kind), "constant (default) or exponential", wait_choices},
    {"wait_multiplier", CP_PARAM_DOUBLE, F(wait_multiplier), "exponential open wait multiplier (default 1.5)", NULL},
    {"wait_max_interval", CP_PARAM_DURATION, F(wait_max_interval), "cap on the open wait (default none)", NULL},
    {"automatic_transition_from_open_to_half_open_enabled", CP_PARAM_BOOL,
     F(automatic_transition_from_open_to_half_open_enabled), "default false", NULL},
    {"max_wait_duration_in_half_open_state", CP_PARAM_DURATION, F(max_wait_duration_in_half_open_state),
     "0 = off (default)", NULL},
    {"transition_to_state_after_wait_duration", CP_PARAM_ENUM, F(transition_to_state_after_wait_duration),
     "state after the half-open max wait: open (default) or closed", after_choices},
    {"half_open_unlimited_calls", CP_PARAM_BOOL, F(half_open_unlimited_calls),
     "HCL 9.1.12: no permit limit in half-open (default false)", NULL},
};
#undef F

void breaker_sliding_defaults(breaker_sliding_params *p)
{
    p->failure_rate_threshold = 50;
    p->slow_call_rate_threshold = 100;
    p->slow_call_duration_threshold = CP_SEC(60);
    p->sliding_window_type = SLIDING_COUNT_BASED;
    p->sliding_window_size = 100;
    p->minimum_number_of_calls = 100;
    p->permitted_number_of_calls_in_half_open_state = 10;
    p->wait_duration_in_open_state = CP_SEC(60);
    p->wait_interval_kind = SLIDING_WAIT_CONSTANT;
    p->wait_multiplier = 1.5;
    p->wait_max_interval = CP_INFINITE;
    p->automatic_transition_from_open_to_half_open_enabled = false;
    p->max_wait_duration_in_half_open_state = 0;
    /* stored as an index into after_choices: 1 = open */
    p->transition_to_state_after_wait_duration = 1;
    p->half_open_unlimited_calls = false;
}

void breaker_sliding_hcl_v2_defaults(breaker_sliding_params *p, bool hcl_9113)
{
    breaker_sliding_defaults(p);
    p->failure_rate_threshold = 50;
    p->slow_call_rate_threshold = 100;
    p->slow_call_duration_threshold = hcl_9113 ? CP_MS(250) : CP_MS(500);
    p->sliding_window_type = SLIDING_COUNT_BASED;
    p->sliding_window_size = 50;
    p->minimum_number_of_calls = 20;
    p->permitted_number_of_calls_in_half_open_state = 2;
    p->wait_duration_in_open_state = hcl_9113 ? CP_SEC(30) : CP_SEC(60);
    p->half_open_unlimited_calls = !hcl_9113;
}

static void defaults_v(void *p)
{
    breaker_sliding_defaults(p);
}

static int validate(const void *vp, char *err, size_t errlen)
{
    const breaker_sliding_params *p = vp;
    if (!(p->failure_rate_threshold > 0 && p->failure_rate_threshold <= 100))
        return snprintf(err, errlen, "sliding_window: failure_rate_threshold must be in (0,100]"), -1;
    if (!(p->slow_call_rate_threshold > 0 && p->slow_call_rate_threshold <= 100))
        return snprintf(err, errlen, "sliding_window: slow_call_rate_threshold must be in (0,100]"), -1;
    if (p->slow_call_duration_threshold < 1)
        return snprintf(err, errlen, "sliding_window: slow_call_duration_threshold must be > 0"), -1;
    if (p->sliding_window_type != SLIDING_COUNT_BASED && p->sliding_window_type != SLIDING_TIME_BASED)
        return snprintf(err, errlen, "sliding_window: sliding_window_type out of range"), -1;
    if (p->sliding_window_size < 1 || p->sliding_window_size > 1000000)
        return snprintf(err, errlen, "sliding_window: sliding_window_size must be in [1,1e6]"), -1;
    if (p->minimum_number_of_calls < 1)
        return snprintf(err, errlen, "sliding_window: minimum_number_of_calls must be >= 1"), -1;
    /* the half-open window is a count window of this size, allocated at
     * create: bounded like sliding_window_size */
    if (p->permitted_number_of_calls_in_half_open_state < 1 ||
        p->permitted_number_of_calls_in_half_open_state > 1000000)
        return snprintf(err, errlen,
                        "sliding_window: permitted_number_of_calls_in_half_open_state must be in [1,1e6]"),
               -1;
    if (p->wait_duration_in_open_state < CP_MS(1))
        return snprintf(err, errlen, "sliding_window: wait_duration_in_open_state must be >= 1 ms"), -1;
    if (p->wait_interval_kind != SLIDING_WAIT_CONSTANT && p->wait_interval_kind != SLIDING_WAIT_EXPONENTIAL)
        return snprintf(err, errlen, "sliding_window: wait_interval_kind out of range"), -1;
    if (!(p->wait_multiplier >= 1.0))
        return snprintf(err, errlen, "sliding_window: wait_multiplier must be >= 1"), -1;
    if (p->wait_max_interval != CP_INFINITE && p->wait_max_interval < CP_MS(1))
        return snprintf(err, errlen, "sliding_window: wait_max_interval must be >= 1 ms or none"), -1;
    if (p->max_wait_duration_in_half_open_state < 0)
        return snprintf(err, errlen, "sliding_window: max_wait_duration_in_half_open_state must be >= 0"), -1;
    if (p->transition_to_state_after_wait_duration != 0 && p->transition_to_state_after_wait_duration != 1)
        return snprintf(err, errlen, "sliding_window: transition_to_state_after_wait_duration must be open or closed"), -1;
    return 0;
}

/* --- windows ---------------------------------------------------------- */

static int window_init(window *w, int type, int size, int min_calls)
{
    w->type = type;
    w->size = size;
    /* §2.1: count windows clip the minimum to the size; time windows don't */
    w->min_calls = type == SLIDING_COUNT_BASED && min_calls > size ? size : min_calls;
    if (type == SLIDING_COUNT_BASED)
        w->ring = calloc((size_t)size, 1);
    else
        w->buckets = calloc((size_t)size, sizeof *w->buckets);
    return (w->ring != NULL || w->buckets != NULL) ? 0 : -1;
}

static void window_clear(window *w)
{
    w->calls = w->failed = w->slow = 0;
    w->head = 0;
    w->head_sec = INT64_MIN;
    for (int i = 0; i < w->size; i++) {
        if (w->ring != NULL)
            w->ring[i] = 0;
        else
            w->buckets[i] = (bucket){0};
    }
}

static int64_t epoch_second(cp_ns now)
{
    int64_t s = now / CP_SEC(1);
    return (now % CP_SEC(1) < 0) ? s - 1 : s; /* floor */
}

/* Time window: evict buckets older than the window relative to `now`.
 * O(1) amortised: each bucket is cleared at most once per second passed. */
static void window_advance(window *w, cp_ns now)
{
    assert(w->type == SLIDING_TIME_BASED);
    int64_t sec = epoch_second(now);
    if (w->head_sec != INT64_MIN && sec <= w->head_sec)
        return; /* same second, or a late (non-monotonic) stamp: current bucket */
    int64_t from = w->head_sec == INT64_MIN ? sec - w->size + 1 : w->head_sec + 1;
    if (sec - from >= w->size)
        from = sec - w->size + 1;
    for (int64_t s = from; s <= sec; s++) {
        bucket *b = &w->buckets[((s % w->size) + w->size) % w->size];
        w->calls -= b->calls;
        w->failed -= b->failed;
        w->slow -= b->slow;
        *b = (bucket){.sec = s};
    }
    w->head_sec = sec;
    assert(w->calls >= 0 && w->failed >= 0 && w->slow >= 0);
}

static void window_add(window *w, cp_ns now, unsigned char out)
{
    int f = (out & OUT_FAILED) != 0, s = (out & OUT_SLOW) != 0;
    if (w->type == SLIDING_COUNT_BASED) {
        if (w->calls == w->size) { /* full: the oldest outcome leaves */
            unsigned char old = w->ring[w->head];
            w->failed -= (old & OUT_FAILED) != 0;
            w->slow -= (old & OUT_SLOW) != 0;
            w->calls--;
        }
        w->ring[w->head] = out;
        w->head = (w->head + 1) % w->size;
    } else {
        window_advance(w, now);
        bucket *b = &w->buckets[((w->head_sec % w->size) + w->size) % w->size];
        b->calls++;
        b->failed += f;
        b->slow += s;
    }
    w->calls++;
    w->failed += f;
    w->slow += s;
    assert(w->calls <= (w->type == SLIDING_COUNT_BASED ? w->size : w->calls));
}

enum { BELOW_MINIMUM, BELOW_THRESHOLDS, FAILURE_EXCEEDED, SLOW_EXCEEDED };

/* CircuitBreakerMetrics.checkIfThresholdsExceeded, in float like the source */
static int window_check(const sliding *s, const window *w)
{
    if (w->calls == 0 || w->calls < w->min_calls)
        return BELOW_MINIMUM;
    float failure_rate = (float)w->failed * 100.0f / (float)w->calls;
    float slow_rate = (float)w->slow * 100.0f / (float)w->calls;
    if (failure_rate >= (float)s->p.failure_rate_threshold)
        return FAILURE_EXCEEDED;
    if (slow_rate >= (float)s->p.slow_call_rate_threshold)
        return SLOW_EXCEEDED;
    return BELOW_THRESHOLDS;
}

/* --- state machine ---------------------------------------------------- */

static cp_ns open_wait(const sliding *s, int attempts)
{
    assert(attempts >= 1);
    const breaker_sliding_params *p = &s->p;
    if (p->wait_interval_kind == SLIDING_WAIT_CONSTANT)
        return p->wait_duration_in_open_state;
    int64_t initial_ms = p->wait_duration_in_open_state / CP_MS(1);
    int64_t max_ms = p->wait_max_interval == CP_INFINITE ? INT64_MAX : p->wait_max_interval / CP_MS(1);
    return cp_ms_sat(backoff_r4j_exponential_ms(initial_ms, p->wait_multiplier, attempts, max_ms));
}

static void to_closed(sliding *s, const char *reason, cp_ns now)
{
    window_clear(&s->closed); /* §2.1: every transition to CLOSED resets */
    s->cur = &s->closed;
    s->attempts = 0;
    breaker_impl_move(&s->base, BREAKER_CLOSED, reason, now);
}

static void to_open(sliding *s, const char *reason, cp_ns now)
{
    /* metrics carry into OPEN: late results are recorded, trigger nothing */
    s->attempts++;
    s->opened_at = now;
    s->wait = open_wait(s, s->attempts);
    breaker_impl_move(&s->base, BREAKER_OPEN, reason, now);
}

static void to_half_open(sliding *s, const char *reason, cp_ns now)
{
    window_clear(&s->half);
    s->cur = &s->half;
    s->permits = s->p.permitted_number_of_calls_in_half_open_state;
    s->half_open_at = now;
    breaker_impl_move(&s->base, BREAKER_HALF_OPEN, reason, now);
}

static void apply_due(sliding *s, cp_ns now)
{
    breaker *b = &s->base;
    if (b->state == BREAKER_OPEN && s->p.automatic_transition_from_open_to_half_open_enabled &&
        now >= cp_add_sat(s->opened_at, s->wait))
        to_half_open(s, "wait_elapsed", now);
    if (b->state == BREAKER_HALF_OPEN && s->p.max_wait_duration_in_half_open_state > 0 &&
        now >= cp_add_sat(s->half_open_at, s->p.max_wait_duration_in_half_open_state)) {
        if (s->p.transition_to_state_after_wait_duration == 0)
            to_closed(s, "half_open_max_wait", now);
        else
            to_open(s, "half_open_max_wait", now);
    }
}

static breaker *create(const void *vp)
{
    sliding *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->p = *(const breaker_sliding_params *)vp;
    int permitted = s->p.permitted_number_of_calls_in_half_open_state;
    if (window_init(&s->closed, s->p.sliding_window_type, s->p.sliding_window_size,
                    s->p.minimum_number_of_calls) != 0 ||
        window_init(&s->half, SLIDING_COUNT_BASED, permitted,
                    s->p.minimum_number_of_calls < permitted ? s->p.minimum_number_of_calls : permitted) != 0) {
        free(s->closed.ring);
        free(s->closed.buckets);
        free(s->half.ring);
        free(s);
        return NULL;
    }
    window_clear(&s->closed);
    window_clear(&s->half);
    s->cur = &s->closed;
    return &s->base;
}

static void destroy(breaker *b)
{
    sliding *s = (sliding *)b;
    free(s->closed.ring);
    free(s->closed.buckets);
    free(s->half.ring);
    free(s);
}

static void reset(breaker *b, cp_ns now)
{
    sliding *s = (sliding *)b;
    (void)now;
    window_clear(&s->closed);
    window_clear(&s->half);
    s->cur = &s->closed;
    s->attempts = 0;
    s->permits = 0;
}

static bool allow(breaker *b, cp_ns now)
{
    sliding *s = (sliding *)b;
    apply_due(s, now);
    if (b->state == BREAKER_OPEN) {
        /* OpenState.tryAcquirePermission: strictly after (Instant.isAfter) */
        if (!(now > cp_add_sat(s->opened_at, s->wait)))
            return false;
        to_half_open(s, "wait_elapsed", now);
        /* the triggering call is itself subject to the permit check */
    }
    if (b->state == BREAKER_HALF_OPEN) {
        assert(s->permits >= 0 && s->permits <= s->p.permitted_number_of_calls_in_half_open_state);
        if (s->p.half_open_unlimited_calls)
            return true; /* HCL 9.1.12: calls flow until results decide */
        if (s->permits == 0)
            return false;
        s->permits--;
        return true;
    }
    return true;
}

static unsigned char classify(const sliding *s, cp_ns duration, breaker_outcome outcome)
{
    /* §2.1: SLOW when duration > slowCallDurationThreshold (strictly) */
    unsigned char out = duration > s->p.slow_call_duration_threshold ? OUT_SLOW : 0;
    if (breaker_outcome_is_failure(outcome))
        out |= OUT_FAILED;
    return out;
}

static void record(breaker *b, cp_ns now, cp_ns duration, breaker_outcome outcome)
{
    sliding *s = (sliding *)b;
    apply_due(s, now);
    if (outcome == BREAKER_IGNORED) {
        /* releasePermission(): an ignored call gives its permit back */
        if (b->state == BREAKER_HALF_OPEN && s->permits < s->p.permitted_number_of_calls_in_half_open_state)
            s->permits++;
        return;
    }
    window_add(s->cur, now, classify(s, duration, outcome));
    if (b->state == BREAKER_OPEN)
        return; /* recorded, but OPEN triggers nothing */
    int r = window_check(s, s->cur);
    if (b->state == BREAKER_CLOSED) {
        if (r == FAILURE_EXCEEDED)
            to_open(s, "failure_rate", now);
        else if (r == SLOW_EXCEEDED)
            to_open(s, "slow_call_rate", now);
    } else {
        assert(b->state == BREAKER_HALF_OPEN);
        if (r == FAILURE_EXCEEDED)
            to_open(s, "failure_rate", now);
        else if (r == SLOW_EXCEEDED)
            to_open(s, "slow_call_rate", now);
        else if (r == BELOW_THRESHOLDS)
            to_closed(s, "below_thresholds", now);
    }
}

static void observe(breaker *b, cp_ns now, cp_ns duration, breaker_outcome outcome)
{
    sliding *s = (sliding *)b;
    if (outcome != BREAKER_IGNORED)
        window_add(&s->closed, now, classify(s, duration, outcome));
}

static void poll(breaker *b, cp_ns now)
{
    apply_due((sliding *)b, now);
}

static cp_ns deadline(const breaker *b)
{
    const sliding *s = (const sliding *)b;
    if (b->state == BREAKER_OPEN && s->p.automatic_transition_from_open_to_half_open_enabled)
        return cp_add_sat(s->opened_at, s->wait);
    if (b->state == BREAKER_HALF_OPEN && s->p.max_wait_duration_in_half_open_state > 0)
        return cp_add_sat(s->half_open_at, s->p.max_wait_duration_in_half_open_state);
    return CP_NEVER;
}

static void open_manual(breaker *b, cp_ns now)
{
    to_open((sliding *)b, "manual", now);
}

const breaker_ops breaker_sliding_window_ops = {
    .name = "sliding_window",
    .summary = "Resilience4j: failure/slow-call rate over a count or time window, half-open permits",
    .params_size = sizeof(breaker_sliding_params),
    .defaults = defaults_v,
    .param_desc = desc,
    .n_param_desc = sizeof desc / sizeof desc[0],
    .validate = validate,
    .create = create,
    .destroy = destroy,
    .allow = allow,
    .record = record,
    .poll = poll,
    .deadline = deadline,
    .reset = reset,
    .observe = observe,
    .open = open_manual,
};
