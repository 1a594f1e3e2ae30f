#!/bin/sh
# sfproxy --tls-cert/--tls-key terminating TLS for real clients, in a
# private test network (tests/net/netns.sh): clients in the kernel
# namespace speak TLS to sfproxy on synfin's address, which relays the
# plaintext to kernel upstreams. Certificates: tests/tls/certs.sh.
#   0. (no root) --help lists the TLS options; --tls-cert without
#      --tls-key, and --tls alone, exit 2;
#   1. curl --cacert fetches a 3 MB file twice through the proxy from
#      `python3 -m http.server`: byte-exact (SHA-256);
#   2. a TLS client (tls_peer.py) sends 2 MB and close_notify to a kernel
#      echo upstream (sfproxy_peer.py echo) through the proxy: its
#      close_notify becomes the upstream's FIN, the echo comes back whole
#      and ends with the proxy's close_notify;
#   3. curl without the CA refuses the certificate: the proxy counts a
#      failed handshake (tls_failed) and relays nothing for it;
#   4. the connection table (SIGUSR1) holds only TIME-WAIT records and
#      the listener; SIGTERM drains and exits 0 with open=0.
# Needs root for 1-4 (else exit 77). Every process runs under `timeout`.
# Takes about 10 s.

srcdir=${srcdir:-$(dirname "$0")/..}
. "$srcdir/tests/net/netns.sh"
. "$srcdir/tests/tls/certs.sh"
. "$srcdir/programs/prog_test.sh"
proxy=${builddir:-.}/programs/sfproxy

"$proxy" --help | grep -q -- '--tls-cert FILE' ||
  { echo "FAIL: sfproxy --help has no TLS options"; exit 1; }
prog_usage_fails "$proxy" "go together" --listen 443 --upstream 198.18.0.1:80 \
  --tls-cert c.pem
prog_usage_fails "$proxy" "a TLS server needs --tls-cert" --listen 443 \
  --upstream 198.18.0.1:80 --tls
prog_usage_fails "$proxy" "is for a TLS client" --listen 443 --upstream 198.18.0.1:80 \
  --tls-cert c --tls-key k --tls-insecure

command -v openssl >/dev/null 2>&1 || sf_netns_skip "openssl not found"
command -v curl >/dev/null 2>&1 || sf_netns_skip "curl not found"
sf_netns_begin sfproxytls "$proxy"
T=$SF_TMP
sf_tls_certs "$T" || { echo "FAIL: certificates"; exit 1; }
kip=$SF_KERNEL_IP
sip=$SF_SYNFIN_IP
t0=$(date +%s)

# proxy UPSTREAM-PORT: sfproxy on 8443 in the background ($ppid).
proxy() {
  out=$T/proxy-$1.out err=$T/proxy-$1.err
  sf_netns_s timeout 60 "$proxy" --device "$SF_IF_S" --address "$sip/24" \
    --msl-ms 2000 --listen 8443 --upstream "$kip:$1" --trace \
    --tls-cert "$T/server.pem" --tls-key "$T/server.key" >"$out" 2>"$err" &
  ppid=$!
  sf_netns_wait_for "$out" '^ready' 100 || { sf_netns_bad "sfproxy not ready"; cat "$err"; }
}
proxy_pid() { sed -n 's/^ready: .*, pid \([0-9]*\)$/\1/p' "$out"; }

# ------------------------------------------- 1. curl through the proxy
mkdir "$T/www"
head -c 3000000 /dev/urandom >"$T/www/big"
(cd "$T/www" && sf_netns_k timeout 60 python3 -m http.server --bind "$kip" \
  8000 >"$T/http.out" 2>&1) &
hpid=$!
prog_klistening 8000 || sf_netns_bad "http.server not listening"
proxy 8000
for n in 1 2; do
  sf_netns_k timeout 20 curl -sS --cacert "$T/ca.pem" \
    --resolve "server.test:8443:$sip" -o "$T/curl$n" \
    https://server.test:8443/big 2>"$T/curl$n.err" ||
    { sf_netns_bad "1. curl $n failed"; cat "$T/curl$n.err"; }
  cmp -s "$T/www/big" "$T/curl$n" ||
    sf_netns_bad "1. curl $n: $(wc -c <"$T/curl$n") bytes, not the 3000000 served"
done

# ------------------------------------------- 3. a refused certificate
sf_netns_k timeout 20 curl -sS --resolve "server.test:8443:$sip" \
  https://server.test:8443/big -o /dev/null 2>"$T/curl3.err"
[ $? = 60 ] || { sf_netns_bad "3. curl without the CA: not refused"; cat "$T/curl3.err"; }

# ------------------------------------------- 4. the table, the drain
sleep 1
kill -USR1 "$(proxy_pid)"
sleep 0.5
prog_table_states <"$err" >"$T/table"
cat "$T/table"
grep -vqE ' (TIME-WAIT|LISTEN)$' "$T/table" &&
  sf_netns_bad "4. records other than TIME-WAIT left in the table"
grep -q 'TIME-WAIT' "$T/table" || sf_netns_bad "4. no table printed"
kill -TERM "$(proxy_pid)"
wait $ppid || sf_netns_bad "4. sfproxy exit status $?"
tail -1 "$out"
[ "$(sf_netns_field relayed "$out")" = 2 ] || sf_netns_bad "1+3. not 2 relayed"
[ "$(sf_netns_field tls_failed "$out")" = 1 ] || sf_netns_bad "3. tls_failed is not 1"
[ "$(sf_netns_field bytes_down "$out")" -gt 6000000 ] 2>/dev/null ||
  sf_netns_bad "1. bytes_down"
grep -q 'open=0$' "$out" || sf_netns_bad "4. connections left open at exit"
grep -q 'TLS handshake: ' "$err" || sf_netns_bad "3. no handshake failure traced"
kill "$hpid" 2>/dev/null

# ------------------------------------------- 2. close_notify to an echo
sf_netns_k timeout 30 python3 "$srcdir/programs/sfproxy_peer.py" server 9000 \
  echo >"$T/echo.out" 2>&1 &
epid=$!
sf_netns_wait_for "$T/echo.out" '^ready' 100 || sf_netns_bad "2. echo not ready"
proxy 9000
head -c 2000000 /dev/urandom >"$T/e2m"
sf_netns_k timeout 20 python3 "$srcdir/programs/tls_peer.py" client "$sip" \
  8443 "$T/ca.pem" server.test "$T/e2m" >"$T/2.k" 2>"$T/2.kerr"
[ $? = 0 ] || { sf_netns_bad "2. TLS client"; cat "$T/2.kerr"; }
cmp -s "$T/e2m" "$T/2.k" ||
  sf_netns_bad "2. echo: $(wc -c <"$T/2.k") bytes back, not 2000000"
grep -q "end close_notify" "$T/2.kerr" ||
  { sf_netns_bad "2. the echo did not end with close_notify"; cat "$T/2.kerr"; }
kill -TERM "$(proxy_pid)"
wait $ppid || sf_netns_bad "2. sfproxy exit status $?"
grep -q 'client->upstream eof .*upstream->client eof' "$err" ||
  { sf_netns_bad "2. the relay did not end by EOF both ways"; grep relay "$err"; }
pypid=$(sed -n 's/^ready pid \([0-9]*\)$/\1/p' "$T/echo.out")
[ -n "$pypid" ] && kill "$pypid" 2>/dev/null
wait $epid 2>/dev/null

echo "total: $(($(date +%s) - t0)) s"
sf_netns_end "sfproxy --tls-cert"
