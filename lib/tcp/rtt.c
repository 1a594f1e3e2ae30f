/*
 * RFC 6298 RTO estimation. The clock granularity G is the engine's
 * nanosecond clock, so the "max(G, K*RTTVAR)" term is just K*RTTVAR.
 */
#include "config.h"

#include "tcp/rtt.h"

static sf_time_t clamp(const struct sf_rtt_bounds *b, sf_time_t rto) {
  if (rto < b->min_rto)
    return b->min_rto;
  if (rto > b->max_rto)
    return b->max_rto;
  return rto;
}

void sf__rtt_init(struct sf_rtt *r, sf_time_t initial,
                  const struct sf_rtt_bounds *bounds) {
  r->srtt = 0;
  r->rttvar = 0;
  r->rto = clamp(bounds, initial);
  r->backoff = 0;
  r->has_sample = false;
}

void sf__rtt_sample(struct sf_rtt *r, const struct sf_rtt_bounds *bounds,
                    sf_time_t m) {
  if (!r->has_sample) {
    r->srtt = m;
    r->rttvar = m / 2;
    r->has_sample = true;
  } else {
    /* alpha = 1/8, beta = 1/4 */
    sf_time_t delta = r->srtt > m ? r->srtt - m : m - r->srtt;
    r->rttvar = r->rttvar - r->rttvar / 4 + delta / 4;
    r->srtt = r->srtt - r->srtt / 8 + m / 8;
  }
  r->rto = clamp(bounds, r->srtt + 4 * r->rttvar);
  r->backoff = 0;
}

sf_time_t sf__rtt_timeout(const struct sf_rtt *r,
                          const struct sf_rtt_bounds *bounds) {
  sf_time_t max = bounds->max_rto, t = r->rto;
  for (unsigned i = 0; i < r->backoff && t < max; i++)
    t *= 2;
  return t > max ? max : t;
}

void sf__rtt_backoff(struct sf_rtt *r) {
  if (r->backoff < 64)
    r->backoff++;
}
