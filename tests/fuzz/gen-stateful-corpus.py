#!/usr/bin/env python3
"""Writes the hand-built seeds of fuzz_stateful (tests/fuzz/corpus/stateful/).

Each seed is a program in fuzz_stateful.c's encoding: a configuration
byte, then operations. The helpers below spell the operations out, so a
seed reads as a scenario. Run it from anywhere; it rewrites only the seeds
it knows (inputs the fuzzer found and that were added by hand stay).
To see which states a seed reaches, run the replay program on it with
SF_FUZZ_TRACE=1 and SF_FUZZ_MUTATIONS=0.
"""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                   "corpus", "stateful")

# fuzz_stateful.c: operation numbers (the record's first byte, modulo 15)
SEG, RAW, TIME = 0, 3, 4
CONNECT, PEER_CONNECT, ACCEPT, WRITE, READ = 5, 6, 7, 8, 9
SHUTDOWN, CLOSE, ABORT, OPTIONS, LISTEN_TOGGLE = 10, 11, 12, 13, 14

# segment templates (the "kind" byte)
ACK, DATA, FIN, RST, RST_ACK, SYN_ACK, SYN = range(7)

# SYN options byte: wscale 7, SACK-permitted, timestamps, MSS 1460
SYN_OPTS = 0x01 | (7 << 1) | 0x20 | 0x40


def seg(slot, kind, seq_sel=0, ack_sel=0, window=65535, nbytes=0,
        sack=None, no_ts=False, resync=False):
    """A peer segment; seq_sel/ack_sel pick template_seq/_ack's cases:
    (0, new) (1, d: back d*8) (2, d: ahead 1+d*8); ack (0: all seen)
    (1, d: d*16 short of it) (2: the last one again). resync: the peer
    first goes back to the engine's last ACK."""
    seq_case, seq_arg = (seq_sel, None) if isinstance(seq_sel, int) else seq_sel
    ack_case, ack_arg = (ack_sel, None) if isinstance(ack_sel, int) else ack_sel
    how = (seq_case << 3) | (ack_case << 5) | (1 if resync else 0)
    opt = (0x80 if no_ts else 0) | (0x40 if sack else 0)
    out = bytes([SEG, slot, kind, how, opt])
    if seq_arg is not None:
        out += bytes([seq_arg])
    if ack_arg is not None:
        out += bytes([ack_arg])
    assert nbytes % 16 == 0 and nbytes // 16 < 256
    out += struct.pack(">HB", window, nbytes // 16)
    if kind in (SYN, SYN_ACK):
        out += bytes([SYN_OPTS])
    elif sack:
        out += bytes(sack)  # left: last ACK + a*64; right: left + 1 + b*64
    return out


# ICMP errors (the byte after RAW: odd): icmp_error's "what" byte
FRAG_NEEDED, NET_UNREACH, HOST_UNREACH, PORT_UNREACH = range(4)
TTL_EXCEEDED = 0x80


def icmp(slot, what, mtu=0, back=0):
    """An ICMP error about slot's connection, quoting the engine's
    highest sequence number less back*8."""
    return bytes([RAW, 1, slot, what]) + struct.pack(">HB", mtu, back)


def op(code, slot=0, *args):
    return bytes([code, slot]) + bytes(args)


def ms(n):
    assert n < 200
    return bytes([TIME, n])


def seconds(n):
    assert 1 <= n <= 50
    return bytes([TIME, 199 + n])


def minutes(n):
    assert 1 <= n <= 6
    return bytes([TIME, 249 + n])


def write(slot, n):
    return op(WRITE, slot, n // 32)


def read(slot, n=8160):
    return op(READ, slot, (n - 1) // 32)


def active_open(slot=0):
    """connect, the peer's SYN-ACK: ESTABLISHED."""
    return op(CONNECT, slot, 0) + seg(slot, SYN_ACK)


def passive_open(slot=1):
    """the peer's SYN, its ACK of our SYN-ACK, accept: ESTABLISHED."""
    return op(PEER_CONNECT, slot, 0, SYN_OPTS) + seg(slot, ACK) + \
        op(ACCEPT, slot)


SEEDS = {
    # data both ways on an active connection, then the peer's FIN and ours
    "active-data-close": bytes([0]) + active_open(0) + write(0, 1000) +
    ms(10) + seg(0, DATA, nbytes=512) + read(0) + seg(0, ACK) +
    seg(0, FIN) + read(0) + op(CLOSE, 0) + seg(0, ACK) + ms(100),

    # passive open, the peer half-closes, we keep writing, then close:
    # CLOSE-WAIT, LAST-ACK, CLOSED
    "passive-half-close": bytes([1]) + passive_open(1) +
    seg(1, DATA, nbytes=1024) + read(1) + seg(1, FIN) + read(1) +
    write(1, 2048) + ms(5) + seg(1, ACK) + op(SHUTDOWN, 1) + ms(5) +
    seg(1, ACK) + op(CLOSE, 1),

    # we close first: FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT, detached into a
    # record, then the peer opens the same 4-tuple again over it
    "time-wait-reuse": bytes([0]) + passive_open(2) + op(SHUTDOWN, 2) +
    seg(2, ACK) + seg(2, FIN) + ms(1) + op(CLOSE, 2) + seconds(5) +
    op(PEER_CONNECT, 2, 1, SYN_OPTS) + seg(2, ACK) + op(ACCEPT, 2) +
    write(2, 64) + seg(2, ACK) + minutes(2),

    # a full send buffer, losses reported with SACK blocks and duplicate
    # ACKs, then retransmission timeouts
    "sack-recovery": bytes([0]) + active_open(0) + write(0, 8160) + ms(1) +
    seg(0, ACK, ack_sel=(1, 200), sack=[4, 8]) +
    seg(0, ACK, ack_sel=2, sack=[4, 16]) +
    seg(0, ACK, ack_sel=2, sack=[4, 24]) +
    seg(0, ACK, ack_sel=2, sack=[4, 30]) + ms(50) + seconds(1) +
    seconds(3) + seg(0, ACK) + write(0, 4000) + ms(199),

    # the peer's window shuts: zero-window probes, then it opens again;
    # our receive buffer fills and a read reopens it
    "zero-windows": bytes([2]) + active_open(3) +
    seg(3, ACK, window=0) + write(3, 3000) + seconds(1) + seconds(3) +
    seg(3, ACK, window=0) + seconds(10) + seg(3, ACK) + ms(20) +
    seg(3, DATA, nbytes=4080) + seg(3, DATA, nbytes=4080) +
    seg(3, DATA, nbytes=1024) + read(3, 100) + read(3) + ms(40),

    # out-of-order data, an overlapping resend, a stray SYN and a RST
    "reorder-and-reset": bytes([4]) + passive_open(0) +
    seg(0, DATA, seq_sel=(2, 63), nbytes=512) +
    seg(0, DATA, nbytes=512) + seg(0, DATA, seq_sel=(1, 32), nbytes=768) +
    read(0) + seg(0, SYN) + ms(10) + seg(0, RST, resync=True) + read(0) + op(CLOSE, 0) +
    active_open(1) + op(ABORT, 1) + op(CLOSE, 1),

    # path MTU discovery in the middle of a transfer, then a soft error
    # (host unreachable) on a handshake that times out
    "icmp-pmtu-and-unreachable": bytes([0]) + active_open(0) +
    write(0, 8000) + ms(1) + icmp(0, FRAG_NEEDED, mtu=576) +
    seconds(1) + seg(0, ACK) + ms(50) + icmp(0, TTL_EXCEEDED) +
    op(CONNECT, 1, 0) + icmp(1, HOST_UNREACH) + icmp(1, PORT_UNREACH) +
    minutes(3),

    # everything at once over several connections, with a tight memory
    # ceiling, socket options and the listener going away
    "busy": bytes([16 | 1]) + active_open(0) + passive_open(1) +
    op(OPTIONS, 0, 0x10) + op(OPTIONS, 1, 0x31) + op(OPTIONS, 0, 0x12) +
    write(0, 8000) + write(1, 8000) + seg(1, DATA, nbytes=2048) +
    op(PEER_CONNECT, 2, 9, SYN_OPTS) + seg(2, ACK) + ms(30) +
    op(LISTEN_TOGGLE) + seg(0, ACK) + seg(1, ACK) + ms(199) +
    op(LISTEN_TOGGLE) + op(CLOSE, 1) + minutes(1) + read(0),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in sorted(SEEDS.items()):
        with open(os.path.join(OUT, name + ".bin"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
