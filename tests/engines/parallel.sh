#!/usr/bin/env bash
# tests/engines/parallel.sh BIN WORKDIR — GNU parallel runs a plan of 40 runs
# in 2 slots into shards; merge gives a database whose metrics, series and
# transitions rows equal those of `sweep -j 2` into one database, row for row
# by run identity; rerunning the plan runs nothing (every job exits 0 at
# once); merging again merges nothing.  (issue 15)
set -euo pipefail
BIN=$1; W=$2
here=$(cd "$(dirname "$0")" && pwd); . "$here/common.sh"
EXP="$here/../data/tiny-sweep.yaml"
command -v parallel >/dev/null || fail "GNU parallel is not installed (scripts/deps.sh installs it)"
cd "$W"
# 40 runs (8 scenarios x 5 seeds) of the queue model, 60 simulated seconds each
SETS=(--set duration=60s)
"$BIN" sweep "$EXP" "${SETS[@]}" --db local.db -j 2 --quiet >/dev/null 2>sweep.err || { cat sweep.err; fail "sweep -j 2"; }
"$BIN" sweep "$EXP" "${SETS[@]}" --plan --plan-dir plan --db merged.db > plan.txt
n=$(wc -l < plan.txt); [ "$n" -ge 12 ] || fail "plan has $n jobs, want >= 12"
parallel -j 2 --joblog plan/joblog < plan.txt > /dev/null || fail "parallel: $(cat plan/joblog)"
[ "$(awk 'NR>1 && $7 != 0' plan/joblog | wc -l)" -eq 0 ] || fail "failed jobs: $(cat plan/joblog)"
"$BIN" merge merged.db plan/shards/*.db > merge.out || { cat merge.out; fail "merge"; }
grep -q "$n runs merged, 0 skipped, 0 refused" merge.out || fail "merge said: $(cat merge.out)"
rows local.db > local.rows; rows merged.db > merged.rows
[ -s local.rows ] || fail "no rows in local.db"
cmp -s local.rows merged.rows || { diff local.rows merged.rows | head; fail "merged rows differ from sweep -j 2"; }
echo "parallel: $n jobs, $(wc -l < merged.rows) rows equal to sweep -j 2"
# resume: the plan again runs nothing (all done in the merged db)
rm -f plan/shards/*.db*
parallel -j 2 --joblog plan/joblog2 < plan.txt 2> rerun.err > /dev/null || fail "rerun of the plan failed"
[ "$(grep -c skipped rerun.err)" -eq "$n" ] || fail "rerun ran jobs: $(head -3 rerun.err)"
ls plan/shards/*.db >/dev/null 2>&1 && fail "rerun of a done plan wrote shards"
"$BIN" merge merged.db local.db > merge2.out || { cat merge2.out; fail "merge of the local db"; }
grep -q "0 runs merged, $n skipped" merge2.out || fail "merge 2 said: $(cat merge2.out)"
echo "parallel: rerun skipped $n of $n jobs; merging again merged nothing"
