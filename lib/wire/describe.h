/*
 * One readable line per Ethernet frame, in the manner of `tcpdump -n -e`:
 * the trace format of the demo, the engine's debug trace and failing tests.
 */
#ifndef SF_WIRE_DESCRIBE_H
#define SF_WIRE_DESCRIBE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Describes the len-byte frame into out (cap bytes, always NUL-terminated
 * when cap > 0) and returns out. Examples:
 *   "02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, ARP, Request who-has
 *    198.18.0.2 tell 198.18.0.1"
 *   "198.18.0.1 > 198.18.0.2: ICMP echo request, id 7, seq 1, length 56"
 *   "198.18.0.1.40000 > 198.18.0.2.80: Flags [S], seq 1000, win 65535,
 *    options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0"
 * A frame any parser rejects is described as "malformed <layer>: <reason>"
 * (for instance "malformed tcp: BAD_CHECKSUM"): never an error.
 *
 * Every line starts as the first example does: "<src mac> > <dst mac>, "
 * then "vlan <id>, " if tagged, then "ARP, ", "IPv4, " (followed by the
 * IPv4 forms above), "IPv6, length <n>" or "ethertype 0x<type>, length
 * <n>". The "malformed" text ends the line after the layers that parsed:
 * "<macs>, IPv4, 198.18.0.1 > 198.18.0.2: malformed tcp: BAD_CHECKSUM";
 * a frame too short for Ethernet is just "malformed eth: TRUNCATED".
 * Other IP protocols read "<src> > <dst>: ip-proto-<n>, length <n>";
 * fragments are not parsed past IPv4. TCP matches `tcpdump -n -S`
 * (absolute sequence numbers); checksums are verified, so a segment left
 * with a partial (offload) checksum is reported as BAD_CHECKSUM.
 */
char *sf__frame_describe(const uint8_t *frame, size_t len, char *out,
                         size_t cap);

#endif /* SF_WIRE_DESCRIBE_H */
