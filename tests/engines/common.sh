# tests/engines/common.sh — helpers for the engine tests (sourced).
# rows DB: every metrics, series and transitions row of the done runs, keyed
# by run identity (config hash, seed, version) instead of the run id, in a
# fixed order: two databases hold the same results iff their rows are equal.
rows() {
  sqlite3 "$1" "
    SELECT 'm', r.config_hash, r.seed, r.version, r.experiment, coalesce(r.variant,''), r.name,
           coalesce(m.node,'N'), m.name, quote(m.value)
      FROM runs r JOIN metrics m ON m.run_id = r.id WHERE r.status = 'done'
    UNION ALL
    SELECT 's', r.config_hash, r.seed, r.version, r.experiment, coalesce(r.variant,''), r.name,
           coalesce(s.node,'N'), s.t_s || ' ' || s.name, quote(s.value)
      FROM runs r JOIN series s ON s.run_id = r.id WHERE r.status = 'done'
    UNION ALL
    SELECT 't', r.config_hash, r.seed, r.version, r.experiment, coalesce(r.variant,''), r.name,
           coalesce(t.node,'N'), t.t_ns || ' ' || t.component || ' ' || coalesce(t.from_state,'')
             || ' ' || coalesce(t.to_state,''), quote(t.reason)
      FROM runs r JOIN transitions t ON t.run_id = r.id WHERE r.status = 'done'
    ORDER BY 1, 2, 3, 8, 9;"
}
fail() { echo "FAIL: $*" >&2; exit 1; }
