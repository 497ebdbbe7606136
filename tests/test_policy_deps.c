/* test_policy_deps.c — policy/ depends on nothing in this repo
 * (ARCHITECTURE.md rule 1): no source or header in policy/ includes
 * "sim/..." or "models/...", nor GSL. Runs from the repo root (top-level
 * suite) or from policy/ (standalone build). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>

/* the policy directory as seen from the current directory */
static const char *policy_dir(void)
{
    FILE *f = fopen("policy/cachepolicy.h", "r");
    if (f != NULL) {
        fclose(f);
        return "policy";
    }
    f = fopen("./cachepolicy.h", "r");
    if (f != NULL) {
        fclose(f);
        return ".";
    }
    return NULL;
}

static bool is_source(const char *name)
{
    size_t n = strlen(name);
    return n > 2 && name[n - 2] == '.' && (name[n - 1] == 'c' || name[n - 1] == 'h');
}

/* returns the include target of a line like `  #  include "x"` or NULL */
static const char *include_target(const char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    if (*line != '#')
        return NULL;
    line++;
    while (*line == ' ' || *line == '\t')
        line++;
    if (strncmp(line, "include", 7) != 0)
        return NULL;
    line += 7;
    while (*line == ' ' || *line == '\t')
        line++;
    return (*line == '"' || *line == '<') ? line + 1 : NULL;
}

Test(policy_deps, policy_includes_nothing_from_sim_or_models)
{
    const char *dir = policy_dir();
    cr_assert_not_null(dir, "run from the repo root or from policy/");
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int files = 0, includes = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!is_source(e->d_name))
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "r");
        cr_assert_not_null(f, "%s", path);
        files++;
        char line[4096];
        int ln = 0;
        while (fgets(line, sizeof line, f) != NULL) {
            ln++;
            const char *t = include_target(line);
            if (t == NULL)
                continue;
            includes++;
            cr_expect(strncmp(t, "sim/", 4) != 0, "%s:%d includes from sim/: %s", path, ln, line);
            cr_expect(strncmp(t, "models/", 7) != 0, "%s:%d includes from models/: %s", path, ln, line);
            cr_expect(strncmp(t, "gsl/", 4) != 0, "%s:%d includes GSL: %s", path, ln, line);
            cr_expect(strncmp(t, "../", 3) != 0, "%s:%d reaches outside policy/: %s", path, ln, line);
        }
        fclose(f);
    }
    closedir(d);
    cr_assert_geq(files, 15, "found only %d policy files: scanning the wrong place?", files);
    cr_assert_gt(includes, 0);
}

Test(policy_deps, the_scanner_catches_a_forbidden_include)
{
    cr_assert_str_eq(include_target("#include \"sim/engine.h\""), "sim/engine.h\"");
    cr_assert_not_null(include_target("  #  include \"models/l1.h\""));
    cr_assert_null(include_target("/* #include is fine in prose */"));
}
