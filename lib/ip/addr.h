/*
 * An IP address that carries its family. The IP layer's interfaces take
 * and return these wherever an address crosses from one part of the
 * stack to another, so that an IPv6 address can one day travel the same
 * paths; today only IPv4 addresses are made.
 *
 * struct sf_addr is a small value, passed and returned by value like
 * sf_seq_t. An IPv4 address is held in host byte order (as everywhere in
 * the stack), an IPv6 one as its 16 bytes in network order. A zeroed
 * struct sf_addr has no family and counts as unspecified.
 *
 * Pure: no dependencies beyond the C library. Formatting and the
 * conversion to a socket address, the functions with linkage (hence
 * their sf__ names), live in addr.c.
 */
#ifndef SF_IP_ADDR_H
#define SF_IP_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum sf_af {
  SF_AF_UNSPEC = 0,
  SF_AF_INET = 4,
  SF_AF_INET6 = 6,
};

struct sf_addr {
  uint8_t family; /* enum sf_af */
  union {
    uint32_t v4;    /* SF_AF_INET: host byte order */
    uint8_t v6[16]; /* SF_AF_INET6: network byte order */
  };
};

/* The IPv4 address a (host byte order). */
static inline struct sf_addr sf_addr_v4(uint32_t a) {
  struct sf_addr x = {.family = SF_AF_INET, .v4 = a};
  return x;
}

static inline bool sf_addr_is_v4(struct sf_addr a) {
  return a.family == SF_AF_INET;
}

/* Same family and same address; two addresses without a family are
 * equal. */
static inline bool sf_addr_eq(struct sf_addr a, struct sf_addr b) {
  if (a.family != b.family)
    return false;
  switch (a.family) {
  case SF_AF_INET:
    return a.v4 == b.v4;
  case SF_AF_INET6:
    return memcmp(a.v6, b.v6, sizeof(a.v6)) == 0;
  default:
    return true;
  }
}

/* The unspecified address: no family, 0.0.0.0 or ::. Where an interface
 * takes an optional address (a source to use, a gateway), this is
 * "none". */
static inline bool sf_addr_is_any(struct sf_addr a) {
  static const uint8_t zero6[16];
  switch (a.family) {
  case SF_AF_INET:
    return a.v4 == 0;
  case SF_AF_INET6:
    return memcmp(a.v6, zero6, sizeof(zero6)) == 0;
  default:
    return true;
  }
}

/* Enough for any address sf__addr_format writes, with its NUL (as
 * INET6_ADDRSTRLEN). */
#define SF_ADDR_STRLEN 46

/*
 * Writes a as text into out (SF_ADDR_STRLEN bytes) and returns out: an
 * IPv4 address as a dotted quad, an IPv6 address as RFC 5952 says, one
 * without a family as "unspecified".
 */
char *sf__addr_format(struct sf_addr a, char *out);

/*
 * Writes a with port (host byte order) into out as the public API
 * carries addresses: a struct sockaddr_in6 for IPv6, else a struct
 * sockaddr_in, where an address without a family is INADDR_ANY (the
 * stack's listeners on every address are IPv4 ones).
 */
void sf__addr_to_sockaddr(struct sf_addr a, uint16_t port,
                          struct sockaddr_storage *out);

#endif /* SF_IP_ADDR_H */
