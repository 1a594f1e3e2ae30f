#!/bin/sh
# sfcat against the Linux kernel's TCP, in a private test network
# (tests/net/netns.sh: the kernel at $SF_KERNEL_IP on vk, sfcat owning
# $SF_SYNFIN_IP on vs through AF_PACKET), with real kernel peers:
#   1. sfcat connects to `nc -l -N`, 2 MB each way at once: both sides get
#      every byte (SHA-256), both exit 0 (sfcat's FIN waits for nc's data:
#      nc -l quits sending at the peer's FIN);
#   2. `nc -N` connects to `sfcat -l`, the same, with sfcat's stdout a
#      pipe that is read only after 1 s (back-pressure);
#   3. half-close, ours first: sfcat's stdin ends, it sends FIN
#      (ESTABLISHED -> FIN-WAIT-1 in --trace) and still receives the 1 MB
#      the kernel sends only after seeing that FIN; --pcap recorded it;
#   4. half-close, theirs first: nc -N sends a little and FIN; sfcat -l
#      sends 1 MB after it (CLOSE-WAIT -> LAST-ACK), all of it arrives;
#   5. exit statuses: 3 refused (a closed kernel port), 4 reset (a kernel
#      socket closed with SO_LINGER 0), 5 timeout (--connect-timeout to an
#      address behind a gateway that drops everything, and -l with no
#      client; --idle-timeout);
#   6. signals: SIGUSR1 prints the connection table (the connection,
#      ESTAB, on stderr) and the counters (tcp_established=1); SIGTERM
#      drains: sfcat half-closes, receives what
#      the kernel sends after that and exits 0; SIGTERM to sfcat -l
#      before any connection exits 0 at once, while connecting 1;
#   7. the README's example runs and prints what the README says.
# Needs root (else exit 77). Every process is bounded in time (timeout, or
# sfcat's own --idle-timeout); the namespaces go at exit, also on failure.
# Takes about 15 s.

srcdir=${srcdir:-$(dirname "$0")/..}
. "$srcdir/tests/net/netns.sh"
. "$srcdir/programs/prog_test.sh"
sfcat=${builddir:-.}/programs/sfcat
command -v nc >/dev/null 2>&1 || sf_netns_skip "nc (netcat-openbsd) not found"
sf_netns_begin sfcat "$sfcat"
T=$SF_TMP
PORT=7777

# sfc SECS ARGS...: sfcat on the synfin end, bounded by SECS.
sfc() {
  secs=$1
  shift
  # shellcheck disable=SC2046
  sf_netns_s timeout "$secs" "$sfcat" --device "$SF_IF_S" \
    --address "$SF_SYNFIN_IP/24" $(sf_netns_pcap_arg "sfcat-$$") "$@"
}

# sha FILE: its SHA-256.
sha() { sha256sum <"$1" | cut -d' ' -f1; }

head -c 2000000 /dev/urandom >"$T/a2m"
head -c 2000000 /dev/urandom >"$T/b2m"
head -c 1000000 /dev/urandom >"$T/c1m"
head -c 65536 /dev/urandom >"$T/d64k"

# ------------------------------------------- 1. sfcat connects to nc -l
# Debian's nc stops sending in listen mode once the peer's FIN arrives
# (it quits at the network's end), so sfcat's stdin ends, and its FIN
# goes, only after nc's 2 MB are on sfcat's stdout: otherwise a loaded
# machine, where sfcat sends faster than nc, cuts nc's data short.
sf_netns_k timeout 20 nc -l -N "$PORT" <"$T/a2m" >"$T/1.k" 2>"$T/1.kerr" &
kpid=$!
prog_klistening "$PORT" || sf_netns_bad "1. nc -l not listening"
{ cat "$T/b2m"; prog_wait_size "$T/1.s" 2000000 150; } |
  sfc 20 "$SF_KERNEL_IP" "$PORT" >"$T/1.s" 2>"$T/1.err"
prog_status "1. connect" 0 $?
wait $kpid
prog_status "1. nc -l" 0 $?
prog_same "1. kernel -> sfcat" "$T/a2m" "$T/1.s"
prog_same "1. sfcat -> kernel" "$T/b2m" "$T/1.k"
prog_expect "1. connect" "$T/1.err" "^sfcat: connected to $SF_KERNEL_IP:$PORT$"

# ------------------------------------------- 2. nc connects to sfcat -l
# sfcat's stdout is a pipe read only after 1 s: it fills, and sfcat must
# hold the kernel back until its reader catches up.
mkfifo "$T/slow"
( sleep 1; cat ) <"$T/slow" >"$T/2.s" &
rpid=$!
sfc 20 -l "$PORT" <"$T/b2m" >"$T/slow" 2>"$T/2.err" &
spid=$!
sf_netns_wait_for "$T/2.err" 'listening on' 50 || sf_netns_bad "2. sfcat -l not listening"
sf_netns_k timeout 20 nc -N "$SF_SYNFIN_IP" "$PORT" <"$T/a2m" >"$T/2.k"
prog_status "2. nc -N" 0 $?
wait $spid
prog_status "2. sfcat -l" 0 $?
wait $rpid
prog_same "2. kernel -> sfcat" "$T/a2m" "$T/2.s"
prog_same "2. sfcat -> kernel" "$T/b2m" "$T/2.k"
prog_expect "2. listen" "$T/2.err" "^sfcat: listening on $SF_SYNFIN_IP:$PORT$"
prog_expect "2. listen" "$T/2.err" "^sfcat: connection from $SF_KERNEL_IP:[0-9]+$"

# --------------------------- 3. our FIN first; data flows back after it
sf_netns_ktcp 20 half-close-server "$SF_KERNEL_IP" "$PORT" 1000000 >"$T/3.k" 2>&1 &
kpid=$!
sf_netns_wait_for "$T/3.k" '^ready' 50 || sf_netns_bad "3. kernel server not ready"
sfc 20 --trace --pcap "$T/3.pcap" "$SF_KERNEL_IP" "$PORT" <"$T/d64k" >"$T/3.s" 2>"$T/3.err"
prog_status "3. sfcat" 0 $?
# --pcap recorded the connection: both FINs (tcpdump, where installed)
if command -v tcpdump >/dev/null 2>&1; then
  fins=$(tcpdump -nn -r "$T/3.pcap" 'tcp[tcpflags] & tcp-fin != 0' 2>/dev/null | wc -l)
  [ "$fins" -ge 2 ] || sf_netns_bad "3. --pcap: $fins FIN segments recorded, not 2"
else
  [ "$(wc -c <"$T/3.pcap")" -gt 1000 ] || sf_netns_bad "3. --pcap: nothing recorded"
fi
wait $kpid
[ "$(sf_netns_sha received "$T/3.k")" = "$(sha "$T/d64k")" ] ||
  { sf_netns_bad "3. the kernel did not get sfcat's stdin"; cat "$T/3.k"; }
[ "$(sf_netns_sha sent "$T/3.k")" = "$(sha "$T/3.s")" ] ||
  sf_netns_bad "3. sfcat's stdout is not what the kernel sent after our FIN"
prog_expect "3. our FIN first" "$T/3.err" 'ESTABLISHED -> FIN-WAIT-1$'
prog_expect "3. our FIN first" "$T/3.err" 'FIN-WAIT-2 -> TIME-WAIT$'

# ------------------------ 4. their FIN first; data flows after it
( sleep 1; cat "$T/c1m" ) | sfc 20 -l --trace "$PORT" >"$T/4.s" 2>"$T/4.err" &
sf_netns_wait_for "$T/4.err" 'listening on' 50 || sf_netns_bad "4. sfcat -l not listening"
sf_netns_k timeout 20 nc -N "$SF_SYNFIN_IP" "$PORT" <"$T/d64k" >"$T/4.k"
prog_status "4. nc -N" 0 $?
wait $!
prog_status "4. sfcat -l" 0 $?
prog_same "4. kernel -> sfcat" "$T/d64k" "$T/4.s"
prog_same "4. sfcat -> kernel, after the kernel's FIN" "$T/c1m" "$T/4.k"
prog_expect "4. their FIN first" "$T/4.err" 'ESTABLISHED -> CLOSE-WAIT$'
prog_expect "4. their FIN first" "$T/4.err" 'CLOSE-WAIT -> LAST-ACK$'

[ $sf_netns_fail = 0 ] && echo "data both ways and half-close: ok"

# ----------------------------------------------------- 5. exit statuses
# refused: nothing listens on the kernel's port 9
sfc 10 "$SF_KERNEL_IP" 9 </dev/null >"$T/5r.s" 2>"$T/5r.err"
prog_status "5. refused" 3 $?
prog_expect "5. refused" "$T/5r.err" '^sfcat: connecting: .*refused'

# reset: the kernel accepts, reads a little, closes with SO_LINGER 0
cat >"$T/rst.py" <<'EOF'
import socket, struct, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
print("ready", flush=True)
c, _ = s.accept()
c.recv(10)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
c.close()
EOF
sf_netns_k timeout 20 python3 "$T/rst.py" "$SF_KERNEL_IP" "$PORT" >"$T/5x.k" 2>&1 &
kpid=$!
sf_netns_wait_for "$T/5x.k" '^ready' 50 || sf_netns_bad "5. reset server not ready"
# stdin never ends: only the reset can end sfcat (or its idle timeout)
# (-q: the error is still printed, "connected to" is not)
sfc 20 -q --idle-timeout 10 "$SF_KERNEL_IP" "$PORT" </dev/zero >"$T/5x.s" 2>"$T/5x.err"
prog_status "5. reset" 4 $?
wait $kpid
prog_expect "5. reset" "$T/5x.err" '^sfcat: .*: .*reset'
grep -q 'connected to' "$T/5x.err" && sf_netns_bad "5. -q: sfcat said 'connected to'"

# timeout connecting: through the kernel as gateway to an address it
# does not route (it forwards nothing, and says nothing)
t0=$(date +%s)
sfc 20 --gateway "$SF_KERNEL_IP" --connect-timeout 2 198.19.255.1 "$PORT" \
  </dev/null >"$T/5t.s" 2>"$T/5t.err"
prog_status "5. connect timeout" 5 $?
t=$(($(date +%s) - t0))
[ $t -ge 1 ] && [ $t -le 8 ] || sf_netns_bad "5. connect timeout took $t s, not about 2"
prog_expect "5. connect timeout" "$T/5t.err" '^sfcat: no connection after 2 s$'

# -l with --connect-timeout: nobody comes
sfc 20 -l --connect-timeout 1 "$PORT" </dev/null >"$T/5l.s" 2>"$T/5l.err"
prog_status "5. -l connect timeout" 5 $?
prog_expect "5. -l connect timeout" "$T/5l.err" '^sfcat: no connection after 1 s$'

# idle timeout: connected, nothing to send (stdin held open), the
# kernel silent
mkfifo "$T/fifo"
exec 3<>"$T/fifo"
sf_netns_ktcp 20 half-close-server "$SF_KERNEL_IP" "$PORT" 10 >"$T/5i.k" 2>&1 &
kpid=$!
sf_netns_wait_for "$T/5i.k" '^ready' 50 || sf_netns_bad "5. kernel server not ready"
t0=$(date +%s)
sfc 20 --idle-timeout 1 "$SF_KERNEL_IP" "$PORT" <"$T/fifo" >"$T/5i.s" 2>"$T/5i.err"
prog_status "5. idle timeout" 5 $?
t=$(($(date +%s) - t0))
[ $t -le 6 ] || sf_netns_bad "5. idle timeout took $t s, not about 1"
prog_expect "5. idle timeout" "$T/5i.err" '^sfcat: idle for 1 s: closing$'
wait $kpid
exec 3>&-

[ $sf_netns_fail = 0 ] && echo "exit statuses: ok"

# ----------------------------------------------------------- 6. signals
# sfcat connected, its stdin held open; SIGUSR1 then SIGTERM. Started
# with `ip netns exec` directly so that $! is sfcat itself; its
# --idle-timeout bounds it.
exec 3<>"$T/fifo"
sf_netns_ktcp 20 half-close-server "$SF_KERNEL_IP" "$PORT" 300000 >"$T/6.k" 2>&1 &
kpid=$!
sf_netns_wait_for "$T/6.k" '^ready' 50 || sf_netns_bad "6. kernel server not ready"
ip netns exec "$SF_NS_S" "$sfcat" --device "$SF_IF_S" --address "$SF_SYNFIN_IP/24" \
  --idle-timeout 15 "$SF_KERNEL_IP" "$PORT" <"$T/fifo" >"$T/6.s" 2>"$T/6.err" &
spid=$!
sf_netns_wait_for "$T/6.err" '^sfcat: connected' 50 || sf_netns_bad "6. sfcat not connected"
kill -USR1 $spid
sf_netns_wait_for "$T/6.err" "^ESTAB .*$SF_SYNFIN_IP:[0-9]+ +$SF_KERNEL_IP:$PORT" 30 ||
  { sf_netns_bad "6. SIGUSR1: no ESTAB line in the table"; cat "$T/6.err"; }
sf_netns_wait_for "$T/6.err" '^sfcat: counters .*tcp_established=1' 30 ||
  { sf_netns_bad "6. SIGUSR1: no counters line"; cat "$T/6.err"; }
t0=$(date +%s)
kill -TERM $spid
wait $spid
prog_status "6. SIGTERM drain" 0 $?
t=$(($(date +%s) - t0))
[ $t -le 8 ] || sf_netns_bad "6. the drain took $t s"
exec 3>&-
wait $kpid
[ "$(sf_netns_sha sent "$T/6.k")" = "$(sha "$T/6.s")" ] ||
  sf_netns_bad "6. sfcat's stdout is not what the kernel sent after the drain's FIN"
grep -q '^received 0 sha256' "$T/6.k" || sf_netns_bad "6. the kernel got bytes from nowhere"

# SIGTERM to sfcat -l waiting for a connection: exits 0 at once
ip netns exec "$SF_NS_S" "$sfcat" --device "$SF_IF_S" --address "$SF_SYNFIN_IP/24" \
  --connect-timeout 15 -l "$PORT" </dev/null >"$T/6l.s" 2>"$T/6l.err" &
spid=$!
sf_netns_wait_for "$T/6l.err" 'listening on' 50 || sf_netns_bad "6. sfcat -l not listening"
kill -TERM $spid
wait $spid
prog_status "6. SIGTERM to sfcat -l" 0 $?

# SIGTERM while connecting (to the black hole of 5.): status 1, at once
ip netns exec "$SF_NS_S" "$sfcat" --device "$SF_IF_S" --address "$SF_SYNFIN_IP/24" \
  --gateway "$SF_KERNEL_IP" --connect-timeout 15 --trace 198.19.255.1 "$PORT" \
  </dev/null >"$T/6c.s" 2>"$T/6c.err" &
spid=$!
sf_netns_wait_for "$T/6c.err" 'CLOSED -> SYN-SENT$' 50 || sf_netns_bad "6. sfcat not connecting"
t0=$(date +%s)
kill -TERM $spid
wait $spid
prog_status "6. SIGTERM while connecting" 1 $?
[ $(($(date +%s) - t0)) -le 6 ] || sf_netns_bad "6. SIGTERM while connecting: not at once"
prog_expect "6. SIGTERM while connecting" "$T/6c.err" '^sfcat: interrupted while connecting$'

# ------------------------------------------------ 7. the README's example
# The first sh block of the README's sfcat section, run as written (its
# namespaces renamed to this run's), prints the lines the README shows
# after it (in any order: nc prints from the background).
readme=$srcdir/README.md
sect='/^## sfcat: netcat on synfin$/ { in_s = 1; next } /^## / { in_s = 0 }'
awk "$sect"' in_s && /^```sh$/ && !n { on = 1; n = 1; next }
     on && /^```$/ { exit } on' "$readme" |
  sed "s/synfin-cat-\([ks]\)/synfin-catrd-\1-$$/g" >"$T/readme.sh"
awk "$sect"' in_s && /^It prints/ { after = 1; next }
     after && /^```$/ { if (on) exit; on = 1; next } after && on' "$readme" |
  sort >"$T/readme.want"
if [ -s "$T/readme.sh" ] && [ -s "$T/readme.want" ]; then
  mkdir -p "$T/readme/build/programs"
  ln -s "$(cd "$(dirname "$sfcat")" && pwd)/sfcat" "$T/readme/build/programs/sfcat"
  (cd "$T/readme" && timeout 30 sh "$T/readme.sh") >"$T/readme.out" 2>&1
  rc=$?
  for ns in k s; do ip netns del "synfin-catrd-$ns-$$" 2>/dev/null; done
  sort "$T/readme.out" >"$T/readme.got"
  cmp -s "$T/readme.want" "$T/readme.got" ||
    { sf_netns_bad "7. the README's example (status $rc) prints otherwise:"; diff "$T/readme.want" "$T/readme.got"; }
else
  sf_netns_bad "7. no example (sh block, then 'It prints') in the README's sfcat section"
fi

sf_netns_end "sfcat against the kernel's nc and TCP"
