/*
 * The stack's counters: the IP layer's and TCP's in one table, by their
 * netstat-like names.
 */
#ifndef SF_STACK_COUNTERS_H
#define SF_STACK_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#include "ip/ip.h"
#include "tcp/counters.h"

struct sf_counter {
  const char *name;
  const char *description;
  uint64_t value;
};

/* Fills up to max entries; returns the total number there are. */
size_t sf__counters_list(const struct sf_ip_counters *ip,
                         const struct sf_tcp_counters *tcp,
                         struct sf_counter *out, size_t max);
/* One counter by name, or UINT64_MAX if there is none by that name. */
uint64_t sf__counters_find(const struct sf_ip_counters *ip,
                           const struct sf_tcp_counters *tcp,
                           const char *name);

#endif /* SF_STACK_COUNTERS_H */
