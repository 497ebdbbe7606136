/* breaker_impl.h — what a breaker kind's file needs and a user never does:
 * the transition helper that keeps state and callback in step.
 * Include only from policy/breaker_*.c.
 */
#ifndef CP_BREAKER_IMPL_H
#define CP_BREAKER_IMPL_H

#include "policy/breaker.h"

/* Move the kind's own state to `to` and tell the callback. Asserts the
 * move is one a kind may make by itself (among CLOSED, OPEN, HALF_OPEN). */
void breaker_impl_move(breaker *b, breaker_state to, const char *reason, cp_ns now);

/* Outcome classes used by every kind. */
static inline bool breaker_outcome_is_failure(breaker_outcome o)
{
    return o == BREAKER_FAILURE || o == BREAKER_FAILURE_SYNTHETIC;
}

#endif
