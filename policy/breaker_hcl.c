/* breaker_hcl.c — HCL Cache V1 circuit breaker ("hcl_v1"), resilience.md
 * §1.2. Trips into outage mode when BOTH minimumConsecutiveFailures
 * failures have completed in a row AND minimumFailureTimeMs has passed
 * since the streak began (checked when a failure is recorded). After
 * retryWaitTimeMs all traffic may pass again (reported as half_open: the
 * "resume" phase); minimumConsecutiveFailuresResumeOutage failures in a row
 * re-open at once, any success closes. Any success resets the counter.
 * Left out: connection validation (9.1.13 V2 only); the doc's open points
 * are parameters with the most natural reading as default.
 */
#include "policy/breaker_hcl.h"

#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "policy/breaker_impl.h"

typedef struct hcl {
    breaker base;
    breaker_hcl_params p;
    int consec;         /* consecutive failures in the current streak */
    cp_ns streak_start; /* completion time of the streak's first failure */
    cp_ns last_success; /* last success or close; CP_UNSET before either */
    cp_ns opened_at;
    int probes;         /* calls in flight in HALF_OPEN (probe_calls > 0 only) */
} hcl;

static const char *const from_choices[] = {"first_failure", "last_success", NULL};

static const cp_param_desc desc[] = {
    {"minimum_consecutive_failures", CP_PARAM_INT,
     offsetof(breaker_hcl_params, minimum_consecutive_failures),
     "consecutive failures before outage mode (default 20, §1.2)", NULL},
    {"minimum_failure_time", CP_PARAM_DURATION, offsetof(breaker_hcl_params, minimum_failure_time),
     "time that must elapse, together with the count (default 10 s)", NULL},
    {"retry_wait_time", CP_PARAM_DURATION, offsetof(breaker_hcl_params, retry_wait_time),
     "outage mode length before Redis is tried again (default 60 s)", NULL},
    {"minimum_consecutive_failures_resume_outage", CP_PARAM_INT,
     offsetof(breaker_hcl_params, minimum_consecutive_failures_resume_outage),
     "failures in a row after the wait that re-open at once (default 2)", NULL},
    {"failure_time_from", CP_PARAM_ENUM, offsetof(breaker_hcl_params, failure_time_from),
     "where the minimum failure time starts (default first_failure; UNCONFIRMED)", from_choices},
    {"probe_calls", CP_PARAM_INT, offsetof(breaker_hcl_params, probe_calls),
     "calls in flight after the wait; <= 0 = all traffic (default; UNCONFIRMED)", NULL},
};

void breaker_hcl_defaults(breaker_hcl_params *p)
{
    p->minimum_consecutive_failures = 20;
    p->minimum_failure_time = CP_SEC(10);
    p->retry_wait_time = CP_SEC(60);
    p->minimum_consecutive_failures_resume_outage = 2;
    p->failure_time_from = HCL_FROM_STREAK_START;
    p->probe_calls = 0;
}

static void defaults_v(void *p)
{
    breaker_hcl_defaults(p);
}

static int validate(const void *vp, char *err, size_t errlen)
{
    const breaker_hcl_params *p = vp;
    if (p->minimum_consecutive_failures < 1)
        return snprintf(err, errlen, "hcl_v1: minimum_consecutive_failures must be >= 1"), -1;
    if (p->minimum_consecutive_failures_resume_outage < 1)
        return snprintf(err, errlen, "hcl_v1: minimum_consecutive_failures_resume_outage must be >= 1"), -1;
    if (p->minimum_failure_time < 0 || p->retry_wait_time < 0)
        return snprintf(err, errlen, "hcl_v1: durations must be >= 0"), -1;
    if (p->failure_time_from != HCL_FROM_STREAK_START && p->failure_time_from != HCL_FROM_LAST_SUCCESS)
        return snprintf(err, errlen, "hcl_v1: failure_time_from out of range"), -1;
    return 0;
}

static breaker *create(const void *vp)
{
    hcl *h = calloc(1, sizeof *h);
    if (h == NULL)
        return NULL;
    h->p = *(const breaker_hcl_params *)vp;
    h->last_success = CP_UNSET; /* no success yet: measure from the streak */
    return &h->base;
}

static void destroy(breaker *b)
{
    free(b);
}

static void reset(breaker *b, cp_ns now)
{
    hcl *h = (hcl *)b;
    h->consec = 0;
    h->streak_start = now;
    h->last_success = now;
    h->opened_at = 0;
    h->probes = 0;
}

static void open_now(hcl *h, const char *reason, cp_ns now)
{
    h->opened_at = now;
    h->consec = 0;
    breaker_impl_move(&h->base, BREAKER_OPEN, reason, now);
}

static bool allow(breaker *b, cp_ns now)
{
    hcl *h = (hcl *)b;
    if (b->state == BREAKER_CLOSED)
        return true;
    if (b->state == BREAKER_OPEN) {
        if (now - h->opened_at < h->p.retry_wait_time)
            return false;
        h->consec = 0;
        h->probes = 0;
        breaker_impl_move(b, BREAKER_HALF_OPEN, "retry_wait_elapsed", now);
    }
    /* §1.2 open point 3: by default all traffic passes after the wait */
    if (h->p.probe_calls <= 0)
        return true;
    if (h->probes >= h->p.probe_calls)
        return false;
    h->probes++;
    return true;
}

static void record(breaker *b, cp_ns now, cp_ns duration, breaker_outcome outcome)
{
    hcl *h = (hcl *)b;
    (void)duration; /* "Slow Redis requests are not considered failures
                       unless they time out" (§1.2 open point 2) */
    if (b->state == BREAKER_HALF_OPEN && h->probes > 0)
        h->probes--; /* a result gives its probe slot back */
    if (outcome == BREAKER_IGNORED || b->state == BREAKER_OPEN)
        return; /* late results of calls started before the trip: no effect */
    if (outcome == BREAKER_SUCCESS) {
        /* "any successful operation resets this counter" */
        h->consec = 0;
        h->last_success = now;
        if (b->state == BREAKER_HALF_OPEN)
            breaker_impl_move(b, BREAKER_CLOSED, "success", now);
        return;
    }
    assert(breaker_outcome_is_failure(outcome));
    if (h->consec == 0)
        h->streak_start = now;
    h->consec++;
    if (b->state == BREAKER_HALF_OPEN) {
        /* §1.2 open point 4: no minimum failure time on the resume path */
        if (h->consec >= h->p.minimum_consecutive_failures_resume_outage)
            open_now(h, "resume_failures", now);
        return;
    }
    cp_ns since = h->streak_start;
    if (h->p.failure_time_from == HCL_FROM_LAST_SUCCESS && h->last_success != CP_UNSET)
        since = h->last_success;
    if (h->consec >= h->p.minimum_consecutive_failures && now - since >= h->p.minimum_failure_time)
        open_now(h, "consecutive_failures", now);
}

static cp_ns deadline(const breaker *b)
{
    (void)b; /* OPEN -> HALF_OPEN is lazy: it happens on the next allow */
    return CP_NEVER;
}

static void open_manual(breaker *b, cp_ns now)
{
    open_now((hcl *)b, "manual", now);
}

const breaker_ops breaker_hcl_v1_ops = {
    .name = "hcl_v1",
    .summary = "HCL Cache V1: consecutive failures AND minimum failure time, retry wait, resume",
    .params_size = sizeof(breaker_hcl_params),
    .defaults = defaults_v,
    .param_desc = desc,
    .n_param_desc = sizeof desc / sizeof desc[0],
    .validate = validate,
    .create = create,
    .destroy = destroy,
    .allow = allow,
    .record = record,
    .poll = NULL,
    .deadline = deadline,
    .reset = reset,
    .observe = NULL,
    .open = open_manual,
};
