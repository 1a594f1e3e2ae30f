/*
 * The clocks the benchmark programs measure with: wall time (monotonic)
 * and this process's CPU time (user + system, getrusage), in seconds.
 */
#ifndef SF_BENCH_CLOCK_H
#define SF_BENCH_CLOCK_H

#include <sys/resource.h>
#include <time.h>

static inline double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline double cpu_s(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

#endif /* SF_BENCH_CLOCK_H */
