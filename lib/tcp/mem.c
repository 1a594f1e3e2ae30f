/*
 * The stack-wide ceiling on buffer memory (mem_max), like Linux's
 * tcp_mem: every ring and assembler of TCP takes its bytes from one
 * budget (eng->mem, budget.h), which refuses what would pass the
 * ceiling. Above the pressure mark, three quarters of it, TCP asks for
 * less before it is refused: new connections get a quarter of the
 * configured buffers, and a window opens no further than the memory its
 * receive buffer already has (one MSS at least, so a connection never
 * stalls for want of a first allocation).
 */
#include "config.h"

#include "tcp/tcb.h"

/* At most this many of each kept: enough for the connections a busy
 * server opens and closes between two turns, a few tens of KiB. */
#define POOL_TCBS 32u
#define POOL_BLOCKS 64u

/* A new connection's buffers under pressure: a quarter, at least this. */
#define PRESSURE_MIN_BUF 4096u

bool sf__tcp_mem_pressure(const struct sf_tcp *e) {
  return e->mem.used > e->mem.max / 4 * 3;
}

size_t sf__tcp_mem_bufsize(const struct sf_tcp *e, size_t configured) {
  if (!sf__tcp_mem_pressure(e))
    return configured;
  size_t quarter = configured / 4;
  if (quarter < PRESSURE_MIN_BUF)
    quarter = PRESSURE_MIN_BUF;
  return quarter < configured ? quarter : configured;
}

uint32_t sf__tcp_mem_window(const struct sf_tcb *t, uint32_t space) {
  if (!sf__tcp_mem_pressure(t->eng))
    return space;
  size_t have = t->rcvbuf.alloc - sf__ring_len(&t->rcvbuf);
  if (have < t->rcv_mss)
    have = t->rcv_mss;
  return have < space ? (uint32_t)have : space;
}

void sf__tcp_mem_pools_init(struct sf_tcp *e) {
  sf__pool_init(&e->tcb_pool, sizeof(struct sf_tcb), POOL_TCBS);
  sf__pool_init(&e->rack_pool,
                SF_RACK_FIRST_RECORDS * sizeof(struct sf_rack_seg),
                POOL_BLOCKS);
  sf__pool_init(&e->ring_pool, SF_RING_MIN_ALLOC, POOL_BLOCKS);
  e->mem.small = &e->ring_pool;
}

void sf__tcp_mem_pools_drain(struct sf_tcp *e) {
  sf__pool_drain(&e->tcb_pool);
  sf__pool_drain(&e->rack_pool);
  sf__pool_drain(&e->ring_pool);
}
