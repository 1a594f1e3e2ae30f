#!/bin/sh
# samples/tls_echo in pair mode (server and client in one process over the
# in-memory link, no root): 1 MiB goes through TLS to the echo server and
# back intact, the trace shows the TLS handshake and the TCP close, and a
# wrong certificate path is named.
set -eu
srcdir=${srcdir:-$(dirname "$0")/..}
fail() { echo "test_tls_echo: $*" >&2; exit 1; }
command -v openssl >/dev/null 2>&1 || { echo "no openssl: skipping"; exit 77; }
. "$srcdir/tests/tls/certs.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/synfin-tls-echo.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
sf_tls_certs "$tmp" || fail "could not make certificates"

./samples/tls_echo pair --cert "$tmp/server.pem" --key "$tmp/server.key" \
  --ca "$tmp/ca.pem" --bytes 1048576 --trace --deadline 30 \
  >"$tmp/out" 2>&1 || { cat "$tmp/out"; fail "1 MiB pair failed"; }
cat "$tmp/out"
grep -q 'client: close_notify after 1048576 bytes' "$tmp/out" ||
  fail "not all bytes came back"
grep -q 'trace tls handshake TLSv1.3 .*peer "/CN=server.test"' "$tmp/out" ||
  fail "no handshake in the trace"
grep -q 'LAST-ACK -> CLOSED' "$tmp/out" || fail "no TCP close in the trace"

./samples/tls_echo pair --cert "$tmp/none.pem" --key "$tmp/server.key" \
  --ca "$tmp/ca.pem" >"$tmp/err" 2>&1 && fail "a missing certificate worked"
grep -q "certificate file \"$tmp/none.pem\": No such file" "$tmp/err" ||
  { cat "$tmp/err"; fail "the missing file is not named"; }
echo "test_tls_echo: ok"
