#!/bin/sh
# No oracles on imsg's read paths, as an agent probing for hidden chats
# and messages would: through the real handler, the imsg shim and the
# simulated imsg.  A history is computed over visible messages only (a
# limit of N gives N visible messages when the chat has them, never
# fewer because some were hidden), and the history of a hidden chat is
# answered exactly as that of a chat that does not exist.
. "$(dirname "$0")/lib.sh"

setup
write_config <<YAML
version: 1
state_dir: $T/state
map_size: 64M
audit: { sink: stderr }
clients:
  - name: agent
    users: [$AGENT_USER]
    channels: [imsg]
channels:
  imsg:
    tool: $T/bin/sim-imsg
    db: $T/sim
    timeout: 10s
    region: US
    outbound:
      allow: ["+14155550100"]
    inbound:
      allow: ["+14155550100"]
      from_me: hide
YAML
start_gateway

# Chat 1 (allowed): 101 received, 102 the owner's (hidden: from_me
# hide), 103 received.  The two newest visible are 103 and 101.
out=$(agent "$T/bin/imsg" history --chat-id 1 --limit 2 --json)
expect_eq "history limit 2: two visible messages" 2 \
    "$(printf '%s\n' "$out" | grep -c '"id"')"
expect_match "the older visible one is there" '"id":101' "$out"
case "$out" in
*'"id":102'*) not_ok "the owner's message stays hidden" ;;
*) ok "the owner's message stays hidden" ;;
esac
out=$(agent "$T/bin/imsg" rpc <<'RPC'
{"jsonrpc":"2.0","id":1,"method":"messages.history","params":{"chat_id":1,"limit":2}}
RPC
)
expect_eq "rpc messages.history limit 2: two visible messages" 2 \
    "$(printf '%s\n' "$out" | grep -o '"chat_id":1' | wc -l | tr -d ' ')"

# Hidden chats (2: a sender not allowed; 4: a stranger) and a chat that
# does not exist get the same answer, byte for byte.
agent "$T/bin/imsg" history --chat-id 999 --limit 5 --json >"$T/missing" 2>&1
echo "rc=$?" >>"$T/missing"
for chat in 2 4; do
	agent "$T/bin/imsg" history --chat-id "$chat" --limit 5 --json \
	    >"$T/got" 2>&1
	echo "rc=$?" >>"$T/got"
	check "history of hidden chat $chat: a missing chat's answer" \
	    cmp -s "$T/missing" "$T/got"
done

# ---- inbox.read pages over what is shown ---------------------------------
# msg ID CHAT SENDER TEXT: one line as `imsg watch` prints it.
msg() {
	case $2 in
	1) ident="+14155550100"; group=false ;;
	*) ident="chat493827161045763123"; group=true ;;
	esac
	printf '{"id":%d,"chat_id":%d,"guid":"G-%d","sender":"%s","is_from_me":false,"text":"%s","created_at":"2026-05-16T15:24:36.123Z","attachments":[],"reactions":[],"chat_identifier":"%s","chat_guid":"iMessage;-;%s","chat_name":"","participants":["%s"],"is_group":%s}\n' \
	    "$1" "$2" "$1" "$3" "$4" "$ident" "$ident" "$3" "$group"
}
imsg_config() {
	write_config <<YAML
version: 1
state_dir: $T/state
map_size: 64M
audit: { sink: stderr }
clients:
  - name: agent
    users: [$AGENT_USER]
    channels: [imsg]
channels:
  imsg:
    tool: $T/bin/sim-imsg
    db: $T/sim
    timeout: 10s
    region: US
    inbound:
      allow: [$1]
YAML
}
inbox() {
	printf '{"jsonrpc":"2.0","id":1,"method":"inbox.read","params":{"channel":"imsg","since":%s,"limit":%s}}\n' \
	    "$1" "$2" | raw -w 3000
}
imsg_config '"+14155550100", "chat:3"'
: >"$T/sim/inbound.jsonl"
chown "$GW_USER" "$T/sim/inbound.jsonl"
(exec setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
    "$T/bin/carapace-watch" -c "$CONF" imsg 2>>"$T/watch.log") &
WATCH_PID=$!
shown() {
	inbox 0 1000 | grep -o '"cursor":[0-9]*,"message"' | wc -l | tr -d ' '
}
# imsg watch starts after what is there: mom writes until one arrives.
i=0
while [ "$(shown)" -lt 1 ] && [ $i -lt 700 ]; do
	msg $((200 + i)) 1 "+14155550100" "mom early" >>"$T/sim/inbound.jsonl"
	sleep 0.1
	i=$((i + 1))
done
# The last one written is shown too, once the watch follows the file.
last=$((200 + i - 1))
i=0
while [ "$(inbox 0 1000 | grep -c "\"cursor\":$last,")" -lt 1 ] &&
    [ $i -lt 1200 ]; do
	sleep 0.1
	i=$((i + 1))
done
early=$(shown)
{
	msg 1001 1 "+14155550100" "mom one"
	msg 1005 3 "+14155550142" "group one"
	msg 1008 1 "+14155550100" "mom two"
	msg 1009 3 "+14155550142" "group two"
	msg 1010 1 "+14155550100" "mom three"
} >>"$T/sim/inbound.jsonl"
i=0
while [ "$(inbox 0 1000 | grep -c '"cursor":1010,')" -lt 1 ] &&
    [ $i -lt 1200 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill "$WATCH_PID" 2>/dev/null
wait "$WATCH_PID" 2>/dev/null
expect_eq "the watcher stored the five messages after mom's first" \
    $((early + 5)) "$(shown)"
# The owner narrows the policy: mom's messages are hidden now.
imsg_config '"chat:3"'
out=$(inbox 0 1)
expect_match "limit 1: the first message shown, past a hidden one" \
    '"messages":\[\{"channel":"imsg","cursor":1005,' "$out"
expect_match "its cursor is the message shown" '"cursor":1005}' "$out"
out=$(inbox 1005 5)
expect_match "the next page: the other shown message" '"cursor":1009,' "$out"
expect_match "its cursor stops at it, not at the hidden one after" \
    '"cursor":1009}' "$out"
case "$out" in
*1008*|*1010*|*mom*) not_ok "no hidden message on the page" ;;
*) ok "no hidden message on the page" ;;
esac

finish
