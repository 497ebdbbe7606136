/* backoff.c — retry delay formulas (resilience.md §2.3, §3.3) and the
 * registry of named schedules built on them. Pure functions: the only state
 * is what the caller passes in (previous delay, Polly's `prev`).
 * Arithmetic is done in double and clamped before converting to cp_ns, so
 * large attempt numbers saturate at the cap (or CP_NEVER) instead of
 * overflowing.
 */
#include "policy/backoff.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Clamp a non-negative double of nanoseconds into cp_ns. */
static cp_ns to_ns(double x)
{
    assert(!isnan(x));
    if (x <= 0)
        return 0;
    if (x >= 9.2e18)
        return CP_NEVER;
    return (cp_ns)x;
}

static double cap_d(double x, cp_ns cap)
{
    return (cap != CP_INFINITE && x > (double)cap) ? (double)cap : x;
}

/* --- AWS ------------------------------------------------------------- */

cp_ns backoff_aws_exponential(cp_ns base, cp_ns cap, int n)
{
    assert(base >= 0 && n >= 0);
    return to_ns(cap_d(ldexp((double)base, n > 1000 ? 1000 : n), cap));
}

cp_ns backoff_aws_full_jitter(cp_ns base, cp_ns cap, int n, const cp_rand *r)
{
    double v = (double)backoff_aws_exponential(base, cap, n);
    return to_ns(cp_uniform(r) * v);
}

cp_ns backoff_aws_equal_jitter(cp_ns base, cp_ns cap, int n, const cp_rand *r)
{
    double v = (double)backoff_aws_exponential(base, cap, n);
    return to_ns(v / 2 + cp_uniform(r) * (v / 2));
}

cp_ns backoff_aws_decorrelated(cp_ns base, cp_ns cap, cp_ns prev, const cp_rand *r)
{
    assert(base >= 0 && prev >= 0);
    double hi = (double)prev * 3;
    double x = (double)base + cp_uniform(r) * (hi - (double)base);
    return to_ns(cap_d(x, cap));
}

/* --- Polly v8 --------------------------------------------------------- */

cp_ns backoff_polly_decorrelated_v2(int attempt, cp_ns base, double *prev, const cp_rand *r)
{
    /* RetryHelper.DecorrelatedJitterBackoffV2, credited to Polly #530 */
    const double rp_scaling = 1 / 1.4, exp_factor = 2.0, p_factor = 4.0;
    assert(attempt >= 0 && prev != NULL);
    double t = attempt + cp_uniform(r);
    double next = pow(exp_factor, t) * tanh(sqrt(p_factor * t));
    if (isinf(next)) {
        *prev = next;
        return CP_NEVER;
    }
    double intrinsic = next - *prev;
    *prev = next;
    /* computed in .NET ticks (100 ns) and truncated, as the source does */
    double ticks = floor(intrinsic * rp_scaling * ((double)base / 100.0));
    return to_ns(ticks * 100.0);
}

cp_ns backoff_polly(polly_backoff_type type, bool use_jitter, cp_ns delay, cp_ns max_delay,
                    int attempt, double *prev, const cp_rand *r)
{
    assert(attempt >= 0 && delay >= 0);
    double d = (double)delay, out;
    switch (type) {
    case POLLY_CONSTANT:
    case POLLY_LINEAR:
        out = type == POLLY_CONSTANT ? d : (attempt + 1.0) * d;
        if (use_jitter) {
            /* ApplyJitter, JitterFactor 0.5: uniform +-25 % */
            double offset = out * 0.5 / 2;
            out = out + (out * 0.5 * cp_uniform(r) - offset);
        }
        break;
    case POLLY_EXPONENTIAL:
        if (use_jitter) {
            cp_ns j = backoff_polly_decorrelated_v2(attempt, delay, prev, r);
            out = (double)j;
        } else {
            out = ldexp(d, attempt > 1000 ? 1000 : attempt);
        }
        break;
    default:
        assert(!"unknown polly backoff type");
        out = d;
    }
    /* MaxDelay caps the computed delay */
    return to_ns(cap_d(out, max_delay));
}

/* --- Resilience4j ----------------------------------------------------- */

int64_t backoff_r4j_exponential_ms(int64_t initial_ms, double multiplier, int attempt, int64_t max_ms)
{
    assert(attempt >= 1 && initial_ms >= 1 && multiplier >= 1.0);
    int64_t x = initial_ms;
    for (int a = 1; a < attempt && x < max_ms; a++) {
        double next = (double)x * multiplier;
        x = next >= 9.2e18 ? INT64_MAX : (int64_t)next; /* (long) cast each step */
    }
    return x < max_ms ? x : max_ms;
}

int64_t backoff_r4j_randomize_ms(double x, double factor, double u)
{
    assert(factor >= 0 && factor < 1 && u >= 0 && u < 1);
    double delta = factor * x, lo = x - delta, hi = x + delta;
    double v = lo + u * (hi - lo + 1); /* the +1 quirk of the source */
    if (v < 1)
        v = 1;
    return v >= 9.2e18 ? INT64_MAX : (int64_t)v;
}

int64_t backoff_r4j_exponential_random_ms(int64_t initial_ms, double multiplier, double factor,
                                          int attempt, int64_t max_ms, const cp_rand *r)
{
    int64_t e = backoff_r4j_exponential_ms(initial_ms, multiplier, attempt, INT64_MAX);
    int64_t v = backoff_r4j_randomize_ms((double)e, factor, cp_uniform(r));
    return v < max_ms ? v : max_ms;
}

/* --- Redisson --------------------------------------------------------- */

int64_t backoff_redisson_equal_jitter_ms(int64_t base_ms, int64_t max_ms, int attempt, const cp_rand *r)
{
    assert(base_ms >= 0 && max_ms >= 0 && attempt >= 0);
    double e = ldexp((double)base_ms, attempt > 62 ? 62 : attempt);
    int64_t exp = e >= (double)max_ms ? max_ms : (int64_t)e;
    int64_t half = exp / 2;
    return half + (int64_t)floor(cp_uniform(r) * (double)(half + 1));
}

/* --- the registry ----------------------------------------------------- */

static int64_t cap_ms(const backoff_spec *s)
{
    return s->cap == CP_INFINITE ? INT64_MAX : s->cap / CP_MS(1);
}

static cp_ns k_constant(const backoff_spec *s, backoff_state *st, int n, const cp_rand *r)
{
    (void)st, (void)n, (void)r;
    return to_ns(cap_d((double)s->base, s->cap));
}
static cp_ns u_constant(const backoff_spec *s, int n)
{
    return k_constant(s, NULL, n, NULL);
}

static cp_ns k_linear(const backoff_spec *s, backoff_state *st, int n, const cp_rand *r)
{
    (void)st, (void)r;
    return to_ns(cap_d((double)s->base * n, s->cap));
}
static cp_ns u_linear(const backoff_spec *s, int n)
{
    return k_linear(s, NULL, n, NULL);
}

/* base * multiplier^(n-1): the first retry waits `base` */
static cp_ns k_exponential(const backoff_spec *s, backoff_state *st, int n, const cp_rand *r)
{
    (void)st, (void)r;
    double x = (double)s->base * pow(s->multiplier, n - 1);
    return to_ns(cap_d(isinf(x) ? 1e300 : x, s->cap));
}
static cp_ns u_exponential(const backoff_spec *s, int n)
{
    return k_exponential(s, NULL, n, NULL);
}

static cp_ns k_full(const backoff_spec *s, backoff_state *st, int n, const cp_rand *r)
{
    (void)st;
    return backoff_aws_full_jitter(s->base, s->cap, n, r);
}
static cp_ns k_equal(const backoff_spec *s, backoff_state *st, int n, const cp_rand *r)
{
    (void)st;
    return backoff_aws_equal_jitter(s->base, s->cap, n, r);
}
static cp_ns u_aws(const backoff_spec *s, int n)
{
    return backoff_aws_exponential(s->base, s->cap, n);
}

static cp_ns k_decorrelated(const backoff_spec *s, backoff_state *st, int n, const cp_rand *r)
{
    (void)n;
    cp_ns prev = st->prev > 0 ? st->prev : s->base; /* sleep_0 = base */
    st->prev = backoff_aws_decorrelated(s->base, s->cap, prev, r);
    return st->prev;
}
static cp_ns u_decorrelated(const backoff_spec *s, int n)
{
    if (s->cap != CP_INFINITE)
        return s->cap;
    return to_ns((double)s->base * pow(3.0, n));
}

static cp_ns k_polly(polly_backoff_type t, const backoff_spec *s, backoff_state *st, int n, const cp_rand *r)
{
    return backoff_polly(t, s->jitter, s->base, s->cap, n - 1, &st->polly_prev, r);
}
static cp_ns k_polly_c(const backoff_spec *s, backoff_state *st, int n, const cp_rand *r)
{
    return k_polly(POLLY_CONSTANT, s, st, n, r);
}
static cp_ns k_polly_l(const backoff_spec *s, backoff_state *st, int n, const cp_rand *r)
{
    return k_polly(POLLY_LINEAR, s, st, n, r);
}
static cp_ns k_polly_e(const backoff_spec *s, backoff_state *st, int n, const cp_rand *r)
{
    return k_polly(POLLY_EXPONENTIAL, s, st, n, r);
}
static cp_ns u_polly_c(const backoff_spec *s, int n)
{
    (void)n;
    return to_ns(cap_d((double)s->base * (s->jitter ? 1.25 : 1.0), s->cap));
}
static cp_ns u_polly_l(const backoff_spec *s, int n)
{
    return to_ns(cap_d((double)s->base * n * (s->jitter ? 1.25 : 1.0), s->cap));
}
static cp_ns u_polly_e(const backoff_spec *s, int n)
{
    if (!s->jitter)
        return to_ns(cap_d(ldexp((double)s->base, n - 1 > 1000 ? 1000 : n - 1), s->cap));
    /* (next - prev)/1.4*D <= 2^(n) * tanh(.) / 1.4 * D with U < 1 */
    return to_ns(cap_d(ldexp((double)s->base, n > 1000 ? 1000 : n) / 1.4, s->cap));
}

static cp_ns k_r4j_exp(const backoff_spec *s, backoff_state *st, int n, const cp_rand *r)
{
    (void)st, (void)r;
    return cp_ms_sat(backoff_r4j_exponential_ms(s->base / CP_MS(1), s->multiplier, n, cap_ms(s)));
}
static cp_ns u_r4j_exp(const backoff_spec *s, int n)
{
    return k_r4j_exp(s, NULL, n, NULL);
}
static cp_ns k_r4j_rand(const backoff_spec *s, backoff_state *st, int n, const cp_rand *r)
{
    (void)st;
    return cp_ms_sat(backoff_r4j_exponential_random_ms(s->base / CP_MS(1), s->multiplier, s->randomization, n,
                                                       cap_ms(s), r));
}
static cp_ns u_r4j_rand(const backoff_spec *s, int n)
{
    int64_t e = backoff_r4j_exponential_ms(s->base / CP_MS(1), s->multiplier, n, INT64_MAX);
    double hi = (double)e * (1 + s->randomization) + 1;
    int64_t v = hi >= 9.2e18 ? INT64_MAX : (int64_t)hi;
    int64_t c = cap_ms(s);
    return cp_ms_sat(v < c ? v : c);
}

static cp_ns k_redisson_eq(const backoff_spec *s, backoff_state *st, int n, const cp_rand *r)
{
    (void)st;
    return cp_ms_sat(backoff_redisson_equal_jitter_ms(s->base / CP_MS(1), cap_ms(s), n - 1, r));
}
static cp_ns u_redisson_eq(const backoff_spec *s, int n)
{
    double e = ldexp((double)(s->base / CP_MS(1)), n - 1 > 62 ? 62 : n - 1);
    int64_t c = cap_ms(s);
    int64_t exp = e >= (double)c ? c : (int64_t)e;
    return cp_ms_sat(exp / 2 + exp / 2);
}

static const backoff_kind kinds[] = {
    {"constant", "D every time", k_constant, u_constant},
    {"linear", "D*n, capped", k_linear, u_linear},
    {"exponential", "D*multiplier^(n-1), capped (multiplier default 2)", k_exponential, u_exponential},
    {"full_jitter", "AWS: U(0, min(cap, base*2^n))", k_full, u_aws},
    {"equal_jitter", "AWS: v/2 + U(0, v/2), v = min(cap, base*2^n)", k_equal, u_aws},
    {"decorrelated_jitter", "AWS: min(cap, U(base, 3*prev))", k_decorrelated, u_decorrelated},
    {"polly_constant", "Polly v8 Constant (+-25 % with jitter)", k_polly_c, u_polly_c},
    {"polly_linear", "Polly v8 Linear (a+1)*D (+-25 % with jitter)", k_polly_l, u_polly_l},
    {"polly_exponential", "Polly v8 Exponential 2^a*D, DecorrelatedJitterBackoffV2 with jitter", k_polly_e,
     u_polly_e},
    {"r4j_exponential", "Resilience4j ofExponentialBackoff", k_r4j_exp, u_r4j_exp},
    {"r4j_exponential_random", "Resilience4j ofExponentialRandomBackoff", k_r4j_rand, u_r4j_rand},
    {"redisson_equal_jitter", "Redisson EqualJitterDelay(base, max)", k_redisson_eq, u_redisson_eq},
};
static const backoff_kind *const kind_ptrs[] = {
    &kinds[0], &kinds[1], &kinds[2], &kinds[3], &kinds[4],  &kinds[5],
    &kinds[6], &kinds[7], &kinds[8], &kinds[9], &kinds[10], &kinds[11],
};
_Static_assert(sizeof kinds / sizeof kinds[0] == sizeof kind_ptrs / sizeof kind_ptrs[0], "registry in step");

const backoff_kind *backoff_kind_find(const char *name)
{
    for (size_t i = 0; name != NULL && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].name, name) == 0)
            return &kinds[i];
    return NULL;
}

const backoff_kind *const *backoff_kinds(size_t *n)
{
    *n = sizeof kind_ptrs / sizeof kind_ptrs[0];
    return kind_ptrs;
}

int backoff_spec_defaults(backoff_spec *s, const char *kind)
{
    const backoff_kind *k = backoff_kind_find(kind);
    if (k == NULL)
        return -1;
    *s = (backoff_spec){.kind = k->name, .base = CP_SEC(1), .cap = CP_INFINITE, .multiplier = 2.0,
                        .randomization = 0.5, .jitter = false};
    if (strncmp(kind, "r4j_", 4) == 0) { /* IntervalFunction defaults */
        s->base = CP_MS(500);
        s->multiplier = 1.5;
    } else if (strcmp(kind, "polly_constant") == 0 || strcmp(kind, "polly_linear") == 0 ||
               strcmp(kind, "polly_exponential") == 0) {
        s->base = CP_SEC(2); /* Polly v8 retry Delay default */
    } else if (strcmp(kind, "redisson_equal_jitter") == 0) {
        s->base = CP_SEC(1); /* >= 3.48 retryDelay EqualJitterDelay(1 s, 2 s) */
        s->cap = CP_SEC(2);
    }
    return 0;
}

int backoff_spec_validate(const backoff_spec *s, char *err, size_t errlen)
{
    const backoff_kind *k = backoff_kind_find(s->kind);
    if (k == NULL)
        return snprintf(err, errlen, "backoff: unknown kind '%s'", s->kind ? s->kind : "(null)"), -1;
    if (s->base < 0)
        return snprintf(err, errlen, "backoff %s: base must be >= 0", k->name), -1;
    if (s->cap != CP_INFINITE && s->cap < 0)
        return snprintf(err, errlen, "backoff %s: cap must be >= 0 or none", k->name), -1;
    if (!(s->multiplier >= 1.0))
        return snprintf(err, errlen, "backoff %s: multiplier must be >= 1", k->name), -1;
    if (!(s->randomization >= 0.0 && s->randomization < 1.0))
        return snprintf(err, errlen, "backoff %s: randomization must be in [0,1)", k->name), -1;
    if (strncmp(k->name, "r4j_", 4) == 0 && s->base < CP_MS(1))
        return snprintf(err, errlen, "backoff %s: base must be >= 1 ms (IntervalFunction)", k->name), -1;
    return 0;
}

cp_ns backoff_next(const backoff_spec *s, backoff_state *st, int retry, const cp_rand *r)
{
    const backoff_kind *k = backoff_kind_find(s->kind);
    assert(k != NULL && retry >= 1 && st != NULL);
    return k->next(s, st, retry, r);
}

cp_ns backoff_upper(const backoff_spec *s, int retry)
{
    const backoff_kind *k = backoff_kind_find(s->kind);
    assert(k != NULL && retry >= 1);
    return k->upper(s, retry);
}
