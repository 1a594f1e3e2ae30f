#!/bin/sh
# sfhttpd against real clients in the kernel namespace (tests/net/netns.sh):
# curl GET, HEAD, 404, 405; a keep-alive connection reused (curl -v);
# a 100 MB file checked by SHA-256; three, then 500, pipelined requests
# answered in order (python3, raw socket); a malformed request (400) and an oversized
# head (431); a slowloris client cut at the header timeout while curl is
# served meanwhile; a 3 s wrk run without errors; SIGUSR1's table; and
# SIGTERM while a download runs: the download completes, sfhttpd exits 0.
# Needs root (else exit 77). About 20-30 s; every wait is bounded.

srcdir=${srcdir:-$(dirname "$0")/..}
. "$srcdir/tests/net/netns.sh"
httpd=${builddir:-.}/programs/sfhttpd
sf_netns_begin httpd "$httpd"
command -v curl >/dev/null 2>&1 || sf_netns_skip "curl not found"

www=$SF_TMP/www
mkdir -p "$www/dir" || exit 1
echo "hello from sfhttpd" >"$www/index.html"
echo "file a" >"$www/a.txt"
echo "file b" >"$www/b.txt"
echo "in a directory" >"$www/dir/index.html"
head -c 100000000 /dev/urandom >"$www/big.bin" || exit 1
log=$SF_TMP/httpd.log
url=http://$SF_SYNFIN_IP:8080

# not under `timeout`: $! must be sfhttpd itself, for the signals
ip netns exec "$SF_NS_S" "$httpd" --device "$SF_IF_S" \
  --address "$SF_SYNFIN_IP/24" --root "$www" --port 8080 \
  --header-timeout 3 --idle-timeout 10 --msl-ms 500 >"$log" 2>&1 &
spid=$!
(sleep 150 && kill -9 $spid) >/dev/null 2>&1 &
watchdog=$!
# the watchdog's sleep goes with it
stop_watchdog() { pkill -P $watchdog sleep 2>/dev/null; kill $watchdog 2>/dev/null; }
trap 'kill $spid 2>/dev/null; stop_watchdog; sf_netns_teardown' EXIT
sf_netns_wait_for "$log" 'ready' 100 || { cat "$log"; sf_netns_bad "sfhttpd not ready"; sf_netns_end; }

k() { sf_netns_k timeout 30 "$@"; }

# status code of curl's request, body in $SF_TMP/body, head in $SF_TMP/head
code() {
  k curl -sS -o "$SF_TMP/body" -D "$SF_TMP/head" -w '%{http_code}' "$@"
}

[ "$(code "$url/")" = 200 ] && cmp -s "$SF_TMP/body" "$www/index.html" ||
  sf_netns_bad "GET / is not index.html"
[ "$(code "$url/dir/")" = 200 ] && cmp -s "$SF_TMP/body" "$www/dir/index.html" ||
  sf_netns_bad "GET /dir/ is not dir/index.html"
[ "$(code -I "$url/a.txt")" = 200 ] &&
  grep -qi '^content-length: 7' "$SF_TMP/head" &&
  grep -qi '^content-type: text/plain' "$SF_TMP/head" ||
  sf_netns_bad "HEAD /a.txt"
[ "$(code "$url/nope")" = 404 ] || sf_netns_bad "GET /nope is not 404"
[ "$(code --path-as-is "$url/../etc/passwd")" = 400 ] ||
  sf_netns_bad "GET /../etc/passwd is not 400"
[ "$(code -X POST -d x "$url/a.txt")" = 405 ] &&
  grep -qi '^allow: GET, HEAD' "$SF_TMP/head" || sf_netns_bad "POST is not 405 with Allow"

# keep-alive: two URLs, one connection
k curl -sS -v -o /dev/null -o /dev/null "$url/a.txt" "$url/b.txt" \
  >"$SF_TMP/ka" 2>&1
grep -qi 're-using existing connection' "$SF_TMP/ka" ||
  { sf_netns_bad "curl did not reuse the keep-alive connection"; cat "$SF_TMP/ka"; }

# 100 MB, by SHA-256
t0=$(date +%s)
got=$(k curl -sS "$url/big.bin" | sha256sum | cut -d' ' -f1)
want=$(sha256sum "$www/big.bin" | cut -d' ' -f1)
[ "$got" = "$want" ] || sf_netns_bad "100 MB file: SHA-256 differs"
echo "100 MB in $(($(date +%s) - t0)) s"

# raw requests from python3 (| stands for CRLF): prints what came back
# until the server closed, CRLF as |, LF as ~
raw() {
  k python3 -c '
import socket, sys, time
s = socket.create_connection((sys.argv[1], 8080), timeout=10)
s.sendall(sys.argv[2].encode().replace(b"|", b"\r\n"))
data = b""
while True:
    d = s.recv(65536)
    if not d: break
    data += d
sys.stdout.write(data.decode("latin-1").replace("\r\n", "|").replace("\n", "~"))
' "$SF_SYNFIN_IP" "$1"
}

# three pipelined requests, sent at once; the last closes
out=$(raw "GET /a.txt HTTP/1.1|Host: x||HEAD /b.txt HTTP/1.1|Host: x||GET /b.txt HTTP/1.1|Host: x|Connection: close||")
echo "$out" | grep -q '^HTTP/1.1 200 OK|.*|file a~HTTP/1.1 200 OK|.*Content-Length: 7|.*||HTTP/1.1 200 OK|.*Connection: close|.*|file b~$' ||
  { sf_netns_bad "pipelined responses"; echo "$out"; }
[ "$(echo "$out" | grep -o 'HTTP/1.1 200' | wc -l)" = 3 ] ||
  sf_netns_bad "pipelining: not 3 responses"

# 500 pipelined requests (20 KB, more than the 16 KB buffer: reading
# stops while it is full and resumes), answered in order
out=$(k python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 8080), timeout=10)
reqs = [b"GET /%s HTTP/1.1\r\nHost: x\r\n\r\n" % (b"a.txt" if i % 2 else b"b.txt")
        for i in range(499)]
s.sendall(b"".join(reqs) + b"GET /a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
data = b""
while True:
    d = s.recv(65536)
    if not d: break
    data += d
bodies = [p.split(b"\r\n\r\n", 1)[1][:7] for p in data.split(b"HTTP/1.1 200 OK")[1:]]
want = [b"file b\n" if i % 2 == 0 else b"file a\n" for i in range(499)] + [b"file a\n"]
print("responses", len(bodies), "in order" if bodies == want else "out of order")
' "$SF_SYNFIN_IP")
[ "$out" = "responses 500 in order" ] || sf_netns_bad "500 pipelined requests: $out"

out=$(raw "GET / HTTP/1.1|Host: x|Bad Header: y||")
echo "$out" | grep -q '^HTTP/1.1 400 ' || { sf_netns_bad "malformed: not 400"; echo "$out"; }
big=$(head -c 20000 /dev/zero | tr '\0' a)
out=$(raw "GET / HTTP/1.1|Host: x|X-Big: $big||")
echo "$out" | grep -q '^HTTP/1.1 431 ' || { sf_netns_bad "oversized head: not 431"; echo "$out" | head -c 300; }

# slowloris: a header byte a second; the 3 s header timeout ends it
k python3 -c '
import socket, sys, time
s = socket.create_connection((sys.argv[1], 8080), timeout=10)
t0 = time.time()
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
try:
    for i in range(20):
        s.sendall(b"X"); time.sleep(1)
        s.setblocking(False)
        try:
            if s.recv(100) == b"": break
        except BlockingIOError: pass
        s.setblocking(True)
except (BrokenPipeError, ConnectionResetError): pass
print("slowloris closed after %.0f s" % (time.time() - t0))
' "$SF_SYNFIN_IP" >"$SF_TMP/slow" 2>&1 &
slow=$!
sleep 1
[ "$(code "$url/a.txt")" = 200 ] || sf_netns_bad "GET during slowloris"
wait $slow
cat "$SF_TMP/slow"
secs=$(sed -n 's/^slowloris closed after \([0-9]*\) s/\1/p' "$SF_TMP/slow")
[ -n "$secs" ] && [ "$secs" -ge 2 ] && [ "$secs" -le 6 ] ||
  sf_netns_bad "slowloris not cut at the header timeout"

# wrk: 3 s, keep-alive, no errors
if command -v wrk >/dev/null 2>&1; then
  k wrk -t1 -c16 -d3s "$url/a.txt" >"$SF_TMP/wrk" 2>&1
  cat "$SF_TMP/wrk"
  grep -q 'Requests/sec' "$SF_TMP/wrk" || sf_netns_bad "wrk did not run"
  grep -Eq 'Non-2xx|Socket errors' "$SF_TMP/wrk" && sf_netns_bad "wrk saw errors"
else
  echo "wrk not installed: load run skipped"
fi

# SIGUSR1: the connection table
kill -USR1 $spid
sleep 0.3
grep -q 'LISTEN' "$log" || sf_netns_bad "SIGUSR1 printed no table"

# SIGTERM during a download: it completes, sfhttpd exits 0
k curl -sS --limit-rate 25M "$url/big.bin" 2>&1 | sha256sum | cut -d' ' -f1 \
  >"$SF_TMP/drain" &
dl=$!
sleep 1
kill -TERM $spid
wait $dl
[ "$(cat "$SF_TMP/drain")" = "$want" ] || sf_netns_bad "download during drain"
wait $spid
rc=$?
[ $rc = 0 ] || { sf_netns_bad "sfhttpd exited $rc after SIGTERM"; tail "$log"; }
# the sanitizer build's reports (a leak shows at exit)
grep -Eq 'Sanitizer|runtime error' "$log" && { sf_netns_bad "sanitizer report"; cat "$log"; }
sf_netns_end "sfhttpd: GET, HEAD, errors, keep-alive, 100 MB, pipelining, slowloris, wrk, drain"
