#!/bin/sh
# OpenClaw's Signal calls through the signal-cli shim, over both of the
# transports OpenClaw has: `daemon --http` (httpUrl) and `daemon --socket`
# (a unix: URL).  tests/e2e/signal_openclaw_client.py makes the calls
# with OpenClaw's spellings (recipients/groupIds for reactions, "recipient"
# lists, "text-style", "quote-timestamp") and compares every answer with
# signal-cli 0.14.6's shapes recorded in tests/data/signal/results.json;
# this script checks what reached the simulated daemon, attacks the Host
# rule with raw HTTP (loopback and wildcard binds) and the socket's
# permissions as another user.  Everything waits on events: the shim's
# "Started ..." line and the client's "ready" line are read from FIFOs.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null 2>&1 || { echo "1..0 # SKIP no python3"; exit 77; }

setup
cp "$top_builddir/sim/signal-cli" "$T/bin/sim-signal-cli"
cp "$top_builddir/src/shim/signal-cli" "$T/bin/signal-cli"
cp "$top_srcdir/tests/e2e/signal_openclaw_client.py" \
    "$top_srcdir/tests/e2e/signal_http_host.py" \
    "$top_srcdir/tests/data/signal/results.json" "$T/bin/"
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
AGENT_RUN=$T/agent-run		# the agent's XDG_RUNTIME_DIR
mkdir -m 700 "$AGENT_RUN"
chown "$AGENT_USER" "$AGENT_RUN" "$T/home"

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
    timeout: 10s
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

spool() { cat "$SIG"/spool/*.json 2>/dev/null; }
# count METHOD PATTERN: spool records of METHOD whose params match.
count() {
	spool | grep "\"method\":\"$1\"" | grep -Ec -- "$2"
}

# shim NAME ARGS...: start the shim as the agent, its stderr into a FIFO
# read up to its "Started ..." line (an event: a blocking read), the
# rest copied to $T/NAME.log.  Sets SHIM_PID and STARTED (that line).
shim() {
	name=$1
	shift
	rm -f "$T/$name.fifo"
	mkfifo "$T/$name.fifo"
	(exec setpriv --reuid="$AGENT_USER" --regid="$AGENT_USER" \
	    --init-groups env -i PATH=/usr/bin:/bin HOME="$T/home" \
	    XDG_RUNTIME_DIR="$AGENT_RUN" CARAPACE_SOCKET="$SOCK" \
	    ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
	    "$T/bin/signal-cli" -a "$ACCOUNT" "$@" 2>"$T/$name.fifo") &
	SHIM_PID=$!
	STARTED=
	exec 5<"$T/$name.fifo"
	while IFS= read -r line <&5; do
		printf '%s\n' "$line" >>"$T/$name.log"
		case $line in
		"Started "*) STARTED=$line; break ;;
		esac
	done
	cat <&5 >>"$T/$name.log" &
	exec 5<&-
}

stop_shim() {
	kill "$SHIM_PID" 2>/dev/null
	wait "$SHIM_PID"
	SHIM_RC=$?
	SHIM_PID=
}

# client MODE ARGS...: OpenClaw's calls; each line of its output is
# copied, and "ready" (the unix event subscription answered) injects an
# inbound message, so nothing waits on time.
client() {
	rm -f "$T/client.fifo" "$T/ready"
	mkfifo "$T/client.fifo"
	(exec setpriv --reuid="$AGENT_USER" --regid="$AGENT_USER" \
	    --init-groups env -i PATH=/usr/bin:/bin HOME="$T/home" \
	    python3 "$T/bin/signal_openclaw_client.py" "$T/bin/results.json" \
	    "$@" "$ACCOUNT" "$MOM" "$FAMILY" "$STRANGER" "$T/home/ready" \
	    >"$T/client.fifo" 2>&1) &
	CLIENT_PID=$!
	: >"$T/client.out"
	injected=0
	while IFS= read -r line; do
		printf '%s\n' "$line" >>"$T/client.out"
		case $line in
		*"subscribeReceive answers an integer"*)
			envelope 1700000000009 "$MOM" "hello over the socket"
			injected=1 ;;
		esac
	done <"$T/client.fifo"
	wait "$CLIENT_PID"
	CLIENT_RC=$?
	CLIENT_PID=
	sed 's/^/# client: /' "$T/client.out"
}

envelope() {
	printf '{"envelope":{"source":"%s","sourceNumber":"%s","sourceUuid":"5b1c7d0e-2f44-4c1a-9d0b-1a2b3c4d5e6f","sourceName":"Mom","sourceDevice":1,"timestamp":%s,"serverReceivedTimestamp":%s,"serverDeliveredTimestamp":%s,"dataMessage":{"timestamp":%s,"message":"%s","expiresInSeconds":0,"viewOnce":false}},"account":"%s"}\n' \
	    "$2" "$2" "$1" "$1" "$1" "$1" "$3" "$ACCOUNT" >>"$SIG/inbound.jsonl"
}

# ---- HTTP: OpenClaw's httpUrl ---------------------------------------------

shim http daemon --http 127.0.0.1:0
PORT=$(printf '%s\n' "$STARTED" | sed -n 's/^Started HTTP server on .*:\([0-9]*\)$/\1/p')
check "daemon --http listens on a loopback port" test -n "$PORT"
client http 127.0.0.1 "$PORT"
expect_eq "OpenClaw's calls over HTTP: no failure" "0:0" \
    "$CLIENT_RC:$(grep -c '^not ok' "$T/client.out")"
expect_eq "OpenClaw's calls over HTTP: all ran" 16 \
    "$(grep -c '^ok' "$T/client.out")"
expect_eq "both reactions to mom (recipients) reached the daemon" 3 \
    "$(count sendReaction "\"recipient\":\\[\"\\$MOM\"\\]")"
expect_eq "the group reaction (groupIds) reached it as groupId" 1 \
    "$(count sendReaction "\"groupId\":\"$FAMILY\"")"
expect_eq "typing to mom and in the group reached it" 3 \
    "$(count sendTyping '.')"
expect_eq "one read receipt (signal-cli's spelling) reached it" 1 \
    "$(count sendReceipt "\"recipient\":\"\\$MOM\"")"
expect_eq "the remote delete reached it" 1 "$(count remoteDelete '.')"
expect_eq "nothing reached the refused recipient" 0 \
    "$(spool | grep -c -- "$STRANGER")"
expect_match "a reaction is audited before the daemon acts" \
    '"method":"react".*"outcome":"delivering"' "$(ctl audit show)"

# Raw Host spellings against the loopback bind.
out=$(agent python3 "$T/bin/signal_http_host.py" "$PORT" loopback)
rc=$?
printf '%s\n' "$out" | sed 's/^/# host: /'
expect_eq "Host attacks on a loopback bind: signal-cli's answers" "0:0" \
    "$rc:$(printf '%s\n' "$out" | grep -c '^not ok')"
expect_eq "Host attacks on a loopback bind: all ran" 33 \
    "$(printf '%s\n' "$out" | grep -c '^ok')"
stop_shim
expect_eq "daemon --http exits 0 on SIGTERM" 0 "$SHIM_RC"

# A wildcard bind (the container case without a bridge address):
# signal-cli checks no Host at all; the shim does the same.
shim wild daemon --http 0.0.0.0:0
WPORT=$(printf '%s\n' "$STARTED" | sed -n 's/^Started HTTP server on .*:\([0-9]*\)$/\1/p')
check "daemon --http 0.0.0.0:0 listens" test -n "$WPORT"
out=$(agent python3 "$T/bin/signal_http_host.py" "$WPORT" wildcard)
rc=$?
printf '%s\n' "$out" | sed 's/^/# wildcard: /'
expect_eq "a wildcard bind checks no Host, as signal-cli" "0:0" \
    "$rc:$(printf '%s\n' "$out" | grep -c '^not ok')"
stop_shim

# ---- the Unix socket: OpenClaw's unix: transport --------------------------

shim sock daemon --socket
SPATH=$AGENT_RUN/signal-cli/socket
expect_eq "daemon --socket without a path: \$XDG_RUNTIME_DIR/signal-cli/socket" \
    "Started JSON-RPC server on $SPATH" "$STARTED"
check "the socket exists" test -S "$SPATH"
expect_eq "its directory was made 0700 for the agent" \
    "drwx------ $AGENT_USER" "$(stat -c '%A %U' "$AGENT_RUN/signal-cli")"
expect_eq "the socket is the agent's alone (0600)" \
    "srw------- $AGENT_USER" "$(stat -c '%A %U' "$SPATH")"
client unix "$SPATH"
expect_eq "OpenClaw's calls over the socket: no failure" "0:0" \
    "$CLIENT_RC:$(grep -c '^not ok' "$T/client.out")"
expect_eq "OpenClaw's calls over the socket: all ran" 18 \
    "$(grep -c '^ok' "$T/client.out")"
expect_eq "the message was injected once the subscription was answered" 1 \
    "$injected"
expect_eq "over the socket too, the refused recipient got nothing" 0 \
    "$(spool | grep -c -- "$STRANGER")"

# Another user on the machine must not drive the agent's socket: it would
# send as the agent.  Make the directory passable to see the socket's
# own mode refuse it.
chmod 711 "$AGENT_RUN/signal-cli"
out=$(as "$STRANGER_USER" python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
    s.sendall(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"version\"}\n")
    print("connected", s.recv(100))
except OSError as e:
    print("refused", e.errno)
' "$SPATH")
expect_match "another user cannot connect to the agent's socket" \
    '^refused 13$' "$out"
chmod 700 "$AGENT_RUN/signal-cli"

# A path already in use is not taken over (IOUtils.bindSocket fails).
out=$(setpriv --reuid="$AGENT_USER" --regid="$AGENT_USER" --init-groups \
    env -i PATH=/usr/bin:/bin CARAPACE_SOCKET="$SOCK" \
    "$T/bin/signal-cli" daemon --socket "$SPATH" 2>&1)
rc=$?
expect_eq "a second daemon on the same path exits 3" 3 "$rc"
expect_match "and says signal-cli's Failed to bind socket" \
    "^Failed to bind socket $SPATH: " "$out"
check "the running daemon's socket is still there" test -S "$SPATH"
# A directory another user may write to is refused (signal-cli would
# bind there): that user could swap the socket for one of its own and
# read what OpenClaw sends.
mkdir -m 777 "$T/shared"
chown "$STRANGER_USER" "$T/shared"
out=$(setpriv --reuid="$AGENT_USER" --regid="$AGENT_USER" --init-groups \
    env -i PATH=/usr/bin:/bin CARAPACE_SOCKET="$SOCK" \
    "$T/bin/signal-cli" daemon --socket "$T/shared/socket" 2>&1)
rc=$?
expect_eq "a socket in a directory others may write to: exit 3" 3 "$rc"
expect_match "saying why" "^Failed to bind socket $T/shared/socket: its directory is not private" "$out"
check "and no socket was made there" test ! -e "$T/shared/socket"
stop_shim
expect_eq "daemon --socket exits 0 on SIGTERM" 0 "$SHIM_RC"
check "the socket is removed on exit" test ! -e "$SPATH"

finish
