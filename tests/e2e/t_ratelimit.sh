#!/bin/sh
# 64 agents send to one recipient at once under "max 5 per minute":
# exactly 5 are delivered, every one of the 64 is audited, and the
# others are told when to retry.
. "$(dirname "$0")/lib.sh"

setup
LIMIT_MAX=5 TOOL_TIMEOUT=60s default_config allowlist
start_gateway

before=$(audit_count)
i=0
pids=
while [ $i -lt 64 ]; do
	agent "$T/bin/imsg" send --to mom --text "burst $i" \
	    >"$T/out.$i" 2>&1 &
	pids="$pids $!"
	i=$((i + 1))
done
for p in $pids; do
	wait "$p"
done
sent=$(cat "$T"/out.* | grep -cx sent)
limited=$(cat "$T"/out.* | grep -c 'rate limited')
expect_eq "exactly 5 senders told sent" 5 "$sent"
expect_eq "59 senders told rate limited" 59 "$limited"
expect_eq "exactly 5 reached the tool" 5 "$(spool_count)"
expect_eq "64 audit records, plus a delivering record for each of the 5 sent" \
    $((before + 64 + 5)) "$(audit_count)"
expect_eq "5 delivering records" 5 \
    "$(ctl audit show | grep -c '"outcome":"delivering"')"
expect_eq "64 records of requests" $((before + 64)) \
    "$(ctl audit show | grep -vc '"outcome":"delivering"')"
expect_eq "5 audited as sent" 5 "$(ctl audit show | grep -c '"outcome":"sent"')"
expect_eq "59 audited as limited" 59 \
    "$(ctl audit show | grep -c '"outcome":"limited"')"
expect_match "limited answer carries retry time" 'retry in [0-9]+s' \
    "$(cat "$T"/out.* | grep 'rate limited' | head -1)"
out=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"send","params":{"channel":"imsg","to":"mom","text":"again"}}' | raw)
expect_match "raw client sees -32003 with retry_after" \
    '"code":-32003.*"retry_after":[1-9][0-9]*' "$out"
# Another recipient has its own window.
out=$(agent "$T/bin/imsg" send --to "+14155550121" --text "other")
expect_eq "other recipient not limited" "sent" "$out"
expect_match "audit chain verifies" '^audit chain OK' "$(ctl audit verify)"

finish
