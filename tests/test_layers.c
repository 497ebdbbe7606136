/* test_layers.c — the folders are the layers (docs/ARCHITECTURE.md): every
 * #include "..." of a source file may name only its own layer or one below.
 *
 *   sim/core      engine, streams, distributions, stats, rows, metric table
 *   sim/config    YAML tree, schema, loader, checker        <- core, policy (the kind registries)
 *   sim/store     every SQL statement                       <- core
 *   policy/       the standalone library                    <- nothing
 *   models/       the world's components                    <- core, policy
 *   models/world  builds and runs a world from a config     <- + config
 *   sim/run       runner, experiments, expectations         <- store, models, config
 *   sim/report    statistics, export, plots, HTML           <- run, store, config
 *   sim/cli       main and the commands                     <- everything
 *
 * Runs from the repo root.  The Makefile links the layers' archives in this
 * order too, so a call that goes up also fails to link. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>

typedef struct layer_rule {
    const char *dir;
    const char *allowed[8]; /* include prefixes this folder may use */
} layer_rule;

static const layer_rule rules[] = {
    {"sim/core", {"sim/core/"}},
    {"sim/config", {"sim/core/", "sim/config/", "policy/"}},
    {"sim/store", {"sim/core/", "sim/store/"}},
    {"policy", {"policy/"}},
    {"models", {"sim/core/", "models/", "policy/"}},
    {"models/world", {"sim/core/", "sim/config/", "models/", "policy/"}},
    {"sim/run", {"sim/core/", "sim/config/", "sim/store/", "models/", "policy/", "sim/run/"}},
    {"sim/report", {"sim/core/", "sim/config/", "sim/store/", "sim/run/", "sim/report/"}},
    {"sim/cli", {"sim/", "models/", "policy/"}},
};

/* the quoted include target of a line, or NULL (system includes are free) */
static bool quoted_include(const char *line, char *out, size_t size)
{
    while (*line == ' ' || *line == '\t')
        line++;
    if (*line++ != '#')
        return false;
    while (*line == ' ' || *line == '\t')
        line++;
    if (strncmp(line, "include", 7) != 0)
        return false;
    line += 7;
    while (*line == ' ' || *line == '\t')
        line++;
    if (*line++ != '"')
        return false;
    size_t n = strcspn(line, "\"");
    if (n >= size)
        n = size - 1;
    memcpy(out, line, n);
    out[n] = '\0';
    return true;
}

/* models/world may include models/..., but models/ (flat) may not include
 * models/world/...: the world is above the components it builds */
static bool allowed(const layer_rule *r, const char *target)
{
    if (strcmp(r->dir, "models") == 0 && strncmp(target, "models/world/", 13) == 0)
        return false;
    for (size_t i = 0; i < 8 && r->allowed[i]; i++)
        if (strncmp(target, r->allowed[i], strlen(r->allowed[i])) == 0)
            return true;
    return false;
}

/* checks every .c/.h directly in r->dir; returns the number of violations
 * (each reported) and counts the files and includes seen */
static int check_dir(const layer_rule *r, int *files, int *includes, char *first, size_t fsize)
{
    DIR *d = opendir(r->dir);
    cr_assert_not_null(d, "no folder %s: run from the repo root", r->dir);
    int bad = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 3 || e->d_name[n - 2] != '.' || (e->d_name[n - 1] != 'c' && e->d_name[n - 1] != 'h'))
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", r->dir, e->d_name);
        FILE *f = fopen(path, "r");
        cr_assert_not_null(f, "%s", path);
        (*files)++;
        char line[4096], target[256];
        int ln = 0;
        while (fgets(line, sizeof line, f) != NULL) {
            ln++;
            if (!quoted_include(line, target, sizeof target))
                continue;
            (*includes)++;
            if (!allowed(r, target)) {
                if (bad++ == 0 && first)
                    snprintf(first, fsize, "%s:%d includes \"%s\"", path, ln, target);
                cr_log_error("%s:%d: layer %s may not include \"%s\"", path, ln, r->dir, target);
            }
        }
        fclose(f);
    }
    closedir(d);
    return bad;
}

Test(layers, every_include_goes_to_the_same_layer_or_below)
{
    int files = 0, includes = 0, bad = 0;
    char first[2048] = "";
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        bad += check_dir(&rules[i], &files, &includes, first, sizeof first);
    cr_assert_eq(bad, 0, "%d include(s) go up a layer; the first: %s", bad, first);
    cr_assert_geq(files, 100, "found only %d source files: scanning the wrong place?", files);
    cr_assert_gt(includes, 200);
}

Test(layers, the_rules_catch_an_include_that_goes_up)
{
    const layer_rule *core = &rules[0], *models = &rules[4], *world = &rules[5];
    cr_assert(!allowed(core, "sim/config/config.h"));
    cr_assert(!allowed(models, "sim/store/store.h"));
    cr_assert(!allowed(models, "sim/run/runner.h"));
    cr_assert(!allowed(models, "sim/report/plot.h"));
    cr_assert(!allowed(models, "sim/cli/cli.h"));
    cr_assert(!allowed(models, "sim/config/config.h"));
    cr_assert(!allowed(models, "models/world/topology.h"));
    cr_assert(allowed(world, "sim/config/config.h"));
    cr_assert(allowed(models, "policy/breaker.h"));
    cr_assert(!allowed(&rules[3], "sim/core/common.h"));
    char t[64];
    cr_assert(quoted_include("  #  include \"sim/store/store.h\" /* x */", t, sizeof t));
    cr_assert_str_eq(t, "sim/store/store.h");
    cr_assert(!quoted_include("#include <stdio.h>", t, sizeof t));
}
