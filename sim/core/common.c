/* common.c — error formatting and allocation helpers (see common.h). */
#include "sim/core/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cs_errf(cs_err *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

/* The last resort: never abort() (no core dump, no SIGABRT status 134).
 * Sizes that scale with the config are estimated before a run starts
 * (sim/run/budget.c) and the engine's watchdog stops a run whose memory
 * passes the budget, so reaching this means the machine itself ran out. */
static _Noreturn void oom(size_t n)
{
    fprintf(stderr,
            "cachestorm: out of memory allocating %zu bytes: the run cannot finish (lower the "
            "config's sizes, or see README \"Limits\")\n",
            n);
    fflush(stderr);
    _exit(CS_IO); /* not exit(): in a forked sweep child the parent's atexit
                     handlers and stdio buffers must not run twice */
}

void *cs_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *cs_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *cs_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *cs_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(cs_malloc(n), s, n);
}

void cs_grow(void **items, size_t *cap, size_t need, size_t sz)
{
    if (need <= *cap)
        return;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    *items = cs_realloc(*items, c * sz);
    *cap = c;
}

/* A duration in the config syntax: the largest unit that divides it
 * exactly ("250ms", "3s"), "0s", or "none" for SIM_NEVER. */
void cs_format_duration(int64_t v, char *buf, size_t cap)
{
    if (v == SIM_NEVER) {
        snprintf(buf, cap, "none");
        return;
    }
    static const struct {
        const char *name;
        int64_t ns;
    } units[] = {{"h", 3600000000000LL}, {"m", 60000000000LL}, {"s", 1000000000LL},
                 {"ms", 1000000LL},      {"us", 1000LL},       {"ns", 1}};
    if (v == 0) {
        snprintf(buf, cap, "0s");
        return;
    }
    for (size_t i = 0; i < sizeof units / sizeof *units; i++)
        if (v % units[i].ns == 0) {
            snprintf(buf, cap, "%lld%s", (long long)(v / units[i].ns), units[i].name);
            return;
        }
}

char *cs_escape_controls(const char *s)
{
    size_t n = strlen(s);
    char *out = cs_malloc(4 * n + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        bool c1 = p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f;
        if (*p == '\t' || *p == '\n' || *p == '\r') {
            *o++ = '\\';
            *o++ = *p == '\t' ? 't' : *p == '\n' ? 'n' : 'r';
        } else if (*p < 0x20 || *p == 0x7f) {
            o += sprintf(o, "\\x%02x", *p);
        } else if (c1) {
            o += sprintf(o, "\\xc2\\x%02x", p[1]);
            p++;
        } else {
            *o++ = (char)*p;
        }
    }
    *o = 0;
    return out;
}

/* Damerau-Levenshtein distance (adjacent transpositions count 1); 99 for
 * words over 64 characters. */
int cs_edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > 64 || m > 64)
        return 99;
    int d[65][65];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            int c = a[i - 1] != b[j - 1];
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + c < v)
                v = d[i - 1][j - 1] + c;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1; /* transposition */
            d[i][j] = v;
        }
    return d[n][m];
}

const char *cs_closest(const char *word, const char *const *names, size_t n)
{
    size_t len = strlen(word);
    int limit = 1 + (int)len / 5;
    if (limit > 3)
        limit = 3;
    const char *best = NULL;
    int bestd = limit + 1;
    for (size_t i = 0; i < n && names[i]; i++) {
        int d = cs_edit_distance(word, names[i]);
        if (d < bestd) {
            bestd = d;
            best = names[i];
        }
    }
    if (!best && len >= 2) { /* a unique prefix: "expo" → "exponential" */
        for (size_t i = 0; i < n && names[i]; i++)
            if (!strncmp(names[i], word, len)) {
                if (best)
                    return NULL;
                best = names[i];
            }
    }
    return best;
}

void cs_fmt_human(char *buf, size_t n, double v)
{
    double a = fabs(v);
    if (isnan(v)) {
        snprintf(buf, n, "-");
    } else if (isinf(v)) {
        snprintf(buf, n, v > 0 ? "inf" : "-inf");
    } else if (a >= 999.5) {
        char raw[48];
        snprintf(raw, sizeof raw, "%.0f", a);
        size_t len = strlen(raw), o = 0;
        if (v < 0 && o + 1 < n)
            buf[o++] = '-';
        for (size_t i = 0; i < len && o + 2 < n; i++) {
            buf[o++] = raw[i];
            if ((len - i - 1) % 3 == 0 && i + 1 < len)
                buf[o++] = ',';
        }
        buf[o] = '\0';
    } else if (v == floor(v)) {
        snprintf(buf, n, "%.0f", v);
    } else if (a >= 0.001) {
        snprintf(buf, n, "%.4g", v);
    } else {
        snprintf(buf, n, "%.2g", v);
    }
}
