/* network.h — the links between application nodes and the Redis server.
 *
 * One link per node (index = node id, or any small integer the topology
 * chooses).  A link has a round-trip-time distribution (a command's RTT is
 * drawn once and split half each way: MODEL.md "L2: Link"), a loss
 * probability (a lost request or message never arrives, so it times out),
 * a slow factor (RTT × factor) and a partition flag (nothing crosses in
 * either direction while set).  Partition, loss and slow can also be set for
 * all links at once (link -1).
 * Left out: bandwidth/serialisation delay, TCP retransmission after a
 * partition heals (a message sent during a partition is simply lost), and
 * reordering (the client keeps each connection FIFO on top of these draws).
 */
#ifndef CS_NETWORK_H
#define CS_NETWORK_H

#include <gsl/gsl_rng.h>

#include "sim/core/common.h"
#include "sim/core/dist.h"
#include "sim/core/engine.h"

/* Parameters of one link. */
typedef struct net_link_params {
    dist rtt;    /* round trip; default lognormal median 250 us, p99 2 ms
                    (INTERFACES.md config example l2.link.rtt) */
    double loss; /* probability in [0,1) that a request/message is lost; default 0 */
} net_link_params;

/* Defaults as documented above.  The returned dist owns no memory. */
net_link_params net_link_defaults(void);

typedef struct network network;

/* A network of `nlinks` links; link i takes params[i] (deep-copied), or
 * params[0] for every link when `same` is true.  Random streams are
 * "link[i].rtt" and "link[i].loss", looked up here. */
network *net_new(engine *e, int nlinks, const net_link_params *params, bool same);
void net_free(network *n);
int net_links(const network *n);

/* Draw one round trip for link `link` (already × slow factor), in ns. */
sim_ns net_rtt(network *n, int link);
/* True when a request/message sent now on `link` is lost (partition or a
 * loss draw).  Draws from the loss stream only when loss > 0. */
bool net_lost(network *n, int link);
/* True while `link` is partitioned (by its own flag or the all-links flag). */
bool net_partitioned(const network *n, int link);

/* Fault controls.  link = -1 means every link (an "all" flag that is
 * combined with the per-link one: partitioned if either is set; loss and
 * slow take the larger of the two). */
void net_set_partition(network *n, int link, bool on);
void net_set_loss(network *n, int link, double p);
void net_set_slow(network *n, int link, double factor); /* 1.0 = normal */

#endif
