/* breaker.c — the breaker registry and the generic layer every kind runs
 * under: creation from params, manual states (DISABLED, FORCED_OPEN,
 * METRICS_ONLY as in Resilience4j, resilience.md §2.1 "States"), the
 * transition callback and state names.
 * Adding a kind: write breaker_<kind>.c filling a breaker_ops, then add its
 * extern and one line to `kinds` below. Nothing else changes.
 */
#include "policy/breaker.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "policy/breaker_impl.h"

extern const breaker_ops breaker_hcl_v1_ops;
extern const breaker_ops breaker_sliding_window_ops;
extern const breaker_ops breaker_polly_ops;
extern const breaker_ops breaker_simple_ops;
extern const breaker_ops breaker_none_ops;

/* The registry: one line per kind. */
static const breaker_ops *const kinds[] = {
    &breaker_hcl_v1_ops,
    &breaker_sliding_window_ops,
    &breaker_polly_ops,
    &breaker_simple_ops,
    &breaker_none_ops,
};

static const char *const state_names[BREAKER_STATE_COUNT] = {
    [BREAKER_CLOSED] = "closed",           [BREAKER_OPEN] = "open",
    [BREAKER_HALF_OPEN] = "half_open",     [BREAKER_DISABLED] = "disabled",
    [BREAKER_FORCED_OPEN] = "forced_open", [BREAKER_METRICS_ONLY] = "metrics_only",
};

const breaker_ops *breaker_kind(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i]->name, name) == 0)
            return kinds[i];
    return NULL;
}

const breaker_ops *const *breaker_kinds(size_t *n)
{
    *n = sizeof kinds / sizeof kinds[0];
    return kinds;
}

const char *breaker_state_name(breaker_state s)
{
    assert(s >= 0 && s < BREAKER_STATE_COUNT);
    return state_names[s];
}

const char *breaker_name(const breaker *b)
{
    return b->ops->name;
}

breaker *breaker_create(const char *kind, const void *params, char *err, size_t errlen)
{
    const breaker_ops *ops = breaker_kind(kind);
    if (ops == NULL) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "unknown breaker kind '%s'", kind ? kind : "(null)");
        return NULL;
    }
    /* Params structs are small; this bound lets defaults live on the stack. */
    _Alignas(16) unsigned char defaults[512];
    assert(ops->params_size <= sizeof defaults);
    if (params == NULL) {
        ops->defaults(defaults);
        params = defaults;
    }
    char local[1];
    if (err == NULL || errlen == 0) {
        err = local;
        errlen = sizeof local;
    }
    err[0] = '\0';
    if (ops->validate != NULL && ops->validate(params, err, errlen) != 0)
        return NULL;
    breaker *b = ops->create(params);
    if (b == NULL) {
        snprintf(err, errlen, "%s: out of memory", kind);
        return NULL;
    }
    b->ops = ops;
    b->state = BREAKER_CLOSED;
    b->manual = BREAKER_CLOSED;
    b->on_transition = NULL;
    b->user = NULL;
    return b;
}

void breaker_free(breaker *b)
{
    if (b != NULL)
        b->ops->destroy(b);
}

void breaker_set_callback(breaker *b, breaker_transition_fn fn, void *user)
{
    b->on_transition = fn;
    b->user = user;
}

breaker_state breaker_get_state(const breaker *b)
{
    return b->manual != BREAKER_CLOSED ? b->manual : b->state;
}

static void notify(breaker *b, breaker_state from, breaker_state to, const char *reason, cp_ns now)
{
    if (b->on_transition != NULL && from != to)
        b->on_transition(from, to, reason, now, b->user);
}

void breaker_impl_move(breaker *b, breaker_state to, const char *reason, cp_ns now)
{
    assert(b->manual == BREAKER_CLOSED); /* manual states never transition */
    assert(to == BREAKER_CLOSED || to == BREAKER_OPEN || to == BREAKER_HALF_OPEN);
    breaker_state from = b->state;
    b->state = to;
    notify(b, from, to, reason, now);
}

bool breaker_allow(breaker *b, cp_ns now)
{
    switch (b->manual) {
    case BREAKER_DISABLED:
    case BREAKER_METRICS_ONLY:
        return true;
    case BREAKER_FORCED_OPEN:
        return false;
    default:
        return b->ops->allow(b, now);
    }
}

void breaker_record(breaker *b, cp_ns now, cp_ns duration, breaker_outcome outcome)
{
    assert(duration >= 0);
    switch (b->manual) {
    case BREAKER_DISABLED:
    case BREAKER_FORCED_OPEN:
        return; /* no metrics, no transitions */
    case BREAKER_METRICS_ONLY:
        assert(b->ops->observe != NULL);
        b->ops->observe(b, now, duration, outcome);
        return;
    default:
        b->ops->record(b, now, duration, outcome);
    }
}

void breaker_poll(breaker *b, cp_ns now)
{
    if (b->manual == BREAKER_CLOSED && b->ops->poll != NULL)
        b->ops->poll(b, now);
}

cp_ns breaker_deadline(const breaker *b)
{
    if (b->manual != BREAKER_CLOSED || b->ops->deadline == NULL)
        return CP_NEVER;
    return b->ops->deadline(b);
}

int breaker_transition(breaker *b, breaker_state to, cp_ns now)
{
    return breaker_transition_why(b, to, now, "manual");
}

int breaker_transition_why(breaker *b, breaker_state to, cp_ns now, const char *reason)
{
    assert(reason != NULL);
    breaker_state from = breaker_get_state(b);
    switch (to) {
    case BREAKER_CLOSED:
        b->ops->reset(b, now);
        b->manual = BREAKER_CLOSED;
        b->state = BREAKER_CLOSED;
        notify(b, from, to, reason, now);
        return 0;
    case BREAKER_OPEN:
        if (b->ops->open == NULL)
            return -1;
        if (b->manual != BREAKER_CLOSED) {
            /* leave the manual state; the callback then sees manual -> open */
            b->ops->reset(b, now);
            b->state = b->manual;
            b->manual = BREAKER_CLOSED;
        }
        b->ops->open(b, now); /* the kind reports the move itself */
        return 0;
    case BREAKER_METRICS_ONLY:
        if (b->ops->observe == NULL)
            return -1;
        /* fall through */
    case BREAKER_DISABLED:
    case BREAKER_FORCED_OPEN:
        /* Resilience4j builds fresh metrics for each manual state. */
        b->ops->reset(b, now);
        b->state = BREAKER_CLOSED;
        b->manual = to;
        notify(b, from, to, reason, now);
        return 0;
    case BREAKER_HALF_OPEN:
    default:
        return -1;
    }
}

int breaker_params_set(const char *kind, void *params, const char *name, double value)
{
    const breaker_ops *ops = breaker_kind(kind);
    if (ops == NULL)
        return -1;
    return cp_param_set_number(ops->param_desc, ops->n_param_desc, params, name, value);
}
