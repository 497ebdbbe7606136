/* sweep_plan.h — `sweep --plan` and `sweep --slurm`: an experiment's runs as
 * self-contained job lines for an existing batch engine (GNU parallel, a
 * Slurm job array); README "Beyond one machine". */
#ifndef CS_SWEEP_PLAN_H
#define CS_SWEEP_PLAN_H

#include "sim/run/experiment.h"

typedef struct plan_opts {
    const char *dir;    /* the plan directory (configs/, shards/, logs/, jobs.txt) */
    const char *db;     /* the database the shards are merged into (--db) */
    const char *format; /* "lines" or "json" */
    bool slurm, submit;
    const char *partition, *time; /* NULL: the cluster's defaults */
    long array_max;               /* 0: no limit on tasks at once */
    const char *max_memory;       /* --max-memory SIZE for every job, or NULL */
} plan_opts;

/* Write the plan of e (configs, jobs.txt, and with slurm the sbatch script)
 * and print it (lines or JSON), or the sbatch and merge commands with slurm
 * (running sbatch with submit).  Returns an exit status; messages on stderr. */
int sweep_plan(const experiment *e, const plan_opts *o);

#endif
