#!/bin/sh
# A compromised agent skips the shim and writes anything to the socket.
# Each attempt gets a clear error, nothing reaches the tool, and each is
# audited exactly once.
. "$(dirname "$0")/lib.sh"

setup
LIMIT_MAX=100 default_config allowlist
start_gateway

REQ='{"jsonrpc":"2.0","id":7,"method":"send","params":{"channel":"imsg",'

# hostile DESCRIPTION EXPECTED_REGEX: the bytes in $T/in, one request.
hostile() {
	desc=$1
	want=$2
	before=$(audit_count)
	out=$(raw <"$T/in")
	expect_match "$desc: answered" "$want" "$out"
	expect_eq "$desc: audited once" $((before + 1)) "$(audit_count)"
	expect_eq "$desc: nothing sent" 0 "$(spool_count)"
}

head -c 1048600 /dev/zero | tr '\0' 'a' >"$T/in"
hostile "over-long line" '"code":-32700,"message":"line too long"'
printf '%s\n' '{"jsonrpc":"2.0","id":1,' >"$T/in"
hostile "truncated JSON" '"code":-32700'
printf '{"jsonrpc":"2.0","id":1,"method":"send","params":{"channel":"imsg","to":"mom","text":"\377\376"}}\n' >"$T/in"
hostile "invalid UTF-8" '"code":-32700'
printf '{"jsonrpc":"2.0","id":1,"method":"gateway.ping"\000}\n' >"$T/in"
hostile "raw NUL byte" '"code":-32700'
printf '%s\n' "$REQ"'"to":"mom","text":"a\u0000b"}}' >"$T/in"
hostile "escaped NUL" '"code":-32700'
printf '%s\n' "$REQ"'"to":"+14155559999","to":"mom","text":"x"}}' >"$T/in"
hostile "duplicate key" '"code":-32700.*duplicate'
head -c 100000 /dev/zero | tr '\0' '[' | { cat; echo; } >"$T/in"
hostile "deep nesting" '"code":-32700'
printf '%s\n' "$REQ"'"to":"mom","text":"x","bcc":"+14155559999"}}' >"$T/in"
hostile "unknown param" '"code":-32602,"message":"unknown param: bcc"'
printf '%s\n' "$REQ"'"to":"-x","text":"x"}}' >"$T/in"
hostile "recipient starting with -" '"code":-32602.*param to: must not start with'
printf '%s\n' "$REQ"'"to":"mom","text":"--help"}}' >"$T/in"
hostile "text starting with -" '"code":-32602.*param text'
printf '%s\n' "$REQ"'"to":"mom","text":"x","file":"/etc/shadow"}}' >"$T/in"
hostile "attachment path instead of fd" '"code":-32602.*descriptors, not paths'
printf '%s\n' "$REQ"'"to":"mom","attachment":{"name":"x.jpg"}}}' >"$T/in"
hostile "attachment without a descriptor" '"code":-32602.*no descriptor'
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"system.exec","params":{"cmd":"id"}}' >"$T/in"
hostile "unknown method" '"code":-32601'
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"send","params":["imsg","mom","x"]}' >"$T/in"
hostile "positional params" '"code":-32602'
printf '%s\n' '{"jsonrpc":"1.0","id":1,"method":"gateway.ping"}' >"$T/in"
hostile "wrong jsonrpc version" '"code":-32600'
printf '%s\n' "$REQ"'"to":"mom","text":"x","channel":"imsg"}}' >"$T/in"
hostile "duplicate channel key" '"code":-32700'
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"send","params":{"channel":"signal","to":"mom","text":"x"}}' >"$T/in"
hostile "channel the client may not use" '"code":-32012'

# Content rules see through zero-width characters, case and full width.
printf '%s\n' "$REQ"'"to":"mom","text":"my pass\u200bword: hunter2"}}' >"$T/in"
hostile "zero-width evasion" '"code":-32004.*passwords'
printf '%s\n' "$REQ"'"to":"mom","text":"PassWord = hunter2"}}' >"$T/in"
hostile "case evasion" '"code":-32004'
printf '%s\n' "$REQ"'"to":"mom","text":"\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44: x"}}' >"$T/in"
hostile "full-width evasion" '"code":-32004'
printf '%s\n' "$REQ"'"to":"mom","text":"key AKIA\u200dIOSFODNN7EXAMPLE"}}' >"$T/in"
hostile "AWS key split by a joiner" '"code":-32004.*keys'
printf '%s\n' "$REQ"'"to":"+1 415 555 0100 ext 2","text":"x"}}' >"$T/in"
hostile "unnormalisable number" '"code":-32002'
printf '%s\n' "$REQ"'"to":"+1415555\u200b0100","text":"x"}}' >"$T/in"
hostile "invisible character in a number" '"code":-32002'

# Invariant 7: no method changes policy, approves a hold or reads the
# audit chain, whatever the agent calls it.
for m in holds.approve holds.list audit.show audit.verify config.reload \
    policy.set gateway.exec; do
	printf '{"jsonrpc":"2.0","id":1,"method":"%s","params":{"id":"h0000000001"}}\n' "$m" >"$T/in"
	hostile "owner method $m not reachable" '"code":-32601'
done

# A batch: answers for the requests with ids, none for the notification.
before=$(audit_count)
out=$(printf '%s\n' '[{"jsonrpc":"2.0","id":1,"method":"gateway.ping"},{"jsonrpc":"2.0","method":"gateway.ping"},{"jsonrpc":"2.0","id":3,"method":"nope"},5]' | raw)
expect_match "batch answered as an array" '^\[.*"id":1.*"id":3.*"code":-32600.*\]$' "$out"
expect_eq "batch: four records" $((before + 4)) "$(audit_count)"
out=$(printf '%s\n' '[]' | raw)
expect_match "empty batch is one invalid request" '^\{.*"code":-32600' "$out"
out=$(printf '%s\n' '{"jsonrpc":"2.0","method":"gateway.ping"}' | raw)
expect_eq "a notification gets no answer" "" "$out"

# Every formatting of one phone number reaches the same E.164 recipient.
n=0
for v in "+1 (415) 555-0100" "415.555.0100" "tel:+14155550100" \
    "0014155550100" "(415) 555-0100" "1-415-555-0100" "+1-415-555-0100" \
    " +14155550100 " "tel:+1-415-555-0100" "415 555 0100"; do
	out=$(agent "$T/bin/imsg" send --to "$v" --text "variant")
	n=$((n + 1))
	expect_eq "number variant '$v' delivered" "sent" "$out"
done
expect_eq "every variant sent once" "$n" "$(spool_count)"
expect_eq "all went to +14155550100" "$n" \
    "$(cat "$T"/sim/spool/* | grep -c '"to":"+14155550100"')"

expect_match "audit chain still verifies" "^audit chain OK" "$(ctl audit verify)"

finish
