/* cachepolicy.h — the umbrella header of libcachepolicy: breakers, retry
 * and backoff, reconnect schedules, stampede and freshness decisions.
 * Depends on libc and libm only; time and randomness are passed in
 * (ARCHITECTURE.md rule 1). See policy/README.md for a service example.
 */
#ifndef CP_CACHEPOLICY_H
#define CP_CACHEPOLICY_H

#include "policy/cp_types.h"
#include "policy/breaker.h"
#include "policy/breaker_hcl.h"
#include "policy/breaker_sliding.h"
#include "policy/breaker_polly.h"
#include "policy/breaker_simple.h"
#include "policy/backoff.h"
#include "policy/retry.h"
#include "policy/reconnect.h"
#include "policy/fc_options.h"
#include "policy/timeouts.h"
#include "policy/stampede.h"
#include "policy/failsafe.h"
#include "policy/freshness.h"

#endif
