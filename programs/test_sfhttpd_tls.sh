#!/bin/sh
# sfhttpd --tls-cert/--tls-key: HTTPS for real clients in a private test
# network (tests/net/netns.sh), certificates from tests/tls/certs.sh.
#   0. (no root) --help lists the TLS options; --tls-cert without
#      --tls-key exits 2;
#   1. curl --cacert GETs a small file and a 3 MB one (SHA-256), with
#      ALPN http/1.1 agreed, and HEAD;
#   2. curl reuses the keep-alive TLS connection for a second URL;
#   3. curl without the CA refuses the certificate (exit 60), the
#      handshake failure is traced, and the next client is served;
#   4. a python3 ssl client: "Connection: close" ends with close_notify
#      before the FIN (a FIN alone would raise there); a client that drops
#      TCP without close_notify is a closed connection, traced;
#   5. SIGTERM: sfhttpd exits 0.
# Needs root for 1-5 (else exit 77). About 5 s; every wait is bounded.

srcdir=${srcdir:-$(dirname "$0")/..}
. "$srcdir/tests/net/netns.sh"
. "$srcdir/tests/tls/certs.sh"
. "$srcdir/programs/prog_test.sh"
httpd=${builddir:-.}/programs/sfhttpd

"$httpd" --help | grep -q -- '--tls-cert FILE' ||
  { echo "FAIL: sfhttpd --help has no TLS options"; exit 1; }
prog_usage_fails "$httpd" "go together" --root . --tls-cert c.pem
prog_usage_fails "$httpd" "is for a TLS client" --root . --tls-cert c \
  --tls-key k --tls-insecure

command -v openssl >/dev/null 2>&1 || sf_netns_skip "openssl not found"
command -v curl >/dev/null 2>&1 || sf_netns_skip "curl not found"
sf_netns_begin httpdtls "$httpd"
T=$SF_TMP
sf_tls_certs "$T" || { echo "FAIL: certificates"; exit 1; }
sip=$SF_SYNFIN_IP
t0=$(date +%s)

mkdir "$T/www" || exit 1
echo "hello over TLS" >"$T/www/a.txt"
echo "file b" >"$T/www/b.txt"
head -c 3000000 /dev/urandom >"$T/www/big.bin" || exit 1
log=$T/httpd.log
url=https://server.test:8443

# not under `timeout`: $! must be sfhttpd itself, for SIGTERM
ip netns exec "$SF_NS_S" "$httpd" --device "$SF_IF_S" --address "$sip/24" \
  --root "$T/www" --port 8443 --msl-ms 500 --trace \
  --tls-cert "$T/server.pem" --tls-key "$T/server.key" >"$log" 2>&1 &
spid=$!
(sleep 60 && kill -9 $spid) >/dev/null 2>&1 &
watchdog=$!
stop_watchdog() { pkill -P $watchdog sleep 2>/dev/null; kill $watchdog 2>/dev/null; }
trap 'kill $spid 2>/dev/null; stop_watchdog; sf_netns_teardown' EXIT
sf_netns_wait_for "$log" 'ready: .* on https://' 100 ||
  { cat "$log"; sf_netns_bad "sfhttpd not ready"; sf_netns_end; }

# curl ARGS: curl trusting the test CA, server.test resolving to synfin
kcurl() {
  sf_netns_k timeout 20 curl -sS --resolve "server.test:8443:$sip" "$@"
}

# ------------------------------------------- 1. GET, 3 MB, ALPN, HEAD
kcurl --cacert "$T/ca.pem" -v -o "$T/a" "$url/a.txt" 2>"$T/1.err" ||
  { sf_netns_bad "1. GET /a.txt failed"; cat "$T/1.err"; }
prog_same "1. GET /a.txt" "$T/www/a.txt" "$T/a"
prog_expect "1. ALPN" "$T/1.err" 'ALPN.*server accepted.*http/1\.1'
got=$(kcurl --cacert "$T/ca.pem" "$url/big.bin" | sha256sum | cut -d' ' -f1)
want=$(sha256sum "$T/www/big.bin" | cut -d' ' -f1)
[ "$got" = "$want" ] || sf_netns_bad "1. 3 MB file: SHA-256 differs"
code=$(kcurl --cacert "$T/ca.pem" -I -o /dev/null -D "$T/head" \
  -w '%{http_code}' "$url/a.txt")
[ "$code" = 200 ] && grep -qi '^content-length: 15' "$T/head" ||
  { sf_netns_bad "1. HEAD /a.txt: $code"; cat "$T/head"; }

# ------------------------------------------- 2. keep-alive over TLS
kcurl --cacert "$T/ca.pem" -v -o "$T/k1" -o "$T/k2" "$url/a.txt" \
  "$url/b.txt" >"$T/2.err" 2>&1
prog_expect "2. keep-alive" "$T/2.err" '[Rr]e-using existing connection'
prog_same "2. second URL" "$T/www/b.txt" "$T/k2"

# ------------------------------------------- 3. a refused certificate
kcurl -o /dev/null "$url/a.txt" 2>"$T/3.err"
prog_status "3. curl without the CA" 60 $?
kcurl --cacert "$T/ca.pem" -o "$T/a3" "$url/a.txt" ||
  sf_netns_bad "3. the next client is not served"
prog_same "3. GET after the refusal" "$T/www/a.txt" "$T/a3"
prog_expect "3. handshake failure traced" "$log" 'TLS handshake: '

# ------------------------------------------- 4. how connections end
sf_netns_k timeout 20 python3 -c '
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
def conn():
    s = socket.create_connection((sys.argv[1], 8443), timeout=10)
    return ctx.wrap_socket(s, server_hostname="server.test",
                           suppress_ragged_eofs=False)
# Connection: close: the response, then close_notify (recv gives b"")
s = conn()
s.sendall(b"GET /a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
data = b""
while True:
    d = s.recv(65536)  # a FIN without close_notify raises SSLEOFError
    if not d:
        break
    data += d
assert data.startswith(b"HTTP/1.1 200 OK") and data.endswith(b"hello over TLS\n"), data
print("close_notify after the response")
s.close()
# a keep-alive response, then TCP closed without close_notify
s = conn()
s.sendall(b"GET /b.txt HTTP/1.1\r\nHost: x\r\n\r\n")
data = b""
while not data.endswith(b"file b\n"):
    data += s.recv(65536)
s.close()  # no unwrap(): no close_notify
print("dropped")
' "$sip" "$T/ca.pem" >"$T/4.out" 2>&1 || { sf_netns_bad "4. python3 client"; cat "$T/4.out"; }
prog_expect "4. close_notify" "$T/4.out" '^close_notify after the response'
sf_netns_wait_for "$log" 'closed without close_notify' 50 ||
  sf_netns_bad "4. the truncation was not traced"
kcurl --cacert "$T/ca.pem" -o "$T/a4" "$url/a.txt" ||
  sf_netns_bad "4. not served after the truncation"

# ------------------------------------------- 5. SIGTERM
kill -TERM $spid
wait $spid
prog_status "5. sfhttpd after SIGTERM" 0 $?
stop_watchdog
echo "total: $(($(date +%s) - t0)) s"
sf_netns_end "sfhttpd --tls-cert: GET, 3 MB, HEAD, ALPN, keep-alive, refused CA, close_notify"
