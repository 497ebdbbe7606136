/* sweep_plan.c — the plan of a sweep (see sweep_plan.h).
 *
 * A job is one run: `cachestorm run CONFIG --db SHARD --experiment E
 * [--variant V] --skip-done --done-in DB --quiet`, where CONFIG is the run's
 * effective config (every key, its seed and name included) written once to
 * PLAN/configs/HASH.yaml — HASH is the run's config hash, so the file name
 * is its identity — and SHARD is PLAN/shards/HASH.db, a database of its own:
 * jobs never share a file, so any engine on any filesystem can run them.
 * Loading the effective config gives the same effective config, hence the
 * same identity and the same rows as the run of a local sweep (a test checks
 * this row for row).  `--skip-done` makes a rerun of the plan resume: a job
 * whose run is done in its shard or in the merged database exits 0 at once.
 * Paths are absolute, so a job runs from any directory (and over ssh when
 * the plan directory and the binary are at the same paths there). */
#include "sim/cli/sweep_plan.h"
#include "sim/run/runner.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* mkdir -p for one level below an existing parent (ok if it exists). */
static int make_dir(const char *p)
{
    if (mkdir(p, 0777) == 0 || errno == EEXIST)
        return 0;
    fprintf(stderr, "cachestorm sweep: cannot create %s: %s\n", p, strerror(errno));
    return CS_IO;
}

/* Absolute form of a path that may not exist yet (its directory must). */
static char *absolute(const char *p)
{
    if (p[0] == '/')
        return cs_strdup(p);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return cs_strdup(p);
    size_t n = strlen(cwd) + strlen(p) + 2;
    char *s = cs_calloc(n, 1);
    snprintf(s, n, "%s/%s", cwd, p);
    return s;
}

/* This binary's absolute path (the jobs run the very same one). */
static char *self_exe(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return cs_strdup("cachestorm");
    buf[n] = 0;
    return cs_strdup(buf);
}

/* Append s to f single-quoted for sh ('it'\''s'). */
static void sh_quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++)
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    fputc('\'', f);
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

#define SLURM_MAX_TASKS 1000

typedef struct job {
    char hash[17];
    char *config, *shard, *line;
    int64_t seed;
} job;

/* Write run i's config and build its job line. */
static int make_job(const experiment *e, size_t i, const char *dir, const char *exe, const char *db,
                    const char *max_memory, job *j)
{
    config cfg;
    cs_err err = {0};
    if (exp_run_config(e, i, &cfg, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return err.code ? err.code : CS_USAGE;
    }
    config_hash(&cfg, j->hash);
    j->seed = cfg.seed;
    char *text = config_effective_text(&cfg);
    config_free(&cfg);
    size_t n = strlen(dir) + 64;
    j->config = cs_calloc(n, 1);
    j->shard = cs_calloc(n, 1);
    snprintf(j->config, n, "%s/configs/%s.yaml", dir, j->hash);
    snprintf(j->shard, n, "%s/shards/%s.db", dir, j->hash);
    FILE *f = fopen(j->config, "w");
    int rc = CS_OK;
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "cachestorm sweep: cannot write %s: %s\n", j->config, strerror(errno));
        rc = CS_IO;
    }
    free(text);
    if (rc)
        return rc;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    sh_quote(m, exe);
    fputs(" run ", m);
    sh_quote(m, j->config);
    fputs(" --db ", m);
    sh_quote(m, j->shard);
    fputs(" --experiment ", m);
    sh_quote(m, e->name);
    const char *variant = e->sc[e->runs[i].scenario].variant;
    if (variant) {
        fputs(" --variant ", m);
        sh_quote(m, variant);
    }
    if (max_memory) {
        fputs(" --max-memory ", m);
        sh_quote(m, max_memory);
    }
    fputs(" --skip-done --done-in ", m);
    sh_quote(m, db);
    fputs(" --quiet >/dev/null", m); /* the shard's run id says nothing */
    fclose(m);
    j->line = buf;
    return CS_OK;
}

/* Run sbatch SCRIPT and print what it says (the job id). */
static int submit(const char *script)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "cachestorm sweep: fork: %s\n", strerror(errno));
        return CS_IO;
    }
    if (pid == 0) {
        execlp("sbatch", "sbatch", script, (char *)NULL);
        fprintf(stderr,
                "cachestorm sweep: cannot run sbatch: %s (is Slurm installed? "
                "submit %s yourself)\n",
                strerror(errno), script);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "cachestorm sweep: sbatch %s failed (status %d)\n", script,
                WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        return CS_IO;
    }
    return CS_OK;
}

int sweep_plan(const experiment *e, const plan_opts *o)
{
    char *dir = absolute(o->dir), *db = absolute(o->db), *exe = self_exe();
    char sub[PATH_MAX];
    int rc = make_dir(dir);
    const char *subs[] = {"configs", "shards", "logs"};
    for (size_t k = 0; k < 3 && !rc; k++) {
        snprintf(sub, sizeof sub, "%s/%s", dir, subs[k]);
        rc = make_dir(sub);
    }
    job *jobs = cs_calloc(e->nruns + 1, sizeof *jobs);
    for (size_t i = 0; i < e->nruns && !rc; i++)
        rc = make_job(e, i, dir, exe, db, o->max_memory, &jobs[i]);
    char jobs_path[PATH_MAX], script[PATH_MAX];
    snprintf(jobs_path, sizeof jobs_path, "%s/jobs.txt", dir);
    snprintf(script, sizeof script, "%s/sweep.sbatch", dir);
    if (!rc) {
        FILE *f = fopen(jobs_path, "w");
        for (size_t i = 0; f && i < e->nruns; i++)
            fprintf(f, "%s\n", jobs[i].line);
        if (!f || fclose(f) != 0) {
            fprintf(stderr, "cachestorm sweep: cannot write %s: %s\n", jobs_path, strerror(errno));
            rc = CS_IO;
        }
    }
    if (!rc && o->slurm) {
        FILE *f = fopen(script, "w");
        if (f) {
            /* Slurm's default MaxArraySize is 1001 (indices up to 1000): a
             * longer plan gets 1000 tasks, task k running lines k, k+1000, ... */
            size_t tasks = e->nruns < SLURM_MAX_TASKS ? e->nruns : SLURM_MAX_TASKS;
            fprintf(f, "#!/bin/bash\n"
                       "# cachestorm sweep --slurm: array task k runs line k of jobs.txt (and\n"
                       "# k+%d, k+%d, ... when there are more lines than tasks), each run\n"
                       "# writing its own shard; merge them afterwards with cachestorm merge.\n",
                    SLURM_MAX_TASKS, 2 * SLURM_MAX_TASKS);
            fprintf(f, "#SBATCH --job-name=cachestorm-%.40s\n", e->name);
            fprintf(f, "#SBATCH --array=1-%zu", tasks);
            if (o->array_max > 0)
                fprintf(f, "%%%ld", o->array_max);
            fprintf(f, "\n#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n");
            fprintf(f, "#SBATCH --output=%s/logs/%%A_%%a.out\n", dir);
            if (o->partition)
                fprintf(f, "#SBATCH --partition=%s\n", o->partition);
            if (o->time)
                fprintf(f, "#SBATCH --time=%s\n", o->time);
            fprintf(f, "set -u\nrc=0\n");
            fprintf(f, "for ((i = SLURM_ARRAY_TASK_ID; i <= %zu; i += %d)); do\n", e->nruns,
                    SLURM_MAX_TASKS);
            fprintf(f, "  line=$(sed -n \"${i}p\" ");
            sh_quote(f, jobs_path);
            fprintf(f, ")\n  bash -c \"$line\" || rc=$?\ndone\nexit $rc\n");
        }
        if (!f || fclose(f) != 0) {
            fprintf(stderr, "cachestorm sweep: cannot write %s: %s\n", script, strerror(errno));
            rc = CS_IO;
        } else {
            chmod(script, 0755);
        }
    }
    if (rc)
        goto out;
    if (o->slurm) {
        printf("wrote %s (%zu array tasks for the %zu lines of %s)\n", script,
               e->nruns < SLURM_MAX_TASKS ? e->nruns : (size_t)SLURM_MAX_TASKS, e->nruns,
               jobs_path);
        if (o->submit) {
            rc = submit(script);
            if (rc)
                goto out;
        } else {
            printf("submit:  sbatch %s\n", script);
        }
        printf("then:    cachestorm merge %s %s/shards/*.db\n", db, dir);
    } else if (o->format && strcmp(o->format, "json") == 0) {
        printf("{\"experiment\": ");
        json_str(stdout, e->name);
        printf(", \"plan_dir\": ");
        json_str(stdout, dir);
        printf(", \"merge_into\": ");
        json_str(stdout, db);
        printf(", \"version\": ");
        json_str(stdout, runner_version());
        printf(", \"jobs\": [");
        for (size_t i = 0; i < e->nruns; i++) {
            const exp_scenario *sc = &e->sc[e->runs[i].scenario];
            printf("%s\n  {\"run\": %zu, \"scenario\": ", i ? "," : "", i);
            json_str(stdout, sc->name);
            printf(", \"variant\": ");
            if (sc->variant)
                json_str(stdout, sc->variant);
            else
                printf("null");
            printf(", \"seed\": %lld, \"config_hash\": \"%s\", \"config\": ",
                   (long long)jobs[i].seed, jobs[i].hash);
            json_str(stdout, jobs[i].config);
            printf(", \"shard\": ");
            json_str(stdout, jobs[i].shard);
            printf(", \"command\": ");
            json_str(stdout, jobs[i].line);
            printf("}");
        }
        printf("\n]}\n");
    } else {
        for (size_t i = 0; i < e->nruns; i++)
            printf("%s\n", jobs[i].line);
    }
out:
    for (size_t i = 0; i < e->nruns; i++) {
        free(jobs[i].config);
        free(jobs[i].shard);
        free(jobs[i].line);
    }
    free(jobs);
    free(dir);
    free(db);
    free(exe);
    return rc;
}
