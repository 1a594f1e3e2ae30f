#!/bin/sh
# sfproxy under impairment, at its limit, and in the close shapes that
# failed in the field, against kernel clients and a kernel upstream (the
# test network of programs/test_sfproxy.sh; helpers in
# programs/sfproxy_test_lib.sh). Three sfproxy runs:
#   faults      FAULT_MB each way, byte-exact, while synfin's own link
#               (--fault-loss 1 --fault-reorder 2 --fault-duplicate 0.5)
#               loses 1%, reorders 2% and duplicates 0.5% of the frames
#               it sends and receives (veth offloads off: one segment a
#               frame), and the kernel drops 0.5% of its frames (iptables
#               statistic); at exit sfproxy must report frames lost both
#               ways and segments received out of order (duplicates have
#               no count of their own to check)
#   max-conns   --max-conns 3: three connections held open, a fourth is
#               reset, and once the three close a new one is relayed
#   shapes      SHAPES_N connections of each field failure not covered
#               elsewhere, each checked end to end:
#               (b) FINs asked for with data still in flight: 20000 bytes
#                   (more than an initial window) and the FIN at once,
#                   echoed and the FIN at once;
#               (c) the proxy's side in FIN-WAIT-2: the upstream closes
#                   first, the client reads that EOF and only then sends
#                   100 bytes and its FIN;
#               (d) the answer and the FIN come back while the client's
#                   20000 bytes are still arriving: the client must get
#                   the answer and a clean end (no reset), the upstream
#                   every byte;
#               after each, the connection table holds nothing but
#               TIME-WAIT records and the listener.
# (a) and (e) have their own runs in programs/test_sfproxy.sh. Every run
# ends with SIGTERM: sfproxy drains and exits 0 with nothing open.
# Needs root (else exit 77); every process runs under `timeout`.
# SF_PROXY_FAULT_MB (default 100: 17 s here on a quiet machine, the
# whole script about 35 s) and SF_PROXY_SHAPES_N (default 2000) scale
# the loads. When the bulk under faults fails, the log shows sfproxy's
# SIGUSR1 report at that moment (its table, both sides of the relay
# with their windows and queues, its counters and faults) and the
# kernel's sockets; with SF_NET_PCAP_DIR set, synfin's frames are
# recorded there.
srcdir=${srcdir:-$(dirname "$0")/..}
. "$srcdir/tests/net/netns.sh"
sf_netns_require
FAULT_MB=${SF_PROXY_FAULT_MB:-100}
SHAPES_N=${SF_PROXY_SHAPES_N:-2000}
sf_netns_begin sfproxy-shapes "${builddir:-.}/programs/sfproxy"
. "$srcdir/programs/sfproxy_test_lib.sh"

phase "faults: $FAULT_MB MB each way, synfin's link losing and reordering"
# Offloads off: the kernel sends MTU-sized frames, not 64 KiB GSO ones,
# so each fault hits one segment.
sf_netns_offloads off || sf_netns_bad "ethtool: offloads off"
# shellcheck disable=SC2046
proxy_start faults --fault-loss 1 --fault-reorder 2 --fault-duplicate 0.5 \
  --fault-seed $$ \
  $(sf_netns_pcap_arg sfproxy-faults)
upstream echo
sf_netns_loss 0.5 || sf_netns_bad "iptables loss"
if client 120 bulk $((FAULT_MB * 1000000)); then
  sf_netns_k iptables -w -F OUTPUT
  sf_netns_offloads on
  proxy_drain
  grep '^sfproxy: faults:' "$err" | tail -1 >"$SF_TMP/faults"
  cat "$SF_TMP/faults"
  for f in lost_tx lost_rx tcp_in_ooo_segs; do
    [ "$(sf_netns_field $f "$SF_TMP/faults")" -gt 0 ] 2>/dev/null ||
      sf_netns_bad "sfproxy's faults: no $f"
  done
else
  # what each side of the stuck relay waits for, before it goes
  sf_netns_bad "bulk under faults (--fault-seed $$)"
  proxy_post_mortem "faults"
  sf_netns_k iptables -w -F OUTPUT
  sf_netns_offloads on
fi

phase "--max-conns 3: the fourth connection is reset"
proxy_start limit --max-conns 3
upstream hold
client 30 limit 3 || sf_netns_bad "--max-conns"
proxy_drain
[ "$(sf_netns_field refused "$out")" -ge 1 ] 2>/dev/null ||
  sf_netns_bad "sfproxy counted no refused connection"

phase "(b) $SHAPES_N FINs asked for with data in flight, both ways"
proxy_start shapes
upstream echo
client 60 many "$SHAPES_N" 100 20000 >"$SF_TMP/b.out" ||
  { sf_netns_bad "(b) FIN behind data in flight"; cat "$SF_TMP/b.out"; }
table_only_time_wait "(b)"
phase "(c) $SHAPES_N closes through FIN-WAIT-2"
upstream first
client 60 many-late "$SHAPES_N" 100 >"$SF_TMP/c.out" ||
  { sf_netns_bad "(c) FIN-WAIT-2"; cat "$SF_TMP/c.out"; }
upstream_count '^first: read 100 after our FIN' "$SHAPES_N" ||
  sf_netns_bad "(c) an upstream did not get its 100 bytes"
table_only_time_wait "(c)"
phase "(d) $SHAPES_N answers and FINs while the client still sends"
upstream first
client 60 many-bye "$SHAPES_N" 100 20000 >"$SF_TMP/d.out" ||
  { sf_netns_bad "(d) answer lost behind unread data"; cat "$SF_TMP/d.out"; }
upstream_count '^first: read 20000 after our FIN' "$SHAPES_N" ||
  sf_netns_bad "(d) an upstream did not get its 20000 bytes"
table_only_time_wait "(d)"
cat "$SF_TMP/b.out" "$SF_TMP/c.out" "$SF_TMP/d.out"
proxy_drain
upstream_stop
echo "total: $(($(date +%s) - t0)) s"
sf_netns_end "sfproxy shapes"
