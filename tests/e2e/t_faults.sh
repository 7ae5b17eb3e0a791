#!/bin/sh
# Faults, end to end: a tool that fails, hangs (with a child of its own)
# or floods its output; a handler killed in the middle of a send; an LMDB
# map that fills up; an audit sink that is down; a state directory with
# the wrong owner or mode.  Each must end in a clear refusal, nothing
# sent that should not be, and a gateway that serves the next request.
. "$(dirname "$0")/lib.sh"

setup
cp "$top_srcdir/tests/e2e/strict_client.py" "$T/bin/"

# Milliseconds since the epoch (GNU date).
now_ms() { date +%s%3N; }

# Processes whose command line starts with (or contains) a path in $T.
procs() { pgrep -f "$1" | tr '\n' ' ' | sed 's/ $//'; }

# gone PATTERN: true once no process matches, waiting up to 2 s for
# SIGKILLed processes to be reaped.
gone() {
	i=0
	while [ -n "$(procs "$1")" ] && [ $i -lt 40 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ -z "$(procs "$1")" ]
}

ping_req='{"jsonrpc":"2.0","id":1,"method":"gateway.ping"}'
send_req() {
	printf '{"jsonrpc":"2.0","id":%s,"method":"send","params":{"channel":"imsg","to":"%s","text":"%s"}}\n' \
	    "$1" "$2" "$3"
}

# outcome_count OUTCOME: audit records of sends with that outcome.
outcome_count() {
	ctl audit show | grep '"method":"send"' |
	    grep -c "\"outcome\":\"$1\""
}

sent_records() { outcome_count sent; }

# Rate limits are not under test here: high enough never to refuse.
LIMIT_MAX=1000
default_config allowlist
start_gateway

out=$(agent "$T/bin/imsg" send --to mom --text "before any fault")
expect_eq "baseline send works" "sent" "$out"
expect_eq "baseline delivered" 1 "$(spool_count)"

# --- A tool that fails --------------------------------------------------
# The sim prints the knob file's content on stderr and exits 1.  The
# answer carries the exit status and the tail (last 512 bytes) of
# stderr, so a long error keeps its end and loses its start.
before=$(spool_count)
printf 'sendFailed("AppleScript error -1712: network is down")\n' \
    >"$T/sim/sim-fail"
chmod 644 "$T/sim/sim-fail"
out=$(agent "$T/bin/imsg" send --to mom --text "tool fails, short error")
rc=$?
expect_eq "shim exits 1 when the tool fails" 1 "$rc"
expect_match "shim says the tool failed, with status and stderr" \
    '^tool failed \(exit 1\): sendFailed\("AppleScript error -1712: network is down"\)$' \
    "$out"
{
	printf 'START-OF-ERROR '
	head -c 2000 /dev/zero | tr '\0' e
	printf ' AppleScript error -1712: network is down END-OF-ERROR\n'
} >"$T/sim/sim-fail"
chmod 644 "$T/sim/sim-fail"
out=$(send_req 7 mom "tool fails" | raw)
expect_match "failing tool answered -32007" '"code":-32007' "$out"
expect_match "answer carries exit_status 1" '"exit_status":1[,}]' "$out"
expect_match "answer carries the end of stderr" \
    '"stderr":"[^"]*network is down END-OF-ERROR' "$out"
case "$out" in
*START-OF-ERROR*) not_ok "stderr is a bounded tail, not the whole of it" ;;
*) ok "stderr is a bounded tail, not the whole of it" ;;
esac
out=$(agent "$T/bin/imsg" send --to mom --text "tool fails via shim")
rc=$?
expect_eq "shim exits 1 when the tool fails (long error)" 1 "$rc"
# The last line of a tool's error says what went wrong: the shim keeps
# the end of the tail, not its start.
expect_match "shim shows the end of a long tool error" \
    '^tool failed \(exit 1\): .*network is down END-OF-ERROR$' "$out"
expect_eq "a failed tool sent nothing" "$before" "$(spool_count)"
expect_eq "the three failures audited as failed" 3 \
    "$(outcome_count failed)"
expect_match "failure record names the recipient and code" \
    '"code":-32007.*"outcome":"failed".*"recipient":"\+14155550100"' \
    "$(ctl audit show | grep '"outcome":"failed"' | tail -1)"
rm -f "$T/sim/sim-fail"

# --- A tool that hangs, with a child of its own -------------------------
# The tool is a script that starts a grandchild (holding the tool's
# pipes, in the tool's process group) and then becomes the sim, which
# sleeps until killed.  At the channel's timeout the whole group goes.
cp "$T/bin/sim-imsg" "$T/bin/sim-imsg.real"
cp "$(command -v sleep)" "$T/bin/cp-sleeper"
cat >"$T/bin/tool-with-child" <<SH
#!/bin/sh
"$T/bin/cp-sleeper" 300 &
exec "$T/bin/sim-imsg.real" "\$@"
SH
cat >"$T/bin/tool-with-daemon" <<SH
#!/bin/sh
"$T/bin/cp-sleeper" 301 </dev/null >/dev/null 2>&1 &
exec "$T/bin/sim-imsg.real" "\$@"
SH
chmod 755 "$T/bin/sim-imsg.real" "$T/bin/cp-sleeper" \
    "$T/bin/tool-with-child" "$T/bin/tool-with-daemon"

stop_gateway
TOOL_TIMEOUT=1s default_config allowlist
sed -i "s|tool: $T/bin/sim-imsg\$|tool: $T/bin/tool-with-child|" "$CONF"
start_gateway
touch "$T/sim/sim-hang"
before=$(spool_count)
t0=$(now_ms)
out=$(send_req 8 mom "tool hangs" | raw)
elapsed=$(($(now_ms) - t0))
expect_match "hanging tool answered -32008" '"code":-32008' "$out"
expect_match "timeout answer carries timeout_ms" '"timeout_ms":1000[,}]' "$out"
echo "# hanging tool answered after $elapsed ms (timeout 1000 ms)"
check "answered at the deadline, not before" test "$elapsed" -ge 1000
check "answered soon after the deadline" test "$elapsed" -lt 5000
check "the hung tool was killed" gone "$T/bin/sim-imsg"
check "the tool's own child was killed with its group" \
    gone "$T/bin/cp-sleeper"
out=$(agent "$T/bin/imsg" send --to mom --text "tool hangs via shim")
rc=$?
expect_eq "shim exits 1 on timeout" 1 "$rc"
expect_match "shim says it timed out" '^timed out after 1000 ms$' "$out"
check "no tool process left after the second timeout" \
    gone "$T/bin/sim-imsg"
expect_eq "a hung tool sent nothing" "$before" "$(spool_count)"
expect_eq "both timeouts audited as timeout" 2 "$(outcome_count timeout)"
expect_match "timeout record carries the code" \
    '"code":-32008.*"outcome":"timeout"' \
    "$(ctl audit show | grep '"outcome":"timeout"' | tail -1)"
rm -f "$T/sim/sim-hang"

# A tool that succeeds but leaves a detached child behind (its own
# pipes closed): answered at once, and the child does not outlive the
# run.
stop_gateway
TOOL_TIMEOUT=10s default_config allowlist
sed -i "s|tool: $T/bin/sim-imsg\$|tool: $T/bin/tool-with-daemon|" "$CONF"
start_gateway
t0=$(now_ms)
out=$(agent "$T/bin/imsg" send --to mom --text "leaves a child")
elapsed=$(($(now_ms) - t0))
expect_eq "tool that leaves a child: sent" "sent" "$out"
check "answered without waiting for the deadline ($elapsed ms)" \
    test "$elapsed" -lt 5000
check "the left-behind child was killed" gone "$T/bin/cp-sleeper"
expect_eq "delivered once" $((before + 1)) "$(spool_count)"

# --- A tool that floods its output --------------------------------------
# 64 MiB on stdout then exit 0.  Capture stops at max_output (1 MiB);
# the rest is read and dropped, so the tool is not blocked and the
# handler's memory stays bounded.  1 MiB of 'x' lines holds no status
# object: a send is answered "unexpected output" (-32007); reads find no
# JSON line in it and answer an empty list.
stop_gateway
MAX_OUTPUT=1M default_config allowlist
start_gateway
# run_sampled REQFILE OUTFILE [RAW OPTIONS]: send the requests on one
# connection and print the peak RSS (VmHWM, kB) of the handler serving
# them.
run_sampled() {
	req=$1
	res=$2
	shift 2
	rm -f "$T/sampled.done"
	{
		raw "$@" <"$req" >"$res"
		touch "$T/sampled.done"
	} &
	peak=0
	while [ ! -e "$T/sampled.done" ]; do
		for p in $(pgrep -f "^$T/bin/carapace-handler"); do
			v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" \
			    2>/dev/null)
			if [ -n "$v" ] && [ "$v" -gt "$peak" ]; then
				peak=$v
			fi
		done
		sleep 0.01
	done
	wait
	echo "$peak"
}
{
	for i in 1 2 3 4 5 6; do
		printf '{"jsonrpc":"2.0","id":%d,"method":"chats.list","params":{"channel":"imsg"}}\n' "$i"
	done
	printf '%s\n' '{"jsonrpc":"2.0","id":"hi","method":"messages.history","params":{"channel":"imsg","chat_id":1}}'
	printf '%s\n' '{"jsonrpc":"2.0","id":"p","method":"gateway.ping"}'
} >"$T/calm.req"
{
	for i in 1 2 3 4 5 6; do
		send_req "$i" mom "flood $i"
	done
	printf '%s\n' '{"jsonrpc":"2.0","id":"hi","method":"messages.history","params":{"channel":"imsg","chat_id":1}}'
	printf '%s\n' '{"jsonrpc":"2.0","id":"ch","method":"chats.list","params":{"channel":"imsg"}}'
	printf '%s\n' '{"jsonrpc":"2.0","id":"p","method":"gateway.ping"}'
} >"$T/flood.req"
# The reads are quick: the connection stays open a second after them
# (no half-close) so that the handler is seen.
calm=$(run_sampled "$T/calm.req" "$T/calm.out" -n -w 1000)
touch "$T/sim/sim-flood"
before=$(spool_count)
peak=$(run_sampled "$T/flood.req" "$T/flood.out" -w 60000)
out=$(cat "$T/flood.out")
echo "# handler peak RSS: $calm kB for 8 reads, $peak kB under 6 x 64 MiB floods (max_output 1M)"
check "handler RSS was sampled" test "$calm" -gt 0 -a "$peak" -gt 0
# Unbounded capture would add 64 MiB.  Sanitizer builds keep freed
# memory in quarantine, so every buffer each flood grew and dropped (the
# capture, the JSON decoder's) stays counted: there six unbounded floods
# would add several hundred MiB.
if [ "${CP_SANITIZERS:-0}" = 1 ]; then growth=98304; else growth=8192; fi
check "the floods added under $growth kB to the handler's peak RSS" \
    test $((peak - calm)) -lt "$growth"
expect_eq "every flooded request answered (no crash)" 9 \
    "$(printf '%s\n' "$out" | grep -c '"jsonrpc"')"
expect_eq "flooded sends answered tool failed" 6 \
    "$(printf '%s\n' "$out" | grep -c '"code":-32007,"message":"imsg: unexpected tool output","data":{"exit_status":0,"stderr":"unexpected output"}')"
expect_match "flooded messages.history gives no messages" \
    '"id":"hi","result":\{"messages":\[\]\}' "$out"
expect_match "flooded chats.list gives no chats" \
    '"id":"ch","result":\{"chats":\[\]\}' "$out"
expect_match "ping after the floods answered" '"id":"p","result":\{"pong":true' \
    "$out"
check "no flooding tool left running" gone "$T/bin/sim-imsg"
expect_eq "a flooding tool sent nothing" "$before" "$(spool_count)"
expect_eq "flooded sends audited as failed" $((3 + 6)) \
    "$(outcome_count failed)"
rm -f "$T/sim/sim-flood"
out=$(agent "$T/bin/imsg" send --to mom --text "after the flood")
expect_eq "send works after the flood" "sent" "$out"

# --- The handler killed in the middle of a send -------------------------
stop_gateway
default_config allowlist
start_gateway
touch "$T/sim/sim-hang"
before=$(spool_count)
records=$(audit_count)
agent "$T/bin/imsg" send --to mom --text "killed mid-request" \
    >"$T/kill.out" 2>&1 &
shim=$!
i=0
while [ -z "$(procs "^$T/bin/sim-imsg")" ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
tool=$(procs "^$T/bin/sim-imsg")
handler=$(procs "^$T/bin/carapace-handler")
check "the tool is running for the request" test -n "$tool"
check "one handler serves it" test -n "$handler" -a "$handler" = "${handler%% *}"
[ -n "$handler" ] && kill -9 $handler
wait "$shim"
rc=$?
expect_eq "shim exits 1 when its handler dies" 1 "$rc"
expect_match "shim reports the gateway failure" \
    '^imsg: the gateway at .* closed the connection' "$(cat "$T/kill.out")"
# The tool runs in its own process group, so a signal to the handler's
# group does not reach it; its parent-death signal (SIGKILL, spawn.c)
# does: no tool outlives the handler, under an activator that kills
# nothing for us (systemd-socket-activate here, launchd).  Waited for on
# the kernel's word (pidfd), not for a time.
orphan=$(python3 "$top_srcdir/tests/e2e/wait_gone.py" $tool)
echo "# after kill -9 of the handler, tool processes left: $orphan"
expect_eq "no tool left in its process group after kill -9 of the handler" \
    none "$orphan"
[ "$orphan" != none ] && kill -9 $orphan
rm -f "$T/sim/sim-hang"
expect_eq "nothing sent for the killed request" "$before" "$(spool_count)"
# The "delivering" record is written before the tool runs, so a handler
# killed mid-send leaves exactly that record for its request (naming the
# recipient), and no outcome record: an attempt whose fate is unknown.
after=$(audit_count)
echo "# audit records for the killed request: $((after - records))"
expect_eq "one record for the killed request" $((records + 1)) "$after"
expect_match "it is the delivering record, naming the recipient" \
    '"method":"send","outcome":"delivering",.*"recipient":"\+14155550100"' \
    "$(ctl audit show | tail -1)"
expect_match "audit chain verifies after the kill" '^audit chain OK' \
    "$(ctl audit verify)"
out=$(agent "$T/bin/imsg" send --to mom --text "after the kill")
expect_eq "the next request works" "sent" "$out"
sleep 0.5
expect_eq "delivered exactly once, no replay of the killed one" \
    $((before + 1)) "$(spool_count)"
expect_eq "no message for the killed request ever reached the tool" 0 \
    "$(grep -l 'killed mid-request' "$T"/sim/spool/* 2>/dev/null | wc -l | tr -d ' ')"

# --- A watcher killed outright -------------------------------------------
# SIGKILL runs none of the watcher's clean-up; its tool (imsg watch, in
# its own process group) must still go with it.  The tool announces
# itself through a FIFO, so the test waits for the event, not a time.
mkfifo "$T/tool-started"
chown "$GW_USER" "$T/tool-started"
# Only the run that takes the token announces itself (unlink is atomic):
# no other run blocks on the FIFO.
cat >"$T/bin/announced-imsg" <<SH
#!/bin/sh
rm "$T/sim/announce" 2>/dev/null && echo \$\$ >"$T/tool-started"
exec "$T/bin/sim-imsg.real" "\$@"
SH
# The sim's watch notices a reader that went away (POLLHUP on its
# stdout) and exits by itself; a tool blocked elsewhere (the real imsg
# waiting on Messages' database) notices only when it next writes.  The
# watcher's tool here is such a tool: it announces itself and waits.
cat >"$T/bin/deaf-imsg" <<SH
#!/bin/sh
rm "$T/sim/announce" 2>/dev/null && echo \$\$ >"$T/tool-started"
exec "$T/bin/cp-sleeper" 302
SH
chmod 755 "$T/bin/announced-imsg" "$T/bin/deaf-imsg"
: >"$T/sim/inbound.jsonl"
chown "$GW_USER" "$T/sim/inbound.jsonl"
stop_gateway
default_config allowlist
sed -i "s|tool: $T/bin/sim-imsg\$|tool: $T/bin/announced-imsg|" "$CONF"
cp "$CONF" "$T/watch.yaml"
sed -i "s|tool: $T/bin/announced-imsg\$|tool: $T/bin/deaf-imsg|" "$T/watch.yaml"
chmod 644 "$T/watch.yaml"
start_gateway
for round in 1 2; do
	touch "$T/sim/announce"
	chown "$GW_USER" "$T/sim/announce"
	(exec setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
	    "$T/bin/carapace-watch" -c "$T/watch.yaml" imsg \
	    2>>"$T/watch.log") &
	watcher=$!
	tool=$(timeout 60 cat "$T/tool-started")
	check "watcher round $round: its tool started (pid $tool)" \
	    test -n "$tool"
	check "watcher round $round: the tool leads its own group" \
	    test "$(ps -o pgid= -p "${tool:-0}" | tr -d ' ')" = "$tool"
	kill -9 "$watcher"
	wait "$watcher" 2>/dev/null
	left=$(python3 "$top_srcdir/tests/e2e/wait_gone.py" $tool)
	expect_eq "watcher round $round: no tool left after kill -9 of the watcher" \
	    none "$left"
	[ "$left" != none ] && kill -9 $left
done
# And the handler, killed in the middle of a tool run that announces
# itself: the same, without looking for processes by name.
touch "$T/sim/sim-hang" "$T/sim/announce"
chown "$GW_USER" "$T/sim/announce"
agent "$T/bin/imsg" send --to mom --text "killed mid-tool" \
    >"$T/kill2.out" 2>&1 &
shim=$!
tool=$(timeout 60 cat "$T/tool-started")
handler=$(ps -o ppid= -p "${tool:-0}" | tr -d ' ')
check "the handler's tool started (pid $tool, handler $handler)" \
    test -n "$tool" -a -n "$handler"
check "the tool is still running when its handler is killed" \
    kill -0 "${tool:-0}"
kill -9 "$handler"
wait "$shim"
left=$(python3 "$top_srcdir/tests/e2e/wait_gone.py" $tool)
expect_eq "no tool left after kill -9 of its handler" none "$left"
[ "$left" != none ] && kill -9 $left
rm -f "$T/sim/sim-hang"

# --- Audit sink down ----------------------------------------------------
for sink in syslog journald; do
	stop_gateway
	AUDIT_SINK="$sink, socket: $T/run/no-$sink.sock" default_config allowlist
	start_gateway
	before=$(spool_count)
	out=$(agent "$T/bin/imsg" send --to mom --text "no $sink")
	rc=$?
	expect_eq "$sink sink down: send exits 1" 1 "$rc"
	expect_match "$sink sink down: shim says audit unavailable" \
	    '^audit unavailable: the request was refused$' "$out"
	out=$(printf '%s\n' "$ping_req" | raw)
	expect_match "$sink sink down: even a ping is refused (-32009)" \
	    '"code":-32009' "$out"
	expect_eq "$sink sink down: nothing sent" "$before" "$(spool_count)"
	expect_match "$sink sink down: the log says why" \
	    'audit: audit sink unreachable' "$(tail -20 "$T/handler.log")"
done
# The same refusal under load, to clients still writing: the handler
# refuses before it reads the request.  It half-closes and reads the
# request line before closing, so the client's write completes and the
# answer reaches it; before, a request larger than the socket buffer
# (and, on a loaded machine, any request reaching the socket after the
# close) failed with "Broken pipe" and the reason was lost.  The big
# writers are a plain client (strict_client.py: sendall, then read) that
# does not forgive a failed write, as the shims now do.
refuse_under_load() {
	what=$1
	expected=$2
	code=$3
	big=$(head -c 700000 /dev/zero | tr '\0' a)
	send_req 1 mom "$big" >"$T/big.req"
	i=0
	pids=
	while [ $i -lt 24 ]; do
		agent "$T/bin/imsg" send --to mom --text "load $i" \
		    >"$T/load.$i.out" 2>&1 &
		pids="$pids $!"
		if [ $((i % 3)) = 0 ]; then
			agent python3 "$T/bin/strict_client.py" "$SOCK" \
			    <"$T/big.req" >"$T/bigload.$i.out" 2>&1 &
			pids="$pids $!"
		fi
		i=$((i + 1))
	done
	rawfail=0
	for p in $pids; do wait "$p" || rawfail=$((rawfail + 1)); done
	expect_eq "$what under load: every shim printed the refusal" 24 \
	    "$(cat "$T"/load.*.out | grep -cx "$expected")"
	expect_eq "$what under load: no shim lost the connection" 0 \
	    "$(cat "$T"/load.*.out | grep -c 'lost the connection\|Broken pipe\|closed the connection')"
	expect_eq "$what under load: every 700 kB writer got the refusal" 8 \
	    "$(cat "$T"/bigload.*.out | grep -c "\"code\":$code")"
	expect_eq "$what under load: no writer saw a broken pipe" 0 \
	    "$(cat "$T"/bigload.*.out | grep -c 'strict_client:')"
	expect_eq "$what under load: shims exit 1, writers exit 0" 24 "$rawfail"
	rm -f "$T"/load.*.out "$T"/bigload.*.out "$T/big.req"
}
refuse_under_load "audit sink down" \
    'audit unavailable: the request was refused' -32009

# Something at the path that is not a listening socket.
stop_gateway
: >"$T/run/not-a-socket"
AUDIT_SINK="syslog, socket: $T/run/not-a-socket" default_config allowlist
start_gateway
out=$(send_req 9 mom "sink is a file" | raw)
expect_match "sink path not a socket: refused (-32009)" '"code":-32009' "$out"
expect_eq "sink path not a socket: nothing sent" "$before" "$(spool_count)"

# --- State directory with the wrong owner or mode -----------------------
stop_gateway
default_config allowlist
start_gateway
for how in 0777 0770 owner; do
	case $how in
	owner) chown root "$T/state" ;;
	*) chmod "$how" "$T/state" ;;
	esac
	lines=$(wc -l <"$T/handler.log")
	out=$(agent "$T/bin/imsg" send --to mom --text "state $how")
	rc=$?
	expect_eq "state dir $how: send exits 1" 1 "$rc"
	expect_match "state dir $how: shim says state unavailable" \
	    '^state store unavailable: the request was refused$' "$out"
	out=$(printf '%s\n' "$ping_req" | raw)
	expect_match "state dir $how: refused with -32010" \
	    '"code":-32010,"message":"gateway state unavailable' "$out"
	expect_match "state dir $how: the log names the directory and rule" \
	    "state $T/state: state_dir must be a directory owned by this user and not writable by group or others" \
	    "$(tail -n +$((lines + 1)) "$T/handler.log")"
	chown "$GW_USER" "$T/state"
	chmod 700 "$T/state"
	expect_eq "state dir $how: nothing sent" "$before" "$(spool_count)"
done
chmod 0777 "$T/state"
refuse_under_load "state dir 0777" \
    'state store unavailable: the request was refused' -32010
chmod 700 "$T/state"
out=$(agent "$T/bin/imsg" send --to mom --text "state fixed")
expect_eq "with the state dir fixed, sending works again" "sent" "$out"
before=$(spool_count)

# --- LMDB map full ------------------------------------------------------
# map_size may go down to 1 MiB.  A fresh store of that size is filled
# with held messages (a card number holds; 3.8 kB each) until holds are
# refused, then with pings (each an audit record) until the audit chain
# itself cannot grow.  Since LMDB reuses freed pages, small writes may
# still fit after a large one was refused: the invariant checked is that
# every refusal is clear and sends nothing, and every delivery has its
# record.
stop_gateway
mkdir "$T/state-small"
chown "$GW_USER:$GW_USER" "$T/state-small"
chmod 700 "$T/state-small"
MAP_SIZE=1M LIMIT_MAX=10000 default_config allowlist
sed -i "s|^state_dir: .*|state_dir: $T/state-small|" "$CONF"
start_gateway
pad=$(head -c 3800 /dev/zero | tr '\0' a)
i=0
while [ $i -lt 300 ]; do
	send_req "$i" mom "card 4111 1111 1111 1111 $pad"
	i=$((i + 1))
done >"$T/fill.req"
raw -w 60000 <"$T/fill.req" >"$T/fill.out"
held=$(grep -c '"code":-32005' "$T/fill.out")
full=$(grep -c '"code":-32010' "$T/fill.out")
noaudit=$(grep -c '"code":-32009' "$T/fill.out")
echo "# 300 holds into a 1 MiB map: $held held, $full refused state full, $noaudit refused audit unavailable"
expect_eq "every fill request answered (no crash)" 300 \
    "$(grep -c '"jsonrpc"' "$T/fill.out")"
check "some holds stored before the map filled" test "$held" -gt 50
check "the map filled up" test "$full" -gt 0
expect_match "full store refused with a clear reason" \
    '"code":-32010,"message":"[^"]*state store is full \(raise map_size\)"' \
    "$(cat "$T/fill.out")"
check "refusals for a full store were audited" \
    test "$(ctl audit show | grep -c '"code":-32010')" -gt 0
# Now the audit chain itself: pings until they are refused.
n=0
last=
while [ $n -lt 20 ]; do
	i=0
	while [ $i -lt 200 ]; do
		printf '{"jsonrpc":"2.0","id":%d,"method":"gateway.ping"}\n' $i
		i=$((i + 1))
	done | raw -w 60000 >"$T/pings.out"
	answered=$(grep -c '"jsonrpc"' "$T/pings.out")
	[ "$answered" = 200 ] || break
	last=$(tail -1 "$T/pings.out")
	case $last in *'"code":-32009'*) break ;; esac
	n=$((n + 1))
done
expect_eq "every ping answered while filling the chain" 200 "$answered"
expect_match "a full audit chain refuses with -32009" \
    '"code":-32009,"message":"audit unavailable: request refused"' "$last"
expect_match "the log says the store is full" \
    'audit chain: state store is full \(raise map_size\)' \
    "$(tail -5 "$T/handler.log")"
out=$(agent "$T/bin/imsg" send --to "+14155559999" --text "denied when full")
rc=$?
expect_eq "a refusal that cannot be audited still exits 1" 1 "$rc"
expect_match "and says audit unavailable" 'audit unavailable' "$out"
expect_eq "nothing sent while full" "$before" "$(spool_count)"
# With a rate limit the send's own write may fit in pages the previous
# commit freed: then it is delivered and audited; otherwise refused.
i=0
while [ $i -lt 5 ]; do
	agent "$T/bin/imsg" send --to mom --text "limited send when full $i" \
	    >>"$T/full-sends.out"
	i=$((i + 1))
done
echo "# sends with a rate limit on a full store: $(grep -cx sent "$T/full-sends.out") sent, $(grep -c 'unavailable' "$T/full-sends.out") refused"
expect_eq "full store: each limited send answered sent or refused" 5 \
    "$(grep -Ecx 'sent|(audit|state store) unavailable: the request was refused' "$T/full-sends.out")"
expect_eq "full store: every delivery has its audit record" \
    "$(($(spool_count) - before))" "$(sent_records)"
expect_eq "full store: shim's 'sent' matches deliveries" \
    "$(($(spool_count) - before))" "$(grep -cx sent "$T/full-sends.out")"
expect_match "carapacectl audit verify works on the full store" \
    '^audit chain OK' "$(ctl audit verify)"
# A hold whose record did not fit must not stay behind for the owner to
# approve: the queue holds exactly the requests answered "held".
expect_eq "carapacectl holds list: exactly the holds answered held" \
    "$held" "$(ctl holds list | grep -c '^h[0-9]')"

# Without a rate limit nothing is written before the tool runs: the
# handler checks the store has room for the record before it sends.
stop_gateway
MAP_SIZE=1M default_config allowlist
sed -i "s|^state_dir: .*|state_dir: $T/state-small|; /^    limits:/d; /per: recipient/d" "$CONF"
start_gateway
i=0
while [ $i -lt 200 ]; do
	printf '{"jsonrpc":"2.0","id":%d,"method":"gateway.ping"}\n' $i
	i=$((i + 1))
done | raw -w 60000 >"$T/pings.out"
expect_match "chain still full" '"code":-32009' "$(tail -1 "$T/pings.out")"
spooled=$(spool_count)
out=$(agent "$T/bin/imsg" send --to mom --text "unlimited send when full")
rc=$?
expect_eq "no-limit send on a full store exits 1" 1 "$rc"
expect_match "no-limit send on a full store: audit unavailable" \
    '^audit unavailable: the request was refused$' "$out"
# Invariant 4: refused, i.e. not sent, when its record cannot be written.
expect_eq "no-limit send refused for want of audit was not delivered" \
    "$spooled" "$(spool_count)"
expect_eq "full store, no limit: every delivery has its audit record" \
    "$(($(spool_count) - before))" "$(sent_records)"
expect_match "audit chain still verifies" '^audit chain OK' \
    "$(ctl audit verify)"

finish
