#!/bin/sh
# The system test: Carapace installed into a minimal Debian 12 root and
# run by a real systemd in a systemd-nspawn container, with the units,
# sysusers.d and tmpfiles.d entries exactly as `make install` puts them.
# The simulated tools stand where the real ones would be (imsg in
# /opt/homebrew/bin, signal-cli in /usr/local/bin, as the units and the
# configuration name them).
#
#	tests/system/run.sh [BUILD_DIR]	(default: build)
#
# The root is built once with debootstrap and cached under
# $CARAPACE_TEST_CACHE (default /var/cache/carapace-test), keyed by a
# hash of what goes into it; each run boots a copy, so the cache stays
# clean.  Needs root, systemd-nspawn, nsenter and debootstrap (Debian:
# systemd-container, util-linux, debootstrap) and, for the first run,
# the Debian mirror from this machine's apt sources.  When any of that
# is missing it says why and exits 77 (skipped, never passed); with
# CI=true it fails instead.  Ends with "N passed, N failed".
set -u

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" 2>/dev/null && pwd) || BUILD=
CACHE=${CARAPACE_TEST_CACHE:-/var/cache/carapace-test}
SUITE=bookworm
# The runtime libraries of the installed programs and simulators come
# with the root: what `ldd` lists for them, as Debian packages.
PACKAGES=systemd,systemd-sysv,dbus,libjansson4,libyaml-0-2,liblmdb0,libsystemd0
# The watchdog under test: short, so that a hang costs seconds.  The
# installed unit says 30s; the drop-in below is the only change made
# to the units.
WATCHDOG=10

passed=0
failed=0
ok() {
	passed=$((passed + 1))
	echo "ok $((passed + failed)) - $*"
}
not_ok() {
	failed=$((failed + 1))
	echo "not ok $((passed + failed)) - $*"
}
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (expected '$2', got '$3')"; fi
}
expect_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		ok "$1"
	else
		not_ok "$1 (no match for /$2/ in: $(printf '%s' "$3" | head -c 400))"
	fi
}
# Cannot run here: skipped (77), except in CI, where it must run.
cannot() {
	if [ "${CI:-}" = true ]; then
		echo "not ok 1 - system test cannot run in CI: $*"
		echo "0 passed, 1 failed"
		exit 1
	fi
	echo "# SKIP: system test not run: $*"
	exit 77
}

[ "$(id -u)" = 0 ] || cannot "needs root (debootstrap, systemd-nspawn)"
[ -n "$BUILD" ] && [ -x "$BUILD/carapace-handler" ] ||
    cannot "no build at ${1:-$SRC/build} (build first)"
for t in systemd-nspawn nsenter debootstrap python3 flock; do
	command -v $t >/dev/null 2>&1 ||
	    cannot "$t is not installed (scripts/deps.sh installs it)"
done
# The container's systemd needs the unified cgroup hierarchy (cgroup2),
# mounted by the host at /sys/fs/cgroup or /sys/fs/cgroup/unified.
grep -qw cgroup2 /proc/filesystems ||
    cannot "the kernel has no cgroup2 (systemd in the container needs it)"

# The Debian mirror this machine installs from (deb822 or one-line
# sources), for debootstrap.
mirror() {
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v suite=$SUITE '
		    /^$/ { if (ok && uri != "") { print uri; exit }
			   ok = 0; uri = "" }
		    /^URIs:/ { uri = $2 }
		    /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) ok = 1 }
		    END { if (ok && uri != "") print uri }' "$f"
	done
	cat /etc/apt/sources.list 2>/dev/null |
	    awk -v suite=$SUITE '$1 == "deb" && $3 == suite { print $2 }'
}
MIRROR=${CARAPACE_TEST_MIRROR:-$(mirror | grep -v security | head -1)}
[ -n "$MIRROR" ] || MIRROR=http://deb.debian.org/debian

KEY=$(printf '%s %s %s minbase\n' "$SUITE" "$PACKAGES" "$MIRROR" |
    sha256sum | cut -c1-16)
ROOTCACHE=$CACHE/root-$KEY
mkdir -p "$CACHE" || cannot "cannot create $CACHE"

# Build the root once; concurrent runs wait for the first.
exec 9>"$CACHE/lock"
flock 9
if [ ! -f "$ROOTCACHE/.carapace-complete" ]; then
	echo "# building the $SUITE root (once): debootstrap from $MIRROR"
	rm -rf "$ROOTCACHE.tmp"
	t0=$(date +%s)
	if ! debootstrap --variant=minbase --include=$PACKAGES $SUITE \
	    "$ROOTCACHE.tmp" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1; then
		tail -5 "$CACHE/debootstrap.log" | sed 's/^/# /'
		rm -rf "$ROOTCACHE.tmp"
		cannot "debootstrap failed (mirror $MIRROR unreachable?)"
	fi
	# No console login: the test enters with nsenter.
	rm -f "$ROOTCACHE.tmp/etc/systemd/system/getty.target.wants/"*
	touch "$ROOTCACHE.tmp/.carapace-complete"
	mv "$ROOTCACHE.tmp" "$ROOTCACHE"
	echo "# root built in $(($(date +%s) - t0)) s: $ROOTCACHE"
fi
flock -u 9

RUN=$(mktemp -d /var/tmp/carapace-system.XXXXXX)
R=$RUN/root
NSPAWN=
CT=
cleanup() {
	if [ -n "${CARAPACE_SYSTEM_KEEP:-}" ]; then
		echo "# kept: container $CT (nspawn $NSPAWN), $RUN"
		return
	fi
	if [ -n "$NSPAWN" ]; then
		# nspawn turns SIGTERM into a clean shutdown of the container.
		kill -TERM "$NSPAWN" 2>/dev/null
		wait "$NSPAWN" 2>/dev/null
	fi
	rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# A copy per run: what the test installs and writes never reaches the
# cache.  (Copied rather than --ephemeral: the installation goes in
# before boot.)
t0=$(date +%s)
cp -a --reflink=auto "$ROOTCACHE" "$R" || cannot "cannot copy the root"
echo "# root copied in $(($(date +%s) - t0)) s"

bmake() {
	(cd "$BUILD" &&
	    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory "$@")
}
if bmake -s install DESTDIR="$R" >"$RUN/install.log" 2>&1; then
	ok "make install DESTDIR=<root>"
else
	not_ok "make install DESTDIR=<root>"
	tail -20 "$RUN/install.log" | sed 's/^/# /'
	echo "$passed passed, $failed failed"
	exit 1
fi
eval "$(bmake -s print-install-dirs | grep -E "^[a-z]+='[^']*'$")"
SHIMS=$shimdir
# The simulated tools where the real ones live.
install -D -m 755 "$BUILD/sim/imsg" "$R/opt/homebrew/bin/imsg"
install -D -m 755 "$BUILD/sim/signal-cli" "$R/usr/local/bin/signal-cli"
mkdir -p "$R/usr/local/share/carapace-test"
cp "$SRC"/sim/data/imsg/*.json "$R/usr/local/share/carapace-test/"

# Agents: in the client group through a sysusers.d drop-in, as the
# units' comment tells an owner to do; the stranger is not in it.
mkdir -p "$R/etc/sysusers.d"
cat >"$R/etc/sysusers.d/carapace-local.conf" <<'EOF'
u agent    - "agent"
u agent2   - "agent two"
u agent3   - "agent three"
u agent4   - "agent four"
u agent5   - "agent five"
u stranger - "not a client"
m agent  carapace-clients
m agent2 carapace-clients
m agent3 carapace-clients
m agent4 carapace-clients
m agent5 carapace-clients
EOF
mkdir -p "$R/etc/carapace"
# The stranger is a client by name: only the socket's permissions keep
# it out, which is what the test checks.
cat >"$R/etc/carapace/carapace.yaml" <<'EOF'
version: 1
state_dir: /var/lib/carapace
audit: { sink: journald }
clients:
  - name: agents
    groups: [carapace-clients]
    channels: [imsg, signal]
    # Room for the 64 connections of the MaxConnections check.
    limits: { subscriptions: 128 }
  - name: stranger-by-name
    users: [stranger]
    channels: [imsg]
contacts:
  mom: { imsg: "+14155550100", signal: "+14155550100" }
channels:
  imsg:
    tool: /opt/homebrew/bin/imsg
    db: /var/lib/carapace/imsg
    timeout: 10s
    region: US
    outbound:
      mode: allowlist
      allow: [mom]
    inbound:
      mode: allowlist
      allow: [mom]
  signal:
    daemon_socket: /run/carapace/signal-cli.sock
    account: "+14155550199"
    timeout: 5s
    outbound:
      mode: allowlist
      allow: [mom]
    inbound:
      mode: allowlist
      allow: [mom]
EOF
chmod 644 "$R/etc/carapace/carapace.yaml"
echo "SIGNAL_CLI_ACCOUNT=+14155550199" >"$R/etc/carapace/signal-cli.env"
mkdir -p "$R/etc/systemd/system/carapace-watch@.service.d"
printf '[Service]\nWatchdogSec=%ss\n' $WATCHDOG \
    >"$R/etc/systemd/system/carapace-watch@.service.d/test-watchdog.conf"

# Boot.  nspawn's own output (the container's console) goes to a file.
SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 systemd-nspawn -q -D "$R" --boot \
    --register=no --keep-unit --machine="cp-system-$$" \
    >"$RUN/console.log" 2>&1 </dev/null &
NSPAWN=$!
# The container's systemd is nspawn's child: wait for it to exist
# (or for nspawn to give up).
i=0
while [ -z "$CT" ] && kill -0 "$NSPAWN" 2>/dev/null && [ $i -lt 600 ]; do
	CT=$(pgrep -P "$NSPAWN" -x systemd | head -1)
	[ -n "$CT" ] || sleep 0.1
	i=$((i + 1))
done
if [ -z "$CT" ]; then
	tail -20 "$RUN/console.log" | sed 's/^/# /'
	not_ok "systemd-nspawn boots the root"
	echo "$passed passed, $failed failed"
	exit 1
fi

# ct COMMAND...: run inside the container (all its namespaces but the
# cgroup one), with a clean environment.
ct() {
	nsenter -t "$CT" -m -u -i -n -p -- \
	    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	    "$@"
}
# as USER COMMAND...: inside, as USER with its groups.
as() {
	u=$1
	shift
	ct setpriv --reuid="$u" --regid="$u" --init-groups \
	    env HOME=/ "$@"
}
# wait_for DESCRIPTION SECONDS COMMAND...: until the command succeeds.
# The deadline only bounds a failure; nothing waits for it on success.
wait_for() {
	desc=$1 limit=$2
	shift 2
	end=$(($(date +%s) + limit))
	until "$@" >/dev/null 2>&1; do
		if [ "$(date +%s)" -ge $end ]; then
			not_ok "$desc (not within ${limit}s)"
			return 1
		fi
		sleep 0.2
	done
	ok "$desc"
}
prop() {
	ct systemctl show -P "$2" "$1" 2>/dev/null
}
prop_is() {
	[ "$(prop "$1" "$2")" = "$3" ]
}
prop_matches() {
	prop "$1" "$2" | grep -Eq -- "$3"
}
prop_differs() {
	[ "$(prop "$1" "$2")" != "$3" ]
}

# systemctl talks to it on its private socket, which comes a moment
# after the process.
wait_for "the container's systemd is up (its private socket)" 120 \
    ct test -S /run/systemd/private
state=$(ct timeout 120 systemctl is-system-running --wait 2>&1)
expect_eq "the container's systemd is running" running "$state"
[ "$state" = running ] ||
    ct systemctl --failed --no-legend --plain | sed 's/^/# failed: /'

# --- sysusers.d, tmpfiles.d, the socket ---------------------------------
uid=$(ct id -u carapace 2>/dev/null)
if [ -n "$uid" ]; then ok "sysusers.d created carapace (uid $uid)"
else not_ok "sysusers.d created carapace"; fi
expect_match "sysusers.d created carapace-clients with the agents" \
    'agent,agent2,agent3,agent4,agent5' \
    "$(ct getent group carapace-clients)"
expect_eq "tmpfiles.d: /var/lib/carapace is 0700 carapace:carapace" \
    "700 carapace carapace" "$(ct stat -c '%a %U %G' /var/lib/carapace)"
expect_eq "tmpfiles.d: /run/carapace is 0755 carapace:carapace" \
    "755 carapace carapace" "$(ct stat -c '%a %U %G' /run/carapace)"
# What an owner does after `make install`.
if ct systemctl enable --now carapace.socket >"$RUN/enable.log" 2>&1; then
	ok "systemctl enable --now carapace.socket"
else
	not_ok "systemctl enable --now carapace.socket: $(cat "$RUN/enable.log")"
fi
expect_eq "carapace.socket is listening" active \
    "$(prop carapace.socket ActiveState)"
expect_eq "the socket is 0660 carapace:carapace-clients" \
    "660 carapace carapace-clients" \
    "$(ct stat -c '%a %U %G' /run/carapace/gateway.sock)"

# The simulated Messages data, where the real imsg's database would be
# for this account: the state directory, carapace's alone.
ct install -d -o carapace -g carapace -m 700 /var/lib/carapace/imsg
ct sh -c 'cp /usr/local/share/carapace-test/*.json /var/lib/carapace/imsg/ &&
    : >/var/lib/carapace/imsg/inbound.jsonl &&
    chown -R carapace:carapace /var/lib/carapace/imsg'

# --- one send, agent to tool --------------------------------------------
audit() {
	ct journalctl -q -o json --no-pager SYSLOG_IDENTIFIER=carapace
}
before=$(audit | grep -c .)
out=$(as agent "$SHIMS/imsg" send --to mom --text "hello from the system test" 2>&1)
rc=$?
expect_eq "the agent's imsg send through the installed shim exits 0" 0 $rc
expect_eq "and prints what imsg prints" sent "$out"
spool=$(ct sh -c 'ls /var/lib/carapace/imsg/spool' 2>/dev/null | grep -c .)
expect_eq "the simulated imsg received one send" 1 "$spool"
expect_eq "the tool ran as carapace (its spool record's owner)" carapace \
    "$(ct sh -c 'stat -c %U /var/lib/carapace/imsg/spool/*' | head -1)"
expect_eq "the state (LMDB) is in the tmpfiles.d directory, 0600 carapace" \
    "600 carapace" "$(ct stat -c '%a %U' /var/lib/carapace/data.mdb)"
# journald files a record a moment after the handler sent it.  A send
# has two: "delivering" before the tool runs, then the request's.
audit_count_is() { [ "$(audit | grep -c .)" = "$1" ]; }
wait_for "journald has the send's two records" 30 audit_count_is $((before + 2))

# The audit record in the journal, with the documented fields, written
# by a handler that ran as carapace in a carapace@N.service.
agent_uid=$(ct id -u agent)
audit >"$RUN/audit.json"
check_record=$(python3 - "$RUN/audit.json" "$agent_uid" "$uid" <<'EOF'
import json, sys
path, agent, carapace = sys.argv[1:]
recs = [json.loads(l) for l in open(path) if l.strip()]
recs = [r for r in recs if r.get("CARAPACE_METHOD") == "send"]
if not recs:
    print("no send record"); sys.exit(0)
r = recs[-1]
want = {"CARAPACE_PEER_UID": agent, "CARAPACE_CLIENT": "agents",
        "CARAPACE_CHANNEL": "imsg", "CARAPACE_DECISION": "allow",
        "_UID": carapace, "PRIORITY": "6"}
bad = [k + "=" + str(r.get(k)) for k, v in want.items() if r.get(k) != v]
for k in ("CARAPACE_SEQ", "CARAPACE_HASH", "CARAPACE_OUTCOME", "MESSAGE"):
    if not r.get(k):
        bad.append(k + " missing")
# carapace.socket starts carapace@N-...: the alias resolves to the
# handler's unit.
if not str(r.get("_SYSTEMD_UNIT", "")).startswith("carapace-handler@"):
    bad.append("_SYSTEMD_UNIT=" + str(r.get("_SYSTEMD_UNIT")))
print("ok" if not bad else " ".join(bad))
EOF
)
expect_eq "journald holds the send's audit record: fields, _UID carapace, unit carapace-handler@N" \
    ok "$check_record"

# --- who may not ---------------------------------------------------------
before=$(audit | grep -c .)
out=$(as stranger "$SHIMS/imsg" send --to mom --text "from a stranger" 2>&1)
rc=$?
expect_eq "a user outside carapace-clients: the shim fails" 1 $rc
expect_match "refused by the socket's permissions (connect: EACCES)" \
    '[Pp]ermission denied' "$out"
in_group=no
as stranger id -Gn | grep -qw carapace-clients && in_group=yes
expect_eq "the stranger exists and is not in carapace-clients" \
    "stranger in group: no" "$(as stranger id -un) in group: $in_group"
# A send by another agent after it: once its record is in the journal,
# any record of the stranger's (written before the stranger's shim
# returned) would be too.
out=$(as agent2 "$SHIMS/imsg" send --to mom --text "after the stranger" 2>&1)
expect_eq "agent2's send after it goes through" sent "$out"
agent2_uid=$(ct id -u agent2)
audit_peer_count_is() {
	[ "$(audit | grep -c "\"CARAPACE_PEER_UID\":\"$1\"")" = "$2" ]
}
wait_for "agent2's two records are in the journal" 30 \
    audit_peer_count_is "$agent2_uid" 2
expect_eq "no handler ran for the stranger: only agent2's records are new" \
    $((before + 2)) "$(audit | grep -c .)"
expect_eq "and nothing was sent for it (two sends in the spool)" 2 \
    "$(ct sh -c 'ls /var/lib/carapace/imsg/spool' | grep -c .)"
# The agent, as itself (its uid: the control that the user exists and
# setpriv works), tries the state, the credentials and the journal.
expect_eq "the agent runs as itself" "$agent_uid" "$(as agent id -u)"
for path in /var/lib/carapace /var/lib/carapace/data.mdb \
    /var/lib/carapace/imsg/messages.json \
    /var/lib/carapace/signal-cli; do
	case $path in
	*.*)	out=$(as agent cat "$path" 2>&1) ;;
	*)	out=$(as agent ls "$path" 2>&1) ;;
	esac
	expect_match "the agent cannot read $path" 'Permission denied' "$out"
done
n=$(audit | grep -c .)
if [ "$n" -gt 0 ]; then ok "root's journalctl shows $n audit records"
else not_ok "root's journalctl shows the audit records"; fi
expect_eq "the agent's journalctl shows none of them" 0 \
    "$(as agent journalctl -q -o json --no-pager SYSLOG_IDENTIFIER=carapace 2>/dev/null | grep -c .)"
jf=$(ct sh -c 'ls /var/log/journal/*/system.journal /run/log/journal/*/system.journal 2>/dev/null' | head -1)
if [ -n "$jf" ]; then
	expect_match "the agent cannot read the journal file $jf" \
	    'Permission denied' "$(as agent cat "$jf" 2>&1)"
else
	not_ok "the system journal file exists"
fi

# --- watchers: ready, status, restart after a kill, no loss ------------
# msg ID TEXT: one line as `imsg watch --json` prints it, from mom.
msg() {
	printf '{"id":%d,"chat_id":1,"guid":"G-%d","sender":"+14155550100","is_from_me":false,"text":"%s","created_at":"2026-05-16T15:24:36.123Z","attachments":[],"reactions":[],"chat_identifier":"+14155550100","chat_guid":"iMessage;-;+14155550100","chat_name":"","participants":["+14155550100"],"is_group":false}\n' \
	    "$1" "$1" "$2"
}
inbound() {
	ct sh -c 'cat >>/var/lib/carapace/imsg/inbound.jsonl'
}
W=carapace-watch@imsg.service
# Type=notify: start returns once the watcher said READY=1.
if ct timeout 120 systemctl start $W; then
	ok "systemctl start $W returns (READY=1 from the watcher)"
else
	not_ok "systemctl start $W"
fi
expect_eq "$W is active" active "$(prop $W ActiveState)"
expect_match "its status line says the stream is open, with counts" \
    '^imsg open: 0 published' "$(prop $W StatusText)"
expect_eq "its watchdog is armed (WatchdogUSec)" "${WATCHDOG}s" \
    "$(prop $W WatchdogUSec)"
{ msg 101 one; msg 102 two; msg 103 three; } | inbound
wait_for "the watcher's status counts 3 published" 60 \
    prop_matches $W StatusText 'imsg open: 3 published'
pid=$(prop $W MainPID)
ct systemctl kill -s KILL --kill-who=main $W
{ msg 104 four; msg 105 "while the watcher was down"; msg 106 six; } | inbound
wait_for "after SIGKILL, systemd restarts the watcher (NRestarts 1)" 60 \
    prop_is $W NRestarts 1
wait_for "the restarted watcher is active again" 60 prop_is $W ActiveState active
expect_match "a new process" '^[0-9]+$' "$(prop $W MainPID | grep -vx "$pid")"
wait_for "and publishes the three it missed" 60 \
    prop_matches $W StatusText 'imsg open: 3 published'
# The agent reads the whole inbox through the shim: 101..106 once each.
as agent timeout 60 "$SHIMS/imsg" watch --json --since-rowid 0 \
    >"$RUN/inbox.out" 2>&1 &
reader=$!
wait_for "the agent's imsg watch streams six messages" 60 \
    sh -c "[ \$(grep -c '\"id\":' '$RUN/inbox.out') -ge 6 ]"
kill "$reader" 2>/dev/null
wait "$reader" 2>/dev/null
expect_eq "messages 101..106, none lost, none twice" \
    "101 102 103 104 105 106" \
    "$(grep -o '"id":[0-9]*' "$RUN/inbox.out" | cut -d: -f2 | tr '\n' ' ' | sed 's/ $//')"

# A loop that stops turning: SIGSTOP the watcher; only the watchdog
# can notice.
ct systemctl kill -s STOP --kill-who=main $W
wait_for "a stopped watcher loop is killed by the watchdog and restarted" \
    $((WATCHDOG * 6)) prop_is $W NRestarts 2
unit_log_has() {
	ct journalctl -q --no-pager -u "$1" -o cat | grep -q -- "$2"
}
wait_for "systemd says why: the watchdog" 30 unit_log_has $W 'Watchdog timeout' 
wait_for "the watcher is active again after the watchdog" 60 \
    prop_is $W ActiveState active

# A tool that hangs: the signal-cli daemon (simulated) restarted with
# its hang knob reads the watcher's subscribeReceive and never answers.
S=carapace-watch@signal.service
ct systemctl start carapace-signal-cli.service
wait_for "the signal-cli daemon's socket exists" 60 \
    ct test -S /run/carapace/signal-cli.sock
if ct timeout 120 systemctl start $S; then
	ok "systemctl start $S returns once the subscription is answered"
else
	not_ok "systemctl start $S"
fi
expect_match "its status says the stream is open" '^signal open' \
    "$(prop $S StatusText)"
ct sh -c ': >/var/lib/carapace/signal-cli/sim-hang'
ct systemctl restart carapace-signal-cli.service
wait_for "the watcher reconnects and is not answered" 60 \
    prop_matches $S StatusText '^signal reconnecting'
wait_for "a hung tool gets the watcher restarted by the watchdog" \
    $((WATCHDOG * 6)) prop_is $S NRestarts 1
wait_for "systemd says why: the watchdog" 30 unit_log_has $S 'Watchdog timeout' 
ct rm -f /var/lib/carapace/signal-cli/sim-hang
ct systemctl restart carapace-signal-cli.service
wait_for "once the daemon answers, the watcher is active again" 120 \
    prop_matches $S StatusText '^signal open'

# --- MaxConnections=64, MaxConnectionsPerSource=16 -----------------------
# Each holder is an `imsg watch` (an inbox subscription: its handler
# stays), run as a transient unit of its agent so it can be stopped.
hold() {
	ct systemd-run -q --uid="$1" --unit="cp-hold-$1-$2" \
	    "$SHIMS/imsg" watch --json --since-rowid 999999
}
handlers() {
	ct systemctl list-units --plain --no-legend --state=running \
	    'carapace-handler@*.service' | grep -c .
}
handlers_are() { [ "$(handlers)" = "$1" ]; }
for k in $(seq 1 16); do hold agent $k; done
wait_for "16 connections from one agent: 16 handlers" 120 handlers_are 16 ||
    ct journalctl -q --no-pager -n 30 -u 'cp-hold-*' -u 'carapace-handler@*' | sed 's/^/# /' 
# systemd counts AF_UNIX connections per peer uid only from version
# 256 on; before, MaxConnectionsPerSource= means per IP address and
# does nothing on this socket (systemd.socket(5) of each version).
sdver=$(ct systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p')
out=$(as agent timeout 30 "$SHIMS/imsg" send --to mom --text "17th" 2>&1)
rc=$?
if [ "${sdver:-0}" -ge 256 ]; then
	if [ $rc -ne 0 ]; then
		ok "the agent's 17th connection is refused (MaxConnectionsPerSource=16)"
	else
		not_ok "the agent's 17th connection is refused (got: $out)"
	fi
	wait_for "systemd says why" 30 sh -c "nsenter -t $CT -m -u -i -n -p -- \
	    journalctl -q --no-pager -u carapace.socket -o cat |
	    grep -q 'Too many incoming connections (16) from source'"
else
	# Asserted, so that the test notices when this changes.
	expect_eq "systemd $sdver: no per-uid limit on a Unix socket (256 and later have one), the 17th gets through" \
	    sent "$out"
fi
out=$(as agent2 timeout 30 "$SHIMS/imsg" send --to mom --text "other source" 2>&1)
expect_eq "another agent still gets through" sent "$out"
for u in agent2 agent3 agent4; do
	for k in $(seq 1 16); do hold $u $k; done
done
wait_for "64 connections from four agents: 64 handlers" 180 handlers_are 64 ||
    ct journalctl -q --no-pager -n 30 -u 'cp-hold-*' -u 'carapace-handler@*' | sed 's/^/# /' 
out=$(as agent5 timeout 30 "$SHIMS/imsg" send --to mom --text "65th" 2>&1)
rc=$?
if [ $rc -ne 0 ]; then
	ok "a 65th connection, from a fifth agent, is refused (MaxConnections=64)"
else
	not_ok "a 65th connection is refused (got: $out)"
fi
# journald stores systemd's message a moment after the refusal.
socket_log_has() {
	ct journalctl -q --no-pager -u carapace.socket -o cat | grep -q -- "$1"
}
wait_for "systemd says why (\"Too many incoming connections (64)\")" 30 \
    socket_log_has 'Too many incoming connections (64)' ||
    echo "# the shim said: $out"
ct sh -c 'systemctl stop "cp-hold-*"'
wait_for "the holders gone, their handlers end" 120 handlers_are 0
out=$(as agent5 timeout 30 "$SHIMS/imsg" send --to mom --text "after" 2>&1)
expect_eq "and the fifth agent gets through" sent "$out"

# --- carapacectl doctor, on the installation as the owner left it ------
# The watchers were started, not enabled: doctor must say they will not
# come back after a reboot.  The stranger is a client by name and not
# in carapace-clients, which doctor must name too, with its fix.  The
# units' checks run against this real systemd.
doctor_json() {
	ct carapacectl doctor --json >"$RUN/doctor.json" 2>"$RUN/doctor.err"
	echo $?
}
# doctor_fails DESCRIPTION CHECK...: exactly these checks fail, every
# other passes (none skipped), each failure with a fix.
doctor_fails() {
	desc=$1
	shift
	if python3 - "$RUN/doctor.json" "$@" >"$RUN/doctor.check" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
want = sys.argv[2:]
bad = [c for c in d["checks"] if c["verdict"] == "fail"]
assert [c["check"] for c in bad] == want, bad
assert all(c.get("fix") for c in bad), bad
assert not any(c["verdict"] == "skip" for c in d["checks"]), d
names = {c["check"] for c in d["checks"]}
for n in ("unit carapace.socket", "unit carapace-watch@imsg.service",
    "unit carapace-watch@signal.service", "socket", "socket directory",
    "state directory", "state", "imsg probe", "signal probe",
    "imsg watcher", "signal watcher", "gateway account", "client group"):
	assert n in names, n
PY
	then
		ok "$desc"
	else
		not_ok "$desc"
		sed 's/^/# /' "$RUN/doctor.check" "$RUN/doctor.json" "$RUN/doctor.err"
	fi
}
expect_eq "doctor: exits 1" 1 "$(doctor_json)"
doctor_fails "doctor: watchers started but not enabled, and the stranger outside the group, each with its fix" \
    "client stranger-by-name account stranger" \
    "unit carapace-watch@imsg.service" "unit carapace-watch@signal.service"
check_fix() { grep -q "$1" "$RUN/doctor.json"; }
if check_fix 'usermod -aG carapace-clients stranger'; then
	ok "doctor: the stranger's fix is the usermod line"
else
	not_ok "doctor: the stranger's fix is the usermod line"
fi
ct systemctl enable carapace-watch@imsg.service carapace-watch@signal.service \
    >/dev/null 2>&1
expect_eq "doctor after enabling the watchers: still exits 1" 1 \
    "$(doctor_json)"
doctor_fails "doctor after enabling the watchers: only the stranger fails" \
    "client stranger-by-name account stranger"

expect_eq "no unit failed" "" \
    "$(ct systemctl --failed --no-legend --plain | grep -v '^$')"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
