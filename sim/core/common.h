/* common.h — time units, the error struct and small helpers every layer shares.
 *
 * Simulated time is int64_t nanoseconds (ARCHITECTURE.md, determinism
 * contract): no floating-point clock anywhere.  Library code reports errors
 * by filling a cs_err and returning a status; only sim/cli picks exit codes
 * (STYLE.md rule 8).
 */
#ifndef CS_COMMON_H
#define CS_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int64_t sim_ns; /* simulated nanoseconds */

#define NS(x) ((sim_ns)(x))
#define US(x) ((sim_ns)((x) * 1000LL))
#define MS(x) ((sim_ns)((x) * 1000000LL))
#define SEC(x) ((sim_ns)((x) * 1000000000.0))
#define SIM_NEVER INT64_MAX

static inline double ns_to_s(sim_ns t) { return (double)t / 1e9; }
static inline double ns_to_ms(sim_ns t) { return (double)t / 1e6; }

/* Exit statuses, INTERFACES.md "Command line". */
enum { CS_OK = 0, CS_EXPECT_FAILED = 1, CS_USAGE = 2, CS_IO = 3 };

/* An error: a status (one of the exit statuses above) and a message that
 * names the input (file:line:column: key: what is wrong). */
typedef struct cs_err {
    int code;
    char msg[1024];
} cs_err;

/* Fill err with code and a printf-style message; returns code. */
int cs_errf(cs_err *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* malloc/calloc/realloc that end the process with exit status 3 (CS_IO) and
 * a message on out-of-memory, never abort() (a simulation cannot continue
 * without memory; this is the one place we stop the process).  Allocations
 * whose size comes from the config use plain malloc and report failure. */
void *cs_malloc(size_t n);
void *cs_calloc(size_t n, size_t size);
void *cs_realloc(void *p, size_t n);
char *cs_strdup(const char *s);

/* s with every control byte (C0, DEL, and the UTF-8 C1 range U+0080-U+009F,
 * which terminals also obey) written as \t, \n, \r or \xHH: safe to print
 * on a terminal and as one TSV field (issue 16: escape sequences in run
 * names reached the terminal).  Other text is unchanged.  Caller frees. */
char *cs_escape_controls(const char *s);

/* A duration as the config writes it: "250ms", "3s", "0s", or "none" for
 * SIM_NEVER. */
void cs_format_duration(int64_t ns, char *buf, size_t cap);

/* Grow a dynamic array (*items, *cap) to hold at least need elements of size sz. */
void cs_grow(void **items, size_t *cap, size_t need, size_t sz);

/* Edit distance of two words (Damerau-Levenshtein; 99 past 64 characters),
 * and the nearest of n names to word for a "did you mean": within 1 + len/5
 * edits (at most 3), else a unique prefix; NULL when none. */
int cs_edit_distance(const char *a, const char *b);
/* A number as people read it, never in scientific notation above 0.001:
 * 144,200 / 3,765 / 461.3 / 0.0123; "-" for NaN. */
void cs_fmt_human(char *buf, size_t n, double v);
const char *cs_closest(const char *word, const char *const *names, size_t n);

#endif
