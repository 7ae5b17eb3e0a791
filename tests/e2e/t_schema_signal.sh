#!/bin/sh
# Default-deny field schemas, Signal: a full receive notification as
# signal-cli prints it (tests/data/inbound/signal/: data message with
# quote, previews, attachments with captions, shared contacts, sticker,
# poll, story, edit, sync sent message ...), a full group and a full
# contact, first benign, then with a one-time code and a reset link
# planted in every string, read through the watcher and inbox.read,
# groups.list / contacts.list and the signal-cli shim's listGroups and
# listContacts.  Benign text arrives unchanged, no planted secret
# anywhere.
. "$(dirname "$0")/lib.sh"

setup
cp "$top_builddir/sim/signal-cli" "$T/bin/sim-signal-cli"
cp "$top_builddir/src/shim/signal-cli" "$T/bin/signal-cli"
chmod 755 "$T/bin/sim-signal-cli" "$T/bin/signal-cli"
SIG=$T/sig
mkdir -p "$SIG/attachments"
: >"$SIG/inbound.jsonl"
echo '[]' >"$SIG/groups.json"
echo '[]' >"$SIG/contacts.json"
chown -R "$GW_USER:$GW_USER" "$SIG"
DSOCK=$T/run/signal-cli.sock
GROUP=aGVsbG8gd29ybGQgZ3JvdXAgaWQ=
P="python3 $top_srcdir/tests/e2e/inbound_plant.py"
D=$top_srcdir/tests/data/inbound/signal

write_config <<YAML
version: 1
state_dir: $T/state
audit: { sink: stderr }
clients:
  - name: agent
    users: [$AGENT_USER]
    channels: [signal]
channels:
  signal:
    daemon_socket: $DSOCK
    account: "+14155550199"
    timeout: 20s
    region: US
    outbound:
      mode: allowlist
      allow: ["+14155550101"]
    inbound:
      mode: allowlist
      allow: ["+14155550101", "group:$GROUP"]
      scrub: [otp, auth_links]
YAML

cleanup() {
	for p in ${WATCH_PID:-} ${DAEMON_PID:-}; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	stop_gateway
}
trap cleanup EXIT

(exec setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
    "$T/bin/sim-signal-cli" -a +14155550199 --config "$SIG" daemon \
    --socket "$DSOCK" --receive-mode=manual 2>>"$T/daemon.log") &
DAEMON_PID=$!
i=0
while [ ! -S "$DSOCK" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
start_gateway

rpc() {
	printf '{"jsonrpc":"2.0","id":1,"method":%s}\n' "$1" | raw
}
inbox() {
	rpc '"inbox.read","params":{"channel":"signal","since":0,"limit":100}'
}
compact() {
	python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])),separators=(",",":"),ensure_ascii=False))' "$1"
}

# The addresses the inbound decision reads stay clean: a message it
# hides would prove nothing.
$P plant "$D/message.json" envelope.sourceNumber \
    envelope.dataMessage.groupInfo.groupId \
    envelope.editMessage.dataMessage.groupInfo.groupId \
    envelope.syncMessage.sentMessage.groupInfo.groupId \
    envelope.syncMessage.sentMessage.destinationNumber >"$T/planted.json"
# A later timestamp: the watcher's position.
python3 - "$T/planted.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["envelope"]["timestamp"] += 1
open(sys.argv[1], "w").write(json.dumps(m, separators=(",", ":")) + "\n")
PY

(exec setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
    "$T/bin/carapace-watch" -c "$CONF" signal 2>>"$T/watch.log") &
WATCH_PID=$!
{ compact "$D/message.json"; cat "$T/planted.json"; } >>"$SIG/inbound.jsonl"
i=0
while [ "$(inbox | grep -o '"cursor":[0-9]*,"message"' | wc -l)" -lt 2 ] &&
    [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
out=$(inbox)
expect_eq "inbox.read: both messages shown" 2 \
    "$(printf '%s' "$out" | grep -o '"cursor":[0-9]*,"message"' | wc -l | tr -d ' ')"
why=$(printf '%s\n' "$out" | $P same "$D/message.expected.json" account \
    +14155550199 | head -5)
# The first message object with that account is the benign one.
check "inbox.read: benign message arrives whole${why:+: $why}" [ -z "$why" ]
why=$(printf '%s\n' "$out" | $P clean | head -5)
check "inbox.read: no planted secret${why:+: $why}" [ -z "$why" ]
expect_match "inbox.read: a preview's title is there" '"title":"Lunch menu' "$out"

# Lists: benign, then planted.
for kind in group contact; do
	compact "$D/$kind.json" | sed 's/^/[/; s/$/]/' >"$SIG/${kind}s.json"
done
out=$(rpc '"groups.list","params":{"channel":"signal"}')
why=$(printf '%s\n' "$out" | $P same "$D/group.expected.json" id "$GROUP")
check "groups.list: benign group arrives without its invite link${why:+: $why}" \
    [ -z "$why" ]
out=$(rpc '"contacts.list","params":{"channel":"signal"}')
why=$(printf '%s\n' "$out" | $P same "$D/contact.expected.json" number \
    +14155550101)
check "contacts.list: benign contact arrives whole${why:+: $why}" [ -z "$why" ]
$P plant "$D/group.json" id | sed 's/^/[/; s/$/]/' >"$SIG/groups.json"
$P plant "$D/contact.json" number | sed 's/^/[/; s/$/]/' >"$SIG/contacts.json"
for req in '"groups.list","params":{"channel":"signal"}' \
    '"contacts.list","params":{"channel":"signal"}'; do
	out=$(rpc "$req")
	why=$(printf '%s\n' "$out" | $P clean | head -5)
	check "${req%%,*}: no planted secret${why:+: $why}" [ -z "$why" ]
	expect_match "${req%%,*}: listed" '"(groups|contacts)":\[\{' "$out"
done
for cmd in listGroups listContacts; do
	out=$(agent "$T/bin/signal-cli" -a +14155550199 -o json $cmd 2>&1)
	why=$(printf '%s\n' "$out" | $P clean | head -5)
	check "signal-cli $cmd: no planted secret${why:+: $why}" [ -z "$why" ]
	expect_match "signal-cli $cmd: listed" '"(id|number)":"(\+14155550101|aGVsbG8)' \
	    "$out"
done

finish
