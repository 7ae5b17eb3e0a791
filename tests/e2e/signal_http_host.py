#!/usr/bin/env python3
"""Host and port spellings against `signal-cli daemon --http`, written as
an attacker who reaches the port (a web page rebinding its name to
127.0.0.1, a container on the bridge) and tries every way of naming the
server.  The expected status for each is what signal-cli 0.14.6's
HttpServerHandler.isHostAllowed decides (AsamK/signal-cli
21dd00d96a482549d89c7961d7a60a4b8724252b,
src/main/java/org/asamk/signal/http/HttpServerHandler.java): on a
loopback bind, rpc and events need a loopback name or the bind host and,
with a port, the bound one; check needs nothing; on a wildcard bind
nothing is checked.

usage: signal_http_host.py PORT loopback|wildcard
Prints "ok - ..." / "not ok - ..." lines; exits 1 if any failed.
"""
import json
import socket
import sys

PORT = int(sys.argv[1])
MODE = sys.argv[2]
failures = 0


def report(ok, what):
    global failures
    if not ok:
        failures += 1
    print(("ok - " if ok else "not ok - ") + what, flush=True)


def status_of(head_lines, body=b"", method="POST", path="/api/v1/rpc",
              version="HTTP/1.1"):
    """One raw request; the status code answered (0: none)."""
    s = socket.create_connection(("127.0.0.1", PORT), timeout=30)
    req = ("%s %s %s\r\n" % (method, path, version)).encode()
    for h in head_lines:
        req += h + b"\r\n"
    if method == "POST":
        req += b"Content-Type: application/json\r\n"
        req += b"Content-Length: %d\r\n" % len(body)
    req += b"Connection: close\r\n\r\n" + body
    s.sendall(req)
    out = b""
    try:
        while b"\r\n" not in out:
            b = s.recv(4096)
            if not b:
                break
            out += b
    except socket.timeout:
        pass
    s.close()
    try:
        return int(out.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


RPC = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "version"}).encode()
P = str(PORT).encode()
OTHER = str(PORT + 1 if PORT < 65535 else PORT - 1).encode()

# (Host header value or None for none, allowed on a loopback bind)
CASES = [
    (b"localhost", True),
    (b"localhost:" + P, True),
    (b"LocalHost:" + P, True),
    (b"127.0.0.1:" + P, True),
    (b"[::1]:" + P, True),
    (b"[::1]", True),
    (b"localhost:0" + P, True),          # Integer.parseInt("08080")
    (b"[::1]:+" + P, True),              # parseInt takes a sign
    (b"[::1]trailing", True),            # ignored after "]"
    (b"localhost:" + OTHER, False),      # another port
    (b"127.0.0.1:80", False),
    (b"[::1]:" + OTHER, False),
    (b"localhost:", False),              # parseInt("")
    (b"[::1]:", False),
    (b"localhost:4294967296" + P, False),  # no int
    (b"localhost:-" + P, False),
    (b"localhost:+" + P, False),         # not all digits: no port
    (b"evil.example", False),
    (b"evil.example:" + P, False),
    (b"localhost.evil.example:" + P, False),
    (b"127.0.0.1.nip.io:" + P, False),
    (b"host.docker.internal:" + P, False),
    (b"localhost@evil.example", False),
    (b"::1", False),                     # unbracketed: ":" + "1"
    (b"[::1", False),
    (b"127.0.0.2:" + P, False),
    (b"0.0.0.0:" + P, False),
    (b"", False),
    (None, False),                       # HTTP/1.0 without Host below
]

for host, allowed in CASES:
    if host is None:
        st = status_of([], RPC, version="HTTP/1.0")
        what = "no Host (HTTP/1.0)"
    else:
        st = status_of([b"Host: " + host], RPC)
        what = "Host %r" % host.decode()
    want_ok = allowed or MODE == "wildcard"
    if host == b"":
        # An empty Host: signal-cli refuses it (421); on a wildcard
        # bind nothing is checked.
        want_ok = MODE == "wildcard"
    report((st == 200) if want_ok else (st == 421),
           "%s on %s rpc: %s (%d)" % (what, MODE,
                                      "served" if want_ok else "421", st))

# events: the same rule (the stream itself is tested elsewhere; a
# refused one never opens).
st = status_of([b"Host: evil.example:" + P], method="GET",
               path="/api/v1/events")
report(st == (200 if MODE == "wildcard" else 421),
       "events with a foreign Host on %s: %d" % (MODE, st))
# rpc and events match by prefix as Java's HttpServer picks a context:
# the Host check comes before the path check.
st = status_of([b"Host: evil.example"], RPC, path="/api/v1/rpcx")
report(st == (404 if MODE == "wildcard" else 421),
       "a path under the rpc context with a foreign Host: %d" % st)
# check never looks at Host.
st = status_of([b"Host: evil.example:1"], method="GET",
               path="/api/v1/check")
report(st == 200, "check with a foreign Host: 200 (%d)" % st)
# Two Host headers: which one counts is ambiguous, so neither.
st = status_of([b"Host: localhost:" + P, b"Host: evil.example"], RPC)
report(st == 400, "two Host headers: 400 (%d)" % st)

sys.exit(1 if failures else 0)
