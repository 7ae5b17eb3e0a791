#!/bin/sh
# Signal end to end: client → socket → handler (under
# systemd-socket-activate) → the simulated signal-cli daemon on its Unix
# socket, with policy, holds, limits, content rules, attachments by
# descriptor, inbound-filtered lists, and the signal watcher publishing
# received envelopes into the inbox.
. "$(dirname "$0")/lib.sh"

# lacks NEEDLE TEXT: TEXT does not hold NEEDLE.
lacks() {
	case $2 in
	*"$1"*) return 1 ;;
	esac
	return 0
}

setup
cp "$top_builddir/sim/signal-cli" "$T/bin/sim-signal-cli"
chmod 755 "$T/bin/sim-signal-cli"
SIG=$T/sig
mkdir -p "$SIG/attachments"
cp "$top_srcdir"/sim/data/signal/*.json "$SIG/"
: >"$SIG/inbound.jsonl"
chown -R "$GW_USER:$GW_USER" "$SIG"
DSOCK=$T/run/signal-cli.sock
FAMILY=R3JvdXBGYW1pbHk=
SECRET=R3JvdXBTZWNyZXQ=

signal_config() {
	mode=${1:-allowlist}
	write_config <<YAML
version: 1
state_dir: $T/state
audit: { sink: stderr }
clients:
  - name: agent
    users: [$AGENT_USER]
    channels: [signal]
contacts:
  mom: { signal: "+1 (415) 555-0100" }
channels:
  signal:
    daemon_socket: $DSOCK
    account: "+14155550199"
    timeout: ${TOOL_TIMEOUT:-20s}
    region: US
    outbound:
      mode: $mode
      allow: [mom, "+1415555012*", "group:$FAMILY"]
      deny: [${SIGNAL_DENY:-"+14155550129"}]
    inbound:
      mode: allowlist
      allow: [mom, "group:$FAMILY"]
      scrub: [otp, auth_links]
    limits:
      - { per: recipient, max: ${LIMIT_MAX:-50}, window: 1m }
content:
  max_length: 4000
  rules:
    - { name: keys, detect: [private_key, aws_key, github_token, slack_token, jwt], action: block }
    - { name: cards, detect: credit_card, action: hold }
    - { name: passwords, pattern: "password[[:space:]]*[:=]", icase: true, action: block }
YAML
}

start_daemon() {
	(exec setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
	    "$T/bin/sim-signal-cli" -a +14155550199 --config "$SIG" daemon \
	    --socket "$DSOCK" --receive-mode=manual 2>>"$T/daemon.log") &
	DAEMON_PID=$!
	i=0
	while [ ! -S "$DSOCK" ] && [ $i -lt 400 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

stop_daemon() {
	if [ -n "${DAEMON_PID:-}" ]; then
		kill "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
		DAEMON_PID=
	fi
}

# rpc JSON [rawclient options]: one request through the gateway.
rpc() {
	req=$1
	shift
	printf '{"jsonrpc":"2.0","id":1,"method":%s}\n' "$req" | raw "$@"
}

sent() {
	find "$SIG/spool" -type f -name '*.json' 2>/dev/null | wc -l |
	    tr -d ' '
}

sent_method() {
	cat "$SIG"/spool/*.json 2>/dev/null | grep -c "\"method\":\"$1\""
}

cleanup() {
	stop_daemon
	[ -n "${WATCH_PID:-}" ] && kill "$WATCH_PID" 2>/dev/null
	[ -n "${SUB_PID:-}" ] && kill "$SUB_PID" 2>/dev/null
	stop_gateway
}
trap cleanup EXIT

signal_config allowlist
start_daemon
start_gateway

# status reports the daemon's version and the account.
out=$(rpc '"status","params":{"channel":"signal"}')
expect_match "status reports the daemon" \
    '"result":\{"channel":"signal","available":true,"version":"0.14.6","account":"\+14155550199"\}' \
    "$out"

# An allowed send (through an alias) is delivered once, normalised.
out=$(rpc '"send","params":{"channel":"signal","recipients":["mom"],"text":"hello mom"}')
expect_match "send answers the daemon's result verbatim" \
    '"result":\{"timestamp":[0-9]+,"results":\[\{"recipientAddress":\{"uuid":"[0-9a-f-]+","number":"\+14155550100","username":null\},"type":"SUCCESS"\}\]\}' \
    "$out"
expect_eq "one send reached the daemon" 1 "$(sent)"
rec=$(cat "$SIG"/spool/*.json)
expect_match "daemon got the normalised number and text" \
    '"params":\{"recipient":\["\+14155550100"\],"message":"hello mom"\}' "$rec"

# A denied recipient: refused, nothing sent, audited.
out=$(rpc '"send","params":{"channel":"signal","recipients":["+14155559999"],"text":"hi"}')
expect_match "unlisted recipient refused (-32002)" \
    '"code":-32002.*"recipient":"\+14155559999"' "$out"
expect_eq "nothing sent to the unlisted recipient" 1 "$(sent)"
out=$(rpc '"send","params":{"channel":"signal","recipients":["mom","+14155550129"],"text":"hi"}')
expect_match "one denied recipient refuses the whole message" \
    '"code":-32002.*"recipient":"\+14155550129"' "$out"
expect_eq "nothing sent to either" 1 "$(sent)"
expect_match "refusal audited" '"decision":"deny".*"recipient":"\+14155559999"' \
    "$(ctl audit show | grep 14155559999)"

# Groups: allowed by group:<id>; another group refused.
out=$(rpc "\"send\",\"params\":{\"channel\":\"signal\",\"group_id\":\"$FAMILY\",\"text\":\"hi all\"}")
expect_match "allowed group send answers the daemon's results" \
    "\"results\":\\[\\{\"recipientAddress\":\\{\"uuid\":\"[0-9a-f-]+\",\"number\":\"\\+14155550100\",\"username\":null\\},\"groupId\":\"$FAMILY\",\"type\":\"SUCCESS\"" \
    "$out"
expect_eq "group send delivered" 2 "$(sent)"
expect_match "daemon got the groupId" "\"groupId\":\"$FAMILY\"" \
    "$(cat "$SIG"/spool/*.json)"
out=$(rpc "\"send\",\"params\":{\"channel\":\"signal\",\"group_id\":\"$SECRET\",\"text\":\"hi\"}")
expect_match "unlisted group refused" "\"code\":-32002.*\"recipient\":\"group:$SECRET\"" \
    "$out"
expect_eq "nothing sent to the unlisted group" 2 "$(sent)"
out=$(rpc "\"send\",\"params\":{\"channel\":\"signal\",\"group_id\":\"$FAMILY\",\"recipients\":[\"mom\"],\"text\":\"x\"}")
expect_match "recipients and group_id together refused" '"code":-32602' "$out"
out=$(rpc '"send","params":{"channel":"signal","recipients":["group:R3JvdXBGYW1pbHk="],"text":"x"}')
expect_match "a group in recipients refused" '"code":-32602.*phone numbers only' "$out"
expect_eq "nothing sent by malformed requests" 2 "$(sent)"

# Attachments go by descriptor; a path is refused.
printf 'signal-attachment-bytes' >"$T/home/pic.jpg"
chown "$AGENT_USER" "$T/home/pic.jpg"
chmod 600 "$T/home/pic.jpg"
out=$(rpc '"send","params":{"channel":"signal","recipients":["mom"],"attachments":[{"name":"pic.jpg"}]}' \
    -f "$T/home/pic.jpg")
expect_match "send with an attachment by descriptor" '"type":"SUCCESS"' "$out"
expect_eq "attachment send delivered" 3 "$(sent)"
rec=$(grep -l '"size":23' "$SIG"/spool/*.json | xargs cat)
expect_match "daemon read a spooled copy, not the agent's file" \
    "\"path\":\"$T/state/spool/att-[A-Za-z0-9]+\\.jpg\"" "$rec"
expect_match "with the file's content" \
    "\"data\":\"$(printf 'signal-attachment-bytes' | base64)\"" "$rec"
check "spool copy removed after sending" \
    test -z "$(ls "$T/state/spool" 2>/dev/null)"
out=$(rpc '"send","params":{"channel":"signal","recipients":["mom"],"attachments":["/etc/passwd"]}')
expect_match "an attachment path is refused" \
    '"code":-32602.*param attachments: expected array of objects' "$out"
out=$(rpc '"send","params":{"channel":"signal","recipients":["mom"],"attachments":[{"name":"x.jpg"}]}')
expect_match "an attachment without a descriptor is refused" \
    '"code":-32602.*no descriptor' "$out"
out=$(rpc '"send","params":{"channel":"signal","recipients":["mom"],"text":"x","file":"/etc/passwd"}')
expect_match "a file param is unknown" '"code":-32602.*unknown param: file' "$out"
expect_eq "no path ever reached the daemon" 3 "$(sent)"
case "$(cat "$SIG"/spool/*.json)" in
*/etc/passwd*) not_ok "no agent-named path in any send" ;;
*) ok "no agent-named path in any send" ;;
esac

# Content rules: block and hold.
out=$(rpc '"send","params":{"channel":"signal","recipients":["mom"],"text":"my password: hunter2"}')
expect_match "blocked content refused (-32004)" '"code":-32004.*"rule":"passwords"' "$out"
out=$(rpc '"send","params":{"channel":"signal","recipients":["mom"],"text":"card 4111 1111 1111 1111"}')
expect_match "card number held (-32005)" '"code":-32005.*"hold_id":"h[0-9]+"' "$out"
hold=$(printf '%s\n' "$out" | grep -Eo '"hold_id":"h[0-9]+"' | cut -d'"' -f4)
expect_eq "blocked and held messages not sent" 3 "$(sent)"
out=$(ctl holds approve "$hold")
expect_match "carapacectl approves the held signal message" "approved and sent" "$out"
expect_eq "approved message delivered once" 4 "$(sent)"
expect_match "approved message went through the adapter" \
    '"recipient":\["\+14155550100"\],"message":"card 4111 1111 1111 1111"' \
    "$(cat "$SIG"/spool/*.json)"

# Reactions, typing and receipts: recipient-checked and rate-limited as
# sends, answered as signal-cli answers them: {timestamp, results}
# (SendMessageResultUtils.outputResult, AsamK/signal-cli v0.14.6).
RESULT_MOM='"result":\{"timestamp":[0-9]+,"results":\[\{"recipientAddress":\{"uuid":"[0-9a-f-]+","number":"\+14155550100","username":null\},"type":"SUCCESS"\}\]\}\}$'
RESULT_ANY='"result":\{"timestamp":[0-9]+,"results":\[\{"recipientAddress":'
out=$(rpc '"react","params":{"channel":"signal","recipients":["mom"],"emoji":"👍","target_author":"+14155550100","target_timestamp":1700000000000}')
expect_match "react answers the daemon's {timestamp, results}" "$RESULT_MOM" "$out"
expect_match "daemon got sendReaction in its own names" \
    '"method":"sendReaction","params":\{"recipient":\["\+14155550100"\],"emoji":"👍","targetAuthor":"\+14155550100","targetTimestamp":1700000000000,"remove":false\}' \
    "$(cat "$SIG"/spool/*.json)"
n=$(sent)
out=$(rpc '"react","params":{"channel":"signal","recipients":["+14155559999"],"emoji":"👍","target_author":"+14155559999","target_timestamp":1}')
expect_match "react to a denied recipient refused" '"code":-32002' "$out"
out=$(rpc '"send","params":{"channel":"signal","group_id":"-x/../y","text":"x"}')
expect_match "a group id that is no group id is refused" \
    '"code":-32602.*param group_id: invalid group id' "$out"
out=$(rpc '"typing","params":{"channel":"signal","recipients":["+14155559999"]}')
expect_match "typing to a denied recipient refused" '"code":-32002' "$out"
out=$(rpc "\"typing\",\"params\":{\"channel\":\"signal\",\"group_id\":\"$SECRET\"}")
expect_match "typing to a denied group refused" '"code":-32002' "$out"
out=$(rpc '"receipt","params":{"channel":"signal","recipient":"+14155559999","target_timestamps":[1]}')
expect_match "receipt to a denied recipient refused" '"code":-32002' "$out"
expect_eq "nothing reached the daemon for denied targets" "$n" "$(sent)"
out=$(rpc "\"typing\",\"params\":{\"channel\":\"signal\",\"group_id\":\"$FAMILY\"}")
expect_match "typing to an allowed group: {timestamp, results}" "$RESULT_ANY" "$out"
out=$(rpc '"receipt","params":{"channel":"signal","recipient":"mom","target_timestamps":[1700000000000],"type":"read"}')
expect_match "receipt to an allowed recipient: {timestamp, results}" "$RESULT_MOM" "$out"
expect_match "daemon got sendReceipt" \
    '"method":"sendReceipt","params":\{"recipient":"\+14155550100","targetTimestamp":\[1700000000000\],"type":"read"\}' \
    "$(cat "$SIG"/spool/*.json)"
expect_eq "typing and receipt delivered" "$((n + 2))" "$(sent)"
# The daemon gets the group id the policy checked, not the client's
# spelling of it.
to_family() {
	grep -l "\"groupId\":\"$FAMILY\"" "$SIG"/spool/*.json | wc -l |
	    tr -d ' '
}
g=$(to_family)
out=$(rpc "\"typing\",\"params\":{\"channel\":\"signal\",\"group_id\":\"$FAMILY \"}")
expect_match "typing to a padded group id" "$RESULT_ANY" "$out"
expect_eq "daemon got the checked group id" "$((g + 1))" "$(to_family)"
expect_match "typing refusal audited" '"decision":"deny".*"method":"typing"' \
    "$(ctl audit show | grep '"method":"typing"')"

# Lists go through the inbound policy.
out=$(rpc '"groups.list","params":{"channel":"signal"}')
expect_match "allowed group listed" "\"groups\":\\[\\{\"id\":\"$FAMILY\",\"name\":\"Family\"" "$out"
case "$out" in
*"$SECRET"*|*Secret*) not_ok "unlisted group hidden from groups.list" ;;
*) ok "unlisted group hidden from groups.list" ;;
esac
out=$(rpc '"contacts.list","params":{"channel":"signal"}')
expect_match "allowed contact listed" '"contacts":\[\{"number":"\+14155550100"' "$out"
case "$out" in
*14155559999*|*Stranger*) not_ok "unlisted contact hidden from contacts.list" ;;
*) ok "unlisted contact hidden from contacts.list" ;;
esac

# Rate limit per recipient (a group counts as group:<id>).
LIMIT_MAX=2 signal_config allowlist
n=$(sent)
for i in 1 2 3; do
	out=$(rpc '"send","params":{"channel":"signal","recipients":["+14155550121"],"text":"rate"}')
done
expect_match "third send in the window rate limited (-32003)" \
    '"code":-32003.*"retry_after":[0-9]+' "$out"
expect_eq "only two delivered" "$((n + 2))" "$(sent)"
# What is not a message spends the same window: a send, a reaction, then
# typing and a receipt to the same person are refused, and a remote
# delete too; each is audited as rate limited.
n=$(sent)
out=$(rpc '"send","params":{"channel":"signal","recipients":["+14155550122"],"text":"one"}')
expect_match "send in a fresh window" '"type":"SUCCESS"' "$out"
out=$(rpc '"react","params":{"channel":"signal","recipients":["+14155550122"],"emoji":"x","target_author":"+14155550122","target_timestamp":1}')
expect_match "a reaction is the second in the window" "$RESULT_ANY" "$out"
out=$(rpc '"typing","params":{"channel":"signal","recipients":["+14155550122"]}')
expect_match "typing past the window is rate limited (-32003)" \
    '"code":-32003.*"retry_after":[0-9]+' "$out"
out=$(rpc '"receipt","params":{"channel":"signal","recipient":"+14155550122","target_timestamps":[1]}')
expect_match "a receipt past the window is rate limited" '"code":-32003' "$out"
out=$(rpc '"delete","params":{"channel":"signal","recipients":["+14155550122"],"target_timestamp":1}')
expect_match "a remote delete past the window is rate limited" '"code":-32003' "$out"
out=$(rpc '"react","params":{"channel":"signal","recipients":["+14155550122","+14155550123"],"emoji":"x","target_author":"+14155550122","target_timestamp":1}')
expect_match "a reaction naming a limited person among others is refused" \
    '"code":-32003' "$out"
expect_eq "only the send and the reaction reached the daemon" "$((n + 2))" "$(sent)"
expect_match "limited typing audited" '"method":"typing".*"outcome":"limited"' \
    "$(ctl audit show | grep '"method":"typing"' | grep 14155550122)"
signal_config allowlist

# Remote delete (signal-cli's remoteDelete): the targets' policy, then
# the daemon, answered {timestamp, results}.
n=$(sent)
out=$(rpc '"delete","params":{"channel":"signal","recipients":["mom"],"target_timestamp":1700000000000}')
expect_match "remote delete answers {timestamp, results}" "$RESULT_MOM" "$out"
expect_match "daemon got remoteDelete in its own names" \
    '"method":"remoteDelete","params":\{"recipient":\["\+14155550100"\],"targetTimestamp":1700000000000\}' \
    "$(cat "$SIG"/spool/*.json)"
out=$(rpc '"delete","params":{"channel":"signal","recipients":["+14155559999"],"target_timestamp":1}')
expect_match "remote delete to a denied recipient refused" '"code":-32002' "$out"
out=$(rpc "\"delete\",\"params\":{\"channel\":\"signal\",\"group_id\":\"$SECRET\",\"target_timestamp\":1}")
expect_match "remote delete in a denied group refused" '"code":-32002' "$out"
expect_eq "one remote delete reached the daemon" "$((n + 1))" "$(sent)"
expect_match "remote delete audited before and after" \
    '"outcome":"delivering".*' "$(ctl audit show | grep '"method":"delete"' | grep 14155550100)"

# Daemon faults map onto gateway errors; nothing is retried behind the
# client's back.
n=$(sent)
printf '%s' '-5 Rate limit exceeded: 5s' >"$SIG/sim-fail"
out=$(rpc '"send","params":{"channel":"signal","recipients":["mom"],"text":"x"}')
expect_match "daemon error becomes tool failed with its code and message" \
    '"code":-32007.*"daemon_code":-5,"daemon_message":"Rate limit exceeded: 5s"' "$out"
rm -f "$SIG/sim-fail"
touch "$SIG/sim-garbage"
out=$(rpc '"status","params":{"channel":"signal"}')
expect_match "a garbled answer is tool failed" '"code":-32007.*not a JSON object' "$out"
rm -f "$SIG/sim-garbage"
touch "$SIG/sim-close"
out=$(rpc '"status","params":{"channel":"signal"}')
expect_match "a dropped connection is tool failed" '"code":-32007.*without an answer' "$out"
rm -f "$SIG/sim-close"
touch "$SIG/sim-noise"
out=$(rpc '"status","params":{"channel":"signal"}')
expect_match "notifications before the answer are skipped" \
    '"result":\{"channel":"signal","available":true,"version":"0.14.6"' "$out"
rm -f "$SIG/sim-noise"
touch "$SIG/sim-flood"
out=$(rpc '"status","params":{"channel":"signal"}')
expect_match "an answer past max_output is refused, not buffered" \
    '"code":-32007.*larger than max_output' "$out"
rm -f "$SIG/sim-flood"
touch "$SIG/sim-unreadable"
TOOL_TIMEOUT=30s signal_config allowlist
out=$(rpc '"status","params":{"channel":"signal"}')
expect_match "an error with a null id ends the wait at once" \
    '"code":-32007.*"daemon_code":-32700' "$out"
rm -f "$SIG/sim-unreadable"
touch "$SIG/sim-hang"
TOOL_TIMEOUT=1s signal_config allowlist
out=$(rpc '"send","params":{"channel":"signal","recipients":["mom"],"text":"x"}')
expect_match "a hung daemon times out (-32008)" '"code":-32008.*"timeout_ms":1000' "$out"
rm -f "$SIG/sim-hang"
signal_config allowlist
expect_eq "no fault sent anything" "$n" "$(sent)"
# The daemon did these; its answers are refused all the same.
touch "$SIG/sim-misshapen"
out=$(rpc '"typing","params":{"channel":"signal","recipients":["mom"]}')
expect_match "a typing answer that is not signal-cli's shape is tool failed" \
    '"code":-32007.*answered without timestamp and results' "$out"
out=$(rpc '"groups.list","params":{"channel":"signal"}')
expect_match "a list answer that is not an array is tool failed" \
    '"code":-32007.*not an array' "$out"
rm -f "$SIG/sim-misshapen"
stop_daemon
out=$(rpc '"status","params":{"channel":"signal"}')
expect_match "no daemon: channel unavailable (-32006)" '"code":-32006' "$out"
start_daemon

# Inbound: the watcher subscribes on the daemon and publishes through
# inbound policy and scrubbing.
# envelope TS SENDER TEXT [GROUP] [EXTRA-DATAMESSAGE-JSON]
envelope() {
	g=""
	[ -n "${4:-}" ] && g=",\"groupInfo\":{\"groupId\":\"$4\",\"groupName\":\"G\",\"type\":\"DELIVER\"}"
	printf '{"envelope":{"source":"%s","sourceNumber":"%s","sourceUuid":"5b1c7d0e-2f44-4c1a-9d0b-1a2b3c4d5e6f","sourceName":"Someone","sourceDevice":1,"timestamp":%s,"serverReceivedTimestamp":%s,"serverDeliveredTimestamp":%s,"dataMessage":{"timestamp":%s,"message":"%s","expiresInSeconds":0,"viewOnce":false%s%s}},"account":"+14155550199"}\n' \
	    "$2" "$2" "$1" "$1" "$1" "$1" "$3" "$g" "${5:-}"
}

start_watcher() {
	(exec setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
	    "$T/bin/carapace-watch" -c "$CONF" signal 2>>"$T/watch.log") &
	WATCH_PID=$!
}

inbox() {
	rpc '"inbox.read","params":{"channel":"signal","since":0,"limit":1000}'
}

# wait_inbox N: until the inbox shows N messages (or 30 s).
wait_inbox() {
	i=0
	while [ "$(inbox | grep -o '"cursor":[0-9]*,"message"' | wc -l)" -lt "$1" ] &&
	    [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

printf 'received-attachment' >"$SIG/attachments/att1.jpg"
printf 'hidden-attachment' >"$SIG/attachments/att2.jpg"
chown "$GW_USER" "$SIG/attachments"/*
start_watcher
{
	envelope 1700000000001 "+14155550100" "hello from mom"
	envelope 1700000000002 "+14155559999" "stranger danger"
	envelope 1700000000003 "+14155550100" "Your verification code is 482913"
	envelope 1700000000004 "+14155550142" "family hello" "$FAMILY"
	envelope 1700000000005 "+14155550100" "secret club" "$SECRET"
	envelope 1700000000006 "+14155550100" "see above" "" \
	    ',"quote":{"id":1700000000003,"author":"+14155550100","text":"Your login code is 774411","attachments":[]}'
	envelope 1700000000007 "+14155550100" "photo" "" \
	    ',"attachments":[{"contentType":"image/jpeg","filename":"p.jpg","id":"att1.jpg","size":19}]'
	envelope 1700000000008 "+14155559999" "photo" "" \
	    ',"attachments":[{"contentType":"image/jpeg","filename":"q.jpg","id":"att2.jpg","size":17}]'
} >>"$SIG/inbound.jsonl"
wait_inbox 5
out=$(inbox)
expect_eq "five of eight envelopes visible in the inbox" 5 \
    "$(printf '%s' "$out" | grep -o '"cursor":[0-9]*,"message"' | wc -l | tr -d ' ')"
expect_match "stored as signal-cli's receive params" \
    '"channel":"signal","cursor":1,"message":\{"envelope":\{"source":"\+14155550100","sourceNumber":"\+14155550100",.*"dataMessage":\{"timestamp":1700000000001,"message":"hello from mom".*\},"account":"\+14155550199"\}' \
    "$out"
expect_match "allowed group's message from an unlisted member visible" 'family hello' "$out"
case "$out" in
*'stranger danger'*|*'secret club'*|*q.jpg*) not_ok "hidden senders and groups not delivered" ;;
*) ok "hidden senders and groups not delivered" ;;
esac
case "$out" in
*482913*|*774411*) not_ok "one-time codes scrubbed in message and quote" ;;
*) ok "one-time codes scrubbed in message and quote" ;;
esac
expect_match "scrubbed text still delivered" 'Your verification code is' "$out"
expect_eq "three hidden envelopes audited" 3 \
    "$(ctl audit show | grep '"method":"inbox.hide"' | grep -c '"channel":"signal"')"
expect_match "a hidden group is audited as group:<id>" \
    "\"method\":\"inbox.hide\".*\"recipient\":\"group:$SECRET\"" \
    "$(ctl audit show | grep inbox.hide)"

# The stream carries the same messages.
out=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"inbox.subscribe","params":{"channels":["signal"],"since":{"signal":0}}}' |
    raw -n -w 3000)
expect_eq "subscription streams the five visible messages" 5 \
    "$(printf '%s\n' "$out" | grep -c '"method":"inbox.message","params":{"subscription":1,"channel":"signal"')"

# attachment.get: only for an attachment of a visible message.
out=$(rpc '"attachment.get","params":{"channel":"signal","id":"att1.jpg"}')
expect_eq "attachment of a visible message" \
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"data\":\"$(printf 'received-attachment' | base64)\"}}" "$out"
out=$(rpc '"attachment.get","params":{"channel":"signal","id":"att2.jpg"}')
expect_match "attachment of a hidden message refused" '"code":-32602' "$out"
out=$(rpc '"attachment.get","params":{"channel":"signal","id":"../../etc/passwd"}')
expect_match "an id that could name another file is refused" \
    '"code":-32602.*param id: expected' "$out"
out=$(rpc '"attachment.get","params":{"channel":"signal","id":"att9.jpg"}')
expect_match "an id in no inbox message is refused" \
    '"code":-32602.*no visible message' "$out"

# Watcher restart: nothing it published is repeated; what arrives while
# it is down waits for it and arrives once.
kill -9 "$WATCH_PID"
wait "$WATCH_PID" 2>/dev/null
envelope 1700000000009 "+14155550100" "while the watcher was down" >>"$SIG/inbound.jsonl"
sleep 0.3
start_watcher
wait_inbox 6
envelope 1700000000010 "+14155550100" "after the restart" >>"$SIG/inbound.jsonl"
wait_inbox 7
out=$(inbox)
expect_eq "message sent while the watcher was down arrives once" 1 \
    "$(printf '%s' "$out" | grep -o 'while the watcher was down' | wc -l | tr -d ' ')"
expect_eq "and the one after it" 1 \
    "$(printf '%s' "$out" | grep -o 'after the restart' | wc -l | tr -d ' ')"
ts=$(printf '%s' "$out" | grep -o '"dataMessage":{"timestamp":[0-9]*')
expect_eq "no message published twice" "$(printf '%s\n' "$ts" | wc -l | tr -d ' ')" \
    "$(printf '%s\n' "$ts" | sort -u | wc -l | tr -d ' ')"
expect_eq "cursors strictly increasing" "1 3 4 6 7 9 10" \
    "$(printf '%s' "$out" | grep -o '"cursor":[0-9]*,"message"' | cut -d: -f2 | cut -d, -f1 | tr '\n' ' ' | sed 's/ $//')"

# The daemon restarting: the watcher reconnects and subscribes again.
stop_daemon
start_daemon
envelope 1700000000011 "+14155550100" "after the daemon restart" >>"$SIG/inbound.jsonl"
wait_inbox 8
expect_eq "watcher resubscribes after the daemon restarts" 1 \
    "$(inbox | grep -o 'after the daemon restart' | wc -l | tr -d ' ')"
ts=$(inbox | grep -o '"dataMessage":{"timestamp":[0-9]*')
expect_eq "still nothing published twice" "$(printf '%s\n' "$ts" | wc -l | tr -d ' ')" \
    "$(printf '%s\n' "$ts" | sort -u | wc -l | tr -d ' ')"
expect_eq "eight messages in all" 8 \
    "$(inbox | grep -o '"cursor":[0-9]*,"message"' | wc -l | tr -d ' ')"
kill "$WATCH_PID"
wait "$WATCH_PID" 2>/dev/null
WATCH_PID=
expect_match "audit chain verifies" '^audit chain OK' "$(ctl audit verify)"

# A group is its members, as the daemon's listGroups tells them: a deny
# of +14155550142 refuses Family (allowed as a whole) in every mode, by
# send and typing, never held; Secret club is decided member by member;
# a group the daemon does not list is refused.
stop_gateway
for mode in open allowlist approval; do
	SIGNAL_DENY='"(415) 555-0142"' signal_config $mode
	start_gateway
	before=$(sent)
	out=$(rpc "\"send\",\"params\":{\"channel\":\"signal\",\"group_id\":\"$FAMILY\",\"text\":\"hi\"}")
	expect_match "$mode: a group with a denied member is refused" \
	    '"code":-32002,"message":"recipient not allowed: group:'"$FAMILY"'"' "$out"
	check "$mode: the refusal names no member" lacks '14155550142' "$out"
	known=$(printf '%s' "$out" | sed "s|$FAMILY|G|g")
	out=$(rpc "\"typing\",\"params\":{\"channel\":\"signal\",\"group_id\":\"$FAMILY\"}")
	expect_match "$mode: typing there is refused" '"code":-32002' "$out"
	out=$(rpc '"send","params":{"channel":"signal","group_id":"Tm9Hcm91cA==","text":"x"}')
	expect_match "$mode: an unknown group is refused" '"code":-32002' "$out"
	expect_eq "$mode: an unknown group and a refused one answer alike" \
	    "$known" "$(printf '%s' "$out" | sed 's|Tm9Hcm91cA==|G|g')"
	out=$(rpc "\"send\",\"params\":{\"channel\":\"signal\",\"group_id\":\"$SECRET\",\"text\":\"hi\"}")
	case $mode in
	open)	expect_match "open: Secret club sent" '"result"' "$out" ;;
	allowlist)
		expect_match "allowlist: Secret club refused by its member" \
		    '"code":-32002' "$out"
		check "allowlist: the refusal names no member" \
		    lacks '14155559999' "$out" ;;
	approval)
		expect_match "approval: Secret club held" '"code":-32005' \
		    "$out" ;;
	esac
	expect_eq "$mode: nothing reached Family" 0 \
	    "$(grep -l "\"groupId\":\"$FAMILY\"" $(find "$SIG/spool" -newer "$CONF" -name '*.json') /dev/null | wc -l | tr -d ' ')"
	stop_gateway
done

finish
