/* cli_args.c — the shared option parser (see cli_args.h). */
#include "sim/cli/cli_args.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/run/budget.h"

static void push(cli_strs *s, const char *v, int cap)
{
    if (!s->v)
        s->v = cs_calloc((size_t)cap + 1, sizeof *s->v);
    s->v[s->n++] = v;
}

void cli_strs_free(cli_strs *s)
{
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

/* The option named by a (up to len characters: "--format=csv" has len 8). */
static const cli_opt *find(const cli_opt *opts, const char *a, size_t len)
{
    for (const cli_opt *o = opts; o->name; o++)
        if ((strlen(o->name) == len && !strncmp(a, o->name, len)) ||
            (o->alias && strlen(o->alias) == len && !strncmp(a, o->alias, len)))
            return o;
    return NULL;
}

int cli_unknown_option(const char *cmd, const char *arg, const cli_opt *opts)
{
    const char *names[128];
    size_t n = 0;
    for (const cli_opt *o = opts; o && o->name && n + 2 < 128; o++) {
        names[n++] = o->name;
        if (o->alias)
            names[n++] = o->alias;
    }
    names[n++] = "--help";
    char word[128];
    snprintf(word, sizeof word, "%.*s", (int)strcspn(arg, "="), arg);
    const char *near = cs_closest(word, names, n);
    fprintf(stderr, "cachestorm %s: unknown option '%s'%s%s%s (cachestorm help %s lists them)\n",
            cmd, word, near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "", cmd);
    return CS_USAGE;
}

/* "table, tsv or json" from "table|tsv|json". */
static void choice_list(const char *choices, char *buf, size_t cap)
{
    size_t k = 0, n = 1;
    for (const char *p = choices; *p; p++)
        n += *p == '|';
    buf[0] = 0;
    const char *p = choices;
    for (size_t i = 0; i < n; i++) {
        size_t len = strcspn(p, "|");
        k += (size_t)snprintf(buf + k, k < cap ? cap - k : 0, "%s%.*s",
                              i == 0 ? "" : i + 1 == n ? " or " : ", ", (int)len, p);
        p += len + (p[len] == '|');
        if (k >= cap)
            break;
    }
}

static bool is_choice(const char *choices, const char *v)
{
    size_t lv = strlen(v);
    for (const char *p = choices; *p;) {
        size_t len = strcspn(p, "|");
        if (len == lv && !strncmp(p, v, len))
            return true;
        p += len + (p[len] == '|');
    }
    return false;
}

/* Store value v of option o (named a in messages). */
static int set_value(const cli_spec *sp, const cli_opt *o, const char *a, const char *v, int argc)
{
    if (o->kind == OPT_STR) {
        if (o->choices && !is_choice(o->choices, v)) {
            char list[256];
            choice_list(o->choices, list, sizeof list);
            fprintf(stderr, "cachestorm %s: %s takes %s, not '%s'\n", sp->cmd, a, list, v);
            return CS_USAGE;
        }
        *(const char **)o->dst = v;
    } else if (o->kind == OPT_STRS) {
        push(o->dst, v, argc);
    } else if (o->kind == OPT_INT) {
        char *end;
        errno = 0;
        long n = strtol(v, &end, 10);
        if (errno || *end || !*v || n < o->min || n > o->max) {
            fprintf(stderr, "cachestorm %s: %s needs a whole number from %ld to %ld, not '%s'\n",
                    sp->cmd, a, o->min, o->max, v);
            return CS_USAGE;
        }
        *(long *)o->dst = n;
    } else {
        char *end;
        errno = 0;
        double d = strtod(v, &end);
        bool bounded = o->min || o->max;
        if (errno || *end || !*v || !isfinite(d) ||
            (bounded && (d < (double)o->min || d > (double)o->max))) {
            if (bounded)
                fprintf(stderr, "cachestorm %s: %s needs a number from %ld to %ld, not '%s'\n",
                        sp->cmd, a, o->min, o->max, v);
            else
                fprintf(stderr, "cachestorm %s: %s needs a number, not '%s'\n", sp->cmd, a, v);
            return CS_USAGE;
        }
        *(double *)o->dst = d;
    }
    return 0;
}

static int parse(const cli_spec *sp, int argc, char **argv, cli_strs *pos)
{
    bool only_pos = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool opt = !only_pos && a[0] == '-' && a[1];
        if (opt && !strcmp(a, "--")) {
            only_pos = true;
            continue;
        }
        if (opt && (!strcmp(a, "--help") || !strcmp(a, "-h"))) {
            sp->help(stdout);
            return CLI_HELP;
        }
        if (!opt) {
            if (sp->max_pos && pos->n >= sp->max_pos) {
                if (sp->max_pos == 1)
                    fprintf(stderr, "cachestorm %s: one %s at a time ('%s' and '%s')\n", sp->cmd,
                            sp->pos_name, pos->v[0], a);
                else
                    fprintf(stderr, "cachestorm %s: expected %s; '%s' is one argument too many\n",
                            sp->cmd, sp->pos_name, a);
                return CS_USAGE;
            }
            push(pos, a, argc);
            continue;
        }
        /* --name=value: only for long options that take a value */
        const char *eq = a[1] == '-' ? strchr(a, '=') : NULL;
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        const cli_opt *o = find(sp->opts, a, len);
        if (!o)
            return cli_unknown_option(sp->cmd, a, sp->opts);
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)len, a);
        if (o->kind == OPT_FLAG) {
            if (eq) {
                fprintf(stderr, "cachestorm %s: %s takes no value ('%s')\n", sp->cmd, name, a);
                return CS_USAGE;
            }
            *(bool *)o->dst = true;
            continue;
        }
        const char *v;
        if (eq) {
            v = eq + 1;
        } else if (i + 1 < argc) {
            v = argv[++i];
        } else {
            fprintf(stderr, "cachestorm %s: %s needs a value (cachestorm help %s)\n", sp->cmd, a,
                    sp->cmd);
            return CS_USAGE;
        }
        int rc = set_value(sp, o, name, v, argc);
        if (rc)
            return rc;
    }
    if (pos->n < sp->min_pos) {
        if (pos->n == 0)
            fprintf(stderr, "cachestorm %s: no %s given (cachestorm help %s)\n", sp->cmd,
                    sp->pos_name, sp->cmd);
        else
            fprintf(stderr, "cachestorm %s: expected %s, got %d argument%s (cachestorm help %s)\n",
                    sp->cmd, sp->pos_name, pos->n, pos->n == 1 ? "" : "s", sp->cmd);
        return CS_USAGE;
    }
    return 0;
}

int cli_parse_spec(const cli_spec *sp, int argc, char **argv, cli_strs *pos)
{
    int rc = parse(sp, argc, argv, pos);
    if (rc == CS_USAGE && sp->usage)
        fputs(sp->usage, stderr); /* the usage lines after the message */
    return rc;
}

int cli_parse(const char *cmd, int argc, char **argv, const cli_opt *opts, const char *pos_name,
              int max_pos, cli_strs *pos, void (*help)(FILE *))
{
    cli_spec sp = {cmd, opts, pos_name, 1, max_pos, help, NULL};
    return cli_parse_spec(&sp, argc, argv, pos);
}

int cli_max_memory(const char *cmd, const char *arg, size_t *out)
{
    *out = 0;
    if (arg && budget_parse(arg, out)) {
        fprintf(stderr,
                "cachestorm %s: --max-memory %s: expected a size such as 4G, 512M or 1073741824\n",
                cmd, arg);
        return CS_USAGE;
    }
    return 0;
}
