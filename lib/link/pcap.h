/*
 * pcap capture: a writer for the classic pcap file format with nanosecond
 * timestamps (magic 0xa1b23c4d, version 2.4, LINKTYPE_ETHERNET, snaplen
 * 65535), which tcpdump and Wireshark open, and link middleware that tees
 * every frame crossing a link into such a file.
 *
 * The file is written little-endian whatever the host (readers learn the
 * byte order from the magic), so the same frames at the same times always
 * give the same bytes. Writes are buffered; sf__pcap_flush or
 * sf__pcap_close put them in the file.
 */
#ifndef SF_LINK_PCAP_H
#define SF_LINK_PCAP_H

#include <stddef.h>
#include <stdint.h>

#include "link/link.h"

#define SF_PCAP_MAGIC_NSEC 0xa1b23c4du
#define SF_PCAP_SNAPLEN 65535u
#define SF_PCAP_LINKTYPE_ETHERNET 1u
#define SF_PCAP_HEADER_LEN 24u
#define SF_PCAP_RECORD_HEADER_LEN 16u

struct sf_pcap_writer;

/*
 * Creates (or truncates) the file at path, mode 0644, and buffers the
 * global header. Returns 0 and stores the writer, or a negative SF_E*
 * code translated from errno (e.g. SF_ENOENT, SF_EACCES) and stores NULL.
 */
int sf__pcap_open(const char *path, struct sf_pcap_writer **out);

/*
 * Appends one record: ts (nanoseconds; seconds and nanoseconds are split
 * from it, the seconds kept modulo 2^32 as the format has 32 bits) and the
 * frame, of which at most SF_PCAP_SNAPLEN bytes are kept (the record's
 * original length says how long it was). The bytes are copied. Returns 0,
 * or the first write error, which sticks: every later call returns it.
 */
int sf__pcap_write(struct sf_pcap_writer *w, sf_time_t ts,
                   const uint8_t *frame, size_t len);

/* Writes out the buffer. Returns 0 or the (sticky) write error. */
int sf__pcap_flush(struct sf_pcap_writer *w);

/* The sticky error: 0 while every write so far succeeded. */
int sf__pcap_error(const struct sf_pcap_writer *w);

/* Flushes, closes the file and frees w (NULL is a no-op). Returns 0 or
 * the first error met by any write, the flush or close. */
int sf__pcap_close(struct sf_pcap_writer *w);

/*
 * Wraps inner (kind "pcap"): every frame that inner takes from send is
 * recorded (as the caller sent it, timestamp now), then every frame recv
 * returns (as returned: truncated frames are recorded truncated, timestamp
 * now). Everything else is forwarded to inner unchanged; the tee's own
 * stats count the frames recorded (tx_frames/tx_bytes, rx_frames/rx_bytes).
 * Write errors do not disturb the traffic; read them with sf__pcap_error
 * before closing.
 *
 * Ownership: on success the tee takes BOTH inner and w: closing the tee
 * closes inner and the writer (whose close error is then lost; flush first
 * to see it). On failure (SF_EINVAL for a NULL argument, SF_ENOMEM) it
 * takes neither and stores NULL.
 */
int sf__link_pcap_tee(struct sf_link *inner, struct sf_pcap_writer *w,
                      struct sf_link **out);

#endif /* SF_LINK_PCAP_H */
