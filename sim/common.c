/* common.c — error formatting and allocation helpers (see common.h). */
#include "sim/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static _Noreturn void oom(size_t n)
{
    fprintf(stderr, "cachestorm: out of memory allocating %zu bytes\n", n);
    abort();
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
