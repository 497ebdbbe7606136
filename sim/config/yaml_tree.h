/* yaml_tree.h — a YAML document as a small tree of maps, lists and scalars,
 * each node remembering where it came from (file, line, column), so that any
 * later check can say `file:line:column: key.path: what is wrong`.
 *
 * libyaml does the parsing; this module only builds the tree, refuses what
 * the config language does not need (duplicate keys, non-scalar map keys,
 * aliases nested deeper than the limits, tags) and offers the operations the
 * config loader and the experiment module share: look-up, recursive merge
 * (`base:` and variants), clone, and setting a value by path (`--set`).
 * Nodes own their children and strings; yt_free releases a whole tree.
 */
#ifndef CS_YAML_TREE_H
#define CS_YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/core/common.h"

typedef enum { YT_SCALAR, YT_MAP, YT_LIST } yt_kind;

/* Where a node came from.  line 0 means "not a file position": the file
 * field then names the whole source, e.g. "--set seed=7". */
typedef struct yt_mark {
    char *file;    /* owned by the node (copied on clone); never NULL */
    int line, col; /* 1-based */
} yt_mark;

typedef struct yt_node yt_node;
struct yt_node {
    yt_kind kind;
    yt_mark mark;
    char *value; /* YT_SCALAR: the text as written (never NULL) */
    bool plain;  /* YT_SCALAR: unquoted (so "", "~", "null" mean null) */
    bool quoted; /* YT_SCALAR: '...' or "..." (the mark is at the quote; the text
                    starts one column later) */
    /* YT_MAP: n entries, keys[i] -> items[i] with key marks kmarks[i];
     * YT_LIST: n items.  Insertion order is kept (deterministic output). */
    size_t n, cap;
    char **keys;
    yt_mark *kmarks;
    yt_node **items;
};

/* Limits that keep hostile input from exhausting the stack or memory. */
#define YT_MAX_DEPTH 64
#define YT_MAX_NODES 1000000
/* Bytes of one parsed tree (nodes, values, keys; yt_tree_bytes), and of a
 * config with all its base: files together (config_tree_load). */
#define YT_MAX_BYTES ((size_t)256 << 20)

/* The memory a tree holds, roughly: nodes, values, keys, key marks. */
size_t yt_tree_bytes(const yt_node *n);

/* Parse the file at `path` ("-" = standard input; one YAML document; an
 * empty file is an empty map).  Only regular files are opened: a FIFO, device
 * or socket is refused before open() (code 2).  Errors: no such file (code 2, "no such file"), other I/O errors
 * (code 3), syntax, duplicate key, too deep (code 2), all with file:line:col. */
int yt_parse_file(const char *path, yt_node **out, cs_err *err);
/* Parse `text`; `name` is used as the file in marks.  A name starting with
 * "--" (e.g. "--set x=1") produces marks with line 0. */
int yt_parse_string(const char *text, size_t len, const char *name, yt_node **out, cs_err *err);

void yt_free(yt_node *n);
yt_node *yt_clone(const yt_node *n);
/* New nodes (for building trees in code); the mark's file is copied. */
yt_node *yt_new_scalar(const char *value, const char *file, int line, int col);
yt_node *yt_new_map(const char *file, int line, int col);

/* True when the node is a null scalar (plain "", "~", "null", "Null", "NULL"). */
bool yt_is_null(const yt_node *n);

/* The value of `key` in map m, or NULL (also when m is not a map). */
yt_node *yt_get(const yt_node *m, const char *key);
/* Index of `key` in map m, or -1. */
int yt_index(const yt_node *m, const char *key);
/* Replace (or add, at the end) key in map m with value v (m takes v); the
 * key's mark is v's mark. */
void yt_put(yt_node *m, const char *key, yt_node *v);
/* Remove key from map m (freeing its value); no-op when absent. */
void yt_remove(yt_node *m, const char *key);

/* Merge `over` into `base` (base is modified, over is only read): maps merge
 * recursively key by key; scalars and lists replace.  A map for which
 * atomic(map) is true (e.g. a distribution `{dist: ...}`) also replaces.
 */
void yt_merge(yt_node *base, const yt_node *over, bool (*atomic)(const yt_node *map));

/* Set the node at `path` ("a.b[2].c") in the tree under root to a clone of
 * value, creating missing maps on the way; a list index may address an
 * existing item or the next one (append).  On error fills err (code 2) with a
 * message about the path (the caller adds its own prefix). */
int yt_set_path(yt_node *root, const char *path, const yt_node *value, cs_err *err);
/* The node at `path`, or NULL. */
const yt_node *yt_find_path(const yt_node *root, const char *path);

/* Format a mark as "file:line:column" (or just "file" when line is 0). */
void yt_mark_str(yt_mark m, char *buf, size_t cap);

#endif
