/* breaker_polly.c — Polly v8 advanced circuit breaker ("polly"),
 * resilience.md §2.2: the break test runs only on a handled failure in
 * Closed (throughput >= MinimumThroughput && failure rate >= FailureRatio;
 * successes never trip); health is a rolling window of 10 buckets of
 * SamplingDuration/10 opened lazily (one window if SamplingDuration <
 * 200 ms); Open -> HalfOpen lazily on the first call at or after
 * blockedUntil, which is the single probe; probe success closes (metrics
 * reset), a failure in HalfOpen re-opens; BreakDurationGenerator. Left out:
 * ShouldHandle predicates (the caller classifies); Isolated is FORCED_OPEN.
 */
#include "policy/breaker_polly.h"

#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "policy/breaker_impl.h"

/* 10 buckets; one more slot so a new bucket can be added before the oldest
 * leaves. */
enum { POLLY_BUCKETS = 10, POLLY_RING = POLLY_BUCKETS + 1 };

typedef struct hwin {
    cp_ns started_at;
    int successes, failures;
} hwin;

typedef struct polly {
    breaker base;
    breaker_polly_params p;
    bool rolling;         /* SamplingDuration >= 200 ms */
    cp_ns window_span;    /* SamplingDuration / 10 (or the whole duration) */
    hwin ring[POLLY_RING];
    int first, count;     /* live buckets: ring[first .. first+count) */
    int successes, failures; /* totals over live buckets */
    cp_ns blocked_until;
    int half_open_attempts;
} polly;

#define F(field) offsetof(breaker_polly_params, field)
static const cp_param_desc desc[] = {
    {"failure_ratio", CP_PARAM_DOUBLE, F(failure_ratio), "break at >= this ratio (default 0.1)", NULL},
    {"minimum_throughput", CP_PARAM_INT, F(minimum_throughput), "calls in the window first (default 100, >= 2)",
     NULL},
    {"sampling_duration", CP_PARAM_DURATION, F(sampling_duration), "health window (default 30 s)", NULL},
    {"break_duration", CP_PARAM_DURATION, F(break_duration), "open time (default 5 s, 0.5 s .. 1 day)", NULL},
};
#undef F

void breaker_polly_defaults(breaker_polly_params *p)
{
    p->failure_ratio = 0.1;
    p->minimum_throughput = 100;
    p->sampling_duration = CP_SEC(30);
    p->break_duration = CP_SEC(5);
    p->break_duration_generator = NULL;
    p->break_duration_generator_ctx = NULL;
}

cp_ns breaker_polly_exponential_break(double failure_rate, int failure_count, int half_open_attempts, void *ctx)
{
    (void)failure_rate, (void)failure_count;
    const cp_ns *bc = ctx; /* {base, cap} */
    assert(bc != NULL && bc[0] > 0 && half_open_attempts >= 0);
    int e = half_open_attempts > 40 ? 40 : half_open_attempts;
    cp_ns d = bc[0] > bc[1] >> e ? bc[1] : bc[0] << e;
    return d < bc[1] ? d : bc[1];
}

static void defaults_v(void *p)
{
    breaker_polly_defaults(p);
}

static int validate(const void *vp, char *err, size_t errlen)
{
    const breaker_polly_params *p = vp;
    if (!(p->failure_ratio > 0 && p->failure_ratio <= 1))
        return snprintf(err, errlen, "polly: failure_ratio must be in (0,1]"), -1;
    if (p->minimum_throughput < 2)
        return snprintf(err, errlen, "polly: minimum_throughput must be >= 2"), -1;
    if (p->sampling_duration < CP_MS(1))
        return snprintf(err, errlen, "polly: sampling_duration must be >= 1 ms"), -1;
    if (p->break_duration_generator == NULL &&
        (p->break_duration < CP_MS(500) || p->break_duration > CP_SEC(86400)))
        return snprintf(err, errlen, "polly: break_duration must be in [0.5 s, 1 day]"), -1;
    return 0;
}

static void metrics_reset(polly *b)
{
    b->first = b->count = 0;
    b->successes = b->failures = 0;
}

/* RollingHealthMetrics.UpdateCurrentWindow: a new bucket when the current
 * one's span has ended; drop buckets older than SamplingDuration. */
static hwin *current(polly *b, cp_ns now)
{
    hwin *cur = b->count ? &b->ring[(b->first + b->count - 1) % POLLY_RING] : NULL;
    if (!b->rolling) {
        /* SingleHealthMetrics: reset when the whole span has passed */
        if (cur != NULL && now - cur->started_at >= b->p.sampling_duration)
            metrics_reset(b), cur = NULL;
    } else {
        while (b->count > 0 && now - b->ring[b->first].started_at >= b->p.sampling_duration) {
            b->successes -= b->ring[b->first].successes;
            b->failures -= b->ring[b->first].failures;
            b->first = (b->first + 1) % POLLY_RING;
            b->count--;
        }
        cur = b->count ? &b->ring[(b->first + b->count - 1) % POLLY_RING] : NULL;
        if (cur != NULL && now - cur->started_at >= b->window_span)
            cur = NULL;
    }
    if (cur == NULL) {
        assert(b->count < POLLY_RING);
        cur = &b->ring[(b->first + b->count) % POLLY_RING];
        *cur = (hwin){.started_at = now};
        b->count++;
    }
    assert(b->successes >= 0 && b->failures >= 0 && b->count <= POLLY_RING);
    return cur;
}

static breaker *create(const void *vp)
{
    polly *b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    b->p = *(const breaker_polly_params *)vp;
    /* 20 ms x 10: shorter windows are a single bucket */
    b->rolling = b->p.sampling_duration >= CP_MS(200);
    b->window_span = b->rolling ? b->p.sampling_duration / POLLY_BUCKETS : b->p.sampling_duration;
    return &b->base;
}

static void destroy(breaker *b)
{
    free(b);
}

static void reset(breaker *bb, cp_ns now)
{
    polly *b = (polly *)bb;
    (void)now;
    metrics_reset(b);
    b->half_open_attempts = 0;
    b->blocked_until = 0;
}

static void open_circuit(polly *b, const char *reason, cp_ns now)
{
    cp_ns d = b->p.break_duration;
    if (b->p.break_duration_generator != NULL) {
        int total = b->successes + b->failures;
        double rate = total ? (double)b->failures / total : 0.0;
        d = b->p.break_duration_generator(rate, b->failures, b->half_open_attempts,
                                          b->p.break_duration_generator_ctx);
        assert(d >= 0);
    }
    b->blocked_until = d > CP_NEVER - now ? CP_NEVER : now + d;
    breaker_impl_move(&b->base, BREAKER_OPEN, reason, now);
}

static bool allow(breaker *bb, cp_ns now)
{
    polly *b = (polly *)bb;
    if (bb->state == BREAKER_OPEN && now >= b->blocked_until) {
        /* PermitHalfOpenCircuitTest: this call is the single probe */
        b->blocked_until = cp_add_sat(now, b->p.break_duration);
        b->half_open_attempts++;
        breaker_impl_move(bb, BREAKER_HALF_OPEN, "break_elapsed", now);
        return true;
    }
    return bb->state == BREAKER_CLOSED; /* HalfOpen when !isHalfOpen: rejected */
}

static void record(breaker *bb, cp_ns now, cp_ns duration, breaker_outcome outcome)
{
    polly *b = (polly *)bb;
    (void)duration;
    if (outcome == BREAKER_IGNORED)
        return;
    if (outcome == BREAKER_SUCCESS) {
        if (bb->state == BREAKER_HALF_OPEN) {
            metrics_reset(b); /* OnCircuitClosed resets the metrics */
            b->half_open_attempts = 0;
            breaker_impl_move(bb, BREAKER_CLOSED, "probe_success", now);
            return;
        }
        current(b, now)->successes++;
        b->successes++;
        return;
    }
    if (bb->state == BREAKER_HALF_OPEN) {
        open_circuit(b, "probe_failure", now);
        return;
    }
    current(b, now)->failures++;
    b->failures++;
    if (bb->state != BREAKER_CLOSED)
        return; /* recorded while Open: never breaks */
    int throughput = b->successes + b->failures;
    double rate = (double)b->failures / throughput;
    if (throughput >= b->p.minimum_throughput && rate >= b->p.failure_ratio)
        open_circuit(b, "failure_ratio", now);
}

static void observe(breaker *bb, cp_ns now, cp_ns duration, breaker_outcome outcome)
{
    polly *b = (polly *)bb;
    (void)duration;
    if (outcome == BREAKER_IGNORED)
        return;
    if (outcome == BREAKER_SUCCESS)
        current(b, now)->successes++, b->successes++;
    else
        current(b, now)->failures++, b->failures++;
}

static void open_manual(breaker *bb, cp_ns now)
{
    open_circuit((polly *)bb, "manual", now);
}

const breaker_ops breaker_polly_ops = {
    .name = "polly",
    .summary = "Polly v8: failure ratio + minimum throughput over 10 sub-windows, single probe",
    .params_size = sizeof(breaker_polly_params),
    .defaults = defaults_v,
    .param_desc = desc,
    .n_param_desc = sizeof desc / sizeof desc[0],
    .validate = validate,
    .create = create,
    .destroy = destroy,
    .allow = allow,
    .record = record,
    .poll = NULL,
    .deadline = NULL,
    .reset = reset,
    .observe = observe,
    .open = open_manual,
};
