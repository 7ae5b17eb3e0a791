#!/usr/bin/env bash
# Signal send round trip through the gateway against the floor, from one
# run (interleaved, so drift hits every column alike):
#
#   floor    bench/null-client -> systemd-socket-activate --accept ->
#            bench/null-handler
#   gateway  bench/null-client (a Signal send request) -> carapace-handler
#            -> the simulated signal-cli daemon (sim/signal-sim.c)
#   direct   bench/null-client (signal-cli's send request) -> the same
#            daemon, without the gateway
#
# overhead = gateway p50 - direct p50; ratio = overhead / floor p50.
# Needs root (the gateway runs as the e2e test user, the clients as the
# agent user; tests/e2e/lib.sh creates both).
#
#   bench/signal.sh BUILD_DIR          BENCH_N runs (default 300)
set -u
export LC_ALL=C
if [ -z "${EPOCHREALTIME:-}" ]; then
	echo "signal.sh: needs bash 5 or later (EPOCHREALTIME)" >&2
	exit 1
fi
top_builddir=$(cd "${1:-.}" && pwd) || exit 1
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
N=${BENCH_N:-300}
. "$top_srcdir/tests/e2e/lib.sh"

setup
cp "$top_builddir/sim/signal-cli" "$top_builddir/bench/null-client" \
    "$top_builddir/bench/null-handler" "$T/bin/"
chmod 755 "$T/bin"/*
SIG=$T/sig
mkdir -p "$SIG"
chown -R "$GW_USER:$GW_USER" "$SIG"
DSOCK=$T/run/signal-cli.sock
FSOCK=$T/run/floor.sock
write_config <<YAML
version: 1
state_dir: $T/state
audit: { sink: stderr }
clients:
  - name: agent
    users: [$AGENT_USER]
    channels: [signal]
    # Measure the path, not the client's request window.
    limits: { requests: 10000, window: 1s }
channels:
  signal:
    daemon_socket: $DSOCK
    account: "+14155550199"
    outbound: { mode: allowlist, allow: ["+14155550100"] }
    inbound: { mode: allowlist, allow: ["+14155550100"] }
YAML
setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
    "$T/bin/signal-cli" -a +14155550199 --config "$SIG" daemon \
    --socket "$DSOCK" --receive-mode=manual 2>/dev/null &
DAEMON_PID=$!
setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
    systemd-socket-activate --accept -l "$FSOCK" "$T/bin/null-handler" \
    2>/dev/null &
FLOOR_PID=$!
start_gateway
i=0
while { [ ! -S "$DSOCK" ] || [ ! -S "$FSOCK" ]; } && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
chmod 666 "$FSOCK"
chmod 711 "$T/run"
# The agent may reach the daemon only for the direct column.
chmod 666 "$DSOCK"

cat >"$T/loop.sh" <<'LOOP'
set -u
N=$1 T=$2
gw='{"jsonrpc":"2.0","id":1,"method":"send","params":{"channel":"signal","recipients":["+14155550100"],"text":"bench"}}'
direct='{"jsonrpc":"2.0","id":1,"method":"send","params":{"recipient":["+14155550100"],"message":"bench"}}'
for ((i = 0; i < N + 10; i++)); do
	t0=$EPOCHREALTIME
	CARAPACE_SOCKET=$T/run/floor.sock "$T/bin/null-client" >/dev/null
	t1=$EPOCHREALTIME
	CARAPACE_SOCKET=$T/run/gw.sock "$T/bin/null-client" "$gw" >/dev/null
	t2=$EPOCHREALTIME
	CARAPACE_SOCKET=$T/run/signal-cli.sock "$T/bin/null-client" \
	    "$direct" >/dev/null
	t3=$EPOCHREALTIME
	[ $i -lt 10 ] && continue
	echo "$t0 $t1 $t2 $t3"
done
LOOP
as "$AGENT_USER" bash "$T/loop.sh" "$N" "$T" >"$T/times"
kill "$DAEMON_PID" "$FLOOR_PID" 2>/dev/null
wait "$DAEMON_PID" "$FLOOR_PID" 2>/dev/null

# pct FILE P: the P-th percentile (ms) of a column of seconds.
pct() {
	sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END {
		i = int((NR - 1) * p / 100) + 1; printf "%.3f", v[i] * 1000 }'
}
awk '{ print $2 - $1 > "'"$T"'/floor"; print $3 - $2 > "'"$T"'/gateway";
    print $4 - $3 > "'"$T"'/direct" }' "$T/times"
for c in floor gateway direct; do
	echo "signal_${c}_p50_ms $(pct "$T/$c" 50)"
	echo "signal_${c}_p99_ms $(pct "$T/$c" 99)"
done
echo "signal_sent $(find "$SIG/spool" -name '*.json' | wc -l | tr -d ' ')"
awk -v f="$(pct "$T/floor" 50)" -v g="$(pct "$T/gateway" 50)" \
    -v d="$(pct "$T/direct" 50)" 'BEGIN {
	printf "signal_overhead_p50_ms %.3f\n", g - d
	printf "signal_overhead_ratio %.2f (target <= 1.25)\n", (g - d) / f }'
stop_gateway
rm -rf "$T"
