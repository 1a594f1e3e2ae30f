#!/bin/sh
# bench/bench_tls.sh --smoke: the TLS benchmark runs end to end (1 s of
# handshakes per version, 2 MB of bulk, each server once) and every figure
# comes out; none is checked. Needs root and `ip netns` (else exit 77).
# Run from the build directory.
srcdir=${srcdir:-$(dirname "$0")/..}
export srcdir
exec sh "$srcdir/bench/bench_tls.sh" --smoke
