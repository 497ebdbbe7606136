/* test_defaults.c — one source per default (issue 11): what a node runs
 * with when the config says nothing (the schema's defaults, mapped by
 * models/world/params.c) equals node_defaults(), whose FusionCache option
 * defaults come from the policy library (fc_entry_options_defaults).  A
 * default changed in one place and not the other fails here. */
#include <criterion/criterion.h>
#include <string.h>

#include "models/world/world_impl.h"
#include "policy/fc_options.h"
#include "sim/config/config.h"

#define SAME(field) cr_expect(w.field == d.field, "%s: the schema gives %g, node_defaults() %g", \
                              #field, (double)w.field, (double)d.field)

Test(defaults, the_schema_defaults_are_what_a_node_runs_with)
{
    config c;
    cs_err e = {0};
    cr_assert_eq(config_load_string("schema: 1\n", "defaults", NULL, 0, &c, &e), 0, "%s", e.msg);
    node_params w = world_node_params(&c, config_node_group(&c, 0), NULL, NULL);
    node_params d = node_defaults();
    SAME(duration);
    SAME(jitter);
    SAME(memory_duration);
    SAME(l2_duration);
    SAME(l1_copy_own_expiry);
    SAME(fail_safe);
    SAME(fail_safe_max);
    SAME(fail_safe_throttle);
    SAME(factory_soft);
    SAME(factory_hard);
    SAME(background_completion);
    SAME(l2_soft);
    SAME(l2_hard);
    SAME(eager_threshold);
    SAME(xfetch_beta);
    SAME(memory_lock);
    SAME(memory_lock_timeout);
    SAME(distributed_lock);
    SAME(dlock_timeout);
    SAME(dlock.abandon);
    SAME(dlock.poll_min);
    SAME(dlock.poll_max);
    SAME(background_l2);
    SAME(background_backplane);
    SAME(outage_max_ttl);
    SAME(outage_from_insertion);
    SAME(sync_api);
    SAME(l2_enabled);
    SAME(hash_commands);
    SAME(fallback_db);
    SAME(check_connected);
    SAME(value_size);
    SAME(max_flows);
    SAME(pool.unbounded);
    SAME(pool.min);
    SAME(pool.max);
    SAME(pool.injection);
    SAME(bp.enabled);
    SAME(bp.mode);
    SAME(bp.auto_recovery);
    SAME(bp.ar_delay);
    SAME(bp.ar_max_items);
    cr_expect_str_eq(w.breaker_kind, d.breaker_kind);
    /* L1: unbounded in both; the world bounds it by the keys a run can touch */
    cr_expect_eq(c.cache.l1.capacity, INT64_MAX, "the schema's l1.capacity is unbounded");
    cr_expect_eq(d.l1.capacity, L1_UNBOUNDED, "node_defaults(): an unbounded L1");
    cr_expect(w.l1.no_lru, "an unbounded L1 that holds every key needs no LRU");
    config_free(&c);
}

Test(defaults, fusioncache_option_defaults_come_from_the_policy_library)
{
    fc_entry_options o;
    fc_entry_options_defaults(&o);
    node_params d = node_defaults();
    cr_expect_eq(d.duration, o.duration);
    cr_expect_eq(d.jitter, o.jitter_max_duration);
    cr_expect_eq(d.fail_safe, o.is_fail_safe_enabled);
    cr_expect_eq(d.fail_safe_max, o.fail_safe_max_duration);
    cr_expect_eq(d.fail_safe_throttle, o.fail_safe_throttle_duration);
    cr_expect_eq(d.background_completion, o.allow_timed_out_factory_background_completion);
    cr_expect_eq(d.l1_copy_own_expiry, o.l1_copy_own_expiry);
    cr_expect_eq(d.factory_soft, SIM_NEVER, "CP_INFINITE is SIM_NEVER in the models");
    cr_expect_eq(o.factory_soft_timeout, CP_INFINITE);
    cr_expect_eq(d.memory_duration, SIM_NEVER, "CP_UNSET is SIM_NEVER in the models");
    cr_expect_eq(o.memory_cache_duration, CP_UNSET);
}
