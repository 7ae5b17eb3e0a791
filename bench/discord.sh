#!/usr/bin/env bash
# Discord send through the gateway against the same send without it,
# and the floor of any socket-activated service, from one run:
#
#   bench/discord.sh [BUILD_DIR]
#
# Interleaved in one loop:
#   floor    bench/null-client -> systemd-socket-activate --accept ->
#            bench/null-handler
#   gateway  src/shim/discord send -> carapace-handler -> carapace-discord
#            -> tests/discord-fake.py (HTTP on loopback)
#   tool     carapace-discord send, run directly (what the handler runs)
# overhead = gateway p50 - tool p50; overhead_ratio = overhead / floor p50.
# The fake API's own time is in both gateway and tool.  Environment:
# BENCH_N (runs, default 100), BENCH_USER (gateway account when run as
# root, default carapace-bench), BENCH_KEEP=1 keeps the directory.

set -u
export LC_ALL=C

[ -n "${EPOCHREALTIME:-}" ] || { echo "discord.sh: needs bash 5" >&2; exit 1; }
BUILD=$(cd "${1:-.}" && pwd) || exit 1
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
N=${BENCH_N:-100}
BUSER=${BENCH_USER:-carapace-bench}
CHAN=700000000000000001
ACTIVATOR=$(command -v systemd-socket-activate) ||
    { echo "discord.sh: systemd-socket-activate not found" >&2; exit 1; }
command -v python3 >/dev/null || { echo "discord.sh: no python3" >&2; exit 1; }

T=$(mktemp -d /tmp/carapace-bench-discord.XXXXXX) || exit 1
chmod 755 "$T"
mkdir -p "$T/bin" "$T/run" "$T/state" "$T/fake"
PIDS=
cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [ -n "${BENCH_KEEP:-}" ]; then echo "# files kept in $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

for p in carapace-handler carapace-discord src/shim/discord \
    bench/null-handler bench/null-client; do
	[ -x "$BUILD/$p" ] || { echo "discord.sh: $p not built" >&2; exit 1; }
	cp "$BUILD/$p" "$T/bin/"
done
chmod 755 "$T/bin"/*

AS=()
if [ "$(id -u)" = 0 ]; then
	getent passwd "$BUSER" >/dev/null || useradd --system --no-create-home \
	    --home-dir /nonexistent --shell /usr/sbin/nologin --user-group "$BUSER"
	BGROUP=$(id -gn "$BUSER")
	AS=(setpriv "--reuid=$BUSER" "--regid=$BGROUP" --init-groups)
	USERS="[root, \"0\", $BUSER]"
else
	USERS="[$(id -un)]"
fi

printf 'bench-token-0123456789\n' >"$T/token"
chmod 600 "$T/token"
python3 "$SRCDIR/tests/discord-fake.py" --dir "$T/fake" --token-file "$T/token" \
    --port-file "$T/fake/port" 2>"$T/fake.log" &
PIDS="$PIDS $!"
i=0
while [ ! -s "$T/fake/port" ] && [ $i -lt 200 ]; do sleep 0.02; i=$((i + 1)); done
PORT=$(cat "$T/fake/port")

cat >"$T/carapace.yaml" <<YAML
version: 1
state_dir: $T/state
audit: { sink: stderr }
clients:
  - name: bench
    users: $USERS
    channels: [discord]
    # Measure the path, not the client's request window.
    limits: { requests: 10000, window: 1s }
channels:
  discord:
    tool: $T/bin/carapace-discord
    token_file: $T/token
    api_base: http://127.0.0.1:$PORT/api/v10
    timeout: 30s
    outbound: { mode: allowlist, allow: ["channel:$CHAN"] }
YAML
chmod 600 "$T/carapace.yaml"
# The token and configuration belong to the gateway's account; the
# direct runs use a copy owned by the caller.
cp "$T/token" "$T/token.direct"
sed "s|$T/token\$|$T/token.direct|" "$T/carapace.yaml" >"$T/direct.yaml"
if [ "${#AS[@]}" -gt 0 ]; then
	chown -R "$BUSER:$BGROUP" "$T/run" "$T/state" "$T/token" "$T/carapace.yaml"
fi
chmod 700 "$T/state"

activate() {
	local sock=$T/run/$1.sock i=0
	shift
	"${AS[@]}" "$ACTIVATOR" --accept -l "$sock" "$@" >>"$T/act.log" 2>&1 </dev/null &
	PIDS="$PIDS $!"
	while [ ! -S "$sock" ] && [ $i -lt 200 ]; do sleep 0.02; i=$((i + 1)); done
	chmod 666 "$sock"
}
activate floor "$T/bin/null-handler"
activate gateway "$T/bin/carapace-handler" -c "$T/carapace.yaml"

now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }
FLOOR_US=() GATEWAY_US=() TOOL_US=()
ERR=0
export CARAPACE_SOCKET=$T/run/gateway.sock
for ((k = 0; k < N + 5; k++)); do
	a=$(now_us)
	CARAPACE_SOCKET=$T/run/floor.sock "$T/bin/null-client" >/dev/null 2>&1 ||
	    ERR=$((ERR + 1))
	b=$(now_us)
	"$T/bin/discord" send --to "channel:$CHAN" --text "bench $k" \
	    >/dev/null 2>&1 || ERR=$((ERR + 1))
	c=$(now_us)
	printf '{"content":"direct %d"}' "$k" | "$T/bin/carapace-discord" \
	    -c "$T/direct.yaml" send "$CHAN" >/dev/null 2>&1 || ERR=$((ERR + 1))
	d=$(now_us)
	if [ "$k" -ge 5 ]; then
		FLOOR_US+=($((b - a))) GATEWAY_US+=($((c - b))) TOOL_US+=($((d - c)))
	fi
done

pct() {
	local p=$1
	shift
	printf '%s\n' "$@" | sort -n | awk -v p="$p" '{ v[NR] = $1 }
	    END { i = int((p * NR + 99) / 100); if (i < 1) i = 1;
	    printf "%.3f", v[i] / 1000 }'
}
F50=$(pct 50 "${FLOOR_US[@]}") G50=$(pct 50 "${GATEWAY_US[@]}")
T50=$(pct 50 "${TOOL_US[@]}")
echo "runs $N errors $ERR"
echo "floor_p50_ms $F50 floor_p99_ms $(pct 99 "${FLOOR_US[@]}")"
echo "gateway_p50_ms $G50 gateway_p99_ms $(pct 99 "${GATEWAY_US[@]}")"
echo "tool_p50_ms $T50 tool_p99_ms $(pct 99 "${TOOL_US[@]}")"
awk -v g="$G50" -v t="$T50" -v f="$F50" 'BEGIN {
	printf "overhead_p50_ms %.3f overhead_ratio %.2f\n", g - t, (g - t) / f }'
echo "sent_recorded $(wc -l <"$T/fake/sent.jsonl" | tr -d ' ') (expected $((2 * (N + 5))))"
