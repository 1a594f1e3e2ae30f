/*
 * pcap capture (pcap.h).
 *
 * Map: the writer (sf__pcap_open/write/flush/close) keeps the file
 * descriptor, a buffer that always holds whole records, and the first
 * error met. The tee (sf__link_pcap_tee) is an sf_link that forwards to
 * the wrapped link and records what crosses it.
 *
 * Format (the libpcap file format, nanosecond variant): a 24-byte global
 * header {magic, version 2.4, thiszone 0, sigfigs 0, snaplen, linktype},
 * then per frame a 16-byte record header {ts_sec, ts_nsec, incl_len,
 * orig_len} and incl_len bytes of frame. All fields little-endian here.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "link/pcap.h"

/* Holds the largest record (16 + 65535 bytes) whole. */
#define PCAP_BUF_SIZE (128u * 1024u)

struct sf_pcap_writer {
  int fd;
  int err; /* first error, sticky */
  size_t used;
  uint8_t *buf;
};

static void put16le(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static void put32le(uint8_t *p, uint32_t v) {
  put16le(p, (uint16_t)v);
  put16le(p + 2, (uint16_t)(v >> 16));
}

static int write_all(int fd, const uint8_t *p, size_t n) {
  while (n) {
    ssize_t r = write(fd, p, n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return sf_translate_sys_error(errno);
    if (r == 0)
      return SF_EIO;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

int sf__pcap_flush(struct sf_pcap_writer *w) {
  if (!w)
    return SF_EINVAL;
  if (w->err)
    return w->err;
  w->err = write_all(w->fd, w->buf, w->used);
  w->used = 0;
  return w->err;
}

int sf__pcap_error(const struct sf_pcap_writer *w) {
  return w ? w->err : SF_EINVAL;
}

int sf__pcap_open(const char *path, struct sf_pcap_writer **out) {
  if (!out)
    return SF_EINVAL;
  *out = NULL;
  if (!path)
    return SF_EINVAL;
  struct sf_pcap_writer *w = calloc(1, sizeof(*w));
  if (!w || !(w->buf = malloc(PCAP_BUF_SIZE))) {
    free(w);
    return SF_ENOMEM;
  }
  w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (w->fd < 0) {
    int err = sf_translate_sys_error(errno);
    free(w->buf);
    free(w);
    return err;
  }
  uint8_t *h = w->buf;
  put32le(h, SF_PCAP_MAGIC_NSEC);
  put16le(h + 4, 2); /* version 2.4 */
  put16le(h + 6, 4);
  put32le(h + 8, 0);  /* thiszone: timestamps are UTC */
  put32le(h + 12, 0); /* sigfigs: always 0 */
  put32le(h + 16, SF_PCAP_SNAPLEN);
  put32le(h + 20, SF_PCAP_LINKTYPE_ETHERNET);
  w->used = SF_PCAP_HEADER_LEN;
  *out = w;
  return 0;
}

int sf__pcap_write(struct sf_pcap_writer *w, sf_time_t ts,
                   const uint8_t *frame, size_t len) {
  if (!w || (len && !frame))
    return SF_EINVAL;
  if (w->err)
    return w->err;
  size_t incl = len < SF_PCAP_SNAPLEN ? len : SF_PCAP_SNAPLEN;
  if (w->used + SF_PCAP_RECORD_HEADER_LEN + incl > PCAP_BUF_SIZE &&
      sf__pcap_flush(w))
    return w->err;
  uint8_t *r = w->buf + w->used;
  put32le(r, (uint32_t)(ts / SF_NSEC_PER_SEC));
  put32le(r + 4, (uint32_t)(ts % SF_NSEC_PER_SEC));
  put32le(r + 8, (uint32_t)incl);
  put32le(r + 12, len > UINT32_MAX ? UINT32_MAX : (uint32_t)len);
  if (incl)
    memcpy(r + SF_PCAP_RECORD_HEADER_LEN, frame, incl);
  w->used += SF_PCAP_RECORD_HEADER_LEN + incl;
  return 0;
}

int sf__pcap_close(struct sf_pcap_writer *w) {
  if (!w)
    return 0;
  int err = sf__pcap_flush(w);
  if (close(w->fd) < 0 && !err)
    err = sf_translate_sys_error(errno);
  free(w->buf);
  free(w);
  return err;
}

/* ------------------------------------------------------------------ tee */

struct pcap_tee {
  struct sf_link link; /* first, so a struct sf_link * converts back */
  struct sf_link *inner;
  struct sf_pcap_writer *w;
};

static struct pcap_tee *to_tee(struct sf_link *link) {
  return (struct pcap_tee *)link;
}

static int tee_send(struct sf_link *link, const struct sf_frame *frames,
                    size_t n, sf_time_t now) {
  struct pcap_tee *t = to_tee(link);
  int r = sf__link_send(t->inner, frames, n, now);
  for (int i = 0; i < r; i++) {
    (void)sf__pcap_write(t->w, now, frames[i].data, frames[i].len);
    link->stats.tx_frames++;
    link->stats.tx_bytes += frames[i].len;
  }
  return r;
}

static int tee_recv(struct sf_link *link, struct sf_frame *frames, size_t n,
                    sf_time_t now) {
  struct pcap_tee *t = to_tee(link);
  int r = sf__link_recv(t->inner, frames, n, now);
  for (int i = 0; i < r; i++) {
    (void)sf__pcap_write(t->w, now, frames[i].data, frames[i].len);
    link->stats.rx_frames++;
    link->stats.rx_bytes += frames[i].len;
  }
  return r;
}

static sf_time_t tee_next_deadline(struct sf_link *link) {
  return sf__link_next_deadline(to_tee(link)->inner);
}

static int tee_poll(struct sf_link *link, sf_time_t now) {
  return sf__link_poll(to_tee(link)->inner, now);
}

static int tee_fd(struct sf_link *link) {
  return sf__link_fd(to_tee(link)->inner);
}

static unsigned tee_mtu(struct sf_link *link) {
  return sf__link_mtu(to_tee(link)->inner);
}

static void tee_hwaddr(struct sf_link *link, uint8_t mac[6]) {
  sf__link_hwaddr(to_tee(link)->inner, mac);
}

static void tee_close(struct sf_link *link) {
  struct pcap_tee *t = to_tee(link);
  sf__link_close(t->inner);
  (void)sf__pcap_close(t->w);
  free(t);
}

static const struct sf_link_ops tee_ops = {
    .send = tee_send,
    .recv = tee_recv,
    .next_deadline = tee_next_deadline,
    .poll = tee_poll,
    .fd = tee_fd,
    .mtu = tee_mtu,
    .hwaddr = tee_hwaddr,
    .close = tee_close,
};

int sf__link_pcap_tee(struct sf_link *inner, struct sf_pcap_writer *w,
                      struct sf_link **out) {
  if (!out)
    return SF_EINVAL;
  *out = NULL;
  if (!inner || !w)
    return SF_EINVAL;
  struct pcap_tee *t = calloc(1, sizeof(*t));
  if (!t)
    return SF_ENOMEM;
  t->link.ops = &tee_ops;
  t->link.kind = "pcap";
  t->inner = inner;
  t->link.max_rx_frame = inner->max_rx_frame; /* frames pass unchanged */
  t->link.tx_offload = inner->tx_offload;
  t->w = w;
  *out = &t->link;
  return 0;
}
