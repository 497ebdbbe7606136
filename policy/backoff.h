/* backoff.h — retry delay formulas, each with its source's own attempt
 * convention, and a registry of named schedules over one spec struct.
 *
 * Sources: resilience.md §2.3 (AWS "Exponential Backoff and Jitter",
 * Polly v8 RetryHelper incl. DecorrelatedJitterBackoffV2, Resilience4j
 * IntervalFunction) and §3.3 (Redisson EqualJitterDelay and
 * DecorrelatedJitterDelay). Every random formula takes a cp_rand.
 * Left out: Polly DelayGenerator (the caller can simply not use these),
 * ticks overflow to TimeSpan.MaxValue (capped at CP_NEVER instead).
 */
#ifndef CP_BACKOFF_H
#define CP_BACKOFF_H

#include "policy/cp_types.h"

/* --- AWS (M. Brooker, 2015); n as the AWS simulator counts it: 1 on the
 *     first failure. cap may be CP_INFINITE. ---------------------------- */
cp_ns backoff_aws_exponential(cp_ns base, cp_ns cap, int n);            /* min(cap, base*2^n) */
cp_ns backoff_aws_full_jitter(cp_ns base, cp_ns cap, int n, const cp_rand *r);  /* U(0, v) */
cp_ns backoff_aws_equal_jitter(cp_ns base, cp_ns cap, int n, const cp_rand *r); /* v/2 + U(0, v/2) */
/* min(cap, U(base, prev*3)); pass prev = base for the first retry */
cp_ns backoff_aws_decorrelated(cp_ns base, cp_ns cap, cp_ns prev, const cp_rand *r);

/* --- Polly v8 retry (RetryHelper); attempt is 0-based: the first retry
 *     is attempt 0. max_delay caps the result (CP_INFINITE: none). -------- */
typedef enum polly_backoff_type { POLLY_CONSTANT = 0, POLLY_LINEAR, POLLY_EXPONENTIAL } polly_backoff_type;
/* *prev is DecorrelatedJitterBackoffV2's state: 0 before the first retry. */
cp_ns backoff_polly(polly_backoff_type type, bool use_jitter, cp_ns delay, cp_ns max_delay,
                    int attempt, double *prev, const cp_rand *r);
/* t = a + U; next = 2^t * tanh(sqrt(4t)); delay = (next - prev)/1.4 * D */
cp_ns backoff_polly_decorrelated_v2(int attempt, cp_ns base, double *prev, const cp_rand *r);

/* --- Resilience4j IntervalFunction, in milliseconds; attempt is 1-based.
 *     max_ms may be INT64_MAX (no cap). ------------------------------- */
/* floor(...floor(initial*m)*m...): truncated to long at every step */
int64_t backoff_r4j_exponential_ms(int64_t initial_ms, double multiplier, int attempt, int64_t max_ms);
/* max(1, x(1-f) + U*(x(1+f) - x(1-f) + 1)), truncated; range [x(1-f), x(1+f)+1) */
int64_t backoff_r4j_randomize_ms(double x, double factor, double u);
/* ofExponentialRandomBackoff: exponential, then randomize, then cap */
int64_t backoff_r4j_exponential_random_ms(int64_t initial_ms, double multiplier, double factor,
                                          int attempt, int64_t max_ms, const cp_rand *r);

/* --- Redisson delays (resilience.md §3.3), in ms; attempt is 0-based. --- */
/* e = min(base*2^a, max); e/2 + U_int[0, e/2] (both ends included) */
int64_t backoff_redisson_equal_jitter_ms(int64_t base_ms, int64_t max_ms, int attempt, const cp_rand *r);

/* --- named schedules ---------------------------------------------------
 * One spec for every kind; each kind reads the fields it needs. `retry`
 * is always the 1-based number of the retry being scheduled; each kind
 * converts to its source's convention. */
typedef struct backoff_spec {
    const char *kind;       /* a name from backoff_kinds() */
    cp_ns base;             /* D, base, initial interval, delta */
    cp_ns cap;              /* maximum delay; CP_INFINITE = none */
    double multiplier;      /* r4j/exponential growth (default 2; r4j 1.5) */
    double randomization;   /* r4j randomization factor (default 0.5) */
    bool jitter;            /* Polly UseJitter */
} backoff_spec;

typedef struct backoff_state {
    cp_ns prev;        /* previous delay (decorrelated kinds); 0 = none yet */
    double polly_prev; /* DecorrelatedJitterBackoffV2 state */
} backoff_state;

typedef struct backoff_kind {
    const char *name;
    const char *summary;
    cp_ns (*next)(const backoff_spec *s, backoff_state *st, int retry, const cp_rand *r);
    /* the largest delay `next` can return for this retry (CP_NEVER: unbounded) */
    cp_ns (*upper)(const backoff_spec *s, int retry);
} backoff_kind;

const backoff_kind *backoff_kind_find(const char *name);
const backoff_kind *const *backoff_kinds(size_t *n);
/* A spec with the kind's documented defaults (base 1 s unless noted). */
int backoff_spec_defaults(backoff_spec *s, const char *kind);
/* 0 if the spec is usable, else -1 and a message naming the field. */
int backoff_spec_validate(const backoff_spec *s, char *err, size_t errlen);
/* Delay before retry number `retry` (1-based). st must start zeroed. */
cp_ns backoff_next(const backoff_spec *s, backoff_state *st, int retry, const cp_rand *r);
cp_ns backoff_upper(const backoff_spec *s, int retry);

#endif
