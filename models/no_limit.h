/* no_limit.h — the one spelling of "no limit" inside models/.
 *
 * Two quantity kinds, one sentinel each:
 *   NO_LIMIT     a count with no limit (attempts, items, a threshold, busy
 *                workers).  Any count field that can be unlimited holds
 *                NO_LIMIT; 0 is always the number zero.
 *   NO_LIMIT_NS  a duration with no limit (a timeout, a cap, a reset period,
 *                a mean time to failure): SIM_NEVER, the kernel's "never".
 * Crossings: config -> models once, in models/world/params.c (count_limit,
 * duration_limit); models -> policy/ once, in models/node_impl.h (from_cp,
 * to_cp_*) and redis_client.c (rc__reconnect_params, rc__backoff_spec).
 */
#ifndef CS_MODELS_NO_LIMIT_H
#define CS_MODELS_NO_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/core/common.h"

#define NO_LIMIT (-1)
#define NO_LIMIT_NS SIM_NEVER

static inline bool count_limited(int64_t v) { return v != NO_LIMIT; }
static inline bool duration_limited(sim_ns v) { return v != NO_LIMIT_NS; }

#endif
