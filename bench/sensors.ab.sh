#!/bin/bash
# A/B of the sensors HTTP benchmark (issue 14): an older commit and this checkout, run alternately so both
# see the same machine load. Usage: bench/sensors.ab.sh OLD_REF [SECONDS per run, 60] [RUNS, 3]
# Needs KESSETSU_BENCH_PG_URL (PostgreSQL); prints each run's line and the medians with their ratio.
set -euo pipefail
old_ref=${1:?usage: bench/sensors.ab.sh OLD_REF [SECONDS] [RUNS]}
secs=${2:-60}
runs=${3:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
old=$(mktemp -d)
trap 'rm -rf "$old"' EXIT
git -C "$here" archive "$old_ref" | tar -x -C "$old"
ln -s "$here/node_modules" "$old/node_modules"
export BENCH_SENSORS_PART=http BENCH_SENSORS_SECONDS=$secs
out=$(mktemp)
for i in $(seq "$runs"); do
  for v in old new; do
    d=$old; [ $v = new ] && d=$here
    line=$(cd "$d" && nice -n 19 "$here/node_modules/.bin/node" bench/sensors.bench.ts 2>&1 | grep '^HTTP' || true)
    echo "$v run $i (load $(cut -d' ' -f1 /proc/loadavg)): $line" | tee -a "$out"
  done
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for what in 'events/s' 'per hub CPU second' 'events per generator CPU second'; do
  o=$(grep '^old' "$out" | { grep -oP "[\d,]+(?= $what)" || true; } | tr -d , | median)
  n=$(grep '^new' "$out" | { grep -oP "[\d,]+(?= $what)" || true; } | tr -d , | median)
  if [ -z "$o" ] || [ -z "$n" ]; then echo "median $what: old ${o:-n/a}, new ${n:-n/a}"; continue; fi
  echo "median $what: old $o, new $n, ratio $(awk "BEGIN {printf \"%.2f\", $n / $o}")"
done
rm -f "$out"
