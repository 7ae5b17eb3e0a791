#!/bin/sh
# Bounded everything an agent can spend, tried as a hostile agent: a
# flood of requests with oversized ids and a flood of held messages from
# one client (one OS user) while a second client (another OS user) keeps
# sending and the owner's carapacectl keeps working; the per-client
# request window; a state map filled up to its reserve, where refusals
# are still audited and carapacectl still works; then the audit chain
# archived, pruned and verified, after which requests succeed again.
. "$(dirname "$0")/lib.sh"

setup

# bounds_config MAP_SIZE RESERVE REQUESTS
bounds_config() {
	write_config <<YAML
version: 1
state_dir: $T/state
map_size: $1
map_reserve: $2
audit: { sink: stderr }
clients:
  - name: agent
    users: [$AGENT_USER]
    channels: [imsg]
    limits: { requests: $3, window: 1h, holds: 3, hold_bytes: 1M }
  - name: other
    users: [$STRANGER_USER]
    channels: [imsg]
    limits: { subscriptions: 2 }
contacts:
  mom: { imsg: "+1 (415) 555-0100" }
channels:
  imsg:
    tool: $T/bin/sim-imsg
    db: $T/sim
    timeout: 10s
    region: US
    outbound:
      mode: approval
      allow: [mom, "+1415555012*"]
    limits:
      - { per: recipient, max: 1000, window: 1m }
YAML
}

other() { as "$STRANGER_USER" "$@"; }
other_raw() { as "$STRANGER_USER" "$T/bin/rawclient" "$@" "$SOCK"; }

# big_id_lines N BYTES: N requests, each with a string id of BYTES bytes.
big_id_lines() {
	python3 - "$1" "$2" <<'PY'
import json, sys
n, size = int(sys.argv[1]), int(sys.argv[2])
for i in range(n):
    print(json.dumps({"jsonrpc": "2.0", "id": "%d" % i + "x" * size,
        "method": "gateway.ping"}))
PY
}

bounds_config 64M 4M 60
start_gateway

# --- Oversized ids: refused -32600, never stored, answered with id null.
out=$(printf '%s\n' "{\"jsonrpc\":\"2.0\",\"id\":\"$(printf 'y%.0s' $(seq 128))\",\"method\":\"gateway.ping\"}" | raw)
expect_match "an id of 128 bytes is accepted" '"result"' "$out"
before=$(audit_count)
big_id_lines 20 900000 >"$T/flood"
out=$(raw <"$T/flood")
expect_eq "20 oversized ids: 20 answers of -32600" 20 \
    "$(printf '%s\n' "$out" | grep -c '"code":-32600')"
expect_eq "every one answered with a null id" 20 \
    "$(printf '%s\n' "$out" | grep -c '"id":null')"
expect_match "the error says why" 'id longer than 128 bytes' "$out"
expect_eq "20 audit records for 20 refusals" $((before + 20)) "$(audit_count)"
size=$(ctl audit show | tail -n 20 | wc -c)
if [ "$size" -lt 20000 ]; then
	ok "the oversized ids are not in the audit chain ($size bytes)"
else
	not_ok "the oversized ids reached the audit chain ($size bytes)"
fi
expect_eq "no record holds the id" 0 \
    "$(ctl audit show | tail -n 20 | grep -c xxxxxxxxxx)"
# A method name is bounded the same way.
long=$(python3 -c 'print("m" * 129)')
out=$(printf '%s\n' "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$long\"}" | raw)
expect_match "a method of 129 bytes: -32600" '"code":-32600.*method longer' "$out"

# --- Holds: at most 3 for the agent; the fourth is refused, not held.
for i in 1 2 3 4 5; do
	agent "$T/bin/imsg" send --to "+1415555777$i" --text "hold $i" \
	    >"$T/hold.$i" 2>&1
done
expect_eq "three held" 3 "$(cat "$T"/hold.* | grep -c 'held for approval')"
expect_eq "two refused at the hold limit" 2 \
    "$(cat "$T"/hold.* | grep -c 'limit reached: clients.limits.holds')"
out=$(printf '%s\n' '{"jsonrpc":"2.0","id":7,"method":"send","params":{"channel":"imsg","to":"+14155557779","text":"more"}}' | raw)
expect_match "raw: -32013 names the limit" \
    '"code":-32013.*"rule":"clients.limits.holds"' "$out"
expect_eq "the owner sees exactly three holds" 3 \
    "$(ctl holds list | grep -c '^h')"
expect_match "the refusal is audited with its rule" \
    '"rule":"clients.limits.holds"' "$(ctl audit show | tail -n 3)"

# --- The second client is not held back by the first one's spending.
out=$(other "$T/bin/imsg" send --to mom --text "from the other client")
expect_eq "second client's send succeeds" "sent" "$out"
out=$(other "$T/bin/imsg" send --to "+14155557700" --text "other hold" 2>&1)
expect_match "second client may still hold" 'held for approval' "$out"

# --- Subscriptions are bounded per client across connections.
sub='{"jsonrpc":"2.0","id":1,"method":"inbox.subscribe","params":{}}'
printf '%s\n' "$sub" >"$T/sub.req"
# exec: $! is the client itself, which the test ends by its pid.
(exec setpriv --reuid="$STRANGER_USER" --regid="$STRANGER_USER" \
    --init-groups env -i ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
    UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" "$T/bin/rawclient" -n -w 600000 "$SOCK" \
    <"$T/sub.req" >"$T/sub.1") &
sub1=$!
(exec setpriv --reuid="$STRANGER_USER" --regid="$STRANGER_USER" \
    --init-groups env -i ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
    UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" "$T/bin/rawclient" -n -w 600000 "$SOCK" \
    <"$T/sub.req" >"$T/sub.2") &
sub2=$!
i=0
until grep -q '"subscription"' "$T/sub.1" 2>/dev/null &&
    grep -q '"subscription"' "$T/sub.2" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 600 ] && break
	sleep 0.1
done
expect_eq "two subscriptions open on two connections" 2 \
    "$(cat "$T/sub.1" "$T/sub.2" | grep -c '"subscription"')"
out=$(printf '%s\n' "$sub" | other_raw)
expect_match "a third connection's subscription: -32013" \
    '"code":-32013.*"rule":"clients.limits.subscriptions"' "$out"
out=$(printf '%s\n' "$sub" | raw)
expect_match "another client's subscription is not counted" \
    '"subscription"' "$out"
kill "$sub1" "$sub2" 2>/dev/null
wait "$sub1" "$sub2" 2>/dev/null
# The handlers notice the closed connections and release their slots.
i=0
while :; do
	out=$(printf '%s\n' "$sub" | other_raw)
	case $out in *'"subscription"'*) break ;; esac
	i=$((i + 1))
	[ $i -gt 100 ] && break
	sleep 0.1
done
expect_match "once those connections end, a subscription is taken" \
    '"subscription"' "$out"

# --- The owner's carapacectl works; a dropped hold frees its place.
first=$(ctl holds list | grep '^h' | head -1 | cut -d' ' -f1)
check "carapacectl holds drop works" ctl holds drop "$first"
out=$(agent "$T/bin/imsg" send --to "+14155557780" --text "after drop" 2>&1)
expect_match "after a drop the agent may hold again" 'held for approval' "$out"

# --- Requests per client per window, every method: pings too.
python3 -c '
import json
print(json.dumps([{"jsonrpc": "2.0", "id": i, "method": "gateway.ping"}
    for i in range(60)]))' >"$T/batch"
out=$(raw <"$T/batch")
expect_match "the agent's pings are rate limited" \
    '"code":-32003[^}]*"retry_after":[1-9][0-9]*,"rule":"clients.limits.requests"' "$out"
out=$(other_raw <"$T/batch")
expect_eq "the second client's 60 pings all answered" 60 \
    "$(printf '%s\n' "$out" | grep -o '"result"' | wc -l | tr -d ' ')"
out=$(other "$T/bin/imsg" send --to mom --text "still sending")
expect_eq "second client still sends" "sent" "$out"
expect_match "audit chain verifies" '^audit chain OK' "$(ctl audit verify)"

# --- The map's reserve: fill the map with refusals; the refusals stay
# audited until the handler's share of the reserve is used, and the
# owner's carapacectl works throughout.
stop_gateway
rm -rf "$T/state"
mkdir -m 700 "$T/state"
chown "$GW_USER:$GW_USER" "$T/state"
bounds_config 1M 256K 10000
start_gateway
python3 -c '
import json
for line in range(60):
    print(json.dumps([{"jsonrpc": "2.0", "id": "%d.%d" % (line, i),
        "method": "no.such.method." + "p" * 100} for i in range(64)]))' \
    >"$T/fill"
raw -w 60000 <"$T/fill" >"$T/fill.out"
expect_match "once only the reserve is left, requests are refused" \
    '"code":-32010[^}]*"rule":"map_reserve"' "$(cat "$T/fill.out")"
expect_match "the reserve refusals are audited" '"rule":"map_reserve"' \
    "$(ctl audit show | tail -n 5)"
out=$(other "$T/bin/imsg" send --to mom --text "full" 2>&1)
expect_match "with the map at its reserve a send is refused" \
    'unavailable' "$out"
check "carapacectl holds list works" ctl holds list
expect_match "carapacectl audit verify works" '^audit chain OK' \
    "$(ctl audit verify)"

# --- Archive: the owner frees the map; what remains still verifies.
mkdir -m 700 "$T/archive"
chown "$GW_USER:$GW_USER" "$T/archive"
total=$(audit_count)
out=$(ctl audit archive "$T/archive/1" 2>&1)
expect_match "archive reports the range" 'archived records 1 to [0-9]+' "$out"
expect_eq "the archive holds all but the newest record" $((total - 1)) \
    "$(wc -l <"$T/archive/1" | tr -d ' ')"
expect_match "what remains verifies" \
    '^audit chain OK: 2 records after archived record' "$(ctl audit verify)"
expect_match "archive and chain verify together" \
    '^audit chain OK: 2 records after archived record [0-9]+ \([0-9]+ archived' \
    "$(ctl audit verify "$T/archive/1")"
expect_match "the archive is audited" '"method":"audit.archive"' \
    "$(ctl audit show)"
out=$(other "$T/bin/imsg" send --to mom --text "after the archive")
expect_eq "after the archive the second client sends again" "sent" "$out"
out=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"gateway.ping"}' | raw)
expect_match "and the agent is answered again" '"result"' "$out"

# A tampered archive, or one that does not join the chain, is refused.
sed '2s/"outcome":"[a-z]*"/"outcome":"sent"/' "$T/archive/1" >"$T/archive/bad"
expect_match "a tampered archive is BROKEN" 'BROKEN at record 2' \
    "$(ctl audit verify "$T/archive/bad")"
check "an archive is never overwritten" sh -c \
    "! setpriv --reuid=$GW_USER --regid=$GW_USER --init-groups \
    $T/bin/carapacectl -c $CONF audit archive $T/archive/1 2>/dev/null"
ctl audit archive "$T/archive/2" >/dev/null 2>&1
expect_match "two archives in order join the chain" '^audit chain OK' \
    "$(ctl audit verify "$T/archive/1" "$T/archive/2")"
expect_match "out of order they do not" 'BROKEN|do not join' \
    "$(ctl audit verify "$T/archive/2" "$T/archive/1")"

finish
