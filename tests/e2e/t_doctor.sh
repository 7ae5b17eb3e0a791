#!/bin/sh
# carapacectl doctor against a working installation (every channel, its
# tool probed as the gateway account, a watcher per channel) and against
# deliberately broken ones: a missing tool, a socket directory with the
# wrong owner, an agent not in the client group, one that joined but
# still runs from an old login, a readable token, a stopped watcher, a
# dead daemon, an open state directory, a bad configuration.  Each must
# fail with its own verdict and fix; a working one must pass whole.
#
# The test has its own gateway account, agent and client group, so that
# watchers and agent processes of tests running beside it do not count.
. "$(dirname "$0")/lib.sh"
GW_USER=cp-doc-gw
AGENT_USER=cp-doc-agent
STRANGER_USER=cp-doc-stranger
CLIENT_GROUP=cp-doc-clients

if ! command -v python3 >/dev/null 2>&1; then
	echo "# SKIP: python3 not installed (tests/discord-fake.py)"
	exit 77
fi

setup
usermod -aG "$CLIENT_GROUP" "$AGENT_USER"
cp "$top_builddir/sim/signal-cli" "$T/bin/sim-signal-cli"
cp "$top_builddir/sim/gog" "$T/bin/sim-gog"
cp "$top_builddir/carapace-discord" "$T/bin/carapace-discord"
chmod 755 "$T/bin"/*
SIG=$T/sig
mkdir -p "$SIG/attachments" "$T/sim/gog" "$T/fake"
cp "$top_srcdir"/sim/data/signal/*.json "$SIG/"
cp "$top_srcdir"/sim/data/gog/*.json "$T/sim/gog/"
: >"$SIG/inbound.jsonl"
printf 'fake-bot-token-0123456789\n' >"$T/discord.token"
chown -R "$GW_USER:$GW_USER" "$SIG" "$T/sim" "$T/discord.token"
chmod 600 "$T/discord.token"
DSOCK=$T/run/signal-cli.sock

DAEMON_PID=
FAKE_PID=
WATCHERS=
STALE_PID=
cleanup() {
	stop_gateway
	for p in $WATCHERS $DAEMON_PID $FAKE_PID $STALE_PID; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
}
trap cleanup EXIT

python3 "$top_srcdir/tests/discord-fake.py" --dir "$T/fake" \
    --token-file "$T/discord.token" --port-file "$T/fake/port" \
    2>"$T/fake.log" &
FAKE_PID=$!
(exec setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
    "$T/bin/sim-signal-cli" -a +14155550199 --config "$SIG" daemon \
    --socket "$DSOCK" --receive-mode=manual 2>>"$T/daemon.log") &
DAEMON_PID=$!
i=0
while { [ ! -s "$T/fake/port" ] || [ ! -S "$DSOCK" ]; } && [ $i -lt 400 ]; do
	sleep 0.05
	i=$((i + 1))
done
API="http://127.0.0.1:$(cat "$T/fake/port")"

# doctor_config [IMSG_TOOL]
doctor_config() {
	write_config <<YAML
version: 1
state_dir: $T/state
audit: { sink: stderr }
clients:
  - name: agent
    users: [$AGENT_USER]
    groups: [$CLIENT_GROUP]
    channels: [imsg, signal, gmail, discord]
contacts:
  mom: { imsg: "+1 (415) 555-0100" }
channels:
  imsg:
    tool: ${1:-$T/bin/sim-imsg}
    db: $T/sim
    outbound: { mode: allowlist, allow: [mom] }
    inbound: { mode: allowlist, allow: [mom] }
  signal:
    daemon_socket: $DSOCK
    account: "+14155550199"
    outbound: { mode: allowlist, allow: ["+14155550100"] }
    inbound: { mode: allowlist, allow: ["+14155550100"] }
  gmail:
    tool: $T/bin/sim-gog
    account: me@example.com
    outbound: { mode: allowlist, allow: [alice@example.com] }
    inbound: { mode: allowlist, allow: [alice@example.com] }
  discord:
    tool: $T/bin/carapace-discord
    token_file: $T/discord.token
    api_base: $API/api/v10
    poll: 1s
    outbound: { mode: allowlist, allow: ["channel:700000000000000001"] }
    inbound: { mode: allowlist, allow: ["channel:700000000000000001"] }
YAML
}
doctor_config
start_gateway
chgrp "$CLIENT_GROUP" "$SOCK"
chmod 660 "$SOCK"
# A first request makes the handler create the state, so that the
# watchers and doctor's read-only open find it whole, not half made.
out=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"gateway.ping"}' | raw)
expect_match "the gateway answers through the group's socket" '"pong":true' \
    "$out"

for ch in imsg signal gmail discord; do
	setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
	    "$T/bin/carapace-watch" -c "$CONF" $ch 2>>"$T/watch-$ch.log" &
	WATCHERS="$WATCHERS $!"
	eval "WATCH_$ch=$!"
done
# The watchers are up once each has its process image.
for p in $WATCHERS; do
	i=0
	while ! tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null |
	    grep -q carapace-watch && [ $i -lt 400 ]; do
		sleep 0.05
		i=$((i + 1))
	done
done

doctor() {
	"$T/bin/carapacectl" -c "$CONF" doctor -u "$GW_USER" \
	    -g "$CLIENT_GROUP" -s "$SOCK" "$@" >"$T/out" 2>&1
}

# grep_out DESCRIPTION PATTERN: a line of the last report matches.
grep_out() {
	if grep -Eq -- "$2" "$T/out"; then ok "$1"; else
		not_ok "$1"
		sed 's/^/# /' "$T/out"
	fi
}

doctor
expect_eq "a working installation: doctor exits 0" 0 $?
grep_out "every check passes" '^doctor: [0-9]+ passed, 0 failed, '
for c in "imsg tool" "gmail tool" "discord tool" "discord bot token file" \
    "signal signal-cli daemon socket" "imsg Messages database" \
    "state directory" "socket directory" "socket" "client group" \
    "client agent account $AGENT_USER" "imsg probe" "signal probe" \
    "gmail probe" "discord probe" "imsg watcher" "signal watcher" \
    "gmail watcher" "discord watcher"; do
	grep_out "pass: $c" "^pass  $c: "
done
grep_out "signal probe: the daemon's version" '^pass  signal probe: signal-cli [0-9]'
grep_out "no systemd here: its checks are skipped, not passed" '^skip  systemd: '

doctor --json
expect_eq "--json: exit 0" 0 $?
check "--json: one JSON document with the counts" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["failed"] == 0 and d["passed"] >= 19, d
assert all(c["verdict"] in ("pass", "skip") for c in d["checks"])
assert any(c["check"] == "imsg probe" for c in d["checks"])
' "$T/out"

# A missing tool.
doctor_config "$T/bin/no-such-imsg"
doctor
expect_eq "missing tool: doctor exits 1" 1 $?
grep_out "missing tool: named" "^FAIL  imsg tool: $T/bin/no-such-imsg: No such file"
grep_out "missing tool: its fix" "fix: install the tool at $T/bin/no-such-imsg, or set channels.imsg.tool"
grep_out "missing tool: the probe fails too" '^FAIL  imsg probe: '
doctor_config

# A tool others can replace.
chmod 777 "$T/bin/sim-gog"
doctor
grep_out "writable tool: refused" "^FAIL  gmail tool: $T/bin/sim-gog is mode 0777"
grep_out "writable tool: fix" "fix: chmod go-w $T/bin/sim-gog"
chmod 755 "$T/bin/sim-gog"

# The socket's directory belongs to someone else.
chown "$AGENT_USER" "$T/run"
doctor
expect_eq "socket directory owner: doctor exits 1" 1 $?
grep_out "socket directory owner: named" "^FAIL  socket directory: $T/run belongs to uid $(id -u "$AGENT_USER")"
grep_out "socket directory owner: fix" "fix: chown $GW_USER $T/run"
chown "$GW_USER" "$T/run"

# The socket is open to everyone.
chmod 666 "$SOCK"
doctor
grep_out "socket open to all: named" "^FAIL  socket: $SOCK is mode 0666"
grep_out "socket open to all: fix" 'fix: SocketMode=0660'
chmod 660 "$SOCK"

# The agent is not in the client group.
gpasswd -d "$AGENT_USER" "$CLIENT_GROUP" >/dev/null
doctor
expect_eq "agent not in the group: doctor exits 1" 1 $?
grep_out "agent not in the group: named" "^FAIL  client agent account $AGENT_USER: $AGENT_USER is not in $CLIENT_GROUP"
grep_out "agent not in the group: fix" "fix: usermod -aG $CLIENT_GROUP $AGENT_USER"
usermod -aG "$CLIENT_GROUP" "$AGENT_USER"

# The agent joined, but a process of it started before: a new login.
setpriv --reuid="$AGENT_USER" --regid="$AGENT_USER" --clear-groups \
    sleep 600 &
STALE_PID=$!
i=0
while ! grep -q "^Uid:.*$(id -u "$AGENT_USER")" "/proc/$STALE_PID/status" \
    2>/dev/null && [ $i -lt 400 ]; do
	sleep 0.05
	i=$((i + 1))
done
doctor
grep_out "old login: needs a new one" "^FAIL  client agent account $AGENT_USER: .*pid $STALE_PID .*needs a new login"
kill "$STALE_PID"
wait "$STALE_PID" 2>/dev/null
STALE_PID=
doctor
expect_eq "old login gone: doctor exits 0 again" 0 $?

# A token others can read, and one the gateway does not own.
chmod 644 "$T/discord.token"
doctor
grep_out "readable token: named" "^FAIL  discord bot token file: $T/discord.token is mode 0644"
grep_out "readable token: fix" "fix: chmod 0600 $T/discord.token"
chmod 600 "$T/discord.token"
chown root "$T/discord.token"
doctor
grep_out "token of another owner: named" "^FAIL  discord bot token file: $T/discord.token belongs to uid 0"
grep_out "token of another owner: the probe cannot read it" '^FAIL  discord probe: '
chown "$GW_USER" "$T/discord.token"

# The state directory is open.
chmod 755 "$T/state"
doctor
grep_out "open state directory: named" "^FAIL  state directory: $T/state is mode 0755"
grep_out "open state directory: fix" "fix: chmod 0700 $T/state"
chmod 700 "$T/state"

# A stopped watcher.
kill "$WATCH_imsg"
wait "$WATCH_imsg" 2>/dev/null
doctor
expect_eq "stopped watcher: doctor exits 1" 1 $?
grep_out "stopped watcher: named" '^FAIL  imsg watcher: not running'
grep_out "stopped watcher: fix" 'fix: .*carapace-watch@imsg'
grep_out "the other watchers still pass" '^pass  gmail watcher: running'

# The signal-cli daemon is down.
kill "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
rm -f "$DSOCK"
doctor
grep_out "daemon down: its socket is missing" "^FAIL  signal signal-cli daemon socket: $DSOCK: No such file"
grep_out "daemon down: fix" 'fix: .*carapace-signal-cli'
grep_out "daemon down: the probe fails" '^FAIL  signal probe: '

# Root as the gateway account: refused, and nothing is probed as root.
"$T/bin/carapacectl" -c "$CONF" doctor -u root -g "$CLIENT_GROUP" \
    -s "$SOCK" >"$T/out" 2>&1
expect_eq "root as the gateway: doctor exits 1" 1 $?
grep_out "root as the gateway: named" '^FAIL  gateway account: root is uid 0'
grep_out "root as the gateway: no probe runs" '^skip  imsg probe: '

# A configuration that does not load stops the doctor at the first step.
printf 'version: 1\nstate_dir: relative\n' >"$CONF"
doctor
expect_eq "bad configuration: doctor exits 1" 1 $?
grep_out "bad configuration: named with its first problem" '^FAIL  configuration: .*problem'
grep_out "bad configuration: fix" 'fix: carapacectl check'

finish
