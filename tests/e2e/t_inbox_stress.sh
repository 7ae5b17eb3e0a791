#!/bin/sh
# 10 000 inbound messages while the watcher is killed (SIGKILL) and
# restarted several times and subscribers come and go: every allowed
# message reaches every subscriber exactly once, from its cursor; no
# hidden message ever does.
. "$(dirname "$0")/lib.sh"

TOTAL=${STRESS_TOTAL:-10000}
# Rowids 2..TOTAL+1; the first watcher starts after rowid 1 (-s 1).
LAST=$((TOTAL + 1))
CHUNK=1000

setup
default_config allowlist
start_gateway
: >"$T/sim/inbound.jsonl"
chown "$GW_USER" "$T/sim/inbound.jsonl"

# Chats 1 (mom) and 3 (named group) are allowed; 2 and 4 are hidden.
gen() {
	awk -v from="$1" -v to="$2" 'BEGIN {
		for (i = from; i <= to; i++) {
			c = i % 4 + 1
			if (c == 1) { s = "+14155550100"; g = "false"; id = s }
			if (c == 2) { s = "alex.rivera@example.com"; g = "false"; id = s }
			if (c == 3) { s = "+14155550142"; g = "true"; id = "chat493827161045763123" }
			if (c == 4) { s = "+14155559999"; g = "false"; id = s }
			printf "{\"id\":%d,\"chat_id\":%d,\"guid\":\"G-%d\",\"sender\":\"%s\",\"is_from_me\":false,\"text\":\"m%d\",\"created_at\":\"2026-05-16T15:24:36.123Z\",\"attachments\":[],\"reactions\":[],\"chat_identifier\":\"%s\",\"chat_guid\":\"x\",\"chat_name\":\"\",\"participants\":[\"%s\"],\"is_group\":%s}\n", i, c, i, s, i, id, s, g
		}
	}'
}
gen 2 "$LAST" | awk -F'"chat_id":' '{ split($2, a, ","); if (a[1] == 1 || a[1] == 3) { split($0, b, /[:,]/); print b[2] } }' >"$T/expected"
allowed=$(wc -l <"$T/expected" | tr -d ' ')
last_allowed=$(tail -1 "$T/expected")

# $! must be the watcher itself, so that kill -9 reaches it.
start_watcher() {
	# -s 1: the first run starts after rowid 1, not "from now".
	(exec setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
	    "$T/bin/carapace-watch" -c "$CONF" -s 1 imsg \
	    2>>"$T/watch.log") &
	WATCH_PID=$!
	# It starts from "now": let it come up before the next chunk.
	w=0
	while [ "$(grep -c 'started .* from position' "$T/watch.log" \
	    2>/dev/null)" -lt "$((kills + 1))" ] && [ $w -lt 100 ]; do
		sleep 0.05
		w=$((w + 1))
	done
}

ids() { grep -o '^{"id":[0-9]*' "$1" | cut -d: -f2; }

# Subscriber A stays for the whole run.
agent "$T/bin/imsg" watch --json --since-rowid 0 >"$T/a.out" 2>"$T/a.err" &
A_PID=$!

# Subscriber B comes and goes, resuming from the last rowid it printed.
(
	last=0
	end=$(($(date +%s) + 240))
	: >"$T/b.out"
	while [ "$last" != "$last_allowed" ] && [ "$(date +%s)" -lt "$end" ]; do
		setpriv --reuid="$AGENT_USER" --regid="$AGENT_USER" \
		    --init-groups env -i CARAPACE_SOCKET="$SOCK" \
		    timeout 0.7 "$T/bin/imsg" watch --json \
		    --since-rowid "$last" >"$T/b.part" 2>/dev/null
		# Keep only complete lines: a kill may cut the last one.
		grep '}$' "$T/b.part" >>"$T/b.out"
		n=$(ids "$T/b.out" | tail -1)
		[ -n "$n" ] && last=$n
	done
) &
B_PID=$!

kills=0
start_watcher
i=2
while [ $i -le "$LAST" ]; do
	j=$((i + CHUNK - 1))
	[ $j -gt "$LAST" ] && j=$LAST
	gen "$i" "$j" >>"$T/sim/inbound.jsonl"
	i=$((j + 1))
	sleep 0.3
	# Kill the watcher mid-stream every other chunk.
	if [ $(((i / CHUNK) % 2)) = 0 ]; then
		kill -9 "$WATCH_PID"
		wait "$WATCH_PID" 2>/dev/null
		kills=$((kills + 1))
		start_watcher
	fi
done
echo "# watcher killed $kills times"

wait_for() {
	n=0
	while [ "$(ids "$1" | tail -1)" != "$last_allowed" ] && [ $n -lt 1200 ]; do
		sleep 0.2
		n=$((n + 1))
	done
}
wait_for "$T/a.out"
wait "$B_PID"
kill "$A_PID" "$WATCH_PID" 2>/dev/null
wait "$A_PID" "$WATCH_PID" 2>/dev/null

check "watcher was killed at least 4 times" test "$kills" -ge 4
for sub in a b; do
	ids "$T/$sub.out" >"$T/$sub.ids"
	expect_eq "subscriber $sub: $allowed messages" "$allowed" \
	    "$(wc -l <"$T/$sub.ids" | tr -d ' ')"
	expect_eq "subscriber $sub: none twice" 0 \
	    "$(sort -n "$T/$sub.ids" | uniq -d | wc -l | tr -d ' ')"
	check "subscriber $sub: exactly the allowed ones, in order" \
	    cmp -s "$T/expected" "$T/$sub.ids"
	expect_eq "subscriber $sub: no hidden message" 0 \
	    "$(grep -c '"chat_id":[24],' "$T/$sub.out")"
done
# The record is written before the position moves, so a SIGKILL in
# between can record one hidden message twice, never not at all.
hidden=$(ctl audit show | grep '"method":"inbox.hide"' | wc -l | tr -d ' ')
check "every hidden message audited ($hidden records for $((TOTAL - allowed)), $kills kills)" \
    test "$hidden" -ge $((TOTAL - allowed)) -a "$hidden" -le $((TOTAL - allowed + kills))
out=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"inbox.read","params":{"channel":"imsg","since":0,"limit":1000}}' | raw)
expect_match "inbox.read from the start" '"messages":\[\{"channel":"imsg","cursor":2,' "$out"

finish
