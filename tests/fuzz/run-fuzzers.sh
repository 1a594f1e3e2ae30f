#!/usr/bin/env bash
# Runs every libFuzzer target for a bounded time each, starting from the
# seed corpus (copied, so the repository's corpus stays small).
# Usage: tests/fuzz/run-fuzzers.sh FUZZ_BUILD_DIR [SECONDS_PER_TARGET]
# The build dir must be configured with CC=clang --enable-fuzz and built.
# Exits non-zero, keeping the crashing input, if any target fails.
set -euo pipefail

builddir=${1:?usage: run-fuzzers.sh FUZZ_BUILD_DIR [SECONDS]}
seconds=${2:-60}
srcdir=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/synfin-fuzz.XXXXXX")
artifacts=$builddir/fuzz-artifacts
mkdir -p "$artifacts"
trap 'rm -rf "$work"' EXIT

status=0
for seeds in "$srcdir"/corpus/*/; do
  name=$(basename "$seeds")
  target=$builddir/tests/fuzz/fuzz_$name
  if [ ! -x "$target" ]; then
    echo "run-fuzzers: $target is missing (configure with CC=clang --enable-fuzz)" >&2
    exit 2
  fi
  mkdir -p "$work/$name"
  cp "$seeds"/* "$work/$name"/
  # A stateful program needs room for many operations from the start;
  # libFuzzer would otherwise hold inputs near the seeds' length a while.
  extra=()
  [ "$name" = stateful ] && extra=(-max_len=1024 -len_control=0)
  echo "run-fuzzers: fuzz_$name for ${seconds}s"
  if ! "$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
      "${extra[@]}" \
      -print_final_stats=1 -artifact_prefix="$artifacts/$name-" \
      "$work/$name" >"$work/$name.log" 2>&1; then
    echo "run-fuzzers: fuzz_$name FAILED; input kept in $artifacts" >&2
    tail -n 40 "$work/$name.log" >&2
    status=1
  else
    grep -E '^stat::number_of_executed_units' "$work/$name.log" |
      sed "s/^/run-fuzzers: fuzz_$name /"
  fi
done
exit $status
