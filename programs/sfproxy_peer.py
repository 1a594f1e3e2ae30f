#!/usr/bin/env python3
"""Kernel-side peers for programs/test_sfproxy.sh: the upstream server
and the clients, with what each checks. Usage:

  sfproxy_peer.py server PORT MODE      upstream on PORT (all addresses)
    answer   read to EOF, then send "got N bytes" and close
    first    send "bye", shut down writing, read to EOF, report N
    echo     echo everything; at EOF shut down writing
    reset    read 1 byte, then reset (SO_LINGER 0)
    hold     read until EOF or reset; report which
    flood:B  send B bytes at once, then shut down writing
  sfproxy_peer.py client HOST PORT MODE [ARGS]
    rst              send a byte, then reset
    expect-rst       send a byte; the connection must be reset
    after-fin N      read to EOF, then send N bytes and shut down
    bulk BYTES       send BYTES while reading the echo; byte-exact
    send BYTES       send BYTES to an answer server; prints mbit_s
    stall SECS B     read nothing for SECS, then read to EOF: B bytes
    many N CONC B    N connections, CONC at once, each B bytes echoed
    many-answer N CONC  N connections send 100 bytes, expect "got 100 bytes"
    many-bye N CONC [B]  N connections send B bytes (default 100) at
                     once, expect "bye" (from first)
    many-late N CONC N connections read "bye" and the EOF (from first)
                     first, and only then send 100 bytes and shut down
    limit N          N connections held open (to a hold server); one
                     more must be reset; once they close, a new one works
Server reports go to stdout, one line per connection; clients exit 0
when everything checked out, else print why and exit 1.
"""
import asyncio
import hashlib
import os
import socket
import struct
import sys
import time


def pattern(n, seed=0):
    """n bytes that differ by offset, so a lost or moved byte shows."""
    block = hashlib.sha256(str(seed).encode()).digest() * 2048  # 64 KiB
    reps = n // len(block) + 1
    return (block * reps)[:n]


def send_progressing(sock, data):
    """sendall, except that the socket's timeout bounds each wait for
    room, not the whole transfer: since Python 3.5 sendall's timeout is
    the total, so a bulk transfer slower than that (a loaded machine)
    failed while its bytes were still moving."""
    view = memoryview(data)
    while view:
        view = view[sock.send(view):]


def reset(sock):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                    struct.pack("ii", 1, 0))
    sock.close()


async def read_all(reader):
    n = 0
    while True:
        b = await reader.read(1 << 20)
        if not b:
            return n
        n += len(b)


async def serve(port, mode):
    async def handle(reader, writer):
        sock = writer.get_extra_info("socket")
        try:
            if mode == "answer":
                n = await read_all(reader)
                writer.write(b"got %d bytes\n" % n)
                await writer.drain()
            elif mode == "first":
                writer.write(b"bye\n")
                await writer.drain()
                writer.write_eof()
                n = await read_all(reader)
                print("first: read %d after our FIN" % n, flush=True)
            elif mode == "echo":
                while True:
                    b = await reader.read(65536)
                    if not b:
                        break
                    writer.write(b)
                    await writer.drain()
                writer.write_eof()
                await writer.drain()
            elif mode == "reset":
                await reader.read(1)
                reset(sock.dup())
                writer.transport.abort()
                return
            elif mode.startswith("flood"):  # flood:BYTES, input ignored
                size = int(mode.split(":")[1])
                block = pattern(1 << 20, 3)
                left = size
                while left > 0:
                    writer.write(block[:min(left, len(block))])
                    left -= len(block)
                    await writer.drain()
                writer.write_eof()
                await writer.drain()
                await read_all(reader)
            elif mode == "hold":
                try:
                    await read_all(reader)
                    print("hold: eof", flush=True)
                except ConnectionResetError:
                    print("hold: reset", flush=True)
        except ConnectionResetError:
            print("%s: reset" % mode, flush=True)
        writer.close()

    server = await asyncio.start_server(handle, "0.0.0.0", port, backlog=1024)
    print("ready pid %d" % os.getpid(), flush=True)
    async with server:
        await server.serve_forever()


async def read_to_eof(r):
    got = b""
    while True:
        b = await r.read(65536)
        if not b:
            return got
        got += b


async def client_many(host, port, n, conc, size, want=None, late=False):
    """want: what the upstream sends back (default: the echo); late:
    read it to EOF before sending."""
    data = pattern(size)
    want = data if want is None else want
    sem = asyncio.Semaphore(conc)
    failures = []

    async def one(i):
        async with sem:
            try:
                r, w = await asyncio.open_connection(host, port)
                if late:
                    got = await read_to_eof(r)
                w.write(data)
                await w.drain()
                w.write_eof()
                if not late:
                    got = await read_to_eof(r)
                w.close()
                if got != want:
                    failures.append("%d: %d bytes back, not the %d expected"
                                    % (i, len(got), len(want)))
            except OSError as e:
                failures.append("%d: %s" % (i, e))

    t0 = time.monotonic()
    await asyncio.gather(*(one(i) for i in range(n)))
    secs = time.monotonic() - t0
    for f in failures[:5]:
        print(f)
    print("succeeded %d of %d in %.2f s conn_s=%.0f"
          % (n - len(failures), n, secs, n / max(secs, 1e-6)))
    return not failures


def is_reset(host, port):
    """Connects and sends a byte: True if the connection is reset (also
    before connect() returned: the handshake completed, then the RST came,
    as the proxy accepts before its upstream answers)."""
    try:
        s = socket.create_connection((host, port), timeout=20)
        s.sendall(b"x")
        b = s.recv(1)
    except ConnectionResetError:
        return True
    print("expected a reset, read %r" % b)
    s.close()
    return False


def client_limit(host, port, n):
    held = []
    for _ in range(n):
        s = socket.create_connection((host, port), timeout=20)
        s.sendall(b"x")
        held.append(s)
    time.sleep(0.3)  # the proxy has accepted them all
    if not is_reset(host, port):
        print("limit: connection %d was not reset" % (n + 1))
        return False
    for s in held:  # the hold server reads to EOF and closes
        s.shutdown(socket.SHUT_WR)
        if s.recv(1) != b"":
            print("limit: a held connection got data")
            return False
        s.close()
    for _ in range(50):  # the proxy frees the slots once both sides end
        time.sleep(0.1)
        s = socket.create_connection((host, port), timeout=20)
        s.sendall(b"x")
        s.shutdown(socket.SHUT_WR)
        try:
            if s.recv(1) == b"":
                print("limit: %d held, one more reset, then one relayed" % n)
                return True
        except ConnectionResetError:
            pass
        finally:
            s.close()
    print("limit: no connection relayed after the held ones closed")
    return False


def client(host, port, mode, args):
    if mode == "many":
        return asyncio.run(client_many(host, port, *map(int, args)))
    if mode == "many-answer":
        n, conc = map(int, args)
        return asyncio.run(client_many(host, port, n, conc, 100,
                                       b"got 100 bytes\n"))
    if mode in ("many-bye", "many-late"):
        n, conc, size = (list(map(int, args)) + [100])[:3]
        return asyncio.run(client_many(host, port, n, conc, size, b"bye\n",
                                       late=mode == "many-late"))
    if mode == "limit":
        return client_limit(host, port, int(args[0]))
    if mode == "expect-rst":
        return is_reset(host, port)
    s = socket.create_connection((host, port), timeout=20)
    if mode == "rst":
        s.sendall(b"x")
        reset(s)
        return True
    if mode == "after-fin":
        got = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            got += b
        s.sendall(pattern(int(args[0])))
        s.shutdown(socket.SHUT_WR)
        s.close()
        print("after-fin: read %r, then sent %s" % (got, args[0]))
        return got == b"bye\n"
    if mode == "send":
        size = int(args[0])
        block = memoryview(pattern(4 << 20, 2))  # sent without copies
        t0 = time.monotonic()
        left = size
        while left > 0:
            left -= s.send(block[:min(left, len(block))])
        s.shutdown(socket.SHUT_WR)
        got = s.recv(100)
        secs = time.monotonic() - t0
        print("send: %r mbit_s=%.1f" % (got, size * 8 / secs / 1e6))
        return got == b"got %d bytes\n" % size
    if mode == "stall":
        secs, size = float(args[0]), int(args[1])
        print("stall: not reading for %.1f s" % secs, flush=True)
        time.sleep(secs)
        n = 0
        while True:
            b = s.recv(1 << 20)
            if not b:
                break
            n += len(b)
        s.close()
        print("stall: then read %d of %d bytes" % (n, size))
        return n == size
    if mode == "bulk":
        size = int(args[0])
        data = pattern(size, 1)
        import threading

        def send():
            send_progressing(s, data)
            s.shutdown(socket.SHUT_WR)
        t = threading.Thread(target=send)
        t.start()
        h, n = hashlib.sha256(), 0
        while True:
            b = s.recv(1 << 20)
            if not b:
                break
            h.update(b)
            n += len(b)
        t.join()
        ok = n == size and h.digest() == hashlib.sha256(data).digest()
        print("bulk: %d of %d bytes back, %s" % (n, size,
                                                  "exact" if ok else "WRONG"))
        return ok
    print("unknown client mode " + mode)
    return False


if __name__ == "__main__":
    if sys.argv[1] == "server":
        try:
            asyncio.run(serve(int(sys.argv[2]), sys.argv[3]))
        except KeyboardInterrupt:
            pass
    else:
        ok = client(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:])
        sys.exit(0 if ok else 1)
