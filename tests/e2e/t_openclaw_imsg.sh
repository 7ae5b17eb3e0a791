#!/bin/sh
# OpenClaw's iMessage paths through the imsg shim and the real handler:
# a client making OpenClaw's exact calls (tests/clients/
# openclaw_imsg_client.py: rpc send with its params, group then
# send-attachment, the fallback to rpc send {file}, reply_to and
# formatting), the real imsg's recorded shapes (tests/data/imsg) checked
# against the shim and the simulated imsg (tests/clients/
# imsg_conformance.py), then policy on the media path: a recipient not
# allowed, a rate limit, the audit record.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	echo "# SKIP: python3 not installed"
	exit 77
fi

setup
LIMIT_MAX=50 default_config allowlist
start_gateway

# An attachment the agent may read (and the simulated tool, run directly).
head -c 3000 /dev/urandom >"$T/home/pic.jpg"
chmod 644 "$T/home/pic.jpg"
chmod 755 "$T/home"
GROUP_GUID='iMessage;+;chat493827161045763123'

# report PREFIX FILE: the client's PASS/FAIL lines become this test's.
report() {
	while IFS= read -r line; do
		case $line in
		PASS\ *) ok "$1: ${line#PASS }" ;;
		FAIL\ *) not_ok "$1: ${line#FAIL }" ;;
		esac
	done <"$2"
}


# ---- OpenClaw's calls ------------------------------------------------
python3 "$top_srcdir/tests/clients/openclaw_imsg_client.py" "$T/sim" \
    "$T/home/pic.jpg" -- setpriv --reuid="$AGENT_USER" \
    --regid="$AGENT_USER" --init-groups env -i PATH=/usr/bin:/bin \
    HOME="$T/home" ASAN_OPTIONS="${ASAN_OPTIONS:-}" \
    UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" CARAPACE_SOCKET="$SOCK" \
    "$T/bin/imsg" >"$T/client.out" 2>"$T/client.err"
rc=$?
report openclaw "$T/client.out"
expect_eq "openclaw client ran to the end" 0 "$rc"
[ -s "$T/client.err" ] && head -c 2000 "$T/client.err"

# ---- the real tool's shapes: the shim, and the simulated imsg --------
python3 "$top_srcdir/tests/clients/imsg_conformance.py" \
    "$top_srcdir/tests/data/imsg" shim "$T/home/pic.jpg" "$GROUP_GUID" -- \
    setpriv --reuid="$AGENT_USER" --regid="$AGENT_USER" --init-groups \
    env -i PATH=/usr/bin:/bin HOME="$T/home" \
    ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
    CARAPACE_SOCKET="$SOCK" "$T/bin/imsg" >"$T/conf-shim.out" 2>&1
rc=$?
report "shape (shim)" "$T/conf-shim.out"
expect_eq "shim conformance ran to the end" 0 "$rc"
python3 "$top_srcdir/tests/clients/imsg_conformance.py" \
    "$top_srcdir/tests/data/imsg" sim "$T/home/pic.jpg" "$GROUP_GUID" -- \
    setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
    env -i PATH=/usr/bin:/bin HOME="$T/home" IMSG_SIM_DB="$T/sim" \
    ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
    "$T/bin/sim-imsg" >"$T/conf-sim.out" 2>&1
rc=$?
report "shape (sim)" "$T/conf-sim.out"
expect_eq "sim conformance ran to the end" 0 "$rc"

# ---- status with the tool's bridge up: the gateway offers none of it --
touch "$T/bin/sim-imsg.bridge-up"
tool=$(as "$GW_USER" "$T/bin/sim-imsg" status --json)
expect_match "the tool itself reports its bridge up" \
    '"advanced_features":true.*"v2_ready":true' "$tool"
out=$(agent "$T/bin/imsg" status --json); rc=$?
expect_eq "status --json through the shim: exit 0" 0 "$rc"
printf '%s\n' "$out" | python3 -c '
import json, sys
o = json.loads(sys.stdin.read().splitlines()[-1])
assert o["advanced_features"] is False and o["v2_ready"] is False, o
assert o["bridge_version"] == 0 and o["selectors"] == {}, o
# the tool order, only what the shim rpc answers
assert o["rpc_methods"] == ["chats.list", "messages.history",
    "watch.subscribe", "watch.unsubscribe", "send", "typing", "read"], o
# typing and read are carried when the tool can
assert o["typing_indicators"] is True and o["read_receipts"] is True, o
' && ok "status: no bridge feature the gateway does not carry" ||
    not_ok "status with the bridge up: $out"
rm -f "$T/bin/sim-imsg.bridge-up"

# ---- send-attachment on the command line: text, errors ---------------
n0=$(spool_count)
out=$(agent "$T/bin/imsg" send-attachment --chat "$GROUP_GUID" \
    --file "$T/home/pic.jpg"); rc=$?
expect_eq "send-attachment text" "send-attachment: sent via AppleScript" \
    "$out"
expect_eq "send-attachment exit 0" 0 "$rc"
out=$(agent "$T/bin/imsg" send-attachment --file "$T/home/pic.jpg"); rc=$?
expect_eq "send-attachment without --chat" \
    "Missing required option: --chat" "$out"
expect_eq "usage error: exit 1" 1 "$rc"
out=$(agent "$T/bin/imsg" send-attachment --chat "$GROUP_GUID" \
    --file "$T/home/pic.jpg" --transport carrier-pigeon)
expect_eq "send-attachment --transport unknown" \
    "Invalid value for option: --transport" "$out"
out=$(agent "$T/bin/imsg" send-attachment --chat "$GROUP_GUID" \
    --file "$T/home/pic.jpg" --transport applescript --audio)
expect_eq "send-attachment applescript --audio" \
    "Invalid value for option: --audio" "$out"
out=$(agent "$T/bin/imsg" send-attachment --chat "$GROUP_GUID" \
    --file "$T/home/pic.jpg" --reply-to X); rc=$?
expect_match "send-attachment --reply-to needs the bridge" \
    '^error: send-attachment unavailable: ' "$out"
expect_eq "bridge needed: exit 1" 1 "$rc"
# The file is opened as the agent: what it cannot read, it cannot send.
out=$(agent "$T/bin/imsg" send-attachment --chat "$GROUP_GUID" \
    --file "$T/state/carapace.mdb" --json); rc=$?
expect_match "a file the agent cannot read is not sent" \
    "cannot attach $T/state/carapace.mdb" "$out"
expect_eq "unreadable file: exit 1" 1 "$rc"
# A chat guid the tool does not know names no one.
out=$(agent "$T/bin/imsg" send-attachment --chat 'iMessage;+;chat000' \
    --file "$T/home/pic.jpg" --json); rc=$?
expect_eq "unknown chat guid refused" \
    "recipient not allowed: chat:iMessage;+;chat000" "$out"
# A group whose guid is known but which is not allowed (chat 4 is
# +14155559999's direct chat; as a guid it is that handle).
out=$(agent "$T/bin/imsg" send-attachment --chat 'SMS;-;+14155559999' \
    --file "$T/home/pic.jpg" --json); rc=$?
expect_eq "direct chat guid of a refused handle" \
    "recipient not allowed: +14155559999" "$out"
expect_eq "only the one good send-attachment reached the tool" \
    $((n0 + 1)) "$(spool_count)"

# ---- rate limit on the media path ------------------------------------
LIMIT_MAX=2 default_config allowlist
n1=$(spool_count)
for i in 1 2; do
	out=$(agent "$T/bin/imsg" send-attachment --chat 'any;-;+14155550121' \
	    --file "$T/home/pic.jpg" --transport auto --json)
	expect_eq "send-attachment $i of 2 within the limit" \
	    '{"success":true,"transport":"applescript"}' "$out"
done
out=$(agent "$T/bin/imsg" send-attachment --chat 'any;-;+14155550121' \
    --file "$T/home/pic.jpg" --transport auto --json); rc=$?
expect_match "the third is rate limited" '^rate limited' "$out"
expect_eq "rate limited: exit 1" 1 "$rc"
expect_eq "the rate-limited attachment did not reach the tool" \
    $((n1 + 2)) "$(spool_count)"

# ---- the audit record -------------------------------------------------
audit=$(ctl audit show)
expect_match "send-attachment audited as a send to the handle" \
    '"method":"send".*"recipient":"\+14155550121"' "$audit"
expect_match "the refused attachment audited as denied" \
    '"decision":"deny".*"method":"send".*"recipient":"\+14155559999"' \
    "$audit"
expect_match "the rate-limited attachment audited" \
    '"method":"send".*"recipient":"\+14155550121".*"rule":"(limit|rate)' \
    "$audit"
expect_match "reply_to refused and audited" \
    '"method":"send".*reply_to requires bridge transport' "$audit"

finish
