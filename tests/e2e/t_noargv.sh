#!/bin/sh
# No message content on any command line: during a send on every
# channel (imsg, Gmail send and draft, Discord, Signal, and a held
# message approved by the owner), with the simulated tool (or the fake
# API) paused in the middle of it, every process's /proc/PID/cmdline is
# read, and no message text or body may be in any of them: any local
# user can read them.  Gmail's subject is the one field a real tool
# (gog) takes only on its command line: it may be in gog's argv, as
# --subject=, and nowhere else (carapacectl check warns about it).
#
# The requests go as raw JSON-RPC (rawclient reads them on stdin), and
# the markers are searched with grep -f, so that no process of the test
# itself carries a marker on its own command line.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	echo "# SKIP: python3 not installed (tests/discord-fake.py)"
	exit 77
fi

setup
cp "$top_builddir/sim/gog" "$T/bin/sim-gog"
cp "$top_builddir/sim/signal-cli" "$T/bin/sim-signal-cli"
cp "$top_builddir/carapace-discord" "$T/bin/carapace-discord"
chmod 755 "$T/bin/sim-gog" "$T/bin/sim-signal-cli" "$T/bin/carapace-discord"
GOGDIR=$T/sim/gog
mkdir -p "$GOGDIR"
cp "$top_srcdir"/sim/data/gog/*.json "$GOGDIR/"
SIG=$T/sig
mkdir -p "$SIG/attachments" "$T/fake"
cp "$top_srcdir"/sim/data/signal/*.json "$SIG/"
: >"$SIG/inbound.jsonl"
chown -R "$GW_USER:$GW_USER" "$GOGDIR" "$SIG"
DSOCK=$T/run/signal-cli.sock
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
	kill "$FAKE_PID" "$DAEMON_PID" 2>/dev/null
	rm -f "$T/sim/sim-pause" "$GOGDIR/sim-pause" "$T/fake/pause" \
	    "$SIG/sim-pause"
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

# all_config GMAIL_SEND_MODE [IMSG_OUTBOUND_MODE]
all_config() {
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
  mom: { imsg: "+14155550100", signal: "+14155550100" }
channels:
  imsg:
    tool: $T/bin/sim-imsg
    db: $T/sim
    timeout: 60s
    outbound:
      mode: ${2:-allowlist}
      allow: [mom, "chat:3"]
  gmail:
    tool: $T/bin/sim-gog
    account: me@example.com
    send: $1
    timeout: 60s
    outbound:
      mode: allowlist
      allow: ["*@example.com"]
  discord:
    tool: $T/bin/carapace-discord
    token_file: $T/discord.token
    api_base: http://127.0.0.1:$PORT/api/v10
    timeout: 60s
    outbound:
      mode: allowlist
      allow: ["channel:700000000000000001"]
  signal:
    daemon_socket: $DSOCK
    account: "+14155550199"
    timeout: 60s
    outbound:
      mode: allowlist
      allow: [mom]
content:
  max_length: 4000
  rules:
    - { name: cards, detect: credit_card, action: hold }
YAML
}

# Every process's command line, "PID ARGV..." with NULs as spaces.
cmdlines() {
	for f in /proc/[0-9]*/cmdline; do
		p=${f#/proc/}
		p=${p%/cmdline}
		line=$(tr '\0' ' ' 2>/dev/null <"$f")
		[ -n "$line" ] && printf '%s %s\n' "$p" "$line"
	done
}

# wait_for FILE: until it exists (the paused tool made it); 1 if never.
wait_for() {
	i=0
	while [ ! -e "$1" ] && [ $i -lt 1200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ -e "$1" ]
}

# paused_send NAME KNOB MARKFILE REQUEST [ctl holds approve ID]: send the
# request (or approve the hold) with KNOB present, wait until MARKFILE
# (or, for a directory, something in it) says the tool is in the middle
# of the send, snapshot every command line into $T/cmdlines.NAME, then
# release the tool and keep the answer in $T/out.NAME.
paused_send() {
	name=$1 knob=$2 mark=$3 req=$4
	shift 4
	touch "$knob"
	if [ $# -gt 0 ]; then
		ctl "$@" >"$T/out.$name" 2>&1 &
	else
		printf '%s\n' "$req" >"$T/req.$name"
		raw -w 120000 <"$T/req.$name" >"$T/out.$name" 2>&1 &
	fi
	client=$!
	if [ -d "$mark" ]; then
		i=0
		while [ -z "$(ls -A "$mark" 2>/dev/null)" ] && [ $i -lt 1200 ]; do
			sleep 0.05
			i=$((i + 1))
		done
		paused=$(ls -A "$mark" 2>/dev/null)
	else
		wait_for "$mark" && paused=yes || paused=
	fi
	check "$name: the tool was caught in the middle of the send" \
	    test -n "$paused"
	cmdlines >"$T/cmdlines.$name"
	rm -f "$knob"
	wait "$client"
}

# no_marks NAME MARK...: none of the markers in any command line.
no_marks() {
	name=$1
	shift
	printf '%s\n' "$@" >"$T/marks.$name"
	n=$(grep -c -F -f "$T/marks.$name" "$T/cmdlines.$name")
	expect_eq "$name: no message content in any of $(wc -l <"$T/cmdlines.$name" | tr -d ' ') command lines" \
	    0 "$n"
	[ "$n" = 0 ] || grep -F -f "$T/marks.$name" "$T/cmdlines.$name" |
	    head -c 2000
}

RUN=$$-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
all_config send
start_gateway
mkdir -p "$T/sim/paused" "$GOGDIR/paused"
chown "$GW_USER" "$T/sim/paused" "$GOGDIR/paused"

# ---- iMessage: the text goes to "imsg rpc" on stdin ----------------------
TEXT=imsg-text-$RUN
paused_send imsg "$T/sim/sim-pause" "$T/sim/paused" \
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"send\",\"params\":{\"channel\":\"imsg\",\"to\":\"mom\",\"text\":\"$TEXT x\"}}"
expect_match "imsg: sent, with what the rpc send answers" \
    '"result":\{"status":"sent","channel":"imsg","recipient":"\+14155550100","ok":true,"transport":"applescript","id":[0-9]+,"guid":"[^"]+"\}' \
    "$(cat "$T/out.imsg")"
expect_match "imsg: the caught tool was imsg rpc" \
    "^[0-9]+ $T/bin/sim-imsg rpc --db $T/sim --json \$" \
    "$(grep -F "$T/bin/sim-imsg" "$T/cmdlines.imsg")"
no_marks imsg "$TEXT"
expect_match "imsg: the tool got the text on stdin" "\"via\":\"rpc\".*\"text\":\"$TEXT x\"" \
    "$(cat "$T"/sim/spool/*)"

# To a chat by id, text with newlines and an option-like start.
TEXT=imsg-chat-$RUN
paused_send imsg-chat "$T/sim/sim-pause" "$T/sim/paused" \
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"send\",\"params\":{\"channel\":\"imsg\",\"chat_id\":3,\"text\":\"$TEXT\\nline 2\"}}"
expect_match "imsg chat: sent" '"status":"sent"' "$(cat "$T/out.imsg-chat")"
no_marks imsg-chat "$TEXT"

# ---- iMessage: a held message the owner approves ------------------------
all_config send approval
TEXT=imsg-held-$RUN
printf '%s\n' "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"send\",\"params\":{\"channel\":\"imsg\",\"to\":\"+14155550177\",\"text\":\"$TEXT\"}}" >"$T/req.held"
out=$(raw <"$T/req.held")
hold=$(printf '%s\n' "$out" | grep -Eo 'h[0-9]{10}' | head -1)
check "imsg: an unknown recipient is held" test -n "$hold"
paused_send imsg-approve "$T/sim/sim-pause" "$T/sim/paused" "" \
    holds approve "$hold"
expect_match "imsg: the approved hold was delivered" 'approved and sent' \
    "$(cat "$T/out.imsg-approve")"
no_marks imsg-approve "$TEXT"
all_config send

# ---- Gmail: send and draft, the body on stdin ----------------------------
SUBJECT=gmail-subject-$RUN
BODY=gmail-body-$RUN
paused_send gmail-send "$GOGDIR/sim-pause" "$GOGDIR/paused" \
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"send\",\"params\":{\"channel\":\"gmail\",\"to\":[\"alice@example.com\"],\"subject\":\"$SUBJECT\",\"body\":\"$BODY\\nsecond line\"}}"
expect_match "gmail send: sent" '"status":"sent"' "$(cat "$T/out.gmail-send")"
no_marks gmail-send "$BODY"
expect_eq "gmail send: the subject is only in gog's --subject=" \
    "1 1" "$(grep -c -F "$SUBJECT" "$T/cmdlines.gmail-send") $(grep -F "$SUBJECT" "$T/cmdlines.gmail-send" | grep -c -F -- "$T/bin/sim-gog --account me@example.com --json --no-input gmail send --to=alice@example.com --subject=$SUBJECT --body-file=-")"

all_config draft
SUBJECT=gmail-draft-subject-$RUN
BODY=gmail-draft-body-$RUN
paused_send gmail-draft "$GOGDIR/sim-pause" "$GOGDIR/paused" \
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"send\",\"params\":{\"channel\":\"gmail\",\"to\":[\"alice@example.com\"],\"subject\":\"$SUBJECT\",\"body\":\"$BODY\"}}"
expect_match "gmail draft: drafted" '"status":"draft"' \
    "$(cat "$T/out.gmail-draft")"
no_marks gmail-draft "$BODY"
expect_eq "gmail draft: the subject is only in gog's --subject=" \
    "1 1" "$(grep -c -F "$SUBJECT" "$T/cmdlines.gmail-draft") $(grep -F "$SUBJECT" "$T/cmdlines.gmail-draft" | grep -c -F -- "gmail drafts create --to=alice@example.com --subject=$SUBJECT --body-file=-")"
expect_match "gmail draft: gog got the body on stdin" "\"body\": \"$BODY\"" \
    "$(cat "$GOGDIR"/spool/*.json)"
all_config send

# ---- Discord: carapace-discord reads the text on stdin -------------------
TEXT=discord-text-$RUN
paused_send discord "$T/fake/pause" "$T/fake/paused" \
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"send\",\"params\":{\"channel\":\"discord\",\"to\":\"channel:700000000000000001\",\"text\":\"$TEXT\"}}"
expect_match "discord: sent" '"status":"sent"' "$(cat "$T/out.discord")"
check "discord: the caught tool was carapace-discord send" \
    grep -q -F "$T/bin/carapace-discord" "$T/cmdlines.discord"
no_marks discord "$TEXT"

# ---- Signal: JSON-RPC to the daemon on its socket -------------------------
TEXT=signal-text-$RUN
paused_send signal "$SIG/sim-pause" "$SIG/paused" \
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"send\",\"params\":{\"channel\":\"signal\",\"recipients\":[\"mom\"],\"text\":\"$TEXT\"}}"
expect_match "signal: sent" '"result"' "$(cat "$T/out.signal")"
check "signal: a handler was serving the send" \
    grep -q -F "$T/bin/carapace-handler" "$T/cmdlines.signal"
no_marks signal "$TEXT"

# The owner is told what stays on a command line.
out=$(ctl check 2>&1)
expect_match "carapacectl check warns that gog takes the subject on its command line" \
    'warning: channels.gmail: gog takes a message.s subject' "$out"
expect_match "carapacectl check still says the configuration is OK" \
    'configuration OK' "$out"

finish
