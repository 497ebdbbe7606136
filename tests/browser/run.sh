#!/usr/bin/env bash
# tests/browser/run.sh BUILD — the report checked in a real browser (make test).
# Runs the small multi-scenario sweep tests/browser/sweep.yaml (8 short runs)
# into a fresh database, writes its report, and renders it in headless
# Chromium (tests/browser/check_page.py): fails on any console error, on a
# seed selector that shows the wrong timeline, on a blank plot (less than 1 %
# non-background pixels in its region of the screenshot) or a clipped one (an
# SVG label outside its canvas).  The screenshot stays in BUILD/browser/ as
# the test's artifact.  Bounded: each step under `timeout`.  Never skips: no
# chromium, no python3-pil or a browser that does not start is a failure.
set -u
build=${1:-build}
out=$build/browser
rm -rf "$out" && mkdir -p "$out" || exit 1
fail() { echo "tests/browser: FAIL: $*" >&2; exit 1; }
command -v chromium >/dev/null || fail "chromium not installed (scripts/deps.sh installs it)"
[ -x /usr/bin/python3 ] || fail "/usr/bin/python3 not installed (scripts/deps.sh installs python3-pil)"
timeout 300 "$build/cachestorm" sweep tests/browser/sweep.yaml --db "$out/sweep.db" -j 2 --quiet \
  >"$out/sweep.log" 2>&1 || { cat "$out/sweep.log" >&2; fail "the sweep did not run"; }
timeout 300 "$build/cachestorm" report "$out/sweep.db" --out "$out/report.html" \
  --experiment tests/browser/sweep.yaml >"$out/report.log" 2>&1 \
  || { cat "$out/report.log" >&2; fail "cachestorm report failed"; }
timeout 180 /usr/bin/python3 tests/browser/check_page.py "$out/report.html" "$out/report.png" \
  --timeout 150 || fail "the report did not pass in Chromium (screenshot: $out/report.png)"
echo "tests/browser: PASS (screenshot $out/report.png)"
