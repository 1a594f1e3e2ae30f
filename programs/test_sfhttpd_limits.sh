#!/bin/sh
# sfhttpd's limits against kernel clients (python3) in the test network:
# with --max-connections 2, a third connection gets 503 while two idle
# ones are open, and a fourth gets 200 once they are gone; a keep-alive
# connection left idle is closed after --idle-timeout (2 s); a client
# that asks for a 20 MB file and never reads is dropped after the idle
# timeout (the --trace line says why). Needs root (else exit 77). About
# 10 s.

srcdir=${srcdir:-$(dirname "$0")/..}
. "$srcdir/tests/net/netns.sh"
httpd=${builddir:-.}/programs/sfhttpd
sf_netns_begin httplim "$httpd"

www=$SF_TMP/www
mkdir -p "$www" || exit 1
echo "small" >"$www/index.html"
head -c 20000000 /dev/zero >"$www/big.bin" || exit 1
log=$SF_TMP/httpd.log
# not under `timeout`: $! must be sfhttpd itself, for SIGTERM; bounded by
# the drain timeout after it, and killed at exit
ip netns exec "$SF_NS_S" "$httpd" --device "$SF_IF_S" \
  --address "$SF_SYNFIN_IP/24" --root "$www" --port 8080 --trace \
  --max-connections 2 --idle-timeout 2 --header-timeout 5 --msl-ms 500 \
  --drain-timeout 5 >"$log" 2>&1 &
spid=$!
trap 'kill -9 $spid 2>/dev/null; sf_netns_teardown' EXIT
sf_netns_wait_for "$log" 'ready' 100 || { cat "$log"; sf_netns_bad "sfhttpd not ready"; sf_netns_end; }

py() { sf_netns_k timeout 30 python3 -c "$1" "$SF_SYNFIN_IP"; }

out=$(py '
import socket, sys, time
a = sys.argv[1]
def get(s):
    """the status line of one whole response (head and Content-Length body)"""
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    while True:
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            n = [int(l.split(b":")[1]) for l in head.split(b"\r\n")
                 if l.lower().startswith(b"content-length:")][0]
            if len(body) >= n:
                return head.split(b"\r\n")[0].decode()
        d = s.recv(4096)
        if not d:
            return "closed after %r" % data
        data += d
idle = [socket.create_connection((a, 8080), timeout=10) for _ in range(2)]
time.sleep(0.3)
third = socket.create_connection((a, 8080), timeout=10)
print("third:", get(third))
for s in idle: s.close()
third.close()
time.sleep(0.5)
fourth = socket.create_connection((a, 8080), timeout=10)
print("fourth:", get(fourth))
t0 = time.time()
end = fourth.recv(4096)
print("idle keep-alive closed after %.1f s, %d bytes" % (time.time() - t0, len(end)))
')
echo "$out"
echo "$out" | grep -q '^third: HTTP/1.1 503 ' || sf_netns_bad "third connection: not 503"
echo "$out" | grep -q '^fourth: HTTP/1.1 200 ' || sf_netns_bad "fourth connection: not 200"
secs=$(echo "$out" | sed -n 's/^idle keep-alive closed after \([0-9]*\)\..*, 0 bytes$/\1/p')
[ -n "$secs" ] && [ "$secs" -ge 1 ] && [ "$secs" -le 4 ] ||
  sf_netns_bad "idle keep-alive connection not closed at the idle timeout"

# a reader that never reads: small receive buffer, 20 MB asked for
py '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect((sys.argv[1], 8080))
s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
time.sleep(5)
' || sf_netns_bad "stalled client failed"
grep -q 'timed out (peer not reading)' "$log" ||
  { sf_netns_bad "a client that never reads was not dropped"; tail -20 "$log"; }

kill -TERM $spid
wait $spid || sf_netns_bad "sfhttpd exited non-zero after SIGTERM"
grep -Eq 'Sanitizer|runtime error' "$log" && { sf_netns_bad "sanitizer report"; cat "$log"; }
sf_netns_end "sfhttpd limits: max connections (503), idle timeout, stalled reader"
