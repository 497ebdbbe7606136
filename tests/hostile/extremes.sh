#!/usr/bin/env bash
# extremes.sh [BINARY] — every numeric key of the config reference at the
# ends of its allowed range (docs/config-keys.md, from `validate --keys`),
# one --set at a time on a 2-second default.yaml (queue.* keys on mm1.yaml),
# under `ulimit -v 4000000` and `timeout 60`: each must run (exit 0) or be
# refused before the run starts (exit 2) — never abort, crash, hang or fail
# mid-run (issue 16 acceptance).  Then every breaker parameter under its
# kind at the ends of its type, where `validate` and `run` must agree.
# Exit 0 when all pass.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CS=$(realpath "${1:-$root/build/cachestorm}")
T=$(mktemp -d /tmp/cs-extremes-XXXXXX)
trap 'rm -rf "$T"' EXIT
BIG_NS=2500000h # 9e18 ns, the schema's BIG for durations
BIG_INT=9000000000000000000

# key <TAB> type <TAB> range, for the numeric keys (not list items)
"$CS" validate --keys | awk -F'|' 'NR > 2 {
    k = $2; gsub(/[ `]/, "", k); t = $3; gsub(/ /, "", t); r = $5; sub(/^ +/, "", r); sub(/ +$/, "", r)
    if (k !~ /\[\]/ && t ~ /^(int|number|rate|size|duration)$/) print k "\t" t "\t" r }' > "$T/keys"

values() { # type range -> the extreme values to try, one per line
  local t=$1 r=$2 lo hi unit=
  case $t in rate) unit=/s ;; size) unit=B ;; esac
  if [[ $r =~ ^[\[\(]([^,]+),\ ([^\]\)]+)[\]\)]$ ]]; then
    lo=${BASH_REMATCH[1]} hi=${BASH_REMATCH[2]}
    [[ $r == \[* ]] && echo "$lo" || echo "$(awk -v v="${lo%$unit}" 'BEGIN{print v + 1e-6}')$unit"
    [[ $r == *\] ]] && echo "$hi" || echo "$(awk -v v="${hi%$unit}" 'BEGIN{printf "%.6f", v - 1e-6}')$unit"
  elif [[ $r =~ ^(≥|\>)\ ([0-9.]+)([a-zA-Z]*) ]]; then
    [ "$t" = duration ] && echo "$BIG_NS" || echo "$BIG_INT$unit"
    [[ $r == ≥* ]] && echo "${BASH_REMATCH[2]}${BASH_REMATCH[3]}"
  fi
  [[ $r == *unbounded* ]] && echo unbounded
  [[ $r == *none* ]] && echo none
  return 0
}

pass=0 fail=0
while IFS=$'\t' read -r key type range; do
  case $key in schema) continue ;; esac
  base=$root/configs/default.yaml
  [[ $key == queue.* ]] && base=$root/configs/mm1.yaml
  while read -r v; do
    [ -n "$v" ] || continue
    sets=(--set faults=[] --set duration=2s --set warmup=1s --set interval=1s)
    case $key in duration | warmup | interval) sets=(--set faults=[]) ;; esac
    [[ $key == queue.* ]] && sets=(--set duration=2s --set warmup=1s)
    (ulimit -v 4000000; timeout 60 "$CS" run "$base" --db "$T/x.db" --quiet "${sets[@]}" \
      --set "$key=$v") >"$T/out" 2>&1 </dev/null
    rc=$?
    if [ "$rc" = 0 ] || { [ "$rc" = 2 ] && ! grep -q "the run stopped" "$T/out"; }; then
      pass=$((pass + 1))
    else
      fail=$((fail + 1))
      printf 'FAIL  %s=%s: exit %s: %s\n' "$key" "$v" "$rc" "$(head -c 300 "$T/out" | tr '\n' ' ')"
    fi
  done < <(values "$type" "$range")
done < "$T/keys"

# Breaker parameters (rows whose range is "kind K"; the policy's own validate
# sets their ranges): each under its kind at the ends a parameter of its type
# can take, through both `validate` and `run`, which must exit the same way
# (0 both, or 2 both and the run refused before it started).
"$CS" validate --keys | awk -F'|' 'NR > 2 {
    k = $2; gsub(/[ `]/, "", k); t = $3; gsub(/ /, "", t); r = $5
    if (k ~ /^l2\.breaker\./ && match(r, /kind `[a-z_0-9]+`/)) {
      kind = substr(r, RSTART + 6, RLENGTH - 7); ch = substr(r, RSTART + RLENGTH)
      gsub(/[:,`]/, " ", ch); gsub(/^ +| +$/, "", ch)
      print k "\t" t "\t" kind "\t" ch } }' > "$T/breaker"
[ -s "$T/breaker" ] || { echo "extremes: no breaker parameters in validate --keys"; exit 1; }
bvalues() { # type choices -> the values to try
  case $1 in
  int) printf '%s\n' -1 0 1 "$BIG_INT" ;;
  number) printf '%s\n' -1 0 1e-9 1 100 1e300 ;;
  duration) printf '%s\n' 0s 1ns "$BIG_NS" none ;;
  bool) printf '%s\n' false true ;;
  name) printf '%s\n' $2 nonesuch ;;
  esac
}
nb=0
while IFS=$'\t' read -r key type kind choices; do
  while read -r v; do
    [ -n "$v" ] || continue
    sets=(--set faults=[] --set duration=2s --set warmup=1s --set interval=1s
          --set "l2.breaker.kind=$kind" --set "$key=$v")
    (ulimit -v 4000000; timeout 60 "$CS" validate "$root/configs/default.yaml" "${sets[@]}") \
      >"$T/vout" 2>&1 </dev/null
    vrc=$?
    (ulimit -v 4000000; timeout 60 "$CS" run "$root/configs/default.yaml" --db "$T/x.db" --quiet \
      "${sets[@]}") >"$T/out" 2>&1 </dev/null
    rc=$?
    nb=$((nb + 1))
    if [ "$rc" = "$vrc" ] && { [ "$rc" = 0 ] || { [ "$rc" = 2 ] && ! grep -q "the run stopped" "$T/out"; }; }; then
      pass=$((pass + 1))
    else
      fail=$((fail + 1))
      printf 'FAIL  %s %s=%s: validate exit %s, run exit %s: %s\n' "$kind" "$key" "$v" "$vrc" "$rc" \
        "$(head -c 300 "$T/out" | tr '\n' ' ')"
    fi
  done < <(bvalues "$type" "$choices")
done < "$T/breaker"
echo "extremes: breaker parameters: $nb values tried"
echo "extremes: $pass passed, $fail failed ($CS)"
[ "$fail" -eq 0 ]
