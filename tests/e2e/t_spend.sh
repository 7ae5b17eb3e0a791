#!/bin/sh
# What a request spends, now that a send charges the client's request
# window, the channel's rate window and writes its delivering record in
# one commit: every request still spends one of the client's requests,
# refused or not; a send refused by a channel limit writes no delivering
# record; a send refused by the request window charges nothing; and
# across concurrent handlers no more are delivered than either window
# allows.
. "$(dirname "$0")/lib.sh"

setup
# Windows of an hour: nothing leaves them while the test runs.
LIMIT_MAX=1 CLIENT_REQUESTS=4 default_config allowlist
sed -i 's|limits: { requests: 4, window: 1s }|limits: { requests: 4, window: 1h }|' "$CONF"
grep -q 'requests: 4, window: 1h' "$CONF" || not_ok "config has the hour window"
start_gateway

delivering() { ctl audit show | grep -c '"outcome":"delivering"'; }

out=$(agent "$T/bin/imsg" send --to mom --text "one")
expect_eq "request 1: sent" sent "$out"
# Refused by the recipient's window (max 1): still one request spent.
out=$(agent "$T/bin/imsg" send --to mom --text "two" 2>&1)
expect_match "request 2: rate limited" 'rate limited' "$out"
expect_eq "request 2: by the recipient's window" 1 \
    "$(ctl audit show | grep '"outcome":"limited"' | grep -c '"rule":"limits\[0\]"')"
# Refused by policy before any window: one request spent.
out=$(agent "$T/bin/imsg" send --to "+14155550129" --text "three" 2>&1)
expect_match "request 3: refused by policy" 'denied|not allowed|refused' "$out"
expect_eq "one delivering record for three sends" 1 "$(delivering)"
# The fourth fits, and goes to another recipient.
out=$(agent "$T/bin/imsg" send --to "+14155550121" --text "four")
expect_eq "request 4: sent" sent "$out"
# The fifth finds the request window full, whatever it asks.
out=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"gateway.ping"}' | raw)
expect_match "request 5 (a ping): limited by the request window" \
    '"code":-32003.*clients.limits.requests' "$out"
out=$(agent "$T/bin/imsg" send --to "+14155550122" --text "six" 2>&1)
expect_match "request 6 (a send): rate limited" 'rate limited' "$out"
expect_eq "two delivering records" 2 "$(delivering)"
expect_eq "two messages reached the tool" 2 "$(spool_count)"
expect_eq "two audited as limited by the request window" 2 \
    "$(ctl audit show | grep -v delivering | grep -c 'clients.limits.requests')"
expect_match "audit chain verifies" '^audit chain OK' "$(ctl audit verify)"
stop_gateway

# Concurrent: 24 agents send to 24 recipients at once with 10 requests
# left; each peeks at the window before any charges it, so the commit
# must check again: exactly 10 are delivered.
LIMIT_MAX=5 CLIENT_REQUESTS=10 default_config allowlist
sed -i 's|limits: { requests: 10, window: 1s }|limits: { requests: 10, window: 1h }|' "$CONF"
start_gateway
before=$(delivering)
limited=$(ctl audit show | grep -c 'clients.limits.requests')
i=0
pids=
while [ $i -lt 24 ]; do
	agent "$T/bin/imsg" send --to "+1415555012$((i % 9))" \
	    --text "burst $i" >"$T/burst.$i" 2>&1 &
	pids="$pids $!"
	i=$((i + 1))
done
for p in $pids; do
	wait "$p"
done
expect_eq "10 of 24 told sent" 10 "$(cat "$T"/burst.* | grep -cx sent)"
expect_eq "14 told rate limited" 14 \
    "$(cat "$T"/burst.* | grep -c 'rate limited')"
expect_eq "14 audited as limited by the request window" $((limited + 14)) \
    "$(ctl audit show | grep -c 'clients.limits.requests')"
expect_eq "10 delivering records" $((before + 10)) "$(delivering)"
expect_match "audit chain verifies" '^audit chain OK' "$(ctl audit verify)"
stop_gateway

# A ping is answered by the handler alone: its window is charged in its
# record's commit, after it ran.  A burst of 16 pings against 6 requests
# left: each peeks before any charges, so the record's commit must check
# again and withhold the answer: exactly 6 pongs, 16 records.
LIMIT_MAX=5 CLIENT_REQUESTS=6 default_config allowlist
sed -i 's|limits: { requests: 6, window: 1s }|limits: { requests: 6, window: 1h }|' "$CONF"
start_gateway
pings=$(ctl audit show | grep -c '"method":"gateway.ping"')
limited=$(ctl audit show | grep -c 'clients.limits.requests')
i=0
pids=
while [ $i -lt 16 ]; do
	printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"gateway.ping"}' |
	    raw >"$T/ping.$i" 2>&1 &
	pids="$pids $!"
	i=$((i + 1))
done
for p in $pids; do
	wait "$p"
done
expect_eq "6 of 16 pings answered" 6 "$(cat "$T"/ping.* | grep -c '"pong":true')"
expect_eq "10 pings limited by the request window" 10 \
    "$(cat "$T"/ping.* | grep -c '"code":-32003.*clients.limits.requests')"
expect_eq "16 ping records" $((pings + 16)) \
    "$(ctl audit show | grep -c '"method":"gateway.ping"')"
expect_eq "10 audited as limited" $((limited + 10)) \
    "$(ctl audit show | grep -c 'clients.limits.requests')"
expect_match "audit chain verifies" '^audit chain OK' "$(ctl audit verify)"

finish
