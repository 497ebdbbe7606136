/* config_schema.h — the shape of the key table (internal to sim/config*.c).
 *
 * A section is an array of keys; each key says where its value lives in the
 * C struct (offset), how to read it (type, flags, enum names or sub-section),
 * its default as config text (parsed by the same code as user input, so a
 * default can never disagree with the parser), its range and its help.
 */
#ifndef CS_CONFIG_SCHEMA_H
#define CS_CONFIG_SCHEMA_H

#include <stddef.h>
#include <stdio.h>

#include "sim/config/config.h"

typedef enum {
    CK_INT,      /* int64_t */
    CK_DOUBLE,   /* double */
    CK_BOOL,     /* bool */
    CK_STRING,   /* char * (owned) */
    CK_ENUM,     /* C enum (int-sized), names in `names` */
    CK_DURATION, /* sim_ns */
    CK_RATE,     /* double, per second */
    CK_SIZE,     /* int64_t bytes */
    CK_DIST,     /* cfg_dist with duration-valued scaled parameters */
    CK_SECTION,  /* nested struct described by `sub` */
    CK_LIST,     /* CFG_LIST of the struct described by `sub` */
    CK_INTLIST,  /* CFG_LIST(int64_t) */
    CK_EXPECTS,  /* CFG_LIST(cfg_expect) */
    CK_KIND,     /* const char *: a name from a registry in policy/ (`kinds`) */
    CK_PARAMS    /* the parameters of the section's kind, as sibling keys (`params`) */
} cfg_type;

enum {
    CF_NONE = 1,      /* accepts `none` = INT64_MAX (no limit) */
    CF_UNBOUNDED = 2, /* accepts `unbounded` = INT64_MAX */
    CF_ALL = 4,       /* accepts `all` = -1 */
    CF_MIN_OPEN = 8,  /* value > min (else >= min) */
    CF_MAX_OPEN = 16, /* value < max (else <= max) */
    CF_OFF_ZERO = 32, /* 0 is allowed as "off" even when below the range */
    CF_NORANGE = 64,  /* no range check */
    CF_REQUIRED = 128 /* must be given (list items whose meaning needs it) */
};

typedef struct cfg_section cfg_section;
typedef struct cfg_ctx cfg_ctx;

/* CK_KIND: a registry of names (breaker kinds, backoff and reconnect
 * schedules) kept in policy/; the config has no list of its own. */
typedef struct cfg_kinds {
    const char *what;                 /* "breaker kind", for messages */
    const char *(*name_at)(size_t i); /* the i-th name, NULL past the end */
    const char *const (*aliases)[2];  /* {former name, name}, NULL-terminated; may be NULL */
} cfg_kinds;

/* CK_PARAMS: the keys a kind takes, read from its parameter descriptors
 * (sim/config/config_kinds.c).  `base` is the section's struct. */
typedef struct cfg_params_ops {
    /* every key of `map` the section's table does not name, plus defaults */
    int (*parse)(cfg_ctx *cx, const yt_node *map, yt_mark at, char *base, const char *path);
    void (*print)(FILE *f, const char *base, int col);
    void (*rows)(run_rows *rows, const char *base, const char *prefix);
    void (*keys_md)(FILE *f, const char *prefix);
} cfg_params_ops;

typedef struct cfg_key {
    const char *name;
    cfg_type type;
    size_t off;
    const char *def; /* default as config text; NULL for sections and lists */
    double min, max; /* in the stored unit (ns, per second, bytes, count) */
    unsigned flags;
    const char *const *names; /* CK_ENUM */
    const cfg_section *sub;   /* CK_SECTION, CK_LIST */
    const char *inherit;      /* when absent, the effective value of this path */
    const char *help;
    const cfg_kinds *kinds;       /* CK_KIND */
    const cfg_params_ops *params; /* CK_PARAMS */
} cfg_key;

struct cfg_section {
    const char *name;
    size_t size; /* of the struct (list items) */
    const cfg_key *keys;
    size_t nkeys;
    /* The map form of a scalar shorthand (e.g. `workers: unbounded`), a new
     * tree the caller frees; NULL with err filled when the scalar is not a
     * shorthand.  NULL member: the section has none. */
    yt_node *(*shorthand)(const yt_node *n, cs_err *err);
};

extern const cfg_section cfg_root_section;

/* The key at a dotted path ("l2.breaker.kind"; list indexes ignored), or NULL. */
const cfg_key *cfg_find_key(const char *path);
/* Every key named `name` anywhere, as full paths, for "did you mean"; writes
 * the first match to buf and returns the number of matches. */
int cfg_find_by_name(const char *name, char *buf, size_t cap);

/* config.c: the loader's context and messages */
struct cfg_ctx {
    const yt_node *root; /* the merged tree (for inherit and marks) */
    unsigned flags;      /* CONFIG_* */
    cs_err *err;
    config *out;         /* the config being built (for its deprecation notes) */
    char *errs; /* every error of this pass so far, one per line (config_from_tree
                   reports them all at once); NULL = none */
    int nerr;
    bool collect; /* keep errs (config_from_tree); else only err */
};
/* Note a former name `old` (of `what`) that was read as `now`. */
void cfg_note_deprecated(cfg_ctx *cx, const char *old, const char *now);
/* config_kinds.c: the registries (policy/) as config names, and breaker
 * parameters through their descriptors. */
extern const cfg_kinds cfg_breaker_kinds, cfg_backoff_kinds, cfg_reconnect_kinds;
extern const cfg_params_ops cfg_breaker_params;
/* The registry name n names (a former spelling is noted), or an error. */
int cfg_parse_kind(cfg_ctx *cx, const cfg_kinds *kt, const yt_node *n, const char *path,
                   const char **out);
/* The names, as markdown code spans separated by commas. */
void cfg_kind_names(FILE *f, const cfg_kinds *kt);
/* Fill err (code 2) with "file:line:column: path: message" and add it to
 * cx->errs; returns 2. */
__attribute__((format(printf, 4, 5))) int cfg_fail(cfg_ctx *cx, yt_mark m, const char *path,
                                                   const char *fmt, ...);
/* snprintf for key paths (truncation is acceptable: paths are short). */
__attribute__((format(printf, 3, 4))) int cfg_pathf(char *out, size_t cap, const char *fmt, ...);
/* "a map", "a list" or "a value", for messages. */
const char *cfg_kind_word(const yt_node *n);
/* The mark used for values that come from defaults. */
extern const yt_mark cfg_default_mark;
/* config_check.c: the rules across keys; also fills node_groups/node_total. */
int cfg_check_all(cfg_ctx *cx, config *c);

/* config_value.c (the did-you-mean is cs_closest, sim/core/common.h) */
int cfg_parse_int(const char *s, int64_t *out, cs_err *err);
int cfg_parse_double(const char *s, double *out, cs_err *err);
int cfg_parse_bool(const char *s, bool *out, cs_err *err);
void cfg_format_double(double v, char *buf, size_t cap);
void cfg_format_rate(double v, char *buf, size_t cap);
void cfg_format_size(int64_t v, char *buf, size_t cap);
extern const char *const cfg_experiment_keys[]; /* NULL-terminated */

#endif
