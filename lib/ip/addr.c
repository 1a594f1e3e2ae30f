/*
 * Addresses with a family as text (addr.h). IPv4 goes through lib/wire's
 * dotted quad, so an address reads the same in every message of the
 * stack; IPv6 through the C library's inet_ntop, which writes the
 * RFC 5952 form (lower case, the longest run of zeros as "::").
 *
 * Entry point: sf__addr_format.
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "ip/addr.h"
#include "wire/ipv4.h"

char *sf__addr_format(struct sf_addr a, char *out) {
  switch (a.family) {
  case SF_AF_INET:
    return sf__ipv4_addr_format(a.v4, out);
  case SF_AF_INET6:
    /* cannot fail: SF_ADDR_STRLEN is INET6_ADDRSTRLEN */
    inet_ntop(AF_INET6, a.v6, out, SF_ADDR_STRLEN);
    return out;
  default:
    strcpy(out, "unspecified");
    return out;
  }
}
