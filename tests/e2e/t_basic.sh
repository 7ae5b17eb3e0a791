#!/bin/sh
# End to end: shim → socket → handler (under systemd-socket-activate) →
# simulated imsg, with policy decisions, holds and the audit chain.
. "$(dirname "$0")/lib.sh"

setup
default_config allowlist
start_gateway

# The protocol answers at all.
out=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"gateway.ping"}' | raw)
expect_match "gateway.ping answers" '"result":\{"pong":true,"protocol":1\}' "$out"
out=$(printf '%s\n' '{"jsonrpc":"2.0","id":"w","method":"gateway.whoami"}' | raw)
expect_match "whoami reports the kernel's uid" "\"uid\":$(id -u $AGENT_USER)," "$out"
expect_match "whoami names the client" '"client":"agent"' "$out"

# An allowed send via a contact alias is delivered exactly once.
out=$(agent "$T/bin/imsg" send --to mom --text "hello mom")
rc=$?
expect_eq "send to alias exits 0" 0 "$rc"
expect_eq "send prints what imsg prints" "sent" "$out"
expect_eq "one message reached the tool" 1 "$(spool_count)"
rec=$(cat "$T"/sim/spool/* 2>/dev/null)
expect_match "tool got the normalised number" '"to":"\+14155550100"' "$rec"
expect_match "tool got the text" '"text":"hello mom"' "$rec"

out=$(agent "$T/bin/imsg" send --json --to "+1 415-555-0121" --text "prefix")
expect_eq "--json send prints the tool's object" '{"status":"sent"}' "$out"
expect_eq "prefix pattern allowed" 2 "$(spool_count)"

# Not on the allowlist: refused, nothing sent, audited.
out=$(agent "$T/bin/imsg" send --to "+14155559999" --text "hi stranger")
rc=$?
expect_eq "non-allowlisted send exits 1" 1 "$rc"
expect_match "refusal names the recipient" 'not allowed.*\+14155559999' "$out"
expect_eq "nothing reached the tool" 2 "$(spool_count)"
expect_match "refusal audited" '"decision":"deny".*"recipient":"\+14155559999"' \
    "$(ctl audit show | grep 14155559999)"

# Deny beats allow (the number also matches the allowed prefix).
out=$(agent "$T/bin/imsg" send --to "+14155550129" --text "x")
expect_match "deny list wins over allow prefix" 'not allowed' "$out"
expect_eq "denied send not delivered" 2 "$(spool_count)"

# An attachment goes by descriptor: the file is the agent's, mode 0600.
printf 'attachment-bytes-123' >"$T/home/pic.jpg"
chown "$AGENT_USER" "$T/home/pic.jpg"
chmod 600 "$T/home/pic.jpg"
out=$(agent "$T/bin/imsg" send --to mom --file "$T/home/pic.jpg")
expect_eq "send with attachment" "sent" "$out"
expect_eq "attachment delivered" 3 "$(spool_count)"
rec=$(grep -l 'file' "$T"/sim/spool/* | xargs cat)
expect_match "tool got a spooled copy, not the agent's path" \
    "\"file\":\"$T/state/spool/" "$rec"
expect_match "spooled copy has the file's content" \
    "$(printf 'attachment-bytes-123' | od -An -tx1 | tr -d ' \n')" "$rec"
check "spool copy removed after sending" \
    test -z "$(ls "$T/state/spool" 2>/dev/null)"

# A content rule with action hold, on an allowed recipient.
out=$(agent "$T/bin/imsg" send --to mom --text "card 4111 1111 1111 1111")
expect_match "credit card held" 'held for approval.*h[0-9]+' "$out"
expect_eq "held message not sent" 3 "$(spool_count)"

# A peer that matches no client is refused before it is read.
out=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"send","params":{"channel":"imsg","to":"mom","text":"x"}}' |
    as "$STRANGER_USER" "$T/bin/rawclient" -n -w 3000 "$SOCK")
expect_match "unknown uid refused with -32001" '"code":-32001' "$out"
expect_eq "stranger sent nothing" 3 "$(spool_count)"
line=$(ctl audit show | grep -E "\"uid\":$(id -u $STRANGER_USER)[,}]")
expect_match "stranger audited" '"decision":"deny".*"rule":"clients"' "$line"
case "$line" in
*'"method"'*) not_ok "stranger's payload was never read (record has a method)" ;;
*) ok "stranger's payload was never read" ;;
esac

# Reads go through the inbound filter.
out=$(agent "$T/bin/imsg" chats --json)
expect_match "allowed chat listed" '"identifier":"\+14155550100"' "$out"
case "$out" in
*14155559999*) not_ok "hidden chat not listed" ;;
*) ok "hidden chat not listed" ;;
esac

# The audit chain holds every request and verifies.
out=$(ctl audit verify)
expect_match "audit chain verifies" '^audit chain OK' "$out"

# Approval mode: an unknown recipient is held, then the owner approves.
stop_gateway
default_config approval
start_gateway
out=$(agent "$T/bin/imsg" send --to "+1 (415) 555-9999" --text "please hold")
rc=$?
expect_eq "held send exits 1" 1 "$rc"
hold=$(printf '%s\n' "$out" | grep -Eo 'h[0-9]{10}' | head -1)
check "held answer carries a hold id" test -n "$hold"
expect_eq "held message not sent" 3 "$(spool_count)"
expect_match "hold listed" "$hold .*\\+14155559999" "$(ctl holds list)"
out=$(ctl holds approve "$hold")
expect_match "approve reports delivery" "approved and sent" "$out"
expect_eq "approved message delivered once" 4 "$(spool_count)"
expect_match "approved message went to the held recipient" \
    '"text":"please hold"' "$(cat "$T"/sim/spool/*)"
case "$(ctl holds list)" in
*"$hold "*) not_ok "hold gone after approval" ;;
*) ok "hold gone after approval" ;;
esac
expect_match "approval audited" '"method":"holds.approve"' "$(ctl audit show)"
out=$(ctl holds approve "$hold" 2>&1)
rc=$?
expect_eq "approving twice fails" 1 "$rc"
expect_eq "and sends nothing" 4 "$(spool_count)"

# A held card number can be dropped by the owner.
out=$(agent "$T/bin/imsg" send --to mom --text "card 4111-1111-1111-1111")
hold=$(printf '%s\n' "$out" | grep -Eo 'h[0-9]{10}' | head -1)
out=$(ctl holds drop "$hold")
expect_match "drop reports" "dropped" "$out"
expect_eq "dropped message never sent" 4 "$(spool_count)"

# Tampering with a stored record breaks the chain at that record.
stop_gateway
if command -v mdb_dump >/dev/null 2>&1; then
	# Record 2 (hex dump): its "allow" becomes "forge", same length.
	as "$GW_USER" mdb_dump -s audit "$T/state" |
	    awk 'edit { sub(/616c6c6f77/, "666f726765"); edit = 0 }
		$1 == "0000000000000002" { edit = 1 } { print }' \
	    >"$T/audit.dump"
	as "$GW_USER" mdb_load -s audit -f "$T/audit.dump" "$T/state"
	out=$(ctl audit verify)
	rc=$?
	expect_eq "verify fails on a tampered chain" 1 "$rc"
	expect_match "and names the record" 'BROKEN at record 2: hash mismatch' "$out"
else
	echo "# mdb_dump not installed: tamper check skipped"
fi

# An invalid configuration refuses everything.
printf 'version: 1\nstate_dir: %s/state\nbogus: 1\n' "$T" >"$CONF"
start_gateway
out=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"gateway.ping"}' | raw)
expect_match "invalid config refuses (-32011)" '"code":-32011' "$out"
out=$(ctl check 2>&1)
rc=$?
expect_eq "carapacectl check fails on it" 1 "$rc"
expect_match "check names file:line:column" "carapace.yaml:3:1" "$out"

finish
