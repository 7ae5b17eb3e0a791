#!/bin/sh
# imsg rpc as OpenClaw drives it, through the real handler and watcher:
# a client written from TOOLS.md (tests/clients/imsg_rpc_client.py)
# probes, subscribes, receives what the watcher publishes, sends to an
# allowed and a refused recipient, keeps many requests in flight and
# closes stdin.  Then the CLI commands added with it (typing, read,
# status --json) in text and JSON, field by field.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	echo "# SKIP: python3 not installed"
	exit 77
fi

setup
default_config allowlist
start_gateway

: >"$T/sim/inbound.jsonl"
chown "$GW_USER" "$T/sim/inbound.jsonl"
chmod 666 "$T/sim/inbound.jsonl"
(exec setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
    "$T/bin/carapace-watch" -c "$CONF" imsg 2>>"$T/watch.log") &
WATCH_PID=$!
sleep 0.5

# An attachment the agent may read.
head -c 3000 /dev/urandom >"$T/home/pic.jpg"
chmod 644 "$T/home/pic.jpg"
chmod 755 "$T/home"

# The client's verdicts become this test's.
python3 "$top_srcdir/tests/clients/imsg_rpc_client.py" "$T/sim" \
    "$T/home/pic.jpg" -- setpriv --reuid="$AGENT_USER" \
    --regid="$AGENT_USER" --init-groups env -i PATH=/usr/bin:/bin \
    HOME="$T/home" ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
    UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" CARAPACE_SOCKET="$SOCK" \
    "$T/bin/imsg" >"$T/client.out" 2>"$T/client.err"
client_rc=$?
while IFS= read -r line; do
	case $line in
	PASS\ *) ok "rpc: ${line#PASS }" ;;
	FAIL\ *) not_ok "rpc: ${line#FAIL }" ;;
	esac
done <"$T/client.out"
expect_eq "rpc client ran to the end" 0 "$client_rc"
[ -s "$T/client.err" ] && head -c 2000 "$T/client.err"

kill "$WATCH_PID" 2>/dev/null
wait "$WATCH_PID" 2>/dev/null

# Every rpc request was audited with its method and recipient.
audit=$(ctl audit show)
expect_match "typing audited with its recipient" \
    '"method":"typing".*"recipient":"\+14155550100"' "$audit"
expect_match "refused typing audited as denied" \
    '"decision":"deny".*"method":"typing".*"recipient":"\+14155559999"' \
    "$audit"
expect_match "read audited" '"method":"read".*"recipient":"\+14155550100"' \
    "$audit"

# ---- CLI: typing, read, status, rpc --help (text and JSON) ----------
signals() { find "$T/sim/signals" -type f ! -name '.*' | wc -l | tr -d ' '; }
n0=$(signals)
out=$(agent "$T/bin/imsg" typing --to mom --json); rc=$?
expect_eq "typing --json" '{"status":"started"}' "$out"
expect_eq "typing exit 0" 0 "$rc"
out=$(agent "$T/bin/imsg" typing --to mom)
expect_eq "typing text" "typing indicator started" "$out"
out=$(agent "$T/bin/imsg" typing --to mom --stop true --json)
expect_eq "typing --stop true --json" '{"status":"stopped"}' "$out"
out=$(agent "$T/bin/imsg" typing --to mom --stop true)
expect_eq "typing --stop true text" "typing indicator stopped" "$out"
out=$(agent "$T/bin/imsg" typing --chat-id 3 --duration 10ms --json)
expect_eq "typing --duration --json" \
    '{"status":"completed","duration_s":"0.01"}' "$out"
out=$(agent "$T/bin/imsg" typing --chat-id 3 --duration 10ms)
expect_eq "typing --duration text" "typing indicator shown for 10ms" "$out"
expect_eq "each typing call reached the tool (duration: start and stop)" \
    $((n0 + 8)) "$(signals)"
last=$(ls "$T/sim/signals" | sort | tail -1)
expect_match "the tool got --stop true for the end of a duration" \
    '"--chat-id","3","--stop","true"' "$(cat "$T/sim/signals/$last")"
out=$(agent "$T/bin/imsg" typing --to +14155559999 --json); rc=$?
expect_eq "typing to a refused recipient: the gateway's line" \
    "recipient not allowed: +14155559999" "$out"
expect_eq "typing refused: exit 1" 1 "$rc"
out=$(agent "$T/bin/imsg" typing --to mom --chat-id 1); rc=$?
expect_eq "typing --to with --chat-id" "Invalid value for option: --to" "$out"
expect_eq "typing usage error: exit 1" 1 "$rc"
out=$(agent "$T/bin/imsg" typing --to mom --stop maybe)
expect_eq "typing --stop maybe" "Invalid value for option: --stop" "$out"
expect_eq "refused and invalid typing reached nothing" $((n0 + 8)) \
    "$(signals)"

out=$(agent "$T/bin/imsg" read --handle +14155550100 --json); rc=$?
expect_eq "read exit 0" 0 "$rc"
printf '%s\n' "$out" | python3 -c '
import json, sys
o = json.loads(sys.stdin.read())
assert list(o) == ["success", "handle", "marked_as_read"], o
assert o["success"] is True and o["marked_as_read"] is True, o
assert o["handle"] == "+14155550100", o
' && ok "read --json fields and types" || not_ok "read --json: $out"
# imsg 0.9's read (ReadCommand.swift): --to, alias --handle, or a chat.
out=$(agent "$T/bin/imsg" read --handle +14155550100)
expect_eq "read text" "marked as read: +14155550100" "$out"
out=$(agent "$T/bin/imsg" read --to +14155550100)
expect_eq "read --to" "marked as read: +14155550100" "$out"
out=$(agent "$T/bin/imsg" read --chat-id 3); rc=$?
expect_eq "read --chat-id names the chat by its guid" \
    "marked as read: iMessage;+;chat493827161045763123" "$out"
expect_eq "read --chat-id exit 0" 0 "$rc"
out=$(agent "$T/bin/imsg" read --chat-id 4); rc=$?
expect_eq "read of a hidden chat: unknown, as the real tool says" \
    "Invalid chat target: Unknown chat id 4" "$out"
expect_eq "read of a hidden chat: exit 1" 1 "$rc"
out=$(agent "$T/bin/imsg" read --handle +14155559999); rc=$?
expect_eq "read refused" "recipient not allowed: +14155559999" "$out"
expect_eq "read refused: exit 1" 1 "$rc"
out=$(agent "$T/bin/imsg" read --json); rc=$?
expect_eq "read without a target" "Missing required option: --to" "$out"
expect_eq "read usage error: exit 1" 1 "$rc"
out=$(agent "$T/bin/imsg" read --to +14155550100 --chat-id 3); rc=$?
expect_eq "read with --to and a chat" "Invalid value for option: --to" \
    "$out"
expect_eq "read with --to and a chat: exit 1" 1 "$rc"

out=$(agent "$T/bin/imsg" status --json); rc=$?
expect_eq "status --json exit 0" 0 "$rc"
expect_match "status --json lists the shim's rpc methods" \
    '"rpc_methods":\["chats.list","messages.history","watch.subscribe","watch.unsubscribe","send","typing","read"\]' \
    "$out"
out=$(agent "$T/bin/imsg" rpc --help); rc=$?
expect_eq "rpc --help exit 0" 0 "$rc"
expect_match "rpc --help" '^imsg rpc' "$out"

# group: the chat as policy shows it, field by field, with the account
# fields GroupCommand.swift prints when the chat has them.
out=$(agent "$T/bin/imsg" group --chat-id 3 --json); rc=$?
expect_eq "group --json exit 0" 0 "$rc"
expect_eq "group --json" \
    '{"id":3,"identifier":"chat493827161045763123","guid":"iMessage;+;chat493827161045763123","name":"Hiking Crew","service":"iMessage","is_group":true,"participants":["+14155550100","alex.rivera@example.com","+14155550142"],"account_id":"3F2504E0-4F89-41D3-9A0C-0305E82C3301","account_login":"E:owner@icloud.example","last_addressed_handle":"owner@icloud.example"}' \
    "$out"
out=$(agent "$T/bin/imsg" group --chat-id 1)
expect_eq "group text" "id: 1
identifier: +14155550100
guid: iMessage;-;+14155550100
name: +14155550100
service: iMessage
account_id: 3F2504E0-4F89-41D3-9A0C-0305E82C3301
account_login: E:owner@icloud.example
last_addressed_handle: owner@icloud.example
is_group: false
participants:
  - +14155550100" "$out"
out=$(agent "$T/bin/imsg" group --chat-id 4 --json); rc=$?
expect_eq "group of a hidden chat: unknown, as the real tool says" \
    "Chat not found: 4" "$out"
expect_eq "group of a hidden chat: exit 1" 1 "$rc"
out=$(agent "$T/bin/imsg" group); rc=$?
expect_eq "group without --chat-id" "Missing required option: --chat-id" \
    "$out"

# react: the chat must be allowed outbound.
n1=$(signals)
out=$(agent "$T/bin/imsg" react --chat-id 3 -r love --json); rc=$?
expect_eq "react --json" \
    '{"success":true,"chat_id":3,"reaction_type":"love","reaction_emoji":"❤️"}' \
    "$out"
expect_eq "react exit 0" 0 "$rc"
out=$(agent "$T/bin/imsg" react --chat-id 3 --reaction like)
expect_eq "react text" "Sent 👍 reaction to chat 3" "$out"
# imsg 0.9 refuses to send a custom emoji tapback (ReactCommand.swift):
# the gateway passes the tool's refusal on, and nothing is sent.
out=$(agent "$T/bin/imsg" react --chat-id 3 --reaction 🎉); rc=$?
expect_match "react with a custom emoji: the tool's refusal" \
    "Unsupported reaction: custom emoji tapback" "$out"
expect_eq "react with a custom emoji: exit 1" 1 "$rc"
expect_eq "only the standard reactions reached the tool" $((n1 + 2)) \
    "$(signals)"
# A chat is its participants: chat 4 is +14155559999's, not allowed.
out=$(agent "$T/bin/imsg" react --chat-id 4 -r like); rc=$?
expect_eq "react in a chat not allowed outbound" \
    "recipient not allowed: chat:4" "$out"
expect_eq "react refused: exit 1" 1 "$rc"
out=$(agent "$T/bin/imsg" react --chat-id 3 -r wave)
expect_eq "react with an unknown reaction" "Invalid reaction: wave

Valid reactions: love, like, dislike, laugh, emphasis, question" "$out"
expect_eq "refused and invalid reactions reached nothing" $((n1 + 2)) \
    "$(signals)"

# search: every chat, through the inbound filter.
out=$(agent "$T/bin/imsg" search --query the --json); rc=$?
expect_eq "search exit 0" 0 "$rc"
expect_eq "search finds only visible messages, newest first" "102 110" \
    "$(printf '%s\n' "$out" | grep -o '^{"id":[0-9]*' | cut -d: -f2 | tr '\n' ' ' | sed 's/ $//')"
printf '%s\n' "$out" | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    for k, t in (("id", int), ("chat_id", int), ("guid", str),
                 ("sender", str), ("is_from_me", bool), ("text", str),
                 ("created_at", str), ("attachments", list)):
        assert isinstance(m[k], t) and not (t is int and
            isinstance(m[k], bool)), (k, m)
' && ok "search --json field types" || not_ok "search --json types: $out"
out=$(agent "$T/bin/imsg" search --query verification --json)
expect_eq "search never shows a hidden one-time code" "" "$out"
out=$(agent "$T/bin/imsg" search --query "bring" --match exact)
expect_eq "search --match exact" "" "$out"
out=$(agent "$T/bin/imsg" search --query "I'll bring trail mix" --match exact)
expect_match "search text output is history's line format" \
    '\[recv\] Alex Rivera: I.ll bring trail mix$' "$out"
out=$(agent "$T/bin/imsg" search); rc=$?
expect_eq "search without --query" "Missing required option: --query" "$out"
out=$(agent "$T/bin/imsg" search --query the --match fuzzy); rc=$?
expect_eq "search --match other than contains or exact" \
    "Invalid value for option: --match" "$out"
expect_eq "search --match fuzzy: exit 1" 1 "$rc"

# The other IMsgError texts, as their descriptions (Errors.swift).
out=$(agent "$T/bin/imsg" send --to +14155550100 --text hi --service fax)
expect_eq "send --service fax" "Invalid service: fax" "$out"
out=$(agent "$T/bin/imsg" typing --to +14155550100 --duration soon)
expect_eq "typing --duration soon" "Typing indicator failed: Invalid \
duration: soon. Use e.g. 5s, 3000ms, 1m, or 1h" "$out"
out=$(agent "$T/bin/imsg" history --chat-id 3 --start x); rc=$?
expect_eq "history --start x" "Invalid ISO8601 date: x" "$out"
expect_eq "history --start x: exit 1" 1 "$rc"
out=$(agent "$T/bin/imsg" watch --end tomorrow); rc=$?
expect_eq "watch --end tomorrow" "Invalid ISO8601 date: tomorrow" "$out"
expect_eq "watch --end tomorrow: exit 1" 1 "$rc"
# CommandRouter.swift honours --version anywhere, even after "--".
out=$(agent "$T/bin/imsg" chats -- --version); rc=$?
expect_eq "--version after --" "0.9.2" "$out"
expect_eq "--version after --: exit 0" 0 "$rc"

# Bridge commands: the real tool's failure shape.
out=$(agent "$T/bin/imsg" tapback --chat 'iMessage;-;+14155550100' \
    --type love --json); rc=$?
expect_eq "bridge command --json" \
    '{"success":false,"error":"tapback is not available through this gateway"}' \
    "$out"
expect_eq "bridge command exit 1" 1 "$rc"
out=$(agent "$T/bin/imsg" send-rich --chat x --text hi)
expect_eq "bridge command text (BridgeOutput.emitError)" \
    "error: send-rich is not available through this gateway" "$out"

# Golden output of every command through the real handler: each JSON
# line field by field and type by type (tests/clients/imsg_types.py),
# and the text forms.
types() { python3 "$top_srcdir/tests/clients/imsg_types.py" "$@"; }
golden() {
	desc=$1 kind=$2 min=$3
	shift 3
	out=$(agent "$T/bin/imsg" "$@" 2>&1); rc=$?
	if [ "$rc" = 0 ] && why=$(printf '%s\n' "$out" | types "$kind" "$min"); then
		ok "golden: $desc"
	else
		not_ok "golden: $desc (exit $rc): $why $(printf '%s' "$out" | head -c 300)"
	fi
}
golden "chats --json" chat 2 chats --json
golden "history --json" message 3 history --chat-id 1 --json
golden "history --attachments --json" message 3 history --chat-id 3 \
    --attachments --json
: >"$T/golden-watch.out"
setpriv --reuid="$AGENT_USER" --regid="$AGENT_USER" --init-groups \
    env -i ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
    CARAPACE_SOCKET="$SOCK" "$T/bin/imsg" watch --json --since-rowid 0 \
    --chat-id 1 >"$T/golden-watch.out" 2>&1 &
WPID=$!
i=0
while [ "$(wc -l <"$T/golden-watch.out")" -lt 3 ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill "$WPID" 2>/dev/null
wait "$WPID" 2>/dev/null
if why=$(types message 3 <"$T/golden-watch.out"); then
	ok "golden: watch --json"
else
	not_ok "golden: watch --json: $why"
fi
golden "status --json" status 1 status --json
golden "group --json" group 1 group --chat-id 3 --json
golden "typing --json" typing 1 typing --to mom --json
golden "typing --duration --json" typing 1 typing --to mom --duration 1ms \
    --json
golden "read --json" read 1 read --handle mom --json
golden "react --json" react 1 react --chat-id 3 -r like --json
golden "search --json" message 1 search --query the --json
golden "send --json" sent 1 send --to mom --text "golden" --json
out=$(agent "$T/bin/imsg" send --to mom --text golden)
expect_eq "golden: send text" "sent" "$out"
out=$(agent "$T/bin/imsg" chats --limit 2)
expect_match "golden: chats text is [<id>] <name> (<identifier>) last=<ISO>" \
    '^\[1\] Mom \(\+14155550100\) last=2026-05-16T15:24:36\.123Z$' "$out"
out=$(agent "$T/bin/imsg" history --chat-id 1 --limit 1)
expect_match "golden: history text is <ISO> [sent|recv] <sender>: <text>" \
    '^2026-[0-9-]+T[0-9:.]+Z \[(sent|recv)\] [^:]+: .+$' "$out"
out=$(agent "$T/bin/imsg" status)
expect_match "golden: status text" '^imsg Status Report$' "$out"

# A peer the gateway does not know: every request refused, the shape kept.
out=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"chats.list","params":{"limit":1}}' |
    as "$STRANGER_USER" "$T/bin/imsg" rpc --json); rc=$?
expect_match "rpc as an unknown peer: refused in the real error shape" \
    '^\{"jsonrpc":"2.0","id":1,"error":\{"code":-32603,"message":"Internal error","data":"not authorized to use the gateway \(uid [0-9]+\)"\}\}$' \
    "$out"
expect_eq "rpc as an unknown peer: still exits 0 at the end of input" 0 "$rc"

# Straight to the gateway: an agent may not signal a stranger either way.
out=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"typing","params":{"channel":"imsg","chat_id":4}}' | raw)
expect_match "gateway typing to a chat not allowed: -32002" \
    '"code":-32002' "$out"
out=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"read","params":{"channel":"imsg","to":"-x"}}' | raw)
expect_match "gateway read refuses an option-like value" \
    "must not start with '-'" "$out"
out=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"typing","params":{"channel":"imsg","to":"mom","text":"x"}}' | raw)
expect_match "gateway typing refuses unknown params" '"code":-32602' "$out"

finish
