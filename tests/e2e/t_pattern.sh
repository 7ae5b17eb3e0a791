#!/bin/sh
# A content rule whose pattern does not compile makes the configuration
# invalid, and an invalid configuration denies everything (DESIGN.md):
# the handler compiles every pattern when it loads the file, so even a
# ping, which checks no content, is refused, audibly, and carapacectl
# check names the rule.
. "$(dirname "$0")/lib.sh"

setup
LIMIT_MAX=1000 default_config allowlist
start_gateway
out=$(agent "$T/bin/imsg" send --to mom --text "my password: hunter2")
expect_match "a pattern rule blocks" 'content blocked: rule passwords' "$out"
out=$(agent "$T/bin/imsg" send --to mom --text "nothing secret")
expect_eq "and lets other text through" sent "$out"
stop_gateway

# An invalid range: accepted by the cost check, refused by regcomp.
sed -i 's|pattern: "password\[\[:space:\]\]\*\[:=\]"|pattern: "[z-a]x"|' "$CONF"
check "the bad pattern is in the configuration" grep -q 'pattern: "\[z-a\]x"' "$CONF"
out=$(ctl check 2>&1)
expect_match "carapacectl check reports the pattern" \
    'bad regular expression' "$out"
start_gateway
out=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"gateway.ping"}' | raw)
expect_match "even a ping is refused: the configuration is invalid" \
    '"code":-32011' "$out"
before=$(spool_count)
out=$(printf '{"jsonrpc":"2.0","id":2,"method":"send","params":{"channel":"imsg","to":"mom","text":"hello"}}\n' | raw)
expect_match "and a send" '"code":-32011' "$out"
expect_eq "nothing was sent" "$before" "$(spool_count)"
check "the log names the pattern and why" grep -q \
    'content.rules\[2\].pattern: bad regular expression' "$T/handler.log"

finish
