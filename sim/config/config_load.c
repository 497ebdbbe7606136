/* config_load.c — from files and `--set` strings to one merged tree, then
 * to a config: the `base:` chain (resolved relative to the including file,
 * cycles and missing files reported at the `base:` line), the config's merge
 * rule (maps merge, values and lists replace, a distribution map replaces as
 * a whole), and `--set PATH=VALUE` applied after the merge.  These tree
 * steps are public so the experiment module can build variants and sweeps.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/config/config_schema.h"

#define MAX_BASE_DEPTH 16

/* A distribution map replaces as a whole in merges (never mixes kinds). */
static bool is_dist_map(const yt_node *m)
{
    return yt_get(m, "dist") != NULL;
}

void config_tree_merge(yt_node *base, const yt_node *over)
{
    yt_merge(base, over, is_dist_map);
}

/* The directory part of path ("" for a bare file name), with its slash. */
static void dir_of(const char *path, char *buf, size_t cap)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) + 1 : 0;
    if (n >= cap)
        n = 0;
    memcpy(buf, path, n);
    buf[n] = 0;
}

/* Resolve tree's `base:` (relative to dir) recursively; chain holds the real
 * paths being loaded, for cycle detection. */
static int resolve_base(yt_node **tree, const char *dir, char **chain, int depth, size_t *bytes,
                        cs_err *err)
{
    yt_node *t = *tree;
    if (t->kind != YT_MAP) {
        cfg_ctx cx = {.root = t, .err = err};
        return cfg_fail(&cx, t->mark, "", "a config is a map of keys, found %s", cfg_kind_word(t));
    }
    const yt_node *b = yt_get(t, "base");
    if (!b)
        return 0;
    cfg_ctx cx = {.root = t, .err = err};
    if (b->kind != YT_SCALAR || yt_is_null(b))
        return cfg_fail(&cx, b->mark, "base", "expected a file name");
    char path[4096];
    if (b->value[0] == '/')
        cfg_pathf(path, sizeof path, "%s", b->value);
    else
        cfg_pathf(path, sizeof path, "%s%s", dir, b->value);
    if (depth >= MAX_BASE_DEPTH)
        return cfg_fail(&cx, b->mark, "base", "more than %d levels of base:", MAX_BASE_DEPTH);
    char *real = realpath(path, NULL);
    if (!real)
        return cfg_fail(&cx, b->mark, "base", "%s: %s", path,
                        errno == ENOENT ? "no such file" : strerror(errno));
    for (int i = 0; i < depth; i++)
        if (chain[i] && !strcmp(chain[i], real)) {
            free(real);
            return cfg_fail(&cx, b->mark, "base", "'%s' is already being loaded (a base: cycle)",
                            b->value);
        }
    yt_node *bt;
    cs_err inner = {0};
    if (yt_parse_file(path, &bt, &inner)) {
        free(real);
        cfg_fail(&cx, b->mark, "base", "%s", inner.msg);
        err->code = inner.code;
        return inner.code;
    }
    /* one byte budget for a file and all its bases (issue 16) */
    if ((*bytes += yt_tree_bytes(bt)) > YT_MAX_BYTES) {
        free(real);
        yt_free(bt);
        return cfg_fail(&cx, b->mark, "base", "%s: the config and its bases hold more than %zu "
                        "MiB", path, YT_MAX_BYTES >> 20);
    }
    chain[depth] = real;
    char bdir[4096];
    dir_of(path, bdir, sizeof bdir);
    int rc = resolve_base(&bt, bdir, chain, depth + 1, bytes, err);
    chain[depth] = NULL;
    free(real);
    if (rc) {
        yt_free(bt);
        return rc;
    }
    yt_remove(t, "base");
    config_tree_merge(bt, t);
    yt_free(t);
    *tree = bt;
    return 0;
}

int config_tree_load(const char *path, yt_node **out, cs_err *err)
{
    *out = NULL;
    yt_node *t;
    int rc = yt_parse_file(path, &t, err);
    if (rc)
        return rc;
    char *chain[MAX_BASE_DEPTH + 1] = {0};
    chain[0] = realpath(path, NULL);
    char dir[4096];
    dir_of(path, dir, sizeof dir);
    size_t bytes = yt_tree_bytes(t);
    rc = resolve_base(&t, dir, chain, 1, &bytes, err);
    free(chain[0]);
    if (rc) {
        yt_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

int config_tree_from_string(const char *text, const char *name, yt_node **out, cs_err *err)
{
    *out = NULL;
    yt_node *t;
    int rc = yt_parse_string(text, strlen(text), name, &t, err);
    if (rc)
        return rc;
    char *chain[MAX_BASE_DEPTH + 1] = {0};
    size_t bytes = yt_tree_bytes(t);
    rc = resolve_base(&t, "", chain, 1, &bytes, err);
    if (rc) {
        yt_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

bool config_tree_is_experiment(const yt_node *root)
{
    for (int i = 0; cfg_experiment_keys[i]; i++)
        if (yt_get(root, cfg_experiment_keys[i]))
            return true;
    return false;
}

/* The map form of a distribution node: a plain duration "5ms" becomes
 * {dist: constant, value: 5ms}; a map is cloned. */
static yt_node *dist_map(const yt_node *n)
{
    if (n->kind != YT_SCALAR)
        return yt_clone(n);
    yt_node *m = yt_new_map(n->mark.file, n->mark.line, n->mark.col);
    yt_put(m, "dist", yt_new_scalar("constant", n->mark.file, n->mark.line, n->mark.col));
    yt_put(m, "value", yt_clone(n));
    return m;
}

/* Before `--set a.dist_key.param=v`: put the distribution's effective map
 * (given, inherited or default) into the tree, so one parameter can be
 * changed (a sweep over l2.redis.service.median) without restating the rest. */
static void materialize_dists(yt_node *root, const char *path, const char *label)
{
    char prefix[512];
    for (size_t i = 0; path[i]; i++) {
        if (path[i] != '.')
            continue;
        memcpy(prefix, path, i);
        prefix[i] = 0;
        const cfg_key *k = cfg_find_key(prefix);
        if (!k || k->type != CK_DIST)
            continue;
        const yt_node *have = yt_find_path(root, prefix);
        if (have && have->kind == YT_MAP)
            return;
        yt_node *src = NULL;
        if (!have && k->inherit) {
            const yt_node *inh = yt_find_path(root, k->inherit);
            if (inh)
                src = yt_clone(inh);
            else
                k = cfg_find_key(k->inherit);
        }
        cs_err e = {0};
        if (!src && !have &&
            (!k || !k->def || yt_parse_string(k->def, strlen(k->def), label, &src, &e)))
            return;
        yt_node *m = dist_map(have ? have : src);
        yt_free(src);
        yt_set_path(root, prefix, m, &e); /* a bad path is reported by the caller's set */
        yt_free(m);
        return;
    }
}

int config_tree_set(yt_node *root, const char *assignment, cs_err *err)
{
    const char *eq = strchr(assignment, '=');
    char label[700];
    cfg_pathf(label, sizeof label, "--set %.600s", assignment);
    if (!eq || eq == assignment)
        return cs_errf(err, CS_USAGE,
                       "%s: expected PATH=VALUE, e.g. --set l2.breaker.retry_wait=30s", label);
    char path[512];
    size_t n = (size_t)(eq - assignment);
    if (n >= sizeof path)
        return cs_errf(err, CS_USAGE, "%s: path too long", label);
    memcpy(path, assignment, n);
    path[n] = 0;
    const char *val = eq + 1;
    if (!*val)
        return cs_errf(err, CS_USAGE, "%s: %s: needs a value after '='", label, path);
    yt_node *v;
    cs_err e2 = {0};
    if (yt_parse_string(val, strlen(val), label, &v, &e2))
        return cs_errf(err, CS_USAGE, "%s", e2.msg);
    materialize_dists(root, path, label);
    if (yt_set_path(root, path, v, &e2)) {
        yt_free(v);
        return cs_errf(err, CS_USAGE, "%s: %s: %s", label, path, e2.msg);
    }
    yt_free(v);
    return 0;
}

/* Apply --set overrides to tree t, build the config, free t. */
static int finish_load(yt_node *t, const char *path, const char *const *sets, int nsets,
                       config *out, cs_err *err)
{
    int rc = 0;
    for (int i = 0; i < nsets && !rc; i++)
        rc = config_tree_set(t, sets[i], err);
    if (!rc)
        rc = config_from_tree(t, 0, out, err);
    yt_free(t);
    if (!rc)
        out->path = cs_strdup(path);
    if (!rc && out->deprecated[0]) /* once per load: validate and run load once */
        fprintf(stderr,
                "%s: note: former names, read for schema 1 only (use the new ones): %s\n",
                *path ? path : "config", out->deprecated);
    return rc;
}

int config_load(const char *path, const char *const *sets, int nsets, config *out, cs_err *err)
{
    memset(out, 0, sizeof *out);
    yt_node *t;
    int rc = config_tree_load(path, &t, err);
    if (rc)
        return rc;
    return finish_load(t, path, sets, nsets, out, err);
}

int config_load_string(const char *text, const char *name, const char *const *sets, int nsets,
                       config *out, cs_err *err)
{
    memset(out, 0, sizeof *out);
    yt_node *t;
    int rc = config_tree_from_string(text, name, &t, err);
    if (rc)
        return rc;
    return finish_load(t, "", sets, nsets, out, err);
}
