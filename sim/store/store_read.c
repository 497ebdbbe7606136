/* store_read.c — one stored run read back into the rows it was written from
 * (params, metrics, series, transitions; not the trace), for the commands
 * that judge a run after the fact (the summary of `show` and the report),
 * and a stored histogram (table `hist`) back into a `hist`. */
#include "sim/store/store.h"
#include "sim/core/stats.h"

#include <math.h>

static const char *text(sqlite3_stmt *q, int i)
{
    const unsigned char *t = sqlite3_column_text(q, i);
    return t ? (const char *)t : "";
}

static int node_of(sqlite3_stmt *q, int i)
{
    return sqlite3_column_type(q, i) == SQLITE_NULL ? -1 : sqlite3_column_int(q, i);
}

int store_read_rows(store *s, int64_t run_id, run_rows *out, cs_err *err)
{
    static const char *const sql[] = {
        "SELECT path, value FROM params WHERE run_id = ?1 ORDER BY rowid",
        "SELECT node, name, value FROM metrics WHERE run_id = ?1 ORDER BY rowid",
        "SELECT node, t_s, name, value FROM series WHERE run_id = ?1 ORDER BY rowid",
        "SELECT t_ns, node, component, from_state, to_state, reason FROM transitions "
        "WHERE run_id = ?1 ORDER BY rowid"};
    sqlite3 *db = store_db(s);
    for (int k = 0; k < 4; k++) {
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(db, sql[k], -1, &q, NULL) != SQLITE_OK)
            return cs_errf(err, CS_IO, "%s: %s", store_path(s), sqlite3_errmsg(db));
        sqlite3_bind_int64(q, 1, run_id);
        int rc;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            switch (k) {
            case 0: rows_param(out, text(q, 0), text(q, 1)); break;
            case 1:
                if (sqlite3_column_type(q, 2) == SQLITE_NULL)
                    rows_metric_null(out, node_of(q, 0), text(q, 1));
                else
                    rows_metric(out, node_of(q, 0), text(q, 1), sqlite3_column_double(q, 2));
                break;
            case 2:
                rows_series(out, node_of(q, 0), sqlite3_column_double(q, 1), text(q, 2),
                            sqlite3_column_type(q, 3) == SQLITE_NULL ? NAN
                                                                     : sqlite3_column_double(q, 3));
                break;
            default:
                rows_transition(out, sqlite3_column_int64(q, 0), node_of(q, 1), text(q, 2),
                                text(q, 3), text(q, 4), text(q, 5));
            }
        }
        sqlite3_finalize(q);
        if (rc != SQLITE_DONE)
            return cs_errf(err, CS_IO, "%s: %s", store_path(s), sqlite3_errmsg(db));
    }
    return CS_OK;
}

bool store_has_hist(store *s)
{
    sqlite3_stmt *q = NULL;
    bool has = sqlite3_prepare_v2(store_db(s),
                                  "SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                                  "name = 'hist'",
                                  -1, &q, NULL) == SQLITE_OK &&
               sqlite3_step(q) == SQLITE_ROW;
    sqlite3_finalize(q);
    return has;
}

/* The buckets come back as stored; hist_add_bucket checks each is a bucket
 * of this build's layout (sim/core/stats.c), so a quantile of the rebuilt
 * histogram lands in the same bucket as the one the run computed. */
int store_read_hist(store *s, int64_t run_id, int node, const char *name, hist *out, bool *found,
                    cs_err *err)
{
    hist_reset(out);
    *found = false;
    if (!store_has_hist(s))
        return CS_OK;
    sqlite3 *db = store_db(s);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db,
                           "SELECT lo_ns, hi_ns, count FROM hist WHERE run_id = ?1 AND name = ?2 "
                           "AND node IS ?3 ORDER BY lo_ns",
                           -1, &q, NULL) != SQLITE_OK)
        return cs_errf(err, CS_IO, "%s: %s", store_path(s), sqlite3_errmsg(db));
    sqlite3_bind_int64(q, 1, run_id);
    sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
    if (node < 0)
        sqlite3_bind_null(q, 3);
    else
        sqlite3_bind_int(q, 3, node);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        sim_ns lo = sqlite3_column_int64(q, 0), hi = sqlite3_column_int64(q, 1);
        int64_t n = sqlite3_column_int64(q, 2);
        if (n < 0 || !hist_add_bucket(out, lo, hi, (uint64_t)n)) {
            sqlite3_finalize(q);
            return cs_errf(err, CS_IO,
                           "%s: run %lld: hist row [%lld, %lld) count %lld is not a bucket of "
                           "this build's histogram",
                           store_path(s), (long long)run_id, (long long)lo, (long long)hi,
                           (long long)n);
        }
        *found = true;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return cs_errf(err, CS_IO, "%s: %s", store_path(s), sqlite3_errmsg(db));
    return CS_OK;
}
