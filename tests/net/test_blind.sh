#!/bin/sh
# Blind injection at rate (RFC 5961) on the wire: a kernel client
# (python3, from a fixed port) sends 2 MB to synfin's echo server
# (tests/net/sf_peer) over veth and reads the echo, for about 3 s, while a
# raw-socket attacker in the kernel namespace sends, for 2 s and at most
# 200,000 segments, into the connection's 4-tuple: RSTs, SYNs, data and
# bare ACKs, all with random sequence and acknowledgment numbers. The
# attacker is blind: it never reads the connection (so its ACKs of data
# never sent fall outside the window: those that do not are in the
# engine's tests, tests/tcp/test_hostile and test_established).
# Asserts: the echo comes back byte-exact (SHA-256); synfin took no RST
# and reset nothing; its challenge ACKs stayed within the limit (1,000 a
# second) with the rest counted as limited; what was dropped is counted
# (tcp_in_not_acceptable). About 10 s.
# Needs root (else exit 77).

srcdir=${srcdir:-$(dirname "$0")/../..}
. "$srcdir/tests/net/netns.sh"
sf_netns_require
peer=${builddir:-.}/tests/net/sf_peer
sf_netns_begin blind "$peer"
sf_netns_readdress 30 39 || { echo "FAIL: readdress"; exit 1; }
CPORT=40007

cat >"$SF_TMP/blind.py" <<'PYEOF'
import hashlib, os, random, socket, struct, sys, threading, time

def client(host, port, cport, total):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", cport))
    s.settimeout(20)
    s.connect((host, port))
    print("connected", flush=True)
    data = os.urandom(total)
    got = []
    def reader():
        while True:
            d = s.recv(65536)
            if not d:
                return
            got.append(d)
    t = threading.Thread(target=reader)
    t.start()
    for off in range(0, total, 4096):  # slowly: about 3 s in all
        s.sendall(data[off:off + 4096])
        time.sleep(0.006)
    s.shutdown(socket.SHUT_WR)
    t.join()
    echo = b"".join(got)
    print("sent %d sha256 %s" % (total, hashlib.sha256(data).hexdigest()))
    print("received %d sha256 %s" % (len(echo), hashlib.sha256(echo).hexdigest()),
          flush=True)

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff

def segment(src, dst, sport, dport, seq, ack, flags, payload):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags,
                      65535, 0, 0) + payload
    pseudo = struct.pack("!4s4sBBH", src, dst, 0, 6, len(tcp))
    c = csum(pseudo + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, 64, 6,
                     0, src, dst)
    return ip + tcp

def attack(src, dst, sport, dport, secs, limit):
    r = random.Random(5961)
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    junk = bytes(r.getrandbits(8) for _ in range(512))
    RST, SYN, PSHACK, ACK = 0x04, 0x02, 0x18, 0x10
    kinds = [RST, SYN, PSHACK, ACK]
    sent = [0, 0, 0, 0]
    end = time.monotonic() + secs
    n = 0
    while n < limit and time.monotonic() < end:
        k = n % 4
        seq, ack = r.getrandbits(32), r.getrandbits(32)
        pay = junk[:1 + r.getrandbits(9)] if kinds[k] == PSHACK else b""
        raw.sendto(segment(s, d, sport, dport, seq, ack, kinds[k], pay),
                   (dst, 0))
        sent[k] += 1
        n += 1
    print("attack rst=%d syn=%d data=%d ack=%d" % tuple(sent), flush=True)

if sys.argv[1] == "client":
    client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
else:
    attack(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]),
           float(sys.argv[6]), int(sys.argv[7]))
PYEOF

s=$SF_TMP/synfin.out
sf_netns_peer 45 blind --quiet echo-server 7 --count 1 >"$s" 2>&1 &
spid=$!
sf_netns_wait_for "$s" '^ready' 300 || sf_netns_bad "synfin server not ready"
c=$SF_TMP/client.out
sf_netns_k timeout 30 python3 "$SF_TMP/blind.py" client "$SF_SYNFIN_IP" 7 \
  $CPORT 2000000 >"$c" 2>&1 &
cpid=$!
sf_netns_wait_for "$c" '^connected' 100 || sf_netns_bad "client did not connect"
a=$SF_TMP/attack.out
sf_netns_k timeout 10 python3 "$SF_TMP/blind.py" attack "$SF_KERNEL_IP" \
  "$SF_SYNFIN_IP" $CPORT 7 2 200000 >"$a" 2>&1 ||
  { sf_netns_bad "attacker failed"; cat "$a"; }
wait "$cpid" || { sf_netns_bad "client failed"; cat "$c"; }
wait "$spid" || sf_netns_bad "sf_peer exited non-zero"

cat "$a"
sent=$(sed -n 's/^sent [0-9]* sha256 \([0-9a-f]*\)/\1/p' "$c")
got=$(sed -n 's/^received 2000000 sha256 \([0-9a-f]*\)/\1/p' "$c")
[ -n "$sent" ] && [ "$sent" = "$got" ] ||
  { sf_netns_bad "the echo is not byte-exact"; cat "$c"; }
f() { sf_netns_field "$1" "$s"; }
echo "synfin: challenge_acks=$(f tcp_challenge_acks)" \
  "limited=$(f tcp_challenge_acks_limited)" \
  "not_acceptable=$(f tcp_in_not_acceptable)" \
  "in_rst=$(f tcp_in_rst)" \
  "conn_reset=$(f tcp_conn_reset)"
# the attack's 2 s touch at most 3 seconds of the budget, 4 if synfin
# lags behind the wire
[ "$(f tcp_challenge_acks)" -le 4000 ] 2>/dev/null ||
  sf_netns_bad "challenge ACKs past the limit"
[ "$(f tcp_challenge_acks_limited)" -gt 0 ] 2>/dev/null ||
  sf_netns_bad "no challenge ACK limited: the attack was not at rate"
[ "$(f tcp_in_not_acceptable)" -gt 0 ] 2>/dev/null ||
  sf_netns_bad "no out-of-window segment counted"
[ "$(f tcp_in_rst)" = 0 ] || sf_netns_bad "synfin accepted a RST"
[ "$(f tcp_conn_reset)" = 0 ] || sf_netns_bad "a connection was reset"
grep -q '^exit ok' "$s" || sf_netns_bad "sf_peer failed"
sf_netns_end "blind injection at rate (RFC 5961)"
