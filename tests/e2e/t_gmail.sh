#!/bin/sh
# Gmail through gog: the real handler runs the simulated gog (which
# records every send and draft in its spool), the agent runs the gog
# shim.  Email policy (every recipient of to/cc/bcc, header injection,
# draft mode, replies on allowed threads), inbound policy and scrubbing
# on every field (search, get, thread, inbox), hidden labels, the polling
# watcher across restarts, and the shim's output against the tool's.
. "$(dirname "$0")/lib.sh"

setup
cp "$top_builddir/src/shim/gog" "$T/bin/gog"
cp "$top_builddir/sim/gog" "$T/bin/sim-gog"
mkdir -p "$T/sim/gog"
cp "$top_srcdir"/sim/data/gog/*.json "$T/sim/gog/"
chmod 755 "$T/bin/gog" "$T/bin/sim-gog"
chown -R "$GW_USER:$GW_USER" "$T/sim/gog"
GOGDIR=$T/sim/gog

# gmail_config SEND_MODE
gmail_config() {
	write_config <<YAML
version: 1
state_dir: $T/state
map_size: 64M
audit: { sink: stderr }
clients:
  - name: agent
    users: [$AGENT_USER]
    channels: [gmail]
contacts:
  alice: { gmail: "alice@example.com" }
channels:
  gmail:
    tool: $T/bin/sim-gog
    account: me@example.com
    send: $1
    timeout: 10s
    poll: 1s
    outbound:
      mode: ${OUT_MODE:-allowlist}
      allow: ["*@example.com"]
      deny: ["mallory@example.com"]
    inbound:
      mode: allowlist
      allow: ["*@example.com"]
      scrub: [otp, auth_links]
      hide_labels: [Secret]
    limits:
      - { per: recipient, max: 20, window: 1m }
content:
  max_length: 4000
  rules:
    - { name: keys, detect: [private_key, aws_key, github_token], action: block }
YAML
}

gog_spool() {
	find "$GOGDIR/spool" -type f -name '*.json' 2>/dev/null | wc -l |
	    tr -d ' '
}

# Every base64url "data" value in the text, decoded.
decoded_bodies() {
	printf '%s\n' "$1" | grep -o '"data": "[^"]*"' | cut -d'"' -f4 |
	while read -r d; do
		d=$(printf '%s' "$d" | tr '_-' '/+')
		case $(( ${#d} % 4 )) in
		2) d="$d==" ;;
		3) d="$d=" ;;
		esac
		printf '%s' "$d" | base64 -d 2>/dev/null
		echo
	done
}

gmail_config draft
start_gateway

# ---- reading: search, get, thread -------------------------------------

out=$(agent "$T/bin/gog" --json gmail search in:inbox --max 10)
expect_match "search lists an allowed sender's thread" \
    '"id": "18c1a00000000001"' "$out"
case "$out" in
*no-reply@acme.example*|*731964*) not_ok "search hides a sender not allowed" ;;
*) ok "search hides a sender not allowed" ;;
esac
case "$out" in
*"Private stuff"*|*18c1a00000000004*) not_ok "search hides a hidden label" ;;
*) ok "search hides a hidden label" ;;
esac
case "$out" in
*482913*) not_ok "OTP redacted in the search subject" ;;
*) ok "OTP redacted in the search subject" ;;
esac
expect_match "redacted subject still listed" \
    '"subject": "Your verification code is [^"]*"' "$out"

out=$(agent "$T/bin/gog" --json gmail get 18c1a00000000003)
rc=$?
expect_eq "get of an allowed message exits 0" 0 "$rc"
expect_match "get carries the message" '"id": "18c1a00000000003"' "$out"
case "$out" in
*482913*|*token=abc123*) not_ok "OTP and auth link redacted in subject, snippet, headers, body" ;;
*) ok "OTP and auth link redacted in subject, snippet, headers, body" ;;
esac
bodies=$(decoded_bodies "$out")
expect_match "plain and HTML parts decode" 'verification code' "$bodies"
case "$bodies" in
*482913*|*token=abc123*) not_ok "OTP redacted inside the base64 plain and HTML parts" ;;
*) ok "OTP redacted inside the base64 plain and HTML parts" ;;
esac
expect_match "snippet present" '"snippet": "' "$out"

agent "$T/bin/gog" --json gmail get 18c1a000000000ff >"$T/missing" 2>"$T/err"
expect_eq "get of a missing message: gog's not found (5)" 5 $?
expect_match "not-found error on stderr" 'not found' "$(cat "$T/err")"
cat "$T/err" >>"$T/missing"
# A hidden message is answered as one that does not exist: same exit,
# same bytes, nothing of its sender.
for id in 18c1a00000000002 18c1a00000000004; do
	agent "$T/bin/gog" --json gmail get "$id" >"$T/got" 2>"$T/err"
	expect_eq "get of hidden $id: gog's not found (5)" 5 $?
	cat "$T/err" >>"$T/got"
	check "get of hidden $id: byte for byte a missing message's answer" \
	    cmp -s "$T/missing" "$T/got"
done
case "$(cat "$T/got")" in
*acme*|*Secret*|*Label_7*) not_ok "not-found names nothing hidden" ;;
*) ok "not-found names nothing hidden" ;;
esac
agent "$T/bin/gog" --json gmail get --format raw 18c1a00000000001 \
    >/dev/null 2>&1
expect_eq "raw format refused as usage (2)" 2 $?
agent "$T/bin/gog" --json gmail get -- -rf >/dev/null 2>&1
expect_eq "an id starting with '-' refused (2)" 2 $?

out=$(agent "$T/bin/gog" --json gmail thread get 18c1a00000000001)
expect_match "thread shows the allowed message" '"id": "18c1a00000000001"' "$out"
expect_match "thread shows the owner's reply (from_me)" \
    '"id": "18c1a00000000006"' "$out"

# ---- sending: draft mode ----------------------------------------------

before=$(gog_spool)
out=$(printf 'See you at noon.\n' | agent "$T/bin/gog" --json gmail send \
    --to alice@example.com --subject "Lunch" --body-file - 2>"$T/err")
rc=$?
expect_eq "send in draft mode exits 0" 0 "$rc"
expect_match "answer names the draft" '"draftId": "r-[0-9]+"' "$out"
expect_match "answer says it was drafted" '"drafted": true' "$out"
expect_match "stderr says not sent" 'not sent: saved as draft' \
    "$(cat "$T/err")"
expect_eq "exactly one record" $((before + 1)) "$(gog_spool)"
rec=$(cat "$GOGDIR"/spool/*.json)
expect_match "the record is a draft" '"op": "draft"' "$rec"
case "$rec" in
*'"op": "send"'*) not_ok "nothing sent in draft mode" ;;
*) ok "nothing sent in draft mode" ;;
esac
expect_match "the draft's body reached gog whole (as --body=TEXT)" \
    '"body": "See you at noon.\\n"' "$rec"

agent "$T/bin/gog" --json gmail drafts send r-2 >/dev/null 2>"$T/err"
expect_eq "drafts send refused in draft mode (6)" 6 $?
expect_eq "nothing sent" $((before + 1)) "$(gog_spool)"

out=$(agent "$T/bin/gog" --json gmail drafts list)
expect_match "drafts list shows the draft" '"id": "r-2"' "$out"

# A body that looks like an option stays a body.
out=$(printf -- '--to=eve@evil.example\n' | agent "$T/bin/gog" --json \
    gmail send --to alice@example.com --subject "Options" --body-file - \
    2>"$T/err")
expect_eq "a draft whose body starts with -- is saved" 0 $?
rec=$(grep -l '"subject": "Options"' "$GOGDIR"/spool/*.json | xargs cat)
expect_match "its body is the text, not an option" \
    '"body": "--to=eve@evil.example\\n"' "$rec"
case "$rec" in
*eve@evil.example\"*) not_ok "no recipient came from the body" ;;
*) ok "no recipient came from the body" ;;
esac

# ---- sending: send mode -----------------------------------------------

stop_gateway
gmail_config send
start_gateway
: >"$T/body"
printf 'Bring snacks.\n' >"$T/body"
chmod 644 "$T/body"
before=$(gog_spool)
out=$(agent "$T/bin/gog" --json gmail send --to "Alice <alice@example.com>" \
    --cc bob@example.com --subject "Party" --body-file "$T/body")
rc=$?
expect_eq "allowed send exits 0" 0 "$rc"
expect_match "answer has gog's messageId" '"messageId": "19b' "$out"
expect_match "answer has gog's from" '"from": "me@example.com"' "$out"
expect_eq "delivered once" $((before + 1)) "$(gog_spool)"
last=$(ls "$GOGDIR"/spool/*.json | sort | tail -1)
expect_match "sent with to and cc normalised" \
    '"cc": \[\s*"bob@example.com"' "$(tr -d '\n' <"$last")"
expect_match "op send" '"op": "send"' "$(cat "$last")"

before=$(gog_spool)
agent "$T/bin/gog" gmail send --to alice@example.com \
    --bcc outsider@evil.example --subject "Hi" --body "secret plan" \
    >/dev/null 2>"$T/err"
expect_eq "a bcc not allowed refuses the whole message (6)" 6 $?
expect_match "the refusal names the bcc" 'outsider@evil.example' \
    "$(cat "$T/err")"
agent "$T/bin/gog" gmail send --to alice@example.com \
    --cc mallory@example.com --subject "Hi" --body "x" >/dev/null 2>&1
expect_eq "a denied cc refuses the message" 6 $?
expect_eq "nothing sent or drafted" "$before" "$(gog_spool)"

subj=$(printf 'Hello\r\nBcc: outsider@evil.example')
agent "$T/bin/gog" gmail send --to alice@example.com --subject "$subj" \
    --body "x" >/dev/null 2>"$T/err"
expect_eq "CR/LF in the subject refused (2)" 2 $?
expect_match "says header" 'not allowed in a header' "$(cat "$T/err")"
addr=$(printf 'alice@example.com\nBcc: outsider@evil.example')
agent "$T/bin/gog" gmail send --to "$addr" --subject "Hi" --body "x" \
    >/dev/null 2>&1
rc=$?
check "CR/LF in an address refused" test "$rc" -eq 2 -o "$rc" -eq 6
nel=$(printf 'Hi\342\200\250Bcc: x@evil.example')
agent "$T/bin/gog" gmail send --to alice@example.com --subject "$nel" \
    --body "x" >/dev/null 2>&1
expect_eq "U+2028 in the subject refused" 2 $?
expect_eq "no injected message went out" "$before" "$(gog_spool)"

agent "$T/bin/gog" gmail send --to alice@example.com --subject "keys" \
    --body "AKIAIOSFODNN7EXAMPLE" >/dev/null 2>&1
expect_eq "content rules apply to the body (6)" 6 $?
expect_eq "blocked content not sent" "$before" "$(gog_spool)"

agent "$T/bin/gog" gmail send --to alice@example.com --subject "Re: Party" \
    --reply-to-message-id 18c1a00000000005 --body "count me in" \
    >/dev/null 2>"$T/err"
expect_eq "reply on a thread with a participant not allowed (6)" 6 $?
case "$(cat "$T/err")" in
*carol*|*elsewhere*) not_ok "the refusal does not name the participant" ;;
*) ok "the refusal does not name the participant" ;;
esac
agent "$T/bin/gog" gmail send --to alice@example.com --subject "Re: Party" \
    --thread-id 18c1a00000000005 --body "count me in" >/dev/null 2>&1
expect_eq "same by thread id" 6 $?
expect_eq "no reply went out" "$before" "$(gog_spool)"
out=$(agent "$T/bin/gog" --plain gmail send --to alice@example.com \
    --subject "Re: Lunch on Friday?" --thread-id 18c1a00000000001 \
    --body "noon it is")
expect_eq "reply on an allowed thread delivered" $((before + 1)) \
    "$(gog_spool)"
expect_match "plain answer is message_id<TAB>id" "$(printf '^message_id\t19b')" \
    "$out"
last=$(ls "$GOGDIR"/spool/*.json | sort | tail -1)
expect_match "reply answers the thread's latest message" \
    '"reply_to_message_id": "18c1a00000000006"' "$(cat "$last")"

# An attachment travels as a descriptor; gog gets the spooled copy.
printf 'attached bytes\n' >"$T/home/notes.txt"
chmod 644 "$T/home/notes.txt"
before=$(gog_spool)
agent "$T/bin/gog" gmail send --to alice@example.com --subject "Notes" \
    --body "see attached" --attach "$T/home/notes.txt" >/dev/null 2>&1
expect_eq "send with --attach exits 0" 0 $?
last=$(ls "$GOGDIR"/spool/*.json | sort | tail -1)
rec=$(tr -d '\n ' <"$last")
expect_match "gog got a spooled copy (.txt kept), same size" \
    '"attachments":\[\{"name":"att-[A-Za-z0-9]+\.txt","size":15\}\]' "$rec"
expect_eq "attachment send delivered once" $((before + 1)) "$(gog_spool)"
check "the spooled copy is removed after delivery" \
    test -z "$(ls "$T/state/spool" 2>/dev/null | grep att-)"

# gog's own failures keep gog's exit code.
printf '4\nauth required: run gog auth add\n' >"$GOGDIR/sim-fail"
chown "$GW_USER" "$GOGDIR/sim-fail"
agent "$T/bin/gog" gmail labels list >/dev/null 2>"$T/err"
expect_eq "tool's exit 4 (auth) passed through" 4 $?
expect_match "tool's stderr tail shown" 'auth required' "$(cat "$T/err")"
printf '7\nrate limited\n' >"$GOGDIR/sim-fail"
agent "$T/bin/gog" gmail labels list >/dev/null 2>&1
expect_eq "tool's exit 7 (rate limited) passed through" 7 $?
rm -f "$GOGDIR/sim-fail"

# drafts send re-checks the draft's recipients.
printf '[{"id":"r-bad","message":{"id":"19bbad","threadId":"19bbad","labelIds":["DRAFT"],"payload":{"mimeType":"text/plain","headers":[{"name":"To","value":"alice@example.com"},{"name":"Bcc","value":"outsider@evil.example"},{"name":"Subject","value":"x"}],"body":{"data":"aGk","size":2}}}},{"id":"r-ok","message":{"id":"19b0ok","threadId":"19b0ok","labelIds":["DRAFT"],"payload":{"mimeType":"text/plain","headers":[{"name":"To","value":"Alice <alice@example.com>"},{"name":"Subject","value":"fine"}],"body":{"data":"aGk","size":2}}}}]' \
    >"$GOGDIR/drafts.json"
before=$(gog_spool)
agent "$T/bin/gog" gmail drafts send r-bad >/dev/null 2>&1
expect_eq "drafts send with a bcc not allowed refused (6)" 6 $?
expect_eq "refused draft not sent" "$before" "$(gog_spool)"
out=$(agent "$T/bin/gog" --json gmail drafts send r-ok)
expect_match "allowed draft sent" '"messageId": "19b0ok"' "$out"
expect_match "drafts.send recorded" '"op": "drafts.send"' \
    "$(cat "$(ls "$GOGDIR"/spool/*.json | sort | tail -1)")"
# A text part the content rules cannot decode is not sent unchecked.
printf '[{"id":"r-b64","message":{"id":"19bb64","threadId":"19bb64","labelIds":["DRAFT"],"payload":{"mimeType":"multipart/alternative","headers":[{"name":"To","value":"alice@example.com"},{"name":"Subject","value":"fine"}],"parts":[{"mimeType":"text/plain","body":{"data":"aGk","size":2}},{"mimeType":"text/html","body":{"data":"QUtJQ*not-base64","size":20}}]}}}]' \
    >"$GOGDIR/drafts.json"
before=$(gog_spool)
agent "$T/bin/gog" gmail drafts send r-b64 >/dev/null 2>"$T/err"
expect_eq "draft with an undecodable text part refused (6)" 6 $?
expect_match "the refusal names the encoding" 'rule content.encoding' \
    "$(cat "$T/err")"
expect_eq "undecodable draft not sent" "$before" "$(gog_spool)"

# ---- approval mode: a recipient not allowed is held, then approved -----

stop_gateway
OUT_MODE=approval gmail_config send
start_gateway
before=$(gog_spool)
out=$(agent "$T/bin/gog" gmail send --to alice@example.com \
    --bcc newcomer@elsewhere.example --subject "Welcome" \
    --body "welcome aboard" 2>&1)
expect_eq "held message exits 1" 1 $?
hold=$(printf '%s\n' "$out" | grep -Eo 'h[0-9]{10}' | head -1)
check "the answer names the hold" test -n "$hold"
expect_eq "held message not sent" "$before" "$(gog_spool)"
out=$(ctl holds approve "$hold")
expect_match "approval delivers it" "approved and sent" "$out"
expect_eq "delivered once after approval" $((before + 1)) "$(gog_spool)"
last=$(ls "$GOGDIR"/spool/*.json | sort | tail -1)
expect_match "with its bcc and body" \
    '"bcc":\["newcomer@elsewhere.example"\].*"body":"welcomeaboard"' \
    "$(tr -d '\n ' <"$last")"
# What could never be delivered is refused at intake, not held: a subject
# longer than the delivery's buffer, an address list longer than its own.
holds_before=$(ctl holds list | grep -c '^h')
long=$(python3 -c 'print("S" * 5000)')
agent "$T/bin/gog" gmail send --to alice@example.com \
    --bcc newcomer@elsewhere.example --subject "$long" \
    --body "never deliverable" >/dev/null 2>"$T/err"
check "an undeliverable subject is refused" test $? -ne 0
expect_match "the refusal says why" 'could never be delivered.*subject' \
    "$(cat "$T/err")"
rcpts=$(python3 -c 'print(",".join("%s%03d@%s.%s.example" % ("r" * 57, i, "d" * 60, "e" * 60) for i in range(60)))')
agent "$T/bin/gog" gmail send --to alice@example.com --bcc "$rcpts" \
    --subject "Many" --body "never deliverable" >/dev/null 2>"$T/err"
expect_match "an undeliverable address list is refused" \
    'could never be delivered.*address' "$(cat "$T/err")"
expect_eq "neither was held" "$holds_before" "$(ctl holds list | grep -c '^h')"
stop_gateway
gmail_config send
start_gateway

# ---- golden output: the shim prints what gog prints ---------------------

# Where policy changes nothing, the shim and the tool are byte-identical.
tool() {
	as "$GW_USER" env GOG_SIM_DIR="$GOGDIR" "$T/bin/sim-gog" \
	    --account me@example.com "$@"
}
for args in "--json gmail labels list" "gmail labels list" \
    "--plain gmail labels list" "--json gmail search Lunch" \
    "gmail search Lunch" "--plain gmail search Lunch" \
    "--json gmail get 18c1a00000000001" \
    "--json gmail get --format metadata 18c1a00000000001" \
    "--json gmail thread get 18c1a00000000001"; do
	# shellcheck disable=SC2086
	tool $args >"$T/want" 2>"$T/want.err"
	# shellcheck disable=SC2086
	agent "$T/bin/gog" $args >"$T/got" 2>"$T/got.err"
	if cmp -s "$T/want" "$T/got"; then
		ok "golden: gog $args"
	else
		not_ok "golden: gog $args"
		diff "$T/want" "$T/got" | head -20
	fi
done
# And pinned field by field, type by type.
agent "$T/bin/gog" --json gmail search Lunch >"$T/got"
if cmp -s "$top_srcdir/tests/data/gog/search-lunch.json" "$T/got"; then
	ok "golden file: search JSON (nextPageToken string, threads array of id/date/from/subject/labels)"
else
	not_ok "golden file: search JSON"
	diff "$top_srcdir/tests/data/gog/search-lunch.json" "$T/got" | head
fi
agent "$T/bin/gog" --plain gmail labels list >"$T/got"
if cmp -s "$top_srcdir/tests/data/gog/labels.plain" "$T/got"; then
	ok "golden file: labels list --plain (tab-separated)"
else
	not_ok "golden file: labels list --plain"
	diff "$top_srcdir/tests/data/gog/labels.plain" "$T/got" | head
fi
out=$(agent "$T/bin/gog" --version)
expect_match "--version" '^v[0-9]' "$out"
agent "$T/bin/gog" gmail frobnicate >/dev/null 2>"$T/err"
expect_eq "unknown command: usage (2)" 2 $?
expect_match "usage error on stderr, as kong words it" '^unexpected argument frobnicate' "$(cat "$T/err")"
out=$(agent env GOG_JSON=1 "$T/bin/gog" gmail labels list)
expect_match "GOG_JSON selects JSON" '^\{' "$out"

# ---- inbound: the polling watcher and the inbox ------------------------

start_watch() {
	(exec setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
	    "$T/bin/carapace-watch" -c "$CONF" gmail 2>>"$T/watch.log") &
	WATCH_PID=$!
}
stop_watch() {
	kill "$WATCH_PID" 2>/dev/null
	wait "$WATCH_PID" 2>/dev/null
}
inbox() {
	printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"inbox.read","params":{"channel":"gmail","limit":1000}}' |
	    raw -w 3000
}
published() {
	inbox | grep -o '"cursor":[0-9]*,"message"' | wc -l | tr -d ' '
}
wait_for() {
	i=0
	while [ "$(published)" -lt "$1" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

start_watch
wait_for 3
sleep 1
out=$(inbox)
expect_eq "watcher published the visible messages once" 3 "$(published)"
case "$out" in
*no-reply@acme.example*|*731964*) not_ok "inbox hides a sender not allowed" ;;
*) ok "inbox hides a sender not allowed" ;;
esac
case "$out" in
*"Private stuff"*) not_ok "inbox hides a hidden label" ;;
*) ok "inbox hides a hidden label" ;;
esac
expect_match "inbox has the OTP message" '18c1a00000000003' "$out"
case "$out" in
*482913*|*token=abc123*) not_ok "OTP and link redacted in the inbox (subject, body)" ;;
*) ok "OTP and link redacted in the inbox (subject, body)" ;;
esac
expect_match "hidden messages audited" '"method":"inbox.hide"' \
    "$(ctl audit show)"

# Restart: nothing twice; then new mail, an equal timestamp, and a late
# (back-dated) one all arrive exactly once.
stop_watch
start_watch
sleep 1
expect_eq "restart publishes nothing again" 3 "$(published)"
cat >"$T/new.json" <<'JSON'
[
{"id":"18c1a00000000010","threadId":"18c1a00000000010","labelIds":["INBOX"],"snippet":"new one","internalDate":"1778945000000","payload":{"mimeType":"text/plain","headers":[{"name":"Authentication-Results","value":"mx.google.com; dkim=pass header.i=@example.com header.s=s1 header.b=AbCd; spf=pass (google.com: domain of alice@example.com designates 203.0.113.25 as permitted sender) smtp.mailfrom=alice@example.com; dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.com"},{"name":"From","value":"alice@example.com"},{"name":"Subject","value":"New"},{"name":"Date","value":"Sat, 16 May 2026 15:23:20 +0000"}],"body":{"data":"bmV3","size":3}}},
{"id":"18c1a00000000011","threadId":"18c1a00000000011","labelIds":["INBOX"],"snippet":"same ms","internalDate":"1778945000000","payload":{"mimeType":"text/plain","headers":[{"name":"Authentication-Results","value":"mx.google.com; dkim=pass header.i=@example.com header.s=s1 header.b=AbCd; spf=pass (google.com: domain of bob@example.com designates 203.0.113.25 as permitted sender) smtp.mailfrom=bob@example.com; dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.com"},{"name":"From","value":"bob@example.com"},{"name":"Subject","value":"Same time"},{"name":"Date","value":"Sat, 16 May 2026 15:23:20 +0000"}],"body":{"data":"c2FtZQ","size":4}}},
{"id":"18c1a00000000012","threadId":"18c1a00000000012","labelIds":["INBOX"],"snippet":"late","internalDate":"1700000000000","payload":{"mimeType":"text/plain","headers":[{"name":"Authentication-Results","value":"mx.google.com; dkim=pass header.i=@example.com header.s=s1 header.b=AbCd; spf=pass (google.com: domain of bob@example.com designates 203.0.113.25 as permitted sender) smtp.mailfrom=bob@example.com; dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.com"},{"name":"From","value":"bob@example.com"},{"name":"Subject","value":"Back-dated"},{"name":"Date","value":"Tue, 14 Nov 2023 22:13:20 +0000"}],"body":{"data":"bGF0ZQ","size":4}}}
]
JSON
# Append to the mailbox: drop the old closing "]" and the new "[".
{
	sed '$d' "$GOGDIR/messages.json"
	printf ',\n'
	sed '1d' "$T/new.json"
} >"$T/m.tmp"
chown "$GW_USER" "$T/m.tmp"
mv "$T/m.tmp" "$GOGDIR/messages.json"
wait_for 6
sleep 1
out=$(inbox)
expect_eq "three new messages published" 6 "$(published)"
for id in 18c1a00000000010 18c1a00000000011 18c1a00000000012; do
	expect_eq "message $id once" 1 \
	    "$(printf '%s' "$out" | grep -o "\"id\":\"$id\"" | wc -l | tr -d ' ')"
done
stop_watch
start_watch
# A poll after the restart is proven by a new message arriving.
cat >"$T/new.json" <<'JSON'
[
{"id":"18c1a00000000013","threadId":"18c1a00000000013","labelIds":["INBOX"],"snippet":"after restart","internalDate":"1778945100000","payload":{"mimeType":"text/plain","headers":[{"name":"Authentication-Results","value":"mx.google.com; dkim=pass header.i=@example.com header.s=s1 header.b=AbCd; spf=pass (google.com: domain of alice@example.com designates 203.0.113.25 as permitted sender) smtp.mailfrom=alice@example.com; dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.com"},{"name":"From","value":"alice@example.com"},{"name":"Subject","value":"After restart"}],"body":{"data":"YWZ0ZXI","size":5}}}
]
JSON
{
	sed '$d' "$GOGDIR/messages.json"
	printf ',\n'
	sed '1d' "$T/new.json"
} >"$T/m.tmp"
chown "$GW_USER" "$T/m.tmp"
mv "$T/m.tmp" "$GOGDIR/messages.json"
wait_for 7
out=$(inbox)
expect_eq "second restart: the new message and no duplicate" 7 \
    "$(published)"
expect_eq "every published id is distinct" 7 \
    "$(printf '%s' "$out" | grep -o '"message":{"id":"[0-9a-f]*"' | sort -u | wc -l | tr -d ' ')"
stop_watch

# The inbox applies the current policy again: Bob is no longer allowed.
stop_gateway
gmail_config send
awk '/^    inbound:/ { inb = 1 } inb && /allow:/ { sub(/allow: .*/, "allow: [alice@example.com]"); inb = 0 } { print }' \
    "$CONF" >"$CONF.new" && mv "$CONF.new" "$CONF" && chmod 644 "$CONF"
start_gateway
out=$(inbox)
expect_match "Alice's mail still in the inbox" '"id":"18c1a00000000010"' "$out"
case "$out" in
*'"id":"18c1a00000000003"'*|*'"id":"18c1a00000000011"'*)
	not_ok "mail stored under the old policy hidden by the new one" ;;
*) ok "mail stored under the old policy hidden by the new one" ;;
esac
agent "$T/bin/gog" --json gmail get 18c1a00000000003 >/dev/null 2>&1
expect_eq "and by get (not found, as a missing one)" 5 $?

finish
