/* network.c — node↔Redis links: RTT draws, loss draws, partitions, slow
 * factors (MODEL.md "L2: Link").  Each link owns two named random streams
 * ("link[i].rtt", "link[i].loss") so adding a link never shifts another's
 * draws.  The all-links flags (link -1) are kept apart from the per-link
 * ones so that healing "all" does not heal a node-specific partition.
 * Left out: bandwidth, TCP retransmission, reordering (see network.h).
 */
#include "models/network.h"

#include <assert.h>
#include <stdlib.h>

typedef struct link {
    dist rtt;
    double loss, slow;
    bool partitioned;
    gsl_rng *rtt_rng, *loss_rng;
} link;

struct network {
    engine *e;
    int n;
    link *links;
    bool all_partitioned;
    double all_loss, all_slow;
};

net_link_params net_link_defaults(void)
{
    net_link_params p = {0};
    cs_err err;
    const char *keys[] = {"median", "p99"};
    const double vals[] = {US(250), MS(2)};
    int rc = dist_init(&p.rtt, "lognormal", 2, keys, vals, &err);
    assert(rc == 0);
    (void)rc;
    p.loss = 0;
    return p;
}

network *net_new(engine *e, int nlinks, const net_link_params *params, bool same)
{
    assert(e && nlinks >= 1 && params);
    network *n = cs_calloc(1, sizeof *n);
    n->e = e;
    n->n = nlinks;
    n->all_slow = 1.0;
    n->links = cs_calloc((size_t)nlinks, sizeof *n->links);
    for (int i = 0; i < nlinks; i++) {
        const net_link_params *p = same ? &params[0] : &params[i];
        assert(p->rtt.kind && p->loss >= 0 && p->loss < 1);
        dist_copy(&n->links[i].rtt, &p->rtt);
        n->links[i].loss = p->loss;
        n->links[i].slow = 1.0;
        n->links[i].rtt_rng = eng_rngf(e, "link[%d].rtt", i);
        n->links[i].loss_rng = eng_rngf(e, "link[%d].loss", i);
    }
    return n;
}

void net_free(network *n)
{
    if (!n)
        return;
    for (int i = 0; i < n->n; i++)
        dist_free(&n->links[i].rtt);
    free(n->links);
    free(n);
}

int net_links(const network *n)
{
    return n->n;
}

static link *get(const network *n, int i)
{
    assert(i >= 0 && i < n->n);
    return &n->links[i];
}

/* One round trip: a draw from the link's distribution × the slow factor. */
sim_ns net_rtt(network *n, int i)
{
    link *l = get(n, i);
    sim_ns t = dist_sample_ns(&l->rtt, l->rtt_rng);
    double f = l->slow > n->all_slow ? l->slow : n->all_slow;
    if (f != 1.0)
        t = (sim_ns)((double)t * f);
    return t;
}

bool net_partitioned(const network *n, int i)
{
    return n->all_partitioned || get(n, i)->partitioned;
}

/* Partition loses everything; otherwise one Bernoulli draw when loss > 0
 * (no draw at loss 0, so turning loss on elsewhere shifts nothing here). */
bool net_lost(network *n, int i)
{
    link *l = get(n, i);
    if (n->all_partitioned || l->partitioned)
        return true;
    double p = l->loss > n->all_loss ? l->loss : n->all_loss;
    return p > 0 && gsl_rng_uniform(l->loss_rng) < p;
}

void net_set_partition(network *n, int i, bool on)
{
    if (i < 0)
        n->all_partitioned = on;
    else
        get(n, i)->partitioned = on;
}

void net_set_loss(network *n, int i, double p)
{
    assert(p >= 0 && p <= 1);
    if (i < 0)
        n->all_loss = p;
    else
        get(n, i)->loss = p;
}

void net_set_slow(network *n, int i, double f)
{
    assert(f > 0);
    if (i < 0)
        n->all_slow = f;
    else
        get(n, i)->slow = f;
}
