#!/usr/bin/env bash
# Carapace benchmark: the gateway's cost per message against the floor
# of any socket-activated service, and the peak memory of the handler
# and the shim, all from one run.
#
#   bench/bench.sh [BUILD_DIR]        (BUILD_DIR: a configured, built tree)
#
# Measured, interleaved in one loop so that drift hits all alike:
#   floor    bench/null-client -> systemd-socket-activate --accept ->
#            bench/null-handler (a do-nothing client and handler)
#   gateway  src/shim/imsg send -> systemd-socket-activate --accept ->
#            carapace-handler -> sim/imsg (the simulated tool)
#   tool     sim/imsg rpc --db DIR --json with the send request on its
#            standard input, run directly: what the handler's imsg
#            adapter runs (imsg_deliver, adapter-imsg.c).  Not "sim/imsg
#            send --to ...": the simulator's rpc send also counts every
#            send in its spool for the row id, a cost that grows with
#            each run and is the tool's, not the gateway's.
# overhead = gateway p50 - tool p50; overhead_ratio = overhead / floor p50
# (target <= 1.25).  Peak RSS comes from bench/rss (wait4's rusage).
# Scrubbing quality and speed come from bench/scrub-bench on
# tests/data/scrub/corpus.txt.
#
# Environment: BENCH_N (runs, default 300), BENCH_WARMUP (default 20),
# BENCH_RSS_N (runs for peak RSS, default 20), BENCH_SCRUB_MIB (MiB of
# text scrubbed for throughput, default 32), BENCH_USER (the account
# the gateway runs as when started by root, default carapace-bench),
# BENCH_KEEP=1 keeps the temporary directory, CC (to build bench/rss if
# the tree lacks it), BENCH_AUDIT_SYNC=false (measure without forcing a
# delivery's record to disk; audit.sync in carapace.yaml(5)),
# BENCH_ONLY=overhead (stop after the overhead: for comparing builds,
# bench/compare.sh).
#
# Every time includes starting the client from this shell (bash's
# EPOCHREALTIME around the command), the same cost in every column.
# The script prints "key value" lines and a summary, and exits 0 even
# when a part could not be measured (its values are then "n/a").

set -u
export LC_ALL=C

if [ -z "${EPOCHREALTIME:-}" ]; then
	echo "bench.sh: needs bash 5 or later (EPOCHREALTIME)" >&2
	exit 1
fi

BUILD=$(cd "${1:-.}" && pwd) || { echo "bench.sh: no build directory" >&2; exit 1; }
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
N=${BENCH_N:-300}
WARMUP=${BENCH_WARMUP:-20}
RSS_N=${BENCH_RSS_N:-20}
BUSER=${BENCH_USER:-carapace-bench}
TO=+14155550100

case "$N$WARMUP$RSS_N" in
*[!0-9]*) echo "bench.sh: BENCH_N, BENCH_WARMUP, BENCH_RSS_N must be numbers" >&2; exit 1 ;;
esac
[ "$N" -ge 1 ] || N=1

ACTIVATOR=$(command -v systemd-socket-activate 2>/dev/null)
if [ -z "$ACTIVATOR" ]; then
	echo "bench.sh: systemd-socket-activate not found" >&2
	exit 1
fi

T=$(mktemp -d /tmp/carapace-bench.XXXXXX) || exit 1
chmod 755 "$T"
mkdir -p "$T/bin" "$T/run" "$T/state" "$T/db/spool" "$T/db-direct/spool" \
    "$T/rss"
ACT_PIDS=

# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
	for p in $ACT_PIDS; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [ -n "${BENCH_KEEP:-}" ]; then
		echo "# files kept in $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

note() { echo "# $*"; }

# Copies of the programs: the build tree may not be readable by the
# gateway's account.  A missing program disables the parts that need it.
have() { [ -x "$T/bin/$1" ]; }
copy() {
	if [ -x "$BUILD/$1" ]; then
		cp "$BUILD/$1" "$T/bin/$2"
	else
		note "$1 not built: parts using it are skipped"
	fi
}
copy bench/null-handler null-handler
copy bench/null-client null-client
copy carapace-handler carapace-handler
copy src/shim/imsg imsg
copy sim/imsg sim-imsg
copy bench/inbox-latency inbox-latency
copy carapace-watch carapace-watch
if [ -x "$BUILD/bench/rss" ]; then
	cp "$BUILD/bench/rss" "$T/bin/rss"
elif ${CC:-cc} -O2 -I"$BUILD" -o "$T/bin/rss" "$SRCDIR/bench/rss.c" \
    2>"$T/rss-build.log"; then
	note "bench/rss not built: compiled it from $SRCDIR/bench/rss.c"
else
	note "bench/rss not built and could not be compiled: no peak RSS"
fi
chmod 755 "$T/bin"/* 2>/dev/null
for f in "$SRCDIR"/sim/data/imsg/*.json; do
	[ -f "$f" ] && cp "$f" "$T/db/" && cp "$f" "$T/db-direct/"
done

# The handler refuses root: as root, run the gateway as $BUSER.
AS=()
if [ "$(id -u)" = 0 ]; then
	if ! getent passwd "$BUSER" >/dev/null; then
		useradd --system --no-create-home --home-dir /nonexistent \
		    --shell /usr/sbin/nologin --user-group "$BUSER" ||
		    { echo "bench.sh: cannot create user $BUSER" >&2; exit 1; }
	fi
	if ! command -v setpriv >/dev/null 2>&1; then
		echo "bench.sh: setpriv not found (needed to run as $BUSER)" >&2
		exit 1
	fi
	BGROUP=$(id -gn "$BUSER")
	AS=(setpriv "--reuid=$BUSER" "--regid=$BGROUP" --init-groups)
	chown -R "$BUSER:$BGROUP" "$T/run" "$T/state" "$T/db" "$T/rss"
	CLIENT_USERS="[root, \"0\", $BUSER]"
else
	CLIENT_USERS="[$(id -un), \"$(id -u)\"]"
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
    # Measure the path, not the client's request window.
    limits: { requests: 10000, window: 1s }
channels:
  imsg:
    tool: $T/bin/sim-imsg
    db: $T/db
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

# activate NAME PROGRAM ARGS...: an activator on $T/run/NAME.sock.
activate() {
	local name=$1 sock=$T/run/$1.sock i=0
	shift
	"${AS[@]}" "$ACTIVATOR" --accept -l "$sock" "$@" \
	    >"$T/$name.log" 2>&1 </dev/null &
	ACT_PIDS="$ACT_PIDS $!"
	while [ ! -S "$sock" ] && [ $i -lt 200 ]; do
		sleep 0.02
		i=$((i + 1))
	done
	[ -S "$sock" ]
}

# Commands under test, as arrays; each is run with output discarded.
# CARAPACE_SOCKET is exported before the clock starts, so no column
# pays for an extra env(1).
FLOOR=()
GATEWAY=()
TOOL=()
TOOL_INPUT=$T/tool-request.json
FLOOR_SOCK=$T/run/floor.sock
GATEWAY_SOCK=$T/run/gateway.sock
if have null-handler && have null-client &&
    activate floor "$T/bin/null-handler"; then
	FLOOR=("$T/bin/null-client")
fi
if have carapace-handler && have imsg && have sim-imsg &&
    activate gateway "$T/bin/carapace-handler" -c "$CONF"; then
	GATEWAY=("$T/bin/imsg" send --to "$TO" --text hi)
fi
if have sim-imsg; then
	# The command line and the input the handler's imsg adapter gives
	# the tool (cmdline_imsg_send, cmdline_imsg_send_request).
	TOOL=("$T/bin/sim-imsg" rpc --db "$T/db-direct" --json)
	printf '%s\n' "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"send\",\"params\":{\"to\":\"$TO\",\"text\":\"hi\",\"region\":\"US\",\"transport\":\"applescript\"}}" \
	    >"$TOOL_INPUT"
fi

# check NAME SOCKET COMMAND...: one run must succeed, or the part is
# dropped (with what it said, and the end of its activator's log).
# Standard input is $IN, or /dev/null.
check() {
	local name=$1 out
	export CARAPACE_SOCKET=$2
	shift 2
	if out=$("$@" 2>&1 <"${IN:-/dev/null}"); then
		return 0
	fi
	note "$name does not work; it is not measured. Output:"
	printf '%s\n' "$out" | head -n 5 | sed 's/^/#   /'
	if [ -f "$T/$name.log" ]; then
		note "its activator/handler log ends with:"
		tail -n 5 "$T/$name.log" | sed 's/^/#   /'
	fi
	return 1
}
[ "${#FLOOR[@]}" -gt 0 ] && { check floor "$FLOOR_SOCK" "${FLOOR[@]}" || FLOOR=(); }
[ "${#GATEWAY[@]}" -gt 0 ] &&
    { check gateway "$GATEWAY_SOCK" "${GATEWAY[@]}" || GATEWAY=(); }
[ "${#TOOL[@]}" -gt 0 ] &&
    { IN=$TOOL_INPUT check tool "" "${TOOL[@]}" || TOOL=(); }

# Timings in microseconds, one array per column.
FLOOR_US=()
GATEWAY_US=()
TOOL_US=()
ERRORS_FLOOR=0
ERRORS_GATEWAY=0
ERRORS_TOOL=0

# timed VAR SOCKET COMMAND...: run once, standard input from $IN or
# /dev/null; the elapsed microseconds go into VAR, and the command's
# exit status is returned.
timed() {
	local __var=$1 t0 t1 rc
	export CARAPACE_SOCKET=$2
	shift 2
	t0=$EPOCHREALTIME
	"$@" >/dev/null 2>&1 <"${IN:-/dev/null}"
	rc=$?
	t1=$EPOCHREALTIME
	printf -v "$__var" '%d' $(( ${t1/./} - ${t0/./} ))
	return $rc
}

# run_round RECORD: one run of each column, kept if RECORD is 1.
run_round() {
	local record=$1 us
	if [ "${#FLOOR[@]}" -gt 0 ]; then
		timed us "$FLOOR_SOCK" "${FLOOR[@]}" ||
		    ERRORS_FLOOR=$((ERRORS_FLOOR + record))
		[ "$record" = 1 ] && FLOOR_US+=("$us")
	fi
	if [ "${#GATEWAY[@]}" -gt 0 ]; then
		timed us "$GATEWAY_SOCK" "${GATEWAY[@]}" ||
		    ERRORS_GATEWAY=$((ERRORS_GATEWAY + record))
		[ "$record" = 1 ] && GATEWAY_US+=("$us")
	fi
	if [ "${#TOOL[@]}" -gt 0 ]; then
		IN=$TOOL_INPUT timed us "" "${TOOL[@]}" ||
		    ERRORS_TOOL=$((ERRORS_TOOL + record))
		[ "$record" = 1 ] && TOOL_US+=("$us")
	fi
}

note "build $BUILD, $N runs per column (+$WARMUP warm-up), $(nproc 2>/dev/null || echo ?) CPUs"
for ((i = 0; i < WARMUP; i++)); do run_round 0; done
for ((i = 0; i < N; i++)); do run_round 1; done

# pct P VALUES...: nearest-rank percentile of microsecond values, in ms.
pct() {
	local p=$1
	shift
	[ $# -gt 0 ] || { echo n/a; return; }
	printf '%s\n' "$@" | sort -n | awk -v p="$p" '
		{ v[NR] = $1 }
		END {
			r = int(p / 100 * NR + 0.999999); if (r < 1) r = 1
			printf "%.3f\n", v[r] / 1000
		}'
}

report_times() {
	local name=$1 errors=$2
	shift 2
	echo "${name}_p50_ms $(pct 50 "$@")"
	echo "${name}_p90_ms $(pct 90 "$@")"
	echo "${name}_p99_ms $(pct 99 "$@")"
	echo "${name}_runs $#"
	echo "${name}_errors $errors"
}

report_times floor "$ERRORS_FLOOR" "${FLOOR_US[@]}"
report_times gateway "$ERRORS_GATEWAY" "${GATEWAY_US[@]}"
report_times tool "$ERRORS_TOOL" "${TOOL_US[@]}"

FLOOR_P50=$(pct 50 "${FLOOR_US[@]}")
GATEWAY_P50=$(pct 50 "${GATEWAY_US[@]}")
TOOL_P50=$(pct 50 "${TOOL_US[@]}")
OVERHEAD=n/a
RATIO=n/a
VERDICT="not measured"
if [ "$GATEWAY_P50" != n/a ] && [ "$TOOL_P50" != n/a ]; then
	OVERHEAD=$(awk -v g="$GATEWAY_P50" -v t="$TOOL_P50" \
	    'BEGIN { printf "%.3f\n", g - t }')
	if [ "$FLOOR_P50" != n/a ]; then
		RATIO=$(awk -v o="$OVERHEAD" -v f="$FLOOR_P50" \
		    'BEGIN { printf "%.2f\n", o / f }')
		VERDICT=$(awk -v r="$RATIO" 'BEGIN {
			print (r <= 1.25 ? "met" : "MISSED") }')
	fi
fi
echo "overhead_p50_ms $OVERHEAD"
echo "overhead_ratio $RATIO (target <= 1.25)"
if [ "${BENCH_ONLY:-}" = overhead ]; then
	echo "overhead $OVERHEAD ms = $RATIO x floor (floor p50 $FLOOR_P50 ms, gateway p50 $GATEWAY_P50 ms, tool p50 $TOOL_P50 ms)"
	exit 0
fi

# imsg rpc: request round trips over one running `imsg rpc` process,
# against the floor as a running client sees it (bench/imsg-rpc.py).
RPC_CHATS_P50=n/a
RPC_SEND_P50=n/a
RPC_FLOOR_P50=n/a
if [ "${#FLOOR[@]}" -gt 0 ] && [ "${#GATEWAY[@]}" -gt 0 ] &&
    command -v python3 >/dev/null 2>&1; then
	python3 "$SRCDIR/bench/imsg-rpc.py" "$FLOOR_SOCK" "$GATEWAY_SOCK" \
	    "${BENCH_RPC_N:-$N}" "$WARMUP" "$TO" -- "$T/bin/imsg" \
	    >"$T/rpc.out" 2>&1 || note "imsg-rpc failed: $(tail -n 2 "$T/rpc.out")"
	cat "$T/rpc.out"
	RPC_CHATS_P50=$(sed -n 's/^rpc_chats_p50_ms //p' "$T/rpc.out")
	RPC_SEND_P50=$(sed -n 's/^rpc_send_p50_ms //p' "$T/rpc.out")
	RPC_FLOOR_P50=$(sed -n 's/^rpc_floor_p50_ms //p' "$T/rpc.out")
else
	note "imsg rpc not measured (needs the floor, the gateway and python3)"
fi

# Peak RSS: the largest of RSS_N runs, KiB.  The handler's figure is
# written by bench/rss after the handler exits, possibly after its
# client is done: wait for all the lines.
peak() { [ -s "$1" ] && sort -n "$1" | tail -n 1 || echo n/a; }
wait_lines() {
	local i=0 lines
	while [ $i -lt 250 ]; do
		lines=$(wc -l 2>/dev/null <"$1") || lines=0
		[ "$lines" -ge "$2" ] && return
		sleep 0.02
		i=$((i + 1))
	done
}
HANDLER_SEND_RSS=n/a
HANDLER_PING_RSS=n/a
SHIM_RSS=n/a
TOOL_RSS=n/a
if have rss && [ "${#GATEWAY[@]}" -gt 0 ]; then
	if activate rss-send "$T/bin/rss" -o "$T/rss/handler-send.kib" \
	    "$T/bin/carapace-handler" -c "$CONF"; then
		export CARAPACE_SOCKET=$T/run/rss-send.sock
		for ((i = 0; i < RSS_N; i++)); do
			"${GATEWAY[@]}" >/dev/null 2>&1 </dev/null
		done
		wait_lines "$T/rss/handler-send.kib" "$RSS_N"
		HANDLER_SEND_RSS=$(peak "$T/rss/handler-send.kib")
	fi
	# A request that runs no tool: the handler alone.
	if have null-client && activate rss-ping "$T/bin/rss" \
	    -o "$T/rss/handler-ping.kib" "$T/bin/carapace-handler" -c "$CONF"; then
		export CARAPACE_SOCKET=$T/run/rss-ping.sock
		for ((i = 0; i < RSS_N; i++)); do
			"$T/bin/null-client" >/dev/null 2>&1 </dev/null
		done
		wait_lines "$T/rss/handler-ping.kib" "$RSS_N"
		HANDLER_PING_RSS=$(peak "$T/rss/handler-ping.kib")
	fi
	export CARAPACE_SOCKET=$GATEWAY_SOCK
	for ((i = 0; i < RSS_N; i++)); do
		"$T/bin/rss" -o "$T/shim.kib" "${GATEWAY[@]}" \
		    >/dev/null 2>&1 </dev/null
	done
	SHIM_RSS=$(peak "$T/shim.kib")
fi
if have rss && [ "${#TOOL[@]}" -gt 0 ]; then
	for ((i = 0; i < RSS_N; i++)); do
		"$T/bin/rss" -o "$T/tool.kib" "${TOOL[@]}" \
		    >/dev/null 2>&1 <"$TOOL_INPUT"
	done
	TOOL_RSS=$(peak "$T/tool.kib")
fi
echo "handler_peak_rss_kib $HANDLER_PING_RSS (target <= 4096; gateway.ping, no tool run)"
echo "handler_send_peak_rss_kib $HANDLER_SEND_RSS (send: the larger of handler and tool)"
echo "shim_peak_rss_kib $SHIM_RSS (target <= 2048)"
echo "tool_peak_rss_kib $TOOL_RSS (sim/imsg alone)"

# Inbound: publish -> subscriber receipt through a subscribed handler,
# the inbox append rate, and the watcher's peak RSS over 10 000 messages.
INBOX_P50=n/a
WATCH_RSS=n/a
if have inbox-latency && [ "${#GATEWAY[@]}" -gt 0 ]; then
	"${AS[@]}" "$T/bin/inbox-latency" -c "$CONF" -s "$GATEWAY_SOCK" \
	    -n "${BENCH_INBOX_N:-300}" -r 10000 >"$T/inbox.out" 2>&1 ||
	    note "inbox-latency failed: $(tail -n 2 "$T/inbox.out")"
	cat "$T/inbox.out"
	INBOX_P50=$(sed -n 's/^inbox_latency_p50_ms //p' "$T/inbox.out")
	INBOX_P50=${INBOX_P50:-n/a}
fi
if have carapace-watch && have inbox-latency && have rss; then
	: >"$T/db/inbound.jsonl"
	[ "${#AS[@]}" -gt 0 ] && chown "$BUSER:$BGROUP" "$T/db/inbound.jsonl"
	# The watcher starts from "now": the batch is appended after it.
	"${AS[@]}" "$T/bin/rss" -o "$T/rss/watch.kib" \
	    "$T/bin/carapace-watch" -c "$CONF" imsg >"$T/watch.log" 2>&1 &
	WATCH_WRAPPER=$!
	sleep 0.5
	t0=$EPOCHREALTIME
	awk 'BEGIN { for (i = 100001; i <= 110000; i++)
	    printf "{\"id\":%d,\"chat_id\":1,\"guid\":\"g\",\"sender\":\"'"$TO"'\",\"is_from_me\":false,\"text\":\"m%d\",\"created_at\":\"2026-05-16T15:24:36.123Z\",\"attachments\":[],\"reactions\":[],\"chat_identifier\":\"'"$TO"'\",\"chat_guid\":\"x\",\"chat_name\":\"\",\"participants\":[],\"is_group\":false}\n", i, i }' \
	    >>"$T/db/inbound.jsonl"
	if "${AS[@]}" "$T/bin/inbox-latency" -c "$CONF" -w 110000 \
	    >>"$T/watch.log" 2>&1; then
		t1=$EPOCHREALTIME
		echo "watcher_10000_messages_s $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
	else
		note "the watcher did not publish the batch: $(tail -n 3 "$T/watch.log")"
	fi
	pkill -TERM -f "^$T/bin/carapace-watch" 2>/dev/null
	wait "$WATCH_WRAPPER" 2>/dev/null
	WATCH_RSS=$(peak "$T/rss/watch.kib")
fi
echo "watcher_peak_rss_kib $WATCH_RSS (target <= 8192; 10 000 messages)"

# Scrubbing: recall and false positives on the corpus, throughput on a
# generated mixed text (bench/scrub-bench; no gateway needed).
SCRUB_RECALL=n/a
SCRUB_FP=n/a
SCRUB_MBS=n/a
SCRUB_HTML_MBS=n/a
if [ -x "$BUILD/bench/scrub-bench" ]; then
	"$BUILD/bench/scrub-bench" -m "${BENCH_SCRUB_MIB:-32}" \
	    "$SRCDIR/tests/data/scrub/corpus.txt" >"$T/scrub.out" \
	    2>"$T/scrub.err"
	cat "$T/scrub.out"
	[ -s "$T/scrub.err" ] && sed 's/^/# miss: /' "$T/scrub.err"
	SCRUB_RECALL=$(sed -n 's/^scrub_recall_pct \([^ ]*\).*/\1/p' "$T/scrub.out")
	SCRUB_FP=$(sed -n 's/^scrub_false_positive_pct \([^ ]*\).*/\1/p' "$T/scrub.out")
	SCRUB_MBS=$(sed -n 's/^scrub_plain_mb_s \([^ ]*\).*/\1/p' "$T/scrub.out")
	SCRUB_HTML_MBS=$(sed -n 's/^scrub_html_mb_s \([^ ]*\).*/\1/p' "$T/scrub.out")
else
	note "bench/scrub-bench not built: scrubbing not measured"
fi

within() {
	[ "$1" = n/a ] && { echo "not measured"; return; }
	[ "$1" -le "$2" ] && echo met || echo MISSED
}

echo
echo "Summary"
echo "  floor (null client + null handler): p50 $FLOOR_P50 ms"
echo "  gateway (shim -> handler -> sim):   p50 $GATEWAY_P50 ms"
echo "  simulated tool alone:               p50 $TOOL_P50 ms"
echo "  overhead $OVERHEAD ms = $RATIO x floor: $VERDICT (target <= 1.25)"
echo "  imsg rpc (one running process): chats.list p50 ${RPC_CHATS_P50:-n/a} ms, send p50 ${RPC_SEND_P50:-n/a} ms; floor for a running client p50 ${RPC_FLOOR_P50:-n/a} ms"
echo "  handler peak RSS $HANDLER_PING_RSS KiB: $(within "$HANDLER_PING_RSS" 4096) (target <= 4096)"
echo "  shim peak RSS $SHIM_RSS KiB: $(within "$SHIM_RSS" 2048) (target <= 2048)"
echo "  inbox publish -> subscriber p50 $INBOX_P50 ms (target <= 5)"
echo "  watcher peak RSS $WATCH_RSS KiB: $(within "$WATCH_RSS" 8192) (target <= 8192)"
echo "  scrub recall ${SCRUB_RECALL:-n/a} % (target >= 99), false positives ${SCRUB_FP:-n/a} % (target <= 1); ${SCRUB_MBS:-n/a} MB/s plain, ${SCRUB_HTML_MBS:-n/a} MB/s HTML"
if [ -f "$SRCDIR/bench/bench-signal-http.sh" ]; then
	echo
	bash "$SRCDIR/bench/bench-signal-http.sh" "$BUILD"
fi
exit 0
