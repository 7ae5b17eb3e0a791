#!/bin/sh
# The signal-cli shim end to end: a client written from TOOLS.md alone
# (tests/e2e/signal_http_client.py) talks to `signal-cli daemon --http`
# run as the agent, which bridges to the real handler (under
# systemd-socket-activate), the simulated signal-cli daemon and the
# signal watcher.  Then the command line (send, listGroups, listContacts,
# receive, sendTyping, sendReaction, -o json, exit codes) and `jsonRpc` on
# stdio through the same path.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null 2>&1 || { echo "1..0 # SKIP no python3"; exit 77; }

setup
cp "$top_builddir/sim/signal-cli" "$T/bin/sim-signal-cli"
cp "$top_builddir/src/shim/signal-cli" "$T/bin/signal-cli"
cp "$top_srcdir/tests/e2e/signal_http_client.py" \
    "$top_srcdir/tests/e2e/signal_http_raw.py" "$T/bin/"
chmod 755 "$T/bin"/*
SIG=$T/sig
mkdir -p "$SIG/attachments"
cp "$top_srcdir"/sim/data/signal/*.json "$SIG/"
: >"$SIG/inbound.jsonl"
chown -R "$GW_USER:$GW_USER" "$SIG"
DSOCK=$T/run/signal-cli.sock
FAMILY=R3JvdXBGYW1pbHk=
MOM=+14155550100
STRANGER=+14155559999
ACCOUNT=+14155550199
CLIENT_STATE=$T/client
mkdir -p "$CLIENT_STATE"
chown "$AGENT_USER" "$CLIENT_STATE" "$T/home"

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
    account: "$ACCOUNT"
    timeout: 5s
    region: US
    outbound:
      mode: allowlist
      allow: ["$MOM", "group:$FAMILY"]
    inbound:
      mode: allowlist
      allow: ["$MOM", "group:$FAMILY"]
YAML

cleanup() {
	for p in ${SHIM_PID:-} ${CLIENT_PID:-} ${WATCH_PID:-} ${DAEMON_PID:-}; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	stop_gateway
}
trap cleanup EXIT

(exec setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
    "$T/bin/sim-signal-cli" -a "$ACCOUNT" --config "$SIG" daemon \
    --socket "$DSOCK" --receive-mode=manual 2>>"$T/daemon.log") &
DAEMON_PID=$!
i=0
while [ ! -S "$DSOCK" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
start_gateway
(exec setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
    "$T/bin/carapace-watch" -c "$CONF" signal 2>>"$T/watch.log") &
WATCH_PID=$!

sent() {
	find "$SIG/spool" -type f -name '*.json' 2>/dev/null | wc -l | tr -d ' '
}
spool() { cat "$SIG"/spool/*.json 2>/dev/null; }

# envelope TS SENDER TEXT: one received message for the simulated daemon.
envelope() {
	printf '{"envelope":{"source":"%s","sourceNumber":"%s","sourceUuid":"5b1c7d0e-2f44-4c1a-9d0b-1a2b3c4d5e6f","sourceName":"Mom","sourceDevice":1,"timestamp":%s,"serverReceivedTimestamp":%s,"serverDeliveredTimestamp":%s,"dataMessage":{"timestamp":%s,"message":"%s","expiresInSeconds":0,"viewOnce":false}},"account":"%s"}\n' \
	    "$2" "$2" "$1" "$1" "$1" "$1" "$3" "$ACCOUNT" >>"$SIG/inbound.jsonl"
}

# wait_for FILE PATTERN: until FILE matches (or 20 s).
wait_for() {
	i=0
	while ! grep -Eq -- "$2" "$1" 2>/dev/null && [ $i -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# ---- daemon --http and the TOOLS.md client ------------------------------

(exec setpriv --reuid="$AGENT_USER" --regid="$AGENT_USER" --init-groups \
    env -i PATH=/usr/bin:/bin HOME="$T/home" CARAPACE_SOCKET="$SOCK" \
    ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
    "$T/bin/signal-cli" -a "$ACCOUNT" daemon --http 127.0.0.1:0 \
    >"$T/shim.out" 2>"$T/shim.log") &
SHIM_PID=$!
wait_for "$T/shim.log" 'Started HTTP server on 127\.0\.0\.1/127\.0\.0\.1:[0-9]+'
PORT=$(sed -n 's/^Started HTTP server on .*:\([0-9]*\)$/\1/p' "$T/shim.log" | head -1)
check "daemon --http listens on a loopback port" test -n "$PORT"

(exec setpriv --reuid="$AGENT_USER" --regid="$AGENT_USER" --init-groups \
    env -i PATH=/usr/bin:/bin HOME="$T/home" \
    python3 "$T/bin/signal_http_client.py" "$PORT" "$MOM" "$STRANGER" \
    "$CLIENT_STATE" >"$T/client.out" 2>&1) &
CLIENT_PID=$!
i=0
while [ ! -e "$CLIENT_STATE/ready" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
check "the client holds /api/v1/events" test -e "$CLIENT_STATE/ready"
envelope 1700000000001 "$STRANGER" "stranger on http"
envelope 1700000000002 "$MOM" "hello over http"
wait "$CLIENT_PID"
rc=$?
CLIENT_PID=
sed 's/^/# client: /' "$T/client.out"
expect_eq "the TOOLS.md client finished without a failure" 0 "$rc"
expect_eq "every client check passed" 0 \
    "$(grep -c '^not ok' "$T/client.out")"
expect_eq "the client ran all its checks" 40 "$(grep -c '^ok' "$T/client.out")"
case "$(cat "$CLIENT_STATE/event.json" 2>/dev/null)" in
*stranger*) not_ok "a message refused by inbound policy never reaches the stream" ;;
*) ok "a message refused by inbound policy never reaches the stream" ;;
esac
expect_eq "allowed sends reached the daemon once each (send, batch send, typing x3, reaction)" \
    6 "$(sent)"
expect_eq "the send from http delivered once" 1 \
    "$(spool | grep -c '"message":"hi from http"')"
expect_eq "the batch send delivered once" 1 \
    "$(spool | grep -c '"message":"batch send"')"
case "$(spool)" in
*"$STRANGER"*) not_ok "nothing reached the refused recipient" ;;
*) ok "nothing reached the refused recipient" ;;
esac

# Raw HTTP details a high-level client hides.
resp=$(printf 'GET /api/v1/check HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' |
    timeout 10 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.stdin.buffer.read())
out = b""
while True:
    b = s.recv(4096)
    if not b: break
    out += b
sys.stdout.write(out.decode())' "$PORT")
expect_match "check: HTTP/1.1 200 with Java header spelling" \
    '^HTTP/1.1 200 OK' "$resp"
expect_match "check: Content-length: 0" 'Content-length: 0' "$resp"
resp=$(printf 'GET /api/v1/check HTTP/1.1\r\n\r\n' | timeout 10 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.stdin.buffer.read())
print(s.recv(4096).decode().splitlines()[0])' "$PORT")
expect_eq "a request without Host is a bad request" "HTTP/1.1 400 Bad Request" \
    "$(printf '%s' "$resp" | tr -d '\r')"
out=$(agent python3 "$T/bin/signal_http_raw.py" "$PORT")
expect_eq "raw HTTP checks pass" 0 "$?"
printf '%s\n' "$out" | sed 's/^/# raw: /'
expect_eq "raw HTTP checks: all ran, none failed" "8:0" \
    "$(printf '%s\n' "$out" | grep -c '^ok'):$(printf '%s\n' "$out" | grep -c '^not ok')"
check "daemon --http is still running" kill -0 "$SHIM_PID"
kill "$SHIM_PID"
wait "$SHIM_PID"
expect_eq "daemon --http exits 0 on SIGTERM" 0 "$?"
SHIM_PID=

# ---- the command line ---------------------------------------------------

n=$(sent)
out=$(agent "$T/bin/signal-cli" -a "$ACCOUNT" send -m "cli hello" "$MOM")
expect_eq "send exits 0" 0 "$?"
expect_match "send prints the timestamp" '^[0-9]{13}$' "$out"
expect_eq "send delivered once" "$((n + 1))" "$(sent)"
out=$(agent "$T/bin/signal-cli" -o json send -m "cli json" "$MOM")
expect_match "send -o json prints signal-cli's result" \
    "^\\{\"timestamp\":[0-9]+,\"results\":\\[\\{\"recipientAddress\":\\{\"uuid\":\"[0-9a-f-]+\",\"number\":\"\\$MOM\",\"username\":null\\},\"type\":\"SUCCESS\"\\}\\]\\}$" \
    "$out"
out=$(printf 'from stdin' | agent "$T/bin/signal-cli" send "$MOM")
expect_match "message from stdin when -m is missing" '^[0-9]+$' "$out"
expect_eq "stdin message delivered" 1 "$(spool | grep -c '"message":"from stdin"')"
printf 'attached-bytes' >"$T/home/note.txt"
chown "$AGENT_USER" "$T/home/note.txt"
chmod 600 "$T/home/note.txt"
out=$(agent "$T/bin/signal-cli" send -m "with file" "$MOM" -a "$T/home/note.txt")
expect_match "send -a FILE exits with a timestamp" '^[0-9]+$' "$out"
expect_match "the daemon got the file's content by descriptor" \
    "\"data\":\"$(printf 'attached-bytes' | base64)\"" "$(spool)"
n=$(sent)
err=$(agent "$T/bin/signal-cli" send -m "no" "$STRANGER" 2>&1 >/dev/null)
rc=$?
expect_eq "refused recipient: exit 1 (user error)" 1 "$rc"
expect_match "refused recipient: the reason on stderr" \
    "recipient not allowed: \\$STRANGER" "$err"
err=$(agent "$T/bin/signal-cli" send -m "x" "$MOM" -a /etc/shadow 2>&1 >/dev/null)
expect_eq "an attachment the agent cannot read: exit 2" 2 "$?"
expect_match "and signal-cli's message" \
    'Failed to send message: .*Permission denied \(AttachmentInvalidException\)' "$err"
expect_eq "refused sends delivered nothing" "$n" "$(sent)"

out=$(agent "$T/bin/signal-cli" listGroups)
expect_eq "listGroups text" "Id: $FAMILY Name: Family  Active: true Blocked: false" "$out"
out=$(agent "$T/bin/signal-cli" -o json listGroups)
expect_match "listGroups -o json: signal-cli's group objects" \
    "^\\[\\{\"id\":\"$FAMILY\",\"name\":\"Family\",\"description\":\"\",\"isMember\":true," "$out"
out=$(agent "$T/bin/signal-cli" listContacts)
expect_match "listContacts text" \
    "^Number: \\$MOM ACI: 5b1c7d0e-2f44-4c1a-9d0b-1a2b3c4d5e6f Name: Mom Profile name: Mom " "$out"
out=$(agent "$T/bin/signal-cli" -o json listContacts)
expect_match "listContacts -o json" "^\\[\\{\"number\":\"\\$MOM\"" "$out"
err=$(agent "$T/bin/signal-cli" -a +14155550111 send -m x "$MOM" 2>&1 >/dev/null)
expect_eq "another account than the gateway's: exit 1" 1 "$?"
expect_eq "as signal-cli says it" "User +14155550111 is not registered." "$err"
out=$(agent "$T/bin/signal-cli" -a "$ACCOUNT" listAccounts)
expect_eq "listAccounts text" "Number: $ACCOUNT" "$out"
out=$(agent "$T/bin/signal-cli" -o json listAccounts)
expect_eq "listAccounts -o json" "[{\"number\":\"$ACCOUNT\"}]" "$out"
n=$(sent)
out=$(agent "$T/bin/signal-cli" sendTyping "$MOM")
expect_match "sendTyping exits 0 and prints the timestamp, as signal-cli" \
    '^0:[0-9]{13}$' "$?:$out"
out=$(agent "$T/bin/signal-cli" sendReaction "$MOM" -e "+1" -a "$MOM" -t 1700000000002)
expect_eq "sendReaction exits 0" 0 "$?"
expect_eq "typing and reaction delivered" "$((n + 2))" "$(sent)"
expect_match "the daemon got the reaction" \
    "\"method\":\"sendReaction\",\"params\":\\{.*\"targetTimestamp\":1700000000002" "$(spool)"
# The daemon's own errors keep signal-cli's codes and exit statuses.
n=$(sent)
printf '%s' '-5 Rate limit exceeded: 5s' >"$SIG/sim-fail"
chown "$GW_USER" "$SIG/sim-fail"
err=$(agent "$T/bin/signal-cli" send -m "x" "$MOM" 2>&1 >/dev/null)
expect_eq "the daemon's rate limit: exit 5" 5 "$?"
expect_eq "with the daemon's message" "Rate limit exceeded: 5s" "$err"
printf '%s' '-4 Untrusted Identity for "+14155550100"' >"$SIG/sim-fail"
err=$(agent "$T/bin/signal-cli" send -m "x" "$MOM" 2>&1 >/dev/null)
expect_eq "the daemon's untrusted key: exit 4" 4 "$?"
out=$(printf '%s\n' '{"jsonrpc":"2.0","id":"u1","method":"send","params":{"recipient":"'"$MOM"'","message":"x"}}' |
    agent "$T/bin/signal-cli" jsonRpc --receive-mode=manual)
expect_eq "the daemon's error over JSON-RPC" \
    '{"jsonrpc":"2.0","error":{"code":-4,"message":"Untrusted Identity for \"+14155550100\""},"id":"u1"}' "$out"
rm -f "$SIG/sim-fail"
expect_eq "failed sends delivered nothing" "$n" "$(sent)"

CARAPACE_SOCKET_SAVED=$SOCK
SOCK=$T/run/nothing.sock
err=$(agent "$T/bin/signal-cli" send -m x "$MOM" 2>&1 >/dev/null)
expect_eq "no gateway: exit 3 (I/O error)" 3 "$?"
expect_match "no gateway: said on stderr" "gateway unavailable" "$err"
SOCK=$CARAPACE_SOCKET_SAVED

# receive: a message published while it waits.
(agent "$T/bin/signal-cli" -o json receive -t 20 --max-messages 1 \
    >"$T/receive.out" 2>"$T/receive.err") &
RECV_PID=$!
sleep 1
envelope 1700000000003 "$MOM" "for receive"
wait "$RECV_PID"
expect_eq "receive exits 0" 0 "$?"
expect_match "receive -o json prints {envelope, account}" \
    "^\\{\"envelope\":\\{\"source\":\"\\$MOM\".*\"message\":\"for receive\".*\\},\"account\":\"\\$ACCOUNT\"\\}$" \
    "$(cat "$T/receive.out")"

# ---- jsonRpc on stdio --------------------------------------------------

n=$(sent)
out=$( (printf '%s\n' \
    '{"jsonrpc":"2.0","id":1,"method":"version"}' \
    '{"jsonrpc":"2.0","id":2,"method":"send","params":{"recipient":"'"$MOM"'","message":"over stdio"}}' \
    '{"jsonrpc":"2.0","id":3,"method":"send","params":{"recipient":"'"$STRANGER"'","message":"x"}}' \
    ''; sleep 2) | agent "$T/bin/signal-cli" jsonRpc --receive-mode=manual)
expect_match "jsonRpc: version" '"result":\{"version":"0.14.6"\},"id":1' "$out"
expect_match "jsonRpc: send" '"result":\{"timestamp":[0-9]+,"results":\[.*"type":"SUCCESS"\}\]\},"id":2' "$out"
expect_match "jsonRpc: refused send" '"error":\{"code":-1,"message":"recipient not allowed: \+14155559999"\},"id":3' "$out"
expect_match "jsonRpc: an empty line" '"error":\{"code":-32700,"message":"Empty input line"\},"id":null' "$out"
expect_eq "jsonRpc: one send delivered" "$((n + 1))" "$(sent)"

# Manual receive mode: subscribeReceive, a message, unsubscribeReceive.
out=$( (printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"subscribeReceive"}'
    sleep 1.5
    envelope 1700000000004 "$MOM" "for the subscription"
    sleep 4
    printf '%s\n' '{"jsonrpc":"2.0","id":2,"method":"unsubscribeReceive","params":{"subscription":0}}' \
        '{"jsonrpc":"2.0","id":3,"method":"unsubscribeReceive","params":{"subscription":9}}'
    sleep 1) | agent "$T/bin/signal-cli" -a "$ACCOUNT" jsonRpc --receive-mode=manual)
expect_match "jsonRpc: subscribeReceive answers the subscription id" \
    '^\{"jsonrpc":"2.0","result":0,"id":1\}$' "$out"
expect_match "jsonRpc: the message as {subscription, result}" \
    '^\{"jsonrpc":"2.0","method":"receive","params":\{"subscription":0,"result":\{"envelope":\{.*"message":"for the subscription".*\},"account":"\+14155550199"\}\}\}$' \
    "$out"
expect_match "jsonRpc: unsubscribeReceive" '"result":\{\},"id":2' "$out"
expect_match "jsonRpc: unknown subscription" \
    '"error":\{"code":-1,"message":"Unknown subscription id"\},"id":3' "$out"

finish
