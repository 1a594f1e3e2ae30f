/*
 * A randomized simulation of two engines over the in-memory link with
 * seeded impairments (loss, duplication, reordering, delay, jitter) on a
 * virtual clock. Many connections run at once, each sending a seeded
 * byte stream both ways and half-closing at random points; readers pause
 * and resume. The run checks that every byte arrives exactly once and in
 * order (a SHA-256 of what was sent against what arrived, and byte by
 * byte), that no connection fails, that every connection ends in CLOSED
 * or TIME-WAIT and then nothing is left, all within a bound of virtual
 * time, that no state change broke RFC 9293's diagram, and, after every
 * step, that no byte was acknowledged before the receiver stored it. A
 * failing seed replays exactly.
 */
#ifndef SF_TESTS_TCP_SIM_H
#define SF_TESTS_TCP_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_result {
  bool ok;
  char why[256];       /* the first failure */
  unsigned conns;      /* connections opened */
  uint64_t bytes;      /* payload bytes verified, both ways */
  uint64_t virtual_ms; /* virtual time the run took */
  uint64_t retrans;    /* segments retransmitted, both engines */
  uint64_t frames_lost;
  unsigned errors;     /* calls and connections that failed (allow_errors) */
};

/* Knobs a run draws around; sim_defaults gives the `make check` ones. */
struct sim_params {
  unsigned max_conns;        /* 1..max_conns connections */
  uint32_t max_bytes;        /* per direction, per connection */
  uint32_t max_loss_ppm;     /* each direction draws up to this */
  uint32_t max_dup_ppm;
  uint32_t max_reorder_ppm;
  uint64_t max_delay_ms;
  uint64_t time_limit_ms;    /* virtual time before giving up */
  /*
   * Calls and connections may fail (for runs where allocations fail on
   * purpose): a call's error makes its side abort, a connection's error
   * ends that side, and the run then checks that what arrived is a prefix
   * of what was sent, instead of all of it; every connection must still
   * end within the time limit and leave nothing behind.
   */
  bool allow_errors;
  bool verbose;
};

void sim_defaults(struct sim_params *p);
/* Runs one seed. */
void sim_run(uint64_t seed, const struct sim_params *p, struct sim_result *r);

#endif /* SF_TESTS_TCP_SIM_H */
