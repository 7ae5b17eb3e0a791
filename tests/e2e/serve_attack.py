#!/usr/bin/env python3
"""The shims' server loop attacked the way a hostile agent would, with
raw sockets and pipes.  Every check waits for an event (an answer, a
refusal, a close), never for a length of time; the timeouts below only
stop a broken shim from hanging the test.  Prints "ok - ..." and
"not ok - ..." lines; exits 1 if any failed.

usage: serve_attack.py http PORT MAX_CLIENTS
       serve_attack.py stdio COMMAND...   (signal-cli jsonRpc)
"""
import json
import os
import select
import socket
import subprocess
import sys
import time

failures = 0
GUARD = 120      # seconds before a missing event counts as a failure


def report(ok, what):
    global failures
    if not ok:
        failures += 1
    print(("ok - " if ok else "not ok - ") + what, flush=True)


CHECK = b"GET /api/v1/check HTTP/1.1\r\nHost: localhost\r\n\r\n"
# Closed by the shim once answered: its slot is free before the answer
# arrives here, so the counts below are exact.
CHECK_CLOSE = (b"GET /api/v1/check HTTP/1.1\r\nHost: localhost\r\n"
               b"Connection: close\r\n\r\n")


def connect(port):
    return socket.create_connection(("127.0.0.1", port), timeout=GUARD)


def well_behaved(port):
    """One complete request on a fresh connection: its status line."""
    s = connect(port)
    s.sendall(CHECK_CLOSE)
    out = b""
    while b"\r\n" not in out:
        b = s.recv(4096)
        if not b:
            break
        out += b
    s.close()
    return out.split(b"\r\n")[0]


def ended(s):
    """Wait until the server closes s: what it sent before, or None."""
    s.settimeout(GUARD)
    out = b""
    try:
        while True:
            b = s.recv(4096)
            if not b:
                return out
            out += b
    except (socket.timeout, ConnectionResetError):
        return None if not out else out


def http(port, max_clients):
    # (b) A slow client: half a request head, then nothing.  Another
    # trickles one byte of a head per answer it sees.  Neither may hold
    # anything up.
    slow = connect(port)
    slow.sendall(b"GET /api/v1/check HTTP/1.1\r\nHo")
    trickle = connect(port)
    trickle.sendall(b"G")
    served = 0
    for _ in range(5):
        if well_behaved(port) == b"HTTP/1.1 200 OK":
            served += 1
        trickle.sendall(b"E")
    report(served == 5, "half a head does not block later clients "
           "(5 of 5 served while it waits)")

    # (a) 200 clients at once, none sending a byte: every one beyond the
    # bound is refused at once (503, closed); the others are held.
    socks = [connect(port) for _ in range(200)]
    admitted = max_clients - 2          # the slow and the trickling one
    want_refused = 200 - admitted
    refused = 0
    other = 0
    pending = list(socks)
    deadline = time.monotonic() + GUARD
    while refused + other < want_refused and time.monotonic() < deadline:
        readable, _, _ = select.select(pending, [], [], 5)
        for s in readable:
            out = ended(s)
            pending.remove(s)
            if out is not None and (out == b"" or
                                    out.startswith(b"HTTP/1.1 503 ")):
                refused += 1
            else:
                other += 1
    report(refused == want_refused and other == 0,
           "200 clients at once: %d over the bound refused with 503 or "
           "closed (got %d, %d other)" % (want_refused, refused, other))
    # A held client that now behaves is served.
    held = pending[0]
    held.sendall(CHECK)
    held.settimeout(GUARD)
    line = held.recv(4096).split(b"\r\n")[0]
    report(line == b"HTTP/1.1 200 OK",
           "a held client that sends a request is served (%r)" % line)
    for s in socks:
        s.close()
    # Once the others are gone, a new client is served: retried while
    # the shim has not yet seen the closes (each answer is an event).
    line = b""
    for _ in range(400):
        line = well_behaved(port)
        if line != b"HTTP/1.1 503 Service Unavailable":
            break
    report(line == b"HTTP/1.1 200 OK",
           "after the flood a new client is served (%r)" % line)

    # (b) The slow clients are closed by the shim in the end, unanswered
    # or with an error, and never with a success.
    for s, what in ((slow, "half a head"), (trickle, "a trickled head")):
        out = ended(s)
        report(out is not None and not out.startswith(b"HTTP/1.1 200"),
               "the client that sent %s is closed by the shim" % what)


def stdio(cmd):
    # (c) jsonRpc on stdio: many requests in flight at once (gateway
    # calls and local ones, one batch) and a subscription: every id is
    # answered exactly once.
    n = 60
    lines = []
    for i in range(1, n + 1):
        method = "listGroups" if i % 3 else "version"
        lines.append({"jsonrpc": "2.0", "id": i, "method": method})
    lines.insert(10, {"jsonrpc": "2.0", "id": "sub",
                      "method": "subscribeReceive"})
    batch = [{"jsonrpc": "2.0", "id": "b%d" % i, "method": "listContacts"}
             for i in range(5)]
    want = [str(i) for i in range(1, n + 1)] + ["sub"] + \
        ["b%d" % i for i in range(5)]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    data = "".join(json.dumps(v) + "\n" for v in lines) + \
        json.dumps(batch) + "\n"
    p.stdin.write(data.encode())
    p.stdin.flush()
    seen = {}
    bad = []
    buf = b""
    deadline = time.monotonic() + GUARD
    fd = p.stdout.fileno()
    while any(k not in seen for k in want) and \
            time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 5)
        if not r:
            continue
        b = os.read(fd, 65536)
        if not b:
            break
        buf += b
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            v = json.loads(line)
            for m in v if isinstance(v, list) else [v]:
                if "id" not in m:
                    continue        # a receive notification
                k = str(m["id"])
                seen[k] = seen.get(k, 0) + 1
                if "error" in m:
                    bad.append(m)
    # Input ends: the shim finishes and says nothing more but what it
    # still owed (nothing).
    p.stdin.close()
    rest = p.stdout.read()
    for line in rest.splitlines():
        v = json.loads(line)
        for m in v if isinstance(v, list) else [v]:
            if "id" in m:
                k = str(m["id"])
                seen[k] = seen.get(k, 0) + 1
    rc = p.wait()
    missing = [k for k in want if k not in seen]
    twice = [k for k, c in seen.items() if c != 1]
    extra = [k for k in seen if k not in want]
    report(not missing and not twice and not extra,
           "jsonRpc: %d requests in flight and a subscription, each id "
           "answered exactly once (missing %s, twice %s, unknown %s)" %
           (len(want), missing[:5], twice[:5], extra[:5]))
    report(not bad, "jsonRpc: no request failed (%s)" %
           json.dumps(bad[:2]))
    report(rc == 0, "jsonRpc exits 0 at the end of input (%d)" % rc)


if sys.argv[1] == "http":
    http(int(sys.argv[2]), int(sys.argv[3]))
else:
    stdio(sys.argv[2:])
sys.exit(1 if failures else 0)
