/*
 * TCP's counters, one per drop reason and per notable event, like
 * `netstat -s`. X(name, description); the stack lists them together
 * with the IP layer's (lib/stack/counters.c).
 */
#ifndef SF_TCP_COUNTERS_H
#define SF_TCP_COUNTERS_H

#include <stdint.h>

#define SF_TCP_COUNTERS(X)                                                    \
  X(tcp_in_segs, "segments received")                                         \
  X(tcp_in_bad_header, "segments dropped: malformed header")                  \
  X(tcp_in_bad_checksum, "segments dropped: bad checksum")                    \
  X(tcp_in_bad_option, "segments dropped: malformed option")                  \
  X(tcp_in_bad_flags, "segments dropped: impossible flags (SYN+FIN...)")      \
  X(tcp_in_no_port, "segments to a closed port (answered with RST)")          \
  X(tcp_in_not_acceptable, "segments dropped: outside the receive window")    \
  X(tcp_in_paws_rejected, "segments dropped: PAWS (old timestamp)")           \
  X(tcp_in_ack_too_new, "segments dropped: ACK for data never sent")          \
  X(tcp_in_ack_too_old, "segments dropped: ACK far below SND.UNA (RFC 5961)") \
  X(tcp_in_no_ack, "segments dropped: no ACK bit")                            \
  X(tcp_in_data_after_close, "segments whose data came after the FIN")        \
  X(tcp_in_ooo_segs, "segments received out of order")                        \
  X(tcp_in_ooo_dropped, "out-of-order segments dropped: reassembly full")     \
  X(tcp_in_nomem_dropped, "segments dropped: no memory to store their data")  \
  X(tcp_mem_refused, "buffer allocations refused: mem_max reached")         \
  X(tcp_mem_pressure_conns, "connections given smaller buffers (pressure)") \
  X(tcp_in_dup_segs, "segments wholly duplicate")                             \
  X(tcp_in_urgent, "segments with the urgent flag (data kept inline)")        \
  X(tcp_in_rst, "resets received and accepted")                               \
  X(tcp_in_rst_ignored, "resets ignored (out of window, TIME-WAIT)")          \
  X(tcp_in_listener_bad_ack, "bad handshake ACKs to a listener (RST sent)")   \
  X(tcp_out_segs, "segments sent")                                            \
  X(tcp_out_rst, "resets sent")                                               \
  X(tcp_out_acks_delayed, "delayed ACKs sent alone (timer or end of turn)")  \
  X(tcp_out_dsacks, "D-SACK blocks sent for duplicate data (RFC 2883)")       \
  X(tcp_out_window_updates, "window updates sent alone after a read")         \
  X(tcp_out_dropped, "segments the IP layer could not send")                  \
  X(tcp_retrans_segs, "segments retransmitted")                               \
  X(tcp_rto_expired, "retransmission timeouts")                               \
  X(tcp_fast_retrans, "fast retransmits")                                     \
  X(tcp_tlp_probes, "tail loss probes sent (RFC 8985)")                      \
  X(tcp_tlp_repaired, "tail loss probes that repaired a loss")               \
  X(tcp_rack_lost, "segments RACK found lost (RFC 8985)")                     \
  X(tcp_recovery_partial_acks, "partial ACKs in NewReno recovery")           \
  X(tcp_sack_blocks_dropped, "SACK blocks ignored: scoreboard full")       \
  X(tcp_spurious_recoveries, "fast retransmits undone as spurious (Eifel)")   \
  X(tcp_syn_retrans, "SYN and SYN-ACK retransmissions")                       \
  X(tcp_persist_probes, "zero-window probes")                                 \
  X(tcp_keepalive_probes, "keepalive probes")                                 \
  X(tcp_challenge_acks, "challenge ACKs sent (RFC 5961)")                     \
  X(tcp_challenge_acks_limited, "challenge ACKs suppressed by the limit")     \
  X(tcp_active_opens, "connections opened (connect)")                         \
  X(tcp_passive_opens, "connections opened (accepted SYNs)")                  \
  X(tcp_established, "connections that reached ESTABLISHED")                  \
  X(tcp_syn_verdict_reset, "SYNs refused with RST by on_syn")                 \
  X(tcp_syn_verdict_drop, "SYNs dropped by on_syn")                           \
  X(tcp_syn_queue_overflow, "SYNs dropped: SYN queue full, no cookies")       \
  X(tcp_accept_queue_overflow, "handshakes dropped: accept queue full")       \
  X(tcp_syncookies_sent, "SYN cookies sent")                                  \
  X(tcp_syncookies_ok, "SYN cookies validated")                               \
  X(tcp_syncookies_failed, "ACKs with an invalid SYN cookie")                 \
  X(tcp_synack_timeouts, "half-open connections that timed out")              \
  X(tcp_conn_refused, "connections refused (RST to our SYN)")                 \
  X(tcp_conn_reset, "connections reset by the peer")                          \
  X(tcp_conn_timeouts, "connections ended by a timeout")                      \
  X(tcp_conn_unreachable, "connections ended: host unreachable")              \
  X(tcp_conn_aborted, "connections aborted (RST sent by us)")                 \
  X(tcp_orphan_persist_aborts, "orphans reset: zero-window probes spent")   \
  X(tcp_orphans_reset, "orphans reset: too many (max_orphans)")              \
  X(tcp_fin_wait2_timeouts, "orphaned FIN-WAIT-2 connections timed out")      \
  X(tcp_timewait_entered, "connections that entered TIME-WAIT")               \
  X(tcp_timewait_recycled, "TIME-WAIT records recycled (limit reached)")      \
  X(tcp_timewait_reused, "TIME-WAIT 4-tuples reused by a new SYN (RFC 6191)") \
  X(tcp_timewait_fin_reacked, "retransmitted FINs re-ACKed in TIME-WAIT")     \
  X(tcp_icmp_soft_errors, "ICMP errors kept as soft errors")                  \
  X(tcp_icmp_ignored, "ICMP errors ignored (no connection, bad sequence)")    \
  X(tcp_pmtu_updates, "MSS lowered by ICMP fragmentation-needed")             \
  X(tcp_ephemeral_exhausted, "connects failed: no free ephemeral port")   \
  X(tcp_illegal_transitions, "state changes RFC 9293 does not allow (bugs)") \
  X(tcp_timers_armed, "connection timers armed or moved")                    \
  X(tcp_timers_stopped, "connection timers stopped before they fired")

struct sf_tcp_counters {
#define SF_TCP_COUNTER_FIELD(name, desc) uint64_t name;
  SF_TCP_COUNTERS(SF_TCP_COUNTER_FIELD)
#undef SF_TCP_COUNTER_FIELD
};

#endif /* SF_TCP_COUNTERS_H */
