#!/usr/bin/env python3
# OpenClaw's gog calls, spelled as OpenClaw spells them, run against a
# `gog` (the shim through the gateway, or the simulated gog), checking
# what gog answers in gog's own shapes.
#
# The calls: the gog skill's Gmail lines (openclaw/openclaw, commit
# 013c24e74a262690bbe83a479f03f50404a8ef13, skills/gog/SKILL.md) and the
# Gmail hook's watch commands (the same commit, src/hooks/gmail.ts,
# buildGogWatchStartArgs and buildGogWatchServeArgs; serve is exercised
# by t_gog_openclaw.sh, which needs a hook receiver).  The shapes:
# gogcli (steipete/gogcli commit 9a2a505d83207ebee59e6c9ae5185bab8e7d020b;
# openclaw/gogcli commit 1a1341fd3a56d25fa57f0a092deef5612453692d for
# --body-file): internal/cmd/gmail_send.go (writeSendResults),
# gmail_drafts.go, gmail_watch_cmds.go (writeWatchState), gmail.go.
#
# usage: openclaw_gog.py GOG TO REPLY_ID WORKDIR
# Prints one "ok - ..." or "not ok - ..." line per check.
import json
import os
import re
import subprocess
import sys

gog, to, reply_id, work = sys.argv[1:5]
failures = 0


def say(good, what):
    global failures
    print(("ok - " if good else "not ok - ") + what)
    if not good:
        failures += 1


def run(args, stdin=None):
    p = subprocess.run([gog] + args, input=stdin, capture_output=True,
                       text=True, cwd=work)
    return p.returncode, p.stdout, p.stderr


def kv_lines(text):
    """gog's key<TAB>value text (u.Out().Printf("k\\t%s"))."""
    out = {}
    for line in text.splitlines():
        if "\t" not in line:
            return None
        k, v = line.split("\t", 1)
        out[k] = v
    return out


msgfile = os.path.join(work, "message.txt")
with open(msgfile, "w") as f:
    f.write("Hi Name,\n\nThanks for meeting today.\n")

# Gmail search: `gog gmail search 'newer_than:7d' --max 10` -> the
# table ID DATE FROM SUBJECT LABELS, or "No results" on stderr.
rc, out, err = run(["gmail", "search", "newer_than:7d", "--max", "10"])
say(rc == 0 and (out.startswith("ID") or "No results" in err),
    "gmail search 'newer_than:7d' --max 10: a table or No results (%d)" % rc)

# Gmail messages search (per email, ignores threading):
# `gog gmail messages search "in:inbox from:ryanair.com" --max 20
# --account you@example.com`, here with a sender the fixture has.
rc, out, err = run(["gmail", "messages", "search",
                    "in:inbox from:example.com", "--max", "20",
                    "--account", "me@example.com"])
say(rc == 0 and out.startswith("ID") and "SUBJECT" in out.splitlines()[0],
    "gmail messages search ... --max 20 --account: a table (%d %s)" %
    (rc, err.strip()))
rc, out, err = run(["--json", "gmail", "messages", "search", "in:inbox",
                    "--max", "20"])
try:
    doc = json.loads(out)
except ValueError:
    doc = None
say(rc == 0 and isinstance(doc, dict) and list(doc) == ["messages",
    "nextPageToken"] and all(list(m)[:2] == ["id", "threadId"]
                             for m in doc["messages"]),
    "--json gmail messages search: {messages:[{id, threadId, ...}], "
    "nextPageToken}")

# Gmail send (plain), (multi-line), (stdin), (HTML): message_id, thread_id.
sends = [
    (["--body", "Hello"], None, "plain"),
    (["--body-file", "./message.txt"], None, "multi-line --body-file"),
    (["--body-file", "-"], "Hi Name,\n\nThanks.\n", "stdin --body-file -"),
    (["--body-html", "<p>Hello</p>"], None, "HTML --body-html"),
]
for extra, stdin, what in sends:
    rc, out, err = run(["gmail", "send", "--to", to, "--subject", "Hi"] +
                       extra, stdin)
    kv = kv_lines(out)
    say(rc == 0 and kv is not None and set(kv) <= {"message_id",
        "thread_id"} and kv.get("message_id"),
        "gmail send (%s): message_id<TAB>ID lines (%d %s)" %
        (what, rc, err.strip()))

# --json send: {"from","messageId","threadId"} (writeSendResults).
rc, out, err = run(["--json", "gmail", "send", "--to", to, "--subject",
                    "Hi", "--body-html", "<p>Hello</p>"])
try:
    doc = json.loads(out)
except ValueError:
    doc = None
say(rc == 0 and isinstance(doc, dict) and set(doc) ==
    {"from", "messageId", "threadId"} and all(isinstance(v, str)
                                              for v in doc.values()),
    "--json gmail send --body-html: {from, messageId, threadId}")
say("\\u003c" not in out, "--json output does not escape HTML")

# Gmail draft, then send it.
rc, out, err = run(["gmail", "drafts", "create", "--to", to, "--subject",
                    "Hi", "--body-file", "./message.txt"])
kv = kv_lines(out)
draft = kv.get("draft_id") if kv else None
say(rc == 0 and draft, "gmail drafts create --body-file: draft_id (%d %s)"
    % (rc, err.strip()))
rc, out, err = run(["--json", "gmail", "drafts", "create", "--to", to,
                    "--subject", "Hi", "--body-file", "./message.txt"])
try:
    doc = json.loads(out)
except ValueError:
    doc = None
say(rc == 0 and isinstance(doc, dict) and {"draftId", "message"} <=
    set(doc) and isinstance(doc["message"], dict) and
    "id" in doc["message"],
    "--json gmail drafts create: {draftId, message{id...}, threadId}")
if draft:
    rc, out, err = run(["gmail", "drafts", "send", draft])
    kv = kv_lines(out)
    say(rc == 0 and kv is not None and kv.get("message_id"),
        "gmail drafts send <draftId>: message_id (%d %s)" %
        (rc, err.strip()))

# Gmail reply.
rc, out, err = run(["gmail", "send", "--to", to, "--subject", "Re: Hi",
                    "--body", "Reply", "--reply-to-message-id", reply_id])
kv = kv_lines(out)
say(rc == 0 and kv is not None and kv.get("thread_id"),
    "gmail send --reply-to-message-id: message_id and thread_id (%d %s)" %
    (rc, err.strip()))

# The Gmail hook: watch start --account --label --topic.
rc, out, err = run(["gmail", "watch", "start", "--account",
                    "me@example.com", "--label", "INBOX", "--topic",
                    "projects/demo/topics/gog-gmail-watch"])
kv = kv_lines(out)
say(rc == 0 and kv is not None and kv.get("account") == "me@example.com"
    and kv.get("topic") == "projects/demo/topics/gog-gmail-watch" and
    kv.get("labels") == "INBOX" and re.fullmatch(r"[0-9]+",
                                                 kv.get("history_id", "")),
    "gmail watch start --account --label --topic: the watch state (%d %s)"
    % (rc, err.strip()))
rc, out, err = run(["--json", "gmail", "watch", "start", "--account",
                    "me@example.com", "--label", "INBOX", "--topic",
                    "projects/demo/topics/gog-gmail-watch"])
try:
    w = json.loads(out)["watch"]
except (ValueError, KeyError, TypeError):
    w = None
say(isinstance(w, dict) and list(w)[:3] == ["account", "topic", "labels"]
    and w["labels"] == ["INBOX"] and isinstance(w.get("historyId"), str)
    and isinstance(w.get("updatedAtMs"), int),
    "--json gmail watch start: {watch:{account, topic, labels, historyId,"
    " updatedAtMs}} in gog's field order")

print("%d failed" % failures)
sys.exit(1 if failures else 0)
