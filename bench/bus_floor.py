"""The floor of a small request/reply through nats-server with blocking sockets.

Two Python processes speak the bare NATS text protocol over TCP (no client library): a
forked responder answers SUBJECT with REPLY_BYTES bytes, the requester sends REQUEST_BYTES
on SUBJECT and waits for the whole reply. Blocking reads wake straight in the kernel, with
no event loop in between: what the server and this machine's loopback cost alone.

Driven over stdin/stdout by bench/bus_floor_python.ts: each line "N" runs N round trips and
answers one line of N times in microseconds; end of input stops both processes.

Usage: python3 bench/bus_floor.py HOST PORT SUBJECT REQUEST_BYTES REPLY_BYTES
"""
import os
import signal
import socket
import sys
import time


def connect(host, port):
    s = socket.create_connection((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = s.makefile("rb")
    f.readline()  # INFO
    s.sendall(b'CONNECT {"verbose":false,"pedantic":false,"protocol":1,"headers":false}\r\n')
    return s, f


def subscribe(s, f, subject):
    s.sendall(b"SUB " + subject + b" 1\r\nPING\r\n")
    while True:
        line = f.readline()
        if not line:
            raise ConnectionError("nats-server closed the connection")
        if line.strip() == b"PONG":
            return


def read_msg(s, f):
    """The next MSG: (reply subject, payload); PINGs on the way are answered."""
    while True:
        line = f.readline()
        if not line:
            raise ConnectionError("nats-server closed the connection")
        if line.startswith(b"PING"):
            s.sendall(b"PONG\r\n")
            continue
        if not line.startswith(b"MSG "):
            continue
        parts = line.split()
        size = int(parts[-1])
        data = f.read(size + 2)
        return (parts[3] if len(parts) == 5 else b""), data[:size]


def main():
    host, port, subject = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
    request_bytes, reply_bytes = int(sys.argv[4]), int(sys.argv[5])
    rs, rf = connect(host, port)
    subscribe(rs, rf, subject)
    child = os.fork()
    if child == 0:
        reply = b"r" * reply_bytes + b"\r\n"
        try:
            while True:
                to, _ = read_msg(rs, rf)
                rs.sendall(b"PUB " + to + b" %d\r\n" % reply_bytes + reply)
        except (ConnectionError, OSError):
            os._exit(0)
    rs.close()
    inbox = b"_PYFLOOR.%d" % os.getpid()
    cs, cf = connect(host, port)
    subscribe(cs, cf, inbox)
    frame = b"PUB " + subject + b" " + inbox + b" %d\r\n" % request_bytes
    frame += b"q" * request_bytes + b"\r\n"
    print("ready", flush=True)
    try:
        for line in sys.stdin:
            times = []
            for _ in range(int(line)):
                t0 = time.perf_counter()
                cs.sendall(frame)
                _, payload = read_msg(cs, cf)
                times.append((time.perf_counter() - t0) * 1e6)
                if len(payload) != reply_bytes:
                    raise ValueError("reply of %d bytes, expected %d" % (len(payload), reply_bytes))
            print(" ".join("%.1f" % t for t in times), flush=True)
    finally:
        os.kill(child, signal.SIGTERM)
        os.waitpid(child, 0)


if __name__ == "__main__":
    main()
