/*
 * Addresses with a family as text (addr.h). IPv4 goes through lib/wire's
 * dotted quad, so an address reads the same in every message of the
 * stack; IPv6 through the C library's inet_ntop, which writes the
 * RFC 5952 form (lower case, the longest run of zeros as "::").
 *
 * Entry points: sf__addr_format, sf__addr_to_sockaddr.
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

void sf__addr_to_sockaddr(struct sf_addr a, uint16_t port,
                          struct sockaddr_storage *out) {
  memset(out, 0, sizeof(*out));
  if (a.family == SF_AF_INET6) {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    memcpy(in6->sin6_addr.s6_addr, a.v6, sizeof(a.v6));
    return;
  }
  struct sockaddr_in *in = (struct sockaddr_in *)out;
  in->sin_family = AF_INET;
  in->sin_port = htons(port);
  in->sin_addr.s_addr = htonl(sf_addr_is_v4(a) ? a.v4 : INADDR_ANY);
}
