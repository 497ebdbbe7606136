/* config_kinds.c — the config side of the kind families whose facts live in
 * policy/: breaker kinds with their parameters, backoff schedules and
 * reconnect schedules.  The config keeps no list of its own: a kind's name
 * is its registry entry (policy/breaker.c, backoff.c, reconnect.c) and a
 * breaker's keys are its parameter descriptors' names (policy/breaker_KIND.c),
 * checked, defaulted and printed through those descriptors.  Adding a
 * breaker kind is its policy file and one registry line; nothing here.
 *
 * Former spellings (schema 1, before the keys were the policy's names) are
 * read through the alias tables below and noted once by the loader.
 */
#include <math.h>
#include <string.h>

#include "policy/backoff.h"
#include "policy/breaker.h"
#include "policy/reconnect.h"
#include "sim/config/config_schema.h"

/* ---- kind registries ------------------------------------------------------ */

static const char *breaker_name_at(size_t i)
{
    size_t n;
    const breaker_ops *const *k = breaker_kinds(&n);
    return i < n ? k[i]->name : NULL;
}

static const char *backoff_name_at(size_t i)
{
    size_t n;
    const backoff_kind *const *k = backoff_kinds(&n);
    return i < n ? k[i]->name : NULL;
}

static const char *reconnect_name_at(size_t i)
{
    size_t n;
    const reconnect_kind *const *k = reconnect_kinds(&n);
    return i < n ? k[i]->name : NULL;
}

/* Former config spellings: {old, name}. */
static const char *const backoff_aliases[][2] = {
    {"polly_decorrelated_v2", "polly_exponential"},
    {NULL, NULL},
};
static const char *const reconnect_aliases[][2] = {
    {"stackexchange_exponential", "ser_exponential"},
    {"exponential", "ser_exponential"},
    {"linear", "ser_linear"},
    {"constant", "ser_linear"},
    {"redisson_347", "redisson_3_47"},
    {"redisson_348", "redisson_3_48"},
    {"seed004", "exponential_max_retries"},
    {NULL, NULL},
};

const cfg_kinds cfg_breaker_kinds = {"breaker kind", breaker_name_at, NULL};
const cfg_kinds cfg_backoff_kinds = {"backoff schedule", backoff_name_at, backoff_aliases};
const cfg_kinds cfg_reconnect_kinds = {"reconnect schedule", reconnect_name_at, reconnect_aliases};

void cfg_note_deprecated(cfg_ctx *cx, const char *old, const char *now)
{
    if (!cx->out)
        return;
    char item[256];
    cfg_pathf(item, sizeof item, "%s -> %s", old, now);
    char *d = cx->out->deprecated;
    if (strstr(d, item))
        return;
    size_t len = strlen(d);
    if (len + strlen(item) + 3 >= sizeof cx->out->deprecated)
        return; /* the note lists the first few; each is also an error-free read */
    if (len)
        strcat(d, "; ");
    strcat(d, item);
}

static void kind_list(const cfg_kinds *kt, char *buf, size_t cap)
{
    buf[0] = 0;
    const char *nm;
    for (size_t i = 0; (nm = kt->name_at(i)); i++) {
        if (i)
            strncat(buf, ", ", cap - strlen(buf) - 1);
        strncat(buf, nm, cap - strlen(buf) - 1);
    }
}

int cfg_parse_kind(cfg_ctx *cx, const cfg_kinds *kt, const yt_node *n, const char *path,
                   const char **out)
{
    const char *s = n->value;
    const char *nm;
    for (size_t i = 0; (nm = kt->name_at(i)); i++)
        if (!strcmp(nm, s)) {
            *out = nm;
            return 0;
        }
    for (size_t i = 0; kt->aliases && kt->aliases[i][0]; i++)
        if (!strcmp(kt->aliases[i][0], s))
            for (size_t j = 0; (nm = kt->name_at(j)); j++)
                if (!strcmp(nm, kt->aliases[i][1])) {
                    char old[300];
                    cfg_pathf(old, sizeof old, "%s: %s", path, s);
                    cfg_note_deprecated(cx, old, nm);
                    *out = nm;
                    return 0;
                }
    const char *names[64];
    size_t cnt = 0;
    while (cnt < 63 && (names[cnt] = kt->name_at(cnt)))
        cnt++;
    names[cnt] = NULL;
    char list[700];
    kind_list(kt, list, sizeof list);
    const char *near = cs_closest(s, names, cnt);
    if (near)
        return cfg_fail(cx, n->mark, path, "unknown %s '%.80s'; did you mean '%s'? (one of: %s)",
                        kt->what, s, near, list);
    return cfg_fail(cx, n->mark, path, "unknown %s '%.80s' (one of: %s)", kt->what, s, list);
}

void cfg_kind_names(FILE *f, const cfg_kinds *kt)
{
    const char *nm;
    for (size_t i = 0; (nm = kt->name_at(i)); i++)
        fprintf(f, "%s`%s`", i ? ", " : "", nm);
}

/* ---- breaker parameters ------------------------------------------------- */

/* The former flat l2.breaker keys: {old key, kind, parameter, how}. */
enum { AS_IS, WINDOW_WORDS, UNBOUNDED_ZERO, NONE_ZERO, WAIT_MULTIPLIER };
static const struct {
    const char *old, *kind, *name;
    int how;
} BREAKER_ALIASES[] = {
    {"min_consecutive_failures", "hcl_v1", "minimum_consecutive_failures", AS_IS},
    {"min_failure_time", "hcl_v1", "minimum_failure_time", AS_IS},
    {"retry_wait", "hcl_v1", "retry_wait_time", AS_IS},
    {"resume_failures", "hcl_v1", "minimum_consecutive_failures_resume_outage", AS_IS},
    {"probe_calls", "hcl_v1", "probe_calls", UNBOUNDED_ZERO}, /* only the value `unbounded` */
    {"window_type", "sliding_window", "sliding_window_type", WINDOW_WORDS},
    {"window_size", "sliding_window", "sliding_window_size", AS_IS},
    {"minimum_calls", "sliding_window", "minimum_number_of_calls", AS_IS},
    {"failure_rate", "sliding_window", "failure_rate_threshold", AS_IS},
    {"slow_call_rate", "sliding_window", "slow_call_rate_threshold", AS_IS},
    {"slow_call_duration", "sliding_window", "slow_call_duration_threshold", AS_IS},
    {"half_open_calls", "sliding_window", "permitted_number_of_calls_in_half_open_state", AS_IS},
    {"wait_in_open", "sliding_window", "wait_duration_in_open_state", AS_IS},
    /* without wait_interval_kind beside it: != 1 also makes the wait exponential */
    {"wait_multiplier", "sliding_window", "wait_multiplier", WAIT_MULTIPLIER},
    {"automatic_transition", "sliding_window",
     "automatic_transition_from_open_to_half_open_enabled", AS_IS},
    {"max_wait_in_half_open", "sliding_window", "max_wait_duration_in_half_open_state", NONE_ZERO},
    {"duration", "simple", "break_duration", AS_IS},
};
#define N_ALIASES (sizeof BREAKER_ALIASES / sizeof BREAKER_ALIASES[0])

/* The largest params struct a kind may have (breaker_create's own bound). */
typedef struct {
    _Alignas(16) unsigned char b[512];
} params_buf;

static bool is_table_key(const char *key)
{
    return !strcmp(key, "kind") || !strcmp(key, "scope");
}

/* The kind (other than `not`) that takes `key`, directly or as a former name. */
static const char *owner_of(const char *key, const char *not)
{
    size_t n;
    const breaker_ops *const *k = breaker_kinds(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(k[i]->name, not) && cp_param_find(k[i]->param_desc, k[i]->n_param_desc, key))
            return k[i]->name;
    for (size_t i = 0; i < N_ALIASES; i++)
        if (!strcmp(BREAKER_ALIASES[i].old, key) && strcmp(BREAKER_ALIASES[i].kind, not))
            return BREAKER_ALIASES[i].kind;
    return NULL;
}

static void param_list(const breaker_ops *ops, char *buf, size_t cap)
{
    buf[0] = 0;
    for (size_t i = 0; i < ops->n_param_desc; i++) {
        if (i)
            strncat(buf, ", ", cap - strlen(buf) - 1);
        strncat(buf, ops->param_desc[i].name, cap - strlen(buf) - 1);
    }
    if (!ops->n_param_desc)
        snprintf(buf, cap, "no parameters");
}

/* Parse the text of one parameter value as the number the descriptor takes. */
static int param_value(cfg_ctx *cx, const cp_param_desc *d, const yt_node *v, const char *path,
                       int how, double *out)
{
    if (v->kind != YT_SCALAR || yt_is_null(v))
        return cfg_fail(cx, v->mark, path, "expected a value, found %s", cfg_kind_word(v));
    const char *s = v->value;
    if ((how == UNBOUNDED_ZERO && !strcmp(s, "unbounded")) || (how == NONE_ZERO && !strcmp(s, "none"))) {
        *out = 0;
        return 0;
    }
    switch (d->type) {
    case CP_PARAM_INT: {
        int64_t iv;
        if (cfg_parse_int(s, &iv, cx->err))
            return cfg_fail(cx, v->mark, path, "'%.80s': expected an integer", s);
        *out = (double)iv;
        return 0;
    }
    case CP_PARAM_DOUBLE:
        if (cfg_parse_double(s, out, cx->err))
            return cfg_fail(cx, v->mark, path, "'%.80s': expected a number", s);
        return 0;
    case CP_PARAM_BOOL: {
        bool b;
        if (cfg_parse_bool(s, &b, cx->err))
            return cfg_fail(cx, v->mark, path, "'%.80s': expected true or false", s);
        *out = b ? 1 : 0;
        return 0;
    }
    case CP_PARAM_DURATION: {
        sim_ns t;
        if (config_parse_duration(s, &t, cx->err))
            return cfg_fail(cx, v->mark, path, "'%.80s': expected a duration (e.g. 30s)", s);
        *out = t == SIM_NEVER ? (double)CP_INFINITE : (double)t; /* none: no limit */
        return 0;
    }
    case CP_PARAM_ENUM: {
        const char *w = s;
        if (how == WINDOW_WORDS)
            w = !strcmp(s, "count") ? "count_based" : !strcmp(s, "time") ? "time_based" : s;
        char list[300] = "";
        for (int i = 0; d->choices[i]; i++) {
            if (!strcmp(d->choices[i], w)) {
                *out = i;
                return 0;
            }
            if (i)
                strncat(list, ", ", sizeof list - strlen(list) - 1);
            strncat(list, d->choices[i], sizeof list - strlen(list) - 1);
        }
        return cfg_fail(cx, v->mark, path, "unknown value '%.80s' (one of: %s)", s, list);
    }
    }
    return cfg_fail(cx, v->mark, path, "internal: descriptor type");
}

/* Every key of l2.breaker other than kind and scope is a parameter of the
 * kind, named as its policy descriptor names it.  A parameter of another
 * kind is an error, except when it was written in another file than the
 * kind (a base config or the config under a variant that switched kinds:
 * the former kind's parameters then no longer apply). */
static int breaker_parse(cfg_ctx *cx, const yt_node *map, yt_mark at, char *base, const char *path)
{
    cfg_breaker *b = (cfg_breaker *)(void *)base;
    const breaker_ops *ops = breaker_kind(b->kind);
    if (!ops)
        return cfg_fail(cx, at, path, "internal: breaker kind '%s' is not registered", b->kind);
    params_buf pb;
    memset(&pb, 0, sizeof pb);
    if (ops->params_size > sizeof pb.b)
        return cfg_fail(cx, at, path, "internal: breaker %s: params too large", ops->name);
    if (ops->defaults)
        ops->defaults(pb.b);
    const yt_node *kind_node = map ? yt_get(map, "kind") : NULL;
    char kp[512];
    for (size_t i = 0; map && i < map->n; i++) {
        const char *key = map->keys[i];
        if (is_table_key(key))
            continue;
        cfg_pathf(kp, sizeof kp, "%s.%s", path, key);
        const cp_param_desc *d = cp_param_find(ops->param_desc, ops->n_param_desc, key);
        int how = AS_IS;
        for (size_t a = 0; a < N_ALIASES; a++)
            if (!strcmp(BREAKER_ALIASES[a].old, key) && !strcmp(BREAKER_ALIASES[a].kind, ops->name)) {
                how = BREAKER_ALIASES[a].how;
                if (!d) {
                    d = cp_param_find(ops->param_desc, ops->n_param_desc, BREAKER_ALIASES[a].name);
                    cfg_note_deprecated(cx, kp, BREAKER_ALIASES[a].name);
                }
            }
        if (!d) {
            const char *owner = owner_of(key, ops->name);
            bool from_set = !strncmp(map->kmarks[i].file, "--", 2);
            if (owner && kind_node && !from_set && strcmp(kind_node->mark.file, map->kmarks[i].file))
                continue; /* the former kind's parameter, from a base file */
            char list[1200];
            param_list(ops, list, sizeof list);
            if (owner)
                return cfg_fail(cx, map->kmarks[i], kp,
                                "not a parameter of breaker kind %s (it is %s's); %s takes: %s",
                                ops->name, owner, ops->name, list);
            const char *names[64];
            size_t cnt = 0;
            for (size_t j = 0; j < ops->n_param_desc && cnt < 61; j++)
                names[cnt++] = ops->param_desc[j].name;
            names[cnt++] = "kind";
            names[cnt++] = "scope";
            names[cnt] = NULL;
            const char *near = cs_closest(key, names, cnt);
            if (near)
                return cfg_fail(cx, map->kmarks[i], kp, "unknown key; did you mean '%s'?", near);
            return cfg_fail(cx, map->kmarks[i], kp,
                            "unknown key (breaker kind %s takes: kind, scope, %s)", ops->name, list);
        }
        double v;
        if (param_value(cx, d, map->items[i], kp, how, &v))
            return CS_USAGE;
        const char *vs = map->items[i]->value;
        if ((how == UNBOUNDED_ZERO && !strcmp(vs, "unbounded")) || (how == NONE_ZERO && !strcmp(vs, "none"))) {
            char old[600];
            cfg_pathf(old, sizeof old, "%s: %s", kp, vs);
            cfg_note_deprecated(cx, old, "0");
        }
        if (cp_param_set_number(ops->param_desc, ops->n_param_desc, pb.b, d->name, v))
            return cfg_fail(cx, map->items[i]->mark, kp, "'%.80s' is out of range for %s",
                            map->items[i]->value, d->name);
        if (how == WAIT_MULTIPLIER && !yt_get(map, "wait_interval_kind")) {
            /* the former key alone: 1 meant a constant wait, more an exponential one */
            cfg_note_deprecated(cx, kp, "wait_multiplier with wait_interval_kind");
            cp_param_set_number(ops->param_desc, ops->n_param_desc, pb.b, "wait_interval_kind",
                                v == 1.0 ? 0 : 1);
        }
    }
    char msg[300] = "";
    if (ops->validate && ops->validate(pb.b, msg, sizeof msg))
        return cfg_fail(cx, map ? map->mark : at, path, "%s", msg);
    if (ops->n_param_desc > CFG_BREAKER_MAX_PARAMS)
        return cfg_fail(cx, at, path, "internal: breaker %s has more than %d parameters", ops->name,
                        CFG_BREAKER_MAX_PARAMS);
    b->nparams = ops->n_param_desc;
    for (size_t j = 0; j < ops->n_param_desc; j++) {
        b->params[j].name = ops->param_desc[j].name;
        cp_param_get_number(ops->param_desc, ops->n_param_desc, pb.b, b->params[j].name,
                            &b->params[j].value);
    }
    return 0;
}

/* The text of a parameter value, as the loader reads it back. */
static void param_text(const cp_param_desc *d, double v, char *buf, size_t cap)
{
    switch (d->type) {
    case CP_PARAM_INT:
        snprintf(buf, cap, "%lld", (long long)v);
        return;
    case CP_PARAM_DOUBLE:
        cfg_format_double(v, buf, cap);
        return;
    case CP_PARAM_BOOL:
        snprintf(buf, cap, "%s", v != 0 ? "true" : "false");
        return;
    case CP_PARAM_DURATION:
        if ((cp_ns)v == CP_INFINITE)
            snprintf(buf, cap, "none");
        else
            config_format_duration((sim_ns)v, buf, cap);
        return;
    case CP_PARAM_ENUM:
        snprintf(buf, cap, "%s", d->choices[(int)v]);
        return;
    }
    snprintf(buf, cap, "?");
}

static const cp_param_desc *desc_of(const cfg_breaker *b, size_t i)
{
    const breaker_ops *ops = breaker_kind(b->kind);
    return ops ? cp_param_find(ops->param_desc, ops->n_param_desc, b->params[i].name) : NULL;
}

static void breaker_print(FILE *f, const char *base, int col)
{
    const cfg_breaker *b = (const cfg_breaker *)(const void *)base;
    for (size_t i = 0; i < b->nparams; i++) {
        const cp_param_desc *d = desc_of(b, i);
        char buf[64];
        if (!d)
            continue;
        param_text(d, b->params[i].value, buf, sizeof buf);
        fprintf(f, "%*s%s: %s\n", col, "", b->params[i].name, buf);
    }
}

static void breaker_rows(run_rows *rows, const char *base, const char *prefix)
{
    const cfg_breaker *b = (const cfg_breaker *)(const void *)base;
    for (size_t i = 0; i < b->nparams; i++) {
        const cp_param_desc *d = desc_of(b, i);
        char buf[64], path[512];
        if (!d)
            continue;
        param_text(d, b->params[i].value, buf, sizeof buf);
        cfg_pathf(path, sizeof path, "%s.%s", prefix, b->params[i].name);
        rows_param(rows, path, buf);
    }
}

static void breaker_keys_md(FILE *f, const char *prefix)
{
    static const char *const type_word[] = {[CP_PARAM_INT] = "int", [CP_PARAM_DOUBLE] = "number",
                                            [CP_PARAM_DURATION] = "duration",
                                            [CP_PARAM_BOOL] = "bool", [CP_PARAM_ENUM] = "name"};
    size_t n;
    const breaker_ops *const *k = breaker_kinds(&n);
    for (size_t i = 0; i < n; i++) {
        params_buf pb;
        memset(&pb, 0, sizeof pb);
        if (k[i]->defaults)
            k[i]->defaults(pb.b);
        for (size_t j = 0; j < k[i]->n_param_desc; j++) {
            const cp_param_desc *d = &k[i]->param_desc[j];
            double v = 0;
            char buf[64];
            cp_param_get_number(k[i]->param_desc, k[i]->n_param_desc, pb.b, d->name, &v);
            param_text(d, v, buf, sizeof buf);
            fprintf(f, "| `%s.%s` | %s | `%s` | kind `%s`", prefix, d->name, type_word[d->type],
                    buf, k[i]->name);
            for (int c = 0; d->type == CP_PARAM_ENUM && d->choices[c]; c++)
                fprintf(f, "%s`%s`", c ? ", " : ": ", d->choices[c]);
            fputs(" | ", f);
            for (const char *s = d->help; s && *s; s++)
                fputs(*s == '|' ? "\\|" : (char[]){*s, 0}, f);
            fputs(" |\n", f);
        }
    }
}

const cfg_params_ops cfg_breaker_params = {breaker_parse, breaker_print, breaker_rows,
                                           breaker_keys_md};
