/* config_schema.c — every config key: name, type, default, range, help.
 *
 * The one source of truth (STYLE.md rule 10).  Parsing, validation,
 * `validate --print`, the params rows and the README key reference all walk
 * these tables; adding a key is one line here plus its struct field in
 * config.h.  Defaults are written as config text and parsed by the loader.
 * Defaults follow the sources named in each help text: FusionCache and
 * StackExchange.Redis (reference/fusioncache.md §2, §5), HCL Cache,
 * Resilience4j, Polly and the Redis clients (reference/resilience.md §1–§3).
 */
#include "sim/config/config_schema.h"
#include "sim/core/fault_kinds.h"

#include <stddef.h>

#define KEY(st, f, nm, ty) .name = nm, .type = ty, .off = offsetof(st, f)
#define SUB(s) .sub = &(s)
#define BIG 9.0e18
#define NS_MS 1e6
#define NS_S 1e9
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define SECTION(var, nm, st, keys, sh)                                                             \
    const cfg_section var = {nm, sizeof(st), keys, ARRAY_LEN(keys), sh}

yt_node *cfg_shorthand_workers(const yt_node *n, cs_err *err); /* config.c */

/* ---- enum names: the order is the C enum order in config.h ------------- */
static const char *const model_names[] = {"cache", "queue", NULL};
static const char *const load_names[] = {"open", "closed", "burst", NULL};
static const char *const profile_names[] = {"step", "ramp", "spike", NULL};
static const char *const pop_names[] = {"uniform", "zipf", "hotspot", "range", "sequential", NULL};
static const char *const op_names[] = {"get_or_set", "set", "remove", "expire", NULL};
static const char *const pick_names[] = {"random", "sequential", "fixed", NULL};
static const char *const mode_names[] = {"read_through", "remote_only", "local_only", NULL};
static const char *const eager_names[] = {"none", "threshold", "xfetch", NULL};
static const char *const client_names[] = {"multiplexer", "pool", NULL};
static const char *const calls_names[] = {"async", "sync", NULL};
/* Client presets: the rows of models/rc_presets.c (the facts live there;
 * tests/test_redis.c checks these names against that table). */
static const char *const preset_names[] = {"none",          "ioredis_v5",    "ioredis_v6",
                                           "node_redis_v4", "node_redis_v5", "node_redis_v6",
                                           "node_redis_v6_3", "redisson",    "stackexchange_redis",
                                           NULL};
static const char *const refused_names[] = {"fail_fast", "timeout", NULL};
static const char *const scope_names[] = {"client", "cache", NULL};
static const char *const fallback_names[] = {"database", "error", NULL};
static const char *const receive_names[] = {"async", "sync_inline", "ignore", NULL};
static const char *const conn_names[] = {"separate", "shared", NULL};
static const char *const platform_names[] = {"unix", "windows", NULL};
static const char *const connect_completion_names[] = {"pool", "sync", NULL};
static const char *const timers_names[] = {"high_priority", "fifo", "off_pool", NULL};
/* fault targets and kinds: the capability table, sim/core/fault_kinds.h */
#define target_names fault_target_names
#define fault_names fault_kind_names
static const char *const disc_names[] = {"fifo", "lifo", NULL};
static const char *const clamp_names[] = {"outage_start", "insertion", NULL};

const char *const cfg_experiment_keys[] = {"replications", "seeds",     "sweep",
                                           "variants",     "objective", NULL};

/* ---- nodes ------------------------------------------------------------- */
static const cfg_key workers_keys[] = {
    {KEY(cfg_workers, min, "min", CK_INT), .def = "8", .min = 1, .max = 32767,
     .flags = CF_UNBOUNDED,
     .help = "workers at start (the .NET pool's minimum; seed 000: 8; at most the pool's 32767); "
             "`unbounded` = a worker is always free. `workers: unbounded` sets min and max"},
    {KEY(cfg_workers, injection, "injection", CK_DURATION), .def = "500ms", .min = 0, .max = BIG,
     .flags = CF_MIN_OPEN,
     .help = "while jobs wait, one more worker per this interval (.NET hill climbing: ~0.5–1 s, "
             "fusioncache.md §5)"},
    {KEY(cfg_workers, max, "max", CK_INT), .def = "unbounded", .min = 1, .max = BIG,
     .flags = CF_UNBOUNDED, .help = "most workers the pool grows to (.NET: 32767)"},
};
static SECTION(workers_section, "workers", cfg_workers, workers_keys, cfg_shorthand_workers);

/* The keys a group shares with `nodes:`; offsets agree (asserted in config.c). */
static const cfg_key group_keys[] = {
    {KEY(cfg_group, count, "count", CK_INT), .def = "1", .min = 1, .max = 100000,
     .help = "nodes in this group"},
    {KEY(cfg_group, cache_name, "cache_name", CK_STRING), .inherit = "nodes.cache_name",
     .help = "this group's cache name (default: nodes.cache_name)"},
    {KEY(cfg_group, workers, "workers", CK_SECTION), SUB(workers_section),
     .inherit = "nodes.workers",
     .help = "this group's worker pool; keys left out inherit nodes.workers"},
};
static SECTION(group_section, "group", cfg_group, group_keys, NULL);

/* reference/seed000-mechanism.md §1.3-1.4, §4.1-4.4; models/runtime.h */
static const cfg_key runtime_keys[] = {
    {KEY(cfg_runtime, platform, "platform", CK_ENUM), .def = "unix", .names = platform_names,
     .help = "unix (Linux, macOS): every socket completion of a multiplexer client waits for one "
             "re-queued work item at the tail of the worker pool's FIFO (.NET "
             "SocketAsyncEngine.Unix); windows: IOCP threads, not the worker FIFO"},
    {KEY(cfg_runtime, inline_completions, "inline_completions", CK_BOOL), .def = "false",
     .help = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1: completions run on the event "
             "thread, bypassing the pool"},
    {KEY(cfg_runtime, engine_slice, "engine_slice", CK_DURATION), .def = "15ms", .min = 0,
     .max = BIG, .flags = CF_MIN_OPEN,
     .help = "longest pass of the engine's work item (.NET: 15 ms); jobs take no simulated "
             "time, so a pass always delivers everything pending"},
    {KEY(cfg_runtime, io_workers, "io_workers", CK_INT), .def = "10", .min = 1, .max = 1e6,
     .help = "SER SocketManager.Shared dedicated workers, shared by the process's multiplexers "
             "(DEFAULT_WORKERS 5 x 2)"},
    {KEY(cfg_runtime, io_pool_fallback, "io_pool_fallback", CK_INT), .def = "10", .min = 1,
     .max = 1e6,
     .help = "queued items from which the dedicated scheduler hands work to the worker pool "
             "(Pipelines.Sockets.Unofficial useThreadPoolQueueLength: 10)"},
    {KEY(cfg_runtime, timers, "timers", CK_ENUM), .def = "high_priority", .names = timers_names,
     .help = "where timer callbacks (SER's 1 s heartbeat) run: the pool's high-priority queue, "
             "served before the FIFO (.NET 7+ TimerQueue.Portable.cs); fifo: the FIFO's tail "
             "(.NET 6; seed000-mechanism.md §1.6 [INF]); off_pool: on time, no worker"},
};
static SECTION(runtime_section, "runtime", cfg_runtime, runtime_keys, NULL);

static const cfg_key nodes_keys[] = {
    {KEY(cfg_nodes, count, "count", CK_INT), .def = "3", .min = 1, .max = 100000,
     .help = "application nodes (with groups: their total, filled in when left out)"},
    {KEY(cfg_nodes, cache_name, "cache_name", CK_STRING), .def = "\"FusionCache\"",
     .help = "cache name; scopes the backplane channel (FusionCache CacheName, fusioncache.md §2)"},
    {KEY(cfg_nodes, workers, "workers", CK_SECTION), SUB(workers_section),
     .help = "the node's worker pool (requests, continuations and backplane handlers are jobs)"},
    {KEY(cfg_nodes, groups, "groups", CK_LIST), SUB(group_section),
     .help = "node groups [{count, cache_name, workers}], in node order, so nodes can differ; a "
             "group inherits every key it leaves out from nodes"},
    {KEY(cfg_nodes, runtime, "runtime", CK_SECTION), SUB(runtime_section),
     .help = "the .NET runtime of each node's process, for multiplexer clients (SER is .NET): "
             "socket completions, SocketManager, pool timers"},
};
static SECTION(nodes_section, "nodes", cfg_nodes, nodes_keys, NULL);

/* ---- workload ---------------------------------------------------------- */
static const cfg_key profile_keys[] = {
    {KEY(cfg_profile_step, at, "at", CK_DURATION), .min = 0, .max = BIG, .flags = CF_REQUIRED,
     .help = "when the step starts"},
    {KEY(cfg_profile_step, kind, "kind", CK_ENUM), .def = "step", .names = profile_names,
     .help = "step: rate from `at` on; ramp: linear from the current rate to `rate` over `for`; "
             "spike: `rate` for `for`, then back"},
    {KEY(cfg_profile_step, rate, "rate", CK_RATE), .min = 0, .max = 1e6, .flags = CF_REQUIRED,
     .help = "arrival rate per node (at most 1,000,000/s, as workload.rate)"},
    {KEY(cfg_profile_step, for_, "for", CK_DURATION), .def = "0s", .min = 0, .max = BIG,
     .help = "length of a ramp or a spike"},
};
static SECTION(profile_section, "profile", cfg_profile_step, profile_keys, NULL);

static const cfg_key burst_keys[] = {
    {KEY(cfg_burst, count, "count", CK_INT), .def = "10000", .min = 1, .max = 15728640,
     .help = "requests per node (seed 001: 100,000 over 10 nodes); count x nodes.count is at "
             "most 15,728,640 (the event queue holds 2^24, 2^20 kept for the run)"},
    {KEY(cfg_burst, at, "at", CK_DURATION), .def = "0s", .min = 0, .max = BIG,
     .help = "when the burst arrives"},
    {KEY(cfg_burst, spread, "spread", CK_DURATION), .def = "0s", .min = 0, .max = BIG,
     .help = "arrivals uniform over [at, at + spread]; 0 = all at once"},
};
static SECTION(burst_section, "burst", cfg_burst, burst_keys, NULL);

static const cfg_key keys_keys[] = {
    {KEY(cfg_keys, count, "count", CK_INT), .def = "100000", .min = 1, .max = 2147483647,
     .help = "distinct keys (at most 2^31 - 1; key ids are 32-bit: first + count <= 2^32)"},
    {KEY(cfg_keys, popularity, "popularity", CK_ENUM), .def = "zipf", .names = pop_names,
     .help = "uniform; zipf(s) (alias table); hotspot (hot_share of requests on hot_fraction of "
             "keys); range (uniform draws over the keys first..first+count-1, like uniform); "
             "sequential (those keys in order, round robin: first, first+1, ..., then again)"},
    {KEY(cfg_keys, s, "s", CK_DOUBLE), .def = "0.99", .min = 0, .max = 10, .flags = CF_MIN_OPEN,
     .help = "zipf exponent"},
    {KEY(cfg_keys, hot_fraction, "hot_fraction", CK_DOUBLE), .def = "0.01", .min = 0, .max = 1,
     .flags = CF_MIN_OPEN, .help = "hotspot: fraction of the keys that are hot"},
    {KEY(cfg_keys, hot_share, "hot_share", CK_DOUBLE), .def = "0.9", .min = 0, .max = 1,
     .help = "hotspot: fraction of the requests that go to hot keys"},
    {KEY(cfg_keys, first, "first", CK_INT), .def = "1", .min = 0, .max = 1e15,
     .help = "id of the first key (seed 000: keys 1–800)"},
};
static SECTION(keys_section, "keys", cfg_keys, keys_keys, NULL);

static const cfg_key request_keys[] = {
    {KEY(cfg_request_op, op, "op", CK_ENUM), .def = "get_or_set", .names = op_names,
     .help = "cache operation"},
    {KEY(cfg_request_op, keys, "keys", CK_INT), .def = "1", .min = 1, .max = 1e7,
     .help = "the operation runs on this many keys, one after the other (seed 000: 800 sets)"},
    {KEY(cfg_request_op, key, "key", CK_ENUM), .def = "random", .names = pick_names,
     .help =
         "random (workload.keys popularity); sequential (from, from+1, ...); fixed (key `from`)"},
    {KEY(cfg_request_op, from, "from", CK_INT), .def = "1", .min = 0, .max = 1e15,
     .help = "sequential: first key id; fixed: the key id"},
};
static SECTION(request_section, "request", cfg_request_op, request_keys, NULL);

static const cfg_key workload_keys[] = {
    {KEY(cfg_workload, kind, "kind", CK_ENUM), .def = "open", .names = load_names,
     .help =
         "open: Poisson arrivals per node; closed: `clients` per node, each waits for its answer "
         "plus `think`; burst: `burst.count` requests per node at once"},
    {KEY(cfg_workload, rate, "rate", CK_RATE), .def = "100/s", .min = 0, .max = 1e6,
     .help = "open: arrival rate per node (before any profile step); at most 1,000,000/s: the "
             "engine dispatches a few million events a second, so more cannot be simulated"},
    {KEY(cfg_workload, profile, "profile", CK_LIST), SUB(profile_section),
     .help = "open: rate changes over time [{at, kind: step|ramp|spike, rate, for}]"},
    {KEY(cfg_workload, clients, "clients", CK_INT), .def = "10", .min = 1, .max = 262144,
     .help = "closed: clients per node (seed 000: 10); at most a node's flow cap (2^18), and "
             "clients x nodes.count at most 15,728,640"},
    {KEY(cfg_workload, think, "think", CK_DIST), .def = "0s",
     .help = "closed: think time between a reply and the next request"},
    {KEY(cfg_workload, burst, "burst", CK_SECTION), SUB(burst_section),
     .help = "burst: the one-time wave of requests"},
    {KEY(cfg_workload, timeout, "timeout", CK_DURATION), .def = "10s", .min = 0, .max = BIG,
     .flags = CF_MIN_OPEN | CF_NONE,
     .help = "the client gives up and counts an error; the node keeps working (seed 000: 10 s)"},
    {KEY(cfg_workload, keys, "keys", CK_SECTION), SUB(keys_section), .help = "the key space"},
    {KEY(cfg_workload, stop, "stop", CK_DURATION), .def = "none", .min = 0, .max = BIG,
     .flags = CF_NONE,
     .help = "no request starts from this time on (the load test ends; the run goes on to "
             "`duration`); none = the run's end"},
    {KEY(cfg_workload, write_ratio, "write_ratio", CK_DOUBLE), .def = "0", .min = 0, .max = 1,
     .help = "fraction of requests whose get_or_set steps become set (fresh data, published)"},
    {KEY(cfg_workload, value_size, "value_size", CK_SIZE), .def = "1KB", .min = 0, .max = 1e9,
     .help = "value size; scales transfer time"},
    {KEY(cfg_workload, request, "request", CK_LIST), SUB(request_section),
     .def = "[{op: get_or_set}]", .help = "the script of one request [{op, keys, key, from}]"},
};
static SECTION(workload_section, "workload", cfg_workload, workload_keys, NULL);

/* ---- cache (FusionCache entry options, fusioncache.md §2) ------------- */
static const cfg_key fail_safe_keys[] = {
    {KEY(cfg_fail_safe, enabled, "enabled", CK_BOOL), .def = "false",
     .help = "IsFailSafeEnabled (FusionCache: false)"},
    {KEY(cfg_fail_safe, max_duration, "max_duration", CK_DURATION), .def = "24h", .min = 0,
     .max = BIG, .flags = CF_MIN_OPEN | CF_NONE,
     .help = "FailSafeMaxDuration: physical TTL when fail-safe is on (FusionCache: 1 day)"},
    {KEY(cfg_fail_safe, throttle, "throttle", CK_DURATION), .def = "30s", .min = 0, .max = BIG,
     .help = "FailSafeThrottleDuration: re-use window after an activation (FusionCache: 30 s)"},
};
static SECTION(fail_safe_section, "fail_safe", cfg_fail_safe, fail_safe_keys, NULL);

static const cfg_key factory_timeout_keys[] = {
    {KEY(cfg_factory_timeout, soft, "soft", CK_DURATION), .def = "none", .min = 0, .max = BIG,
     .flags = CF_NONE,
     .help = "FactorySoftTimeout (FusionCache: ∞); needs fail-safe and a stale value"},
    {KEY(cfg_factory_timeout, hard, "hard", CK_DURATION), .def = "none", .min = 0, .max = BIG,
     .flags = CF_NONE, .help = "FactoryHardTimeout (FusionCache: ∞)"},
    {KEY(cfg_factory_timeout, background_completion, "background_completion", CK_BOOL),
     .def = "true", .help = "AllowTimedOutFactoryBackgroundCompletion (FusionCache: true)"},
};
static SECTION(factory_timeout_section, "factory_timeout", cfg_factory_timeout,
               factory_timeout_keys, NULL);

static const cfg_key l2_timeout_keys[] = {
    {KEY(cfg_l2_timeout, soft, "soft", CK_DURATION), .def = "none", .min = 0, .max = BIG,
     .flags = CF_NONE, .help = "DistributedCacheSoftTimeout, L2 reads only (FusionCache: ∞)"},
    {KEY(cfg_l2_timeout, hard, "hard", CK_DURATION), .def = "none", .min = 0, .max = BIG,
     .flags = CF_NONE, .help = "DistributedCacheHardTimeout, L2 reads only (FusionCache: ∞)"},
};
static SECTION(l2_timeout_section, "l2_timeout", cfg_l2_timeout, l2_timeout_keys, NULL);

static const cfg_key eager_keys[] = {
    {KEY(cfg_eager_refresh, kind, "kind", CK_ENUM), .def = "none", .names = eager_names,
     .help = "none; threshold (EagerRefreshThreshold, FusionCache: null); xfetch (probabilistic "
             "early expiration, resilience.md §4.b)"},
    {KEY(cfg_eager_refresh, threshold, "threshold", CK_DOUBLE), .def = "0.9", .min = 0, .max = 1,
     .flags = CF_MIN_OPEN | CF_MAX_OPEN,
     .help = "threshold: refresh in the background after this fraction of the duration"},
    {KEY(cfg_eager_refresh, beta, "beta", CK_DOUBLE), .def = "1", .min = 0, .max = 100,
     .flags = CF_MIN_OPEN, .help = "xfetch: β (1 = the paper's default)"},
};
static SECTION(eager_section, "eager_refresh", cfg_eager_refresh, eager_keys, NULL);

static const cfg_key lock_keys[] = {
    {KEY(cfg_lock, memory, "memory", CK_BOOL), .def = "true",
     .help = "request coalescing with the per-node memory locker (FusionCache: always on); false "
             "models a cache with no stampede protection (seed 001)"},
    {KEY(cfg_lock, memory_timeout, "memory_timeout", CK_DURATION), .def = "none", .min = 0,
     .max = BIG, .flags = CF_NONE,
     .help = "MemoryLockTimeout / LockTimeout (FusionCache: ∞; seed 002)"},
    {KEY(cfg_lock, distributed, "distributed", CK_BOOL), .def = "false",
     .help = "use the distributed locker (SET NX PX on the Redis model; seed 001)"},
    {KEY(cfg_lock, distributed_timeout, "distributed_timeout", CK_DURATION), .def = "none",
     .min = 0, .max = BIG, .flags = CF_NONE,
     .help = "DistributedLockTimeout (FusionCache: ∞); not acquired → the factory runs anyway"},
    {KEY(cfg_lock, abandon_timeout, "abandon_timeout", CK_DURATION), .def = "30s", .min = 0,
     .max = BIG, .flags = CF_MIN_OPEN,
     .help = "lock expiry (PX) so a dead holder frees it (Medallion RedisDistributedLock: 30 s)"},
    {KEY(cfg_lock, poll_min, "poll_min", CK_DURATION), .def = "10ms", .min = 0, .max = BIG,
     .flags = CF_MIN_OPEN, .help = "shortest wait between acquire attempts (Medallion: 10 ms)"},
    {KEY(cfg_lock, poll_max, "poll_max", CK_DURATION), .def = "800ms", .min = 0, .max = BIG,
     .flags = CF_MIN_OPEN, .help = "longest wait between acquire attempts (Medallion: 800 ms)"},
};
static SECTION(lock_section, "lock", cfg_lock, lock_keys, NULL);

static const cfg_key l1_keys[] = {
    {KEY(cfg_l1, enabled, "enabled", CK_BOOL), .def = "true", .help = "per-node memory cache"},
    {KEY(cfg_l1, capacity, "capacity", CK_INT), .def = "unbounded", .min = 1, .max = BIG,
     .flags = CF_UNBOUNDED, .help = "entries, LRU beyond"},
    {KEY(cfg_l1, outage_max_ttl, "outage_max_ttl", CK_DURATION), .def = "none", .min = 0,
     .max = BIG, .flags = CF_MIN_OPEN | CF_NONE,
     .help = "while the L2 breaker is open, L1 TTLs are clamped to this (HCL "
             "maxTimeToLiveWithRemoteOutage: 300 s, resilience.md §1.5)"},
    {KEY(cfg_l1, outage_clamp, "outage_clamp", CK_ENUM), .def = "outage_start",
     .names = clamp_names,
     .help = "existing entries expire by outage start + outage_max_ttl, or by their insertion + "
             "outage_max_ttl (HCL leaves it open, resilience.md §1.5)"},
};
static SECTION(l1_section, "l1", cfg_l1, l1_keys, NULL);

static const cfg_key cache_keys[] = {
    {KEY(cfg_cache, mode, "mode", CK_ENUM), .def = "read_through", .names = mode_names,
     .help = "read_through: L1 + L2; remote_only: L2 only (HCL remote-only); local_only: L1 only"},
    {KEY(cfg_cache, duration, "duration", CK_DURATION), .def = "30s", .min = 0, .max = BIG,
     .flags = CF_MIN_OPEN, .help = "Duration, the logical TTL (FusionCache: 30 s)"},
    {KEY(cfg_cache, jitter, "jitter", CK_DURATION), .def = "0s", .min = 0, .max = BIG,
     .help = "JitterMaxDuration: extra U[0,max) on the L1 duration (FusionCache: 0)"},
    {KEY(cfg_cache, memory_duration, "memory_duration", CK_DURATION), .def = "none", .min = 0,
     .max = BIG, .flags = CF_NONE,
     .help = "MemoryCacheDuration: the L1 duration, and the cap on an L1 copy of an L2 entry "
             "(FusionCache: null = duration; fusioncache.md §1 E)"},
    {KEY(cfg_cache, l2_duration, "l2_duration", CK_DURATION), .def = "none", .min = 0, .max = BIG,
     .flags = CF_NONE,
     .help = "DistributedCacheDuration: the L2 logical duration (FusionCache: null = duration)"},
    {KEY(cfg_cache, l1_copy_own_expiry, "l1_copy_own_expiry", CK_BOOL), .def = "false",
     .help = "false: an L1 copy of an L2 entry keeps L2's jitter-free logical expiration "
             "(FusionCache >= 1.x, fusioncache.md §1 E); true: the copy gets its own jitter "
             "(early FusionCache: now + duration + jitter, or L2's expiration + jitter with "
             "fail-safe on; what the jitter docs describe)"},
    {KEY(cfg_cache, fail_safe, "fail_safe", CK_SECTION), SUB(fail_safe_section),
     .help = "fail-safe: serve stale on factory errors"},
    {KEY(cfg_cache, factory_timeout, "factory_timeout", CK_SECTION), SUB(factory_timeout_section),
     .help = "factory soft/hard timeouts"},
    {KEY(cfg_cache, l2_timeout, "l2_timeout", CK_SECTION), SUB(l2_timeout_section),
     .help = "L2 read soft/hard timeouts"},
    {KEY(cfg_cache, eager_refresh, "eager_refresh", CK_SECTION), SUB(eager_section),
     .help = "refresh before expiry"},
    {KEY(cfg_cache, lock, "lock", CK_SECTION), SUB(lock_section), .help = "stampede protection"},
    {KEY(cfg_cache, l1, "l1", CK_SECTION), SUB(l1_section), .help = "the memory level"},
    {KEY(cfg_cache, background_l2, "background_l2", CK_BOOL), .def = "false",
     .help = "AllowBackgroundDistributedCacheOperations (FusionCache: false)"},
    {KEY(cfg_cache, background_backplane, "background_backplane", CK_BOOL), .def = "true",
     .help = "AllowBackgroundBackplaneOperations (FusionCache: true)"},
};
static SECTION(cache_section, "cache", cfg_cache, cache_keys, NULL);

/* ---- l2 ---------------------------------------------------------------- */
#define CMD(f, nm, what)                                                                           \
    {                                                                                              \
        KEY(cfg_redis_commands, f, nm, CK_DIST),                                                   \
            .inherit = "l2.redis.service",                                                         \
            .help = "service time of " what " (default: l2.redis.service)"                         \
    }
static const cfg_key commands_keys[] = {
    CMD(get, "get", "GET"),
    CMD(hmget, "hmget", "HMGET"),
    CMD(set, "set", "SET"),
    CMD(hmset, "hmset", "HMSET"),
    CMD(expire, "expire", "EXPIRE"),
    CMD(del, "del", "DEL"),
    CMD(publish, "publish", "PUBLISH (plus publish_per_subscriber)"),
    CMD(set_nx_px, "set_nx_px", "SET NX PX (distributed lock)"),
};
static SECTION(commands_section, "commands", cfg_redis_commands, commands_keys, NULL);

#define EXEC(f, nm, dflt, what)                                                                     \
    {                                                                                              \
        KEY(cfg_redis_exec, f, nm, CK_DURATION), .def = dflt, .min = 0, .max = BIG,                \
            .help = "batched: execution of " what                                                  \
    }
/* Defaults (exec and io): rs_batched_defaults() in models/redis_server.c is
 * the source, with the calibrate runs each number comes from; they are
 * written again here because sim/config may not include models/, and
 * tests/test_redis.c (config_batched_defaults_match_the_model) checks the
 * two agree.  del_if_owner (a Lua script) and connect are assumptions. */
static const cfg_key exec_keys[] = {
    EXEC(get, "get", "340ns", "GET"),
    EXEC(hmget, "hmget", "1080ns", "HMGET"),
    EXEC(set, "set", "990ns", "SET"),
    EXEC(hmset, "hmset", "1300ns", "HMSET (HSET of the entry's fields)"),
    EXEC(expire, "expire", "990ns", "EXPIRE"),
    EXEC(del, "del", "990ns", "DEL"),
    EXEC(publish, "publish", "510ns", "PUBLISH (plus publish_per_subscriber)"),
    EXEC(set_nx_px, "set_nx_px", "990ns", "SET NX PX"),
    EXEC(del_if_owner, "del_if_owner", "5us", "the lock release script"),
    EXEC(connect, "connect", "20us", "a connection's accept and handshake"),
    EXEC(ping, "ping", "340ns", "PING"),
    {KEY(cfg_redis_exec, publish_per_subscriber, "publish_per_subscriber", CK_DURATION),
     .def = "201ns", .min = 0, .max = 3.6e12, /* x subscribers stays in the 64-bit clock */
     .help = "batched: execution of PUBLISH per subscriber (issue 14: 0.16-0.46 us; at most 1h)"},
};
static SECTION(exec_section, "exec", cfg_redis_exec, exec_keys, NULL);

static const cfg_key io_keys[] = {
    {KEY(cfg_redis_io, loop, "loop", CK_DURATION), .def = "20787ns", .min = 0, .max = BIG,
     .help = "batched: per event-loop iteration (epoll_wait, beforeSleep), shared by its batch"},
    {KEY(cfg_redis_io, read, "read", CK_DURATION), .def = "5066ns", .min = 0, .max = BIG,
     .help = "batched: socket read per connection with input in the batch"},
    {KEY(cfg_redis_io, write, "write", CK_DURATION), .def = "5066ns", .min = 0, .max = BIG,
     .help = "batched: socket write per connection with replies in the batch"},
    {KEY(cfg_redis_io, publish_write, "publish_write", CK_DURATION), .def = "5129ns", .min = 0,
     .max = 3.6e12, /* at most 1h: x subscribers stays in the 64-bit clock */
     .help = "batched: socket write per subscriber a batch's PUBLISH reaches (issue 14: 5-7 us "
             "alone; shared when a batch publishes to a channel more than once)"},
    {KEY(cfg_redis_io, wake, "wake", CK_DURATION), .def = "28714ns", .min = 0, .max = BIG,
     .help = "batched: extra cost of an iteration that starts after the server was idle at "
             "least wake_after (wake-up from idle on the development VM; `cachestorm calibrate` "
             "measures it); 0 = off"},
    {KEY(cfg_redis_io, wake_after, "wake_after", CK_DURATION), .def = "40087ns", .min = 0,
     .max = BIG, .help = "batched: no wake cost after an idle time up to this"},
    {KEY(cfg_redis_io, wake_ramp, "wake_ramp", CK_DURATION), .def = "736601ns", .min = 0, .max = BIG,
     .help = "batched: the wake cost rises linearly from 0 at wake_after to `wake` at "
             "wake_after + wake_ramp (0: a step)"},
};
static SECTION(io_section, "io", cfg_redis_io, io_keys, NULL);

static const char *const cost_names[] = {"slow_commands", "batched", NULL};

static const cfg_key redis_keys[] = {
    {KEY(cfg_redis, cost, "cost", CK_ENUM), .def = "batched", .names = cost_names,
     .help = "slow_commands: each command takes a draw of `service` (+ publish_per_subscriber), "
             "the model before issue 14; batched: Redis's event loop — per-command `exec` plus "
             "`io` costs per iteration and per socket, shared by the commands that arrive "
             "together (models/redis_server.h). Left out while `service`, `commands` or "
             "`publish_per_subscriber` is given: slow_commands"},
    {KEY(cfg_redis, exec, "exec", CK_SECTION), SUB(exec_section),
     .help = "batched: execution time per command"},
    {KEY(cfg_redis, io, "io", CK_SECTION), SUB(io_section),
     .help = "batched: event-loop and socket costs"},
    {KEY(cfg_redis, service, "service", CK_DIST),
     .def = "{dist: lognormal, median: 100us, p99: 1ms}",
     .help = "slow_commands: service time of a command on the single-threaded server"},
    {KEY(cfg_redis, commands, "commands", CK_SECTION), SUB(commands_section),
     .help = "per-command service times"},
    {KEY(cfg_redis, publish_per_subscriber, "publish_per_subscriber", CK_DURATION), .def = "1us",
     .min = 0, .max = 3.6e12,
     .help = "extra PUBLISH cost per subscriber (at most 1h: times 200,008 subscribers it stays "
             "inside the 64-bit clock)"},
    {KEY(cfg_redis, memory, "memory", CK_SIZE), .def = "unbounded", .min = 1, .max = BIG,
     .flags = CF_UNBOUNDED, .help = "maxmemory"},
};
static SECTION(redis_section, "redis", cfg_redis, redis_keys, NULL);

static const cfg_key link_keys[] = {
    {KEY(cfg_link, rtt, "rtt", CK_DIST), .def = "{dist: lognormal, median: 250us, p99: 2ms}",
     .help = "round trip between a node and Redis; the default is a cross-host assumption "
             "(issue 14: on loopback the whole round trip, server included, is 23-31 us at p50)"},
    {KEY(cfg_link, loss, "loss", CK_DOUBLE), .def = "0", .min = 0, .max = 1, .flags = CF_MAX_OPEN,
     .help = "probability a request is lost (it then times out)"},
};
static SECTION(link_section, "link", cfg_link, link_keys, NULL);

static const cfg_key retries_keys[] = {
    {KEY(cfg_retries, attempts, "attempts", CK_INT), .def = "0", .min = 0, .max = 1000,
     .help = "retries after the first try (Redisson ≤3.47 / HCL: 3; SE.Redis: none)"},
    {KEY(cfg_retries, interval, "interval", CK_DURATION), .def = "1500ms", .min = 0, .max = BIG,
     .help = "base wait between tries (Redisson retryInterval: 1500 ms)"},
    {KEY(cfg_retries, backoff, "backoff", CK_KIND), .def = "constant", .kinds = &cfg_backoff_kinds,
     .help = "how the wait grows: a schedule of policy/backoff.c (resilience.md §2.3); "
             "polly_decorrelated_v2 is read as polly_exponential"},
    {KEY(cfg_retries, multiplier, "multiplier", CK_DOUBLE), .def = "2", .min = 1, .max = 100,
     .help = "exponential growth factor"},
    {KEY(cfg_retries, cap, "cap", CK_DURATION), .def = "none", .min = 0, .max = BIG,
     .flags = CF_NONE | CF_MIN_OPEN, .help = "largest wait"},
};
static SECTION(retries_section, "retries", cfg_retries, retries_keys, NULL);

static const cfg_key reconnect_keys[] = {
    {KEY(cfg_reconnect, policy, "policy", CK_KIND), .def = "ser_exponential",
     .kinds = &cfg_reconnect_kinds,
     .help = "reconnect schedule of policy/reconnect.c; client names pin their own formula "
             "(resilience.md §3); ser_exponential, ser_linear and exponential_max_retries use base "
             "and cap; a multiplexer runs ser_linear or else ser_exponential.  Former names: "
             "stackexchange_exponential and exponential (= ser_exponential), linear and constant "
             "(= ser_linear), redisson_347/348 (= redisson_3_47/3_48), seed004 "
             "(= exponential_max_retries)"},
    {KEY(cfg_reconnect, base, "base", CK_DURATION), .def = "2500ms", .min = 0, .max = BIG,
     .flags = CF_MIN_OPEN,
     .help = "first delay (SE.Redis ExponentialRetry(ConnectTimeout/2) = 2500 ms; seed 004: 1 s)"},
    {KEY(cfg_reconnect, cap, "cap", CK_DURATION), .def = "10s", .min = 0, .max = BIG,
     .flags = CF_MIN_OPEN | CF_NONE, .help = "largest delay (SE.Redis: max(δ, 10 s))"},
    {KEY(cfg_reconnect, max_retries, "max_retries", CK_INT), .def = "unbounded", .min = 0,
     .max = BIG, .flags = CF_UNBOUNDED, .help = "attempts before giving up (seed 004: 10; exponential_max_retries reads it); "
             "0 = none: stop at the first drop"},
};
static SECTION(reconnect_section, "reconnect", cfg_reconnect, reconnect_keys, NULL);

static const cfg_key stuck_keys[] = {
    {KEY(cfg_stuck, threshold, "threshold", CK_INT), .def = "none", .min = 1, .max = BIG,
     .flags = CF_NONE,
     .help = "reset the connection state after this many failed attempts "
             "(seed 004: 50); none = off"},
    {KEY(cfg_stuck, reset, "reset", CK_DURATION), .def = "none", .min = 0, .max = BIG,
     .flags = CF_MIN_OPEN | CF_NONE,
     .help = "... or after this long without progress (seed 004: 30 s); none = off"},
};
static SECTION(stuck_section, "stuck", cfg_stuck, stuck_keys, NULL);

static const cfg_key client_keys[] = {
    {KEY(cfg_client, kind, "kind", CK_ENUM), .def = "multiplexer", .names = client_names,
     .help = "multiplexer (StackExchange.Redis: one connection, backlog) or pool (Redisson, "
             "ioredis, node-redis: N connections, retries)"},
    {KEY(cfg_client, calls, "calls", CK_ENUM), .def = "async", .names = calls_names,
     .help = "async: a call releases its worker; sync: it holds the worker until reply or "
             "timeout (sync-over-async)"},
    {KEY(cfg_client, timeout, "timeout", CK_DURATION), .def = "5s", .min = 0, .max = BIG,
     .flags = CF_MIN_OPEN,
     .help = "per-command timeout (SE.Redis syncTimeout: 5 s; Redisson: 3 s)"},
    {KEY(cfg_client, async_timeout, "async_timeout", CK_DURATION), .inherit = "l2.client.timeout",
     .min = 0, .max = BIG, .flags = CF_MIN_OPEN,
     .help = "multiplexer: asyncTimeout, checked on the heartbeat (SE.Redis: = timeout)"},
    {KEY(cfg_client, heartbeat, "heartbeat", CK_DURATION), .def = "1s", .min = 0, .max = BIG,
     .flags = CF_MIN_OPEN, .help = "multiplexer: HeartbeatInterval (SE.Redis: 1 s)"},
    {KEY(cfg_client, connect_timeout, "connect_timeout", CK_DURATION), .def = "5s", .min = 0,
     .max = BIG, .flags = CF_MIN_OPEN,
     .help = "connect attempt timeout (SE.Redis: 5 s; Redisson, ioredis: 10 s)"},
    {KEY(cfg_client, connections, "connections", CK_INT), .def = "64", .min = 1, .max = 100000,
     .help = "pool: connections per node (Redisson connectionPoolSize: 64)"},
    {KEY(cfg_client, flush_cost, "flush_cost", CK_DURATION), .def = "0s", .min = 0, .max = BIG,
     .help = "multiplexer: time the single writer holds the write mutex per message (write + "
             "FlushSync into the connection's in-memory pipe; the socket send runs on the "
             "SocketManager, fusioncache.md §5).  0: a pipe flush costs microseconds"},
    {KEY(cfg_client, acquire_timeout, "acquire_timeout", CK_DURATION),
     .inherit = "l2.client.timeout", .min = 0, .max = BIG, .flags = CF_MIN_OPEN | CF_NONE,
     .help = "pool: longest wait for a free connection (default: timeout)"},
    {KEY(cfg_client, queue_while_disconnected, "queue_while_disconnected", CK_BOOL), .def = "true",
     .help = "multiplexer: backlog commands while disconnected (SE.Redis BacklogPolicy.Default)"},
    {KEY(cfg_client, on_refused, "on_refused", CK_ENUM), .def = "fail_fast", .names = refused_names,
     .help = "a refused connection fails at once, or like a timeout (Redisson: unconfirmed, "
             "resilience.md §1.6)"},
    {KEY(cfg_client, retries, "retries", CK_SECTION), SUB(retries_section),
     .help = "pool: command retries"},
    {KEY(cfg_client, reconnect, "reconnect", CK_SECTION), SUB(reconnect_section),
     .help = "reconnect schedule"},
    {KEY(cfg_client, stuck, "stuck", CK_SECTION), SUB(stuck_section),
     .help = "stuck-reconnect detection (seed 004)"},
    {KEY(cfg_client, dead_socket_factor, "dead_socket_factor", CK_INT), .def = "4", .min = 0,
     .max = 1000,
     .help = "multiplexer: silent disconnect + reconnect when nothing was read for this many "
             "async_timeouts while a written async command timed out (SER 2.8.31 "
             "PhysicalBridge.OnHeartbeat: 4); 0 = off"},
    {KEY(cfg_client, handshake_commands, "handshake_commands", CK_INT), .def = "12", .min = 1,
     .max = 1000,
     .help = "multiplexer: commands written on a new connection; it is established when the "
             "last one's (ECHO) reply is read (seed000-mechanism.md §4.5: ~12)"},
    {KEY(cfg_client, connect_completion, "connect_completion", CK_ENUM), .def = "pool",
     .names = connect_completion_names,
     .help = "multiplexer: pool = the connect completion waits for the socket engine's pass "
             "(.NET on unix); sync = it completes inline in TryConnect, and the old socket's "
             "stale OnDisconnected then clears ConnectedAt (seed000-mechanism.md §6: open)"},
    {KEY(cfg_client, backlog_linger, "backlog_linger", CK_DURATION), .def = "5s", .min = 0,
     .max = BIG,
     .help = "multiplexer: the backlog thread lingers (SpinningDown, WaitOne(5000)) after a pass"},
    {KEY(cfg_client, preset, "preset", CK_ENUM), .def = "none", .names = preset_names,
     .help = "a real client's defaults (docs/reference/redis-clients.md): replaces kind, "
             "timeouts, connections, retries, reconnect.policy and the offline behaviour "
             "(offline queue, maxRetriesPerRequest, command timeout, resend); stuck stays. "
             "ioredis_*/node_redis_*: one pipelined socket; redisson: pool; "
             "stackexchange_redis: multiplexer"},
};
static SECTION(client_section, "client", cfg_client, client_keys, NULL);

/* A breaker's keys are its kind's parameter names (policy/breaker_KIND.c
 * descriptors), defaults and checks included: sim/config/config_kinds.c. */
static const cfg_key breaker_keys[] = {
    {KEY(cfg_breaker, kind, "kind", CK_KIND), .def = "none", .kinds = &cfg_breaker_kinds,
     .help = "a kind of the registry in policy/breaker.c: none (FusionCache default: duration 0 = "
             "never opens); hcl_v1; sliding_window (Resilience4j, HCL V2); polly; simple "
             "(FusionCache).  Its other keys are the kind's parameters, below"},
    {KEY(cfg_breaker, scope, "scope", CK_ENUM), .def = "client", .names = scope_names,
     .help = "one breaker per client (node), or one per cache name fed by all its nodes, each of "
             "which sees and counts its trips (HCL scope, resilience.md §1.4)"},
    {KEY(cfg_breaker, params, "parameters", CK_PARAMS), .params = &cfg_breaker_params,
     .help = "the kind's parameters"},
};
static SECTION(breaker_section, "breaker", cfg_breaker, breaker_keys, NULL);

static const cfg_key l2_keys[] = {
    {KEY(cfg_l2, redis, "redis", CK_SECTION), SUB(redis_section), .help = "the Redis server"},
    {KEY(cfg_l2, link, "link", CK_SECTION), SUB(link_section), .help = "the network to Redis"},
    {KEY(cfg_l2, client, "client", CK_SECTION), SUB(client_section), .help = "each node's client"},
    {KEY(cfg_l2, breaker, "breaker", CK_SECTION), SUB(breaker_section),
     .help = "the circuit breaker around L2 calls"},
    {KEY(cfg_l2, fallback, "fallback", CK_ENUM), .def = "database", .names = fallback_names,
     .help = "when L2 is unusable: go to the database (seed 004) or fail"},
    {KEY(cfg_l2, check_connected, "check_connected", CK_BOOL), .def = "false",
     .help = "skip Redis while the client says it is not connected (seed 004's "
             "`if (redisManager.isConnected())` guard)"},
};
static SECTION(l2_section, "l2", cfg_l2, l2_keys, NULL);

/* ---- backplane, database ---------------------------------------------- */
static const cfg_key auto_recovery_keys[] = {
    {KEY(cfg_auto_recovery, enabled, "enabled", CK_BOOL), .def = "true",
     .help = "EnableAutoRecovery (FusionCache: true)"},
    {KEY(cfg_auto_recovery, delay, "delay", CK_DURATION), .def = "5s", .min = 0, .max = BIG,
     .help = "AutoRecoveryDelay (FusionCache source: 5 s; its docs say 2 s)"},
    {KEY(cfg_auto_recovery, max_items, "max_items", CK_INT), .def = "unbounded", .min = 1,
     .max = BIG, .flags = CF_UNBOUNDED, .help = "AutoRecoveryMaxItems (FusionCache: unbounded)"},
};
static SECTION(auto_recovery_section, "auto_recovery", cfg_auto_recovery, auto_recovery_keys, NULL);

static const cfg_key backplane_keys[] = {
    {KEY(cfg_backplane, enabled, "enabled", CK_BOOL), .def = "false",
     .help = "Redis pub/sub invalidation between nodes"},
    {KEY(cfg_backplane, channel_prefix, "channel_prefix", CK_STRING), .def = "\"\"",
     .help = "BackplaneChannelPrefix; \"\" = the node's cache_name (fusioncache.md §3)"},
    {KEY(cfg_backplane, receive, "receive", CK_ENUM), .def = "async", .names = receive_names,
     .help = "async (FusionCache 2.0.0, ≥2.2.0); sync_inline (2.0.1/2.1.0: blocking L2 read on a "
             "worker, seed 000); ignore"},
    {KEY(cfg_backplane, connection, "connection", CK_ENUM), .def = "separate", .names = conn_names,
     .help = "the backplane's own multiplexer, or the cache's (ConnectionMultiplexerFactory)"},
    {KEY(cfg_backplane, auto_recovery, "auto_recovery", CK_SECTION), SUB(auto_recovery_section),
     .help = "replay of lost notifications"},
};
static SECTION(backplane_section, "backplane", cfg_backplane, backplane_keys, NULL);

static const cfg_key database_keys[] = {
    {KEY(cfg_database, pool, "pool", CK_INT), .def = "50", .min = 1, .max = 1e6,
     .help = "connections"},
    {KEY(cfg_database, service, "service", CK_DIST),
     .def = "{dist: lognormal, median: 20ms, p99: 200ms}", .help = "query time at no load"},
    {KEY(cfg_database, load_factor, "load_factor", CK_DOUBLE), .def = "0", .min = 0, .max = 1000,
     .help = "load-dependent latency: service × (1 + load_factor × busy/pool)"},
    {KEY(cfg_database, acquire_timeout, "acquire_timeout", CK_DURATION), .def = "none", .min = 0,
     .max = BIG, .flags = CF_MIN_OPEN | CF_NONE, .help = "longest wait for a connection"},
};
static SECTION(database_section, "database", cfg_database, database_keys, NULL);

/* ---- faults ------------------------------------------------------------ */
static const cfg_key fault_keys[] = {
    {KEY(cfg_fault, at, "at", CK_DURATION), .def = "0s", .min = 0, .max = BIG,
     .help = "start (stochastic faults: start of the MTTF/MTTR process)"},
    {KEY(cfg_fault, target, "target", CK_ENUM), .def = "redis", .names = target_names,
     .help = "what fails"},
    {KEY(cfg_fault, node, "node", CK_INT), .def = "all", .min = 0, .max = 100000, .flags = CF_ALL,
     .help = "link/node targets: the node index (0-based), or all"},
    {KEY(cfg_fault, nodes, "nodes", CK_INTLIST), .def = "[]", .min = 0, .max = 100000,
     .help = "link, node and backplane faults and a redis partition: the node indexes (instead of node)"},
    {KEY(cfg_fault, kind, "kind", CK_ENUM), .def = "down", .names = fault_names,
     .help = "down (refused: fast failure), blackhole (no answer: timeouts), slow (× factor), "
             "restart (down, then up empty), flush, partition, pause (GC-like stop), capacity"},
    {KEY(cfg_fault, for_, "for", CK_DURATION), .def = "none", .min = 0, .max = BIG,
     .flags = CF_MIN_OPEN | CF_NONE, .help = "how long; none = until the end"},
    {KEY(cfg_fault, factor, "factor", CK_DOUBLE), .def = "10", .min = 0, .max = 1e6,
     .flags = CF_MIN_OPEN, .help = "slow: service/latency multiplier"},
    {KEY(cfg_fault, workers, "workers", CK_INT), .def = "1", .min = 0, .max = 1e9,
     .help = "capacity on a node: workers left"},
    {KEY(cfg_fault, connections, "connections", CK_INT), .def = "1", .min = 0, .max = 1e9,
     .help = "capacity on the database or a pool client: connections left"},
    {KEY(cfg_fault, mttf, "mttf", CK_DURATION), .def = "none", .min = 0, .max = BIG,
     .flags = CF_MIN_OPEN | CF_NONE, .help = "mean time to failure (exponential); with mttr"},
    {KEY(cfg_fault, mttr, "mttr", CK_DURATION), .def = "none", .min = 0, .max = BIG,
     .flags = CF_MIN_OPEN | CF_NONE, .help = "mean time to repair (exponential); with mttf"},
};
static SECTION(fault_section, "fault", cfg_fault, fault_keys, NULL);

/* ---- queue (the validation world) ------------------------------------- */
static const cfg_key queue_keys[] = {
    {KEY(cfg_queue, servers, "servers", CK_INT), .def = "1", .min = 1, .max = 1e6,
     .help = "c in M/M/c"},
    {KEY(cfg_queue, arrival, "arrival", CK_RATE), .def = "500/s", .min = 0, .max = 1e12,
     .flags = CF_MIN_OPEN, .help = "Poisson arrival rate λ (default ρ = 0.5 with the service)"},
    {KEY(cfg_queue, service, "service", CK_DIST), .def = "{dist: exponential, mean: 1ms}",
     .help = "service time: exponential (M/M/c), constant (M/D/1), any (M/G/1)"},
    {KEY(cfg_queue, discipline, "discipline", CK_ENUM), .def = "fifo", .names = disc_names,
     .help = "queue order"},
    {KEY(cfg_queue, capacity, "capacity", CK_INT), .def = "unbounded", .min = 0, .max = BIG,
     .flags = CF_UNBOUNDED, .help = "waiting room (arrivals beyond it are lost)"},
};
static SECTION(queue_section, "queue", cfg_queue, queue_keys, NULL);

/* ---- top level --------------------------------------------------------- */
static const cfg_key root_keys[] = {
    {KEY(config, schema, "schema", CK_INT), .def = "1", .min = 1, .max = 1,
     .help = "config format version; must be 1"},
    {KEY(config, name, "name", CK_STRING), .def = "\"unnamed\"", .help = "the run's name"},
    {KEY(config, seed, "seed", CK_INT), .def = "1", .min = 0, .max = BIG,
     .help = "run seed; every random stream derives from it"},
    {KEY(config, duration, "duration", CK_DURATION), .def = "60s", .min = 0, .max = BIG,
     .flags = CF_MIN_OPEN, .help = "simulated time"},
    {KEY(config, warmup, "warmup", CK_DURATION), .def = "0s", .min = 0, .max = BIG,
     .help = "left out of summary metrics; less than duration"},
    {KEY(config, interval, "interval", CK_DURATION), .def = "1s", .min = 0, .max = BIG,
     .flags = CF_MIN_OPEN, .help = "time-series bucket"},
    {KEY(config, model, "model", CK_ENUM), .def = "cache", .names = model_names,
     .help = "cache: the cache world; queue: the built-in queue for validation against theory"},
    {KEY(config, nodes, "nodes", CK_SECTION), SUB(nodes_section), .help = "application nodes"},
    {KEY(config, workload, "workload", CK_SECTION), SUB(workload_section), .help = "the traffic"},
    {KEY(config, cache, "cache", CK_SECTION), SUB(cache_section),
     .help = "the cache library (FusionCache entry options)"},
    {KEY(config, l2, "l2", CK_SECTION), SUB(l2_section), .help = "the shared Redis level"},
    {KEY(config, backplane, "backplane", CK_SECTION), SUB(backplane_section),
     .help = "invalidation messages"},
    {KEY(config, database, "database", CK_SECTION), SUB(database_section),
     .help = "the source of truth the factory reads"},
    {KEY(config, faults, "faults", CK_LIST), SUB(fault_section),
     .help = "fault schedule [{at, target, node|nodes, kind, for, ...}]"},
    {KEY(config, expect, "expect", CK_EXPECTS), .def = "[]",
     .help = "expectations judged by `cachestorm check`, e.g. \"requests.error == 0\""},
    {KEY(config, queue, "queue", CK_SECTION), SUB(queue_section), .help = "model: queue only"},
};
SECTION(cfg_root_section, "", config, root_keys, NULL);
