#!/bin/sh
# Every delivery recorded, completely.  A batch of slow sends that
# outlives the handler's deadline: the handler stops taking entries,
# kills the tool that is still running (with its process group) and
# answers; the chain holds a "delivering" record for every delivery
# handed to the tool and an outcome record referring to it (sent, or
# interrupted for the one cut off).  A message to 20 addresses and a Bcc:
# the Bcc is named in its records and in `carapacectl holds list`.
. "$(dirname "$0")/lib.sh"

setup
cp "$top_builddir/src/shim/gog" "$T/bin/gog"
cp "$top_builddir/sim/gog" "$T/bin/sim-gog"
mkdir -p "$T/sim/gog"
cp "$top_srcdir"/sim/data/gog/*.json "$T/sim/gog/"
chmod 755 "$T/bin/gog" "$T/bin/sim-gog"
chown -R "$GW_USER:$GW_USER" "$T/sim/gog"
GOGDIR=$T/sim/gog

procs() { pgrep -f "$1" | tr '\n' ' ' | sed 's/ $//'; }
gone() {
	i=0
	while [ -n "$(procs "$1")" ] && [ $i -lt 40 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ -z "$(procs "$1")" ]
}

# ---- a batch that outlives the handler's deadline ----------------------
# The deadline is handler_timeout plus the imsg timeout: 1 s + 5 s.
# Every imsg run first waits 4 s (sim-slow): the first send completes,
# the second is started with under 2 s left and is cut off at the
# deadline, the rest are answered unrun.  What is asserted is what the
# records say about what the tool did, not when.
write_config <<YAML
version: 1
state_dir: $T/state
audit: { sink: stderr }
handler_timeout: 1s
clients:
  - name: agent
    users: [$AGENT_USER]
    channels: [imsg]
contacts:
  mom: { imsg: "+1 (415) 555-0100" }
channels:
  imsg:
    tool: $T/bin/sim-imsg
    db: $T/sim
    timeout: 5s
    region: US
    outbound:
      mode: allowlist
      allow: [mom]
YAML
start_gateway
echo 4000 >"$T/sim/sim-slow"
chown "$GW_USER:$GW_USER" "$T/sim/sim-slow"
N=8
batch="["
i=1
while [ $i -le $N ]; do
	[ $i -gt 1 ] && batch="$batch,"
	batch="$batch{\"jsonrpc\":\"2.0\",\"id\":\"dl-$i\",\"method\":\"send\",\"params\":{\"channel\":\"imsg\",\"to\":\"mom\",\"text\":\"deadline $i\"}}"
	i=$((i + 1))
done
batch="$batch]"
out=$(printf '%s\n' "$batch" | raw)
rm -f "$T/sim/sim-slow"
expect_eq "the batch is answered, one answer per entry" "$N" \
    "$(printf '%s\n' "$out" | grep -o '"id":"dl-[0-9]*"' | sort -u | wc -l | tr -d ' ')"
check "no tool outlives the handler's deadline" gone "^$T/bin/sim-imsg"
check "the handler ended" gone "^$T/bin/carapace-handler"
ctl audit show | grep '"request_id":"dl-' >"$T/dl.audit"
delivering=$(grep -c '"outcome":"delivering"' "$T/dl.audit")
sent=$(grep '"method":"send"' "$T/dl.audit" | grep -c '"outcome":"sent"')
unknown=$(grep -c '"outcome":"interrupted"' "$T/dl.audit")
unrun=$(grep -c '"outcome":"refused".*"rule":"handler_timeout"' "$T/dl.audit")
made=$(cat "$T"/sim/spool/* 2>/dev/null | grep -c '"text":"deadline [0-9]*"')
echo "# batch of $N: $sent sent, $unknown cut off, $unrun not run; the tool made $made"
expect_eq "one record per request" "$N" $((sent + unknown + unrun))
expect_eq "every delivery the tool made is recorded sent" "$made" "$sent"
check "some were sent" test "$sent" -ge 1
check "the batch outlived the deadline" test $((unknown + unrun)) -ge 1
expect_eq "a delivering record before every delivery handed to the tool" \
    "$delivering" $((sent + unknown))
expect_eq "every entry answered once" "$N" \
    "$(printf '%s\n' "$out" | grep -o '"id":"dl-' | wc -l | tr -d ' ')"
expect_eq "the cut-off entry answered timeout" "$unknown" \
    "$(printf '%s\n' "$out" | grep -o '"code":-32008,"message":"imsg: the gateway.s deadline for this connection was reached; the delivery may' | wc -l | tr -d ' ')"
# Each outcome names the seq of its own delivering record.
ok_refs=0
for seq in $(grep '"outcome":"delivering"' "$T/dl.audit" |
    grep -o '"seq":[0-9]*' | cut -d: -f2); do
	n=$(grep -c "\"delivery\":$seq," "$T/dl.audit")
	[ "$n" = 1 ] && ok_refs=$((ok_refs + 1))
done
expect_eq "every delivering record has exactly one outcome referring to it" \
    "$delivering" "$ok_refs"
expect_match "the cut-off delivery: allowed, outcome interrupted, rule handler_timeout" \
    '"decision":"allow","delivery":[0-9]+,.*"outcome":"interrupted",.*"rule":"handler_timeout"' \
    "$(grep '"outcome":"interrupted"' "$T/dl.audit")"
expect_eq "the handler did not die by its alarm" 0 \
    "$(grep -c 'Alarm clock\|signal 14\|SIGALRM' "$T/handler.log")"
expect_match "audit chain verifies" '^audit chain OK' "$(ctl audit verify)"

# Pipelined lines on one connection are bounded the same way.
echo 4000 >"$T/sim/sim-slow"
chown "$GW_USER:$GW_USER" "$T/sim/sim-slow"
out=$(i=1; while [ $i -le 4 ]; do
	printf '{"jsonrpc":"2.0","id":"pl-%s","method":"send","params":{"channel":"imsg","to":"mom","text":"pipelined %s"}}\n' $i $i
	i=$((i + 1))
done | raw)
rm -f "$T/sim/sim-slow"
check "no tool left after pipelined lines" gone "^$T/bin/sim-imsg"
ctl audit show | grep '"request_id":"pl-' >"$T/pl.audit"
sent=$(grep '"method":"send"' "$T/pl.audit" | grep -c '"outcome":"sent"')
made=$(cat "$T"/sim/spool/* 2>/dev/null | grep -c '"text":"pipelined [0-9]*"')
expect_eq "pipelined: every delivery the tool made is recorded sent" "$made" "$sent"
expect_eq "pipelined: every line read is answered" \
    "$(grep -c '"outcome":"delivering"\|"outcome":"refused"' "$T/pl.audit" |
    tr -d ' ')" "$(printf '%s\n' "$out" | grep -c '"id":"pl-')"
expect_eq "pipelined: delivering records == sent + cut off" \
    "$(grep -c '"outcome":"delivering"' "$T/pl.audit")" \
    $((sent + $(grep -c '"outcome":"interrupted"' "$T/pl.audit")))
stop_gateway

# ---- a Bcc among 20 recipients -----------------------------------------
gmail_config() {
	write_config <<YAML
version: 1
state_dir: $T/state
audit: { sink: stderr }
clients:
  - name: agent
    users: [$AGENT_USER]
    channels: [gmail]
channels:
  gmail:
    tool: $T/bin/sim-gog
    account: me@example.com
    send: send
    timeout: 10s
    outbound:
      mode: $1
      allow: ["*@example.com"]
    limits:
      - { per: recipient, max: 20, window: 1m }
      - { per: channel, max: 100, window: 1m }
YAML
}
to='"r01@example.com"'
i=2
while [ $i -le 20 ]; do
	to="$to,\"r$(printf %02d $i)@example.com\""
	i=$((i + 1))
done
gmail_send() {
	printf '{"jsonrpc":"2.0","id":"%s","method":"send","params":{"channel":"gmail","to":[%s],"bcc":["%s"],"subject":"All hands","body":"see you"}}\n' \
	    "$1" "$to" "$2" | raw
}

gmail_config approval
start_gateway
out=$(gmail_send bcc-held hidden@elsewhere.example)
expect_match "held: the answer names the Bcc" \
    '"code":-32005,.*hidden@elsewhere\.example.*"recipient":"hidden@elsewhere\.example"' "$out"
hold=$(printf '%s\n' "$out" | grep -Eo 'h[0-9]{10}' | head -1)
rec=$(ctl audit show | grep '"request_id":"bcc-held"')
expect_match "the hold record names the Bcc" '"recipients":\[.*"hidden@elsewhere\.example"\]' "$rec"
expect_eq "the hold record names all 21" 21 \
    "$(printf '%s\n' "$rec" | grep -o '"r[0-9]*@example.com"\|"hidden@elsewhere.example"' | wc -l | tr -d ' ')"
list=$(ctl holds list)
expect_match "holds list: the Bcc caused it, with the rule" \
    "^$hold .* hidden@elsewhere\\.example +outbound\\.approval: hidden@elsewhere\\.example: " "$list"
expect_match "holds list: the reason names the Bcc and the rule" \
    "hidden@elsewhere\\.example: recipient not in allowlist: held for approval \\(rule outbound\\.approval\\)" "$list"
expect_match "holds list: every recipient" \
    "recipients: r01@example.com .* r20@example.com hidden@elsewhere.example" "$list"
out=$(ctl holds approve "$hold")
expect_match "approved" "approved and sent" "$out"
# A content rule holds a message to one recipient: the list still names it.
stop_gateway
gmail_config allowlist
cat >>"$CONF" <<YAML
content:
  rules:
    - { name: cards, detect: credit_card, action: hold }
YAML
start_gateway
out=$(printf '{"jsonrpc":"2.0","id":"card","method":"send","params":{"channel":"gmail","to":["solo@example.com"],"subject":"s","body":"card 4111 1111 1111 1111"}}\n' | raw)
card=$(printf '%s\n' "$out" | grep -Eo 'h[0-9]{10}' | head -1)
check "content hold" test -n "$card"
list=$(ctl holds list)
expect_match "holds list: a content hold shows no recipient as its cause" \
    "^$card .* - +cards: " "$list"
expect_match "holds list: and still names its recipient" \
    '^    recipients: solo@example\.com$' \
    "$(printf '%s\n' "$list" | grep -A1 "^$card " | tail -1)"
ctl holds drop "$card" >/dev/null
rec=$(ctl audit show | grep '"hold_id":"'"$hold"'"' | grep '"outcome":"delivering"')
expect_match "approval: a delivering record names the Bcc" \
    '"client":"carapacectl".*"recipients":\[.*"hidden@elsewhere\.example"\]' "$rec"
last=$(ls "$GOGDIR"/spool/*.json | sort | tail -1)
expect_match "the tool got the Bcc" '"bcc":\["hidden@elsewhere.example"\]' \
    "$(tr -d '\n ' <"$last")"
stop_gateway

gmail_config allowlist
start_gateway
out=$(gmail_send bcc-sent hidden@example.com)
expect_match "sent to 20 and a Bcc" '"result"' "$out"
recs=$(ctl audit show | grep '"request_id":"bcc-sent"')
expect_eq "two records: delivering, then sent" 2 \
    "$(printf '%s\n' "$recs" | grep -c '"recipients":\[.*"hidden@example.com"\]')"
expect_match "the delivering record comes first" \
    'delivering' "$(printf '%s\n' "$recs" | head -1)"
expect_match "the outcome is sent" '"outcome":"sent"' \
    "$(printf '%s\n' "$recs" | tail -1)"
# 65 recipients: refused, never cut to the first 64.
to65=$to
i=21
while [ $i -le 64 ]; do
	to65="$to65,\"r$i@example.com\""
	i=$((i + 1))
done
out=$(printf '{"jsonrpc":"2.0","id":"many","method":"send","params":{"channel":"gmail","to":[%s],"bcc":["x@example.com"],"subject":"s","body":"b"}}\n' "$to65" | raw)
expect_match "65 recipients refused" '"code":-32602.*more than 64 recipients' "$out"
# 64, the documented maximum, with a limit per recipient and one per
# channel (65 rate windows charged at once): sent, all 64 recorded.
out=$(printf '{"jsonrpc":"2.0","id":"sixty-four","method":"send","params":{"channel":"gmail","to":[%s],"bcc":["last@example.com"],"subject":"s","body":"b"}}\n' "${to65%,*}" | raw)
expect_match "64 recipients sent" '"result"' "$out"
expect_eq "64 recipients in the outcome record" 64 \
    "$(ctl audit show | grep '"request_id":"sixty-four"' | grep '"outcome":"sent"' |
    grep -o '"[a-z0-9]*@example.com"' | wc -l | tr -d ' ')"
expect_match "audit chain verifies" '^audit chain OK' "$(ctl audit verify)"
stop_gateway

finish
