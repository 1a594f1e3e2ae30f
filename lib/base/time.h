/*
 * Time as every layer sees it: nanoseconds on whatever clock drives the
 * stack. The engine never reads a clock; the reactor shell (real time) or
 * a test (a virtual clock) passes `now` in.
 */
#ifndef SF_BASE_TIME_H
#define SF_BASE_TIME_H

#include <stdint.h>

typedef uint64_t sf_time_t;
#define SF_TIME_NEVER UINT64_MAX
#define SF_NSEC_PER_USEC ((sf_time_t)1000)
#define SF_NSEC_PER_MSEC ((sf_time_t)1000000)
#define SF_NSEC_PER_SEC ((sf_time_t)1000000000)

#endif /* SF_BASE_TIME_H */
