/*
 * The retransmission timer's estimator (RFC 6298): SRTT, RTTVAR and RTO
 * from round-trip samples, the exponential backoff, and the clamps.
 */
#ifndef SF_TCP_RTT_H
#define SF_TCP_RTT_H

#include <stdbool.h>

#include "base/time.h"

/* The clamps, the same for every connection of an engine: kept once
 * (struct sf_tcp), not in each estimator, and passed to the calls that
 * clamp. */
struct sf_rtt_bounds {
  sf_time_t min_rto, max_rto;
};

struct sf_rtt {
  sf_time_t srtt;
  sf_time_t rttvar;
  sf_time_t rto; /* before backoff */
  unsigned backoff; /* consecutive expirations: RTO doubles each */
  bool has_sample;
};

/* RFC 6298 2.1: RTO = initial until the first sample. */
void sf__rtt_init(struct sf_rtt *r, sf_time_t initial,
                  const struct sf_rtt_bounds *bounds);
/* RFC 6298 2.2 and 2.3 for one measurement m; ends any backoff (5.7 is
 * left to the caller: a sample means new data was acknowledged). */
void sf__rtt_sample(struct sf_rtt *r, const struct sf_rtt_bounds *bounds,
                    sf_time_t m);
/* The timeout to arm now: RTO doubled per backoff, at most max_rto. */
sf_time_t sf__rtt_timeout(const struct sf_rtt *r,
                          const struct sf_rtt_bounds *bounds);
/* RFC 6298 5.5: the timer expired. */
void sf__rtt_backoff(struct sf_rtt *r);

#endif /* SF_TCP_RTT_H */
