#!/bin/sh
# synfin's TLS streams against the real OpenSSL tools and curl, over veth
# between private namespaces (tests/net/netns.sh), with certificates made
# here by `openssl req` (a throwaway CA, server.test, an expired one):
#   (a) `openssl s_client` (TLS 1.3, then TLS 1.2) against
#       `tls_echo server --http`: the page arrives, verification OK, and
#       synfin's trace shows the version and the TCP lifecycle
#   (b) `curl --cacert` against the same server: the page
#   (c) `tls_echo client` against `openssl s_server -www` (TLS 1.3, 1.2):
#       the status page, up to the server's close
#   (d) `tls_echo client` against s_server with the expired certificate,
#       and with the wrong host name: the handshake fails with the reason
# Needs root (else exit 77). Every process runs under `timeout`.

srcdir=${srcdir:-$(dirname "$0")/../..}
. "$srcdir/tests/net/netns.sh"
. "$srcdir/tests/tls/certs.sh"
sf_netns_require
command -v openssl >/dev/null 2>&1 || sf_netns_skip "openssl not found"
command -v curl >/dev/null 2>&1 || sf_netns_skip "curl not found"
echo_bin=$(cd "${builddir:-.}" && pwd)/samples/tls_echo
sf_netns_begin tls "$echo_bin"
sf_netns_fail=0
T=$SF_TMP

sf_tls_certs "$T" || { echo "FAIL: certificates"; exit 1; }

ip=$SF_SYNFIN_IP
kip=$SF_KERNEL_IP

# ------------------------------------------- synfin server, kernel tools
sf_netns_s timeout 60 "$echo_bin" server --device "$SF_IF_S" \
  --address "$ip/24" --cert "$T/server.pem" --key "$T/server.key" \
  --http --count 3 --trace --deadline 50 >"$T/server.out" 2>&1 &
server=$!
sf_netns_wait_for "$T/server.out" "listening on" 100 ||
  { cat "$T/server.out"; echo "FAIL: server did not start"; exit 1; }

for v in 1_3 1_2; do
  printf 'GET / HTTP/1.0\r\n\r\n' |
    sf_netns_k timeout 20 openssl s_client -connect "$ip:4433" \
      -servername server.test -CAfile "$T/ca.pem" -verify_return_error \
      -verify_hostname server.test -tls$v -brief -ign_eof \
      >"$T/s_client$v.out" 2>&1
  grep -q "hello from synfin TLS" "$T/s_client$v.out" ||
    sf_netns_bad "s_client -tls$v: no page"
  grep -q "Verification: OK" "$T/s_client$v.out" ||
    sf_netns_bad "s_client -tls$v: not verified"
  want=$(echo "TLSv$v" | tr _ .)
  grep -q "Protocol version: $want" "$T/s_client$v.out" ||
    sf_netns_bad "s_client -tls$v: not $want"
  grep -q "trace tls handshake $want" "$T/server.out" ||
    sf_netns_bad "server trace: no $want handshake"
done

sf_netns_k timeout 20 curl -sS --cacert "$T/ca.pem" \
  --resolve "server.test:4433:$ip" https://server.test:4433/ \
  >"$T/curl.out" 2>&1
grep -q "hello from synfin TLS" "$T/curl.out" || sf_netns_bad "curl: no page"
wait $server || sf_netns_bad "tls_echo server exited $?"
grep -q "CLOSE-WAIT -> LAST-ACK\|FIN-WAIT-1" "$T/server.out" ||
  sf_netns_bad "server trace: no TCP close"

# ------------------------------------------- kernel server, synfin client
# s_server NAME ARGS...: one connection, -www (status page) in the kernel
s_server() {
  name=$1
  shift
  rm -f "$T/s_server-$name.out"
  sf_netns_k timeout 30 openssl s_server -accept 4433 -naccept 1 -www \
    "$@" >"$T/s_server-$name.out" 2>&1 &
  sf_netns_wait_for "$T/s_server-$name.out" "ACCEPT" 100 ||
    sf_netns_bad "s_server $name did not start"
}

client() {
  sf_netns_s timeout 30 "$echo_bin" client --device "$SF_IF_S" \
    --address "$ip/24" --connect "$kip:4433" --ca "$T/ca.pem" \
    --send 'GET / HTTP/1.0\r\n\r\n' --deadline 20 "$@"
}

for v in 1_3 1_2; do
  s_server "$v" -cert "$T/server.pem" -key "$T/server.key" -tls$v
  client --name server.test --trace >"$T/client$v.out" 2>"$T/client$v.err" ||
    sf_netns_bad "client vs s_server -tls$v failed: $(tail -3 "$T/client$v.err")"
  grep -q "Ciphers supported in s_server" "$T/client$v.out" ||
    sf_netns_bad "client vs s_server -tls$v: no status page"
  want=$(echo "TLSv$v" | tr _ .)
  grep -q "trace tls handshake $want .*peer \"/CN=server.test\"" \
    "$T/client$v.err" || sf_netns_bad "client trace: no $want handshake"
  wait
done

s_server expired -cert "$T/expired.pem" -key "$T/expired.key"
client --name server.test >/dev/null 2>"$T/expired.err" &&
  sf_netns_bad "client accepted an expired certificate"
grep -q "ECERT: certificate verify failed: certificate has expired" \
  "$T/expired.err" || sf_netns_bad "expired: $(cat "$T/expired.err")"
wait

s_server wrongname -cert "$T/server.pem" -key "$T/server.key"
client --name wrong.test >/dev/null 2>"$T/wrongname.err" &&
  sf_netns_bad "client accepted the wrong host name"
grep -q "hostname mismatch (expected wrong.test)" "$T/wrongname.err" ||
  sf_netns_bad "wrong name: $(cat "$T/wrongname.err")"
wait

if [ $sf_netns_fail != 0 ]; then
  for f in "$T"/*.out "$T"/*.err; do
    echo "--- $f"
    cat "$f"
  done
fi
sf_netns_end "TLS against openssl s_client, s_server and curl"
