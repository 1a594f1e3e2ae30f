#!/usr/bin/env python3
"""A kernel-side TLS peer for the programs' TLS tests, with exact control
of how each side ends: close_notify alone (a TLS half-close), or the TCP
connection closed without it (a truncation). It runs TLS through memory
BIOs, so it never reads a record before it means to.

  tls_peer.py server PORT CERT KEY MODE FILE
      one connection; MODE:
        first     send FILE, close_notify, then read to the peer's
                  close_notify
        last      read to the peer's close_notify, then send FILE and
                  close_notify
        truncate  send FILE, then FIN without close_notify
  tls_peer.py client HOST PORT CA NAME FILE
      send FILE, close_notify, read to the peer's close_notify; what is
      read goes to stdout

Each prints "ready" once listening (server), and on stderr "read N sha256
H end E" where E is close_notify or truncated.
"""
import hashlib
import socket
import ssl
import sys

CHUNK = 16384


class Tls:
    def __init__(self, sock, ctx, server_side, name=None):
        self.sock = sock
        self.inc = ssl.MemoryBIO()
        self.out = ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.inc, self.out, server_side=server_side,
                                server_hostname=name)

    def flush(self):
        data = self.out.read()
        if data:
            self.sock.sendall(data)

    def feed(self):
        data = self.sock.recv(65536)
        if data:
            self.inc.write(data)
        else:
            self.inc.write_eof()

    def call(self, fn, *args):
        while True:
            try:
                result = fn(*args)
                self.flush()
                return result
            except ssl.SSLWantReadError:
                self.flush()
                self.feed()

    def send(self, data):
        for i in range(0, len(data), CHUNK):
            self.call(self.obj.write, data[i:i + CHUNK])

    def recv_all(self):
        """What the peer sends, and how it ended: "close_notify" (read
        returns nothing) or "truncated" (TCP ended first)."""
        parts = []
        while True:
            try:
                data = self.call(self.obj.read, 65536)
            except ssl.SSLZeroReturnError:
                data = b""
            except ssl.SSLEOFError:
                return b"".join(parts), "truncated"
            if not data:
                return b"".join(parts), "close_notify"
            parts.append(data)

    def close_notify(self):
        # The first SSL_shutdown sends close_notify; the second would
        # wait for the peer's, which reading does instead.
        try:
            self.obj.unwrap()
        except ssl.SSLWantReadError:
            pass
        self.flush()


def report(data, end):
    sys.stderr.write("read %d sha256 %s end %s\n" %
                     (len(data), hashlib.sha256(data).hexdigest(), end))
    sys.stderr.flush()


def server(port, cert, key, mode, path):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("0.0.0.0", int(port)))
    lsock.listen(1)
    print("ready", flush=True)
    sock, _ = lsock.accept()
    lsock.close()
    tls = Tls(sock, ctx, True)
    tls.call(tls.obj.do_handshake)
    data = open(path, "rb").read()
    if mode == "last":
        report(*tls.recv_all())
    tls.send(data)
    if mode != "truncate":
        tls.close_notify()
    if mode == "first":
        report(*tls.recv_all())
    # FIN, then what is left up to the peer's FIN: closing with unread
    # data would send RST instead.
    sock.shutdown(socket.SHUT_WR)
    while sock.recv(65536):
        pass
    sock.close()


def client(host, port, ca, name, path):
    ctx = ssl.create_default_context(cafile=ca)
    sock = socket.create_connection((host, int(port)), timeout=30)
    tls = Tls(sock, ctx, False, name)
    tls.call(tls.obj.do_handshake)
    tls.send(open(path, "rb").read())
    tls.close_notify()
    data, end = tls.recv_all()
    sys.stdout.buffer.write(data)
    report(data, end)
    sock.close()


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "server":
        server(*sys.argv[2:])
    elif len(sys.argv) == 7 and sys.argv[1] == "client":
        client(*sys.argv[2:])
    else:
        sys.exit(__doc__)
