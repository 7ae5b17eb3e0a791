#!/bin/sh
# The owner's freeze end to end: the real handler under
# systemd-socket-activate, the real shims (imsg, signal-cli, gog,
# discord) as the agent, the simulated tools, the simulated signal-cli
# daemon and the fake Discord API.  carapacectl freeze stops every
# outbound action on every channel (sends, reactions, typing, receipts,
# remote deletes, drafts) with the shims saying "frozen by the owner",
# each refusal audited (rule owner.freeze, -32014); reads keep working;
# a freeze of one channel leaves the others; a connection opened before
# the freeze is refused on its next request; a held message cannot be
# approved while frozen and can after the thaw; thaw restores
# everything.  As an attacker, the agent tries to thaw through the
# socket (every plausible method name, batches, notifications) and with
# carapacectl itself: nothing lifts the freeze.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	echo "# SKIP: python3 not installed (tests/discord-fake.py)"
	exit 77
fi

setup
for s in imsg signal-cli gog discord; do
	cp "$top_builddir/src/shim/$s" "$T/bin/$s"
done
cp "$top_builddir/sim/gog" "$T/bin/sim-gog"
cp "$top_builddir/sim/signal-cli" "$T/bin/sim-signal-cli"
cp "$top_builddir/carapace-discord" "$T/bin/carapace-discord"
chmod 755 "$T/bin"/*
GOGDIR=$T/sim/gog
mkdir -p "$GOGDIR"
cp "$top_srcdir"/sim/data/gog/*.json "$GOGDIR/"
SIG=$T/sig
mkdir -p "$SIG/attachments" "$T/fake"
cp "$top_srcdir"/sim/data/signal/*.json "$SIG/"
: >"$SIG/inbound.jsonl"
chown -R "$GW_USER:$GW_USER" "$GOGDIR" "$SIG"
chown "$AGENT_USER" "$T/home"
DSOCK=$T/run/signal-cli.sock
MOM=+14155550100
GENERAL=700000000000000001
printf 'fake-bot-token-0123456789\n' >"$T/discord.token"
chown "$GW_USER" "$T/discord.token"
chmod 600 "$T/discord.token"

python3 "$top_srcdir/tests/discord-fake.py" --dir "$T/fake" \
    --token-file "$T/discord.token" --port-file "$T/fake/port" \
    2>"$T/fake.log" &
FAKE_PID=$!
(exec setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
    "$T/bin/sim-signal-cli" -a +14155550199 --config "$SIG" daemon \
    --socket "$DSOCK" --receive-mode=manual 2>>"$T/daemon.log") &
DAEMON_PID=$!
cleanup() {
	stop_gateway
	for p in "$FAKE_PID" "$DAEMON_PID" ${CLIENT_PID:-}; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
}
trap cleanup EXIT
i=0
while { [ ! -s "$T/fake/port" ] || [ ! -S "$DSOCK" ]; } && [ $i -lt 400 ]; do
	sleep 0.05
	i=$((i + 1))
done
check "fake Discord API and simulated signal-cli daemon started" \
    test -s "$T/fake/port" -a -S "$DSOCK"
PORT=$(cat "$T/fake/port")

write_config <<YAML
version: 1
state_dir: $T/state
map_size: 64M
audit: { sink: stderr }
clients:
  - name: agent
    users: [$AGENT_USER]
    channels: [imsg, gmail, discord, signal]
contacts:
  mom: { imsg: "$MOM", signal: "$MOM" }
channels:
  imsg:
    tool: $T/bin/sim-imsg
    db: $T/sim
    timeout: 30s
    outbound:
      mode: allowlist
      allow: [mom, "chat:3"]
    inbound:
      mode: allowlist
      allow: [mom]
  gmail:
    tool: $T/bin/sim-gog
    account: me@example.com
    send: send
    timeout: 30s
    outbound:
      mode: allowlist
      allow: ["*@example.com"]
    inbound:
      mode: allowlist
      allow: ["*@example.com"]
  discord:
    tool: $T/bin/carapace-discord
    token_file: $T/discord.token
    api_base: http://127.0.0.1:$PORT/api/v10
    timeout: 30s
    outbound:
      mode: allowlist
      allow: ["channel:$GENERAL"]
  signal:
    daemon_socket: $DSOCK
    account: "+14155550199"
    timeout: 30s
    outbound:
      mode: allowlist
      allow: [mom]
content:
  max_length: 4000
  rules:
    - { name: cards, detect: credit_card, action: hold }
YAML
start_gateway

imsg_sent() { spool_count; }
signal_sent() {
	find "$SIG/spool" -type f -name '*.json' 2>/dev/null | wc -l | tr -d ' '
}
gmail_sent() {
	find "$GOGDIR/spool" -type f -name '*.json' 2>/dev/null | wc -l |
	    tr -d ' '
}
discord_sent() {
	if [ -f "$T/fake/sent.jsonl" ]; then
		wc -l <"$T/fake/sent.jsonl" | tr -d ' '
	else
		echo 0
	fi
}
all_sent() {
	echo "$(imsg_sent):$(signal_sent):$(gmail_sent):$(discord_sent)"
}
# frozen_records: how many audit records are refusals by the freeze.
frozen_records() {
	ctl audit show | grep '"rule":"owner.freeze"' |
	    grep '"decision":"deny"' | grep -c '"code":-32014'
}
rpc() {
	printf '{"jsonrpc":"2.0","id":1,"method":%s}\n' "$1" | raw
}

# ---- before any freeze: everything goes (the refusals below mean
# something) ---------------------------------------------------------------
out=$(ctl freeze --list)
expect_eq "nothing frozen at first" "nothing frozen" "$out"
before=$(all_sent)
agent "$T/bin/imsg" send --to mom --text "before" >/dev/null 2>&1
expect_eq "imsg send works before the freeze" 0 $?
agent "$T/bin/signal-cli" send -m "before" "$MOM" >/dev/null 2>&1
expect_eq "signal-cli send works before the freeze" 0 $?
printf 'before\n' | agent "$T/bin/gog" --json gmail send \
    --to alice@example.com --subject "before" --body-file - >/dev/null 2>&1
expect_eq "gog send works before the freeze" 0 $?
agent "$T/bin/discord" send --to "channel:$GENERAL" --text "before" \
    >/dev/null 2>&1
expect_eq "discord send works before the freeze" 0 $?
b_imsg=${before%%:*}
expect_eq "each channel delivered once" \
    "$((b_imsg + 1)):1:1:1" "$(all_sent)"

# A message held before the freeze (a content rule): for later.
out=$(agent "$T/bin/imsg" send --to mom --text "card 4111 1111 1111 1111" 2>&1)
HOLD=$(printf '%s' "$out" | sed -n 's/.*hold \(h[0-9]*\).*/\1/p')
check "a message is held for approval ($out)" test -n "$HOLD"

# A connection opened before the freeze: its first request answered,
# then it waits on a FIFO for the test to freeze.
mkfifo "$T/go"
chmod 666 "$T/go"
cat >"$T/late.py" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
f = s.makefile("rwb")
def call(i, method, params):
    f.write((json.dumps({"jsonrpc": "2.0", "id": i, "method": method,
        "params": params}) + "\n").encode())
    f.flush()
    line = f.readline().decode()
    print(line.strip(), flush=True)
call(1, "gateway.ping", {})
open(sys.argv[2]).read()
call(2, "send", {"channel": "imsg", "to": "mom", "text": "late"})
PY
agent python3 "$T/late.py" "$SOCK" "$T/go" >"$T/late.out" 2>&1 &
CLIENT_PID=$!
i=0
while ! grep -q '"pong"' "$T/late.out" 2>/dev/null && [ $i -lt 400 ]; do
	sleep 0.05
	i=$((i + 1))
done
check "a connection is open and answered before the freeze" \
    grep -q '"pong"' "$T/late.out"

# ---- freeze every channel -------------------------------------------------
out=$(ctl freeze)
expect_eq "carapacectl freeze exits 0" 0 $?
expect_match "it says every channel is frozen" \
    '^every channel frozen: nothing is sent on it until thawed' "$out"
expect_match "and lists the flag" '^\*  +frozen since 20[0-9-]+T' "$out"
expect_match "the freeze is audited (owner.freeze, client carapacectl)" \
    '"client":"carapacectl".*"method":"owner.freeze"' \
    "$(ctl audit show | grep '"method":"owner.freeze"')"

echo go >"$T/go"
wait "$CLIENT_PID"
CLIENT_PID=
expect_match "the open connection's next send is refused: frozen" \
    '"id":2.*"code":-32014.*"data":\{"channel":"imsg","rule":"owner.freeze"\}' \
    "$(sed -n 2p "$T/late.out")"

before=$(all_sent)
n0=$(frozen_records)
out=$(agent "$T/bin/imsg" send --to mom --text "frozen?" 2>&1)
expect_eq "imsg send refused: exit 1" 1 $?
expect_match "imsg says frozen by the owner" \
    'frozen by the owner: nothing is sent on imsg until the owner thaws it' \
    "$out"
out=$(agent "$T/bin/signal-cli" send -m "frozen?" "$MOM" 2>&1)
expect_eq "signal-cli send refused: user error exit 1" 1 $?
expect_match "signal-cli says frozen by the owner" \
    'frozen by the owner: nothing is sent on signal' "$out"
out=$(printf 'frozen?\n' | agent "$T/bin/gog" --json gmail send \
    --to alice@example.com --subject "frozen?" --body-file - 2>&1)
expect_eq "gog send refused: permission exit 6" 6 $?
expect_match "gog says frozen by the owner" \
    'frozen by the owner: nothing is sent on gmail' "$out"
out=$(agent "$T/bin/discord" send --to "channel:$GENERAL" --text "frozen?" 2>&1)
expect_eq "discord send refused: exit 3" 3 $?
expect_match "discord says frozen by the owner" \
    '^discord: frozen by the owner: nothing is sent on discord until the owner thaws it$' \
    "$out"
expect_eq "nothing delivered on any channel" "$before" "$(all_sent)"
expect_eq "each refusal audited: deny, owner.freeze, -32014" \
    "$((n0 + 4))" "$(frozen_records)"
for ch in imsg signal gmail discord; do
	expect_match "the $ch refusal's record names the channel and method" \
	    "\"channel\":\"$ch\".*\"method\":\"send\"" \
	    "$(ctl audit show | grep '"rule":"owner.freeze"' | grep "\"channel\":\"$ch\"" | tail -1)"
done

# Everything else outbound: reactions, typing, receipts, remote
# deletes, drafts.
n0=$(frozen_records)
out=$(agent "$T/bin/imsg" react --chat-id 3 -r love 2>&1)
expect_match "imsg react refused" 'frozen by the owner' "$out"
out=$(agent "$T/bin/imsg" typing --to mom 2>&1)
expect_match "imsg typing refused" 'frozen by the owner' "$out"
out=$(agent "$T/bin/imsg" read --to "$MOM" 2>&1)
expect_match "imsg read receipt refused" 'frozen by the owner' "$out"
out=$(agent "$T/bin/signal-cli" sendReaction "$MOM" -e "+1" -a "$MOM" \
    -t 1700000000002 2>&1)
expect_match "signal-cli sendReaction refused" 'frozen by the owner' "$out"
out=$(agent "$T/bin/signal-cli" sendTyping "$MOM" 2>&1)
expect_match "signal-cli sendTyping refused" 'frozen by the owner' "$out"
out=$(agent "$T/bin/signal-cli" sendReceipt "$MOM" -t 1700000000000 2>&1)
expect_match "signal-cli sendReceipt refused" 'frozen by the owner' "$out"
out=$(agent "$T/bin/signal-cli" remoteDelete "$MOM" -t 1700000000000 2>&1)
expect_match "signal-cli remoteDelete refused" 'frozen by the owner' "$out"
out=$(printf 'draft\n' | agent "$T/bin/gog" --json gmail drafts create \
    --to alice@example.com --subject "draft?" --body-file - 2>&1)
expect_match "gog drafts create refused" 'frozen by the owner' "$out"
out=$(agent "$T/bin/gog" --json gmail drafts send r-1 2>&1)
expect_match "gog drafts send refused" 'frozen by the owner' "$out"
out=$(rpc '"react","params":{"channel":"signal","recipients":["mom"],"emoji":"x","target_author":"+14155550100","target_timestamp":1}')
expect_match "a raw signal react refused with -32014 before its params are used" \
    '"code":-32014' "$out"
expect_eq "nothing delivered by any of them" "$before" "$(all_sent)"
expect_eq "each audited as a freeze refusal" "$((n0 + 10))" "$(frozen_records)"

# Reads keep working.
out=$(agent "$T/bin/imsg" chats --json 2>&1)
expect_eq "imsg chats works while frozen" 0 $?
expect_match "and lists a chat" '"identifier":"\+14155550100"' "$out"
agent "$T/bin/imsg" history --chat-id 1 --json >/dev/null 2>&1
expect_eq "imsg history works while frozen" 0 $?
agent "$T/bin/signal-cli" listGroups >/dev/null 2>&1
expect_eq "signal-cli listGroups works while frozen" 0 $?
agent "$T/bin/gog" --json gmail search in:inbox --max 10 >/dev/null 2>&1
expect_eq "gog gmail search works while frozen" 0 $?
agent "$T/bin/discord" channels >/dev/null 2>&1
expect_eq "discord channels works while frozen" 0 $?
out=$(rpc '"gateway.ping","params":{}')
expect_match "gateway.ping works while frozen" '"pong":true' "$out"

# The held message cannot be approved while frozen.
out=$(ctl holds approve "$HOLD" 2>&1)
expect_eq "holds approve of a frozen channel exits 1" 1 $?
expect_match "and says the channel is frozen, the message still held" \
    "$HOLD: delivery failed, still held: channel imsg is frozen by the owner" \
    "$out"
expect_match "the hold is still listed" "^$HOLD " "$(ctl holds list)"
expect_eq "nothing delivered by the approval" "$before" "$(all_sent)"
expect_match "the refused approval is audited with the freeze's error, denied by its rule" \
    '"code":-32014,"decision":"deny",.*"outcome":"refused",.*"rule":"owner.freeze"' \
    "$(ctl audit show | grep '"method":"holds.approve"' | tail -1)"

# ---- the agent cannot thaw -------------------------------------------------
for m in owner.thaw owner.freeze gateway.thaw gateway.freeze freeze thaw \
    unfreeze holds.approve state.freeze; do
	out=$(rpc "\"$m\",\"params\":{\"channel\":\"imsg\"}")
	expect_match "agent's $m with a channel: method not found" \
	    '"code":-32601' "$out"
	out=$(rpc "\"$m\",\"params\":{}")
	expect_match "agent's $m without a channel: method not found" \
	    '"code":-32601' "$out"
done
out=$(printf '[{"jsonrpc":"2.0","id":1,"method":"owner.thaw"},{"jsonrpc":"2.0","method":"thaw","params":{"frozen":false}},{"jsonrpc":"2.0","id":2,"method":"send","params":{"channel":"imsg","to":"mom","text":"batch"}}]\n' | raw)
expect_match "a batch with thaw attempts: the send in it still frozen" \
    '"id":2.*"code":-32014' "$out"
out=$(agent "$T/bin/carapacectl" -c "$CONF" thaw 2>&1)
expect_eq "carapacectl run by the agent cannot thaw (no access to the state)" \
    1 $?
out=$(ctl freeze --list)
expect_match "still frozen after every attempt" '^\* ' "$out"
expect_eq "nothing delivered" "$before" "$(all_sent)"

# ---- thaw, then freeze one channel ---------------------------------------
out=$(ctl thaw)
expect_eq "carapacectl thaw exits 0" 0 $?
expect_eq "thaw says so and lists nothing" \
    "every channel thawed
nothing frozen" "$out"
expect_match "the thaw is audited (owner.thaw)" \
    '"client":"carapacectl".*"method":"owner.thaw".*"outcome":"ok"' \
    "$(ctl audit show | grep '"method":"owner.thaw"')"

out=$(ctl freeze imsg)
expect_match "freeze imsg" '^imsg frozen' "$out"
expect_match "freeze --list shows imsg only" '^imsg +frozen since ' \
    "$(ctl freeze --list)"
expect_eq "freeze --list: one line" 1 "$(ctl freeze --list | wc -l | tr -d ' ')"
before=$(all_sent)
out=$(agent "$T/bin/imsg" send --to mom --text "one frozen" 2>&1)
expect_match "imsg refused while imsg is frozen" 'frozen by the owner' "$out"
agent "$T/bin/signal-cli" send -m "others" "$MOM" >/dev/null 2>&1
expect_eq "signal still sends" 0 $?
printf 'others\n' | agent "$T/bin/gog" --json gmail send \
    --to alice@example.com --subject "others" --body-file - >/dev/null 2>&1
expect_eq "gmail still sends" 0 $?
agent "$T/bin/discord" send --to "channel:$GENERAL" --text "others" \
    >/dev/null 2>&1
expect_eq "discord still sends" 0 $?
b_imsg=${before%%:*}
rest=${before#*:}
s=${rest%%:*}; rest=${rest#*:}
g=${rest%%:*}; d=${rest#*:}
expect_eq "only imsg delivered nothing" \
    "$b_imsg:$((s + 1)):$((g + 1)):$((d + 1))" "$(all_sent)"

# Every channel frozen on top: thawing imsg alone leaves it frozen.
ctl freeze >/dev/null
out=$(ctl thaw imsg)
expect_match "thaw imsg while every channel is frozen says it stays frozen" \
    'imsg is still frozen with every channel' "$out"
out=$(agent "$T/bin/imsg" send --to mom --text "still" 2>&1)
expect_match "and imsg is still refused" 'frozen by the owner' "$out"
ctl thaw >/dev/null

# Unknown channels are refused clearly; nothing changes.
out=$(ctl freeze imessage 2>&1)
expect_eq "freeze of an unknown channel: usage error exit 2" 2 $?
expect_match "it names the channel and the known ones" \
    'unknown channel imessage; the channels are: imsg' "$out"
out=$(ctl thaw ../imsg 2>&1)
expect_eq "thaw of an unknown channel: exit 2" 2 $?
expect_eq "nothing frozen after the refusals" "nothing frozen" \
    "$(ctl freeze --list)"

# ---- after the thaw: everything goes again ------------------------------
before=$(all_sent)
agent "$T/bin/imsg" send --to mom --text "after" >/dev/null 2>&1
expect_eq "imsg sends after the thaw" 0 $?
agent "$T/bin/imsg" typing --to mom >/dev/null 2>&1
expect_eq "imsg typing works after the thaw" 0 $?
agent "$T/bin/signal-cli" sendTyping "$MOM" >/dev/null 2>&1
expect_eq "signal-cli sendTyping works after the thaw" 0 $?
# Every outbound act, not only a message, is recorded as delivering
# before it acts: that commit is where a freeze set after dispatch's
# check is found again (test_freeze, test_call).
out=$(agent "$T/bin/imsg" react --chat-id 3 -r love 2>&1)
expect_eq "imsg react works after the thaw" 0 $?
expect_match "imsg react: its record refers to the delivering record made before it acted" \
    '"decision":"allow","delivery":[0-9]+,.*"method":"react"' \
    "$(ctl audit show | grep '"method":"react"' |
    grep -v '"outcome":"delivering"' | tail -1)"
for ch in imsg signal; do
	expect_match "$ch typing: its record refers to the delivering record made before it acted" \
	    '"decision":"allow","delivery":[0-9]+,.*"method":"typing"' \
	    "$(ctl audit show | grep "\"channel\":\"$ch\"" |
	    grep '"method":"typing"' | grep -v '"outcome":"delivering"' |
	    tail -1)"
done
out=$(ctl holds approve "$HOLD" 2>&1)
expect_eq "the held message is approved after the thaw" 0 $?
expect_match "approved and sent" "$HOLD: approved and sent to \\+14155550100" "$out"
expect_eq "the held message was delivered once" 1 \
    "$(grep -l '4111 1111 1111 1111' "$T"/sim/spool/* 2>/dev/null | wc -l | tr -d ' ')"

finish
