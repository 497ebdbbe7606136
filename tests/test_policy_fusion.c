/* test_policy_fusion.c — stampede protection and freshness decisions from
 * fusioncache.md §1-§2 (memory lock, distributed lock, soft/hard
 * timeouts, fail-safe, expiry arithmetic, eager refresh), XFetch
 * (resilience.md §4.b) and the HCL outage TTL clamp (§1.5). */
#include <criterion/criterion.h>
#include <math.h>

#include "policy/cachepolicy.h"

#define S(x) CP_SEC(x)
#define MSx(x) CP_MS(x)
#define DRAWS 100000
#define INF CP_INFINITE

typedef struct sm64 {
    uint64_t s;
} sm64;
static double sm_uniform(void *ctx)
{
    sm64 *g = ctx;
    uint64_t z = (g->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}
static double fixed_uniform(void *ctx)
{
    return *(double *)ctx;
}

static fc_entry_options opts(void)
{
    fc_entry_options o;
    fc_entry_options_defaults(&o);
    return o;
}

Test(policy_fusion, entry_option_defaults)
{
    fc_entry_options o = opts();
    cr_assert_eq(o.duration, S(30));
    cr_assert_eq(o.lock_timeout, INF);
    cr_assert_eq(o.memory_lock_timeout, CP_UNSET);
    cr_assert_not(o.is_fail_safe_enabled);
    cr_assert_eq(o.fail_safe_max_duration, S(86400));
    cr_assert_eq(o.fail_safe_throttle_duration, S(30));
    cr_assert_eq(o.factory_soft_timeout, INF);
    cr_assert_eq(o.factory_hard_timeout, INF);
    cr_assert(o.allow_timed_out_factory_background_completion);
    cr_assert_lt(o.eager_refresh_threshold, 0, "null");
}

Test(policy_fusion, memory_lock_timeout_choice)
{
    static const struct {
        cp_ns memory, lock, soft;
        bool fail_safe, stale;
        cp_ns want;
        const char *why;
    } rows[] = {
        {CP_UNSET, INF, INF, false, false, INF, "defaults: wait forever"},
        {CP_UNSET, MSx(100), INF, false, false, MSx(100), "MemoryLockTimeout ?? LockTimeout"},
        {MSx(50), MSx(100), INF, false, false, MSx(50), "MemoryLockTimeout wins"},
        {CP_UNSET, INF, MSx(200), true, true, MSx(200), "infinite + stale + fail-safe + finite soft -> soft"},
        {CP_UNSET, INF, MSx(200), true, false, INF, "no stale entry: no substitution"},
        {CP_UNSET, INF, MSx(200), false, true, INF, "fail-safe off: no substitution"},
        {CP_UNSET, INF, INF, true, true, INF, "soft timeout infinite: no substitution"},
        {MSx(500), INF, MSx(200), true, true, MSx(500), "a finite lock timeout is never replaced"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fc_entry_options o = opts();
        o.memory_lock_timeout = rows[i].memory;
        o.lock_timeout = rows[i].lock;
        o.factory_soft_timeout = rows[i].soft;
        o.is_fail_safe_enabled = rows[i].fail_safe;
        cr_expect_eq(stampede_memory_lock_timeout(&o, rows[i].stale), rows[i].want, "%s", rows[i].why);
    }
}

Test(policy_fusion, three_outcomes_of_the_memory_lock)
{
    static const struct {
        bool acquired, fail_safe, stale;
        stampede_lock_outcome want;
    } rows[] = {
        {true, false, false, STAMPEDE_LOCKED},          {true, true, true, STAMPEDE_LOCKED},
        {false, true, true, STAMPEDE_RETURN_STALE},     {false, true, false, STAMPEDE_PROCEED_UNLOCKED},
        {false, false, true, STAMPEDE_PROCEED_UNLOCKED}, {false, false, false, STAMPEDE_PROCEED_UNLOCKED},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fc_entry_options o = opts();
        o.is_fail_safe_enabled = rows[i].fail_safe;
        stampede_lock_outcome got = stampede_after_memory_lock(rows[i].acquired, &o, rows[i].stale);
        cr_expect_eq(got, rows[i].want, "row %zu: got %s", i, stampede_lock_outcome_name(got));
    }
}

Test(policy_fusion, l2_is_read_only_when_usable)
{
    fc_entry_options o = opts();
    cr_assert(stampede_should_read_l2(true, &o, true, false));
    cr_assert_not(stampede_should_read_l2(false, &o, true, false), "no L2");
    cr_assert_not(stampede_should_read_l2(true, &o, false, false), "breaker open");
    cr_assert(stampede_should_read_l2(true, &o, true, true), "stale L1 alone does not skip");
    o.skip_distributed_cache_read_when_stale = true;
    cr_assert_not(stampede_should_read_l2(true, &o, true, true));
    cr_assert(stampede_should_read_l2(true, &o, true, false));
    o = opts();
    o.skip_distributed_cache_read = true;
    cr_assert_not(stampede_should_read_l2(true, &o, true, false));
}

Test(policy_fusion, distributed_lock_decisions)
{
    fc_entry_options o = opts();
    cr_assert(stampede_use_distributed_lock(true, &o));
    cr_assert_not(stampede_use_distributed_lock(false, &o));
    o.skip_distributed_locker = true;
    cr_assert_not(stampede_use_distributed_lock(true, &o));
    o = opts();
    cr_assert_eq(stampede_distributed_lock_timeout(&o), INF, "default: infinite");
    o.lock_timeout = S(2);
    cr_assert_eq(stampede_distributed_lock_timeout(&o), S(2));
    o.distributed_lock_timeout = S(1);
    cr_assert_eq(stampede_distributed_lock_timeout(&o), S(1));
    o = opts();
    o.is_fail_safe_enabled = true;
    o.factory_soft_timeout = MSx(100);
    cr_assert_eq(stampede_distributed_lock_timeout(&o), INF, "no soft-timeout substitution for this lock");
    cr_assert_eq(stampede_after_distributed_lock(true, true), STAMPEDE_DLOCK_RECHECK_L2);
    cr_assert_eq(stampede_after_distributed_lock(true, false), STAMPEDE_DLOCK_FACTORY);
    cr_assert_eq(stampede_after_distributed_lock(false, true), STAMPEDE_DLOCK_FACTORY,
                 "not acquired: straight to the factory, no L2 re-check");
}

Test(policy_fusion, eager_refresh_try_locks)
{
    cr_assert_eq(stampede_eager_lock_timeout(), 0);
    static const struct {
        bool due, mem, use_d, dist;
        stampede_eager want;
    } rows[] = {
        {false, true, false, false, STAMPEDE_EAGER_NOT_DUE},
        {true, false, false, false, STAMPEDE_EAGER_SKIP_MEMORY_BUSY},
        {true, true, true, false, STAMPEDE_EAGER_SKIP_REMOTE_BUSY},
        {true, true, true, true, STAMPEDE_EAGER_START},
        {true, true, false, false, STAMPEDE_EAGER_START},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        cr_expect_eq(stampede_eager_decision(rows[i].due, rows[i].mem, rows[i].use_d, rows[i].dist), rows[i].want,
                     "row %zu", i);
}

Test(policy_fusion, soft_timeout_needs_fail_safe_and_a_fallback)
{
    static const struct {
        bool fail_safe, fallback;
        cp_ns soft, hard, want;
    } rows[] = {
        {false, false, INF, INF, INF},          {true, true, INF, INF, INF},
        {false, true, MSx(100), S(2), S(2)},    {true, false, MSx(100), S(2), S(2)},
        {true, true, MSx(100), S(2), MSx(100)}, {true, true, S(3), S(2), S(2)},
        {true, true, MSx(100), INF, MSx(100)},  {false, false, MSx(100), INF, INF},
        {true, true, 0, INF, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fc_entry_options o = opts();
        o.is_fail_safe_enabled = rows[i].fail_safe;
        o.factory_soft_timeout = o.distributed_cache_soft_timeout = rows[i].soft;
        o.factory_hard_timeout = o.distributed_cache_hard_timeout = rows[i].hard;
        cr_expect_eq(timeouts_factory(&o, rows[i].fallback), rows[i].want, "factory row %zu", i);
        cr_expect_eq(timeouts_l2_read(&o, rows[i].fallback), rows[i].want, "L2 row %zu", i);
    }
}

Test(policy_fusion, soft_versus_hard_and_background_completion)
{
    fc_entry_options o = opts();
    o.is_fail_safe_enabled = true;
    o.factory_soft_timeout = MSx(100);
    o.factory_hard_timeout = S(2);
    cr_assert(timeouts_factory_is_soft(&o, true, timeouts_factory(&o, true)));
    cr_assert_not(timeouts_factory_is_soft(&o, false, timeouts_factory(&o, false)));
    cr_assert(timeouts_factory_background_completion(&o, true));
    cr_assert_not(timeouts_factory_background_completion(&o, false));
    o.allow_timed_out_factory_background_completion = false;
    cr_assert_not(timeouts_factory_background_completion(&o, true));
}

Test(policy_fusion, fail_safe_priority_and_throttle)
{
    static const struct {
        bool fs, l1, l2, dflt;
        cp_ns l1_ts, l2_ts;
        failsafe_source want;
    } rows[] = {
        {false, true, true, true, 1, 2, FAILSAFE_NONE},
        {true, false, true, false, 0, 5, FAILSAFE_FROM_L2},
        {true, true, true, false, 5, 9, FAILSAFE_FROM_L2},
        {true, true, true, false, 9, 9, FAILSAFE_FROM_L1},
        {true, true, true, false, 9, 5, FAILSAFE_FROM_L1},
        {true, true, false, true, 9, 0, FAILSAFE_FROM_L1},
        {true, false, false, true, 0, 0, FAILSAFE_DEFAULT_VALUE},
        {true, false, false, false, 0, 0, FAILSAFE_NONE},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fc_entry_options o = opts();
        o.is_fail_safe_enabled = rows[i].fs;
        failsafe_input in = {.has_l1_entry = rows[i].l1, .l1_timestamp = rows[i].l1_ts,
                             .has_l2_entry = rows[i].l2, .l2_timestamp = rows[i].l2_ts,
                             .has_default_value = rows[i].dflt};
        failsafe_result r = failsafe_activate(&o, &in, S(100));
        cr_expect_eq(r.source, rows[i].want, "row %zu: got %s", i, failsafe_source_name(r.source));
        if (r.source != FAILSAFE_NONE) {
            cr_expect_eq(r.logical_expiry, S(130), "now + FailSafeThrottleDuration, no jitter");
            cr_expect(r.stale);
        }
    }
}

Test(policy_fusion, l1_logical_expiry_with_jitter)
{
    sm64 g = {1};
    cp_rand r = {sm_uniform, &g};
    fc_entry_options o = opts();
    cr_assert_eq(fresh_l1_logical_expiry(&o, S(10), &r), S(40), "now + Duration");
    o.memory_cache_duration = S(5);
    cr_assert_eq(fresh_l1_logical_expiry(&o, S(10), &r), S(15), "MemoryCacheDuration ?? Duration");
    o = opts();
    o.jitter_max_duration = S(2);
    double sum = 0;
    for (int i = 0; i < DRAWS; i++) {
        cp_ns e = fresh_l1_logical_expiry(&o, 0, &r);
        cr_assert(e >= S(30) && e < S(32), "U[0, JitterMaxDuration)");
        sum += (double)(e - S(30));
    }
    cr_assert(fabs(sum / DRAWS - 1e9) < 0.01 * 1e9, "mean jitter = max/2");
}

Test(policy_fusion, l1_physical_expiry)
{
    double u = 0.5;
    cp_rand half = {fixed_uniform, &u};
    fc_entry_options o = opts();
    cr_assert_eq(fresh_l1_physical_expiry(&o, S(10), &half), S(40), "fail-safe off: the duration");
    o.is_fail_safe_enabled = true;
    cr_assert_eq(fresh_l1_physical_expiry(&o, S(10), &half), S(10) + S(86400), "max(FailSafeMaxDuration, d)");
    o.fail_safe_max_duration = S(5);
    cr_assert_eq(fresh_l1_physical_expiry(&o, S(10), &half), S(40), "max picks the longer");
    o = opts();
    o.duration = 0;
    cr_assert_eq(fresh_l1_physical_expiry(&o, S(10), &half), FRESH_REMOVE, "d <= 0 without fail-safe: remove");
    o.jitter_max_duration = S(2);
    o.duration = S(30);
    cr_assert_eq(fresh_l1_physical_expiry(&o, 0, &half), S(31), "jitter added to the physical expiry too");
}

Test(policy_fusion, logical_and_physical_jitter_are_independent_draws)
{
    sm64 g = {2};
    cp_rand r = {sm_uniform, &g};
    fc_entry_options o = opts();
    o.is_fail_safe_enabled = true;
    o.fail_safe_max_duration = S(30); /* same base duration for both */
    o.jitter_max_duration = S(10);
    int differ = 0;
    for (int i = 0; i < 1000; i++) {
        cp_ns l = fresh_l1_logical_expiry(&o, 0, &r);
        cp_ns p = fresh_l1_physical_expiry(&o, 0, &r);
        differ += l != p;
    }
    cr_assert_gt(differ, 990);
}

Test(policy_fusion, stale_entries_and_l2_copies)
{
    fc_entry_options o = opts();
    cr_assert_eq(fresh_l1_stale_logical_expiry(&o, S(100)), S(130));
    cr_assert_eq(fresh_l1_from_l2_logical_expiry(&o, S(100), S(500), NULL), S(500), "kept as is");
    o.memory_cache_duration = S(10);
    cr_assert_eq(fresh_l1_from_l2_logical_expiry(&o, S(100), S(500), NULL), S(110), "clamped to now + MemoryCacheDuration");
    cr_assert_eq(fresh_l1_from_l2_logical_expiry(&o, S(100), S(105), NULL), S(105));
}

Test(policy_fusion, early_fusioncache_l2_copy_gets_its_own_jittered_expiry)
{
    sm64 g = {3};
    cp_rand r = {sm_uniform, &g};
    fc_entry_options o = opts();
    o.l1_copy_own_expiry = true;
    cr_assert_eq(fresh_l1_from_l2_logical_expiry(&o, S(100), S(500), &r), S(130),
                 "now + Duration, not the L2 expiration");
    o.jitter_max_duration = S(10);
    int spread = 0;
    cp_ns first = fresh_l1_from_l2_logical_expiry(&o, S(100), S(500), &r);
    for (int i = 0; i < 200; i++) {
        cp_ns x = fresh_l1_from_l2_logical_expiry(&o, S(100), S(500), &r);
        cr_assert(x >= S(130) && x < S(140), "within now + Duration + [0, JitterMaxDuration)");
        spread += x != first;
    }
    cr_assert_gt(spread, 190, "an independent draw per copy");
    o.is_fail_safe_enabled = true; /* the copy has metadata: L2's expiration + jitter */
    for (int i = 0; i < 200; i++) {
        cp_ns x = fresh_l1_from_l2_logical_expiry(&o, S(100), S(500), &r);
        cr_assert(x >= S(500) && x < S(510), "L2 expiration + [0, JitterMaxDuration)");
    }
}

Test(policy_fusion, l2_expiry_and_ttl)
{
    fc_entry_options o = opts();
    cr_assert_eq(fresh_l2_logical_expiry(&o, S(7)), S(37), "Timestamp + Duration, no jitter");
    o.distributed_cache_duration = S(60);
    cr_assert_eq(fresh_l2_logical_expiry(&o, S(7)), S(67));
    cr_assert_eq(fresh_l2_physical_ttl(&o), S(60), "fail-safe off: the duration");
    o.is_fail_safe_enabled = true;
    cr_assert_eq(fresh_l2_physical_ttl(&o), S(86400));
    o.distributed_cache_fail_safe_max_duration = S(3600);
    cr_assert_eq(fresh_l2_physical_ttl(&o), S(3600));
    o.distributed_cache_fail_safe_max_duration = S(10);
    cr_assert_eq(fresh_l2_physical_ttl(&o), S(60), "incoherent: the duration is used");
}

Test(policy_fusion, eager_refresh_point)
{
    fc_entry_options o = opts();
    cr_assert_eq(fresh_eager_point(&o, 0, S(30)), CP_NEVER, "null threshold");
    static const struct {
        double th;
        cp_ns want;
    } rows[] = {{0.9, S(27)}, {0.5, S(15)}, {0.0, CP_NEVER}, {1.0, CP_NEVER}, {1.5, CP_NEVER}, {-0.2, CP_NEVER}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        o.eager_refresh_threshold = rows[i].th;
        cr_expect_eq(fresh_eager_point(&o, 0, S(30)), rows[i].want, "threshold %.2f", rows[i].th);
    }
    cr_assert_not(fresh_eager_due(S(27), S(30), S(27) - 1));
    cr_assert(fresh_eager_due(S(27), S(30), S(27)));
    cr_assert(fresh_eager_due(S(27), S(30), S(30) - 1));
    cr_assert_not(fresh_eager_due(S(27), S(30), S(30)), "expired: a normal miss, not eager");
    cr_assert_not(fresh_eager_due(CP_NEVER, S(30), S(29)));
    cr_assert(fresh_is_valid(S(30), S(30)), "valid while LogicalExpiration >= now");
    cr_assert_not(fresh_is_valid(S(30), S(30) + 1));
}

Test(policy_fusion, xfetch_gap_is_exponential_scaled_by_delta_beta)
{
    double u = 0.0;
    cp_rand zero = {fixed_uniform, &u};
    cr_assert_eq(fresh_xfetch_gap(S(3), 1.0, &zero), 0, "U = 1 - 0 = 1: ln 1 = 0");
    u = 1.0 - exp(-1.0); /* U = e^-1: gap = delta * beta */
    cr_assert(llabs(fresh_xfetch_gap(S(3), 2.0, &zero) - S(6)) <= 1);
    sm64 g = {3};
    cp_rand r = {sm_uniform, &g};
    double sum = 0;
    for (int i = 0; i < DRAWS; i++)
        sum += (double)fresh_xfetch_gap(S(3), 1.5, &r);
    cr_assert(fabs(sum / DRAWS - 4.5e9) < 0.01 * 4.5e9, "mean = delta * beta");
}

Test(policy_fusion, xfetch_recomputes_earlier_with_larger_beta)
{
    sm64 g = {4};
    cp_rand r = {sm_uniform, &g};
    /* 1 s before expiry, delta = 1 s: P(recompute) = P(Exp(1/beta) >= 1) = exp(-1/beta) */
    static const double betas[] = {0.5, 1.0, 2.0};
    for (size_t i = 0; i < 3; i++) {
        int yes = 0;
        for (int k = 0; k < DRAWS; k++)
            yes += fresh_xfetch_should_recompute(S(99), S(1), betas[i], S(100), &r);
        double want = exp(-1.0 / betas[i]);
        cr_assert(fabs((double)yes / DRAWS - want) < 0.01, "beta %.1f: %.4f vs %.4f", betas[i],
                  (double)yes / DRAWS, want);
    }
    cr_assert(fresh_xfetch_should_recompute(S(100), S(1), 1.0, S(100), &r), "at expiry always");
}

Test(policy_fusion, hcl_outage_clamp_for_existing_and_new_entries)
{
    static const struct {
        cp_ns expiry, outage, inserted;
        fresh_outage_from from;
        cp_ns want;
    } rows[] = {
        {S(1000), S(100), S(50), FRESH_OUTAGE_FROM_OUTAGE_START, S(400)},
        {S(200), S(100), S(50), FRESH_OUTAGE_FROM_OUTAGE_START, S(200)},
        {S(1000), S(100), S(50), FRESH_OUTAGE_FROM_INSERTION, S(350)},
        {CP_NEVER, S(100), S(50), FRESH_OUTAGE_FROM_OUTAGE_START, S(400)},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        cr_expect_eq(fresh_outage_clamp_existing(rows[i].expiry, rows[i].outage, rows[i].inserted, S(300),
                                                 rows[i].from),
                     rows[i].want, "row %zu", i);
    cr_assert_eq(fresh_outage_ttl_new(S(600), S(300)), S(300));
    cr_assert_eq(fresh_outage_ttl_new(S(60), S(300)), S(60));
}
