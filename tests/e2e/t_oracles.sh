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

finish
