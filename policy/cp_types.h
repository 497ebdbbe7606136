/* cp_types.h — the few types every policy module shares: time, durations,
 * the injected random source and parameter descriptors.
 *
 * ARCHITECTURE.md rule 1: policy/ reads no clock and owns no RNG. Time is an
 * int64_t count of nanoseconds handed in as `now` (simulated time in the
 * simulator, CLOCK_MONOTONIC in a service); randomness comes from a cp_rand.
 * Names are CP_-prefixed so this header can sit next to sim/common.h, whose
 * MS()/SEC() macros it deliberately does not reuse.
 */
#ifndef CP_TYPES_H
#define CP_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int64_t cp_ns; /* nanoseconds: a point in time or a duration */

#define CP_US(x) ((cp_ns)(x) * 1000LL)
#define CP_MS(x) ((cp_ns)(x) * 1000000LL)
#define CP_SEC(x) ((cp_ns)(x) * 1000000000LL)

/* "Never" as a point in time (no deadline, entry never expires). */
#define CP_NEVER INT64_MAX
/* An infinite timeout: .NET's Timeout.InfiniteTimeSpan (-1 ms), which
 * FusionCache calls "none" (fusioncache.md header notes). */
#define CP_INFINITE ((cp_ns)-1)
/* An unset optional duration (a C# `TimeSpan?` that is null). */
#define CP_UNSET INT64_MIN

/* A source of uniform doubles in [0,1). The simulator wraps a named GSL
 * stream; a service wraps its own generator. Never NULL where required. */
typedef struct cp_rand {
    double (*uniform)(void *ctx);
    void *ctx;
} cp_rand;

/* One uniform draw in [0,1); asserts the source honours its contract. */
double cp_uniform(const cp_rand *r);

/* Parameter descriptors: a params struct described field by field, so a
 * config loader can set any breaker or schedule parameter by its source
 * name without knowing the struct (STYLE.md rule 10: one source of truth). */
typedef enum cp_param_type {
    CP_PARAM_INT,      /* int */
    CP_PARAM_DOUBLE,   /* double */
    CP_PARAM_DURATION, /* cp_ns; CP_INFINITE allowed where documented */
    CP_PARAM_BOOL,     /* bool */
    CP_PARAM_ENUM      /* int, value chosen by name from `choices` */
} cp_param_type;

typedef struct cp_param_desc {
    const char *name;    /* snake_case form of the source's own name */
    cp_param_type type;
    size_t offset;       /* offsetof(params struct, field) */
    const char *help;    /* one line; includes the default and its source */
    const char *const *choices; /* CP_PARAM_ENUM: NULL-terminated names */
} cp_param_desc;

/* Set field `name` of `params` (described by desc[0..n)) from a number.
 * Durations are in nanoseconds, bools are 0/1, enums take the choice index.
 * Returns 0, or -1 if the name is unknown or the value has the wrong shape. */
int cp_param_set_number(const cp_param_desc *desc, size_t n, void *params,
                        const char *name, double value);
/* Set an enum field by its choice name. Returns 0 or -1. */
int cp_param_set_choice(const cp_param_desc *desc, size_t n, void *params,
                        const char *name, const char *choice);
/* Find a descriptor by name, or NULL. */
const cp_param_desc *cp_param_find(const cp_param_desc *desc, size_t n, const char *name);
/* Read field `name` of `params` as the number cp_param_set_number takes
 * (durations in ns, bools 0/1, enums the choice index): a loader prints
 * and checks effective values without knowing the struct.  Returns 0, or
 * -1 if the name is unknown. */
int cp_param_get_number(const cp_param_desc *desc, size_t n, const void *params,
                        const char *name, double *out);

/* Milliseconds to cp_ns, saturating at CP_NEVER (large backoff results). */
static inline cp_ns cp_ms_sat(int64_t ms)
{
    return ms >= INT64_MAX / 1000000 ? CP_NEVER : (ms <= 0 ? 0 : (cp_ns)ms * 1000000);
}
/* t + d for a time and a non-negative duration, saturating at CP_NEVER. */
static inline cp_ns cp_add_sat(cp_ns t, cp_ns d)
{
    return (d >= 0 && t > CP_NEVER - d) ? CP_NEVER : t + d;
}

/* min over timeouts where CP_INFINITE means "no limit". */
cp_ns cp_timeout_min(cp_ns a, cp_ns b);

#endif
