#!/bin/sh
# The syslog audit sink, end to end through a real rsyslogd: every
# request leaves one record there; with the daemon gone, requests are
# refused rather than served unaudited.
. "$(dirname "$0")/lib.sh"

if ! command -v rsyslogd >/dev/null 2>&1; then
	echo "# SKIP: rsyslogd not installed"
	exit 77
fi

setup
mkdir -p "$T/rs"
cat >"$T/rsyslog.conf" <<CONF
global(workDirectory="$T/rs")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$T/run/log.sock" RateLimit.Interval="0")
template(name="raw" type="string" string="%syslogtag% %msg%\n")
*.* action(type="omfile" file="$T/syslog.out" template="raw")
CONF
rsyslogd -n -f "$T/rsyslog.conf" -i "$T/rs/pid" &
RS_PID=$!
i=0
while [ ! -S "$T/run/log.sock" ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
chmod 666 "$T/run/log.sock"

sed_config() {
	default_config allowlist
	sed -i "s|^audit: .*|audit: { sink: syslog, socket: $T/run/log.sock, ident: carapace-test }|" "$CONF"
}
sed_config
start_gateway

out=$(agent "$T/bin/imsg" send --to mom --text "via syslog")
expect_eq "send with syslog audit" "sent" "$out"
out=$(agent "$T/bin/imsg" send --to "+14155559999" --text "refused")
expect_match "refused send" "not allowed" "$out"
out=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"gateway.ping"}' | raw)
expect_match "ping" '"pong":true' "$out"

# rsyslog writes asynchronously: wait for the four records (three
# requests, and the delivering record written before the send's tool).
i=0
while [ "$(grep -c 'audit {' "$T/syslog.out" 2>/dev/null)" != 4 ] &&
    [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
expect_eq "four records reached syslog" 4 "$(grep -c 'audit {' "$T/syslog.out")"
expect_match "delivering record first" \
    '"decision":"allow".*"outcome":"delivering"' \
    "$(grep '"method":"send"' "$T/syslog.out" | head -1)"
expect_match "records carry the ident" '^carapace-test\[[0-9]+\]:' \
    "$(head -1 "$T/syslog.out")"
expect_match "sent record, referring to it" \
    '"decision":"allow","delivery":1,.*"outcome":"sent"' \
    "$(grep '"method":"send"' "$T/syslog.out" | grep -v delivering | head -1)"
expect_match "refusal record" '"decision":"deny".*"recipient":"\+14155559999"' \
    "$(grep 14155559999 "$T/syslog.out")"
expect_match "records are chained" '"hash":"[0-9a-f]{64}".*' \
    "$(head -1 "$T/syslog.out")"

# Syslog down: refuse, send nothing.
kill "$RS_PID"
wait "$RS_PID" 2>/dev/null
rm -f "$T/run/log.sock"
before=$(spool_count)
out=$(agent "$T/bin/imsg" send --to mom --text "no audit, no send")
rc=$?
expect_eq "send refused without audit sink" 1 "$rc"
expect_match "refusal says audit unavailable" "audit unavailable" "$out"
expect_eq "nothing sent without audit" "$before" "$(spool_count)"

finish
