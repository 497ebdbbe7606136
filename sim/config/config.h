/* config.h — the typed, validated configuration of one run (INTERFACES.md
 * "Config files"), and the loader that builds it from YAML.
 *
 * Every key has a default; the table in config_schema.c is the one source of
 * truth for each key's name, type, default, range and help text (STYLE.md
 * rule 10): it drives parsing, validation, `validate --print`, the params
 * rows and the README key reference.  Models receive a `const config *` and
 * never see YAML (ARCHITECTURE.md rule 2).
 *
 * Units in the struct: durations are sim_ns (SIM_NEVER = `none`, no limit),
 * rates are per second, sizes are bytes, counts that may be `unbounded` hold
 * INT64_MAX, node indexes that may be `all` hold -1.  Enums are C enums whose
 * order matches the names in config_schema.c.
 *
 * Pipeline: file → yaml tree (yaml_tree.h) → `base:` chain merged → `--set`
 * applied → typed struct (defaults from the table) → cross-key checks.  The
 * tree steps are exported for the experiment module (variants, sweeps).
 */
#ifndef CS_CONFIG_H
#define CS_CONFIG_H

#include <stdio.h>

#include "sim/core/common.h"
#include "sim/core/dist.h"
#include "sim/core/fault_kinds.h"
#include "sim/core/rows.h"
#include "sim/config/yaml_tree.h"

/* Capacities the config's limits agree with (issue 16; README "Limits").
 * Events a workload schedules up front (burst arrivals, closed-loop client
 * starts, over all nodes): the engine's queue holds 2^24 pending events
 * (ENG_MAX_PENDING), 2^20 of which stay free for the run itself. */
#define CFG_MAX_UPFRONT_EVENTS ((1LL << 24) - (1LL << 20))
/* Operations in progress per node: models/node.c node_defaults().max_flows
 * (a test asserts they agree).  More closed-loop clients than this would be
 * refused and retry at once, forever. */
#define CFG_FLOWS_PER_NODE (1LL << 18)

#define CFG_LIST(T)                                                                                \
    struct {                                                                                       \
        T *v;                                                                                      \
        size_t n;                                                                                  \
    }

/* A distribution as configured: `d` to draw from, `text` its canonical
 * config text (e.g. "{dist: lognormal, median: 100us, p99: 1ms}") so the
 * effective config prints exactly what was asked. */
typedef struct cfg_dist {
    dist d;
    char *text;
} cfg_dist;

/* ---- enums (names in config_schema.c, same order) ---------------------- */
typedef enum { CFG_MODEL_CACHE, CFG_MODEL_QUEUE } cfg_model;
typedef enum { CFG_LOAD_OPEN, CFG_LOAD_CLOSED, CFG_LOAD_BURST } cfg_load_kind;
typedef enum { CFG_PROFILE_STEP, CFG_PROFILE_RAMP, CFG_PROFILE_SPIKE } cfg_profile_kind;
typedef enum {
    CFG_POP_UNIFORM,
    CFG_POP_ZIPF,
    CFG_POP_HOTSPOT,
    CFG_POP_RANGE,
    CFG_POP_SEQUENTIAL
} cfg_popularity;
typedef enum { CFG_OP_GET_OR_SET, CFG_OP_SET, CFG_OP_REMOVE, CFG_OP_EXPIRE } cfg_op;
typedef enum { CFG_KEY_RANDOM, CFG_KEY_SEQUENTIAL, CFG_KEY_FIXED } cfg_key_pick;
typedef enum { CFG_MODE_READ_THROUGH, CFG_MODE_REMOTE_ONLY, CFG_MODE_LOCAL_ONLY } cfg_cache_mode;
typedef enum { CFG_EAGER_NONE, CFG_EAGER_THRESHOLD, CFG_EAGER_XFETCH } cfg_eager_kind;
typedef enum { CFG_CLIENT_MULTIPLEXER, CFG_CLIENT_POOL } cfg_client_kind;
typedef enum { CFG_CALLS_ASYNC, CFG_CALLS_SYNC } cfg_call_style;
typedef enum { CFG_REFUSED_FAIL_FAST, CFG_REFUSED_TIMEOUT } cfg_refused;
typedef enum { CFG_SCOPE_CLIENT, CFG_SCOPE_CACHE } cfg_breaker_scope;
typedef enum { CFG_FALLBACK_DATABASE, CFG_FALLBACK_ERROR } cfg_fallback;
typedef enum { CFG_RECEIVE_ASYNC, CFG_RECEIVE_SYNC_INLINE, CFG_RECEIVE_IGNORE } cfg_receive;
typedef enum { CFG_CONN_SEPARATE, CFG_CONN_SHARED } cfg_bp_connection;
typedef enum { CFG_CONNECT_POOL, CFG_CONNECT_SYNC } cfg_connect_completion;
/* fault targets and kinds: the capability table (sim/core/fault_kinds.h) */
typedef fault_target cfg_fault_target;
typedef fault_kind cfg_fault_kind;
typedef enum { CFG_DISC_FIFO, CFG_DISC_LIFO } cfg_discipline;
typedef enum { CFG_CLAMP_OUTAGE_START, CFG_CLAMP_INSERTION } cfg_outage_clamp;

/* ---- sections ---------------------------------------------------------- */
typedef struct cfg_workers {
    int64_t min;      /* INT64_MAX = unbounded */
    sim_ns injection; /* one more worker per injection while jobs wait */
    int64_t max;      /* INT64_MAX = unbounded */
} cfg_workers;

/* A group of identical nodes.  Its first fields are laid out exactly like
 * cfg_nodes (asserted in config.c), and every key a group leaves out
 * inherits the `nodes:` value. */
typedef struct cfg_group {
    int64_t count;
    char *cache_name;
    cfg_workers workers;
} cfg_group;

typedef enum { CFG_PLATFORM_UNIX, CFG_PLATFORM_WINDOWS } cfg_platform;
typedef enum { CFG_TIMERS_HIGH_PRIORITY, CFG_TIMERS_FIFO, CFG_TIMERS_OFF_POOL } cfg_timers;

/* The .NET runtime of each node's process (models/runtime.h). */
typedef struct cfg_runtime {
    cfg_platform platform;
    bool inline_completions;
    sim_ns engine_slice;
    int64_t io_workers, io_pool_fallback;
    cfg_timers timers;
} cfg_runtime;

typedef struct cfg_nodes {
    int64_t count;
    char *cache_name;
    cfg_workers workers;
    CFG_LIST(cfg_group) groups; /* as written; see config.node_groups */
    cfg_runtime runtime;
} cfg_nodes;

typedef struct cfg_profile_step {
    sim_ns at;
    cfg_profile_kind kind;
    double rate; /* per second, per node */
    sim_ns for_; /* ramp: its length; spike: how long it lasts */
} cfg_profile_step;

typedef struct cfg_burst {
    int64_t count; /* requests per node */
    sim_ns at;
    sim_ns spread; /* arrivals uniform over [at, at + spread] */
} cfg_burst;

typedef struct cfg_keys {
    int64_t count;
    cfg_popularity popularity;
    double s;            /* zipf exponent */
    double hot_fraction; /* hotspot: share of keys that are hot */
    double hot_share;    /* hotspot: share of requests that go to them */
    int64_t first;       /* id of the first key */
} cfg_keys;

typedef struct cfg_request_op {
    cfg_op op;
    int64_t keys; /* K keys in sequence */
    cfg_key_pick key;
    int64_t from; /* sequential: first key id; fixed: the key id */
} cfg_request_op;

typedef struct cfg_workload {
    cfg_load_kind kind;
    double rate; /* open: per second per node */
    CFG_LIST(cfg_profile_step) profile;
    int64_t clients; /* closed: per node */
    cfg_dist think;  /* closed: ns */
    cfg_burst burst;
    sim_ns timeout; /* the client gives up */
    cfg_keys keys;
    double write_ratio;
    int64_t value_size; /* bytes */
    CFG_LIST(cfg_request_op) request;
    sim_ns stop; /* no new requests from here on; SIM_NEVER = the run's end */
} cfg_workload;

typedef struct cfg_fail_safe {
    bool enabled;
    sim_ns max_duration, throttle;
} cfg_fail_safe;

typedef struct cfg_factory_timeout {
    sim_ns soft, hard;
    bool background_completion;
} cfg_factory_timeout;

typedef struct cfg_l2_timeout {
    sim_ns soft, hard;
} cfg_l2_timeout;

typedef struct cfg_eager_refresh {
    cfg_eager_kind kind;
    double threshold; /* fraction of the duration */
    double beta;      /* xfetch */
} cfg_eager_refresh;

typedef struct cfg_lock {
    bool memory; /* request coalescing through the per-node memory lock */
    sim_ns memory_timeout;
    bool distributed;
    sim_ns distributed_timeout, abandon_timeout, poll_min, poll_max;
} cfg_lock;

typedef struct cfg_l1 {
    bool enabled;
    int64_t capacity; /* entries; INT64_MAX = unbounded */
    sim_ns outage_max_ttl;
    cfg_outage_clamp outage_clamp;
} cfg_l1;

typedef struct cfg_cache {
    cfg_cache_mode mode;
    sim_ns duration, jitter;
    sim_ns memory_duration, l2_duration; /* SIM_NEVER ("none") = duration */
    bool l1_copy_own_expiry;
    cfg_fail_safe fail_safe;
    cfg_factory_timeout factory_timeout;
    cfg_l2_timeout l2_timeout;
    cfg_eager_refresh eager_refresh;
    cfg_lock lock;
    cfg_l1 l1;
    bool background_l2, background_backplane;
} cfg_cache;

/* Per-command service time; a command left out inherits l2.redis.service. */
typedef struct cfg_redis_commands {
    cfg_dist get, hmget, set, hmset, expire, del, publish, set_nx_px;
} cfg_redis_commands;

typedef struct cfg_redis_exec {
    sim_ns get, hmget, set, hmset, expire, del, publish, set_nx_px, del_if_owner, connect, ping;
    sim_ns publish_per_subscriber;
} cfg_redis_exec;

typedef struct cfg_redis_io {
    sim_ns loop, read, write, publish_write;
    sim_ns wake, wake_after, wake_ramp; /* added by calibrate (wake-from-idle); wake 0 = off */
} cfg_redis_io;

typedef enum { CFG_COST_SLOW_COMMANDS, CFG_COST_BATCHED } cfg_redis_cost;

typedef struct cfg_redis {
    cfg_redis_cost cost;
    cfg_redis_exec exec;
    cfg_redis_io io;
    cfg_dist service;
    cfg_redis_commands commands;
    sim_ns publish_per_subscriber;
    int64_t memory; /* bytes; INT64_MAX = unbounded */
} cfg_redis;

typedef struct cfg_link {
    cfg_dist rtt;
    double loss;
} cfg_link;

typedef struct cfg_retries {
    int64_t attempts; /* after the first try */
    sim_ns interval;
    const char *backoff; /* a backoff_kinds() name (policy/backoff.c) */
    double multiplier;
    sim_ns cap;
} cfg_retries;

typedef struct cfg_reconnect {
    const char *policy; /* a reconnect_kinds() name (policy/reconnect.c) */
    sim_ns base, cap;
    int64_t max_retries; /* INT64_MAX = unbounded */
} cfg_reconnect;

typedef struct cfg_stuck {
    int64_t threshold; /* INT64_MAX = off */
    sim_ns reset;
} cfg_stuck;

typedef struct cfg_client {
    cfg_client_kind kind;
    cfg_call_style calls;
    sim_ns timeout, async_timeout, heartbeat, connect_timeout;
    int64_t connections;
    sim_ns flush_cost;
    sim_ns acquire_timeout;
    bool queue_while_disconnected;
    cfg_refused on_refused;
    cfg_retries retries;
    cfg_reconnect reconnect;
    cfg_stuck stuck;
    int64_t dead_socket_factor, handshake_commands;
    cfg_connect_completion connect_completion;
    sim_ns backlog_linger;
    int preset; /* index into the l2.client.preset names; 0 = none */
} cfg_client;

/* One parameter of the breaker's kind: its policy descriptor's name and
 * the number cp_param_set_number takes (ns, 0/1, choice index). */
typedef struct cfg_breaker_param {
    const char *name; /* the descriptor's own (static) name */
    double value;
} cfg_breaker_param;
#define CFG_BREAKER_MAX_PARAMS 32

/* l2.breaker: the kind (a name of the registry in policy/breaker.c), its
 * scope, and every parameter of that kind with its effective value (the
 * policy's defaults, then the config's keys; sim/config/config_kinds.c). */
typedef struct cfg_breaker {
    const char *kind;
    cfg_breaker_scope scope;
    size_t nparams;
    cfg_breaker_param params[CFG_BREAKER_MAX_PARAMS];
} cfg_breaker;

typedef struct cfg_l2 {
    cfg_redis redis;
    cfg_link link;
    cfg_client client;
    cfg_breaker breaker;
    cfg_fallback fallback;
    bool check_connected; /* seed 004's isConnected() guard */
} cfg_l2;

typedef struct cfg_auto_recovery {
    bool enabled;
    sim_ns delay;
    int64_t max_items;
} cfg_auto_recovery;

typedef struct cfg_backplane {
    bool enabled;
    char *channel_prefix; /* "" = the node's cache_name */
    cfg_receive receive;
    cfg_bp_connection connection;
    cfg_auto_recovery auto_recovery;
} cfg_backplane;

typedef struct cfg_database {
    int64_t pool;
    cfg_dist service;
    double load_factor;
    sim_ns acquire_timeout;
} cfg_database;

typedef struct cfg_fault {
    sim_ns at;
    cfg_fault_target target;
    int64_t node; /* -1 = all */
    CFG_LIST(int64_t) nodes;
    cfg_fault_kind kind;
    sim_ns for_; /* SIM_NEVER = until the end */
    double factor;
    int64_t workers, connections;
    sim_ns mttf, mttr; /* both set: stochastic, from `at` on */
} cfg_fault;

/* An expectation and where it was written (for check's error messages). */
typedef struct cfg_expect {
    char *text;
    yt_mark mark; /* mark.file owned; col: the rule's first character (after a quote) */
} cfg_expect;

typedef struct cfg_queue {
    int64_t servers;
    double arrival; /* per second */
    cfg_dist service;
    cfg_discipline discipline;
    int64_t capacity; /* waiting room; INT64_MAX = unbounded */
} cfg_queue;

typedef struct config {
    int64_t schema;
    char *name;
    int64_t seed;
    sim_ns duration, warmup, interval;
    cfg_model model;
    cfg_nodes nodes;
    cfg_workload workload;
    cfg_cache cache;
    cfg_l2 l2;
    cfg_backplane backplane;
    cfg_database database;
    CFG_LIST(cfg_fault) faults;
    CFG_LIST(cfg_expect) expect;
    cfg_queue queue;

    /* Derived (not keys): the effective node groups — `nodes.groups` when
     * given, else one group of nodes.count — and the total node count. */
    CFG_LIST(cfg_group) node_groups;
    int64_t node_total;
    char *path; /* the file it was loaded from ("" for a string) */
    /* former key or value names this config used, "old -> new; ..." (the
     * loader prints them once as a deprecation note); "" when none */
    char deprecated[512];
} config;

/* Load flags. */
enum {
    CONFIG_ALLOW_EXPERIMENT_KEYS = 1 /* skip replications/seeds/sweep/variants/objective */
};

/* Load `path` (following `base:`), apply the `--set` overrides, fill defaults
 * and validate.  Returns 0, or fills err: code 2 for any config problem
 * (message "file:line:column: key.path: what is wrong"), 3 for an I/O error
 * other than a missing file.  On error *out is left freed (config_free-safe). */
int config_load(const char *path, const char *const *sets, int nsets, config *out, cs_err *err);
/* The same from text; `name` names it in messages; `base:` resolves from the
 * current directory. */
int config_load_string(const char *text, const char *name, const char *const *sets, int nsets,
                       config *out, cs_err *err);
void config_free(config *c);

/* The pieces, for the experiment module: */
/* Read `path` and its `base:` chain into one merged tree (`base` removed). */
int config_tree_load(const char *path, yt_node **out, cs_err *err);
int config_tree_from_string(const char *text, const char *name, yt_node **out, cs_err *err);
/* Merge `over` into `base` with the config's rules (maps merge, scalars and
 * lists replace, a distribution map replaces as a whole). */
void config_tree_merge(yt_node *base, const yt_node *over);
/* Apply one "PATH=VALUE" (VALUE is YAML, e.g. 30s or {dist: constant, value: 1ms}). */
int config_tree_set(yt_node *root, const char *assignment, cs_err *err);
/* True when the tree has a top-level experiment key (replications, seeds,
 * sweep, variants, objective): the file is an experiment, not a config. */
bool config_tree_is_experiment(const yt_node *root);
/* Typed config from a merged tree (defaults, validation).  flags: CONFIG_*. */
int config_from_tree(const yt_node *root, unsigned flags, config *out, cs_err *err);

/* The effective config as YAML, every key, after defaults; loading it gives
 * the same effective config. */
void config_print(const config *c, FILE *f);
char *config_effective_text(const config *c); /* malloc'd */
/* FNV-1a 64 of the effective text, as 16 lowercase hex digits. */
void config_hash(const config *c, char out[17]);
/* One params row per effective leaf: path ("l2.breaker.retry_wait",
 * "faults[0].at") → value text as printed. */
void config_params(const config *c, run_rows *rows);
/* The README key reference: a markdown table of key, type, default, range, help. */
void config_keys_markdown(FILE *f);

/* The name of value v of the enum-typed key at `path` (e.g. "l2.breaker.kind"),
 * or "?" — for logs and trace lines. */
const char *config_enum_name(const char *path, int v);
/* The group node i (0-based, < node_total) belongs to. */
const cfg_group *config_node_group(const config *c, int64_t node);

/* Value parsers shared with the experiment module.  Each returns 0 or fills
 * err (code 2) with "what is wrong" only (the caller adds file:line: key:). */
int config_parse_duration(const char *s, sim_ns *out, cs_err *err);
int config_parse_rate(const char *s, double *out, cs_err *err);
int config_parse_size(const char *s, int64_t *out, cs_err *err);
/* Canonical text: the largest unit that is exact ("1500ms", "2m", "none"). */
void config_format_duration(sim_ns v, char *buf, size_t cap);

#endif
