/*
 * One table describes every counter of both layers, so listing them and
 * finding one by name read the same fields the same way.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "stack/counters.h"

struct counter_desc {
  const char *name;
  const char *description;
  bool ip;
  size_t offset;
};

static const struct counter_desc counter_table[] = {
#define SF_IP_COUNTER_DESC(n, d) \
  {#n, d, true, offsetof(struct sf_ip_counters, n)},
    SF_IP_COUNTERS(SF_IP_COUNTER_DESC)
#undef SF_IP_COUNTER_DESC
#define SF_TCP_COUNTER_DESC(n, d) \
  {#n, d, false, offsetof(struct sf_tcp_counters, n)},
        SF_TCP_COUNTERS(SF_TCP_COUNTER_DESC)
#undef SF_TCP_COUNTER_DESC
};

#define COUNTER_COUNT (sizeof(counter_table) / sizeof(counter_table[0]))

static uint64_t counter_value(const struct sf_ip_counters *ip,
                              const struct sf_tcp_counters *tcp,
                              const struct counter_desc *d) {
  const char *base = d->ip ? (const char *)ip : (const char *)tcp;
  uint64_t v;
  memcpy(&v, base + d->offset, sizeof(v));
  return v;
}

size_t sf__counters_list(const struct sf_ip_counters *ip,
                         const struct sf_tcp_counters *tcp,
                         struct sf_counter *out, size_t max) {
  for (size_t i = 0; i < COUNTER_COUNT && i < max; i++) {
    out[i].name = counter_table[i].name;
    out[i].description = counter_table[i].description;
    out[i].value = counter_value(ip, tcp, &counter_table[i]);
  }
  return COUNTER_COUNT;
}

uint64_t sf__counters_find(const struct sf_ip_counters *ip,
                           const struct sf_tcp_counters *tcp,
                           const char *name) {
  for (size_t i = 0; i < COUNTER_COUNT; i++)
    if (strcmp(counter_table[i].name, name) == 0)
      return counter_value(ip, tcp, &counter_table[i]);
  return UINT64_MAX;
}
