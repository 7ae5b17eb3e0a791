#!/bin/sh
# Inbound: the watcher publishes through inbound policy into the LMDB
# inbox; the shim's `imsg watch` streams it; hidden messages are never
# delivered on any path (stream, inbox.read, history, chat list) and
# each hidden one is audited.
. "$(dirname "$0")/lib.sh"

setup
INBOUND_ALLOW='mom, "chat:3", "chat:5"' default_config allowlist
start_gateway

# msg ID CHAT SENDER TEXT [is_from_me]: one line as `imsg watch` prints it.
msg() {
	case $2 in
	1) ident="+14155550100"; group=false ;;
	2) ident="alex.rivera@example.com"; group=false ;;
	3) ident="chat493827161045763123"; group=true ;;
	*) ident="+14155559999"; group=false ;;
	esac
	printf '{"id":%d,"chat_id":%d,"guid":"G-%d","sender":"%s","is_from_me":%s,"text":"%s","created_at":"2026-05-16T15:24:36.123Z","attachments":[],"reactions":[],"chat_identifier":"%s","chat_guid":"iMessage;-;%s","chat_name":"","participants":["%s"],"is_group":%s}\n' \
	    "$1" "$2" "$1" "$3" "${5:-false}" "$4" "$ident" "$ident" "$3" "$group"
}

: >"$T/sim/inbound.jsonl"
chown "$GW_USER" "$T/sim/inbound.jsonl"
(exec setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
    "$T/bin/carapace-watch" -c "$CONF" imsg 2>>"$T/watch.log") &
WATCH_PID=$!
sleep 0.5

agent "$T/bin/imsg" watch --json --since-rowid 0 >"$T/watch.out" 2>&1 &
SUB_PID=$!
agent "$T/bin/imsg" watch >"$T/watch.txt" 2>&1 &
SUB2_PID=$!
# The text watch starts "from now": publish once both have subscribed.
i=0
while [ "$(ctl audit show | grep -c '"method":"inbox.subscribe"')" -lt 2 ] &&
    [ $i -lt 200 ]; do
	sleep 0.1
	i=$((i + 1))
done

{
	msg 1001 1 "+14155550100" "hello from mom"
	msg 1002 4 "+14155559999" "stranger danger"
	msg 1003 1 "+14155550100" "Your verification code is 482913"
	msg 1004 2 "alex.rivera@example.com" "hidden email chat"
	msg 1005 3 "+14155550142" "group message from a non-contact"
	msg 1006 1 "+14155550100" "sent by me" true
	msg 1007 1 "+14155550100" "reset: https://example.com/reset?token=abc123"
} >>"$T/sim/inbound.jsonl"

i=0
while [ "$(grep -c '"id":' "$T/watch.out")" -lt 5 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
out=$(cat "$T/watch.out")
expect_eq "five messages streamed" 5 "$(grep -c '"id":' "$T/watch.out")"
expect_match "allowed sender streamed" '"id":1001' "$out"
expect_match "named group streamed" '"id":1005' "$out"
expect_match "own message streamed" '"id":1006' "$out"
case "$out" in
*'"id":1002'*|*'"id":1004'*) not_ok "hidden messages not streamed" ;;
*) ok "hidden messages not streamed" ;;
esac
case "$out" in
*482913*) not_ok "one-time code redacted in the stream" ;;
*) ok "one-time code redacted in the stream" ;;
esac
case "$out" in
*abc123*) not_ok "reset link redacted in the stream" ;;
*) ok "reset link redacted in the stream" ;;
esac
expect_match "stream lines are imsg message objects" \
    '^\{"id":1001,"chat_id":1,"guid":"G-1001","sender":"\+14155550100","is_from_me":false,"text":"hello from mom"' \
    "$(head -1 "$T/watch.out")"
expect_match "text watch prints imsg's line format" \
    '\[recv\] \+14155550100: hello from mom' "$(cat "$T/watch.txt")"

# Resume: a new subscriber from rowid 1003 sees only what came after.
out=$(timeout 3 setpriv --reuid="$AGENT_USER" --regid="$AGENT_USER" \
    --init-groups env -i CARAPACE_SOCKET="$SOCK" \
    "$T/bin/imsg" watch --json --since-rowid 1003)
expect_eq "resume from rowid" "1005 1006 1007" \
    "$(printf '%s\n' "$out" | grep -o '"id":[0-9]*' | cut -d: -f2 | tr '\n' ' ' | sed 's/ $//')"
out=$(timeout 3 setpriv --reuid="$AGENT_USER" --regid="$AGENT_USER" \
    --init-groups env -i CARAPACE_SOCKET="$SOCK" \
    "$T/bin/imsg" watch --json --since-rowid 0 --chat-id 3)
expect_eq "--chat-id filter" "1005" \
    "$(printf '%s\n' "$out" | grep -o '"id":[0-9]*' | cut -d: -f2 | tr '\n' ' ' | sed 's/ $//')"

# inbox.read sees the same filtered inbox.
out=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"inbox.read","params":{"channel":"imsg","since":0,"limit":100}}' | raw)
expect_match "inbox.read returns the allowed messages" \
    '"cursor":1001.*"cursor":1003.*"cursor":1005.*"cursor":1006.*"cursor":1007' "$out"
case "$out" in
*stranger*|*'hidden email'*) not_ok "inbox.read hides what the stream hides" ;;
*) ok "inbox.read hides what the stream hides" ;;
esac
out=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"inbox.subscribe","params":{"channels":["imsg"],"since":{"imsg":1005}}}' | raw -n -w 1500)
expect_match "raw subscribe answers with a subscription and cursor" \
    '"result":\{"subscription":1,"cursor":\{"imsg":1005\}\}' "$out"
expect_match "then inbox.message notifications" \
    '"method":"inbox.message","params":\{"subscription":1,"channel":"imsg","cursor":1006' "$out"

# Hidden messages are audited, not published.
expect_eq "two hidden messages audited" 2 \
    "$(ctl audit show | grep -c '"method":"inbox.hide"')"

# The same filter on history and chat lists.
out=$(agent "$T/bin/imsg" history --chat-id 4 --json)
expect_eq "history of a hidden chat is empty" "" "$out"
out=$(agent "$T/bin/imsg" history --chat-id 5 --json)
expect_match "history of an allowed chat" '"chat_id":5' "$out"
case "$out" in
*123456*) not_ok "history scrubs the one-time code" ;;
*) ok "history scrubs the one-time code" ;;
esac

# Watcher restart: nothing lost, nothing repeated.
kill -9 "$WATCH_PID"
wait "$WATCH_PID" 2>/dev/null
msg 1008 1 "+14155550100" "while the watcher was down" >>"$T/sim/inbound.jsonl"
(exec setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
    "$T/bin/carapace-watch" -c "$CONF" imsg 2>>"$T/watch.log") &
WATCH_PID=$!
i=0
while ! grep -q '"id":1008' "$T/watch.out" && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
expect_eq "message sent while the watcher was down arrives once" 1 \
    "$(grep -c '"id":1008' "$T/watch.out")"
expect_eq "no message delivered twice" \
    "$(grep -o '"id":[0-9]*' "$T/watch.out" | sort | uniq | wc -l)" \
    "$(grep -c '"id":' "$T/watch.out")"

kill "$SUB_PID" "$SUB2_PID" "$WATCH_PID" 2>/dev/null
wait "$SUB_PID" "$SUB2_PID" "$WATCH_PID" 2>/dev/null
expect_match "audit chain verifies" '^audit chain OK' "$(ctl audit verify)"

# Two watchers for one channel would publish everything twice.
(exec setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
    "$T/bin/carapace-watch" -c "$CONF" imsg 2>>"$T/watch.log") &
W1=$!
sleep 0.3
out=$(as "$GW_USER" "$T/bin/carapace-watch" -c "$CONF" imsg 2>&1)
rc=$?
expect_eq "a second watcher for the channel refuses to run" 1 "$rc"
expect_match "and says why" "another carapace-watch imsg is running" "$out"
kill "$W1"
wait "$W1" 2>/dev/null

finish
