#!/bin/sh
# Default-deny field schemas, iMessage: a full message as the real imsg
# prints it (tests/data/inbound/imsg/, every field), first benign, then
# with a one-time code and a reset link planted in every string, read on
# every path an agent has: history, search, chats, the watcher's stream
# (imsg watch) and inbox.read.  Benign text arrives unchanged and
# without the attachment paths; no planted secret arrives anywhere.
. "$(dirname "$0")/lib.sh"

setup
default_config allowlist
start_gateway

P="python3 $top_srcdir/tests/e2e/inbound_plant.py"
D=$top_srcdir/tests/data/inbound/imsg

# The sender and chat identifier stay clean: the inbound decision reads
# them, and a message it hides would prove nothing.
$P plant "$D/message.json" sender chat_identifier >"$T/planted.json"
python3 - "$T/planted.json" "$T/planted-4823.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["id"] = 4823
open(sys.argv[2], "w").write(json.dumps(m, separators=(",", ":")) + "\n")
PY
$P plant "$D/chat.json" identifier >"$T/planted-chat.json"

# sim_data MESSAGE CHAT: what the simulated imsg's database holds.
sim_data() {
	printf '[%s]\n' "$(cat "$1")" >"$T/sim/messages.json"
	printf '[%s]\n' "$(cat "$2")" >"$T/sim/chats.json"
	chown "$GW_USER" "$T/sim/messages.json" "$T/sim/chats.json"
}

# Benign: every field the schema lists arrives as imsg printed it.
python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])),separators=(",",":")))' \
    "$D/message.json" >"$T/benign.json"
python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])),separators=(",",":")))' \
    "$D/chat.json" >"$T/benign-chat.json"
sim_data "$T/benign.json" "$T/benign-chat.json"
out=$(agent "$T/bin/imsg" history --chat-id 7 --json)
why=$(printf '%s\n' "$out" | $P same "$D/message.expected.json" id 4821)
check "history: benign message arrives whole, without paths${why:+: $why}" \
    [ -z "$why" ]
# imsg's search prints messages without attachments and reactions.
out=$(agent "$T/bin/imsg" search --query noon --json)
why=$(printf '%s\n' "$out" | $P same "$D/message.expected.json" id 4821 \
    attachments reactions)
check "search: benign message arrives whole${why:+: $why}" [ -z "$why" ]
out=$(agent "$T/bin/imsg" chats --json)
why=$(printf '%s\n' "$out" | $P same "$D/chat.expected.json" id 7)
check "chats: benign chat arrives whole${why:+: $why}" [ -z "$why" ]
case $out$(agent "$T/bin/imsg" history --chat-id 7 --json) in
*original_path*|*/Users/carapace*|*Library/Messages*)
	not_ok "no path inside the carapace account on any read" ;;
*)	ok "no path inside the carapace account on any read" ;;
esac

# Planted: nothing survives, and the message is still shown.
sim_data "$T/planted.json" "$T/planted-chat.json"
for args in "history --chat-id 7 --json" "history --chat-id 7" \
    "history --chat-id 7 --attachments" "search --query noon --json" \
    "chats --json" "chats"; do
	# shellcheck disable=SC2086
	out=$(agent "$T/bin/imsg" $args 2>&1)
	why=$(printf '%s\n' "$out" | $P clean)
	check "$args: no planted secret${why:+: $why}" [ -z "$why" ]
	case $args in
	chats*)	expect_match "$args: the chat is listed" '7' "$out" ;;
	*)	expect_match "$args: the message is shown" \
		    '4821|Yes, see you at noon' "$out" ;;
	esac
done

# The stream and the inbox: the watcher reads `imsg watch`.
: >"$T/sim/inbound.jsonl"
chown "$GW_USER" "$T/sim/inbound.jsonl"
(exec setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
    "$T/bin/carapace-watch" -c "$CONF" imsg 2>>"$T/watch.log") &
WATCH_PID=$!
agent "$T/bin/imsg" watch --json --since-rowid 0 >"$T/watch.out" 2>&1 &
SUB_PID=$!
# The simulated watch starts after the newest message it finds: add a
# primer until one comes through, so the real messages follow it.
i=0
while ! grep -q '"text":"primer' "$T/watch.out" && [ $i -lt 300 ]; do
	printf '{"id":%d,"chat_id":7,"guid":"P-%d","sender":"+14155550100","is_from_me":false,"text":"primer %d","created_at":"2026-05-16T15:24:36.123Z","attachments":[],"reactions":[],"chat_identifier":"+14155550100","chat_guid":"iMessage;-;+14155550100","chat_name":"","participants":["+14155550100"],"is_group":false}\n' \
	    $((100 + i)) $i $i >>"$T/sim/inbound.jsonl"
	sleep 0.1
	i=$((i + 1))
done
{ cat "$T/benign.json"; cat "$T/planted-4823.json"; } >>"$T/sim/inbound.jsonl"
i=0
while [ "$(grep -c '^{"id":482[13],' "$T/watch.out")" -lt 2 ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill "$SUB_PID" 2>/dev/null
wait "$SUB_PID" 2>/dev/null
expect_eq "watch: both messages streamed" 2 "$(grep -c '^{"id":482[13],' "$T/watch.out")"
why=$($P same "$D/message.expected.json" id 4821 <"$T/watch.out")
check "watch: benign message arrives whole${why:+: $why}" [ -z "$why" ]
why=$($P clean <"$T/watch.out")
check "watch: no planted secret${why:+: $why}" [ -z "$why" ]
out=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"inbox.read","params":{"channel":"imsg","since":0,"limit":100}}' | raw)
expect_match "inbox.read: both messages" '"id":4823' "$out"
why=$(printf '%s\n' "$out" | $P same "$D/message.expected.json" id 4821)
check "inbox.read: benign message arrives whole${why:+: $why}" [ -z "$why" ]
why=$(printf '%s\n' "$out" | $P clean)
check "inbox.read: no planted secret${why:+: $why}" [ -z "$why" ]
kill "$WATCH_PID" 2>/dev/null
wait "$WATCH_PID" 2>/dev/null

finish
