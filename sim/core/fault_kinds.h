/* fault_kinds.h — THE fault capability table: which fault kinds exist, which
 * targets exist, and which kind applies to which target.  The config checker
 * (sim/config/config_check.c, so `validate`) and the fault model
 * (models/faults.c, so `run`) both read it, so they cannot disagree; the
 * key reference and `faults[].kind` errors quote it.  Adding a fault kind:
 * a line in FAULT_KINDS, its bit in the targets that support it, its case in
 * models/faults.c apply(). */
#ifndef CS_FAULT_KINDS_H
#define CS_FAULT_KINDS_H

#include "sim/core/common.h"

/* X(ID, name) in the order of the config's enums */
#define FAULT_TARGETS(X)                                                                        \
    X(REDIS, "redis") X(DATABASE, "database") X(LINK, "link") X(NODE, "node")                   \
    X(BACKPLANE, "backplane")
#define FAULT_KINDS(X)                                                                          \
    X(DOWN, "down") X(BLACKHOLE, "blackhole") X(SLOW, "slow") X(RESTART, "restart")             \
    X(FLUSH, "flush") X(PARTITION, "partition") X(PAUSE, "pause") X(CAPACITY, "capacity")

typedef enum {
#define X(ID, NAME) FAULT_TARGET_##ID,
    FAULT_TARGETS(X)
#undef X
        FAULT_TARGET_N
} fault_target;

typedef enum {
#define X(ID, NAME) FAULT_KIND_##ID,
    FAULT_KINDS(X)
#undef X
        FAULT_KIND_N
} fault_kind;

/* Most nodes one fault may list (nodes: [...]). */
#define FAULT_MAX_NODES 64

/* NULL-terminated name lists (the config's enum names) */
extern const char *const fault_target_names[FAULT_TARGET_N + 1];
extern const char *const fault_kind_names[FAULT_KIND_N + 1];

/* Does `kind` apply to `target`?  And what it does there (NULL if not). */
bool fault_supported(fault_target target, fault_kind kind);
const char *fault_effect(fault_target target, fault_kind kind);
/* May the fault name nodes (node:/nodes:)?  Links, nodes and the backplane
 * are per node; a Redis partition cuts the listed nodes' links (or all). */
bool fault_takes_nodes(fault_target target, fault_kind kind);
/* "down, blackhole, slow" — the kinds a target supports, for messages. */
void fault_kinds_of(fault_target target, char *buf, size_t size);

#endif
