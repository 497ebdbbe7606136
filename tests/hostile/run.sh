#!/usr/bin/env bash
# run.sh [BINARY] — the hostile-input table (cases.txt) against a binary
# (default build/cachestorm), each case under `ulimit -v 4000000` (4 GB of
# address space) and `timeout 120`.  A case passes when its exit status and
# output fragment match and it neither aborted (134), crashed (139), hung
# (124) nor printed a raw ESC byte.  Exit 0 when every case passes.
# Run it against an older binary to see which defects it had.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CS=$(realpath "${1:-$root/build/cachestorm}")
T=$(mktemp -d /tmp/cs-hostile-XXXXXX)
FX=$T/fx
export CS T FX CFG=$root/configs
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
bash "$here/fixtures.sh" "$FX" || { echo "hostile: fixtures failed" >&2; exit 1; }

pass=0 fail=0
while IFS= read -r line; do
  case $line in '#'* | '') continue ;; esac
  id=${line%% | *}; rest=${line#* | }
  want=${rest%% | *}; rest=${rest#* | }
  frag=${rest%% | *}; cmd=${rest#* | }
  [ "$frag" = - ] && frag=
  start=$(date +%s%N)
  (ulimit -v 4000000; cd "$root" && timeout 120 bash -c "$cmd") >"$T/out" 2>&1 </dev/null
  rc=$?
  ms=$((($(date +%s%N) - start) / 1000000))
  secs=$((ms / 1000)).$(printf '%03d' $((ms % 1000)) | cut -c1)
  why=
  [ "$rc" = "$want" ] || why="exit $rc, want $want"
  case $rc in 124) why="hung (timeout)";; 134) why="aborted (134)";; 139) why="crashed (139)";; esac
  if [ -z "$why" ] && [ -n "$frag" ] && ! grep -qF -- "$frag" "$T/out"; then
    why="output lacks '$frag'"
  fi
  if [ -z "$why" ] && grep -q $'\e' "$T/out"; then why="raw ESC byte in the output"; fi
  if [ -z "$why" ]; then
    pass=$((pass + 1))
    printf 'ok    %-28s exit %s  %5ss\n' "$id" "$rc" "$secs"
  else
    fail=$((fail + 1))
    printf 'FAIL  %-28s %s  %5ss\n' "$id" "$why" "$secs"
    head -c 600 "$T/out" | tr -d '\033' | sed 's/^/      | /'
    echo
  fi
done < "$here/cases.txt"
echo "hostile: $pass passed, $fail failed ($CS)"
[ "$fail" -eq 0 ]
