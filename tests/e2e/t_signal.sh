#!/bin/sh
# Signal end to end: client → socket → handler (under
# systemd-socket-activate) → the simulated signal-cli daemon on its Unix
# socket, with policy, holds, limits, content rules, attachments by
# descriptor, inbound-filtered lists, and the signal watcher publishing
# received envelopes into the inbox.
. "$(dirname "$0")/lib.sh"

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
    timeout: ${TOOL_TIMEOUT:-5s}
    region: US
    outbound:
      mode: $mode
      allow: [mom, "+1415555012*", "group:$FAMILY"]
      deny: ["+14155550129"]
    inbound:
      mode: allowlist
      allow: [mom, "group:$FAMILY"]
      scrub: [otp, auth_links]
    limits:
      - { per: recipient, max: ${LIMIT_MAX:-5}, window: 1m }
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
	while [ ! -S "$DSOCK" ] && [ $i -lt 100 ]; do
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
    '"result":\{"timestamp":[0-9]+,"results":\[\{"recipientAddress":\{"uuid":"[0-9a-f-]+","number":"\+14155550100"\},"type":"SUCCESS"\}\]\}' \
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
    '"results":\[\{"recipientAddress":\{"uuid":"[0-9a-f-]+","number":"\+14155550100"\}' \
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

finish
