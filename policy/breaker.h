/* breaker.h — the circuit-breaker interface and its registry by name.
 *
 * One interface, many kinds (STYLE.md rule 4): every kind fills a
 * breaker_ops table and adds one line to the registry in breaker.c. Kinds:
 * hcl_v1 (resilience.md §1.2), sliding_window (Resilience4j, §2.1/§1.3),
 * polly (Polly v8, §2.2), simple (FusionCache, fusioncache.md §2), none.
 * A breaker is an independent instance: scope (per client, per cache or
 * shard, §1.4) is the caller's choice. Results are recorded when a call
 * completes (§5 trap 1). Manual states DISABLED / FORCED_OPEN (all kinds)
 * and METRICS_ONLY (kinds with metrics) wrap the kind's own machine.
 */
#ifndef CP_BREAKER_H
#define CP_BREAKER_H

#include "policy/cp_types.h"

typedef enum breaker_state {
    BREAKER_CLOSED = 0,
    BREAKER_OPEN,
    BREAKER_HALF_OPEN,
    BREAKER_DISABLED,
    BREAKER_FORCED_OPEN,
    BREAKER_METRICS_ONLY,
    BREAKER_STATE_COUNT
} breaker_state;

/* What a completed call reports. */
typedef enum breaker_outcome {
    BREAKER_SUCCESS = 0,
    BREAKER_FAILURE,           /* error or real timeout from the client */
    BREAKER_FAILURE_SYNTHETIC, /* caller-side synthetic timeout (FusionCache
                                  soft/hard timeouts): never trips `simple`,
                                  counts as a failure for the others */
    BREAKER_IGNORED            /* Resilience4j ignoreExceptions: gives a
                                  half-open permit back, records nothing */
} breaker_outcome;

/* Called on every state change, after it happened. `reason` is a short
 * static string ("failure_rate", "wait_elapsed", "forced", ...). */
typedef void (*breaker_transition_fn)(breaker_state from, breaker_state to,
                                      const char *reason, cp_ns now, void *user);

typedef struct breaker breaker;

/* The operations a kind provides. `create` allocates everything the
 * instance will ever need (ring buffers included); allow/record/poll never
 * allocate and are O(1) amortised. */
typedef struct breaker_ops {
    const char *name;
    const char *summary;
    size_t params_size;
    void (*defaults)(void *params);
    const cp_param_desc *param_desc;
    size_t n_param_desc;
    /* 0 if params are usable; else -1 and a message naming the parameter */
    int (*validate)(const void *params, char *err, size_t errlen);
    breaker *(*create)(const void *params);
    void (*destroy)(breaker *b);
    bool (*allow)(breaker *b, cp_ns now);
    void (*record)(breaker *b, cp_ns now, cp_ns duration, breaker_outcome outcome);
    /* apply time-driven transitions due at `now` (automatic half-open,
     * max wait in half-open); may be NULL */
    void (*poll)(breaker *b, cp_ns now);
    /* next time `poll` would change something, or CP_NEVER; may be NULL */
    cp_ns (*deadline)(const breaker *b);
    /* return to an empty CLOSED machine (no callback); required */
    void (*reset)(breaker *b, cp_ns now);
    /* record into metrics with transitions off (METRICS_ONLY); NULL if the
     * kind keeps no metrics, and then METRICS_ONLY is refused */
    void (*observe)(breaker *b, cp_ns now, cp_ns duration, breaker_outcome outcome);
    /* move to OPEN by hand (Resilience4j transitionToOpenState); NULL: refused */
    void (*open)(breaker *b, cp_ns now);
} breaker_ops;

/* The common head of every instance; a kind embeds it as its first member. */
struct breaker {
    const breaker_ops *ops;
    breaker_state state;  /* the kind's own state: CLOSED, OPEN or HALF_OPEN */
    breaker_state manual; /* BREAKER_CLOSED = none, else DISABLED /
                             FORCED_OPEN / METRICS_ONLY */
    breaker_transition_fn on_transition;
    void *user;
};

/* --- registry --------------------------------------------------------- */

/* The kind named `name` ("hcl_v1", "sliding_window", "polly", "simple",
 * "none"), or NULL. */
const breaker_ops *breaker_kind(const char *name);
/* Kinds in registry order; *n receives the count. */
const breaker_ops *const *breaker_kinds(size_t *n);

/* --- lifecycle -------------------------------------------------------- */

/* Create a breaker of `kind` from `params` (a pointer to that kind's params
 * struct; NULL means its documented defaults). Returns NULL and fills err
 * if the kind is unknown or the params are invalid. */
breaker *breaker_create(const char *kind, const void *params, char *err, size_t errlen);
void breaker_free(breaker *b);
/* Install the transition callback (NULL to remove). */
void breaker_set_callback(breaker *b, breaker_transition_fn fn, void *user);

/* --- the calls a client makes ----------------------------------------- */

/* May a call start now? May change state (lazy OPEN->HALF_OPEN) and, in
 * HALF_OPEN, consumes a permit when it says yes. */
bool breaker_allow(breaker *b, cp_ns now);
/* Report a completed call: its completion time, how long it took, outcome. */
void breaker_record(breaker *b, cp_ns now, cp_ns duration, breaker_outcome outcome);
static inline void breaker_success(breaker *b, cp_ns now, cp_ns duration)
{
    breaker_record(b, now, duration, BREAKER_SUCCESS);
}
static inline void breaker_failure(breaker *b, cp_ns now, cp_ns duration)
{
    breaker_record(b, now, duration, BREAKER_FAILURE);
}
/* Apply transitions that are due by time alone. A simulator calls this at
 * breaker_deadline(); a service may call it from a timer or not at all. */
void breaker_poll(breaker *b, cp_ns now);
cp_ns breaker_deadline(const breaker *b);

/* Current state (manual state if one is set). */
breaker_state breaker_get_state(const breaker *b);
/* Short state names for the transitions table: "closed", "open",
 * "half_open", "disabled", "forced_open", "metrics_only". */
const char *breaker_state_name(breaker_state s);
const char *breaker_name(const breaker *b);

/* Manual transitions (Resilience4j transitionTo*, Polly Isolate/Close,
 * FusionCache force-close): CLOSED resets to an empty closed machine and
 * leaves any manual state; DISABLED, FORCED_OPEN, METRICS_ONLY enter that
 * manual state; OPEN opens by hand where the kind supports it.
 * Returns 0, or -1 if the kind does not support the target. */
int breaker_transition(breaker *b, breaker_state to, cp_ns now);
/* The same with the reason the callback reports (default "manual"), e.g.
 * "backplane_message" for FusionCache's force-close. */
int breaker_transition_why(breaker *b, breaker_state to, cp_ns now, const char *reason);

/* Set a parameter of `kind` by its source name (see cp_param_set_number). */
int breaker_params_set(const char *kind, void *params, const char *name, double value);

#endif
