#!/bin/sh
# Load, end to end: 32 clients at once for a sustained period, each
# looping over allowed sends and refused sends through the shim and
# pings through a raw client.  Afterwards everything is reconciled: the
# "sent" answers, the messages that reached the tool and the audit
# records of sends must agree, every request must have exactly one
# audit record, the chain must verify, and no handler may be left.
. "$(dirname "$0")/lib.sh"

CLIENTS=${LOAD_CLIENTS:-32}
SECONDS_RUN=${LOAD_SECONDS:-20}

setup
# Limits well above what the run can reach (sends per recipient, and
# the client's requests per second): refusals here come from policy
# only.
CLIENT_REQUESTS=10000 LIMIT_MAX=10000 TOOL_TIMEOUT=30s \
    default_config allowlist
start_gateway
base=$(audit_count)

# client N END: loop until END (seconds since the epoch), one line of
# output per request: "send RC:ANSWER", "deny RC:ANSWER" or "ping:ANSWER".
client() {
	n=$1
	end=$2
	# Clients start at different steps: every kind of request is in
	# flight from the first second, however slow the machine.
	k=$((n % 4))
	# 0120..0128 match the allowed prefix "+1415555012*" (0129 is denied).
	rcpt="+1415555012$((n % 9))"
	while [ "$(date +%s)" -lt "$end" ]; do
		case $((k % 4)) in
		0|1)
			out=$(agent "$T/bin/imsg" send --to "$rcpt" \
			    --text "load $n.$k" 2>&1)
			echo "send $?:$out"
			;;
		2)
			out=$(agent "$T/bin/imsg" send --to "+14155559999" \
			    --text "refused $n.$k" 2>&1)
			echo "deny $?:$out"
			;;
		3)
			out=$(printf '{"jsonrpc":"2.0","id":%d,"method":"gateway.ping"}\n' \
			    "$k" | raw -w 60000 2>&1)
			echo "ping:$out"
			;;
		esac
		k=$((k + 1))
	done >"$T/load.$n"
}

start=$(date +%s)
end=$((start + SECONDS_RUN))
i=0
pids=
while [ $i -lt "$CLIENTS" ]; do
	client "$i" "$end" &
	pids="$pids $!"
	i=$((i + 1))
done
# While they run: how many handlers serve at once.
most=0
while [ "$(date +%s)" -lt "$end" ]; do
	c=$(pgrep -fc "^$T/bin/carapace-handler")
	[ "$c" -gt "$most" ] && most=$c
	sleep 0.1
done
for p in $pids; do
	wait "$p"
done
took=$(($(date +%s) - start))

cat "$T"/load.* >"$T/requests.all"
requests=$(grep -c . "$T/requests.all")
sends=$(grep -c '^send ' "$T/requests.all")
sent=$(grep -cx 'send 0:sent' "$T/requests.all")
denies=$(grep -c '^deny ' "$T/requests.all")
denied=$(grep -cx 'deny 1:recipient not allowed: +14155559999' "$T/requests.all")
pings=$(grep -c '^ping:' "$T/requests.all")
pongs=$(grep -c '^ping:{"jsonrpc":"2.0","id":[0-9]*,"result":{"pong":true' \
    "$T/requests.all")
spooled=$(spool_count)
ctl audit show >"$T/audit.all"
records=$(($(grep -c . "$T/audit.all") - base))
rec_sent=$(grep '"method":"send"' "$T/audit.all" | grep -c '"outcome":"sent"')
rec_denied=$(grep '"method":"send"' "$T/audit.all" |
    grep '"decision":"deny"' | grep -c '"recipient":"+14155559999"')
rec_pings=$(grep -c '"method":"gateway.ping"' "$T/audit.all")
rec_delivering=$(grep '"method":"send"' "$T/audit.all" |
    grep -c '"outcome":"delivering"')

echo "# $CLIENTS clients for ${took}s: $requests requests ($((requests / (took > 0 ? took : 1)))/s), up to $most handlers at once"
echo "# sends: $sends made, $sent answered sent, $spooled reached the tool, $rec_sent audited sent"
echo "# refused sends: $denies made, $denied answered not allowed, $rec_denied audited deny"
echo "# pings: $pings made, $pongs answered, $rec_pings audited"
echo "# audit records: $records for $requests requests and $rec_delivering deliveries"
grep -v -x -e 'send 0:sent' -e 'deny 1:recipient not allowed: +14155559999' \
    "$T/requests.all" | grep -v '^ping:.*"pong":true' | head -5 | sed 's/^/# unexpected: /'

check "the run lasted the period" test "$took" -ge "$SECONDS_RUN"
check "it finished within $((SECONDS_RUN + 20))s" \
    test "$took" -le $((SECONDS_RUN + 20))
# The rate depends on the machine and on what else it runs (sanitizer
# builds start every process several times slower); the rates are for
# bench/.  Here every client must have been served, none starved.
fewest=$(for f in "$T"/load.*; do grep -c . "$f"; done | sort -n | head -1)
least=1
check "a sustained load: every client made at least $least requests (fewest $fewest)" \
    test "$fewest" -ge "$least"
check "handlers served concurrently (up to $most at once)" test "$most" -gt 1
expect_eq "every allowed send answered sent" "$sends" "$sent"
expect_eq "every refused send answered not allowed" "$denies" "$denied"
expect_eq "every ping answered" "$pings" "$pongs"
expect_eq "sent answers == messages that reached the tool" "$sent" "$spooled"
expect_eq "sent answers == audit records of sends sent" "$sent" "$rec_sent"
expect_eq "refusals == audit records of refusals" "$denied" "$rec_denied"
expect_eq "pings == audit records of pings" "$pings" "$rec_pings"
expect_eq "a delivering record before every send sent" "$sent" \
    "$rec_delivering"
expect_eq "one audit record per request, plus one per delivery" \
    $((requests + rec_delivering)) "$records"
expect_eq "no message delivered twice" 0 \
    "$(cat "$T"/sim/spool/* | grep -o '"text":"load [0-9]*\.[0-9]*"' |
    sort | uniq -d | wc -l | tr -d ' ')"
expect_eq "no refused message reached the tool" 0 \
    "$(grep -l 'refused ' "$T"/sim/spool/* 2>/dev/null | wc -l | tr -d ' ')"
expect_match "audit chain verifies" \
    "^audit chain OK: $((base + requests + rec_delivering)) records" \
    "$(ctl audit verify)"

# After the clients: no handler or tool process left behind.
i=0
while [ -n "$(pgrep -f "^$T/bin/carapace-handler")" ] && [ $i -lt 40 ]; do
	sleep 0.05
	i=$((i + 1))
done
expect_eq "no handler left running" "" \
    "$(pgrep -f "^$T/bin/carapace-handler" | tr '\n' ' ')"
expect_eq "no tool left running" "" \
    "$(pgrep -f "^$T/bin/sim-imsg" | tr '\n' ' ')"

finish
