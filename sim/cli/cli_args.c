/* cli_args.c — the shared option parser (see cli_args.h). */
#include "sim/cli/cli_args.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

static const cli_opt *find(const cli_opt *opts, const char *a)
{
    for (const cli_opt *o = opts; o->name; o++)
        if (!strcmp(a, o->name) || (o->alias && !strcmp(a, o->alias)))
            return o;
    return NULL;
}

int cli_parse(const char *cmd, int argc, char **argv, const cli_opt *opts, const char *pos_name,
              int max_pos, cli_strs *pos, void (*help)(FILE *))
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help(stdout);
            return CLI_HELP;
        }
        const cli_opt *o = a[0] == '-' && a[1] ? find(opts, a) : NULL;
        if (!o && a[0] == '-' && a[1]) {
            fprintf(stderr, "cachestorm %s: unknown option '%s' (see --help)\n", cmd, a);
            return CS_USAGE;
        }
        if (!o) {
            if (max_pos && pos->n >= max_pos) {
                fprintf(stderr, "cachestorm %s: one %s at a time ('%s' and '%s')\n", cmd, pos_name,
                        pos->v[0], a);
                return CS_USAGE;
            }
            push(pos, a, argc);
            continue;
        }
        if (o->kind == OPT_FLAG) {
            *(bool *)o->dst = true;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "cachestorm %s: %s needs a value (see --help)\n", cmd, a);
            return CS_USAGE;
        }
        const char *v = argv[++i];
        if (o->kind == OPT_STR) {
            *(const char **)o->dst = v;
        } else if (o->kind == OPT_STRS) {
            push(o->dst, v, argc);
        } else {
            char *end;
            errno = 0;
            long n = strtol(v, &end, 10);
            if (errno || *end || !*v || n < o->min || n > o->max) {
                fprintf(stderr, "cachestorm %s: %s needs a whole number from %ld to %ld, not '%s'\n",
                        cmd, a, o->min, o->max, v);
                return CS_USAGE;
            }
            *(long *)o->dst = n;
        }
    }
    if (pos->n == 0) {
        fprintf(stderr, "cachestorm %s: no %s given (see --help)\n", cmd, pos_name);
        return CS_USAGE;
    }
    return 0;
}
