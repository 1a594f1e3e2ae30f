# Network namespace topology for tests that need a real kernel peer.
# Source it (". tests/net/netns.sh"); it is not a program.
#
# It never touches the root namespace's interfaces: both ends of the veth
# pair live in namespaces it creates, and sf_netns_teardown (run by an
# EXIT trap, also on failure) deletes them, which deletes the pair.
#
#   kernel side: namespace $SF_NS_K, interface $SF_IF_K = "vk",
#                address $SF_KERNEL_IP/24 (198.18.X.1), up
#   synfin side: namespace $SF_NS_S, interface $SF_IF_S = "vs",
#                no address, up; synfin answers for $SF_SYNFIN_IP (X.2)
#
# X is derived from the PID so parallel runs differ (they could share X
# safely anyway: the namespaces keep them apart).
#
# Functions:
#   sf_netns_require           exit 77 (skip) unless root with `ip netns`
#   sf_netns_setup TAG         build the topology, set the variables
#   sf_netns_k CMD...          run CMD in the kernel namespace
#   sf_netns_s CMD...          run CMD in the synfin namespace
#   sf_netns_offloads on|off   checksum/TSO/GSO/GRO on both veth ends
#   sf_netns_mtu N             MTU of both ends
#   sf_netns_loss PERCENT      random loss of the kernel's outgoing packets
#   sf_netns_teardown          delete both namespaces (idempotent)
#
# For the link tests that run a responder against kernel traffic:
#   sf_netns_begin TAG CHECK   require, check that CHECK is built, set up
#                              the topology, make $SF_TMP (removed at exit)
#   sf_netns_bad MSG           note a failure (sf_netns_end exits 1)
#   sf_netns_field NAME FILE   the value of NAME=... in a counters line
#   sf_netns_wait_ready FILE N wait up to N * 0.1 s for "ready" in FILE
#   sf_netns_traffic NAME      from the kernel side: ping -c 3 and 1 MB over
#                              TCP to port 7 of $SF_SYNFIN_IP
#   sf_netns_expect_common NAME FILE  echo replies >= 3, all 1 MB, no own
#                              frames, no checksum failures, no truncation
#   sf_netns_end WHAT          print PASS: WHAT unless failed; exit status

sf_netns_skip() {
  echo "SKIP: $*" >&2
  exit 77
}

sf_netns_require() {
  [ "$(id -u)" = 0 ] || sf_netns_skip "network namespace tests need root"
  command -v ip >/dev/null 2>&1 || sf_netns_skip "iproute2 'ip' not found"
  ip netns list >/dev/null 2>&1 || sf_netns_skip "'ip netns' unavailable"
}

sf_netns_teardown() {
  [ -n "${SF_RST_DUMP_PID:-}" ] && kill "$SF_RST_DUMP_PID" 2>/dev/null
  [ -n "${SF_RST_PCAP:-}" ] && rm -f "$SF_RST_PCAP" "$SF_RST_PCAP.err"
  SF_RST_DUMP_PID= SF_RST_PCAP=
  [ -n "${SF_NS_K:-}" ] && ip netns del "$SF_NS_K" 2>/dev/null
  [ -n "${SF_NS_S:-}" ] && ip netns del "$SF_NS_S" 2>/dev/null
  [ -n "${SF_TMP:-}" ] && rm -rf "$SF_TMP"
  SF_NS_K= SF_NS_S= SF_TMP=
  return 0
}

sf_netns_k() { ip netns exec "$SF_NS_K" "$@"; }
sf_netns_s() { ip netns exec "$SF_NS_S" "$@"; }

sf_netns_setup() {
  tag=${1:-test}
  sf_netns_require
  SF_NS_K=synfin-$tag-k-$$
  SF_NS_S=synfin-$tag-s-$$
  SF_IF_K=vk
  SF_IF_S=vs
  sf_netns_x=$(($$ % 250 + 1))
  SF_KERNEL_IP=198.18.$sf_netns_x.1
  SF_SYNFIN_IP=198.18.$sf_netns_x.2
  trap 'sf_netns_teardown' EXIT
  trap 'exit 130' INT TERM
  ip netns add "$SF_NS_K" || sf_netns_skip "cannot create a namespace"
  ip netns add "$SF_NS_S" || sf_netns_skip "cannot create a namespace"
  # Created inside the kernel namespace, the synfin end then moved: the
  # pair never appears in the root namespace.
  ip -n "$SF_NS_K" link add "$SF_IF_K" type veth peer name "$SF_IF_S" || return 1
  ip -n "$SF_NS_K" link set "$SF_IF_S" netns "$SF_NS_S" || return 1
  for ns in "$SF_NS_K" "$SF_NS_S"; do
    # No IPv6 chatter (router solicitations, DAD) on the wire under test.
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null
    ip -n "$ns" link set lo up
  done
  ip -n "$SF_NS_K" addr add "$SF_KERNEL_IP/24" dev "$SF_IF_K" || return 1
  ip -n "$SF_NS_K" link set "$SF_IF_K" up || return 1
  ip -n "$SF_NS_S" link set "$SF_IF_S" up || return 1
  SF_SYNFIN_MAC=$(ip -n "$SF_NS_S" -o link show "$SF_IF_S" |
    sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
  export SF_NS_K SF_NS_S SF_IF_K SF_IF_S SF_KERNEL_IP SF_SYNFIN_IP SF_SYNFIN_MAC
}

sf_netns_offloads() {
  command -v ethtool >/dev/null 2>&1 || { echo "no ethtool" >&2; return 1; }
  for side in "$SF_NS_K:$SF_IF_K" "$SF_NS_S:$SF_IF_S"; do
    ip netns exec "${side%%:*}" ethtool -K "${side#*:}" tx "$1" sg "$1" \
      tso "$1" gso "$1" gro "$1" >/dev/null 2>&1 || return 1
  done
}

sf_netns_mtu() {
  ip -n "$SF_NS_K" link set "$SF_IF_K" mtu "$1" &&
    ip -n "$SF_NS_S" link set "$SF_IF_S" mtu "$1"
}

sf_netns_loss() {
  command -v iptables >/dev/null 2>&1 || { echo "no iptables" >&2; return 1; }
  prob=$(awk "BEGIN { printf \"%.4f\", $1 / 100 }")
  sf_netns_k iptables -w -A OUTPUT -o "$SF_IF_K" -m statistic --mode random \
    --probability "$prob" -j DROP
}

sf_netns_fail=0

sf_netns_begin() {
  sf_netns_require
  [ -x "$2" ] || { echo "FAIL: $2 not built"; exit 1; }
  command -v python3 >/dev/null 2>&1 || sf_netns_skip "python3 not found"
  sf_netns_setup "$1" || { echo "FAIL: topology"; exit 1; }
  SF_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sf-$1.XXXXXX") || exit 1
}

sf_netns_bad() {
  echo "FAIL: $*"
  sf_netns_fail=1
}

sf_netns_field() {
  sed -n "s/.* $1=\([0-9]*\).*/\1/p; s/^$1=\([0-9]*\).*/\1/p" "$2" | head -1
}

sf_netns_wait_ready() {
  sf_netns_i=0
  while [ $sf_netns_i -lt "$2" ]; do
    grep -q ready "$1" 2>/dev/null && return 0
    sleep 0.1
    sf_netns_i=$((sf_netns_i + 1))
  done
  return 0
}

sf_netns_traffic() {
  if ! sf_netns_k timeout 10 ping -c 3 -i 0.2 -W 2 "$SF_SYNFIN_IP" \
    >"$SF_TMP/$1.ping" 2>&1; then
    sf_netns_bad "$1: ping through synfin's replies"
    cat "$SF_TMP/$1.ping"
  fi
  sf_netns_k timeout 10 python3 -c "
import socket
s = socket.create_connection(('$SF_SYNFIN_IP', 7), timeout=5)
s.sendall(b'x' * 1000000)
s.shutdown(socket.SHUT_WR)
s.settimeout(5)
s.recv(1)
" >"$SF_TMP/$1.py" 2>&1 || { sf_netns_bad "$1: kernel TCP send"; cat "$SF_TMP/$1.py"; }
}

sf_netns_expect_common() {
  [ "$(sf_netns_field echo_replies "$2")" -ge 3 ] 2>/dev/null || sf_netns_bad "$1: echo replies"
  [ "$(sf_netns_field tcp_bytes "$2")" = 1000000 ] || sf_netns_bad "$1: tcp bytes"
  [ "$(sf_netns_field own "$2")" = 0 ] || sf_netns_bad "$1: own frames received back"
  [ "$(sf_netns_field bad_csum "$2")" = 0 ] || sf_netns_bad "$1: checksum failures"
  [ "$(sf_netns_field rx_truncated "$2")" = 0 ] || sf_netns_bad "$1: truncated frames"
}

sf_netns_end() {
  [ $sf_netns_fail = 0 ] && echo "PASS: $*"
  exit $sf_netns_fail
}

# ---- Added for the kernel TCP tests (tests/net/test_kernel_*.sh) ----
#   sf_netns_wait_for FILE RE N  wait up to N * 0.1 s for a line matching
#                              the extended regex RE; 1 on timeout
#   sf_netns_peer SECS PCAP ARGS...  sf_peer ($peer) on the synfin end
#   sf_netns_pcap_arg NAME     prints "--pcap DIR/NAME.pcap" when
#                              SF_NET_PCAP_DIR is set, else nothing
#   sf_netns_rst_watch         count TCP RSTs in and out of the kernel's
#                              veth end (iptables rules jumping to an
#                              empty chain, so no verdict changes)
#   sf_netns_rst_count [in|out] RSTs counted so far (sent by synfin, by
#                              the kernel, or both)
#   sf_netns_rst_check WHAT FILE...  no connection reset: synfin sent no
#                              RST; the kernel's answered TIME-WAIT re-ACKs
#   sf_netns_ktcp SECS ARGS    run the kernel-side python3 peer (below) in
#                              the kernel namespace, bounded by SECS
#   sf_netns_sha LINE FILE     the sha256 of the first "LINE n sha256 H"

# sf_netns_peer SECS PCAP ARGS...: $peer (tests/net/sf_peer) in the synfin
# namespace on the veth end, owning $SF_SYNFIN_IP, killed after SECS (its
# own deadline is 15 s earlier), with a pcap named PCAP under
# SF_NET_PCAP_DIR; ARGS are its options, then its mode.
sf_netns_peer() {
  secs=$1 pcap=$2
  shift 2
  # shellcheck disable=SC2046
  sf_netns_s timeout "$secs" "$peer" --device "$SF_IF_S" \
    --address "$SF_SYNFIN_IP/24" --deadline $((secs - 15)) \
    $(sf_netns_pcap_arg "$pcap") "$@"
}

sf_netns_wait_for() {
  sf_netns_i=0
  while [ $sf_netns_i -lt "$3" ]; do
    grep -Eq "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
    sf_netns_i=$((sf_netns_i + 1))
  done
  return 1
}

sf_netns_pcap_arg() {
  [ -n "${SF_NET_PCAP_DIR:-}" ] || return 0
  mkdir -p "$SF_NET_PCAP_DIR" && echo "--pcap $SF_NET_PCAP_DIR/$1.pcap"
}

# RSTs on the veth, counted by iptables in the kernel namespace: those
# arriving at the kernel (sent by synfin) and those the kernel sends.
sf_netns_rst_watch() {
  # and the RSTs themselves, to show what they answered if one is wrong
  if command -v tcpdump >/dev/null 2>&1; then
    SF_RST_PCAP=$(mktemp "${TMPDIR:-/tmp}/sf-rst.XXXXXX")
    # not through sf_netns_k: $! must be the process that becomes tcpdump
    ip netns exec "$SF_NS_K" tcpdump -i "$SF_IF_K" -U --immediate-mode \
      -s 128 -w "$SF_RST_PCAP" 'tcp[tcpflags] & tcp-rst != 0' \
      >/dev/null 2>"$SF_RST_PCAP.err" &
    SF_RST_DUMP_PID=$!
    sf_netns_wait_for "$SF_RST_PCAP.err" 'listening on' 30 || true
  fi
  sf_netns_k iptables -w -N sf_rst_in || return 1
  sf_netns_k iptables -w -N sf_rst_out || return 1
  sf_netns_k iptables -w -I INPUT -i "$SF_IF_K" -p tcp \
    --tcp-flags RST RST -j sf_rst_in || return 1
  sf_netns_k iptables -w -I OUTPUT -o "$SF_IF_K" -p tcp \
    --tcp-flags RST RST -j sf_rst_out
}

# sf_netns_rst_count [in|out]: RSTs synfin sent (in), the kernel sent
# (out), or both (no argument).
sf_netns_rst_count() {
  sf_netns_k iptables -w -L -v -x -n |
    awk -v want="${1:-}" '$3 ~ /^sf_rst_(in|out)$/ &&
      (want == "" || $3 == "sf_rst_" want) { n += $1 } END { print n + 0 }'
}

# SF_RST_KERNEL_OK=REASON: other kernel RSTs are reported with REASON and
# the packets, not failed (for a test that checks each connection itself).
# sf_netns_rst_check WHAT FILE...: no connection was reset. synfin sent no
# RST, and every RST the kernel sent answered a TIME-WAIT re-ACK of a
# retransmitted FIN (counted tcp_timewait_fin_reacked in the sf_peer
# outputs FILE...): when the kernel retransmits its FIN (a tail loss probe
# 5 ms later, if synfin was slow to run) and synfin ACKs both copies, the
# first ACK closes the kernel's socket and the second draws a RST, which
# synfin's TIME-WAIT ignores (RFC 1337). Linux peers do the same.
sf_netns_rst_check() {
  what=$1
  shift
  sent=$(sf_netns_rst_count in)
  got=$(sf_netns_rst_count out)
  reacked=0
  for f in "$@"; do
    n=$(sf_netns_field tcp_timewait_fin_reacked "$f")
    reacked=$((reacked + ${n:-0}))
  done
  # SF_RST_STRAY: synfin's RSTs to segments of closed connections (to a
  # listener or to no port, counted by synfin) are reported, not failed
  stray=0
  if [ -n "${SF_RST_STRAY:-}" ]; then
    for f in "$@"; do
      n=$(sf_netns_field tcp_in_listener_bad_ack "$f")
      m=$(sf_netns_field tcp_in_no_port "$f")
      stray=$((stray + ${n:-0} + ${m:-0}))
    done
  fi
  if [ "$sent" -gt "$stray" ]; then
    sf_netns_bad "$what: synfin sent $sent RST(s)"
    sf_netns_rst_explain
  elif [ "$sent" -gt 0 ]; then
    echo "NOTE: $what: synfin sent $sent RST(s), to segments of connections already closed"
    sf_netns_rst_explain
  fi
  if [ "$got" -gt "$reacked" ] && [ -n "${SF_RST_KERNEL_OK:-}" ]; then
    echo "NOTE: $what: the kernel sent $got RST(s), $reacked explained by" \
      "re-ACKed FINs; $SF_RST_KERNEL_OK"
    sf_netns_rst_explain
  elif [ "$got" -gt "$reacked" ]; then
    sf_netns_bad "$what: the kernel sent $got RST(s), $reacked explained by re-ACKed FINs"
    sf_netns_rst_explain
  elif [ "$got" -gt 0 ]; then
    echo "$what: $got RST(s) from the kernel, each after a TIME-WAIT re-ACK of its retransmitted FIN (benign)"
  fi
}

# What the RSTs were and the kernel's view (listen overflows, SYN cookies,
# aborts), for a failure's log.
sf_netns_rst_explain() {
  if [ -n "${SF_RST_PCAP:-}" ]; then
    sleep 0.2 # tcpdump -U writes each packet, but may still be reading
    echo "--- RSTs on the wire:"
    tcpdump -nn -tt -r "$SF_RST_PCAP" 2>/dev/null | head -20
  fi
  echo "--- the kernel's TCP counters:"
  sf_netns_k nstat -az 2>/dev/null |
    grep -E 'OutRsts|EstabResets|Syncookies|ListenOverflows|ListenDrops|TCPAbort|TCPReqQFull|TCPTimeWaitOverflow' |
    awk '$2 != 0'
}

sf_netns_sha() {
  sed -n "s/^$1 [0-9]* sha256 \([0-9a-f]*\).*/\1/p" "$2" | head -1
}

# The kernel's side of the TCP tests, one python3 program (socket and
# asyncio only). Each mode prints "ready" once listening, then results as
# "sent N sha256 H" / "received N sha256 H" lines, and exits non-zero on
# any unexpected error:
#   echo-server HOST PORT COUNT   echo COUNT connections (backlog 4096);
#                                 close each after the client's EOF
#   half-close-server HOST PORT N read to EOF, then send N bytes, close
#   client HOST PORT N            send N bytes, shutdown(SHUT_WR), read
#                                 to EOF, close
#   refused HOST PORT             connect; prints the errno name
#   many HOST PORT COUNT N        COUNT concurrent clients, each sends N
#                                 bytes, SHUT_WR, checks the echo, closes;
#                                 prints "succeeded K of COUNT"
#   requests HOST PORT COUNT N SECS
#                                 COUNT concurrent clients, each sends N
#                                 bytes (one request), reads their echo,
#                                 then closes, within SECS; prints
#                                 "succeeded K of COUNT"
#   drain-clients HOST PORT COUNT N
#                                 COUNT concurrent clients that send
#                                 nothing and read to EOF: each must get
#                                 sf_peer's pattern, N bytes, then FIN (a
#                                 reset fails it); prints "succeeded K of
#                                 COUNT"
sf_netns_ktcp() {
  secs=$1
  shift
  [ -f "$SF_TMP/ktcp.py" ] || cat >"$SF_TMP/ktcp.py" <<'KPEER_EOF'
import asyncio, errno, hashlib, os, socket, sys

def line(what, n, h):
    print("%s %d sha256 %s" % (what, n, h.hexdigest()), flush=True)

def listener(host, port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(4096)
    print("ready", flush=True)
    return s

def read_all(c, h):
    n = 0
    while True:
        d = c.recv(65536)
        if not d:
            return n
        h.update(d)
        n += len(d)

def send_hashed(c, n, h):
    data = os.urandom(n)
    h.update(data)
    c.sendall(data)

async def echo_server(host, port, count):
    done = 0
    finished = asyncio.Event()
    async def handle(r, w):
        nonlocal done
        try:
            while True:
                d = await r.read(65536)
                if not d:
                    break
                w.write(d)
                await w.drain()
        finally:
            w.close()
            await w.wait_closed()
            done += 1
            if done == count:
                finished.set()
    srv = await asyncio.start_server(handle, host, port, backlog=4096,
                                     reuse_address=True)
    print("ready", flush=True)
    await finished.wait()
    srv.close()
    print("done %d" % done, flush=True)

async def many_one(host, port, n, sem):
    async with sem:
        r, w = await asyncio.open_connection(host, port)
    data = os.urandom(n)
    w.write(data)
    await w.drain()
    w.write_eof()
    got = await r.read()
    w.close()
    await w.wait_closed()
    return got == data

async def many(host, port, count, n):
    # At most 4096 handshakes in flight (the default somaxconn).
    sem = asyncio.Semaphore(4096)
    report(await asyncio.gather(*[many_one(host, port, n, sem)
                                  for _ in range(count)],
                                return_exceptions=True))

def report(res):
    # the first errors, then "succeeded K of COUNT"
    for e in [r for r in res if isinstance(r, BaseException)][:5]:
        print("error %r" % e, flush=True)
    print("succeeded %d of %d" % (sum(1 for r in res if r is True), len(res)),
          flush=True)

async def request_one(host, port, n, secs):
    async def run():
        r, w = await asyncio.open_connection(host, port)
        msg = os.urandom(n)
        w.write(msg)
        got = await r.readexactly(n)
        w.close()
        return got == msg
    return await asyncio.wait_for(run(), secs)

async def requests(host, port, count, n, secs):
    report(await asyncio.gather(*[request_one(host, port, n, secs)
                                  for _ in range(count)],
                                return_exceptions=True))

def sf_pattern(n):
    # tests/net/sf_peer.c's pattern_at(i), byte by byte
    return bytes((((i * 2654435761) >> 13) ^ (i >> 8)) & 255
                 for i in range(n))

async def drain_one(host, port, want, sem):
    async with sem:
        r, w = await asyncio.open_connection(host, port)
    got = await r.read()  # to EOF: the FIN; a reset raises
    w.close()
    return hashlib.sha256(got).digest() == want

async def drain_clients(host, port, count, n):
    want = hashlib.sha256(sf_pattern(n)).digest()
    sem = asyncio.Semaphore(4096)
    report(await asyncio.gather(*[drain_one(host, port, want, sem)
                                  for _ in range(count)],
                                return_exceptions=True))

def main():
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "echo-server":
        asyncio.run(echo_server(host, port, int(sys.argv[4])))
    elif mode == "half-close-server":
        s = listener(host, port)
        c, _ = s.accept()
        rh, sh = hashlib.sha256(), hashlib.sha256()
        n = read_all(c, rh)
        line("received", n, rh)
        send_hashed(c, int(sys.argv[4]), sh)
        line("sent", int(sys.argv[4]), sh)
        c.close()
    elif mode == "client":
        c = socket.create_connection((host, port), timeout=20)
        rh, sh = hashlib.sha256(), hashlib.sha256()
        n = int(sys.argv[4])
        send_hashed(c, n, sh)
        line("sent", n, sh)
        c.shutdown(socket.SHUT_WR)
        line("received", read_all(c, rh), rh)
        c.close()
    elif mode == "many":
        asyncio.run(many(host, port, int(sys.argv[4]), int(sys.argv[5])))
    elif mode == "requests":
        asyncio.run(requests(host, port, int(sys.argv[4]), int(sys.argv[5]),
                             float(sys.argv[6])))
    elif mode == "drain-clients":
        asyncio.run(drain_clients(host, port, int(sys.argv[4]),
                                  int(sys.argv[5])))
    elif mode == "refused":
        try:
            socket.create_connection((host, port), timeout=10)
            print("connected")
        except OSError as e:
            print(errno.errorcode.get(e.errno, str(e)), flush=True)

main()
KPEER_EOF
  sf_netns_k timeout "$secs" python3 "$SF_TMP/ktcp.py" "$@"
}

# ---- bulk transfers (tests/net/test_kernel_bulk.sh, bench/bench_veth.sh)
#
#   sf_netns_readdress LO HI   move both addresses to 198.18.X.1/.2 with X
#                              in LO..HI (picked from the PID): a helper's
#                              own range. Call right after sf_netns_setup.
#   sf_netns_s_kernel_addr add|del  give the synfin end $SF_SYNFIN_IP in the
#                              kernel too (kernel->kernel baselines only;
#                              never while synfin runs there)
#   sf_netns_kpeer FILE        write the kernel-side peer (python3) to FILE:
#     python3 FILE send HOST PORT BYTES SEED [nohash]  connect (retrying for
#         5 s), send BYTES of random.Random(SEED), SHUT_WR, read to EOF
#     python3 FILE recv PORT [nohash]   accept one, read to EOF, close
#     python3 FILE echo PORT            echo one connection, then exit
#     python3 FILE rr HOST PORT COUNT SIZE  ping-pong; prints median RTT
#   send/recv print "ready" when listening and then
#     result bytes=N sha256=HEX elapsed_ms=T mbit_s=R

sf_netns_readdress() {
  sf_netns_x=$(($1 + $$ % ($2 - $1 + 1)))
  ip -n "$SF_NS_K" addr flush dev "$SF_IF_K" || return 1
  SF_KERNEL_IP=198.18.$sf_netns_x.1
  SF_SYNFIN_IP=198.18.$sf_netns_x.2
  ip -n "$SF_NS_K" addr add "$SF_KERNEL_IP/24" dev "$SF_IF_K" || return 1
  export SF_KERNEL_IP SF_SYNFIN_IP
}

# sf_netns_ingress_drop: the kernel's own IPv4 layer stops receiving the
# frames of synfin's device (it routes each, finds no route and drops
# it), as the README advises for a device synfin owns: an nftables
# netdev ingress rule, which runs after the packet sockets have their
# copy. Returns 1 without nft.
sf_netns_ingress_drop() {
  command -v nft >/dev/null 2>&1 || return 1
  printf 'table netdev synfin {\n chain in {\n  type filter hook ingress device "%s" priority 0; policy drop;\n }\n}\n' \
    "$SF_IF_S" | sf_netns_s nft -f -
}

sf_netns_s_kernel_addr() {
  ip -n "$SF_NS_S" addr "$1" "$SF_SYNFIN_IP/24" dev "$SF_IF_S"
}

sf_netns_kpeer() {
  cat >"$1" <<'PYEOF'
import hashlib, random, socket, statistics, sys, time

def result(n, h, t0):
    ms = (time.monotonic() - t0) * 1e3
    print("result bytes=%d sha256=%s elapsed_ms=%.1f mbit_s=%.1f" %
          (n, h.hexdigest() if h else "-", ms, n * 8 / max(ms, 1e-3) / 1e3),
          flush=True)

def drain(s, h):
    buf = bytearray(1 << 20)
    mv = memoryview(buf)
    n = 0
    while True:
        k = s.recv_into(buf)
        if k == 0:
            return n
        if h:
            h.update(mv[:k])
        n += k

def connect(host, port):
    end = time.monotonic() + 5
    while True:
        try:
            return socket.create_connection((host, port), timeout=2)
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.05)

def listener(port):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(8)
    print("ready", flush=True)
    return ls

def send(host, port, total, seed, hashing):
    h = hashlib.sha256() if hashing else None
    rng = random.Random(seed)
    pool = rng.randbytes(1 << 22) if not hashing else None
    s = connect(host, int(port))
    s.settimeout(None)
    t0 = time.monotonic()
    left = total
    while left:
        k = min(left, 1 << 20)
        if hashing:
            chunk = rng.randbytes(k)
            h.update(chunk)
        else:
            off = (total - left) % (3 << 20)
            chunk = memoryview(pool)[off:off + k]
        s.sendall(chunk)
        left -= k
    s.shutdown(socket.SHUT_WR)
    drain(s, None)
    result(total, h, t0)

def recv(port, hashing):
    ls = listener(int(port))
    s, _ = ls.accept()
    t0 = time.monotonic()
    h = hashlib.sha256() if hashing else None
    n = drain(s, h)
    result(n, h, t0)
    s.close()

def echo(port):
    ls = listener(int(port))
    s, _ = ls.accept()
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while True:
        d = s.recv(65536)
        if not d:
            break
        s.sendall(d)
    s.close()

def rr(host, port, count, size):
    s = connect(host, int(port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    msg = b"q" * int(size)
    rtts = []
    for _ in range(int(count)):
        t0 = time.perf_counter()
        s.sendall(msg)
        got = 0
        while got < len(msg):
            d = s.recv(65536)
            if not d:
                sys.exit("rr: early EOF")
            got += len(d)
        rtts.append((time.perf_counter() - t0) * 1e6)
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
    print("rr count=%d median_us=%.1f p90_us=%.1f" %
          (len(rtts), statistics.median(rtts),
           sorted(rtts)[int(len(rtts) * 0.9)]), flush=True)

m, a = sys.argv[1], sys.argv[2:]
if m == "send":
    send(a[0], a[1], int(a[2]), int(a[3]), len(a) < 5)
elif m == "recv":
    recv(a[0], len(a) < 2)
elif m == "echo":
    echo(a[0])
elif m == "rr":
    rr(*a)
else:
    sys.exit("kpeer: unknown mode")
PYEOF
}
