/* reconnect.c — reconnect schedules pinned by client version
 * (resilience.md §3.1-§3.4) and seed 004's stuck detector. All delays are
 * computed in integer milliseconds like the sources, then widened to ns.
 */
#include "policy/reconnect.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "policy/backoff.h"

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* 2^e * m, saturating (e clipped so the shift cannot overflow) */
static int64_t shl_sat(int64_t m, int e, int64_t cap)
{
    assert(m >= 0 && e >= 0);
    if (e > 62)
        return cap;
    double x = ldexp((double)m, e);
    return x >= (double)cap ? cap : (int64_t)x;
}

/* §3.1 ioredis <= v5.11.1: retryStrategy(times) = min(times*50, 2000) */
cp_ns reconnect_ioredis_v5(int times)
{
    assert(times >= 1);
    return CP_MS(min64((int64_t)times * 50, 2000));
}

/* §3.1 ioredis v6.0.0: min(2^(times-1)*50, 5000) + floor(U*200) */
cp_ns reconnect_ioredis_v6(int times, const cp_rand *r)
{
    assert(times >= 1);
    return CP_MS(shl_sat(50, times - 1, 5000) + (int64_t)floor(cp_uniform(r) * 200));
}

/* §3.2 node-redis v4: min(retries*50, 500); retries counted from 0 like v5
 * (the v4 0/1 base is not stated in the reference: UNCONFIRMED) */
cp_ns reconnect_node_redis_v4(int retries)
{
    assert(retries >= 0);
    return CP_MS(min64((int64_t)retries * 50, 500));
}

/* §3.2 node-redis v5+: min(2^retries*50, 2000) + floor(U*200); no
 * reconnect after a SocketTimeoutError */
cp_ns reconnect_node_redis_v5(int retries, reconnect_error last, const cp_rand *r)
{
    assert(retries >= 0);
    if (last == RECONNECT_ERR_SOCKET_TIMEOUT)
        return RECONNECT_STOP;
    return CP_MS(shl_sat(50, retries, 2000) + (int64_t)floor(cp_uniform(r) * 200));
}

/* Redisson <= 3.47 ConnectionWatchdog.reconnect: timeout = 2 << attempts ms,
 * attempts starting at 1 and growing to BACKOFF_CAP = 12 (4 ms .. 8192 ms).
 * [src] read from a stored ConnectionWatchdog.java; not in resilience.md. */
cp_ns reconnect_redisson_347(int attempts)
{
    assert(attempts >= 1);
    int a = attempts > 12 ? 12 : attempts;
    return CP_MS((int64_t)2 << a);
}

/* §3.3 Redisson >= 3.48: reconnectionDelay = EqualJitterDelay(100 ms, 10 s) */
cp_ns reconnect_redisson_348(int attempt, const cp_rand *r)
{
    return CP_MS(backoff_redisson_equal_jitter_ms(100, 10000, attempt, r));
}

/* §3.4 ExponentialRetry.ShouldRetry: exp = min(max, delta*1.1^n);
 * threshold = Random.Next(delta, exp) (== delta when exp == delta) */
bool reconnect_ser_exponential_should_retry(cp_ns delta, cp_ns max, long n, cp_ns elapsed, const cp_rand *r)
{
    assert(delta > 0 && max >= delta && n >= 0);
    int64_t d_ms = delta / CP_MS(1), max_ms = max / CP_MS(1);
    double e = (double)d_ms * pow(1.1, (double)n);
    int64_t exp_ms = e >= (double)max_ms ? max_ms : (int64_t)e; /* (int) cast */
    int64_t threshold = d_ms;
    if (exp_ms > d_ms)
        threshold = d_ms + (int64_t)floor(cp_uniform(r) * (double)(exp_ms - d_ms));
    return elapsed / CP_MS(1) >= threshold;
}

bool reconnect_ser_linear_should_retry(cp_ns period, cp_ns elapsed)
{
    return elapsed >= period;
}

cp_ns reconnect_ser_next_tick(cp_ns delta, cp_ns max, cp_ns linear_period, long n, cp_ns first_tick,
                              cp_ns heartbeat, const cp_rand *r)
{
    assert(heartbeat > 0 && first_tick >= 0);
    /* Bounded: every threshold is <= max (or the period), so the loop ends
     * by the first tick at or past it. */
    for (cp_ns t = first_tick;; t += heartbeat) {
        bool yes = linear_period > 0 ? reconnect_ser_linear_should_retry(linear_period, t)
                                     : reconnect_ser_exponential_should_retry(delta, max, n, t, r);
        if (yes)
            return t;
        assert(t <= (linear_period > 0 ? linear_period : max));
    }
}

/* seed 004: "Exponential backoff retry strategy", retryDelay 1000,
 * maxRetries 10. The formula is not given: [derived] retryDelay*2^(n-1). */
cp_ns reconnect_seed004(cp_ns retry_delay, cp_ns cap, int max_retries, int n)
{
    assert(n >= 1 && retry_delay >= 0);
    if (max_retries >= 0 && n > max_retries)
        return RECONNECT_STOP;
    int64_t c = cap == CP_INFINITE ? INT64_MAX : cap;
    return shl_sat(retry_delay, n - 1, c);
}

/* --- registry (generic attempt is 1-based) ----------------------------- */

static cp_ns k_io5(const reconnect_params *p, int a, reconnect_error e, const cp_rand *r)
{
    (void)p, (void)e, (void)r;
    return reconnect_ioredis_v5(a);
}
static cp_ns k_io6(const reconnect_params *p, int a, reconnect_error e, const cp_rand *r)
{
    (void)p, (void)e;
    return reconnect_ioredis_v6(a, r);
}
static cp_ns k_nr4(const reconnect_params *p, int a, reconnect_error e, const cp_rand *r)
{
    (void)p, (void)e, (void)r;
    return reconnect_node_redis_v4(a - 1);
}
static cp_ns k_nr5(const reconnect_params *p, int a, reconnect_error e, const cp_rand *r)
{
    (void)p;
    return reconnect_node_redis_v5(a - 1, e, r);
}
/* node-redis 6.3.0: after the immediate attempt the strategy starts from
 * retries = 1 (socket.js #connect(1)): strategy(1), strategy(2), ... —
 * generic attempt a is strategy(a), so the 50 ms step is skipped */
static cp_ns k_nr63(const reconnect_params *p, int a, reconnect_error e, const cp_rand *r)
{
    (void)p;
    return reconnect_node_redis_v5(a, e, r);
}
static cp_ns k_rs47(const reconnect_params *p, int a, reconnect_error e, const cp_rand *r)
{
    (void)p, (void)e, (void)r;
    return reconnect_redisson_347(a);
}
static cp_ns k_rs48(const reconnect_params *p, int a, reconnect_error e, const cp_rand *r)
{
    (void)p, (void)e;
    return reconnect_redisson_348(a - 1, r);
}
static cp_ns k_ser_exp(const reconnect_params *p, int a, reconnect_error e, const cp_rand *r)
{
    (void)e;
    /* no usable cap: the one-argument constructor, max = max(delta, 10 s) */
    cp_ns max = p->cap;
    if (max == CP_INFINITE || max < p->base)
        max = p->base > CP_SEC(10) ? p->base : CP_SEC(10);
    return reconnect_ser_next_tick(p->base, max, 0, a - 1, p->first_tick, p->heartbeat, r);
}
static cp_ns k_ser_lin(const reconnect_params *p, int a, reconnect_error e, const cp_rand *r)
{
    (void)e;
    return reconnect_ser_next_tick(p->base, p->base, p->base, a - 1, p->first_tick, p->heartbeat, r);
}
static cp_ns k_seed004(const reconnect_params *p, int a, reconnect_error e, const cp_rand *r)
{
    (void)e, (void)r;
    return reconnect_seed004(p->base, p->cap, p->max_retries, a);
}

static const reconnect_kind kinds[] = {
    {"ioredis_v5", "ioredis <= 5.11.1", k_io5},
    {"ioredis_v6", "ioredis 6.0.0", k_io6},
    {"node_redis_v4", "node-redis 4.7.1", k_nr4},
    {"node_redis_v5", "node-redis >= 5 (client 6.2.1)", k_nr5},
    {"redisson_3_47", "Redisson <= 3.47 (ConnectionWatchdog)", k_rs47},
    {"redisson_3_48", "Redisson >= 3.48.0 (EqualJitterDelay 100 ms, 10 s)", k_rs48},
    {"ser_exponential", "StackExchange.Redis ExponentialRetry(ConnectTimeout/2), 1 s heartbeat", k_ser_exp},
    {"ser_linear", "StackExchange.Redis LinearRetry, 1 s heartbeat", k_ser_lin},
    {"exponential_max_retries", "an application's own schedule (seed 004): retryDelay 1000 ms doubling, "
     "maxRetries 10, then stop", k_seed004},
    {"node_redis_v6_3", "node-redis 6.3.0 (@redis/client 6.3.0: strategy from retries = 1)", k_nr63},
};
static const reconnect_kind *const kind_ptrs[] = {
    &kinds[0], &kinds[1], &kinds[2], &kinds[3], &kinds[4],
    &kinds[5], &kinds[6], &kinds[7], &kinds[8], &kinds[9],
};
_Static_assert(sizeof kinds / sizeof kinds[0] == sizeof kind_ptrs / sizeof kind_ptrs[0], "registry in step");

/* Former names still found (one line each: old, current). */
static const char *const aliases[][2] = {
    {"seed004", "exponential_max_retries"},
};

const reconnect_kind *reconnect_kind_find(const char *name)
{
    for (size_t i = 0; name != NULL && i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(aliases[i][0], name) == 0)
            name = aliases[i][1];
    for (size_t i = 0; name != NULL && i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].name, name) == 0)
            return &kinds[i];
    return NULL;
}

const reconnect_kind *const *reconnect_kinds(size_t *n)
{
    *n = sizeof kind_ptrs / sizeof kind_ptrs[0];
    return kind_ptrs;
}

int reconnect_params_defaults(reconnect_params *p, const char *kind)
{
    const reconnect_kind *k = reconnect_kind_find(kind);
    if (k == NULL)
        return -1;
    *p = (reconnect_params){.kind = k->name, .base = 0, .cap = CP_INFINITE, .max_retries = -1,
                            .heartbeat = CP_SEC(1), .first_tick = CP_SEC(1)};
    if (strcmp(k->name, "ser_exponential") == 0) {
        p->base = CP_MS(2500); /* ConnectTimeout 5000 / 2 */
        p->cap = CP_SEC(10);   /* one-argument constructor: max(delta, 10000) */
    } else if (strcmp(k->name, "ser_linear") == 0) {
        p->base = CP_MS(2500);
    } else if (strcmp(k->name, "exponential_max_retries") == 0) {
        p->base = CP_MS(1000);
        p->max_retries = 10;
    }
    return 0;
}

int reconnect_params_validate(const reconnect_params *p, char *err, size_t errlen)
{
    const reconnect_kind *k = reconnect_kind_find(p->kind);
    if (k == NULL)
        return snprintf(err, errlen, "reconnect: unknown schedule '%s'", p->kind ? p->kind : "(null)"), -1;
    bool ser = strncmp(k->name, "ser_", 4) == 0;
    if (ser && (p->base < CP_MS(1) || p->heartbeat < CP_MS(1) || p->first_tick < 0))
        return snprintf(err, errlen, "reconnect %s: base and heartbeat must be >= 1 ms", k->name), -1;
    if (strcmp(k->name, "exponential_max_retries") == 0 && (p->base < 0 || p->max_retries < -1))
        return snprintf(err, errlen, "reconnect %s: base >= 0 and max_retries >= -1 required", k->name), -1;
    if (p->cap != CP_INFINITE && p->cap < 0)
        return snprintf(err, errlen, "reconnect %s: cap must be >= 0 or none", k->name), -1;
    return 0;
}

cp_ns reconnect_delay(const reconnect_params *p, int attempt, reconnect_error last, const cp_rand *r)
{
    const reconnect_kind *k = reconnect_kind_find(p->kind);
    assert(k != NULL && attempt >= 1);
    return k->delay(p, attempt, last, r);
}

/* --- stuck detection --------------------------------------------------- */

void reconnect_stuck_defaults(reconnect_stuck_params *p)
{
    p->stuck_retry_threshold = 50;
    p->auto_reset_interval = CP_SEC(30);
}

void reconnect_stuck_init(reconnect_stuck *s, const reconnect_stuck_params *p, cp_ns now)
{
    assert(p->stuck_retry_threshold >= 1 && p->auto_reset_interval > 0);
    s->p = *p;
    s->attempts = 0;
    s->last_progress = now;
    s->resets = 0;
}

void reconnect_stuck_on_attempt(reconnect_stuck *s, cp_ns now)
{
    (void)now;
    s->attempts++;
    assert(s->attempts > 0);
}

void reconnect_stuck_on_progress(reconnect_stuck *s, cp_ns now)
{
    s->attempts = 0;
    s->last_progress = now;
}

bool reconnect_stuck_is_stuck(const reconnect_stuck *s, cp_ns now)
{
    if (s->attempts == 0)
        return false; /* not retrying: nothing to be stuck in */
    return s->attempts >= s->p.stuck_retry_threshold || now - s->last_progress >= s->p.auto_reset_interval;
}

bool reconnect_stuck_force_reset_if_stuck(reconnect_stuck *s, cp_ns now)
{
    if (!reconnect_stuck_is_stuck(s, now))
        return false;
    s->attempts = 0;
    s->last_progress = now;
    s->resets++;
    return true;
}
