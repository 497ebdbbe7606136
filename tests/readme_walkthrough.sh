#!/usr/bin/env bash
# readme_walkthrough.sh — run the README's walkthroughs as a user would paste
# them: every command of the ```sh / ``` blocks under the sections named
# below, in a fresh directory (with configs/, experiments/ and build/ of this
# checkout), `cachestorm` on PATH.  Fails on the first command that exits
# non-zero (compare's exit 1, "something is worse", is not expected here:
# both sides run the same code) and checks what the walkthrough promises.
#   tests/readme_walkthrough.sh BUILD_DIR
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/cs-readme-XXXXXX")
trap 'rm -rf "$work"' EXIT
ln -s "$top/configs" "$work/configs"
ln -s "$top/experiments" "$work/experiments"
ln -s "$top/plots" "$work/plots"
mkdir -p "$work/build" && ln -s "$build/cachestorm" "$work/build/cachestorm"
export PATH="$build:$PATH"

# the command lines of the ```sh blocks under one README heading (other
# blocks show output)
blocks() {
    awk -v want="$1" '
        !inblock && /^#+ / { insec = (index($0, want) > 0) }
        /^```/ { if (inblock) { inblock = 0 } else { inblock = 1; issh = ($0 == "```sh") }; next }
        insec && inblock && issh { print }
    ' "$top/README.md"
}

run_section() {
    local n=0
    while IFS= read -r line; do
        line=${line%%#*}                         # a trailing comment
        [[ "$line" =~ ^[[:space:]]*$ ]] && continue
        [[ "$line" =~ ^[[:space:]]*make ]] && continue   # the build itself
        [[ "$line" =~ ^\$ ]] && continue          # shown output
        n=$((n + 1))
        echo "readme: $line"
        (cd "$work" && bash -c "$line" </dev/null) >"$work/out.txt" 2>&1 || {
            echo "readme_walkthrough: FAILED: $line" >&2; cat "$work/out.txt" >&2; exit 1; }
    done < <(blocks "$1")
    [ "$n" -gt 0 ] || { echo "readme_walkthrough: no commands under '$1'" >&2; exit 1; }
}

run_section "A first experiment in ten lines"
# the promises: three runs whose names say what differs, distinct pictures
names=$(cd "$work" && cachestorm show first.db --format tsv | awk -F'\t' '/^# metrics/{exit} NR>2 && $4 != "" {print $4}')
echo "$names"
for want in "default" "default l2.breaker.kind=none" "default faults[0].kind=blackhole"; do
    grep -qxF "$want" <<<"$names" || { echo "readme_walkthrough: no run named '$want'" >&2; exit 1; }
done
pics=$(ls "$work"/*-timeline.png 2>/dev/null | wc -l)
[ "$pics" -eq 2 ] || { echo "readme_walkthrough: $pics timelines, expected 2 distinct files" >&2; exit 1; }
run_section "Regression: did my change make any scenario worse?"
echo "readme_walkthrough: ok"
