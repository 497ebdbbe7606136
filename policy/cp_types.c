/* cp_types.c — helpers for the shared policy types: the random-source
 * contract check, parameter setters driven by descriptor tables, and the
 * infinite-aware timeout minimum. Nothing here keeps state.
 */
#include "policy/cp_types.h"

#include <assert.h>
#include <math.h>
#include <string.h>

double cp_uniform(const cp_rand *r)
{
    assert(r != NULL && r->uniform != NULL);
    double u = r->uniform(r->ctx);
    assert(u >= 0.0 && u < 1.0);
    return u;
}

const cp_param_desc *cp_param_find(const cp_param_desc *desc, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(desc[i].name, name) == 0)
            return &desc[i];
    return NULL;
}

int cp_param_set_number(const cp_param_desc *desc, size_t n, void *params,
                        const char *name, double value)
{
    const cp_param_desc *d = cp_param_find(desc, n, name);
    if (d == NULL || isnan(value))
        return -1;
    char *field = (char *)params + d->offset;
    switch (d->type) {
    case CP_PARAM_INT:
    case CP_PARAM_ENUM: {
        if (value != floor(value) || value < -2147483648.0 || value > 2147483647.0)
            return -1;
        int v = (int)value;
        if (d->type == CP_PARAM_ENUM) {
            int count = 0;
            while (d->choices[count] != NULL)
                count++;
            if (v < 0 || v >= count)
                return -1;
        }
        memcpy(field, &v, sizeof v);
        return 0;
    }
    case CP_PARAM_DOUBLE:
        memcpy(field, &value, sizeof value);
        return 0;
    case CP_PARAM_DURATION: {
        if (value != floor(value) || value < -1.0 || value > 9.2e18)
            return -1;
        cp_ns v = (cp_ns)value;
        memcpy(field, &v, sizeof v);
        return 0;
    }
    case CP_PARAM_BOOL: {
        if (value != 0.0 && value != 1.0)
            return -1;
        bool v = value != 0.0;
        memcpy(field, &v, sizeof v);
        return 0;
    }
    }
    return -1;
}

int cp_param_get_number(const cp_param_desc *desc, size_t n, const void *params,
                        const char *name, double *out)
{
    const cp_param_desc *d = cp_param_find(desc, n, name);
    if (d == NULL)
        return -1;
    const char *field = (const char *)params + d->offset;
    switch (d->type) {
    case CP_PARAM_INT:
    case CP_PARAM_ENUM: {
        int v;
        memcpy(&v, field, sizeof v);
        *out = v;
        return 0;
    }
    case CP_PARAM_DOUBLE:
        memcpy(out, field, sizeof *out);
        return 0;
    case CP_PARAM_DURATION: {
        cp_ns v;
        memcpy(&v, field, sizeof v);
        *out = (double)v;
        return 0;
    }
    case CP_PARAM_BOOL: {
        bool v;
        memcpy(&v, field, sizeof v);
        *out = v ? 1.0 : 0.0;
        return 0;
    }
    }
    return -1;
}

int cp_param_set_choice(const cp_param_desc *desc, size_t n, void *params,
                        const char *name, const char *choice)
{
    const cp_param_desc *d = cp_param_find(desc, n, name);
    if (d == NULL || d->type != CP_PARAM_ENUM)
        return -1;
    for (int i = 0; d->choices[i] != NULL; i++)
        if (strcmp(d->choices[i], choice) == 0)
            return cp_param_set_number(desc, n, params, name, (double)i);
    return -1;
}

cp_ns cp_timeout_min(cp_ns a, cp_ns b)
{
    assert(a >= 0 || a == CP_INFINITE);
    assert(b >= 0 || b == CP_INFINITE);
    if (a == CP_INFINITE)
        return b;
    if (b == CP_INFINITE)
        return a;
    return a < b ? a : b;
}
