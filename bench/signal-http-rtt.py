#!/usr/bin/env python3
"""Round trips for bench/bench-signal-http.sh, interleaved so that drift
hits every column alike:

  http     POST /api/v1/rpc {"method":"send"} to `signal-cli daemon --http`
           on one keep-alive connection (as OpenClaw's fetch does); the
           shim opens one gateway connection per request
  gateway  the same send straight to the gateway socket: connect, one
           request line, one answer line, close (what the shim does for
           each HTTP request)

usage: signal-http-rtt.py PORT GATEWAY_SOCKET RECIPIENT N WARMUP
Prints "key value" lines: <column>_p50_ms, _p90_ms, _p99_ms, _runs,
_errors.
"""
import http.client
import json
import socket
import sys
import time

port, gw_sock, to = int(sys.argv[1]), sys.argv[2], sys.argv[3]
n, warmup = int(sys.argv[4]), int(sys.argv[5])

body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "send",
                   "params": {"recipient": [to], "message": "hi"}})
line = (json.dumps({"jsonrpc": "2.0", "id": 1, "method": "send",
                    "params": {"channel": "signal", "recipients": [to],
                               "text": "hi"}}) + "\n").encode()
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)


def http_send():
    conn.request("POST", "/api/v1/rpc", body,
                 {"Content-Type": "application/json"})
    resp = conn.getresponse()
    data = resp.read()
    return resp.status == 200 and b'"SUCCESS"' in data


def gateway_send():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(gw_sock)
    s.sendall(line)
    out = b""
    while not out.endswith(b"\n"):
        b = s.recv(65536)
        if not b:
            break
        out += b
    s.close()
    return b'"SUCCESS"' in out


cols = {"http": (http_send, [], [0]), "gateway": (gateway_send, [], [0])}
for i in range(warmup + n):
    for name, (fn, times, errors) in cols.items():
        t0 = time.perf_counter()
        ok = fn()
        t1 = time.perf_counter()
        if i >= warmup:
            times.append((t1 - t0) * 1000)
            if not ok:
                errors[0] += 1


def pct(p, values):
    if not values:
        return "n/a"
    v = sorted(values)
    r = max(1, int(p / 100 * len(v) + 0.999999))
    return "%.3f" % v[r - 1]


for name, (fn, times, errors) in cols.items():
    for p in (50, 90, 99):
        print("%s_p%d_ms %s" % (name, p, pct(p, times)))
    print("%s_runs %d" % (name, len(times)))
    print("%s_errors %d" % (name, errors[0]))
