/* fault_kinds.c — the fault capability table (see fault_kinds.h). */
#include "sim/core/fault_kinds.h"

#include <stdio.h>
#include <string.h>

const char *const fault_target_names[FAULT_TARGET_N + 1] = {
#define X(ID, NAME) NAME,
    FAULT_TARGETS(X)
#undef X
        NULL};

const char *const fault_kind_names[FAULT_KIND_N + 1] = {
#define X(ID, NAME) NAME,
    FAULT_KINDS(X)
#undef X
        NULL};

/* What each supported (target, kind) does in models/faults.c; NULL = not
 * supported.  The one capability table. */
static const char *const EFFECT[FAULT_TARGET_N][FAULT_KIND_N] = {
    [FAULT_TARGET_REDIS] =
        {
            [FAULT_KIND_DOWN] = "refuses connections",
            [FAULT_KIND_BLACKHOLE] = "accepts nothing, answers nothing (timeouts)",
            [FAULT_KIND_SLOW] = "service times x factor",
            [FAULT_KIND_RESTART] = "down for `for`, then back with an empty keyspace",
            [FAULT_KIND_FLUSH] = "the keyspace is emptied (instant)",
            [FAULT_KIND_PAUSE] = "stops serving; queued commands wait",
            [FAULT_KIND_PARTITION] = "the listed nodes' links (or all) carry nothing",
        },
    [FAULT_TARGET_DATABASE] =
        {
            [FAULT_KIND_DOWN] = "calls fail fast",
            [FAULT_KIND_BLACKHOLE] = "nothing comes back (slow x 1e6)",
            [FAULT_KIND_SLOW] = "service times x factor",
            [FAULT_KIND_RESTART] = "down for `for`",
            [FAULT_KIND_PAUSE] = "nothing comes back (slow x 1e6)",
            [FAULT_KIND_CAPACITY] = "usable connections limited to `capacity`",
        },
    [FAULT_TARGET_LINK] =
        {
            [FAULT_KIND_DOWN] = "nothing crosses the node's link",
            [FAULT_KIND_BLACKHOLE] = "nothing crosses the node's link",
            [FAULT_KIND_SLOW] = "round trips x factor",
            [FAULT_KIND_PARTITION] = "nothing crosses the node's link",
        },
    [FAULT_TARGET_NODE] =
        {
            [FAULT_KIND_DOWN] = "no worker runs (requests refused or waiting)",
            [FAULT_KIND_PAUSE] = "no worker runs (a stop-the-world pause)",
            [FAULT_KIND_CAPACITY] = "workers limited to `capacity`",
        },
    [FAULT_TARGET_BACKPLANE] =
        {
            [FAULT_KIND_DOWN] = "the node's messages are lost both ways",
            [FAULT_KIND_BLACKHOLE] = "the node's messages are lost both ways",
            [FAULT_KIND_PARTITION] = "the node's messages are lost both ways",
        },
};

bool fault_supported(fault_target target, fault_kind kind)
{
    return fault_effect(target, kind) != NULL;
}

const char *fault_effect(fault_target target, fault_kind kind)
{
    if ((unsigned)target >= FAULT_TARGET_N || (unsigned)kind >= FAULT_KIND_N)
        return NULL;
    return EFFECT[target][kind];
}

bool fault_takes_nodes(fault_target target, fault_kind kind)
{
    return target == FAULT_TARGET_LINK || target == FAULT_TARGET_NODE ||
           target == FAULT_TARGET_BACKPLANE ||
           (target == FAULT_TARGET_REDIS && kind == FAULT_KIND_PARTITION);
}

void fault_kinds_of(fault_target target, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int k = 0; k < FAULT_KIND_N && n < size; k++)
        if (fault_supported(target, (fault_kind)k))
            n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? ", " : "", fault_kind_names[k]);
}
