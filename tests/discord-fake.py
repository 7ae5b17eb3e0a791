#!/usr/bin/env python3
"""A fake Discord REST API (v10) on loopback for Carapace's tests.

Serves what carapace-discord uses: POST /channels/{id}/messages (JSON,
or multipart/form-data with payload_json and files[n]; with nonce /
enforce_nonce dedupe as Discord does), GET
/channels/{id}/messages?after=&before=&limit= (newest first),
GET /guilds/{id}/channels, GET /users/@me, GET /users/@me/guilds,
GET /users/@me/channels (an empty list, as Discord answers a bot),
GET /channels/{id} (the channel object),
POST /users/@me/channels {recipient_id} (opens or returns the DM).
Every API request needs "Authorization: Bot <token>" (401 otherwise).

Records, in DIR: sent.jsonl (one line per message created through the
API), requests.jsonl (method, path, status of every API request).

Test knobs, without a token (loopback only):
  POST /_fake/knobs {"limit_sends": N, "retry_after": S, "global": B,
                     "drop_sends": N, "bucket_empty": B}
      limit_sends: answer the next N message sends 429 (with
      X-RateLimit-* and Retry-After headers and a JSON body);
      drop_sends: create the next N messages, then drop the connection
      without answering; bucket_empty: report X-RateLimit-Remaining: 0
      on every answer.
  POST /_fake/inject {"channel_id", "author_id", "content", "age_ms"?,
                      "fields"?}
      a message from someone else (age_ms: an id from that long ago,
      a message that shows up late; fields: any other members of the
      message object, stored and served as given, except its id and
      channel_id).
  GET /_fake/sent: the messages created through the API.
  DIR/pause (a file): while it exists, a message creation waits before
      it is made, with DIR/paused present (a test reads the running
      processes meanwhile).

Usage: discord-fake.py --dir DIR --token-file FILE --port-file FILE
"""

import argparse
import email.policy
import json
import os
import threading
import time
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

EPOCH_MS = 1420070400000
BOT_ID = "900000000000000001"
GUILD_ID = "800000000000000001"
NONCE_WINDOW_S = 120


class World:
    def __init__(self, directory, token):
        self.dir = directory
        self.token = token
        self.lock = threading.Lock()
        self.seq = 0
        self.last = 0
        self.knobs = {"limit_sends": 0, "retry_after": 0.2, "global": False,
                      "drop_sends": 0, "bucket_empty": False}
        self.users = {
            "600000000000000001": "alice",
            "600000000000000002": "bob",
            "600000000000000003": "mallory",
        }
        # Guild text channels and DM channels, by id.
        self.channels = {}
        for cid, name in (("700000000000000001", "general"),
                          ("700000000000000002", "random"),
                          ("700000000000000003", "secret"),
                          ("700000000000000004", "archive")):
            self.channels[cid] = {"id": cid, "type": 0, "guild_id": GUILD_ID,
                                  "name": name, "position": len(self.channels)}
        self.messages = {cid: [] for cid in self.channels}
        # Two old messages with fixed ids and times (golden outputs).
        for mid, uid, when, text in (
                ("1100000000000000001", "600000000000000001",
                 "2023-06-01T10:00:00.000000+00:00", "first\tpost"),
                ("1100000000000000002", "600000000000000002",
                 "2023-06-01T10:05:00.000000+00:00",
                 "reset here: https://example.com/reset?token=abc")):
            self.messages["700000000000000004"].append(
                self.message(mid, "700000000000000004", uid, text, when))
        self.nonces = {}    # (channel, author, nonce) -> (time, message)

    def snowflake(self, age_ms=0):
        now = int(time.time() * 1000) - age_ms
        base = (now - EPOCH_MS) << 22
        if age_ms == 0:
            if base <= self.last:
                base = self.last + 1
            self.last = base
            return str(base)
        self.seq = (self.seq + 1) & 0xfff
        return str(base | self.seq)

    def user(self, uid):
        if uid == BOT_ID:
            return {"id": BOT_ID, "username": "carapace-bot", "bot": True,
                    "discriminator": "0", "global_name": None}
        return {"id": uid, "username": self.users.get(uid, "user" + uid[-3:]),
                "discriminator": "0", "global_name": None}

    def dm_channel(self, uid):
        for c in self.channels.values():
            if c["type"] == 1 and c["recipients"][0]["id"] == uid:
                return c
        # A fixed id per user keeps outputs comparable across runs.
        cid = str(int(uid) - 100000000000000000)
        c = {"id": cid, "type": 1, "last_message_id": None,
             "recipients": [self.user(uid)]}
        self.channels[cid] = c
        self.messages[cid] = []
        return c

    def message(self, mid, cid, author, content, when):
        return {"id": mid, "type": 0, "channel_id": cid,
                "author": self.user(author), "content": content,
                "timestamp": when, "edited_timestamp": None, "tts": False,
                "mention_everyone": False, "mentions": [], "attachments": [],
                "embeds": [], "pinned": False}

    def create(self, cid, author, content, nonce=None, age_ms=0):
        m = self.message(self.snowflake(age_ms), cid, author, content,
                         time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00",
                                       time.gmtime()))
        if nonce is not None:
            m["nonce"] = nonce
        self.messages[cid].append(m)
        return m

    def hold(self):
        pause = os.path.join(self.dir, "pause")
        paused = os.path.join(self.dir, "paused")
        if not os.path.exists(pause):
            return
        open(paused, "w").close()
        while os.path.exists(pause):
            time.sleep(0.01)
        os.unlink(paused)

    def record(self, name, obj):
        with open(os.path.join(self.dir, name), "a") as f:
            f.write(json.dumps(obj) + "\n")


class Handler(BaseHTTPRequestHandler):
    server_version = "fake-discord/1"
    world = None

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, obj, headers=None):
        body = b"" if obj is None else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        w = self.world
        if w.knobs["bucket_empty"] and status != 429:
            self.send_header("X-RateLimit-Limit", "5")
            self.send_header("X-RateLimit-Remaining", "0")
            self.send_header("X-RateLimit-Reset-After", "0.2")
            self.send_header("X-RateLimit-Bucket", "fakebucket")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        if not self.path.startswith("/_fake/"):
            w.record("requests.jsonl", {"method": self.command,
                                        "path": self.path, "status": status})

    def body(self):
        """The JSON body; for multipart/form-data (a message with
        files), payload_json with "_files": [{filename, size}]."""
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        ctype = self.headers.get("Content-Type", "")
        if ctype.startswith("multipart/form-data"):
            msg = BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + raw)
            payload, files = None, []
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                data = part.get_payload(decode=True) or b""
                if name == "payload_json":
                    try:
                        payload = json.loads(data)
                    except ValueError:
                        return "invalid"
                elif name and name.startswith("files["):
                    files.append({"filename": part.get_filename(),
                                  "size": len(data)})
            if not isinstance(payload, dict):
                return "invalid"
            payload["_files"] = files
            return payload
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return "invalid"

    def authorised(self):
        got = self.headers.get("Authorization", "")
        if got != "Bot " + self.world.token:
            self.answer(401, {"message": "401: Unauthorized", "code": 0})
            return False
        return True

    def route(self):
        u = urlparse(self.path)
        parts = [p for p in u.path.split("/") if p]
        if parts[:2] == ["api", "v10"]:
            parts = parts[2:]
        return parts, parse_qs(u.query)

    def do_GET(self):
        w = self.world
        parts, q = self.route()
        if parts == ["_fake", "sent"]:
            with w.lock:
                sent = [json.loads(l) for l in
                        open(os.path.join(w.dir, "sent.jsonl"))] \
                    if os.path.exists(os.path.join(w.dir, "sent.jsonl")) \
                    else []
            return self.answer(200, sent)
        if not self.authorised():
            return
        with w.lock:
            if parts == ["users", "@me"]:
                return self.answer(200, w.user(BOT_ID))
            if parts == ["users", "@me", "guilds"]:
                return self.answer(200, [{"id": GUILD_ID, "name": "Fake"}])
            if parts == ["users", "@me", "channels"]:
                # As Discord does for bots: DMs are opened, not listed.
                return self.answer(200, [])
            if len(parts) == 3 and parts[0] == "guilds" and \
                    parts[2] == "channels":
                if parts[1] != GUILD_ID:
                    return self.answer(404, {"message": "Unknown Guild",
                                             "code": 10004})
                return self.answer(200, [c for c in w.channels.values()
                                         if c.get("guild_id") == GUILD_ID])
            if len(parts) == 2 and parts[0] == "channels":
                # Get Channel: a guild channel, or a DM with its
                # recipient (discord-api-docs, resources/Channel.md).
                if parts[1] not in w.channels:
                    return self.answer(404, {"message": "Unknown Channel",
                                             "code": 10003})
                return self.answer(200, w.channels[parts[1]])
            if len(parts) == 3 and parts[0] == "channels" and \
                    parts[2] == "messages":
                if parts[1] not in w.messages:
                    return self.answer(404, {"message": "Unknown Channel",
                                             "code": 10003})
                try:
                    limit = int(q.get("limit", ["50"])[0])
                    after = int(q.get("after", ["0"])[0])
                    before = int(q.get("before", [str(1 << 63)])[0])
                except ValueError:
                    return self.answer(400, {"message": "Invalid Form Body",
                                             "code": 50035})
                if not 1 <= limit <= 100:
                    return self.answer(400, {"message": "Invalid Form Body",
                                             "code": 50035})
                ms = sorted((m for m in w.messages[parts[1]]
                             if after < int(m["id"]) < before),
                            key=lambda m: int(m["id"]))
                # after: the oldest page after it; else the newest page.
                ms = ms[:limit] if "after" in q else ms[-limit:]
                return self.answer(200, list(reversed(ms)))
        self.answer(404, {"message": "404: Not Found", "code": 0})

    def do_POST(self):
        w = self.world
        parts, q = self.route()
        body = self.body()
        if parts[:1] == ["_fake"]:
            with w.lock:
                if parts == ["_fake", "knobs"]:
                    w.knobs.update(body)
                    return self.answer(200, w.knobs)
                if parts == ["_fake", "inject"]:
                    cid = body["channel_id"]
                    if cid.startswith("user:"):
                        cid = w.dm_channel(cid[5:])["id"]
                    m = w.create(cid, body["author_id"], body["content"],
                                 age_ms=int(body.get("age_ms", 0)))
                    m.update({k: v for k, v in
                              body.get("fields", {}).items()
                              if k not in ("id", "channel_id")})
                    return self.answer(200, m)
            return self.answer(404, {"message": "no such knob"})
        if not self.authorised():
            return
        if not isinstance(body, dict):
            return self.answer(400, {"message": "Invalid JSON", "code": 50109})
        if len(parts) == 3 and parts[0] == "channels" and \
                parts[2] == "messages":
            w.hold()
        with w.lock:
            if parts == ["users", "@me", "channels"]:
                uid = body.get("recipient_id")
                if uid not in w.users:
                    return self.answer(400, {"message": "Unknown User",
                                             "code": 10013})
                return self.answer(200, w.dm_channel(uid))
            if len(parts) == 3 and parts[0] == "channels" and \
                    parts[2] == "messages":
                cid = parts[1]
                if cid not in w.messages:
                    return self.answer(404, {"message": "Unknown Channel",
                                             "code": 10003})
                if w.knobs["limit_sends"] > 0:
                    w.knobs["limit_sends"] -= 1
                    ra = float(w.knobs["retry_after"])
                    return self.answer(429, {
                        "message": "You are being rate limited.",
                        "retry_after": ra, "global": bool(w.knobs["global"])},
                        {"Retry-After": str(int(ra + 0.999)),
                         "X-RateLimit-Limit": "5",
                         "X-RateLimit-Remaining": "0",
                         "X-RateLimit-Reset-After": "%.3f" % ra,
                         "X-RateLimit-Bucket": "fakebucket",
                         "X-RateLimit-Scope": "user"})
                files = body.get("_files", [])
                content = body.get("content", "" if files else None)
                if not isinstance(content, str) or \
                        (not content and not files) or len(content) > 2000:
                    return self.answer(400, {"message": "Invalid Form Body",
                                             "code": 50035})
                nonce = body.get("nonce")
                key = (cid, BOT_ID, nonce)
                now = time.time()
                if nonce is not None and body.get("enforce_nonce") and \
                        key in w.nonces and \
                        now - w.nonces[key][0] < NONCE_WINDOW_S:
                    return self.answer(200, w.nonces[key][1])
                m = w.create(cid, BOT_ID, content, nonce)
                m["attachments"] = [{"id": str(i), "filename": f["filename"],
                                     "size": f["size"]}
                                    for i, f in enumerate(files)]
                if nonce is not None:
                    w.nonces[key] = (now, m)
                rec = {"channel_id": cid, "content": content, "nonce": nonce,
                       "id": m["id"]}
                if files:
                    rec["attachments"] = files
                w.record("sent.jsonl", rec)
                if w.knobs["drop_sends"] > 0:
                    w.knobs["drop_sends"] -= 1
                    w.record("requests.jsonl", {"method": "POST",
                                                "path": self.path,
                                                "status": "dropped"})
                    self.close_connection = True
                    return
                return self.answer(200, m)
        self.answer(404, {"message": "404: Not Found", "code": 0})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--token-file", required=True)
    ap.add_argument("--port-file", required=True)
    a = ap.parse_args()
    with open(a.token_file) as f:
        token = f.read().strip()
    Handler.world = World(a.dir, token)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
