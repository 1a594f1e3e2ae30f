/*
 * TIME-WAIT records: what is left of a connection once it reaches
 * TIME-WAIT, 64 bytes each, and independent of the application's handle
 * (which may be closed at any time).
 *
 * A record re-ACKs a retransmitted FIN and restarts its 2MSL timer,
 * ignores RST (RFC 1337), and lets a new SYN for the same 4-tuple through
 * where RFC 6191 allows. The table grows with memory: records live in
 * chunks taken from the stack's memory budget (mem_max) and the hash
 * buckets double, up to a configurable maximum (timewait_max). When the
 * maximum is reached or memory runs out, the oldest record is recycled
 * (its gone callback says so, and the engine counts it). Records sit in
 * one list ordered by expiry: a record lives 2MSL and a restart moves it
 * to the newest end, so only a record made part way through its 2MSL
 * (sf__tw_add_until) is placed by its expiry.
 *
 * A record is small because it holds an IPv4 4-tuple (the family is
 * implicit: the stack makes IPv4 connections only) and links records by
 * 32-bit index instead of pointer. A record never moves once added, so a
 * pointer to it stays valid until it is removed.
 */
#ifndef SF_TCP_TIMEWAIT_H
#define SF_TCP_TIMEWAIT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/time.h"
#include "tcp/budget.h"
#include "tcp/tuple.h"
#include "wire/seq.h"
#include "wire/tcp.h"

#define SF_TW_TIMESTAMPS 0x1 /* both sides use RFC 7323 timestamps */

/* An IPv4 4-tuple from our side, host byte order. */
struct sf_tw_key {
  uint32_t laddr, raddr;
  uint16_t lport, rport;
};

/* A record's place in the table: 1-based; 0 is none. */
typedef uint32_t sf_tw_index;

struct sf_tw_record {
  sf_tw_index next;         /* in its hash chain, or the free list */
  sf_tw_index older, newer; /* the expiry list */
  uint32_t hash;            /* of key, under the table's secret */
  struct sf_tw_key key;
  sf_seq_t snd_nxt;   /* our FIN has been sent: snd_nxt is after it */
  sf_seq_t rcv_nxt;   /* the peer's FIN was received: after it */
  uint32_t ts_recent; /* the peer's last TSval (valid with TIMESTAMPS) */
  uint32_t ts_offset; /* our TSval = ms clock + ts_offset */
  uint16_t window;    /* the window field to send, as on the wire */
  uint8_t flags;      /* SF_TW_* */
  sf_time_t expires;
  void *observer; /* the application's hooks, passed back in gone */
};

/* Why a record leaves the table. */
enum sf_tw_gone_reason {
  SF_TW_EXPIRED,  /* 2MSL passed */
  SF_TW_RECYCLED, /* the table was full; the oldest made room */
  SF_TW_REUSED,   /* a new SYN took the 4-tuple (RFC 6191) */
  SF_TW_FLUSHED   /* the table was freed */
};

struct sf_tw_table {
  struct sf_tw_record **chunks; /* SF_TW_CHUNK records each */
  size_t nchunks;
  sf_tw_index free;         /* unused records, linked by next */
  sf_tw_index *buckets;     /* hash chains; a power of two of them */
  size_t nbuckets;
  sf_tw_index oldest, newest;
  unsigned count;
  /* Connections in TIME-WAIT whose tcb the application still holds (the
   * TCP layer keeps this): they count toward max as records do. */
  unsigned attached;
  unsigned max;
  sf_time_t duration; /* 2MSL */
  const struct sf_secret *secret;
  struct sf_budget *mem; /* chunks and buckets are taken from it; or NULL */
  /* Called just before a record is freed, for every reason including
   * sf__tw_remove's; r is already out of the table. May be NULL. */
  void (*gone)(void *ctx, struct sf_tw_record *r, enum sf_tw_gone_reason why,
               sf_time_t now);
  void *ctx;
};

/* Records per chunk: a chunk is 16 KiB. */
#define SF_TW_CHUNK 256u

/* Record memory is bounded by mem (which may be NULL: unlimited). */
void sf__tw_init(struct sf_tw_table *t, const struct sf_secret *s,
                 struct sf_budget *mem, unsigned max, sf_time_t duration,
                 void (*gone)(void *, struct sf_tw_record *,
                              enum sf_tw_gone_reason, sf_time_t),
                 void *ctx);
/* Frees every record (gone is called with SF_TW_FLUSHED), the chunks and
 * the buckets. */
void sf__tw_free(struct sf_tw_table *t, sf_time_t now);

/*
 * Adds a copy of tmpl (its key, sequence numbers, timestamps, window,
 * flags and observer), expiring at now + duration. If the table is full
 * (records and attached together at max), or no memory is left for
 * another record, the oldest record is recycled first. Returns the new
 * record or NULL (no memory and no record to recycle, or no room: max is
 * 0, or only attached connections fill it; the caller then just drops
 * the connection, which is what a zero limit means). The key must not be
 * in the table.
 */
struct sf_tw_record *sf__tw_add(struct sf_tw_table *t,
                                const struct sf_tw_record *tmpl,
                                sf_time_t now);
/* sf__tw_add for a connection already part way through its 2MSL: the
 * record expires at expires (no later than now + duration). */
struct sf_tw_record *sf__tw_add_until(struct sf_tw_table *t,
                                      const struct sf_tw_record *tmpl,
                                      sf_time_t expires, sf_time_t now);
/*
 * Recycles the oldest records until records and attached connections
 * leave room for `room` more under max. Returns false when they cannot:
 * no record is left to recycle.
 */
bool sf__tw_make_room(struct sf_tw_table *t, unsigned room, sf_time_t now);
/* The record for this 4-tuple, or NULL (also for any non-IPv4 tuple). */
struct sf_tw_record *sf__tw_find(const struct sf_tw_table *t,
                                 const struct sf_tuple *key);
/* Sets r's key from a 4-tuple; false when it is not IPv4 (no record can
 * hold it). */
bool sf__tw_set_key(struct sf_tw_record *r, const struct sf_tuple *tu);
/* r's key as a 4-tuple. */
struct sf_tuple sf__tw_tuple(const struct sf_tw_record *r);
/* The expiry list, oldest first: the first record, the one after r (or
 * before r), each NULL at the end. */
struct sf_tw_record *sf__tw_oldest(const struct sf_tw_table *t);
struct sf_tw_record *sf__tw_newest(const struct sf_tw_table *t);
struct sf_tw_record *sf__tw_newer(const struct sf_tw_table *t,
                                  const struct sf_tw_record *r);
struct sf_tw_record *sf__tw_older(const struct sf_tw_table *t,
                                  const struct sf_tw_record *r);
/* Removes and frees r, calling gone with why. */
void sf__tw_remove(struct sf_tw_table *t, struct sf_tw_record *r,
                   enum sf_tw_gone_reason why, sf_time_t now);
/* Restarts r's 2MSL at now (it becomes the newest). */
void sf__tw_restart(struct sf_tw_table *t, struct sf_tw_record *r,
                    sf_time_t now);
/* The oldest record's expiry, or SF_TIME_NEVER. */
sf_time_t sf__tw_next_deadline(const struct sf_tw_table *t);
/* Removes every record whose expiry is <= now (gone: SF_TW_EXPIRED). */
void sf__tw_expire(struct sf_tw_table *t, sf_time_t now);

/* What to do with a segment that hit a TIME-WAIT record. */
enum sf_tw_action {
  SF_TW_DROP,       /* silently (RST: RFC 1337; a plain acceptable ACK) */
  SF_TW_ACK,        /* send an ACK (snd_nxt, rcv_nxt); nothing else */
  SF_TW_ACK_RESTART, /* a retransmitted FIN: ACK it and restart 2MSL */
  SF_TW_NEW_SYN     /* RFC 6191 allows a new connection: remove the record
                       and hand the SYN to the listener */
};

/*
 * Decides per RFC 9293 3.10.7.4 (TIME-WAIT), RFC 1337 and RFC 6191. h is
 * the parsed segment. RST: DROP. SYN: NEW_SYN when RFC 6191 allows it
 * (with timestamps: its TSval is newer than ts_recent; without: its
 * sequence number is beyond rcv_nxt), else ACK. A FIN that ends at
 * rcv_nxt (a retransmission): ACK_RESTART. A segment failing PAWS or the
 * acceptability test: ACK. Anything else: DROP.
 */
enum sf_tw_action sf__tw_segment(const struct sf_tw_record *r,
                                 const struct sf_tcp_hdr *h);

#endif /* SF_TCP_TIMEWAIT_H */
