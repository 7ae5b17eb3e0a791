#!/bin/sh
# Per-connection work a handler does only when a request needs it: the
# content rules' patterns are compiled on the first request that checks
# content, not for every connection (a ping never compiles them).  A
# pattern that does not compile is then found by that request: it is
# refused as an invalid configuration, audibly; carapacectl check still
# reports it at load.
. "$(dirname "$0")/lib.sh"

setup
LIMIT_MAX=1000 default_config allowlist
start_gateway
out=$(agent "$T/bin/imsg" send --to mom --text "my password: hunter2")
expect_match "a pattern rule still blocks (compiled on first use)" \
    'content blocked: rule passwords' "$out"
out=$(agent "$T/bin/imsg" send --to mom --text "nothing secret")
expect_eq "and lets other text through" sent "$out"
stop_gateway

# An invalid range: accepted by the cost check, refused by regcomp.
cp "$CONF" "$T/good.yaml"
sed -i 's|pattern: "password\[\[:space:\]\]\*\[:=\]"|pattern: "[z-a]x"|' "$CONF"
check "the bad pattern is in the configuration" grep -q 'pattern: "\[z-a\]x"' "$CONF"
out=$(ctl check 2>&1)
expect_match "carapacectl check reports the pattern" \
    'bad regular expression' "$out"
start_gateway
out=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"gateway.ping"}' | raw)
expect_match "a ping needs no pattern: answered" '"pong":true' "$out"
before=$(spool_count)
out=$(printf '{"jsonrpc":"2.0","id":2,"method":"send","params":{"channel":"imsg","to":"mom","text":"hello"}}\n' | raw)
expect_match "a send with a pattern that does not compile is refused" \
    '"code":-32011,"message":"gateway configuration invalid: content rule passwords"' "$out"
expect_eq "and nothing was sent" "$before" "$(spool_count)"
expect_match "the log says which rule" \
    'the pattern of content rule passwords does not compile' \
    "$(tail -5 "$T/handler.log")"
stop_gateway
# carapacectl reads the chain only under a valid configuration.
cp "$T/good.yaml" "$CONF"
expect_match "the refusal is audited" '"code":-32011' "$(ctl audit show | tail -1)"

finish
