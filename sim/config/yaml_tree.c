/* yaml_tree.c — libyaml events → a tree of marked nodes (see yaml_tree.h).
 *
 * The builder is iterative (an explicit stack bounded by YT_MAX_DEPTH), so a
 * file of ten thousand '[' cannot overflow the C stack; aliases are expanded
 * by cloning, bounded by YT_MAX_NODES, so a "billion laughs" file is an error,
 * not an out-of-memory; the bytes of a tree are bounded too (YT_MAX_BYTES).
 * Tags are refused; YAML merge keys (`<<`) are not
 * special (the config's own `base:` replaces them).
 */
#include "sim/config/yaml_tree.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#define YT_MAX_FILE (64u << 20) /* bytes; a config is a few KB */

/* File names in marks are shared, reference-counted strings: every node of
 * a file points at one copy of its path (issue 16: a 3.9 KB path copied into
 * each of a million nodes took 3.9 GB).  fname_new makes one, fname_ref
 * shares it, fname_unref releases it; code outside this file only reads
 * mark.file (and copies it with cs_strdup when it keeps one). */
typedef struct fname {
    size_t refs;
    char s[];
} fname;

static fname *fname_of(char *s) { return (fname *)(void *)(s - offsetof(fname, s)); }

static char *fname_new(const char *s)
{
    size_t n = strlen(s) + 1;
    fname *f = cs_malloc(sizeof *f + n);
    f->refs = 1;
    memcpy(f->s, s, n);
    return f->s;
}

static char *fname_ref(char *s)
{
    fname_of(s)->refs++;
    return s;
}

static void fname_unref(char *s)
{
    if (s && --fname_of(s)->refs == 0)
        free(fname_of(s));
}

/* A node whose mark shares the reference-counted name `f`. */
static yt_node *node_new_ref(yt_kind kind, char *f, int line, int col)
{
    yt_node *n = cs_calloc(1, sizeof *n);
    n->kind = kind;
    n->mark.file = fname_ref(f);
    n->mark.line = line;
    n->mark.col = col;
    return n;
}

/* A node with a fresh name (from callers outside this file). */
static yt_node *node_new(yt_kind kind, const char *file, int line, int col)
{
    char *f = fname_new(file);
    yt_node *n = node_new_ref(kind, f, line, col);
    fname_unref(f);
    return n;
}

yt_node *yt_new_scalar(const char *value, const char *file, int line, int col)
{
    yt_node *n = node_new(YT_SCALAR, file, line, col);
    n->value = cs_strdup(value);
    n->plain = true;
    return n;
}

yt_node *yt_new_map(const char *file, int line, int col)
{
    return node_new(YT_MAP, file, line, col);
}

void yt_free(yt_node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++) {
        yt_free(n->items[i]);
        if (n->keys) {
            free(n->keys[i]);
            fname_unref(n->kmarks[i].file);
        }
    }
    free(n->items);
    free(n->keys);
    free(n->kmarks);
    free(n->value);
    fname_unref(n->mark.file);
    free(n);
}

/* Append child v (with key k and key mark km when n is a map). */
static void append(yt_node *n, const char *k, yt_mark km, yt_node *v)
{
    if (n->n == n->cap) {
        size_t cap = n->cap ? 2 * n->cap : 4;
        n->items = cs_realloc(n->items, cap * sizeof *n->items);
        if (n->kind == YT_MAP) {
            n->keys = cs_realloc(n->keys, cap * sizeof *n->keys);
            n->kmarks = cs_realloc(n->kmarks, cap * sizeof *n->kmarks);
        }
        n->cap = cap;
    }
    n->items[n->n] = v;
    if (n->kind == YT_MAP) {
        n->keys[n->n] = k ? cs_strdup(k) : cs_strdup(""); /* maps always pass a key */
        n->kmarks[n->n] = km;
        n->kmarks[n->n].file = fname_ref(km.file);
    }
    n->n++;
}

/* Count nodes (for the alias-expansion bound). */
static size_t count_nodes(const yt_node *n)
{
    size_t c = 1;
    for (size_t i = 0; i < n->n; i++)
        c += count_nodes(n->items[i]);
    return c;
}

size_t yt_tree_bytes(const yt_node *n)
{
    size_t c = sizeof *n + (n->value ? strlen(n->value) : 0);
    for (size_t i = 0; i < n->n; i++)
        c += yt_tree_bytes(n->items[i]) + (n->keys ? strlen(n->keys[i]) + sizeof(yt_mark) : 0);
    return c;
}

yt_node *yt_clone(const yt_node *n)
{
    if (!n)
        return NULL;
    yt_node *c = node_new_ref(n->kind, n->mark.file, n->mark.line, n->mark.col);
    c->value = n->value ? cs_strdup(n->value) : NULL;
    c->plain = n->plain;
    c->quoted = n->quoted;
    for (size_t i = 0; i < n->n; i++)
        append(c, n->keys ? n->keys[i] : NULL, n->keys ? n->kmarks[i] : n->mark,
               yt_clone(n->items[i]));
    return c;
}

bool yt_is_null(const yt_node *n)
{
    if (!n || n->kind != YT_SCALAR || !n->plain)
        return false;
    const char *v = n->value;
    return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") || !strcmp(v, "NULL");
}

int yt_index(const yt_node *m, const char *key)
{
    if (!m || m->kind != YT_MAP)
        return -1;
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->keys[i], key))
            return (int)i;
    return -1;
}

yt_node *yt_get(const yt_node *m, const char *key)
{
    int i = yt_index(m, key);
    return i < 0 ? NULL : m->items[i];
}

void yt_put(yt_node *m, const char *key, yt_node *v)
{
    int i = yt_index(m, key);
    if (i >= 0) {
        yt_free(m->items[i]);
        m->items[i] = v;
        return;
    }
    append(m, key, v->mark, v);
}

void yt_remove(yt_node *m, const char *key)
{
    int i = yt_index(m, key);
    if (i < 0)
        return;
    yt_free(m->items[i]);
    free(m->keys[i]);
    fname_unref(m->kmarks[i].file);
    size_t rest = m->n - (size_t)i - 1;
    memmove(&m->items[i], &m->items[i + 1], rest * sizeof *m->items);
    memmove(&m->keys[i], &m->keys[i + 1], rest * sizeof *m->keys);
    memmove(&m->kmarks[i], &m->kmarks[i + 1], rest * sizeof *m->kmarks);
    m->n--;
}

void yt_merge(yt_node *base, const yt_node *over, bool (*atomic)(const yt_node *map))
{
    if (base->kind != YT_MAP || over->kind != YT_MAP)
        return; /* callers merge maps; anything else is a replacement upstream */
    for (size_t i = 0; i < over->n; i++) {
        const yt_node *ov = over->items[i];
        int j = yt_index(base, over->keys[i]);
        if (j >= 0 && ov->kind == YT_MAP && base->items[j]->kind == YT_MAP &&
            !(atomic && (atomic(ov) || atomic(base->items[j])))) {
            yt_merge(base->items[j], ov, atomic);
        } else if (j >= 0) {
            yt_free(base->items[j]);
            base->items[j] = yt_clone(ov);
            fname_unref(base->kmarks[j].file);
            base->kmarks[j] = over->kmarks[i];
            base->kmarks[j].file = fname_ref(over->kmarks[i].file);
        } else {
            append(base, over->keys[i], over->kmarks[i], yt_clone(ov));
        }
    }
}

void yt_mark_str(yt_mark m, char *buf, size_t cap)
{
    if (m.line > 0)
        snprintf(buf, cap, "%s:%d:%d", m.file, m.line, m.col);
    else
        snprintf(buf, cap, "%s", m.file);
}

/* ---- parsing ---------------------------------------------------------- */

typedef struct anchor {
    char *name;
    yt_node *node;
} anchor;

typedef struct builder {
    const char *name;
    char *fname; /* name as a shared mark file (fname_new) */
    bool nomarks; /* --set values: marks carry line 0 */
    yt_node *stack[YT_MAX_DEPTH + 1];
    char *pending_key[YT_MAX_DEPTH + 1]; /* map frames: key awaiting its value */
    yt_mark pending_kmark[YT_MAX_DEPTH + 1];
    int depth;
    yt_node *root;
    anchor *anchors;
    size_t nanchors, cap_anchors;
    size_t nodes;
    size_t bytes; /* tree bytes so far (yt_tree_bytes), bounded by YT_MAX_BYTES */
    int docs;
} builder;

/* A parse error at line:col (or without a position for --set text). */
static int berr(builder *b, int line, int col, cs_err *err, const char *msg)
{
    /* a path of kilobytes would push the message itself out of err->msg:
     * keep its head and tail */
    char name[320];
    size_t n = strlen(b->name);
    if (n < sizeof name)
        snprintf(name, sizeof name, "%s", b->name);
    else
        snprintf(name, sizeof name, "%.100s...%s", b->name, b->name + n - 200);
    if (b->nomarks)
        return cs_errf(err, CS_USAGE, "%s: %s", name, msg);
    return cs_errf(err, CS_USAGE, "%s:%d:%d: %s", name, line, col, msg);
}

/* Attach a finished node to the frame on top of the stack (or make it the
 * root).  Returns 0, or an error for a non-scalar or duplicate map key. */
static int attach(builder *b, yt_node *v, cs_err *err)
{
    if (b->depth == 0) {
        b->root = v;
        return 0;
    }
    yt_node *top = b->stack[b->depth - 1];
    if (top->kind == YT_LIST) {
        append(top, NULL, v->mark, v);
        return 0;
    }
    char **pk = &b->pending_key[b->depth - 1];
    if (!*pk) { /* v is a key */
        if (v->kind != YT_SCALAR) {
            int rc = berr(b, v->mark.line, v->mark.col, err, "a map key must be a plain name");
            yt_free(v);
            return rc;
        }
        if (yt_index(top, v->value) >= 0) {
            char msg[300];
            snprintf(msg, sizeof msg, "duplicate key '%.200s'", v->value);
            int rc = berr(b, v->mark.line, v->mark.col, err, msg);
            yt_free(v);
            return rc;
        }
        *pk = cs_strdup(v->value);
        b->pending_kmark[b->depth - 1] = v->mark;
        b->pending_kmark[b->depth - 1].file = top->mark.file; /* borrowed; append copies */
        for (size_t i = 0; i < b->nanchors; i++)              /* an anchored key dies here */
            if (b->anchors[i].node == v)
                b->anchors[i].node = NULL;
        yt_free(v);
        return 0;
    }
    append(top, *pk, b->pending_kmark[b->depth - 1], v);
    free(*pk);
    *pk = NULL;
    return 0;
}

/* Free everything a (possibly failed) parse still holds. */
static void builder_free(builder *b)
{
    for (int i = 0; i < b->depth; i++) {
        free(b->pending_key[i]);
        /* a frame's node is not yet attached to its parent: free each */
        yt_free(b->stack[i]);
    }
    yt_free(b->root);
    for (size_t i = 0; i < b->nanchors; i++)
        free(b->anchors[i].name);
    free(b->anchors);
    fname_unref(b->fname);
}

/* Remember `&name` → n for later aliases. */
static void add_anchor(builder *b, const yaml_char_t *name, yt_node *n)
{
    if (!name)
        return;
    if (b->nanchors == b->cap_anchors) {
        b->cap_anchors = b->cap_anchors ? 2 * b->cap_anchors : 8;
        b->anchors = cs_realloc(b->anchors, b->cap_anchors * sizeof *b->anchors);
    }
    b->anchors[b->nanchors].name = cs_strdup((const char *)name);
    b->anchors[b->nanchors++].node = n;
}

/* Handle one event; returns 0, 1 at stream end, or an error code. */
static int on_event(builder *b, yaml_event_t *e, cs_err *err)
{
    int line = (int)e->start_mark.line + 1, col = (int)e->start_mark.column + 1;
    if (b->nomarks)
        line = col = 0;
    switch (e->type) {
    case YAML_STREAM_START_EVENT:
    case YAML_DOCUMENT_END_EVENT:
    case YAML_NO_EVENT:
        return 0;
    case YAML_STREAM_END_EVENT:
        return 1;
    case YAML_DOCUMENT_START_EVENT:
        if (++b->docs > 1)
            return berr(b, line, col, err, "only one YAML document per file (found '---')");
        return 0;
    case YAML_SCALAR_EVENT: {
        if (++b->nodes > YT_MAX_NODES)
            return berr(b, line, col, err, "too many YAML nodes");
        if (e->data.scalar.tag)
            return berr(b, line, col, err, "YAML tags (such as !!str) are not supported; "
                                           "quote the value instead");
        if ((b->bytes += sizeof(yt_node) + e->data.scalar.length) > YT_MAX_BYTES)
            return berr(b, line, col, err, "the config is too large (more than 256 MiB as a tree)");
        yt_node *n = node_new_ref(YT_SCALAR, b->fname, line, col);
        n->value = cs_malloc(e->data.scalar.length + 1);
        memcpy(n->value, e->data.scalar.value, e->data.scalar.length);
        n->value[e->data.scalar.length] = 0;
        if (strlen(n->value) != e->data.scalar.length) {
            yt_free(n);
            return berr(b, line, col, err, "a NUL character inside a value");
        }
        n->plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        n->quoted = e->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                    e->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
        add_anchor(b, e->data.scalar.anchor, n);
        return attach(b, n, err);
    }
    case YAML_ALIAS_EVENT: {
        for (size_t i = b->nanchors; i-- > 0;) {
            if (strcmp(b->anchors[i].name, (const char *)e->data.alias.anchor))
                continue;
            if (!b->anchors[i].node)
                return berr(b, line, col, err, "an alias to a map key is not supported");
            size_t c = count_nodes(b->anchors[i].node);
            if (c > YT_MAX_NODES || (b->nodes += c) > YT_MAX_NODES)
                return berr(b, line, col, err, "too many YAML nodes (alias expansion)");
            if ((b->bytes += yt_tree_bytes(b->anchors[i].node)) > YT_MAX_BYTES)
                return berr(b, line, col, err,
                            "the config is too large (more than 256 MiB as a tree; alias expansion)");
            yt_node *n = yt_clone(b->anchors[i].node);
            return attach(b, n, err);
        }
        return berr(b, line, col, err, "unknown alias");
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        if (++b->nodes > YT_MAX_NODES)
            return berr(b, line, col, err, "too many YAML nodes");
        if (b->depth >= YT_MAX_DEPTH)
            return berr(b, line, col, err, "nested too deeply");
        bool map = e->type == YAML_MAPPING_START_EVENT;
        if (map ? e->data.mapping_start.tag : e->data.sequence_start.tag)
            return berr(b, line, col, err, "YAML tags (such as !!map) are not supported");
        b->bytes += sizeof(yt_node);
        /* a map used as a key is caught when it is attached */
        yt_node *n = node_new_ref(map ? YT_MAP : YT_LIST, b->fname, line, col);
        add_anchor(b, map ? e->data.mapping_start.anchor : e->data.sequence_start.anchor, n);
        b->pending_key[b->depth] = NULL;
        b->stack[b->depth++] = n;
        return 0;
    }
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: {
        yt_node *n = b->stack[--b->depth];
        free(b->pending_key[b->depth]);
        b->pending_key[b->depth] = NULL;
        /* anchors may point at n: it stays alive inside the tree */
        return attach(b, n, err);
    }
    }
    return 0;
}

int yt_parse_string(const char *text, size_t len, const char *name, yt_node **out, cs_err *err)
{
    *out = NULL;
    builder b = {.name = name, .nomarks = name[0] == '-' && name[1] == '-',
                 .fname = fname_new(name)};
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return cs_errf(err, CS_IO, "%s: cannot initialise the YAML parser", name);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    int rc = 0;
    for (;;) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e)) {
            int line = (int)p.problem_mark.line + 1, col = (int)p.problem_mark.column + 1;
            char msg[600];
            snprintf(msg, sizeof msg, "YAML syntax error: %s%s%s", p.problem ? p.problem : "?",
                     p.context ? " " : "", p.context ? p.context : "");
            rc = berr(&b, line, col, err, msg);
            break;
        }
        rc = on_event(&b, &e, err);
        yaml_event_delete(&e);
        if (rc) {
            if (rc == 1)
                rc = 0;
            break;
        }
    }
    yaml_parser_delete(&p);
    if (rc) {
        builder_free(&b);
        return rc;
    }
    if (!b.root) /* an empty document is an empty map */
        b.root = node_new_ref(YT_MAP, b.fname, b.nomarks ? 0 : 1, b.nomarks ? 0 : 1);
    *out = b.root;
    b.root = NULL;
    builder_free(&b);
    return 0;
}

/* Read all of f into a malloc'd buffer (bounded by YT_MAX_FILE). */
static int slurp(FILE *f, const char *path, char **buf, size_t *len, cs_err *err)
{
    size_t cap = 4096, n = 0;
    char *b = cs_malloc(cap);
    for (;;) {
        if (n == cap) {
            if (cap >= YT_MAX_FILE) {
                free(b);
                return cs_errf(err, CS_USAGE, "%s: file too large for a config (> %u MB)", path,
                               YT_MAX_FILE >> 20);
            }
            cap *= 2;
            b = cs_realloc(b, cap);
        }
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    if (ferror(f)) {
        free(b);
        return cs_errf(err, CS_IO, "%s: read error", path);
    }
    *buf = b;
    *len = n;
    return 0;
}

static const char *special_kind(mode_t m)
{
    return S_ISFIFO(m) ? "FIFO" : S_ISCHR(m) ? "character device" : S_ISBLK(m) ? "block device"
           : S_ISSOCK(m) ? "socket" : "special file";
}

int yt_parse_file(const char *path, yt_node **out, cs_err *err)
{
    *out = NULL;
    char *buf = NULL;
    size_t n = 0;
    int rc;
    if (!strcmp(path, "-")) { /* standard input */
        if ((rc = slurp(stdin, "(stdin)", &buf, &n, err)))
            return rc;
        rc = yt_parse_string(buf, n, "(stdin)", out, err);
        free(buf);
        return rc;
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return cs_errf(err, CS_USAGE, "%s: no such file", path);
        return cs_errf(err, CS_IO, "%s: %s", path, strerror(errno));
    }
    if (S_ISDIR(st.st_mode))
        return cs_errf(err, CS_USAGE, "%s: is a directory, not a config file", path);
    /* Only regular files: a FIFO would block open() forever, a device reads
     * without end (issue 16).  Checked before open(), and again on the open
     * descriptor (O_NONBLOCK: a FIFO swapped in meanwhile cannot block). */
    if (!S_ISREG(st.st_mode))
        return cs_errf(err, CS_USAGE, "%s: is a %s, not a regular file", path, special_kind(st.st_mode));
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return cs_errf(err, CS_IO, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return cs_errf(err, CS_USAGE, "%s: is a %s, not a regular file", path, special_kind(st.st_mode));
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        close(fd);
        return cs_errf(err, CS_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    rc = slurp(f, path, &buf, &n, err);
    fclose(f);
    if (rc)
        return rc;
    rc = yt_parse_string(buf, n, path, out, err);
    free(buf);
    return rc;
}

/* ---- paths ------------------------------------------------------------ */

/* Split the next path step off *p: a name (into name, returns 1) or an index
 * "[n]" (into *idx, returns 2); 0 at the end, -1 on a malformed path. */
static int next_step(const char **p, char *name, size_t cap, long *idx)
{
    const char *s = *p;
    if (!*s)
        return 0;
    if (*s == '[') {
        char *end;
        errno = 0;
        long v = strtol(s + 1, &end, 10);
        if (end == s + 1 || *end != ']' || v < 0 || errno)
            return -1;
        *idx = v;
        s = end + 1;
        if (*s == '.')
            s++;
        else if (*s && *s != '[')
            return -1;
        *p = s;
        return 2;
    }
    size_t n = strcspn(s, ".[");
    if (n == 0 || n >= cap)
        return -1;
    memcpy(name, s, n);
    name[n] = 0;
    s += n;
    if (*s == '.') {
        s++;
        if (!*s || *s == '.' || *s == '[')
            return -1;
    }
    *p = s;
    return 1;
}

const yt_node *yt_find_path(const yt_node *root, const char *path)
{
    const yt_node *n = root;
    char name[256];
    long idx = 0;
    int k = 0;
    while (n && (k = next_step(&path, name, sizeof name, &idx)) > 0) {
        if (k == 1)
            n = yt_get(n, name);
        else
            n = n->kind == YT_LIST && (size_t)idx < n->n ? n->items[idx] : NULL;
    }
    return k < 0 ? NULL : n;
}

int yt_set_path(yt_node *root, const char *path, const yt_node *value, cs_err *err)
{
    yt_node *n = root;
    char name[256];
    long idx = 0;
    const char *p = path;
    int k = next_step(&p, name, sizeof name, &idx);
    if (k <= 0)
        return cs_errf(err, CS_USAGE, "'%s' is not a key path like a.b[0].c", path);
    while (k > 0) {
        char cur[256];
        long cidx = idx;
        memcpy(cur, name, sizeof cur);
        int kind = k;
        k = next_step(&p, name, sizeof name, &idx);
        if (k < 0)
            return cs_errf(err, CS_USAGE, "'%s' is not a key path like a.b[0].c", path);
        yt_node *child;
        if (kind == 1) {
            if (yt_is_null(n)) { /* `key:` with nothing: becomes a map */
                n->kind = YT_MAP;
                free(n->value);
                n->value = NULL;
            }
            if (n->kind != YT_MAP)
                return cs_errf(err, CS_USAGE, "cannot set '%s' inside a %s", cur,
                               n->kind == YT_LIST ? "list" : "value");
            child = yt_get(n, cur);
            if (k == 0) {
                yt_node *v = yt_clone(value);
                if (child) { /* keep the key where it was */
                    int i = yt_index(n, cur);
                    yt_free(n->items[i]);
                    n->items[i] = v;
                } else {
                    yt_put(n, cur, v);
                }
                return 0;
            }
            if (!child || yt_is_null(child)) {
                yt_node *m = node_new_ref(k == 2 ? YT_LIST : YT_MAP, value->mark.file, value->mark.line,
                                      value->mark.col);
                yt_put(n, cur, m);
                child = m;
            }
        } else {
            if (yt_is_null(n)) {
                n->kind = YT_LIST;
                free(n->value);
                n->value = NULL;
            }
            if (n->kind != YT_LIST)
                return cs_errf(err, CS_USAGE, "[%ld]: not a list", cidx);
            if ((size_t)cidx > n->n)
                return cs_errf(err, CS_USAGE,
                               "index %ld is past the end: the list has %zu item%s "
                               "([%zu] appends one)",
                               cidx, n->n, n->n == 1 ? "" : "s", n->n);
            if (k == 0) {
                yt_node *v = yt_clone(value);
                if ((size_t)cidx == n->n)
                    append(n, NULL, v->mark, v);
                else {
                    yt_free(n->items[cidx]);
                    n->items[cidx] = v;
                }
                return 0;
            }
            if ((size_t)cidx == n->n)
                append(n, NULL, value->mark,
                       node_new_ref(k == 2 ? YT_LIST : YT_MAP, value->mark.file, value->mark.line,
                                value->mark.col));
            child = n->items[cidx];
        }
        n = child;
    }
    return 0;
}
