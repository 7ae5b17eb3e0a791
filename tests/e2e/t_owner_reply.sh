#!/bin/sh
# Approvals by reply (doc/approvals.md), end to end on the simulated
# imsg and signal-cli, the real watcher, handler and shims: the owner's
# "approve CODE" delivers a hold once, "drop CODE" drops one; the same
# words from anyone else, from the account itself (is_from_me, a Signal
# sync message, the agent's own shim), a wrong code and an expired code
# change nothing and the refusals are audited; the agent's stream,
# inbox, history and chat list show neither a notice nor a reply, and
# no code is ever written to the audit or the logs.
#
# Reply codes are stored as the notices store them (tests/owner_state:
# the real owner_code_hash and state_code_put); a notice is marked as
# the gateway marks what it sends, then appears as the Messages database
# would show it.
. "$(dirname "$0")/lib.sh"

setup
cp "$top_builddir/tests/owner_state" "$T/bin/owner_state"
cp "$top_builddir/src/shim/signal-cli" "$T/bin/signal-cli"
cp "$top_builddir/sim/signal-cli" "$T/bin/sim-signal-cli"
chmod 755 "$T/bin"/*
SIG=$T/sig
mkdir -p "$SIG/attachments"
cp "$top_srcdir"/sim/data/signal/*.json "$SIG/"
: >"$SIG/inbound.jsonl"
: >"$T/sim/inbound.jsonl"
chown -R "$GW_USER:$GW_USER" "$SIG" "$T/sim/inbound.jsonl"
DSOCK=$T/run/signal-cli.sock
OWNER=+14155550100
ACCOUNT=+14155550199

write_config <<YAML
version: 1
state_dir: $T/state
audit: { sink: stderr }
clients:
  - name: agent
    users: [$AGENT_USER]
    channels: [imsg, signal]
contacts:
  mom: { imsg: "+1 (415) 555-0100", signal: "+1 (415) 555-0100" }
channels:
  imsg:
    tool: $T/bin/sim-imsg
    db: $T/sim
    account: "$ACCOUNT"
    region: US
    outbound: { mode: approval, allow: [mom] }
    inbound: { mode: allowlist, allow: [mom, "+14155550142"], from_me: show }
  signal:
    daemon_socket: $DSOCK
    account: "$ACCOUNT"
    region: US
    outbound: { mode: approval, allow: [mom] }
    inbound: { mode: allowlist, allow: [mom, "+14155550142"], from_me: show }
owner:
  identities:
    imsg: "+1 (415) 555-0100"
    signal: "+1 415 555 0100"
  # keep: an expired code's hold stays, so that the reply to it, not
  # a watcher's tick, is what this test sees (t_owner_notify.sh drops).
  approvals: { channels: [imsg, signal], on_expiry: keep }
YAML
check "carapacectl check accepts the owner's set-up" ctl check

start_gateway
(exec setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
    "$T/bin/sim-signal-cli" -a "$ACCOUNT" --config "$SIG" daemon \
    --socket "$DSOCK" --receive-mode=manual 2>>"$T/daemon.log") &
DAEMON_PID=$!
i=0
while [ ! -S "$DSOCK" ] && [ $i -lt 400 ]; do
	sleep 0.05
	i=$((i + 1))
done
(exec setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
    "$T/bin/carapace-watch" -c "$CONF" imsg 2>>"$T/watch.log") &
WATCH_PID=$!
(exec setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
    "$T/bin/carapace-watch" -c "$CONF" signal 2>>"$T/watch-signal.log") &
SWATCH_PID=$!
agent "$T/bin/imsg" watch --json --since-rowid 0 >"$T/watch.out" 2>&1 &
SUB_PID=$!

cleanup() {
	kill "$SUB_PID" "$WATCH_PID" "$SWATCH_PID" "$DAEMON_PID" 2>/dev/null
	wait "$SUB_PID" "$WATCH_PID" "$SWATCH_PID" "$DAEMON_PID" 2>/dev/null
	stop_gateway
}
trap cleanup EXIT

state() { as "$GW_USER" "$T/bin/owner_state" "$CONF" "$@"; }
held() { ctl holds list | grep -c "^$1 "; }
audits() { ctl audit show | grep -c -- "$1"; }

# im ID SENDER TEXT [is_from_me]: a message in chat 1 (with the owner)
# as `imsg watch --json` prints it (steipete/imsg MessagePayload plus
# the RPC chat fields).  Rowids only grow: the watcher skips what is
# not past its position.
im() {
	printf '{"id":%d,"chat_id":1,"guid":"G-%d","sender":"%s","is_from_me":%s,"text":"%s","created_at":"2026-05-16T15:24:36.123Z","attachments":[],"reactions":[],"chat_identifier":"+14155550100","chat_guid":"iMessage;-;+14155550100","chat_name":"","participants":["+14155550100"],"is_group":false}\n' \
	    "$1" "$1" "$2" "${4:-false}" "$3"
}

# im_sync ID: the owner's plain message, then wait until the agent's
# stream shows it: the watcher decided everything before it.
im_sync() {
	im "$1" "$OWNER" "sync $1" >>"$T/sim/inbound.jsonl"
	i=0
	while ! grep -q "\"text\":\"sync $1\"" "$T/watch.out" &&
	    [ $i -lt 600 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	grep -q "\"text\":\"sync $1\"" "$T/watch.out"
}

# decided HOW CLIENT HOLD: records of the owner's decision on HOLD.
decided() {
	ctl audit show | grep "\"method\":\"holds.$1\"" |
	    grep -F "\"client\":\"$2\"" | grep -c "\"hold_id\":\"$3\""
}

# Three holds, each with a code as its notice would give it.
hold_of() {
	printf '%s\n' "$1" | grep -Eo 'h[0-9]{10}' | head -1
}
h1=$(hold_of "$(agent "$T/bin/imsg" send --to "+1 415 555 9991" --text "held one" 2>&1)")
h2=$(hold_of "$(agent "$T/bin/imsg" send --to "+1 415 555 9992" --text "held two" 2>&1)")
h3=$(hold_of "$(agent "$T/bin/imsg" send --to "+1 415 555 9993" --text "held three" 2>&1)")
check "three sends held" test -n "$h1" -a -n "$h2" -a -n "$h3"
base=$(spool_count)
check "code for the first hold stored" state code "$h1" imsg ABCD2345 600
check "code for the second hold stored" state code "$h2" imsg EFGH6789 600
check "an expired code for the third" state code "$h3" imsg JKMN2345 -60
NOTICE="Carapace: agent holds a message to +14155559991. Reply approve ABCD-2345 or drop ABCD-2345"
check "a notice marked as the gateway marks what it sends" \
    state notice imsg "$NOTICE"

# The notice, as the Messages database shows what the account sent.
im 2001 "" "$NOTICE" true >>"$T/sim/inbound.jsonl"
# The owner approves (case, '-' as typed).
im 2002 "$OWNER" "approve abcd-2345" >>"$T/sim/inbound.jsonl"
check "watcher caught up" im_sync 2003
expect_eq "the approved hold is delivered" $((base + 1)) "$(spool_count)"
expect_match "to its recipient" '"text":"held one"' "$(cat "$T"/sim/spool/*)"
expect_eq "and is no longer held" 0 "$(held "$h1")"
expect_eq "approval audited (delivering, sent) with the owner as approver" \
    2 "$(decided approve owner:imsg:+14155550100 "$h1")"

# The same reply again: the code was single-use.
im 2004 "$OWNER" "approve ABCD2345" >>"$T/sim/inbound.jsonl"
check "watcher caught up" im_sync 2005
expect_eq "the same reply again sends nothing" $((base + 1)) "$(spool_count)"
expect_eq "and is audited as an unknown code" 1 \
    "$(ctl audit show | grep '"method":"owner.approve"' | grep -c '"reason":"unknown code"')"

# Forgeries: another sender, the account's own message, a reaction, a group.
im 2006 "+14155550142" "approve EFGH6789" >>"$T/sim/inbound.jsonl"
im 2007 "$OWNER" "approve EFGH6789" true >>"$T/sim/inbound.jsonl"
im 2008 "" "approve EFGH6789" true >>"$T/sim/inbound.jsonl"
check "watcher caught up" im_sync 2009
expect_eq "another sender's approve does nothing" 1 "$(held "$h2")"
out=$(agent "$T/bin/imsg" send --to "+1 (415) 555-0100" --text "approve EFGH6789" 2>&1)
expect_eq "the agent may write the words to the owner" $((base + 2)) "$(spool_count)"
check "watcher caught up" im_sync 2010
expect_eq "but it approves nothing" 1 "$(held "$h2")"

# A wrong code and an expired one: nothing changes; each audited.
im 2011 "$OWNER" "approve ZZZZ2222" >>"$T/sim/inbound.jsonl"
im 2012 "$OWNER" "ok JKMN2345" >>"$T/sim/inbound.jsonl"
check "watcher caught up" im_sync 2013
expect_eq "a wrong code delivers nothing" $((base + 2)) "$(spool_count)"
expect_eq "wrong code audited" 2 \
    "$(ctl audit show | grep '"method":"owner.approve"' | grep '"rule":"owner.code"' | grep -c '"reason":"unknown code"')"
expect_eq "the expired code's hold is still held" 1 "$(held "$h3")"
expect_eq "expired code audited, naming its hold" 1 \
    "$(ctl audit show | grep '"method":"owner.approve"' | grep '"decision":"deny"' |
    grep '"reason":"expired code"' | grep '"rule":"owner.code"' | grep -c "\"hold_id\":\"$h3\"")"

# drop.
im 2014 "$OWNER" "Drop EFGH6789." >>"$T/sim/inbound.jsonl"
check "watcher caught up" im_sync 2015
expect_eq "drop drops the hold" 0 "$(held "$h2")"
expect_eq "and sends nothing" $((base + 2)) "$(spool_count)"
expect_eq "drop audited with the owner" \
    1 "$(decided drop owner:imsg:+14155550100 "$h2")"
# A code whose hold is gone (decided at the terminal meanwhile).
check "a code for the hold already delivered" state code "$h1" imsg QRST2345 600
im 2016 "$OWNER" "approve QRST2345" >>"$T/sim/inbound.jsonl"
# The owner's ordinary words stay theirs.
im 2017 "$OWNER" "no problem" >>"$T/sim/inbound.jsonl"
check "watcher caught up" im_sync 2018
expect_eq "a code whose hold is gone sends nothing" $((base + 2)) "$(spool_count)"
expect_eq "and is audited" 1 \
    "$(ctl audit show | grep '"method":"owner.approve"' | grep '"reason":"no such hold"' | grep -c "\"hold_id\":\"$h1\"")"

# What the agent read: the stream.
out=$(cat "$T/watch.out")
for id in 2001 2002 2004 2011 2012 2014 2016; do
	case "$out" in
	*"\"id\":$id,"*) not_ok "message $id (notice or reply) not in the stream" ;;
	*) ok "message $id (notice or reply) not in the stream" ;;
	esac
done
expect_match "the owner's ordinary message is in the stream" \
    '"id":2017,.*"text":"no problem"' "$out"
for id in 2006 2007 2008; do
	case "$out" in
	*"\"id\":$id,"*) not_ok "message $id (someone else's approve CODE) not in the stream either" ;;
	*) ok "message $id (someone else's approve CODE) not in the stream either" ;;
	esac
done
# inbox.read.
out=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"inbox.read","params":{"channel":"imsg","since":0,"limit":1000}}' | raw)
case "$out" in
*ABCD*|*abcd*|*ZZZZ2222*|*JKMN2345*|*"Drop EFGH"*|*Carapace:*)
	not_ok "inbox.read shows no notice and no reply" ;;
*) ok "inbox.read shows no notice and no reply" ;;
esac
expect_match "inbox.read shows the rest" '"text":"no problem"' "$out"

# History: the Messages database holds the notice and the replies too.
python3 - "$T/sim/messages.json" "$NOTICE" <<'EOF'
import json, sys
path, notice = sys.argv[1], sys.argv[2]
msgs = json.load(open(path))
base = dict(msgs[0])
for n, (sender, me, text) in enumerate([
        ("", True, notice),
        ("+14155550100", False, "approve abcd-2345"),
        ("+14155550100", False, "Drop EFGH6789."),
        ("+14155550100", False, "what is this?"),
        ("+14155550100", False, "see you at 6")]):
    m = dict(base)
    m.update(id=3001 + n, guid="H-%d" % n, sender=sender, is_from_me=me,
             text=text)
    if text == "what is this?":
        m["reply_to_text"] = notice
        m["reply_to_guid"] = "H-0"
    msgs.append(m)
json.dump(msgs, open(path, "w"))
EOF
out=$(agent "$T/bin/imsg" history --chat-id 1 --limit 100 --json)
expect_match "history shows the owner's other messages" '"text":"see you at 6"' "$out"
case "$out" in
*ABCD*|*abcd*|*EFGH*|*Carapace:*|*"what is this"*)
	not_ok "history shows no notice, no reply, nothing quoting a notice" ;;
*) ok "history shows no notice, no reply, nothing quoting a notice" ;;
esac
out=$(agent "$T/bin/imsg" chats --json)
expect_match "chat list lists the owner's chat" '"identifier":"\+14155550100"' "$out"
case "$out" in
*ABCD*|*abcd*|*EFGH*|*Carapace:*|*approve*)
	not_ok "chat list carries no notice or reply text" ;;
*) ok "chat list carries no notice or reply text" ;;
esac

# Signal: the owner answers there a hold whose notice went by iMessage
# (a code is the hold's, not the channel's).
h4=$(hold_of "$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"send","params":{"channel":"signal","recipients":["+14155559994"],"text":"held four"}}' | raw)")
h5=$(hold_of "$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"send","params":{"channel":"signal","recipients":["+14155559995"],"text":"held five"}}' | raw)")
check "two signal sends held" test -n "$h4" -a -n "$h5"
check "code for a signal hold, notified by iMessage" state code "$h4" imsg PQRS2345 600
check "code for the other" state code "$h5" signal TVWX6789 600
ssent() { find "$SIG/spool" -type f -name '*.json' 2>/dev/null | wc -l | tr -d ' '; }
sbase=$(ssent)

# envelope TS SENDER TEXT [EXTRA-ENVELOPE-JSON] (signal-cli's receive).
envelope() {
	printf '{"envelope":{"source":"%s","sourceNumber":"%s","sourceUuid":"5b1c7d0e-2f44-4c1a-9d0b-1a2b3c4d5e6f","sourceName":"Owner","sourceDevice":1,"timestamp":%s,"serverReceivedTimestamp":%s,"serverDeliveredTimestamp":%s,"dataMessage":{"timestamp":%s,"message":"%s","expiresInSeconds":0,"viewOnce":false}%s},"account":"%s"}\n' \
	    "$2" "$2" "$1" "$1" "$1" "$1" "$3" "${4:-}" "$ACCOUNT"
}
# sync_envelope TS TEXT: what the account sent from a linked device.
sync_envelope() {
	printf '{"envelope":{"source":"%s","sourceNumber":"%s","sourceUuid":"0d8a3c5e-1111-4c1a-9d0b-1a2b3c4d5e6f","sourceDevice":2,"timestamp":%s,"syncMessage":{"sentMessage":{"destination":"%s","destinationNumber":"%s","timestamp":%s,"message":"%s","expiresInSeconds":0,"viewOnce":false}}},"account":"%s"}\n' \
	    "$ACCOUNT" "$ACCOUNT" "$1" "$OWNER" "$OWNER" "$1" "$2" "$ACCOUNT"
}
sinbox() {
	printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"inbox.read","params":{"channel":"signal","since":0,"limit":1000}}' | raw
}
# s_sync TS: the owner's plain message, then wait until the inbox has it.
s_sync() {
	envelope "$1" "$OWNER" "sync $1" >>"$SIG/inbound.jsonl"
	i=0
	while ! sinbox | grep -q "sync $1" && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sinbox | grep -q "sync $1"
}

{
	sync_envelope 1700000000001 "approve TVWX6789"
	envelope 1700000000002 "+14155550142" "approve TVWX6789"
	envelope 1700000000003 "$OWNER" "approve TVWX6789" \
	    ',"editMessage":{"targetSentTimestamp":1,"dataMessage":{"message":"approve TVWX6789"}}'
} >>"$SIG/inbound.jsonl"
check "signal watcher caught up" s_sync 1700000000010
expect_eq "a sync of the account's own send, a stranger, an edit: nothing" \
    "$sbase" "$(ssent)"
expect_eq "the signal hold is still held" 1 "$(held "$h5")"
envelope 1700000000011 "$OWNER" "yes pqrs-2345" >>"$SIG/inbound.jsonl"
envelope 1700000000012 "$OWNER" "n tvwx6789" >>"$SIG/inbound.jsonl"
check "signal watcher caught up" s_sync 1700000000013
expect_eq "approve by Signal delivers the hold notified by iMessage" \
    $((sbase + 1)) "$(ssent)"
expect_match "the Signal hold went to its recipient" '"held four"' \
    "$(cat "$SIG"/spool/*.json)"
expect_eq "drop by Signal drops" 0 "$(held "$h5")"
expect_eq "approver is the owner's Signal identity" \
    2 "$(decided approve owner:signal:+14155550100 "$h4")"
out=$(sinbox)
case "$out" in
*pqrs*|*tvwx6789*) not_ok "signal inbox shows no reply" ;;
*) ok "signal inbox shows no reply" ;;
esac

# A real notice, end to end: the hold's notice goes to the owner's
# identity with a code; the owner's "approve CODE" delivers it once.
nb=$(spool_count)
h6=$(hold_of "$(agent "$T/bin/imsg" send --to "+1 415 555 9996" --text "held six" 2>&1)")
check "a sixth send held" test -n "$h6"
expect_eq "its notice went out" $((nb + 1)) "$(spool_count)"
nf=$(grep -l "held six" "$T"/sim/spool/* | head -1)
expect_match "the notice went to the owner's identity" '14155550100' \
    "$(cat "$nf")"
c6=$(grep -Eo 'approve [0-9A-Z]{8}' "$nf" | head -1 | cut -c9-)
check "the notice offers a code" test -n "$c6"
case "$(cat "$T/watch.out"; ctl audit show)" in
*"$c6"*) not_ok "the notice's code is in no stream and no record" ;;
*) ok "the notice's code is in no stream and no record" ;;
esac
im 2101 "" "$(sed -n 's/.*"text":"\([^"]*\)".*/\1/p' "$nf")" true >>"$T/sim/inbound.jsonl"
agent "$T/bin/imsg" send --to "+1 (415) 555-0100" --text "approve $c6" >/dev/null 2>&1
im 2102 "$ACCOUNT" "approve $c6" true >>"$T/sim/inbound.jsonl"
check "watcher caught up" im_sync 2103
expect_eq "the agent's own 'approve CODE' delivers nothing" 1 "$(held "$h6")"
im 2104 "$OWNER" "OK $c6" >>"$T/sim/inbound.jsonl"
check "watcher caught up" im_sync 2105
expect_eq "the owner's reply to the real notice delivers it" 0 "$(held "$h6")"
expect_eq "exactly once" 1 "$(grep -l '"text":"held six"' "$T"/sim/spool/* | grep -vc "$nf")"
im 2106 "$OWNER" "approve $c6" >>"$T/sim/inbound.jsonl"
check "watcher caught up" im_sync 2107
expect_eq "the same reply again delivers nothing more" 1 \
    "$(grep -l '"text":"held six"' "$T"/sim/spool/* | grep -vc "$nf")"
case "$(cat "$T/watch.out"; agent "$T/bin/imsg" history --chat-id 1 --json)" in
*"$c6"*|*"held six"*) not_ok "neither the notice nor the reply on the agent's read paths" ;;
*) ok "neither the notice nor the reply on the agent's read paths" ;;
esac

# One decision at a time: while a hold is claimed (a decider at work),
# neither the terminal nor the owner's reply acts on it, and the
# owner's code stays usable once the claim is released with the hold.
h7=$(hold_of "$(agent "$T/bin/imsg" send --to "+1 415 555 9997" --text "held seven" 2>&1)")
check "a seventh send held" test -n "$h7"
check "code for the seventh hold stored" state code "$h7" imsg QRST2345 600
check "a decider claims it" state claim "$h7"
cb=$(spool_count)
out=$(ctl holds approve "$h7" 2>&1)
expect_match "carapacectl refuses a hold being decided" 'being decided' "$out"
im 2201 "$OWNER" "approve QRST2345" >>"$T/sim/inbound.jsonl"
check "watcher caught up" im_sync 2202
expect_eq "nothing delivered while it is claimed" "$cb" "$(spool_count)"
expect_eq "the hold is still held" 1 "$(held "$h7")"
expect_match "the reply is audited as refused, without its code" \
    '"method":"owner.approve".*"reason":"hold '"$h7"': being decided"' \
    "$(ctl audit show | grep '"method":"owner.approve"' | tail -1)"
case "$(ctl audit show)" in
*QRST2345*) not_ok "the code of the claimed hold is not audited" ;;
*) ok "the code of the claimed hold is not audited" ;;
esac
ctl holds drop "$h7" >/dev/null 2>&1
expect_eq "a live claim also stops a drop" 1 "$(held "$h7")"

# A live code is hidden however it is written and whoever writes it;
# ordinary text with words of the same length is not.
im 2301 "$OWNER" "what is qrst-2345 about?" >>"$T/sim/inbound.jsonl"
im 2302 "$OWNER" "approve QRST 2345 thanks" >>"$T/sim/inbound.jsonl"
im 2303 "+14155550142" "> QRST2345: see above" >>"$T/sim/inbound.jsonl"
im 2304 "$OWNER" "" true >>"$T/sim/inbound.jsonl"
im 2305 "+14155550142" "password 12345678 tomorrow ABCD2345" >>"$T/sim/inbound.jsonl"
check "watcher caught up" im_sync 2306
case "$(cat "$T/watch.out")" in
*[Qq][Rr][Ss][Tt]*) not_ok "a live code in a sentence, halves or a quote is never shown" ;;
*) ok "a live code in a sentence, halves or a quote is never shown" ;;
esac
expect_match "ordinary words and a used code are shown" \
    '"text":"password 12345678 tomorrow ABCD2345"' "$(cat "$T/watch.out")"

# freeze from the owner's phone stops the next send; thaw restores it.
fbase=$(spool_count)
envelope 1700000000020 "$OWNER" "freeze" >>"$SIG/inbound.jsonl"
check "signal watcher caught up" s_sync 1700000000021
expect_eq "freeze from the owner is audited with the owner as client" 1 \
    "$(ctl audit show | grep '"method":"owner.freeze"' | grep -c '"client":"owner:signal:+14155550100"')"
case "$(sinbox)" in
*'"message":"freeze"'*) not_ok "the freeze reply is not in the inbox" ;;
*) ok "the freeze reply is not in the inbox" ;;
esac
out=$(agent "$T/bin/imsg" send --to "+1 (415) 555-0100" --text "after the freeze" 2>&1)
expect_match "the next send is refused: frozen by the owner" \
    'frozen by the owner' "$out"
expect_eq "and nothing is sent" "$fbase" "$(spool_count)"
out=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"send","params":{"channel":"signal","recipients":["+14155550100"],"text":"after the freeze"}}' | raw)
expect_match "signal too is frozen (-32014)" '"code":-32014' "$out"
expect_match "carapacectl sees the freeze of every channel" '^\*  *frozen since' \
    "$(ctl freeze --list 2>&1)"
envelope 1700000000030 "$OWNER" "Thaw" >>"$SIG/inbound.jsonl"
check "signal watcher caught up" s_sync 1700000000031
expect_eq "thaw from the owner is audited" 1 \
    "$(ctl audit show | grep '"method":"owner.thaw"' | grep -c '"client":"owner:signal:+14155550100"')"
out=$(agent "$T/bin/imsg" send --to "+1 (415) 555-0100" --text "after the thaw" 2>&1)
expect_eq "after the thaw the send goes" $((fbase + 1)) "$(spool_count)"
# The agent's own "thaw" or "freeze" to the owner changes nothing.
envelope 1700000000040 "$OWNER" "freeze" >>"$SIG/inbound.jsonl"
check "signal watcher caught up" s_sync 1700000000041
agent "$T/bin/imsg" send --to "+1 (415) 555-0100" --text "thaw" >/dev/null 2>&1
out=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"send","params":{"channel":"signal","recipients":["+14155550100"],"text":"thaw"}}' | raw)
check "signal watcher caught up" s_sync 1700000000042
expect_match "the agent's thaw to the owner does not thaw" '"code":-32014' \
    "$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"send","params":{"channel":"signal","recipients":["+14155550100"],"text":"x"}}' | raw)"
ctl thaw >/dev/null 2>&1

# No code anywhere in the record or the logs.
for code in ABCD2345 abcd-2345 EFGH6789 ZZZZ2222 JKMN2345 pqrs-2345 tvwx6789; do
	case "$(ctl audit show; cat "$T"/watch*.log "$T/handler.log")" in
	*"$code"*) not_ok "code $code never audited or logged" ;;
	*) ok "code $code never audited or logged" ;;
	esac
done
expect_match "audit chain verifies" '^audit chain OK' "$(ctl audit verify)"

cleanup
finish
