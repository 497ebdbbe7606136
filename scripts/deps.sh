#!/usr/bin/env bash
# deps.sh — make sure the Debian packages cachestorm builds and runs with are
# installed.  As root it installs what is missing; otherwise it prints the
# exact command and exits 1.  Called first by `make run` and `make test`.
set -u
pkgs=(build-essential pkg-config libgsl-dev libsqlite3-dev libyaml-dev libcriterion-dev gnuplot-nox python3-simpy redis-server
      sqlite3 parallel slurm-wlm munge  # these four: tests/engines (GNU parallel, a one-node Slurm)
      clang libclang-rt-14-dev  # clang + libFuzzer: make fuzz, the fuzz smoke run in make test
      chromium python3 python3-pil)  # the report rendered in headless Chromium (tests/browser)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
cmd="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "cachestorm needs these Debian packages: ${missing[*]}" >&2
  echo "run as root:  $cmd" >&2
  exit 1
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || {
  echo "deps.sh: apt-get failed; try:  $cmd" >&2; exit 1; }
