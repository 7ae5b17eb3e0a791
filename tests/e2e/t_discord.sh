#!/bin/sh
# End to end on the discord channel: the discord shim as the agent →
# handler → carapace-discord (as the gateway user, with the token file)
# → a fake Discord API on loopback (tests/discord-fake.py), which records
# every message created.  Sends once through 429s and dropped answers,
# refusals that send nothing, reads filtered and scrubbed, the watcher
# publishing each message once across restarts, and golden outputs of
# the shim.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	echo "# SKIP: python3 not installed (tests/discord-fake.py)"
	exit 77
fi

setup
cp "$top_builddir/carapace-discord" "$T/bin/carapace-discord"
cp "$top_builddir/src/shim/discord" "$T/bin/discord"
chmod 755 "$T/bin/carapace-discord" "$T/bin/discord"
mkdir -p "$T/fake"
printf 'fake-bot-token-0123456789\n' >"$T/discord.token"
chown "$GW_USER" "$T/discord.token"
chmod 600 "$T/discord.token"

python3 "$top_srcdir/tests/discord-fake.py" --dir "$T/fake" \
    --token-file "$T/discord.token" --port-file "$T/fake/port" \
    2>"$T/fake.log" &
FAKE_PID=$!
WATCH_PID=
cleanup() {
	stop_gateway
	[ -n "$WATCH_PID" ] && kill "$WATCH_PID" 2>/dev/null
	kill "$FAKE_PID" 2>/dev/null
}
trap cleanup EXIT
i=0
while [ ! -s "$T/fake/port" ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
if [ ! -s "$T/fake/port" ]; then
	not_ok "fake Discord API started"
	cat "$T/fake.log"
	finish
	exit 1
fi
PORT=$(cat "$T/fake/port")
API="http://127.0.0.1:$PORT"

GENERAL=700000000000000001
RANDOM_CH=700000000000000002
SECRET=700000000000000003
ARCHIVE=700000000000000004
ALICE=600000000000000001
BOB=600000000000000002

write_config <<YAML
version: 1
state_dir: $T/state
map_size: 64M
audit: { sink: stderr }
clients:
  - name: agent
    users: [$AGENT_USER]
    channels: [discord]
contacts:
  alice: { discord: "user:$ALICE" }
  general: { discord: "channel:$GENERAL" }
channels:
  discord:
    tool: $T/bin/carapace-discord
    token_file: $T/discord.token
    api_base: $API/api/v10
    timeout: 5s
    poll: 1s
    outbound:
      mode: allowlist
      allow: [general, alice, "channel:$ARCHIVE"]
    inbound:
      mode: allowlist
      allow: [general, alice, "channel:$ARCHIVE"]
      scrub: [otp, auth_links]
content:
  max_length: 4000
  rules:
    - { name: keys, detect: [aws_key, private_key], action: block }
    - { name: cards, detect: credit_card, action: hold }
YAML
start_gateway

sent_count() {
	if [ -f "$T/fake/sent.jsonl" ]; then
		wc -l <"$T/fake/sent.jsonl" | tr -d ' '
	else
		echo 0
	fi
}
sent_with() {
	n=$(grep -c -- "$1" "$T/fake/sent.jsonl" 2>/dev/null)
	echo "${n:-0}"
}
# post PATH JSON: a request to the fake's test knobs (no curl needed).
post() {
	python3 -c 'import sys, urllib.request
urllib.request.urlopen(sys.argv[1], data=sys.argv[2].encode()).read()' \
	    "$API$1" "$2"
}
knobs() { post /_fake/knobs "$1"; }
inject() {
	post /_fake/inject "{\"channel_id\":\"$1\",\"author_id\":\"$2\",\"content\":\"$3\"${4:+,\"age_ms\":$4}}"
}
dc() { agent "$T/bin/discord" "$@"; }

# --- sends -------------------------------------------------------------
out=$(dc send --to "channel:$GENERAL" --text "hello general" 2>&1)
expect_eq "allowed send exits 0" 0 $?
expect_match "send prints the message id and recipient" \
    "^sent [0-9]+ to channel:$GENERAL\$" "$out"
expect_eq "one message reached Discord" 1 "$(sent_count)"
expect_match "Discord got the text in the named channel" \
    "\"channel_id\": \"$GENERAL\", \"content\": \"hello general\"" \
    "$(cat "$T/fake/sent.jsonl")"
expect_match "the send carried a nonce" '"nonce": "[0-9]+"' \
    "$(cat "$T/fake/sent.jsonl")"

out=$(dc --json send --to alice --text "hi alice")
expect_match "send to an alias opens the DM (JSON)" \
    "^\\{\"status\":\"sent\",\"id\":\"[0-9]+\",\"channel_id\":\"500000000000000001\",\"recipient\":\"user:$ALICE\"\\}\$" \
    "$out"
expect_eq "DM delivered once" 2 "$(sent_count)"

out=$(printf 'from stdin\n' | dc send --to general)
expect_match "text from standard input" '^sent ' "$out"
expect_eq "stdin text delivered without its newline" 1 \
    "$(sent_with '"content": "from stdin",')"

# An attachment goes by descriptor (the agent's file, mode 0600) and
# reaches Discord as multipart form data, from the handler's spool.
printf 'png-bytes-0123456789' >"$T/home/pic.png"
chown "$AGENT_USER" "$T/home/pic.png"
chmod 600 "$T/home/pic.png"
out=$(dc send --to general --text "with a file" --file "$T/home/pic.png" 2>&1)
expect_eq "send with an attachment exits 0" 0 $?
expect_match "Discord got the file (name from the spool, 20 bytes)" \
    '"content": "with a file".*"attachments": \[\{"filename": "att-[A-Za-z0-9]+\.png", "size": 20\}\]' \
    "$(cat "$T/fake/sent.jsonl")"
out=$(dc send --to general --file "$T/home/pic.png" 2>&1)
expect_eq "attachment without text exits 0" 0 $?
expect_eq "attachment-only message posted" 1 \
    "$(grep -c '"content": "", .*"size": 20' "$T/fake/sent.jsonl")"
check "spooled copies removed after sending" \
    test -z "$(ls "$T/state/spool" 2>/dev/null)"
out=$(dc send --to general --file /etc/shadow 2>&1)
expect_eq "a file the agent cannot read: exit 2" 2 $?
sent_before_refusals=$(sent_count)

# Refusals: nothing reaches Discord.
before=$(wc -l <"$T/fake/requests.jsonl")
out=$(dc send --to "channel:$SECRET" --text "psst" 2>&1)
expect_eq "channel not in the allowlist: exit 3" 3 $?
expect_match "refusal names the channel" \
    "^discord: recipient not allowed: channel:$SECRET\$" "$out"
out=$(dc send --to "user:$BOB" --text "hi bob" 2>&1)
expect_eq "user not in the allowlist: exit 3" 3 $?
out=$(dc send --to "+14155550100" --text "sms?" 2>&1)
expect_eq "a phone number is no discord target: exit 3" 3 $?
out=$(dc send --to general --text "key AKIAIOSFODNN7EXAMPLE" 2>&1)
expect_eq "content rule blocks: exit 3" 3 $?
expect_match "content refusal names the rule" 'content blocked: rule keys' "$out"
out=$(dc send --to general --text "card 4111 1111 1111 1111" 2>&1)
expect_eq "content rule holds: exit 4" 4 $?
expect_match "hold id printed" 'held for approval: hold h[0-9]+' "$out"
hold=$(printf '%s' "$out" | sed -n 's/.*hold \(h[0-9]*\).*/\1/p')
out=$(dc send --to "channel:-1" --text x 2>&1)
expect_eq "option-like channel id refused" 3 $?
expect_eq "no refused message reached Discord" "$sent_before_refusals" \
    "$(sent_count)"
# A channel target is resolved before any decision (a DM reaches its
# user): that one read, GET /channels/{id}, is all Discord saw.
lookup='"method": "GET", "path": "/api/v10/channels/[0-9]*", "status"'
tail -n +$((before + 1)) "$T/fake/requests.jsonl" >"$T/refusal-requests"
expect_eq "no request but channel look-ups reached Discord for refusals" 0 \
    "$(grep -cv "$lookup" "$T/refusal-requests")"
expect_eq "the look-ups were the secret channel's and general's" 3 \
    "$(grep -c "$lookup" "$T/refusal-requests")"

# The owner approves the held message: delivered by the same adapter.
if [ -n "$hold" ] && ctl holds approve "$hold" >/dev/null 2>&1; then
	ok "held message approved"
else
	not_ok "held message approved ($hold)"
fi
expect_eq "approved message delivered once" 1 "$(sent_with '4111 1111')"

# 429 with retry_after: waited out, delivered exactly once.
knobs '{"limit_sends":2,"retry_after":0.3}'
out=$(dc send --to general --text "through the limit" 2>&1)
expect_eq "send through two 429s exits 0" 0 $?
expect_eq "rate-limited message recorded exactly once" 1 \
    "$(sent_with '"content": "through the limit"')"
expect_eq "Discord answered 429 twice" 2 \
    "$(grep -c '"status": 429' "$T/fake/requests.jsonl")"

# 429 whose retry_after does not fit the deadline: rate limited, not sent.
knobs '{"limit_sends":1,"retry_after":60}'
out=$(dc send --to general --text "too slow" 2>&1)
expect_eq "429 past the deadline: exit 5" 5 $?
expect_match "retry time passed on" 'rate limited: retry in 60s' "$out"
expect_eq "nothing sent past the deadline" 0 "$(sent_with 'too slow')"
knobs '{"limit_sends":0}'

# Every answer says the bucket is empty: each next request waits for
# X-RateLimit-Reset-After, and the message still goes once.
knobs '{"bucket_empty":true}'
out=$(dc send --to alice --text "empty bucket" 2>&1)
expect_eq "send with an empty rate-limit bucket exits 0" 0 $?
expect_eq "empty bucket: message posted exactly once" 1 \
    "$(sent_with '"content": "empty bucket"')"
knobs '{"bucket_empty":false}'

# Discord created the message but the answer was lost: the retry with
# the same nonce gets the same message back, not a second one.
knobs '{"drop_sends":1}'
out=$(dc send --to general --text "lost answer" 2>&1)
expect_eq "send after a dropped answer exits 0" 0 $?
expect_eq "dropped answer: message posted exactly once" 1 \
    "$(sent_with '"content": "lost answer"')"
expect_eq "the dropped request was repeated" 1 \
    "$(grep -c '"status": "dropped"' "$T/fake/requests.jsonl")"
lost_id=$(grep '"content": "lost answer"' "$T/fake/sent.jsonl" |
    sed 's/.*"id": "\([0-9]*\)".*/\1/')
expect_match "the shim reports the one message's id" "^sent $lost_id " "$out"

# A wrong token is Discord's 401, reported as a tool failure.
printf 'wrong\n' >"$T/discord.token.new"
mv "$T/discord.token" "$T/discord.token.good"
mv "$T/discord.token.new" "$T/discord.token"
chown "$GW_USER" "$T/discord.token"
chmod 600 "$T/discord.token"
out=$(dc send --to general --text "bad token" 2>&1)
expect_eq "wrong token: exit 1" 1 $?
expect_match "wrong token: Discord's 401 passed on" 'HTTP 401' "$out"
chmod 640 "$T/discord.token"
out=$(dc status 2>&1)
expect_match "group-readable token file refused" 'readable by group' "$out"
mv "$T/discord.token.good" "$T/discord.token"
expect_eq "nothing sent with a bad token" 0 "$(sent_with 'bad token')"
case "$(cat "$T/handler.log" "$T/fake/requests.jsonl")" in
*fake-bot-token*) not_ok "token never appears in logs or errors" ;;
*) ok "token never appears in logs or errors" ;;
esac

# --- reads -------------------------------------------------------------
inject $GENERAL $BOB "Your login code is 482913"
inject $RANDOM_CH $ALICE "random talk"
inject "user:$ALICE" $ALICE "dm from alice"
out=$(dc --json read --channel $GENERAL --limit 50)
expect_match "history of an allowed channel" '"content":"hello general"' "$out"
expect_match "history scrubbed (one-time code)" \
    '"content":"Your login code is \[redacted' "$out"
case "$out" in
*482913*) not_ok "code not readable through history" ;;
*) ok "code not readable through history" ;;
esac
out=$(dc read --channel $RANDOM_CH 2>&1)
expect_eq "history of a channel not in inbound.allow: exit 3" 3 $?
expect_match "unreadable channel named" "recipient not allowed: channel:$RANDOM_CH" "$out"
out=$(dc --json read --user $ALICE)
expect_match "DM history with an allowed user" '"content":"dm from alice"' "$out"
expect_match "DM marked" '"is_dm":true' "$out"
expect_match "own DM messages shown (from_me: show) and marked" \
    '"content":"hi alice".*"is_from_me":true' "$out"

# --- golden outputs ------------------------------------------------------
# golden FILE COMMAND...: the shim's output (stdout and stderr) must be
# tests/data/discord/FILE byte for byte.  UPDATE_GOLDEN=1 rewrites them.
G=$top_srcdir/tests/data/discord
golden() {
	f=$1
	shift
	"$@" >"$T/golden.$f" 2>&1
	[ -n "${UPDATE_GOLDEN:-}" ] && cp "$T/golden.$f" "$G/$f"
	if cmp -s "$G/$f" "$T/golden.$f"; then
		ok "golden: $f"
	else
		not_ok "golden: $f"
		diff "$G/$f" "$T/golden.$f" | head -20
	fi
}
golden read.txt dc read --channel $ARCHIVE
golden read.jsonl dc --json read --channel $ARCHIVE
golden channels.txt dc channels
golden channels.jsonl dc channels --json
golden status.txt dc status
golden status.jsonl dc status --json
golden refused.txt dc send --to "channel:$SECRET" --text x
golden refused.jsonl dc send --to "channel:$SECRET" --text x --json
golden usage.txt dc frobnicate
dc frobnicate >/dev/null 2>&1
expect_eq "unknown command: exit 2" 2 $?

# --- audit ---------------------------------------------------------------
audit=$(ctl audit show | grep '"channel":"discord"')
expect_match "allowed send audited" \
    '"decision":"allow".*"method":"send","outcome":"sent"' \
    "$(printf '%s\n' "$audit" | grep "\"recipient\":\"channel:$GENERAL\"")"
expect_match "refused send audited" '"decision":"deny".*"method":"send"' \
    "$(printf '%s\n' "$audit" | grep "\"recipient\":\"channel:$SECRET\"")"
expect_match "rate limit by Discord audited" '"outcome":"limited"' "$audit"
check "audit chain verifies" ctl audit verify

# --- watcher -------------------------------------------------------------
inbox() {
	printf '{"jsonrpc":"2.0","id":1,"method":"inbox.read","params":{"channel":"discord","limit":1000}}\n' |
	    raw
}
start_watch() {
	(exec setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
	    "$T/bin/carapace-watch" -c "$CONF" -s 0 discord \
	    2>>"$T/watch.log") &
	WATCH_PID=$!
}
stop_watch() {
	kill "$WATCH_PID" 2>/dev/null
	wait "$WATCH_PID" 2>/dev/null
	WATCH_PID=
}
# wait_inbox TEXT: until the inbox holds it (bounded: a loop, not a timer).
wait_inbox() {
	i=0
	while ! inbox | grep -q -- "$1" && [ $i -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
count_in_inbox() { inbox | grep -o -- "$1" | wc -l | tr -d ' '; }

start_watch
inject $GENERAL $BOB "watched one"
wait_inbox "watched one"
expect_eq "watcher published a new message once" 1 \
    "$(count_in_inbox '"content":"watched one"')"
expect_eq "watcher published the DM from alice" 1 \
    "$(count_in_inbox '"content":"dm from alice"')"
expect_eq "watcher published old archive messages from -s 0" 1 \
    "$(count_in_inbox '"id":"1100000000000000001"')"
case "$(inbox)" in
*"random talk"*) not_ok "channel outside inbound.allow not published" ;;
*) ok "channel outside inbound.allow not published" ;;
esac
expect_match "watcher scrubbed the one-time code" \
    'Your login code is \[redacted' "$(inbox)"
case "$(inbox)" in
*482913*) not_ok "code not in the inbox" ;;
*) ok "code not in the inbox" ;;
esac

stop_watch
inject $GENERAL $BOB "while stopped"
inject "user:$ALICE" $ALICE "dm while stopped"
start_watch
wait_inbox "dm while stopped"
wait_inbox "while stopped"
# A message that shows up late: its id is older than one already seen.
inject $GENERAL $BOB "newer"
inject $GENERAL $BOB "late arrival" 1200
wait_inbox "late arrival"
wait_inbox "newer"
stop_watch
start_watch
inject $GENERAL $BOB "after restart"
wait_inbox "after restart"
stop_watch
for text in "watched one" "while stopped" "dm while stopped" "newer" \
    "late arrival" "after restart" "hello general" "lost answer"; do
	expect_eq "inbox holds \"$text\" exactly once" 1 \
	    "$(count_in_inbox "\"content\":\"$text\"")"
done
ids=$(inbox | grep -o '"message":{"id":"[0-9]*"' | sort)
expect_eq "no message id twice in the inbox" "" \
    "$(printf '%s\n' "$ids" | uniq -d)"

# A DM channel is its recipient: a deny of user:BOB holds against
# channel:<Bob's DM> in every mode (never held), Alice's DM is Alice,
# and one window is charged however she is addressed.  Raw JSON-RPC.
open_dm() {
	python3 -c 'import json, sys, urllib.request
r = urllib.request.Request(sys.argv[1] + "/api/v10/users/@me/channels",
    data=json.dumps({"recipient_id": sys.argv[2]}).encode(),
    headers={"Authorization": "Bot fake-bot-token-0123456789",
             "Content-Type": "application/json"})
print(json.load(urllib.request.urlopen(r))["id"])' "$API" "$1"
}
BOB_DM=$(open_dm $BOB)
ALICE_DM=$(open_dm $ALICE)
dm_config() {
	write_config <<YAML
version: 1
state_dir: $T/state
map_size: 64M
audit: { sink: stderr }
clients:
  - name: agent
    users: [$AGENT_USER]
    channels: [discord]
channels:
  discord:
    tool: $T/bin/carapace-discord
    token_file: $T/discord.token
    api_base: $API/api/v10
    timeout: 5s
    outbound:
      mode: $1
      allow: ["user:$ALICE", "channel:$GENERAL"]
      deny: ["user:$BOB"]
    inbound: { mode: open }
    limits:
      - { per: recipient, max: ${2:-50}, window: 1m }
YAML
}
dsend() {
	printf '{"jsonrpc":"2.0","id":1,"method":"send","params":{"channel":"discord","to":"%s","text":"%s"}}\n' \
	    "$1" "$2" | raw
}
stop_gateway
for mode in open allowlist approval; do
	dm_config $mode
	start_gateway
	before_dm=$(sent_count)
	out=$(dsend "channel:$BOB_DM" "to bob's DM")
	expect_match "$mode: Bob's DM channel refused as Bob" \
	    '"code":-32002,"message":"recipient not allowed: channel:'$BOB_DM'"' "$out"
	case $out in
	*$BOB*) not_ok "$mode: the refusal names no one behind the channel" ;;
	*) ok "$mode: the refusal names no one behind the channel" ;;
	esac
	known=$(printf '%s' "$out" | sed "s/$BOB_DM/C/g")
	out=$(dsend "user:$BOB" "to bob")
	expect_match "$mode: Bob refused" '"code":-32002' "$out"
	out=$(dsend "channel:799999999999999999" "nowhere")
	expect_match "$mode: an unknown channel is refused" '"code":-32002' "$out"
	expect_eq "$mode: an unknown channel and a refused one answer alike" \
	    "$known" "$(printf '%s' "$out" | sed 's/799999999999999999/C/g')"
	expect_eq "$mode: nothing reached Bob" "$before_dm" "$(sent_count)"
	out=$(dsend "channel:$ALICE_DM" "to alice's DM")
	expect_match "$mode: Alice's DM channel is Alice" '"result"' "$out"
	stop_gateway
done
dm_config allowlist 1
rm -rf "$T/state"/*
start_gateway
out=$(dsend "user:$ALICE" "window one")
expect_match "Alice once" '"result"' "$out"
out=$(dsend "channel:$ALICE_DM" "window two")
expect_match "Alice by her DM channel: the same window" '"code":-32003' "$out"
stop_gateway

kill "$FAKE_PID" 2>/dev/null
finish
