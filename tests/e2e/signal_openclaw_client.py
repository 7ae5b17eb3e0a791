#!/usr/bin/env python3
"""OpenClaw's Signal calls, with OpenClaw's own parameter spellings, made
through the signal-cli shim over HTTP (`daemon --http`) or the Unix
socket (`daemon --socket`), each answer compared with the shape
signal-cli 0.14.6 gives (tests/data/signal/results.json).

The calls are those of openclaw/openclaw extensions/signal/src:
  send.ts (02bfcf584b6cf7ea42142c76b261635c6859e4a8): sendMessageSignal
    {message, "text-style", account, recipient:[to] | groupId,
    "quote-timestamp", "quote-author"}; sendTypingSignal {recipient:[to]
    | groupId, account, stop?}; sendReadReceiptSignal {recipient:[to],
    targetTimestamp, type, account};
  send-reactions.ts (35108cea64cd2f2dbd708bcc3fb02f7752222dd6):
    sendReaction {emoji, targetTimestamp, remove?, targetAuthor,
    recipients:[to] and/or groupIds:[id], account};
  client.ts (1632db945001a6d15cb3aefdc8801c9ac563b51f): POST /api/v1/rpc
    {jsonrpc, method, params, id: uuid}, Content-Type application/json,
    201 = no result;
  client-unix.ts (8f57b41e2955a03dd5dbf509a0a6c055a2b06713): one
    connection per request, a line {jsonrpc, id: uuid, method, params},
    answer lines matched by id; events: subscribeReceive {account} ->
    integer, then "receive" notifications {subscription, result}.

usage: signal_openclaw_client.py FIXTURES http HOST PORT ARGS...
       signal_openclaw_client.py FIXTURES unix PATH ARGS...
ARGS: ACCOUNT ALLOWED GROUP REFUSED READY_FILE
  READY_FILE (unix only) is created once the receive subscription is
  answered; the test then injects a message and the client waits for it.
Prints "ok - ..." / "not ok - ..." lines; exits 1 if any failed.
"""
import http.client
import json
import os
import socket
import sys
import uuid

DEADLINE = 30.0  # seconds for one answer: a bound, not a timed check

FIXTURES = json.load(open(sys.argv[1]))["outputs"]
MODE = sys.argv[2]
if MODE == "http":
    HOST, PORT = sys.argv[3], int(sys.argv[4])
    rest = sys.argv[5:]
else:
    PATH = sys.argv[3]
    rest = sys.argv[4:]
ACCOUNT, ALLOWED, GROUP, REFUSED, READY = rest[:5]
failures = 0


def report(ok, what):
    global failures
    if not ok:
        failures += 1
    print(("ok - " if ok else "not ok - ") + "%s: %s" % (MODE, what),
          flush=True)


def shape(v):
    """Keys and JSON types, recursively; an array by its first element."""
    if isinstance(v, dict):
        return {k: shape(x) for k, x in v.items()}
    if isinstance(v, list):
        return [shape(v[0])] if v else []
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if v is None:
        return "null"
    return type(v).__name__


def same_shape(v, name):
    return shape(v) == shape(FIXTURES[name])


def rpc_http(method, params):
    body = {"jsonrpc": "2.0", "method": method, "id": str(uuid.uuid4())}
    if params is not None:
        body["params"] = params
    conn = http.client.HTTPConnection(HOST, PORT, timeout=DEADLINE)
    conn.request("POST", "/api/v1/rpc", json.dumps(body),
                 {"Content-Type": "application/json"})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    if resp.status == 201:
        return None, None
    msg = json.loads(data)
    if msg.get("id") != body["id"]:
        return None, {"code": "id", "message": "answer for another id"}
    return msg.get("result"), msg.get("error")


def unix_lines(s):
    buf = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            yield json.loads(line)


def rpc_unix(method, params):
    rid = str(uuid.uuid4())
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(DEADLINE)
    s.connect(PATH)
    req = {"jsonrpc": "2.0", "id": rid, "method": method}
    if params is not None:
        req["params"] = params
    s.sendall((json.dumps(req) + "\n").encode())
    try:
        for msg in unix_lines(s):
            if msg.get("id") == rid:
                return msg.get("result"), msg.get("error")
    finally:
        s.close()
    return None, {"code": "closed", "message": "closed before response"}


call = rpc_http if MODE == "http" else rpc_unix


def expect_result(what, method, params, fixture):
    result, error = call(method, params)
    report(error is None and same_shape(result, fixture),
           "%s answers signal-cli's shape (%s)" % (what, json.dumps(
               error if error is not None else result)[:300]))
    return result


TS = 1700000000123

expect_result("version", "version", None, "version")
# sendMessageSignal to a person, markdown styles, a reply.
sent = expect_result("send to a person", "send", {
    "message": "hello from OpenClaw", "text-style": ["0:5:BOLD"],
    "account": ACCOUNT, "recipient": [ALLOWED]}, "send")
expect_result("send to a group", "send", {
    "message": "hello group", "account": ACCOUNT, "groupId": GROUP},
    "send-group")
expect_result("send a reply", "send", {
    "message": "a reply", "account": ACCOUNT, "recipient": [ALLOWED],
    "quote-timestamp": TS, "quote-author": ALLOWED}, "send")
# sendReactionSignal: recipients and groupIds, plural.
expect_result("reaction (recipients)", "sendReaction", {
    "emoji": "\U0001f525", "targetTimestamp": TS, "targetAuthor": ALLOWED,
    "recipients": [ALLOWED], "account": ACCOUNT}, "sendReaction")
expect_result("reaction removed (recipients)", "sendReaction", {
    "emoji": "\U0001f525", "targetTimestamp": TS, "remove": True,
    "targetAuthor": ALLOWED, "recipients": [ALLOWED], "account": ACCOUNT},
    "sendReaction")
expect_result("group reaction (groupIds)", "sendReaction", {
    "emoji": "\U0001f44d", "targetTimestamp": TS, "targetAuthor": ALLOWED,
    "groupIds": [GROUP], "account": ACCOUNT}, "sendReaction-group")
# sendTypingSignal.
expect_result("typing", "sendTyping", {
    "recipient": [ALLOWED], "account": ACCOUNT}, "sendTyping")
expect_result("typing stopped", "sendTyping", {
    "recipient": [ALLOWED], "account": ACCOUNT, "stop": True}, "sendTyping")
result, error = call("sendTyping", {"groupId": GROUP, "account": ACCOUNT})
report(error is None and isinstance(result, dict) and
       isinstance(result.get("timestamp"), int),
       "typing in a group: {timestamp, results}")
# sendReadReceiptSignal passes recipient as a list; signal-cli 0.14.6
# reads it with getString and refuses it: so does the shim.
result, error = call("sendReceipt", {
    "recipient": [ALLOWED], "targetTimestamp": TS, "type": "read",
    "account": ACCOUNT})
report(error is not None and error.get("code") == -1 and
       "Invalid phone number" in error.get("message", "") and
       same_shape({k: error[k] for k in ("code", "message")}, "error"),
       "OpenClaw's read receipt (recipient as a list) is -1, as signal-cli "
       "answers it (%s)" % json.dumps(error))
expect_result("read receipt (recipient as signal-cli reads it)",
              "sendReceipt", {"recipient": ALLOWED, "targetTimestamp": TS,
                              "type": "read", "account": ACCOUNT},
              "sendReceipt")
expect_result("remote delete", "remoteDelete", {
    "targetTimestamp": sent.get("timestamp", TS) if isinstance(sent, dict)
    else TS, "recipients": [ALLOWED], "account": ACCOUNT}, "remoteDelete")
# Policy holds for every spelling: a refused person named in recipients.
result, error = call("sendReaction", {
    "emoji": "x", "targetTimestamp": TS, "targetAuthor": REFUSED,
    "recipients": [REFUSED], "account": ACCOUNT})
report(error is not None and error.get("code") == -1 and
       REFUSED in error.get("message", ""),
       "reaction to a refused recipient (recipients): -1 naming it")
result, error = call("sendTyping", {"recipients": [REFUSED]})
report(error is not None and error.get("code") == -1,
       "typing to a refused recipient (recipients): -1")
result, error = call("sendReaction", {
    "emoji": "x", "targetTimestamp": TS, "targetAuthor": ALLOWED,
    "recipient": [ALLOWED], "recipients": [REFUSED]})
report(error is None, "the singular wins over the plural, as signal-cli")

if MODE == "unix":
    # streamSignalUnixEvents: subscribeReceive {account}, an integer,
    # then receive notifications wrapped in {subscription, result}.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(DEADLINE)
    s.connect(PATH)
    rid = str(uuid.uuid4())
    s.sendall((json.dumps({"jsonrpc": "2.0", "id": rid,
                           "method": "subscribeReceive",
                           "params": {"account": ACCOUNT}}) +
               "\n").encode())
    sub = None
    got = None
    try:
        for msg in unix_lines(s):
            if msg.get("id") == rid:
                sub = msg.get("result")
                report(isinstance(sub, int) and not isinstance(sub, bool)
                       and sub >= 0, "subscribeReceive answers an integer")
                open(READY, "w").close()
                continue
            if msg.get("method") != "receive":
                continue
            p = msg.get("params") or {}
            if p.get("subscription") != sub:
                continue   # the on-start subscription's, as OpenClaw
            got = p.get("result")
            break
    except socket.timeout:
        pass
    s.close()
    report(isinstance(got, dict) and got.get("account") == ACCOUNT and
           isinstance(got.get("envelope"), dict),
           "a receive notification {subscription, result:{envelope, "
           "account}} arrived")

sys.exit(1 if failures else 0)
