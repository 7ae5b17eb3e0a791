#!/bin/sh
# Notices to the owner (doc/approvals.md, "What the owner sees"), end to
# end: the real handler, shim and simulated imsg.  A hold sends exactly
# one notice, to the owner's identity (which outbound policy does not
# allow: the destination is the owner's configuration, not the agent's
# request), with a reply code the state keeps only as its hash, and an
# audit record that names the hold but never the code; the next hold
# gets its own notice; a notice the tool fails to send is audited and
# leaves its hold waiting until the watcher's tick tells of it; holds past
# owner.approvals.notices wait until the window frees, then one notice
# names them all; expired codes drop their holds.  The real watcher
# sends a waiting hold's notice on its tick; later ticks are made with
# tests/owner_tick (owner_tick at a chosen time), so that a
# window freeing and a code expiring need no waiting.
. "$(dirname "$0")/lib.sh"

setup
cp "$top_builddir/tests/owner_tick" "$T/bin/owner_tick"
# The tool: the simulator, or, while $T/fail exists, a failure that
# echoes what it was given (the notice, with its codes) as its error.
cat >"$T/bin/imsg-tool" <<SH
#!/bin/sh
if [ -e "$T/fail" ]; then
	cat >"$T/sim/failed.in"
	echo "simulated outage:" >&2
	cat "$T/sim/failed.in" >&2
	exit 1
fi
exec "$T/bin/sim-imsg" "\$@"
SH
chmod 755 "$T/bin"/*
OWNER=+14155550177
ACCOUNT=+14155550199

write_config <<YAML
version: 1
state_dir: $T/state
audit: { sink: stderr }
clients:
  - name: agent
    users: [$AGENT_USER]
    channels: [imsg]
contacts:
  mom: { imsg: "+1 (415) 555-0100" }
channels:
  imsg:
    tool: $T/bin/imsg-tool
    db: $T/sim
    account: "$ACCOUNT"
    region: US
    outbound: { mode: approval, allow: [mom] }
    inbound: { mode: allowlist, allow: [mom] }
owner:
  identities:
    imsg: "+1 (415) 555-0177"
  approvals:
    channels: [imsg]
    notices: 5
    notice_window: 1h
    expire: 1m
YAML
if ! out=$(ctl check 2>&1); then
	if printf '%s\n' "$out" | grep -q 'cannot take approvals by reply'; then
		echo "# SKIP: no channel reads the owner's replies in this tree"
		exit 77
	fi
	not_ok "carapacectl check accepts the owner's set-up: $out"
fi
start_gateway
WATCH_PID=
cleanup() {
	[ -n "$WATCH_PID" ] && kill "$WATCH_PID" 2>/dev/null
	stop_gateway
}
trap cleanup EXIT

tick() { as "$GW_USER" "$T/bin/owner_tick" "$CONF" imsg "$1" 2>>"$T/tick.log"; }
hold_of() { printf '%s\n' "$1" | grep -Eo 'h[0-9]{10}' | head -1; }
send_held() {
	hold_of "$(agent "$T/bin/imsg" send --to "$1" --text "$2" 2>&1)"
}
# The texts the simulator sent to the owner, one JSON string a line.
notices() {
	cat "$T"/sim/spool/* 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    try:
        r = json.loads(line)
    except ValueError:
        continue
    if sys.argv[1] in json.dumps(r.get("to", "")) + json.dumps(r.get("argv", "")):
        print(json.dumps(r.get("text", "")))
' "$OWNER"
}
ncount() { notices | wc -l | tr -d ' '; }
# The codes a notice (one JSON string) offers: after approve or drop, or
# at the head of a line of a collapsed notice.
codes_in() {
	printf '%s' "$1" | python3 -c '
import json, re, sys
t = json.loads(sys.stdin.read())
for c in sorted(set(re.findall(r"(?:approve |drop |^)([0-9A-Z]{8})\b", t, re.M))):
    print(c)
'
}
# The form the state keeps a code in (owner_code_hash).
code_hash() { printf 'carapace-owner-code\000%s' "$1" | sha256sum | cut -c1-64; }
# The key a notice is marked hidden under (owner_message_key: channel,
# no sender, the text trimmed), from the notice as the tool sent it.
mark_of() {
	printf '%s' "$1" | python3 -c '
import hashlib, json, sys
t = json.loads(sys.stdin.read()).strip(" \t\r\n")
print(hashlib.sha256(b"carapace-owner\0imsg\0\0" + t.encode()).hexdigest())
'
}
in_state() { grep -ac "$1" "$T/state/data.mdb"; }
notify_records() { ctl audit show | grep '"method":"owner.notify"'; }
held() { ctl holds list | grep -c "^$1 "; }

# 1. A hold: exactly one notice, to the owner, with a code.
h1=$(send_held "+1 415 555 9991" "please wire the money to account 42")
check "the first send is held" test -n "$h1"
expect_eq "exactly one notice, to the owner's identity" 1 "$(ncount)"
n1=$(notices | tail -1)
expect_match "the notice says who, where, to whom, what and which rule" \
    'client agent wants to send on imsg to \+14155559991: .*please wire the money.*\(rule ' "$n1"
c1=$(codes_in "$n1")
expect_eq "the notice carries one code of eight Crockford characters" 1 \
    "$(printf '%s\n' "$c1" | grep -c '^[0-9ABCDEFGHJKMNPQRSTVWXYZ]\{8\}$')"
expect_eq "the state does not hold the code" 0 "$(in_state "$c1")"
expect_eq "the state holds the code's hash" 1 \
    "$(in_state "$(code_hash "$c1")" | awk '{print ($1 > 0)}')"
check "the notice was marked hidden before the agent could read it" \
    test "$(in_state "$(mark_of "$n1")")" -gt 0
rec=$(notify_records)
expect_eq "one owner.notify audit record" 1 "$(printf '%s\n' "$rec" | grep -c .)"
expect_match "it names the hold, the owner, the channel, sent" \
    "\"hold_id\":\"$h1\"" "$rec"
expect_eq "it is the gateway's own act, to the owner" 1 \
    "$(printf '%s\n' "$rec" | grep -F '"client":"carapace"' | grep -Fc "\"recipient\":\"$OWNER\"")"
expect_match "its outcome is sent" '"outcome":"sent"' "$rec"
expect_eq "the audit never holds the code" 0 "$(ctl audit show | grep -c "$c1")"
expect_eq "the handler's log never holds the code" 0 "$(grep -c "$c1" "$T/handler.log")"
expect_eq "the hold still waits for the owner" 1 "$(held "$h1")"

# 2. A second hold within the rate: a notice of its own.
h2=$(send_held "+1 415 555 9992" "second one")
expect_eq "the second hold gets a notice" 2 "$(ncount)"
n2=$(notices | tail -1)
expect_match "naming its own text" 'second one' "$n2"
expect_eq "and not the first hold again" 0 "$(printf '%s' "$n2" | grep -c 'wire the money')"
c2=$(codes_in "$n2")
check "a different code" test -n "$c2" -a "$c2" != "$c1"

# 3. The approvals channel's tool fails: audited, the hold waits.
touch "$T/fail"
chmod 644 "$T/fail"
h3=$(send_held "+1 415 555 9993" "third, during the outage")
rm -f "$T/fail"
check "the third send is still held" test -n "$h3"
expect_eq "no notice went out" 2 "$(ncount)"
expect_eq "the failure is audited" 1 \
    "$(notify_records | grep "\"hold_id\":\"$h3\"" | grep -c '"outcome":"failed"')"
expect_eq "the hold waits" 1 "$(held "$h3")"
c3=$(grep -Eo 'approve [0-9A-Z]{8}' "$T/sim/failed.in" | head -1 | cut -c9-)
check "the failed notice carried a code" test -n "$c3"
expect_eq "the tool's error quoting the code is not audited" 0 \
    "$(ctl audit show | grep -c "$c3")"
expect_eq "nor logged" 0 "$(grep -c "$c3" "$T/handler.log")"
# The watcher of the approvals channel tells of it on its own tick.
: >"$T/sim/inbound.jsonl"
chown "$GW_USER:$GW_USER" "$T/sim/inbound.jsonl"
(exec setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
    "$T/bin/carapace-watch" -c "$CONF" imsg 2>>"$T/watch.log") &
WATCH_PID=$!
i=0
while [ "$(ncount)" -lt 3 ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill "$WATCH_PID" 2>/dev/null
wait "$WATCH_PID" 2>/dev/null
expect_eq "the watcher's tick sent the waiting hold's notice" 3 "$(ncount)"
expect_match "naming the hold that waited" 'third, during the outage' \
    "$(notices | tail -1)"
h4=$(send_held "+1 415 555 9994" "fourth")
expect_eq "the next hold gets its own notice" 4 "$(ncount)"

# 4. Past notices (5 in the window, the failed one counted): no notice.
h5=$(send_held "+1 415 555 9995" "fifth")
h6=$(send_held "+1 415 555 9996" "sixth")
check "two more holds" test -n "$h5" -a -n "$h6"
expect_eq "no notice past the window's limit" 4 "$(ncount)"
expect_eq "no owner.notify record for them" 0 \
    "$(notify_records | grep -c "$h5")"

# 5. A minute on: every code has expired and drops its hold; the
#    window is still full, so no notice.
tick 61
for h in "$h1" "$h2" "$h3" "$h4"; do
	expect_eq "expired code: hold $h dropped" 0 "$(held "$h")"
	expect_eq "audited as dropped by owner.expiry" 1 \
	    "$(ctl audit show | grep "\"hold_id\":\"$h\"" | grep '"method":"holds.drop"' | grep -c '"client":"owner.expiry"')"
done
expect_eq "the waiting holds are kept" 2 "$(( $(held "$h5") + $(held "$h6") ))"
expect_eq "no notice while the window is full" 4 "$(ncount)"

# 6. An hour on, the window has room: one notice names both.
tick 3700
expect_eq "one collapsed notice" 5 "$(ncount)"
n6=$(notices | tail -1)
expect_match "it names the fifth" 'fifth' "$n6"
expect_match "and the sixth" 'sixth' "$n6"
expect_eq "two codes" 2 "$(codes_in "$n6" | grep -c .)"
tick 3700
expect_eq "a tick with nothing waiting sends nothing" 5 "$(ncount)"
for c in $(codes_in "$n6") $c1 $c2; do
	expect_eq "code $c absent from the state" 0 "$(in_state "$c")"
done

# 7. The agent's text cannot reshape the notice.
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"send","params":{"channel":"imsg","to":"+14155559997","text":"hi\n\nReply approve AAAAAAAA\u202e or drop"}}' | raw >/dev/null
tick 7300
expect_eq "the seventh hold's notice" 6 "$(ncount)"
n7=$(notices | tail -1)
expect_eq "the held text stays on the notice's one line" 1 \
    "$(printf '%s' "$n7" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read()).count("\n")+1)')"
expect_eq "direction marks are dropped" 0 "$(printf '%s' "$n7" | grep -c 'u202e')"

finish
