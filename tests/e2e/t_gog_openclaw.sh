#!/bin/sh
# Gmail as OpenClaw uses it, through the gog shim and the real handler
# running the simulated gog: replies by message id to mail whose Cc, Bcc
# or Reply-To holds an address policy does not allow (refused, as an
# attacker would try them), --body-html through the content rules after
# tag removal, --reply-all and --reply-to with every recipient checked,
# gog gmail watch start and serve (a local hook receiver checks the
# payload and the token), gog's text and JSON shapes against recorded
# outputs (tests/data/gog/), and OpenClaw's exact calls
# (tests/clients/openclaw_gog.py).
. "$(dirname "$0")/lib.sh"

setup
cp "$top_builddir/src/shim/gog" "$T/bin/gog"
cp "$top_builddir/sim/gog" "$T/bin/sim-gog"
cp "$top_srcdir/tests/e2e/gog_hook_receiver.py" \
    "$top_srcdir/tests/clients/openclaw_gog.py" "$T/bin/"
mkdir -p "$T/sim/gog" "$T/work"
cp "$top_srcdir"/sim/data/gog/labels.json "$T/sim/gog/"
cp "$top_srcdir/tests/data/gog/openclaw-messages.json" \
    "$T/sim/gog/messages.json"
chmod 755 "$T/bin"/*
chown -R "$GW_USER:$GW_USER" "$T/sim/gog"
chown "$AGENT_USER" "$T/work"
GOGDIR=$T/sim/gog
DATA=$top_srcdir/tests/data/gog

write_config <<YAML
version: 1
state_dir: $T/state
map_size: 64M
audit: { sink: stderr }
clients:
  - name: agent
    users: [$AGENT_USER]
    channels: [gmail]
channels:
  gmail:
    tool: $T/bin/sim-gog
    account: me@example.com
    send: send
    timeout: 10s
    poll: 1s
    outbound:
      mode: allowlist
      allow: ["*@example.com"]
    inbound:
      mode: allowlist
      allow: ["*@example.com"]
      scrub: [otp, auth_links]
    limits:
      - { per: recipient, max: 100, window: 1m }
content:
  max_length: 20000
  rules:
    - { name: keys, detect: [private_key, aws_key, github_token], action: block }
    - { name: passwords, pattern: "password[[:space:]]*[:=]", icase: true, action: block }
YAML
start_gateway

gog_spool() {
	find "$GOGDIR/spool" -type f -name '*.json' 2>/dev/null | wc -l |
	    tr -d ' '
}
# The newest spool record (what "reached Google").
last_record() {
	ls -t "$GOGDIR"/spool/*.json 2>/dev/null | head -1 | xargs cat
}
# jq-free field read: python3 prints record[KEY] as JSON.
field() {
	python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin).get(sys.argv[1])))' "$1"
}
tool() {
	as "$GW_USER" env GOG_SIM_DIR="$GOGDIR" "$T/bin/sim-gog" \
	    --account me@example.com "$@"
}

# ---- the simulator asks Gmail for what gog asks ------------------------
# gogcli internal/cmd/gmail_get.go: metadata is From, To, Subject, Date
# unless --headers names others.
out=$(tool --json gmail get --format metadata 18c1b00000000001)
case $out in
*'"Cc"'*) not_ok "sim: metadata without --headers has no Cc" ;;
*) ok "sim: metadata without --headers has no Cc" ;;
esac
out=$(tool --json gmail get --format metadata \
    --headers From,To,Cc,Bcc,Reply-To 18c1b00000000003)
expect_match "sim: metadata with --headers has Reply-To" '"Reply-To"' "$out"

# ---- replies by id: every participant header is read -------------------
before=$(gog_spool)
for id in 18c1b00000000001:Cc 18c1b00000000002:Bcc \
    18c1b00000000003:Reply-To; do
	msg=${id%%:*}
	hdr=${id#*:}
	agent "$T/bin/gog" gmail send --to alice@example.com \
	    --subject "Re: Plans" --body "Fine" \
	    --reply-to-message-id "$msg" >/dev/null 2>"$T/err"
	rc=$?
	expect_eq "reply to mail whose $hdr is not allowed: refused (6)" 6 "$rc"
	# No oracle: the refusal names no participant the agent may not see.
	case "$(cat "$T/err")" in
	*eve@evil.example*) not_ok "  the refusal does not name the address" ;;
	*) ok "  the refusal does not name the address" ;;
	esac
	agent "$T/bin/gog" gmail send --reply-all --subject "Re: Plans" \
	    --body "Fine" --reply-to-message-id "$msg" >/dev/null 2>&1
	expect_eq "reply-all to mail whose $hdr is not allowed: refused" 6 $?
	agent "$T/bin/gog" gmail drafts create --to alice@example.com \
	    --subject "Re: Plans" --body "Fine" \
	    --reply-to-message-id "$msg" >/dev/null 2>&1
	expect_eq "draft reply to mail whose $hdr is not allowed: refused" 6 $?
done
# The attacker skips the shim and names the original by thread.
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"send","params":{"channel":"gmail","to":["alice@example.com"],"subject":"x","body":"y","thread_id":"18c1b00000000003"}}' |
    raw -w 5000 >"$T/out"
expect_match "raw send by thread_id to a Reply-To not allowed: -32002" \
    '"code":-32002' "$(cat "$T/out")"
expect_eq "nothing reached Google" "$before" "$(gog_spool)"

# ---- --reply-all: the recipients gog would pick, each checked ------------
agent "$T/bin/gog" gmail send --reply-all --subject "Re: Team lunch" \
    --body "Count me in" --reply-to-message-id 18c1b00000000004 \
    >"$T/out" 2>"$T/err"
expect_eq "reply-all on allowed mail: sent" 0 $?
rec=$(last_record)
# buildReplyAllRecipients: Reply-To (not From) and To, minus self; Cc
# minus self and To.
expect_eq "reply-all To: Reply-To and the original To, self left out" \
    '["carol@example.com", "dave@example.com"]' "$(printf '%s' "$rec" | field to)"
expect_eq "reply-all Cc: the original Cc, self left out" \
    '["bob@example.com"]' "$(printf '%s' "$rec" | field cc)"
expect_eq "reply-all goes to gog as explicit lists, in the thread" \
    '"18c1b00000000004"' "$(printf '%s' "$rec" | field reply_to_message_id)"
agent "$T/bin/gog" gmail send --reply-all --to bob@example.com \
    --subject "Re: Team lunch" --body "Just you" \
    --reply-to-message-id 18c1b00000000004 >/dev/null 2>&1
expect_eq "reply-all with --to: --to replaces the To list" \
    '["bob@example.com"]' "$(last_record | field to)"
agent "$T/bin/gog" gmail send --reply-all --subject x --body y \
    >/dev/null 2>"$T/err"
expect_eq "--reply-all without a reply target: usage (2)" 2 $?
expect_match "  gog's words" 'reply-all requires --reply-to-message-id' \
    "$(cat "$T/err")"

# ---- --reply-to: the Reply-To header is a recipient for policy ----------
before=$(gog_spool)
agent "$T/bin/gog" gmail send --to alice@example.com --subject Hi \
    --body Hello --reply-to eve@evil.example >/dev/null 2>"$T/err"
expect_eq "--reply-to an address not allowed: refused (6)" 6 $?
expect_eq "  nothing sent" "$before" "$(gog_spool)"
agent "$T/bin/gog" gmail send --to alice@example.com --subject Hi \
    --body Hello --reply-to carol@example.com >/dev/null 2>&1
expect_eq "--reply-to an allowed address: sent with it" \
    '"carol@example.com"' "$(last_record | field reply_to)"

# ---- --body-html: the content rules read the HTML's text ----------------
agent "$T/bin/gog" gmail send --to alice@example.com --subject Hi \
    --body-html '<p>Hello <b>there</b> &amp; welcome</p>' >/dev/null 2>&1
expect_eq "--body-html: sent" 0 $?
rec=$(last_record)
expect_eq "  the HTML reached gog whole (on its standard input)" \
    '"<p>Hello <b>there</b> &amp; welcome</p>"' \
    "$(printf '%s' "$rec" | field body_html)"
before=$(gog_spool)
for html in '<p>AKIA<b></b>IOSFODNN7EXAMPLE</p>' \
    '<p>&#65;KIAIOSFODNN7EXAMPLE</p>' \
    '<p>&#x41;&#x4b;IAIOSFODNN7EXAMPLE</p>' \
    '<a href="https://x.example/?k=AKIAIOSFODNN7EXAMPLE">the report</a>' \
    '<p>pass<span>word</span>: hunter2</p>' \
    '<p>pass&#119;ord&#58; hunter2</p>'; do
	agent "$T/bin/gog" gmail send --to alice@example.com --subject Hi \
	    --body-html "$html" >/dev/null 2>"$T/err"
	expect_eq "--body-html blocked: $html" 6 $?
done
expect_match "  the refusal names the rule" 'content blocked' \
    "$(cat "$T/err")"
expect_eq "  none reached Google" "$before" "$(gog_spool)"
agent "$T/bin/gog" gmail send --to alice@example.com --subject Hi \
    --body-file - --body-html '<p>x</p>' </dev/null >/dev/null 2>&1
agent "$T/bin/gog" gmail send --to alice@example.com --subject Hi \
    --body "plain" --body-html '<p>x</p>' >/dev/null 2>"$T/err"
expect_eq "--body with --body-html: refused as one body only (2)" 2 $?
expect_match "  and says why" 'only one of body or body_html' \
    "$(cat "$T/err")"
agent "$T/bin/gog" gmail send --to alice@example.com --subject Hi \
    --from alice@example.com --body x >/dev/null 2>&1
expect_eq "--from refused (6)" 6 $?

# ---- shapes: the shim prints what gog prints ----------------------------
# JSON without HTML escaping (outfmt.WriteJSON, SetEscapeHTML(false)).
out=$(agent "$T/bin/gog" --json gmail get 18c1b00000000005)
expect_match "--json: '<' and '&' as they are" \
    '"Newsletter <May> & more"' "$out"
case $out in
*'\u003c'*|*'\u0026'*) not_ok "--json: no \\u003c or \\u0026" ;;
*) ok "--json: no \\u003c or \\u0026" ;;
esac
# get --format metadata --headers: the headers named (and From, which
# inbound policy reads).
out=$(agent "$T/bin/gog" --json gmail get --format metadata \
    --headers Cc,Subject 18c1b00000000004)
expect_match "get --headers Cc: Cc is there" '"name": "Cc"' "$out"
case $out in
*'"name": "To"'*) not_ok "get --headers Cc: To is not" ;;
*) ok "get --headers Cc: To is not" ;;
esac
# Recorded real-shape outputs (tests/data/gog/README): shim and simulator
# both match them byte for byte.
for args in "--json gmail messages search in:inbox --max 3" \
    "--json gmail messages search in:inbox --max 3 --include-body" \
    "gmail messages search in:inbox" "--plain gmail messages search in:inbox"; do
	# shellcheck disable=SC2086
	tool $args >"$T/want" 2>"$T/want.err"
	# shellcheck disable=SC2086
	agent "$T/bin/gog" $args >"$T/got" 2>"$T/got.err"
	if cmp -s "$T/want" "$T/got" && cmp -s "$T/want.err" "$T/got.err"; then
		ok "as gog: gog $args"
	else
		not_ok "as gog: gog $args"
		diff "$T/want" "$T/got" | head -10
	fi
done
for case in "thread-text.txt:gmail thread get 18c1b00000000005" \
    "get-metadata.json:--json gmail get --format metadata 18c1b00000000004" \
    "get-text.txt:gmail get 18c1b00000000006"; do
	file=${case%%:*}
	args=${case#*:}
	# shellcheck disable=SC2086
	agent "$T/bin/gog" $args >"$T/got" 2>/dev/null
	if cmp -s "$DATA/$file" "$T/got"; then
		ok "recorded: gog $args (shim)"
	else
		not_ok "recorded: gog $args (shim)"
		diff "$DATA/$file" "$T/got" | head -20
	fi
	# shellcheck disable=SC2086
	tool $args >"$T/got" 2>/dev/null
	if cmp -s "$DATA/$file" "$T/got"; then
		ok "recorded: gog $args (simulator)"
	else
		not_ok "recorded: gog $args (simulator)"
		diff "$DATA/$file" "$T/got" | head -20
	fi
done

# Errors as gog prints them (root.go: errfmt.Format, no prefix; kong's
# parse errors with errfmt's hint), with the same exit code.
for args in "gmail send --frobnicate" \
    "gmail send --subject x --body y" \
    "gmail send --to alice@example.com --body y" \
    "gmail send --to alice@example.com --subject x" \
    "gmail send --reply-all --subject x --body y" \
    "gmail send --to alice@example.com --subject x --body y --thread-id t --reply-to-message-id m" \
    "--json --plain gmail labels list" \
    "gmail frobnicate"; do
	# shellcheck disable=SC2086
	tool $args >/dev/null 2>"$T/want.err" </dev/null
	want=$?
	# shellcheck disable=SC2086
	agent "$T/bin/gog" $args >/dev/null 2>"$T/got.err" </dev/null
	got=$?
	if [ "$want" = "$got" ] && cmp -s "$T/want.err" "$T/got.err"; then
		ok "error as gog prints it: gog $args"
	else
		not_ok "error as gog prints it: gog $args ($want/$got)"
		diff "$T/want.err" "$T/got.err" | head -5
	fi
done

# ---- OpenClaw's exact calls ----------------------------------------------
agent python3 "$T/bin/openclaw_gog.py" "$T/bin/gog" alice@example.com \
    18c1b00000000004 "$T/work" >"$T/client" 2>&1
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "openclaw: ${line#ok - }" ;;
	"not ok - "*) not_ok "openclaw: ${line#not ok - }" ;;
	esac
done <"$T/client"
expect_match "openclaw client ran to the end" '^0 failed$' "$(cat "$T/client")"

# After the client's drafts and sends: the lists and texts as gog's.
for args in "gmail drafts list" "--json gmail drafts list" \
    "--plain gmail drafts list" "gmail get --format metadata 18c1b00000000004" \
    "gmail thread get 18c1b00000000004" "gmail search in:sent" \
    "--json gmail thread get 18c1b00000000005"; do
	# shellcheck disable=SC2086
	tool $args >"$T/want" 2>"$T/want.err"
	# shellcheck disable=SC2086
	agent "$T/bin/gog" $args >"$T/got" 2>"$T/got.err"
	if cmp -s "$T/want" "$T/got" && cmp -s "$T/want.err" "$T/got.err"; then
		ok "as gog: gog $args"
	else
		not_ok "as gog: gog $args"
		diff "$T/want" "$T/got" | head -10
		diff "$T/want.err" "$T/got.err" | head -4
	fi
done

# ---- watch serve: new mail POSTed to OpenClaw's hook ---------------------
agent "$T/bin/gog" gmail watch serve --account me@example.com \
    --hook-url https://127.0.0.1:1/hooks/gmail --hook-token t >/dev/null \
    2>"$T/err"
expect_eq "watch serve: an https hook is refused (2)" 2 $?
expect_match "  saying why" 'https is not supported' "$(cat "$T/err")"
agent "$T/bin/gog" gmail watch serve --account me@example.com \
    --hook-url http://192.0.2.1:80/hooks/gmail >/dev/null 2>"$T/err"
expect_eq "watch serve: a hook off the loopback interface is refused" 2 $?
agent "$T/bin/gog" gmail watch serve --account me@example.com \
    --bind 0.0.0.0 --hook-url http://127.0.0.1:1/h >/dev/null 2>"$T/err"
expect_eq "watch serve: gog's bind rule (non-loopback needs --token)" 2 $?
agent "$T/bin/gog" gmail watch stop --account me@example.com \
    >/dev/null 2>&1
expect_eq "watch stop: refused (6)" 6 $?
agent "$T/bin/gog" gmail watch start --account me@example.com \
    --label INBOX >/dev/null 2>"$T/err"
expect_eq "watch start without --topic: usage (2)" 2 $?
expect_match "  gog's words" '^--topic is required$' "$(cat "$T/err")"
agent "$T/bin/gog" gmail watch start --account me@example.com \
    --topic t --hook-token x >/dev/null 2>"$T/err"
expect_match "watch start: a hook token needs a hook URL" \
    'hook-url required when using --hook-token' "$(cat "$T/err")"
out=$(agent "$T/bin/gog" gmail watch status --account me@example.com)
expect_match "watch status needs no --topic" '^history_id	[0-9]+$' "$out"

# The receiver takes six requests: the five messages already in the
# inbox (the watcher's first poll publishes them) and the one after the
# hidden one.
mkfifo "$T/port" "$T/ready" "$T/serve.fifo"
chmod 666 "$T/port" "$T/serve.fifo"
: >"$T/hook.out"
chmod 666 "$T/hook.out"
(agent timeout 120 python3 "$T/bin/gog_hook_receiver.py" "$T/port" \
    "$T/hook.out" 6) &
RECV_PID=$!
PORT=$(head -1 "$T/port")
# Serve's first stderr line says it has subscribed: the test reads it
# from a FIFO (the subscription sees only mail published after it).
{ IFS= read -r l; printf '%s\n' "$l" >"$T/ready"; cat; } \
    <"$T/serve.fifo" >"$T/serve.err" 2>&1 &
# OpenClaw's argv (buildGogWatchServeArgs), the hook on our receiver.
(exec setpriv --reuid="$AGENT_USER" --regid="$AGENT_USER" --init-groups \
    env -i PATH=/usr/bin:/bin HOME="$T/home" CARAPACE_SOCKET="$SOCK" \
    ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
    "$T/bin/gog" gmail watch serve --account me@example.com \
    --bind 127.0.0.1 --port 8788 --path /gmail-pubsub --token pushtok \
    --hook-url "http://127.0.0.1:$PORT/hooks/gmail" --hook-token hooktok \
    --include-body --max-bytes 20 2>"$T/serve.fifo") &
SERVE_PID=$!
IFS= read -r first <"$T/ready"
expect_match "watch serve subscribed" 'forwarding' "$first"
(exec setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
    "$T/bin/carapace-watch" -c "$CONF" gmail 2>>"$T/watch.log") &
WATCH_PID=$!
# Then new mail: one from a sender inbound hides, one allowed.
cat >"$T/new.json" <<'JSON'
[
{"id":"18c1b00000000020","threadId":"18c1b00000000020","labelIds":["INBOX"],"snippet":"hidden","internalDate":"1778960000000","payload":{"mimeType":"text/plain","headers":[{"name":"From","value":"mallory@evil.example"},{"name":"To","value":"me@example.com"},{"name":"Subject","value":"Hidden"},{"name":"Date","value":"Sun, 17 May 2026 12:00:00 +0000"}],"body":{"data":"aGlkZGVu","size":6}}},
{"id":"18c1b00000000021","threadId":"18c1b00000000021","labelIds":["INBOX"],"snippet":"code","internalDate":"1778960060000","payload":{"mimeType":"text/plain","headers":[{"name":"Authentication-Results","value":"mx.google.com; dkim=pass header.i=@example.com header.s=s1 header.b=AbCd; spf=pass (google.com: domain of alice@example.com designates 203.0.113.25 as permitted sender) smtp.mailfrom=alice@example.com; dmarc=pass (p=REJECT) header.from=example.com"},{"name":"From","value":"alice@example.com"},{"name":"To","value":"me@example.com"},{"name":"Subject","value":"Your code is 482913"},{"name":"Date","value":"Sun, 17 May 2026 12:01:00 +0000"}],"body":{"data":"Y29kZSA0ODI5MTM","size":11}}}
]
JSON
{
	sed '$d' "$GOGDIR/messages.json"
	printf ',\n'
	sed '1d' "$T/new.json"
} >"$T/m.tmp"
chown "$GW_USER" "$T/m.tmp"
mv "$T/m.tmp" "$GOGDIR/messages.json"
wait "$RECV_PID"
kill "$SERVE_PID" "$WATCH_PID" 2>/dev/null
wait "$SERVE_PID" 2>/dev/null
wait "$WATCH_PID" 2>/dev/null
python3 - "$T/hook.out" >"$T/hook.check" 2>&1 <<'PY'
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
def say(good, what):
    print(("ok - " if good else "not ok - ") + what)
say(len(reqs) == 6, "six POSTs reached the hook (%d)" % len(reqs))
say(all(r["path"] == "/hooks/gmail" for r in reqs), "each to the hook's path")
say(all(r["headers"].get("authorization") == "Bearer hooktok" for r in reqs),
    "each with Authorization: Bearer <--hook-token>")
say(all(r["headers"].get("content-type") == "application/json" for r in reqs),
    "each with Content-Type: application/json")
docs = [json.loads(r["body"]) for r in reqs]
say(all(list(p) == ["source", "account", "historyId", "messages"] for p in docs),
    "payload keys in gog's order (gmailHookPayload)")
say(all(p["source"] == "gmail" and p["account"] == "me@example.com" and
        isinstance(p["historyId"], str) for p in docs),
    "source gmail, account, historyId a string")
msgs = [m for p in docs for m in p["messages"]]
keys = ["id", "threadId", "from", "to", "subject", "date", "snippet", "body",
        "bodyTruncated", "labels"]
say(all(set(m) <= set(keys) and [k for k in keys if k in m] == list(m)
        for m in msgs), "message keys are gmailHookMessage's, in its order")
ids = [m["id"] for m in msgs]
say("18c1b00000000020" not in ids, "the hidden message was not posted")
say(ids[-1:] == ["18c1b00000000021"], "the message after it was")
say(all(len(m.get("body", "").encode()) <= 20 for m in msgs),
    "bodies within --max-bytes")
say(any(m.get("bodyTruncated") is True for m in msgs) and
    all(len(m.get("body", "").encode()) >= 17 for m in msgs
        if m.get("bodyTruncated")), "a cut body is marked bodyTruncated")
say("482913" not in "".join(r["body"] for r in reqs),
    "the one-time code is scrubbed before the hook")
raw = "".join(r["body"] for r in reqs)
say("Newsletter \\u003cMay\\u003e \\u0026 more" in raw,
    "the hook body escapes HTML as Go's json.Marshal does")
PY
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "hook: ${line#ok - }" ;;
	"not ok - "*) not_ok "hook: ${line#not ok - }" ;;
	*) not_ok "hook check: $line" ;;
	esac
done <"$T/hook.check"

finish
