#!/usr/bin/env python3
"""imsg rpc round trip through the gateway, against the floor, one run.

Usage: imsg-rpc.py FLOOR_SOCK GATEWAY_SOCK N WARMUP TO -- SHIM [ARGS]

One `SHIM rpc --json` process stays up (as OpenClaw keeps it); each
request is written and its answer awaited before the next.  Measured,
interleaved round by round so drift hits all alike:

  floor     this process connects to FLOOR_SOCK (systemd-socket-activate
            --accept -> bench/null-handler), writes a line, reads the
            answer: what any request to a socket-activated service costs
            a client that is already running
  direct    the same to GATEWAY_SOCK with the gateway's chats.list: the
            gateway and the simulated tool without the rpc layer
  chats     chats.list {"limit":1} over the rpc process
  send      send {"to":TO,"text":"hi"} over the rpc process

Prints "key value" lines (milliseconds, nearest-rank percentiles).
"""

import json
import os
import socket
import subprocess
import sys
import time


def pct(values, p):
    if not values:
        return "n/a"
    v = sorted(values)
    r = max(1, int(p / 100.0 * len(v) + 0.999999))
    return "%.3f" % (v[r - 1] / 1e6)


def unix_round_trip(path, line):
    t0 = time.perf_counter_ns()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(line)
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    s.close()
    t1 = time.perf_counter_ns()
    ok = b'"result"' in buf
    return t1 - t0, ok


def main():
    sep = sys.argv.index("--")
    floor_sock, gw_sock, n, warmup, to = sys.argv[1:sep]
    n, warmup = int(n), int(warmup)
    shim = sys.argv[sep + 1:]
    env = dict(os.environ, CARAPACE_SOCKET=gw_sock)
    p = subprocess.Popen(shim + ["rpc", "--json"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, env=env, bufsize=0)
    out = p.stdout
    next_id = [0]

    def rpc(method, params):
        next_id[0] += 1
        req = json.dumps({"jsonrpc": "2.0", "id": next_id[0],
                          "method": method, "params": params}).encode()
        t0 = time.perf_counter_ns()
        p.stdin.write(req + b"\n")
        line = out.readline()
        t1 = time.perf_counter_ns()
        try:
            ans = json.loads(line)
            ok = ans.get("id") == next_id[0] and "result" in ans
        except ValueError:
            ok = False
        return t1 - t0, ok

    floor_line = b'{"jsonrpc":"2.0","id":1,"method":"gateway.ping"}\n'
    direct_line = (b'{"jsonrpc":"2.0","id":1,"method":"chats.list",'
                   b'"params":{"channel":"imsg","limit":1}}\n')
    cols = {"floor": [], "direct": [], "chats": [], "send": []}
    errors = dict((k, 0) for k in cols)
    for i in range(warmup + n):
        for name in cols:
            if name == "floor":
                dt, ok = unix_round_trip(floor_sock, floor_line)
            elif name == "direct":
                dt, ok = unix_round_trip(gw_sock, direct_line)
            elif name == "chats":
                dt, ok = rpc("chats.list", {"limit": 1})
            else:
                dt, ok = rpc("send", {"to": to, "text": "hi"})
            if i >= warmup:
                cols[name].append(dt)
                errors[name] += 0 if ok else 1
    p.stdin.close()
    rc = p.wait(timeout=30)
    for name, vals in cols.items():
        print("rpc_%s_p50_ms %s" % (name, pct(vals, 50)))
        print("rpc_%s_p99_ms %s" % (name, pct(vals, 99)))
        print("rpc_%s_errors %d" % (name, errors[name]))
    f50 = pct(cols["floor"], 50)
    for name in ("chats", "send", "direct"):
        v = pct(cols[name], 50)
        if f50 != "n/a" and v != "n/a" and float(f50) > 0:
            print("rpc_%s_over_floor %.2f" % (name, float(v) / float(f50)))
    c50, d50 = pct(cols["chats"], 50), pct(cols["direct"], 50)
    if c50 != "n/a" and d50 != "n/a":
        print("rpc_layer_p50_ms %.3f (rpc chats.list - direct chats.list)"
              % (float(c50) - float(d50)))
    print("rpc_exit_status %d" % rc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
