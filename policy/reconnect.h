/* reconnect.h — Redis client reconnect schedules, pinned by client and
 * version, and seed 004's stuck-retry detector.
 *
 * resilience.md §3: ioredis <= v5 and v6 (§3.1), node-redis v4 and v5+
 * (§3.2), Redisson <= 3.47 (ConnectionWatchdog 2 << attempts, capped at
 * 2 << 12 ms) and >= 3.48 (reconnectionDelay EqualJitterDelay(100 ms,
 * 10 s), §3.3), StackExchange.Redis ExponentialRetry / LinearRetry polled
 * on the 1 s heartbeat (§3.4), and the seed-004 policy (retryDelay 1000,
 * exponential, maxRetries 10; stuck threshold 50 attempts, reset after 30 s
 * without progress). Left out: ioredis maxRetriesPerRequest, reconnectOnError.
 */
#ifndef CP_RECONNECT_H
#define CP_RECONNECT_H

#include "policy/cp_types.h"

/* "Do not reconnect": a strategy returning false / an Error. */
#define RECONNECT_STOP ((cp_ns)-1)

/* Why the last connection attempt (or the connection) failed. */
typedef enum reconnect_error {
    RECONNECT_ERR_OTHER = 0,
    RECONNECT_ERR_REFUSED,
    RECONNECT_ERR_SOCKET_TIMEOUT /* node-redis v5+: never reconnects after it */
} reconnect_error;

/* --- the formulas, each in its source's own attempt convention --------- */
cp_ns reconnect_ioredis_v5(int times);                   /* min(times*50, 2000) ms; times 1-based */
cp_ns reconnect_ioredis_v6(int times, const cp_rand *r); /* min(2^(times-1)*50, 5000) + floor(U*200) ms */
cp_ns reconnect_node_redis_v4(int retries);              /* min(retries*50, 500) ms; 0-based */
/* min(2^retries*50, 2000) + floor(U*200) ms; 0-based; STOP after a socket timeout */
cp_ns reconnect_node_redis_v5(int retries, reconnect_error last, const cp_rand *r);
cp_ns reconnect_redisson_347(int attempts);              /* 2 << min(attempts, 12) ms; 1-based */
cp_ns reconnect_redisson_348(int attempt, const cp_rand *r); /* EqualJitterDelay(100 ms, 10 s); 0-based */
/* SE.Redis ExponentialRetry(delta, max).ShouldRetry(n, elapsed): threshold
 * drawn afresh on each call, uniform int in [delta, min(max, delta*1.1^n)) ms */
bool reconnect_ser_exponential_should_retry(cp_ns delta, cp_ns max, long n, cp_ns elapsed, const cp_rand *r);
bool reconnect_ser_linear_should_retry(cp_ns period, cp_ns elapsed); /* elapsed >= period */
/* The heartbeat helper: ShouldRetry is only polled on heartbeat ticks while
 * disconnected. Ticks fall at first_tick + k*heartbeat after the last
 * attempt; returns the elapsed time of the first tick at which the policy
 * says yes (a new draw per tick). linear: period > 0 picks LinearRetry. */
cp_ns reconnect_ser_next_tick(cp_ns delta, cp_ns max, cp_ns linear_period, long n, cp_ns first_tick,
                              cp_ns heartbeat, const cp_rand *r);
/* seed 004: min(retryDelay*2^(n-1), cap) for n = 1..maxRetries, then STOP */
cp_ns reconnect_seed004(cp_ns retry_delay, cp_ns cap, int max_retries, int n);

/* --- named schedules --------------------------------------------------- */
typedef struct reconnect_params {
    const char *kind;
    cp_ns base;        /* seed004 retryDelay; SER delta; LinearRetry period */
    cp_ns cap;         /* seed004 cap (default none); SER max (default 10 s;
                          none or < delta: max(delta, 10 s), the 1-arg constructor) */
    int max_retries;   /* seed004 maxRetries (10); -1 = unlimited */
    cp_ns heartbeat;   /* SER HeartbeatInterval (1 s) */
    cp_ns first_tick;  /* SER: time from an attempt to the next tick (= heartbeat) */
} reconnect_params;

typedef struct reconnect_kind {
    const char *name;
    const char *pinned; /* client and version the formula belongs to */
    /* delay before reconnect attempt `attempt` (1-based: the first attempt
     * after the connection was lost is 1), or RECONNECT_STOP */
    cp_ns (*delay)(const reconnect_params *p, int attempt, reconnect_error last, const cp_rand *r);
} reconnect_kind;

/* Kinds: ioredis_v5, ioredis_v6, node_redis_v4, node_redis_v5,
 * redisson_3_47, redisson_3_48, ser_exponential, ser_linear, exponential_max_retries (seed 004;
 * "seed004" is still found),
 * node_redis_v6_3 (the v5 formula from retries = 1: 100, 200, ... + U[0,200) ms). */
const reconnect_kind *reconnect_kind_find(const char *name);
const reconnect_kind *const *reconnect_kinds(size_t *n);
int reconnect_params_defaults(reconnect_params *p, const char *kind);
/* 0 if usable, else -1 and a message naming the schedule and field */
int reconnect_params_validate(const reconnect_params *p, char *err, size_t errlen);
cp_ns reconnect_delay(const reconnect_params *p, int attempt, reconnect_error last, const cp_rand *r);

/* --- seed 004 stuck-retry detection ------------------------------------
 * isStuckInRetry(): attempts without success reached the threshold, or no
 * progress for autoResetInterval while retrying. forceResetIfStuck()
 * clears the counters; the caller then restarts its schedule at attempt 1
 * (which is what lets a maxRetries-limited client try again). */
typedef struct reconnect_stuck_params {
    int stuck_retry_threshold; /* 50 */
    cp_ns auto_reset_interval; /* 30 s */
} reconnect_stuck_params;

typedef struct reconnect_stuck {
    reconnect_stuck_params p;
    int attempts;        /* attempts since the last progress or reset */
    cp_ns last_progress; /* last success, reset or start */
    int resets;          /* forced resets so far */
} reconnect_stuck;

void reconnect_stuck_defaults(reconnect_stuck_params *p);
void reconnect_stuck_init(reconnect_stuck *s, const reconnect_stuck_params *p, cp_ns now);
void reconnect_stuck_on_attempt(reconnect_stuck *s, cp_ns now);
void reconnect_stuck_on_progress(reconnect_stuck *s, cp_ns now); /* connected / command ok */
bool reconnect_stuck_is_stuck(const reconnect_stuck *s, cp_ns now);
/* If stuck: reset and return true. */
bool reconnect_stuck_force_reset_if_stuck(reconnect_stuck *s, cp_ns now);

#endif
