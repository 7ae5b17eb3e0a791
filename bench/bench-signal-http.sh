#!/usr/bin/env bash
# The signal-cli shim's `daemon --http` send round trip through the
# gateway, against the floor bench/bench.sh uses, from one run:
#
#   bench/bench-signal-http.sh [BUILD_DIR]
#
#   floor    bench/null-client -> systemd-socket-activate --accept ->
#            bench/null-handler (as in bench.sh)
#   gateway  a send straight to the gateway socket -> carapace-handler ->
#            sim/signal-cli daemon --socket (one connection per send)
#   http     POST /api/v1/rpc send on a keep-alive connection ->
#            src/shim/signal-cli daemon --http -> the same gateway path
# http_overhead = http p50 - gateway p50: what the HTTP shim adds.
#
# Environment: BENCH_N (default 300), BENCH_WARMUP (default 20),
# BENCH_USER (the gateway's account when run as root, default
# carapace-bench), BENCH_KEEP=1 keeps the temporary directory.  Prints
# "key value" lines; exits 0 even when a part cannot be measured.

set -u
export LC_ALL=C

BUILD=$(cd "${1:-.}" && pwd) || { echo "no build directory" >&2; exit 1; }
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
N=${BENCH_N:-300}
WARMUP=${BENCH_WARMUP:-20}
BUSER=${BENCH_USER:-carapace-bench}
TO=+14155550100
ACCOUNT=+14155550199

note() { echo "# $*"; }
for p in systemd-socket-activate python3; do
	command -v "$p" >/dev/null 2>&1 ||
	    { note "signal http bench skipped: $p not found"; exit 0; }
done
for f in carapace-handler src/shim/signal-cli sim/signal-cli \
    bench/null-client bench/null-handler; do
	[ -x "$BUILD/$f" ] ||
	    { note "signal http bench skipped: $f not built"; exit 0; }
done

T=$(mktemp -d /tmp/carapace-bench-signal.XXXXXX) || exit 1
chmod 755 "$T"
mkdir -p "$T/bin" "$T/run" "$T/state" "$T/sig"
PIDS=
cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [ -n "${BENCH_KEEP:-}" ]; then note "files kept in $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

cp "$BUILD/carapace-handler" "$BUILD/bench/null-client" \
    "$BUILD/bench/null-handler" "$T/bin/"
cp "$BUILD/src/shim/signal-cli" "$T/bin/signal-cli"
cp "$BUILD/sim/signal-cli" "$T/bin/sim-signal-cli"
cp "$SRCDIR"/sim/data/signal/*.json "$T/sig/"
chmod 755 "$T/bin"/*

AS=()
if [ "$(id -u)" = 0 ]; then
	if ! getent passwd "$BUSER" >/dev/null; then
		useradd --system --no-create-home --home-dir /nonexistent \
		    --shell /usr/sbin/nologin --user-group "$BUSER" ||
		    { note "cannot create user $BUSER"; exit 0; }
	fi
	BGROUP=$(id -gn "$BUSER")
	AS=(setpriv "--reuid=$BUSER" "--regid=$BGROUP" --init-groups)
	chown -R "$BUSER:$BGROUP" "$T/run" "$T/state" "$T/sig"
	CLIENT_USERS="[root, \"0\", $BUSER]"
else
	CLIENT_USERS="[$(id -un), \"$(id -u)\"]"
fi
chmod 700 "$T/state"
DSOCK=$T/run/signal-cli.sock
CONF=$T/carapace.yaml
cat >"$CONF" <<YAML
version: 1
state_dir: $T/state
audit: { sink: stderr }
clients:
  - name: bench
    users: $CLIENT_USERS
    channels: [signal]
    # Measure the path, not the client's request window.
    limits: { requests: 10000, window: 1s }
channels:
  signal:
    daemon_socket: $DSOCK
    account: "$ACCOUNT"
    timeout: 30s
    outbound:
      mode: allowlist
      allow: ["$TO"]
    inbound:
      mode: allowlist
      allow: ["$TO"]
YAML
chmod 600 "$CONF"
[ "${#AS[@]}" -gt 0 ] && chown "$BUSER:$BGROUP" "$CONF"

wait_sock() {
	local i=0
	while [ ! -S "$1" ] && [ $i -lt 200 ]; do sleep 0.02; i=$((i + 1)); done
	[ -S "$1" ]
}

"${AS[@]}" "$T/bin/sim-signal-cli" -a "$ACCOUNT" --config "$T/sig" daemon \
    --socket "$DSOCK" --receive-mode=manual >"$T/daemon.log" 2>&1 &
PIDS="$PIDS $!"
"${AS[@]}" systemd-socket-activate --accept -l "$T/run/floor.sock" \
    "$T/bin/null-handler" >"$T/floor.log" 2>&1 </dev/null &
PIDS="$PIDS $!"
"${AS[@]}" systemd-socket-activate --accept -l "$T/run/gateway.sock" \
    "$T/bin/carapace-handler" -c "$CONF" >"$T/gateway.log" 2>&1 </dev/null &
PIDS="$PIDS $!"
if ! wait_sock "$DSOCK" || ! wait_sock "$T/run/floor.sock" ||
    ! wait_sock "$T/run/gateway.sock"; then
	note "signal http bench: a socket did not appear"
	exit 0
fi
CARAPACE_SOCKET=$T/run/gateway.sock "$T/bin/signal-cli" -a "$ACCOUNT" \
    daemon --http 127.0.0.1:0 >"$T/shim.out" 2>"$T/shim.log" &
PIDS="$PIDS $!"
i=0
while ! grep -q '^Started HTTP server' "$T/shim.log" && [ $i -lt 200 ]; do
	sleep 0.02
	i=$((i + 1))
done
PORT=$(sed -n 's/^Started HTTP server on .*:\([0-9]*\)$/\1/p' "$T/shim.log" |
    head -1)
[ -n "$PORT" ] || { note "daemon --http did not start: $(cat "$T/shim.log")"; exit 0; }

# The floor, measured as bench.sh does: one client process per message.
FLOOR_US=()
export CARAPACE_SOCKET=$T/run/floor.sock
for ((i = 0; i < WARMUP + N; i++)); do
	t0=$EPOCHREALTIME
	"$T/bin/null-client" >/dev/null 2>&1 </dev/null
	t1=$EPOCHREALTIME
	[ $i -ge "$WARMUP" ] && FLOOR_US+=($(( ${t1/./} - ${t0/./} )))
done
printf '%s\n' "${FLOOR_US[@]}" | sort -n | awk '
	{ v[NR] = $1 }
	END {
		split("50 90 99", ps, " ")
		for (k = 1; k <= 3; k++) {
			r = int(ps[k] / 100 * NR + 0.999999); if (r < 1) r = 1
			printf "floor_p%d_ms %.3f\n", ps[k], v[r] / 1000
		}
	}' | tee "$T/floor.out"

python3 "$SRCDIR/bench/signal-http-rtt.py" "$PORT" "$T/run/gateway.sock" \
    "$TO" "$N" "$WARMUP" | tee "$T/rtt.out"

val() { sed -n "s/^$1 //p" "$T/rtt.out" "$T/floor.out" | head -1; }
HTTP50=$(val http_p50_ms)
GW50=$(val gateway_p50_ms)
FLOOR50=$(val floor_p50_ms)
OVER=$(awk -v h="$HTTP50" -v g="$GW50" 'BEGIN { printf "%.3f", h - g }')
echo "http_overhead_p50_ms $OVER"
echo
echo "Summary (signal-cli daemon --http)"
echo "  floor (null client + null handler):   p50 $FLOOR50 ms"
echo "  gateway send (socket -> handler -> sim daemon): p50 $GW50 ms, p99 $(val gateway_p99_ms) ms"
echo "  http send (daemon --http -> gateway):  p50 $HTTP50 ms, p99 $(val http_p99_ms) ms"
echo "  the HTTP shim adds $OVER ms at p50; errors http $(val http_errors), gateway $(val gateway_errors)"
exit 0
