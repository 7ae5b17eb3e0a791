#!/usr/bin/env python3
"""A client of `imsg rpc` written from TOOLS.md alone, driving the shim the
way OpenClaw's iMessage extension drives the real tool: probe `rpc --help`
and `status --json`, spawn `rpc --json`, `chats.list {"limit":1}`, subscribe
with include_reactions, receive what the watcher publishes, send, and check
every field's JSON type as OpenClaw does before it accepts a message.

Usage: imsg_rpc_client.py SIMDIR ATTACHMENT -- COMMAND...
COMMAND runs the shim (e.g. setpriv ... imsg).  SIMDIR is the simulated
imsg's directory (inbound.jsonl is appended to, spool/ and signals/ are
read).  Prints one "PASS <what>" or "FAIL <what>: <why>" line per check.
"""

import json
import os
import queue
import subprocess
import sys
import threading
import time

DEADLINE = 20.0  # seconds to wait for any one answer (a bound, not a check)

checks = []


def check(what, cond, why=""):
    checks.append(bool(cond))
    print(("PASS %s" % what) if cond else ("FAIL %s: %s" % (what, why)),
          flush=True)
    return bool(cond)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_iso_ms(v):
    # 2026-05-16T15:24:36.123Z
    return (isinstance(v, str) and len(v) == 24 and v[10] == "T" and
            v[19] == "." and v.endswith("Z"))


def type_errors(obj, spec):
    """Fields of obj whose JSON type is not the one spec names."""
    bad = []
    for key, kind in spec.items():
        optional = key.endswith("?")
        key = key.rstrip("?")
        if key not in obj:
            if not optional:
                bad.append("%s missing" % key)
            continue
        v = obj[key]
        ok = {
            "int": is_int(v),
            "str": isinstance(v, str),
            "bool": isinstance(v, bool),
            "iso": is_iso_ms(v),
            "strs": isinstance(v, list) and all(isinstance(x, str)
                                                for x in v),
            "list": isinstance(v, list),
            "obj": isinstance(v, dict),
        }[kind]
        if not ok:
            bad.append("%s=%r is not %s" % (key, v, kind))
    # Optional fields are omitted, never null.
    bad += ["%s is null" % k for k, v in obj.items() if v is None]
    return bad


CHAT = {"id": "int", "identifier": "str", "guid": "str", "name": "str",
        "service": "str", "last_message_at": "iso", "participants": "strs",
        "is_group": "bool"}
MESSAGE = {"id": "int", "chat_id": "int", "guid": "str", "sender": "str",
           "is_from_me": "bool", "text": "str", "created_at": "iso",
           "attachments": "list", "reactions": "list",
           "chat_identifier": "str", "chat_guid": "str", "chat_name": "str",
           "participants": "strs", "is_group": "bool",
           "reply_to_guid?": "str", "sender_name?": "str"}


class Rpc:
    def __init__(self, cmd):
        self.p = subprocess.Popen(cmd + ["rpc", "--json"],
                                  stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, bufsize=0)
        self.lines = queue.Queue()
        self.raw = []
        self.answers = {}
        self.notes = []
        self.bad_lines = []
        t = threading.Thread(target=self._read, daemon=True)
        t.start()

    def _read(self):
        for line in self.p.stdout:
            self.raw.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def write(self, *objs):
        data = b"".join(o if isinstance(o, bytes) else
                        json.dumps(o).encode() + b"\n" for o in objs)
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def pump(self, until, timeout=DEADLINE):
        """Read lines until until() is true; False on timeout or EOF."""
        end = time.monotonic() + timeout
        while not until():
            left = end - time.monotonic()
            if left <= 0:
                return False
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                return False
            if line is None:
                return until()
            try:
                msg = json.loads(line)
            except ValueError:
                self.bad_lines.append(line)
                continue
            if not isinstance(msg, dict) or msg.get("jsonrpc") != "2.0":
                self.bad_lines.append(line)
            elif "id" in msg:
                self.answers[json.dumps(msg["id"])] = msg
            else:
                self.notes.append(msg)
        return True

    def call(self, rid, method, params=None):
        req = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            req["params"] = params
        self.write(req)
        key = json.dumps(rid)
        self.pump(lambda: key in self.answers)
        return self.answers.get(key)

    def messages(self, sub):
        return [n["params"]["message"] for n in self.notes
                if n.get("method") == "message" and
                n.get("params", {}).get("subscription") == sub]


def inbound(simdir, line):
    with open(os.path.join(simdir, "inbound.jsonl"), "a") as f:
        f.write(json.dumps(line, separators=(",", ":")) + "\n")


def msg(rowid, chat, sender, text, ident, group=False, **extra):
    m = {"id": rowid, "chat_id": chat, "guid": "G-%d" % rowid,
         "sender": sender, "is_from_me": False, "text": text,
         "created_at": "2026-05-16T15:24:36.123Z", "attachments": [],
         "reactions": [], "chat_identifier": ident,
         "chat_guid": "iMessage;-;" + ident, "chat_name": "",
         "participants": [sender], "is_group": group}
    m.update(extra)
    return m


def records(simdir, sub):
    d = os.path.join(simdir, sub)
    if not os.path.isdir(d):
        return []
    out = []
    for name in sorted(os.listdir(d)):
        if not name.startswith("."):
            with open(os.path.join(d, name)) as f:
                out.append(json.loads(f.read()))
    return out


def error_shape(answer, code, message):
    err = (answer or {}).get("error")
    return (isinstance(err, dict) and err.get("code") == code and
            err.get("message") == message and
            isinstance(err.get("data"), str) and "result" not in answer)


def main():
    sep = sys.argv.index("--")
    simdir, attachment = sys.argv[1:sep]
    cmd = sys.argv[sep + 1:]

    # Probes, as OpenClaw makes them before it starts the server.
    r = subprocess.run(cmd + ["rpc", "--help"], capture_output=True,
                       timeout=DEADLINE)
    check("rpc --help exits 0", r.returncode == 0, r.returncode)
    check("rpc --help describes rpc", b"imsg rpc" in r.stdout, r.stdout[:200])
    r = subprocess.run(cmd + ["status", "--json"], capture_output=True,
                       timeout=DEADLINE)
    check("status --json exits 0", r.returncode == 0, r.stdout[:300])
    try:
        status = json.loads(r.stdout.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        status = {}
    check("status --json types", not type_errors(status, {
        "version": "str", "basic_features": "bool",
        "advanced_features": "bool", "v2_ready": "bool",
        "selectors": "obj", "rpc_methods": "strs"}),
        type_errors(status, {}))
    check("status lists every rpc method",
          set(status.get("rpc_methods", [])) >= {
              "chats.list", "messages.history", "watch.subscribe",
              "watch.unsubscribe", "send", "typing", "read"},
          status.get("rpc_methods"))

    rpc = Rpc(cmd)
    a = rpc.call(1, "chats.list", {"limit": 1})
    chats = ((a or {}).get("result") or {}).get("chats")
    check("chats.list answers id 1 with chats[]",
          a is not None and a.get("id") == 1 and isinstance(chats, list) and
          len(chats) == 1, a)
    if chats:
        check("chat field types", not type_errors(chats[0], CHAT),
              type_errors(chats[0], CHAT))

    a = rpc.call(2, "watch.subscribe",
                 {"attachments": False, "include_reactions": True})
    sub = ((a or {}).get("result") or {}).get("subscription")
    check("watch.subscribe answers {subscription:int}", is_int(sub), a)

    att = {"filename": "~/Library/Messages/Attachments/x/IMG_1.jpeg",
           "transfer_name": "IMG_1.jpeg", "uti": "public.jpeg",
           "mime_type": "image/jpeg", "total_bytes": 1234,
           "is_sticker": False, "original_path": "/x/IMG_1.jpeg",
           "missing": False}
    inbound(simdir, msg(5001, 1, "+14155550100", "hello over rpc",
                        "+14155550100", attachments=[att]))
    inbound(simdir, msg(5002, 4, "+14155559999", "stranger", "+14155559999"))
    inbound(simdir, msg(5003, 1, "+14155550100", "", "+14155550100",
                        is_reaction=True, reaction_type="love",
                        reaction_emoji="\u2764\ufe0f", is_reaction_add=True,
                        reacted_to_guid="G-5001"))
    inbound(simdir, msg(5004, 1, "+14155550100", "code 771234 is yours",
                        "+14155550100"))
    got = rpc.pump(lambda: len(rpc.messages(sub)) >= 3)
    ms = rpc.messages(sub)
    check("watcher messages arrive as notifications", got,
          [m.get("id") for m in ms])
    check("only allowed messages, in rowid order",
          [m.get("id") for m in ms] == [5001, 5003, 5004],
          [m.get("id") for m in ms])
    for m in ms:
        check("message %s field types" % m.get("id"),
              not type_errors(m, MESSAGE), type_errors(m, MESSAGE))
    if ms:
        check("attachments:false leaves attachments empty",
              ms[0].get("attachments") == [], ms[0].get("attachments"))
        check("notification shape",
              all(set(n) == {"jsonrpc", "method", "params"} and
                  set(n["params"]) == {"subscription", "message"}
                  for n in rpc.notes), rpc.notes[:1])
    if len(ms) >= 2:
        check("reaction event passed with include_reactions",
              ms[1].get("is_reaction") is True and
              ms[1].get("reacted_to_guid") == "G-5001", ms[1])
    if len(ms) >= 3:
        check("one-time code scrubbed on the stream",
              "771234" not in ms[2].get("text", "771234"), ms[2])

    # Sending: allowed once, refused with the real tool's error shape.
    before = len(records(simdir, "spool"))
    a = rpc.call(3, "send", {"to": "+14155550123", "text": "over rpc"})
    check("send to an allowed recipient answers {ok:true}",
          a is not None and a.get("result", {}).get("ok") is True and
          a.get("id") == 3, a)
    # What OpenClaw keeps as the message id (RPCServer+Handlers.swift).
    r = (a or {}).get("result", {})
    check("send answers the real send's transport, id and guid",
          r.get("transport") == "applescript" and
          type(r.get("id")) is int and isinstance(r.get("guid"), str) and
          set(r) == {"ok", "transport", "id", "guid"}, a)
    sent = records(simdir, "spool")[before:]
    check("delivered exactly once", len(sent) == 1 and
          sent[0].get("to") == "+14155550123" and
          sent[0].get("text") == "over rpc", sent)
    a = rpc.call("s-4", "send", {"to": "+14155559999", "text": "nope"})
    check("refused recipient: -32603 Internal error with string data",
          error_shape(a, -32603, "Internal error") and
          "recipient not allowed" in a["error"]["data"] and
          a.get("id") == "s-4", a)
    a = rpc.call(5, "send", {"to": "+14155550123", "chat_id": 1,
                             "text": "x"})
    check("to with chat_id: -32602 as the real server",
          error_shape(a, -32602, "Invalid params") and
          a["error"]["data"] == "use to or chat_*; not both", a)
    a = rpc.call(6, "send", {"to": "+14155550123"})
    check("neither text nor file: -32602",
          error_shape(a, -32602, "Invalid params") and
          a["error"]["data"] == "text or file is required", a)
    a = rpc.call(7, "send", {"to": "+14155550123", "text": "pic",
                             "file": attachment})
    sent = records(simdir, "spool")[before:]
    check("send with a file goes by descriptor",
          a is not None and a.get("result", {}).get("ok") is True and
          len(sent) == 2 and sent[1].get("file_size") ==
          os.path.getsize(attachment) and
          sent[1].get("file") != attachment, (a, sent[-1:]))
    a = rpc.call(8, "send", {"to": "+14155550123",
                             "text": "card 4111 1111 1111 1111"})
    check("held for approval: -32603 with the hold in data",
          error_shape(a, -32603, "Internal error") and
          a["error"]["data"].startswith("held for approval: hold "), a)
    a = rpc.call(9, "send", {"to": "+14155550123",
                             "text": "my password: hunter2"})
    check("content blocked: -32603 with the rule in data",
          error_shape(a, -32603, "Internal error") and
          a["error"]["data"] == "content blocked: rule passwords", a)
    check("nothing sent for refused requests",
          len(records(simdir, "spool")) == before + 2,
          len(records(simdir, "spool")) - before)

    # Many requests in flight at once, ids echoed exactly.
    sig_before = len(records(simdir, "signals"))
    batch = [
        {"jsonrpc": "2.0", "id": 10, "method": "chats.list",
         "params": {"limit": 5}},
        {"jsonrpc": "2.0", "id": "eleven", "method": "messages.history",
         "params": {"chat_id": 1, "limit": 3}},
        {"jsonrpc": "2.0", "id": 12.5, "method": "typing",
         "params": {"to": "mom"}},
        {"jsonrpc": "2.0", "id": [13], "method": "read",
         "params": {"to": "+14155550100"}},
        {"jsonrpc": "2.0", "id": {"n": 14}, "method": "no.such"},
        {"jsonrpc": "2.0", "id": 15, "method": "typing",
         "params": {"to": "+14155559999"}},
        {"jsonrpc": "2.0", "id": None, "method": "chats.list"},
    ]
    rpc.write(*batch)
    keys = [json.dumps(b["id"]) for b in batch]
    got = rpc.pump(lambda: all(k in rpc.answers for k in keys))
    check("seven requests in flight all answered", got,
          [k for k in keys if k not in rpc.answers])
    for b in batch:
        ans = rpc.answers.get(json.dumps(b["id"]), {})
        check("id %s echoed exactly" % json.dumps(b["id"]),
              "id" in ans and ans["id"] == b["id"] and
              type(ans["id"]) is type(b["id"]), ans)
    a = rpc.answers.get("10", {})
    check("chats.list limit 5", len(a.get("result", {}).get("chats", [])) <=
          5 and all(not type_errors(c, CHAT) for c in
                    a.get("result", {}).get("chats", [])), a)
    a = rpc.answers.get('"eleven"', {})
    hist = a.get("result", {}).get("messages")
    check("messages.history types", isinstance(hist, list) and
          0 < len(hist) <= 3 and
          all(not type_errors(m, MESSAGE) for m in hist),
          [type_errors(m, MESSAGE) for m in hist or []])
    check("typing answers {ok:true}",
          rpc.answers.get("12.5", {}).get("result") == {"ok": True},
          rpc.answers.get("12.5"))
    check("read answers {ok:true}",
          rpc.answers.get("[13]", {}).get("result") == {"ok": True},
          rpc.answers.get("[13]"))
    check("unknown method: -32601 with the method as data",
          error_shape(rpc.answers.get('{"n": 14}'), -32601,
                      "Method not found") and
          rpc.answers['{"n": 14}']["error"]["data"] == "no.such",
          rpc.answers.get('{"n": 14}'))
    check("typing to a refused recipient is refused",
          error_shape(rpc.answers.get("15"), -32603, "Internal error") and
          "recipient not allowed" in rpc.answers["15"]["error"]["data"],
          rpc.answers.get("15"))
    sig = records(simdir, "signals")[sig_before:]
    check("typing and read reached the tool once each, allowed only",
          sorted(s.get("command") for s in sig) == ["read", "typing"] and
          all("+14155559999" not in json.dumps(s) for s in sig), sig)

    # read by chat id: the chat's identifier is what the tool is given.
    sig_before = len(records(simdir, "signals"))
    a = rpc.call(16, "read", {"chat_id": 3})
    sig = records(simdir, "signals")[sig_before:]
    check("read by chat_id answers {ok:true}",
          (a or {}).get("result") == {"ok": True}, a)
    check("read by chat_id reaches the tool with the chat's identifier",
          len(sig) == 1 and sig[0].get("handle") == "chat493827161045763123",
          sig)
    # A chat is decided on its participants: chat 4 is +14155559999's,
    # whom the allowlist does not name (chat 1 is mom's, and allowed).
    a = rpc.call(17, "read", {"chat_id": 4})
    check("read in a chat not allowed outbound is refused",
          error_shape(a, -32603, "Internal error") and
          a["error"]["data"] == "recipient not allowed: chat:4", a)

    # The stream goes on while requests come and go.
    inbound(simdir, msg(5005, 1, "+14155550100", "still streaming",
                        "+14155550100"))
    got = rpc.pump(lambda: len(rpc.messages(sub)) >= 4)
    check("subscription still streams after the requests", got and
          rpc.messages(sub)[-1].get("id") == 5005,
          [m.get("id") for m in rpc.messages(sub)])

    # Resume from a rowid on a second subscription.
    a = rpc.call(20, "watch.subscribe", {"since_rowid": 5003,
                                          "attachments": True,
                                          "include_reactions": True})
    sub2 = ((a or {}).get("result") or {}).get("subscription")
    check("second subscription gets a new number",
          is_int(sub2) and sub2 != sub, a)
    got = rpc.pump(lambda: len(rpc.messages(sub2)) >= 2)
    check("since_rowid resumes after that rowid",
          [m.get("id") for m in rpc.messages(sub2)] == [5004, 5005],
          [m.get("id") for m in rpc.messages(sub2)])
    a = rpc.call(21, "watch.unsubscribe", {"subscription": sub2})
    check("watch.unsubscribe answers {ok:true}",
          (a or {}).get("result") == {"ok": True}, a)
    a = rpc.call(22, "watch.unsubscribe", {})
    check("watch.unsubscribe without subscription: -32602",
          error_shape(a, -32602, "Invalid params"), a)

    # Malformed input: the real server's errors, and it goes on.
    rpc.answers.pop("null", None)
    rpc.write(b"{not json\n")
    rpc.write({"jsonrpc": "1.0", "id": 30, "method": "chats.list"})
    rpc.write({"jsonrpc": "2.0", "id": 31})
    rpc.pump(lambda: "null" in rpc.answers and "30" in rpc.answers and
             "31" in rpc.answers)
    check("parse error: -32700 with id null",
          error_shape(rpc.answers.get("null"), -32700, "Parse error"),
          rpc.answers.get("null"))
    check("jsonrpc 1.0: -32600",
          error_shape(rpc.answers.get("30"), -32600, "Invalid Request"),
          rpc.answers.get("30"))
    check("no method: -32600",
          error_shape(rpc.answers.get("31"), -32600, "Invalid Request"),
          rpc.answers.get("31"))

    # Closing stdin: pending answers first, then exit 0.
    rpc.write({"jsonrpc": "2.0", "id": 99, "method": "chats.list",
               "params": {"limit": 2}})
    rpc.p.stdin.close()
    try:
        rc = rpc.p.wait(timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        rpc.p.kill()
        rc = None
    rpc.pump(lambda: False, timeout=0.5)
    check("stdin closed: exit 0", rc == 0, rc)
    check("the last request was answered before exit", "99" in rpc.answers,
          sorted(rpc.answers))
    check("every output line is one whole JSON-RPC object",
          not rpc.bad_lines and all(l.endswith(b"\n") for l in rpc.raw),
          rpc.bad_lines[:3])

    print("# %d checks, %d failed" % (len(checks), checks.count(False)))
    return 0 if all(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
