#!/usr/bin/env bash
# same_rows.sh — do two cachestorm binaries store the same rows?
#
#   scripts/same_rows.sh [--ignore-hash] [--ignore-params] OLD_BIN NEW_BIN [CONFIG_OR_EXPERIMENT ...]
#
# Runs every config (`run`) and experiment (`sweep`) with both binaries and
# compares, table by table, the stored metrics, series, transitions, trace
# and params rows, and each run's simulated end time.  `runs.events` (events
# the engine dispatched) is reported but not compared: a change that does
# the same work in fewer events is the point of a performance pass.
# Default inputs: configs/*.yaml and experiments/*.yaml (tune files skipped).
# Also traces configs/default.yaml (every request of key 1) with both.
# --ignore-hash: key runs by their name instead of the config hash (for a
# change that alters how the effective config prints, e.g. renamed keys,
# but not what runs);
# --ignore-params: leave the params rows (the config's own text) out.
# Exit status: 0 all identical, 1 a difference, 2 bad usage.
set -u
hashcol="||'/'||config_hash"
params=1
while [ $# -gt 0 ]; do
    case $1 in
    --ignore-hash) hashcol="||'/'||name"; shift ;; # the run's name tells sweep points apart
    --ignore-params) params=0; shift ;;
    *) break ;;
    esac
done
if [ $# -lt 2 ]; then
    sed -n 2,16p "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
old=$1 new=$2
shift 2
for b in "$old" "$new"; do
    [ -x "$b" ] || { echo "same_rows: $b is not an executable" >&2; exit 2; }
done
inputs=("$@")
if [ ${#inputs[@]} -eq 0 ]; then
    for f in configs/*.yaml experiments/*.yaml; do
        case $f in */tune-*) continue ;; esac
        inputs+=("$f")
    done
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

dump() { # db -> stable text of every model row (a run named by its
          # variant, seed and config hash: a sweep stores runs in the order
          # they finish)
    sqlite3 "$1" \
        "create temp view k as select id, coalesce(variant,'')||'/'||seed$hashcol as r from runs;" \
        "select 'run', k.r, experiment, name, sim_ns from runs join k using(id) order by k.r;" \
        "select 'metric', k.r, node, name, quote(value) from metrics join k on k.id = run_id order by k.r, name, node;" \
        "select 'series', k.r, node, t_s, name, quote(value) from series join k on k.id = run_id order by k.r, name, node, t_s;" \
        "select 'transition', k.r, t_ns, node, component, from_state, to_state, reason from transitions join k on k.id = run_id order by k.r, transitions.rowid;" \
        "select 'trace', k.r, t_ns, node, request, step, detail from trace join k on k.id = run_id order by k.r, trace.rowid;" \
        "select 'param', k.r, path, value from params join k on k.id = run_id where $params order by k.r, path;"
}

status=0
run_both() { # label, args...
    local label=$1
    shift
    local tag
    tag=$(echo "$label" | tr '/ .=' '____')
    local rc_old=0 rc_new=0
    for side in old new; do
        local bin=$old
        [ $side = new ] && bin=$new
        rm -f "$tmp/$side-$tag.db"
        "$bin" "$@" --db "$tmp/$side-$tag.db" >/dev/null 2>"$tmp/$side-$tag.err"
        local rc=$?
        if [ $side = old ]; then rc_old=$rc; else rc_new=$rc; fi
        if [ ! -s "$tmp/$side-$tag.db" ]; then
            echo "FAIL  $label ($side binary, exit $rc): $(head -c 300 "$tmp/$side-$tag.err")"
            status=1
            return
        fi
        dump "$tmp/$side-$tag.db" >"$tmp/$side-$tag.txt"
    done
    if [ $rc_old != $rc_new ]; then
        echo "DIFF  $label: exit status $rc_old -> $rc_new"
        status=1
    fi
    local ev_old ev_new
    ev_old=$(sqlite3 "$tmp/old-$tag.db" "select sum(events) from runs")
    ev_new=$(sqlite3 "$tmp/new-$tag.db" "select sum(events) from runs")
    if cmp -s "$tmp/old-$tag.txt" "$tmp/new-$tag.txt"; then
        printf 'same  %-48s events %s -> %s\n' "$label" "$ev_old" "$ev_new"
    else
        printf 'DIFF  %-48s events %s -> %s\n' "$label" "$ev_old" "$ev_new"
        diff "$tmp/old-$tag.txt" "$tmp/new-$tag.txt" | head -8
        status=1
    fi
}

for f in "${inputs[@]}"; do
    [ -r "$f" ] || { echo "same_rows: cannot read $f" >&2; exit 2; }
    if grep -qE '^(variants|sweep|replications):' "$f"; then
        run_both "$f" sweep "$f" -j 2 --quiet
    else
        run_both "$f" run "$f"
    fi
done
run_both "default.yaml --trace key=1" run configs/default.yaml --trace key=1
exit $status
