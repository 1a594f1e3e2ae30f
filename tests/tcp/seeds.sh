#!/usr/bin/env bash
# Runs N seeds of the two-engine simulation (default 10,000), split across
# the machine's cores, and prints the time they took and every failing seed
# (replay one with SF_TEST_SEED=S build/tests/tcp/test_sim).
#
#   tests/tcp/seeds.sh [N [FIRST]]
#   SOAK=path/to/tests/tcp/soak  the program (default: build/tests/tcp/soak
#                                 under the source tree, else ./tests/tcp/soak)
#   JOBS=J                        parallel runs (default: nproc)
#   SEEDS_TIMEOUT=S               give up after S seconds (default: none)
#
# Exit status: 0 all passed, 1 some failed, 2 the runs did not finish.
set -uo pipefail
n=${1:-10000}
first=${2:-1}
here=$(cd "$(dirname "$0")/../.." && pwd)
soak=${SOAK:-}
if [ -z "$soak" ]; then
  for c in "$here/build/tests/tcp/soak" ./tests/tcp/soak; do
    [ -x "$c" ] && soak=$c && break
  done
fi
[ -x "${soak:-}" ] || { echo "seeds: no soak program (set SOAK=)"; exit 2; }
jobs=${JOBS:-$(nproc)}
[ "$jobs" -ge 1 ] || jobs=1
[ "$jobs" -le "$n" ] || jobs=$n
limit=${SEEDS_TIMEOUT:-0}

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
start=$(date +%s%N)
# Seeds [first, first+n) in `jobs` contiguous slices, one soak each.
pids=()
per=$(( (n + jobs - 1) / jobs ))
for ((j = 0; j < jobs; j++)); do
  from=$((first + j * per))
  count=$(( n - j * per < per ? n - j * per : per ))
  [ "$count" -gt 0 ] || break
  if [ "$limit" -gt 0 ]; then
    timeout "$limit" "$soak" "$from" "$count" >"$out/$j" 2>&1 &
  else
    "$soak" "$from" "$count" >"$out/$j" 2>&1 &
  fi
  pids+=($!)
done
status=0
for p in "${pids[@]}"; do
  wait "$p"
  rc=$?
  if [ $rc -gt 1 ]; then status=2; elif [ $rc -eq 1 ] && [ $status -eq 0 ]; then status=1; fi
done
secs=$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')

failures=$(cat "$out"/* | grep -c '^seed .* FAILED' || true)
cat "$out"/* | grep '^seed .* FAILED' || true
ran=$(cat "$out"/* | awk '/^soak: [0-9]+ seeds/ { s += $2 } END { print s + 0 }')
printf 'seeds: %s of %s seeds from %s ran in %s s on %s jobs, %s failed\n' \
  "${ran:-0}" "$n" "$first" "$secs" "${#pids[@]}" "$failures"
if [ "$status" -eq 2 ] || [ "${ran:-0}" -ne "$n" ]; then
  echo "seeds: some runs did not finish (time limit or crash):"
  tail -n 3 "$out"/*
  exit 2
fi
[ "$failures" -eq 0 ] && [ "$status" -eq 0 ] || exit 1
exit 0
