/* config_print.c — the effective config out again: as YAML (`validate
 * --print`, runs.config_text), as params rows, as a hash, and the key table
 * as the README's markdown key reference.
 *
 * Everything walks the key table (config_schema.c) in table order, so the
 * output is deterministic and lists every key; values use the canonical
 * forms of config_value.c, so printing and re-loading gives the same text.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/config/config_schema.h"

/* YAML double-quoted form of s. */
static void put_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\x%02x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* Read an int64 field (fields are reached through byte offsets). */
static int64_t get_i64(const char *p)
{
    int64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Write the value of leaf key k stored at p; strings quoted when `quote`. */
static void put_leaf(FILE *f, const cfg_key *k, const char *p, bool quote)
{
    char buf[128];
    switch (k->type) {
    case CK_INT: {
        int64_t v = get_i64(p);
        if (v == INT64_MAX && (k->flags & CF_NONE))
            fputs("none", f);
        else if (v == INT64_MAX && (k->flags & CF_UNBOUNDED))
            fputs("unbounded", f);
        else if (v == -1 && (k->flags & CF_ALL))
            fputs("all", f);
        else
            fprintf(f, "%lld", (long long)v);
        break;
    }
    case CK_DOUBLE: {
        double v;
        memcpy(&v, p, sizeof v);
        cfg_format_double(v, buf, sizeof buf);
        fputs(buf, f);
        break;
    }
    case CK_BOOL: {
        bool v;
        memcpy(&v, p, sizeof v);
        fputs(v ? "true" : "false", f);
        break;
    }
    case CK_STRING: {
        const char *s;
        memcpy(&s, p, sizeof s);
        if (quote)
            put_quoted(f, s ? s : "");
        else
            fputs(s ? s : "", f);
        break;
    }
    case CK_ENUM: {
        int v;
        memcpy(&v, p, sizeof v);
        fputs(k->names[v], f);
        break;
    }
    case CK_KIND: {
        const char *v;
        memcpy(&v, p, sizeof v);
        fputs(v ? v : "?", f);
        break;
    }
    case CK_DURATION:
        config_format_duration(get_i64(p), buf, sizeof buf);
        fputs(buf, f);
        break;
    case CK_RATE: {
        double v;
        memcpy(&v, p, sizeof v);
        cfg_format_rate(v, buf, sizeof buf);
        fputs(buf, f);
        break;
    }
    case CK_SIZE:
        cfg_format_size(get_i64(p), buf, sizeof buf);
        fputs(buf, f);
        break;
    case CK_DIST:
        fputs(((const cfg_dist *)(const void *)p)->text, f);
        break;
    case CK_INTLIST: {
        const int64_t *v;
        size_t n;
        memcpy(&v, p, sizeof v);
        memcpy(&n, p + sizeof(void *), sizeof n);
        fputc('[', f);
        for (size_t i = 0; i < n; i++)
            fprintf(f, "%s%lld", i ? ", " : "", (long long)v[i]);
        fputc(']', f);
        break;
    }
    default:
        break;
    }
}

/* The items pointer and count of a CFG_LIST field at p. */
static void list_of(const char *p, const char **items, size_t *n)
{
    memcpy(items, p, sizeof *items);
    memcpy(n, p + sizeof(void *), sizeof *n);
}

/* Print section s (struct at base) with keys at column col; when dash >= 0
 * the first key line starts with "- " at column dash (a list item). */
static void print_section(FILE *f, const cfg_section *s, const char *base, int col, int dash)
{
    for (size_t j = 0; j < s->nkeys; j++) {
        const cfg_key *k = &s->keys[j];
        const char *p = base + k->off;
        if (k->type == CK_PARAMS) { /* the kind's parameters, as sibling keys */
            k->params->print(f, base, col);
            continue;
        }
        if (j == 0 && dash >= 0)
            fprintf(f, "%*s- ", dash, "");
        else
            fprintf(f, "%*s", col, "");
        fprintf(f, "%s:", k->name);
        if (k->type == CK_SECTION) {
            fputc('\n', f);
            print_section(f, k->sub, p, col + 2, -1);
        } else if (k->type == CK_LIST || k->type == CK_EXPECTS) {
            const char *items;
            size_t n;
            list_of(p, &items, &n);
            if (n == 0) {
                fputs(" []\n", f);
                continue;
            }
            fputc('\n', f);
            for (size_t i = 0; i < n; i++) {
                if (k->type == CK_LIST) {
                    print_section(f, k->sub, items + i * k->sub->size, col + 4, col + 2);
                } else {
                    fprintf(f, "%*s- ", col + 2, "");
                    put_quoted(f, ((const cfg_expect *)(const void *)items)[i].text);
                    fputc('\n', f);
                }
            }
        } else {
            fputc(' ', f);
            put_leaf(f, k, p, true);
            fputc('\n', f);
        }
    }
}

void config_print(const config *c, FILE *f)
{
    fputs("# effective config (every key, after defaults)\n", f);
    print_section(f, &cfg_root_section, (const char *)c, 0, -1);
}

char *config_effective_text(const config *c)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        abort(); /* only on out-of-memory */
    config_print(c, f);
    fclose(f);
    return buf;
}

void config_hash(const config *c, char out[17])
{
    char *t = config_effective_text(c);
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    free(t);
    cfg_pathf(out, 17, "%016llx", (unsigned long long)h);
}

/* ---- params -------------------------------------------------------------- */

static void leaf_row(run_rows *rows, const char *path, const cfg_key *k, const char *p)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        abort();
    put_leaf(f, k, p, false);
    fclose(f);
    rows_param(rows, path, buf);
    free(buf);
}

/* Params rows for every leaf under section s, paths prefixed. */
static void params_section(run_rows *rows, const cfg_section *s, const char *base,
                           const char *prefix)
{
    for (size_t j = 0; j < s->nkeys; j++) {
        const cfg_key *k = &s->keys[j];
        const char *p = base + k->off;
        char path[512];
        if (*prefix)
            cfg_pathf(path, sizeof path, "%s.%s", prefix, k->name);
        else
            cfg_pathf(path, sizeof path, "%s", k->name);
        if (k->type == CK_PARAMS) {
            k->params->rows(rows, base, prefix);
        } else if (k->type == CK_SECTION) {
            params_section(rows, k->sub, p, path);
        } else if (k->type == CK_LIST || k->type == CK_EXPECTS) {
            const char *items;
            size_t n;
            list_of(p, &items, &n);
            if (n == 0)
                rows_param(rows, path, "[]");
            for (size_t i = 0; i < n; i++) {
                char ip[540];
                cfg_pathf(ip, sizeof ip, "%s[%zu]", path, i);
                if (k->type == CK_LIST)
                    params_section(rows, k->sub, items + i * k->sub->size, ip);
                else
                    rows_param(rows, ip, ((const cfg_expect *)(const void *)items)[i].text);
            }
        } else {
            leaf_row(rows, path, k, p);
        }
    }
}

void config_params(const config *c, run_rows *rows)
{
    params_section(rows, &cfg_root_section, (const char *)c, "");
}

/* ---- the key reference ---------------------------------------------------- */

static const char *type_name(const cfg_key *k)
{
    switch (k->type) {
    case CK_INT:
        return "int";
    case CK_DOUBLE:
        return "number";
    case CK_BOOL:
        return "bool";
    case CK_STRING:
        return "string";
    case CK_ENUM:
        return "name";
    case CK_DURATION:
        return "duration";
    case CK_RATE:
        return "rate";
    case CK_SIZE:
        return "size";
    case CK_DIST:
        return "distribution";
    case CK_SECTION:
        return "section";
    case CK_LIST:
        return "list";
    case CK_INTLIST:
        return "list of int";
    case CK_EXPECTS:
        return "list of strings";
    case CK_KIND:
        return "name";
    case CK_PARAMS:
        return "parameters";
    }
    return "?";
}

/* A range bound in the key's own unit. */
static void put_bound(FILE *f, const cfg_key *k, double b)
{
    char buf[64];
    if (k->type == CK_DURATION)
        config_format_duration((sim_ns)b, buf, sizeof buf);
    else if (k->type == CK_RATE)
        cfg_format_rate(b, buf, sizeof buf);
    else if (k->type == CK_SIZE)
        cfg_format_size((int64_t)b, buf, sizeof buf);
    else
        cfg_format_double(b, buf, sizeof buf);
    fputs(buf, f);
}

/* The range column: enum names, or bounds with the words a key accepts. */
static void put_range(FILE *f, const cfg_key *k)
{
    if (k->type == CK_KIND) {
        cfg_kind_names(f, k->kinds);
        return;
    }
    if (k->type == CK_ENUM) {
        for (int i = 0; k->names[i]; i++)
            fprintf(f, "%s`%s`", i ? ", " : "", k->names[i]);
        return;
    }
    bool numeric = k->type == CK_INT || k->type == CK_DOUBLE || k->type == CK_DURATION ||
                   k->type == CK_RATE || k->type == CK_SIZE || k->type == CK_INTLIST;
    if (!numeric || (k->flags & CF_NORANGE))
        return;
    bool hi = k->max < 9.0e18;
    if (hi && k->min == k->max) {
        put_bound(f, k, k->min);
    } else if (hi) {
        fputs((k->flags & CF_MIN_OPEN) ? "(" : "[", f);
        put_bound(f, k, k->min);
        fputs(", ", f);
        put_bound(f, k, k->max);
        fputs((k->flags & CF_MAX_OPEN) ? ")" : "]", f);
    } else {
        fputs((k->flags & CF_MIN_OPEN) ? "> " : "≥ ", f);
        put_bound(f, k, k->min);
    }
    if (k->flags & CF_NONE)
        fputs(" or `none`", f);
    if (k->flags & CF_UNBOUNDED)
        fputs(" or `unbounded`", f);
    if (k->flags & CF_ALL)
        fputs(" or `all`", f);
}

/* Markdown-safe text: pipes escaped. */
static void put_md(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else
            fputc(*s, f);
    }
}

/* Reference rows for section s and everything under it. */
static void keys_section(FILE *f, const cfg_section *s, const char *prefix)
{
    for (size_t j = 0; j < s->nkeys; j++) {
        const cfg_key *k = &s->keys[j];
        char path[512];
        if (*prefix)
            cfg_pathf(path, sizeof path, "%s.%s", prefix, k->name);
        else
            cfg_pathf(path, sizeof path, "%s", k->name);
        if (k->type == CK_PARAMS) {
            k->params->keys_md(f, prefix);
            continue;
        }
        fprintf(f, "| `%s` | %s | ", path, type_name(k));
        if (k->flags & CF_REQUIRED) {
            fputs("required", f);
        } else if (k->inherit) {
            fprintf(f, "= `%s`", k->inherit);
        } else if (k->def) {
            fputc('`', f);
            put_md(f, k->def);
            fputc('`', f);
        } else if (k->type == CK_LIST) {
            fputs("`[]`", f);
        }
        fputs(" | ", f);
        put_range(f, k);
        fputs(" | ", f);
        put_md(f, k->help);
        fputs(" |\n", f);
        if (k->type == CK_SECTION && !k->inherit) { /* inherited: its keys are listed once */
            keys_section(f, k->sub, path);
        } else if (k->type == CK_LIST) {
            strncat(path, "[]", sizeof path - strlen(path) - 1);
            keys_section(f, k->sub, path);
        }
    }
}

void config_keys_markdown(FILE *f)
{
    fputs("| key | type | default | range | help |\n|---|---|---|---|---|\n", f);
    keys_section(f, &cfg_root_section, "");
    fputs("\nTypes: a duration takes a unit (`250us`, `5ms`, `1.5s`, `2m`, `1h`; `none` = no "
          "limit); a rate is `N/s` (or `/m`, `/ms`); a size is `512B`, `4KB`, `1MB` (1KB = "
          "1024B); a distribution is `{dist: KIND, KEY: VALUE, ...}` with KIND one of ",
          f);
    fputs(dist_kind_names(), f);
    fputs(" and time-valued parameters as durations, or a plain duration meaning a constant. "
          "`base: FILE` extends another config (maps merge, values and lists replace).\n",
          f);
}
