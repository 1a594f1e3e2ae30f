#!/bin/sh
# The echo samples over the in-memory link: 1 MiB comes back intact (its
# SHA-256 matches), also through 5% loss each way, and from a file; the
# server sample echoes a line and shows its lifecycle hooks.
set -eu
fail() { echo "test_echo: $*" >&2; exit 1; }

./samples/echo_client --memory --bytes 1048576 || fail "1 MiB echo failed"
./samples/echo_client --memory --bytes 262144 --loss 5 --seed 7 ||
  fail "echo through 5% loss failed"
./samples/echo_client --memory --bytes 0 || fail "empty echo failed"

tmp=$(mktemp "${TMPDIR:-/tmp}/synfin-echo.XXXXXX")
trap 'rm -f "$tmp" "$tmp.out"' EXIT INT TERM
head -c 100000 /dev/urandom >"$tmp"
./samples/echo_client --memory --file "$tmp" || fail "file echo failed"

./samples/echo_server --memory --message "ping" >"$tmp.out" 2>&1 ||
  { cat "$tmp.out"; fail "echo_server failed"; }
cat "$tmp.out"
grep -q '^echoed: ping$' "$tmp.out" || fail "no echo"
grep -q 'ESTABLISHED -> CLOSE-WAIT' "$tmp.out" || fail "no passive close"
grep -q 'LAST-ACK -> CLOSED' "$tmp.out" || fail "no LAST-ACK -> CLOSED"
echo "test_echo: ok"
