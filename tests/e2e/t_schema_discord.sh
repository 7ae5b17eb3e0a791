#!/bin/sh
# Default-deny field schemas, Discord: a full message object as the API
# documents it (tests/data/inbound/discord/: embeds with fields, footer,
# author and provider, button urls, a forwarded message snapshot, a
# poll, attachments with descriptions, the replied-to message with its
# embeds, stickers, a thread), first benign, then with a one-time code
# and a reset link planted in every string, read through the discord
# shim's read (JSON and text) and the watcher with inbox.read.  Benign
# text arrives unchanged, no planted secret anywhere.
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
API="http://127.0.0.1:$(cat "$T/fake/port")"
GENERAL=700000000000000001
ALICE=600000000000000001
P="python3 $top_srcdir/tests/e2e/inbound_plant.py"
D=$top_srcdir/tests/data/inbound/discord

write_config <<YAML
version: 1
state_dir: $T/state
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
    poll: 1s
    outbound:
      mode: allowlist
      allow: ["channel:$GENERAL"]
    inbound:
      mode: allowlist
      allow: ["channel:$GENERAL"]
      scrub: [otp, auth_links]
YAML
start_gateway

# inject FILE: the message object in FILE, into #general, from alice.
inject() {
	python3 - "$API" "$GENERAL" "$ALICE" "$1" <<'PY'
import json, sys, urllib.request
api, cid, author, path = sys.argv[1:5]
m = json.load(open(path))
body = {"channel_id": cid, "author_id": author, "content": m["content"],
        "fields": m}
urllib.request.urlopen(api + "/_fake/inject",
                       data=json.dumps(body).encode()).read()
PY
}

# The author's id stays clean: the inbound decision reads it.
$P plant "$D/message.json" author.id >"$T/planted.json"

inject "$D/message.json"
out=$(agent "$T/bin/discord" read --channel "$GENERAL" --json)
why=$(printf '%s\n' "$out" | $P same "$D/message.expected.json" content \
    "Yes, see you at noon." id channel_id)
check "read: benign message arrives whole${why:+: $why}" [ -z "$why" ]

inject "$T/planted.json"
for json in --json ""; do
	# shellcheck disable=SC2086
	out=$(agent "$T/bin/discord" read --channel "$GENERAL" $json 2>&1)
	why=$(printf '%s\n' "$out" | $P clean | head -5)
	check "read $json: no planted secret${why:+: $why}" [ -z "$why" ]
	expect_match "read $json: the planted message is shown" \
	    'see you at noon\. Your verification code is \[redacted code\]' \
	    "$out"
done

inbox() {
	printf '{"jsonrpc":"2.0","id":1,"method":"inbox.read","params":{"channel":"discord","limit":1000}}\n' |
	    raw
}
(exec setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
    "$T/bin/carapace-watch" -c "$CONF" -s 0 discord 2>>"$T/watch.log") &
WATCH_PID=$!
i=0
while [ "$(inbox | grep -o '"cursor":[0-9]*,"message"' | wc -l)" -lt 2 ] &&
    [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
out=$(inbox)
expect_eq "inbox.read: both messages" 2 \
    "$(printf '%s' "$out" | grep -o '"cursor":[0-9]*,"message"' | wc -l | tr -d ' ')"
why=$(printf '%s\n' "$out" | $P same "$D/message.expected.json" content \
    "Yes, see you at noon." id channel_id)
check "inbox.read: benign message arrives whole${why:+: $why}" [ -z "$why" ]
why=$(printf '%s\n' "$out" | $P clean | head -5)
check "inbox.read: no planted secret${why:+: $why}" [ -z "$why" ]
kill "$WATCH_PID" 2>/dev/null
wait "$WATCH_PID" 2>/dev/null
WATCH_PID=

finish
