#!/bin/sh
# carapacectl audit replay: past requests' recipients decided again
# under a new configuration; every request whose decision would change
# is listed, and only those.
. "$(dirname "$0")/lib.sh"

setup
default_config
start_gateway

agent "$T/bin/imsg" send --to mom --text "one" >/dev/null 2>&1
agent "$T/bin/imsg" send --to "+1 415 555 0120" --text "two" >/dev/null 2>&1
agent "$T/bin/imsg" send --to "+1 415 555 9999" --text "three" >/dev/null 2>&1
agent "$T/bin/imsg" send --to "+1 (415) 555-0129" --text "four" >/dev/null 2>&1
agent "$T/bin/imsg" send --to mom --text "password: x" >/dev/null 2>&1
agent "$T/bin/imsg" send --to mom --text "card 4111 1111 1111 1111" \
    >/dev/null 2>&1
agent "$T/bin/imsg" send --chat-id 3 --text "crew" >/dev/null 2>&1
agent "$T/bin/imsg" chats >/dev/null 2>&1
check "the requests were recorded" test "$(audit_count)" -gt 8

# The same policy: nothing changes.
cp "$CONF" "$T/same.yaml"
ctl audit replay --config "$T/same.yaml" >"$T/out" 2>&1
expect_eq "the same policy: exit 0" 0 $?
check "the same policy: nothing would change" \
    grep -Eq '^[0-9]+ requests replayed, 0 would change' "$T/out"
check "the reads are not replayed" \
    grep -Eq '^7 requests replayed' "$T/out"

# A new policy: mom denied, +14155559999 allowed, the deny on ...0129
# gone (the prefix allows it), chat 3 no longer named (its members
# decide: alex is not allowed).
sed -e 's|      allow: \[mom, "+1415555012\*", "friend@example.com", "chat:3"\]|      allow: ["+1415555012*", "+14155559999", "friend@example.com"]|' \
    -e 's|      deny: \["+14155550129"\]|      deny: [mom]|' \
    "$CONF" >"$T/new.yaml"
check "the new policy differs" sh -c "! cmp -s '$CONF' '$T/new.yaml'"
ctl audit replay --config "$T/new.yaml" >"$T/out" 2>&1
expect_eq "a new policy: exit 1 (decisions change)" 1 $?
sed 's/^/# /' "$T/out"
check "content-decided requests show no content rule as theirs" \
    sh -c "! grep -Eq 'was allow \((passwords|cards)\)' '$T/out'"
check "mom's send: was allow, now deny" \
    grep -Eq ' agent imsg \+14155550100: was allow \(mom\), now deny \(mom' "$T/out"
check "the stranger: was deny, now allow" \
    grep -Eq ' agent imsg \+14155559999: was deny .*, now allow$' "$T/out"
check "the denied number: was deny, now allow by the prefix" \
    grep -Eq ' agent imsg \+14155550129: was deny \(\+14155550129\), now allow$' "$T/out"
check "the content-blocked request replays its recipient: now deny" \
    test "$(grep -Ec ' agent imsg \+14155550100: was allow' "$T/out")" = 3
check "chat 3: was allow, now deny by its members" \
    grep -Eq ' agent imsg chat:3: was allow \(chat:3\), now deny' "$T/out"
check "+14155550120 unchanged: not listed" \
    sh -c "! grep -q '+14155550120' '$T/out'"
check "the summary counts them" \
    grep -Eq '^7 requests replayed, 6 would change' "$T/out"

# A bad new configuration is refused with its problems.
printf 'version: 1\nstate_dir: relative\n' >"$T/bad.yaml"
ctl audit replay --config "$T/bad.yaml" >"$T/out" 2>&1
expect_eq "a bad new configuration: exit 1" 1 $?
check "a bad new configuration: named" grep -q "invalid configuration" "$T/out"

finish
