#!/bin/sh
# The watcher's side of systemd's notify protocol, without systemd: the
# test listens on the datagram socket that NOTIFY_SOCKET names, as the
# service manager would, and runs carapace-watch imsg with a watchdog
# of WATCHDOG_USEC.  READY=1 comes once the tool runs, STATUS= carries
# the counts, WATCHDOG=1 keeps coming while the stream is open, STOPPING=1
# on SIGTERM; the tool's environment has no NOTIFY_SOCKET, so it cannot
# speak for the watcher.  (tests/system/run.sh checks the same under a
# real systemd.)
. "$(dirname "$0")/lib.sh"
setup
if ! command -v python3 >/dev/null 2>&1; then
	echo "# SKIP: no python3"
	exit 77
fi
if ! grep -q '^#define HAVE_LIBSYSTEMD 1' "$top_builddir/config.h"; then
	echo "# SKIP: built without libsystemd (notifications are no-ops)"
	exit 77
fi
default_config
: >"$T/sim/inbound.jsonl"
chown "$GW_USER" "$T/sim/inbound.jsonl"
mkdir -m 777 "$T/notify"

# The listener: one line per datagram, in order.
python3 - "$T/notify/sock" "$T/notify.log" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)
with open(sys.argv[2], "a") as out:
    while True:
        msg = s.recv(4096).decode()
        out.write(msg.replace("\n", "|") + "\n")
        out.flush()
PY
LISTENER=$!
i=0
while [ ! -S "$T/notify/sock" ] && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
: >>"$T/notify.log"

# wait_line PATTERN [COUNT]: until COUNT lines of the log match.
wait_line() {
	i=0
	while [ "$(grep -c -- "$1" "$T/notify.log")" -lt "${2:-1}" ] &&
	    [ $i -lt 600 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ "$(grep -c -- "$1" "$T/notify.log")" -ge "${2:-1}" ]
}

(exec setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
    env NOTIFY_SOCKET="$T/notify/sock" WATCHDOG_USEC=400000 \
    "$T/bin/carapace-watch" -c "$CONF" imsg 2>>"$T/watch.log") &
WATCH_PID=$!
trap 'kill $WATCH_PID $LISTENER 2>/dev/null; stop_gateway' EXIT

check "READY=1 once the tool runs" wait_line '^READY=1$'
expect_match "a STATUS= line before it, with the counts" \
    '^STATUS=imsg open: 0 published, 0 hidden, 0 malformed, 0 restarts$' \
    "$(sed -n '1,/^READY=1$/p' "$T/notify.log")"
check "WATCHDOG=1 keeps coming (three of them)" wait_line '^WATCHDOG=1$' 3

tool=$(pgrep -P $WATCH_PID | head -1)
if [ -n "$tool" ] && [ -r "/proc/$tool/environ" ]; then
	env_of_tool=$(tr '\0' '\n' <"/proc/$tool/environ")
	if printf '%s\n' "$env_of_tool" | grep -q '^PATH='; then
		ok "the tool's environment is readable here (PATH is in it)"
	else
		not_ok "the tool's environment is readable here"
	fi
	if printf '%s\n' "$env_of_tool" | grep -q 'NOTIFY_SOCKET\|WATCHDOG'; then
		not_ok "the tool does not get NOTIFY_SOCKET or WATCHDOG_*"
	else
		ok "the tool does not get NOTIFY_SOCKET or WATCHDOG_*"
	fi
else
	not_ok "the watcher's tool is running"
fi

printf '{"id":7,"chat_id":1,"guid":"G-7","sender":"+14155550100","is_from_me":false,"text":"hi","created_at":"2026-05-16T15:24:36.123Z","attachments":[],"reactions":[],"chat_identifier":"+14155550100","chat_guid":"iMessage;-;+14155550100","chat_name":"","participants":["+14155550100"],"is_group":false}\n' \
    >>"$T/sim/inbound.jsonl"
check "STATUS= counts the published message" \
    wait_line '^STATUS=imsg open: 1 published'

# The tool dies: the stream is closed until the watcher restarts it.
kill -KILL "$tool"
check "STATUS= says reconnecting and counts the restart" \
    wait_line '^STATUS=imsg reconnecting: 1 published, 0 hidden, 0 malformed, 1 restarts$'
check "and open again once the tool is restarted" \
    wait_line '^STATUS=imsg open: 1 published, 0 hidden, 0 malformed, 1 restarts$'

kill -TERM $WATCH_PID
wait $WATCH_PID
expect_eq "SIGTERM: the watcher exits 0" 0 $?
check "after STOPPING=1" wait_line '^STOPPING=1$'
expect_eq "the last message" STOPPING=1 "$(tail -1 "$T/notify.log")"

# No NOTIFY_SOCKET: the same watcher runs and publishes, silently.
lines=$(grep -c . "$T/notify.log")
(exec setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
    "$T/bin/carapace-watch" -c "$CONF" imsg 2>>"$T/watch.log") &
WATCH_PID=$!
printf '{"id":8,"chat_id":1,"guid":"G-8","sender":"+14155550100","is_from_me":false,"text":"again","created_at":"2026-05-16T15:24:36.123Z","attachments":[],"reactions":[],"chat_identifier":"+14155550100","chat_guid":"iMessage;-;+14155550100","chat_name":"","participants":["+14155550100"],"is_group":false}\n' \
    >>"$T/sim/inbound.jsonl"
start_gateway
agent "$T/bin/imsg" watch --json --since-rowid 7 >"$T/watch.out" 2>&1 &
SUB_PID=$!
i=0
while ! grep -q '"id":8' "$T/watch.out" && [ $i -lt 600 ]; do
	sleep 0.05
	i=$((i + 1))
done
kill $SUB_PID 2>/dev/null
expect_match "without NOTIFY_SOCKET the watcher still publishes" '"id":8' \
    "$(cat "$T/watch.out")"
kill -TERM $WATCH_PID
wait $WATCH_PID
expect_eq "and sent nothing to the socket" "$lines" "$(grep -c . "$T/notify.log")"

kill $LISTENER 2>/dev/null
finish
