/*
 * Fault-injecting link middleware: wraps any link and, with a seeded
 * generator, loses, corrupts, duplicates, delays, reorders and rate-limits
 * the frames crossing it, in each direction separately. smoltcp's
 * FaultInjector is the model. Everything depends only on the seed and the
 * `now` values passed in, so a run on a virtual clock replays exactly.
 *
 * The path of one frame offered in a direction (tx: the caller sends it;
 * rx: it arrived from the wrapped link), with the random draws made in
 * this order for every frame whatever the probabilities are:
 *   1. lost with loss_ppm;
 *   2. corrupted with corrupt_ppm: one random bit of one random byte is
 *      flipped (a zero-length frame is never corrupted);
 *   3. duplicated with dup_ppm: an exact copy (corruption included)
 *      follows the frame; from here on each copy goes its own way;
 *   4. rate limit (if rate_bytes_per_sec): a token bucket of rate_burst
 *      bytes; a frame leaves the bucket when enough tokens have come,
 *      frames waiting for tokens leave in order, and a frame finding
 *      rate_queue frames already waiting is dropped (rate_dropped);
 *   5. release time = time it left the bucket + delay + a uniform draw in
 *      [0, jitter], plus, with reorder_ppm, a uniform extra delay in
 *      [1, reorder_max_delay] that lets later frames overtake it;
 *   6. held until its release time; a frame finding max_queue frames
 *      already held is dropped (queue_dropped).
 * Frames with equal release times leave in the order they were offered.
 * Jitter can reorder frames too (as netem's does).
 *
 * Time: held tx frames go to the wrapped link from send, recv and poll
 * calls whose now has reached their release time, each sent with its
 * release time as `now`; held rx frames are returned by recv once due.
 * next_deadline is the earliest held frame's release time, or the wrapped
 * link's deadline if earlier. A deadline at or before the current time
 * means "call recv/poll now".
 */
#ifndef SF_LINK_FAULT_H
#define SF_LINK_FAULT_H

#include <stddef.h>
#include <stdint.h>

#include "link/link.h"

/* Probabilities are parts per million, so configurations are exact. */
#define SF_FAULT_PPM 1000000u
#define SF_FAULT_DEFAULT_MAX_QUEUE 1024u
#define SF_FAULT_DEFAULT_RATE_QUEUE 64u
/* The largest bucket and rate accepted (keeps the arithmetic exact). */
#define SF_FAULT_MAX_RATE 1000000000000ull /* 1 TB/s */
#define SF_FAULT_MAX_BURST 1000000000ull   /* 1 GB */

/* One direction's faults. All zero: the frame passes unchanged at once. */
struct sf_fault_dir_config {
  uint32_t loss_ppm;
  uint32_t dup_ppm;
  uint32_t corrupt_ppm;
  uint32_t reorder_ppm;
  sf_time_t reorder_max_delay; /* > 0 when reorder_ppm > 0 */
  sf_time_t delay;             /* fixed delay */
  sf_time_t jitter;            /* plus uniform [0, jitter] */
  uint64_t rate_bytes_per_sec; /* 0: no rate limit */
  /* Bucket size in bytes; never less than one full frame of the wrapped
   * link (mtu + 14), which is also the value 0 stands for. */
  uint64_t rate_burst;
  size_t rate_queue; /* frames waiting for tokens; 0: the default 64 */
  size_t max_queue;  /* frames held in all; 0: the default 1024 */
};

struct sf_fault_config {
  uint64_t seed;                 /* the two directions draw from it */
  struct sf_fault_dir_config tx; /* frames we send */
  struct sf_fault_dir_config rx; /* frames we receive */
};

/*
 * Counters per direction. Once nothing is held (see `held`):
 *   offered + duplicated == passed + lost + rate_dropped + queue_dropped
 * corrupted, reordered and delayed count frames (copies included) that
 * were changed but still go on. `passed` counts frames handed on: to the
 * wrapped link (tx), to the caller (rx).
 */
struct sf_fault_dir_stats {
  uint64_t offered;
  uint64_t passed;
  uint64_t lost;
  uint64_t duplicated;
  uint64_t corrupted;
  uint64_t reordered;
  uint64_t delayed; /* released later than offered (any cause) */
  uint64_t rate_dropped;
  uint64_t queue_dropped;
  uint64_t held; /* now held (a gauge, not a counter) */
};

struct sf_fault_stats {
  struct sf_fault_dir_stats tx;
  struct sf_fault_dir_stats rx;
};

/*
 * Wraps inner (kind "fault"). The new link takes ownership of inner: its
 * close closes inner too, discarding held frames. cfg is copied. On
 * success stores the link and returns 0; on failure stores NULL, leaves
 * inner open and untouched, and returns SF_EINVAL (NULL argument,
 * probability above SF_FAULT_PPM, reorder_ppm without reorder_max_delay,
 * rate or burst above the maxima above), SF_ENOMEM, or the code of a
 * failed eventfd or epoll_create1 (e.g. SF_EMFILE).
 *
 * The wrapper's own sf_link stats: tx_frames/tx_bytes count frames handed
 * to inner, rx_frames/rx_bytes frames returned to the caller, tx_dropped
 * frames dropped on tx (by a fault, or longer than inner's mtu + 14),
 * rx_truncated frames cut to the caller's buffer. mtu and hwaddr are
 * inner's. fd is readable when inner's is or while held rx frames are
 * due (an epoll set of inner's fd and the wrapper's eventfd: poll raises
 * it at their release time, recv lowers it), or -1 when inner has no fd
 * (the caller then polls recv). poll(now) releases due tx frames, marks
 * due rx frames ready, polls inner, and returns 0 or inner's negative
 * code. send never fails for a fault: it returns n.
 * recv returns due rx frames in release order, pulling from inner until
 * it has n of them, inner is empty, or it pulled max_queue in this call.
 */
int sf__link_fault_wrap(struct sf_link *inner, const struct sf_fault_config *cfg,
                        struct sf_link **out);

/* The counters of a fault link, or NULL if link is not one. Valid until
 * the link is closed. */
const struct sf_fault_stats *sf__link_fault_stats(struct sf_link *link);

#endif /* SF_LINK_FAULT_H */
