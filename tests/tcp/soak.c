/*
 * The long soak: `soak FIRST COUNT` runs COUNT seeds of the simulation
 * from FIRST and prints every failing seed (replay one with
 * SF_TEST_SEED=N tests/tcp/test_sim). Exit status 1 if any failed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "sim.h"

int main(int argc, char **argv) {
  uint64_t first = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
  unsigned count = argc > 2 ? (unsigned)atoi(argv[2]) : 5000;
  struct sim_params p;
  sim_defaults(&p);
  unsigned failed = 0;
  unsigned long long bytes = 0, virtual_ms = 0, retrans = 0;
  for (unsigned i = 0; i < count; i++) {
    struct sim_result r;
    sim_run(first + i, &p, &r);
    bytes += r.bytes;
    virtual_ms += r.virtual_ms;
    retrans += r.retrans;
    if (!r.ok) {
      failed++;
      printf("seed %llu FAILED: %s\n", (unsigned long long)(first + i), r.why);
    }
  }
  printf("soak: %u seeds from %llu, %u failed, %llu bytes verified, "
         "%llu s of virtual time, %llu retransmissions\n",
         count, (unsigned long long)first, failed, bytes, virtual_ms / 1000,
         retrans);
  return failed ? 1 : 0;
}
