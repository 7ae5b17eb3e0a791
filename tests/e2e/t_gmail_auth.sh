#!/bin/sh
# Gmail senders as an attacker forges them, and the oracles around
# hidden mail: through the real handler, the gog shim and the simulated
# gog.  A From of an allowed address without Gmail's passing
# Authentication-Results (none, a failing one, another server's, or a
# forged "mx.google.com" one above Gmail's) is hidden on search, get,
# thread, reply and the inbox, while authenticated mail from the same
# address is shown; the owner's sent mail to a hidden correspondent is
# hidden; hidden mail is answered byte for byte as missing mail; search
# pages never advertise a next page that turns out empty.
. "$(dirname "$0")/lib.sh"

setup
cp "$top_builddir/src/shim/gog" "$T/bin/gog"
cp "$top_builddir/sim/gog" "$T/bin/sim-gog"
chmod 755 "$T/bin/gog" "$T/bin/sim-gog"
GOGDIR=$T/sim/gog
mkdir -p "$GOGDIR"
cp "$top_srcdir/sim/data/gog/labels.json" "$GOGDIR/"

# What Gmail writes (folded), for a sender's address.
gmail_pass() {
	d=${1#*@}
	printf 'mx.google.com;\\r\\n       dkim=pass header.i=@%s header.s=20230601 header.b=Hx2K9nVb;\\r\\n       spf=pass (google.com: domain of %s designates 203.0.113.25 as permitted sender) smtp.mailfrom=%s;\\r\\n       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=%s' \
	    "$d" "$1" "$1" "$d"
}
GMAIL_FAIL='mx.google.com;\r\n       spf=fail (google.com: domain of alice@example.com does not designate 198.51.100.9 as permitted sender) smtp.mailfrom=alice@example.com;\r\n       dmarc=fail (p=REJECT sp=REJECT dis=NONE) header.from=example.com'
FORGED_GMAIL='mx.google.com; dkim=pass header.i=@example.com; spf=pass smtp.mailfrom=alice@example.com; dmarc=pass (p=REJECT) header.from=example.com'
OTHER_PASS='mx.evil.example; dkim=pass header.d=example.com; spf=pass smtp.mailfrom=alice@example.com; dmarc=pass header.from=example.com'

# msg ID THREAD LABEL FROM TO SUBJECT TEXT [NAME VALUE]...
msg() {
	id=$1 thread=$2 label=$3 from=$4 to=$5 subject=$6 text=$7
	shift 7
	hdrs=''
	while [ $# -ge 2 ]; do
		hdrs="$hdrs{\"name\":\"$1\",\"value\":\"$2\"},"
		shift 2
	done
	data=$(printf '%s' "$text" | base64 -w0 | tr '+/' '-_' | tr -d '=')
	printf '{"id":"%s","threadId":"%s","labelIds":["%s"],"snippet":"%s","historyId":"1","internalDate":"17789445%s000","sizeEstimate":100,"payload":{"mimeType":"text/plain","headers":[%s{"name":"From","value":"%s"},{"name":"To","value":"%s"},{"name":"Subject","value":"%s"},{"name":"Date","value":"Sat, 16 May 2026 15:14:36 +0000"}],"body":{"size":%d,"data":"%s"}}}' \
	    "$id" "$thread" "$label" "$text" "$(printf '%s' "$id" | tail -c 1)" \
	    "$hdrs" "$from" "$to" "$subject" "${#text}" "$data"
}

ALICE='Alice Example <alice@example.com>'
{
	echo '['
	msg 18c1a000000000a1 18c1a000000000a1 INBOX "$ALICE" me@example.com \
	    "Report one" "genuine from alice" \
	    Authentication-Results "$(gmail_pass alice@example.com)"
	echo ','
	msg 18c1a000000000a2 18c1a000000000a2 INBOX "$ALICE" me@example.com \
	    "Report two" "FORGED-NONE wire money"
	echo ','
	msg 18c1a000000000a3 18c1a000000000a3 INBOX "$ALICE" me@example.com \
	    "Report three" "FORGED-FAIL wire money" \
	    Authentication-Results "$GMAIL_FAIL"
	echo ','
	msg 18c1a000000000a4 18c1a000000000a4 INBOX "$ALICE" me@example.com \
	    "Report four" "FORGED-OTHER wire money" \
	    Authentication-Results "$OTHER_PASS"
	echo ','
	msg 18c1a000000000a5 18c1a000000000a5 INBOX "$ALICE" me@example.com \
	    "Report five" "FORGED-ABOVE wire money" \
	    Authentication-Results "$FORGED_GMAIL" \
	    Authentication-Results "$GMAIL_FAIL"
	echo ','
	msg 18c1a000000000a6 18c1a000000000a6 SENT me@example.com \
	    'Carol <carol@elsewhere.example>' "Report six" \
	    "OWNER-TO-HIDDEN you wrote: HIDDEN-QUOTE"
	echo ','
	msg 18c1a000000000a7 18c1a000000000a6 INBOX \
	    'Carol <carol@elsewhere.example>' me@example.com "Re: Report six" \
	    "HIDDEN-QUOTE from carol" \
	    Authentication-Results "$(gmail_pass carol@elsewhere.example)"
	echo ','
	msg 18c1a000000000a8 18c1a000000000a8 SENT me@example.com "$ALICE" \
	    "Report eight" "owner to alice"
	echo ','
	msg 18c1a000000000a9 18c1a000000000a9 INBOX me@example.com "$ALICE" \
	    "Report nine" "FORGED-OWNER wire money"
	echo ','
	# The newest in alice's visible thread, forged: the thread's
	# snippet (the API's, of its newest message) must not tell it.
	msg 18c1a000000000aa 18c1a000000000a1 INBOX "$ALICE" me@example.com \
	    "Re: Report one" "FORGED-IN-THREAD wire money"
	echo ']'
} >"$GOGDIR/messages.json"
chown -R "$GW_USER:$GW_USER" "$GOGDIR"
HIDDEN="18c1a000000000aa 18c1a000000000a2 18c1a000000000a3 18c1a000000000a4 18c1a000000000a5 18c1a000000000a6 18c1a000000000a7 18c1a000000000a9"

# gmail_config [REQUIRE_AUTH]
gmail_config() {
	write_config <<YAML
version: 1
state_dir: $T/state
map_size: 64M
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
    poll: 1s
    outbound:
      allow: ["*@example.com"]
    inbound:
      allow: ["alice@example.com"]
      require_auth: ${1:-true}
YAML
}
gmail_config
start_gateway

# Every id in a JSON answer.
ids() {
	grep -o '18c1a000000000[0-9a-f]*' | sort -u | tr '\n' ' '
}

# ---- search -------------------------------------------------------------
out=$(agent "$T/bin/gog" --json gmail search --max 50 Report)
expect_eq "search shows the authenticated and the owner's allowed mail" \
    "18c1a000000000a1 18c1a000000000a8 " "$(printf '%s' "$out" | ids)"
case "$out" in
*FORGED*|*HIDDEN-QUOTE*|*carol*|*Authentication-Results*|*payload*)
	not_ok "search carries nothing of the hidden mail or of the check" ;;
*) ok "search carries nothing of the hidden mail or of the check" ;;
esac
expect_match "the last page advertises no next one" \
    '"nextPageToken": ""' "$out"

# Page by page with max 1: every advertised page holds a thread.
pages=0 empty=0 seen='' page=''
while [ $pages -lt 12 ]; do
	if [ -n "$page" ]; then
		out=$(agent "$T/bin/gog" --json gmail search --max 1 \
		    --page "$page" Report)
	else
		out=$(agent "$T/bin/gog" --json gmail search --max 1 Report)
	fi
	pages=$((pages + 1))
	n=$(printf '%s' "$out" | ids)
	[ -z "$n" ] && empty=$((empty + 1))
	seen="$seen$n"
	page=$(printf '%s' "$out" | sed -n 's/.*"nextPageToken": "\([^"]*\)".*/\1/p')
	[ -z "$page" ] && break
done
expect_eq "max 1: two pages, one per visible thread" 2 "$pages"
expect_eq "no advertised page is empty" 0 "$empty"
expect_eq "the pages together show the visible threads" \
    "18c1a000000000a1 18c1a000000000a8 " \
    "$(printf '%s' "$seen" | tr ' ' '\n' | sort -u | grep . | tr '\n' ' ')"
agent "$T/bin/gog" --json gmail search --max 1 --page 'cp1:0:0:' Report \
    >/dev/null 2>&1
expect_eq "a forged page token is refused (usage)" 2 $?

# ---- get, thread: hidden is missing, byte for byte ----------------------
agent "$T/bin/gog" --json gmail get 18c1a000000000ff >"$T/missing" 2>&1
expect_eq "get of a missing message: not found (5)" 5 $?
agent "$T/bin/gog" --json gmail thread get 18c1a000000000ff \
    >"$T/tmissing" 2>&1
expect_eq "thread get of a missing thread: not found (5)" 5 $?
for id in $HIDDEN; do
	agent "$T/bin/gog" --json gmail get "$id" >"$T/got" 2>&1
	expect_eq "get $id: not found (5)" 5 $?
	check "get $id: the missing message's answer" cmp -s "$T/missing" "$T/got"
	agent "$T/bin/gog" --json gmail get --format metadata "$id" \
	    >"$T/got" 2>&1
	check "get --format metadata $id: the missing message's answer" \
	    cmp -s "$T/missing" "$T/got"
done
for id in 18c1a000000000a2 18c1a000000000a5 18c1a000000000a6; do
	agent "$T/bin/gog" --json gmail thread get "$id" >"$T/got" 2>&1
	expect_eq "thread get $id (nothing visible): not found (5)" 5 $?
	check "thread get $id: the missing thread's answer" \
	    cmp -s "$T/tmissing" "$T/got"
done
out=$(agent "$T/bin/gog" --json gmail thread get 18c1a000000000a1)
expect_match "thread get of a thread with a hidden message shows the rest" \
    '"id": "18c1a000000000a1"' "$out"
case "$out" in
*FORGED-IN-THREAD*|*18c1a000000000aa*)
	not_ok "thread get: no trace of the hidden message, snippet included" ;;
*)	ok "thread get: no trace of the hidden message, snippet included" ;;
esac
out=$(agent "$T/bin/gog" --json gmail get 18c1a000000000a1)
expect_match "get of the authenticated message" 'genuine from alice' \
    "$(printf '%s' "$out" | grep -o '"data": "[^"]*"' | cut -d'"' -f4 |
    tr '_-' '/+' | sed 's/$/==/' | base64 -d 2>/dev/null)$out"
out=$(agent "$T/bin/gog" --json gmail get 18c1a000000000a8)
expect_match "the owner's mail to an allowed correspondent" \
    '"id": "18c1a000000000a8"' "$out"
# metadata: the handler asks gog for more, the agent reads what it asked.
as "$GW_USER" env GOG_SIM_DIR="$GOGDIR" "$T/bin/sim-gog" \
    --account me@example.com --json gmail get --format metadata \
    18c1a000000000a1 >"$T/want" 2>&1
agent "$T/bin/gog" --json gmail get --format metadata 18c1a000000000a1 \
    >"$T/got" 2>&1
check "metadata get: what gog prints for the agent's request" \
    cmp -s "$T/want" "$T/got"

# ---- replies to hidden mail: missing, nothing sent ----------------------
spool() {
	find "$GOGDIR/spool" -type f 2>/dev/null | wc -l | tr -d ' '
}
before=$(spool)
agent "$T/bin/gog" gmail send --to alice@example.com --subject Re \
    --reply-to-message-id 18c1a000000000ff --body hi >"$T/rmissing" 2>&1
expect_eq "reply to a missing message: not found (5)" 5 $?
for id in 18c1a000000000a5 18c1a000000000a7; do
	agent "$T/bin/gog" gmail send --to alice@example.com --subject Re \
	    --reply-to-message-id "$id" --body hi >"$T/got" 2>&1
	expect_eq "reply to hidden $id: not found (5)" 5 $?
	check "reply to hidden $id: the missing message's answer" \
	    cmp -s "$T/rmissing" "$T/got"
done
agent "$T/bin/gog" gmail send --to alice@example.com --subject Re \
    --thread-id 18c1a000000000a6 --body hi >"$T/got" 2>&1
expect_eq "reply on a thread with nothing visible: not found (5)" 5 $?
expect_eq "no reply went out" "$before" "$(spool)"

# ---- the inbox: the watcher completes each item, then decides ------------
: >"$T/watch.log"
(exec setpriv --reuid="$GW_USER" --regid="$GW_USER" --init-groups \
    "$T/bin/carapace-watch" -c "$CONF" gmail 2>>"$T/watch.log") &
WATCH_PID=$!
# The watcher reads in:inbox (the owner's sent mail is not there); each
# message is either published or audited hidden (inbox.hide).
i=0
while [ "$(grep -c 'inbox.hide' "$T/watch.log" 2>/dev/null)" -lt 7 ] &&
    [ $i -lt 1200 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill "$WATCH_PID" 2>/dev/null
wait "$WATCH_PID" 2>/dev/null
expect_eq "the watcher hid the seven forged or hidden messages" 7 \
    "$(grep -c 'inbox.hide' "$T/watch.log")"
out=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"inbox.read","params":{"channel":"gmail","limit":1000}}' |
    raw -w 3000)
expect_eq "the inbox holds the authenticated mail only" \
    "18c1a000000000a1 " "$(printf '%s' "$out" | ids)"
case "$out" in
*FORGED*|*HIDDEN-QUOTE*) not_ok "the inbox carries no forged or hidden text" ;;
*) ok "the inbox carries no forged or hidden text" ;;
esac

# ---- inbound.require_auth: false trusts From, as before ------------------
stop_gateway
gmail_config false
start_gateway
out=$(agent "$T/bin/gog" --json gmail search --max 50 Report)
expect_match "require_auth false: a forged From is shown" \
    '18c1a000000000a2' "$out"
case "$out" in
*18c1a000000000a6*) not_ok "require_auth false: the owner's mail to a hidden one stays hidden" ;;
*) ok "require_auth false: the owner's mail to a hidden one stays hidden" ;;
esac
stop_gateway

finish
