/* stampede.h — request coalescing and lock decisions of FusionCache's
 * GetOrSet (fusioncache.md §1 B, C, E, F): which memory-lock timeout to
 * use (with the fail-safe soft-timeout substitution), what happens when
 * the lock is or is not acquired, whether L2 is read, the distributed lock
 * (v2.5.0+) and the eager-refresh try-locks.
 * The locks themselves (queues, waiters, SET NX PX) are the caller's; this
 * module only decides. Left out: tag/Clear secondary expiration checks.
 */
#ifndef CP_STAMPEDE_H
#define CP_STAMPEDE_H

#include "policy/fc_options.h"

/* GetAppropriateMemoryLockTimeout: MemoryLockTimeout ?? LockTimeout; if that
 * is infinite AND a stale L1 entry exists AND fail-safe is on AND
 * FactorySoftTimeout is finite, FactorySoftTimeout instead (§1 C). */
cp_ns stampede_memory_lock_timeout(const fc_entry_options *o, bool has_stale_l1);

/* The three outcomes of waiting on the memory lock (§1 C). */
typedef enum stampede_lock_outcome {
    STAMPEDE_LOCKED = 0,       /* acquired: re-check L1 under the lock (§1 D) */
    STAMPEDE_RETURN_STALE,     /* timed out, fail-safe on, stale L1: return it, write nothing */
    STAMPEDE_PROCEED_UNLOCKED  /* timed out otherwise: continue without the lock
                                  (coalescing lost, duplicate factories possible) */
} stampede_lock_outcome;

stampede_lock_outcome stampede_after_memory_lock(bool acquired, const fc_entry_options *o, bool has_stale_l1);
const char *stampede_lock_outcome_name(stampede_lock_outcome o);

/* Is L2 read at step E? (L2 configured, not skipped, breaker closed, and
 * not "stale L1 with SkipDistributedCacheReadWhenStale") */
bool stampede_should_read_l2(bool has_l2, const fc_entry_options *o, bool l2_breaker_closed, bool has_stale_l1);

/* Distributed lock (§1 F): taken only with a locker and not skipped;
 * timeout DistributedLockTimeout ?? LockTimeout, no soft substitution. */
bool stampede_use_distributed_lock(bool has_locker, const fc_entry_options *o);
cp_ns stampede_distributed_lock_timeout(const fc_entry_options *o);

typedef enum stampede_dlock_next {
    STAMPEDE_DLOCK_RECHECK_L2 = 0, /* acquired and L2 in use: read L2 again first */
    STAMPEDE_DLOCK_FACTORY         /* acquired without L2, or not acquired (timeout
                                      or locker error): straight to the factory,
                                      no L2 re-check, no fail-safe shortcut */
} stampede_dlock_next;

stampede_dlock_next stampede_after_distributed_lock(bool acquired, bool l2_in_use);

/* Eager refresh (§1 B): when due, try the memory lock with timeout 0, then
 * (with a locker) the distributed lock with timeout 0. */
typedef enum stampede_eager {
    STAMPEDE_EAGER_NOT_DUE = 0,
    STAMPEDE_EAGER_SKIP_MEMORY_BUSY,   /* memory lock not acquired: nothing happens */
    STAMPEDE_EAGER_SKIP_REMOTE_BUSY,   /* "already occurring on another node": release, skip */
    STAMPEDE_EAGER_START               /* run the factory in the background, no L2 re-check */
} stampede_eager;

/* The lock timeout eager refresh uses: always 0. */
cp_ns stampede_eager_lock_timeout(void);
stampede_eager stampede_eager_decision(bool due, bool memory_acquired, bool use_distributed_lock,
                                       bool distributed_acquired);

#endif
