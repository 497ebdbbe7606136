#!/usr/bin/env bash
# fixtures.sh DIR — write the hostile inputs of issue 16 into DIR (bash and
# awk only, so a fresh CI machine needs nothing more).
set -eu
d=$1
mkdir -p "$d"
cd "$d"

# a FIFO as a config, and as the base: of one; a config whose base is a device
rm -f fifo.yaml
mkfifo fifo.yaml
printf 'base: fifo.yaml\n' > uses-fifo.yaml

# a 5 KB alias bomb (just under the node limit) at a 3.7 KB path: every node
# used to keep its own copy of the path (3.9 GB before its exit 2)
long=$d/$(printf 'd%.0s' {1..250})
for _ in $(seq 14); do long=$long/$(printf 'd%.0s' {1..250}); done
mkdir -p "$long"
{
  echo "a: &a [x, x, x, x, x, x, x, x, x, x]"
  prev=a
  for c in b c d e f; do
    printf '%s: &%s [' "$c" "$c"
    for i in $(seq 10); do printf '%s*%s' "$([ "$i" -gt 1 ] && echo ', ')" "$prev"; done
    echo "]"
    prev=$c
  done
  printf 'g: ['
  for i in $(seq 9); do printf '%s*f' "$([ "$i" -gt 1 ] && echo ', ')"; done
  echo "]"
} > "$long/alias.yaml"
ln -sfn "$long/alias.yaml" long-path-alias.yaml

# 5,000 node groups x 100 sweep points: one tree clone per scenario (250 MB)
awk 'BEGIN {
  print "name: groups\nmodel: queue\nduration: 5s\nwarmup: 1s"
  print "queue: {servers: 1, arrival: 100/s, service: 1ms}\nnodes:\n  groups:"
  for (i = 0; i < 5000; i++) print "    - {count: 1}"
  printf "sweep:\n  queue.arrival: ["
  for (i = 1; i <= 100; i++) printf "%s%d/s", (i > 1 ? ", " : ""), i
  print "]" }' > groups-sweep.yaml

# 40,000 quoted rules over 2 scenarios: the file was reread per rule (quadratic)
awk 'BEGIN {
  print "name: rules\nmodel: queue\nduration: 5s\nwarmup: 1s"
  print "queue: {servers: 1, arrival: 100/s, service: 1ms}"
  print "sweep: {seed: [1, 2]}\nexpect:"
  for (i = 0; i < 40000; i++) printf "  - \"requests.total > %d\"\n", -i }' > rules.yaml

# an empirical distribution of 10,000 points (a 1,024-byte buffer held ~60)
awk 'BEGIN {
  printf "name: emp\nmodel: queue\nduration: 5s\nwarmup: 1s\nqueue:\n  arrival: 10/s\n"
  printf "  service: {dist: empirical, points: ["
  for (i = 1; i <= 10000; i++) printf "%s[%dus, %.6f]", (i > 1 ? ", " : ""), i, i / 10000
  print "]}" }' > empirical.yaml

# names: a leading quote (broke gnuplot), backquotes, terminal escapes
cfgdir=$(cd "$(dirname "$0")/../../configs" 2>/dev/null && pwd || echo /nonexistent)
printf 'base: %s/mm1.yaml\nname: "'"'"'q`touch %s/backquote-ran`\\\\"\nduration: 3s\nwarmup: 1s\n' \
  "$cfgdir" "$d" > quote-name.yaml
printf 'base: %s/mm1.yaml\nname: "x\\e]0;owned\\a\\e[31mred\\e[2J"\nduration: 3s\nwarmup: 1s\n' \
  "$cfgdir" > escape-name.yaml

# YAML tags; a rule with a non-ASCII character
printf 'seed: !!str 5\n' > tag.yaml
printf 'base: %s/mm1.yaml\nduration: 3s\nwarmup: 1s\nexpect: ["latency.mean_ms \xe2\x89\xa4 5"]\n' \
  "$cfgdir" > utf8-rule.yaml

# a small sweep (for plot --kind sweep with a metric no run has)
printf 'name: sw\nmodel: queue\nduration: 3s\nwarmup: 1s\nqueue: {servers: 1, arrival: 100/s, service: 1ms}\nsweep: {queue.arrival: [100/s, 200/s]}\n' > sweep.yaml
