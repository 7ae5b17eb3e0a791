#!/bin/sh
# The shims' server loop (src/shim/serve.c) under attack, through the
# real signal-cli shim, handler and simulated signal-cli daemon:
# 200 HTTP clients at once against daemon --http (the ones over the
# bound refused, a well-behaved client served afterwards); clients that
# send half a request head or trickle it (nobody else waits on them, and
# they are closed in the end); jsonRpc on stdio with many requests in
# flight and a subscription (every id answered exactly once).  Each
# check waits for an event, not for a time (tests/e2e/serve_attack.py).
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null 2>&1 || { echo "1..0 # SKIP no python3"; exit 77; }

setup
cp "$top_builddir/sim/signal-cli" "$T/bin/sim-signal-cli"
cp "$top_builddir/src/shim/signal-cli" "$T/bin/signal-cli"
cp "$top_srcdir/tests/e2e/serve_attack.py" "$T/bin/"
chmod 755 "$T/bin"/*
SIG=$T/sig
mkdir -p "$SIG/attachments"
cp "$top_srcdir"/sim/data/signal/*.json "$SIG/"
: >"$SIG/inbound.jsonl"
chown -R "$GW_USER:$GW_USER" "$SIG"
DSOCK=$T/run/signal-cli.sock
MOM=+14155550100
ACCOUNT=+14155550199
MAX_CLIENTS=$(sed -n 's/^#define SHIM_HTTP_MAX_CLIENTS[[:space:]]*\([0-9]*\).*/\1/p' \
    "$top_srcdir/src/shim/shim-signal.h")

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
      allow: ["$MOM"]
    inbound:
      mode: allowlist
      allow: ["$MOM"]
YAML

cleanup() {
	for p in ${SHIM_PID:-} ${DAEMON_PID:-}; do
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

# wait_for FILE PATTERN: until FILE matches (or 20 s).
wait_for() {
	i=0
	while ! grep -Eq -- "$2" "$1" 2>/dev/null && [ $i -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# report NAME OUTPUT: the script's own lines, and that all passed.
report() {
	printf '%s\n' "$2" | sed "s/^/# $1: /"
	expect_eq "$1: every check passed" "0" \
	    "$(printf '%s\n' "$2" | grep -c '^not ok')"
	check "$1: the checks ran" test "$(printf '%s\n' "$2" | grep -c '^ok')" -gt 0
}

# ---- daemon --http -------------------------------------------------------

check "the client bound is known" test -n "$MAX_CLIENTS"
(exec setpriv --reuid="$AGENT_USER" --regid="$AGENT_USER" --init-groups \
    env -i PATH=/usr/bin:/bin HOME="$T/home" CARAPACE_SOCKET="$SOCK" \
    ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
    "$T/bin/signal-cli" -a "$ACCOUNT" daemon --http 127.0.0.1:0 \
    >"$T/shim.out" 2>"$T/shim.log") &
SHIM_PID=$!
wait_for "$T/shim.log" 'Started HTTP server on 127\.0\.0\.1/127\.0\.0\.1:[0-9]+'
PORT=$(sed -n 's/^Started HTTP server on .*:\([0-9]*\)$/\1/p' "$T/shim.log" | head -1)
check "daemon --http listens" test -n "$PORT"

out=$(agent python3 "$T/bin/serve_attack.py" http "$PORT" "$MAX_CLIENTS" 2>&1)
report "http" "$out"
check "daemon --http is still running" kill -0 "$SHIM_PID"
kill "$SHIM_PID"
wait "$SHIM_PID"
expect_eq "daemon --http exits 0 on SIGTERM" 0 "$?"
SHIM_PID=

# ---- jsonRpc on stdio ----------------------------------------------------

out=$(agent env CARAPACE_SOCKET="$SOCK" python3 "$T/bin/serve_attack.py" \
    stdio "$T/bin/signal-cli" -a "$ACCOUNT" jsonRpc 2>&1)
report "jsonRpc" "$out"

finish
