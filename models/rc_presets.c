/* rc_presets.c — the client presets (config l2.client.preset): the ONE
 * table of what each real client does by default when its connection
 * drops.  Every row cites the published package's file and line at the
 * named version (npm tarballs: ioredis `built/`, @redis/client `dist/lib/`;
 * node-redis 4.7.1 ships @redis/client 1.6.1, 5.12.1 and 6.2.1 ship the
 * same-numbered @redis/client).  docs/reference/redis-clients.md copies the
 * table with the quoted lines; tests/test_redis.c pins what the real
 * clients were measured doing on the model built from these rows.
 */
#include <stdio.h>
#include <string.h>

#include "models/rc_impl.h"

#define IO5 "ioredis 5.11.1 built/"
#define IO6 "ioredis 6.0.0 built/"

static const rc_preset presets[] = {
    {"ioredis_v5", "ioredis 5.11.1", "single", "ioredis_v5",
     .offline_queue = true, .resend_unfulfilled = true, .immediate_reconnect = false,
     .max_retries_per_request = 20, .command_timeout = 0, .attempt_timeout = 0,
     .connect_timeout = MS(10000),
     .source = IO5 "redis/RedisOptions.js:9 connectTimeout 10000; :11-13 retryStrategy "
                   "min(times*50, 2000); :43 enableOfflineQueue true; :46 "
                   "autoResendUnfulfilledCommands true; :52 maxRetriesPerRequest 20; "
                   "redis/event_handler.js:187 retryStrategy(++retryAttempts) on every close; "
                   ":204-207 retryAttempts % (maxRetriesPerRequest+1) == 0 -> flushQueue("
                   "MaxRetriesPerRequestError); :175 prevCommandQueue = commandQueue (reset only "
                   "on connect, :14); :228 retryAttempts = 0 on ready; :281 resend unfulfilled; "
                   "Redis.js:352 commandTimeout only if set; :375 offline queue when not writable"},
    {"ioredis_v6", "ioredis 6.0.0", "single", "ioredis_v6",
     .offline_queue = true, .resend_unfulfilled = true, .immediate_reconnect = false,
     .max_retries_per_request = 20, .command_timeout = 0, .attempt_timeout = 0,
     .connect_timeout = MS(10000),
     .source = IO6 "redis/RedisOptions.js:9 connectTimeout 10000; :11-15 retryStrategy "
                   "min(2^(times-1)*50, 5000) + floor(random*200); :46 enableOfflineQueue true; "
                   ":49 autoResendUnfulfilledCommands true; :57 maxRetriesPerRequest 20; "
                   "redis/event_handler.js:326 retryStrategy(++retryAttempts); :343-346 flush "
                   "at every (N+1)-th close; :314 prevCommandQueue; :367 reset on ready; :416 "
                   "resend; Redis.js:368 commandTimeout only if set; :405 offline queue"},
    {"node_redis_v4", "node-redis 4.7.1 (@redis/client 1.6.1)", "single", "node_redis_v4",
     .offline_queue = true, .resend_unfulfilled = false, .immediate_reconnect = true,
     .max_retries_per_request = -1, .command_timeout = 0, .attempt_timeout = 0,
     .connect_timeout = MS(5000),
     .source = "@redis/client 1.6.1 dist/lib/client/socket.js:104 connectTimeout 5000; :129 "
               "min(retries*50, 500); :144-170 #connect loop, strategy(retries++) after each "
               "failure; :216-224 #onSocketError: a ready socket's error calls #connect() at "
               "once; client/index.js:423-424 flushWaitingForReply (in flight rejected, offline "
               "queue kept); :528 rejected only with disableOfflineQueue; no command timeout"},
    {"node_redis_v5", "node-redis 5.12.1 (@redis/client 5.12.1)", "single", "node_redis_v5",
     .offline_queue = true, .resend_unfulfilled = false, .immediate_reconnect = true,
     .max_retries_per_request = -1, .command_timeout = 0, .attempt_timeout = 0,
     .connect_timeout = MS(5000),
     .source = "@redis/client 5.12.1 dist/lib/client/socket.js:44 connectTimeout 5000; :158 "
               "#connect(), :194 strategy(retries++); :256-266 #onSocketError -> #connect() at "
               "once; :323-332 min(2^retries*50, 2000) + floor(random*200), none after "
               "SocketTimeoutError; client/index.js:541-542 flushWaitingForReply; :367 "
               "commandOptions without a default timeout; :752 disableOfflineQueue"},
    {"node_redis_v6", "node-redis 6.2.1 (@redis/client 6.2.1)", "single", "node_redis_v5",
     .offline_queue = true, .resend_unfulfilled = false, .immediate_reconnect = true,
     .max_retries_per_request = -1, .command_timeout = MS(5000), .attempt_timeout = 0,
     .connect_timeout = MS(5000),
     .source = "@redis/client 6.2.1 dist/lib/defaults.js:5 DEFAULT_COMMAND_TIMEOUT 5000; "
               "client/index.js:466 commandOptions timeout default; client/commands-queue.js:"
               "217-222 AbortSignal.timeout(timeout) armed at enqueue -> TimeoutError; "
               "client/socket.js:45 connectTimeout 5000; :173 #connect(); :333 immediate "
               "#connect() on a ready socket's error; :403-412 the v5 formula; client/index.js:"
               "644-645 flushWaitingForReply; :1131 disableOfflineQueue"},
    {"node_redis_v6_3", "node-redis 6.3.0 (@redis/client 6.3.0)", "single", "node_redis_v6_3",
     .offline_queue = true, .resend_unfulfilled = false, .immediate_reconnect = true,
     .max_retries_per_request = -1, .command_timeout = MS(5000), .attempt_timeout = 0,
     .connect_timeout = MS(5000),
     .source = "@redis/client 6.3.0 dist/lib/client/socket.js:176 #connect(retries = 0); :352 "
               "#onSocketError -> #connect(1): the immediate attempt, then strategy(1), "
               "strategy(2), ... (no 50 ms step); :429-438 the v5 formula; defaults.js:5 "
               "DEFAULT_COMMAND_TIMEOUT 5000; client/index.js:466, 645 as 6.2.1"},
    {"redisson", "Redisson >= 3.48 (pool)", "pool", "redisson_3_48",
     .offline_queue = false, .resend_unfulfilled = false, .immediate_reconnect = false,
     .max_retries_per_request = -1, .command_timeout = 0, .attempt_timeout = MS(3000),
     .connect_timeout = MS(10000),
     .source = "resilience.md §1.6 (timeout 3000, retryAttempts 3, retryInterval 1500, "
               "connectTimeout 10000), §3.3 (reconnectionDelay EqualJitterDelay(100 ms, 10 s), "
               "connectionPoolSize 64): the repository's reference, not re-read at source"},
    {"stackexchange_redis", "StackExchange.Redis 2.8.x (multiplexer)", "multiplexer",
     "ser_exponential", .offline_queue = true, .resend_unfulfilled = false,
     .immediate_reconnect = false, .max_retries_per_request = -1, .command_timeout = 0,
     .attempt_timeout = MS(5000), .connect_timeout = MS(5000),
     .source = "fusioncache.md §5 (syncTimeout 5000, BacklogPolicy.Default, ConnectTimeout "
               "5000, HeartbeatInterval 1000), resilience.md §3.4 (ExponentialRetry("
               "ConnectTimeout/2) polled on the heartbeat): the repository's reference"},
};

const rc_preset *rc_presets(size_t *n)
{
    *n = sizeof presets / sizeof presets[0];
    return presets;
}

const rc_preset *rc_preset_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof presets / sizeof presets[0]; i++)
        if (strcmp(presets[i].name, name) == 0)
            return &presets[i];
    return NULL;
}

void rc_preset_apply(const rc_preset *ps, rc_params *p)
{
    rc_params q = rc_defaults(ps->kind);
    /* the application's, not the client's */
    q.count_l2 = p->count_l2;
    q.stuck_threshold = p->stuck_threshold;
    q.stuck_reset = p->stuck_reset;
    q.heartbeat = p->heartbeat;
    q.heartbeat_phase = p->heartbeat_phase;
    q.keepalive = p->keepalive;
    q.max_commands = p->max_commands;
    q.max_subscriptions = p->max_subscriptions;
    q.write = p->write; /* a dist owning no memory (dist_constant) */
    rc_schedule *rs = strcmp(ps->kind, "multiplexer") == 0 ? &q.reconnect_mux : &q.reconnect;
    snprintf(rs->name, sizeof rs->name, "%s", ps->reconnect);
    q.queue_while_disconnected = ps->offline_queue;
    q.resend_unfulfilled = ps->resend_unfulfilled;
    q.immediate_reconnect = ps->immediate_reconnect;
    q.max_retries_per_request = ps->max_retries_per_request;
    q.command_timeout = ps->command_timeout;
    q.timeout = ps->attempt_timeout > 0 ? ps->attempt_timeout : SIM_NEVER;
    q.async_timeout = q.timeout;
    q.acquire_timeout = q.timeout;
    q.connect_timeout = ps->connect_timeout;
    *p = q;
}
