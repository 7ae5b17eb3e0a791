# Shared set-up for end-to-end tests: real handler under
# systemd-socket-activate --accept, real shims and carapacectl run as
# separate unprivileged users, the simulated imsg recording what it sent.
#
# Tests need root (to create the users); without it they are skipped.

set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"

GW_USER=carapace-t
AGENT_USER=cp-agent
STRANGER_USER=cp-stranger
CLIENT_GROUP=cp-clients

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

# check DESCRIPTION COMMAND...: the command's success is the assertion.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1 (expected '$2', got '$3')"
	fi
}

# expect_match DESCRIPTION PATTERN TEXT (grep -E)
expect_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		ok "$1"
	else
		not_ok "$1 (no match for /$2/ in: $(printf '%s' "$3" | head -c 400))"
	fi
}

finish() {
	stop_gateway
	# Sanitizer builds: every process logs its reports under $T/san.
	if [ -n "${T:-}" ] && [ -d "$T/san" ]; then
		if [ -n "$(ls -A "$T/san")" ]; then
			not_ok "sanitizers reported problems"
			head -c 20000 "$T"/san/*
		else
			ok "no sanitizer reports from any process"
		fi
	fi
	echo "$passed passed, $failed failed"
	if [ -n "${T:-}" ] && [ "$failed" -eq 0 ] && [ -z "${KEEP:-}" ]; then
		rm -rf "$T"
	elif [ -n "${T:-}" ]; then
		echo "# test files kept in $T"
	fi
	[ "$failed" -eq 0 ]
}

need_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "# SKIP: end-to-end tests need root to create test users"
		exit 77
	fi
	for tool in systemd-socket-activate setpriv flock useradd; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "# SKIP: $tool not installed"
			exit 77
		fi
	done
}

make_users() {
	(
		flock 9
		getent group "$CLIENT_GROUP" >/dev/null ||
		    groupadd --system "$CLIENT_GROUP"
		for u in "$GW_USER" "$AGENT_USER" "$STRANGER_USER"; do
			getent passwd "$u" >/dev/null ||
			    useradd --system --no-create-home \
				--home-dir /nonexistent \
				--shell /usr/sbin/nologin "$u"
		done
	) 9>/tmp/carapace-e2e-users.lock
}

# setup: a fresh directory with copies of the programs (the build tree may
# not be readable by the test users), state and simulated tool data.
setup() {
	need_root
	make_users
	T=$(mktemp -d /tmp/cp-e2e.XXXXXX)
	chmod 755 "$T"
	mkdir -p "$T/bin" "$T/state" "$T/run" "$T/sim/spool" "$T/home"
	cp "$top_builddir/carapace-handler" "$top_builddir/carapacectl" \
	    "$top_builddir/carapace-watch" "$top_builddir/tests/rawclient" \
	    "$T/bin/"
	cp "$top_builddir/src/shim/imsg" "$T/bin/imsg"
	cp "$top_builddir/sim/imsg" "$T/bin/sim-imsg"
	cp "$top_srcdir"/sim/data/imsg/*.json "$T/sim/"
	chmod 755 "$T/bin" "$T/bin"/*
	chown -R "$GW_USER:$GW_USER" "$T/state" "$T/run" "$T/sim"
	chmod 700 "$T/state"
	SOCK=$T/run/gw.sock
	CONF=$T/carapace.yaml
	if [ "${CP_SANITIZERS:-0}" = 1 ]; then
		mkdir -m 1777 "$T/san"
		ASAN_OPTIONS="log_path=$T/san/asan:detect_leaks=1"
		UBSAN_OPTIONS="log_path=$T/san/ubsan:print_stacktrace=1"
		export ASAN_OPTIONS UBSAN_OPTIONS
	fi
	trap 'stop_gateway' EXIT
}

# write_config: the YAML on stdin becomes the gateway configuration.
write_config() {
	cat >"$CONF"
	chmod 644 "$CONF"
}

# default_config [OUTBOUND_MODE] [LIMITS_YAML]
# CLIENT_REQUESTS, when set, is the agent's requests per second window
# (clients[].limits), for tests that measure load rather than the limit.
default_config() {
	mode=${1:-allowlist}
	client_limits=""
	[ -n "${CLIENT_REQUESTS:-}" ] &&
	    client_limits="    limits: { requests: $CLIENT_REQUESTS, window: 1s }"
	write_config <<YAML
version: 1
state_dir: $T/state
map_size: ${MAP_SIZE:-64M}
audit: { sink: ${AUDIT_SINK:-stderr} }
clients:
  - name: agent
    users: [$AGENT_USER]
    channels: [imsg]
$client_limits
contacts:
  mom: { imsg: "+1 (415) 555-0100" }
channels:
  imsg:
    tool: $T/bin/sim-imsg
    db: $T/sim
    timeout: ${TOOL_TIMEOUT:-10s}
    max_output: ${MAX_OUTPUT:-4M}
    region: US
    outbound:
      mode: $mode
      allow: [mom, "+1415555012*", "friend@example.com", "chat:3"]
      deny: ["+14155550129"]
    inbound:
      mode: allowlist
      allow: [${INBOUND_ALLOW:-mom, "chat:3"}]
      scrub: [otp, auth_links]
    limits:
      - { per: recipient, max: ${LIMIT_MAX:-5}, window: 1m }
content:
  max_length: 4000
  rules:
    - { name: keys, detect: [private_key, aws_key, github_token, slack_token, jwt], action: block }
    - { name: cards, detect: credit_card, action: hold }
    - { name: passwords, pattern: "password[[:space:]]*[:=]", icase: true, action: block }
YAML
}

start_gateway() {
	rm -f "$SOCK"
	setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
	    systemd-socket-activate --accept -l "$SOCK" \
	    -E ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
	    -E UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
	    "$T/bin/carapace-handler" -c "$CONF" \
	    >>"$T/handler.log" 2>&1 &
	GW_PID=$!
	i=0
	while [ ! -S "$SOCK" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	chmod 666 "$SOCK"
}

stop_gateway() {
	if [ -n "${GW_PID:-}" ]; then
		kill "$GW_PID" 2>/dev/null
		wait "$GW_PID" 2>/dev/null
		GW_PID=
	fi
}

# as USER COMMAND...: run with a clean environment as that user.
as() {
	u=$1
	shift
	setpriv --reuid="$u" --regid="$u" --init-groups \
	    env -i PATH=/usr/bin:/bin HOME="$T/home" \
	    ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
	    CARAPACE_SOCKET="$SOCK" "$@"
}

agent() { as "$AGENT_USER" "$@"; }

# raw [rawclient options]: the bytes on stdin go to the socket as-is.
raw() { as "$AGENT_USER" "$T/bin/rawclient" "$@" "$SOCK"; }

ctl() {
	as "$GW_USER" "$T/bin/carapacectl" -c "$CONF" "$@"
}

spool_count() {
	find "$T/sim/spool" -type f ! -name '.*' | wc -l | tr -d ' '
}

audit_count() {
	ctl audit show | wc -l | tr -d ' '
}
