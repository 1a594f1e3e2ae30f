#!/bin/sh
# bench/bench_all.sh --smoke: the benchmark command runs end to end with
# tiny sizes and writes its table (to a temporary file); no figure is
# checked. Needs root and `ip netns` (else exit 77). Run from the build
# directory.
srcdir=${srcdir:-$(dirname "$0")/..}
export srcdir
exec sh "$srcdir/bench/bench_all.sh" --smoke
