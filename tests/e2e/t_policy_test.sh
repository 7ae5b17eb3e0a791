#!/bin/sh
# carapacectl policy test: it must say what the gateway would do, and
# which rule decides, without sending or recording anything.  Each case
# is also sent for real through the shim and the gateway's answer
# compared with the prediction, so the explanation cannot drift from
# the policy it explains.
. "$(dirname "$0")/lib.sh"

setup
default_config
start_gateway

# predict EXPECTED_STATUS DESCRIPTION ARGS...: exit status of policy test.
predict() {
	want=$1
	desc=$2
	shift 2
	ctl policy test --client agent --channel imsg "$@" >"$T/out" 2>&1
	got=$?
	if [ "$got" = "$want" ]; then ok "$desc"; else
		not_ok "$desc (exit $got, expected $want)"
		sed 's/^/# /' "$T/out"
	fi
}

# real EXPECTED DESCRIPTION SHIM-ARGS...: what the gateway really does:
# "sent", "held" or "refused".
real() {
	want=$1
	desc=$2
	shift 2
	agent "$T/bin/imsg" send "$@" >"$T/real" 2>&1
	st=$?
	if [ $st = 0 ]; then got=sent
	elif grep -q "held" "$T/real"; then got=held
	else got=refused; fi
	expect_eq "$desc" "$want" "$got"
}

grep_out() {
	if grep -Eq -- "$2" "$T/out"; then ok "$1"; else
		not_ok "$1"
		sed 's/^/# /' "$T/out"
	fi
}

spool0=$(spool_count)
audit0=$(audit_count)

predict 0 "an allowed contact: send" --to mom --text "Dinner at 7?"
grep_out "the recipient line names the rule" '^recipient mom \(\+14155550100\): allow by '
grep_out "the decision line" '^decision: send'
predict 0 "another spelling of the same number: send" \
    --to "(415) 555-0100"
predict 1 "a number outside the allowlist: refuse" --to "+1 415 555 9999"
grep_out "refused: the decision line names the rule" '^decision: refuse \(rule '
predict 1 "a denied number inside an allowed prefix: refuse" \
    --to "+1 (415) 555-0129"
grep_out "the deny entry decides" 'recipient .*: deny by \+14155550129'
predict 1 "a blocked text: refuse" --to mom --text "password: hunter2"
grep_out "the content rule decides" '^decision: refuse \(rule passwords'
predict 3 "a card number: hold" --to mom --text "card 4111 1111 1111 1111"
grep_out "held by the content rule" '^decision: hold for the owner \(rule cards'
predict 0 "an allowed group chat, looked up with the tool: send" \
    --to chat:3
grep_out "the chat reaches its participants" '^recipient chat:3.*reaches .*alex.rivera@example.com'
predict 1 "a one-to-one chat with a stranger: refuse" --to chat:4
predict 1 "one refused recipient refuses the whole message" \
    --to mom --to "+14155559999"
predict 1 "an unknown client: refuse" --to mom --client nobody
predict 1 "a channel the client may not use: refuse" --to mom \
    --channel signal
predict 1 "an address that cannot be normalised: refuse" --to "not a number"

ctl policy test --client agent --channel imsg --to mom --to chat:4 \
    --json >"$T/out" 2>&1
expect_eq "--json: exit status as without it" 1 $?
check "--json: the decision, the rule and each recipient's" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["decision"] == "refuse", d
assert [r["decision"] for r in d["recipients"]] == ["allow", "deny"], d
assert d["recipients"][1]["reaches"] == ["+14155559999"], d
' "$T/out"

ctl policy test --client agent >"$T/out" 2>&1
expect_eq "a usage error exits 2" 2 $?

expect_eq "policy test sent nothing" "$spool0" "$(spool_count)"
expect_eq "policy test recorded nothing" "$audit0" "$(audit_count)"

# The prediction matches what the gateway does.
real sent "real: mom is sent" --to mom --text "Dinner at 7?"
real refused "real: a stranger is refused" --to "+1 415 555 9999" --text hi
real refused "real: the denied number is refused" \
    --to "+1 (415) 555-0129" --text hi
real refused "real: the blocked text is refused" --to mom \
    --text "password: hunter2"
real held "real: the card number is held" --to mom \
    --text "card 4111 1111 1111 1111"
real sent "real: chat 3 is sent" --chat-id 3 --text hi
real refused "real: chat 4 is refused" --chat-id 4 --text hi

finish
