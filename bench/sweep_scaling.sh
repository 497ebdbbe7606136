#!/usr/bin/env bash
# bench/sweep_scaling.sh [BIN] [REPLICATIONS] — runs per minute of `sweep -j 1`
# and `sweep -j 2` on the same experiment (configs/default.yaml, the cache
# world, REPLICATIONS seeds; default 8), each into a fresh database, and the
# ratio.  Prints the load average before each, and the CPU seconds used:
# on a shared machine the wall-clock ratio is only as good as the idle cores.
# Not part of make test (a benchmark, README "Beyond one machine").
set -euo pipefail
BIN=${1:-build/cachestorm}; N=${2:-8}
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
root=$(cd "$(dirname "$0")/.." && pwd)
printf 'base: %s/configs/default.yaml\nname: scaling\nreplications: %s\n' "$root" "$N" > "$W/exp.yaml"
declare -A rpm
for j in 1 2; do
  load=$(cut -d' ' -f1 /proc/loadavg)
  t=$( { /usr/bin/time -f '%e %U %S' "$BIN" sweep "$W/exp.yaml" --db "$W/j$j.db" -j "$j" --quiet >/dev/null; } 2>&1 | tail -1)
  read -r wall user sys <<<"$t"
  rpm[$j]=$(awk -v n="$N" -v w="$wall" 'BEGIN { printf "%.1f", n * 60 / w }')
  printf -- '-j %s: %s runs in %s s wall (%s s CPU), %s runs/min, load average before %s\n' \
    "$j" "$N" "$wall" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" "${rpm[$j]}" "$load"
done
awk -v a="${rpm[1]}" -v b="${rpm[2]}" 'BEGIN { printf "ratio -j 2 / -j 1: %.2f\n", b / a }'
