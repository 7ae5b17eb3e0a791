#!/usr/bin/env python3
"""A signal-cli HTTP client written from TOOLS.md alone, doing what
OpenClaw's Signal channel does against `signal-cli daemon --http`: poll
/api/v1/check every 150 ms (1 s timeout) until the daemon answers, call
`version` and `listAccounts`, hold /api/v1/events open and wait for a
`receive` event, then `send`.  Every step prints one TAP-like line
("ok - ..." / "not ok - ...") that tests/e2e/t_signal_shim.sh counts;
JSON types are checked field by field.

usage: signal_http_client.py PORT ALLOWED REFUSED STATE_DIR
  STATE_DIR/ready is created once the event stream is open (the test
  then injects a message); STATE_DIR/sent-* record what was sent.
"""
import http.client
import json
import os
import sys
import threading
import time

PORT = int(sys.argv[1])
ALLOWED = sys.argv[2]
REFUSED = sys.argv[3]
STATE = sys.argv[4]
HOST = "127.0.0.1"
failures = 0


def report(ok, what):
    global failures
    if not ok:
        failures += 1
    print(("ok - " if ok else "not ok - ") + what, flush=True)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def request(method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp, data


def rpc(payload, content_type="application/json"):
    return request("POST", "/api/v1/rpc", json.dumps(payload),
                   {"Content-Type": content_type})


def call(method, params=None, rid=1):
    req = {"jsonrpc": "2.0", "method": method, "id": rid}
    if params is not None:
        req["params"] = params
    resp, data = rpc(req)
    if resp.status != 200:
        return resp.status, None
    return resp.status, json.loads(data)


# 1. Start-up probe: /api/v1/check every 150 ms, 1 s timeout each.
deadline = time.monotonic() + 20
up = False
while time.monotonic() < deadline:
    try:
        conn = http.client.HTTPConnection(HOST, PORT, timeout=1)
        conn.request("GET", "/api/v1/check")
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        if resp.status == 200:
            up = True
            report(body == b"", "check answers 200 with an empty body")
            break
    except OSError:
        pass
    time.sleep(0.15)
report(up, "daemon came up (/api/v1/check)")
if not up:
    sys.exit(1)

# 2. version, listAccounts.
status, r = call("version")
report(status == 200 and r.get("jsonrpc") == "2.0" and r.get("id") == 1
       and isinstance(r.get("result", {}).get("version"), str),
       "version answers {\"version\": string}")
status, r = call("listAccounts", rid=2)
report(status == 200 and r.get("error", {}).get("code") == -32601
       and r.get("id") == 2 and "result" not in r,
       "listAccounts: -32601 from a single-account daemon")

# 3. Hold /api/v1/events; a reader thread collects events.
events = []
raw_lines = []
ev_conn = http.client.HTTPConnection(HOST, PORT, timeout=60)
ev_conn.request("GET", "/api/v1/events")
ev_resp = ev_conn.getresponse()
report(ev_resp.status == 200, "events: 200")
report((ev_resp.getheader("Content-Type") or "").startswith(
    "text/event-stream"), "events: Content-Type text/event-stream")
got_event = threading.Event()


def reader():
    name, data = None, []
    try:
        while True:
            line = ev_resp.readline()
            if not line:
                return
            line = line.decode("utf-8").rstrip("\n")
            raw_lines.append(line)
            if line == "":
                if data:
                    events.append((name, "\n".join(data)))
                    got_event.set()
                name, data = None, []
            elif line.startswith(":"):
                continue
            elif line.startswith("event:"):
                name = line[len("event:"):]
            elif line.startswith("data:"):
                data.append(line[len("data:"):])
    except Exception:
        return


threading.Thread(target=reader, daemon=True).start()
open(os.path.join(STATE, "ready"), "w").close()
report(got_event.wait(30), "a receive event arrived on the stream")
if events:
    name, data = events[0]
    report(name == "receive", "event name is receive")
    report(any(l.startswith("event:receive") for l in raw_lines)
           and any(l.startswith("data:{") for l in raw_lines),
           "no space after event: and data:")
    msg = json.loads(data)
    env = msg.get("envelope", {})
    dm = env.get("dataMessage", {})
    report(isinstance(msg.get("account"), str), "account is a string")
    for k in ("source", "sourceNumber", "sourceUuid", "sourceName"):
        report(isinstance(env.get(k), str), "envelope.%s is a string" % k)
    for k in ("sourceDevice", "timestamp"):
        report(is_int(env.get(k)), "envelope.%s is an integer" % k)
    report(is_int(dm.get("timestamp")), "dataMessage.timestamp integer")
    report(isinstance(dm.get("message"), str), "dataMessage.message string")
    report(is_int(dm.get("expiresInSeconds")),
           "dataMessage.expiresInSeconds integer")
    report(dm.get("message") == "hello over http",
           "the injected message came through unchanged")
    with open(os.path.join(STATE, "event.json"), "w") as f:
        f.write(data)

# 4. send: allowed (delivered), refused (signal-cli's user error).
status, r = call("send", {"recipient": [ALLOWED], "message": "hi from http",
                          "account": "+14155550199"}, rid=3)
res = (r or {}).get("result", {})
report(status == 200 and is_int(res.get("timestamp")),
       "send: result.timestamp is an integer")
results = res.get("results") or [{}]
addr = results[0].get("recipientAddress", {})
report(isinstance(results, list) and results[0].get("type") == "SUCCESS"
       and addr.get("number") == ALLOWED
       and isinstance(addr.get("uuid"), str),
       "send: results[0] SUCCESS to the recipient, uuid string")
status, r = call("send", {"recipient": REFUSED, "message": "nope"}, rid=4)
err = (r or {}).get("error", {})
report(status == 200 and err.get("code") == -1 and
       REFUSED in err.get("message", "") and "result" not in r and
       r.get("id") == 4, "send to a refused recipient: error -1 naming it")

# 5. HTTP status codes as the real daemon.
resp, body = rpc({"jsonrpc": "2.0", "id": 5, "method": "version"},
                 "text/plain")
report(resp.status == 415 and body == b"", "wrong Content-Type: 415")
resp, body = request("GET", "/api/v1/rpc")
report(resp.status == 405, "GET /api/v1/rpc: 405")
# HttpServerHandler (AsamK/signal-cli v0.14.6): rpc and events check
# Host, check does not; a port other than the bound one is refused.
resp, body = request("GET", "/api/v1/check",
                     headers={"Host": "evil.example:8080"})
report(resp.status == 200, "check takes any Host, as signal-cli's")
resp, body = request("POST", "/api/v1/rpc", json.dumps(
    {"jsonrpc": "2.0", "id": 6, "method": "version"}),
    {"Content-Type": "application/json", "Host": "evil.example"})
report(resp.status == 421 and body == b"", "foreign Host header: 421")
resp, body = request("POST", "/api/v1/rpc", json.dumps(
    {"jsonrpc": "2.0", "id": 6, "method": "version"}),
    {"Content-Type": "application/json",
     "Host": "127.0.0.1:%d" % (PORT + 1 if PORT < 65535 else 1)})
report(resp.status == 421, "Host naming another port: 421")
resp, body = request("POST", "/api/v1/rpc", json.dumps(
    {"jsonrpc": "2.0", "method": "sendTyping",
     "params": {"recipient": ALLOWED}}),
    {"Content-Type": "application/json"})
report(resp.status == 201 and body == b"", "notification: 201, empty body")
resp, body = request("GET", "/api/v1/nothing")
report(resp.status == 404, "unknown path: 404")
resp, body = request("POST", "/api/v1/rpc", "{broken",
                     {"Content-Type": "application/json"})
r = json.loads(body)
report(resp.status == 200 and r["error"]["code"] == -32700 and
       r["id"] is None, "unparsable body: -32700, id null")

# 6. A batch: answers for the requests with ids, in order.
resp, body = rpc([
    {"jsonrpc": "2.0", "id": 10, "method": "version"},
    {"jsonrpc": "2.0", "id": 11, "method": "send",
     "params": {"recipient": ALLOWED, "message": "batch send"}},
    {"jsonrpc": "2.0", "method": "sendTyping",
     "params": {"recipient": ALLOWED, "stop": True}},
    {"jsonrpc": "2.0", "id": 12, "method": "noSuchMethod"},
])
r = json.loads(body)
report(resp.status == 200 and isinstance(r, list) and len(r) == 3,
       "batch: three answers for three ids")
if isinstance(r, list) and len(r) == 3:
    byid = {a["id"]: a for a in r}
    report(isinstance(byid[10]["result"]["version"], str), "batch: version")
    report(byid[11]["result"]["results"][0]["type"] == "SUCCESS",
           "batch: send delivered")
    report(byid[12]["error"]["code"] == -32601, "batch: unknown method")

# 7. Lists and the other methods.
status, r = call("listGroups", rid=20)
groups = (r or {}).get("result")
report(isinstance(groups, list) and len(groups) >= 1 and all(
    isinstance(g.get("id"), str) and isinstance(g.get("name"), str) and
    isinstance(g.get("isMember"), bool) for g in groups),
    "listGroups: a list of groups, id/name strings, isMember boolean")
status, r = call("listContacts", rid=21)
contacts = (r or {}).get("result")
report(isinstance(contacts, list) and all(
    isinstance(c.get("number"), str) for c in contacts),
    "listContacts: a list, number strings")
status, r = call("sendTyping", {"recipient": ALLOWED}, rid=22)
res = (r or {}).get("result") or {}
report(is_int(res.get("timestamp")) and isinstance(res.get("results"), list),
       "sendTyping: {timestamp, results}")
status, r = call("sendReaction", {"recipient": ALLOWED, "emoji": "\U0001F44D",
                                  "targetAuthor": ALLOWED,
                                  "target-timestamp": 1700000000001},
                 rid=23)
report("result" in r, "sendReaction (dashed param) answered")
status, r = call("sendTyping", {"recipient": REFUSED}, rid=24)
report(r.get("error", {}).get("code") == -1, "sendTyping refused: -1")

ev_conn.close()
print("client done, %d failures" % failures, flush=True)
sys.exit(1 if failures else 0)
