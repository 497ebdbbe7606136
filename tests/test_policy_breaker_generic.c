/* test_policy_breaker_generic.c — the breaker interface as a whole: the
 * registry, state names, parameter setting by name, manual states, and a
 * randomized invariant run over every registered kind. */
#include <criterion/criterion.h>
#include <string.h>

#include "policy/cachepolicy.h"

#define S(x) CP_SEC(x)
#define MSx(x) CP_MS(x)

/* splitmix64: a deterministic source for the cp_rand contract */
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

Test(policy_breaker, registry_has_the_five_kinds_in_order)
{
    static const char *const names[] = {"hcl_v1", "sliding_window", "polly", "simple", "none"};
    size_t n;
    const breaker_ops *const *k = breaker_kinds(&n);
    cr_assert_eq(n, 5);
    for (size_t i = 0; i < n; i++) {
        cr_assert_str_eq(k[i]->name, names[i]);
        cr_assert_eq(breaker_kind(names[i]), k[i]);
        cr_assert_not_null(k[i]->create);
        cr_assert_not_null(k[i]->reset);
        breaker *b = breaker_create(names[i], NULL, NULL, 0);
        cr_assert_not_null(b, "%s with its defaults", names[i]);
        cr_assert_str_eq(breaker_name(b), names[i]);
        cr_assert_eq(breaker_get_state(b), BREAKER_CLOSED);
        breaker_free(b);
    }
    char err[128];
    cr_assert_null(breaker_create("hystrix", NULL, err, sizeof err));
    cr_assert(strstr(err, "hystrix") != NULL);
}

Test(policy_breaker, state_names_for_the_transitions_table)
{
    static const char *const want[] = {"closed", "open", "half_open", "disabled", "forced_open", "metrics_only"};
    for (int s = 0; s < BREAKER_STATE_COUNT; s++)
        cr_assert_str_eq(breaker_state_name((breaker_state)s), want[s]);
}

Test(policy_breaker, params_are_set_by_their_source_names)
{
    breaker_hcl_params h;
    breaker_hcl_defaults(&h);
    cr_assert_eq(breaker_params_set("hcl_v1", &h, "minimum_consecutive_failures", 5), 0);
    cr_assert_eq(breaker_params_set("hcl_v1", &h, "retry_wait_time", (double)S(30)), 0);
    cr_assert_eq(h.minimum_consecutive_failures, 5);
    cr_assert_eq(h.retry_wait_time, S(30));
    cr_assert_eq(breaker_params_set("hcl_v1", &h, "no_such_key", 1), -1);
    cr_assert_eq(breaker_params_set("hcl_v1", &h, "minimum_consecutive_failures", 2.5), -1);

    breaker_sliding_params s;
    breaker_sliding_defaults(&s);
    const breaker_ops *ops = breaker_kind("sliding_window");
    cr_assert_eq(cp_param_set_choice(ops->param_desc, ops->n_param_desc, &s, "sliding_window_type", "time_based"), 0);
    cr_assert_eq(s.sliding_window_type, SLIDING_TIME_BASED);
    cr_assert_eq(cp_param_set_choice(ops->param_desc, ops->n_param_desc, &s, "sliding_window_type", "bogus"), -1);
    cr_assert_eq(breaker_params_set("sliding_window", &s, "automatic_transition_from_open_to_half_open_enabled", 1), 0);
    cr_assert(s.automatic_transition_from_open_to_half_open_enabled);
    cr_assert_eq(breaker_params_set("sliding_window", &s, "failure_rate_threshold", 33.3), 0);
    cr_assert_float_eq(s.failure_rate_threshold, 33.3, 1e-12);
}

Test(policy_breaker, every_descriptor_has_help_and_a_unique_name)
{
    size_t n;
    const breaker_ops *const *k = breaker_kinds(&n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k[i]->n_param_desc; j++) {
            cr_assert(strlen(k[i]->param_desc[j].help) > 0);
            cr_assert(k[i]->param_desc[j].offset < k[i]->params_size);
            for (size_t m = j + 1; m < k[i]->n_param_desc; m++)
                cr_assert(strcmp(k[i]->param_desc[j].name, k[i]->param_desc[m].name) != 0);
        }
}

Test(policy_breaker, invalid_params_name_the_parameter)
{
    breaker_sliding_params s;
    breaker_sliding_defaults(&s);
    s.permitted_number_of_calls_in_half_open_state = 0;
    char err[160];
    cr_assert_null(breaker_create("sliding_window", &s, err, sizeof err));
    cr_assert(strstr(err, "permitted_number_of_calls_in_half_open_state") != NULL, "%s", err);
}

/* --- randomized invariants ------------------------------------------- */

typedef struct watch {
    breaker_state last;   /* state the callback last reported */
    int half_allowed;     /* calls allowed since entering HALF_OPEN */
    int released;         /* permits given back (IGNORED in HALF_OPEN) */
    int half_results;     /* results recorded while HALF_OPEN */
    int transitions;
    bool consistent;
} watch;

static void watch_cb(breaker_state from, breaker_state to, const char *reason, cp_ns now, void *user)
{
    watch *w = user;
    (void)now;
    if (from != w->last || to == from || reason == NULL || reason[0] == '\0')
        w->consistent = false;
    w->last = to;
    w->transitions++;
    if (to == BREAKER_HALF_OPEN)
        w->half_allowed = w->released = w->half_results = 0;
}

typedef struct kind_case {
    const char *kind;
    const void *params;
    int permits;   /* max calls in HALF_OPEN, -1 = unlimited */
    int in_flight; /* max calls in flight in HALF_OPEN, 0 = not checked */
} kind_case;

static void drive(const kind_case *kc, uint64_t seed)
{
    breaker *b = breaker_create(kc->kind, kc->params, NULL, 0);
    cr_assert_not_null(b);
    watch w = {.last = BREAKER_CLOSED, .consistent = true};
    breaker_set_callback(b, watch_cb, &w);
    sm64 g = {seed};
    cp_rand r = {sm_uniform, &g};
    bool can_metrics = breaker_kind(kc->kind)->observe != NULL;
    cp_ns t = 0;
    int outstanding = 0;
    for (int step = 0; step < 20000; step++) {
        t += (cp_ns)(cp_uniform(&r) * MSx(50));
        double u = cp_uniform(&r);
        if (u < 0.005) {
            static const breaker_state manual[] = {BREAKER_DISABLED, BREAKER_FORCED_OPEN, BREAKER_METRICS_ONLY,
                                                   BREAKER_CLOSED, BREAKER_OPEN};
            breaker_state to = manual[(int)(cp_uniform(&r) * 5)];
            int rc = breaker_transition(b, to, t);
            if (to == BREAKER_METRICS_ONLY && !can_metrics)
                cr_assert_eq(rc, -1);
            if (rc == 0) {
                cr_assert_eq(breaker_get_state(b), to, "%s: manual %s", kc->kind, breaker_state_name(to));
                w.last = to;
                outstanding = 0;
            }
            continue;
        }
        if (u < 0.55) {
            breaker_state before = breaker_get_state(b);
            bool ok = breaker_allow(b, t);
            breaker_state after = breaker_get_state(b);
            if (before == BREAKER_FORCED_OPEN)
                cr_assert_not(ok, "%s: FORCED_OPEN never allows", kc->kind);
            if (before == BREAKER_DISABLED || before == BREAKER_METRICS_ONLY)
                cr_assert(ok, "%s: %s always allows", kc->kind, breaker_state_name(before));
            if (after == BREAKER_OPEN)
                cr_assert_not(ok, "%s: OPEN never allows", kc->kind);
            if (ok && after == BREAKER_HALF_OPEN) {
                w.half_allowed++;
                if (kc->in_flight > 0)
                    cr_assert_leq(w.half_allowed - w.half_results, kc->in_flight,
                                  "%s: more probes in flight than probe_calls", kc->kind);
                if (kc->permits >= 0)
                    cr_assert_leq(w.half_allowed - w.released, kc->permits,
                                  "%s: half-open allowed more than its permits", kc->kind);
            }
            if (ok)
                outstanding++;
        } else if (outstanding > 0 || u > 0.97) {
            double v = cp_uniform(&r);
            breaker_outcome o = v < 0.45   ? BREAKER_FAILURE
                                : v < 0.5  ? BREAKER_FAILURE_SYNTHETIC
                                : v < 0.53 ? BREAKER_IGNORED
                                           : BREAKER_SUCCESS;
            if (breaker_get_state(b) == BREAKER_HALF_OPEN) {
                w.half_results++;
                if (o == BREAKER_IGNORED)
                    w.released++;
            }
            breaker_record(b, t, (cp_ns)(cp_uniform(&r) * MSx(600)), o);
            if (outstanding > 0)
                outstanding--;
        }
        if (cp_uniform(&r) < 0.01)
            breaker_poll(b, t);
        breaker_state s = breaker_get_state(b);
        cr_assert(s >= 0 && s < BREAKER_STATE_COUNT);
        cr_assert_not_null(breaker_state_name(s));
        cr_assert(breaker_deadline(b) == CP_NEVER || breaker_deadline(b) >= 0);
    }
    cr_assert(w.consistent, "%s: callback from/to must chain", kc->kind);
    cr_assert_gt(w.transitions, 5, "%s: the run should exercise transitions (%d)", kc->kind, w.transitions);
    breaker_free(b);
}

Test(policy_breaker, randomized_invariants_hold_for_every_kind)
{
    breaker_hcl_params h;
    breaker_hcl_defaults(&h);
    h.minimum_consecutive_failures = 3;
    h.minimum_failure_time = MSx(50);
    h.retry_wait_time = S(1);
    breaker_hcl_params hp = h;
    hp.probe_calls = 2;
    breaker_sliding_params sc, st;
    breaker_sliding_hcl_v2_defaults(&sc, true);
    sc.sliding_window_size = 10;
    sc.minimum_number_of_calls = 5;
    sc.permitted_number_of_calls_in_half_open_state = 3;
    sc.wait_duration_in_open_state = MSx(500);
    sc.max_wait_duration_in_half_open_state = S(2);
    st = sc;
    st.sliding_window_type = SLIDING_TIME_BASED;
    st.sliding_window_size = 3;
    st.automatic_transition_from_open_to_half_open_enabled = true;
    breaker_polly_params p;
    breaker_polly_defaults(&p);
    p.minimum_throughput = 5;
    p.sampling_duration = S(2);
    p.break_duration = MSx(500);
    breaker_sliding_params su = sc;
    su.half_open_unlimited_calls = true;
    breaker_simple_params s = {.break_duration = MSx(300)};
    const kind_case cases[] = {
        {"hcl_v1", &h, -1, 0},          {"hcl_v1", &hp, -1, 2},      {"sliding_window", &sc, 3, 0},
        {"sliding_window", &st, 3, 0},  {"sliding_window", &su, -1, 0}, {"polly", &p, 1, 0},
        {"simple", &s, 0, 0},           {"none", NULL, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (uint64_t seed = 1; seed <= 5; seed++)
            drive(&cases[i], seed * 7919 + i);
}
