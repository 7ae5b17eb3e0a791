#!/usr/bin/env python3
"""OpenClaw's iMessage calls, made exactly as OpenClaw makes them, through
the imsg shim; each answer checked against the real tool's shape and
against what OpenClaw does with it.

The calls and parameter spellings are OpenClaw's
(openclaw/openclaw 00f39783377a64fc3653d464cd4d8630dd313233,
extensions/imessage/src/send.ts): sendMessageIMessage's rpc "send"
params {text, service, region, reply_to?, formatting?, file?, then
chat_id | chat_guid | chat_identifier | to}; runIMessageCliJson's
"<args> --json" and its reading of the last stdout line;
resolveAttachmentChatTarget's "group --chat-id N" and its synthesized
"any;-;<handle>" guid for a handle with + or @; trySendAttachmentForTarget's
"send-attachment --chat G --file P --transport auto";
isAttachmentCommandFallbackError's pattern; resolveMessageId.
The result shapes are the real imsg's (steipete/imsg
c7ae79c1b195f942e3cf0a84c5eef6df778adb1a; openclaw/imsg ed7ee42 for
reply_to).

Usage: openclaw_imsg_client.py SIMDIR ATTACHMENT -- COMMAND...
COMMAND runs the shim as the agent; SIMDIR is the simulated imsg's
directory (its spool/ shows what reached the "network").  Prints one
"PASS <what>" or "FAIL <what>: <why>" line per check.
"""

import json
import os
import re
import subprocess
import sys

DEADLINE = 30  # seconds for one command (a bound, not a check)
checks = []

# isAttachmentCommandFallbackError (send.ts), flags "iu".
FALLBACK = re.compile(
    r"(?:unknown|unrecognized|invalid|unsupported)\s+(?:command|subcommand)"
    r"|not a recognized command"
    r"|send-attachment.*(?:not found|unsupported|unavailable)"
    r"|private api bridge.*unavailable"
    r"|requires the imsg private api bridge|run imsg launch", re.I)


def check(what, cond, why=""):
    checks.append(bool(cond))
    print(("PASS %s" % what) if cond else ("FAIL %s: %s" % (what, why)),
          flush=True)
    return bool(cond)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def resolve_message_id(result):
    """send.ts resolveMessageId."""
    for key in ("messageId", "message_id", "id", "guid"):
        v = result.get(key)
        if isinstance(v, str) and v.strip():
            return v.strip()
    for key in ("message_id", "id"):
        v = result.get(key)
        if is_int(v):
            return str(v)
    return None


class CliError(Exception):
    pass


def run_cli_json(cmd, args):
    """send.ts runIMessageCliJson: args + --json, the last stdout line."""
    p = subprocess.run(cmd + list(args) + ["--json"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=DEADLINE)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    lines = [l.strip() for l in out.splitlines() if l.strip()]
    parsed = None
    if lines:
        try:
            v = json.loads(lines[-1])
            parsed = v if isinstance(v, dict) else None
        except ValueError:
            pass
    if p.returncode == 0 and parsed is not None:
        if parsed.get("success") is False:
            raise CliError(parsed.get("error") or "iMessage action failed")
        return parsed
    if parsed is not None and isinstance(parsed.get("error"), str) and \
            parsed["error"].strip():
        raise CliError(parsed["error"].strip())
    raise CliError(err.strip() or out.strip() or
                   "imsg exited with code %d" % p.returncode)


def rpc(cmd, requests):
    """One `imsg rpc --json` session: the answers by id."""
    data = "".join(json.dumps({"jsonrpc": "2.0", "id": i, "method": m,
                               "params": p}) + "\n"
                   for i, (m, p) in enumerate(requests, 1))
    p = subprocess.run(cmd + ["rpc", "--json"], input=data.encode(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=DEADLINE)
    answers = {}
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        v = json.loads(line)
        if "id" in v:
            answers[v["id"]] = v
    return answers


def spool(simdir):
    d = os.path.join(simdir, "spool")
    recs = {}
    for name in os.listdir(d):
        if not name.startswith("."):
            with open(os.path.join(d, name)) as f:
                recs[name] = json.load(f)
    return recs


def new_records(simdir, before):
    now = spool(simdir)
    return [now[k] for k in sorted(now) if k not in before]


def main():
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        sys.exit(__doc__)
    simdir, attachment = sys.argv[1:3]
    cmd = sys.argv[4:]
    with open(attachment, "rb") as f:
        head = f.read(64).hex()
    size = os.path.getsize(attachment)

    # Probes (client.ts, probe.ts).
    p = subprocess.run(cmd + ["rpc", "--help"], stdout=subprocess.PIPE,
                       timeout=DEADLINE)
    check("rpc --help exits 0", p.returncode == 0, p.returncode)
    p = subprocess.run(cmd + ["status", "--json"], stdout=subprocess.PIPE,
                       timeout=DEADLINE)
    status = json.loads(p.stdout.decode().splitlines()[-1])
    check("status: no bridge actions routed (advanced_features && v2_ready "
          "false)", not (status.get("advanced_features") and
                         status.get("v2_ready")), status)
    check("status: rpc_methods are what the shim answers",
          set(status.get("rpc_methods", [])) <= {
              "chats.list", "messages.history", "watch.subscribe",
              "watch.unsubscribe", "send", "typing", "read"} and
          "send" in status.get("rpc_methods", []), status)

    # rpc send as sendMessageIMessage builds it.
    before = spool(simdir)
    a = rpc(cmd, [
        ("chats.list", {"limit": 1}),
        ("send", {"text": "hello from openclaw", "service": "auto",
                  "region": "US", "to": "+14155550100"}),
        ("send", {"text": "hello group", "service": "auto",
                  "region": "US", "chat_id": 3}),
        ("send", {"text": "threaded", "service": "auto", "region": "US",
                  "reply_to": "p:0/A1B2C3D4-0000-4000-8000-000000000101",
                  "to": "+14155550100"}),
        ("send", {"text": "bold move", "service": "auto", "region": "US",
                  "formatting": [{"start": 0, "length": 4,
                                  "styles": ["bold"]}],
                  "chat_id": 3}),
    ])
    check("chats.list {limit:1}", isinstance(
        a.get(1, {}).get("result", {}).get("chats"), list), a.get(1))
    for rid, what in ((2, "to a handle"), (3, "to chat_id 3")):
        r = a.get(rid, {}).get("result", {})
        check("rpc send %s: ok and transport" % what,
              r.get("ok") is True and r.get("transport") == "applescript",
              a.get(rid))
        check("rpc send %s: id (integer) and guid (string)" % what,
              is_int(r.get("id")) and isinstance(r.get("guid"), str) and
              r["guid"] != "", r)
        mid = resolve_message_id(r)
        check("rpc send %s: OpenClaw records a real message id, not "
              "\"ok\"" % what, mid not in (None, "ok", "unknown"), mid)
    e = a.get(4, {}).get("error", {})
    check("rpc send reply_to: refused as the real tool refuses it "
          "without the bridge", e.get("code") == -32602 and
          e.get("message") == "Invalid params" and
          e.get("data") == "reply_to requires bridge transport; "
          "AppleScript fallback cannot send threaded replies", a.get(4))
    e = a.get(5, {}).get("error", {})
    check("rpc send formatting: refused with a clear error, not dropped",
          e.get("code") == -32602 and "formatting" in e.get("data", ""),
          a.get(5))
    recs = new_records(simdir, before)
    check("rpc: exactly the two plain sends reached the tool",
          sorted(r.get("text") for r in recs) ==
          ["hello from openclaw", "hello group"], recs)

    # Media to a chat id: group, then send-attachment.
    for chat_id, expect in ((3, {"chat_guid":
                                 "iMessage;+;chat493827161045763123"}),
                            (1, {"to": "+14155550100"})):
        what = "media to chat_id %d" % chat_id
        before = spool(simdir)
        try:
            g = run_cli_json(cmd, ["group", "--chat-id", str(chat_id)])
        except CliError as err:
            check("%s: group" % what, False, err)
            continue
        guid = g.get("guid") or g.get("chat_guid")
        check("%s: group gives the chat's guid" % what,
              isinstance(guid, str) and guid != "", g)
        try:
            r = run_cli_json(cmd, ["send-attachment", "--chat", guid,
                                   "--file", attachment, "--transport",
                                   "auto"])
        except CliError as err:
            check("%s: send-attachment" % what, False, err)
            continue
        check("%s: send-attachment answers the real AppleScript "
              "path's shape" % what,
              r == {"success": True, "transport": "applescript"}, r)
        recs = new_records(simdir, before)
        ok = len(recs) == 1 and all(recs[0].get(k) == v
                                    for k, v in expect.items())
        check("%s: one send reached the tool, to the chat" % what, ok, recs)
        if ok:
            rec = recs[0]
            check("%s: the file arrived whole (size, first bytes)" % what,
                  rec.get("file_size") == size and
                  rec.get("file_head") == head, rec)
            check("%s: by descriptor: the tool read the gateway's copy, "
                  "not the agent's path" % what,
                  rec.get("file") not in (None, attachment) and
                  os.path.basename(rec["file"]) != "" and
                  not rec["file"].startswith(os.path.dirname(attachment) +
                                             "/"), rec.get("file"))

    # Media to a handle: OpenClaw writes the guid any;-;<handle>.
    before = spool(simdir)
    try:
        r = run_cli_json(cmd, ["send-attachment", "--chat",
                               "any;-;+14155550100", "--file", attachment,
                               "--transport", "auto"])
        check("media to a handle (any;-;): sent", r.get("success") is True,
              r)
    except CliError as err:
        check("media to a handle (any;-;): sent", False, err)
    recs = new_records(simdir, before)
    check("media to a handle: the tool got the handle",
          len(recs) == 1 and recs[0].get("to") == "+14155550100", recs)

    # Policy: a recipient not allowed is refused, and OpenClaw does not
    # mistake the refusal for a missing command (no rpc fallback).
    before = spool(simdir)
    try:
        run_cli_json(cmd, ["send-attachment", "--chat",
                           "SMS;-;+14155559999", "--file", attachment,
                           "--transport", "auto"])
        check("media to a refused handle: refused", False, "it was sent")
    except CliError as err:
        check("media to a refused handle: refused, with the reason",
              "recipient not allowed" in str(err), err)
        check("media refusal is not taken for an unavailable command",
              not FALLBACK.search(str(err)), err)
    check("media to a refused handle: nothing reached the tool",
          new_records(simdir, before) == [])
    try:
        run_cli_json(cmd, ["group", "--chat-id", "4"])
        check("group of a hidden chat: not found", False, "found")
    except CliError as err:
        check("group of a hidden chat: not found, as the real tool says",
              str(err) == "Chat not found: 4", err)

    # The fallback: what needs the bridge is "unavailable" in OpenClaw's
    # words; its rpc send {file} then carries the file.
    try:
        run_cli_json(cmd, ["send-attachment", "--chat",
                           "iMessage;+;chat493827161045763123", "--file",
                           attachment, "--transport", "dylib"])
        check("send-attachment needing the bridge: refused", False, "sent")
    except CliError as err:
        check("send-attachment needing the bridge: OpenClaw falls back",
              bool(FALLBACK.search(str(err))), err)
    before = spool(simdir)
    a = rpc(cmd, [("send", {"text": "", "service": "auto", "region": "US",
                            "file": attachment, "chat_id": 3})])
    r = a.get(1, {}).get("result", {})
    check("fallback rpc send {file}: ok, with its id",
          r.get("ok") is True and resolve_message_id(r) not in
          (None, "ok"), a.get(1))
    recs = new_records(simdir, before)
    check("fallback rpc send {file}: the file reached the tool",
          len(recs) == 1 and recs[0].get("file_head") == head and
          recs[0].get("file") != attachment, recs)

    sys.exit(0 if all(checks) else 1)


if __name__ == "__main__":
    main()
