#!/usr/bin/env bash
# tests/engines/slurm.sh BIN WORKDIR — a one-node Slurm cluster on loopback,
# started here and stopped here: munged with its own key and socket,
# slurmctld and slurmd from Debian's slurm-wlm with a generated slurm.conf
# (no systemd, no cgroups: proctrack/linuxproc, task/none; its own ports,
# spool, state and logs under WORKDIR).  `sweep --slurm --submit` submits the
# plan as a job array; the test waits (bounded) for the array, merges the
# shards and compares the rows with `sweep -j 2`, row for row by run
# identity.  Daemons are stopped by PID and their state removed on exit.
# If a daemon cannot start, the test FAILS with that daemon's own log.
set -euo pipefail
BIN=$1; W=$2
here=$(cd "$(dirname "$0")" && pwd); . "$here/common.sh"
EXP="$here/../data/tiny-sweep.yaml"
for d in munged slurmctld slurmd; do
  command -v "$d" >/dev/null || [ -x "/usr/sbin/$d" ] || fail "$d is not installed (scripts/deps.sh installs munge and slurm-wlm)"
done
export PATH="$PATH:/usr/sbin"
cd "$W"; W=$(pwd)
mkdir -p state spool log msock
chmod 755 msock
pids=()
cleanup() {
  for f in slurmd.pid slurmctld.pid munged.pid; do
    [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
  for f in slurmd.pid slurmctld.pid munged.pid; do
    if [ -s "$f" ]; then
      p=$(cat "$f"); for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$p" 2>/dev/null || true
    fi
  done
  rm -rf "$W/state" "$W/spool" "$W/msock"
}
trap cleanup EXIT
# Ports from the work directory's name, so parallel runs of the suite do not
# collide; 20000-29999 (below the ephemeral range).
base=$(( 20000 + ($(cksum <<<"$W" | cut -d' ' -f1) % 4999) * 2 ))
dd if=/dev/urandom of=munge.key bs=1024 count=1 2>/dev/null; chmod 600 munge.key
munged -f --socket="$W/msock/munge.sock" --key-file="$W/munge.key" --log-file="$W/log/munged.log" \
  --pid-file="$W/munged.pid" --seed-file="$W/munged.seed" \
  || fail "munged did not start: $(tail -5 log/munged.log 2>/dev/null)"
H=$(hostname -s)
cat > slurm.conf <<CONF
ClusterName=cachestorm-test
SlurmctldHost=$H(127.0.0.1)
SlurmctldPort=$base
SlurmdPort=$((base + 1))
SlurmUser=$(id -un)
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$W/msock/munge.sock
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/slurmctld.pid
SlurmdPidFile=$W/slurmd.pid
SlurmctldLogFile=$W/log/slurmctld.log
SlurmdLogFile=$W/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
PlugStackConfig=/dev/null
SchedulerType=sched/builtin
SchedulerParameters=sched_min_interval=0,batch_sched_delay=0,default_queue_depth=1000
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
NodeName=csnode NodeHostname=$H NodeAddr=127.0.0.1 CPUs=2 RealMemory=500 State=UNKNOWN
PartitionName=cs Nodes=csnode Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$W/slurm.conf"
slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start: $(tail -20 log/slurmctld.log 2>/dev/null)"
slurmd -f "$SLURM_CONF" -N csnode || fail "slurmd did not start: $(tail -20 log/slurmd.log 2>/dev/null)"
# the node must come up idle (bounded: 30 s)
for i in $(seq 60); do
  st=$(sinfo -h -n csnode -o %t 2>/dev/null || true)
  [ "$st" = idle ] && break
  sleep 0.5
done
[ "$st" = idle ] || fail "the Slurm node is '$st', not idle:
$(tail -15 log/slurmctld.log) 
$(tail -15 log/slurmd.log)"
# 12 runs (6 scenarios x 2 seeds) of the queue model: Slurm starts a task
# about once a second per free CPU here, so fewer runs than the parallel test
cat > exp12.yaml <<YAML
base: $here/../../configs/mm1.yaml
name: slurm12
duration: 60s
warmup: 1s
replications: 2
sweep:
  queue.arrival: [100/s, 200/s, 300/s]
  queue.servers: [1, 2]
YAML
EXP="$W/exp12.yaml"
SETS=()
"$BIN" sweep "$EXP" "${SETS[@]}" --db local.db -j 2 --quiet >/dev/null 2>sweep.err || { cat sweep.err; fail "sweep -j 2"; }
"$BIN" sweep "$EXP" "${SETS[@]}" --slurm --submit --plan-dir plan --db merged.db > submit.out \
  || fail "sweep --slurm --submit: $(cat submit.out)"
job=$(sed -n 's/^Submitted batch job \([0-9]*\).*/\1/p' submit.out)
[ -n "$job" ] || fail "no job id in: $(cat submit.out)"
n=$(wc -l < plan/jobs.txt)
# wait for the array (bounded: 180 s)
for i in $(seq 360); do
  left=$(squeue -h -j "$job" 2>/dev/null | wc -l)
  [ "$left" -eq 0 ] && break
  sleep 0.5
done
[ "$left" -eq 0 ] || fail "the array $job did not finish in 180 s: $(squeue -h -j "$job" | head -3)"
shards=$(ls plan/shards/*.db | wc -l)
[ "$shards" -eq "$n" ] || fail "$shards shards for $n array tasks; logs: $(cat plan/logs/* | head -20)"
"$BIN" merge merged.db plan/shards/*.db > merge.out || { cat merge.out; fail "merge"; }
grep -q "$n runs merged, 0 skipped, 0 refused" merge.out || fail "merge said: $(cat merge.out)"
rows local.db > local.rows; rows merged.db > merged.rows
[ -s local.rows ] || fail "no rows in local.db"
cmp -s local.rows merged.rows || { diff local.rows merged.rows | head; fail "merged rows differ from sweep -j 2"; }
echo "slurm: array job $job, $n tasks, $(wc -l < merged.rows) rows equal to sweep -j 2"
