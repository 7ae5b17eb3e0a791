#!/bin/sh
# Default-deny field schemas, Gmail: a full Gmail API message as gog
# prints it (tests/data/inbound/gmail/: every header, nested multipart
# parts with base64url bodies, an attachment part), first benign, then
# with a one-time code and a reset link planted in every string (inside
# the bodies too), read through gog's search, get, thread get and the
# watcher with inbox.read.  Benign text arrives, no planted secret
# anywhere, decoded bodies included.
. "$(dirname "$0")/lib.sh"

setup
cp "$top_builddir/src/shim/gog" "$T/bin/gog"
cp "$top_builddir/sim/gog" "$T/bin/sim-gog"
mkdir -p "$T/sim/gog"
cp "$top_srcdir"/sim/data/gog/labels.json "$T/sim/gog/"
chmod 755 "$T/bin/gog" "$T/bin/sim-gog"
GOGDIR=$T/sim/gog
P="python3 $top_srcdir/tests/e2e/inbound_plant.py"
D=$top_srcdir/tests/data/inbound/gmail

write_config <<YAML
version: 1
state_dir: $T/state
audit: { sink: stderr }
clients:
  - name: agent
    users: [$AGENT_USER]
    channels: [gmail]
channels:
  gmail:
    tool: $T/bin/sim-gog
    account: me@example.com
    send: draft
    timeout: 10s
    poll: 1s
    outbound:
      mode: allowlist
      allow: ["*@example.com"]
    inbound:
      mode: allowlist
      allow: ["*@example.com"]
      scrub: [otp, auth_links]
YAML
start_gateway

# stored FILE: the Gmail API message in FILE (gog's search-item fields
# taken off: the simulator makes those itself) as the mailbox.
stored() {
	python3 - "$1" "$GOGDIR/messages.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
for k in ("date", "from", "subject", "labels", "body", "raw"):
    m.pop(k, None)
json.dump([m], open(sys.argv[2], "w"))
PY
	chown -R "$GW_USER:$GW_USER" "$GOGDIR"
}
ID=18f2a3b4c5d6e7f8
THREAD=18f2a3b4c5d6e7f0
FROM="Alice Liddell <alice@example.com>"

# Benign: the text of every part arrives.
stored "$D/message.json"
out=$(agent "$T/bin/gog" --json gmail get "$ID")
why=$(printf '%s\n' "$out" | $P same "$D/message.expected.json" id "$ID" \
    date from subject labels body raw)
check "get: benign message arrives whole${why:+: $why}" [ -z "$why" ]
expect_match "get: gog's flattened headers arrive" \
    '"subject": "Lunch on Friday"' "$out"
out=$(agent "$T/bin/gog" --json gmail thread get "$THREAD")
why=$(printf '%s\n' "$out" | $P same "$D/message.expected.json" id "$ID" \
    date from subject labels body raw)
check "thread get: benign message arrives whole${why:+: $why}" [ -z "$why" ]

# Planted: the ids, labels, the From header and Gmail's
# Authentication-Results stay clean (the decision and gog's own search
# read them; Gmail writes the latter, not the sender).
AR=$(python3 -c 'import json, sys
for h in json.load(open(sys.argv[1]))["payload"]["headers"]:
    if h["name"] == "Authentication-Results":
        print(h["value"])' "$D/message.json")
$P plant "$D/message.json" id threadId labelIds =From "=$FROM" \
    =Authentication-Results "=$AR" >"$T/planted.json"
stored "$T/planted.json"
for args in "--json gmail search lunch" "gmail search lunch" \
    "--json gmail get $ID" "gmail get $ID" \
    "--json gmail get --format metadata $ID" \
    "--json gmail thread get $THREAD" "gmail thread get $THREAD"; do
	# shellcheck disable=SC2086
	out=$(agent "$T/bin/gog" $args 2>&1)
	why=$(printf '%s\n' "$out" | $P clean | head -5)
	check "gog $args: no planted secret${why:+: $why}" [ -z "$why" ]
	expect_match "gog $args: the message is shown" "$ID|$THREAD" \
	    "$out"
done

inbox() {
	printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"inbox.read","params":{"channel":"gmail","limit":1000}}' |
	    raw
}
(exec setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
    "$T/bin/carapace-watch" -c "$CONF" gmail 2>>"$T/watch.log") &
WATCH_PID=$!
i=0
while ! inbox | grep -q "\"id\":\"$ID\"" && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill "$WATCH_PID" 2>/dev/null
wait "$WATCH_PID" 2>/dev/null
out=$(inbox)
expect_match "inbox.read: the message is shown" "\"id\":\"$ID\"" "$out"
why=$(printf '%s\n' "$out" | $P clean | head -5)
check "inbox.read: no planted secret${why:+: $why}" [ -z "$why" ]

finish
