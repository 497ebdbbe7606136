/* expect.h — the expectation language of `expect:` rules and tune
 * objectives (INTERFACES.md "Config files"; judged by `cachestorm check`).
 *
 *   rule    := [ "all" "nodes" ":" | "any" "node" ":" ] sum [ CMP sum ]
 *   sum     := product { ("+" | "-") product }
 *   product := unary { ("*" | "/") unary }
 *   unary   := "-" unary | primary
 *   primary := NUMBER [UNIT] | FUNC "(" sum ")" | "(" sum ")" | metric
 *   metric  := [ "node" "[" INT "]" "." ] NAME { "." NAME }
 *   CMP     := < | <= | > | >= | == | !=
 *   FUNC    := abs | mean | ci95 | min | max | stddev
 *   UNIT    := us | ms | s | m | h (a duration) | % (a hundredth)
 *
 * Metrics are in their own units (`_ms` milliseconds, `_s` seconds, the rest
 * counts or ratios).  Plain numbers are taken as they are; a number with a
 * duration unit is converted to the unit of the metric it meets (`+ - < ...`
 * against an `_ms` or `_s` side), so `latency.p99_ms < 1s` means < 1000.
 *
 * `all nodes: EXPR` / `any node: EXPR` evaluate EXPR once per node, bare
 * metric names meaning that node's; every node (some node) must pass, in
 * every run.  Quote such a rule in YAML ("all nodes: ..."), or YAML reads a map.
 *
 * A rule without mean/ci95/min/max/stddev is judged on every run (it passes
 * when every run passes).  A rule with one is judged once per scenario over
 * its replications; outside the aggregate, a bare metric then means its mean.
 * ci95(X) is an interval (mean ± Student-t half-width); comparisons with an
 * interval are the confident ones: `ci95(x) < 5` when the whole interval is
 * below 5, `ci95(x) == 10` when 10 lies inside it.  A missing or NULL metric
 * makes a rule fail, never pass.  Nothing here runs a model or prints.
 */
#ifndef CS_EXPECT_H
#define CS_EXPECT_H

#include "sim/core/rows.h"
#include "sim/config/yaml_tree.h"

typedef struct expect_expr expect_expr;

/* A parsed rule or objective expression. */
typedef struct expect_rule {
    char *text;  /* as written */
    char *where; /* "file:line:col: expect[2]" for messages (owned) */
    expect_expr *root;
    int cmp;        /* 0 = no comparison (an objective), else an EX_CMP_* */
    int scope;      /* 0 = plain, 1 = all nodes, 2 = any node */
    bool aggregate; /* uses mean/ci95/min/max/stddev: judged per scenario */
} expect_rule;

enum { EXPECT_RULE = 0, EXPECT_VALUE = 1 };

/* Parse `text`.  mode EXPECT_RULE requires a comparison, EXPECT_VALUE
 * forbids one.  `where` names the rule ("file:line:col: expect[2]"), `col0`
 * the column of the text's first character in that file (0 when unknown), so
 * errors read "file:line:COL: expect[2]: what is wrong at 'token'".
 * Returns 0 or CS_USAGE with err filled. */
int expect_parse(const char *text, int mode, const char *file, int line, int col0, const char *key,
                 expect_rule *out, cs_err *err);
void expect_rule_free(expect_rule *r);

/* Check every metric name of r against the known names (INTERFACES.md and
 * the models' extras) and the names some run in runs[] produced.  CS_USAGE
 * with "did you mean" on an unknown one. */
int expect_check_names(const expect_rule *r, const run_rows *const *runs, size_t nruns,
                       cs_err *err);
/* True when name is one of the built-in known metric names. */
bool expect_known_metric(const char *name);

/* A value: a number (lo == mid == hi) or an interval. */
typedef struct expect_val {
    double lo, mid, hi;
    bool interval;
} expect_val;

/* The verdict of a rule over the runs of one scenario. */
typedef struct expect_verdict {
    bool pass;
    expect_val lhs, rhs; /* at the run/node shown (the worst one) */
    bool rhs_const;      /* right side has no metric: not worth printing */
    int run;             /* index into runs of the run shown, -1 = aggregate */
    int node;            /* node shown, -1 = whole run */
    size_t evaluated;    /* runs (× nodes) judged */
    size_t failed;       /* how many of those failed */
} expect_verdict;

/* Judge rule r over runs[0..nruns) (the replications of one scenario). */
void expect_judge(const expect_rule *r, const run_rows *const *runs, size_t nruns,
                  expect_verdict *v);
/* The value of an EXPECT_VALUE expression (or a rule's left side) over the
 * runs: per-run expressions are averaged, aggregate ones evaluated once.
 * node -1 = whole run.  NAN when undefined. */
expect_val expect_value(const expect_rule *r, const run_rows *const *runs, size_t nruns, int node);

/* Format a value: "12.5", "null", or "10.02 [9.98, 10.06]". */
void expect_val_str(expect_val v, char *buf, size_t cap);



#endif
