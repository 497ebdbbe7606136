/* config_value.c — the scalar languages of the config: integers, numbers,
 * booleans, durations ("250us", "1.5s", "none"), rates ("500/s"), sizes
 * ("4KB"), their canonical printed forms, and the edit distance behind
 * "did you mean".
 *
 * Canonical forms are exact: a duration prints in the largest unit that
 * divides it, a number with the fewest digits that read back to the same
 * double, so `validate --print` output re-loads to the identical config.
 * Messages say only what is wrong; callers add file:line:column and the key.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/config/config_schema.h"

/* Scan a plain decimal number ([+-]digits[.digits][e[+-]digits]) at s;
 * returns the length scanned (0 if none) and the value in *v. */
static size_t scan_number(const char *s, double *v, bool allow_exp)
{
    size_t i = 0;
    if (s[i] == '+' || s[i] == '-')
        i++;
    size_t d0 = i;
    while (isdigit((unsigned char)s[i]))
        i++;
    size_t nd = i - d0;
    if (s[i] == '.') {
        i++;
        size_t f0 = i;
        while (isdigit((unsigned char)s[i]))
            i++;
        nd += i - f0;
    }
    if (nd == 0)
        return 0;
    if (allow_exp && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (s[j] == '+' || s[j] == '-')
            j++;
        if (isdigit((unsigned char)s[j])) {
            while (isdigit((unsigned char)s[j]))
                j++;
            i = j;
        }
    }
    char buf[128];
    if (i >= sizeof buf)
        return 0;
    memcpy(buf, s, i);
    buf[i] = 0;
    *v = strtod(buf, NULL);
    return i;
}

int cfg_parse_int(const char *s, int64_t *out, cs_err *err)
{
    char buf[64];
    size_t n = 0;
    for (const char *p = s; *p; p++) { /* YAML 1.1 allows 100_000 */
        if (*p == '_' && p > s && isdigit((unsigned char)p[-1]) && isdigit((unsigned char)p[1]))
            continue;
        if (n + 1 >= sizeof buf)
            return cs_errf(err, CS_USAGE, "'%.40s...' is not an integer (too long)", s);
        buf[n++] = *p;
    }
    buf[n] = 0;
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (end == buf || *end || isspace((unsigned char)buf[0]))
        return cs_errf(err, CS_USAGE, "'%.80s' is not an integer", s);
    if (errno == ERANGE)
        return cs_errf(err, CS_USAGE, "'%.80s' is too large", s);
    *out = v;
    return 0;
}

int cfg_parse_double(const char *s, double *out, cs_err *err)
{
    double v;
    size_t n = scan_number(s, &v, true);
    if (n == 0 || s[n])
        return cs_errf(err, CS_USAGE, "'%.80s' is not a number", s);
    if (!isfinite(v))
        return cs_errf(err, CS_USAGE, "'%.80s' is too large", s);
    *out = v;
    return 0;
}

int cfg_parse_bool(const char *s, bool *out, cs_err *err)
{
    static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes", "on", "On", NULL};
    static const char *const no[] = {"false", "False", "FALSE", "no", "No", "off", "Off", NULL};
    for (int i = 0; yes[i]; i++)
        if (!strcmp(s, yes[i]))
            return *out = true, 0;
    for (int i = 0; no[i]; i++)
        if (!strcmp(s, no[i]))
            return *out = false, 0;
    return cs_errf(err, CS_USAGE, "'%.80s' is not true or false", s);
}

static const struct unit {
    const char *name;
    double ns;
} duration_units[] = {{"ns", 1},  {"us", 1e3}, {"µs", 1e3},  {"ms", 1e6},
                      {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};

/* The unit at u (longest name first: "ms" before "m"); its length, 0 if none. */
static size_t duration_unit(const char *u, double *ns)
{
    size_t best = 0;
    for (size_t i = 0; i < sizeof duration_units / sizeof *duration_units; i++) {
        size_t len = strlen(duration_units[i].name);
        if (len > best && !strncmp(u, duration_units[i].name, len)) {
            best = len;
            *ns = duration_units[i].ns;
        }
    }
    return best;
}

/* A duration: one number and unit ("250us", "1.5s", "5 ms"), or several
 * without spaces as Go's time.ParseDuration reads them ("4m30s",
 * "1h2m3.5s"; a sign only in front), or none. */
int config_parse_duration(const char *s, sim_ns *out, cs_err *err)
{
    if (!strcmp(s, "none")) {
        *out = SIM_NEVER;
        return 0;
    }
    double total = 0, sign = 1;
    const char *p = s;
    if (*p == '-' || *p == '+') {
        sign = *p == '-' ? -1 : 1;
        p++;
    }
    for (int part = 0; *p; part++) {
        double v;
        size_t n = *p == '+' || *p == '-' ? 0 : scan_number(p, &v, false);
        if (n == 0)
            return part == 0 ? cs_errf(err, CS_USAGE,
                                       "'%.80s' is not a duration (e.g. 250us, 5ms, 1.5s, 2m, "
                                       "4m30s)",
                                       s)
                             : cs_errf(err, CS_USAGE,
                                       "'%.80s': '%.20s' is not a number and unit (a duration "
                                       "such as 4m30s or 1h2m3.5s)",
                                       s, p);
        const char *u = p + n;
        if (part == 0)
            while (*u == ' ')
                u++;
        if (!*u)
            return part == 0
                       ? cs_errf(err, CS_USAGE, "'%.80s' needs a unit, e.g. %.40ss (ns, us, ms, "
                                                "s, m, h)",
                                 s, s)
                       : cs_errf(err, CS_USAGE,
                                 "'%.80s': the last number needs a unit (ns, us, ms, s, m, h)", s);
        double unit_ns;
        size_t ul = duration_unit(u, &unit_ns);
        if (ul == 0) {
            size_t bad = strcspn(u, "0123456789.");
            return cs_errf(err, CS_USAGE, "'%.80s': unknown unit '%.*s' (ns, us, ms, s, m, h)", s,
                           (int)(bad < 20 ? bad : 20), u);
        }
        if (part == 0 && u[ul] && u != p + n)
            return cs_errf(err, CS_USAGE,
                           "'%.80s': write compound durations without spaces (4m30s)", s);
        total += v * unit_ns;
        p = u + ul;
    }
    double ns = sign * total;
    if (fabs(ns) >= 9.2e18)
        return cs_errf(err, CS_USAGE, "'%.80s' is too long (use none for no limit)", s);
    double r = nearbyint(ns);
    if (total != 0 && r == 0)
        return cs_errf(err, CS_USAGE, "'%.80s' is shorter than 1ns", s);
    *out = (sim_ns)r;
    return 0;
}

void config_format_duration(sim_ns v, char *buf, size_t cap)
{
    cs_format_duration(v, buf, cap);
}

int config_parse_rate(const char *s, double *out, cs_err *err)
{
    double v;
    size_t n = scan_number(s, &v, true);
    if (n == 0)
        return cs_errf(err, CS_USAGE, "'%.80s' is not a rate (e.g. 500/s, 30/m)", s);
    const char *u = s + n;
    while (*u == ' ')
        u++;
    if (!*u)
        return cs_errf(err, CS_USAGE, "'%.80s' needs a unit, e.g. %.40s/s", s, s);
    if (*u++ != '/')
        return cs_errf(err, CS_USAGE, "'%.80s' is not a rate (e.g. 500/s, 30/m, 2/ms)", s);
    for (size_t i = 0; i < sizeof duration_units / sizeof *duration_units; i++)
        if (!strcmp(u, duration_units[i].name)) {
            double r = v * (1e9 / duration_units[i].ns);
            if (!isfinite(r))
                return cs_errf(err, CS_USAGE, "'%.80s' is too large", s);
            *out = r;
            return 0;
        }
    return cs_errf(err, CS_USAGE, "'%.80s': unknown time unit '%.20s' (ns, us, ms, s, m, h)", s, u);
}

void cfg_format_double(double v, char *buf, size_t cap)
{
    if (fabs(v) < 1e15 && v == (double)(long long)v) {
        snprintf(buf, cap, "%lld", (long long)v);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

void cfg_format_rate(double v, char *buf, size_t cap)
{
    char num[64];
    cfg_format_double(v, num, sizeof num);
    snprintf(buf, cap, "%s/s", num);
}

static const struct sunit {
    const char *name;
    double bytes;
} size_units[] = {{"B", 1},      {"KB", 1024},     {"MB", 1048576},      {"GB", 1073741824.0},
                  {"KiB", 1024}, {"MiB", 1048576}, {"GiB", 1073741824.0}};

int config_parse_size(const char *s, int64_t *out, cs_err *err)
{
    double v;
    size_t n = scan_number(s, &v, false);
    if (n == 0)
        return cs_errf(err, CS_USAGE, "'%.80s' is not a size (e.g. 512B, 4KB, 1MB)", s);
    const char *u = s + n;
    while (*u == ' ')
        u++;
    if (!*u)
        return cs_errf(err, CS_USAGE, "'%.80s' needs a unit, e.g. %.40sB (B, KB, MB, GB)", s, s);
    for (size_t i = 0; i < sizeof size_units / sizeof *size_units; i++)
        if (!strcmp(u, size_units[i].name)) {
            double b = v * size_units[i].bytes;
            if (fabs(b) >= 9.2e18)
                return cs_errf(err, CS_USAGE, "'%.80s' is too large", s);
            *out = (int64_t)nearbyint(b);
            return 0;
        }
    return cs_errf(err, CS_USAGE, "'%.80s': unknown unit '%.20s' (B, KB, MB, GB; 1KB = 1024B)", s,
                   u);
}

void cfg_format_size(int64_t v, char *buf, size_t cap)
{
    if (v == INT64_MAX) {
        snprintf(buf, cap, "unbounded");
        return;
    }
    static const struct {
        const char *name;
        int64_t b;
    } units[] = {{"GB", 1073741824LL}, {"MB", 1048576LL}, {"KB", 1024LL}, {"B", 1}};
    for (size_t i = 0; i < sizeof units / sizeof *units; i++)
        if (v != 0 ? v % units[i].b == 0 : units[i].b == 1) {
            snprintf(buf, cap, "%lld%s", (long long)(v / units[i].b), units[i].name);
            return;
        }
}

