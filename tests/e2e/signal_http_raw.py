#!/usr/bin/env python3
"""Raw HTTP/1.1 checks against `signal-cli daemon --http` that a
high-level client hides: pipelining and keep-alive, bounds (431, 413),
other versions (505), Expect: 100-continue, many clients at once.
Prints "ok - ..." / "not ok - ..." lines.  usage: signal_http_raw.py PORT
"""
import json
import socket
import sys
import threading

PORT = int(sys.argv[1])
failures = 0


def report(ok, what):
    global failures
    if not ok:
        failures += 1
    print(("ok - " if ok else "not ok - ") + what, flush=True)


def exchange(data, want_responses=1, timeout=20):
    s = socket.create_connection(("127.0.0.1", PORT), timeout=timeout)
    s.sendall(data)
    out = b""
    try:
        while out.count(b"HTTP/1.1 ") < want_responses or \
                not complete(out, want_responses):
            b = s.recv(65536)
            if not b:
                break
            out += b
    except socket.timeout:
        pass
    s.close()
    return out


def complete(out, n):
    # n responses with their Content-length bodies all present
    rest = out
    for _ in range(n):
        head, sep, rest = rest.partition(b"\r\n\r\n")
        if not sep:
            return False
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        if len(rest) < length:
            return False
        rest = rest[length:]
    return True


rpc = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "version"}).encode()
req = (b"POST /api/v1/rpc HTTP/1.1\r\nHost: localhost\r\n"
       b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
       % (len(rpc), rpc))
check = b"GET /api/v1/check HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
out = exchange(req + check + req, 3)
report(out.count(b"HTTP/1.1 200 OK") == 3 and
       out.count(b'"result":{"version":"0.14.6"},"id":7') == 2,
       "three pipelined requests on one connection, answered in order")
out = exchange(b"GET /api/v1/check HTTP/1.1\r\nHost: localhost\r\n"
               + b"X-Big: " + b"a" * 20000 + b"\r\n\r\n")
report(out.startswith(b"HTTP/1.1 431 "), "a 20 KiB head: 431")
out = exchange(b"POST /api/v1/rpc HTTP/1.1\r\nHost: localhost\r\n"
               b"Content-Type: application/json\r\n"
               b"Content-Length: 2000000\r\n\r\n")
report(out.startswith(b"HTTP/1.1 413 "), "a 2 MB body: 413")
out = exchange(b"GET /api/v1/check HTTP/2.0\r\nHost: localhost\r\n\r\n")
report(out.startswith(b"HTTP/1.1 505 "), "HTTP/2.0: 505")
out = exchange(b"POST /api/v1/rpc HTTP/1.1\r\nHost: localhost\r\n"
               b"Content-Type: application/json\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n")
report(out.startswith(b"HTTP/1.1 411 "), "a chunked request body: 411")
# Expect: 100-continue: the interim answer, then the body is read.
s = socket.create_connection(("127.0.0.1", PORT), timeout=20)
s.sendall(b"POST /api/v1/rpc HTTP/1.1\r\nHost: localhost\r\n"
          b"Content-Type: application/json\r\nExpect: 100-continue\r\n"
          b"Content-Length: %d\r\n\r\n" % len(rpc))
interim = s.recv(4096)
s.sendall(rpc)
out = b""
while not complete(out, 1):
    b = s.recv(65536)
    if not b:
        break
    out += b
s.close()
report(interim.startswith(b"HTTP/1.1 100 Continue\r\n\r\n") and
       b'"version":"0.14.6"' in out, "Expect: 100-continue")
out = exchange(b"GET /api/v1/check HTTP/1.0\r\n\r\n")
report(out.startswith(b"HTTP/1.1 200 "), "HTTP/1.0 without Host: 200")

# Many clients at once, each with its own gateway round trip.
results = []


def one():
    results.append(exchange(req))


threads = [threading.Thread(target=one) for _ in range(40)]
for t in threads:
    t.start()
for t in threads:
    t.join()
report(len(results) == 40 and all(
    b'"result":{"version":"0.14.6"}' in r for r in results),
    "40 clients at once all answered")
sys.exit(1 if failures else 0)
