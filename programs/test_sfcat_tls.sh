#!/bin/sh
# sfcat --tls against real TLS peers in the kernel, in a private test
# network (tests/net/netns.sh), with certificates made by `openssl req`
# (tests/tls/certs.sh: a test CA and server.test):
#   0. (no root) bad TLS arguments exit 2 with their reason;
#   1. sfcat --tls connects to `openssl s_server`, sends 3 MB and
#      half-closes: s_server gets every byte (SHA-256), sfcat exits 0 at
#      s_server's close_notify;
#   2. `openssl s_client` (verifying sfcat's certificate and name) sends
#      3 MB to `sfcat -l --tls`: all of it on sfcat's stdout; the ALPN
#      protocol agreed is sfcat's that s_client offers;
#   3. half-close through TLS, ours first: sfcat's 64 KiB and
#      close_notify reach the peer (tls_peer.py), which only then sends
#      1 MB: sfcat gets it all and exits 0;
#   4. half-close, theirs first: the peer sends 1 MB and close_notify;
#      sfcat's stdin still sends 1 MB after that, all of it arrives;
#   5. truncation: the peer's FIN without close_notify: exit 7 and
#      "without close_notify" on stderr;
#   6. verification: a wrong --tls-name exits 6 with "hostname mismatch",
#      a missing CA file exits 1 naming the file; --tls-insecure connects
#      with the wrong name, and says it does not verify; a plain TCP
#      server's FIN during the handshake exits 6.
# Needs root for 1-6 (else exit 77). Every process runs under `timeout`.
# Takes about 10 s.

srcdir=${srcdir:-$(dirname "$0")/..}
. "$srcdir/tests/net/netns.sh"
. "$srcdir/tests/tls/certs.sh"
. "$srcdir/programs/prog_test.sh"
sfcat=${builddir:-.}/programs/sfcat
peer="python3 $srcdir/programs/tls_peer.py"

"$sfcat" --help | grep -q -- '--tls-cert FILE' ||
  { echo "FAIL: sfcat --help has no TLS options"; exit 1; }
prog_usage_fails "$sfcat" "a TLS server needs --tls-cert" -l --tls 4433
prog_usage_fails "$sfcat" "go together" --tls-cert x.pem 198.18.0.1 4433
prog_usage_fails "$sfcat" "is for a TLS client" -l --tls-cert a --tls-key b \
  --tls-name n 4433
prog_usage_fails "$sfcat" "--tls-ca needs a value" --tls-ca

command -v openssl >/dev/null 2>&1 || sf_netns_skip "openssl not found"
sf_netns_begin sfcattls "$sfcat"
T=$SF_TMP
PORT=4433
sf_tls_certs "$T" || { echo "FAIL: certificates"; exit 1; }
kip=$SF_KERNEL_IP
sip=$SF_SYNFIN_IP

# sfc SECS ARGS...: sfcat on the synfin end, bounded by SECS.
sfc() {
  secs=$1
  shift
  sf_netns_s timeout "$secs" "$sfcat" --device "$SF_IF_S" \
    --address "$sip/24" "$@"
}

# peer_read WHAT ERR FILE: the peer's report says it read FILE exactly,
# ended by close_notify.
peer_read() {
  want="read $(wc -c <"$3") sha256 $(sha256sum <"$3" | cut -d' ' -f1) end close_notify"
  grep -q "^$want$" "$2" || { sf_netns_bad "$1: peer did not read it all"; cat "$2"; }
}

# tpeer MODE FILE: the kernel's TLS peer, in the background ($tpid).
tpeer() {
  rm -f "$T/peer.out"
  sf_netns_k timeout 20 $peer server $PORT "$T/server.pem" "$T/server.key" \
    "$1" "$2" >"$T/peer.out" 2>"$T/peer.err" &
  tpid=$!
  sf_netns_wait_for "$T/peer.out" '^ready' 100 || sf_netns_bad "peer $1 not ready"
}

head -c 3000000 /dev/urandom >"$T/a3m"
head -c 1000000 /dev/urandom >"$T/b1m"
head -c 1000000 /dev/urandom >"$T/c1m"
head -c 65536 /dev/urandom >"$T/d64k"
t0=$(date +%s)

# s_server NAME: one connection to `openssl s_server` in the background
# ($kpid), what it receives in $T/NAME.k. Its stdin is a FIFO held open
# read-write: it never ends, so s_server sends nothing; at the client's
# close_notify it answers with its own.
mkfifo "$T/fifo"
s_server() {
  sf_netns_k timeout 20 openssl s_server -quiet -accept $PORT -naccept 1 \
    -cert "$T/server.pem" -key "$T/server.key" 0<>"$T/fifo" \
    >"$T/$1.k" 2>"$T/$1.kerr" &
  kpid=$!
  prog_klistening $PORT || sf_netns_bad "$1: s_server not listening"
}

# ------------------------------------------- 1. sfcat --tls to s_server
s_server 1
sfc 20 --tls --tls-ca "$T/ca.pem" --tls-name server.test "$kip" $PORT \
  <"$T/a3m" >"$T/1.s" 2>"$T/1.serr"
prog_status "1. sfcat --tls to s_server" 0 $?
wait $kpid
prog_same "1. s_server got" "$T/a3m" "$T/1.k"
prog_expect "1. sfcat's peer line" "$T/1.serr" \
  "connected to $kip:$PORT \\(TLSv1.3 .*peer .*CN ?= ?server.test"
[ -s "$T/1.s" ] && sf_netns_bad "1. sfcat printed what s_server never sent"

# ------------------------------------------- 2. s_client to sfcat -l --tls
# sfcat's stdin ends once its stdout holds the 3 MB, so its close_notify
# cannot cut s_client's sending short.
(
  i=0
  while [ "$(wc -c <"$T/2.s" 2>/dev/null || echo 0)" -lt 3000000 ] &&
    [ $i -lt 200 ]; do
    sleep 0.1
    i=$((i + 1))
  done
) | sfc 30 -l --tls-cert "$T/server.pem" --tls-key "$T/server.key" \
  --tls-alpn echo,other $PORT >"$T/2.s" 2>"$T/2.serr" &
spid=$!
sf_netns_wait_for "$T/2.serr" "listening on" 100 || sf_netns_bad "2. sfcat -l did not start"
sf_netns_k timeout 20 openssl s_client -quiet -connect "$sip:$PORT" \
  -servername server.test -CAfile "$T/ca.pem" -verify_return_error \
  -verify_hostname server.test -alpn other <"$T/a3m" >"$T/2.k" 2>"$T/2.kerr"
prog_status "2. s_client" 0 $?
wait $spid
prog_status "2. sfcat -l --tls" 0 $?
prog_same "2. sfcat -l got" "$T/a3m" "$T/2.s"
prog_expect "2. sfcat's peer line" "$T/2.serr" "connection from $kip:[0-9]+ \\(TLSv1.3 .*ALPN other"

# ------------------------------------------- 3. half-close, ours first
tpeer last "$T/b1m"
sfc 20 --tls --tls-ca "$T/ca.pem" --tls-name server.test --trace "$kip" \
  $PORT <"$T/d64k" >"$T/3.s" 2>"$T/3.serr"
prog_status "3. ours first" 0 $?
wait $tpid
peer_read "3. ours first" "$T/peer.err" "$T/d64k"
prog_same "3. after our close_notify, sfcat got" "$T/b1m" "$T/3.s"
prog_expect "3. our FIN went first" "$T/3.serr" "ESTABLISHED -> FIN-WAIT-1"

# ------------------------------------------- 4. half-close, theirs first
tpeer first "$T/b1m"
(sleep 1 && cat "$T/c1m") |
  sfc 20 --tls --tls-ca "$T/ca.pem" --tls-name server.test "$kip" $PORT \
    >"$T/4.s" 2>"$T/4.serr"
prog_status "4. theirs first" 0 $?
wait $tpid
prog_same "4. sfcat got" "$T/b1m" "$T/4.s"
peer_read "4. after its close_notify, the peer got" "$T/peer.err" "$T/c1m"

# ------------------------------------------- 5. truncation
tpeer truncate "$T/d64k"
sfc 20 --tls --tls-ca "$T/ca.pem" --tls-name server.test "$kip" $PORT \
  </dev/null >"$T/5.s" 2>"$T/5.serr"
prog_status "5. truncated" 7 $?
wait $tpid
prog_expect "5. truncation" "$T/5.serr" "without close_notify"
prog_same "5. before the truncation, sfcat got" "$T/d64k" "$T/5.s"

# ------------------------------------------- 6. verification failures
s_server 6
sfc 20 --tls --tls-ca "$T/ca.pem" --tls-name other.test "$kip" $PORT \
  </dev/null >"$T/6.s" 2>"$T/6.serr"
prog_status "6. wrong name" 6 $?
wait $kpid
prog_expect "6. wrong name" "$T/6.serr" "TLS handshake: .*hostname mismatch"
sfc 20 --tls --tls-ca "$T/nowhere.pem" "$kip" $PORT </dev/null \
  >/dev/null 2>"$T/6b.serr"
prog_status "6. missing CA file" 1 $?
s_server 6c
sfc 20 --tls-insecure --tls-name other.test "$kip" $PORT <"$T/d64k" \
  >/dev/null 2>"$T/6c.serr"
prog_status "6. --tls-insecure" 0 $?
wait $kpid
prog_same "6. --tls-insecure: s_server got" "$T/d64k" "$T/6c.k"
prog_expect "6. --tls-insecure warns" "$T/6c.serr" "WARNING: TLS client context without"
# A plain TCP server that ends its side at once: a failed handshake (6),
# not a truncation, since no data came.
if command -v nc >/dev/null 2>&1; then
  sf_netns_k timeout 20 nc -l -N $PORT </dev/null >/dev/null 2>&1 &
  kpid=$!
  prog_klistening $PORT || sf_netns_bad "6. nc not listening"
  sfc 20 --tls --tls-ca "$T/ca.pem" "$kip" $PORT </dev/null >/dev/null \
    2>"$T/6d.serr"
  prog_status "6. FIN during the handshake" 6 $?
  wait $kpid
  prog_expect "6. FIN during the handshake" "$T/6d.serr" "TLS handshake: .*during the handshake"
fi
prog_expect "6. missing CA file" "$T/6b.serr" "nowhere.pem"

echo "total: $(($(date +%s) - t0)) s"
sf_netns_end "sfcat --tls"
