#!/usr/bin/env bash
# An independent measurement of the gateway's cost per send: the
# activator run as the gateway's user, a shell script standing in for
# imsg as the tool, against running that script directly with the same
# command line and input, and against the floor of any socket-activated
# service (bench/null-client -> bench/null-handler).
#
#   bench/standin.sh BUILD_DIR
#
# The stand-in reads its arguments and the request on its input and
# answers what imsg's rpc mode answers a send, {"ok": true} under the
# request's id (steipete/imsg c7ae79c,
# Sources/imsg/RPCServer+BridgeMessageHandlers.swift: respond(id:,
# result: ["ok": true, ...])), then exits 0.  Unlike bench/bench.sh's
# simulator, it costs a /bin/sh start-up, which is in both columns.
#
# overhead = gateway p50 - direct p50; ratio = overhead / floor p50.
# Environment: BENCH_N (default 300), BENCH_WARMUP (default 20),
# BENCH_USER (the gateway's account when started by root, default
# carapace-bench), BENCH_AUDIT_SYNC=false.  Prints "key value" lines.

set -u
export LC_ALL=C

if [ -z "${EPOCHREALTIME:-}" ]; then
	echo "standin.sh: needs bash 5 or later (EPOCHREALTIME)" >&2
	exit 1
fi
BUILD=$(cd "${1:-.}" && pwd) || { echo "standin.sh: no build directory" >&2; exit 1; }
N=${BENCH_N:-300}
WARMUP=${BENCH_WARMUP:-20}
BUSER=${BENCH_USER:-carapace-bench}
TO=+14155550100
ACTIVATOR=$(command -v systemd-socket-activate) ||
    { echo "standin.sh: systemd-socket-activate not found" >&2; exit 1; }

T=$(mktemp -d /tmp/carapace-standin.XXXXXX) || exit 1
chmod 755 "$T"
mkdir -p "$T/bin" "$T/run" "$T/state"
ACT_PIDS=
# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
	for p in $ACT_PIDS; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

for p in carapace-handler:carapace-handler src/shim/imsg:imsg \
    bench/null-handler:null-handler bench/null-client:null-client; do
	cp "$BUILD/${p%%:*}" "$T/bin/${p##*:}" ||
	    { echo "standin.sh: $BUILD/${p%%:*} not built" >&2; exit 1; }
done
cat >"$T/bin/imsg-standin" <<'SH'
#!/bin/sh
# imsg stand-in: read the arguments and the request, answer ok.
for arg in "$@"; do :; done
read -r request
id=${request#*\"id\":}
id=${id%%[,\}]*}
printf '{"jsonrpc":"2.0","id":%s,"result":{"ok":true}}\n' "$id"
exit 0
SH
chmod 755 "$T/bin"/*

AS=()
if [ "$(id -u)" = 0 ]; then
	getent passwd "$BUSER" >/dev/null ||
	    useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin --user-group "$BUSER" || exit 1
	BGROUP=$(id -gn "$BUSER")
	AS=(setpriv "--reuid=$BUSER" "--regid=$BGROUP" --init-groups)
	chown -R "$BUSER:$BGROUP" "$T/run" "$T/state"
	CLIENT_USERS="[\"0\", $BUSER]"
else
	CLIENT_USERS="[\"$(id -u)\"]"
fi
chmod 700 "$T/state"
CONF=$T/carapace.yaml
cat >"$CONF" <<YAML
version: 1
state_dir: $T/state
audit: { sink: stderr${BENCH_AUDIT_SYNC:+, sync: $BENCH_AUDIT_SYNC} }
clients:
  - name: bench
    users: $CLIENT_USERS
    channels: [imsg]
    limits: { requests: 10000, window: 1s }
channels:
  imsg:
    tool: $T/bin/imsg-standin
    timeout: 30s
    outbound:
      mode: allowlist
      allow: ["$TO"]
YAML
chmod 600 "$CONF"
[ "${#AS[@]}" -gt 0 ] && chown "$BUSER:$BGROUP" "$CONF"

activate() {
	local sock=$T/run/$1.sock i=0
	shift
	"${AS[@]}" "$ACTIVATOR" --accept -l "$sock" "$@" \
	    >>"$T/activator.log" 2>&1 </dev/null &
	ACT_PIDS="$ACT_PIDS $!"
	while [ ! -S "$sock" ] && [ $i -lt 200 ]; do
		sleep 0.02
		i=$((i + 1))
	done
	[ -S "$sock" ]
}
activate floor "$T/bin/null-handler" || exit 1
activate gateway "$T/bin/carapace-handler" -c "$CONF" || exit 1

# The command line and input the handler gives its tool (adapter-imsg.c).
REQ=$T/request.json
printf '%s\n' "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"send\",\"params\":{\"to\":\"$TO\",\"text\":\"hi\",\"service\":\"auto\"}}" >"$REQ"
FLOOR=("$T/bin/null-client")
GATEWAY=("$T/bin/imsg" send --to "$TO" --text hi)
DIRECT=("$T/bin/imsg-standin" rpc --json)

if ! out=$(CARAPACE_SOCKET=$T/run/gateway.sock "${GATEWAY[@]}" 2>&1); then
	echo "standin.sh: the gateway does not send: $out" >&2
	tail -n 3 "$T/activator.log" >&2
	exit 1
fi

timed() {
	local __var=$1 input=$2 t0 t1
	shift 2
	t0=$EPOCHREALTIME
	"$@" >/dev/null 2>&1 <"$input"
	t1=$EPOCHREALTIME
	printf -v "$__var" '%d' $(( ${t1/./} - ${t0/./} ))
}
F=() G=() D=()
for ((i = 0; i < WARMUP + N; i++)); do
	export CARAPACE_SOCKET=$T/run/floor.sock
	timed f /dev/null "${FLOOR[@]}"
	export CARAPACE_SOCKET=$T/run/gateway.sock
	timed g /dev/null "${GATEWAY[@]}"
	timed d "$REQ" "${DIRECT[@]}"
	[ $i -lt "$WARMUP" ] && continue
	F+=("$f") G+=("$g") D+=("$d")
done
p50() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 }
    END { printf "%.3f\n", v[int(NR / 2 + 0.5)] / 1000 }'; }
FP=$(p50 "${F[@]}") GP=$(p50 "${G[@]}") DP=$(p50 "${D[@]}")
echo "standin_floor_p50_ms $FP"
echo "standin_gateway_p50_ms $GP"
echo "standin_direct_p50_ms $DP"
awk -v g="$GP" -v d="$DP" -v f="$FP" 'BEGIN {
	printf "standin_overhead_p50_ms %.3f\nstandin_ratio %.2f\n", g - d, (g - d) / f }'
